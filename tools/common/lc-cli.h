/* lc-cli.h: the small command-line frame the four tools share.
 *
 * Tools use the public API only: this header includes nothing private.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <containers/containers.h>

/* A sub-command: gets argv with argv[0] = its own name, and the context
 * made from the global options. Returns the process exit code. */
typedef int (*LcCliFunc) (LcContext *context, int argc, char **argv);

typedef struct {
  const char *name;
  const char *summary;
  LcCliFunc func;
} LcCliCommand;

typedef struct {
  const char *prog;            /* "lc-skopeo" */
  const char *plays;           /* "skopeo": what it stands in for */
  const char *summary;         /* one line */
  const LcCliCommand *commands;   /* terminated by { NULL } */
  int error_exit_code;         /* skopeo: 1, podman: 125 */
  /* Global options (taking a value) that the program accepts before the
   * sub-command, as podman's --root: they are handed on to the
   * sub-command's own option parser. NULL-terminated, may be NULL. */
  const char * const *forwarded_options;
} LcCliProgram;

/* podman's and buildah's global storage options (--root, --runroot,
 * --storage-driver, --storage-opt), for LcCliProgram.forwarded_options. */
extern const char * const lc_cli_storage_options[];

int lc_cli_main (const LcCliProgram *program, int argc, char **argv);

/* Prints "<prog>: <message>" to stderr and returns the program's error exit code. */
int lc_cli_fail (const LcCliProgram *program, const GError *error);

/* Parses a sub-command's options; on --help prints and returns FALSE with
 * *exit_code 0, on bad options prints and returns FALSE with 2 (usage). */
gboolean lc_cli_parse (const char *prog, int *argc, char ***argv, const char *parameter_string,
                       const char *summary, const GOptionEntry *entries, int *exit_code);

/* The sub-command "not implemented yet" answer, exit code 125 as podman. */
int lc_cli_not_yet (const char *prog, const char *command);
