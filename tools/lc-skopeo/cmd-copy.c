/* cmd-copy.c: lc-skopeo copy and sync, and their progress output.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lc-skopeo.h"

/* --- options shared by copy and sync ------------------------------------ */

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
  char *src_creds, *dest_creds;
  char *authfile, *src_authfile, *dest_authfile;
  char *src_cert_dir, *dest_cert_dir;
  char *policy;
  gboolean src_no_creds, dest_no_creds, insecure_policy;
  gboolean all, quiet;
  int retry_times, stall_timeout;
} SharedOptions;

static void
shared_options_clear (SharedOptions *o)
{
  g_free (o->src_creds);
  g_free (o->dest_creds);
  g_free (o->authfile);
  g_free (o->src_authfile);
  g_free (o->dest_authfile);
  g_free (o->src_cert_dir);
  g_free (o->dest_cert_dir);
  g_free (o->policy);
}

#define SHARED_ENTRIES(o) \
  { "all", 'a', 0, G_OPTION_ARG_NONE, &(o)->all, "Copy all images if SOURCE-IMAGE is a list", NULL }, \
  { "src-tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_src_tls, \
    "require HTTPS and verify certificates when talking to the source registry", "BOOL" }, \
  { "dest-tls-verify", 0, G_OPTION_FLAG_OPTIONAL_ARG, G_OPTION_ARG_CALLBACK, (gpointer) parse_dest_tls, \
    "require HTTPS and verify certificates when talking to the destination registry", "BOOL" }, \
  { "src-creds", 0, 0, G_OPTION_ARG_STRING, &(o)->src_creds, \
    "Use USERNAME[:PASSWORD] for accessing the source registry", "CREDS" }, \
  { "dest-creds", 0, 0, G_OPTION_ARG_STRING, &(o)->dest_creds, \
    "Use USERNAME[:PASSWORD] for accessing the destination registry", "CREDS" }, \
  { "src-no-creds", 0, 0, G_OPTION_ARG_NONE, &(o)->src_no_creds, "Access the source registry anonymously", NULL }, \
  { "dest-no-creds", 0, 0, G_OPTION_ARG_NONE, &(o)->dest_no_creds, \
    "Access the destination registry anonymously", NULL }, \
  { "authfile", 0, 0, G_OPTION_ARG_FILENAME, &(o)->authfile, "path of the authentication file", "PATH" }, \
  { "src-authfile", 0, 0, G_OPTION_ARG_FILENAME, &(o)->src_authfile, \
    "path of the authentication file for the source registry", "PATH" }, \
  { "dest-authfile", 0, 0, G_OPTION_ARG_FILENAME, &(o)->dest_authfile, \
    "path of the authentication file for the destination registry", "PATH" }, \
  { "src-cert-dir", 0, 0, G_OPTION_ARG_FILENAME, &(o)->src_cert_dir, \
    "use certificates at PATH (*.crt, *.cert, *.key) to connect to the source registry", "PATH" }, \
  { "dest-cert-dir", 0, 0, G_OPTION_ARG_FILENAME, &(o)->dest_cert_dir, \
    "use certificates at PATH (*.crt, *.cert, *.key) to connect to the destination registry", "PATH" }, \
  { "policy", 0, 0, G_OPTION_ARG_FILENAME, &(o)->policy, "Path to a trust policy file", "PATH" }, \
  { "insecure-policy", 0, 0, G_OPTION_ARG_NONE, &(o)->insecure_policy, \
    "run the tool without any policy check", NULL }, \
  { "retry-times", 0, 0, G_OPTION_ARG_INT, &(o)->retry_times, "the number of times to possibly retry", "N" }, \
  { "stall-timeout", 0, 0, G_OPTION_ARG_INT, &(o)->stall_timeout, \
    "fail when a registry sends nothing for SECONDS (default 60; not in skopeo)", "SECONDS" }, \
  { "quiet", 'q', 0, G_OPTION_ARG_NONE, &(o)->quiet, "Suppress output information when copying images", NULL }

/* Applies @o to @options and @context; prints and returns FALSE (usage) on
 * conflicting options. */
static gboolean
shared_options_apply (const char *prog, SharedOptions *o, LcContext *context, LcCopyOptions *options)
{
  if (o->src_creds && o->src_no_creds)
    {
      fprintf (stderr, "%s: --src-creds and --src-no-creds cannot be specified at the same time\n", prog);
      return FALSE;
    }
  if (o->dest_creds && o->dest_no_creds)
    {
      fprintf (stderr, "%s: --dest-creds and --dest-no-creds cannot be specified at the same time\n", prog);
      return FALSE;
    }
  if (o->policy && o->insecure_policy)
    {
      fprintf (stderr, "%s: --policy and --insecure-policy cannot be specified at the same time\n", prog);
      return FALSE;
    }
  if (o->retry_times < 0 || o->stall_timeout < 0)
    {
      fprintf (stderr, "%s: --retry-times and --stall-timeout must not be negative\n", prog);
      return FALSE;
    }
  lc_copy_options_set_all (options, o->all);
  if (src_tls_verify >= 0)
    lc_copy_options_set_src_tls_verify (options, src_tls_verify);
  if (dest_tls_verify >= 0)
    lc_copy_options_set_dest_tls_verify (options, dest_tls_verify);
  lc_copy_options_set_src_creds (options, o->src_creds);
  lc_copy_options_set_dest_creds (options, o->dest_creds);
  lc_copy_options_set_src_no_creds (options, o->src_no_creds);
  lc_copy_options_set_dest_no_creds (options, o->dest_no_creds);
  /* As skopeo: --authfile for both sides unless a side has its own. */
  lc_copy_options_set_src_auth_file (options, o->src_authfile ? o->src_authfile : o->authfile);
  lc_copy_options_set_dest_auth_file (options, o->dest_authfile ? o->dest_authfile : o->authfile);
  lc_copy_options_set_src_cert_dir (options, o->src_cert_dir);
  lc_copy_options_set_dest_cert_dir (options, o->dest_cert_dir);
  lc_copy_options_set_retry_times (options, (guint) o->retry_times);
  lc_copy_options_set_stall_timeout (options, (guint) o->stall_timeout);
  lc_copy_options_set_insecure_policy (options, o->insecure_policy);
  if (o->policy)
    lc_context_set_policy_path (context, o->policy);
  return TRUE;
}

/* --- progress ----------------------------------------------------------- */

typedef enum { BAR_ACTIVE, BAR_DONE, BAR_SKIPPED } BarState;

typedef struct {
  char *digest;
  LcBlobKind kind;
  guint64 done, total;
  BarState state;
} Bar;

typedef struct {
  gboolean quiet;
  gboolean tty;
  GPtrArray *bars;      /* Bar*, in the order the blobs started */
  guint drawn;          /* lines of bars on the screen, below which the cursor is */
  gint64 last_draw;
} CopyOutput;

static void
bar_free (Bar *b)
{
  g_free (b->digest);
  g_free (b);
}

static void
format_size (char *buf, gsize len, guint64 n)
{
  if (n < 1024)
    g_snprintf (buf, len, "%" G_GUINT64_FORMAT " B", n);
  else if (n < 1024 * 1024)
    g_snprintf (buf, len, "%.1f KiB", (double) n / 1024);
  else if (n < (guint64) 1024 * 1024 * 1024)
    g_snprintf (buf, len, "%.1f MiB", (double) n / (1024 * 1024));
  else
    g_snprintf (buf, len, "%.1f GiB", (double) n / (1024.0 * 1024 * 1024));
}

static void
draw_bars (CopyOutput *out, gboolean force)
{
  gint64 now = g_get_monotonic_time ();

  if (!force && now - out->last_draw < 100 * 1000)
    return;
  out->last_draw = now;
  if (out->drawn > 0)
    fprintf (stderr, "\033[%uA", out->drawn);
  for (guint i = 0; i < out->bars->len; i++)
    {
      Bar *b = out->bars->pdata[i];
      const char *what = b->kind == LC_BLOB_KIND_CONFIG ? "config" : "blob";
      const char *hex = strchr (b->digest, ':') ? strchr (b->digest, ':') + 1 : b->digest;
      char done[32], total[32], bar[32];
      int width = 20, filled;

      format_size (done, sizeof done, b->done);
      format_size (total, sizeof total, b->total);
      fprintf (stderr, "\033[2KCopying %s %.12s ", what, hex);
      if (b->state == BAR_SKIPPED)
        fprintf (stderr, "skipped: already exists\n");
      else
        {
          filled = b->total > 0 ? (int) ((double) MIN (b->done, b->total) * width / (double) b->total) : 0;
          if (b->state == BAR_DONE)
            filled = width;
          memset (bar, '=', (gsize) filled);
          memset (bar + filled, ' ', (gsize) (width - filled));
          if (filled > 0 && filled < width)
            bar[filled - 1] = '>';
          bar[width] = '\0';
          fprintf (stderr, "[%s] %s / %s%s\n", bar, done, total, b->state == BAR_DONE ? " done" : "");
        }
    }
  out->drawn = out->bars->len;
  fflush (stderr);
}

/* Leaves the bars on the screen as they are; new ones start below. */
static void
finish_bars (CopyOutput *out)
{
  if (out->bars->len > 0)
    draw_bars (out, TRUE);
  g_ptr_array_set_size (out->bars, 0);
  out->drawn = 0;
}

static Bar *
find_bar (CopyOutput *out, const char *digest, LcBlobKind kind)
{
  Bar *b;

  for (guint i = 0; i < out->bars->len; i++)
    {
      b = out->bars->pdata[i];
      if (b->kind == kind && strcmp (b->digest, digest) == 0)
        return b;
    }
  b = g_new0 (Bar, 1);
  b->digest = g_strdup (digest);
  b->kind = kind;
  g_ptr_array_add (out->bars, b);
  return b;
}

static void
on_progress_tty (CopyOutput *out, LcProgress *p)
{
  LcBlobKind kind = lc_progress_get_kind (p);
  const char *digest = lc_progress_get_digest (p);
  Bar *b;

  switch (lc_progress_get_phase (p))
    {
    case LC_COPY_PHASE_DOWNLOAD:
      b = find_bar (out, digest, kind);
      b->done = lc_progress_get_bytes_done (p);
      if (lc_progress_get_bytes_total (p) > 0)
        b->total = lc_progress_get_bytes_total (p);
      draw_bars (out, b->done == 0);
      break;
    case LC_COPY_PHASE_VERIFY:
      b = find_bar (out, digest, kind);
      b->done = lc_progress_get_bytes_done (p);
      if (b->total == 0)
        b->total = b->done;
      draw_bars (out, FALSE);
      break;
    case LC_COPY_PHASE_SKIP:
      b = find_bar (out, digest, kind);
      b->state = BAR_SKIPPED;
      draw_bars (out, TRUE);
      break;
    case LC_COPY_PHASE_DONE:
      b = find_bar (out, digest, kind);
      b->state = BAR_DONE;
      if (b->total == 0)
        b->total = lc_progress_get_bytes_total (p);
      b->done = MAX (b->done, b->total);
      draw_bars (out, TRUE);
      break;
    case LC_COPY_PHASE_WRITE:
      finish_bars (out);
      fprintf (stderr, "Writing manifest to image destination\n");
      break;
    case LC_COPY_PHASE_RESOLVE:
      finish_bars (out);
      break;
    default:
      break;
    }
}

static void
on_progress (LcProgress *p, gpointer user_data)
{
  CopyOutput *out = user_data;
  LcBlobKind kind = lc_progress_get_kind (p);
  const char *what = kind == LC_BLOB_KIND_CONFIG ? "config" : "blob";

  if (out->quiet)
    return;
  if (out->tty)
    {
      on_progress_tty (out, p);
      return;
    }
  switch (lc_progress_get_phase (p))
    {
    case LC_COPY_PHASE_DOWNLOAD:
      if (lc_progress_get_bytes_done (p) == 0)
        fprintf (stderr, "Copying %s %s\n", what, lc_progress_get_digest (p));
      break;
    case LC_COPY_PHASE_SKIP:
      fprintf (stderr, "Copying %s %s skipped: already exists\n", what, lc_progress_get_digest (p));
      break;
    case LC_COPY_PHASE_WRITE:
      fprintf (stderr, "Writing manifest to image destination\n");
      break;
    case LC_COPY_PHASE_RESOLVE:
    case LC_COPY_PHASE_VERIFY:
    case LC_COPY_PHASE_DONE:
    default:
      break;
    }
}

static void
copy_output_init (CopyOutput *out, gboolean quiet)
{
  out->quiet = quiet;
  out->tty = isatty (STDERR_FILENO) && g_strcmp0 (g_getenv ("TERM"), "dumb") != 0;
  out->bars = g_ptr_array_new_with_free_func ((GDestroyNotify) bar_free);
}

static void
copy_output_clear (CopyOutput *out)
{
  if (out->tty && !out->quiet)
    finish_bars (out);
  g_clear_pointer (&out->bars, g_ptr_array_unref);
}

/* --- copy --------------------------------------------------------------- */

int
cmd_copy (LcContext *context, int argc, char **argv)
{
  gboolean remove_signatures = FALSE;
  g_autofree char *format = NULL, *compress_format = NULL;
  g_autofree char *digestfile = NULL, *override_os = NULL, *override_arch = NULL;
  g_autofree char *override_variant = NULL;
  int code;
  gboolean ok;
  g_autoptr(LcCopyOptions) options = lc_copy_options_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *digest = NULL;
  SharedOptions so = { .retry_times = 3 };
  CopyOutput out = { 0 };
  const GOptionEntry entries[] = {
    SHARED_ENTRIES (&so),
    { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "MANIFEST TYPE (oci, v2s2) to use in the destination", "TYPE" },
    { "dest-compress-format", 0, 0, G_OPTION_ARG_STRING, &compress_format,
      "the compression format to use for the destination (gzip, zstd)", "FORMAT" },
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
    {
      shared_options_clear (&so);
      return code;
    }
  if (argc != 3)
    {
      fprintf (stderr, "lc-skopeo copy: Exactly two arguments expected\n");
      shared_options_clear (&so);
      return 2;
    }
  ok = shared_options_apply ("lc-skopeo copy", &so, context, options);
  copy_output_init (&out, so.quiet);
  shared_options_clear (&so);
  if (!ok)
    {
      copy_output_clear (&out);
      return 2;
    }
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
          copy_output_clear (&out);
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
          copy_output_clear (&out);
          return 2;
        }
    }
  lc_copy_options_set_remove_signatures (options, remove_signatures);
  if (override_os || override_arch || override_variant)
    lc_copy_options_set_platform (options, override_os, override_arch, override_variant);

  if (!out.quiet)
    fprintf (stderr, "Getting image source signatures\n");
  ok = lc_copy_image (context, argv[1], argv[2], options, on_progress, &out, &digest, NULL, &error);
  copy_output_clear (&out);
  if (!ok)
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

/* --- sync --------------------------------------------------------------- */

typedef struct {
  char *source;        /* TRANSPORT:REFERENCE */
  char *dest_suffix;   /* what follows DEST/ */
} SyncItem;

static void
sync_item_free (SyncItem *item)
{
  g_free (item->source);
  g_free (item->dest_suffix);
  g_free (item);
}

static void
add_item (GPtrArray *items, char *source, char *suffix)
{
  SyncItem *item = g_new0 (SyncItem, 1);

  item->source = source;
  item->dest_suffix = suffix;
  g_ptr_array_add (items, item);
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char * const *) a, *(const char * const *) b);
}

/* Every directory below @dir (and @dir itself) holding a manifest.json, sorted. */
static gboolean
find_dir_images (const char *dir, GPtrArray *found, GError **error)
{
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *manifest = g_build_filename (dir, "manifest.json", NULL);
  const char *name;

  if (g_file_test (manifest, G_FILE_TEST_IS_REGULAR))
    g_ptr_array_add (found, g_strdup (dir));
  d = g_dir_open (dir, 0, error);
  if (d == NULL)
    return FALSE;
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *sub = g_build_filename (dir, names->pdata[i], NULL);
      if (g_file_test (sub, G_FILE_TEST_IS_DIR) && !g_file_test (sub, G_FILE_TEST_IS_SYMLINK) &&
          !find_dir_images (sub, found, error))
        return FALSE;
    }
  return TRUE;
}

/* The images a `--src docker` SOURCE names: one with a tag or digest, else
 * every tag of the repository. */
static gboolean
docker_items (LcContext *context, const char *source, SharedOptions *so, GPtrArray *items, GError **error)
{
  const char *name = g_str_has_prefix (source, "docker://") ? source + 9 : source;
  g_autoptr(LcImageRef) ref = lc_image_ref_parse (name, error);
  g_autoptr(LcRegistryOptions) ropts = NULL;
  g_auto(GStrv) tags = NULL;
  const char *authfile = so->src_authfile ? so->src_authfile : so->authfile;

  if (ref == NULL)
    return FALSE;
  if (lc_image_ref_get_tag (ref) != NULL || lc_image_ref_get_digest (ref) != NULL)
    {
      g_autofree char *full = lc_image_ref_to_string (ref);
      add_item (items, g_strconcat ("docker://", full, NULL), g_strdup (full));
      return TRUE;
    }
  ropts = lc_registry_options_new ();
  if (src_tls_verify >= 0)
    lc_registry_options_set_tls_verify (ropts, src_tls_verify);
  if (so->src_cert_dir)
    lc_registry_options_set_cert_dir (ropts, so->src_cert_dir);
  if (authfile)
    lc_registry_options_set_auth_file (ropts, authfile);
  if (so->src_creds && !so->src_no_creds)
    {
      const char *colon = strchr (so->src_creds, ':');
      g_autofree char *user = colon ? g_strndup (so->src_creds, (gsize) (colon - so->src_creds))
                                    : g_strdup (so->src_creds);
      lc_registry_options_set_credentials (ropts, user, colon ? colon + 1 : "");
    }
  lc_registry_options_set_retry_times (ropts, (guint) so->retry_times);
  tags = lc_registry_list_tags (context, ref, ropts, NULL, error);
  if (tags == NULL)
    return FALSE;
  qsort (tags, g_strv_length (tags), sizeof (char *), compare_strings);
  for (char **t = tags; *t != NULL; t++)
    {
      g_autofree char *full = g_strdup_printf ("%s:%s", lc_image_ref_get_name (ref), *t);
      add_item (items, g_strconcat ("docker://", full, NULL), g_strdup (full));
    }
  return TRUE;
}

static gboolean
dir_items (const char *source, GPtrArray *items, GError **error)
{
  g_autofree char *base = g_canonicalize_filename (source, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);

  if (!g_file_test (base, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT, "%s: no such directory", source);
      return FALSE;
    }
  if (!find_dir_images (base, found, error))
    return FALSE;
  for (guint i = 0; i < found->len; i++)
    {
      const char *path = found->pdata[i];
      const char *rel = path + strlen (base);
      while (*rel == '/')
        rel++;
      add_item (items, g_strconcat ("dir:", path, NULL),
                *rel != '\0' ? g_strdup (rel) : g_path_get_basename (base));
    }
  return TRUE;
}

int
cmd_sync (LcContext *context, int argc, char **argv)
{
  g_autofree char *src_transport = NULL, *dest_transport = NULL;
  gboolean scoped = FALSE, dry_run = FALSE, keep_going = FALSE;
  g_autoptr(LcCopyOptions) options = lc_copy_options_new ();
  g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func ((GDestroyNotify) sync_item_free);
  g_autoptr(GError) error = NULL;
  SharedOptions so = { .retry_times = 3 };
  CopyOutput out = { 0 };
  guint copied = 0, failed = 0;
  int code;
  const GOptionEntry entries[] = {
    SHARED_ENTRIES (&so),
    { "src", 's', 0, G_OPTION_ARG_STRING, &src_transport, "SOURCE transport type (docker, dir)", "TRANSPORT" },
    { "dest", 'd', 0, G_OPTION_ARG_STRING, &dest_transport,
      "DESTINATION transport type (docker, dir, oci: one layout per repository, tags as ref names, ':' in paths as '_')",
      "TRANSPORT" },
    { "scoped", 0, 0, G_OPTION_ARG_NONE, &scoped, "Images at DESTINATION are prefixed using the full source image path as scope", NULL },
    { "dry-run", 0, 0, G_OPTION_ARG_NONE, &dry_run, "Run without actually copying data", NULL },
    { "keep-going", 0, 0, G_OPTION_ARG_NONE, &keep_going, "Do not abort the sync if any image copy fails", NULL },
    { NULL },
  };

  src_tls_verify = dest_tls_verify = -1;
  if (!lc_cli_parse ("lc-skopeo sync", &argc, &argv, "SOURCE DESTINATION",
                     "Synchronize one or more images from one location to another", entries, &code))
    goto out;
  code = 2;
  if (argc != 3)
    {
      fprintf (stderr, "lc-skopeo sync: Exactly two arguments expected\n");
      goto out;
    }
  if (src_transport == NULL || dest_transport == NULL)
    {
      fprintf (stderr, "lc-skopeo sync: a source transport (--src) and a destination transport (--dest) are required\n");
      goto out;
    }
  if (strcmp (src_transport, "docker") != 0 && strcmp (src_transport, "dir") != 0)
    {
      fprintf (stderr, "lc-skopeo sync: %s is not a valid source transport (docker, dir)\n", src_transport);
      goto out;
    }
  if (strcmp (dest_transport, "docker") != 0 && strcmp (dest_transport, "dir") != 0 &&
      strcmp (dest_transport, "oci") != 0)
    {
      fprintf (stderr, "lc-skopeo sync: %s is not a valid destination transport (docker, dir, oci)\n",
               dest_transport);
      goto out;
    }
  if (strcmp (src_transport, "dir") == 0 && strcmp (dest_transport, "dir") == 0)
    {
      fprintf (stderr, "lc-skopeo sync: sync from 'dir' to 'dir' not implemented, consider using 'cp' instead\n");
      goto out;
    }
  if (!shared_options_apply ("lc-skopeo sync", &so, context, options))
    goto out;
  code = 1;

  if (strcmp (src_transport, "docker") == 0 ? !docker_items (context, argv[1], &so, items, &error)
                                            : !dir_items (argv[1], items, &error))
    {
      fprintf (stderr, "lc-skopeo: %s\n", error->message);
      goto out;
    }
  if (!so.quiet)
    fprintf (stderr, "Found %u images in %s\n", items->len, argv[1]);

  copy_output_init (&out, so.quiet);
  for (guint i = 0; i < items->len; i++)
    {
      SyncItem *item = items->pdata[i];
      g_autofree char *suffix = scoped ? g_strdup (item->dest_suffix) : g_path_get_basename (item->dest_suffix);
      g_autofree char *dest_path = NULL, *dest = NULL;
      const char *d = argv[2];

      if (strcmp (dest_transport, "docker") == 0 && g_str_has_prefix (d, "docker://"))
        d += 9;
      dest_path = g_build_path ("/", d, suffix, NULL);
      if (strcmp (dest_transport, "docker") == 0)
        dest = g_strconcat ("docker://", dest_path, NULL);
      else
        {
          if (strcmp (dest_transport, "dir") == 0 && !dry_run &&
              g_mkdir_with_parents (dest_path, 0755) != 0)
            {
              fprintf (stderr, "lc-skopeo: creating %s: %s\n", dest_path, g_strerror (errno));
              failed++;
              if (!keep_going)
                break;
              continue;
            }
          if (strcmp (dest_transport, "oci") == 0)
            {
              /* An oci: layout per repository, with the tag as its ref
               * name. oci: splits PATH:REF at the first colon, so colons
               * in the path (a registry's port) become '_'. */
              const char *slash = strrchr (dest_path, '/');
              char *at = strchr (slash ? slash : dest_path, '@');
              char *colon = at ? NULL : strrchr (slash ? slash : dest_path, ':');
              g_autofree char *tag = NULL, *parent = NULL;
              if (at)
                *at = '\0';
              else if (colon)
                {
                  tag = g_strdup (colon + 1);
                  *colon = '\0';
                }
              g_strdelimit (dest_path, ":", '_');
              parent = g_path_get_dirname (dest_path);
              if (!dry_run)
                (void) g_mkdir_with_parents (parent, 0755);
              dest = tag ? g_strconcat ("oci:", dest_path, ":", tag, NULL) : g_strconcat ("oci:", dest_path, NULL);
            }
          else
            dest = g_strconcat (dest_transport, ":", dest_path, NULL);
        }
      if (dry_run)
        {
          fprintf (stderr, "Would have copied image ref %u/%u from: %s to: %s\n", i + 1, items->len,
                   item->source, dest);
          continue;
        }
      if (!so.quiet)
        fprintf (stderr, "Copying image ref %u/%u from: %s to: %s\n", i + 1, items->len, item->source, dest);
      g_clear_error (&error);
      if (!lc_copy_image (context, item->source, dest, options, on_progress, &out, NULL, NULL, &error))
        {
          copy_output_clear (&out);
          copy_output_init (&out, so.quiet);
          fprintf (stderr, "lc-skopeo: copying image %u/%u from %s to %s: %s\n", i + 1, items->len,
                   item->source, dest, error->message);
          failed++;
          if (!keep_going)
            break;
          continue;
        }
      copied++;
    }
  copy_output_clear (&out);
  if (!so.quiet)
    fprintf (stderr, "Synced %u images from %u sources\n", copied, items->len > 0 ? 1u : 0u);
  code = failed > 0 ? 1 : 0;
out:
  shared_options_clear (&so);
  return code;
}
