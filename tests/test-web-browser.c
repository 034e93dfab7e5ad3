/* test-web-browser.c: the web client in a real headless Chromium (SPEC §13).
 *
 * The real confabd serves data/web on a ws: listener, with a history
 * database in the test's directory; tests/web/web-browser.py drives
 * Chromium over the DevTools protocol: two browser users (375 px and
 * 1280 px wide) and a text peer chat, and the pages must log in again by
 * themselves when the daemon is restarted on the same ports, which this
 * file does when the script says "restart". The script fails on any
 * console error; its screenshots are kept in meson-logs/screenshots.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "confab-test-util.h"

#define WAIT_MS 60000

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;    /* text and JSON */
  guint16           ws_port; /* ws: */
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char   *web_root = g_test_build_filename (G_TEST_DIST, "..", "data", "web", NULL);
  g_autofree char   *history = NULL;
  const char * const args[] = { "--listen", "ws:127.0.0.1:0", NULL };

  fx->tmp = confab_test_tmp_dir_new ();
  fx->config_path = g_build_filename (fx->tmp->path, "confab.conf", NULL);
  history = g_build_filename (fx->tmp->path, "history.db", NULL);
  {
    const char * const kv[] = { "web.root", web_root, "history.database", history, NULL };

    confab_test_write_config (fx->config_path, kv);
  }
  fx->daemon = confab_test_daemon_start (fx->config_path, args, 0);
  fx->port = confab_test_daemon_get_port (fx->daemon);
  fx->ws_port = confab_test_daemon_get_scheme_port (fx->daemon, "ws");
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  g_clear_pointer (&fx->config_path, g_free);
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

/* Stops the daemon and starts another on the same ports and database:
 * what a browser sees of `systemctl restart confab`. */
static void
restart_daemon (Fixture *fx)
{
  g_autofree char   *text = g_strdup_printf ("127.0.0.1:%u", fx->port);
  g_autofree char   *ws = g_strdup_printf ("ws:127.0.0.1:%u", fx->ws_port);
  g_autofree char   *needle = g_strdup_printf ("Listening on %s", ws);
  const char * const args[] = { "--listen", text, "--listen", ws, "--bus", "none", "--config",
                                fx->config_path, NULL };

  confab_test_daemon_stop (fx->daemon);
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  fx->daemon = confab_test_daemon_spawn (args, 0);
  confab_test_daemon_wait_for_log (fx->daemon, 0, needle, WAIT_MS);
}

/* Kills the script if it has not finished in time, so that a blocking
 * read of its output cannot hang the test. */
typedef struct
{
  GSubprocess *process;
  GMutex       lock;
  GCond        cond;
  gboolean     done;
} Watchdog;

static gpointer
watchdog_thread (gpointer data)
{
  Watchdog *w = data;
  gint64    deadline = g_get_monotonic_time () + confab_test_timeout_ms (4 * WAIT_MS) * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&w->lock);
  while (!w->done)
    if (!g_cond_wait_until (&w->cond, &w->lock, deadline))
      {
        g_subprocess_force_exit (w->process);
        break;
      }
  g_mutex_unlock (&w->lock);
  return NULL;
}

static void
test_two_browsers_and_a_terminal (Fixture      *fx,
                                  gconstpointer data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "web", "web-browser.py", NULL);
  g_autofree char *url = g_strdup_printf ("http://127.0.0.1:%u/", fx->ws_port);
  g_autofree char *text_port = g_strdup_printf ("%u", fx->port);
  g_autofree char *shots = g_test_build_filename (G_TEST_BUILT, "..", "meson-logs", "screenshots", NULL);
  g_autofree char *timeout = g_strdup_printf ("%u", confab_test_timeout_ms (30000) / 1000);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) said = g_string_new (NULL);
  g_autofree char *chromium = g_find_program_in_path ("chromium");
  Watchdog         watchdog = { 0 };
  GThread         *thread;
  gboolean         ok = FALSE;

  g_test_summary ("Two users in headless Chromium (375 and 1280 px) and a text peer chat in a "
                  "room and directly; history, join and part notices and an error are shown; "
                  "both pages come back by themselves after a restart of the daemon; no "
                  "console error (tests/web/web-browser.py)");
  if (chromium == NULL)
    confab_test_fail ("chromium is not installed (tools/install-deps installs it)");

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE);
  g_subprocess_launcher_setenv (launcher, "CONFAB_WEB_TIMEOUT", timeout, TRUE);
  process = g_subprocess_launcher_spawn (launcher, &error, "/usr/bin/python3", script, url, text_port,
                                         shots, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (process));
  watchdog.process = process;
  g_mutex_init (&watchdog.lock);
  g_cond_init (&watchdog.cond);
  thread = g_thread_new ("browser watchdog", watchdog_thread, &watchdog);

  for (;;)
    {
      g_autofree char *line = g_data_input_stream_read_line_utf8 (out, NULL, NULL, &error);

      g_assert_no_error (error);
      if (line == NULL)
        break;
      g_string_append_printf (said, "%s\n", line);
      if (g_str_equal (line, "restart"))
        {
          restart_daemon (fx);
          g_output_stream_write_all (g_subprocess_get_stdin_pipe (process), "go\n", 3, NULL, NULL, &error);
          g_assert_no_error (error);
        }
      else if (g_str_equal (line, "ok"))
        ok = TRUE;
    }

  g_mutex_lock (&watchdog.lock);
  watchdog.done = TRUE;
  g_cond_signal (&watchdog.cond);
  g_mutex_unlock (&watchdog.lock);
  g_thread_join (thread);
  g_subprocess_wait (process, NULL, &error);
  g_assert_no_error (error);
  g_mutex_clear (&watchdog.lock);
  g_cond_clear (&watchdog.cond);

  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0 || !ok)
    confab_test_fail ("web-browser.py failed (its story is on stderr above); it said:\n%s", said->str);
  for (guint i = 0; i < 2; i++)
    {
      g_autofree char *png = g_build_filename (shots, i == 0 ? "web-client-375.png" : "web-client-1280.png",
                                               NULL);
      g_autofree char *contents = NULL;
      gsize            len = 0;

      g_file_get_contents (png, &contents, &len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (len, >, 8);
      g_assert_cmpmem (contents, 8, "\x89PNG\r\n\x1a\n", 8);
      g_test_message ("screenshot: %s", png);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/web/two-browsers-and-a-terminal", Fixture, NULL, fixture_setup,
              test_two_browsers_and_a_terminal, fixture_teardown);

  return g_test_run ();
}
