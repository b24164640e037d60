/* test-containers.c: container records of an LcStore, and lc_store_check(),
 * on a temporary store, with overlay and vfs.
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

static json_object *
read_json (const char *path)
{
  g_autofree char *data = NULL;
  json_object *o;

  assert_true (g_file_get_contents (path, &data, NULL, NULL));
  o = json_tokener_parse (data);
  assert_non_null (o);
  return o;
}

/* Two layers and an image "localhost/img:latest" on them. */
static LcImage *
make_image (LcStore *s, char **out_top)
{
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(GBytes) t = test_top_tar ();
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, b, NULL);
  g_autoptr(LcLayer) top = test_apply_bytes (s, lc_layer_get_id (base), t, NULL);
  const char *names[] = { "localhost/img:latest", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) manifest = g_bytes_new_static ("{}", 2);
  LcImage *img = lc_store_create_image (s, NULL, lc_layer_get_id (top), names, NULL, NULL, NULL, &error);

  assert_null (error);
  assert_non_null (img);
  assert_true (lc_store_set_image_big_data (s, lc_image_get_id (img), "manifest", manifest, NULL, NULL, &error));
  if (out_top != NULL)
    *out_top = g_strdup (lc_layer_get_id (top));
  return img;
}

static void
test_containers_create_list_lookup_delete (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(LcStore) other = store_fixture_open (f);
  g_autofree char *top = NULL;
  g_autoptr(LcImage) img = make_image (s, &top);
  const char *names[] = { "c1", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStorageContainer) c = NULL;
  g_autoptr(LcStorageContainer) again = NULL;
  g_autoptr(LcStorageContainer) by_prefix = NULL;
  g_autoptr(GPtrArray) list = NULL;
  g_autoptr(LcLayer) rw = NULL;
  g_autofree char *cjson = g_strdup_printf ("%s/%s-containers/containers.json", f->graph, f->driver);
  g_autofree char *ljson = g_strdup_printf ("%s/%s-layers/layers.json", f->graph, f->driver);
  g_autofree char *gdir = NULL, *rdir = NULL, *udir = NULL, *prefix = NULL;
  g_autoptr(GBytes) bd = g_bytes_new_static ("hello", 5);
  g_autoptr(GBytes) got = NULL;
  json_object *arr, *rec, *v, *flags;

  c = lc_store_create_container (s, NULL, names, "localhost/img", "{\"k\":1}", NULL, &error);
  assert_null (error);
  assert_non_null (c);
  assert_string_equal (lc_storage_container_get_image_id (c), lc_image_get_id (img));
  assert_string_equal (lc_storage_container_get_names (c)[0], "c1");
  assert_string_not_equal (lc_storage_container_get_layer_id (c), lc_storage_container_get_id (c));

  /* containers.json: the fields and order of containers/storage */
  arr = read_json (cjson);
  assert_int_equal (json_object_array_length (arr), 1);
  rec = json_object_array_get_idx (arr, 0);
  assert_string_equal (lc_json_get_string (rec, "image"), lc_image_get_id (img));
  assert_string_equal (lc_json_get_string (rec, "layer"), lc_storage_container_get_layer_id (c));
  assert_string_equal (lc_json_get_string (rec, "metadata"), "{\"k\":1}");
  assert_non_null (lc_json_get_string (rec, "created"));
  assert_true (json_object_object_get_ex (rec, "flags", &flags));
  assert_true (json_object_object_get_ex (flags, "MountLabel", &v));
  assert_true (json_object_object_get_ex (flags, "ProcessLabel", &v));
  json_object_put (arr);
  {
    g_autofree char *data = NULL;
    assert_true (g_file_get_contents (cjson, &data, NULL, NULL));
    assert_true (g_str_has_prefix (data, "[{\"id\":\""));
    assert_non_null (strstr (data, "\",\"names\":[\"c1\"],\"image\":\""));
  }
  /* the read-write layer: id, parent (the image's top layer), created */
  rw = lc_store_lookup_layer (s, lc_storage_container_get_layer_id (c), NULL, &error);
  assert_non_null (rw);
  assert_string_equal (lc_layer_get_parent (rw), top);
  assert_null (lc_layer_get_diff_digest (rw));
  {
    g_autofree char *data = NULL;
    assert_true (g_file_get_contents (ljson, &data, NULL, NULL));
    assert_null (strstr (data, "incomplete"));
  }
  /* userdata directories in both roots */
  gdir = g_strdup_printf ("%s/%s-containers/%s/userdata", f->graph, f->driver, lc_storage_container_get_id (c));
  rdir = g_strdup_printf ("%s/%s-containers/%s/userdata", f->run, f->driver, lc_storage_container_get_id (c));
  assert_true (g_file_test (gdir, G_FILE_TEST_IS_DIR));
  assert_true (g_file_test (rdir, G_FILE_TEST_IS_DIR));
  udir = lc_store_dup_container_directory (s, "c1", TRUE, NULL, &error);
  assert_string_equal (udir, rdir);

  /* seen by another handle, by name and by ID prefix */
  list = lc_store_list_containers (other, NULL, &error);
  assert_int_equal (list->len, 1);
  again = lc_store_lookup_container (other, "c1", NULL, &error);
  assert_string_equal (lc_storage_container_get_id (again), lc_storage_container_get_id (c));
  prefix = g_strndup (lc_storage_container_get_id (c), 12);
  by_prefix = lc_store_lookup_container (other, prefix, NULL, &error);
  assert_non_null (by_prefix);

  /* names are unique */
  assert_null (lc_store_create_container (other, NULL, names, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_ALREADY_EXISTS));
  g_clear_error (&error);

  /* big data */
  assert_true (lc_store_set_container_big_data (s, "c1", "config.json", bd, NULL, &error));
  got = lc_store_get_container_big_data (other, "c1", "config.json", NULL, &error);
  assert_non_null (got);
  assert_true (g_bytes_equal (got, bd));
  {
    g_autoptr(LcStorageContainer) now = lc_store_lookup_container (s, "c1", NULL, &error);
    LcStorageContainer *extra = lc_storage_container_ref (now);

    assert_true (G_TYPE_IS_BOXED (lc_storage_container_get_type ()));
    assert_string_equal (lc_storage_container_get_big_data_names (extra)[0], "config.json");
    assert_null (lc_storage_container_get_big_data_names (extra)[1]);
    assert_string_equal (lc_storage_container_get_metadata (extra), "{\"k\":1}");
    assert_string_equal (lc_storage_container_get_created (extra), lc_storage_container_get_created (c));
    assert_true (g_str_has_suffix (lc_storage_container_get_created (extra), "Z"));
    lc_storage_container_unref (extra);
    lc_storage_container_unref (NULL);
  }

  /* the image and the layer are in use */
  assert_false (lc_store_delete_image (other, "localhost/img", NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_LOCKED));
  g_clear_error (&error);
  assert_false (lc_store_delete_layer (other, lc_storage_container_get_layer_id (c), NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_LOCKED));
  g_clear_error (&error);

  /* removal takes record, layer and directories */
  assert_true (lc_store_delete_container (other, "c1", NULL, &error));
  assert_null (lc_store_lookup_container (s, "c1", NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  g_clear_error (&error);
  assert_null (lc_store_lookup_layer (s, lc_storage_container_get_layer_id (c), NULL, &error));
  g_clear_error (&error);
  assert_false (g_file_test (gdir, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (rdir, G_FILE_TEST_EXISTS));
  assert_true (lc_store_delete_image (s, "localhost/img", NULL, &error));
  assert_null (error);
}

static void
test_containers_from_scratch_has_empty_image (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStorageContainer) c = lc_store_create_container (s, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(LcLayer) rw = NULL;
  g_autofree char *cjson = g_strdup_printf ("%s/%s-containers/containers.json", f->graph, f->driver);
  g_autofree char *data = NULL;

  assert_non_null (c);
  assert_null (lc_storage_container_get_image_id (c));
  rw = lc_store_lookup_layer (s, lc_storage_container_get_layer_id (c), NULL, &error);
  assert_null (lc_layer_get_parent (rw));
  assert_true (g_file_get_contents (cjson, &data, NULL, NULL));
  assert_non_null (strstr (data, "\"image\":\"\""));
  assert_null (strstr (data, "\"names\""));
  /* an unknown image */
  assert_null (lc_store_create_container (s, NULL, NULL, "localhost/nothere", NULL, NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  g_clear_error (&error);
  assert_null (lc_store_create_container (s, "NOTHEX", NULL, NULL, NULL, NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_ARGUMENT));
  g_clear_error (&error);
  assert_true (lc_store_delete_container (s, lc_storage_container_get_id (c), NULL, &error));
}

static void
test_containers_mount_writes_to_the_rw_layer (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(LcImage) img = make_image (s, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStorageContainer) c = lc_store_create_container (s, NULL, NULL, lc_image_get_id (img), NULL, NULL, &error);
  g_autofree char *path = NULL, *path2 = NULL, *file = NULL, *sh = NULL, *json = NULL;
  g_autofree char *mounts_json = g_strdup_printf ("%s/%s-layers/mountpoints.json", f->run, f->driver);

  assert_non_null (c);
  if (geteuid () != 0)
    skip ();
  path = lc_store_mount_container (s, lc_storage_container_get_id (c), NULL, &error);
  assert_null (error);
  assert_non_null (path);
  sh = g_build_filename (path, "bin", "sh", NULL);
  assert_true (g_file_test (sh, G_FILE_TEST_IS_REGULAR));
  file = g_build_filename (path, "new-file", NULL);
  assert_true (g_file_set_contents (file, "x", 1, NULL));
  path2 = lc_store_mount_container (s, lc_storage_container_get_id (c), NULL, &error);
  assert_string_equal (path, path2);
  assert_true (g_file_get_contents (mounts_json, &json, NULL, NULL));
  assert_non_null (strstr (json, "\"count\":2"));
  g_free (json);
  assert_true (lc_store_unmount_container (s, lc_storage_container_get_id (c), FALSE, NULL, &error));
  assert_true (lc_store_unmount_container (s, lc_storage_container_get_id (c), FALSE, NULL, &error));
  assert_true (g_file_get_contents (mounts_json, &json, NULL, NULL));
  assert_string_equal (json, "[]");
  if (g_str_equal (f->driver, "overlay"))
    {
      /* the write went to the container's own diff */
      g_autofree char *in_diff = g_build_filename (f->graph, "overlay", lc_storage_container_get_layer_id (c), "diff",
                                                   "new-file", NULL);
      assert_true (g_file_test (in_diff, G_FILE_TEST_IS_REGULAR));
    }
  /* deleting a mounted container unmounts it */
  g_free (path);
  path = lc_store_mount_container (s, lc_storage_container_get_id (c), NULL, &error);
  assert_non_null (path);
  assert_true (lc_store_delete_container (s, lc_storage_container_get_id (c), NULL, &error));
  g_free (json);
  assert_true (g_file_get_contents (mounts_json, &json, NULL, NULL));
  assert_string_equal (json, "[]");
}

static guint
count_matching (GPtrArray *problems, const char *needle)
{
  guint n = 0;

  for (guint i = 0; i < problems->len; i++)
    if (strstr (problems->pdata[i], needle) != NULL)
      n++;
  return n;
}

static char *
layer_data_dir (StoreFixture *f, const char *id)
{
  return g_str_equal (f->driver, "vfs") ? g_build_filename (f->graph, "vfs", "dir", id, NULL)
                                        : g_build_filename (f->graph, "overlay", id, "diff", NULL);
}

static void
test_check_clean_store_has_no_problems (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(LcImage) img = make_image (s, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStorageContainer) c = lc_store_create_container (s, NULL, NULL, lc_image_get_id (img), NULL, NULL, &error);
  g_autoptr(GPtrArray) p = lc_store_check (s, LC_STORE_CHECK_DIGESTS, NULL, &error);

  assert_null (error);
  assert_non_null (p);
  for (guint i = 0; i < p->len; i++)
    print_message ("unexpected: %s\n", (char *) p->pdata[i]);
  assert_int_equal (p->len, 0);
}

static void
test_check_finds_digest_mismatch_only_on_request (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autofree char *top = NULL;
  g_autoptr(LcImage) img = make_image (s, &top);
  g_autoptr(LcLayer) tl = lc_store_lookup_layer (s, top, NULL, NULL);
  g_autofree char *dir = layer_data_dir (f, lc_layer_get_parent (tl));
  g_autofree char *file = g_build_filename (dir, "bin", "sh", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) p1 = NULL, p2 = NULL, p3 = NULL;

  /* same size, other bytes */
  chmod (file, 0644);
  assert_true (g_file_set_contents (file, "#!fake SHELL\n", -1, NULL));
  p1 = lc_store_check (s, LC_STORE_CHECK_NONE, NULL, &error);
  assert_int_equal (p1->len, 0);
  p2 = lc_store_check (s, LC_STORE_CHECK_DIGESTS, NULL, &error);
  /* the rebuild fails its CRC check, or gives another digest */
  assert_int_equal (count_matching (p2, "its content"), 1);
  assert_int_equal (count_matching (p2, "is broken"), 2);   /* the top layer and the image */
  p3 = lc_store_check (s, LC_STORE_CHECK_DIGESTS | LC_STORE_CHECK_REPAIR, NULL, &error);
  assert_null (error);
  assert_int_equal (p3->len, p2->len);
  g_ptr_array_unref (p1);
  p1 = lc_store_check (s, LC_STORE_CHECK_DIGESTS, NULL, &error);
  assert_int_equal (p1->len, 0);
  assert_null (lc_store_lookup_image (s, lc_image_get_id (img), NULL, &error));
  g_clear_error (&error);
}

static void
test_check_reports_and_repairs_broken_entries (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autofree char *top = NULL;
  g_autoptr(LcImage) img = make_image (s, &top);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStorageContainer) c = lc_store_create_container (s, NULL, NULL, lc_image_get_id (img), NULL, NULL, &error);
  g_autoptr(LcStorageContainer) scratch = lc_store_create_container (s, NULL, NULL, NULL, NULL, NULL, &error);
  g_autoptr(GPtrArray) p = NULL;
  g_autoptr(GPtrArray) layers = NULL;
  g_autofree char *dir = layer_data_dir (f, top);
  g_autofree char *stray = g_strdup_printf ("%s/%s-images/%s/=c3RyYXk=", f->graph, f->driver, lc_image_get_id (img));
  g_autofree char *incomplete_id = lc_random_id ();
  g_autofree char *fake_ts = NULL;
  g_autofree char *orphan_id = lc_random_id ();

  assert_non_null (c);
  /* break things: the top layer's data, a stray big-data file, an
   * incomplete record, a tar-split file of no layer */
  assert_true (lc_storage_rm_rf (dir, NULL));
  assert_true (g_file_set_contents (stray, "x", 1, NULL));
  assert_true (lc_record_file_lock (&s->layers, TRUE, NULL, &error));
  {
    json_object *rec = json_object_new_object ();
    json_object *flags = json_object_new_object ();
    json_object_object_add (rec, "id", json_object_new_string (incomplete_id));
    json_object_object_add (rec, "created", json_object_new_string ("2026-01-01T00:00:00Z"));
    json_object_object_add (flags, "incomplete", json_object_new_boolean (TRUE));
    json_object_object_add (rec, "flags", flags);
    lc_record_file_append (&s->layers, rec);
    assert_true (lc_record_file_save (&s->layers, &error));
  }
  lc_record_file_unlock (&s->layers);
  fake_ts = g_strdup_printf ("%s/%s-layers/%s.tar-split.gz", f->graph, f->driver, orphan_id);
  assert_true (g_file_set_contents (fake_ts, "", 0, NULL));

  p = lc_store_check (s, LC_STORE_CHECK_NONE, NULL, &error);
  assert_null (error);
  for (guint i = 0; i < p->len; i++)
    print_message ("# %s\n", (char *) p->pdata[i]);
  assert_int_equal (count_matching (p, "data directory is missing"), 1);
  assert_int_equal (count_matching (p, "is incomplete"), 1);
  assert_int_equal (count_matching (p, "its parent"), 1);       /* the container's layer */
  assert_int_equal (count_matching (p, "image "), 1);            /* broken (its stray file goes with it) */
  assert_int_equal (count_matching (p, "container "), 1);
  assert_int_equal (count_matching (p, "has no layer record"), 1);
  g_ptr_array_unref (p);

  p = lc_store_check (s, LC_STORE_CHECK_REPAIR, NULL, &error);
  assert_null (error);
  assert_int_equal (p->len, 6);
  g_ptr_array_unref (p);
  p = lc_store_check (s, LC_STORE_CHECK_NONE, NULL, &error);
  for (guint i = 0; i < p->len; i++)
    print_message ("left: %s\n", (char *) p->pdata[i]);
  assert_int_equal (p->len, 0);
  /* what was fine is still there: the base layer and the scratch container */
  layers = lc_store_list_layers (s, NULL, &error);
  assert_int_equal (layers->len, 2);
  assert_false (g_file_test (stray, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (fake_ts, G_FILE_TEST_EXISTS));
  {
    g_autoptr(LcStorageContainer) still = lc_store_lookup_container (s, lc_storage_container_get_id (scratch), NULL, &error);
    assert_non_null (still);
  }
  assert_null (lc_store_lookup_container (s, lc_storage_container_get_id (c), NULL, &error));
  g_clear_error (&error);
}

static void
test_commit_image_writes_record_and_big_data_at_once (void **state)
{
  StoreFixture *f = *state;
  g_autoptr(LcStore) s = store_fixture_open (f);
  g_autoptr(GBytes) b = test_base_tar ();
  g_autoptr(LcLayer) base = test_apply_bytes (s, NULL, b, NULL);
  g_autoptr(GBytes) config = g_bytes_new_static ("{\"c\":1}", 7);
  g_autoptr(GBytes) manifest = g_bytes_new_static ("{\"m\":1}", 7);
  g_autofree char *id = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, config);
  g_autofree char *config_key = g_strconcat ("sha256:", id, NULL);
  const char *mdigest = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
  LcBigDataItem items[] = {
    { config_key, config, NULL }, { "manifest", manifest, mdigest },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImage) img = lc_store_commit_image (s, id, lc_layer_get_id (base), "2024-01-01T00:00:00Z", NULL,
                                                  items, G_N_ELEMENTS (items), "localhost/c:1", NULL, &error);
  g_autoptr(LcImage) again = NULL;
  g_autoptr(GBytes) got = NULL;
  g_autoptr(GPtrArray) problems = NULL;

  assert_null (error);
  assert_non_null (img);
  assert_string_equal (lc_image_get_big_data_names (img)[0], config_key);
  assert_string_equal (lc_image_get_big_data_names (img)[1], "manifest");
  assert_string_equal (lc_image_get_digest (img), mdigest);
  assert_string_equal (lc_image_get_names (img)[0], "localhost/c:1");
  assert_string_equal (lc_image_get_created (img), "2024-01-01T00:00:00Z");
  got = lc_store_get_image_big_data (s, id, "manifest", NULL, &error);
  assert_true (g_bytes_equal (got, manifest));
  /* again: the same record, one more name */
  again = lc_store_commit_image (s, id, lc_layer_get_id (base), NULL, NULL, items, 1, "localhost/c:2", NULL, &error);
  assert_non_null (again);
  assert_string_equal (lc_image_get_names (again)[1], "localhost/c:2");
  g_clear_pointer (&again, lc_image_unref);
  /* another top layer with that ID: refused */
  again = lc_store_commit_image (s, id, NULL, NULL, NULL, items, 1, NULL, NULL, &error);
  assert_null (again);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_ALREADY_EXISTS));
  g_clear_error (&error);
  problems = lc_store_check (s, LC_STORE_CHECK_DIGESTS, NULL, &error);
  assert_int_equal (problems->len, 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_containers_create_list_lookup_delete, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_containers_create_list_lookup_delete, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_containers_from_scratch_has_empty_image, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_containers_mount_writes_to_the_rw_layer, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_containers_mount_writes_to_the_rw_layer, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_commit_image_writes_record_and_big_data_at_once, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_commit_image_writes_record_and_big_data_at_once, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_check_clean_store_has_no_problems, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_check_clean_store_has_no_problems, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_check_finds_digest_mismatch_only_on_request, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_check_finds_digest_mismatch_only_on_request, store_fixture_setup_vfs, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_check_reports_and_repairs_broken_entries, store_fixture_setup_overlay, store_fixture_teardown),
    cmocka_unit_test_setup_teardown (test_check_reports_and_repairs_broken_entries, store_fixture_setup_vfs, store_fixture_teardown),
  };

  return cmocka_run_group_tests_name ("storage-containers", tests, NULL, NULL);
}
