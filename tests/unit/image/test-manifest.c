/* test-manifest.c: parsing, sniffing, conversion and platform choice.
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
#include "image/lc-digest-private.h"
#include "image/lc-manifest-private.h"

#define D1 "sha256:1111111111111111111111111111111111111111111111111111111111111111"
#define D2 "sha256:2222222222222222222222222222222222222222222222222222222222222222"
#define D3 "sha256:3333333333333333333333333333333333333333333333333333333333333333"

#define OCI_MANIFEST \
  "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"," \
  "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":344}," \
  "\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"" D2 "\",\"size\":1083770," \
  "\"annotations\":{\"x\":\"y\"}}],\"annotations\":{\"org.opencontainers.image.base.name\":\"\"}}"

#define V2S2_MANIFEST \
  "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\"," \
  "\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"size\":344,\"digest\":\"" D1 "\"}," \
  "\"layers\":[{\"mediaType\":\"application/vnd.docker.image.rootfs.diff.tar.gzip\",\"size\":1083770,\"digest\":\"" D2 "\"}]}"

#define OCI_INDEX \
  "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[" \
  "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":500," \
  "\"platform\":{\"architecture\":\"arm64\",\"os\":\"linux\",\"variant\":\"v8\"}}," \
  "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D2 "\",\"size\":501," \
  "\"platform\":{\"architecture\":\"amd64\",\"os\":\"linux\"}}," \
  "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D3 "\",\"size\":502," \
  "\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v6\"}}]}"

static LcManifest *
parse (const char *text, const char *mt, GError **error)
{
  g_autoptr(GBytes) b = g_bytes_new_static (text, strlen (text));

  return lc_manifest_parse (b, mt, error);
}

static void
expect_error (const char *text, const char *mt, LcError code)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcManifest) m = parse (text, mt, &error);

  if (m != NULL || !g_error_matches (error, LC_ERROR, (gint) code))
    fail_msg ("expected error %d for %s, got %s", code, text, error ? error->message : "success");
}

static void
test_manifest_parses_oci_manifest (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcManifest) m = parse (OCI_MANIFEST, NULL, &error);
  LcDescriptor *l;

  (void) state;
  assert_non_null (m);
  assert_string_equal (m->media_type, LC_MT_OCI_MANIFEST);
  assert_false (m->is_list);
  assert_string_equal (m->config->digest, D1);
  assert_int_equal (m->config->size, 344);
  assert_int_equal (m->layers->len, 1);
  l = m->layers->pdata[0];
  assert_string_equal (l->media_type, LC_MT_OCI_LAYER_GZIP);
  assert_int_equal (l->size, 1083770);
}

static void
test_manifest_serializes_oci_manifest_byte_for_byte (void **state)
{
  g_autoptr(LcManifest) m = parse (OCI_MANIFEST, NULL, NULL);
  g_autoptr(GBytes) out = lc_manifest_serialize (m);

  (void) state;
  assert_int_equal (g_bytes_get_size (out), strlen (OCI_MANIFEST));
  assert_memory_equal (g_bytes_get_data (out, NULL), OCI_MANIFEST, strlen (OCI_MANIFEST));
}

static void
test_manifest_serializes_schema2_in_docker_field_order (void **state)
{
  g_autoptr(LcManifest) m = parse (V2S2_MANIFEST, LC_MT_DOCKER_V2S2, NULL);
  g_autoptr(GBytes) out = lc_manifest_serialize (m);

  (void) state;
  assert_non_null (m);
  assert_memory_equal (g_bytes_get_data (out, NULL), V2S2_MANIFEST, strlen (V2S2_MANIFEST));
}

static void
test_manifest_converts_oci_to_schema2_and_back (void **state)
{
  g_autoptr(LcManifest) m = parse (OCI_MANIFEST, NULL, NULL);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(GError) error = NULL;

  (void) state;
  assert_true (lc_manifest_convert (m, LC_MT_DOCKER_V2S2, &error));
  out = lc_manifest_serialize (m);
  assert_memory_equal (g_bytes_get_data (out, NULL), V2S2_MANIFEST, strlen (V2S2_MANIFEST));
  assert_true (lc_manifest_convert (m, LC_MT_OCI_MANIFEST, &error));
  assert_string_equal (m->config->media_type, LC_MT_OCI_CONFIG);
  assert_string_equal (((LcDescriptor *) m->layers->pdata[0])->media_type, LC_MT_OCI_LAYER_GZIP);
}

static void
test_manifest_refuses_zstd_in_schema2 (void **state)
{
  const char *text =
    "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1
    "\",\"size\":3},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+zstd\",\"digest\":\"" D2
    "\",\"size\":4}]}";
  g_autoptr(LcManifest) m = parse (text, NULL, NULL);
  g_autoptr(GError) error = NULL;

  (void) state;
  assert_non_null (m);
  assert_false (m->has_media_type_field);
  assert_false (lc_manifest_convert (m, LC_MT_DOCKER_V2S2, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_UNSUPPORTED));
  assert_non_null (strstr (error->message, "zstd compression is not supported for docker images"));
}

static void
test_manifest_sniffs_media_types (void **state)
{
  const char *no_mt_oci = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\"}}";
  const char *no_mt_docker = "{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\"}}";
  const char *no_mt_index = "{\"schemaVersion\":2,\"manifests\":[{}]}";
  const char *s1 = "{\"schemaVersion\":1,\"name\":\"x\"}";
  const char *s1s = "{\"schemaVersion\":1,\"signatures\":[]}";

  (void) state;
  assert_string_equal (lc_manifest_sniff ((const guint8 *) OCI_MANIFEST, strlen (OCI_MANIFEST)), LC_MT_OCI_MANIFEST);
  assert_string_equal (lc_manifest_sniff ((const guint8 *) V2S2_MANIFEST, strlen (V2S2_MANIFEST)), LC_MT_DOCKER_V2S2);
  assert_string_equal (lc_manifest_sniff ((const guint8 *) no_mt_oci, strlen (no_mt_oci)), LC_MT_OCI_MANIFEST);
  assert_string_equal (lc_manifest_sniff ((const guint8 *) no_mt_docker, strlen (no_mt_docker)), LC_MT_DOCKER_V2S2);
  assert_string_equal (lc_manifest_sniff ((const guint8 *) no_mt_index, strlen (no_mt_index)), LC_MT_OCI_INDEX);
  assert_string_equal (lc_manifest_sniff ((const guint8 *) s1, strlen (s1)), LC_MT_DOCKER_V2S1);
  assert_string_equal (lc_manifest_sniff ((const guint8 *) s1s, strlen (s1s)), LC_MT_DOCKER_V2S1_SIGNED);
  assert_null (lc_manifest_sniff ((const guint8 *) "nope", 4));
  assert_null (lc_manifest_sniff ((const guint8 *) "{\"schemaVersion\":3}", 19));
}

static void
test_manifest_refuses_schema1 (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(LcManifest) m = parse ("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}", NULL, &error);

  (void) state;
  assert_null (m);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_UNSUPPORTED));
  assert_string_equal (error->message, "schema1 manifests are not supported");
  expect_error ("{}", LC_MT_DOCKER_V2S1_SIGNED, LC_ERROR_UNSUPPORTED);
}

static void
test_manifest_rejects_malformed_documents (void **state)
{
  static const char *const bad[] = {
    "",
    "{",
    "[]",
    "null",
    "{\"schemaVersion\":2,\"config\":{}} trailing",
    OCI_MANIFEST "x",
    "{\"schemaVersion\":\"2\",\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}",
    /* missing config */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"layers\":[]}",
    /* missing layers */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":1}}",
    /* bad digest */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:xyz\",\"size\":1},\"layers\":[]}",
    /* path traversal in a digest */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:../../etc/passwd\",\"size\":1},\"layers\":[]}",
    /* negative size */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":-1},\"layers\":[]}",
    /* size as a string */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":\"1\"},\"layers\":[]}",
    /* ambiguous: manifests in an image manifest */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"manifests\":[],\"config\":"
    "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}",
    /* ambiguous: layers in an index */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[],\"layers\":[]}",
    /* schema2 with an OCI layer type */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":"
    "{\"mediaType\":\"application/vnd.docker.container.image.v1+json\",\"digest\":\"" D1 "\",\"size\":1},\"layers\":"
    "[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"" D2 "\",\"size\":1}]}",
    /* NUL byte */
    "{\"schemaVersion\":2,\"a\":\"\\u0000\"}",
    /* platform without os */
    "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
    "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"" D1 "\",\"size\":1,"
    "\"platform\":{\"architecture\":\"amd64\"}}]}",
  };

  (void) state;
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(LcManifest) m = parse (bad[i], NULL, &error);
      if (m != NULL || error == NULL || error->domain != LC_ERROR ||
          (error->code != LC_ERROR_INVALID_DATA && error->code != LC_ERROR_UNSUPPORTED))
        fail_msg ("case %" G_GSIZE_FORMAT " (%s): %s", i, bad[i], error ? error->message : "accepted");
    }
  /* A declared media type that contradicts the document. */
  expect_error (OCI_MANIFEST, LC_MT_DOCKER_V2S2, LC_ERROR_INVALID_DATA);
  /* A schema2 manifest needs its mediaType field. */
  expect_error ("{\"schemaVersion\":2,\"config\":{\"mediaType\":\"application/vnd.docker.container.image.v1+json\","
                "\"digest\":\"" D1 "\",\"size\":1},\"layers\":[]}", LC_MT_DOCKER_V2S2, LC_ERROR_INVALID_DATA);
}

static void
test_manifest_rejects_hostile_nesting (void **state)
{
  GString *deep = g_string_new ("{\"schemaVersion\":2,\"annotations\":");
  g_autoptr(GError) error = NULL;
  g_autoptr(LcManifest) m = NULL;
  g_autofree char *text = NULL;

  (void) state;
  for (int i = 0; i < 10000; i++)
    g_string_append (deep, "[");
  text = g_string_free (deep, FALSE);
  m = parse (text, LC_MT_OCI_MANIFEST, &error);
  assert_null (m);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_DATA));
}

static void
test_manifest_rejects_oversized_documents (void **state)
{
  gsize len = LC_MANIFEST_MAX_SIZE + 10;
  char *big = g_malloc (len);
  g_autoptr(GBytes) b = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(LcManifest) m = NULL;

  (void) state;
  memset (big, ' ', len);
  memcpy (big, OCI_MANIFEST, strlen (OCI_MANIFEST));
  b = g_bytes_new_take (big, len);
  m = lc_manifest_parse (b, NULL, &error);
  assert_null (m);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_DATA));
  assert_non_null (strstr (error->message, "too large"));
}

static void
test_manifest_rejects_unknown_media_type (void **state)
{
  (void) state;
  expect_error ("{\"schemaVersion\":2,\"mediaType\":\"application/x-foo\"}", "application/x-foo",
                LC_ERROR_UNSUPPORTED);
  expect_error ("{\"schemaVersion\":2,\"mediaType\":\"application/x-foo\"}", NULL, LC_ERROR_UNSUPPORTED);
  expect_error ("[1]", NULL, LC_ERROR_INVALID_DATA);
}

static void
test_platform_choice_follows_variants (void **state)
{
  g_autoptr(LcManifest) m = parse (OCI_INDEX, NULL, NULL);
  g_autoptr(GError) error = NULL;
  const LcDescriptor *d;

  (void) state;
  assert_non_null (m);
  assert_true (m->is_list);
  d = lc_manifest_choose_instance (m, "linux", "amd64", NULL, &error);
  assert_non_null (d);
  assert_string_equal (d->digest, D2);
  d = lc_manifest_choose_instance (m, "linux", "arm64", NULL, &error);
  assert_non_null (d);
  assert_string_equal (d->digest, D1);
  /* arm v7 accepts v6 */
  d = lc_manifest_choose_instance (m, "linux", "arm", "v7", &error);
  assert_non_null (d);
  assert_string_equal (d->digest, D3);
  d = lc_manifest_choose_instance (m, "linux", "arm", "v5", &error);
  assert_null (d);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_NOT_FOUND));
  assert_non_null (strstr (error->message, "no image found in image index for architecture \"arm\", variant \"v5\""));
  g_clear_error (&error);
  d = lc_manifest_choose_instance (m, "windows", "amd64", NULL, &error);
  assert_null (d);
}

static void
test_list_converts_between_index_and_docker_list (void **state)
{
  g_autoptr(LcManifest) m = parse (OCI_INDEX, NULL, NULL);
  g_autoptr(GBytes) out = NULL;
  g_autoptr(LcManifest) back = NULL;

  (void) state;
  assert_true (lc_manifest_convert (m, LC_MT_DOCKER_LIST, NULL));
  out = lc_manifest_serialize (m);
  back = lc_manifest_parse (out, NULL, NULL);
  assert_non_null (back);
  assert_string_equal (back->media_type, LC_MT_DOCKER_LIST);
  assert_string_equal (((LcDescriptor *) back->manifests->pdata[0])->media_type, LC_MT_DOCKER_V2S2);
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_manifest_parses_oci_manifest),
    cmocka_unit_test (test_manifest_serializes_oci_manifest_byte_for_byte),
    cmocka_unit_test (test_manifest_serializes_schema2_in_docker_field_order),
    cmocka_unit_test (test_manifest_converts_oci_to_schema2_and_back),
    cmocka_unit_test (test_manifest_refuses_zstd_in_schema2),
    cmocka_unit_test (test_manifest_sniffs_media_types),
    cmocka_unit_test (test_manifest_refuses_schema1),
    cmocka_unit_test (test_manifest_rejects_malformed_documents),
    cmocka_unit_test (test_manifest_rejects_hostile_nesting),
    cmocka_unit_test (test_manifest_rejects_oversized_documents),
    cmocka_unit_test (test_manifest_rejects_unknown_media_type),
    cmocka_unit_test (test_platform_choice_follows_variants),
    cmocka_unit_test (test_list_converts_between_index_and_docker_list),
  };

  return cmocka_run_group_tests_name ("manifest", tests, NULL, NULL);
}
