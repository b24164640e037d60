/* lc-toml-private.h: a strict TOML 1.0 reader that builds json-c trees.
 *
 * Used for registries.conf, storage.conf and containers.conf. The tree
 * follows the document: tables are objects (keys in document order),
 * arrays and arrays of tables are arrays, strings are strings, integers
 * are int64, floats are doubles, booleans are booleans, and date-times,
 * dates and times are strings holding the RFC 3339 text as written.
 *
 * Thread safety: both functions are reentrant; they share no state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <json-c/json.h>

G_BEGIN_DECLS

/* The deepest nesting of tables and arrays a document may have, counting
 * the root table as 0. Deeper documents are rejected, so that neither the
 * parser nor json-c's recursive free and serializer can exhaust the stack. */
#define LC_TOML_MAX_DEPTH 128

/* The largest document accepted, in bytes. Configuration files are a few
 * kilobytes; this only stops hostile or mistaken input. */
#define LC_TOML_MAX_SIZE (16u * 1024u * 1024u)

/* The most tables, arrays and values a document may hold. A json-c object
 * costs hundreds of bytes, so without this a 16 MiB "a = [{},{},...]"
 * would take gigabytes; with it the worst case is below 100 MB. Real
 * configuration files hold hundreds. */
#define LC_TOML_MAX_VALUES 100000u

/* Parses a TOML 1.0 document into a json-c tree. @origin names the input
 * in error messages (a path). Returns a new reference, or NULL with @error
 * set to LC_ERROR / LC_ERROR_INVALID_CONFIG and a message
 * "<origin>:<line>:<column>: <what is wrong>" (1-based; the column counts
 * characters). @data need not be NUL-terminated. */
struct json_object *lc_toml_parse (const char *data, gsize len, const char *origin, GError **error);

/* Reads the file at @path and parses it. A missing file is
 * G_IO_ERROR_NOT_FOUND; other failures to read it are G_IO_ERROR too. */
struct json_object *lc_toml_parse_file (const char *path, GError **error);

G_END_DECLS
