/* lc-log-private.h: the library's internal logging entry points.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-log.h"

G_BEGIN_DECLS

/* Routes a message to the embedder's LcLogFunc when one is installed and
 * the level passes its filter; otherwise to g_log_structured, which stays
 * silent unless LC_DEBUG or G_MESSAGES_DEBUG asks for it. @component is a
 * short static string: "image", "storage", "registry", ... */
void lc_log (LcLogLevel level, const char *component, const char *format, ...) G_GNUC_PRINTF (3, 4);

#define lc_debug(component, ...)   lc_log (LC_LOG_DEBUG, (component), __VA_ARGS__)
#define lc_info(component, ...)    lc_log (LC_LOG_INFO, (component), __VA_ARGS__)
#define lc_warning(component, ...) lc_log (LC_LOG_WARNING, (component), __VA_ARGS__)

G_END_DECLS
