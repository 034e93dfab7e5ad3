/* test-test-util-client.c: what confab-test-util.h promises of its
 * client, checked.
 *
 * The client helpers talk to a socket the test holds itself, so the test
 * decides every byte, FIN and reset they see. Each failure path (a
 * timeout, a line other than the one expected, an unclean end) must fail
 * the test with its message, checked in a subprocess
 * (g_test_trap_subprocess()). The rest of the helpers are checked in
 * test-test-util-daemon.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/socket.h>

#include "confab-test-util.h"

/* ---- helpers of this test -------------------------------------------- */

/* A listening socket on 127.0.0.1 port 0 and its port. */
static GSocket *
listen_loopback (guint16 *port)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GError) error = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new (loopback, 0);
  g_socket_bind (socket, address, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

typedef struct
{
  GSocket          *listener; /* (owned) */
  GSocket          *server;   /* (owned): the test's end */
  ConfabTestClient *client;   /* (owned): the helper's end */
} Pair;

/* A ConfabTestClient (receive timeout @timeout_ms) connected to a
 * socket the test reads and writes. */
static void
pair_open_full (Pair *pair,
                guint timeout_ms)
{
  g_autoptr(GError) error = NULL;
  guint16 port;

  pair->listener = listen_loopback (&port);
  g_socket_listen (pair->listener, &error);
  g_assert_no_error (error);
  /* The kernel completes the connection from the backlog. */
  pair->client = confab_test_client_new_full (port, timeout_ms, 0, &error);
  g_assert_no_error (error);
  pair->server = g_socket_accept (pair->listener, NULL, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (pair->server, 10);
}

static void
pair_open (Pair *pair)
{
  pair_open_full (pair, 10000);
}

static void
pair_close (Pair *pair)
{
  g_clear_pointer (&pair->client, confab_test_client_free);
  g_clear_object (&pair->server);
  g_clear_object (&pair->listener);
}

static void
server_send (Pair       *pair,
             const char *data)
{
  g_autoptr(GError) error = NULL;
  gssize n = g_socket_send (pair->server, data, strlen (data), NULL, &error);

  g_assert_no_error (error);
  g_assert_cmpint (n, ==, strlen (data));
}

/* Receives exactly the @len bytes of @expected on the test's end. */
static void
server_expect_bytes (Pair       *pair,
                     const char *expected,
                     gsize       len)
{
  g_autofree char *buf = g_malloc0 (len + 1);
  gsize            got = 0;

  while (got < len)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_socket_receive (pair->server, buf + got, len - got, NULL, &error);

      g_assert_no_error (error);
      g_assert_cmpint (n, >, 0);
      got += n;
    }
  g_assert_cmpmem (buf, len, expected, len);
}

static void
server_expect (Pair       *pair,
               const char *expected)
{
  server_expect_bytes (pair, expected, strlen (expected));
}

/* Closes the test's end with a reset instead of a FIN. */
static void
server_reset (Pair *pair)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  g_assert_cmpint (setsockopt (g_socket_get_fd (pair->server), SOL_SOCKET, SO_LINGER,
                               &linger, sizeof linger),
                   ==, 0);
  g_socket_close (pair->server, NULL);
}

/* ---- the client, against the test's own socket ------------------------- */

static void
test_client_lines (void)
{
  Pair             pair = { 0 };
  g_autofree char *line = NULL;
  gboolean         eof = TRUE;
  gsize            len;
  const char      *pending;

  pair_open (&pair);

  confab_test_client_send_line (pair.client, "hello");
  server_expect (&pair, "hello\n");
  /* Raw bytes go as they are, a NUL included. */
  confab_test_client_send_raw (pair.client, "a\0b", 3);
  server_expect_bytes (&pair, "a\0b", 3);

  /* Nothing there: 0 returns at once, no EOF. */
  g_assert_null (confab_test_client_try_read_line (pair.client, 0, &eof));
  g_assert_false (eof);

  /* Lines one at a time, in order, the "\r" and empty lines kept. */
  server_send (&pair, "one\ntwo\r\n\nhalf");
  confab_test_client_expect_line (pair.client, "one");
  line = confab_test_client_expect_prefix (pair.client, "tw");
  g_assert_cmpstr (line, ==, "two\r");
  g_clear_pointer (&line, g_free);
  line = confab_test_client_read_line (pair.client);
  g_assert_cmpstr (line, ==, "");
  g_clear_pointer (&line, g_free);

  /* Half a line is no line; it stays pending. */
  g_assert_null (confab_test_client_try_read_line (pair.client, 100, &eof));
  g_assert_false (eof);
  pending = confab_test_client_get_pending (pair.client, &len);
  g_assert_cmpmem (pending, len, "half", 4);
  server_send (&pair, " and the rest\n");
  confab_test_client_expect_line (pair.client, "half and the rest");
  g_assert_null (confab_test_client_get_pending (pair.client, &len));
  g_assert_cmpuint (len, ==, 0);

  /* A FIN: end of stream, no line. */
  g_socket_shutdown (pair.server, FALSE, TRUE, NULL);
  g_assert_null (confab_test_client_try_read_line (pair.client, 10000, &eof));
  g_assert_true (eof);
  g_assert_true (confab_test_client_is_eof (pair.client, &eof));
  g_assert_false (eof); /* not a reset */
  confab_test_client_expect_eof (pair.client);
  g_assert_null (confab_test_client_read_line (pair.client));

  pair_close (&pair);
}

static void
test_client_read_timeout (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      g_setenv (CONFAB_TEST_ENV_TIMEOUT_SCALE, "1", TRUE);
      pair_open_full (&pair, 300);
      server_send (&pair, "half a line");
      confab_test_client_read_line (pair.client);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Timed out after 300 ms waiting for a line*");
}

static void
test_client_expect_line_mismatch (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      pair_open (&pair);
      server_send (&pair, "got\tthis\n");
      confab_test_client_expect_line (pair.client, "wanted");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  /* Escaped, so a control character shows; reported at the caller's line. */
  g_test_trap_assert_stderr ("*test-test-util-client.c:*Expected “wanted”, got “got\\tthis”*");
}

static void
test_client_expect_line_eof (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      pair_open (&pair);
      g_socket_shutdown (pair.server, FALSE, TRUE, NULL);
      confab_test_client_expect_line (pair.client, "wanted");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Expected “wanted” but the connection ended*");
}

/* Half a line before the FIN is not a clean end. */
static void
test_client_expect_eof_half_line (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      pair_open (&pair);
      server_send (&pair, "error: cut");
      g_socket_shutdown (pair.server, FALSE, TRUE, NULL);
      confab_test_client_expect_eof (pair.client);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*The stream ended after half a line: “error: cut”*");
}

static void
test_client_expect_eof_line (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      pair_open (&pair);
      server_send (&pair, "one more\n");
      g_socket_shutdown (pair.server, FALSE, TRUE, NULL);
      confab_test_client_expect_eof (pair.client);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Expected the end of the stream, got “one more”*");
}

/* A reset is not a clean end either: it can destroy the last lines. */
static void
test_client_expect_eof_reset (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      pair_open (&pair);
      server_reset (&pair);
      confab_test_client_expect_eof (pair.client);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*The connection was reset, not closed*");
}

/* Sending to a connection the peer reset returns an error: no SIGPIPE
 * ends the test, and the try_ variant does not fail it. */
static void
test_client_send_after_reset (void)
{
  Pair pair = { 0 };
  g_autoptr(GError) error = NULL;
  gboolean eof = FALSE;

  pair_open (&pair);
  server_reset (&pair);
  /* Once the reset has arrived (the socket polls as readable), no send
   * can be taken any more. */
  g_assert_true (g_socket_condition_timed_wait (confab_test_client_get_socket (pair.client),
                                                G_IO_IN | G_IO_ERR | G_IO_HUP,
                                                10 * G_USEC_PER_SEC, NULL, NULL));
  g_assert_false (confab_test_client_try_send_raw (pair.client, "x\n", 2, &error));
  g_assert_true (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE) ||
                 g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED));

  /* And the stream has ended (the send took the reset's error). */
  g_assert_null (confab_test_client_try_read_line (pair.client, 10000, &eof));
  g_assert_true (eof);
  pair_close (&pair);
}

/* close() sends a FIN, reset() a reset, as the other end sees them. */
static void
test_client_close_and_reset (void)
{
  Pair pair = { 0 };
  g_autoptr(GError) error = NULL;
  char byte;

  pair_open (&pair);
  confab_test_client_close (pair.client);
  confab_test_client_close (pair.client); /* twice is fine */
  g_assert_cmpint (g_socket_receive (pair.server, &byte, 1, NULL, &error), ==, 0);
  g_assert_no_error (error);
  pair_close (&pair);

  pair_open (&pair);
  confab_test_client_reset (pair.client);
  confab_test_client_reset (pair.client);
  g_assert_cmpint (g_socket_receive (pair.server, &byte, 1, NULL, &error), ==, -1);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED);
  pair_close (&pair);
}

static void
test_client_new_full (void)
{
  g_autoptr(GSocket) bound = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(ConfabTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  guint16 port;
  gint    rcvbuf = 0;

  /* Bound but not listening: refused, returned as an error. */
  bound = listen_loopback (&port);
  client = confab_test_client_new_full (port, 1000, 0, &error);
  g_assert_null (client);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_clear_error (&error);

  /* SO_RCVBUF as asked (Linux doubles it), far below the default. */
  listener = listen_loopback (&port);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  client = confab_test_client_new_full (port, 1000, 4096, &error);
  g_assert_no_error (error);
  g_socket_get_option (confab_test_client_get_socket (client), SOL_SOCKET, SO_RCVBUF,
                       &rcvbuf, &error);
  g_assert_no_error (error);
  g_assert_cmpint (rcvbuf, >=, 4096);
  g_assert_cmpint (rcvbuf, <=, 4 * 4096);
}

static void
test_client_new_refused (void)
{
  if (g_test_subprocess ())
    {
      guint16 port;
      g_autoptr(GSocket) bound = listen_loopback (&port);

      confab_test_client_new (port);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Cannot connect to 127.0.0.1:*");
}

/* A login answered with something that is neither the sync nor an
 * error fails the test rather than counting as a refusal. */
static void
test_client_try_login_garbage (void)
{
  if (g_test_subprocess ())
    {
      Pair pair = { 0 };

      pair_open (&pair);
      server_send (&pair, "welcome, stranger\n");
      confab_test_client_try_login (pair.client, "alice", NULL);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*Logging in as “alice”: expected “from alice: __sync *” "
                             "or an error, got “welcome, stranger”*");
}

/* What a login sends: the name, then a sync addressed to itself (the
 * accepted case is in /test-util/daemon/start/real); a refusal is
 * returned with the server's line. */
static void
test_client_login_wire (void)
{
  Pair             pair = { 0 };
  g_autofree char *error_line = NULL;
  char             buf[256];
  gssize           n;
  char            *nl;

  pair_open (&pair);
  /* Refused: the error line comes back as the reason. */
  server_send (&pair, "error: name taken: alice\n");
  g_assert_false (confab_test_client_try_login (pair.client, "alice", &error_line));
  g_assert_cmpstr (error_line, ==, "error: name taken: alice");

  n = g_socket_receive (pair.server, buf, sizeof buf - 1, NULL, NULL);
  g_assert_cmpint (n, >, 0);
  buf[n] = '\0';
  g_assert_true (g_str_has_prefix (buf, "alice\nalice: __sync "));
  nl = strchr (buf + strlen ("alice\n"), '\n');
  g_assert_nonnull (nl);
  g_assert_cmpstr (nl + 1, ==, "");
  g_clear_pointer (&error_line, g_free);
  pair_close (&pair);

  /* Closed without a word: a refusal too, said as such. */
  pair_open (&pair);
  g_socket_shutdown (pair.server, FALSE, TRUE, NULL);
  g_assert_false (confab_test_client_try_login (pair.client, "bob", &error_line));
  g_assert_cmpstr (error_line, ==, "(connection closed)");
  pair_close (&pair);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/test-util/client/lines", test_client_lines);
  g_test_add_func ("/test-util/client/read-timeout", test_client_read_timeout);
  g_test_add_func ("/test-util/client/expect-line/mismatch", test_client_expect_line_mismatch);
  g_test_add_func ("/test-util/client/expect-line/eof", test_client_expect_line_eof);
  g_test_add_func ("/test-util/client/expect-eof/half-line", test_client_expect_eof_half_line);
  g_test_add_func ("/test-util/client/expect-eof/line", test_client_expect_eof_line);
  g_test_add_func ("/test-util/client/expect-eof/reset", test_client_expect_eof_reset);
  g_test_add_func ("/test-util/client/send-after-reset", test_client_send_after_reset);
  g_test_add_func ("/test-util/client/close-and-reset", test_client_close_and_reset);
  g_test_add_func ("/test-util/client/new-full", test_client_new_full);
  g_test_add_func ("/test-util/client/new-refused", test_client_new_refused);
  g_test_add_func ("/test-util/client/try-login/wire", test_client_login_wire);
  g_test_add_func ("/test-util/client/try-login/garbage", test_client_try_login_garbage);

  return g_test_run ();
}
