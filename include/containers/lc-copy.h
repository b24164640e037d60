/* lc-copy.h: copying images between transports, and reading them.
 *
 * Images are named `TRANSPORT:REFERENCE` as in skopeo: `oci:PATH[:REF]`,
 * `oci-archive:PATH[:REF]`, `dir:PATH`, `docker-archive:PATH[:REF|:@N]`,
 * `docker://NAME`. lc_copy_image() copies, lc_inspect_image(),
 * lc_inspect_manifest() and lc_inspect_config() read.
 *
 * Thread safety: the functions may be called from any thread, at once;
 * LcCopyOptions is read-only during a call; LcProgress events reach the
 * callback in the calling thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(LC_INSIDE_CONTAINERS_H) && !defined(LC_COMPILATION)
#error "Only <containers/containers.h> can be included directly."
#endif

#include <gio/gio.h>
#include <containers/lc-version.h>
#include <containers/lc-context.h>

G_BEGIN_DECLS

/**
 * LcManifestFormat:
 * @LC_MANIFEST_FORMAT_AUTO: keep the source's format when the destination
 *   takes it, else convert to one it takes.
 * @LC_MANIFEST_FORMAT_OCI: an OCI image manifest (and OCI index).
 * @LC_MANIFEST_FORMAT_V2S2: a Docker schema2 manifest (and manifest list).
 *
 * The manifest format to write (skopeo's `--format`).
 *
 * Since: 1.0
 */
typedef enum {
  LC_MANIFEST_FORMAT_AUTO,
  LC_MANIFEST_FORMAT_OCI,
  LC_MANIFEST_FORMAT_V2S2,
} LcManifestFormat;

/**
 * LcCompression:
 * @LC_COMPRESSION_AUTO: what the destination prefers (gzip for layouts
 *   and registries, unchanged for `dir:`, none for `docker-archive:`);
 *   compressed layers are kept as they are.
 * @LC_COMPRESSION_NONE: store layers uncompressed.
 * @LC_COMPRESSION_GZIP: compress layers with gzip (recompressing others).
 * @LC_COMPRESSION_ZSTD: compress layers with zstd (OCI manifests only).
 *
 * Layer compression at the destination (skopeo's `--dest-compress-format`).
 *
 * Since: 1.0
 */
typedef enum {
  LC_COMPRESSION_AUTO,
  LC_COMPRESSION_NONE,
  LC_COMPRESSION_GZIP,
  LC_COMPRESSION_ZSTD,
} LcCompression;

/**
 * LcCopyPhase:
 * @LC_COPY_PHASE_RESOLVE: a manifest was read and parsed; the digest is
 *   the manifest's.
 * @LC_COPY_PHASE_DOWNLOAD: bytes of a blob were read from the source
 *   (reported at the start with 0 bytes done, then as they arrive).
 * @LC_COPY_PHASE_VERIFY: a blob was read to its end and its digest and
 *   size matched.
 * @LC_COPY_PHASE_WRITE: a manifest is being written to the destination.
 * @LC_COPY_PHASE_SKIP: the destination already has the blob; it is not read.
 * @LC_COPY_PHASE_DONE: a blob is stored at the destination.
 *
 * What a progress event reports.
 *
 * Since: 1.0
 */
typedef enum {
  LC_COPY_PHASE_RESOLVE,
  LC_COPY_PHASE_DOWNLOAD,
  LC_COPY_PHASE_VERIFY,
  LC_COPY_PHASE_WRITE,
  LC_COPY_PHASE_SKIP,
  LC_COPY_PHASE_DONE,
} LcCopyPhase;

/**
 * LcBlobKind:
 * @LC_BLOB_KIND_LAYER: a layer
 * @LC_BLOB_KIND_CONFIG: an image configuration
 * @LC_BLOB_KIND_MANIFEST: a manifest or a manifest list
 *
 * What kind of blob a progress event is about.
 *
 * Since: 1.0
 */
typedef enum {
  LC_BLOB_KIND_LAYER,
  LC_BLOB_KIND_CONFIG,
  LC_BLOB_KIND_MANIFEST,
} LcBlobKind;

typedef struct _LcProgress LcProgress;
typedef struct _LcCopyOptions LcCopyOptions;

#define LC_TYPE_PROGRESS (lc_progress_get_type ())
#define LC_TYPE_COPY_OPTIONS (lc_copy_options_get_type ())

/**
 * LcProgressFunc:
 * @progress: the event; valid only during the call
 * @user_data: the data passed with the callback
 *
 * Receives progress events of a copy. It is always called in the thread
 * that called lc_copy_image(), never concurrently; it must not call back
 * into the copy.
 *
 * Since: 1.0
 */
typedef void (*LcProgressFunc) (LcProgress *progress,
                                gpointer    user_data);

LC_PUBLIC GType        lc_progress_get_type          (void) G_GNUC_CONST;
LC_PUBLIC LcProgress  *lc_progress_copy              (LcProgress *self);
LC_PUBLIC void         lc_progress_free              (LcProgress *self);
LC_PUBLIC LcCopyPhase  lc_progress_get_phase         (LcProgress *self);
LC_PUBLIC LcBlobKind   lc_progress_get_kind          (LcProgress *self);
LC_PUBLIC const char  *lc_progress_get_digest        (LcProgress *self);
LC_PUBLIC guint64      lc_progress_get_bytes_done    (LcProgress *self);
LC_PUBLIC guint64      lc_progress_get_bytes_total   (LcProgress *self);

LC_PUBLIC GType          lc_copy_options_get_type             (void) G_GNUC_CONST;
LC_PUBLIC LcCopyOptions *lc_copy_options_new                  (void);
LC_PUBLIC LcCopyOptions *lc_copy_options_ref                  (LcCopyOptions   *self);
LC_PUBLIC void           lc_copy_options_unref                (LcCopyOptions   *self);
LC_PUBLIC void           lc_copy_options_set_all              (LcCopyOptions   *self,
                                                               gboolean         all);
LC_PUBLIC gboolean       lc_copy_options_get_all              (LcCopyOptions   *self);
LC_PUBLIC void           lc_copy_options_set_format           (LcCopyOptions   *self,
                                                               LcManifestFormat format);
LC_PUBLIC LcManifestFormat lc_copy_options_get_format         (LcCopyOptions   *self);
LC_PUBLIC void           lc_copy_options_set_compression      (LcCopyOptions   *self,
                                                               LcCompression    compression);
LC_PUBLIC LcCompression  lc_copy_options_get_compression      (LcCopyOptions   *self);
LC_PUBLIC void           lc_copy_options_set_remove_signatures (LcCopyOptions  *self,
                                                                gboolean        remove);
LC_PUBLIC void           lc_copy_options_set_src_tls_verify   (LcCopyOptions   *self,
                                                               gboolean         verify);
LC_PUBLIC void           lc_copy_options_set_dest_tls_verify  (LcCopyOptions   *self,
                                                               gboolean         verify);
LC_PUBLIC void           lc_copy_options_set_src_creds        (LcCopyOptions   *self,
                                                               const char      *creds);
LC_PUBLIC void           lc_copy_options_set_dest_creds       (LcCopyOptions   *self,
                                                               const char      *creds);
LC_PUBLIC void           lc_copy_options_set_src_cert_dir     (LcCopyOptions   *self,
                                                               const char      *cert_dir);
LC_PUBLIC void           lc_copy_options_set_dest_cert_dir    (LcCopyOptions   *self,
                                                               const char      *cert_dir);
LC_PUBLIC void           lc_copy_options_set_src_auth_file    (LcCopyOptions   *self,
                                                               const char      *auth_file);
LC_PUBLIC void           lc_copy_options_set_dest_auth_file   (LcCopyOptions   *self,
                                                               const char      *auth_file);
LC_PUBLIC void           lc_copy_options_set_src_no_creds     (LcCopyOptions   *self,
                                                               gboolean         no_creds);
LC_PUBLIC void           lc_copy_options_set_dest_no_creds    (LcCopyOptions   *self,
                                                               gboolean         no_creds);
LC_PUBLIC void           lc_copy_options_set_insecure_policy  (LcCopyOptions   *self,
                                                               gboolean         insecure);
LC_PUBLIC gboolean       lc_copy_options_get_insecure_policy  (LcCopyOptions   *self);
LC_PUBLIC void           lc_copy_options_set_stall_timeout    (LcCopyOptions   *self,
                                                               guint            seconds);
LC_PUBLIC void           lc_copy_options_set_retry_times      (LcCopyOptions   *self,
                                                               guint            times);
LC_PUBLIC void           lc_copy_options_set_max_parallel     (LcCopyOptions   *self,
                                                               guint            max_parallel);
LC_PUBLIC void           lc_copy_options_set_platform         (LcCopyOptions   *self,
                                                               const char      *os,
                                                               const char      *architecture,
                                                               const char      *variant);

LC_PUBLIC gboolean lc_copy_image         (LcContext      *context,
                                          const char     *source,
                                          const char     *destination,
                                          LcCopyOptions  *options,
                                          LcProgressFunc  progress,
                                          gpointer        user_data,
                                          char          **out_manifest_digest,
                                          GCancellable   *cancellable,
                                          GError        **error);

LC_PUBLIC GBytes  *lc_inspect_manifest (LcContext      *context,
                                          const char     *image,
                                          const char     *instance_digest,
                                          LcCopyOptions  *options,
                                          char          **out_media_type,
                                          GCancellable   *cancellable,
                                          GError        **error);
LC_PUBLIC GBytes  *lc_inspect_config   (LcContext      *context,
                                          const char     *image,
                                          LcCopyOptions  *options,
                                          GCancellable   *cancellable,
                                          GError        **error);
LC_PUBLIC char    *lc_inspect_image      (LcContext      *context,
                                          const char     *image,
                                          LcCopyOptions  *options,
                                          GCancellable   *cancellable,
                                          GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcProgress, lc_progress_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcCopyOptions, lc_copy_options_unref)

G_END_DECLS
