/* lc-context.c: LcContext, the system configuration handle.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <unistd.h>

#include "containers/lc-context.h"
#include "containers/lc-version.h"
#include "common/lc-context-private.h"

/**
 * LcContext:
 *
 * The system configuration that every other call takes: where the
 * configuration files are (registries.conf, policy.json, auth.json,
 * certs.d, storage.conf, containers.conf), the user agent sent to
 * registries, and whether the caller runs rootless. containers/image calls
 * this the system context.
 *
 * A new context snapshots the environment variables the Go tools honour
 * (`CONTAINERS_REGISTRIES_CONF`, `REGISTRY_AUTH_FILE`,
 * `CONTAINERS_STORAGE_CONF`, `CONTAINERS_CONF`, `XDG_RUNTIME_DIR`,
 * `XDG_CONFIG_HOME`) when it is made; an explicit setter always wins over
 * them, and they win over the built-in defaults. The defaults are the
 * system paths under #LcContext:root.
 *
 * Thread safety: configure a context from one thread, then share it
 * freely: once configured, calls only read it.
 *
 * Since: 1.0
 */
struct _LcContext
{
  GObject parent_instance;

  char *root;
  gboolean rootless;
  char *user_agent;

  /* Explicit paths (NULL: use the environment, then the default). */
  char *registries_conf;
  char *registries_conf_dir;
  char *policy_path;
  char *auth_file;
  char *certs_dir;
  char *storage_conf;
  char *containers_conf;

  /* The environment as it was when the context was made. */
  char *env_registries_conf;
  char *env_auth_file;
  char *env_storage_conf;
  char *env_containers_conf;
  char *env_runtime_dir;
  char *env_config_home;
};

G_DEFINE_FINAL_TYPE (LcContext, lc_context, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_ROOT,
  PROP_ROOTLESS,
  PROP_USER_AGENT,
  PROP_REGISTRIES_CONF,
  PROP_REGISTRIES_CONF_DIR,
  PROP_POLICY_PATH,
  PROP_AUTH_FILE,
  PROP_CERTS_DIR,
  PROP_STORAGE_CONF,
  PROP_CONTAINERS_CONF,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

static char *
dup_nonempty_env (const char *name)
{
  const char *v = g_getenv (name);
  return (v != NULL && *v != '\0') ? g_strdup (v) : NULL;
}

static void
lc_context_init (LcContext *self)
{
  self->root = g_strdup ("/");
  self->rootless = geteuid () != 0;
  self->user_agent = g_strdup ("libcontainers/" LC_VERSION_S);
  self->env_registries_conf = dup_nonempty_env ("CONTAINERS_REGISTRIES_CONF");
  self->env_auth_file = dup_nonempty_env ("REGISTRY_AUTH_FILE");
  self->env_storage_conf = dup_nonempty_env ("CONTAINERS_STORAGE_CONF");
  self->env_containers_conf = dup_nonempty_env ("CONTAINERS_CONF");
  self->env_runtime_dir = dup_nonempty_env ("XDG_RUNTIME_DIR");
  self->env_config_home = dup_nonempty_env ("XDG_CONFIG_HOME");
}

static void
lc_context_finalize (GObject *object)
{
  LcContext *self = LC_CONTEXT (object);

  g_free (self->root);
  g_free (self->user_agent);
  g_free (self->registries_conf);
  g_free (self->registries_conf_dir);
  g_free (self->policy_path);
  g_free (self->auth_file);
  g_free (self->certs_dir);
  g_free (self->storage_conf);
  g_free (self->containers_conf);
  g_free (self->env_registries_conf);
  g_free (self->env_auth_file);
  g_free (self->env_storage_conf);
  g_free (self->env_containers_conf);
  g_free (self->env_runtime_dir);
  g_free (self->env_config_home);
  G_OBJECT_CLASS (lc_context_parent_class)->finalize (object);
}

static char **
path_slot (LcContext *self, guint prop_id)
{
  switch (prop_id)
    {
    case PROP_REGISTRIES_CONF: return &self->registries_conf;
    case PROP_REGISTRIES_CONF_DIR: return &self->registries_conf_dir;
    case PROP_POLICY_PATH: return &self->policy_path;
    case PROP_AUTH_FILE: return &self->auth_file;
    case PROP_CERTS_DIR: return &self->certs_dir;
    case PROP_STORAGE_CONF: return &self->storage_conf;
    case PROP_CONTAINERS_CONF: return &self->containers_conf;
    default: return NULL;
    }
}

static char *dup_effective (LcContext *self, guint prop_id);

static void
lc_context_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  LcContext *self = LC_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      g_value_set_string (value, self->root);
      break;
    case PROP_ROOTLESS:
      g_value_set_boolean (value, self->rootless);
      break;
    case PROP_USER_AGENT:
      g_value_set_string (value, self->user_agent);
      break;
    case PROP_REGISTRIES_CONF:
    case PROP_REGISTRIES_CONF_DIR:
    case PROP_POLICY_PATH:
    case PROP_AUTH_FILE:
    case PROP_CERTS_DIR:
    case PROP_STORAGE_CONF:
    case PROP_CONTAINERS_CONF:
      g_value_take_string (value, dup_effective (self, prop_id));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
lc_context_set_property (GObject *object, guint prop_id, const GValue *value, GParamSpec *pspec)
{
  LcContext *self = LC_CONTEXT (object);

  switch (prop_id)
    {
    case PROP_ROOT:
      lc_context_set_root (self, g_value_get_string (value));
      break;
    case PROP_ROOTLESS:
      lc_context_set_rootless (self, g_value_get_boolean (value));
      break;
    case PROP_USER_AGENT:
      lc_context_set_user_agent (self, g_value_get_string (value));
      break;
    case PROP_REGISTRIES_CONF:
    case PROP_REGISTRIES_CONF_DIR:
    case PROP_POLICY_PATH:
    case PROP_AUTH_FILE:
    case PROP_CERTS_DIR:
    case PROP_STORAGE_CONF:
    case PROP_CONTAINERS_CONF:
      {
        char **slot = path_slot (self, prop_id);
        const char *v = g_value_get_string (value);
        if (g_strcmp0 (*slot, v) != 0)
          {
            g_free (*slot);
            *slot = (v != NULL && *v != '\0') ? g_strdup (v) : NULL;
            g_object_notify_by_pspec (object, pspec);
          }
      }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static GParamSpec *
path_pspec (const char *name, const char *blurb)
{
  return g_param_spec_string (name, NULL, blurb, NULL,
                              G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                              G_PARAM_STATIC_STRINGS);
}

static void
lc_context_class_init (LcContextClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = lc_context_finalize;
  object_class->get_property = lc_context_get_property;
  object_class->set_property = lc_context_set_property;

  /**
   * LcContext:root:
   *
   * The prefix under which the default configuration paths are looked up,
   * "/" by default. Explicit paths and environment variables are used as
   * they are.
   *
   * Since: 1.0
   */
  props[PROP_ROOT] = g_param_spec_string ("root", NULL, NULL, "/",
                                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                          G_PARAM_STATIC_STRINGS);
  /**
   * LcContext:rootless:
   *
   * Whether to use the per-user defaults of rootless podman. By default,
   * whether the effective user is not root.
   *
   * Since: 1.0
   */
  props[PROP_ROOTLESS] = g_param_spec_boolean ("rootless", NULL, NULL, FALSE,
                                               G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                               G_PARAM_STATIC_STRINGS);
  /**
   * LcContext:user-agent:
   *
   * The User-Agent header sent to registries.
   *
   * Since: 1.0
   */
  props[PROP_USER_AGENT] = g_param_spec_string ("user-agent", NULL, NULL, NULL,
                                                G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                                                G_PARAM_STATIC_STRINGS);
  /**
   * LcContext:registries-conf:
   *
   * The registries.conf in effect (reading gives the effective path).
   *
   * Since: 1.0
   */
  props[PROP_REGISTRIES_CONF] = path_pspec ("registries-conf", "registries.conf");
  /**
   * LcContext:registries-conf-dir:
   *
   * The registries.conf.d drop-in directory in effect.
   *
   * Since: 1.0
   */
  props[PROP_REGISTRIES_CONF_DIR] = path_pspec ("registries-conf-dir", "registries.conf.d");
  /**
   * LcContext:policy-path:
   *
   * The policy.json in effect.
   *
   * Since: 1.0
   */
  props[PROP_POLICY_PATH] = path_pspec ("policy-path", "policy.json");
  /**
   * LcContext:auth-file:
   *
   * The auth.json in effect.
   *
   * Since: 1.0
   */
  props[PROP_AUTH_FILE] = path_pspec ("auth-file", "auth.json");
  /**
   * LcContext:certs-dir:
   *
   * The certs.d directory in effect.
   *
   * Since: 1.0
   */
  props[PROP_CERTS_DIR] = path_pspec ("certs-dir", "certs.d");
  /**
   * LcContext:storage-conf:
   *
   * The storage.conf in effect.
   *
   * Since: 1.0
   */
  props[PROP_STORAGE_CONF] = path_pspec ("storage-conf", "storage.conf");
  /**
   * LcContext:containers-conf:
   *
   * The containers.conf in effect.
   *
   * Since: 1.0
   */
  props[PROP_CONTAINERS_CONF] = path_pspec ("containers-conf", "containers.conf");

  g_object_class_install_properties (object_class, N_PROPS, props);
}

/**
 * lc_context_new: (constructor)
 *
 * Makes a context with the defaults of the Go container tools, reading
 * the environment variables they honour now.
 *
 * Returns: (transfer full): a new #LcContext
 *
 * Since: 1.0
 */
LcContext *
lc_context_new (void)
{
  return g_object_new (LC_TYPE_CONTEXT, NULL);
}

/**
 * lc_context_get_root:
 * @self: a #LcContext
 *
 * Returns: (transfer none): the prefix of the default configuration paths
 *
 * Since: 1.0
 */
const char *
lc_context_get_root (LcContext *self)
{
  g_return_val_if_fail (LC_IS_CONTEXT (self), NULL);
  return self->root;
}

/**
 * lc_context_set_root:
 * @self: a #LcContext
 * @root: (nullable): a directory, or %NULL for "/"
 *
 * Sets the prefix under which the default configuration paths are looked
 * up, as `podman --root`-less tools do with a system root.
 *
 * Since: 1.0
 */
void
lc_context_set_root (LcContext *self, const char *root)
{
  g_return_if_fail (LC_IS_CONTEXT (self));
  if (root == NULL || *root == '\0')
    root = "/";
  if (g_strcmp0 (self->root, root) == 0)
    return;
  g_free (self->root);
  self->root = g_strdup (root);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ROOT]);
}

/**
 * lc_context_get_rootless:
 * @self: a #LcContext
 *
 * Returns: whether the per-user (rootless) defaults are used
 *
 * Since: 1.0
 */
gboolean
lc_context_get_rootless (LcContext *self)
{
  g_return_val_if_fail (LC_IS_CONTEXT (self), FALSE);
  return self->rootless;
}

/**
 * lc_context_set_rootless:
 * @self: a #LcContext
 * @rootless: whether to use the per-user defaults
 *
 * Chooses between the system defaults of root and the per-user defaults
 * of rootless podman.
 *
 * Since: 1.0
 */
void
lc_context_set_rootless (LcContext *self, gboolean rootless)
{
  g_return_if_fail (LC_IS_CONTEXT (self));
  rootless = !!rootless;
  if (self->rootless == rootless)
    return;
  self->rootless = rootless;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ROOTLESS]);
}

/**
 * lc_context_get_user_agent:
 * @self: a #LcContext
 *
 * Returns: (transfer none): the User-Agent sent to registries
 *
 * Since: 1.0
 */
const char *
lc_context_get_user_agent (LcContext *self)
{
  g_return_val_if_fail (LC_IS_CONTEXT (self), NULL);
  return self->user_agent;
}

/**
 * lc_context_set_user_agent:
 * @self: a #LcContext
 * @user_agent: (nullable): the User-Agent, or %NULL for the default
 *
 * Sets the User-Agent header sent to registries.
 *
 * Since: 1.0
 */
void
lc_context_set_user_agent (LcContext *self, const char *user_agent)
{
  g_return_if_fail (LC_IS_CONTEXT (self));
  if (user_agent == NULL || *user_agent == '\0')
    user_agent = "libcontainers/" LC_VERSION_S;
  if (g_strcmp0 (self->user_agent, user_agent) == 0)
    return;
  g_free (self->user_agent);
  self->user_agent = g_strdup (user_agent);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_USER_AGENT]);
}

static char *
under_root (LcContext *self, const char *path)
{
  return g_build_filename (self->root, path, NULL);
}

/* Per-user configuration lives in $XDG_CONFIG_HOME (or ~/.config). */
static char *
user_config (LcContext *self, const char *name)
{
  if (self->env_config_home != NULL)
    return g_build_filename (self->env_config_home, "containers", name, NULL);
  return g_build_filename (g_get_home_dir (), ".config", "containers", name, NULL);
}

/* The rootless variant wins only when the user has made the file: the Go
 * tools fall back to the system file otherwise. */
static char *
user_or_system (LcContext *self, const char *name, const char *system_path)
{
  if (self->rootless)
    {
      g_autofree char *user = user_config (self, name);
      if (g_file_test (user, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&user);
    }
  return under_root (self, system_path);
}

static char *
dup_effective (LcContext *self, guint prop_id)
{
  char **slot = path_slot (self, prop_id);

  if (slot != NULL && *slot != NULL)
    return g_strdup (*slot);

  switch (prop_id)
    {
    case PROP_REGISTRIES_CONF:
      if (self->env_registries_conf != NULL)
        return g_strdup (self->env_registries_conf);
      return user_or_system (self, "registries.conf", "etc/containers/registries.conf");
    case PROP_REGISTRIES_CONF_DIR:
      return user_or_system (self, "registries.conf.d", "etc/containers/registries.conf.d");
    case PROP_POLICY_PATH:
      return user_or_system (self, "policy.json", "etc/containers/policy.json");
    case PROP_AUTH_FILE:
      if (self->env_auth_file != NULL)
        return g_strdup (self->env_auth_file);
      if (self->rootless && self->env_runtime_dir != NULL)
        return g_build_filename (self->env_runtime_dir, "containers", "auth.json", NULL);
      {
        g_autofree char *uid_dir = g_strdup_printf ("run/containers/%u", (guint) geteuid ());
        g_autofree char *dir = under_root (self, uid_dir);
        return g_build_filename (dir, "auth.json", NULL);
      }
    case PROP_CERTS_DIR:
      if (self->rootless)
        {
          g_autofree char *user = user_config (self, "certs.d");
          if (g_file_test (user, G_FILE_TEST_IS_DIR))
            return g_steal_pointer (&user);
        }
      return under_root (self, "etc/containers/certs.d");
    case PROP_STORAGE_CONF:
      if (self->env_storage_conf != NULL)
        return g_strdup (self->env_storage_conf);
      if (self->rootless)
        return user_config (self, "storage.conf");
      return under_root (self, "etc/containers/storage.conf");
    case PROP_CONTAINERS_CONF:
      if (self->env_containers_conf != NULL)
        return g_strdup (self->env_containers_conf);
      return user_or_system (self, "containers.conf", "etc/containers/containers.conf");
    default:
      g_return_val_if_reached (NULL);
    }
}

static void
set_path (LcContext *self, guint prop_id, const char *path)
{
  g_object_set (self, props[prop_id]->name, path, NULL);
}

#define LC_CONTEXT_PATH_ACCESSORS(field, PROP)                                \
  char *                                                                       \
  lc_context_dup_##field (LcContext *self)                                     \
  {                                                                            \
    g_return_val_if_fail (LC_IS_CONTEXT (self), NULL);                         \
    return dup_effective (self, PROP);                                         \
  }                                                                            \
  void                                                                         \
  lc_context_set_##field (LcContext *self, const char *path)                   \
  {                                                                            \
    g_return_if_fail (LC_IS_CONTEXT (self));                                   \
    set_path (self, PROP, path);                                               \
  }

/**
 * lc_context_dup_registries_conf:
 * @self: a #LcContext
 *
 * The registries.conf in effect: the one set with
 * lc_context_set_registries_conf(), else `$CONTAINERS_REGISTRIES_CONF`,
 * else (rootless, when it exists) `$XDG_CONFIG_HOME/containers/registries.conf`,
 * else `/etc/containers/registries.conf` under #LcContext:root.
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_registries_conf:
 * @self: a #LcContext
 * @path: (nullable): a path, or %NULL to go back to the default
 *
 * Sets the registries.conf to read.
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (registries_conf, PROP_REGISTRIES_CONF)

/**
 * lc_context_dup_registries_conf_dir:
 * @self: a #LcContext
 *
 * The first drop-in directory read after registries.conf: the one set,
 * else `/etc/containers/registries.conf.d` under #LcContext:root (rootless,
 * when it exists: the user's). A directory set here is the only one read;
 * otherwise, as in containers/image, the system directory and then
 * (rootless) the user's are both read, unless the user's own
 * registries.conf is in use, which takes only the user's drop-ins.
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_registries_conf_dir:
 * @self: a #LcContext
 * @path: (nullable): a directory, or %NULL to go back to the default
 *
 * Sets the registries.conf.d drop-in directory.
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (registries_conf_dir, PROP_REGISTRIES_CONF_DIR)

/* See lc-context-private.h; mirrors newConfigWrapperWithHomeDir() in
 * containers/image pkg/sysregistriesv2. */
char **
lc_context_dup_registries_conf_dirs (LcContext *self)
{
  g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *user_dir = NULL;

  g_return_val_if_fail (LC_IS_CONTEXT (self), NULL);

  if (self->registries_conf_dir != NULL)
    g_ptr_array_add (dirs, g_strdup (self->registries_conf_dir));
  else
    {
      if (self->rootless)
        user_dir = user_config (self, "registries.conf.d");
      if (user_dir != NULL && self->registries_conf == NULL && self->env_registries_conf == NULL)
        {
          g_autofree char *user_conf = user_config (self, "registries.conf");
          if (g_file_test (user_conf, G_FILE_TEST_EXISTS))
            {
              /* The user's registries.conf replaces the system one and
               * its drop-ins entirely. */
              g_ptr_array_add (dirs, g_steal_pointer (&user_dir));
              g_ptr_array_add (dirs, NULL);
              return (char **) g_ptr_array_free (g_steal_pointer (&dirs), FALSE);
            }
        }
      g_ptr_array_add (dirs, under_root (self, "etc/containers/registries.conf.d"));
      if (user_dir != NULL)
        g_ptr_array_add (dirs, g_steal_pointer (&user_dir));
    }
  g_ptr_array_add (dirs, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&dirs), FALSE);
}

/**
 * lc_context_dup_policy_path:
 * @self: a #LcContext
 *
 * The signature policy in effect: the one set, else (rootless, when it
 * exists) `$XDG_CONFIG_HOME/containers/policy.json`, else
 * `/etc/containers/policy.json` under #LcContext:root.
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_policy_path:
 * @self: a #LcContext
 * @path: (nullable): a path, or %NULL to go back to the default
 *
 * Sets the policy.json to read.
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (policy_path, PROP_POLICY_PATH)

/**
 * lc_context_dup_auth_file:
 * @self: a #LcContext
 *
 * The credentials file in effect: the one set, else `$REGISTRY_AUTH_FILE`,
 * else (rootless) `$XDG_RUNTIME_DIR/containers/auth.json`, else
 * `/run/containers/<uid>/auth.json` under #LcContext:root.
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_auth_file:
 * @self: a #LcContext
 * @path: (nullable): a path, or %NULL to go back to the default
 *
 * Sets the auth.json to read and write (like `--authfile`).
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (auth_file, PROP_AUTH_FILE)

/**
 * lc_context_dup_certs_dir:
 * @self: a #LcContext
 *
 * The directory of per-registry certificates (`<dir>/<host:port>/`): the
 * one set, else `/etc/containers/certs.d` under #LcContext:root (rootless:
 * the user's, when it exists).
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_certs_dir:
 * @self: a #LcContext
 * @path: (nullable): a directory, or %NULL to go back to the default
 *
 * Sets the certs.d directory (like `--cert-dir`, which uses the directory
 * for every registry).
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (certs_dir, PROP_CERTS_DIR)

/**
 * lc_context_dup_storage_conf:
 * @self: a #LcContext
 *
 * The storage.conf in effect: the one set, else `$CONTAINERS_STORAGE_CONF`,
 * else (rootless) `$XDG_CONFIG_HOME/containers/storage.conf`, else
 * `/etc/containers/storage.conf` under #LcContext:root.
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_storage_conf:
 * @self: a #LcContext
 * @path: (nullable): a path, or %NULL to go back to the default
 *
 * Sets the storage.conf to read.
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (storage_conf, PROP_STORAGE_CONF)

/**
 * lc_context_dup_containers_conf:
 * @self: a #LcContext
 *
 * The containers.conf in effect: the one set, else `$CONTAINERS_CONF`,
 * else (rootless, when it exists) the user's, else
 * `/etc/containers/containers.conf` under #LcContext:root.
 *
 * Returns: (transfer full): a path
 *
 * Since: 1.0
 */
/**
 * lc_context_set_containers_conf:
 * @self: a #LcContext
 * @path: (nullable): a path, or %NULL to go back to the default
 *
 * Sets the containers.conf to read.
 *
 * Since: 1.0
 */
LC_CONTEXT_PATH_ACCESSORS (containers_conf, PROP_CONTAINERS_CONF)
