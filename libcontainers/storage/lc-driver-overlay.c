/* lc-driver-overlay.c: the overlay driver's on-disk layout (spec §5).
 *
 * G/overlay/<id>/{diff,link,lower,work,merged,empty}, and G/overlay/l/<LINK>
 * -> ../<id>/diff short links that keep mount data under a page.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-driver-private.h"

#define MAX_LOWERS 128

static char *
layer_path (LcDriver *self, const char *id, const char *sub)
{
  return g_build_filename (self->home, id, sub, NULL);
}

static char *
read_small (const char *path)
{
  char *data = NULL;

  if (!g_file_get_contents (path, &data, NULL, NULL))
    return NULL;
  return g_strchomp (data);
}

static gboolean
write_small (const char *path, const char *text, GError **error)
{
  int fd = open (path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  gsize len = strlen (text);

  if (fd < 0)
    return lc_fail_errno (error, "creating %s", path);
  if (write (fd, text, len) != (ssize_t) len)
    {
      close (fd);
      return lc_fail_errno (error, "writing %s", path);
    }
  close (fd);
  return TRUE;
}

static char *
random_link_id (void)
{
  static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  guint8 b[17];
  char out[27];
  guint bits = 0, acc = 0, n = 0;

  if (getrandom (b, sizeof b, 0) != (ssize_t) sizeof b)
    for (gsize i = 0; i < sizeof b; i++)
      b[i] = (guint8) g_random_int ();
  for (gsize i = 0; i < sizeof b && n < 26; i++)
    {
      acc = (acc << 8) | b[i];
      bits += 8;
      while (bits >= 5 && n < 26)
        {
          out[n++] = alphabet[(acc >> (bits - 5)) & 31];
          bits -= 5;
        }
    }
  out[n] = '\0';
  return g_strdup (out);
}

static gboolean
overlay_init (LcDriver *self, GError **error)
{
  g_autofree char *l = g_build_filename (self->home, "l", NULL);

  if (g_mkdir_with_parents (self->home, 0700) < 0)
    return lc_fail_errno (error, "creating %s", self->home);
  if (mkdir (l, 0755) < 0 && errno != EEXIST)
    return lc_fail_errno (error, "creating %s", l);
  for (char **o = self->options; o && *o; o++)
    {
      g_autofree char *key = g_strndup (*o, strcspn (*o, "="));
      if (!g_strv_contains ((const char * const[]) { "mountopt", "skip_mount_home", "ignore_chown_errors",
                                                     "imagestore", "force_mask", "size", "inodes",
                                                     "mount_program", NULL }, key))
        return lc_fail (error, LC_ERROR_INVALID_CONFIG, "overlay: unknown option %s", *o);
      if (g_str_equal (key, "mount_program"))
        return lc_fail (error, LC_ERROR_UNSUPPORTED, "overlay: mount_program is not supported");
    }
  return TRUE;
}

static mode_t
diff_mode_for (LcDriver *self, const char *parent)
{
  struct stat st;
  g_autofree char *pdiff = NULL;

  if (parent == NULL)
    return 0555;
  pdiff = layer_path (self, parent, "diff");
  if (stat (pdiff, &st) == 0)
    return st.st_mode & 07777;
  return 0555;
}

/* Staging happens inside the driver home, in G/overlay/lcstage-XXXXXX/,
 * because podman bind-mounts G/overlay onto itself: a rename from G/tmp/
 * into it would cross mounts (EXDEV). The staging directory looks like a
 * layer directory (diff/, link, l/<LINK>), so that c/storage's scan of the
 * home (recreateSymlinks) finds nothing odd; it is not in layers.json, so
 * podman never touches it. */
static char *
overlay_stage (LcDriver *self, const char *parent, const char *staging_root, GError **error)
{
  g_autofree char *tmpl = g_build_filename (self->home, "lcstage-XXXXXX", NULL);
  g_autofree char *diff = NULL;
  g_autofree char *link_id = random_link_id ();
  g_autofree char *link_path = g_build_filename (self->home, "l", link_id, NULL);
  g_autofree char *link_file = NULL;
  g_autofree char *base = NULL;
  g_autofree char *target = NULL;

  if (g_mkdtemp_full (tmpl, 0700) == NULL)
    {
      lc_fail_errno (error, "creating a staging directory in %s", self->home);
      return NULL;
    }
  base = g_path_get_basename (tmpl);
  diff = g_build_filename (tmpl, "diff", NULL);
  link_file = g_build_filename (tmpl, "link", NULL);
  target = g_strconcat ("../", base, "/diff", NULL);
  if (mkdir (diff, 0700) < 0 || chmod (diff, diff_mode_for (self, parent)) < 0)
    {
      lc_fail_errno (error, "creating %s", diff);
      lc_storage_rm_rf (tmpl, NULL);
      return NULL;
    }
  if (!write_small (link_file, link_id, error) || symlink (target, link_path) < 0)
    {
      if (error != NULL && *error == NULL)
        lc_fail_errno (error, "creating %s", link_path);
      lc_storage_rm_rf (tmpl, NULL);
      return NULL;
    }
  return g_steal_pointer (&diff);
}

static void
overlay_discard_staged (LcDriver *self, const char *staged)
{
  g_autofree char *dir = g_path_get_dirname (staged);
  g_autofree char *link_file = g_build_filename (dir, "link", NULL);
  g_autofree char *link = read_small (link_file);

  if (link != NULL && *link != '\0' && strchr (link, '/') == NULL)
    {
      g_autofree char *l = g_build_filename (self->home, "l", link, NULL);
      unlink (l);
    }
  lc_storage_rm_rf (dir, NULL);
}

static gboolean
overlay_remove (LcDriver *self, const char *id, GError **error)
{
  g_autofree char *dir = g_build_filename (self->home, id, NULL);
  g_autofree char *link_file = layer_path (self, id, "link");
  g_autofree char *merged = layer_path (self, id, "merged");
  g_autofree char *link = read_small (link_file);

  if (link != NULL && *link != '\0' && strchr (link, '/') == NULL)
    {
      g_autofree char *l = g_build_filename (self->home, "l", link, NULL);
      unlink (l);
    }
  umount2 (merged, MNT_DETACH);   /* EINVAL when not mounted */
  return lc_storage_rm_rf (dir, error);
}

static gboolean
overlay_create (LcDriver *self, const char *id, const char *parent, const char *staged, GError **error)
{
  g_autofree char *dir = g_build_filename (self->home, id, NULL);
  g_autofree char *diff = layer_path (self, id, "diff");
  g_autofree char *link_id = random_link_id ();
  g_autofree char *link_path = g_build_filename (self->home, "l", link_id, NULL);
  g_autofree char *link_target = g_strconcat ("../", id, "/diff", NULL);
  g_autofree char *link_file = layer_path (self, id, "link");
  g_autofree char *work = layer_path (self, id, "work");
  g_autofree char *merged = layer_path (self, id, "merged");

  if (g_file_test (dir, G_FILE_TEST_EXISTS) && !overlay_remove (self, id, error))
    return FALSE;
  if (staged != NULL)
    {
      /* G/overlay/lcstage-X/ becomes G/overlay/<id>/; its l/ link is
       * pointed at the new name (a new symlink renamed over the old). */
      g_autofree char *staging = g_path_get_dirname (staged);
      g_autofree char *staged_link_file = g_build_filename (staging, "link", NULL);
      g_autofree char *staged_link = read_small (staged_link_file);
      g_autofree char *tmp_link = NULL;

      if (staged_link == NULL || strchr (staged_link, '/') != NULL || *staged_link == '\0')
        return lc_fail (error, LC_ERROR_FAILED, "staging directory %s has no link", staging);
      g_free (link_path);
      link_path = g_build_filename (self->home, "l", staged_link, NULL);
      tmp_link = g_strconcat (link_path, ".lctmp", NULL);
      if (rename (staging, dir) < 0)
        return lc_fail_errno (error, "moving %s into place", staging);
      unlink (tmp_link);
      if (symlink (link_target, tmp_link) < 0 || rename (tmp_link, link_path) < 0)
        return lc_fail_errno (error, "creating %s", link_path);
    }
  else
    {
      if (mkdir (dir, 0700) < 0)
        return lc_fail_errno (error, "creating %s", dir);
      if (mkdir (diff, 0700) < 0 || chmod (diff, diff_mode_for (self, parent)) < 0)
        return lc_fail_errno (error, "creating %s", diff);
      if (symlink (link_target, link_path) < 0)
        return lc_fail_errno (error, "creating %s", link_path);
      if (!write_small (link_file, link_id, error))
        return FALSE;
    }
  if (mkdir (work, 0700) < 0 || mkdir (merged, 0700) < 0)
    return lc_fail_errno (error, "creating %s/{work,merged}", dir);
  if (parent == NULL)
    {
      g_autofree char *empty = layer_path (self, id, "empty");
      if (mkdir (empty, 0700) < 0)
        return lc_fail_errno (error, "creating %s", empty);
    }
  else
    {
      g_autofree char *plink_file = layer_path (self, parent, "link");
      g_autofree char *plower_file = layer_path (self, parent, "lower");
      g_autofree char *plink = read_small (plink_file);
      g_autofree char *plower = read_small (plower_file);
      g_autofree char *lower = NULL;
      g_autofree char *lower_file = layer_path (self, id, "lower");

      if (plink == NULL)
        return lc_fail (error, LC_ERROR_CORRUPT_STORE, "parent layer %s has no link file", parent);
      lower = plower != NULL && *plower != '\0' ? g_strconcat ("l/", plink, ":", plower, NULL)
                                                : g_strconcat ("l/", plink, NULL);
      if (!write_small (lower_file, lower, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
overlay_exists (LcDriver *self, const char *id)
{
  g_autofree char *diff = layer_path (self, id, "diff");
  return g_file_test (diff, G_FILE_TEST_IS_DIR);
}

/* The lowers of @id as absolute G/overlay/l/<LINK> paths, nearest first. */
static GPtrArray *
overlay_lowers (LcDriver *self, const char *id, GError **error)
{
  g_autofree char *lower_file = layer_path (self, id, "lower");
  g_autofree char *lower = read_small (lower_file);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  if (lower != NULL && *lower != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (lower, ":", -1);
      for (char **p = parts; *p; p++)
        {
          if (!g_str_has_prefix (*p, "l/") || strchr (*p + 2, '/') != NULL || (*p)[2] == '\0')
            {
              g_ptr_array_unref (out);
              lc_fail (error, LC_ERROR_CORRUPT_STORE, "layer %s: bad lower entry \"%s\"", id, *p);
              return NULL;
            }
          g_ptr_array_add (out, g_build_filename (self->home, *p, NULL));
        }
    }
  if (out->len > MAX_LOWERS)
    {
      g_ptr_array_unref (out);
      lc_fail (error, LC_ERROR_UNSUPPORTED, "layer %s has more than %d lowers", id, MAX_LOWERS);
      return NULL;
    }
  return out;
}

static GPtrArray *
overlay_content_dirs (LcDriver *self, const char *id, GError **error)
{
  g_autoptr(GPtrArray) lowers = overlay_lowers (self, id, error);
  GPtrArray *dirs;

  if (lowers == NULL)
    return NULL;
  dirs = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (dirs, layer_path (self, id, "diff"));
  for (guint i = 0; i < lowers->len; i++)
    g_ptr_array_add (dirs, g_strdup (lowers->pdata[i]));
  return dirs;
}

/* Options that are mount flags, not overlay data (as c/storage's
 * mount.ParseOptions splits them). */
static gboolean
mount_flag_option (const char *opt, unsigned long *flags)
{
  static const struct { const char *name; gboolean clear; unsigned long flag; } table[] = {
    { "nodev", FALSE, MS_NODEV }, { "dev", TRUE, MS_NODEV },
    { "nosuid", FALSE, MS_NOSUID }, { "suid", TRUE, MS_NOSUID },
    { "noexec", FALSE, MS_NOEXEC }, { "exec", TRUE, MS_NOEXEC },
    { "sync", FALSE, MS_SYNCHRONOUS }, { "async", TRUE, MS_SYNCHRONOUS },
    { "noatime", FALSE, MS_NOATIME }, { "atime", TRUE, MS_NOATIME },
    { "nodiratime", FALSE, MS_NODIRATIME }, { "diratime", TRUE, MS_NODIRATIME },
    { "relatime", FALSE, MS_RELATIME }, { "norelatime", TRUE, MS_RELATIME },
    { "strictatime", FALSE, MS_STRICTATIME }, { "rw", TRUE, MS_RDONLY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_str_equal (opt, table[i].name))
      {
        if (table[i].clear)
          *flags &= ~table[i].flag;
        else
          *flags |= table[i].flag;
        return TRUE;
      }
  return FALSE;
}

static char *
overlay_mount (LcDriver *self, const char *id, gboolean read_only, const char *mount_options, GError **error)
{
  g_autoptr(GPtrArray) lowers = overlay_lowers (self, id, error);
  g_autofree char *merged = layer_path (self, id, "merged");
  g_autofree char *diff = layer_path (self, id, "diff");
  g_autofree char *work = layer_path (self, id, "work");
  const char *opts = mount_options ? mount_options : lc_driver_get_option (self, "mountopt");
  g_autoptr(GString) data = g_string_new ("lowerdir=");
  gboolean ro = read_only;
  unsigned long flags = 0;

  if (lowers == NULL)
    return NULL;
  if (opts != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (opts, ",", -1);
      for (char **p = parts; *p; p++)
        if (g_str_equal (*p, "ro"))
          ro = TRUE;
    }
  if (ro)
    {
      g_string_append (data, diff);
      if (lowers->len == 0)
        {
          g_autofree char *empty = layer_path (self, id, "empty");
          g_string_append_printf (data, ":%s", empty);
        }
    }
  for (guint i = 0; i < lowers->len; i++)
    g_string_append_printf (data, "%s%s", (ro || i > 0) ? ":" : "", (char *) lowers->pdata[i]);
  if (!ro)
    {
      if (lowers->len == 0)
        {
          g_autofree char *empty = layer_path (self, id, "empty");
          g_string_append (data, empty);
        }
      g_string_append_printf (data, ",upperdir=%s,workdir=%s", diff, work);
    }
  if (self->rootless)
    g_string_append (data, ",userxattr");
  if (opts != NULL && *opts != '\0')
    {
      g_auto(GStrv) parts = g_strsplit (opts, ",", -1);
      for (char **p = parts; *p; p++)
        if (**p != '\0' && !g_str_equal (*p, "ro") && !g_str_equal (*p, "metacopy=on") &&
            !mount_flag_option (*p, &flags))
          g_string_append_printf (data, ",%s", *p);
    }
  if (data->len >= 4096)
    {
      lc_fail (error, LC_ERROR_UNSUPPORTED, "overlay mount data for layer %s is too long", id);
      return NULL;
    }
  if (mkdir (merged, 0700) < 0 && errno != EEXIST)
    {
      lc_fail_errno (error, "creating %s", merged);
      return NULL;
    }
  /* As podman: the home is bind-mounted onto itself and made private
   * before the first layer mount. Otherwise podman's own bind mount, made
   * when it starts, would hide our mounts below it. */
  if (lc_driver_get_option (self, "skip_mount_home") == NULL && !lc_is_mount_point (self->home))
    {
      if (mount (self->home, self->home, "none", MS_BIND, NULL) < 0 ||
          mount ("none", self->home, "none", MS_PRIVATE, NULL) < 0)
        {
          lc_fail_errno (error, "making %s a private mount", self->home);
          return NULL;
        }
    }
  if (mount ("overlay", merged, "overlay", flags | (ro ? MS_RDONLY : 0), data->str) < 0)
    {
      lc_fail_errno (error, "mounting layer %s (%s)", id, data->str);
      return NULL;
    }
  lc_debug ("storage", "mounted %s: %s", merged, data->str);
  return g_steal_pointer (&merged);
}

static gboolean
overlay_unmount (LcDriver *self, const char *id, GError **error)
{
  g_autofree char *merged = layer_path (self, id, "merged");

  /* Podman bind-mounts G/overlay onto itself (recursively) when it
   * starts; a layer mounted before that is then mounted twice at the same
   * path, one copy stacked over the other. Unmount them all. */
  for (int i = 0; i < 16; i++)
    {
      if (umount2 (merged, MNT_DETACH) == 0)
        continue;
      if (errno == EINVAL || errno == ENOENT)
        break;
      return lc_fail_errno (error, "unmounting %s", merged);
    }
  if (rmdir (merged) < 0 && errno != ENOENT && errno != EBUSY)
    return lc_fail_errno (error, "removing %s", merged);
  return TRUE;
}

static void
overlay_cleanup (LcDriver *self)
{
  if (lc_driver_get_option (self, "skip_mount_home") == NULL && lc_is_mount_point (self->home))
    umount2 (self->home, MNT_DETACH);
}

const LcDriverClass lc_driver_overlay_class = {
  .name = "overlay",
  .whiteouts = LC_WHITEOUT_OVERLAY,
  .init = overlay_init,
  .stage = overlay_stage,
  .create = overlay_create,
  .discard_staged = overlay_discard_staged,
  .remove = overlay_remove,
  .exists = overlay_exists,
  .content_dirs = overlay_content_dirs,
  .mount = overlay_mount,
  .unmount = overlay_unmount,
  .cleanup = overlay_cleanup,
};
