/* lc-store.h: LcStore, a containers/storage store shared with podman,
 * buildah and skopeo; LcStoreOptions, what to open.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(LC_INSIDE_CONTAINERS_H) && !defined(LC_COMPILATION)
#error "Only <containers/containers.h> can be included directly."
#endif

#include <gio/gio.h>
#include <containers/lc-version.h>
#include <containers/lc-context.h>
#include <containers/lc-image.h>
#include <containers/lc-layer.h>
#include <containers/lc-storage-container.h>

G_BEGIN_DECLS

typedef struct _LcStoreOptions LcStoreOptions;

#define LC_TYPE_STORE_OPTIONS (lc_store_options_get_type ())

LC_PUBLIC GType           lc_store_options_get_type          (void) G_GNUC_CONST;
LC_PUBLIC LcStoreOptions *lc_store_options_new               (void);
LC_PUBLIC LcStoreOptions *lc_store_options_ref               (LcStoreOptions *self);
LC_PUBLIC void            lc_store_options_unref             (LcStoreOptions *self);
LC_PUBLIC void            lc_store_options_set_graph_root    (LcStoreOptions *self,
                                                              const char     *path);
LC_PUBLIC void            lc_store_options_set_run_root      (LcStoreOptions *self,
                                                              const char     *path);
LC_PUBLIC void            lc_store_options_set_driver        (LcStoreOptions *self,
                                                              const char     *driver);
LC_PUBLIC void            lc_store_options_add_driver_option (LcStoreOptions *self,
                                                              const char     *option);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcStoreOptions, lc_store_options_unref)

#define LC_TYPE_STORE (lc_store_get_type ())
LC_PUBLIC G_DECLARE_FINAL_TYPE (LcStore, lc_store, LC, STORE, GObject)

LC_PUBLIC LcStore    *lc_store_open               (LcContext       *context,
                                                   LcStoreOptions  *options,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC const char *lc_store_get_graph_root     (LcStore         *self);
LC_PUBLIC const char *lc_store_get_run_root       (LcStore         *self);
LC_PUBLIC const char *lc_store_get_driver_name    (LcStore         *self);

LC_PUBLIC GPtrArray  *lc_store_list_layers        (LcStore         *self,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC LcLayer    *lc_store_lookup_layer       (LcStore         *self,
                                                   const char      *id,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC LcLayer    *lc_store_apply_layer        (LcStore         *self,
                                                   const char      *parent,
                                                   GInputStream    *diff,
                                                   const char      *compressed_digest,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_export_layer       (LcStore         *self,
                                                   const char      *id,
                                                   GOutputStream   *output,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_delete_layer       (LcStore         *self,
                                                   const char      *id,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC char       *lc_store_mount_layer        (LcStore         *self,
                                                   const char      *id,
                                                   gboolean         read_only,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_unmount_layer      (LcStore         *self,
                                                   const char      *id,
                                                   gboolean         force,
                                                   GCancellable    *cancellable,
                                                   GError         **error);

LC_PUBLIC GPtrArray  *lc_store_list_images        (LcStore         *self,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC LcImage    *lc_store_lookup_image       (LcStore         *self,
                                                   const char      *name,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC LcImage    *lc_store_create_image       (LcStore         *self,
                                                   const char      *id,
                                                   const char      *top_layer,
                                                   const char * const *names,
                                                   const char      *created,
                                                   const char      *metadata,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_set_image_big_data (LcStore         *self,
                                                   const char      *id,
                                                   const char      *key,
                                                   GBytes          *data,
                                                   const char      *digest,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC GBytes     *lc_store_get_image_big_data (LcStore         *self,
                                                   const char      *id,
                                                   const char      *key,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_add_image_name     (LcStore         *self,
                                                   const char      *id,
                                                   const char      *name,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_remove_image_name  (LcStore         *self,
                                                   const char      *id,
                                                   const char      *name,
                                                   GCancellable    *cancellable,
                                                   GError         **error);
LC_PUBLIC gboolean    lc_store_delete_image       (LcStore         *self,
                                                   const char      *id,
                                                   GCancellable    *cancellable,
                                                   GError         **error);

LC_PUBLIC GPtrArray          *lc_store_list_containers         (LcStore         *self,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC LcStorageContainer *lc_store_lookup_container        (LcStore         *self,
                                                                const char      *id,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC LcStorageContainer *lc_store_create_container        (LcStore         *self,
                                                                const char      *id,
                                                                const char * const *names,
                                                                const char      *image,
                                                                const char      *metadata,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC char               *lc_store_mount_container         (LcStore         *self,
                                                                const char      *id,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC gboolean            lc_store_unmount_container       (LcStore         *self,
                                                                const char      *id,
                                                                gboolean         force,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC gboolean            lc_store_delete_container        (LcStore         *self,
                                                                const char      *id,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC gboolean            lc_store_set_container_big_data  (LcStore         *self,
                                                                const char      *id,
                                                                const char      *key,
                                                                GBytes          *data,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC GBytes             *lc_store_get_container_big_data  (LcStore         *self,
                                                                const char      *id,
                                                                const char      *key,
                                                                GCancellable    *cancellable,
                                                                GError         **error);
LC_PUBLIC char               *lc_store_dup_container_directory (LcStore         *self,
                                                                const char      *id,
                                                                gboolean         run,
                                                                GCancellable    *cancellable,
                                                                GError         **error);

/**
 * LcStoreCheckFlags:
 * @LC_STORE_CHECK_NONE: look at records, directories and files only.
 * @LC_STORE_CHECK_DIGESTS: also rebuild every layer from its tar-split
 *   data and compare the digest and size with its record (slow).
 * @LC_STORE_CHECK_REPAIR: remove what is broken: incomplete layers, layers
 *   whose data or parent is missing (and the layers above them), images
 *   whose layers are gone, containers whose layer or image is gone,
 *   big-data files no record names.
 *
 * What lc_store_check() does.
 *
 * Since: 1.0
 */
typedef enum {
  LC_STORE_CHECK_NONE    = 0,
  LC_STORE_CHECK_DIGESTS = 1 << 0,
  LC_STORE_CHECK_REPAIR  = 1 << 1,
} LcStoreCheckFlags;

LC_PUBLIC GPtrArray          *lc_store_check                   (LcStore         *self,
                                                                LcStoreCheckFlags flags,
                                                                GCancellable    *cancellable,
                                                                GError         **error);

G_END_DECLS
