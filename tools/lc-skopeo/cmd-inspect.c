/* cmd-inspect.c: lc-skopeo inspect.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lc-skopeo.h"

static int tls_verify = -1;

static gboolean
parse_tls (const char *name, const char *value, gpointer data, GError **error)
{
  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0)
    tls_verify = 1;
  else if (g_ascii_strcasecmp (value, "false") == 0)
    tls_verify = 0;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "invalid boolean value \"%s\" for %s",
                   value, name);
      return FALSE;
    }
  return TRUE;
}

static void
newline (GString *out, int level)
{
  g_string_append_c (out, '\n');
  for (int i = 0; i < level; i++)
    g_string_append (out, "    ");
}

/* Re-indents compact JSON as Go's MarshalIndent (4 spaces) does, keeping
 * the document's key order. */
static char *
indent_json (const char *text, gsize len)
{
  GString *out = g_string_new (NULL);
  int level = 0;

  for (gsize i = 0; i < len; i++)
    {
      char c = text[i];

      if (c == '"')
        {
          gsize start = i++;
          while (i < len && text[i] != '"')
            i += text[i] == '\\' ? 2 : 1;
          g_string_append_len (out, text + start, (gssize) (MIN (i, len - 1) - start + 1));
          continue;
        }
      if (g_ascii_isspace (c))
        continue;
      if (c == '{' || c == '[')
        {
          gsize j = i + 1;
          while (j < len && g_ascii_isspace (text[j]))
            j++;
          if (j < len && (text[j] == '}' || text[j] == ']'))
            {
              g_string_append_c (out, c);
              g_string_append_c (out, text[j]);
              i = j;
              continue;
            }
          g_string_append_c (out, c);
          newline (out, ++level);
        }
      else if (c == '}' || c == ']')
        {
          newline (out, --level);
          g_string_append_c (out, c);
        }
      else if (c == ',')
        {
          g_string_append_c (out, c);
          newline (out, level);
        }
      else if (c == ':')
        g_string_append (out, ": ");
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, '\n');
  return g_string_free (out, FALSE);
}

int
cmd_inspect (LcContext *context, int argc, char **argv)
{
  gboolean raw = FALSE, config = FALSE;
  g_autofree char *cert_dir = NULL, *policy = NULL;
  gboolean no_creds = FALSE, insecure_policy = FALSE;
  g_autofree char *creds = NULL, *authfile = NULL, *override_os = NULL, *override_arch = NULL;
  g_autofree char *override_variant = NULL;
  int retry_times = 3, code;
  g_autoptr(LcCopyOptions) options = lc_copy_options_new ();
  g_autoptr(GError) error = NULL;
  const GOptionEntry entries[] = {
    { "raw", 0, 0, G_OPTION_ARG_NONE, &raw, "output raw manifest or configuration", NULL },
    { "config", 0, 0, G_OPTION_ARG_NONE, &config, "output configuration", NULL },
    { "tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_tls,
      "require HTTPS and verify certificates when accessing the registry", "BOOL" },
    { "creds", 0, 0, G_OPTION_ARG_STRING, &creds, "Use USERNAME[:PASSWORD] for accessing the registry", "CREDS" },
    { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &authfile, "path of the authentication file", "PATH" },
    { "cert-dir", 0, 0, G_OPTION_ARG_FILENAME, &cert_dir, "use certificates at PATH (*.crt, *.cert, *.key) to connect to the registry", "PATH" },
    { "no-creds", 0, 0, G_OPTION_ARG_NONE, &no_creds, "Access the registry anonymously", NULL },
    { "policy", 0, 0, G_OPTION_ARG_FILENAME, &policy, "Path to a trust policy file (accepted for compatibility; inspect reads no policy)", "PATH" },
    { "insecure-policy", 0, 0, G_OPTION_ARG_NONE, &insecure_policy, "run the tool without any policy check", NULL },
    { "retry-times", 0, 0, G_OPTION_ARG_INT, &retry_times, "the number of times to possibly retry", "N" },
    { "override-os", 0, 0, G_OPTION_ARG_STRING, &override_os, "use OS instead of the running OS for choosing images", "OS" },
    { "override-arch", 0, 0, G_OPTION_ARG_STRING, &override_arch, "use ARCH instead of the architecture of the machine for choosing images", "ARCH" },
    { "override-variant", 0, 0, G_OPTION_ARG_STRING, &override_variant, "use VARIANT instead of the running architecture variant for choosing images", "VARIANT" },
    { NULL },
  };

  tls_verify = -1;
  if (!lc_cli_parse ("lc-skopeo inspect", &argc, &argv, "IMAGE-NAME",
                     "Inspect an image in a registry, layout or archive", entries, &code))
    return code;
  if (argc != 2)
    {
      fprintf (stderr, "lc-skopeo inspect: Exactly one argument expected\n");
      return 2;
    }
  if (tls_verify >= 0)
    lc_copy_options_set_src_tls_verify (options, tls_verify);
  lc_copy_options_set_src_creds (options, creds);
  if (retry_times >= 0)
    lc_copy_options_set_retry_times (options, (guint) retry_times);
  if (override_os || override_arch || override_variant)
    lc_copy_options_set_platform (options, override_os, override_arch, override_variant);
  if (creds && no_creds)
    {
      fprintf (stderr, "lc-skopeo inspect: --creds and --no-creds cannot be specified at the same time\n");
      return 2;
    }
  lc_copy_options_set_src_auth_file (options, authfile);
  lc_copy_options_set_src_cert_dir (options, cert_dir);
  lc_copy_options_set_src_no_creds (options, no_creds);
  lc_copy_options_set_insecure_policy (options, insecure_policy);
  if (policy)
    lc_context_set_policy_path (context, policy);

  if (config)
    {
      g_autoptr(GBytes) bytes = lc_inspect_config (context, argv[1], options, NULL, &error);
      gsize len;
      const char *data;
      if (!bytes)
        goto fail;
      data = g_bytes_get_data (bytes, &len);
      if (raw)
        fwrite (data, 1, len, stdout);
      else
        {
          g_autofree char *pretty = indent_json (data, len);
          fputs (pretty, stdout);
        }
    }
  else if (raw)
    {
      g_autoptr(GBytes) bytes = lc_inspect_manifest (context, argv[1], NULL, options, NULL, NULL, &error);
      gsize len;
      const char *data;
      if (!bytes)
        goto fail;
      data = g_bytes_get_data (bytes, &len);
      fwrite (data, 1, len, stdout);
    }
  else
    {
      g_autofree char *json = lc_inspect_image (context, argv[1], options, NULL, &error);
      if (!json)
        goto fail;
      fputs (json, stdout);
    }
  return fflush (stdout) == 0 ? 0 : 1;

fail:
  fprintf (stderr, "lc-skopeo: %s\n", error->message);
  return 1;
}
