/* test-policy.c: policy.json parsing and scope lookup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <glib/gstdio.h>

#include <containers/containers.h>
#include "image/lc-policy-private.h"

static LcPolicy *
policy (const char *text, GError **error)
{
  return lc_policy_new_from_data (text, strlen (text), "policy.json", error);
}

static void
assert_invalid (const char *text, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcPolicy) p = policy (text, &error);

  if (p != NULL)
    fail_msg ("accepted: %s", text);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  assert_non_null (strstr (error->message, "policy.json"));
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("message \"%s\" lacks \"%s\"", error->message, needle);
}

static gboolean
check (LcPolicy *p, const char *image, GError **error)
{
  g_autoptr(LcImageRef) r = lc_image_ref_parse (image, NULL);
  assert_non_null (r);
  return lc_policy_check_docker (p, r, error);
}

static void
test_policy_insecure_accept_anything_accepts (void **state)
{
  g_autoptr(LcPolicy) p = policy ("{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}", NULL);
  g_autoptr(LcPolicy) insecure = lc_policy_new_insecure ();

  assert_non_null (p);
  assert_true (check (p, "busybox", NULL));
  assert_true (check (insecure, "quay.io/a/b:1", NULL));
}

static void
test_policy_reject_denies_with_the_image_name (void **state)
{
  g_autoptr(LcPolicy) p = policy ("{\"default\":[{\"type\":\"reject\"}]}", NULL);
  g_autoptr(GError) error = NULL;

  assert_false (check (p, "127.0.0.1:5002/busybox:test", &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_POLICY_DENIED));
  assert_string_equal (error->message,
                       "Source image rejected: Running image docker://127.0.0.1:5002/busybox:test is rejected by policy.");
}

static void
test_policy_docker_scopes_use_the_most_specific_match (void **state)
{
  g_autoptr(LcPolicy) p = policy (
    "{\"default\":[{\"type\":\"reject\"}],"
    " \"transports\":{\"docker\":{"
    "   \"127.0.0.1:5002/busybox\":[{\"type\":\"reject\"}],"
    "   \"127.0.0.1:5002\":[{\"type\":\"insecureAcceptAnything\"}],"
    "   \"*.0.1\":[{\"type\":\"reject\"}],"
    "   \"docker.io/library/busybox:1\":[{\"type\":\"insecureAcceptAnything\"}],"
    "   \"quay.io/ns\":[{\"type\":\"insecureAcceptAnything\"}],"
    "   \"\":[{\"type\":\"reject\"}]}}}", NULL);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GError) e3 = NULL;

  assert_non_null (p);
  assert_false (check (p, "127.0.0.1:5002/busybox:test", &e1));
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_POLICY_DENIED));
  assert_true (check (p, "127.0.0.1:5002/debian:bookworm", NULL));
  assert_false (check (p, "127.0.0.1:5003/busybox:test", &e2));   /* via *.0.1 */
  assert_true (check (p, "busybox:1", NULL));                      /* exact identity */
  assert_false (check (p, "busybox:2", &e3));                      /* "" scope */
  assert_true (check (p, "quay.io/ns/deep/image:1", NULL));        /* namespace prefix */
}

static void
test_policy_docker_namespaces_follow_containers_image (void **state)
{
  g_autoptr(LcImageRef) r = lc_image_ref_parse ("127.0.0.1:5003/a/busybox:test", NULL);
  g_auto(GStrv) ns = lc_policy_docker_namespaces (r);
  const char *want[] = { "127.0.0.1:5003/a/busybox", "127.0.0.1:5003/a", "127.0.0.1:5003",
                         "*.0.0.1", "*.0.1", "*.1", NULL };

  assert_int_equal (g_strv_length (ns), g_strv_length ((char **) want));
  for (guint i = 0; want[i]; i++)
    assert_string_equal (ns[i], want[i]);
}

static void
test_policy_signature_requirements_are_parsed_and_refused (void **state)
{
  g_autoptr(LcPolicy) p = policy (
    "{\"default\":[{\"type\":\"insecureAcceptAnything\"}],"
    " \"transports\":{\"docker\":{"
    "   \"registry.access.redhat.com\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\","
    "       \"keyPath\":\"/etc/pki/rpm-gpg/RPM-GPG-KEY-redhat-release\","
    "       \"signedIdentity\":{\"type\":\"remapIdentity\",\"prefix\":\"a\",\"signedPrefix\":\"b\"}}],"
    "   \"quay.io\":[{\"type\":\"sigstoreSigned\",\"keyPath\":\"/k.pub\","
    "       \"signedIdentity\":{\"type\":\"matchRepository\"}}]}}}", NULL);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;

  assert_non_null (p);
  assert_false (check (p, "registry.access.redhat.com/ubi9:latest", &e1));
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_UNSUPPORTED));
  assert_non_null (strstr (e1->message, "not supported yet"));
  assert_false (check (p, "quay.io/x:1", &e2));
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_UNSUPPORTED));
  assert_non_null (strstr (e2->message, "sigstoreSigned"));
  assert_true (check (p, "docker.io/library/busybox", NULL));
}

static void
test_policy_other_transports_fall_back_to_their_default_scope (void **state)
{
  g_autoptr(LcPolicy) p = policy (
    "{\"default\":[{\"type\":\"insecureAcceptAnything\"}],"
    " \"transports\":{\"oci\":{\"\":[{\"type\":\"reject\"}], \"/srv/ok\":[{\"type\":\"insecureAcceptAnything\"}]}}}",
    NULL);
  const char *ns_ok[] = { "/srv/ok/image", "/srv/ok", "/srv", NULL };
  const char *ns_bad[] = { "/tmp/x", "/tmp", NULL };
  g_autoptr(GError) error = NULL;

  assert_true (lc_policy_check (p, "oci", "/srv/ok/image", ns_ok, "oci:/srv/ok/image", NULL));
  assert_false (lc_policy_check (p, "oci", "/tmp/x", ns_bad, "oci:/tmp/x", &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_POLICY_DENIED));
  assert_true (lc_policy_check (p, "dir", "/tmp/x", ns_bad, "dir:/tmp/x", NULL));
}

static void
test_policy_rejects_malformed_documents (void **state)
{
  assert_invalid ("", NULL);
  assert_invalid ("{", NULL);
  assert_invalid ("[]", "object");
  assert_invalid ("{\"transports\":{}}", "Default policy is missing");
  assert_invalid ("{\"default\":[]}", "must not be empty");
  assert_invalid ("{\"default\":[{\"type\":\"insecureAcceptAnything\"}],\"x\":1}", "Unknown key \"x\"");
  assert_invalid ("{\"default\":[{\"type\":\"insecureAcceptAnything\",\"keyPath\":\"/k\"}]}", "keyPath");
  assert_invalid ("{\"default\":[{\"type\":\"acceptEverything\"}]}", "acceptEverything");
  assert_invalid ("{\"default\":[{\"typ\":\"reject\"}]}", NULL);
  assert_invalid ("{\"default\":{\"type\":\"reject\"}}", NULL);
  assert_invalid ("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\"}]}", "exactly one");
  assert_invalid ("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"X509\",\"keyPath\":\"/k\"}]}", "X509");
  assert_invalid ("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":1}]}", "keyPath");
  assert_invalid ("{\"default\":[{\"type\":\"signedBy\",\"keyType\":\"GPGKeys\",\"keyPath\":\"/k\","
                  "\"signedIdentity\":{\"type\":\"matchAnything\"}}]}", "matchAnything");
  assert_invalid ("{\"default\":[{\"type\":\"sigstoreSigned\"}]}", "exactly one");
  assert_invalid ("{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker\":[]}}", NULL);
  assert_invalid ("{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"docker-archive\":"
                  "{\"/x\":[{\"type\":\"reject\"}]}}}", "only the \"\" scope");
  assert_invalid ("{\"default\":[{\"type\":\"reject\"}],\"transports\":{\"dir\":"
                  "{\"relative/x\":[{\"type\":\"reject\"}]}}}", "absolute");
  assert_invalid ("{\"default\":[{\"type\":\"reject\"}]} trailing", "trailing");
}

static void
test_policy_rejects_hostile_documents (void **state)
{
  g_autoptr(GString) deep = g_string_new ("{\"default\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  assert_invalid (deep->str, NULL);
  {
    g_autoptr(GError) error = NULL;
    gsize big = 5u * 1024u * 1024u;
    g_autofree char *data = g_malloc0 (big);
    memset (data, ' ', big);
    assert_null (lc_policy_new_from_data (data, big, "policy.json", &error));
    assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  }
}

static void
test_policy_load_reads_the_context_path_and_requires_it (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("lc-policy-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (tmp, "policy.json", NULL);
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autoptr(GError) error = NULL;
  g_autoptr(LcPolicy) missing = NULL;
  g_autoptr(LcPolicy) p = NULL;

  lc_context_set_policy_path (ctx, path);
  missing = lc_policy_load (ctx, &error);
  assert_null (missing);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  assert_true (g_file_set_contents (path, "{\"default\":[{\"type\":\"insecureAcceptAnything\"}]}", -1, NULL));
  p = lc_policy_load (ctx, NULL);
  assert_non_null (p);
  g_unlink (path);
  g_rmdir (tmp);
}

static void
test_policy_scopes_of_every_transport (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("lc-test-policy-XXXXXX", NULL);
  g_autofree char *real = NULL, *layout = NULL, *ref = NULL, *link = NULL, *via_link = NULL;
  g_autofree char *identity = NULL;
  g_auto(GStrv) ns = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LcPolicy) p = NULL;
  g_autofree char *text = NULL;

  (void) state;
  real = realpath (tmp, NULL);
  layout = g_build_filename (real, "layout", NULL);
  g_mkdir (layout, 0755);
  link = g_build_filename (real, "link", NULL);
  assert_int_equal (symlink ("layout", link), 0);

  /* oci: the resolved path (the ref is not part of it), then it and its parents. */
  via_link = g_strdup_printf ("%s:v1", link);
  assert_true (lc_policy_scopes_for ("oci", via_link, &identity, &ns, &error));
  assert_string_equal (identity, layout);
  assert_string_equal (ns[0], layout);
  assert_string_equal (ns[1], real);
  assert_string_not_equal (ns[g_strv_length (ns) - 1], "/");
  g_clear_pointer (&identity, g_free);
  g_clear_pointer (&ns, g_strfreev);

  /* dir: a path that does not exist yet keeps its name; namespaces start at the parent. */
  ref = g_build_filename (link, "new", NULL);
  assert_true (lc_policy_scopes_for ("dir", ref, &identity, &ns, &error));
  g_autofree char *expected = g_build_filename (layout, "new", NULL);
  assert_string_equal (identity, expected);
  assert_string_equal (ns[0], layout);
  assert_string_equal (ns[1], real);
  g_clear_pointer (&identity, g_free);
  g_clear_pointer (&ns, g_strfreev);

  /* docker: as lc_policy_check_docker. */
  assert_true (lc_policy_scopes_for ("docker", "//127.0.0.1:5000/a/b", &identity, &ns, &error));
  assert_string_equal (identity, "127.0.0.1:5000/a/b:latest");
  assert_string_equal (ns[0], "127.0.0.1:5000/a/b");
  g_clear_pointer (&identity, g_free);
  g_clear_pointer (&ns, g_strfreev);

  /* docker-archive and the rest: only "". */
  assert_true (lc_policy_scopes_for ("docker-archive", "/x.tar:a:b", &identity, &ns, &error));
  assert_null (identity);
  assert_null (ns[0]);
  g_clear_pointer (&ns, g_strfreev);

  /* Checks by those scopes. */
  text = g_strdup_printf ("{\"default\":[{\"type\":\"insecureAcceptAnything\"}],\"transports\":{"
                          "\"oci\":{\"%s\":[{\"type\":\"reject\"}]},"
                          "\"docker-archive\":{\"\":[{\"type\":\"reject\"}]}}}", real);
  p = policy (text, &error);
  assert_non_null (p);
  assert_false (lc_policy_check_image (p, "oci", via_link, "oci:x", &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_POLICY_DENIED));
  g_clear_error (&error);
  assert_true (lc_policy_check_image (p, "dir", layout, "dir:x", &error));
  assert_false (lc_policy_check_image (p, "docker-archive", "/x.tar", "docker-archive:/x.tar", &error));
  g_clear_error (&error);
  assert_true (lc_policy_check_image (p, "docker", "//busybox", NULL, &error));
  assert_false (lc_policy_check_image (p, "docker", "//Bad..Ref", NULL, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  g_clear_error (&error);

  g_unlink (link);
  g_rmdir (layout);
  g_rmdir (real);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_policy_insecure_accept_anything_accepts),
    cmocka_unit_test (test_policy_reject_denies_with_the_image_name),
    cmocka_unit_test (test_policy_docker_scopes_use_the_most_specific_match),
    cmocka_unit_test (test_policy_docker_namespaces_follow_containers_image),
    cmocka_unit_test (test_policy_signature_requirements_are_parsed_and_refused),
    cmocka_unit_test (test_policy_other_transports_fall_back_to_their_default_scope),
    cmocka_unit_test (test_policy_rejects_malformed_documents),
    cmocka_unit_test (test_policy_rejects_hostile_documents),
    cmocka_unit_test (test_policy_load_reads_the_context_path_and_requires_it),
    cmocka_unit_test (test_policy_scopes_of_every_transport),
  };

  return cmocka_run_group_tests_name ("policy", tests, NULL, NULL);
}
