/* cmd-build.c: lc-buildah sub-commands. */
#include "lc-buildah.h"

int
cmd_build (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah build", &argc, &argv, "", "Build an image from a Containerfile", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "build");
}

int
cmd_commit (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah commit", &argc, &argv, "", "Create an image from a working container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "commit");
}
