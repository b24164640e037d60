/* lc-error-private.h: one-line error helpers used throughout the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <errno.h>
#include <gio/gio.h>
#include "containers/lc-error.h"

G_BEGIN_DECLS

/* Sets @error in the LC_ERROR domain and returns FALSE, so that a failing
 * path is one line: `return lc_fail (error, LC_ERROR_NOT_FOUND, "…", x);` */
gboolean lc_fail (GError **error, LcError code, const char *format, ...) G_GNUC_PRINTF (3, 4);

/* Sets a G_IO_ERROR from errno (saved before anything else can change it),
 * with the message "<prefix>: <strerror>", and returns FALSE. */
gboolean lc_fail_errno (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

/* Same, from an explicit errno value. */
gboolean lc_fail_errno_value (GError **error, int errsv, const char *format, ...) G_GNUC_PRINTF (3, 4);

G_END_DECLS
