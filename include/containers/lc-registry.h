/* lc-registry.h: registry operations that are not image copies: log in
 * and out, list the tags of a repository, delete an image; and
 * LcRegistryOptions, the per-call settings of a registry connection.
 *
 * Thread safety: LcRegistryOptions may be shared between threads once it
 * is no longer modified; the functions are reentrant.
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
#include <containers/lc-image-ref.h>

G_BEGIN_DECLS

typedef struct _LcRegistryOptions LcRegistryOptions;

#define LC_TYPE_REGISTRY_OPTIONS (lc_registry_options_get_type ())

LC_PUBLIC GType              lc_registry_options_get_type          (void) G_GNUC_CONST;
LC_PUBLIC LcRegistryOptions *lc_registry_options_new               (void);
LC_PUBLIC LcRegistryOptions *lc_registry_options_ref               (LcRegistryOptions *self);
LC_PUBLIC void               lc_registry_options_unref             (LcRegistryOptions *self);
LC_PUBLIC void               lc_registry_options_set_tls_verify    (LcRegistryOptions *self,
                                                                    gboolean           tls_verify);
LC_PUBLIC void               lc_registry_options_set_cert_dir      (LcRegistryOptions *self,
                                                                    const char        *cert_dir);
LC_PUBLIC void               lc_registry_options_set_auth_file     (LcRegistryOptions *self,
                                                                    const char        *auth_file);
LC_PUBLIC void               lc_registry_options_set_credentials   (LcRegistryOptions *self,
                                                                    const char        *username,
                                                                    const char        *password);
LC_PUBLIC void               lc_registry_options_set_retry_times   (LcRegistryOptions *self,
                                                                    guint              retry_times);
LC_PUBLIC void               lc_registry_options_set_stall_timeout (LcRegistryOptions *self,
                                                                    guint              seconds);

LC_PUBLIC gboolean           lc_registry_login                     (LcContext         *context,
                                                                    const char        *registry,
                                                                    const char        *username,
                                                                    const char        *password,
                                                                    LcRegistryOptions *options,
                                                                    GCancellable      *cancellable,
                                                                    GError           **error);
LC_PUBLIC gboolean           lc_registry_logout                    (LcContext         *context,
                                                                    const char        *registry,
                                                                    LcRegistryOptions *options,
                                                                    GError           **error);
LC_PUBLIC gboolean           lc_registry_logout_all                (LcContext         *context,
                                                                    LcRegistryOptions *options,
                                                                    GError           **error);
LC_PUBLIC char              *lc_registry_get_login                 (LcContext         *context,
                                                                    const char        *registry,
                                                                    LcRegistryOptions *options,
                                                                    GError           **error);
LC_PUBLIC char             **lc_registry_list_tags                 (LcContext         *context,
                                                                    LcImageRef        *repository,
                                                                    LcRegistryOptions *options,
                                                                    GCancellable      *cancellable,
                                                                    GError           **error);
LC_PUBLIC gboolean           lc_registry_delete_image              (LcContext         *context,
                                                                    LcImageRef        *ref,
                                                                    LcRegistryOptions *options,
                                                                    GCancellable      *cancellable,
                                                                    GError           **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcRegistryOptions, lc_registry_options_unref)

G_END_DECLS
