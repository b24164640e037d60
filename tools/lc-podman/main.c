/* lc-podman: manage pods, containers and images, on the public API of libcontainers only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lc-podman.h"

static const LcCliCommand commands[] = {
  { "create", "Create but do not start a container", cmd_create },
  { "exec", "Run a process in a running container", cmd_exec },
  { "image", "Manage images (inspect)", cmd_image },
  { "images", "List images in local storage", cmd_images },
  { "inspect", "Display the configuration of an object", cmd_inspect },
  { "kill", "Kill one or more running containers", cmd_kill },
  { "load", "Load image(s) from a tar archive", cmd_load },
  { "logs", "Fetch the logs of a container", cmd_logs },
  { "pod", "Manage pods", cmd_pod },
  { "ps", "List containers", cmd_ps },
  { "pull", "Pull an image from a registry", cmd_pull },
  { "rm", "Remove one or more containers", cmd_rm },
  { "rmi", "Remove one or more images from local storage", cmd_rmi },
  { "run", "Run a command in a new container", cmd_run },
  { "save", "Save image(s) to an archive", cmd_save },
  { "start", "Start one or more containers", cmd_start },
  { "stop", "Stop one or more containers", cmd_stop },
  { "tag", "Add an additional name to a local image", cmd_tag },
  { NULL, NULL, NULL },
};

static const LcCliProgram program = {
  .prog = "lc-podman",
  .plays = "podman",
  .summary = "manage pods, containers and images",
  .commands = commands,
  .error_exit_code = 125,
  .forwarded_options = lc_cli_storage_options,
};

int
main (int argc, char **argv)
{
  return lc_cli_main (&program, argc, argv);
}
