/* fuzz-registries-conf.c: libFuzzer target for registries.conf
 * (lc-registries-conf.c on top of the TOML reader).
 *
 * Contract: a document is accepted, or refused with LC_ERROR_INVALID_CONFIG
 * whose message names the file; an accepted configuration answers lookups
 * (prefix match, pull sources, short names) without crashing, and every
 * pull source it gives is a valid reference.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <containers/containers.h>
#include "image/lc-registries-conf-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond)                                                            \
  G_STMT_START {                                                               \
    if (!(cond))                                                               \
      {                                                                        \
        fprintf (stderr, "fuzz-registries-conf: %s\n", #cond);                 \
        abort ();                                                              \
      }                                                                        \
  } G_STMT_END

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr(LcRegistriesConf) conf = lc_registries_conf_new ();
  g_autoptr(GError) error = NULL;
  static const char *names[] = { "busybox", "docker.io/library/busybox:1", "example.com/foo/bar",
                                 "a.wild.test/x@sha256:86e0e091d0da6bde2456dbb48306f3956bbeb2eae1b5b9a43045843f69fe4aaa",
                                 "127.0.0.1:5000/x", "localhost/y:2", NULL };

  if (!lc_registries_conf_merge_data (conf, (const char *) data, size, "fuzz.conf", &error))
    {
      CHECK (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
      CHECK (strstr (error->message, "fuzz.conf") != NULL);
      CHECK (g_utf8_validate (error->message, -1, NULL));
      return 0;
    }
  for (const char **n = names; *n; n++)
    {
      g_autoptr(LcImageRef) ref = lc_image_ref_parse (*n, NULL);
      g_autoptr(GPtrArray) sources = NULL;
      g_autoptr(GError) e2 = NULL;
      g_auto(GStrv) candidates = NULL;

      CHECK (ref != NULL);
      (void) lc_registries_conf_find (conf, lc_image_ref_get_name (ref), NULL);
      sources = lc_registries_conf_pull_sources (conf, ref, &e2);
      if (sources != NULL)
        for (guint i = 0; i < sources->len; i++)
          CHECK (((LcPullSource *) sources->pdata[i])->ref != NULL);
      g_clear_error (&e2);
      candidates = lc_registries_conf_resolve_short_name (conf, *n, &e2);
      CHECK (candidates != NULL || e2 != NULL);
    }
  return 0;
}
