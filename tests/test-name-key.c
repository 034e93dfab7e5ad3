/* test-name-key.c: the key names and room names are compared on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-name-key.h"

static const struct
{
  const char *name;
  const char *key;
} cases[] = {
  { "alice", "alice" },
  { "Alice", "alice" },
  { "ALICE", "alice" },
  { "#Tea", "#tea" },
  { "café", "café" },         /* precomposed é */
  { "cafe\xcc\x81", "café" }, /* e + U+0301 composes */
  { "CAFÉ", "café" },
  { "\xef\xbd\x81lice", "alice" }, /* fullwidth a (NFKC) */
  { "Straße", "strasse" },         /* full case folding */
  { "\xe2\x84\xab", "\xc3\xa5" },  /* ANGSTROM SIGN → å */
  { "ΣΑΣ", "σασ" },
  /* 32 capitals: longer than the inline buffer's fast path needs. */
  { "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEF", "abcdefghijklmnopqrstuvwxyzabcdef" },
  { "#ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM", "#abcdefghijklmnopqrstuvwxyzabcdefghijklm" },
};

static void
test_keys (void)
{
  g_test_summary ("A key is NFKC, case-folded: one key for every spelling of one name");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ConfabNameKey) key = { NULL };
      g_autofree char *dup = confab_name_key_dup (cases[i].name);

      g_assert_cmpstr (confab_name_key_init (&key, cases[i].name), ==, cases[i].key);
      g_assert_cmpstr (dup, ==, cases[i].key);
    }
}

static void
test_no_copy (void)
{
  g_auto(ConfabNameKey) key = { NULL };
  const char *name = "bob";

  g_test_summary ("A name that is its own key is used as it is, with no copy");
  g_assert_true (confab_name_key_init (&key, name) == name);
  g_assert_null (key.heap);
}

static void
test_invalid_utf8 (void)
{
  g_autofree char *dup = confab_name_key_dup ("a\xff");

  g_test_summary ("Bytes that are not UTF-8 still have a key: themselves");
  g_assert_cmpstr (dup, ==, "a\xff");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/name-key/keys", test_keys);
  g_test_add_func ("/name-key/no-copy", test_no_copy);
  g_test_add_func ("/name-key/invalid-utf8", test_invalid_utf8);
  return g_test_run ();
}
