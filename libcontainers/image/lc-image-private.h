/* lc-image-private.h: opening an image by its TRANSPORT:REFERENCE name.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "image/lc-transport-private.h"

G_BEGIN_DECLS

/* @options may be NULL (defaults). */
LcImageSource *lc_image_open_source (LcContext *context, const char *image, LcCopyOptions *options,
                                     GCancellable *cancellable, GError **error);

G_END_DECLS
