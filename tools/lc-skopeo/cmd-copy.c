/* cmd-copy.c: lc-skopeo copy (and the sync stub).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lc-skopeo.h"

static int src_tls_verify = -1, dest_tls_verify = -1;

static gboolean
parse_bool_value (const char *name, const char *value, int *out, GError **error)
{
  if (value == NULL || g_ascii_strcasecmp (value, "true") == 0 || strcmp (value, "1") == 0)
    *out = 1;
  else if (g_ascii_strcasecmp (value, "false") == 0 || strcmp (value, "0") == 0)
    *out = 0;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "invalid boolean value \"%s\" for %s",
                   value, name);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_src_tls (const char *name, const char *value, gpointer data, GError **error)
{
  return parse_bool_value (name, value, &src_tls_verify, error);
}

static gboolean
parse_dest_tls (const char *name, const char *value, gpointer data, GError **error)
{
  return parse_bool_value (name, value, &dest_tls_verify, error);
}

typedef struct {
  gboolean quiet;
  gboolean tty;
} CopyOutput;

static void
on_progress (LcProgress *p, gpointer user_data)
{
  CopyOutput *out = user_data;
  LcBlobKind kind = lc_progress_get_kind (p);
  const char *what = kind == LC_BLOB_KIND_CONFIG ? "config" : "blob";

  if (out->quiet)
    return;
  switch (lc_progress_get_phase (p))
    {
    case LC_COPY_PHASE_DOWNLOAD:
      if (lc_progress_get_bytes_done (p) == 0)
        fprintf (stderr, "Copying %s %s\n", what, lc_progress_get_digest (p));
      else if (out->tty && lc_progress_get_bytes_total (p) > 0)
        fprintf (stderr, "  %s: %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT " bytes\r",
                 lc_progress_get_digest (p) + 7, lc_progress_get_bytes_done (p), lc_progress_get_bytes_total (p));
      break;
    case LC_COPY_PHASE_SKIP:
      fprintf (stderr, "Copying %s %s skipped: already exists\n", what, lc_progress_get_digest (p));
      break;
    case LC_COPY_PHASE_DONE:
      if (out->tty && kind == LC_BLOB_KIND_LAYER)
        fprintf (stderr, "  %.12s: done%-40s\n", lc_progress_get_digest (p) + 7, "");
      break;
    case LC_COPY_PHASE_WRITE:
      fprintf (stderr, "Writing manifest to image destination\n");
      break;
    case LC_COPY_PHASE_RESOLVE:
    case LC_COPY_PHASE_VERIFY:
    default:
      break;
    }
}

int
cmd_copy (LcContext *context, int argc, char **argv)
{
  gboolean all = FALSE, quiet = FALSE, remove_signatures = FALSE;
  g_autofree char *format = NULL, *compress_format = NULL, *src_creds = NULL, *dest_creds = NULL;
  g_autofree char *authfile = NULL, *digestfile = NULL, *override_os = NULL, *override_arch = NULL;
  g_autofree char *override_variant = NULL;
  int retry_times = 3, code;
  g_autoptr(LcCopyOptions) options = lc_copy_options_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;
  CopyOutput out = { 0 };
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Copy all images if SOURCE-IMAGE is a list", NULL },
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "MANIFEST TYPE (oci, v2s2) to use in the destination", "TYPE" },
    { "dest-compress-format", 0, 0, G_OPTION_ARG_STRING, &compress_format,
      "the compression format to use for the destination (gzip, zstd)", "FORMAT" },
    { "src-tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_src_tls,
      "require HTTPS and verify certificates when talking to the source registry", "BOOL" },
    { "dest-tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_dest_tls,
      "require HTTPS and verify certificates when talking to the destination registry", "BOOL" },
    { "src-creds", 0, 0, G_OPTION_ARG_STRING, &src_creds, "Use USERNAME[:PASSWORD] for accessing the source registry", "CREDS" },
    { "dest-creds", 0, 0, G_OPTION_ARG_STRING, &dest_creds, "Use USERNAME[:PASSWORD] for accessing the destination registry", "CREDS" },
    { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &authfile, "path of the authentication file", "PATH" },
    { "retry-times", 0, 0, G_OPTION_ARG_INT, &retry_times, "the number of times to possibly retry", "N" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Suppress output information when copying images", NULL },
    { "remove-signatures", 0, 0, G_OPTION_ARG_NONE, &remove_signatures, "Do not copy signatures from SOURCE-IMAGE", NULL },
    { "digestfile", 0, 0, G_OPTION_ARG_FILENAME, &digestfile, "Write the digest of the pushed image to the specified file", "PATH" },
    { "override-os", 0, 0, G_OPTION_ARG_STRING, &override_os, "use OS instead of the running OS for choosing images", "OS" },
    { "override-arch", 0, 0, G_OPTION_ARG_STRING, &override_arch, "use ARCH instead of the architecture of the machine for choosing images", "ARCH" },
    { "override-variant", 0, 0, G_OPTION_ARG_STRING, &override_variant, "use VARIANT instead of the running architecture variant for choosing images", "VARIANT" },
    { NULL },
  };

  src_tls_verify = dest_tls_verify = -1;
  if (!lc_cli_parse ("lc-skopeo copy", &argc, &argv, "SOURCE-IMAGE DESTINATION-IMAGE",
                     "Copy an image from one location to another", entries, &code))
    return code;
  if (argc != 3)
    {
      fprintf (stderr, "lc-skopeo copy: Exactly two arguments expected\n");
      return 2;
    }
  lc_copy_options_set_all (options, all);
  if (format)
    {
      if (strcmp (format, "oci") == 0)
        lc_copy_options_set_format (options, LC_MANIFEST_FORMAT_OCI);
      else if (strcmp (format, "v2s2") == 0)
        lc_copy_options_set_format (options, LC_MANIFEST_FORMAT_V2S2);
      else
        {
          fprintf (stderr, "lc-skopeo copy: unknown format \"%s\". Choose one of the supported formats: 'oci' or 'v2s2'\n",
                   format);
          return 2;
        }
    }
  if (compress_format)
    {
      if (strcmp (compress_format, "gzip") == 0)
        lc_copy_options_set_compression (options, LC_COMPRESSION_GZIP);
      else if (strcmp (compress_format, "zstd") == 0)
        lc_copy_options_set_compression (options, LC_COMPRESSION_ZSTD);
      else if (strcmp (compress_format, "none") == 0)
        lc_copy_options_set_compression (options, LC_COMPRESSION_NONE);
      else
        {
          fprintf (stderr, "lc-skopeo copy: unsupported compression format \"%s\" (gzip, zstd)\n", compress_format);
          return 2;
        }
    }
  if (src_tls_verify >= 0)
    lc_copy_options_set_src_tls_verify (options, src_tls_verify);
  if (dest_tls_verify >= 0)
    lc_copy_options_set_dest_tls_verify (options, dest_tls_verify);
  lc_copy_options_set_src_creds (options, src_creds);
  lc_copy_options_set_dest_creds (options, dest_creds);
  if (retry_times < 0)
    {
      fprintf (stderr, "lc-skopeo copy: --retry-times must not be negative\n");
      return 2;
    }
  lc_copy_options_set_retry_times (options, (guint) retry_times);
  lc_copy_options_set_remove_signatures (options, remove_signatures);
  if (override_os || override_arch || override_variant)
    lc_copy_options_set_platform (options, override_os, override_arch, override_variant);
  if (authfile)
    lc_context_set_auth_file (context, authfile);

  out.quiet = quiet;
  out.tty = isatty (STDERR_FILENO);
  if (!quiet)
    fprintf (stderr, "Getting image source signatures\n");
  if (!lc_copy_image (context, argv[1], argv[2], options, on_progress, &out, &digest, NULL, &error))
    {
      fprintf (stderr, "lc-skopeo: %s\n", error->message);
      return 1;
    }
  if (digestfile && !g_file_set_contents (digestfile, digest, -1, &error))
    {
      fprintf (stderr, "lc-skopeo: %s\n", error->message);
      return 1;
    }
  return 0;
}

int
cmd_sync (LcContext *context, int argc, char **argv)
{
  int code;

  if (!lc_cli_parse ("lc-skopeo sync", &argc, &argv, "", "Synchronize images between registries and directories", NULL, &code))
    return code;
  return lc_cli_not_yet ("lc-skopeo", "sync");
}
