/* test-test-util-daemon.c: what confab-test-util.h promises, checked:
 * failures, time, files, the daemon and /proc.
 *
 * Every end-to-end test leans on these helpers, so each contract gets a
 * check here, and so does its failure path where it has one: a helper
 * that fails the test must do so with its message (run in a subprocess,
 * g_test_trap_subprocess()). The daemon helpers are driven with a fake
 * confabd, a shell script set as $CONFABD in the subprocess, whose
 * output and exit are chosen by the test; one test runs the real one.
 * The client helpers are checked in test-test-util-client.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
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
                                         "# ---- end of confabd log ----\n*",
                                         out));
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
    { "3", "valgrind", 30 }, /* an explicit scale wins */
    { NULL, "valgrind", 50 },
    { NULL, "", 10 },
    { "0", NULL, 10 },      /* at least 1 */
    { "1000", NULL, 1000 }, /* at most 100 */
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
      g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
      g_test_trap_assert_passed ();
    }
  g_unsetenv ("TEST_CASE");
}

/* ---- temporary directory and config ------------------------------------ */

static void
test_tmp_dir (void)
{
  ConfabTestTmpDir *tmp = confab_test_tmp_dir_new ();
  g_autofree char  *path = g_strdup (tmp->path);
  g_autofree char  *sub = g_build_filename (path, "sub", NULL);
  g_autofree char  *file = g_build_filename (sub, "file", NULL);
  g_autofree char  *link = g_build_filename (path, "link", NULL);
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
  g_autofree char   *contents = NULL;
  g_autofree char   *value = NULL;
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

  /* No list, or an empty one: a file that only turns history off (as
   * every one does, unless it names a database), overwriting the old one. */
  confab_test_write_config (path, NULL);
  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (contents, ==, "[history]\ndatabase=none\n");
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
      g_autofree char   *log = NULL;
      gsize              end;
      int                status = -1;

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
      /* No pid check here: this script may have exited, and been reaped
       * (pid 0), already; /test-util/proc/get-pid and the real daemon's
       * test check the pid of a live process. */

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
  /* The child's stderr in the log: what failed, if it did. */
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
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
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
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
      gsize              end;

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
                                             "--config /some/confab.conf --verbose\n",
                                             0);
      g_assert_cmpuint (end, >, 0);
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
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
  GPid             pid;

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
  int   fds[2];
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
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
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

  return g_test_run ();
}
