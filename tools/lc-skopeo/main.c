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

int
main (int argc, char **argv)
{
  return lc_cli_main (&program, argc, argv);
}
