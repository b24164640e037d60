/* lc-image-ref.c: LcImageRef, the reference grammar of distribution/reference.
 *
 * The grammar (distribution/reference, regexp.go):
 *
 *   reference        := name [ ":" tag ] [ "@" digest ]
 *   name             := [domain '/'] path-component ['/' path-component]*
 *   domain           := host [':' port-number]
 *   host             := domain-name | '[' IPv6address ']'
 *   domain-name      := domain-component ['.' domain-component]*
 *   domain-component := [a-zA-Z0-9] | [a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]
 *   path-component   := [a-z0-9]+ (separator [a-z0-9]+)*
 *   separator        := [_.] | __ | -+
 *   tag              := [\w][\w.-]{0,127}
 *   digest           := algorithm ':' hex, algorithm components [A-Za-z][A-Za-z0-9]*
 *                       joined by [+._-], hex [0-9a-fA-F]{32,}
 *
 * It is matched by hand rather than with GRegex: the grammar is small, the
 * error messages can then say which part is wrong, and the parser runs on
 * untrusted input in the hot path of every pull.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"
#include "image/lc-image-ref-private.h"

#define DEFAULT_DOMAIN        "docker.io"
#define LEGACY_DEFAULT_DOMAIN "index.docker.io"
#define OFFICIAL_REPO_PREFIX  "library/"
#define DEFAULT_TAG           "latest"
#define NAME_TOTAL_LENGTH_MAX 255
#define TAG_LENGTH_MAX        128
#define QUOTE_LENGTH_MAX      256

/**
 * LcImageRef:
 *
 * A reference to an image in a registry, such as
 * `docker.io/library/busybox:latest` or `quay.io/podman/stable@sha256:…`:
 * a domain, a repository path, and an optional tag and digest, following
 * the grammar of distribution/reference (what docker, podman and skopeo
 * accept). Parsing normalizes familiar names the way they do: `busybox`
 * becomes `docker.io/library/busybox`.
 *
 * Thread safety: immutable; share freely between threads.
 *
 * Since: 1.0
 */
struct _LcImageRef
{
  gint ref_count;
  char *domain;
  char *path;
  char *name;     /* domain/path */
  char *tag;      /* NULL when absent */
  char *digest;   /* NULL when absent */
};

G_DEFINE_BOXED_TYPE (LcImageRef, lc_image_ref, lc_image_ref_ref, lc_image_ref_unref)

static gboolean
is_lower_alnum (char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static gboolean
is_word (char c)
{
  return g_ascii_isalnum (c) || c == '_';
}

/* path-component := [a-z0-9]+ ((?:[._]|__|-+)[a-z0-9]+)* */
static gboolean
match_path_component (const char *s, gsize len)
{
  gsize i = 0;

  if (len == 0 || !is_lower_alnum (s[0]))
    return FALSE;
  while (i < len)
    {
      while (i < len && is_lower_alnum (s[i]))
        i++;
      if (i == len)
        return TRUE;
      if (s[i] == '.')
        i++;
      else if (s[i] == '_')
        i += (i + 1 < len && s[i + 1] == '_') ? 2 : 1;
      else if (s[i] == '-')
        while (i < len && s[i] == '-')
          i++;
      else
        return FALSE;
      if (i == len || !is_lower_alnum (s[i]))
        return FALSE;
    }
  return TRUE;
}

/* path := path-component ('/' path-component)* */
static gboolean
match_path (const char *s, gsize len)
{
  gsize start = 0;

  for (gsize i = 0; i <= len; i++)
    if (i == len || s[i] == '/')
      {
        if (!match_path_component (s + start, i - start))
          return FALSE;
        start = i + 1;
      }
  return TRUE;
}

static gboolean
match_domain_component (const char *s, gsize len)
{
  if (len == 0 || !g_ascii_isalnum (s[0]) || !g_ascii_isalnum (s[len - 1]))
    return FALSE;
  for (gsize i = 1; i + 1 < len; i++)
    if (!g_ascii_isalnum (s[i]) && s[i] != '-')
      return FALSE;
  return TRUE;
}

/* domain := (domain-name | '[' [a-fA-F0-9:]+ ']') (':' [0-9]+)? */
static gboolean
match_domain (const char *s, gsize len)
{
  gsize host_len;
  const char *colon;

  if (len > 0 && s[0] == '[')
    {
      const char *close = memchr (s, ']', len);
      if (close == NULL || close == s + 1)
        return FALSE;
      for (const char *p = s + 1; p < close; p++)
        if (!g_ascii_isxdigit (*p) && *p != ':')
          return FALSE;
      host_len = (gsize) (close - s) + 1;
    }
  else
    {
      gsize start = 0;

      colon = memchr (s, ':', len);
      host_len = colon != NULL ? (gsize) (colon - s) : len;
      for (gsize i = 0; i <= host_len; i++)
        if (i == host_len || s[i] == '.')
          {
            if (!match_domain_component (s + start, i - start))
              return FALSE;
            start = i + 1;
          }
    }

  if (host_len == len)
    return TRUE;
  if (s[host_len] != ':' || host_len + 1 == len)
    return FALSE;
  for (gsize i = host_len + 1; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

static gboolean
match_tag (const char *s, gsize len)
{
  if (len == 0 || len > TAG_LENGTH_MAX || !is_word (s[0]))
    return FALSE;
  for (gsize i = 1; i < len; i++)
    if (!is_word (s[i]) && s[i] != '.' && s[i] != '-')
      return FALSE;
  return TRUE;
}

/* The syntactic digest of the reference grammar; what go-digest then
 * accepts is checked by lc_digest_validate(). */
static gboolean
match_digest_syntax (const char *s, gsize len)
{
  const char *colon = memchr (s, ':', len);
  gsize alg_len, hex_len;
  gboolean at_component_start = TRUE;

  if (colon == NULL)
    return FALSE;
  alg_len = (gsize) (colon - s);
  hex_len = len - alg_len - 1;
  if (alg_len == 0 || hex_len < 32)
    return FALSE;
  for (gsize i = 0; i < alg_len; i++)
    {
      char c = s[i];
      if (at_component_start)
        {
          if (!g_ascii_isalpha (c))
            return FALSE;
          at_component_start = FALSE;
        }
      else if (c == '+' || c == '.' || c == '_' || c == '-')
        at_component_start = TRUE;
      else if (!g_ascii_isalnum (c))
        return FALSE;
    }
  if (at_component_start)
    return FALSE;
  for (gsize i = alg_len + 1; i < len; i++)
    if (!g_ascii_isxdigit (s[i]))
      return FALSE;
  return TRUE;
}

gboolean
lc_digest_validate (const char *digest, GError **error)
{
  const char *colon = strchr (digest, ':');
  gsize alg_len, expected;
  const char *hex;

  if (colon == NULL || colon == digest || colon[1] == '\0')
    return lc_fail (error, LC_ERROR_INVALID_DATA,
                    "invalid digest \"%s\": invalid checksum digest format", digest);
  alg_len = (gsize) (colon - digest);
  if (alg_len == 6 && strncmp (digest, "sha256", 6) == 0)
    expected = 64;
  else if (alg_len == 6 && strncmp (digest, "sha384", 6) == 0)
    expected = 96;
  else if (alg_len == 6 && strncmp (digest, "sha512", 6) == 0)
    expected = 128;
  else if (!match_digest_syntax (digest, strlen (digest)))
    return lc_fail (error, LC_ERROR_INVALID_DATA,
                    "invalid digest \"%s\": invalid checksum digest format", digest);
  else
    return lc_fail (error, LC_ERROR_UNSUPPORTED,
                    "invalid digest \"%s\": unsupported digest algorithm", digest);

  hex = colon + 1;
  if (strlen (hex) != expected)
    return lc_fail (error, LC_ERROR_INVALID_DATA,
                    "invalid digest \"%s\": invalid checksum digest length", digest);
  for (const char *p = hex; *p != '\0'; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return lc_fail (error, LC_ERROR_INVALID_DATA,
                      "invalid digest \"%s\": invalid checksum digest format", digest);
  return TRUE;
}

static LcImageRef *
image_ref_new_take (char *domain, char *path, char *tag, char *digest)
{
  LcImageRef *self = g_new0 (LcImageRef, 1);

  self->ref_count = 1;
  self->domain = domain;
  self->path = path;
  self->name = g_strconcat (domain, "/", path, NULL);
  self->tag = tag;
  self->digest = digest;
  return self;
}

static gboolean
has_upper (const char *s, gsize len)
{
  for (gsize i = 0; i < len; i++)
    if (g_ascii_isupper (s[i]))
      return TRUE;
  return FALSE;
}

/* Messages quote what the caller passed. That text is untrusted: it is cut
 * to QUOTE_LENGTH_MAX bytes and made valid UTF-8, so that a message stays
 * readable and can be handed to bindings as a string. */
static LcImageRef *
fail_ref (GError **error, const char *text, const char *why)
{
  gsize len = strlen (text);
  g_autofree char *quoted = NULL;

  if (error == NULL)
    return NULL;
  quoted = g_utf8_make_valid (text, (gssize) MIN (len, QUOTE_LENGTH_MAX));
  lc_fail (error, LC_ERROR_INVALID_REFERENCE, "invalid reference \"%s%s\": %s", quoted,
           len > QUOTE_LENGTH_MAX ? "…" : "", why);
  return NULL;
}

/* Parse() of distribution/reference, on a name that has a domain: @full is
 * "domain/remainder"; @text is what the user wrote, for messages. */
static LcImageRef *
parse_qualified (const char *full, const char *text, GError **error)
{
  g_autoptr(GError) digest_error = NULL;
  const char *at = strchr (full, '@');
  gsize head_len = at != NULL ? (gsize) (at - full) : strlen (full);
  const char *last_slash = g_strrstr_len (full, (gssize) head_len, "/");
  const char *tag_colon = NULL;
  gsize name_len, domain_len;
  const char *slash;

  if (at != NULL && strchr (at + 1, '@') != NULL)
    return fail_ref (error, text, "invalid reference format");
  if (last_slash != NULL)
    tag_colon = memchr (last_slash, ':', head_len - (gsize) (last_slash - full));
  else
    tag_colon = memchr (full, ':', head_len);
  name_len = tag_colon != NULL ? (gsize) (tag_colon - full) : head_len;

  slash = memchr (full, '/', name_len);
  domain_len = slash != NULL ? (gsize) (slash - full) : 0;
  if (slash == NULL || !match_domain (full, domain_len) ||
      !match_path (slash + 1, name_len - domain_len - 1))
    {
      if (has_upper (full, name_len))
        return fail_ref (error, text, "repository name must be lowercase");
      return fail_ref (error, text, "invalid reference format");
    }
  if (tag_colon != NULL && !match_tag (tag_colon + 1, head_len - name_len - 1))
    return fail_ref (error, text,
                     (head_len - name_len - 1) > TAG_LENGTH_MAX
                       ? "tag must not be more than 128 characters"
                       : "invalid tag format");
  if (at != NULL && !match_digest_syntax (at + 1, strlen (at + 1)))
    return fail_ref (error, text, "invalid digest format");
  /* Only the path counts, not the domain (distribution/reference v0.6,
   * "Exclude domain from name length check"). */
  if (name_len - domain_len - 1 > NAME_TOTAL_LENGTH_MAX)
    return fail_ref (error, text, "repository name must not be more than 255 characters");
  if (at != NULL && !lc_digest_validate (at + 1, &digest_error))
    {
      const char *why = strstr (digest_error->message, "\": ");
      return fail_ref (error, text, why != NULL ? why + 3 : digest_error->message);
    }

  return image_ref_new_take (g_strndup (full, domain_len),
                             g_strndup (slash + 1, name_len - domain_len - 1),
                             tag_colon != NULL ? g_strndup (tag_colon + 1, head_len - name_len - 1) : NULL,
                             at != NULL ? g_strdup (at + 1) : NULL);
}

static gboolean
is_identifier (const char *s)
{
  gsize n = 0;

  for (; s[n] != '\0'; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
      return FALSE;
  return n == 64;
}

/**
 * lc_image_ref_parse: (constructor)
 * @text: a reference such as `busybox`, `quay.io/podman/stable:v5` or
 *   `alpine@sha256:…`
 * @error: return location for a #GError, or %NULL
 *
 * Parses and normalizes a reference as docker, podman and skopeo do
 * (ParseNormalizedNamed of distribution/reference): a name without a
 * domain is on `docker.io`, and a one-component name there is in
 * `library/`. The first component is a domain when it contains `.` or `:`,
 * is `localhost`, or has upper-case letters; `index.docker.io` becomes
 * `docker.io`. Repository names must be lower case, with a path of at most
 * 255 characters (the domain does not count); tags at most 128
 * characters; a digest must be a valid sha256, sha384 or sha512 digest. A
 * reference may have both a tag and a digest.
 *
 * Returns: (transfer full): a new #LcImageRef, or %NULL with @error set to
 *   %LC_ERROR_INVALID_REFERENCE
 *
 * Since: 1.0
 */
LcImageRef *
lc_image_ref_parse (const char *text, GError **error)
{
  g_autofree char *full = NULL;
  const char *slash, *remainder, *colon;
  g_autofree char *first = NULL;
  const char *domain;
  gsize remote_len;

  g_return_val_if_fail (text != NULL, NULL);

  if (*text == '\0')
    return fail_ref (error, text, "reference is empty");
  /* No cap on the total length: distribution/reference has none (a domain
   * may be long), and every step here is linear in the text. */
  if (is_identifier (text))
    return fail_ref (error, text, "cannot specify 64-byte hexadecimal strings");

  /* splitDockerDomain */
  slash = strchr (text, '/');
  if (slash == NULL)
    {
      domain = DEFAULT_DOMAIN;
      full = g_strconcat (DEFAULT_DOMAIN "/" OFFICIAL_REPO_PREFIX, text, NULL);
      remainder = full + strlen (DEFAULT_DOMAIN "/");
    }
  else
    {
      first = g_strndup (text, (gsize) (slash - text));
      remainder = slash + 1;
      if (g_str_equal (first, "localhost"))
        domain = first;
      else if (g_str_equal (first, LEGACY_DEFAULT_DOMAIN))
        domain = DEFAULT_DOMAIN;
      else if (strpbrk (first, ".:") != NULL || has_upper (first, strlen (first)))
        domain = first;
      else
        {
          domain = DEFAULT_DOMAIN;
          remainder = text;
        }

      if (g_str_equal (domain, DEFAULT_DOMAIN) && strchr (remainder, '/') == NULL)
        full = g_strconcat (domain, "/" OFFICIAL_REPO_PREFIX, remainder, NULL);
      else
        full = g_strconcat (domain, "/", remainder, NULL);
      remainder = full + strlen (domain) + 1;
    }

  colon = strchr (remainder, ':');
  remote_len = colon != NULL ? (gsize) (colon - remainder) : strlen (remainder);
  if (has_upper (remainder, remote_len))
    return fail_ref (error, text, "repository name must be lowercase");

  return parse_qualified (full, text, error);
}

/**
 * lc_image_ref_ref:
 * @self: a #LcImageRef
 *
 * Returns: (transfer full): @self, with one more reference
 *
 * Since: 1.0
 */
LcImageRef *
lc_image_ref_ref (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_atomic_int_inc (&self->ref_count);
  return self;
}

/**
 * lc_image_ref_unref:
 * @self: (nullable) (transfer full): a #LcImageRef, or %NULL
 *
 * Drops a reference; the last one frees @self. %NULL is ignored.
 *
 * Since: 1.0
 */
void
lc_image_ref_unref (LcImageRef *self)
{
  if (self == NULL || !g_atomic_int_dec_and_test (&self->ref_count))
    return;
  g_free (self->domain);
  g_free (self->path);
  g_free (self->name);
  g_free (self->tag);
  g_free (self->digest);
  g_free (self);
}

/**
 * lc_image_ref_get_domain:
 * @self: a #LcImageRef
 *
 * Returns: (transfer none): the domain, such as `docker.io` or
 *   `localhost:5000`
 *
 * Since: 1.0
 */
const char *
lc_image_ref_get_domain (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->domain;
}

/**
 * lc_image_ref_get_path:
 * @self: a #LcImageRef
 *
 * Returns: (transfer none): the repository path within the domain, such
 *   as `library/busybox`
 *
 * Since: 1.0
 */
const char *
lc_image_ref_get_path (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->path;
}

/**
 * lc_image_ref_get_name:
 * @self: a #LcImageRef
 *
 * Returns: (transfer none): the repository name, domain and path, such as
 *   `docker.io/library/busybox`
 *
 * Since: 1.0
 */
const char *
lc_image_ref_get_name (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->name;
}

/**
 * lc_image_ref_get_tag:
 * @self: a #LcImageRef
 *
 * Returns: (transfer none) (nullable): the tag, or %NULL when the
 *   reference has none (lc_image_ref_to_string() still says `latest`
 *   when there is no digest either)
 *
 * Since: 1.0
 */
const char *
lc_image_ref_get_tag (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->tag;
}

/**
 * lc_image_ref_get_digest:
 * @self: a #LcImageRef
 *
 * Returns: (transfer none) (nullable): the digest, such as `sha256:…`, or
 *   %NULL when the reference has none
 *
 * Since: 1.0
 */
const char *
lc_image_ref_get_digest (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return self->digest;
}

static char *
format_ref (const char *name, const char *tag, const char *digest, gboolean default_tag)
{
  GString *s = g_string_new (name);

  if (tag != NULL)
    g_string_append_printf (s, ":%s", tag);
  else if (digest == NULL && default_tag)
    g_string_append (s, ":" DEFAULT_TAG);
  if (digest != NULL)
    g_string_append_printf (s, "@%s", digest);
  return g_string_free (s, FALSE);
}

/**
 * lc_image_ref_to_string:
 * @self: a #LcImageRef
 *
 * The fully qualified form, as podman shows it: `docker.io/library/busybox:latest`.
 * `:latest` is added only when the reference has neither a tag nor a
 * digest.
 *
 * Returns: (transfer full): the reference; free with g_free()
 *
 * Since: 1.0
 */
char *
lc_image_ref_to_string (LcImageRef *self)
{
  g_return_val_if_fail (self != NULL, NULL);
  return format_ref (self->name, self->tag, self->digest, TRUE);
}

/**
 * lc_image_ref_to_familiar_string:
 * @self: a #LcImageRef
 *
 * The short form people type, as docker shows it: `docker.io/` and, for a
 * one-component path, `library/` are left out (`busybox`,
 * `someone/app:1`); other domains stay. No default tag is added.
 *
 * Returns: (transfer full): the reference; free with g_free()
 *
 * Since: 1.0
 */
char *
lc_image_ref_to_familiar_string (LcImageRef *self)
{
  const char *name;

  g_return_val_if_fail (self != NULL, NULL);
  if (!g_str_equal (self->domain, DEFAULT_DOMAIN))
    return format_ref (self->name, self->tag, self->digest, FALSE);
  name = self->path;
  if (g_str_has_prefix (name, OFFICIAL_REPO_PREFIX) &&
      strchr (name + strlen (OFFICIAL_REPO_PREFIX), '/') == NULL)
    name += strlen (OFFICIAL_REPO_PREFIX);
  return format_ref (name, self->tag, self->digest, FALSE);
}

/**
 * lc_image_ref_with_tag:
 * @self: a #LcImageRef
 * @tag: a tag, such as `v1.2`
 * @error: return location for a #GError, or %NULL
 *
 * A reference to the same repository with @tag instead of the tag @self
 * has, and the same digest if @self has one.
 *
 * Returns: (transfer full): a new #LcImageRef, or %NULL with @error set to
 *   %LC_ERROR_INVALID_REFERENCE when @tag is not a valid tag
 *
 * Since: 1.0
 */
LcImageRef *
lc_image_ref_with_tag (LcImageRef *self, const char *tag, GError **error)
{
  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (tag != NULL, NULL);

  if (!match_tag (tag, strlen (tag)))
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "invalid tag \"%s\": %s", tag,
               strlen (tag) > TAG_LENGTH_MAX ? "tag must not be more than 128 characters"
                                             : "invalid tag format");
      return NULL;
    }
  return image_ref_new_take (g_strdup (self->domain), g_strdup (self->path),
                             g_strdup (tag), g_strdup (self->digest));
}

/**
 * lc_image_ref_with_digest:
 * @self: a #LcImageRef
 * @digest: a digest, such as `sha256:…`
 * @error: return location for a #GError, or %NULL
 *
 * A reference to the same repository with @digest instead of the digest
 * @self has, and the same tag if @self has one.
 *
 * Returns: (transfer full): a new #LcImageRef, or %NULL with @error set to
 *   %LC_ERROR_INVALID_REFERENCE when @digest is not a valid digest
 *
 * Since: 1.0
 */
LcImageRef *
lc_image_ref_with_digest (LcImageRef *self, const char *digest, GError **error)
{
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (self != NULL, NULL);
  g_return_val_if_fail (digest != NULL, NULL);

  if (!lc_digest_validate (digest, &local_error))
    {
      lc_fail (error, LC_ERROR_INVALID_REFERENCE, "%s", local_error->message);
      return NULL;
    }
  return image_ref_new_take (g_strdup (self->domain), g_strdup (self->path),
                             g_strdup (self->tag), g_strdup (digest));
}

/**
 * lc_image_ref_equal:
 * @a: a #LcImageRef
 * @b: another #LcImageRef
 *
 * Whether @a and @b have the same domain, path, tag and digest. A missing
 * tag is not the same as `latest`. Usable as a #GEqualFunc.
 *
 * Returns: %TRUE if they are equal
 *
 * Since: 1.0
 */
gboolean
lc_image_ref_equal (LcImageRef *a, LcImageRef *b)
{
  g_return_val_if_fail (a != NULL, FALSE);
  g_return_val_if_fail (b != NULL, FALSE);
  return g_str_equal (a->name, b->name) &&
         g_strcmp0 (a->tag, b->tag) == 0 &&
         g_strcmp0 (a->digest, b->digest) == 0;
}

/**
 * lc_image_ref_hash:
 * @self: a #LcImageRef
 *
 * A hash that agrees with lc_image_ref_equal(); usable as a #GHashFunc.
 *
 * Returns: the hash
 *
 * Since: 1.0
 */
guint
lc_image_ref_hash (LcImageRef *self)
{
  guint h;

  g_return_val_if_fail (self != NULL, 0);
  h = g_str_hash (self->name);
  if (self->tag != NULL)
    h = h * 31 + g_str_hash (self->tag);
  if (self->digest != NULL)
    h = h * 31 + g_str_hash (self->digest);
  return h;
}
