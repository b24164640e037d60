/* cmd-container.c: lc-podman sub-commands. */
#include "lc-podman.h"

int
cmd_create (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman create", &argc, &argv, "", "Create but do not start a container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "create");
}

int
cmd_exec (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman exec", &argc, &argv, "", "Run a process in a running container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "exec");
}

int
cmd_inspect (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman inspect", &argc, &argv, "", "Display the configuration of an object", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "inspect");
}

int
cmd_kill (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman kill", &argc, &argv, "", "Kill one or more running containers", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "kill");
}

int
cmd_logs (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman logs", &argc, &argv, "", "Fetch the logs of a container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "logs");
}

int
cmd_ps (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman ps", &argc, &argv, "", "List containers", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "ps");
}

int
cmd_rm (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman rm", &argc, &argv, "", "Remove one or more containers", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "rm");
}

int
cmd_run (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman run", &argc, &argv, "", "Run a command in a new container", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "run");
}

int
cmd_start (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman start", &argc, &argv, "", "Start one or more containers", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "start");
}

int
cmd_stop (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-podman stop", &argc, &argv, "", "Stop one or more containers", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-podman", "stop");
}
