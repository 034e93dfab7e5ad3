/* test-test-util.c: what confab-test-util.h promises, checked.
 *
 * Every end-to-end test leans on these helpers, so each contract gets a
 * check here, and so does its failure path where it has one: a helper
 * that fails the test must do so with its message (run in a subprocess,
 * g_test_trap_subprocess()). The daemon helpers are driven with a fake
 * confabd, a shell script set as $CONFABD in the subprocess, whose
 * output and exit are chosen by the test; one test runs the real one.
 * The client helpers talk to a socket the test holds itself.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "confab-test-util.h"

/* ---- helpers of this test -------------------------------------------- */

/* Writes an executable /bin/sh script with @body into @tmp. */
static char *
write_script (ConfabTestTmpDir *tmp,
              const char       *name,
              const char       *body)
{
  g_autofree char *path = g_build_filename (tmp->path, name, NULL);
  g_autofree char *text = g_strconcat ("#!/bin/sh\n", body, "\n", NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return g_steal_pointer (&path);
}

/* In a subprocess: $CONFABD is a script with @body, run without any
 * wrapper (valgrind would only slow the shell down). */
static void
use_fake_daemon (ConfabTestTmpDir *tmp,
                 const char       *body)
{
  g_autofree char *path = write_script (tmp, "fake-confabd", body);

  g_setenv (CONFAB_TEST_ENV_CONFABD, path, TRUE);
  g_unsetenv (CONFAB_TEST_ENV_WRAPPER);
}

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
  GSocket          *listener;  /* (owned) */
  GSocket          *server;    /* (owned): the test's end */
  ConfabTestClient *client;    /* (owned): the helper's end */
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
  gsize got = 0;

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
                               &linger, sizeof linger), ==, 0);
  g_socket_close (pair->server, NULL);
}

/* ---- failures and time ------------------------------------------------- */

static void
test_fail (void)
{
  if (g_test_subprocess ())
    {
      confab_test_fail ("boom %d", 42);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*test_fail*boom 42*");
}

/* Fails with the logs of the daemons still running, where the reason is.
 * They are printed with g_test_message(), which a g_test_trap_subprocess()
 * child keeps quiet (it runs with -q), so this child is run by hand:
 * itself with -p and PRINTS_LOGS_CHILD in its environment. */
static const char *self_path;

static void
test_fail_prints_logs (void)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (g_getenv ("PRINTS_LOGS_CHILD") != NULL)
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;

      use_fake_daemon (tmp, "echo 'first words'; exec sleep 60");
      daemon = confab_test_daemon_spawn (NULL, 0);
      confab_test_daemon_wait_for_log (daemon, 0, "first words\n", 10000);
      confab_test_fail ("something went wrong");
      return;
    }

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, "PRINTS_LOGS_CHILD", "1", TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path,
                                       "-p", "/test-util/fail/prints-logs", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (child, NULL, NULL, &out, &err, &error);
  g_assert_no_error (error);

  g_assert_true (g_subprocess_get_if_signaled (child));
  g_assert_cmpint (g_subprocess_get_term_sig (child), ==, SIGABRT);
  g_assert_true (g_pattern_match_simple ("*# ---- confabd (pid *) log ----\n"
                                         "# confabd: first words\n"
                                         "# ---- end of confabd log ----\n*", out));
  g_assert_true (g_pattern_match_simple ("*something went wrong*", err) ||
                 g_pattern_match_simple ("*something went wrong*", out));
}

static void
test_timeout_scale (void)
{
  static const struct
  {
    const char *scale;    /* CONFAB_TEST_TIMEOUT_SCALE, or NULL */
    const char *wrapper;  /* CONFAB_TEST_WRAPPER, or NULL */
    guint       expected; /* for 10 ms */
  } cases[] = {
    { NULL, NULL, 10 },
    { "3", NULL, 30 },
    { "3", "valgrind", 30 },   /* an explicit scale wins */
    { NULL, "valgrind", 50 },
    { NULL, "", 10 },
    { "0", NULL, 10 },         /* at least 1 */
    { "1000", NULL, 1000 },    /* at most 100 */
  };

  if (g_test_subprocess ())
    {
      guint i = atoi (g_getenv ("TEST_CASE"));

      if (cases[i].scale != NULL)
        g_setenv (CONFAB_TEST_ENV_TIMEOUT_SCALE, cases[i].scale, TRUE);
      else
        g_unsetenv (CONFAB_TEST_ENV_TIMEOUT_SCALE);
      if (cases[i].wrapper != NULL)
        g_setenv (CONFAB_TEST_ENV_WRAPPER, cases[i].wrapper, TRUE);
      else
        g_unsetenv (CONFAB_TEST_ENV_WRAPPER);
      g_assert_cmpuint (confab_test_timeout_ms (10), ==, cases[i].expected);
      /* Read once: a later change does not count. */
      g_setenv (CONFAB_TEST_ENV_TIMEOUT_SCALE, "7", TRUE);
      g_assert_cmpuint (confab_test_timeout_ms (10), ==, cases[i].expected);
      return;
    }

  /* The scale is read once per process: one subprocess per case, told
   * which by the environment it inherits. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *index = g_strdup_printf ("%u", i);

      g_setenv ("TEST_CASE", index, TRUE);
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
      g_test_trap_assert_passed ();
    }
  g_unsetenv ("TEST_CASE");
}

/* ---- temporary directory and config ------------------------------------ */

static void
test_tmp_dir (void)
{
  ConfabTestTmpDir *tmp = confab_test_tmp_dir_new ();
  g_autofree char *path = g_strdup (tmp->path);
  g_autofree char *sub = g_build_filename (path, "sub", NULL);
  g_autofree char *file = g_build_filename (sub, "file", NULL);
  g_autofree char *link = g_build_filename (path, "link", NULL);
  g_autoptr(GDir) dir = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_test (path, G_FILE_TEST_IS_DIR));
  dir = g_dir_open (path, 0, &error);
  g_assert_no_error (error);
  g_assert_null (g_dir_read_name (dir));

  /* Removed with everything in it; a symlink to a directory is removed,
   * not followed. */
  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  g_file_set_contents (file, "x", -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (symlink (sub, link), ==, 0);
  confab_test_tmp_dir_free (tmp);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  confab_test_tmp_dir_free (NULL);
}

static void
test_write_config (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *value = NULL;
  const char * const config[] = {
    "peers_max", "3",
    "server.unix_identity", "true",
    NULL
  };

  confab_test_write_config (path, config);
  g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  value = g_key_file_get_value (key_file, "limits", "peers_max", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "3");
  g_clear_pointer (&value, g_free);
  value = g_key_file_get_value (key_file, "server", "unix_identity", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (value, ==, "true");
  g_assert_false (g_key_file_has_group (key_file, "peers_max"));

  /* No list, or an empty one: an empty file, overwriting the old one. */
  confab_test_write_config (path, NULL);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "");
}

/* ---- the daemon, faked ------------------------------------------------- */

static void
test_daemon_spawn (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;
      const char * const args[] = { "one", "two words", NULL };
      g_autofree char *log = NULL;
      gsize end;
      int status = -1;

      /* Both streams, the arguments, the environment, stdin at EOF and
       * the descriptor limit, each on a line of its own. */
      g_setenv ("LISTEN_FDS", "3", TRUE);
      g_setenv ("NOTIFY_SOCKET", "/nowhere", TRUE);
      use_fake_daemon (tmp,
                       "echo \"args: $#|$1|$2\"\n"
                       "echo 'to stderr' >&2\n"
                       "echo \"env: $G_DEBUG|$LC_ALL|${LISTEN_FDS-unset}|${NOTIFY_SOCKET-unset}\"\n"
                       "read line; echo \"stdin: $?\"\n"
                       "echo \"nofile: $(ulimit -Sn) $(ulimit -Hn)\"\n"
                       "exit 3");
      daemon = confab_test_daemon_spawn (args, 64);
      g_assert_cmpint (confab_test_daemon_get_pid (daemon), >, 0);

      end = confab_test_daemon_wait_for_log (daemon, 0, "args: 2|one|two words\n", 10000);
      end = confab_test_daemon_wait_for_log (daemon, end, "nofile: 64 64\n", 10000);
      confab_test_daemon_wait_exit (daemon, 10000);
      g_assert_true (confab_test_daemon_has_exited (daemon));
      g_assert_true (confab_test_daemon_get_exit_status (daemon, &status));
      g_assert_cmpint (status, ==, 3);
      confab_test_daemon_assert_exit_status (daemon, 3);
      confab_test_daemon_assert_exit_status (daemon, -1);

      log = confab_test_daemon_dup_log (daemon);
      g_assert_cmpstr (log, ==,
                       "args: 2|one|two words\n"
                       "to stderr\n"
                       "env: gc-friendly,fatal-criticals|C.UTF-8|unset|unset\n"
                       "stdin: 1\n"
                       "nofile: 64 64\n");
      g_assert_cmpuint (confab_test_daemon_get_log_length (daemon), ==, strlen (log));
      g_assert_cmpuint (end, ==, strlen (log));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* A log offset past a match does not find it again. */
static void
test_daemon_wait_for_log_offset (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;
      gsize first, second;

      use_fake_daemon (tmp, "echo tick; echo tock; echo tick; exec sleep 60");
      daemon = confab_test_daemon_spawn (NULL, 0);
      first = confab_test_daemon_wait_for_log (daemon, 0, "tick", 10000);
      second = confab_test_daemon_wait_for_log (daemon, first, "tick", 10000);
      g_assert_cmpuint (first, ==, strlen ("tick"));
      g_assert_cmpuint (second, ==, strlen ("tick\ntock\ntick"));
      /* Killed by the free, not waited for. */
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_daemon_wait_for_log_ended (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;

      use_fake_daemon (tmp, "echo 'not it'");
      daemon = confab_test_daemon_spawn (NULL, 0);
      confab_test_daemon_wait_for_log (daemon, 0, "the line", 10000);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*confabd ended its output before logging “the line”*");
}

static void
test_daemon_wait_for_log_timeout (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;

      use_fake_daemon (tmp, "echo 'not it'; exec sleep 60");
      g_setenv (CONFAB_TEST_ENV_TIMEOUT_SCALE, "1", TRUE);
      daemon = confab_test_daemon_spawn (NULL, 0);
      confab_test_daemon_wait_for_log (daemon, 0, "the line", 200);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*confabd timed out before logging “the line”*");
}

/* A daemon that does not exit in time is killed and the test fails. */
static void
test_daemon_wait_exit_timeout (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;

      use_fake_daemon (tmp, "echo started; exec sleep 60");
      g_setenv (CONFAB_TEST_ENV_TIMEOUT_SCALE, "1", TRUE);
      daemon = confab_test_daemon_spawn (NULL, 0);
      confab_test_daemon_wait_for_log (daemon, 0, "started\n", 10000);
      confab_test_daemon_wait_exit (daemon, 200);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*did not exit within 200 ms; killed it*");
}

/* A signal, not an exit status: assert_exit_status says so. */
static void
test_daemon_killed (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;
      int status = -1;

      use_fake_daemon (tmp, "echo started; exec sleep 60");
      daemon = confab_test_daemon_spawn (NULL, 0);
      confab_test_daemon_wait_for_log (daemon, 0, "started\n", 10000);
      g_assert_false (confab_test_daemon_has_exited (daemon));
      confab_test_daemon_send_signal (daemon, SIGKILL);
      confab_test_daemon_wait_exit (daemon, 10000);
      g_assert_false (confab_test_daemon_get_exit_status (daemon, &status));
      confab_test_daemon_assert_exit_status (daemon, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*confabd was killed by signal 9*");
}

static void
test_daemon_wrong_status (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;

      use_fake_daemon (tmp, "exit 0");
      daemon = confab_test_daemon_spawn (NULL, 0);
      confab_test_daemon_wait_exit (daemon, 10000);
      confab_test_daemon_assert_exit_status (daemon, -1);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*confabd exited with status 0, expected non-0*");
}

/* confab_test_daemon_start() reads the port from "Listening on", and
 * refuses a line without one. */
static void
test_daemon_start_no_port (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;

      use_fake_daemon (tmp, "echo 'confab-Message: Listening on unix:/run/x'; exec sleep 60");
      daemon = confab_test_daemon_start ("/nonexistent.conf", NULL, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*No 127.0.0.1:PORT in the line*");
}

static void
test_daemon_start_fake (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
      g_autoptr(ConfabTestDaemon) daemon = NULL;
      const char * const extra[] = { "--verbose", NULL };
      gsize end;

      /* The arguments it is given, and a port read from the whole line. */
      use_fake_daemon (tmp,
                       "echo \"argv: $*\"\n"
                       "printf 'confab-Message: 12:00: Listening on 127.0.0.1:'\n"
                       "sleep 0.2\n"
                       "echo '40123'\n"
                       "exec sleep 60");
      daemon = confab_test_daemon_start ("/some/confab.conf", extra, 0);
      g_assert_cmpuint (confab_test_daemon_get_port (daemon), ==, 40123);
      end = confab_test_daemon_wait_for_log (daemon, 0,
                                             "argv: --listen 127.0.0.1:0 --bus none "
                                             "--config /some/confab.conf --verbose\n", 0);
      g_assert_cmpuint (end, >, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

/* ---- the real daemon, and /proc ---------------------------------------- */

static void
test_daemon_real (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) again = NULL;
  g_autofree char *error_line = NULL;
  g_autofree char *log = NULL;
  g_autofree char *listening = NULL;
  GPid pid;

  confab_test_write_config (config, NULL);
  daemon = confab_test_daemon_start (config, NULL, 0);
  pid = confab_test_daemon_get_pid (daemon);
  g_assert_cmpint (kill (pid, 0), ==, 0);
  g_assert_cmpuint (confab_test_count_fds (pid), >, 3);
  g_assert_cmpfloat (confab_test_get_cpu_time (pid), >=, 0);
  log = confab_test_daemon_dup_log (daemon);
  listening = g_strdup_printf (CONFAB_TEST_LISTENING_TEXT "127.0.0.1:%u\n",
                               confab_test_daemon_get_port (daemon));
  g_assert_nonnull (strstr (log, listening));

  /* Login, sync, and a refusal returned rather than failed. */
  alice = confab_test_client_new_login (confab_test_daemon_get_port (daemon), "alice");
  confab_test_client_sync (alice, "alice");
  again = confab_test_client_new (confab_test_daemon_get_port (daemon));
  g_assert_false (confab_test_client_try_login (again, "alice", &error_line));
  g_assert_cmpstr (error_line, ==, "error: name taken: alice");
  confab_test_client_expect_eof (again);
  g_clear_pointer (&again, confab_test_client_free);

  /* Once alice is gone the name is free; retried until the server knows. */
  g_clear_pointer (&alice, confab_test_client_free);
  again = confab_test_login_retry (confab_test_daemon_get_port (daemon), "alice", 10000);
  confab_test_client_sync (again, "alice");

  confab_test_daemon_stop (daemon);
  g_assert_true (confab_test_daemon_has_exited (daemon));
}

static void
test_subprocess_get_pid (void)
{
  g_autoptr(GSubprocess) sleeper = NULL;
  g_autoptr(GError) error = NULL;
  GPid pid;

  sleeper = g_subprocess_new (G_SUBPROCESS_FLAGS_NONE, &error, "sleep", "60", NULL);
  g_assert_no_error (error);
  pid = confab_test_subprocess_get_pid (sleeper);
  g_assert_cmpint (pid, >, 0);
  g_assert_cmpint (pid, ==, atoi (g_subprocess_get_identifier (sleeper)));
  g_assert_cmpint (kill (pid, 0), ==, 0);

  /* Reaped: 0, never a PID that may be someone else's by now. */
  g_subprocess_force_exit (sleeper);
  g_subprocess_wait (sleeper, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (confab_test_subprocess_get_pid (sleeper), ==, 0);
}

static void
test_proc (void)
{
  int fds[2];
  guint before;

  /* Two more descriptors are two more. */
  before = confab_test_count_fds (getpid ());
  g_assert_cmpint (pipe (fds), ==, 0);
  g_assert_cmpuint (confab_test_count_fds (getpid ()), ==, before + 2);
  close (fds[0]);
  close (fds[1]);
  g_assert_cmpuint (confab_test_count_fds (getpid ()), ==, before);

  g_assert_cmpfloat (confab_test_get_cpu_time (getpid ()), >=, 0);
}

/* A process name with ") " in it does not shift the fields of
 * /proc/PID/stat (renamed in a subprocess, which this one can spare). */
static void
test_proc_odd_name (void)
{
  if (g_test_subprocess ())
    {
      g_autofree char *stat = NULL;

      g_assert_cmpint (prctl (PR_SET_NAME, "a) R 1 2 (b", 0, 0, 0), ==, 0);
      g_assert_true (g_file_get_contents ("/proc/self/stat", &stat, NULL, NULL));
      g_assert_nonnull (strstr (stat, "(a) R 1 2 (b)"));
      g_assert_cmpfloat (confab_test_get_cpu_time (getpid ()), >=, 0);
      /* A shifted field would read a PID or an address as ticks. */
      g_assert_cmpfloat (confab_test_get_cpu_time (getpid ()), <, 3600);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_program_path (void)
{
  g_autofree char *path = confab_test_program_path ("confabctl");
  g_autofree char *dir = g_path_get_dirname (g_getenv (CONFAB_TEST_ENV_CONFABD));
  g_autofree char *expected = g_build_filename (dir, "confabctl", NULL);

  g_assert_cmpstr (path, ==, expected);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_EXECUTABLE));
}

/* ---- the client, against the test's own socket ------------------------- */

static void
test_client_lines (void)
{
  Pair pair = { 0 };
  g_autofree char *line = NULL;
  gboolean eof = TRUE;
  gsize len;
  const char *pending;

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
  g_assert_false (eof);  /* not a reset */
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
  g_test_trap_assert_stderr ("*test-test-util.c:*Expected “wanted”, got “got\\tthis”*");
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
  gboolean sent = TRUE;
  gboolean eof = FALSE;

  pair_open (&pair);
  server_reset (&pair);
  /* The first send may still be taken before the reset is seen. */
  for (guint i = 0; i < 100 && sent; i++)
    {
      g_clear_error (&error);
      sent = confab_test_client_try_send_raw (pair.client, "x\n", 2, &error);
      if (sent)
        g_usleep (10 * G_TIME_SPAN_MILLISECOND);
    }
  g_assert_false (sent);
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
  confab_test_client_close (pair.client);  /* twice is fine */
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
  gint rcvbuf = 0;

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
  Pair pair = { 0 };
  g_autofree char *error_line = NULL;
  char buf[256];
  gssize n;
  char *nl;

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
  self_path = argv[0];

  g_test_add_func ("/test-util/fail", test_fail);
  g_test_add_func ("/test-util/fail/prints-logs", test_fail_prints_logs);
  g_test_add_func ("/test-util/timeout-scale", test_timeout_scale);
  g_test_add_func ("/test-util/tmp-dir", test_tmp_dir);
  g_test_add_func ("/test-util/write-config", test_write_config);
  g_test_add_func ("/test-util/daemon/spawn", test_daemon_spawn);
  g_test_add_func ("/test-util/daemon/wait-for-log/offset", test_daemon_wait_for_log_offset);
  g_test_add_func ("/test-util/daemon/wait-for-log/ended", test_daemon_wait_for_log_ended);
  g_test_add_func ("/test-util/daemon/wait-for-log/timeout", test_daemon_wait_for_log_timeout);
  g_test_add_func ("/test-util/daemon/wait-exit/timeout", test_daemon_wait_exit_timeout);
  g_test_add_func ("/test-util/daemon/killed", test_daemon_killed);
  g_test_add_func ("/test-util/daemon/wrong-status", test_daemon_wrong_status);
  g_test_add_func ("/test-util/daemon/start/fake", test_daemon_start_fake);
  g_test_add_func ("/test-util/daemon/start/no-port", test_daemon_start_no_port);
  g_test_add_func ("/test-util/daemon/start/real", test_daemon_real);
  g_test_add_func ("/test-util/proc/get-pid", test_subprocess_get_pid);
  g_test_add_func ("/test-util/proc", test_proc);
  g_test_add_func ("/test-util/proc/odd-name", test_proc_odd_name);
  g_test_add_func ("/test-util/program-path", test_program_path);
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
