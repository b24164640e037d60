/* lc-store-containers.c: containers of an LcStore: records of
 * containers.json with their read-write layer on an image's top layer,
 * their userdata directories, mounting, big data, removal (spec §2.4,
 * §4.6, §4.7).
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

/* ---- LcStorageContainer ------------------------------------------------- */

/**
 * LcStorageContainer:
 *
 * A snapshot of a container record of an #LcStore (containers.json): its
 * ID, names, the image it was made from, its read-write layer, metadata
 * and big-data keys. This is containers/storage's view of a container,
 * the one `podman ps -a --external` and `buildah containers` show; the
 * running container of a pod engine is another type. It does not change
 * when the store does.
 *
 * Thread safety: immutable; share freely between threads.
 *
 * Since: 1.0
 */
struct _LcStorageContainer
{
  gint ref_count;
  char *id;
  char **names;
  char *image_id;
  char *layer_id;
  char *metadata;
  char *created;
  char **big_data_names;
};

G_DEFINE_BOXED_TYPE (LcStorageContainer, lc_storage_container, lc_storage_container_ref,
                     lc_storage_container_unref)

static LcStorageContainer *
container_new_from_record (json_object *record)
{
  LcStorageContainer *self = g_new0 (LcStorageContainer, 1);
  const char *image = lc_json_get_string (record, "image");

  self->ref_count = 1;
  self->id = g_strdup (lc_json_get_string (record, "id"));
  self->names = lc_json_dup_strv (record, "names");
  self->image_id = image != NULL && *image != '\0' ? g_strdup (image) : NULL;
  self->layer_id = g_strdup (lc_json_get_string (record, "layer"));
  self->metadata = g_strdup (lc_json_get_string (record, "metadata"));
  self->created = g_strdup (lc_json_get_string (record, "created"));
  self->big_data_names = lc_json_dup_strv (record, "big-data-names");
  return self;
}

/**
 * lc_storage_container_ref:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer full): @self
 *
 * Since: 1.0
 */
LcStorageContainer *
lc_storage_container_ref (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_storage_container_unref:
 * @self: (nullable): a #LcStorageContainer
 *
 * Drops a reference; %NULL is a no-op.
 *
 * Since: 1.0
 */
void
lc_storage_container_unref (LcStorageContainer *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->id);
  g_strfreev (self->names);
  g_free (self->image_id);
  g_free (self->layer_id);
  g_free (self->metadata);
  g_free (self->created);
  g_strfreev (self->big_data_names);
  g_free (self);
}

/**
 * lc_storage_container_get_id:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none): the container ID (64 hex characters)
 *
 * Since: 1.0
 */
const char *
lc_storage_container_get_id (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->id;
}

/**
 * lc_storage_container_get_names:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none) (array zero-terminated=1): its names, maybe none
 *
 * Since: 1.0
 */
const char * const *
lc_storage_container_get_names (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->names;
}

/**
 * lc_storage_container_get_image_id:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none) (nullable): the ID of the image it was made
 *   from, or %NULL for a container made from scratch
 *
 * Since: 1.0
 */
const char *
lc_storage_container_get_image_id (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->image_id;
}

/**
 * lc_storage_container_get_layer_id:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none): the ID of its read-write layer
 *
 * Since: 1.0
 */
const char *
lc_storage_container_get_layer_id (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->layer_id;
}

/**
 * lc_storage_container_get_metadata:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none) (nullable): the free-form metadata (podman
 *   writes a JSON object with `image-name`, `image-id`, `name`, `created-at`)
 *
 * Since: 1.0
 */
const char *
lc_storage_container_get_metadata (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->metadata;
}

/**
 * lc_storage_container_get_created:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none) (nullable): when the record was made, RFC 3339
 *
 * Since: 1.0
 */
const char *
lc_storage_container_get_created (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->created;
}

/**
 * lc_storage_container_get_big_data_names:
 * @self: a #LcStorageContainer
 *
 * Returns: (transfer none) (array zero-terminated=1): its big-data keys
 *
 * Since: 1.0
 */
const char * const *
lc_storage_container_get_big_data_names (LcStorageContainer *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return (const char * const *) self->big_data_names;
}

/* ---- internals ----------------------------------------------------------- */

/* G/<drv>-containers/<id> or R/<drv>-containers/<id>. */
char *
lc_store_container_dir (LcStore *self, const char *id, gboolean run)
{
  return run ? g_strdup_printf ("%s/%s-containers/%s", self->run_root, self->driver_name, id)
             : g_build_filename (self->containers.dir, id, NULL);
}

static json_object *
find_container (LcStore *self, const char *id, GError **error)
{
  json_object *rec = lc_record_file_find (&self->containers, id);

  if (rec == NULL)
    rec = lc_record_file_find_prefix (&self->containers, id, error);
  return rec;
}

/* layers (write) -> images (read) -> containers (write), podman's order. */
static gboolean
lock_for_change (LcStore *self, GCancellable *cancellable, GError **error)
{
  if (!lc_record_file_lock (&self->layers, TRUE, cancellable, error))
    return FALSE;
  if (!lc_record_file_lock (&self->images, FALSE, cancellable, error))
    {
      lc_record_file_unlock (&self->layers);
      return FALSE;
    }
  if (!lc_record_file_lock (&self->containers, TRUE, cancellable, error))
    {
      lc_record_file_unlock (&self->images);
      lc_record_file_unlock (&self->layers);
      return FALSE;
    }
  return TRUE;
}

static void
unlock_for_change (LcStore *self)
{
  lc_record_file_unlock (&self->containers);
  lc_record_file_unlock (&self->images);
  lc_record_file_unlock (&self->layers);
}

static void
set_layer_incomplete (json_object *rec, gboolean incomplete)
{
  json_object *flags;

  if (incomplete)
    {
      flags = json_object_new_object ();
      json_object_object_add (flags, "incomplete", json_object_new_boolean (TRUE));
      json_object_object_add (rec, "flags", flags);
    }
  else
    json_object_object_del (rec, "flags");
}

/* ---- public ---------------------------------------------------------------- */

/**
 * lc_store_list_containers:
 * @self: a #LcStore
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Lists the container records of the store (ours, podman's, buildah's),
 * in the order of containers.json.
 *
 * Returns: (transfer container) (element-type LcStorageContainer): the
 *   containers, or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
lc_store_list_containers (LcStore *self, GCancellable *cancellable, GError **error)
{
  GPtrArray *out;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lc_record_file_lock (&self->containers, FALSE, cancellable, error))
    return NULL;
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_storage_container_unref);
  for (size_t i = 0; i < json_object_array_length (self->containers.records); i++)
    g_ptr_array_add (out, container_new_from_record (json_object_array_get_idx (self->containers.records, i)));
  lc_record_file_unlock (&self->containers);
  return out;
}

/**
 * lc_store_lookup_container:
 * @self: a #LcStore
 * @id: a container ID, a unique prefix of one, or a name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the container, or %NULL with @error set
 *   (%LC_ERROR_NOT_FOUND)
 *
 * Since: 1.0
 */
LcStorageContainer *
lc_store_lookup_container (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  LcStorageContainer *out = NULL;
  json_object *rec;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  if (!lc_record_file_lock (&self->containers, FALSE, cancellable, error))
    return NULL;
  rec = find_container (self, id, error);
  if (rec != NULL)
    out = container_new_from_record (rec);
  lc_record_file_unlock (&self->containers);
  return out;
}

/**
 * lc_store_create_container:
 * @self: a #LcStore
 * @id: (nullable): the container ID (64 hex characters), or %NULL for a
 *   random one
 * @names: (nullable) (array zero-terminated=1): its names, unique among
 *   the store's containers
 * @image: (nullable): the image (ID, prefix or name) whose top layer the
 *   container's layer goes on, or %NULL (or "") for a container from scratch
 * @metadata: (nullable): free-form metadata
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Creates a container record as containers/storage's CreateContainer
 * does: a new read-write layer (random ID) on the image's top layer, the
 * record in containers.json (with the `MountLabel` and `ProcessLabel`
 * flags, empty without SELinux), and the userdata directories in the
 * graph root and the run root. %LC_ERROR_ALREADY_EXISTS when the ID or a
 * name is taken.
 *
 * Returns: (transfer full): the container, or %NULL with @error set
 *
 * Since: 1.0
 */
LcStorageContainer *
lc_store_create_container (LcStore *self, const char *id, const char * const *names, const char *image,
                           const char *metadata, GCancellable *cancellable, GError **error)
{
  g_autofree char *cid = id ? g_strdup (id) : lc_random_id ();
  g_autofree char *layer_id = lc_random_id ();
  g_autofree char *image_id = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *created = NULL;
  json_object *irec, *lrec = NULL, *crec, *flags, *arr;
  LcStorageContainer *out = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lc_is_valid_id (cid))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid container ID %s", cid);
      return NULL;
    }
  for (const char * const *n = names; n != NULL && *n != NULL; n++)
    if (**n == '\0')
      {
        lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "empty container name");
        return NULL;
      }
  if (!lock_for_change (self, cancellable, error))
    return NULL;
  if (image != NULL && *image != '\0')
    {
      irec = lc_store_find_image_locked (self, image, error);
      if (irec == NULL)
        goto out;
      image_id = g_strdup (lc_json_get_string (irec, "id"));
      parent = g_strdup (lc_json_get_string (irec, "layer"));
      if (parent != NULL && g_hash_table_lookup (self->layers.by_id, parent) == NULL)
        {
          lc_fail (error, LC_ERROR_CORRUPT_STORE, "the top layer %s of image %s is missing", parent, image_id);
          goto out;
        }
    }
  if (g_hash_table_lookup (self->containers.by_id, cid) != NULL)
    {
      lc_fail (error, LC_ERROR_ALREADY_EXISTS, "a container with ID %s already exists", cid);
      goto out;
    }
  for (const char * const *n = names; n != NULL && *n != NULL; n++)
    if (g_hash_table_lookup (self->containers.by_name, *n) != NULL)
      {
        lc_fail (error, LC_ERROR_ALREADY_EXISTS, "the container name \"%s\" is already in use", *n);
        goto out;
      }

  /* The read-write layer, under layers.lock from the incomplete record to
   * the finished one (spec §4.7). */
  created = lc_time_now_rfc3339 ();
  lrec = json_object_new_object ();
  json_object_object_add (lrec, "id", json_object_new_string (layer_id));
  if (parent != NULL)
    json_object_object_add (lrec, "parent", json_object_new_string (parent));
  json_object_object_add (lrec, "created", json_object_new_string (created));
  set_layer_incomplete (lrec, TRUE);
  lc_record_file_append (&self->layers, lrec);
  if (!lc_record_file_save (&self->layers, error) ||
      !self->driver->klass->create (self->driver, layer_id, parent, NULL, error))
    goto fail_layer;
  set_layer_incomplete (lrec, FALSE);
  if (!lc_record_file_save (&self->layers, error))
    goto fail_layer;

  crec = json_object_new_object ();
  json_object_object_add (crec, "id", json_object_new_string (cid));
  if (names != NULL && names[0] != NULL)
    {
      arr = json_object_new_array ();
      for (const char * const *n = names; *n != NULL; n++)
        json_object_array_add (arr, json_object_new_string (*n));
      json_object_object_add (crec, "names", arr);
    }
  json_object_object_add (crec, "image", json_object_new_string (image_id ? image_id : ""));
  json_object_object_add (crec, "layer", json_object_new_string (layer_id));
  if (metadata != NULL && *metadata != '\0')
    json_object_object_add (crec, "metadata", json_object_new_string (metadata));
  json_object_object_add (crec, "created", json_object_new_string (created));
  flags = json_object_new_object ();
  json_object_object_add (flags, "MountLabel", json_object_new_string (""));
  json_object_object_add (flags, "ProcessLabel", json_object_new_string (""));
  json_object_object_add (crec, "flags", flags);
  lc_record_file_append (&self->containers, crec);
  if (!lc_record_file_save (&self->containers, error))
    {
      lc_record_file_remove (&self->containers, crec);
      goto fail_layer;
    }
  for (int run = 0; run < 2; run++)
    {
      g_autofree char *dir = lc_store_container_dir (self, cid, run);
      g_autofree char *userdata = g_build_filename (dir, "userdata", NULL);
      if (g_mkdir_with_parents (userdata, 0700) < 0)
        lc_warning ("storage", "creating %s: %s", userdata, g_strerror (errno));
    }
  out = container_new_from_record (crec);
  lc_debug ("storage", "created container %s (layer %s on %s)", cid, layer_id, parent ? parent : "nothing");
  goto out;

fail_layer:
  lrec = g_hash_table_lookup (self->layers.by_id, layer_id);
  if (lrec != NULL)
    lc_store_layer_delete_locked (self, lrec, NULL);
out:
  unlock_for_change (self);
  return out;
}

/**
 * lc_store_delete_container:
 * @self: a #LcStore
 * @id: a container ID, unique prefix, or name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Deletes a container record, then its read-write layer (unmounting it
 * if needed) and its directories in the graph root and the run root.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_delete_container (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  g_autofree char *cid = NULL;
  g_autofree char *layer_id = NULL;
  json_object *rec, *lrec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  if (!lock_for_change (self, cancellable, error))
    return FALSE;
  rec = find_container (self, id, error);
  if (rec == NULL)
    goto out;
  cid = g_strdup (lc_json_get_string (rec, "id"));
  layer_id = g_strdup (lc_json_get_string (rec, "layer"));
  if (cid == NULL || !lc_is_valid_id (cid))
    {
      lc_fail (error, LC_ERROR_CORRUPT_STORE, "container record with an invalid ID");
      goto out;
    }
  /* The record first: a crash after it leaves an unused layer, never a
   * container whose layer is gone. */
  lc_record_file_remove (&self->containers, rec);
  if (!lc_record_file_save (&self->containers, error))
    goto out;
  if (layer_id != NULL && (lrec = g_hash_table_lookup (self->layers.by_id, layer_id)) != NULL &&
      !lc_store_layer_delete_locked (self, lrec, error))
    goto out;
  for (int run = 0; run < 2; run++)
    {
      g_autofree char *dir = lc_store_container_dir (self, cid, run);
      if (!lc_storage_rm_rf (dir, error))
        goto out;
    }
  lc_debug ("storage", "deleted container %s", cid);
  ok = TRUE;
out:
  unlock_for_change (self);
  return ok;
}

static char *
container_layer (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  g_autoptr(LcStorageContainer) c = lc_store_lookup_container (self, id, cancellable, error);

  if (c == NULL)
    return NULL;
  if (c->layer_id == NULL)
    {
      lc_fail (error, LC_ERROR_CORRUPT_STORE, "container %s has no layer", c->id);
      return NULL;
    }
  return g_strdup (c->layer_id);
}

/**
 * lc_store_mount_container:
 * @self: a #LcStore
 * @id: a container ID, unique prefix, or name
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Mounts the container's read-write layer over its image's layers
 * (overlay: `G/overlay/<layer>/merged`; vfs: the layer directory), or
 * counts one more user if it is mounted already; the count is shared with
 * podman in the run root's mountpoints.json.
 *
 * Returns: (transfer full): the mount point, or %NULL with @error set
 *
 * Since: 1.0
 */
char *
lc_store_mount_container (LcStore *self, const char *id, GCancellable *cancellable, GError **error)
{
  g_autofree char *layer = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  layer = container_layer (self, id, cancellable, error);
  if (layer == NULL)
    return NULL;
  return lc_store_mount_layer (self, layer, FALSE, cancellable, error);
}

/**
 * lc_store_unmount_container:
 * @self: a #LcStore
 * @id: a container ID, unique prefix, or name
 * @force: unmount even if other users are counted
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Counts one user less of the container's mounted layer, and unmounts it
 * when none is left (or with @force).
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_unmount_container (LcStore *self, const char *id, gboolean force, GCancellable *cancellable,
                            GError **error)
{
  g_autofree char *layer = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);
  layer = container_layer (self, id, cancellable, error);
  if (layer == NULL)
    return FALSE;
  return lc_store_unmount_layer (self, layer, force, cancellable, error);
}

/**
 * lc_store_set_container_big_data:
 * @self: a #LcStore
 * @id: a container ID, unique prefix, or name
 * @key: the key
 * @data: the bytes
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Stores a big-data item of a container in `G/<driver>-containers/<id>/`,
 * and records its size and sha256 digest.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_store_set_container_big_data (LcStore *self, const char *id, const char *key, GBytes *data,
                                 GCancellable *cancellable, GError **error)
{
  json_object *rec;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_STORE (self), FALSE);
  g_return_val_if_fail (id != NULL && key != NULL && *key != '\0' && data != NULL, FALSE);
  if (!lc_record_file_lock (&self->containers, TRUE, cancellable, error))
    return FALSE;
  rec = find_container (self, id, error);
  if (rec != NULL && lc_record_set_big_data (&self->containers, rec, key, data, NULL, error))
    ok = lc_record_file_save (&self->containers, error);
  lc_record_file_unlock (&self->containers);
  return ok;
}

/**
 * lc_store_get_container_big_data:
 * @self: a #LcStore
 * @id: a container ID, unique prefix, or name
 * @key: the key
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Returns: (transfer full): the bytes, or %NULL with @error set
 *   (%LC_ERROR_NOT_FOUND when the container has no such item)
 *
 * Since: 1.0
 */
GBytes *
lc_store_get_container_big_data (LcStore *self, const char *id, const char *key, GCancellable *cancellable,
                                 GError **error)
{
  json_object *rec;
  GBytes *out = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL && key != NULL, NULL);
  if (!lc_record_file_lock (&self->containers, FALSE, cancellable, error))
    return NULL;
  rec = find_container (self, id, error);
  if (rec != NULL)
    out = lc_record_get_big_data (&self->containers, rec, key, error);
  lc_record_file_unlock (&self->containers);
  return out;
}

/**
 * lc_store_dup_container_directory:
 * @self: a #LcStore
 * @id: a container ID, unique prefix, or name
 * @run: %FALSE for the persistent directory
 *   (`G/<driver>-containers/<id>/userdata`), %TRUE for the volatile one
 *   in the run root (`R/<driver>-containers/<id>/userdata`)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * The directory where a tool keeps its own files about a container (as
 * podman and buildah do), created (0700) if missing; it is removed with
 * the container.
 *
 * Returns: (transfer full): the path, or %NULL with @error set
 *
 * Since: 1.0
 */
char *
lc_store_dup_container_directory (LcStore *self, const char *id, gboolean run, GCancellable *cancellable,
                                  GError **error)
{
  g_autoptr(LcStorageContainer) c = NULL;
  g_autofree char *dir = NULL;
  g_autofree char *userdata = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  g_return_val_if_fail (id != NULL, NULL);
  c = lc_store_lookup_container (self, id, cancellable, error);
  if (c == NULL)
    return NULL;
  dir = lc_store_container_dir (self, c->id, run);
  userdata = g_build_filename (dir, "userdata", NULL);
  if (g_mkdir_with_parents (userdata, 0700) < 0)
    {
      lc_fail_errno (error, "creating %s", userdata);
      return NULL;
    }
  return g_steal_pointer (&userdata);
}
