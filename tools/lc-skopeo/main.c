/* lc-skopeo: work with remote images and image repositories, on the public API of libcontainers only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lc-skopeo.h"

static const LcCliCommand commands[] = {
  { "copy", "Copy an image from one location to another", cmd_copy },
  { "delete", "Delete an image from a registry", cmd_delete },
  { "inspect", "Inspect an image in a registry, layout or archive", cmd_inspect },
  { "list-tags", "List the tags of a repository", cmd_list_tags },
  { "login", "Log in to a registry", cmd_login },
  { "logout", "Log out of a registry", cmd_logout },
  { "sync", "Synchronize images between registries and directories", cmd_sync },
  { NULL, NULL, NULL },
};

static const LcCliProgram program = {
  .prog = "lc-skopeo",
  .plays = "skopeo",
  .summary = "work with remote images and image repositories",
  .commands = commands,
  .error_exit_code = 1,
};

/* skopeo's global --policy PATH and --insecure-policy come before the
 * sub-command; copy, sync and inspect take them as their own options, so
 * they are moved behind the sub-command's name (and dropped for the
 * others, which read no policy). */
static gboolean
is_policy_option (const char *arg, gboolean *takes_next)
{
  *takes_next = FALSE;
  if (g_str_equal (arg, "--insecure-policy") || g_str_has_prefix (arg, "--policy="))
    return TRUE;
  if (g_str_equal (arg, "--policy"))
    return *takes_next = TRUE;
  return FALSE;
}

int
main (int argc, char **argv)
{
  g_autoptr(GPtrArray) policy = g_ptr_array_new ();
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  const char *command = NULL;
  gboolean takes_next;
  int i;

  g_ptr_array_add (args, argv[0]);
  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      if (is_policy_option (argv[i], &takes_next))
        {
          g_ptr_array_add (policy, argv[i]);
          if (takes_next && i + 1 < argc)
            g_ptr_array_add (policy, argv[++i]);
          continue;
        }
      g_ptr_array_add (args, argv[i]);
      /* Global options with a value (lc-cli.c). */
      if ((g_str_equal (argv[i], "--registries-conf") || g_str_equal (argv[i], "--storage-conf")) && i + 1 < argc)
        g_ptr_array_add (args, argv[++i]);
    }
  if (i < argc)
    {
      command = argv[i];
      g_ptr_array_add (args, argv[i++]);
    }
  if (command != NULL &&
      (g_str_equal (command, "copy") || g_str_equal (command, "sync") || g_str_equal (command, "inspect")))
    for (guint k = 0; k < policy->len; k++)
      g_ptr_array_add (args, policy->pdata[k]);
  for (; i < argc; i++)
    g_ptr_array_add (args, argv[i]);
  g_ptr_array_add (args, NULL);
  return lc_cli_main (&program, (int) args->len - 1, (char **) args->pdata);
}
