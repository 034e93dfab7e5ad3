/* test-irc-message.c: IRC messages (SPEC §10): parsing real-world and
 * hostile lines, serialization with its 512-byte cut, round trips, tag
 * escaping, and which nicks and channel names are valid.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-irc-message.h"

/* A literal with its exact length, so that NUL bytes inside count. */
#define BYTES(s) (s), (sizeof (s) - 1)

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
  g_assert_nonnull (p);
  g_assert_true (p >= line && p + strlen (p) <= line + len);
}

/* Lines that parse */

typedef struct
{
  const char  *path;
  const char  *input;
  ConfabIrcTag tags[4]; /* up to the first NULL key */
  const char  *source;
  const char  *command;
  const char  *params[CONFAB_IRC_PARAMS_MAX + 1]; /* NULL-terminated */
  gboolean     has_trailing;
} ParseCase;

static const ParseCase parse_cases[] = {
  { "privmsg-channel", "PRIVMSG #chan :hello world", {}, NULL, "PRIVMSG", { "#chan", "hello world" }, TRUE },
  { "source", ":nick!user@host PRIVMSG bob :hi", {}, "nick!user@host", "PRIVMSG", { "bob", "hi" }, TRUE },
  { "tags", "@time=2023-01-01T00:00:00.000Z;+draft/reply=abc :n!u@h PRIVMSG #c :x", { { "time", "2023-01-01T00:00:00.000Z" }, { "+draft/reply", "abc" } }, "n!u@h", "PRIVMSG", { "#c", "x" }, TRUE },
  { "cap-ls", "CAP LS 302", {}, NULL, "CAP", { "LS", "302" }, FALSE },
  { "cap-req", "CAP REQ :multi-prefix server-time", {}, NULL, "CAP", { "REQ", "multi-prefix server-time" }, TRUE },
  { "cap-end", "CAP END", {}, NULL, "CAP", { "END" }, FALSE },
  { "nick", "NICK alice", {}, NULL, "NICK", { "alice" }, FALSE },
  { "user", "USER alice 0 * :Alice A", {}, NULL, "USER", { "alice", "0", "*", "Alice A" }, TRUE },
  { "ping", "PING :token", {}, NULL, "PING", { "token" }, TRUE },
  { "pong-server", ":confab.local PONG confab.local :token", {}, "confab.local", "PONG", { "confab.local", "token" }, TRUE },
  { "join-list", "JOIN #a,#b", {}, NULL, "JOIN", { "#a,#b" }, FALSE },
  { "join-keys", "JOIN #a,#b key1,key2", {}, NULL, "JOIN", { "#a,#b", "key1,key2" }, FALSE },
  { "join-0", "JOIN 0", {}, NULL, "JOIN", { "0" }, FALSE },
  { "quit", "QUIT", {}, NULL, "QUIT", { NULL }, FALSE },
  { "quit-reason", "QUIT :Gone to lunch", {}, NULL, "QUIT", { "Gone to lunch" }, TRUE },
  { "uppercased", "privmsg x :y", {}, NULL, "PRIVMSG", { "x", "y" }, TRUE },
  { "mixed-case", "PrivMsg x y", {}, NULL, "PRIVMSG", { "x", "y" }, FALSE },
  { "numeric", ":confab.local 001 alice :Welcome to confab", {}, "confab.local", "001", { "alice", "Welcome to confab" }, TRUE },
  { "multiple-spaces", "PRIVMSG   #c    :hi  there ", {}, NULL, "PRIVMSG", { "#c", "hi  there " }, TRUE },
  { "spaces-everywhere", "@a=b   :src   MODE   #c   +o   bob   ", { { "a", "b" } }, "src", "MODE", { "#c", "+o", "bob" }, FALSE },
  { "leading-spaces", "   NICK alice", {}, NULL, "NICK", { "alice" }, FALSE },
  { "empty-trailing", "TOPIC #c :", {}, NULL, "TOPIC", { "#c", "" }, TRUE },
  { "colon-only-trailing", "AWAY :", {}, NULL, "AWAY", { "" }, TRUE },
  { "trailing-of-colons", "PRIVMSG #c ::-) ::", {}, NULL, "PRIVMSG", { "#c", ":-) ::" }, TRUE },
  { "colon-inside-middle", "MODE a:b +o", {}, NULL, "MODE", { "a:b", "+o" }, FALSE },
  { "tab-is-no-separator", "PRIVMSG a b\tc", {}, NULL, "PRIVMSG", { "a", "b\tc" }, FALSE },
  { "at-in-params", "PRIVMSG @a :@b", {}, NULL, "PRIVMSG", { "@a", "@b" }, TRUE },
  { "utf8", "PRIVMSG #caf\xc3\xa9 :h\xc3\xa9llo \xf0\x9f\x98\x80", {}, NULL, "PRIVMSG", { "#caf\xc3\xa9", "h\xc3\xa9llo \xf0\x9f\x98\x80" }, TRUE },
  /* Which params hold text the caller knows, so it checks UTF-8. */
  { "invalid-utf8-left-to-caller", "PRIVMSG a :\xff\xfe", {}, NULL, "PRIVMSG", { "a", "\xff\xfe" }, TRUE },
  { "control-left-to-caller", "PRIVMSG a :\x01"
                              "ACTION waves\x01",
    {},
    NULL,
    "PRIVMSG",
    { "a", "\x01"
           "ACTION waves\x01" },
    TRUE },
  { "tagmsg", "@+typing=active TAGMSG #c", { { "+typing", "active" } }, NULL, "TAGMSG", { "#c" }, FALSE },
  { "tag-without-value", "@a;b=;c=d CMD", { { "a", NULL }, { "b", NULL }, { "c", "d" } }, NULL, "CMD", { NULL }, FALSE },
  { "tag-vendor", "@example.com/foo-bar=1;+a-b.c/x=y CMD", { { "example.com/foo-bar", "1" }, { "+a-b.c/x", "y" } }, NULL, "CMD", { NULL }, FALSE },
  { "tag-value-with-equals", "@k=a=b CMD", { { "k", "a=b" } }, NULL, "CMD", { NULL }, FALSE },
  { "fifteen-params", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", {}, NULL, "CMD", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15" }, FALSE },
  /* RFC 1459: the 15th param takes the rest, colon or not. */
  { "sixteen-words", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16  17 ", {}, NULL, "CMD", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 16  17 " }, FALSE },
  { "fifteenth-trailing", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :a b", {}, NULL, "CMD", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "a b" }, TRUE },
  { "fifteenth-then-colon", "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 :x", {}, NULL, "CMD", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 :x" }, FALSE },
};

static void
test_parse (gconstpointer data)
{
  const ParseCase *pc = data;
  gsize            len = strlen (pc->input);
  g_autofree char *line = line_new (pc->input, len);
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;
  guint            n;

  g_test_summary ("A well-formed line parses in place into its tags, source, command and params");

  g_assert_true (confab_irc_message_parse (line, len, &message, &error));
  g_assert_no_error (error);

  for (n = 0; pc->tags[n].key != NULL; n++)
    {
      g_assert_cmpuint (n, <, message.n_tags);
      g_assert_cmpstr (message.tags[n].key, ==, pc->tags[n].key);
      g_assert_cmpstr (message.tags[n].value, ==, pc->tags[n].value);
      assert_inside (message.tags[n].key, line, len);
      if (message.tags[n].value != NULL)
        assert_inside (message.tags[n].value, line, len);
    }
  g_assert_cmpuint (message.n_tags, ==, n);

  g_assert_cmpstr (message.source, ==, pc->source);
  if (message.source != NULL)
    assert_inside (message.source, line, len);
  g_assert_cmpstr (message.command, ==, pc->command);
  assert_inside (message.command, line, len);

  for (n = 0; pc->params[n] != NULL; n++)
    {
      g_assert_cmpuint (n, <, message.n_params);
      g_assert_cmpstr (message.params[n], ==, pc->params[n]);
      assert_inside (message.params[n], line, len);
    }
  g_assert_cmpuint (message.n_params, ==, n);
  g_assert_cmpint (message.has_trailing, ==, pc->has_trailing);
}

/* Lines that do not */

typedef struct
{
  const char *path;
  const char *input;
  gsize       len;
  gint        code;
  const char *message;
} RejectCase;

#define EMPTY         CONFAB_ERROR_BAD_MESSAGE, "empty line"
#define CONTROL       CONFAB_ERROR_CONTROL_CHARACTER, "line contains NUL, CR or LF"
#define NO_COMMAND    CONFAB_ERROR_BAD_MESSAGE, "no command"
#define BAD_COMMAND   CONFAB_ERROR_BAD_MESSAGE, "invalid command"
#define EMPTY_KEY     CONFAB_ERROR_BAD_MESSAGE, "empty tag key"
#define BAD_KEY       CONFAB_ERROR_BAD_MESSAGE, "invalid tag key"
#define EMPTY_SOURCE  CONFAB_ERROR_BAD_MESSAGE, "empty source"
#define LINE_TOO_LONG CONFAB_ERROR_LINE_TOO_LONG, "line longer than 512 bytes"
#define TAGS_TOO_LONG CONFAB_ERROR_LINE_TOO_LONG, "tags longer than 8191 bytes"

static const RejectCase reject_cases[] = {
  { "empty", BYTES (""), EMPTY },
  { "spaces-only", BYTES ("    "), EMPTY },
  { "nul-inside", BYTES ("PRIVMSG a :b\0c"), CONTROL },
  { "nul-only", BYTES ("\0"), CONTROL },
  { "nul-in-command", BYTES ("NI\0CK a"), CONTROL },
  { "cr-inside", BYTES ("PRIVMSG a :b\rc"), CONTROL },
  /* "\r\r\n": the framer strips one CR, not two. */
  { "cr-at-end", BYTES ("NICK a\r"), CONTROL },
  { "lf-inside", BYTES ("PRIVMSG a :b\nQUIT"), CONTROL },
  { "cr-in-tags", BYTES ("@a=\r CMD"), CONTROL },
  { "at-alone", BYTES ("@"), NO_COMMAND },
  { "tag-without-space", BYTES ("@tag"), NO_COMMAND },
  { "tags-then-space", BYTES ("@a=b "), NO_COMMAND },
  { "tags-then-spaces", BYTES ("@a=b    "), NO_COMMAND },
  { "source-alone", BYTES (":source"), NO_COMMAND },
  { "source-then-space", BYTES (":nick!u@h "), NO_COMMAND },
  { "tags-and-source-alone", BYTES ("@a :src"), NO_COMMAND },
  { "empty-source", BYTES (": NICK a"), EMPTY_SOURCE },
  { "colon-alone", BYTES (":"), EMPTY_SOURCE },
  { "empty-tags", BYTES ("@ CMD"), EMPTY_KEY },
  { "empty-tag-inside", BYTES ("@a;;b CMD"), EMPTY_KEY },
  { "trailing-semicolon", BYTES ("@a=1; CMD"), EMPTY_KEY },
  { "value-without-key", BYTES ("@=v CMD"), EMPTY_KEY },
  { "key-plus-only", BYTES ("@+ CMD"), BAD_KEY },
  { "key-empty-vendor", BYTES ("@/a CMD"), BAD_KEY },
  { "key-client-empty-vendor", BYTES ("@+/a CMD"), BAD_KEY },
  { "key-empty-name", BYTES ("@vendor/ CMD"), BAD_KEY },
  { "key-underscore", BYTES ("@a_b CMD"), BAD_KEY },
  { "key-two-slashes", BYTES ("@a/b/c CMD"), BAD_KEY },
  { "key-two-pluses", BYTES ("@++a CMD"), BAD_KEY },
  { "key-dot-in-name", BYTES ("@a.b CMD"), BAD_KEY },
  { "key-non-ascii", BYTES ("@k\xc3\xa9y CMD"), BAD_KEY },
  /* Left to right, and before the command. */
  { "first-bad-tag-wins", BYTES ("@a;b_c;;d 12"), BAD_KEY },
  { "bad-command-digits-2", BYTES ("12 a"), BAD_COMMAND },
  { "bad-command-digits-4", BYTES ("1234"), BAD_COMMAND },
  { "bad-command-mixed", BYTES ("PRIV1 x"), BAD_COMMAND },
  { "bad-command-digit-first", BYTES ("1AB"), BAD_COMMAND },
  { "bad-command-dash", BYTES ("PRIV-MSG x"), BAD_COMMAND },
  { "bad-command-non-ascii", BYTES ("\xc3\x84"
                                    "B x"),
    BAD_COMMAND },
  { "bad-command-after-source", BYTES (":src 12"), BAD_COMMAND },
  /* "@a b=c" is a tag "a" and a command "b=c". */
  { "space-inside-tags", BYTES ("@a b=c CMD"), BAD_COMMAND },
  { "bad-command-tab", BYTES ("NICK\talice"), BAD_COMMAND },
};

static void
test_reject (gconstpointer data)
{
  const RejectCase *rc = data;
  g_autofree char  *line = line_new (rc->input, rc->len);
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;

  g_test_summary ("A malformed or hostile line is refused with a documented error");

  g_assert_false (confab_irc_message_parse (line, rc->len, &message, &error));
  g_assert_error (error, CONFAB_ERROR, rc->code);
  g_assert_cmpstr (error->message, ==, rc->message);
}

/* Limits */

/* Parses @line (NUL-terminated, writable); returns the error, if any. */
static GError *
parse_error (char             *line,
             ConfabIrcMessage *message)
{
  GError *error = NULL;

  if (confab_irc_message_parse (line, strlen (line), message, &error))
    g_assert_no_error (error);
  return error;
}

/* "PRIVMSG #c :xxx…" of exactly @len bytes. */
static char *
privmsg_of_length (const char *prefix,
                   gsize       len)
{
  GString *s = g_string_new (prefix);

  g_string_append (s, "PRIVMSG #c :");
  while (s->len - strlen (prefix) < len)
    g_string_append_c (s, 'x');
  return g_string_free (s, FALSE);
}

static void
test_line_length (void)
{
  g_autofree char *at = privmsg_of_length ("", 510);
  g_autofree char *over = privmsg_of_length ("", 511);
  g_autofree char *tagged_at = privmsg_of_length ("@a=b ", 510);
  g_autofree char *tagged_over = privmsg_of_length ("@a=b ", 511);
  g_autofree char *spaced = g_strconcat (" ", at, NULL);
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;

  g_test_summary ("After the tags a line has 510 bytes (512 with CR LF); leading spaces count");

  g_assert_null (parse_error (at, &message));
  g_assert_cmpuint (strlen (message.params[1]), ==, 510 - strlen ("PRIVMSG #c :"));
  g_assert_null (parse_error (tagged_at, &message));
  g_assert_cmpuint (message.n_tags, ==, 1);

  error = parse_error (over, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_LINE_TOO_LONG);
  g_assert_cmpstr (error->message, ==, "line longer than 512 bytes");
  g_clear_error (&error);
  error = parse_error (tagged_over, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_LINE_TOO_LONG);
  g_clear_error (&error);
  error = parse_error (spaced, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_LINE_TOO_LONG);
}

/* "@k=vvv… rest" whose tags part ('@' and space included) is @len bytes. */
static char *
tags_of_length (gsize       len,
                const char *rest)
{
  GString *s = g_string_new ("@k=");

  while (s->len < len - 1)
    g_string_append_c (s, 'v');
  g_string_append_c (s, ' ');
  g_string_append (s, rest);
  return g_string_free (s, FALSE);
}

static void
test_tags_length (void)
{
  g_autofree char *at = tags_of_length (CONFAB_IRC_TAGS_MAX, "NICK a");
  g_autofree char *over = tags_of_length (CONFAB_IRC_TAGS_MAX + 1, "NICK a");
  g_autofree char *both_at = NULL;
  g_autofree char *long_rest = privmsg_of_length ("", 510);
  g_autofree char *no_space = g_strndup (over, CONFAB_IRC_TAGS_MAX + 1);
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;

  g_test_summary ("Tags have 8191 bytes with their '@' and space, besides the 510 of the rest");

  g_assert_null (parse_error (at, &message));
  g_assert_cmpuint (strlen (message.tags[0].value), ==, CONFAB_IRC_TAGS_MAX - 4);
  g_assert_cmpstr (message.command, ==, "NICK");

  both_at = tags_of_length (CONFAB_IRC_TAGS_MAX, long_rest);
  g_assert_cmpuint (strlen (both_at), ==, CONFAB_IRC_TAGS_MAX + 510);
  g_assert_null (parse_error (both_at, &message));

  error = parse_error (over, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_LINE_TOO_LONG);
  g_assert_cmpstr (error->message, ==, "tags longer than 8191 bytes");
  g_clear_error (&error);

  /* Too long even before the space that would end them. */
  no_space[CONFAB_IRC_TAGS_MAX] = 'v';
  error = parse_error (no_space, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_LINE_TOO_LONG);
  g_assert_cmpstr (error->message, ==, "tags longer than 8191 bytes");
}

/* "@t0;t1;… CMD" with @n tags. */
static char *
tags_of_count (guint n)
{
  GString *s = g_string_new ("@");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%st%u=%u", i > 0 ? ";" : "", i, i);
  g_string_append (s, " CMD");
  return g_string_free (s, FALSE);
}

static void
test_tags_count (void)
{
  g_autofree char *at = tags_of_count (CONFAB_IRC_TAGS_COUNT_MAX);
  g_autofree char *over = tags_of_count (CONFAB_IRC_TAGS_COUNT_MAX + 1);
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;

  g_test_summary ("A message has at most 64 tags");

  g_assert_null (parse_error (at, &message));
  g_assert_cmpuint (message.n_tags, ==, CONFAB_IRC_TAGS_COUNT_MAX);
  g_assert_cmpstr (message.tags[63].key, ==, "t63");
  g_assert_cmpstr (message.tags[63].value, ==, "63");

  error = parse_error (over, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
  g_assert_cmpstr (error->message, ==, "more than 64 tags");
}

static void
test_reuse (void)
{
  g_autofree char *first = g_strdup ("@a=1 :src CMD x y :z");
  g_autofree char *second = g_strdup ("PING");
  g_autofree char *bad = g_strdup (":src");
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;

  g_test_summary ("A parse leaves nothing of the previous one in the message");

  g_assert_null (parse_error (first, &message));
  g_assert_cmpuint (message.n_params, ==, 3);
  g_assert_null (parse_error (second, &message));
  g_assert_cmpuint (message.n_tags, ==, 0);
  g_assert_null (message.source);
  g_assert_cmpstr (message.command, ==, "PING");
  g_assert_cmpuint (message.n_params, ==, 0);
  g_assert_false (message.has_trailing);

  error = parse_error (bad, &message);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
  g_assert_null (message.command);
  g_assert_cmpuint (message.n_params, ==, 0);
}

static void
test_get_tag (void)
{
  g_autofree char *line = g_strdup ("@a=1;b;a=2;c= CMD");
  ConfabIrcMessage message;
  const char      *value = "unset";

  g_test_summary ("A tag is looked up by key; of duplicates the last counts");

  g_assert_null (parse_error (line, &message));
  g_assert_true (confab_irc_message_get_tag (&message, "a", &value));
  g_assert_cmpstr (value, ==, "2");
  g_assert_true (confab_irc_message_get_tag (&message, "b", &value));
  g_assert_null (value);
  g_assert_true (confab_irc_message_get_tag (&message, "c", NULL));
  g_assert_false (confab_irc_message_get_tag (&message, "A", &value));
  g_assert_null (value);
  g_assert_false (confab_irc_message_get_tag (&message, "+a", NULL));
}

/* Tag values */

typedef struct
{
  const char *path;
  const char *raw;
  const char *value; /* NULL: none */
} UnescapeCase;

static const UnescapeCase unescape_cases[] = {
  { "semicolon", "a\\:b", "a;b" },
  { "space", "a\\sb", "a b" },
  { "backslash", "a\\\\b", "a\\b" },
  { "cr", "a\\rb", "a\rb" },
  { "lf", "a\\nb", "a\nb" },
  { "all", "\\:\\s\\\\\\r\\n", "; \\\r\n" },
  { "other-escape", "a\\xb\\0", "axb0" },
  { "escaped-backslash-then-s", "\\\\s", "\\s" },
  { "trailing-backslash-dropped", "ab\\", "ab" },
  { "escaped-then-lone-backslash", "\\\\\\", "\\" },
  { "lone-backslash-is-empty", "\\", NULL },
  { "empty", "", NULL },
  { "equals", "a=b", "a=b" },
  { "utf8", "caf\xc3\xa9\\s\xf0\x9f\x98\x80", "caf\xc3\xa9 \xf0\x9f\x98\x80" },
};

static void
test_unescape (gconstpointer data)
{
  const UnescapeCase *uc = data;
  g_autofree char    *line = g_strdup_printf ("@k=%s;next=1 CMD", uc->raw);
  ConfabIrcMessage    message;

  g_test_summary ("Tag values are unescaped as IRCv3 message-tags says");

  g_assert_null (parse_error (line, &message));
  g_assert_cmpuint (message.n_tags, ==, 2);
  g_assert_cmpstr (message.tags[0].key, ==, "k");
  g_assert_cmpstr (message.tags[0].value, ==, uc->value);
  g_assert_cmpstr (message.tags[1].key, ==, "next");
  g_assert_cmpstr (message.tags[1].value, ==, "1");
}

static void
test_escape (void)
{
  static const char *values[] = {
    "plain",
    "a;b c\\d\re\nf",
    "\\s",
    ";;;",
    "   ",
    "\\",
    "trailing\\",
    "caf\xc3\xa9 \xf0\x9f\x98\x80",
    "a=b",
    "\\:",
  };
  g_autoptr(GString) out = g_string_new (NULL);

  g_test_summary ("Escaping a tag value is exact, and parsing gives the value back");

  confab_irc_escape_tag_value (out, "a;b c\\d\r\n");
  g_assert_cmpstr (out->str, ==, "a\\:b\\sc\\\\d\\r\\n");
  g_string_truncate (out, 0);
  confab_irc_escape_tag_value (out, "");
  g_assert_cmpstr (out->str, ==, "");

  for (gsize i = 0; i < G_N_ELEMENTS (values); i++)
    {
      ConfabIrcMessage message;
      g_autofree char *line = NULL;

      g_string_assign (out, "@k=");
      confab_irc_escape_tag_value (out, values[i]);
      g_assert_null (strpbrk (out->str, " ;\r\n"));
      g_string_append (out, " CMD");
      line = g_strdup (out->str);
      g_assert_null (parse_error (line, &message));
      g_assert_cmpuint (message.n_tags, ==, 1);
      g_assert_cmpstr (message.tags[0].value, ==, values[i]);
    }
}

/* Serialization */

typedef struct
{
  const char *path;
  const char *tags;
  const char *source;
  const char *command;
  const char *params[CONFAB_IRC_PARAMS_MAX + 1]; /* NULL-terminated */
  const char *expected;
} AppendCase;

static const AppendCase append_cases[] = {
  { "no-params", NULL, NULL, "QUIT", { NULL }, "QUIT\r\n" },
  { "one-word", NULL, NULL, "NICK", { "alice" }, "NICK alice\r\n" },
  { "space-needs-colon", NULL, NULL, "PRIVMSG", { "#c", "hello world" }, "PRIVMSG #c :hello world\r\n" },
  { "empty-needs-colon", NULL, NULL, "TOPIC", { "#c", "" }, "TOPIC #c :\r\n" },
  { "colon-needs-colon", NULL, NULL, "PRIVMSG", { "bob", ":)" }, "PRIVMSG bob ::)\r\n" },
  { "colon-inside-needs-none", NULL, NULL, "PRIVMSG", { "bob", "a:b" }, "PRIVMSG bob a:b\r\n" },
  { "source", NULL, "alice!alice@confab", "PRIVMSG", { "bob", "hi there" }, ":alice!alice@confab PRIVMSG bob :hi there\r\n" },
  { "numeric", NULL, "confab.local", "001", { "alice", "Welcome to confab" }, ":confab.local 001 alice :Welcome to confab\r\n" },
  { "tags", "time=2023-01-01T00:00:00.000Z;+a", "n!u@h", "TAGMSG", { "#c" }, "@time=2023-01-01T00:00:00.000Z;+a :n!u@h TAGMSG #c\r\n" },
  { "empty-tags", "", NULL, "PING", { "x" }, "PING x\r\n" },
  { "cr-lf-become-spaces", NULL, NULL, "PRIVMSG", { "bob", "a\r\nQUIT" }, "PRIVMSG bob :a  QUIT\r\n" },
  { "lf-alone", NULL, NULL, "PRIVMSG", { "bob", "x\n" }, "PRIVMSG bob :x \r\n" },
  { "utf8", NULL, NULL, "PRIVMSG", { "#caf\xc3\xa9", "\xf0\x9f\x98\x80" }, "PRIVMSG #caf\xc3\xa9 \xf0\x9f\x98\x80\r\n" },
  { "fifteen", NULL, NULL, "CMD", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "a b" }, "CMD 1 2 3 4 5 6 7 8 9 10 11 12 13 14 :a b\r\n" },
};

static guint
count_params (const char * const *params)
{
  guint n = 0;

  while (params[n] != NULL)
    n++;
  return n;
}

static void
test_append (gconstpointer data)
{
  const AppendCase *ac = data;
  g_autoptr(GString) out = g_string_new ("before|");

  g_test_summary ("A message is written with ':' only where needed, and CR LF");

  confab_irc_message_append (out, ac->tags, ac->source, ac->command, ac->params, count_params (ac->params));
  g_assert_true (g_str_has_prefix (out->str, "before|"));
  g_assert_cmpstr (out->str + strlen ("before|"), ==, ac->expected);
}

/* Appends "PRIVMSG #c " and a last param of @n_pad 'a's then @tail,
 * after @tags; returns the part after the tags. */
static const char *
append_long (GString    *out,
             const char *tags,
             gsize       n_pad,
             const char *tail)
{
  g_autoptr(GString) last = g_string_new (NULL);
  const char *params[2] = { "#c", NULL };
  gsize       tags_len = tags != NULL ? strlen (tags) + 2 : 0;

  for (gsize i = 0; i < n_pad; i++)
    g_string_append_c (last, 'a');
  g_string_append (last, tail);
  params[1] = last->str;
  g_string_truncate (out, 0);
  confab_irc_message_append (out, tags, NULL, "PRIVMSG", params, 2);
  return out->str + tags_len;
}

/* The line @rest (after any tags) ends in its only CR LF, is at most 512
 * bytes and valid UTF-8; returns its length. */
static gsize
assert_line_bounded (const char *rest)
{
  gsize len = strlen (rest);

  g_assert_cmpuint (len, <=, CONFAB_IRC_LINE_MAX);
  g_assert_true (g_str_has_suffix (rest, "\r\n"));
  g_assert_cmpuint (strcspn (rest, "\r\n"), ==, len - 2);
  g_assert_true (g_utf8_validate (rest, len, NULL));
  return len;
}

static void
test_append_cut (void)
{
  /* "PRIVMSG #c :" is 12 bytes, the CR LF 2: 498 are left. */
  const gsize budget = CONFAB_IRC_LINE_MAX - strlen ("PRIVMSG #c :") - 2;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *rest;

  g_test_summary ("A line longer than 512 bytes loses the end of its last param, at a character boundary");

  /* Exactly 512 without a ':': untouched. */
  rest = append_long (out, NULL, budget + 1, "");
  g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX);
  g_assert_true (g_str_has_prefix (rest, "PRIVMSG #c aaa"));

  /* One more: cut, and a cut param gets a ':'. */
  rest = append_long (out, NULL, budget + 2, "");
  g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX);
  g_assert_true (g_str_has_prefix (rest, "PRIVMSG #c :aaa"));

  /* Exactly 512 with a ':': untouched. */
  rest = append_long (out, NULL, budget - 1, " ");
  g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX);
  g_assert_true (g_str_has_suffix (rest, "a \r\n"));

  /* A two-byte character over the limit goes whole. */
  rest = append_long (out, NULL, budget - 1, "\xc3\xa9"
                                             "b");
  g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX - 1);
  g_assert_true (g_str_has_suffix (rest, "a\r\n"));

  /* A four-byte one, whichever of its bytes the limit falls after. */
  for (gsize straddle = 1; straddle <= 3; straddle++)
    {
      rest = append_long (out, NULL, budget - straddle, "\xf0\x9f\x98\x80 tail");
      g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX - straddle);
      g_assert_true (g_str_has_suffix (rest, "a\r\n"));
    }
  /* Just fitting, it stays. */
  rest = append_long (out, NULL, budget - 4, "\xf0\x9f\x98\x80 tail");
  g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX);
  g_assert_true (g_str_has_suffix (rest, "a\xf0\x9f\x98\x80\r\n"));

  /* All multi-byte, far too long. */
  g_string_truncate (out, 0);
  {
    g_autoptr(GString) text = g_string_new (NULL);
    const char *params[] = { "bob", NULL };

    for (guint i = 0; i < 300; i++)
      g_string_append (text, "\xe2\x82\xac"); /* U+20AC EURO SIGN */
    params[1] = text->str;
    confab_irc_message_append (out, NULL, "alice!alice@confab", "PRIVMSG", params, 2);
    assert_line_bounded (out->str);
    /* ":alice!alice@confab PRIVMSG bob :" is 33 bytes: 477 left, 159 euros. */
    g_assert_cmpuint (out->len, ==, 33 + 159 * 3 + 2);
  }

  /* The tags do not count. */
  {
    g_autoptr(GString) tags = g_string_new ("k=");

    for (guint i = 0; i < 4000; i++)
      g_string_append_c (tags, 'v');
    rest = append_long (out, tags->str, 1000, "");
    g_assert_cmpuint (assert_line_bounded (rest), ==, CONFAB_IRC_LINE_MAX);
    g_assert_cmpuint (out->len, ==, tags->len + 2 + CONFAB_IRC_LINE_MAX);
    g_assert_true (g_str_has_prefix (out->str, "@k=vvv"));
  }
}

static void
test_append_cut_reparse (void)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GString) text = g_string_new (NULL);
  const char      *params[3] = { "#c", NULL, NULL };
  ConfabIrcMessage message;
  g_autofree char *line = NULL;

  g_test_summary ("A cut line parses again, its last param a prefix of the original");

  for (guint i = 0; i < 200; i++)
    g_string_append (text, "h\xc3\xa9 ");
  params[1] = text->str;
  confab_irc_message_append (out, "a=b", "n!u@h", "NOTICE", params, 2);
  g_assert_true (g_str_has_suffix (out->str, "\r\n"));
  line = g_strndup (out->str, out->len - 2);
  g_assert_null (parse_error (line, &message));
  g_assert_cmpstr (message.command, ==, "NOTICE");
  g_assert_cmpuint (message.n_params, ==, 2);
  g_assert_true (message.has_trailing);
  g_assert_true (g_str_has_prefix (text->str, message.params[1]));
  g_assert_cmpuint (strlen (message.params[1]), >=, CONFAB_IRC_LINE_MAX - 2 - strlen (":n!u@h NOTICE #c :") - 3);
  g_assert_true (g_utf8_validate (message.params[1], -1, NULL));
}

static void
test_append_bad_middle (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GString) out = g_string_new (NULL);
      const char *params[] = { "a b", "x" };

      confab_irc_message_append (out, NULL, NULL, "PRIVMSG", params, 2);
      /* Not reached with fatal criticals; nothing written without. */
      g_assert_cmpuint (out->len, ==, 0);
      return;
    }

  g_test_summary ("A param other than the last that needs a ':' is a programming error");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*middle_param_is_valid*");
}

static void
test_append_head_too_long (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *source = g_strnfill (600, 's');
      const char      *params[] = { "x" };

      confab_irc_message_append (out, NULL, source, "PRIVMSG", params, 1);
      g_assert_cmpuint (out->len, ==, 0);
      return;
    }

  g_test_summary ("A source that leaves no room for the params is a programming error");
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*CONFAB_IRC_LINE_MAX*");
}

/* Round trips */

static const AppendCase round_trip_cases[] = {
  { "privmsg", NULL, NULL, "PRIVMSG", { "#c", "hello world" } },
  { "nick", NULL, NULL, "NICK", { "alice" } },
  { "no-params", NULL, "confab.local", "QUIT", { NULL } },
  { "empty-trailing", NULL, NULL, "TOPIC", { "#c", "" } },
  { "colon-trailing", NULL, "bob!bob@confab", "PRIVMSG", { "alice", ":) ok" } },
  { "numeric", NULL, "confab.local", "353", { "alice", "=", "#c", "@alice bob" } },
  { "isupport", NULL, "confab.local", "005", { "alice", "CHANTYPES=#", "NICKLEN=32", "UTF8ONLY", "are supported by this server" } },
  { "utf8", NULL, NULL, "PRIVMSG", { "#caf\xc3\xa9", "\xc3\xa9 \xf0\x9f\x98\x80" } },
  { "spaces-kept", NULL, NULL, "PRIVMSG", { "bob", "  two  spaces  " } },
  { "fifteen", NULL, NULL, "CMD", { "1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "11", "12", "13", "14", "15 16" } },
};

static void
test_round_trip (gconstpointer data)
{
  const AppendCase *rc = data;
  guint             n = count_params (rc->params);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *line = NULL;
  ConfabIrcMessage message;

  g_test_summary ("Parsing what was written gives back the source, command and params");

  confab_irc_message_append (out, "k=v", rc->source, rc->command, rc->params, n);
  g_assert_true (g_str_has_suffix (out->str, "\r\n"));
  line = g_strndup (out->str, out->len - 2);
  g_assert_null (parse_error (line, &message));
  g_assert_cmpuint (message.n_tags, ==, 1);
  g_assert_cmpstr (message.source, ==, rc->source);
  g_assert_cmpstr (message.command, ==, rc->command);
  g_assert_cmpuint (message.n_params, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpstr (message.params[i], ==, rc->params[i]);
}

/* Nicks and channels */

typedef struct
{
  const char *name;
  gboolean    valid;
} NameCase;

static const NameCase nick_cases[] = {
  { "alice", TRUE },
  { "a", TRUE },
  { "Alice_", TRUE },
  { "[bot]", TRUE },
  { "{x}|y^`\\", TRUE },
  { "a-b", TRUE },
  { "a1", TRUE },
  { "a#b", TRUE },
  { "a+b", TRUE },
  { "\xc3\xa9lise", TRUE },
  { "\xe5\x90\x8d\xe5\x89\x8d", TRUE },
  { "abcdefghijklmnopqrstuvwxyz012345", TRUE },
  { "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9",
    TRUE }, /* 32 bytes */
  { "", FALSE },
  { "abcdefghijklmnopqrstuvwxyz0123456", FALSE },
  { "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
    "a",
    FALSE }, /* 33 bytes, 17 characters: the limit is bytes */
  { "#a", FALSE },
  { "&a", FALSE },
  { "$a", FALSE },
  { "+a", FALSE },
  { "~a", FALSE },
  { "%a", FALSE },
  { "-a", FALSE },
  { "1a", FALSE },
  { "9", FALSE },
  { "@a", FALSE },
  { ":a", FALSE },
  { "a b", FALSE },
  { "a,b", FALSE },
  { "a*", FALSE },
  { "a?", FALSE },
  { "a!b", FALSE },
  { "a@b", FALSE },
  { "a.b", FALSE },
  { "a:b", FALSE },
  { "a\tb", FALSE },
  { "a\x01", FALSE },
  { "a\x07", FALSE },
  { "a\x1b", FALSE },
  { "a\x7f", FALSE },
  { "a\xc2\x85", FALSE }, /* U+0085, a C1 control */
  { "a\xff", FALSE },
  { "a\xc3", FALSE },
  { "\xed\xa0\x80", FALSE }, /* a surrogate */
};

static const NameCase channel_cases[] = {
  { "#a", TRUE },
  { "#chan", TRUE },
  { "##double", TRUE },
  { "#caf\xc3\xa9", TRUE },
  { "#a.b-c_d", TRUE },
  { "#\xf0\x9f\x98\x80", TRUE },
  { "#abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklm", TRUE }, /* 50 bytes */
  { "#abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmn", FALSE },
  { "", FALSE },
  { "#", FALSE },
  { "a", FALSE },
  { "chan", FALSE },
  { "&local", FALSE },
  { "+a", FALSE },
  { "# a", FALSE },
  { "#a b", FALSE },
  { "#a,#b", FALSE },
  { "#a\x07", FALSE },
  { "#a\x01", FALSE },
  { "#a\t", FALSE },
  { "#a\x7f", FALSE },
  { "#a\xc2\x85", FALSE },
  { "#\xff", FALSE },
  { "#caf\xe9", FALSE },
};

static void
test_nicks (void)
{
  g_test_summary ("Nicks: 1-32 bytes of UTF-8, none of IRC's separators, prefixes or wildcards");

  for (gsize i = 0; i < G_N_ELEMENTS (nick_cases); i++)
    {
      g_autofree char *shown = g_strescape (nick_cases[i].name, NULL); /* TAP is text */

      g_test_message ("nick %" G_GSIZE_FORMAT ": %s", i, shown);
      g_assert_cmpint (confab_irc_nick_is_valid (nick_cases[i].name), ==, nick_cases[i].valid);
    }
}

static void
test_channels (void)
{
  g_test_summary ("Channels: '#' and up to 50 bytes of UTF-8 without space, ',' or controls");

  for (gsize i = 0; i < G_N_ELEMENTS (channel_cases); i++)
    {
      g_autofree char *shown = g_strescape (channel_cases[i].name, NULL); /* TAP is text */

      g_test_message ("channel %" G_GSIZE_FORMAT ": %s", i, shown);
      g_assert_cmpint (confab_irc_channel_is_valid (channel_cases[i].name), ==, channel_cases[i].valid);
    }
}

/* A valid nick or channel is one param: it parses back as it is. */
static void
test_names_are_params (void)
{
  g_test_summary ("A valid nick or channel name is a single middle param");

  for (gsize i = 0; i < G_N_ELEMENTS (nick_cases) + G_N_ELEMENTS (channel_cases); i++)
    {
      const NameCase  *nc = i < G_N_ELEMENTS (nick_cases) ? &nick_cases[i] : &channel_cases[i - G_N_ELEMENTS (nick_cases)];
      g_autofree char *line = NULL;
      ConfabIrcMessage message;

      if (!nc->valid)
        continue;
      line = g_strdup_printf ("PRIVMSG %s x", nc->name);
      g_assert_null (parse_error (line, &message));
      g_assert_cmpuint (message.n_params, ==, 2);
      g_assert_cmpstr (message.params[0], ==, nc->name);
    }
}

int
main (int    argc,
      char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (i = 0; i < G_N_ELEMENTS (parse_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/irc/parse/", parse_cases[i].path, NULL);
      g_test_add_data_func (path, &parse_cases[i], test_parse);
    }
  for (i = 0; i < G_N_ELEMENTS (reject_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/irc/reject/", reject_cases[i].path, NULL);
      g_test_add_data_func (path, &reject_cases[i], test_reject);
    }
  for (i = 0; i < G_N_ELEMENTS (unescape_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/irc/tags/unescape/", unescape_cases[i].path, NULL);
      g_test_add_data_func (path, &unescape_cases[i], test_unescape);
    }
  for (i = 0; i < G_N_ELEMENTS (append_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/irc/append/", append_cases[i].path, NULL);
      g_test_add_data_func (path, &append_cases[i], test_append);
    }
  for (i = 0; i < G_N_ELEMENTS (round_trip_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/irc/round-trip/", round_trip_cases[i].path, NULL);
      g_test_add_data_func (path, &round_trip_cases[i], test_round_trip);
    }

  g_test_add_func ("/irc/limits/line-length", test_line_length);
  g_test_add_func ("/irc/limits/tags-length", test_tags_length);
  g_test_add_func ("/irc/limits/tags-count", test_tags_count);
  g_test_add_func ("/irc/parse/reuse", test_reuse);
  g_test_add_func ("/irc/tags/get", test_get_tag);
  g_test_add_func ("/irc/tags/escape", test_escape);
  g_test_add_func ("/irc/append/cut", test_append_cut);
  g_test_add_func ("/irc/append/cut-reparse", test_append_cut_reparse);
  g_test_add_func ("/irc/append/bad-middle", test_append_bad_middle);
  g_test_add_func ("/irc/append/head-too-long", test_append_head_too_long);
  g_test_add_func ("/irc/names/nicks", test_nicks);
  g_test_add_func ("/irc/names/channels", test_channels);
  g_test_add_func ("/irc/names/are-params", test_names_are_params);

  return g_test_run ();
}
