/* test-version.c: the version macros and the version of the loaded library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <containers/containers.h>

static void
test_version_string_matches_the_headers (void **state)
{
  (void) state;
  assert_string_equal (lc_version (), LC_VERSION_S);
}

static void
test_version_numbers_match_the_headers (void **state)
{
  (void) state;
  assert_int_equal (lc_get_major_version (), LC_MAJOR_VERSION);
  assert_int_equal (lc_get_minor_version (), LC_MINOR_VERSION);
  assert_int_equal (lc_get_micro_version (), LC_MICRO_VERSION);
}

static void
test_version_string_is_major_minor_micro (void **state)
{
  g_autofree char *expected = g_strdup_printf ("%u.%u.%u", lc_get_major_version (),
                                               lc_get_minor_version (), lc_get_micro_version ());

  (void) state;
  assert_string_equal (lc_version (), expected);
  assert_int_equal (lc_get_major_version (), 1);   /* the SONAME major, for the life of the ABI */
}

static void
test_version_check_macro_compares_versions (void **state)
{
  (void) state;
  assert_true (LC_CHECK_VERSION (0, 0, 0));
  assert_true (LC_CHECK_VERSION (1, 0, 0));
  assert_true (LC_CHECK_VERSION (LC_MAJOR_VERSION, LC_MINOR_VERSION, LC_MICRO_VERSION));
  assert_false (LC_CHECK_VERSION (LC_MAJOR_VERSION, LC_MINOR_VERSION, LC_MICRO_VERSION + 1));
  assert_false (LC_CHECK_VERSION (LC_MAJOR_VERSION, LC_MINOR_VERSION + 1, 0));
  assert_false (LC_CHECK_VERSION (LC_MAJOR_VERSION + 1, 0, 0));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_version_string_matches_the_headers),
    cmocka_unit_test (test_version_numbers_match_the_headers),
    cmocka_unit_test (test_version_string_is_major_minor_micro),
    cmocka_unit_test (test_version_check_macro_compares_versions),
  };

  return cmocka_run_group_tests_name ("version", tests, NULL, NULL);
}
