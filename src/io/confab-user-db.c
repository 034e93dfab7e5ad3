/* confab-user-db.c: the user and group database, looked up one way.
 *
 * The reentrant calls (getpwuid_r(), getpwnam_r(), getgrnam_r()), so a
 * lookup in the pool and one on the main loop never share a static
 * buffer, with a buffer grown on ERANGE up to 1 MiB: an entry with many
 * members does not pass for a missing one.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <glib/gi18n.h>

#include "confab-user-db.h"

#define BUFFER_START 1024
#define BUFFER_MAX   (1024 * 1024)

/* getpwnam(3): these, or 0 with no result, all mean "no such entry". */
static gboolean
errno_is_not_found (int err)
{
  return err == 0 || err == ENOENT || err == ESRCH || err == EBADF || err == EPERM;
}

/* Returns: whether the lookup answered; FALSE with @error set if not */
static gboolean
check_answer (int         err,
              const char *what,
              GError    **error)
{
  if (errno_is_not_found (err))
    return TRUE;
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (err),
               _ ("Cannot look up %s in the user database: %s"), what, g_strerror (err));
  return FALSE;
}

/**
 * confab_user_db_get_user_by_uid:
 * @name: (out) (optional) (transfer full): the user's name
 * @gid: (out) (optional): the user's primary group
 *
 * Returns: TRUE if @uid has a passwd entry
 */
gboolean
confab_user_db_get_user_by_uid (guint32  uid,
                                char   **name,
                                guint32 *gid,
                                GError **error)
{
  g_autofree char *buffer = NULL;
  char             what[32];
  struct passwd    entry, *found = NULL;
  gsize            size = BUFFER_START;
  int              err;

  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (;;)
    {
      buffer = g_realloc (buffer, size);
      err = getpwuid_r ((uid_t) uid, &entry, buffer, size, &found);
      if (err != ERANGE || size >= BUFFER_MAX)
        break;
      size *= 2;
    }
  g_snprintf (what, sizeof what, "uid %u", uid);
  if (!check_answer (err, what, error) || found == NULL)
    return FALSE;

  if (name != NULL)
    *name = g_strdup (entry.pw_name);
  if (gid != NULL)
    *gid = entry.pw_gid;
  return TRUE;
}

/**
 * confab_user_db_get_user_by_name:
 * @uid: (out) (optional): the user's uid
 * @gid: (out) (optional): the user's primary group
 *
 * Returns: TRUE if @name has a passwd entry
 */
gboolean
confab_user_db_get_user_by_name (const char *name,
                                 guint32    *uid,
                                 guint32    *gid,
                                 GError    **error)
{
  g_autofree char *buffer = NULL;
  struct passwd    entry, *found = NULL;
  gsize            size = BUFFER_START;
  int              err;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (;;)
    {
      buffer = g_realloc (buffer, size);
      err = getpwnam_r (name, &entry, buffer, size, &found);
      if (err != ERANGE || size >= BUFFER_MAX)
        break;
      size *= 2;
    }
  if (!check_answer (err, name, error) || found == NULL)
    return FALSE;

  if (uid != NULL)
    *uid = entry.pw_uid;
  if (gid != NULL)
    *gid = entry.pw_gid;
  return TRUE;
}

/**
 * confab_user_db_get_group_by_name:
 * @gid: (out) (optional): the group's gid
 *
 * Returns: TRUE if @name has a group entry
 */
gboolean
confab_user_db_get_group_by_name (const char *name,
                                  guint32    *gid,
                                  GError    **error)
{
  g_autofree char *buffer = NULL;
  struct group     entry, *found = NULL;
  gsize            size = BUFFER_START;
  int              err;

  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  for (;;)
    {
      buffer = g_realloc (buffer, size);
      err = getgrnam_r (name, &entry, buffer, size, &found);
      if (err != ERANGE || size >= BUFFER_MAX)
        break;
      size *= 2;
    }
  if (!check_answer (err, name, error) || found == NULL)
    return FALSE;

  if (gid != NULL)
    *gid = entry.gr_gid;
  return TRUE;
}

/**
 * confab_user_db_get_group_list:
 * @user: a user name
 * @gid: its primary group, which getgrouplist() puts in the list
 *
 * The groups of @user, as initgroups(3) would set them (and dbus-daemon
 * computes them for its policy when the kernel does not tell).
 *
 * Returns: (transfer full) (element-type guint32): the gids; empty if
 *   the database kept changing under four attempts
 */
GArray *
confab_user_db_get_group_list (const char *user,
                               guint32     gid)
{
  GArray           *gids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree gid_t *groups = NULL;
  int               n_groups = 32;

  g_return_val_if_fail (user != NULL, gids);

  /* getgrouplist() says how many there are when the array is too small;
   * a few rounds cover groups added between two calls. */
  for (guint round = 0; round < 4; round++)
    {
      int n = n_groups;

      groups = g_renew (gid_t, groups, n);
      if (getgrouplist (user, (gid_t) gid, groups, &n) >= 0)
        {
          for (int i = 0; i < n; i++)
            {
              guint32 member = groups[i];

              g_array_append_val (gids, member);
            }
          return gids;
        }
      n_groups = MAX (n, n_groups * 2);
    }
  return gids;
}
