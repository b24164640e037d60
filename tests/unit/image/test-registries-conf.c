/* test-registries-conf.c: registries.conf v2, drop-ins, prefix matching,
 * mirrors, short names.
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
#include "common/lc-context-private.h"
#include "image/lc-registries-conf-private.h"

static LcRegistriesConf *
conf_from (const char *text, GError **error)
{
  LcRegistriesConf *conf = lc_registries_conf_new ();
  if (!lc_registries_conf_merge_data (conf, text, strlen (text), "test.conf", error))
    {
      lc_registries_conf_free (conf);
      return NULL;
    }
  return conf;
}

static void
assert_invalid (const char *text, const char *needle)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcRegistriesConf) conf = conf_from (text, &error);

  if (conf != NULL)
    fail_msg ("accepted: %s", text);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  assert_non_null (strstr (error->message, "test.conf"));
  if (needle != NULL && strstr (error->message, needle) == NULL)
    fail_msg ("message \"%s\" lacks \"%s\"", error->message, needle);
}

static LcImageRef *
ref (const char *text)
{
  LcImageRef *r = lc_image_ref_parse (text, NULL);
  assert_non_null (r);
  return r;
}

static void
test_registries_conf_parses_a_complete_v2_file (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcRegistriesConf) conf = conf_from (
    "unqualified-search-registries = [\"registry.fedoraproject.org\", \"quay.io/\"]\n"
    "short-name-mode = \"enforcing\"\n"
    "credential-helpers = [\"containers-auth.json\"]\n"
    "[aliases]\n"
    "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
    "\"alpine\" = \"docker.io/alpine\"\n"
    "[[registry]]\n"
    "prefix = \"example.com/foo\"\n"
    "location = \"internal.example.com/bar/\"\n"
    "insecure = true\n"
    "[[registry.mirror]]\n"
    "location = \"mirror.example.com:5000\"\n"
    "pull-from-mirror = \"digest-only\"\n"
    "[[registry]]\n"
    "location = \"blocked.example.org\"\n"
    "blocked = true\n", &error);
  const LcRegistryEntry *e;

  assert_null (error);
  assert_non_null (conf);
  assert_int_equal (g_strv_length (conf->search), 2);
  assert_string_equal (conf->search[1], "quay.io");
  assert_int_equal (conf->short_name_mode, LC_SHORT_NAME_MODE_ENFORCING);
  assert_string_equal (g_hash_table_lookup (conf->aliases, "alpine"), "docker.io/library/alpine");
  assert_int_equal (conf->registries->len, 2);
  /* sorted by prefix */
  e = conf->registries->pdata[0];
  assert_string_equal (e->prefix, "blocked.example.org");
  assert_true (e->blocked);
  e = conf->registries->pdata[1];
  assert_string_equal (e->prefix, "example.com/foo");
  assert_string_equal (e->location, "internal.example.com/bar");
  assert_true (e->insecure);
  assert_int_equal (e->mirrors->len, 1);
  assert_int_equal (((LcRegistryMirror *) e->mirrors->pdata[0])->pull_from_mirror,
                    LC_PULL_FROM_MIRROR_DIGEST_ONLY);
}

static void
test_registries_conf_rejects_unknown_keys_naming_the_file (void **state)
{
  assert_invalid ("unqualified-search-registry = [\"a.io\"]\n", "unqualified-search-registry");
  assert_invalid ("[[registry]]\nlocation = \"a.io\"\nmirrors = []\n", "mirrors");
  assert_invalid ("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"b.io\"\nfoo = 1\n", "foo");
}

static void
test_registries_conf_rejects_wrong_types (void **state)
{
  assert_invalid ("unqualified-search-registries = \"docker.io\"\n", "unqualified-search-registries");
  assert_invalid ("unqualified-search-registries = [1, 2]\n", NULL);
  assert_invalid ("short-name-mode = true\n", "short-name-mode");
  assert_invalid ("[[registry]]\nlocation = \"a.io\"\ninsecure = \"yes\"\n", "insecure");
  assert_invalid ("registry = 3\n", "registry");
  assert_invalid ("[aliases]\nfoo = 3\n", "foo");
}

static void
test_registries_conf_rejects_invalid_values (void **state)
{
  assert_invalid ("short-name-mode = \"strict\"\n", "strict");
  assert_invalid ("unqualified-search-registries = [\"https://docker.io\"]\n", "URI schemes");
  assert_invalid ("unqualified-search-registries = [\"bad host\"]\n", "bad host");
  assert_invalid ("[[registry]]\nlocation = \"http://a.io\"\n", "URI schemes");
  assert_invalid ("[[registry]]\ninsecure = true\n", "prefix or a location");
  assert_invalid ("[[registry]]\nprefix = \"*.example.com/foo\"\n", "Wildcarded prefix");
  assert_invalid ("[[registry]]\nprefix = \"a*.example.com\"\nlocation = \"x.io\"\n", "Wildcarded prefix");
  assert_invalid ("[[registry]]\nprefix = \"a.io\"\n", "empty location");
  assert_invalid ("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\ninsecure = true\n", "no location");
  assert_invalid ("[[registry]]\nlocation = \"a.io\"\n[[registry.mirror]]\nlocation = \"b.io\"\n"
                  "pull-from-mirror = \"sometimes\"\n", "sometimes");
  assert_invalid ("[[registry]]\nlocation = \"a.io\"\nmirror-by-digest-only = true\n[[registry.mirror]]\n"
                  "location = \"b.io\"\npull-from-mirror = \"all\"\n", "mirror-by-digest-only");
  assert_invalid ("[aliases]\n\"docker.io/foo\" = \"quay.io/foo\"\n", "docker.io/foo");
  assert_invalid ("[aliases]\nfoo = \"foo\"\n", "registry domain");
  assert_invalid ("[aliases]\nfoo = \"quay.io/foo:1\"\n", "tag or digest");
}

static void
test_registries_conf_rejects_conflicting_insecure_settings (void **state)
{
  assert_invalid ("[[registry]]\nprefix = \"a.io/x\"\nlocation = \"127.0.0.1:5002\"\ninsecure = true\n"
                  "[[registry]]\nprefix = \"a.io/y\"\nlocation = \"127.0.0.1:5002\"\n",
                  "registry '127.0.0.1:5002' is defined multiple times with conflicting 'insecure' setting");
}

static void
test_registries_conf_rejects_hostile_input (void **state)
{
  g_autofree char *deep = NULL;
  g_autoptr(GString) s = g_string_new ("x = ");

  assert_invalid ("[[registry]\nlocation = \"a.io\"\n", NULL);
  assert_invalid ("unqualified-search-registries = [\"a.io\"\n", NULL);
  assert_invalid ("\xff\xfe = 1\n", NULL);
  assert_invalid ("a = 1\na = 2\n", NULL);
  for (int i = 0; i < 10000; i++)
    g_string_append_c (s, '[');
  assert_invalid (s->str, NULL);
  {
    /* NUL in the middle of a document */
    g_autoptr(GError) error = NULL;
    g_autoptr(LcRegistriesConf) conf = lc_registries_conf_new ();
    assert_false (lc_registries_conf_merge_data (conf, "a\0b = 1", 7, "test.conf", &error));
    assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  }
}

static void
test_registries_conf_converts_the_v1_format (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcRegistriesConf) conf = conf_from (
    "[registries.search]\nregistries = [\"docker.io\"]\n"
    "[registries.insecure]\nregistries = [\"127.0.0.1:5000\"]\n"
    "[registries.block]\nregistries = [\"evil.io\"]\n", &error);
  g_autoptr(LcImageRef) evil = ref ("evil.io/x");
  g_autoptr(GError) denied = NULL;
  const LcRegistryEntry *e;

  assert_non_null (conf);
  assert_string_equal (conf->search[0], "docker.io");
  e = lc_registries_conf_find (conf, "127.0.0.1:5000/busybox", NULL);
  assert_non_null (e);
  assert_true (e->insecure);
  assert_false (lc_registries_conf_check (conf, evil, NULL, &denied));
  assert_true (g_error_matches (denied, LC_ERROR, LC_ERROR_POLICY_DENIED));
  assert_invalid ("unqualified-search-registries = []\n[registries.search]\nregistries = []\n", "v1/v2");
}

static void
test_registries_conf_find_uses_the_longest_matching_prefix (void **state)
{
  g_autoptr(LcRegistriesConf) conf = conf_from (
    "[[registry]]\nprefix = \"127.0.0.1:5002\"\nlocation = \"127.0.0.1:5002\"\n"
    "[[registry]]\nprefix = \"127.0.0.1:5002/busybox\"\nlocation = \"127.0.0.1:5002/debian\"\n"
    "[[registry]]\nprefix = \"example.com\"\nlocation = \"example.com\"\n"
    "[[registry]]\nprefix = \"*.wild.test\"\nlocation = \"127.0.0.1:5002/ns\"\n"
    "[[registry]]\nprefix = \"*.b.wild.test\"\nlocation = \"127.0.0.1:5002/deeper\"\n", NULL);
  const LcRegistryEntry *e;
  gsize len = 0;

  assert_non_null (conf);
  e = lc_registries_conf_find (conf, "127.0.0.1:5002/busybox", &len);
  assert_string_equal (e->prefix, "127.0.0.1:5002/busybox");
  assert_int_equal (len, strlen ("127.0.0.1:5002/busybox"));
  e = lc_registries_conf_find (conf, "127.0.0.1:5002/busybox:tag", NULL);
  assert_string_equal (e->prefix, "127.0.0.1:5002/busybox");
  /* a prefix matches whole components only */
  e = lc_registries_conf_find (conf, "127.0.0.1:5002/busyboxy", NULL);
  assert_string_equal (e->prefix, "127.0.0.1:5002");
  /* kept quirk: a port after the prefix still matches */
  e = lc_registries_conf_find (conf, "example.com:5000/foo", NULL);
  assert_string_equal (e->prefix, "example.com");
  assert_null (lc_registries_conf_find (conf, "example.community/foo", NULL));
  /* wildcards */
  e = lc_registries_conf_find (conf, "a.wild.test/busybox", &len);
  assert_string_equal (e->prefix, "*.wild.test");
  assert_int_equal (len, strlen ("a.wild.test"));
  e = lc_registries_conf_find (conf, "x.y.wild.test/busybox", NULL);
  assert_string_equal (e->prefix, "*.wild.test");
  e = lc_registries_conf_find (conf, "a.b.wild.test/busybox", NULL);
  assert_string_equal (e->prefix, "*.b.wild.test");
  assert_null (lc_registries_conf_find (conf, "wild.test/busybox", NULL));
  assert_null (lc_registries_conf_find (conf, "docker.io/a.wild.test", NULL));
}

static char *
source_str (GPtrArray *sources, guint i)
{
  LcPullSource *s = sources->pdata[i];
  return lc_image_ref_to_string (s->ref);
}

static void
test_registries_conf_pull_sources_put_mirrors_first (void **state)
{
  g_autoptr(LcRegistriesConf) conf = conf_from (
    "[[registry]]\nprefix = \"example.com/foo\"\nlocation = \"primary.example.com/bar\"\n"
    "[[registry.mirror]]\nlocation = \"m1.example.com\"\ninsecure = true\n"
    "[[registry.mirror]]\nlocation = \"m2.example.com/x\"\npull-from-mirror = \"digest-only\"\n"
    "[[registry.mirror]]\nlocation = \"m3.example.com\"\npull-from-mirror = \"tag-only\"\n", NULL);
  g_autoptr(LcImageRef) tagged = ref ("example.com/foo/app:1");
  g_autoptr(LcImageRef) digested = ref ("example.com/foo/app@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
  g_autoptr(GPtrArray) t = lc_registries_conf_pull_sources (conf, tagged, NULL);
  g_autoptr(GPtrArray) d = lc_registries_conf_pull_sources (conf, digested, NULL);
  g_autofree char *t0 = NULL, *t1 = NULL, *t2 = NULL, *d0 = NULL, *d1 = NULL, *d2 = NULL;

  assert_int_equal (t->len, 3);
  t0 = source_str (t, 0), t1 = source_str (t, 1), t2 = source_str (t, 2);
  assert_string_equal (t0, "m1.example.com/app:1");
  assert_true (((LcPullSource *) t->pdata[0])->insecure);
  assert_string_equal (t1, "m3.example.com/app:1");
  assert_string_equal (t2, "primary.example.com/bar/app:1");
  assert_false (((LcPullSource *) t->pdata[2])->is_mirror);

  assert_int_equal (d->len, 3);
  d0 = source_str (d, 0), d1 = source_str (d, 1), d2 = source_str (d, 2);
  assert_string_equal (d0, "m1.example.com/app@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
  assert_true (g_str_has_prefix (d1, "m2.example.com/x/app@sha256:"));
  assert_true (g_str_has_prefix (d2, "primary.example.com/bar/app@"));
}

static void
test_registries_conf_mirror_by_digest_only_skips_mirrors_for_tags (void **state)
{
  g_autoptr(LcRegistriesConf) conf = conf_from (
    "[[registry]]\nlocation = \"docker.io\"\nmirror-by-digest-only = true\n"
    "[[registry.mirror]]\nlocation = \"mirror.local\"\n", NULL);
  g_autoptr(LcImageRef) tagged = ref ("busybox:1");
  g_autoptr(LcImageRef) digested = ref ("busybox@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa");
  g_autoptr(GPtrArray) t = lc_registries_conf_pull_sources (conf, tagged, NULL);
  g_autoptr(GPtrArray) d = lc_registries_conf_pull_sources (conf, digested, NULL);
  g_autofree char *t0 = NULL, *d0 = NULL;

  assert_int_equal (t->len, 1);
  t0 = source_str (t, 0);
  assert_string_equal (t0, "docker.io/library/busybox:1");
  assert_int_equal (d->len, 2);
  d0 = source_str (d, 0);
  assert_true (g_str_has_prefix (d0, "mirror.local/library/busybox@sha256:"));
}

static void
test_registries_conf_pull_sources_rewrite_wildcards_and_keep_unmatched (void **state)
{
  g_autoptr(LcRegistriesConf) conf = conf_from (
    "[[registry]]\nprefix = \"*.wild.test\"\nlocation = \"127.0.0.1:5002/ns\"\n"
    "[[registry]]\nprefix = \"*.empty.test\"\n", NULL);
  g_autoptr(LcImageRef) w = ref ("a.wild.test/busybox:test");
  g_autoptr(LcImageRef) e = ref ("a.empty.test/busybox:test");
  g_autoptr(LcImageRef) n = ref ("quay.io/x/y");
  g_autoptr(GPtrArray) ws = lc_registries_conf_pull_sources (conf, w, NULL);
  g_autoptr(GPtrArray) es = lc_registries_conf_pull_sources (conf, e, NULL);
  g_autoptr(GPtrArray) ns = lc_registries_conf_pull_sources (conf, n, NULL);
  g_autofree char *w0 = source_str (ws, 0);
  g_autofree char *e0 = source_str (es, 0);
  g_autofree char *n0 = source_str (ns, 0);

  assert_string_equal (w0, "127.0.0.1:5002/ns/busybox:test");
  assert_string_equal (e0, "a.empty.test/busybox:test");
  assert_string_equal (n0, "quay.io/x/y:latest");
}

static void
test_registries_conf_blocked_registries_are_denied (void **state)
{
  g_autoptr(LcRegistriesConf) conf = conf_from ("[[registry]]\nlocation = \"blocked.example.org\"\nblocked = true\n", NULL);
  g_autoptr(LcImageRef) r = ref ("blocked.example.org/x:1");
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_autoptr(GPtrArray) s = NULL;

  assert_false (lc_registries_conf_check (conf, r, NULL, &e1));
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_POLICY_DENIED));
  assert_non_null (strstr (e1->message, "registry blocked.example.org is blocked"));
  s = lc_registries_conf_pull_sources (conf, r, &e2);
  assert_null (s);
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_POLICY_DENIED));
}

static char *
write_file (const char *dir, const char *name, const char *text)
{
  char *path = g_build_filename (dir, name, NULL);
  assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

static void
test_registries_conf_drop_ins_merge_in_lexical_order (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("lc-regconf-XXXXXX", NULL);
  g_autofree char *dir = g_build_filename (tmp, "registries.conf.d", NULL);
  g_autofree char *main_path = NULL, *a = NULL, *b = NULL, *c = NULL, *sub = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LcRegistriesConf) conf = NULL;
  const char *dirs[2] = { dir, NULL };
  const LcRegistryEntry *e;

  g_mkdir (dir, 0755);
  main_path = write_file (tmp, "registries.conf",
                          "unqualified-search-registries = [\"docker.io\", \"quay.io\"]\n"
                          "short-name-mode = \"enforcing\"\n"
                          "[aliases]\nfoo = \"quay.io/foo\"\nbar = \"quay.io/bar\"\n"
                          "[[registry]]\nprefix = \"example.com\"\nlocation = \"one.example.com\"\n"
                          "[[registry]]\nprefix = \"keep.com\"\nlocation = \"keep.com\"\n");
  /* 20 sorts after 10: it wins */
  b = write_file (dir, "20-late.conf",
                  "[[registry]]\nprefix = \"example.com\"\nlocation = \"three.example.com\"\n"
                  "[aliases]\nbar = \"\"\n");
  a = write_file (dir, "10-early.conf",
                  "unqualified-search-registries = [\"registry.example\"]\n"
                  "[[registry]]\nprefix = \"example.com\"\nlocation = \"two.example.com\"\n"
                  "[aliases]\nfoo = \"docker.io/foo\"\n");
  c = write_file (dir, "30-ignored.txt", "this is not TOML\n");
  sub = g_build_filename (dir, "40-dir.conf", NULL);
  g_mkdir (sub, 0755);

  conf = lc_registries_conf_load_files (main_path, dirs, &error);
  assert_null (error);
  assert_int_equal (g_strv_length (conf->search), 1);
  assert_string_equal (conf->search[0], "registry.example");
  assert_int_equal (conf->short_name_mode, LC_SHORT_NAME_MODE_ENFORCING);
  e = lc_registries_conf_find (conf, "example.com/x", NULL);
  assert_string_equal (e->location, "three.example.com");
  assert_non_null (lc_registries_conf_find (conf, "keep.com/x", NULL));
  assert_string_equal (g_hash_table_lookup (conf->aliases, "foo"), "docker.io/library/foo");
  assert_string_equal (g_hash_table_lookup (conf->aliases, "bar"), "");
  assert_non_null (strstr (conf->origin, "registries.conf.d"));

  /* a bad drop-in fails the whole load, naming itself */
  g_clear_pointer (&conf, lc_registries_conf_free);
  g_free (write_file (dir, "50-bad.conf", "nope = 1\n"));
  conf = lc_registries_conf_load_files (main_path, dirs, &error);
  assert_null (conf);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  assert_non_null (strstr (error->message, "50-bad.conf"));

  /* a missing main file is an empty configuration */
  {
    g_autofree char *missing = g_build_filename (tmp, "nope.conf", NULL);
    g_autoptr(GError) e2 = NULL;
    g_autoptr(LcRegistriesConf) empty = lc_registries_conf_load_files (missing, NULL, &e2);
    assert_non_null (empty);
    assert_null (empty->search[0]);
  }
  g_autofree char *cmd = g_strdup_printf ("rm -rf '%s'", tmp);
  assert_int_equal (system (cmd), 0);
}

static void
test_registries_conf_resolves_short_names (void **state)
{
  g_autoptr(LcRegistriesConf) one = conf_from ("unqualified-search-registries = [\"quay.io\"]\n"
                                               "short-name-mode = \"enforcing\"\n"
                                               "[aliases]\nfedora = \"registry.fedoraproject.org/fedora\"\n", NULL);
  g_autoptr(LcRegistriesConf) two = conf_from ("unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n"
                                               "short-name-mode = \"enforcing\"\n", NULL);
  g_autoptr(LcRegistriesConf) perm = conf_from ("unqualified-search-registries = [\"quay.io\", \"docker.io\"]\n", NULL);
  g_autoptr(LcRegistriesConf) none = conf_from ("", NULL);
  g_auto(GStrv) a = lc_registries_conf_resolve_short_name (one, "fedora:38", NULL);
  g_auto(GStrv) b = lc_registries_conf_resolve_short_name (one, "busybox", NULL);
  g_auto(GStrv) c = lc_registries_conf_resolve_short_name (two, "example.com/x/y", NULL);
  g_auto(GStrv) d = lc_registries_conf_resolve_short_name (perm, "busybox:1", NULL);
  g_autoptr(GError) e1 = NULL;
  g_autoptr(GError) e2 = NULL;
  g_auto(GStrv) fail1 = lc_registries_conf_resolve_short_name (two, "busybox", &e1);
  g_auto(GStrv) fail2 = lc_registries_conf_resolve_short_name (none, "busybox", &e2);

  assert_int_equal (g_strv_length (a), 1);
  assert_string_equal (a[0], "registry.fedoraproject.org/fedora:38");
  assert_int_equal (g_strv_length (b), 1);
  assert_string_equal (b[0], "quay.io/busybox:latest");
  assert_string_equal (c[0], "example.com/x/y:latest");
  assert_int_equal (g_strv_length (d), 2);
  assert_string_equal (d[0], "quay.io/busybox:1");
  assert_string_equal (d[1], "docker.io/library/busybox:1");
  assert_null (fail1);
  assert_true (g_error_matches (e1, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
  assert_non_null (strstr (e1->message, "quay.io/busybox:latest"));
  assert_non_null (strstr (e1->message, "docker.io/library/busybox:latest"));
  assert_null (fail2);
  assert_true (g_error_matches (e2, LC_ERROR, LC_ERROR_INVALID_REFERENCE));
}

static void
test_registries_conf_load_reads_the_context_paths (void **state)
{
  g_autofree char *tmp = g_dir_make_tmp ("lc-regconf-XXXXXX", NULL);
  g_autofree char *main_path = write_file (tmp, "r.conf", "unqualified-search-registries = [\"quay.io\"]\n");
  g_autofree char *dir = g_build_filename (tmp, "d", NULL);
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autoptr(LcRegistriesConf) conf = NULL;
  g_autoptr(GError) error = NULL;

  lc_context_set_registries_conf (ctx, main_path);
  lc_context_set_registries_conf_dir (ctx, dir);
  conf = lc_registries_conf_load (ctx, &error);
  assert_non_null (conf);
  assert_string_equal (conf->search[0], "quay.io");
  g_unlink (main_path);
  g_rmdir (tmp);
}

/* --- which files are read (containers/image newConfigWrapperWithHomeDir) --- */

static void
rm_rf (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);
  if (dir != NULL)
    {
      const char *n;
      while ((n = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, n, NULL);
          rm_rf (child);
        }
      g_dir_close (dir);
      g_rmdir (path);
    }
  else
    g_unlink (path);
}

/* A root with etc/containers/{registries.conf,registries.conf.d/} and a
 * $XDG_CONFIG_HOME with containers/registries.conf.d/. */
typedef struct {
  char *tmp;
  char *sys_dir;
  char *user_home;   /* $XDG_CONFIG_HOME/containers */
  char *user_dir;
} Layout;

static Layout *
layout_new (void)
{
  Layout *l = g_new0 (Layout, 1);
  g_autofree char *etc = NULL;
  g_autofree char *xdg = NULL;

  l->tmp = g_dir_make_tmp ("lc-regconf-XXXXXX", NULL);
  assert_non_null (l->tmp);
  etc = g_build_filename (l->tmp, "root", "etc", "containers", NULL);
  l->sys_dir = g_build_filename (etc, "registries.conf.d", NULL);
  xdg = g_build_filename (l->tmp, "xdg", NULL);
  l->user_home = g_build_filename (xdg, "containers", NULL);
  l->user_dir = g_build_filename (l->user_home, "registries.conf.d", NULL);
  assert_int_equal (g_mkdir_with_parents (l->sys_dir, 0700), 0);
  assert_int_equal (g_mkdir_with_parents (l->user_dir, 0700), 0);
  g_free (write_file (etc, "registries.conf",
                      "unqualified-search-registries = [\"sys-main.example\"]\n"
                      "[[registry]]\nprefix = \"sysmain.example\"\nlocation = \"sysmain.example\"\n"));
  g_free (write_file (l->sys_dir, "50-common.conf",
                      "unqualified-search-registries = [\"sys-dropin.example\"]\n"
                      "[[registry]]\nprefix = \"common.example\"\nlocation = \"from-sys.example\"\n"));
  g_free (write_file (l->sys_dir, "90-sys.conf",
                      "[[registry]]\nprefix = \"sysonly.example\"\nlocation = \"sysonly.example\"\n"));
  /* Lexically before every system drop-in, yet read after them. */
  g_free (write_file (l->user_dir, "10-user.conf",
                      "unqualified-search-registries = [\"user-dropin.example\"]\n"
                      "[[registry]]\nprefix = \"useronly.example\"\nlocation = \"useronly.example\"\n"));
  /* Same name as a system drop-in: both are read, the user's last. */
  g_free (write_file (l->user_dir, "50-common.conf",
                      "[[registry]]\nprefix = \"common.example\"\nlocation = \"from-user.example\"\n"));
  g_setenv ("XDG_CONFIG_HOME", xdg, TRUE);
  g_unsetenv ("CONTAINERS_REGISTRIES_CONF");
  return l;
}

static LcContext *
layout_context (Layout *l, gboolean rootless)
{
  LcContext *ctx = lc_context_new ();
  g_autofree char *root = g_build_filename (l->tmp, "root", NULL);

  lc_context_set_root (ctx, root);
  lc_context_set_rootless (ctx, rootless);
  return ctx;
}

static void
layout_free (Layout *l)
{
  g_unsetenv ("XDG_CONFIG_HOME");
  g_unsetenv ("CONTAINERS_REGISTRIES_CONF");
  rm_rf (l->tmp);
  g_free (l->tmp);
  g_free (l->sys_dir);
  g_free (l->user_home);
  g_free (l->user_dir);
  g_free (l);
}

static const char *
location_of (LcRegistriesConf *conf, const char *name)
{
  const LcRegistryEntry *e = lc_registries_conf_find (conf, name, NULL);
  return e != NULL ? e->location : NULL;
}

static LcRegistriesConf *
load_ok (LcContext *ctx)
{
  g_autoptr(GError) error = NULL;
  LcRegistriesConf *conf = lc_registries_conf_load (ctx, &error);
  if (conf == NULL)
    fail_msg ("load failed: %s", error->message);
  return conf;
}

/* Default (no user registries.conf): system file, system drop-ins, then the
 * user's drop-ins; a user drop-in wins over a system one of the same name. */
static void
test_registries_conf_reads_system_then_user_drop_ins (void **state)
{
  Layout *l = layout_new ();
  g_autoptr(LcContext) ctx = layout_context (l, TRUE);
  g_autoptr(LcRegistriesConf) conf = load_ok (ctx);
  g_auto(GStrv) dirs = lc_context_dup_registries_conf_dirs (ctx);

  assert_int_equal (g_strv_length (dirs), 2);
  assert_string_equal (dirs[0], l->sys_dir);
  assert_string_equal (dirs[1], l->user_dir);
  assert_string_equal (location_of (conf, "sysmain.example/a"), "sysmain.example");
  assert_string_equal (location_of (conf, "sysonly.example/a"), "sysonly.example");
  assert_string_equal (location_of (conf, "useronly.example/a"), "useronly.example");
  assert_string_equal (location_of (conf, "common.example/a"), "from-user.example");
  /* 10-user.conf is read after the system's 50-common.conf. */
  assert_string_equal (conf->search[0], "user-dropin.example");
  assert_null (conf->search[1]);
  layout_free (l);
}

/* Not rootless: no user configuration at all. */
static void
test_registries_conf_root_reads_only_system_drop_ins (void **state)
{
  Layout *l = layout_new ();
  g_free (write_file (l->user_home, "registries.conf",
                      "unqualified-search-registries = [\"user-main.example\"]\n"));
  g_autoptr(LcContext) ctx = layout_context (l, FALSE);
  g_autoptr(LcRegistriesConf) conf = load_ok (ctx);
  g_auto(GStrv) dirs = lc_context_dup_registries_conf_dirs (ctx);

  assert_int_equal (g_strv_length (dirs), 1);
  assert_string_equal (dirs[0], l->sys_dir);
  assert_string_equal (location_of (conf, "sysmain.example/a"), "sysmain.example");
  assert_string_equal (location_of (conf, "common.example/a"), "from-sys.example");
  assert_null (location_of (conf, "useronly.example/a"));
  assert_string_equal (conf->search[0], "sys-dropin.example");
  layout_free (l);
}

/* A user registries.conf replaces the system file and the system drop-ins;
 * only the user's drop-ins follow it. */
static void
test_registries_conf_user_file_skips_system_drop_ins (void **state)
{
  Layout *l = layout_new ();
  g_free (write_file (l->user_home, "registries.conf",
                      "short-name-mode = \"disabled\"\n"
                      "[[registry]]\nprefix = \"usermain.example\"\nlocation = \"usermain.example\"\n"));
  g_autoptr(LcContext) ctx = layout_context (l, TRUE);
  g_autoptr(LcRegistriesConf) conf = load_ok (ctx);
  g_auto(GStrv) dirs = lc_context_dup_registries_conf_dirs (ctx);

  assert_int_equal (g_strv_length (dirs), 1);
  assert_string_equal (dirs[0], l->user_dir);
  assert_int_equal (conf->short_name_mode, LC_SHORT_NAME_MODE_DISABLED);
  assert_string_equal (location_of (conf, "usermain.example/a"), "usermain.example");
  assert_null (location_of (conf, "sysmain.example/a"));
  assert_null (location_of (conf, "sysonly.example/a"));
  assert_string_equal (location_of (conf, "useronly.example/a"), "useronly.example");
  assert_string_equal (location_of (conf, "common.example/a"), "from-user.example");
  assert_string_equal (conf->search[0], "user-dropin.example");
  layout_free (l);
}

/* $CONTAINERS_REGISTRIES_CONF (like an explicitly set file) replaces the main
 * file only -- even an existing user registries.conf -- while the system and
 * user drop-ins are still read. */
static void
test_registries_conf_env_file_keeps_both_drop_in_dirs (void **state)
{
  Layout *l = layout_new ();
  g_autofree char *env_conf = write_file (l->tmp, "env.conf",
                                          "[[registry]]\nprefix = \"envmain.example\"\nlocation = \"envmain.example\"\n");
  g_free (write_file (l->user_home, "registries.conf",
                      "[[registry]]\nprefix = \"usermain.example\"\nlocation = \"usermain.example\"\n"));
  g_setenv ("CONTAINERS_REGISTRIES_CONF", env_conf, TRUE);
  g_autoptr(LcContext) ctx = layout_context (l, TRUE);
  g_autoptr(LcRegistriesConf) conf = load_ok (ctx);
  g_auto(GStrv) dirs = lc_context_dup_registries_conf_dirs (ctx);
  g_autofree char *main_path = lc_context_dup_registries_conf (ctx);

  assert_string_equal (main_path, env_conf);
  assert_int_equal (g_strv_length (dirs), 2);
  assert_string_equal (dirs[0], l->sys_dir);
  assert_string_equal (dirs[1], l->user_dir);
  assert_string_equal (location_of (conf, "envmain.example/a"), "envmain.example");
  assert_null (location_of (conf, "usermain.example/a"));
  assert_null (location_of (conf, "sysmain.example/a"));
  assert_string_equal (location_of (conf, "sysonly.example/a"), "sysonly.example");
  assert_string_equal (location_of (conf, "useronly.example/a"), "useronly.example");
  assert_string_equal (location_of (conf, "common.example/a"), "from-user.example");
  layout_free (l);
}

/* An explicitly set drop-in directory is the only one read, whatever else
 * exists. */
static void
test_registries_conf_explicit_dir_is_the_only_drop_in_dir (void **state)
{
  Layout *l = layout_new ();
  g_autofree char *own = g_build_filename (l->tmp, "own.d", NULL);
  g_autofree char *env_conf = write_file (l->tmp, "env.conf", "");
  assert_int_equal (g_mkdir (own, 0700), 0);
  g_free (write_file (own, "x.conf",
                      "[[registry]]\nprefix = \"own.example\"\nlocation = \"own.example\"\n"));
  g_free (write_file (l->user_home, "registries.conf",
                      "[[registry]]\nprefix = \"usermain.example\"\nlocation = \"usermain.example\"\n"));

  for (int with_env = 0; with_env < 2; with_env++)
    {
      if (with_env)
        g_setenv ("CONTAINERS_REGISTRIES_CONF", env_conf, TRUE);
      g_autoptr(LcContext) ctx = layout_context (l, TRUE);
      lc_context_set_registries_conf_dir (ctx, own);
      g_autoptr(LcRegistriesConf) conf = load_ok (ctx);
      g_auto(GStrv) dirs = lc_context_dup_registries_conf_dirs (ctx);

      assert_int_equal (g_strv_length (dirs), 1);
      assert_string_equal (dirs[0], own);
      assert_string_equal (location_of (conf, "own.example/a"), "own.example");
      assert_null (location_of (conf, "sysonly.example/a"));
      assert_null (location_of (conf, "useronly.example/a"));
      assert_null (location_of (conf, "common.example/a"));
      if (with_env)
        assert_null (location_of (conf, "usermain.example/a"));
      else
        assert_string_equal (location_of (conf, "usermain.example/a"), "usermain.example");
    }
  layout_free (l);
}

/* Missing drop-in directories are fine. */
static void
test_registries_conf_missing_drop_in_dirs_are_fine (void **state)
{
  Layout *l = layout_new ();
  rm_rf (l->sys_dir);
  rm_rf (l->user_dir);
  g_autoptr(LcContext) ctx = layout_context (l, TRUE);
  g_autoptr(LcRegistriesConf) conf = load_ok (ctx);

  assert_string_equal (location_of (conf, "sysmain.example/a"), "sysmain.example");
  assert_string_equal (conf->search[0], "sys-main.example");
  layout_free (l);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_registries_conf_parses_a_complete_v2_file),
    cmocka_unit_test (test_registries_conf_rejects_unknown_keys_naming_the_file),
    cmocka_unit_test (test_registries_conf_rejects_wrong_types),
    cmocka_unit_test (test_registries_conf_rejects_invalid_values),
    cmocka_unit_test (test_registries_conf_rejects_conflicting_insecure_settings),
    cmocka_unit_test (test_registries_conf_rejects_hostile_input),
    cmocka_unit_test (test_registries_conf_converts_the_v1_format),
    cmocka_unit_test (test_registries_conf_find_uses_the_longest_matching_prefix),
    cmocka_unit_test (test_registries_conf_pull_sources_put_mirrors_first),
    cmocka_unit_test (test_registries_conf_mirror_by_digest_only_skips_mirrors_for_tags),
    cmocka_unit_test (test_registries_conf_pull_sources_rewrite_wildcards_and_keep_unmatched),
    cmocka_unit_test (test_registries_conf_blocked_registries_are_denied),
    cmocka_unit_test (test_registries_conf_drop_ins_merge_in_lexical_order),
    cmocka_unit_test (test_registries_conf_resolves_short_names),
    cmocka_unit_test (test_registries_conf_load_reads_the_context_paths),
    cmocka_unit_test (test_registries_conf_reads_system_then_user_drop_ins),
    cmocka_unit_test (test_registries_conf_root_reads_only_system_drop_ins),
    cmocka_unit_test (test_registries_conf_user_file_skips_system_drop_ins),
    cmocka_unit_test (test_registries_conf_env_file_keeps_both_drop_in_dirs),
    cmocka_unit_test (test_registries_conf_explicit_dir_is_the_only_drop_in_dir),
    cmocka_unit_test (test_registries_conf_missing_drop_in_dirs_are_fine),
  };

  return cmocka_run_group_tests_name ("registries-conf", tests, NULL, NULL);
}
