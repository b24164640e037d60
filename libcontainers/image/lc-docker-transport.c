/* lc-docker-transport.c: the docker:// transport (a registry) as an image
 * source and destination.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "lc-copy-private.h"
#include "lc-registries-conf-private.h"
#include "lc-registry-private.h"
#include "lc-transport-private.h"

LcImageRef *
lc_docker_parse_reference (const char *reference, GError **error)
{
  g_autoptr(LcImageRef) ref = NULL;

  if (!g_str_has_prefix (reference, "//"))
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE,
                    "docker: image reference %s does not start with //", reference), NULL;
  ref = lc_image_ref_parse (reference + 2, error);
  if (ref == NULL)
    return NULL;
  if (lc_image_ref_get_tag (ref) != NULL && lc_image_ref_get_digest (ref) != NULL)
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE,
                    "Docker references with both a tag and digest are currently not supported"), NULL;
  if (lc_image_ref_get_tag (ref) == NULL && lc_image_ref_get_digest (ref) == NULL)
    return lc_image_ref_with_tag (ref, "latest", error);
  return g_steal_pointer (&ref);
}

static const char *
tag_or_digest (LcImageRef *ref)
{
  if (lc_image_ref_get_digest (ref) != NULL)
    return lc_image_ref_get_digest (ref);
  return lc_image_ref_get_tag (ref) != NULL ? lc_image_ref_get_tag (ref) : "latest";
}

static char *
describe (LcImageRef *ref)
{
  g_autofree char *f = lc_image_ref_to_familiar_string (ref);
  return g_strdup_printf ("docker://%s", f);
}

/* Explicit credentials go only to the host they were given for. */
static LcRegistryOptions *
options_for_endpoint (LcRegistryOptions *options, LcImageRef *logical, LcImageRef *physical)
{
  LcRegistryOptions *copy;

  if (options == NULL)
    return NULL;
  if (options->username == NULL ||
      g_str_equal (lc_image_ref_get_domain (logical), lc_image_ref_get_domain (physical)))
    return lc_registry_options_ref (options);
  copy = lc_registry_options_new ();
  copy->tls_verify = options->tls_verify;
  copy->cert_dir = g_strdup (options->cert_dir);
  copy->auth_file = g_strdup (options->auth_file);
  copy->no_creds = options->no_creds;
  copy->retry_times = options->retry_times;
  copy->stall_timeout = options->stall_timeout;
  return copy;
}

/* --- source -------------------------------------------------------------- */

typedef struct {
  LcImageSource parent;
  LcContext *context;
  LcRegistryOptions *options;
  LcRegistryClient *client;
  LcImageRef *ref;        /* as the user wrote it */
  LcImageRef *physical;   /* after registries.conf rewriting */
  GBytes *manifest;
  char *media_type;
  char *digest;
} DockerSource;

static GBytes *
source_get_manifest (LcImageSource *source, const char *instance_digest, char **out_media_type,
                     GCancellable *cancellable, GError **error)
{
  DockerSource *self = (DockerSource *) source;

  if (instance_digest == NULL)
    {
      if (out_media_type != NULL)
        *out_media_type = g_strdup (self->media_type);
      return g_bytes_ref (self->manifest);
    }
  return lc_registry_client_get_manifest (self->client, instance_digest, out_media_type, NULL,
                                          cancellable, error);
}

static GInputStream *
source_get_blob (LcImageSource *source, const char *digest, gint64 size, gint64 *out_size,
                 GCancellable *cancellable, GError **error)
{
  DockerSource *self = (DockerSource *) source;
  return lc_registry_client_get_blob (self->client, digest, out_size, cancellable, error);
}

static char **
source_get_repo_tags (LcImageSource *source, GCancellable *cancellable, GError **error)
{
  DockerSource *self = (DockerSource *) source;
  return lc_registry_client_list_tags (self->client, cancellable, error);
}

static void
source_finalize (LcImageSource *source)
{
  DockerSource *self = (DockerSource *) source;

  g_clear_object (&self->context);
  g_clear_pointer (&self->options, lc_registry_options_unref);
  g_clear_pointer (&self->client, lc_registry_client_unref);
  g_clear_pointer (&self->ref, lc_image_ref_unref);
  g_clear_pointer (&self->physical, lc_image_ref_unref);
  g_clear_pointer (&self->manifest, g_bytes_unref);
  g_free (self->media_type);
  g_free (self->digest);
  g_free (self);
}

static const LcImageSourceVTable source_vtable = {
  .get_manifest = source_get_manifest,
  .get_blob = source_get_blob,
  .finalize = source_finalize,
  .get_repo_tags = source_get_repo_tags,
};

LcImageSource *
lc_docker_open_source (LcContext *context, const char *reference, LcRegistryOptions *options,
                       GCancellable *cancellable, GError **error)
{
  g_autoptr(LcImageRef) ref = lc_docker_parse_reference (reference, error);
  g_autoptr(LcRegistriesConf) conf = NULL;
  g_autoptr(GPtrArray) sources = NULL;
  g_autoptr(GString) mirror_errors = g_string_new (NULL);
  g_autofree char *description = NULL;
  GError *last_error = NULL;
  DockerSource *self;

  if (ref == NULL)
    return NULL;
  conf = lc_registries_conf_load (context, error);
  if (conf == NULL)
    return NULL;
  sources = lc_registries_conf_pull_sources (conf, ref, error);
  if (sources == NULL)
    return NULL;
  description = describe (ref);

  for (guint i = 0; i < sources->len; i++)
    {
      LcPullSource *src = sources->pdata[i];
      g_autoptr(LcRegistryOptions) opts = options_for_endpoint (options, ref, src->ref);
      g_autoptr(LcRegistryClient) client = NULL;
      g_autoptr(GBytes) manifest = NULL;
      g_autofree char *media_type = NULL;
      g_autofree char *digest = NULL;
      g_autofree char *phys = lc_image_ref_to_string (src->ref);

      g_clear_error (&last_error);
      lc_debug ("registry", "trying to access \"%s\"", phys);
      client = lc_registry_client_new (context, src->ref, LC_REGISTRY_ACCESS_PULL, src->insecure, opts,
                                       &last_error);
      if (client != NULL)
        manifest = lc_registry_client_get_manifest (client, tag_or_digest (src->ref), &media_type, &digest,
                                                    cancellable, &last_error);
      if (manifest == NULL)
        {
          if (g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            break;
          if (i + 1 < sources->len)
            g_string_append_printf (mirror_errors, "%s[%s: %s]", mirror_errors->len ? "\n" : "", phys,
                                    last_error->message);
          continue;
        }
      self = g_new0 (DockerSource, 1);
      lc_image_source_init (&self->parent, &source_vtable, description);
      self->parent.docker_name = g_strdup (lc_image_ref_get_name (ref));
      self->context = g_object_ref (context);
      self->options = options != NULL ? lc_registry_options_ref (options) : NULL;
      self->client = g_steal_pointer (&client);
      self->ref = lc_image_ref_ref (ref);
      self->physical = lc_image_ref_ref (src->ref);
      self->manifest = g_steal_pointer (&manifest);
      self->media_type = g_steal_pointer (&media_type);
      self->digest = g_steal_pointer (&digest);
      return &self->parent;
    }
  if (mirror_errors->len > 0 && last_error != NULL &&
      !g_error_matches (last_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_prefix_error (&last_error, "(Mirrors also failed: %s): ", mirror_errors->str);
  g_propagate_error (error, last_error);
  return NULL;
}

/* --- destination --------------------------------------------------------- */

typedef struct {
  LcImageDest parent;
  LcRegistryClient *client;
  LcImageRef *ref;
} DockerDest;

static const char * const *
dest_supported_manifest_types (LcImageDest *dest)
{
  static const char * const types[] = { LC_MEDIA_TYPE_OCI_MANIFEST, LC_MEDIA_TYPE_DOCKER_V2S2,
                                        LC_MEDIA_TYPE_OCI_INDEX, LC_MEDIA_TYPE_DOCKER_LIST, NULL };
  return types;
}

static LcDestFlags
dest_flags (LcImageDest *dest)
{
  return LC_DEST_NEEDS_NOTHING;
}

/* "docker://host/repo:tag", "host/repo@d", "host/repo" → "repo" when on
 * the same registry as @self, else NULL. */
static char *
mountable_repo (DockerDest *self, const char *src_repo)
{
  g_autoptr(LcImageRef) r = NULL;
  const char *s = src_repo;

  if (g_str_has_prefix (s, "docker://"))
    s += 9;
  else if (g_str_has_prefix (s, "//"))
    s += 2;
  r = lc_image_ref_parse (s, NULL);
  if (r == NULL)
    return NULL;
  if (!g_str_equal (lc_image_ref_get_domain (r), lc_registry_client_get_registry (self->client)) ||
      g_str_equal (lc_image_ref_get_path (r), lc_registry_client_get_repository (self->client)))
    return NULL;
  return g_strdup (lc_image_ref_get_path (r));
}

static gboolean
dest_has_blob (LcImageDest *dest, const char *digest, gint64 size, const char *src_repo, gboolean *out_has,
               gint64 *out_size, GCancellable *cancellable, GError **error)
{
  DockerDest *self = (DockerDest *) dest;
  g_autofree char *from = NULL;
  gboolean mounted = FALSE;

  if (!lc_registry_client_has_blob (self->client, digest, out_has, out_size, cancellable, error))
    return FALSE;
  lc_debug ("registry", "has_blob %s: %s (source %s)", digest, *out_has ? "present" : "absent",
            src_repo != NULL ? src_repo : "unknown");
  if (*out_has || src_repo == NULL || (from = mountable_repo (self, src_repo)) == NULL)
    return TRUE;
  if (!lc_registry_client_mount_blob (self->client, digest, from, &mounted, cancellable, error))
    return FALSE;
  if (mounted)
    {
      lc_debug ("registry", "mounted %s from %s", digest, from);
      *out_has = TRUE;
      if (out_size != NULL)
        *out_size = size;
    }
  return TRUE;
}

static gboolean
dest_put_blob (LcImageDest *dest, GInputStream *stream, const char *digest, gint64 size,
               const char *media_type, gboolean is_config, char **out_digest, gint64 *out_size,
               GCancellable *cancellable, GError **error)
{
  DockerDest *self = (DockerDest *) dest;
  return lc_registry_client_put_blob (self->client, stream, digest, size, out_digest, out_size,
                                      cancellable, error);
}

static gboolean
dest_put_manifest (LcImageDest *dest, GBytes *manifest, const char *media_type, const char *instance_digest,
                   GCancellable *cancellable, GError **error)
{
  DockerDest *self = (DockerDest *) dest;
  const char *ref = instance_digest != NULL ? instance_digest : tag_or_digest (self->ref);

  if (media_type != NULL && (g_str_equal (media_type, LC_MEDIA_TYPE_DOCKER_V2S1) ||
                             g_str_equal (media_type, LC_MEDIA_TYPE_DOCKER_V2S1_SIGNED)))
    return lc_fail (error, LC_ERROR_UNSUPPORTED, "writing Docker schema1 manifests is not supported");
  return lc_registry_client_put_manifest (self->client, ref, manifest, media_type, NULL, cancellable, error);
}

static gboolean
dest_commit (LcImageDest *dest, GCancellable *cancellable, GError **error)
{
  return TRUE;   /* the manifest PUT made the image visible */
}

static void
dest_finalize (LcImageDest *dest)
{
  DockerDest *self = (DockerDest *) dest;
  g_clear_pointer (&self->client, lc_registry_client_unref);
  g_clear_pointer (&self->ref, lc_image_ref_unref);
  g_free (self);
}

static const LcImageDestVTable dest_vtable = {
  .supported_manifest_types = dest_supported_manifest_types,
  .flags = dest_flags,
  .has_blob = dest_has_blob,
  .put_blob = dest_put_blob,
  .put_manifest = dest_put_manifest,
  .commit = dest_commit,
  .finalize = dest_finalize,
};

LcImageDest *
lc_docker_open_dest (LcContext *context, const char *reference, LcRegistryOptions *options,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr(LcImageRef) ref = lc_docker_parse_reference (reference, error);
  g_autoptr(LcRegistriesConf) conf = NULL;
  g_autofree char *description = NULL;
  LcRegistryClient *client;
  gboolean insecure = FALSE;
  DockerDest *self;

  if (ref == NULL)
    return NULL;
  conf = lc_registries_conf_load (context, error);
  if (conf == NULL || !lc_registries_conf_check (conf, ref, &insecure, error))
    return NULL;
  client = lc_registry_client_new (context, ref, LC_REGISTRY_ACCESS_PUSH, insecure, options, error);
  if (client == NULL)
    return NULL;
  description = describe (ref);
  self = g_new0 (DockerDest, 1);
  lc_image_dest_init (&self->parent, &dest_vtable, description);
  self->client = client;
  self->ref = g_steal_pointer (&ref);
  return &self->parent;
}

/* --- the transport entry ------------------------------------------------- */

static LcRegistryOptions *
registry_options_from_copy (LcCopyOptions *copy, LcCopySide side)
{
  LcRegistryOptions *opts = lc_registry_options_new ();
  const char *creds;

  if (copy == NULL)
    return opts;
  opts->tls_verify = lc_copy_options_get_tls_verify (copy, side);
  opts->retry_times = lc_copy_options_get_retry_times (copy);
  opts->cert_dir = g_strdup (lc_copy_options_get_cert_dir (copy, side));
  opts->auth_file = g_strdup (lc_copy_options_get_auth_file (copy, side));
  opts->no_creds = lc_copy_options_get_no_creds (copy, side);
  if (lc_copy_options_get_stall_timeout (copy) > 0)
    opts->stall_timeout = lc_copy_options_get_stall_timeout (copy);
  creds = lc_copy_options_get_creds (copy, side);
  if (creds != NULL && !opts->no_creds)
    {
      const char *colon = strchr (creds, ':');
      g_autofree char *user = colon != NULL ? g_strndup (creds, (gsize) (colon - creds)) : g_strdup (creds);
      lc_registry_options_set_credentials (opts, user, colon != NULL ? colon + 1 : "");
    }
  return opts;
}

static LcImageSource *
transport_open_source (LcContext *context, const char *reference, LcCopyOptions *options,
                       GCancellable *cancellable, GError **error)
{
  g_autoptr(LcRegistryOptions) opts = registry_options_from_copy (options, LC_COPY_SIDE_SOURCE);
  return lc_docker_open_source (context, reference, opts, cancellable, error);
}

static LcImageDest *
transport_open_dest (LcContext *context, const char *reference, LcCopyOptions *options,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr(LcRegistryOptions) opts = registry_options_from_copy (options, LC_COPY_SIDE_DEST);
  return lc_docker_open_dest (context, reference, opts, cancellable, error);
}

const LcTransport lc_docker_transport = {
  .name = "docker",
  .open_source = transport_open_source,
  .open_dest = transport_open_dest,
};
