/* lc-archive-private.h: tar helpers for oci-archive and docker-archive.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Extracts the regular files and directories of the tar @tar_path into
 * @dest_dir. Absolute names and ".." are refused (LC_ERROR_INVALID_DATA);
 * other entry types are skipped. */
gboolean lc_archive_extract (const char *tar_path, const char *dest_dir, GCancellable *cancellable,
                             GError **error);

/* Writes the tree under @src_dir as an uncompressed tar at @tar_path
 * (through a temporary file in the same directory and a rename), in
 * lexical order, directories included, owner 0/0, names relative. */
gboolean lc_archive_write_tree (const char *src_dir, const char *tar_path, GCancellable *cancellable,
                                GError **error);

/* An index of an uncompressed tar file: entry name (cleaned) → region. */
typedef struct _LcTarIndex LcTarIndex;

LcTarIndex *lc_tar_index_new (const char *path, GCancellable *cancellable, GError **error);
void lc_tar_index_free (LcTarIndex *index);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcTarIndex, lc_tar_index_free)
/* Whether @name exists (symlinks followed one level); its size. */
gboolean lc_tar_index_lookup (LcTarIndex *index, const char *name, guint64 *out_size);
/* A stream of the entry's bytes (thread-safe: pread on a shared fd). */
GInputStream *lc_tar_index_open (LcTarIndex *index, const char *name, GError **error);
GBytes *lc_tar_index_read (LcTarIndex *index, const char *name, gsize max, GError **error);

G_END_DECLS
