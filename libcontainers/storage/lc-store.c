/* lc-store.c: LcStore and LcStoreOptions: opening a containers/storage
 * store from storage.conf semantics (spec §1).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "common/lc-toml-private.h"
#include "storage/lc-store-private.h"

#define DEFAULT_GRAPH_ROOT "/var/lib/containers/storage"
#define DEFAULT_RUN_ROOT   "/run/containers/storage"

/* ---- LcStoreOptions ------------------------------------------------------ */

/**
 * LcStoreOptions:
 *
 * What lc_store_open() opens, where it differs from storage.conf: the
 * graph root (`--root`), the run root (`--runroot`), the driver
 * (`--storage-driver`) and driver options (`--storage-opt`). Anything not
 * set comes from storage.conf, then from the containers/storage defaults.
 *
 * Thread safety: configure from one thread, then treat as immutable.
 *
 * Since: 1.0
 */
struct _LcStoreOptions
{
  gint ref_count;
  char *graph_root;
  char *run_root;
  char *driver;
  GPtrArray *driver_options;
};

G_DEFINE_BOXED_TYPE (LcStoreOptions, lc_store_options, lc_store_options_ref, lc_store_options_unref)

/**
 * lc_store_options_new: (constructor)
 *
 * Returns: (transfer full): empty options: everything from storage.conf
 *
 * Since: 1.0
 */
LcStoreOptions *
lc_store_options_new (void)
{
  LcStoreOptions *self = g_new0 (LcStoreOptions, 1);

  self->ref_count = 1;
  self->driver_options = g_ptr_array_new_with_free_func (g_free);
  return self;
}

/**
 * lc_store_options_ref:
 * @self: a #LcStoreOptions
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
LcStoreOptions *
lc_store_options_ref (LcStoreOptions *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_store_options_unref:
 * @self: (nullable): a #LcStoreOptions
 *
 * Drops a reference; %NULL is a no-op.
 *
 * Since: 1.0
 */
void
lc_store_options_unref (LcStoreOptions *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->graph_root);
  g_free (self->run_root);
  g_free (self->driver);
  g_ptr_array_unref (self->driver_options);
  g_free (self);
}

/**
 * lc_store_options_set_graph_root:
 * @self: a #LcStoreOptions
 * @path: (nullable): the persistent root, like `podman --root`
 *
 * Since: 1.0
 */
void
lc_store_options_set_graph_root (LcStoreOptions *self, const char *path)
{
  g_return_if_fail (self != NULL);
  g_free (self->graph_root);
  self->graph_root = g_strdup (path);
}

/**
 * lc_store_options_set_run_root:
 * @self: a #LcStoreOptions
 * @path: (nullable): the volatile root, like `podman --runroot`
 *
 * Since: 1.0
 */
void
lc_store_options_set_run_root (LcStoreOptions *self, const char *path)
{
  g_return_if_fail (self != NULL);
  g_free (self->run_root);
  self->run_root = g_strdup (path);
}

/**
 * lc_store_options_set_driver:
 * @self: a #LcStoreOptions
 * @driver: (nullable): `overlay` or `vfs`, like `podman --storage-driver`
 *
 * Since: 1.0
 */
void
lc_store_options_set_driver (LcStoreOptions *self, const char *driver)
{
  g_return_if_fail (self != NULL);
  g_free (self->driver);
  self->driver = g_strdup (driver);
}

/**
 * lc_store_options_add_driver_option:
 * @self: a #LcStoreOptions
 * @option: `<driver>.<key>=<value>`, e.g. `overlay.mountopt=nodev`, like
 *   `podman --storage-opt`
 *
 * Adds a driver option; once any is added, the driver options of
 * storage.conf are ignored (as `--storage-opt` replaces them in podman).
 *
 * Since: 1.0
 */
void
lc_store_options_add_driver_option (LcStoreOptions *self, const char *option)
{
  g_return_if_fail (self != NULL && option != NULL);
  g_ptr_array_add (self->driver_options, g_strdup (option));
}

/* ---- storage.conf --------------------------------------------------------- */

static void
set_str (char **ptr, const char *value)
{
  char *copy = g_strdup (value);
  g_free (*ptr);
  *ptr = copy;
}

static json_object *
json_path (json_object *root, const char *a, const char *b, const char *c)
{
  json_object *o = root;
  const char *keys[] = { a, b, c };

  for (int i = 0; i < 3 && keys[i] != NULL; i++)
    if (o == NULL || !json_object_object_get_ex (o, keys[i], &o))
      return NULL;
  return o;
}

static const char *
json_path_string (json_object *root, const char *a, const char *b, const char *c)
{
  json_object *o = json_path (root, a, b, c);
  return o != NULL && json_object_is_type (o, json_type_string) ? json_object_get_string (o) : NULL;
}

/* A storage.conf key that must be a string when present: a wrong type is
 * an error rather than a silent fall-back to the default store. */
static gboolean
conf_string (json_object *root, const char *path, const char *table, const char *key,
             char **out, GError **error)
{
  json_object *o = json_path (root, "storage", table, key);

  if (o == NULL)
    return TRUE;
  if (!json_object_is_type (o, json_type_string))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "reading %s: [storage] %s%s%s must be a string",
                    path, table, key != NULL ? "." : "", key != NULL ? key : "");
  g_free (*out);
  *out = g_strdup (json_object_get_string (o));
  return TRUE;
}

static char *
value_to_string (json_object *v)
{
  if (json_object_is_type (v, json_type_string))
    return g_strdup (json_object_get_string (v));
  return g_strdup (json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN));
}

typedef struct {
  char *graph_root;
  char *run_root;
  char *driver;
  GPtrArray *options;
} StoreConfig;

static void
store_config_clear (StoreConfig *c)
{
  g_free (c->graph_root);
  g_free (c->run_root);
  g_free (c->driver);
  if (c->options)
    g_ptr_array_unref (c->options);
}

static gboolean
read_storage_conf (LcContext *context, StoreConfig *conf, GError **error)
{
  g_autofree char *path = lc_context_dup_storage_conf (context);
  g_autoptr(GError) local = NULL;
  json_object *root = NULL;

  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *fallback = g_build_filename (lc_context_get_root (context),
                                                    "usr/share/containers/storage.conf", NULL);
      g_free (path);
      path = g_steal_pointer (&fallback);
    }
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    return TRUE;
  root = lc_toml_parse_file (path, &local);
  if (root == NULL)
    {
      g_propagate_prefixed_error (error, g_steal_pointer (&local), "reading %s: ", path);
      return FALSE;
    }
  lc_debug ("storage", "reading %s", path);
  if (!conf_string (root, path, "graphroot", NULL, &conf->graph_root, error) ||
      !conf_string (root, path, "runroot", NULL, &conf->run_root, error) ||
      !conf_string (root, path, "driver", NULL, &conf->driver, error))
    {
      json_object_put (root);
      return FALSE;
    }
  if (lc_context_get_rootless (context))
    {
      const char *rsp = json_path_string (root, "storage", "rootless_storage_path", NULL);
      if (rsp != NULL)
        {
          g_free (conf->graph_root);
          conf->graph_root = g_strdup (rsp);
        }
    }
  {
    json_object *opts = json_path (root, "storage", "options", NULL);
    json_object *ais = json_path (root, "storage", "options", "additionalimagestores");

    if (opts != NULL && json_object_is_type (opts, json_type_object))
      {
      json_object_object_foreach (opts, drv, table)
        {
          if (!json_object_is_type (table, json_type_object))
            continue;
          json_object_object_foreach (table, key, val)
            {
              g_autofree char *s = value_to_string (val);
              g_ptr_array_add (conf->options, g_strdup_printf ("%s.%s=%s", drv, key, s));
            }
        }
      }
    if (ais != NULL && json_object_is_type (ais, json_type_array) && json_object_array_length (ais) > 0)
      lc_warning ("storage", "additionalimagestores are not supported yet; ignored");
  }
  json_object_put (root);
  return TRUE;
}

static char *
detect_driver (const char *graph_root, GError **error)
{
  static const char * const drivers[] = { "overlay", "aufs", "btrfs", "zfs", "devicemapper", NULL };
  const char *found = NULL;
  g_autofree char *fs = NULL;

  for (const char * const *d = drivers; *d; d++)
    {
      g_autofree char *p = g_build_filename (graph_root, *d, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR))
        {
          if (found != NULL)
            {
              lc_fail (error, LC_ERROR_CORRUPT_STORE, "%s contains several valid graphdrivers: %s, %s",
                       graph_root, found, *d);
              return NULL;
            }
          found = *d;
        }
    }
  if (found != NULL)
    return g_strdup (found);
  if (g_file_get_contents ("/proc/filesystems", &fs, NULL, NULL) && strstr (fs, "\toverlay\n") != NULL)
    return g_strdup ("overlay");
  return g_strdup ("vfs");
}

/* Removes what crashed writers of ours left in the staging places more
 * than an hour ago (a live pull in another process may be staging now). */
static void
remove_stale_staging (const char *dir, const char * const *prefixes, LcDriver *driver)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;
  gint64 now = g_get_real_time () / G_USEC_PER_SEC;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      struct stat st;
      gboolean match = FALSE;

      for (const char * const *p = prefixes; *p; p++)
        match |= g_str_has_prefix (name, *p);
      if (!match)
        continue;
      path = g_build_filename (dir, name, NULL);
      if (lstat (path, &st) < 0 || now - st.st_mtime < 3600)
        continue;
      lc_debug ("storage", "removing stale staging %s", path);
      if (driver != NULL && S_ISDIR (st.st_mode))
        {
          g_autofree char *diff = g_build_filename (path, "diff", NULL);
          driver->klass->discard_staged (driver, diff);
        }
      else
        lc_storage_rm_rf (path, NULL);
    }
}

/* ---- LcStore ------------------------------------------------------------------ */

/**
 * LcStore:
 *
 * A containers/storage store: the layers, images and containers under a
 * graph root and a run root, in the very format and with the very locks
 * of containers/storage 1.43, so that podman, buildah, skopeo and CRI-O
 * see what it writes and it sees what they write, even while they run.
 *
 * Thread safety: use an #LcStore from one thread at a time. Separate
 * #LcStore objects on the same directories may be used at once from any
 * threads and processes; the store's file locks serialize them.
 *
 * Since: 1.0
 */
G_DEFINE_FINAL_TYPE (LcStore, lc_store, G_TYPE_OBJECT)

static void
lc_store_finalize (GObject *object)
{
  LcStore *self = LC_STORE (object);

  g_free (self->graph_root);
  g_free (self->run_root);
  g_free (self->driver_name);
  g_strfreev (self->driver_options);
  g_clear_pointer (&self->driver, lc_driver_free);
  g_clear_pointer (&self->graph_lock, lc_lockfile_free);
  g_clear_pointer (&self->mounts_lock, lc_lockfile_free);
  g_free (self->mounts_path);
  lc_record_file_clear (&self->layers);
  lc_record_file_clear (&self->images);
  lc_record_file_clear (&self->containers);
  G_OBJECT_CLASS (lc_store_parent_class)->finalize (object);
}

static void
lc_store_class_init (LcStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lc_store_finalize;
}

static void
lc_store_init (LcStore *self)
{
}

static gboolean
mkdir_mode (const char *path, mode_t mode, GError **error)
{
  if (g_mkdir_with_parents (path, mode) < 0)
    return lc_fail_errno (error, "creating %s", path);
  return TRUE;
}

/**
 * lc_store_open:
 * @context: the system configuration (which storage.conf, rootless or not)
 * @options: (nullable): explicit graph root, run root, driver and driver
 *   options, which win over storage.conf
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Opens (creating its directories if needed) the store that storage.conf
 * describes: `CONTAINERS_STORAGE_CONF`, else the per-user or system
 * storage.conf, else `/usr/share/containers/storage.conf`, else the
 * containers/storage defaults (graph root `/var/lib/containers/storage`,
 * run root `/run/containers/storage`, the driver found in the graph root
 * or overlay). `STORAGE_DRIVER` and `STORAGE_OPTS` override the file, and
 * @options override both. Like podman, opening removes layers left
 * incomplete by a crashed writer.
 *
 * Returns: (transfer full): the store, or %NULL with @error set
 *
 * Since: 1.0
 */
LcStore *
lc_store_open (LcContext *context, LcStoreOptions *options, GCancellable *cancellable, GError **error)
{
  g_autoptr(LcStore) self = NULL;
  StoreConfig conf = { 0 };
  gboolean rootless;
  const char *env;
  g_autofree char *dir = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_CONTEXT (context), NULL);

  rootless = lc_context_get_rootless (context) && geteuid () != 0;
  conf.options = g_ptr_array_new_with_free_func (g_free);
  if (!read_storage_conf (context, &conf, error))
    goto out;
  if ((env = g_getenv ("STORAGE_DRIVER")) != NULL && *env != '\0')
    {
      g_free (conf.driver);
      conf.driver = g_strdup (env);
    }
  if ((env = g_getenv ("STORAGE_OPTS")) != NULL && *env != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (env, ",", -1);
      g_ptr_array_set_size (conf.options, 0);
      for (char **p = parts; *p; p++)
        g_ptr_array_add (conf.options, g_strdup (*p));
    }
  if (options != NULL)
    {
      if (options->graph_root)
        set_str (&conf.graph_root, options->graph_root);
      if (options->run_root)
        set_str (&conf.run_root, options->run_root);
      if (options->driver)
        set_str (&conf.driver, options->driver);
      if (options->driver_options->len > 0)
        {
          g_ptr_array_set_size (conf.options, 0);
          for (guint i = 0; i < options->driver_options->len; i++)
            g_ptr_array_add (conf.options, g_strdup (options->driver_options->pdata[i]));
        }
    }
  if (conf.graph_root == NULL || *conf.graph_root == '\0')
    {
      g_free (conf.graph_root);
      if (rootless)
        conf.graph_root = g_build_filename (g_get_home_dir (), ".local/share/containers/storage", NULL);
      else
        conf.graph_root = g_build_filename (lc_context_get_root (context), DEFAULT_GRAPH_ROOT, NULL);
    }
  if (conf.run_root == NULL || *conf.run_root == '\0')
    {
      const char *xdg = g_getenv ("XDG_RUNTIME_DIR");
      g_free (conf.run_root);
      if (rootless && xdg != NULL && *xdg != '\0')
        conf.run_root = g_build_filename (xdg, "containers", NULL);
      else
        conf.run_root = g_build_filename (lc_context_get_root (context), DEFAULT_RUN_ROOT, NULL);
    }
  if (!g_path_is_absolute (conf.graph_root) || !g_path_is_absolute (conf.run_root))
    {
      lc_fail (error, LC_ERROR_INVALID_CONFIG, "the graph root and run root must be absolute paths");
      goto out;
    }
  if (conf.driver == NULL || *conf.driver == '\0')
    {
      g_free (conf.driver);
      conf.driver = detect_driver (conf.graph_root, error);
      if (conf.driver == NULL)
        goto out;
    }
  if (g_str_equal (conf.driver, "overlay2"))
    set_str (&conf.driver, "overlay");

  self = g_object_new (LC_TYPE_STORE, NULL);
  self->graph_root = g_canonicalize_filename (conf.graph_root, "/");
  self->run_root = g_canonicalize_filename (conf.run_root, "/");
  self->driver_name = g_strdup (conf.driver);
  g_ptr_array_add (conf.options, NULL);
  self->driver_options = g_strdupv ((char **) conf.options->pdata);
  self->rootless = rootless;

  if (!mkdir_mode (self->graph_root, 0700, error) || !mkdir_mode (self->run_root, 0700, error))
    goto out;
  {
    const char *subs[] = { "mounts", "tmp", NULL };
    for (int i = 0; subs[i]; i++)
      {
        g_autofree char *p = g_build_filename (self->graph_root, subs[i], NULL);
        if (!mkdir_mode (p, 0700, error))
          goto out;
      }
  }
  self->driver = lc_driver_new (self->driver_name, self->graph_root, self->run_root,
                                (const char * const *) self->driver_options, rootless, error);
  if (self->driver == NULL)
    goto out;
  {
    g_autofree char *storage_lock = g_build_filename (self->graph_root, "storage.lock", NULL);
    g_autofree char *layers_dir = g_strdup_printf ("%s/%s-layers", self->graph_root, self->driver_name);
    g_autofree char *images_dir = g_strdup_printf ("%s/%s-images", self->graph_root, self->driver_name);
    g_autofree char *containers_dir = g_strdup_printf ("%s/%s-containers", self->graph_root, self->driver_name);
    g_autofree char *run_layers = g_strdup_printf ("%s/%s-layers", self->run_root, self->driver_name);
    g_autofree char *run_containers = g_strdup_printf ("%s/%s-containers", self->run_root, self->driver_name);
    g_autofree char *run_locks = g_strdup_printf ("%s/%s-locks", self->run_root, self->driver_name);
    g_autofree char *mounts_lock = g_build_filename (run_layers, "mountpoints.lock", NULL);

    if (!mkdir_mode (layers_dir, 0700, error) || !mkdir_mode (images_dir, 0700, error) ||
        !mkdir_mode (containers_dir, 0700, error) || !mkdir_mode (run_layers, 0700, error) ||
        !mkdir_mode (run_containers, 0700, error) || !mkdir_mode (run_locks, 0700, error))
      goto out;
    self->graph_lock = lc_lockfile_open (storage_lock, FALSE, error);
    if (self->graph_lock == NULL)
      goto out;
    self->mounts_lock = lc_lockfile_open (mounts_lock, FALSE, error);
    if (self->mounts_lock == NULL)
      goto out;
    self->mounts_path = g_build_filename (run_layers, "mountpoints.json", NULL);
    if (!lc_record_file_init (&self->layers, "layer", layers_dir, "layers.json", FALSE, error) ||
        !lc_record_file_init (&self->images, "image", images_dir, "images.json", FALSE, error) ||
        !lc_record_file_init (&self->containers, "container", containers_dir, "containers.json", FALSE, error))
      goto out;
  }

  {
    g_autofree char *tmp = g_build_filename (self->graph_root, "tmp", NULL);
    const char * const tmp_prefixes[] = { "lc-layer-", "lc-tar-split-", "lc-blob-", "lc-diff-", "lc-load-", NULL };
    const char * const home_prefixes[] = { "lcstage-", NULL };
    remove_stale_staging (tmp, tmp_prefixes, NULL);
    remove_stale_staging (self->driver->home, home_prefixes, self->driver);
  }

  /* As podman at start-up: load the layers under the write lock and
   * remove what a crashed writer left incomplete. */
  if (!lc_record_file_lock (&self->layers, TRUE, cancellable, error))
    goto out;
  ok = lc_store_layers_delete_incomplete (self, error);
  lc_record_file_unlock (&self->layers);
  if (!ok)
    goto out;
  lc_debug ("storage", "opened store %s (run root %s, driver %s)", self->graph_root, self->run_root,
            self->driver_name);
  ok = TRUE;

out:
  store_config_clear (&conf);
  return ok ? g_steal_pointer (&self) : NULL;
}

/**
 * lc_store_get_graph_root:
 * @self: a #LcStore
 *
 * Returns: (transfer none): the persistent root directory
 *
 * Since: 1.0
 */
const char *
lc_store_get_graph_root (LcStore *self)
{
  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  return self->graph_root;
}

/**
 * lc_store_get_run_root:
 * @self: a #LcStore
 *
 * Returns: (transfer none): the volatile root directory
 *
 * Since: 1.0
 */
const char *
lc_store_get_run_root (LcStore *self)
{
  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  return self->run_root;
}

/**
 * lc_store_get_driver_name:
 * @self: a #LcStore
 *
 * Returns: (transfer none): the graph driver in use: `overlay` or `vfs`
 *
 * Since: 1.0
 */
const char *
lc_store_get_driver_name (LcStore *self)
{
  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  return self->driver_name;
}
