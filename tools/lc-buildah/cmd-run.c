/* cmd-run.c: lc-buildah sub-commands. */
#include "lc-buildah.h"

int
cmd_run (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah run", &argc, &argv, "", "Run a command inside the container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "run");
}
