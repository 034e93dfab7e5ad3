/* test-tls.c: tls: and ircs: listeners end to end (SPEC §11).
 *
 * A certificate authority and the server's certificates are made by the
 * test with certtool (Debian's gnutls-bin) in its own directory; the
 * clients are GIO's own TLS client, `openssl s_client` and `gnutls-cli`,
 * beside plain-TCP peers of the same daemon. The daemon's counters are
 * read over a private session bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <gio/gio.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"
#include "confab-tls-test-util.h"

#define WAIT_MS 20000

typedef struct
{
  ConfabDBusTestBus *bus;
  ConfabTestTmpDir  *tmp;
  GDBusConnection   *connection; /* (owned): to read the counters */
  ConfabTestDaemon  *daemon;     /* (owned) (nullable) */
  char              *config_path;
  guint16            port;     /* text and JSON, plain */
  guint16            tls_port; /* tls: */
  guint16            irc_port; /* ircs: */
} Fixture;

/* ---- certificates ------------------------------------------------------ */

static char *
tmp_path (Fixture    *fx,
          const char *name)
{
  return g_build_filename (fx->tmp->path, name, NULL);
}

static void
write_config (Fixture    *fx,
              const char *cert)
{
  g_autofree char *cert_pem = g_strconcat (cert, ".pem", NULL);
  g_autofree char *cert_key = g_strconcat (cert, ".key", NULL);
  g_autofree char *cert_path = tmp_path (fx, cert_pem);
  g_autofree char *key_path = tmp_path (fx, cert_key);
  /* Handshake and login within it; under valgrind a handshake alone can
   * take seconds, so it grows with the test's other waits. */
  g_autofree char   *login_timeout = g_strdup_printf ("%u", confab_test_timeout_ms (10000) / 1000);
  const char * const kv[] = { "limits.login_timeout_sec", login_timeout, "tls.certificate", cert_path,
                              "tls.key", key_path, NULL };

  confab_test_write_config (fx->config_path, kv);
}

static void
start_daemon (Fixture *fx)
{
  const char * const args[] = { "--bus", "session", "--listen", "tls:127.0.0.1:0", "--listen",
                                "ircs:127.0.0.1:0", NULL };

  fx->daemon = confab_test_daemon_start (fx->config_path, args, 0);
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
  g_autofree char *certtool_path = g_find_program_in_path ("certtool");

  if (certtool_path == NULL)
    {
      g_test_skip ("certtool (gnutls-bin) is not installed");
      return;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("GIO has no TLS backend (glib-networking is not installed)");
      return;
    }

  confab_dbus_test_set_fail_func (fail_hook);
  fx->bus = confab_dbus_test_bus_up ();
  fx->connection = confab_dbus_test_bus_connect (fx->bus);
  fx->tmp = confab_test_tmp_dir_new ();
  fx->config_path = tmp_path (fx, "confab.conf");
  confab_tls_test_make_pki (fx->tmp->path, "ca", "server", TRUE);
  write_config (fx, "server");
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
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

static guint64
get_counter (Fixture    *fx,
             const char *key)
{
  return confab_dbus_test_get_counter (fx->connection, key);
}

/* GetPeer's "tls" */
static gboolean
peer_is_tls (Fixture    *fx,
             const char *name)
{
  g_autoptr(GVariant) info = confab_dbus_test_call_manager (fx->connection, "GetPeer", g_variant_new ("(s)", name));
  gboolean tls = FALSE;

  g_assert_true (g_variant_lookup (info, "tls", "b", &tls));
  return tls;
}

/* Waits (bounded) for a counter to reach @wanted: the daemon counts a
 * failed handshake when it notices, which may be after the client. */
static void
wait_counter (Fixture    *fx,
              const char *key,
              guint64     wanted)
{
  gint64 deadline = g_get_monotonic_time () + confab_test_timeout_ms (WAIT_MS) * G_TIME_SPAN_MILLISECOND;

  while (get_counter (fx, key) < wanted)
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("%s stayed below %" G_GUINT64_FORMAT, key, wanted);
      g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_cmpuint (get_counter (fx, key), ==, wanted);
}

/* ---- the tests ------------------------------------------------------------ */

static void
test_chat (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(TlsClient) alice = NULL;
  g_autoptr(TlsClient) jo = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *welcome = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("Text and JSON peers over TLS chat with a plain-TCP peer, both ways");

  start_daemon (fx);
  alice = tls_client_new (fx->tmp->path, fx->tls_port);
  tls_send (alice, "alice\n");
  bob = confab_test_client_new_login (fx->port, "bob");
  tls_send (alice, "bob: over tls\n");
  confab_test_client_expect_line (bob, "from alice: over tls");
  confab_test_client_send_line (bob, "alice: and back");
  tls_expect_line (alice, "from bob: and back");

  jo = tls_client_new (fx->tmp->path, fx->tls_port);
  tls_send (jo, "{\"type\":\"login\",\"name\":\"jo\"}\n");
  welcome = tls_read_line (jo);
  g_assert_nonnull (strstr (welcome, "\"type\":\"welcome\""));
  confab_test_client_send_line (bob, "jo: json too");
  {
    g_autofree char *line = tls_read_line (jo);

    g_assert_nonnull (strstr (line, "\"text\":\"json too\""));
  }
  g_assert_cmpuint (get_counter (fx, "tls_handshakes_failed"), ==, 0);
  g_assert_true (peer_is_tls (fx, "alice"));
  g_assert_true (peer_is_tls (fx, "jo"));
  g_assert_false (peer_is_tls (fx, "bob"));
}

static void
test_ircs (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(TlsClient) ian = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  gboolean welcomed = FALSE;

  if (fx->bus == NULL)
    return;
  g_test_summary ("IRC over TLS (ircs:): registration and a message from a plain-TCP text peer");

  start_daemon (fx);
  ian = tls_client_new (fx->tmp->path, fx->irc_port);
  tls_send (ian, "NICK ian\r\nUSER ian 0 * :Ian\r\n");
  for (guint i = 0; i < 32 && !welcomed; i++)
    {
      g_autofree char *line = tls_read_line (ian);

      welcomed = strstr (line, " 422 ian ") != NULL;
    }
  g_assert_true (welcomed);
  bob = confab_test_client_new_login (fx->port, "bob");
  confab_test_client_send_line (bob, "ian: hello irc over tls");
  tls_expect_line (ian, ":bob!bob@confab PRIVMSG ian :hello irc over tls");
  tls_send (ian, "PRIVMSG bob :hello text\r\n");
  confab_test_client_expect_line (bob, "from ian: hello text");
}

/* A client that refuses the certificate (a CA it does not trust, or a
 * certificate that expired) gets no session; the server counts it. */
static void
test_refused_certificate (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(TlsClient) client = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A wrong CA and an expired certificate are refused by the client; the server "
                  "counts each failed handshake");

  confab_tls_test_make_pki (fx->tmp->path, "other-ca", "other", TRUE);
  start_daemon (fx);
  client = tls_client_try_new (fx->tmp->path, fx->tls_port, "other-ca", &error);
  g_assert_null (client);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  wait_counter (fx, "tls_handshakes_failed", 1);
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  g_clear_error (&error);

  confab_tls_test_make_pki (fx->tmp->path, "old-ca", "expired", FALSE);
  write_config (fx, "expired");
  start_daemon (fx);
  client = tls_client_try_new (fx->tmp->path, fx->tls_port, "old-ca", &error);
  g_assert_null (client);
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  wait_counter (fx, "tls_handshakes_failed", 1);
}

/* Reads what @port sends @text until it closes; bounded. */
static GString *
plain_exchange (guint16     port,
                const char *text)
{
  g_autoptr(ConfabTestClient) client = confab_test_client_new (port);
  GString *got = g_string_new (NULL);
  gint64   deadline = g_get_monotonic_time () + confab_test_timeout_ms (WAIT_MS) * G_TIME_SPAN_MILLISECOND;
  GSocket *socket = confab_test_client_get_socket (client);

  if (text != NULL)
    confab_test_client_send_raw (client, text, strlen (text));
  g_socket_set_blocking (socket, FALSE);
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      char   buf[512];
      gssize n = g_socket_receive (socket, buf, sizeof buf, NULL, &error);

      if (n == 0 || (n < 0 && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK)))
        break;
      if (n > 0)
        g_string_append_len (got, buf, n);
      if (g_get_monotonic_time () > deadline)
        g_error ("the TLS port did not close the connection");
      if (n < 0)
        g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
  return got;
}

static void
test_plaintext_and_stall (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(GString) plain = NULL;
  g_autoptr(GString) stalled = NULL;
  g_autoptr(TlsClient) alice = NULL;
  gint64 start;

  if (fx->bus == NULL)
    return;
  g_test_summary ("Plain text on a TLS port and a handshake that never starts are closed cleanly, "
                  "without a line in clear, and counted");

  start_daemon (fx);
  plain = plain_exchange (fx->tls_port, "alice\n");
  g_assert_null (strstr (plain->str, "error"));
  g_assert_null (strstr (plain->str, "alice"));
  wait_counter (fx, "tls_handshakes_failed", 1);

  start = g_get_monotonic_time ();
  stalled = plain_exchange (fx->tls_port, NULL);
  g_assert_cmpuint (stalled->len, ==, 0);
  /* Closed by the login timeout (10 s, more under valgrind: an ASan
   * build is slow to handshake too), not at once. */
  g_assert_cmpint (g_get_monotonic_time () - start, >=, 1 * G_USEC_PER_SEC);
  wait_counter (fx, "tls_handshakes_failed", 2);
  g_assert_cmpuint (get_counter (fx, "login_timeouts"), ==, 0);

  /* The port still serves. */
  alice = tls_client_new (fx->tmp->path, fx->tls_port);
  tls_send (alice, "alice\nalice: me\n");
  tls_expect_line (alice, "from alice: me");
}

/* ---- real clients from Debian ---------------------------------------------- */

typedef struct
{
  GSubprocess      *process; /* (owned) */
  GDataInputStream *out;     /* (owned) */
  GThread          *watchdog;
  GMutex            lock;
  GCond             cond;
  gboolean          done;
} Tool;

/* Kills the tool if the test has not finished with it in time, so that a
 * blocking read of its output cannot hang the test. */
static gpointer
watchdog_thread (gpointer data)
{
  Tool  *tool = data;
  gint64 deadline = g_get_monotonic_time () + confab_test_timeout_ms (WAIT_MS) * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&tool->lock);
  while (!tool->done)
    {
      if (!g_cond_wait_until (&tool->cond, &tool->lock, deadline))
        {
          g_subprocess_force_exit (tool->process);
          break;
        }
    }
  g_mutex_unlock (&tool->lock);
  return NULL;
}

static Tool *
tool_spawn (const char * const *argv)
{
  g_autoptr(GError) error = NULL;
  Tool *tool = g_new0 (Tool, 1);

  tool->process = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                     &error);
  g_assert_no_error (error);
  tool->out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (tool->process));
  g_data_input_stream_set_newline_type (tool->out, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  g_mutex_init (&tool->lock);
  g_cond_init (&tool->cond);
  tool->watchdog = g_thread_new ("tool watchdog", watchdog_thread, tool);
  return tool;
}

static void
tool_send (Tool       *tool,
           const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_subprocess_get_stdin_pipe (tool->process), text, strlen (text), NULL, NULL,
                             &error);
  g_assert_no_error (error);
  g_output_stream_flush (g_subprocess_get_stdin_pipe (tool->process), NULL, &error);
  g_assert_no_error (error);
}

/* Reads the tool's output until @wanted (its own status lines are
 * skipped); fails if it ends first. */
static void
tool_expect_line (Tool       *tool,
                  const char *wanted)
{
  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *line = g_data_input_stream_read_line_utf8 (tool->out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        g_error ("the client ended before printing “%s”", wanted);
      if (g_str_equal (line, wanted))
        return;
    }
}

static void
tool_free (Tool *tool)
{
  g_mutex_lock (&tool->lock);
  tool->done = TRUE;
  g_cond_signal (&tool->cond);
  g_mutex_unlock (&tool->lock);
  g_thread_join (tool->watchdog);
  g_subprocess_force_exit (tool->process);
  g_subprocess_wait (tool->process, NULL, NULL);
  g_clear_object (&tool->out);
  g_clear_object (&tool->process);
  g_mutex_clear (&tool->lock);
  g_cond_clear (&tool->cond);
  g_free (tool);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Tool, tool_free)

static void
chat_with_tool (Fixture            *fx,
                const char * const *argv,
                const char         *name)
{
  g_autoptr(Tool) tool = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *login = g_strdup_printf ("%s\nbob: hello from %s\n", name, name);
  g_autofree char *from = g_strdup_printf ("from %s: hello from %s", name, name);
  g_autofree char *to = g_strdup_printf ("%s: hello, %s", name, name);
  g_autofree char *expected = g_strdup_printf ("from bob: hello, %s", name);

  bob = confab_test_client_new_login (fx->port, "bob");
  tool = tool_spawn (argv);
  tool_send (tool, login);
  confab_test_client_expect_line (bob, from);
  confab_test_client_send_line (bob, to);
  tool_expect_line (tool, expected);
}

/* A client that half-closes its TCP side (its input ended) still gets
 * what it asked for, and then close_notify: the end of the session, not
 * a cut connection. */
static void
test_half_close (Fixture      *fx,
                 gconstpointer data)
{
  if (fx->bus == NULL)
    return;
  g_test_summary ("A TLS client that shuts its TCP write side gets its answers, then close_notify: "
                  "after a chat and after a refused login");

  start_daemon (fx);
  {
    g_autoptr(TlsClient) chat = tls_client_new (fx->tmp->path, fx->tls_port);

    tls_send (chat, "carol\ncarol: to myself\n");
    tls_shutdown_tcp_write (chat);
    tls_expect_line (chat, "from carol: to myself");
    tls_expect_clean_eof (chat);
  }
  {
    g_autoptr(TlsClient) refused = tls_client_new (fx->tmp->path, fx->tls_port);

    tls_send (refused, "not a name!\n");
    tls_shutdown_tcp_write (refused);
    {
      g_autofree char *line = tls_read_line (refused);

      g_assert_true (g_str_has_prefix (line, "error: "));
    }
    tls_expect_clean_eof (refused);
  }
}

static void
test_openssl (Fixture      *fx,
              gconstpointer data)
{
  g_autofree char *program = g_find_program_in_path ("openssl");
  g_autofree char *ca = NULL;
  g_autofree char *connect = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("openssl s_client, verifying the certificate, chats with a plain peer; TLS 1.1 is refused");
  if (program == NULL)
    {
      g_test_skip ("openssl is not installed");
      return;
    }

  start_daemon (fx);
  ca = tmp_path (fx, "ca.pem");
  connect = g_strdup_printf ("127.0.0.1:%u", fx->tls_port);
  {
    const char * const argv[] = { program, "s_client", "-connect", connect, "-CAfile", ca,
                                  "-verify_return_error", "-verify_hostname", "localhost",
                                  "-quiet", NULL };

    chat_with_tool (fx, argv, "carol");
  }
  {
    /* Nothing older than TLS 1.2 (SPEC §11): the handshake fails. */
    const char * const argv[] = { program, "s_client", "-connect", connect, "-CAfile", ca, "-tls1_1",
                                  "-cipher", "DEFAULT@SECLEVEL=0", NULL };
    g_autoptr(GError) error = NULL;
    /* Read before the client starts: its handshake may fail at once. */
    guint64 before = get_counter (fx, "tls_handshakes_failed");
    g_autoptr(GSubprocess) old = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                                                     &error);

    g_assert_no_error (error);
    g_output_stream_close (g_subprocess_get_stdin_pipe (old), NULL, NULL);
    g_subprocess_wait (old, NULL, &error);
    g_assert_no_error (error);
    g_assert_false (g_subprocess_get_successful (old));
    wait_counter (fx, "tls_handshakes_failed", before + 1);
  }
}

static void
test_gnutls_cli (Fixture      *fx,
                 gconstpointer data)
{
  g_autofree char *program = g_find_program_in_path ("gnutls-cli");
  g_autofree char *ca = NULL;
  g_autofree char *port = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("gnutls-cli, verifying the certificate, chats with a plain peer");
  if (program == NULL)
    {
      g_test_skip ("gnutls-cli (gnutls-bin) is not installed");
      return;
    }

  start_daemon (fx);
  ca = tmp_path (fx, "ca.pem");
  port = g_strdup_printf ("%u", fx->tls_port);
  {
    const char * const argv[] = { program, "--x509cafile", ca, "-p", port, "127.0.0.1", NULL };

    chat_with_tool (fx, argv, "dave");
  }
}

static void
test_client (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *ca = NULL;
  g_autofree char *other_ca = NULL;
  g_autofree char *address = NULL;
  g_autofree char *by_ip = NULL;
  g_autofree char *err = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("confab tls:HOST:PORT with --ca chats; a certificate it cannot trust fails "
                  "with the reason and sends nothing in clear");

  confab_tls_test_make_pki (fx->tmp->path, "other-ca", "other", TRUE);
  start_daemon (fx);
  ca = tmp_path (fx, "ca.pem");
  other_ca = tmp_path (fx, "other-ca.pem");
  address = g_strdup_printf ("tls:localhost:%u", fx->tls_port);
  bob = confab_test_client_new_login (fx->port, "bob");
  {
    const char * const args[] = { "--quiet", "--ca", ca, address, "carol", NULL };

    g_assert_cmpint (confab_tls_test_run_client (args, "bob: from the confab client\n", &err), ==, 0);
    g_assert_cmpstr (err, ==, "");
    confab_test_client_expect_line (bob, "from carol: from the confab client");
    g_clear_pointer (&err, g_free);
  }
  {
    /* The system's authorities do not know the test's CA. */
    const char * const args[] = { address, "carol", NULL };

    g_assert_cmpint (confab_tls_test_run_client (args, "bob: never\n", &err), ==, 1);
    g_assert_nonnull (strstr (err, "certificate is refused: it is not signed by a trusted authority"));
    g_clear_pointer (&err, g_free);
  }
  {
    const char * const args[] = { "--ca", other_ca, address, "carol", NULL };

    g_assert_cmpint (confab_tls_test_run_client (args, "bob: never\n", &err), ==, 1);
    g_assert_nonnull (strstr (err, "not signed by a trusted authority"));
    g_clear_pointer (&err, g_free);
  }
  {
    /* A refused login over TLS ends as the server ended it, with
     * close_notify after the error, though the client's input had ended
     * (and the client said so) first. */
    const char * const args[] = { "--ca", ca, address, "bob", NULL };

    g_assert_cmpint (confab_tls_test_run_client (args, "carol: never\n", &err), ==, 1);
    g_assert_nonnull (strstr (err, "the server closed the connection"));
    g_assert_null (strstr (err, "lost"));
    g_clear_pointer (&err, g_free);
  }
  by_ip = g_strdup_printf ("tls:127.0.0.1:%u", fx->tls_port);
  {
    /* The certificate names 127.0.0.1 too: an address is checked as one. */
    const char * const args[] = { "--quiet", "--ca", ca, by_ip, "dave", NULL };

    g_assert_cmpint (confab_tls_test_run_client (args, "bob: by address\n", &err), ==, 0);
    confab_test_client_expect_line (bob, "from dave: by address");
    g_clear_pointer (&err, g_free);
  }
  {
    const char * const args[] = { "--ca", ca, "tls:unix:/nowhere", "carol", NULL };

    g_assert_cmpint (confab_tls_test_run_client (args, "", &err), ==, 2);
    g_assert_nonnull (strstr (err, "TLS needs HOST:PORT"));
    g_clear_pointer (&err, g_free);
  }
  /* Nothing arrived in between: bob's next line is his own. */
  confab_test_client_sync (bob, "bob");
  wait_counter (fx, "tls_handshakes_failed", 2);
}

/* SIGHUP reads the certificate again: new connections get the new one,
 * connections made before keep theirs. */
static void
test_reload (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr(TlsClient) before = NULL;
  g_autoptr(TlsClient) after = NULL;
  g_autoptr(GError) error = NULL;
  gsize offset;

  if (fx->bus == NULL)
    return;
  g_test_summary ("SIGHUP reloads the certificate for new connections; older ones go on");

  start_daemon (fx);
  before = tls_client_new (fx->tmp->path, fx->tls_port);
  tls_send (before, "early\n");

  confab_tls_test_make_pki (fx->tmp->path, "new-ca", "renewed", TRUE);
  write_config (fx, "renewed");
  offset = confab_test_daemon_get_log_length (fx->daemon);
  confab_test_daemon_send_signal (fx->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (fx->daemon, offset, "Reloaded configuration", WAIT_MS);

  g_assert_null (tls_client_try_new (fx->tmp->path, fx->tls_port, "ca", &error));
  g_assert_error (error, G_TLS_ERROR, G_TLS_ERROR_BAD_CERTIFICATE);
  after = tls_client_try_new (fx->tmp->path, fx->tls_port, "new-ca", NULL);
  g_assert_nonnull (after);
  tls_send (after, "late\nearly: hi\n");
  tls_expect_line (before, "from late: hi");
}

#define BURST_LINES   200
#define BURST_PADDING 3000

/* Many TLS records each way: each of the daemon's writes of a gathered
 * buffer (64 KiB) is several records, and its reads take a record at a
 * time while the socket is readable. */
static void
test_burst (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(TlsClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) to_alice = g_string_new (NULL);
  g_autoptr(GString) from_alice = g_string_new (NULL);
  g_autofree char *padding = g_strnfill (BURST_PADDING, 'p');

  if (fx->bus == NULL)
    return;
  g_test_summary ("Bursts of several hundred KB to and from a TLS peer, which reads only once "
                  "they are sent, arrive whole and in order");

  start_daemon (fx);
  alice = tls_client_new (fx->tmp->path, fx->tls_port);
  tls_send (alice, "alice\nalice: in\n");
  tls_expect_line (alice, "from alice: in");
  bob = confab_test_client_new_login (fx->port, "bob");

  /* To alice, who reads only once it has all been sent. */
  for (guint i = 0; i < BURST_LINES; i++)
    g_string_append_printf (to_alice, "alice: %u %s\n", i, padding);
  confab_test_client_send_raw (bob, to_alice->str, to_alice->len);
  confab_test_client_sync (bob, "bob");
  for (guint i = 0; i < BURST_LINES; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from bob: %u %s", i, padding);

      tls_expect_line (alice, expected);
    }

  /* From alice, in one write of many records. */
  for (guint i = 0; i < BURST_LINES / 2; i++)
    g_string_append_printf (from_alice, "bob: %u %s\n", i, padding);
  tls_send (alice, from_alice->str);
  for (guint i = 0; i < BURST_LINES / 2; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: %u %s", i, padding);

      confab_test_client_expect_line (bob, expected);
    }
  tls_send (alice, "alice: done\n");
  tls_expect_line (alice, "from alice: done");
}

#define MEMORY_CONNECTIONS 16

/* A TLS client logged in as @name, whose login has been taken. */
static TlsClient *
tls_login (Fixture    *fx,
           const char *name)
{
  TlsClient       *client = tls_client_new (fx->tmp->path, fx->tls_port);
  g_autofree char *lines = g_strdup_printf ("%s\n%s: hi\n", name, name);
  g_autofree char *echo = g_strdup_printf ("from %s: hi", name);

  tls_send (client, lines);
  tls_expect_line (client, echo);
  return client;
}

/* With GIO's default certificate database, glib-networking 2.74 gives
 * every server connection credentials of its own with the whole system
 * trust store in them: 3.8 MB per connection here, and 20 ms of CPU to
 * parse it. The daemon gives its TLS connections no database. */
static void
test_memory (Fixture      *fx,
             gconstpointer data)
{
  TlsClient *clients[MEMORY_CONNECTIONS + 1] = { NULL };
  guint64    before, after;
  GPid       pid;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A TLS connection costs the daemon well under 1 MiB (no copy of the system's "
                  "trust store per connection)");

  start_daemon (fx);
  pid = confab_test_daemon_get_pid (fx->daemon);
  /* The first brings in what all TLS connections share. */
  clients[0] = tls_login (fx, "m0");
  before = confab_test_get_rss_kib (pid);
  for (guint i = 1; i <= MEMORY_CONNECTIONS; i++)
    {
      g_autofree char *name = g_strdup_printf ("m%u", i);

      clients[i] = tls_login (fx, name);
    }
  after = confab_test_get_rss_kib (pid);
  g_test_message ("confabd VmRSS %" G_GUINT64_FORMAT " KiB with one TLS peer, %" G_GUINT64_FORMAT
                  " KiB with %u more",
                  before, after, MEMORY_CONNECTIONS);
  if (confab_test_rss_is_meaningful ())
    g_assert_cmpuint (after, <, before + MEMORY_CONNECTIONS * 1024);
  else
    g_test_message ("VmRSS not checked: the daemon runs under a memory checker");
  for (guint i = 0; i <= MEMORY_CONNECTIONS; i++)
    tls_client_free (clients[i]);
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/tls/chat", test_chat);
  ADD ("/tls/ircs", test_ircs);
  ADD ("/tls/refused-certificate", test_refused_certificate);
  ADD ("/tls/plaintext-and-stall", test_plaintext_and_stall);
  ADD ("/tls/half-close", test_half_close);
  ADD ("/tls/openssl", test_openssl);
  ADD ("/tls/gnutls-cli", test_gnutls_cli);
  ADD ("/tls/reload", test_reload);
  ADD ("/tls/client", test_client);
  ADD ("/tls/burst", test_burst);
  ADD ("/tls/memory", test_memory);

  status = g_test_run ();
  /* Under LeakSanitizer the exit-time check of this process crashes in
   * its tracer (GnuTLS's threads); what these tests check for leaks is
   * the daemon, which is checked as usual. */
  fflush (NULL);
  _exit (status);
}
