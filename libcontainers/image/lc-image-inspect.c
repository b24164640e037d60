/* lc-image-inspect.c: reading an image without copying it: its manifest,
 * its config, and the summary `skopeo inspect` prints.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"
#include "image/lc-copy-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-image-private.h"
#include "image/lc-image-ref-private.h"
#include "image/lc-manifest-private.h"

/**
 * lc_inspect_manifest:
 * @context: the system configuration
 * @image: `TRANSPORT:REFERENCE`
 * @instance_digest: (nullable): an instance of the image's list, or %NULL
 *   for the top-level manifest (which may be a list)
 * @options: (nullable): source settings (TLS, credentials), or %NULL
 * @out_media_type: (out) (optional) (transfer full): the manifest's media
 *   type (as announced, else recognized from the content)
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Reads a manifest exactly as stored (skopeo `inspect --raw`).
 *
 * Returns: (transfer full): the manifest bytes, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
lc_inspect_manifest (LcContext *context, const char *image, const char *instance_digest,
                       LcCopyOptions *options, char **out_media_type, GCancellable *cancellable,
                       GError **error)
{
  g_autoptr(LcImageSource) src = NULL;
  g_autoptr(GBytes) bytes = NULL;
  g_autofree char *mt = NULL;

  g_return_val_if_fail (LC_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (image != NULL, NULL);

  if (instance_digest && !lc_digest_validate (instance_digest, error))
    return NULL;
  src = lc_image_open_source (context, image, options, cancellable, error);
  if (!src)
    return NULL;
  bytes = src->vtable->get_manifest (src, instance_digest, &mt, cancellable, error);
  if (!bytes)
    return NULL;
  if (out_media_type)
    {
      if (!mt || !*mt || (!lc_media_type_is_list (mt) && !lc_media_type_is_manifest (mt)))
        {
          const char *sniffed = lc_manifest_sniff (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
          if (sniffed)
            {
              g_free (mt);
              mt = g_strdup (sniffed);
            }
        }
      *out_media_type = g_steal_pointer (&mt);
    }
  return g_steal_pointer (&bytes);
}

/* Resolves the image manifest (choosing from a list); returns the top
 * digest and the chosen manifest. */
static LcManifest *
resolve_image (LcImageSource *src, LcCopyOptions *options, char **out_top_digest,
               GCancellable *cancellable, GError **error)
{
  g_autofree char *mt = NULL;
  g_autoptr(GBytes) bytes = src->vtable->get_manifest (src, NULL, &mt, cancellable, error);
  g_autoptr(LcManifest) m = NULL;

  if (!bytes)
    return NULL;
  if (out_top_digest)
    *out_top_digest = lc_digest_bytes (bytes);
  m = lc_manifest_parse (bytes, mt, error);
  if (!m)
    return NULL;
  if (m->is_list)
    {
      const char *os = NULL, *arch = NULL, *variant = NULL;
      const LcDescriptor *chosen;
      g_autofree char *imt = NULL;
      g_autoptr(GBytes) inst = NULL;

      if (options)
        lc_copy_options_get_platform (options, &os, &arch, &variant);
      chosen = lc_manifest_choose_instance (m, os, arch, variant, error);
      if (!chosen)
        return NULL;
      inst = src->vtable->get_manifest (src, chosen->digest, &imt, cancellable, error);
      if (!inst || !lc_digest_verify_data (g_bytes_get_data (inst, NULL), g_bytes_get_size (inst),
                                           chosen->digest, -1, error))
        return NULL;
      if (!imt)
        imt = g_strdup (chosen->media_type);
      lc_manifest_free (g_steal_pointer (&m));   /* chosen points into m */
      m = lc_manifest_parse (inst, imt, error);
      if (!m)
        return NULL;
      if (m->is_list)
        {
          lc_fail (error, LC_ERROR_UNSUPPORTED, "nested manifest lists are not supported");
          return NULL;
        }
    }
  return g_steal_pointer (&m);
}

static GBytes *
read_config (LcImageSource *src, const LcDescriptor *config, GCancellable *cancellable, GError **error)
{
  g_autoptr(GInputStream) in = src->vtable->get_blob (src, config->digest, config->size, NULL,
                                                      cancellable, error);
  g_autoptr(GBytes) bytes = NULL;

  if (!in)
    return NULL;
  bytes = lc_read_all (in, LC_CONFIG_MAX_SIZE, cancellable, error);
  if (!bytes || !lc_digest_verify_data (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes),
                                        config->digest, config->size, error))
    return NULL;
  return g_steal_pointer (&bytes);
}

/**
 * lc_inspect_config:
 * @context: the system configuration
 * @image: `TRANSPORT:REFERENCE`
 * @options: (nullable): source settings and the platform to choose from a
 *   list, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Reads the image's configuration blob exactly as stored, digest-checked
 * (skopeo `inspect --config --raw`). For a list, the instance of the
 * platform in @options (default: this host's) is used.
 *
 * Returns: (transfer full): the config bytes, or %NULL with @error set
 *
 * Since: 1.0
 */
GBytes *
lc_inspect_config (LcContext *context, const char *image, LcCopyOptions *options,
                     GCancellable *cancellable, GError **error)
{
  g_autoptr(LcImageSource) src = NULL;
  g_autoptr(LcManifest) m = NULL;

  g_return_val_if_fail (LC_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (image != NULL, NULL);

  src = lc_image_open_source (context, image, options, cancellable, error);
  if (!src)
    return NULL;
  m = resolve_image (src, options, NULL, cancellable, error);
  if (!m)
    return NULL;
  return read_config (src, m->config, cancellable, error);
}

/* Go's encoding/json output, indented by 4 spaces, as skopeo prints it. */
static void
indent (GString *out, int level)
{
  for (int i = 0; i < level; i++)
    g_string_append (out, "    ");
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static void go_value (GString *out, json_object *v, int level, gboolean sort_keys);

static void
go_value (GString *out, json_object *v, int level, gboolean sort_keys)
{
  switch (v ? json_object_get_type (v) : json_type_null)
    {
    case json_type_null:
      g_string_append (out, "null");
      break;
    case json_type_string:
      lc_json_append_go_string (out, json_object_get_string (v));
      break;
    case json_type_array:
      if (json_object_array_length (v) == 0)
        {
          g_string_append (out, "[]");
          break;
        }
      g_string_append (out, "[\n");
      for (gsize i = 0; i < json_object_array_length (v); i++)
        {
          indent (out, level + 1);
          go_value (out, json_object_array_get_idx (v, i), level + 1, sort_keys);
          g_string_append (out, i + 1 < json_object_array_length (v) ? ",\n" : "\n");
        }
      indent (out, level);
      g_string_append_c (out, ']');
      break;
    case json_type_object:
      {
        g_autoptr(GPtrArray) keys = g_ptr_array_new ();
        json_object_object_foreach (v, key, val)
          {
            (void) val;
            g_ptr_array_add (keys, key);
          }
        if (keys->len == 0)
          {
            g_string_append (out, "{}");
            break;
          }
        if (sort_keys)
          g_ptr_array_sort (keys, compare_strings);
        g_string_append (out, "{\n");
        for (guint i = 0; i < keys->len; i++)
          {
            json_object *child = NULL;
            json_object_object_get_ex (v, keys->pdata[i], &child);
            indent (out, level + 1);
            lc_json_append_go_string (out, keys->pdata[i]);
            g_string_append (out, ": ");
            go_value (out, child, level + 1, sort_keys);
            g_string_append (out, i + 1 < keys->len ? ",\n" : "\n");
          }
        indent (out, level);
        g_string_append_c (out, '}');
      }
      break;
    default:
      g_string_append (out, json_object_to_json_string_ext (v, JSON_C_TO_STRING_PLAIN));
      break;
    }
}

static json_object *
get_path (json_object *obj, const char *a, const char *b)
{
  json_object *v = NULL;

  if (!obj || !json_object_object_get_ex (obj, a, &v))
    return NULL;
  if (b && (!json_object_is_type (v, json_type_object) || !json_object_object_get_ex (v, b, &v)))
    return NULL;
  return v && !json_object_is_type (v, json_type_null) ? v : NULL;
}

static const char *
get_str (json_object *obj, const char *key)
{
  json_object *v = get_path (obj, key, NULL);

  return v && json_object_is_type (v, json_type_string) ? json_object_get_string (v) : NULL;
}

/**
 * lc_inspect_image:
 * @context: the system configuration
 * @image: `TRANSPORT:REFERENCE`
 * @options: (nullable): source settings and the platform to choose from a
 *   list, or %NULL
 * @cancellable: (nullable): a #GCancellable
 * @error: return location for a #GError, or %NULL
 *
 * Summarizes an image as `skopeo inspect` does, as JSON text with the same
 * fields, in the same order, indented the same way: `Name` (when the
 * reference names a repository), `Digest` (of the top-level manifest, the
 * list's for a list), `RepoTags`, `Created`, `DockerVersion`, `Labels`,
 * `Architecture`, `Variant` (when set), `Os`, `Layers`, `LayersData`,
 * `Env`. For a list, every field but `Digest` describes the instance of
 * the platform in @options (default: this host's).
 *
 * Returns: (transfer full): the JSON text, ending in a newline; free with
 *   g_free()
 *
 * Since: 1.0
 */
char *
lc_inspect_image (LcContext *context, const char *image, LcCopyOptions *options,
                  GCancellable *cancellable, GError **error)
{
  g_autoptr(LcImageSource) src = NULL;
  g_autoptr(LcManifest) m = NULL;
  g_autoptr(GBytes) config = NULL;
  g_autoptr(json_object) cfg = NULL;
  g_auto(GStrv) tags = NULL;
  g_autofree char *digest = NULL;
  g_autoptr(GString) out = g_string_new ("{\n");
  json_object *v;

  g_return_val_if_fail (LC_IS_CONTEXT (context), NULL);
  g_return_val_if_fail (image != NULL, NULL);

  src = lc_image_open_source (context, image, options, cancellable, error);
  if (!src)
    return NULL;
  m = resolve_image (src, options, &digest, cancellable, error);
  if (!m)
    return NULL;
  config = read_config (src, m->config, cancellable, error);
  if (!config)
    return NULL;
  cfg = lc_json_parse (g_bytes_get_data (config, NULL), g_bytes_get_size (config), "image config", error);
  if (!cfg)
    return NULL;
  if (!json_object_is_type (cfg, json_type_object))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "image config: not a JSON object");
      return NULL;
    }
  if (src->vtable->get_repo_tags)
    {
      tags = src->vtable->get_repo_tags (src, cancellable, error);
      if (!tags)
        return NULL;
    }

  if (src->docker_name)
    {
      indent (out, 1);
      g_string_append (out, "\"Name\": ");
      lc_json_append_go_string (out, src->docker_name);
      g_string_append (out, ",\n");
    }
  indent (out, 1);
  g_string_append (out, "\"Digest\": ");
  lc_json_append_go_string (out, digest);
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"RepoTags\": ");
  if (tags && tags[0])
    {
      g_string_append (out, "[\n");
      for (gsize i = 0; tags[i]; i++)
        {
          indent (out, 2);
          lc_json_append_go_string (out, tags[i]);
          g_string_append (out, tags[i + 1] ? ",\n" : "\n");
        }
      indent (out, 1);
      g_string_append (out, "],\n");
    }
  else
    g_string_append (out, "[],\n");
  indent (out, 1);
  g_string_append (out, "\"Created\": ");
  if (get_str (cfg, "created"))
    lc_json_append_go_string (out, get_str (cfg, "created"));
  else
    g_string_append (out, "null");
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"DockerVersion\": ");
  lc_json_append_go_string (out, get_str (cfg, "docker_version") ? get_str (cfg, "docker_version") : "");
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"Labels\": ");
  v = get_path (cfg, "config", "Labels");
  go_value (out, v && json_object_is_type (v, json_type_object) ? v : NULL, 1, TRUE);
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"Architecture\": ");
  lc_json_append_go_string (out, get_str (cfg, "architecture") ? get_str (cfg, "architecture") : "");
  g_string_append (out, ",\n");
  if (get_str (cfg, "variant") && *get_str (cfg, "variant"))
    {
      indent (out, 1);
      g_string_append (out, "\"Variant\": ");
      lc_json_append_go_string (out, get_str (cfg, "variant"));
      g_string_append (out, ",\n");
    }
  indent (out, 1);
  g_string_append (out, "\"Os\": ");
  lc_json_append_go_string (out, get_str (cfg, "os") ? get_str (cfg, "os") : "");
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"Layers\": ");
  if (m->layers->len == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; i < m->layers->len; i++)
        {
          indent (out, 2);
          lc_json_append_go_string (out, ((LcDescriptor *) m->layers->pdata[i])->digest);
          g_string_append (out, i + 1 < m->layers->len ? ",\n" : "\n");
        }
      indent (out, 1);
      g_string_append_c (out, ']');
    }
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"LayersData\": ");
  if (m->layers->len == 0)
    g_string_append (out, "[]");
  else
    {
      g_string_append (out, "[\n");
      for (guint i = 0; i < m->layers->len; i++)
        {
          LcDescriptor *d = m->layers->pdata[i];
          indent (out, 2);
          g_string_append (out, "{\n");
          indent (out, 3);
          g_string_append (out, "\"MIMEType\": ");
          lc_json_append_go_string (out, d->media_type);
          g_string_append (out, ",\n");
          indent (out, 3);
          g_string_append (out, "\"Digest\": ");
          lc_json_append_go_string (out, d->digest);
          g_string_append (out, ",\n");
          indent (out, 3);
          g_string_append_printf (out, "\"Size\": %" G_GINT64_FORMAT ",\n", d->size);
          indent (out, 3);
          g_string_append (out, "\"Annotations\": ");
          go_value (out, d->annotations, 3, TRUE);
          g_string_append_c (out, '\n');
          indent (out, 2);
          g_string_append (out, i + 1 < m->layers->len ? "},\n" : "}\n");
        }
      indent (out, 1);
      g_string_append_c (out, ']');
    }
  g_string_append (out, ",\n");
  indent (out, 1);
  g_string_append (out, "\"Env\": ");
  v = get_path (cfg, "config", "Env");
  go_value (out, v && json_object_is_type (v, json_type_array) ? v : NULL, 1, FALSE);
  g_string_append (out, "\n}\n");
  return g_string_free (g_steal_pointer (&out), FALSE);
}
