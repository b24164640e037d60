/* cmd-registry.c: lc-skopeo sub-commands. */
#include "lc-skopeo.h"

int
cmd_delete (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo delete", &argc, &argv, "", "Delete an image from a registry", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "delete");
}

int
cmd_list_tags (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo list-tags", &argc, &argv, "", "List the tags of a repository", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "list-tags");
}
