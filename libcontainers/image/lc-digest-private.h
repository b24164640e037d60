/* lc-digest-private.h: digests of blobs and a stream that verifies them.
 *
 * Thread safety: the helpers are pure functions; an LcVerifyStream is used
 * from one thread at a time, like any GInputStream.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* "sha256:<hex>" of @data. */
char *lc_digest_data (const guint8 *data, gsize len);
char *lc_digest_bytes (GBytes *bytes);

/* The hex part of a validated digest ("sha256:ab…" → "ab…"), or NULL. */
const char *lc_digest_hex (const char *digest);
/* The algorithm as a GChecksumType; FALSE with LC_ERROR_UNSUPPORTED /
 * LC_ERROR_INVALID_DATA when @digest is not one we can compute. */
gboolean lc_digest_checksum_type (const char *digest, GChecksumType *out_type, GError **error);

/* Verifies that @data has @digest (and @size unless it is -1). */
gboolean lc_digest_verify_data (const guint8 *data, gsize len, const char *digest, gint64 size,
                                GError **error);

#define LC_TYPE_VERIFY_STREAM (lc_verify_stream_get_type ())
G_DECLARE_FINAL_TYPE (LcVerifyStream, lc_verify_stream, LC, VERIFY_STREAM, GFilterInputStream)

/* Called after each successful read with the total so far. */
typedef void (*LcVerifyProgressFunc) (guint64 bytes_done, gpointer user_data);

/* Wraps @base: every byte read is counted and hashed. With @digest set the
 * read that reaches EOF fails with LC_ERROR_DIGEST_MISMATCH when the digest
 * differs, and (with @size >= 0) when the size differs; a read that passes
 * @size fails at once. With @digest NULL the stream only computes the
 * digest (sha256), read with lc_verify_stream_get_digest() at EOF.
 * @digest must have been validated (lc_digest_validate). */
GInputStream *lc_verify_stream_new (GInputStream *base, const char *digest, gint64 size);
void lc_verify_stream_set_progress (LcVerifyStream *self, LcVerifyProgressFunc func,
                                    gpointer user_data);
/* After EOF: the digest of what was read (same algorithm as the expected
 * one); NULL before EOF. */
const char *lc_verify_stream_get_digest (LcVerifyStream *self);
guint64 lc_verify_stream_get_bytes_read (LcVerifyStream *self);
gboolean lc_verify_stream_reached_eof (LcVerifyStream *self);

/* Reads @stream to EOF into memory, failing with LC_ERROR_INVALID_DATA past
 * @max_size bytes. */
GBytes *lc_read_all (GInputStream *stream, gsize max_size, GCancellable *cancellable,
                     GError **error);

G_END_DECLS
