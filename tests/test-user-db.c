/* test-user-db.c: confab-user-db.c against the system's own database.
 *
 * The expected answers come from the plain getpwuid()/getgrgid() of the
 * user running the test, so this holds on any machine with an entry for
 * that user (and is skipped on one without).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <grp.h>
#include <locale.h>
#include <pwd.h>
#include <unistd.h>

#include "confab-user-db.h"

#define NO_SUCH_NAME "confab-test-no-such-entry"
/* Far above any uid a system hands out (and not (uid_t) -1). */
#define NO_SUCH_UID 4000000123u

static void
test_own_user (void)
{
  struct passwd   *expected = getpwuid (getuid ());
  g_autofree char *expected_name = NULL;
  g_autofree char *name = NULL;
  g_autoptr(GError) error = NULL;
  guint32 expected_gid, uid = 0, gid = 0;

  if (expected == NULL)
    {
      g_test_skip ("the user running the test has no passwd entry");
      return;
    }
  expected_name = g_strdup (expected->pw_name);
  expected_gid = expected->pw_gid;

  g_assert_true (confab_user_db_get_user_by_uid (getuid (), &name, &gid, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, expected_name);
  g_assert_cmpuint (gid, ==, expected_gid);

  gid = 0;
  g_assert_true (confab_user_db_get_user_by_name (expected_name, &uid, &gid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, getuid ());
  g_assert_cmpuint (gid, ==, expected_gid);

  /* Every out parameter is optional. */
  g_assert_true (confab_user_db_get_user_by_uid (getuid (), NULL, NULL, NULL));
  g_assert_true (confab_user_db_get_user_by_name (expected_name, NULL, NULL, NULL));
}

static void
test_own_group (void)
{
  struct group    *expected = getgrgid (getgid ());
  g_autofree char *group_name = NULL;
  g_autoptr(GError) error = NULL;
  guint32 gid = 0;

  if (expected == NULL)
    {
      g_test_skip ("the group running the test has no group entry");
      return;
    }
  group_name = g_strdup (expected->gr_name);

  g_assert_true (confab_user_db_get_group_by_name (group_name, &gid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gid, ==, getgid ());
  g_assert_true (confab_user_db_get_group_by_name (group_name, NULL, NULL));
}

static void
test_group_list (void)
{
  struct passwd   *user = getpwuid (getuid ());
  g_autofree char *name = NULL;
  g_autoptr(GArray) gids = NULL;
  guint32  primary;
  gboolean has_primary = FALSE;

  if (user == NULL)
    {
      g_test_skip ("the user running the test has no passwd entry");
      return;
    }
  name = g_strdup (user->pw_name);
  primary = user->pw_gid;

  gids = confab_user_db_get_group_list (name, primary);
  g_assert_cmpuint (gids->len, >, 0);
  for (guint i = 0; i < gids->len; i++)
    has_primary |= g_array_index (gids, guint32, i) == primary;
  g_assert_true (has_primary);

  /* A user the database does not know still has the group it was given. */
  g_clear_pointer (&gids, g_array_unref);
  gids = confab_user_db_get_group_list (NO_SUCH_NAME, primary);
  g_assert_cmpuint (gids->len, ==, 1);
  g_assert_cmpuint (g_array_index (gids, guint32, 0), ==, primary);
}

/* Not found is FALSE without an error: the error is for a database that
 * cannot answer. */
static void
test_not_found (void)
{
  g_autoptr(GError) error = NULL;
  char   *name = (char *) "untouched";
  guint32 uid = 7, gid = 7;

  g_assert_false (confab_user_db_get_user_by_uid (NO_SUCH_UID, &name, &gid, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "untouched");
  g_assert_cmpuint (gid, ==, 7);

  g_assert_false (confab_user_db_get_user_by_name (NO_SUCH_NAME, &uid, &gid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (uid, ==, 7);

  g_assert_false (confab_user_db_get_group_by_name (NO_SUCH_NAME, &gid, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (gid, ==, 7);

  g_assert_false (confab_user_db_get_user_by_name ("", NULL, NULL, &error));
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/user-db/own-user", test_own_user);
  g_test_add_func ("/user-db/own-group", test_own_group);
  g_test_add_func ("/user-db/group-list", test_group_list);
  g_test_add_func ("/user-db/not-found", test_not_found);

  return g_test_run ();
}
