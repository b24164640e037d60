/* lc-oci-private.h: the OCI layout source and destination, shared with
 * oci-archive (which extracts to / builds in a temporary layout).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "image/lc-transport-private.h"

G_BEGIN_DECLS

/* Splits "PATH[:REF]" and validates REF (OCI ref-name grammar, or "@N"
 * when @allow_index). *out_ref is NULL when absent, *out_index -1 unless
 * "@N". */
gboolean lc_oci_split_reference (const char *reference, gboolean allow_index, char **out_path,
                                 char **out_ref, gint *out_index, GError **error);

LcImageSource *lc_oci_source_new (const char *dir, const char *ref, gint index,
                                  const char *description, GError **error);
LcImageDest *lc_oci_dest_new (const char *dir, const char *ref, const char *description,
                              GError **error);
/* For oci-archive: whether commit succeeded (the layout is complete). */
gboolean lc_oci_dest_commit (LcImageDest *dest, GCancellable *cancellable, GError **error);

G_END_DECLS
