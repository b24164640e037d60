/* lc-skopeo.h: the sub-commands of lc-skopeo, one file per group. */
#pragma once

#include "lc-cli.h"

int cmd_copy (LcContext *context, int argc, char **argv);
int cmd_delete (LcContext *context, int argc, char **argv);
int cmd_inspect (LcContext *context, int argc, char **argv);
int cmd_list_tags (LcContext *context, int argc, char **argv);
int cmd_login (LcContext *context, int argc, char **argv);
int cmd_logout (LcContext *context, int argc, char **argv);
int cmd_sync (LcContext *context, int argc, char **argv);
