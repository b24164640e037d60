/* lc-progress-private.h: the fields of an LcProgress event.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "containers/lc-copy.h"

G_BEGIN_DECLS

struct _LcProgress
{
  LcCopyPhase phase;
  LcBlobKind kind;
  char *digest;
  guint64 bytes_done;
  guint64 bytes_total;
};

LcProgress *lc_progress_new (LcCopyPhase phase, LcBlobKind kind, const char *digest, guint64 done,
                             guint64 total);

G_END_DECLS
