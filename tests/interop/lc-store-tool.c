/* lc-store-tool.c: the container records and the store check of the
 * public API, as a command for the interop shell tests. Public API only.
 *
 *   lc-store-tool [--root G --runroot R --driver D] COMMAND ...
 *     create IMAGE|"" [NAME]   prints the new container's ID
 *     list                     ID NAMES IMAGE LAYER, one per line
 *     mount ID | unmount ID | rm ID | dir ID
 *     check [--digests] [--repair]   prints problems; 1 if any (0 when repaired)
 *
 * Without --root, storage.conf (CONTAINERS_STORAGE_CONF) decides.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <containers/containers.h>
#include <stdio.h>
#include <string.h>

int
main (int argc, char **argv)
{
  g_autoptr(LcContext) context = lc_context_new ();
  g_autoptr(LcStoreOptions) options = lc_store_options_new ();
  g_autoptr(LcStore) store = NULL;
  g_autoptr(GError) error = NULL;
  const char *cmd;
  int i = 1;

  for (; i + 1 < argc && g_str_has_prefix (argv[i], "--"); i += 2)
    {
      if (g_str_equal (argv[i], "--root"))
        lc_store_options_set_graph_root (options, argv[i + 1]);
      else if (g_str_equal (argv[i], "--runroot"))
        lc_store_options_set_run_root (options, argv[i + 1]);
      else if (g_str_equal (argv[i], "--driver"))
        lc_store_options_set_driver (options, argv[i + 1]);
      else
        break;
    }
  if (i >= argc)
    {
      fprintf (stderr, "usage: lc-store-tool [--root G --runroot R --driver D] create|list|mount|unmount|rm|dir|check ...\n");
      return 2;
    }
  cmd = argv[i++];
  store = lc_store_open (context, options, NULL, &error);
  if (store == NULL)
    goto fail;
  if (g_str_equal (cmd, "create") && i < argc)
    {
      const char *names[] = { i + 1 < argc ? argv[i + 1] : NULL, NULL };
      g_autoptr(LcStorageContainer) c =
        lc_store_create_container (store, NULL, names[0] ? names : NULL, *argv[i] ? argv[i] : NULL, NULL, NULL, &error);
      if (c == NULL)
        goto fail;
      printf ("%s\n", lc_storage_container_get_id (c));
    }
  else if (g_str_equal (cmd, "list"))
    {
      g_autoptr(GPtrArray) list = lc_store_list_containers (store, NULL, &error);
      if (list == NULL)
        goto fail;
      for (guint j = 0; j < list->len; j++)
        {
          LcStorageContainer *c = list->pdata[j];
          g_autofree char *names = g_strjoinv (",", (char **) lc_storage_container_get_names (c));
          const char *image = lc_storage_container_get_image_id (c);
          printf ("%s %s %s %s\n", lc_storage_container_get_id (c), *names ? names : "-", image ? image : "-",
                  lc_storage_container_get_layer_id (c));
        }
    }
  else if (g_str_equal (cmd, "mount") && i < argc)
    {
      g_autofree char *path = lc_store_mount_container (store, argv[i], NULL, &error);
      if (path == NULL)
        goto fail;
      printf ("%s\n", path);
    }
  else if (g_str_equal (cmd, "unmount") && i < argc)
    {
      if (!lc_store_unmount_container (store, argv[i], FALSE, NULL, &error))
        goto fail;
    }
  else if (g_str_equal (cmd, "rm") && i < argc)
    {
      if (!lc_store_delete_container (store, argv[i], NULL, &error))
        goto fail;
    }
  else if (g_str_equal (cmd, "dir") && i < argc)
    {
      g_autofree char *dir = lc_store_dup_container_directory (store, argv[i], FALSE, NULL, &error);
      if (dir == NULL)
        goto fail;
      printf ("%s\n", dir);
    }
  else if (g_str_equal (cmd, "check"))
    {
      LcStoreCheckFlags flags = LC_STORE_CHECK_NONE;
      g_autoptr(GPtrArray) problems = NULL;

      for (; i < argc; i++)
        {
          if (g_str_equal (argv[i], "--digests"))
            flags |= LC_STORE_CHECK_DIGESTS;
          else if (g_str_equal (argv[i], "--repair"))
            flags |= LC_STORE_CHECK_REPAIR;
        }
      problems = lc_store_check (store, flags, NULL, &error);
      if (problems == NULL)
        goto fail;
      for (guint j = 0; j < problems->len; j++)
        printf ("%s\n", (char *) problems->pdata[j]);
      printf ("problems: %u\n", problems->len);
      return problems->len == 0 || (flags & LC_STORE_CHECK_REPAIR) ? 0 : 1;
    }
  else
    {
      fprintf (stderr, "lc-store-tool: unknown command or missing argument: %s\n", cmd);
      return 2;
    }
  return 0;

fail:
  fprintf (stderr, "lc-store-tool %s: %s\n", cmd, error->message);
  return 1;
}
