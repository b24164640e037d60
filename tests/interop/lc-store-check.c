/* lc-store-check.c: rebuilds every layer of a store from its tar-split
 * data and checks the DiffID and size that the record states, then runs
 * lc_store_check() (records, directories, tar-split, big data,
 * containers). Public API only. Used by tests/interop/storage-podman.sh.
 *
 *   lc-store-check [GRAPHROOT RUNROOT DRIVER]   (else storage.conf)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <containers/containers.h>
#include <stdio.h>


int
main (int argc, char **argv)
{
  g_autoptr(LcContext) context = lc_context_new ();
  g_autoptr(LcStoreOptions) options = lc_store_options_new ();
  g_autoptr(LcStore) store = NULL;
  g_autoptr(GPtrArray) layers = NULL;
  g_autoptr(GError) error = NULL;
  int bad = 0, checked = 0;

  if (argc == 4)
    {
      lc_store_options_set_graph_root (options, argv[1]);
      lc_store_options_set_run_root (options, argv[2]);
      lc_store_options_set_driver (options, argv[3]);
    }
  store = lc_store_open (context, options, NULL, &error);
  if (store == NULL || (layers = lc_store_list_layers (store, NULL, &error)) == NULL)
    {
      fprintf (stderr, "lc-store-check: %s\n", error->message);
      return 1;
    }
  for (guint i = 0; i < layers->len; i++)
    {
      LcLayer *l = layers->pdata[i];
      g_autoptr(GOutputStream) out = NULL;
      g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autofree char *digest = NULL;
      gsize size = 0;

      if (lc_layer_get_diff_digest (l) == NULL)
        continue;
      out = g_memory_output_stream_new_resizable ();
      if (!lc_store_export_layer (store, lc_layer_get_id (l), out, NULL, &error))
        {
          fprintf (stderr, "layer %s: %s\n", lc_layer_get_id (l), error->message);
          g_clear_error (&error);
          bad++;
          continue;
        }
      g_output_stream_close (out, NULL, NULL);
      size = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (out));
      g_checksum_update (sum, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (out)), size);
      digest = g_strconcat ("sha256:", g_checksum_get_string (sum), NULL);
      if (g_strcmp0 (digest, lc_layer_get_diff_digest (l)) != 0 || (gint64) size != lc_layer_get_diff_size (l))
        {
          fprintf (stderr, "layer %s: rebuilt %s (%zu bytes), record says %s (%" G_GINT64_FORMAT ")\n",
                   lc_layer_get_id (l), digest, size, lc_layer_get_diff_digest (l), lc_layer_get_diff_size (l));
          bad++;
        }
      checked++;
    }
  printf ("layers checked: %d, bad: %d\n", checked, bad);
  {
    g_autoptr(GPtrArray) problems = lc_store_check (store, LC_STORE_CHECK_NONE, NULL, &error);
    if (problems == NULL)
      {
        fprintf (stderr, "lc_store_check: %s\n", error->message);
        return 1;
      }
    for (guint i = 0; i < problems->len; i++)
      fprintf (stderr, "problem: %s\n", (char *) problems->pdata[i]);
    printf ("store check: %u problems\n", problems->len);
    bad += (int) problems->len;
  }
  return bad == 0 ? 0 : 1;
}
