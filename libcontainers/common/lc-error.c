/* lc-error.c: the LC_ERROR domain and the helpers that set it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"

/**
 * lc_error_quark:
 *
 * Returns: the quark of the %LC_ERROR domain
 *
 * Since: 1.0
 */
G_DEFINE_QUARK (lc-error-quark, lc_error)

/**
 * lc_error_is_cancelled:
 * @error: (nullable): an error, or %NULL
 *
 * Whether @error says that the operation was cancelled, either through a
 * #GCancellable (%G_IO_ERROR_CANCELLED) or otherwise (%LC_ERROR_CANCELLED).
 *
 * Returns: %TRUE if @error is a cancellation
 *
 * Since: 1.0
 */
gboolean
lc_error_is_cancelled (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
         g_error_matches (error, LC_ERROR, LC_ERROR_CANCELLED);
}

gboolean
lc_fail (GError **error, LcError code, const char *format, ...)
{
  va_list args;

  if (error == NULL)
    return FALSE;
  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (LC_ERROR, code, format, args));
  va_end (args);
  return FALSE;
}

static gboolean G_GNUC_PRINTF (3, 0)
fail_errno_valist (GError **error, int errsv, const char *format, va_list args)
{
  g_autofree char *prefix = NULL;

  if (error == NULL)
    return FALSE;
  prefix = g_strdup_vprintf (format, args);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errsv),
               "%s: %s", prefix, g_strerror (errsv));
  return FALSE;
}

gboolean
lc_fail_errno (GError **error, const char *format, ...)
{
  int errsv = errno;   /* before anything below can change it */
  va_list args;

  va_start (args, format);
  fail_errno_valist (error, errsv, format, args);
  va_end (args);
  errno = errsv;
  return FALSE;
}

gboolean
lc_fail_errno_value (GError **error, int errsv, const char *format, ...)
{
  va_list args;

  va_start (args, format);
  fail_errno_valist (error, errsv, format, args);
  va_end (args);
  return FALSE;
}
