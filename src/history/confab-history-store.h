/* confab-history-store.h: the history of SPEC §12, off the main loop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-history-error.h"
#include "confab-history-query.h"
#include "confab-history-row.h"

G_BEGIN_DECLS

/* SPEC §12's defaults, and the store's own. */
#define CONFAB_HISTORY_REPLAY_MAX_DEFAULT     50
#define CONFAB_HISTORY_MAX_AGE_DAYS_DEFAULT   0 /* keep for ever */
#define CONFAB_HISTORY_MAX_ROWS_DEFAULT       10000
#define CONFAB_HISTORY_OFFLINE_MAX_DEFAULT    100
#define CONFAB_HISTORY_QUEUE_MAX_DEFAULT      10000
#define CONFAB_HISTORY_PRUNE_INTERVAL_DEFAULT 600

/**
 * ConfabHistoryLimits:
 * @replay_max: history_replay_max: the most rows one query returns
 * @max_age_days: history_max_age_days: room messages older than this are
 *   pruned; 0 keeps them for ever
 * @max_rows: history_max_rows: the most messages a room keeps (the oldest
 *   are pruned); 0: no limit
 * @offline_max_messages: the most offline messages one recipient may have
 *   waiting; one more is refused (%CONFAB_HISTORY_ERROR_OFFLINE_FULL)
 * @queue_max: the most requests waiting for the worker; one more is
 *   refused at once (%CONFAB_HISTORY_ERROR_BUSY)
 * @prune_interval_sec: how often the worker prunes by itself; 0: only
 *   when asked (confab_history_store_prune_async())
 *
 * A plain value: confab_history_limits_init() fills in the defaults.
 */
typedef struct
{
  guint replay_max;
  guint max_age_days;
  guint max_rows;
  guint offline_max_messages;
  guint queue_max;
  guint prune_interval_sec;
} ConfabHistoryLimits;

void confab_history_limits_init (ConfabHistoryLimits *limits);

/**
 * ConfabHistoryStoreFlags:
 * @CONFAB_HISTORY_STORE_NONE: a commit survives the process being killed
 *   (WAL with synchronous=NORMAL)
 * @CONFAB_HISTORY_STORE_SYNC_FULL: a commit also survives a power loss
 *   (synchronous=FULL: an fsync per batch)
 */
typedef enum /*< flags >*/
{
  CONFAB_HISTORY_STORE_NONE = 0,
  CONFAB_HISTORY_STORE_SYNC_FULL = 1 << 0,
} ConfabHistoryStoreFlags;

/**
 * ConfabHistoryStats:
 * @rows_written: room and offline messages committed
 * @write_errors: writes that failed in the database (disk full, I/O,
 *   read-only, corrupt); refusals are counted below, not here
 * @writes_refused_busy: requests refused because the queue was full
 * @transactions: batches committed
 * @offline_stored: offline messages committed
 * @offline_delivered: offline messages acknowledged (and deleted)
 * @offline_refused: offline messages refused: offline_max_messages waiting
 * @rows_pruned: room messages deleted by retention
 * @queue_length: requests waiting now
 * @queue_high_water: the most that have waited at once
 * @write_latency_count: writes whose latency was recorded: from the call
 *   to the completion callback's start, on the caller's context
 * @write_latency_p50_usec: their median (histogram, within 12.5 %)
 * @write_latency_p99_usec: their 99th percentile (likewise)
 * @write_latency_max_usec: the largest (exact)
 *
 * Counters since the store was opened, for GetStatistics.
 */
typedef struct
{
  guint64 rows_written;
  guint64 write_errors;
  guint64 writes_refused_busy;
  guint64 transactions;
  guint64 offline_stored;
  guint64 offline_delivered;
  guint64 offline_refused;
  guint64 rows_pruned;
  guint   queue_length;
  guint   queue_high_water;
  guint64 write_latency_count;
  gint64  write_latency_p50_usec;
  gint64  write_latency_p99_usec;
  gint64  write_latency_max_usec;
} ConfabHistoryStats;

#define CONFAB_TYPE_HISTORY_STORE (confab_history_store_get_type ())
G_DECLARE_FINAL_TYPE (ConfabHistoryStore, confab_history_store, CONFAB, HISTORY_STORE, GObject)

ConfabHistoryStore *confab_history_store_new (const char                *path,
                                              const ConfabHistoryLimits *limits,
                                              ConfabHistoryStoreFlags    flags,
                                              GError                   **error);
void                confab_history_store_set_limits (ConfabHistoryStore        *self,
                                                     const ConfabHistoryLimits *limits);
gboolean            confab_history_store_is_read_only (ConfabHistoryStore *self);
void                confab_history_store_get_stats (ConfabHistoryStore *self,
                                                    ConfabHistoryStats *stats);
void                confab_history_store_close (ConfabHistoryStore *self);

void     confab_history_store_append_async (ConfabHistoryStore *self,
                                            const char         *room_key,
                                            const char         *room,
                                            const char         *sender,
                                            const char         *text,
                                            gint64              time_usec,
                                            GAsyncReadyCallback callback,
                                            gpointer            user_data);
gboolean confab_history_store_append_finish (ConfabHistoryStore *self,
                                             GAsyncResult       *result,
                                             gint64             *id,
                                             GError            **error);

void       confab_history_store_query_async (ConfabHistoryStore       *self,
                                             const char               *room_key,
                                             const ConfabHistoryQuery *query,
                                             GCancellable             *cancellable,
                                             GAsyncReadyCallback       callback,
                                             gpointer                  user_data);
GPtrArray *confab_history_store_query_finish (ConfabHistoryStore *self,
                                              GAsyncResult       *result,
                                              GError            **error);

void     confab_history_store_offline_store_async (ConfabHistoryStore *self,
                                                   const char         *recipient_key,
                                                   const char         *recipient,
                                                   const char         *sender,
                                                   const char         *text,
                                                   gint64              time_usec,
                                                   GAsyncReadyCallback callback,
                                                   gpointer            user_data);
gboolean confab_history_store_offline_store_finish (ConfabHistoryStore *self,
                                                    GAsyncResult       *result,
                                                    gint64             *id,
                                                    GError            **error);

void       confab_history_store_offline_fetch_async (ConfabHistoryStore *self,
                                                     const char         *recipient_key,
                                                     GCancellable       *cancellable,
                                                     GAsyncReadyCallback callback,
                                                     gpointer            user_data);
GPtrArray *confab_history_store_offline_fetch_finish (ConfabHistoryStore *self,
                                                      GAsyncResult       *result,
                                                      GError            **error);

void     confab_history_store_offline_ack_async (ConfabHistoryStore *self,
                                                 const char         *recipient_key,
                                                 gint64              up_to_id,
                                                 GAsyncReadyCallback callback,
                                                 gpointer            user_data);
gboolean confab_history_store_offline_ack_finish (ConfabHistoryStore *self,
                                                  GAsyncResult       *result,
                                                  guint64            *n_deleted,
                                                  GError            **error);

void     confab_history_store_prune_async (ConfabHistoryStore *self,
                                           GAsyncReadyCallback callback,
                                           gpointer            user_data);
gboolean confab_history_store_prune_finish (ConfabHistoryStore *self,
                                            GAsyncResult       *result,
                                            guint64            *n_pruned,
                                            GError            **error);

G_END_DECLS
