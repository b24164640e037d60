/* lc-docker-archive-transport.c: `docker-archive:PATH[:REF|:@N]`, the
 * format of `docker save`.
 *
 * Reading: the tar is indexed once (compressed archives and non-regular
 * files are first copied, decompressed, to a temporary file); the item of
 * manifest.json is chosen by RepoTag or position, and a Docker schema2
 * manifest is synthesized as containers/image does it: one layer per
 * rootfs.diff_id, digest = diff_id, size = uncompressed size, media type
 * ".tar.gzip" although the bytes are served uncompressed (the historical
 * quirk, kept so that digests agree with skopeo).
 *
 * Writing: blobs are staged in a temporary directory; commit writes the
 * tar (layers "HEX.tar" uncompressed, config "HEX.json", manifest.json,
 * and the legacy per-layer entries and "repositories" of docker save)
 * through a temporary file next to PATH and a rename.
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
#include <gio/gunixoutputstream.h>

#include "common/lc-error-private.h"
#include "image/lc-archive-private.h"
#include "image/lc-blob-file-private.h"
#include "image/lc-compression-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-image-ref-private.h"
#include "image/lc-manifest-private.h"
#include "image/lc-transport-private.h"

#define TAR_MANIFEST_MAX (1024 * 1024)

/* "PATH", "PATH:REF" (normalized, tagged) or "PATH:@N". */
static gboolean
split_reference (const char *reference, char **out_path, LcImageRef **out_ref, gint *out_index,
                 GError **error)
{
  const char *colon = strchr (reference, ':');
  g_autofree char *path = colon ? g_strndup (reference, (gsize) (colon - reference)) : g_strdup (reference);

  *out_ref = NULL;
  *out_index = -1;
  if (*path == '\0')
    return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "docker-archive reference %s: empty path", reference);
  if (colon && colon[1] == '@')
    {
      char *end = NULL;
      gint64 n;
      errno = 0;
      n = g_ascii_strtoll (colon + 2, &end, 10);
      if (!g_ascii_isdigit (colon[2]) || *end != '\0' || errno != 0 || n > G_MAXINT)
        return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Invalid source index %s", colon + 1);
      *out_index = (gint) n;
    }
  else if (colon && colon[1] != '\0')
    {
      g_autoptr(LcImageRef) ref = lc_image_ref_parse (colon + 1, error);
      if (!ref)
        return FALSE;
      if (lc_image_ref_get_digest (ref) != NULL)
        {
          g_autofree char *s = lc_image_ref_to_string (ref);
          return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "reference does not include a tag: %s", s);
        }
      if (lc_image_ref_get_tag (ref) == NULL)
        {
          LcImageRef *tagged = lc_image_ref_with_tag (ref, "latest", error);
          if (!tagged)
            return FALSE;
          g_clear_pointer (&ref, lc_image_ref_unref);
          ref = tagged;
        }
      *out_ref = g_steal_pointer (&ref);
    }
  *out_path = g_steal_pointer (&path);
  return TRUE;
}

/* Source */

typedef struct {
  char *name;         /* tar entry */
  char *diff_id;
  guint64 size;       /* uncompressed */
  LcCompressionKind compression;
} DaLayer;

typedef struct {
  LcImageSource parent;
  LcTarIndex *index;
  char *tmpfile;      /* decompressed copy, removed at the end */
  char *config_name;
  char *config_digest;
  GPtrArray *layers;  /* DaLayer* */
  GBytes *manifest;
} DaSource;

static void
da_layer_free (DaLayer *l)
{
  g_free (l->name);
  g_free (l->diff_id);
  g_free (l);
}

static GBytes *
da_get_manifest (LcImageSource *source, const char *instance_digest, char **out_media_type,
                 GCancellable *cancellable, GError **error)
{
  DaSource *self = (DaSource *) source;

  if (instance_digest != NULL)
    {
      g_autofree char *d = lc_digest_bytes (self->manifest);
      if (strcmp (d, instance_digest) != 0)
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "docker-archive has no manifest %s", instance_digest);
          return NULL;
        }
    }
  if (out_media_type)
    *out_media_type = g_strdup (LC_MT_DOCKER_V2S2);
  return g_bytes_ref (self->manifest);
}

static GInputStream *
da_get_blob (LcImageSource *source, const char *digest, gint64 size, gint64 *out_size,
             GCancellable *cancellable, GError **error)
{
  DaSource *self = (DaSource *) source;

  if (strcmp (digest, self->config_digest) == 0)
    {
      guint64 sz = 0;
      lc_tar_index_lookup (self->index, self->config_name, &sz);
      if (out_size)
        *out_size = (gint64) sz;
      return lc_tar_index_open (self->index, self->config_name, error);
    }
  for (guint i = 0; i < self->layers->len; i++)
    {
      DaLayer *l = self->layers->pdata[i];
      g_autoptr(GInputStream) raw = NULL;
      if (strcmp (l->diff_id, digest) != 0)
        continue;
      raw = lc_tar_index_open (self->index, l->name, error);
      if (!raw)
        return NULL;
      if (out_size)
        *out_size = (gint64) l->size;
      return lc_decompress_stream (raw, l->compression, error);
    }
  lc_fail (error, LC_ERROR_NOT_FOUND, "blob %s not found in %s", digest, source->description);
  return NULL;
}

static void
da_source_finalize (LcImageSource *source)
{
  DaSource *self = (DaSource *) source;

  lc_tar_index_free (self->index);
  if (self->tmpfile)
    (void) g_unlink (self->tmpfile);
  g_free (self->tmpfile);
  g_free (self->config_name);
  g_free (self->config_digest);
  g_clear_pointer (&self->layers, g_ptr_array_unref);
  g_clear_pointer (&self->manifest, g_bytes_unref);
  g_free (self);
}

static const LcImageSourceVTable da_source_vtable = {
  .get_manifest = da_get_manifest,
  .get_blob = da_get_blob,
  .finalize = da_source_finalize,
};

/* A copy of a compressed archive or a stream, decompressed, in a temporary file. */
static char *
spool_archive (const char *path, GCancellable *cancellable, GError **error)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GInputStream) in = G_INPUT_STREAM (g_file_read (file, cancellable, error));
  g_autoptr(GInputStream) buffered = NULL, plain = NULL;
  g_autofree char *tmpdir = NULL, *tmp = NULL, *moved = NULL;
  LcCompressionKind kind;

  if (!in)
    return NULL;
  buffered = g_buffered_input_stream_new (in);
  if (!lc_compression_detect_stream (G_BUFFERED_INPUT_STREAM (buffered), &kind, cancellable, error))
    return NULL;
  plain = lc_decompress_stream (buffered, kind, error);
  if (!plain)
    return NULL;
  tmpdir = lc_make_temp_dir (path, error);
  if (!tmpdir)
    return NULL;
  if (!lc_blob_spool (tmpdir, "archive", plain, "sha256:unused", -1, &tmp, NULL, NULL, cancellable, error))
    {
      (void) lc_image_rm_rf (tmpdir, NULL);
      return NULL;
    }
  /* Keep only the file: move it up next to the directory, drop the directory. */
  moved = g_strconcat (tmpdir, ".tar", NULL);
  if (g_rename (tmp, moved) != 0)
    {
      lc_fail_errno (error, "renaming %s", tmp);
      (void) lc_image_rm_rf (tmpdir, NULL);
      return NULL;
    }
  (void) lc_image_rm_rf (tmpdir, NULL);
  return g_steal_pointer (&moved);
}

static gboolean
is_plain_regular_tar (const char *path, GError **error)
{
  guint8 magic[8] = { 0 };
  int fd = open (path, O_RDONLY | O_CLOEXEC);
  GStatBuf st;
  ssize_t n;

  if (fd < 0)
    {
      if (errno == ENOENT)
        return lc_fail (error, LC_ERROR_NOT_FOUND, "archive file not found: %s", path);
      return lc_fail_errno (error, "opening %s", path);
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      close (fd);
      return FALSE;
    }
  n = read (fd, magic, sizeof magic);
  close (fd);
  return n > 0 && lc_compression_detect (magic, (gsize) n) == LC_COMPRESSION_KIND_NONE;
}

static char *
normalized_tag (const char *text)
{
  g_autoptr(LcImageRef) ref = lc_image_ref_parse (text, NULL);

  if (!ref || lc_image_ref_get_tag (ref) == NULL)
    return NULL;
  return lc_image_ref_to_string (ref);
}

static gboolean
measure_layer (DaSource *self, DaLayer *l, GCancellable *cancellable, GError **error)
{
  g_autoptr(GInputStream) raw = lc_tar_index_open (self->index, l->name, error);
  g_autoptr(GInputStream) buffered = NULL, plain = NULL;
  guint8 buf[65536];

  if (!raw)
    return FALSE;
  buffered = g_buffered_input_stream_new (raw);
  if (!lc_compression_detect_stream (G_BUFFERED_INPUT_STREAM (buffered), &l->compression, cancellable, error))
    return FALSE;
  if (l->compression == LC_COMPRESSION_KIND_NONE)
    return lc_tar_index_lookup (self->index, l->name, &l->size);
  plain = lc_decompress_stream (buffered, l->compression, error);
  if (!plain)
    return FALSE;
  l->size = 0;
  for (;;)
    {
      gssize n = g_input_stream_read (plain, buf, sizeof buf, cancellable, error);
      if (n < 0)
        return FALSE;
      if (n == 0)
        return TRUE;
      l->size += (guint64) n;
    }
}

static LcImageSource *
da_open_source (LcContext *context, const char *reference, LcCopyOptions *options,
                GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL, *description = g_strconcat ("docker-archive:", reference, NULL);
  g_autoptr(LcImageRef) ref = NULL;
  g_autoptr(GBytes) mbytes = NULL, config = NULL;
  g_autoptr(json_object) items = NULL, cfg = NULL;
  g_autoptr(GError) local_error = NULL;
  json_object *item = NULL, *layers, *rootfs, *diff_ids, *v;
  DaSource *self;
  gint index;
  gsize n;

  if (!split_reference (reference, &path, &ref, &index, error))
    return NULL;
  self = g_new0 (DaSource, 1);
  lc_image_source_init (&self->parent, &da_source_vtable, description);
  self->layers = g_ptr_array_new_with_free_func ((GDestroyNotify) da_layer_free);
  g_autoptr(LcImageSource) guard = &self->parent;

  if (!is_plain_regular_tar (path, &local_error))
    {
      if (local_error)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
      self->tmpfile = spool_archive (path, cancellable, error);
      if (!self->tmpfile)
        return NULL;
    }
  self->index = lc_tar_index_new (self->tmpfile ? self->tmpfile : path, cancellable, error);
  if (!self->index)
    return NULL;
  mbytes = lc_tar_index_read (self->index, "manifest.json", TAR_MANIFEST_MAX, error);
  if (!mbytes)
    {
      g_prefix_error (error, "loading tar component manifest.json: ");
      return NULL;
    }
  items = lc_json_parse (g_bytes_get_data (mbytes, NULL), g_bytes_get_size (mbytes), "manifest.json", error);
  if (!items)
    return NULL;
  if (!json_object_is_type (items, json_type_array))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "manifest.json: not an array");
      return NULL;
    }
  n = json_object_array_length (items);
  if (index >= 0)
    {
      if ((gsize) index >= n)
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "Invalid source index @%d, only %" G_GSIZE_FORMAT
                   " manifest items available", index, n);
          return NULL;
        }
      item = json_object_array_get_idx (items, (gsize) index);
    }
  else if (ref)
    {
      g_autofree char *want = lc_image_ref_to_string (ref);
      for (gsize i = 0; i < n && !item; i++)
        {
          json_object *it = json_object_array_get_idx (items, i), *tags;
          if (!json_object_object_get_ex (it, "RepoTags", &tags) || !json_object_is_type (tags, json_type_array))
            continue;
          for (gsize j = 0; j < json_object_array_length (tags) && !item; j++)
            {
              json_object *t = json_object_array_get_idx (tags, j);
              g_autofree char *norm = json_object_is_type (t, json_type_string)
                                        ? normalized_tag (json_object_get_string (t)) : NULL;
              if (norm && strcmp (norm, want) == 0)
                item = it;
            }
        }
      if (!item)
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "Tag \"%s\" not found", want);
          return NULL;
        }
      self->parent.docker_name = g_strdup (lc_image_ref_get_name (ref));
    }
  else
    {
      if (n != 1)
        {
          lc_fail (error, LC_ERROR_INVALID_REFERENCE,
                   "Unexpected tar manifest.json: expected 1 item, got %" G_GSIZE_FORMAT, n);
          return NULL;
        }
      item = json_object_array_get_idx (items, 0);
    }
  if (!json_object_is_type (item, json_type_object) || !json_object_object_get_ex (item, "Config", &v) ||
      !json_object_is_type (v, json_type_string) || !json_object_object_get_ex (item, "Layers", &layers) ||
      !json_object_is_type (layers, json_type_array))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "manifest.json: item without Config and Layers");
      return NULL;
    }
  self->config_name = g_strdup (json_object_get_string (v));
  config = lc_tar_index_read (self->index, self->config_name, LC_CONFIG_MAX_SIZE, error);
  if (!config)
    return NULL;
  self->config_digest = lc_digest_bytes (config);
  cfg = lc_json_parse (g_bytes_get_data (config, NULL), g_bytes_get_size (config), "image config", error);
  if (!cfg)
    return NULL;
  if (!json_object_is_type (cfg, json_type_object) || !json_object_object_get_ex (cfg, "rootfs", &rootfs) ||
      !json_object_object_get_ex (rootfs, "diff_ids", &diff_ids) ||
      !json_object_is_type (diff_ids, json_type_array) ||
      json_object_array_length (diff_ids) != json_object_array_length (layers))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA,
               "image config: rootfs.diff_ids missing or not matching the number of layers");
      return NULL;
    }
  for (gsize i = 0; i < json_object_array_length (layers); i++)
    {
      json_object *name = json_object_array_get_idx (layers, i);
      json_object *did = json_object_array_get_idx (diff_ids, i);
      DaLayer *l;

      if (!json_object_is_type (name, json_type_string) || !json_object_is_type (did, json_type_string) ||
          !lc_digest_validate (json_object_get_string (did), NULL))
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "manifest.json: invalid layer %" G_GSIZE_FORMAT, i);
          return NULL;
        }
      l = g_new0 (DaLayer, 1);
      l->name = g_strdup (json_object_get_string (name));
      l->diff_id = g_strdup (json_object_get_string (did));
      g_ptr_array_add (self->layers, l);
      if (!lc_tar_index_lookup (self->index, l->name, NULL))
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "manifest.json: layer %s not in the archive", l->name);
          return NULL;
        }
      if (!measure_layer (self, l, cancellable, error))
        return NULL;
    }
  /* The synthesized schema2 manifest. */
  {
    g_autoptr(json_object) m = json_object_new_object ();
    json_object *c = json_object_new_object (), *ls = json_object_new_array ();
    g_autofree char *text = NULL;

    json_object_object_add (m, "schemaVersion", json_object_new_int (2));
    json_object_object_add (m, "mediaType", json_object_new_string (LC_MT_DOCKER_V2S2));
    json_object_object_add (c, "mediaType", json_object_new_string (LC_MT_DOCKER_CONFIG));
    json_object_object_add (c, "size", json_object_new_int64 ((gint64) g_bytes_get_size (config)));
    json_object_object_add (c, "digest", json_object_new_string (self->config_digest));
    json_object_object_add (m, "config", c);
    for (guint i = 0; i < self->layers->len; i++)
      {
        DaLayer *l = self->layers->pdata[i];
        json_object *d = json_object_new_object ();
        json_object_object_add (d, "mediaType", json_object_new_string (LC_MT_DOCKER_LAYER_GZIP));
        json_object_object_add (d, "size", json_object_new_int64 ((gint64) l->size));
        json_object_object_add (d, "digest", json_object_new_string (l->diff_id));
        json_object_array_add (ls, d);
      }
    json_object_object_add (m, "layers", ls);
    text = lc_json_to_string (m);
    {
      gsize len = strlen (text);
      self->manifest = g_bytes_new_take (g_steal_pointer (&text), len);
    }
  }
  return g_steal_pointer (&guard);
}

/* Destination */

typedef struct {
  char *path;
  gint64 size;
} Staged;

typedef struct {
  LcImageDest parent;
  char *path;
  char *tmpdir;
  LcImageRef *ref;
  GMutex lock;
  GHashTable *staged;   /* digest → Staged */
  GBytes *manifest;
} DaDest;

static void
staged_free (Staged *s)
{
  g_free (s->path);
  g_free (s);
}

static const char *const *
da_supported_manifest_types (LcImageDest *dest)
{
  static const char *const types[] = { LC_MT_DOCKER_V2S2, NULL };
  return types;
}

static LcDestFlags
da_flags (LcImageDest *dest)
{
  return LC_DEST_WANTS_UNCOMPRESSED_LAYERS | LC_DEST_MUST_KNOW_SIZES;
}

static gboolean
da_has_blob (LcImageDest *dest, const char *digest, gint64 size, const char *src_repo,
             gboolean *out_has, gint64 *out_size, GCancellable *cancellable, GError **error)
{
  DaDest *self = (DaDest *) dest;
  Staged *s;

  g_mutex_lock (&self->lock);
  s = g_hash_table_lookup (self->staged, digest);
  *out_has = s != NULL && (size < 0 || s->size == size);
  if (*out_has && out_size)
    *out_size = s->size;
  g_mutex_unlock (&self->lock);
  return TRUE;
}

static gboolean
da_put_blob (LcImageDest *dest, GInputStream *stream, const char *digest, gint64 size,
             const char *media_type, gboolean is_config, char **out_digest, gint64 *out_size,
             GCancellable *cancellable, GError **error)
{
  DaDest *self = (DaDest *) dest;
  g_autofree char *tmp = NULL, *stored = NULL;
  gint64 written;
  Staged *s;

  if (!lc_blob_spool (self->tmpdir, "blob", stream, digest, size, &tmp, &stored, &written, cancellable, error))
    return FALSE;
  s = g_new0 (Staged, 1);
  s->path = g_steal_pointer (&tmp);
  s->size = written;
  g_mutex_lock (&self->lock);
  g_hash_table_replace (self->staged, g_strdup (stored), s);
  g_mutex_unlock (&self->lock);
  if (out_digest)
    *out_digest = g_steal_pointer (&stored);
  if (out_size)
    *out_size = written;
  return TRUE;
}

static gboolean
da_put_manifest (LcImageDest *dest, GBytes *manifest, const char *media_type,
                 const char *instance_digest, GCancellable *cancellable, GError **error)
{
  DaDest *self = (DaDest *) dest;

  if (instance_digest != NULL || g_strcmp0 (media_type, LC_MT_DOCKER_V2S2) != 0)
    return lc_fail (error, LC_ERROR_UNSUPPORTED, "Unsupported manifest type, need a Docker schema 2 manifest");
  g_clear_pointer (&self->manifest, g_bytes_unref);
  self->manifest = g_bytes_ref (manifest);
  return TRUE;
}

static gboolean
write_entry (struct archive *a, const char *name, const char *file, const void *data, gsize len,
             const char *symlink, GError **error)
{
  struct archive_entry *entry = archive_entry_new ();
  GStatBuf st;
  gint64 size = file ? 0 : (gint64) len;

  if (file)
    {
      if (g_stat (file, &st) != 0)
        {
          archive_entry_free (entry);
          return lc_fail_errno (error, "stat %s", file);
        }
      size = st.st_size;
    }
  archive_entry_set_pathname (entry, name);
  if (symlink)
    {
      archive_entry_set_filetype (entry, AE_IFLNK);
      archive_entry_set_perm (entry, 0);
      archive_entry_set_symlink (entry, symlink);
      archive_entry_set_size (entry, 0);
    }
  else
    {
      archive_entry_set_filetype (entry, AE_IFREG);
      archive_entry_set_perm (entry, 0444);
      archive_entry_set_size (entry, size);
    }
  archive_entry_set_uid (entry, 0);
  archive_entry_set_gid (entry, 0);
  archive_entry_set_mtime (entry, 0, 0);
  if (archive_write_header (a, entry) != ARCHIVE_OK)
    {
      archive_entry_free (entry);
      return lc_fail (error, LC_ERROR_IO, "writing tar header: %s", archive_error_string (a));
    }
  archive_entry_free (entry);
  if (symlink)
    return TRUE;
  if (file)
    {
      g_autofree char *buf = g_malloc (1 << 20);
      int fd = open (file, O_RDONLY | O_CLOEXEC);
      ssize_t n;
      if (fd < 0)
        return lc_fail_errno (error, "opening %s", file);
      while ((n = read (fd, buf, 1 << 20)) > 0)
        if (archive_write_data (a, buf, (size_t) n) != n)
          {
            close (fd);
            return lc_fail (error, LC_ERROR_IO, "writing tar: %s", archive_error_string (a));
          }
      close (fd);
      return n == 0 ? TRUE : lc_fail_errno (error, "reading %s", file);
    }
  if (len > 0 && archive_write_data (a, data, len) != (la_ssize_t) len)
    return lc_fail (error, LC_ERROR_IO, "writing tar: %s", archive_error_string (a));
  return TRUE;
}

static void append_go_json (GString *out, json_object *v);

static void
append_go_json (GString *out, json_object *v)
{
  switch (json_object_get_type (v))
    {
    case json_type_null:
      g_string_append (out, "null");
      break;
    case json_type_string:
      lc_json_append_go_string (out, json_object_get_string (v));
      break;
    case json_type_object:
      {
        gboolean first = TRUE;
        g_string_append_c (out, '{');
        json_object_object_foreach (v, key, val)
          {
            if (!first)
              g_string_append_c (out, ',');
            first = FALSE;
            lc_json_append_go_string (out, key);
            g_string_append_c (out, ':');
            append_go_json (out, val);
          }
        g_string_append_c (out, '}');
      }
      break;
    case json_type_array:
      g_string_append_c (out, '[');
      for (gsize i = 0; i < json_object_array_length (v); i++)
        {
          if (i)
            g_string_append_c (out, ',');
          append_go_json (out, json_object_array_get_idx (v, i));
        }
      g_string_append_c (out, ']');
      break;
    default:
      g_string_append (out, json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN));
      break;
    }
}

/* Keys sorted, values verbatim (nested objects keep their order). */
static char *
legacy_serialize (GTree *fields)
{
  GString *out = g_string_new ("{");
  gboolean first = TRUE;
  GTreeNode *node;

  for (node = g_tree_node_first (fields); node; node = g_tree_node_next (node))
    {
      if (!first)
        g_string_append_c (out, ',');
      first = FALSE;
      lc_json_append_go_string (out, g_tree_node_key (node));
      g_string_append_c (out, ':');
      append_go_json (out, g_tree_node_value (node));
    }
  g_string_append_c (out, '}');
  return g_string_free (out, FALSE);
}

static gint
compare_keys (gconstpointer a, gconstpointer b, gpointer user_data)
{
  return strcmp (a, b);
}

static void
put_json (gpointer data)
{
  json_object_put (data);
}

static gboolean
da_commit (LcImageDest *dest, GCancellable *cancellable, GError **error)
{
  DaDest *self = (DaDest *) dest;
  g_autoptr(LcManifest) m = NULL;
  g_autoptr(json_object) cfg = NULL;
  g_autoptr(GBytes) config = NULL;
  g_autoptr(GPtrArray) layer_names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = NULL, *base = NULL, *tmp = NULL, *config_name = NULL, *last_id = NULL;
  g_autofree char *parent_id = NULL, *chain = NULL;
  g_autofree char *tag_string = self->ref ? lc_image_ref_to_string (self->ref) : NULL;
  struct archive *a = NULL;
  Staged *cs;
  gboolean ok = FALSE;
  int fd = -1;

  if (!self->manifest)
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "%s: commit without a manifest", dest->description);
  m = lc_manifest_parse (self->manifest, LC_MT_DOCKER_V2S2, error);
  if (!m)
    return FALSE;
  cs = g_hash_table_lookup (self->staged, m->config->digest);
  if (!cs)
    return lc_fail (error, LC_ERROR_NOT_FOUND, "config %s was not written", m->config->digest);
  config = lc_read_file_limited (cs->path, LC_CONFIG_MAX_SIZE, error);
  if (!config)
    return FALSE;
  cfg = lc_json_parse (g_bytes_get_data (config, NULL), g_bytes_get_size (config), "image config", error);
  if (!cfg)
    return FALSE;
  if (!json_object_is_type (cfg, json_type_object))
    return lc_fail (error, LC_ERROR_INVALID_DATA, "image config: not an object");

  dir = g_path_get_dirname (self->path);
  base = g_path_get_basename (self->path);
  tmp = g_strdup_printf ("%s/.%s.XXXXXX", dir, base);
  fd = g_mkstemp_full (tmp, O_RDWR | O_CLOEXEC, 0644);
  if (fd < 0)
    return lc_fail_errno (error, "creating a temporary file next to %s", self->path);
  a = archive_write_new ();
  archive_write_set_format_pax_restricted (a);
  archive_write_set_bytes_in_last_block (a, 1);
  if (archive_write_open_fd (a, fd) != ARCHIVE_OK)
    {
      lc_fail (error, LC_ERROR_IO, "writing %s: %s", tmp, archive_error_string (a));
      goto out;
    }
  /* Layers, then the config. */
  for (guint i = 0; i < m->layers->len; i++)
    {
      LcDescriptor *d = m->layers->pdata[i];
      Staged *s = g_hash_table_lookup (self->staged, d->digest);
      g_autofree char *name = g_strconcat (lc_digest_hex (d->digest), ".tar", NULL);
      gboolean dup = FALSE;

      if (!s)
        {
          lc_fail (error, LC_ERROR_NOT_FOUND, "layer %s was not written", d->digest);
          goto out;
        }
      for (guint j = 0; j < layer_names->len; j++)
        dup = dup || strcmp (layer_names->pdata[j], name) == 0;
      if (!dup && !write_entry (a, name, s->path, NULL, 0, NULL, error))
        goto out;
      g_ptr_array_add (layer_names, g_steal_pointer (&name));
    }
  config_name = g_strconcat (lc_digest_hex (m->config->digest), ".json", NULL);
  if (!write_entry (a, config_name, cs->path, NULL, 0, NULL, error))
    goto out;
  /* Legacy entries for old `docker load`. */
  for (guint i = 0; i < m->layers->len; i++)
    {
      LcDescriptor *d = m->layers->pdata[i];
      g_autoptr(GTree) fields = g_tree_new_full (compare_keys, NULL, NULL, put_json);
      g_autofree char *text = NULL, *id = NULL, *text2 = NULL, *link = NULL, *e_json = NULL;
      g_autofree char *e_version = NULL, *e_layer = NULL, *new_chain = NULL;

      if (i == 0)
        new_chain = g_strdup (d->digest);
      else
        {
          g_autofree char *joined = g_strconcat (chain, " ", d->digest, NULL);
          new_chain = lc_digest_data ((const guint8 *) joined, strlen (joined));
        }
      g_free (chain);
      chain = g_steal_pointer (&new_chain);
      if (parent_id)
        g_tree_insert (fields, (gpointer) "parent", json_object_new_string (parent_id));
      if (i == m->layers->len - 1)
        {
          static const char *const keys[] = { "architecture", "config", "container", "container_config",
                                              "created", "docker_version", "os" };
          for (gsize k = 0; k < G_N_ELEMENTS (keys); k++)
            {
              json_object *val = NULL;
              json_object_object_get_ex (cfg, keys[k], &val);
              g_tree_insert (fields, (gpointer) keys[k], val ? json_object_get (val) : NULL);
            }
        }
      g_tree_insert (fields, (gpointer) "layer_id", json_object_new_string (chain));
      text = legacy_serialize (fields);
      id = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
      g_tree_remove (fields, "layer_id");
      g_tree_insert (fields, (gpointer) "id", json_object_new_string (id));
      text2 = legacy_serialize (fields);
      e_layer = g_strconcat (id, "/layer.tar", NULL);
      e_version = g_strconcat (id, "/VERSION", NULL);
      e_json = g_strconcat (id, "/json", NULL);
      link = g_strconcat ("../", lc_digest_hex (d->digest), ".tar", NULL);
      if (!write_entry (a, e_layer, NULL, NULL, 0, link, error) ||
          !write_entry (a, e_version, NULL, "1.0", 3, NULL, error) ||
          !write_entry (a, e_json, NULL, text2, strlen (text2), NULL, error))
        goto out;
      g_free (parent_id);
      parent_id = g_strdup (id);
      g_free (last_id);
      last_id = g_steal_pointer (&id);
    }
  /* manifest.json and repositories. */
  {
    GString *mj = g_string_new ("[{\"Config\":");
    g_autofree char *mjs = NULL;
    lc_json_append_go_string (mj, config_name);
    g_string_append (mj, ",\"RepoTags\":[");
    if (tag_string)
      lc_json_append_go_string (mj, tag_string);
    g_string_append (mj, "],\"Layers\":[");
    for (guint i = 0; i < layer_names->len; i++)
      {
        if (i)
          g_string_append_c (mj, ',');
        lc_json_append_go_string (mj, layer_names->pdata[i]);
      }
    g_string_append (mj, "]}]");
    mjs = g_string_free (mj, FALSE);
    if (!write_entry (a, "manifest.json", NULL, mjs, strlen (mjs), NULL, error))
      goto out;
    if (self->ref && last_id)
      {
        GString *r = g_string_new ("{");
        g_autofree char *rs = NULL;
        lc_json_append_go_string (r, lc_image_ref_get_name (self->ref));
        g_string_append (r, ":{");
        lc_json_append_go_string (r, lc_image_ref_get_tag (self->ref));
        g_string_append_c (r, ':');
        lc_json_append_go_string (r, last_id);
        g_string_append (r, "}}");
        rs = g_string_free (r, FALSE);
        if (!write_entry (a, "repositories", NULL, rs, strlen (rs), NULL, error))
          goto out;
      }
  }
  if (archive_write_close (a) != ARCHIVE_OK)
    {
      lc_fail (error, LC_ERROR_IO, "writing %s: %s", tmp, archive_error_string (a));
      goto out;
    }
  if (g_rename (tmp, self->path) != 0)
    {
      lc_fail_errno (error, "renaming %s to %s", tmp, self->path);
      goto out;
    }
  ok = TRUE;
out:
  if (a)
    archive_write_free (a);
  if (fd >= 0)
    close (fd);
  if (!ok)
    (void) g_unlink (tmp);
  return ok;
}

static void
da_dest_finalize (LcImageDest *dest)
{
  DaDest *self = (DaDest *) dest;

  (void) lc_image_rm_rf (self->tmpdir, NULL);
  g_hash_table_unref (self->staged);
  g_clear_pointer (&self->manifest, g_bytes_unref);
  g_clear_pointer (&self->ref, lc_image_ref_unref);
  g_mutex_clear (&self->lock);
  g_free (self->tmpdir);
  g_free (self->path);
  g_free (self);
}

static const LcImageDestVTable da_dest_vtable = {
  .supported_manifest_types = da_supported_manifest_types,
  .flags = da_flags,
  .has_blob = da_has_blob,
  .put_blob = da_put_blob,
  .put_manifest = da_put_manifest,
  .commit = da_commit,
  .finalize = da_dest_finalize,
};

static LcImageDest *
da_open_dest (LcContext *context, const char *reference, LcCopyOptions *options,
              GCancellable *cancellable, GError **error)
{
  g_autofree char *path = NULL, *tmpdir = NULL;
  g_autofree char *description = g_strconcat ("docker-archive:", reference, NULL);
  g_autoptr(LcImageRef) ref = NULL;
  DaDest *self;
  gint index;

  if (!split_reference (reference, &path, &ref, &index, error))
    return NULL;
  if (index >= 0)
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "Destination reference must not contain a manifest index @%d",
               index);
      return NULL;
    }
  tmpdir = lc_archive_dest_temp_dir (path, error);
  if (!tmpdir)
    return NULL;
  self = g_new0 (DaDest, 1);
  lc_image_dest_init (&self->parent, &da_dest_vtable, description);
  self->path = g_steal_pointer (&path);
  self->tmpdir = g_steal_pointer (&tmpdir);
  self->ref = g_steal_pointer (&ref);
  self->staged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) staged_free);
  g_mutex_init (&self->lock);
  return &self->parent;
}

const LcTransport lc_docker_archive_transport = {
  .name = "docker-archive",
  .open_source = da_open_source,
  .open_dest = da_open_dest,
};
