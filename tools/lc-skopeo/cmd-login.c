/* cmd-login.c: lc-skopeo login and logout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "lc-skopeo.h"

static const LcCliProgram skopeo_errors = { .prog = "lc-skopeo", .error_exit_code = 1 };

static int tls_verify_flag = -1;

static gboolean
parse_tls_verify (const char *name, const char *value, gpointer data, GError **error)
{
  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0 || g_str_equal (value, "1"))
    tls_verify_flag = 1;
  else if (g_ascii_strcasecmp (value, "false") == 0 || g_str_equal (value, "0"))
    tls_verify_flag = 0;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "invalid value \"%s\" for %s: expected true or false", value, name);
      return FALSE;
    }
  return TRUE;
}

static char *
read_line (FILE *in, gboolean echo)
{
  char buf[4096];
  struct termios old, noecho;
  gboolean restore = FALSE;

  if (!echo && isatty (fileno (in)) && tcgetattr (fileno (in), &old) == 0)
    {
      noecho = old;
      noecho.c_lflag &= ~(tcflag_t) ECHO;
      restore = tcsetattr (fileno (in), TCSANOW, &noecho) == 0;
    }
  if (fgets (buf, sizeof buf, in) == NULL)
    buf[0] = '\0';
  if (restore)
    {
      tcsetattr (fileno (in), TCSANOW, &old);
      fputc ('\n', stderr);
    }
  buf[strcspn (buf, "\r\n")] = '\0';
  return g_strdup (buf);
}

/* "docker://host/x" or "host/x" → "host/x"; the registry argument. */
static const char *
registry_arg (const char *arg)
{
  return g_str_has_prefix (arg, "docker://") ? arg + 9 : arg;
}

int
cmd_login (LcContext *context, int argc, char **argv)
{
  g_autofree char *username = NULL;
  g_autofree char *password = NULL;
  g_autofree char *authfile = NULL;
  g_autofree char *cert_dir = NULL;
  gboolean password_stdin = FALSE, get_login = FALSE;
  const GOptionEntry entries[] = {
    { "username", 'u', 0, G_OPTION_ARG_STRING, &username, "username for the registry", "NAME" },
    { "password", 'p', 0, G_OPTION_ARG_STRING, &password, "password for the registry", "PASSWORD" },
    { "password-stdin", 0, 0, G_OPTION_ARG_NONE, &password_stdin, "take the password from stdin", NULL },
    { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &authfile, "path of the authentication file", "PATH" },
    { "cert-dir", 0, 0, G_OPTION_ARG_FILENAME, &cert_dir, "use certificates at PATH (*.crt, *.cert, *.key)", "PATH" },
    { "tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_tls_verify,
      "require HTTPS and verify certificates", "BOOL" },
    { "get-login", 0, 0, G_OPTION_ARG_NONE, &get_login, "print the user name stored for the registry", NULL },
    { NULL },
  };
  g_autoptr(LcRegistryOptions) opts = lc_registry_options_new ();
  g_autoptr(GError) error = NULL;
  const char *env_auth = g_getenv ("REGISTRY_AUTH_FILE");
  const char *registry;
  int code;

  tls_verify_flag = -1;
  if (!lc_cli_parse ("lc-skopeo login", &argc, &argv, "REGISTRY", "Log in to a registry", entries, &code))
    return code;
  if (argc != 2)
    {
      fprintf (stderr, "lc-skopeo login: exactly one registry expected\n");
      return 2;
    }
  registry = registry_arg (argv[1]);
  if (authfile != NULL)
    lc_registry_options_set_auth_file (opts, authfile);
  else if (env_auth != NULL && *env_auth != '\0')
    lc_registry_options_set_auth_file (opts, env_auth);
  if (cert_dir != NULL)
    lc_registry_options_set_cert_dir (opts, cert_dir);
  if (tls_verify_flag >= 0)
    lc_registry_options_set_tls_verify (opts, tls_verify_flag);

  if (get_login)
    {
      g_autofree char *user = lc_registry_get_login (context, registry, opts, &error);
      if (user == NULL)
        return lc_cli_fail (&skopeo_errors, error);
      printf ("%s\n", user);
      return 0;
    }

  if (password_stdin)
    {
      if (password != NULL)
        {
          fprintf (stderr, "lc-skopeo login: --password and --password-stdin are mutually exclusive\n");
          return 2;
        }
      if (username == NULL)
        {
          fprintf (stderr, "lc-skopeo login: must provide --username with --password-stdin\n");
          return 2;
        }
      password = read_line (stdin, TRUE);
    }
  if (username == NULL)
    {
      if (!isatty (STDIN_FILENO))
        {
          fprintf (stderr, "lc-skopeo login: must provide --username when stdin is not a terminal\n");
          return 2;
        }
      fprintf (stderr, "Username: ");
      username = read_line (stdin, TRUE);
    }
  if (password == NULL)
    {
      if (!isatty (STDIN_FILENO))
        {
          fprintf (stderr, "lc-skopeo login: must provide --password when stdin is not a terminal\n");
          return 2;
        }
      fprintf (stderr, "Password: ");
      password = read_line (stdin, FALSE);
    }
  if (!lc_registry_login (context, registry, username, password, opts, NULL, &error))
    return lc_cli_fail (&skopeo_errors, error);
  printf ("Login Succeeded!\n");
  return 0;
}

int
cmd_logout (LcContext *context, int argc, char **argv)
{
  g_autofree char *authfile = NULL;
  gboolean all = FALSE;
  const GOptionEntry entries[] = {
    { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &authfile, "path of the authentication file", "PATH" },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "remove the credentials of every registry", NULL },
    { NULL },
  };
  g_autoptr(LcRegistryOptions) opts = lc_registry_options_new ();
  g_autoptr(GError) error = NULL;
  const char *env_auth = g_getenv ("REGISTRY_AUTH_FILE");
  int code;

  if (!lc_cli_parse ("lc-skopeo logout", &argc, &argv, "REGISTRY", "Log out of a registry", entries, &code))
    return code;
  if (authfile != NULL)
    lc_registry_options_set_auth_file (opts, authfile);
  else if (env_auth != NULL && *env_auth != '\0')
    lc_registry_options_set_auth_file (opts, env_auth);
  if (all)
    {
      if (argc != 1)
        {
          fprintf (stderr, "lc-skopeo logout: --all takes no registry\n");
          return 2;
        }
      if (!lc_registry_logout_all (context, opts, &error))
        return lc_cli_fail (&skopeo_errors, error);
      printf ("Removed login credentials for all registries\n");
      return 0;
    }
  if (argc != 2)
    {
      fprintf (stderr, "lc-skopeo logout: exactly one registry expected\n");
      return 2;
    }
  if (!lc_registry_logout (context, registry_arg (argv[1]), opts, &error))
    return lc_cli_fail (&skopeo_errors, error);
  printf ("Removed login credentials for %s\n", registry_arg (argv[1]));
  return 0;
}
