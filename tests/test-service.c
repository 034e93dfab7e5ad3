/* test-service.c: confabd under a service manager, with the test playing
 * systemd: sd_notify states on a NOTIFY_SOCKET of the test's, and socket
 * activation with a listening socket passed as descriptor 3.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>

#include "confab-test-util.h"

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, NULL);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

/* The next datagram on @socket (bounded by the socket's timeout). */
static char *
receive_state (GSocket *socket)
{
  g_autoptr(GError) error = NULL;
  char   buf[4096];
  gssize n;

  n = g_socket_receive (socket, buf, sizeof buf - 1, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (buf, n);
}

static void
test_notify (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *path = g_build_filename (f->tmp->path, "notify", NULL);
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GSocket) notify = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autofree char *expected = NULL;
  guint16          port;

  notify = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (notify, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (notify, confab_test_timeout_ms (10000) / 1000);

  g_setenv (CONFAB_TEST_ENV_NOTIFY_SOCKET, path, TRUE);
  daemon = confab_test_daemon_start (f->config_path, NULL, 0);
  g_unsetenv (CONFAB_TEST_ENV_NOTIFY_SOCKET);
  port = confab_test_daemon_get_port (daemon);

  {
    g_autofree char *ready = receive_state (notify);

    expected = g_strdup_printf ("READY=1\nSTATUS=Serving 0 peers on 127.0.0.1:%u", port);
    g_assert_cmpstr (ready, ==, expected);
  }

  /* The status follows the peer count, at most once a second. */
  alice = confab_test_client_new_login (port, "alice");
  {
    g_autofree char *status = receive_state (notify);

    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("STATUS=Serving 1 peers on 127.0.0.1:%u", port);
    g_assert_cmpstr (status, ==, expected);
  }

  confab_test_daemon_send_signal (daemon, SIGHUP);
  {
    g_autofree char *reloading = receive_state (notify);
    g_autofree char *ready = receive_state (notify);

    g_assert_cmpstr (reloading, ==, "RELOADING=1\nSTATUS=Reloading the configuration");
    g_clear_pointer (&expected, g_free);
    expected = g_strdup_printf ("READY=1\nSTATUS=Serving 1 peers on 127.0.0.1:%u", port);
    g_assert_cmpstr (ready, ==, expected);
  }

  confab_test_daemon_send_signal (daemon, SIGTERM);
  {
    g_autofree char *stopping = receive_state (notify);

    g_assert_cmpstr (stopping, ==, "STOPPING=1\nSTATUS=Shutting down: delivering queued messages");
  }
  confab_test_client_expect_line (alice, "error: server shutting down");
  confab_test_client_expect_eof (alice);
  confab_test_daemon_wait_exit (daemon, confab_test_timeout_ms (20000));
  confab_test_daemon_assert_exit_status (daemon, 0);
}

static void
exited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
timed_out_cb (gpointer user_data)
{
  gboolean *timed_out = user_data;

  *timed_out = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for @process to exit, at most @timeout_ms; FALSE on time-out. */
static gboolean
wait_exit (GSubprocess *process,
           guint        timeout_ms)
{
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  guint    timeout_id = g_timeout_add (timeout_ms, timed_out_cb, &timed_out);

  g_subprocess_wait_async (process, NULL, exited_cb, &done);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!timed_out)
    g_source_remove (timeout_id);
  return done;
}

/* Lines of a log at debug level from a domain other than confab's. */
static gboolean
has_foreign_debug (const char *log)
{
  g_auto(GStrv) lines = g_strsplit (log, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    if (strstr (lines[i], "-DEBUG") != NULL && strstr (lines[i], "confab-DEBUG") == NULL)
      return TRUE;
  return FALSE;
}

/* As systemd does: the listening socket is descriptor 3, LISTEN_FDS=1 and
 * LISTEN_PID the daemon's own PID (the shell's, which exec keeps). With
 * @data "--verbose", that option too: only confab's debug lines, and the
 * LISTEN_* variables are cleared before a thread exists (GLib warns
 * otherwise). */
static void
test_socket_activation (Fixture      *f,
                        gconstpointer data)
{
  const char *extra = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *log_path = g_build_filename (f->tmp->path, "confabd.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *expected = NULL;
  const char      *confabd = g_getenv ("CONFABD");
  guint16          port;

  g_assert_nonnull (confabd);
  {
    const char * const kv[] = { "server.listen", "127.0.0.1:0", NULL };

    confab_test_write_config (f->config_path, kv);
  }
  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (listener, any_port, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));

  /* One open file for both streams: two would overwrite each other. */
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_setenv (launcher, "LISTEN_FDS", "1", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  g_subprocess_launcher_take_fd (launcher, dup (g_socket_get_fd (listener)), 3);
  daemon = g_subprocess_launcher_spawn (launcher, &error,
                                        "/bin/sh", "-c",
                                        "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"",
                                        confabd, "--bus", "none", "--config", f->config_path,
                                        extra, NULL);
  g_assert_no_error (error);
  /* Only the daemon may accept on it now. */
  g_clear_object (&listener);

  /* Connections wait in the socket's backlog until the daemon serves. */
  alice = confab_test_client_new_login (port, "alice");
  bob = confab_test_client_new_login (port, "bob");
  confab_test_client_send_line (alice, "bob: activated");
  confab_test_client_expect_line (bob, "from alice: activated");

  g_file_get_contents (log_path, &log, NULL, &error);
  g_assert_no_error (error);
  expected = g_strdup_printf ("Listening on 127.0.0.1:%u (socket passed by the service manager)", port);
  g_assert_nonnull (strstr (log, expected));
  g_assert_nonnull (strstr (log, "listen= in "));
  g_assert_nonnull (strstr (log, "is ignored: the service manager passed the listening sockets"));
  if (extra != NULL)
    {
      if (strstr (log, "confab-DEBUG") == NULL || has_foreign_debug (log) ||
          strstr (log, "thread-safe") != NULL)
        g_error ("unexpected --verbose log:\n%s", log);
    }

  g_subprocess_send_signal (daemon, SIGTERM);
  confab_test_client_expect_line (alice, "error: server shutting down");
  if (!wait_exit (daemon, confab_test_timeout_ms (20000)))
    {
      g_subprocess_force_exit (daemon);
      g_error ("confabd did not exit after SIGTERM");
    }
  g_assert_true (g_subprocess_get_if_exited (daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon), ==, 0);
}

static GSocket *
new_loopback_listener (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) any_port = g_inet_socket_address_new (loopback, 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autoptr(GSocket) listener = NULL;

  listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                           G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (listener, any_port, TRUE, &error);
  g_assert_no_error (error);
  g_socket_listen (listener, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (listener, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&listener);
}

/* SPEC §8: two passed sockets, told apart by LISTEN_FDNAMES as a socket
 * unit's FileDescriptorName= sets it. The first keeps systemd's default
 * name (the unit's) and speaks text; the one named "irc" speaks IRC. */
static void
test_socket_activation_irc (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) text_listener = NULL;
  g_autoptr(GSocket) irc_listener = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) daemon = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *log_path = g_build_filename (f->tmp->path, "confabd.log", NULL);
  g_autofree char *log = NULL;
  g_autofree char *expected = NULL;
  const char      *confabd = g_getenv ("CONFABD");
  const char      *registration = "NICK bob\r\nUSER bob 0 * :Bob\r\n";
  guint16          text_port, irc_port;
  gboolean         welcomed = FALSE;

  g_assert_nonnull (confabd);
  confab_test_write_config (f->config_path, (const char * const[]) { NULL });
  text_listener = new_loopback_listener (&text_port);
  irc_listener = new_loopback_listener (&irc_port);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  g_subprocess_launcher_setenv (launcher, "LISTEN_FDS", "2", TRUE);
  g_subprocess_launcher_setenv (launcher, "LISTEN_FDNAMES", "confabd.socket:irc", TRUE);
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "fatal-criticals", TRUE);
  g_subprocess_launcher_take_fd (launcher, dup (g_socket_get_fd (text_listener)), 3);
  g_subprocess_launcher_take_fd (launcher, dup (g_socket_get_fd (irc_listener)), 4);
  daemon = g_subprocess_launcher_spawn (launcher, &error,
                                        "/bin/sh", "-c",
                                        "LISTEN_PID=$$; export LISTEN_PID; exec \"$0\" \"$@\"",
                                        confabd, "--bus", "none", "--config", f->config_path, NULL);
  g_assert_no_error (error);
  g_clear_object (&text_listener);
  g_clear_object (&irc_listener);

  alice = confab_test_client_new_login (text_port, "alice");
  bob = confab_test_client_new (irc_port);
  confab_test_client_send_raw (bob, registration, strlen (registration));
  for (guint i = 0; i < 64 && !welcomed; i++)
    {
      g_autofree char *line = confab_test_client_read_line (bob);

      g_assert_nonnull (line);
      /* Registration ends with the MOTD, here its absence. */
      welcomed = strstr (line, " 422 bob ") != NULL;
    }
  g_assert_true (welcomed);
  confab_test_client_send_line (alice, "bob: activated");
  confab_test_client_expect_line (bob, ":alice!alice@confab PRIVMSG bob :activated\r");

  g_file_get_contents (log_path, &log, NULL, &error);
  g_assert_no_error (error);
  expected = g_strdup_printf ("Listening on 127.0.0.1:%u (socket passed by the service manager)", text_port);
  g_assert_nonnull (strstr (log, expected));
  g_free (expected);
  expected = g_strdup_printf ("Listening on irc:127.0.0.1:%u (socket passed by the service manager)", irc_port);
  g_assert_nonnull (strstr (log, expected));

  g_subprocess_send_signal (daemon, SIGTERM);
  if (!wait_exit (daemon, confab_test_timeout_ms (20000)))
    {
      g_subprocess_force_exit (daemon);
      g_error ("confabd did not exit after SIGTERM");
    }
  g_assert_true (g_subprocess_get_if_exited (daemon));
  g_assert_cmpint (g_subprocess_get_exit_status (daemon), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/service/notify", Fixture, NULL, fixture_setup, test_notify, fixture_teardown);
  g_test_add ("/service/socket-activation", Fixture, NULL, fixture_setup,
              test_socket_activation, fixture_teardown);
  g_test_add ("/service/socket-activation/verbose", Fixture, "--verbose", fixture_setup,
              test_socket_activation, fixture_teardown);
  g_test_add ("/service/socket-activation/irc", Fixture, NULL, fixture_setup,
              test_socket_activation_irc, fixture_teardown);

  return g_test_run ();
}
