/* lc-context.h: LcContext, the system configuration every call takes.
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

#define LC_TYPE_CONTEXT (lc_context_get_type ())
LC_PUBLIC G_DECLARE_FINAL_TYPE (LcContext, lc_context, LC, CONTEXT, GObject)

LC_PUBLIC LcContext  *lc_context_new                     (void);

LC_PUBLIC const char *lc_context_get_root                (LcContext  *self);
LC_PUBLIC void        lc_context_set_root                (LcContext  *self,
                                                          const char *root);
LC_PUBLIC gboolean    lc_context_get_rootless            (LcContext  *self);
LC_PUBLIC void        lc_context_set_rootless            (LcContext  *self,
                                                          gboolean    rootless);
LC_PUBLIC const char *lc_context_get_user_agent          (LcContext  *self);
LC_PUBLIC void        lc_context_set_user_agent          (LcContext  *self,
                                                          const char *user_agent);

LC_PUBLIC char       *lc_context_dup_registries_conf     (LcContext  *self);
LC_PUBLIC void        lc_context_set_registries_conf     (LcContext  *self,
                                                          const char *path);
LC_PUBLIC char       *lc_context_dup_registries_conf_dir (LcContext  *self);
LC_PUBLIC void        lc_context_set_registries_conf_dir (LcContext  *self,
                                                          const char *path);
LC_PUBLIC char       *lc_context_dup_policy_path         (LcContext  *self);
LC_PUBLIC void        lc_context_set_policy_path         (LcContext  *self,
                                                          const char *path);
LC_PUBLIC char       *lc_context_dup_auth_file           (LcContext  *self);
LC_PUBLIC void        lc_context_set_auth_file           (LcContext  *self,
                                                          const char *path);
LC_PUBLIC char       *lc_context_dup_certs_dir           (LcContext  *self);
LC_PUBLIC void        lc_context_set_certs_dir           (LcContext  *self,
                                                          const char *path);
LC_PUBLIC char       *lc_context_dup_storage_conf        (LcContext  *self);
LC_PUBLIC void        lc_context_set_storage_conf        (LcContext  *self,
                                                          const char *path);
LC_PUBLIC char       *lc_context_dup_containers_conf     (LcContext  *self);
LC_PUBLIC void        lc_context_set_containers_conf     (LcContext  *self,
                                                          const char *path);

G_END_DECLS
