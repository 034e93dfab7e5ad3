/* test-server.c: the socket server and its connections, in process.
 *
 * A ConfabBroker and a ConfabServer live in the test process, listening
 * on 127.0.0.1 port 0, and the clients are GSocketConnections on the same
 * main context (tests/confab-server-fixture.c). Unlike
 * the end-to-end tests (test-daemon.c, whose lines are the oracle here)
 * this sees the broker's table and counters, and the server's, directly
 * after each step, and that the server and the broker are freed once the
 * connections are gone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "confab-broker.h"
#include "confab-server-fixture.h"
#include "confab-server.h"

/* ---- tests ---------------------------------------------------------------- */

static void
test_text_message (Fixture      *fx,
                   gconstpointer data)
{
  Client           *alice = text_login (fx, "alice");
  Client           *bob = text_login (fx, "bob");
  ConfabBrokerStats stats;

  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 2);
  g_assert_cmpstr (confab_broker_peer_get_protocol (confab_broker_lookup (fx->broker, "bob")),
                   ==, "text");

  client_send (alice, "bob: hi\n");
  client_expect_line (bob, "from alice: hi");
  client_send (bob, "/peers\n");
  client_expect_line (bob, "peers: alice bob");

  stats = get_stats (fx);
  g_assert_cmpuint (stats.peers, ==, 2);
  g_assert_cmpuint (stats.logins, ==, 2);
  g_assert_cmpuint (stats.logins_rejected, ==, 0);
  g_assert_cmpuint (stats.messages_routed, ==, 1);
  g_assert_cmpuint (stats.deliveries, ==, 1);
  g_assert_cmpuint (stats.bytes_routed, ==, strlen ("from alice: hi\n"));
  g_assert_cmpuint (stats.errors_sent, ==, 0);

  /* A client that hangs up leaves the table. */
  disconnect (fx, alice);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
  g_assert_null (confab_broker_lookup (fx->broker, "alice"));
  client_send (bob, "alice: gone?\n");
  client_expect_line (bob, "error: no such peer: alice");
  g_assert_cmpuint (get_stats (fx).errors_sent, ==, 1);
}

static void
test_json (Fixture      *fx,
           gconstpointer data)
{
  Client          *alice = connect_client (fx);
  Client          *bob = text_login (fx, "bob");
  g_autofree char *line = NULL;
  const char      *prefix = "{\"type\":\"message\",\"from\":\"bob\",\"to\":[\"alice\"],\"text\":\"hi\",\"time\":";
  char            *end = NULL;
  gint64           now = g_get_real_time ();

  client_send (alice, "{\"type\":\"login\",\"name\":\"alice\",\"protocol\":1}\n");
  client_expect_line (alice, "{\"type\":\"welcome\",\"name\":\"alice\",\"server\":\"confab " PACKAGE_VERSION "\",\"protocol\":2}");
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 2);
  g_assert_cmpstr (confab_broker_peer_get_protocol (confab_broker_lookup (fx->broker, "alice")),
                   ==, "json");

  /* JSON to text: the newline reaches bob as the two characters "\n". */
  client_send (alice, "{\"type\":\"message\",\"to\":[\"bob\"],\"text\":\"two\\nlines\"}\n");
  client_expect_line (bob, "from alice: two\\nlines");

  /* Text to JSON, with the time it was routed. */
  client_send (bob, "alice: hi\n");
  line = client_read_line (alice);
  g_assert_true (g_str_has_prefix (line, prefix));
  g_assert_true (g_str_has_suffix (line, "}"));
  g_assert_cmpint (g_ascii_strtoll (line + strlen (prefix), &end, 10), >=, now);
  g_assert_cmpstr (end, ==, "}");

  client_send (alice, "{\"type\":\"peers\"}\n");
  client_expect_line (alice, "{\"type\":\"peers\",\"peers\":[\"alice\",\"bob\"]}");
  client_send (alice, "{\"type\":\"message\",\"to\":[\"nobody\"],\"text\":\"x\"}\n");
  client_expect_line (alice, "{\"type\":\"error\",\"code\":\"no-such-peer\","
                             "\"message\":\"no such peer: nobody\",\"field\":\"to\"}");

  g_assert_cmpuint (get_stats (fx).messages_routed, ==, 3);
  g_assert_cmpuint (get_stats (fx).deliveries, ==, 2);
  g_assert_cmpuint (get_stats (fx).errors_sent, ==, 1);
}

static void
test_name_taken (Fixture      *fx,
                 gconstpointer data)
{
  Client           *alice = text_login (fx, "alice");
  Client           *intruder = connect_client (fx);
  ConfabBrokerStats stats;

  client_send (intruder, "alice\n");
  client_expect_line (intruder, "error: name taken: alice");
  client_expect_eof (intruder);
  disconnect (fx, intruder);

  stats = get_stats (fx);
  g_assert_cmpuint (stats.peers, ==, 1);
  g_assert_cmpuint (stats.logins, ==, 1);
  g_assert_cmpuint (stats.logins_rejected, ==, 1);
  /* The broker refused it: the connection counted nothing. */
  g_assert_cmpuint (get_connection_stats (fx).logins_rejected, ==, 0);

  /* The name stays with its owner. */
  client_send (alice, "alice: still mine\n");
  client_expect_line (alice, "from alice: still mine");
}

static void
test_line_too_long (Fixture      *fx,
                    gconstpointer data)
{
  Client          *alice = text_login (fx, "alice");
  Client          *bob = text_login (fx, "bob");
  g_autofree char *text = g_strnfill (LINE_MAX_BYTES - strlen ("bob: "), 'x');
  g_autofree char *fits = g_strconcat ("bob: ", text, "\n", NULL);
  g_autofree char *over = g_strconcat ("bob: ", text, "x\n", NULL);
  g_autofree char *delivered = g_strconcat ("from alice: ", text, NULL);

  /* line_max_bytes exactly is still a line. */
  client_send (alice, fits);
  client_expect_line (bob, delivered);

  client_send (alice, over);
  client_expect_line (alice, "error: line too long (limit 64 bytes)");
  client_expect_eof (alice);
  disconnect (fx, alice);

  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
  g_assert_null (confab_broker_lookup (fx->broker, "alice"));
  g_assert_cmpuint (get_connection_stats (fx).lines_too_long, ==, 1);
  g_assert_cmpuint (get_connection_stats (fx).logins_rejected, ==, 0);
  g_assert_cmpuint (get_stats (fx).messages_routed, ==, 1);

  /* Before a login too: the name line is a line like any other. */
  alice = connect_client (fx);
  client_send (alice, over);
  client_expect_line (alice, "error: line too long (limit 64 bytes)");
  client_expect_eof (alice);
  g_assert_cmpuint (get_connection_stats (fx).lines_too_long, ==, 2);
  g_assert_cmpuint (get_connection_stats (fx).logins_rejected, ==, 1);
  g_assert_cmpuint (get_connection_stats (fx).errors_sent, ==, 1);
  g_assert_cmpuint (get_stats (fx).logins, ==, 2);
}

static void
test_login_timeout (Fixture      *fx,
                    gconstpointer data)
{
  Client               *silent = connect_client (fx);
  Client               *half = connect_client (fx);
  Client               *alice = text_login (fx, "alice");
  ConfabBrokerStats     stats;
  ConfabConnectionStats conn;

  /* Half a name is no login either. */
  client_send (half, "ali");
  client_expect_line (silent, "error: login timeout");
  client_expect_eof (silent);
  client_expect_line (half, "error: login timeout");
  client_expect_eof (half);
  disconnect (fx, silent);
  disconnect (fx, half);

  conn = get_connection_stats (fx);
  g_assert_cmpuint (conn.login_timeouts, ==, 2);
  g_assert_cmpuint (conn.logins_rejected, ==, 2);
  g_assert_cmpuint (conn.errors_sent, ==, 2);
  stats = get_stats (fx);
  g_assert_cmpuint (stats.logins_rejected, ==, 0);
  g_assert_cmpuint (stats.peers, ==, 1);
  g_assert_cmpuint (stats.logins, ==, 1);

  /* A peer that logged in has no timeout. */
  client_send (alice, "alice: still here\n");
  client_expect_line (alice, "from alice: still here");
}

static void
test_server_full (Fixture      *fx,
                  gconstpointer data)
{
  Client               *alice = text_login (fx, "alice");
  Client               *bob = text_login (fx, "bob");
  Client               *third = connect_client (fx);
  Client               *carol, *dave;
  ConfabBrokerStats     stats;
  ConfabConnectionStats conn;

  /* Refused on arrival, before it says anything. */
  client_expect_line (third, "error: server full");
  client_expect_eof (third);
  disconnect (fx, third);

  conn = get_connection_stats (fx);
  g_assert_cmpuint (conn.logins_refused_server_full, ==, 1);
  g_assert_cmpuint (conn.logins_rejected, ==, 1);
  g_assert_cmpuint (conn.errors_sent, ==, 1);
  g_assert_cmpuint (conn.peers_max, ==, 2);
  stats = get_stats (fx);
  g_assert_cmpuint (stats.peers, ==, 2);
  g_assert_cmpuint (stats.peers_peak, ==, 2);
  g_assert_cmpuint (stats.logins_rejected, ==, 0);

  client_send (alice, "bob: still served\n");
  client_expect_line (bob, "from alice: still served");

  /* A place that is free again can be taken. */
  disconnect (fx, bob);
  carol = text_login (fx, "carol");
  client_send (alice, "carol: welcome\n");
  client_expect_line (carol, "from alice: welcome");
  g_assert_cmpuint (get_connection_stats (fx).logins_refused_server_full, ==, 1);

  /* Raising the limit at run time (SIGHUP) lets the next one in. */
  confab_server_set_limits (fx->server, &fx->peer_limits, 3);
  dave = text_login (fx, "dave");
  client_send (alice, "dave: welcome too\n");
  client_expect_line (dave, "from alice: welcome too");
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 3);
  g_assert_cmpuint (get_connection_stats (fx).peers_max, ==, 3);
  g_assert_cmpuint (get_connection_stats (fx).logins_refused_server_full, ==, 1);
}

static void
test_kick (Fixture      *fx,
           gconstpointer data)
{
  Client *alice = text_login (fx, "alice");
  Client *bob = text_login (fx, "bob");
  g_autoptr(GError) error = NULL;

  client_send (alice, "bob: before\n");
  client_expect_line (bob, "from alice: before");

  g_assert_true (confab_broker_kick (fx->broker, "bob", "too loud", &error));
  g_assert_no_error (error);
  client_expect_line (bob, "error: kicked: too loud");
  client_expect_eof (bob);
  disconnect (fx, bob);

  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
  g_assert_null (confab_broker_lookup (fx->broker, "bob"));
  g_assert_cmpuint (get_stats (fx).kicks, ==, 1);

  client_send (alice, "bob: gone?\n");
  client_expect_line (alice, "error: no such peer: bob");
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, options, func) \
  g_test_add (path, Fixture, options, fixture_setup, func, fixture_teardown)

  ADD ("/server/text/message", &defaults, test_text_message);
  ADD ("/server/json/login-and-messages", &defaults, test_json);
  ADD ("/server/limits/name-taken", &defaults, test_name_taken);
  ADD ("/server/limits/line-too-long", &defaults, test_line_too_long);
  ADD ("/server/limits/login-timeout", &one_second, test_login_timeout);
  ADD ("/server/limits/peers-max", &two_peers, test_server_full);
  ADD ("/server/kick", &defaults, test_kick);

#undef ADD

  return g_test_run ();
}
