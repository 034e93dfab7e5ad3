/* test-deadlines.c: many deadlines behind one GSource.
 *
 * The queue is driven with times of the test's own through
 * confab_deadlines_run_due(), so ordering, cancelling and re-arming are
 * checked without sleeping; one test runs it on a main context, and one
 * runs a real ConfabServer in-process to check that connections that
 * never log in add no GSource each.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <gio/gio.h>

#include "confab-deadlines.h"
#include "confab-server.h"

typedef struct
{
  ConfabDeadline   deadline;
  GArray          *log; /* (unowned): ids of the entries run, in order */
  guint            id;
  ConfabDeadlines *queue;
  gint64           rearm_to; /* > 0: arm again for this time when run */
} Entry;

static void
entry_run (gpointer user_data)
{
  Entry *entry = user_data;

  g_assert_false (confab_deadline_is_armed (&entry->deadline));
  g_array_append_val (entry->log, entry->id);
  if (entry->rearm_to > 0)
    {
      gint64 when = entry->rearm_to;

      entry->rearm_to = 0;
      confab_deadlines_arm (entry->queue, &entry->deadline, when, entry_run, entry);
    }
}

static void
entry_arm (Entry           *entry,
           ConfabDeadlines *queue,
           GArray          *log,
           guint            id,
           gint64           when)
{
  entry->log = log;
  entry->id = id;
  entry->queue = queue;
  confab_deadlines_arm (queue, &entry->deadline, when, entry_run, entry);
}

static void
assert_log (GArray      *log,
            const guint *expected,
            guint        n)
{
  g_assert_cmpuint (log->len, ==, n);
  for (guint i = 0; i < n; i++)
    g_assert_cmpuint (g_array_index (log, guint, i), ==, expected[i]);
  g_array_set_size (log, 0);
}

static void
test_order (void)
{
  g_autoptr(ConfabDeadlines) queue = confab_deadlines_new (NULL);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (guint));
  Entry        e[5] = { 0 };
  const gint64 times[5] = { 50, 10, 40, 20, 30 };
  const guint  first[] = { 1, 3 };
  const guint  rest[] = { 4, 2, 0 };

  g_test_summary ("Deadlines run earliest first, only once due, each once");

  for (guint i = 0; i < 5; i++)
    entry_arm (&e[i], queue, log, i, times[i]);
  g_assert_cmpuint (confab_deadlines_get_n_armed (queue), ==, 5);

  g_assert_cmpuint (confab_deadlines_run_due (queue, 9, G_MAXUINT), ==, 0);
  g_assert_cmpuint (confab_deadlines_run_due (queue, 20, G_MAXUINT), ==, 2);
  assert_log (log, first, G_N_ELEMENTS (first));
  g_assert_cmpuint (confab_deadlines_run_due (queue, 100, G_MAXUINT), ==, 3);
  assert_log (log, rest, G_N_ELEMENTS (rest));
  g_assert_cmpuint (confab_deadlines_get_n_armed (queue), ==, 0);
  g_assert_cmpuint (confab_deadlines_run_due (queue, 1000, G_MAXUINT), ==, 0);
}

static void
test_cancel (void)
{
  g_autoptr(ConfabDeadlines) queue = confab_deadlines_new (NULL);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (guint));
  Entry       e[4] = { 0 };
  const guint expected[] = { 0, 3 };

  g_test_summary ("A cancelled deadline never runs; cancelling twice, or "
                  "one never armed, is harmless");

  for (guint i = 0; i < 4; i++)
    entry_arm (&e[i], queue, log, i, 10 * (i + 1));
  confab_deadlines_cancel (queue, &e[1].deadline); /* the second earliest */
  confab_deadlines_cancel (queue, &e[2].deadline);
  confab_deadlines_cancel (queue, &e[2].deadline);
  g_assert_false (confab_deadline_is_armed (&e[2].deadline));
  g_assert_cmpuint (confab_deadlines_get_n_armed (queue), ==, 2);

  g_assert_cmpuint (confab_deadlines_run_due (queue, 100, G_MAXUINT), ==, 2);
  assert_log (log, expected, G_N_ELEMENTS (expected));
}

static void
test_rearm (void)
{
  g_autoptr(ConfabDeadlines) queue = confab_deadlines_new (NULL);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (guint));
  Entry       e[3] = { 0 };
  const guint first[] = { 2, 1 };
  const guint then[] = { 0, 2 };

  g_test_summary ("Arming an armed deadline moves it, earlier or later; "
                  "a callback may arm its own deadline again");

  entry_arm (&e[0], queue, log, 0, 10);
  entry_arm (&e[1], queue, log, 1, 20);
  entry_arm (&e[2], queue, log, 2, 30);
  entry_arm (&e[0], queue, log, 0, 40); /* later */
  entry_arm (&e[2], queue, log, 2, 5);  /* earlier */
  e[2].rearm_to = 50;
  g_assert_cmpuint (confab_deadlines_get_n_armed (queue), ==, 3);

  g_assert_cmpuint (confab_deadlines_run_due (queue, 30, G_MAXUINT), ==, 2);
  assert_log (log, first, G_N_ELEMENTS (first));
  g_assert_true (confab_deadline_is_armed (&e[2].deadline));
  g_assert_cmpuint (confab_deadlines_run_due (queue, 60, G_MAXUINT), ==, 2);
  assert_log (log, then, G_N_ELEMENTS (then));
}

#define MANY 10000

static void
test_many (void)
{
  g_autoptr(ConfabDeadlines) queue = confab_deadlines_new (NULL);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (guint));
  g_autofree Entry *e = g_new0 (Entry, MANY);
  g_autoptr(GRand) rand = g_rand_new_with_seed (13);
  gint64 last = -1;
  guint  ran = 0;

  g_test_summary ("Ten thousand deadlines at random times, a third "
                  "cancelled and a third moved, run in time order, in "
                  "bounded batches");

  for (guint i = 0; i < MANY; i++)
    entry_arm (&e[i], queue, log, i, g_rand_int_range (rand, 1, 1000000));
  for (guint i = 0; i < MANY; i += 3)
    confab_deadlines_cancel (queue, &e[i].deadline);
  for (guint i = 1; i < MANY; i += 3)
    confab_deadlines_arm (queue, &e[i].deadline, g_rand_int_range (rand, 1, 1000000),
                          entry_run, &e[i]);
  g_assert_cmpuint (confab_deadlines_get_n_armed (queue), ==, MANY - (MANY + 2) / 3);

  /* At most 100 a call: the rest waits for the next. */
  while (confab_deadlines_get_n_armed (queue) > 0)
    {
      guint n = confab_deadlines_run_due (queue, G_MAXINT64, 100);

      g_assert_cmpuint (n, >, 0);
      g_assert_cmpuint (n, <=, 100);
      ran += n;
    }
  g_assert_cmpuint (ran, ==, MANY - (MANY + 2) / 3);
  for (guint i = 0; i < log->len; i++)
    {
      Entry *entry = &e[g_array_index (log, guint, i)];

      g_assert_cmpuint (entry->id % 3, !=, 0);
      g_assert_cmpint (entry->deadline.when_usec, >=, last);
      last = entry->deadline.when_usec;
    }
}

static void
test_main_loop (void)
{
  g_autoptr(ConfabDeadlines) queue = confab_deadlines_new (NULL);
  g_autoptr(GArray) log = g_array_new (FALSE, FALSE, sizeof (guint));
  Entry       e[2] = { 0 };
  gint64      start = g_get_monotonic_time ();
  gint64      end = start + 10 * G_USEC_PER_SEC;
  const guint expected[] = { 1, 0 };

  g_test_summary ("On a main context the source wakes for each deadline");

  entry_arm (&e[0], queue, log, 0, start + 20 * 1000);
  entry_arm (&e[1], queue, log, 1, start + 10 * 1000);
  while (log->len < 2 && g_get_monotonic_time () < end)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpint (g_get_monotonic_time (), >=, start + 20 * 1000);
  assert_log (log, expected, G_N_ELEMENTS (expected));

  /* Nothing armed: the source does not wake the loop. */
  g_assert_false (g_main_context_iteration (NULL, FALSE));
}

/* ---- a real server ------------------------------------------------- */

/* The GSources attached to @context. GLib has no call that lists them,
 * but a context numbers its sources from 1: a probe source gives the
 * highest number in use, and each number below is looked up. */
static guint
count_sources (GMainContext *context)
{
  GSource *probe = g_idle_source_new ();
  guint    max = g_source_attach (probe, context);
  guint    n = 0;

  g_source_destroy (probe);
  g_source_unref (probe);
  for (guint id = 1; id < max; id++)
    if (g_main_context_find_source_by_id (context, id) != NULL)
      n++;
  return n;
}

#define SILENT 200

static void
test_server_silent_connections (void)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(ConfabBroker) broker = NULL;
  g_autoptr(ConfabServer) server = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GPtrArray) clients = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GError) error = NULL;
  const ConfabPeerLimits limits = {
    .line_max_bytes = 4096,
    .recipients_max = 64,
    .login_timeout_sec = 1,
  };
  guint16 port;
  guint   before, during;
  gint64  end;

  g_test_summary ("Connections that never log in add no GSource each to "
                  "the main context, and each still gets its login timeout");

  g_main_context_push_thread_default (context);
  broker = confab_broker_new (NULL);
  server = confab_server_new (broker, &limits, 10000, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_assert_true (confab_server_listen (server, address, CONFAB_DOOR_CONFAB, &error));
  g_assert_no_error (error);
  port = g_ascii_strtoull (strrchr (confab_server_get_listen_addresses (server)[0], ':') + 1, NULL, 10);
  confab_server_start (server);
  for (guint i = 0; i < 5; i++)
    g_main_context_iteration (context, FALSE);
  before = count_sources (context);

  for (guint i = 0; i < SILENT; i++)
    {
      g_autoptr(GSocket) socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                 G_SOCKET_PROTOCOL_DEFAULT, &error);
      g_autoptr(GSocketAddress) to = g_inet_socket_address_new_from_string ("127.0.0.1", port);

      g_assert_no_error (error);
      /* Loopback: the kernel completes the handshake from the backlog. */
      g_assert_true (g_socket_connect (socket, to, NULL, &error));
      g_assert_no_error (error);
      g_ptr_array_add (clients, g_steal_pointer (&socket));
    }

  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (confab_server_get_n_connections (server) < SILENT && g_get_monotonic_time () < end)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (confab_server_get_n_connections (server), ==, SILENT);
  during = count_sources (context);
  g_test_message ("%u GSources before, %u with %u silent connections", before, during, SILENT);
  /* GSocketService replaces its accept source; nothing else changes. */
  g_assert_cmpuint (during, <=, before + 1);

  /* Every one times out (after 1 s) and is closed by the daemon. */
  while (confab_server_get_n_connections (server) > 0 && g_get_monotonic_time () < end)
    g_main_context_iteration (context, TRUE);
  g_assert_cmpuint (confab_server_get_n_connections (server), ==, 0);
  for (guint i = 0; i < clients->len; i++)
    {
      GSocket *socket = g_ptr_array_index (clients, i);
      char     buf[64];
      gssize   n;

      g_socket_set_timeout (socket, 10);
      n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, &error);
      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      buf[n] = '\0';
      g_assert_cmpstr (buf, ==, "error: login timeout\n");
    }

  confab_server_abort_all (server);
  g_clear_object (&server);
  while (g_main_context_iteration (context, FALSE))
    ;
  g_main_context_pop_thread_default (context);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/deadlines/order", test_order);
  g_test_add_func ("/deadlines/cancel", test_cancel);
  g_test_add_func ("/deadlines/rearm", test_rearm);
  g_test_add_func ("/deadlines/many", test_many);
  g_test_add_func ("/deadlines/main-loop", test_main_loop);
  g_test_add_func ("/deadlines/server/silent-connections", test_server_silent_connections);

  return g_test_run ();
}
