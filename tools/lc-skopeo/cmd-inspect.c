/* cmd-inspect.c: lc-skopeo sub-commands. */
#include "lc-skopeo.h"

int
cmd_inspect (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo inspect", &argc, &argv, "", "Inspect an image in a registry, layout or archive", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "inspect");
}
