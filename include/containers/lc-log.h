/* lc-log.h: routing the library's log messages to the embedder.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(LC_INSIDE_CONTAINERS_H) && !defined(LC_COMPILATION)
#error "Only <containers/containers.h> can be included directly."
#endif

#include <glib.h>
#include <containers/lc-version.h>

G_BEGIN_DECLS

/**
 * LcLogLevel:
 * @LC_LOG_ERROR: something failed that the library could not report as a
 *   #GError (a cleanup that failed after the result was decided).
 * @LC_LOG_WARNING: something looks wrong but work goes on (a malformed
 *   drop-in file that was skipped, a retry).
 * @LC_LOG_INFO: a step a user may want to see (a resolved short name, the
 *   platform chosen from a list).
 * @LC_LOG_DEBUG: details for whoever debugs the library.
 *
 * Levels of log messages, most severe first: a handler installed for a
 * level receives that level and all more severe ones.
 *
 * Since: 1.0
 */
typedef enum {
  LC_LOG_ERROR,
  LC_LOG_WARNING,
  LC_LOG_INFO,
  LC_LOG_DEBUG,
} LcLogLevel;

/**
 * LcLogFunc:
 * @level: the message's level
 * @component: the part of the library that speaks: "image", "registry",
 *   "storage", "runtime", ...
 * @message: the message, without a trailing newline
 * @user_data: the data passed to lc_set_log_func()
 *
 * A log handler. It may be called from any thread that runs library code,
 * so it must be thread-safe; it must not call back into libcontainers.
 *
 * Since: 1.0
 */
typedef void (*LcLogFunc) (LcLogLevel  level,
                           const char *component,
                           const char *message,
                           gpointer    user_data);

LC_PUBLIC void lc_set_log_func (LcLogLevel     max_level,
                                LcLogFunc      func,
                                gpointer       user_data,
                                GDestroyNotify destroy);

G_END_DECLS
