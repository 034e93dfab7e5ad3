/* test-name-key.c: the key names and room names are compared on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

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
  { "café", "cafe\xcc\x81" },         /* precomposed é; the skeleton is decomposed */
  { "cafe\xcc\x81", "cafe\xcc\x81" }, /* e + U+0301 */
  { "CAFÉ", "cafe\xcc\x81" },
  { "\xef\xbd\x81lice", "alice" }, /* fullwidth a (NFKC) */
  { "Straße", "strasse" },         /* full case folding */
  { "\xe2\x84\xab", "a\xcc\x8a" }, /* ANGSTROM SIGN → å */
  { "ΣΑΣ", "oao" },                /* Greek letters that look Latin */
  { "ali\xd1\x81"
    "e",
    "alice" },          /* Cyrillic с */
  { "a1ice", "alice" }, /* the skeleton's digit one is l */
  { "b0b", "bob" },     /* its zero is O, folded again */
  { "emma", "ernrna" }, /* m looks like rn */
  /* 32 capitals: longer than the inline buffer's fast path needs. */
  { "ABCDEFGHIJKLNOPQRSTUVWXYZABCDEF", "abcdefghijklnopqrstuvwxyzabcdef" },
  { "ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM", "abcdefghijklrnnopqrstuvwxyzabcdefghijklrn" },
};

/* Room names keep NFKC and folding only (SPEC §9), so that a room's
 * D-Bus path still reads like its name. */
static const struct
{
  const char *room;
  const char *key;
} room_cases[] = {
  { "#tea", "#tea" },
  { "#Tea", "#tea" },
  { "#CAFÉ", "#café" },
  { "#cafe\xcc\x81", "#café" },
  { "#emma", "#emma" },
  { "#a1ice", "#a1ice" },
  { "#ABCDEFGHIJKLMNOPQRSTUVWXYZABCDEFGHIJKLM", "#abcdefghijklmnopqrstuvwxyzabcdefghijklm" },
};

static void
test_keys (void)
{
  g_test_summary ("A key is NFKC, case-folded, its confusable skeleton, folded: one key for "
                  "every spelling of one name");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ConfabNameKey) key = { NULL };
      g_autofree char *dup = confab_name_key_dup (cases[i].name);

      g_assert_cmpstr (confab_name_key_init (&key, cases[i].name), ==, cases[i].key);
      g_assert_cmpstr (dup, ==, cases[i].key);
    }
}

/* SPEC §11: each line is one name, however it is spelled. */
static const char * const same_name[][6] = {
  { "alice", "Alice", "ali\xd1\x81"
                      "e",
    "a1ice", "\xef\xbd\x81\xef\xbd\x8c\xef\xbd\x89\xef\xbd\x83\xef\xbd\x85", NULL },
  { "bob", "BOB", "b0b", "B0B", "b\xd0\xbe"
                                "b",
    NULL },
  { "café", "cafe\xcc\x81", "CAFÉ", "Cafe\xcc\x81", NULL },
  { "paypal", "p\xd0\xb0ypal", "PAYPAL", NULL },
};

static void
test_look_alikes (void)
{
  g_test_summary ("Look-alike spellings share a key (UTS #39 skeleton); distinct names do not");

  for (gsize i = 0; i < G_N_ELEMENTS (same_name); i++)
    {
      g_autofree char *first = confab_name_key_dup (same_name[i][0]);

      for (gsize j = 1; same_name[i][j] != NULL; j++)
        {
          g_autofree char *other = confab_name_key_dup (same_name[i][j]);

          g_assert_cmpstr (other, ==, first);
        }
      for (gsize k = i + 1; k < G_N_ELEMENTS (same_name); k++)
        {
          g_autofree char *other = confab_name_key_dup (same_name[k][0]);

          g_assert_cmpstr (other, !=, first);
        }
    }
  {
    g_autofree char *alice = confab_name_key_dup ("alice");
    g_autofree char *allce = confab_name_key_dup ("allce");
    g_autofree char *alicia = confab_name_key_dup ("alicia");

    g_assert_cmpstr (alice, !=, allce);
    g_assert_cmpstr (alice, !=, alicia);
  }
}

/* The ASCII fast path puts keys together from the generated table of
 * each character's key: for every printable pair it must give what the
 * full computation gives. */
static void
test_ascii_table (void)
{
  g_test_summary ("The fast path's key of every pair of printable ASCII characters is the full key");

  for (int a = 0x20; a < 0x7f; a++)
    for (int b = 0x20; b < 0x7f; b++)
      {
        char name[4] = { 'x', (char) a, (char) b, '\0' };
        g_auto(ConfabNameKey) key = { NULL };
        g_autofree char *full = confab_name_key_unicode (name);

        g_assert_cmpstr (confab_name_key_init (&key, name), ==, full);
      }
}

static void
test_room_keys (void)
{
  g_test_summary ("A room's key is NFKC and case folding, without the skeleton");

  for (gsize i = 0; i < G_N_ELEMENTS (room_cases); i++)
    {
      g_auto(ConfabNameKey) key = { NULL };
      g_autofree char *dup = confab_room_key_dup (room_cases[i].room);

      g_assert_cmpstr (confab_room_key_init (&key, room_cases[i].room), ==, room_cases[i].key);
      g_assert_cmpstr (dup, ==, room_cases[i].key);
    }
}

static void
test_no_copy (void)
{
  g_auto(ConfabNameKey) key = { NULL };
  const char *name = "bob";

  g_test_summary ("A name that is its own key is used as it is, with no copy; other ASCII "
                  "names are keyed without the heap");
  g_assert_true (confab_name_key_init (&key, name) == name);
  g_assert_null (key.heap);
  g_assert_true (confab_name_key_init (&key, "Tom10") == key.inline_key);
  g_assert_cmpstr (key.inline_key, ==, "tornlo");
  g_assert_null (key.heap);
  g_assert_true (confab_room_key_init (&key, "#tea") != key.inline_key);
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
  g_test_add_func ("/name-key/look-alikes", test_look_alikes);
  g_test_add_func ("/name-key/ascii-table", test_ascii_table);
  g_test_add_func ("/name-key/room-keys", test_room_keys);
  g_test_add_func ("/name-key/no-copy", test_no_copy);
  g_test_add_func ("/name-key/invalid-utf8", test_invalid_utf8);
  return g_test_run ();
}
