/* fuzz-policy.c: libFuzzer target for policy.json (lc-policy.c).
 *
 * Contract: a document is accepted, or refused with LC_ERROR_INVALID_CONFIG
 * naming the file; an accepted policy decides for any docker reference
 * with TRUE, or with POLICY_DENIED / UNSUPPORTED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <containers/containers.h>
#include "image/lc-policy-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
  G_STMT_START {                                                               \
    if (!(cond))                                                               \
      {                                                                        \
        fprintf (stderr, "fuzz-policy: %s\n", #cond);                          \
        abort ();                                                              \
      }                                                                        \
  } G_STMT_END

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcPolicy) policy = lc_policy_new_from_data ((const char *) data, size, "fuzz.json", &error);
  static const char *names[] = { "busybox", "127.0.0.1:5002/busybox:test", "quay.io/a/b/c:1", NULL };

  if (policy == NULL)
    {
      CHECK (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
      CHECK (strstr (error->message, "fuzz.json") != NULL);
      return 0;
    }
  for (const char **n = names; *n; n++)
    {
      g_autoptr(LcImageRef) ref = lc_image_ref_parse (*n, NULL);
      g_autoptr(GError) e2 = NULL;
      if (!lc_policy_check_docker (policy, ref, &e2))
        CHECK (g_error_matches (e2, LC_ERROR, LC_ERROR_POLICY_DENIED) ||
               g_error_matches (e2, LC_ERROR, LC_ERROR_UNSUPPORTED));
    }
  return 0;
}
