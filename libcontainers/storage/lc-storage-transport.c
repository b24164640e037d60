/* lc-storage-transport.c: the containers-storage: transport.
 *
 * Reference: `containers-storage:[DRIVER@GRAPHROOT+RUNROOT:OPTIONS]NAME`,
 * the bracketed store spec optional, as in containers/image.
 *
 * Destination: each layer blob is applied while it streams in (put_blob
 * runs in the copy engine's threads, one layer each): decompression,
 * DiffID, tar-split and unpacking into a staging directory under G/tmp/,
 * outside every lock. commit() then, layer by layer from the bottom,
 * derives the layer ID from the parent and DiffID and moves the staged tree
 * into place under layers.lock, and finally writes the image record, its
 * big data (config, manifest, manifest-<digest>, signature-<hex>) and its
 * name, as containers/image 5.23 does (spec §3.2, §3.6). vfs layers are a
 * copy of their parent, so there the blobs are spooled to G/tmp/ and
 * applied in order at commit.
 *
 * Source: the image's manifest with each layer described by its DiffID
 * (uncompressed, as containers/image's storage source reports through
 * LayerInfosForCopy), the config from big data, and layers rebuilt from
 * tar-split.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "containers/lc-image-ref.h"
#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "image/lc-transport-private.h"
#include "storage/lc-store-private.h"

#define MT_OCI_INDEX    "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST  "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_V2S2  "application/vnd.docker.distribution.manifest.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"

/* ---- references ---------------------------------------------------------- */

typedef struct {
  LcStoreOptions *options;   /* from the [..] spec, or NULL */
  char *name;                /* normalized name, or NULL */
  char *id;                  /* an image ID (or prefix) given as @ID or bare hex */
} StorageRef;

static void
storage_ref_clear (StorageRef *r)
{
  g_clear_pointer (&r->options, lc_store_options_unref);
  g_clear_pointer (&r->name, g_free);
  g_clear_pointer (&r->id, g_free);
}

static gboolean
parse_reference (const char *reference, StorageRef *out, GError **error)
{
  const char *rest = reference;

  memset (out, 0, sizeof *out);
  if (*rest == '[')
    {
      const char *end = strchr (rest, ']');
      g_autofree char *spec = NULL;
      char *p, *plus, *colon, *at;

      if (end == NULL)
        return lc_fail (error, LC_ERROR_INVALID_REFERENCE, "store specifier in \"%s\" is not closed", reference);
      spec = g_strndup (rest + 1, (gsize) (end - rest - 1));
      rest = end + 1;
      out->options = lc_store_options_new ();
      p = spec;
      at = strchr (p, '@');
      if (at != NULL && (strchr (p, '/') == NULL || at < strchr (p, '/')))
        {
          *at = '\0';
          lc_store_options_set_driver (out->options, p);
          p = at + 1;
        }
      plus = strchr (p, '+');
      if (plus != NULL)
        {
          *plus = '\0';
          colon = strchr (plus + 1, ':');
          if (colon != NULL)
            {
              g_auto(GStrv) opts = g_strsplit (colon + 1, ",", -1);
              *colon = '\0';
              for (char **o = opts; *o; o++)
                if (**o != '\0')
                  lc_store_options_add_driver_option (out->options, *o);
            }
          lc_store_options_set_run_root (out->options, plus + 1);
        }
      if (*p != '\0')
        lc_store_options_set_graph_root (out->options, p);
    }
  if (*rest == '@')
    {
      out->id = g_strdup (rest + 1);
      return TRUE;
    }
  if (*rest == '\0')
    return TRUE;
  {
    g_autoptr(GError) local = NULL;
    g_autoptr(LcImageRef) ref = NULL;
    gboolean hex = strlen (rest) >= 3;

    for (const char *c = rest; *c && hex; c++)
      hex = g_ascii_isxdigit (*c) && !g_ascii_isupper (*c);
    ref = lc_image_ref_parse (rest, &local);
    if (ref == NULL)
      {
        if (hex)
          {
            out->id = g_strdup (rest);
            return TRUE;
          }
        g_propagate_error (error, g_steal_pointer (&local));
        return FALSE;
      }
    if (lc_image_ref_get_tag (ref) == NULL && lc_image_ref_get_digest (ref) == NULL)
      {
        g_autoptr(LcImageRef) tagged = lc_image_ref_with_tag (ref, "latest", error);
        if (tagged == NULL)
          return FALSE;
        out->name = lc_image_ref_to_string (tagged);
      }
    else
      out->name = lc_image_ref_to_string (ref);
    if (hex && strlen (rest) == 64)
      out->id = g_strdup (rest);
  }
  return TRUE;
}

static json_object *
parse_json_bytes (GBytes *bytes, const char *what, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (bytes, &len);
  json_tokener *tok = json_tokener_new ();
  json_object *obj = json_tokener_parse_ex (tok, data, (int) len);

  json_tokener_free (tok);
  if (obj == NULL || !json_object_is_type (obj, json_type_object))
    {
      json_object_put (obj);
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s is not a JSON object", what);
      return NULL;
    }
  return obj;
}

static char *
sha256_bytes (GBytes *b)
{
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, b);
  return g_strconcat ("sha256:", hex, NULL);
}

/* ---- destination ---------------------------------------------------------- */

typedef struct {
  LcImageDest parent;
  LcStore *store;
  char *name;
  GMutex lock;
  GHashTable *staged;       /* blob digest -> LcStagedLayer* */
  GHashTable *spooled;      /* blob digest -> temp file path (vfs) */
  GHashTable *blobs;        /* digest -> GBytes (config and other small blobs) */
  GHashTable *known;        /* blob or diff digest -> diff digest, of the store's layers */
  GHashTable *known_layer;  /* diff digest -> ID of a layer with that content */
  GHashTable *reused;       /* blob digest -> diff digest: has_blob said yes */
  GBytes *manifest;
  char *manifest_digest;
  GBytes *list;
  char *list_digest;
} StorageDest;

static const char * const *
dest_supported_manifest_types (LcImageDest *dest)
{
  return NULL;
}

static LcDestFlags
dest_flags (LcImageDest *dest)
{
  return LC_DEST_PRESERVES_COMPRESSION;
}

/* The layers already in the store, by the digest of the blob they were
 * made from and by their DiffID (containers/image's TryReusingBlob looks
 * at both). Read once per copy; self->lock held. */
static gboolean
load_known_layers (StorageDest *self, GCancellable *cancellable, GError **error)
{
  g_autoptr(GPtrArray) layers = NULL;

  if (self->known != NULL)
    return TRUE;
  layers = lc_store_list_layers (self->store, cancellable, error);
  if (layers == NULL)
    return FALSE;
  self->known = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->known_layer = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < layers->len; i++)
    {
      LcLayer *l = layers->pdata[i];
      const char *diff = lc_layer_get_diff_digest (l);
      const char *comp = lc_layer_get_compressed_digest (l);

      if (diff == NULL)
        continue;
      g_hash_table_replace (self->known, g_strdup (diff), g_strdup (diff));
      if (comp != NULL)
        g_hash_table_replace (self->known, g_strdup (comp), g_strdup (diff));
      g_hash_table_replace (self->known_layer, g_strdup (diff), g_strdup (lc_layer_get_id (l)));
    }
  return TRUE;
}

static gboolean
dest_has_blob (LcImageDest *dest, const char *digest, gint64 size, const char *src_repo, gboolean *out_has,
               gint64 *out_size, GCancellable *cancellable, GError **error)
{
  StorageDest *self = (StorageDest *) dest;
  const char *diff;
  gboolean ok;

  /* A blob some layer of the store was made from (or whose DiffID it is)
   * need not be downloaded: commit() finds or makes the layer from the
   * one already there. A layer's storage ID depends on the layers below
   * it, so that can only be decided at commit. */
  *out_has = FALSE;
  g_mutex_lock (&self->lock);
  ok = load_known_layers (self, cancellable, error);
  if (ok && (diff = g_hash_table_lookup (self->known, digest)) != NULL)
    {
      g_hash_table_replace (self->reused, g_strdup (digest), g_strdup (diff));
      *out_has = TRUE;
      if (out_size != NULL)
        *out_size = size;
    }
  g_mutex_unlock (&self->lock);
  return ok;
}

/* Rebuilds the tar stream of layer @id into an unlinked temporary file
 * under G/tmp and returns a descriptor reading it from the start, or -1
 * with @error set: the stream is complete (and its size known) before it
 * is read, and nothing is left on disk whatever happens. */
static int
export_layer_to_unlinked_file (LcStore *store, const char *id, GCancellable *cancellable, GError **error)
{
  g_autofree char *path = g_build_filename (lc_store_get_graph_root (store), "tmp", "lc-diff-XXXXXX", NULL);
  g_autoptr(GOutputStream) out = NULL;
  int fd, rfd, open_errno;

  fd = g_mkstemp_full (path, O_RDWR | O_CLOEXEC, 0600);
  if (fd < 0)
    {
      lc_fail_errno (error, "creating %s", path);
      return -1;
    }
  rfd = open (path, O_RDONLY | O_CLOEXEC);
  open_errno = errno;   /* unlink() below may change errno */
  unlink (path);
  out = g_unix_output_stream_new (fd, TRUE);
  if (rfd < 0)
    {
      lc_fail_errno_value (error, open_errno, "opening %s", path);
      return -1;
    }
  if (!lc_store_export_layer (store, id, out, cancellable, error) || !g_output_stream_close (out, cancellable, error))
    {
      close (rfd);
      return -1;
    }
  return rfd;
}

/* A layer over @parent with the content of the existing layer whose
 * DiffID is @diff: the same layer if it exists, else a copy of that
 * layer's tar stream applied over @parent. */
static LcLayer *
commit_reused_layer (StorageDest *self, const char *parent, const char *digest, const char *diff,
                     GCancellable *cancellable, GError **error)
{
  g_autofree char *id = lc_layer_id_from_diff_id (parent, diff);
  g_autoptr(GError) local = NULL;
  g_autoptr(GInputStream) in = NULL;
  LcLayer *layer;
  const char *source;
  int rfd;

  layer = lc_store_lookup_layer (self->store, id, cancellable, &local);
  if (layer != NULL)
    return layer;
  if (!g_error_matches (local, LC_ERROR, LC_ERROR_NOT_FOUND))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  g_mutex_lock (&self->lock);
  source = self->known_layer ? g_hash_table_lookup (self->known_layer, diff) : NULL;
  g_mutex_unlock (&self->lock);
  if (source == NULL)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "no layer with DiffID %s to reuse for %s", diff, digest);
      return NULL;
    }
  lc_debug ("storage", "layer %s: copying the content of layer %s", id, source);
  rfd = export_layer_to_unlinked_file (self->store, source, cancellable, error);
  if (rfd < 0)
    return NULL;
  in = g_unix_input_stream_new (rfd, TRUE);
  return lc_store_apply_layer (self->store, parent, in, digest, cancellable, error);
}

static gboolean
spool_blob (StorageDest *self, GInputStream *stream, char **out_path, char **out_digest, gint64 *out_size,
            GCancellable *cancellable, GError **error)
{
  g_autofree char *path = g_build_filename (lc_store_get_graph_root (self->store), "tmp", "lc-blob-XXXXXX", NULL);
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guint8 *buf = g_malloc (256 * 1024);
  g_autoptr(GOutputStream) out = NULL;
  gint64 total = 0;
  int fd = g_mkstemp_full (path, O_WRONLY | O_CLOEXEC, 0600);

  if (fd < 0)
    return lc_fail_errno (error, "creating %s", path);
  out = g_unix_output_stream_new (fd, TRUE);
  for (;;)
    {
      gssize n = g_input_stream_read (stream, buf, 256 * 1024, cancellable, error);
      if (n < 0 || (n > 0 && !g_output_stream_write_all (out, buf, (gsize) n, NULL, cancellable, error)))
        {
          unlink (path);
          return FALSE;
        }
      if (n == 0)
        break;
      g_checksum_update (sum, buf, (gsize) n);
      total += n;
    }
  if (!g_output_stream_close (out, cancellable, error))
    {
      unlink (path);
      return FALSE;
    }
  *out_path = g_steal_pointer (&path);
  *out_digest = g_strconcat ("sha256:", g_checksum_get_string (sum), NULL);
  *out_size = total;
  return TRUE;
}

static gboolean
dest_put_blob (LcImageDest *dest, GInputStream *stream, const char *digest, gint64 size, const char *media_type,
               gboolean is_config, char **out_digest, gint64 *out_size, GCancellable *cancellable, GError **error)
{
  StorageDest *self = (StorageDest *) dest;
  g_autofree char *key = NULL;
  gint64 got = 0;

  if (is_config || (media_type != NULL && strstr (media_type, "tar") == NULL))
    {
      g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
      g_autoptr(GBytes) bytes = NULL;

      if (g_output_stream_splice (mem, stream, G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET, cancellable, error) < 0)
        return FALSE;
      bytes = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (mem));
      key = digest ? g_strdup (digest) : sha256_bytes (bytes);
      got = (gint64) g_bytes_get_size (bytes);
      g_mutex_lock (&self->lock);
      g_hash_table_replace (self->blobs, g_strdup (key), g_steal_pointer (&bytes));
      g_mutex_unlock (&self->lock);
    }
  else if (lc_store_stage_needs_parent (self->store))
    {
      g_autofree char *path = NULL, *computed = NULL;

      if (!spool_blob (self, stream, &path, &computed, &got, cancellable, error))
        return FALSE;
      key = digest ? g_strdup (digest) : g_strdup (computed);
      g_mutex_lock (&self->lock);
      g_hash_table_replace (self->spooled, g_strdup (key), g_steal_pointer (&path));
      g_mutex_unlock (&self->lock);
    }
  else
    {
      LcStagedLayer *st = lc_store_stage_layer (self->store, NULL, stream, cancellable, error);

      if (st == NULL)
        return FALSE;
      key = g_strdup (digest ? digest : lc_staged_layer_get_compressed_digest (st));
      got = lc_staged_layer_get_compressed_size (st);
      g_mutex_lock (&self->lock);
      g_hash_table_replace (self->staged, g_strdup (key), st);
      g_mutex_unlock (&self->lock);
    }
  if (out_digest != NULL)
    *out_digest = g_steal_pointer (&key);
  if (out_size != NULL)
    *out_size = got;
  return TRUE;
}

static gboolean
is_list_type (const char *media_type, GBytes *manifest)
{
  if (media_type != NULL)
    return g_str_equal (media_type, MT_OCI_INDEX) || g_str_equal (media_type, MT_DOCKER_LIST);
  {
    gsize len = 0;
    const char *d = g_bytes_get_data (manifest, &len);
    g_autofree char *text = g_strndup (d, len);
    return strstr (text, "\"manifests\"") != NULL;
  }
}

static gboolean
dest_put_manifest (LcImageDest *dest, GBytes *manifest, const char *media_type, const char *instance_digest,
                   GCancellable *cancellable, GError **error)
{
  StorageDest *self = (StorageDest *) dest;

  if (instance_digest == NULL && is_list_type (media_type, manifest))
    {
      g_clear_pointer (&self->list, g_bytes_unref);
      g_free (self->list_digest);
      self->list = g_bytes_ref (manifest);
      self->list_digest = sha256_bytes (manifest);
      return TRUE;
    }
  g_clear_pointer (&self->manifest, g_bytes_unref);
  g_free (self->manifest_digest);
  self->manifest = g_bytes_ref (manifest);
  self->manifest_digest = instance_digest ? g_strdup (instance_digest) : sha256_bytes (manifest);
  return TRUE;
}

static LcLayer *
commit_layer (StorageDest *self, const char *parent, const char *digest, GCancellable *cancellable, GError **error)
{
  LcStagedLayer *st;
  const char *spooled;
  g_autofree char *reused = NULL;

  g_mutex_lock (&self->lock);
  st = g_hash_table_lookup (self->staged, digest);
  spooled = g_hash_table_lookup (self->spooled, digest);
  reused = g_strdup (g_hash_table_lookup (self->reused, digest));
  g_mutex_unlock (&self->lock);
  if (st == NULL && spooled == NULL && reused != NULL)
    return commit_reused_layer (self, parent, digest, reused, cancellable, error);
  if (st != NULL)
    return lc_store_commit_staged_layer (self->store, parent, st, digest, cancellable, error);
  if (spooled != NULL)
    {
      g_autoptr(GFile) file = g_file_new_for_path (spooled);
      g_autoptr(GFileInputStream) in = g_file_read (file, cancellable, error);
      if (in == NULL)
        return NULL;
      return lc_store_apply_layer (self->store, parent, G_INPUT_STREAM (in), digest, cancellable, error);
    }
  lc_fail (error, LC_ERROR_NOT_FOUND, "layer blob %s was not received", digest);
  return NULL;
}

static gboolean
dest_commit (LcImageDest *dest, GCancellable *cancellable, GError **error)
{
  StorageDest *self = (StorageDest *) dest;
  g_autoptr(LcImage) image = NULL;
  g_autofree char *top = NULL;
  g_autofree char *metadata = NULL;
  g_autofree char *sig_key = NULL;
  g_autofree char *manifest_key = NULL;
  json_object *manifest = NULL, *config = NULL, *layers, *v;
  const char *config_digest, *created = NULL;
  GBytes *config_bytes;
  gboolean ok = FALSE;

  if (self->manifest == NULL)
    return lc_fail (error, LC_ERROR_INVALID_DATA, "no image manifest was stored");
  manifest = parse_json_bytes (self->manifest, "the image manifest", error);
  if (manifest == NULL)
    return FALSE;
  if (!json_object_object_get_ex (manifest, "config", &v) ||
      (config_digest = lc_json_get_string (v, "digest")) == NULL || !lc_is_valid_digest (config_digest) ||
      !json_object_object_get_ex (manifest, "layers", &layers) || !json_object_is_type (layers, json_type_array))
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED, "containers-storage: only schema 2 and OCI image manifests are supported");
      goto out;
    }
  config_bytes = g_hash_table_lookup (self->blobs, config_digest);
  if (config_bytes == NULL)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "the image config %s was not received", config_digest);
      goto out;
    }
  config = parse_json_bytes (config_bytes, "the image config", error);
  if (config == NULL)
    goto out;
  created = lc_json_get_string (config, "created");

  /* Layers, bottom to top; each holds layers.lock only for its own commit. */
  for (size_t i = 0; i < json_object_array_length (layers); i++)
    {
      const char *digest = lc_json_get_string (json_object_array_get_idx (layers, i), "digest");
      g_autoptr(LcLayer) layer = NULL;

      if (digest == NULL)
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "layer %zu of the manifest has no digest", i);
          goto out;
        }
      layer = commit_layer (self, top, digest, cancellable, error);
      if (layer == NULL)
        goto out;
      g_free (top);
      top = g_strdup (lc_layer_get_id (layer));
    }

  /* The image, with its big data and name, in one save of images.json
   * (containers/image makes one locked update per item; a crash between
   * them leaves an image without its manifest). The config's digest is
   * its ID. */
  metadata = g_strdup_printf ("{\"signatures-sizes\":{\"%s\":[]}}", self->manifest_digest);
  manifest_key = g_strconcat ("manifest-", self->manifest_digest, NULL);
  sig_key = g_strconcat ("signature-", strchr (self->manifest_digest, ':') + 1, NULL);
  {
    g_autoptr(GBytes) empty = g_bytes_new_static ("", 0);
    g_autofree char *list_key = self->list ? g_strconcat ("manifest-", self->list_digest, NULL) : NULL;
    LcBigDataItem items[5];
    gsize n = 0;

    items[n++] = (LcBigDataItem) { config_digest, config_bytes, NULL };
    if (self->list != NULL)
      items[n++] = (LcBigDataItem) { list_key, self->list, self->list_digest };
    items[n++] = (LcBigDataItem) { manifest_key, self->manifest, self->manifest_digest };
    items[n++] = (LcBigDataItem) { "manifest", self->manifest, self->manifest_digest };
    items[n++] = (LcBigDataItem) { sig_key, empty, NULL };
    image = lc_store_commit_image (self->store, config_digest + 7, top, created, metadata, items, n, self->name,
                                   cancellable, error);
    if (image == NULL)
      goto out;
  }
  lc_debug ("storage", "stored image %s as %s", lc_image_get_id (image), self->name ? self->name : "(no name)");
  ok = TRUE;

out:
  json_object_put (manifest);
  json_object_put (config);
  return ok;
}

static void
remove_spooled (gpointer data)
{
  unlink (data);
  g_free (data);
}

static void
dest_finalize (LcImageDest *dest)
{
  StorageDest *self = (StorageDest *) dest;

  /* staged layers refer to the store's driver: free them first */
  g_hash_table_unref (self->staged);
  g_hash_table_unref (self->spooled);
  g_hash_table_unref (self->blobs);
  g_hash_table_unref (self->reused);
  g_clear_pointer (&self->known, g_hash_table_unref);
  g_clear_pointer (&self->known_layer, g_hash_table_unref);
  g_clear_object (&self->store);
  g_free (self->name);
  g_clear_pointer (&self->manifest, g_bytes_unref);
  g_free (self->manifest_digest);
  g_clear_pointer (&self->list, g_bytes_unref);
  g_free (self->list_digest);
  g_mutex_clear (&self->lock);
  g_free (self);
}

static const LcImageDestVTable dest_vtable = {
  .supported_manifest_types = dest_supported_manifest_types,
  .flags = dest_flags,
  .has_blob = dest_has_blob,
  .put_blob = dest_put_blob,
  .put_manifest = dest_put_manifest,
  .commit = dest_commit,
  .finalize = dest_finalize,
};

static LcImageDest *
storage_open_dest (LcContext *context, const char *reference, LcCopyOptions *options, GCancellable *cancellable,
                   GError **error)
{
  StorageRef ref;
  StorageDest *self;
  g_autofree char *description = g_strconcat ("containers-storage:", reference, NULL);
  LcStore *store;

  if (!parse_reference (reference, &ref, error))
    return NULL;
  if (ref.name == NULL && ref.id == NULL && reference[0] != '\0' && reference[strlen (reference) - 1] != ']')
    {
      storage_ref_clear (&ref);
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "invalid containers-storage reference \"%s\"", reference);
      return NULL;
    }
  store = lc_store_open (context, ref.options, cancellable, error);
  if (store == NULL)
    {
      storage_ref_clear (&ref);
      return NULL;
    }
  self = g_new0 (StorageDest, 1);
  lc_image_dest_init (&self->parent, &dest_vtable, description);
  self->store = store;
  self->name = g_steal_pointer (&ref.name);
  g_mutex_init (&self->lock);
  self->staged = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) lc_staged_layer_free);
  self->spooled = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, remove_spooled);
  self->blobs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_bytes_unref);
  self->reused = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  storage_ref_clear (&ref);
  return &self->parent;
}

/* ---- source -------------------------------------------------------------- */

typedef struct {
  LcImageSource parent;
  LcStore *store;
  LcImage *image;
  GHashTable *layer_by_diff;   /* diff digest -> layer ID */
} StorageSource;

static GBytes *
source_get_manifest (LcImageSource *src, const char *instance_digest, char **out_media_type,
                     GCancellable *cancellable, GError **error)
{
  StorageSource *self = (StorageSource *) src;
  g_autofree char *key = instance_digest ? g_strconcat ("manifest-", instance_digest, NULL) : g_strdup ("manifest");
  g_autoptr(GBytes) stored = lc_store_get_image_big_data (self->store, lc_image_get_id (self->image), key,
                                                          cancellable, error);
  g_autoptr(GPtrArray) chain = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_layer_unref);
  json_object *manifest, *layers;
  const char *mt;
  const char *layer_mt;
  const char *id;
  GBytes *out;

  if (stored == NULL)
    return NULL;
  manifest = parse_json_bytes (stored, "the stored manifest", error);
  if (manifest == NULL)
    return NULL;
  mt = lc_json_get_string (manifest, "mediaType");
  if (!json_object_object_get_ex (manifest, "layers", &layers) || !json_object_is_type (layers, json_type_array))
    {
      /* a list, or something we do not rewrite: hand it out as stored */
      json_object_put (manifest);
      if (out_media_type)
        *out_media_type = g_strdup (mt);
      return g_steal_pointer (&stored);
    }
  /* The layers as stored: uncompressed, named by DiffID (what c/image's
   * storage source reports through LayerInfosForCopy). */
  for (id = lc_image_get_top_layer (self->image); id != NULL;)
    {
      LcLayer *l = lc_store_lookup_layer (self->store, id, cancellable, error);
      if (l == NULL)
        {
          json_object_put (manifest);
          return NULL;
        }
      g_ptr_array_insert (chain, 0, l);
      id = lc_layer_get_parent (l);
    }
  if (chain->len != json_object_array_length (layers))
    {
      json_object_put (manifest);
      lc_fail (error, LC_ERROR_CORRUPT_STORE, "image %s has %u layers, its manifest %zu",
               lc_image_get_id (self->image), chain->len, json_object_array_length (layers));
      return NULL;
    }
  layer_mt = mt != NULL && g_str_equal (mt, MT_DOCKER_V2S2) ? "application/vnd.docker.image.rootfs.diff.tar"
                                                             : "application/vnd.oci.image.layer.v1.tar";
  for (guint i = 0; i < chain->len; i++)
    {
      LcLayer *l = chain->pdata[i];
      json_object *desc = json_object_array_get_idx (layers, i);

      if (lc_layer_get_diff_digest (l) == NULL)
        {
          json_object_put (manifest);
          lc_fail (error, LC_ERROR_UNSUPPORTED, "layer %s has no DiffID", lc_layer_get_id (l));
          return NULL;
        }
      json_object_object_add (desc, "mediaType", json_object_new_string (layer_mt));
      json_object_object_add (desc, "digest", json_object_new_string (lc_layer_get_diff_digest (l)));
      json_object_object_add (desc, "size", json_object_new_int64 (lc_layer_get_diff_size (l)));
      json_object_object_del (desc, "urls");
      g_hash_table_replace (self->layer_by_diff, g_strdup (lc_layer_get_diff_digest (l)),
                            g_strdup (lc_layer_get_id (l)));
    }
  {
    const char *text = json_object_to_json_string_ext (manifest, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    out = g_bytes_new (text, strlen (text));
  }
  if (out_media_type)
    *out_media_type = g_strdup (mt);
  json_object_put (manifest);
  return out;
}

static GInputStream *
source_get_blob (LcImageSource *src, const char *digest, gint64 size, gint64 *out_size,
                 GCancellable *cancellable, GError **error)
{
  StorageSource *self = (StorageSource *) src;
  const char *layer_id = g_hash_table_lookup (self->layer_by_diff, digest);
  int rfd;

  if (layer_id == NULL)
    {
      g_autoptr(GBytes) data = lc_store_get_image_big_data (self->store, lc_image_get_id (self->image), digest,
                                                            cancellable, error);
      if (data == NULL)
        return NULL;
      if (out_size)
        *out_size = (gint64) g_bytes_get_size (data);
      return g_memory_input_stream_new_from_bytes (data);
    }
  rfd = export_layer_to_unlinked_file (self->store, layer_id, cancellable, error);
  if (rfd < 0)
    return NULL;
  if (out_size)
    {
      struct stat st;
      *out_size = fstat (rfd, &st) == 0 ? (gint64) st.st_size : -1;
    }
  return g_unix_input_stream_new (rfd, TRUE);
}

static void
source_finalize (LcImageSource *src)
{
  StorageSource *self = (StorageSource *) src;

  g_clear_object (&self->store);
  g_clear_pointer (&self->image, lc_image_unref);
  g_hash_table_unref (self->layer_by_diff);
  g_free (self);
}

static const LcImageSourceVTable source_vtable = {
  .get_manifest = source_get_manifest,
  .get_blob = source_get_blob,
  .finalize = source_finalize,
};

static LcImageSource *
storage_open_source (LcContext *context, const char *reference, LcCopyOptions *options,
                     GCancellable *cancellable, GError **error)
{
  StorageRef ref;
  g_autoptr(LcStore) store = NULL;
  g_autoptr(LcImage) image = NULL;
  g_autofree char *description = g_strconcat ("containers-storage:", reference, NULL);
  StorageSource *self;

  if (!parse_reference (reference, &ref, error))
    return NULL;
  store = lc_store_open (context, ref.options, cancellable, error);
  if (store != NULL)
    {
      const char *what = ref.id ? ref.id : ref.name;
      if (what == NULL)
        lc_fail (error, LC_ERROR_INVALID_REFERENCE, "containers-storage: no image named in \"%s\"", reference);
      else
        image = lc_store_lookup_image (store, what, cancellable, error);
    }
  storage_ref_clear (&ref);
  if (image == NULL)
    return NULL;
  self = g_new0 (StorageSource, 1);
  lc_image_source_init (&self->parent, &source_vtable, description);
  self->store = g_steal_pointer (&store);
  self->image = g_steal_pointer (&image);
  self->layer_by_diff = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return &self->parent;
}

/* Looked up by lc-transport.c (a weak reference there). */
G_GNUC_INTERNAL const LcTransport lc_storage_transport = {
  .name = "containers-storage",
  .open_source = storage_open_source,
  .open_dest = storage_open_dest,
};
