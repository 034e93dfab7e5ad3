/* confab-history-sqlite.c: SQLite result codes as ConfabHistoryErrors.
 *
 * A full file system comes back from SQLite in two ways. ENOSPC is
 * SQLITE_FULL. Any other failed write(), among them EFBIG past the
 * process's RLIMIT_FSIZE and EDQUOT past a quota, is SQLITE_IOERR_WRITE
 * (or another I/O error) without a trustworthy errno: SQLite reads errno
 * for sqlite3_system_errno() only after its rollback has run. So an I/O
 * error counts as "disk full" when the file system has (almost) no room
 * left or the database or its WAL has reached the file size limit, and
 * as a plain I/O error otherwise.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <glib/gi18n.h>

#include "confab-history-error.h"
#include "confab-history-sqlite.h"

/* Less free space than this in the file system is "full": a batch of
 * messages is a few pages, and below this SQLite cannot grow its WAL. */
#define LOW_SPACE_BYTES (256 * 1024)
/* A file this close to RLIMIT_FSIZE is at it: the next WAL frame (a page
 * and its header) does not fit. */
#define FSIZE_MARGIN (64 * 1024)

static gboolean
file_near_size_limit (const char *path,
                      rlim_t      limit)
{
  struct stat st;

  return stat (path, &st) == 0 && (rlim_t) st.st_size + FSIZE_MARGIN >= limit;
}

static gboolean
disk_looks_full (sqlite3 *db)
{
  const char      *path = sqlite3_db_filename (db, "main");
  g_autofree char *dir = NULL;
  g_autofree char *wal = NULL;
  struct rlimit    limit;
  struct statvfs   vfs;
  int              saved = sqlite3_system_errno (db);

  if (saved == ENOSPC || saved == EDQUOT || saved == EFBIG)
    return TRUE;
  if (path == NULL || path[0] == '\0')
    return FALSE;
  wal = g_strconcat (path, "-wal", NULL);
  if (getrlimit (RLIMIT_FSIZE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY &&
      (file_near_size_limit (path, limit.rlim_cur) || file_near_size_limit (wal, limit.rlim_cur)))
    return TRUE;
  dir = g_path_get_dirname (path);
  /* Root may use the reserved blocks, everyone else only the available. */
  return statvfs (dir, &vfs) == 0 &&
         (guint64) (geteuid () == 0 ? vfs.f_bfree : vfs.f_bavail) * vfs.f_frsize < LOW_SPACE_BYTES;
}

/**
 * confab_history_sqlite_cannot_write:
 * @path: a database file, existing or not
 *
 * Returns: whether this process may not write @path (or, if it does not
 *   exist, create it)
 */
gboolean
confab_history_sqlite_cannot_write (const char *path)
{
  g_autofree char *dir = NULL;

  if (path == NULL || path[0] == '\0')
    return FALSE;
  if (access (path, F_OK) == 0)
    return access (path, W_OK) != 0;
  dir = g_path_get_dirname (path);
  return access (dir, W_OK) != 0;
}

/**
 * confab_history_sqlite_code_of:
 * @db: (nullable): the connection @rc came from, for the disk check
 * @rc: a SQLite result code (primary or extended), not SQLITE_OK
 *
 * Returns: the #ConfabHistoryError that @rc means
 */
int
confab_history_sqlite_code_of (sqlite3 *db,
                               int      rc)
{
  switch (rc & 0xff)
    {
    case SQLITE_FULL:
      return CONFAB_HISTORY_ERROR_DISK_FULL;
    case SQLITE_IOERR:
      return db != NULL && disk_looks_full (db) ? CONFAB_HISTORY_ERROR_DISK_FULL : CONFAB_HISTORY_ERROR_FAILED;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return CONFAB_HISTORY_ERROR_CORRUPT;
    case SQLITE_READONLY:
      return CONFAB_HISTORY_ERROR_READ_ONLY;
    case SQLITE_CANTOPEN:
      {
        /* errno says so when SQLite kept it, access(2) else. */
        int saved = db != NULL ? sqlite3_system_errno (db) : 0;

        return saved == EACCES || saved == EPERM || saved == EROFS ||
                   (db != NULL && confab_history_sqlite_cannot_write (sqlite3_db_filename (db, "main")))
                 ? CONFAB_HISTORY_ERROR_READ_ONLY
                 : CONFAB_HISTORY_ERROR_FAILED;
      }
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return CONFAB_HISTORY_ERROR_BUSY;
    default:
      return CONFAB_HISTORY_ERROR_FAILED;
    }
}

/**
 * confab_history_sqlite_set_error:
 * @db: (nullable): the connection @rc came from
 * @rc: a SQLite result code, not SQLITE_OK
 *
 * Sets @error to what @rc means, with SQLite's own words in it.
 *
 * Returns: %FALSE, for `return confab_history_sqlite_set_error (…);`
 */
gboolean
confab_history_sqlite_set_error (GError **error,
                                 sqlite3 *db,
                                 int      rc)
{
  int code = confab_history_sqlite_code_of (db, rc);
  /* sqlite3_errmsg() describes the connection's last error, which is @rc
   * unless a later call has succeeded. */
  const char *detail = db != NULL && sqlite3_extended_errcode (db) == rc ? sqlite3_errmsg (db) : sqlite3_errstr (rc);

  switch (code)
    {
    case CONFAB_HISTORY_ERROR_DISK_FULL:
      g_set_error (error, CONFAB_HISTORY_ERROR, code, _ ("no space left to store history (%s)"), detail);
      break;
    case CONFAB_HISTORY_ERROR_CORRUPT:
      g_set_error (error, CONFAB_HISTORY_ERROR, code, _ ("the history file is corrupt or not a SQLite database (%s)"), detail);
      break;
    case CONFAB_HISTORY_ERROR_READ_ONLY:
      g_set_error (error, CONFAB_HISTORY_ERROR, code, _ ("the history file cannot be written (%s)"), detail);
      break;
    case CONFAB_HISTORY_ERROR_BUSY:
      g_set_error (error, CONFAB_HISTORY_ERROR, code, _ ("another process holds the history file’s lock (%s)"), detail);
      break;
    default:
      g_set_error (error, CONFAB_HISTORY_ERROR, code, _ ("history database error: %s"), detail);
      break;
    }
  return FALSE;
}
