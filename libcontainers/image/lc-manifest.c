/* lc-manifest.c: parsing, sniffing, serializing and converting manifests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/utsname.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "image/lc-image-ref-private.h"
#include "image/lc-manifest-private.h"

#define JSON_MAX_DEPTH 64

json_object *
lc_json_parse (const char *data, gsize len, const char *what, GError **error)
{
  json_tokener *tok;
  json_object *obj;
  enum json_tokener_error jerr;
  gsize end;

  if (len > G_MAXINT)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s: document too large", what);
      return NULL;
    }
  if (data == NULL)   /* an empty GBytes has no data pointer */
    data = "";
  if (memchr (data, '\0', len) != NULL)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid JSON: NUL byte in document", what);
      return NULL;
    }
  tok = json_tokener_new_ex (JSON_MAX_DEPTH);
  json_tokener_set_flags (tok, JSON_TOKENER_STRICT);
  obj = json_tokener_parse_ex (tok, data, (int) len);
  jerr = json_tokener_get_error (tok);
  end = json_tokener_get_parse_end (tok);
  json_tokener_free (tok);
  if (jerr != json_tokener_success || (obj == NULL && len > 0 && strncmp (data, "null", 4) != 0))
    {
      json_object_put (obj);
      lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid JSON: %s", what,
               jerr == json_tokener_continue ? "unexpected end of data" : json_tokener_error_desc (jerr));
      return NULL;
    }
  for (gsize i = end; i < len; i++)
    if (!g_ascii_isspace (data[i]))
      {
        json_object_put (obj);
        lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid JSON: unexpected data after the document", what);
        return NULL;
      }
  if (obj == NULL)
    lc_fail (error, LC_ERROR_INVALID_DATA, "%s: invalid JSON: empty document", what);
  return obj;
}

char *
lc_json_to_string (json_object *obj)
{
  return g_strdup (json_object_to_json_string_ext (obj, JSON_C_TO_STRING_PLAIN |
                                                        JSON_C_TO_STRING_NOSLASHESCAPE));
}

void
lc_json_append_go_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p; p++)
    switch (*p)
      {
      case '"': g_string_append (out, "\\\""); break;
      case '\\': g_string_append (out, "\\\\"); break;
      case '\n': g_string_append (out, "\\n"); break;
      case '\r': g_string_append (out, "\\r"); break;
      case '\t': g_string_append (out, "\\t"); break;
      case '<': g_string_append (out, "\\u003c"); break;
      case '>': g_string_append (out, "\\u003e"); break;
      case '&': g_string_append (out, "\\u0026"); break;
      default:
        if (*p < 0x20)
          g_string_append_printf (out, "\\u%04x", *p);
        else if (*p == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
          {
            g_string_append_printf (out, "\\u%04x", p[2] == 0xa8 ? 0x2028 : 0x2029);
            p += 2;
          }
        else
          g_string_append_c (out, (char) *p);
      }
  g_string_append_c (out, '"');
}

LcDescriptor *
lc_descriptor_new (const char *media_type, const char *digest, gint64 size)
{
  LcDescriptor *d = g_new0 (LcDescriptor, 1);

  d->media_type = g_strdup (media_type);
  d->digest = g_strdup (digest);
  d->size = size;
  return d;
}

LcDescriptor *
lc_descriptor_copy (const LcDescriptor *s)
{
  LcDescriptor *d = lc_descriptor_new (s->media_type, s->digest, s->size);

  d->urls = g_strdupv (s->urls);
  d->annotations = s->annotations ? json_object_get (s->annotations) : NULL;
  d->platform = s->platform ? json_object_get (s->platform) : NULL;
  d->artifact_type = g_strdup (s->artifact_type);
  return d;
}

void
lc_descriptor_free (LcDescriptor *d)
{
  if (d == NULL)
    return;
  g_free (d->media_type);
  g_free (d->digest);
  g_strfreev (d->urls);
  json_object_put (d->annotations);
  json_object_put (d->platform);
  g_free (d->artifact_type);
  g_free (d);
}

void
lc_manifest_free (LcManifest *m)
{
  if (m == NULL)
    return;
  g_free (m->media_type);
  lc_descriptor_free (m->config);
  g_clear_pointer (&m->layers, g_ptr_array_unref);
  g_clear_pointer (&m->manifests, g_ptr_array_unref);
  json_object_put (m->annotations);
  json_object_put (m->subject);
  g_free (m->artifact_type);
  g_free (m);
}

gboolean
lc_media_type_is_list (const char *mt)
{
  return mt && (strcmp (mt, LC_MT_OCI_INDEX) == 0 || strcmp (mt, LC_MT_DOCKER_LIST) == 0);
}

gboolean
lc_media_type_is_manifest (const char *mt)
{
  return mt && (strcmp (mt, LC_MT_OCI_MANIFEST) == 0 || strcmp (mt, LC_MT_DOCKER_V2S2) == 0);
}

gboolean
lc_media_type_is_oci (const char *mt)
{
  return mt && (strcmp (mt, LC_MT_OCI_MANIFEST) == 0 || strcmp (mt, LC_MT_OCI_INDEX) == 0);
}

static gboolean
is_schema1 (const char *mt)
{
  return mt && (strcmp (mt, LC_MT_DOCKER_V2S1) == 0 || strcmp (mt, LC_MT_DOCKER_V2S1_SIGNED) == 0);
}

static const char *
get_string (json_object *obj, const char *key)
{
  json_object *v;

  if (obj && json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_string))
    return json_object_get_string (v);
  return NULL;
}

const char *
lc_manifest_sniff (const guint8 *data, gsize len)
{
  g_autoptr(GError) error = NULL;
  json_object *root = lc_json_parse ((const char *) data, len, "manifest", &error);
  const char *mt, *result = NULL;
  json_object *v;

  if (!root || !json_object_is_type (root, json_type_object))
    goto out;
  mt = get_string (root, "mediaType");
  if (mt && (lc_media_type_is_list (mt) || lc_media_type_is_manifest (mt)))
    {
      /* Return our static string, not the one inside root. */
      static const char *const known[] = { LC_MT_OCI_MANIFEST, LC_MT_OCI_INDEX, LC_MT_DOCKER_V2S2,
                                           LC_MT_DOCKER_LIST };
      for (gsize i = 0; i < G_N_ELEMENTS (known); i++)
        if (strcmp (mt, known[i]) == 0)
          result = known[i];
      goto out;
    }
  if (!json_object_object_get_ex (root, "schemaVersion", &v) || !json_object_is_type (v, json_type_int))
    goto out;
  if (json_object_get_int64 (v) == 1)
    {
      result = json_object_object_get_ex (root, "signatures", NULL) ? LC_MT_DOCKER_V2S1_SIGNED
                                                                     : LC_MT_DOCKER_V2S1;
      goto out;
    }
  if (json_object_get_int64 (v) != 2)
    goto out;
  if (json_object_object_get_ex (root, "config", &v) && json_object_is_type (v, json_type_object))
    {
      const char *cmt = get_string (v, "mediaType");
      if (cmt && strcmp (cmt, LC_MT_DOCKER_CONFIG) == 0)
        result = LC_MT_DOCKER_V2S2;
      else
        result = LC_MT_OCI_MANIFEST;
      goto out;
    }
  if (json_object_object_get_ex (root, "manifests", &v) && json_object_is_type (v, json_type_array) &&
      json_object_array_length (v) > 0)
    {
      result = LC_MT_OCI_INDEX;
      goto out;
    }
  result = LC_MT_OCI_MANIFEST;
out:
  json_object_put (root);
  return result;
}

static gboolean
parse_descriptor (json_object *obj, const char *where, gboolean want_platform, LcDescriptor **out,
                  GError **error)
{
  g_autoptr(LcDescriptor) d = g_new0 (LcDescriptor, 1);
  json_object *v;

  if (!json_object_is_type (obj, json_type_object))
    return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: not a JSON object", where);
  if (!json_object_object_get_ex (obj, "mediaType", &v) || !json_object_is_type (v, json_type_string) ||
      json_object_get_string_len (v) == 0)
    return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: missing or invalid \"mediaType\"", where);
  d->media_type = g_strdup (json_object_get_string (v));
  if (!json_object_object_get_ex (obj, "digest", &v) || !json_object_is_type (v, json_type_string))
    return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: missing or invalid \"digest\"", where);
  d->digest = g_strdup (json_object_get_string (v));
  if (!lc_digest_validate (d->digest, error))
    {
      g_prefix_error (error, "%s: ", where);
      if (error && *error && (*error)->code == LC_ERROR_UNSUPPORTED)
        (*error)->code = LC_ERROR_INVALID_DATA;
      return FALSE;
    }
  if (!json_object_object_get_ex (obj, "size", &v) || !json_object_is_type (v, json_type_int) ||
      json_object_get_int64 (v) < 0)
    return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: missing or invalid \"size\"", where);
  d->size = json_object_get_int64 (v);
  if (json_object_object_get_ex (obj, "urls", &v) && !json_object_is_type (v, json_type_null))
    {
      gsize n;
      if (!json_object_is_type (v, json_type_array))
        return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: \"urls\" is not an array", where);
      n = json_object_array_length (v);
      d->urls = g_new0 (char *, n + 1);
      for (gsize i = 0; i < n; i++)
        {
          json_object *u = json_object_array_get_idx (v, i);
          if (!json_object_is_type (u, json_type_string))
            return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: \"urls\" has a non-string", where);
          d->urls[i] = g_strdup (json_object_get_string (u));
        }
    }
  if (json_object_object_get_ex (obj, "annotations", &v) && !json_object_is_type (v, json_type_null))
    {
      if (!json_object_is_type (v, json_type_object))
        return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: \"annotations\" is not an object", where);
      json_object_object_foreach (v, key, val)
        {
          (void) key;
          if (!json_object_is_type (val, json_type_string))
            return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: annotation values must be strings", where);
        }
      d->annotations = json_object_get (v);
    }
  if (json_object_object_get_ex (obj, "artifactType", &v) && json_object_is_type (v, json_type_string))
    d->artifact_type = g_strdup (json_object_get_string (v));
  if (want_platform && json_object_object_get_ex (obj, "platform", &v) &&
      !json_object_is_type (v, json_type_null))
    {
      if (!json_object_is_type (v, json_type_object) || !get_string (v, "architecture") ||
          !get_string (v, "os"))
        return lc_fail (error, LC_ERROR_INVALID_DATA,
                        "%s: \"platform\" needs string \"architecture\" and \"os\"", where);
      d->platform = json_object_get (v);
    }
  *out = g_steal_pointer (&d);
  return TRUE;
}

static gboolean
is_docker_layer_type (const char *mt)
{
  return strcmp (mt, LC_MT_DOCKER_LAYER) == 0 || strcmp (mt, LC_MT_DOCKER_LAYER_GZIP) == 0 ||
         strcmp (mt, LC_MT_DOCKER_FOREIGN) == 0 || strcmp (mt, LC_MT_DOCKER_FOREIGN_GZIP) == 0;
}

/* Fails when @root has one of @fields (@what: "a list", "an image manifest"). */
static gboolean
reject_fields (json_object *root, const char *const *fields, gsize n_fields, const char *what,
               GError **error)
{
  for (gsize i = 0; i < n_fields; i++)
    if (json_object_object_get_ex (root, fields[i], NULL))
      return lc_fail (error, LC_ERROR_INVALID_DATA,
                      "rejecting ambiguous manifest, unexpected fields: \"%s\" in %s", fields[i], what);
  return TRUE;
}

/* Parses the descriptor array @root.@key into *@out (set before the first
 * element); @type_ok (may be NULL) checks each descriptor's media type.
 * Messages start with @what ("manifest list", "manifest"). */
static gboolean
parse_descriptor_array (json_object *root, const char *what, const char *key, gboolean want_platform,
                        gboolean (*type_ok) (const char *), GPtrArray **out, GError **error)
{
  json_object *arr;

  if (!json_object_object_get_ex (root, key, &arr) || !json_object_is_type (arr, json_type_array))
    return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: missing \"%s\" array", what, key);
  *out = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_descriptor_free);
  for (gsize i = 0; i < json_object_array_length (arr); i++)
    {
      LcDescriptor *d;
      g_autofree char *where = g_strdup_printf ("%s: %s[%" G_GSIZE_FORMAT "]", what, key, i);
      if (!parse_descriptor (json_object_array_get_idx (arr, i), where, want_platform, &d, error))
        return FALSE;
      g_ptr_array_add (*out, d);
      if (type_ok && !type_ok (d->media_type))
        return lc_fail (error, LC_ERROR_INVALID_DATA, "%s: unexpected media type \"%s\"", where, d->media_type);
    }
  return TRUE;
}

LcManifest *
lc_manifest_parse (GBytes *bytes, const char *media_type, GError **error)
{
  gsize len;
  const char *data = g_bytes_get_data (bytes, &len);
  json_object *root_raw = NULL;
  g_autoptr(LcManifest) m = g_new0 (LcManifest, 1);
  const char *effective = NULL, *field_mt;
  json_object *v;
  static const char *const list_forbidden[] = { "config", "layers", "fsLayers", "history" };
  static const char *const manifest_forbidden[] = { "manifests", "fsLayers", "history" };

  if (len > LC_MANIFEST_MAX_SIZE)
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "manifest too large: %" G_GSIZE_FORMAT " bytes (limit %d)",
               len, LC_MANIFEST_MAX_SIZE);
      return NULL;
    }
  if (media_type && (lc_media_type_is_list (media_type) || lc_media_type_is_manifest (media_type) ||
                     is_schema1 (media_type)))
    effective = media_type;
  else
    effective = lc_manifest_sniff ((const guint8 *) data, len);

  if (is_schema1 (effective))
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED, "schema1 manifests are not supported");
      return NULL;
    }
  root_raw = lc_json_parse (data, len, "manifest", error);
  if (!root_raw)
    return NULL;
  g_autoptr(json_object) root = root_raw;
  if (!json_object_is_type (root, json_type_object))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: not a JSON object");
      return NULL;
    }
  if (effective == NULL)
    {
      const char *mt = get_string (root, "mediaType");
      lc_fail (error, LC_ERROR_UNSUPPORTED, "unsupported manifest media type %s%s%s",
               mt ? "\"" : "", mt ? mt : "(none, and not recognizable)", mt ? "\"" : "");
      return NULL;
    }
  if (!json_object_object_get_ex (root, "schemaVersion", &v) || !json_object_is_type (v, json_type_int) ||
      json_object_get_int64 (v) != 2)
    {
      if (v && json_object_is_type (v, json_type_int) && json_object_get_int64 (v) == 1)
        lc_fail (error, LC_ERROR_UNSUPPORTED, "schema1 manifests are not supported");
      else
        lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: \"schemaVersion\" must be 2");
      return NULL;
    }
  if (json_object_object_get_ex (root, "mediaType", &v))
    {
      if (!json_object_is_type (v, json_type_string))
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: \"mediaType\" is not a string");
          return NULL;
        }
      field_mt = json_object_get_string (v);
      if (!lc_media_type_is_list (field_mt) && !lc_media_type_is_manifest (field_mt))
        {
          lc_fail (error, LC_ERROR_UNSUPPORTED, "unsupported manifest media type \"%s\"", field_mt);
          return NULL;
        }
      if (strcmp (field_mt, effective) != 0)
        {
          lc_fail (error, LC_ERROR_INVALID_DATA,
                   "manifest: \"mediaType\" is \"%s\", expected \"%s\"", field_mt, effective);
          return NULL;
        }
      m->has_media_type_field = TRUE;
    }
  else if (!lc_media_type_is_oci (effective))
    {
      lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: missing \"mediaType\" in a %s", effective);
      return NULL;
    }
  m->media_type = g_strdup (effective);
  m->is_list = lc_media_type_is_list (effective);

  if (m->is_list)
    {
      if (!reject_fields (root, list_forbidden, G_N_ELEMENTS (list_forbidden), "a list", error) ||
          !parse_descriptor_array (root, "manifest list", "manifests", TRUE,
                                   strcmp (effective, LC_MT_DOCKER_LIST) == 0 ? lc_media_type_is_manifest : NULL,
                                   &m->manifests, error))
        return NULL;
    }
  else
    {
      gboolean docker = strcmp (effective, LC_MT_DOCKER_V2S2) == 0;

      if (!reject_fields (root, manifest_forbidden, G_N_ELEMENTS (manifest_forbidden), "an image manifest",
                          error))
        return NULL;
      if (!json_object_object_get_ex (root, "config", &v))
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: missing \"config\"");
          return NULL;
        }
      if (!parse_descriptor (v, "manifest: config", FALSE, &m->config, error))
        return NULL;
      if (docker && strcmp (m->config->media_type, LC_MT_DOCKER_CONFIG) != 0)
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: unexpected config media type \"%s\"",
                   m->config->media_type);
          return NULL;
        }
      if (!parse_descriptor_array (root, "manifest", "layers", FALSE, docker ? is_docker_layer_type : NULL,
                                   &m->layers, error))
        return NULL;
      if (!docker && json_object_object_get_ex (root, "subject", &v) && !json_object_is_type (v, json_type_null))
        {
          LcDescriptor *subject = NULL;
          if (!parse_descriptor (v, "manifest: subject", FALSE, &subject, error))
            return NULL;
          lc_descriptor_free (subject);
          m->subject = json_object_get (v);
        }
      if (!docker && json_object_object_get_ex (root, "artifactType", &v) &&
          json_object_is_type (v, json_type_string))
        m->artifact_type = g_strdup (json_object_get_string (v));
    }
  if (lc_media_type_is_oci (effective) && json_object_object_get_ex (root, "annotations", &v) &&
      !json_object_is_type (v, json_type_null))
    {
      if (!json_object_is_type (v, json_type_object))
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "manifest: \"annotations\" is not an object");
          return NULL;
        }
      m->annotations = json_object_get (v);
    }
  return g_steal_pointer (&m);
}

static json_object *
descriptor_to_json (const LcDescriptor *d, gboolean docker, gboolean list_entry)
{
  json_object *o = json_object_new_object ();

  json_object_object_add (o, "mediaType", json_object_new_string (d->media_type));
  if (docker)
    {
      json_object_object_add (o, "size", json_object_new_int64 (d->size));
      json_object_object_add (o, "digest", json_object_new_string (d->digest));
    }
  else
    {
      json_object_object_add (o, "digest", json_object_new_string (d->digest));
      json_object_object_add (o, "size", json_object_new_int64 (d->size));
    }
  if (d->urls && d->urls[0])
    {
      json_object *a = json_object_new_array ();
      for (gsize i = 0; d->urls[i]; i++)
        json_object_array_add (a, json_object_new_string (d->urls[i]));
      json_object_object_add (o, "urls", a);
    }
  if (!docker && d->annotations && json_object_object_length (d->annotations) > 0)
    json_object_object_add (o, "annotations", json_object_get (d->annotations));
  if (list_entry && d->platform)
    json_object_object_add (o, "platform", json_object_get (d->platform));
  if (!docker && d->artifact_type)
    json_object_object_add (o, "artifactType", json_object_new_string (d->artifact_type));
  return o;
}

GBytes *
lc_manifest_serialize (const LcManifest *m)
{
  g_autoptr(json_object) root = json_object_new_object ();
  gboolean docker = !lc_media_type_is_oci (m->media_type);
  json_object *a = json_object_new_array ();
  GPtrArray *items = m->is_list ? m->manifests : m->layers;
  char *text;

  json_object_object_add (root, "schemaVersion", json_object_new_int (2));
  if (docker || m->has_media_type_field)
    json_object_object_add (root, "mediaType", json_object_new_string (m->media_type));
  if (!m->is_list && !docker && m->artifact_type)
    json_object_object_add (root, "artifactType", json_object_new_string (m->artifact_type));
  if (!m->is_list)
    json_object_object_add (root, "config", descriptor_to_json (m->config, docker, FALSE));
  for (guint i = 0; i < items->len; i++)
    json_object_array_add (a, descriptor_to_json (items->pdata[i], docker, m->is_list));
  json_object_object_add (root, m->is_list ? "manifests" : "layers", a);
  if (!docker && !m->is_list && m->subject)
    json_object_object_add (root, "subject", json_object_get (m->subject));
  if (!docker && m->annotations)
    json_object_object_add (root, "annotations", json_object_get (m->annotations));
  text = lc_json_to_string (root);
  return g_bytes_new_take (text, strlen (text));
}

gboolean
lc_layer_media_type_info (const char *mt, LcCompressionKind *out_kind, gboolean *out_foreign)
{
  static const struct { const char *mt; LcCompressionKind kind; gboolean foreign; } table[] = {
    { LC_MT_DOCKER_LAYER, LC_COMPRESSION_KIND_NONE, FALSE },
    { LC_MT_DOCKER_LAYER_GZIP, LC_COMPRESSION_KIND_GZIP, FALSE },
    { LC_MT_DOCKER_FOREIGN, LC_COMPRESSION_KIND_NONE, TRUE },
    { LC_MT_DOCKER_FOREIGN_GZIP, LC_COMPRESSION_KIND_GZIP, TRUE },
    { LC_MT_OCI_LAYER, LC_COMPRESSION_KIND_NONE, FALSE },
    { LC_MT_OCI_LAYER_GZIP, LC_COMPRESSION_KIND_GZIP, FALSE },
    { LC_MT_OCI_LAYER_ZSTD, LC_COMPRESSION_KIND_ZSTD, FALSE },
    { LC_MT_OCI_NONDIST, LC_COMPRESSION_KIND_NONE, TRUE },
    { LC_MT_OCI_NONDIST_GZIP, LC_COMPRESSION_KIND_GZIP, TRUE },
    { LC_MT_OCI_NONDIST_ZSTD, LC_COMPRESSION_KIND_ZSTD, TRUE },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (mt, table[i].mt) == 0)
      {
        *out_kind = table[i].kind;
        *out_foreign = table[i].foreign;
        return TRUE;
      }
  return FALSE;
}

const char *
lc_layer_media_type_for (const char *manifest_type, LcCompressionKind kind, gboolean foreign,
                         GError **error)
{
  gboolean oci = lc_media_type_is_oci (manifest_type);

  switch (kind)
    {
    case LC_COMPRESSION_KIND_NONE:
      return oci ? (foreign ? LC_MT_OCI_NONDIST : LC_MT_OCI_LAYER)
                 : (foreign ? LC_MT_DOCKER_FOREIGN : LC_MT_DOCKER_LAYER);
    case LC_COMPRESSION_KIND_GZIP:
      return oci ? (foreign ? LC_MT_OCI_NONDIST_GZIP : LC_MT_OCI_LAYER_GZIP)
                 : (foreign ? LC_MT_DOCKER_FOREIGN_GZIP : LC_MT_DOCKER_LAYER_GZIP);
    case LC_COMPRESSION_KIND_ZSTD:
      if (oci)
        return foreign ? LC_MT_OCI_NONDIST_ZSTD : LC_MT_OCI_LAYER_ZSTD;
      lc_fail (error, LC_ERROR_UNSUPPORTED, "zstd compression is not supported for docker images");
      return NULL;
    case LC_COMPRESSION_KIND_BZIP2:
    case LC_COMPRESSION_KIND_XZ:
    default:
      lc_fail (error, LC_ERROR_UNSUPPORTED, "%s compressed layers cannot be described in a manifest",
               lc_compression_kind_name (kind));
      return NULL;
    }
}

gboolean
lc_manifest_convert (LcManifest *m, const char *target, GError **error)
{
  gboolean to_oci = lc_media_type_is_oci (target);

  if (strcmp (m->media_type, target) == 0)
    return TRUE;
  if (m->is_list != lc_media_type_is_list (target))
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "cannot convert %s to %s", m->media_type, target);
  if (m->is_list)
    {
      for (guint i = 0; i < m->manifests->len; i++)
        {
          LcDescriptor *d = m->manifests->pdata[i];
          if (lc_media_type_is_manifest (d->media_type))
            {
              g_free (d->media_type);
              d->media_type = g_strdup (to_oci ? LC_MT_OCI_MANIFEST : LC_MT_DOCKER_V2S2);
            }
          else if (!to_oci)
            return lc_fail (error, LC_ERROR_UNSUPPORTED,
                            "a Docker manifest list cannot contain \"%s\"", d->media_type);
          if (!to_oci && !d->platform)
            return lc_fail (error, LC_ERROR_UNSUPPORTED,
                            "a Docker manifest list entry needs a platform (%s)", d->digest);
        }
    }
  else
    {
      if (!to_oci && m->subject)
        return lc_fail (error, LC_ERROR_UNSUPPORTED, "a Docker manifest cannot have a subject");
      if (!to_oci && m->config && strcmp (m->config->media_type, LC_MT_OCI_CONFIG) != 0)
        return lc_fail (error, LC_ERROR_UNSUPPORTED,
                        "cannot convert an OCI artifact (config \"%s\") to a Docker manifest",
                        m->config->media_type);
      g_free (m->config->media_type);
      m->config->media_type = g_strdup (to_oci ? LC_MT_OCI_CONFIG : LC_MT_DOCKER_CONFIG);
      for (guint i = 0; i < m->layers->len; i++)
        {
          LcDescriptor *d = m->layers->pdata[i];
          LcCompressionKind kind;
          gboolean foreign;
          const char *mt;

          if (!lc_layer_media_type_info (d->media_type, &kind, &foreign))
            return lc_fail (error, LC_ERROR_UNSUPPORTED, "Error during manifest conversion: \"%s\": "
                            "unsupported layer media type", d->media_type);
          mt = lc_layer_media_type_for (target, kind, foreign, error);
          if (!mt)
            {
              g_prefix_error (error, "Error during manifest conversion: \"%s\": ", d->media_type);
              return FALSE;
            }
          g_free (d->media_type);
          d->media_type = g_strdup (mt);
          if (!to_oci)
            g_clear_pointer (&d->annotations, json_object_put);
        }
    }
  if (!to_oci)
    {
      g_clear_pointer (&m->annotations, json_object_put);
      g_clear_pointer (&m->artifact_type, g_free);
    }
  g_free (m->media_type);
  m->media_type = g_strdup (target);
  m->has_media_type_field = TRUE;
  return TRUE;
}

const char *
lc_platform_host_os (void)
{
  return "linux";
}

const char *
lc_platform_host_arch (void)
{
  static gsize arch;

  if (g_once_init_enter (&arch))
    {
      struct utsname u;
      const char *a = "amd64";
      static const struct { const char *machine, *oci; } map[] = {
        { "x86_64", "amd64" }, { "aarch64", "arm64" }, { "armv7l", "arm" }, { "armv6l", "arm" },
        { "i686", "386" }, { "i386", "386" }, { "ppc64le", "ppc64le" }, { "s390x", "s390x" },
        { "riscv64", "riscv64" }, { "mips64", "mips64" }, { "loongarch64", "loong64" },
      };
      if (uname (&u) == 0)
        for (gsize i = 0; i < G_N_ELEMENTS (map); i++)
          if (strcmp (u.machine, map[i].machine) == 0)
            a = map[i].oci;
      g_once_init_leave (&arch, (gsize) a);
    }
  return (const char *) arch;
}

static GPtrArray *
variant_candidates (const char *arch, const char *variant)
{
  static const char *const arm[] = { "v8", "v7", "v6", "v5", NULL };
  static const char *const arm64[] = { "v8", NULL };
  const char *const *table = NULL;
  GPtrArray *c = g_ptr_array_new ();

  if (strcmp (arch, "arm") == 0)
    table = arm;
  else if (strcmp (arch, "arm64") == 0)
    table = arm64;
  if (variant && *variant)
    {
      gboolean found = FALSE;
      for (gsize i = 0; table && table[i]; i++)
        if (found || strcmp (table[i], variant) == 0)
          {
            found = TRUE;
            g_ptr_array_add (c, (gpointer) table[i]);
          }
      if (!found)
        g_ptr_array_add (c, (gpointer) variant);
      g_ptr_array_add (c, (gpointer) "");
    }
  else
    {
      g_ptr_array_add (c, (gpointer) "");
      for (gsize i = 0; table && table[i]; i++)
        g_ptr_array_add (c, (gpointer) table[i]);
    }
  return c;
}

static int
platform_score (json_object *platform, const char *os, const char *arch, GPtrArray *variants)
{
  const char *pv;

  if (g_strcmp0 (get_string (platform, "os"), os) != 0 ||
      g_strcmp0 (get_string (platform, "architecture"), arch) != 0)
    return -1;
  pv = get_string (platform, "variant");
  if (pv == NULL)
    pv = "";
  for (guint i = 0; i < variants->len; i++)
    if (strcmp (pv, variants->pdata[i]) == 0)
      return (int) i;
  return -1;
}

const LcDescriptor *
lc_manifest_choose_instance (const LcManifest *list, const char *os, const char *arch,
                             const char *variant, GError **error)
{
  g_autoptr(GPtrArray) variants = NULL;
  const LcDescriptor *best = NULL;
  int best_score = G_MAXINT;
  gboolean best_zstd = FALSE;
  gboolean oci = lc_media_type_is_oci (list->media_type);

  if (!os || !*os)
    os = lc_platform_host_os ();
  if (!arch || !*arch)
    arch = lc_platform_host_arch ();
  variants = variant_candidates (arch, variant);
  for (guint i = 0; i < list->manifests->len; i++)
    {
      const LcDescriptor *d = list->manifests->pdata[i];
      int score;
      gboolean zstd = FALSE;
      const char *z;

      if (!lc_media_type_is_manifest (d->media_type) && !lc_media_type_is_list (d->media_type))
        continue;
      if (d->platform)
        score = platform_score (d->platform, os, arch, variants);
      else
        score = oci ? (int) variants->len : -1;   /* acceptable, worst score */
      if (score < 0)
        continue;
      z = d->annotations ? get_string (d->annotations, "io.github.containers.compression.zstd") : NULL;
      zstd = z && strcmp (z, "true") == 0;
      if (score < best_score || (score == best_score && zstd && !best_zstd))
        {
          best = d;
          best_score = score;
          best_zstd = zstd;
        }
    }
  if (!best)
    {
      lc_fail (error, LC_ERROR_NOT_FOUND,
               "no image found in image index for architecture \"%s\", variant \"%s\", OS \"%s\"",
               arch, variant ? variant : "", os);
      return NULL;
    }
  lc_info ("image", "chose instance %s of the list for %s/%s%s%s", best->digest, os, arch,
           variant && *variant ? "/" : "", variant ? variant : "");
  return best;
}
