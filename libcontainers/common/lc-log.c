/* lc-log.c: the one process-wide hook of the library, for log messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "common/lc-log-private.h"

/* The handler is process-wide because log routing is: an embedder installs
 * one at start-up. Everything else in the library hangs off a handle. */
static GRWLock log_lock;
static LcLogFunc log_func;
static gpointer log_user_data;
static GDestroyNotify log_destroy;
static LcLogLevel log_max_level = LC_LOG_WARNING;

static const char *
level_name (LcLogLevel level)
{
  switch (level)
    {
    case LC_LOG_ERROR: return "error";
    case LC_LOG_WARNING: return "warning";
    case LC_LOG_INFO: return "info";
    case LC_LOG_DEBUG: return "debug";
    default: return "log";
    }
}

/* LC_DEBUG=1 (or "debug") shows everything; "info", "warning" and "error"
 * set the threshold. Unset, the default handler says nothing at all. */
static int
env_threshold (void)
{
  static gsize once = 0;
  static int threshold = -1;

  if (g_once_init_enter (&once))
    {
      const char *v = g_getenv ("LC_DEBUG");

      if (v == NULL || *v == '\0' || g_str_equal (v, "0"))
        threshold = -1;
      else if (g_ascii_strcasecmp (v, "error") == 0)
        threshold = LC_LOG_ERROR;
      else if (g_ascii_strcasecmp (v, "warning") == 0)
        threshold = LC_LOG_WARNING;
      else if (g_ascii_strcasecmp (v, "info") == 0)
        threshold = LC_LOG_INFO;
      else
        threshold = LC_LOG_DEBUG;
      g_once_init_leave (&once, 1);
    }
  return threshold;
}

/**
 * lc_set_log_func:
 * @max_level: the least severe level @func receives
 * @func: (nullable) (scope notified) (closure user_data) (destroy destroy):
 *   the handler, or %NULL to go back to the default
 * @user_data: data passed to @func
 * @destroy: (nullable): called on @user_data when the handler is replaced
 *
 * Installs a handler for the library's log messages. The library never
 * prints: without a handler, messages are dropped unless the environment
 * variable `LC_DEBUG` is set (`1` or `debug`, `info`, `warning`, `error`),
 * in which case they go to standard error. What a call reports as a
 * #GError is not logged as well.
 *
 * Thread safety: may be called from any thread. Handlers run under a
 * reader lock that this call takes as a writer, so when it returns no
 * thread is still inside the previous handler, and @destroy can free what
 * it used.
 *
 * Since: 1.0
 */
void
lc_set_log_func (LcLogLevel max_level, LcLogFunc func, gpointer user_data,
                 GDestroyNotify destroy)
{
  gpointer old_data;
  GDestroyNotify old_destroy;

  g_rw_lock_writer_lock (&log_lock);
  old_data = log_user_data;
  old_destroy = log_destroy;
  log_func = func;
  log_user_data = user_data;
  log_destroy = destroy;
  log_max_level = max_level;
  g_rw_lock_writer_unlock (&log_lock);

  if (old_destroy != NULL)
    old_destroy (old_data);
}

void
lc_log (LcLogLevel level, const char *component, const char *format, ...)
{
  g_autofree char *message = NULL;
  int threshold = env_threshold ();
  va_list args;

  g_rw_lock_reader_lock (&log_lock);
  if (log_func != NULL ? level > log_max_level : (int) level > threshold)
    {
      g_rw_lock_reader_unlock (&log_lock);
      return;
    }

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (log_func != NULL)
    {
      log_func (level, component, message, log_user_data);
      g_rw_lock_reader_unlock (&log_lock);
      return;
    }
  g_rw_lock_reader_unlock (&log_lock);

  {
    /* One write(2) per line, so lines of concurrent threads do not mix. */
    g_autofree char *line = g_strdup_printf ("libcontainers[%d] %s %s: %s\n",
                                             (int) getpid (), level_name (level),
                                             component, message);
    ssize_t r = write (STDERR_FILENO, line, strlen (line));
    (void) r;
  }
}
