/* cmd-copy.c: lc-skopeo sub-commands. */
#include "lc-skopeo.h"

int
cmd_copy (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo copy", &argc, &argv, "", "Copy an image from one location to another", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "copy");
}

int
cmd_sync (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo sync", &argc, &argv, "", "Synchronize images between registries and directories", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "sync");
}
