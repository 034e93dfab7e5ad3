/* confab-history-bench.c: how many rows a second the history store
 * sustains, and how long a write waits for its completion.
 *
 *   confab-history-bench [--rows N] [--rooms R] [--rate ROWS_PER_SEC]
 *                        [--runs K] [--text-bytes B] [--dir DIR] [--sync-full]
 *                        [--unwaited]
 *
 * It drives the store as confabd will: appends from the main loop, each
 * to one of R rooms in turn, and the latency of a write is taken from the
 * call to the start of its completion callback on that loop (when the
 * daemon would tell the sender "stored"). With --rate 0 (the default) it
 * appends as fast as the queue accepts: it keeps queue_max writes in
 * flight, topping up from the loop, so the worker is never idle and the
 * queue never refuses. With --rate it appends on a schedule (open loop,
 * checked every millisecond), which gives the latency at that load.
 *
 * With --unwaited the appends have no callback, as the daemon records
 * room messages: nobody waits for them, and they take the store's path
 * for those (packed, not jobs). Then rows/s runs to the completion of a
 * query queued behind the last append, at most queue_max are queued at
 * once (the queue's length is checked every 64 appends), and the
 * latencies are the store's own histogram's (from the call to the
 * commit, within 12.5 %).
 *
 * Each run writes a new database file in DIR (default: a new directory in
 * the temporary directory, removed afterwards). It prints one line per
 * run and one "RESULT" line with the median over the runs of rows/s (all
 * rows over the time from the first append to the last completion) and
 * of p50, p99 and max latency (exact, from every write's sample).
 * Exit status: 0, or 1 if a write failed or a run took longer than
 * --timeout.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gstdio.h>

#include "confab-history-store.h"

typedef struct
{
  /* options */
  guint    rows;
  guint    rooms;
  guint    rate;
  guint    text_bytes;
  guint    timeout_sec;
  gboolean sync_full;
  gboolean unwaited;
  /* the run */
  ConfabHistoryStore *store;
  GMainLoop          *loop;
  char              **room_names; /* (owned) */
  char               *text;       /* (owned) */
  guint               window;
  guint               sent;
  guint               completed;
  guint               failed;
  gint64              start_usec;
  gint64              end_usec;
  gint64             *latencies; /* (owned): rows entries */
  gint64             *sent_at;   /* (owned): rows entries */
  gboolean            timed_out;
} Bench;

typedef struct
{
  double rows_per_sec;
  gint64 p50, p99, max;
} RunResult;

static void top_up (Bench *b);

/* Unwaited: every row is written once this query, queued behind the
 * last append, has its answer. */
static void
barrier_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  Bench *b = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = confab_history_store_query_finish (CONFAB_HISTORY_STORE (source), result, &error);

  if (rows == NULL && b->failed++ == 0)
    g_printerr ("confab-history-bench: the last query: %s\n", error->message);
  b->completed = b->rows;
  b->end_usec = g_get_monotonic_time ();
  g_main_loop_quit (b->loop);
}

static void
send_barrier (Bench *b)
{
  ConfabHistoryQuery q = { .limit = 1 };

  confab_history_store_query_async (b->store, b->room_names[0], &q, NULL, barrier_cb, b);
}

static void
appended_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Bench *b = user_data;
  g_autoptr(GError) error = NULL;
  /* Completions come back in the order of the appends. */
  guint index = b->completed++;

  b->latencies[index] = g_get_monotonic_time () - b->sent_at[index];
  if (!confab_history_store_append_finish (CONFAB_HISTORY_STORE (source), result, NULL, &error))
    {
      if (b->failed++ == 0)
        g_printerr ("confab-history-bench: append %u: %s\n", index, error->message);
    }
  if (b->completed == b->rows)
    {
      b->end_usec = g_get_monotonic_time ();
      g_main_loop_quit (b->loop);
    }
  else if (b->rate == 0)
    top_up (b);
}

static void
append_one (Bench *b)
{
  guint index = b->sent++;

  b->sent_at[index] = g_get_monotonic_time ();
  confab_history_store_append_async (b->store, b->room_names[index % b->rooms], b->room_names[index % b->rooms],
                                     "bench", b->text, g_get_real_time (), b->unwaited ? NULL : appended_cb, b);
  if (b->unwaited && b->sent == b->rows)
    send_barrier (b);
}

/* Unwaited, as fast as the queue accepts: while it has room, every
 * millisecond. */
static gboolean
fill_cb (gpointer user_data)
{
  Bench *b = user_data;

  while (b->sent < b->rows)
    {
      if (b->sent % 64 == 0)
        {
          ConfabHistoryStats stats;

          confab_history_store_get_stats (b->store, &stats);
          if (stats.queue_length + 64 > b->window)
            return G_SOURCE_CONTINUE;
        }
      append_one (b);
    }
  return G_SOURCE_REMOVE;
}

/* As fast as the queue accepts: keep a full window in flight. */
static void
top_up (Bench *b)
{
  while (b->sent < b->rows && b->sent - b->completed < b->window)
    append_one (b);
}

/* On a schedule: what is due by now, every tick. */
static gboolean
tick_cb (gpointer user_data)
{
  Bench *b = user_data;
  gint64 elapsed = g_get_monotonic_time () - b->start_usec;
  guint  due = (guint) MIN ((guint64) b->rows, (guint64) elapsed * b->rate / G_USEC_PER_SEC + 1);

  while (b->sent < due)
    append_one (b);
  return b->sent < b->rows ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

static gboolean
timeout_cb (gpointer user_data)
{
  Bench *b = user_data;

  b->timed_out = TRUE;
  g_main_loop_quit (b->loop);
  return G_SOURCE_REMOVE;
}

static int
compare_int64 (gconstpointer a,
               gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return x < y ? -1 : x > y;
}

/* The nearest-rank percentile of sorted @v. */
static gint64
percentile (const gint64 *v,
            guint         n,
            double        percent)
{
  guint rank = (guint) (percent / 100.0 * n + 0.999999);

  return v[CLAMP (rank, 1, n) - 1];
}

static gboolean
run_once (Bench      *b,
          const char *path,
          RunResult  *out)
{
  g_autoptr(GError) error = NULL;
  ConfabHistoryLimits limits;
  ConfabHistoryStats  stats;
  guint               timeout_id, tick_id = 0, fill_id = 0;

  confab_history_limits_init (&limits);
  limits.prune_interval_sec = 0; /* measure writing alone */
  b->store = confab_history_store_new (path, &limits, b->sync_full ? CONFAB_HISTORY_STORE_SYNC_FULL : CONFAB_HISTORY_STORE_NONE,
                                       &error);
  if (b->store == NULL)
    {
      g_printerr ("confab-history-bench: %s\n", error->message);
      return FALSE;
    }
  b->window = limits.queue_max;
  b->sent = b->completed = b->failed = 0;
  b->timed_out = FALSE;
  b->loop = g_main_loop_new (NULL, FALSE);
  timeout_id = g_timeout_add_seconds (b->timeout_sec, timeout_cb, b);
  b->start_usec = g_get_monotonic_time ();
  if (b->rate != 0)
    tick_id = g_timeout_add (1, tick_cb, b);
  else if (b->unwaited)
    {
      if (fill_cb (b))
        fill_id = g_timeout_add (1, fill_cb, b);
    }
  else
    top_up (b);
  g_main_loop_run (b->loop);
  if (!b->timed_out)
    g_source_remove (timeout_id);
  if (tick_id != 0 && b->sent < b->rows)
    g_source_remove (tick_id);
  if (fill_id != 0 && b->sent < b->rows)
    g_source_remove (fill_id);

  confab_history_store_get_stats (b->store, &stats);
  confab_history_store_close (b->store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_clear_object (&b->store);
  g_clear_pointer (&b->loop, g_main_loop_unref);

  if (b->timed_out)
    {
      g_printerr ("confab-history-bench: timed out after %u s with %u of %u rows\n", b->timeout_sec, b->completed,
                  b->rows);
      return FALSE;
    }
  out->rows_per_sec = (double) b->rows * G_USEC_PER_SEC / (double) MAX (b->end_usec - b->start_usec, 1);
  if (b->unwaited)
    {
      /* Dropped ones would not be written: a run with any is a failure. */
      b->failed += (guint) stats.writes_refused_busy + (guint) stats.write_errors;
      out->p50 = stats.write_latency_p50_usec;
      out->p99 = stats.write_latency_p99_usec;
      out->max = stats.write_latency_max_usec;
    }
  else
    {
      qsort (b->latencies, b->rows, sizeof (gint64), compare_int64);
      out->p50 = percentile (b->latencies, b->rows, 50);
      out->p99 = percentile (b->latencies, b->rows, 99);
      out->max = b->latencies[b->rows - 1];
    }
  printf ("run: %.0f rows/s, latency p50 %" G_GINT64_FORMAT " us, p99 %" G_GINT64_FORMAT " us, max %" G_GINT64_FORMAT
          " us; %" G_GUINT64_FORMAT " transactions (%.1f rows each), queue high water %u, failed %u; "
          "store's histogram: p50 %" G_GINT64_FORMAT " us, p99 %" G_GINT64_FORMAT " us\n",
          out->rows_per_sec, out->p50, out->p99, out->max, stats.transactions,
          (double) stats.rows_written / (double) MAX (stats.transactions, 1), stats.queue_high_water, b->failed,
          stats.write_latency_p50_usec, stats.write_latency_p99_usec);
  fflush (stdout);
  return b->failed == 0;
}

static void
remove_database (const char *path)
{
  const char *suffixes[] = { "", "-wal", "-shm" };

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *file = g_strconcat (path, suffixes[i], NULL);

      g_remove (file);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char      *dir = NULL;
  g_autofree RunResult *results = NULL;
  g_autofree double    *rates = NULL;
  g_autofree gint64    *p50 = NULL;
  g_autofree gint64    *p99 = NULL;
  g_autofree gint64    *max = NULL;
  Bench                 b = { .rows = 200000, .rooms = 100, .text_bytes = 100, .timeout_sec = 300 };
  gint                  runs = 5;
  gboolean              own_dir = FALSE, ok = TRUE;
  GOptionEntry          entries[] = {
             { "rows", 0, 0, G_OPTION_ARG_INT, &b.rows, "Rows per run (200000)", "N" },
             { "rooms", 0, 0, G_OPTION_ARG_INT, &b.rooms, "Rooms written to in turn (100)", "R" },
             { "rate", 0, 0, G_OPTION_ARG_INT, &b.rate, "Rows per second on a schedule; 0: as fast as the queue accepts (0)",
               "ROWS" },
             { "runs", 0, 0, G_OPTION_ARG_INT, &runs, "Runs, each on a new file; the median is reported (5)", "K" },
             { "text-bytes", 0, 0, G_OPTION_ARG_INT, &b.text_bytes, "Bytes of text per message (100)", "B" },
             { "dir", 0, 0, G_OPTION_ARG_FILENAME, &dir, "Directory for the database files (a new temporary one)", "DIR" },
             { "sync-full", 0, 0, G_OPTION_ARG_NONE, &b.sync_full, "synchronous=FULL: an fsync per transaction", NULL },
             { "unwaited", 0, 0, G_OPTION_ARG_NONE, &b.unwaited, "Appends with no callback, as the daemon records room messages", NULL },
             { "timeout", 0, 0, G_OPTION_ARG_INT, &b.timeout_sec, "Longest a run may take, in seconds (300)", "SEC" },
             { NULL },
  };

  context = g_option_context_new ("- benchmark confab's history store");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("confab-history-bench: %s\n", error->message);
      return 2;
    }
  if (b.rows == 0 || b.rooms == 0 || runs < 1 || b.timeout_sec == 0)
    {
      g_printerr ("confab-history-bench: --rows, --rooms, --runs and --timeout must be positive\n");
      return 2;
    }
  if (dir == NULL)
    {
      dir = g_dir_make_tmp ("confab-history-bench-XXXXXX", &error);
      if (dir == NULL)
        {
          g_printerr ("confab-history-bench: %s\n", error->message);
          return 1;
        }
      own_dir = TRUE;
    }

  b.room_names = g_new0 (char *, b.rooms + 1);
  for (guint i = 0; i < b.rooms; i++)
    b.room_names[i] = g_strdup_printf ("#room%u", i);
  b.text = g_strnfill (b.text_bytes, 'x');
  b.latencies = g_new (gint64, b.rows);
  b.sent_at = g_new (gint64, b.rows);
  results = g_new0 (RunResult, runs);

  printf ("rows %u, rooms %u, rate %s, text %u bytes, synchronous=%s, %s, %d runs, in %s\n", b.rows, b.rooms,
          b.rate == 0 ? "as fast as the queue accepts" : "fixed", b.text_bytes, b.sync_full ? "FULL" : "NORMAL",
          b.unwaited ? "unwaited" : "each with a callback", runs, dir);
  if (b.rate != 0)
    printf ("rate %u rows/s\n", b.rate);
  for (gint r = 0; r < runs && ok; r++)
    {
      g_autofree char *path = g_strdup_printf ("%s/bench-%d.db", dir, r);

      remove_database (path);
      ok = run_once (&b, path, &results[r]);
      remove_database (path);
    }
  if (own_dir)
    g_rmdir (dir);

  if (ok)
    {
      rates = g_new (double, runs);
      p50 = g_new (gint64, runs);
      p99 = g_new (gint64, runs);
      max = g_new (gint64, runs);
      for (gint r = 0; r < runs; r++)
        {
          rates[r] = results[r].rows_per_sec;
          p50[r] = results[r].p50;
          p99[r] = results[r].p99;
          max[r] = results[r].max;
        }
      qsort (rates, runs, sizeof (double), compare_double);
      qsort (p50, runs, sizeof (gint64), compare_int64);
      qsort (p99, runs, sizeof (gint64), compare_int64);
      qsort (max, runs, sizeof (gint64), compare_int64);
      printf ("RESULT rows_per_sec=%.0f rows_per_sec_min=%.0f rows_per_sec_max=%.0f p50_us=%" G_GINT64_FORMAT
              " p99_us=%" G_GINT64_FORMAT " p99_us_min=%" G_GINT64_FORMAT " p99_us_max=%" G_GINT64_FORMAT
              " max_us=%" G_GINT64_FORMAT " runs=%d\n",
              rates[runs / 2], rates[0], rates[runs - 1], p50[runs / 2], p99[runs / 2], p99[0], p99[runs - 1],
              max[runs / 2], runs);
    }
  g_strfreev (b.room_names);
  g_free (b.text);
  g_free (b.latencies);
  g_free (b.sent_at);
  return ok ? 0 : 1;
}
