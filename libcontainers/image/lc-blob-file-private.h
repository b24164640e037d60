/* lc-blob-file-private.h: file helpers shared by the file-based transports
 * (oci, dir, oci-archive, docker-archive).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Copies @stream to EOF into a new temporary file "<dir>/<prefix>XXXXXX"
 * (mode 0644). With @digest NULL the sha256 of the bytes is computed.
 * With @expected_size >= 0, a different byte count fails with
 * LC_ERROR_DIGEST_MISMATCH ("Size mismatch when copying ...").
 * On failure the temporary file is removed. */
gboolean lc_blob_spool (const char *dir, const char *prefix, GInputStream *stream,
                        const char *digest, gint64 expected_size,
                        char **out_tmp_path, char **out_digest,
                        gint64 *out_size, GCancellable *cancellable, GError **error);

/* Opens a blob file; LC_ERROR_NOT_FOUND when missing. *out_size: its size. */
GInputStream *lc_open_blob_file (const char *path, const char *digest, gint64 *out_size,
                                 GCancellable *cancellable, GError **error);

/* Writes @path through a temporary file and rename, mode 0644. */
gboolean lc_write_file_atomic (const char *path, const void *data, gsize len, GError **error);

/* Reads a whole file, failing with LC_ERROR_INVALID_DATA beyond @max bytes;
 * G_IO_ERROR_NOT_FOUND when it does not exist. */
GBytes *lc_read_file_limited (const char *path, gsize max, GError **error);

/* Removes a directory tree (no symlink following); missing is fine. */
gboolean lc_image_rm_rf (const char *path, GError **error);

/* A new directory under $TMPDIR (or /var/tmp when @big) for archives. */
char *lc_make_temp_dir (const char *near_path, GError **error);

/* For an archive destination @path: fails with LC_ERROR_INVALID_ARGUMENT
 * when @path is a directory, else returns lc_make_temp_dir (@path). */
char *lc_archive_dest_temp_dir (const char *path, GError **error);

G_END_DECLS
