/* lc-podman.h: the sub-commands of lc-podman, one file per group. */
#pragma once

#include "lc-cli.h"

int cmd_create (LcContext *context, int argc, char **argv);
int cmd_exec (LcContext *context, int argc, char **argv);
int cmd_image (LcContext *context, int argc, char **argv);
int cmd_images (LcContext *context, int argc, char **argv);
int cmd_inspect (LcContext *context, int argc, char **argv);
int cmd_kill (LcContext *context, int argc, char **argv);
int cmd_load (LcContext *context, int argc, char **argv);
int cmd_logs (LcContext *context, int argc, char **argv);
int cmd_pod (LcContext *context, int argc, char **argv);
int cmd_ps (LcContext *context, int argc, char **argv);
int cmd_pull (LcContext *context, int argc, char **argv);
int cmd_rm (LcContext *context, int argc, char **argv);
int cmd_rmi (LcContext *context, int argc, char **argv);
int cmd_run (LcContext *context, int argc, char **argv);
int cmd_save (LcContext *context, int argc, char **argv);
int cmd_start (LcContext *context, int argc, char **argv);
int cmd_stop (LcContext *context, int argc, char **argv);
int cmd_tag (LcContext *context, int argc, char **argv);
