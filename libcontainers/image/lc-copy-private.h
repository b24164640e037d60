/* lc-copy-private.h: what transports read from LcCopyOptions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "containers/lc-copy.h"

G_BEGIN_DECLS

typedef enum {
  LC_COPY_SIDE_SOURCE,
  LC_COPY_SIDE_DEST,
} LcCopySide;

/* -1: not set (registries.conf decides), 0: don't verify, 1: verify. */
int lc_copy_options_get_tls_verify (LcCopyOptions *self, LcCopySide side);
/* "user:password", or NULL. */
const char *lc_copy_options_get_creds (LcCopyOptions *self, LcCopySide side);
/* Paths, or NULL (the default search). */
const char *lc_copy_options_get_cert_dir (LcCopyOptions *self, LcCopySide side);
const char *lc_copy_options_get_auth_file (LcCopyOptions *self, LcCopySide side);
gboolean lc_copy_options_get_no_creds (LcCopyOptions *self, LcCopySide side);
/* 0: the registry client's default. */
guint lc_copy_options_get_stall_timeout (LcCopyOptions *self);
guint lc_copy_options_get_retry_times (LcCopyOptions *self);
guint lc_copy_options_get_max_parallel (LcCopyOptions *self);
gboolean lc_copy_options_get_remove_signatures (LcCopyOptions *self);
/* Each may be NULL (the host's). */
void lc_copy_options_get_platform (LcCopyOptions *self, const char **out_os,
                                   const char **out_arch, const char **out_variant);

G_END_DECLS
