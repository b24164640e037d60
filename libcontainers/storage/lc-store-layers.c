/* lc-store-layers.c: layers of an LcStore: apply (staged outside the
 * lock, committed under it), export from tar-split, delete (spec §3.5,
 * §3.6, §4.7, §5.9).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-store-private.h"
#include "storage/lc-tar-private.h"

/* ---- LcLayer ---------------------------------------------------------- */

/**
 * LcLayer:
 *
 * A snapshot of a layer record of an #LcStore: its storage ID, parent,
 * and the digests and sizes of its compressed blob and uncompressed tar
 * (DiffID). It does not change when the store does.
 *
 * Thread safety: immutable; share freely between threads.
 *
 * Since: 1.0
 */
struct _LcLayer
{
  gint ref_count;
  char *id;
  char *parent;
  char *created;
  char *diff_digest;
  gint64 diff_size;
  char *compressed_digest;
  gint64 compressed_size;
};

G_DEFINE_BOXED_TYPE (LcLayer, lc_layer, lc_layer_ref, lc_layer_unref)

LcLayer *
lc_layer_new_from_record (json_object *record)
{
  LcLayer *self = g_new0 (LcLayer, 1);

  self->ref_count = 1;
  self->id = g_strdup (lc_json_get_string (record, "id"));
  self->parent = g_strdup (lc_json_get_string (record, "parent"));
  self->created = g_strdup (lc_json_get_string (record, "created"));
  self->diff_digest = g_strdup (lc_json_get_string (record, "diff-digest"));
  self->diff_size = self->diff_digest ? lc_json_get_int (record, "diff-size", 0) : -1;
  self->compressed_digest = g_strdup (lc_json_get_string (record, "compressed-diff-digest"));
  self->compressed_size = lc_json_get_int (record, "compressed-size", 0);
  return self;
}

/**
 * lc_layer_ref:
 * @self: a #LcLayer
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
LcLayer *
lc_layer_ref (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_layer_unref:
 * @self: (nullable): a #LcLayer
 *
 * Drops a reference; %NULL is a no-op.
 *
 * Since: 1.0
 */
void
lc_layer_unref (LcLayer *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->id);
  g_free (self->parent);
  g_free (self->created);
  g_free (self->diff_digest);
  g_free (self->compressed_digest);
  g_free (self);
}

/**
 * lc_layer_get_id:
 * @self: a #LcLayer
 *
 * Returns: (transfer none): the storage ID (64 hex characters)
 *
 * Since: 1.0
 */
const char *
lc_layer_get_id (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

/**
 * lc_layer_get_parent:
 * @self: a #LcLayer
 *
 * Returns: (transfer none) (nullable): the ID of the layer below, or %NULL
 *   for a base layer
 *
 * Since: 1.0
 */
const char *
lc_layer_get_parent (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->parent;
}

/**
 * lc_layer_get_created:
 * @self: a #LcLayer
 *
 * Returns: (transfer none) (nullable): when the record was made, RFC 3339
 *
 * Since: 1.0
 */
const char *
lc_layer_get_created (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->created;
}

/**
 * lc_layer_get_diff_digest:
 * @self: a #LcLayer
 *
 * Returns: (transfer none) (nullable): the digest of the uncompressed tar
 *   stream (the DiffID), or %NULL when unknown (container layers)
 *
 * Since: 1.0
 */
const char *
lc_layer_get_diff_digest (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->diff_digest;
}

/**
 * lc_layer_get_diff_size:
 * @self: a #LcLayer
 *
 * Returns: the length of the uncompressed tar stream, or -1 when unknown
 *
 * Since: 1.0
 */
gint64
lc_layer_get_diff_size (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, -1);
  return self->diff_size;
}

/**
 * lc_layer_get_compressed_digest:
 * @self: a #LcLayer
 *
 * Returns: (transfer none) (nullable): the digest of the blob the layer was
 *   made from, as it was handed over (compressed or not)
 *
 * Since: 1.0
 */
const char *
lc_layer_get_compressed_digest (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->compressed_digest;
}

/**
 * lc_layer_get_compressed_size:
 * @self: a #LcLayer
 *
 * Returns: the size of that blob, or 0 when unknown
 *
 * Since: 1.0
 */
gint64
lc_layer_get_compressed_size (LcLayer *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->compressed_size;
}

/* ---- internals ------------------------------------------------------------ */

static json_object *mounts_load (LcStore *self, GError **error);
static gboolean mounts_save (LcStore *self, json_object *mounts, GError **error);
static json_object *mounts_find (json_object *mounts, const char *id, size_t *out_index);

static gboolean layer_is_incomplete (json_object *rec);

gboolean
lc_layer_record_is_incomplete (json_object *rec)
{
  return layer_is_incomplete (rec);
}

static gboolean
layer_is_incomplete (json_object *rec)
{
  json_object *flags, *v;

  return json_object_object_get_ex (rec, "flags", &flags) && json_object_is_type (flags, json_type_object) &&
         json_object_object_get_ex (flags, "incomplete", &v) && json_object_get_boolean (v);
}

static void
layer_set_incomplete (json_object *rec, gboolean incomplete)
{
  json_object *flags;

  if (!json_object_object_get_ex (rec, "flags", &flags) || !json_object_is_type (flags, json_type_object))
    {
      if (!incomplete)
        return;
      flags = json_object_new_object ();
      json_object_object_add (rec, "flags", flags);
    }
  if (incomplete)
    json_object_object_add (flags, "incomplete", json_object_new_boolean (TRUE));
  else
    {
      json_object_object_del (flags, "incomplete");
      if (json_object_object_length (flags) == 0)
        json_object_object_del (rec, "flags");
    }
}

static char *
tar_split_path (LcStore *self, const char *id)
{
  return g_strdup_printf ("%s/%s.tar-split.gz", self->layers.dir, id);
}

char *
lc_store_tar_split_path (LcStore *self, const char *id)
{
  return tar_split_path (self, id);
}

/* Removes a layer's data and record; layers.lock held for writing. */
gboolean
lc_store_layer_delete_locked (LcStore *self, json_object *rec, GError **error)
{
  g_autofree char *id = g_strdup (lc_json_get_string (rec, "id"));
  g_autofree char *ts = NULL;
  g_autofree char *bigdata = NULL;

  if (id == NULL || !lc_is_valid_id (id))
    return lc_fail (error, LC_ERROR_CORRUPT_STORE, "layer record with an invalid ID");
  if (!layer_is_incomplete (rec))
    {
      layer_set_incomplete (rec, TRUE);
      if (!lc_record_file_save (&self->layers, error))
        return FALSE;
    }
  /* Mounted (in mountpoints.json): unmount and forget the count first. */
  if (lc_lockfile_lock (self->mounts_lock, TRUE, NULL, NULL))
    {
      json_object *mounts = mounts_load (self, NULL);
      size_t idx = 0;

      if (mounts != NULL && mounts_find (mounts, id, &idx) != NULL)
        {
          self->driver->klass->unmount (self->driver, id, NULL);
          json_object_array_del_idx (mounts, idx, 1);
          mounts_save (self, mounts, NULL);
        }
      json_object_put (mounts);
      lc_lockfile_unlock (self->mounts_lock);
    }
  if (!self->driver->klass->remove (self->driver, id, error))
    return FALSE;
  ts = tar_split_path (self, id);
  if (unlink (ts) < 0 && errno != ENOENT)
    return lc_fail_errno (error, "removing %s", ts);
  bigdata = g_build_filename (self->layers.dir, id, NULL);
  if (!lc_storage_rm_rf (bigdata, error))
    return FALSE;
  lc_record_file_remove (&self->layers, rec);
  return lc_record_file_save (&self->layers, error);
}

gboolean
lc_store_layers_delete_incomplete (LcStore *self, GError **error)
{
  gboolean again = TRUE;

  while (again)
    {
      again = FALSE;
      for (size_t i = 0; i < json_object_array_length (self->layers.records); i++)
        {
          json_object *rec = json_object_array_get_idx (self->layers.records, i);
          if (layer_is_incomplete (rec))
            {
              lc_warning ("storage", "Found incomplete layer \"%s\", deleting it", lc_json_get_string (rec, "id"));
              if (!lc_store_layer_delete_locked (self, rec, error))
                return FALSE;
              again = TRUE;
              break;
            }
        }
    }
  return TRUE;
}

gint64
lc_store_layer_chain_size (LcStore *self, const char *top_layer)
{
  gint64 total = 0;
  const char *id = top_layer;
  guint depth = 0;

  while (id != NULL && depth++ < 1000)
    {
      json_object *rec = g_hash_table_lookup (self->layers.by_id, id);
      gint64 size;

      if (rec == NULL)
        break;
      size = lc_json_get_int (rec, "diff-size", -1);
      if (lc_json_get_string (rec, "diff-digest") != NULL && size > 0)
        total += size;
      id = lc_json_get_string (rec, "parent");
    }
  return total;
}

static json_object *
find_layer (LcStore *self, const char *id, GError **error)
{
  json_object *rec = g_hash_table_lookup (self->layers.by_id, id);

  if (rec == NULL)
    rec = g_hash_table_lookup (self->layers.by_name, id);
  if (rec == NULL)
    rec = lc_record_file_find_prefix (&self->layers, id, error);
  return rec;
}

/* ---- public ------------------------------------------------------------------ */

/**
 * lc_store_list_layers:
 * @self: a #LcStore
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Lists the layers of the store, in creation order.
 *
 * Returns: (transfer container) (element-type LcLayer): the layers, or %NULL
 *   with @error set
 *
 * Since: 1.0
 */
GPtrArray *
lc_store_list_layers (LcStore *self, GCancellable *cancellable, GError **error)
{
  GPtrArray *out;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lc_record_file_lock (&self->layers, FALSE, cancellable, error))
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_layer_unref);
  for (size_t i = 0; i < json_object_array_length (self->layers.records); i++)
    {
      json_object *rec = json_object_array_get_idx (self->layers.records, i);
      if (!layer_is_incomplete (rec))
        g_ptr_array_add (out, lc_layer_new_from_record (rec));
    }
  lc_record_file_unlock (&self->layers);
  return out;
}

/**
 * lc_store_lookup_layer:
 * @self: a #LcStore
 * @id: a layer ID, a unique prefix of one, or a layer name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the layer, or %NULL with @error set
 *   (%LC_ERROR_NOT_FOUND)
 *
 * Since: 1.0
 */
LcLayer *
lc_store_lookup_layer (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  json_object *rec;
  LcLayer *layer = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  if (!lc_record_file_lock (&self->layers, FALSE, cancellable, error))
    return NULL;
  rec = find_layer (self, id, error);
  if (rec != NULL)
    layer = lc_layer_new_from_record (rec);
  lc_record_file_unlock (&self->layers);
  return layer;
}

static void
add_id_set (json_object *rec, const char *key, GArray *ids)
{
  json_object *arr;

  if (ids == NULL || ids->len == 0)
    return;
  arr = json_object_new_array ();
  for (guint i = 0; i < ids->len; i++)
    json_object_array_add (arr, json_object_new_int64 (g_array_index (ids, guint32, i)));
  json_object_object_add (rec, key, arr);
}

struct _LcStagedLayer
{
  LcDriver *driver;
  char *staged;        /* the applied tree, under G/tmp/ */
  char *ts_tmp;        /* its tar-split, under G/tmp/ */
  char *parent;        /* the parent it was staged over (vfs copies it) */
  LcTarApplyResult res;
};

void
lc_staged_layer_free (LcStagedLayer *staged)
{
  if (staged == NULL)
    return;
  if (staged->staged != NULL)
    {
      staged->driver->klass->discard_staged (staged->driver, staged->staged);
      g_free (staged->staged);
    }
  if (staged->ts_tmp != NULL)
    {
      unlink (staged->ts_tmp);
      g_free (staged->ts_tmp);
    }
  g_free (staged->parent);
  lc_tar_apply_result_clear (&staged->res);
  g_free (staged);
}

const char *
lc_staged_layer_get_diff_digest (LcStagedLayer *staged)
{
  return staged->res.diff_digest;
}

const char *
lc_staged_layer_get_compressed_digest (LcStagedLayer *staged)
{
  return staged->res.compressed_digest;
}

gint64
lc_staged_layer_get_compressed_size (LcStagedLayer *staged)
{
  return staged->res.compressed_size;
}

gboolean
lc_store_stage_needs_parent (LcStore *self)
{
  return self->driver->klass->whiteouts == LC_WHITEOUT_DELETE;
}

LcStagedLayer *
lc_store_stage_layer (LcStore *self, const char *parent_id, GInputStream *diff, GCancellable *cancellable,
                      GError **error)
{
  g_autofree char *staging_root = g_build_filename (self->graph_root, "tmp", NULL);
  LcStagedLayer *st = g_new0 (LcStagedLayer, 1);
  LcTarApplyOptions opts = { 0 };
  int root_fd, ts_fd;
  gboolean applied;

  st->driver = self->driver;
  st->parent = g_strdup (parent_id);
  st->staged = self->driver->klass->stage (self->driver, parent_id, staging_root, error);
  if (st->staged == NULL)
    goto fail;
  st->ts_tmp = g_build_filename (staging_root, "lc-tar-split-XXXXXX", NULL);
  ts_fd = g_mkstemp_full (st->ts_tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (ts_fd < 0)
    {
      lc_fail_errno (error, "creating a temporary file in %s", staging_root);
      g_clear_pointer (&st->ts_tmp, g_free);
      goto fail;
    }
  opts.tar_split = gzdopen (ts_fd, "wb1");
  opts.whiteouts = self->driver->klass->whiteouts;
  opts.rootless = self->rootless;
  opts.allow_devices = !self->rootless;
  root_fd = open (st->staged, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (root_fd < 0)
    {
      lc_fail_errno (error, "opening %s", st->staged);
      gzclose (opts.tar_split);
      goto fail;
    }
  applied = lc_tar_apply (diff, root_fd, &opts, &st->res, cancellable, error);
  close (root_fd);
  if (gzclose (opts.tar_split) != Z_OK && applied)
    {
      lc_fail (error, LC_ERROR_IO, "writing tar-split data to %s failed", st->ts_tmp);
      applied = FALSE;
    }
  if (!applied)
    goto fail;
  return st;

fail:
  lc_staged_layer_free (st);
  return NULL;
}

LcLayer *
lc_store_commit_staged_layer (LcStore *self, const char *parent_id, LcStagedLayer *st,
                              const char *compressed_digest, GCancellable *cancellable, GError **error)
{
  g_autofree char *id = NULL;
  g_autofree char *created = NULL;
  LcLayer *layer = NULL;
  json_object *rec;

  if (lc_store_stage_needs_parent (self) && g_strcmp0 (parent_id, st->parent) != 0)
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "layer was staged over another parent");
      return NULL;
    }
  id = lc_layer_id_from_diff_id (parent_id, st->res.diff_digest);
  if (!lc_record_file_lock (&self->layers, TRUE, cancellable, error))
    return NULL;
  rec = g_hash_table_lookup (self->layers.by_id, id);
  if (rec != NULL && !layer_is_incomplete (rec))
    {
      lc_debug ("storage", "layer %s already exists", id);
      layer = lc_layer_new_from_record (rec);
      lc_record_file_unlock (&self->layers);
      return layer;
    }
  if (rec != NULL && !lc_store_layer_delete_locked (self, rec, error))
    goto fail_locked;
  if (parent_id != NULL && g_hash_table_lookup (self->layers.by_id, parent_id) == NULL)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "parent layer %s not known", parent_id);
      goto fail_locked;
    }
  /* The diff's own mode follows the parent's, unless the tar set it. */
  if (!st->res.root_seen && self->driver->klass->whiteouts == LC_WHITEOUT_OVERLAY && parent_id != NULL)
    {
      g_autofree char *pdiff = g_build_filename (self->driver->home, parent_id, "diff", NULL);
      struct stat pst;
      if (stat (pdiff, &pst) == 0)
        chmod (st->staged, pst.st_mode & 07777);
    }
  created = lc_time_now_rfc3339 ();
  rec = json_object_new_object ();
  json_object_object_add (rec, "id", json_object_new_string (id));
  if (parent_id != NULL)
    json_object_object_add (rec, "parent", json_object_new_string (parent_id));
  json_object_object_add (rec, "created", json_object_new_string (created));
  layer_set_incomplete (rec, TRUE);
  lc_record_file_append (&self->layers, rec);
  if (!lc_record_file_save (&self->layers, error))
    goto fail_locked;
  if (!self->driver->klass->create (self->driver, id, parent_id, st->staged, error))
    goto fail_locked;
  g_clear_pointer (&st->staged, g_free);
  {
    g_autofree char *ts = tar_split_path (self, id);
    if (rename (st->ts_tmp, ts) < 0)
      {
        lc_fail_errno (error, "moving %s into place", ts);
        goto fail_locked;
      }
    g_clear_pointer (&st->ts_tmp, g_free);
  }
  rec = g_hash_table_lookup (self->layers.by_id, id);
  json_object_object_add (rec, "compressed-diff-digest",
                          json_object_new_string (compressed_digest ? compressed_digest : st->res.compressed_digest));
  json_object_object_add (rec, "compressed-size", json_object_new_int64 (st->res.compressed_size));
  json_object_object_add (rec, "diff-digest", json_object_new_string (st->res.diff_digest));
  json_object_object_add (rec, "diff-size", json_object_new_int64 (st->res.diff_size));
  if (st->res.compression != LC_LAYER_COMPRESSION_NONE)
    json_object_object_add (rec, "compression", json_object_new_int (st->res.compression));
  add_id_set (rec, "uidset", st->res.uids);
  add_id_set (rec, "gidset", st->res.gids);
  layer_set_incomplete (rec, FALSE);
  if (!lc_record_file_save (&self->layers, error))
    goto fail_locked;
  layer = lc_layer_new_from_record (rec);
  lc_record_file_unlock (&self->layers);
  lc_debug ("storage", "created layer %s (%s, %" G_GINT64_FORMAT " bytes)", id, st->res.diff_digest,
            st->res.diff_size);
  return layer;

fail_locked:
  /* Leave nothing half-made: podman would delete it anyway. */
  rec = g_hash_table_lookup (self->layers.by_id, id);
  if (rec != NULL)
    lc_store_layer_delete_locked (self, rec, NULL);
  lc_record_file_unlock (&self->layers);
  return NULL;
}

/**
 * lc_store_apply_layer:
 * @self: a #LcStore
 * @parent: (nullable): the ID of the layer below, or %NULL for a base layer
 * @diff: the layer blob: a tar stream, gzip- or zstd-compressed or not
 * @compressed_digest: (nullable): the digest of @diff as the registry
 *   knows it (trusted, as containers/storage trusts c/image's), or %NULL
 *   to record the digest computed while reading
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Makes a layer from a layer blob, as `podman pull` does: the stream is
 * read once, unpacked into a staging directory while its digests, sizes,
 * owners and tar-split metadata are collected, and only then, under the
 * layers lock, moved into place and recorded. The layer ID is the one
 * containers/image derives from @parent and the DiffID, so pulling the
 * same image with podman gives the same IDs; if that layer already
 * exists, it is returned as it is. Entries that would escape the layer
 * directory (`..`, absolute names, links, symlinked parents) are kept
 * inside it.
 *
 * Returns: (transfer full): the layer, or %NULL with @error set
 *
 * Since: 1.0
 */
LcLayer *
lc_store_apply_layer (LcStore *self, const char *parent, GInputStream *diff, const char *compressed_digest,
                      GCancellable *cancellable, GError **error)
{
  g_autofree char *parent_id = NULL;
  LcStagedLayer *st;
  LcLayer *layer;
  json_object *rec;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (G_IS_INPUT_STREAM (diff), NULL);

  if (compressed_digest != NULL && !lc_is_valid_digest (compressed_digest))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid digest %s", compressed_digest);
      return NULL;
    }
  if (parent != NULL)
    {
      if (!lc_record_file_lock (&self->layers, FALSE, cancellable, error))
        return NULL;
      rec = find_layer (self, parent, error);
      if (rec != NULL)
        parent_id = g_strdup (lc_json_get_string (rec, "id"));
      lc_record_file_unlock (&self->layers);
      if (parent_id == NULL)
        return NULL;
    }
  /* Unpack into G/tmp/ outside every lock, then commit under layers.lock. */
  st = lc_store_stage_layer (self, parent_id, diff, cancellable, error);
  if (st == NULL)
    return NULL;
  layer = lc_store_commit_staged_layer (self, parent_id, st, compressed_digest, cancellable, error);
  lc_staged_layer_free (st);
  return layer;
}

/**
 * lc_store_export_layer:
 * @self: a #LcStore
 * @id: a layer ID (or unique prefix)
 * @output: where the uncompressed tar stream goes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Writes the layer's diff as the tar stream it was made from, byte for
 * byte, rebuilt from its tar-split metadata and its files, so that its
 * digest is the layer's DiffID again. Layers without tar-split data
 * (container layers) fail with %LC_ERROR_UNSUPPORTED for now.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_export_layer (LcStore *self, const char *id, GOutputStream *output, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr(GPtrArray) dirs = NULL;
  g_autofree char *ts = NULL;
  json_object *rec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (G_IS_OUTPUT_STREAM (output), FALSE);
  if (!lc_record_file_lock (&self->layers, FALSE, cancellable, error))
    return FALSE;
  rec = find_layer (self, id, error);
  if (rec == NULL)
    goto out;
  ts = tar_split_path (self, lc_json_get_string (rec, "id"));
  if (!g_file_test (ts, G_FILE_TEST_EXISTS))
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED, "layer %s has no tar-split data", id);
      goto out;
    }
  dirs = self->driver->klass->content_dirs (self->driver, lc_json_get_string (rec, "id"), error);
  if (dirs == NULL)
    goto out;
  ok = lc_tar_split_rebuild (ts, dirs, output, cancellable, error);
out:
  lc_record_file_unlock (&self->layers);
  return ok;
}

/**
 * lc_store_delete_layer:
 * @self: a #LcStore
 * @id: a layer ID (or unique prefix)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Deletes a layer that no other layer, image or container uses
 * (%LC_ERROR_LOCKED otherwise), crash-safely: the record is flagged
 * incomplete before anything is removed.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_delete_layer (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  json_object *rec;
  g_autofree char *lid = NULL;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  if (!lc_record_file_lock (&self->layers, TRUE, cancellable, error))
    return FALSE;
  if (!lc_record_file_lock (&self->images, FALSE, cancellable, error))
    {
      lc_record_file_unlock (&self->layers);
      return FALSE;
    }
  if (!lc_record_file_lock (&self->containers, FALSE, cancellable, error))
    goto out_images;
  rec = find_layer (self, id, error);
  if (rec == NULL)
    goto out;
  lid = g_strdup (lc_json_get_string (rec, "id"));
  for (size_t i = 0; i < json_object_array_length (self->layers.records); i++)
    if (g_strcmp0 (lc_json_get_string (json_object_array_get_idx (self->layers.records, i), "parent"), lid) == 0)
      {
        lc_fail (error, LC_ERROR_LOCKED, "layer %s is the parent of another layer", lid);
        goto out;
      }
  for (size_t i = 0; i < json_object_array_length (self->images.records); i++)
    if (g_strcmp0 (lc_json_get_string (json_object_array_get_idx (self->images.records, i), "layer"), lid) == 0)
      {
        lc_fail (error, LC_ERROR_LOCKED, "layer %s is the top layer of an image", lid);
        goto out;
      }
  for (size_t i = 0; i < json_object_array_length (self->containers.records); i++)
    if (g_strcmp0 (lc_json_get_string (json_object_array_get_idx (self->containers.records, i), "layer"), lid) == 0)
      {
        lc_fail (error, LC_ERROR_LOCKED, "layer %s belongs to a container", lid);
        goto out;
      }
  ok = lc_store_layer_delete_locked (self, rec, error);
out:
  lc_record_file_unlock (&self->containers);
out_images:
  lc_record_file_unlock (&self->images);
  lc_record_file_unlock (&self->layers);
  return ok;
}

/* ---- mounts (R/<drv>-layers/mountpoints.json, spec §2.2) ------------------ */

static json_object *
mounts_load (LcStore *self, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (self->mounts_path, &data, &len, &local) &&
      !g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  return lc_records_parse (data ? data : "", len, self->mounts_path, error);
}

static gboolean
mounts_save (LcStore *self, json_object *mounts, GError **error)
{
  g_autofree char *data = lc_records_serialize (mounts, "mount");

  if (!lc_atomic_write (self->mounts_path, data, strlen (data), 0600, error))
    return FALSE;
  return lc_lockfile_touch (self->mounts_lock, error);
}

static json_object *
mounts_find (json_object *mounts, const char *id, size_t *out_index)
{
  for (size_t i = 0; i < json_object_array_length (mounts); i++)
    {
      json_object *m = json_object_array_get_idx (mounts, i);
      if (g_strcmp0 (lc_json_get_string (m, "id"), id) == 0)
        {
          if (out_index)
            *out_index = i;
          return m;
        }
    }
  return NULL;
}

/* Takes storage.lock, layers.lock and mountpoints.lock, in podman's order. */
static gboolean
lock_for_mount (LcStore *self, GCancellable *cancellable, GError **error)
{
  if (!lc_lockfile_lock (self->graph_lock, TRUE, cancellable, error))
    return FALSE;
  if (!lc_record_file_lock (&self->layers, TRUE, cancellable, error))
    {
      lc_lockfile_unlock (self->graph_lock);
      return FALSE;
    }
  if (!lc_lockfile_lock (self->mounts_lock, TRUE, cancellable, error))
    {
      lc_record_file_unlock (&self->layers);
      lc_lockfile_unlock (self->graph_lock);
      return FALSE;
    }
  return TRUE;
}

static void
unlock_for_mount (LcStore *self)
{
  lc_lockfile_unlock (self->mounts_lock);
  lc_record_file_unlock (&self->layers);
  lc_lockfile_unlock (self->graph_lock);
}

/**
 * lc_store_mount_layer:
 * @self: a #LcStore
 * @id: a layer ID (or unique prefix)
 * @read_only: mount read-only (image layers); otherwise the layer is the
 *   writable upper layer (container layers)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Mounts a layer with its parents, as podman does (overlay:
 * `G/overlay/<id>/merged` with the same lowerdir string; vfs: the layer
 * directory itself), or, if it is mounted already, counts one more user.
 * The count lives in the run root's mountpoints.json, shared with podman.
 *
 * Returns: (transfer full): the mount point, or %NULL with @error set
 *
 * Since: 1.0
 */
char *
lc_store_mount_layer (LcStore *self, const char *id, gboolean read_only, GCancellable *cancellable,
                      GError **error)
{
  json_object *rec, *mounts = NULL, *m;
  g_autofree char *lid = NULL;
  char *path = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  if (!lock_for_mount (self, cancellable, error))
    return NULL;
  rec = find_layer (self, id, error);
  if (rec == NULL || (mounts = mounts_load (self, error)) == NULL)
    goto out;
  lid = g_strdup (lc_json_get_string (rec, "id"));
  m = mounts_find (mounts, lid, NULL);
  if (m != NULL && lc_json_get_int (m, "count", 0) > 0 && lc_json_get_string (m, "path") != NULL &&
      (g_str_equal (self->driver_name, "vfs") || lc_is_mount_point (lc_json_get_string (m, "path"))))
    {
      json_object_object_add (m, "count", json_object_new_int64 (lc_json_get_int (m, "count", 0) + 1));
      if (mounts_save (self, mounts, error))
        path = g_strdup (lc_json_get_string (m, "path"));
      goto out;
    }
  path = self->driver->klass->mount (self->driver, lid, read_only, read_only ? "ro" : NULL, error);
  if (path == NULL)
    goto out;
  if (m == NULL)
    {
      m = json_object_new_object ();
      json_object_object_add (m, "id", json_object_new_string (lid));
      json_object_array_add (mounts, m);
    }
  json_object_object_add (m, "path", json_object_new_string (path));
  json_object_object_add (m, "count", json_object_new_int64 (lc_json_get_int (m, "count", 0) + 1));
  if (!mounts_save (self, mounts, error))
    {
      self->driver->klass->unmount (self->driver, lid, NULL);
      g_clear_pointer (&path, g_free);
    }
out:
  json_object_put (mounts);
  unlock_for_mount (self);
  return path;
}

/**
 * lc_store_unmount_layer:
 * @self: a #LcStore
 * @id: a layer ID (or unique prefix)
 * @force: unmount even if other users are counted
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Counts one user less of a mounted layer, and unmounts it when none is
 * left (or with @force). Unmounting a layer that is not mounted is not an
 * error.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_unmount_layer (LcStore *self, const char *id, gboolean force, GCancellable *cancellable,
                        GError **error)
{
  json_object *rec, *mounts = NULL, *m;
  g_autofree char *lid = NULL;
  gboolean ok = FALSE;
  size_t idx = 0;
  gint64 count;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  if (!lock_for_mount (self, cancellable, error))
    return FALSE;
  rec = find_layer (self, id, error);
  if (rec == NULL || (mounts = mounts_load (self, error)) == NULL)
    goto out;
  lid = g_strdup (lc_json_get_string (rec, "id"));
  m = mounts_find (mounts, lid, &idx);
  if (m == NULL)
    {
      ok = TRUE;
      goto out;
    }
  count = force ? 0 : lc_json_get_int (m, "count", 1) - 1;
  if (count > 0)
    json_object_object_add (m, "count", json_object_new_int64 (count));
  else
    {
      if (!self->driver->klass->unmount (self->driver, lid, error))
        goto out;
      json_object_array_del_idx (mounts, idx, 1);
    }
  ok = mounts_save (self, mounts, error);
  /* Nothing mounted any more: undo the driver's set-up, as podman's
   * Shutdown does (overlay: the bind mount of its home). */
  if (ok && json_object_array_length (mounts) == 0 && self->driver->klass->cleanup != NULL)
    self->driver->klass->cleanup (self->driver);
out:
  json_object_put (mounts);
  unlock_for_mount (self);
  return ok;
}
