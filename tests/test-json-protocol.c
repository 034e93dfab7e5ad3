/* test-json-protocol.c: the JSON-lines decoder and encoders, alone.
 *
 * Corpus-driven: every file in data/json/valid must decode, every file in
 * data/json/invalid must be refused with a ConfabError; the same files
 * seed the mutation test at the end.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "confab-json-protocol.h"

#define MAX_RECIPIENTS 64

/* Reads a corpus file without its final newline. */
static char *
read_frame (const char *path,
            gsize      *len)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, len, &error);
  g_assert_no_error (error);
  if (*len > 0 && contents[*len - 1] == '\n')
    contents[--*len] = '\0';
  return contents;
}

static void
test_corpus_file (gconstpointer data)
{
  const char *path = data;
  gboolean    valid = strstr (path, "/valid/") != NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char  *frame = NULL;
  ConfabJsonRequest request;
  gsize             len;
  gboolean          ok;

  frame = read_frame (path, &len);
  ok = confab_json_parse_request (frame, len, MAX_RECIPIENTS, &request, NULL, &error);
  if (valid)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
    }
  else
    {
      g_assert_false (ok);
      g_assert_nonnull (error);
      g_assert_true (error->domain == CONFAB_ERROR);
      g_assert_cmpstr (error->message, !=, "");
    }
  confab_json_request_clear (&request);
}

static void
add_corpus (const char *kind)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "json", kind, NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      const char      *file = g_ptr_array_index (names, i);
      g_autofree char *test_path = g_strdup_printf ("/json/corpus/%s/%s", kind, file);

      /* The path string must outlive the test run: leak it to the test. */
      g_test_add_data_func_full (test_path, g_build_filename (dir_path, file, NULL),
                                 test_corpus_file, g_free);
    }
}

typedef struct
{
  const char *frame;
  ConfabError code;
  const char *field;
} Refusal;

static void
test_refusals (void)
{
  const Refusal refusals[] = {
    { "[1]", CONFAB_ERROR_BAD_JSON, NULL },
    { "{\"type\":\"login\"", CONFAB_ERROR_BAD_JSON, NULL },
    { "{\"type\":\"fly\"}", CONFAB_ERROR_BAD_MESSAGE, "type" },
    { "{\"type\":1}", CONFAB_ERROR_BAD_MESSAGE, "type" },
    { "{\"type\":\"login\",\"name\":\"a b\"}", CONFAB_ERROR_INVALID_NAME, "name" },
    { "{\"type\":\"login\"}", CONFAB_ERROR_BAD_MESSAGE, "name" },
    { "{\"type\":\"login\",\"name\":\"a\",\"protocol\":7}", CONFAB_ERROR_BAD_MESSAGE, "protocol" },
    { "{\"type\":\"message\",\"to\":[],\"text\":\"x\"}", CONFAB_ERROR_BAD_MESSAGE, "to" },
    { "{\"type\":\"message\",\"to\":[\"##room\"],\"text\":\"x\"}", CONFAB_ERROR_INVALID_ROOM_NAME, "to" },
    { "{\"type\":\"join\",\"room\":\"tea\"}", CONFAB_ERROR_INVALID_ROOM_NAME, "room" },
    { "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"a\\nb\"}", CONFAB_ERROR_CONTROL_CHARACTER, "topic" },
    { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\" \\n \"}", CONFAB_ERROR_EMPTY_MESSAGE, "text" },
    { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"\\u001b[31m\"}", CONFAB_ERROR_CONTROL_CHARACTER, "text" },
    { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":true}", CONFAB_ERROR_BAD_MESSAGE, "text" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (refusals); i++)
    {
      g_autoptr(GError) error = NULL;
      ConfabJsonRequest request;
      const char       *field = "unset";

      g_test_message ("frame: %s", refusals[i].frame);
      g_assert_false (confab_json_parse_request (refusals[i].frame, strlen (refusals[i].frame),
                                                 MAX_RECIPIENTS, &request, &field, &error));
      g_assert_error (error, CONFAB_ERROR, (gint) refusals[i].code);
      g_assert_cmpstr (field, ==, refusals[i].field);
    }
}

/* json-glib 1.6 accepts more than JSON; the server does not. */
static void
test_strict_syntax (void)
{
  const char *accepted[] = {
    "{\"type\":\"peers\",\"n\":-0.5e+10}",
    "{\"type\":\"peers\",\"n\":0,\"m\":1E3,\"k\":-12.25}",
    " \t{\"type\" : \"peers\" , \"a\" : [ ] , \"o\" : { } }\r",
    "{\"type\":\"peers\",\"s\":\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u00e9\"}",
    "{\"type\":\"peers\",\"l\":[true,false,null,\"x\",{\"y\":[1]}]}",
  };
  const char *refused[] = {
    "{'type':'peers'}",
    "{\"type\":\"peers\",}",
    "{\"type\":\"peers\",\"a\":[1,]}",
    "{\"type\":\"peers\",\"n\":01}",
    "{\"type\":\"peers\",\"n\":+1}",
    "{\"type\":\"peers\",\"n\":1.}",
    "{\"type\":\"peers\",\"n\":.5}",
    "{\"type\":\"peers\",\"n\":0x10}",
    "{\"type\":\"peers\",\"n\":NaN}",
    "{\"type\":\"peers\",\"n\":Infinity}",
    "{\"type\":\"peers\"} /* comment */",
    "{\"type\":\"peers\",\"s\":\"tab\there\"}",
    "{\"type\":\"peers\",\"s\":\"\\x41\"}",
    "{\"type\":\"peers\",\"s\":\"\\u12\"}",
    "{type:\"peers\"}",
    "{\"type\":\"peers\" \"x\":1}",
    "{\"type\":\"peers\",\"t\":tru}",
    "{\"type\":\"peers\"}{}",
    "{\"type\"\"peers\"}",
  };

  for (guint i = 0; i < G_N_ELEMENTS (accepted); i++)
    {
      g_autoptr(GError) error = NULL;
      ConfabJsonRequest request;

      g_test_message ("accept: %s", accepted[i]);
      g_assert_true (confab_json_parse_request (accepted[i], strlen (accepted[i]), MAX_RECIPIENTS,
                                                &request, NULL, &error));
      g_assert_no_error (error);
      confab_json_request_clear (&request);
    }
  for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_autoptr(GError) error = NULL;
      ConfabJsonRequest request;

      g_test_message ("refuse: %s", refused[i]);
      g_assert_false (confab_json_parse_request (refused[i], strlen (refused[i]), MAX_RECIPIENTS,
                                                 &request, NULL, &error));
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_JSON);
    }
}

static void
test_invalid_utf8_and_nul (void)
{
  const char bad_utf8[] = "{\"type\":\"login\",\"name\":\"\xc3\x28\"}";
  const char with_nul[] = "{\"type\":\"login\",\"name\":\"a\0b\"}";
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  g_assert_false (confab_json_parse_request (bad_utf8, strlen (bad_utf8), MAX_RECIPIENTS,
                                             &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_UTF8);
  g_clear_error (&error);

  g_assert_false (confab_json_parse_request (with_nul, sizeof with_nul - 1, MAX_RECIPIENTS,
                                             &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_CONTROL_CHARACTER);
}

typedef struct
{
  const char *frame;
  gint        code;  /* 0: accepted */
  const char *field; /* the member blamed on the wire, or NULL */
} EscapedNulCase;

/* An escaped NUL is refused in the member that holds it, named as such,
 * and ignored with the member in one the server ignores; so is a number
 * too large for any type there. */
static const EscapedNulCase escaped_nul_cases[] = {
  { "{\"type\":\"peers\",\"x\":\"a\\u0000b\"}", 0, NULL },
  { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"hi\",\"x\":[\"\\u0000\"]}", 0, NULL },
  { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"hi\",\"x\\u0000y\":1}", 0, NULL },
  { "{\"type\":\"login\",\"name\":\"alice\",\"x\":1e999}", 0, NULL },
  { "{\"type\":\"login\",\"name\":\"alice\",\"x\":123456789012345678901234567890}", 0, NULL },
  { "{\"type\":\"login\",\"name\":\"alice\",\"x\":-1e-999}", 0, NULL },
  /* An escaped backslash before "u0000" is no NUL. */
  { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"a\\\\u0000b\"}", 0, NULL },
  { "{\"type\":\"login\",\"name\":\"a\\u0000b\"}", CONFAB_ERROR_INVALID_NAME, "name" },
  { "{\"type\":\"message\",\"to\":[\"b\\u0000ob\"],\"text\":\"hi\"}", CONFAB_ERROR_INVALID_NAME, "to" },
  { "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"a\\u0000b\"}", CONFAB_ERROR_CONTROL_CHARACTER, "text" },
  { "{\"type\":\"pe\\u0000ers\"}", CONFAB_ERROR_BAD_MESSAGE, NULL },
};

static void
test_escaped_nul_members (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (escaped_nul_cases); i++)
    {
      const EscapedNulCase *c = &escaped_nul_cases[i];
      g_autoptr(GError) error = NULL;
      ConfabJsonRequest request;
      gboolean          ok = confab_json_parse_request (c->frame, strlen (c->frame), MAX_RECIPIENTS,
                                                        &request, NULL, &error);

      g_test_message ("case %" G_GSIZE_FORMAT, i);
      if (c->code == 0)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
        }
      else
        {
          g_autofree char *line = NULL;
          g_autoptr(JsonParser) parser = json_parser_new ();
          JsonObject *object;

          g_assert_false (ok);
          g_assert_error (error, CONFAB_ERROR, c->code);
          line = confab_json_encode_error (error->code, error->message, NULL);
          g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
          object = json_node_get_object (json_parser_get_root (parser));
          if (c->field == NULL)
            g_assert_false (json_object_has_member (object, "field"));
          else
            g_assert_cmpstr (json_object_get_string_member (object, "field"), ==, c->field);
        }
      confab_json_request_clear (&request);
    }
}

/* A raw NUL spoils the whole line, not one member. */
static void
test_nul_line_has_no_field (void)
{
  const char with_nul[] = "{\"type\":\"login\",\"name\":\"a\0b\"}";
  g_autoptr(GError) error = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autofree char  *line = NULL;
  ConfabJsonRequest request;

  g_assert_false (confab_json_parse_request (with_nul, sizeof with_nul - 1, MAX_RECIPIENTS,
                                             &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_CONTROL_CHARACTER);
  line = confab_json_encode_error (error->code, error->message, NULL);
  g_assert_true (json_parser_load_from_data (parser, line, -1, NULL));
  g_assert_false (json_object_has_member (json_node_get_object (json_parser_get_root (parser)),
                                          "field"));
}

/* Text is trimmed of the white space it may hold (space, TAB, newlines);
 * FF and VT are control characters at its ends as inside it. */
static void
test_text_trimming (void)
{
  const char *trimmed = "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"\\n \\thi\\r\\n \"}";
  const char *refused[] = {
    "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"\\fhi\"}",
    "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"hi\\u000b\"}",
  };
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  g_assert_true (confab_json_parse_request (trimmed, strlen (trimmed), MAX_RECIPIENTS,
                                            &request, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (request.text, ==, "hi");
  confab_json_request_clear (&request);

  for (gsize i = 0; i < G_N_ELEMENTS (refused); i++)
    {
      g_assert_false (confab_json_parse_request (refused[i], strlen (refused[i]), MAX_RECIPIENTS,
                                                 &request, NULL, &error));
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_CONTROL_CHARACTER);
      g_clear_error (&error);
      confab_json_request_clear (&request);
    }
}

static void
test_depth_limit (void)
{
  g_autoptr(GString) ok = g_string_new ("{\"type\":\"peers\",\"x\":");
  g_autoptr(GString) deep = NULL;
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  /* 1 for the object itself + 31 arrays = exactly the limit. */
  for (guint i = 0; i < CONFAB_JSON_MAX_DEPTH - 1; i++)
    g_string_append_c (ok, '[');
  deep = g_string_new (ok->str);
  for (guint i = 0; i < CONFAB_JSON_MAX_DEPTH - 1; i++)
    g_string_append_c (ok, ']');
  g_string_append_c (ok, '}');
  g_assert_true (confab_json_parse_request (ok->str, ok->len, MAX_RECIPIENTS, &request, NULL, &error));
  g_assert_no_error (error);
  confab_json_request_clear (&request);

  /* Brackets inside strings do not count. */
  g_string_printf (deep, "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"%s\"}",
                   "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\\"{{{{");
  g_assert_true (confab_json_parse_request (deep->str, deep->len, MAX_RECIPIENTS, &request, NULL, &error));
  g_assert_no_error (error);
  confab_json_request_clear (&request);

  g_string_assign (deep, "{\"type\":\"peers\",\"x\":");
  for (guint i = 0; i < CONFAB_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  g_assert_false (confab_json_parse_request (deep->str, deep->len, MAX_RECIPIENTS, &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_JSON);
}

static void
test_message_fields (void)
{
  const char frame[] = "{\"type\":\"message\",\"to\":[\"bob\",\"carol\",\"bob\"],"
                       "\"text\":\"  two\\nlines  \",\"future\":{\"x\":1}}";
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  g_assert_true (confab_json_parse_request (frame, strlen (frame), MAX_RECIPIENTS, &request, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (request.type, ==, CONFAB_JSON_REQUEST_MESSAGE);
  g_assert_cmpuint (request.n_to, ==, 2);
  g_assert_cmpstr (request.to[0], ==, "bob");
  g_assert_cmpstr (request.to[1], ==, "carol");
  g_assert_null (request.to[2]);
  g_assert_cmpstr (request.text, ==, "two\nlines");
  g_assert_cmpuint (request.text_len, ==, strlen ("two\nlines"));
  confab_json_request_clear (&request);
}

static void
test_recipient_limit (void)
{
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"message\",\"text\":\"x\",\"to\":[");
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  for (guint i = 0; i <= MAX_RECIPIENTS; i++)
    g_string_append_printf (frame, "%s\"p%u\"", i > 0 ? "," : "", i);
  g_string_append (frame, "]}");

  g_assert_true (confab_json_parse_request (frame->str, frame->len, MAX_RECIPIENTS + 1,
                                            &request, NULL, &error));
  g_assert_cmpuint (request.n_to, ==, MAX_RECIPIENTS + 1);
  confab_json_request_clear (&request);

  g_assert_false (confab_json_parse_request (frame->str, frame->len, MAX_RECIPIENTS,
                                             &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_MANY_RECIPIENTS);
  g_assert_cmpstr (error->message, ==, "too many recipients (limit 64)");
}

/* Every name listed three times, in first-seen order: repeats are
 * skipped, also past the point where the limit is reached. */
static void
test_recipient_repeats (void)
{
  g_autoptr(GString) frame = g_string_new ("{\"type\":\"message\",\"text\":\"x\",\"to\":[");
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  for (guint copy = 0; copy < 3; copy++)
    for (guint i = 0; i < MAX_RECIPIENTS; i++)
      g_string_append_printf (frame, "%s\"p%u\"", copy + i > 0 ? "," : "", i);
  g_string_append (frame, "]}");

  g_assert_true (confab_json_parse_request (frame->str, frame->len, MAX_RECIPIENTS,
                                            &request, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (request.n_to, ==, MAX_RECIPIENTS);
  for (guint i = 0; i < MAX_RECIPIENTS; i++)
    {
      g_autofree char *expected = g_strdup_printf ("p%u", i);

      g_assert_cmpstr (request.to[i], ==, expected);
    }
  confab_json_request_clear (&request);
}

static JsonObject *
parse_object (const char *line,
              gsize       len,
              JsonParser *parser)
{
  g_autoptr(GError) error = NULL;

  /* One line, ended by exactly one newline. */
  g_assert_cmpuint (len, >, 1);
  g_assert_cmpint (line[len - 1], ==, '\n');
  g_assert_null (memchr (line, '\n', len - 1));
  json_parser_load_from_data (parser, line, len, &error);
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_encode_message (void)
{
  const char *to[] = { "bob", "carol" };
  g_autoptr(ConfabMessage) message = confab_message_new_chat ("alice", to, 2, "hi\n\"there\"", 11, 1234);
  g_autoptr(GBytes) bytes = confab_json_encode_message (message);
  g_autoptr(JsonParser) parser = json_parser_new ();
  JsonObject *object;
  JsonArray  *array;
  gsize       len;
  const char *data = g_bytes_get_data (bytes, &len);

  object = parse_object (data, len, parser);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "message");
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "hi\n\"there\"");
  g_assert_cmpint (json_object_get_int_member (object, "time"), ==, 1234);
  array = json_object_get_array_member (object, "to");
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (array, 1), ==, "carol");
}

static void
test_encode_error (void)
{
  g_autoptr(ConfabMessage) message = confab_message_new_error (CONFAB_ERROR_NO_SUCH_PEER, "no such peer: zed");
  g_autoptr(GBytes) bytes = confab_json_encode_message (message);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  g_autofree char *fatal = NULL;
  JsonObject      *object;
  gsize            len;
  const char      *data = g_bytes_get_data (bytes, &len);

  object = parse_object (data, len, parser);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, "no-such-peer");
  g_assert_cmpstr (json_object_get_string_member (object, "message"), ==, "no such peer: zed");
  g_assert_cmpstr (json_object_get_string_member (object, "field"), ==, "to");

  fatal = confab_json_encode_error (CONFAB_ERROR_LINE_TOO_LONG, "line too long (limit 4096 bytes)", &len);
  object = parse_object (fatal, len, parser2);
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, "line-too-long");
  g_assert_false (json_object_has_member (object, "field"));
}

/* Every control character in a string is escaped, whatever json-glib's
 * generator does with it: the frame stays strict JSON on one line. */
static void
test_encode_escapes_controls (void)
{
  for (guint c = 1; c < 0x20; c++)
    {
      char             text[] = { 'a', (char) c, 'b', '\0' };
      g_autofree char *expected = g_strdup_printf ("\\u%04x", c);
      g_autofree char *frame = NULL;
      g_autoptr(GError) error = NULL;
      ConfabJsonRequest request;
      gsize             len;

      frame = confab_json_encode_error (CONFAB_ERROR_BAD_MESSAGE, text, &len);
      for (gsize i = 0; i + 1 < len; i++)
        g_assert_cmpint ((guchar) frame[i], >=, 0x20);
      g_assert_cmpint (frame[len - 1], ==, '\n');
      /* \n, \t and the like may come in their short forms. */
      if (strstr (frame, expected) == NULL)
        g_assert_nonnull (strstr (frame, "\\"));
      /* Our own strict reader takes it: refused for its type, not its syntax. */
      g_assert_false (confab_json_parse_request (frame, len - 1, 8, &request, NULL, &error));
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
    }
}

/* A recipient name holding a control character is not echoed back (a
 * fuzzer found the echo); a merely invalid one is. */
static void
test_invalid_recipient_echo (void)
{
  const char *control = "{\"type\":\"message\",\"to\":[\"\\u001fa\"],\"text\":\"x\"}";
  const char *comma = "{\"type\":\"message\",\"to\":[\"a,b\"],\"text\":\"x\"}";
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;

  g_assert_false (confab_json_parse_request (control, strlen (control), 8, &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);
  g_assert_cmpstr (error->message, ==, "invalid recipient name");
  g_clear_error (&error);

  g_assert_false (confab_json_parse_request (comma, strlen (comma), 8, &request, NULL, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);
  g_assert_cmpstr (error->message, ==, "invalid recipient name: a,b");
}

static void
test_encode_replies (void)
{
  const char *names[] = { "alice", "bob" };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) parser2 = json_parser_new ();
  g_autofree char *welcome = NULL;
  g_autofree char *peers = NULL;
  JsonObject      *object;
  gsize            len;

  welcome = confab_json_encode_welcome ("zoë", &len);
  object = parse_object (welcome, len, parser);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "welcome");
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "zoë");
  g_assert_cmpint (json_object_get_int_member (object, "protocol"), ==, CONFAB_JSON_PROTOCOL_VERSION);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (object, "server"), "confab "));

  peers = confab_json_encode_peers (names, 2, &len);
  object = parse_object (peers, len, parser2);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "peers");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (object, "peers")), ==, 2);
}

static void
test_is_json_line (void)
{
  g_assert_true (confab_json_is_json_line ("{\"type\":\"login\"}", 16));
  g_assert_true (confab_json_is_json_line ("  \t{", 4));
  g_assert_false (confab_json_is_json_line ("alice", 5));
  g_assert_false (confab_json_is_json_line ("", 0));
  g_assert_false (confab_json_is_json_line ("  ", 2));
  g_assert_false (confab_json_is_json_line ("[1]", 3));
}

/* Random byte mutations of the corpus: every outcome is either a request
 * or a ConfabError, never a crash (ASan watches the rest). */
static void
test_mutations (void)
{
  g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "json", "valid", NULL);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  g_autoptr(GPtrArray) seeds = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GRand) rand = g_rand_new_with_seed (20261125);
  const char *name;
  guint       accepted = 0;
  guint       refused = 0;

  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      gsize            len;

      g_ptr_array_add (seeds, read_frame (path, &len));
    }

  for (guint i = 0; i < 20000; i++)
    {
      const char      *seed = g_ptr_array_index (seeds, g_rand_int_range (rand, 0, seeds->len));
      g_autofree char *frame = g_strdup (seed);
      gsize            len = strlen (frame);
      guint            edits = g_rand_int_range (rand, 1, 4);
      g_autoptr(GError) error = NULL;
      ConfabJsonRequest request;

      for (guint e = 0; e < edits && len > 0; e++)
        {
          gsize at = g_rand_int_range (rand, 0, len);

          switch (g_rand_int_range (rand, 0, 3))
            {
            case 0:
              frame[at] = (char) g_rand_int_range (rand, 0, 256);
              break;
            case 1:
              len = at; /* truncate */
              break;
            default:
              frame[at] = "{}[]\",:\\0e-"[g_rand_int_range (rand, 0, 11)];
              break;
            }
        }

      if (confab_json_parse_request (frame, len, MAX_RECIPIENTS, &request, NULL, &error))
        {
          g_assert_no_error (error);
          accepted++;
        }
      else
        {
          g_assert_nonnull (error);
          g_assert_true (error->domain == CONFAB_ERROR);
          refused++;
        }
      confab_json_request_clear (&request);
    }

  /* Both outcomes occur, or the mutations test nothing. */
  g_assert_cmpuint (accepted, >, 0);
  g_assert_cmpuint (refused, >, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  add_corpus ("valid");
  add_corpus ("invalid");
  g_test_add_func ("/json/parse/refusals", test_refusals);
  g_test_add_func ("/json/parse/strict-syntax", test_strict_syntax);
  g_test_add_func ("/json/parse/invalid-utf8-and-nul", test_invalid_utf8_and_nul);
  g_test_add_func ("/json/parse/depth-limit", test_depth_limit);
  g_test_add_func ("/json/parse/text-trimming", test_text_trimming);
  g_test_add_func ("/json/parse/escaped-nul-members", test_escaped_nul_members);
  g_test_add_func ("/json/parse/nul-line-has-no-field", test_nul_line_has_no_field);
  g_test_add_func ("/json/parse/message-fields", test_message_fields);
  g_test_add_func ("/json/parse/recipient-limit", test_recipient_limit);
  g_test_add_func ("/json/parse/recipient-repeats", test_recipient_repeats);
  g_test_add_func ("/json/parse/mutations", test_mutations);
  g_test_add_func ("/json/encode/message", test_encode_message);
  g_test_add_func ("/json/encode/error", test_encode_error);
  g_test_add_func ("/json/encode/escapes-controls", test_encode_escapes_controls);
  g_test_add_func ("/json/parse/invalid-recipient-echo", test_invalid_recipient_echo);
  g_test_add_func ("/json/encode/replies", test_encode_replies);
  g_test_add_func ("/json/is-json-line", test_is_json_line);

  return g_test_run ();
}
