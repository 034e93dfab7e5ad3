/* test-accounts.c: accounts with passwords end to end (SPEC §11).
 *
 * The accounts file is written by the test with hashes made here by
 * libxcrypt (yescrypt, as confabctl passwd makes them); confabd serves
 * plain TCP, TLS (certificates made with certtool), IRC over TLS and a
 * Unix socket, and its counters are read over a private session bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "confab-accounts-fixture.h"

static void
test_passwords (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(TlsClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A name with an account needs its password, over TLS; a wrong or missing one "
                  "is refused and counted; names without one log in as before");

  start_daemon (fx);
  alice = tls_login (fx, "alice correct horse\n");
  bob = confab_test_client_new_login (fx->port, "bob");
  tls_send (alice, "bob: with my password\n");
  confab_test_client_expect_line (bob, "from alice: with my password");

  {
    g_autoptr(TlsClient) wrong = tls_login (fx, "carol correct horse\n");

    tls_expect_line (wrong, "error: authentication failed");
  }
  {
    g_autoptr(TlsClient) none = tls_login (fx, "carol\n");

    tls_expect_line (none, "error: authentication failed");
  }
  {
    /* A look-alike of an account's name is that account. */
    g_autoptr(TlsClient) look_alike = tls_login (fx, "CAR0L\n");

    tls_expect_line (look_alike, "error: authentication failed");
  }
  {
    g_autoptr(TlsClient) no_account = tls_login (fx, "dave some password\n");

    tls_expect_line (no_account, "error: authentication failed");
  }
  g_assert_cmpuint (get_counter (fx, "auth_failures"), ==, 1);
  g_assert_cmpuint (get_counter (fx, "logins_rejected"), >=, 4);

  /* The text peer logged in without one: not required. */
  confab_test_client_send_line (bob, "alice: fine");
  tls_expect_line (alice, "from bob: fine");
  {
    g_autofree char *alice_login = peer_login (fx, "alice");
    g_autofree char *bob_login = peer_login (fx, "bob");

    g_assert_cmpstr (alice_login, ==, "alice/password");
    g_assert_cmpstr (bob_login, ==, "/none");
  }
}

static void
test_plain_tcp (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) sent = NULL;
  g_autoptr(ConfabTestClient) json = NULL;
  g_autoptr(ConfabTestClient) account = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A password on plain TCP is refused (“password needs TLS”), right or wrong, "
                  "text and JSON; an account's name needs TLS to log in at all");

  start_daemon (fx);
  sent = confab_test_client_new (fx->port);
  confab_test_client_send_line (sent, "alice correct horse");
  confab_test_client_expect_line (sent, "error: password needs TLS");
  confab_test_client_expect_eof (sent);

  json = confab_test_client_new (fx->port);
  confab_test_client_send_line (json, "{\"type\":\"login\",\"name\":\"alice\",\"password\":\"correct horse\"}");
  {
    g_autofree char *line = confab_test_client_read_line (json);

    g_assert_nonnull (strstr (line, "\"code\":\"password-needs-tls\""));
  }
  confab_test_client_expect_eof (json);

  account = confab_test_client_new (fx->port);
  confab_test_client_send_line (account, "alice");
  confab_test_client_expect_line (account, "error: authentication failed");
  confab_test_client_expect_eof (account);
  g_assert_cmpuint (get_counter (fx, "auth_failures"), ==, 0);
}

static void
test_json_irc_unix (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr(TlsClient) json = NULL;
  g_autoptr(TlsClient) irc = NULL;
  g_autoptr(TlsClient) wrong_irc = NULL;
  g_autoptr(GSocketAddress) unix_address = NULL;
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnection) unix_connection = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *welcome = NULL;
  gboolean         registered = FALSE;

  if (fx->bus == NULL)
    return;
  g_test_summary ("The other login forms: JSON's password over TLS, IRC's PASS over ircs:, "
                  "and a password on a Unix socket");

  start_daemon (fx);
  json = tls_login (fx, "{\"type\":\"login\",\"name\":\"alice\",\"password\":\"correct horse\"}\n");
  welcome = tls_read_line (json);
  g_assert_nonnull (strstr (welcome, "\"type\":\"welcome\""));

  irc = tls_client_new (fx->tmp->path, fx->irc_port);
  tls_send (irc, "PASS :battery staple\r\nNICK carol\r\nUSER carol 0 * :Carol\r\n");
  for (guint i = 0; i < 32 && !registered; i++)
    {
      g_autofree char *line = tls_read_line (irc);

      registered = strstr (line, " 001 carol ") != NULL;
    }
  g_assert_true (registered);
  tls_send (irc, "PRIVMSG alice :from IRC with PASS\r\n");
  {
    g_autofree char *line = tls_read_line (json);

    g_assert_nonnull (strstr (line, "\"text\":\"from IRC with PASS\""));
  }

  /* alice leaves: a look-alike of her name may then register, with her
   * account's password. */
  g_clear_pointer (&json, tls_client_free);
  tls_send (irc, "PING :alice-gone\r\n");
  for (guint i = 0; i < 64; i++)
    {
      g_autofree char *line = tls_read_line (irc);

      if (g_str_equal (line, ":confab.local PONG confab.local :alice-gone"))
        break;
    }
  wrong_irc = tls_client_new (fx->tmp->path, fx->irc_port);
  tls_send (wrong_irc, "PASS wrong\r\nNICK Alice\r\nUSER a 0 * :A\r\n");
  {
    gboolean refused = FALSE;

    for (guint i = 0; i < 32 && !refused; i++)
      {
        g_autofree char *line = tls_read_line (wrong_irc);

        g_assert_null (strstr (line, " 001 "));
        refused = g_str_equal (line, "ERROR :authentication failed");
      }
    g_assert_true (refused);
  }

  /* A Unix socket crosses no network: a password may come that way. */
  unix_address = g_unix_socket_address_new (fx->unix_path);
  unix_connection = g_socket_client_connect (socket_client, G_SOCKET_CONNECTABLE (unix_address), NULL, &error);
  g_assert_no_error (error);
  {
    g_autoptr(ConfabTestClient) local = NULL;

    local = confab_test_client_new_for_socket (g_socket_connection_get_socket (unix_connection));
    confab_test_client_send_line (local, "alice correct horse");
    confab_test_client_send_line (local, "alice: local");
    confab_test_client_expect_line (local, "from alice: local");
  }
}

/* The first failure from a host costs nothing extra; each later one waits
 * twice as long before its password is even checked. */
static void
test_delay_grows (Fixture      *fx,
                  gconstpointer data)
{
  gint64 took[3];

  if (fx->bus == NULL)
    return;
  g_test_summary ("Failed passwords from one address wait longer each time: 0, 250 ms, 500 ms");

  start_daemon (fx);
  for (guint i = 0; i < G_N_ELEMENTS (took); i++)
    {
      g_autoptr(TlsClient) client = tls_client_new (fx->tmp->path, fx->tls_port);
      gint64 start = g_get_monotonic_time ();

      tls_send (client, "alice guess\n");
      tls_expect_line (client, "error: authentication failed");
      took[i] = g_get_monotonic_time () - start;
    }
  /* Lower bounds only: the delay is the server's, whatever the load. */
  g_assert_cmpint (took[1], >=, 240 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (took[2], >=, 490 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (get_counter (fx, "auth_failures"), ==, 3);
  {
    /* The right password still works, after its wait. */
    g_autoptr(TlsClient) alice = tls_login (fx, "alice correct horse\nalice: me\n");

    tls_expect_line (alice, "from alice: me");
  }
}

/* required=true: every name needs an account; SIGHUP reads the file again. */
static void
test_required_and_reload (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;
  gsize offset;

  if (fx->bus == NULL)
    return;
  g_test_summary ("With required=true a name without an account is refused; a reload adds one");

  start_daemon (fx);
  bob = confab_test_client_new (fx->port);
  confab_test_client_send_line (bob, "bob");
  confab_test_client_expect_line (bob, "error: authentication failed");
  confab_test_client_expect_eof (bob);
  {
    g_autoptr(TlsClient) refused = tls_login (fx, "bob builder\n");

    tls_expect_line (refused, "error: authentication failed");
  }

  write_accounts (fx, "alice", "correct horse", "bob", "builder", NULL);
  offset = confab_test_daemon_get_log_length (fx->daemon);
  confab_test_daemon_send_signal (fx->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (fx->daemon, offset, "Reloaded configuration", WAIT_MS);
  {
    g_autoptr(TlsClient) welcome = tls_login (fx, "bob builder\nbob: me\n");

    tls_expect_line (welcome, "from bob: me");
  }
  {
    /* carol's account is gone with the old file. */
    g_autoptr(TlsClient) gone = tls_login (fx, "carol battery staple\n");

    tls_expect_line (gone, "error: authentication failed");
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/accounts/passwords", Fixture, NULL, fixture_setup, test_passwords, fixture_teardown);
  g_test_add ("/accounts/plain-tcp", Fixture, NULL, fixture_setup, test_plain_tcp, fixture_teardown);
  g_test_add ("/accounts/json-irc-unix", Fixture, NULL, fixture_setup, test_json_irc_unix, fixture_teardown);
  g_test_add ("/accounts/delay-grows", Fixture, NULL, fixture_setup, test_delay_grows, fixture_teardown);
  g_test_add ("/accounts/required-and-reload", Fixture, "required", fixture_setup, test_required_and_reload,
              fixture_teardown);

  status = g_test_run ();
  /* Under LeakSanitizer the exit-time check of this process crashes in
   * its tracer (GnuTLS's threads); what these tests check for leaks is
   * the daemon, which is checked as usual. */
  fflush (NULL);
  _exit (status);
}
