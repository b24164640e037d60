/* lc-registries-conf.c: registries.conf v2 (+ drop-ins), registry lookup by
 * prefix, pull sources with mirrors, short-name resolution.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <json-c/json.h>

#include "common/lc-context-private.h"
#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "common/lc-toml-private.h"
#include "lc-registries-conf-private.h"

/* g_strv_builder_take () needs GLib 2.80. */
static void
strv_builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

static void
mirror_free (LcRegistryMirror *m)
{
  if (m == NULL)
    return;
  g_free (m->location);
  g_free (m);
}

static void
entry_free (LcRegistryEntry *e)
{
  if (e == NULL)
    return;
  g_free (e->prefix);
  g_free (e->location);
  g_clear_pointer (&e->mirrors, g_ptr_array_unref);
  g_free (e);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcRegistryEntry, entry_free)

void
lc_pull_source_free (LcPullSource *source)
{
  if (source == NULL)
    return;
  g_clear_pointer (&source->ref, lc_image_ref_unref);
  g_free (source);
}

LcRegistriesConf *
lc_registries_conf_new (void)
{
  LcRegistriesConf *self = g_new0 (LcRegistriesConf, 1);

  self->search = g_new0 (char *, 1);
  self->short_name_mode = LC_SHORT_NAME_MODE_PERMISSIVE;
  self->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->registries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  return self;
}

void
lc_registries_conf_free (LcRegistriesConf *self)
{
  if (self == NULL)
    return;
  g_strfreev (self->search);
  g_hash_table_unref (self->aliases);
  g_ptr_array_unref (self->registries);
  g_free (self->origin);
  g_free (self);
}

/* --- validation helpers --------------------------------------------------- */

static gboolean
is_domain_component (const char *s, gsize len)
{
  if (len == 0 || !g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-')
      return FALSE;
  return TRUE;
}

/* host[:port], the domain grammar of docker references. */
static gboolean
is_domain (const char *s)
{
  const char *colon = strchr (s, ':');
  gsize hlen = colon != NULL ? (gsize) (colon - s) : strlen (s);
  const char *p = s, *end = s + hlen;

  if (colon != NULL)
    {
      if (colon[1] == '\0')
        return FALSE;
      for (const char *q = colon + 1; *q; q++)
        if (!g_ascii_isdigit (*q))
          return FALSE;
    }
  if (hlen == 0)
    return FALSE;
  while (p < end)
    {
      const char *dot = memchr (p, '.', (gsize) (end - p));
      const char *cend = dot != NULL ? dot : end;
      if (!is_domain_component (p, (gsize) (cend - p)))
        return FALSE;
      p = dot != NULL ? dot + 1 : end;
      if (dot != NULL && p == end)
        return FALSE;
    }
  return TRUE;
}

static char *
trim_slash (const char *s)
{
  gsize len = strlen (s);
  while (len > 0 && s[len - 1] == '/')
    len--;
  return g_strndup (s, len);
}

static gboolean
reject_scheme (const char *value, const char *origin, const char *what, GError **error)
{
  if (g_str_has_prefix (value, "http://") || g_str_has_prefix (value, "https://"))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: invalid %s \"%s\": URI schemes are not supported", origin, what, value);
  return TRUE;
}

/* A short name: its first component is not a domain. */
static gboolean
is_short_name (const char *name)
{
  const char *slash = strchr (name, '/');
  g_autofree char *first = NULL;

  if (slash == NULL)
    return TRUE;
  first = g_strndup (name, (gsize) (slash - name));
  return strpbrk (first, ".:") == NULL && !g_str_equal (first, "localhost");
}

typedef struct {
  const char *name;
  json_type type;
} KeySpec;

static gboolean
check_keys (struct json_object *obj, const KeySpec *specs, const char *origin, const char *where,
            GError **error)
{
  json_object_object_foreach (obj, key, val)
    {
      const KeySpec *s;
      for (s = specs; s->name != NULL; s++)
        if (g_str_equal (s->name, key))
          break;
      if (s->name == NULL)
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: unknown key \"%s\"%s%s", origin, key,
                        where != NULL ? " in " : "", where != NULL ? where : "");
      if (!json_object_is_type (val, s->type))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: key \"%s\"%s%s must be of type %s",
                        origin, key, where != NULL ? " in " : "", where != NULL ? where : "",
                        json_type_to_name (s->type));
    }
  return TRUE;
}

static char **
string_array (struct json_object *arr, const char *origin, const char *key, GError **error)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  gsize n = json_object_array_length (arr);

  for (gsize i = 0; i < n; i++)
    {
      struct json_object *v = json_object_array_get_idx (arr, i);
      if (!json_object_is_type (v, json_type_string))
        {
          lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"%s\" must be an array of strings",
                   origin, key);
          return NULL;
        }
      g_strv_builder_add (b, json_object_get_string (v));
    }
  return g_strv_builder_end (b);
}

static const char *
get_str (struct json_object *obj, const char *key)
{
  struct json_object *v;
  return json_object_object_get_ex (obj, key, &v) ? json_object_get_string (v) : NULL;
}

static gboolean
get_bool (struct json_object *obj, const char *key)
{
  struct json_object *v;
  return json_object_object_get_ex (obj, key, &v) && json_object_get_boolean (v);
}

/* --- one file ------------------------------------------------------------ */

typedef struct {
  gboolean has_search;
  char **search;
  gboolean has_mode;
  LcShortNameMode mode;
  GHashTable *aliases;
  GPtrArray *registries;
} ParsedFile;

static void
parsed_file_clear (ParsedFile *p)
{
  g_strfreev (p->search);
  g_clear_pointer (&p->aliases, g_hash_table_unref);
  g_clear_pointer (&p->registries, g_ptr_array_unref);
}

static gint
entry_cmp (gconstpointer a, gconstpointer b)
{
  const LcRegistryEntry *ea = *(LcRegistryEntry * const *) a;
  const LcRegistryEntry *eb = *(LcRegistryEntry * const *) b;
  return strcmp (ea->prefix, eb->prefix);
}

static const KeySpec top_keys[] = {
  { "unqualified-search-registries", json_type_array },
  { "short-name-mode", json_type_string },
  { "credential-helpers", json_type_array },
  { "additional-layer-store-auth-helper", json_type_string },
  { "registry", json_type_array },
  { "aliases", json_type_object },
  { NULL, 0 },
};

static const KeySpec registry_keys[] = {
  { "prefix", json_type_string },
  { "location", json_type_string },
  { "insecure", json_type_boolean },
  { "blocked", json_type_boolean },
  { "mirror-by-digest-only", json_type_boolean },
  { "mirror", json_type_array },
  { NULL, 0 },
};

static const KeySpec mirror_keys[] = {
  { "location", json_type_string },
  { "insecure", json_type_boolean },
  { "pull-from-mirror", json_type_string },
  { NULL, 0 },
};

static LcRegistryEntry *
parse_registry (struct json_object *t, const char *origin, GError **error)
{
  g_autoptr(LcRegistryEntry) e = g_new0 (LcRegistryEntry, 1);
  const char *prefix, *location;
  struct json_object *mirrors;
  gboolean any_pull_from_mirror = FALSE;

  if (!json_object_is_type (t, json_type_object))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: [[registry]] must be a table", origin), NULL;
  if (!check_keys (t, registry_keys, origin, "[[registry]]", error))
    return NULL;
  prefix = get_str (t, "prefix");
  location = get_str (t, "location");
  if (location != NULL && !reject_scheme (location, origin, "location", error))
    return NULL;
  if (prefix != NULL && !reject_scheme (prefix, origin, "prefix", error))
    return NULL;
  e->location = trim_slash (location != NULL ? location : "");
  e->prefix = trim_slash (prefix != NULL ? prefix : "");
  if (*e->prefix == '\0')
    {
      if (*e->location == '\0')
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "%s: a [[registry]] needs a prefix or a location", origin), NULL;
      g_free (e->prefix);
      e->prefix = g_strdup (e->location);
    }
  if (g_str_has_prefix (e->prefix, "*."))
    {
      if (strpbrk (e->prefix, "/@:") != NULL || e->prefix[2] == '\0')
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "%s: invalid prefix \"%s\": Wildcarded prefix should be in the format: *.example.com",
                        origin, e->prefix), NULL;
    }
  else if (*e->location == '\0')
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: registry with prefix \"%s\" has an empty location", origin, e->prefix), NULL;
  else if (strchr (e->prefix, '*') != NULL)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: invalid prefix \"%s\": Wildcarded prefix should be in the format: *.example.com",
                    origin, e->prefix), NULL;

  e->insecure = get_bool (t, "insecure");
  e->blocked = get_bool (t, "blocked");
  e->mirror_by_digest_only = get_bool (t, "mirror-by-digest-only");
  e->mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify) mirror_free);

  if (json_object_object_get_ex (t, "mirror", &mirrors))
    {
      gsize n = json_object_array_length (mirrors);
      for (gsize i = 0; i < n; i++)
        {
          struct json_object *mt = json_object_array_get_idx (mirrors, i);
          LcRegistryMirror *m;
          const char *ml, *pfm;

          if (!json_object_is_type (mt, json_type_object))
            return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                            "%s: [[registry.mirror]] must be a table", origin), NULL;
          if (!check_keys (mt, mirror_keys, origin, "[[registry.mirror]]", error))
            return NULL;
          ml = get_str (mt, "location");
          if (ml == NULL || *ml == '\0')
            return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                            "%s: a mirror of \"%s\" has no location", origin, e->prefix), NULL;
          if (!reject_scheme (ml, origin, "mirror location", error))
            return NULL;
          m = g_new0 (LcRegistryMirror, 1);
          g_ptr_array_add (e->mirrors, m);
          m->location = trim_slash (ml);
          m->insecure = get_bool (mt, "insecure");
          pfm = get_str (mt, "pull-from-mirror");
          if (pfm == NULL || *pfm == '\0' || g_str_equal (pfm, "all"))
            m->pull_from_mirror = LC_PULL_FROM_MIRROR_ALL;
          else if (g_str_equal (pfm, "digest-only"))
            m->pull_from_mirror = LC_PULL_FROM_MIRROR_DIGEST_ONLY;
          else if (g_str_equal (pfm, "tag-only"))
            m->pull_from_mirror = LC_PULL_FROM_MIRROR_TAG_ONLY;
          else
            return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                            "%s: unsupported pull-from-mirror value \"%s\" for mirror %s", origin,
                            pfm, m->location), NULL;
          if (pfm != NULL && *pfm != '\0')
            any_pull_from_mirror = TRUE;
        }
    }
  if (e->mirror_by_digest_only && any_pull_from_mirror)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: registry \"%s\": mirror-by-digest-only cannot be combined with pull-from-mirror",
                    origin, e->prefix), NULL;
  return g_steal_pointer (&e);
}

static gboolean
parse_aliases (struct json_object *t, GHashTable *out, const char *origin, GError **error)
{
  g_autoptr(GString) errors = g_string_new (NULL);

  json_object_object_foreach (t, key, val)
    {
      const char *v;
      g_autoptr(LcImageRef) ref = NULL;
      g_autoptr(GError) local = NULL;

      if (!json_object_is_type (val, json_type_string))
        {
          g_string_append_printf (errors, "%salias \"%s\" must be a string", errors->len ? "; " : "", key);
          continue;
        }
      v = json_object_get_string (val);
      ref = is_short_name (key) && strpbrk (key, ":@") == NULL ? lc_image_ref_parse (key, NULL) : NULL;
      if (ref == NULL)
        {
          g_string_append_printf (errors, "%sinvalid alias name \"%s\": must be a short name without tag or digest",
                                  errors->len ? "; " : "", key);
          continue;
        }
      g_clear_pointer (&ref, lc_image_ref_unref);
      if (*v == '\0')
        {
          g_hash_table_replace (out, g_strdup (key), g_strdup (""));
          continue;
        }
      if (is_short_name (v))
        {
          g_string_append_printf (errors, "%salias \"%s\": value \"%s\" must include a registry domain",
                                  errors->len ? "; " : "", key, v);
          continue;
        }
      ref = lc_image_ref_parse (v, &local);
      if (ref == NULL)
        {
          g_string_append_printf (errors, "%salias \"%s\": %s", errors->len ? "; " : "", key, local->message);
          continue;
        }
      if (lc_image_ref_get_tag (ref) != NULL || lc_image_ref_get_digest (ref) != NULL)
        {
          g_string_append_printf (errors, "%salias \"%s\": value \"%s\" must not have a tag or digest",
                                  errors->len ? "; " : "", key, v);
          continue;
        }
      g_hash_table_replace (out, g_strdup (key), g_strdup (lc_image_ref_get_name (ref)));
    }
  if (errors->len > 0)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: %s", origin, errors->str);
  return TRUE;
}

/* The v1 format: [registries.search] / .insecure / .block registries = [...]. */
static gboolean
convert_v1 (struct json_object *root, ParsedFile *p, const char *origin, GError **error)
{
  struct json_object *regs = NULL;
  static const char *sections[] = { "search", "insecure", "block", NULL };

  if (json_object_object_length (root) != 1)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: mixing sysregistry v1/v2 is not supported", origin);
  json_object_object_get_ex (root, "registries", &regs);
  if (!json_object_is_type (regs, json_type_object))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"registries\" must be a table", origin);
  json_object_object_foreach (regs, key, val)
    {
      struct json_object *list;
      g_auto(GStrv) hosts = NULL;
      guint which;

      for (which = 0; sections[which] != NULL; which++)
        if (g_str_equal (sections[which], key))
          break;
      if (sections[which] == NULL)
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: unknown key \"%s\" in [registries]", origin, key);
      if (!json_object_is_type (val, json_type_object) || json_object_object_length (val) != 1 ||
          !json_object_object_get_ex (val, "registries", &list) ||
          !json_object_is_type (list, json_type_array))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "%s: [registries.%s] must hold only \"registries\", an array", origin, key);
      hosts = string_array (list, origin, "registries", error);
      if (hosts == NULL)
        return FALSE;
      if (which == 0)
        {
          g_strfreev (p->search);
          p->search = g_steal_pointer (&hosts);
          p->has_search = TRUE;
          continue;
        }
      for (char **h = hosts; *h; h++)
        {
          LcRegistryEntry *e = NULL;
          g_autofree char *host = trim_slash (*h);
          for (guint i = 0; i < p->registries->len; i++)
            if (g_str_equal (((LcRegistryEntry *) p->registries->pdata[i])->prefix, host))
              e = p->registries->pdata[i];
          if (e == NULL)
            {
              e = g_new0 (LcRegistryEntry, 1);
              e->prefix = g_strdup (host);
              e->location = g_strdup (host);
              e->mirrors = g_ptr_array_new_with_free_func ((GDestroyNotify) mirror_free);
              g_ptr_array_add (p->registries, e);
            }
          if (which == 1)
            e->insecure = TRUE;
          else
            e->blocked = TRUE;
        }
    }
  return TRUE;
}

static gboolean
parse_file (const char *data, gsize len, const char *origin, ParsedFile *p, GError **error)
{
  g_autoptr(GError) local = NULL;
  struct json_object *root = lc_toml_parse (data, len, origin, &local);
  struct json_object *v;
  gboolean ok = FALSE;

  memset (p, 0, sizeof *p);
  p->aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  p->registries = g_ptr_array_new_with_free_func ((GDestroyNotify) entry_free);
  if (root == NULL)
    {
      if (local->domain == LC_ERROR)
        g_propagate_error (error, g_steal_pointer (&local));
      else
        lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: %s", origin, local->message);
      return FALSE;
    }

  if (json_object_object_get_ex (root, "registries", NULL))
    {
      ok = convert_v1 (root, p, origin, error);
      goto out;
    }
  if (!check_keys (root, top_keys, origin, NULL, error))
    goto out;

  if (json_object_object_get_ex (root, "unqualified-search-registries", &v))
    {
      p->search = string_array (v, origin, "unqualified-search-registries", error);
      if (p->search == NULL)
        goto out;
      for (char **s = p->search; *s; s++)
        {
          char *t = trim_slash (*s);
          g_free (*s);
          *s = t;
          if (!reject_scheme (t, origin, "unqualified-search-registries entry", error))
            goto out;
          if (!is_domain (t))
            {
              lc_fail (error, LC_ERROR_INVALID_CONFIG,
                       "%s: invalid unqualified-search-registries entry \"%s\"", origin, t);
              goto out;
            }
        }
      p->has_search = TRUE;
    }
  if (json_object_object_get_ex (root, "credential-helpers", &v))
    {
      g_auto(GStrv) helpers = string_array (v, origin, "credential-helpers", error);
      if (helpers == NULL)
        goto out;
    }
  if (json_object_object_get_ex (root, "short-name-mode", &v))
    {
      const char *m = json_object_get_string (v);
      p->has_mode = TRUE;
      if (g_str_equal (m, "enforcing"))
        p->mode = LC_SHORT_NAME_MODE_ENFORCING;
      else if (g_str_equal (m, "permissive"))
        p->mode = LC_SHORT_NAME_MODE_PERMISSIVE;
      else if (g_str_equal (m, "disabled"))
        p->mode = LC_SHORT_NAME_MODE_DISABLED;
      else
        {
          lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: invalid short-name-mode \"%s\"", origin, m);
          goto out;
        }
    }
  if (json_object_object_get_ex (root, "aliases", &v) &&
      !parse_aliases (v, p->aliases, origin, error))
    goto out;
  if (json_object_object_get_ex (root, "registry", &v))
    {
      gsize n = json_object_array_length (v);
      for (gsize i = 0; i < n; i++)
        {
          LcRegistryEntry *e = parse_registry (json_object_array_get_idx (v, i), origin, error);
          gboolean dup = FALSE;
          if (e == NULL)
            goto out;
          /* Within one file the first table with a prefix wins. */
          for (guint j = 0; j < p->registries->len; j++)
            if (g_str_equal (((LcRegistryEntry *) p->registries->pdata[j])->prefix, e->prefix))
              dup = TRUE;
          if (dup)
            entry_free (e);
          else
            g_ptr_array_add (p->registries, e);
        }
    }
  ok = TRUE;

out:
  json_object_put (root);
  return ok;
}

/* Tables sharing a location (or a prefix, when the location is empty) must
 * agree on insecure and blocked. */
static gboolean
check_consistency (GPtrArray *registries, const char *origin, GError **error)
{
  for (guint i = 0; i < registries->len; i++)
    for (guint j = i + 1; j < registries->len; j++)
      {
        LcRegistryEntry *a = registries->pdata[i], *b = registries->pdata[j];
        const char *ka = *a->location ? a->location : a->prefix;
        const char *kb = *b->location ? b->location : b->prefix;
        if (!g_str_equal (ka, kb))
          continue;
        if (a->insecure != b->insecure)
          return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                          "%s: registry '%s' is defined multiple times with conflicting 'insecure' setting",
                          origin, ka);
        if (a->blocked != b->blocked)
          return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                          "%s: registry '%s' is defined multiple times with conflicting 'blocked' setting",
                          origin, ka);
      }
  return TRUE;
}

gboolean
lc_registries_conf_merge_data (LcRegistriesConf *self, const char *data, gsize len,
                               const char *origin, GError **error)
{
  ParsedFile p;
  GHashTableIter it;
  gpointer k, v;

  g_return_val_if_fail (self != NULL, FALSE);

  if (!parse_file (data, len, origin, &p, error))
    {
      parsed_file_clear (&p);
      return FALSE;
    }
  if (!check_consistency (p.registries, origin, error))
    {
      parsed_file_clear (&p);
      return FALSE;
    }

  if (p.has_search)
    {
      g_strfreev (self->search);
      self->search = g_steal_pointer (&p.search);
    }
  if (p.has_mode)
    self->short_name_mode = p.mode;
  g_hash_table_iter_init (&it, p.aliases);
  while (g_hash_table_iter_next (&it, &k, &v))
    g_hash_table_replace (self->aliases, g_strdup (k), g_strdup (v));
  /* [[registry]] tables merge by prefix: a later one replaces. */
  while (p.registries->len > 0)
    {
      LcRegistryEntry *e = g_ptr_array_steal_index (p.registries, 0);
      guint j;
      for (j = 0; j < self->registries->len; j++)
        if (g_str_equal (((LcRegistryEntry *) self->registries->pdata[j])->prefix, e->prefix))
          break;
      if (j < self->registries->len)
        {
          entry_free (self->registries->pdata[j]);
          self->registries->pdata[j] = e;
        }
      else
        g_ptr_array_add (self->registries, e);
    }
  g_ptr_array_sort (self->registries, entry_cmp);
  parsed_file_clear (&p);
  return TRUE;
}

static gboolean
merge_file (LcRegistriesConf *self, const char *path, gboolean missing_ok, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      if (missing_ok && g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return TRUE;
      return lc_fail (error, LC_ERROR_INVALID_CONFIG, "reading %s: %s", path, local->message);
    }
  lc_debug ("registry", "loading registries configuration %s", path);
  return lc_registries_conf_merge_data (self, data, len, path, error);
}

static gint
str_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

LcRegistriesConf *
lc_registries_conf_load_files (const char *main_path, const char * const *dirs, GError **error)
{
  g_autoptr(LcRegistriesConf) self = lc_registries_conf_new ();
  g_autoptr(GString) origin = g_string_new (main_path != NULL ? main_path : "");

  if (main_path != NULL && !merge_file (self, main_path, TRUE, error))
    return NULL;
  for (const char * const *d = dirs; d != NULL && *d != NULL; d++)
    {
      g_autoptr(GDir) dir = g_dir_open (*d, 0, NULL);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *n;

      g_string_append_printf (origin, "%s%s", origin->len ? " or " : "", *d);
      if (dir == NULL)
        continue;
      while ((n = g_dir_read_name (dir)) != NULL)
        if (g_str_has_suffix (n, ".conf"))
          g_ptr_array_add (names, g_strdup (n));
      g_ptr_array_sort (names, str_cmp);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *path = g_build_filename (*d, names->pdata[i], NULL);
          if (!g_file_test (path, G_FILE_TEST_IS_REGULAR))
            continue;
          /* A file that vanished since the listing is ignored. */
          if (!merge_file (self, path, TRUE, error))
            return NULL;
        }
    }
  self->origin = g_string_free (g_steal_pointer (&origin), FALSE);
  return g_steal_pointer (&self);
}

LcRegistriesConf *
lc_registries_conf_load (LcContext *context, GError **error)
{
  g_autofree char *main_path = lc_context_dup_registries_conf (context);
  g_auto(GStrv) dirs = lc_context_dup_registries_conf_dirs (context);

  return lc_registries_conf_load_files (main_path, (const char * const *) dirs, error);
}

/* --- lookups ------------------------------------------------------------- */

/* How many characters of @name the prefix of @e matches, or 0. */
static gsize
prefix_match (const LcRegistryEntry *e, const char *name)
{
  gsize plen = strlen (e->prefix);

  if (g_str_has_prefix (e->prefix, "*."))
    {
      const char *dom = e->prefix + 1;   /* ".example.com" */
      const char *hit = strstr (name, dom);
      const char *slash = strchr (name, '/');
      char after;
      if (hit == NULL || (slash != NULL && slash < hit))
        return 0;
      after = hit[strlen (dom)];
      if (after != '\0' && after != ':' && after != '/' && after != '@')
        return 0;
      return (gsize) (hit - name) + strlen (dom);
    }
  if (!g_str_has_prefix (name, e->prefix))
    return 0;
  if (name[plen] == '\0' || name[plen] == ':' || name[plen] == '/' || name[plen] == '@')
    return plen;
  return 0;
}

const LcRegistryEntry *
lc_registries_conf_find (LcRegistriesConf *self, const char *name, gsize *out_len)
{
  const LcRegistryEntry *best = NULL;
  gsize best_plen = 0, best_len = 0;

  g_return_val_if_fail (self != NULL && name != NULL, NULL);
  for (guint i = 0; i < self->registries->len; i++)
    {
      const LcRegistryEntry *e = self->registries->pdata[i];
      gsize m = prefix_match (e, name);
      gsize plen = strlen (e->prefix);
      if (m > 0 && plen > best_plen)
        {
          best = e;
          best_plen = plen;
          best_len = m;
        }
    }
  if (out_len != NULL)
    *out_len = best_len;
  return best;
}

gboolean
lc_registries_conf_check (LcRegistriesConf *self, LcImageRef *ref, gboolean *out_insecure,
                          GError **error)
{
  const LcRegistryEntry *e = lc_registries_conf_find (self, lc_image_ref_get_name (ref), NULL);

  if (out_insecure != NULL)
    *out_insecure = e != NULL && e->insecure;
  if (e != NULL && e->blocked)
    return lc_fail (error, LC_ERROR_POLICY_DENIED, "registry %s is blocked in %s",
                    lc_image_ref_get_domain (ref), self->origin != NULL ? self->origin : "registries.conf");
  return TRUE;
}

static gboolean
add_source (GPtrArray *out, const char *location, const char *full, gsize matched, gboolean insecure,
            gboolean is_mirror, GError **error)
{
  g_autofree char *text = g_strconcat (location, full + matched, NULL);
  g_autoptr(GError) local = NULL;
  LcImageRef *ref = lc_image_ref_parse (text, &local);
  LcPullSource *s;

  if (ref == NULL)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "rewriting reference to \"%s\": %s", text,
                    local->message);
  s = g_new0 (LcPullSource, 1);
  s->ref = ref;
  s->insecure = insecure;
  s->is_mirror = is_mirror;
  g_ptr_array_add (out, s);
  return TRUE;
}

GPtrArray *
lc_registries_conf_pull_sources (LcRegistriesConf *self, LcImageRef *ref, GError **error)
{
  g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func ((GDestroyNotify) lc_pull_source_free);
  g_autofree char *full = lc_image_ref_to_string (ref);
  gsize matched = 0;
  const LcRegistryEntry *e = lc_registries_conf_find (self, full, &matched);
  gboolean by_digest = lc_image_ref_get_digest (ref) != NULL;

  if (e == NULL)
    {
      LcPullSource *s = g_new0 (LcPullSource, 1);
      s->ref = lc_image_ref_ref (ref);
      g_ptr_array_add (out, s);
      return g_steal_pointer (&out);
    }
  if (e->blocked)
    {
      lc_fail (error, LC_ERROR_POLICY_DENIED, "registry %s is blocked in %s",
               lc_image_ref_get_domain (ref), self->origin != NULL ? self->origin : "registries.conf");
      return NULL;
    }
  if (!e->mirror_by_digest_only || by_digest)
    for (guint i = 0; i < e->mirrors->len; i++)
      {
        const LcRegistryMirror *m = e->mirrors->pdata[i];
        if (m->pull_from_mirror == LC_PULL_FROM_MIRROR_DIGEST_ONLY && !by_digest)
          continue;
        if (m->pull_from_mirror == LC_PULL_FROM_MIRROR_TAG_ONLY && by_digest)
          continue;
        if (!add_source (out, m->location, full, matched, m->insecure, TRUE, error))
          return NULL;
      }
  if (*e->location == '\0')
    {
      LcPullSource *s = g_new0 (LcPullSource, 1);
      s->ref = lc_image_ref_ref (ref);
      s->insecure = e->insecure;
      g_ptr_array_add (out, s);
    }
  else if (!add_source (out, e->location, full, matched, e->insecure, FALSE, error))
    return NULL;
  return g_steal_pointer (&out);
}

char **
lc_registries_conf_resolve_short_name (LcRegistriesConf *self, const char *name, GError **error)
{
  g_autoptr(LcImageRef) parsed = NULL;
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_auto(GStrv) candidates = NULL;
  g_autofree char *bare = NULL;
  g_autoptr(GString) suffix = g_string_new (NULL);
  const char *alias;
  GError *local = NULL;

  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  parsed = lc_image_ref_parse (name, error);
  if (parsed == NULL)
    return NULL;
  if (!is_short_name (name))
    {
      strv_builder_take (b, lc_image_ref_to_string (parsed));
      return g_strv_builder_end (b);
    }

  bare = g_strndup (name, strcspn (name, ":@"));
  if (lc_image_ref_get_tag (parsed) != NULL)
    g_string_append_printf (suffix, ":%s", lc_image_ref_get_tag (parsed));
  if (lc_image_ref_get_digest (parsed) != NULL)
    g_string_append_printf (suffix, "@%s", lc_image_ref_get_digest (parsed));

  alias = g_hash_table_lookup (self->aliases, bare);
  if (alias != NULL && *alias != '\0')
    {
      g_autofree char *text = g_strconcat (alias, suffix->str, NULL);
      g_autoptr(LcImageRef) r = lc_image_ref_parse (text, error);
      if (r == NULL)
        return NULL;
      lc_debug ("registry", "short name %s resolved by alias to %s", name, alias);
      strv_builder_take (b, lc_image_ref_to_string (r));
      return g_strv_builder_end (b);
    }

  if (self->search[0] == NULL)
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE,
               "short-name \"%s\" did not resolve to an alias and no unqualified-search registries are defined in \"%s\"",
               name, self->origin != NULL ? self->origin : "registries.conf");
      return NULL;
    }
  for (char **s = self->search; *s; s++)
    {
      g_autofree char *text = g_strconcat (*s, "/", bare, suffix->str, NULL);
      g_autoptr(LcImageRef) r = lc_image_ref_parse (text, &local);
      if (r == NULL)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      strv_builder_take (b, lc_image_ref_to_string (r));
    }
  candidates = g_strv_builder_end (b);
  if (g_strv_length (candidates) > 1 && self->short_name_mode == LC_SHORT_NAME_MODE_ENFORCING)
    {
      g_autofree char *list = g_strjoinv (", ", candidates);
      lc_fail (error, LC_ERROR_INVALID_REFERENCE,
               "short-name \"%s\" is ambiguous and short-name resolution is enforced "
               "(cannot prompt without a TTY); candidates: %s", name, list);
      return NULL;
    }
  return g_steal_pointer (&candidates);
}
