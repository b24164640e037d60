/* lc-error.h: the LC_ERROR domain and its codes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#if !defined(LC_INSIDE_CONTAINERS_H) && !defined(LC_COMPILATION)
#error "Only <containers/containers.h> can be included directly."
#endif

#include <glib.h>
#include <containers/lc-version.h>

G_BEGIN_DECLS

/**
 * LcError:
 * @LC_ERROR_FAILED: a failure that has no more specific code.
 * @LC_ERROR_INVALID_ARGUMENT: an argument the caller passed makes no sense
 *   (an empty path, an option out of range).
 * @LC_ERROR_INVALID_REFERENCE: an image reference does not follow the
 *   reference grammar, or a short name cannot be resolved unambiguously.
 * @LC_ERROR_NOT_FOUND: the image, layer, container, manifest, blob or tag
 *   does not exist.
 * @LC_ERROR_ALREADY_EXISTS: a name, ID or file that must be new is taken.
 * @LC_ERROR_IO: reading or writing a stream failed (short write, broken
 *   pipe, truncated data). Local file-system failures use %G_IO_ERROR.
 * @LC_ERROR_NETWORK: a connection could not be made or broke.
 * @LC_ERROR_TLS: TLS failed: the certificate could not be verified, or
 *   the handshake failed.
 * @LC_ERROR_UNAUTHORIZED: the server refused the credentials, or none were
 *   given where they are needed (HTTP 401 and 403).
 * @LC_ERROR_DIGEST_MISMATCH: data did not match the digest or size it was
 *   announced with.
 * @LC_ERROR_UNSUPPORTED: a format, media type, transport or feature that
 *   this version does not support.
 * @LC_ERROR_CORRUPT_STORE: the on-disk store is inconsistent.
 * @LC_ERROR_LOCKED: a lock is held by someone else, or the object is busy
 *   (an image in use by a container, a mounted layer).
 * @LC_ERROR_CANCELLED: the operation was stopped by something other than
 *   the caller's #GCancellable (a killed child, a stopped server).
 *   Cancellation through a #GCancellable is reported as
 *   %G_IO_ERROR_CANCELLED, as everywhere in GIO; lc_error_is_cancelled()
 *   matches both.
 * @LC_ERROR_PERMISSION_DENIED: the operation needs privileges the process
 *   does not have.
 * @LC_ERROR_RUNTIME: the OCI runtime or the container monitor failed.
 * @LC_ERROR_INVALID_DATA: a manifest, configuration blob, JSON document,
 *   tar stream or other input from outside is malformed.
 * @LC_ERROR_INVALID_CONFIG: a configuration file (registries.conf,
 *   policy.json, storage.conf, containers.conf, auth.json) is malformed.
 * @LC_ERROR_POLICY_DENIED: the signature policy rejects the image.
 * @LC_ERROR_TIMEOUT: a server or child did not answer in time.
 *
 * Error codes of the %LC_ERROR domain. The enum only grows: codes are
 * never renumbered or removed.
 *
 * Since: 1.0
 */
typedef enum {
  LC_ERROR_FAILED,
  LC_ERROR_INVALID_ARGUMENT,
  LC_ERROR_INVALID_REFERENCE,
  LC_ERROR_NOT_FOUND,
  LC_ERROR_ALREADY_EXISTS,
  LC_ERROR_IO,
  LC_ERROR_NETWORK,
  LC_ERROR_TLS,
  LC_ERROR_UNAUTHORIZED,
  LC_ERROR_DIGEST_MISMATCH,
  LC_ERROR_UNSUPPORTED,
  LC_ERROR_CORRUPT_STORE,
  LC_ERROR_LOCKED,
  LC_ERROR_CANCELLED,
  LC_ERROR_PERMISSION_DENIED,
  LC_ERROR_RUNTIME,
  LC_ERROR_INVALID_DATA,
  LC_ERROR_INVALID_CONFIG,
  LC_ERROR_POLICY_DENIED,
  LC_ERROR_TIMEOUT,
} LcError;

/**
 * LC_ERROR:
 *
 * The error domain of libcontainers.
 *
 * Since: 1.0
 */
#define LC_ERROR (lc_error_quark ())

LC_PUBLIC GQuark   lc_error_quark        (void);
LC_PUBLIC gboolean lc_error_is_cancelled (const GError *error);

G_END_DECLS
