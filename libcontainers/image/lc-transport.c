/* lc-transport.c: the table of transports, and helpers shared by them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gunixoutputstream.h>

#include "common/lc-error-private.h"
#include "image/lc-blob-file-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-transport-private.h"

/* The transports. To add one: declare it here and list it below. The
 * registry and storage transports live with their engineers' code; they
 * are weak so that the table links before they exist. */
extern const LcTransport lc_dir_transport;
extern const LcTransport lc_docker_archive_transport;
extern const LcTransport lc_oci_transport;
extern const LcTransport lc_oci_archive_transport;
extern const LcTransport lc_docker_transport __attribute__ ((weak, visibility ("hidden")));
extern const LcTransport lc_storage_transport __attribute__ ((weak, visibility ("hidden")));

static const LcTransport *
transport_at (gsize i)
{
  switch (i)
    {
    case 0: return &lc_dir_transport;
    case 1: return &lc_docker_archive_transport;
    case 2: return &lc_oci_transport;
    case 3: return &lc_oci_archive_transport;
    case 4: return &lc_docker_transport;     /* NULL until linked */
    case 5: return &lc_storage_transport;    /* NULL until linked */
    default: return NULL;
    }
}
#define N_TRANSPORTS 6

const LcTransport *
lc_transport_lookup (const char *name)
{
  for (gsize i = 0; i < N_TRANSPORTS; i++)
    {
      const LcTransport *t = transport_at (i);
      if (t != NULL && strcmp (t->name, name) == 0)
        return t;
    }
  return NULL;
}

gboolean
lc_transport_parse_name (const char *image_name, const LcTransport **out_transport,
                         const char **out_rest, GError **error)
{
  const char *colon = strchr (image_name, ':');
  g_autofree char *name = NULL;
  const LcTransport *t;

  if (colon == NULL)
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE,
                    "Invalid image name \"%s\", expected colon-separated transport:reference",
                    image_name);
  name = g_strndup (image_name, (gsize) (colon - image_name));
  t = lc_transport_lookup (name);
  if (t == NULL)
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE,
                    "Invalid image name \"%s\", unknown transport \"%s\"", image_name, name);
  *out_transport = t;
  *out_rest = colon + 1;
  return TRUE;
}

void
lc_image_source_init (LcImageSource *self, const LcImageSourceVTable *vtable, const char *description)
{
  self->vtable = vtable;
  self->ref_count = 1;
  self->description = g_strdup (description);
}

void
lc_image_dest_init (LcImageDest *self, const LcImageDestVTable *vtable, const char *description)
{
  self->vtable = vtable;
  self->ref_count = 1;
  self->description = g_strdup (description);
}

LcImageSource *
lc_image_source_ref (LcImageSource *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
lc_image_source_unref (LcImageSource *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->description);
  g_free (self->docker_name);
  self->vtable->finalize (self);
}

LcImageDest *
lc_image_dest_ref (LcImageDest *self)
{
  g_atomic_int_inc (&self->ref_count);
  return self;
}

void
lc_image_dest_unref (LcImageDest *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->description);
  self->vtable->finalize (self);
}

/* File helpers */

#define SPOOL_BUFFER (1024 * 1024)

gboolean
lc_blob_spool (const char *dir, const char *prefix, GInputStream *stream, const char *digest,
               gint64 expected_size, char **out_tmp_path, char **out_digest, gint64 *out_size,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *tmp = g_strdup_printf ("%s/%sXXXXXX", dir, prefix);
  g_autoptr(GInputStream) in = NULL;
  g_autoptr(GOutputStream) out = NULL;
  g_autofree guint8 *buf = NULL;
  guint64 total = 0;
  int fd;

  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    return lc_fail_errno (error, "creating a temporary file in %s", dir);
  out = g_unix_output_stream_new (fd, TRUE);
  in = digest ? g_object_ref (stream) : lc_verify_stream_new (stream, NULL, -1);
  if (!digest)
    g_filter_input_stream_set_close_base_stream (G_FILTER_INPUT_STREAM (in), FALSE);
  buf = g_malloc (SPOOL_BUFFER);
  for (;;)
    {
      gssize n;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        goto fail;
      n = g_input_stream_read (in, buf, SPOOL_BUFFER, cancellable, error);
      if (n < 0)
        goto fail;
      if (n == 0)
        break;
      if (!g_output_stream_write_all (out, buf, (gsize) n, NULL, cancellable, error))
        goto fail;
      total += (guint64) n;
    }
  if (!g_output_stream_close (out, cancellable, error))
    goto fail;
  if (!digest)
    digest = lc_verify_stream_get_digest (LC_VERIFY_STREAM (in));
  if (expected_size >= 0 && (gint64) total != expected_size)
    {
      lc_fail (error, LC_ERROR_DIGEST_MISMATCH,
               "Size mismatch when copying %s, expected %" G_GINT64_FORMAT ", got %" G_GINT64_FORMAT,
               digest, expected_size, (gint64) total);
      goto fail;
    }
  if (out_digest)
    *out_digest = g_strdup (digest);
  if (out_size)
    *out_size = (gint64) total;
  *out_tmp_path = g_steal_pointer (&tmp);
  return TRUE;

fail:
  (void) g_unlink (tmp);
  return FALSE;
}

gboolean
lc_write_file_atomic (const char *path, const void *data, gsize len, GError **error)
{
  return g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT, 0644, error);
}

GBytes *
lc_read_file_limited (const char *path, gsize max, GError **error)
{
  g_autofree char *data = NULL;
  gsize len;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && (guint64) st.st_size > max)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s is too large (%" G_GUINT64_FORMAT " bytes, limit %"
               G_GSIZE_FORMAT ")", path, (guint64) st.st_size, max);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  if (len > max)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s is too large", path);
      return NULL;
    }
  return g_bytes_new_take (g_steal_pointer (&data), len);
}

gboolean
lc_image_rm_rf (const char *path, GError **error)
{
  GDir *dir;
  const char *name;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return errno == ENOENT ? TRUE : lc_fail_errno (error, "stat %s", path);
  if (!S_ISDIR (st.st_mode))
    return g_unlink (path) == 0 || errno == ENOENT ? TRUE : lc_fail_errno (error, "removing %s", path);
  dir = g_dir_open (path, 0, error);
  if (!dir)
    return FALSE;
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *child = g_build_filename (path, name, NULL);
      if (!lc_image_rm_rf (child, error))
        {
          g_dir_close (dir);
          return FALSE;
        }
    }
  g_dir_close (dir);
  if (g_rmdir (path) != 0 && errno != ENOENT)
    return lc_fail_errno (error, "removing %s", path);
  return TRUE;
}

char *
lc_make_temp_dir (const char *near_path, GError **error)
{
  const char *base = g_getenv ("TMPDIR");
  g_autofree char *tmpl = NULL;

  if (!base || !*base)
    base = "/var/tmp";
  if (!g_file_test (base, G_FILE_TEST_IS_DIR))
    base = g_get_tmp_dir ();
  tmpl = g_build_filename (base, "lc-image-XXXXXX", NULL);
  if (!g_mkdtemp_full (tmpl, 0700))
    {
      lc_fail_errno (error, "creating a temporary directory in %s", base);
      return NULL;
    }
  return g_steal_pointer (&tmpl);
}

char *
lc_archive_dest_temp_dir (const char *path, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "%s is a directory, not an archive file", path);
      return NULL;
    }
  return lc_make_temp_dir (path, error);
}
