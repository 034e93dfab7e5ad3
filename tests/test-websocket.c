/* test-websocket.c: the ws: door of the real confabd (SPEC §13), driven
 * by real clients: python3-websockets for the chat, a raw socket in the
 * same script for hostile frames, urllib for the files, and
 * python3-prometheus-client's parser for /metrics
 * (tests/websocket/ws-client.py, one scenario per test).
 *
 * Each test starts its own confabd on 127.0.0.1:0 with a ws: listener
 * beside the text one, and a web root of its own; the script is
 * stopped by its own PID if it does not end in time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <sys/prctl.h>

#include "confab-test-util.h"
#include "confab-tls-test-util.h"

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;    /* text and JSON */
  guint16           ws_port; /* HTTP and WebSocket; wss: for the TLS fixture */
  gboolean          tls;
} Fixture;

/* The TLS fixture's data: a wss: door instead of ws:. */
static const char tls_door[] = "wss";

static void
write_file (const char *path,
            const char *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_path_get_dirname (path);

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const char      *scheme = data != NULL ? data : "ws";
  g_autofree char *listen = g_strconcat (scheme, ":127.0.0.1:0", NULL);
  g_autofree char *listening = g_strconcat ("Listening on ", scheme, ":", NULL);
  const char      *ws_door[] = { "--listen", listen, NULL };
  /* The HTTP request and the login within it; longer on slow runs. */
  g_autofree char *login_timeout = g_strdup_printf ("%u", MAX (confab_test_timeout_ms (2000) / 1000, 2));
  g_autofree char *cert = NULL;
  g_autofree char *key = NULL;
  g_autofree char *web = NULL;
  g_autofree char *index = NULL;
  g_autofree char *css = NULL;
  g_autofree char *hidden = NULL;

  f->tmp = confab_test_tmp_dir_new ();
  f->tls = data != NULL;
  cert = g_build_filename (f->tmp->path, "server.pem", NULL);
  key = g_build_filename (f->tmp->path, "server.key", NULL);
  if (f->tls)
    confab_tls_test_make_pki (f->tmp->path, "ca", "server", TRUE);
  web = g_build_filename (f->tmp->path, "web", NULL);
  index = g_build_filename (web, "index.html", NULL);
  css = g_build_filename (web, "css", "site.css", NULL);
  hidden = g_build_filename (web, ".hidden", NULL);
  write_file (index, "<!DOCTYPE html><title>confab</title><p>test page</p>\n");
  write_file (css, "body { color: black }\n");
  write_file (hidden, "not served\n");
  /* Larger than the socket buffers: sent over several turns. */
  {
    g_autofree char *big = g_build_filename (web, "big.js", NULL);
    g_autofree char *text = g_strnfill (512 * 1024, 'j');

    write_file (big, text);
  }
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  {
    /* Pairs; a wss: door's certificate last (a ws: door needs none). */
    const char * const config[] = {
      "history.database",
      "none",
      "web.root",
      web,
      "web.allowed_origins",
      "http://good.example",
      "queue_max_bytes",
      "65536",
      "login_timeout_sec",
      login_timeout,
      f->tls ? "tls.certificate" : NULL,
      cert,
      "tls.key",
      key,
      NULL,
    };

    confab_test_write_config (f->config_path, config);
  }
  f->daemon = confab_test_daemon_start (f->config_path, (const char * const *) ws_door, 0);
  f->port = confab_test_daemon_get_port (f->daemon);
  confab_test_daemon_wait_for_log (f->daemon, 0, listening, 10000);
  f->ws_port = confab_test_daemon_get_scheme_port (f->daemon, scheme);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  if (!confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);
  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

/* ---- the script ---------------------------------------------------------- */

/* Between fork and exec: the script dies with the test. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

typedef struct
{
  gboolean done;
  char    *output; /* (owned) */
} Communicated;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Communicated *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->output, NULL, NULL);
  c->done = TRUE;
}

static gboolean
flag_cb (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Runs ws-client.py SCENARIO against @f's daemon, at most @timeout_ms
 * (scaled; then it is killed by its PID and the test fails).
 * Returns: (transfer full): its output, after it exited 0 */
static char *
run_scenario (Fixture    *f,
              const char *scenario,
              guint       timeout_ms)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "websocket", "ws-client.py", NULL);
  g_autofree char *ws_port = g_strdup_printf ("%u", f->ws_port);
  g_autofree char *text_port = g_strdup_printf ("%u", f->port);
  const char      *argv[] = { "/usr/bin/python3", script, scenario, ws_port, text_port, NULL };
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communicated c = { FALSE, NULL };
  gboolean     timed_out = FALSE;
  guint        timeout_id;
  int          status;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* What the TLS and shutdown scenarios need: the CA, the daemon. */
  {
    g_autofree char *ca = g_build_filename (f->tmp->path, "ca.pem", NULL);
    g_autofree char *pid = g_strdup_printf ("%d", (int) confab_test_daemon_get_pid (f->daemon));
    /* The script's waits grow as this file's do (under valgrind), so
     * that it outwaits the daemon's scaled login timeout. */
    g_autofree char *scale = g_strdup_printf ("%u", confab_test_timeout_ms (1000) / 1000);

    g_subprocess_launcher_setenv (launcher, "CONFAB_TEST_CA", ca, TRUE);
    g_subprocess_launcher_setenv (launcher, "CONFAB_TEST_DAEMON_PID", pid, TRUE);
    g_subprocess_launcher_setenv (launcher, "CONFAB_TEST_TIMEOUT_SCALE", scale, TRUE);
  }
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &c);
  timeout_id = g_timeout_add (confab_test_timeout_ms (timeout_ms), flag_cb, &timed_out);
  while (!c.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!c.done)
    {
      g_subprocess_force_exit (process);
      while (!c.done)
        g_main_context_iteration (NULL, TRUE);
      confab_test_fail ("ws-client.py %s did not finish in time; killed it. Its output:\n%s",
                        scenario, c.output);
    }
  g_source_remove (timeout_id);
  /* A line at a time, so that each is a TAP comment, never a result. */
  {
    g_auto(GStrv) lines = g_strsplit (c.output, "\n", -1);

    for (guint i = 0; lines[i] != NULL; i++)
      if (lines[i][0] != '\0')
        g_test_message ("%s", lines[i]);
  }
  if (!g_subprocess_get_if_exited (process))
    confab_test_fail ("ws-client.py %s was killed by signal %d:\n%s", scenario,
                      g_subprocess_get_term_sig (process), c.output);
  status = g_subprocess_get_exit_status (process);
  if (status == 77)
    confab_test_fail ("python3-websockets or python3-prometheus-client is not installed "
                      "(tools/install-deps):\n%s",
                      c.output);
  if (status != 0)
    confab_test_fail ("ws-client.py %s exited with %d:\n%s", scenario, status, c.output);
  return c.output;
}

/* ---- the tests ----------------------------------------------------------- */

static void
test_chat (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("python3-websockets logs in over /chat with JSON, chats with a text peer "
                  "both ways, joins a room and talks in it, is answered a ping, closes with 1000");
  output = run_scenario (f, "chat", 60000);
  g_assert_nonnull (strstr (output, "ok chat done\n"));
}

static void
test_origin (Fixture      *f,
             gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("An upgrade from another origin is refused with 403; the server's own "
                  "origin and one in allowed_origins are let in");
  output = run_scenario (f, "origin", 60000);
  g_assert_nonnull (strstr (output, "ok origin http://evil.example refused with 403\n"));
}

static void
test_hostile (Fixture      *f,
              gconstpointer data)
{
  g_autofree char *output = NULL;
  g_autofree char *log = NULL;

  g_test_summary ("Hostile frames, before and after a login, close with RFC 6455's codes: "
                  "oversized 1009, binary 1003, invalid UTF-8 1007, protocol errors 1002, "
                  "fragment floods 1009; the daemon serves on");
  output = run_scenario (f, "hostile", 120000);
  g_assert_nonnull (strstr (output, "ok binary message: close 1003\n"));
  confab_test_client_free (confab_test_client_new_login (f->port, "afterwards"));
  log = confab_test_daemon_dup_log (f->daemon);
  g_assert_null (strstr (log, "CRITICAL"));
}

static void
test_slow_consumer (Fixture      *f,
                    gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("A WebSocket peer that stops reading is dropped at queue_max_bytes like "
                  "a text peer, told so, and closed with 1008");
  output = run_scenario (f, "slow", 120000);
  confab_test_daemon_wait_for_log (f->daemon, 0, "Dropped a slow consumer", 10000);
  g_assert_nonnull (strstr (output, "ok and closed with 1008\n"));
}

static void
test_http (Fixture      *f,
           gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("GET / and files below it from the web root with their Content-Type, HEAD, "
                  "404 for anything else (no path escapes the root), 405, 426, 408, 431");
  output = run_scenario (f, "http", 60000);
  g_assert_nonnull (strstr (output, "ok http done\n"));
}

static void
test_metrics (Fixture      *f,
              gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("GET /metrics parses with prometheus_client's parser: every metric has "
                  "HELP and TYPE, counters end in _total, the values are GetStatistics'");
  output = run_scenario (f, "metrics", 60000);
  g_assert_nonnull (strstr (output, "ok metrics done\n"));
}

static void
test_wss (Fixture      *f,
          gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("Over TLS (wss:): python3-websockets logs in and chats, the page and "
                  "/metrics come over HTTPS, and the origin must be https://");
  output = run_scenario (f, "wss", 60000);
  g_assert_nonnull (strstr (output, "ok wss done\n"));
}

static void
test_shutdown (Fixture      *f,
               gconstpointer data)
{
  g_autofree char *output = NULL;

  g_test_summary ("SIGTERM: a logged-in WebSocket peer gets what was queued, the "
                  "shutting-down error, then close 1001; confabd exits 0");
  output = run_scenario (f, "shutdown", 60000);
  g_assert_nonnull (strstr (output, "ok closed with 1001\n"));
  confab_test_daemon_wait_exit (f->daemon, 20000);
  confab_test_daemon_assert_exit_status (f->daemon, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/websocket/chat", Fixture, NULL, fixture_setup, test_chat, fixture_teardown);
  g_test_add ("/websocket/origin", Fixture, NULL, fixture_setup, test_origin, fixture_teardown);
  g_test_add ("/websocket/hostile", Fixture, NULL, fixture_setup, test_hostile, fixture_teardown);
  g_test_add ("/websocket/slow-consumer", Fixture, NULL, fixture_setup, test_slow_consumer,
              fixture_teardown);
  g_test_add ("/websocket/http", Fixture, NULL, fixture_setup, test_http, fixture_teardown);
  g_test_add ("/websocket/metrics", Fixture, NULL, fixture_setup, test_metrics, fixture_teardown);
  g_test_add ("/websocket/shutdown", Fixture, NULL, fixture_setup, test_shutdown, fixture_teardown);
  g_test_add ("/websocket/wss", Fixture, tls_door, fixture_setup, test_wss, fixture_teardown);

  return g_test_run ();
}
