/* lc-registry-private.h: the Docker Registry HTTP API v2 client.
 *
 * One LcRegistryClient talks to one repository of one registry with one
 * access level (pull; pull,push; delete), as containers/image's
 * dockerClient does: it pings /v2/ once (HTTPS, falling back to plain
 * HTTP only when TLS verification is off), remembers the challenges, and
 * authenticates every request with Basic credentials or Bearer tokens
 * cached per scope until they expire.
 *
 * Thread safety: a client may be used from several threads at once (the
 * copy engine reads or writes several blobs in parallel); the ping state
 * and the token cache are guarded by locks.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "containers/lc-context.h"
#include "containers/lc-image-ref.h"
#include "containers/lc-registry.h"
#include "lc-auth-private.h"

G_BEGIN_DECLS

/* What LcRegistryOptions holds (the public type is opaque). */
struct _LcRegistryOptions {
  gint ref_count;
  gint tls_verify;        /* -1: from registries.conf; 0; 1 */
  char *cert_dir;
  char *auth_file;
  char *username;
  char *password;
  gboolean no_creds;      /* anonymous: no auth file read, no credentials sent */
  guint retry_times;
  guint stall_timeout;    /* seconds without a byte before LC_ERROR_TIMEOUT */
};

#define LC_REGISTRY_DEFAULT_RETRY_TIMES 3
#define LC_REGISTRY_DEFAULT_STALL_TIMEOUT 60
#define LC_REGISTRY_MAX_MANIFEST_SIZE (4u * 1024u * 1024u)

#define LC_MEDIA_TYPE_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define LC_MEDIA_TYPE_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define LC_MEDIA_TYPE_DOCKER_V2S2 "application/vnd.docker.distribution.manifest.v2+json"
#define LC_MEDIA_TYPE_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define LC_MEDIA_TYPE_DOCKER_V2S1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define LC_MEDIA_TYPE_DOCKER_V2S1 "application/vnd.docker.distribution.manifest.v1+json"

/* --- WWW-Authenticate ---------------------------------------------------- */

typedef struct {
  char *scheme;          /* lower case: "basic", "bearer" */
  GHashTable *params;    /* lower-case name -> value */
} LcAuthChallenge;

/* Parses one header value (one challenge); NULL when it has no scheme.
 * Parameters are name=value pairs separated by commas, values tokens or
 * quoted strings with backslash escapes; parsing stops silently at the
 * first malformed element. */
LcAuthChallenge *lc_auth_challenge_parse (const char *value);
void lc_auth_challenge_free (LcAuthChallenge *challenge);
const char *lc_auth_challenge_get (LcAuthChallenge *challenge, const char *name);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcAuthChallenge, lc_auth_challenge_free)

/* --- the client ---------------------------------------------------------- */

typedef enum {
  LC_REGISTRY_ACCESS_PULL,
  LC_REGISTRY_ACCESS_PUSH,
  LC_REGISTRY_ACCESS_DELETE,
} LcRegistryAccess;

typedef struct _LcRegistryClient LcRegistryClient;

/* A client for the repository of @ref (its domain and path). @insecure is
 * what registries.conf says for this endpoint (used when @options does not
 * set tls-verify). Credentials: @options' username/password, else
 * auth.json (the options' auth file only, or the default search list). */
LcRegistryClient *lc_registry_client_new (LcContext *context, LcImageRef *ref, LcRegistryAccess access,
                                          gboolean insecure, LcRegistryOptions *options,
                                          GError **error);
LcRegistryClient *lc_registry_client_ref (LcRegistryClient *self);
void lc_registry_client_unref (LcRegistryClient *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcRegistryClient, lc_registry_client_unref)

const char *lc_registry_client_get_registry (LcRegistryClient *self);
const char *lc_registry_client_get_repository (LcRegistryClient *self);

/* GET /v2/ (once); the first request does it implicitly. */
gboolean lc_registry_client_ping (LcRegistryClient *self, GCancellable *cancellable, GError **error);

/* GET /v2/ with the client's credentials: LC_ERROR_UNAUTHORIZED when the
 * registry (or its token server) refuses them. */
gboolean lc_registry_client_verify_login (LcRegistryClient *self, GCancellable *cancellable, GError **error);

/* GET a manifest by tag or digest. A digest reference is verified against
 * the body; a Docker-Content-Digest header is checked too. */
GBytes *lc_registry_client_get_manifest (LcRegistryClient *self, const char *tag_or_digest,
                                         char **out_media_type, char **out_digest,
                                         GCancellable *cancellable, GError **error);
/* HEAD a manifest: its digest (Docker-Content-Digest). */
char *lc_registry_client_head_manifest (LcRegistryClient *self, const char *tag_or_digest,
                                        GCancellable *cancellable, GError **error);
gboolean lc_registry_client_put_manifest (LcRegistryClient *self, const char *tag_or_digest,
                                          GBytes *manifest, const char *media_type, char **out_digest,
                                          GCancellable *cancellable, GError **error);
gboolean lc_registry_client_delete_manifest (LcRegistryClient *self, const char *digest,
                                             GCancellable *cancellable, GError **error);

/* A stream of the blob's bytes (redirects followed). *out_size is the
 * Content-Length or -1. The stream does not verify the digest. */
GInputStream *lc_registry_client_get_blob (LcRegistryClient *self, const char *digest, gint64 *out_size,
                                           GCancellable *cancellable, GError **error);
gboolean lc_registry_client_has_blob (LcRegistryClient *self, const char *digest, gboolean *out_has,
                                      gint64 *out_size, GCancellable *cancellable, GError **error);
/* POST ?mount=&from=: *out_mounted FALSE when the registry would not. */
gboolean lc_registry_client_mount_blob (LcRegistryClient *self, const char *digest, const char *from_repo,
                                        gboolean *out_mounted, GCancellable *cancellable, GError **error);
/* POST, one PATCH streaming @stream to EOF, PUT ?digest=. The stream's
 * final read (EOF) must succeed before the PUT that makes the blob
 * visible. @size may be -1 (chunked transfer encoding). With @digest
 * NULL the sha256 is computed while streaming and used for the PUT.
 * *out_digest / *out_size (optional) get what was stored. */
gboolean lc_registry_client_put_blob (LcRegistryClient *self, GInputStream *stream, const char *digest,
                                      gint64 size, char **out_digest, gint64 *out_size,
                                      GCancellable *cancellable, GError **error);
/* All tags, pages following Link headers. */
char **lc_registry_client_list_tags (LcRegistryClient *self, GCancellable *cancellable, GError **error);

/* sha256/sha384/sha512 digest of @data, in the algorithm of @like (or sha256). */
char *lc_registry_compute_digest (GBytes *data, const char *like);

/* The registry options in effect (never NULL): @options or the defaults. */
LcRegistryOptions *lc_registry_options_or_default (LcRegistryOptions *options);

/* --- the docker transport ------------------------------------------------ */

/* Opens docker://… with per-call options (tls-verify, credentials, cert
 * dir); the LcTransport entry points call these with NULL options.
 * @reference is what follows "docker:" ("//host/repo:tag"). */
typedef struct _LcImageSource LcImageSource;
typedef struct _LcImageDest LcImageDest;
LcImageSource *lc_docker_open_source (LcContext *context, const char *reference,
                                              LcRegistryOptions *options, GCancellable *cancellable,
                                              GError **error);
LcImageDest *lc_docker_open_dest (LcContext *context, const char *reference,
                                          LcRegistryOptions *options, GCancellable *cancellable,
                                          GError **error);
/* Parses "//name[:tag|@digest]" (latest added; tag and digest together refused). */
LcImageRef *lc_docker_parse_reference (const char *reference, GError **error);

G_END_DECLS
