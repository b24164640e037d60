/* lc-manifest-private.h: the manifest model (OCI manifest and index,
 * Docker schema2 manifest and list), media types, sniffing, platform
 * selection and conversion.
 *
 * Thread safety: an LcManifest is not shared; parse one per thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include <json-c/json.h>
#include "image/lc-compression-private.h"

G_BEGIN_DECLS

#ifndef LC_JSON_AUTOPTR_DEFINED
#define LC_JSON_AUTOPTR_DEFINED
G_DEFINE_AUTOPTR_CLEANUP_FUNC (json_object, json_object_put)
#endif

#define LC_MT_DOCKER_V2S2         "application/vnd.docker.distribution.manifest.v2+json"
#define LC_MT_DOCKER_LIST         "application/vnd.docker.distribution.manifest.list.v2+json"
#define LC_MT_DOCKER_V2S1         "application/vnd.docker.distribution.manifest.v1+json"
#define LC_MT_DOCKER_V2S1_SIGNED  "application/vnd.docker.distribution.manifest.v1+prettyjws"
#define LC_MT_DOCKER_CONFIG       "application/vnd.docker.container.image.v1+json"
#define LC_MT_DOCKER_LAYER        "application/vnd.docker.image.rootfs.diff.tar"
#define LC_MT_DOCKER_LAYER_GZIP   "application/vnd.docker.image.rootfs.diff.tar.gzip"
#define LC_MT_DOCKER_FOREIGN      "application/vnd.docker.image.rootfs.foreign.diff.tar"
#define LC_MT_DOCKER_FOREIGN_GZIP "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip"
#define LC_MT_OCI_MANIFEST        "application/vnd.oci.image.manifest.v1+json"
#define LC_MT_OCI_INDEX           "application/vnd.oci.image.index.v1+json"
#define LC_MT_OCI_CONFIG          "application/vnd.oci.image.config.v1+json"
#define LC_MT_OCI_LAYER           "application/vnd.oci.image.layer.v1.tar"
#define LC_MT_OCI_LAYER_GZIP      "application/vnd.oci.image.layer.v1.tar+gzip"
#define LC_MT_OCI_LAYER_ZSTD      "application/vnd.oci.image.layer.v1.tar+zstd"
#define LC_MT_OCI_NONDIST         "application/vnd.oci.image.layer.nondistributable.v1.tar"
#define LC_MT_OCI_NONDIST_GZIP    "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip"
#define LC_MT_OCI_NONDIST_ZSTD    "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"

#define LC_ANNOTATION_REF_NAME    "org.opencontainers.image.ref.name"

/* containers/image's limit for manifests and configs. */
#define LC_MANIFEST_MAX_SIZE (4 * 1024 * 1024)
#define LC_CONFIG_MAX_SIZE (4 * 1024 * 1024)

typedef struct {
  char *media_type;
  char *digest;
  gint64 size;
  char **urls;                /* nullable */
  json_object *annotations;   /* nullable, owned reference */
  json_object *platform;      /* lists only; nullable, owned reference */
  char *artifact_type;        /* OCI only, nullable */
} LcDescriptor;

typedef struct {
  char *media_type;           /* always set after parse (sniffed if absent) */
  gboolean has_media_type_field;
  gboolean is_list;
  LcDescriptor *config;       /* manifests */
  GPtrArray *layers;          /* manifests: LcDescriptor* */
  GPtrArray *manifests;       /* lists: LcDescriptor* */
  json_object *annotations;   /* OCI only, nullable */
  json_object *subject;       /* OCI only, nullable */
  char *artifact_type;        /* OCI only, nullable */
} LcManifest;

LcDescriptor *lc_descriptor_new (const char *media_type, const char *digest, gint64 size);
LcDescriptor *lc_descriptor_copy (const LcDescriptor *d);
void lc_descriptor_free (LcDescriptor *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcDescriptor, lc_descriptor_free)

void lc_manifest_free (LcManifest *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcManifest, lc_manifest_free)

gboolean lc_media_type_is_list (const char *media_type);
gboolean lc_media_type_is_manifest (const char *media_type);   /* single image, v2s2 or OCI */
gboolean lc_media_type_is_oci (const char *media_type);

/* §7.2 sniffing; NULL when unknown. Never fails. */
const char *lc_manifest_sniff (const guint8 *data, gsize len);

/* Parses strictly. @media_type: what the transport announced, or NULL to
 * sniff. LC_ERROR_INVALID_DATA for malformed or oversized documents,
 * LC_ERROR_UNSUPPORTED for schema1 and unknown media types. */
LcManifest *lc_manifest_parse (GBytes *bytes, const char *media_type, GError **error);

/* Serializes in containers/image field order, compact. */
GBytes *lc_manifest_serialize (const LcManifest *m);

/* Layer media type helpers. *out_foreign: Docker foreign / OCI
 * non-distributable. Returns FALSE for types whose compression cannot be
 * changed (encrypted, unknown artifacts). */
gboolean lc_layer_media_type_info (const char *media_type, LcCompressionKind *out_kind,
                                   gboolean *out_foreign);
/* The layer media type of @format (an OCI or Docker manifest type). NULL
 * with LC_ERROR_UNSUPPORTED when the format cannot represent it (zstd in
 * Docker). */
const char *lc_layer_media_type_for (const char *manifest_type, LcCompressionKind kind,
                                     gboolean foreign, GError **error);

/* Converts @m in place to @target (LC_MT_OCI_MANIFEST / LC_MT_DOCKER_V2S2,
 * or for lists LC_MT_OCI_INDEX / LC_MT_DOCKER_LIST). */
gboolean lc_manifest_convert (LcManifest *m, const char *target, GError **error);

/* The host platform as OCI names it. */
const char *lc_platform_host_os (void);
const char *lc_platform_host_arch (void);

/* §7.6: the instance of a list for os/arch/variant (NULL: the host's).
 * The choice is logged with lc_info. */
const LcDescriptor *lc_manifest_choose_instance (const LcManifest *list, const char *os,
                                                 const char *arch, const char *variant,
                                                 GError **error);

/* Parses JSON text strictly (whole input, no trailing data, bounded depth). */
json_object *lc_json_parse (const char *data, gsize len, const char *what, GError **error);
/* Appends @s as a JSON string escaped the way Go's encoding/json does it
 * (<, >, & as \u003c \u003e \u0026; U+2028/2029 escaped), so that
 * documents we write byte-match those of containers/image. */
void lc_json_append_go_string (GString *out, const char *s);

/* Compact, no "\/" escaping. */
char *lc_json_to_string (json_object *obj);

G_END_DECLS
