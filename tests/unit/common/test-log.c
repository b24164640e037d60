/* test-log.c: lc_set_log_func() and the library's internal lc_log().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <containers/containers.h>
#include "common/lc-log-private.h"

static const char *self_path;

typedef struct {
  GPtrArray *lines;      /* "level component message" */
  guint destroyed;
} Recorder;

static void
record (LcLogLevel level, const char *component, const char *message, gpointer user_data)
{
  Recorder *r = user_data;

  g_ptr_array_add (r->lines, g_strdup_printf ("%d %s %s", (int) level, component, message));
}

static void
recorder_destroy (gpointer user_data)
{
  Recorder *r = user_data;

  r->destroyed++;
}

static void
recorder_init (Recorder *r)
{
  r->lines = g_ptr_array_new_with_free_func (g_free);
  r->destroyed = 0;
}

static void
recorder_clear (Recorder *r)
{
  g_clear_pointer (&r->lines, g_ptr_array_unref);
}

/* Every test leaves the default handler installed. */
static int
reset_handler (void **state)
{
  (void) state;
  lc_set_log_func (LC_LOG_WARNING, NULL, NULL, NULL);
  return 0;
}

static void
test_log_handler_receives_messages_at_and_under_its_level (void **state)
{
  Recorder r;

  (void) state;
  recorder_init (&r);
  lc_set_log_func (LC_LOG_INFO, record, &r, NULL);
  lc_log (LC_LOG_ERROR, "storage", "error %d", 1);
  lc_log (LC_LOG_WARNING, "image", "warning %s", "two");
  lc_info ("registry", "info %c", '3');
  lc_debug ("image", "debug, not shown");
  lc_warning ("runtime", "%s", "via the macro");
  lc_set_log_func (LC_LOG_WARNING, NULL, NULL, NULL);

  assert_int_equal (r.lines->len, 4);
  assert_string_equal (g_ptr_array_index (r.lines, 0), "0 storage error 1");
  assert_string_equal (g_ptr_array_index (r.lines, 1), "1 image warning two");
  assert_string_equal (g_ptr_array_index (r.lines, 2), "2 registry info 3");
  assert_string_equal (g_ptr_array_index (r.lines, 3), "1 runtime via the macro");
  recorder_clear (&r);
}

static void
test_log_handler_at_debug_receives_everything (void **state)
{
  Recorder r;

  (void) state;
  recorder_init (&r);
  lc_set_log_func (LC_LOG_DEBUG, record, &r, NULL);
  lc_log (LC_LOG_ERROR, "a", "1");
  lc_log (LC_LOG_WARNING, "a", "2");
  lc_log (LC_LOG_INFO, "a", "3");
  lc_log (LC_LOG_DEBUG, "a", "4");
  lc_set_log_func (LC_LOG_WARNING, NULL, NULL, NULL);
  assert_int_equal (r.lines->len, 4);
  recorder_clear (&r);
}

static void
test_log_handler_at_error_receives_only_errors (void **state)
{
  Recorder r;

  (void) state;
  recorder_init (&r);
  lc_set_log_func (LC_LOG_ERROR, record, &r, NULL);
  lc_log (LC_LOG_ERROR, "a", "kept");
  lc_log (LC_LOG_WARNING, "a", "dropped");
  lc_log (LC_LOG_INFO, "a", "dropped");
  lc_log (LC_LOG_DEBUG, "a", "dropped");
  lc_set_log_func (LC_LOG_WARNING, NULL, NULL, NULL);
  assert_int_equal (r.lines->len, 1);
  assert_string_equal (g_ptr_array_index (r.lines, 0), "0 a kept");
  recorder_clear (&r);
}

static void
test_log_destroy_notify_runs_when_the_handler_is_replaced (void **state)
{
  Recorder first, second;

  (void) state;
  recorder_init (&first);
  recorder_init (&second);
  lc_set_log_func (LC_LOG_DEBUG, record, &first, recorder_destroy);
  assert_int_equal (first.destroyed, 0);

  lc_set_log_func (LC_LOG_DEBUG, record, &second, recorder_destroy);
  assert_int_equal (first.destroyed, 1);
  assert_int_equal (second.destroyed, 0);
  lc_log (LC_LOG_INFO, "x", "to second");
  assert_int_equal (first.lines->len, 0);
  assert_int_equal (second.lines->len, 1);

  /* Going back to the default releases the last handler's data too. */
  lc_set_log_func (LC_LOG_WARNING, NULL, NULL, NULL);
  assert_int_equal (first.destroyed, 1);
  assert_int_equal (second.destroyed, 1);
  lc_log (LC_LOG_ERROR, "x", "to nobody");
  assert_int_equal (second.lines->len, 1);

  recorder_clear (&first);
  recorder_clear (&second);
}

static void
test_log_null_handler_goes_back_to_the_default (void **state)
{
  Recorder r;

  (void) state;
  recorder_init (&r);
  lc_set_log_func (LC_LOG_DEBUG, record, &r, NULL);
  lc_set_log_func (LC_LOG_DEBUG, NULL, &r, NULL);
  lc_log (LC_LOG_ERROR, "x", "dropped");
  assert_int_equal (r.lines->len, 0);
  recorder_clear (&r);
}

/* Runs @fn with stderr going to a file and returns what was written. */
static char *
capture_stderr (void (*fn) (void))
{
  g_autofree char *path = NULL;
  int fd = g_file_open_tmp ("lc-test-log-XXXXXX", &path, NULL);
  int saved = dup (STDERR_FILENO);
  char *contents = NULL;

  assert_true (fd >= 0 && saved >= 0);
  fflush (stderr);
  assert_int_equal (dup2 (fd, STDERR_FILENO), STDERR_FILENO);
  fn ();
  fflush (stderr);
  assert_int_equal (dup2 (saved, STDERR_FILENO), STDERR_FILENO);
  close (saved);
  close (fd);
  assert_true (g_file_get_contents (path, &contents, NULL, NULL));
  unlink (path);
  return contents;
}

static void
log_every_level (void)
{
  lc_log (LC_LOG_ERROR, "image", "an error");
  lc_log (LC_LOG_WARNING, "image", "a warning");
  lc_log (LC_LOG_INFO, "image", "some info");
  lc_log (LC_LOG_DEBUG, "image", "a detail");
}

static void
test_log_default_handler_is_silent_without_lc_debug (void **state)
{
  g_autofree char *written = NULL;

  (void) state;
  written = capture_stderr (log_every_level);
  assert_string_equal (written, "");
}

static void
test_log_default_handler_writes_to_stderr_with_lc_debug (void **state)
{
  /* LC_DEBUG is read once per process, so a child process shows it. */
  const char *argv[] = { self_path, "--emit-log", NULL };
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "LC_DEBUG", "info", TRUE);
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  int status = -1;

  (void) state;
  assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                             &out, &err, &status, &error));
  assert_null (error);
  assert_true (g_spawn_check_wait_status (status, NULL));
  assert_non_null (strstr (err, " error image: an error\n"));
  assert_non_null (strstr (err, " warning image: a warning\n"));
  assert_non_null (strstr (err, " info image: some info\n"));
  assert_null (strstr (err, "a detail"));
  assert_true (g_str_has_prefix (err, "libcontainers["));
}

static gpointer
log_from_thread (gpointer data)
{
  (void) data;
  for (int i = 0; i < 200; i++)
    lc_log (LC_LOG_INFO, "thread", "message %d", i);
  return NULL;
}

static void
count_calls (LcLogLevel level, const char *component, const char *message, gpointer user_data)
{
  (void) level;
  (void) component;
  (void) message;
  g_atomic_int_inc ((gint *) user_data);
}

static void
test_log_handler_may_be_called_from_many_threads (void **state)
{
  gint calls = 0;
  GThread *threads[4];

  (void) state;
  lc_set_log_func (LC_LOG_INFO, count_calls, &calls, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    threads[i] = g_thread_new ("log", log_from_thread, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (threads); i++)
    g_thread_join (threads[i]);
  lc_set_log_func (LC_LOG_WARNING, NULL, NULL, NULL);
  assert_int_equal (g_atomic_int_get (&calls), 4 * 200);
}

int
main (int argc, char **argv)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_teardown (test_log_handler_receives_messages_at_and_under_its_level,
                               reset_handler),
    cmocka_unit_test_teardown (test_log_handler_at_debug_receives_everything, reset_handler),
    cmocka_unit_test_teardown (test_log_handler_at_error_receives_only_errors, reset_handler),
    cmocka_unit_test_teardown (test_log_destroy_notify_runs_when_the_handler_is_replaced,
                               reset_handler),
    cmocka_unit_test_teardown (test_log_null_handler_goes_back_to_the_default, reset_handler),
    cmocka_unit_test_teardown (test_log_default_handler_is_silent_without_lc_debug,
                               reset_handler),
    cmocka_unit_test_teardown (test_log_default_handler_writes_to_stderr_with_lc_debug,
                               reset_handler),
    cmocka_unit_test_teardown (test_log_handler_may_be_called_from_many_threads, reset_handler),
  };

  if (argc == 2 && g_str_equal (argv[1], "--emit-log"))
    {
      log_every_level ();
      return 0;
    }
  self_path = argv[0];
  /* The default handler must be tested as a user gets it. */
  g_unsetenv ("LC_DEBUG");
  return cmocka_run_group_tests_name ("log", tests, NULL, NULL);
}
