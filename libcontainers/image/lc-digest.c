/* lc-digest.c: digests of blobs and LcVerifyStream.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <nettle/sha2.h>

#include "common/lc-error-private.h"
#include "image/lc-digest-private.h"
#include "image/lc-image-ref-private.h"

/* nettle's SHA-2 is several times faster than GChecksum's (SHA-NI where
 * the CPU has it), and hashing is on the hot path of every copy. */
typedef struct {
  GChecksumType type;
  union {
    struct sha256_ctx s256;
    struct sha512_ctx s512;   /* sha384 too */
  } u;
} Hasher;

static void
hasher_init (Hasher *h, GChecksumType type)
{
  h->type = type;
  if (type == G_CHECKSUM_SHA512)
    sha512_init (&h->u.s512);
  else if (type == G_CHECKSUM_SHA384)
    sha384_init (&h->u.s512);
  else
    sha256_init (&h->u.s256);
}

static void
hasher_update (Hasher *h, const void *data, gsize len)
{
  if (h->type == G_CHECKSUM_SHA256)
    sha256_update (&h->u.s256, len, data);
  else
    sha512_update (&h->u.s512, len, data);   /* sha384_update is the same */
}

/* "<hex>", newly allocated. */
static char *
hasher_hex (Hasher *h)
{
  guint8 d[SHA512_DIGEST_SIZE];
  gsize n;
  char *hex;

  if (h->type == G_CHECKSUM_SHA512)
    sha512_digest (&h->u.s512, n = SHA512_DIGEST_SIZE, d);
  else if (h->type == G_CHECKSUM_SHA384)
    sha384_digest (&h->u.s512, n = SHA384_DIGEST_SIZE, d);
  else
    sha256_digest (&h->u.s256, n = SHA256_DIGEST_SIZE, d);
  hex = g_malloc (n * 2 + 1);
  for (gsize i = 0; i < n; i++)
    {
      hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
      hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
    }
  hex[n * 2] = '\0';
  return hex;
}

static char *
hex_of (GChecksumType type, const guint8 *data, gsize len)
{
  Hasher h;

  hasher_init (&h, type);
  hasher_update (&h, data, len);
  return hasher_hex (&h);
}

char *
lc_digest_data (const guint8 *data, gsize len)
{
  g_autofree char *hex = hex_of (G_CHECKSUM_SHA256, data, len);

  return g_strconcat ("sha256:", hex, NULL);
}

char *
lc_digest_bytes (GBytes *bytes)
{
  gsize len;
  const guint8 *data = g_bytes_get_data (bytes, &len);

  return lc_digest_data (data, len);
}

const char *
lc_digest_hex (const char *digest)
{
  const char *colon = digest ? strchr (digest, ':') : NULL;

  return colon ? colon + 1 : NULL;
}

gboolean
lc_digest_checksum_type (const char *digest, GChecksumType *out_type, GError **error)
{
  if (!lc_digest_validate (digest, error))
    return FALSE;
  if (g_str_has_prefix (digest, "sha256:"))
    *out_type = G_CHECKSUM_SHA256;
  else if (g_str_has_prefix (digest, "sha384:"))
    *out_type = G_CHECKSUM_SHA384;
  else if (g_str_has_prefix (digest, "sha512:"))
    *out_type = G_CHECKSUM_SHA512;
  else
    return lc_fail (error, LC_ERROR_UNSUPPORTED, "unsupported digest algorithm in \"%s\"", digest);
  return TRUE;
}

gboolean
lc_digest_verify_data (const guint8 *data, gsize len, const char *digest, gint64 size,
                       GError **error)
{
  GChecksumType type;
  g_autofree char *hex = NULL;

  if (!lc_digest_checksum_type (digest, &type, error))
    return FALSE;
  if (size >= 0 && (guint64) size != len)
    return lc_fail (error, LC_ERROR_DIGEST_MISMATCH,
                    "size mismatch for %s: expected %" G_GINT64_FORMAT " bytes, got %" G_GSIZE_FORMAT,
                    digest, size, len);
  hex = hex_of (type, data, len);
  if (strcmp (hex, lc_digest_hex (digest)) != 0)
    return lc_fail (error, LC_ERROR_DIGEST_MISMATCH, "Digest did not match, expected %s, got %.*s:%s",
                    digest, (int) (lc_digest_hex (digest) - 1 - digest), digest, hex);
  return TRUE;
}

struct _LcVerifyStream
{
  GFilterInputStream parent;
  Hasher hasher;
  char *expected;        /* NULL: compute only */
  char *algorithm;       /* "sha256" */
  gint64 size;
  guint64 count;
  char *result;          /* set at EOF */
  gboolean failed;
  LcVerifyProgressFunc progress;
  gpointer progress_data;
};

G_DEFINE_TYPE (LcVerifyStream, lc_verify_stream, G_TYPE_FILTER_INPUT_STREAM)

static gboolean
verify_fail (LcVerifyStream *self, GError **error, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
verify_fail (LcVerifyStream *self, GError **error, const char *format, ...)
{
  va_list args;
  g_autofree char *message = NULL;

  self->failed = TRUE;
  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error_literal (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH, message);
  return FALSE;
}

static gssize
lc_verify_stream_read (GInputStream *stream, void *buffer, gsize count,
                       GCancellable *cancellable, GError **error)
{
  LcVerifyStream *self = LC_VERIFY_STREAM (stream);
  GInputStream *base = g_filter_input_stream_get_base_stream (G_FILTER_INPUT_STREAM (stream));
  gssize n;

  if (self->failed)
    {
      verify_fail (self, error, "reading %s after a verification failure",
                   self->expected ? self->expected : "blob");
      return -1;
    }
  if (self->result != NULL)
    return 0;
  n = g_input_stream_read (base, buffer, count, cancellable, error);
  if (n < 0)
    return -1;
  if (n > 0)
    {
      self->count += (guint64) n;
      if (self->expected && self->size >= 0 && self->count > (guint64) self->size)
        {
          verify_fail (self, error,
                       "size mismatch for %s: more than the expected %" G_GINT64_FORMAT " bytes",
                       self->expected, self->size);
          return -1;
        }
      hasher_update (&self->hasher, buffer, (gsize) n);
      if (self->progress)
        self->progress (self->count, self->progress_data);
      return n;
    }
  /* EOF */
  {
    g_autofree char *hex = hasher_hex (&self->hasher);
    self->result = g_strconcat (self->algorithm, ":", hex, NULL);
  }
  if (self->expected)
    {
      if (self->size >= 0 && self->count != (guint64) self->size)
        {
          verify_fail (self, error,
                       "size mismatch for %s: expected %" G_GINT64_FORMAT " bytes, got %" G_GUINT64_FORMAT,
                       self->expected, self->size, self->count);
          return -1;
        }
      if (strcmp (self->result, self->expected) != 0)
        {
          verify_fail (self, error, "Digest did not match, expected %s, got %s",
                       self->expected, self->result);
          return -1;
        }
    }
  return 0;
}

static void
lc_verify_stream_finalize (GObject *object)
{
  LcVerifyStream *self = LC_VERIFY_STREAM (object);

  g_clear_pointer (&self->expected, g_free);
  g_clear_pointer (&self->algorithm, g_free);
  g_clear_pointer (&self->result, g_free);
  G_OBJECT_CLASS (lc_verify_stream_parent_class)->finalize (object);
}

static void
lc_verify_stream_class_init (LcVerifyStreamClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = lc_verify_stream_finalize;
  G_INPUT_STREAM_CLASS (klass)->read_fn = lc_verify_stream_read;
  /* skip_fn stays unset: GInputStream's default skip reads through read_fn. */
}

static void
lc_verify_stream_init (LcVerifyStream *self)
{
  self->size = -1;
}

GInputStream *
lc_verify_stream_new (GInputStream *base, const char *digest, gint64 size)
{
  LcVerifyStream *self = g_object_new (LC_TYPE_VERIFY_STREAM, "base-stream", base,
                                       "close-base-stream", TRUE, NULL);
  GChecksumType type = G_CHECKSUM_SHA256;

  if (digest && !lc_digest_checksum_type (digest, &type, NULL))
    g_return_val_if_reached (NULL);
  hasher_init (&self->hasher, type);
  self->algorithm = digest ? g_strndup (digest, (gsize) (strchr (digest, ':') - digest))
                           : g_strdup ("sha256");
  self->expected = g_strdup (digest);
  self->size = size;
  return G_INPUT_STREAM (self);
}

void
lc_verify_stream_set_progress (LcVerifyStream *self, LcVerifyProgressFunc func, gpointer user_data)
{
  self->progress = func;
  self->progress_data = user_data;
}

const char *
lc_verify_stream_get_digest (LcVerifyStream *self)
{
  return self->failed ? NULL : self->result;
}

guint64
lc_verify_stream_get_bytes_read (LcVerifyStream *self)
{
  return self->count;
}

gboolean
lc_verify_stream_reached_eof (LcVerifyStream *self)
{
  return self->result != NULL && !self->failed;
}

GBytes *
lc_read_all (GInputStream *stream, gsize max_size, GCancellable *cancellable, GError **error)
{
  g_autoptr(GByteArray) buf = g_byte_array_new ();
  guint8 chunk[65536];

  for (;;)
    {
      gssize n = g_input_stream_read (stream, chunk, sizeof chunk, cancellable, error);
      if (n < 0)
        return NULL;
      if (n == 0)
        break;
      if (buf->len + (gsize) n > max_size)
        {
          lc_fail (error, LC_ERROR_INVALID_DATA, "data larger than the limit of %" G_GSIZE_FORMAT " bytes",
                   max_size);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }
  return g_byte_array_free_to_bytes (g_steal_pointer (&buf));
}
