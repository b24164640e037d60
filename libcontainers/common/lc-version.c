/* lc-version.c: the version of the library actually loaded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "containers/lc-version.h"

/**
 * lc_version:
 *
 * The version of the libcontainers library the program runs with, which
 * may be newer than %LC_VERSION_S, the one it was compiled against.
 *
 * Returns: (transfer none): the version, such as "1.0.0"
 *
 * Since: 1.0
 */
const char *
lc_version (void)
{
  return LC_VERSION_S;
}

/**
 * lc_get_major_version:
 *
 * Returns: the major version of the library the program runs with
 *
 * Since: 1.0
 */
guint
lc_get_major_version (void)
{
  return LC_MAJOR_VERSION;
}

/**
 * lc_get_minor_version:
 *
 * Returns: the minor version of the library the program runs with
 *
 * Since: 1.0
 */
guint
lc_get_minor_version (void)
{
  return LC_MINOR_VERSION;
}

/**
 * lc_get_micro_version:
 *
 * Returns: the micro version of the library the program runs with
 *
 * Since: 1.0
 */
guint
lc_get_micro_version (void)
{
  return LC_MICRO_VERSION;
}
