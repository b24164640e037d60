/* test-tar-apply.c: applying layer tar streams: contents, whiteouts,
 * hostile entries, digests, tar-split round trip.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>

#include "common/lc-error-private.h"
#include "storage/lc-tar-private.h"
#include <zstd.h>

#include "storage-test-util.h"

typedef struct {
  char *tmp;
  char *root;
  char *outside;
} Fixture;

static int
setup (void **state)
{
  Fixture *f = g_new0 (Fixture, 1);

  f->tmp = test_mkdtemp ();
  f->root = g_build_filename (f->tmp, "root", NULL);
  f->outside = g_build_filename (f->tmp, "outside", NULL);
  mkdir (f->root, 0755);
  mkdir (f->outside, 0755);
  *state = f;
  return 0;
}

/* The same tests with the by-hand resolver used where openat2 is missing. */
static int
setup_walk (void **state)
{
  g_setenv ("LC_TEST_NO_OPENAT2", "1", TRUE);
  return setup (state);
}

static int
teardown (void **state)
{
  Fixture *f = *state;

  test_rmdir (f->tmp);
  g_free (f->root);
  g_free (f->outside);
  g_free (f);
  g_unsetenv ("LC_TEST_NO_OPENAT2");
  return 0;
}

static gboolean
apply (Fixture *f, GBytes *tar, LcWhiteoutMode mode, const char *tar_split, LcTarApplyResult *res,
       GError **error)
{
  g_autoptr(GInputStream) in = test_stream (tar);
  LcTarApplyOptions opts = { .whiteouts = mode, .allow_devices = FALSE };
  int fd = open (f->root, O_RDONLY | O_DIRECTORY);
  gboolean ok;

  if (tar_split != NULL)
    opts.tar_split = gzopen (tar_split, "wb1");
  ok = lc_tar_apply (in, fd, &opts, res, NULL, error);
  if (opts.tar_split != NULL)
    gzclose (opts.tar_split);
  close (fd);
  return ok;
}

static char *
root_path (Fixture *f, const char *rel)
{
  return g_build_filename (f->root, rel, NULL);
}

static void
test_tar_apply_creates_files_links_and_digests (void **state)
{
  Fixture *f = *state;
  TestTar *t = test_tar_new ();
  g_autoptr(GBytes) tar = NULL;
  g_autoptr(GBytes) gz = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *want = NULL, *want_c = NULL, *content = NULL;
  g_autofree char *p_file = root_path (f, "etc/passwd");
  g_autofree char *p_hl = root_path (f, "etc/hl");
  g_autofree char *p_sl = root_path (f, "etc/sl");
  g_autofree char *ts = g_build_filename (f->tmp, "ts.gz", NULL);
  LcTarApplyResult res = { 0 };
  struct stat a, b;

  test_tar_dir (t, "etc/");
  test_tar_file (t, "etc/passwd", "root:x:0:0::/root:/bin/sh\n");
  test_tar_add (t, "etc/hl", AE_IFREG, 0644, NULL, "etc/passwd", TRUE);
  test_tar_add (t, "etc/sl", AE_IFLNK, 0777, NULL, "passwd", FALSE);
  test_tar_add (t, "run/fifo", AE_IFIFO, 0600, NULL, NULL, FALSE);
  tar = test_tar_finish (t);
  gz = test_gzip (tar);
  want = test_sha256 (tar);
  want_c = test_sha256 (gz);

  assert_true (apply (f, gz, LC_WHITEOUT_OVERLAY, ts, &res, &error));
  assert_null (error);
  assert_string_equal (res.diff_digest, want);
  assert_string_equal (res.compressed_digest, want_c);
  assert_int_equal (res.diff_size, g_bytes_get_size (tar));
  assert_int_equal (res.compressed_size, g_bytes_get_size (gz));
  assert_int_equal (res.compression, LC_LAYER_COMPRESSION_GZIP);
  assert_int_equal (res.uids->len, 1);

  assert_true (g_file_get_contents (p_file, &content, NULL, NULL));
  assert_string_equal (content, "root:x:0:0::/root:/bin/sh\n");
  assert_int_equal (stat (p_file, &a), 0);
  assert_int_equal (stat (p_hl, &b), 0);
  assert_true (a.st_ino == b.st_ino);
  assert_int_equal (a.st_mtime, 1700000000);
  assert_int_equal (lstat (p_sl, &b), 0);
  assert_true (S_ISLNK (b.st_mode));

  /* Tar-split + the tree give back the very same bytes. */
  {
    g_autoptr(GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
    g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();
    g_autoptr(GBytes) rebuilt = NULL;

    g_ptr_array_add (dirs, g_strdup (f->root));
    assert_true (lc_tar_split_rebuild (ts, dirs, out, NULL, &error));
    g_output_stream_close (out, NULL, NULL);
    rebuilt = g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
    assert_true (g_bytes_equal (rebuilt, tar));
  }
  lc_tar_apply_result_clear (&res);
}

static void
test_tar_apply_converts_whiteouts_for_overlay (void **state)
{
  Fixture *f = *state;
  TestTar *t = test_tar_new ();
  g_autoptr(GBytes) tar = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *p_x = root_path (f, "bin/echo");
  g_autofree char *p_d = root_path (f, "d");
  g_autofree char *p_wh = root_path (f, "bin/.wh.echo");
  LcTarApplyResult res = { 0 };
  struct stat st;
  char value[8] = "";

  test_tar_dir (t, "bin/");
  test_tar_file (t, "bin/.wh.echo", NULL);
  test_tar_dir (t, "d/");
  test_tar_file (t, "d/.wh..wh..opq", NULL);
  test_tar_file (t, "d/b", "b");
  tar = test_tar_finish (t);

  assert_true (apply (f, tar, LC_WHITEOUT_OVERLAY, NULL, &res, &error));
  assert_int_equal (lstat (p_x, &st), 0);
  assert_true (S_ISCHR (st.st_mode));
  assert_int_equal (st.st_rdev, makedev (0, 0));
  assert_int_equal (st.st_mode & 07777, 0);
  assert_int_equal (lstat (p_wh, &st), -1);
  assert_int_equal (lgetxattr (p_d, "trusted.overlay.opaque", value, sizeof value), 1);
  assert_int_equal (value[0], 'y');
  lc_tar_apply_result_clear (&res);
}

static void
test_tar_apply_deletes_whiteouts_for_vfs (void **state)
{
  Fixture *f = *state;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) base = NULL, top = NULL;
  g_autofree char *p_a = root_path (f, "a");
  g_autofree char *p_old = root_path (f, "d/old");
  g_autofree char *p_new = root_path (f, "d/new");
  g_autofree char *p_keep = root_path (f, "keep");
  LcTarApplyResult res = { 0 };
  TestTar *t = test_tar_new ();

  test_tar_file (t, "a", "a");
  test_tar_file (t, "keep", "k");
  test_tar_dir (t, "d/");
  test_tar_file (t, "d/old", "o");
  base = test_tar_finish (t);
  assert_true (apply (f, base, LC_WHITEOUT_DELETE, NULL, &res, &error));
  lc_tar_apply_result_clear (&res);

  t = test_tar_new ();
  test_tar_file (t, ".wh.a", NULL);
  test_tar_dir (t, "d/");
  test_tar_file (t, "d/.wh..wh..opq", NULL);
  test_tar_file (t, "d/new", "n");
  top = test_tar_finish (t);
  assert_true (apply (f, top, LC_WHITEOUT_DELETE, NULL, &res, &error));
  assert_false (g_file_test (p_a, G_FILE_TEST_EXISTS));
  assert_false (g_file_test (p_old, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (p_new, G_FILE_TEST_EXISTS));
  assert_true (g_file_test (p_keep, G_FILE_TEST_EXISTS));
  lc_tar_apply_result_clear (&res);
}

static void
assert_outside_untouched (Fixture *f)
{
  g_autofree char *victim = g_build_filename (f->outside, "victim", NULL);
  g_autofree char *content = NULL;
  GDir *dir;
  int n = 0;

  assert_true (g_file_get_contents (victim, &content, NULL, NULL));
  assert_string_equal (content, "original");
  dir = g_dir_open (f->outside, 0, NULL);
  while (g_dir_read_name (dir) != NULL)
    n++;
  g_dir_close (dir);
  assert_int_equal (n, 1);
}

/* Applies @tar in a fresh root; whether it fails or not, nothing outside
 * the root may change. Returns whether it succeeded. */
static gboolean
apply_hostile (Fixture *f, GBytes *tar)
{
  g_autoptr(GError) error = NULL;
  LcTarApplyResult res = { 0 };
  gboolean ok;

  lc_storage_rm_rf (f->root, NULL);
  mkdir (f->root, 0755);
  ok = apply (f, tar, LC_WHITEOUT_OVERLAY, NULL, &res, &error);
  assert_true (ok == (error == NULL));
  lc_tar_apply_result_clear (&res);
  assert_outside_untouched (f);
  return ok;
}

/* Nothing a layer says may create or change anything outside its root. */
static void
test_tar_apply_keeps_hostile_entries_inside_the_root (void **state)
{
  Fixture *f = *state;
  g_autofree char *victim = g_build_filename (f->outside, "victim", NULL);
  g_autofree char *victim_abs = g_build_filename (f->outside, "victim", NULL);
  TestTar *t;
  struct stat st;

  g_assert (g_file_set_contents (victim, "original", -1, NULL));

  /* 1. ../ and absolute names land inside. */
  t = test_tar_new ();
  test_tar_file (t, "../../../outside/dotdot", "x");
  test_tar_file (t, "/outside/abs", "x");
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    g_autofree char *a = NULL, *b = NULL;
    assert_true (apply_hostile (f, tar));
    a = root_path (f, "outside/dotdot");
    b = root_path (f, "outside/abs");
    assert_true (g_file_test (a, G_FILE_TEST_IS_REGULAR));
    assert_true (g_file_test (b, G_FILE_TEST_IS_REGULAR));
  }

  /* 2. an absolute symlink to the outside, then a file through it. */
  t = test_tar_new ();
  test_tar_add (t, "esc", AE_IFLNK, 0777, NULL, f->outside, FALSE);
  test_tar_file (t, "esc/victim", "overwritten");
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    apply_hostile (f, tar);
  }

  /* 3. a relative symlink climbing up, used as a parent directory. */
  t = test_tar_new ();
  test_tar_dir (t, "outside/");
  test_tar_add (t, "up", AE_IFLNK, 0777, NULL, "../../../../../../../outside", FALSE);
  test_tar_file (t, "up/victim", "overwritten");
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    g_autofree char *in = root_path (f, "outside/victim");
    assert_true (apply_hostile (f, tar));
    assert_true (g_file_test (in, G_FILE_TEST_IS_REGULAR));
  }

  /* 4. hard links to a file outside, relative and absolute. */
  t = test_tar_new ();
  test_tar_add (t, "hl", AE_IFREG, 0644, NULL, "../outside/victim", TRUE);
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    assert_false (apply_hostile (f, tar));
  }
  t = test_tar_new ();
  test_tar_add (t, "hl", AE_IFREG, 0644, NULL, victim_abs, TRUE);
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    assert_false (apply_hostile (f, tar));
  }

  /* 5. a symlink to the outside victim, then a regular file at the same
   * name: the link is replaced, never followed. */
  t = test_tar_new ();
  test_tar_add (t, "link", AE_IFLNK, 0777, NULL, victim_abs, FALSE);
  test_tar_file (t, "link", "overwritten");
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    g_autofree char *l = root_path (f, "link");
    assert_true (apply_hostile (f, tar));
    assert_int_equal (lstat (l, &st), 0);
    assert_true (S_ISREG (st.st_mode));
  }

  /* 6. a whiteout through a symlinked parent. */
  t = test_tar_new ();
  test_tar_add (t, "esc", AE_IFLNK, 0777, NULL, f->outside, FALSE);
  test_tar_file (t, "esc/.wh.victim", NULL);
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    apply_hostile (f, tar);
  }

  /* 7. device nodes are skipped when not permitted. */
  t = test_tar_new ();
  {
    struct archive_entry *e = archive_entry_new ();
    archive_entry_set_pathname (e, "dev/sda");
    archive_entry_set_filetype (e, AE_IFBLK);
    archive_entry_set_perm (e, 0600);
    archive_entry_set_rdevmajor (e, 8);
    archive_entry_set_rdevminor (e, 0);
    archive_write_header (t->a, e);
    archive_entry_free (e);
  }
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    g_autofree char *dev = root_path (f, "dev/sda");
    assert_true (apply_hostile (f, tar));
    assert_int_equal (lstat (dev, &st), -1);
  }

  /* 8. an entry replacing the root is refused. */
  t = test_tar_new ();
  test_tar_file (t, "./", "x");
  {
    g_autoptr(GBytes) tar = test_tar_finish (t);
    assert_false (apply_hostile (f, tar));
  }
}

static void
test_tar_apply_rejects_garbage (void **state)
{
  Fixture *f = *state;
  g_autoptr(GBytes) junk = g_bytes_new_static ("this is not a tar stream at all, not even close", 47);
  g_autoptr(GError) error = NULL;
  LcTarApplyResult res = { 0 };

  assert_false (apply (f, junk, LC_WHITEOUT_OVERLAY, NULL, &res, &error));
  assert_non_null (error);
  lc_tar_apply_result_clear (&res);
}

static void
test_tar_apply_reads_multi_member_gzip_zstd_and_rejects_truncation (void **state)
{
  Fixture *f = *state;
  TestTar *t = test_tar_new ();
  g_autoptr(GBytes) tar = NULL, part1 = NULL, part2 = NULL, gz1 = NULL, gz2 = NULL, multi = NULL;
  g_autoptr(GBytes) zst = NULL, cut = NULL;
  g_autoptr(GByteArray) cat = g_byte_array_new ();
  g_autofree char *want = NULL;
  g_autoptr(GError) error = NULL;
  LcTarApplyResult res = { 0 };
  gsize len, half;
  const guint8 *d;

  test_tar_file (t, "a", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
  test_tar_file (t, "b", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  tar = test_tar_finish (t);
  want = test_sha256 (tar);
  d = g_bytes_get_data (tar, &len);
  half = len / 2;
  part1 = g_bytes_new (d, half);
  part2 = g_bytes_new (d + half, len - half);
  gz1 = test_gzip (part1);
  gz2 = test_gzip (part2);
  g_byte_array_append (cat, g_bytes_get_data (gz1, NULL), (guint) g_bytes_get_size (gz1));
  g_byte_array_append (cat, g_bytes_get_data (gz2, NULL), (guint) g_bytes_get_size (gz2));
  multi = g_bytes_new (cat->data, cat->len);
  assert_true (apply (f, multi, LC_WHITEOUT_OVERLAY, NULL, &res, &error));
  assert_string_equal (res.diff_digest, want);
  lc_tar_apply_result_clear (&res);

  {
    gsize bound = ZSTD_compressBound (len);
    guint8 *buf = g_malloc (bound);
    gsize n = ZSTD_compress (buf, bound, d, len, 3);
    assert_false (ZSTD_isError (n));
    zst = g_bytes_new_take (buf, n);
  }
  lc_storage_rm_rf (f->root, NULL);
  mkdir (f->root, 0755);
  assert_true (apply (f, zst, LC_WHITEOUT_OVERLAY, NULL, &res, &error));
  assert_string_equal (res.diff_digest, want);
  assert_int_equal (res.compression, LC_LAYER_COMPRESSION_ZSTD);
  lc_tar_apply_result_clear (&res);

  cut = g_bytes_new (g_bytes_get_data (gz1, NULL), g_bytes_get_size (gz1) - 5);
  lc_storage_rm_rf (f->root, NULL);
  mkdir (f->root, 0755);
  assert_false (apply (f, cut, LC_WHITEOUT_OVERLAY, NULL, &res, &error));
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_DATA));
  lc_tar_apply_result_clear (&res);
}

static void
test_crc64_iso_matches_go (void **state)
{
  (void) state;
  /* Go: crc64.Checksum([]byte("123456789"), crc64.MakeTable(crc64.ISO)) */
  assert_true (lc_crc64_iso_update (0, (const guint8 *) "123456789", 9) == G_GUINT64_CONSTANT (0xb90956c775a41001));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown (test_tar_apply_creates_files_links_and_digests, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_converts_whiteouts_for_overlay, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_deletes_whiteouts_for_vfs, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_keeps_hostile_entries_inside_the_root, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_rejects_garbage, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_reads_multi_member_gzip_zstd_and_rejects_truncation, setup, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_creates_files_links_and_digests, setup_walk, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_converts_whiteouts_for_overlay, setup_walk, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_deletes_whiteouts_for_vfs, setup_walk, teardown),
    cmocka_unit_test_setup_teardown (test_tar_apply_keeps_hostile_entries_inside_the_root, setup_walk, teardown),
    cmocka_unit_test (test_crc64_iso_matches_go),
  };
  return cmocka_run_group_tests_name ("tar-apply", tests, NULL, NULL);
}
