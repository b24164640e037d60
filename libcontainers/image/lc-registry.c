/* lc-registry.c: LcRegistryOptions, login/logout, list tags, delete.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "lc-auth-private.h"
#include "lc-registries-conf-private.h"
#include "lc-registry-private.h"

/**
 * LcRegistryOptions:
 *
 * Per-call settings of a registry connection: TLS verification, the
 * certificate directory, the credentials or the auth file to read them
 * from, retries and the stall timeout. Without options, registries.conf
 * decides TLS verification and auth.json the credentials.
 *
 * Thread safety: share freely once no setter is called any more.
 *
 * Since: 1.0
 */
G_DEFINE_BOXED_TYPE (LcRegistryOptions, lc_registry_options, lc_registry_options_ref, lc_registry_options_unref)

/**
 * lc_registry_options_new: (constructor)
 *
 * Returns: (transfer full): new options with the defaults (TLS
 *   verification from registries.conf, credentials from auth.json, 3
 *   retries, a 60 s stall timeout)
 *
 * Since: 1.0
 */
LcRegistryOptions *
lc_registry_options_new (void)
{
  LcRegistryOptions *self = g_new0 (LcRegistryOptions, 1);
  self->ref_count = 1;
  self->tls_verify = -1;
  self->retry_times = LC_REGISTRY_DEFAULT_RETRY_TIMES;
  self->stall_timeout = LC_REGISTRY_DEFAULT_STALL_TIMEOUT;
  return self;
}

/**
 * lc_registry_options_ref:
 * @self: a #LcRegistryOptions
 *
 * Returns: (transfer full): @self, with one more reference
 *
 * Since: 1.0
 */
LcRegistryOptions *
lc_registry_options_ref (LcRegistryOptions *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_registry_options_unref:
 * @self: (nullable): a #LcRegistryOptions
 *
 * Drops a reference; %NULL is ignored.
 *
 * Since: 1.0
 */
void
lc_registry_options_unref (LcRegistryOptions *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->cert_dir);
  g_free (self->auth_file);
  g_free (self->username);
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
  g_free (self);
}

/**
 * lc_registry_options_set_tls_verify:
 * @self: a #LcRegistryOptions
 * @tls_verify: whether to require HTTPS with a verified certificate
 *
 * Overrides the `insecure` setting of registries.conf, as skopeo's
 * `--tls-verify` does. %FALSE also allows plain HTTP.
 *
 * Since: 1.0
 */
void
lc_registry_options_set_tls_verify (LcRegistryOptions *self, gboolean tls_verify)
{
  g_return_if_fail (self != NULL);
  self->tls_verify = tls_verify ? 1 : 0;
}

/**
 * lc_registry_options_set_cert_dir:
 * @self: a #LcRegistryOptions
 * @cert_dir: (nullable): a directory of `*.crt`, `*.cert` and `*.key`
 *   files, or %NULL for the certs.d search
 *
 * Uses @cert_dir for the registry's TLS material instead of certs.d.
 *
 * Since: 1.0
 */
void
lc_registry_options_set_cert_dir (LcRegistryOptions *self, const char *cert_dir)
{
  g_return_if_fail (self != NULL);
  g_free (self->cert_dir);
  self->cert_dir = g_strdup (cert_dir);
}

/**
 * lc_registry_options_set_auth_file:
 * @self: a #LcRegistryOptions
 * @auth_file: (nullable): an auth.json, or %NULL for the default search
 *
 * Reads (and for login/logout writes) only @auth_file.
 *
 * Since: 1.0
 */
void
lc_registry_options_set_auth_file (LcRegistryOptions *self, const char *auth_file)
{
  g_return_if_fail (self != NULL);
  g_free (self->auth_file);
  self->auth_file = g_strdup (auth_file);
}

/**
 * lc_registry_options_set_credentials:
 * @self: a #LcRegistryOptions
 * @username: (nullable): the user name, or %NULL to use auth.json
 * @password: (nullable): the password
 *
 * Uses these credentials instead of auth.json (skopeo `--creds`).
 *
 * Since: 1.0
 */
void
lc_registry_options_set_credentials (LcRegistryOptions *self, const char *username, const char *password)
{
  g_return_if_fail (self != NULL);
  g_free (self->username);
  if (self->password != NULL)
    explicit_bzero (self->password, strlen (self->password));
  g_free (self->password);
  self->username = g_strdup (username);
  self->password = username != NULL ? g_strdup (password != NULL ? password : "") : NULL;
}

/**
 * lc_registry_options_set_retry_times:
 * @self: a #LcRegistryOptions
 * @retry_times: how many times a failed request is retried
 *
 * Transient failures (reset connections, HTTP 429 and 5xx) of requests
 * that can be replayed are retried with exponential backoff (1 s, 2 s, …;
 * 429 answers' Retry-After is honoured).
 *
 * Since: 1.0
 */
void
lc_registry_options_set_retry_times (LcRegistryOptions *self, guint retry_times)
{
  g_return_if_fail (self != NULL);
  self->retry_times = MIN (retry_times, 100);
}

/**
 * lc_registry_options_set_stall_timeout:
 * @self: a #LcRegistryOptions
 * @seconds: seconds without any byte received before giving up (at least 1)
 *
 * A transfer that stalls that long fails with %LC_ERROR_TIMEOUT.
 *
 * Since: 1.0
 */
void
lc_registry_options_set_stall_timeout (LcRegistryOptions *self, guint seconds)
{
  g_return_if_fail (self != NULL);
  self->stall_timeout = MAX (seconds, 1);
}

LcRegistryOptions *
lc_registry_options_or_default (LcRegistryOptions *options)
{
  static LcRegistryOptions *defaults;

  if (options != NULL)
    return options;
  if (g_once_init_enter (&defaults))
    g_once_init_leave (&defaults, lc_registry_options_new ());
  return defaults;
}

/* --- login / logout ------------------------------------------------------ */

/* The auth file login and logout write. */
static char *
auth_file_for_writing (LcContext *context, LcRegistryOptions *options)
{
  if (options != NULL && options->auth_file != NULL)
    return g_strdup (options->auth_file);
  return lc_context_dup_auth_file (context);
}

/* "host[:port][/path]" as given (docker:// and https:// stripped, docker.io
 * for Docker Hub's names). */
static char *
normalize_login_key (const char *registry, GError **error)
{
  const char *r = registry;
  g_autofree char *key = NULL;

  if (g_str_has_prefix (r, "docker://"))
    r += 9;
  else if (g_str_has_prefix (r, "https://"))
    r += 8;
  else if (g_str_has_prefix (r, "http://"))
    r += 7;
  key = g_strdup (r);
  while (*key != '\0' && key[strlen (key) - 1] == '/')
    key[strlen (key) - 1] = '\0';
  if (g_str_equal (key, "index.docker.io") || g_str_equal (key, "registry-1.docker.io"))
    {
      g_free (key);
      key = g_strdup ("docker.io");
    }
  if (!lc_auth_validate_key (key, error))
    return NULL;
  return g_steal_pointer (&key);
}

/**
 * lc_registry_login:
 * @context: a #LcContext
 * @registry: the registry (`host[:port]`), or a repository in it
 *   (`host/namespace`) for credentials limited to it
 * @username: the user name
 * @password: the password
 * @options: (nullable): TLS settings and the auth file to write
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Checks the credentials against the registry's `/v2/` endpoint (Basic,
 * or a Bearer token obtained with them), then stores them in auth.json
 * (the options' auth file, else the context's), replacing the file
 * atomically with mode 0600.
 *
 * Returns: %TRUE on success; %LC_ERROR_UNAUTHORIZED when the registry
 *   refuses the credentials
 *
 * Since: 1.0
 */
gboolean
lc_registry_login (LcContext *context, const char *registry, const char *username, const char *password,
                   LcRegistryOptions *options, GCancellable *cancellable, GError **error)
{
  g_autofree char *key = NULL;
  g_autofree char *host = NULL;
  g_autofree char *path = NULL;
  g_autofree char *probe_text = NULL;
  g_autoptr(LcImageRef) probe = NULL;
  g_autoptr(LcRegistriesConf) conf = NULL;
  g_autoptr(LcRegistryOptions) opts = lc_registry_options_new ();
  g_autoptr(LcRegistryClient) client = NULL;
  LcRegistryOptions *given = lc_registry_options_or_default (options);
  gboolean insecure = FALSE;

  g_return_val_if_fail (LC_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (registry != NULL && username != NULL && password != NULL, FALSE);

  if (*username == '\0')
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "a user name is required");
  key = normalize_login_key (registry, error);
  if (key == NULL)
    return FALSE;
  host = g_strndup (key, strcspn (key, "/"));

  conf = lc_registries_conf_load (context, error);
  if (conf == NULL)
    return FALSE;
  {
    const LcRegistryEntry *e = lc_registries_conf_find (conf, key, NULL);
    insecure = e != NULL && e->insecure;
    if (e != NULL && e->blocked)
      return lc_fail (error, LC_ERROR_POLICY_DENIED, "registry %s is blocked in %s", host, conf->origin);
  }

  /* A client for a placeholder repository: only /v2/ is asked, and the
   * Bearer token's scope does not matter for it. */
  probe_text = strchr (key, '/') != NULL ? g_strdup (key) : g_strdup_printf ("%s/library/x", host);
  if (strchr (host, '.') == NULL && strchr (host, ':') == NULL && !g_str_equal (host, "localhost"))
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "\"%s\" is not a registry host name", host);
  probe = lc_image_ref_parse (probe_text, error);
  if (probe == NULL)
    return FALSE;
  opts->tls_verify = given->tls_verify;
  opts->cert_dir = g_strdup (given->cert_dir);
  opts->retry_times = given->retry_times;
  opts->stall_timeout = given->stall_timeout;
  lc_registry_options_set_credentials (opts, username, password);
  client = lc_registry_client_new (context, probe, LC_REGISTRY_ACCESS_PULL, insecure, opts, error);
  if (client == NULL)
    return FALSE;
  if (!lc_registry_client_ping (client, cancellable, error))
    return FALSE;
  if (!lc_registry_client_verify_login (client, cancellable, error))
    return g_prefix_error (error, "logging in to %s: ", host), FALSE;

  path = auth_file_for_writing (context, options);
  if (!lc_auth_store (path, key, username, password, error))
    return FALSE;
  lc_debug ("registry", "stored credentials for %s in %s", key, path);
  return TRUE;
}

/**
 * lc_registry_logout:
 * @context: a #LcContext
 * @registry: the key used at login (`host[:port]` or `host/namespace`)
 * @options: (nullable): the auth file to edit
 * @error: return location for a #GError, or %NULL
 *
 * Removes the stored credentials of @registry from auth.json.
 *
 * Returns: %TRUE on success; %LC_ERROR_NOT_FOUND when there were none
 *
 * Since: 1.0
 */
gboolean
lc_registry_logout (LcContext *context, const char *registry, LcRegistryOptions *options, GError **error)
{
  g_autofree char *key = NULL;
  g_autofree char *path = NULL;
  gboolean removed = FALSE;

  g_return_val_if_fail (LC_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (registry != NULL, FALSE);

  key = normalize_login_key (registry, error);
  if (key == NULL)
    return FALSE;
  path = auth_file_for_writing (context, options);
  if (!lc_auth_remove (path, key, FALSE, &removed, error))
    return FALSE;
  if (!removed)
    return lc_fail (error, LC_ERROR_NOT_FOUND, "not logged into %s", key);
  return TRUE;
}

/**
 * lc_registry_logout_all:
 * @context: a #LcContext
 * @options: (nullable): the auth file to edit
 * @error: return location for a #GError, or %NULL
 *
 * Removes every stored credential from auth.json (`logout --all`).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_registry_logout_all (LcContext *context, LcRegistryOptions *options, GError **error)
{
  g_autofree char *path = NULL;

  g_return_val_if_fail (LC_IS_CONTEXT (context), FALSE);
  path = auth_file_for_writing (context, options);
  return lc_auth_remove (path, NULL, TRUE, NULL, error);
}

/**
 * lc_registry_get_login:
 * @context: a #LcContext
 * @registry: a registry (`host[:port]`) or repository
 * @options: (nullable): the auth file to read
 * @error: return location for a #GError, or %NULL
 *
 * The user name stored for @registry (`login --get-login`).
 *
 * Returns: (transfer full): the user name; %LC_ERROR_NOT_FOUND when not
 *   logged in
 *
 * Since: 1.0
 */
char *
lc_registry_get_login (LcContext *context, const char *registry, LcRegistryOptions *options, GError **error)
{
  g_autofree char *key = NULL;
  g_auto(GStrv) files = NULL;
  g_autoptr(LcCredentials) creds = NULL;

  g_return_val_if_fail (LC_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (registry != NULL, NULL);

  key = normalize_login_key (registry, error);
  if (key == NULL)
    return NULL;
  if (options != NULL && options->auth_file != NULL)
    {
      files = g_new0 (char *, 2);
      files[0] = g_strdup (options->auth_file);
    }
  else
    files = lc_auth_default_files (context);
  if (!lc_auth_lookup ((const char * const *) files, key, &creds, error))
    return NULL;
  if (creds == NULL || *creds->username == '\0')
    return lc_fail (error, LC_ERROR_NOT_FOUND, "not logged into %s", key), NULL;
  return g_strdup (creds->username);
}

/* --- tags and delete ----------------------------------------------------- */

static LcRegistryClient *
client_for (LcContext *context, LcImageRef *ref, LcRegistryAccess access, LcRegistryOptions *options,
            GError **error)
{
  g_autoptr(LcRegistriesConf) conf = lc_registries_conf_load (context, error);
  gboolean insecure = FALSE;

  if (conf == NULL)
    return NULL;
  if (!lc_registries_conf_check (conf, ref, &insecure, error))
    return NULL;
  return lc_registry_client_new (context, ref, access, insecure, options, error);
}

/**
 * lc_registry_list_tags:
 * @context: a #LcContext
 * @repository: a repository, without tag or digest
 * @options: (nullable): TLS settings and credentials
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Lists the tags of @repository in the order the registry gives them,
 * following every page (`Link` headers).
 *
 * Returns: (transfer full) (array zero-terminated=1): the tags
 *
 * Since: 1.0
 */
char **
lc_registry_list_tags (LcContext *context, LcImageRef *repository, LcRegistryOptions *options,
                       GCancellable *cancellable, GError **error)
{
  g_autoptr(LcRegistryClient) client = NULL;

  g_return_val_if_fail (LC_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (repository != NULL, NULL);

  if (lc_image_ref_get_tag (repository) != NULL || lc_image_ref_get_digest (repository) != NULL)
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "No tag or digest allowed in reference"), NULL;
  client = client_for (context, repository, LC_REGISTRY_ACCESS_PULL, options, error);
  if (client == NULL)
    return NULL;
  return lc_registry_client_list_tags (client, cancellable, error);
}

/**
 * lc_registry_delete_image:
 * @context: a #LcContext
 * @ref: the image (by tag or digest)
 * @options: (nullable): TLS settings and credentials
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Deletes the manifest @ref names from its registry: the manifest is read
 * to learn its digest, then deleted by digest, which removes every tag
 * pointing at it (as `skopeo delete` does).
 *
 * Returns: %TRUE on success; %LC_ERROR_NOT_FOUND when there is no such
 *   image
 *
 * Since: 1.0
 */
gboolean
lc_registry_delete_image (LcContext *context, LcImageRef *ref, LcRegistryOptions *options,
                          GCancellable *cancellable, GError **error)
{
  g_autoptr(LcRegistryClient) client = NULL;
  g_autoptr(GBytes) manifest = NULL;
  g_autofree char *digest = NULL;
  const char *what;

  g_return_val_if_fail (LC_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (ref != NULL, FALSE);

  what = lc_image_ref_get_digest (ref) != NULL ? lc_image_ref_get_digest (ref)
         : lc_image_ref_get_tag (ref) != NULL  ? lc_image_ref_get_tag (ref)
                                               : "latest";
  client = client_for (context, ref, LC_REGISTRY_ACCESS_DELETE, options, error);
  if (client == NULL)
    return FALSE;
  manifest = lc_registry_client_get_manifest (client, what, NULL, &digest, cancellable, error);
  if (manifest == NULL)
    {
      if (error != NULL && g_error_matches (*error, LC_ERROR, LC_ERROR_NOT_FOUND))
        g_prefix_error (error, "Image may not exist or is not stored with a v2 Schema in a v2 registry: ");
      return FALSE;
    }
  return lc_registry_client_delete_manifest (client, digest, cancellable, error);
}
