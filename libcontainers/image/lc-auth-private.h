/* lc-auth-private.h: credentials from auth.json and Docker's config files.
 *
 * Thread safety: functions are reentrant; concurrent writers of one file
 * are serialized only by the atomic rename (last writer wins).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-context.h"

G_BEGIN_DECLS

typedef struct {
  char *username;
  char *password;
  char *identity_token;   /* nullable */
} LcCredentials;

LcCredentials *lc_credentials_new (const char *username, const char *password);
void lc_credentials_free (LcCredentials *creds);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcCredentials, lc_credentials_free)

/* The files searched, in containers/image order: the context's auth file,
 * $XDG_CONFIG_HOME/containers/auth.json, $DOCKER_CONFIG/config.json or
 * ~/.docker/config.json, ~/.dockercfg (the last one in the legacy format). */
char **lc_auth_default_files (LcContext *context);

/* Looks up credentials for @key (a repository name such as
 * "host:port/ns/repo", or a host) in @files (NULL-terminated; a file named
 * ".dockercfg" is read in the legacy format). *out_creds is NULL when
 * nothing matches. A file that exists but is not valid is an error
 * (LC_ERROR_INVALID_CONFIG). */
gboolean lc_auth_lookup (const char * const *files, const char *key, LcCredentials **out_creds,
                         GError **error);

/* Whether @key is acceptable as an auth.json key (host[:port][/path]). */
gboolean lc_auth_validate_key (const char *key, GError **error);

/* Writes {"auth": base64(user:pass)} under @key, keeping everything else;
 * the directory is made 0700, the file replaced atomically with 0600. */
gboolean lc_auth_store (const char *path, const char *key, const char *username,
                        const char *password, GError **error);

/* Removes @key (or, with @all, every entry). *out_removed tells whether
 * there was one. A missing file is not an error. */
gboolean lc_auth_remove (const char *path, const char *key, gboolean all, gboolean *out_removed,
                         GError **error);

G_END_DECLS
