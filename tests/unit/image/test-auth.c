/* test-auth.c: auth.json lookup order, key matching, login/logout writes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include <containers/containers.h>
#include "image/lc-auth-private.h"

typedef struct {
  char *tmp;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  f->tmp = g_dir_make_tmp ("lc-auth-XXXXXX", NULL);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->tmp);
  if (system (cmd) != 0)
    return -1;
  g_free (f->tmp);
  g_free (f);
  return 0;
}

static char *
file (Fixture *f, const char *name, const char *text)
{
  char *path = g_build_filename (f->tmp, name, NULL);
  g_autofree char *dir = g_path_get_dirname (path);
  g_mkdir_with_parents (dir, 0700);
  if (text != NULL)
    assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static char *
b64 (const char *s)
{
  return g_base64_encode ((const guchar *) s, strlen (s));
}

static LcCredentials *
lookup (const char * const *files, const char *key)
{
  LcCredentials *c = NULL;
  g_autoptr(GError) error = NULL;
  assert_true (lc_auth_lookup (files, key, &c, &error));
  assert_null (error);
  return c;
}

static void
test_auth_lookup_prefers_the_most_specific_key (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = b64 ("repo:pw1"), *a2 = b64 ("ns:pw2"), *a3 = b64 ("host:pw3");
  g_autofree char *text = g_strdup_printf ("{\"auths\":{\"127.0.0.1:5004/ns/busybox\":{\"auth\":\"%s\"},"
                                           "\"127.0.0.1:5004/ns\":{\"auth\":\"%s\"},"
                                           "\"127.0.0.1:5004\":{\"auth\":\"%s\"}}}", a1, a2, a3);
  g_autofree char *path = file (f, "auth.json", text);
  const char *files[] = { path, NULL };
  g_autoptr(LcCredentials) c1 = lookup (files, "127.0.0.1:5004/ns/busybox");
  g_autoptr(LcCredentials) c2 = lookup (files, "127.0.0.1:5004/ns/debian");
  g_autoptr(LcCredentials) c3 = lookup (files, "127.0.0.1:5004/other/debian");
  g_autoptr(LcCredentials) c4 = lookup (files, "127.0.0.1:5005/ns/busybox");

  assert_string_equal (c1->username, "repo");
  assert_string_equal (c1->password, "pw1");
  assert_string_equal (c2->username, "ns");
  assert_string_equal (c3->username, "host");
  assert_string_equal (c3->password, "pw3");
  assert_null (c4);
}

static void
test_auth_lookup_searches_files_in_order (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = b64 ("first:1"), *a2 = b64 ("second:2"), *a3 = b64 ("legacy:3");
  g_autofree char *t1 = g_strdup_printf ("{\"auths\":{\"one.io\":{\"auth\":\"%s\"}}}", a1);
  g_autofree char *t2 = g_strdup_printf ("{\"auths\":{\"one.io\":{\"auth\":\"%s\"},\"two.io\":{\"auth\":\"%s\"}}}", a2, a2);
  g_autofree char *t3 = g_strdup_printf ("{\"https://three.io/v1/\":{\"auth\":\"%s\",\"email\":\"x\"}}", a3);
  g_autofree char *p1 = file (f, "run/auth.json", t1);
  g_autofree char *p2 = file (f, "docker/config.json", t2);
  g_autofree char *p3 = file (f, "home/.dockercfg", t3);
  g_autofree char *missing = file (f, "config/containers/auth.json", NULL);
  const char *files[] = { p1, missing, p2, p3, NULL };
  g_autoptr(LcCredentials) c1 = lookup (files, "one.io/x");
  g_autoptr(LcCredentials) c2 = lookup (files, "two.io/x");
  g_autoptr(LcCredentials) c3 = lookup (files, "three.io/x/y");
  g_autoptr(LcCredentials) c4 = lookup (files, "four.io/x");

  assert_string_equal (c1->username, "first");
  assert_string_equal (c2->username, "second");
  assert_string_equal (c3->username, "legacy");
  assert_string_equal (c3->password, "3");
  assert_null (c4);
}

static void
test_auth_default_files_follow_containers_image_order (void **state)
{
  Fixture *f = *state;
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autofree char *primary = g_build_filename (f->tmp, "primary.json", NULL);
  g_autofree char *xdg = g_build_filename (f->tmp, "xdg", NULL);
  g_autofree char *docker = g_build_filename (f->tmp, "dockercfgdir", NULL);
  g_auto(GStrv) files = NULL;
  g_autofree char *want2 = g_build_filename (xdg, "containers", "auth.json", NULL);
  g_autofree char *want3 = g_build_filename (docker, "config.json", NULL);

  lc_context_set_auth_file (ctx, primary);
  g_setenv ("XDG_CONFIG_HOME", xdg, TRUE);
  g_setenv ("DOCKER_CONFIG", docker, TRUE);
  files = lc_auth_default_files (ctx);
  g_unsetenv ("XDG_CONFIG_HOME");
  g_unsetenv ("DOCKER_CONFIG");
  assert_int_equal (g_strv_length (files), 4);
  assert_string_equal (files[0], primary);
  assert_string_equal (files[1], want2);
  assert_string_equal (files[2], want3);
  assert_true (g_str_has_suffix (files[3], "/.dockercfg"));
}

static void
test_auth_lookup_normalizes_url_keys_and_docker_hub_names (void **state)
{
  Fixture *f = *state;
  g_autofree char *a1 = b64 ("hub:1"), *a2 = b64 ("url:2");
  g_autofree char *text = g_strdup_printf ("{\"auths\":{\"https://index.docker.io/v1/\":{\"auth\":\"%s\"},"
                                           "\"http://127.0.0.1:5004/v1/\":{\"auth\":\"%s\"}}}", a1, a2);
  g_autofree char *path = file (f, "auth.json", text);
  const char *files[] = { path, NULL };
  g_autoptr(LcCredentials) c1 = lookup (files, "docker.io/library/busybox");
  g_autoptr(LcCredentials) c2 = lookup (files, "127.0.0.1:5004/busybox");

  assert_non_null (c1);
  assert_string_equal (c1->username, "hub");
  assert_non_null (c2);
  assert_string_equal (c2->username, "url");
}

static void
test_auth_lookup_skips_empty_and_malformed_entries (void **state)
{
  Fixture *f = *state;
  g_autofree char *bad = b64 ("nocolon"), *good = b64 ("user:pa:ss");
  g_autofree char *text = g_strdup_printf ("{\"auths\":{\"a.io/x\":{},\"a.io\":{\"auth\":\"%s\"}},"
                                           "\"credHelpers\":{}}", good);
  g_autofree char *t2 = g_strdup_printf ("{\"auths\":{\"b.io\":{\"auth\":\"%s\"}}}", bad);
  g_autofree char *p1 = file (f, "a.json", text);
  g_autofree char *p2 = file (f, "b.json", t2);
  const char *files[] = { p1, p2, NULL };
  g_autoptr(LcCredentials) c1 = lookup (files, "a.io/x");
  g_autoptr(LcCredentials) c2 = lookup (files, "b.io/x");

  assert_string_equal (c1->username, "user");
  assert_string_equal (c1->password, "pa:ss");
  assert_null (c2);
}

static void
test_auth_lookup_fails_on_invalid_files (void **state)
{
  Fixture *f = *state;
  const char *bad[] = { "{", "[]", "{\"auths\":[]}", "{\"auths\":{}} x", NULL };

  for (guint i = 0; bad[i]; i++)
    {
      g_autofree char *path = file (f, "bad.json", bad[i]);
      const char *files[] = { path, NULL };
      g_autoptr(GError) error = NULL;
      LcCredentials *c = NULL;
      if (lc_auth_lookup (files, "a.io/x", &c, &error))
        fail_msg ("accepted %s", bad[i]);
      assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
      assert_non_null (strstr (error->message, "bad.json"));
    }
}

static void
test_auth_store_writes_atomically_with_mode_0600_and_keeps_other_keys (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = file (f, "new/dir/auth.json", NULL);
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  const char *files[] = { path, NULL };
  g_autoptr(LcCredentials) c = NULL;
  gboolean removed = FALSE;
  struct stat st;

  assert_true (lc_auth_store (path, "127.0.0.1:5000", "alice", "secret", &error));
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0600);
  assert_true (lc_auth_store (path, "quay.io/ns", "bob", "pw", &error));
  assert_true (g_file_get_contents (path, &data, NULL, NULL));
  assert_non_null (strstr (data, "\t\"auths\""));
  assert_non_null (strstr (data, "YWxpY2U6c2VjcmV0"));   /* base64 alice:secret */
  c = lookup (files, "127.0.0.1:5000/busybox");
  assert_string_equal (c->username, "alice");

  assert_true (lc_auth_remove (path, "127.0.0.1:5000", FALSE, &removed, &error));
  assert_true (removed);
  assert_true (lc_auth_remove (path, "127.0.0.1:5000", FALSE, &removed, &error));
  assert_false (removed);
  g_clear_pointer (&c, lc_credentials_free);
  c = lookup (files, "127.0.0.1:5000/busybox");
  assert_null (c);
  c = lookup (files, "quay.io/ns/x");
  assert_string_equal (c->username, "bob");
  assert_true (lc_auth_remove (path, NULL, TRUE, &removed, &error));
  assert_true (removed);
  g_clear_pointer (&data, g_free);
  assert_true (g_file_get_contents (path, &data, NULL, NULL));
  assert_non_null (strstr (data, "\"auths\""));
  assert_null (strstr (data, "quay.io"));
}

static void
test_auth_keys_with_schemes_tags_or_digests_are_refused (void **state)
{
  Fixture *f = *state;
  g_autofree char *path = file (f, "auth.json", NULL);
  const char *bad[] = { "https://quay.io", "quay.io/a:tag", "quay.io/a@sha256:00", "", "a b", NULL };

  for (guint i = 0; bad[i]; i++)
    {
      g_autoptr(GError) error = NULL;
      assert_false (lc_auth_store (path, bad[i], "u", "p", &error));
      assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_ARGUMENT));
    }
  assert_true (lc_auth_validate_key ("localhost:5000/ns", NULL));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_auth_lookup_prefers_the_most_specific_key, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_lookup_searches_files_in_order, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_default_files_follow_containers_image_order, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_lookup_normalizes_url_keys_and_docker_hub_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_lookup_skips_empty_and_malformed_entries, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_lookup_fails_on_invalid_files, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_store_writes_atomically_with_mode_0600_and_keeps_other_keys, setup, teardown),
    cmocka_unit_test_setup_teardown (test_auth_keys_with_schemes_tags_or_digests_are_refused, setup, teardown),
  };

  return cmocka_run_group_tests_name ("auth", tests, NULL, NULL);
}
