/* lc-driver-private.h: the graph driver interface (overlay, vfs).
 *
 * A driver owns G/<name>/ and turns layer IDs into directories. Layers are
 * built outside every lock in a staging directory under G/tmp/ (same file
 * system), then moved into place by commit_staged() while the caller holds
 * layers.lock: podman deletes records flagged incomplete that it finds
 * under its own lock, so the slow part must not be under ours.
 *
 * Thread safety: as LcStore: one thread at a time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _LcDriver LcDriver;

typedef enum {
  LC_WHITEOUT_OVERLAY,   /* .wh.X -> char device 0/0, .wh..wh..opq -> opaque xattr */
  LC_WHITEOUT_DELETE,    /* .wh.X -> X removed; .wh..wh..opq -> old children removed (vfs) */
} LcWhiteoutMode;

typedef struct {
  const char *name;
  LcWhiteoutMode whiteouts;
  /* Sets up the home directory. */
  gboolean (*init) (LcDriver *self, GError **error);
  /* Makes a fresh staging directory for a layer over @parent (NULL for a
   * base layer) and returns the directory the diff is applied into. vfs
   * fills it with a copy of the parent. */
  char *(*stage) (LcDriver *self, const char *parent, const char *staging_root, GError **error);
  /* Creates the driver's directories of layer @id; with @staged_diff,
   * that directory becomes the layer's content (renamed, not copied). */
  gboolean (*create) (LcDriver *self, const char *id, const char *parent, const char *staged_diff,
                      GError **error);
  /* Removes what stage() made, when it is not committed. */
  void (*discard_staged) (LcDriver *self, const char *staged);
  gboolean (*remove) (LcDriver *self, const char *id, GError **error);
  gboolean (*exists) (LcDriver *self, const char *id);
  /* Directories that hold the layer's files, for rebuilding its tar:
   * its own, then those of its lowers (overlay), first hit wins. */
  GPtrArray *(*content_dirs) (LcDriver *self, const char *id, GError **error);
  /* Mounts the layer (overlay: G/overlay/<id>/merged) and returns the path. */
  char *(*mount) (LcDriver *self, const char *id, gboolean read_only, const char *mount_options,
                  GError **error);
  gboolean (*unmount) (LcDriver *self, const char *id, GError **error);
  /* Called when no layer is mounted any more (may be NULL). */
  void (*cleanup) (LcDriver *self);
} LcDriverClass;

struct _LcDriver {
  const LcDriverClass *klass;
  char *home;           /* G/<name> */
  char *graph_root;
  char *run_root;
  char **options;       /* "mountopt=nodev", without the "<drv>." prefix */
  gboolean rootless;
};

extern const LcDriverClass lc_driver_overlay_class;
extern const LcDriverClass lc_driver_vfs_class;

/* Makes a driver by name ("overlay", "overlay2", "vfs"). */
LcDriver *lc_driver_new (const char *name, const char *graph_root, const char *run_root,
                         const char * const *options, gboolean rootless, GError **error);
void lc_driver_free (LcDriver *self);
const char *lc_driver_get_option (LcDriver *self, const char *key);

/* Whether @path is a mount point (/proc/self/mountinfo). */
gboolean lc_is_mount_point (const char *path);

/* Removes a tree without following symlinks or crossing into mounts. */
gboolean lc_storage_rm_rf (const char *path, GError **error);
gboolean lc_storage_rm_rf_at (int dirfd, const char *name, GError **error);
/* Copies a tree (hard links, symlinks, devices, owners, modes, times, xattrs). */
gboolean lc_copy_tree (const char *src, const char *dst, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcDriver, lc_driver_free)

G_END_DECLS
