/* history-writer.c: a process that appends to a history file, for
 * test-history-store (kill -9 durability, writers in two processes).
 *
 *   history-writer DB ROOM COUNT
 *
 * Appends COUNT messages "ROOM i" (i = 0 …) to ROOM as the daemon would,
 * from its main loop, at most WINDOW in flight, and prints
 * "stored ID i" on stdout (flushed) from each completion callback, so
 * that every line it printed is a message it was told was stored. Exits
 * 0 when all are stored, 1 on the first failure (message on stderr), 2
 * on bad arguments, 3 if it takes longer than TIME_LIMIT_SEC.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "confab-history-store.h"

#define WINDOW         64
#define TIME_LIMIT_SEC 120

typedef struct
{
  ConfabHistoryStore *store;
  const char         *room;
  guint64             count;
  guint64             sent;
  guint64             stored;
  int                 status;
  GMainLoop          *loop;
} Writer;

static void send_next (Writer *w);

static void
appended_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  Writer *w = user_data;
  g_autoptr(GError) error = NULL;
  gint64 id = 0;
  /* The text says which message this was; the callbacks come in order. */
  guint64 index = w->stored;

  if (!confab_history_store_append_finish (CONFAB_HISTORY_STORE (source), result, &id, &error))
    {
      fprintf (stderr, "history-writer: message %" G_GUINT64_FORMAT ": %s\n", index, error->message);
      w->status = 1;
      g_main_loop_quit (w->loop);
      return;
    }
  printf ("stored %" G_GINT64_FORMAT " %" G_GUINT64_FORMAT "\n", id, index);
  fflush (stdout);
  w->stored++;
  if (w->stored == w->count)
    g_main_loop_quit (w->loop);
  else
    send_next (w);
}

static void
send_next (Writer *w)
{
  while (w->sent < w->count && w->sent - w->stored < WINDOW)
    {
      g_autofree char *text = g_strdup_printf ("%s %" G_GUINT64_FORMAT, w->room, w->sent);

      confab_history_store_append_async (w->store, w->room, w->room, "writer", text,
                                         g_get_real_time (), appended_cb, w);
      w->sent++;
    }
}

static gboolean
time_limit_cb (gpointer user_data)
{
  Writer *w = user_data;

  fprintf (stderr, "history-writer: not done after %d s\n", TIME_LIMIT_SEC);
  w->status = 3;
  g_main_loop_quit (w->loop);
  return G_SOURCE_REMOVE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  ConfabHistoryLimits limits;
  Writer              w = { 0 };

  if (argc != 4 || !g_ascii_string_to_unsigned (argv[3], 10, 1, G_MAXUINT32, &w.count, NULL))
    {
      fprintf (stderr, "usage: history-writer DB ROOM COUNT\n");
      return 2;
    }
  confab_history_limits_init (&limits);
  limits.prune_interval_sec = 0;
  w.store = confab_history_store_new (argv[1], &limits, CONFAB_HISTORY_STORE_NONE, &error);
  if (w.store == NULL)
    {
      fprintf (stderr, "history-writer: %s\n", error->message);
      return 1;
    }
  w.room = argv[2];
  loop = g_main_loop_new (NULL, FALSE);
  w.loop = loop;
  g_timeout_add_seconds (TIME_LIMIT_SEC, time_limit_cb, &w);
  send_next (&w);
  g_main_loop_run (loop);
  /* Whatever is in flight after a failure still completes before the
   * store goes: its callbacks need the loop. */
  confab_history_store_close (w.store);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_object_unref (w.store);
  return w.status;
}
