/* test-copy.c: the local transports (oci, dir, oci-archive,
 * docker-archive), the copy engine, and inspect, on small images built
 * here (tars made with libarchive in memory).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <glib/gstdio.h>
#include <json-c/json.h>

#include <containers/containers.h>
#include "image/lc-blob-file-private.h"
#include "image/lc-compression-private.h"
#include "image/lc-copy-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-manifest-private.h"
#include "image/lc-progress-private.h"
#include "image/lc-transport-private.h"

typedef struct {
  char *tmp;
  char *src;              /* an OCI layout with tag "v1" */
  char *manifest_digest;
  char *config_digest;
  GBytes *manifest;
  GBytes *config;
  char *layer_digests[3];
  LcContext *context;
  char *policy;
} Fixture;

static la_ssize_t
write_cb (struct archive *a, void *data, const void *buf, size_t len)
{
  g_byte_array_append (data, buf, (guint) len);
  return (la_ssize_t) len;
}

static GBytes *
make_tar (const char *name, const guint8 *content, gsize len)
{
  GByteArray *out = g_byte_array_new ();
  struct archive *a = archive_write_new ();
  struct archive_entry *e = archive_entry_new ();

  archive_write_set_format_pax_restricted (a);
  archive_write_set_bytes_in_last_block (a, 1);
  archive_write_open2 (a, out, NULL, write_cb, NULL, NULL);
  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, AE_IFREG);
  archive_entry_set_perm (e, 0644);
  archive_entry_set_size (e, (la_int64_t) len);
  archive_entry_set_mtime (e, 1704067200, 0);
  archive_write_header (a, e);
  archive_write_data (a, content, len);
  archive_entry_free (e);
  archive_write_close (a);
  archive_write_free (a);
  return g_byte_array_free_to_bytes (out);
}

static GBytes *
compress (GBytes *in, LcCompressionKind kind)
{
  g_autoptr(GConverter) c = lc_compressor_new (kind, NULL);
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_bytes (in);
  g_autoptr(GInputStream) s = g_converter_input_stream_new (base, c);

  return lc_read_all (s, 1 << 30, NULL, NULL);
}

static char *
put_blob (const char *layout, GBytes *b)
{
  g_autofree char *digest = lc_digest_bytes (b);
  g_autofree char *dir = g_build_filename (layout, "blobs", "sha256", NULL);
  g_autofree char *path = g_build_filename (dir, lc_digest_hex (digest), NULL);

  g_mkdir_with_parents (dir, 0755);
  assert_true (g_file_set_contents (path, g_bytes_get_data (b, NULL), (gssize) g_bytes_get_size (b), NULL));
  return g_steal_pointer (&digest);
}

static void
add_index_entry (const char *layout, const char *mt, const char *digest, gsize size, const char *ref)
{
  g_autofree char *path = g_build_filename (layout, "index.json", NULL);
  g_autofree char *text = NULL;
  json_object *root = NULL, *manifests, *e = json_object_new_object ();

  if (g_file_get_contents (path, &text, NULL, NULL))
    root = json_tokener_parse (text);
  if (!root)
    {
      root = json_object_new_object ();
      json_object_object_add (root, "schemaVersion", json_object_new_int (2));
      json_object_object_add (root, "manifests", json_object_new_array ());
    }
  json_object_object_get_ex (root, "manifests", &manifests);
  json_object_object_add (e, "mediaType", json_object_new_string (mt));
  json_object_object_add (e, "digest", json_object_new_string (digest));
  json_object_object_add (e, "size", json_object_new_int64 ((gint64) size));
  if (ref)
    {
      json_object *ann = json_object_new_object ();
      json_object_object_add (ann, LC_ANNOTATION_REF_NAME, json_object_new_string (ref));
      json_object_object_add (e, "annotations", ann);
    }
  json_object_array_add (manifests, e);
  g_free (text);
  text = lc_json_to_string (root);
  json_object_put (root);
  assert_true (g_file_set_contents (path, text, -1, NULL));
  g_free (path);
  path = g_build_filename (layout, "oci-layout", NULL);
  assert_true (g_file_set_contents (path, "{\"imageLayoutVersion\": \"1.0.0\"}", -1, NULL));
}

/* Three gzip layers, the last of 2 MiB of noise (several progress steps). */
static GBytes *
add_image (const char *layout, const char *arch, char **out_config_digest, GBytes **out_config,
           char **out_layers)
{
  g_autoptr(GBytes) t1 = make_tar ("a.txt", (const guint8 *) "hello a\n", 8);
  g_autoptr(GBytes) t2 = make_tar ("b.txt", (const guint8 *) "hello b\n", 8);
  g_autoptr(GBytes) t3 = NULL, l1 = NULL, l2 = NULL, l3 = NULL, config = NULL;
  g_autofree guint8 *noise = g_malloc (2 * 1024 * 1024);
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL, *dc = NULL, *text = NULL;
  g_autofree char *id1 = NULL, *id2 = NULL, *id3 = NULL, *mtext = NULL;
  guint32 x = 7;

  for (gsize i = 0; i < 2 * 1024 * 1024; i++)
    {
      x = x * 1664525 + 1013904223;
      noise[i] = (guint8) (x >> 24);
    }
  t3 = make_tar ("c.bin", noise, 2 * 1024 * 1024);
  l1 = compress (t1, LC_COMPRESSION_KIND_GZIP);
  l3 = compress (t3, LC_COMPRESSION_KIND_GZIP);
  id1 = lc_digest_bytes (t1);
  id2 = lc_digest_bytes (t2);
  id3 = lc_digest_bytes (t3);
  text = g_strdup_printf ("{\"created\":\"2024-01-01T00:00:00Z\",\"architecture\":\"%s\",\"os\":\"linux\","
                          "\"config\":{\"Env\":[\"PATH=/bin\",\"A=<&>\"],\"Cmd\":[\"sh\"],\"Labels\":{\"z\":\"1\",\"a\":\"2\"}},"
                          "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"%s\",\"%s\",\"%s\"]},"
                          "\"history\":[{\"created_by\":\"test\"}]}", arch, id1, id2, id3);
  config = g_bytes_new_take (g_strdup (text), strlen (text));
  dc = put_blob (layout, config);
  d1 = put_blob (layout, l1);
  l2 = compress (t2, LC_COMPRESSION_KIND_GZIP);
  d2 = put_blob (layout, l2);
  d3 = put_blob (layout, l3);
  mtext = g_strdup_printf ("{\"schemaVersion\":2,\"mediaType\":\"" LC_MT_OCI_MANIFEST "\","
                           "\"config\":{\"mediaType\":\"" LC_MT_OCI_CONFIG "\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT "},"
                           "\"layers\":[{\"mediaType\":\"" LC_MT_OCI_LAYER_GZIP "\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT "},"
                           "{\"mediaType\":\"" LC_MT_OCI_LAYER_GZIP "\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT "},"
                           "{\"mediaType\":\"" LC_MT_OCI_LAYER_GZIP "\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT ","
                           "\"annotations\":{\"k\":\"v\"}}]}",
                           dc, g_bytes_get_size (config), d1, g_bytes_get_size (l1), d2, g_bytes_get_size (l2),
                           d3, g_bytes_get_size (l3));
  if (out_config_digest)
    *out_config_digest = g_strdup (dc);
  if (out_config)
    *out_config = g_bytes_ref (config);
  if (out_layers)
    {
      out_layers[0] = g_strdup (d1);
      out_layers[1] = g_strdup (d2);
      out_layers[2] = g_strdup (d3);
    }
  {
    GBytes *m = g_bytes_new_take (g_strdup (mtext), strlen (mtext));
    g_free (put_blob (layout, m));
    return m;
  }
}

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->tmp = g_dir_make_tmp ("lc-test-copy-XXXXXX", NULL);
  f->src = g_build_filename (f->tmp, "src", NULL);
  f->manifest = add_image (f->src, "amd64", &f->config_digest, &f->config, f->layer_digests);
  f->manifest_digest = lc_digest_bytes (f->manifest);
  add_index_entry (f->src, LC_MT_OCI_MANIFEST, f->manifest_digest, g_bytes_get_size (f->manifest), "v1");
  f->context = lc_context_new ();
  /* Hermetic: the copy engine reads this policy, not the machine's. */
  f->policy = g_build_filename (f->tmp, "policy.json", NULL);
  assert_true (g_file_set_contents (f->policy, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}", -1, NULL));
  lc_context_set_policy_path (f->context, f->policy);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  lc_image_rm_rf (f->tmp, NULL);
  g_free (f->tmp);
  g_free (f->src);
  g_free (f->policy);
  g_free (f->manifest_digest);
  g_free (f->config_digest);
  g_bytes_unref (f->manifest);
  g_bytes_unref (f->config);
  for (int i = 0; i < 3; i++)
    g_free (f->layer_digests[i]);
  g_object_unref (f->context);
  g_free (f);
  return 0;
}

static char *
name (Fixture *f, const char *transport, const char *rel, const char *suffix)
{
  return g_strdup_printf ("%s:%s/%s%s", transport, f->tmp, rel, suffix ? suffix : "");
}

static char *
path_in (Fixture *f, const char *rel)
{
  return g_build_filename (f->tmp, rel, NULL);
}

typedef struct {
  GThread *thread;
  gboolean wrong_thread;
  guint counts[6];
  GCancellable *cancel_on_download;
  LcProgress *last;
} Events;

static void
on_progress (LcProgress *p, gpointer user_data)
{
  Events *ev = user_data;

  if (g_thread_self () != ev->thread)
    ev->wrong_thread = TRUE;
  ev->counts[lc_progress_get_phase (p)]++;
  assert_non_null (lc_progress_get_digest (p));
  assert_true (lc_progress_get_bytes_total (p) == 0 ||
               lc_progress_get_bytes_done (p) <= lc_progress_get_bytes_total (p) ||
               lc_progress_get_phase (p) == LC_COPY_PHASE_DONE);
  (void) lc_progress_get_kind (p);
  lc_progress_free (ev->last);
  ev->last = lc_progress_copy (p);
  if (ev->cancel_on_download && lc_progress_get_phase (p) == LC_COPY_PHASE_DOWNLOAD &&
      lc_progress_get_kind (p) == LC_BLOB_KIND_LAYER)
    g_cancellable_cancel (ev->cancel_on_download);
}

static char *
copy_ok (Fixture *f, const char *src, const char *dest, LcCopyOptions *options, Events *ev)
{
  g_autoptr(GError) error = NULL;
  char *digest = NULL;

  if (!lc_copy_image (f->context, src, dest, options, ev ? on_progress : NULL, ev, &digest, NULL, &error))
    fail_msg ("copy %s → %s: %s", src, dest, error->message);
  assert_non_null (digest);
  return digest;
}

static LcManifest *
manifest_of (Fixture *f, const char *image)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *mt = NULL;
  g_autoptr(GBytes) b = lc_inspect_manifest (f->context, image, NULL, NULL, &mt, NULL, &error);
  LcManifest *m;

  if (!b)
    fail_msg ("%s: %s", image, error->message);
  m = lc_manifest_parse (b, mt, &error);
  assert_non_null (m);
  return m;
}

static void
test_transport_table_has_local_transports (void **state)
{
  (void) state;
  assert_non_null (lc_transport_lookup ("oci"));
  assert_non_null (lc_transport_lookup ("dir"));
  assert_non_null (lc_transport_lookup ("oci-archive"));
  assert_non_null (lc_transport_lookup ("docker-archive"));
  assert_null (lc_transport_lookup ("nope"));
}

static void
test_copy_oci_to_oci_keeps_digests_and_skips_existing_blobs (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *dst = name (f, "oci", "dst", ":copy");
  g_autofree char *d1 = NULL, *d2 = NULL, *index = NULL, *index_path = path_in (f, "dst/index.json");
  Events ev = { .thread = g_thread_self () };

  (void) state;
  d1 = copy_ok (f, src, dst, NULL, &ev);
  assert_string_equal (d1, f->manifest_digest);
  assert_false (ev.wrong_thread);
  assert_int_equal (ev.counts[LC_COPY_PHASE_SKIP], 0);
  assert_int_equal (ev.counts[LC_COPY_PHASE_DONE], 4);       /* config + 3 layers */
  assert_int_equal (ev.counts[LC_COPY_PHASE_VERIFY], 4);
  assert_true (ev.counts[LC_COPY_PHASE_DOWNLOAD] >= 4 + 1);   /* starts, and steps of the big layer */
  assert_int_equal (ev.counts[LC_COPY_PHASE_RESOLVE], 1);
  assert_int_equal (ev.counts[LC_COPY_PHASE_WRITE], 1);
  assert_true (g_file_get_contents (index_path, &index, NULL, NULL));
  assert_non_null (strstr (index, "\"org.opencontainers.image.ref.name\":\"copy\""));
  assert_non_null (strstr (index, f->manifest_digest));

  memset (ev.counts, 0, sizeof ev.counts);
  d2 = copy_ok (f, src, dst, NULL, &ev);
  assert_string_equal (d2, f->manifest_digest);
  assert_int_equal (ev.counts[LC_COPY_PHASE_SKIP], 4);
  assert_int_equal (ev.counts[LC_COPY_PHASE_DONE], 0);
  g_free (index);
  assert_true (g_file_get_contents (index_path, &index, NULL, NULL));
  /* The same tag again: still one entry. */
  assert_null (strstr (strstr (index, f->manifest_digest) + 1, f->manifest_digest));
  lc_progress_free (ev.last);
}

static void
test_copy_round_trip_through_every_local_transport (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *dir = name (f, "dir", "d1", NULL);
  g_autofree char *oa = name (f, "oci-archive", "a.tar", ":t");
  g_autofree char *oci2 = name (f, "oci", "o2", NULL);
  g_autofree char *da = name (f, "docker-archive", "da.tar", ":busybox:test");
  g_autofree char *da2 = name (f, "docker-archive", "da2.tar", NULL);
  g_autofree char *back = name (f, "oci", "back", ":again");
  g_autofree char *d = NULL, *dda = NULL, *dda2 = NULL, *dback = NULL;
  g_autoptr(LcManifest) m = NULL, mb = NULL;
  g_autoptr(GBytes) cfg = NULL;
  g_autoptr(GError) error = NULL;

  (void) state;
  d = copy_ok (f, src, dir, NULL, NULL);
  assert_string_equal (d, f->manifest_digest);
  g_free (d);
  d = copy_ok (f, dir, oa, NULL, NULL);
  assert_string_equal (d, f->manifest_digest);
  g_free (d);
  d = copy_ok (f, oa, oci2, NULL, NULL);
  assert_string_equal (d, f->manifest_digest);

  /* docker-archive: schema2, uncompressed layers named by diff_id. */
  dda = copy_ok (f, oci2, da, NULL, NULL);
  {
    g_autofree char *reread = name (f, "docker-archive", "da.tar", ":docker.io/library/busybox:test");
    m = manifest_of (f, reread);
    assert_string_equal (m->media_type, LC_MT_DOCKER_V2S2);
    assert_string_equal (m->config->digest, f->config_digest);
    assert_int_equal (m->layers->len, 3);
    /* What we read back is the synthesized manifest of the archive. */
    dda2 = copy_ok (f, reread, da2, NULL, NULL);
    {
      g_autofree char *da2s = name (f, "docker-archive", "da2.tar", NULL);
      g_autoptr(LcManifest) m2 = manifest_of (f, da2s);
      g_autoptr(GBytes) b1 = lc_manifest_serialize (m), b2 = lc_manifest_serialize (m2);
      assert_true (g_bytes_equal (b1, b2));
    }
  }
  /* And back to OCI: gzip again, the config unchanged. */
  dback = copy_ok (f, da, back, NULL, NULL);
  mb = manifest_of (f, back);
  assert_string_equal (mb->media_type, LC_MT_OCI_MANIFEST);
  assert_string_equal (mb->config->digest, f->config_digest);
  assert_string_equal (mb->config->media_type, LC_MT_OCI_CONFIG);
  for (guint i = 0; i < mb->layers->len; i++)
    assert_string_equal (((LcDescriptor *) mb->layers->pdata[i])->media_type, LC_MT_OCI_LAYER_GZIP);
  cfg = lc_inspect_config (f->context, back, NULL, NULL, &error);
  assert_non_null (cfg);
  assert_true (g_bytes_equal (cfg, f->config));
}

static void
test_copy_converts_to_schema2_on_request (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *dir = name (f, "dir", "v2s2", NULL);
  g_autoptr(LcCopyOptions) o = lc_copy_options_new ();
  g_autofree char *d = NULL;
  g_autoptr(LcManifest) m = NULL;

  (void) state;
  lc_copy_options_set_format (o, LC_MANIFEST_FORMAT_V2S2);
  assert_int_equal (lc_copy_options_get_format (o), LC_MANIFEST_FORMAT_V2S2);
  d = copy_ok (f, src, dir, o, NULL);
  assert_string_not_equal (d, f->manifest_digest);
  m = manifest_of (f, dir);
  assert_string_equal (m->media_type, LC_MT_DOCKER_V2S2);
  assert_string_equal (m->config->media_type, LC_MT_DOCKER_CONFIG);
  assert_string_equal (m->config->digest, f->config_digest);
  assert_string_equal (((LcDescriptor *) m->layers->pdata[0])->media_type, LC_MT_DOCKER_LAYER_GZIP);
  assert_string_equal (((LcDescriptor *) m->layers->pdata[1])->media_type, LC_MT_DOCKER_LAYER_GZIP);
  for (int i = 0; i < 3; i++)
    assert_string_equal (((LcDescriptor *) m->layers->pdata[i])->digest, f->layer_digests[i]);
}

static void
test_copy_recompresses_layers_on_request (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *z = name (f, "oci", "zstd", ":z");
  g_autofree char *zdir = name (f, "dir", "zdir", NULL);
  g_autofree char *da = name (f, "docker-archive", "z.tar", NULL);
  g_autoptr(LcCopyOptions) o = lc_copy_options_new ();
  g_autoptr(LcCopyOptions) v2 = lc_copy_options_new ();
  g_autoptr(LcManifest) m = NULL, md = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *d1 = NULL, *d2 = NULL, *d3 = NULL;
  g_autofree char *bad = name (f, "oci", "never", NULL);

  (void) state;
  lc_copy_options_set_compression (o, LC_COMPRESSION_ZSTD);
  assert_int_equal (lc_copy_options_get_compression (o), LC_COMPRESSION_ZSTD);
  d1 = copy_ok (f, src, z, o, NULL);
  m = manifest_of (f, z);
  for (guint i = 0; i < m->layers->len; i++)
    assert_string_equal (((LcDescriptor *) m->layers->pdata[i])->media_type, LC_MT_OCI_LAYER_ZSTD);
  assert_string_equal (((LcDescriptor *) m->layers->pdata[2])->annotations
                         ? json_object_get_string (json_object_object_get (((LcDescriptor *) m->layers->pdata[2])->annotations, "k"))
                         : "", "v");
  /* zstd layers into Docker formats: recompressed to gzip, or decompressed. */
  lc_copy_options_set_format (v2, LC_MANIFEST_FORMAT_V2S2);
  d2 = copy_ok (f, z, zdir, v2, NULL);
  md = manifest_of (f, zdir);
  assert_string_equal (((LcDescriptor *) md->layers->pdata[0])->media_type, LC_MT_DOCKER_LAYER_GZIP);
  d3 = copy_ok (f, z, da, NULL, NULL);
  /* dir: keeps compression as it is, whatever is asked (as skopeo without
   * --dest-compress). */
  lc_copy_options_set_compression (v2, LC_COMPRESSION_ZSTD);
  g_free (d2);
  d2 = copy_ok (f, src, zdir, v2, NULL);
  g_clear_pointer (&md, lc_manifest_free);
  md = manifest_of (f, zdir);
  assert_string_equal (((LcDescriptor *) md->layers->pdata[0])->digest, f->layer_digests[0]);
  /* oci: cannot hold schema2. */
  lc_copy_options_set_compression (v2, LC_COMPRESSION_AUTO);
  assert_false (lc_copy_image (f->context, src, bad, v2, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_UNSUPPORTED));
}

static void
corrupt_big_layer (Fixture *f)
{
  g_autofree char *path = g_build_filename (f->src, "blobs", "sha256", lc_digest_hex (f->layer_digests[2]), NULL);
  g_autofree char *data = NULL;
  gsize len;

  assert_true (g_file_get_contents (path, &data, &len, NULL));
  data[len / 2] ^= 0x55;
  assert_true (g_file_set_contents (path, data, (gssize) len, NULL));
}

static void
test_copy_fails_on_a_corrupt_blob_and_leaves_nothing (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  const char *dests[][3] = {
    { "oci", "c-oci", NULL }, { "dir", "c-dir", NULL }, { "oci-archive", "c.tar", NULL },
    { "docker-archive", "c-da.tar", NULL },
  };
  g_autofree char *existing = name (f, "oci", "existing", ":old");
  g_autofree char *existing_tag = name (f, "oci", "existing", ":new");
  g_autofree char *index_path = path_in (f, "existing/index.json");
  g_autofree char *index_before = NULL, *index_after = NULL;
  g_autofree char *d = NULL;
  guint blobs_before = 0, blobs_after = 0;
  g_autofree char *blobdir = path_in (f, "existing/blobs/sha256");
  GDir *dir;

  (void) state;
  /* An existing layout with the same image under another tag: the
   * failed copy must leave it exactly as it was. But copy before corrupting. */
  {
    g_autoptr(LcCopyOptions) o = lc_copy_options_new ();
    lc_copy_options_set_compression (o, LC_COMPRESSION_ZSTD);   /* other blobs than the source's */
    d = copy_ok (f, src, existing, o, NULL);
  }
  assert_true (g_file_get_contents (index_path, &index_before, NULL, NULL));
  dir = g_dir_open (blobdir, 0, NULL);
  while (g_dir_read_name (dir))
    blobs_before++;
  g_dir_close (dir);

  corrupt_big_layer (f);
  for (gsize i = 0; i < G_N_ELEMENTS (dests); i++)
    {
      g_autofree char *dest = name (f, dests[i][0], dests[i][1], NULL);
      g_autofree char *p = path_in (f, dests[i][1]);
      g_autoptr(GError) error = NULL;

      assert_false (lc_copy_image (f->context, src, dest, NULL, NULL, NULL, NULL, NULL, &error));
      if (!g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH))
        fail_msg ("%s: %s", dest, error->message);
      assert_non_null (strstr (error->message, f->layer_digests[2]));
      if (g_file_test (p, G_FILE_TEST_EXISTS))
        fail_msg ("%s left behind", p);
    }
  {
    g_autoptr(GError) error = NULL;
    assert_false (lc_copy_image (f->context, src, existing_tag, NULL, NULL, NULL, NULL, NULL, &error));
    assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH));
  }
  assert_true (g_file_get_contents (index_path, &index_after, NULL, NULL));
  assert_string_equal (index_before, index_after);
  dir = g_dir_open (blobdir, 0, NULL);
  while (g_dir_read_name (dir))
    blobs_after++;
  g_dir_close (dir);
  assert_int_equal (blobs_before, blobs_after);
}

static void
test_copy_is_cancellable (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *dst = name (f, "oci", "cancelled", NULL);
  g_autofree char *dst_path = path_in (f, "cancelled");
  g_autoptr(GCancellable) c = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  Events ev = { .thread = g_thread_self () };

  (void) state;
  g_cancellable_cancel (c);
  assert_false (lc_copy_image (f->context, src, dst, NULL, NULL, NULL, NULL, c, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_true (lc_error_is_cancelled (error));
  assert_false (g_file_test (dst_path, G_FILE_TEST_EXISTS));
  g_clear_error (&error);

  g_cancellable_reset (c);
  ev.cancel_on_download = c;
  assert_false (lc_copy_image (f->context, src, dst, NULL, on_progress, &ev, NULL, c, &error));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  assert_false (g_file_test (dst_path, G_FILE_TEST_EXISTS));
  lc_progress_free (ev.last);
}

static void
test_copy_of_a_list_picks_the_platform_or_copies_all (void **state)
{
  Fixture *f = *state;
  g_autofree char *multi = path_in (f, "multi");
  g_autoptr(GBytes) m1 = NULL, m2 = NULL, index = NULL;
  g_autofree char *dm1 = NULL, *dm2 = NULL, *di = NULL, *text = NULL;
  g_autofree char *src = name (f, "oci", "multi", ":all");
  g_autofree char *one = name (f, "oci", "one", NULL);
  g_autofree char *other = name (f, "dir", "other", NULL);
  g_autofree char *all = name (f, "oci", "allcopy", NULL);
  g_autofree char *alldir = name (f, "dir", "alldir", NULL);
  g_autofree char *da = name (f, "docker-archive", "list.tar", NULL);
  g_autofree char *d = NULL, *json = NULL;
  g_autoptr(LcCopyOptions) o = lc_copy_options_new ();
  g_autoptr(GError) error = NULL;

  (void) state;
  m1 = add_image (multi, lc_platform_host_arch (), NULL, NULL, NULL);
  m2 = add_image (multi, "fakearch", NULL, NULL, NULL);
  dm1 = lc_digest_bytes (m1);
  dm2 = lc_digest_bytes (m2);
  text = g_strdup_printf ("{\"schemaVersion\":2,\"mediaType\":\"" LC_MT_OCI_INDEX "\",\"manifests\":["
                          "{\"mediaType\":\"" LC_MT_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT ","
                          "\"platform\":{\"architecture\":\"%s\",\"os\":\"linux\"}},"
                          "{\"mediaType\":\"" LC_MT_OCI_MANIFEST "\",\"digest\":\"%s\",\"size\":%" G_GSIZE_FORMAT ","
                          "\"platform\":{\"architecture\":\"fakearch\",\"os\":\"linux\"}}]}",
                          dm1, g_bytes_get_size (m1), lc_platform_host_arch (), dm2, g_bytes_get_size (m2));
  index = g_bytes_new_take (g_strdup (text), strlen (text));
  di = put_blob (multi, index);
  add_index_entry (multi, LC_MT_OCI_INDEX, di, g_bytes_get_size (index), "all");

  d = copy_ok (f, src, one, NULL, NULL);
  assert_string_equal (d, dm1);
  g_free (d);
  lc_copy_options_set_platform (o, "linux", "fakearch", NULL);
  d = copy_ok (f, src, other, o, NULL);
  assert_string_equal (d, dm2);
  g_free (d);
  /* inspect: the list's digest, the chosen instance's config. */
  json = lc_inspect_image (f->context, src, o, NULL, &error);
  assert_non_null (json);
  assert_non_null (strstr (json, di));
  assert_non_null (strstr (json, "\"Architecture\": \"fakearch\""));

  lc_copy_options_set_all (o, TRUE);
  assert_true (lc_copy_options_get_all (o));
  d = copy_ok (f, src, all, o, NULL);
  assert_string_equal (d, di);
  g_free (d);
  {
    g_autofree char *inst = name (f, "oci", "allcopy", NULL);
    g_autoptr(GBytes) b = lc_inspect_manifest (f->context, inst, dm2, NULL, NULL, NULL, &error);
    assert_non_null (b);
    assert_true (g_bytes_equal (b, m2));
  }
  d = copy_ok (f, src, alldir, o, NULL);
  assert_string_equal (d, di);
  assert_false (lc_copy_image (f->context, src, da, o, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_UNSUPPORTED));
  assert_non_null (strstr (error->message, "does not support copying multiple images as a group"));
}

static void
test_inspect_prints_the_fields_of_skopeo (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autoptr(GError) error = NULL;
  g_autofree char *json = lc_inspect_image (f->context, src, NULL, NULL, &error);
  g_autofree char *mt = NULL;
  g_autoptr(GBytes) raw = NULL, cfg = NULL;
  json_object *root, *v;
  const char *order[] = { "\"Digest\"", "\"RepoTags\"", "\"Created\"", "\"DockerVersion\"", "\"Labels\"",
                          "\"Architecture\"", "\"Os\"", "\"Layers\"", "\"LayersData\"", "\"Env\"" };
  const char *prev = NULL;

  (void) state;
  assert_non_null (json);
  assert_null (strstr (json, "\"Name\""));   /* oci: has no Docker reference */
  for (gsize i = 0; i < G_N_ELEMENTS (order); i++)
    {
      const char *at = strstr (json, order[i]);
      assert_non_null (at);
      assert_true (prev == NULL || at > prev);
      prev = at;
    }
  assert_non_null (strstr (json, "{\n    \"Digest\": \"sha256:"));
  assert_non_null (strstr (json, "\"Labels\": {\n        \"a\": \"2\",\n        \"z\": \"1\"\n    }"));
  assert_non_null (strstr (json, "\"A=\\u003c\\u0026\\u003e\""));
  assert_non_null (strstr (json, "\"RepoTags\": [],"));
  root = json_tokener_parse (json);
  assert_non_null (root);
  assert_true (json_object_object_get_ex (root, "Digest", &v));
  assert_string_equal (json_object_get_string (v), f->manifest_digest);
  assert_true (json_object_object_get_ex (root, "Layers", &v));
  assert_int_equal (json_object_array_length (v), 3);
  assert_true (json_object_object_get_ex (root, "LayersData", &v));
  assert_int_equal (json_object_array_length (v), 3);
  assert_true (json_object_object_get_ex (root, "Created", &v));
  assert_string_equal (json_object_get_string (v), "2024-01-01T00:00:00Z");
  json_object_put (root);

  raw = lc_inspect_manifest (f->context, src, NULL, NULL, &mt, NULL, &error);
  assert_non_null (raw);
  assert_true (g_bytes_equal (raw, f->manifest));
  assert_string_equal (mt, LC_MT_OCI_MANIFEST);
  cfg = lc_inspect_config (f->context, src, NULL, NULL, &error);
  assert_non_null (cfg);
  assert_true (g_bytes_equal (cfg, f->config));
}

static void
expect_copy_error (Fixture *f, const char *src, const char *dest, LcError code, const char *message)
{
  g_autoptr(GError) error = NULL;

  assert_false (lc_copy_image (f->context, src, dest, NULL, NULL, NULL, NULL, NULL, &error));
  if (!g_error_matches (error, LC_ERROR, (gint) code) || (message && !strstr (error->message, message)))
    fail_msg ("%s → %s: got \"%s\"", src, dest, error ? error->message : "success");
}

static void
test_copy_reports_bad_references (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *nope = name (f, "oci", "src", ":nope");
  g_autofree char *untagged = name (f, "oci", "src", NULL);
  g_autofree char *badref = name (f, "oci", "src", ":Bad/../x");
  g_autofree char *dst = name (f, "oci", "x", NULL);
  g_autofree char *notimage = path_in (f, "notimage");
  g_autofree char *notimage_ref = name (f, "dir", "notimage", NULL);
  g_autofree char *keep = path_in (f, "notimage/keep");

  (void) state;
  expect_copy_error (f, "foo:bar", dst, LC_ERROR_INVALID_REFERENCE,
                     "Invalid image name \"foo:bar\", unknown transport \"foo\"");
  expect_copy_error (f, "nocolon", dst, LC_ERROR_INVALID_REFERENCE, "expected colon-separated");
  expect_copy_error (f, nope, dst, LC_ERROR_NOT_FOUND, "no descriptor found for reference \"nope\"");
  expect_copy_error (f, badref, dst, LC_ERROR_INVALID_REFERENCE, "Invalid image Bad/../x");
  /* Add a second image: an untagged reference becomes ambiguous. */
  add_index_entry (f->src, LC_MT_OCI_MANIFEST, f->manifest_digest, g_bytes_get_size (f->manifest), "v2");
  expect_copy_error (f, untagged, dst, LC_ERROR_INVALID_REFERENCE, "more than one image");
  g_mkdir_with_parents (notimage, 0755);
  g_file_set_contents (keep, "precious", -1, NULL);
  expect_copy_error (f, src, notimage_ref, LC_ERROR_ALREADY_EXISTS, "don't want to overwrite important data");
  assert_true (g_file_test (keep, G_FILE_TEST_EXISTS));
}

static void
test_archives_are_read_compressed_and_by_index (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *by_index = name (f, "oci", "src", ":@0");
  g_autofree char *too_far = name (f, "oci", "src", ":@7");
  g_autofree char *dest_index = name (f, "oci", "x", ":@0");
  g_autofree char *da = name (f, "docker-archive", "i.tar", ":busybox:one");
  g_autofree char *da_at = name (f, "docker-archive", "i.tar.gz", ":@0");
  g_autofree char *da_gz = name (f, "docker-archive", "i.tar.gz", NULL);
  g_autofree char *da_tag = name (f, "docker-archive", "i.tar.gz", ":busybox:one");
  g_autofree char *da_wrong = name (f, "docker-archive", "i.tar", ":busybox:two");
  g_autofree char *da_digest = name (f, "docker-archive", "i.tar", ":busybox@" "sha256:"
                                     "0000000000000000000000000000000000000000000000000000000000000000");
  g_autofree char *missing = name (f, "oci-archive", "missing.tar", NULL);
  g_autofree char *byindex_dest = name (f, "oci", "byindex", NULL);
  g_autofree char *fromgz = name (f, "oci", "fromgz", NULL);
  g_autofree char *tar_path = path_in (f, "i.tar"), *gz_path = path_in (f, "i.tar.gz");
  g_autofree char *d = NULL, *d1 = NULL, *d2 = NULL, *d3 = NULL, *json = NULL;
  g_autoptr(GBytes) tar = NULL, gz = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *tar_data = NULL;
  gsize tar_len;

  (void) state;
  d = copy_ok (f, by_index, byindex_dest, NULL, NULL);
  assert_string_equal (d, f->manifest_digest);
  json = lc_inspect_image (f->context, too_far, NULL, NULL, &error);
  assert_null (json);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  g_clear_error (&error);
  expect_copy_error (f, src, dest_index, LC_ERROR_INVALID_REFERENCE, "must not contain a manifest index");
  expect_copy_error (f, missing, byindex_dest, LC_ERROR_NOT_FOUND, "archive file not found");

  d1 = copy_ok (f, src, da, NULL, NULL);
  assert_true (g_file_get_contents (tar_path, &tar_data, &tar_len, NULL));
  tar = g_bytes_new_take (g_steal_pointer (&tar_data), tar_len);
  gz = compress (tar, LC_COMPRESSION_KIND_GZIP);
  assert_true (g_file_set_contents (gz_path, g_bytes_get_data (gz, NULL), (gssize) g_bytes_get_size (gz), NULL));
  /* The same synthesized manifest, whichever way the item is found. */
  {
    g_autoptr(GBytes) a = lc_inspect_manifest (f->context, da_gz, NULL, NULL, NULL, NULL, &error);
    g_autoptr(GBytes) b = lc_inspect_manifest (f->context, da_at, NULL, NULL, NULL, NULL, &error);
    g_autoptr(GBytes) c = lc_inspect_manifest (f->context, da_tag, NULL, NULL, NULL, NULL, &error);
    assert_non_null (a);
    assert_true (g_bytes_equal (a, b) && g_bytes_equal (a, c));
    d2 = lc_digest_bytes (a);
  }
  g_free (json);
  json = lc_inspect_image (f->context, da_tag, NULL, NULL, &error);
  assert_non_null (json);
  assert_non_null (strstr (json, "\"Name\": \"docker.io/library/busybox\""));
  assert_non_null (strstr (json, d2));
  d3 = copy_ok (f, da_gz, fromgz, NULL, NULL);
  g_free (json);
  json = lc_inspect_image (f->context, da_wrong, NULL, NULL, &error);
  assert_null (json);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  assert_non_null (strstr (error->message, "Tag \"docker.io/library/busybox:two\" not found"));
  g_clear_error (&error);
  json = lc_inspect_image (f->context, da_digest, NULL, NULL, &error);
  assert_null (json);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_non_null (strstr (error->message, "reference does not include a tag"));
}

static void
test_copy_options_keep_what_transports_read (void **state)
{
  g_autoptr(LcCopyOptions) o = lc_copy_options_new ();
  g_autoptr(LcCopyOptions) r = NULL;
  const char *os, *arch, *variant;

  (void) state;
  assert_int_equal (lc_copy_options_get_tls_verify (o, LC_COPY_SIDE_SOURCE), -1);
  assert_int_equal (lc_copy_options_get_tls_verify (o, LC_COPY_SIDE_DEST), -1);
  lc_copy_options_set_src_tls_verify (o, FALSE);
  lc_copy_options_set_dest_tls_verify (o, TRUE);
  assert_int_equal (lc_copy_options_get_tls_verify (o, LC_COPY_SIDE_SOURCE), 0);
  assert_int_equal (lc_copy_options_get_tls_verify (o, LC_COPY_SIDE_DEST), 1);
  lc_copy_options_set_src_creds (o, "a:b");
  lc_copy_options_set_dest_creds (o, "c:d");
  assert_string_equal (lc_copy_options_get_creds (o, LC_COPY_SIDE_SOURCE), "a:b");
  assert_string_equal (lc_copy_options_get_creds (o, LC_COPY_SIDE_DEST), "c:d");
  lc_copy_options_set_src_creds (o, NULL);
  assert_null (lc_copy_options_get_creds (o, LC_COPY_SIDE_SOURCE));
  assert_int_equal (lc_copy_options_get_retry_times (o), 3);
  lc_copy_options_set_retry_times (o, 5);
  assert_int_equal (lc_copy_options_get_retry_times (o), 5);
  assert_int_equal (lc_copy_options_get_max_parallel (o), 6);
  lc_copy_options_set_max_parallel (o, 2);
  assert_int_equal (lc_copy_options_get_max_parallel (o), 2);
  lc_copy_options_set_max_parallel (o, 0);
  assert_int_equal (lc_copy_options_get_max_parallel (o), 6);
  lc_copy_options_set_remove_signatures (o, TRUE);
  assert_true (lc_copy_options_get_remove_signatures (o));
  lc_copy_options_set_platform (o, "linux", "arm64", "v8");
  lc_copy_options_get_platform (o, &os, &arch, &variant);
  assert_string_equal (os, "linux");
  assert_string_equal (arch, "arm64");
  assert_string_equal (variant, "v8");
  assert_true (G_TYPE_IS_BOXED (lc_copy_options_get_type ()));
  assert_true (G_TYPE_IS_BOXED (lc_progress_get_type ()));
  r = lc_copy_options_ref (o);
  assert_ptr_equal (r, o);
  lc_copy_options_unref (NULL);
  lc_progress_free (NULL);
  /* Per-side registry settings, for the docker transport. */
  assert_null (lc_copy_options_get_cert_dir (o, LC_COPY_SIDE_SOURCE));
  assert_null (lc_copy_options_get_auth_file (o, LC_COPY_SIDE_DEST));
  lc_copy_options_set_src_cert_dir (o, "/certs/src");
  lc_copy_options_set_dest_cert_dir (o, "/certs/dest");
  lc_copy_options_set_src_auth_file (o, "/auth/src.json");
  lc_copy_options_set_dest_auth_file (o, "/auth/dest.json");
  assert_string_equal (lc_copy_options_get_cert_dir (o, LC_COPY_SIDE_SOURCE), "/certs/src");
  assert_string_equal (lc_copy_options_get_cert_dir (o, LC_COPY_SIDE_DEST), "/certs/dest");
  assert_string_equal (lc_copy_options_get_auth_file (o, LC_COPY_SIDE_SOURCE), "/auth/src.json");
  assert_string_equal (lc_copy_options_get_auth_file (o, LC_COPY_SIDE_DEST), "/auth/dest.json");
  lc_copy_options_set_dest_auth_file (o, NULL);
  lc_copy_options_set_src_cert_dir (o, "");
  assert_null (lc_copy_options_get_auth_file (o, LC_COPY_SIDE_DEST));
  assert_null (lc_copy_options_get_cert_dir (o, LC_COPY_SIDE_SOURCE));
  assert_false (lc_copy_options_get_no_creds (o, LC_COPY_SIDE_SOURCE));
  lc_copy_options_set_src_no_creds (o, TRUE);
  lc_copy_options_set_dest_no_creds (o, FALSE);
  assert_true (lc_copy_options_get_no_creds (o, LC_COPY_SIDE_SOURCE));
  assert_false (lc_copy_options_get_no_creds (o, LC_COPY_SIDE_DEST));
  assert_int_equal (lc_copy_options_get_stall_timeout (o), 0);
  lc_copy_options_set_stall_timeout (o, 7);
  assert_int_equal (lc_copy_options_get_stall_timeout (o), 7);
  assert_false (lc_copy_options_get_insecure_policy (o));
  lc_copy_options_set_insecure_policy (o, TRUE);
  assert_true (lc_copy_options_get_insecure_policy (o));
}

static void
set_policy (Fixture *f, const char *text)
{
  assert_true (g_file_set_contents (f->policy, text, -1, NULL));
}

/* Fails with @code and @message, and nothing is at @dest_path. */
static void
expect_denied (Fixture *f, const char *src, const char *dest, const char *dest_path, LcCopyOptions *o,
               LcError code, const char *message)
{
  g_autoptr(GError) error = NULL;
  Events ev = { .thread = g_thread_self () };

  assert_false (lc_copy_image (f->context, src, dest, o, on_progress, &ev, NULL, NULL, &error));
  if (!g_error_matches (error, LC_ERROR, (gint) code) || !strstr (error->message, message))
    fail_msg ("%s → %s: got \"%s\"", src, dest, error ? error->message : "success");
  /* Refused before anything was read. */
  for (guint i = 0; i < G_N_ELEMENTS (ev.counts); i++)
    assert_int_equal (ev.counts[i], 0);
  assert_false (g_file_test (dest_path, G_FILE_TEST_EXISTS));
  lc_progress_free (ev.last);
}

static void
test_copy_enforces_the_policy (void **state)
{
  Fixture *f = *state;
  g_autofree char *src = name (f, "oci", "src", ":v1");
  g_autofree char *dst = name (f, "oci", "dst", ":v1");
  g_autofree char *dst_path = path_in (f, "dst");
  g_autofree char *dir_dst = name (f, "dir", "d", NULL);
  g_autofree char *dir_path = path_in (f, "d");
  g_autofree char *resolved_src = realpath (f->src, NULL);
  g_autofree char *resolved_tmp = realpath (f->tmp, NULL);
  g_autofree char *text = NULL;
  g_autofree char *digest = NULL;
  g_autoptr(LcCopyOptions) insecure = lc_copy_options_new ();
  g_autoptr(GError) error = NULL;

  lc_copy_options_set_insecure_policy (insecure, TRUE);

  /* reject as the default */
  set_policy (f, "{\"default\":[{\"type\":\"reject\"}]}");
  expect_denied (f, src, dst, dst_path, NULL, LC_ERROR_POLICY_DENIED,
                 "Source image rejected: Running image oci:");
  expect_denied (f, src, dir_dst, dir_path, NULL, LC_ERROR_POLICY_DENIED, "is rejected by policy");
  /* --insecure-policy accepts anything */
  digest = copy_ok (f, src, dst, insecure, NULL);
  assert_string_equal (digest, f->manifest_digest);
  lc_image_rm_rf (dst_path, NULL);
  g_free (digest);
  digest = copy_ok (f, src, dir_dst, insecure, NULL);

  /* Scoped by the layout's resolved path; others accepted. */
  text = g_strdup_printf ("{\"default\":[{\"type\":\"insecureAcceptAnything\"}],"
                          "\"transports\":{\"oci\":{\"%s\":[{\"type\":\"reject\"}]}}}", resolved_src);
  set_policy (f, text);
  expect_denied (f, src, dst, dst_path, NULL, LC_ERROR_POLICY_DENIED, "rejected by policy");
  g_free (digest);
  digest = copy_ok (f, dir_dst, dst, NULL, NULL);   /* accepted: the dir is not scoped */
  lc_image_rm_rf (dst_path, NULL);
  g_clear_pointer (&text, g_free);

  /* A parent directory scopes dir: images below it. */
  text = g_strdup_printf ("{\"default\":[{\"type\":\"insecureAcceptAnything\"}],"
                          "\"transports\":{\"dir\":{\"%s\":[{\"type\":\"reject\"}]}}}", resolved_tmp);
  set_policy (f, text);
  expect_denied (f, dir_dst, dst, dst_path, NULL, LC_ERROR_POLICY_DENIED, "rejected by policy");
  g_free (digest);
  digest = copy_ok (f, src, dst, NULL, NULL);   /* oci: scopes don't match */
  lc_image_rm_rf (dst_path, NULL);
  g_clear_pointer (&text, g_free);

  /* Signature requirements are refused, clearly. */
  set_policy (f, "{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k.gpg\"}]}");
  expect_denied (f, src, dst, dst_path, NULL, LC_ERROR_UNSUPPORTED, "\"signedBy\" (signature verification) is not supported yet");
  set_policy (f, "{\"default\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k.pub\"}]}");
  expect_denied (f, src, dst, dst_path, NULL, LC_ERROR_UNSUPPORTED, "not supported yet");

  /* A missing or broken policy.json is an error, unless insecure. */
  assert_int_equal (g_unlink (f->policy), 0);
  expect_denied (f, src, dst, dst_path, NULL, LC_ERROR_INVALID_CONFIG, "no policy.json file found");
  set_policy (f, "{\"default\":[]}");
  expect_denied (f, src, dst, dst_path, NULL, LC_ERROR_INVALID_CONFIG, "must not be empty");
  g_free (digest);
  digest = copy_ok (f, src, dst, insecure, NULL);
  assert_string_equal (digest, f->manifest_digest);
  /* Inspecting reads no policy, as skopeo. */
  g_autofree char *json = lc_inspect_image (f->context, src, NULL, NULL, &error);
  assert_non_null (json);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_transport_table_has_local_transports),
    cmocka_unit_test_setup_teardown (test_copy_oci_to_oci_keeps_digests_and_skips_existing_blobs, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_round_trip_through_every_local_transport, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_converts_to_schema2_on_request, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_recompresses_layers_on_request, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_fails_on_a_corrupt_blob_and_leaves_nothing, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_is_cancellable, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_of_a_list_picks_the_platform_or_copies_all, setup, teardown),
    cmocka_unit_test_setup_teardown (test_inspect_prints_the_fields_of_skopeo, setup, teardown),
    cmocka_unit_test_setup_teardown (test_copy_reports_bad_references, setup, teardown),
    cmocka_unit_test_setup_teardown (test_archives_are_read_compressed_and_by_index, setup, teardown),
    cmocka_unit_test (test_copy_options_keep_what_transports_read),
    cmocka_unit_test_setup_teardown (test_copy_enforces_the_policy, setup, teardown),
  };

  return cmocka_run_group_tests_name ("copy", tests, NULL, NULL);
}
