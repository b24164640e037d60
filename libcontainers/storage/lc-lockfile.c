/* lc-lockfile.c: fcntl record locks and last-writer tokens, as c/storage.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-lockfile-private.h"

struct _LcLockfile
{
  char *path;
  int fd;
  gboolean read_only;
  guint count;
  gboolean exclusive;
  gboolean have_token;
  guint8 token[LC_LOCKFILE_TOKEN_SIZE];
};

static guint64 token_counter;

void
lc_lockfile_new_token (guint8 token[LC_LOCKFILE_TOKEN_SIZE])
{
  struct timespec ts;
  guint64 now, counter;
  guint32 pid = (guint32) getpid ();
  gsize got = 0;

  clock_gettime (CLOCK_REALTIME, &ts);
  now = GUINT64_TO_LE ((guint64) ts.tv_sec * G_GUINT64_CONSTANT (1000000000) + (guint64) ts.tv_nsec);
  counter = GUINT64_TO_LE (__atomic_add_fetch (&token_counter, 1, __ATOMIC_SEQ_CST));
  pid = GUINT32_TO_LE (pid);
  memcpy (token, &now, 8);
  memcpy (token + 8, &counter, 8);
  memcpy (token + 16, &pid, 4);
  while (got < LC_LOCKFILE_TOKEN_SIZE - 20)
    {
      ssize_t n = getrandom (token + 20 + got, LC_LOCKFILE_TOKEN_SIZE - 20 - got, 0);
      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          /* Never happens on Linux >= 3.17; fall back to GLib's PRNG. */
          for (; got < LC_LOCKFILE_TOKEN_SIZE - 20; got++)
            token[20 + got] = (guint8) g_random_int ();
          break;
        }
      got += (gsize) n;
    }
}

LcLockfile *
lc_lockfile_open (const char *path, gboolean read_only, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  LcLockfile *self;
  int fd;

  if (!read_only && g_mkdir_with_parents (dir, 0700) < 0)
    {
      lc_fail_errno (error, "creating %s", dir);
      return NULL;
    }
  fd = open (path, (read_only ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      lc_fail_errno (error, "opening lock file %s", path);
      return NULL;
    }
  self = g_new0 (LcLockfile, 1);
  self->path = g_strdup (path);
  self->fd = fd;
  self->read_only = read_only;
  return self;
}

void
lc_lockfile_free (LcLockfile *self)
{
  if (self == NULL)
    return;
  if (self->fd >= 0)
    close (self->fd);   /* drops an OFD lock still held */
  g_free (self->path);
  g_free (self);
}

const char *
lc_lockfile_get_path (LcLockfile *self)
{
  return self->path;
}

gboolean
lc_lockfile_is_locked (LcLockfile *self)
{
  return self->count > 0;
}

static int
set_lock (LcLockfile *self, short type, gboolean wait)
{
  struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0, .l_pid = 0 };

  for (;;)
    {
      if (fcntl (self->fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl) == 0)
        return 0;
      if (errno != EINTR)
        return errno;
    }
}

static gboolean
lock_common (LcLockfile *self, gboolean exclusive, gboolean wait, GCancellable *cancellable,
             GError **error)
{
  int err;

  if (exclusive && self->read_only)
    return lc_fail (error, LC_ERROR_PERMISSION_DENIED, "%s is read-only: cannot lock it for writing", self->path);
  if (self->count > 0)
    {
      if (exclusive && !self->exclusive)
        return lc_fail (error, LC_ERROR_FAILED, "%s: cannot upgrade a shared lock to exclusive", self->path);
      self->count++;
      return TRUE;
    }
  for (;;)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      err = set_lock (self, exclusive ? F_WRLCK : F_RDLCK, FALSE);
      if (err == 0)
        break;
      if (err != EAGAIN && err != EACCES)
        return lc_fail_errno_value (error, err, "locking %s", self->path);
      if (!wait)
        return lc_fail (error, LC_ERROR_LOCKED, "%s is locked by another process", self->path);
      g_usleep (10 * 1000);
    }
  self->count = 1;
  self->exclusive = exclusive;
  return TRUE;
}

gboolean
lc_lockfile_lock (LcLockfile *self, gboolean exclusive, GCancellable *cancellable, GError **error)
{
  return lock_common (self, exclusive, TRUE, cancellable, error);
}

gboolean
lc_lockfile_try_lock (LcLockfile *self, gboolean exclusive, GError **error)
{
  return lock_common (self, exclusive, FALSE, NULL, error);
}

void
lc_lockfile_unlock (LcLockfile *self)
{
  g_return_if_fail (self->count > 0);
  if (--self->count > 0)
    return;
  if (set_lock (self, F_UNLCK, FALSE) != 0)
    lc_warning ("storage", "unlocking %s: %s", self->path, g_strerror (errno));
  self->exclusive = FALSE;
}

gboolean
lc_lockfile_modified (LcLockfile *self, gboolean *out_modified, GError **error)
{
  guint8 buf[LC_LOCKFILE_TOKEN_SIZE];
  ssize_t n;

  n = pread (self->fd, buf, sizeof buf, 0);
  if (n < 0)
    return lc_fail_errno (error, "reading %s", self->path);
  if (n < (ssize_t) sizeof buf)
    {
      /* Never written (or an empty file made by somebody else): there is
       * no token to compare, so the data must be read. */
      *out_modified = TRUE;
      self->have_token = FALSE;
      return TRUE;
    }
  *out_modified = !self->have_token || memcmp (buf, self->token, sizeof buf) != 0;
  memcpy (self->token, buf, sizeof buf);
  self->have_token = TRUE;
  return TRUE;
}

gboolean
lc_lockfile_touch (LcLockfile *self, GError **error)
{
  guint8 token[LC_LOCKFILE_TOKEN_SIZE];
  ssize_t n;

  g_return_val_if_fail (self->count > 0 && self->exclusive, FALSE);
  lc_lockfile_new_token (token);
  n = pwrite (self->fd, token, sizeof token, 0);
  if (n != (ssize_t) sizeof token)
    return lc_fail_errno (error, "writing the token of %s", self->path);
  memcpy (self->token, token, sizeof token);
  self->have_token = TRUE;
  return TRUE;
}
