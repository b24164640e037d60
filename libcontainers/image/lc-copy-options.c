/* lc-copy-options.c: LcCopyOptions and LcProgress.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "image/lc-copy-private.h"
#include "image/lc-progress-private.h"

/**
 * LcCopyOptions:
 *
 * Options of lc_copy_image(), lc_inspect_image(), lc_inspect_manifest()
 * and lc_inspect_config(): which instances to copy, the manifest format
 * and layer compression at the destination, and the settings of each side
 * (TLS verification, credentials, retries, the platform to pick from a
 * list). The reading calls use the source-side settings and the platform.
 * Settings that were never set keep their defaults: all of them are
 * optional.
 *
 * Thread safety: set options from one thread, before passing them to a
 * call; the calls only read them, and may share them between threads.
 *
 * Since: 1.0
 */
struct _LcCopyOptions
{
  gint ref_count;
  gboolean all;
  LcManifestFormat format;
  LcCompression compression;
  gboolean remove_signatures;
  int tls_verify[2];
  char *creds[2];
  char *cert_dir[2];
  char *auth_file[2];
  gboolean no_creds[2];
  gboolean insecure_policy;
  guint stall_timeout;
  guint retry_times;
  guint max_parallel;
  char *os, *arch, *variant;
};

G_DEFINE_BOXED_TYPE (LcCopyOptions, lc_copy_options, lc_copy_options_ref, lc_copy_options_unref)

/**
 * lc_copy_options_new: (constructor)
 *
 * Creates options with the defaults: the instance for this platform only,
 * format and compression chosen by the destination, TLS verified unless
 * registries.conf says otherwise, credentials from the auth files, 3
 * retries, 6 layers at once.
 *
 * Returns: (transfer full): new options
 *
 * Since: 1.0
 */
LcCopyOptions *
lc_copy_options_new (void)
{
  LcCopyOptions *self = g_new0 (LcCopyOptions, 1);

  self->ref_count = 1;
  self->tls_verify[0] = self->tls_verify[1] = -1;
  self->retry_times = 3;
  self->max_parallel = 6;
  return self;
}

/**
 * lc_copy_options_ref:
 * @self: options
 *
 * Returns: (transfer full): @self, with one more reference
 *
 * Since: 1.0
 */
LcCopyOptions *
lc_copy_options_ref (LcCopyOptions *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_copy_options_unref:
 * @self: (nullable): options
 *
 * Drops a reference; %NULL is a no-op.
 *
 * Since: 1.0
 */
void
lc_copy_options_unref (LcCopyOptions *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->creds[0]);
  g_free (self->creds[1]);
  for (int i = 0; i < 2; i++)
    {
      g_free (self->cert_dir[i]);
      g_free (self->auth_file[i]);
    }
  g_free (self->os);
  g_free (self->arch);
  g_free (self->variant);
  g_free (self);
}

/**
 * lc_copy_options_set_all:
 * @self: options
 * @all: whether to copy a list with all its instances (skopeo `--all`)
 *
 * Without it, only the instance of a list that matches the platform is
 * copied, as a single image.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_all (LcCopyOptions *self, gboolean all)
{
  g_return_if_fail (self != NULL);
  self->all = all;
}

/**
 * lc_copy_options_get_all:
 * @self: options
 *
 * Returns: whether every instance of a list is copied
 *
 * Since: 1.0
 */
gboolean
lc_copy_options_get_all (LcCopyOptions *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->all;
}

/**
 * lc_copy_options_set_format:
 * @self: options
 * @format: the manifest format to write
 *
 * Since: 1.0
 */
void
lc_copy_options_set_format (LcCopyOptions *self, LcManifestFormat format)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (format <= LC_MANIFEST_FORMAT_V2S2);
  self->format = format;
}

/**
 * lc_copy_options_get_format:
 * @self: options
 *
 * Returns: the manifest format to write
 *
 * Since: 1.0
 */
LcManifestFormat
lc_copy_options_get_format (LcCopyOptions *self)
{
  g_return_val_if_fail (self != NULL, LC_MANIFEST_FORMAT_AUTO);
  return self->format;
}

/**
 * lc_copy_options_set_compression:
 * @self: options
 * @compression: the layer compression at the destination
 *
 * Since: 1.0
 */
void
lc_copy_options_set_compression (LcCopyOptions *self, LcCompression compression)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (compression <= LC_COMPRESSION_ZSTD);
  self->compression = compression;
}

/**
 * lc_copy_options_get_compression:
 * @self: options
 *
 * Returns: the layer compression at the destination
 *
 * Since: 1.0
 */
LcCompression
lc_copy_options_get_compression (LcCopyOptions *self)
{
  g_return_val_if_fail (self != NULL, LC_COMPRESSION_AUTO);
  return self->compression;
}

/**
 * lc_copy_options_set_remove_signatures:
 * @self: options
 * @remove: whether to drop the source's signatures
 *
 * Signatures are not copied by this version in any case; the setting is
 * kept for destinations that will store them.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_remove_signatures (LcCopyOptions *self, gboolean remove)
{
  g_return_if_fail (self != NULL);
  self->remove_signatures = remove;
}

/**
 * lc_copy_options_set_src_tls_verify:
 * @self: options
 * @verify: whether to verify the source registry's TLS certificate
 *
 * Unset, registries.conf decides (verify unless the registry is insecure).
 *
 * Since: 1.0
 */
void
lc_copy_options_set_src_tls_verify (LcCopyOptions *self, gboolean verify)
{
  g_return_if_fail (self != NULL);
  self->tls_verify[LC_COPY_SIDE_SOURCE] = verify ? 1 : 0;
}

/**
 * lc_copy_options_set_dest_tls_verify:
 * @self: options
 * @verify: whether to verify the destination registry's TLS certificate
 *
 * Since: 1.0
 */
void
lc_copy_options_set_dest_tls_verify (LcCopyOptions *self, gboolean verify)
{
  g_return_if_fail (self != NULL);
  self->tls_verify[LC_COPY_SIDE_DEST] = verify ? 1 : 0;
}

/**
 * lc_copy_options_set_src_creds:
 * @self: options
 * @creds: (nullable): `USER[:PASSWORD]` for the source registry, or %NULL
 *   to use the auth files
 *
 * Since: 1.0
 */
void
lc_copy_options_set_src_creds (LcCopyOptions *self, const char *creds)
{
  g_return_if_fail (self != NULL);
  g_free (self->creds[LC_COPY_SIDE_SOURCE]);
  self->creds[LC_COPY_SIDE_SOURCE] = g_strdup (creds);
}

/**
 * lc_copy_options_set_dest_creds:
 * @self: options
 * @creds: (nullable): `USER[:PASSWORD]` for the destination registry
 *
 * Since: 1.0
 */
void
lc_copy_options_set_dest_creds (LcCopyOptions *self, const char *creds)
{
  g_return_if_fail (self != NULL);
  g_free (self->creds[LC_COPY_SIDE_DEST]);
  self->creds[LC_COPY_SIDE_DEST] = g_strdup (creds);
}

/**
 * lc_copy_options_set_retry_times:
 * @self: options
 * @times: how often a transient network failure is retried (default 3)
 *
 * Since: 1.0
 */
void
lc_copy_options_set_retry_times (LcCopyOptions *self, guint times)
{
  g_return_if_fail (self != NULL);
  self->retry_times = times;
}

/**
 * lc_copy_options_set_max_parallel:
 * @self: options
 * @max_parallel: how many layers are copied at once (default 6; 0 means
 *   the default)
 *
 * Since: 1.0
 */
void
lc_copy_options_set_max_parallel (LcCopyOptions *self, guint max_parallel)
{
  g_return_if_fail (self != NULL);
  self->max_parallel = max_parallel ? max_parallel : 6;
}

/**
 * lc_copy_options_set_platform:
 * @self: options
 * @os: (nullable): the OS to choose from a list (default: this host's)
 * @architecture: (nullable): the architecture (default: this host's)
 * @variant: (nullable): the variant, such as `v8`
 *
 * Since: 1.0
 */
void
lc_copy_options_set_platform (LcCopyOptions *self, const char *os, const char *architecture,
                              const char *variant)
{
  g_return_if_fail (self != NULL);
  g_free (self->os);
  g_free (self->arch);
  g_free (self->variant);
  self->os = g_strdup (os);
  self->arch = g_strdup (architecture);
  self->variant = g_strdup (variant);
}

/**
 * lc_copy_options_set_insecure_policy:
 * @self: the options
 * @insecure: %TRUE to accept every image without reading policy.json
 *
 * Skips the signature policy (skopeo's `--insecure-policy`). By default
 * lc_copy_image() reads the context's policy.json (a missing file is an
 * error) and copies only images it accepts.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_insecure_policy (LcCopyOptions *self, gboolean insecure)
{
  g_return_if_fail (self != NULL);
  self->insecure_policy = insecure;
}

/**
 * lc_copy_options_get_insecure_policy:
 * @self: the options
 *
 * Returns: whether the signature policy is skipped
 *
 * Since: 1.0
 */
gboolean
lc_copy_options_get_insecure_policy (LcCopyOptions *self)
{
  g_return_val_if_fail (self != NULL, FALSE);
  return self->insecure_policy;
}

/**
 * lc_copy_options_set_stall_timeout:
 * @self: the options
 * @seconds: seconds without a byte from a registry before the transfer
 *   fails with %LC_ERROR_TIMEOUT (0: the default, 60)
 *
 * How long a stalled registry is waited for, on either side.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_stall_timeout (LcCopyOptions *self, guint seconds)
{
  g_return_if_fail (self != NULL);
  self->stall_timeout = seconds;
}

static void
set_string (char **slot, const char *value)
{
  g_free (*slot);
  *slot = (value != NULL && *value != '\0') ? g_strdup (value) : NULL;
}

/**
 * lc_copy_options_set_src_cert_dir:
 * @self: the options
 * @cert_dir: (nullable) (type filename): a directory with `*.crt`, `*.cert`
 *   and `*.key` files, or %NULL for certs.d
 *
 * The certificates for the source registry (skopeo's `--src-cert-dir`),
 * used instead of the certs.d directory of the registry.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_src_cert_dir (LcCopyOptions *self, const char *cert_dir)
{
  g_return_if_fail (self != NULL);
  set_string (&self->cert_dir[LC_COPY_SIDE_SOURCE], cert_dir);
}

/**
 * lc_copy_options_set_dest_cert_dir:
 * @self: the options
 * @cert_dir: (nullable) (type filename): a directory with `*.crt`, `*.cert`
 *   and `*.key` files, or %NULL for certs.d
 *
 * The certificates for the destination registry (skopeo's `--dest-cert-dir`).
 *
 * Since: 1.0
 */
void
lc_copy_options_set_dest_cert_dir (LcCopyOptions *self, const char *cert_dir)
{
  g_return_if_fail (self != NULL);
  set_string (&self->cert_dir[LC_COPY_SIDE_DEST], cert_dir);
}

/**
 * lc_copy_options_set_src_auth_file:
 * @self: the options
 * @auth_file: (nullable) (type filename): an auth.json, or %NULL for the
 *   default search
 *
 * Reads credentials for the source registry only from @auth_file
 * (skopeo's `--src-authfile`).
 *
 * Since: 1.0
 */
void
lc_copy_options_set_src_auth_file (LcCopyOptions *self, const char *auth_file)
{
  g_return_if_fail (self != NULL);
  set_string (&self->auth_file[LC_COPY_SIDE_SOURCE], auth_file);
}

/**
 * lc_copy_options_set_dest_auth_file:
 * @self: the options
 * @auth_file: (nullable) (type filename): an auth.json, or %NULL for the
 *   default search
 *
 * Reads credentials for the destination registry only from @auth_file
 * (skopeo's `--dest-authfile`).
 *
 * Since: 1.0
 */
void
lc_copy_options_set_dest_auth_file (LcCopyOptions *self, const char *auth_file)
{
  g_return_if_fail (self != NULL);
  set_string (&self->auth_file[LC_COPY_SIDE_DEST], auth_file);
}

/**
 * lc_copy_options_set_src_no_creds:
 * @self: the options
 * @no_creds: %TRUE to access the source registry without credentials
 *
 * skopeo's `--src-no-creds`: no auth file is read and explicit
 * credentials are ignored.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_src_no_creds (LcCopyOptions *self, gboolean no_creds)
{
  g_return_if_fail (self != NULL);
  self->no_creds[LC_COPY_SIDE_SOURCE] = no_creds;
}

/**
 * lc_copy_options_set_dest_no_creds:
 * @self: the options
 * @no_creds: %TRUE to access the destination registry without credentials
 *
 * skopeo's `--dest-no-creds`.
 *
 * Since: 1.0
 */
void
lc_copy_options_set_dest_no_creds (LcCopyOptions *self, gboolean no_creds)
{
  g_return_if_fail (self != NULL);
  self->no_creds[LC_COPY_SIDE_DEST] = no_creds;
}

int
lc_copy_options_get_tls_verify (LcCopyOptions *self, LcCopySide side)
{
  return self->tls_verify[side];
}

const char *
lc_copy_options_get_creds (LcCopyOptions *self, LcCopySide side)
{
  return self->creds[side];
}

const char *
lc_copy_options_get_cert_dir (LcCopyOptions *self, LcCopySide side)
{
  return self->cert_dir[side];
}

const char *
lc_copy_options_get_auth_file (LcCopyOptions *self, LcCopySide side)
{
  return self->auth_file[side];
}

guint
lc_copy_options_get_stall_timeout (LcCopyOptions *self)
{
  return self->stall_timeout;
}

gboolean
lc_copy_options_get_no_creds (LcCopyOptions *self, LcCopySide side)
{
  return self->no_creds[side];
}

guint
lc_copy_options_get_retry_times (LcCopyOptions *self)
{
  return self->retry_times;
}

guint
lc_copy_options_get_max_parallel (LcCopyOptions *self)
{
  return self->max_parallel;
}

gboolean
lc_copy_options_get_remove_signatures (LcCopyOptions *self)
{
  return self->remove_signatures;
}

void
lc_copy_options_get_platform (LcCopyOptions *self, const char **out_os, const char **out_arch,
                              const char **out_variant)
{
  *out_os = self->os;
  *out_arch = self->arch;
  *out_variant = self->variant;
}

/**
 * LcProgress:
 *
 * One progress event of lc_copy_image(): a phase, the blob it is about
 * (kind and digest) and a byte count.
 *
 * Thread safety: an event is only valid during the callback; copy it with
 * lc_progress_copy() to keep it. A copy is immutable.
 *
 * Since: 1.0
 */
G_DEFINE_BOXED_TYPE (LcProgress, lc_progress, lc_progress_copy, lc_progress_free)

LcProgress *
lc_progress_new (LcCopyPhase phase, LcBlobKind kind, const char *digest, guint64 done, guint64 total)
{
  LcProgress *p = g_new0 (LcProgress, 1);

  p->phase = phase;
  p->kind = kind;
  p->digest = g_strdup (digest);
  p->bytes_done = done;
  p->bytes_total = total;
  return p;
}

/**
 * lc_progress_copy:
 * @self: an event
 *
 * Returns: (transfer full): a copy of @self
 *
 * Since: 1.0
 */
LcProgress *
lc_progress_copy (LcProgress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return lc_progress_new (self->phase, self->kind, self->digest, self->bytes_done, self->bytes_total);
}

/**
 * lc_progress_free:
 * @self: (nullable): an event made by lc_progress_copy()
 *
 * Since: 1.0
 */
void
lc_progress_free (LcProgress *self)
{
  if (self == NULL)
    return;
  g_free (self->digest);
  g_free (self);
}

/**
 * lc_progress_get_phase:
 * @self: an event
 *
 * Returns: what the event reports
 *
 * Since: 1.0
 */
LcCopyPhase
lc_progress_get_phase (LcProgress *self)
{
  g_return_val_if_fail (self != NULL, LC_COPY_PHASE_RESOLVE);
  return self->phase;
}

/**
 * lc_progress_get_kind:
 * @self: an event
 *
 * Returns: the kind of blob the event is about
 *
 * Since: 1.0
 */
LcBlobKind
lc_progress_get_kind (LcProgress *self)
{
  g_return_val_if_fail (self != NULL, LC_BLOB_KIND_LAYER);
  return self->kind;
}

/**
 * lc_progress_get_digest:
 * @self: an event
 *
 * Returns: (transfer none): the digest of the blob or manifest, as the
 *   source names it
 *
 * Since: 1.0
 */
const char *
lc_progress_get_digest (LcProgress *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->digest;
}

/**
 * lc_progress_get_bytes_done:
 * @self: an event
 *
 * Returns: the bytes read so far
 *
 * Since: 1.0
 */
guint64
lc_progress_get_bytes_done (LcProgress *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->bytes_done;
}

/**
 * lc_progress_get_bytes_total:
 * @self: an event
 *
 * Returns: the size of the blob, or 0 when unknown
 *
 * Since: 1.0
 */
guint64
lc_progress_get_bytes_total (LcProgress *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->bytes_total;
}
