/* lc-buildah: build OCI container images, on the public API of libcontainers only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lc-buildah.h"

static const LcCliCommand commands[] = {
  { "add", "Add content to the container", cmd_add },
  { "build", "Build an image from a Containerfile", cmd_build },
  { "commit", "Create an image from a working container", cmd_commit },
  { "config", "Update image configuration settings", cmd_config },
  { "copy", "Copy content into the container", cmd_copy },
  { "from", "Create a working container from an image", cmd_from },
  { "images", "List images in local storage", cmd_images },
  { "push", "Push an image to a destination", cmd_push },
  { "rm", "Remove working containers", cmd_rm },
  { "run", "Run a command inside the container", cmd_run },
  { NULL, NULL, NULL },
};

static const LcCliProgram program = {
  .prog = "lc-buildah",
  .plays = "buildah",
  .summary = "build OCI container images",
  .commands = commands,
  .error_exit_code = 125,
  .forwarded_options = lc_cli_storage_options,
};

int
main (int argc, char **argv)
{
  return lc_cli_main (&program, argc, argv);
}
