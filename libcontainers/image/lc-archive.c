/* lc-archive.c: tar helpers for the archive transports.
 *
 * Writing and extracting go through libarchive. Reading a docker-archive
 * uses a small index of the (uncompressed, seekable) tar built here from
 * the ustar/pax/GNU headers, so that every blob is served straight from
 * its region of the file, in parallel, without extracting anything.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "common/lc-error-private.h"
#include "image/lc-archive-private.h"

static gboolean
safe_name (const char *name)
{
  g_auto(GStrv) parts = NULL;

  if (name[0] == '/' || name[0] == '\0')
    return FALSE;
  parts = g_strsplit (name, "/", -1);
  for (gsize i = 0; parts[i]; i++)
    if (strcmp (parts[i], "..") == 0)
      return FALSE;
  return TRUE;
}

gboolean
lc_archive_extract (const char *tar_path, const char *dest_dir, GCancellable *cancellable,
                    GError **error)
{
  struct archive *a = archive_read_new ();
  struct archive_entry *entry;
  gboolean ok = TRUE;
  int r;

  archive_read_support_format_tar (a);
  archive_read_support_filter_all (a);
  if (archive_read_open_filename (a, tar_path, 1 << 20) != ARCHIVE_OK)
    {
      int errsv = archive_errno (a);
      ok = errsv == ENOENT ? lc_fail (error, LC_ERROR_NOT_FOUND, "archive file not found: %s", tar_path)
                           : lc_fail (error, LC_ERROR_INVALID_DATA, "opening %s: %s", tar_path,
                                      archive_error_string (a));
      archive_read_free (a);
      return ok;
    }
  while (ok && (r = archive_read_next_header (a, &entry)) == ARCHIVE_OK)
    {
      const char *name = archive_entry_pathname (entry);
      g_autofree char *clean = NULL, *path = NULL;
      mode_t type = archive_entry_filetype (entry);

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          ok = FALSE;
          break;
        }
      while (name && g_str_has_prefix (name, "./"))
        name += 2;
      if (!name || !*name || strcmp (name, ".") == 0)
        continue;
      if (!safe_name (name))
        {
          ok = lc_fail (error, LC_ERROR_INVALID_DATA, "%s: unsafe entry name \"%s\"", tar_path, name);
          break;
        }
      path = g_build_filename (dest_dir, name, NULL);
      if (type == AE_IFDIR)
        {
          if (g_mkdir_with_parents (path, 0755) != 0)
            ok = lc_fail_errno (error, "creating %s", path);
          continue;
        }
      if (type != AE_IFREG)
        continue;
      {
        g_autofree char *parent = g_path_get_dirname (path);
        const void *buf;
        size_t len;
        la_int64_t off;
        int fd;

        if (g_mkdir_with_parents (parent, 0755) != 0)
          {
            ok = lc_fail_errno (error, "creating %s", parent);
            break;
          }
        fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0)
          {
            ok = lc_fail_errno (error, "creating %s", path);
            break;
          }
        while ((r = archive_read_data_block (a, &buf, &len, &off)) == ARCHIVE_OK)
          {
            if (pwrite (fd, buf, len, off) != (ssize_t) len)
              {
                ok = lc_fail_errno (error, "writing %s", path);
                break;
              }
          }
        if (ok && r != ARCHIVE_EOF)
          ok = lc_fail (error, LC_ERROR_INVALID_DATA, "%s: %s", tar_path, archive_error_string (a));
        if (ok && ftruncate (fd, archive_entry_size (entry)) != 0)
          ok = lc_fail_errno (error, "writing %s", path);
        close (fd);
      }
    }
  if (ok && r != ARCHIVE_EOF)
    ok = lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid tar: %s", tar_path, archive_error_string (a));
  archive_read_free (a);
  return ok;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
write_tree (struct archive *a, const char *root, const char *rel, GCancellable *cancellable,
            GError **error)
{
  g_autofree char *dirpath = rel ? g_build_filename (root, rel, NULL) : g_strdup (root);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GDir *dir = g_dir_open (dirpath, 0, error);
  const char *name;

  if (!dir)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *child_rel = rel ? g_strconcat (rel, "/", names->pdata[i], NULL)
                                       : g_strdup (names->pdata[i]);
      g_autofree char *path = g_build_filename (root, child_rel, NULL);
      struct archive_entry *entry;
      GStatBuf st;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (g_lstat (path, &st) != 0)
        return lc_fail_errno (error, "stat %s", path);
      if (!S_ISDIR (st.st_mode) && !S_ISREG (st.st_mode))
        continue;
      entry = archive_entry_new ();
      {
        g_autofree char *entry_name = S_ISDIR (st.st_mode) ? g_strconcat (child_rel, "/", NULL)
                                                            : g_strdup (child_rel);
        archive_entry_set_pathname (entry, entry_name);
      }
      archive_entry_set_filetype (entry, S_ISDIR (st.st_mode) ? AE_IFDIR : AE_IFREG);
      archive_entry_set_perm (entry, st.st_mode & 07777);
      archive_entry_set_size (entry, S_ISREG (st.st_mode) ? st.st_size : 0);
      archive_entry_set_uid (entry, 0);
      archive_entry_set_gid (entry, 0);
      archive_entry_set_uname (entry, "root");
      archive_entry_set_gname (entry, "root");
      archive_entry_set_mtime (entry, st.st_mtime, 0);
      if (archive_write_header (a, entry) != ARCHIVE_OK)
        {
          archive_entry_free (entry);
          return lc_fail (error, LC_ERROR_IO, "writing tar header: %s", archive_error_string (a));
        }
      archive_entry_free (entry);
      if (S_ISREG (st.st_mode))
        {
          g_autofree char *buf = g_malloc (1 << 20);
          int fd = open (path, O_RDONLY | O_CLOEXEC);
          ssize_t n;
          if (fd < 0)
            return lc_fail_errno (error, "opening %s", path);
          while ((n = read (fd, buf, 1 << 20)) > 0)
            if (archive_write_data (a, buf, (size_t) n) != n)
              {
                close (fd);
                return lc_fail (error, LC_ERROR_IO, "writing tar: %s", archive_error_string (a));
              }
          close (fd);
          if (n < 0)
            return lc_fail_errno (error, "reading %s", path);
        }
      else if (!write_tree (a, root, child_rel, cancellable, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
lc_archive_write_tree (const char *src_dir, const char *tar_path, GCancellable *cancellable,
                       GError **error)
{
  g_autofree char *dir = g_path_get_dirname (tar_path);
  g_autofree char *base = g_path_get_basename (tar_path);
  g_autofree char *tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  struct archive *a;
  gboolean ok;
  int fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);

  if (fd < 0)
    return lc_fail_errno (error, "creating a temporary file next to %s", tar_path);
  a = archive_write_new ();
  archive_write_set_format_pax_restricted (a);
  archive_write_set_bytes_in_last_block (a, 1);
  ok = archive_write_open_fd (a, fd) == ARCHIVE_OK;
  if (!ok)
    lc_fail (error, LC_ERROR_IO, "writing %s: %s", tmp, archive_error_string (a));
  if (ok)
    ok = write_tree (a, src_dir, NULL, cancellable, error);
  if (archive_write_close (a) != ARCHIVE_OK && ok)
    ok = lc_fail (error, LC_ERROR_IO, "writing %s: %s", tmp, archive_error_string (a));
  archive_write_free (a);
  if (close (fd) != 0 && ok)
    ok = lc_fail_errno (error, "writing %s", tmp);
  if (ok && g_rename (tmp, tar_path) != 0)
    ok = lc_fail_errno (error, "renaming %s to %s", tmp, tar_path);
  if (!ok)
    (void) g_unlink (tmp);
  return ok;
}

/* The tar index. */

typedef struct {
  guint64 offset;
  guint64 size;
  char *link;   /* symlink target, or NULL */
} TarEntry;

struct _LcTarIndex {
  int fd;
  char *path;
  GHashTable *entries;   /* cleaned name → TarEntry */
};

static void
tar_entry_free (TarEntry *e)
{
  g_free (e->link);
  g_free (e);
}

static char *
clean_name (const char *name)
{
  g_auto(GStrv) parts = g_strsplit (name, "/", -1);
  g_autoptr(GPtrArray) out = g_ptr_array_new ();

  for (gsize i = 0; parts[i]; i++)
    {
      if (parts[i][0] == '\0' || strcmp (parts[i], ".") == 0)
        continue;
      if (strcmp (parts[i], "..") == 0)
        {
          if (out->len > 0)
            g_ptr_array_remove_index (out, out->len - 1);
          continue;
        }
      g_ptr_array_add (out, parts[i]);
    }
  g_ptr_array_add (out, NULL);
  return g_strjoinv ("/", (char **) out->pdata);
}

static gboolean
parse_octal (const char *field, gsize len, guint64 *out)
{
  guint64 v = 0;
  gsize i = 0;

  if ((guchar) field[0] & 0x80)
    {
      /* base-256 */
      for (i = 1; i < len; i++)
        v = (v << 8) | (guchar) field[i];
      *out = v;
      return TRUE;
    }
  while (i < len && (field[i] == ' ' || field[i] == '\0'))
    i++;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; i++)
    v = v * 8 + (guint64) (field[i] - '0');
  *out = v;
  return TRUE;
}

static void
parse_pax (const char *data, gsize len, char **path, char **linkpath, guint64 *size, gboolean *has_size)
{
  gsize pos = 0;

  while (pos < len)
    {
      char *end;
      guint64 reclen = g_ascii_strtoull (data + pos, &end, 10);
      const char *kv, *eq;
      gsize kvlen;

      if (reclen == 0 || pos + reclen > len || *end != ' ')
        return;
      kv = end + 1;
      kvlen = (gsize) (data + pos + reclen - kv);
      if (kvlen == 0)
        return;
      eq = memchr (kv, '=', kvlen);
      if (eq)
        {
          gsize klen = (gsize) (eq - kv);
          g_autofree char *value = g_strndup (eq + 1, kvlen - klen - 2);   /* drop '\n' */
          if (klen == 4 && memcmp (kv, "path", 4) == 0)
            {
              g_free (*path);
              *path = g_steal_pointer (&value);
            }
          else if (klen == 8 && memcmp (kv, "linkpath", 8) == 0)
            {
              g_free (*linkpath);
              *linkpath = g_steal_pointer (&value);
            }
          else if (klen == 4 && memcmp (kv, "size", 4) == 0)
            {
              *size = g_ascii_strtoull (value, NULL, 10);
              *has_size = TRUE;
            }
        }
      pos += reclen;
    }
}

LcTarIndex *
lc_tar_index_new (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(LcTarIndex) index = g_new0 (LcTarIndex, 1);
  guint64 pos = 0;
  g_autofree char *pax_path = NULL, *pax_link = NULL, *long_name = NULL, *long_link = NULL;
  guint64 pax_size = 0;
  gboolean pax_has_size = FALSE;
  int zero_blocks = 0;

  index->fd = open (path, O_RDONLY | O_CLOEXEC);
  index->path = g_strdup (path);
  index->entries = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) tar_entry_free);
  if (index->fd < 0)
    {
      if (errno == ENOENT)
        lc_fail (error, LC_ERROR_NOT_FOUND, "archive file not found: %s", path);
      else
        lc_fail_errno (error, "opening %s", path);
      return NULL;
    }
  for (;;)
    {
      char h[512];
      ssize_t n = pread (index->fd, h, sizeof h, (off_t) pos);
      guint64 size, data_off;
      char type;
      gboolean all_zero = TRUE;

      if (n == 0)
        break;
      if (n != sizeof h)
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "%s: truncated tar header", path);
          return NULL;
        }
      for (gsize i = 0; i < sizeof h; i++)
        if (h[i])
          {
            all_zero = FALSE;
            break;
          }
      if (all_zero)
        {
          if (++zero_blocks == 2)
            break;
          pos += 512;
          continue;
        }
      zero_blocks = 0;
      {
        guint64 sum = 0, want;
        for (gsize i = 0; i < 512; i++)
          sum += (i >= 148 && i < 156) ? ' ' : (guchar) h[i];
        parse_octal (h + 148, 8, &want);
        if (sum != want)
          {
            lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid tar header (checksum)", path);
            return NULL;
          }
      }
      parse_octal (h + 124, 12, &size);
      type = h[156];
      data_off = pos + 512;
      if (pax_has_size && type != 'x' && type != 'g' && type != 'L' && type != 'K')
        size = pax_size;
      pos = data_off + ((size + 511) / 512) * 512;
      if (type == 'x' || type == 'L' || type == 'K')
        {
          g_autofree char *data = NULL;
          if (size > 1 << 20)
            {
              lc_fail (error, LC_ERROR_INVALID_DATA, "%s: oversized tar extended header", path);
              return NULL;
            }
          data = g_malloc0 (size + 1);
          if (pread (index->fd, data, size, (off_t) data_off) != (ssize_t) size)
            {
              lc_fail (error, LC_ERROR_INVALID_DATA, "%s: truncated tar", path);
              return NULL;
            }
          if (type == 'x')
            parse_pax (data, size, &pax_path, &pax_link, &pax_size, &pax_has_size);
          else if (type == 'L')
            {
              g_free (long_name);
              long_name = g_strdup (data);
            }
          else
            {
              g_free (long_link);
              long_link = g_strdup (data);
            }
          continue;
        }
      if (type == 'g')
        continue;
      {
        g_autofree char *name = NULL;
        TarEntry *e;

        if (pax_path)
          name = g_steal_pointer (&pax_path);
        else if (long_name)
          name = g_steal_pointer (&long_name);
        else if (memcmp (h + 257, "ustar", 5) == 0 && h[345])
          name = g_strdup_printf ("%.155s/%.100s", h + 345, h);
        else
          name = g_strndup (h, 100);
        if (type == '0' || type == '\0' || type == '7' || type == '2' || type == '1')
          {
            e = g_new0 (TarEntry, 1);
            e->offset = data_off;
            e->size = (type == '2' || type == '1') ? 0 : size;
            if (type == '2' || type == '1')
              {
                const char *target = pax_link ? pax_link : long_link;
                g_autofree char *t = target ? g_strdup (target) : g_strndup (h + 157, 100);
                if (type == '2')
                  {
                    g_autofree char *dirn = g_path_get_dirname (name);
                    g_autofree char *joined = t[0] == '/' ? g_strdup (t) : g_build_filename (dirn, t, NULL);
                    e->link = clean_name (joined);
                  }
                else
                  e->link = clean_name (t);
              }
            g_hash_table_replace (index->entries, clean_name (name), e);
          }
        g_clear_pointer (&pax_link, g_free);
        g_clear_pointer (&long_link, g_free);
        pax_has_size = FALSE;
      }
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
    }
  return g_steal_pointer (&index);
}

void
lc_tar_index_free (LcTarIndex *index)
{
  if (!index)
    return;
  if (index->fd >= 0)
    close (index->fd);
  g_free (index->path);
  if (index->entries)
    g_hash_table_unref (index->entries);
  g_free (index);
}

static TarEntry *
resolve (LcTarIndex *index, const char *name)
{
  g_autofree char *clean = clean_name (name);
  TarEntry *e = g_hash_table_lookup (index->entries, clean);

  for (int depth = 0; e && e->link && depth < 8; depth++)
    e = g_hash_table_lookup (index->entries, e->link);
  return e && !e->link ? e : NULL;
}

gboolean
lc_tar_index_lookup (LcTarIndex *index, const char *name, guint64 *out_size)
{
  TarEntry *e = resolve (index, name);

  if (e && out_size)
    *out_size = e->size;
  return e != NULL;
}

/* A GInputStream over a region of a file, read with pread. */
#define LC_TYPE_REGION_STREAM (lc_region_stream_get_type ())
G_DECLARE_FINAL_TYPE (LcRegionStream, lc_region_stream, LC, REGION_STREAM, GInputStream)

struct _LcRegionStream {
  GInputStream parent;
  int fd;   /* borrowed from the index; the index outlives its streams */
  guint64 offset, remaining;
};

G_DEFINE_TYPE (LcRegionStream, lc_region_stream, G_TYPE_INPUT_STREAM)

static gssize
lc_region_stream_read (GInputStream *stream, void *buffer, gsize count, GCancellable *cancellable,
                       GError **error)
{
  LcRegionStream *self = LC_REGION_STREAM (stream);
  ssize_t n;

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  if (self->remaining == 0)
    return 0;
  count = (gsize) MIN ((guint64) count, self->remaining);
  do
    n = pread (self->fd, buffer, count, (off_t) self->offset);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      lc_fail_errno (error, "reading archive");
      return -1;
    }
  if (n == 0)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "archive truncated");
      return -1;
    }
  self->offset += (guint64) n;
  self->remaining -= (guint64) n;
  return n;
}

static void
lc_region_stream_class_init (LcRegionStreamClass *klass)
{
  G_INPUT_STREAM_CLASS (klass)->read_fn = lc_region_stream_read;
}

static void
lc_region_stream_init (LcRegionStream *self)
{
}

GInputStream *
lc_tar_index_open (LcTarIndex *index, const char *name, GError **error)
{
  TarEntry *e = resolve (index, name);
  LcRegionStream *s;

  if (!e)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "%s: no file \"%s\" in the archive", index->path, name);
      return NULL;
    }
  s = g_object_new (LC_TYPE_REGION_STREAM, NULL);
  s->fd = index->fd;
  s->offset = e->offset;
  s->remaining = e->size;
  return G_INPUT_STREAM (s);
}

GBytes *
lc_tar_index_read (LcTarIndex *index, const char *name, gsize max, GError **error)
{
  TarEntry *e = resolve (index, name);
  g_autofree char *buf = NULL;

  if (!e)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "%s: no file \"%s\" in the archive", index->path, name);
      return NULL;
    }
  if (e->size > max)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s: \"%s\" is too large", index->path, name);
      return NULL;
    }
  buf = g_malloc (e->size + 1);
  if (pread (index->fd, buf, e->size, (off_t) e->offset) != (ssize_t) e->size)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s: truncated archive", index->path);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&buf), e->size);
}
