/* lc-buildah.h: the sub-commands of lc-buildah, one file per group. */
#pragma once

#include "lc-cli.h"

int cmd_add (LcContext *context, int argc, char **argv);
int cmd_build (LcContext *context, int argc, char **argv);
int cmd_commit (LcContext *context, int argc, char **argv);
int cmd_config (LcContext *context, int argc, char **argv);
int cmd_copy (LcContext *context, int argc, char **argv);
int cmd_from (LcContext *context, int argc, char **argv);
int cmd_images (LcContext *context, int argc, char **argv);
int cmd_push (LcContext *context, int argc, char **argv);
int cmd_rm (LcContext *context, int argc, char **argv);
int cmd_run (LcContext *context, int argc, char **argv);
