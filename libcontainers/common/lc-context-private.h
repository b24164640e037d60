/* lc-context-private.h: LcContext internals shared inside the library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-context.h"

G_BEGIN_DECLS

/* The registries.conf.d directories to read after registries.conf, in
 * order (later ones override earlier ones), as containers/image's
 * sysregistriesv2 chooses them:
 *  - a directory set with lc_context_set_registries_conf_dir(): only it;
 *  - else, rootless with no explicit registries.conf (neither set nor
 *    $CONTAINERS_REGISTRIES_CONF) and an existing user registries.conf:
 *    only the user's registries.conf.d;
 *  - else the system registries.conf.d (under #LcContext:root), then
 *    (rootless) the user's.
 * Missing directories are listed too; readers skip them.
 * Returns: (transfer full): a NULL-terminated array, never empty. */
char **lc_context_dup_registries_conf_dirs (LcContext *self);

G_END_DECLS
