/* cmd-copy.c: lc-buildah sub-commands. */
#include "lc-buildah.h"

int
cmd_add (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah add", &argc, &argv, "", "Add content to the container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "add");
}

int
cmd_copy (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah copy", &argc, &argv, "", "Copy content into the container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "copy");
}
