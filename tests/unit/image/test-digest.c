/* test-digest.c: digests, the verifying stream, and the gzip/zstd
 * converters.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include <containers/containers.h>
#include "image/lc-compression-private.h"
#include "image/lc-digest-private.h"

#define HELLO_DIGEST "sha256:2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static GInputStream *
mem (const void *data, gsize len)
{
  return g_memory_input_stream_new_from_data (g_memdup2 (data, len), (gssize) len, g_free);
}

static GBytes *
read_all (GInputStream *in, GError **error)
{
  return lc_read_all (in, 64 * 1024 * 1024, NULL, error);
}

static void
test_digest_data_is_sha256 (void **state)
{
  g_autofree char *d = lc_digest_data ((const guint8 *) "hello", 5);
  g_autoptr(GError) error = NULL;

  (void) state;
  assert_string_equal (d, HELLO_DIGEST);
  assert_string_equal (lc_digest_hex (d), HELLO_DIGEST + 7);
  assert_true (lc_digest_verify_data ((const guint8 *) "hello", 5, HELLO_DIGEST, 5, NULL));
  assert_false (lc_digest_verify_data ((const guint8 *) "hellO", 5, HELLO_DIGEST, 5, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH));
  g_clear_error (&error);
  assert_false (lc_digest_verify_data ((const guint8 *) "hello", 5, HELLO_DIGEST, 6, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH));
  g_clear_error (&error);
  assert_false (lc_digest_verify_data ((const guint8 *) "hello", 5, "md5:abc", 5, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_DATA));
}

static void
test_verify_stream_passes_matching_data (void **state)
{
  g_autoptr(GInputStream) base = mem ("hello", 5);
  g_autoptr(GInputStream) v = lc_verify_stream_new (base, HELLO_DIGEST, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = read_all (v, &error);

  (void) state;
  assert_non_null (bytes);
  assert_null (error);
  assert_int_equal (g_bytes_get_size (bytes), 5);
  assert_true (lc_verify_stream_reached_eof (LC_VERIFY_STREAM (v)));
  assert_string_equal (lc_verify_stream_get_digest (LC_VERIFY_STREAM (v)), HELLO_DIGEST);
}

static void
test_verify_stream_fails_the_eof_read_on_digest_mismatch (void **state)
{
  g_autoptr(GInputStream) base = mem ("hellO", 5);
  g_autoptr(GInputStream) v = lc_verify_stream_new (base, HELLO_DIGEST, 5);
  g_autoptr(GError) error = NULL;
  char buf[16];

  (void) state;
  assert_int_equal (g_input_stream_read (v, buf, sizeof buf, NULL, &error), 5);
  assert_int_equal (g_input_stream_read (v, buf, sizeof buf, NULL, &error), -1);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH));
  assert_non_null (strstr (error->message, "Digest did not match"));
  assert_false (lc_verify_stream_reached_eof (LC_VERIFY_STREAM (v)));
  g_clear_error (&error);
  /* Later reads keep failing. */
  assert_int_equal (g_input_stream_read (v, buf, sizeof buf, NULL, &error), -1);
}

static void
test_verify_stream_fails_early_when_too_many_bytes_arrive (void **state)
{
  g_autoptr(GInputStream) base = mem ("hello world", 11);
  g_autoptr(GInputStream) v = lc_verify_stream_new (base, HELLO_DIGEST, 5);
  g_autoptr(GError) error = NULL;
  char buf[4];

  (void) state;
  assert_int_equal (g_input_stream_read (v, buf, 4, NULL, &error), 4);
  /* The read that passes byte 5 fails, before EOF. */
  assert_int_equal (g_input_stream_read (v, buf, 4, NULL, &error), -1);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH));
  assert_non_null (strstr (error->message, "size"));
}

static void
test_verify_stream_fails_on_short_data (void **state)
{
  g_autoptr(GInputStream) base = mem ("hell", 4);
  g_autoptr(GInputStream) v = lc_verify_stream_new (base, HELLO_DIGEST, 5);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = read_all (v, &error);

  (void) state;
  assert_null (bytes);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_DIGEST_MISMATCH));
}

static void
test_verify_stream_without_digest_computes_one (void **state)
{
  g_autoptr(GInputStream) base = mem ("hello", 5);
  g_autoptr(GInputStream) v = lc_verify_stream_new (base, NULL, -1);
  g_autoptr(GBytes) bytes = read_all (v, NULL);

  (void) state;
  assert_non_null (bytes);
  assert_string_equal (lc_verify_stream_get_digest (LC_VERIFY_STREAM (v)), HELLO_DIGEST);
  assert_int_equal (lc_verify_stream_get_bytes_read (LC_VERIFY_STREAM (v)), 5);
}

static void
test_verify_stream_checks_sha384_and_sha512 (void **state)
{
  static const char *const digests[] = {
    "sha512:9b71d224bd62f3785d96d46ad3ea3d73319bfbc2890caadae2dff72519673ca72323c3d99ba5c11d7c7acc6e14b8c5da0c4663475c2e5c3adef46f73bcdec043",
    "sha384:59e1748777448c69de6b800d7a33bbfb9ff1b463e44354c3553bcdb9c666fa90125a3c79f90397bdf5f6a13de828684f",
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (digests); i++)
    {
      g_autoptr(GInputStream) base = mem ("hello", 5);
      g_autoptr(GInputStream) v = lc_verify_stream_new (base, digests[i], 5);
      g_autoptr(GError) error = NULL;
      g_autoptr(GBytes) bytes = read_all (v, &error);
      assert_non_null (bytes);
      assert_string_equal (lc_verify_stream_get_digest (LC_VERIFY_STREAM (v)), digests[i]);
      assert_true (lc_digest_verify_data ((const guint8 *) "hello", 5, digests[i], -1, NULL));
      assert_false (lc_digest_verify_data ((const guint8 *) "hellx", 5, digests[i], -1, NULL));
    }
}

static GBytes *
convert (GBytes *in, GConverter *conv, GError **error)
{
  g_autoptr(GInputStream) base = g_memory_input_stream_new_from_bytes (in);
  g_autoptr(GInputStream) s = g_converter_input_stream_new (base, conv);

  return read_all (s, error);
}

static GBytes *
sample (gsize len)
{
  guint8 *data = g_malloc (len);
  guint32 x = 12345;

  /* Compressible but not trivial. */
  for (gsize i = 0; i < len; i++)
    {
      x = x * 1103515245 + 12345;
      data[i] = (guint8) ("abcdefgh"[(x >> 16) & 7]);
    }
  return g_bytes_new_take (data, len);
}

static void
roundtrip (LcCompressionKind kind)
{
  g_autoptr(GBytes) plain = sample (3 * 1024 * 1024 + 17);
  g_autoptr(GConverter) comp = lc_compressor_new (kind, NULL);
  g_autoptr(GConverter) decomp = lc_decompressor_new (kind, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) packed = convert (plain, comp, &error);
  g_autoptr(GBytes) back = NULL;

  assert_non_null (packed);
  assert_true (g_bytes_get_size (packed) < g_bytes_get_size (plain));
  assert_int_equal (lc_compression_detect (g_bytes_get_data (packed, NULL), g_bytes_get_size (packed)), kind);
  back = convert (packed, decomp, &error);
  assert_null (error);
  assert_non_null (back);
  assert_true (g_bytes_equal (plain, back));
}

static void
test_gzip_roundtrip (void **state)
{
  (void) state;
  roundtrip (LC_COMPRESSION_KIND_GZIP);
}

static void
test_zstd_roundtrip (void **state)
{
  (void) state;
  roundtrip (LC_COMPRESSION_KIND_ZSTD);
}

static void
test_empty_input_roundtrips (void **state)
{
  g_autoptr(GBytes) empty = g_bytes_new (NULL, 0);
  LcCompressionKind kinds[] = { LC_COMPRESSION_KIND_GZIP, LC_COMPRESSION_KIND_ZSTD };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(GConverter) c = lc_compressor_new (kinds[i], NULL);
      g_autoptr(GConverter) d = lc_decompressor_new (kinds[i], NULL);
      g_autoptr(GBytes) packed = convert (empty, c, NULL);
      g_autoptr(GBytes) back = NULL;
      assert_non_null (packed);
      back = convert (packed, d, NULL);
      assert_non_null (back);
      assert_int_equal (g_bytes_get_size (back), 0);
    }
}

static void
test_truncated_and_trailing_data_are_errors (void **state)
{
  LcCompressionKind kinds[] = { LC_COMPRESSION_KIND_GZIP, LC_COMPRESSION_KIND_ZSTD };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      g_autoptr(GBytes) plain = sample (100000);
      g_autoptr(GConverter) c = lc_compressor_new (kinds[i], NULL);
      g_autoptr(GBytes) packed = convert (plain, c, NULL);
      g_autoptr(GBytes) cut = g_bytes_new_from_bytes (packed, 0, g_bytes_get_size (packed) - 5);
      g_autoptr(GByteArray) trailing = g_byte_array_new ();
      g_autoptr(GBytes) with_trailing = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(GConverter) d1 = lc_decompressor_new (kinds[i], NULL);
      g_autoptr(GConverter) d2 = lc_decompressor_new (kinds[i], NULL);
      g_autoptr(GBytes) r1 = convert (cut, d1, &error);
      g_autoptr(GBytes) r2 = NULL;

      assert_null (r1);
      assert_non_null (error);
      g_clear_error (&error);
      g_byte_array_append (trailing, g_bytes_get_data (packed, NULL), g_bytes_get_size (packed));
      g_byte_array_append (trailing, (const guint8 *) "garbage!", 8);
      with_trailing = g_byte_array_free_to_bytes (g_steal_pointer (&trailing));
      r2 = convert (with_trailing, d2, &error);
      assert_null (r2);
      assert_non_null (error);
    }
}

static void
test_gunzip_reads_concatenated_members (void **state)
{
  g_autoptr(GBytes) a = sample (5000), b = sample (7000);
  g_autoptr(GConverter) c1 = lc_compressor_new (LC_COMPRESSION_KIND_GZIP, NULL);
  g_autoptr(GConverter) c2 = lc_compressor_new (LC_COMPRESSION_KIND_GZIP, NULL);
  g_autoptr(GConverter) d = lc_decompressor_new (LC_COMPRESSION_KIND_GZIP, NULL);
  g_autoptr(GBytes) pa = convert (a, c1, NULL), pb = convert (b, c2, NULL);
  g_autoptr(GByteArray) both = g_byte_array_new ();
  g_autoptr(GBytes) joined = NULL, out = NULL;

  (void) state;
  g_byte_array_append (both, g_bytes_get_data (pa, NULL), g_bytes_get_size (pa));
  g_byte_array_append (both, g_bytes_get_data (pb, NULL), g_bytes_get_size (pb));
  joined = g_byte_array_free_to_bytes (g_steal_pointer (&both));
  out = convert (joined, d, NULL);
  assert_non_null (out);
  assert_int_equal (g_bytes_get_size (out), 12000);
}

static void
test_detect_compression_by_magic (void **state)
{
  (void) state;
  assert_int_equal (lc_compression_detect ((const guint8 *) "\x1f\x8b\x08\x00", 4), LC_COMPRESSION_KIND_GZIP);
  assert_int_equal (lc_compression_detect ((const guint8 *) "\x28\xb5\x2f\xfd", 4), LC_COMPRESSION_KIND_ZSTD);
  assert_int_equal (lc_compression_detect ((const guint8 *) "BZh9", 4), LC_COMPRESSION_KIND_BZIP2);
  assert_int_equal (lc_compression_detect ((const guint8 *) "\xfd" "7zXZ\0", 6), LC_COMPRESSION_KIND_XZ);
  assert_int_equal (lc_compression_detect ((const guint8 *) "hello", 5), LC_COMPRESSION_KIND_NONE);
  assert_int_equal (lc_compression_detect ((const guint8 *) "", 0), LC_COMPRESSION_KIND_NONE);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_digest_data_is_sha256),
    cmocka_unit_test (test_verify_stream_passes_matching_data),
    cmocka_unit_test (test_verify_stream_fails_the_eof_read_on_digest_mismatch),
    cmocka_unit_test (test_verify_stream_fails_early_when_too_many_bytes_arrive),
    cmocka_unit_test (test_verify_stream_fails_on_short_data),
    cmocka_unit_test (test_verify_stream_without_digest_computes_one),
    cmocka_unit_test (test_verify_stream_checks_sha384_and_sha512),
    cmocka_unit_test (test_gzip_roundtrip),
    cmocka_unit_test (test_zstd_roundtrip),
    cmocka_unit_test (test_empty_input_roundtrips),
    cmocka_unit_test (test_truncated_and_trailing_data_are_errors),
    cmocka_unit_test (test_gunzip_reads_concatenated_members),
    cmocka_unit_test (test_detect_compression_by_magic),
  };

  return cmocka_run_group_tests_name ("digest", tests, NULL, NULL);
}
