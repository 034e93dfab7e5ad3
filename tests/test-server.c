/* test-server.c: the socket server and its connections, in process.
 *
 * A ConfabBroker and a ConfabServer live in the test process, listening
 * on 127.0.0.1 port 0, and the clients are GSocketConnections on the same
 * main context, read and written asynchronously; every wait is a bounded
 * spin of that context, as in GLib's gio/tests/socket-service.c. Unlike
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

#include "confab-address.h"
#include "confab-broker.h"
#include "confab-server.h"

/* Bound of every wait, before scaling for slow runs. */
#define WAIT_MS        10000
#define LINE_MAX_BYTES 64

/* ---- bounded spins ------------------------------------------------------ */

/* ×CONFAB_TEST_TIMEOUT_SCALE, or ×5 under valgrind (CONFAB_TEST_WRAPPER),
 * as the other tests scale theirs. */
static gint64
wait_usec (void)
{
  const char *scale_env = g_getenv ("CONFAB_TEST_TIMEOUT_SCALE");
  const char *wrapper = g_getenv ("CONFAB_TEST_WRAPPER");
  gint64      scale = 1;

  if (scale_env != NULL && *scale_env != '\0')
    scale = CLAMP (g_ascii_strtoll (scale_env, NULL, 10), 1, 100);
  else if (wrapper != NULL && *wrapper != '\0')
    scale = 5;
  return WAIT_MS * scale * G_TIME_SPAN_MILLISECOND;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Iterates the default main context until @cond holds; the tick wakes
 * the iteration, so the deadline is checked even when nothing happens. */
#define spin_until(cond) \
  G_STMT_START \
  { \
    gint64 deadline_ = g_get_monotonic_time () + wait_usec (); \
    guint  tick_ = g_timeout_add (50, tick_cb, NULL); \
\
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > deadline_) \
          g_error ("%s: timed out waiting for %s", G_STRLOC, #cond); \
        g_main_context_iteration (NULL, TRUE); \
      } \
    g_source_remove (tick_); \
  } \
  G_STMT_END

/* ---- clients -------------------------------------------------------------- */

typedef struct
{
  GSocketConnection *connection;  /* (owned) */
  GCancellable      *cancellable; /* (owned): the pending read's */
  GString           *received;    /* (owned): bytes not yet taken */
  gboolean           reading;     /* a read is pending */
  gboolean           eof;         /* the stream ended, by FIN or error */
  GError            *error;       /* (owned) (nullable): how, if by error */
  char               buf[4096];
} Client;

static void client_read (Client *client);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  Client *client = user_data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);

  client->reading = FALSE;
  if (n > 0)
    {
      g_string_append_len (client->received, client->buf, n);
      client_read (client);
    }
  else if (n == 0)
    client->eof = TRUE;
  else if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      client->eof = TRUE;
      client->error = g_steal_pointer (&error);
    }
}

static void
client_read (Client *client)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (client->connection));

  client->reading = TRUE;
  g_input_stream_read_async (in, client->buf, sizeof client->buf, G_PRIORITY_DEFAULT,
                             client->cancellable, read_cb, client);
}

static void
store_result_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static Client *
client_new (GSocketAddress *address)
{
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  Client *client = g_new0 (Client, 1);

  /* Straight to loopback: no proxy resolver to ask. */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  g_socket_client_connect_async (socket_client, G_SOCKET_CONNECTABLE (address), NULL,
                                 store_result_cb, &result);
  spin_until (result != NULL);
  client->connection = g_socket_client_connect_finish (socket_client, result, &error);
  g_assert_no_error (error);

  client->cancellable = g_cancellable_new ();
  client->received = g_string_new (NULL);
  client_read (client);
  return client;
}

static void
client_free (Client *client)
{
  g_cancellable_cancel (client->cancellable);
  spin_until (!client->reading);
  g_io_stream_close (G_IO_STREAM (client->connection), NULL, NULL);
  g_object_unref (client->connection);
  g_object_unref (client->cancellable);
  g_string_free (client->received, TRUE);
  g_clear_error (&client->error);
  g_free (client);
}

static void
client_send (Client     *client,
             const char *data)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (client->connection));
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all_async (out, data, strlen (data), G_PRIORITY_DEFAULT, NULL,
                                   store_result_cb, &result);
  spin_until (result != NULL);
  g_output_stream_write_all_finish (out, result, NULL, &error);
  g_assert_no_error (error);
}

static gboolean
client_has_line (Client *client)
{
  return memchr (client->received->str, '\n', client->received->len) != NULL;
}

/* Returns: (transfer full): the next line without its "\n" */
static char *
client_read_line (Client *client)
{
  const char *nl;
  char       *line;

  spin_until (client_has_line (client) || client->eof);
  nl = memchr (client->received->str, '\n', client->received->len);
  if (nl == NULL)
    g_error ("the stream ended (%s) before a line; pending: “%s”",
             client->error != NULL ? client->error->message : "FIN",
             client->received->str);
  line = g_strndup (client->received->str, nl - client->received->str);
  g_string_erase (client->received, 0, nl - client->received->str + 1);
  return line;
}

static void
client_expect_line (Client     *client,
                    const char *expected)
{
  g_autofree char *line = client_read_line (client);

  g_assert_cmpstr (line, ==, expected);
}

/* The server closed with a FIN after everything read so far: no reset
 * (which could have destroyed its last line) and not half a line. */
static void
client_expect_eof (Client *client)
{
  spin_until (client->eof);
  g_assert_no_error (client->error);
  g_assert_cmpuint (client->received->len, ==, 0);
}

/* ---- fixture -------------------------------------------------------------- */

typedef struct
{
  guint peers_max;
  guint login_timeout_sec;
} Options;

static const Options defaults = { 16, 30 };
static const Options two_peers = { 2, 30 };
static const Options one_second = { 16, 1 };

typedef struct
{
  ConfabBroker    *broker;
  ConfabServer    *server;
  ConfabPeerLimits peer_limits;
  GSocketAddress  *address; /* (owned): where the server listens */
  GPtrArray       *clients; /* (owned): Client, freed at teardown */
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  const Options     *options = data;
  ConfabBrokerLimits broker_limits = { .queue_max_bytes = 1024 * 1024 };
  ConfabPeerLimits   peer_limits = {
      .line_max_bytes = LINE_MAX_BYTES,
      .recipients_max = 3,
      .login_timeout_sec = options->login_timeout_sec,
  };
  g_autoptr(GSocketAddress) wanted = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *addresses;

  fx->broker = confab_broker_new (&broker_limits);
  fx->peer_limits = peer_limits;
  fx->server = confab_server_new (fx->broker, &peer_limits, options->peers_max, &error);
  g_assert_no_error (error);

  wanted = confab_address_parse ("127.0.0.1:0", &error);
  g_assert_no_error (error);
  confab_server_listen (fx->server, wanted, &error);
  g_assert_no_error (error);
  confab_server_start (fx->server);

  /* The listen addresses hold the port the kernel picked. */
  addresses = confab_server_get_listen_addresses (fx->server);
  g_assert_nonnull (addresses[0]);
  g_assert_null (addresses[1]);
  fx->address = confab_address_parse (addresses[0], &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (fx->address)), !=, 0);

  fx->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->clients, g_ptr_array_unref);
  spin_until (confab_server_get_n_connections (fx->server) == 0);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);

  g_assert_finalize_object (fx->server);
  g_assert_finalize_object (fx->broker);
  g_clear_object (&fx->address);
  /* Let the socket service's cancelled accepts complete. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

static Client *
connect_client (Fixture *fx)
{
  Client *client = client_new (fx->address);

  g_ptr_array_add (fx->clients, client);
  return client;
}

/* A text login, which has no reply: done once the broker has the name. */
static Client *
text_login (Fixture    *fx,
            const char *name)
{
  Client          *client = connect_client (fx);
  g_autofree char *line = g_strconcat (name, "\n", NULL);

  client_send (client, line);
  spin_until (confab_broker_lookup (fx->broker, name) != NULL);
  return client;
}

/* Closes @client from its end and waits until the server has let go
 * (after a fatal error the server waits for this FIN, or LINGER_SECONDS). */
static void
disconnect (Fixture *fx,
            Client  *client)
{
  guint n = confab_server_get_n_connections (fx->server);

  g_ptr_array_remove (fx->clients, client);
  spin_until (confab_server_get_n_connections (fx->server) == n - 1);
}

static ConfabBrokerStats
get_stats (Fixture *fx)
{
  ConfabBrokerStats stats;

  confab_broker_get_stats (fx->broker, &stats);
  return stats;
}

/* What the connections and their sessions counted, as GetStatistics reads it. */
static ConfabConnectionStats
get_connection_stats (Fixture *fx)
{
  ConfabConnectionStats stats;

  confab_stats_source_get_stats (CONFAB_STATS_SOURCE (fx->server), &stats);
  return stats;
}

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
  client_expect_line (alice, "{\"type\":\"welcome\",\"name\":\"alice\",\"server\":\"confab " PACKAGE_VERSION "\",\"protocol\":1}");
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
