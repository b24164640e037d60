/* lc-tar-split.c: rebuilding a layer's original tar stream from its
 * tar-split file (spec §3.3) and the files in the layer directories.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "storage/lc-tar-private.h"

static gboolean
write_all (GOutputStream *out, const void *data, gsize len, GCancellable *cancellable, GError **error)
{
  return g_output_stream_write_all (out, data, len, NULL, cancellable, error);
}

static int
open_content (GPtrArray *dirs, const char *name)
{
  for (guint i = 0; i < dirs->len; i++)
    {
      int root = open (dirs->pdata[i], O_PATH | O_DIRECTORY | O_CLOEXEC);
      int fd;

      if (root < 0)
        continue;
      fd = lc_open_in_root (root, name, O_RDONLY, TRUE);
      close (root);
      if (fd >= 0)
        return fd;
    }
  errno = ENOENT;
  return -1;
}

static gboolean
emit_file (GPtrArray *dirs, const char *name, guint64 size, const char *payload,
           GOutputStream *out, GCancellable *cancellable, GError **error)
{
  g_autofree guint8 *buf = g_malloc (256 * 1024);
  guint64 crc = 0, left = size, want_be = 0;
  gsize plen = 0;
  g_autofree guchar *want = payload ? g_base64_decode (payload, &plen) : NULL;
  struct stat st;
  int fd = open_content (dirs, name);

  if (fd < 0)
    return lc_fail (error, LC_ERROR_CORRUPT_STORE, "layer file %s is missing", name);
  if (fstat (fd, &st) < 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return lc_fail (error, LC_ERROR_CORRUPT_STORE, "layer file %s is not a regular file", name);
    }
  while (left > 0)
    {
      ssize_t n = read (fd, buf, (size_t) MIN (left, (guint64) 256 * 1024));
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          close (fd);
          return lc_fail (error, LC_ERROR_CORRUPT_STORE, "layer file %s is shorter than recorded", name);
        }
      crc = lc_crc64_iso_update (crc, buf, (gsize) n);
      if (!write_all (out, buf, (gsize) n, cancellable, error))
        {
          close (fd);
          return FALSE;
        }
      left -= (guint64) n;
    }
  close (fd);
  if (want != NULL && plen == 8)
    {
      memcpy (&want_be, want, 8);
      if (GUINT64_FROM_BE (want_be) != crc)
        return lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "layer file %s does not match its tar-split checksum", name);
    }
  return TRUE;
}

gboolean
lc_tar_split_rebuild (const char *tar_split_path, GPtrArray *content_dirs, GOutputStream *output,
                      GCancellable *cancellable, GError **error)
{
  gzFile gz = gzopen (tar_split_path, "rb");
  g_autoptr(GString) pending = g_string_new (NULL);
  g_autofree char *chunk = g_malloc (64 * 1024);
  gboolean ok = TRUE, eof = FALSE;

  if (gz == NULL)
    return lc_fail (error, LC_ERROR_NOT_FOUND, "cannot open %s", tar_split_path);

  while (ok && !eof)
    {
      int n = gzread (gz, chunk, 64 * 1024);
      char *nl;
      gsize start = 0;

      if (n < 0)
        {
          ok = lc_fail (error, LC_ERROR_CORRUPT_STORE, "%s is not valid gzip", tar_split_path);
          break;
        }
      if (n == 0)
        eof = TRUE;
      g_string_append_len (pending, chunk, n);
      while (ok && (nl = memchr (pending->str + start, '\n', pending->len - start)) != NULL)
        {
          gsize linelen = (gsize) (nl - (pending->str + start));
          json_tokener *tok = json_tokener_new ();
          json_object *obj = json_tokener_parse_ex (tok, pending->str + start, (int) linelen);
          json_object *v;
          int type;

          json_tokener_free (tok);
          start += linelen + 1;
          if (obj == NULL)
            {
              ok = lc_fail (error, LC_ERROR_CORRUPT_STORE, "%s: invalid line", tar_split_path);
              break;
            }
          type = json_object_object_get_ex (obj, "type", &v) ? json_object_get_int (v) : 0;
          if (type == 2)
            {
              const char *payload = json_object_object_get_ex (obj, "payload", &v) ? json_object_get_string (v) : NULL;
              if (payload != NULL && *payload != '\0')
                {
                  gsize len = 0;
                  g_autofree guchar *raw = g_base64_decode (payload, &len);
                  ok = write_all (output, raw, len, cancellable, error);
                }
            }
          else if (type == 1)
            {
              gint64 size = json_object_object_get_ex (obj, "size", &v) ? json_object_get_int64 (v) : 0;
              g_autofree char *name = NULL;
              const char *payload = NULL;

              if (json_object_object_get_ex (obj, "name", &v) && json_object_get_string (v) != NULL)
                name = g_strdup (json_object_get_string (v));
              else if (json_object_object_get_ex (obj, "name_raw", &v))
                {
                  gsize rl = 0;
                  guchar *raw = g_base64_decode (json_object_get_string (v), &rl);
                  name = g_strndup ((const char *) raw, rl);
                  g_free (raw);
                }
              if (json_object_object_get_ex (obj, "payload", &v) && !json_object_is_type (v, json_type_null))
                payload = json_object_get_string (v);
              if (size > 0)
                {
                  if (name == NULL)
                    ok = lc_fail (error, LC_ERROR_CORRUPT_STORE, "%s: file entry without a name", tar_split_path);
                  else
                    ok = emit_file (content_dirs, name, (guint64) size, payload, output, cancellable, error);
                }
            }
          json_object_put (obj);
        }
      g_string_erase (pending, 0, (gssize) start);
    }
  gzclose (gz);
  return ok;
}
