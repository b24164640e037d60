/* lc-image.h: LcImage, a snapshot of one image record of a store.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(LC_INSIDE_CONTAINERS_H) && !defined(LC_COMPILATION)
#error "Only <containers/containers.h> can be included directly."
#endif

#include <glib-object.h>
#include <containers/lc-version.h>

G_BEGIN_DECLS

typedef struct _LcImage LcImage;

#define LC_TYPE_IMAGE (lc_image_get_type ())

LC_PUBLIC GType               lc_image_get_type           (void) G_GNUC_CONST;
LC_PUBLIC LcImage            *lc_image_ref                (LcImage *self);
LC_PUBLIC void                lc_image_unref              (LcImage *self);
LC_PUBLIC const char         *lc_image_get_id             (LcImage *self);
LC_PUBLIC const char * const *lc_image_get_names          (LcImage *self);
LC_PUBLIC const char * const *lc_image_get_names_history  (LcImage *self);
LC_PUBLIC const char         *lc_image_get_digest         (LcImage *self);
LC_PUBLIC const char         *lc_image_get_top_layer      (LcImage *self);
LC_PUBLIC const char         *lc_image_get_created        (LcImage *self);
LC_PUBLIC const char         *lc_image_get_metadata       (LcImage *self);
LC_PUBLIC const char * const *lc_image_get_big_data_names (LcImage *self);
LC_PUBLIC gint64              lc_image_get_size           (LcImage *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcImage, lc_image_unref)

G_END_DECLS
