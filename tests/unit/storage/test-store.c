/* test-store.c: LcStore on a temporary store, with overlay and vfs.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "containers/containers.h"
#include "common/lc-error-private.h"
#include "storage/lc-store-private.h"
#include "storage-test-util.h"

static GBytes *
export_bytes (LcStore *s, const char *id)
{
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
  g_autoptr(GError) error = NULL;

  assert_true (lc_store_export_layer (s, id, out, NULL, &error));
  g_output_stream_close (out, NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static void
test_store_layers_apply_export_and_reuse (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(GBytes) bgz = test_gzip (b);
  g_autoptr(GBytes) t = test_top_tar ();
  g_autofree char *bdigest = test_sha256 (b);
  g_autofree char *bgz_digest = test_sha256 (bgz);
  g_autofree char *tdigest = test_sha256 (t);
  g_autofree char *top_id = NULL;
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, bgz, NULL);
  g_autoptr(LcLayer) top = NULL;
  g_autoptr(LcLayer) again = NULL;
  g_autoptr(GBytes) exported = NULL;
  g_autoptr(GPtrArray) layers = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *ts = NULL;

  assert_string_equal (lc_layer_get_id (base), bdigest + 7);
  assert_string_equal (lc_layer_get_diff_digest (base), bdigest);
  assert_int_equal (lc_layer_get_diff_size (base), g_bytes_get_size (b));
  assert_string_equal (lc_layer_get_compressed_digest (base), bgz_digest);
  assert_int_equal (lc_layer_get_compressed_size (base), g_bytes_get_size (bgz));
  assert_null (lc_layer_get_parent (base));
  assert_non_null (lc_layer_get_created (base));

  top = test_apply_bytes (s, lc_layer_get_id (base), t, NULL);
  top_id = lc_layer_id_from_diff_id (lc_layer_get_id (base), tdigest);
  assert_string_equal (lc_layer_get_id (top), top_id);
  assert_string_equal (lc_layer_get_parent (top), lc_layer_get_id (base));

  /* byte-for-byte export from tar-split */
  exported = export_bytes (s, lc_layer_get_id (base));
  assert_true (g_bytes_equal (exported, b));
  g_bytes_unref (exported);
  exported = export_bytes (s, lc_layer_get_id (top));
  assert_true (g_bytes_equal (exported, t));
  ts = g_strdup_printf ("%s/%s-layers/%s.tar-split.gz", f->graph, f->driver, lc_layer_get_id (top));
  assert_true (g_file_test (ts, G_FILE_TEST_IS_REGULAR));

  /* the same blob again: the existing layer, untouched */
  again = test_apply_bytes (s, NULL, b, NULL);
  assert_string_equal (lc_layer_get_id (again), lc_layer_get_id (base));
  assert_string_equal (lc_layer_get_compressed_digest (again), bgz_digest);

  layers = lc_store_list_layers (s, NULL, &error);
  assert_int_equal (layers->len, 2);
  {
    g_autoptr(LcLayer) byprefix = lc_store_lookup_layer (s, top_id, NULL, &error);
    assert_non_null (byprefix);
  }

  /* the parent cannot go while the child is there */
  assert_false (lc_store_delete_layer (s, lc_layer_get_id (base), NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_LOCKED));
  g_clear_error (&error);
  assert_true (lc_store_delete_layer (s, lc_layer_get_id (top), NULL, &error));
  assert_false (g_file_test (ts, G_FILE_TEST_EXISTS));
  {
    g_autoptr(LcLayer) gone = lc_store_lookup_layer (s, lc_layer_get_id (top), NULL, &error);
    assert_null (gone);
    assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  }
}

static void
test_store_overlay_layout_matches_containers_storage (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(GBytes) t = test_top_tar ();
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, b, NULL);
  g_autoptr(LcLayer) top = test_apply_bytes (s, lc_layer_get_id (base), t, NULL);
  g_autofree char *home = g_build_filename (f->graph, "overlay", NULL);
  g_autofree char *blink_file = g_build_filename (home, lc_layer_get_id (base), "link", NULL);
  g_autofree char *tlower_file = g_build_filename (home, lc_layer_get_id (top), "lower", NULL);
  g_autofree char *bempty = g_build_filename (home, lc_layer_get_id (base), "empty", NULL);
  g_autofree char *bdiff = g_build_filename (home, lc_layer_get_id (base), "diff", NULL);
  g_autofree char *twh = g_build_filename (home, lc_layer_get_id (top), "diff", "x", NULL);
  g_autofree char *blink = NULL, *tlower = NULL, *lpath = NULL, *target = NULL, *want = NULL;
  g_autofree char *lower_want = NULL;
  struct stat st;

  assert_true (g_file_get_contents (blink_file, &blink, NULL, NULL));
  assert_int_equal (strlen (blink), 26);
  assert_true (g_file_get_contents (tlower_file, &tlower, NULL, NULL));
  lower_want = g_strconcat ("l/", blink, NULL);
  assert_string_equal (tlower, lower_want);
  lpath = g_build_filename (home, "l", blink, NULL);
  target = g_file_read_link (lpath, NULL);
  want = g_strconcat ("../", lc_layer_get_id (base), "/diff", NULL);
  assert_string_equal (target, want);
  assert_true (g_file_test (bempty, G_FILE_TEST_IS_DIR));
  assert_int_equal (stat (bdiff, &st), 0);
  assert_int_equal (st.st_mode & 07777, 0555);
  assert_int_equal (lstat (twh, &st), 0);
  assert_true (S_ISCHR (st.st_mode));
}

static void
test_store_images_names_big_data_and_delete (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(LcStore) other = store_fixture_open (f);
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(GBytes) t = test_top_tar ();
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, b, NULL);
  g_autoptr(LcLayer) top = test_apply_bytes (s, lc_layer_get_id (base), t, NULL);
  g_autoptr(GBytes) config = g_bytes_new_static ("{\"architecture\":\"amd64\"}", 24);
  g_autoptr(GBytes) manifest = g_bytes_new_static ("{\"schemaVersion\":2}", 19);
  g_autofree char *config_digest = test_sha256 (config);
  g_autofree char *manifest_digest = test_sha256 (manifest);
  const char *names[] = { "docker.io/library/busybox:latest", NULL };
  const char *names2[] = { "localhost/base:1", NULL };
  g_autoptr(LcImage) img = NULL;
  g_autoptr(LcImage) img2 = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autofree char *cfg_file = NULL;

  img = lc_store_create_image (s, config_digest + 7, lc_layer_get_id (top), names,
                               "2024-01-01T00:00:00Z", NULL, NULL, &error);
  assert_null (error);
  assert_string_equal (lc_image_get_id (img), config_digest + 7);
  assert_string_equal (lc_image_get_created (img), "2024-01-01T00:00:00Z");
  assert_true (lc_store_set_image_big_data (s, lc_image_get_id (img), config_digest, config, NULL, NULL, &error));
  assert_true (lc_store_set_image_big_data (s, lc_image_get_id (img), "manifest", manifest, NULL, NULL, &error));
  cfg_file = g_strdup_printf ("%s/%s-images/%s/=%s", f->graph, f->driver, lc_image_get_id (img),
                              "c2hhMjU2O");   /* prefix of base64("sha256:") */
  {
    g_autofree char *dir = g_path_get_dirname (cfg_file);
    g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
    int n = 0;
    const char *e;
    while ((e = g_dir_read_name (d)) != NULL)
      n += g_str_has_prefix (e, "=c2hhMjU2O") || g_str_equal (e, "manifest");
    assert_int_equal (n, 2);
  }

  /* the other handle sees it (token), by every kind of name */
  {
    const char *queries[] = { "busybox", "busybox:latest", "docker.io/library/busybox:latest",
                              config_digest + 7, "0123" /* no */, manifest_digest, NULL };
    for (int i = 0; queries[i]; i++)
      {
        g_autoptr(LcImage) found = lc_store_lookup_image (other, queries[i], NULL, &error);
        if (i == 4)
          {
            assert_null (found);
            g_clear_error (&error);
            continue;
          }
        assert_non_null (found);
        assert_string_equal (lc_image_get_id (found), lc_image_get_id (img));
        assert_string_equal (lc_image_get_digest (found), manifest_digest);
        assert_int_equal (lc_image_get_size (found),
                          lc_layer_get_diff_size (base) + lc_layer_get_diff_size (top) + 24 + 19);
      }
  }
  {
    g_autofree char *prefix = g_strndup (config_digest + 7, 12);
    g_autoptr(LcImage) found = lc_store_lookup_image (other, prefix, NULL, &error);
    g_autoptr(GBytes) got = lc_store_get_image_big_data (other, prefix, config_digest, NULL, &error);
    assert_non_null (found);
    assert_true (g_bytes_equal (got, config));
  }

  /* tag, untag, steal */
  assert_true (lc_store_add_image_name (other, "busybox", "localhost/mine:v1", NULL, &error));
  img2 = lc_store_create_image (s, NULL, lc_layer_get_id (base), names2, NULL, "meta", NULL, &error);
  assert_non_null (img2);
  assert_true (lc_store_add_image_name (s, lc_image_get_id (img2), "localhost/mine:v1", NULL, &error));
  {
    g_autoptr(LcImage) a = lc_store_lookup_image (other, lc_image_get_id (img), NULL, &error);
    g_autoptr(LcImage) c = lc_store_lookup_image (other, "localhost/mine:v1", NULL, &error);
    assert_int_equal (g_strv_length ((char **) lc_image_get_names (a)), 1);
    assert_string_equal (lc_image_get_names_history (a)[0], "localhost/mine:v1");
    assert_string_equal (lc_image_get_id (c), lc_image_get_id (img2));
    assert_string_equal (lc_image_get_metadata (c), "meta");
  }
  assert_true (lc_store_remove_image_name (s, lc_image_get_id (img2), "localhost/mine:v1", NULL, &error));
  assert_false (lc_store_remove_image_name (s, lc_image_get_id (img2), "localhost/mine:v1", NULL, &error));
  g_clear_error (&error);
  assert_null (lc_store_create_image (s, lc_image_get_id (img2), NULL, NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_ALREADY_EXISTS));
  g_clear_error (&error);

  /* deleting the top image leaves the base layer: img2 uses it */
  assert_true (lc_store_delete_image (other, "busybox", NULL, &error));
  list = lc_store_list_images (s, NULL, &error);
  assert_int_equal (list->len, 1);
  {
    g_autoptr(GPtrArray) layers = lc_store_list_layers (s, NULL, &error);
    assert_int_equal (layers->len, 1);
    assert_string_equal (lc_layer_get_id (layers->pdata[0]), lc_layer_get_id (base));
  }
  assert_true (lc_store_delete_image (s, lc_image_get_id (img2), NULL, &error));
  {
    g_autoptr(GPtrArray) layers = lc_store_list_layers (other, NULL, &error);
    assert_int_equal (layers->len, 0);
  }
}

static void
test_store_open_removes_incomplete_layers (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, b, NULL);
  g_autofree char *json = g_strdup_printf ("%s/%s-layers/layers.json", f->graph, f->driver);
  g_autofree char *data = NULL;
  g_autofree char *patched = NULL;
  g_autoptr(GError) error = NULL;

  /* As if a writer died between the incomplete record and completion. */
  assert_true (g_file_get_contents (json, &data, NULL, NULL));
  patched = g_strdup_printf ("%.*s,\"flags\":{\"incomplete\":true}}]", (int) strlen (data) - 2, data);
  assert_true (g_file_set_contents (json, patched, -1, NULL));
  {
    g_autoptr(LcStore) s2 = store_fixture_open (f);
    g_autoptr(GPtrArray) layers = lc_store_list_layers (s2, NULL, &error);
    assert_int_equal (layers->len, 0);
  }
  {
    g_autoptr(GPtrArray) layers = lc_store_list_layers (s, NULL, &error);
    assert_int_equal (layers->len, 0);   /* s reloads after s2's write */
  }
}

static void
test_store_open_reads_storage_conf (void **state)
{
  StoreFixture *f = *state;
  g_autofree char *conf = g_build_filename (f->tmp, "storage.conf", NULL);
  g_autofree char *text = g_strdup_printf ("[storage]\ndriver = \"vfs\"\ngraphroot = \"%s/g\"\nrunroot = \"%s/r\"\n"
                                           "[storage.options.vfs]\nignore_chown_errors = \"true\"\n",
                                           f->tmp, f->tmp);
  g_autofree char *g = g_build_filename (f->tmp, "g", NULL);
  g_autoptr(LcStore) s = NULL;
  g_autoptr(GError) error = NULL;

  assert_true (g_file_set_contents (conf, text, -1, NULL));
  lc_context_set_storage_conf (f->context, conf);
  s = lc_store_open (f->context, NULL, NULL, &error);
  assert_null (error);
  assert_string_equal (lc_store_get_graph_root (s), g);
  assert_string_equal (lc_store_get_driver_name (s), "vfs");
  assert_true (g_str_has_suffix (lc_store_get_run_root (s), "/r"));
}

static void
test_store_open_rejects_malformed_storage_conf (void **state)
{
  StoreFixture *f = *state;
  g_autofree char *conf = g_build_filename (f->tmp, "storage.conf", NULL);
  static const char *bad[] = {
    "[storage\ndriver = \"vfs\"\n",                 /* not TOML */
    "[storage]\ndriver = 42\n",                      /* wrong type */
    "[storage]\ndriver = \"no-such-driver\"\n",      /* unknown driver */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(LcStore) s = NULL;
      g_autoptr(GError) error = NULL;
      g_autofree char *text = g_strdup_printf ("%s[storage.options]\n", bad[i]);

      assert_true (g_file_set_contents (conf, i == 0 ? bad[i] : text, -1, NULL));
      lc_context_set_storage_conf (f->context, conf);
      s = lc_store_open (f->context, NULL, NULL, &error);
      assert_null (s);
      assert_non_null (error);
      /* The message names the file, or the driver that was asked for. */
      assert_true (strstr (error->message, "storage.conf") != NULL ||
                   strstr (error->message, "no-such-driver") != NULL);
    }
}

static void
test_store_mount_counts_users_in_mountpoints_json (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(LcStore) other = store_fixture_open (f);
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(GBytes) t = test_top_tar ();
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, b, NULL);
  g_autoptr(LcLayer) top = test_apply_bytes (s, lc_layer_get_id (base), t, NULL);
  g_autofree char *mounts_json = g_strdup_printf ("%s/%s-layers/mountpoints.json", f->run, f->driver);
  g_autofree char *path = NULL, *path2 = NULL, *json = NULL, *sh = NULL, *x = NULL, *da = NULL, *db = NULL;
  g_autoptr(GError) error = NULL;

  if (geteuid () != 0)
    skip ();
  path = lc_store_mount_layer (s, lc_layer_get_id (top), TRUE, NULL, &error);
  if (path == NULL && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED))
    skip ();
  assert_null (error);
  assert_non_null (path);
  /* the merged view: base's files, top's whiteout and opaque dir applied */
  sh = g_build_filename (path, "bin", "sh", NULL);
  x = g_build_filename (path, "x", NULL);
  da = g_build_filename (path, "d", "a", NULL);
  db = g_build_filename (path, "d", "b", NULL);
  assert_true (g_file_test (sh, G_FILE_TEST_IS_REGULAR));
  assert_false (g_file_test (x, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (da, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (db, G_FILE_TEST_IS_REGULAR));
  path2 = lc_store_mount_layer (other, lc_layer_get_id (top), TRUE, NULL, &error);
  assert_string_equal (path, path2);
  assert_true (g_file_get_contents (mounts_json, &json, NULL, NULL));
  assert_non_null (strstr (json, "\"count\":2"));
  g_free (json);
  assert_true (lc_store_unmount_layer (s, lc_layer_get_id (top), FALSE, NULL, &error));
  assert_true (g_file_test (sh, G_FILE_TEST_IS_REGULAR));
  assert_true (lc_store_unmount_layer (other, lc_layer_get_id (top), FALSE, NULL, &error));
  assert_true (g_file_get_contents (mounts_json, &json, NULL, NULL));
  assert_string_equal (json, "[]");
  if (g_str_equal (f->driver, "overlay"))
    assert_false (g_file_test (path, G_FILE_TEST_EXISTS));   /* merged/ removed */
  /* unmounting again is fine */
  assert_true (lc_store_unmount_layer (s, lc_layer_get_id (top), FALSE, NULL, &error));
}

static void
test_store_types_refcounts_and_driver_options (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(GError) error = NULL;
  LcStoreOptions *o = lc_store_options_new ();
  LcStoreOptions *o2 = lc_store_options_ref (o);
  LcStore *s;
  g_autoptr(GBytes) b = test_base_tar ();
  LcLayer *layer, *layer2;
  LcImage *image, *image2;
  const char *names[] = { "localhost/types:1", NULL };

  assert_true (g_type_is_a (lc_store_get_type (), G_TYPE_OBJECT));
  assert_true (G_TYPE_IS_BOXED (lc_store_options_get_type ()));
  assert_true (G_TYPE_IS_BOXED (lc_image_get_type ()));
  assert_true (G_TYPE_IS_BOXED (lc_layer_get_type ()));
  lc_store_options_set_graph_root (o, f->graph);
  lc_store_options_set_run_root (o, f->run);
  lc_store_options_set_driver (o, "overlay");
  lc_store_options_add_driver_option (o, "overlay.mountopt=nodev");
  lc_store_options_unref (o);
  s = lc_store_open (f->context, o2, NULL, &error);
  assert_non_null (s);
  lc_store_options_unref (o2);
  lc_store_options_unref (NULL);

  /* an unknown option of the driver is an error, as in containers/storage */
  {
    g_autoptr(LcStoreOptions) bad = lc_store_options_new ();
    g_autoptr(GError) e2 = NULL;
    LcStore *none;
    lc_store_options_set_graph_root (bad, f->graph);
    lc_store_options_set_run_root (bad, f->run);
    lc_store_options_set_driver (bad, "overlay");
    lc_store_options_add_driver_option (bad, "overlay.nosuchoption=1");
    none = lc_store_open (f->context, bad, NULL, &e2);
    assert_null (none);
    assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  }

  {
    g_autoptr(GInputStream) in = test_stream (b);
    layer = lc_store_apply_layer (s, NULL, in, NULL, NULL, &error);
  }
  layer2 = lc_layer_ref (layer);
  lc_layer_unref (layer);
  assert_non_null (lc_layer_get_id (layer2));
  image = lc_store_create_image (s, NULL, lc_layer_get_id (layer2), names, NULL, NULL, NULL, &error);
  image2 = lc_image_ref (image);
  lc_image_unref (image);
  assert_string_equal (lc_image_get_top_layer (image2), lc_layer_get_id (layer2));
  assert_non_null (lc_image_get_big_data_names (image2));
  assert_null (lc_image_get_big_data_names (image2)[0]);
  lc_image_unref (image2);
  lc_layer_unref (layer2);
  lc_image_unref (NULL);
  lc_layer_unref (NULL);
  g_object_unref (s);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_store_layers_apply_export_and_reuse, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_layers_apply_export_and_reuse, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_overlay_layout_matches_containers_storage, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_images_names_big_data_and_delete, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_images_names_big_data_and_delete, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_open_removes_incomplete_layers, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_open_reads_storage_conf, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_open_rejects_malformed_storage_conf, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_mount_counts_users_in_mountpoints_json, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_mount_counts_users_in_mountpoints_json, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_store_types_refcounts_and_driver_options, store_fixture_setup_overlay, store_fixture_teardown),
  };
  return cmocka_run_group_tests_name ("store", tests, NULL, NULL);
}
