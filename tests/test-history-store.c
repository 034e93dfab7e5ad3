/* test-history-store.c: the history store of SPEC §12, on real files.
 *
 * Every test works on database files in a directory of its own, made
 * for it and removed after it. Requests go through the public API and
 * their completions are waited for on the default main context, each wait
 * bounded in time. The failure cases that need a process of their own (a
 * file size limit, another user) run in g_test_trap_subprocess()
 * children; kill -9 and writers in two processes use history-writer.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <sqlite3.h>

#include "confab-history-chunk.h"
#include "confab-history-latency.h"
#include "confab-history-schema.h"
#include "confab-history-store.h"
#include "confab-test-util.h"

#define ENV_HISTORY_WRITER "CONFAB_TEST_HISTORY_WRITER"
/* The parent's directory, for a g_test_trap_subprocess() child. */
#define ENV_PARENT_DIR "CONFAB_TEST_HISTORY_PARENT_DIR"
#define WAIT_MS        30000
#define NOBODY         65534

/* ---- log capture ------------------------------------------------------ */

/* Warnings and messages of the store, kept while capturing: the worker
 * logs from its own thread, so under a lock. GLib 2.74's
 * g_test_expect_message() does not see structured logging. */
static GMutex     log_lock;
static GPtrArray *log_lines; /* (nullable) */

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  gboolean captured = FALSE;

  g_mutex_lock (&log_lock);
  if (log_lines != NULL && (log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING)) != 0)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          if (g_str_equal (fields[i].key, "MESSAGE"))
            {
              g_ptr_array_add (log_lines, fields[i].length < 0 ? g_strdup (fields[i].value)
                                                               : g_strndup (fields[i].value, fields[i].length));
              captured = TRUE;
              break;
            }
        }
    }
  g_mutex_unlock (&log_lock);
  if (captured)
    return G_LOG_WRITER_HANDLED;
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

/* Captures (instead of printing) warnings and messages, which are then
 * expected and not fatal, until capture_stop(). */
static void
capture_start (void)
{
  g_mutex_lock (&log_lock);
  g_assert_null (log_lines);
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_mutex_unlock (&log_lock);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

/* Returns: (transfer full): the lines captured */
static GPtrArray *
capture_stop (void)
{
  GPtrArray *lines;

  g_mutex_lock (&log_lock);
  lines = g_steal_pointer (&log_lines);
  g_mutex_unlock (&log_lock);
  g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  return lines;
}

static gboolean
lines_contain (GPtrArray  *lines,
               const char *part)
{
  for (guint i = 0; i < lines->len; i++)
    if (strstr (lines->pdata[i], part) != NULL)
      return TRUE;
  return FALSE;
}

/* ---- fixture ---------------------------------------------------------- */

typedef struct
{
  ConfabTestTmpDir *dir;  /* (owned) (nullable): %NULL in a child using its parent's */
  char             *path; /* (owned): DIR/history.db */
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  fx->dir = confab_test_tmp_dir_new ();
  fx->path = g_build_filename (fx->dir->path, "history.db", NULL);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  if (fx->dir != NULL)
    {
      /* A test that made the directory read-only gives it back. */
      g_chmod (fx->dir->path, 0700);
      confab_test_tmp_dir_free (fx->dir);
    }
  g_free (fx->path);
}

/* A g_test_trap_subprocess() child runs the fixture's setup again, with
 * a directory of its own: it drops that one and works on its parent's. */
static void
use_parent_dir (Fixture *fx)
{
  const char *parent = g_getenv (ENV_PARENT_DIR);

  g_assert_nonnull (parent);
  g_clear_pointer (&fx->dir, confab_test_tmp_dir_free);
  g_free (fx->path);
  fx->path = g_build_filename (parent, "history.db", NULL);
}

static void
run_child_in_parent_dir (Fixture *fx)
{
  g_setenv (ENV_PARENT_DIR, fx->dir->path, TRUE);
  g_test_trap_subprocess (NULL, confab_test_timeout_ms (60000) * 1000, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_unsetenv (ENV_PARENT_DIR);
  g_test_trap_assert_passed ();
}

static ConfabHistoryLimits
test_limits (void)
{
  ConfabHistoryLimits limits;

  confab_history_limits_init (&limits);
  /* No background pass unless a test asks for one: it would prune rows
   * the test is counting. */
  limits.prune_interval_sec = 0;
  return limits;
}

static ConfabHistoryStore *
open_store (const char                *path,
            const ConfabHistoryLimits *limits)
{
  g_autoptr(GError) error = NULL;
  ConfabHistoryLimits defaults = test_limits ();
  ConfabHistoryStore *store = confab_history_store_new (path, limits != NULL ? limits : &defaults,
                                                        CONFAB_HISTORY_STORE_NONE, &error);

  g_assert_no_error (error);
  g_assert_nonnull (store);
  return store;
}

/* ---- waiting for completions ------------------------------------------ */

static gboolean
timed_out_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the default context until *@done, failing after @ms. */
static void
run_until (const gboolean *done,
           guint           ms)
{
  gboolean timed_out = FALSE;
  guint    timeout_id = g_timeout_add (confab_test_timeout_ms (ms), timed_out_cb, &timed_out);

  while (!*done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!*done)
    g_error ("timed out after %u ms waiting for the history store", ms);
  g_source_remove (timeout_id);
}

static void
result_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

/* Iterates the default context until *@n reaches @target, failing
 * after @ms. */
static void
run_until_count (const guint *n,
                 guint        target,
                 guint        ms)
{
  gboolean timed_out = FALSE;
  guint    timeout_id = g_timeout_add (confab_test_timeout_ms (ms), timed_out_cb, &timed_out);

  while (*n < target && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (*n < target)
    g_error ("timed out after %u ms: %u of %u completions", ms, *n, target);
  g_source_remove (timeout_id);
}

static GAsyncResult *
wait_result (GAsyncResult **slot)
{
  gboolean timed_out = FALSE;
  guint    timeout_id = g_timeout_add (confab_test_timeout_ms (WAIT_MS), timed_out_cb, &timed_out);

  while (*slot == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (*slot == NULL)
    g_error ("timed out waiting for a history completion");
  g_source_remove (timeout_id);
  return *slot;
}

static gboolean
append (ConfabHistoryStore *store,
        const char         *room,
        const char         *sender,
        const char         *text,
        gint64              time_usec,
        gint64             *id,
        GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *key = g_utf8_strdown (room, -1);

  confab_history_store_append_async (store, key, room, sender, text, time_usec, result_cb, &result);
  return confab_history_store_append_finish (store, wait_result (&result), id, error);
}

static gint64
append_ok (ConfabHistoryStore *store,
           const char         *room,
           const char         *text,
           gint64              time_usec)
{
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  g_assert_true (append (store, room, "alice", text, time_usec, &id, &error));
  g_assert_no_error (error);
  g_assert_cmpint (id, >, 0);
  return id;
}

static GPtrArray *
query (ConfabHistoryStore *store,
       const char         *room_key,
       ConfabHistoryQuery  q,
       GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_history_store_query_async (store, room_key, &q, NULL, result_cb, &result);
  return confab_history_store_query_finish (store, wait_result (&result), error);
}

static GPtrArray *
query_ok (ConfabHistoryStore *store,
          const char         *room_key,
          ConfabHistoryQuery  q)
{
  g_autoptr(GError) error = NULL;
  GPtrArray *rows = query (store, room_key, q, &error);

  g_assert_no_error (error);
  g_assert_nonnull (rows);
  return rows;
}

/* Every row of a room, oldest first (up to 100000). */
static GPtrArray *
all_rows (ConfabHistoryStore *store,
          const char         *room_key)
{
  return query_ok (store, room_key, (ConfabHistoryQuery) { .limit = 100000 });
}

static gboolean
offline_store (ConfabHistoryStore *store,
               const char         *recipient,
               const char         *sender,
               const char         *text,
               gint64             *id,
               GError            **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autofree char *key = g_utf8_strdown (recipient, -1);

  confab_history_store_offline_store_async (store, key, recipient, sender, text, g_get_real_time (),
                                            result_cb, &result);
  return confab_history_store_offline_store_finish (store, wait_result (&result), id, error);
}

static GPtrArray *
offline_fetch (ConfabHistoryStore *store,
               const char         *recipient_key)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  GPtrArray *rows;

  confab_history_store_offline_fetch_async (store, recipient_key, NULL, result_cb, &result);
  rows = confab_history_store_offline_fetch_finish (store, wait_result (&result), &error);
  g_assert_no_error (error);
  return rows;
}

static guint64
offline_ack (ConfabHistoryStore *store,
             const char         *recipient_key,
             gint64              up_to_id)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  confab_history_store_offline_ack_async (store, recipient_key, up_to_id, result_cb, &result);
  g_assert_true (confab_history_store_offline_ack_finish (store, wait_result (&result), &n, &error));
  g_assert_no_error (error);
  return n;
}

static guint64
prune (ConfabHistoryStore *store)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  guint64 n = 0;

  confab_history_store_prune_async (store, result_cb, &result);
  g_assert_true (confab_history_store_prune_finish (store, wait_result (&result), &n, &error));
  g_assert_no_error (error);
  return n;
}

/* Closes @store and lets its last completions run, then drops it. */
static void
close_store (ConfabHistoryStore *store)
{
  confab_history_store_close (store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (store);
}

static ConfabHistoryRow *
row_at (GPtrArray *rows,
        guint      i)
{
  g_assert_cmpuint (i, <, rows->len);
  return rows->pdata[i];
}

/* The texts of @rows joined by spaces, for compact comparisons. */
static char *
texts_of (GPtrArray *rows)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < rows->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? " " : "", row_at (rows, i)->text);
  return g_string_free (s, FALSE);
}

/* Runs @sql on @path with a connection of the test's own. */
static void
raw_exec (const char *path,
          const char *sql)
{
  sqlite3 *db = NULL;
  char    *message = NULL;

  g_assert_cmpint (sqlite3_open (path, &db), ==, SQLITE_OK);
  if (sqlite3_exec (db, sql, NULL, NULL, &message) != SQLITE_OK)
    g_error ("%s: %s", sql, message);
  sqlite3_close (db);
}

static gint64
raw_int (const char *path,
         const char *sql)
{
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;
  gint64        value;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_step (stmt), ==, SQLITE_ROW);
  value = sqlite3_column_int64 (stmt, 0);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return value;
}

static GBytes *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &contents, &len, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, len);
}

/* ---- room history ----------------------------------------------------- */

static void
test_append_latest (Fixture      *fx,
                    gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char    *texts = NULL;
  ConfabHistoryStore *store;
  gint64              base = g_get_real_time ();
  gint64              first;

  g_test_summary ("Appended room messages come back newest-last from LATEST, capped by "
                  "the limit and replay_max, each row with its id, time, room, sender and text");

  limits.replay_max = 6;
  store = open_store (fx->path, &limits);
  first = append_ok (store, "#Lobby", "m0", base);
  for (guint i = 1; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("m%u", i);

      g_assert_cmpint (append_ok (store, "#Lobby", text, base + i), >, first);
    }
  append_ok (store, "#other", "elsewhere", base + 20);

  rows = query_ok (store, "#lobby", (ConfabHistoryQuery) { .limit = 3 });
  texts = texts_of (rows);
  g_assert_cmpstr (texts, ==, "m7 m8 m9");
  g_assert_cmpint (row_at (rows, 2)->time_usec, ==, base + 9);
  g_assert_cmpint (row_at (rows, 2)->id, ==, first + 9);
  g_assert_cmpstr (row_at (rows, 2)->target, ==, "#Lobby");
  g_assert_cmpstr (row_at (rows, 2)->sender, ==, "alice");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&texts, g_free);

  /* No limit, or one above replay_max: replay_max. */
  rows = query_ok (store, "#lobby", (ConfabHistoryQuery) { 0 });
  texts = texts_of (rows);
  g_assert_cmpstr (texts, ==, "m4 m5 m6 m7 m8 m9");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&texts, g_free);
  rows = query_ok (store, "#lobby", (ConfabHistoryQuery) { .limit = 1000 });
  g_assert_cmpuint (rows->len, ==, 6);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* A room with no history is empty, not an error. */
  rows = query_ok (store, "#nowhere", (ConfabHistoryQuery) { 0 });
  g_assert_cmpuint (rows->len, ==, 0);
  close_store (store);
}

static void
test_before_after (Fixture      *fx,
                   gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GError) error = NULL;
  ConfabHistoryStore *store;
  gint64              ids[10];
  gint64              base = G_GINT64_CONSTANT (1700000000) * G_USEC_PER_SEC;
  struct
  {
    ConfabHistoryQuery q;
    const char        *texts;
  } cases[] = {
    /* by message id */
    { { CONFAB_HISTORY_BEFORE, 0, 0, FALSE, 3 }, "m2 m3 m4" },
    { { CONFAB_HISTORY_AFTER, 0, 0, FALSE, 3 }, "m6 m7 m8" },
    { { CONFAB_HISTORY_LATEST, 0, 0, TRUE, 2 }, "m8 m9" },
    { { CONFAB_HISTORY_LATEST, 0, 0, TRUE, 50 }, "m6 m7 m8 m9" },
    /* by time: exclusive, and m5 and m6 share a time */
    { { CONFAB_HISTORY_BEFORE, 0, base + 5, FALSE, 2 }, "m3 m4" },
    { { CONFAB_HISTORY_AFTER, 0, base + 5, FALSE, 2 }, "m7 m8" },
    { { CONFAB_HISTORY_LATEST, 0, base + 7, TRUE, 50 }, "m8 m9" },
    { { CONFAB_HISTORY_BEFORE, 0, base, FALSE, 5 }, "" },
    { { CONFAB_HISTORY_AFTER, 0, base - 1, FALSE, 2 }, "m0 m1" },
  };

  g_test_summary ("BEFORE, AFTER and LATEST by message id and by time (IRCv3 chathistory): "
                  "exclusive anchors, oldest first; an unknown id is an error");

  limits.replay_max = 100;
  store = open_store (fx->path, &limits);
  for (guint i = 0; i < 10; i++)
    {
      g_autofree char *text = g_strdup_printf ("m%u", i);

      /* m6 has m5's time: the id orders them. */
      ids[i] = append_ok (store, "#room", text, base + (i == 6 ? 5 : i));
    }
  /* The id cases are anchored on m5. */
  for (guint i = 0; i < 4; i++)
    cases[i].q.anchor_id = ids[5];

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GPtrArray) rows = query_ok (store, "#room", cases[i].q);
      g_autofree char *texts = texts_of (rows);

      g_test_message ("case %u", i);
      g_assert_cmpstr (texts, ==, cases[i].texts);
    }

  /* An id from another room, or one that never was. */
  {
    gint64 other = append_ok (store, "#elsewhere", "x", base);
    g_autoptr(GPtrArray) rows = query (store, "#room",
                                        (ConfabHistoryQuery) { CONFAB_HISTORY_BEFORE, other, 0, FALSE, 5 }, &error);

    g_assert_null (rows);
    g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE);
    g_clear_error (&error);
    rows = query (store, "#room", (ConfabHistoryQuery) { CONFAB_HISTORY_AFTER, other + 1000, 0, FALSE, 5 }, &error);
    g_assert_null (rows);
    g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE);
  }
  close_store (store);
}

static void
test_msgid (void)
{
  g_autofree char *msgid = confab_history_msgid_from_id (42);
  gint64           id = 0;
  const char      *bad[] = { "", "r", "42", "r0", "r042", "r-1", "r 1", "r1 ", "r1x", "R1",
                             "r9223372036854775808", "o1" };

  g_test_summary ("A msgid names one room message's id, in one spelling only");

  g_assert_cmpstr (msgid, ==, "r42");
  g_assert_true (confab_history_msgid_to_id (msgid, &id));
  g_assert_cmpint (id, ==, 42);
  g_assert_true (confab_history_msgid_to_id ("r9223372036854775807", &id));
  g_assert_cmpint (id, ==, G_MAXINT64);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_test_message ("msgid \"%s\"", bad[i]);
      g_assert_false (confab_history_msgid_to_id (bad[i], &id));
    }
}

/* ---- offline messages ------------------------------------------------- */

static void
test_offline_order_ack (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char    *texts = NULL;
  ConfabHistoryStore *store = open_store (fx->path, NULL);
  ConfabHistoryStats  stats;
  gint64              ids[4];

  g_test_summary ("Offline messages come back per recipient in the order stored; an "
                  "acknowledgement deletes up to an id, and what was not acknowledged "
                  "is fetched again, also after reopening (a crash between the two)");

  g_assert_true (offline_store (store, "Bob", "alice", "one", &ids[0], NULL));
  g_assert_true (offline_store (store, "carol", "alice", "for carol", &ids[1], NULL));
  g_assert_true (offline_store (store, "bob", "dave", "two", &ids[2], NULL));
  g_assert_true (offline_store (store, "BOB", "alice", "three", &ids[3], NULL));

  rows = offline_fetch (store, "bob");
  texts = texts_of (rows);
  g_assert_cmpstr (texts, ==, "one two three");
  g_assert_cmpint (row_at (rows, 0)->id, ==, ids[0]);
  g_assert_cmpstr (row_at (rows, 0)->target, ==, "Bob");
  g_assert_cmpstr (row_at (rows, 1)->sender, ==, "dave");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&texts, g_free);

  /* Delivered the first two, then "crashed": the third is still there. */
  g_assert_cmpuint (offline_ack (store, "bob", ids[2]), ==, 2);
  close_store (store);
  store = open_store (fx->path, NULL);
  rows = offline_fetch (store, "bob");
  texts = texts_of (rows);
  g_assert_cmpstr (texts, ==, "three");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&texts, g_free);
  /* Fetching again without an ack gives the same again. */
  rows = offline_fetch (store, "bob");
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);

  g_assert_cmpuint (offline_ack (store, "bob", ids[3]), ==, 1);
  rows = offline_fetch (store, "bob");
  g_assert_cmpuint (rows->len, ==, 0);
  g_clear_pointer (&rows, g_ptr_array_unref);
  /* Carol's message was never touched by Bob's acks. */
  rows = offline_fetch (store, "carol");
  g_assert_cmpuint (rows->len, ==, 1);

  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.offline_delivered, ==, 1);
  g_assert_cmpuint (stats.offline_stored, ==, 0);
  close_store (store);
}

static void
test_offline_bound (Fixture      *fx,
                    gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GError) error = NULL;
  ConfabHistoryStore *store;
  ConfabHistoryStats  stats;
  gint64              id = 0, first = 0;

  g_test_summary ("A recipient with offline_max_messages waiting refuses one more, with a "
                  "clear error and a counter; others are not affected, and an ack frees room");

  limits.offline_max_messages = 2;
  store = open_store (fx->path, &limits);
  g_assert_true (offline_store (store, "bob", "alice", "1", &first, NULL));
  g_assert_true (offline_store (store, "bob", "alice", "2", &id, NULL));
  g_assert_false (offline_store (store, "Bob", "alice", "3", &id, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_OFFLINE_FULL);
  g_assert_nonnull (strstr (error->message, "Bob already has 2 offline messages waiting"));
  g_clear_error (&error);
  g_assert_true (offline_store (store, "carol", "alice", "c", &id, NULL));

  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.offline_stored, ==, 3);
  g_assert_cmpuint (stats.offline_refused, ==, 1);
  g_assert_cmpuint (stats.rows_written, ==, 3);
  g_assert_cmpuint (stats.write_errors, ==, 0);

  g_assert_cmpuint (offline_ack (store, "bob", first), ==, 1);
  g_assert_true (offline_store (store, "bob", "alice", "3", &id, NULL));
  close_store (store);
}

/* ---- retention -------------------------------------------------------- */

static void
test_retention_age (Fixture      *fx,
                    gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char    *texts = NULL;
  ConfabHistoryStore *store;
  ConfabHistoryStats  stats;
  gint64              now = g_get_real_time ();
  gint64              day = G_GINT64_CONSTANT (86400) * G_USEC_PER_SEC;

  g_test_summary ("Pruning deletes room messages older than max_age_days, in every room");

  limits.max_age_days = 30;
  limits.max_rows = 0;
  store = open_store (fx->path, &limits);
  append_ok (store, "#a", "40 days", now - 40 * day);
  append_ok (store, "#a", "31 days", now - 31 * day);
  append_ok (store, "#a", "29 days", now - 29 * day);
  append_ok (store, "#b", "35 days", now - 35 * day);
  append_ok (store, "#b", "now", now);
  g_assert_true (offline_store (store, "bob", "alice", "offline, kept", NULL, NULL));

  g_assert_cmpuint (prune (store), ==, 3);
  rows = all_rows (store, "#a");
  texts = texts_of (rows);
  g_assert_cmpstr (texts, ==, "29 days");
  g_clear_pointer (&rows, g_ptr_array_unref);
  g_clear_pointer (&texts, g_free);
  rows = all_rows (store, "#b");
  texts = texts_of (rows);
  g_assert_cmpstr (texts, ==, "now");
  g_clear_pointer (&rows, g_ptr_array_unref);
  /* Offline messages are bounded by count, not age: kept. */
  rows = offline_fetch (store, "bob");
  g_assert_cmpuint (rows->len, ==, 1);

  g_assert_cmpuint (prune (store), ==, 0);
  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.rows_pruned, ==, 3);
  close_store (store);
}

/* Appends @n messages to @room without waiting for each. */
static void
append_many (ConfabHistoryStore *store,
             const char         *room,
             guint               n,
             gint64              base)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  ConfabHistoryQuery q = { .limit = 1 };

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%s %u", room, i);

      confab_history_store_append_async (store, room, room, "alice", text, base + i, NULL, NULL);
    }
  /* The completions come in order: one more request behind them says
   * they are all done. */
  confab_history_store_query_async (store, room, &q, NULL, result_cb, &result);
  rows = confab_history_store_query_finish (store, wait_result (&result), NULL);
  g_assert_nonnull (rows);
}

static void
test_retention_rows (Fixture      *fx,
                     gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GPtrArray) rows = NULL;
  ConfabHistoryStore *store;
  gint64              base = g_get_real_time () - 10000000;

  g_test_summary ("Pruning keeps the newest max_rows messages of each room, over several "
                  "chunks where a room has many more");

  limits.max_rows = 100;
  limits.replay_max = 10000;
  store = open_store (fx->path, &limits);
  append_many (store, "#big", 2600, base);
  append_many (store, "#small", 5, base);

  g_assert_cmpuint (prune (store), ==, 2500);
  rows = all_rows (store, "#big");
  g_assert_cmpuint (rows->len, ==, 100);
  g_assert_cmpstr (row_at (rows, 0)->text, ==, "#big 2500");
  g_assert_cmpstr (row_at (rows, 99)->text, ==, "#big 2599");
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = all_rows (store, "#small");
  g_assert_cmpuint (rows->len, ==, 5);
  close_store (store);
}

/* Appends @n messages with these times to #x, each followed by one to
 * #y, without waiting: one batch, as the daemon records them. */
static void
append_times (ConfabHistoryStore *store,
              const gint64       *times,
              guint               n)
{
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("x at %" G_GINT64_FORMAT, times[i]);

      confab_history_store_append_async (store, "#x", "#x", "alice", text, times[i], NULL, NULL);
      confab_history_store_append_async (store, "#y", "#y", "bob", "y", times[i], NULL, NULL);
    }
  /* Behind them in the queue: when it answers, they are written. */
  g_ptr_array_unref (all_rows (store, "#y"));
}

/* The ids of #x in the file, in (time, id) order, read from its chunks
 * without the store: what every query must agree with. */
typedef struct
{
  gint64 time_usec;
  gint64 id;
} IdAt;

static int
compare_id_at (gconstpointer a,
               gconstpointer b)
{
  const IdAt *x = a, *y = b;

  if (x->time_usec != y->time_usec)
    return x->time_usec < y->time_usec ? -1 : 1;
  return x->id < y->id ? -1 : x->id > y->id;
}

static GArray *
ids_in_order (const char *path)
{
  g_autoptr(GArray) pairs = g_array_new (FALSE, FALSE, sizeof (IdAt));
  GArray       *ids = g_array_new (FALSE, FALSE, sizeof (gint64));
  sqlite3      *db = NULL;
  sqlite3_stmt *stmt = NULL;

  g_assert_cmpint (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READONLY, NULL), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_prepare_v2 (db,
                                       "SELECT c.first_id, c.messages FROM room_chunk AS c "
                                       "JOIN room AS r ON r.id = c.room_id WHERE r.room_key = '#x'",
                                       -1, &stmt, NULL),
                   ==, SQLITE_OK);
  while (sqlite3_step (stmt) == SQLITE_ROW)
    {
      ConfabHistoryChunkReader reader;
      ConfabHistoryChunkEntry  entry;
      GError                  *error = NULL;
      gint64                   id = sqlite3_column_int64 (stmt, 0);

      confab_history_chunk_reader_init (&reader, sqlite3_column_blob (stmt, 1), (gsize) sqlite3_column_bytes (stmt, 1));
      while (confab_history_chunk_reader_next (&reader, &entry, &error))
        {
          IdAt at = { entry.time_usec, id++ };

          g_array_append_val (pairs, at);
        }
      g_assert_no_error (error);
    }
  g_array_sort (pairs, compare_id_at);
  for (guint i = 0; i < pairs->len; i++)
    g_array_append_val (ids, g_array_index (pairs, IdAt, i).id);
  sqlite3_finalize (stmt);
  sqlite3_close (db);
  return ids;
}

/* Checks that @q returns exactly @expected[from, to) of #x. */
static void
assert_query_ids (ConfabHistoryStore *store,
                  ConfabHistoryQuery  q,
                  const GArray       *expected,
                  gint                from,
                  gint                to)
{
  g_autoptr(GPtrArray) rows = query_ok (store, "#x", q);

  from = CLAMP (from, 0, (gint) expected->len);
  to = CLAMP (to, from, (gint) expected->len);
  if (rows->len != (guint) (to - from))
    g_error ("direction %d anchor %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT " limit %u: %u rows, expected %d",
             q.direction, q.anchor_id, q.anchor_usec, q.limit, rows->len, to - from);
  for (guint i = 0; i < rows->len; i++)
    g_assert_cmpint (row_at (rows, i)->id, ==, g_array_index (expected, gint64, from + (gint) i));
}

static void
test_clock_steps (Fixture      *fx,
                  gconstpointer data)
{
  /* Three batches; the clock goes back between and within them, and
   * some messages share a time. */
  static const gint64 first[] = { 100, 101, 102, 103, 103, 104, 110, 111 };
  static const gint64 second[] = { 50, 51, 52, 105, 106, 30, 31, 103, 200 };
  static const gint64 third[] = { 103, 104, 104, 10, 300, 301, 60 };
  /* A clock set a day ahead and back again. */
  static const gint64 fourth[] = { 302, 303, 86400000303, 86400000304, 305, 306 };
  static const guint  limits_to_try[] = { 1, 2, 3, 5, 100 };
  static const gint64 times_to_try[] = { 0, 10, 31, 52, 103, 104, 150, 301, 1000, 86400000304, 86400001000 };
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GArray) ids = NULL;
  ConfabHistoryStore *store;
  gint                n;

  g_test_summary ("Messages whose times go back (a clock set back), within a batch and "
                  "between batches, are still returned in (time, id) order by every kind "
                  "of query, and pruning by rows keeps the newest in that order");

  limits.replay_max = 1000;
  store = open_store (fx->path, &limits);
  append_times (store, first, G_N_ELEMENTS (first));
  append_times (store, second, G_N_ELEMENTS (second));
  append_times (store, third, G_N_ELEMENTS (third));
  append_times (store, fourth, G_N_ELEMENTS (fourth));
  ids = ids_in_order (fx->path);
  n = (gint) ids->len;
  g_assert_cmpint (n, ==, G_N_ELEMENTS (first) + G_N_ELEMENTS (second) + G_N_ELEMENTS (third) + G_N_ELEMENTS (fourth));
  /* The leap cut the run: no run of #x spans more than a second. */
  g_assert_cmpint (raw_int (fx->path, "SELECT max_span FROM room WHERE room_key = '#x'"), <=, G_USEC_PER_SEC);

  for (guint l = 0; l < G_N_ELEMENTS (limits_to_try); l++)
    {
      gint limit = (gint) limits_to_try[l];

      assert_query_ids (store, (ConfabHistoryQuery) { .limit = limit }, ids, n - limit, n);
      for (gint k = 0; k < n; k++)
        {
          gint64 anchor = g_array_index (ids, gint64, k);

          assert_query_ids (store,
                            (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_BEFORE, .anchor_id = anchor, .limit = limit },
                            ids, k - limit, k);
          assert_query_ids (store,
                            (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_AFTER, .anchor_id = anchor, .limit = limit },
                            ids, k + 1, k + 1 + limit);
          assert_query_ids (store,
                            (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_LATEST, .has_anchor = TRUE, .anchor_id = anchor, .limit = limit },
                            ids, MAX (k + 1, n - limit), n);
        }
      for (guint t = 0; t < G_N_ELEMENTS (times_to_try); t++)
        {
          g_autoptr(GPtrArray) all = query_ok (store, "#x", (ConfabHistoryQuery) { .limit = 1000 });
          gint64 time = times_to_try[t];
          gint   below = 0, through = 0;

          /* Where the time falls in the order. */
          for (guint i = 0; i < all->len; i++)
            {
              below += row_at (all, i)->time_usec < time;
              through += row_at (all, i)->time_usec <= time;
            }
          assert_query_ids (store,
                            (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_BEFORE, .anchor_usec = time, .limit = limit },
                            ids, below - limit, below);
          assert_query_ids (store,
                            (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_AFTER, .anchor_usec = time, .limit = limit },
                            ids, through, through + limit);
        }
    }

  /* Pruning by rows keeps the newest five of #x. */
  limits.max_rows = 5;
  confab_history_store_set_limits (store, &limits);
  prune (store);
  {
    g_autoptr(GArray) kept = ids_in_order (fx->path);

    g_assert_cmpuint (kept->len, ==, 5);
    for (guint i = 0; i < kept->len; i++)
      g_assert_cmpint (g_array_index (kept, gint64, i), ==, g_array_index (ids, gint64, n - 5 + (gint) i));
    assert_query_ids (store, (ConfabHistoryQuery) { .limit = 100 }, kept, 0, 5);
  }
  close_store (store);
}

static void
test_many_rooms (Fixture      *fx,
                 gconstpointer data)
{
  ConfabHistoryStore *store = open_store (fx->path, NULL);

  g_test_summary ("More rooms than the worker keeps the numbers of (4096) are written and "
                  "read as any others, before and after it lets the numbers go");

  for (guint round = 0; round < 2; round++)
    {
      for (guint i = 0; i < 5000; i++)
        {
          g_autofree char *room = g_strdup_printf ("#m%u", i);
          g_autofree char *text = g_strdup_printf ("%u %u", round, i);

          confab_history_store_append_async (store, room, room, "alice", text, 1000 * round + i, NULL, NULL);
        }
      for (guint i = 0; i < 5000; i += 1249)
        {
          g_autofree char *room = g_strdup_printf ("#m%u", i);
          g_autofree char *last = g_strdup_printf ("%u %u", round, i);
          g_autoptr(GPtrArray) rows = all_rows (store, room);

          g_assert_cmpuint (rows->len, ==, round + 1);
          g_assert_cmpstr (row_at (rows, round)->text, ==, last);
        }
    }
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room"), ==, 5000);
  close_store (store);
}

static void
test_full_chunks (Fixture      *fx,
                  gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autofree char    *long_text = g_strnfill (1000, 'x');
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) before = NULL;
  ConfabHistoryStore *store;
  guint               n = 3 * CONFAB_HISTORY_CHUNK_MAX_MESSAGES + 7;

  g_test_summary ("A run longer than a chunk holds (in messages or in bytes) is cut into "
                  "several chunks, and every query reads across them in order");

  limits.replay_max = 10000;
  store = open_store (fx->path, &limits);
  /* One batch: queued without waiting, read behind them. */
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      confab_history_store_append_async (store, "#many", "#many", "alice", text, 1000 + i, NULL, NULL);
    }
  for (guint i = 0; i < 200; i++)
    confab_history_store_append_async (store, "#long", "#long", "bob", long_text, 1000 + i, NULL, NULL);
  rows = all_rows (store, "#many");
  g_assert_cmpuint (rows->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpint (row_at (rows, i)->time_usec, ==, 1000 + (gint64) i);
  /* Across the cut between the first two chunks. */
  before = query_ok (store, "#many",
                     (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_BEFORE,
                                            .has_anchor = TRUE,
                                            .anchor_id = row_at (rows, CONFAB_HISTORY_CHUNK_MAX_MESSAGES + 2)->id,
                                            .limit = 5 });
  g_assert_cmpuint (before->len, ==, 5);
  g_assert_cmpstr (row_at (before, 0)->text, ==, "253");
  g_assert_cmpstr (row_at (before, 4)->text, ==, "257");
  g_clear_pointer (&rows, g_ptr_array_unref);
  rows = all_rows (store, "#long");
  g_assert_cmpuint (rows->len, ==, 200);
  close_store (store);

  g_assert_cmpint (raw_int (fx->path, "SELECT max(last_id - first_id + 1) FROM room_chunk"), <=,
                   CONFAB_HISTORY_CHUNK_MAX_MESSAGES);
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room_chunk JOIN room ON room.id = room_id"
                                      " WHERE room_key = '#many'"),
                   >=, 4);
  /* 1000-byte texts: 64 KiB is reached at the 65th. */
  g_assert_cmpint (raw_int (fx->path, "SELECT max(length(messages)) FROM room_chunk"), <, CONFAB_HISTORY_CHUNK_MAX_BYTES + 1100);
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room_chunk JOIN room ON room.id = room_id"
                                      " WHERE room_key = '#long'"),
                   >=, 4);
}

static void
test_retention_background (Fixture      *fx,
                           gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  ConfabHistoryStore *store;
  ConfabHistoryStats  stats = { 0 };
  gint64              start;

  g_test_summary ("The worker prunes by itself every prune_interval_sec");

  limits.max_rows = 10;
  store = open_store (fx->path, &limits);
  append_many (store, "#room", 30, g_get_real_time ());
  limits.prune_interval_sec = 1;
  confab_history_store_set_limits (store, &limits);

  start = g_get_monotonic_time ();
  while (stats.rows_pruned < 20 && g_get_monotonic_time () - start < 20 * G_USEC_PER_SEC)
    {
      g_usleep (20000);
      confab_history_store_get_stats (store, &stats);
    }
  g_assert_cmpuint (stats.rows_pruned, ==, 20);
  close_store (store);
}

/* ---- schema and versions ---------------------------------------------- */

static void
test_schema_new (Fixture      *fx,
                 gconstpointer data)
{
  ConfabHistoryStore *store = open_store (fx->path, NULL);

  g_test_summary ("A new file gets confab's application id, the current schema version and WAL");

  append_ok (store, "#room", "hello", g_get_real_time ());
  close_store (store);
  g_assert_cmpint (raw_int (fx->path, "PRAGMA user_version"), ==, confab_history_schema_get_version ());
  g_assert_cmpint (raw_int (fx->path, "PRAGMA application_id"), ==, CONFAB_HISTORY_APPLICATION_ID);
  g_assert_cmpint (raw_int (fx->path, "SELECT sum(last_id - first_id + 1) FROM room_chunk"), ==, 1);
  /* WAL is recorded in the header (bytes 18 and 19 are 2). */
  {
    g_autoptr(GBytes) bytes = read_file (fx->path);
    const guint8 *header = g_bytes_get_data (bytes, NULL);

    g_assert_cmpuint (g_bytes_get_size (bytes), >=, 100);
    g_assert_cmpuint (header[18], ==, 2);
    g_assert_cmpuint (header[19], ==, 2);
  }
}

static void
test_schema_older (Fixture      *fx,
                   gconstpointer data)
{
  ConfabHistoryStore *store;

  g_test_summary ("A file of an older version (0: a SQLite file with nothing in it yet) "
                  "is migrated to the current version and used");

  /* A valid, empty SQLite database: version 0, no id, no tables. */
  raw_exec (fx->path, "PRAGMA page_size = 4096; VACUUM");
  g_assert_cmpint (raw_int (fx->path, "PRAGMA user_version"), ==, 0);

  store = open_store (fx->path, NULL);
  append_ok (store, "#room", "after the migration", g_get_real_time ());
  close_store (store);
  g_assert_cmpint (raw_int (fx->path, "PRAGMA user_version"), ==, confab_history_schema_get_version ());

  /* Opening again changes nothing. */
  store = open_store (fx->path, NULL);
  {
    g_autoptr(GPtrArray) rows = all_rows (store, "#room");

    g_assert_cmpuint (rows->len, ==, 1);
  }
  close_store (store);
}

static void
test_schema_v1 (Fixture      *fx,
                gconstpointer data)
{
  /* Version 1's tables, as it created them, with five messages in two
   * rooms; a sixth was stored and pruned, so the sequence is ahead of
   * the largest id. */
  g_autofree char *sql = g_strdup_printf (
    "CREATE TABLE room_message (id INTEGER PRIMARY KEY AUTOINCREMENT, room_key TEXT NOT NULL,"
    "  room TEXT NOT NULL, sender TEXT NOT NULL, time_usec INTEGER NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX room_message_by_time ON room_message (room_key, time_usec);"
    "CREATE TABLE offline_message (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient_key TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, sender TEXT NOT NULL, time_usec INTEGER NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX offline_message_by_recipient ON offline_message (recipient_key, id);"
    "INSERT INTO room_message (room_key, room, sender, time_usec, text) VALUES"
    "  ('#a', '#A', 'alice', 10, 'a1'), ('#b', '#b', 'bob', 20, 'b1'), ('#a', '#a', 'carol', 30, 'a2'),"
    "  ('#b', '#b', 'bob', 40, 'b2'), ('#a', '#A', 'alice', 50, 'a3'), ('#a', '#A', 'alice', 60, 'gone');"
    "DELETE FROM room_message WHERE id = 6;"
    "INSERT INTO offline_message (recipient_key, recipient, sender, time_usec, text)"
    "  VALUES ('bob', 'Bob', 'alice', 70, 'waiting');"
    "PRAGMA application_id = %d; PRAGMA user_version = 1",
    CONFAB_HISTORY_APPLICATION_ID);
  ConfabHistoryStore *store;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GPtrArray) before = NULL;
  g_autoptr(GPtrArray) offline = NULL;
  const char  *a_texts[] = { "a1", "a2", "a3" };
  const char  *a_rooms[] = { "#A", "#a", "#A" };
  const gint64 a_ids[] = { 1, 3, 5 };

  g_test_summary ("A version 1 file (room keys in every row) is migrated: its messages keep "
                  "their ids, times, rooms and order, msgids still find them, offline "
                  "messages stay, and no id is given out twice");

  raw_exec (fx->path, sql);
  store = open_store (fx->path, NULL);
  a = all_rows (store, "#a");
  g_assert_cmpuint (a->len, ==, 3);
  for (guint i = 0; i < a->len; i++)
    {
      const ConfabHistoryRow *row = g_ptr_array_index (a, i);

      g_assert_cmpint (row->id, ==, a_ids[i]);
      g_assert_cmpint (row->time_usec, ==, 10 + 20 * (gint64) i);
      g_assert_cmpstr (row->text, ==, a_texts[i]);
      g_assert_cmpstr (row->target, ==, a_rooms[i]);
    }
  b = all_rows (store, "#b");
  g_assert_cmpuint (b->len, ==, 2);
  g_assert_cmpint (((const ConfabHistoryRow *) g_ptr_array_index (b, 1))->id, ==, 4);
  before = query_ok (store, "#a",
                     (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_BEFORE, .has_anchor = TRUE, .anchor_id = 5 });
  g_assert_cmpuint (before->len, ==, 2);
  g_assert_cmpstr (((const ConfabHistoryRow *) g_ptr_array_index (before, 1))->text, ==, "a2");
  offline = offline_fetch (store, "bob");
  g_assert_cmpuint (offline->len, ==, 1);
  /* The pruned id 6 is not given out again. */
  g_assert_cmpint (append_ok (store, "#a", "after the migration", 80), ==, 7);
  g_assert_cmpint (append_ok (store, "#new", "a new room", 90), ==, 8);
  close_store (store);

  g_assert_cmpint (raw_int (fx->path, "PRAGMA user_version"), ==, confab_history_schema_get_version ());
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'room_message_v1'"), ==, 0);
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room"), ==, 3);
  /* A run of one row each for the migrated ones, and for each since. */
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room_run"), ==, 7);
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"),
                   ==, 0);
}

static void
test_schema_v3 (Fixture      *fx,
                gconstpointer data)
{
  /* Version 3's tables with a message a row: #a has a run of three (ids
   * 1-3), then #b a run of two (4-5), then #a one whose time went back
   * (6); 7 was stored and pruned. Pruning had left id 1 behind the run
   * start it names, as prune_below() did, so the conversion must not
   * trust the runs. */
  g_autofree char *sql = g_strdup_printf (
    "CREATE TABLE room (id INTEGER PRIMARY KEY, room_key TEXT NOT NULL UNIQUE,"
    "  max_span INTEGER NOT NULL DEFAULT 0);"
    "CREATE TABLE room_message (id INTEGER PRIMARY KEY AUTOINCREMENT, room_id INTEGER NOT NULL,"
    "  room TEXT NOT NULL, sender TEXT NOT NULL, time_usec INTEGER NOT NULL, text TEXT NOT NULL);"
    "CREATE TABLE offline_message (id INTEGER PRIMARY KEY AUTOINCREMENT, recipient_key TEXT NOT NULL,"
    "  recipient TEXT NOT NULL, sender TEXT NOT NULL, time_usec INTEGER NOT NULL, text TEXT NOT NULL);"
    "CREATE INDEX offline_message_by_recipient ON offline_message (recipient_key, id);"
    "CREATE TABLE room_run (room_id INTEGER NOT NULL, min_time INTEGER NOT NULL, first_id INTEGER NOT NULL,"
    "  last_id INTEGER NOT NULL, max_time INTEGER NOT NULL, PRIMARY KEY (room_id, min_time, first_id)) WITHOUT ROWID;"
    "INSERT INTO room (id, room_key, max_span) VALUES (1, '#a', 20), (2, '#b', 10);"
    "INSERT INTO room_message (room_id, room, sender, time_usec, text) VALUES"
    "  (1, '#A', 'alice', 10, 'a1'), (1, '#a', 'carol', 20, 'a2'), (1, '#A', 'alice', 30, 'a3'),"
    "  (2, '#b', 'bob', 40, 'b1'), (2, '#b', 'bob', 50, 'b2'), (1, '#a', 'alice', 5, 'a0'),"
    "  (1, '#a', 'alice', 60, 'gone');"
    "DELETE FROM room_message WHERE id = 7;"
    "INSERT INTO room_run VALUES (1, 10, 1, 3, 30), (2, 40, 4, 5, 50), (1, 5, 6, 6, 5);"
    "PRAGMA application_id = %d; PRAGMA user_version = 3",
    CONFAB_HISTORY_APPLICATION_ID);
  const char         *a_texts[] = { "a0", "a1", "a2", "a3" };
  const gint64        a_ids[] = { 6, 1, 2, 3 };
  ConfabHistoryStore *store;
  g_autoptr(GPtrArray) a = NULL;
  g_autoptr(GPtrArray) b = NULL;
  g_autoptr(GPtrArray) after = NULL;

  g_test_summary ("A version 3 file (a row per room message) is migrated to chunks: the "
                  "messages keep their ids, times, rooms and (time, id) order, msgids find "
                  "them, pruning works inside a migrated chunk, and no id is given out twice");

  raw_exec (fx->path, sql);
  store = open_store (fx->path, NULL);
  a = all_rows (store, "#a");
  g_assert_cmpuint (a->len, ==, 4);
  for (guint i = 0; i < a->len; i++)
    {
      g_assert_cmpint (row_at (a, i)->id, ==, a_ids[i]);
      g_assert_cmpstr (row_at (a, i)->text, ==, a_texts[i]);
    }
  g_assert_cmpstr (row_at (a, 1)->target, ==, "#A");
  g_assert_cmpstr (row_at (a, 2)->sender, ==, "carol");
  g_assert_cmpint (row_at (a, 3)->time_usec, ==, 30);
  b = all_rows (store, "#b");
  g_assert_cmpuint (b->len, ==, 2);
  g_assert_cmpint (row_at (b, 0)->id, ==, 4);
  /* A msgid in the middle of a migrated chunk. */
  after = query_ok (store, "#a",
                    (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_AFTER, .has_anchor = TRUE, .anchor_id = 1 });
  g_assert_cmpuint (after->len, ==, 2);
  g_assert_cmpstr (row_at (after, 0)->text, ==, "a2");
  /* The pruned id 7 is not given out again. */
  g_assert_cmpint (append_ok (store, "#a", "after the migration", 80), ==, 8);
  close_store (store);

  g_assert_cmpint (raw_int (fx->path, "PRAGMA user_version"), ==, confab_history_schema_get_version ());
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM sqlite_schema WHERE name = 'room_message'"), ==, 0);
  /* #a 1-3, #b 4-5, #a 6, and the one appended. */
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room_chunk"), ==, 4);
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM room_run"), ==, 4);
  g_assert_cmpint (raw_int (fx->path, "SELECT max_span FROM room WHERE room_key = '#a'"), ==, 20);
  g_assert_cmpint (raw_int (fx->path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check != 'ok'"),
                   ==, 0);

  /* By rows, keeping 2 of #a's 5: a0, a1 and a2 go, from two chunks. */
  {
    ConfabHistoryLimits limits = test_limits ();
    g_autoptr(GPtrArray) kept = NULL;

    limits.max_rows = 2;
    store = open_store (fx->path, &limits);
    prune (store);
    kept = all_rows (store, "#a");
    g_assert_cmpuint (kept->len, ==, 2);
    g_assert_cmpstr (row_at (kept, 0)->text, ==, "a3");
    g_assert_cmpint (row_at (kept, 0)->id, ==, 3);
    g_assert_cmpstr (row_at (kept, 1)->text, ==, "after the migration");
    close_store (store);
  }
  g_assert_cmpint (raw_int (fx->path, "SELECT first_id FROM room_chunk WHERE last_id = 3"), ==, 3);
}

/* Expects opening @path to fail with @code and to leave the file as it was. */
static void
assert_refused (const char *path,
                int         code,
                const char *message_part)
{
  g_autoptr(GBytes) before = read_file (path);
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char    *wal = g_strconcat (path, "-wal", NULL);
  ConfabHistoryLimits limits = test_limits ();
  ConfabHistoryStore *store = confab_history_store_new (path, &limits, CONFAB_HISTORY_STORE_NONE, &error);

  g_assert_null (store);
  g_assert_error (error, CONFAB_HISTORY_ERROR, code);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, message_part));
  after = read_file (path);
  g_assert_true (g_bytes_equal (before, after));
  g_assert_false (g_file_test (wal, G_FILE_TEST_EXISTS));
}

static void
test_schema_newer (Fixture      *fx,
                   gconstpointer data)
{
  g_autofree char *sql = g_strdup_printf ("CREATE TABLE room_message (id INTEGER PRIMARY KEY);"
                                          "PRAGMA application_id = %d; PRAGMA user_version = %u",
                                          CONFAB_HISTORY_APPLICATION_ID,
                                          confab_history_schema_get_version () + 1);

  g_test_summary ("A file of a newer schema version is refused with a clear error and left as it is");

  raw_exec (fx->path, sql);
  assert_refused (fx->path, CONFAB_HISTORY_ERROR_VERSION, "newer than the");
}

static void
test_schema_foreign (Fixture      *fx,
                     gconstpointer data)
{
  g_autofree char *other = g_build_filename (fx->dir->path, "other.db", NULL);

  g_test_summary ("Another program's SQLite file, by its application id or its tables, is refused");

  raw_exec (fx->path, "PRAGMA application_id = 1234; CREATE TABLE t (x)");
  assert_refused (fx->path, CONFAB_HISTORY_ERROR_FOREIGN, "application id 0x4d2");
  raw_exec (other, "CREATE TABLE contacts (name TEXT)");
  assert_refused (other, CONFAB_HISTORY_ERROR_FOREIGN, "tables of its own");
}

/* ---- a corrupt file --------------------------------------------------- */

static void
test_corrupt_garbage (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint8 garbage[8192];

  g_test_summary ("A file of garbage is refused as CORRUPT and left as it is");

  for (guint i = 0; i < sizeof garbage; i++)
    garbage[i] = (guint8) g_test_rand_int_range (0, 256);
  g_assert_true (g_file_set_contents (fx->path, (const char *) garbage, sizeof garbage, &error));
  assert_refused (fx->path, CONFAB_HISTORY_ERROR_CORRUPT, "history.db");
}

static void
test_corrupt_truncated (Fixture      *fx,
                        gconstpointer data)
{
  ConfabHistoryStore *store = open_store (fx->path, NULL);
  GStatBuf            st;

  g_test_summary ("A database file cut short is refused as CORRUPT and left as it is");

  append_many (store, "#room", 2000, g_get_real_time ());
  /* Closing the last connection checkpoints the WAL into the file. */
  close_store (store);
  g_assert_cmpint (g_stat (fx->path, &st), ==, 0);
  g_assert_cmpint (st.st_size, >, 64 * 1024);
  g_assert_cmpint (truncate (fx->path, st.st_size / 2), ==, 0);
  assert_refused (fx->path, CONFAB_HISTORY_ERROR_CORRUPT, "malformed");
}

static void
test_corrupt_chunk (Fixture      *fx,
                    gconstpointer data)
{
  ConfabHistoryStore *store = open_store (fx->path, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  gint64 damaged;

  g_test_summary ("A chunk of room messages damaged inside a sound SQLite file makes that "
                  "room's queries fail with CORRUPT, not read past its end; writing and "
                  "other rooms go on");

  damaged = append_ok (store, "#bad", "soon damaged", 10);
  append_ok (store, "#good", "fine", 20);
  close_store (store);
  /* A header that promises more than the blob holds. */
  raw_exec (fx->path, "UPDATE room_chunk SET messages = x'0a00000000000000ffffff7f0100000001000000'"
                      " WHERE first_id = (SELECT first_id FROM room_chunk JOIN room ON room.id = room_id"
                      " WHERE room_key = '#bad')");

  store = open_store (fx->path, NULL);
  rows = query (store, "#bad", (ConfabHistoryQuery) { .limit = 10 }, &error);
  g_assert_null (rows);
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT);
  g_clear_error (&error);
  /* A msgid inside it, too. */
  rows = query (store, "#bad",
                (ConfabHistoryQuery) { .direction = CONFAB_HISTORY_BEFORE, .has_anchor = TRUE, .anchor_id = damaged },
                &error);
  g_assert_null (rows);
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT);
  rows = all_rows (store, "#good");
  g_assert_cmpuint (rows->len, ==, 1);
  g_clear_pointer (&rows, g_ptr_array_unref);
  append_ok (store, "#bad", "written after", 30);
  append_ok (store, "#good", "written after", 40);
  rows = all_rows (store, "#good");
  g_assert_cmpuint (rows->len, ==, 2);
  close_store (store);
}

/* ---- the chunk format ------------------------------------------------- */

static void
test_chunk_round_trip (void)
{
  static const char * const texts[] = { "", "hello", "grüß dich", "a longer line of text, with, commas" };
  g_autoptr(GByteArray) chunk = g_byte_array_new ();
  ConfabHistoryChunkReader reader;
  ConfabHistoryChunkEntry  entry;
  GError                  *error = NULL;
  gsize                    offset = 0;

  g_test_summary ("Messages appended to a chunk read back the same, in order, with where each starts");

  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      ConfabHistoryChunkEntry in = {
        .time_usec = i == 2 ? G_MININT64 : (gint64) i * 1000 - 1,
        .room = "#Tea",
        .room_len = 4,
        .sender = i % 2 ? "bob" : "Ålice",
        .sender_len = (guint32) strlen (i % 2 ? "bob" : "Ålice"),
        .text = texts[i],
        .text_len = (guint32) strlen (texts[i]),
      };

      confab_history_chunk_append (chunk, &in);
    }
  confab_history_chunk_reader_init (&reader, chunk->data, chunk->len);
  for (guint i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_assert_true (confab_history_chunk_reader_next (&reader, &entry, &error));
      g_assert_no_error (error);
      g_assert_cmpint (entry.time_usec, ==, i == 2 ? G_MININT64 : (gint64) i * 1000 - 1);
      g_assert_cmpstr (entry.room, ==, "#Tea");
      g_assert_cmpstr (entry.sender, ==, i % 2 ? "bob" : "Ålice");
      g_assert_cmpstr (entry.text, ==, texts[i]);
      g_assert_cmpuint (entry.text_len, ==, strlen (texts[i]));
      g_assert_cmpuint (entry.offset, ==, offset);
      offset = (gsize) ((const guint8 *) entry.text - chunk->data) + entry.text_len + 1;
    }
  g_assert_false (confab_history_chunk_reader_next (&reader, &entry, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (offset, ==, chunk->len);
  /* The integers are little-endian whatever the machine. */
  g_assert_cmpuint (chunk->data[0], ==, 0xff);
  g_assert_cmpuint (chunk->data[8], ==, 4);
}

static void
test_chunk_damaged (void)
{
  g_autoptr(GByteArray) chunk = g_byte_array_new ();
  ConfabHistoryChunkEntry in = {
    .time_usec = 42,
    .room = "#r",
    .room_len = 2,
    .sender = "s",
    .sender_len = 1,
    .text = "text",
    .text_len = 4,
  };

  g_test_summary ("A chunk cut short at any byte, with a NUL missing or one inside a string, is "
                  "refused as CORRUPT: the reader never reads past the blob's end");

  confab_history_chunk_append (chunk, &in);
  confab_history_chunk_append (chunk, &in);
  for (gsize cut = 1; cut < chunk->len; cut++)
    {
      g_autofree guint8       *copy = g_memdup2 (chunk->data, cut);
      ConfabHistoryChunkReader reader;
      ConfabHistoryChunkEntry  entry;
      GError                  *error = NULL;
      guint                    n = 0;

      confab_history_chunk_reader_init (&reader, copy, cut);
      while (confab_history_chunk_reader_next (&reader, &entry, &error))
        n++;
      /* Only the cut right after the first message leaves a whole one. */
      if (cut == chunk->len / 2)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (n, ==, 1);
        }
      else
        {
          g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT);
          g_clear_error (&error);
        }
    }
  /* A NUL inside the text, and the text's own NUL replaced. */
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GByteArray) bad = g_byte_array_new ();
      ConfabHistoryChunkReader reader;
      ConfabHistoryChunkEntry  entry;
      GError                  *error = NULL;

      confab_history_chunk_append (bad, &in);
      bad->data[bad->len - (i == 0 ? 3 : 1)] = i == 0 ? '\0' : 'x';
      confab_history_chunk_reader_init (&reader, bad->data, bad->len);
      g_assert_false (confab_history_chunk_reader_next (&reader, &entry, &error));
      g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT);
      g_clear_error (&error);
    }
}

/* ---- read-only -------------------------------------------------------- */

/* In a child: become a user who cannot write the test's files. As root
 * (who may write anything), that is nobody; otherwise the permissions
 * set by the parent already say so. */
static void
drop_write_access (void)
{
  if (geteuid () == 0)
    {
      g_assert_cmpint (setgroups (0, NULL), ==, 0);
      g_assert_cmpint (setgid (NOBODY), ==, 0);
      g_assert_cmpint (setuid (NOBODY), ==, 0);
    }
}

static void
make_read_only (Fixture *fx)
{
  /* Readable by everyone, writable by nobody but root. */
  g_assert_cmpint (g_chmod (fx->path, 0444), ==, 0);
  g_assert_cmpint (g_chmod (fx->dir->path, 0555), ==, 0);
}

static void
read_only_child (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autofree char    *fresh = NULL;
  ConfabHistoryLimits limits = test_limits ();
  ConfabHistoryStore *store;

  use_parent_dir (fx);
  fresh = g_build_filename (g_getenv (ENV_PARENT_DIR), "fresh.db", NULL);
  drop_write_access ();
  capture_start ();
  store = open_store (fx->path, &limits);
  g_assert_true (confab_history_store_is_read_only (store));
  rows = all_rows (store, "#room");
  g_assert_cmpuint (rows->len, ==, 3);
  g_assert_cmpstr (row_at (rows, 2)->text, ==, "m2");

  g_assert_false (append (store, "#room", "alice", "refused", g_get_real_time (), NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY);
  g_clear_error (&error);
  g_assert_false (offline_store (store, "bob", "alice", "refused", NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY);
  g_clear_error (&error);
  close_store (store);
  lines = capture_stop ();
  g_assert_true (lines_contain (lines, "is read-only"));

  /* A file that does not exist cannot be created there. */
  store = confab_history_store_new (fresh, &limits, CONFAB_HISTORY_STORE_NONE, &error);
  g_assert_null (store);
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_READ_ONLY);
  g_test_message ("refused: %s", error->message);
}

static void
test_read_only (Fixture      *fx,
                gconstpointer data)
{
  ConfabHistoryStore *store;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;

  g_test_summary ("A file and directory that cannot be written open read-only: queries "
                  "work, writes fail with READ_ONLY, nothing is changed; a new file "
                  "there cannot be created (READ_ONLY)");

  if (g_test_subprocess ())
    {
      read_only_child (fx);
      return;
    }
  store = open_store (fx->path, NULL);
  append_ok (store, "#room", "m0", g_get_real_time ());
  append_ok (store, "#room", "m1", g_get_real_time ());
  append_ok (store, "#room", "m2", g_get_real_time ());
  close_store (store);
  make_read_only (fx);
  before = read_file (fx->path);
  run_child_in_parent_dir (fx);
  after = read_file (fx->path);
  g_assert_true (g_bytes_equal (before, after));
}

/* ---- a full disk ------------------------------------------------------ */

static void
set_file_size_limit (rlim_t limit)
{
  struct rlimit rl;

  g_assert_cmpint (getrlimit (RLIMIT_FSIZE, &rl), ==, 0);
  rl.rlim_cur = limit;
  g_assert_cmpint (setrlimit (RLIMIT_FSIZE, &rl), ==, 0);
}

static void
disk_full_child (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) lines = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  g_autofree char    *wal = NULL;
  g_autofree char    *big = g_strnfill (3000, 'x');
  ConfabHistoryStore *store;
  ConfabHistoryStats  stats;
  GStatBuf            st;
  guint               stored = 0, attempts = 0;

  /* Past the limit a write fails with EFBIG instead of killing us. */
  use_parent_dir (fx);
  wal = g_strconcat (fx->path, "-wal", NULL);
  signal (SIGXFSZ, SIG_IGN);
  store = open_store (fx->path, NULL);
  append_ok (store, "#room", "before", g_get_real_time ());
  stored++;
  g_assert_cmpint (g_stat (wal, &st), ==, 0);

  capture_start ();
  /* A few more pages of WAL, and the "disk" is full. */
  set_file_size_limit (st.st_size + 16 * 1024);
  for (attempts = 0; attempts < 100; attempts++)
    {
      if (!append (store, "#room", "alice", big, g_get_real_time (), NULL, &error))
        break;
      stored++;
    }
  g_assert_cmpuint (attempts, <, 100);
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_DISK_FULL);
  g_test_message ("write %u failed: %s", attempts, error->message);
  g_clear_error (&error);

  /* Still full: the next write is tried, and fails the same way. */
  g_assert_false (append (store, "#room", "alice", big, g_get_real_time (), NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_DISK_FULL);
  g_clear_error (&error);
  /* A room first written to in a transaction that fails is numbered in
   * it, and the number goes with it. */
  g_assert_false (append (store, "#fresh", "alice", big, g_get_real_time (), NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_DISK_FULL);
  g_clear_error (&error);
  /* Reads still work meanwhile. */
  rows = all_rows (store, "#room");
  g_assert_cmpuint (rows->len, ==, stored);
  g_clear_pointer (&rows, g_ptr_array_unref);

  /* Space returns: the store writes again by itself. */
  set_file_size_limit (RLIM_INFINITY);
  append_ok (store, "#room", "after", g_get_real_time ());
  stored++;
  rows = all_rows (store, "#room");
  g_assert_cmpuint (rows->len, ==, stored);
  g_assert_cmpstr (row_at (rows, 0)->text, ==, "before");
  g_assert_cmpstr (row_at (rows, rows->len - 1)->text, ==, "after");
  g_clear_pointer (&rows, g_ptr_array_unref);
  append_ok (store, "#fresh", "fresh", g_get_real_time ());
  stored++;
  rows = all_rows (store, "#fresh");
  g_assert_cmpuint (rows->len, ==, 1);
  g_assert_cmpstr (row_at (rows, 0)->text, ==, "fresh");
  /* In the file, under the room's key, not a number of the failed one. */
  g_assert_cmpint (raw_int (fx->path, "SELECT sum(last_id - first_id + 1) FROM room_chunk JOIN room ON room.id = room_id "
                                      "WHERE room_key = '#fresh'"),
                   ==, 1);

  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.write_errors, ==, 3);
  g_assert_cmpuint (stats.rows_written, ==, stored);
  close_store (store);

  lines = capture_stop ();
  for (guint i = 0; i < lines->len; i++)
    g_test_message ("logged: %s", (const char *) lines->pdata[i]);
  /* One warning when it started failing, one message when it stopped. */
  g_assert_cmpuint (lines->len, ==, 2);
  g_assert_nonnull (strstr (lines->pdata[0], "cannot write (no space left to store history"));
  g_assert_nonnull (strstr (lines->pdata[1], "writing again, after 3 failed writes"));
}

static void
test_disk_full (Fixture      *fx,
                gconstpointer data)
{
  g_test_summary ("A full disk (RLIMIT_FSIZE) fails the write with DISK_FULL, logged once; "
                  "reads go on, and writes work again once there is space");

  if (g_test_subprocess ())
    {
      disk_full_child (fx);
      return;
    }
  run_child_in_parent_dir (fx);
}

/* ---- the queue -------------------------------------------------------- */

static void
count_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  guint *n = user_data;

  g_assert_true (confab_history_store_append_finish (CONFAB_HISTORY_STORE (source), result, NULL, NULL));
  (*n)++;
}

static void
test_queue_full (Fixture      *fx,
                 gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GError) error = NULL;
  ConfabHistoryStore *store;
  ConfabHistoryStats  stats = { 0 };
  sqlite3            *locker = NULL;
  guint               n_done = 0;
  gint64              start, called;

  g_test_summary ("A full queue refuses a request at once with BUSY and never blocks the "
                  "caller; what was queued is still written");

  limits.queue_max = 4;
  store = open_store (fx->path, &limits);
  /* Another connection holds the write lock: the worker waits in its
   * first batch (for up to the busy timeout) and the queue fills. */
  g_assert_cmpint (sqlite3_open (fx->path, &locker), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  confab_history_store_append_async (store, "#r", "#r", "a", "first", 1, count_cb, &n_done);
  start = g_get_monotonic_time ();
  do
    {
      g_usleep (1000);
      confab_history_store_get_stats (store, &stats);
    }
  while (stats.queue_length > 0 && g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (stats.queue_length, ==, 0);

  for (guint i = 0; i < 4; i++)
    confab_history_store_append_async (store, "#r", "#r", "a", "queued", 2 + i, count_cb, &n_done);
  called = g_get_monotonic_time ();
  confab_history_store_append_async (store, "#r", "#r", "a", "refused", 9, result_cb, &refused);
  g_assert_cmpint (g_get_monotonic_time () - called, <, G_USEC_PER_SEC);
  g_assert_false (confab_history_store_append_finish (store, wait_result (&refused), NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_BUSY);
  g_assert_cmpuint (n_done, ==, 0);

  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.queue_length, ==, 4);
  g_assert_cmpuint (stats.queue_high_water, ==, 4);
  g_assert_cmpuint (stats.writes_refused_busy, ==, 1);

  sqlite3_exec (locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (locker);
  run_until_count (&n_done, 5, WAIT_MS);
  {
    g_autoptr(GPtrArray) rows = all_rows (store, "#r");

    g_assert_cmpuint (rows->len, ==, 5);
  }
  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.rows_written, ==, 5);
  /* The four that waited went in one transaction. */
  g_assert_cmpuint (stats.transactions, ==, 2);
  close_store (store);
}

static void
test_queue_full_unwaited (Fixture      *fx,
                          gconstpointer data)
{
  ConfabHistoryLimits limits = test_limits ();
  g_autoptr(GAsyncResult) refused = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = NULL;
  ConfabHistoryStore *store;
  ConfabHistoryStats  stats = { 0 };
  sqlite3            *locker = NULL;
  gint64              start;

  g_test_summary ("Room messages nobody waits for share the queue's bound with the other "
                  "requests: past it they are dropped and counted, and what was queued is "
                  "written in the order it was recorded");

  limits.queue_max = 4;
  store = open_store (fx->path, &limits);
  g_assert_cmpint (sqlite3_open (fx->path, &locker), ==, SQLITE_OK);
  g_assert_cmpint (sqlite3_exec (locker, "BEGIN IMMEDIATE", NULL, NULL, NULL), ==, SQLITE_OK);

  confab_history_store_append_async (store, "#r", "#r", "a", "first", 1, NULL, NULL);
  start = g_get_monotonic_time ();
  do
    {
      g_usleep (1000);
      confab_history_store_get_stats (store, &stats);
    }
  while (stats.queue_length > 0 && g_get_monotonic_time () - start < 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (stats.queue_length, ==, 0);

  for (guint i = 0; i < 3; i++)
    {
      g_autofree char *text = g_strdup_printf ("queued %u", i);

      confab_history_store_append_async (store, "#r", "#r", "a", text, 2 + i, NULL, NULL);
    }
  /* The bound counts both kinds: a fourth record fills it, and then a
   * request with a caller is refused as well as a fifth record. */
  confab_history_store_append_async (store, "#r", "#r", "a", "queued 3", 5, NULL, NULL);
  confab_history_store_append_async (store, "#r", "#r", "a", "dropped", 6, NULL, NULL);
  confab_history_store_append_async (store, "#r", "#r", "a", "refused", 7, result_cb, &refused);
  g_assert_false (confab_history_store_append_finish (store, wait_result (&refused), NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_BUSY);
  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.queue_length, ==, 4);
  g_assert_cmpuint (stats.queue_high_water, ==, 4);
  g_assert_cmpuint (stats.writes_refused_busy, ==, 2);

  sqlite3_exec (locker, "ROLLBACK", NULL, NULL, NULL);
  sqlite3_close (locker);
  start = g_get_monotonic_time ();
  do
    {
      g_usleep (1000);
      confab_history_store_get_stats (store, &stats);
    }
  while (stats.queue_length > 0 && g_get_monotonic_time () - start < 10 * G_USEC_PER_SEC);
  rows = all_rows (store, "#r");
  g_assert_cmpuint (rows->len, ==, 5);
  for (guint i = 0; i < rows->len; i++)
    {
      const ConfabHistoryRow *row = g_ptr_array_index (rows, i);
      g_autofree char        *expected = i == 0 ? g_strdup ("first") : g_strdup_printf ("queued %u", i - 1);

      g_assert_cmpstr (row->text, ==, expected);
      g_assert_cmpint (row->time_usec, ==, 1 + i);
      if (i > 0)
        g_assert_cmpint (row->id, >, ((const ConfabHistoryRow *) g_ptr_array_index (rows, i - 1))->id);
    }
  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.rows_written, ==, 5);
  g_assert_cmpuint (stats.write_latency_count, ==, 5);
  close_store (store);
}

static void
test_batching_and_latency (Fixture      *fx,
                           gconstpointer data)
{
  ConfabHistoryStore *store = open_store (fx->path, NULL);
  ConfabHistoryStats  stats;

  g_test_summary ("A burst of writes is committed in few transactions, and each write's "
                  "latency is recorded");

  append_many (store, "#room", 3000, g_get_real_time ());
  confab_history_store_get_stats (store, &stats);
  g_assert_cmpuint (stats.rows_written, ==, 3000);
  g_assert_cmpuint (stats.transactions, <, 3000);
  g_assert_cmpuint (stats.transactions, >=, 3);
  g_assert_cmpuint (stats.write_latency_count, ==, 3000);
  g_assert_cmpint (stats.write_latency_p50_usec, <=, stats.write_latency_p99_usec);
  g_assert_cmpint (stats.write_latency_p99_usec, <=, stats.write_latency_max_usec);
  g_assert_cmpint (stats.write_latency_max_usec, >, 0);
  g_assert_cmpuint (stats.queue_length, ==, 0);
  g_assert_cmpuint (stats.queue_high_water, >, 1);
  g_test_message ("%" G_GUINT64_FORMAT " transactions; latency p50 %" G_GINT64_FORMAT
                  " µs, p99 %" G_GINT64_FORMAT " µs, max %" G_GINT64_FORMAT " µs",
                  stats.transactions, stats.write_latency_p50_usec, stats.write_latency_p99_usec,
                  stats.write_latency_max_usec);
  close_store (store);
}

static void
test_latency_histogram (void)
{
  ConfabHistoryLatency h = { 0 };

  g_test_summary ("The latency histogram reads back percentiles within 12.5 %");

  g_assert_cmpint (confab_history_latency_percentile (&h, 99), ==, 0);
  for (gint64 v = 1; v <= 10000; v++)
    confab_history_latency_add (&h, v);
  g_assert_cmpuint (h.n, ==, 10000);
  g_assert_cmpint (h.max_usec, ==, 10000);
  g_assert_cmpint (confab_history_latency_percentile (&h, 50), >=, 5000);
  g_assert_cmpint (confab_history_latency_percentile (&h, 50), <=, 5000 * 9 / 8);
  g_assert_cmpint (confab_history_latency_percentile (&h, 99), >=, 9900);
  g_assert_cmpint (confab_history_latency_percentile (&h, 99), <=, 10000);
  g_assert_cmpint (confab_history_latency_percentile (&h, 100), ==, 10000);
  g_assert_cmpint (confab_history_latency_percentile (&h, 0.001), ==, 1);
  /* Exact below 16, clamped far above, never negative. */
  confab_history_latency_add (&h, -5);
  confab_history_latency_add (&h, G_MAXINT64);
  g_assert_cmpint (h.max_usec, ==, G_MAXINT64);
  g_assert_cmpint (confab_history_latency_percentile (&h, 0.001), ==, 0);

  /* Merging two histograms is as good as adding to one. */
  {
    ConfabHistoryLatency odd = { 0 }, even = { 0 }, all = { 0 };

    for (gint64 v = 1; v <= 1000; v++)
      {
        confab_history_latency_add (v % 2 != 0 ? &odd : &even, v);
        confab_history_latency_add (&all, v);
      }
    confab_history_latency_merge (&odd, &even);
    g_assert_cmpmem (&odd, sizeof odd, &all, sizeof all);
  }
}

static void
test_close (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(GAsyncResult) queued = NULL;
  g_autoptr(GAsyncResult) late = NULL;
  g_autoptr(GError) error = NULL;
  ConfabHistoryStore *store = open_store (fx->path, NULL);
  gint64              id = 0;

  g_test_summary ("Closing writes what is queued and delivers its completions; a request "
                  "after it is refused with CLOSED");

  confab_history_store_append_async (store, "#r", "#r", "a", "queued", 1, result_cb, &queued);
  confab_history_store_close (store);
  confab_history_store_append_async (store, "#r", "#r", "a", "late", 2, result_cb, &late);
  g_assert_true (confab_history_store_append_finish (store, wait_result (&queued), &id, &error));
  g_assert_no_error (error);
  g_assert_false (confab_history_store_append_finish (store, wait_result (&late), NULL, &error));
  g_assert_error (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CLOSED);
  close_store (store);
  g_assert_cmpint (raw_int (fx->path, "SELECT sum(last_id - first_id + 1) FROM room_chunk"), ==, 1);
}

/* ---- two writers ------------------------------------------------------ */

typedef struct
{
  guint   ok;
  guint   failed;
  GArray *ids; /* gint64 */
} Tally;

static void
tally_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  Tally *tally = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;

  if (confab_history_store_append_finish (CONFAB_HISTORY_STORE (source), result, &id, &error))
    {
      tally->ok++;
      g_array_append_val (tally->ids, id);
    }
  else
    {
      g_test_message ("append failed: %s", error->message);
      tally->failed++;
    }
}

static void
test_concurrent_stores (Fixture      *fx,
                        gconstpointer data)
{
  ConfabHistoryStore *a = open_store (fx->path, NULL);
  ConfabHistoryStore *b = open_store (fx->path, NULL);
  Tally               ta = { 0, 0, g_array_new (FALSE, FALSE, sizeof (gint64)) };
  Tally               tb = { 0, 0, g_array_new (FALSE, FALSE, sizeof (gint64)) };
  g_autoptr(GHashTable) seen = g_hash_table_new (g_int64_hash, g_int64_equal);

  g_test_summary ("Two stores (two worker threads, two connections) write the same file at "
                  "once: every write succeeds, waiting for the other's lock");

  for (guint i = 0; i < 1000; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      confab_history_store_append_async (a, "#a", "#a", "a", text, i, tally_cb, &ta);
      confab_history_store_append_async (b, "#b", "#b", "b", text, i, tally_cb, &tb);
    }
  run_until_count (&ta.ok, 1000, WAIT_MS);
  run_until_count (&tb.ok, 1000, WAIT_MS);
  g_assert_cmpuint (ta.failed + tb.failed, ==, 0);

  /* Ids are unique across both writers. */
  for (guint i = 0; i < 1000; i++)
    {
      g_assert_true (g_hash_table_add (seen, &g_array_index (ta.ids, gint64, i)));
      g_assert_true (g_hash_table_add (seen, &g_array_index (tb.ids, gint64, i)));
    }
  {
    ConfabHistoryLimits limits = test_limits ();
    g_autoptr(GPtrArray) rows = NULL;

    limits.replay_max = 5000;
    confab_history_store_set_limits (a, &limits);
    rows = all_rows (a, "#b");
    g_assert_cmpuint (rows->len, ==, 1000);
    g_assert_cmpstr (row_at (rows, 999)->text, ==, "999");
  }
  close_store (a);
  close_store (b);
  g_array_unref (ta.ids);
  g_array_unref (tb.ids);
}

static GSubprocess *
spawn_writer (const char *path,
              const char *room,
              guint       count)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *count_text = g_strdup_printf ("%u", count);
  const char      *writer = g_getenv (ENV_HISTORY_WRITER);
  GSubprocess     *process;

  if (writer == NULL)
    g_error ("$" ENV_HISTORY_WRITER " is not set; run the tests with meson test");
  process = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, writer, path, room, count_text, NULL);
  g_assert_no_error (error);
  return process;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_assert_true (g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL));
  *(gboolean *) user_data = TRUE;
}

static void
test_concurrent_processes (Fixture      *fx,
                           gconstpointer data)
{
  g_autoptr(GSubprocess) one = spawn_writer (fx->path, "#one", 500);
  g_autoptr(GSubprocess) two = spawn_writer (fx->path, "#two", 500);
  ConfabHistoryLimits limits = test_limits ();
  ConfabHistoryStore *store;
  gboolean            done_one = FALSE, done_two = FALSE;

  g_test_summary ("Two processes write the same file at once (WAL, busy timeout): both "
                  "finish and every row is there");

  g_subprocess_wait_async (one, NULL, wait_cb, &done_one);
  g_subprocess_wait_async (two, NULL, wait_cb, &done_two);
  run_until (&done_one, WAIT_MS * 4);
  run_until (&done_two, WAIT_MS * 4);
  g_assert_true (g_subprocess_get_if_exited (one));
  g_assert_cmpint (g_subprocess_get_exit_status (one), ==, 0);
  g_assert_true (g_subprocess_get_if_exited (two));
  g_assert_cmpint (g_subprocess_get_exit_status (two), ==, 0);

  limits.replay_max = 1000;
  store = open_store (fx->path, &limits);
  for (guint r = 0; r < 2; r++)
    {
      const char *room = r == 0 ? "#one" : "#two";
      g_autoptr(GPtrArray) rows = all_rows (store, room);

      g_assert_cmpuint (rows->len, ==, 500);
      for (guint i = 0; i < 500; i++)
        {
          g_autofree char *expected = g_strdup_printf ("%s %u", room, i);

          g_assert_cmpstr (row_at (rows, i)->text, ==, expected);
        }
    }
  close_store (store);
}

/* ---- kill -9 ---------------------------------------------------------- */

typedef struct
{
  GDataInputStream *in;
  char             *line; /* (owned) (nullable) */
  gboolean          done;
} LineRead;

static void
line_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  LineRead *read = user_data;

  read->line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result, NULL, NULL);
  read->done = TRUE;
}

/* The next line of @in, or %NULL at the end; fails after @ms. */
static char *
read_line (GDataInputStream *in,
           guint             ms)
{
  LineRead read = { in, NULL, FALSE };

  g_data_input_stream_read_line_async (in, G_PRIORITY_DEFAULT, NULL, line_cb, &read);
  run_until (&read.done, ms);
  return read.line;
}

/* Records a "stored ID INDEX" line of history-writer. */
static void
note_stored (GHashTable *stored,
             const char *line)
{
  g_auto(GStrv) words = g_strsplit (line, " ", -1);
  gint64 *id = g_new (gint64, 1);
  guint64 index = 0;

  g_assert_cmpuint (g_strv_length (words), ==, 3);
  g_assert_cmpstr (words[0], ==, "stored");
  g_assert_true (g_ascii_string_to_signed (words[1], 10, 1, G_MAXINT64, id, NULL));
  g_assert_true (g_ascii_string_to_unsigned (words[2], 10, 0, G_MAXUINT, &index, NULL));
  g_hash_table_insert (stored, id, GUINT_TO_POINTER ((guint) index + 1));
}

static void
test_kill_9 (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr(GSubprocess) writer = spawn_writer (fx->path, "#room", 1000000);
  g_autoptr(GDataInputStream) in = g_data_input_stream_new (g_subprocess_get_stdout_pipe (writer));
  g_autoptr(GHashTable) stored = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  g_autoptr(GHashTable) found = g_hash_table_new (g_int64_hash, g_int64_equal);
  g_autoptr(GPtrArray) rows = NULL;
  ConfabHistoryLimits limits = test_limits ();
  ConfabHistoryStore *store;
  GHashTableIter      iter;
  gpointer            key, value;
  gboolean            exited = FALSE;
  pid_t               pid;

  g_test_summary ("Every message the writer was told was stored is in the file after it is "
                  "killed with SIGKILL in the middle of writing");

  /* Enough completions that the writer is in full flow when killed. */
  while (g_hash_table_size (stored) < 2000)
    {
      g_autofree char *line = read_line (in, WAIT_MS);

      g_assert_nonnull (line);
      note_stored (stored, line);
    }
  pid = (pid_t) g_ascii_strtoll (g_subprocess_get_identifier (writer), NULL, 10);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_subprocess_wait_async (writer, NULL, wait_cb, &exited);
  run_until (&exited, WAIT_MS);
  g_assert_true (g_subprocess_get_if_signaled (writer));
  g_assert_cmpint (g_subprocess_get_term_sig (writer), ==, SIGKILL);
  /* Lines it printed before it died count too. */
  for (guint n = 0; n < 1000000; n++)
    {
      g_autofree char *line = read_line (in, WAIT_MS);

      if (line == NULL)
        break;
      note_stored (stored, line);
    }
  g_test_message ("%u messages reported stored before the kill", g_hash_table_size (stored));

  limits.replay_max = 2000000;
  store = open_store (fx->path, &limits);
  rows = all_rows (store, "#room");
  for (guint i = 0; i < rows->len; i++)
    g_hash_table_insert (found, &row_at (rows, i)->id, rows->pdata[i]);
  g_assert_cmpuint (rows->len, >=, g_hash_table_size (stored));
  g_hash_table_iter_init (&iter, stored);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      ConfabHistoryRow *row = g_hash_table_lookup (found, key);
      g_autofree char  *expected = g_strdup_printf ("#room %u", GPOINTER_TO_UINT (value) - 1);

      if (row == NULL)
        g_error ("message %" G_GINT64_FORMAT " was reported stored but is not in the file", *(gint64 *) key);
      g_assert_cmpstr (row->text, ==, expected);
    }
  close_store (store);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/history/room/append-latest", test_append_latest);
  ADD ("/history/room/before-after", test_before_after);
  g_test_add_func ("/history/room/msgid", test_msgid);
  ADD ("/history/offline/order-ack", test_offline_order_ack);
  ADD ("/history/offline/bound", test_offline_bound);
  ADD ("/history/retention/age", test_retention_age);
  ADD ("/history/retention/rows", test_retention_rows);
  ADD ("/history/retention/background", test_retention_background);
  ADD ("/history/room/clock-steps", test_clock_steps);
  ADD ("/history/room/many-rooms", test_many_rooms);
  ADD ("/history/room/full-chunks", test_full_chunks);
  ADD ("/history/schema/new", test_schema_new);
  ADD ("/history/schema/older", test_schema_older);
  ADD ("/history/schema/v1", test_schema_v1);
  ADD ("/history/schema/v3", test_schema_v3);
  ADD ("/history/schema/newer", test_schema_newer);
  ADD ("/history/schema/foreign", test_schema_foreign);
  ADD ("/history/failure/corrupt-garbage", test_corrupt_garbage);
  ADD ("/history/failure/corrupt-truncated", test_corrupt_truncated);
  ADD ("/history/failure/corrupt-chunk", test_corrupt_chunk);
  g_test_add_func ("/history/chunk/round-trip", test_chunk_round_trip);
  g_test_add_func ("/history/chunk/damaged", test_chunk_damaged);
  ADD ("/history/failure/read-only", test_read_only);
  ADD ("/history/failure/disk-full", test_disk_full);
  ADD ("/history/queue/full", test_queue_full);
  ADD ("/history/queue/full-unwaited", test_queue_full_unwaited);
  ADD ("/history/queue/batching-latency", test_batching_and_latency);
  g_test_add_func ("/history/queue/latency-histogram", test_latency_histogram);
  ADD ("/history/close", test_close);
  ADD ("/history/concurrent/stores", test_concurrent_stores);
  ADD ("/history/concurrent/processes", test_concurrent_processes);
  ADD ("/history/durability/kill-9", test_kill_9);

#undef ADD

  return g_test_run ();
}
