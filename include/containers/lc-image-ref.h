/* lc-image-ref.h: LcImageRef, a Docker-style image reference.
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

typedef struct _LcImageRef LcImageRef;

#define LC_TYPE_IMAGE_REF (lc_image_ref_get_type ())

LC_PUBLIC GType       lc_image_ref_get_type           (void) G_GNUC_CONST;
LC_PUBLIC LcImageRef *lc_image_ref_parse              (const char *text,
                                                       GError    **error);
LC_PUBLIC LcImageRef *lc_image_ref_ref                (LcImageRef *self);
LC_PUBLIC void        lc_image_ref_unref              (LcImageRef *self);
LC_PUBLIC const char *lc_image_ref_get_domain         (LcImageRef *self);
LC_PUBLIC const char *lc_image_ref_get_path           (LcImageRef *self);
LC_PUBLIC const char *lc_image_ref_get_tag            (LcImageRef *self);
LC_PUBLIC const char *lc_image_ref_get_digest         (LcImageRef *self);
LC_PUBLIC const char *lc_image_ref_get_name           (LcImageRef *self);
LC_PUBLIC char       *lc_image_ref_to_string          (LcImageRef *self);
LC_PUBLIC char       *lc_image_ref_to_familiar_string (LcImageRef *self);
LC_PUBLIC LcImageRef *lc_image_ref_with_tag           (LcImageRef *self,
                                                       const char *tag,
                                                       GError    **error);
LC_PUBLIC LcImageRef *lc_image_ref_with_digest        (LcImageRef *self,
                                                       const char *digest,
                                                       GError    **error);
LC_PUBLIC gboolean    lc_image_ref_equal              (LcImageRef *a,
                                                       LcImageRef *b);
LC_PUBLIC guint       lc_image_ref_hash               (LcImageRef *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcImageRef, lc_image_ref_unref)

G_END_DECLS
