/* cmd-login.c: lc-skopeo sub-commands. */
#include "lc-skopeo.h"

int
cmd_login (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo login", &argc, &argv, "", "Log in to a registry", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "login");
}

int
cmd_logout (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo logout", &argc, &argv, "", "Log out of a registry", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "logout");
}
