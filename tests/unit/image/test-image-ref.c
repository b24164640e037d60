/* test-image-ref.c: LcImageRef and the reference grammar.
 *
 * The cases come from the grammar in lc-image-ref.c and are cross-checked
 * with the tables of distribution/reference (reference_test.go,
 * normalize_test.go), translated to the normalizing parse: where the Go
 * test calls Parse() on "test.com:tag", ParseNormalizedNamed() and so
 * lc_image_ref_parse() see docker.io/library/test.com:tag.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <containers/containers.h>
#include "image/lc-image-ref-private.h"

#define HEX64_F  "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff"
#define SHA256_F "sha256:" HEX64_F
#define SHA512_F "sha512:" HEX64_F HEX64_F
#define SHA256_B "sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa"
#define SHA256_R "sha256:dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c"

/* A parse that must succeed, with what it must give (NULL: absent). */
typedef struct {
  const char *input;
  const char *domain;
  const char *path;
  const char *tag;
  const char *digest;
} ValidCase;

static void
assert_nullable_string_equal (const char *actual, const char *expected)
{
  if (expected == NULL)
    assert_null (actual);
  else
    {
      assert_non_null (actual);
      assert_string_equal (actual, expected);
    }
}

static LcImageRef *
parse_ok (const char *text)
{
  g_autoptr(GError) error = NULL;
  LcImageRef *ref = lc_image_ref_parse (text, &error);

  if (ref == NULL)
    fail_msg ("parsing \"%s\" failed: %s", text, error->message);
  assert_null (error);
  return ref;
}

static void
assert_parse_fails (const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse (text, &error);

  if (ref != NULL)
    {
      g_autofree char *s = lc_image_ref_to_string (ref);
      fail_msg ("\"%s\" should be invalid, but parsed as %s", text, s);
    }
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
assert_valid_case (const ValidCase *c)
{
  g_autoptr(LcImageRef) ref = parse_ok (c->input);
  g_autofree char *name = g_strconcat (c->domain, "/", c->path, NULL);

  assert_string_equal (lc_image_ref_get_domain (ref), c->domain);
  assert_string_equal (lc_image_ref_get_path (ref), c->path);
  assert_string_equal (lc_image_ref_get_name (ref), name);
  assert_nullable_string_equal (lc_image_ref_get_tag (ref), c->tag);
  assert_nullable_string_equal (lc_image_ref_get_digest (ref), c->digest);
}

/* parse (to_string (ref)) is ref, with the :latest that to_string adds. */
static void
assert_round_trips (LcImageRef *ref)
{
  g_autofree char *s = lc_image_ref_to_string (ref);
  g_autoptr(LcImageRef) again = parse_ok (s);
  g_autofree char *s2 = lc_image_ref_to_string (again);

  assert_string_equal (s, s2);
  if (lc_image_ref_get_tag (ref) == NULL && lc_image_ref_get_digest (ref) == NULL)
    {
      g_autoptr(LcImageRef) latest = lc_image_ref_with_tag (ref, "latest", NULL);
      assert_true (lc_image_ref_equal (again, latest));
    }
  else
    assert_true (lc_image_ref_equal (again, ref));
}

static char *
repeat (const char *s, guint n)
{
  GString *out = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (out, s);
  return g_string_free (out, FALSE);
}

static void
test_image_ref_parse_normalizes_a_bare_name_to_docker_io_library (void **state)
{
  g_autoptr(LcImageRef) ref = parse_ok ("busybox");
  g_autofree char *full = lc_image_ref_to_string (ref);
  g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);

  (void) state;
  assert_string_equal (lc_image_ref_get_domain (ref), "docker.io");
  assert_string_equal (lc_image_ref_get_path (ref), "library/busybox");
  assert_string_equal (lc_image_ref_get_name (ref), "docker.io/library/busybox");
  assert_null (lc_image_ref_get_tag (ref));
  assert_null (lc_image_ref_get_digest (ref));
  assert_string_equal (full, "docker.io/library/busybox:latest");
  assert_string_equal (familiar, "busybox");
}

static void
test_image_ref_parse_adds_library_to_one_component_docker_io_names (void **state)
{
  static const ValidCase cases[] = {
    { "docker.io/busybox", "docker.io", "library/busybox", NULL, NULL },
    { "docker.io/library/busybox", "docker.io", "library/busybox", NULL, NULL },
    { "docker.io/library/foo/bar", "docker.io", "library/foo/bar", NULL, NULL },
    { "docker.io/docker/docker", "docker.io", "docker/docker", NULL, NULL },
    { "library/debian", "docker.io", "library/debian", NULL, NULL },
    { "docker/migrator", "docker.io", "docker/migrator", NULL, NULL },
    { "fooo/bar", "docker.io", "fooo/bar", NULL, NULL },
    { "docker.io/foo:1", "docker.io", "library/foo", "1", NULL },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_maps_index_docker_io_to_docker_io (void **state)
{
  static const ValidCase cases[] = {
    { "index.docker.io/x", "docker.io", "library/x", NULL, NULL },
    { "index.docker.io/debian", "docker.io", "library/debian", NULL, NULL },
    { "index.docker.io/library/debian", "docker.io", "library/debian", NULL, NULL },
    { "index.docker.io/docker/docker:1", "docker.io", "docker/docker", "1", NULL },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_keeps_localhost_and_domains_with_a_port (void **state)
{
  static const ValidCase cases[] = {
    { "localhost/x", "localhost", "x", NULL, NULL },
    { "localhost/x:1", "localhost", "x", "1", NULL },
    { "localhost:5000/a/b", "localhost:5000", "a/b", NULL, NULL },
    { "test:5000/repo", "test:5000", "repo", NULL, NULL },
    { "test:5000/repo:tag", "test:5000", "repo", "tag", NULL },
    { "test-com:8080/foo", "test-com:8080", "foo", NULL, NULL },
    { "test.com:8080/foo", "test.com:8080", "foo", NULL, NULL },
    { "xn--n3h.com:18080/foo", "xn--n3h.com:18080", "foo", NULL, NULL },
    { "127.0.0.1:5000/docker/docker", "127.0.0.1:5000", "docker/docker", NULL, NULL },
    { "127.0.0.1:5000/debian", "127.0.0.1:5000", "debian", NULL, NULL },
    { "192.168.0.1:8/debian", "192.168.0.1:8", "debian", NULL, NULL },
    { "192.168.1.1:5000/repo:5050", "192.168.1.1:5000", "repo", "5050", NULL },
    { "192.168.1.1/repo", "192.168.1.1", "repo", NULL, NULL },
    { "test.com/repo:tag", "test.com", "repo", "tag", NULL },
    { "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux",
      "some-long-tag", NULL },
    { "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io",
      "test.example.com/my-app", "test.example.com", NULL },
    { "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", NULL },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_takes_a_first_component_with_uppercase_as_a_domain (void **state)
{
  static const ValidCase cases[] = {
    { "Foo/bar", "Foo", "bar", NULL, NULL },
    { "FOO/bar", "FOO", "bar", NULL, NULL },
    { "Docker/docker", "Docker", "docker", NULL, NULL },
    { "DOCKER/docker:Tag", "DOCKER", "docker", "Tag", NULL },
  };
  g_autoptr(LcImageRef) ref = parse_ok ("Foo/bar");
  g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
  assert_string_equal (familiar, "Foo/bar");
}

static void
test_image_ref_parse_takes_a_plain_first_component_as_part_of_the_path (void **state)
{
  static const ValidCase cases[] = {
    { "test_com/foo", "docker.io", "test_com/foo", NULL, NULL },
    { "foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", NULL },
    { "test_com", "docker.io", "library/test_com", NULL, NULL },
    { "test.com:tag", "docker.io", "library/test.com", "tag", NULL },
    { "test.com:5000", "docker.io", "library/test.com", "5000", NULL },
    { "foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", NULL },
    { "192.168.1.1", "docker.io", "library/192.168.1.1", NULL, NULL },
    { "192.168.1.1:tag", "docker.io", "library/192.168.1.1", "tag", NULL },
    { "192.168.0.1:80", "docker.io", "library/192.168.0.1", "80", NULL },
    { "localhost:5000", "docker.io", "library/localhost", "5000", NULL },
    { "docker-rules/docker", "docker.io", "docker-rules/docker", NULL, NULL },
    { "docker---rules/docker", "docker.io", "docker---rules/docker", NULL, NULL },
    { "dock__er/docker", "docker.io", "dock__er/docker", NULL, NULL },
    { "d/docker", "docker.io", "d/docker", NULL, NULL },
    { "jess/t", "docker.io", "jess/t", NULL, NULL },
    { "a_b__c-d--e/f.g", "docker.io", "a_b__c-d--e/f.g", NULL, NULL },
    { "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io",
      "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", NULL, NULL },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_accepts_bracketed_ipv6_domains (void **state)
{
  static const ValidCase cases[] = {
    { "[::1]:5000/x", "[::1]:5000", "x", NULL, NULL },
    { "[::1]:5000/repo", "[::1]:5000", "repo", NULL, NULL },
    { "[2001:db8::1]/repo", "[2001:db8::1]", "repo", NULL, NULL },
    { "[2001:db8:1:2:3:4:5:6]/repo:tag", "[2001:db8:1:2:3:4:5:6]", "repo", "tag", NULL },
    { "[2001:db8::1]:5000/repo:tag", "[2001:db8::1]:5000", "repo", "tag", NULL },
    { "[2001:db8::1]:5000/repo@" SHA256_F, "[2001:db8::1]:5000", "repo", NULL, SHA256_F },
    { "[2001:db8::1]:5000/repo:tag@" SHA256_F, "[2001:db8::1]:5000", "repo", "tag", SHA256_F },
    { "[2001:db8::]:5000/repo", "[2001:db8::]:5000", "repo", NULL, NULL },
    { "[fc00::1]:5000/docker/docker", "[fc00::1]:5000", "docker/docker", NULL, NULL },
    { "[fc00:1:2:3:4:5:6:7]:5000/library/debian", "[fc00:1:2:3:4:5:6:7]:5000",
      "library/debian", NULL, NULL },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_rejects_ipv6_without_brackets_path_or_with_a_zone (void **state)
{
  static const char *const invalid[] = {
    "[2001:db8::1]",
    "[2001:db8::1]:5000",
    "[2001:db8::1]:tag",
    "[fc00::1]",
    "[fc00::1]:5000",
    "fc00::1:5000/debian",
    "[fe80::1%eth0]:5000/repo",
    "[fe80::1%@invalidzone]:5000/repo",
    "[2001:db8:3:4::192.0.2.33]:5000/debian",
    "[]/repo",
    "[::1]x/repo",
    "[::1/repo",
    "[::1]:/repo",
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    assert_parse_fails (invalid[i]);
}

static void
test_image_ref_parse_accepts_a_tag_and_a_digest_together (void **state)
{
  const char *short_ref = "busybox:latest@" SHA256_B;
  g_autoptr(LcImageRef) ref = parse_ok (short_ref);
  g_autofree char *full = lc_image_ref_to_string (ref);
  g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);
  static const ValidCase cases[] = {
    { "test:5000/repo:tag@" SHA256_F, "test:5000", "repo", "tag", SHA256_F },
    { "xn--7o8h.com/myimage:xn--7o8h.com@" SHA512_F, "xn--7o8h.com", "myimage",
      "xn--7o8h.com", SHA512_F },
  };

  (void) state;
  assert_string_equal (full, "docker.io/library/busybox:latest@" SHA256_B);
  assert_string_equal (familiar, short_ref);
  assert_string_equal (lc_image_ref_get_tag (ref), "latest");
  assert_string_equal (lc_image_ref_get_digest (ref), SHA256_B);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_accepts_a_digest_without_a_tag (void **state)
{
  static const ValidCase cases[] = {
    { "test:5000/repo@" SHA256_F, "test:5000", "repo", NULL, SHA256_F },
    { "redis@" SHA256_R, "docker.io", "library/redis", NULL, SHA256_R },
    { "dmcgowan/myapp@" SHA256_R, "docker.io", "dmcgowan/myapp", NULL, SHA256_R },
    { "other.com/named@sha256:1234567890098765432112345667890098765432112345667890098765432112",
      "other.com", "named", NULL,
      "sha256:1234567890098765432112345667890098765432112345667890098765432112" },
    { "localhost:5000@" SHA256_F, "docker.io", "library/localhost", "5000", SHA256_F },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_valid_case (&cases[i]);
}

static void
test_image_ref_parse_rejects_uppercase (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse ("Alpine", &error);
  static const char *const invalid[] = {
    "Uppercase:tag",
    "docker/Docker",
    "docker.io/docker/Docker",
    "test:5000/Uppercase/lowercase:tag",
    "localhost/Foo",
    "foo@SHA256:" HEX64_F,
  };

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    assert_parse_fails (invalid[i]);
}

static void
test_image_ref_parse_accepts_uppercase_in_a_tag (void **state)
{
  static const ValidCase c = { "lowercase:Uppercase", "docker.io", "library/lowercase",
                               "Uppercase", NULL };

  (void) state;
  assert_valid_case (&c);
}

static void
test_image_ref_parse_explains_what_is_wrong_and_where (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse ("Foo:bar", &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_string_equal (error->message,
                       "invalid reference \"Foo:bar\": repository name must be lowercase");
}

static void
test_image_ref_parse_cuts_long_input_in_error_messages (void **state)
{
  g_autofree char *text = repeat ("a$", 5000);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse (text, &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_true (strlen (error->message) < 400);
  assert_non_null (strstr (error->message, "…\": "));
}

static void
test_image_ref_parse_quotes_invalid_utf8_as_valid_utf8 (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse ("foo\xff\xfe:bar", &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_image_ref_parse_works_without_an_error_location (void **state)
{
  (void) state;
  assert_null (lc_image_ref_parse ("Alpine", NULL));
  assert_null (lc_image_ref_parse ("", NULL));
}

static void
test_image_ref_parse_rejects_empty_text (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse ("", &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
}

static void
test_image_ref_parse_rejects_a_64_hex_identifier (void **state)
{
  static const ValidCase hex_with_domain = {
    "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    "docker.io", "library/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
    NULL, NULL,
  };
  static const ValidCase hex63 = {
    "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", "docker.io",
    "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9", NULL, NULL,
  };
  static const ValidCase hex_with_tag = {
    "dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c:1", "docker.io",
    "library/dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c", "1", NULL,
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref =
    lc_image_ref_parse ("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
                        &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_non_null (strstr (error->message, "64-byte hexadecimal"));
  assert_parse_fails ("dbcc1c35ac38df41fd2f5e4130b32ffdb93ebae8b3dbe638c23575912276fc9c");
  assert_valid_case (&hex_with_domain);
  assert_valid_case (&hex63);
  assert_valid_case (&hex_with_tag);
}

static void
test_image_ref_parse_limits_the_path_to_255_characters (void **state)
{
  g_autofree char *a255 = repeat ("a", 255);
  g_autofree char *a256 = repeat ("a", 256);
  g_autofree char *a247 = repeat ("a", 247);
  g_autofree char *a248 = repeat ("a", 248);
  g_autofree char *slashes = repeat ("a/", 127);
  g_autofree char *path_253 = g_strconcat (slashes + 2, "a", NULL);
  g_autofree char *ok_long = g_strconcat ("example.com/", a255, ":tag", NULL);
  g_autofree char *too_long = g_strconcat ("domain.com/", a256, ":tag", NULL);
  g_autofree char *bare_ok = g_strdup (a247);              /* library/ + 247 = 255 */
  g_autofree char *bare_too_long = g_strdup (a248);
  g_autofree char *nested = g_strconcat (slashes, "a:tag-puts-this-over-max", NULL);
  g_autofree char *long_ns = repeat ("this_is_too_long_", 16);
  g_autofree char *namespace = g_strconcat (long_ns, "/docker", NULL);
  g_autoptr(LcImageRef) ref = parse_ok (ok_long);
  g_autoptr(LcImageRef) ref_bare = parse_ok (bare_ok);
  g_autoptr(LcImageRef) ref_nested = NULL;
  g_autoptr(GError) error = NULL;

  (void) state;
  assert_int_equal (strlen (lc_image_ref_get_path (ref)), 255);
  assert_string_equal (lc_image_ref_get_domain (ref), "example.com");
  assert_int_equal (strlen (lc_image_ref_get_path (ref_bare)), 255);

  /* "a/a/…/a": the first "a" is not a domain, so it all is the path. */
  ref_nested = parse_ok (nested);
  assert_string_equal (lc_image_ref_get_domain (ref_nested), "docker.io");
  assert_int_equal (strlen (lc_image_ref_get_path (ref_nested)), 255);
  assert_string_equal (lc_image_ref_get_path (ref_nested) + 2, path_253);

  assert_null (lc_image_ref_parse (too_long, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_non_null (strstr (error->message, "255"));
  assert_parse_fails (bare_too_long);
  assert_parse_fails (namespace);
}

static void
test_image_ref_parse_does_not_count_the_domain_in_the_length (void **state)
{
  g_autofree char *label = repeat ("a", 60);
  g_autofree char *labels = repeat ("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.", 100);
  g_autofree char *a250 = repeat ("a", 250);
  g_autofree char *text = g_strconcat (labels, label, ":5000/", a250, ":tag", NULL);
  g_autoptr(LcImageRef) ref = parse_ok (text);

  (void) state;
  assert_int_equal (strlen (lc_image_ref_get_domain (ref)), 100 * 56 + 60 + 5);
  assert_round_trips (ref);
}

static void
test_image_ref_parse_limits_the_tag_to_128_characters (void **state)
{
  g_autofree char *t128 = repeat ("t", 128);
  g_autofree char *t129 = repeat ("t", 129);
  g_autofree char *ok = g_strconcat ("foo:", t128, NULL);
  g_autofree char *too_long = g_strconcat ("foo:", t129, NULL);
  g_autoptr(LcImageRef) ref = parse_ok (ok);

  (void) state;
  assert_string_equal (lc_image_ref_get_tag (ref), t128);
  assert_parse_fails (too_long);
}

static void
test_image_ref_parse_rejects_malformed_tags (void **state)
{
  static const char *const invalid[] = {
    "foo:", "foo:-bar", "foo:.bar", "foo:a b", "foo:a/b", "foo:a+b", "foo:bar:baz",
    "foo:ä",
  };
  static const ValidCase ok = { "foo:_a.b-C9", "docker.io", "library/foo", "_a.b-C9", NULL };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    assert_parse_fails (invalid[i]);
  assert_valid_case (&ok);
}

static void
test_image_ref_parse_rejects_digests_of_the_wrong_length (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref =
    lc_image_ref_parse ("repo@sha256:ffffffffffffffffffffffffffffffffff", &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_non_null (strstr (error->message, "length"));
  assert_parse_fails ("repo@sha256:" HEX64_F "f");
  assert_parse_fails ("repo@sha512:" HEX64_F);
  assert_parse_fails ("repo@sha256:fffffffffffffffffffffffffffffff");   /* 31: too short for the grammar */
}

static void
test_image_ref_parse_rejects_unsupported_digest_algorithms (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse ("validname@invaliddigest:" HEX64_F, &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_non_null (strstr (error->message, "unsupported"));
  assert_parse_fails ("repo@sha256+b64:" HEX64_F);
  assert_parse_fails ("repo@md5:" HEX64_F);
}

static void
test_image_ref_parse_rejects_malformed_digest_algorithms (void **state)
{
  static const char *const invalid[] = {
    "repo@1sha:" HEX64_F,
    "repo@sha256-:" HEX64_F,
    "repo@:" HEX64_F,
    "repo@sha256",
    "repo@sha256:",
    "repo@sha256:" HEX64_F "@" SHA256_F,
    "repo@" SHA256_F "x",
    "repo@sha256:gggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggggg",
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    assert_parse_fails (invalid[i]);
}

static void
test_image_ref_parse_rejects_uppercase_hex_in_digests (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref =
    lc_image_ref_parse ("repo@sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
                        &error);

  (void) state;
  assert_null (ref);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
}

static void
test_image_ref_parse_rejects_malformed_references (void **state)
{
  static const char *const invalid[] = {
    ":justtag",
    "@" SHA256_F,
    "aa/asdf$$^/aa",
    "https://github.com/docker/docker",
    "-docker",
    "-foo",
    "-docker/docker",
    "-docker.io/docker/docker",
    "docker///docker",
    "docker.io/docker///docker",
    "docker-/docker",
    "-docker-/docker",
    "____/____",
    "_docker/_docker",
    "dock..er/docker",
    "dock_.er/docker",
    "dock-.er/docker",
    "dock___er/docker",
    "docker/",
    "/docker",
    "docker//docker",
    "foo bar",
    " foo",
    "foo\n",
    "localhost:/foo",
    "localhost:50a0/foo",
    "a:1:2/foo",
    "-a.com/foo",
    "a-.com/foo",
    "a..com/foo",
    ".a.com/foo",
    "a.com./foo",
    "a.com/",
    "a.com",      /* valid: docker.io/library/a.com; checked below */
  };
  g_autoptr(LcImageRef) dotted = NULL;

  (void) state;
  for (gsize i = 0; i + 1 < G_N_ELEMENTS (invalid); i++)
    assert_parse_fails (invalid[i]);
  dotted = parse_ok (invalid[G_N_ELEMENTS (invalid) - 1]);
  assert_string_equal (lc_image_ref_get_path (dotted), "library/a.com");
}

static void
test_image_ref_to_string_adds_latest_only_without_tag_and_digest (void **state)
{
  static const struct { const char *input, *expected; } cases[] = {
    { "busybox", "docker.io/library/busybox:latest" },
    { "busybox:1.36", "docker.io/library/busybox:1.36" },
    { "busybox@" SHA256_B, "docker.io/library/busybox@" SHA256_B },
    { "busybox:1@" SHA256_B, "docker.io/library/busybox:1@" SHA256_B },
    { "quay.io/podman/stable", "quay.io/podman/stable:latest" },
    { "localhost:5000/a/b", "localhost:5000/a/b:latest" },
    { "[::1]:5000/x", "[::1]:5000/x:latest" },
    { "redis:latest", "docker.io/library/redis:latest" },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LcImageRef) ref = parse_ok (cases[i].input);
      g_autofree char *s = lc_image_ref_to_string (ref);
      assert_string_equal (s, cases[i].expected);
      assert_round_trips (ref);
    }
}

static void
test_image_ref_to_familiar_string_drops_docker_io_and_library (void **state)
{
  /* TestParseRepositoryInfo: every spelling gives the same familiar name,
   * full name, domain and path. */
  static const struct {
    const char *path, *familiar, *full, *ambiguous, *domain;
  } cases[] = {
    { "fooo/bar", "fooo/bar", "docker.io/fooo/bar", "index.docker.io/fooo/bar", "docker.io" },
    { "library/ubuntu", "ubuntu", "docker.io/library/ubuntu", "library/ubuntu", "docker.io" },
    { "nonlibrary/ubuntu", "nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", NULL, "docker.io" },
    { "other/library", "other/library", "docker.io/other/library", NULL, "docker.io" },
    { "private/moonbase", "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase",
      NULL, "127.0.0.1:8000" },
    { "privatebase", "127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase", NULL,
      "127.0.0.1:8000" },
    { "private/moonbase", "example.com/private/moonbase", "example.com/private/moonbase", NULL,
      "example.com" },
    { "privatebase", "example.com/privatebase", "example.com/privatebase", NULL, "example.com" },
    { "private/moonbase", "example.com:8000/private/moonbase",
      "example.com:8000/private/moonbase", NULL, "example.com:8000" },
    { "privatebasee", "example.com:8000/privatebasee", "example.com:8000/privatebasee", NULL,
      "example.com:8000" },
    { "library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base",
      "index.docker.io/library/ubuntu-12.04-base", "docker.io" },
    { "library/foo", "foo", "docker.io/library/foo", "docker.io/foo", "docker.io" },
    { "library/foo/bar", "library/foo/bar", "docker.io/library/foo/bar", NULL, "docker.io" },
    { "store/foo/bar", "store/foo/bar", "docker.io/store/foo/bar", NULL, "docker.io" },
    { "bar", "Foo/bar", "Foo/bar", NULL, "Foo" },
    { "bar", "FOO/bar", "FOO/bar", NULL, "FOO" },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      const char *spellings[] = { cases[i].familiar, cases[i].full, cases[i].ambiguous };

      for (gsize j = 0; j < G_N_ELEMENTS (spellings) && spellings[j] != NULL; j++)
        {
          g_autoptr(LcImageRef) ref = parse_ok (spellings[j]);
          g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);

          assert_string_equal (familiar, cases[i].familiar);
          assert_string_equal (lc_image_ref_get_name (ref), cases[i].full);
          assert_string_equal (lc_image_ref_get_domain (ref), cases[i].domain);
          assert_string_equal (lc_image_ref_get_path (ref), cases[i].path);
        }
    }
}

static void
test_image_ref_to_familiar_string_keeps_tag_and_digest_and_adds_no_default (void **state)
{
  static const struct { const char *input, *familiar; } cases[] = {
    { "docker.io/library/busybox", "busybox" },
    { "docker.io/library/busybox:1", "busybox:1" },
    { "docker.io/library/busybox@" SHA256_B, "busybox@" SHA256_B },
    { "docker.io/someone/app:1", "someone/app:1" },
    { "quay.io/podman/stable:v5", "quay.io/podman/stable:v5" },
    { "localhost/x", "localhost/x" },
    { "localhost:5000/a/b@" SHA256_F, "localhost:5000/a/b@" SHA256_F },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(LcImageRef) ref = parse_ok (cases[i].input);
      g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);
      g_autoptr(LcImageRef) again = parse_ok (familiar);

      assert_string_equal (familiar, cases[i].familiar);
      assert_true (lc_image_ref_equal (ref, again));
    }
}

static void
test_image_ref_with_tag_replaces_the_tag_and_keeps_the_digest (void **state)
{
  static const struct { const char *name, *tag, *combined; } cases[] = {
    { "test.com/foo", "tag", "test.com/foo:tag" },
    { "foo", "tag2", "docker.io/library/foo:tag2" },
    { "test.com:8000/foo", "tag4", "test.com:8000/foo:tag4" },
    { "test.com:8000/foo", "TAG5", "test.com:8000/foo:TAG5" },
    { "test.com:8000/foo:old", "new", "test.com:8000/foo:new" },
    { "test.com:8000/foo@" SHA256_F, "TAG5", "test.com:8000/foo:TAG5@" SHA256_F },
    { "test.com:8000/foo:old@" SHA256_F, "new", "test.com:8000/foo:new@" SHA256_F },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LcImageRef) ref = parse_ok (cases[i].name);
      g_autoptr(LcImageRef) tagged = lc_image_ref_with_tag (ref, cases[i].tag, &error);
      g_autofree char *s = NULL;

      assert_null (error);
      assert_non_null (tagged);
      s = lc_image_ref_to_string (tagged);
      assert_string_equal (s, cases[i].combined);
      assert_string_equal (lc_image_ref_get_tag (tagged), cases[i].tag);
      assert_nullable_string_equal (lc_image_ref_get_digest (tagged),
                                    lc_image_ref_get_digest (ref));
      assert_string_equal (lc_image_ref_get_name (tagged), lc_image_ref_get_name (ref));
    }
}

static void
test_image_ref_with_tag_rejects_invalid_tags (void **state)
{
  g_autofree char *t129 = repeat ("t", 129);
  const char *invalid[] = { "-foo", "", ".x", "a/b", "a:b", "a@b", "a b", t129 };
  g_autoptr(LcImageRef) ref = parse_ok ("busybox");

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LcImageRef) tagged = lc_image_ref_with_tag (ref, invalid[i], &error);

      assert_null (tagged);
      assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
    }
  assert_null (lc_image_ref_with_tag (ref, "-foo", NULL));
}

static void
test_image_ref_with_digest_replaces_the_digest_and_keeps_the_tag (void **state)
{
  static const struct { const char *name, *digest, *combined; } cases[] = {
    { "test.com/foo", SHA256_F, "test.com/foo@" SHA256_F },
    { "foo", SHA256_F, "docker.io/library/foo@" SHA256_F },
    { "test.com:8000/foo", SHA512_F, "test.com:8000/foo@" SHA512_F },
    { "test.com:8000/foo:tag", SHA256_F, "test.com:8000/foo:tag@" SHA256_F },
    { "test.com:8000/foo:tag@" SHA256_B, SHA256_F, "test.com:8000/foo:tag@" SHA256_F },
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LcImageRef) ref = parse_ok (cases[i].name);
      g_autoptr(LcImageRef) digested = lc_image_ref_with_digest (ref, cases[i].digest, &error);
      g_autofree char *s = NULL;

      assert_null (error);
      assert_non_null (digested);
      s = lc_image_ref_to_string (digested);
      assert_string_equal (s, cases[i].combined);
      assert_string_equal (lc_image_ref_get_digest (digested), cases[i].digest);
      assert_nullable_string_equal (lc_image_ref_get_tag (digested), lc_image_ref_get_tag (ref));
      assert_round_trips (digested);
    }
}

static void
test_image_ref_with_digest_rejects_invalid_digests (void **state)
{
  const char *invalid[] = {
    "foo",
    "",
    "sha256:",
    ":" HEX64_F,
    "sha256:abc",
    "sha256:" HEX64_F "f",
    "sha256:FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
    "md5:" HEX64_F,
    "1sha:" HEX64_F,
    "sha256:1234567890098765432112345667890098765",
  };
  g_autoptr(LcImageRef) ref = parse_ok ("busybox:1");

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LcImageRef) digested = lc_image_ref_with_digest (ref, invalid[i], &error);

      assert_null (digested);
      assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
    }
  assert_null (lc_image_ref_with_digest (ref, "foo", NULL));
}

static void
test_image_ref_equal_compares_domain_path_tag_and_digest (void **state)
{
  g_autoptr(LcImageRef) a = parse_ok ("busybox");
  g_autoptr(LcImageRef) b = parse_ok ("docker.io/library/busybox");
  g_autoptr(LcImageRef) c = parse_ok ("index.docker.io/busybox");
  g_autoptr(LcImageRef) latest = parse_ok ("busybox:latest");
  g_autoptr(LcImageRef) digested = parse_ok ("busybox@" SHA256_B);
  g_autoptr(LcImageRef) both = parse_ok ("busybox:latest@" SHA256_B);
  g_autoptr(LcImageRef) other = parse_ok ("quay.io/busybox");
  g_autoptr(LcImageRef) other_path = parse_ok ("docker.io/busybox/busybox");

  (void) state;
  assert_true (lc_image_ref_equal (a, a));
  assert_true (lc_image_ref_equal (a, b));
  assert_true (lc_image_ref_equal (b, c));
  assert_false (lc_image_ref_equal (a, latest));     /* no tag is not "latest" */
  assert_false (lc_image_ref_equal (a, digested));
  assert_false (lc_image_ref_equal (digested, both));
  assert_false (lc_image_ref_equal (latest, both));
  assert_false (lc_image_ref_equal (a, other));
  assert_false (lc_image_ref_equal (a, other_path));
}

static void
test_image_ref_hash_agrees_with_equal (void **state)
{
  g_autoptr(LcImageRef) a = parse_ok ("busybox:1@" SHA256_B);
  g_autoptr(LcImageRef) b = parse_ok ("docker.io/library/busybox:1@" SHA256_B);
  g_autoptr(LcImageRef) c = parse_ok ("busybox:2");
  g_autoptr(GHashTable) set =
    g_hash_table_new_full ((GHashFunc) lc_image_ref_hash, (GEqualFunc) lc_image_ref_equal,
                           (GDestroyNotify) lc_image_ref_unref, NULL);

  (void) state;
  assert_int_equal (lc_image_ref_hash (a), lc_image_ref_hash (b));
  g_hash_table_add (set, lc_image_ref_ref (a));
  g_hash_table_add (set, lc_image_ref_ref (c));
  assert_true (g_hash_table_contains (set, b));
  g_hash_table_add (set, lc_image_ref_ref (b));      /* replaces a: equal key */
  assert_int_equal (g_hash_table_size (set), 2);
}

static void
test_image_ref_ref_and_unref_share_one_instance (void **state)
{
  LcImageRef *ref = parse_ok ("busybox:1");
  LcImageRef *second = lc_image_ref_ref (ref);

  (void) state;
  assert_ptr_equal (ref, second);
  lc_image_ref_unref (ref);
  /* Still alive through the second reference. */
  assert_string_equal (lc_image_ref_get_tag (second), "1");
  lc_image_ref_unref (second);
  lc_image_ref_unref (NULL);
}

static void
test_image_ref_is_a_boxed_type_copied_by_reference (void **state)
{
  GType type = lc_image_ref_get_type ();
  g_autoptr(LcImageRef) ref = parse_ok ("quay.io/podman/stable:v5");
  LcImageRef *copy;
  g_auto(GValue) value = G_VALUE_INIT;

  (void) state;
  assert_true (G_TYPE_IS_BOXED (type));
  assert_int_equal (type, LC_TYPE_IMAGE_REF);
  assert_string_equal (g_type_name (type), "LcImageRef");

  copy = g_boxed_copy (type, ref);
  assert_ptr_equal (copy, ref);                      /* immutable: a copy is a reference */
  g_boxed_free (type, copy);

  g_value_init (&value, type);
  g_value_set_boxed (&value, ref);
  assert_ptr_equal (g_value_get_boxed (&value), ref);
  assert_string_equal (lc_image_ref_get_tag (g_value_get_boxed (&value)), "v5");
}

static void
test_image_ref_parsed_references_round_trip_through_to_string (void **state)
{
  static const char *const inputs[] = {
    "busybox", "busybox:1", "busybox@" SHA256_B, "busybox:1@" SHA256_B, "Foo/bar",
    "[::1]:5000/x", "localhost/x", "docker.io/foo.com/bar", "docker.io/localhost/x",
    "a.com/library/b", "library/foo/bar", "xn--7o8h.com/myimage:xn--7o8h.com@" SHA512_F,
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(LcImageRef) ref = parse_ok (inputs[i]);
      assert_round_trips (ref);
    }
}

static void
test_digest_validate_tells_malformed_from_unsupported (void **state)
{
  g_autoptr(GError) malformed = NULL;
  g_autoptr(GError) unsupported = NULL;
  g_autoptr(GError) length = NULL;

  (void) state;
  assert_true (lc_digest_validate (SHA256_F, NULL));
  assert_true (lc_digest_validate ("sha384:" HEX64_F "ffffffffffffffffffffffffffffffff", NULL));
  assert_true (lc_digest_validate (SHA512_F, NULL));
  assert_false (lc_digest_validate ("sha256", &malformed));
  assert_true (g_error_matches (malformed, LC_ERROR, LC_ERROR_INVALID_DATA));
  assert_false (lc_digest_validate ("foo+bar:" HEX64_F, &unsupported));
  assert_true (g_error_matches (unsupported, LC_ERROR, LC_ERROR_UNSUPPORTED));
  assert_false (lc_digest_validate ("sha256:abc", &length));
  assert_true (g_error_matches (length, LC_ERROR, LC_ERROR_INVALID_DATA));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_image_ref_parse_normalizes_a_bare_name_to_docker_io_library),
    cmocka_unit_test (test_image_ref_parse_adds_library_to_one_component_docker_io_names),
    cmocka_unit_test (test_image_ref_parse_maps_index_docker_io_to_docker_io),
    cmocka_unit_test (test_image_ref_parse_keeps_localhost_and_domains_with_a_port),
    cmocka_unit_test (test_image_ref_parse_takes_a_first_component_with_uppercase_as_a_domain),
    cmocka_unit_test (test_image_ref_parse_takes_a_plain_first_component_as_part_of_the_path),
    cmocka_unit_test (test_image_ref_parse_accepts_bracketed_ipv6_domains),
    cmocka_unit_test (test_image_ref_parse_rejects_ipv6_without_brackets_path_or_with_a_zone),
    cmocka_unit_test (test_image_ref_parse_accepts_a_tag_and_a_digest_together),
    cmocka_unit_test (test_image_ref_parse_accepts_a_digest_without_a_tag),
    cmocka_unit_test (test_image_ref_parse_rejects_uppercase),
    cmocka_unit_test (test_image_ref_parse_accepts_uppercase_in_a_tag),
    cmocka_unit_test (test_image_ref_parse_explains_what_is_wrong_and_where),
    cmocka_unit_test (test_image_ref_parse_cuts_long_input_in_error_messages),
    cmocka_unit_test (test_image_ref_parse_quotes_invalid_utf8_as_valid_utf8),
    cmocka_unit_test (test_image_ref_parse_works_without_an_error_location),
    cmocka_unit_test (test_image_ref_parse_rejects_empty_text),
    cmocka_unit_test (test_image_ref_parse_rejects_a_64_hex_identifier),
    cmocka_unit_test (test_image_ref_parse_limits_the_path_to_255_characters),
    cmocka_unit_test (test_image_ref_parse_does_not_count_the_domain_in_the_length),
    cmocka_unit_test (test_image_ref_parse_limits_the_tag_to_128_characters),
    cmocka_unit_test (test_image_ref_parse_rejects_malformed_tags),
    cmocka_unit_test (test_image_ref_parse_rejects_digests_of_the_wrong_length),
    cmocka_unit_test (test_image_ref_parse_rejects_unsupported_digest_algorithms),
    cmocka_unit_test (test_image_ref_parse_rejects_malformed_digest_algorithms),
    cmocka_unit_test (test_image_ref_parse_rejects_uppercase_hex_in_digests),
    cmocka_unit_test (test_image_ref_parse_rejects_malformed_references),
    cmocka_unit_test (test_image_ref_to_string_adds_latest_only_without_tag_and_digest),
    cmocka_unit_test (test_image_ref_to_familiar_string_drops_docker_io_and_library),
    cmocka_unit_test (test_image_ref_to_familiar_string_keeps_tag_and_digest_and_adds_no_default),
    cmocka_unit_test (test_image_ref_with_tag_replaces_the_tag_and_keeps_the_digest),
    cmocka_unit_test (test_image_ref_with_tag_rejects_invalid_tags),
    cmocka_unit_test (test_image_ref_with_digest_replaces_the_digest_and_keeps_the_tag),
    cmocka_unit_test (test_image_ref_with_digest_rejects_invalid_digests),
    cmocka_unit_test (test_image_ref_equal_compares_domain_path_tag_and_digest),
    cmocka_unit_test (test_image_ref_hash_agrees_with_equal),
    cmocka_unit_test (test_image_ref_ref_and_unref_share_one_instance),
    cmocka_unit_test (test_image_ref_is_a_boxed_type_copied_by_reference),
    cmocka_unit_test (test_image_ref_parsed_references_round_trip_through_to_string),
    cmocka_unit_test (test_digest_validate_tells_malformed_from_unsupported),
  };

  return cmocka_run_group_tests_name ("image-ref", tests, NULL, NULL);
}
