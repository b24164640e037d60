/* lc-cri: a Kubernetes CRI v1 runtime and image service, on the public API of libcontainers only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "lc-cri.h"

static const LcCliCommand commands[] = {
  { "serve", "Serve the CRI RuntimeService and ImageService on a unix socket", cmd_serve },
  { NULL, NULL, NULL },
};

static const LcCliProgram program = {
  .prog = "lc-cri",
  .plays = "cri-o",
  .summary = "a Kubernetes CRI v1 runtime and image service",
  .commands = commands,
  .error_exit_code = 1,
};

int
main (int argc, char **argv)
{
  return lc_cli_main (&program, argc, argv);
}
