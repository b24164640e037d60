/* lc-store-records.c: layers.json, images.json, containers.json and
 * mountpoints.json, read and written as containers/storage 1.43 does
 * (spec §2, §4.4): compact JSON arrays, struct key order, atomic
 * replacement, token touch after each save.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-log-private.h"
#include "storage/lc-store-private.h"

static const char * const layer_keys[] = {
  "id", "names", "parent", "metadata", "mountlabel", "created", "compressed-diff-digest",
  "compressed-size", "diff-digest", "diff-size", "compression", "uidset", "gidset", "flags",
  "uidmap", "gidmap", "big-data-names", NULL
};
static const char * const image_keys[] = {
  "id", "digest", "names", "names-history", "layer", "mapped-layers", "metadata",
  "big-data-names", "big-data-sizes", "big-data-digests", "created", "flags", NULL
};
static const char * const container_keys[] = {
  "id", "names", "image", "layer", "metadata", "big-data-names", "big-data-sizes",
  "big-data-digests", "created", "uidmap", "gidmap", "flags", NULL
};
static const char * const mount_keys[] = { "id", "path", "count", NULL };

/* ---- small helpers ---------------------------------------------------- */

const char *
lc_json_get_string (json_object *obj, const char *key)
{
  json_object *v;

  if (obj == NULL || !json_object_object_get_ex (obj, key, &v) || !json_object_is_type (v, json_type_string))
    return NULL;
  return json_object_get_string (v);
}

gint64
lc_json_get_int (json_object *obj, const char *key, gint64 fallback)
{
  json_object *v;

  if (obj == NULL || !json_object_object_get_ex (obj, key, &v) ||
      !(json_object_is_type (v, json_type_int) || json_object_is_type (v, json_type_double)))
    return fallback;
  return json_object_get_int64 (v);
}

char **
lc_json_dup_strv (json_object *obj, const char *key)
{
  json_object *v;
  GPtrArray *arr = g_ptr_array_new ();

  if (obj != NULL && json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_array))
    for (size_t i = 0; i < json_object_array_length (v); i++)
      {
        json_object *e = json_object_array_get_idx (v, i);
        if (json_object_is_type (e, json_type_string))
          g_ptr_array_add (arr, g_strdup (json_object_get_string (e)));
      }
  g_ptr_array_add (arr, NULL);
  return (char **) g_ptr_array_free (arr, FALSE);
}

gboolean
lc_json_strv_contains (json_object *obj, const char *key, const char *value)
{
  json_object *v;

  if (obj == NULL || !json_object_object_get_ex (obj, key, &v) || !json_object_is_type (v, json_type_array))
    return FALSE;
  for (size_t i = 0; i < json_object_array_length (v); i++)
    if (g_strcmp0 (json_object_get_string (json_object_array_get_idx (v, i)), value) == 0)
      return TRUE;
  return FALSE;
}

static json_object *
strv_without (json_object *obj, const char *key, const char *value)
{
  json_object *v, *out = json_object_new_array ();

  if (json_object_object_get_ex (obj, key, &v) && json_object_is_type (v, json_type_array))
    for (size_t i = 0; i < json_object_array_length (v); i++)
      {
        json_object *e = json_object_array_get_idx (v, i);
        if (g_strcmp0 (json_object_get_string (e), value) != 0)
          json_object_array_add (out, json_object_get (e));
      }
  return out;
}

void
lc_json_strv_remove (json_object *obj, const char *key, const char *value)
{
  json_object *out = strv_without (obj, key, value);

  if (json_object_array_length (out) == 0)
    {
      json_object_put (out);
      json_object_object_del (obj, key);   /* omitempty */
    }
  else
    json_object_object_add (obj, key, out);
}

void
lc_json_strv_prepend_unique (json_object *obj, const char *key, const char *value)
{
  json_object *rest = strv_without (obj, key, value);
  json_object *out = json_object_new_array ();

  json_object_array_add (out, json_object_new_string (value));
  for (size_t i = 0; i < json_object_array_length (rest); i++)
    json_object_array_add (out, json_object_get (json_object_array_get_idx (rest, i)));
  json_object_put (rest);
  json_object_object_add (obj, key, out);
}

void
lc_json_strv_append_unique (json_object *obj, const char *key, const char *value)
{
  json_object *v;

  if (lc_json_strv_contains (obj, key, value))
    return;
  if (!json_object_object_get_ex (obj, key, &v) || !json_object_is_type (v, json_type_array))
    {
      v = json_object_new_array ();
      json_object_object_add (obj, key, v);
    }
  json_object_array_add (v, json_object_new_string (value));
}

void
lc_json_set_string_or_remove (json_object *obj, const char *key, const char *value)
{
  if (value == NULL || *value == '\0')
    json_object_object_del (obj, key);
  else
    json_object_object_add (obj, key, json_object_new_string (value));
}

char *
lc_time_format_rfc3339 (GDateTime *dt)
{
  g_autoptr(GDateTime) utc = g_date_time_to_utc (dt);
  g_autofree char *base = g_date_time_format (utc, "%Y-%m-%dT%H:%M:%S");
  int usec = g_date_time_get_microsecond (utc);
  char frac[16] = "";

  if (usec > 0)
    {
      g_snprintf (frac, sizeof frac, ".%06d", usec);
      for (gsize n = strlen (frac); frac[n - 1] == '0'; n--)
        frac[n - 1] = '\0';
    }
  return g_strconcat (base, frac, "Z", NULL);
}

char *
lc_time_now_rfc3339 (void)
{
  struct timespec ts;
  struct tm tm;
  char base[64], frac[16] = "";

  clock_gettime (CLOCK_REALTIME, &ts);
  gmtime_r (&ts.tv_sec, &tm);
  strftime (base, sizeof base, "%Y-%m-%dT%H:%M:%S", &tm);
  if (ts.tv_nsec > 0)
    {
      g_snprintf (frac, sizeof frac, ".%09ld", ts.tv_nsec);
      for (gsize n = strlen (frac); frac[n - 1] == '0'; n--)
        frac[n - 1] = '\0';
    }
  return g_strconcat (base, frac, "Z", NULL);
}

char *
lc_random_id (void)
{
  guint8 b[32];
  GString *s = g_string_sized_new (64);

  if (getrandom (b, sizeof b, 0) != (ssize_t) sizeof b)
    for (gsize i = 0; i < sizeof b; i++)
      b[i] = (guint8) g_random_int ();
  for (gsize i = 0; i < sizeof b; i++)
    g_string_append_printf (s, "%02x", b[i]);
  return g_string_free (s, FALSE);
}

gboolean
lc_is_valid_id (const char *id)
{
  gsize n = 0;

  if (id == NULL)
    return FALSE;
  for (; id[n] != '\0'; n++)
    if (!g_ascii_isxdigit (id[n]) || g_ascii_isupper (id[n]))
      return FALSE;
  return n == 64;
}

gboolean
lc_is_valid_digest (const char *digest)
{
  const char *colon;

  if (digest == NULL || (colon = strchr (digest, ':')) == NULL || colon == digest)
    return FALSE;
  if (g_str_has_prefix (digest, "sha256:"))
    return lc_is_valid_id (colon + 1);
  for (const char *p = colon + 1; *p; p++)
    if (!g_ascii_isxdigit (*p))
      return FALSE;
  return strlen (colon + 1) >= 32;
}

char *
lc_big_data_file_name (const char *key)
{
  g_autofree char *b64 = NULL;

  for (const char *p = key; *p; p++)
    if (!(*p == '.' || (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z')))
      goto encode;
  if (*key != '\0')
    return g_strdup (key);
encode:
  b64 = g_base64_encode ((const guchar *) key, strlen (key));
  return g_strconcat ("=", b64, NULL);
}

char *
lc_layer_id_from_diff_id (const char *parent_id, const char *diff_digest)
{
  const char *hex = strchr (diff_digest, ':');
  g_autofree char *text = NULL;

  hex = hex ? hex + 1 : diff_digest;
  if (parent_id == NULL || *parent_id == '\0')
    return g_strdup (hex);
  text = g_strconcat (parent_id, "+", hex, NULL);
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

gboolean
lc_atomic_write (const char *path, const void *data, gsize len, mode_t mode, GError **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *base = g_path_get_basename (path);
  g_autofree char *tmp = g_strdup_printf ("%s/.tmp-%sXXXXXX", dir, base);
  const guint8 *p = data;
  gsize left = len;
  int fd, dfd;

  fd = g_mkstemp_full (tmp, O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0)
    return lc_fail_errno (error, "creating a temporary file in %s", dir);
  while (left > 0)
    {
      ssize_t n = write (fd, p, left);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto fail;
      p += n;
      left -= (gsize) n;
    }
  if (fdatasync (fd) < 0 || fchmod (fd, mode) < 0)
    goto fail;
  if (close (fd) < 0)
    {
      fd = -1;
      goto fail;
    }
  fd = -1;
  if (rename (tmp, path) < 0)
    goto fail;
  dfd = open (dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  return TRUE;

fail:
  {
    int errsv = errno;
    if (fd >= 0)
      close (fd);
    unlink (tmp);
    return lc_fail_errno_value (error, errsv, "writing %s", path);
  }
}

/* ---- parsing and serializing ------------------------------------------ */

json_object *
lc_records_parse (const char *data, gsize len, const char *origin, GError **error)
{
  json_tokener *tok;
  json_object *obj;
  enum json_tokener_error jerr;

  while (len > 0 && g_ascii_isspace (data[len - 1]))
    len--;
  if (len == 0)
    return json_object_new_array ();
  tok = json_tokener_new ();
  obj = json_tokener_parse_ex (tok, data, (int) len);
  jerr = json_tokener_get_error (tok);
  json_tokener_free (tok);
  if (obj == NULL || jerr != json_tokener_success || !json_object_is_type (obj, json_type_array))
    {
      json_object_put (obj);
      lc_fail (error, LC_ERROR_CORRUPT_STORE, "%s is not a valid JSON array", origin);
      return NULL;
    }
  for (size_t i = 0; i < json_object_array_length (obj); i++)
    {
      json_object *r = json_object_array_get_idx (obj, i);
      if (!json_object_is_type (r, json_type_object))
        {
          json_object_put (obj);
          lc_fail (error, LC_ERROR_CORRUPT_STORE, "%s: record %zu is not an object", origin, i);
          return NULL;
        }
    }
  return obj;
}

static json_object *
ordered_copy (json_object *rec, const char * const *keys)
{
  json_object *out = json_object_new_object ();

  for (const char * const *k = keys; *k; k++)
    {
      json_object *v;
      if (json_object_object_get_ex (rec, *k, &v))
        json_object_object_add (out, *k, json_object_get (v));
    }
  json_object_object_foreach (rec, key, val)
    {
      if (!g_strv_contains (keys, key))
        json_object_object_add (out, key, json_object_get (val));
    }
  return out;
}

char *
lc_records_serialize (json_object *records, const char *kind)
{
  const char * const *keys = g_str_equal (kind, "layer") ? layer_keys
                           : g_str_equal (kind, "image") ? image_keys
                           : g_str_equal (kind, "container") ? container_keys : mount_keys;
  json_object *arr = json_object_new_array ();
  GString *out;
  const char *s;

  for (size_t i = 0; i < json_object_array_length (records); i++)
    json_object_array_add (arr, ordered_copy (json_object_array_get_idx (records, i), keys));
  s = json_object_to_json_string_ext (arr, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  /* Go's encoding/json escapes <, > and & (only ever inside strings). */
  out = g_string_sized_new (strlen (s) + 16);
  for (; *s; s++)
    {
      if (*s == '<')
        g_string_append (out, "\\u003c");
      else if (*s == '>')
        g_string_append (out, "\\u003e");
      else if (*s == '&')
        g_string_append (out, "\\u0026");
      else
        g_string_append_c (out, *s);
    }
  json_object_put (arr);
  return g_string_free (out, FALSE);
}

/* ---- record files ----------------------------------------------------- */

gboolean
lc_record_file_init (LcRecordFile *rf, const char *kind, const char *dir, const char *json_name,
                     gboolean read_only, GError **error)
{
  g_autofree char *lock_name = g_strdup (json_name);
  g_autofree char *lock_path = NULL;

  memset (rf, 0, sizeof *rf);
  rf->kind = kind;
  rf->dir = g_strdup (dir);
  rf->json_path = g_build_filename (dir, json_name, NULL);
  strcpy (strrchr (lock_name, '.'), ".lock");
  lock_path = g_build_filename (dir, lock_name, NULL);
  rf->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  rf->by_name = g_hash_table_new (g_str_hash, g_str_equal);
  rf->lock = lc_lockfile_open (lock_path, read_only, error);
  return rf->lock != NULL;
}

void
lc_record_file_clear (LcRecordFile *rf)
{
  g_clear_pointer (&rf->dir, g_free);
  g_clear_pointer (&rf->json_path, g_free);
  g_clear_pointer (&rf->lock, lc_lockfile_free);
  g_clear_pointer (&rf->records, json_object_put);
  g_clear_pointer (&rf->by_id, g_hash_table_unref);
  g_clear_pointer (&rf->by_name, g_hash_table_unref);
}

void
lc_record_file_reindex (LcRecordFile *rf)
{
  g_hash_table_remove_all (rf->by_id);
  g_hash_table_remove_all (rf->by_name);
  for (size_t i = 0; i < json_object_array_length (rf->records); i++)
    {
      json_object *r = json_object_array_get_idx (rf->records, i);
      const char *id = lc_json_get_string (r, "id");
      json_object *names;

      if (id != NULL)
        g_hash_table_insert (rf->by_id, (gpointer) id, r);
      if (json_object_object_get_ex (r, "names", &names) && json_object_is_type (names, json_type_array))
        for (size_t j = 0; j < json_object_array_length (names); j++)
          {
            const char *n = json_object_get_string (json_object_array_get_idx (names, j));
            if (n != NULL)
              g_hash_table_insert (rf->by_name, (gpointer) n, r);
          }
    }
}

static gboolean
record_file_load (LcRecordFile *rf, GError **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;
  json_object *recs;
  struct stat st;

  if (!g_file_get_contents (rf->json_path, &data, &len, &local))
    {
      if (!g_error_matches (local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
    }
  recs = lc_records_parse (data ? data : "", len, rf->json_path, error);
  if (recs == NULL)
    return FALSE;
  g_clear_pointer (&rf->records, json_object_put);
  rf->records = recs;
  if (stat (rf->json_path, &st) == 0)
    rf->mtime = st.st_mtim;
  else
    memset (&rf->mtime, 0, sizeof rf->mtime);
  lc_record_file_reindex (rf);
  lc_debug ("storage", "loaded %zu %s records from %s", json_object_array_length (recs), rf->kind, rf->json_path);
  return TRUE;
}

gboolean
lc_record_file_lock (LcRecordFile *rf, gboolean exclusive, GCancellable *cancellable, GError **error)
{
  gboolean modified = FALSE;
  struct stat st;

  if (!lc_lockfile_lock (rf->lock, exclusive, cancellable, error))
    return FALSE;
  if (!lc_lockfile_modified (rf->lock, &modified, error))
    goto fail;
  if (!modified && rf->records != NULL && stat (rf->json_path, &st) == 0 &&
      (st.st_mtim.tv_sec != rf->mtime.tv_sec || st.st_mtim.tv_nsec != rf->mtime.tv_nsec))
    modified = TRUE;
  if ((modified || rf->records == NULL) && !record_file_load (rf, error))
    goto fail;
  return TRUE;

fail:
  lc_lockfile_unlock (rf->lock);
  return FALSE;
}

void
lc_record_file_unlock (LcRecordFile *rf)
{
  lc_lockfile_unlock (rf->lock);
}

gboolean
lc_record_file_save (LcRecordFile *rf, GError **error)
{
  g_autofree char *data = lc_records_serialize (rf->records, rf->kind);
  struct stat st;

  if (!lc_atomic_write (rf->json_path, data, strlen (data), 0600, error))
    return FALSE;
  if (stat (rf->json_path, &st) == 0)
    rf->mtime = st.st_mtim;
  lc_record_file_reindex (rf);
  return lc_lockfile_touch (rf->lock, error);
}

json_object *
lc_record_file_find (LcRecordFile *rf, const char *id_or_name)
{
  json_object *r = g_hash_table_lookup (rf->by_id, id_or_name);

  return r != NULL ? r : g_hash_table_lookup (rf->by_name, id_or_name);
}

json_object *
lc_record_file_find_prefix (LcRecordFile *rf, const char *prefix, GError **error)
{
  json_object *found = NULL;
  GHashTableIter it;
  gpointer key, value;

  if (prefix == NULL || *prefix == '\0')
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "empty %s ID", rf->kind);
      return NULL;
    }
  g_hash_table_iter_init (&it, rf->by_id);
  while (g_hash_table_iter_next (&it, &key, &value))
    if (g_str_has_prefix (key, prefix))
      {
        if (found != NULL && found != value)
          {
            lc_fail (error, LC_ERROR_INVALID_ARGUMENT, "%s ID prefix %s is ambiguous", rf->kind, prefix);
            return NULL;
          }
        found = value;
      }
  if (found == NULL)
    lc_fail (error, LC_ERROR_NOT_FOUND, "%s %s not found", rf->kind, prefix);
  return found;
}

void
lc_record_file_append (LcRecordFile *rf, json_object *record)
{
  json_object_array_add (rf->records, record);
  lc_record_file_reindex (rf);
}

void
lc_record_file_remove (LcRecordFile *rf, json_object *record)
{
  for (size_t i = 0; i < json_object_array_length (rf->records); i++)
    if (json_object_array_get_idx (rf->records, i) == record)
      {
        json_object_array_del_idx (rf->records, i, 1);
        break;
      }
  lc_record_file_reindex (rf);
}

/* ---- big data of image and container records ------------------------------ */

gboolean
lc_record_set_big_data (LcRecordFile *rf, json_object *rec, const char *key, GBytes *data, const char *digest,
                        GError **error)
{
  g_autofree char *computed = NULL;
  g_autofree char *dir = g_build_filename (rf->dir, lc_json_get_string (rec, "id"), NULL);
  g_autofree char *fname = lc_big_data_file_name (key);
  g_autofree char *path = g_build_filename (dir, fname, NULL);
  json_object *sizes, *digests;
  gsize len = 0;
  const guint8 *bytes = g_bytes_get_data (data, &len);

  {
    g_autofree char *hex = g_compute_checksum_for_data (G_CHECKSUM_SHA256, bytes, len);
    computed = g_strconcat ("sha256:", hex, NULL);
  }
  if (g_mkdir_with_parents (dir, 0700) < 0)
    return lc_fail_errno (error, "creating %s", dir);
  if (!lc_atomic_write (path, bytes, len, 0600, error))
    return FALSE;
  lc_json_strv_append_unique (rec, "big-data-names", key);
  if (!json_object_object_get_ex (rec, "big-data-sizes", &sizes) || !json_object_is_type (sizes, json_type_object))
    {
      sizes = json_object_new_object ();
      json_object_object_add (rec, "big-data-sizes", sizes);
    }
  json_object_object_add (sizes, key, json_object_new_int64 ((gint64) len));
  if (!json_object_object_get_ex (rec, "big-data-digests", &digests) || !json_object_is_type (digests, json_type_object))
    {
      digests = json_object_new_object ();
      json_object_object_add (rec, "big-data-digests", digests);
    }
  json_object_object_add (digests, key, json_object_new_string (digest ? digest : computed));
  return TRUE;
}

GBytes *
lc_record_get_big_data (LcRecordFile *rf, json_object *rec, const char *key, GError **error)
{
  g_autofree char *fname = lc_big_data_file_name (key);
  g_autofree char *path = g_build_filename (rf->dir, lc_json_get_string (rec, "id"), fname, NULL);
  char *data = NULL;
  gsize len = 0;

  if (!lc_json_strv_contains (rec, "big-data-names", key))
    {
      lc_fail (error, LC_ERROR_NOT_FOUND, "%s %s has no big data \"%s\"", rf->kind, lc_json_get_string (rec, "id"),
               key);
      return NULL;
    }
  if (!g_file_get_contents (path, &data, &len, error))
    return NULL;
  return g_bytes_new_take (data, len);
}
