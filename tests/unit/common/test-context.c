/* test-context.c: LcContext, its defaults, the environment and setters.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <glib/gstdio.h>
#include <containers/containers.h>

static const char *const context_env[] = {
  "CONTAINERS_REGISTRIES_CONF", "REGISTRY_AUTH_FILE", "CONTAINERS_STORAGE_CONF",
  "CONTAINERS_CONF", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME",
};

/* Each test starts from a clean environment and an empty XDG_CONFIG_HOME,
 * so that the caller's own ~/.config/containers cannot leak in. */
typedef struct {
  char *tmp;            /* scratch directory */
  char *config_home;    /* $XDG_CONFIG_HOME, empty */
  char *runtime_dir;    /* a would-be $XDG_RUNTIME_DIR */
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  for (gsize i = 0; i < G_N_ELEMENTS (context_env); i++)
    g_unsetenv (context_env[i]);
  f->tmp = g_dir_make_tmp ("lc-test-context-XXXXXX", NULL);
  assert_non_null (f->tmp);
  f->config_home = g_build_filename (f->tmp, "config", NULL);
  f->runtime_dir = g_build_filename (f->tmp, "run", NULL);
  assert_int_equal (g_mkdir (f->config_home, 0700), 0);
  g_setenv ("XDG_CONFIG_HOME", f->config_home, TRUE);
  *state = f;
  return 0;
}

static void
remove_tree (const char *path)
{
  GDir *dir = g_dir_open (path, 0, NULL);

  if (dir != NULL)
    {
      const char *name;

      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);
          remove_tree (child);
        }
      g_dir_close (dir);
    }
  g_remove (path);
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  for (gsize i = 0; i < G_N_ELEMENTS (context_env); i++)
    g_unsetenv (context_env[i]);
  remove_tree (f->tmp);
  g_free (f->tmp);
  g_free (f->config_home);
  g_free (f->runtime_dir);
  g_free (f);
  return 0;
}

static void
touch (const char *path)
{
  g_autofree char *dir = g_path_get_dirname (path);

  assert_int_equal (g_mkdir_with_parents (dir, 0700), 0);
  assert_true (g_file_set_contents (path, "", 0, NULL));
}

static void
assert_owned_path (char *owned, const char *expected)
{
  assert_non_null (owned);
  assert_string_equal (owned, expected);
  g_free (owned);
}

static void
test_context_new_uses_system_paths_under_root (void **state)
{
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autofree char *auth = g_strdup_printf ("/sysroot/run/containers/%u/auth.json",
                                           (guint) geteuid ());

  (void) state;
  assert_string_equal (lc_context_get_root (ctx), "/");
  lc_context_set_rootless (ctx, FALSE);
  lc_context_set_root (ctx, "/sysroot");
  assert_string_equal (lc_context_get_root (ctx), "/sysroot");
  assert_owned_path (lc_context_dup_registries_conf (ctx),
                     "/sysroot/etc/containers/registries.conf");
  assert_owned_path (lc_context_dup_registries_conf_dir (ctx),
                     "/sysroot/etc/containers/registries.conf.d");
  assert_owned_path (lc_context_dup_policy_path (ctx), "/sysroot/etc/containers/policy.json");
  assert_owned_path (lc_context_dup_certs_dir (ctx), "/sysroot/etc/containers/certs.d");
  assert_owned_path (lc_context_dup_storage_conf (ctx), "/sysroot/etc/containers/storage.conf");
  assert_owned_path (lc_context_dup_containers_conf (ctx),
                     "/sysroot/etc/containers/containers.conf");
  assert_owned_path (lc_context_dup_auth_file (ctx), auth);
}

static void
test_context_root_defaults_to_slash (void **state)
{
  g_autoptr(LcContext) ctx = lc_context_new ();

  (void) state;
  lc_context_set_rootless (ctx, FALSE);
  assert_owned_path (lc_context_dup_registries_conf (ctx), "/etc/containers/registries.conf");
  lc_context_set_root (ctx, "/x");
  lc_context_set_root (ctx, NULL);
  assert_string_equal (lc_context_get_root (ctx), "/");
  lc_context_set_root (ctx, "/x");
  lc_context_set_root (ctx, "");
  assert_string_equal (lc_context_get_root (ctx), "/");
}

static void
test_context_rootless_defaults_to_whether_the_user_is_not_root (void **state)
{
  g_autoptr(LcContext) ctx = lc_context_new ();

  (void) state;
  assert_int_equal (lc_context_get_rootless (ctx), geteuid () != 0);
  lc_context_set_rootless (ctx, TRUE);
  assert_true (lc_context_get_rootless (ctx));
  lc_context_set_rootless (ctx, 42);                 /* any true value is TRUE */
  assert_int_equal (lc_context_get_rootless (ctx), TRUE);
  lc_context_set_rootless (ctx, FALSE);
  assert_false (lc_context_get_rootless (ctx));
}

static void
test_context_rootless_uses_user_files_only_when_they_exist (void **state)
{
  Fixture *f = *state;
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autofree char *user_registries = g_build_filename (f->config_home, "containers",
                                                       "registries.conf", NULL);
  g_autofree char *user_policy = g_build_filename (f->config_home, "containers",
                                                   "policy.json", NULL);
  g_autofree char *user_certs = g_build_filename (f->config_home, "containers", "certs.d", NULL);
  g_autofree char *user_storage = g_build_filename (f->config_home, "containers",
                                                    "storage.conf", NULL);
  g_autofree char *user_containers = g_build_filename (f->config_home, "containers",
                                                       "containers.conf", NULL);

  lc_context_set_root (ctx, "/sysroot");
  lc_context_set_rootless (ctx, TRUE);
  assert_owned_path (lc_context_dup_registries_conf (ctx),
                     "/sysroot/etc/containers/registries.conf");
  assert_owned_path (lc_context_dup_policy_path (ctx), "/sysroot/etc/containers/policy.json");
  assert_owned_path (lc_context_dup_certs_dir (ctx), "/sysroot/etc/containers/certs.d");
  assert_owned_path (lc_context_dup_containers_conf (ctx),
                     "/sysroot/etc/containers/containers.conf");
  /* Rootless storage is always per user, existing or not. */
  assert_owned_path (lc_context_dup_storage_conf (ctx), user_storage);

  touch (user_registries);
  touch (user_policy);
  touch (user_containers);
  assert_int_equal (g_mkdir_with_parents (user_certs, 0700), 0);
  assert_owned_path (lc_context_dup_registries_conf (ctx), user_registries);
  assert_owned_path (lc_context_dup_policy_path (ctx), user_policy);
  assert_owned_path (lc_context_dup_certs_dir (ctx), user_certs);
  assert_owned_path (lc_context_dup_containers_conf (ctx), user_containers);

  /* Root ignores them. */
  lc_context_set_rootless (ctx, FALSE);
  assert_owned_path (lc_context_dup_registries_conf (ctx),
                     "/sysroot/etc/containers/registries.conf");
  assert_owned_path (lc_context_dup_storage_conf (ctx), "/sysroot/etc/containers/storage.conf");
}

static void
test_context_rootless_auth_file_is_in_the_runtime_dir (void **state)
{
  Fixture *f = *state;
  g_autoptr(LcContext) ctx = NULL;
  g_autofree char *expected = g_build_filename (f->runtime_dir, "containers", "auth.json", NULL);

  g_setenv ("XDG_RUNTIME_DIR", f->runtime_dir, TRUE);
  ctx = lc_context_new ();
  lc_context_set_rootless (ctx, TRUE);
  assert_owned_path (lc_context_dup_auth_file (ctx), expected);
}

static void
test_context_new_reads_the_environment (void **state)
{
  g_autoptr(LcContext) ctx = NULL;

  (void) state;
  g_setenv ("CONTAINERS_REGISTRIES_CONF", "/env/registries.conf", TRUE);
  g_setenv ("REGISTRY_AUTH_FILE", "/env/auth.json", TRUE);
  g_setenv ("CONTAINERS_STORAGE_CONF", "/env/storage.conf", TRUE);
  g_setenv ("CONTAINERS_CONF", "/env/containers.conf", TRUE);
  ctx = lc_context_new ();
  lc_context_set_root (ctx, "/sysroot");

  for (int rootless = 0; rootless <= 1; rootless++)
    {
      lc_context_set_rootless (ctx, rootless);
      assert_owned_path (lc_context_dup_registries_conf (ctx), "/env/registries.conf");
      assert_owned_path (lc_context_dup_auth_file (ctx), "/env/auth.json");
      assert_owned_path (lc_context_dup_storage_conf (ctx), "/env/storage.conf");
      assert_owned_path (lc_context_dup_containers_conf (ctx), "/env/containers.conf");
    }
}

static void
test_context_snapshots_the_environment_when_made (void **state)
{
  g_autoptr(LcContext) ctx = NULL;

  (void) state;
  g_setenv ("REGISTRY_AUTH_FILE", "/env/first.json", TRUE);
  ctx = lc_context_new ();
  g_setenv ("REGISTRY_AUTH_FILE", "/env/second.json", TRUE);
  assert_owned_path (lc_context_dup_auth_file (ctx), "/env/first.json");
}

static void
test_context_ignores_empty_environment_variables (void **state)
{
  g_autoptr(LcContext) ctx = NULL;

  (void) state;
  g_setenv ("CONTAINERS_REGISTRIES_CONF", "", TRUE);
  ctx = lc_context_new ();
  lc_context_set_rootless (ctx, FALSE);
  lc_context_set_root (ctx, "/r");
  assert_owned_path (lc_context_dup_registries_conf (ctx), "/r/etc/containers/registries.conf");
}

static void
test_context_explicit_setters_win_over_environment_and_defaults (void **state)
{
  g_autoptr(LcContext) ctx = NULL;

  (void) state;
  g_setenv ("CONTAINERS_REGISTRIES_CONF", "/env/registries.conf", TRUE);
  g_setenv ("REGISTRY_AUTH_FILE", "/env/auth.json", TRUE);
  g_setenv ("CONTAINERS_STORAGE_CONF", "/env/storage.conf", TRUE);
  g_setenv ("CONTAINERS_CONF", "/env/containers.conf", TRUE);
  ctx = lc_context_new ();

  lc_context_set_registries_conf (ctx, "/set/registries.conf");
  lc_context_set_registries_conf_dir (ctx, "/set/registries.conf.d");
  lc_context_set_policy_path (ctx, "/set/policy.json");
  lc_context_set_auth_file (ctx, "/set/auth.json");
  lc_context_set_certs_dir (ctx, "/set/certs.d");
  lc_context_set_storage_conf (ctx, "/set/storage.conf");
  lc_context_set_containers_conf (ctx, "/set/containers.conf");
  lc_context_set_root (ctx, "/sysroot");             /* explicit paths are used as they are */

  assert_owned_path (lc_context_dup_registries_conf (ctx), "/set/registries.conf");
  assert_owned_path (lc_context_dup_registries_conf_dir (ctx), "/set/registries.conf.d");
  assert_owned_path (lc_context_dup_policy_path (ctx), "/set/policy.json");
  assert_owned_path (lc_context_dup_auth_file (ctx), "/set/auth.json");
  assert_owned_path (lc_context_dup_certs_dir (ctx), "/set/certs.d");
  assert_owned_path (lc_context_dup_storage_conf (ctx), "/set/storage.conf");
  assert_owned_path (lc_context_dup_containers_conf (ctx), "/set/containers.conf");
}

static void
test_context_setting_null_goes_back_to_environment_or_default (void **state)
{
  g_autoptr(LcContext) ctx = NULL;

  (void) state;
  g_setenv ("REGISTRY_AUTH_FILE", "/env/auth.json", TRUE);
  ctx = lc_context_new ();
  lc_context_set_rootless (ctx, FALSE);
  lc_context_set_root (ctx, "/r");

  lc_context_set_auth_file (ctx, "/set/auth.json");
  lc_context_set_auth_file (ctx, NULL);
  assert_owned_path (lc_context_dup_auth_file (ctx), "/env/auth.json");

  lc_context_set_policy_path (ctx, "/set/policy.json");
  lc_context_set_policy_path (ctx, NULL);
  assert_owned_path (lc_context_dup_policy_path (ctx), "/r/etc/containers/policy.json");

  lc_context_set_certs_dir (ctx, "/set/certs.d");
  lc_context_set_certs_dir (ctx, "");                /* empty means unset, too */
  assert_owned_path (lc_context_dup_certs_dir (ctx), "/r/etc/containers/certs.d");

  lc_context_set_registries_conf (ctx, "/a");
  lc_context_set_registries_conf (ctx, NULL);
  lc_context_set_registries_conf_dir (ctx, "/a");
  lc_context_set_registries_conf_dir (ctx, NULL);
  lc_context_set_storage_conf (ctx, "/a");
  lc_context_set_storage_conf (ctx, NULL);
  lc_context_set_containers_conf (ctx, "/a");
  lc_context_set_containers_conf (ctx, NULL);
  assert_owned_path (lc_context_dup_registries_conf (ctx), "/r/etc/containers/registries.conf");
  assert_owned_path (lc_context_dup_registries_conf_dir (ctx),
                     "/r/etc/containers/registries.conf.d");
  assert_owned_path (lc_context_dup_storage_conf (ctx), "/r/etc/containers/storage.conf");
  assert_owned_path (lc_context_dup_containers_conf (ctx), "/r/etc/containers/containers.conf");
}

static void
test_context_user_agent_defaults_to_the_library_version (void **state)
{
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autofree char *expected = g_strconcat ("libcontainers/", lc_version (), NULL);

  (void) state;
  assert_string_equal (lc_context_get_user_agent (ctx), expected);
  lc_context_set_user_agent (ctx, "my-tool/2.0");
  assert_string_equal (lc_context_get_user_agent (ctx), "my-tool/2.0");
  lc_context_set_user_agent (ctx, NULL);
  assert_string_equal (lc_context_get_user_agent (ctx), expected);
}

static void
test_context_properties_give_the_effective_values (void **state)
{
  g_autoptr(LcContext) ctx = NULL;
  g_autofree char *root = NULL;
  g_autofree char *agent = NULL;
  g_autofree char *registries = NULL;
  g_autofree char *auth = NULL;
  g_autofree char *policy = NULL;
  gboolean rootless = TRUE;

  (void) state;
  g_setenv ("REGISTRY_AUTH_FILE", "/env/auth.json", TRUE);
  ctx = g_object_new (LC_TYPE_CONTEXT, "root", "/sysroot", "rootless", FALSE,
                      "user-agent", "agent/1", "policy-path", "/set/policy.json", NULL);
  assert_true (LC_IS_CONTEXT (ctx));
  g_object_get (ctx, "root", &root, "rootless", &rootless, "user-agent", &agent,
                "registries-conf", &registries, "auth-file", &auth,
                "policy-path", &policy, NULL);
  assert_string_equal (root, "/sysroot");
  assert_false (rootless);
  assert_string_equal (agent, "agent/1");
  assert_string_equal (registries, "/sysroot/etc/containers/registries.conf");
  assert_string_equal (auth, "/env/auth.json");
  assert_string_equal (policy, "/set/policy.json");

  g_object_set (ctx, "storage-conf", "/p/storage.conf", "containers-conf", "/p/c.conf",
                "certs-dir", "/p/certs.d", "registries-conf-dir", "/p/r.d",
                "registries-conf", "/p/r.conf", "auth-file", "/p/auth.json", NULL);
  assert_owned_path (lc_context_dup_storage_conf (ctx), "/p/storage.conf");
  assert_owned_path (lc_context_dup_containers_conf (ctx), "/p/c.conf");
  assert_owned_path (lc_context_dup_certs_dir (ctx), "/p/certs.d");
  assert_owned_path (lc_context_dup_registries_conf_dir (ctx), "/p/r.d");
  assert_owned_path (lc_context_dup_registries_conf (ctx), "/p/r.conf");
  assert_owned_path (lc_context_dup_auth_file (ctx), "/p/auth.json");
}

static void
count_notify (GObject *object, GParamSpec *pspec, gpointer user_data)
{
  GHashTable *counts = user_data;
  guint n = GPOINTER_TO_UINT (g_hash_table_lookup (counts, pspec->name));

  (void) object;
  g_hash_table_insert (counts, (gpointer) pspec->name, GUINT_TO_POINTER (n + 1));
}

static guint
count_of (GHashTable *counts, const char *name)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (counts, name));
}

static void
test_context_notifies_only_real_changes (void **state)
{
  g_autoptr(LcContext) ctx = lc_context_new ();
  g_autoptr(GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);

  (void) state;
  g_signal_connect (ctx, "notify", G_CALLBACK (count_notify), counts);

  lc_context_set_root (ctx, "/a");
  lc_context_set_root (ctx, "/a");
  assert_int_equal (count_of (counts, "root"), 1);

  lc_context_set_rootless (ctx, !lc_context_get_rootless (ctx));
  lc_context_set_rootless (ctx, lc_context_get_rootless (ctx));
  assert_int_equal (count_of (counts, "rootless"), 1);

  lc_context_set_user_agent (ctx, "x/1");
  lc_context_set_user_agent (ctx, "x/1");
  assert_int_equal (count_of (counts, "user-agent"), 1);

  lc_context_set_auth_file (ctx, "/auth.json");
  lc_context_set_auth_file (ctx, "/auth.json");
  lc_context_set_auth_file (ctx, NULL);
  assert_int_equal (count_of (counts, "auth-file"), 2);

  lc_context_set_registries_conf (ctx, "/r.conf");
  lc_context_set_registries_conf_dir (ctx, "/r.d");
  lc_context_set_policy_path (ctx, "/policy.json");
  lc_context_set_certs_dir (ctx, "/certs.d");
  lc_context_set_storage_conf (ctx, "/storage.conf");
  lc_context_set_containers_conf (ctx, "/containers.conf");
  assert_int_equal (count_of (counts, "registries-conf"), 1);
  assert_int_equal (count_of (counts, "registries-conf-dir"), 1);
  assert_int_equal (count_of (counts, "policy-path"), 1);
  assert_int_equal (count_of (counts, "certs-dir"), 1);
  assert_int_equal (count_of (counts, "storage-conf"), 1);
  assert_int_equal (count_of (counts, "containers-conf"), 1);

  g_object_set (ctx, "root", "/b", NULL);
  assert_int_equal (count_of (counts, "root"), 2);
}

static void
test_context_is_a_final_gobject_type (void **state)
{
  GType type = lc_context_get_type ();
  g_autoptr(LcContext) ctx = lc_context_new ();

  (void) state;
  assert_int_equal (type, LC_TYPE_CONTEXT);
  assert_true (g_type_is_a (type, G_TYPE_OBJECT));
  assert_true (G_TYPE_IS_FINAL (type));
  assert_string_equal (g_type_name (type), "LcContext");
  assert_true (G_OBJECT_TYPE (ctx) == type);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_context_new_uses_system_paths_under_root, setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_root_defaults_to_slash, setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_rootless_defaults_to_whether_the_user_is_not_root,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_rootless_uses_user_files_only_when_they_exist,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_rootless_auth_file_is_in_the_runtime_dir,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_new_reads_the_environment, setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_snapshots_the_environment_when_made,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_ignores_empty_environment_variables,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_explicit_setters_win_over_environment_and_defaults,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_setting_null_goes_back_to_environment_or_default,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_user_agent_defaults_to_the_library_version,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_properties_give_the_effective_values,
                                     setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_notifies_only_real_changes, setup, teardown),
    cmocka_unit_test_setup_teardown (test_context_is_a_final_gobject_type, setup, teardown),
  };

  return cmocka_run_group_tests_name ("context", tests, NULL, NULL);
}
