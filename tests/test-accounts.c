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

#include <crypt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"
#include "confab-tls-test-util.h"

#define WAIT_MS 20000

typedef struct
{
  ConfabDBusTestBus *bus;
  ConfabTestTmpDir  *tmp;
  GDBusConnection   *connection;
  ConfabTestDaemon  *daemon;
  char              *config_path;
  char              *accounts_path;
  char              *unix_path;
  guint16            port;
  guint16            tls_port;
  guint16            irc_port;
} Fixture;

/* A yescrypt hash of @password, as confabctl passwd writes one. */
static char *
hash_password (const char *password)
{
  char               salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data *data = g_new0 (struct crypt_data, 1);
  char              *hash;

  g_assert_nonnull (crypt_gensalt_rn ("$y$", 0, NULL, 0, salt, sizeof salt));
  g_assert_nonnull (crypt_rn (password, salt, data, sizeof *data));
  g_assert_cmpint (data->output[0], ==, '$');
  hash = g_strdup (data->output);
  g_free (data);
  return hash;
}

static void
write_accounts (Fixture    *fx,
                const char *first,
                ...)
{
  g_autoptr(GString) contents = g_string_new ("# the test's accounts\n");
  g_autoptr(GError) error = NULL;
  va_list     args;
  const char *name;

  va_start (args, first);
  for (name = first; name != NULL; name = va_arg (args, const char *))
    {
      g_autofree char *hash = hash_password (va_arg (args, const char *));

      g_string_append_printf (contents, "%s:%s\n", name, hash);
    }
  va_end (args);
  g_file_set_contents (fx->accounts_path, contents->str, -1, &error);
  g_assert_no_error (error);
}

static void
write_config (Fixture    *fx,
              const char *required)
{
  g_autofree char   *cert = g_build_filename (fx->tmp->path, "server.pem", NULL);
  g_autofree char   *key = g_build_filename (fx->tmp->path, "server.key", NULL);
  const char * const kv[] = { "tls.certificate", cert, "tls.key", key,
                              "accounts.file", fx->accounts_path, "accounts.required", required, NULL };

  confab_test_write_config (fx->config_path, kv);
}

static void
start_daemon (Fixture *fx)
{
  const char * const args[] = { "--bus", "session", "--listen", "tls:127.0.0.1:0", "--listen",
                                "ircs:127.0.0.1:0", "--listen", NULL, NULL };
  g_autofree char   *unix_listen = g_strdup_printf ("unix:%s", fx->unix_path);
  const char        *with_unix[G_N_ELEMENTS (args)];

  memcpy (with_unix, args, sizeof args);
  with_unix[7] = unix_listen;
  fx->daemon = confab_test_daemon_start (fx->config_path, with_unix, 0);
  fx->port = confab_test_daemon_get_port (fx->daemon);
  fx->tls_port = confab_test_daemon_get_scheme_port (fx->daemon, "tls");
  fx->irc_port = confab_test_daemon_get_scheme_port (fx->daemon, "ircs");
  confab_dbus_test_wait_name (fx->connection, "org.confab.Confab1", TRUE, WAIT_MS);
}

G_NORETURN
static void
fail_hook (const char *strloc,
           const char *message)
{
  confab_test_fail_at (strloc, "wait", "%s", message);
}

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char *certtool = g_find_program_in_path ("certtool");

  if (certtool == NULL || !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("certtool (gnutls-bin) or GIO's TLS backend (glib-networking) is missing");
      return;
    }
  confab_dbus_test_set_fail_func (fail_hook);
  fx->bus = confab_dbus_test_bus_up ();
  fx->connection = confab_dbus_test_bus_connect (fx->bus);
  fx->tmp = confab_test_tmp_dir_new ();
  fx->config_path = g_build_filename (fx->tmp->path, "confab.conf", NULL);
  fx->accounts_path = g_build_filename (fx->tmp->path, "accounts", NULL);
  fx->unix_path = g_build_filename (fx->tmp->path, "confab.sock", NULL);
  confab_tls_test_make_pki (fx->tmp->path, "ca", "server", TRUE);
  write_accounts (fx, "alice", "correct horse", "carol", "battery staple", NULL);
  write_config (fx, data != NULL ? "true" : "false");
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  if (fx->connection != NULL)
    g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  g_clear_object (&fx->connection);
  g_clear_pointer (&fx->bus, confab_dbus_test_bus_free);
  g_clear_pointer (&fx->config_path, g_free);
  g_clear_pointer (&fx->accounts_path, g_free);
  g_clear_pointer (&fx->unix_path, g_free);
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

static guint64
get_counter (Fixture    *fx,
             const char *key)
{
  return confab_dbus_test_get_counter (fx->connection, key);
}

/* GetPeer's account and login_method of @name, "account/method". */
static char *
peer_login (Fixture    *fx,
            const char *name)
{
  g_autoptr(GVariant) info = confab_dbus_test_call_manager (fx->connection, "GetPeer", g_variant_new ("(s)", name));
  const char *account = NULL;
  const char *method = NULL;

  g_assert_true (g_variant_lookup (info, "account", "&s", &account));
  g_assert_true (g_variant_lookup (info, "login_method", "&s", &method));
  return g_strdup_printf ("%s/%s", account, method);
}

/* A TLS login with @line; returns the client, logged in or refused. */
static TlsClient *
tls_login (Fixture    *fx,
           const char *line)
{
  TlsClient *client = tls_client_new (fx->tmp->path, fx->tls_port);

  tls_send (client, line);
  return client;
}

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
