/* cmd-images.c: lc-podman sub-commands. */
#include "lc-podman.h"

int
cmd_image (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman image", &argc, &argv, "", "Manage images (inspect)", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "image");
}

int
cmd_images (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman images", &argc, &argv, "", "List images in local storage", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "images");
}

int
cmd_load (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman load", &argc, &argv, "", "Load image(s) from a tar archive", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "load");
}

int
cmd_pull (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman pull", &argc, &argv, "", "Pull an image from a registry", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "pull");
}

int
cmd_rmi (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman rmi", &argc, &argv, "", "Remove one or more images from local storage", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "rmi");
}

int
cmd_save (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman save", &argc, &argv, "", "Save image(s) to an archive", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "save");
}

int
cmd_tag (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman tag", &argc, &argv, "", "Add an additional name to a local image", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "tag");
}
