/* lc-store-images.c: images of an LcStore: records, names, big data,
 * lookup, deletion (spec §2.3, §3.1, §3.2, §5.9).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-store-private.h"

/* ---- LcImage ------------------------------------------------------------ */

/**
 * LcImage:
 *
 * A snapshot of an image record of an #LcStore: ID, names, manifest
 * digest, top layer, creation time, big-data keys and size (layers plus
 * big data, as `podman images` counts it). It does not change when the
 * store does.
 *
 * Thread safety: immutable; share freely between threads.
 *
 * Since: 1.0
 */
struct _LcImage
{
  gint ref_count;
  char *id;
  char **names;
  char **names_history;
  char *digest;
  char *top_layer;
  char *created;
  char *metadata;
  char **big_data_names;
  gint64 size;
};

G_DEFINE_BOXED_TYPE (LcImage, lc_image, lc_image_ref, lc_image_unref)

LcImage *
lc_image_new_from_record (json_object *record, gint64 size)
{
  LcImage *self = g_new0 (LcImage, 1);

  self->ref_count = 1;
  self->id = g_strdup (lc_json_get_string (record, "id"));
  self->names = lc_json_dup_strv (record, "names");
  self->names_history = lc_json_dup_strv (record, "names-history");
  self->digest = g_strdup (lc_json_get_string (record, "digest"));
  self->top_layer = g_strdup (lc_json_get_string (record, "layer"));
  self->created = g_strdup (lc_json_get_string (record, "created"));
  self->metadata = g_strdup (lc_json_get_string (record, "metadata"));
  self->big_data_names = lc_json_dup_strv (record, "big-data-names");
  self->size = size;
  return self;
}

/**
 * lc_image_ref:
 * @self: a #LcImage
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
LcImage *
lc_image_ref (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_image_unref:
 * @self: (nullable): a #LcImage
 *
 * Drops a reference; %NULL is a no-op.
 *
 * Since: 1.0
 */
void
lc_image_unref (LcImage *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->id);
  g_strfreev (self->names);
  g_strfreev (self->names_history);
  g_free (self->digest);
  g_free (self->top_layer);
  g_free (self->created);
  g_free (self->metadata);
  g_strfreev (self->big_data_names);
  g_free (self);
}

/**
 * lc_image_get_id:
 * @self: a #LcImage
 *
 * Returns: (transfer none): the image ID (for pulled images, the hex of
 *   the config digest)
 *
 * Since: 1.0
 */
const char *
lc_image_get_id (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

/**
 * lc_image_get_names:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (array zero-terminated=1): the names
 *   (`host/path:tag`, `host/path@digest`), maybe empty
 *
 * Since: 1.0
 */
const char * const *
lc_image_get_names (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->names;
}

/**
 * lc_image_get_names_history:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (array zero-terminated=1): every name the image
 *   had, newest first
 *
 * Since: 1.0
 */
const char * const *
lc_image_get_names_history (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->names_history;
}

/**
 * lc_image_get_digest:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (nullable): the digest of its manifest
 *
 * Since: 1.0
 */
const char *
lc_image_get_digest (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->digest;
}

/**
 * lc_image_get_top_layer:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (nullable): the ID of its top layer, or %NULL for
 *   an image without layers
 *
 * Since: 1.0
 */
const char *
lc_image_get_top_layer (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->top_layer;
}

/**
 * lc_image_get_created:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (nullable): the creation time, RFC 3339 (for
 *   pulled images, the config's `created`)
 *
 * Since: 1.0
 */
const char *
lc_image_get_created (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->created;
}

/**
 * lc_image_get_metadata:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (nullable): the free-form metadata text
 *
 * Since: 1.0
 */
const char *
lc_image_get_metadata (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->metadata;
}

/**
 * lc_image_get_big_data_names:
 * @self: a #LcImage
 *
 * Returns: (transfer none) (array zero-terminated=1): the big-data keys
 *   (`manifest`, `sha256:<config>`, ...), in the order they were added
 *
 * Since: 1.0
 */
const char * const *
lc_image_get_big_data_names (LcImage *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->big_data_names;
}

/**
 * lc_image_get_size:
 * @self: a #LcImage
 *
 * Returns: the uncompressed size of its layers plus its big data, in bytes
 *
 * Since: 1.0
 */
gint64
lc_image_get_size (LcImage *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->size;
}

/* ---- internals -------------------------------------------------------------- */

static gint64
image_size (LcStore *self, json_object *rec)
{
  gint64 size = lc_store_layer_chain_size (self, lc_json_get_string (rec, "layer"));
  json_object *sizes;

  if (json_object_object_get_ex (rec, "big-data-sizes", &sizes) && json_object_is_type (sizes, json_type_object))
    {
      json_object_object_foreach (sizes, key, val)
        {
          (void) key;
          size += json_object_get_int64 (val);
        }
    }
  return size;
}

static gboolean
image_has_digest (json_object *rec, const char *digest)
{
  json_object *digests;

  if (g_strcmp0 (lc_json_get_string (rec, "digest"), digest) == 0)
    return TRUE;
  if (json_object_object_get_ex (rec, "big-data-digests", &digests) && json_object_is_type (digests, json_type_object))
    {
      json_object_object_foreach (digests, key, val)
        if (g_str_has_prefix (key, "manifest") && g_strcmp0 (json_object_get_string (val), digest) == 0)
          return TRUE;
    }
  return FALSE;
}

/* "busybox" matches docker.io/library/busybox:latest and
 * localhost/busybox:latest; "127.0.0.1:5000/x:1" matches itself. */
static gboolean
name_matches (const char *stored, const char *query)
{
  g_autofree char *q = NULL;
  const char *slash = strrchr (query, '/');
  const char *last = slash ? slash + 1 : query;
  gsize slen, qlen;

  if (strchr (query, '@') == NULL && strchr (last, ':') == NULL)
    q = g_strconcat (query, ":latest", NULL);
  else
    q = g_strdup (query);
  if (g_str_equal (stored, q))
    return TRUE;
  slen = strlen (stored);
  qlen = strlen (q);
  return slen > qlen && stored[slen - qlen - 1] == '/' && g_str_equal (stored + slen - qlen, q);
}

static json_object *
find_image (LcStore *self, const char *name, GError **error)
{
  LcRecordFile *rf = &self->images;
  json_object *rec;
  gboolean hex = TRUE;

  if ((rec = lc_record_file_find (rf, name)) != NULL)
    return rec;
  if (g_str_has_prefix (name, "sha256:") && strlen (name) == 71)
    {
      if ((rec = g_hash_table_lookup (rf->by_id, name + 7)) != NULL)
        return rec;
      for (size_t i = 0; i < json_object_array_length (rf->records); i++)
        if (image_has_digest (json_object_array_get_idx (rf->records, i), name))
          return json_object_array_get_idx (rf->records, i);
    }
  for (const char *p = name; *p; p++)
    if (!g_ascii_isxdigit (*p) || g_ascii_isupper (*p))
      hex = FALSE;
  if (hex && strlen (name) >= 3)
    {
      g_autoptr(GError) local = NULL;
      rec = lc_record_file_find_prefix (rf, name, &local);
      if (rec != NULL)
        return rec;
      if (!g_error_matches (local, LC_ERROR, LC_ERROR_NOT_FOUND))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }
  {
    const char *at = strchr (name, '@');
    for (size_t i = 0; i < json_object_array_length (rf->records); i++)
      {
        json_object *r = json_object_array_get_idx (rf->records, i), *names;
        if (at != NULL && image_has_digest (r, at + 1))
          {
            /* name@digest: the repository must match one of its names too */
            g_autofree char *repo = g_strndup (name, (gsize) (at - name));
            g_auto(GStrv) ns = lc_json_dup_strv (r, "names");
            for (char **n = ns; *n; n++)
              {
                g_autofree char *nrepo = g_strndup (*n, strcspn (*n, "@"));
                char *colon = strrchr (nrepo, ':');
                if (colon && !strchr (colon, '/'))
                  *colon = '\0';
                if (g_str_equal (nrepo, repo) || g_str_has_suffix (nrepo, repo))
                  return r;
              }
          }
        if (json_object_object_get_ex (r, "names", &names) && json_object_is_type (names, json_type_array))
          for (size_t j = 0; j < json_object_array_length (names); j++)
            if (name_matches (json_object_get_string (json_object_array_get_idx (names, j)), name))
              return r;
      }
  }
  lc_fail (error, LC_ERROR_NOT_FOUND, "%s: image not known", name);
  return NULL;
}

json_object *
lc_store_find_image_locked (LcStore *self, const char *name, GError **error)
{
  return find_image (self, name, error);
}

static char *
image_dir (LcStore *self, const char *id)
{
  return g_build_filename (self->images.dir, id, NULL);
}

/* Writes a big-data item of an image record (images.lock held for writing,
 * saving up to the caller). Over lc_record_set_big_data, images have one
 * rule more: the first manifest* item sets the image's digest, which is
 * the item's recorded digest (the sha256 of @data when @digest is NULL). */
static gboolean
set_image_big_data (LcStore *self, json_object *rec, const char *key, GBytes *data, const char *digest,
                    GError **error)
{
  g_autofree char *computed = NULL;

  if (digest == NULL)
    {
      g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, data);
      digest = computed = g_strconcat ("sha256:", hex, NULL);
    }
  if (!lc_record_set_big_data (&self->images, rec, key, data, digest, error))
    return FALSE;
  if (g_str_has_prefix (key, "manifest") && lc_json_get_string (rec, "digest") == NULL)
    json_object_object_add (rec, "digest", json_object_new_string (digest));
  return TRUE;
}

/* Takes @name away from every other image (as c/storage's AddNames). */
static void
steal_name (LcStore *self, json_object *keep, const char *name)
{
  for (size_t i = 0; i < json_object_array_length (self->images.records); i++)
    {
      json_object *r = json_object_array_get_idx (self->images.records, i);
      if (r != keep && lc_json_strv_contains (r, "names", name))
        lc_json_strv_remove (r, "names", name);
    }
}

/* Locks layers (shared) then images; layers are needed for sizes. */
static gboolean
lock_layers_images (LcStore *self, gboolean images_exclusive, GCancellable *cancellable, GError **error)
{
  if (!lc_record_file_lock (&self->layers, FALSE, cancellable, error))
    return FALSE;
  if (!lc_record_file_lock (&self->images, images_exclusive, cancellable, error))
    {
      lc_record_file_unlock (&self->layers);
      return FALSE;
    }
  return TRUE;
}

static void
unlock_layers_images (LcStore *self)
{
  lc_record_file_unlock (&self->images);
  lc_record_file_unlock (&self->layers);
}

/* ---- public ---------------------------------------------------------------- */

/**
 * lc_store_list_images:
 * @self: a #LcStore
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Lists the images of the store, in the order of images.json.
 *
 * Returns: (transfer container) (element-type LcImage): the images, or %NULL
 *   with @error set
 *
 * Since: 1.0
 */
GPtrArray *
lc_store_list_images (LcStore *self, GCancellable *cancellable, GError **error)
{
  GPtrArray *out;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lock_layers_images (self, FALSE, cancellable, error))
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_image_unref);
  for (size_t i = 0; i < json_object_array_length (self->images.records); i++)
    {
      json_object *rec = json_object_array_get_idx (self->images.records, i);
      g_ptr_array_add (out, lc_image_new_from_record (rec, image_size (self, rec)));
    }
  unlock_layers_images (self);
  return out;
}

/**
 * lc_store_lookup_image:
 * @self: a #LcStore
 * @name: an image ID, a unique prefix of one (3 characters or more), a
 *   manifest digest (`sha256:…`), a full name (`host/path:tag`,
 *   `host/path@digest`) or a short one (`busybox`, `busybox:1.36`, which
 *   match any registry, `:latest` implied)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 *   (%LC_ERROR_NOT_FOUND)
 *
 * Since: 1.0
 */
LcImage *
lc_store_lookup_image (LcStore *self, const char *name, GCancellable *cancellable, GError **error)
{
  json_object *rec;
  LcImage *image = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  if (!lock_layers_images (self, FALSE, cancellable, error))
    return NULL;
  rec = find_image (self, name, error);
  if (rec != NULL)
    image = lc_image_new_from_record (rec, image_size (self, rec));
  unlock_layers_images (self);
  return image;
}

/**
 * lc_store_create_image:
 * @self: a #LcStore
 * @id: (nullable): the image ID (for an image from a registry: the hex of
 *   its config digest), or %NULL for a random one
 * @top_layer: (nullable): the ID of its top layer, or %NULL
 * @names: (nullable) (array zero-terminated=1): names to give it; other
 *   images that have them lose them
 * @created: (nullable): the creation time (RFC 3339), or %NULL for now
 * @metadata: (nullable): free-form metadata
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Records a new image. %LC_ERROR_ALREADY_EXISTS if @id is taken.
 *
 * Returns: (transfer full): the image, or %NULL with @error set
 *
 * Since: 1.0
 */
LcImage *
lc_store_create_image (LcStore *self, const char *id, const char *top_layer, const char * const *names,
                       const char *created, const char *metadata, GCancellable *cancellable, GError **error)
{
  g_autofree char *new_id = id ? g_strdup (id) : lc_random_id ();
  g_autofree char *now = NULL;
  json_object *rec, *top = NULL;
  LcImage *image = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lc_is_valid_id (new_id))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid image ID %s", new_id);
      return NULL;
    }
  if (!lock_layers_images (self, TRUE, cancellable, error))
    return NULL;
  if (top_layer != NULL && (top = g_hash_table_lookup (self->layers.by_id, top_layer)) == NULL)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "layer %s not known", top_layer);
      goto out;
    }
  if (g_hash_table_lookup (self->images.by_id, new_id) != NULL)
    {
      lc_fail (error, LC_ERROR_ALREADY_EXISTS, "an image with ID %s already exists", new_id);
      goto out;
    }
  rec = json_object_new_object ();
  json_object_object_add (rec, "id", json_object_new_string (new_id));
  for (const char * const *n = names; n != NULL && *n != NULL; n++)
    {
      steal_name (self, rec, *n);
      lc_json_strv_append_unique (rec, "names", *n);
      lc_json_strv_prepend_unique (rec, "names-history", *n);
    }
  if (top != NULL)
    json_object_object_add (rec, "layer", json_object_new_string (top_layer));
  if (metadata != NULL && *metadata != '\0')
    json_object_object_add (rec, "metadata", json_object_new_string (metadata));
  if (created == NULL)
    created = now = lc_time_now_rfc3339 ();
  json_object_object_add (rec, "created", json_object_new_string (created));
  lc_record_file_append (&self->images, rec);
  if (!lc_record_file_save (&self->images, error))
    {
      lc_record_file_remove (&self->images, rec);
      goto out;
    }
  image = lc_image_new_from_record (rec, image_size (self, rec));
out:
  unlock_layers_images (self);
  return image;
}

LcImage *
lc_store_commit_image (LcStore *self, const char *id, const char *top_layer, const char *created,
                       const char *metadata, const LcBigDataItem *items, gsize n_items, const char *name,
                       GCancellable *cancellable, GError **error)
{
  json_object *rec;
  gboolean is_new = FALSE;
  LcImage *image = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lc_is_valid_id (id))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid image ID %s", id);
      return NULL;
    }
  for (gsize i = 0; i < n_items; i++)
    if (items[i].digest != NULL && !lc_is_valid_digest (items[i].digest))
      {
        lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid digest %s", items[i].digest);
        return NULL;
      }
  if (!lock_layers_images (self, TRUE, cancellable, error))
    return NULL;
  if (top_layer != NULL && g_hash_table_lookup (self->layers.by_id, top_layer) == NULL)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "layer %s not known", top_layer);
      goto out;
    }
  rec = g_hash_table_lookup (self->images.by_id, id);
  if (rec != NULL && g_strcmp0 (lc_json_get_string (rec, "layer"), top_layer) != 0)
    {
      lc_fail (error, LC_ERROR_ALREADY_EXISTS, "image %s exists with another top layer (duplicate ID)", id);
      goto out;
    }
  if (rec == NULL)
    {
      g_autofree char *now = NULL;

      is_new = TRUE;
      rec = json_object_new_object ();
      json_object_object_add (rec, "id", json_object_new_string (id));
      if (top_layer != NULL)
        json_object_object_add (rec, "layer", json_object_new_string (top_layer));
      if (metadata != NULL && *metadata != '\0')
        json_object_object_add (rec, "metadata", json_object_new_string (metadata));
      if (created == NULL)
        created = now = lc_time_now_rfc3339 ();
      json_object_object_add (rec, "created", json_object_new_string (created));
    }
  else if (metadata != NULL && *metadata != '\0' && lc_json_get_string (rec, "metadata") == NULL)
    json_object_object_add (rec, "metadata", json_object_new_string (metadata));
  for (gsize i = 0; i < n_items; i++)
    if (!set_image_big_data (self, rec, items[i].key, items[i].data, items[i].digest, error))
      goto fail;
  if (name != NULL)
    {
      steal_name (self, rec, name);
      lc_json_strv_append_unique (rec, "names", name);
      lc_json_strv_prepend_unique (rec, "names-history", name);
    }
  if (is_new)
    lc_record_file_append (&self->images, rec);
  if (!lc_record_file_save (&self->images, error))
    {
      if (is_new)
        lc_record_file_remove (&self->images, rec);
      goto out;
    }
  image = lc_image_new_from_record (rec, image_size (self, rec));
  goto out;

fail:
  if (is_new)
    json_object_put (rec);
out:
  unlock_layers_images (self);
  return image;
}

/**
 * lc_store_set_image_big_data:
 * @self: a #LcStore
 * @id: the image (ID, prefix or name)
 * @key: the key: `manifest`, `manifest-<digest>`, `<config digest>`,
 *   `signature-<hex>`, ...
 * @data: the bytes
 * @digest: (nullable): the digest to record (for a manifest, its manifest
 *   digest), or %NULL for the sha256 of @data
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Stores a big-data item of an image in its directory, under the file name
 * containers/storage uses for @key, and records its size and digest. The
 * first `manifest*` item sets the image's digest.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_set_image_big_data (LcStore *self, const char *id, const char *key, GBytes *data, const char *digest,
                             GCancellable *cancellable, GError **error)
{
  json_object *rec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (key != NULL && *key != '\0' && data != NULL, FALSE);
  if (digest != NULL && !lc_is_valid_digest (digest))
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid digest %s", digest);
  if (!lc_record_file_lock (&self->images, TRUE, cancellable, error))
    return FALSE;
  rec = find_image (self, id, error);
  if (rec == NULL)
    goto out;
  if (!set_image_big_data (self, rec, key, data, digest, error))
    goto out;
  ok = lc_record_file_save (&self->images, error);
out:
  lc_record_file_unlock (&self->images);
  return ok;
}

/**
 * lc_store_get_image_big_data:
 * @self: a #LcStore
 * @id: the image (ID, prefix or name)
 * @key: the big-data key
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the bytes, or %NULL with @error set
 *   (%LC_ERROR_NOT_FOUND when the image has no such item)
 *
 * Since: 1.0
 */
GBytes *
lc_store_get_image_big_data (LcStore *self, const char *id, const char *key, GCancellable *cancellable,
                             GError **error)
{
  g_autofree char *path = NULL;
  g_autofree char *fname = NULL;
  g_autofree char *dir = NULL;
  char *data = NULL;
  gsize len = 0;
  json_object *rec;
  GBytes *out = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);
  if (!lc_record_file_lock (&self->images, FALSE, cancellable, error))
    return NULL;
  rec = find_image (self, id, error);
  if (rec == NULL)
    goto out;
  if (!lc_json_strv_contains (rec, "big-data-names", key))
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "image %s has no big data \"%s\"", id, key);
      goto out;
    }
  dir = image_dir (self, lc_json_get_string (rec, "id"));
  fname = lc_big_data_file_name (key);
  path = g_build_filename (dir, fname, NULL);
  if (!g_file_get_contents (path, &data, &len, error))
    goto out;
  out = g_bytes_new_take (data, len);
out:
  lc_record_file_unlock (&self->images);
  return out;
}

/**
 * lc_store_add_image_name:
 * @self: a #LcStore
 * @id: the image (ID, prefix or name)
 * @name: the name to add, fully qualified (`localhost/x:latest`)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Tags an image: adds @name to its names and to the front of its names
 * history, and takes it away from any other image, as `podman tag`.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_add_image_name (LcStore *self, const char *id, const char *name, GCancellable *cancellable,
                         GError **error)
{
  json_object *rec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL && *name != '\0', FALSE);
  if (!lc_record_file_lock (&self->images, TRUE, cancellable, error))
    return FALSE;
  rec = find_image (self, id, error);
  if (rec == NULL)
    goto out;
  steal_name (self, rec, name);
  lc_json_strv_append_unique (rec, "names", name);
  lc_json_strv_prepend_unique (rec, "names-history", name);
  ok = lc_record_file_save (&self->images, error);
out:
  lc_record_file_unlock (&self->images);
  return ok;
}

/**
 * lc_store_remove_image_name:
 * @self: a #LcStore
 * @id: the image (ID, prefix or name)
 * @name: the name to remove (it stays in the names history)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Untags an image. %LC_ERROR_NOT_FOUND if it does not have @name.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_remove_image_name (LcStore *self, const char *id, const char *name, GCancellable *cancellable,
                            GError **error)
{
  json_object *rec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  if (!lc_record_file_lock (&self->images, TRUE, cancellable, error))
    return FALSE;
  rec = find_image (self, id, error);
  if (rec == NULL)
    goto out;
  if (!lc_json_strv_contains (rec, "names", name))
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "image %s has no name %s", lc_json_get_string (rec, "id"), name);
      goto out;
    }
  lc_json_strv_remove (rec, "names", name);
  ok = lc_record_file_save (&self->images, error);
out:
  lc_record_file_unlock (&self->images);
  return ok;
}

static gboolean
layer_in_use (LcStore *self, const char *layer_id)
{
  for (size_t i = 0; i < json_object_array_length (self->layers.records); i++)
    if (g_strcmp0 (lc_json_get_string (json_object_array_get_idx (self->layers.records, i), "parent"), layer_id) == 0)
      return TRUE;
  for (size_t i = 0; i < json_object_array_length (self->images.records); i++)
    {
      json_object *r = json_object_array_get_idx (self->images.records, i);
      if (g_strcmp0 (lc_json_get_string (r, "layer"), layer_id) == 0 ||
          lc_json_strv_contains (r, "mapped-layers", layer_id))
        return TRUE;
    }
  for (size_t i = 0; i < json_object_array_length (self->containers.records); i++)
    if (g_strcmp0 (lc_json_get_string (json_object_array_get_idx (self->containers.records, i), "layer"), layer_id) == 0)
      return TRUE;
  return FALSE;
}

/**
 * lc_store_delete_image:
 * @self: a #LcStore
 * @id: the image (ID, prefix or name)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Deletes an image record and its big data, then its layers from the top
 * down, stopping at the first layer that another image, layer or container
 * still uses. %LC_ERROR_LOCKED when a container uses the image.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_delete_image (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  g_autofree char *image_id = NULL;
  g_autofree char *layer = NULL;
  g_autofree char *dir = NULL;
  json_object *rec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  if (!lc_record_file_lock (&self->layers, TRUE, cancellable, error))
    return FALSE;
  if (!lc_record_file_lock (&self->images, TRUE, cancellable, error))
    {
      lc_record_file_unlock (&self->layers);
      return FALSE;
    }
  if (!lc_record_file_lock (&self->containers, FALSE, cancellable, error))
    goto out_images;
  rec = find_image (self, id, error);
  if (rec == NULL)
    goto out;
  image_id = g_strdup (lc_json_get_string (rec, "id"));
  layer = g_strdup (lc_json_get_string (rec, "layer"));
  for (size_t i = 0; i < json_object_array_length (self->containers.records); i++)
    if (g_strcmp0 (lc_json_get_string (json_object_array_get_idx (self->containers.records, i), "image"),
                   image_id) == 0)
      {
        lc_fail (error, LC_ERROR_LOCKED, "image %s is in use by a container", image_id);
        goto out;
      }
  lc_record_file_remove (&self->images, rec);
  if (!lc_record_file_save (&self->images, error))
    goto out;
  dir = image_dir (self, image_id);
  if (!lc_storage_rm_rf (dir, error))
    goto out;
  while (layer != NULL && !layer_in_use (self, layer))
    {
      json_object *lrec = g_hash_table_lookup (self->layers.by_id, layer);
      g_autofree char *parent = NULL;

      if (lrec == NULL)
        break;
      parent = g_strdup (lc_json_get_string (lrec, "parent"));
      if (!lc_store_layer_delete_locked (self, lrec, error))
        goto out;
      g_free (layer);
      layer = g_steal_pointer (&parent);
    }
  ok = TRUE;
out:
  lc_record_file_unlock (&self->containers);
out_images:
  lc_record_file_unlock (&self->images);
  lc_record_file_unlock (&self->layers);
  return ok;
}
