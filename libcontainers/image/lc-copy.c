/* lc-copy.c: the copy engine.
 *
 * Source and destination are opened through the transport interface.
 * For one image: the manifest is read and parsed, the destination format
 * chosen (§7.5 of the spec), the config copied, then the layers in a
 * thread pool (up to 6 at once), each streamed source → verifying stream
 * → (decompress, compress) → destination, with no temporary file unless
 * the destination needs one. Progress events of the workers are queued
 * and delivered in the calling thread. The first failure cancels the
 * other workers; the destination, never committed, then removes what it
 * wrote.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "image/lc-compression-private.h"
#include "image/lc-copy-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-image-private.h"
#include "image/lc-image-ref-private.h"
#include "image/lc-manifest-private.h"
#include "image/lc-policy-private.h"
#include "image/lc-progress-private.h"
#include "image/lc-transport-private.h"

#define PROGRESS_STEP (512 * 1024)

typedef struct {
  LcCopyOptions *options;
  LcImageSource *src;
  LcImageDest *dest;
  GCancellable *cancellable;    /* internal: cancelled by the caller's or by a failure */
  GAsyncQueue *events;          /* Event* from workers */
  GThread *main_thread;
  LcProgressFunc progress;
  gpointer user_data;
  LcDestFlags dest_flags;
  const char *src_repo;         /* the source repository when it is a registry, for mounts */
} CopyRun;

typedef struct {
  LcProgress *progress;   /* NULL: a job finished */
} Event;

static void
emit (CopyRun *run, LcCopyPhase phase, LcBlobKind kind, const char *digest, guint64 done, guint64 total)
{
  LcProgress *p;

  if (!run->progress)
    return;
  p = lc_progress_new (phase, kind, digest, done, total);
  if (g_thread_self () == run->main_thread)
    {
      run->progress (p, run->user_data);
      lc_progress_free (p);
    }
  else
    {
      Event *e = g_new0 (Event, 1);
      e->progress = p;
      g_async_queue_push (run->events, e);
    }
}

/* Layer jobs */

typedef struct {
  CopyRun *run;
  const LcDescriptor *src;
  const char *target_type;      /* manifest type being written */
  LcBlobKind kind;
  LcDescriptor *result;
  GError *error;
  guint64 last_reported;
} BlobJob;

static void
job_progress (guint64 done, gpointer user_data)
{
  BlobJob *job = user_data;

  if (done - job->last_reported >= PROGRESS_STEP)
    {
      job->last_reported = done;
      emit (job->run, LC_COPY_PHASE_DOWNLOAD, job->kind, job->src->digest, done,
            job->src->size > 0 ? (guint64) job->src->size : 0);
    }
}

typedef enum { WANT_KEEP, WANT_NONE, WANT_GZIP, WANT_ZSTD } Want;

static Want
layer_policy (CopyRun *run, const char *target_type)
{
  LcCompression c = lc_copy_options_get_compression (run->options);

  if (run->dest_flags & LC_DEST_WANTS_UNCOMPRESSED_LAYERS)
    return WANT_NONE;
  if (run->dest_flags & LC_DEST_PRESERVES_COMPRESSION)
    return WANT_KEEP;
  switch (c)
    {
    case LC_COMPRESSION_NONE: return WANT_NONE;
    case LC_COMPRESSION_GZIP: return WANT_GZIP;
    case LC_COMPRESSION_ZSTD: return WANT_ZSTD;
    case LC_COMPRESSION_AUTO:
    default: return WANT_KEEP;   /* compressed stay; uncompressed get gzip (below) */
    }
}

static gboolean
copy_layer (BlobJob *job, GError **error)
{
  CopyRun *run = job->run;
  const LcDescriptor *src = job->src;
  LcCompressionKind declared = LC_COMPRESSION_KIND_NONE, actual, final;
  gboolean foreign = FALSE, known;
  gboolean docker_target = !lc_media_type_is_oci (job->target_type);
  gboolean has = FALSE;
  gint64 have_size = -1, src_size = -1, new_size = -1;
  Want want = layer_policy (run, job->target_type);
  g_autoptr(GInputStream) raw = NULL, verify = NULL, buffered = NULL, out = NULL;
  g_autofree char *new_digest = NULL;
  const char *mt;

  known = lc_layer_media_type_info (src->media_type, &declared, &foreign);
  if (!known)
    want = WANT_KEEP;   /* artifacts, encrypted layers: never touched */
  if (docker_target && known && declared == LC_COMPRESSION_KIND_ZSTD && want == WANT_KEEP)
    want = WANT_GZIP;

  /* Reuse what the destination has, unless it must be transformed. */
  if (want == WANT_KEEP || (want == WANT_NONE && declared == LC_COMPRESSION_KIND_NONE) ||
      (want == WANT_GZIP && declared == LC_COMPRESSION_KIND_GZIP) ||
      (want == WANT_ZSTD && declared == LC_COMPRESSION_KIND_ZSTD))
    {
      if (!run->dest->vtable->has_blob (run->dest, src->digest, src->size, run->src_repo, &has, &have_size,
                                        run->cancellable, error))
        return FALSE;
    }
  if (has)
    {
      emit (run, LC_COPY_PHASE_SKIP, job->kind, src->digest, (guint64) MAX (src->size, 0),
            (guint64) MAX (src->size, 0));
      job->result = lc_descriptor_copy (src);
      if (known)
        {
          g_free (job->result->media_type);
          mt = lc_layer_media_type_for (job->target_type, declared, foreign, error);
          if (!mt)
            return FALSE;
          job->result->media_type = g_strdup (mt);
        }
      return TRUE;
    }

  emit (run, LC_COPY_PHASE_DOWNLOAD, job->kind, src->digest, 0, (guint64) MAX (src->size, 0));
  raw = run->src->vtable->get_blob (run->src, src->digest, src->size, &src_size, run->cancellable, error);
  if (!raw)
    return FALSE;
  if (src->size >= 0 && src_size >= 0 && src_size != src->size)
    return lc_fail (error, LC_ERROR_DIGEST_MISMATCH,
                    "Size mismatch for %s: the manifest says %" G_GINT64_FORMAT ", the source has %"
                    G_GINT64_FORMAT, src->digest, src->size, src_size);
  verify = lc_verify_stream_new (raw, src->digest, src->size);
  lc_verify_stream_set_progress (LC_VERIFY_STREAM (verify), job_progress, job);
  buffered = g_buffered_input_stream_new_sized (verify, 256 * 1024);
  if (!lc_compression_detect_stream (G_BUFFERED_INPUT_STREAM (buffered), &actual, run->cancellable, error))
    return FALSE;

  switch (want)
    {
    case WANT_NONE: final = LC_COMPRESSION_KIND_NONE; break;
    case WANT_GZIP: final = LC_COMPRESSION_KIND_GZIP; break;
    case WANT_ZSTD: final = LC_COMPRESSION_KIND_ZSTD; break;
    case WANT_KEEP:
    default:
      final = actual;
      if (known && actual == LC_COMPRESSION_KIND_NONE && !(run->dest_flags & LC_DEST_PRESERVES_COMPRESSION))
        final = LC_COMPRESSION_KIND_GZIP;
      break;
    }
  if (!known)
    final = actual;

  if (final == actual)
    out = g_object_ref (buffered);
  else
    {
      g_autoptr(GInputStream) plain = lc_decompress_stream (buffered, actual, error);
      g_autoptr(GConverter) comp = NULL;
      if (!plain)
        return FALSE;
      if (final == LC_COMPRESSION_KIND_NONE)
        out = g_steal_pointer (&plain);
      else
        {
          comp = lc_compressor_new (final, error);
          if (!comp)
            return FALSE;
          out = g_converter_input_stream_new (plain, comp);
        }
      lc_debug ("image", "layer %s: %s → %s", src->digest, lc_compression_kind_name (actual),
                lc_compression_kind_name (final));
    }

  if (known)
    {
      /* Unchanged bytes keep the declared type (mapped to the format);
       * changed ones get the type of what they now are. */
      mt = lc_layer_media_type_for (job->target_type, final == actual ? declared : final, foreign, error);
      if (!mt)
        return FALSE;
    }
  else
    mt = src->media_type;

  if (!run->dest->vtable->put_blob (run->dest, out, final == actual ? src->digest : NULL,
                                    final == actual ? src->size : -1, mt, FALSE, &new_digest, &new_size,
                                    run->cancellable, error))
    {
      /* Corrupt compressed data usually breaks the decompressor before the
       * digest is checked at EOF: read on, so that corruption is reported
       * as what it is. */
      if (error && *error && (*error)->domain == LC_ERROR && (*error)->code == LC_ERROR_INVALID_DATA &&
          !lc_verify_stream_reached_eof (LC_VERIFY_STREAM (verify)))
        {
          g_autoptr(GError) drain_error = NULL;
          guint8 buf[65536];
          gssize n;
          while ((n = g_input_stream_read (verify, buf, sizeof buf, run->cancellable, &drain_error)) > 0)
            ;
          if (n < 0 && g_error_matches (drain_error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH))
            {
              g_clear_error (error);
              g_propagate_error (error, g_steal_pointer (&drain_error));
            }
        }
      return FALSE;
    }
  if (!lc_verify_stream_reached_eof (LC_VERIFY_STREAM (verify)))
    return lc_fail (error, LC_ERROR_IO, "%s: the destination did not read blob %s to its end",
                    run->dest->description, src->digest);
  emit (run, LC_COPY_PHASE_VERIFY, job->kind, src->digest,
        lc_verify_stream_get_bytes_read (LC_VERIFY_STREAM (verify)),
        lc_verify_stream_get_bytes_read (LC_VERIFY_STREAM (verify)));
  job->result = lc_descriptor_copy (src);
  g_free (job->result->media_type);
  job->result->media_type = g_strdup (mt);
  if (final != actual)
    {
      g_free (job->result->digest);
      job->result->digest = g_steal_pointer (&new_digest);
      job->result->size = new_size;
    }
  emit (run, LC_COPY_PHASE_DONE, job->kind, src->digest, (guint64) MAX (job->result->size, 0),
        (guint64) MAX (job->result->size, 0));
  return TRUE;
}

static void
blob_job_run (gpointer data, gpointer user_data)
{
  BlobJob *job = data;
  Event *e = g_new0 (Event, 1);

  if (!copy_layer (job, &job->error))
    g_cancellable_cancel (job->run->cancellable);
  g_async_queue_push (job->run->events, e);
}

static gboolean
copy_config (CopyRun *run, const LcDescriptor *config, const char *config_type, GError **error)
{
  g_autoptr(GInputStream) raw = NULL, mem = NULL;
  g_autoptr(GBytes) bytes = NULL;
  gboolean has = FALSE;
  gint64 have_size;

  if (!run->dest->vtable->has_blob (run->dest, config->digest, config->size, run->src_repo, &has, &have_size,
                                    run->cancellable, error))
    return FALSE;
  if (has)
    {
      emit (run, LC_COPY_PHASE_SKIP, LC_BLOB_KIND_CONFIG, config->digest, (guint64) config->size,
            (guint64) config->size);
      return TRUE;
    }
  emit (run, LC_COPY_PHASE_DOWNLOAD, LC_BLOB_KIND_CONFIG, config->digest, 0, (guint64) config->size);
  raw = run->src->vtable->get_blob (run->src, config->digest, config->size, NULL, run->cancellable, error);
  if (!raw)
    return FALSE;
  bytes = lc_read_all (raw, LC_CONFIG_MAX_SIZE, run->cancellable, error);
  if (!bytes)
    return FALSE;
  if (!lc_digest_verify_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes), config->digest,
                              config->size, error))
    {
      g_prefix_error (error, "config: ");
      return FALSE;
    }
  emit (run, LC_COPY_PHASE_VERIFY, LC_BLOB_KIND_CONFIG, config->digest, g_bytes_get_size (bytes),
        g_bytes_get_size (bytes));
  mem = g_memory_input_stream_new_from_bytes (bytes);
  if (!run->dest->vtable->put_blob (run->dest, mem, config->digest, config->size, config_type, TRUE,
                                    NULL, NULL, run->cancellable, error))
    return FALSE;
  emit (run, LC_COPY_PHASE_DONE, LC_BLOB_KIND_CONFIG, config->digest, g_bytes_get_size (bytes),
        g_bytes_get_size (bytes));
  return TRUE;
}

/* Copies @config (on this thread, reporting its progress first) while
 * @layers are copied in parallel; fills @results (LcDescriptor*) in order. */
static gboolean
copy_layers (CopyRun *run, const LcDescriptor *config, const char *config_type, GPtrArray *layers,
             const char *target_type, GPtrArray *results, GError **error)
{
  g_autofree BlobJob *jobs = g_new0 (BlobJob, MAX (layers->len, 1));
  GThreadPool *pool;
  guint done = 0;
  GError *first = NULL, *config_error = NULL;
  gboolean ok = TRUE;

  if (layers->len == 0)
    return copy_config (run, config, config_type, error);
  pool = g_thread_pool_new (blob_job_run, NULL, (gint) MIN (lc_copy_options_get_max_parallel (run->options),
                                                            layers->len), FALSE, error);
  if (!pool)
    return FALSE;
  for (guint i = 0; i < layers->len; i++)
    {
      jobs[i].run = run;
      jobs[i].src = layers->pdata[i];
      jobs[i].target_type = target_type;
      jobs[i].kind = LC_BLOB_KIND_LAYER;
      g_thread_pool_push (pool, &jobs[i], NULL);
    }
  /* The config's round trips overlap the layers' instead of preceding
   * them; its events are delivered directly, before the queued ones. */
  if (!copy_config (run, config, config_type, &config_error))
    g_cancellable_cancel (run->cancellable);
  while (done < layers->len)
    {
      Event *e = g_async_queue_pop (run->events);
      if (e->progress)
        {
          run->progress (e->progress, run->user_data);
          lc_progress_free (e->progress);
        }
      else
        done++;
      g_free (e);
    }
  g_thread_pool_free (pool, FALSE, TRUE);
  /* Drain progress events queued after the last "done". */
  for (Event *e; (e = g_async_queue_try_pop (run->events)) != NULL; g_free (e))
    if (e->progress)
      {
        run->progress (e->progress, run->user_data);
        lc_progress_free (e->progress);
      }
  /* Report the failure that caused the others' cancellation. */
  if (config_error && !g_error_matches (config_error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    first = config_error;
  for (guint i = 0; i < layers->len && !first; i++)
    if (jobs[i].error && !first && !g_error_matches (jobs[i].error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
      first = jobs[i].error;
  for (guint i = 0; i < layers->len && !first; i++)
    if (jobs[i].error)
      first = jobs[i].error;
  if (!first)
    first = config_error;
  if (first && first == config_error)
    {
      g_propagate_error (error, g_steal_pointer (&config_error));
      ok = FALSE;
    }
  g_clear_error (&config_error);
  for (guint i = 0; i < layers->len; i++)
    {
      if (jobs[i].error == first && first)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&jobs[i].error), "copying blob %s: ",
                                      jobs[i].src->digest);
          ok = FALSE;
        }
      g_clear_error (&jobs[i].error);
      if (ok)
        g_ptr_array_add (results, jobs[i].result);
      else
        lc_descriptor_free (jobs[i].result);
      jobs[i].result = NULL;
    }
  return ok;
}

static gboolean
dest_supports (CopyRun *run, const char *type)
{
  const char *const *types = run->dest->vtable->supported_manifest_types (run->dest);

  if (types == NULL)
    return TRUE;
  for (gsize i = 0; types[i]; i++)
    if (strcmp (types[i], type) == 0)
      return TRUE;
  return FALSE;
}

/* §7.5, simplified: forced format, else the source's when supported, else
 * schema2, else the destination's first image manifest type. */
static const char *
choose_manifest_type (CopyRun *run, const char *src_type, LcManifestFormat forced, GError **error)
{
  const char *const *types = run->dest->vtable->supported_manifest_types (run->dest);
  gboolean zstd = lc_copy_options_get_compression (run->options) == LC_COMPRESSION_ZSTD &&
                  !(run->dest_flags & (LC_DEST_WANTS_UNCOMPRESSED_LAYERS | LC_DEST_PRESERVES_COMPRESSION));
  const char *want = NULL;

  if (forced != LC_MANIFEST_FORMAT_AUTO)
    {
      want = forced == LC_MANIFEST_FORMAT_OCI ? LC_MT_OCI_MANIFEST : LC_MT_DOCKER_V2S2;
      if (!dest_supports (run, want))
        {
          lc_fail (error, LC_ERROR_UNSUPPORTED, "%s does not support %s manifests",
                   run->dest->description, want);
          return NULL;
        }
      if (zstd && strcmp (want, LC_MT_DOCKER_V2S2) == 0)
        {
          lc_fail (error, LC_ERROR_UNSUPPORTED, "zstd compression is not supported for docker images");
          return NULL;
        }
      return want;
    }
  if (!zstd && dest_supports (run, src_type))
    return src_type;
  if (zstd && dest_supports (run, LC_MT_OCI_MANIFEST))
    return LC_MT_OCI_MANIFEST;
  if (!zstd && dest_supports (run, LC_MT_DOCKER_V2S2))
    return LC_MT_DOCKER_V2S2;
  for (gsize i = 0; types && types[i]; i++)
    if (lc_media_type_is_manifest (types[i]) && (!zstd || lc_media_type_is_oci (types[i])))
      return types[i];
  lc_fail (error, LC_ERROR_UNSUPPORTED, "%s supports no manifest type that can hold this image%s",
           run->dest->description, zstd ? " with zstd layers" : "");
  return NULL;
}

static gboolean
same_descriptor (const LcDescriptor *a, const LcDescriptor *b)
{
  return strcmp (a->digest, b->digest) == 0 && a->size == b->size && strcmp (a->media_type, b->media_type) == 0;
}

/* Copies one image (@instance_digest: an instance of the source's list, or
 * NULL for the top-level manifest). @as_instance: write it as an instance
 * of a list (else as the top-level manifest). Returns the manifest written. */
static GBytes *
copy_image (CopyRun *run, const char *instance_digest, LcManifestFormat forced, gboolean as_instance,
            char **out_media_type, GError **error)
{
  g_autofree char *announced = NULL, *digest = NULL, *new_digest = NULL;
  g_autoptr(GBytes) bytes = NULL, out_bytes = NULL;
  g_autoptr(LcManifest) m = NULL;
  g_autoptr(GPtrArray) results = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_descriptor_free);
  const char *target;
  gboolean changed = FALSE;

  bytes = run->src->vtable->get_manifest (run->src, instance_digest, &announced, run->cancellable, error);
  if (!bytes)
    return NULL;
  digest = lc_digest_bytes (bytes);
  if (instance_digest && !lc_digest_verify_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                                 instance_digest, -1, error))
    return NULL;
  m = lc_manifest_parse (bytes, announced, error);
  if (!m)
    return NULL;
  if (m->is_list)
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED, "nested manifest lists are not supported (%s)", digest);
      return NULL;
    }
  emit (run, LC_COPY_PHASE_RESOLVE, LC_BLOB_KIND_MANIFEST, digest, g_bytes_get_size (bytes),
        g_bytes_get_size (bytes));
  target = choose_manifest_type (run, m->media_type, forced, error);
  if (!target)
    return NULL;
  lc_debug ("image", "copying %s (%s) as %s", digest, m->media_type, target);

  if (strcmp (target, m->media_type) != 0)
    for (guint i = 0; i < m->layers->len; i++)
      {
        const LcDescriptor *d = m->layers->pdata[i];
        LcCompressionKind kind;
        gboolean foreign;
        if (!lc_layer_media_type_info (d->media_type, &kind, &foreign))
          {
            lc_fail (error, LC_ERROR_UNSUPPORTED,
                     "Error during manifest conversion: \"%s\": unsupported layer media type", d->media_type);
            return NULL;
          }
      }
  if (!copy_layers (run, m->config, lc_media_type_is_oci (target) ? LC_MT_OCI_CONFIG : LC_MT_DOCKER_CONFIG,
                    m->layers, target, results, error))
    return NULL;
  /* A cancellation that came with the last progress events still counts. */
  if (g_cancellable_set_error_if_cancelled (run->cancellable, error))
    return NULL;

  for (guint i = 0; i < results->len; i++)
    if (!same_descriptor (results->pdata[i], m->layers->pdata[i]))
      changed = TRUE;
  if (!changed && strcmp (target, m->media_type) == 0)
    out_bytes = g_bytes_ref (bytes);
  else
    {
      g_ptr_array_unref (m->layers);
      m->layers = g_steal_pointer (&results);
      if (strcmp (target, m->media_type) != 0)
        {
          /* The layers already carry the target's types; convert the rest. */
          if (!lc_media_type_is_oci (target))
            for (guint i = 0; i < m->layers->len; i++)
              g_clear_pointer (&((LcDescriptor *) m->layers->pdata[i])->annotations, json_object_put);
          g_free (m->config->media_type);
          m->config->media_type = g_strdup (lc_media_type_is_oci (target) ? LC_MT_OCI_CONFIG
                                                                        : LC_MT_DOCKER_CONFIG);
          if (!lc_media_type_is_oci (target))
            {
              g_clear_pointer (&m->annotations, json_object_put);
              g_clear_pointer (&m->artifact_type, g_free);
              g_clear_pointer (&m->subject, json_object_put);
            }
          g_free (m->media_type);
          m->media_type = g_strdup (target);
          m->has_media_type_field = TRUE;
        }
      out_bytes = lc_manifest_serialize (m);
    }
  new_digest = lc_digest_bytes (out_bytes);
  emit (run, LC_COPY_PHASE_WRITE, LC_BLOB_KIND_MANIFEST, new_digest, g_bytes_get_size (out_bytes),
        g_bytes_get_size (out_bytes));
  if (!run->dest->vtable->put_manifest (run->dest, out_bytes, target, as_instance ? new_digest : NULL,
                                        run->cancellable, error))
    return NULL;
  if (out_media_type)
    *out_media_type = g_strdup (target);
  return g_steal_pointer (&out_bytes);
}

static GBytes *
copy_list (CopyRun *run, LcManifest *list, GBytes *list_bytes, GError **error)
{
  const char *target = NULL;
  LcManifestFormat forced = lc_copy_options_get_format (run->options);
  LcManifestFormat instance_format = forced;
  gboolean changed = FALSE;
  g_autoptr(GBytes) out = NULL;
  g_autofree char *digest = NULL;

  if (forced == LC_MANIFEST_FORMAT_OCI)
    target = LC_MT_OCI_INDEX;
  else if (forced == LC_MANIFEST_FORMAT_V2S2)
    target = LC_MT_DOCKER_LIST;
  else if (dest_supports (run, list->media_type))
    target = list->media_type;
  else if (dest_supports (run, LC_MT_OCI_INDEX))
    target = LC_MT_OCI_INDEX;
  else if (dest_supports (run, LC_MT_DOCKER_LIST))
    target = LC_MT_DOCKER_LIST;
  if (!target || !dest_supports (run, target))
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED,
               "copying multiple images: destination transport \"%s\" does not support copying multiple "
               "images as a group", run->dest->description);
      return NULL;
    }
  if (strcmp (target, LC_MT_DOCKER_LIST) == 0)
    instance_format = LC_MANIFEST_FORMAT_V2S2;
  lc_info ("image", "copying %u images in list", list->manifests->len);
  for (guint i = 0; i < list->manifests->len; i++)
    {
      LcDescriptor *d = list->manifests->pdata[i];
      g_autofree char *mt = NULL, *nd = NULL;
      g_autoptr(GBytes) inst = NULL;

      if (!lc_media_type_is_manifest (d->media_type))
        {
          lc_fail (error, LC_ERROR_UNSUPPORTED, "list entry %s has unsupported media type \"%s\"",
                   d->digest, d->media_type);
          return NULL;
        }
      inst = copy_image (run, d->digest, instance_format, TRUE, &mt, error);
      if (!inst)
        {
          g_prefix_error (error, "copying image %u/%u from manifest list: ", i + 1, list->manifests->len);
          return NULL;
        }
      nd = lc_digest_bytes (inst);
      if (strcmp (nd, d->digest) != 0 || strcmp (mt, d->media_type) != 0 ||
          (gint64) g_bytes_get_size (inst) != d->size)
        {
          changed = TRUE;
          g_free (d->digest);
          g_free (d->media_type);
          d->digest = g_steal_pointer (&nd);
          d->media_type = g_strdup (mt);
          d->size = (gint64) g_bytes_get_size (inst);
        }
    }
  if (!changed && strcmp (target, list->media_type) == 0)
    out = g_bytes_ref (list_bytes);
  else
    {
      const char *was = list->media_type;
      if (strcmp (target, was) != 0)
        {
          /* Entries already carry their new types; only the list type and fields change. */
          if (strcmp (target, LC_MT_DOCKER_LIST) == 0)
            {
              g_clear_pointer (&list->annotations, json_object_put);
              for (guint i = 0; i < list->manifests->len; i++)
                if (!((LcDescriptor *) list->manifests->pdata[i])->platform)
                  {
                    lc_fail (error, LC_ERROR_UNSUPPORTED, "a Docker manifest list entry needs a platform");
                    return NULL;
                  }
            }
          g_free (list->media_type);
          list->media_type = g_strdup (target);
          list->has_media_type_field = TRUE;
        }
      out = lc_manifest_serialize (list);
    }
  digest = lc_digest_bytes (out);
  emit (run, LC_COPY_PHASE_WRITE, LC_BLOB_KIND_MANIFEST, digest, g_bytes_get_size (out), g_bytes_get_size (out));
  if (!run->dest->vtable->put_manifest (run->dest, out, target, NULL, run->cancellable, error))
    return NULL;
  return g_steal_pointer (&out);
}

LcImageSource *
lc_image_open_source (LcContext *context, const char *image, LcCopyOptions *options,
                      GCancellable *cancellable, GError **error)
{
  const LcTransport *t;
  const char *rest;
  g_autoptr(LcCopyOptions) defaults = NULL;

  if (!lc_transport_parse_name (image, &t, &rest, error))
    return NULL;
  if (!options)
    options = defaults = lc_copy_options_new ();
  return t->open_source (context, rest, options, cancellable, error);
}

static void
cancel_internal (GCancellable *caller, gpointer data)
{
  g_cancellable_cancel (G_CANCELLABLE (data));
}

/**
 * lc_copy_image:
 * @context: the system configuration
 * @source: the image to copy, `TRANSPORT:REFERENCE` (`oci:/srv/layout:v1`,
 *   `docker://quay.io/podman/stable`, `dir:/tmp/img`, ...)
 * @destination: where to copy it, in the same syntax
 * @options: (nullable): options, or %NULL for the defaults
 * @progress: (scope call) (nullable) (closure user_data): progress events,
 *   delivered in the calling thread
 * @user_data: data for @progress
 * @out_manifest_digest: (out) (optional) (transfer full): the digest of the
 *   manifest (or list) written
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Copies an image, like `skopeo copy`. Layers are copied in parallel and
 * streamed; every blob read is checked against its digest and size; blobs
 * the destination already has are skipped; the manifest is converted
 * (Docker schema2 ↔ OCI) when the destination or @options need it, and
 * layers recompressed on request. Nothing is visible at the destination
 * before the copy succeeded as a whole: a failed or cancelled copy leaves
 * it as it was (a `dir:` destination is emptied when writing starts).
 *
 * Before anything is opened, the source is checked against the context's
 * policy.json (lc_context_get_policy_path()), as containers/image does:
 * a `reject` requirement gives %LC_ERROR_POLICY_DENIED, `signedBy` and
 * `sigstoreSigned` %LC_ERROR_UNSUPPORTED (signature verification is not
 * supported yet), a missing or malformed policy.json
 * %LC_ERROR_INVALID_CONFIG. lc_copy_options_set_insecure_policy() skips
 * the check.
 *
 * Errors: %LC_ERROR_INVALID_REFERENCE for a malformed or unknown
 * `TRANSPORT:REFERENCE`, %LC_ERROR_NOT_FOUND, %LC_ERROR_DIGEST_MISMATCH
 * when data does not match its digest or size, %LC_ERROR_INVALID_DATA for
 * malformed manifests, %LC_ERROR_UNSUPPORTED for formats that cannot be
 * written (schema1, zstd in Docker manifests, lists to docker-archive),
 * %G_IO_ERROR_CANCELLED when @cancellable was cancelled.
 *
 * Returns: %TRUE on success
 *
 * Since: 1.0
 */
gboolean
lc_copy_image (LcContext *context, const char *source, const char *destination, LcCopyOptions *options,
               LcProgressFunc progress, gpointer user_data, char **out_manifest_digest,
               GCancellable *cancellable, GError **error)
{
  g_autoptr(LcCopyOptions) defaults = NULL;
  g_autoptr(LcImageSource) src = NULL;
  g_autoptr(LcImageDest) dest = NULL;
  g_autoptr(GCancellable) internal = g_cancellable_new ();
  g_autoptr(GAsyncQueue) events = g_async_queue_new ();
  g_autoptr(GBytes) top = NULL, written = NULL;
  g_autoptr(LcManifest) m = NULL;
  g_autofree char *announced = NULL, *top_digest = NULL;
  const LcTransport *st, *dt;
  const char *srest, *drest;
  CopyRun run = { 0 };
  gulong handler = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (LC_IS_CONTEXT (context), FALSE);
  g_return_val_if_fail (source != NULL && destination != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!options)
    options = defaults = lc_copy_options_new ();
  if (!lc_transport_parse_name (source, &st, &srest, error) ||
      !lc_transport_parse_name (destination, &dt, &drest, error))
    return FALSE;
  if (cancellable)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_internal), g_object_ref (internal),
                                     g_object_unref);
  if (g_cancellable_set_error_if_cancelled (internal, error))
    goto out;
  /* The signature policy decides before anything is opened or read. */
  if (!lc_copy_options_get_insecure_policy (options))
    {
      g_autoptr(LcPolicy) policy = lc_policy_load (context, error);
      if (policy == NULL || !lc_policy_check_image (policy, st->name, srest, source, error))
        goto out;
    }
  dest = dt->open_dest (context, drest, options, internal, error);
  if (!dest)
    goto out;
  src = st->open_source (context, srest, options, internal, error);
  if (!src)
    goto out;

  run.options = options;
  run.src = src;
  run.dest = dest;
  run.cancellable = internal;
  run.events = events;
  run.main_thread = g_thread_self ();
  run.progress = progress;
  run.user_data = user_data;
  run.dest_flags = dest->vtable->flags (dest);
  run.src_repo = strcmp (st->name, "docker") == 0 ? src->docker_name : NULL;

  top = src->vtable->get_manifest (src, NULL, &announced, internal, error);
  if (!top)
    goto out;
  top_digest = lc_digest_bytes (top);
  m = lc_manifest_parse (top, announced, error);
  if (!m)
    goto out;
  if (m->is_list)
    {
      emit (&run, LC_COPY_PHASE_RESOLVE, LC_BLOB_KIND_MANIFEST, top_digest, g_bytes_get_size (top),
            g_bytes_get_size (top));
      if (lc_copy_options_get_all (options))
        written = copy_list (&run, m, top, error);
      else
        {
          const char *os, *arch, *variant;
          const LcDescriptor *chosen;
          lc_copy_options_get_platform (options, &os, &arch, &variant);
          chosen = lc_manifest_choose_instance (m, os, arch, variant, error);
          if (!chosen)
            goto out;
          written = copy_image (&run, chosen->digest, lc_copy_options_get_format (options), FALSE, NULL, error);
        }
    }
  else
    written = copy_image (&run, NULL, lc_copy_options_get_format (options), FALSE, NULL, error);
  if (!written)
    goto out;
  if (g_cancellable_set_error_if_cancelled (internal, error) ||
      !dest->vtable->commit (dest, internal, error))
    goto out;
  if (out_manifest_digest)
    *out_manifest_digest = lc_digest_bytes (written);
  ok = TRUE;
out:
  if (cancellable)
    g_cancellable_disconnect (cancellable, handler);
  if (!ok && cancellable && g_cancellable_is_cancelled (cancellable) && error && *error &&
      !g_error_matches (*error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      /* Report a caller's cancellation as such, whatever broke first. */
      g_clear_error (error);
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Operation was cancelled");
    }
  return ok;
}
