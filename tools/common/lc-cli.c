/* lc-cli.c: global options, sub-command dispatch, --help and --version.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include "lc-cli.h"

static void
print_usage (const LcCliProgram *program, FILE *out)
{
  fprintf (out, "%s: %s\n\nUsage:\n  %s [global options] COMMAND [options] [arguments]\n\n",
           program->prog, program->summary, program->prog);
  fprintf (out, "Commands:\n");
  for (const LcCliCommand *c = program->commands; c->name != NULL; c++)
    fprintf (out, "  %-14s %s\n", c->name, c->summary);
  fprintf (out,
           "\nGlobal options:\n"
           "  --debug                    log what the library does (LC_DEBUG=debug)\n"
           "  --registries-conf PATH     registries.conf to use\n"
           "  --storage-conf PATH        storage.conf to use\n"
           "  -h, --help                 show this help\n"
           "  -v, --version              show the version\n"
           "\nRun '%s COMMAND --help' for a command's options.\n", program->prog);
}

static void
stderr_log (LcLogLevel level, const char *component, const char *message, gpointer user_data)
{
  static const char *names[] = { "error", "warning", "info", "debug" };
  const char *prog = user_data;
  fprintf (stderr, "%s: %s: %s: %s\n", prog, level <= LC_LOG_DEBUG ? names[level] : "log",
           component, message);
}

int
lc_cli_fail (const LcCliProgram *program, const GError *error)
{
  fprintf (stderr, "%s: %s\n", program->prog, error->message);
  return program->error_exit_code;
}

int
lc_cli_not_yet (const char *prog, const char *command)
{
  fprintf (stderr, "%s: '%s' is not implemented yet\n", prog, command);
  return 125;
}

gboolean
lc_cli_parse (const char *prog, int *argc, char ***argv, const char *parameter_string,
              const char *summary, const GOptionEntry *entries, int *exit_code)
{
  g_autoptr(GOptionContext) octx = g_option_context_new (parameter_string);
  g_autoptr(GError) error = NULL;

  g_option_context_set_summary (octx, summary);
  if (entries != NULL)
    g_option_context_add_main_entries (octx, entries, NULL);
  g_option_context_set_strict_posix (octx, FALSE);
  if (!g_option_context_parse (octx, argc, argv, &error))
    {
      fprintf (stderr, "%s: %s\n", prog, error->message);
      *exit_code = 2;
      return FALSE;
    }
  *exit_code = 0;
  return TRUE;
}

const char * const lc_cli_storage_options[] = {
  "--root", "--runroot", "--storage-driver", "--storage-opt", NULL,
};

/* Whether @arg is one of the program's forwarded options, as "--opt" (the
 * value follows) or "--opt=value". */
static gboolean
is_forwarded (const LcCliProgram *program, const char *arg, gboolean *takes_next)
{
  if (program->forwarded_options == NULL)
    return FALSE;
  for (const char * const *o = program->forwarded_options; *o != NULL; o++)
    {
      gsize n = strlen (*o);
      if (strncmp (arg, *o, n) == 0 && (arg[n] == '\0' || arg[n] == '='))
        {
          *takes_next = arg[n] == '\0';
          return TRUE;
        }
    }
  return FALSE;
}

int
lc_cli_main (const LcCliProgram *program, int argc, char **argv)
{
  g_autoptr(LcContext) context = lc_context_new ();
  g_autoptr(GPtrArray) forwarded = g_ptr_array_new ();
  g_autoptr(GPtrArray) sub_argv = NULL;
  gboolean takes_next = FALSE;
  int i = 1;

  for (; i < argc && argv[i][0] == '-'; i++)
    {
      const char *a = argv[i];

      if (g_str_equal (a, "-h") || g_str_equal (a, "--help"))
        {
          print_usage (program, stdout);
          return 0;
        }
      else if (g_str_equal (a, "-v") || g_str_equal (a, "--version"))
        {
          printf ("%s version %s (libcontainers %s)\n", program->prog, LC_VERSION_S, lc_version ());
          return 0;
        }
      else if (g_str_equal (a, "--debug") || g_str_equal (a, "--log-level=debug"))
        lc_set_log_func (LC_LOG_DEBUG, stderr_log, (gpointer) program->prog, NULL);
      else if (g_str_equal (a, "--registries-conf") && i + 1 < argc)
        lc_context_set_registries_conf (context, argv[++i]);
      else if (g_str_equal (a, "--storage-conf") && i + 1 < argc)
        lc_context_set_storage_conf (context, argv[++i]);
      else if (is_forwarded (program, a, &takes_next))
        {
          g_ptr_array_add (forwarded, argv[i]);
          if (takes_next && i + 1 < argc)
            g_ptr_array_add (forwarded, argv[++i]);
        }
      else
        {
          fprintf (stderr, "%s: unknown global option '%s'\n", program->prog, a);
          return 2;
        }
    }

  if (i == argc)
    {
      print_usage (program, stderr);
      return 2;
    }

  /* The sub-command sees: its name, the forwarded global options, then its
   * own arguments. */
  sub_argv = g_ptr_array_new ();
  g_ptr_array_add (sub_argv, argv[i]);
  for (guint k = 0; k < forwarded->len; k++)
    g_ptr_array_add (sub_argv, forwarded->pdata[k]);
  for (int k = i + 1; k < argc; k++)
    g_ptr_array_add (sub_argv, argv[k]);
  g_ptr_array_add (sub_argv, NULL);

  for (const LcCliCommand *c = program->commands; c->name != NULL; c++)
    if (g_str_equal (c->name, argv[i]))
      return c->func (context, (int) sub_argv->len - 1, (char **) sub_argv->pdata);

  fprintf (stderr, "%s: unknown command '%s'; see '%s --help'\n", program->prog, argv[i], program->prog);
  return 2;
}
