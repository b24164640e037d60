/* lc-storage-container.h: LcStorageContainer, a snapshot of one container
 * record of a store (containers.json): a read-write layer on an image.
 * (LcContainer, the running container of libpod, is another thing.)
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

typedef struct _LcStorageContainer LcStorageContainer;

#define LC_TYPE_STORAGE_CONTAINER (lc_storage_container_get_type ())

LC_PUBLIC GType               lc_storage_container_get_type           (void) G_GNUC_CONST;
LC_PUBLIC LcStorageContainer *lc_storage_container_ref                (LcStorageContainer *self);
LC_PUBLIC void                lc_storage_container_unref              (LcStorageContainer *self);
LC_PUBLIC const char         *lc_storage_container_get_id             (LcStorageContainer *self);
LC_PUBLIC const char * const *lc_storage_container_get_names          (LcStorageContainer *self);
LC_PUBLIC const char         *lc_storage_container_get_image_id       (LcStorageContainer *self);
LC_PUBLIC const char         *lc_storage_container_get_layer_id       (LcStorageContainer *self);
LC_PUBLIC const char         *lc_storage_container_get_metadata       (LcStorageContainer *self);
LC_PUBLIC const char         *lc_storage_container_get_created        (LcStorageContainer *self);
LC_PUBLIC const char * const *lc_storage_container_get_big_data_names (LcStorageContainer *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcStorageContainer, lc_storage_container_unref)

G_END_DECLS
