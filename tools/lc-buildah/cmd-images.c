/* cmd-images.c: lc-buildah sub-commands. */
#include "lc-buildah.h"

int
cmd_images (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah images", &argc, &argv, "", "List images in local storage", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "images");
}

int
cmd_push (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-buildah push", &argc, &argv, "", "Push an image to a destination", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-buildah", "push");
}
