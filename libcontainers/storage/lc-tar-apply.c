/* lc-tar-apply.c: applying a layer blob into a directory, in one pass.
 *
 * blob bytes ─► sha256 + count ─► gunzip / zstd ─► sha256 + count (DiffID)
 *   ─► tar-split recorder (every byte but file contents, spec §3.3)
 *   ─► libarchive tar reader ─► entries created with *at() calls relative
 *      to directories opened by openat2(RESOLVE_IN_ROOT).
 *
 * The tar-split recorder has its own small tar header parser: libarchive
 * does not show the raw bytes of headers, and tar-split needs them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <json-c/json.h>
#include <isa-l/crc64.h>
#include <isa-l/igzip_lib.h>
#include <nettle/sha2.h>
#include <zstd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-tar-private.h"

#define IN_BUF_SIZE  (256 * 1024)
#define OUT_BUF_SIZE (256 * 1024)

/* ---- CRC-64/ISO ------------------------------------------------------ */

guint64
lc_crc64_iso_update (guint64 crc, const guint8 *data, gsize len)
{
  /* ISA-L's reflected CRC-64/ISO (inverts on entry and exit, so chunks
   * chain by passing the previous result). */
  return crc64_iso_refl (crc, data, len);
}

/* SHA-256 with nettle (SHA-NI where the CPU has it): the DiffID and the
 * blob digest are computed over every byte of every layer. */
typedef struct sha256_ctx Sha256;

static char *
sha256_finish (Sha256 *ctx)
{
  guint8 d[SHA256_DIGEST_SIZE];
  GString *s = g_string_sized_new (71);

  sha256_digest (ctx, sizeof d, d);
  g_string_append (s, "sha256:");
  for (gsize i = 0; i < sizeof d; i++)
    g_string_append_printf (s, "%02x", d[i]);
  return g_string_free (s, FALSE);
}

/* ---- path resolution inside the root ---------------------------------- */

/* The same resolution as RESOLVE_IN_ROOT, done by hand one component at
 * a time with O_NOFOLLOW opens, for kernels (and valgrind) without
 * openat2: ".." never climbs above the root, and symlinks are expanded
 * with the root as "/". Nobody else writes into a layer being applied, so
 * the walk needs no protection against concurrent renames. */
static int
open_in_root_walk (int root_fd, const char *path, int flags, gboolean nofollow)
{
  g_autoptr(GPtrArray) queue = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) stack = g_array_new (FALSE, FALSE, sizeof (int));
  g_auto(GStrv) parts = g_strsplit (path, "/", -1);
  int cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 3);
  int links = 0, result = -1, saved = 0;

  for (char **p = parts; *p; p++)
    if (**p != '\0' && !g_str_equal (*p, "."))
      g_ptr_array_add (queue, g_strdup (*p));
  while (cur >= 0)
    {
      g_autofree char *c = NULL;
      struct stat st;
      gboolean last;
      int fd;

      if (queue->len == 0)
        {
          result = openat (cur, ".", flags | O_CLOEXEC);
          saved = errno;
          break;
        }
      c = g_ptr_array_steal_index (queue, 0);
      last = queue->len == 0;
      if (g_str_equal (c, ".."))
        {
          if (stack->len > 0)
            {
              close (cur);
              cur = g_array_index (stack, int, stack->len - 1);
              g_array_set_size (stack, stack->len - 1);
            }
          continue;
        }
      if (fstatat (cur, c, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          saved = errno;
          break;
        }
      if (S_ISLNK (st.st_mode) && !(last && nofollow))
        {
          char target[PATH_MAX + 1];
          ssize_t n = readlinkat (cur, c, target, PATH_MAX);
          g_auto(GStrv) tparts = NULL;
          guint at = 0;

          if (n < 0 || ++links > 40)
            {
              saved = n < 0 ? errno : ELOOP;
              break;
            }
          target[n] = '\0';
          if (target[0] == '/')
            {
              for (guint i = 0; i < stack->len; i++)
                close (g_array_index (stack, int, i));
              g_array_set_size (stack, 0);
              close (cur);
              cur = fcntl (root_fd, F_DUPFD_CLOEXEC, 3);
            }
          tparts = g_strsplit (target, "/", -1);
          for (char **p = tparts; *p; p++)
            if (**p != '\0' && !g_str_equal (*p, "."))
              g_ptr_array_insert (queue, (gint) at++, g_strdup (*p));
          continue;
        }
      if (last)
        {
          result = openat (cur, c, flags | O_CLOEXEC | O_NOFOLLOW);
          saved = errno;
          break;
        }
      if (!S_ISDIR (st.st_mode))
        {
          saved = ENOTDIR;
          break;
        }
      fd = openat (cur, c, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        {
          saved = errno;
          break;
        }
      g_array_append_val (stack, cur);
      cur = fd;
    }
  if (cur >= 0)
    close (cur);
  for (guint i = 0; i < stack->len; i++)
    close (g_array_index (stack, int, i));
  errno = saved;
  return result;
}

int
lc_open_in_root (int root_fd, const char *path, int flags, gboolean nofollow)
{
  static gboolean no_openat2;
  struct open_how how = { 0 };
  long fd;

  if (path == NULL || *path == '\0')
    path = ".";
  if (!g_atomic_int_get (&no_openat2) && g_getenv ("LC_TEST_NO_OPENAT2") == NULL)
    {
      how.flags = (guint64) (flags | O_CLOEXEC | (nofollow ? O_NOFOLLOW : 0));
      how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
      do
        fd = syscall (SYS_openat2, root_fd, path, &how, sizeof how);
      while (fd < 0 && (errno == EINTR || errno == EAGAIN));
      if (fd >= 0 || errno != ENOSYS)
        return (int) fd;
      g_atomic_int_set (&no_openat2, TRUE);
    }
  return open_in_root_walk (root_fd, path, flags, nofollow);
}

/* Splits @name into clean components as filepath.Clean("/" + name) does:
 * empty and "." parts dropped, ".." pops (and stays at the root). */
static GPtrArray *
clean_components (const char *name)
{
  g_auto(GStrv) parts = g_strsplit (name, "/", -1);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (char **p = parts; *p != NULL; p++)
    {
      if (**p == '\0' || g_str_equal (*p, "."))
        continue;
      if (g_str_equal (*p, ".."))
        {
          if (out->len > 0)
            g_ptr_array_remove_index (out, out->len - 1);
          continue;
        }
      g_ptr_array_add (out, g_strdup (*p));
    }
  return out;
}

static char *
join_components (GPtrArray *comps, guint n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (s, '/');
      g_string_append (s, comps->pdata[i]);
    }
  return g_string_free (s, FALSE);
}

/* Opens the directory made of the first @n components, creating missing
 * ones (0755, like MkdirAll with the usual umask). Returns an O_PATH fd. */
static int
open_parent (int root_fd, GPtrArray *comps, guint n, gboolean create, GError **error)
{
  g_autofree char *path = join_components (comps, n);
  int fd, prev;

  fd = lc_open_in_root (root_fd, path, O_PATH | O_DIRECTORY, FALSE);
  if (fd >= 0 || errno != ENOENT || !create)
    {
      if (fd < 0)
        lc_fail_errno (error, "opening directory %s in the layer", path);
      return fd;
    }
  prev = fcntl (root_fd, F_DUPFD_CLOEXEC, 3);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *sub = join_components (comps, i + 1);

      fd = lc_open_in_root (root_fd, sub, O_PATH | O_DIRECTORY, FALSE);
      if (fd < 0 && errno == ENOENT)
        {
          if (mkdirat (prev, comps->pdata[i], 0755) < 0 && errno != EEXIST)
            {
              lc_fail_errno (error, "creating directory %s in the layer", sub);
              close (prev);
              return -1;
            }
          fd = lc_open_in_root (root_fd, sub, O_PATH | O_DIRECTORY, FALSE);
        }
      close (prev);
      if (fd < 0)
        {
          lc_fail_errno (error, "opening directory %s in the layer", sub);
          return -1;
        }
      prev = fd;
    }
  return prev;
}

gboolean
lc_storage_rm_rf_at (int dir_fd, const char *name, GError **error)
{
  struct stat st;

  if (fstatat (dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return errno == ENOENT ? TRUE : lc_fail_errno (error, "stat %s", name);
  if (S_ISDIR (st.st_mode))
    {
      int fd = openat (dir_fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      DIR *d;
      struct dirent *de;

      if (fd < 0)
        return lc_fail_errno (error, "opening %s", name);
      d = fdopendir (fd);
      if (d == NULL)
        {
          close (fd);
          return lc_fail_errno (error, "opening %s", name);
        }
      while ((de = readdir (d)) != NULL)
        {
          if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
            continue;
          if (!lc_storage_rm_rf_at (dirfd (d), de->d_name, error))
            {
              closedir (d);
              return FALSE;
            }
        }
      closedir (d);
      if (unlinkat (dir_fd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
        return lc_fail_errno (error, "removing %s", name);
      return TRUE;
    }
  if (unlinkat (dir_fd, name, 0) < 0 && errno != ENOENT)
    return lc_fail_errno (error, "removing %s", name);
  return TRUE;
}

gboolean
lc_storage_rm_rf (const char *path, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  int fd = open (dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
  gboolean ok;

  if (fd < 0)
    return errno == ENOENT ? TRUE : lc_fail_errno (error, "opening %s", dir);
  ok = lc_storage_rm_rf_at (fd, base, error);
  close (fd);
  return ok;
}

/* ---- the tar-split recorder ------------------------------------------ */

enum { SPLIT_HEADER, SPLIT_META, SPLIT_CONTENT, SPLIT_PAD, SPLIT_TRAILER };

typedef struct {
  gzFile out;
  guint64 position;
  GByteArray *seg;
  int state;
  guint8 hdr[512];
  gsize hdr_len;
  guint64 remaining;
  guint64 meta_size;
  GByteArray *meta;
  char meta_type;
  char *pax_path;
  gint64 pax_size;
  char *gnu_name;
  char *cur_name;
  guint64 cur_size;
  guint64 crc;
  gboolean failed;
} Splitter;

static void
split_write_line (Splitter *sp, const char *line)
{
  gsize len = strlen (line);

  if (sp->out == NULL || sp->failed)
    return;
  if (gzwrite (sp->out, line, (unsigned) len) != (int) len)
    sp->failed = TRUE;
}

static void
split_emit_segment (Splitter *sp, const guint8 *data, gsize len)
{
  g_autofree char *b64 = len > 0 ? g_base64_encode (data, len) : g_strdup ("");
  g_autofree char *line = NULL;

  if (sp->out == NULL)
    return;
  line = g_strdup_printf ("{\"type\":2,\"payload\":\"%s\",\"position\":%" G_GUINT64_FORMAT "}\n",
                          b64, sp->position++);
  split_write_line (sp, line);
}

static void
split_flush_segment (Splitter *sp)
{
  if (sp->seg->len > 0)
    split_emit_segment (sp, sp->seg->data, sp->seg->len);
  g_byte_array_set_size (sp->seg, 0);
}

static void
split_emit_entry (Splitter *sp)
{
  GString *line;

  if (sp->out == NULL)
    return;
  line = g_string_new ("{\"type\":1,");
  if (g_utf8_validate (sp->cur_name, -1, NULL))
    {
      json_object *s = json_object_new_string (sp->cur_name);
      g_string_append_printf (line, "\"name\":%s,",
                              json_object_to_json_string_ext (s, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
      json_object_put (s);
    }
  else
    {
      g_autofree char *raw = g_base64_encode ((const guchar *) sp->cur_name, strlen (sp->cur_name));
      g_string_append_printf (line, "\"name_raw\":\"%s\",", raw);
    }
  if (sp->cur_size > 0)
    {
      guint64 be = GUINT64_TO_BE (sp->crc);
      g_autofree char *b64 = g_base64_encode ((const guchar *) &be, 8);
      g_string_append_printf (line, "\"size\":%" G_GUINT64_FORMAT ",\"payload\":\"%s\",", sp->cur_size, b64);
    }
  else
    g_string_append (line, "\"payload\":null,");
  g_string_append_printf (line, "\"position\":%" G_GUINT64_FORMAT "}\n", sp->position++);
  split_write_line (sp, line->str);
  g_string_free (line, TRUE);
}

static guint64
parse_octal_or_binary (const guint8 *field, gsize len)
{
  guint64 v = 0;
  gsize i = 0;

  if (field[0] & 0x80)
    {
      /* base-256: big endian, first byte's top bit is the marker */
      v = field[0] & 0x3f;
      for (i = 1; i < len; i++)
        v = (v << 8) | field[i];
      return v;
    }
  while (i < len && (field[i] == ' ' || field[i] == '\0'))
    i++;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; i++)
    v = v * 8 + (guint64) (field[i] - '0');
  return v;
}

static char *
field_string (const guint8 *field, gsize len)
{
  gsize n = 0;

  while (n < len && field[n] != '\0')
    n++;
  return g_strndup ((const char *) field, n);
}

static void
split_parse_pax (Splitter *sp)
{
  const char *p = (const char *) sp->meta->data;
  const char *end = p + MIN (sp->meta_size, sp->meta->len);

  while (p < end)
    {
      char *sp_end = NULL;
      guint64 reclen = g_ascii_strtoull (p, &sp_end, 10);
      const char *kv, *eq, *rec_end;

      if (sp_end == p || *sp_end != ' ' || reclen == 0 || (guint64) (end - p) < reclen)
        return;
      kv = sp_end + 1;
      rec_end = p + reclen - 1;   /* the '\n' */
      eq = memchr (kv, '=', (gsize) (rec_end - kv));
      if (eq != NULL)
        {
          gsize klen = (gsize) (eq - kv);
          if (klen == 4 && memcmp (kv, "path", 4) == 0)
            {
              g_free (sp->pax_path);
              sp->pax_path = g_strndup (eq + 1, (gsize) (rec_end - eq - 1));
            }
          else if (klen == 4 && memcmp (kv, "size", 4) == 0)
            {
              g_autofree char *v = g_strndup (eq + 1, (gsize) (rec_end - eq - 1));
              sp->pax_size = (gint64) g_ascii_strtoull (v, NULL, 10);
            }
        }
      p += reclen;
    }
}

static void
split_header (Splitter *sp)
{
  gboolean zero = TRUE;
  char type;
  guint64 size;

  for (int i = 0; i < 512 && zero; i++)
    zero = sp->hdr[i] == 0;
  if (zero)
    {
      sp->state = SPLIT_TRAILER;
      return;
    }
  type = (char) sp->hdr[156];
  size = parse_octal_or_binary (sp->hdr + 124, 12);
  if (type == 'x' || type == 'g' || type == 'L' || type == 'K')
    {
      sp->meta_type = type;
      sp->meta_size = size;
      sp->remaining = (size + 511) & ~(guint64) 511;
      g_byte_array_set_size (sp->meta, 0);
      sp->state = sp->remaining > 0 ? SPLIT_META : SPLIT_HEADER;
      return;
    }

  g_free (sp->cur_name);
  if (sp->gnu_name != NULL)
    sp->cur_name = g_steal_pointer (&sp->gnu_name);
  else if (sp->pax_path != NULL)
    sp->cur_name = g_strdup (sp->pax_path);
  else
    {
      g_autofree char *name = field_string (sp->hdr, 100);
      gboolean ustar = memcmp (sp->hdr + 257, "ustar\0", 6) == 0;
      g_autofree char *prefix = ustar ? field_string (sp->hdr + 345, 155) : NULL;

      if (prefix != NULL && *prefix != '\0')
        sp->cur_name = g_strconcat (prefix, "/", name, NULL);
      else
        sp->cur_name = g_steal_pointer (&name);
    }
  if (sp->pax_size >= 0)
    size = (guint64) sp->pax_size;
  g_clear_pointer (&sp->pax_path, g_free);
  g_clear_pointer (&sp->gnu_name, g_free);
  sp->pax_size = -1;
  if (strchr ("123456", type) != NULL && type != '\0')
    size = 0;   /* header-only types carry no data */
  sp->cur_size = size;
  sp->crc = 0;
  split_flush_segment (sp);
  if (size == 0)
    {
      split_emit_entry (sp);
      sp->state = SPLIT_HEADER;
    }
  else
    {
      sp->remaining = size;
      sp->state = SPLIT_CONTENT;
    }
}

static void
split_feed (Splitter *sp, const guint8 *buf, gsize len)
{
  while (len > 0)
    {
      gsize take;

      switch (sp->state)
        {
        case SPLIT_HEADER:
          take = MIN (512 - sp->hdr_len, len);
          memcpy (sp->hdr + sp->hdr_len, buf, take);
          g_byte_array_append (sp->seg, buf, (guint) take);
          sp->hdr_len += take;
          if (sp->hdr_len == 512)
            {
              sp->hdr_len = 0;
              split_header (sp);
            }
          break;
        case SPLIT_META:
          take = (gsize) MIN ((guint64) len, sp->remaining);
          g_byte_array_append (sp->seg, buf, (guint) take);
          if (sp->meta->len < sp->meta_size && sp->meta_size < 16 * 1024 * 1024)
            g_byte_array_append (sp->meta, buf, (guint) MIN (take, sp->meta_size - sp->meta->len));
          sp->remaining -= take;
          if (sp->remaining == 0)
            {
              if (sp->meta_type == 'x')
                split_parse_pax (sp);
              else if (sp->meta_type == 'L')
                {
                  g_free (sp->gnu_name);
                  sp->gnu_name = field_string (sp->meta->data, sp->meta->len);
                }
              sp->state = SPLIT_HEADER;
            }
          break;
        case SPLIT_CONTENT:
          take = (gsize) MIN ((guint64) len, sp->remaining);
          sp->crc = lc_crc64_iso_update (sp->crc, buf, take);
          sp->remaining -= take;
          if (sp->remaining == 0)
            {
              split_emit_entry (sp);
              sp->remaining = ((sp->cur_size + 511) & ~(guint64) 511) - sp->cur_size;
              sp->state = sp->remaining > 0 ? SPLIT_PAD : SPLIT_HEADER;
            }
          break;
        case SPLIT_PAD:
          take = (gsize) MIN ((guint64) len, sp->remaining);
          g_byte_array_append (sp->seg, buf, (guint) take);
          sp->remaining -= take;
          if (sp->remaining == 0)
            sp->state = SPLIT_HEADER;
          break;
        case SPLIT_TRAILER:
        default:
          take = len;
          g_byte_array_append (sp->seg, buf, (guint) take);
          if (sp->seg->len >= 1024 * 1024)
            split_flush_segment (sp);
          break;
        }
      buf += take;
      len -= take;
    }
}

static void
split_finish (Splitter *sp)
{
  split_flush_segment (sp);
  split_emit_segment (sp, NULL, 0);
}

/* ---- the byte pipeline ------------------------------------------------ */

typedef struct {
  GInputStream *input;
  GCancellable *cancellable;
  GError *error;

  guint8 *in;
  gsize in_len, in_pos;
  gboolean in_eof;
  Sha256 sum_c;
  gint64 size_c;

  LcLayerCompression compression;
  struct inflate_state *zs;
  gboolean z_done;
  ZSTD_DCtx *zd;

  guint8 *out;
  Sha256 sum_u;
  gint64 size_u;
  Splitter split;
} Pipe;

static gboolean
pipe_fill (Pipe *p)
{
  gssize n;

  if (p->in_pos < p->in_len || p->in_eof)
    return TRUE;
  n = g_input_stream_read (p->input, p->in, IN_BUF_SIZE, p->cancellable, &p->error);
  if (n < 0)
    return FALSE;
  if (n == 0)
    p->in_eof = TRUE;
  sha256_update (&p->sum_c, (gsize) n, p->in);
  p->size_c += n;
  p->in_len = (gsize) n;
  p->in_pos = 0;
  return TRUE;
}

static gboolean
pipe_detect (Pipe *p)
{
  /* Read until 6 bytes are there (or the stream ends). */
  while (p->in_len < 6 && !p->in_eof)
    {
      gssize n = g_input_stream_read (p->input, p->in + p->in_len, IN_BUF_SIZE - p->in_len,
                                      p->cancellable, &p->error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        p->in_eof = TRUE;
      sha256_update (&p->sum_c, (gsize) n, p->in + p->in_len);
      p->size_c += n;
      p->in_len += (gsize) n;
    }
  if (p->in_len >= 3 && p->in[0] == 0x1f && p->in[1] == 0x8b && p->in[2] == 0x08)
    p->compression = LC_LAYER_COMPRESSION_GZIP;
  else if (p->in_len >= 4 && memcmp (p->in, "\x28\xb5\x2f\xfd", 4) == 0)
    p->compression = LC_LAYER_COMPRESSION_ZSTD;
  else if (p->in_len >= 3 && memcmp (p->in, "BZh", 3) == 0)
    p->compression = LC_LAYER_COMPRESSION_BZIP2;
  else if (p->in_len >= 6 && memcmp (p->in, "\xfd\x37\x7a\x58\x5a\x00", 6) == 0)
    p->compression = LC_LAYER_COMPRESSION_XZ;
  else
    p->compression = LC_LAYER_COMPRESSION_NONE;

  if (p->compression == LC_LAYER_COMPRESSION_GZIP)
    {
      p->zs = g_malloc (sizeof *p->zs);
      isal_inflate_init (p->zs);
      p->zs->crc_flag = ISAL_GZIP;
    }
  else if (p->compression == LC_LAYER_COMPRESSION_ZSTD)
    p->zd = ZSTD_createDCtx ();
  else if (p->compression != LC_LAYER_COMPRESSION_NONE)
    return lc_fail (&p->error, LC_ERROR_UNSUPPORTED, "layers compressed with %s are not supported",
                    p->compression == LC_LAYER_COMPRESSION_XZ ? "xz" : "bzip2");
  return TRUE;
}

/* Produces up to OUT_BUF_SIZE uncompressed bytes into p->out; 0 at the end. */
static gssize
pipe_produce (Pipe *p)
{
  gsize produced = 0;

  while (produced == 0)
    {
      if (!pipe_fill (p))
        return -1;
      if (p->compression == LC_LAYER_COMPRESSION_NONE)
        {
          gsize n = MIN (p->in_len - p->in_pos, (gsize) OUT_BUF_SIZE);
          if (n == 0)
            return 0;
          memcpy (p->out, p->in + p->in_pos, n);
          p->in_pos += n;
          produced = n;
        }
      else if (p->compression == LC_LAYER_COMPRESSION_GZIP)
        {
          int rc;

          if (p->in_pos == p->in_len && p->in_eof)
            {
              if (!p->z_done)
                {
                  lc_fail (&p->error, LC_ERROR_INVALID_DATA, "truncated gzip stream");
                  return -1;
                }
              return 0;
            }
          if (p->z_done)
            {
              /* Another gzip member follows (multi-member streams). */
              isal_inflate_reset (p->zs);
              p->zs->crc_flag = ISAL_GZIP;
              p->z_done = FALSE;
            }
          p->zs->next_in = p->in + p->in_pos;
          p->zs->avail_in = (guint32) (p->in_len - p->in_pos);
          p->zs->next_out = p->out;
          p->zs->avail_out = OUT_BUF_SIZE;
          rc = isal_inflate (p->zs);
          p->in_pos = p->in_len - p->zs->avail_in;
          produced = OUT_BUF_SIZE - p->zs->avail_out;
          if (rc < 0)
            {
              lc_fail (&p->error, LC_ERROR_INVALID_DATA, "corrupt gzip stream (igzip error %d)", rc);
              return -1;
            }
          if (p->zs->block_state == ISAL_BLOCK_FINISH)
            p->z_done = TRUE;
        }
      else
        {
          ZSTD_inBuffer zin = { p->in + p->in_pos, p->in_len - p->in_pos, 0 };
          ZSTD_outBuffer zout = { p->out, OUT_BUF_SIZE, 0 };
          size_t rc;

          if (zin.size == 0 && p->in_eof)
            return 0;
          rc = ZSTD_decompressStream (p->zd, &zout, &zin);
          if (ZSTD_isError (rc))
            {
              lc_fail (&p->error, LC_ERROR_INVALID_DATA, "corrupt zstd stream: %s", ZSTD_getErrorName (rc));
              return -1;
            }
          p->in_pos += zin.pos;
          produced = zout.pos;
        }
    }
  sha256_update (&p->sum_u, produced, p->out);
  p->size_u += (gint64) produced;
  split_feed (&p->split, p->out, produced);
  return (gssize) produced;
}

static la_ssize_t
archive_read_cb (struct archive *a, void *user_data, const void **buffer)
{
  Pipe *p = user_data;
  gssize n = pipe_produce (p);

  *buffer = p->out;
  if (n < 0)
    {
      archive_set_error (a, EIO, "%s", p->error ? p->error->message : "read error");
      return -1;
    }
  return n;
}

/* ---- applying entries ------------------------------------------------- */

typedef struct {
  char *path;
  struct timespec times[2];
} DirTimes;

typedef struct {
  int root_fd;
  gboolean root_seen;
  const LcTarApplyOptions *options;
  GHashTable *created;          /* clean paths made by this layer (vfs opaque dirs) */
  GArray *dir_times;
  GHashTable *uids, *gids;
} Applier;

static gboolean
set_xattr_fd (int path_fd, const char *name, const void *value, gsize size, gboolean tolerate_eperm,
              GError **error)
{
  char proc[64];

  g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", path_fd);
  if (setxattr (proc, name, value, size, 0) == 0)
    return TRUE;
  if (errno == ENOTSUP || (tolerate_eperm && errno == EPERM))
    return TRUE;
  return lc_fail_errno (error, "setting xattr %s", name);
}

/* vfs: an opaque directory keeps only what this layer put in it. */
static gboolean
remove_not_created (Applier *ap, int dir_fd, const char *dir_path, GError **error)
{
  int fd = openat (dir_fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  DIR *d;
  struct dirent *de;
  gboolean ok = TRUE;

  if (fd < 0)
    return lc_fail_errno (error, "opening %s", dir_path);
  d = fdopendir (fd);
  if (d == NULL)
    {
      close (fd);
      return lc_fail_errno (error, "opening %s", dir_path);
    }
  while (ok && (de = readdir (d)) != NULL)
    {
      g_autofree char *child = NULL;

      if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
        continue;
      child = *dir_path ? g_strconcat (dir_path, "/", de->d_name, NULL) : g_strdup (de->d_name);
      if (!g_hash_table_contains (ap->created, child))
        ok = lc_storage_rm_rf_at (dirfd (d), de->d_name, error);
    }
  closedir (d);
  return ok;
}

static gboolean
apply_whiteout (Applier *ap, GPtrArray *comps, const char *base, struct archive_entry *entry,
                GError **error)
{
  g_autofree char *parent_path = join_components (comps, comps->len - 1);
  const char *xattr = ap->options->rootless ? "user.overlay.opaque" : "trusted.overlay.opaque";
  int pfd;
  gboolean ok = TRUE;

  pfd = open_parent (ap->root_fd, comps, comps->len - 1, TRUE, NULL);
  if (pfd < 0)
    return TRUE;   /* parent is not a directory: ignored, as c/storage does */

  if (g_str_equal (base, ".wh..wh..opq"))
    {
      if (ap->options->whiteouts == LC_WHITEOUT_OVERLAY)
        ok = set_xattr_fd (pfd, xattr, "y", 1, FALSE, error);
      else
        ok = remove_not_created (ap, pfd, parent_path, error);
    }
  else
    {
      const char *name = base + strlen (".wh.");

      if (*name == '\0' || g_str_equal (name, ".") || g_str_equal (name, "..") || strchr (name, '/'))
        {
          close (pfd);
          return lc_fail (error, LC_ERROR_INVALID_DATA, "invalid whiteout entry %s", archive_entry_pathname (entry));
        }
      ok = lc_storage_rm_rf_at (pfd, name, error);
      if (ok && ap->options->whiteouts == LC_WHITEOUT_OVERLAY)
        {
          if (mknodat (pfd, name, S_IFCHR | 0000, makedev (0, 0)) < 0)
            ok = lc_fail_errno (error, "creating whiteout %s", name);
          else if (fchownat (pfd, name, (uid_t) archive_entry_uid (entry), (gid_t) archive_entry_gid (entry),
                             AT_SYMLINK_NOFOLLOW) < 0 && !ap->options->rootless)
            ok = lc_fail_errno (error, "chown of whiteout %s", name);
        }
    }
  close (pfd);
  return ok;
}

static gboolean
write_file_data (struct archive *a, int fd, const char *name, GError **error)
{
  const void *buf;
  size_t size;
  la_int64_t offset;
  la_int64_t end = 0;
  int r;

  while ((r = archive_read_data_block (a, &buf, &size, &offset)) == ARCHIVE_OK)
    {
      const guint8 *b = buf;
      while (size > 0)
        {
          ssize_t n = pwrite (fd, b, size, offset);
          if (n < 0)
            {
              if (errno == EINTR)
                continue;
              return lc_fail_errno (error, "writing %s", name);
            }
          b += n;
          size -= (size_t) n;
          offset += n;
        }
      end = offset;
    }
  if (r != ARCHIVE_EOF)
    return lc_fail (error, LC_ERROR_INVALID_DATA, "reading %s from the layer: %s", name,
                    archive_error_string (a));
  (void) end;
  return TRUE;
}

static gboolean
apply_entry (Applier *ap, struct archive *a, struct archive_entry *entry, GError **error)
{
  const char *pathname = archive_entry_pathname (entry);
  g_autoptr(GPtrArray) comps = NULL;
  g_autofree char *clean = NULL;
  const char *base;
  const char *hardlink = archive_entry_hardlink (entry);
  mode_t type = archive_entry_filetype (entry);
  mode_t mode = archive_entry_perm (entry) & 07777;
  uid_t uid = (uid_t) archive_entry_uid (entry);
  gid_t gid = (gid_t) archive_entry_gid (entry);
  struct timespec times[2];
  struct stat st;
  gboolean is_root, exists, is_symlink = FALSE;
  int pfd = -1;
  gboolean ok = FALSE;

  if (pathname == NULL)
    return lc_fail (error, LC_ERROR_INVALID_DATA, "a layer entry has no valid name");
  comps = clean_components (pathname);
  clean = join_components (comps, comps->len);
  is_root = comps->len == 0;
  base = is_root ? "." : comps->pdata[comps->len - 1];

  if (!is_root && g_str_has_prefix (base, ".wh."))
    return apply_whiteout (ap, comps, base, entry, error);

  g_hash_table_add (ap->uids, GUINT_TO_POINTER (uid + 1));
  g_hash_table_add (ap->gids, GUINT_TO_POINTER (gid + 1));

  times[1].tv_sec = archive_entry_mtime (entry);
  times[1].tv_nsec = archive_entry_mtime_nsec (entry);
  if (archive_entry_atime_is_set (entry) &&
      (archive_entry_atime (entry) > times[1].tv_sec ||
       (archive_entry_atime (entry) == times[1].tv_sec && archive_entry_atime_nsec (entry) >= times[1].tv_nsec)))
    {
      times[0].tv_sec = archive_entry_atime (entry);
      times[0].tv_nsec = archive_entry_atime_nsec (entry);
    }
  else
    times[0] = times[1];

  if (is_root)
    {
      /* "./": only metadata of the layer root, and only for a directory. */
      if (hardlink != NULL || type != AE_IFDIR)
        return lc_fail (error, LC_ERROR_INVALID_DATA, "layer entry %s would replace the root", pathname);
      pfd = fcntl (ap->root_fd, F_DUPFD_CLOEXEC, 3);
      base = ".";
      ap->root_seen = TRUE;
    }
  else
    {
      pfd = open_parent (ap->root_fd, comps, comps->len - 1, TRUE, error);
      if (pfd < 0)
        return FALSE;
    }

  exists = fstatat (pfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0;
  if (!is_root && exists && !(S_ISDIR (st.st_mode) && hardlink == NULL && type == AE_IFDIR))
    {
      if (!lc_storage_rm_rf_at (pfd, base, error))
        goto out;
      exists = FALSE;
    }

  if (hardlink != NULL)
    {
      g_autoptr(GPtrArray) tcomps = clean_components (hardlink);
      g_autofree char *target = join_components (tcomps, tcomps->len);
      struct stat tst;
      int tfd;

      if (tcomps->len == 0)
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "hard link %s points at the layer root", pathname);
          goto out;
        }
      tfd = lc_open_in_root (ap->root_fd, target, O_PATH, TRUE);
      if (tfd < 0)
        {
          lc_fail_errno (error, "hard link %s: target %s", pathname, hardlink);
          goto out;
        }
      if (fstat (tfd, &tst) < 0 || S_ISDIR (tst.st_mode))
        {
          close (tfd);
          lc_fail (error, LC_ERROR_INVALID_DATA, "hard link %s: target %s is a directory", pathname, hardlink);
          goto out;
        }
      if (linkat (tfd, "", pfd, base, AT_EMPTY_PATH) < 0)
        {
          char proc[64];
          g_snprintf (proc, sizeof proc, "/proc/self/fd/%d", tfd);
          if (linkat (AT_FDCWD, proc, pfd, base, AT_SYMLINK_FOLLOW) < 0)
            {
              close (tfd);
              lc_fail_errno (error, "creating hard link %s", pathname);
              goto out;
            }
        }
      close (tfd);
      is_symlink = S_ISLNK (tst.st_mode);
      g_hash_table_add (ap->created, g_strdup (clean));
      /* c/storage sets times on hard links (not to symlinks), nothing else. */
      if (!is_symlink)
        utimensat (pfd, base, times, AT_SYMLINK_NOFOLLOW);
      ok = TRUE;
      goto out;
    }

  switch (type)
    {
    case AE_IFDIR:
      if (!exists && mkdirat (pfd, base, 0700) < 0)
        {
          lc_fail_errno (error, "creating directory %s", pathname);
          goto out;
        }
      break;
    case AE_IFREG:
      {
        int fd = openat (pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        gboolean wok;

        if (fd < 0)
          {
            lc_fail_errno (error, "creating %s", pathname);
            goto out;
          }
        wok = write_file_data (a, fd, pathname, error);
        if (wok && archive_entry_size_is_set (entry) && ftruncate (fd, archive_entry_size (entry)) < 0)
          wok = lc_fail_errno (error, "truncating %s", pathname);
        close (fd);
        if (!wok)
          goto out;
      }
      break;
    case AE_IFLNK:
      {
        const char *target = archive_entry_symlink (entry);
        if (target == NULL || symlinkat (target, pfd, base) < 0)
          {
            lc_fail_errno (error, "creating symlink %s", pathname);
            goto out;
          }
        is_symlink = TRUE;
      }
      break;
    case AE_IFCHR:
    case AE_IFBLK:
      if (!ap->options->allow_devices)
        {
          lc_debug ("storage", "skipping device node %s", pathname);
          ok = TRUE;
          goto out;
        }
      if (mknodat (pfd, base, type | 0600, makedev (archive_entry_rdevmajor (entry),
                                                    archive_entry_rdevminor (entry))) < 0)
        {
          if (errno == EPERM && ap->options->rootless)
            {
              ok = TRUE;
              goto out;
            }
          lc_fail_errno (error, "creating device %s", pathname);
          goto out;
        }
      break;
    case AE_IFIFO:
      if (mknodat (pfd, base, S_IFIFO | 0600, 0) < 0)
        {
          lc_fail_errno (error, "creating fifo %s", pathname);
          goto out;
        }
      break;
    default:
      lc_fail (error, LC_ERROR_INVALID_DATA, "layer entry %s has an unsupported type 0%o", pathname, type);
      goto out;
    }

  g_hash_table_add (ap->created, g_strdup (clean));

  if (fchownat (pfd, base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 && !ap->options->rootless)
    {
      lc_fail_errno (error, "chown %s", pathname);
      goto out;
    }

  if (!is_symlink)
    {
      const char *xname;
      const void *xvalue;
      size_t xsize;
      int efd = openat (pfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);

      if (efd < 0)
        {
          lc_fail_errno (error, "opening %s", pathname);
          goto out;
        }
      archive_entry_xattr_reset (entry);
      while (archive_entry_xattr_next (entry, &xname, &xvalue, &xsize) == ARCHIVE_OK)
        {
          if (g_str_equal (xname, "security.selinux"))
            continue;
          /* A layer cannot make directories opaque other than by .wh..wh..opq. */
          if (g_str_has_prefix (xname, "trusted.overlay.") || g_str_has_prefix (xname, "user.overlay."))
            continue;
          if (!set_xattr_fd (efd, xname, xvalue, xsize, ap->options->rootless, error))
            {
              close (efd);
              goto out;
            }
        }
      close (efd);
      if (fchmodat (pfd, base, mode, 0) < 0)
        {
          lc_fail_errno (error, "chmod %s", pathname);
          goto out;
        }
    }

  if (type == AE_IFDIR)
    {
      DirTimes dt = { g_strdup (clean), { times[0], times[1] } };
      g_array_append_val (ap->dir_times, dt);
    }
  else if (utimensat (pfd, base, times, AT_SYMLINK_NOFOLLOW) < 0)
    {
      lc_fail_errno (error, "setting times of %s", pathname);
      goto out;
    }
  ok = TRUE;

out:
  if (pfd >= 0)
    close (pfd);
  return ok;
}

static void
dir_times_clear (gpointer p)
{
  DirTimes *dt = p;
  g_free (dt->path);
}

static gint
cmp_u32 (gconstpointer a, gconstpointer b)
{
  guint32 x = *(const guint32 *) a, y = *(const guint32 *) b;
  return x < y ? -1 : x > y;
}

static GArray *
id_set_to_array (GHashTable *set)
{
  GArray *arr = g_array_new (FALSE, FALSE, sizeof (guint32));
  GHashTableIter it;
  gpointer key;

  g_hash_table_iter_init (&it, set);
  while (g_hash_table_iter_next (&it, &key, NULL))
    {
      guint32 v = GPOINTER_TO_UINT (key) - 1;
      g_array_append_val (arr, v);
    }
  g_array_sort (arr, cmp_u32);
  return arr;
}

void
lc_tar_apply_result_clear (LcTarApplyResult *result)
{
  g_clear_pointer (&result->compressed_digest, g_free);
  g_clear_pointer (&result->diff_digest, g_free);
  g_clear_pointer (&result->uids, g_array_unref);
  g_clear_pointer (&result->gids, g_array_unref);
}

gboolean
lc_tar_apply (GInputStream *input, int root_fd, const LcTarApplyOptions *options,
              LcTarApplyResult *result, GCancellable *cancellable, GError **error)
{
  Pipe p = { 0 };
  Applier ap = { 0 };
  struct archive *a = NULL;
  struct archive_entry *entry;
  gboolean ok = FALSE;
  int r;

  memset (result, 0, sizeof *result);
  p.input = input;
  p.cancellable = cancellable;
  p.in = g_malloc (IN_BUF_SIZE);
  p.out = g_malloc (OUT_BUF_SIZE);
  sha256_init (&p.sum_c);
  sha256_init (&p.sum_u);
  p.split.out = options->tar_split;
  p.split.seg = g_byte_array_new ();
  p.split.meta = g_byte_array_new ();
  p.split.pax_size = -1;
  ap.root_fd = root_fd;
  ap.options = options;
  ap.created = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ap.dir_times = g_array_new (FALSE, FALSE, sizeof (DirTimes));
  g_array_set_clear_func (ap.dir_times, dir_times_clear);
  ap.uids = g_hash_table_new (NULL, NULL);
  ap.gids = g_hash_table_new (NULL, NULL);

  if (!pipe_detect (&p))
    goto out;

  a = archive_read_new ();
  archive_read_support_format_tar (a);
  archive_read_support_format_gnutar (a);
  if (archive_read_open (a, &p, NULL, archive_read_cb, NULL) != ARCHIVE_OK)
    {
      if (p.error == NULL)
        lc_fail (&p.error, LC_ERROR_INVALID_DATA, "not a tar stream: %s", archive_error_string (a));
      goto out;
    }
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, &p.error))
        goto out;
      r = archive_read_next_header (a, &entry);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          if (p.error == NULL)
            lc_fail (&p.error, LC_ERROR_INVALID_DATA, "reading the layer tar: %s", archive_error_string (a));
          goto out;
        }
      if (!apply_entry (&ap, a, entry, &p.error))
        goto out;
    }
  /* Digest what follows the end of the archive too: c/storage does. */
  for (;;)
    {
      gssize n = pipe_produce (&p);
      if (n < 0)
        goto out;
      if (n == 0)
        break;
    }
  split_finish (&p.split);
  if (p.split.failed)
    {
      lc_fail (&p.error, LC_ERROR_IO, "writing tar-split data failed");
      goto out;
    }

  for (guint i = ap.dir_times->len; i > 0; i--)
    {
      DirTimes *dt = &g_array_index (ap.dir_times, DirTimes, i - 1);
      if (*dt->path == '\0')
        futimens (root_fd, dt->times);
      else
        {
          g_autoptr(GPtrArray) comps = clean_components (dt->path);
          int pfd = open_parent (root_fd, comps, comps->len - 1, FALSE, NULL);
          if (pfd >= 0)
            {
              utimensat (pfd, comps->pdata[comps->len - 1], dt->times, AT_SYMLINK_NOFOLLOW);
              close (pfd);
            }
        }
    }

  result->compressed_digest = sha256_finish (&p.sum_c);
  result->compressed_size = p.size_c;
  result->diff_digest = sha256_finish (&p.sum_u);
  result->diff_size = p.size_u;
  result->compression = p.compression;
  result->uids = id_set_to_array (ap.uids);
  result->gids = id_set_to_array (ap.gids);
  result->root_seen = ap.root_seen;
  ok = TRUE;

out:
  if (!ok)
    g_propagate_error (error, g_steal_pointer (&p.error));
  g_clear_error (&p.error);
  if (a != NULL)
    archive_read_free (a);
  g_free (p.zs);
  if (p.zd != NULL)
    ZSTD_freeDCtx (p.zd);
  g_free (p.in);
  g_free (p.out);
  g_byte_array_unref (p.split.seg);
  g_byte_array_unref (p.split.meta);
  g_free (p.split.pax_path);
  g_free (p.split.gnu_name);
  g_free (p.split.cur_name);
  g_hash_table_unref (ap.created);
  g_array_unref (ap.dir_times);
  g_hash_table_unref (ap.uids);
  g_hash_table_unref (ap.gids);
  return ok;
}
