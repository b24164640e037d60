/* lc-compression-private.h: detecting, decompressing and compressing layers.
 *
 * gzip goes through ISA-L's igzip (several times faster than zlib on both
 * sides), zstd through libzstd's streaming API. The converters are
 * GConverters, used through GConverterInputStream, so a layer is
 * transformed while it streams.
 *
 * Decompressors consume their input to the very end (further gzip members
 * or zstd frames are decoded; anything else after the end is an error),
 * so a verifying stream underneath always sees EOF and checks its digest
 * before the decompressed stream reports EOF.
 *
 * Thread safety: a converter is used from one thread at a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum {
  LC_COMPRESSION_KIND_NONE,
  LC_COMPRESSION_KIND_GZIP,
  LC_COMPRESSION_KIND_ZSTD,
  LC_COMPRESSION_KIND_BZIP2,
  LC_COMPRESSION_KIND_XZ,
} LcCompressionKind;

const char *lc_compression_kind_name (LcCompressionKind kind);

/* By magic bytes; fewer than 6 bytes are fine. */
LcCompressionKind lc_compression_detect (const guint8 *data, gsize len);

/* Peeks at the first bytes of @stream (which must be a GBufferedInputStream). */
gboolean lc_compression_detect_stream (GBufferedInputStream *stream, LcCompressionKind *out_kind,
                                       GCancellable *cancellable, GError **error);

/* A converter that decompresses @kind (gzip or zstd), or NULL with
 * LC_ERROR_UNSUPPORTED. */
GConverter *lc_decompressor_new (LcCompressionKind kind, GError **error);
/* A converter that compresses into @kind (gzip or zstd). */
GConverter *lc_compressor_new (LcCompressionKind kind, GError **error);

/* @base decompressed when it is compressed, else @base itself (ref). */
GInputStream *lc_decompress_stream (GInputStream *base, LcCompressionKind kind, GError **error);

G_END_DECLS
