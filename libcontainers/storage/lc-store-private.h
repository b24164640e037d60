/* lc-store-private.h: internals of LcStore shared by libcontainers/storage/.
 *
 * The records of layers.json, images.json and containers.json are kept as
 * the json-c objects read from disk, so that a rewrite keeps every field,
 * known or not (spec §4.8 rule 7); lc-store-records.c puts the known keys
 * back in containers/storage's struct order when saving.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>

#include "containers/lc-context.h"
#include "containers/lc-store.h"
#include "containers/lc-image.h"
#include "containers/lc-layer.h"
#include "storage/lc-lockfile-private.h"
#include "storage/lc-driver-private.h"

G_BEGIN_DECLS

/* One of the three record files of a store, with its lock. */
typedef struct {
  const char *kind;          /* "layer", "image", "container" */
  char *dir;                 /* G/<drv>-layers, ... */
  char *json_path;           /* .../layers.json */
  LcLockfile *lock;
  json_object *records;      /* array; NULL until loaded */
  GHashTable *by_id;         /* id -> json_object (borrowed from records) */
  GHashTable *by_name;       /* name -> json_object */
  struct timespec mtime;     /* of json_path at the last load (layers reload on change) */
} LcRecordFile;

struct _LcStore
{
  GObject parent_instance;

  char *graph_root;
  char *run_root;
  char *driver_name;
  char **driver_options;
  gboolean rootless;

  LcDriver *driver;
  LcLockfile *graph_lock;    /* G/storage.lock */
  LcLockfile *mounts_lock;   /* R/<drv>-layers/mountpoints.lock */
  LcRecordFile layers;
  LcRecordFile images;
  LcRecordFile containers;
  char *mounts_path;         /* R/<drv>-layers/mountpoints.json */
};

/* Records: loading and saving (lc-store-records.c). */
gboolean lc_record_file_init (LcRecordFile *rf, const char *kind, const char *dir, const char *json_name,
                              gboolean read_only, GError **error);
void lc_record_file_clear (LcRecordFile *rf);
/* Takes the lock and reloads the records if the token (or, for layers,
 * the mtime) shows a change. */
gboolean lc_record_file_lock (LcRecordFile *rf, gboolean exclusive, GCancellable *cancellable, GError **error);
void lc_record_file_unlock (LcRecordFile *rf);
/* Writes the records atomically and touches the lock (exclusive lock held). */
gboolean lc_record_file_save (LcRecordFile *rf, GError **error);
/* Rebuilds by_id and by_name after records changed in memory. */
void lc_record_file_reindex (LcRecordFile *rf);
json_object *lc_record_file_find (LcRecordFile *rf, const char *id_or_name);
/* Finds by unique ID prefix; NULL with LC_ERROR_NOT_FOUND or ambiguity error. */
json_object *lc_record_file_find_prefix (LcRecordFile *rf, const char *prefix, GError **error);
void lc_record_file_append (LcRecordFile *rf, json_object *record);   /* takes ownership */
void lc_record_file_remove (LcRecordFile *rf, json_object *record);

/* Parses the JSON array in @data into records (a missing file is empty;
 * corrupt content is an error here, not silently dropped as 1.43 does). */
json_object *lc_records_parse (const char *data, gsize len, const char *origin, GError **error);
/* Serializes records compactly, known keys in c/storage's order. */
char *lc_records_serialize (json_object *records, const char *kind);

/* Small JSON helpers. */
const char *lc_json_get_string (json_object *obj, const char *key);
gint64 lc_json_get_int (json_object *obj, const char *key, gint64 fallback);
char **lc_json_dup_strv (json_object *obj, const char *key);
gboolean lc_json_strv_contains (json_object *obj, const char *key, const char *value);
void lc_json_strv_remove (json_object *obj, const char *key, const char *value);
void lc_json_strv_prepend_unique (json_object *obj, const char *key, const char *value);
void lc_json_strv_append_unique (json_object *obj, const char *key, const char *value);
void lc_json_set_string_or_remove (json_object *obj, const char *key, const char *value);

/* Atomic file replacement as c/storage's ioutils.AtomicWriteFile: a
 * `.tmp-<name>XXXXXX` file in the same directory, written, fdatasync'd,
 * chmod'ed, renamed over @path. */
gboolean lc_atomic_write (const char *path, const void *data, gsize len, mode_t mode, GError **error);

/* "2026-11-28T20:41:44.059220753Z": RFC 3339, UTC, nanoseconds, trailing
 * zeros dropped, as Go's time.Time marshals. */
char *lc_time_now_rfc3339 (void);
char *lc_time_format_rfc3339 (GDateTime *dt);
/* 64 random hex characters (stringid). */
char *lc_random_id (void);
gboolean lc_is_valid_id (const char *id);
gboolean lc_is_valid_digest (const char *digest);
/* The file name of a big-data key (spec §3.1). */
char *lc_big_data_file_name (const char *key);
/* The storage ID of a layer from its parent's ID and DiffID (spec §3.4). */
char *lc_layer_id_from_diff_id (const char *parent_id, const char *diff_digest);

/* Layers (lc-store-layers.c). */
/* Removes a layer's data and record; layers.lock held for writing. */
gboolean lc_store_layer_delete_locked (LcStore *self, json_object *record, GError **error);
gboolean lc_store_layers_delete_incomplete (LcStore *self, GError **error);
gint64 lc_store_layer_chain_size (LcStore *self, const char *top_layer);
LcLayer *lc_layer_new_from_record (json_object *record);

/* Layer creation in two steps, for the containers-storage transport:
 * stage (no lock, no store state touched: may run in several threads at
 * once, one layer each), then commit (layers.lock, from the store's
 * thread). Drivers whose staging needs the parent's content (vfs: see
 * lc_store_stage_needs_parent) must be staged over the parent they are
 * committed on. */
typedef struct _LcStagedLayer LcStagedLayer;
gboolean lc_store_stage_needs_parent (LcStore *self);
LcStagedLayer *lc_store_stage_layer (LcStore *self, const char *parent_id, GInputStream *diff,
                                     GCancellable *cancellable, GError **error);
const char *lc_staged_layer_get_diff_digest (LcStagedLayer *staged);
const char *lc_staged_layer_get_compressed_digest (LcStagedLayer *staged);
gint64 lc_staged_layer_get_compressed_size (LcStagedLayer *staged);
LcLayer *lc_store_commit_staged_layer (LcStore *self, const char *parent_id, LcStagedLayer *staged,
                                       const char *compressed_digest, GCancellable *cancellable, GError **error);
void lc_staged_layer_free (LcStagedLayer *staged);

/* Images (lc-store-images.c). */
LcImage *lc_image_new_from_record (json_object *record, gint64 size);
/* Records an image with all its big data and a name in one save of
 * images.json (so that a crash leaves either no record or a complete
 * one): the big-data files are written first, then the record. An image
 * with that ID and the same top layer is updated; with another top layer
 * it is LC_ERROR_ALREADY_EXISTS. A NULL digest means the sha256 of the
 * data; the first manifest* item sets the image digest. */
typedef struct {
  const char *key;
  GBytes *data;
  const char *digest;
} LcBigDataItem;
LcImage *lc_store_commit_image (LcStore *self, const char *id, const char *top_layer, const char *created,
                                const char *metadata, const LcBigDataItem *items, gsize n_items,
                                const char *name, GCancellable *cancellable, GError **error);
/* Finds an image by ID, prefix, digest or name; images.lock held. */
json_object *lc_store_find_image_locked (LcStore *self, const char *name, GError **error);

/* Layers: whether a record is flagged incomplete, and the layer's
 * tar-split path. */
gboolean lc_layer_record_is_incomplete (json_object *record);
char *lc_store_tar_split_path (LcStore *self, const char *id);

/* Big data of a record of @rf (images, containers): writes the file
 * (atomically, under rf->dir/<record id>/) and records size and digest;
 * the lock of @rf held for writing, saving is up to the caller. */
gboolean lc_record_set_big_data (LcRecordFile *rf, json_object *record, const char *key, GBytes *data,
                                 const char *digest, GError **error);
GBytes *lc_record_get_big_data (LcRecordFile *rf, json_object *record, const char *key, GError **error);

/* Containers (lc-store-containers.c): the per-container directories. */
char *lc_store_container_dir (LcStore *self, const char *id, gboolean run);

G_END_DECLS
