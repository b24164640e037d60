/* test-registry.c: WWW-Authenticate parsing, LcRegistryOptions, and the
 * public registry calls on paths that need no server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include <containers/containers.h>
#include "image/lc-certs-private.h"
#include "image/lc-registry-private.h"

static void
test_www_authenticate_parses_a_bearer_challenge (void **state)
{
  g_autoptr(LcAuthChallenge) ch = lc_auth_challenge_parse (
    "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"");

  assert_non_null (ch);
  assert_string_equal (ch->scheme, "bearer");
  assert_string_equal (lc_auth_challenge_get (ch, "realm"), "https://auth.docker.io/token");
  assert_string_equal (lc_auth_challenge_get (ch, "service"), "registry.docker.io");
  assert_string_equal (lc_auth_challenge_get (ch, "scope"), "repository:library/busybox:pull");
}

static void
test_www_authenticate_lowercases_scheme_and_names_and_keeps_values (void **state)
{
  g_autoptr(LcAuthChallenge) ch = lc_auth_challenge_parse ("  BASIC Realm=\"Registry Realm\" ,  CharSet=UTF-8");

  assert_non_null (ch);
  assert_string_equal (ch->scheme, "basic");
  assert_string_equal (lc_auth_challenge_get (ch, "realm"), "Registry Realm");
  assert_string_equal (lc_auth_challenge_get (ch, "charset"), "UTF-8");
}

static void
test_www_authenticate_unescapes_quoted_strings (void **state)
{
  g_autoptr(LcAuthChallenge) ch = lc_auth_challenge_parse (
    "Bearer realm=\"http://h/t?a=\\\"b\\\"\",error=\"insufficient_scope\",service=\"a\\\\b\"");

  assert_non_null (ch);
  assert_string_equal (lc_auth_challenge_get (ch, "realm"), "http://h/t?a=\"b\"");
  assert_string_equal (lc_auth_challenge_get (ch, "error"), "insufficient_scope");
  assert_string_equal (lc_auth_challenge_get (ch, "service"), "a\\b");
}

static void
test_www_authenticate_stops_at_the_first_malformed_element (void **state)
{
  g_autoptr(LcAuthChallenge) a = lc_auth_challenge_parse ("Bearer realm=\"x\",service=\"unterminated");
  g_autoptr(LcAuthChallenge) b = lc_auth_challenge_parse ("Bearer realm=\"x\" service=\"y\"");
  g_autoptr(LcAuthChallenge) c = lc_auth_challenge_parse ("Bearer =x,realm=\"y\"");
  g_autoptr(LcAuthChallenge) d = lc_auth_challenge_parse ("Bearer realm=,service=y");
  g_autoptr(LcAuthChallenge) e = lc_auth_challenge_parse ("Bearer");

  assert_string_equal (lc_auth_challenge_get (a, "realm"), "x");
  assert_null (lc_auth_challenge_get (a, "service"));
  assert_string_equal (lc_auth_challenge_get (b, "realm"), "x");
  assert_null (lc_auth_challenge_get (b, "service"));
  assert_string_equal (c->scheme, "bearer");
  assert_int_equal (g_hash_table_size (c->params), 0);
  assert_int_equal (g_hash_table_size (d->params), 0);
  assert_string_equal (e->scheme, "bearer");
}

static void
test_www_authenticate_without_a_scheme_gives_nothing (void **state)
{
  assert_null (lc_auth_challenge_parse (""));
  assert_null (lc_auth_challenge_parse ("   "));
  assert_null (lc_auth_challenge_parse ("\"quoted\" realm=x"));
  assert_null (lc_auth_challenge_parse ("=x"));
}

static void
test_registry_compute_digest_follows_the_algorithm_asked (void **state)
{
  g_autoptr(GBytes) b = g_bytes_new_static ("", 0);
  g_autofree char *d256 = lc_registry_compute_digest (b, NULL);
  g_autofree char *d512 = lc_registry_compute_digest (b, "sha512:00");

  assert_string_equal (d256, "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  assert_true (g_str_has_prefix (d512, "sha512:cf83e1357eefb8bd"));
}

static void
test_registry_options_are_a_refcounted_boxed_type (void **state)
{
  g_autoptr(LcRegistryOptions) o = lc_registry_options_new ();
  LcRegistryOptions *copy;

  assert_int_equal (o->tls_verify, -1);
  lc_registry_options_set_tls_verify (o, FALSE);
  lc_registry_options_set_cert_dir (o, "/certs");
  lc_registry_options_set_auth_file (o, "/auth.json");
  lc_registry_options_set_credentials (o, "u", "p");
  lc_registry_options_set_retry_times (o, 7);
  lc_registry_options_set_stall_timeout (o, 0);
  assert_int_equal (o->tls_verify, 0);
  assert_string_equal (o->cert_dir, "/certs");
  assert_string_equal (o->auth_file, "/auth.json");
  assert_string_equal (o->username, "u");
  assert_string_equal (o->password, "p");
  assert_int_equal (o->retry_times, 7);
  assert_int_equal (o->stall_timeout, 1);
  lc_registry_options_set_credentials (o, NULL, NULL);
  assert_null (o->username);
  assert_null (o->password);
  assert_true (G_TYPE_IS_BOXED (LC_TYPE_REGISTRY_OPTIONS));
  assert_true (lc_registry_options_get_type () == LC_TYPE_REGISTRY_OPTIONS);
  copy = g_boxed_copy (LC_TYPE_REGISTRY_OPTIONS, o);
  assert_ptr_equal (copy, o);
  g_boxed_free (LC_TYPE_REGISTRY_OPTIONS, copy);
  lc_registry_options_unref (lc_registry_options_ref (o));
  lc_registry_options_unref (NULL);
}

typedef struct {
  char *tmp;
  LcContext *ctx;
  LcRegistryOptions *opts;
  char *auth;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);
  g_autofree char *conf = NULL;
  g_autofree char *dir = NULL;

  f->tmp = g_dir_make_tmp ("lc-registry-XXXXXX", NULL);
  conf = g_build_filename (f->tmp, "registries.conf", NULL);
  dir = g_build_filename (f->tmp, "registries.conf.d", NULL);
  g_file_set_contents (conf, "[[registry]]\nlocation = \"blocked.example.org\"\nblocked = true\n", -1, NULL);
  f->ctx = lc_context_new ();
  lc_context_set_registries_conf (f->ctx, conf);
  lc_context_set_registries_conf_dir (f->ctx, dir);
  f->auth = g_build_filename (f->tmp, "auth.json", NULL);
  lc_context_set_auth_file (f->ctx, f->auth);
  f->opts = lc_registry_options_new ();
  lc_registry_options_set_auth_file (f->opts, f->auth);
  lc_registry_options_set_retry_times (f->opts, 0);
  *state = f;
  return 0;
}

static int
teardown (void **state)
{
  Fixture *f = *state;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", f->tmp);
  int rc = system (cmd);
  g_object_unref (f->ctx);
  lc_registry_options_unref (f->opts);
  g_free (f->auth);
  g_free (f->tmp);
  g_free (f);
  return rc == 0 ? 0 : -1;
}

static void
test_registry_list_tags_refuses_tags_and_blocked_registries (void **state)
{
  Fixture *f = *state;
  g_autoptr(LcImageRef) tagged = lc_image_ref_parse ("quay.io/a/b:1", NULL);
  g_autoptr(LcImageRef) blocked = lc_image_ref_parse ("blocked.example.org/a", NULL);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_auto(GStrv) t1 = lc_registry_list_tags (f->ctx, tagged, f->opts, NULL, &e1);
  g_auto(GStrv) t2 = lc_registry_list_tags (f->ctx, blocked, NULL, NULL, &e2);

  assert_null (t1);
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_null (t2);
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_POLICY_DENIED));
}

static void
test_registry_calls_report_connection_failures_as_network_errors (void **state)
{
  Fixture *f = *state;
  /* Port 1 on loopback: nothing listens there. */
  g_autoptr(LcImageRef) ref = lc_image_ref_parse ("127.0.0.1:1/a/b:1", NULL);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;

  lc_registry_options_set_tls_verify (f->opts, FALSE);
  assert_false (lc_registry_delete_image (f->ctx, ref, f->opts, NULL, &e1));
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_NETWORK));
  assert_non_null (strstr (e1->message, "pinging container registry 127.0.0.1:1"));
  assert_false (lc_registry_login (f->ctx, "127.0.0.1:1", "u", "p", f->opts, NULL, &e2));
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_NETWORK));
  assert_false (g_file_test (f->auth, G_FILE_TEST_EXISTS));
}

static void
test_registry_login_refuses_blocked_registries_and_bad_names (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  assert_false (lc_registry_login (f->ctx, "blocked.example.org", "u", "p", NULL, cancellable, &e1));
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_POLICY_DENIED));
  assert_false (lc_registry_login (f->ctx, "quay.io/a:tag", "u", "p", NULL, NULL, &e2));
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_INVALID_ARGUMENT));
  assert_false (lc_registry_login (f->ctx, "quay.io", "", "p", NULL, NULL, &e3));
  assert_true (g_error_matches (e3, LC_ERROR, LC_ERROR_INVALID_ARGUMENT));
}

static void
test_registry_logout_and_get_login_edit_the_auth_file (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;
  g_autofree char *user = NULL;
  g_autofree char *none = NULL;

  assert_true (g_file_set_contents (f->auth,
                                    "{\"auths\":{\"quay.io\":{\"auth\":\"YWxpY2U6c2VjcmV0\"},"
                                    "\"docker.io\":{\"auth\":\"Ym9iOnB3\"}}}", -1, NULL));
  user = lc_registry_get_login (f->ctx, "quay.io", f->opts, &e1);
  assert_string_equal (user, "alice");
  g_free (user);
  user = lc_registry_get_login (f->ctx, "https://index.docker.io/v1/", NULL, &e1);
  assert_string_equal (user, "bob");
  assert_true (lc_registry_logout (f->ctx, "quay.io", f->opts, &e1));
  none = lc_registry_get_login (f->ctx, "quay.io", f->opts, &e2);
  assert_null (none);
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_NOT_FOUND));
  assert_false (lc_registry_logout (f->ctx, "quay.io", NULL, &e3));
  assert_true (g_error_matches (e3, LC_ERROR, LC_ERROR_NOT_FOUND));
  assert_true (lc_registry_logout_all (f->ctx, f->opts, NULL));
  g_clear_error (&e2);
  assert_null (lc_registry_get_login (f->ctx, "docker.io", f->opts, &e2));
}

static void
test_docker_references_need_slashes_and_get_latest (void **state)
{
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(LcImageRef) r = lc_docker_parse_reference ("//busybox", NULL);
  g_autoptr(LcImageRef) bad = lc_docker_parse_reference ("busybox", &e1);
  g_autoptr(LcImageRef) both = lc_docker_parse_reference (
    "//busybox:1@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa", &e2);

  assert_string_equal (lc_image_ref_get_tag (r), "latest");
  assert_null (bad);
  assert_non_null (strstr (e1->message, "does not start with //"));
  assert_null (both);
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
}

static void
test_certs_dir_is_found_per_host_and_read (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("lc-certs-XXXXXX", NULL);
  g_autofree char *host = g_build_filename (tmp, "127.0.0.1:5000", NULL);
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autofree char *found = NULL;
  g_autofree char *none = NULL;
  g_autofree char *given = NULL;
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  g_autoptr(LcCertsDir) certs = NULL;
  g_autoptr(GError) error = NULL;

  g_mkdir_with_parents (host, 0755);
  lc_context_set_certs_dir (ctx, tmp);
  for (const char *const *n = (const char *const[]) { "b.crt", "a.crt", "client.cert", "client.key", "README", NULL }; *n; n++)
    {
      g_autofree char *p = g_build_filename (host, *n, NULL);
      assert_true (g_file_set_contents (p, "x", -1, NULL));
    }
  found = lc_certs_find_dir (ctx, NULL, "127.0.0.1:5000");
  assert_string_equal (found, host);
  none = lc_certs_find_dir (ctx, NULL, "127.0.0.1:5001");
  assert_null (none);
  assert_null (lc_certs_find_dir (ctx, NULL, ".."));
  given = lc_certs_find_dir (ctx, "/somewhere", "127.0.0.1:5001");
  assert_string_equal (given, "/somewhere");

  certs = lc_certs_load_dir (found, &error);
  assert_non_null (certs);
  assert_int_equal (certs->ca_files->len, 2);
  assert_true (g_str_has_suffix (certs->ca_files->pdata[0], "/a.crt"));
  assert_true (g_str_has_suffix (certs->client_cert, "/client.cert"));
  assert_true (g_str_has_suffix (certs->client_key, "/client.key"));
  g_clear_pointer (&certs, lc_certs_dir_free);

  /* a certificate without its key is an error, and a key without its certificate */
  {
    g_autofree char *k = g_build_filename (host, "client.key", NULL);
    g_autofree char *c2 = g_build_filename (host, "other.key", NULL);
    g_unlink (k);
    certs = lc_certs_load_dir (found, &error);
    assert_null (certs);
    assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
    assert_non_null (strstr (error->message, "missing key client.key"));
    g_clear_error (&error);
    assert_true (g_file_set_contents (k, "x", -1, NULL));
    assert_true (g_file_set_contents (c2, "x", -1, NULL));
    certs = lc_certs_load_dir (found, &error);
    assert_null (certs);
    assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
    g_clear_error (&error);
  }
  /* a missing directory is empty */
  certs = lc_certs_load_dir ("/nonexistent/certs.d/x", &error);
  assert_non_null (certs);
  assert_int_equal (certs->ca_files->len, 0);
  assert_null (certs->client_cert);
  assert_int_equal (system (cmd), 0);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_www_authenticate_parses_a_bearer_challenge),
    cmocka_unit_test (test_www_authenticate_lowercases_scheme_and_names_and_keeps_values),
    cmocka_unit_test (test_www_authenticate_unescapes_quoted_strings),
    cmocka_unit_test (test_www_authenticate_stops_at_the_first_malformed_element),
    cmocka_unit_test (test_www_authenticate_without_a_scheme_gives_nothing),
    cmocka_unit_test (test_registry_compute_digest_follows_the_algorithm_asked),
    cmocka_unit_test (test_registry_options_are_a_refcounted_boxed_type),
    cmocka_unit_test_setup_teardown (test_registry_list_tags_refuses_tags_and_blocked_registries, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_calls_report_connection_failures_as_network_errors, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_login_refuses_blocked_registries_and_bad_names, setup, teardown),
    cmocka_unit_test_setup_teardown (test_registry_logout_and_get_login_edit_the_auth_file, setup, teardown),
    cmocka_unit_test (test_docker_references_need_slashes_and_get_latest),
    cmocka_unit_test (test_certs_dir_is_found_per_host_and_read),
  };

  return cmocka_run_group_tests_name ("registry", tests, NULL, NULL);
}
