/* lc-image-ref-private.h: reference helpers shared inside libcontainers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-image-ref.h"

G_BEGIN_DECLS

/* Whether @digest is one go-digest accepts: `sha256:` + 64 lower-case hex
 * (sha384: 96, sha512: 128). LC_ERROR_INVALID_DATA when malformed,
 * LC_ERROR_UNSUPPORTED for a well-formed digest of another algorithm. */
gboolean lc_digest_validate (const char *digest, GError **error);

G_END_DECLS
