/* lc-policy.c: policy.json parsing and evaluation.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "image/lc-oci-private.h"
#include "image/lc-registry-private.h"
#include "lc-policy-private.h"

#define POLICY_MAX_SIZE (4u * 1024u * 1024u)

typedef enum {
  REQ_ACCEPT,
  REQ_REJECT,
  REQ_SIGNED_BY,
  REQ_SIGSTORE_SIGNED,
} ReqType;

typedef struct {
  ReqType *types;
  guint n;
} ReqList;

struct _LcPolicy {
  ReqList *default_reqs;
  GHashTable *transports;   /* name -> GHashTable (scope -> ReqList*) */
};

static void
req_list_free (ReqList *l)
{
  if (l == NULL)
    return;
  g_free (l->types);
  g_free (l);
}

void
lc_policy_free (LcPolicy *self)
{
  if (self == NULL)
    return;
  req_list_free (self->default_reqs);
  g_clear_pointer (&self->transports, g_hash_table_unref);
  g_free (self);
}

static LcPolicy *
policy_new (void)
{
  LcPolicy *self = g_new0 (LcPolicy, 1);
  self->transports = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                            (GDestroyNotify) g_hash_table_unref);
  return self;
}

LcPolicy *
lc_policy_new_insecure (void)
{
  LcPolicy *self = policy_new ();
  self->default_reqs = g_new0 (ReqList, 1);
  self->default_reqs->types = g_new0 (ReqType, 1);
  self->default_reqs->types[0] = REQ_ACCEPT;
  self->default_reqs->n = 1;
  return self;
}

static gboolean
only_keys (struct json_object *obj, const char * const *allowed, const char *origin, const char *what,
           GError **error)
{
  json_object_object_foreach (obj, key, val)
    {
      (void) val;
      if (!g_strv_contains (allowed, key))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: Unknown key \"%s\" in %s", origin, key, what);
    }
  return TRUE;
}

static gboolean
check_string_field (struct json_object *obj, const char *key, const char *origin, GError **error)
{
  struct json_object *v;
  if (json_object_object_get_ex (obj, key, &v) && !json_object_is_type (v, json_type_string))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"%s\" must be a string", origin, key);
  return TRUE;
}

static gboolean
check_string_array_field (struct json_object *obj, const char *key, const char *origin, GError **error)
{
  struct json_object *v;
  if (!json_object_object_get_ex (obj, key, &v))
    return TRUE;
  if (!json_object_is_type (v, json_type_array))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"%s\" must be an array of strings", origin, key);
  for (gsize i = 0; i < json_object_array_length (v); i++)
    if (!json_object_is_type (json_object_array_get_idx (v, i), json_type_string))
      return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"%s\" must be an array of strings", origin, key);
  return TRUE;
}

static guint
count_present (struct json_object *obj, const char * const *keys)
{
  guint n = 0;
  for (; *keys; keys++)
    if (json_object_object_get_ex (obj, *keys, NULL))
      n++;
  return n;
}

static gboolean
parse_signed_identity (struct json_object *obj, const char *origin, GError **error)
{
  static const char *types[] = { "matchExact", "matchRepoDigestOrExact", "matchRepository",
                                 "exactReference", "exactRepository", "remapIdentity", NULL };
  const char *type;
  struct json_object *t;

  if (!json_object_is_type (obj, json_type_object))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"signedIdentity\" must be an object", origin);
  if (!json_object_object_get_ex (obj, "type", &t) || !json_object_is_type (t, json_type_string))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: signedIdentity needs a string \"type\"", origin);
  type = json_object_get_string (t);
  if (!g_strv_contains (types, type))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: unknown signedIdentity type \"%s\"", origin, type);
  if (g_str_equal (type, "exactReference"))
    {
      static const char *k[] = { "type", "dockerReference", NULL };
      return only_keys (obj, k, origin, "signedIdentity", error) &&
             check_string_field (obj, "dockerReference", origin, error);
    }
  if (g_str_equal (type, "exactRepository"))
    {
      static const char *k[] = { "type", "dockerRepository", NULL };
      return only_keys (obj, k, origin, "signedIdentity", error) &&
             check_string_field (obj, "dockerRepository", origin, error);
    }
  if (g_str_equal (type, "remapIdentity"))
    {
      static const char *k[] = { "type", "prefix", "signedPrefix", NULL };
      return only_keys (obj, k, origin, "signedIdentity", error) &&
             check_string_field (obj, "prefix", origin, error) &&
             check_string_field (obj, "signedPrefix", origin, error);
    }
  {
    static const char *k[] = { "type", NULL };
    return only_keys (obj, k, origin, "signedIdentity", error);
  }
}

static gboolean
parse_requirement (struct json_object *obj, ReqType *out, const char *origin, GError **error)
{
  struct json_object *t, *v;
  const char *type;

  if (!json_object_is_type (obj, json_type_object))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: a policy requirement must be an object", origin);
  if (!json_object_object_get_ex (obj, "type", &t) || !json_object_is_type (t, json_type_string))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: a policy requirement needs a string \"type\"", origin);
  type = json_object_get_string (t);

  if (g_str_equal (type, "insecureAcceptAnything") || g_str_equal (type, "reject"))
    {
      static const char *k[] = { "type", NULL };
      *out = type[0] == 'i' ? REQ_ACCEPT : REQ_REJECT;
      return only_keys (obj, k, origin, type, error);
    }
  if (g_str_equal (type, "signedBy"))
    {
      static const char *k[] = { "type", "keyType", "keyPath", "keyPaths", "keyData", "signedIdentity", NULL };
      static const char *sources[] = { "keyPath", "keyPaths", "keyData", NULL };
      *out = REQ_SIGNED_BY;
      if (!only_keys (obj, k, origin, type, error) ||
          !check_string_field (obj, "keyPath", origin, error) ||
          !check_string_field (obj, "keyData", origin, error) ||
          !check_string_array_field (obj, "keyPaths", origin, error))
        return FALSE;
      if (!json_object_object_get_ex (obj, "keyType", &v) || !json_object_is_type (v, json_type_string))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: signedBy needs a string \"keyType\"", origin);
      if (!g_str_equal (json_object_get_string (v), "GPGKeys"))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: unknown signedBy keyType \"%s\"", origin,
                        json_object_get_string (v));
      if (count_present (obj, sources) != 1)
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "%s: signedBy needs exactly one of keyPath, keyPaths and keyData", origin);
      if (json_object_object_get_ex (obj, "signedIdentity", &v) && !parse_signed_identity (v, origin, error))
        return FALSE;
      return TRUE;
    }
  if (g_str_equal (type, "sigstoreSigned"))
    {
      static const char *k[] = { "type", "keyPath", "keyPaths", "keyData", "keyDatas", "fulcio",
                                 "rekorPublicKeyPath", "rekorPublicKeyPaths", "rekorPublicKeyData",
                                 "rekorPublicKeyDatas", "pki", "signedIdentity", NULL };
      static const char *sources[] = { "keyPath", "keyPaths", "keyData", "keyDatas", "fulcio", "pki", NULL };
      *out = REQ_SIGSTORE_SIGNED;
      if (!only_keys (obj, k, origin, type, error) ||
          !check_string_field (obj, "keyPath", origin, error) ||
          !check_string_field (obj, "keyData", origin, error) ||
          !check_string_field (obj, "rekorPublicKeyPath", origin, error) ||
          !check_string_field (obj, "rekorPublicKeyData", origin, error) ||
          !check_string_array_field (obj, "keyPaths", origin, error) ||
          !check_string_array_field (obj, "keyDatas", origin, error) ||
          !check_string_array_field (obj, "rekorPublicKeyPaths", origin, error) ||
          !check_string_array_field (obj, "rekorPublicKeyDatas", origin, error))
        return FALSE;
      if (count_present (obj, sources) != 1)
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "%s: sigstoreSigned needs exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio and pki",
                        origin);
      if (json_object_object_get_ex (obj, "fulcio", &v) && !json_object_is_type (v, json_type_object))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"fulcio\" must be an object", origin);
      if (json_object_object_get_ex (obj, "pki", &v) && !json_object_is_type (v, json_type_object))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"pki\" must be an object", origin);
      if (json_object_object_get_ex (obj, "signedIdentity", &v) && !parse_signed_identity (v, origin, error))
        return FALSE;
      return TRUE;
    }
  return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: unknown policy requirement type \"%s\"", origin, type);
}

static ReqList *
parse_req_list (struct json_object *arr, const char *origin, GError **error)
{
  ReqList *l;
  gsize n;

  if (!json_object_is_type (arr, json_type_array))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: a requirement list must be an array", origin), NULL;
  n = json_object_array_length (arr);
  if (n == 0)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: List of verification policy requirements must not be empty", origin), NULL;
  l = g_new0 (ReqList, 1);
  l->types = g_new0 (ReqType, n);
  l->n = (guint) n;
  for (gsize i = 0; i < n; i++)
    if (!parse_requirement (json_object_array_get_idx (arr, i), &l->types[i], origin, error))
      {
        req_list_free (l);
        return NULL;
      }
  return l;
}

static gboolean
validate_scope (const char *transport, const char *scope, const char *origin, GError **error)
{
  if (*scope == '\0')
    return TRUE;
  if (g_str_equal (transport, "docker-archive") || g_str_equal (transport, "tarball"))
    return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                    "%s: transport %s accepts only the \"\" scope, not \"%s\"", origin, transport, scope);
  if (g_str_equal (transport, "dir") || g_str_equal (transport, "oci") ||
      g_str_equal (transport, "oci-archive"))
    {
      g_autofree char *canon = g_canonicalize_filename (scope, "/");
      if (scope[0] != '/' || g_str_equal (scope, "/") || !g_str_equal (canon, scope))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "%s: scope \"%s\" of transport %s must be an absolute, clean path other than /",
                        origin, scope, transport);
    }
  if (g_str_equal (transport, "docker") || g_str_equal (transport, "docker-daemon"))
    {
      for (const char *p = scope; *p; p++)
        if (g_ascii_isspace (*p))
          return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: invalid docker scope \"%s\"", origin, scope);
      if (strstr (scope, "://") != NULL)
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: invalid docker scope \"%s\"", origin, scope);
    }
  return TRUE;
}

LcPolicy *
lc_policy_new_from_data (const char *data, gsize len, const char *origin, GError **error)
{
  g_autoptr(LcPolicy) self = policy_new ();
  struct json_tokener *tok;
  struct json_object *root, *v;
  gboolean ok = FALSE;

  if (len > POLICY_MAX_SIZE)
    return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: larger than %u bytes", origin, POLICY_MAX_SIZE), NULL;
  tok = json_tokener_new_ex (64);
  root = json_tokener_parse_ex (tok, data, (int) len);
  if (root == NULL || json_tokener_get_error (tok) != json_tokener_success ||
      tok->char_offset < (int) len)
    {
      gboolean trailing_ws = root != NULL;
      for (int i = tok->char_offset; trailing_ws && i < (int) len; i++)
        if (!g_ascii_isspace (data[i]))
          trailing_ws = FALSE;
      if (!trailing_ws)
        {
          const char *why = root == NULL ? json_tokener_error_desc (json_tokener_get_error (tok))
                                         : "trailing data after the JSON document";
          if (root == NULL && json_tokener_get_error (tok) == json_tokener_continue)
            why = "unexpected end of data";
          json_tokener_free (tok);
          json_object_put (root);
          return lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: invalid JSON: %s", origin, why), NULL;
        }
    }
  json_tokener_free (tok);

  if (!json_object_is_type (root, json_type_object))
    {
      lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: the policy must be a JSON object", origin);
      goto out;
    }
  {
    static const char *k[] = { "default", "transports", NULL };
    if (!only_keys (root, k, origin, "the policy", error))
      goto out;
  }
  if (!json_object_object_get_ex (root, "default", &v))
    {
      lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: Default policy is missing", origin);
      goto out;
    }
  self->default_reqs = parse_req_list (v, origin, error);
  if (self->default_reqs == NULL)
    goto out;
  if (json_object_object_get_ex (root, "transports", &v) && !json_object_is_type (v, json_type_null))
    {
      if (!json_object_is_type (v, json_type_object))
        {
          lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: \"transports\" must be an object", origin);
          goto out;
        }
      json_object_object_foreach (v, tname, scopes)
        {
          GHashTable *table;
          if (!json_object_is_type (scopes, json_type_object))
            {
              lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: transport \"%s\" must map scopes to lists",
                       origin, tname);
              goto out;
            }
          table = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) req_list_free);
          g_hash_table_replace (self->transports, g_strdup (tname), table);
          json_object_object_foreach (scopes, scope, list)
            {
              ReqList *l;
              if (!validate_scope (tname, scope, origin, error))
                goto out;
              l = parse_req_list (list, origin, error);
              if (l == NULL)
                goto out;
              g_hash_table_replace (table, g_strdup (scope), l);
            }
        }
    }
  ok = TRUE;

out:
  json_object_put (root);
  return ok ? g_steal_pointer (&self) : NULL;
}

LcPolicy *
lc_policy_load (LcContext *context, GError **error)
{
  g_autofree char *path = lc_context_dup_policy_path (context);
  g_autofree char *data = NULL;
  gsize len = 0;
  g_autoptr(GError) local = NULL;

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      if (g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                        "no policy.json file found at %s", path), NULL;
      return lc_fail (error, LC_ERROR_INVALID_CONFIG, "reading %s: %s", path, local->message), NULL;
    }
  return lc_policy_new_from_data (data, len, path, error);
}

gboolean
lc_policy_check (LcPolicy *self, const char *transport, const char *identity,
                 const char * const *namespaces, const char *description, GError **error)
{
  GHashTable *table = g_hash_table_lookup (self->transports, transport);
  ReqList *l = NULL;
  const char *scope = "default";

  if (table != NULL)
    {
      if (identity != NULL && *identity != '\0' && (l = g_hash_table_lookup (table, identity)) != NULL)
        scope = identity;
      for (const char * const *ns = namespaces; l == NULL && ns != NULL && *ns != NULL; ns++)
        if ((l = g_hash_table_lookup (table, *ns)) != NULL)
          scope = *ns;
      if (l == NULL && (l = g_hash_table_lookup (table, "")) != NULL)
        scope = "\"\"";
    }
  if (l == NULL)
    l = self->default_reqs;
  lc_debug ("registry", "policy for %s: scope %s", description, scope);

  for (guint i = 0; i < l->n; i++)
    switch (l->types[i])
      {
      case REQ_ACCEPT:
        break;
      case REQ_REJECT:
        return lc_fail (error, LC_ERROR_POLICY_DENIED,
                        "Source image rejected: Running image %s is rejected by policy.", description);
      case REQ_SIGNED_BY:
        return lc_fail (error, LC_ERROR_UNSUPPORTED,
                        "Source image rejected: %s: policy requirement \"signedBy\" (signature verification) is not supported yet",
                        description);
      case REQ_SIGSTORE_SIGNED:
        return lc_fail (error, LC_ERROR_UNSUPPORTED,
                        "Source image rejected: %s: policy requirement \"sigstoreSigned\" (signature verification) is not supported yet",
                        description);
      }
  return TRUE;
}

char **
lc_policy_docker_namespaces (LcImageRef *ref)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *name = g_strdup (lc_image_ref_get_name (ref));
  const char *domain = lc_image_ref_get_domain (ref);
  g_autofree char *host = g_strndup (domain, strcspn (domain, ":"));
  gsize dlen = strlen (domain);
  const char *p;

  for (;;)
    {
      char *slash;
      g_strv_builder_add (b, name);
      if (strlen (name) <= dlen)
        break;
      slash = strrchr (name, '/');
      if (slash == NULL || (gsize) (slash - name) < dlen)
        break;
      *slash = '\0';
    }
  /* Wildcards from the host name: drop the first label repeatedly. */
  for (p = strchr (host, '.'); p != NULL; p = strchr (p + 1, '.'))
    {
      g_autofree char *w = g_strconcat ("*", p, NULL);
      g_strv_builder_add (b, w);
    }
  return g_strv_builder_end (b);
}

gboolean
lc_policy_check_docker (LcPolicy *self, LcImageRef *ref, GError **error)
{
  g_auto(GStrv) ns = lc_policy_docker_namespaces (ref);
  g_autofree char *identity = NULL;
  g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);
  g_autofree char *description = NULL;

  if (lc_image_ref_get_digest (ref) != NULL)
    identity = g_strdup_printf ("%s@%s", lc_image_ref_get_name (ref), lc_image_ref_get_digest (ref));
  else
    identity = g_strdup_printf ("%s:%s", lc_image_ref_get_name (ref),
                                lc_image_ref_get_tag (ref) != NULL ? lc_image_ref_get_tag (ref) : "latest");
  description = g_strdup_printf ("docker://%s", familiar);
  return lc_policy_check (self, "docker", identity, (const char * const *) ns, description, error);
}

/* containers/image's explicitfilepath.ResolvePathToFullyExplicit: the
 * absolute path with symlinks resolved; a path that does not exist (yet)
 * keeps its last component under its resolved parent. */
static char *
resolve_path (const char *path, GError **error)
{
  g_autofree char *abs = g_canonicalize_filename (path, NULL);
  g_autofree char *parent = NULL, *base = NULL;
  char buf[PATH_MAX];

  if (realpath (abs, buf) != NULL)
    return g_strdup (buf);
  if (errno != ENOENT)
    return lc_fail (error, LC_ERROR_IO, "resolving %s: %s", path, g_strerror (errno)), NULL;
  parent = g_path_get_dirname (abs);
  base = g_path_get_basename (abs);
  if (realpath (parent, buf) == NULL)
    return lc_fail (error, LC_ERROR_IO, "resolving %s: %s", parent, g_strerror (errno)), NULL;
  return g_build_filename (buf, base, NULL);
}

/* @path, if @with_self, then its ancestors, not "/". */
static char **
path_namespaces (const char *path, gboolean with_self)
{
  g_autoptr(GStrvBuilder) b = g_strv_builder_new ();
  g_autofree char *p = g_strdup (path);

  if (with_self)
    g_strv_builder_add (b, p);
  for (char *slash = strrchr (p, '/'); slash != NULL && slash != p; slash = strrchr (p, '/'))
    {
      *slash = '\0';
      g_strv_builder_add (b, p);
    }
  return g_strv_builder_end (b);
}

gboolean
lc_policy_scopes_for (const char *transport, const char *reference, char **out_identity,
                      char ***out_namespaces, GError **error)
{
  g_autofree char *path = NULL, *ref = NULL, *resolved = NULL;
  gint index = -1;

  *out_identity = NULL;
  *out_namespaces = NULL;
  if (strcmp (transport, "docker") == 0)
    {
      g_autoptr(LcImageRef) r = lc_docker_parse_reference (reference, error);
      if (r == NULL)
        return FALSE;
      if (lc_image_ref_get_digest (r) != NULL)
        *out_identity = g_strdup_printf ("%s@%s", lc_image_ref_get_name (r), lc_image_ref_get_digest (r));
      else
        *out_identity = g_strdup_printf ("%s:%s", lc_image_ref_get_name (r),
                                         lc_image_ref_get_tag (r) != NULL ? lc_image_ref_get_tag (r) : "latest");
      *out_namespaces = lc_policy_docker_namespaces (r);
      return TRUE;
    }
  if (strcmp (transport, "oci") == 0 || strcmp (transport, "oci-archive") == 0)
    {
      if (!lc_oci_split_reference (reference, strcmp (transport, "oci") == 0, &path, &ref, &index, error))
        return FALSE;
      if (!(resolved = resolve_path (path, error)))
        return FALSE;
      *out_namespaces = path_namespaces (resolved, TRUE);
      *out_identity = g_steal_pointer (&resolved);
      return TRUE;
    }
  if (strcmp (transport, "dir") == 0)
    {
      if (!(resolved = resolve_path (reference, error)))
        return FALSE;
      *out_namespaces = path_namespaces (resolved, FALSE);
      *out_identity = g_steal_pointer (&resolved);
      return TRUE;
    }
  /* docker-archive, containers-storage (for now) and others: only the
   * transport's "" scope and the default apply. */
  *out_namespaces = g_new0 (char *, 1);
  return TRUE;
}

gboolean
lc_policy_check_image (LcPolicy *self, const char *transport, const char *reference,
                       const char *description, GError **error)
{
  g_autofree char *identity = NULL;
  g_auto(GStrv) namespaces = NULL;

  if (strcmp (transport, "docker") == 0)
    {
      /* containers/image names it by its familiar form ("docker://busybox:latest"). */
      g_autoptr(LcImageRef) r = lc_docker_parse_reference (reference, error);
      return r != NULL && lc_policy_check_docker (self, r, error);
    }
  if (!lc_policy_scopes_for (transport, reference, &identity, &namespaces, error))
    return FALSE;
  return lc_policy_check (self, transport, identity, (const char * const *) namespaces, description, error);
}
