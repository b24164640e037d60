/* storage-test-util.h: helpers shared by the storage unit tests: temp
 * dirs, tar streams built in memory with libarchive, and a temporary
 * store with its set-up and tear-down.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <gio/gio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "containers/containers.h"
#include "storage/lc-driver-private.h"

typedef struct {
  struct archive *a;
  GByteArray *buf;
} TestTar;

static la_ssize_t
test_tar_write_cb (struct archive *a, void *user, const void *data, size_t len)
{
  TestTar *t = user;
  (void) a;
  g_byte_array_append (t->buf, data, (guint) len);
  return (la_ssize_t) len;
}

static inline TestTar *
test_tar_new (void)
{
  TestTar *t = g_new0 (TestTar, 1);

  t->buf = g_byte_array_new ();
  t->a = archive_write_new ();
  archive_write_set_format_pax_restricted (t->a);
  archive_write_set_bytes_per_block (t->a, 10240);
  archive_write_open (t->a, t, NULL, test_tar_write_cb, NULL);
  return t;
}

static inline void
test_tar_add (TestTar *t, const char *name, mode_t type, mode_t perm, const char *data,
              const char *link, gboolean hard)
{
  struct archive_entry *e = archive_entry_new ();
  gsize len = data ? strlen (data) : 0;

  archive_entry_set_pathname (e, name);
  archive_entry_set_filetype (e, type);
  archive_entry_set_perm (e, perm);
  archive_entry_set_uid (e, 0);
  archive_entry_set_gid (e, 0);
  archive_entry_set_mtime (e, 1700000000, 0);
  if (link != NULL && hard)
    archive_entry_set_hardlink (e, link);
  else if (link != NULL)
    archive_entry_set_symlink (e, link);
  archive_entry_set_size (e, (la_int64_t) len);
  archive_write_header (t->a, e);
  if (len > 0)
    archive_write_data (t->a, data, len);
  archive_entry_free (e);
}

static inline void
test_tar_file (TestTar *t, const char *name, const char *data)
{
  test_tar_add (t, name, AE_IFREG, 0644, data, NULL, FALSE);
}

static inline void
test_tar_dir (TestTar *t, const char *name)
{
  test_tar_add (t, name, AE_IFDIR, 0755, NULL, NULL, FALSE);
}

/* Finishes the archive and returns its bytes. */
static inline GBytes *
test_tar_finish (TestTar *t)
{
  GBytes *b;

  archive_write_close (t->a);
  archive_write_free (t->a);
  b = g_byte_array_free_to_bytes (t->buf);
  g_free (t);
  return b;
}

static inline GInputStream *
test_stream (GBytes *b)
{
  return g_memory_input_stream_new_from_bytes (b);
}

static inline char *
test_mkdtemp (void)
{
  char *d = g_dir_make_tmp ("lc-storage-test-XXXXXX", NULL);
  g_assert (d != NULL);
  return d;
}

static inline void
test_rmdir (char *d)
{
  lc_storage_rm_rf (d, NULL);
  g_free (d);
}

static inline GBytes *
test_gzip (GBytes *in)
{
  g_autoptr(GConverter) c = G_CONVERTER (g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6));
  g_autoptr(GInputStream) src = g_memory_input_stream_new_from_bytes (in);
  g_autoptr(GInputStream) conv = g_converter_input_stream_new (src, c);
  g_autoptr(GOutputStream) out = g_memory_output_stream_new_resizable ();

  g_output_stream_splice (out, conv, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE | G_OUTPUT_STREAM_SPLICE_CLOSE_TARGET,
                          NULL, NULL);
  return g_memory_output_stream_steal_as_bytes (G_MEMORY_OUTPUT_STREAM (out));
}

static inline char *
test_sha256 (GBytes *b)
{
  g_autofree char *hex = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, b);
  return g_strconcat ("sha256:", hex, NULL);
}

/* ---- a temporary store, for the tests of LcStore ------------------------- */

/* A store under a fresh temporary root, opened by store_fixture_open with
 * the driver of the setup function the test was registered with. */
typedef struct {
  char *tmp;
  char *graph;
  char *run;
  const char *driver;
  LcContext *context;
} StoreFixture;

static inline int
store_fixture_setup (void **state, const char *driver)
{
  StoreFixture *f = g_new0 (StoreFixture, 1);

  f->tmp = test_mkdtemp ();
  f->graph = g_build_filename (f->tmp, "root", NULL);
  f->run = g_build_filename (f->tmp, "run", NULL);
  f->driver = driver;
  f->context = lc_context_new ();
  /* never the host's storage.conf */
  lc_context_set_storage_conf (f->context, "/nonexistent/storage.conf");
  lc_context_set_root (f->context, f->tmp);
  *state = f;
  return 0;
}

static inline int
store_fixture_setup_overlay (void **state)
{
  return store_fixture_setup (state, "overlay");
}

static inline int
store_fixture_setup_vfs (void **state)
{
  return store_fixture_setup (state, "vfs");
}

static inline int
store_fixture_teardown (void **state)
{
  StoreFixture *f = *state;

  test_rmdir (f->tmp);
  g_free (f->graph);
  g_free (f->run);
  g_object_unref (f->context);
  g_free (f);
  return 0;
}

static inline LcStore *
store_fixture_open (StoreFixture *f)
{
  g_autoptr(LcStoreOptions) o = lc_store_options_new ();
  g_autoptr(GError) error = NULL;
  LcStore *s;

  lc_store_options_set_graph_root (o, f->graph);
  lc_store_options_set_run_root (o, f->run);
  lc_store_options_set_driver (o, f->driver);
  s = lc_store_open (f->context, o, NULL, &error);
  assert_null (error);
  assert_non_null (s);
  return s;
}

/* A base layer and a layer over it with a whiteout and an opaque
 * directory. */
static inline GBytes *
test_base_tar (void)
{
  TestTar *t = test_tar_new ();

  test_tar_dir (t, "bin/");
  test_tar_file (t, "bin/sh", "#!fake shell\n");
  test_tar_dir (t, "d/");
  test_tar_file (t, "d/a", "a");
  test_tar_file (t, "x", "x");
  return test_tar_finish (t);
}

static inline GBytes *
test_top_tar (void)
{
  TestTar *t = test_tar_new ();

  test_tar_file (t, ".wh.x", NULL);
  test_tar_dir (t, "d/");
  test_tar_file (t, "d/.wh..wh..opq", NULL);
  test_tar_file (t, "d/b", "b");
  return test_tar_finish (t);
}

static inline LcLayer *
test_apply_bytes (LcStore *s, const char *parent, GBytes *b, const char *digest)
{
  g_autoptr(GInputStream) in = test_stream (b);
  g_autoptr(GError) error = NULL;
  LcLayer *l = lc_store_apply_layer (s, parent, in, digest, NULL, &error);

  assert_null (error);
  assert_non_null (l);
  return l;
}
