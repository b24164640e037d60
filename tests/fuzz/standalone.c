/* standalone.c: replays fuzz inputs without libFuzzer.
 *
 *   fuzz-<target>-replay FILE-OR-DIRECTORY...
 *
 * Calls the target's LLVMFuzzerTestOneInput() on every file given and on
 * every regular file under every directory given (recursively, in sorted
 * order, so that runs are reproducible), as a libFuzzer binary does with
 * `-runs=0`. A crash or a failed check aborts; finding no input at all is
 * an error too, so that a mistyped corpus path cannot pass. Every build
 * links the targets with this file, so `meson test --suite fuzz` replays
 * the corpora and the crash reproducers committed next to them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv) __attribute__ ((weak));

static gboolean
run_file (const char *path, guint *count)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  /* A copy of exactly the input's size, so that ASan sees reads past it. */
  {
    g_autofree uint8_t *copy = g_memdup2 (contents, length);
    LLVMFuzzerTestOneInput (copy, length);
  }
  (*count)++;
  return TRUE;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

static gboolean
run_path (const char *path, guint *count)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) names = NULL;
  GDir *dir;
  const char *name;
  gboolean ok = TRUE;

  if (!g_file_test (path, G_FILE_TEST_IS_DIR))
    return run_file (path, count);

  dir = g_dir_open (path, 0, &error);
  if (dir == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return FALSE;
    }
  names = g_ptr_array_new_with_free_func (g_free);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_build_filename (path, name, NULL));
  g_dir_close (dir);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *child = g_ptr_array_index (names, i);
      if (g_file_test (child, G_FILE_TEST_IS_DIR) || g_file_test (child, G_FILE_TEST_IS_REGULAR))
        ok = run_path (child, count) && ok;
    }
  return ok;
}

int
main (int argc, char **argv)
{
  guint count = 0;
  gboolean ok = TRUE;

  if (argc < 2)
    {
      fprintf (stderr, "usage: %s FILE-OR-DIRECTORY...\n", argv[0]);
      return 2;
    }
  if (LLVMFuzzerInitialize != NULL)
    LLVMFuzzerInitialize (&argc, &argv);
  for (int i = 1; i < argc; i++)
    ok = run_path (argv[i], &count) && ok;
  if (count == 0)
    {
      fprintf (stderr, "%s: no inputs found\n", argv[0]);
      return 1;
    }
  printf ("%s: %u inputs replayed\n", argv[0], count);
  return ok ? 0 : 1;
}
