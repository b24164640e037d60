/* lc-store-check.c: lc_store_check(): finds (and optionally removes) what
 * is inconsistent in a store, as containers/storage's Check and Repair:
 * incomplete layers, layers whose data, parent or tar-split is missing or
 * whose content does not match its DiffID, images whose layers are gone,
 * missing or unnamed big data, containers whose layer or image is gone.
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
#include "storage/lc-tar-private.h"

/* ---- an output stream that only hashes and counts ------------------------ */

#define LC_TYPE_HASH_OUTPUT_STREAM (lc_hash_output_stream_get_type ())
G_DECLARE_FINAL_TYPE (LcHashOutputStream, lc_hash_output_stream, LC, HASH_OUTPUT_STREAM, GOutputStream)

struct _LcHashOutputStream
{
  GOutputStream parent_instance;
  GChecksum *sum;
  guint64 size;
};

G_DEFINE_FINAL_TYPE (LcHashOutputStream, lc_hash_output_stream, G_TYPE_OUTPUT_STREAM)

static gssize
hash_write (GOutputStream *stream, const void *buffer, gsize count, GCancellable *cancellable, GError **error)
{
  LcHashOutputStream *self = LC_HASH_OUTPUT_STREAM (stream);

  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return -1;
  g_checksum_update (self->sum, buffer, count);
  self->size += count;
  return (gssize) count;
}

static void
hash_finalize (GObject *object)
{
  g_checksum_free (LC_HASH_OUTPUT_STREAM (object)->sum);
  G_OBJECT_CLASS (lc_hash_output_stream_parent_class)->finalize (object);
}

static void
lc_hash_output_stream_class_init (LcHashOutputStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = hash_finalize;
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = hash_write;
}

static void
lc_hash_output_stream_init (LcHashOutputStream *self)
{
  self->sum = g_checksum_new (G_CHECKSUM_SHA256);
}

/* ---- the check --------------------------------------------------------------- */

typedef struct {
  LcStore *store;
  gboolean repair;
  GPtrArray *problems;
  GHashTable *bad_layers;      /* id -> (borrowed) */
  GHashTable *bad_images;
  GHashTable *bad_containers;
} Check;

static void G_GNUC_PRINTF (2, 3)
report (Check *c, const char *fmt, ...)
{
  va_list ap;
  char *msg;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (c->repair)
    {
      char *m2 = g_strconcat (msg, " (repaired)", NULL);
      g_free (msg);
      msg = m2;
    }
  lc_debug ("storage", "check: %s", msg);
  g_ptr_array_add (c->problems, msg);
}

static gboolean
layer_digest_matches (LcStore *self, json_object *rec, char **out_digest, guint64 *out_size,
                      GCancellable *cancellable, GError **error)
{
  const char *id = lc_json_get_string (rec, "id");
  g_autofree char *ts = lc_store_tar_split_path (self, id);
  g_autoptr(GPtrArray) dirs = self->driver->klass->content_dirs (self->driver, id, error);
  g_autoptr(LcHashOutputStream) out = NULL;

  if (dirs == NULL)
    return FALSE;
  out = g_object_new (LC_TYPE_HASH_OUTPUT_STREAM, NULL);
  if (!lc_tar_split_rebuild (ts, dirs, G_OUTPUT_STREAM (out), cancellable, error))
    return FALSE;
  *out_digest = g_strconcat ("sha256:", g_checksum_get_string (out->sum), NULL);
  *out_size = out->size;
  return TRUE;
}

static void
check_layers (Check *c, LcStoreCheckFlags flags, GCancellable *cancellable)
{
  LcStore *self = c->store;
  json_object *recs = self->layers.records;
  gboolean again = TRUE;

  for (size_t i = 0; i < json_object_array_length (recs); i++)
    {
      json_object *rec = json_object_array_get_idx (recs, i);
      const char *id = lc_json_get_string (rec, "id");
      const char *parent = lc_json_get_string (rec, "parent");
      const char *diff_digest = lc_json_get_string (rec, "diff-digest");

      if (id == NULL || !lc_is_valid_id (id))
        {
          report (c, "layer record %zu has an invalid ID", i);
          continue;
        }
      if (lc_layer_record_is_incomplete (rec))
        {
          report (c, "layer %s is incomplete", id);
          g_hash_table_add (c->bad_layers, (gpointer) id);
          continue;
        }
      if (parent != NULL && g_hash_table_lookup (self->layers.by_id, parent) == NULL)
        {
          report (c, "layer %s: its parent %s is missing", id, parent);
          g_hash_table_add (c->bad_layers, (gpointer) id);
          continue;
        }
      if (!self->driver->klass->exists (self->driver, id))
        {
          report (c, "layer %s: its %s data directory is missing", id, self->driver_name);
          g_hash_table_add (c->bad_layers, (gpointer) id);
          continue;
        }
      if (diff_digest != NULL)
        {
          g_autofree char *ts = lc_store_tar_split_path (self, id);
          if (!g_file_test (ts, G_FILE_TEST_IS_REGULAR))
            {
              report (c, "layer %s: its tar-split data is missing", id);
              g_hash_table_add (c->bad_layers, (gpointer) id);
              continue;
            }
        }
      if ((flags & LC_STORE_CHECK_DIGESTS) && diff_digest != NULL)
        {
          g_autoptr(GError) local = NULL;
          g_autofree char *digest = NULL;
          guint64 size = 0;
          gint64 want_size = lc_json_get_int (rec, "diff-size", -1);

          if (!layer_digest_matches (self, rec, &digest, &size, cancellable, &local))
            {
              report (c, "layer %s: its content cannot be rebuilt: %s", id, local->message);
              g_hash_table_add (c->bad_layers, (gpointer) id);
            }
          else if (!g_str_equal (digest, diff_digest) || (want_size >= 0 && (guint64) want_size != size))
            {
              report (c, "layer %s: its content is %s (%" G_GUINT64_FORMAT " bytes), the record says %s "
                      "(%" G_GINT64_FORMAT ")", id, digest, size, diff_digest, want_size);
              g_hash_table_add (c->bad_layers, (gpointer) id);
            }
        }
    }
  /* Layers above a broken one are broken too. */
  while (again)
    {
      again = FALSE;
      for (size_t i = 0; i < json_object_array_length (recs); i++)
        {
          json_object *rec = json_object_array_get_idx (recs, i);
          const char *id = lc_json_get_string (rec, "id");
          const char *parent = lc_json_get_string (rec, "parent");

          if (id != NULL && parent != NULL && !g_hash_table_contains (c->bad_layers, id) &&
              g_hash_table_contains (c->bad_layers, parent))
            {
              report (c, "layer %s: its parent %s is broken", id, parent);
              g_hash_table_add (c->bad_layers, (gpointer) id);
              again = TRUE;
            }
        }
    }
}

/* Files in rf->dir/<id>/ that the record's big-data-names do not name,
 * and directories of records that do not exist. */
static void
check_big_data_dirs (Check *c, LcRecordFile *rf, GHashTable *bad)
{
  g_autoptr(GDir) d = g_dir_open (rf->dir, 0, NULL);
  const char *name;

  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (rf->dir, name, NULL);
      json_object *rec;

      if (!lc_is_valid_id (name) || !g_file_test (path, G_FILE_TEST_IS_DIR))
        continue;
      rec = g_hash_table_lookup (rf->by_id, name);
      if (rec == NULL)
        {
          /* Big data written by a commit that did not reach its record
           * (crash): nobody reads it, and a new commit of that image
           * overwrites it, so it is no inconsistency; repair removes it.
           * (Container directories may hold a tool's userdata only.) */
          if (c->repair && !g_str_equal (rf->kind, "container"))
            {
              lc_debug ("storage", "check: removing %s, a %s directory of no record", path, rf->kind);
              lc_storage_rm_rf (path, NULL);
            }
          continue;
        }
      if (g_hash_table_contains (bad, name))
        continue;
      {
        g_autoptr(GDir) sub = g_dir_open (path, 0, NULL);
        g_auto(GStrv) keys = lc_json_dup_strv (rec, "big-data-names");
        g_autoptr(GHashTable) files = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        const char *f;

        for (char **k = keys; *k; k++)
          g_hash_table_add (files, lc_big_data_file_name (*k));
        while (sub != NULL && (f = g_dir_read_name (sub)) != NULL)
          {
            g_autofree char *fp = NULL;
            if (g_str_equal (f, "userdata") || g_str_has_prefix (f, ".tmp-") || g_hash_table_contains (files, f))
              continue;
            fp = g_build_filename (path, f, NULL);
            if (!g_file_test (fp, G_FILE_TEST_IS_REGULAR))
              continue;
            report (c, "%s %s: big-data file %s is not in its record", rf->kind, name, f);
            if (c->repair)
              unlink (fp);
          }
      }
    }
}

static void
check_images (Check *c)
{
  LcStore *self = c->store;
  json_object *recs = self->images.records;

  for (size_t i = 0; i < json_object_array_length (recs); i++)
    {
      json_object *rec = json_object_array_get_idx (recs, i);
      const char *id = lc_json_get_string (rec, "id");
      const char *layer = lc_json_get_string (rec, "layer");
      g_auto(GStrv) keys = NULL;

      if (id == NULL || !lc_is_valid_id (id))
        {
          report (c, "image record %zu has an invalid ID", i);
          continue;
        }
      if (layer != NULL && g_hash_table_lookup (self->layers.by_id, layer) == NULL)
        {
          report (c, "image %s: its top layer %s is missing", id, layer);
          g_hash_table_add (c->bad_images, (gpointer) id);
          continue;
        }
      if (layer != NULL && g_hash_table_contains (c->bad_layers, layer))
        {
          report (c, "image %s: its top layer %s is broken", id, layer);
          g_hash_table_add (c->bad_images, (gpointer) id);
          continue;
        }
      keys = lc_json_dup_strv (rec, "big-data-names");
      for (char **k = keys; *k; k++)
        {
          g_autofree char *fname = lc_big_data_file_name (*k);
          g_autofree char *path = g_build_filename (self->images.dir, id, fname, NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            {
              report (c, "image %s: big data \"%s\" is missing", id, *k);
              g_hash_table_add (c->bad_images, (gpointer) id);
              break;
            }
        }
    }
  check_big_data_dirs (c, &self->images, c->bad_images);
}

static void
check_containers (Check *c)
{
  LcStore *self = c->store;
  json_object *recs = self->containers.records;

  for (size_t i = 0; i < json_object_array_length (recs); i++)
    {
      json_object *rec = json_object_array_get_idx (recs, i);
      const char *id = lc_json_get_string (rec, "id");
      const char *layer = lc_json_get_string (rec, "layer");
      const char *image = lc_json_get_string (rec, "image");

      if (id == NULL || !lc_is_valid_id (id))
        {
          report (c, "container record %zu has an invalid ID", i);
          continue;
        }
      if (layer == NULL || g_hash_table_lookup (self->layers.by_id, layer) == NULL)
        {
          report (c, "container %s: its layer %s is missing", id, layer ? layer : "(none)");
          g_hash_table_add (c->bad_containers, (gpointer) id);
        }
      else if (g_hash_table_contains (c->bad_layers, layer))
        {
          report (c, "container %s: its layer %s is broken", id, layer);
          g_hash_table_add (c->bad_containers, (gpointer) id);
        }
      else if (image != NULL && *image != '\0' &&
               (g_hash_table_lookup (self->images.by_id, image) == NULL ||
                g_hash_table_contains (c->bad_images, image)))
        {
          report (c, "container %s: its image %s is missing or broken", id, image);
          g_hash_table_add (c->bad_containers, (gpointer) id);
        }
    }
  check_big_data_dirs (c, &self->containers, c->bad_containers);
}

/* Layer data with no record: G/overlay/<id>/ or G/vfs/dir/<id>/, and
 * tar-split files of no layer. */
static void
check_orphans (Check *c)
{
  LcStore *self = c->store;
  gboolean vfs = g_str_equal (self->driver_name, "vfs");
  g_autofree char *home = vfs ? g_build_filename (self->driver->home, "dir", NULL) : g_strdup (self->driver->home);
  g_autoptr(GDir) d = g_dir_open (home, 0, NULL);
  g_autoptr(GDir) ld = g_dir_open (self->layers.dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    if (lc_is_valid_id (name) && g_hash_table_lookup (self->layers.by_id, name) == NULL)
      {
        report (c, "%s layer directory %s has no record", self->driver_name, name);
        if (c->repair)
          self->driver->klass->remove (self->driver, name, NULL);
      }
  while (ld != NULL && (name = g_dir_read_name (ld)) != NULL)
    if (g_str_has_suffix (name, ".tar-split.gz"))
      {
        g_autofree char *id = g_strndup (name, strlen (name) - strlen (".tar-split.gz"));
        if (lc_is_valid_id (id) && g_hash_table_lookup (self->layers.by_id, id) == NULL)
          {
            g_autofree char *path = g_build_filename (self->layers.dir, name, NULL);
            report (c, "tar-split file %s has no layer record", name);
            if (c->repair)
              unlink (path);
          }
      }
}

static gboolean
repair (Check *c, GError **error)
{
  LcStore *self = c->store;
  gboolean again = TRUE;
  gboolean changed = FALSE;

  /* Containers, then images, then layers (top down): the reverse of
   * creation, as podman removes them. */
  for (size_t i = json_object_array_length (self->containers.records); i-- > 0;)
    {
      json_object *rec = json_object_array_get_idx (self->containers.records, i);
      g_autofree char *id = g_strdup (lc_json_get_string (rec, "id"));
      if (id == NULL || !g_hash_table_contains (c->bad_containers, id))
        continue;
      g_hash_table_remove (c->bad_containers, id);
      json_object_array_del_idx (self->containers.records, i, 1);
      changed = TRUE;
      for (int run = 0; run < 2; run++)
        {
          g_autofree char *dir = lc_store_container_dir (self, id, run);
          lc_storage_rm_rf (dir, NULL);
        }
    }
  if (changed)
    {
      lc_record_file_reindex (&self->containers);
      if (!lc_record_file_save (&self->containers, error))
        return FALSE;
    }
  changed = FALSE;
  for (size_t i = json_object_array_length (self->images.records); i-- > 0;)
    {
      json_object *rec = json_object_array_get_idx (self->images.records, i);
      g_autofree char *id = g_strdup (lc_json_get_string (rec, "id"));
      g_autofree char *dir = NULL;
      if (id == NULL || !g_hash_table_contains (c->bad_images, id))
        continue;
      g_hash_table_remove (c->bad_images, id);
      json_object_array_del_idx (self->images.records, i, 1);
      changed = TRUE;
      dir = g_build_filename (self->images.dir, id, NULL);
      lc_storage_rm_rf (dir, NULL);
    }
  if (changed)
    {
      lc_record_file_reindex (&self->images);
      if (!lc_record_file_save (&self->images, error))
        return FALSE;
    }
  /* Layers: each pass removes the broken layers no other layer sits on. */
  while (again)
    {
      g_autoptr(GHashTable) parents = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      json_object *victim = NULL;

      again = FALSE;
      for (size_t i = 0; i < json_object_array_length (self->layers.records); i++)
        {
          const char *p = lc_json_get_string (json_object_array_get_idx (self->layers.records, i), "parent");
          if (p != NULL)
            g_hash_table_add (parents, g_strdup (p));
        }
      for (size_t i = 0; i < json_object_array_length (self->layers.records) && victim == NULL; i++)
        {
          json_object *rec = json_object_array_get_idx (self->layers.records, i);
          const char *id = lc_json_get_string (rec, "id");
          if (id != NULL && g_hash_table_contains (c->bad_layers, id) && !g_hash_table_contains (parents, id))
            victim = rec;
        }
      if (victim != NULL)
        {
          g_hash_table_remove (c->bad_layers, lc_json_get_string (victim, "id"));
          if (!lc_store_layer_delete_locked (self, victim, error))
            return FALSE;
          again = TRUE;
        }
    }
  return TRUE;
}

/**
 * lc_store_check:
 * @self: a #LcStore
 * @flags: what to check, and whether to repair
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Looks for inconsistencies, as containers/storage's Check: layers left
 * incomplete by a crash, layers whose data directory, parent or tar-split
 * data is missing, layers whose content no longer rebuilds to their DiffID
 * (with %LC_STORE_CHECK_DIGESTS), images whose top layer is missing or
 * broken, big data named in a record but missing and big-data files no
 * record names, containers whose layer or image is gone, layer data with
 * no record. With %LC_STORE_CHECK_REPAIR, what is broken is removed, as
 * containers/storage's Repair does (containers first, then images, then
 * layers from the top down); the problems found are still returned.
 * Repair also removes image directories of no record (big data of a
 * commit that a crash stopped before its record), which are harmless and
 * not reported.
 *
 * The check holds the store's locks (for writing when repairing) while
 * it runs, so other users of the store wait for it.
 *
 * Returns: (transfer container) (element-type utf8): one message per problem
 *   found (empty if none), or %NULL with @error set
 *
 * Since: 1.0
 */
GPtrArray *
lc_store_check (LcStore *self, LcStoreCheckFlags flags, GCancellable *cancellable, GError **error)
{
  gboolean rw = (flags & LC_STORE_CHECK_REPAIR) != 0;
  Check c = { 0 };
  GPtrArray *out = NULL;

  g_return_val_if_fail (LC_IS_STORE (self), NULL);
  if (!lc_record_file_lock (&self->layers, rw, cancellable, error))
    return NULL;
  if (!lc_record_file_lock (&self->images, rw, cancellable, error))
    goto out_layers;
  if (!lc_record_file_lock (&self->containers, rw, cancellable, error))
    goto out_images;
  c.store = self;
  c.repair = rw;
  c.problems = g_ptr_array_new_with_free_func (g_free);
  c.bad_layers = g_hash_table_new (g_str_hash, g_str_equal);
  c.bad_images = g_hash_table_new (g_str_hash, g_str_equal);
  c.bad_containers = g_hash_table_new (g_str_hash, g_str_equal);
  check_layers (&c, flags, cancellable);
  check_images (&c);
  check_containers (&c);
  check_orphans (&c);
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    goto out;
  if (rw && !repair (&c, error))
    goto out;
  out = g_steal_pointer (&c.problems);
out:
  g_clear_pointer (&c.problems, g_ptr_array_unref);
  g_hash_table_unref (c.bad_layers);
  g_hash_table_unref (c.bad_images);
  g_hash_table_unref (c.bad_containers);
  lc_record_file_unlock (&self->containers);
out_images:
  lc_record_file_unlock (&self->images);
out_layers:
  lc_record_file_unlock (&self->layers);
  return out;
}
