/* test-error.c: the LC_ERROR domain and the helpers that set it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include <containers/containers.h>
#include "common/lc-error-private.h"

static void
test_error_quark_is_the_lc_error_quark_string (void **state)
{
  (void) state;
  assert_int_equal (lc_error_quark (), LC_ERROR);
  assert_int_not_equal (LC_ERROR, 0);
  assert_string_equal (g_quark_to_string (LC_ERROR), "lc-error-quark");
  assert_int_equal (g_quark_from_static_string ("lc-error-quark"), lc_error_quark ());
}

static void
test_error_codes_keep_their_numbers (void **state)
{
  /* The enum is ABI: codes are appended, never renumbered. */
  (void) state;
  assert_int_equal (LC_ERROR_FAILED, 0);
  assert_int_equal (LC_ERROR_INVALID_ARGUMENT, 1);
  assert_int_equal (LC_ERROR_INVALID_REFERENCE, 2);
  assert_int_equal (LC_ERROR_NOT_FOUND, 3);
  assert_int_equal (LC_ERROR_ALREADY_EXISTS, 4);
  assert_int_equal (LC_ERROR_IO, 5);
  assert_int_equal (LC_ERROR_NETWORK, 6);
  assert_int_equal (LC_ERROR_TLS, 7);
  assert_int_equal (LC_ERROR_UNAUTHORIZED, 8);
  assert_int_equal (LC_ERROR_DIGEST_MISMATCH, 9);
  assert_int_equal (LC_ERROR_UNSUPPORTED, 10);
  assert_int_equal (LC_ERROR_CORRUPT_STORE, 11);
  assert_int_equal (LC_ERROR_LOCKED, 12);
  assert_int_equal (LC_ERROR_CANCELLED, 13);
  assert_int_equal (LC_ERROR_PERMISSION_DENIED, 14);
  assert_int_equal (LC_ERROR_RUNTIME, 15);
  assert_int_equal (LC_ERROR_INVALID_DATA, 16);
  assert_int_equal (LC_ERROR_INVALID_CONFIG, 17);
  assert_int_equal (LC_ERROR_POLICY_DENIED, 18);
  assert_int_equal (LC_ERROR_TIMEOUT, 19);
}

static void
test_error_is_cancelled_matches_gio_and_lc_cancellation (void **state)
{
  g_autoptr(GError) gio = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "stop");
  g_autoptr(GError) lc = g_error_new_literal (LC_ERROR, LC_ERROR_CANCELLED, "killed");
  g_autoptr(GError) other = g_error_new_literal (LC_ERROR, LC_ERROR_TIMEOUT, "slow");
  g_autoptr(GError) other_gio = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "gone");
  g_autoptr(GError) same_code = g_error_new_literal (G_IO_ERROR, LC_ERROR_CANCELLED, "x");

  (void) state;
  assert_true (lc_error_is_cancelled (gio));
  assert_true (lc_error_is_cancelled (lc));
  assert_false (lc_error_is_cancelled (other));
  assert_false (lc_error_is_cancelled (other_gio));
  assert_false (lc_error_is_cancelled (same_code));
  assert_false (lc_error_is_cancelled (NULL));
}

static void
test_error_fail_sets_the_code_and_returns_false (void **state)
{
  g_autoptr(GError) error = NULL;

  (void) state;
  assert_false (lc_fail (&error, LC_ERROR_NOT_FOUND, "image %s not found", "busybox"));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  assert_string_equal (error->message, "image busybox not found");
  assert_false (lc_fail (NULL, LC_ERROR_FAILED, "ignored %d", 1));
}

static void
test_error_fail_errno_uses_gio_codes_and_keeps_errno (void **state)
{
  g_autoptr(GError) error = NULL;

  (void) state;
  errno = ENOENT;
  assert_false (lc_fail_errno (&error, "opening %s", "/nope"));
  assert_int_equal (errno, ENOENT);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
  assert_true (g_str_has_prefix (error->message, "opening /nope: "));
  assert_non_null (strstr (error->message, g_strerror (ENOENT)));

  errno = EACCES;
  assert_false (lc_fail_errno (NULL, "ignored"));
  assert_int_equal (errno, EACCES);
}

static void
test_error_fail_errno_value_uses_the_given_errno (void **state)
{
  g_autoptr(GError) error = NULL;

  (void) state;
  errno = 0;
  assert_false (lc_fail_errno_value (&error, EEXIST, "creating %s", "/x"));
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS));
  assert_true (g_str_has_prefix (error->message, "creating /x: "));
  assert_false (lc_fail_errno_value (NULL, EEXIST, "ignored"));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_error_quark_is_the_lc_error_quark_string),
    cmocka_unit_test (test_error_codes_keep_their_numbers),
    cmocka_unit_test (test_error_is_cancelled_matches_gio_and_lc_cancellation),
    cmocka_unit_test (test_error_fail_sets_the_code_and_returns_false),
    cmocka_unit_test (test_error_fail_errno_uses_gio_codes_and_keeps_errno),
    cmocka_unit_test (test_error_fail_errno_value_uses_the_given_errno),
  };

  return cmocka_run_group_tests_name ("error", tests, NULL, NULL);
}
