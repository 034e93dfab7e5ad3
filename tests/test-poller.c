/* test-poller.c: many sockets watched through one GSource.
 *
 * Socket pairs stand in for connections; each test runs the default main
 * context a bounded number of times.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/socket.h>
#include <gio/gio.h>

#include "confab-poller.h"

#define MAX_ITERATIONS 20

typedef struct
{
  ConfabPoller *poller;
  ConfabWatch   watch;
  int           fds[2]; /* [0] watched, [1] the other end */
  guint         calls;
  GIOCondition  last;
  gpointer      victim; /* another Conn this one's callback stops watching */
} Conn;

static void
on_ready (GIOCondition condition,
          gpointer     user_data)
{
  Conn *conn = user_data;
  Conn *victim = conn->victim;

  conn->calls++;
  conn->last = condition;
  if (victim != NULL)
    g_assert_true (confab_poller_set_events (conn->poller, &victim->watch, 0, NULL));
  /* Level-triggered: take the input, or it would be reported again. */
  if (condition & G_IO_IN)
    {
      char buf[64];

      while (read (conn->fds[0], buf, sizeof buf) > 0)
        ;
    }
}

static void
conn_open (Conn         *conn,
           ConfabPoller *poller)
{
  memset (conn, 0, sizeof *conn);
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, conn->fds));
  conn->poller = poller;
  confab_watch_init (&conn->watch, conn->fds[0], on_ready, conn);
}

static void
conn_close (Conn *conn)
{
  g_assert_true (confab_poller_set_events (conn->poller, &conn->watch, 0, NULL));
  close (conn->fds[0]);
  if (conn->fds[1] >= 0)
    close (conn->fds[1]);
}

/* Runs the main context until @done or MAX_ITERATIONS. */
static void
iterate_until (const guint *calls,
               guint        expected)
{
  for (guint i = 0; i < MAX_ITERATIONS && *calls < expected; i++)
    g_main_context_iteration (NULL, FALSE);
}

/* A few iterations in which @conn must not be called back. */
static void
assert_not_called (Conn *conn)
{
  guint before = conn->calls;

  for (guint i = 0; i < 3; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (conn->calls, ==, before);
}

static void
test_input (void)
{
  g_autoptr(ConfabPoller) poller = confab_poller_new (NULL, NULL);
  Conn conn;

  conn_open (&conn, poller);
  g_assert_true (confab_poller_set_events (poller, &conn.watch, G_IO_IN, NULL));
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 1);

  /* Nothing to read: no call. */
  assert_not_called (&conn);

  g_assert_cmpint (write (conn.fds[1], "hi\n", 3), ==, 3);
  iterate_until (&conn.calls, 1);
  g_assert_cmpuint (conn.calls, ==, 1);
  g_assert_cmpuint (conn.last, ==, G_IO_IN);

  /* Read in full: not reported again. */
  assert_not_called (&conn);

  conn_close (&conn);
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 0);
}

static void
test_output_and_change (void)
{
  g_autoptr(ConfabPoller) poller = confab_poller_new (NULL, NULL);
  Conn conn;

  conn_open (&conn, poller);
  /* An empty socket buffer has room at once. */
  g_assert_true (confab_poller_set_events (poller, &conn.watch, G_IO_OUT, NULL));
  iterate_until (&conn.calls, 1);
  g_assert_cmpuint (conn.calls, ==, 1);
  g_assert_cmpuint (conn.last, ==, G_IO_OUT);

  /* Switched to input only: room to write is no longer reported. */
  g_assert_true (confab_poller_set_events (poller, &conn.watch, G_IO_IN, NULL));
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 1);
  assert_not_called (&conn);

  /* Setting the same events again changes nothing. */
  g_assert_true (confab_poller_set_events (poller, &conn.watch, G_IO_IN, NULL));
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 1);
  conn_close (&conn);
}

/* The other end closing is reported as input (EOF) and hang-up. */
static void
test_hangup (void)
{
  g_autoptr(ConfabPoller) poller = confab_poller_new (NULL, NULL);
  Conn conn;

  conn_open (&conn, poller);
  g_assert_true (confab_poller_set_events (poller, &conn.watch, G_IO_IN, NULL));
  close (conn.fds[1]);
  conn.fds[1] = -1;
  iterate_until (&conn.calls, 1);
  g_assert_cmpuint (conn.calls, ==, 1);
  g_assert_true (conn.last & G_IO_IN);
  g_assert_true (conn.last & G_IO_HUP);
  conn_close (&conn);
}

/* Two connections ready in one batch, and the first one's callback stops
 * watching the second (as closing a peer does): the second must not be
 * called back, whichever of them epoll lists first. */
static void
test_removed_within_batch (void)
{
  g_autoptr(ConfabPoller) poller = confab_poller_new (NULL, NULL);
  Conn a, b;

  conn_open (&a, poller);
  conn_open (&b, poller);
  a.victim = &b;
  b.victim = &a;
  g_assert_true (confab_poller_set_events (poller, &a.watch, G_IO_IN, NULL));
  g_assert_true (confab_poller_set_events (poller, &b.watch, G_IO_IN, NULL));
  g_assert_cmpint (write (a.fds[1], "x", 1), ==, 1);
  g_assert_cmpint (write (b.fds[1], "x", 1), ==, 1);

  for (guint i = 0; i < MAX_ITERATIONS && a.calls + b.calls == 0; i++)
    g_main_context_iteration (NULL, FALSE);
  g_assert_cmpuint (a.calls + b.calls, ==, 1);
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 1);

  /* Whoever ran is still watched; unhook its victim link and close. */
  a.victim = b.victim = NULL;
  conn_close (a.calls ? &a : &b);
  close ((a.calls ? &b : &a)->fds[0]);
  close ((a.calls ? &b : &a)->fds[1]);
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 0);
}

/* More ready descriptors than one dispatch takes: all are served, over
 * several iterations. */
static void
test_many_ready (void)
{
  g_autoptr(ConfabPoller) poller = confab_poller_new (NULL, NULL);
  const guint n = 300; /* more than one batch, within a default fd limit */
  Conn       *conns = g_new0 (Conn, n);
  guint       served = 0;

  for (guint i = 0; i < n; i++)
    {
      conn_open (&conns[i], poller);
      g_assert_true (confab_poller_set_events (poller, &conns[i].watch, G_IO_IN, NULL));
      g_assert_cmpint (write (conns[i].fds[1], "x", 1), ==, 1);
    }
  for (guint i = 0; i < MAX_ITERATIONS && served < n; i++)
    {
      g_main_context_iteration (NULL, FALSE);
      served = 0;
      for (guint j = 0; j < n; j++)
        served += conns[j].calls;
    }
  for (guint j = 0; j < n; j++)
    g_assert_cmpuint (conns[j].calls, ==, 1);
  for (guint i = 0; i < n; i++)
    conn_close (&conns[i]);
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 0);
  g_free (conns);
}

/* A descriptor the kernel cannot watch is an error, not a crash. */
static void
test_bad_descriptor (void)
{
  g_autoptr(ConfabPoller) poller = confab_poller_new (NULL, NULL);
  g_autoptr(GError) error = NULL;
  ConfabWatch watch;
  int         fds[2];

  g_assert_no_errno (pipe (fds));
  close (fds[0]);
  close (fds[1]);
  confab_watch_init (&watch, fds[0], on_ready, NULL);
  g_assert_false (confab_poller_set_events (poller, &watch, G_IO_IN, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_cmpuint (watch.events, ==, 0);
  g_assert_cmpuint (confab_poller_get_n_watched (poller), ==, 0);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/poller/input", test_input);
  g_test_add_func ("/poller/output-and-change", test_output_and_change);
  g_test_add_func ("/poller/hangup", test_hangup);
  g_test_add_func ("/poller/removed-within-batch", test_removed_within_batch);
  g_test_add_func ("/poller/many-ready", test_many_ready);
  g_test_add_func ("/poller/bad-descriptor", test_bad_descriptor);

  return g_test_run ();
}
