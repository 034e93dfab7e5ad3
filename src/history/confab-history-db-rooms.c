/* confab-history-db-rooms.c: room messages in the history file: the
 * rooms' numbers, the statements, writing the messages and their runs
 * (reading and pruning them: confab-history-db-query.c).
 *
 * Rooms are numbered (the room table): a message row holds its room's
 * number. The numbers seen are kept in a hash table, since a committed
 * number never changes (rooms are never deleted); one given out in a
 * transaction that rolls back is forgotten with it.
 *
 * Runs (schema version 3). A message has no index entry of its own: an
 * entry per message in an index ordered by room was about half of what a
 * write cost. Instead a batch's messages are taken sorted by room
 * (arrival order within each), so that each room's get consecutive ids,
 * and one room_run row per room and batch says which: (room, min_time,
 * first_id, last_id, max_time). A run is also cut where time goes back
 * (a clock set back), so that within a run times never decrease and the
 * order every query uses, by (time, id), is the order of the ids. Runs
 * of a room may overlap in time after such a step; the room's max_span,
 * at least max_time - min_time of each of its runs, bounds how far, so
 * that a query can walk the runs in min_time order and stop where no run
 * left can hold a row it would take.
 *
 * Chunks (schema version 4). A run's messages are one row of room_chunk,
 * keyed by the run's first id (confab-history-chunk.c has the format):
 * one SQLite insert a run instead of one a message. Ids come from
 * room_message_seq, read and moved on in the writing transaction, so two
 * processes writing one file never give out an id twice, and an id is
 * never given out again after its message is pruned.
 *
 * Pruning deletes a prefix of a run (the oldest messages, since times do
 * not decrease within it): the chunk is written again from its first
 * message left, and the run starts there, or both are deleted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "confab-history-chunk.h"
#include "confab-history-db-private.h"
#include "confab-history-error.h"
#include "confab-history-sqlite.h"

/* The most rooms whose numbers are kept: past it the table starts again
 * (those still in use are looked up once more), so that a client making
 * room after room cannot grow the worker without bound. */
#define ROOMS_KEPT_MAX 4096

static const char * const room_sql[N_RS] = {
  [RS_ROOM] = "SELECT id, max_span FROM room WHERE room_key = ?1",
  [RS_NEW_ROOM] = "INSERT INTO room (room_key) VALUES (?1)",
  [RS_SET_SPAN] = "UPDATE room SET max_span = ?2 WHERE id = ?1",
  [RS_INSERT_RUN] = "INSERT INTO room_run (room_id, min_time, first_id, last_id, max_time) "
                    "VALUES (?1, ?2, ?3, ?4, ?5)",
  [RS_DELETE_RUN] = "DELETE FROM room_run WHERE room_id = ?1 AND min_time = ?2 AND first_id = ?3",
  [RS_NEXT_ID] = "SELECT next_id FROM room_message_seq",
  [RS_SET_NEXT_ID] = "UPDATE room_message_seq SET next_id = ?1",
  [RS_INSERT_CHUNK] = "INSERT INTO room_chunk (first_id, room_id, last_id, messages) VALUES (?1, ?2, ?3, ?4)",
  [RS_DELETE_CHUNK] = "DELETE FROM room_chunk WHERE first_id = ?1",
  [RS_CHUNK] = "SELECT last_id, messages FROM room_chunk WHERE first_id = ?1 AND room_id = ?2",
  /* The chunk an id is in, if any: the one starting at or before it. */
  [RS_CHUNK_OF] = "SELECT room_id, first_id, last_id, messages FROM room_chunk "
                  "WHERE first_id <= ?1 ORDER BY first_id DESC LIMIT 1",
  /* The runs that may hold a row below a time, latest start first. */
  [RS_RUNS_DESC] = "SELECT first_id, last_id, min_time, max_time FROM room_run "
                   "WHERE room_id = ?1 AND min_time <= ?2 ORDER BY min_time DESC, first_id DESC",
  /* The runs that may hold a row above a time less the room's span. */
  [RS_RUNS_ASC] = "SELECT first_id, last_id, min_time, max_time FROM room_run "
                  "WHERE room_id = ?1 AND min_time >= ?2 ORDER BY min_time, first_id",
  [RS_NEXT_ROOM] = "SELECT room_key FROM room WHERE room_key > ?1 ORDER BY room_key LIMIT 1",
  [RS_PRUNE_RUNS] = "SELECT min_time, first_id, last_id, max_time FROM room_run "
                    "WHERE room_id = ?1 AND min_time <= ?2 ORDER BY min_time, first_id LIMIT ?3",
};

gboolean
confab_history_rooms_fail (ConfabHistoryRooms *rooms,
                           int                 rc,
                           GError            **error)
{
  return confab_history_sqlite_set_error (error, rooms->handle, rc);
}

/* Steps @stmt once, for a statement that returns no row; then resets it. */
gboolean
confab_history_rooms_run (ConfabHistoryRooms *rooms,
                          sqlite3_stmt       *stmt,
                          GError            **error)
{
  int rc = sqlite3_step (stmt);

  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_DONE || confab_history_rooms_fail (rooms, rc, error);
}

ConfabHistoryRooms *
confab_history_rooms_new (sqlite3 *handle,
                          GError **error)
{
  ConfabHistoryRooms *rooms = g_new0 (ConfabHistoryRooms, 1);

  rooms->handle = handle;
  rooms->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  rooms->chunk = g_byte_array_new ();
  for (guint i = 0; i < N_RS; i++)
    {
      int rc = sqlite3_prepare_v3 (handle, room_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &rooms->stmts[i], NULL);

      if (rc != SQLITE_OK)
        {
          confab_history_rooms_fail (rooms, rc, error);
          confab_history_rooms_free (rooms);
          return NULL;
        }
    }
  return rooms;
}

void
confab_history_rooms_free (ConfabHistoryRooms *rooms)
{
  if (rooms == NULL)
    return;
  for (guint i = 0; i < N_RS; i++)
    sqlite3_finalize (rooms->stmts[i]);
  g_byte_array_unref (rooms->chunk);
  g_hash_table_unref (rooms->by_key);
  g_free (rooms);
}

/* After a rollback: rooms numbered in it may be gone, and a span raised
 * in it is back where it was. The others are looked up again. */
void
confab_history_rooms_forget (ConfabHistoryRooms *rooms)
{
  g_hash_table_remove_all (rooms->by_key);
}

/**
 * confab_history_rooms_trim:
 *
 * Lets the rooms' numbers go if there are too many. Only between uses of
 * Room pointers: at the start of an insert, a query or a pruning step.
 */
void
confab_history_rooms_trim (ConfabHistoryRooms *rooms)
{
  if (g_hash_table_size (rooms->by_key) > ROOMS_KEPT_MAX)
    g_hash_table_remove_all (rooms->by_key);
}

/* The room of @room_key: NULL (and TRUE) when it has none and @add is
 * FALSE; with @add, a new one, in the worker's transaction. */
gboolean
confab_history_rooms_lookup (ConfabHistoryRooms *rooms,
                             const char         *room_key,
                             gboolean            add,
                             Room              **out,
                             GError            **error)
{
  sqlite3_stmt *stmt = rooms->stmts[RS_ROOM];
  Room          found = { 0 };
  int           rc;

  *out = g_hash_table_lookup (rooms->by_key, room_key);
  if (*out != NULL)
    return TRUE;
  sqlite3_bind_text (stmt, 1, room_key, -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    {
      found.id = sqlite3_column_int64 (stmt, 0);
      found.max_span = sqlite3_column_int64 (stmt, 1);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return confab_history_rooms_fail (rooms, rc, error);
  if (rc == SQLITE_DONE)
    {
      if (!add)
        return TRUE;
      sqlite3_bind_text (rooms->stmts[RS_NEW_ROOM], 1, room_key, -1, SQLITE_STATIC);
      if (!confab_history_rooms_run (rooms, rooms->stmts[RS_NEW_ROOM], error))
        return FALSE;
      found.id = sqlite3_last_insert_rowid (rooms->handle);
    }
  *out = g_memdup2 (&found, sizeof found);
  g_hash_table_insert (rooms->by_key, g_strdup (room_key), *out);
  return TRUE;
}

/* ---- writing ------------------------------------------------------------ */

/* The next id to give out, in the writing transaction. */
static gboolean
read_next_id (ConfabHistoryRooms *rooms,
              gint64             *next_id,
              GError            **error)
{
  sqlite3_stmt *stmt = rooms->stmts[RS_NEXT_ID];
  int           rc = sqlite3_step (stmt);

  if (rc == SQLITE_ROW)
    *next_id = sqlite3_column_int64 (stmt, 0);
  sqlite3_reset (stmt);
  if (rc == SQLITE_ROW)
    return TRUE;
  if (rc == SQLITE_DONE)
    {
      g_set_error_literal (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT,
                           _ ("the history file has no room message sequence"));
      return FALSE;
    }
  return confab_history_rooms_fail (rooms, rc, error);
}

/**
 * confab_history_rooms_put_chunk:
 * @messages: (array length=size): the run's messages, in the chunk format
 *
 * Writes the chunk of @room's messages @first_id to @last_id.
 */
gboolean
confab_history_rooms_put_chunk (ConfabHistoryRooms *rooms,
                                const Room         *room,
                                gint64              first_id,
                                gint64              last_id,
                                gconstpointer       messages,
                                gsize               size,
                                GError            **error)
{
  sqlite3_stmt *stmt = rooms->stmts[RS_INSERT_CHUNK];

  sqlite3_bind_int64 (stmt, 1, first_id);
  sqlite3_bind_int64 (stmt, 2, room->id);
  sqlite3_bind_int64 (stmt, 3, last_id);
  sqlite3_bind_blob64 (stmt, 4, messages, size, SQLITE_STATIC);
  return confab_history_rooms_run (rooms, stmt, error);
}

gboolean
confab_history_rooms_add_run (ConfabHistoryRooms *rooms,
                              Room               *room,
                              gint64              min_time,
                              gint64              first_id,
                              gint64              last_id,
                              gint64              max_time,
                              GError            **error)
{
  sqlite3_stmt *stmt = rooms->stmts[RS_INSERT_RUN];

  sqlite3_bind_int64 (stmt, 1, room->id);
  sqlite3_bind_int64 (stmt, 2, min_time);
  sqlite3_bind_int64 (stmt, 3, first_id);
  sqlite3_bind_int64 (stmt, 4, last_id);
  sqlite3_bind_int64 (stmt, 5, max_time);
  if (!confab_history_rooms_run (rooms, stmt, error))
    return FALSE;
  if (max_time - min_time <= room->max_span)
    return TRUE;
  stmt = rooms->stmts[RS_SET_SPAN];
  sqlite3_bind_int64 (stmt, 1, room->id);
  sqlite3_bind_int64 (stmt, 2, max_time - min_time);
  if (!confab_history_rooms_run (rooms, stmt, error))
    return FALSE;
  room->max_span = max_time - min_time;
  return TRUE;
}

static guint32
length_of (const char *s,
           int         len)
{
  return len >= 0 ? (guint32) len : (guint32) strlen (s);
}

/**
 * confab_history_db_insert_rooms:
 * @rows: (array length=n_rows): the room messages, in the order they
 *   were recorded; their ids are filled in
 *
 * Inserts them, room by room (see above), with as few statements as it
 * can, and their runs. In the worker's transaction.
 */
gboolean
confab_history_db_insert_rooms (ConfabHistoryDb        *db,
                                ConfabHistoryDbRoomRow *rows,
                                guint                   n_rows,
                                GError                **error)
{
  ConfabHistoryRooms *rooms = confab_history_db_get_rooms (db);
  g_autofree Room   **room_of = g_new (Room *, n_rows);
  g_autofree guint   *order = g_new (guint, n_rows);
  g_autofree guint   *start = g_new0 (guint, n_rows + 1);
  guint               n_slots = 0;
  gint64              next_id = 0;

  /* Sorted by room, in the order of the rooms' first rows, by counting:
   * a room's slot is its place in that order. */
  confab_history_rooms_trim (rooms);
  rooms->batch++;
  for (guint i = 0; i < n_rows; i++)
    {
      Room *room;

      if (!confab_history_rooms_lookup (rooms, rows[i].room_key, TRUE, &room, error))
        return FALSE;
      if (room->batch != rooms->batch)
        {
          room->batch = rooms->batch;
          room->slot = n_slots++;
        }
      room_of[i] = room;
      start[room->slot + 1]++;
    }
  for (guint s = 1; s <= n_slots; s++)
    start[s] += start[s - 1];
  for (guint i = 0; i < n_rows; i++)
    order[start[room_of[i]->slot]++] = i;

  if (!read_next_id (rooms, &next_id, error))
    return FALSE;

  /* The runs, a chunk each: cut where the room changes, where time goes
   * back, and where it leaps ahead (a clock set forward), so that a
   * room's max_span stays about as long as a batch took to gather, which
   * is how far past the rows it needs a query may have to look; and
   * where the chunk is full. */
  for (guint k = 0; k < n_rows;)
    {
      guint  first = k;
      Room  *room = room_of[order[first]];
      gint64 first_id = next_id;

      g_byte_array_set_size (rooms->chunk, 0);
      do
        {
          ConfabHistoryDbRoomRow *row = &rows[order[k]];
          ConfabHistoryChunkEntry entry = {
            .time_usec = row->time_usec,
            .room = row->room,
            .sender = row->sender,
            .text = row->text,
            .room_len = length_of (row->room, row->room_len),
            .sender_len = length_of (row->sender, row->sender_len),
            .text_len = length_of (row->text, row->text_len),
          };

          confab_history_chunk_append (rooms->chunk, &entry);
          row->id = next_id++;
          k++;
        }
      while (k < n_rows && room_of[order[k]] == room && rows[order[k]].time_usec >= rows[order[k - 1]].time_usec &&
             (guint64) rows[order[k]].time_usec - (guint64) rows[order[k - 1]].time_usec <= CONFAB_HISTORY_RUN_GAP_MAX_USEC &&
             k - first < CONFAB_HISTORY_CHUNK_MAX_MESSAGES && rooms->chunk->len < CONFAB_HISTORY_CHUNK_MAX_BYTES);
      if (!confab_history_rooms_put_chunk (rooms, room, first_id, next_id - 1, rooms->chunk->data, rooms->chunk->len,
                                           error) ||
          !confab_history_rooms_add_run (rooms, room, rows[order[first]].time_usec, first_id, next_id - 1,
                                         rows[order[k - 1]].time_usec, error))
        return FALSE;
    }
  sqlite3_bind_int64 (rooms->stmts[RS_SET_NEXT_ID], 1, next_id);
  return confab_history_rooms_run (rooms, rooms->stmts[RS_SET_NEXT_ID], error);
}

/* In the worker's transaction. */
gboolean
confab_history_db_insert_room (ConfabHistoryDb *db,
                               const char      *room_key,
                               const char      *room,
                               const char      *sender,
                               gint64           time_usec,
                               const char      *text,
                               gint64          *id,
                               GError         **error)
{
  ConfabHistoryDbRoomRow row = {
    .room_key = room_key,
    .room = room,
    .sender = sender,
    .text = text,
    .time_usec = time_usec,
    .room_len = -1,
    .sender_len = -1,
    .text_len = -1,
  };

  if (!confab_history_db_insert_rooms (db, &row, 1, error))
    return FALSE;
  *id = row.id;
  return TRUE;
}
