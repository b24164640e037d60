/* lc-cri.h: the sub-commands of lc-cri, one file per group. */
#pragma once

#include "lc-cli.h"

int cmd_serve (LcContext *context, int argc, char **argv);
