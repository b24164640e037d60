/* lc-auth.c: auth.json lookup, login and logout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-c/json.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "lc-auth-private.h"

#define AUTH_MAX_SIZE (4u * 1024u * 1024u)

/* g_strv_builder_take () needs GLib 2.80. */
static void
strv_builder_take (GStrvBuilder *b, char *s)
{
  g_strv_builder_add (b, s);
  g_free (s);
}

LcCredentials *
lc_credentials_new (const char *username, const char *password)
{
  LcCredentials *c = g_new0 (LcCredentials, 1);
  c->username = g_strdup (username != NULL ? username : "");
  c->password = g_strdup (password != NULL ? password : "");
  return c;
}

void
lc_credentials_free (LcCredentials *creds)
{
  if (creds == NULL)
    return;
  g_free (creds->username);
  if (creds->password != NULL)
    explicit_bzero (creds->password, strlen (creds->password));
  g_free (creds->password);
  g_free (creds->identity_token);
  g_free (creds);
}

char **
lc_auth_default_files (LcContext *context)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  const char *xdg = g_getenv ("XDG_CONFIG_HOME");
  const char *docker = g_getenv ("DOCKER_CONFIG");
  g_autofree char *primary = lc_context_dup_auth_file (context);

  g_strv_builder_add (b, primary);
  if (xdg != NULL && *xdg != '\0')
    strv_builder_take (b, g_build_filename (xdg, "containers", "auth.json", NULL));
  else
    strv_builder_take (b, g_build_filename (g_get_home_dir (), ".config", "containers", "auth.json", NULL));
  if (docker != NULL && *docker != '\0')
    strv_builder_take (b, g_build_filename (docker, "config.json", NULL));
  else
    strv_builder_take (b, g_build_filename (g_get_home_dir (), ".docker", "config.json", NULL));
  strv_builder_take (b, g_build_filename (g_get_home_dir (), ".dockercfg", NULL));
  return g_strv_builder_end (b);
}

/* Reads @path as a JSON object; *out_root NULL when the file is missing. */

static gboolean
read_json_file (const char *path, struct json_object **out_root, GError **error)
{
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;
  struct json_tokener *tok;
  struct json_object *root;
  enum json_tokener_error jerr;

  *out_root = NULL;
  if (!g_file_get_contents (path, &data, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT) ||
          g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOTDIR))
        return TRUE;
      return lc_fail (error, LC_ERROR_INVALID_CONFIG, "reading %s: %s", path, local->message);
    }
  if (len > AUTH_MAX_SIZE)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: larger than %u bytes", path, AUTH_MAX_SIZE);
  if (len == 0)
    {
      *out_root = json_object_new_object ();
      return TRUE;
    }
  tok = json_tokener_new_ex (32);
  root = json_tokener_parse_ex (tok, data, (int) len);
  jerr = json_tokener_get_error (tok);
  if (root != NULL && jerr == json_tokener_success)
    for (gsize i = json_tokener_get_parse_end (tok); i < len; i++)
      if (!g_ascii_isspace (data[i]))
        {
          json_object_put (root);
          json_tokener_free (tok);
          return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: trailing data after the JSON document", path);
        }
  json_tokener_free (tok);
  if (root == NULL || jerr != json_tokener_success)
    {
      json_object_put (root);
      return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: invalid JSON: %s", path,
                      jerr == json_tokener_continue ? "unexpected end of data" : json_tokener_error_desc (jerr));
    }
  if (!json_object_is_type (root, json_type_object))
    {
      json_object_put (root);
      return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: not a JSON object", path);
    }
  *out_root = root;
  return TRUE;
}

/* An entry {"auth": base64, "identitytoken": ...} → credentials, or NULL. */
static LcCredentials *
decode_entry (struct json_object *entry, const char *path, const char *key)
{
  struct json_object *v;
  const char *auth = NULL, *token = NULL;
  g_autofree guchar *raw = NULL;
  gsize raw_len = 0;
  g_autofree char *text = NULL;
  char *colon;
  LcCredentials *c;

  if (!json_object_is_type (entry, json_type_object))
    return NULL;
  if (json_object_object_get_ex (entry, "auth", &v) && json_object_is_type (v, json_type_string))
    auth = json_object_get_string (v);
  if (json_object_object_get_ex (entry, "identitytoken", &v) && json_object_is_type (v, json_type_string))
    token = json_object_get_string (v);
  if ((auth == NULL || *auth == '\0') && (token == NULL || *token == '\0'))
    return NULL;
  c = g_new0 (LcCredentials, 1);
  if (auth != NULL && *auth != '\0')
    {
      raw = g_base64_decode (auth, &raw_len);
      text = g_strndup ((const char *) raw, raw_len);
      colon = strchr (text, ':');
      if (colon == NULL)
        {
          lc_warning ("registry", "%s: ignoring the credentials of %s: \"auth\" has no ':'", path, key);
          g_free (c);
          return NULL;
        }
      *colon = '\0';
      c->username = g_strdup (text);
      c->password = g_strdup (colon + 1);
      /* Trailing NUL bytes are stripped (strndup already stops at the first). */
      explicit_bzero (text, raw_len);
      explicit_bzero (raw, raw_len);
    }
  else
    {
      c->username = g_strdup ("");
      c->password = g_strdup ("");
    }
  if (token != NULL && *token != '\0')
    c->identity_token = g_strdup (token);
  return c;
}

/* A key reduced to the registry: scheme and path dropped for URL keys;
 * Docker Hub's names mapped to index.docker.io. */
static char *
normalize_registry (const char *key)
{
  const char *k = key;
  char *out;

  if (g_str_has_prefix (k, "http://"))
    k += 7;
  else if (g_str_has_prefix (k, "https://"))
    k += 8;
  else
    return g_strdup (key);
  out = g_strndup (k, strcspn (k, "/"));
  return out;
}

static const char *
hub_alias (const char *host)
{
  if (g_str_equal (host, "docker.io") || g_str_equal (host, "registry-1.docker.io"))
    return "index.docker.io";
  return host;
}

static LcCredentials *
lookup_in_auths (struct json_object *auths, const char *key, const char *path, gboolean legacy)
{
  g_autofree char *registry = g_strndup (key, strcspn (key, "/"));
  g_autofree char *k = g_strdup (key);
  struct json_object *entry;
  LcCredentials *c;

  if (!legacy)
    for (;;)
      {
        char *slash;
        if (json_object_object_get_ex (auths, k, &entry) && (c = decode_entry (entry, path, k)) != NULL)
          {
            lc_debug ("registry", "credentials for %s from %s (key %s)", key, path, k);
            return c;
          }
        slash = strrchr (k, '/');
        if (slash == NULL)
          break;
        *slash = '\0';
      }

  json_object_object_foreach (auths, akey, aval)
    {
      g_autofree char *norm = legacy ? normalize_registry (akey) : normalize_registry (akey);
      if (legacy && !g_str_has_prefix (akey, "http"))
        {
          g_free (norm);
          norm = g_strndup (akey, strcspn (akey, "/"));
        }
      if (g_str_equal (hub_alias (norm), hub_alias (registry)) &&
          (c = decode_entry (aval, path, akey)) != NULL)
        {
          lc_debug ("registry", "credentials for %s from %s (key %s)", key, path, akey);
          return c;
        }
    }
  return NULL;
}

gboolean
lc_auth_lookup (const char * const *files, const char *key, LcCredentials **out_creds, GError **error)
{
  g_return_val_if_fail (key != NULL && out_creds != NULL, FALSE);

  *out_creds = NULL;
  for (const char * const *f = files; f != NULL && *f != NULL; f++)
    {
      struct json_object *root = NULL, *auths = NULL, *helpers = NULL;
      gboolean legacy = g_str_has_suffix (*f, ".dockercfg");
      LcCredentials *c = NULL;
      g_autofree char *registry = g_strndup (key, strcspn (key, "/"));

      if (!read_json_file (*f, &root, error))
        return FALSE;
      if (root == NULL)
        continue;
      if (!legacy && json_object_object_get_ex (root, "credHelpers", &helpers) &&
          json_object_is_type (helpers, json_type_object) &&
          json_object_object_get_ex (helpers, registry, NULL))
        {
          lc_warning ("registry", "%s: credential helper for %s is not supported; ignoring it", *f, registry);
        }
      if (legacy)
        auths = root;
      else if (json_object_object_get_ex (root, "auths", &auths) &&
               !json_object_is_type (auths, json_type_object))
        {
          json_object_put (root);
          return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"auths\" must be an object", *f);
        }
      if (auths != NULL)
        c = lookup_in_auths (auths, key, *f, legacy);
      json_object_put (root);
      if (c != NULL)
        {
          *out_creds = c;
          return TRUE;
        }
    }
  return TRUE;
}

gboolean
lc_auth_validate_key (const char *key, GError **error)
{
  const char *slash;

  if (key == NULL || *key == '\0')
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "a registry is required");
  if (g_str_has_prefix (key, "http://") || g_str_has_prefix (key, "https://"))
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT,
                    "credentials key has https[s]:// prefix: \"%s\"", key);
  if (strchr (key, '@') != NULL)
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT,
                    "credentials key \"%s\" must not contain a digest", key);
  slash = strchr (key, '/');
  if (slash != NULL && strchr (slash, ':') != NULL)
    return lc_fail (error, LC_ERROR_INVALID_ARGUMENT,
                    "credentials key \"%s\" must not contain a tag", key);
  for (const char *p = key; *p; p++)
    if (g_ascii_isspace (*p) || (guchar) *p < 0x20)
      return lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "invalid credentials key \"%s\"", key);
  return TRUE;
}

static gboolean
write_json_file (const char *path, struct json_object *root, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  const char *text;
  g_autoptr(GError) local = NULL;

  if (g_mkdir_with_parents (dir, 0700) < 0)
    return lc_fail_errno (error, "creating %s", dir);
  text = json_object_to_json_string_ext (root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_PRETTY_TAB |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
  if (!g_file_set_contents_full (path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, &local))
    return lc_fail (error, LC_ERROR_IO, "writing %s: %s", path, local->message);
  /* g_file_set_contents_full keeps the mode of an existing file: force it. */
  if (g_chmod (path, 0600) < 0)
    return lc_fail_errno (error, "chmod %s", path);
  return TRUE;
}

gboolean
lc_auth_store (const char *path, const char *key, const char *username, const char *password,
               GError **error)
{
  struct json_object *root = NULL, *auths, *entry;
  g_autofree char *plain = NULL;
  g_autofree char *b64 = NULL;
  gboolean ok;

  if (!lc_auth_validate_key (key, error))
    return FALSE;
  if (!read_json_file (path, &root, error))
    return FALSE;
  if (root == NULL)
    root = json_object_new_object ();
  if (!json_object_object_get_ex (root, "auths", &auths) || !json_object_is_type (auths, json_type_object))
    {
      auths = json_object_new_object ();
      json_object_object_add (root, "auths", auths);
    }
  plain = g_strconcat (username, ":", password, NULL);
  b64 = g_base64_encode ((const guchar *) plain, strlen (plain));
  explicit_bzero (plain, strlen (plain));
  entry = json_object_new_object ();
  json_object_object_add (entry, "auth", json_object_new_string (b64));
  json_object_object_add (auths, key, entry);
  ok = write_json_file (path, root, error);
  explicit_bzero (b64, strlen (b64));
  json_object_put (root);
  return ok;
}

gboolean
lc_auth_remove (const char *path, const char *key, gboolean all, gboolean *out_removed, GError **error)
{
  struct json_object *root = NULL, *auths;
  gboolean removed = FALSE, ok = TRUE;

  if (out_removed != NULL)
    *out_removed = FALSE;
  if (!all && !lc_auth_validate_key (key, error))
    return FALSE;
  if (!read_json_file (path, &root, error))
    return FALSE;
  if (root == NULL)
    return TRUE;
  if (json_object_object_get_ex (root, "auths", &auths) && json_object_is_type (auths, json_type_object))
    {
      if (all)
        {
          removed = json_object_object_length (auths) > 0;
          json_object_object_add (root, "auths", json_object_new_object ());
        }
      else if (json_object_object_get_ex (auths, key, NULL))
        {
          json_object_object_del (auths, key);
          removed = TRUE;
        }
    }
  if (removed)
    ok = write_json_file (path, root, error);
  json_object_put (root);
  if (out_removed != NULL)
    *out_removed = removed;
  return ok;
}
