/* confab-history-db.c: one connection to the history file, and its rows.
 *
 * Durability. The file is in WAL mode. With synchronous=NORMAL a COMMIT
 * has written the transaction into the WAL file with write(2) before it
 * returns, but not fsync()ed it: the kernel holds it, so it survives the
 * process being killed (kill -9, a crash) but maybe not the machine
 * losing power. That is the promise SPEC §12 makes ("a kill -9 loses no
 * message the sender was told was stored"), at a small part of an
 * fsync's cost per batch. synchronous=FULL (CONFAB_HISTORY_STORE_SYNC_FULL)
 * fsyncs the WAL at every commit and survives a power loss as well.
 *
 * Every statement is prepared once per connection (SQLITE_PREPARE_PERSISTENT)
 * and reset after each use. Text is bound SQLITE_STATIC: the caller's
 * strings outlive the step, and the bindings are cleared before return.
 *
 * Room messages, their rooms and runs are in confab-history-db-rooms.c.
 *
 * A file or directory the process cannot write is opened for reading
 * (SQLite falls back by itself when the file is read-only). A WAL file in
 * a directory that cannot be written has no -shm to share, and SQLite
 * then refuses even to read it (SQLITE_READONLY_CANTINIT); it is opened
 * once more as immutable, which is what it is to this process: nobody
 * without write access to the directory can change a WAL database.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include <glib/gi18n.h>

#include "confab-history-checkpointer.h"
#include "confab-history-db-private.h"
#include "confab-history-error.h"
#include "confab-history-schema.h"
#include "confab-history-sqlite.h"

/* A WAL that grew during a burst is cut back to this at checkpoints. */
#define JOURNAL_SIZE_LIMIT (4 * 1024 * 1024)

typedef enum
{
  STMT_BEGIN,
  STMT_COMMIT,
  STMT_ROLLBACK,
  STMT_INSERT_OFFLINE,
  STMT_COUNT_OFFLINE,
  STMT_FETCH_OFFLINE,
  STMT_ACK_OFFLINE,
  N_STMTS
} Stmt;

static const char * const stmt_sql[N_STMTS] = {
  /* IMMEDIATE: take the write lock at the start, where the busy timeout
   * applies, rather than fail to upgrade a read lock half-way. */
  [STMT_BEGIN] = "BEGIN IMMEDIATE",
  [STMT_COMMIT] = "COMMIT",
  [STMT_ROLLBACK] = "ROLLBACK",
  [STMT_INSERT_OFFLINE] = "INSERT INTO offline_message (recipient_key, recipient, sender, time_usec, text) "
                          "VALUES (?1, ?2, ?3, ?4, ?5)",
  [STMT_COUNT_OFFLINE] = "SELECT count(*) FROM offline_message WHERE recipient_key = ?1",
  [STMT_FETCH_OFFLINE] = "SELECT id, recipient, sender, time_usec, text FROM offline_message "
                         "WHERE recipient_key = ?1 ORDER BY id",
  [STMT_ACK_OFFLINE] = "DELETE FROM offline_message WHERE recipient_key = ?1 AND id <= ?2",
};

struct _ConfabHistoryDb
{
  sqlite3            *db;         /* (owned) */
  char               *shown_path; /* (owned): for messages */
  gboolean            read_only;
  sqlite3_stmt       *stmts[N_STMTS]; /* (owned) */
  ConfabHistoryRooms *rooms;          /* (owned) (nullable until prepared) */
};

void
confab_history_db_free (ConfabHistoryDb *db)
{
  if (db == NULL)
    return;
  for (guint i = 0; i < N_STMTS; i++)
    sqlite3_finalize (db->stmts[i]);
  g_clear_pointer (&db->rooms, confab_history_rooms_free);
  /* The last connection to close checkpoints the WAL and removes it. */
  sqlite3_close (db->db);
  g_free (db->shown_path);
  g_free (db);
}

static gboolean
fail (ConfabHistoryDb *db,
      int              rc,
      GError         **error)
{
  return confab_history_sqlite_set_error (error, db->db, rc);
}

/* Opens @path itself, or as an immutable URI. */
static int
open_connection (const char *path,
                 gboolean    immutable,
                 sqlite3   **handle)
{
  g_autofree char *escaped = NULL;
  g_autofree char *uri = NULL;
  /* NOMUTEX: one thread at a time uses a connection, never two at once. */
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;

  if (!immutable)
    return sqlite3_open_v2 (path, handle, flags, NULL);
  escaped = g_uri_escape_string (path, "/", FALSE);
  uri = g_strconcat ("file:", escaped, "?immutable=1", NULL);
  return sqlite3_open_v2 (uri, handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI, NULL);
}

static gboolean
exec (ConfabHistoryDb *db,
      const char      *sql,
      GError         **error)
{
  int rc = sqlite3_exec (db->db, sql, NULL, NULL, NULL);

  return rc == SQLITE_OK || fail (db, rc, error);
}

/* Runs a journal_mode pragma; returns the SQLite code and, on success,
 * the mode the file is in now. */
static int
journal_mode (ConfabHistoryDb *db,
              const char      *sql,
              gboolean        *wal)
{
  sqlite3_stmt *stmt = NULL;
  int           rc;

  rc = sqlite3_prepare_v2 (db->db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK && (rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      *wal = g_ascii_strcasecmp ((const char *) sqlite3_column_text (stmt, 0), "wal") == 0;
      rc = SQLITE_OK;
    }
  sqlite3_finalize (stmt);
  return rc;
}

static gboolean
set_journal_mode (ConfabHistoryDb *db,
                  gboolean         sync_full,
                  GError         **error)
{
  g_autofree char *pragmas = NULL;
  gint64           deadline = g_get_monotonic_time () + CONFAB_HISTORY_DB_BUSY_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;
  gboolean         wal = FALSE;
  int              rc;

  /* WAL is a property of the file: only its creator has to set it. */
  rc = journal_mode (db, "PRAGMA journal_mode", &wal);
  /* Setting it takes an exclusive lock, for which SQLite calls no busy
   * handler: two processes creating the file at once get SQLITE_BUSY
   * (seen in test-history-store), so it is retried for as long as a
   * write would wait. */
  if (rc == SQLITE_OK && !wal)
    {
      while ((rc = journal_mode (db, "PRAGMA journal_mode = WAL", &wal)) != SQLITE_OK &&
             (rc & 0xff) == SQLITE_BUSY && g_get_monotonic_time () < deadline)
        g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  if (rc != SQLITE_OK)
    return fail (db, rc, error);
  /* A file system without shared memory keeps the rollback journal,
   * which is as durable, only slower. */
  if (!wal)
    g_debug ("%s: history file not in WAL mode", db->shown_path);
  pragmas = g_strdup_printf ("PRAGMA synchronous = %s; PRAGMA journal_size_limit = %d",
                             sync_full ? "FULL" : "NORMAL", JOURNAL_SIZE_LIMIT);
  return exec (db, pragmas, error);
}

static gboolean
prepare_statements (ConfabHistoryDb *db,
                    GError         **error)
{
  for (guint i = 0; i < N_STMTS; i++)
    {
      int rc = sqlite3_prepare_v3 (db->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &db->stmts[i], NULL);

      if (rc != SQLITE_OK)
        return fail (db, rc, error);
    }
  db->rooms = confab_history_rooms_new (db->db, error);
  return db->rooms != NULL;
}

/* Opens and checks the file; %NULL with @error when it cannot be used. */
static ConfabHistoryDb *
try_open (const char *path,
          gboolean    sync_full,
          gboolean    immutable,
          GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  ConfabHistoryDb *db = g_new0 (ConfabHistoryDb, 1);
  gboolean         needs_migration = FALSE;
  int              rc;

  db->shown_path = g_filename_display_name (path);
  rc = open_connection (path, immutable, &db->db);
  if (rc != SQLITE_OK)
    {
      /* A connection that failed to open knows no file name to check. */
      if ((rc & 0xff) == SQLITE_CANTOPEN && confab_history_sqlite_cannot_write (path))
        g_set_error (&local_error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY,
                     _ ("the history file cannot be created or written (%s)"), sqlite3_errstr (rc));
      else
        fail (db, rc, &local_error);
      g_propagate_prefixed_error (error, g_steal_pointer (&local_error), "%s: ", db->shown_path);
      confab_history_db_free (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db->db, 1);
  sqlite3_busy_timeout (db->db, CONFAB_HISTORY_DB_BUSY_TIMEOUT_MS);
  db->read_only = immutable || sqlite3_db_readonly (db->db, "main") == 1;

  if (!confab_history_schema_check (db->db, db->shown_path, &needs_migration, error))
    goto fail;
  if (needs_migration && db->read_only)
    {
      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY,
                   _ ("%s cannot be written, and its history schema must be brought up to version %u first"),
                   db->shown_path, confab_history_schema_get_version ());
      goto fail;
    }
  if (!db->read_only &&
      (!set_journal_mode (db, sync_full, error) ||
       (needs_migration && !confab_history_schema_migrate (db->db, db->shown_path, error))))
    goto fail;
  if (!prepare_statements (db, error))
    goto fail;
  return db;

fail:
  confab_history_db_free (db);
  return NULL;
}

/**
 * confab_history_db_open:
 * @path: the database file, created if absent
 * @sync_full: synchronous=FULL rather than NORMAL (see above)
 * @error: %CONFAB_HISTORY_ERROR_CORRUPT, _VERSION, _FOREIGN, _READ_ONLY
 *   (it cannot be created, or needs migrating and cannot be written) or
 *   another code, the message naming the file
 *
 * The file is left as it is when it is refused.
 *
 * Returns: (transfer full) (nullable): the connection
 */
ConfabHistoryDb *
confab_history_db_open (const char *path,
                        gboolean    sync_full,
                        GError    **error)
{
  g_autoptr(GError) local_error = NULL;
  ConfabHistoryDb *db;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  db = try_open (path, sync_full, FALSE, &local_error);
  /* A read-only WAL file without a -shm it may share: see above. */
  if (db == NULL && g_error_matches (local_error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY) &&
      g_file_test (path, G_FILE_TEST_IS_REGULAR))
    {
      g_autoptr(GError) immutable_error = NULL;

      db = try_open (path, sync_full, TRUE, &immutable_error);
      if (db != NULL)
        g_debug ("%s: opened as immutable (%s)", db->shown_path, local_error->message);
      else
        g_debug ("%s: not even as immutable: %s", path, immutable_error->message);
    }
  if (db == NULL)
    g_propagate_error (error, g_steal_pointer (&local_error));
  return db;
}

gboolean
confab_history_db_is_read_only (const ConfabHistoryDb *db)
{
  return db->read_only;
}

const char *
confab_history_db_get_shown_path (const ConfabHistoryDb *db)
{
  return db->shown_path;
}

static int
wal_hook_cb (void       *data,
             sqlite3    *handle,
             const char *name,
             int         n_pages)
{
  if (n_pages >= CONFAB_HISTORY_CHECKPOINT_PAGES)
    confab_history_checkpointer_request (data);
  return SQLITE_OK;
}

/**
 * confab_history_db_set_checkpointer:
 * @checkpointer: (nullable): who checkpoints the WAL from now on, instead
 *   of this connection (confab-history-checkpointer.c says why); it must
 *   outlive every commit made here. %NULL gives checkpoints back to SQLite.
 */
void
confab_history_db_set_checkpointer (ConfabHistoryDb           *db,
                                    ConfabHistoryCheckpointer *checkpointer)
{
  if (checkpointer != NULL)
    sqlite3_wal_hook (db->db, wal_hook_cb, checkpointer);
  else
    sqlite3_wal_autocheckpoint (db->db, CONFAB_HISTORY_CHECKPOINT_PAGES);
}

/* Steps @stmt once, for a statement that returns no row; then resets it. */
static gboolean
run (ConfabHistoryDb *db,
     sqlite3_stmt    *stmt,
     GError         **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE || fail (db, rc, error);
}

gboolean
confab_history_db_begin (ConfabHistoryDb *db,
                         GError         **error)
{
  return run (db, db->stmts[STMT_BEGIN], error);
}

gboolean
confab_history_db_commit (ConfabHistoryDb *db,
                          GError         **error)
{
  return run (db, db->stmts[STMT_COMMIT], error);
}

/* Ends the transaction without its changes, if one is still open: SQLite
 * has rolled back by itself after some errors (SQLITE_FULL among them). */
void
confab_history_db_rollback (ConfabHistoryDb *db)
{
  if (!sqlite3_get_autocommit (db->db))
    run (db, db->stmts[STMT_ROLLBACK], NULL);
  confab_history_rooms_forget (db->rooms);
}

ConfabHistoryRooms *
confab_history_db_get_rooms (ConfabHistoryDb *db)
{
  return db->rooms;
}

static gboolean
insert (ConfabHistoryDb *db,
        sqlite3_stmt    *stmt,
        const char      *key,
        const char      *target,
        const char      *sender,
        gint64           time_usec,
        const char      *text,
        gint64          *id,
        GError         **error)
{
  sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 2, target, -1, SQLITE_STATIC);
  sqlite3_bind_text (stmt, 3, sender, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 4, time_usec);
  sqlite3_bind_text (stmt, 5, text, -1, SQLITE_STATIC);
  if (!run (db, stmt, error))
    return FALSE;
  *id = sqlite3_last_insert_rowid (db->db);
  return TRUE;
}

/**
 * confab_history_db_insert_offline:
 * @max_waiting: offline_max_messages: refused with
 *   %CONFAB_HISTORY_ERROR_OFFLINE_FULL when this many are waiting
 *
 * In the worker's transaction, so that the count and the insert cannot be
 * split by another writer.
 */
gboolean
confab_history_db_insert_offline (ConfabHistoryDb *db,
                                  const char      *recipient_key,
                                  const char      *recipient,
                                  const char      *sender,
                                  gint64           time_usec,
                                  const char      *text,
                                  guint            max_waiting,
                                  gint64          *id,
                                  GError         **error)
{
  sqlite3_stmt *count = db->stmts[STMT_COUNT_OFFLINE];
  gint64        waiting;
  int           rc;

  sqlite3_bind_text (count, 1, recipient_key, -1, SQLITE_STATIC);
  rc = sqlite3_step (count);
  waiting = rc == SQLITE_ROW ? sqlite3_column_int64 (count, 0) : 0;
  sqlite3_reset (count);
  sqlite3_clear_bindings (count);
  if (rc != SQLITE_ROW)
    return fail (db, rc, error);
  if (waiting >= max_waiting)
    {
      guint n = (guint) MIN (waiting, G_MAXUINT);

      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_OFFLINE_FULL,
                   ngettext ("%s already has %u offline message waiting, the most allowed",
                             "%s already has %u offline messages waiting, the most allowed", n),
                   recipient, n);
      return FALSE;
    }
  return insert (db, db->stmts[STMT_INSERT_OFFLINE], recipient_key, recipient, sender, time_usec, text, id, error);
}

/* Collects the rows @stmt returns (its parameters bound), then resets it. */
static GPtrArray *
collect_rows (ConfabHistoryDb *db,
              sqlite3_stmt    *stmt,
              GError         **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_history_row_free);
  int rc;

  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    g_ptr_array_add (rows, confab_history_row_new (sqlite3_column_int64 (stmt, 0),
                                                   sqlite3_column_int64 (stmt, 3),
                                                   (const char *) sqlite3_column_text (stmt, 1),
                                                   (const char *) sqlite3_column_text (stmt, 2),
                                                   (const char *) sqlite3_column_text (stmt, 4)));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    {
      fail (db, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/**
 * confab_history_db_fetch_offline:
 *
 * Returns: (transfer full) (element-type ConfabHistoryRow) (nullable):
 *   every message waiting for the recipient, in the order they were stored
 */
GPtrArray *
confab_history_db_fetch_offline (ConfabHistoryDb *db,
                                 const char      *recipient_key,
                                 GError         **error)
{
  sqlite3_stmt *stmt = db->stmts[STMT_FETCH_OFFLINE];

  sqlite3_bind_text (stmt, 1, recipient_key, -1, SQLITE_STATIC);
  return collect_rows (db, stmt, error);
}

/* Deletes the recipient's offline messages up to and including @up_to_id. */
gboolean
confab_history_db_ack_offline (ConfabHistoryDb *db,
                               const char      *recipient_key,
                               gint64           up_to_id,
                               guint64         *n_deleted,
                               GError         **error)
{
  sqlite3_stmt *stmt = db->stmts[STMT_ACK_OFFLINE];

  sqlite3_bind_text (stmt, 1, recipient_key, -1, SQLITE_STATIC);
  sqlite3_bind_int64 (stmt, 2, up_to_id);
  if (!run (db, stmt, error))
    return FALSE;
  *n_deleted = (guint64) sqlite3_changes64 (db->db);
  return TRUE;
}
