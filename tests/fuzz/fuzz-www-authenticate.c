/* fuzz-www-authenticate.c: libFuzzer target for the WWW-Authenticate
 * parser of the registry client (lc-registry-client.c).
 *
 * Contract: no crash; a challenge has a non-empty lower-case scheme and
 * lower-case parameter names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <containers/containers.h>
#include "image/lc-registry-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
  G_STMT_START {                                                               \
    if (!(cond))                                                               \
      {                                                                        \
        fprintf (stderr, "fuzz-www-authenticate: %s\n", #cond);                \
        abort ();                                                              \
      }                                                                        \
  } G_STMT_END

static gboolean
is_lower (const char *s)
{
  for (; *s; s++)
    if (g_ascii_isupper (*s))
      return FALSE;
  return TRUE;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);   /* a header value ends at NUL */
  g_autoptr(LcAuthChallenge) ch = lc_auth_challenge_parse (text);
  GHashTableIter it;
  gpointer k;

  if (ch == NULL)
    return 0;
  CHECK (ch->scheme[0] != '\0' && is_lower (ch->scheme));
  g_hash_table_iter_init (&it, ch->params);
  while (g_hash_table_iter_next (&it, &k, NULL))
    CHECK (*(const char *) k != '\0' && is_lower (k));
  return 0;
}
