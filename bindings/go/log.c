/* log.c: the C side of SetLogFunc. It lives in its own file because a cgo
 * preamble of a file with //export may only declare, not define.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <containers/containers.h>
#include "_cgo_export.h"

static void
log_trampoline (LcLogLevel level, const char *component, const char *message, gpointer user_data)
{
  lcGoLog (level, (char *) component, (char *) message, user_data);
}

void lc_go_set_log_func (LcLogLevel max_level, uintptr_t handle);

void
lc_go_set_log_func (LcLogLevel max_level, uintptr_t handle)
{
  lc_set_log_func (max_level, log_trampoline, (gpointer) handle, lcGoLogDestroy);
}
