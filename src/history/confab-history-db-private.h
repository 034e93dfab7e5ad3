/* confab-history-db-private.h: what the connection (confab-history-db.c)
 * and its room messages (confab-history-db-rooms.c, -query.c) share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sqlite3.h>

#include "confab-history-db.h"

G_BEGIN_DECLS

/* The room messages' statements and the rooms' numbers, of one
 * connection (confab-history-db-rooms.c). */
typedef struct _ConfabHistoryRooms ConfabHistoryRooms;

typedef enum
{
  RS_ROOM,
  RS_NEW_ROOM,
  RS_SET_SPAN,
  RS_INSERT_RUN,
  RS_DELETE_RUN,
  RS_NEXT_ID,
  RS_SET_NEXT_ID,
  RS_INSERT_CHUNK,
  RS_DELETE_CHUNK,
  RS_CHUNK,
  RS_CHUNK_OF,
  RS_RUNS_DESC,
  RS_RUNS_ASC,
  RS_NEXT_ROOM,
  RS_PRUNE_RUNS,
  N_RS
} RoomStmt;

/* A room with a number. */
typedef struct
{
  gint64 id;
  gint64 max_span;
  guint  batch; /* the last insert that saw it */
  guint  slot;  /* its place in that insert */
} Room;

struct _ConfabHistoryRooms
{
  sqlite3      *handle;      /* the connection's */
  sqlite3_stmt *stmts[N_RS]; /* (owned) */
  GHashTable   *by_key;      /* (owned): key → Room (owned) */
  GByteArray   *chunk;       /* (owned): the chunk being written */
  guint         batch;
};

gboolean confab_history_rooms_fail (ConfabHistoryRooms *rooms,
                                    int                 rc,
                                    GError            **error);
gboolean confab_history_rooms_run (ConfabHistoryRooms *rooms,
                                   sqlite3_stmt       *stmt,
                                   GError            **error);
void     confab_history_rooms_trim (ConfabHistoryRooms *rooms);
gboolean confab_history_rooms_lookup (ConfabHistoryRooms *rooms,
                                      const char         *room_key,
                                      gboolean            add,
                                      Room              **out,
                                      GError            **error);
gboolean confab_history_rooms_put_chunk (ConfabHistoryRooms *rooms,
                                         const Room         *room,
                                         gint64              first_id,
                                         gint64              last_id,
                                         gconstpointer       messages,
                                         gsize               size,
                                         GError            **error);
gboolean confab_history_rooms_add_run (ConfabHistoryRooms *rooms,
                                       Room               *room,
                                       gint64              min_time,
                                       gint64              first_id,
                                       gint64              last_id,
                                       gint64              max_time,
                                       GError            **error);

ConfabHistoryRooms *confab_history_rooms_new (sqlite3 *handle,
                                              GError **error);
void                confab_history_rooms_free (ConfabHistoryRooms *rooms);
void                confab_history_rooms_forget (ConfabHistoryRooms *rooms);

ConfabHistoryRooms *confab_history_db_get_rooms (ConfabHistoryDb *db);

G_END_DECLS
