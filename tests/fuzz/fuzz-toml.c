/* fuzz-toml.c: libFuzzer target for the TOML reader (lc-toml.c).
 *
 * Besides crashes and sanitizer reports, it checks the contract: a tree
 * and no error, or no tree and an LC_ERROR_INVALID_CONFIG whose message is
 * UTF-8 and starts with "<origin>:<line>:<column>: ".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "common/lc-error-private.h"
#include "common/lc-toml-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

static gboolean
message_has_location (const char *message)
{
  const char *p;
  guint field;

  if (!g_str_has_prefix (message, "fuzz.toml:"))
    return FALSE;
  p = message + strlen ("fuzz.toml:");
  for (field = 0; field < 2; field++)
    {
      if (!g_ascii_isdigit (*p) || *p == '0')
        return FALSE;
      while (g_ascii_isdigit (*p))
        p++;
      if (*p++ != ':')
        return FALSE;
    }
  return *p == ' ';
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(GError) error = NULL;
  struct json_object *root;

  root = lc_toml_parse ((const char *) data, size, "fuzz.toml", &error);
  if (root != NULL)
    {
      if (error != NULL || !json_object_is_type (root, json_type_object))
        abort ();
      /* Walks the whole tree: json-c's serializer recurses. */
      if (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN) == NULL)
        abort ();
      json_object_put (root);
      return 0;
    }

  if (!g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG) ||
      !g_utf8_validate (error->message, -1, NULL) ||
      !message_has_location (error->message))
    abort ();
  return 0;
}
