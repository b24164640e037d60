/* test-lockfile.c: fcntl locks and last-writer tokens, against a second
 * process that locks the way Go's containers/storage does (classic POSIX
 * record locks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/wait.h>

#include "common/lc-error-private.h"
#include "storage/lc-lockfile-private.h"
#include "storage-test-util.h"

/* Another process (python3's fcntl.lockf: classic POSIX record locks over
 * the whole file, as Go's containers/storage takes them) tries @type
 * without waiting; returns 0 if it got the lock, 1 on a conflict. Spawned,
 * not forked, so that valgrind checks only this process. */
static int
child_try_posix_lock (const char *path, short type)
{
  const char *argv[] = { "python3", "-c",
    "import fcntl, sys\n"
    "f = open(sys.argv[1], 'r+')\n"
    "try:\n"
    "    fcntl.lockf(f, (fcntl.LOCK_EX if sys.argv[2] == 'w' else fcntl.LOCK_SH) | fcntl.LOCK_NB)\n"
    "except OSError:\n"
    "    sys.exit(1)\n",
    path, type == F_WRLCK ? "w" : "r", NULL };
  int status = 0;

  g_assert (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, NULL));
  return WIFEXITED (status) ? WEXITSTATUS (status) : 2;
}

static void
test_lockfile_excludes_another_process (void **state)
{
  g_autofree char *dir = test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "sub", "layers.lock", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcLockfile) lock = lc_lockfile_open (path, FALSE, &error);
  struct stat st;

  (void) state;
  assert_non_null (lock);
  assert_int_equal (stat (path, &st), 0);
  assert_int_equal (st.st_mode & 0777, 0644);

  assert_int_equal (child_try_posix_lock (path, F_WRLCK), 0);
  assert_true (lc_lockfile_lock (lock, TRUE, NULL, &error));
  assert_int_equal (child_try_posix_lock (path, F_RDLCK), 1);
  assert_int_equal (child_try_posix_lock (path, F_WRLCK), 1);
  lc_lockfile_unlock (lock);

  assert_true (lc_lockfile_lock (lock, FALSE, NULL, &error));
  assert_int_equal (child_try_posix_lock (path, F_RDLCK), 0);
  assert_int_equal (child_try_posix_lock (path, F_WRLCK), 1);
  /* recursion */
  assert_true (lc_lockfile_lock (lock, FALSE, NULL, &error));
  lc_lockfile_unlock (lock);
  assert_int_equal (child_try_posix_lock (path, F_WRLCK), 1);
  lc_lockfile_unlock (lock);
  assert_int_equal (child_try_posix_lock (path, F_WRLCK), 0);
  test_rmdir (g_steal_pointer (&dir));
}

static void
test_lockfile_waits_for_a_posix_lock_holder (void **state)
{
  g_autofree char *dir = test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "images.lock", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcLockfile) lock = lc_lockfile_open (path, FALSE, &error);
  int pipefd[2];
  pid_t pid;
  char c;
  gint64 t0;

  (void) state;
  {
    const char *argv[] = { "python3", "-c",
      "import fcntl, sys, time\n"
      "f = open(sys.argv[1], 'r+')\n"
      "fcntl.lockf(f, fcntl.LOCK_EX)\n"
      "print('x', flush=True)\n"
      "time.sleep(0.3)\n",
      path, NULL };
    int out = -1;
    assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD,
                                           NULL, NULL, &pid, NULL, &out, NULL, NULL));
    pipefd[0] = out;
    pipefd[1] = -1;
  }
  assert_int_equal (read (pipefd[0], &c, 1), 1);
  assert_false (lc_lockfile_try_lock (lock, FALSE, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_LOCKED));
  g_clear_error (&error);
  t0 = g_get_monotonic_time ();
  assert_true (lc_lockfile_lock (lock, TRUE, NULL, &error));
  assert_true (g_get_monotonic_time () - t0 > 100 * 1000);
  lc_lockfile_unlock (lock);
  waitpid (pid, NULL, 0);
  close (pipefd[0]);
  test_rmdir (g_steal_pointer (&dir));
}

static void
test_lockfile_token_shows_other_writers (void **state)
{
  g_autofree char *dir = test_mkdtemp ();
  g_autofree char *path = g_build_filename (dir, "containers.lock", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcLockfile) a = lc_lockfile_open (path, FALSE, &error);
  g_autoptr(LcLockfile) b = lc_lockfile_open (path, FALSE, &error);
  gboolean modified = FALSE;
  guint8 token[LC_LOCKFILE_TOKEN_SIZE];
  g_autofree char *content = NULL;
  gsize len = 0;
  guint32 pid;

  (void) state;
  /* An empty lock file (never written) always counts as modified. */
  assert_true (lc_lockfile_lock (a, FALSE, NULL, &error));
  assert_true (lc_lockfile_modified (a, &modified, &error));
  assert_true (modified);
  lc_lockfile_unlock (a);

  assert_true (lc_lockfile_lock (b, TRUE, NULL, &error));
  assert_true (lc_lockfile_touch (b, &error));
  assert_true (lc_lockfile_modified (b, &modified, &error));
  assert_false (modified);   /* own write */
  lc_lockfile_unlock (b);

  assert_true (lc_lockfile_lock (a, FALSE, NULL, &error));
  assert_true (lc_lockfile_modified (a, &modified, &error));
  assert_true (modified);    /* b wrote */
  assert_true (lc_lockfile_modified (a, &modified, &error));
  assert_false (modified);   /* nothing new since */
  lc_lockfile_unlock (a);

  /* 64 bytes: time, counter, pid (little endian), random. */
  assert_true (g_file_get_contents (path, &content, &len, NULL));
  assert_int_equal (len, LC_LOCKFILE_TOKEN_SIZE);
  memcpy (&pid, content + 16, 4);
  assert_int_equal (GUINT32_FROM_LE (pid), getpid ());
  lc_lockfile_new_token (token);
  assert_memory_not_equal (token, content, LC_LOCKFILE_TOKEN_SIZE);

  /* Writing a token needs the exclusive lock; upgrading is refused. */
  assert_true (lc_lockfile_lock (a, FALSE, NULL, &error));
  assert_false (lc_lockfile_lock (a, TRUE, NULL, &error));
  g_clear_error (&error);
  lc_lockfile_unlock (a);
  test_rmdir (g_steal_pointer (&dir));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_lockfile_excludes_another_process),
    cmocka_unit_test (test_lockfile_waits_for_a_posix_lock_holder),
    cmocka_unit_test (test_lockfile_token_shows_other_writers),
  };
  return cmocka_run_group_tests_name ("lockfile", tests, NULL, NULL);
}
