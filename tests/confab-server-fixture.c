/* confab-server-fixture.c: an in-process server over loopback, for tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-address.h"
#include "confab-server-fixture.h"

/* Bound of every wait, before scaling for slow runs. */
#define WAIT_MS 10000

/* ---- bounded spins ------------------------------------------------------ */

/* ×CONFAB_TEST_TIMEOUT_SCALE, or ×5 under valgrind (CONFAB_TEST_WRAPPER),
 * as the other tests scale theirs. */
gint64
fixture_wait_usec (void)
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

gboolean
fixture_tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* ---- clients -------------------------------------------------------------- */

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

void
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
char *
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

void
client_expect_line (Client     *client,
                    const char *expected)
{
  g_autofree char *line = client_read_line (client);

  g_assert_cmpstr (line, ==, expected);
}

/* The server closed with a FIN after everything read so far: no reset
 * (which could have destroyed its last line) and not half a line. */
void
client_expect_eof (Client *client)
{
  spin_until (client->eof);
  g_assert_no_error (client->error);
  g_assert_cmpuint (client->received->len, ==, 0);
}

/* ---- fixture -------------------------------------------------------------- */

const Options defaults = { 16, 30, 0 };
const Options two_peers = { 2, 30, 0 };
const Options one_second = { 16, 1, 0 };

static void
peer_left_cb (ConfabBroker     *broker,
              ConfabBrokerPeer *peer,
              const char       *reason,
              Fixture          *fx)
{
  g_ptr_array_add (fx->left, g_strdup_printf ("%s:%s", confab_broker_peer_get_name (peer), reason));
}

void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  const Options     *options = data;
  ConfabBrokerLimits broker_limits = {
    .queue_max_bytes = options->queue_max_bytes != 0 ? options->queue_max_bytes : 1024 * 1024,
  };
  ConfabPeerLimits peer_limits = {
    .line_max_bytes = LINE_MAX_BYTES,
    .recipients_max = 3,
    .login_timeout_sec = options->login_timeout_sec,
    .irc_ping_interval_sec = options->irc_ping_interval_sec,
    .irc_ping_timeout_sec = options->irc_ping_timeout_sec,
  };
  g_autoptr(GSocketAddress) wanted = NULL;
  g_autoptr(GError) error = NULL;
  const char * const *addresses;

  fx->broker = confab_broker_new (&broker_limits);
  fx->peer_limits = peer_limits;
  fx->left = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fx->broker, "peer-left", G_CALLBACK (peer_left_cb), fx);
  fx->server = confab_server_new (fx->broker, &peer_limits, options->peers_max, &error);
  g_assert_no_error (error);

  wanted = confab_address_parse ("127.0.0.1:0", &error);
  g_assert_no_error (error);
  confab_server_listen (fx->server, wanted, options->irc ? CONFAB_DOOR_IRC : CONFAB_DOOR_CONFAB, &error);
  g_assert_no_error (error);
  confab_server_start (fx->server);

  /* The listen addresses hold the port the kernel picked. */
  addresses = confab_server_get_listen_addresses (fx->server);
  g_assert_nonnull (addresses[0]);
  g_assert_null (addresses[1]);
  if (options->irc)
    g_assert_true (g_str_has_prefix (addresses[0], "irc:"));
  fx->address = confab_address_parse (addresses[0] + (options->irc ? strlen ("irc:") : 0), &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (fx->address)), !=, 0);

  fx->clients = g_ptr_array_new_with_free_func ((GDestroyNotify) client_free);
}

void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->clients, g_ptr_array_unref);
  spin_until (confab_server_get_n_connections (fx->server) == 0);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);

  g_assert_finalize_object (fx->server);
  g_signal_handlers_disconnect_by_data (fx->broker, fx);
  g_assert_finalize_object (fx->broker);
  g_clear_pointer (&fx->left, g_ptr_array_unref);
  g_clear_object (&fx->address);
  /* Let the socket service's cancelled accepts complete. */
  for (guint i = 0; i < 100 && g_main_context_iteration (NULL, FALSE); i++)
    ;
}

Client *
connect_client (Fixture *fx)
{
  Client *client = client_new (fx->address);

  g_ptr_array_add (fx->clients, client);
  return client;
}

/* A text login, which has no reply: done once the broker has the name. */
Client *
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
void
disconnect (Fixture *fx,
            Client  *client)
{
  guint n = confab_server_get_n_connections (fx->server);

  g_ptr_array_remove (fx->clients, client);
  spin_until (confab_server_get_n_connections (fx->server) == n - 1);
}

ConfabBrokerStats
get_stats (Fixture *fx)
{
  ConfabBrokerStats stats;

  confab_broker_get_stats (fx->broker, &stats);
  return stats;
}

ConfabConnectionStats
get_connection_stats (Fixture *fx)
{
  ConfabConnectionStats stats;

  confab_stats_source_get_stats (CONFAB_STATS_SOURCE (fx->server), &stats);
  return stats;
}
