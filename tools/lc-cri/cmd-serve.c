/* cmd-serve.c: lc-cri sub-commands. */
#include "lc-cri.h"

int
cmd_serve (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-cri serve", &argc, &argv, "", "Serve the CRI RuntimeService and ImageService on a unix socket", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-cri", "serve");
}
