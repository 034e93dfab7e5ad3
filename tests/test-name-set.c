/* test-name-set.c: repeated names in a recipient list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "confab-name-set.h"

static void
test_empty (void)
{
  ConfabNameSet set;

  confab_name_set_init (&set);
  g_assert_cmpuint (confab_name_set_size (&set), ==, 0);
  g_assert_false (confab_name_set_contains (&set, "alice", 5));
  g_assert_false (confab_name_set_contains (&set, "", 0));
}

static void
test_short_list (void)
{
  ConfabNameSet set;

  confab_name_set_init (&set);
  g_assert_true (confab_name_set_add (&set, "alice", 5));
  g_assert_true (confab_name_set_add (&set, "bob", 3));
  g_assert_false (confab_name_set_add (&set, "alice", 5));
  g_assert_false (confab_name_set_add (&set, "bob", 3));
  g_assert_cmpuint (confab_name_set_size (&set), ==, 2);
  g_assert_true (confab_name_set_contains (&set, "bob", 3));
  g_assert_false (confab_name_set_contains (&set, "carol", 5));
}

/* Names are compared by their bytes and length, never up to a NUL: a
 * prefix is another name, and the bytes need not be NUL-terminated. */
static void
test_prefixes_and_slices (void)
{
  const char   *buffer = "ab,abc,a,ab";
  ConfabNameSet set;

  confab_name_set_init (&set);
  g_assert_true (confab_name_set_add (&set, buffer, 2));      /* ab */
  g_assert_true (confab_name_set_add (&set, buffer + 3, 3));  /* abc */
  g_assert_true (confab_name_set_add (&set, buffer + 7, 1));  /* a */
  g_assert_false (confab_name_set_add (&set, buffer + 9, 2)); /* ab again */
  g_assert_true (confab_name_set_contains (&set, "abc", 3));
  g_assert_false (confab_name_set_contains (&set, "abcd", 4));
  g_assert_cmpuint (confab_name_set_size (&set), ==, 3);
}

/* Around the switch from scanning to the table, every name added before
 * it must still be found after it. */
static void
test_switch_to_table (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  ConfabNameSet set;

  confab_name_set_init (&set);
  for (guint i = 0; i < 3 * CONFAB_NAME_SET_LINEAR; i++)
    {
      char *name = g_strdup_printf ("peer%u", i);

      g_ptr_array_add (names, name);
      g_assert_true (confab_name_set_add (&set, name, strlen (name)));
      for (guint j = 0; j <= i; j++)
        {
          const char *old = g_ptr_array_index (names, j);

          g_assert_true (confab_name_set_contains (&set, old, strlen (old)));
          g_assert_false (confab_name_set_add (&set, old, strlen (old)));
        }
      g_assert_cmpuint (confab_name_set_size (&set), ==, i + 1);
    }
}

/* A full set of distinct names, then every one of them again, then names
 * that are not there: the table never fills, so each probe ends. */
static void
test_full_set (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  ConfabNameSet *set = g_new (ConfabNameSet, 1);

  confab_name_set_init (set);
  for (guint i = 0; i < CONFAB_NAME_SET_MAX; i++)
    {
      char *name = g_strdup_printf ("c%u", i);

      g_ptr_array_add (names, name);
      g_assert_true (confab_name_set_add (set, name, strlen (name)));
    }
  g_assert_cmpuint (confab_name_set_size (set), ==, CONFAB_NAME_SET_MAX);

  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      g_assert_false (confab_name_set_add (set, name, strlen (name)));
    }
  for (guint i = 0; i < 2 * CONFAB_NAME_SET_MAX; i++)
    {
      g_autofree char *absent = g_strdup_printf ("d%u", i);

      g_assert_false (confab_name_set_contains (set, absent, strlen (absent)));
    }
  g_assert_cmpuint (confab_name_set_size (set), ==, CONFAB_NAME_SET_MAX);
  g_free (set);
}

/* A new name in a full set is the caller's mistake, reported as such. */
static void
test_add_to_full_set (void)
{
  if (g_test_subprocess ())
    {
      ConfabNameSet *set = g_new (ConfabNameSet, 1);
      char           name[16];

      confab_name_set_init (set);
      for (guint i = 0; i <= CONFAB_NAME_SET_MAX; i++)
        {
          g_snprintf (name, sizeof name, "n%u", i);
          /* The set keeps pointers: each name needs storage of its own. */
          confab_name_set_add (set, g_intern_string (name), strlen (name));
        }
      g_free (set);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*n_names < CONFAB_NAME_SET_MAX*");
}

#define N_TABLE_SLOTS (2 * CONFAB_NAME_SET_MAX)

/* The unseeded hash the set used before: FNV-1a. */
static guint32
fnv1a (const char *name,
       gsize       len)
{
  guint32 h = 2166136261u;

  for (gsize i = 0; i < len; i++)
    {
      h ^= (guchar) name[i];
      h *= 16777619u;
    }
  return h;
}

static void
key_from_child (guint64 key[2])
{
  const char      *argv[] = { NULL, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) envp = g_environ_setenv (g_get_environ (), "CONFAB_TEST_PRINT_KEY", "1", TRUE);
  int status = 0;

  argv[0] = g_test_get_filename (G_TEST_BUILT, "test-name-set", NULL);
  g_assert_true (g_spawn_sync (NULL, (char **) argv, envp, G_SPAWN_DEFAULT, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  g_assert_cmpint (sscanf (out, "%" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x",
                           &key[0], &key[1]),
                   ==, 2);
}

/* Each process draws its own key: names that collide in one daemon do
 * not collide in the next. */
static void
test_key_per_process (void)
{
  guint64 mine[2], first[2], second[2];

  confab_name_hash_get_key (mine);
  key_from_child (first);
  key_from_child (second);
  g_assert_false (first[0] == second[0] && first[1] == second[1]);
  g_assert_false (mine[0] == first[0] && mine[1] == first[1]);
}

/* The same names land in other slots under another key. */
static void
test_keys_change_layout (void)
{
  const guint64 a[2] = { 1, 2 };
  const guint64 b[2] = { 3, 4 };
  guint         moved = 0;

  for (guint i = 0; i < 64; i++)
    {
      g_autofree char *name = g_strdup_printf ("peer%u", i);
      gsize            len = strlen (name);

      g_assert_cmpuint (confab_name_hash_keyed (a, name, len), ==,
                        confab_name_hash_keyed (a, name, len));
      if ((confab_name_hash_keyed (a, name, len) & (N_TABLE_SLOTS - 1)) !=
          (confab_name_hash_keyed (b, name, len) & (N_TABLE_SLOTS - 1)))
        moved++;
    }
  g_assert_cmpuint (moved, >, 32);
}

/* 64 names that all start probing at one slot under the old hash spread
 * over the table under the process's key (at random, 64 names fill
 * about 63 slots; fewer than 32 would take a key chosen against them). */
static void
test_old_collisions_spread (void)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GHashTable) slots = g_hash_table_new (NULL, NULL);
  guint64 key[2];
  guint32 target = fnv1a ("x0", 2) & (N_TABLE_SLOTS - 1);

  for (guint i = 0; names->len < 64 && i < 10000000; i++)
    {
      char *name = g_strdup_printf ("x%u", i);

      if ((fnv1a (name, strlen (name)) & (N_TABLE_SLOTS - 1)) == target)
        g_ptr_array_add (names, name);
      else
        g_free (name);
    }
  g_assert_cmpuint (names->len, ==, 64);

  confab_name_hash_get_key (key);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);
      guint32     slot = confab_name_hash_keyed (key, name, strlen (name)) & (N_TABLE_SLOTS - 1);

      g_hash_table_add (slots, GUINT_TO_POINTER (slot + 1));
    }
  g_assert_cmpuint (g_hash_table_size (slots), >=, 32);
}

int
main (int    argc,
      char **argv)
{
  if (g_getenv ("CONFAB_TEST_PRINT_KEY") != NULL)
    {
      guint64 key[2];

      confab_name_hash_get_key (key);
      g_print ("%" G_GINT64_MODIFIER "x %" G_GINT64_MODIFIER "x\n", key[0], key[1]);
      return 0;
    }

  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/name-set/empty", test_empty);
  g_test_add_func ("/name-set/short-list", test_short_list);
  g_test_add_func ("/name-set/prefixes-and-slices", test_prefixes_and_slices);
  g_test_add_func ("/name-set/switch-to-table", test_switch_to_table);
  g_test_add_func ("/name-set/full-set", test_full_set);
  g_test_add_func ("/name-set/add-to-full-set", test_add_to_full_set);
  g_test_add_func ("/name-set/hash/key-per-process", test_key_per_process);
  g_test_add_func ("/name-set/hash/keys-change-layout", test_keys_change_layout);
  g_test_add_func ("/name-set/hash/old-collisions-spread", test_old_collisions_spread);

  return g_test_run ();
}
