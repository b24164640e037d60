/* test-toml.c: unit tests of the TOML 1.0 reader (lc-toml.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "common/lc-error-private.h"
#include "common/lc-toml-private.h"

/* ---- helpers ------------------------------------------------------------- */

/* Like json_object_equal(), but also requires keys in the same order, and
 * takes NaN as equal to NaN. */
static gboolean
json_equal_ordered (struct json_object *a, struct json_object *b)
{
  json_type type = json_object_get_type (a);

  if (type != json_object_get_type (b))
    return FALSE;
  switch (type)
    {
    case json_type_null:
      return TRUE;
    case json_type_boolean:
      return json_object_get_boolean (a) == json_object_get_boolean (b);
    case json_type_int:
      return json_object_get_int64 (a) == json_object_get_int64 (b);
    case json_type_double:
      {
        double x = json_object_get_double (a);
        double y = json_object_get_double (b);

        if (isnan (x) || isnan (y))
          return isnan (x) && isnan (y) && !signbit (x) == !signbit (y);
        return x == y && !signbit (x) == !signbit (y);
      }
    case json_type_string:
      return json_object_get_string_len (a) == json_object_get_string_len (b) &&
             memcmp (json_object_get_string (a), json_object_get_string (b),
                     (size_t) json_object_get_string_len (a)) == 0;
    case json_type_array:
      {
        size_t n = json_object_array_length (a);
        size_t i;

        if (n != json_object_array_length (b))
          return FALSE;
        for (i = 0; i < n; i++)
          if (!json_equal_ordered (json_object_array_get_idx (a, i), json_object_array_get_idx (b, i)))
            return FALSE;
        return TRUE;
      }
    case json_type_object:
      {
        struct json_object_iterator ia = json_object_iter_begin (a);
        struct json_object_iterator ea = json_object_iter_end (a);
        struct json_object_iterator ib = json_object_iter_begin (b);
        struct json_object_iterator eb = json_object_iter_end (b);

        for (; !json_object_iter_equal (&ia, &ea); json_object_iter_next (&ia), json_object_iter_next (&ib))
          {
            if (json_object_iter_equal (&ib, &eb))
              return FALSE;
            if (strcmp (json_object_iter_peek_name (&ia), json_object_iter_peek_name (&ib)) != 0)
              return FALSE;
            if (!json_equal_ordered (json_object_iter_peek_value (&ia), json_object_iter_peek_value (&ib)))
              return FALSE;
          }
        return json_object_iter_equal (&ib, &eb);
      }
    default:
      return FALSE;
    }
}

static struct json_object *
parse_ok_len (const char *text, gsize len)
{
  g_autoptr(GError) error = NULL;
  struct json_object *root = lc_toml_parse (text, len, "test.toml", &error);

  if (root == NULL)
    fail_msg ("unexpected error: %s", error->message);
  assert_null (error);
  return root;
}

static struct json_object *
parse_ok (const char *text)
{
  return parse_ok_len (text, strlen (text));
}

/* Parses @toml and compares the tree with @expected_json, key order
 * included. */
static void
assert_toml_equals (const char *toml, const char *expected_json)
{
  struct json_object *root = parse_ok (toml);
  struct json_object *expected = json_tokener_parse (expected_json);

  assert_non_null (expected);
  if (!json_equal_ordered (root, expected))
    fail_msg ("for:\n%s\ngot:      %s\nexpected: %s", toml,
              json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN),
              json_object_to_json_string_ext (expected, JSON_C_TO_STRING_PLAIN));
  json_object_put (expected);
  json_object_put (root);
}

/* Asserts that @text is rejected with LC_ERROR_INVALID_CONFIG, a message
 * starting "test.toml:<line>:<column>: " and containing @what. */
static void
assert_toml_error_len (const char *text, gsize len, guint line, guint column, const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *where = g_strdup_printf ("test.toml:%u:%u: ", line, column);
  struct json_object *root = lc_toml_parse (text, len, "test.toml", &error);

  if (root != NULL)
    {
      json_object_put (root);
      fail_msg ("accepted invalid document:\n%s", text);
    }
  assert_non_null (error);
  if (!g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG))
    fail_msg ("wrong error %s:%d for:\n%s", g_quark_to_string (error->domain), error->code, text);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, what) == NULL)
    fail_msg ("for:\n%s\ngot:      %s\nexpected: %s… %s…", text, error->message, where, what);
}

static void
assert_toml_error (const char *text, guint line, guint column, const char *what)
{
  assert_toml_error_len (text, strlen (text), line, column, what);
}

typedef struct {
  const char *text;
  guint       line;
  guint       column;
  const char *what;
} InvalidCase;

static void
assert_all_invalid (const InvalidCase *cases, gsize n_cases)
{
  gsize i;

  for (i = 0; i < n_cases; i++)
    assert_toml_error (cases[i].text, cases[i].line, cases[i].column, cases[i].what);
}

#define ASSERT_ALL_INVALID(cases) assert_all_invalid ((cases), G_N_ELEMENTS (cases))

/* ---- valid documents ----------------------------------------------------- */

static void
test_toml_parses_an_empty_document_as_an_empty_table (void **state)
{
  assert_toml_equals ("", "{}");
  assert_toml_equals ("\n\n   \t\n", "{}");
  assert_toml_equals ("# only a comment", "{}");
  assert_toml_equals ("\xef\xbb\xbf", "{}");
}

static void
test_toml_parses_comments_and_blank_lines (void **state)
{
  assert_toml_equals ("# leading comment\n"
                      "\n"
                      "a = 1 # trailing comment\n"
                      "   # indented comment\n"
                      "[t] # after a header\n"
                      "b = \"# not a comment\"\n"
                      "# comment with unicode: été ✓ and a tab:\t.\n",
                      "{ \"a\": 1, \"t\": { \"b\": \"# not a comment\" } }");
}

static void
test_toml_parses_bare_quoted_and_dotted_keys (void **state)
{
  assert_toml_equals ("key = 1\n"
                      "bare_key-2 = 2\n"
                      "1234 = 3\n"
                      "\"127.0.0.1\" = 4\n"
                      "\"character encoding\" = 5\n"
                      "'key2' = 6\n"
                      "'quoted \"value\"' = 7\n"
                      "\"\" = 8\n"
                      "physical.color = \"orange\"\n"
                      "physical . shape = \"round\"\n"
                      "site.\"google.com\" = true\n"
                      "3.14159 = \"pi\"\n",
                      "{ \"key\": 1, \"bare_key-2\": 2, \"1234\": 3, \"127.0.0.1\": 4,"
                      "  \"character encoding\": 5, \"key2\": 6, \"quoted \\\"value\\\"\": 7, \"\": 8,"
                      "  \"physical\": { \"color\": \"orange\", \"shape\": \"round\" },"
                      "  \"site\": { \"google.com\": true },"
                      "  \"3\": { \"14159\": \"pi\" } }");
}

static void
test_toml_keeps_keys_in_document_order (void **state)
{
  g_autofree char *serialized = NULL;
  struct json_object *root = parse_ok ("zebra = 1\napple = 2\n[mango]\nz = 1\na = 2\n[banana]\n");

  serialized = g_strdup (json_object_to_json_string_ext (root, JSON_C_TO_STRING_PLAIN));
  assert_string_equal (serialized, "{\"zebra\":1,\"apple\":2,\"mango\":{\"z\":1,\"a\":2},\"banana\":{}}");
  json_object_put (root);
}

static void
test_toml_parses_basic_string_escapes (void **state)
{
  assert_toml_equals ("s = \"tab\\there \\\"quoted\\\" back\\\\slash \\b\\f\\n\\r\"\n"
                      "u = \"\\u00e9\\u20AC\\U0001F600\\U0000004a\"\n"
                      "plain = \"ünïcödé\"\n",
                      "{ \"s\": \"tab\\there \\\"quoted\\\" back\\\\slash \\b\\f\\n\\r\","
                      "  \"u\": \"é€😀J\", \"plain\": \"ünïcödé\" }");
}

static void
test_toml_keeps_escaped_nul_in_string_values (void **state)
{
  struct json_object *root = parse_ok ("s = \"a\\u0000b\"\n");
  struct json_object *s = NULL;

  assert_true (json_object_object_get_ex (root, "s", &s));
  assert_int_equal (json_object_get_string_len (s), 3);
  assert_memory_equal (json_object_get_string (s), "a\0b", 3);
  json_object_put (root);
}

static void
test_toml_parses_literal_strings (void **state)
{
  assert_toml_equals ("winpath = 'C:\\Users\\nodejs\\templates'\n"
                      "quoted = 'Tom \"Dubs\" Preston-Werner'\n"
                      "regex = '<\\i\\c*\\s*>'\n"
                      "tab = '\there'\n"
                      "empty = ''\n",
                      "{ \"winpath\": \"C:\\\\Users\\\\nodejs\\\\templates\","
                      "  \"quoted\": \"Tom \\\"Dubs\\\" Preston-Werner\","
                      "  \"regex\": \"<\\\\i\\\\c*\\\\s*>\", \"tab\": \"\\there\", \"empty\": \"\" }");
}

static void
test_toml_parses_multiline_basic_strings (void **state)
{
  assert_toml_equals ("a = \"\"\"\nRoses are red\nViolets are blue\"\"\"\n"
                      "b = \"\"\"\n"
                      "The quick brown \\\n"
                      "\n"
                      "\n"
                      "  fox jumps over \\   \n"
                      "    the lazy dog.\"\"\"\n"
                      "c = \"\"\"Here are two quotation marks: \"\". Simple enough.\"\"\"\n"
                      "d = \"\"\"Here are three quotation marks: \"\"\\\".\"\"\"\n"
                      "e = \"\"\"\"This,\" she said, \"is just a pointless statement.\"\"\"\"\n"
                      "f = \"\"\"two at the end\"\"\"\"\"\n"
                      "g = \"\"\"\"\"\"\n"
                      "h = \"\"\"\\u00e9\\ttab\"\"\"\n"
                      "i = \"\"\"\"\"\"\"\n",
                      "{ \"a\": \"Roses are red\\nViolets are blue\","
                      "  \"b\": \"The quick brown fox jumps over the lazy dog.\","
                      "  \"c\": \"Here are two quotation marks: \\\"\\\". Simple enough.\","
                      "  \"d\": \"Here are three quotation marks: \\\"\\\"\\\".\","
                      "  \"e\": \"\\\"This,\\\" she said, \\\"is just a pointless statement.\\\"\","
                      "  \"f\": \"two at the end\\\"\\\"\", \"g\": \"\", \"h\": \"é\\ttab\", \"i\": \"\\\"\" }");
}

static void
test_toml_parses_multiline_literal_strings (void **state)
{
  assert_toml_equals ("regex2 = '''I [dw]on't need \\d{2} apples'''\n"
                      "lines = '''\n"
                      "The first newline is\n"
                      "trimmed in raw strings.\n"
                      "   All other whitespace\n"
                      "   is preserved. \\\n"
                      "'''\n"
                      "quot15 = '''Here are fifteen quotation marks: \"\"\"\"\"\"\"\"\"\"\"\"\"\"\"'''\n"
                      "apos15 = \"Here are fifteen apostrophes: '''''''''''''''\"\n"
                      "str = ''''That,' she said, 'is still pointless.''''\n",
                      "{ \"regex2\": \"I [dw]on't need \\\\d{2} apples\","
                      "  \"lines\": \"The first newline is\\ntrimmed in raw strings.\\n"
                      "   All other whitespace\\n   is preserved. \\\\\\n\","
                      "  \"quot15\": \"Here are fifteen quotation marks: \\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\","
                      "  \"apos15\": \"Here are fifteen apostrophes: '''''''''''''''\","
                      "  \"str\": \"'That,' she said, 'is still pointless.'\" }");
}

static void
test_toml_normalizes_crlf_line_endings (void **state)
{
  assert_toml_equals ("a = 1\r\n"
                      "# comment\r\n"
                      "[t]\r\n"
                      "s = \"\"\"\r\nline one\r\nline two\"\"\"\r\n"
                      "l = '''x\r\ny'''\r\n"
                      "c = \"\"\"join \\\r\n  ed\"\"\"\r\n"
                      "arr = [\r\n  1,\r\n  2,\r\n]\r\n",
                      "{ \"a\": 1, \"t\": { \"s\": \"line one\\nline two\", \"l\": \"x\\ny\","
                      "  \"c\": \"join ed\", \"arr\": [1, 2] } }");
}

static void
test_toml_parses_decimal_integers (void **state)
{
  assert_toml_equals ("a = +99\nb = 42\nc = 0\nd = -17\ne = 1_000\nf = 5_349_221\n"
                      "g = 53_49_221\nh = 1_2_3_4_5\ni = -0\nj = +0\n"
                      "max = 9223372036854775807\nmin = -9223372036854775808\n",
                      "{ \"a\": 99, \"b\": 42, \"c\": 0, \"d\": -17, \"e\": 1000, \"f\": 5349221,"
                      "  \"g\": 5349221, \"h\": 12345, \"i\": 0, \"j\": 0,"
                      "  \"max\": 9223372036854775807, \"min\": -9223372036854775808 }");
}

static void
test_toml_parses_hexadecimal_octal_and_binary_integers (void **state)
{
  assert_toml_equals ("hex1 = 0xDEADBEEF\nhex2 = 0xdeadbeef\nhex3 = 0xdead_beef\nhex4 = 0x00ff\n"
                      "oct1 = 0o01234567\noct2 = 0o755\nbin1 = 0b11010110\nbin2 = 0b0000_0001\n"
                      "hmax = 0x7FFFFFFFFFFFFFFF\nomax = 0o777777777777777777777\n"
                      "bmax = 0b111111111111111111111111111111111111111111111111111111111111111\n",
                      "{ \"hex1\": 3735928559, \"hex2\": 3735928559, \"hex3\": 3735928559, \"hex4\": 255,"
                      "  \"oct1\": 342391, \"oct2\": 493, \"bin1\": 214, \"bin2\": 1,"
                      "  \"hmax\": 9223372036854775807, \"omax\": 9223372036854775807,"
                      "  \"bmax\": 9223372036854775807 }");
}

static void
test_toml_parses_floats (void **state)
{
  assert_toml_equals ("f1 = +1.0\nf2 = 3.1415\nf3 = -0.01\nf4 = 5e+22\nf5 = 1e06\nf6 = -2E-2\n"
                      "f7 = 6.626e-34\nf8 = 224_617.445_991_228\nf9 = 0.0\nf10 = -0.0\n"
                      "f11 = 1e1_0\nf12 = 0e0\nf13 = 1.7976931348623157e308\nf14 = 1e-400\n",
                      "{ \"f1\": 1.0, \"f2\": 3.1415, \"f3\": -0.01, \"f4\": 5e22, \"f5\": 1e6,"
                      "  \"f6\": -0.02, \"f7\": 6.626e-34, \"f8\": 224617.445991228, \"f9\": 0.0,"
                      "  \"f10\": -0.0, \"f11\": 1e10, \"f12\": 0.0, \"f13\": 1.7976931348623157e308,"
                      "  \"f14\": 0.0 }");
}

static void
test_toml_parses_infinity_and_nan (void **state)
{
  struct json_object *root = parse_ok ("a = inf\nb = +inf\nc = -inf\nd = nan\ne = +nan\nf = -nan\n");
  struct json_object *v = NULL;

  assert_true (json_object_object_get_ex (root, "a", &v));
  assert_true (json_object_is_type (v, json_type_double));
  assert_true (isinf (json_object_get_double (v)) && json_object_get_double (v) > 0);
  assert_true (json_object_object_get_ex (root, "b", &v));
  assert_true (isinf (json_object_get_double (v)) && json_object_get_double (v) > 0);
  assert_true (json_object_object_get_ex (root, "c", &v));
  assert_true (isinf (json_object_get_double (v)) && json_object_get_double (v) < 0);
  assert_true (json_object_object_get_ex (root, "d", &v));
  assert_true (json_object_is_type (v, json_type_double));
  assert_true (isnan (json_object_get_double (v)));
  assert_true (json_object_object_get_ex (root, "e", &v));
  assert_true (isnan (json_object_get_double (v)));
  assert_true (json_object_object_get_ex (root, "f", &v));
  assert_true (isnan (json_object_get_double (v)));
  json_object_put (root);
}

static void
test_toml_parses_booleans (void **state)
{
  assert_toml_equals ("t = true\nf = false\na = [true,false]\ni = {x=true}\n",
                      "{ \"t\": true, \"f\": false, \"a\": [true, false], \"i\": { \"x\": true } }");
}

static void
test_toml_keeps_dates_and_times_as_written (void **state)
{
  assert_toml_equals ("odt1 = 1979-05-27T07:32:00Z\n"
                      "odt2 = 1979-05-27T00:32:00-07:00\n"
                      "odt3 = 1979-05-27T00:32:00.999999+05:30\n"
                      "odt4 = 1979-05-27 07:32:00z\n"
                      "odt5 = 1979-05-27t07:32:00Z\n"
                      "ldt1 = 1979-05-27T07:32:00\n"
                      "ldt2 = 1979-05-27T00:32:00.999999\n"
                      "ld1 = 1979-05-27\n"
                      "lt1 = 07:32:00\n"
                      "lt2 = 00:32:00.999999\n"
                      "leap = 2000-02-29\n"
                      "leapsec = 1990-12-31T23:59:60Z\n"
                      "arr = [1979-05-27, 07:32:00, 1979-05-27 07:32:00]\n"
                      "ld2 = 1979-05-27 # a date and a comment\n",
                      "{ \"odt1\": \"1979-05-27T07:32:00Z\", \"odt2\": \"1979-05-27T00:32:00-07:00\","
                      "  \"odt3\": \"1979-05-27T00:32:00.999999+05:30\", \"odt4\": \"1979-05-27 07:32:00z\","
                      "  \"odt5\": \"1979-05-27t07:32:00Z\", \"ldt1\": \"1979-05-27T07:32:00\","
                      "  \"ldt2\": \"1979-05-27T00:32:00.999999\", \"ld1\": \"1979-05-27\","
                      "  \"lt1\": \"07:32:00\", \"lt2\": \"00:32:00.999999\", \"leap\": \"2000-02-29\","
                      "  \"leapsec\": \"1990-12-31T23:59:60Z\","
                      "  \"arr\": [\"1979-05-27\", \"07:32:00\", \"1979-05-27 07:32:00\"],"
                      "  \"ld2\": \"1979-05-27\" }");
}

static void
test_toml_parses_arrays (void **state)
{
  assert_toml_equals ("integers = [ 1, 2, 3 ]\n"
                      "colors = [ \"red\", 'yellow', \"\"\"green\"\"\" ]\n"
                      "nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]\n"
                      "nested_mixed_array = [ [ 1, 2 ], [\"a\", \"b\", \"c\"] ]\n"
                      "numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]\n"
                      "contributors = [\n"
                      "  \"Foo Bar <foo@example.com>\",  # a comment\n"
                      "  { name = \"Baz Qux\", email = \"bazqux@example.com\", url = \"https://example.com/bazqux\" }\n"
                      "]\n"
                      "integers3 = [\n"
                      "  1,\n"
                      "  2, # this is ok\n"
                      "]\n"
                      "empty = []\n"
                      "empty2 = [ # comment\n"
                      "]\n"
                      "deep = [[[[]]]]\n",
                      "{ \"integers\": [1, 2, 3], \"colors\": [\"red\", \"yellow\", \"green\"],"
                      "  \"nested_arrays_of_ints\": [[1, 2], [3, 4, 5]],"
                      "  \"nested_mixed_array\": [[1, 2], [\"a\", \"b\", \"c\"]],"
                      "  \"numbers\": [0.1, 0.2, 0.5, 1, 2, 5],"
                      "  \"contributors\": [\"Foo Bar <foo@example.com>\","
                      "    { \"name\": \"Baz Qux\", \"email\": \"bazqux@example.com\", \"url\": \"https://example.com/bazqux\" }],"
                      "  \"integers3\": [1, 2], \"empty\": [], \"empty2\": [], \"deep\": [[[[]]]] }");
}

static void
test_toml_parses_inline_tables (void **state)
{
  assert_toml_equals ("name = { first = \"Tom\", last = \"Preston-Werner\" }\n"
                      "point = {x=1,y=2}\n"
                      "animal = { type.name = \"pug\", type.size = \"small\" }\n"
                      "empty = {}\n"
                      "spaced = {   }\n"
                      "nested = { a = { b = { c = 1 } }, d = [ { e = 2 } ] }\n"
                      "multi = { s = \"\"\"x\ny\"\"\", arr = [\n 1,\n 2\n] }\n",
                      "{ \"name\": { \"first\": \"Tom\", \"last\": \"Preston-Werner\" },"
                      "  \"point\": { \"x\": 1, \"y\": 2 },"
                      "  \"animal\": { \"type\": { \"name\": \"pug\", \"size\": \"small\" } },"
                      "  \"empty\": {}, \"spaced\": {},"
                      "  \"nested\": { \"a\": { \"b\": { \"c\": 1 } }, \"d\": [ { \"e\": 2 } ] },"
                      "  \"multi\": { \"s\": \"x\\ny\", \"arr\": [1, 2] } }");
}

static void
test_toml_parses_tables_and_implicit_super_tables (void **state)
{
  assert_toml_equals ("[table-1]\nkey1 = \"some string\"\nkey2 = 123\n"
                      "[dog.\"tater.man\"]\ntype.name = \"pug\"\n"
                      "[a.b.c]\n"
                      "[ d.e.f ]\n"
                      "[ g .  h  . i ]\n"
                      "[ j . \"ʞ\" . 'l' ]\n"
                      "[x.y.z.w]\n"
                      "[x]\n"
                      "v = 1\n"
                      "[x.y]\n"
                      "u = 2\n",
                      "{ \"table-1\": { \"key1\": \"some string\", \"key2\": 123 },"
                      "  \"dog\": { \"tater.man\": { \"type\": { \"name\": \"pug\" } } },"
                      "  \"a\": { \"b\": { \"c\": {} } }, \"d\": { \"e\": { \"f\": {} } },"
                      "  \"g\": { \"h\": { \"i\": {} } }, \"j\": { \"ʞ\": { \"l\": {} } },"
                      "  \"x\": { \"y\": { \"z\": { \"w\": {} }, \"u\": 2 }, \"v\": 1 } }");
}

static void
test_toml_allows_headers_below_tables_made_by_dotted_keys (void **state)
{
  assert_toml_equals ("[fruit]\n"
                      "apple.color = \"red\"\n"
                      "apple.taste.sweet = true\n"
                      "[fruit.apple.texture]\n"
                      "smooth = true\n",
                      "{ \"fruit\": { \"apple\": { \"color\": \"red\", \"taste\": { \"sweet\": true },"
                      "  \"texture\": { \"smooth\": true } } } }");
  assert_toml_equals ("a.b.c = 1\n[a.b.d]\ne = 2\n",
                      "{ \"a\": { \"b\": { \"c\": 1, \"d\": { \"e\": 2 } } } }");
}

static void
test_toml_parses_arrays_of_tables_with_subtables (void **state)
{
  assert_toml_equals ("[[products]]\nname = \"Hammer\"\nsku = 738594937\n"
                      "[[products]]  # empty table within the array\n"
                      "[[products]]\nname = \"Nail\"\nsku = 284758393\ncolor = \"gray\"\n"
                      "[[fruits]]\nname = \"apple\"\n"
                      "[fruits.physical]\ncolor = \"red\"\nshape = \"round\"\n"
                      "[[fruits.varieties]]\nname = \"red delicious\"\n"
                      "[[fruits.varieties]]\nname = \"granny smith\"\n"
                      "[[fruits]]\nname = \"banana\"\n"
                      "[[fruits.varieties]]\nname = \"plantain\"\n"
                      "[[a.b]]\nx = 1\n[a]\ny = 2\n",
                      "{ \"products\": [ { \"name\": \"Hammer\", \"sku\": 738594937 }, {},"
                      "    { \"name\": \"Nail\", \"sku\": 284758393, \"color\": \"gray\" } ],"
                      "  \"fruits\": [ { \"name\": \"apple\", \"physical\": { \"color\": \"red\", \"shape\": \"round\" },"
                      "      \"varieties\": [ { \"name\": \"red delicious\" }, { \"name\": \"granny smith\" } ] },"
                      "    { \"name\": \"banana\", \"varieties\": [ { \"name\": \"plantain\" } ] } ],"
                      "  \"a\": { \"b\": [ { \"x\": 1 } ], \"y\": 2 } }");
}

static void
test_toml_skips_a_leading_byte_order_mark (void **state)
{
  assert_toml_equals ("\xef\xbb\xbf" "a = 1\n", "{ \"a\": 1 }");
  /* Columns on the first line do not count the mark. */
  assert_toml_error ("\xef\xbb\xbf" "a = ?\n", 1, 5, "expected a value");
  assert_toml_error ("\xef\xbb\xbf" "a = \"\xff\"\n", 1, 6, "invalid UTF-8");
  /* Anywhere else, U+FEFF is just a character that cannot start a key. */
  assert_toml_error ("a = 1\n\xef\xbb\xbf" "b = 2\n", 2, 1, "found U+FEFF");
}

static void
test_toml_parses_input_that_is_not_nul_terminated (void **state)
{
  const char buf[] = { 'a', ' ', '=', ' ', '1', '2' };
  struct json_object *root = parse_ok_len (buf, 5);   /* "a = 1" */
  struct json_object *a = NULL;

  assert_true (json_object_object_get_ex (root, "a", &a));
  assert_int_equal (json_object_get_int64 (a), 1);
  json_object_put (root);

  /* Truncated inside a string: the bytes after len are never read. */
  assert_toml_error_len ("s = \"abc\"", 7, 1, 5, "unterminated string");
}

static void
test_toml_parses_a_registries_conf_v2 (void **state)
{
  assert_toml_equals (
    "# For more information on this configuration file, see containers-registries.conf(5).\n"
    "unqualified-search-registries = [\"registry.fedoraproject.org\", \"registry.access.redhat.com\", \"docker.io\"]\n"
    "short-name-mode = \"enforcing\"\n"
    "\n"
    "[[registry]]\n"
    "# The \"prefix\" field is used to choose the relevant [[registry]] TOML table;\n"
    "prefix = \"example.com/foo\"\n"
    "insecure = false\n"
    "blocked = false\n"
    "location = \"internal-registry-for-example.com/bar\"\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"example-mirror-0.local/mirror-for-foo\"\n"
    "\n"
    "[[registry.mirror]]\n"
    "location = \"example-mirror-1.local/mirrors/foo\"\n"
    "insecure = true\n"
    "pull-from-mirror = \"digest-only\"\n"
    "\n"
    "[[registry]]\n"
    "location = \"quay.io\"\n"
    "mirror-by-digest-only = true\n"
    "mirror = [ { location = \"mirror.example.org\" } ]\n"
    "\n"
    "[aliases]\n"
    "# centos\n"
    "\"centos\" = \"quay.io/centos/centos\"\n"
    "\"fedora\" = \"registry.fedoraproject.org/fedora\"\n"
    "ubi8 = \"registry.access.redhat.com/ubi8\"\n",
    "{ \"unqualified-search-registries\": [\"registry.fedoraproject.org\", \"registry.access.redhat.com\", \"docker.io\"],"
    "  \"short-name-mode\": \"enforcing\","
    "  \"registry\": ["
    "    { \"prefix\": \"example.com/foo\", \"insecure\": false, \"blocked\": false,"
    "      \"location\": \"internal-registry-for-example.com/bar\","
    "      \"mirror\": [ { \"location\": \"example-mirror-0.local/mirror-for-foo\" },"
    "                  { \"location\": \"example-mirror-1.local/mirrors/foo\", \"insecure\": true,"
    "                    \"pull-from-mirror\": \"digest-only\" } ] },"
    "    { \"location\": \"quay.io\", \"mirror-by-digest-only\": true,"
    "      \"mirror\": [ { \"location\": \"mirror.example.org\" } ] } ],"
    "  \"aliases\": { \"centos\": \"quay.io/centos/centos\", \"fedora\": \"registry.fedoraproject.org/fedora\","
    "                \"ubi8\": \"registry.access.redhat.com/ubi8\" } }");
}

static void
test_toml_parses_a_storage_conf (void **state)
{
  assert_toml_equals (
    "# This file is the configuration file for all tools\n"
    "# that use the containers/storage library.\n"
    "[storage]\n"
    "\n"
    "# Default Storage Driver, Must be set for proper operation.\n"
    "driver = \"overlay\"\n"
    "\n"
    "# Temporary storage location\n"
    "runroot = \"/run/containers/storage\"\n"
    "\n"
    "# Primary Read/Write location of container storage\n"
    "graphroot = \"/var/lib/containers/storage\"\n"
    "\n"
    "# rootless_storage_path = \"$HOME/.local/share/containers/storage\"\n"
    "transient_store = false\n"
    "\n"
    "[storage.options]\n"
    "additionalimagestores = [\n"
    "]\n"
    "pull_options = {enable_partial_images = \"false\", use_hard_links = \"false\", ostree_repos=\"\"}\n"
    "\n"
    "[storage.options.overlay]\n"
    "mountopt = \"nodev,metacopy=on\"\n"
    "# force_mask = \"\"\n"
    "\n"
    "[storage.options.thinpool]\n"
    "# autoextend_percent = \"20\"\n",
    "{ \"storage\": { \"driver\": \"overlay\", \"runroot\": \"/run/containers/storage\","
    "    \"graphroot\": \"/var/lib/containers/storage\", \"transient_store\": false,"
    "    \"options\": { \"additionalimagestores\": [],"
    "      \"pull_options\": { \"enable_partial_images\": \"false\", \"use_hard_links\": \"false\", \"ostree_repos\": \"\" },"
    "      \"overlay\": { \"mountopt\": \"nodev,metacopy=on\" },"
    "      \"thinpool\": {} } } }");
}

static void
test_toml_parses_a_containers_conf (void **state)
{
  assert_toml_equals (
    "[containers]\n"
    "default_capabilities = [\n"
    "  \"CHOWN\",\n"
    "  \"NET_BIND_SERVICE\",\n"
    "]\n"
    "default_ulimits = [\n"
    "  \"nofile=1024:2048\",\n"
    "]\n"
    "log_size_max = -1\n"
    "pids_limit = 2048\n"
    "userns_size = 65536\n"
    "\n"
    "[engine]\n"
    "cgroup_manager = \"systemd\"\n"
    "events_logger = \"journald\"\n"
    "runtime = \"crun\"\n"
    "image_parallel_copies = 0\n"
    "volume_path = \"/var/lib/containers/storage/volumes\"\n"
    "\n"
    "[engine.runtimes]\n"
    "crun = [\n"
    "  \"/usr/bin/crun\",\n"
    "  \"/usr/sbin/crun\",\n"
    "]\n"
    "\n"
    "[engine.service_destinations]\n"
    "[engine.service_destinations.production]\n"
    "uri = \"ssh://root@host:22/run/podman/podman.sock\"\n"
    "identity = \"~/.ssh/id_rsa\"\n"
    "\n"
    "[network]\n"
    "network_backend = \"netavark\"\n"
    "default_subnet_pools = [\n"
    "  {\"base\" = \"10.89.0.0/16\", \"size\" = 24},\n"
    "  {\"base\" = \"10.90.0.0/15\", \"size\" = 24},\n"
    "]\n"
    "\n"
    "[machine]\n"
    "cpus = 1\n"
    "memory = 2048\n",
    "{ \"containers\": { \"default_capabilities\": [\"CHOWN\", \"NET_BIND_SERVICE\"],"
    "    \"default_ulimits\": [\"nofile=1024:2048\"], \"log_size_max\": -1, \"pids_limit\": 2048,"
    "    \"userns_size\": 65536 },"
    "  \"engine\": { \"cgroup_manager\": \"systemd\", \"events_logger\": \"journald\", \"runtime\": \"crun\","
    "    \"image_parallel_copies\": 0, \"volume_path\": \"/var/lib/containers/storage/volumes\","
    "    \"runtimes\": { \"crun\": [\"/usr/bin/crun\", \"/usr/sbin/crun\"] },"
    "    \"service_destinations\": { \"production\": { \"uri\": \"ssh://root@host:22/run/podman/podman.sock\","
    "      \"identity\": \"~/.ssh/id_rsa\" } } },"
    "  \"network\": { \"network_backend\": \"netavark\","
    "    \"default_subnet_pools\": [ { \"base\": \"10.89.0.0/16\", \"size\": 24 },"
    "                              { \"base\": \"10.90.0.0/15\", \"size\": 24 } ] },"
    "  \"machine\": { \"cpus\": 1, \"memory\": 2048 } }");
}

static GString *
nested_arrays (guint depth)
{
  GString *s = g_string_new ("a = ");
  guint i;

  for (i = 0; i < depth; i++)
    g_string_append_c (s, '[');
  for (i = 0; i < depth; i++)
    g_string_append_c (s, ']');
  g_string_append_c (s, '\n');
  return s;
}

static void
test_toml_accepts_nesting_up_to_the_depth_limit (void **state)
{
  /* The root is depth 0 and "a" is depth 1. */
  g_autoptr(GString) arrays = nested_arrays (LC_TOML_MAX_DEPTH);
  g_autoptr(GString) header = g_string_new ("[");
  struct json_object *root;
  guint i;

  root = parse_ok (arrays->str);
  json_object_put (root);

  for (i = 0; i < LC_TOML_MAX_DEPTH; i++)
    g_string_append (header, i == 0 ? "k" : ".k");
  g_string_append (header, "]\nx = 1\n");
  /* The table is at the limit; "x" is a value, which adds no depth. */
  root = parse_ok (header->str);
  json_object_put (root);
}

/* ---- lc_toml_parse_file -------------------------------------------------- */

static void
test_toml_parse_file_reads_a_file (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  struct json_object *root, *v = NULL;
  int fd;

  fd = g_file_open_tmp ("test-toml-XXXXXX.toml", &path, &error);
  assert_true (fd >= 0);
  close (fd);
  assert_true (g_file_set_contents (path, "[engine]\nruntime = \"runc\"\n", -1, &error));

  root = lc_toml_parse_file (path, &error);
  assert_non_null (root);
  assert_null (error);
  assert_true (json_object_object_get_ex (root, "engine", &v));
  assert_true (json_object_object_get_ex (v, "runtime", &v));
  assert_string_equal (json_object_get_string (v), "runc");
  json_object_put (root);
  g_unlink (path);
}

static void
test_toml_parse_file_names_the_path_in_errors (void **state)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = NULL;
  g_autofree char *prefix = NULL;
  struct json_object *root;
  int fd;

  fd = g_file_open_tmp ("test-toml-XXXXXX.toml", &path, &error);
  assert_true (fd >= 0);
  close (fd);
  assert_true (g_file_set_contents (path, "a = 1\na = 2\n", -1, &error));

  root = lc_toml_parse_file (path, &error);
  assert_null (root);
  assert_true (g_error_matches (error, LC_ERROR, LC_ERROR_INVALID_CONFIG));
  prefix = g_strdup_printf ("%s:2:1: ", path);
  assert_true (g_str_has_prefix (error->message, prefix));
  g_unlink (path);
}

static void
test_toml_parse_file_reports_a_missing_file_as_not_found (void **state)
{
  g_autoptr(GError) error = NULL;
  struct json_object *root = lc_toml_parse_file ("/nonexistent/dir/registries.conf", &error);

  assert_null (root);
  assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND));
}

static void
test_toml_parse_file_rejects_a_directory (void **state)
{
  g_autoptr(GError) error = NULL;
  struct json_object *root = lc_toml_parse_file ("/", &error);

  assert_null (root);
  assert_true (error != NULL && error->domain == G_IO_ERROR);
}

/* ---- invalid documents --------------------------------------------------- */

static void
test_toml_rejects_duplicate_keys (void **state)
{
  static const InvalidCase cases[] = {
    { "name = \"Tom\"\nname = \"Pradyun\"\n", 2, 1, "duplicate key 'name'" },
    { "spelling = \"favorite\"\n\"spelling\" = \"favourite\"\n", 2, 1, "duplicate key 'spelling'" },
    { "a = 1\n'a' = 2\n", 2, 1, "duplicate key 'a'" },
    { "\"\" = 1\n'' = 2\n", 2, 1, "duplicate key '\"\"'" },
    { "[t]\nx = 1\ny = 2\n  x = 3\n", 4, 3, "duplicate key 'x'" },
    { "a.b = 1\na.b = 2\n", 2, 3, "duplicate key 'a.b'" },
    { "a.b = 1\na = 2\n", 2, 1, "duplicate key 'a'" },
    { "a = 1\na.b = 2\n", 2, 1, "cannot add keys to 'a'" },
    { "[[a]]\nx = 1\nx = 2\n", 3, 1, "duplicate key 'x'" },
    { "t = { x = 1 }\nt = 2\n", 2, 1, "already an inline table" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_duplicate_keys_in_inline_tables (void **state)
{
  static const InvalidCase cases[] = {
    { "t = { a = 1, a = 2 }\n", 1, 14, "duplicate key 'a'" },
    { "t = { a.b = 1, a.b = 2 }\n", 1, 18, "duplicate key 'a.b'" },
    { "t = { a.b = 1, a = 2 }\n", 1, 16, "duplicate key 'a'" },
    { "t = { a = {}, a.b = 1 }\n", 1, 15, "already an inline table" },
    { "t = { a = [], a.b = 1 }\n", 1, 15, "already an array" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_redefined_tables (void **state)
{
  static const InvalidCase cases[] = {
    { "[fruit]\napple = \"red\"\n\n[fruit]\norange = \"orange\"\n", 4, 2, "cannot define table 'fruit'" },
    { "[fruit]\napple = \"red\"\n\n[fruit.apple]\ntexture = \"smooth\"\n", 4, 8, "already a value" },
    { "[a.b]\n[a]\n[a]\n", 3, 2, "cannot define table 'a'" },
    { "[a]\n[a.b]\n[a.b]\n", 3, 4, "cannot define table 'a.b'" },
    { "[a.b.c]\n[a.b]\n[a.b]\n", 3, 4, "cannot define table 'a.b'" },
    { "a = 1\n[a]\n", 2, 2, "already a value" },
    { "[ \"a\" ]\n[a]\n", 2, 2, "cannot define table 'a'" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_headers_for_tables_made_by_dotted_keys (void **state)
{
  static const InvalidCase cases[] = {
    { "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple]\n", 4, 8,
      "already a table made by dotted keys" },
    { "[fruit]\napple.color = \"red\"\napple.taste.sweet = true\n[fruit.apple.taste]\n", 4, 14,
      "already a table made by dotted keys" },
    { "a.b = 1\n[a]\n", 2, 2, "cannot define table 'a'" },
    { "[t1]\nt2.t3.v = 0\n[t1.t2]\n", 3, 5, "cannot define table 't1.t2'" },
    { "a.b = 1\n[[a]]\n", 2, 3, "cannot define array of tables 'a'" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_dotted_keys_into_tables_defined_otherwise (void **state)
{
  static const InvalidCase cases[] = {
    /* [a.b.c] defined the table; dotted keys under [a] cannot add to it. */
    { "[a.b.c]\nz = 9\n[a]\nb.c.t = 9\n", 4, 1, "cannot add keys to 'b'" },
    { "[a.b.c.d]\nz = 9\n[a]\nb.c.d.k.t = 8\n", 4, 1, "cannot add keys to 'b'" },
    /* Not even through a table that [a.b.c] only created on the way. */
    { "[a.b.c]\n[a]\nb.d = 1\n", 3, 1, "cannot add keys to 'b' with dotted keys: it is already a table from a [header]" },
    { "[[a.b]]\n[a]\nb.y = 2\n", 3, 1, "already an array of tables" },
    { "arr = [1]\narr.x = 2\n", 2, 1, "already an array" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_extending_inline_tables (void **state)
{
  static const InvalidCase cases[] = {
    { "[product]\ntype = { name = \"Nail\" }\ntype.edible = false\n", 3, 1, "already an inline table" },
    { "[product]\ntype.name = \"Nail\"\ntype = { edible = false }\n", 3, 1, "duplicate key 'type'" },
    { "a = {}\n[a]\n", 2, 2, "already an inline table" },
    { "a = {}\n[a.b]\n", 2, 2, "cannot add tables to 'a'" },
    { "a = { b = {} }\n[a.b.c]\n", 2, 2, "already an inline table" },
    { "a = { b = 1 }\n[[a]]\n", 2, 3, "cannot define array of tables 'a'" },
    { "a = [ { b = 1 } ]\n[a.c]\n", 2, 2, "already an array" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_appending_to_static_arrays (void **state)
{
  static const InvalidCase cases[] = {
    { "fruits = []\n[[fruits]]\n", 2, 3, "cannot define array of tables 'fruits': it is already an array" },
    { "a = [{}]\n[[a]]\n", 2, 3, "already an array" },
    { "a = [{}]\n[a]\n", 2, 2, "already an array" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_conflicts_between_tables_and_arrays_of_tables (void **state)
{
  static const InvalidCase cases[] = {
    { "[[fruits]]\nname = \"apple\"\n[[fruits.varieties]]\nname = \"red delicious\"\n"
      "[fruits.varieties]\nname = \"granny smith\"\n", 5, 9, "already an array of tables" },
    { "[[fruits]]\n[fruits.physical]\ncolor = \"red\"\n[[fruits.physical]]\ncolor = \"green\"\n", 4, 10,
      "already a table" },
    { "[fruit.physical]\ncolor = \"red\"\n[[fruit]]\n", 3, 3, "already a table" },
    { "[a]\n[[a]]\n", 2, 3, "already a table" },
    { "[[a]]\n[a]\n", 2, 2, "already an array of tables" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_bad_escapes (void **state)
{
  static const InvalidCase cases[] = {
    { "s = \"\\x41\"\n", 1, 6, "invalid escape sequence" },
    { "s = \"\\e\"\n", 1, 6, "invalid escape sequence" },
    { "s = \"\\a\"\n", 1, 6, "invalid escape sequence" },
    { "s = \"\\ \"\n", 1, 6, "invalid escape sequence" },
    { "s = \"\\'\"\n", 1, 6, "invalid escape sequence" },
    { "s = \"ab\\u12\"\n", 1, 8, "exactly 4 hexadecimal digits" },
    { "s = \"\\u12G4\"\n", 1, 6, "exactly 4 hexadecimal digits" },
    { "s = \"\\U0001F60\"\n", 1, 6, "exactly 8 hexadecimal digits" },
    { "s = \"\\uD800\"\n", 1, 6, "not a Unicode scalar value" },
    { "s = \"\\uDFFF\"\n", 1, 6, "not a Unicode scalar value" },
    { "s = \"\\U00110000\"\n", 1, 6, "not a Unicode scalar value" },
    { "s = \"\\UFFFFFFFF\"\n", 1, 6, "not a Unicode scalar value" },
    { "s = \"\"\"\n\\q\"\"\"\n", 2, 1, "invalid escape sequence" },
    { "s = \"\"\"a\\ b\"\"\"\n", 1, 9, "invalid escape sequence" },
    { "\"\\x\" = 1\n", 1, 2, "invalid escape sequence" },
    { "s = \"\\", 1, 6, "invalid escape sequence" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_control_characters (void **state)
{
  static const InvalidCase cases[] = {
    { "s = \"a\x01\"\n", 1, 7, "control character U+0001" },
    { "s = \"a\x7f\"\n", 1, 7, "control character U+007F" },
    { "s = 'a\x1f'\n", 1, 7, "control character U+001F" },
    { "s = \"\"\"a\x08\"\"\"\n", 1, 9, "control character U+0008" },
    { "s = '''a\x0c'''\n", 1, 9, "control character U+000C" },
    { "s = \"\"\"a\rb\"\"\"\n", 1, 9, "control character U+000D" },
    { "s = \"a\rb\"\n", 1, 7, "control character U+000D" },
    { "# comment \x7f\n", 1, 11, "control character U+007F in comment" },
    { "a = 1 # \x01\n", 1, 9, "control character U+0001 in comment" },
    { "# bare CR\r\n# ok\r\n# bad\r", 3, 6, "control character U+000D in comment" },
    { "a = 1\rb = 2\n", 1, 6, "expected a newline after a value" },
    { "\ra = 1\n", 1, 1, "expected a key or a table header" },
    { "a = \x0b" "1\n", 1, 5, "expected a value" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_leading_zeros_in_decimals (void **state)
{
  static const InvalidCase cases[] = {
    { "a = 01\n", 1, 5, "leading zeros" },
    { "a = 00\n", 1, 5, "leading zeros" },
    { "a = -01\n", 1, 5, "leading zeros" },
    { "a = +0_1\n", 1, 5, "leading zeros" },
    { "a = 03.14\n", 1, 5, "leading zeros" },
    { "a = -03.14\n", 1, 5, "leading zeros" },
    { "a = 01e3\n", 1, 5, "leading zeros" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_misplaced_underscores_and_bad_digits (void **state)
{
  static const InvalidCase cases[] = {
    { "a = 1__2\n", 1, 5, "misplaced underscore" },
    { "a = 1_\n", 1, 5, "misplaced underscore" },
    { "a = _1\n", 1, 5, "expected a value" },
    { "a = 0x_1\n", 1, 5, "invalid number" },
    { "a = 0x1_\n", 1, 5, "invalid number" },
    { "a = 0b102\n", 1, 5, "invalid number" },
    { "a = 0o8\n", 1, 5, "invalid number" },
    { "a = 0xg\n", 1, 5, "invalid number" },
    { "a = 0X1\n", 1, 5, "invalid number" },
    { "a = 0B1\n", 1, 5, "invalid number" },
    { "a = 0x\n", 1, 5, "invalid number" },
    { "a = 1_.2\n", 1, 5, "misplaced underscore" },
    { "a = 1._2\n", 1, 5, "invalid number" },
    { "a = 1.2_\n", 1, 5, "invalid number" },
    { "a = 1e_2\n", 1, 5, "invalid number" },
    { "a = 1_e2\n", 1, 5, "misplaced underscore" },
    { "a = 1 2\n", 1, 7, "expected a newline after a value" },
    { "a = 1.2.3\n", 1, 5, "invalid number" },
    { "a = --1\n", 1, 5, "invalid value" },
    { "a = +\n", 1, 5, "invalid value" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_signed_prefixed_integers (void **state)
{
  static const InvalidCase cases[] = {
    { "a = -0xff\n", 1, 5, "cannot have a sign" },
    { "a = +0o7\n", 1, 5, "cannot have a sign" },
    { "a = +0b1\n", 1, 5, "cannot have a sign" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_integers_out_of_int64_range (void **state)
{
  static const InvalidCase cases[] = {
    { "a = 9223372036854775808\n", 1, 5, "out of range for a 64-bit integer" },
    { "a = -9223372036854775809\n", 1, 5, "out of range for a 64-bit integer" },
    { "a = 99999999999999999999999999\n", 1, 5, "out of range" },
    { "a = 0x8000000000000000\n", 1, 5, "out of range" },
    { "a = 0xFFFFFFFFFFFFFFFF\n", 1, 5, "out of range" },
    { "a = 0o1000000000000000000000\n", 1, 5, "out of range" },
    { "a = 0b1000000000000000000000000000000000000000000000000000000000000000\n", 1, 5, "out of range" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_malformed_floats (void **state)
{
  static const InvalidCase cases[] = {
    { "a = .5\n", 1, 5, "expected a value" },
    { "a = -.5\n", 1, 5, "invalid value" },
    { "a = 1.\n", 1, 5, "decimal point" },
    { "a = 1.e5\n", 1, 5, "decimal point" },
    { "a = 1e\n", 1, 5, "exponent" },
    { "a = 1e+\n", 1, 5, "exponent" },
    { "a = 1e2.5\n", 1, 5, "unexpected character" },
    { "a = 1e2e3\n", 1, 5, "unexpected character" },
    { "a = 1e400\n", 1, 5, "out of range for a 64-bit float" },
    { "a = -1e400\n", 1, 5, "out of range for a 64-bit float" },
    { "a = Inf\n", 1, 5, "expected a value" },
    { "a = NaN\n", 1, 5, "expected a value" },
    { "a = infinity\n", 1, 5, "invalid value" },
    { "a = -nan1\n", 1, 5, "invalid value" },
    { "a = in\n", 1, 5, "invalid value" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_invalid_utf8 (void **state)
{
  static const InvalidCase cases[] = {
    { "a = \"\xff\"\n", 1, 6, "invalid UTF-8" },
    { "a = 1\n# \xc0\xaf overlong\n", 2, 3, "invalid UTF-8" },
    { "a = 'é\xed\xa0\x80'\n", 1, 7, "invalid UTF-8" },   /* an encoded surrogate */
    { "a = '\xf4\x90\x80\x80'\n", 1, 6, "invalid UTF-8" },   /* above U+10FFFF */
    { "a = \"\xe2\x82\"\n", 1, 6, "invalid UTF-8" },         /* truncated sequence */
    { "\xe2\x82", 1, 1, "invalid UTF-8" },
    { "\xfe\xff\x00" "a", 1, 1, "invalid UTF-8" },                /* UTF-16 */
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_nul_bytes (void **state)
{
  assert_toml_error_len ("a = 1\n\0", 7, 2, 1, "NUL byte");
  assert_toml_error_len ("a = \"x\0y\"\n", 10, 1, 7, "NUL byte");
  assert_toml_error_len ("# \0\n", 4, 1, 3, "NUL byte");
  assert_toml_error_len ("\0", 1, 1, 1, "NUL byte");
}

static void
test_toml_rejects_unterminated_strings (void **state)
{
  static const InvalidCase cases[] = {
    { "a = \"abc\n", 1, 5, "unterminated string" },
    { "a = \"abc", 1, 5, "unterminated string" },
    { "a = 'abc\n", 1, 5, "unterminated string" },
    { "a = 'abc", 1, 5, "unterminated string" },
    { "a = \"abc\\\"\n", 1, 5, "unterminated string" },
    { "a = \"\"\"abc\n\n", 1, 5, "unterminated multi-line string" },
    { "a = '''abc''\n", 1, 5, "unterminated multi-line string" },
    { "a = \"\"\"abc\"\"", 1, 5, "unterminated multi-line string" },
    { "\"abc = 1\n", 1, 1, "unterminated string" },
    { "[\"abc]\n", 1, 2, "unterminated string" },
    { "a = \"\"\"abc\\\"\"\"", 1, 5, "unterminated multi-line string" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_too_many_quotes_closing_a_multiline_string (void **state)
{
  static const InvalidCase cases[] = {
    { "a = \"\"\"abc\"\"\"\"\"\"\n", 1, 16, "too many quotes" },
    { "a = '''abc''''''\n", 1, 16, "too many quotes" },
    { "a = \"\"\"\"\"\"\"\"\"\n", 1, 13, "too many quotes" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_unterminated_arrays_and_inline_tables (void **state)
{
  static const InvalidCase cases[] = {
    { "a = [1, 2\n", 1, 5, "unterminated array" },
    { "a = [1, 2,", 1, 5, "unterminated array" },
    { "a = [", 1, 5, "unterminated array" },
    { "a = [\n  [1,\n  2\n", 2, 3, "unterminated array" },
    { "a = [1 2]\n", 1, 8, "expected ',' or ']' in array" },
    { "a = [1,,2]\n", 1, 8, "expected a value" },
    { "a = [,]\n", 1, 6, "expected a value" },
    { "a = { b = 1", 1, 5, "unterminated inline table" },
    { "a = {", 1, 5, "unterminated inline table" },
    { "a = { b = 1 c = 2 }\n", 1, 13, "expected ',' or '}' in inline table" },
    { "a = { b = 1 ]\n", 1, 13, "expected ',' or '}' in inline table" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_newlines_comments_and_trailing_commas_in_inline_tables (void **state)
{
  static const InvalidCase cases[] = {
    { "a = { b = 1,\n c = 2 }\n", 1, 13, "expected a key" },
    { "a = { b = 1\n}\n", 1, 12, "newlines are not allowed in an inline table" },
    { "a = {\n}\n", 1, 6, "expected a key" },
    { "a = { b = 1, }\n", 1, 14, "trailing comma" },
    { "a = { b = 1 # comment\n}\n", 1, 13, "expected ',' or '}'" },
    { "a = { , }\n", 1, 7, "expected a key" },
    { "a = { b = 1,, c = 2 }\n", 1, 13, "expected a key" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_trailing_garbage (void **state)
{
  static const InvalidCase cases[] = {
    { "a = 1 b = 2\n", 1, 7, "expected a newline after a value" },
    { "a = \"x\" \"y\"\n", 1, 9, "expected a newline after a value" },
    { "a = truex\n", 1, 5, "expected a value" },
    { "a = true false\n", 1, 10, "expected a newline after a value" },
    { "a = [1] ]\n", 1, 9, "expected a newline after a value" },
    { "a = {} }\n", 1, 8, "expected a newline after a value" },
    { "[t] x = 1\n", 1, 5, "expected a newline after a table header" },
    { "[[t]] ]\n", 1, 7, "expected a newline after a table header" },
    { "a = 1979-05-27T07:32:00Zx\n", 1, 25, "expected a newline after a value" },
    { "a = 07:32:00Z\n", 1, 13, "expected a newline after a value" },
    { "a = 1\n]\n", 2, 1, "expected a key or a table header" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_missing_keys_values_and_brackets (void **state)
{
  static const InvalidCase cases[] = {
    { "a =\n", 1, 4, "expected a value, found end of line" },
    { "a = # nothing\n", 1, 5, "expected a value, found '#'" },
    { "a", 1, 2, "expected '=' after a key" },
    { "a b = 1\n", 1, 3, "expected '=' after a key" },
    { "= 1\n", 1, 1, "expected a key or a table header" },
    { "a. = 1\n", 1, 4, "expected a key" },
    { ".a = 1\n", 1, 1, "expected a key or a table header" },
    { "a..b = 1\n", 1, 3, "expected a key" },
    { "a = 1 = 2\n", 1, 7, "expected a newline after a value" },
    { "[]\n", 1, 2, "expected a key" },
    { "[a\n", 1, 3, "expected ']' to close the header" },
    { "[a.]\n", 1, 4, "expected a key" },
    { "[[a]\n", 1, 4, "expected ']]' to close the header" },
    { "[[a] ]\n", 1, 4, "expected ']]' to close the header" },
    { "[ [a]]\n", 1, 3, "expected a key" },
    { "[a]]\n", 1, 4, "expected a newline after a table header" },
    { "a = x\n", 1, 5, "expected a value, found 'x'" },
    { "a = True\n", 1, 5, "expected a value, found 'T'" },
    { "é = 1\n", 1, 1, "found U+00E9" },
    { "\xe3\x80\x80" "a = 1\n", 1, 1, "found U+3000" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_multiline_strings_as_keys (void **state)
{
  static const InvalidCase cases[] = {
    { "\"\"\"a\"\"\" = 1\n", 1, 1, "a key cannot be a multi-line string" },
    { "'''a''' = 1\n", 1, 1, "a key cannot be a multi-line string" },
    { "[t.'''a''']\n", 1, 4, "a key cannot be a multi-line string" },
  };

  ASSERT_ALL_INVALID (cases);
}

static void
test_toml_rejects_keys_containing_nul (void **state)
{
  /* json-c object keys are C strings; such a key cannot be represented. */
  assert_toml_error ("\"a\\u0000b\" = 1\n", 1, 1, "U+0000");
  assert_toml_error ("[x.\"\\u0000\"]\n", 1, 4, "U+0000");
}

static void
test_toml_rejects_invalid_dates_and_times (void **state)
{
  static const InvalidCase cases[] = {
    { "d = 2023-02-29\n", 1, 5, "day 29 is out of range" },
    { "d = 1900-02-29\n", 1, 5, "day 29 is out of range" },
    { "d = 2023-04-31\n", 1, 5, "day 31 is out of range" },
    { "d = 2023-01-00\n", 1, 5, "day 00 is out of range" },
    { "d = 2023-13-01\n", 1, 5, "month 13 is out of range" },
    { "d = 2023-00-01\n", 1, 5, "month 00 is out of range" },
    { "d = 2023-1-01\n", 1, 5, "expected YYYY-MM-DD" },
    { "d = 2023-01-011\n", 1, 5, "expected YYYY-MM-DD" },
    { "d = 10000-01-01\n", 1, 5, "invalid number" },
    { "d = 2023-01-01T24:00:00\n", 1, 16, "24:00:00 is out of range" },
    { "d = 2023-01-01T00:60:00\n", 1, 16, "out of range" },
    { "d = 2023-01-01T00:00:61\n", 1, 16, "out of range" },
    { "d = 2023-01-01T00:00\n", 1, 16, "expected HH:MM:SS" },
    { "d = 2023-01-01T\n", 1, 16, "expected HH:MM:SS" },
    { "d = 2023-01-01 00:00\n", 1, 16, "expected HH:MM:SS" },
    { "d = 2023-01-01T0:00:00\n", 1, 16, "expected HH:MM:SS" },
    { "d = 2023-01-01T00:00:00.\n", 1, 25, "decimal point" },
    { "d = 2023-01-01T00:00:00+01\n", 1, 24, "time offset" },
    { "d = 2023-01-01T00:00:00+1:00\n", 1, 24, "time offset" },
    { "d = 2023-01-01T00:00:00+24:00\n", 1, 24, "time offset: out of range" },
    { "d = 2023-01-01T00:00:00-00:60\n", 1, 24, "time offset: out of range" },
    { "d = 2023-01-01T00:00:00+01:000\n", 1, 24, "time offset" },
    { "t = 24:00:00\n", 1, 5, "out of range" },
    { "t = 12:00\n", 1, 5, "expected HH:MM:SS" },
    { "t = 1:00:00\n", 1, 6, "expected a newline after a value" },
    { "t = 12:00:00.\n", 1, 14, "decimal point" },
  };

  ASSERT_ALL_INVALID (cases);
}

static GString *
repeated (const char *prefix, const char *unit, guint count, const char *suffix)
{
  GString *s = g_string_new (prefix);
  guint i;

  for (i = 0; i < count; i++)
    g_string_append (s, unit);
  g_string_append (s, suffix);
  return s;
}

static void
test_toml_rejects_nesting_beyond_the_depth_limit (void **state)
{
  g_autoptr(GString) arrays = nested_arrays (LC_TOML_MAX_DEPTH + 1);
  g_autoptr(GString) tables = repeated ("a = ", "{ a = ", LC_TOML_MAX_DEPTH + 1, "");
  g_autoptr(GString) header = repeated ("[a", ".a", LC_TOML_MAX_DEPTH, "]\n");
  g_autoptr(GString) dotted = repeated ("a", ".a", LC_TOML_MAX_DEPTH, " = 1\n");
  g_autoptr(GString) aot = g_string_new (NULL);
  g_autoptr(GString) hostile = repeated ("a = ", "[", 1000000, "");
  guint i;

  /* The 129th '[' or '{' opens depth 129. */
  assert_toml_error (arrays->str, 1, 5 + LC_TOML_MAX_DEPTH, "nested more than 128 deep");
  assert_toml_error (tables->str, 1, 5 + 6 * LC_TOML_MAX_DEPTH, "nested more than 128 deep");
  assert_toml_error (hostile->str, 1, 5 + LC_TOML_MAX_DEPTH, "nested more than 128 deep");
  /* A key has at most 128 parts; the 129th is reported. */
  assert_toml_error (header->str, 1, 2 * (LC_TOML_MAX_DEPTH + 1), "more than 128 parts");
  assert_toml_error (dotted->str, 1, 2 * (LC_TOML_MAX_DEPTH + 1) - 1, "more than 128 parts");
  /* [[a]], [[a.a]], ...: each level is two deep, the array and its table,
   * so the 65th level would reach depth 130. */
  for (i = 0; i < LC_TOML_MAX_DEPTH / 2 + 1; i++)
    {
      guint j;

      g_string_append (aot, "[[a");
      for (j = 0; j < i; j++)
        g_string_append (aot, ".a");
      g_string_append (aot, "]]\nx = 1\n");
    }
  assert_toml_error (aot->str, 2 * (LC_TOML_MAX_DEPTH / 2) + 1, 3 + LC_TOML_MAX_DEPTH, "nested more than 128 deep");
}

static void
test_toml_rejects_documents_larger_than_the_limit (void **state)
{
  gsize len = LC_TOML_MAX_SIZE + 1;
  g_autofree char *big = g_malloc (len);

  memset (big, '#', len);
  assert_toml_error_len (big, len, 1, 1, "larger than");
}

static void
test_toml_limits_the_number_of_values (void **state)
{
  g_autoptr(GString) at_limit = repeated ("a = [", "1,", LC_TOML_MAX_VALUES - 1, "]\n");
  g_autoptr(GString) over = repeated ("a = [", "1,", LC_TOML_MAX_VALUES, "]\n");
  g_autoptr(GString) tables = repeated ("", "[[a]]\n", LC_TOML_MAX_VALUES, "");
  struct json_object *root;

  /* The array counts as one. */
  root = parse_ok (at_limit->str);
  json_object_put (root);
  assert_toml_error (over->str, 1, 6 + 2 * (LC_TOML_MAX_VALUES - 1), "more than 100000 tables, arrays and values");
  /* So does the array of tables: its 100000th element is one too many. */
  assert_toml_error (tables->str, LC_TOML_MAX_VALUES, 3, "more than 100000");
}

static void
test_toml_error_columns_count_characters_not_bytes (void **state)
{
  assert_toml_error ("s = \"été\" ?\n", 1, 11, "expected a newline after a value");
  assert_toml_error ("a = 1\n\"ключ\" = \"значение\" x\n", 2, 21, "found 'x'");
  assert_toml_error ("a = 1\r\nb = 2\r\nc = 3 d\r\n", 3, 7, "expected a newline");
}

static void
test_toml_error_messages_shorten_very_long_keys (void **state)
{
  g_autoptr(GString) line = g_string_new ("\"");
  g_autoptr(GString) doc = NULL;
  g_autoptr(GError) error = NULL;
  struct json_object *root;
  guint i;

  for (i = 0; i < 10000; i++)
    g_string_append (line, "é");
  g_string_append (line, "\" = 1\n");
  doc = g_string_new (line->str);
  g_string_append (doc, line->str);

  root = lc_toml_parse (doc->str, doc->len, "test.toml", &error);
  assert_null (root);
  assert_true (g_str_has_prefix (error->message, "test.toml:2:1: duplicate key '\"éé"));
  assert_true (strlen (error->message) < 300);
  assert_non_null (strstr (error->message, "é…'"));
  assert_true (g_utf8_validate (error->message, -1, NULL));
}

static void
test_toml_accepts_a_null_error_argument (void **state)
{
  struct json_object *root = lc_toml_parse ("a = [", 5, "test.toml", NULL);

  assert_null (root);
  root = lc_toml_parse ("", 0, NULL, NULL);
  assert_non_null (root);
  json_object_put (root);
  assert_null (lc_toml_parse_file ("/nonexistent/file.toml", NULL));
}

int
main (void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test (test_toml_parses_an_empty_document_as_an_empty_table),
    cmocka_unit_test (test_toml_parses_comments_and_blank_lines),
    cmocka_unit_test (test_toml_parses_bare_quoted_and_dotted_keys),
    cmocka_unit_test (test_toml_keeps_keys_in_document_order),
    cmocka_unit_test (test_toml_parses_basic_string_escapes),
    cmocka_unit_test (test_toml_keeps_escaped_nul_in_string_values),
    cmocka_unit_test (test_toml_parses_literal_strings),
    cmocka_unit_test (test_toml_parses_multiline_basic_strings),
    cmocka_unit_test (test_toml_parses_multiline_literal_strings),
    cmocka_unit_test (test_toml_normalizes_crlf_line_endings),
    cmocka_unit_test (test_toml_parses_decimal_integers),
    cmocka_unit_test (test_toml_parses_hexadecimal_octal_and_binary_integers),
    cmocka_unit_test (test_toml_parses_floats),
    cmocka_unit_test (test_toml_parses_infinity_and_nan),
    cmocka_unit_test (test_toml_parses_booleans),
    cmocka_unit_test (test_toml_keeps_dates_and_times_as_written),
    cmocka_unit_test (test_toml_parses_arrays),
    cmocka_unit_test (test_toml_parses_inline_tables),
    cmocka_unit_test (test_toml_parses_tables_and_implicit_super_tables),
    cmocka_unit_test (test_toml_allows_headers_below_tables_made_by_dotted_keys),
    cmocka_unit_test (test_toml_parses_arrays_of_tables_with_subtables),
    cmocka_unit_test (test_toml_skips_a_leading_byte_order_mark),
    cmocka_unit_test (test_toml_parses_input_that_is_not_nul_terminated),
    cmocka_unit_test (test_toml_parses_a_registries_conf_v2),
    cmocka_unit_test (test_toml_parses_a_storage_conf),
    cmocka_unit_test (test_toml_parses_a_containers_conf),
    cmocka_unit_test (test_toml_accepts_nesting_up_to_the_depth_limit),
    cmocka_unit_test (test_toml_parse_file_reads_a_file),
    cmocka_unit_test (test_toml_parse_file_names_the_path_in_errors),
    cmocka_unit_test (test_toml_parse_file_reports_a_missing_file_as_not_found),
    cmocka_unit_test (test_toml_parse_file_rejects_a_directory),
    cmocka_unit_test (test_toml_rejects_duplicate_keys),
    cmocka_unit_test (test_toml_rejects_duplicate_keys_in_inline_tables),
    cmocka_unit_test (test_toml_rejects_redefined_tables),
    cmocka_unit_test (test_toml_rejects_headers_for_tables_made_by_dotted_keys),
    cmocka_unit_test (test_toml_rejects_dotted_keys_into_tables_defined_otherwise),
    cmocka_unit_test (test_toml_rejects_extending_inline_tables),
    cmocka_unit_test (test_toml_rejects_appending_to_static_arrays),
    cmocka_unit_test (test_toml_rejects_conflicts_between_tables_and_arrays_of_tables),
    cmocka_unit_test (test_toml_rejects_bad_escapes),
    cmocka_unit_test (test_toml_rejects_control_characters),
    cmocka_unit_test (test_toml_rejects_leading_zeros_in_decimals),
    cmocka_unit_test (test_toml_rejects_misplaced_underscores_and_bad_digits),
    cmocka_unit_test (test_toml_rejects_signed_prefixed_integers),
    cmocka_unit_test (test_toml_rejects_integers_out_of_int64_range),
    cmocka_unit_test (test_toml_rejects_malformed_floats),
    cmocka_unit_test (test_toml_rejects_invalid_utf8),
    cmocka_unit_test (test_toml_rejects_nul_bytes),
    cmocka_unit_test (test_toml_rejects_unterminated_strings),
    cmocka_unit_test (test_toml_rejects_too_many_quotes_closing_a_multiline_string),
    cmocka_unit_test (test_toml_rejects_unterminated_arrays_and_inline_tables),
    cmocka_unit_test (test_toml_rejects_newlines_comments_and_trailing_commas_in_inline_tables),
    cmocka_unit_test (test_toml_rejects_trailing_garbage),
    cmocka_unit_test (test_toml_rejects_missing_keys_values_and_brackets),
    cmocka_unit_test (test_toml_rejects_multiline_strings_as_keys),
    cmocka_unit_test (test_toml_rejects_keys_containing_nul),
    cmocka_unit_test (test_toml_rejects_invalid_dates_and_times),
    cmocka_unit_test (test_toml_rejects_nesting_beyond_the_depth_limit),
    cmocka_unit_test (test_toml_rejects_documents_larger_than_the_limit),
    cmocka_unit_test (test_toml_limits_the_number_of_values),
    cmocka_unit_test (test_toml_error_columns_count_characters_not_bytes),
    cmocka_unit_test (test_toml_error_messages_shorten_very_long_keys),
    cmocka_unit_test (test_toml_accepts_a_null_error_argument),
  };

  return cmocka_run_group_tests_name ("toml", tests, NULL, NULL);
}
