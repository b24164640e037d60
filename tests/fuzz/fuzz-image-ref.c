/* fuzz-image-ref.c: libFuzzer target for the reference parser (lc-image-ref.c).
 *
 * Besides crashes and sanitizer reports, it checks the contract:
 *  - a reference, or no reference and an LC_ERROR_INVALID_REFERENCE whose
 *    message is UTF-8;
 *  - a parsed reference is consistent: name is domain/path, the tag and
 *    digest are valid on their own;
 *  - lc_image_ref_to_string() parses back to the same reference (with the
 *    `latest` it adds when there is neither tag nor digest) and prints the
 *    same again;
 *  - lc_image_ref_to_familiar_string() parses back to the same reference,
 *    unless the familiar form is ambiguous the way it is in docker itself
 *    (see familiar_is_ambiguous()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <containers/containers.h>
#include "image/lc-image-ref-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

#define CHECK(cond, ...)                                                       \
  G_STMT_START {                                                               \
    if (!(cond))                                                               \
      {                                                                        \
        fprintf (stderr, "fuzz-image-ref: %s: ", #cond);                       \
        fprintf (stderr, __VA_ARGS__);                                         \
        fputc ('\n', stderr);                                                  \
        abort ();                                                              \
      }                                                                        \
  } G_STMT_END

static gboolean
is_identifier (const char *s)
{
  gsize n = 0;

  for (; s[n] != '\0'; n++)
    if (!((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f')))
      return FALSE;
  return n == 64;
}

/* Docker's familiar form drops `docker.io/`, so a Docker Hub path whose
 * first component looks like a domain (`docker.io/foo.com/bar` becomes
 * `foo.com/bar`) reads back as another registry, and `library/<64 hex>`
 * becomes an image ID. distribution/reference has the same ambiguity. */
static gboolean
familiar_is_ambiguous (LcImageRef *ref, const char *familiar)
{
  gsize name_len = strcspn (familiar, ":@");
  const char *slash = memchr (familiar, '/', name_len);
  g_autofree char *first = NULL;

  if (!g_str_equal (lc_image_ref_get_domain (ref), "docker.io"))
    return FALSE;
  if (is_identifier (familiar))
    return TRUE;
  if (slash == NULL)
    return FALSE;
  first = g_strndup (familiar, (gsize) (slash - familiar));
  return strpbrk (first, ".:") != NULL || g_str_equal (first, "localhost");
}

static void
check_consistent (LcImageRef *ref, const char *text)
{
  const char *tag = lc_image_ref_get_tag (ref);
  const char *digest = lc_image_ref_get_digest (ref);
  g_autofree char *name = g_strconcat (lc_image_ref_get_domain (ref), "/",
                                       lc_image_ref_get_path (ref), NULL);

  CHECK (*lc_image_ref_get_domain (ref) != '\0', "empty domain from \"%s\"", text);
  CHECK (*lc_image_ref_get_path (ref) != '\0', "empty path from \"%s\"", text);
  CHECK (strlen (lc_image_ref_get_path (ref)) <= 255, "long path from \"%s\"", text);
  CHECK (g_str_equal (lc_image_ref_get_name (ref), name), "name of \"%s\"", text);
  CHECK (!g_str_equal (lc_image_ref_get_domain (ref), "index.docker.io"),
         "index.docker.io not normalized in \"%s\"", text);
  CHECK (lc_image_ref_equal (ref, ref), "not equal to itself: \"%s\"", text);
  if (tag != NULL)
    {
      g_autoptr(LcImageRef) same = lc_image_ref_with_tag (ref, tag, NULL);
      CHECK (same != NULL && lc_image_ref_equal (same, ref), "tag of \"%s\"", text);
      CHECK (lc_image_ref_hash (same) == lc_image_ref_hash (ref), "hash of \"%s\"", text);
    }
  if (digest != NULL)
    {
      g_autoptr(LcImageRef) same = lc_image_ref_with_digest (ref, digest, NULL);
      CHECK (lc_digest_validate (digest, NULL), "digest of \"%s\"", text);
      CHECK (same != NULL && lc_image_ref_equal (same, ref), "digest of \"%s\"", text);
    }
}

static void
check_round_trip (LcImageRef *ref, const char *text)
{
  g_autofree char *full = lc_image_ref_to_string (ref);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) again = lc_image_ref_parse (full, &error);
  g_autoptr(LcImageRef) expected = NULL;
  g_autofree char *full_again = NULL;

  CHECK (again != NULL, "\"%s\" printed as \"%s\", which does not parse: %s", text, full,
         error->message);
  if (lc_image_ref_get_tag (ref) == NULL && lc_image_ref_get_digest (ref) == NULL)
    expected = lc_image_ref_with_tag (ref, "latest", NULL);
  else
    expected = lc_image_ref_ref (ref);
  CHECK (lc_image_ref_equal (again, expected), "\"%s\" -> \"%s\" reads back differently",
         text, full);
  CHECK (lc_image_ref_hash (again) == lc_image_ref_hash (expected), "hash of \"%s\"", full);
  full_again = lc_image_ref_to_string (again);
  CHECK (g_str_equal (full, full_again), "\"%s\" prints as \"%s\"", full, full_again);
}

static void
check_familiar (LcImageRef *ref, const char *text)
{
  g_autofree char *familiar = lc_image_ref_to_familiar_string (ref);
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) again = NULL;

  if (familiar_is_ambiguous (ref, familiar))
    return;
  again = lc_image_ref_parse (familiar, &error);
  CHECK (again != NULL, "familiar \"%s\" of \"%s\" does not parse: %s", familiar, text,
         error->message);
  CHECK (lc_image_ref_equal (again, ref), "familiar \"%s\" of \"%s\" reads back differently",
         familiar, text);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LcImageRef) ref = NULL;

  if (size > 64 * 1024)
    return 0;
  /* A C string: the parser never sees what follows a NUL. */
  text = g_strndup ((const char *) data, size);
  ref = lc_image_ref_parse (text, &error);
  if (ref == NULL)
    {
      CHECK (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_REFERENCE),
             "wrong error for \"%s\": %s", text, error->message);
      CHECK (g_utf8_validate (error->message, -1, NULL), "message is not UTF-8");
      CHECK (lc_image_ref_parse (text, NULL) == NULL, "parse without error location");
      return 0;
    }
  CHECK (error == NULL, "error set on success");
  check_consistent (ref, text);
  check_round_trip (ref, text);
  check_familiar (ref, text);
  return 0;
}
