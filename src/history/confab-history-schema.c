/* confab-history-schema.c: the database's tables, versions and migrations.
 *
 * A file's PRAGMA user_version is the number of migrations applied to it,
 * and its PRAGMA application_id says that it is ours. Opening a file:
 *
 *   - empty (a new file): every migration runs, the id is set;
 *   - ours, older: the missing migrations run, in one transaction with
 *     the version bump, so a crash leaves the old version or the new one;
 *   - ours, current: nothing to do;
 *   - ours, newer than this program: refused (VERSION), left as it is: a
 *     downgrade must not drop or misread what a newer confabd wrote;
 *   - another program's (another id, or tables without our id):
 *     refused (FOREIGN), left as it is.
 *
 * Migrations are only ever appended to: one that has shipped is never
 * changed, since files out there have already run it.
 *
 * The tables keep each message's display strings as the sender gave them
 * and, for lookups, the caller's key (the name key of SPEC §11, so that
 * #Lobby and #lobby are one room; since version 2 a room message holds
 * the number of its room, whose key is in the room table; since version
 * 4 a run of them is one row, a chunk). Message ids come from
 * AUTOINCREMENT (offline messages; room messages up to version 3) and
 * from room_message_seq (room messages since version 4): an id is never
 * reused after its message is pruned, so a msgid a client holds can only
 * ever mean one message.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-history-chunk.h"
#include "confab-history-error.h"
#include "confab-history-schema.h"
#include "confab-history-sqlite.h"

static gboolean convert_to_chunks (sqlite3 *db,
                                   GError **error);

/* One step of the schema: SQL, then (for what SQL cannot do) C. */
typedef struct
{
  const char *sql;
  gboolean (*convert) (sqlite3 *db,
                       GError **error);
} Migration;

static const Migration migrations[] = {
  /* 1: room messages and offline messages. The room index serves every
   * query (LATEST/BEFORE/AFTER order by time, then id, which the index
   * holds as its implicit last column) and the pruning by age and by
   * count, which works room by room. */
  { "CREATE TABLE room_message ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  room_key TEXT NOT NULL,"
    "  room TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  time_usec INTEGER NOT NULL,"
    "  text TEXT NOT NULL);"
    "CREATE INDEX room_message_by_time ON room_message (room_key, time_usec);"
    "CREATE TABLE offline_message ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  recipient_key TEXT NOT NULL,"
    "  recipient TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  time_usec INTEGER NOT NULL,"
    "  text TEXT NOT NULL);"
    "CREATE INDEX offline_message_by_recipient ON offline_message (recipient_key, id);" },
  /* 2: rooms numbered. A message row and its index entry hold the room's
   * number instead of its key: an integer to compare in the index, on
   * every insert, rather than text, and fewer bytes a row. The messages
   * keep their ids (and so their msgids), and the table its
   * AUTOINCREMENT sequence, so that no id is ever given out again. The
   * index keeps version 1's order: (room, time), then id. */
  { "CREATE TABLE room ("
    "  id INTEGER PRIMARY KEY,"
    "  room_key TEXT NOT NULL UNIQUE);"
    "INSERT INTO room (room_key) SELECT DISTINCT room_key FROM room_message ORDER BY room_key;"
    "DROP INDEX room_message_by_time;"
    "ALTER TABLE room_message RENAME TO room_message_v1;"
    "CREATE TABLE room_message ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  room_id INTEGER NOT NULL,"
    "  room TEXT NOT NULL,"
    "  sender TEXT NOT NULL,"
    "  time_usec INTEGER NOT NULL,"
    "  text TEXT NOT NULL);"
    "INSERT INTO room_message (id, room_id, room, sender, time_usec, text)"
    "  SELECT m.id, r.id, m.room, m.sender, m.time_usec, m.text"
    "  FROM room_message_v1 AS m JOIN room AS r ON r.room_key = m.room_key ORDER BY m.id;"
    "DELETE FROM sqlite_sequence WHERE name = 'room_message';"
    "INSERT INTO sqlite_sequence (name, seq)"
    "  SELECT 'room_message', seq FROM sqlite_sequence WHERE name = 'room_message_v1';"
    "DROP TABLE room_message_v1;"
    "CREATE INDEX room_message_by_room ON room_message (room_id, time_usec);" },
  /* 3: runs instead of an index entry per message (see
   * confab-history-db-rooms.c): a message table appended to at its end,
   * and a row per room and batch. A room's max_span bounds how far its
   * runs reach. The rows already there become runs of one row each. */
  { "ALTER TABLE room ADD COLUMN max_span INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE room_run ("
    "  room_id INTEGER NOT NULL,"
    "  min_time INTEGER NOT NULL,"
    "  first_id INTEGER NOT NULL,"
    "  last_id INTEGER NOT NULL,"
    "  max_time INTEGER NOT NULL,"
    "  PRIMARY KEY (room_id, min_time, first_id)) WITHOUT ROWID;"
    "INSERT INTO room_run SELECT room_id, time_usec, id, id, time_usec FROM room_message;"
    "DROP INDEX room_message_by_room;" },
  /* 4: a run's messages in one row (confab-history-chunk.c), with ids
   * from a sequence of their own that starts past every id AUTOINCREMENT
   * gave out (the sequence row holds one even if its row was pruned).
   * convert_to_chunks() moves the messages there and drops their table. */
  { "CREATE TABLE room_chunk ("
    "  first_id INTEGER PRIMARY KEY,"
    "  room_id INTEGER NOT NULL,"
    "  last_id INTEGER NOT NULL,"
    "  messages BLOB NOT NULL);"
    "CREATE TABLE room_message_seq (next_id INTEGER NOT NULL);"
    "INSERT INTO room_message_seq SELECT 1 + max("
    "  coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'room_message'), 0),"
    "  coalesce((SELECT max(id) FROM room_message), 0));",
    convert_to_chunks },
};

/* ---- version 4: messages into chunks ------------------------------------ */

typedef struct
{
  sqlite3      *db;
  sqlite3_stmt *insert_chunk;
  sqlite3_stmt *insert_run;
  GByteArray   *messages;
  gint64        room_id, first_id, last_id, min_time, max_time;
} ChunkWriter;

/* Writes the chunk gathered so far, and its run. */
static int
flush_chunk (ChunkWriter *w)
{
  int rc;

  if (w->messages->len == 0)
    return SQLITE_OK;
  sqlite3_bind_int64 (w->insert_chunk, 1, w->first_id);
  sqlite3_bind_int64 (w->insert_chunk, 2, w->room_id);
  sqlite3_bind_int64 (w->insert_chunk, 3, w->last_id);
  sqlite3_bind_blob64 (w->insert_chunk, 4, w->messages->data, w->messages->len, SQLITE_STATIC);
  rc = sqlite3_step (w->insert_chunk);
  sqlite3_reset (w->insert_chunk);
  if (rc != SQLITE_DONE)
    return rc;
  sqlite3_bind_int64 (w->insert_run, 1, w->room_id);
  sqlite3_bind_int64 (w->insert_run, 2, w->min_time);
  sqlite3_bind_int64 (w->insert_run, 3, w->first_id);
  sqlite3_bind_int64 (w->insert_run, 4, w->last_id);
  sqlite3_bind_int64 (w->insert_run, 5, w->max_time);
  rc = sqlite3_step (w->insert_run);
  sqlite3_reset (w->insert_run);
  g_byte_array_set_size (w->messages, 0);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The room messages of versions 1 to 3, a row each, become chunks: the
 * rows of a room in id order, cut where an id is missing and where a
 * run would be (confab-history-db-rooms.c), and the runs are made anew
 * from the chunks. A room's max_span only grows. */
static gboolean
convert_to_chunks (sqlite3 *db,
                   GError **error)
{
  g_autoptr(GByteArray) messages = g_byte_array_new ();
  sqlite3_stmt *rows = NULL;
  ChunkWriter   w = { .db = db, .messages = messages };
  int           rc;

  rc = sqlite3_prepare_v2 (db,
                           "SELECT room_id, id, time_usec, room, sender, text FROM room_message "
                           "ORDER BY room_id, id",
                           -1, &rows, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db, "INSERT INTO room_chunk (first_id, room_id, last_id, messages) VALUES (?1, ?2, ?3, ?4)",
                             -1, &w.insert_chunk, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_prepare_v2 (db,
                             "INSERT INTO room_run (room_id, min_time, first_id, last_id, max_time) "
                             "VALUES (?1, ?2, ?3, ?4, ?5)",
                             -1, &w.insert_run, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "DELETE FROM room_run", NULL, NULL, NULL);
  while (rc == SQLITE_OK && (rc = sqlite3_step (rows)) == SQLITE_ROW)
    {
      gint64                  room_id = sqlite3_column_int64 (rows, 0);
      gint64                  id = sqlite3_column_int64 (rows, 1);
      ConfabHistoryChunkEntry entry = {
        .time_usec = sqlite3_column_int64 (rows, 2),
        .room = (const char *) sqlite3_column_text (rows, 3),
        .room_len = (guint32) sqlite3_column_bytes (rows, 3),
        .sender = (const char *) sqlite3_column_text (rows, 4),
        .sender_len = (guint32) sqlite3_column_bytes (rows, 4),
        .text = (const char *) sqlite3_column_text (rows, 5),
        .text_len = (guint32) sqlite3_column_bytes (rows, 5),
      };

      rc = SQLITE_OK;
      if (entry.room == NULL || entry.sender == NULL || entry.text == NULL)
        {
          rc = SQLITE_NOMEM;
          break;
        }
      if (w.messages->len > 0 &&
          (room_id != w.room_id || id != w.last_id + 1 || entry.time_usec < w.max_time ||
           (guint64) entry.time_usec - (guint64) w.max_time > CONFAB_HISTORY_RUN_GAP_MAX_USEC ||
           w.last_id - w.first_id + 1 >= CONFAB_HISTORY_CHUNK_MAX_MESSAGES ||
           w.messages->len >= CONFAB_HISTORY_CHUNK_MAX_BYTES))
        rc = flush_chunk (&w);
      if (rc != SQLITE_OK)
        break;
      if (w.messages->len == 0)
        {
          w.room_id = room_id;
          w.first_id = id;
          w.min_time = entry.time_usec;
        }
      confab_history_chunk_append (w.messages, &entry);
      w.last_id = id;
      w.max_time = entry.time_usec;
    }
  if (rc == SQLITE_DONE)
    rc = flush_chunk (&w);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db,
                       "UPDATE room SET max_span = max(max_span, coalesce((SELECT max(max_time - min_time) "
                       "  FROM room_run WHERE room_id = room.id), 0));",
                       NULL, NULL, NULL);
  sqlite3_finalize (rows);
  sqlite3_finalize (w.insert_chunk);
  sqlite3_finalize (w.insert_run);
  if (rc == SQLITE_OK)
    rc = sqlite3_exec (db, "DROP TABLE room_message", NULL, NULL, NULL);
  return rc == SQLITE_OK || confab_history_sqlite_set_error (error, db, rc);
}

/* Returns: the schema version this program writes */
guint
confab_history_schema_get_version (void)
{
  return G_N_ELEMENTS (migrations);
}

static gboolean
query_int (sqlite3    *db,
           const char *sql,
           gint64     *value,
           GError    **error)
{
  sqlite3_stmt *stmt = NULL;
  int           rc;

  rc = sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      *value = sqlite3_column_int64 (stmt, 0);
      rc = SQLITE_OK;
    }
  if (rc != SQLITE_OK)
    confab_history_sqlite_set_error (error, db, rc);
  sqlite3_finalize (stmt);
  return rc == SQLITE_OK;
}

typedef struct
{
  gint64 application_id;
  gint64 version;
  gint64 n_objects; /* tables, indexes, views, triggers */
} FileState;

static gboolean
read_state (sqlite3   *db,
            FileState *state,
            GError   **error)
{
  /* The first read of the file: what a garbage file or a truncated one
   * fails with (NOTADB, CORRUPT), before anything has been written. */
  return query_int (db, "PRAGMA application_id", &state->application_id, error) &&
         query_int (db, "PRAGMA user_version", &state->version, error) &&
         query_int (db, "SELECT count(*) FROM sqlite_schema", &state->n_objects, error);
}

/* read_state() in a read transaction of its own: another process may be
 * creating the file, and its tables must not be seen without its
 * version and id (which a test saw happen between two reads). */
static gboolean
read_state_once (sqlite3   *db,
                 FileState *state,
                 GError   **error)
{
  int rc = sqlite3_exec (db, "BEGIN", NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return confab_history_sqlite_set_error (error, db, rc);
  if (!read_state (db, state, error))
    {
      sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
      return FALSE;
    }
  rc = sqlite3_exec (db, "COMMIT", NULL, NULL, NULL);
  return rc == SQLITE_OK || confab_history_sqlite_set_error (error, db, rc);
}

/* Whether the file is ours (or new); if not, why not in @error. */
static gboolean
check_state (const FileState *state,
             const char      *shown_path,
             GError         **error)
{
  gint64 known = confab_history_schema_get_version ();

  if (state->application_id != 0 && state->application_id != CONFAB_HISTORY_APPLICATION_ID)
    {
      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_FOREIGN,
                   _ ("%s is another program’s SQLite database (application id %#x), not confab’s history"),
                   shown_path, (guint) state->application_id);
      return FALSE;
    }
  if (state->application_id == 0 && (state->version != 0 || state->n_objects != 0))
    {
      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_FOREIGN,
                   _ ("%s is a SQLite database with tables of its own, not confab’s history"),
                   shown_path);
      return FALSE;
    }
  if (state->version > known)
    {
      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_VERSION,
                   _ ("%s has history schema version %d, newer than the %d this confabd knows; it was left as it is"),
                   shown_path, (int) state->version, (int) known);
      return FALSE;
    }
  return TRUE;
}

static gboolean
exec (sqlite3    *db,
      const char *sql,
      GError    **error)
{
  int rc = sqlite3_exec (db, sql, NULL, NULL, NULL);

  if (rc != SQLITE_OK)
    return confab_history_sqlite_set_error (error, db, rc);
  return TRUE;
}

static gboolean
migrate (sqlite3    *db,
         const char *shown_path,
         GError    **error)
{
  g_autofree char *stamp = NULL;
  FileState        state = { 0 };
  guint            known = confab_history_schema_get_version ();

  /* Another process may be migrating the same file: take the write lock
   * first, then look again. */
  if (!exec (db, "BEGIN IMMEDIATE", error))
    return FALSE;
  if (!read_state (db, &state, error) || !check_state (&state, shown_path, error))
    goto fail;
  for (guint v = (guint) state.version; v < known; v++)
    {
      if (!exec (db, migrations[v].sql, error) ||
          (migrations[v].convert != NULL && !migrations[v].convert (db, error)))
        {
          g_prefix_error (error, _ ("%s: migrating the history to schema version %u: "), shown_path, v + 1);
          goto fail;
        }
    }
  stamp = g_strdup_printf ("PRAGMA application_id = %d; PRAGMA user_version = %u",
                           CONFAB_HISTORY_APPLICATION_ID, known);
  if (!exec (db, stamp, error) || !exec (db, "COMMIT", error))
    goto fail;
  if (state.version != known)
    g_debug ("%s: history schema migrated from version %" G_GINT64_FORMAT " to %u",
             shown_path, state.version, known);
  return TRUE;

fail:
  sqlite3_exec (db, "ROLLBACK", NULL, NULL, NULL);
  return FALSE;
}

/**
 * confab_history_schema_check:
 * @db: a fresh connection
 * @shown_path: the file's name for messages
 * @needs_migration: (out): whether confab_history_schema_migrate() must run
 *
 * Checks that @db holds confab's history (or nothing yet), reading only:
 * a file that is refused has not been written to.
 *
 * Returns: whether @db can be used (after migrating, if needed)
 */
gboolean
confab_history_schema_check (sqlite3    *db,
                             const char *shown_path,
                             gboolean   *needs_migration,
                             GError    **error)
{
  FileState state = { 0 };

  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!read_state_once (db, &state, error))
    {
      g_prefix_error (error, "%s: ", shown_path);
      return FALSE;
    }
  if (!check_state (&state, shown_path, error))
    return FALSE;
  *needs_migration = state.version != confab_history_schema_get_version ();
  return TRUE;
}

/**
 * confab_history_schema_migrate:
 * @db: a writable connection that confab_history_schema_check() accepted
 *
 * Runs the migrations the file lacks, in one transaction.
 */
gboolean
confab_history_schema_migrate (sqlite3    *db,
                               const char *shown_path,
                               GError    **error)
{
  g_return_val_if_fail (db != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return migrate (db, shown_path, error);
}
