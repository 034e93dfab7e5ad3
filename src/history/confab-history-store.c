/* confab-history-store.c: the history of SPEC §12, off the main loop.
 *
 * One worker thread owns the SQLite connection. Callers (on the main
 * loop, or any thread with a GMainContext) put requests into a bounded
 * queue and return at once; a full queue refuses the request with
 * CONFAB_HISTORY_ERROR_BUSY, so the caller never waits for the disk.
 *
 * The worker takes whatever is queued (up to BATCH_MAX requests) and
 * writes it in one transaction: a burst of messages costs one commit, not
 * one per message. Only after the COMMIT does it hand the batch back to
 * the callers' contexts, where each request's callback runs; so a sender
 * told "stored" on a write's completion is told so about a row that is in
 * the WAL file, which survives kill -9 (confab-history-db.c says why).
 * A batch is one transaction: when it fails, every write in it gets the
 * error and none is stored. Reads in a batch run after its commit, and so
 * see every write queued before them.
 *
 * A room message nobody waits for (the daemon records every room message
 * as it routes it) is not a job: it is packed into a buffer the worker
 * takes whole (Records), so recording one costs the caller a copy of its
 * strings under the lock, with no allocation and, while the worker is
 * busy, no wake-up; the worker writes a batch of them with a few
 * multi-row INSERTs. They are written ahead of the jobs taken with them.
 *
 * Completions go back in one idle source per batch (and per context), not
 * one per request: the caller's loop wakes once for a whole batch, and
 * the callbacks run in the order the requests were made.
 *
 * Failures are defined: a write that fails gets its error in its
 * callback (DISK_FULL, READ_ONLY, CORRUPT, BUSY or FAILED); the store
 * logs one warning when writing starts to fail (and again if the reason
 * changes) and one message when writing works again; the next batch is
 * always tried, so the store recovers by itself when space returns. The
 * worker never stops on an error and never aborts the process.
 *
 * Retention runs in the same thread, between batches: every
 * prune_interval_sec, and when asked, the worker walks the rooms and
 * deletes what is older than max_age_days or beyond max_rows, at most
 * PRUNE_CHUNK rows per transaction, taking queued requests between
 * chunks, so a large prune delays a write by one chunk at most.
 *
 * Threads: the GObject and its public calls belong to the thread that
 * made it (they take the lock only for the queue, limits and counters);
 * the connection belongs to the worker.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "confab-history-db.h"
#include "confab-history-enums.h"
#include "confab-history-latency.h"
#include "confab-history-store.h"

/* The most requests one transaction takes: a commit's cost is spread over
 * this many, and no batch holds the write lock for long. */
#define BATCH_MAX 1024
/* Writes nobody waits for (room messages as they are routed) wait up to
 * this long, or until GROUP_MAX of them are queued, to share a commit: on
 * a busy room each message would otherwise wake the worker and commit
 * alone. A request someone waits for wakes the worker at once. */
#define GROUP_USEC (2 * G_TIME_SPAN_MILLISECOND)
#define GROUP_MAX  BATCH_MAX
/* The most rows one pruning transaction deletes. */
#define PRUNE_CHUNK  1000
#define USEC_PER_DAY (G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC)

typedef enum
{
  JOB_APPEND,
  JOB_OFFLINE_STORE,
  JOB_OFFLINE_ACK,
  JOB_QUERY,
  JOB_OFFLINE_FETCH,
  JOB_PRUNE,
} JobKind;

/* One request: the task's data. The worker fills in the results; the
 * caller's context reads them after the batch has come back. */
typedef struct
{
  JobKind            kind;
  gint64             enqueued_usec; /* monotonic */
  const char        *key;           /* these four point into strings[] */
  const char        *target;
  const char        *sender;
  const char        *text;
  gint64             time_usec;
  ConfabHistoryQuery query;
  gint64             up_to_id;
  GTask             *task; /* (nullable): its caller's, which owns the job;
                            * NULL for a write nobody waits for, which the
                            * queue and the worker own (job_release()) */
  /* results */
  gint64     id;
  guint64    count;
  GPtrArray *rows;  /* (owned) (nullable) */
  GError    *error; /* (owned) (nullable) */
  char       strings[];
} Job;

/* One room message nobody waits for, in a Records buffer. */
typedef struct
{
  gint64  time_usec;
  gint64  enqueued_usec; /* monotonic */
  guint32 size;          /* header and strings, a multiple of 8 */
  guint32 room;          /* offsets into strings[]: the key is at 0 */
  guint32 sender;
  guint32 text;
  guint32 text_len;  /* the lengths SQLite is given, not left to count */
  char    strings[]; /* each NUL-terminated */
} Record;

/* Records one after another: the callers append under the lock, the
 * worker swaps the whole buffer for its empty one, so neither side
 * allocates once the two buffers have grown to the load. */
typedef struct
{
  char *data; /* (owned) (nullable) */
  gsize len;
  gsize cap;
  guint n;
} Records;

struct _ConfabHistoryStore
{
  GObject parent_instance;

  char                      *path; /* (owned) */
  ConfabHistoryStoreFlags    flags;
  ConfabHistoryDb           *db;           /* (owned): the worker's, once it runs */
  ConfabHistoryCheckpointer *checkpointer; /* (owned) (nullable) */
  gboolean                   read_only;
  GThread                   *worker; /* (owned) (nullable) */

  GMutex               lock; /* guards the fields below */
  GCond                wake;
  GQueue               queue;        /* Job (held: job_release()), oldest first */
  Records              records;      /* room messages nobody waits for */
  guint                queue_tasked; /* of those, the ones with a caller waiting */
  ConfabHistoryLimits  limits;
  gboolean             limits_changed;
  gboolean             closing;
  ConfabHistoryStats   counters; /* queue_length and the latency fields unused */
  ConfabHistoryLatency latency;
};

static void confab_history_store_initable_init (GInitableIface *iface);

G_DEFINE_TYPE_WITH_CODE (ConfabHistoryStore, confab_history_store, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, confab_history_store_initable_init))

enum
{
  PROP_0,
  PROP_PATH,
  PROP_FLAGS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

/**
 * confab_history_limits_init:
 *
 * Fills @limits with the defaults.
 */
void
confab_history_limits_init (ConfabHistoryLimits *limits)
{
  g_return_if_fail (limits != NULL);

  *limits = (ConfabHistoryLimits) {
    .replay_max = CONFAB_HISTORY_REPLAY_MAX_DEFAULT,
    .max_age_days = CONFAB_HISTORY_MAX_AGE_DAYS_DEFAULT,
    .max_rows = CONFAB_HISTORY_MAX_ROWS_DEFAULT,
    .offline_max_messages = CONFAB_HISTORY_OFFLINE_MAX_DEFAULT,
    .queue_max = CONFAB_HISTORY_QUEUE_MAX_DEFAULT,
    .prune_interval_sec = CONFAB_HISTORY_PRUNE_INTERVAL_DEFAULT,
  };
}

/* ---- requests ---------------------------------------------------------- */

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->rows, g_ptr_array_unref);
  g_clear_error (&job->error);
  g_free (job);
}

/* A job with copies of the strings, in one allocation with it. */
static Job *
job_new (JobKind     kind,
         const char *key,
         const char *target,
         const char *sender,
         const char *text)
{
  const char *in[4] = { key, target, sender, text };
  gsize       len[4], total = 0;
  const char *out[4] = { NULL };
  Job        *job;
  char       *p;

  for (guint i = 0; i < 4; i++)
    total += (len[i] = in[i] != NULL ? strlen (in[i]) + 1 : 0);
  job = g_malloc0 (sizeof (Job) + total);
  p = job->strings;
  for (guint i = 0; i < 4; i++)
    {
      if (in[i] == NULL)
        continue;
      memcpy (p, in[i], len[i]);
      out[i] = p;
      p += len[i];
    }
  job->kind = kind;
  job->key = out[0];
  job->target = out[1];
  job->sender = out[2];
  job->text = out[3];
  job->enqueued_usec = g_get_monotonic_time ();
  return job;
}

static gboolean
job_is_write (const Job *job)
{
  return job->kind == JOB_APPEND || job->kind == JOB_OFFLINE_STORE;
}

static gboolean
job_changes_file (const Job *job)
{
  return job_is_write (job) || job->kind == JOB_OFFLINE_ACK || job->kind == JOB_PRUNE;
}

/* Whether the batch's transaction runs it (pruning has its own). */
static gboolean
job_in_transaction (const Job *job)
{
  return job_is_write (job) || job->kind == JOB_OFFLINE_ACK;
}

/* Gives @job its caller's task, which then owns it. A request nobody
 * waits for (no callback: the room messages the session records as it
 * routes them) gets none: no GTask, no completion on the caller's
 * context, on the path of every room message. */
static Job *
job_bind (ConfabHistoryStore *self,
          Job                *job,
          gpointer            source_tag,
          GCancellable       *cancellable,
          GAsyncReadyCallback callback,
          gpointer            user_data)
{
  if (callback == NULL && cancellable == NULL)
    return job;
  job->task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (job->task, source_tag);
  g_task_set_task_data (job->task, job, job_free);
  return job;
}

/* Lets go of a job held by the queue or the worker. */
static void
job_release (gpointer data)
{
  Job *job = data;

  /* A pointer array's slot the job was stolen from. */
  if (job == NULL)
    return;
  if (job->task != NULL)
    g_object_unref (job->task);
  else
    job_free (job);
}

/* A request refused before it was queued: its caller hears why. */
static void
job_refuse (Job    *job,
            GError *error)
{
  if (job->task != NULL)
    g_task_return_error (job->task, error);
  else
    g_error_free (error);
  job_release (job);
}

/* The requests waiting: jobs and records. Under the lock. */
static guint
n_waiting (ConfabHistoryStore *self)
{
  return self->queue.length + self->records.n;
}

/* Queues a room message nobody waits for (see Records); one that cannot
 * be queued is dropped, as a refused job with no caller is. Never waits. */
static void
enqueue_record (ConfabHistoryStore *self,
                const char         *key,
                const char         *room,
                const char         *sender,
                const char         *text,
                gint64              time_usec)
{
  gsize   key_len = strlen (key) + 1, room_len = strlen (room) + 1, sender_len = strlen (sender) + 1;
  gsize   text_len = strlen (text);
  gsize   size = (sizeof (Record) + key_len + room_len + sender_len + text_len + 1 + 7) & ~(gsize) 7;
  gint64  now = g_get_monotonic_time ();
  Record *record;
  char   *p;

  if (self->read_only || size > G_MAXUINT32)
    return;

  g_mutex_lock (&self->lock);
  if (self->closing || n_waiting (self) >= self->limits.queue_max)
    {
      self->counters.writes_refused_busy += !self->closing;
      g_mutex_unlock (&self->lock);
      return;
    }
  if (self->records.len + size > self->records.cap)
    {
      self->records.cap = MAX (MAX (self->records.cap * 2, self->records.len + size), 4096);
      self->records.data = g_realloc (self->records.data, self->records.cap);
    }
  record = (Record *) (self->records.data + self->records.len);
  record->time_usec = time_usec;
  record->enqueued_usec = now;
  record->size = (guint32) size;
  p = record->strings;
  memcpy (p, key, key_len);
  record->room = (guint32) key_len;
  memcpy (p + record->room, room, room_len);
  record->sender = record->room + (guint32) room_len;
  memcpy (p + record->sender, sender, sender_len);
  record->text = record->sender + (guint32) sender_len;
  record->text_len = (guint32) text_len;
  memcpy (p + record->text, text, text_len + 1);
  self->records.len += size;
  self->records.n++;
  self->counters.queue_high_water = MAX (self->counters.queue_high_water, n_waiting (self));
  /* As for jobs: the first request and a full group wake the worker. */
  if (n_waiting (self) == 1 || n_waiting (self) == GROUP_MAX)
    g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
}

/* Queues @job (transfer full), or completes it at once with the reason
 * it cannot be: never waits. */
static void
enqueue (ConfabHistoryStore *self,
         Job                *job)
{
  if (self->read_only && job_changes_file (job))
    {
      job_refuse (job, g_error_new (CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY,
                                    _ ("the history was opened read-only: %s cannot be written"), self->path));
      return;
    }

  g_mutex_lock (&self->lock);
  if (self->closing)
    {
      g_mutex_unlock (&self->lock);
      job_refuse (job, g_error_new_literal (CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CLOSED,
                                            _ ("the history store is closed")));
      return;
    }
  if (n_waiting (self) >= self->limits.queue_max)
    {
      guint max = self->limits.queue_max;

      self->counters.writes_refused_busy++;
      g_mutex_unlock (&self->lock);
      job_refuse (job, g_error_new (CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_BUSY,
                                    ngettext ("the history is busy: %u request is waiting already",
                                              "the history is busy: %u requests are waiting already", max),
                                    max));
      return;
    }
  g_queue_push_tail (&self->queue, job);
  self->queue_tasked += job->task != NULL;
  self->counters.queue_high_water = MAX (self->counters.queue_high_water, n_waiting (self));
  /* The worker sleeps on an empty queue, or on one of writes nobody waits
   * for (their window, GROUP_USEC): the first request, the first one
   * somebody waits for and a full group wake it. */
  if (n_waiting (self) == 1 || job->task != NULL || n_waiting (self) == GROUP_MAX)
    g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
}

/* ---- completions, on the callers' contexts ----------------------------- */

typedef struct
{
  ConfabHistoryStore *self;  /* kept alive by the tasks' refs */
  GPtrArray          *tasks; /* (owned): Job (held), each with its task, in request order */
} Completion;

static void
completion_free (gpointer data)
{
  Completion *completion = data;

  g_ptr_array_unref (completion->tasks);
  g_free (completion);
}

static gboolean
complete_cb (gpointer data)
{
  Completion         *completion = data;
  ConfabHistoryStore *self = completion->self;
  gint64              now = g_get_monotonic_time ();

  g_mutex_lock (&self->lock);
  for (guint i = 0; i < completion->tasks->len; i++)
    {
      Job *job = completion->tasks->pdata[i];

      if (job_is_write (job))
        confab_history_latency_add (&self->latency, now - job->enqueued_usec);
    }
  g_mutex_unlock (&self->lock);

  for (guint i = 0; i < completion->tasks->len; i++)
    {
      Job   *job = completion->tasks->pdata[i];
      GTask *task = job->task;

      if (job->error != NULL)
        g_task_return_error (task, g_steal_pointer (&job->error));
      else if (job->kind == JOB_QUERY || job->kind == JOB_OFFLINE_FETCH)
        g_task_return_pointer (task, g_steal_pointer (&job->rows), (GDestroyNotify) g_ptr_array_unref);
      else
        g_task_return_boolean (task, TRUE);
    }
  return G_SOURCE_REMOVE;
}

/* Hands @done (Job, held, each with a task, in order) back to their
 * contexts: one source per run of requests from the same context. Called
 * by the worker. */
static void
dispatch (ConfabHistoryStore *self,
          GPtrArray          *done)
{
  guint start = 0;

  while (start < done->len)
    {
      GMainContext *context = g_task_get_context (((Job *) done->pdata[start])->task);
      Completion   *completion = g_new0 (Completion, 1);
      GSource      *source;
      guint         end = start;

      while (end < done->len && g_task_get_context (((Job *) done->pdata[end])->task) == context)
        end++;
      completion->self = self;
      completion->tasks = g_ptr_array_new_full (end - start, job_release);
      for (guint i = start; i < end; i++)
        g_ptr_array_add (completion->tasks, g_steal_pointer (&done->pdata[i]));
      source = g_idle_source_new ();
      g_source_set_priority (source, G_PRIORITY_DEFAULT);
      g_source_set_callback (source, complete_cb, completion, completion_free);
      g_source_set_static_name (source, "[confab] history completion");
      g_source_attach (source, context);
      g_source_unref (source);
      start = end;
    }
  g_ptr_array_set_size (done, 0);
}

/* ---- the worker ------------------------------------------------------- */

/* The worker's own state, on its stack. */
typedef struct
{
  ConfabHistoryStore *self;
  ConfabHistoryDb    *db;
  ConfabHistoryLimits limits;  /* a copy, taken under the lock */
  GPtrArray          *done;    /* Job (held), with tasks, to dispatch; no free func */
  Records             records; /* taken from the store; empty between batches */
  GArray             *rows;    /* ConfabHistoryDbRoomRow: the records' rows */
  /* The latencies of a batch's writes nobody waits for, merged into the
   * store's under the lock at its end: a few hundred additions there
   * rather than one a row, while the callers wait for the lock. */
  ConfabHistoryLatency latency;
  /* Write failures, for the log: the code now failing (-1: none). */
  int     failing;
  guint64 failed_since;
  /* The pruning pass under way. */
  gboolean   pruning;
  char      *prune_cursor; /* (owned) (nullable): the last room finished */
  char      *prune_room;   /* (owned) (nullable): the room being pruned */
  gint64     prune_older_than;
  guint64    prune_count;   /* rows this pass */
  GPtrArray *prune_waiters; /* Job (held): prune requests */
  gint64     next_prune;    /* monotonic; G_MAXINT64: none planned */
} Worker;

static void
count (Worker  *w,
       guint64 *counter,
       guint64  n)
{
  g_mutex_lock (&w->self->lock);
  *counter += n;
  g_mutex_unlock (&w->self->lock);
}

/* Logs when writing starts failing, or fails for another reason. */
static void
note_failure (Worker       *w,
              const GError *error,
              guint         n_writes)
{
  if (w->failing != error->code)
    g_warning (_ ("History %s: cannot write (%s); messages are not stored until this is resolved"),
               confab_history_db_get_shown_path (w->db), error->message);
  else
    g_debug ("history write failed again: %s", error->message);
  w->failing = error->code;
  w->failed_since += n_writes;
}

static void
note_success (Worker *w)
{
  guint n = (guint) MIN (w->failed_since, G_MAXUINT);

  if (w->failing < 0)
    return;
  g_message (ngettext ("History %s: writing again, after %u failed write",
                       "History %s: writing again, after %u failed writes", n),
             confab_history_db_get_shown_path (w->db), n);
  w->failing = -1;
  w->failed_since = 0;
}

static void
start_prune_pass (Worker *w)
{
  w->pruning = TRUE;
  g_clear_pointer (&w->prune_cursor, g_free);
  g_clear_pointer (&w->prune_room, g_free);
  w->prune_count = 0;
  w->prune_older_than = w->limits.max_age_days > 0
                          ? g_get_real_time () - (gint64) w->limits.max_age_days * USEC_PER_DAY
                          : 0;
}

static void
plan_next_prune (Worker *w)
{
  w->next_prune = w->limits.prune_interval_sec > 0
                    ? g_get_monotonic_time () + (gint64) w->limits.prune_interval_sec * G_USEC_PER_SEC
                    : G_MAXINT64;
}

static void
end_prune_pass (Worker *w,
                GError *error)
{
  for (guint i = 0; i < w->prune_waiters->len; i++)
    {
      Job *job = g_steal_pointer (&w->prune_waiters->pdata[i]);

      job->count = w->prune_count;
      if (error != NULL)
        job->error = g_error_copy (error);
      if (job->task != NULL)
        g_ptr_array_add (w->done, job);
      else
        job_release (job);
    }
  g_ptr_array_set_size (w->prune_waiters, 0);
  if (w->prune_count > 0)
    g_debug ("history pruned %" G_GUINT64_FORMAT " rows", w->prune_count);
  w->pruning = FALSE;
  g_clear_pointer (&w->prune_cursor, g_free);
  g_clear_pointer (&w->prune_room, g_free);
  plan_next_prune (w);
  g_clear_error (&error);
}

/* One transaction of the pruning pass: at most PRUNE_CHUNK rows. */
static void
prune_step (Worker *w)
{
  g_autoptr(GError) error = NULL;
  guint n = 0;

  if (w->limits.max_age_days == 0 && w->limits.max_rows == 0)
    {
      end_prune_pass (w, NULL);
      return;
    }
  if (w->prune_room == NULL)
    {
      if (!confab_history_db_next_room (w->db, w->prune_cursor, &w->prune_room, &error))
        {
          end_prune_pass (w, g_steal_pointer (&error));
          return;
        }
      if (w->prune_room == NULL)
        {
          end_prune_pass (w, NULL);
          return;
        }
    }
  if (!confab_history_db_begin (w->db, &error) ||
      !confab_history_db_prune_room (w->db, w->prune_room, w->prune_older_than, w->limits.max_rows,
                                     PRUNE_CHUNK, &n, &error) ||
      !confab_history_db_commit (w->db, &error))
    {
      confab_history_db_rollback (w->db);
      note_failure (w, error, 0);
      end_prune_pass (w, g_steal_pointer (&error));
      return;
    }
  note_success (w);
  w->prune_count += n;
  count (w, &w->self->counters.rows_pruned, n);
  /* A full chunk: the room may have more to go. */
  if (n < PRUNE_CHUNK)
    {
      g_free (w->prune_cursor);
      w->prune_cursor = g_steal_pointer (&w->prune_room);
    }
}

/* Runs one write of the batch's transaction. Returns FALSE with @error
 * when the transaction cannot go on; a refusal of this one write alone
 * (OFFLINE_FULL) is the job's error, and TRUE. */
static gboolean
run_write (Worker  *w,
           Job     *job,
           GError **error)
{
  g_autoptr(GError) local_error = NULL;

  switch (job->kind)
    {
    case JOB_APPEND:
      return confab_history_db_insert_room (w->db, job->key, job->target, job->sender, job->time_usec,
                                            job->text, &job->id, error);
    case JOB_OFFLINE_STORE:
      if (confab_history_db_insert_offline (w->db, job->key, job->target, job->sender, job->time_usec,
                                            job->text, w->limits.offline_max_messages, &job->id,
                                            &local_error))
        return TRUE;
      if (!g_error_matches (local_error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_OFFLINE_FULL))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      job->error = g_steal_pointer (&local_error);
      return TRUE;
    case JOB_OFFLINE_ACK:
      return confab_history_db_ack_offline (w->db, job->key, job->up_to_id, &job->count, error);
    case JOB_QUERY:
    case JOB_OFFLINE_FETCH:
    case JOB_PRUNE:
    default:
      return TRUE;
    }
}

static void
run_read (Worker *w,
          Job    *job)
{
  guint limit;

  /* A caller that has gone (its connection closed) is not read for. */
  if (job->task == NULL || g_cancellable_is_cancelled (g_task_get_cancellable (job->task)))
    return;
  if (job->kind == JOB_OFFLINE_FETCH)
    {
      job->rows = confab_history_db_fetch_offline (w->db, job->key, &job->error);
      return;
    }
  limit = job->query.limit == 0 ? w->limits.replay_max : MIN (job->query.limit, w->limits.replay_max);
  if (limit == 0)
    job->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_history_row_free);
  else
    job->rows = confab_history_db_query_room (w->db, job->key, &job->query, limit, &job->error);
}

/* The rows of the records taken, for the INSERTs; the strings stay in
 * the records. */
static void
collect_record_rows (Worker *w)
{
  g_array_set_size (w->rows, 0);
  for (gsize offset = 0; offset < w->records.len;)
    {
      const Record          *record = (const Record *) (w->records.data + offset);
      ConfabHistoryDbRoomRow row = {
        .room_key = record->strings,
        .room = record->strings + record->room,
        .sender = record->strings + record->sender,
        .text = record->strings + record->text,
        .time_usec = record->time_usec,
        .room_len = (int) (record->sender - record->room - 1),
        .sender_len = (int) (record->text - record->sender - 1),
        .text_len = (int) record->text_len,
      };

      g_array_append_val (w->rows, row);
      offset += record->size;
    }
}

static void
run_batch (Worker    *w,
           GPtrArray *batch)
{
  g_autoptr(GError) error = NULL;
  ConfabHistoryStats      delta = { 0 };
  ConfabHistoryDbRoomRow *rows = NULL;
  guint                   n_rows = w->records.n, n_alone = 0, n_changes;
  gint64                  now;

  if (n_rows > 0)
    {
      collect_record_rows (w);
      rows = (ConfabHistoryDbRoomRow *) (void *) w->rows->data;
    }
  /* Records beyond BATCH_MAX go first, in transactions of their own: no
   * transaction holds the write lock for long. */
  while (n_rows - n_alone > BATCH_MAX)
    {
      g_autoptr(GError) chunk_error = NULL;

      if (!confab_history_db_begin (w->db, &chunk_error) ||
          !confab_history_db_insert_rooms (w->db, rows + n_alone, BATCH_MAX, &chunk_error) ||
          !confab_history_db_commit (w->db, &chunk_error))
        {
          confab_history_db_rollback (w->db);
          note_failure (w, chunk_error, BATCH_MAX);
          delta.write_errors += BATCH_MAX;
        }
      else
        {
          note_success (w);
          delta.transactions++;
          delta.rows_written += BATCH_MAX;
        }
      n_alone += BATCH_MAX;
    }

  n_changes = n_rows - n_alone;
  for (guint i = 0; i < batch->len; i++)
    n_changes += job_in_transaction (batch->pdata[i]);

  if (n_changes > 0)
    {
      if (confab_history_db_begin (w->db, &error))
        {
          if (n_rows > n_alone)
            confab_history_db_insert_rooms (w->db, rows + n_alone, n_rows - n_alone, &error);
          for (guint i = 0; i < batch->len && error == NULL; i++)
            run_write (w, batch->pdata[i], &error);
          if (error == NULL)
            confab_history_db_commit (w->db, &error);
        }
      if (error != NULL)
        {
          confab_history_db_rollback (w->db);
          note_failure (w, error, n_changes);
        }
      else
        {
          note_success (w);
          delta.transactions++;
        }
    }

  now = g_get_monotonic_time ();
  for (guint i = 0; i < batch->len; i++)
    {
      Job *job = batch->pdata[i];

      switch (job->kind)
        {
        case JOB_APPEND:
        case JOB_OFFLINE_STORE:
        case JOB_OFFLINE_ACK:
          if (error != NULL)
            {
              /* The whole transaction is gone, refusals in it too. */
              g_clear_error (&job->error);
              job->error = g_error_copy (error);
              job->id = 0;
              job->count = 0;
              delta.write_errors += job_is_write (job);
            }
          else if (job->kind == JOB_OFFLINE_ACK)
            delta.offline_delivered += job->count;
          else if (job->error != NULL)
            delta.offline_refused++;
          else
            {
              delta.rows_written++;
              delta.offline_stored += job->kind == JOB_OFFLINE_STORE;
            }
          /* Nobody waits for it: done at the commit, which is when its
           * latency ends. */
          if (job->task == NULL)
            {
              if (job_is_write (job))
                confab_history_latency_add (&w->latency, now - job->enqueued_usec);
              job_release (g_steal_pointer (&batch->pdata[i]));
            }
          else
            g_ptr_array_add (w->done, g_steal_pointer (&batch->pdata[i]));
          break;
        case JOB_QUERY:
        case JOB_OFFLINE_FETCH:
          run_read (w, job);
          if (job->task == NULL)
            job_release (g_steal_pointer (&batch->pdata[i]));
          else
            g_ptr_array_add (w->done, g_steal_pointer (&batch->pdata[i]));
          break;
        case JOB_PRUNE:
        default:
          /* It completes when a whole pass has run from the start. */
          g_ptr_array_add (w->prune_waiters, g_steal_pointer (&batch->pdata[i]));
          start_prune_pass (w);
          break;
        }
    }
  g_ptr_array_set_size (batch, 0);
  if (error != NULL)
    delta.write_errors += n_rows - n_alone;
  else
    delta.rows_written += n_rows - n_alone;

  /* A record's latency ends at the commit too. */
  for (gsize offset = 0; offset < w->records.len;)
    {
      const Record *record = (const Record *) (w->records.data + offset);

      confab_history_latency_add (&w->latency, now - record->enqueued_usec);
      offset += record->size;
    }

  g_mutex_lock (&w->self->lock);
  w->self->counters.rows_written += delta.rows_written;
  w->self->counters.write_errors += delta.write_errors;
  w->self->counters.transactions += delta.transactions;
  w->self->counters.offline_stored += delta.offline_stored;
  w->self->counters.offline_delivered += delta.offline_delivered;
  w->self->counters.offline_refused += delta.offline_refused;
  if (w->latency.n > 0)
    confab_history_latency_merge (&w->self->latency, &w->latency);
  g_mutex_unlock (&w->self->lock);
  if (w->latency.n > 0)
    memset (&w->latency, 0, sizeof w->latency);
  w->records.len = 0;
  w->records.n = 0;
}

static gpointer
worker_main (gpointer data)
{
  ConfabHistoryStore *self = data;
  /* batch and done hand their refs on, so they free none themselves. */
  g_autoptr(GPtrArray) batch = g_ptr_array_sized_new (BATCH_MAX);
  Worker w = {
    .self = self,
    .db = self->db,
    .done = g_ptr_array_new (),
    .failing = -1,
    .prune_waiters = g_ptr_array_new_with_free_func (job_release),
    .rows = g_array_new (FALSE, FALSE, sizeof (ConfabHistoryDbRoomRow)),
  };

  g_mutex_lock (&self->lock);
  w.limits = self->limits;
  g_mutex_unlock (&self->lock);
  /* The first pass soon after opening: a daemon restarted more often than
   * the interval still prunes. */
  w.next_prune = w.limits.prune_interval_sec > 0 ? g_get_monotonic_time () : G_MAXINT64;

  for (;;)
    {
      gboolean stop = FALSE, prune = FALSE;

      g_mutex_lock (&self->lock);
      for (;;)
        {
          if (self->limits_changed)
            {
              gboolean interval_changed = w.limits.prune_interval_sec != self->limits.prune_interval_sec;

              w.limits = self->limits;
              self->limits_changed = FALSE;
              if (interval_changed && !w.pruning)
                plan_next_prune (&w);
            }
          if (n_waiting (self) > 0)
            {
              const Job *oldest = g_queue_peek_head (&self->queue);
              gint64     due = G_MAXINT64;

              if (oldest != NULL)
                due = oldest->enqueued_usec;
              if (self->records.n > 0)
                due = MIN (due, ((const Record *) (void *) self->records.data)->enqueued_usec);
              due += GROUP_USEC;
              if (self->queue_tasked > 0 || n_waiting (self) >= GROUP_MAX || self->closing ||
                  g_get_monotonic_time () >= due)
                break;
              g_cond_wait_until (&self->wake, &self->lock, due);
              continue;
            }
          if (self->closing)
            {
              stop = TRUE;
              break;
            }
          if (w.pruning)
            {
              prune = TRUE;
              break;
            }
          if (!self->read_only && g_get_monotonic_time () >= w.next_prune)
            {
              start_prune_pass (&w);
              prune = TRUE;
              break;
            }
          if (w.next_prune == G_MAXINT64 || self->read_only)
            g_cond_wait (&self->wake, &self->lock);
          else
            g_cond_wait_until (&self->wake, &self->lock, w.next_prune);
        }
      while (self->queue.length > 0 && batch->len < BATCH_MAX)
        {
          Job *job = g_queue_pop_head (&self->queue);

          self->queue_tasked -= job->task != NULL;
          g_ptr_array_add (batch, job);
        }
      if (self->records.n > 0)
        {
          Records taken = self->records;

          self->records = w.records;
          w.records = taken;
        }
      g_mutex_unlock (&self->lock);

      if (stop)
        break;
      if (batch->len > 0 || w.records.n > 0)
        run_batch (&w, batch);
      else if (prune)
        prune_step (&w);
      if (w.done->len > 0)
        dispatch (self, w.done);
    }

  /* Closing: a pass under way ends here; whoever asked for it gets what
   * it pruned so far. */
  if (w.prune_waiters->len > 0)
    end_prune_pass (&w, NULL);
  if (w.done->len > 0)
    dispatch (self, w.done);
  g_ptr_array_unref (w.done);
  g_ptr_array_unref (w.prune_waiters);
  g_array_unref (w.rows);
  g_free (w.records.data);
  g_free (w.prune_cursor);
  g_free (w.prune_room);
  return NULL;
}

/* ---- the object ------------------------------------------------------- */

static gboolean
confab_history_store_initable_init_impl (GInitable    *initable,
                                         GCancellable *cancellable,
                                         GError      **error)
{
  ConfabHistoryStore *self = CONFAB_HISTORY_STORE (initable);

  g_return_val_if_fail (self->path != NULL, FALSE);

  /* Opened here, in the caller's thread, so that an unusable file is
   * refused at once; from now on only the worker touches it. */
  self->db = confab_history_db_open (self->path, (self->flags & CONFAB_HISTORY_STORE_SYNC_FULL) != 0, error);
  if (self->db == NULL)
    return FALSE;
  self->read_only = confab_history_db_is_read_only (self->db);
  if (self->read_only)
    g_message (_ ("History %s is read-only: history can be read, nothing new is stored"),
               confab_history_db_get_shown_path (self->db));
  else
    {
      g_autoptr(GError) local_error = NULL;

      self->checkpointer = confab_history_checkpointer_new (self->path, &local_error);
      if (self->checkpointer != NULL)
        confab_history_db_set_checkpointer (self->db, self->checkpointer);
      else
        g_debug ("history checkpoints stay in the writer: %s", local_error->message);
    }
  self->worker = g_thread_new ("confab-history", worker_main, self);
  return TRUE;
}

static void
confab_history_store_initable_init (GInitableIface *iface)
{
  iface->init = confab_history_store_initable_init_impl;
}

/**
 * confab_history_store_close:
 *
 * Refuses new requests (%CONFAB_HISTORY_ERROR_CLOSED), lets the worker
 * write everything already queued, and waits for it to finish: this
 * blocks, for as long as the queue takes (at shutdown, where nothing
 * accepted may be lost). The completions are still delivered on their
 * contexts when those run. Safe to call more than once.
 */
void
confab_history_store_close (ConfabHistoryStore *self)
{
  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));

  g_mutex_lock (&self->lock);
  self->closing = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
  if (self->worker != NULL)
    g_thread_join (g_steal_pointer (&self->worker));
  /* No commit can ask for a checkpoint any more. Whichever connection
   * closes last checkpoints the WAL and removes it. */
  g_clear_pointer (&self->checkpointer, confab_history_checkpointer_free);
  g_clear_pointer (&self->db, confab_history_db_free);
}

static void
confab_history_store_dispose (GObject *object)
{
  ConfabHistoryStore *self = CONFAB_HISTORY_STORE (object);

  /* Every queued task holds a ref on the store, so the queue is empty
   * by now. */
  confab_history_store_close (self);
  G_OBJECT_CLASS (confab_history_store_parent_class)->dispose (object);
}

static void
confab_history_store_finalize (GObject *object)
{
  ConfabHistoryStore *self = CONFAB_HISTORY_STORE (object);

  g_free (self->path);
  g_free (self->records.data);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->wake);
  G_OBJECT_CLASS (confab_history_store_parent_class)->finalize (object);
}

static void
confab_history_store_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  ConfabHistoryStore *self = CONFAB_HISTORY_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      self->path = g_value_dup_string (value);
      break;
    case PROP_FLAGS:
      self->flags = g_value_get_flags (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_history_store_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  ConfabHistoryStore *self = CONFAB_HISTORY_STORE (object);

  switch (prop_id)
    {
    case PROP_PATH:
      g_value_set_string (value, self->path);
      break;
    case PROP_FLAGS:
      g_value_set_flags (value, self->flags);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_history_store_class_init (ConfabHistoryStoreClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_history_store_dispose;
  object_class->finalize = confab_history_store_finalize;
  object_class->set_property = confab_history_store_set_property;
  object_class->get_property = confab_history_store_get_property;

  props[PROP_PATH] = g_param_spec_string ("path", NULL, NULL, NULL,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_FLAGS] = g_param_spec_flags ("flags", NULL, NULL, CONFAB_TYPE_HISTORY_STORE_FLAGS,
                                          CONFAB_HISTORY_STORE_NONE,
                                          G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);
}

static void
confab_history_store_init (ConfabHistoryStore *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->wake);
  g_queue_init (&self->queue);
  confab_history_limits_init (&self->limits);
}

/**
 * confab_history_store_new:
 * @path: the database file; created (with its directory's permissions)
 *   if absent
 * @limits: (nullable): the limits, %NULL for the defaults
 * @flags: durability, see #ConfabHistoryStoreFlags
 * @error: why the file cannot be used: %CONFAB_HISTORY_ERROR_CORRUPT
 *   (garbage or a truncated file), _VERSION (a newer schema), _FOREIGN
 *   (another program's database), _READ_ONLY (cannot be created, or
 *   cannot be migrated), _FAILED; the file is left as it is
 *
 * Opens the history and starts its worker. A file that can be read but
 * not written opens read-only (confab_history_store_is_read_only()):
 * queries work, writes fail with %CONFAB_HISTORY_ERROR_READ_ONLY.
 *
 * Returns: (transfer full) (nullable): the store
 */
ConfabHistoryStore *
confab_history_store_new (const char                *path,
                          const ConfabHistoryLimits *limits,
                          ConfabHistoryStoreFlags    flags,
                          GError                   **error)
{
  g_autoptr(ConfabHistoryStore) self = NULL;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CONFAB_TYPE_HISTORY_STORE, "path", path, "flags", flags, NULL);
  /* Before init, which starts the worker with them. */
  if (limits != NULL)
    self->limits = *limits;
  if (!g_initable_init (G_INITABLE (self), NULL, error))
    return NULL;
  return g_steal_pointer (&self);
}

/**
 * confab_history_store_set_limits:
 *
 * Replaces the limits (on SIGHUP); requests already queued see the new
 * ones too. A lower max_rows or max_age_days applies at the next pass.
 */
void
confab_history_store_set_limits (ConfabHistoryStore        *self,
                                 const ConfabHistoryLimits *limits)
{
  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (limits != NULL);

  g_mutex_lock (&self->lock);
  self->limits = *limits;
  self->limits_changed = TRUE;
  g_cond_signal (&self->wake);
  g_mutex_unlock (&self->lock);
}

gboolean
confab_history_store_is_read_only (ConfabHistoryStore *self)
{
  g_return_val_if_fail (CONFAB_IS_HISTORY_STORE (self), FALSE);

  return self->read_only;
}

/**
 * confab_history_store_get_stats:
 * @stats: (out caller-allocates): the counters now
 */
void
confab_history_store_get_stats (ConfabHistoryStore *self,
                                ConfabHistoryStats *stats)
{
  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (stats != NULL);

  g_mutex_lock (&self->lock);
  *stats = self->counters;
  stats->queue_length = n_waiting (self);
  stats->write_latency_count = self->latency.n;
  stats->write_latency_p50_usec = confab_history_latency_percentile (&self->latency, 50);
  stats->write_latency_p99_usec = confab_history_latency_percentile (&self->latency, 99);
  stats->write_latency_max_usec = self->latency.max_usec;
  g_mutex_unlock (&self->lock);
}

/* ---- the requests ----------------------------------------------------- */

/**
 * confab_history_store_append_async:
 * @room_key: the room's name key, for lookups
 * @room: the room's display name
 * @sender: the sender's display name
 * @text: the message
 * @time_usec: its server time (Unix µs), as delivered to the members
 *
 * Stores a room message. @callback runs on the calling thread's context
 * once the row is committed (or has failed): only then may anyone be told
 * it is stored. A write cannot be cancelled.
 */
void
confab_history_store_append_async (ConfabHistoryStore *self,
                                   const char         *room_key,
                                   const char         *room,
                                   const char         *sender,
                                   const char         *text,
                                   gint64              time_usec,
                                   GAsyncReadyCallback callback,
                                   gpointer            user_data)
{
  Job *job;

  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (room_key != NULL && room != NULL && sender != NULL && text != NULL);

  if (callback == NULL)
    {
      enqueue_record (self, room_key, room, sender, text, time_usec);
      return;
    }
  job = job_new (JOB_APPEND, room_key, room, sender, text);
  job->time_usec = time_usec;
  enqueue (self, job_bind (self, job, confab_history_store_append_async, NULL, callback, user_data));
}

static gboolean
finish_write (ConfabHistoryStore *self,
              GAsyncResult       *result,
              gpointer            source_tag,
              gint64             *id,
              guint64            *n,
              GError            **error)
{
  Job *job;

  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == source_tag, FALSE);

  job = g_task_get_task_data (G_TASK (result));
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return FALSE;
  if (id != NULL)
    *id = job->id;
  if (n != NULL)
    *n = job->count;
  return TRUE;
}

/**
 * confab_history_store_append_finish:
 * @id: (out) (optional): the new row's id (confab_history_msgid_from_id()
 *   makes its msgid)
 * @error: %CONFAB_HISTORY_ERROR_BUSY (queue full), _DISK_FULL,
 *   _READ_ONLY, _CORRUPT, _CLOSED or _FAILED
 *
 * Returns: whether the message is stored
 */
gboolean
confab_history_store_append_finish (ConfabHistoryStore *self,
                                    GAsyncResult       *result,
                                    gint64             *id,
                                    GError            **error)
{
  return finish_write (self, result, confab_history_store_append_async, id, NULL, error);
}

/**
 * confab_history_store_query_async:
 * @room_key: the room's name key
 * @query: which messages; see #ConfabHistoryQuery
 * @cancellable: (nullable): cancelled when the asker has gone
 *
 * Reads a room's history.
 */
void
confab_history_store_query_async (ConfabHistoryStore       *self,
                                  const char               *room_key,
                                  const ConfabHistoryQuery *query,
                                  GCancellable             *cancellable,
                                  GAsyncReadyCallback       callback,
                                  gpointer                  user_data)
{
  Job *job;

  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (room_key != NULL && query != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = job_new (JOB_QUERY, room_key, NULL, NULL, NULL);
  job->query = *query;
  enqueue (self, job_bind (self, job, confab_history_store_query_async, cancellable, callback, user_data));
}

/**
 * confab_history_store_query_finish:
 * @error: %CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE (an unknown anchor id),
 *   _BUSY, _CORRUPT, _CLOSED, _FAILED, or %G_IO_ERROR_CANCELLED
 *
 * Returns: (transfer full) (element-type ConfabHistoryRow): the rows,
 *   oldest first, at most the limit asked for and replay_max; @target is
 *   the room's display name as each message was stored with
 */
GPtrArray *
confab_history_store_query_finish (ConfabHistoryStore *self,
                                   GAsyncResult       *result,
                                   GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == confab_history_store_query_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_history_store_offline_store_async:
 * @recipient_key: the account name's key
 * @recipient: the recipient as the sender wrote it
 *
 * Stores a message for an account that is not connected. As with
 * confab_history_store_append_async(), the sender may be told
 * `stored for NAME` only from @callback, when it succeeded.
 */
void
confab_history_store_offline_store_async (ConfabHistoryStore *self,
                                          const char         *recipient_key,
                                          const char         *recipient,
                                          const char         *sender,
                                          const char         *text,
                                          gint64              time_usec,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  Job *job;

  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (recipient_key != NULL && recipient != NULL && sender != NULL && text != NULL);

  job = job_new (JOB_OFFLINE_STORE, recipient_key, recipient, sender, text);
  job->time_usec = time_usec;
  enqueue (self, job_bind (self, job, confab_history_store_offline_store_async, NULL, callback, user_data));
}

/**
 * confab_history_store_offline_store_finish:
 * @id: (out) (optional): the stored message's id
 * @error: %CONFAB_HISTORY_ERROR_OFFLINE_FULL (offline_max_messages are
 *   waiting for that recipient), or as for appending
 *
 * Returns: whether the message is stored
 */
gboolean
confab_history_store_offline_store_finish (ConfabHistoryStore *self,
                                           GAsyncResult       *result,
                                           gint64             *id,
                                           GError            **error)
{
  return finish_write (self, result, confab_history_store_offline_store_async, id, NULL, error);
}

/**
 * confab_history_store_offline_fetch_async:
 * @recipient_key: the account name's key
 *
 * Reads the messages waiting for a recipient who has logged in. They stay
 * stored until confab_history_store_offline_ack_async() says they were
 * delivered: a crash between the two delivers them again at the next
 * login rather than losing them (at least once, in order).
 */
void
confab_history_store_offline_fetch_async (ConfabHistoryStore *self,
                                          const char         *recipient_key,
                                          GCancellable       *cancellable,
                                          GAsyncReadyCallback callback,
                                          gpointer            user_data)
{
  Job *job;

  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (recipient_key != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  job = job_new (JOB_OFFLINE_FETCH, recipient_key, NULL, NULL, NULL);
  enqueue (self, job_bind (self, job, confab_history_store_offline_fetch_async, cancellable, callback, user_data));
}

/**
 * confab_history_store_offline_fetch_finish:
 *
 * Returns: (transfer full) (element-type ConfabHistoryRow): the waiting
 *   messages in the order they were stored; @target is the recipient as
 *   each sender wrote it
 */
GPtrArray *
confab_history_store_offline_fetch_finish (ConfabHistoryStore *self,
                                           GAsyncResult       *result,
                                           GError            **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == confab_history_store_offline_fetch_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * confab_history_store_offline_ack_async:
 * @recipient_key: the account name's key
 * @up_to_id: the id of the last message delivered; it and every earlier
 *   one for this recipient are deleted (messages stored since the fetch
 *   have larger ids and stay)
 */
void
confab_history_store_offline_ack_async (ConfabHistoryStore *self,
                                        const char         *recipient_key,
                                        gint64              up_to_id,
                                        GAsyncReadyCallback callback,
                                        gpointer            user_data)
{
  Job *job;

  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));
  g_return_if_fail (recipient_key != NULL);

  job = job_new (JOB_OFFLINE_ACK, recipient_key, NULL, NULL, NULL);
  job->up_to_id = up_to_id;
  enqueue (self, job_bind (self, job, confab_history_store_offline_ack_async, NULL, callback, user_data));
}

/**
 * confab_history_store_offline_ack_finish:
 * @n_deleted: (out) (optional): how many messages were deleted
 */
gboolean
confab_history_store_offline_ack_finish (ConfabHistoryStore *self,
                                         GAsyncResult       *result,
                                         guint64            *n_deleted,
                                         GError            **error)
{
  return finish_write (self, result, confab_history_store_offline_ack_async, NULL, n_deleted, error);
}

/**
 * confab_history_store_prune_async:
 *
 * Runs a pruning pass now (max_age_days, max_rows), in chunks between
 * other requests; @callback runs when it has gone through every room.
 */
void
confab_history_store_prune_async (ConfabHistoryStore *self,
                                  GAsyncReadyCallback callback,
                                  gpointer            user_data)
{
  g_return_if_fail (CONFAB_IS_HISTORY_STORE (self));

  enqueue (self, job_bind (self, job_new (JOB_PRUNE, NULL, NULL, NULL, NULL),
                           confab_history_store_prune_async, NULL, callback, user_data));
}

/**
 * confab_history_store_prune_finish:
 * @n_pruned: (out) (optional): the rows this pass deleted
 */
gboolean
confab_history_store_prune_finish (ConfabHistoryStore *self,
                                   GAsyncResult       *result,
                                   guint64            *n_pruned,
                                   GError            **error)
{
  return finish_write (self, result, confab_history_store_prune_async, NULL, n_pruned, error);
}
