/* cmd-registry.c: lc-skopeo list-tags and delete.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>

#include "lc-skopeo.h"

static const LcCliProgram skopeo_errors = { .prog = "lc-skopeo", .error_exit_code = 1 };

/* Options shared by the commands that talk to a registry. */
typedef struct {
  int tls_verify;   /* -1 unset */
  char *cert_dir;
  char *authfile;
  char *creds;
  gboolean no_creds;
  int retry_times;
  int stall_timeout;
} RegistryFlags;

static gboolean
parse_tls_verify (const char *name, const char *value, gpointer data, GError **error)
{
  RegistryFlags *f = data;

  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0 || g_str_equal (value, "1"))
    f->tls_verify = 1;
  else if (g_ascii_strcasecmp (value, "false") == 0 || g_str_equal (value, "0"))
    f->tls_verify = 0;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "invalid value \"%s\" for %s: expected true or false", value, name);
      return FALSE;
    }
  return TRUE;
}

static GOptionGroup *
registry_group (RegistryFlags *f)
{
  const GOptionEntry entries[] = {
    { "tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_tls_verify,
      "require HTTPS and verify certificates (default: registries.conf)", "BOOL" },
    { "cert-dir", 0, 0, G_OPTION_ARG_FILENAME, &f->cert_dir, "use certificates at PATH (*.crt, *.cert, *.key)", "PATH" },
    { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &f->authfile, "path of the authentication file", "PATH" },
    { "creds", 0, 0, G_OPTION_ARG_STRING, &f->creds, "credentials for the registry", "USERNAME[:PASSWORD]" },
    { "no-creds", 0, 0, G_OPTION_ARG_NONE, &f->no_creds, "access the registry anonymously", NULL },
    { "retry-times", 0, 0, G_OPTION_ARG_INT, &f->retry_times, "retries of transient failures", "N" },
    { "stall-timeout", 0, 0, G_OPTION_ARG_INT, &f->stall_timeout,
      "give up after SECONDS without data (lc-skopeo extension, default 60)", "SECONDS" },
    { NULL },
  };
  GOptionGroup *g = g_option_group_new ("registry", "Registry options", "Show registry options", f, NULL);
  g_option_group_add_entries (g, entries);
  return g;
}

static LcRegistryOptions *
registry_options (RegistryFlags *f)
{
  LcRegistryOptions *o = lc_registry_options_new ();
  const char *env_auth = g_getenv ("REGISTRY_AUTH_FILE");

  if (f->tls_verify >= 0)
    lc_registry_options_set_tls_verify (o, f->tls_verify);
  if (f->cert_dir != NULL)
    lc_registry_options_set_cert_dir (o, f->cert_dir);
  if (f->authfile != NULL)
    lc_registry_options_set_auth_file (o, f->authfile);
  else if (env_auth != NULL && *env_auth != '\0')
    lc_registry_options_set_auth_file (o, env_auth);
  if (f->creds != NULL)
    {
      const char *colon = strchr (f->creds, ':');
      g_autofree char *user = colon ? g_strndup (f->creds, colon - f->creds) : g_strdup (f->creds);
      lc_registry_options_set_credentials (o, user, colon ? colon + 1 : "");
    }
  else if (f->no_creds)
    lc_registry_options_set_credentials (o, "", "");
  if (f->retry_times >= 0)
    lc_registry_options_set_retry_times (o, (guint) f->retry_times);
  if (f->stall_timeout > 0)
    lc_registry_options_set_stall_timeout (o, (guint) f->stall_timeout);
  return o;
}

static void
registry_flags_clear (RegistryFlags *f)
{
  g_free (f->cert_dir);
  g_free (f->authfile);
  g_free (f->creds);
}

/* Parses with the shared registry options added. */
static gboolean
parse_with_registry (const char *prog, int *argc, char ***argv, const char *params, const char *summary,
                     RegistryFlags *f, int *exit_code)
{
  g_autoptr(GOptionContext) octx = g_option_context_new (params);
  g_autoptr(GError) error = NULL;

  f->tls_verify = -1;
  f->retry_times = -1;
  f->stall_timeout = -1;
  g_option_context_set_summary (octx, summary);
  g_option_context_set_main_group (octx, registry_group (f));
  if (!g_option_context_parse (octx, argc, argv, &error))
    {
      fprintf (stderr, "%s: %s\n", prog, error->message);
      *exit_code = 2;
      return FALSE;
    }
  *exit_code = 0;
  return TRUE;
}

static void
print_json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const unsigned char *p = (const unsigned char *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}

/* "docker://NAME" → the reference, or NULL with a message. */
static LcImageRef *
docker_arg (const char *arg, GError **error)
{
  if (!g_str_has_prefix (arg, "docker://"))
    {
      const char *colon = strchr (arg, ':');
      if (colon == NULL)
        g_set_error (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE,
                     "Invalid image name \"%s\", expected colon-separated transport:reference", arg);
      else if (g_str_has_prefix (arg, "docker:"))
        g_set_error (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE,
                     "docker: image reference %s does not start with //", arg + 7);
      else
        g_set_error (error, LC_ERROR, LC_ERROR_UNSUPPORTED,
                     "Unsupported transport \"%.*s\" for this command (only docker:// is)",
                     (int) (colon - arg), arg);
      return NULL;
    }
  return lc_image_ref_parse (arg + 9, error);
}

int
cmd_list_tags (LcContext *context, int argc, char **argv)
{
  RegistryFlags f = { 0 };
  g_autoptr(LcRegistryOptions) opts = NULL;
  g_autoptr(LcImageRef) ref = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) tags = NULL;
  g_autoptr(GString) out = g_string_new ("{\n    \"Repository\": ");
  int code;

  if (!parse_with_registry ("lc-skopeo list-tags", &argc, &argv, "docker://REPOSITORY",
                            "List the tags of a repository", &f, &code))
    return code;
  if (argc != 2)
    {
      fprintf (stderr, "lc-skopeo list-tags: exactly one argument expected\n");
      registry_flags_clear (&f);
      return 2;
    }
  opts = registry_options (&f);
  registry_flags_clear (&f);
  ref = docker_arg (argv[1], &error);
  if (ref == NULL)
    return lc_cli_fail (&skopeo_errors, error);
  tags = lc_registry_list_tags (context, ref, opts, NULL, &error);
  if (tags == NULL)
    return lc_cli_fail (&skopeo_errors, error);

  print_json_string (out, lc_image_ref_get_name (ref));
  g_string_append (out, ",\n    \"Tags\": [");
  for (guint i = 0; tags[i] != NULL; i++)
    {
      g_string_append (out, i == 0 ? "\n        " : ",\n        ");
      print_json_string (out, tags[i]);
    }
  g_string_append (out, tags[0] != NULL ? "\n    ]\n}\n" : "]\n}\n");
  fputs (out->str, stdout);
  return 0;
}

int
cmd_delete (LcContext *context, int argc, char **argv)
{
  RegistryFlags f = { 0 };
  g_autoptr(LcRegistryOptions) opts = NULL;
  g_autoptr(LcImageRef) ref = NULL;
  g_autoptr(GError) error = NULL;
  int code;

  if (!parse_with_registry ("lc-skopeo delete", &argc, &argv, "docker://IMAGE",
                            "Delete an image from a registry", &f, &code))
    return code;
  if (argc != 2)
    {
      fprintf (stderr, "lc-skopeo delete: exactly one argument expected\n");
      registry_flags_clear (&f);
      return 2;
    }
  opts = registry_options (&f);
  registry_flags_clear (&f);
  ref = docker_arg (argv[1], &error);
  if (ref == NULL)
    return lc_cli_fail (&skopeo_errors, error);
  if (!lc_registry_delete_image (context, ref, opts, NULL, &error))
    return lc_cli_fail (&skopeo_errors, error);
  return 0;
}
