/* lc-driver.c: driver selection, the vfs driver, and tree copying.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-driver-private.h"

LcDriver *
lc_driver_new (const char *name, const char *graph_root, const char *run_root,
               const char * const *options, gboolean rootless, GError **error)
{
  const LcDriverClass *klass = NULL;
  g_autoptr(LcDriver) self = NULL;
  GPtrArray *opts;

  if (g_str_equal (name, "overlay") || g_str_equal (name, "overlay2"))
    klass = &lc_driver_overlay_class;
  else if (g_str_equal (name, "vfs"))
    klass = &lc_driver_vfs_class;
  else
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED, "storage driver \"%s\" is not supported", name);
      return NULL;
    }
  self = g_new0 (LcDriver, 1);
  self->klass = klass;
  self->graph_root = g_strdup (graph_root);
  self->run_root = g_strdup (run_root);
  self->home = g_build_filename (graph_root, klass->name, NULL);
  self->rootless = rootless;
  opts = g_ptr_array_new ();
  for (const char * const *o = options; o != NULL && *o != NULL; o++)
    {
      const char *opt = *o;
      g_autofree char *prefix = g_strconcat (klass->name, ".", NULL);

      /* "<drv>.key=value", "overlay2.key=value", ".key=value", or plain */
      if (g_str_has_prefix (opt, prefix))
        opt += strlen (prefix);
      else if (g_str_has_prefix (opt, "overlay2."))
        opt += strlen ("overlay2.");
      else if (opt[0] == '.')
        opt++;
      else if (strchr (opt, '.') != NULL && strchr (opt, '.') < strchr (opt, '=') )
        continue;   /* another driver's option */
      g_ptr_array_add (opts, g_strdup (opt));
    }
  g_ptr_array_add (opts, NULL);
  self->options = (char **) g_ptr_array_free (opts, FALSE);
  if (klass->init != NULL && !klass->init (self, error))
    return NULL;
  return g_steal_pointer (&self);
}

void
lc_driver_free (LcDriver *self)
{
  if (self == NULL)
    return;
  g_free (self->home);
  g_free (self->graph_root);
  g_free (self->run_root);
  g_strfreev (self->options);
  g_free (self);
}

const char *
lc_driver_get_option (LcDriver *self, const char *key)
{
  gsize klen = strlen (key);

  for (char **o = self->options; o && *o; o++)
    if (strncmp (*o, key, klen) == 0 && (*o)[klen] == '=')
      return *o + klen + 1;
  return NULL;
}

/* ---- mounts ---------------------------------------------------------------- */

gboolean
lc_is_mount_point (const char *path)
{
  g_autofree char *data = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/self/mountinfo", &data, NULL, NULL))
    return FALSE;
  lines = g_strsplit (data, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      g_auto(GStrv) f = g_strsplit (*l, " ", 6);
      if (g_strv_length (f) >= 5)
        {
          g_autofree char *mp = g_strcompress (f[4]);   /* octal escapes like \040 */
          if (g_str_equal (mp, path))
            return TRUE;
        }
    }
  return FALSE;
}

/* ---- copying trees (vfs layers over a parent) ------------------------- */

typedef struct {
  dev_t dev;
  ino_t ino;
} InodeKey;

static guint
inode_hash (gconstpointer p)
{
  const InodeKey *k = p;
  return (guint) (k->ino ^ (k->dev << 7));
}

static gboolean
inode_equal (gconstpointer a, gconstpointer b)
{
  const InodeKey *x = a, *y = b;
  return x->dev == y->dev && x->ino == y->ino;
}

static gboolean
copy_xattrs (const char *src, const char *dst, GError **error)
{
  char names[16384];
  ssize_t len = llistxattr (src, names, sizeof names);

  if (len < 0)
    return errno == ENOTSUP ? TRUE : lc_fail_errno (error, "listing xattrs of %s", src);
  for (char *n = names; n < names + len; n += strlen (n) + 1)
    {
      char value[65536];
      ssize_t vlen = lgetxattr (src, n, value, sizeof value);

      if (vlen < 0)
        continue;
      if (lsetxattr (dst, n, value, (size_t) vlen, 0) < 0 && errno != ENOTSUP && errno != EPERM)
        return lc_fail_errno (error, "copying xattr %s to %s", n, dst);
    }
  return TRUE;
}

static gboolean
copy_file_data (const char *src, const char *dst, mode_t mode, GError **error)
{
  int in = open (src, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  int out;
  gboolean ok = TRUE;

  if (in < 0)
    return lc_fail_errno (error, "opening %s", src);
  out = open (dst, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
  if (out < 0)
    {
      close (in);
      return lc_fail_errno (error, "creating %s", dst);
    }
  if (ioctl (out, FICLONE, in) < 0)
    {
      for (;;)
        {
          ssize_t n = copy_file_range (in, NULL, out, NULL, 1 << 30, 0);
          if (n == 0)
            break;
          if (n < 0)
            {
              char buf[65536];
              ssize_t r;
              if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP)
                {
                  ok = lc_fail_errno (error, "copying %s", src);
                  break;
                }
              while ((r = read (in, buf, sizeof buf)) > 0)
                if (write (out, buf, (size_t) r) != r)
                  {
                    ok = lc_fail_errno (error, "copying %s", src);
                    break;
                  }
              break;
            }
        }
    }
  close (in);
  close (out);
  return ok;
}

static gboolean
copy_meta (const char *dst, const struct stat *st, gboolean symlink, GError **error)
{
  struct timespec times[2] = { st->st_atim, st->st_mtim };

  if (lchown (dst, st->st_uid, st->st_gid) < 0 && errno != EPERM)
    return lc_fail_errno (error, "chown %s", dst);
  if (!symlink && chmod (dst, st->st_mode & 07777) < 0)
    return lc_fail_errno (error, "chmod %s", dst);
  utimensat (AT_FDCWD, dst, times, AT_SYMLINK_NOFOLLOW);
  return TRUE;
}

static gboolean
copy_tree_rec (const char *src, const char *dst, GHashTable *inodes, GError **error)
{
  struct stat st;

  if (lstat (src, &st) < 0)
    return lc_fail_errno (error, "stat %s", src);

  if (!S_ISDIR (st.st_mode) && st.st_nlink > 1)
    {
      InodeKey key = { st.st_dev, st.st_ino };
      const char *first = g_hash_table_lookup (inodes, &key);
      if (first != NULL)
        {
          if (link (first, dst) < 0)
            return lc_fail_errno (error, "linking %s", dst);
          return TRUE;
        }
      g_hash_table_insert (inodes, g_memdup2 (&key, sizeof key), g_strdup (dst));
    }

  if (S_ISDIR (st.st_mode))
    {
      DIR *d;
      struct dirent *de;

      if (mkdir (dst, 0700) < 0 && errno != EEXIST)
        return lc_fail_errno (error, "creating %s", dst);
      d = opendir (src);
      if (d == NULL)
        return lc_fail_errno (error, "opening %s", src);
      while ((de = readdir (d)) != NULL)
        {
          g_autofree char *s = NULL, *t = NULL;
          if (g_str_equal (de->d_name, ".") || g_str_equal (de->d_name, ".."))
            continue;
          s = g_build_filename (src, de->d_name, NULL);
          t = g_build_filename (dst, de->d_name, NULL);
          if (!copy_tree_rec (s, t, inodes, error))
            {
              closedir (d);
              return FALSE;
            }
        }
      closedir (d);
    }
  else if (S_ISREG (st.st_mode))
    {
      if (!copy_file_data (src, dst, st.st_mode, error))
        return FALSE;
    }
  else if (S_ISLNK (st.st_mode))
    {
      g_autofree char *target = g_file_read_link (src, NULL);
      if (target == NULL || symlink (target, dst) < 0)
        return lc_fail_errno (error, "copying symlink %s", src);
    }
  else if (mknod (dst, st.st_mode, st.st_rdev) < 0)
    return lc_fail_errno (error, "copying device %s", src);

  if (!S_ISLNK (st.st_mode) && !copy_xattrs (src, dst, error))
    return FALSE;
  return copy_meta (dst, &st, S_ISLNK (st.st_mode), error);
}

gboolean
lc_copy_tree (const char *src, const char *dst, GError **error)
{
  g_autoptr(GHashTable) inodes = g_hash_table_new_full (inode_hash, inode_equal, g_free, g_free);

  return copy_tree_rec (src, dst, inodes, error);
}

/* ---- vfs ---------------------------------------------------------------- */

static char *
vfs_dir (LcDriver *self, const char *id)
{
  return g_build_filename (self->home, "dir", id, NULL);
}

static gboolean
vfs_init (LcDriver *self, GError **error)
{
  g_autofree char *dir = g_build_filename (self->home, "dir", NULL);

  if (g_mkdir_with_parents (dir, 0700) < 0)
    return lc_fail_errno (error, "creating %s", dir);
  return TRUE;
}

static char *
vfs_stage (LcDriver *self, const char *parent, const char *staging_root, GError **error)
{
  g_autofree char *tmpl = g_build_filename (staging_root, "lc-layer-XXXXXX", NULL);
  g_autofree char *dir = NULL;

  if (g_mkdtemp_full (tmpl, 0700) == NULL)
    {
      lc_fail_errno (error, "creating a staging directory in %s", staging_root);
      return NULL;
    }
  dir = g_build_filename (tmpl, "dir", NULL);
  if (parent != NULL)
    {
      g_autofree char *pdir = vfs_dir (self, parent);
      if (!lc_copy_tree (pdir, dir, error))
        {
          lc_storage_rm_rf (tmpl, NULL);
          return NULL;
        }
    }
  else if (mkdir (dir, 0555) < 0)
    {
      lc_fail_errno (error, "creating %s", dir);
      return NULL;
    }
  return g_steal_pointer (&dir);
}

static gboolean
vfs_create (LcDriver *self, const char *id, const char *parent, const char *staged, GError **error)
{
  g_autofree char *dir = vfs_dir (self, id);

  if (!lc_storage_rm_rf (dir, error))
    return FALSE;
  if (staged != NULL)
    {
      g_autofree char *staging = g_path_get_dirname (staged);
      if (rename (staged, dir) < 0)
        return lc_fail_errno (error, "moving %s into place", staged);
      rmdir (staging);
      return TRUE;
    }
  if (parent != NULL)
    {
      g_autofree char *pdir = vfs_dir (self, parent);
      return lc_copy_tree (pdir, dir, error);
    }
  if (mkdir (dir, 0555) < 0)
    return lc_fail_errno (error, "creating %s", dir);
  return TRUE;
}

static void
vfs_discard_staged (LcDriver *self, const char *staged)
{
  g_autofree char *dir = g_path_get_dirname (staged);
  lc_storage_rm_rf (dir, NULL);
}

static gboolean
vfs_remove (LcDriver *self, const char *id, GError **error)
{
  g_autofree char *dir = vfs_dir (self, id);
  return lc_storage_rm_rf (dir, error);
}

static gboolean
vfs_exists (LcDriver *self, const char *id)
{
  g_autofree char *dir = vfs_dir (self, id);
  return g_file_test (dir, G_FILE_TEST_IS_DIR);
}

static GPtrArray *
vfs_content_dirs (LcDriver *self, const char *id, GError **error)
{
  GPtrArray *dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (dirs, vfs_dir (self, id));
  return dirs;
}

static char *
vfs_mount (LcDriver *self, const char *id, gboolean read_only, const char *mount_options, GError **error)
{
  if (mount_options != NULL && *mount_options != '\0' && !g_str_equal (mount_options, "ro"))
    {
      lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "vfs accepts only the \"ro\" mount option");
      return NULL;
    }
  return vfs_dir (self, id);
}

static gboolean
vfs_unmount (LcDriver *self, const char *id, GError **error)
{
  return TRUE;
}

const LcDriverClass lc_driver_vfs_class = {
  .name = "vfs",
  .whiteouts = LC_WHITEOUT_DELETE,
  .init = vfs_init,
  .stage = vfs_stage,
  .create = vfs_create,
  .discard_staged = vfs_discard_staged,
  .remove = vfs_remove,
  .exists = vfs_exists,
  .content_dirs = vfs_content_dirs,
  .mount = vfs_mount,
  .unmount = vfs_unmount,
};
