/* test-text-protocol.c: parsing the login and chat lines of SPEC §2,
 * with every bad input a peer could send.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-text-protocol.h"

/* A literal with its exact length, so that NUL bytes inside count. */
#define BYTES(s) (s), (sizeof (s) - 1)

#define DEFAULT_MAX_RECIPIENTS 64
#define BAD_MESSAGE            CONFAB_ERROR_BAD_MESSAGE, "expected 'name, name: text'"
#define BAD_UTF8               CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8"
#define CONTROL                CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters"
#define EMPTY                  CONFAB_ERROR_EMPTY_MESSAGE, "empty message"
#define BAD_NAME(n)            CONFAB_ERROR_INVALID_NAME, "invalid recipient name: " n

/* A parsable copy as the framer hands lines out: writable, @len bytes
 * followed by a NUL, and nothing more (so the sanitizer build sees any
 * access past it). */
static char *
line_new (const char *input,
          gsize       len)
{
  char *line = g_malloc (len + 1);

  memcpy (line, input, len);
  line[len] = '\0';
  return line;
}

/* Asserts that @p (with its NUL) lies inside @line: the parser cuts the
 * line up in place rather than copying. */
static void
assert_inside (const char *p,
               const char *line,
               gsize       len)
{
  g_assert_true (p >= line && p + strlen (p) <= line + len);
}

/* Login */

typedef struct
{
  const char *path;
  const char *input;
  gsize       len;
  const char *name; /* NULL: refused */
  const char *message;
} LoginCase;

static const LoginCase login_cases[] = {
  { "plain", BYTES ("alice"), "alice", NULL },
  { "trimmed", BYTES ("  alice \t "), "alice", NULL },
  /* Only space and TAB are trimmed, as around a message's text: CR (one
   * more than the line's end drops), FF and VT are refused. */
  { "extra-cr", BYTES ("alice\r"), NULL, "invalid name: names may not contain white space" },
  { "form-feed", BYTES ("\falice"), NULL, "invalid name: names may not contain white space" },
  { "vertical-tab", BYTES ("alice\v"), NULL, "invalid name: names may not contain control characters" },
  { "vertical-tab-around", BYTES ("\v alice \v"), NULL, "invalid name: names may not contain control characters" },
  { "multibyte", BYTES ("\xc3\xa9lise"), "\xc3\xa9lise", NULL },
  { "at-inside", BYTES ("a@b"), "a@b", NULL },
  { "empty", BYTES (""), NULL, "invalid name: empty" },
  { "white-space-only", BYTES (" \t "), NULL, "invalid name: empty" },
  { "inner-space", BYTES ("al ice"), NULL, "invalid name: names may not contain white space" },
  { "nbsp-not-trimmed", BYTES ("\xc2\xa0"
                               "alice"),
    NULL, "invalid name: names may not contain white space" },
  { "colon", BYTES ("bob: hi"), NULL, "invalid name: names may not contain ':'" },
  { "comma", BYTES ("bob,carol"), NULL, "invalid name: names may not contain ','" },
  { "server", BYTES ("@server"), NULL, "invalid name: names may not start with '@' or '#'" },
  { "room", BYTES ("#general"), NULL, "invalid name: names may not start with '@' or '#'" },
  { "nul-inside", BYTES ("ali\0ce"), NULL, "invalid name: names may not contain control characters" },
  { "escape", BYTES ("\x1b[31malice"), NULL, "invalid name: names may not contain control characters" },
  { "zero-width", BYTES ("ali\xe2\x80\x8b"
                         "ce"),
    NULL, "invalid name: names may not contain control characters" },
  { "invalid-utf8", BYTES ("ali\xff"), NULL, "invalid name: not valid UTF-8" },
  { "overlong", BYTES ("\xc1\x81lice"), NULL, "invalid name: not valid UTF-8" },
  { "surrogate", BYTES ("\xed\xb2\x80"), NULL, "invalid name: not valid UTF-8" },
  { "33-chars", BYTES ("abcdefghijklmnopqrstuvwxyz0123456"), NULL, "invalid name: longer than 32 characters" },
};

static void
test_login (gconstpointer data)
{
  const LoginCase *lc = data;
  g_autofree char *line = line_new (lc->input, lc->len);
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  gboolean    ok;

  ok = confab_text_parse_login (line, lc->len, &name, NULL, &error);

  if (lc->name != NULL)
    {
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpstr (name, ==, lc->name);
      assert_inside (name, line, lc->len);
    }
  else
    {
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);
      g_assert_false (ok);
      g_assert_cmpstr (error->message, ==, lc->message);
    }
}

/* Messages that parse */

typedef struct
{
  const char *path;
  const char *input;
  const char *recipients[6]; /* NULL-terminated */
  const char *text;
} MessageCase;

static const MessageCase message_cases[] = {
  { "basic", "bob: hi", { "bob" }, "hi" },
  { "no-space", "bob:hi", { "bob" }, "hi" },
  { "two", "bob, carol: hello", { "bob", "carol" }, "hello" },
  { "white-space-around-names", "  bob  ,\tcarol :  hello world \t", { "bob", "carol" }, "hello world" },
  { "dedupe", "bob, carol, bob,bob , carol: x", { "bob", "carol" }, "x" },
  { "dedupe-keeps-first-order", "carol, bob, carol: x", { "carol", "bob" }, "x" },
  { "dedupe-is-byte-wise", "Bob, bob, BOB: x", { "Bob", "bob", "BOB" }, "x" },
  { "dedupe-prefix-differs", "bo, bob, b: x", { "bo", "bob", "b" }, "x" },
  { "first-colon-splits", "bob: a: b: c", { "bob" }, "a: b: c" },
  { "comma-in-text", "bob: one, two", { "bob" }, "one, two" },
  { "tab-inside-text", "bob: a\tb", { "bob" }, "a\tb" },
  { "text-trimmed", "bob:\t  spaced out \t ", { "bob" }, "spaced out" },
  { "multibyte", "\xc3\xa9lise, \xf0\x9f\x98\x80: \xc3\xbcn\xc3\xaf", { "\xc3\xa9lise", "\xf0\x9f\x98\x80" }, "\xc3\xbcn\xc3\xaf" },
  { "at-inside-name", "a@b: x", { "a@b" }, "x" },
  { "text-starting-with-at", "bob: @carol look", { "bob" }, "@carol look" },
  { "zero-width-in-text", "bob: a\xe2\x80\x8b"
                          "b",
    { "bob" },
    "a\xe2\x80\x8b"
    "b" },
  { "32-char-name", "abcdefghijklmnopqrstuvwxyz012345: x", { "abcdefghijklmnopqrstuvwxyz012345" }, "x" },
};

static void
test_message (gconstpointer data)
{
  const MessageCase            *mc = data;
  gsize                         len = strlen (mc->input);
  g_autofree char              *line = line_new (mc->input, len);
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  guint n = 0;

  g_assert_true (confab_text_parse_message (line, len, DEFAULT_MAX_RECIPIENTS, msg, &error));
  g_assert_no_error (error);

  while (mc->recipients[n] != NULL)
    {
      g_assert_cmpuint (n, <, msg->n_recipients);
      g_assert_cmpstr (msg->recipients[n], ==, mc->recipients[n]);
      assert_inside (msg->recipients[n], line, len);
      n++;
    }
  g_assert_cmpuint (msg->n_recipients, ==, n);

  g_assert_cmpstr (msg->text, ==, mc->text);
  g_assert_cmpuint (msg->text_len, ==, strlen (mc->text));
  assert_inside (msg->text, line, len);
}

/* Messages that do not */

typedef struct
{
  const char *path;
  const char *input;
  gsize       len;
  gint        code;
  const char *message;
} RejectCase;

static const RejectCase reject_cases[] = {
  { "empty-line", BYTES (""), BAD_MESSAGE },
  { "no-colon", BYTES ("hello there"), BAD_MESSAGE },
  { "white-space-only", BYTES ("   \t "), BAD_MESSAGE },
  { "colon-alone", BYTES (":"), BAD_MESSAGE },
  { "no-recipients", BYTES (": x"), BAD_MESSAGE },
  { "blank-recipients", BYTES (" : x"), BAD_MESSAGE },
  { "empty-item-middle", BYTES ("a,,b: x"), BAD_MESSAGE },
  { "empty-item-first", BYTES (", a: x"), BAD_MESSAGE },
  { "empty-item-last", BYTES ("a,: x"), BAD_MESSAGE },
  { "blank-item", BYTES ("a, ,b: x"), BAD_MESSAGE },
  { "commas-only", BYTES (",,: x"), BAD_MESSAGE },
  { "no-text", BYTES ("a:"), EMPTY },
  { "white-space-text", BYTES ("a:  \t  "), EMPTY },
  { "name-with-space", BYTES ("a b: x"), BAD_NAME ("a b") },
  { "name-server", BYTES ("bob, @server: x"), BAD_NAME ("@server") },
  { "name-room", BYTES ("##room: x"), CONFAB_ERROR_INVALID_ROOM_NAME, "invalid room name: ##room" },
  { "name-room-blank", BYTES ("#ro om: x"), CONFAB_ERROR_INVALID_ROOM_NAME, "invalid room name: #ro om" },
  { "name-room-empty", BYTES ("#: x"), CONFAB_ERROR_INVALID_ROOM_NAME, "invalid room name: #" },
  { "name-too-long", BYTES ("abcdefghijklmnopqrstuvwxyz0123456: x"),
    BAD_NAME ("abcdefghijklmnopqrstuvwxyz0123456") },
  { "name-33-two-byte",
    BYTES ("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
           "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
           "\xc3\xa9: x"),
    BAD_NAME ("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
              "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
              "\xc3\xa9") },
  { "name-zero-width", BYTES ("bo\xe2\x80\x8b"
                              "b: x"),
    BAD_NAME ("bo\xe2\x80\x8b"
              "b") },
  { "name-nbsp", BYTES ("\xc2\xa0"
                        "bob: x"),
    BAD_NAME ("\xc2\xa0"
              "bob") },
  { "invalid-utf8-name", BYTES ("\xff: x"), BAD_UTF8 },
  { "invalid-utf8-text", BYTES ("bob: caf\xe9"), BAD_UTF8 },
  { "overlong-text", BYTES ("bob: \xc0\xaf"), BAD_UTF8 },
  { "overlong-colon", BYTES ("bob\xc0\xba x"), BAD_UTF8 },
  { "surrogate-text", BYTES ("bob: \xed\xa0\x80"), BAD_UTF8 },
  { "truncated-at-end", BYTES ("bob: x\xe6\x97"), BAD_UTF8 },
  { "nul-in-text", BYTES ("bob: a\0b"), CONTROL },
  { "nul-in-name", BYTES ("b\0ob: x"), CONTROL },
  { "nul-only", BYTES ("\0"), CONTROL },
  { "escape-in-text", BYTES ("bob: \x1b[2J"), CONTROL },
  { "c1-in-text", BYTES ("bob: a\xc2\x85"
                         "b"),
    CONTROL },
  { "del-in-text", BYTES ("bob: a\x7f"), CONTROL },
  { "cr-in-text", BYTES ("bob: a\rb"), CONTROL },
  { "ff-around-text", BYTES ("bob: \fa\f"), CONTROL },
  { "vt-around-text", BYTES ("bob: \va\v"), CONTROL },
  { "control-in-name", BYTES ("bo\x01"
                              "b: x"),
    CONTROL },
  /* Precedence: the whole line, then the recipients, then the text. */
  { "order/utf8-before-nul", BYTES ("\xff\0: x"), BAD_UTF8 },
  { "order/control-before-colon", BYTES ("no colon\x01"), CONTROL },
  { "order/empty-item-before-text", BYTES ("a,,b:"), BAD_MESSAGE },
  { "order/name-before-text", BYTES ("a b:"), BAD_NAME ("a b") },
  { "order/left-to-right", BYTES ("a b, , @c: x"), BAD_NAME ("a b") },
};

static void
test_reject (gconstpointer data)
{
  const RejectCase             *rc = data;
  g_autofree char              *line = line_new (rc->input, rc->len);
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;

  g_assert_false (confab_text_parse_message (line, rc->len, DEFAULT_MAX_RECIPIENTS, msg, &error));
  g_assert_error (error, CONFAB_ERROR, rc->code);
  g_assert_cmpstr (error->message, ==, rc->message);
}

/* Recipient limits */

/* "p0, p1, …, p{n-1}: hi", with every name listed @copies times. */
static char *
recipients_line (guint n,
                 guint copies)
{
  GString *s = g_string_new (NULL);
  guint    c;
  guint    i;

  for (c = 0; c < copies; c++)
    for (i = 0; i < n; i++)
      g_string_append_printf (s, "%sp%u", s->len > 0 ? ", " : "", i);
  g_string_append (s, ": hi");
  return g_string_free (s, FALSE);
}

/* @line_out keeps the line alive: @msg points into it. */
static gboolean
parse_recipients (guint              n,
                  guint              copies,
                  guint              max_recipients,
                  ConfabTextMessage *msg,
                  char             **line_out,
                  GError           **error)
{
  *line_out = recipients_line (n, copies);
  return confab_text_parse_message (*line_out, strlen (*line_out),
                                    max_recipients, msg, error);
}

static void
test_limit_at (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_true (parse_recipients (64, 1, 64, msg, &line, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, 64);
}

static void
test_limit_over (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_false (parse_recipients (65, 1, 64, msg, &line, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_MANY_RECIPIENTS);
  g_assert_cmpstr (error->message, ==, "too many recipients (limit 64)");
}

/* 64 names listed three times are 64 recipients, not 192. */
static void
test_limit_duplicates_count_once (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_true (parse_recipients (64, 3, 64, msg, &line, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, 64);
  g_assert_cmpstr (msg->recipients[0], ==, "p0");
  g_assert_cmpstr (msg->recipients[63], ==, "p63");
}

/* 65 items of which two are the same: 64 recipients, within the limit. */
static void
test_limit_65_items_one_duplicate (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *names = recipients_line (64, 1);
  g_autofree char *line = NULL;
  char            *colon = strchr (names, ':');

  *colon = '\0';
  line = g_strconcat (names, ", p17: hi", NULL);

  g_assert_true (confab_text_parse_message (line, strlen (line), 64, msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, 64);
  g_assert_cmpstr (msg->text, ==, "hi");
}

static void
test_limit_small (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *dup = g_strdup ("a, a: x");
  g_autofree char *two = g_strdup ("a, b: x");

  g_assert_true (confab_text_parse_message (dup, strlen (dup), 1, msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, 1);

  g_assert_false (confab_text_parse_message (two, strlen (two), 1, msg, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_MANY_RECIPIENTS);
  g_assert_cmpstr (error->message, ==, "too many recipients (limit 1)");
}

/* A configured limit above the array in ConfabTextMessage cannot overrun
 * it: the hard limit applies. */
static void
test_limit_hard (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *longer = NULL;
  g_autofree char *expected = g_strdup_printf ("too many recipients (limit %u)",
                                               CONFAB_TEXT_MAX_RECIPIENTS_HARD);

  g_assert_true (parse_recipients (CONFAB_TEXT_MAX_RECIPIENTS_HARD, 1, G_MAXUINT, msg, &line, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, CONFAB_TEXT_MAX_RECIPIENTS_HARD);

  g_assert_false (parse_recipients (CONFAB_TEXT_MAX_RECIPIENTS_HARD + 1, 1, G_MAXUINT, msg, &longer, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_MANY_RECIPIENTS);
  g_assert_cmpstr (error->message, ==, expected);
}

/* At the hard limit every name is listed twice: the repeats, found in the
 * name table rather than by scanning, are skipped and do not count. */
static void
test_limit_hard_with_repeats (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  g_assert_true (parse_recipients (CONFAB_TEXT_MAX_RECIPIENTS_HARD, 2, G_MAXUINT, msg, &line, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, CONFAB_TEXT_MAX_RECIPIENTS_HARD);
  g_assert_cmpstr (msg->recipients[0], ==, "p0");
  g_assert_cmpstr (msg->recipients[CONFAB_TEXT_MAX_RECIPIENTS_HARD - 1], ==, "p1023");
}

/* A peer may address itself: the parser has no notion of "self", so a
 * name is a name. Checked here so that nobody adds such a rule to the
 * parser by accident. */
static void
test_self_addressed (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *login = g_strdup ("alice");
  g_autofree char *line = g_strdup ("alice: note to self");
  const char      *name = NULL;

  g_assert_true (confab_text_parse_login (login, strlen (login), &name, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (confab_text_parse_message (line, strlen (line), 64, msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, 1);
  g_assert_cmpstr (msg->recipients[0], ==, name);
}

/* The parser fills a caller's struct that may hold an earlier message;
 * nothing of that may leak into the new one. */
static void
test_reuse_message (void)
{
  g_autofree ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);
  g_autoptr(GError) error = NULL;
  g_autofree char *first = g_strdup ("a, b, c: one");
  g_autofree char *second = g_strdup ("d: two");

  g_assert_true (confab_text_parse_message (first, strlen (first), 64, msg, &error));
  g_assert_cmpuint (msg->n_recipients, ==, 3);
  g_assert_true (confab_text_parse_message (second, strlen (second), 64, msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg->n_recipients, ==, 1);
  g_assert_cmpstr (msg->recipients[0], ==, "d");
  g_assert_cmpstr (msg->text, ==, "two");
}

/* The kind a line parses to, or minus the error code it is refused with. */
static int
command_kind (const char *text)
{
  g_autofree char *line = g_strdup (text);
  g_autoptr(GError) error = NULL;
  ConfabTextCommand command;

  if (!confab_text_parse_command (line, strlen (line), &command, &error))
    return -error->code;
  return command.kind;
}

static void
test_blank_and_peers (void)
{
  g_test_summary ("A blank login and the /peers command allow space and TAB around "
                  "them, nothing else (FF, VT, CR are control characters)");

  g_assert_true (confab_text_is_blank ("", 0));
  g_assert_true (confab_text_is_blank (" \t ", 3));
  g_assert_false (confab_text_is_blank ("\f", 1));
  g_assert_false (confab_text_is_blank ("\v", 1));
  g_assert_false (confab_text_is_blank (" \r", 2));
  g_assert_false (confab_text_is_blank (" a ", 3));

  g_assert_cmpint (command_kind ("/peers"), ==, CONFAB_TEXT_COMMAND_PEERS);
  g_assert_cmpint (command_kind (" \t/peers\t "), ==, CONFAB_TEXT_COMMAND_PEERS);
  g_assert_cmpint (command_kind ("/peers\f"), ==, -CONFAB_ERROR_UNKNOWN_COMMAND);
  g_assert_cmpint (command_kind ("\v/peers"), ==, CONFAB_TEXT_COMMAND_NONE);
  g_assert_cmpint (command_kind ("/peers\r"), ==, -CONFAB_ERROR_UNKNOWN_COMMAND);
  g_assert_cmpint (command_kind ("/peer"), ==, -CONFAB_ERROR_UNKNOWN_COMMAND);
  g_assert_cmpint (command_kind ("/peers x"), ==, -CONFAB_ERROR_BAD_MESSAGE);
  g_assert_cmpint (command_kind (""), ==, CONFAB_TEXT_COMMAND_NONE);
}

static const struct
{
  const char *line;
  int         kind; /* a ConfabTextCommandKind, or minus a ConfabError */
  const char *room;
  const char *text;
} command_cases[] = {
  { "/rooms", CONFAB_TEXT_COMMAND_ROOMS, NULL, NULL },
  { "/join #tea", CONFAB_TEXT_COMMAND_JOIN, "#tea", NULL },
  { "  /join\t#Café  ", CONFAB_TEXT_COMMAND_JOIN, "#Café", NULL },
  { "/part #tea", CONFAB_TEXT_COMMAND_PART, "#tea", NULL },
  { "/members #tea", CONFAB_TEXT_COMMAND_MEMBERS, "#tea", NULL },
  { "/topic #tea", CONFAB_TEXT_COMMAND_TOPIC, "#tea", NULL },
  { "/topic #tea  green: and black ", CONFAB_TEXT_COMMAND_TOPIC, "#tea", "green: and black" },
  /* Not commands: a name may start with '/', and a chat line has a ':'. */
  { "/bob: hi", CONFAB_TEXT_COMMAND_NONE, NULL, NULL },
  { "/bob, carol: hi", CONFAB_TEXT_COMMAND_NONE, NULL, NULL },
  { "bob: /join #tea", CONFAB_TEXT_COMMAND_NONE, NULL, NULL },
  { "/join: hi", CONFAB_TEXT_COMMAND_NONE, NULL, NULL },
  /* Refused. */
  { "/join", -CONFAB_ERROR_BAD_MESSAGE, NULL, NULL },
  { "/join #tea #coffee", -CONFAB_ERROR_BAD_MESSAGE, NULL, NULL },
  { "/join tea", -CONFAB_ERROR_INVALID_ROOM_NAME, NULL, NULL },
  { "/join #", -CONFAB_ERROR_INVALID_ROOM_NAME, NULL, NULL },
  { "/join ##tea", -CONFAB_ERROR_INVALID_ROOM_NAME, NULL, NULL },
  { "/join #@tea", -CONFAB_ERROR_INVALID_ROOM_NAME, NULL, NULL },
  { "/join #te,a", -CONFAB_ERROR_INVALID_ROOM_NAME, NULL, NULL },
  { "/join #123456789012345678901234567890123", -CONFAB_ERROR_INVALID_ROOM_NAME, NULL, NULL },
  { "/part", -CONFAB_ERROR_BAD_MESSAGE, NULL, NULL },
  { "/rooms #tea", -CONFAB_ERROR_BAD_MESSAGE, NULL, NULL },
  { "/topic", -CONFAB_ERROR_BAD_MESSAGE, NULL, NULL },
  { "/topic #tea \x01", -CONFAB_ERROR_CONTROL_CHARACTER, NULL, NULL },
  { "/join #t\xff"
    "a",
    -CONFAB_ERROR_INVALID_UTF8, NULL, NULL },
  { "/frobnicate", -CONFAB_ERROR_UNKNOWN_COMMAND, NULL, NULL },
};

static void
test_commands (void)
{
  g_test_summary ("Room commands parse to their kind, room and text; a name may still "
                  "start with '/'; bad commands are refused with the right code");

  for (gsize i = 0; i < G_N_ELEMENTS (command_cases); i++)
    {
      g_autofree char *line = g_strdup (command_cases[i].line);
      g_autoptr(GError) error = NULL;
      ConfabTextCommand command;
      gboolean          ok;

      ok = confab_text_parse_command (line, strlen (line), &command, &error);
      {
        g_autofree char *shown = g_strescape (command_cases[i].line, NULL); /* TAP is text */

        g_test_message ("%s", shown);
      }
      if (command_cases[i].kind < 0)
        {
          g_assert_false (ok);
          g_assert_error (error, CONFAB_ERROR, -command_cases[i].kind);
          continue;
        }
      g_assert_no_error (error);
      g_assert_true (ok);
      g_assert_cmpint (command.kind, ==, command_cases[i].kind);
      g_assert_cmpstr (command.room, ==, command_cases[i].room);
      g_assert_cmpstr (command.text, ==, command_cases[i].text);
      if (command.text != NULL)
        g_assert_cmpuint (command.text_len, ==, strlen (command.text));
    }
}

static void
test_unknown_command_echo (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char  *line = g_strdup ("/frob");
  ConfabTextCommand command;

  g_test_summary ("An unknown command is named in its error");
  g_assert_false (confab_text_parse_command (line, 5, &command, &error));
  g_assert_cmpstr (error->message, ==, "unknown command: /frob");
}

static void
test_room_recipients (void)
{
  g_autofree char *line = g_strdup ("#tea, bob, #Tea: hi");
  g_autofree char *bad = g_strdup ("#tea, #t e: hi");
  g_autoptr(GError) error = NULL;
  ConfabTextMessage msg;

  g_test_summary ("Rooms are recipients like names; an invalid room name is refused");
  g_assert_true (confab_text_parse_message (line, strlen (line), 64, &msg, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (msg.n_recipients, ==, 3);
  g_assert_cmpstr (msg.recipients[0], ==, "#tea");
  g_assert_cmpstr (msg.recipients[1], ==, "bob");
  g_assert_cmpstr (msg.recipients[2], ==, "#Tea");

  g_assert_false (confab_text_parse_message (bad, strlen (bad), 64, &msg, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ROOM_NAME);
  g_assert_cmpstr (error->message, ==, "invalid room name: #t e");
}

int
main (int    argc,
      char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (i = 0; i < G_N_ELEMENTS (login_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/text/login/", login_cases[i].path, NULL);
      g_test_add_data_func (path, &login_cases[i], test_login);
    }
  for (i = 0; i < G_N_ELEMENTS (message_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/text/message/", message_cases[i].path, NULL);
      g_test_add_data_func (path, &message_cases[i], test_message);
    }
  for (i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/text/message/reject/", reject_cases[i].path, NULL);
      g_test_add_data_func (path, &reject_cases[i], test_reject);
    }

  g_test_add_func ("/text/message/self-addressed", test_self_addressed);
  g_test_add_func ("/text/message/reuse", test_reuse_message);
  g_test_add_func ("/text/recipients/limit/at", test_limit_at);
  g_test_add_func ("/text/recipients/limit/over", test_limit_over);
  g_test_add_func ("/text/recipients/limit/duplicates-count-once", test_limit_duplicates_count_once);
  g_test_add_func ("/text/recipients/limit/65-items-one-duplicate", test_limit_65_items_one_duplicate);
  g_test_add_func ("/text/recipients/limit/hard-with-repeats", test_limit_hard_with_repeats);
  g_test_add_func ("/text/recipients/limit/small", test_limit_small);
  g_test_add_func ("/text/recipients/limit/hard", test_limit_hard);
  g_test_add_func ("/text/blank-and-peers", test_blank_and_peers);
  g_test_add_func ("/text/commands", test_commands);
  g_test_add_func ("/text/commands/unknown-echo", test_unknown_command_echo);
  g_test_add_func ("/text/recipients/rooms", test_room_recipients);

  return g_test_run ();
}
