/* cmd-from.c: lc-buildah sub-commands. */
#include "lc-buildah.h"

int
cmd_config (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah config", &argc, &argv, "", "Update image configuration settings", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "config");
}

int
cmd_from (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah from", &argc, &argv, "", "Create a working container from an image", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "from");
}

int
cmd_rm (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah rm", &argc, &argv, "", "Remove working containers", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "rm");
}
