/* lc-registries-conf-private.h: registries.conf v2 and its drop-ins.
 *
 * What containers/image's sysregistriesv2 does: the main file, then the
 * *.conf files of each drop-in directory in lexical order, merged by the
 * same rules ([[registry]] tables by prefix, later wins; search list and
 * short-name mode replaced when set; aliases merged key by key). Unlike
 * containers/image, unknown keys are errors (strict), naming the file.
 *
 * Thread safety: a loaded LcRegistriesConf is immutable; share freely.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include "containers/lc-context.h"
#include "containers/lc-image-ref.h"

G_BEGIN_DECLS

typedef enum {
  LC_SHORT_NAME_MODE_PERMISSIVE,
  LC_SHORT_NAME_MODE_ENFORCING,
  LC_SHORT_NAME_MODE_DISABLED,
} LcShortNameMode;

typedef enum {
  LC_PULL_FROM_MIRROR_ALL,
  LC_PULL_FROM_MIRROR_DIGEST_ONLY,
  LC_PULL_FROM_MIRROR_TAG_ONLY,
} LcPullFromMirror;

typedef struct {
  char *location;
  gboolean insecure;
  LcPullFromMirror pull_from_mirror;
} LcRegistryMirror;

typedef struct {
  char *prefix;     /* "example.com/ns", or "*.example.com" */
  char *location;   /* may be "" for a wildcard prefix */
  gboolean insecure;
  gboolean blocked;
  gboolean mirror_by_digest_only;
  GPtrArray *mirrors;   /* LcRegistryMirror* */
} LcRegistryEntry;

typedef struct {
  char **search;                 /* unqualified-search-registries (never NULL) */
  LcShortNameMode short_name_mode;
  GHashTable *aliases;           /* short name -> normalized name ("" erases) */
  GPtrArray *registries;         /* LcRegistryEntry*, sorted by prefix */
  char *origin;                  /* "main.conf or dir" for messages */
} LcRegistriesConf;

/* One endpoint to pull from: a rewritten reference and its TLS setting. */
typedef struct {
  LcImageRef *ref;
  gboolean insecure;
  gboolean is_mirror;
} LcPullSource;

LcRegistriesConf *lc_registries_conf_new (void);
void lc_registries_conf_free (LcRegistriesConf *self);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (LcRegistriesConf, lc_registries_conf_free)

/* Parses one document (TOML text) and merges it into @self as a drop-in
 * would be. @origin names it in errors. */
gboolean lc_registries_conf_merge_data (LcRegistriesConf *self, const char *data, gsize len,
                                        const char *origin, GError **error);

/* Loads @main_path (a missing file is an empty one) and then every *.conf
 * file directly inside each of @dirs (NULL-terminated, may be NULL), in
 * lexical order. */
LcRegistriesConf *lc_registries_conf_load_files (const char *main_path, const char * const *dirs,
                                                 GError **error);

/* The configuration the context names: its registries.conf, then the
 * drop-in directories of lc_context_dup_registries_conf_dirs() in order
 * (system, then the user's; a later file wins, same-named files in both
 * are both read). */
LcRegistriesConf *lc_registries_conf_load (LcContext *context, GError **error);

/* The [[registry]] table with the longest prefix matching @name (a
 * repository name, optionally with :tag/@digest), or NULL. *out_len gets
 * the number of characters of @name the prefix matched. */
const LcRegistryEntry *lc_registries_conf_find (LcRegistriesConf *self, const char *name,
                                                gsize *out_len);

/* LC_ERROR_POLICY_DENIED ("registry X is blocked in ...") when the table
 * for @ref's repository is blocked. *out_insecure (optional) gets its
 * insecure flag. */
gboolean lc_registries_conf_check (LcRegistriesConf *self, LcImageRef *ref, gboolean *out_insecure,
                                   GError **error);

/* Where to pull @ref from, in order: mirrors, then the primary location.
 * Element type LcPullSource* (freed by the array). */
GPtrArray *lc_registries_conf_pull_sources (LcRegistriesConf *self, LcImageRef *ref,
                                            GError **error);

/* Short-name resolution as podman does it, without prompting: @name is
 * returned normalized when it has a domain; an alias wins; else the
 * candidates from the search registries. Ambiguous names in enforcing
 * mode fail with LC_ERROR_INVALID_REFERENCE listing the candidates.
 * Returns a NULL-terminated array of normalized references. */
char **lc_registries_conf_resolve_short_name (LcRegistriesConf *self, const char *name,
                                              GError **error);

void lc_pull_source_free (LcPullSource *source);

G_END_DECLS
