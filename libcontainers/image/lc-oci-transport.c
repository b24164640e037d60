/* lc-oci-transport.c: the `oci:` transport, an OCI image layout directory.
 *
 * Reading: index.json chooses the manifest (by ref-name annotation, by
 * position "@N", or the only entry); blobs come from blobs/ALG/HEX.
 * Writing: blobs go to a temporary file in the layout, then are renamed
 * into blobs/; oci-layout and index.json are written at commit, atomically.
 * A destination that is dropped without commit removes the blobs and
 * directories it created, so a failed copy leaves the layout as it was.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "image/lc-blob-file-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-image-ref-private.h"
#include "image/lc-manifest-private.h"
#include "image/lc-oci-private.h"

#define OCI_LAYOUT_CONTENT "{\"imageLayoutVersion\": \"1.0.0\"}"

/* ref := component ('/' component)*, component := alnum+ (sep alnum+)*,
 * sep := [-._:@+] | "--" */
static gboolean
valid_ref_name (const char *ref)
{
  const char *p = ref;

  if (*p == '\0')
    return FALSE;
  for (;;)
    {
      if (!g_ascii_isalnum (*p))
        return FALSE;
      while (g_ascii_isalnum (*p))
        p++;
      if (*p == '\0')
        return TRUE;
      if (*p == '/')
        {
          p++;
          continue;
        }
      if (p[0] == '-' && p[1] == '-')
        p += 2;
      else if (strchr ("-._:@+", *p) != NULL)
        p++;
      else
        return FALSE;
    }
}

gboolean
lc_oci_split_reference (const char *reference, gboolean allow_index, char **out_path,
                        char **out_ref, gint *out_index, GError **error)
{
  const char *colon = strchr (reference, ':');
  g_autofree char *path = colon ? g_strndup (reference, (gsize) (colon - reference)) : g_strdup (reference);
  const char *ref = colon ? colon + 1 : "";

  *out_index = -1;
  *out_ref = NULL;
  if (*path == '\0')
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Invalid image reference \"%s\": empty path",
                    reference);
  if (*ref == '@')
    {
      char *end = NULL;
      gint64 n;
      if (!allow_index)
        return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Invalid image %s", ref);
      errno = 0;
      n = g_ascii_strtoll (ref + 1, &end, 10);
      if (ref[1] == '\0' || *end != '\0' || errno != 0 || !g_ascii_isdigit (ref[1]))
        return lc_fail (error, LC_ERROR_INVALID_REFERENCE,
                        "Invalid source index %s: not an integer", ref);
      if (n > G_MAXINT)
        return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Invalid source index %s: too large", ref);
      *out_index = (gint) n;
    }
  else if (*ref != '\0')
    {
      if (!valid_ref_name (ref))
        return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Invalid image %s", ref);
      *out_ref = g_strdup (ref);
    }
  *out_path = g_steal_pointer (&path);
  return TRUE;
}

static char *
blob_path (const char *dir, const char *digest, GError **error)
{
  const char *colon;

  if (!lc_digest_validate (digest, error))
    return NULL;
  colon = strchr (digest, ':');
  {
    g_autofree char *alg = g_strndup (digest, (gsize) (colon - digest));
    return g_build_filename (dir, "blobs", alg, colon + 1, NULL);
  }
}

static json_object *
load_index (const char *dir, gboolean must_exist, GError **error)
{
  g_autofree char *path = g_build_filename (dir, "index.json", NULL);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GBytes) bytes = lc_read_file_limited (path, LC_MANIFEST_MAX_SIZE, &local_error);
  json_object *root, *manifests;

  if (!bytes)
    {
      if (!must_exist && g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          root = json_object_new_object ();
          json_object_object_add (root, "schemaVersion", json_object_new_int (2));
          json_object_object_add (root, "manifests", json_object_new_array ());
          return root;
        }
      if (g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "%s: not an OCI layout (no index.json)", dir);
          return NULL;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  root = lc_json_parse (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), path, error);
  if (!root)
    return NULL;
  if (!json_object_is_type (root, json_type_object) ||
      !json_object_object_get_ex (root, "manifests", &manifests) ||
      !json_object_is_type (manifests, json_type_array))
    {
      json_object_put (root);
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s: missing \"manifests\" array", path);
      return NULL;
    }
  return root;
}

static const char *
entry_ref_name (json_object *entry)
{
  json_object *ann, *v;

  if (json_object_object_get_ex (entry, "annotations", &ann) && json_object_is_type (ann, json_type_object) &&
      json_object_object_get_ex (ann, LC_ANNOTATION_REF_NAME, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

static const char *
entry_string (json_object *entry, const char *key)
{
  json_object *v;

  if (json_object_object_get_ex (entry, key, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

/* Source */

typedef struct {
  LcImageSource parent;
  char *dir;
  char *digest;       /* of the chosen top-level manifest */
  char *media_type;   /* from the descriptor; may be NULL */
  gint64 size;
} OciSource;

static GBytes *
oci_get_manifest (LcImageSource *source, const char *instance_digest, char **out_media_type,
                  GCancellable *cancellable, GError **error)
{
  OciSource *self = (OciSource *) source;
  const char *digest = instance_digest ? instance_digest : self->digest;
  g_autofree char *path = blob_path (self->dir, digest, error);
  g_autoptr(GBytes) bytes = NULL;

  if (!path)
    return NULL;
  bytes = lc_read_file_limited (path, LC_MANIFEST_MAX_SIZE, error);
  if (!bytes)
    return NULL;
  if (!lc_digest_verify_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), digest,
                              instance_digest ? -1 : self->size, error))
    {
      g_prefix_error (error, "manifest %s in %s: ", digest, self->dir);
      return NULL;
    }
  if (out_media_type)
    *out_media_type = instance_digest ? NULL : g_strdup (self->media_type);
  return g_steal_pointer (&bytes);
}

GInputStream *
lc_open_blob_file (const char *path, const char *digest, gint64 *out_size, GCancellable *cancellable,
                   GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) local_error = NULL;
  g_autoptr(GFileInputStream) in = g_file_read (file, cancellable, &local_error);
  g_autoptr(GFileInfo) info = NULL;

  if (!in)
    {
      if (g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "blob %s not found (%s)", digest, path);
          return NULL;
        }
      g_propagate_error (error, g_steal_pointer (&local_error));
      return NULL;
    }
  if (out_size)
    {
      info = g_file_input_stream_query_info (in, G_FILE_ATTRIBUTE_STANDARD_SIZE, cancellable, NULL);
      *out_size = info ? g_file_info_get_size (info) : -1;
    }
  return G_INPUT_STREAM (g_steal_pointer (&in));
}

static GInputStream *
oci_get_blob (LcImageSource *source, const char *digest, gint64 size, gint64 *out_size,
              GCancellable *cancellable, GError **error)
{
  OciSource *self = (OciSource *) source;
  g_autofree char *path = blob_path (self->dir, digest, error);

  if (!path)
    return NULL;
  return lc_open_blob_file (path, digest, out_size, cancellable, error);
}

static void
oci_source_finalize (LcImageSource *source)
{
  OciSource *self = (OciSource *) source;

  g_free (self->dir);
  g_free (self->digest);
  g_free (self->media_type);
  g_free (self);
}

static const LcImageSourceVTable oci_source_vtable = {
  .get_manifest = oci_get_manifest,
  .get_blob = oci_get_blob,
  .finalize = oci_source_finalize,
};

static gboolean
supported_top_type (const char *mt)
{
  return mt && (lc_media_type_is_manifest (mt) || lc_media_type_is_list (mt));
}

LcImageSource *
lc_oci_source_new (const char *dir, const char *ref, gint index, const char *description, GError **error)
{
  g_autoptr(json_object) root = load_index (dir, TRUE, error);
  json_object *manifests, *chosen = NULL;
  gsize n;
  OciSource *self;
  const char *digest, *mt;
  json_object *v;
  gboolean unsupported_match = FALSE;

  if (!root)
    return NULL;
  json_object_object_get_ex (root, "manifests", &manifests);
  n = json_object_array_length (manifests);
  if (index >= 0)
    {
      if ((gsize) index >= n)
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "index %d is too large, only %" G_GSIZE_FORMAT
                   " entries available", index, n);
          return NULL;
        }
      chosen = json_object_array_get_idx (manifests, (gsize) index);
    }
  else if (ref == NULL)
    {
      if (n != 1)
        {
          lc_fail (error, n == 0 ? LC_ERROR_NOT_FOUND : LC_ERROR_INVALID_REFERENCE,
                   n == 0 ? "no image in %s" : "more than one image in %s, choose an image", dir);
          return NULL;
        }
      chosen = json_object_array_get_idx (manifests, 0);
    }
  else
    {
      for (gsize i = 0; i < n && !chosen; i++)
        {
          json_object *e = json_object_array_get_idx (manifests, i);
          if (g_strcmp0 (entry_ref_name (e), ref) != 0)
            continue;
          if (supported_top_type (entry_string (e, "mediaType")))
            chosen = e;
          else
            unsupported_match = TRUE;
        }
      if (!chosen)
        {
          if (unsupported_match)
            lc_fail (error, LC_ERROR_UNSUPPORTED, "reference \"%s\" matches unsupported manifest MIME types", ref);
          else
            lc_fail (error, LC_ERROR_NOT_FOUND, "no descriptor found for reference \"%s\"", ref);
          return NULL;
        }
    }
  if (!json_object_is_type (chosen, json_type_object) || !(digest = entry_string (chosen, "digest")) ||
      !lc_digest_validate (digest, NULL))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s/index.json: invalid descriptor", dir);
      return NULL;
    }
  mt = entry_string (chosen, "mediaType");
  self = g_new0 (OciSource, 1);
  lc_image_source_init (&self->parent, &oci_source_vtable, description);
  self->dir = g_strdup (dir);
  self->digest = g_strdup (digest);
  self->media_type = g_strdup (mt);
  self->size = json_object_object_get_ex (chosen, "size", &v) && json_object_is_type (v, json_type_int)
                 ? json_object_get_int64 (v) : -1;
  return &self->parent;
}

/* Destination */

typedef struct {
  LcImageDest parent;
  char *dir;
  char *ref;
  json_object *index;
  GMutex lock;
  GPtrArray *created;   /* paths created by this destination, removed without commit */
  gboolean committed;
  char *top_digest, *top_media_type;
  gint64 top_size;
} OciDest;

static void
note_created (OciDest *self, const char *path)
{
  g_mutex_lock (&self->lock);
  g_ptr_array_add (self->created, g_strdup (path));
  g_mutex_unlock (&self->lock);
}

static gboolean
ensure_dir (OciDest *self, const char *path, GError **error)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    return TRUE;
  if (g_mkdir (path, 0755) != 0)
    {
      if (errno == EEXIST)
        return TRUE;
      return lc_fail_errno (error, "creating %s", path);
    }
  note_created (self, path);
  return TRUE;
}

static gboolean
ensure_blob_dir (OciDest *self, const char *alg, GError **error)
{
  g_autofree char *blobs = g_build_filename (self->dir, "blobs", NULL);
  g_autofree char *algdir = g_build_filename (blobs, alg, NULL);
  gboolean ok;

  /* Serialized: directory creation must be noted once. */
  static GMutex mkdir_lock;
  g_mutex_lock (&mkdir_lock);
  ok = ensure_dir (self, self->dir, error) && ensure_dir (self, blobs, error) &&
       ensure_dir (self, algdir, error);
  g_mutex_unlock (&mkdir_lock);
  return ok;
}

static const char *const *
oci_supported_manifest_types (LcImageDest *dest)
{
  static const char *const types[] = { LC_MT_OCI_MANIFEST, LC_MT_OCI_INDEX, NULL };
  return types;
}

static LcDestFlags
oci_flags (LcImageDest *dest)
{
  return LC_DEST_NEEDS_NOTHING;
}

static gboolean
oci_has_blob (LcImageDest *dest, const char *digest, gint64 size, const char *src_repo,
              gboolean *out_has, gint64 *out_size, GCancellable *cancellable, GError **error)
{
  OciDest *self = (OciDest *) dest;
  g_autofree char *path = blob_path (self->dir, digest, error);
  GStatBuf st;

  if (!path)
    return FALSE;
  *out_has = g_stat (path, &st) == 0 && S_ISREG (st.st_mode) && (size < 0 || st.st_size == size);
  if (*out_has && out_size)
    *out_size = st.st_size;
  return TRUE;
}

static gboolean
store_file (OciDest *self, const char *tmp, const char *digest, GError **error)
{
  g_autofree char *path = blob_path (self->dir, digest, error);
  gboolean existed;

  if (!path)
    {
      (void) g_unlink (tmp);
      return FALSE;
    }
  existed = g_file_test (path, G_FILE_TEST_EXISTS);
  if (g_rename (tmp, path) != 0)
    {
      int errsv = errno;
      (void) g_unlink (tmp);
      return lc_fail_errno_value (error, errsv, "renaming into %s", path);
    }
  if (!existed)
    note_created (self, path);
  return TRUE;
}

static gboolean
oci_put_blob (LcImageDest *dest, GInputStream *stream, const char *digest, gint64 size,
              const char *media_type, gboolean is_config, char **out_digest, gint64 *out_size,
              GCancellable *cancellable, GError **error)
{
  OciDest *self = (OciDest *) dest;
  g_autofree char *tmp = NULL, *stored = NULL;
  g_autofree char *alg = g_strndup (digest ? digest : "sha256", digest ? strcspn (digest, ":") : 6);
  gint64 written = -1;

  if (!ensure_blob_dir (self, alg, error))
    return FALSE;
  if (!lc_blob_spool (self->dir, "oci-put-blob", stream, digest, size, &tmp, &stored, &written,
                      cancellable, error))
    return FALSE;
  if (!store_file (self, tmp, stored, error))
    return FALSE;
  if (out_digest)
    *out_digest = g_steal_pointer (&stored);
  if (out_size)
    *out_size = written;
  return TRUE;
}

static gboolean
oci_put_manifest (LcImageDest *dest, GBytes *manifest, const char *media_type,
                  const char *instance_digest, GCancellable *cancellable, GError **error)
{
  OciDest *self = (OciDest *) dest;
  g_autofree char *digest = lc_digest_bytes (manifest);
  g_autofree char *path = blob_path (self->dir, digest, error);
  gboolean existed;

  if (!path || !ensure_blob_dir (self, "sha256", error))
    return FALSE;
  existed = g_file_test (path, G_FILE_TEST_EXISTS);
  if (!lc_write_file_atomic (path, g_bytes_get_data (manifest, NULL), g_bytes_get_size (manifest), error))
    return FALSE;
  if (!existed)
    note_created (self, path);
  if (instance_digest == NULL)
    {
      g_free (self->top_digest);
      g_free (self->top_media_type);
      self->top_digest = g_steal_pointer (&digest);
      self->top_media_type = g_strdup (media_type);
      self->top_size = (gint64) g_bytes_get_size (manifest);
    }
  return TRUE;
}

static void
update_index (OciDest *self)
{
  json_object *manifests, *entry;
  gsize n;
  gboolean replaced = FALSE;

  json_object_object_get_ex (self->index, "manifests", &manifests);
  n = json_object_array_length (manifests);
  if (self->ref)
    for (gsize i = 0; i < n; i++)
      {
        json_object *e = json_object_array_get_idx (manifests, i), *ann;
        if (g_strcmp0 (entry_ref_name (e), self->ref) == 0)
          {
            json_object_object_get_ex (e, "annotations", &ann);
            json_object_object_del (ann, LC_ANNOTATION_REF_NAME);
            if (json_object_object_length (ann) == 0)
              json_object_object_del (e, "annotations");
            break;
          }
      }
  entry = json_object_new_object ();
  json_object_object_add (entry, "mediaType", json_object_new_string (self->top_media_type));
  json_object_object_add (entry, "digest", json_object_new_string (self->top_digest));
  json_object_object_add (entry, "size", json_object_new_int64 (self->top_size));
  if (self->ref)
    {
      json_object *ann = json_object_new_object ();
      json_object_object_add (ann, LC_ANNOTATION_REF_NAME, json_object_new_string (self->ref));
      json_object_object_add (entry, "annotations", ann);
    }
  for (gsize i = 0; i < n && !replaced; i++)
    {
      json_object *e = json_object_array_get_idx (manifests, i);
      if (g_strcmp0 (entry_string (e, "digest"), self->top_digest) == 0 && entry_ref_name (e) == NULL)
        {
          json_object_array_put_idx (manifests, i, entry);
          replaced = TRUE;
        }
    }
  if (!replaced)
    json_object_array_add (manifests, entry);
}

gboolean
lc_oci_dest_commit (LcImageDest *dest, GCancellable *cancellable, GError **error)
{
  OciDest *self = (OciDest *) dest;
  g_autofree char *layout = g_build_filename (self->dir, "oci-layout", NULL);
  g_autofree char *index = g_build_filename (self->dir, "index.json", NULL);
  g_autofree char *text = NULL;

  if (self->top_digest == NULL)
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "%s: commit without a manifest", dest->description);
  if (!ensure_blob_dir (self, "sha256", error))
    return FALSE;
  update_index (self);
  text = lc_json_to_string (self->index);
  if (!lc_write_file_atomic (layout, OCI_LAYOUT_CONTENT, strlen (OCI_LAYOUT_CONTENT), error) ||
      !lc_write_file_atomic (index, text, strlen (text), error))
    return FALSE;
  self->committed = TRUE;
  return TRUE;
}

static void
oci_dest_finalize (LcImageDest *dest)
{
  OciDest *self = (OciDest *) dest;

  if (!self->committed)
    for (guint i = self->created->len; i > 0; i--)
      {
        const char *p = self->created->pdata[i - 1];
        if (g_file_test (p, G_FILE_TEST_IS_DIR))
          (void) g_rmdir (p);
        else
          (void) g_unlink (p);
      }
  g_ptr_array_unref (self->created);
  json_object_put (self->index);
  g_mutex_clear (&self->lock);
  g_free (self->dir);
  g_free (self->ref);
  g_free (self->top_digest);
  g_free (self->top_media_type);
  g_free (self);
}

static const LcImageDestVTable oci_dest_vtable = {
  .supported_manifest_types = oci_supported_manifest_types,
  .flags = oci_flags,
  .has_blob = oci_has_blob,
  .put_blob = oci_put_blob,
  .put_manifest = oci_put_manifest,
  .commit = lc_oci_dest_commit,
  .finalize = oci_dest_finalize,
};

LcImageDest *
lc_oci_dest_new (const char *dir, const char *ref, const char *description, GError **error)
{
  json_object *index;
  OciDest *self;

  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !g_file_test (dir, G_FILE_TEST_IS_DIR))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "%s exists and is not a directory", dir);
      return NULL;
    }
  index = load_index (dir, FALSE, error);
  if (!index)
    return NULL;
  self = g_new0 (OciDest, 1);
  lc_image_dest_init (&self->parent, &oci_dest_vtable, description);
  self->dir = g_strdup (dir);
  self->ref = g_strdup (ref);
  self->index = index;
  self->created = g_ptr_array_new_with_free_func (g_free);
  g_mutex_init (&self->lock);
  return &self->parent;
}

static LcImageSource *
oci_open_source (LcContext *context, const char *reference, LcCopyOptions *options,
                 GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL, *ref = NULL, *description = NULL;
  gint index;

  if (!lc_oci_split_reference (reference, TRUE, &path, &ref, &index, error))
    return NULL;
  description = g_strconcat ("oci:", reference, NULL);
  return lc_oci_source_new (path, ref, index, description, error);
}

static LcImageDest *
oci_open_dest (LcContext *context, const char *reference, LcCopyOptions *options,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL, *ref = NULL, *description = NULL;
  gint index;

  if (!lc_oci_split_reference (reference, TRUE, &path, &ref, &index, error))
    return NULL;
  if (index >= 0)
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Destination reference must not contain a manifest index @%d",
               index);
      return NULL;
    }
  description = g_strconcat ("oci:", reference, NULL);
  return lc_oci_dest_new (path, ref, description, error);
}

const LcTransport lc_oci_transport = {
  .name = "oci",
  .open_source = oci_open_source,
  .open_dest = oci_open_dest,
};
