/* lc-toml.c: a strict TOML 1.0 reader that builds json-c trees.
 *
 * A hand-written recursive-descent parser over a byte buffer. Recursion
 * only happens for values nested in arrays and inline tables, and every
 * nesting step is checked against LC_TOML_MAX_DEPTH before it recurses.
 *
 * What TOML forbids about redefinition is tracked in a side table that
 * maps each json_object the parser created to TomlFlags:
 *   - a [header] defines a table once; the tables a header creates on the
 *     way (the "a" of [a.b]) are implicit and may be defined later, once;
 *   - tables made by dotted keys (a.b = 1) can only be extended by more
 *     dotted keys, and can never be the subject of a [header], although a
 *     deeper [header] may pass through them;
 *   - dotted keys never pass through a table made any other way, not even
 *     one a [header] only created on the way: such a table would get keys
 *     from more than one section, which the TOML 1.1 text states outright
 *     ("Any such table must have all its key/value pairs defined under the
 *     current [table] header") and toml-test expects for 1.0 as well;
 *   - inline tables and arrays written as values are closed;
 *   - [[header]] appends to arrays it created and to nothing else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/lc-error-private.h"
#include "common/lc-toml-private.h"

typedef enum {
  TOML_TABLE_DEFINED   = 1 << 0,  /* the subject of a [header] */
  TOML_TABLE_IMPLICIT  = 1 << 1,  /* created on the way to a [header] */
  TOML_TABLE_DOTTED    = 1 << 2,  /* created by a dotted key */
  TOML_TABLE_INLINE    = 1 << 3,  /* an inline table: closed */
  TOML_ARRAY_OF_TABLES = 1 << 4,  /* created by a [[header]] */
} TomlFlags;

typedef struct {
  const char *data;
  gsize       len;
  gsize       pos;
  gsize       text_start;   /* after a byte order mark, if any */
  const char *origin;
  GHashTable *flags;        /* struct json_object * → TomlFlags */
  guint       n_values;     /* tables, arrays and values made so far */
  GError    **error;
} TomlParser;

typedef struct {
  char  *name;
  gsize  pos;               /* where the key part starts, for messages */
} TomlKeyPart;

static void
toml_close_fd (int *fdp)
{
  if (*fdp >= 0)
    {
      int errsv = errno;
      close (*fdp);
      errno = errsv;
      *fdp = -1;
    }
}
#define toml_autofd __attribute__ ((cleanup (toml_close_fd))) int

static void
toml_json_put (struct json_object **objp)
{
  g_clear_pointer (objp, json_object_put);
}
#define toml_autojson __attribute__ ((cleanup (toml_json_put))) struct json_object *

static void
toml_key_part_clear (gpointer data)
{
  TomlKeyPart *part = data;

  g_clear_pointer (&part->name, g_free);
}

/* ---- errors -------------------------------------------------------------- */

static void
toml_locate (TomlParser *p, gsize pos, guint *out_line, guint *out_column)
{
  guint line = 1;
  guint column = 1;
  gsize i;

  if (pos > p->len)
    pos = p->len;
  for (i = p->text_start; i < pos; i++)
    {
      guchar c = (guchar) p->data[i];

      if (c == '\n')
        {
          line++;
          column = 1;
        }
      else if ((c & 0xc0) != 0x80)
        column++;
    }
  *out_line = line;
  *out_column = column;
}

static gboolean toml_fail_at (TomlParser *p, gsize pos, const char *format, ...) G_GNUC_PRINTF (3, 4);

static gboolean
toml_fail_at (TomlParser *p, gsize pos, const char *format, ...)
{
  g_autofree char *what = NULL;
  guint line, column;
  va_list args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  toml_locate (p, pos, &line, &column);
  return lc_fail (p->error, LC_ERROR_INVALID_CONFIG, "%s:%u:%u: %s", p->origin, line, column, what);
}

/* Names the character at @pos for a message, without copying control
 * characters or broken UTF-8 into it. */
static char *
toml_describe_at (TomlParser *p, gsize pos)
{
  guchar c;

  if (pos >= p->len)
    return g_strdup ("end of input");
  c = (guchar) p->data[pos];
  if (c == '\n' || (c == '\r' && pos + 1 < p->len && p->data[pos + 1] == '\n'))
    return g_strdup ("end of line");
  if (c >= 0x20 && c < 0x7f)
    return g_strdup_printf ("'%c'", c);
  if (c < 0x80)
    return g_strdup_printf ("U+%04X", c);
  /* The whole input was validated as UTF-8 before parsing started. */
  return g_strdup_printf ("U+%04X", g_utf8_get_char (p->data + pos));
}

static gboolean
toml_fail_unexpected (TomlParser *p, gsize pos, const char *expected)
{
  g_autofree char *found = toml_describe_at (p, pos);

  return toml_fail_at (p, pos, "expected %s, found %s", expected, found);
}

#define TOML_MAX_KEY_IN_MESSAGE 200

/* A key path for messages: bare where possible, quoted and escaped
 * otherwise, and cut short if very long. */
static char *
toml_describe_key (const TomlKeyPart *parts, guint n_parts)
{
  g_autoptr(GString) out = g_string_new (NULL);
  char keep[129];
  guint i;

  /* g_strescape() escapes bytes ≥ 0x80; keep UTF-8 readable. */
  for (i = 0; i < 128; i++)
    keep[i] = (char) (0x80 + i);
  keep[128] = '\0';

  for (i = 0; i < n_parts; i++)
    {
      const char *name = parts[i].name;
      gboolean bare = name[0] != '\0';
      const char *c;

      for (c = name; *c != '\0' && bare; c++)
        bare = g_ascii_isalnum (*c) || *c == '-' || *c == '_';
      if (i > 0)
        g_string_append_c (out, '.');
      if (bare)
        g_string_append (out, name);
      else
        {
          g_autofree char *escaped = g_strescape (name, keep);
          g_string_append_printf (out, "\"%s\"", escaped);
        }
    }
  if (out->len > TOML_MAX_KEY_IN_MESSAGE)
    {
      gsize cut = TOML_MAX_KEY_IN_MESSAGE;

      while (cut > 0 && ((guchar) out->str[cut] & 0xc0) == 0x80)
        cut--;
      g_string_truncate (out, cut);
      g_string_append (out, "…");
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* ---- flags --------------------------------------------------------------- */

static guint
toml_get_flags (TomlParser *p, struct json_object *obj)
{
  return GPOINTER_TO_UINT (g_hash_table_lookup (p->flags, obj));
}

static void
toml_set_flags (TomlParser *p, struct json_object *obj, guint flags)
{
  g_hash_table_insert (p->flags, obj, GUINT_TO_POINTER (flags));
}

static const char *
toml_describe_value (TomlParser *p, struct json_object *obj)
{
  guint flags = toml_get_flags (p, obj);

  switch (json_object_get_type (obj))
    {
    case json_type_object:
      if (flags & TOML_TABLE_INLINE)
        return "an inline table";
      if (flags & TOML_TABLE_DOTTED)
        return "a table made by dotted keys";
      return "a table from a [header]";
    case json_type_array:
      return (flags & TOML_ARRAY_OF_TABLES) ? "an array of tables" : "an array";
    case json_type_null:
    case json_type_boolean:
    case json_type_double:
    case json_type_int:
    case json_type_string:
    default:
      return "a value";
    }
}

/* ---- characters ---------------------------------------------------------- */

static inline int
toml_peek_at (TomlParser *p, gsize pos)
{
  return pos < p->len ? (guchar) p->data[pos] : -1;
}

static inline int
toml_peek (TomlParser *p)
{
  return toml_peek_at (p, p->pos);
}

static inline gboolean
toml_is_digit (int c)
{
  return c >= '0' && c <= '9';
}

static inline gboolean
toml_is_bare_key_char (int c)
{
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         toml_is_digit (c) || c == '_' || c == '-';
}

/* Control characters TOML allows nowhere except as noted: U+0000 to
 * U+0008, U+000A to U+001F and U+007F. Tab is always fine. */
static inline gboolean
toml_is_control (int c)
{
  return (c >= 0 && c < 0x20 && c != '\t') || c == 0x7f;
}

static void
toml_skip_ws (TomlParser *p)
{
  while (p->pos < p->len && (p->data[p->pos] == ' ' || p->data[p->pos] == '\t'))
    p->pos++;
}

/* Is there a newline (LF or CRLF) at @pos? Returns its length, or 0. */
static gsize
toml_newline_at (TomlParser *p, gsize pos)
{
  int c = toml_peek_at (p, pos);

  if (c == '\n')
    return 1;
  if (c == '\r' && toml_peek_at (p, pos + 1) == '\n')
    return 2;
  return 0;
}

/* Skips a comment from '#' up to, not including, the end of the line. */
static gboolean
toml_skip_comment (TomlParser *p)
{
  if (toml_peek (p) != '#')
    return TRUE;
  for (p->pos++; p->pos < p->len; p->pos++)
    {
      int c = (guchar) p->data[p->pos];

      if (toml_newline_at (p, p->pos) > 0)
        break;
      if (toml_is_control (c))
        {
          g_autofree char *found = toml_describe_at (p, p->pos);
          return toml_fail_at (p, p->pos, "control character %s in comment", found);
        }
    }
  return TRUE;
}

/* Skips whitespace, newlines and comments, as allowed inside arrays. */
static gboolean
toml_skip_ws_comments_newlines (TomlParser *p)
{
  for (;;)
    {
      gsize nl;

      toml_skip_ws (p);
      if (toml_peek (p) == '#')
        {
          if (!toml_skip_comment (p))
            return FALSE;
          continue;
        }
      nl = toml_newline_at (p, p->pos);
      if (nl == 0)
        return TRUE;
      p->pos += nl;
    }
}

/* After a key/value pair or a header: optional whitespace and comment,
 * then a newline or the end of the input. */
static gboolean
toml_expect_end_of_line (TomlParser *p, const char *after)
{
  gsize nl;

  toml_skip_ws (p);
  if (!toml_skip_comment (p))
    return FALSE;
  if (p->pos >= p->len)
    return TRUE;
  nl = toml_newline_at (p, p->pos);
  if (nl == 0)
    {
      g_autofree char *found = toml_describe_at (p, p->pos);
      return toml_fail_at (p, p->pos, "expected a newline after %s, found %s", after, found);
    }
  p->pos += nl;
  return TRUE;
}

/* ---- strings ------------------------------------------------------------- */

static int
toml_hex_value (int c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* At a backslash inside a basic string: appends what the escape means. */
static gboolean
toml_parse_escape (TomlParser *p, GString *out)
{
  gsize start = p->pos;
  int c = toml_peek_at (p, p->pos + 1);
  guint n_hex = 0;
  guint32 value = 0;
  guint i;

  switch (c)
    {
    case 'b': g_string_append_c (out, '\b'); p->pos += 2; return TRUE;
    case 't': g_string_append_c (out, '\t'); p->pos += 2; return TRUE;
    case 'n': g_string_append_c (out, '\n'); p->pos += 2; return TRUE;
    case 'f': g_string_append_c (out, '\f'); p->pos += 2; return TRUE;
    case 'r': g_string_append_c (out, '\r'); p->pos += 2; return TRUE;
    case '"': g_string_append_c (out, '"'); p->pos += 2; return TRUE;
    case '\\': g_string_append_c (out, '\\'); p->pos += 2; return TRUE;
    case 'u': n_hex = 4; break;
    case 'U': n_hex = 8; break;
    default:
      {
        g_autofree char *found = toml_describe_at (p, p->pos + 1);
        return toml_fail_at (p, start, "invalid escape sequence: backslash followed by %s", found);
      }
    }

  for (i = 0; i < n_hex; i++)
    {
      int digit = toml_hex_value (toml_peek_at (p, p->pos + 2 + i));

      if (digit < 0)
        return toml_fail_at (p, start, "\\%c needs exactly %u hexadecimal digits", c, n_hex);
      value = (value << 4) | (guint32) digit;
    }
  if (value > 0x10ffff || (value >= 0xd800 && value <= 0xdfff))
    return toml_fail_at (p, start, "escape \\%c%0*X is not a Unicode scalar value",
                         c, (int) n_hex, (unsigned int) value);

  {
    char utf8[8];
    int n = g_unichar_to_utf8 (value, utf8);
    g_string_append_len (out, utf8, n);
  }
  p->pos += 2 + n_hex;
  return TRUE;
}

static gboolean
toml_fail_string_control (TomlParser *p)
{
  g_autofree char *found = toml_describe_at (p, p->pos);

  return toml_fail_at (p, p->pos, "control character %s must be escaped in a string", found);
}

/* At the opening quote of a single-line basic string. */
static gboolean
toml_parse_basic_string (TomlParser *p, GString *out)
{
  gsize start = p->pos;

  p->pos++;
  for (;;)
    {
      int c = toml_peek (p);

      if (c < 0 || c == '\n' || toml_newline_at (p, p->pos) > 0)
        return toml_fail_at (p, start, "unterminated string");
      if (c == '"')
        {
          p->pos++;
          return TRUE;
        }
      if (c == '\\')
        {
          if (!toml_parse_escape (p, out))
            return FALSE;
          continue;
        }
      if (toml_is_control (c))
        return toml_fail_string_control (p);
      g_string_append_c (out, (char) c);
      p->pos++;
    }
}

/* At the opening quote of a single-line literal string. */
static gboolean
toml_parse_literal_string (TomlParser *p, GString *out)
{
  gsize start = p->pos;

  p->pos++;
  for (;;)
    {
      int c = toml_peek (p);

      if (c < 0 || c == '\n' || toml_newline_at (p, p->pos) > 0)
        return toml_fail_at (p, start, "unterminated string");
      if (c == '\'')
        {
          p->pos++;
          return TRUE;
        }
      if (toml_is_control (c))
        return toml_fail_string_control (p);
      g_string_append_c (out, (char) c);
      p->pos++;
    }
}

/* At the first of three opening quotes (@quote is '"' or '\'') of a
 * multi-line string. Newlines in the string become LF. */
static gboolean
toml_parse_multiline_string (TomlParser *p, int quote, GString *out)
{
  gsize start = p->pos;

  p->pos += 3;
  /* A newline right after the opening delimiter is trimmed. */
  p->pos += toml_newline_at (p, p->pos);

  for (;;)
    {
      int c = toml_peek (p);
      gsize nl;

      if (c < 0)
        return toml_fail_at (p, start, "unterminated multi-line string");

      if (c == quote)
        {
          gsize run = 0;

          while (toml_peek_at (p, p->pos + run) == quote)
            run++;
          if (run < 3)
            {
              g_string_append_len (out, p->data + p->pos, run);
              p->pos += run;
              continue;
            }
          if (run > 5)
            return toml_fail_at (p, p->pos + 5, "too many quotes at the end of a multi-line string");
          /* Up to two quotes may sit right before the closing delimiter. */
          g_string_append_len (out, p->data + p->pos, run - 3);
          p->pos += run;
          return TRUE;
        }

      nl = toml_newline_at (p, p->pos);
      if (nl > 0)
        {
          g_string_append_c (out, '\n');
          p->pos += nl;
          continue;
        }

      if (c == '\\' && quote == '"')
        {
          gsize i = p->pos + 1;

          /* A line-ending backslash trims all whitespace and newlines
           * up to the next other character. */
          while (toml_peek_at (p, i) == ' ' || toml_peek_at (p, i) == '\t')
            i++;
          if (toml_newline_at (p, i) > 0)
            {
              for (;;)
                {
                  int w = toml_peek_at (p, i);

                  if (w == ' ' || w == '\t')
                    i++;
                  else if ((nl = toml_newline_at (p, i)) > 0)
                    i += nl;
                  else
                    break;
                }
              p->pos = i;
              continue;
            }
          if (!toml_parse_escape (p, out))
            return FALSE;
          continue;
        }

      if (toml_is_control (c))
        return toml_fail_string_control (p);
      g_string_append_c (out, (char) c);
      p->pos++;
    }
}

/* At an opening quote: any of the four kinds of string. */
static gboolean
toml_parse_string (TomlParser *p, gboolean allow_multiline, GString *out)
{
  int quote = toml_peek (p);

  if (toml_peek_at (p, p->pos + 1) == quote && toml_peek_at (p, p->pos + 2) == quote)
    {
      if (!allow_multiline)
        return toml_fail_at (p, p->pos, "a key cannot be a multi-line string");
      return toml_parse_multiline_string (p, quote, out);
    }
  if (quote == '"')
    return toml_parse_basic_string (p, out);
  return toml_parse_literal_string (p, out);
}

/* ---- keys ---------------------------------------------------------------- */

/* Parses a simple or dotted key, with the whitespace around its dots,
 * into @parts. Leading whitespace must already be skipped. */
static gboolean
toml_parse_key (TomlParser *p, GArray *parts)
{
  for (;;)
    {
      TomlKeyPart part = { NULL, p->pos };
      int c = toml_peek (p);

      if (parts->len >= LC_TOML_MAX_DEPTH)
        return toml_fail_at (p, p->pos, "key has more than %u parts", (guint) LC_TOML_MAX_DEPTH);

      if (c == '"' || c == '\'')
        {
          g_autoptr(GString) name = g_string_new (NULL);

          if (!toml_parse_string (p, FALSE, name))
            return FALSE;
          if (memchr (name->str, '\0', name->len) != NULL)
            return toml_fail_at (p, part.pos, "keys containing U+0000 are not supported");
          part.name = g_string_free (g_steal_pointer (&name), FALSE);
        }
      else if (toml_is_bare_key_char (c))
        {
          gsize end = p->pos;

          while (toml_is_bare_key_char (toml_peek_at (p, end)))
            end++;
          part.name = g_strndup (p->data + p->pos, end - p->pos);
          p->pos = end;
        }
      else
        return toml_fail_unexpected (p, p->pos, "a key");

      g_array_append_val (parts, part);

      toml_skip_ws (p);
      if (toml_peek (p) != '.')
        return TRUE;
      p->pos++;
      toml_skip_ws (p);
    }
}

static GArray *
toml_key_new (void)
{
  GArray *parts = g_array_new (FALSE, TRUE, sizeof (TomlKeyPart));

  g_array_set_clear_func (parts, toml_key_part_clear);
  return parts;
}

#define TOML_KEY_PART(parts, i) (&g_array_index ((parts), TomlKeyPart, (i)))

/* ---- scalars ------------------------------------------------------------- */

static gboolean
toml_is_base_digit (int c, int base)
{
  switch (base)
    {
    case 2: return c == '0' || c == '1';
    case 8: return c >= '0' && c <= '7';
    case 10: return toml_is_digit (c);
    case 16: return toml_hex_value (c) >= 0;
    default: return FALSE;
    }
}

/* Reads digits of @base from @text at *@i, where each underscore must sit
 * between two digits, and appends the digits to @clean. FALSE when there
 * is no digit at *@i or an underscore is misplaced. */
static gboolean
toml_scan_digits (const char *text, gsize len, gsize *i, int base, GString *clean)
{
  if (*i >= len || !toml_is_base_digit ((guchar) text[*i], base))
    return FALSE;
  while (*i < len)
    {
      int c = (guchar) text[*i];

      if (toml_is_base_digit (c, base))
        {
          g_string_append_c (clean, (char) c);
          (*i)++;
        }
      else if (c == '_')
        {
          if (*i + 1 >= len || !toml_is_base_digit ((guchar) text[*i + 1], base))
            return FALSE;
          (*i)++;
        }
      else
        break;
    }
  return TRUE;
}

static gboolean
toml_fail_number (TomlParser *p, gsize start, gsize len, const char *why)
{
  return toml_fail_at (p, start, "invalid number '%.*s': %s",
                       (int) MIN (len, 64), p->data + start, why);
}

/* Digits of @base in @clean, to an integer within int64. */
static gboolean
toml_digits_to_int64 (const GString *clean, int base, gboolean negative, gint64 *out)
{
  guint64 limit = negative ? (guint64) G_MAXINT64 + 1 : (guint64) G_MAXINT64;
  guint64 value = 0;
  gsize i;

  for (i = 0; i < clean->len; i++)
    {
      guint64 digit = (guint64) toml_hex_value ((guchar) clean->str[i]);

      if (value > (limit - digit) / (guint64) base)
        return FALSE;
      value = value * (guint64) base + digit;
    }
  if (negative)
    *out = value == (guint64) G_MAXINT64 + 1 ? G_MININT64 : -(gint64) value;
  else
    *out = (gint64) value;
  return TRUE;
}

/* At a number, inf or nan: integers and floats. */
static gboolean
toml_parse_number (TomlParser *p, struct json_object **out)
{
  gsize start = p->pos;
  gsize end = start;
  const char *text = p->data + start;
  gsize len, i = 0;
  gboolean negative = FALSE, has_sign = FALSE;
  g_autoptr(GString) clean = g_string_new (NULL);
  char *parse_end = NULL;
  double d;

  while (end < p->len)
    {
      int c = (guchar) p->data[end];

      if (!(g_ascii_isalnum (c) || c == '_' || c == '.' || c == '+' || c == '-'))
        break;
      end++;
    }
  len = end - start;
  if (len == 0)
    return toml_fail_unexpected (p, start, "a value");

  if (text[0] == '+' || text[0] == '-')
    {
      has_sign = TRUE;
      negative = text[0] == '-';
      i = 1;
    }

  if (len - i == 3 && (memcmp (text + i, "inf", 3) == 0 || memcmp (text + i, "nan", 3) == 0))
    {
      d = text[i] == 'i' ? INFINITY : NAN;
      *out = json_object_new_double (negative ? -d : d);
      p->pos = end;
      return TRUE;
    }

  if (len - i > 2 && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'o' || text[i + 1] == 'b'))
    {
      int base = text[i + 1] == 'x' ? 16 : text[i + 1] == 'o' ? 8 : 2;
      gint64 value;

      if (has_sign)
        return toml_fail_number (p, start, len, "hexadecimal, octal and binary integers cannot have a sign");
      i += 2;
      if (!toml_scan_digits (text, len, &i, base, clean) || i != len)
        return toml_fail_number (p, start, len, "bad digit or misplaced underscore");
      if (!toml_digits_to_int64 (clean, base, FALSE, &value))
        return toml_fail_number (p, start, len, "out of range for a 64-bit integer");
      *out = json_object_new_int64 (value);
      p->pos = end;
      return TRUE;
    }

  if (i >= len || !toml_is_digit ((guchar) text[i]))
    return toml_fail_at (p, start, "invalid value '%.*s'", (int) MIN (len, 64), text);
  if (!toml_scan_digits (text, len, &i, 10, clean))
    return toml_fail_number (p, start, len, "misplaced underscore");
  if (clean->len > 1 && clean->str[0] == '0')
    return toml_fail_number (p, start, len, "leading zeros are not allowed");

  if (i == len)
    {
      gint64 value;

      if (!toml_digits_to_int64 (clean, 10, negative, &value))
        return toml_fail_number (p, start, len, "out of range for a 64-bit integer");
      *out = json_object_new_int64 (value);
      p->pos = end;
      return TRUE;
    }

  /* A float: integer part, then a fraction, an exponent, or both. */
  if (text[i] != '.' && text[i] != 'e' && text[i] != 'E')
    return toml_fail_number (p, start, len, "unexpected character");
  if (text[i] == '.')
    {
      g_string_append_c (clean, '.');
      i++;
      if (!toml_scan_digits (text, len, &i, 10, clean))
        return toml_fail_number (p, start, len, "a decimal point must be followed by digits");
    }
  if (i < len && (text[i] == 'e' || text[i] == 'E'))
    {
      g_string_append_c (clean, 'e');
      i++;
      if (i < len && (text[i] == '+' || text[i] == '-'))
        g_string_append_c (clean, text[i++]);
      if (!toml_scan_digits (text, len, &i, 10, clean))
        return toml_fail_number (p, start, len, "an exponent must have digits");
    }
  if (i != len)
    return toml_fail_number (p, start, len, "unexpected character");

  errno = 0;
  d = g_ascii_strtod (clean->str, &parse_end);
  if (parse_end != clean->str + clean->len)
    return toml_fail_number (p, start, len, "not a float");
  if (errno == ERANGE && isinf (d))
    return toml_fail_number (p, start, len, "out of range for a 64-bit float");
  *out = json_object_new_double (negative ? -d : d);
  p->pos = end;
  return TRUE;
}

/* Reads exactly @n digits at @pos. */
static gboolean
toml_read_digits (TomlParser *p, gsize pos, guint n, guint *out)
{
  guint value = 0;
  guint i;

  for (i = 0; i < n; i++)
    {
      int c = toml_peek_at (p, pos + i);

      if (!toml_is_digit (c))
        return FALSE;
      value = value * 10 + (guint) (c - '0');
    }
  *out = value;
  return TRUE;
}

static guint
toml_days_in_month (guint year, guint month)
{
  static const guint8 days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

  if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
    return 29;
  return days[month - 1];
}

/* At a date (YYYY-) or time (HH:): offset and local date-times, local
 * dates and local times, kept as the text written. */
static gboolean
toml_parse_datetime (TomlParser *p, struct json_object **out)
{
  gsize start = p->pos;
  gsize i = start;
  gboolean has_date = FALSE;
  guint year, month, day, hour, minute, second;

  if (toml_read_digits (p, i, 4, &year) && toml_peek_at (p, i + 4) == '-')
    {
      int sep;

      if (!toml_read_digits (p, i + 5, 2, &month) || toml_peek_at (p, i + 7) != '-' ||
          !toml_read_digits (p, i + 8, 2, &day) || toml_is_digit (toml_peek_at (p, i + 10)))
        return toml_fail_at (p, start, "invalid date: expected YYYY-MM-DD");
      if (month < 1 || month > 12)
        return toml_fail_at (p, start, "invalid date: month %02u is out of range", month);
      if (day < 1 || day > toml_days_in_month (year, month))
        return toml_fail_at (p, start, "invalid date: day %02u is out of range", day);
      i += 10;
      has_date = TRUE;

      sep = toml_peek_at (p, i);
      if (!(sep == 'T' || sep == 't' || (sep == ' ' && toml_is_digit (toml_peek_at (p, i + 1)))))
        {
          *out = json_object_new_string_len (p->data + start, (int) (i - start));
          p->pos = i;
          return TRUE;
        }
      i++;
    }

  if (!toml_read_digits (p, i, 2, &hour) || toml_peek_at (p, i + 2) != ':' ||
      !toml_read_digits (p, i + 3, 2, &minute) || toml_peek_at (p, i + 5) != ':' ||
      !toml_read_digits (p, i + 6, 2, &second) || toml_is_digit (toml_peek_at (p, i + 8)))
    return toml_fail_at (p, i, "invalid time: expected HH:MM:SS");
  if (hour > 23 || minute > 59 || second > 60)
    return toml_fail_at (p, i, "invalid time: %02u:%02u:%02u is out of range", hour, minute, second);
  i += 8;
  if (toml_peek_at (p, i) == '.')
    {
      i++;
      if (!toml_is_digit (toml_peek_at (p, i)))
        return toml_fail_at (p, i, "invalid time: a decimal point must be followed by digits");
      while (toml_is_digit (toml_peek_at (p, i)))
        i++;
    }

  if (has_date)
    {
      int c = toml_peek_at (p, i);

      if (c == 'Z' || c == 'z')
        i++;
      else if (c == '+' || c == '-')
        {
          guint off_hour, off_minute;

          if (!toml_read_digits (p, i + 1, 2, &off_hour) || toml_peek_at (p, i + 3) != ':' ||
              !toml_read_digits (p, i + 4, 2, &off_minute) || toml_is_digit (toml_peek_at (p, i + 6)))
            return toml_fail_at (p, i, "invalid time offset: expected +HH:MM or -HH:MM");
          if (off_hour > 23 || off_minute > 59)
            return toml_fail_at (p, i, "invalid time offset: out of range");
          i += 6;
        }
    }

  *out = json_object_new_string_len (p->data + start, (int) (i - start));
  p->pos = i;
  return TRUE;
}

/* ---- values -------------------------------------------------------------- */

/* Called before making each table, array or value. */
static gboolean
toml_count_value (TomlParser *p, gsize pos)
{
  if (p->n_values >= LC_TOML_MAX_VALUES)
    return toml_fail_at (p, pos, "the document holds more than %u tables, arrays and values",
                         (guint) LC_TOML_MAX_VALUES);
  p->n_values++;
  return TRUE;
}

static gboolean toml_parse_value (TomlParser *p, guint depth, struct json_object **out);
static gboolean toml_parse_keyval (TomlParser *p, struct json_object *table, guint table_depth);

static gboolean
toml_check_depth (TomlParser *p, gsize pos, guint depth)
{
  if (depth > LC_TOML_MAX_DEPTH)
    return toml_fail_at (p, pos, "tables and arrays are nested more than %u deep", (guint) LC_TOML_MAX_DEPTH);
  return TRUE;
}

/* At '['; @depth is the array's own depth. */
static gboolean
toml_parse_array (TomlParser *p, guint depth, struct json_object **out)
{
  gsize start = p->pos;
  toml_autojson array = NULL;

  if (!toml_check_depth (p, start, depth))
    return FALSE;
  array = json_object_new_array ();
  p->pos++;

  for (;;)
    {
      struct json_object *value = NULL;

      if (!toml_skip_ws_comments_newlines (p))
        return FALSE;
      if (p->pos >= p->len)
        return toml_fail_at (p, start, "unterminated array");
      if (toml_peek (p) == ']')
        break;

      if (!toml_parse_value (p, depth + 1, &value))
        return FALSE;
      json_object_array_add (array, value);

      if (!toml_skip_ws_comments_newlines (p))
        return FALSE;
      if (p->pos >= p->len)
        return toml_fail_at (p, start, "unterminated array");
      if (toml_peek (p) == ',')
        {
          p->pos++;
          continue;
        }
      if (toml_peek (p) != ']')
        return toml_fail_unexpected (p, p->pos, "',' or ']' in array");
      break;
    }
  p->pos++;
  *out = g_steal_pointer (&array);
  return TRUE;
}

/* At '{'; @depth is the table's own depth. */
static gboolean
toml_parse_inline_table (TomlParser *p, guint depth, struct json_object **out)
{
  gsize start = p->pos;
  toml_autojson table = NULL;

  if (!toml_check_depth (p, start, depth))
    return FALSE;
  table = json_object_new_object ();
  toml_set_flags (p, table, TOML_TABLE_INLINE);
  p->pos++;

  toml_skip_ws (p);
  if (toml_peek (p) == '}')
    {
      p->pos++;
      *out = g_steal_pointer (&table);
      return TRUE;
    }

  for (;;)
    {
      int c;

      if (p->pos >= p->len)
        return toml_fail_at (p, start, "unterminated inline table");
      if (!toml_parse_keyval (p, table, depth))
        return FALSE;
      toml_skip_ws (p);
      c = toml_peek (p);
      if (c == '}')
        break;
      if (c != ',')
        {
          if (c < 0)
            return toml_fail_at (p, start, "unterminated inline table");
          if (toml_newline_at (p, p->pos) > 0)
            return toml_fail_at (p, p->pos, "newlines are not allowed in an inline table");
          return toml_fail_unexpected (p, p->pos, "',' or '}' in inline table");
        }
      p->pos++;
      toml_skip_ws (p);
      if (toml_peek (p) == '}')
        return toml_fail_at (p, p->pos, "a trailing comma is not allowed in an inline table");
    }
  p->pos++;
  *out = g_steal_pointer (&table);
  return TRUE;
}

/* At the start of a value; @depth is the value's own depth. */
static gboolean
toml_parse_value (TomlParser *p, guint depth, struct json_object **out)
{
  int c = toml_peek (p);

  if (!toml_count_value (p, p->pos))
    return FALSE;

  switch (c)
    {
    case '"':
    case '\'':
      {
        g_autoptr(GString) s = g_string_new (NULL);

        if (!toml_parse_string (p, TRUE, s))
          return FALSE;
        if (s->len > G_MAXINT)
          return toml_fail_at (p, p->pos, "string too long");
        *out = json_object_new_string_len (s->str, (int) s->len);
        return TRUE;
      }
    case '[':
      return toml_parse_array (p, depth, out);
    case '{':
      return toml_parse_inline_table (p, depth, out);
    case 't':
    case 'f':
      {
        const char *word = c == 't' ? "true" : "false";
        gsize n = strlen (word);

        if (p->len - p->pos < n || memcmp (p->data + p->pos, word, n) != 0 ||
            toml_is_bare_key_char (toml_peek_at (p, p->pos + n)))
          return toml_fail_unexpected (p, p->pos, "a value");
        *out = json_object_new_boolean (c == 't');
        p->pos += n;
        return TRUE;
      }
    default:
      break;
    }

  if (toml_is_digit (c))
    {
      guint ignored;

      if ((toml_read_digits (p, p->pos, 4, &ignored) && toml_peek_at (p, p->pos + 4) == '-') ||
          (toml_read_digits (p, p->pos, 2, &ignored) && toml_peek_at (p, p->pos + 2) == ':'))
        return toml_parse_datetime (p, out);
      return toml_parse_number (p, out);
    }
  if (c == '+' || c == '-' || c == 'i' || c == 'n')
    return toml_parse_number (p, out);

  return toml_fail_unexpected (p, p->pos, "a value");
}

/* ---- key/value pairs and tables ------------------------------------------ */

/* Parses `key = value` into @table, whose depth is @table_depth. */
static gboolean
toml_parse_keyval (TomlParser *p, struct json_object *table, guint table_depth)
{
  g_autoptr(GArray) parts = toml_key_new ();
  struct json_object *value = NULL;
  struct json_object *existing = NULL;
  TomlKeyPart *last;
  guint depth = table_depth;
  guint i;

  if (!toml_parse_key (p, parts))
    return FALSE;
  toml_skip_ws (p);
  if (toml_peek (p) != '=')
    return toml_fail_unexpected (p, p->pos, "'=' after a key");
  p->pos++;
  toml_skip_ws (p);

  /* Walk, or create, the tables named by a dotted key. */
  for (i = 0; i + 1 < parts->len; i++)
    {
      TomlKeyPart *part = TOML_KEY_PART (parts, i);
      struct json_object *child = NULL;

      depth++;
      if (json_object_object_get_ex (table, part->name, &child))
        {
          guint flags = toml_get_flags (p, child);

          if (!json_object_is_type (child, json_type_object) ||
              !(flags & TOML_TABLE_DOTTED) || (flags & TOML_TABLE_INLINE))
            {
              g_autofree char *name = toml_describe_key (TOML_KEY_PART (parts, 0), i + 1);
              return toml_fail_at (p, part->pos, "cannot add keys to '%s' with dotted keys: it is already %s",
                                   name, toml_describe_value (p, child));
            }
        }
      else
        {
          if (!toml_check_depth (p, part->pos, depth) || !toml_count_value (p, part->pos))
            return FALSE;
          child = json_object_new_object ();
          toml_set_flags (p, child, TOML_TABLE_DOTTED);
          json_object_object_add (table, part->name, child);
        }
      table = child;
    }

  last = TOML_KEY_PART (parts, parts->len - 1);
  if (json_object_object_get_ex (table, last->name, &existing))
    {
      g_autofree char *name = toml_describe_key (TOML_KEY_PART (parts, 0), parts->len);
      return toml_fail_at (p, last->pos, "duplicate key '%s': it is already %s",
                           name, toml_describe_value (p, existing));
    }

  if (!toml_parse_value (p, depth + 1, &value))
    return FALSE;
  json_object_object_add (table, last->name, value);
  return TRUE;
}

/* At '[': a [table] or [[array of tables]] header. On success the table
 * that the following key/value pairs go to is *@current, at *@current_depth. */
static gboolean
toml_parse_header (TomlParser *p, struct json_object *root,
                   struct json_object **current, guint *current_depth)
{
  g_autoptr(GArray) parts = toml_key_new ();
  g_autofree char *name = NULL;
  struct json_object *table = root;
  struct json_object *child = NULL;
  TomlKeyPart *last;
  gboolean array_of_tables;
  guint depth = 0;
  guint i;

  array_of_tables = toml_peek_at (p, p->pos + 1) == '[';
  p->pos += array_of_tables ? 2 : 1;
  toml_skip_ws (p);
  if (!toml_parse_key (p, parts))
    return FALSE;
  toml_skip_ws (p);
  if (toml_peek (p) != ']' || (array_of_tables && toml_peek_at (p, p->pos + 1) != ']'))
    return toml_fail_unexpected (p, p->pos, array_of_tables ? "']]' to close the header" : "']' to close the header");
  p->pos += array_of_tables ? 2 : 1;

  /* Walk, or create, the tables on the way. */
  for (i = 0; i + 1 < parts->len; i++)
    {
      TomlKeyPart *part = TOML_KEY_PART (parts, i);

      if (json_object_object_get_ex (table, part->name, &child))
        {
          guint flags = toml_get_flags (p, child);

          if (json_object_is_type (child, json_type_object) && !(flags & TOML_TABLE_INLINE))
            {
              depth++;
            }
          else if (json_object_is_type (child, json_type_array) && (flags & TOML_ARRAY_OF_TABLES))
            {
              /* An array of tables: the header extends its last element. */
              child = json_object_array_get_idx (child, json_object_array_length (child) - 1);
              depth += 2;
            }
          else
            {
              name = toml_describe_key (TOML_KEY_PART (parts, 0), i + 1);
              return toml_fail_at (p, part->pos, "cannot add tables to '%s': it is already %s",
                                   name, toml_describe_value (p, child));
            }
        }
      else
        {
          depth++;
          if (!toml_check_depth (p, part->pos, depth) || !toml_count_value (p, part->pos))
            return FALSE;
          child = json_object_new_object ();
          toml_set_flags (p, child, TOML_TABLE_IMPLICIT);
          json_object_object_add (table, part->name, child);
        }
      table = child;
    }

  last = TOML_KEY_PART (parts, parts->len - 1);
  if (!json_object_object_get_ex (table, last->name, &child))
    child = NULL;

  if (!array_of_tables)
    {
      if (child != NULL)
        {
          guint flags = toml_get_flags (p, child);

          if (!json_object_is_type (child, json_type_object) || flags != TOML_TABLE_IMPLICIT)
            {
              name = toml_describe_key (TOML_KEY_PART (parts, 0), parts->len);
              return toml_fail_at (p, last->pos, "cannot define table '%s': it is already %s",
                                   name, toml_describe_value (p, child));
            }
          depth++;
        }
      else
        {
          depth++;
          if (!toml_check_depth (p, last->pos, depth) || !toml_count_value (p, last->pos))
            return FALSE;
          child = json_object_new_object ();
          json_object_object_add (table, last->name, child);
        }
      toml_set_flags (p, child, TOML_TABLE_DEFINED);
      *current = child;
      *current_depth = depth;
      return TRUE;
    }

  if (child != NULL)
    {
      if (!json_object_is_type (child, json_type_array) ||
          !(toml_get_flags (p, child) & TOML_ARRAY_OF_TABLES))
        {
          name = toml_describe_key (TOML_KEY_PART (parts, 0), parts->len);
          return toml_fail_at (p, last->pos, "cannot define array of tables '%s': it is already %s",
                               name, toml_describe_value (p, child));
        }
    }
  else
    {
      if (!toml_check_depth (p, last->pos, depth + 2) || !toml_count_value (p, last->pos))
        return FALSE;
      child = json_object_new_array ();
      toml_set_flags (p, child, TOML_ARRAY_OF_TABLES);
      json_object_object_add (table, last->name, child);
    }

  if (!toml_count_value (p, last->pos))
    return FALSE;
  {
    struct json_object *element = json_object_new_object ();

    toml_set_flags (p, element, TOML_TABLE_DEFINED);
    json_object_array_add (child, element);
    *current = element;
    *current_depth = depth + 2;
  }
  return TRUE;
}

static gboolean
toml_parse_document (TomlParser *p, struct json_object *root)
{
  struct json_object *current = root;
  guint current_depth = 0;

  for (;;)
    {
      int c;
      gsize nl;

      toml_skip_ws (p);
      if (!toml_skip_comment (p))
        return FALSE;
      if (p->pos >= p->len)
        return TRUE;
      nl = toml_newline_at (p, p->pos);
      if (nl > 0)
        {
          p->pos += nl;
          continue;
        }

      c = toml_peek (p);
      if (c == '[')
        {
          if (!toml_parse_header (p, root, &current, &current_depth))
            return FALSE;
          if (!toml_expect_end_of_line (p, "a table header"))
            return FALSE;
        }
      else if (toml_is_bare_key_char (c) || c == '"' || c == '\'')
        {
          if (!toml_parse_keyval (p, current, current_depth))
            return FALSE;
          if (!toml_expect_end_of_line (p, "a value"))
            return FALSE;
        }
      else
        return toml_fail_unexpected (p, p->pos, "a key or a table header");
    }
}

/* ---- entry points -------------------------------------------------------- */

struct json_object *
lc_toml_parse (const char *data, gsize len, const char *origin, GError **error)
{
  g_autoptr(GHashTable) flags = NULL;
  g_autofree char *origin_utf8 = NULL;
  toml_autojson root = NULL;
  TomlParser p = { 0 };
  const char *invalid = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  p.data = data != NULL ? data : "";
  p.len = len;
  /* Error messages are UTF-8, whatever the encoding of the path. */
  origin_utf8 = g_utf8_make_valid (origin != NULL ? origin : "<input>", -1);
  p.origin = origin_utf8;
  p.error = error;
  /* A UTF-8 byte order mark may start the document; columns on the first
   * line are counted after it. */
  if (len >= 3 && memcmp (p.data, "\xef\xbb\xbf", 3) == 0)
    p.pos = p.text_start = 3;

  if (len > LC_TOML_MAX_SIZE)
    {
      toml_fail_at (&p, 0, "document is larger than %u bytes", (guint) LC_TOML_MAX_SIZE);
      return NULL;
    }

  /* One pass for the encoding: valid UTF-8, without NUL bytes. */
  if (!g_utf8_validate_len (p.data, len, &invalid))
    {
      gsize at = (gsize) (invalid - p.data);

      if (p.data[at] == '\0')
        toml_fail_at (&p, at, "NUL byte in document");
      else
        toml_fail_at (&p, at, "invalid UTF-8");
      return NULL;
    }

  flags = g_hash_table_new (NULL, NULL);
  p.flags = flags;
  root = json_object_new_object ();
  if (!toml_parse_document (&p, root))
    return NULL;
  return g_steal_pointer (&root);
}

struct json_object *
lc_toml_parse_file (const char *path, GError **error)
{
  toml_autofd fd = -1;
  g_autoptr(GByteArray) buf = NULL;
  struct stat st;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0)
    {
      lc_fail_errno (error, "opening %s", path);
      return NULL;
    }
  if (fstat (fd, &st) < 0)
    {
      lc_fail_errno (error, "reading %s", path);
      return NULL;
    }
  if (S_ISREG (st.st_mode) && st.st_size > (off_t) LC_TOML_MAX_SIZE)
    {
      lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: file is larger than %u bytes", path, (guint) LC_TOML_MAX_SIZE);
      return NULL;
    }

  buf = g_byte_array_new ();
  for (;;)
    {
      guint8 chunk[8192];
      ssize_t n = read (fd, chunk, sizeof chunk);

      if (n < 0)
        {
          if (errno == EINTR)
            continue;
          lc_fail_errno (error, "reading %s", path);
          return NULL;
        }
      if (n == 0)
        break;
      if (buf->len + (gsize) n > LC_TOML_MAX_SIZE)
        {
          lc_fail (error, LC_ERROR_INVALID_CONFIG, "%s: file is larger than %u bytes", path, (guint) LC_TOML_MAX_SIZE);
          return NULL;
        }
      g_byte_array_append (buf, chunk, (guint) n);
    }

  return lc_toml_parse ((const char *) buf->data, buf->len, path, error);
}
