/* confab-history-db-query.c: reading a room's messages through its runs,
 * and pruning them (confab-history-db-rooms.c says what runs and their
 * chunks are).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-history-chunk.h"
#include "confab-history-db-private.h"
#include "confab-history-error.h"

/* A position in the order of rows: (time, id). */
typedef struct
{
  gint64 time_usec;
  gint64 id;
} Key;

static const Key KEY_MIN = { G_MININT64, G_MININT64 };
static const Key KEY_MAX = { G_MAXINT64, G_MAXINT64 };

/* ---- reading ------------------------------------------------------------ */

static gint64
add_saturated (gint64 a,
               gint64 b)
{
  return b > 0 && a > G_MAXINT64 - b ? G_MAXINT64 : b < 0 && a < G_MININT64 - b ? G_MININT64
                                                                                : a + b;
}

static int
compare_rows (gconstpointer a,
              gconstpointer b)
{
  const ConfabHistoryRow *x = *(const ConfabHistoryRow * const *) a;
  const ConfabHistoryRow *y = *(const ConfabHistoryRow * const *) b;

  if (x->time_usec != y->time_usec)
    return x->time_usec < y->time_usec ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static int
compare_rows_desc (gconstpointer a,
                   gconstpointer b)
{
  return compare_rows (b, a);
}

/* The messages of one run, read from its chunk. */
typedef struct
{
  gint64        first_id;
  gint64        last_id;
  GArray       *entries; /* (owned): ConfabHistoryChunkEntry, pointing into blob */
  gconstpointer blob;    /* the statement's, until it is reset */
  gsize         size;
} Chunk;

/* Reads the chunk that starts at @first_id into @chunk, whose entries
 * stay valid until @stmt is reset. @stmt is RS_CHUNK, bound. */
static gboolean
read_chunk (ConfabHistoryRooms *rooms,
            sqlite3_stmt       *stmt,
            gint64              first_id,
            gint64              last_id_column,
            Chunk              *chunk,
            GError            **error)
{
  ConfabHistoryChunkReader reader;
  ConfabHistoryChunkEntry  entry;
  GError                  *local_error = NULL;
  int                      column = (int) last_id_column;

  chunk->first_id = first_id;
  chunk->last_id = sqlite3_column_int64 (stmt, column);
  chunk->blob = sqlite3_column_blob (stmt, column + 1);
  chunk->size = (gsize) sqlite3_column_bytes (stmt, column + 1);
  g_array_set_size (chunk->entries, 0);
  confab_history_chunk_reader_init (&reader, chunk->blob, chunk->size);
  while (confab_history_chunk_reader_next (&reader, &entry, &local_error))
    g_array_append_val (chunk->entries, entry);
  if (local_error == NULL && (gint64) chunk->entries->len != chunk->last_id - chunk->first_id + 1)
    g_set_error (&local_error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT,
                 _ ("a chunk of room messages in the history file holds %u messages, not %" G_GINT64_FORMAT),
                 chunk->entries->len, chunk->last_id - chunk->first_id + 1);
  if (local_error != NULL)
    {
      g_propagate_error (error, local_error);
      return FALSE;
    }
  return TRUE;
}

static ConfabHistoryChunkEntry *
chunk_entry (const Chunk *chunk,
             guint        i)
{
  return &g_array_index (chunk->entries, ConfabHistoryChunkEntry, i);
}

/* The first message of @chunk not below @key: in a run, (time, id)
 * order is the order of the messages. */
static guint
chunk_lower_bound (const Chunk *chunk,
                   Key          key)
{
  guint lo = 0, hi = chunk->entries->len;

  while (lo < hi)
    {
      guint mid = lo + (hi - lo) / 2;
      Key   at = { chunk_entry (chunk, mid)->time_usec, chunk->first_id + mid };

      if (at.time_usec < key.time_usec || (at.time_usec == key.time_usec && at.id < key.id))
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Looks up the chunk starting at @first_id of @room; FALSE with @error
 * if it is missing (a run without its chunk) or damaged. */
static gboolean
load_chunk (ConfabHistoryRooms *rooms,
            const Room         *room,
            gint64              first_id,
            Chunk              *chunk,
            GError            **error)
{
  sqlite3_stmt *stmt = rooms->stmts[RS_CHUNK];
  int           rc;

  sqlite3_bind_int64 (stmt, 1, first_id);
  sqlite3_bind_int64 (stmt, 2, room->id);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    return read_chunk (rooms, stmt, first_id, 0, chunk, error);
  if (rc == SQLITE_DONE)
    {
      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT,
                   _ ("the history file has a run of room messages without its chunk (first id %" G_GINT64_FORMAT ")"),
                   first_id);
      return FALSE;
    }
  return confab_history_rooms_fail (rooms, rc, error);
}

static void
unload_chunk (ConfabHistoryRooms *rooms)
{
  sqlite3_reset (rooms->stmts[RS_CHUNK]);
  sqlite3_clear_bindings (rooms->stmts[RS_CHUNK]);
}

/* Adds one run's rows between @lo and @hi (exclusive) to @rows, best
 * first, and keeps the best @limit of all. */
static gboolean
take_run (ConfabHistoryRooms *rooms,
          const Room         *room,
          gboolean            descending,
          gint64              first_id,
          Key                 lo,
          Key                 hi,
          guint               limit,
          Chunk              *chunk,
          GPtrArray          *rows,
          GError            **error)
{
  guint before = rows->len;
  guint from, to;

  if (!load_chunk (rooms, room, first_id, chunk, error))
    {
      unload_chunk (rooms);
      return FALSE;
    }
  /* The messages above @lo and below @hi: [from, to). */
  from = chunk_lower_bound (chunk, (Key) { lo.time_usec, lo.id == G_MAXINT64 ? lo.id : lo.id + 1 });
  to = MAX (from, chunk_lower_bound (chunk, hi));
  /* Only the best @limit of them can be kept. */
  if (to - from > limit)
    {
      if (descending)
        from = to - limit;
      else
        to = from + limit;
    }
  for (guint i = from; i < to; i++)
    {
      const ConfabHistoryChunkEntry *e = chunk_entry (chunk, i);

      g_ptr_array_add (rows, confab_history_row_new (chunk->first_id + i, e->time_usec, e->room, e->sender, e->text));
    }
  unload_chunk (rooms);
  if (rows->len > before)
    {
      g_ptr_array_sort (rows, descending ? compare_rows_desc : compare_rows);
      if (rows->len > limit)
        g_ptr_array_set_size (rows, limit);
    }
  return TRUE;
}

/* The @limit rows of @room between @lo and @hi (exclusive) nearest @hi
 * (@descending) or @lo, best first. */
static GPtrArray *
walk_runs (ConfabHistoryRooms *rooms,
           const Room         *room,
           gboolean            descending,
           Key                 lo,
           Key                 hi,
           guint               limit,
           GError            **error)
{
  g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_history_row_free);
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (ConfabHistoryChunkEntry));
  Chunk         chunk = { .entries = entries };
  sqlite3_stmt *runs = rooms->stmts[descending ? RS_RUNS_DESC : RS_RUNS_ASC];
  gboolean      ok = TRUE;
  int           rc;

  sqlite3_bind_int64 (runs, 1, room->id);
  /* Descending: a run starting after @hi holds nothing below it.
   * Ascending: one starting before @lo less the span ends before @lo. */
  sqlite3_bind_int64 (runs, 2, descending ? hi.time_usec : add_saturated (lo.time_usec, -room->max_span));
  while (ok && (rc = sqlite3_step (runs)) == SQLITE_ROW)
    {
      gint64 first_id = sqlite3_column_int64 (runs, 0);
      gint64 min_time = sqlite3_column_int64 (runs, 2);
      gint64 max_time = sqlite3_column_int64 (runs, 3);
      /* The latest time this run or any after it in the walk can hold. */
      gint64                  reach = add_saturated (min_time, room->max_span);
      const ConfabHistoryRow *worst =
        rows->len >= limit ? g_ptr_array_index (rows, rows->len - 1) : NULL;

      if (descending)
        {
          /* Nothing left reaches @lo, or beats the worst row taken. */
          if (reach < lo.time_usec || (worst != NULL && reach < worst->time_usec))
            break;
        }
      else if (worst != NULL && min_time > worst->time_usec)
        break;
      if (max_time < lo.time_usec || min_time > hi.time_usec)
        continue;
      ok = take_run (rooms, room, descending, first_id, lo, hi, limit, &chunk, rows, error);
    }
  sqlite3_reset (runs);
  sqlite3_clear_bindings (runs);
  if (!ok)
    return NULL;
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    {
      confab_history_rooms_fail (rooms, rc, error);
      return NULL;
    }
  return g_steal_pointer (&rows);
}

/* The (time, id) position of the anchor: exclusive on both sides. */
static gboolean
resolve_anchor (ConfabHistoryRooms       *rooms,
                const Room               *room,
                const ConfabHistoryQuery *query,
                Key                      *anchor,
                GError                  **error)
{
  sqlite3_stmt *stmt = rooms->stmts[RS_CHUNK_OF];
  gboolean      found = FALSE;
  int           rc = SQLITE_DONE;

  if (query->anchor_id == 0)
    {
      anchor->time_usec = query->anchor_usec;
      /* Before time T: everything below (T, 0); after it: above (T, max). */
      anchor->id = query->direction == CONFAB_HISTORY_BEFORE ? 0 : G_MAXINT64;
      return TRUE;
    }
  if (room != NULL)
    {
      sqlite3_bind_int64 (stmt, 1, query->anchor_id);
      rc = sqlite3_step (stmt);
      if (rc == SQLITE_ROW && sqlite3_column_int64 (stmt, 0) == room->id &&
          query->anchor_id <= sqlite3_column_int64 (stmt, 2))
        {
          g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (ConfabHistoryChunkEntry));
          Chunk chunk = { .entries = entries };

          if (!read_chunk (rooms, stmt, sqlite3_column_int64 (stmt, 1), 2, &chunk, error))
            {
              sqlite3_reset (stmt);
              sqlite3_clear_bindings (stmt);
              return FALSE;
            }
          anchor->time_usec = chunk_entry (&chunk, (guint) (query->anchor_id - chunk.first_id))->time_usec;
          found = TRUE;
        }
      sqlite3_reset (stmt);
      sqlite3_clear_bindings (stmt);
    }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE)
    return confab_history_rooms_fail (rooms, rc, error);
  if (!found)
    {
      g_autofree char *msgid = confab_history_msgid_from_id (query->anchor_id);

      g_set_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE,
                   _ ("no message %s in this room’s history"), msgid);
      return FALSE;
    }
  anchor->id = query->anchor_id;
  return TRUE;
}

/**
 * confab_history_db_query_room:
 * @limit: the most rows, already capped by the caller
 *
 * Returns: (transfer full) (element-type ConfabHistoryRow) (nullable): the
 *   rows, oldest first
 */
GPtrArray *
confab_history_db_query_room (ConfabHistoryDb          *db,
                              const char               *room_key,
                              const ConfabHistoryQuery *query,
                              guint                     limit,
                              GError                  **error)
{
  ConfabHistoryRooms *rooms = confab_history_db_get_rooms (db);
  GPtrArray          *rows;
  Room               *room;
  Key                 anchor = KEY_MAX, lo = KEY_MIN, hi = KEY_MAX;
  gboolean            descending = TRUE;

  confab_history_rooms_trim (rooms);
  if (!confab_history_rooms_lookup (rooms, room_key, FALSE, &room, error))
    return NULL;
  if (query->direction != CONFAB_HISTORY_LATEST || query->has_anchor)
    {
      if (!resolve_anchor (rooms, room, query, &anchor, error))
        return NULL;
    }
  /* A room never written to has no number, and no rows. */
  if (room == NULL)
    return g_ptr_array_new_with_free_func ((GDestroyNotify) confab_history_row_free);
  switch (query->direction)
    {
    case CONFAB_HISTORY_BEFORE:
      hi = anchor;
      break;
    case CONFAB_HISTORY_AFTER:
      lo = anchor;
      descending = FALSE;
      break;
    case CONFAB_HISTORY_LATEST:
    default:
      /* The last @limit rows, or the last ones after the anchor. */
      if (query->has_anchor)
        lo = anchor;
      break;
    }
  rows = walk_runs (rooms, room, descending, lo, hi, limit, error);
  if (rows != NULL && descending)
    {
      for (guint i = 0, j = rows->len; i + 1 < j; i++, j--)
        {
          gpointer swap = rows->pdata[i];

          rows->pdata[i] = rows->pdata[j - 1];
          rows->pdata[j - 1] = swap;
        }
    }
  return rows;
}

/* ---- pruning ------------------------------------------------------------ */

/**
 * confab_history_db_next_room:
 * @after: (nullable): the last room key seen, %NULL to start
 * @room_key: (out) (transfer full) (nullable): the next room key with
 *   history, %NULL after the last
 *
 * Walks the rooms one at a time, so that pruning them can be spread over
 * many transactions without holding a list.
 */
gboolean
confab_history_db_next_room (ConfabHistoryDb *db,
                             const char      *after,
                             char           **room_key,
                             GError         **error)
{
  ConfabHistoryRooms *rooms = confab_history_db_get_rooms (db);
  sqlite3_stmt       *stmt = rooms->stmts[RS_NEXT_ROOM];
  int                 rc;

  *room_key = NULL;
  sqlite3_bind_text (stmt, 1, after != NULL ? after : "", -1, SQLITE_STATIC);
  rc = sqlite3_step (stmt);
  if (rc == SQLITE_ROW)
    *room_key = g_strdup ((const char *) sqlite3_column_text (stmt, 0));
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  return rc == SQLITE_ROW || rc == SQLITE_DONE || confab_history_rooms_fail (rooms, rc, error);
}

typedef struct
{
  gint64 min_time, first_id, last_id, max_time;
} Run;

/* Deletes @room's rows below @cutoff, at most @budget; adds to @n_deleted. */
static gboolean
prune_below (ConfabHistoryRooms *rooms,
             Room               *room,
             Key                 cutoff,
             guint               budget,
             guint              *n_deleted,
             GError            **error)
{
  g_autoptr(GArray) runs = g_array_new (FALSE, FALSE, sizeof (Run));
  g_autoptr(GArray) entries = g_array_new (FALSE, FALSE, sizeof (ConfabHistoryChunkEntry));
  Chunk         chunk = { .entries = entries };
  sqlite3_stmt *stmt = rooms->stmts[RS_PRUNE_RUNS];
  int           rc;

  /* The runs that start below the cutoff, oldest first: each has at
   * least its first row to go (or starts at the cutoff's time), so
   * @budget of them are enough. Listed first: they change below. */
  sqlite3_bind_int64 (stmt, 1, room->id);
  sqlite3_bind_int64 (stmt, 2, cutoff.time_usec);
  sqlite3_bind_int64 (stmt, 3, budget);
  while ((rc = sqlite3_step (stmt)) == SQLITE_ROW)
    {
      Run r = { sqlite3_column_int64 (stmt, 0), sqlite3_column_int64 (stmt, 1), sqlite3_column_int64 (stmt, 2),
                sqlite3_column_int64 (stmt, 3) };

      g_array_append_val (runs, r);
    }
  sqlite3_reset (stmt);
  sqlite3_clear_bindings (stmt);
  if (rc != SQLITE_DONE)
    return confab_history_rooms_fail (rooms, rc, error);

  for (guint i = 0; i < runs->len && budget > 0; i++)
    {
      const Run *r = &g_array_index (runs, Run, i);
      gint64     next_time = 0;
      guint      n;
      gboolean   rest;

      if (!load_chunk (rooms, room, r->first_id, &chunk, error))
        {
          unload_chunk (rooms);
          return FALSE;
        }
      /* The messages below the cutoff are a prefix: times do not go
       * back within a run. */
      n = MIN (chunk_lower_bound (&chunk, cutoff), budget);
      if (n == 0)
        {
          unload_chunk (rooms);
          continue;
        }
      *n_deleted += n;
      budget -= n;
      /* What is left starts at its first message: copied before the
       * chunk's statement lets go of the blob and the row is deleted. */
      rest = n < chunk.entries->len;
      if (rest)
        {
          const ConfabHistoryChunkEntry *next = chunk_entry (&chunk, n);

          next_time = next->time_usec;
          g_byte_array_set_size (rooms->chunk, 0);
          g_byte_array_append (rooms->chunk, (const guint8 *) chunk.blob + next->offset,
                               (guint) (chunk.size - next->offset));
        }
      unload_chunk (rooms);

      stmt = rooms->stmts[RS_DELETE_CHUNK];
      sqlite3_bind_int64 (stmt, 1, r->first_id);
      if (!confab_history_rooms_run (rooms, stmt, error))
        return FALSE;
      stmt = rooms->stmts[RS_DELETE_RUN];
      sqlite3_bind_int64 (stmt, 1, room->id);
      sqlite3_bind_int64 (stmt, 2, r->min_time);
      sqlite3_bind_int64 (stmt, 3, r->first_id);
      if (!confab_history_rooms_run (rooms, stmt, error))
        return FALSE;
      if (rest && (!confab_history_rooms_put_chunk (rooms, room, r->first_id + n, r->last_id, rooms->chunk->data,
                                                    rooms->chunk->len, error) ||
                   !confab_history_rooms_add_run (rooms, room, next_time, r->first_id + n, r->last_id,
                                                  r->max_time, error)))
        return FALSE;
    }
  return TRUE;
}

/**
 * confab_history_db_prune_room:
 * @older_than_usec: rows older than this go (history_max_age_days); 0
 *   keeps every age
 * @max_rows: the most rows the room keeps (history_max_rows); 0: no cap
 * @chunk: the most rows deleted in this call
 * @n_deleted: (out): how many went; @chunk means more may be left
 *
 * In the worker's transaction.
 */
gboolean
confab_history_db_prune_room (ConfabHistoryDb *db,
                              const char      *room_key,
                              gint64           older_than_usec,
                              guint            max_rows,
                              guint            chunk,
                              guint           *n_deleted,
                              GError         **error)
{
  ConfabHistoryRooms *rooms = confab_history_db_get_rooms (db);
  Room               *room;

  *n_deleted = 0;
  confab_history_rooms_trim (rooms);
  if (!confab_history_rooms_lookup (rooms, room_key, FALSE, &room, error))
    return FALSE;
  if (room == NULL)
    return TRUE;
  /* Below (T, 0): every row older than T, since ids start at 1. */
  if (older_than_usec > 0 &&
      !prune_below (rooms, room, (Key) { older_than_usec, 0 }, chunk, n_deleted, error))
    return FALSE;
  if (max_rows > 0 && *n_deleted < chunk)
    {
      /* The oldest row the room keeps: the max_rows-th newest. */
      g_autoptr(GPtrArray) kept = walk_runs (rooms, room, TRUE, KEY_MIN, KEY_MAX, max_rows, error);
      const ConfabHistoryRow *oldest;

      if (kept == NULL)
        return FALSE;
      if (kept->len < max_rows)
        return TRUE;
      oldest = g_ptr_array_index (kept, kept->len - 1);
      return prune_below (rooms, room, (Key) { oldest->time_usec, oldest->id }, chunk - *n_deleted, n_deleted,
                          error);
    }
  return TRUE;
}
