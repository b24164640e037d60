/* test-records.c: the JSON records and naming rules of containers/storage.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "common/lc-error-private.h"
#include "storage/lc-store-private.h"
#include "storage-test-util.h"

static void
test_records_round_trip_keeps_fields_and_go_order (void **state)
{
  /* A podman record, keys shuffled, plus a field from a newer writer. */
  const char *in =
    "[{\"created\":\"2026-11-28T20:43:51.854139703Z\",\"id\":\"f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450\","
    "\"diff-size\":203796480,\"compression\":2,\"uidset\":[0],\"gidset\":[0,8,42],\"toc-digest\":\"sha256:00\","
    "\"compressed-diff-digest\":\"sha256:ff14f0f04a0fc4d605aa48bb6d48e7eb6b052ebe766f750f30162a5363fb1a37\","
    "\"compressed-size\":95319726,\"diff-digest\":\"sha256:f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450\","
    "\"metadata\":\"<&>\"}]";
  const char *want =
    "[{\"id\":\"f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450\",\"metadata\":\"\\u003c\\u0026\\u003e\","
    "\"created\":\"2026-11-28T20:43:51.854139703Z\","
    "\"compressed-diff-digest\":\"sha256:ff14f0f04a0fc4d605aa48bb6d48e7eb6b052ebe766f750f30162a5363fb1a37\","
    "\"compressed-size\":95319726,\"diff-digest\":\"sha256:f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450\","
    "\"diff-size\":203796480,\"compression\":2,\"uidset\":[0],\"gidset\":[0,8,42],\"toc-digest\":\"sha256:00\"}]";
  g_autoptr(GError) error = NULL;
  json_object *recs = lc_records_parse (in, strlen (in), "layers.json", &error);
  g_autofree char *out = NULL;

  (void) state;
  assert_non_null (recs);
  out = lc_records_serialize (recs, "layer");
  assert_string_equal (out, want);
  json_object_put (recs);
}

static void
test_records_images_and_containers_use_their_go_order (void **state)
{
  const char *images =
    "[{\"created\":\"2026-11-28T20:43:37.423667629Z\",\"big-data-names\":[\"manifest\"],\"layer\":\"ab\","
    "\"names\":[\"x:1\"],\"digest\":\"sha256:00\",\"id\":\"34\",\"big-data-sizes\":{\"manifest\":2},"
    "\"names-history\":[\"x:1\"],\"metadata\":\"{}\",\"big-data-digests\":{\"manifest\":\"sha256:00\"}}]";
  const char *images_want =
    "[{\"id\":\"34\",\"digest\":\"sha256:00\",\"names\":[\"x:1\"],\"names-history\":[\"x:1\"],\"layer\":\"ab\","
    "\"metadata\":\"{}\",\"big-data-names\":[\"manifest\"],\"big-data-sizes\":{\"manifest\":2},"
    "\"big-data-digests\":{\"manifest\":\"sha256:00\"},\"created\":\"2026-11-28T20:43:37.423667629Z\"}]";
  const char *containers =
    "[{\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"},\"created\":\"2026-11-28T20:47:57.314938109Z\","
    "\"layer\":\"57\",\"image\":\"\",\"names\":[\"c\"],\"id\":\"26\"}]";
  const char *containers_want =
    "[{\"id\":\"26\",\"names\":[\"c\"],\"image\":\"\",\"layer\":\"57\",\"created\":\"2026-11-28T20:47:57.314938109Z\","
    "\"flags\":{\"MountLabel\":\"\",\"ProcessLabel\":\"\"}}]";
  g_autoptr(GError) error = NULL;
  json_object *recs;
  char *out;

  (void) state;
  recs = lc_records_parse (images, strlen (images), "images.json", &error);
  out = lc_records_serialize (recs, "image");
  assert_string_equal (out, images_want);
  g_free (out);
  json_object_put (recs);
  recs = lc_records_parse (containers, strlen (containers), "containers.json", &error);
  out = lc_records_serialize (recs, "container");
  assert_string_equal (out, containers_want);
  g_free (out);
  json_object_put (recs);
}

static void
test_records_empty_means_no_records_and_corrupt_is_an_error (void **state)
{
  g_autoptr(GError) error = NULL;
  json_object *recs;

  (void) state;
  recs = lc_records_parse ("", 0, "x", &error);
  assert_non_null (recs);
  assert_int_equal (json_object_array_length (recs), 0);
  json_object_put (recs);
  recs = lc_records_parse ("[{\"id\":\"ab", 10, "x", &error);
  assert_null (recs);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_CORRUPT_STORE));
  g_clear_error (&error);
  recs = lc_records_parse ("{}", 2, "x", &error);
  assert_null (recs);
}

static void
test_big_data_file_names_follow_containers_storage (void **state)
{
  g_autofree char *a = lc_big_data_file_name ("manifest");
  g_autofree char *b = lc_big_data_file_name ("instances.json");
  g_autofree char *c = lc_big_data_file_name ("sha256:fd0c");
  g_autofree char *d = lc_big_data_file_name ("Manifest");

  (void) state;
  assert_string_equal (a, "manifest");
  assert_string_equal (b, "instances.json");
  assert_string_equal (c, "=c2hhMjU2OmZkMGM=");
  assert_string_equal (d, "=TWFuaWZlc3Q=");
}

static void
test_layer_ids_follow_containers_image (void **state)
{
  g_autofree char *base = lc_layer_id_from_diff_id (NULL, "sha256:f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450");
  g_autofree char *child = lc_layer_id_from_diff_id ("f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450",
                                                      "sha256:b93f595962d7c715f301923d1cf5b5b9ba35b3a5dbba2779dd34d64fc2b6afa6");

  (void) state;
  assert_string_equal (base, "f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450");
  /* spec §3.4, checked on podman's store */
  assert_string_equal (child, "505f7aec7425d60382317c37578532f28209282fa7c38e88be811c97af04c6dd");
}

static void
test_times_and_ids_have_go_formats (void **state)
{
  g_autofree char *now = lc_time_now_rfc3339 ();
  g_autofree char *id = lc_random_id ();
  g_autoptr(GDateTime) dt = g_date_time_new_utc (2026, 11, 28, 20, 41, 44.5);
  g_autofree char *fmt = lc_time_format_rfc3339 (dt);

  (void) state;
  assert_true (g_str_has_suffix (now, "Z"));
  assert_int_equal (now[4], '-');
  assert_int_equal (now[10], 'T');
  assert_true (lc_is_valid_id (id));
  assert_false (lc_is_valid_id ("ABC"));
  assert_string_equal (fmt, "2026-11-28T20:41:44.5Z");
  assert_true (lc_is_valid_digest ("sha256:f0d4c4c398ce054c5c341258f32888d8e77bb0cd4f31b9c2094ee50ac3b3d450"));
  assert_false (lc_is_valid_digest ("sha256:f0d4"));
  assert_false (lc_is_valid_digest ("nocolon"));
}

static void
test_atomic_write_replaces_and_leaves_no_temp (void **state)
{
  g_autofree char *dir = test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "images.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *content = NULL;
  struct stat st;
  GDir *d;
  int n = 0;

  (void) state;
  assert_true (lc_atomic_write (path, "[]", 2, 0600, &error));
  assert_true (lc_atomic_write (path, "[{}]", 4, 0600, &error));
  assert_true (g_file_get_contents (path, &content, NULL, NULL));
  assert_string_equal (content, "[{}]");
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  d = g_dir_open (dir, 0, NULL);
  while (g_dir_read_name (d) != NULL)
    n++;
  g_dir_close (d);
  assert_int_equal (n, 1);
  test_rmdir (g_steal_pointer (&dir));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_records_round_trip_keeps_fields_and_go_order),
    cmocka_unit_test (test_records_images_and_containers_use_their_go_order),
    cmocka_unit_test (test_records_empty_means_no_records_and_corrupt_is_an_error),
    cmocka_unit_test (test_big_data_file_names_follow_containers_storage),
    cmocka_unit_test (test_layer_ids_follow_containers_image),
    cmocka_unit_test (test_times_and_ids_have_go_formats),
    cmocka_unit_test (test_atomic_write_replaces_and_leaves_no_temp),
  };
  return cmocka_run_group_tests_name ("records", tests, NULL, NULL);
}
