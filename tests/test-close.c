/* test-close.c: every reason a connection closes, in process.
 *
 * One test per ConfabCloseReason (src/net/confab-peer.h): the bytes the
 * client receives before the end, that the end is a clean FIN (or, for a
 * close at once, comes with nothing more), what the broker's table and
 * counters say, the reason PeerLeft gives and the operator's log line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/socket.h>

#include "confab-names.h"
#include "confab-server-fixture.h"

static const Options small_queue = { 16, 30, 4096 };

/* ---- the operator's log ------------------------------------------------- */

/* "EVENT|MESSAGE" of every confab log line with a CONFAB_EVENT field. */
static GPtrArray *log_lines;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  const char *event = NULL;
  const char *message = NULL;

  for (gsize i = 0; i < n_fields; i++)
    {
      if (g_strcmp0 (fields[i].key, CONFAB_LOG_FIELD_EVENT) == 0)
        event = fields[i].value;
      else if (g_strcmp0 (fields[i].key, "MESSAGE") == 0)
        message = fields[i].value;
    }
  if (event == NULL || log_level & G_LOG_LEVEL_DEBUG)
    return g_log_writer_default (log_level, fields, n_fields, user_data);

  g_ptr_array_add (log_lines, g_strdup_printf ("%s|%s", event, message));
  return G_LOG_WRITER_HANDLED;
}

static void
setup (Fixture      *fx,
       gconstpointer data)
{
  g_ptr_array_set_size (log_lines, 0);
  fixture_setup (fx, data);
}

/* Returns: (transfer full): @client's address, as the server sees it */
static char *
client_address (Client *client)
{
  g_autoptr(GSocketAddress) local = g_socket_connection_get_local_address (client->connection, NULL);

  g_assert_nonnull (local);
  return g_strdup_printf ("127.0.0.1:%u", g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
}

/* The one log line so far, with ADDRESS for @address. */
static void
assert_log (const char *address,
            const char *expected)
{
  GString         *with_address = g_string_new (expected);
  g_autofree char *want = NULL;

  g_string_replace (with_address, "ADDRESS", address, 1);
  want = g_string_free (with_address, FALSE);
  g_assert_cmpuint (log_lines->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (log_lines, 0), ==, want);
}

static void
assert_left (Fixture    *fx,
             const char *expected)
{
  if (expected == NULL)
    {
      g_assert_cmpuint (fx->left->len, ==, 0);
      return;
    }
  g_assert_cmpuint (fx->left->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->left, 0), ==, expected);
}

/* ---- tests ---------------------------------------------------------------- */

/* The client hangs up (here: only its sending side); what was queued for
 * it still arrives, then the server closes too. */
static void
test_quit (Fixture      *fx,
           gconstpointer data)
{
  Client *alice = text_login (fx, "alice");
  g_autoptr(GError) error = NULL;

  client_send (alice, "alice: last words\n");
  g_assert_true (g_socket_shutdown (g_socket_connection_get_socket (alice->connection),
                                    FALSE, TRUE, &error));
  g_assert_no_error (error);

  client_expect_line (alice, "from alice: last words");
  client_expect_eof (alice);
  assert_left (fx, "alice:" CONFAB_REASON_QUIT);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);
  g_assert_cmpuint (log_lines->len, ==, 0);
}

/* A kick delivers what was queued before it, then the notice. */
static void
test_kicked (Fixture      *fx,
             gconstpointer data)
{
  Client          *bob = text_login (fx, "bob");
  g_autofree char *address = client_address (bob);
  g_autoptr(GError) error = NULL;

  /* Both in bob's queue before any of it is sent. */
  g_assert_cmpuint (confab_broker_broadcast (fx->broker, "before"), ==, 1);
  g_assert_true (confab_broker_kick (fx->broker, "bob", "too loud", &error));
  g_assert_no_error (error);

  client_expect_line (bob, "from @server: before");
  client_expect_line (bob, "error: kicked: too loud");
  client_expect_eof (bob);
  assert_left (fx, "bob:" CONFAB_REASON_KICKED);
  g_assert_null (confab_broker_lookup (fx->broker, "bob"));
  g_assert_cmpuint (get_stats (fx).kicks, ==, 1);

  /* Logged once the connection is gone. */
  disconnect (fx, bob);
  assert_log (address, "kicked-closed|Closed a kicked peer: ADDRESS bob (kicked: too loud)");
}

/* Shutting down: a logged-in peer gets what was queued, then the notice;
 * one that has not logged in gets the notice alone. */
static void
test_shutdown (Fixture      *fx,
               gconstpointer data)
{
  Client *alice = text_login (fx, "alice");
  Client *silent = connect_client (fx);

  spin_until (confab_server_get_n_connections (fx->server) == 2);
  g_assert_cmpuint (confab_broker_broadcast (fx->broker, "last"), ==, 1);
  /* In the daemon's order (confab_daemon_shutdown()). */
  confab_server_shutdown (fx->server);
  confab_broker_shutdown (fx->broker);

  client_expect_line (alice, "from @server: last");
  client_expect_line (alice, "error: server shutting down");
  client_expect_eof (alice);
  client_expect_line (silent, "error: server shutting down");
  client_expect_eof (silent);
  assert_left (fx, "alice:" CONFAB_REASON_SHUTDOWN);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);
  g_assert_cmpuint (log_lines->len, ==, 0);
}

/* Past queue_max_bytes in one turn: what was queued is dropped, and the
 * notice is all the peer gets. */
static void
test_slow_consumer (Fixture      *fx,
                    gconstpointer data)
{
  Client          *alice = text_login (fx, "alice");
  g_autofree char *address = client_address (alice);
  g_autofree char *text = g_strnfill (200, 'x');
  guint            queued = 0;

  for (guint i = 0; i < 100; i++)
    queued += confab_broker_broadcast (fx->broker, text);
  g_assert_cmpuint (queued, >, 0);
  g_assert_cmpuint (queued, <, 100);

  client_expect_line (alice, "error: slow consumer");
  client_expect_eof (alice);
  assert_left (fx, "alice:" CONFAB_REASON_SLOW_CONSUMER);
  g_assert_cmpuint (get_stats (fx).slow_consumers_dropped, ==, 1);
  assert_log (address, "slow-consumer|Dropped a slow consumer: ADDRESS alice (slow consumer)");
}

static void
test_line_too_long (Fixture      *fx,
                    gconstpointer data)
{
  Client          *alice = text_login (fx, "alice");
  g_autofree char *address = client_address (alice);
  g_autofree char *over = g_strnfill (LINE_MAX_BYTES + 1, 'x');

  client_send (alice, over);
  client_expect_line (alice, "error: line too long (limit 64 bytes)");
  client_expect_eof (alice);
  assert_left (fx, "alice:" CONFAB_REASON_LINE_TOO_LONG);
  g_assert_cmpuint (get_connection_stats (fx).lines_too_long, ==, 1);
  assert_log (address, "line-too-long|Line too long: ADDRESS alice (line too long (limit 64 bytes))");
}

static void
test_login_timeout (Fixture      *fx,
                    gconstpointer data)
{
  Client          *silent = connect_client (fx);
  g_autofree char *address = client_address (silent);

  client_expect_line (silent, "error: login timeout");
  client_expect_eof (silent);
  assert_left (fx, NULL);
  g_assert_cmpuint (get_connection_stats (fx).login_timeouts, ==, 1);
  g_assert_cmpuint (get_connection_stats (fx).logins_rejected, ==, 1);
  assert_log (address, "login-timeout|Login timeout: ADDRESS (login timeout)");
}

static void
test_server_full (Fixture      *fx,
                  gconstpointer data)
{
  Client          *third;
  g_autofree char *address = NULL;

  text_login (fx, "alice");
  text_login (fx, "bob");
  third = connect_client (fx);
  address = client_address (third);

  client_expect_line (third, "error: server full");
  client_expect_eof (third);
  assert_left (fx, NULL);
  g_assert_cmpuint (get_connection_stats (fx).logins_refused_server_full, ==, 1);
  g_assert_cmpuint (get_connection_stats (fx).logins_rejected, ==, 1);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 2);
  assert_log (address, "server-full|Server full, refused: ADDRESS (server full)");
}

static void
test_login_refused (Fixture      *fx,
                    gconstpointer data)
{
  Client          *intruder;
  g_autofree char *address = NULL;

  text_login (fx, "alice");
  intruder = connect_client (fx);
  address = client_address (intruder);

  client_send (intruder, "alice\n");
  client_expect_line (intruder, "error: name taken: alice");
  client_expect_eof (intruder);
  assert_left (fx, NULL);
  g_assert_nonnull (confab_broker_lookup (fx->broker, "alice"));
  g_assert_cmpuint (get_stats (fx).logins_rejected, ==, 1);
  assert_log (address, "login-refused|Refused login: ADDRESS alice (name taken: alice)");
}

/* The client resets the connection: the server sees a receive error. */
static void
test_io_error (Fixture      *fx,
               gconstpointer data)
{
  Client       *alice = text_login (fx, "alice");
  GSocket      *socket = g_socket_connection_get_socket (alice->connection);
  struct linger reset = { .l_onoff = 1, .l_linger = 0 };

  g_assert_cmpint (setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER,
                               &reset, sizeof reset),
                   ==, 0);
  disconnect (fx, alice);
  assert_left (fx, "alice:" CONFAB_REASON_ERROR);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);
  g_assert_cmpuint (log_lines->len, ==, 0);
}

/* At once, dropping what is queued (the shutdown timeout ran out). */
static void
test_abort (Fixture      *fx,
            gconstpointer data)
{
  Client *alice = text_login (fx, "alice");

  g_assert_cmpuint (confab_broker_broadcast (fx->broker, "never sent"), ==, 1);
  confab_server_abort_all (fx->server);

  g_assert_cmpuint (confab_server_get_n_connections (fx->server), ==, 0);
  client_expect_eof (alice);
  assert_left (fx, "alice:" CONFAB_REASON_QUIT);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);
  g_assert_cmpuint (log_lines->len, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  log_lines = g_ptr_array_new_with_free_func (g_free);
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(path, options, func) \
  g_test_add (path, Fixture, options, setup, func, fixture_teardown)

  ADD ("/close/quit", &defaults, test_quit);
  ADD ("/close/kicked", &defaults, test_kicked);
  ADD ("/close/shutdown", &defaults, test_shutdown);
  ADD ("/close/slow-consumer", &small_queue, test_slow_consumer);
  ADD ("/close/line-too-long", &defaults, test_line_too_long);
  ADD ("/close/login-timeout", &one_second, test_login_timeout);
  ADD ("/close/server-full", &two_peers, test_server_full);
  ADD ("/close/login-refused", &defaults, test_login_refused);
  ADD ("/close/io-error", &defaults, test_io_error);
  ADD ("/close/abort", &defaults, test_abort);

#undef ADD

  status = g_test_run ();
  g_ptr_array_unref (log_lines);
  return status;
}
