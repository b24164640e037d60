/* lc-certs-private.h: certs.d, TLS material per registry.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-context.h"

G_BEGIN_DECLS

typedef struct {
  GPtrArray *ca_files;   /* char*: *.crt, sorted */
  char *client_cert;     /* NAME.cert, nullable */
  char *client_key;      /* NAME.key */
} LcCertsDir;

void lc_certs_dir_free (LcCertsDir *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcCertsDir, lc_certs_dir_free)

/* The directory to use for @host (host[:port] as written in the
 * reference): @cert_dir when the caller gave one, else the first existing
 * of <context certs.d>/HOST and /etc/docker/certs.d/HOST; NULL if none. */
char *lc_certs_find_dir (LcContext *context, const char *cert_dir, const char *host);

/* Reads @dir: *.crt CAs, NAME.cert + NAME.key pairs (one without the
 * other is LC_ERROR_INVALID_CONFIG). A missing or unreadable directory
 * gives an empty result. */
LcCertsDir *lc_certs_load_dir (const char *dir, GError **error);

G_END_DECLS
