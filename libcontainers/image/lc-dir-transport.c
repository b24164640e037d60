/* lc-dir-transport.c: the `dir:` transport of containers/image.
 *
 * A directory with "version" ("Directory Transport Version: 1.1\n"),
 * "manifest.json" (the top-level manifest, list instances as
 * "HEX.manifest.json") and one file per blob named by the digest's hex.
 * An existing non-empty directory is only overwritten when it has that
 * version file. Without commit, the files this destination created are
 * removed again.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "common/lc-error-private.h"
#include "image/lc-blob-file-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-image-ref-private.h"
#include "image/lc-manifest-private.h"
#include "image/lc-transport-private.h"

#define DIR_VERSION "Directory Transport Version: 1.1\n"

static char *
dir_blob_path (const char *dir, const char *digest, GError **error)
{
  if (!lc_digest_validate (digest, error))
    return NULL;
  return g_build_filename (dir, lc_digest_hex (digest), NULL);
}

static char *
dir_manifest_path (const char *dir, const char *instance_digest, GError **error)
{
  g_autofree char *name = NULL;

  if (instance_digest == NULL)
    return g_build_filename (dir, "manifest.json", NULL);
  if (!lc_digest_validate (instance_digest, error))
    return NULL;
  name = g_strconcat (lc_digest_hex (instance_digest), ".manifest.json", NULL);
  return g_build_filename (dir, name, NULL);
}

typedef struct {
  LcImageSource parent;
  char *dir;
} DirSource;

static GBytes *
dir_get_manifest (LcImageSource *source, const char *instance_digest, char **out_media_type,
                  GCancellable *cancellable, GError **error)
{
  DirSource *self = (DirSource *) source;
  g_autofree char *path = dir_manifest_path (self->dir, instance_digest, error);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (!path)
    return NULL;
  bytes = lc_read_file_limited (path, LC_MANIFEST_MAX_SIZE, &local_error);
  if (!bytes && instance_digest != NULL &&
      g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      /* An image copied without --all: the instance may be the top one. */
      g_autofree char *top = g_build_filename (self->dir, "manifest.json", NULL);
      g_clear_error (&local_error);
      bytes = lc_read_file_limited (top, LC_MANIFEST_MAX_SIZE, &local_error);
    }
  if (!bytes)
    {
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        lc_fail (error, LC_ERROR_NOT_FOUND, "%s: no manifest %s", self->dir,
                 instance_digest ? instance_digest : "manifest.json");
      else
        g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (instance_digest && !lc_digest_verify_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                                 instance_digest, -1, error))
    return NULL;
  if (out_media_type)
    *out_media_type = NULL;
  return g_steal_pointer (&bytes);
}

static GInputStream *
dir_get_blob (LcImageSource *source, const char *digest, gint64 size, gint64 *out_size,
              GCancellable *cancellable, GError **error)
{
  DirSource *self = (DirSource *) source;
  g_autofree char *path = dir_blob_path (self->dir, digest, error);

  if (!path)
    return NULL;
  return lc_open_blob_file (path, digest, out_size, cancellable, error);
}

static void
dir_source_finalize (LcImageSource *source)
{
  DirSource *self = (DirSource *) source;

  g_free (self->dir);
  g_free (self);
}

static const LcImageSourceVTable dir_source_vtable = {
  .get_manifest = dir_get_manifest,
  .get_blob = dir_get_blob,
  .finalize = dir_source_finalize,
};

static LcImageSource *
dir_open_source (LcContext *context, const char *reference, LcCopyOptions *options,
                 GCancellable *cancellable, GError **error)
{
  g_autofree char *description = g_strconcat ("dir:", reference, NULL);
  DirSource *self;

  if (*reference == '\0')
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "dir: empty path");
      return NULL;
    }
  if (!g_file_test (reference, G_FILE_TEST_IS_DIR))
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "%s: no such directory", reference);
      return NULL;
    }
  self = g_new0 (DirSource, 1);
  lc_image_source_init (&self->parent, &dir_source_vtable, description);
  self->dir = g_strdup (reference);
  return &self->parent;
}

typedef struct {
  LcImageDest parent;
  char *dir;
  GMutex lock;
  gboolean prepared;
  gboolean created_dir;
  gboolean committed;
  GPtrArray *created;
} DirDest;

/* Empties an existing image directory (or creates it) and writes version. */
static gboolean
dir_prepare (DirDest *self, GError **error)
{
  g_autofree char *version = g_build_filename (self->dir, "version", NULL);
  gboolean ok = TRUE;

  g_mutex_lock (&self->lock);
  if (self->prepared)
    goto out;
  if (!g_file_test (self->dir, G_FILE_TEST_IS_DIR))
    {
      if (g_mkdir_with_parents (self->dir, 0755) != 0)
        {
          ok = lc_fail_errno (error, "creating %s", self->dir);
          goto out;
        }
      self->created_dir = TRUE;
    }
  else
    {
      GDir *d = g_dir_open (self->dir, 0, error);
      const char *name;
      if (!d)
        {
          ok = FALSE;
          goto out;
        }
      while (ok && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (self->dir, name, NULL);
          ok = lc_image_rm_rf (child, error);
        }
      g_dir_close (d);
      if (!ok)
        goto out;
    }
  ok = lc_write_file_atomic (version, DIR_VERSION, strlen (DIR_VERSION), error);
  if (ok)
    g_ptr_array_add (self->created, g_strdup (version));
  self->prepared = ok;
out:
  g_mutex_unlock (&self->lock);
  return ok;
}

static const char *const *
dir_supported_manifest_types (LcImageDest *dest)
{
  return NULL;
}

static LcDestFlags
dir_flags (LcImageDest *dest)
{
  return LC_DEST_PRESERVES_COMPRESSION;
}

static gboolean
dir_has_blob (LcImageDest *dest, const char *digest, gint64 size, const char *src_repo,
              gboolean *out_has, gint64 *out_size, GCancellable *cancellable, GError **error)
{
  /* The directory is emptied when writing starts: nothing is there to reuse. */
  *out_has = FALSE;
  return TRUE;
}

static void
dir_note (DirDest *self, const char *path)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->created, g_strdup (path));
  g_mutex_unlock (&self->lock);
}

static gboolean
dir_put_blob (LcImageDest *dest, GInputStream *stream, const char *digest, gint64 size,
              const char *media_type, gboolean is_config, char **out_digest, gint64 *out_size,
              GCancellable *cancellable, GError **error)
{
  DirDest *self = (DirDest *) dest;
  g_autofree char *tmp = NULL, *stored = NULL, *path = NULL;
  gint64 written;

  if (!dir_prepare (self, error))
    return FALSE;
  if (!lc_blob_spool (self->dir, "dir-put-blob", stream, digest, size, &tmp, &stored, &written,
                      cancellable, error))
    return FALSE;
  path = dir_blob_path (self->dir, stored, error);
  if (!path || g_rename (tmp, path) != 0)
    {
      int errsv = errno;
      (void) g_unlink (tmp);
      return path ? lc_fail_errno_value (error, errsv, "renaming into %s", path) : FALSE;
    }
  dir_note (self, path);
  if (out_digest)
    *out_digest = g_steal_pointer (&stored);
  if (out_size)
    *out_size = written;
  return TRUE;
}

static gboolean
dir_put_manifest (LcImageDest *dest, GBytes *manifest, const char *media_type,
                  const char *instance_digest, GCancellable *cancellable, GError **error)
{
  DirDest *self = (DirDest *) dest;
  g_autofree char *path = NULL;

  if (!dir_prepare (self, error))
    return FALSE;
  path = dir_manifest_path (self->dir, instance_digest, error);
  if (!path || !lc_write_file_atomic (path, g_bytes_get_data (manifest, NULL),
                                      g_bytes_get_size (manifest), error))
    return FALSE;
  dir_note (self, path);
  return TRUE;
}

static gboolean
dir_commit (LcImageDest *dest, GCancellable *cancellable, GError **error)
{
  DirDest *self = (DirDest *) dest;

  if (!dir_prepare (self, error))
    return FALSE;
  self->committed = TRUE;
  return TRUE;
}

static void
dir_dest_finalize (LcImageDest *dest)
{
  DirDest *self = (DirDest *) dest;

  if (!self->committed)
    {
      if (self->created_dir)
        (void) lc_image_rm_rf (self->dir, NULL);
      else
        for (guint i = 0; i < self->created->len; i++)
          (void) g_unlink (self->created->pdata[i]);
    }
  g_ptr_array_unref (self->created);
  g_mutex_clear (&self->lock);
  g_free (self->dir);
  g_free (self);
}

static const LcImageDestVTable dir_dest_vtable = {
  .supported_manifest_types = dir_supported_manifest_types,
  .flags = dir_flags,
  .has_blob = dir_has_blob,
  .put_blob = dir_put_blob,
  .put_manifest = dir_put_manifest,
  .commit = dir_commit,
  .finalize = dir_dest_finalize,
};

static LcImageDest *
dir_open_dest (LcContext *context, const char *reference, LcCopyOptions *options,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *description = g_strconcat ("dir:", reference, NULL);
  DirDest *self;

  if (*reference == '\0')
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "dir: empty path");
      return NULL;
    }
  if (g_file_test (reference, G_FILE_TEST_EXISTS))
    {
      g_autofree char *version = g_build_filename (reference, "version", NULL);
      g_autofree char *content = NULL;
      GDir *d;
      gboolean empty;

      if (!g_file_test (reference, G_FILE_TEST_IS_DIR))
        {
          lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "%s exists and is not a directory", reference);
          return NULL;
        }
      d = g_dir_open (reference, 0, error);
      if (!d)
        return NULL;
      empty = g_dir_read_name (d) == NULL;
      g_dir_close (d);
      if (!empty && (!g_file_get_contents (version, &content, NULL, NULL) ||
                     strcmp (content, DIR_VERSION) != 0))
        {
          lc_fail (error, LC_ERROR_ALREADY_EXISTS,
                   "%s: not a containers image directory, don't want to overwrite important data",
                   reference);
          return NULL;
        }
    }
  self = g_new0 (DirDest, 1);
  lc_image_dest_init (&self->parent, &dir_dest_vtable, description);
  self->dir = g_strdup (reference);
  self->created = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->lock);
  return &self->parent;
}

const LcTransport lc_dir_transport = {
  .name = "dir",
  .open_source = dir_open_source,
  .open_dest = dir_open_dest,
};
