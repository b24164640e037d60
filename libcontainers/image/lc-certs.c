/* lc-certs.c: certs.d lookup.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "lc-certs-private.h"

void
lc_certs_dir_free (LcCertsDir *self)
{
  if (self == NULL)
    return;
  g_clear_pointer (&self->ca_files, g_ptr_array_unref);
  g_free (self->client_cert);
  g_free (self->client_key);
  g_free (self);
}

char *
lc_certs_find_dir (LcContext *context, const char *cert_dir, const char *host)
{
  g_autofree char *root = NULL;
  g_autofree char *first = NULL;
  g_autofree char *docker = NULL;

  if (cert_dir != NULL && *cert_dir != '\0')
    return g_strdup (cert_dir);
  if (host == NULL || *host == '\0' || strchr (host, '/') != NULL || g_str_equal (host, "..") ||
      g_str_equal (host, "."))
    return NULL;
  root = lc_context_dup_certs_dir (context);
  first = g_build_filename (root, host, NULL);
  if (g_file_test (first, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&first);
  docker = g_build_filename (lc_context_get_root (context), "etc", "docker", "certs.d", host, NULL);
  if (g_file_test (docker, G_FILE_TEST_IS_DIR))
    return g_steal_pointer (&docker);
  return NULL;
}

static gint
str_cmp (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

LcCertsDir *
lc_certs_load_dir (const char *dir, GError **error)
{
  LcCertsDir *self = g_new0 (LcCertsDir, 1);
  g_autoptr(GDir) d = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *n;

  self->ca_files = g_ptr_array_new_with_free_func (g_free);
  if (dir == NULL || (d = g_dir_open (dir, 0, NULL)) == NULL)
    return self;
  while ((n = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, str_cmp);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_str_has_suffix (name, ".crt"))
        {
          lc_debug ("registry", "CA certificate %s", path);
          g_ptr_array_add (self->ca_files, g_steal_pointer (&path));
        }
      else if (g_str_has_suffix (name, ".cert"))
        {
          g_autofree char *base = g_strndup (name, strlen (name) - 5);
          g_autofree char *key = g_strdup_printf ("%s/%s.key", dir, base);
          if (!g_file_test (key, G_FILE_TEST_EXISTS))
            {
              lc_certs_dir_free (self);
              return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                              "missing key %s.key for client certificate %s", base, name), NULL;
            }
          if (self->client_cert == NULL)
            {
              self->client_cert = g_steal_pointer (&path);
              self->client_key = g_steal_pointer (&key);
            }
        }
      else if (g_str_has_suffix (name, ".key"))
        {
          g_autofree char *base = g_strndup (name, strlen (name) - 4);
          g_autofree char *cert = g_strdup_printf ("%s/%s.cert", dir, base);
          if (!g_file_test (cert, G_FILE_TEST_EXISTS))
            {
              lc_certs_dir_free (self);
              return lc_fail (error, LC_ERROR_INVALID_CONFIG,
                              "missing client certificate %s.cert for key %s", base, name), NULL;
            }
        }
    }
  return self;
}
