/* lc-policy-private.h: policy.json, the signature verification policy.
 *
 * Requirements insecureAcceptAnything and reject are evaluated;
 * signedBy and sigstoreSigned are parsed (strictly) and refused with
 * LC_ERROR_UNSUPPORTED when a check needs them.
 *
 * Thread safety: a loaded LcPolicy is immutable; share freely.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-context.h"
#include "containers/lc-image-ref.h"

G_BEGIN_DECLS

typedef struct _LcPolicy LcPolicy;

/* Parses a policy document; LC_ERROR_INVALID_CONFIG naming @origin. */
LcPolicy *lc_policy_new_from_data (const char *data, gsize len, const char *origin, GError **error);
/* Reads the policy the context names. A missing file is an error. */
LcPolicy *lc_policy_load (LcContext *context, GError **error);
/* A policy that accepts everything (skopeo --insecure-policy). */
LcPolicy *lc_policy_new_insecure (void);
void lc_policy_free (LcPolicy *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcPolicy, lc_policy_free)

/* The requirement list for an image of @transport with @identity and
 * @namespaces (most specific first) is evaluated; every requirement must
 * accept. LC_ERROR_POLICY_DENIED for reject, LC_ERROR_UNSUPPORTED for
 * signature requirements. @description names the image in messages
 * ("docker://host/repo:tag"). */
gboolean lc_policy_check (LcPolicy *self, const char *transport, const char *identity,
                          const char * const *namespaces, const char *description, GError **error);

/* lc_policy_check for a docker:// reference: identity name:tag / name@digest,
 * namespaces the repository and its prefixes down to the host, then
 * wildcard forms of the host (without port). */
gboolean lc_policy_check_docker (LcPolicy *self, LcImageRef *ref, GError **error);

/* The policy identity and namespaces (most specific first) of an image
 * `TRANSPORT:REFERENCE` (@reference is what follows the colon), per §4.3
 * of the spec: docker as lc_policy_check_docker; oci and oci-archive the
 * resolved path, then the path and its ancestors; dir the resolved path,
 * then its ancestors; every other transport only its "" scope
 * (*out_identity NULL, no namespaces). */
gboolean lc_policy_scopes_for (const char *transport, const char *reference, char **out_identity,
                               char ***out_namespaces, GError **error);

/* lc_policy_check for the image @transport:@reference. */
gboolean lc_policy_check_image (LcPolicy *self, const char *transport, const char *reference,
                                const char *description, GError **error);

/* The docker namespaces of @ref, most specific first (for tests). */
char **lc_policy_docker_namespaces (LcImageRef *ref);

G_END_DECLS
