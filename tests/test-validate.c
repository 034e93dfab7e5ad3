/* test-validate.c: the name and text rules of SPEC §2, one case per rule
 * and per kind of hostile input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-names.h"
#include "confab-validate.h"

/* A literal with its exact length, so that NUL bytes inside count. */
#define BYTES(s) (s), (gssize) (sizeof (s) - 1)

#define E_ACUTE  "\xc3\xa9"         /* U+00E9, 2 bytes */
#define GRINNING "\xf0\x9f\x98\x80" /* U+1F600, 4 bytes */

typedef struct
{
  const char *path;
  const char *input;
  gssize      len; /* -1: NUL-terminated */
} AcceptCase;

typedef struct
{
  const char *path;
  const char *input;
  gssize      len;
  gint        code;
  const char *message;
} RejectCase;

#define NAME_ERR(reason) CONFAB_ERROR_INVALID_NAME, "invalid name: " reason

/* clang-format off */
static const AcceptCase name_accept_cases[] = {
  { "ascii", "alice", -1 },
  { "one-char", "a", -1 },
  { "punctuation", "bob-the_3rd.x!", -1 },
  { "at-inside", "a@b", -1 },
  { "hash-inside", "a#b", -1 },
  { "latin", "\xc3\x9c" "n\xc3\xaf" "c\xc3\xb6" "d\xc3\xa9", -1 },
  { "cjk", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", -1 },
  { "emoji", GRINNING, -1 },
  { "currency-symbols", "\xe2\x82\xac\xc2\xa3", -1 },  /* € £ */
  { "32-ascii", "abcdefghijklmnopqrstuvwxyz012345", -1 },
  { "32-two-byte",
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE, -1 },
  { "32-four-byte",
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING, -1 },
  /* Neighbours of the default ignorables that are visible letters. */
  { "hangul-jungseong-a", "a\xe1\x85\xa1", -1 },
  { "mongolian-nirugu", "a\xe1\xa0\x8a", -1 },
  { "31-ascii-plus-cjk", "abcdefghijklmnopqrstuvwxyz01234\xe6\x97\xa5", -1 },
  /* @len bounds the name: what follows is not looked at. */
  { "len-stops-before-colon", "alice:bob", 5 },
  { "len-stops-before-nul", "bob\0junk", 3 },
};

static const RejectCase name_reject_cases[] = {
  { "empty", "", -1, NAME_ERR ("empty") },
  { "empty-len-zero", "alice", 0, NAME_ERR ("empty") },
  { "colon", "a:b", -1, NAME_ERR ("names may not contain ':'") },
  { "colon-only", ":", -1, NAME_ERR ("names may not contain ':'") },
  { "comma", "a,b", -1, NAME_ERR ("names may not contain ','") },
  { "space", "a b", -1, NAME_ERR ("names may not contain white space") },
  { "leading-space", " a", -1, NAME_ERR ("names may not contain white space") },
  { "tab", "a\tb", -1, NAME_ERR ("names may not contain white space") },
  { "newline", "a\nb", -1, NAME_ERR ("names may not contain white space") },
  { "carriage-return", "a\r", -1, NAME_ERR ("names may not contain white space") },
  { "nbsp", "a\xc2\xa0" "b", -1, NAME_ERR ("names may not contain white space") },
  { "ideographic-space", "a\xe3\x80\x80" "b", -1, NAME_ERR ("names may not contain white space") },
  { "em-space", "a\xe2\x80\x83" "b", -1, NAME_ERR ("names may not contain white space") },
  { "line-separator", "a\xe2\x80\xa8" "b", -1, NAME_ERR ("names may not contain white space") },
  { "paragraph-separator", "a\xe2\x80\xa9" "b", -1, NAME_ERR ("names may not contain white space") },
  { "c0-soh", "a\x01" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "c0-escape", "a\x1b[31m", -1, NAME_ERR ("names may not contain control characters") },
  { "del", "a\x7f", -1, NAME_ERR ("names may not contain control characters") },
  { "c1-first", "a\xc2\x80", -1, NAME_ERR ("names may not contain control characters") },
  { "c1-nel", "a\xc2\x85" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "c1-last", "a\xc2\x9f", -1, NAME_ERR ("names may not contain control characters") },
  { "nul-inside", BYTES ("a\0b"), NAME_ERR ("names may not contain control characters") },
  { "nul-at-end", BYTES ("ab\0"), NAME_ERR ("names may not contain control characters") },
  { "nul-only", BYTES ("\0"), NAME_ERR ("names may not contain control characters") },
  { "zero-width-space", "a\xe2\x80\x8b" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "zero-width-joiner", "a\xe2\x80\x8d" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "left-to-right-mark", "a\xe2\x80\x8e", -1, NAME_ERR ("names may not contain control characters") },
  { "right-to-left-override", "\xe2\x80\xae" "abc", -1, NAME_ERR ("names may not contain control characters") },
  { "word-joiner", "a\xe2\x81\xa0" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "invisible-plus", "a\xe2\x81\xa4" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "bidi-isolate", "a\xe2\x81\xa6" "b", -1, NAME_ERR ("names may not contain control characters") },
  { "byte-order-mark", "\xef\xbb\xbf" "alice", -1, NAME_ERR ("names may not contain control characters") },
  { "soft-hyphen", "al\xc2\xad" "ice", -1, NAME_ERR ("names may not contain control characters") },
  { "tag-character", "a\xf3\xa0\x81\x81", -1, NAME_ERR ("names may not contain control characters") },
  /* Default_Ignorable_Code_Point: "alice" plus any of them looks like "alice". */
  { "variation-selector-16", "alice\xef\xb8\x8f", -1, NAME_ERR ("names may not contain control characters") },
  { "variation-selector-1", "alice\xef\xb8\x80", -1, NAME_ERR ("names may not contain control characters") },
  { "combining-grapheme-joiner", "alice\xcd\x8f", -1, NAME_ERR ("names may not contain control characters") },
  { "mongolian-fvs-1", "alice\xe1\xa0\x8b", -1, NAME_ERR ("names may not contain control characters") },
  { "mongolian-fvs-4", "alice\xe1\xa0\x8f", -1, NAME_ERR ("names may not contain control characters") },
  { "variation-selector-17", "alice\xf3\xa0\x84\x80", -1, NAME_ERR ("names may not contain control characters") },
  { "variation-selector-256", "alice\xf3\xa0\x87\xaf", -1, NAME_ERR ("names may not contain control characters") },
  { "hangul-choseong-filler", "alice\xe1\x85\x9f", -1, NAME_ERR ("names may not contain control characters") },
  { "hangul-jungseong-filler", "alice\xe1\x85\xa0", -1, NAME_ERR ("names may not contain control characters") },
  { "hangul-filler", "alice\xe3\x85\xa4", -1, NAME_ERR ("names may not contain control characters") },
  { "halfwidth-hangul-filler", "alice\xef\xbe\xa0", -1, NAME_ERR ("names may not contain control characters") },
  { "khmer-inherent-aq", "alice\xe1\x9e\xb4", -1, NAME_ERR ("names may not contain control characters") },
  { "unassigned-u2065", "alice\xe2\x81\xa5", -1, NAME_ERR ("names may not contain control characters") },
  { "unassigned-ufff0", "alice\xef\xbf\xb0", -1, NAME_ERR ("names may not contain control characters") },
  { "unassigned-ue0fff", "alice\xf3\xa0\xbf\xbf", -1, NAME_ERR ("names may not contain control characters") },
  { "at-start", "@server", -1, NAME_ERR ("names may not start with '@' or '#'") },
  { "at-alone", "@", -1, NAME_ERR ("names may not start with '@' or '#'") },
  { "hash-start", "#room", -1, NAME_ERR ("names may not start with '@' or '#'") },
  { "33-ascii", "abcdefghijklmnopqrstuvwxyz0123456", -1, NAME_ERR ("longer than 32 characters") },
  { "33-two-byte",
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE E_ACUTE
    E_ACUTE, -1, NAME_ERR ("longer than 32 characters") },
  { "33-four-byte",
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING GRINNING
    GRINNING, -1, NAME_ERR ("longer than 32 characters") },
  { "32-ascii-plus-two-byte", "abcdefghijklmnopqrstuvwxyz012345" E_ACUTE, -1,
    NAME_ERR ("longer than 32 characters") },
  { "utf8-lone-continuation", "a\x80" "b", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-ff", "\xff", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-truncated", "a\xc3", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-truncated-by-len", "a" E_ACUTE, 2, NAME_ERR ("not valid UTF-8") },
  { "utf8-bad-continuation", "\xc3\x28", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-overlong-slash", "\xc0\xaf", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-overlong-nul", "a\xc0\x80" "b", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-overlong-three-byte", "\xe0\x80\xaf", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-overlong-four-byte", "\xf0\x80\x80\xaf", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-surrogate-high", "a\xed\xa0\x80", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-surrogate-low", "a\xed\xbf\xbf", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-beyond-max", "\xf4\x90\x80\x80", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-five-byte", "\xf8\x88\x80\x80\x80", -1, NAME_ERR ("not valid UTF-8") },
  { "utf8-latin1", "J\xf6rg", -1, NAME_ERR ("not valid UTF-8") },
  /* Precedence: each bad name gets one stable message. */
  { "order/nul-before-utf8", BYTES ("\0\xff"), NAME_ERR ("names may not contain control characters") },
  { "order/utf8-before-at", "@\xff", -1, NAME_ERR ("not valid UTF-8") },
  { "order/at-before-space", "@a b", -1, NAME_ERR ("names may not start with '@' or '#'") },
  { "order/first-bad-character", "a b:c", -1, NAME_ERR ("names may not contain white space") },
  { "order/colon-before-space", "a:b c", -1, NAME_ERR ("names may not contain ':'") },
  { "order/character-before-length", "abcdefghijklmnopqrstuvwxyz012345 x", -1,
    NAME_ERR ("names may not contain white space") },
};

static const AcceptCase text_accept_cases[] = {
  { "ascii", "hello", -1 },
  { "single-char", "x", -1 },
  { "tab-inside", "a\tb", -1 },
  { "tab-only", "\t", -1 },
  /* Trimming is the caller's job; untrimmed text is still text. */
  { "untrimmed", "  hi  ", -1 },
  { "punctuation", "a: b, c @d #e", -1 },
  { "multibyte", "\xc3\xbcn\xc3\xaf " GRINNING " \xe6\x97\xa5", -1 },
  { "nbsp", "a\xc2\xa0" "b", -1 },                /* 0xC2 but not C1 */
  { "latin1-supplement", "\xc2\xbf" "qu\xc3\xa9?", -1 },
  { "zero-width-in-text", "a\xe2\x80\x8b" "b", -1 },  /* only names forbid it */
  { "len-stops-before-newline", "hi\nthere", 2 },
};

static const RejectCase text_reject_cases[] = {
  { "empty", "", -1, CONFAB_ERROR_EMPTY_MESSAGE, "empty message" },
  { "empty-len-zero", "abc", 0, CONFAB_ERROR_EMPTY_MESSAGE, "empty message" },
  { "nul-inside", BYTES ("a\0b"), CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "nul-only", BYTES ("\0"), CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "newline", "a\nb", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "carriage-return", "a\rb", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "escape", "\x1b[2J", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "bell", "ding\x07", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "del", "a\x7f", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "c1-first", "\xc2\x80", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "c1-nel", "a\xc2\x85" "b", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "c1-csi", "\xc2\x9b" "2J", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "c1-last", "a\xc2\x9f", -1, CONFAB_ERROR_CONTROL_CHARACTER, "line contains control characters" },
  { "utf8-ff", "\xff", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-lone-continuation", "\x80", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-truncated", "abc\xe6\x97", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-truncated-by-len", "a" GRINNING, 3, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-overlong-slash", "\xc0\xaf", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-overlong-nul", "\xc0\x80", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-overlong-three-byte", "\xe0\x81\x81", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-surrogate", "\xed\xa0\x80", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-surrogate-pair", "\xed\xa0\xbd\xed\xb8\x80", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-beyond-max", "\xf4\x90\x80\x80", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "utf8-latin1", "caf\xe9", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  /* Invalid UTF-8 is reported whether it comes before or after a NUL. */
  { "order/nul-then-bad-utf8", BYTES ("a\0\xff"), CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "order/bad-utf8-then-nul", BYTES ("\xff\0"), CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
  { "order/control-then-bad-utf8", "\x01\xff", -1, CONFAB_ERROR_INVALID_UTF8, "invalid UTF-8" },
};
/* clang-format on */

/* Copies the input to a buffer of exactly its size, so that the sanitizer
 * build catches any read past @len. */
static char *
exact_copy (const char *input,
            gssize      len,
            gsize      *len_out)
{
  gsize n = len < 0 ? strlen (input) : (gsize) len;

  *len_out = n;
  return g_memdup2 (input, MAX (n, 1));
}

static void
test_name_accept (gconstpointer data)
{
  const AcceptCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  gsize            len;

  g_assert_true (confab_validate_name (c->input, c->len, &error));
  g_assert_no_error (error);

  copy = exact_copy (c->input, c->len, &len);
  g_assert_true (confab_validate_name (copy, len, NULL));
}

static void
test_name_reject (gconstpointer data)
{
  const RejectCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  gsize            len;

  g_assert_false (confab_validate_name (c->input, c->len, &error));
  g_assert_error (error, CONFAB_ERROR, c->code);
  g_assert_cmpstr (error->message, ==, c->message);

  /* A NULL error must not change the verdict. */
  copy = exact_copy (c->input, c->len, &len);
  g_assert_false (confab_validate_name (copy, len, NULL));
}

static void
test_text_accept (gconstpointer data)
{
  const AcceptCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  gsize            len;

  g_assert_true (confab_validate_text (c->input, c->len, &error));
  g_assert_no_error (error);

  copy = exact_copy (c->input, c->len, &len);
  g_assert_true (confab_validate_text (copy, len, NULL));
}

static void
test_text_reject (gconstpointer data)
{
  const RejectCase *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = NULL;
  gsize            len;

  g_assert_false (confab_validate_text (c->input, c->len, &error));
  g_assert_error (error, CONFAB_ERROR, c->code);
  g_assert_cmpstr (error->message, ==, c->message);

  copy = exact_copy (c->input, c->len, &len);
  g_assert_false (confab_validate_text (copy, len, NULL));
}

/* The sender name of broadcasts must never be a peer's name, or a peer
 * could pass its messages off as the server's. */
static void
test_name_server_reserved (void)
{
  g_autoptr(GError) error = NULL;

  g_assert_false (confab_validate_name (CONFAB_SERVER_SENDER, -1, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);
}

/* Every C0 and C1 control character, one at a time, in both rules. */
static void
test_all_controls (void)
{
  gunichar c;

  for (c = 0; c <= 0x9F; c++)
    {
      char  buf[8] = "a";
      gsize n = 1;
      g_autoptr(GError) name_error = NULL;
      g_autoptr(GError) text_error = NULL;
      gboolean is_control = c < 0x20 || (c >= 0x7F && c <= 0x9F);

      if (!is_control)
        continue;

      n += g_unichar_to_utf8 (c, buf + n);
      buf[n++] = 'b';

      g_assert_false (confab_validate_name (buf, n, &name_error));
      g_assert_error (name_error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);

      if (c == '\t')
        {
          g_assert_true (confab_validate_text (buf, n, &text_error));
          g_assert_no_error (text_error);
        }
      else
        {
          g_assert_false (confab_validate_text (buf, n, &text_error));
          g_assert_error (text_error, CONFAB_ERROR, CONFAB_ERROR_CONTROL_CHARACTER);
        }
    }
}

/* The text check reads 8 bytes at a time: every byte value, at every
 * position of a text longer than two words (so in a whole word and in
 * the tail), with plain ASCII around it, gets the verdict of the
 * character-by-character rules. */
static void
test_text_every_byte_everywhere (void)
{
  for (guint pos = 0; pos < 19; pos++)
    for (guint byte = 0; byte < 256; byte++)
      {
        char     buf[19];
        gboolean plain = (byte >= 0x20 && byte < 0x7f) || byte == '\t';
        gboolean valid;

        memset (buf, 'x', sizeof buf);
        buf[pos] = (char) byte;
        valid = confab_validate_text (buf, sizeof buf, NULL);
        /* Any other single byte alone is a control character (C0, DEL)
         * or not UTF-8 (0x80 and above, alone). */
        if (plain != valid)
          g_error ("byte 0x%02x at %u: %s", byte, pos, valid ? "accepted" : "refused");
      }
}

int
main (int    argc,
      char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (i = 0; i < G_N_ELEMENTS (name_accept_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/validate/name/accept/", name_accept_cases[i].path, NULL);
      g_test_add_data_func (path, &name_accept_cases[i], test_name_accept);
    }
  for (i = 0; i < G_N_ELEMENTS (name_reject_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/validate/name/reject/", name_reject_cases[i].path, NULL);
      g_test_add_data_func (path, &name_reject_cases[i], test_name_reject);
    }
  for (i = 0; i < G_N_ELEMENTS (text_accept_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/validate/text/accept/", text_accept_cases[i].path, NULL);
      g_test_add_data_func (path, &text_accept_cases[i], test_text_accept);
    }
  for (i = 0; i < G_N_ELEMENTS (text_reject_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/validate/text/reject/", text_reject_cases[i].path, NULL);
      g_test_add_data_func (path, &text_reject_cases[i], test_text_reject);
    }

  g_test_add_func ("/validate/name/reject/server-sender", test_name_server_reserved);
  g_test_add_func ("/validate/controls/every-c0-c1", test_all_controls);
  g_test_add_func ("/validate/text/every-byte-everywhere", test_text_every_byte_everywhere);

  return g_test_run ();
}
