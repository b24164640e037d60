/* copy.c: the C side of CopyImage's progress callback (a cgo preamble of a
 * file with //export may only declare, not define).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdint.h>
#include <containers/containers.h>
#include "_cgo_export.h"

static void
progress_trampoline (LcProgress *progress, gpointer user_data)
{
  lcGoProgress (progress, (uintptr_t) user_data);
}

gboolean lc_go_copy_image (LcContext *context, const char *source, const char *destination,
                           LcCopyOptions *options, uintptr_t handle, char **out_digest,
                           GCancellable *cancellable, GError **error);

gboolean
lc_go_copy_image (LcContext *context, const char *source, const char *destination, LcCopyOptions *options,
                  uintptr_t handle, char **out_digest, GCancellable *cancellable, GError **error)
{
  return lc_copy_image (context, source, destination, options, handle ? progress_trampoline : NULL,
                        (gpointer) handle, out_digest, cancellable, error);
}
