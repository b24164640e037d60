/* lc-tar-private.h: applying layer tar streams, tar-split, and export.
 *
 * lc_tar_apply() reads a (maybe compressed) layer blob, and in one pass:
 * hashes and counts the compressed bytes, decompresses (gzip, zstd),
 * hashes and counts the uncompressed tar (the DiffID), records the
 * tar-split metadata (every byte but file contents, spec §3.3), collects
 * the uid/gid sets, and unpacks the entries into a directory, never
 * outside it: every path is resolved with openat2(RESOLVE_IN_ROOT), so
 * `..`, absolute names, symlinked parents and link targets all stay in the
 * layer, as they do in c/storage's chroot.
 *
 * Thread safety: reentrant; no shared state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <zlib.h>

#include "storage/lc-driver-private.h"

G_BEGIN_DECLS

typedef enum {
  LC_LAYER_COMPRESSION_NONE = 0,
  LC_LAYER_COMPRESSION_BZIP2 = 1,
  LC_LAYER_COMPRESSION_GZIP = 2,
  LC_LAYER_COMPRESSION_XZ = 3,
  LC_LAYER_COMPRESSION_ZSTD = 4,
} LcLayerCompression;

typedef struct {
  LcWhiteoutMode whiteouts;
  gboolean rootless;             /* user.overlay.* xattrs, no devices, chown errors ignored */
  gboolean allow_devices;        /* mknod block/char devices (FALSE: skipped) */
  gzFile tar_split;              /* where tar-split lines go, or NULL */
} LcTarApplyOptions;

typedef struct {
  char *compressed_digest;       /* "sha256:..." of the bytes read */
  gint64 compressed_size;
  char *diff_digest;             /* "sha256:..." of the uncompressed tar */
  gint64 diff_size;
  LcLayerCompression compression;
  GArray *uids;                  /* guint32, sorted, unique */
  GArray *gids;
  gboolean root_seen;            /* the stream had an entry for the root ("./") */
} LcTarApplyResult;

void lc_tar_apply_result_clear (LcTarApplyResult *result);

/* Applies @input into the directory @root_fd. */
gboolean lc_tar_apply (GInputStream *input, int root_fd, const LcTarApplyOptions *options,
                       LcTarApplyResult *result, GCancellable *cancellable, GError **error);

/* Rebuilds the original tar stream from a tar-split file and the layer's
 * content directories (first hit wins), checking each file's CRC-64. */
gboolean lc_tar_split_rebuild (const char *tar_split_path, GPtrArray *content_dirs,
                               GOutputStream *output, GCancellable *cancellable, GError **error);

/* CRC-64/ISO, as Go's crc64.Checksum(crc64.MakeTable(crc64.ISO)). */
guint64 lc_crc64_iso_update (guint64 crc, const guint8 *data, gsize len);

/* Opens @path (relative, any `..`) inside @root_fd, as the tar applier
 * resolves it (RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS). */
int lc_open_in_root (int root_fd, const char *path, int flags, gboolean nofollow);

G_END_DECLS
