/* cmd-images.c: lc-podman image sub-commands (images, image inspect, rmi,
 * tag, untag, load), on the public LcStore API, with podman's names,
 * options and output shapes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "lc-podman.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, json_object_put)

static const LcCliProgram podman_program = { .prog = "lc-podman", .error_exit_code = 125 };

/* ---- storage options shared by every sub-command ------------------------ */

static char *opt_root;
static char *opt_runroot;
static char *opt_driver;
static char **opt_storage_opts;

#define STORAGE_ENTRIES \
  { "root", 0, 0, G_OPTION_ARG_FILENAME, &opt_root, "Path to the graph root directory", "PATH" }, \
  { "runroot", 0, 0, G_OPTION_ARG_FILENAME, &opt_runroot, "Path to the run root directory", "PATH" }, \
  { "storage-driver", 0, 0, G_OPTION_ARG_STRING, &opt_driver, "Storage driver (overlay, vfs)", "DRIVER" }, \
  { "storage-opt", 0, 0, G_OPTION_ARG_STRING_ARRAY, &opt_storage_opts, "Storage driver option", "OPT" }

static LcStore *
open_store (LcContext *context, GError **error)
{
  g_autoptr(LcStoreOptions) o = lc_store_options_new ();

  lc_store_options_set_graph_root (o, opt_root);
  lc_store_options_set_run_root (o, opt_runroot);
  lc_store_options_set_driver (o, opt_driver);
  for (char **s = opt_storage_opts; s && *s; s++)
    lc_store_options_add_driver_option (o, *s);
  return lc_store_open (context, o, NULL, error);
}

/* ---- formatting helpers --------------------------------------------------- */

/* "docker.io/library/busybox:latest" -> repo, tag ("<none>" when absent). */
static void
split_name (const char *name, char **repo, char **tag)
{
  const char *at = strchr (name, '@');
  const char *slash, *colon;

  if (at != NULL)
    {
      *repo = g_strndup (name, (gsize) (at - name));
      *tag = g_strdup ("<none>");
      return;
    }
  slash = strrchr (name, '/');
  colon = strrchr (name, ':');
  if (colon != NULL && (slash == NULL || colon > slash))
    {
      *repo = g_strndup (name, (gsize) (colon - name));
      *tag = g_strdup (colon + 1);
    }
  else
    {
      *repo = g_strdup (name);
      *tag = g_strdup ("<none>");
    }
}

/* go-units HumanSizeWithPrecision(size, 3): decimal units, 3 significant digits. */
static char *
human_size (gint64 size)
{
  static const char *units[] = { "B", "kB", "MB", "GB", "TB", "PB" };
  double s = (double) size;
  int i = 0;

  while (s >= 1000.0 && i < 5)
    {
      s /= 1000.0;
      i++;
    }
  return g_strdup_printf ("%.3g %s", s, units[i]);
}

static gint64
parse_time (const char *text)
{
  g_autoptr(GDateTime) dt = text ? g_date_time_new_from_iso8601 (text, NULL) : NULL;
  return dt ? g_date_time_to_unix (dt) : 0;
}

/* go-units HumanDuration, as podman's CREATED column. */
static char *
human_ago (const char *created)
{
  gint64 secs = (gint64) time (NULL) - parse_time (created);
  gint64 mins, hours;

  if (secs < 1)
    return g_strdup ("Less than a second ago");
  if (secs == 1)
    return g_strdup ("1 second ago");
  if (secs < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " seconds ago", secs);
  mins = secs / 60;
  if (mins == 1)
    return g_strdup ("About a minute ago");
  if (mins < 60)
    return g_strdup_printf ("%" G_GINT64_FORMAT " minutes ago", mins);
  hours = (gint64) ((double) secs / 3600.0 + 0.5);
  if (hours == 1)
    return g_strdup ("About an hour ago");
  if (hours < 48)
    return g_strdup_printf ("%" G_GINT64_FORMAT " hours ago", hours);
  if (hours < 24 * 7 * 2)
    return g_strdup_printf ("%" G_GINT64_FORMAT " days ago", hours / 24);
  if (hours < 24 * 30 * 2)
    return g_strdup_printf ("%" G_GINT64_FORMAT " weeks ago", hours / 24 / 7);
  if (hours < 24 * 365 * 2)
    return g_strdup_printf ("%" G_GINT64_FORMAT " months ago", hours / 24 / 30);
  return g_strdup_printf ("%" G_GINT64_FORMAT " years ago", hours / 24 / 365);
}

static json_object *
strv_to_json (const char * const *v)
{
  json_object *arr = json_object_new_array ();

  for (; v != NULL && *v != NULL; v++)
    json_object_array_add (arr, json_object_new_string (*v));
  return arr;
}

static json_object *
repo_digests (LcImage *img)
{
  json_object *arr = json_object_new_array ();
  const char *digest = lc_image_get_digest (img);
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (digest == NULL)
    return arr;
  for (const char * const *n = lc_image_get_names (img); n && *n; n++)
    {
      g_autofree char *repo = NULL, *tag = NULL;
      split_name (*n, &repo, &tag);
      if (g_hash_table_add (seen, g_strdup (repo)))
        {
          g_autofree char *rd = g_strconcat (repo, "@", digest, NULL);
          json_object_array_add (arr, json_object_new_string (rd));
        }
    }
  return arr;
}

static json_object *
image_config (LcStore *store, LcImage *img)
{
  g_autofree char *key = g_strconcat ("sha256:", lc_image_get_id (img), NULL);
  g_autoptr(GBytes) data = NULL;
  gsize len = 0;
  const char *p;
  json_tokener *tok;
  json_object *obj;

  if (!g_strv_contains (lc_image_get_big_data_names (img), key))
    return NULL;
  data = lc_store_get_image_big_data (store, lc_image_get_id (img), key, NULL, NULL);
  if (data == NULL)
    return NULL;
  p = g_bytes_get_data (data, &len);
  tok = json_tokener_new ();
  obj = json_tokener_parse_ex (tok, p, (int) len);
  json_tokener_free (tok);
  if (obj != NULL && !json_object_is_type (obj, json_type_object))
    {
      json_object_put (obj);
      obj = NULL;
    }
  return obj;
}

static json_object *
get_path (json_object *o, const char *a, const char *b)
{
  json_object *v = NULL;

  if (o == NULL || !json_object_object_get_ex (o, a, &v))
    return NULL;
  if (b != NULL && (v == NULL || !json_object_object_get_ex (v, b, &v)))
    return NULL;
  return v;
}

static json_object *
copy_or_null (json_object *v)
{
  return v != NULL ? json_object_get (v) : NULL;
}

static gint
cmp_created_desc (gconstpointer a, gconstpointer b)
{
  LcImage *x = *(LcImage **) a, *y = *(LcImage **) b;
  gint64 tx = parse_time (lc_image_get_created (x)), ty = parse_time (lc_image_get_created (y));
  return tx < ty ? 1 : tx > ty ? -1 : 0;
}

/* ---- images ------------------------------------------------------------------ */

static int
list_images (LcContext *context, const char *filter, const char *format, gboolean quiet, gboolean noheading,
             gboolean no_trunc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = open_store (context, &error);
  g_autoptr(GPtrArray) images = NULL;

  if (store == NULL)
    return lc_cli_fail (&podman_program, error);
  if (filter != NULL)
    {
      /* podman images NAME: only that image (none when unknown) */
      LcImage *one = lc_store_lookup_image (store, filter, NULL, NULL);
      images = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_image_unref);
      if (one != NULL)
        g_ptr_array_add (images, one);
    }
  else if ((images = lc_store_list_images (store, NULL, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  g_ptr_array_sort (images, cmp_created_desc);

  if (format != NULL && g_str_equal (format, "json"))
    {
      json_object *arr = json_object_new_array ();
      for (guint i = 0; i < images->len; i++)
        {
          LcImage *img = images->pdata[i];
          json_object *o = json_object_new_object ();
          json_object *config = image_config (store, img);
          gint64 created = parse_time (lc_image_get_created (img));
          g_autoptr(GDateTime) cdt = g_date_time_new_from_unix_utc (created);
          g_autofree char *created_at = g_date_time_format_iso8601 (cdt);

          json_object_object_add (o, "Id", json_object_new_string (lc_image_get_id (img)));
          json_object_object_add (o, "ParentId", json_object_new_string (""));
          json_object_object_add (o, "RepoTags", NULL);
          json_object_object_add (o, "RepoDigests", repo_digests (img));
          json_object_object_add (o, "Size", json_object_new_int64 (lc_image_get_size (img)));
          json_object_object_add (o, "SharedSize", json_object_new_int (0));
          json_object_object_add (o, "VirtualSize", json_object_new_int64 (lc_image_get_size (img)));
          json_object_object_add (o, "Labels", copy_or_null (get_path (config, "config", "Labels")));
          json_object_object_add (o, "Containers", json_object_new_int (0));
          json_object_object_add (o, "Names", strv_to_json (lc_image_get_names (img)));
          json_object_object_add (o, "Digest", json_object_new_string (lc_image_get_digest (img) ? lc_image_get_digest (img) : ""));
          json_object_object_add (o, "History", strv_to_json (lc_image_get_names_history (img)));
          json_object_object_add (o, "Created", json_object_new_int64 (created));
          json_object_object_add (o, "CreatedAt", json_object_new_string (created_at));
          json_object_array_add (arr, o);
          json_object_put (config);
        }
      printf ("%s\n", json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                           JSON_C_TO_STRING_NOSLASHESCAPE));
      json_object_put (arr);
      return 0;
    }

  {
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_strfreev);
    gsize w[5] = { strlen ("REPOSITORY"), strlen ("TAG"), strlen ("IMAGE ID"), strlen ("CREATED"), strlen ("SIZE") };

    for (guint i = 0; i < images->len; i++)
      {
        LcImage *img = images->pdata[i];
        const char * const *names = lc_image_get_names (img);
        const char *none[] = { NULL, NULL };
        g_autofree char *id = g_strndup (lc_image_get_id (img), no_trunc ? 64 : 12);
        g_autofree char *ago = human_ago (lc_image_get_created (img));
        g_autofree char *size = human_size (lc_image_get_size (img));

        if (quiet)
          {
            printf ("%s\n", no_trunc ? lc_image_get_id (img) : id);
            continue;
          }
        if (names == NULL || names[0] == NULL)
          names = none;
        for (const char * const *n = names; n == none || *n != NULL; n++)
          {
            char **row = g_new0 (char *, 6);
            if (*n == NULL)
              {
                row[0] = g_strdup ("<none>");
                row[1] = g_strdup ("<none>");
              }
            else
              split_name (*n, &row[0], &row[1]);
            row[2] = no_trunc ? g_strconcat ("sha256:", lc_image_get_id (img), NULL) : g_strdup (id);
            row[3] = g_strdup (ago);
            row[4] = g_strdup (size);
            for (int c = 0; c < 5; c++)
              w[c] = MAX (w[c], strlen (row[c]));
            g_ptr_array_add (rows, row);
            if (*n == NULL)
              break;
          }
      }
    if (quiet)
      return 0;
    if (!noheading)
      printf ("%-*s  %-*s  %-*s  %-*s  %s\n", (int) w[0], "REPOSITORY", (int) w[1], "TAG", (int) w[2], "IMAGE ID",
              (int) w[3], "CREATED", "SIZE");
    for (guint i = 0; i < rows->len; i++)
      {
        char **r = rows->pdata[i];
        printf ("%-*s  %-*s  %-*s  %-*s  %s\n", (int) w[0], r[0], (int) w[1], r[1], (int) w[2], r[2],
                (int) w[3], r[3], r[4]);
      }
  }
  return 0;
}

int
cmd_images (LcContext *context, int argc, char **argv)
{
  g_autofree char *format = NULL;
  gboolean quiet = FALSE, noheading = FALSE, no_trunc = FALSE, all = FALSE;
  const GOptionEntry entries[] = {
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "Output format: json or table", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Display only image IDs", NULL },
    { "noheading", 'n', 0, G_OPTION_ARG_NONE, &noheading, "Do not print column headings", NULL },
    { "no-trunc", 0, 0, G_OPTION_ARG_NONE, &no_trunc, "Do not truncate output", NULL },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Show all images", NULL },
    STORAGE_ENTRIES,
    { NULL },
  };
  int code;

  if (!lc_cli_parse ("lc-podman images", &argc, &argv, "[IMAGE]", "List images in local storage", entries, &code))
    return code;
  if (format != NULL && !g_str_equal (format, "json") && !g_str_equal (format, "table"))
    {
      fprintf (stderr, "lc-podman: --format %s: only json and table are supported\n", format);
      return 125;
    }
  return list_images (context, argc > 1 ? argv[1] : NULL, format, quiet, noheading, no_trunc);
}

/* ---- image inspect ------------------------------------------------------------ */

static json_object *
inspect_one (LcStore *store, LcImage *img)
{
  json_object *o = json_object_new_object ();
  json_object *config = image_config (store, img);
  json_object *tags = json_object_new_array ();
  json_object *graph = json_object_new_object ();
  json_object *gdata = json_object_new_object ();
  json_object *rootfs = json_object_new_object ();
  g_autoptr(LcLayer) top = NULL;

  for (const char * const *n = lc_image_get_names (img); n && *n; n++)
    if (strchr (*n, '@') == NULL)
      json_object_array_add (tags, json_object_new_string (*n));
  json_object_object_add (o, "Id", json_object_new_string (lc_image_get_id (img)));
  json_object_object_add (o, "Digest", json_object_new_string (lc_image_get_digest (img) ? lc_image_get_digest (img) : ""));
  json_object_object_add (o, "RepoTags", tags);
  json_object_object_add (o, "RepoDigests", repo_digests (img));
  json_object_object_add (o, "Parent", json_object_new_string (""));
  json_object_object_add (o, "Comment", json_object_new_string (""));
  json_object_object_add (o, "Created", copy_or_null (get_path (config, "created", NULL)));
  json_object_object_add (o, "Config", config ? copy_or_null (get_path (config, "config", NULL)) : json_object_new_object ());
  json_object_object_add (o, "Version", json_object_new_string (""));
  json_object_object_add (o, "Author", json_object_new_string (get_path (config, "author", NULL) ?
                                                               json_object_get_string (get_path (config, "author", NULL)) : ""));
  json_object_object_add (o, "Architecture", copy_or_null (get_path (config, "architecture", NULL)));
  json_object_object_add (o, "Os", copy_or_null (get_path (config, "os", NULL)));
  json_object_object_add (o, "Size", json_object_new_int64 (lc_image_get_size (img)));
  json_object_object_add (o, "VirtualSize", json_object_new_int64 (lc_image_get_size (img)));
  json_object_object_add (gdata, "UpperDir", NULL);
  if (lc_image_get_top_layer (img) != NULL)
    {
      top = lc_store_lookup_layer (store, lc_image_get_top_layer (img), NULL, NULL);
      if (g_str_equal (lc_store_get_driver_name (store), "overlay"))
        {
          g_autofree char *upper = g_build_filename (lc_store_get_graph_root (store), "overlay",
                                                     lc_image_get_top_layer (img), "diff", NULL);
          g_autofree char *work = g_build_filename (lc_store_get_graph_root (store), "overlay",
                                                    lc_image_get_top_layer (img), "work", NULL);
          json_object_object_add (gdata, "UpperDir", json_object_new_string (upper));
          json_object_object_add (gdata, "WorkDir", json_object_new_string (work));
        }
    }
  json_object_object_add (graph, "Name", json_object_new_string (lc_store_get_driver_name (store)));
  json_object_object_add (graph, "Data", gdata);
  json_object_object_add (o, "GraphDriver", graph);
  json_object_object_add (rootfs, "Type", json_object_new_string ("layers"));
  json_object_object_add (rootfs, "Layers", copy_or_null (get_path (config, "rootfs", "diff_ids")));
  json_object_object_add (o, "RootFS", rootfs);
  json_object_object_add (o, "Labels", copy_or_null (get_path (config, "config", "Labels")));
  json_object_object_add (o, "Annotations", json_object_new_object ());
  json_object_object_add (o, "User", json_object_new_string (get_path (config, "config", "User") ?
                                                             json_object_get_string (get_path (config, "config", "User")) : ""));
  json_object_object_add (o, "History", copy_or_null (get_path (config, "history", NULL)));
  json_object_object_add (o, "NamesHistory", strv_to_json (lc_image_get_names_history (img)));
  json_object_put (config);
  return o;
}

static int
image_inspect (LcContext *context, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = NULL;
  json_object *arr;
  int rc = 0;

  if (argc < 2)
    {
      fprintf (stderr, "lc-podman: image inspect needs at least one image\n");
      return 125;
    }
  store = open_store (context, &error);
  if (store == NULL)
    return lc_cli_fail (&podman_program, error);
  arr = json_object_new_array ();
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(LcImage) img = lc_store_lookup_image (store, argv[i], NULL, &error);
      if (img == NULL)
        {
          fprintf (stderr, "Error: %s: image not known\n", argv[i]);
          g_clear_error (&error);
          rc = 125;
          continue;
        }
      json_object_array_add (arr, inspect_one (store, img));
    }
  printf ("%s\n", json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                       JSON_C_TO_STRING_NOSLASHESCAPE));
  json_object_put (arr);
  return rc;
}

/* ---- tag, untag, rmi ---------------------------------------------------------- */

/* podman's normalisation of a name given to tag: short names go to
 * localhost/, and :latest is implied. */
static char *
normalize_name (const char *name)
{
  g_autofree char *full = NULL;
  const char *slash = strchr (name, '/');
  const char *last;

  if (slash == NULL)
    full = g_strconcat ("localhost/", name, NULL);
  else
    {
      g_autofree char *first = g_strndup (name, (gsize) (slash - name));
      if (strchr (first, '.') || strchr (first, ':') || g_str_equal (first, "localhost"))
        full = g_strdup (name);
      else
        full = g_strconcat ("localhost/", name, NULL);
    }
  last = strrchr (full, '/');
  if (strchr (last, ':') == NULL && strchr (last, '@') == NULL)
    return g_strconcat (full, ":latest", NULL);
  return g_steal_pointer (&full);
}

int
cmd_tag (LcContext *context, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = NULL;
  g_autoptr(LcImage) img = NULL;
  const GOptionEntry entries[] = { STORAGE_ENTRIES, { NULL } };
  int code;

  if (!lc_cli_parse ("lc-podman tag", &argc, &argv, "IMAGE TARGET_NAME [TARGET_NAME...]",
                     "Add an additional name to a local image", entries, &code))
    return code;
  if (argc < 3)
    {
      fprintf (stderr, "Error: tag requires at least 2 arguments\n");
      return 125;
    }
  if ((store = open_store (context, &error)) == NULL ||
      (img = lc_store_lookup_image (store, argv[1], NULL, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  for (int i = 2; i < argc; i++)
    {
      g_autofree char *name = normalize_name (argv[i]);
      if (!lc_store_add_image_name (store, lc_image_get_id (img), name, NULL, &error))
        return lc_cli_fail (&podman_program, error);
    }
  return 0;
}

static int
remove_images (LcContext *context, int argc, char **argv, gboolean all, gboolean force)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = open_store (context, &error);
  g_autoptr(GPtrArray) targets = g_ptr_array_new_with_free_func (g_free);
  int rc = 0;

  if (store == NULL)
    return lc_cli_fail (&podman_program, error);
  if (all)
    {
      g_autoptr(GPtrArray) images = lc_store_list_images (store, NULL, &error);
      if (images == NULL)
        return lc_cli_fail (&podman_program, error);
      for (guint i = 0; i < images->len; i++)
        g_ptr_array_add (targets, g_strdup (lc_image_get_id (images->pdata[i])));
    }
  for (int i = 1; i < argc; i++)
    g_ptr_array_add (targets, g_strdup (argv[i]));
  if (targets->len == 0)
    {
      fprintf (stderr, "Error: image name or ID must be specified\n");
      return 125;
    }
  for (guint i = 0; i < targets->len; i++)
    {
      const char *arg = targets->pdata[i];
      g_autoptr(LcImage) img = lc_store_lookup_image (store, arg, NULL, &error);
      const char * const *names;
      const char *by_name = NULL;

      if (img == NULL)
        {
          fprintf (stderr, "Error: %s\n", error->message);
          g_clear_error (&error);
          rc = 1;
          continue;
        }
      names = lc_image_get_names (img);
      for (const char * const *n = names; n && *n; n++)
        {
          g_autofree char *norm = normalize_name (arg);
          if (g_str_equal (*n, arg) || g_str_equal (*n, norm) ||
              (g_str_has_suffix (*n, arg) && (*n)[strlen (*n) - strlen (arg) - 1] == '/'))
            by_name = *n;
        }
      if (!force && !all && by_name != NULL && g_strv_length ((char **) names) > 1)
        {
          /* Removing one name of several only untags it, as podman does. */
          g_autofree char *name = g_strdup (by_name);
          if (!lc_store_remove_image_name (store, lc_image_get_id (img), name, NULL, &error))
            return lc_cli_fail (&podman_program, error);
          printf ("Untagged: %s\n", name);
          continue;
        }
      for (const char * const *n = names; n && *n; n++)
        printf ("Untagged: %s\n", *n);
      if (!lc_store_delete_image (store, lc_image_get_id (img), NULL, &error))
        {
          fprintf (stderr, "Error: %s\n", error->message);
          g_clear_error (&error);
          rc = 2;
          continue;
        }
      printf ("Deleted: %s\n", lc_image_get_id (img));
    }
  return rc;
}

int
cmd_rmi (LcContext *context, int argc, char **argv)
{
  gboolean all = FALSE, force = FALSE;
  const GOptionEntry entries[] = {
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Remove all images", NULL },
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Force removal of the image", NULL },
    STORAGE_ENTRIES,
    { NULL },
  };
  int code;

  if (!lc_cli_parse ("lc-podman rmi", &argc, &argv, "IMAGE [IMAGE...]",
                     "Remove one or more images from local storage", entries, &code))
    return code;
  return remove_images (context, argc, argv, all, force);
}

static int
cmd_untag (LcContext *context, int argc, char **argv)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = NULL;
  g_autoptr(LcImage) img = NULL;

  if (argc < 2)
    {
      fprintf (stderr, "Error: untag requires at least 1 argument\n");
      return 125;
    }
  if ((store = open_store (context, &error)) == NULL ||
      (img = lc_store_lookup_image (store, argv[1], NULL, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  if (argc == 2)
    {
      for (const char * const *n = lc_image_get_names (img); n && *n; n++)
        if (!lc_store_remove_image_name (store, lc_image_get_id (img), *n, NULL, &error))
          return lc_cli_fail (&podman_program, error);
      return 0;
    }
  for (int i = 2; i < argc; i++)
    {
      g_autofree char *name = normalize_name (argv[i]);
      if (!lc_store_remove_image_name (store, lc_image_get_id (img), name, NULL, &error))
        return lc_cli_fail (&podman_program, error);
    }
  return 0;
}

/* ---- load: OCI layouts and OCI / docker archives ------------------------------ */

static json_object *
read_json_file (const char *path, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  json_tokener *tok;
  json_object *obj;

  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  tok = json_tokener_new ();
  obj = json_tokener_parse_ex (tok, data, (int) len);
  json_tokener_free (tok);
  if (obj == NULL)
    g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not valid JSON", path);
  return obj;
}

static char *
blob_path (const char *layout, const char *digest)
{
  g_autofree char *alg = g_strndup (digest, strcspn (digest, ":"));
  const char *hex = strchr (digest, ':');

  if (hex == NULL || strchr (hex + 1, '/') != NULL || strchr (alg, '/') != NULL)
    return NULL;
  return g_build_filename (layout, "blobs", alg, hex + 1, NULL);
}

/* Stores one image: layers, then the record and big data, as c/image's
 * containers-storage destination does. */
static gboolean
store_image (LcStore *store, const char *layout, const char *manifest_path, const char *manifest_digest,
             const char *name, GError **error)
{
  g_autoptr(json_object) manifest = NULL;
  g_autoptr(json_object) config = NULL;
  g_autofree char *parent = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *config_key = NULL;
  g_autofree char *metadata = NULL;
  g_autofree char *sig_key = NULL;
  g_autofree char *manifest_key = NULL;
  g_autofree char *mdata = NULL;
  g_autofree char *cdata = NULL;
  gsize mlen = 0, clen = 0;
  json_object *layers, *cdesc;
  const char *config_digest;
  const char *names[] = { name, NULL };
  g_autoptr(LcImage) img = NULL;
  g_autoptr(GBytes) mbytes = NULL, cbytes = NULL, empty = NULL;

  if (!g_file_get_contents (manifest_path, &mdata, &mlen, error))
    return FALSE;
  manifest = read_json_file (manifest_path, error);
  if (manifest == NULL)
    return FALSE;
  if (!json_object_object_get_ex (manifest, "config", &cdesc) ||
      (config_digest = json_object_get_string (get_path (cdesc, "digest", NULL))) == NULL ||
      !json_object_object_get_ex (manifest, "layers", &layers))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s is not an image manifest", manifest_path);
      return FALSE;
    }
  config_path = blob_path (layout, config_digest);
  if (config_path == NULL || !g_file_get_contents (config_path, &cdata, &clen, error))
    return FALSE;
  config = read_json_file (config_path, error);
  if (config == NULL)
    return FALSE;

  for (size_t i = 0; i < json_object_array_length (layers); i++)
    {
      const char *digest = json_object_get_string (get_path (json_object_array_get_idx (layers, i), "digest", NULL));
      g_autofree char *path = digest ? blob_path (layout, digest) : NULL;
      g_autoptr(GFile) file = NULL;
      g_autoptr(GFileInputStream) in = NULL;
      g_autoptr(LcLayer) layer = NULL;

      if (path == NULL)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "bad layer descriptor in %s", manifest_path);
          return FALSE;
        }
      file = g_file_new_for_path (path);
      in = g_file_read (file, NULL, error);
      if (in == NULL)
        return FALSE;
      layer = lc_store_apply_layer (store, parent, G_INPUT_STREAM (in), digest, NULL, error);
      if (layer == NULL)
        return FALSE;
      g_free (parent);
      parent = g_strdup (lc_layer_get_id (layer));
    }

  config_key = g_strdup (config_digest);
  img = lc_store_lookup_image (store, config_digest + 7, NULL, NULL);
  if (img != NULL && strlen (config_digest + 7) == 64 && g_str_equal (lc_image_get_id (img), config_digest + 7))
    {
      /* Same image again: reuse the record, move the name. */
      if (name != NULL && !lc_store_add_image_name (store, lc_image_get_id (img), name, NULL, error))
        return FALSE;
      return TRUE;
    }
  g_clear_pointer (&img, lc_image_unref);
  metadata = g_strdup_printf ("{\"signatures-sizes\":{\"%s\":[]}}", manifest_digest);
  img = lc_store_create_image (store, config_digest + 7, parent, name ? names : NULL,
                               json_object_get_string (get_path (config, "created", NULL)), metadata, NULL, error);
  if (img == NULL)
    return FALSE;
  cbytes = g_bytes_new_take (g_steal_pointer (&cdata), clen);
  mbytes = g_bytes_new_take (g_steal_pointer (&mdata), mlen);
  empty = g_bytes_new_static ("", 0);
  manifest_key = g_strconcat ("manifest-", manifest_digest, NULL);
  sig_key = g_strconcat ("signature-", manifest_digest + 7, NULL);
  return lc_store_set_image_big_data (store, lc_image_get_id (img), config_key, cbytes, NULL, NULL, error) &&
         lc_store_set_image_big_data (store, lc_image_get_id (img), manifest_key, mbytes, manifest_digest, NULL, error) &&
         lc_store_set_image_big_data (store, lc_image_get_id (img), "manifest", mbytes, manifest_digest, NULL, error) &&
         lc_store_set_image_big_data (store, lc_image_get_id (img), sig_key, empty, NULL, NULL, error);
}

static gboolean
load_oci_layout (LcStore *store, const char *layout, const char *fallback_repo, GError **error)
{
  g_autofree char *index_path = g_build_filename (layout, "index.json", NULL);
  g_autoptr(json_object) index = read_json_file (index_path, error);
  json_object *manifests;

  if (index == NULL)
    return FALSE;
  if (!json_object_object_get_ex (index, "manifests", &manifests) || json_object_array_length (manifests) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s lists no images", index_path);
      return FALSE;
    }
  for (size_t i = 0; i < json_object_array_length (manifests); i++)
    {
      json_object *desc = json_object_array_get_idx (manifests, i);
      const char *digest = json_object_get_string (get_path (desc, "digest", NULL));
      const char *mt = json_object_get_string (get_path (desc, "mediaType", NULL));
      const char *ref = json_object_get_string (get_path (desc, "annotations", "org.opencontainers.image.ref.name"));
      g_autofree char *path = digest ? blob_path (layout, digest) : NULL;
      g_autofree char *name = NULL;

      if (path == NULL)
        continue;
      if (mt != NULL && strstr (mt, "index") != NULL)
        {
          fprintf (stderr, "lc-podman: skipping image index %s (not supported by load yet)\n", digest);
          continue;
        }
      if (ref != NULL && (strchr (ref, '/') != NULL || strchr (ref, '.') != NULL))
        name = normalize_name (ref);
      else if (ref != NULL)
        name = g_strdup_printf ("localhost/%s:%s", fallback_repo, ref);
      if (!store_image (store, layout, path, digest, name, error))
        return FALSE;
      printf ("Loaded image: %s\n", name ? name : digest);
    }
  return TRUE;
}

/* docker-archive (docker save / podman save): through the copy engine,
 * docker-archive: -> containers-storage:, named by each RepoTags. */
static gboolean
load_docker_archive (LcContext *context, LcStore *store, const char *archive, const char *manifest_path,
                     GError **error)
{
  g_autoptr(json_object) manifest = read_json_file (manifest_path, error);
  g_autofree char *spec = NULL;

  if (manifest == NULL)
    return FALSE;
  if (!json_object_is_type (manifest, json_type_array) || json_object_array_length (manifest) == 0)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, "%s lists no images", archive);
      return FALSE;
    }
  spec = g_strdup_printf ("[%s@%s+%s]", lc_store_get_driver_name (store), lc_store_get_graph_root (store),
                          lc_store_get_run_root (store));
  for (size_t i = 0; i < json_object_array_length (manifest); i++)
    {
      json_object *tags = get_path (json_object_array_get_idx (manifest, i), "RepoTags", NULL);
      const char *tag = tags && json_object_array_length (tags) > 0
                          ? json_object_get_string (json_object_array_get_idx (tags, 0)) : NULL;
      g_autofree char *name = tag ? normalize_name (tag) : NULL;
      g_autofree char *source = g_strdup_printf ("docker-archive:%s:@%zu", archive, i);
      g_autofree char *dest = g_strconcat ("containers-storage:", spec, name ? name : "", NULL);
      g_autoptr(LcCopyOptions) options = lc_copy_options_new ();

      if (!lc_copy_image (context, source, dest, options, NULL, NULL, NULL, NULL, error))
        return FALSE;
      printf ("Loaded image: %s\n", name ? name : "(unnamed)");
    }
  return TRUE;
}

int
cmd_load (LcContext *context, int argc, char **argv)
{
  g_autofree char *input = NULL;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "input", 'i', 0, G_OPTION_ARG_FILENAME, &input, "Read from the OCI archive or layout at PATH", "PATH" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Suppress the output", NULL },
    STORAGE_ENTRIES,
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = NULL;
  g_autofree char *tmp = NULL;
  g_autofree char *layout = NULL;
  g_autofree char *base = NULL;
  gboolean ok;
  int code;

  if (!lc_cli_parse ("lc-podman load", &argc, &argv, "", "Load image(s) from a tar archive", entries, &code))
    return code;
  if (input == NULL)
    {
      fprintf (stderr, "Error: lc-podman load needs --input (reading stdin is not supported yet)\n");
      return 125;
    }
  if ((store = open_store (context, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  base = g_path_get_basename (input);
  if (strchr (base, '.'))
    *strchr (base, '.') = '\0';
  if (g_file_test (input, G_FILE_TEST_IS_DIR))
    layout = g_strdup (input);
  else
    {
      const char *tar_argv[] = { "tar", "-xf", input, "-C", NULL, "--no-same-owner", NULL };
      int status = 0;

      tmp = g_build_filename (lc_store_get_graph_root (store), "tmp", "lc-load-XXXXXX", NULL);
      if (g_mkdtemp (tmp) == NULL)
        {
          fprintf (stderr, "Error: cannot create a temporary directory\n");
          return 125;
        }
      tar_argv[4] = tmp;
      if (!g_spawn_sync (NULL, (char **) tar_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, &status, &error) ||
          !g_spawn_check_wait_status (status, &error))
        {
          g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", tmp);
          (void) !system (rm);
          return lc_cli_fail (&podman_program, error);
        }
      layout = g_strdup (tmp);
    }
  {
    g_autofree char *index = g_build_filename (layout, "index.json", NULL);
    g_autofree char *docker_manifest = g_build_filename (layout, "manifest.json", NULL);
    if (g_file_test (index, G_FILE_TEST_EXISTS))
      ok = load_oci_layout (store, layout, base, &error);
    else if (tmp != NULL && g_file_test (docker_manifest, G_FILE_TEST_EXISTS))
      ok = load_docker_archive (context, store, input, docker_manifest, &error);
    else
      ok = (g_set_error (&error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "%s: only OCI layouts and OCI archives can be loaded yet", input), FALSE);
  }
  if (tmp != NULL)
    {
      const char *rm_argv[] = { "rm", "-rf", tmp, NULL };
      g_spawn_sync (NULL, (char **) rm_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
    }
  if (!ok)
    return lc_cli_fail (&podman_program, error);
  return 0;
}

/* ---- image mount / unmount ------------------------------------------------------- */

static int
image_mount (LcContext *context, int argc, char **argv, gboolean mount)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = NULL;
  gboolean force = FALSE, all = FALSE;
  const GOptionEntry entries[] = {
    { "force", 'f', 0, G_OPTION_ARG_NONE, &force, "Unmount even if other users are counted", NULL },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "All images", NULL },
    STORAGE_ENTRIES,
    { NULL },
  };
  int code, rc = 0;

  if (!lc_cli_parse (mount ? "lc-podman image mount" : "lc-podman image unmount", &argc, &argv, "IMAGE [IMAGE...]",
                     mount ? "Mount an image's root file system" : "Unmount an image's root file system",
                     entries, &code))
    return code;
  if (argc < 2)
    {
      fprintf (stderr, "Error: an image name or ID must be specified\n");
      return 125;
    }
  if ((store = open_store (context, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  for (int i = 1; i < argc; i++)
    {
      g_autoptr(LcImage) img = lc_store_lookup_image (store, argv[i], NULL, &error);
      g_autofree char *path = NULL;

      if (img == NULL || lc_image_get_top_layer (img) == NULL)
        {
          fprintf (stderr, "Error: %s: %s\n", argv[i], error ? error->message : "image has no layers");
          g_clear_error (&error);
          rc = 125;
          continue;
        }
      if (mount)
        {
          path = lc_store_mount_layer (store, lc_image_get_top_layer (img), TRUE, NULL, &error);
          if (path == NULL)
            return lc_cli_fail (&podman_program, error);
          printf ("%s\n", path);
        }
      else
        {
          if (!lc_store_unmount_layer (store, lc_image_get_top_layer (img), force, NULL, &error))
            return lc_cli_fail (&podman_program, error);
          printf ("%s\n", lc_image_get_id (img));
        }
    }
  return rc;
}

/* ---- image (group) ------------------------------------------------------------ */

int
cmd_image (LcContext *context, int argc, char **argv)
{
  const GOptionEntry entries[] = { STORAGE_ENTRIES, { NULL } };
  int code;

  if (argc >= 2 && g_str_equal (argv[1], "ls"))
    return cmd_images (context, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "list"))
    return cmd_images (context, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "rm"))
    return cmd_rmi (context, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "tag"))
    return cmd_tag (context, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "load"))
    return cmd_load (context, argc - 1, argv + 1);
  if (argc >= 2 && g_str_equal (argv[1], "mount"))
    return image_mount (context, argc - 1, argv + 1, TRUE);
  if (argc >= 2 && (g_str_equal (argv[1], "unmount") || g_str_equal (argv[1], "umount")))
    return image_mount (context, argc - 1, argv + 1, FALSE);
  if (argc >= 2 && g_str_equal (argv[1], "untag"))
    {
      if (!lc_cli_parse ("lc-podman image untag", &argc, &argv, "IMAGE [NAME...]", "Remove names from a local image",
                         entries, &code))
        return code;
      return cmd_untag (context, argc - 1, argv + 1);
    }
  if (argc >= 2 && g_str_equal (argv[1], "inspect"))
    {
      g_autofree char *format = NULL;
      const GOptionEntry ientries[] = {
        { "format", 'f', 0, G_OPTION_ARG_STRING, &format, "Output format (json)", "FORMAT" },
        STORAGE_ENTRIES,
        { NULL },
      };
      argc--;
      argv++;
      if (!lc_cli_parse ("lc-podman image inspect", &argc, &argv, "IMAGE [IMAGE...]",
                         "Display the configuration of an image", ientries, &code))
        return code;
      return image_inspect (context, argc, argv);
    }
  if (!lc_cli_parse ("lc-podman image", &argc, &argv, "COMMAND",
                     "Manage images: inspect, ls, rm, tag, untag, load, mount, unmount", entries, &code))
    return code;
  fprintf (stderr, "Error: unknown image command; one of: inspect, ls, rm, tag, untag, load, mount, unmount\n");
  return 125;
}

static const char * const known_transports[] = {
  "docker://", "oci:", "oci-archive:", "docker-archive:", "dir:", "containers-storage:", NULL
};

static void
pull_progress (LcProgress *progress, gpointer user_data)
{
  gboolean *quiet = user_data;

  if (*quiet)
    return;
  if (lc_progress_get_phase (progress) == LC_COPY_PHASE_SKIP)
    {
      /* as podman: a blob the store already has is not downloaded */
      fprintf (stderr, "Copying %s %s skipped: already exists\n",
               lc_progress_get_kind (progress) == LC_BLOB_KIND_CONFIG ? "config" : "blob",
               lc_progress_get_digest (progress) ? lc_progress_get_digest (progress) : "");
      return;
    }
  if (lc_progress_get_phase (progress) != LC_COPY_PHASE_DOWNLOAD || lc_progress_get_bytes_done (progress) != 0)
    return;
  fprintf (stderr, "Copying %s %s\n", lc_progress_get_kind (progress) == LC_BLOB_KIND_CONFIG ? "config" : "blob",
           lc_progress_get_digest (progress) ? lc_progress_get_digest (progress) : "");
}

int
cmd_pull (LcContext *context, int argc, char **argv)
{
  gboolean quiet = FALSE, all_tags = FALSE;
  g_autofree char *tls_verify = NULL;
  g_autofree char *creds = NULL;
  g_autofree char *platform = NULL;
  const GOptionEntry entries[] = {
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Suppress output information when pulling images", NULL },
    { "tls-verify", 0, 0, G_OPTION_ARG_STRING, &tls_verify, "Require HTTPS and verify certificates (true/false)", "BOOL" },
    { "creds", 0, 0, G_OPTION_ARG_STRING, &creds, "Credentials USER[:PASSWORD] for the registry", "CREDS" },
    { "platform", 0, 0, G_OPTION_ARG_STRING, &platform, "OS/ARCH[/VARIANT] to pull", "PLATFORM" },
    { "all-tags", 'a', 0, G_OPTION_ARG_NONE, &all_tags, "Pull all tags (not supported)", NULL },
    STORAGE_ENTRIES,
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LcCopyOptions) options = lc_copy_options_new ();
  g_autoptr(LcStore) store = NULL;
  g_autoptr(LcImage) image = NULL;
  g_autofree char *source = NULL;
  g_autofree char *dest = NULL;
  g_autofree char *name = NULL;
  g_autofree char *spec = NULL;
  gboolean has_transport = FALSE;
  int code;

  if (!lc_cli_parse ("lc-podman pull", &argc, &argv, "IMAGE", "Pull an image from a registry", entries, &code))
    return code;
  if (argc != 2)
    {
      fprintf (stderr, "Error: pull requires exactly one image\n");
      return 125;
    }
  for (const char * const *t = known_transports; *t; t++)
    if (g_str_has_prefix (argv[1], *t))
      has_transport = TRUE;
  if (has_transport)
    source = g_strdup (argv[1]);
  else
    source = g_strconcat ("docker://", argv[1], NULL);
  if (g_str_has_prefix (source, "docker://"))
    {
      g_autoptr(LcImageRef) ref = lc_image_ref_parse (source + strlen ("docker://"), &error);
      if (ref == NULL)
        return lc_cli_fail (&podman_program, error);
      if (lc_image_ref_get_tag (ref) == NULL && lc_image_ref_get_digest (ref) == NULL)
        {
          g_autoptr(LcImageRef) tagged = lc_image_ref_with_tag (ref, "latest", &error);
          if (tagged == NULL)
            return lc_cli_fail (&podman_program, error);
          name = lc_image_ref_to_string (tagged);
        }
      else
        name = lc_image_ref_to_string (ref);
      g_free (source);
      source = g_strconcat ("docker://", name, NULL);
    }
  if (tls_verify != NULL)
    lc_copy_options_set_src_tls_verify (options, !g_str_equal (tls_verify, "false"));
  if (creds != NULL)
    lc_copy_options_set_src_creds (options, creds);
  if (platform != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (platform, "/", 3);
      if (parts[0] == NULL || parts[1] == NULL)
        {
          fprintf (stderr, "Error: --platform must be OS/ARCH[/VARIANT]\n");
          return 125;
        }
      lc_copy_options_set_platform (options, parts[0], parts[1], parts[2]);
    }

  /* Open the store first: it makes its directories and checks the
   * options, and tells where the store is for the transport's spec. */
  if ((store = open_store (context, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  spec = g_strdup_printf ("[%s@%s+%s]", lc_store_get_driver_name (store), lc_store_get_graph_root (store),
                          lc_store_get_run_root (store));
  dest = g_strconcat ("containers-storage:", spec, name ? name : "", NULL);
  if (!quiet)
    fprintf (stderr, "Trying to pull %s...\nGetting image source signatures\n", name ? name : source);
  if (!lc_copy_image (context, source, dest, options, pull_progress, &quiet, NULL, NULL, &error))
    return lc_cli_fail (&podman_program, error);
  if (!quiet)
    fprintf (stderr, "Writing manifest to image destination\nStoring signatures\n");
  if (name != NULL)
    {
      image = lc_store_lookup_image (store, name, NULL, &error);
      if (image == NULL)
        return lc_cli_fail (&podman_program, error);
      printf ("%s\n", lc_image_get_id (image));
    }
  return 0;
}

int
cmd_save (LcContext *context, int argc, char **argv)
{
  g_autofree char *output = NULL;
  g_autofree char *format = NULL;
  gboolean quiet = FALSE;
  const GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write to a file (default: stdout, not supported)", "FILE" },
    { "format", 0, 0, G_OPTION_ARG_STRING, &format, "docker-archive (default), oci-archive, oci-dir, docker-dir", "FORMAT" },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Suppress the output", NULL },
    STORAGE_ENTRIES,
    { NULL },
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(LcStore) store = NULL;
  g_autoptr(LcImage) img = NULL;
  g_autoptr(LcCopyOptions) options = lc_copy_options_new ();
  g_autofree char *source = NULL;
  g_autofree char *dest = NULL;
  const char *name;
  int code;

  if (!lc_cli_parse ("lc-podman save", &argc, &argv, "IMAGE", "Save an image to an archive", entries, &code))
    return code;
  if (argc != 2 || output == NULL)
    {
      fprintf (stderr, "Error: lc-podman save needs one image and --output\n");
      return 125;
    }
  if ((store = open_store (context, &error)) == NULL ||
      (img = lc_store_lookup_image (store, argv[1], NULL, &error)) == NULL)
    return lc_cli_fail (&podman_program, error);
  name = lc_image_get_names (img)[0];
  source = g_strdup_printf ("containers-storage:[%s@%s+%s]@%s", lc_store_get_driver_name (store),
                            lc_store_get_graph_root (store), lc_store_get_run_root (store), lc_image_get_id (img));
  if (format == NULL || g_str_equal (format, "docker-archive"))
    dest = name ? g_strdup_printf ("docker-archive:%s:%s", output, name) : g_strdup_printf ("docker-archive:%s", output);
  else if (g_str_equal (format, "oci-archive"))
    dest = g_strdup_printf ("oci-archive:%s", output);
  else if (g_str_equal (format, "oci-dir"))
    dest = g_strdup_printf ("oci:%s", output);
  else if (g_str_equal (format, "docker-dir"))
    dest = g_strdup_printf ("dir:%s", output);
  else
    {
      fprintf (stderr, "Error: unknown format %s\n", format);
      return 125;
    }
  if (!lc_copy_image (context, source, dest, options, NULL, NULL, NULL, NULL, &error))
    return lc_cli_fail (&podman_program, error);
  return 0;
}
