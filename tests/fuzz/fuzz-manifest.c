/* fuzz-manifest.c: libFuzzer target for manifests, indexes and image
 * configs (lc-manifest.c): what a registry, a layout or an archive hands
 * to the copy engine and to inspect.
 *
 * Contract, for any input and each announced media type (none: sniffed;
 * OCI/Docker manifest and list; an unknown one):
 * - lc_manifest_parse accepts it, or refuses it with LC_ERROR_INVALID_DATA
 *   or LC_ERROR_UNSUPPORTED;
 * - an accepted manifest serializes to JSON that parses again to the same
 *   serialization (a fixed point), with the same kind and media type;
 * - a list answers lc_manifest_choose_instance with an entry of its own
 *   or an error; a manifest converts to OCI and to schema2, or fails
 *   with LC_ERROR_UNSUPPORTED / LC_ERROR_INVALID_DATA;
 * - as an image config (lc_json_parse, as inspect reads it) it parses or
 *   fails with LC_ERROR_INVALID_DATA; sniffing never fails.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <containers/containers.h>
#include "image/lc-manifest-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
  G_STMT_START {                                                               \
    if (!(cond))                                                               \
      {                                                                        \
        fprintf (stderr, "fuzz-manifest: %s\n", #cond);                        \
        abort ();                                                              \
      }                                                                        \
  } G_STMT_END

static gboolean
refused (const GError *error)
{
  return g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_DATA) ||
         g_error_matches (error, LC_ERROR, LC_ERROR_UNSUPPORTED);
}

static void
check_manifest (LcManifest *m)
{
  g_autoptr(GBytes) out = lc_manifest_serialize (m);
  g_autoptr(GBytes) again = NULL;
  g_autoptr(LcManifest) m2 = NULL;
  g_autoptr(GError) error = NULL;

  CHECK (out != NULL);
  m2 = lc_manifest_parse (out, m->media_type, &error);
  if (m2 == NULL)
    {
      fprintf (stderr, "fuzz-manifest: the serialization does not parse: %s\n%.*s\n", error->message,
               (int) g_bytes_get_size (out), (const char *) g_bytes_get_data (out, NULL));
      abort ();
    }
  CHECK (m2->is_list == m->is_list);
  CHECK (strcmp (m2->media_type, m->media_type) == 0);
  again = lc_manifest_serialize (m2);
  CHECK (g_bytes_equal (out, again));

  if (m->is_list)
    {
      const LcDescriptor *d;
      g_clear_error (&error);
      d = lc_manifest_choose_instance (m, NULL, NULL, NULL, &error);
      if (d != NULL)
        {
          gboolean found = FALSE;
          for (guint i = 0; i < m->manifests->len; i++)
            found |= m->manifests->pdata[i] == d;
          CHECK (found);
        }
      else
        CHECK (error != NULL && error->domain == LC_ERROR);
    }
  else
    {
      static const char *targets[] = { LC_MT_OCI_MANIFEST, LC_MT_DOCKER_V2S2 };
      for (gsize i = 0; i < G_N_ELEMENTS (targets); i++)
        {
          g_autoptr(LcManifest) c = lc_manifest_parse (out, m->media_type, NULL);
          g_autoptr(GError) e = NULL;
          CHECK (c != NULL);
          if (lc_manifest_convert (c, targets[i], &e))
            {
              g_autoptr(GBytes) conv = lc_manifest_serialize (c);
              g_autoptr(LcManifest) back = lc_manifest_parse (conv, targets[i], &e);
              if (back == NULL)
                {
                  fprintf (stderr, "fuzz-manifest: a converted manifest does not parse: %s\n", e->message);
                  abort ();
                }
            }
          else
            CHECK (refused (e));
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const char *types[] = { NULL, LC_MT_OCI_MANIFEST, LC_MT_OCI_INDEX, LC_MT_DOCKER_V2S2,
                                 LC_MT_DOCKER_LIST, "application/vnd.example.unknown+json" };
  g_autoptr(GBytes) bytes = g_bytes_new (data, size);
  g_autoptr(GError) cerr = NULL;
  g_autoptr(json_object) config = NULL;

  (void) lc_manifest_sniff (data, size);
  for (gsize i = 0; i < G_N_ELEMENTS (types); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LcManifest) m = lc_manifest_parse (bytes, types[i], &error);
      if (m == NULL)
        {
          if (!refused (error))
            {
              fprintf (stderr, "fuzz-manifest: unexpected error %s %d: %s\n",
                       g_quark_to_string (error->domain), error->code, error->message);
              abort ();
            }
          continue;
        }
      CHECK (m->media_type != NULL);
      CHECK (m->is_list ? m->manifests != NULL : (m->config != NULL && m->layers != NULL));
      check_manifest (m);
    }

  config = lc_json_parse ((const char *) data, size, "image config", &cerr);
  if (config == NULL)
    CHECK (g_error_matches (cerr, LC_ERROR, LC_ERROR_INVALID_DATA));
  return 0;
}
