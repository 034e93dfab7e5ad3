/* confab-history-db.h: one connection to the history file, and its rows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-history-checkpointer.h"
#include "confab-history-query.h"
#include "confab-history-row.h"

G_BEGIN_DECLS

/* How long a write waits for another process's lock before BUSY. */
#define CONFAB_HISTORY_DB_BUSY_TIMEOUT_MS 5000

/*
 * ConfabHistoryDb:
 * A SQLite connection with its prepared statements. Not thread-safe: one
 * thread at a time (the store's worker) uses it. Every call is
 * synchronous and may block on the disk.
 */
typedef struct _ConfabHistoryDb ConfabHistoryDb;

ConfabHistoryDb *confab_history_db_open (const char *path,
                                         gboolean    sync_full,
                                         GError    **error);
void             confab_history_db_free (ConfabHistoryDb *db);
gboolean         confab_history_db_is_read_only (const ConfabHistoryDb *db);
const char      *confab_history_db_get_shown_path (const ConfabHistoryDb *db);
void             confab_history_db_set_checkpointer (ConfabHistoryDb           *db,
                                                     ConfabHistoryCheckpointer *checkpointer);

gboolean confab_history_db_begin (ConfabHistoryDb *db,
                                  GError         **error);
gboolean confab_history_db_commit (ConfabHistoryDb *db,
                                   GError         **error);
void     confab_history_db_rollback (ConfabHistoryDb *db);

gboolean confab_history_db_insert_room (ConfabHistoryDb *db,
                                        const char      *room_key,
                                        const char      *room,
                                        const char      *sender,
                                        gint64           time_usec,
                                        const char      *text,
                                        gint64          *id,
                                        GError         **error);
/* One room message of a batch, its strings the caller's, with their
 * lengths in bytes (-1: NUL-terminated, to be counted); @id is filled in
 * when it is inserted. */
typedef struct
{
  const char *room_key;
  const char *room;
  const char *sender;
  const char *text;
  gint64      time_usec;
  int         room_len;
  int         sender_len;
  int         text_len;
  gint64      id;
} ConfabHistoryDbRoomRow;

gboolean   confab_history_db_insert_rooms (ConfabHistoryDb        *db,
                                           ConfabHistoryDbRoomRow *rows,
                                           guint                   n_rows,
                                           GError                **error);
gboolean   confab_history_db_insert_offline (ConfabHistoryDb *db,
                                             const char      *recipient_key,
                                             const char      *recipient,
                                             const char      *sender,
                                             gint64           time_usec,
                                             const char      *text,
                                             guint            max_waiting,
                                             gint64          *id,
                                             GError         **error);
GPtrArray *confab_history_db_query_room (ConfabHistoryDb          *db,
                                         const char               *room_key,
                                         const ConfabHistoryQuery *query,
                                         guint                     limit,
                                         GError                  **error);
GPtrArray *confab_history_db_fetch_offline (ConfabHistoryDb *db,
                                            const char      *recipient_key,
                                            GError         **error);
gboolean   confab_history_db_ack_offline (ConfabHistoryDb *db,
                                          const char      *recipient_key,
                                          gint64           up_to_id,
                                          guint64         *n_deleted,
                                          GError         **error);
gboolean   confab_history_db_next_room (ConfabHistoryDb *db,
                                        const char      *after,
                                        char           **room_key,
                                        GError         **error);
gboolean   confab_history_db_prune_room (ConfabHistoryDb *db,
                                         const char      *room_key,
                                         gint64           older_than_usec,
                                         guint            max_rows,
                                         guint            chunk,
                                         guint           *n_deleted,
                                         GError         **error);

G_END_DECLS
