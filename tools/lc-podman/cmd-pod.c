/* cmd-pod.c: lc-podman sub-commands. */
#include "lc-podman.h"

int
cmd_pod (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman pod", &argc, &argv, "", "Manage pods", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "pod");
}
