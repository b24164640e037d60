/* lc-layer.h: LcLayer, a snapshot of one layer record of a store.
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

typedef struct _LcLayer LcLayer;

#define LC_TYPE_LAYER (lc_layer_get_type ())

LC_PUBLIC GType       lc_layer_get_type              (void) G_GNUC_CONST;
LC_PUBLIC LcLayer    *lc_layer_ref                   (LcLayer *self);
LC_PUBLIC void        lc_layer_unref                 (LcLayer *self);
LC_PUBLIC const char *lc_layer_get_id                (LcLayer *self);
LC_PUBLIC const char *lc_layer_get_parent            (LcLayer *self);
LC_PUBLIC const char *lc_layer_get_created           (LcLayer *self);
LC_PUBLIC const char *lc_layer_get_diff_digest       (LcLayer *self);
LC_PUBLIC gint64      lc_layer_get_diff_size         (LcLayer *self);
LC_PUBLIC const char *lc_layer_get_compressed_digest (LcLayer *self);
LC_PUBLIC gint64      lc_layer_get_compressed_size   (LcLayer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcLayer, lc_layer_unref)

G_END_DECLS
