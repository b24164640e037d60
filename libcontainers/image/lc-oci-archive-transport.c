/* lc-oci-archive-transport.c: `oci-archive:PATH[:REF]`, a tar of an OCI
 * layout. Reading extracts it into a temporary directory; writing builds a
 * layout in a temporary directory and, at commit, tars it to PATH through
 * a temporary file and a rename (so a failed copy leaves PATH untouched).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "common/lc-error-private.h"
#include "image/lc-archive-private.h"
#include "image/lc-blob-file-private.h"
#include "image/lc-oci-private.h"

typedef struct {
  LcImageSource parent;
  LcImageSource *inner;
  char *tmpdir;
} ArchiveSource;

static GBytes *
oa_get_manifest (LcImageSource *source, const char *instance_digest, char **out_media_type,
                 GCancellable *cancellable, GError **error)
{
  ArchiveSource *self = (ArchiveSource *) source;

  return self->inner->vtable->get_manifest (self->inner, instance_digest, out_media_type,
                                            cancellable, error);
}

static GInputStream *
oa_get_blob (LcImageSource *source, const char *digest, gint64 size, gint64 *out_size,
             GCancellable *cancellable, GError **error)
{
  ArchiveSource *self = (ArchiveSource *) source;

  return self->inner->vtable->get_blob (self->inner, digest, size, out_size, cancellable, error);
}

static void
oa_source_finalize (LcImageSource *source)
{
  ArchiveSource *self = (ArchiveSource *) source;

  lc_image_source_unref (self->inner);
  (void) lc_image_rm_rf (self->tmpdir, NULL);
  g_free (self->tmpdir);
  g_free (self);
}

static const LcImageSourceVTable oa_source_vtable = {
  .get_manifest = oa_get_manifest,
  .get_blob = oa_get_blob,
  .finalize = oa_source_finalize,
};

static LcImageSource *
oa_open_source (LcContext *context, const char *reference, LcCopyOptions *options,
                GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL, *ref = NULL, *tmpdir = NULL;
  g_autofree char *description = g_strconcat ("oci-archive:", reference, NULL);
  LcImageSource *inner;
  ArchiveSource *self;
  gint index;

  if (!lc_oci_split_reference (reference, FALSE, &path, &ref, &index, error))
    return NULL;
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "archive file not found: %s", path);
      return NULL;
    }
  tmpdir = lc_make_temp_dir (path, error);
  if (!tmpdir)
    return NULL;
  if (!lc_archive_extract (path, tmpdir, cancellable, error) ||
      !(inner = lc_oci_source_new (tmpdir, ref, -1, description, error)))
    {
      (void) lc_image_rm_rf (tmpdir, NULL);
      return NULL;
    }
  self = g_new0 (ArchiveSource, 1);
  lc_image_source_init (&self->parent, &oa_source_vtable, description);
  self->inner = inner;
  self->tmpdir = g_steal_pointer (&tmpdir);
  return &self->parent;
}

typedef struct {
  LcImageDest parent;
  LcImageDest *inner;
  char *tmpdir;    /* removed at the end */
  char *layout;    /* tmpdir/layout, what is tarred */
  char *path;
} ArchiveDest;

static const char *const *
oa_supported_manifest_types (LcImageDest *dest)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  return self->inner->vtable->supported_manifest_types (self->inner);
}

static LcDestFlags
oa_flags (LcImageDest *dest)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  return self->inner->vtable->flags (self->inner);
}

static gboolean
oa_has_blob (LcImageDest *dest, const char *digest, gint64 size, const char *src_repo,
             gboolean *out_has, gint64 *out_size, GCancellable *cancellable, GError **error)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  return self->inner->vtable->has_blob (self->inner, digest, size, src_repo, out_has, out_size,
                                        cancellable, error);
}

static gboolean
oa_put_blob (LcImageDest *dest, GInputStream *stream, const char *digest, gint64 size,
             const char *media_type, gboolean is_config, char **out_digest, gint64 *out_size,
             GCancellable *cancellable, GError **error)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  return self->inner->vtable->put_blob (self->inner, stream, digest, size, media_type, is_config,
                                        out_digest, out_size, cancellable, error);
}

static gboolean
oa_put_manifest (LcImageDest *dest, GBytes *manifest, const char *media_type,
                 const char *instance_digest, GCancellable *cancellable, GError **error)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  return self->inner->vtable->put_manifest (self->inner, manifest, media_type, instance_digest,
                                            cancellable, error);
}

static gboolean
oa_commit (LcImageDest *dest, GCancellable *cancellable, GError **error)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  if (!lc_oci_dest_commit (self->inner, cancellable, error))
    return FALSE;
  return lc_archive_write_tree (self->layout, self->path, cancellable, error);
}

static void
oa_dest_finalize (LcImageDest *dest)
{
  ArchiveDest *self = (ArchiveDest *) dest;

  lc_image_dest_unref (self->inner);
  (void) lc_image_rm_rf (self->tmpdir, NULL);
  g_free (self->tmpdir);
  g_free (self->layout);
  g_free (self->path);
  g_free (self);
}

static const LcImageDestVTable oa_dest_vtable = {
  .supported_manifest_types = oa_supported_manifest_types,
  .flags = oa_flags,
  .has_blob = oa_has_blob,
  .put_blob = oa_put_blob,
  .put_manifest = oa_put_manifest,
  .commit = oa_commit,
  .finalize = oa_dest_finalize,
};

static LcImageDest *
oa_open_dest (LcContext *context, const char *reference, LcCopyOptions *options,
              GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL, *ref = NULL, *tmpdir = NULL, *layout = NULL;
  g_autofree char *description = g_strconcat ("oci-archive:", reference, NULL);
  LcImageDest *inner;
  ArchiveDest *self;
  gint index;

  if (!lc_oci_split_reference (reference, FALSE, &path, &ref, &index, error))
    return NULL;
  tmpdir = lc_archive_dest_temp_dir (path, error);
  if (!tmpdir)
    return NULL;
  layout = g_build_filename (tmpdir, "layout", NULL);
  inner = lc_oci_dest_new (layout, ref, description, error);
  if (!inner)
    {
      (void) lc_image_rm_rf (tmpdir, NULL);
      return NULL;
    }
  self = g_new0 (ArchiveDest, 1);
  lc_image_dest_init (&self->parent, &oa_dest_vtable, description);
  self->inner = inner;
  self->tmpdir = g_steal_pointer (&tmpdir);
  self->path = g_steal_pointer (&path);
  self->layout = g_steal_pointer (&layout);
  return &self->parent;
}

const LcTransport lc_oci_archive_transport = {
  .name = "oci-archive",
  .open_source = oa_open_source,
  .open_dest = oa_open_dest,
};
