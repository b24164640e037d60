/* lc-transport-private.h: the one interface every image transport implements.
 *
 * A transport (docker, oci, oci-archive, dir, docker-archive,
 * containers-storage) turns the part of a reference after "name:" into an
 * image source and an image destination. The copy engine speaks only this
 * interface; it never knows which transport is on either side.
 *
 * Sources and destinations are plain ref-counted structs with a vtable, not
 * GObjects: they never cross the public API, and a vtable is all they need.
 * Each implementation embeds LcImageSource / LcImageDest as its first member.
 *
 * Thread safety: the copy engine calls get_blob / put_blob / has_blob from
 * several threads at once (one per layer); every other call comes from one
 * thread. Implementations guard their shared state accordingly.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>
#include "containers/lc-context.h"
#include "containers/lc-copy.h"

G_BEGIN_DECLS

typedef struct _LcImageSource LcImageSource;
typedef struct _LcImageDest LcImageDest;

typedef struct {
  /* The manifest of the image, or of the instance @instance_digest of a
   * list/index (NULL: the top-level one, which may be a list). The media
   * type is the one announced (Content-Type, index.json mediaType), or
   * NULL when the transport cannot know it (the caller then sniffs it). */
  GBytes *(*get_manifest) (LcImageSource *self, const char *instance_digest,
                           char **out_media_type, GCancellable *cancellable, GError **error);
  /* A stream of the blob's bytes, as stored (compressed). @size is the size
   * the manifest announced, or -1; *out_size the size the transport knows
   * (Content-Length, file size), or -1. The stream does NOT verify the
   * digest: the copy engine wraps it in a verifying stream. */
  GInputStream *(*get_blob) (LcImageSource *self, const char *digest, gint64 size,
                             gint64 *out_size, GCancellable *cancellable, GError **error);
  void (*finalize) (LcImageSource *self);
  /* Optional (NULL: none): the repository's tags, for inspect's RepoTags. */
  char **(*get_repo_tags) (LcImageSource *self, GCancellable *cancellable, GError **error);
} LcImageSourceVTable;

struct _LcImageSource {
  const LcImageSourceVTable *vtable;
  gint ref_count;
  char *description;   /* "docker://…", for messages */
  /* Optional: the Docker reference's repository name, inspect's "Name"
   * ("docker.io/library/busybox"); NULL for oci:, dir:, untagged archives. */
  char *docker_name;
};

/* What a destination wants from the copy engine. */
typedef enum {
  LC_DEST_NEEDS_NOTHING = 0,
  /* Only OCI or only Docker schema2 manifests: see supported_manifest_types. */
  LC_DEST_WANTS_UNCOMPRESSED_LAYERS = 1 << 0,   /* dir: with --dest-decompress, storage */
  LC_DEST_MUST_KNOW_SIZES = 1 << 1,             /* archives write a header first */
  /* Keep layer compression as it is (dir:, containers-storage:). Without
   * this flag and without WANTS_UNCOMPRESSED_LAYERS, uncompressed layers
   * are compressed (gzip unless the caller asks for zstd). */
  LC_DEST_PRESERVES_COMPRESSION = 1 << 2,
} LcDestFlags;

typedef struct {
  /* NULL-terminated list of manifest media types it can store, in order of
   * preference; NULL means any. */
  const char * const *(*supported_manifest_types) (LcImageDest *self);
  LcDestFlags (*flags) (LcImageDest *self);
  /* Whether the blob is already there (so the copy is skipped). A
   * destination that cannot tell cheaply answers FALSE. @src_repo (may be
   * NULL) is where the blob comes from, so a registry can mount it across
   * repositories instead of uploading it. *out_size may be set to the size
   * it has. */
  gboolean (*has_blob) (LcImageDest *self, const char *digest, gint64 size,
                        const char *src_repo, gboolean *out_has, gint64 *out_size,
                        GCancellable *cancellable, GError **error);
  /* Stores a blob read to EOF from @stream. @digest and @size are what the
   * manifest says (@size -1 when unknown). The stream given by the copy
   * engine already verifies digest and size and fails the final read on a
   * mismatch; the destination must make the blob visible only after a
   * successful read to EOF (write to a temporary name, then rename), so a
   * failed or cancelled copy leaves nothing behind.
   * @digest is NULL when the copy engine changed the blob on the way
   * (decompressed, recompressed): the destination then computes the sha256
   * of what it reads (lc_verify_stream_new (stream, NULL, -1) does it) and
   * names the blob by it. Either way it returns the digest and size it
   * stored in *out_digest / *out_size (both optional). */
  gboolean (*put_blob) (LcImageDest *self, GInputStream *stream, const char *digest,
                        gint64 size, const char *media_type, gboolean is_config,
                        char **out_digest, gint64 *out_size,
                        GCancellable *cancellable, GError **error);
  /* Stores a manifest: the image's, or (with @instance_digest NULL after
   * the instances) the list's. */
  gboolean (*put_manifest) (LcImageDest *self, GBytes *manifest, const char *media_type,
                            const char *instance_digest, GCancellable *cancellable,
                            GError **error);
  /* Makes everything visible at once (index.json, the tag, the archive's
   * final rename). Without commit, a destination leaves nothing. */
  gboolean (*commit) (LcImageDest *self, GCancellable *cancellable, GError **error);
  void (*finalize) (LcImageDest *self);
} LcImageDestVTable;

struct _LcImageDest {
  const LcImageDestVTable *vtable;
  gint ref_count;
  char *description;
};

typedef struct {
  const char *name;   /* "docker", "oci", "dir", ... (without the colon) */
  /* @reference is what follows "name:" ("//busybox" for docker).
   * @options (never NULL) carries the caller's settings for this side:
   * read them with the accessors of lc-copy-private.h
   * (lc_copy_options_get_tls_verify (options, LC_COPY_SIDE_SOURCE), ...). */
  LcImageSource *(*open_source) (LcContext *context, const char *reference,
                                 LcCopyOptions *options,
                                 GCancellable *cancellable, GError **error);
  LcImageDest *(*open_dest) (LcContext *context, const char *reference,
                             LcCopyOptions *options,
                             GCancellable *cancellable, GError **error);
} LcTransport;

/* Registered transports, looked up by name (lc-transport.c holds the
 * table: one `extern const LcTransport lc_<name>_transport;` line and one
 * table entry per transport). */
const LcTransport *lc_transport_lookup (const char *name);

/* Splits "transport:rest" and finds the transport, with containers/image's
 * messages ("Invalid image name \"X\", expected colon-separated
 * transport:reference", "... unknown transport \"foo\""). */
gboolean lc_transport_parse_name (const char *image_name, const LcTransport **out_transport,
                                  const char **out_rest, GError **error);

/* Initializers for implementations (ref_count 1, description copied). */
void lc_image_source_init (LcImageSource *self, const LcImageSourceVTable *vtable,
                           const char *description);
void lc_image_dest_init (LcImageDest *self, const LcImageDestVTable *vtable,
                         const char *description);

LcImageSource *lc_image_source_ref (LcImageSource *self);
void lc_image_source_unref (LcImageSource *self);
LcImageDest *lc_image_dest_ref (LcImageDest *self);
void lc_image_dest_unref (LcImageDest *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcImageSource, lc_image_source_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcImageDest, lc_image_dest_unref)

G_END_DECLS
