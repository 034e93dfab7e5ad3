/* confab-history-checkpointer.c: WAL checkpoints in a thread of their own.
 *
 * SQLite checkpoints a WAL database itself, in the connection that
 * commits, once the WAL passes 1000 pages; and with synchronous=NORMAL a
 * checkpoint fsyncs the WAL and then the database file. Done in the
 * store's worker, that stalled every write queued meanwhile: on the
 * machine of docs/performance.md, p99 write latency at 5000 rows/s was
 * 48 ms with the worker checkpointing, and 4.7 ms without. So the worker's
 * connection only asks (a WAL hook), and this thread, with a connection of
 * its own, runs PASSIVE checkpoints, which never wait for (nor block) the
 * writer: WAL lets one connection copy pages into the database while
 * another appends to the log.
 *
 * A checkpoint that fails loses nothing (the WAL still holds every
 * commit); it is tried again at the next request.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <sqlite3.h>

#include "confab-history-checkpointer.h"
#include "confab-history-db.h"
#include "confab-history-sqlite.h"

struct _ConfabHistoryCheckpointer
{
  sqlite3 *db;     /* (owned): used by the thread only */
  GThread *thread; /* (owned) */
  GMutex   lock;
  GCond    wake;
  gboolean requested; /* guarded by lock */
  gboolean stopping;  /* guarded by lock */
};

static gpointer
checkpointer_main (gpointer data)
{
  ConfabHistoryCheckpointer *self = data;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      int rc, n_log = 0, n_done = 0;

      while (!self->requested && !self->stopping)
        g_cond_wait (&self->wake, &self->lock);
      if (self->stopping)
        break;
      self->requested = FALSE;
      g_mutex_unlock (&self->lock);

      rc = sqlite3_wal_checkpoint_v2 (self->db, NULL, SQLITE_CHECKPOINT_PASSIVE, &n_log, &n_done);
      if (rc != SQLITE_OK)
        g_debug ("history checkpoint: %s", sqlite3_errmsg (self->db));
      else
        g_debug ("history checkpoint: %d of %d WAL pages in the database", n_done, n_log);

      g_mutex_lock (&self->lock);
    }
  g_mutex_unlock (&self->lock);
  return NULL;
}

/**
 * confab_history_checkpointer_new:
 * @path: a history file the store has opened (and migrated) already
 *
 * Returns: (transfer full) (nullable): the checkpointer, its thread
 *   started; %NULL if it cannot open the file (the caller then leaves
 *   checkpoints to SQLite)
 */
ConfabHistoryCheckpointer *
confab_history_checkpointer_new (const char *path,
                                 GError    **error)
{
  ConfabHistoryCheckpointer *self;
  sqlite3                   *db = NULL;
  int                        rc;

  g_return_val_if_fail (path != NULL, NULL);

  rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
  if (rc != SQLITE_OK)
    {
      confab_history_sqlite_set_error (error, db, rc);
      sqlite3_close (db);
      return NULL;
    }
  sqlite3_extended_result_codes (db, 1);
  sqlite3_busy_timeout (db, CONFAB_HISTORY_DB_BUSY_TIMEOUT_MS);

  self = g_new0 (ConfabHistoryCheckpointer, 1);
  self->db = db;
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  self->thread = g_thread_new ("confab-history-checkpoint", checkpointer_main, self);
  return self;
}

/* Asks for a checkpoint soon; from any thread, never waits. */
void
confab_history_checkpointer_request (ConfabHistoryCheckpointer *self)
{
  g_mutex_lock (&self->lock);
  if (!self->requested)
    {
      self->requested = TRUE;
      g_cond_signal (&self->wake);
    }
  g_mutex_unlock (&self->lock);
}

/* Stops the thread (after the checkpoint it may be running) and closes
 * its connection. */
void
confab_history_checkpointer_free (ConfabHistoryCheckpointer *self)
{
  if (self == NULL)
    return;
  g_mutex_lock (&self->lock);
  self->stopping = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  g_thread_join (self->thread);
  sqlite3_close (self->db);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  g_free (self);
}
