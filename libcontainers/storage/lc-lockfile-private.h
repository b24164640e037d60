/* lc-lockfile-private.h: the lock files of containers/storage.
 *
 * A lock file is locked with an fcntl record lock over the whole file
 * (F_OFD_SETLK, which conflicts with the classic POSIX locks Go takes, and
 * is not dropped when some other fd of the same file is closed), never
 * with flock(2). Its first 64 bytes are the "last writer" token: a writer
 * pwrite()s a fresh token after every change, and a reader that sees a
 * token other than the one it remembers reloads the data the lock guards.
 * Token layout (c/storage >= 1.42): 8 bytes Unix time in ns, 8 bytes
 * per-process counter, 4 bytes pid (all little endian), 44 random bytes.
 *
 * Recursion: lock() may be called again while held (count), in the same
 * mode or weaker; upgrading a shared hold to exclusive is refused.
 *
 * Thread safety: an LcLockfile belongs to one thread at a time (its
 * LcStore's). Separate LcLockfile objects on the same path exclude each
 * other, in the same process too (open file description locks).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define LC_LOCKFILE_TOKEN_SIZE 64

typedef struct _LcLockfile LcLockfile;

/* Opens (creating it 0644, and its parent directory 0700) the lock file. */
LcLockfile *lc_lockfile_open (const char *path, gboolean read_only, GError **error);
void lc_lockfile_free (LcLockfile *self);
const char *lc_lockfile_get_path (LcLockfile *self);

/* Takes the lock, waiting (polling every 10 ms, as c/storage retries) until
 * it is free or @cancellable fires. */
gboolean lc_lockfile_lock (LcLockfile *self, gboolean exclusive, GCancellable *cancellable,
                           GError **error);
/* Like lc_lockfile_lock() but fails at once with LC_ERROR_LOCKED. */
gboolean lc_lockfile_try_lock (LcLockfile *self, gboolean exclusive, GError **error);
void lc_lockfile_unlock (LcLockfile *self);
gboolean lc_lockfile_is_locked (LcLockfile *self);

/* Compares the token on disk with the remembered one and remembers the
 * new value; *out_modified is TRUE when they differ (or the file holds less
 * than 64 bytes, as when nobody wrote it yet). A new LcLockfile remembers
 * nothing, so the first call answers TRUE. Call it with the lock held. */
gboolean lc_lockfile_modified (LcLockfile *self, gboolean *out_modified, GError **error);

/* Writes a fresh token and remembers it, so that our own change does not
 * look like somebody else's. Call it with the exclusive lock held. */
gboolean lc_lockfile_touch (LcLockfile *self, GError **error);

/* Fills @token with a fresh token (exposed for tests). */
void lc_lockfile_new_token (guint8 token[LC_LOCKFILE_TOKEN_SIZE]);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcLockfile, lc_lockfile_free)

G_END_DECLS
