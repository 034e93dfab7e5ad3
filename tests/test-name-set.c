/* test-name-set.c: repeated names in a recipient list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

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
  const char *buffer = "ab,abc,a,ab";
  ConfabNameSet set;

  confab_name_set_init (&set);
  g_assert_true (confab_name_set_add (&set, buffer, 2));       /* ab */
  g_assert_true (confab_name_set_add (&set, buffer + 3, 3));   /* abc */
  g_assert_true (confab_name_set_add (&set, buffer + 7, 1));   /* a */
  g_assert_false (confab_name_set_add (&set, buffer + 9, 2));  /* ab again */
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
      char name[16];

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

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/name-set/empty", test_empty);
  g_test_add_func ("/name-set/short-list", test_short_list);
  g_test_add_func ("/name-set/prefixes-and-slices", test_prefixes_and_slices);
  g_test_add_func ("/name-set/switch-to-table", test_switch_to_table);
  g_test_add_func ("/name-set/full-set", test_full_set);
  g_test_add_func ("/name-set/add-to-full-set", test_add_to_full_set);

  return g_test_run ();
}
