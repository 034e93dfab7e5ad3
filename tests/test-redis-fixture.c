/* test-redis-fixture.c: what confab-redis-fixture.h promises, checked
 * against the real redis-server.
 *
 * The clustering tests read a failure of theirs as confabd's; that only
 * holds if the server under them behaves as the fixture says: empty at
 * each start, reachable on its socket alone, silent while paused, gone
 * when killed and back when restarted. Each of those gets a check here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "confab-redis-fixture.h"

/* How long a paused server is given to answer, to show that it does not:
 * a running one answers in well under a millisecond. */
#define SILENT_MS 300

/* Set in a child run by run_child(): the directory to start its server
 * in, which the parent owns and removes, as the child dies failing. */
#define ENV_CHILD_DIR "CONFAB_TEST_REDIS_CHILD_DIR"

/* As confab_test_redis_start() allows. */
#define START_TIMEOUT_MS 5000
#define CHILD_TIMEOUT_MS 20000

static const char *self_path;

/* ---- helpers of this test -------------------------------------------- */

static void
communicate_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  GAsyncResult **out = user_data;

  *out = g_object_ref (result);
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/*
 * run_child:
 * @dir: the child's $ENV_CHILD_DIR
 * @out: (out): its stdout
 * @err: (out): its stderr
 *
 * Runs the current test again in a child process, which is expected to
 * fail. By hand rather than with g_test_trap_subprocess(), which runs
 * the child with -q: that keeps quiet the g_test_message() lines the
 * fixture prints the server's log with. The directory goes into the
 * child's environment only, not into this process's, where GLib's
 * worker thread already runs. Bounded: killed after CHILD_TIMEOUT_MS.
 */
static void
run_child (const char *dir,
           char      **out,
           char      **err)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) child = NULL;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GSource) timeout = NULL;
  g_autoptr(GError) error = NULL;
  gboolean timed_out = FALSE;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_subprocess_launcher_setenv (launcher, ENV_CHILD_DIR, dir, TRUE);
  child = g_subprocess_launcher_spawn (launcher, &error, self_path,
                                       "-p", g_test_get_path (), NULL);
  g_assert_no_error (error);

  g_main_context_push_thread_default (context);
  g_subprocess_communicate_utf8_async (child, NULL, NULL, communicate_cb, &result);
  timeout = g_timeout_source_new (confab_test_timeout_ms (CHILD_TIMEOUT_MS));
  g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);
  while (result == NULL)
    {
      /* Its pipes close when it dies: the read completes then. */
      if (timed_out)
        g_subprocess_force_exit (child);
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timeout);
  g_main_context_pop_thread_default (context);

  g_subprocess_communicate_utf8_finish (child, result, out, err, &error);
  g_assert_no_error (error);
  g_test_message ("child stdout: %s", *out);
  g_test_message ("child stderr: %s", *err);
  g_assert_false (timed_out);
  g_assert_false (g_subprocess_get_successful (child));
}

/* Runs a command and asserts its rendered reply (NULL: nil). */
#define assert_reply(redis, expected, ...) \
  assert_reply_at ((redis), (expected), (const char * const[]) { __VA_ARGS__, NULL }, G_STRLOC)

static void
assert_reply_at (ConfabTestRedis    *redis,
                 const char         *expected,
                 const char * const *argv,
                 const char         *strloc)
{
  g_autofree char *reply = confab_test_redis_command_at (redis, argv, strloc);
  g_autofree char *reply_esc = NULL;
  g_autofree char *expected_esc = NULL;

  if (g_strcmp0 (reply, expected) == 0)
    return;
  reply_esc = reply != NULL ? g_strescape (reply, NULL) : g_strdup ("(nil)");
  expected_esc = expected != NULL ? g_strescape (expected, NULL) : g_strdup ("(nil)");
  confab_test_fail_at (strloc, G_STRFUNC, "%s: expected “%s”, got “%s”",
                       argv[0], expected_esc, reply_esc);
}

/* ---- start and the configuration -------------------------------------- */

static void
test_start (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  g_autofree char *address = NULL;
  g_autofree char *expected_socket = NULL;
  g_autofree char *log = NULL;
  struct stat      st;

  if (!confab_test_redis_check_available ())
    return;
  tmp = confab_test_tmp_dir_new ();
  redis = confab_test_redis_start (tmp->path);

  expected_socket = g_build_filename (tmp->path, "redis.sock", NULL);
  g_assert_cmpstr (confab_test_redis_get_socket (redis), ==, expected_socket);
  address = confab_test_redis_dup_address (redis);
  g_assert_true (g_str_has_prefix (address, "unix:"));
  g_assert_cmpstr (address + strlen ("unix:"), ==, expected_socket);

  /* The socket is there, a socket, and only ours to use. */
  g_assert_cmpint (g_stat (expected_socket, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 0777, ==, 0700);

  /* The PID is the server's own, not a shell's or a wrapper's. */
  g_assert_true (confab_test_redis_is_running (redis));
  g_assert_cmpint (confab_test_redis_get_pid (redis), >, 0);
  g_assert_cmpint (kill (confab_test_redis_get_pid (redis), 0), ==, 0);
  {
    g_autofree char   *server_pid = NULL;
    g_autofree char   *info = NULL;
    const char * const argv[] = { "INFO", "server", NULL };

    info = confab_test_redis_command (redis, argv);
    server_pid = g_strdup_printf ("process_id:%d\r\n", (int) confab_test_redis_get_pid (redis));
    g_assert_nonnull (strstr (info, server_pid));
  }

  /* What the command line set, as the server reads it back: no TCP, no
   * persistence, a socket of mode 700, the test's directory. */
  assert_reply (redis, "port\n0", "CONFIG", "GET", "port");
  assert_reply (redis, "save\n", "CONFIG", "GET", "save");
  assert_reply (redis, "appendonly\nno", "CONFIG", "GET", "appendonly");
  assert_reply (redis, "unixsocketperm\n700", "CONFIG", "GET", "unixsocketperm");
  {
    g_autofree char *expected = g_strconcat ("dir\n", tmp->path, NULL);

    assert_reply (redis, expected, "CONFIG", "GET", "dir");
  }
  assert_reply (redis, "0", "DBSIZE");

  /* The log is the file the fixture named, and the server writes it. */
  log = confab_test_redis_dup_log (redis);
  g_assert_nonnull (strstr (log, "ready to accept connections"));
}

/* ---- commands ---------------------------------------------------------- */

static void
test_command (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  /* Bulk strings: spaces, quotes, CRLF and non-ASCII pass unharmed. */
  const char *awkward = "a b \"c\"\r\n*1\r\n$4\r\nPING\r\n\xc3\xa9";

  if (!confab_test_redis_check_available ())
    return;
  tmp = confab_test_tmp_dir_new ();
  redis = confab_test_redis_start (tmp->path);

  /* A simple string, a bulk string, an integer, nil. */
  assert_reply (redis, "OK", "SET", "greeting", "hello");
  assert_reply (redis, "hello", "GET", "greeting");
  assert_reply (redis, "1", "EXISTS", "greeting");
  assert_reply (redis, NULL, "GET", "missing");
  assert_reply (redis, "-3", "INCRBY", "counter", "-3");

  assert_reply (redis, "OK", "SET", awkward, awkward);
  assert_reply (redis, awkward, "GET", awkward);

  /* Arrays: elements joined by "\n", a nil one empty, an empty one "". */
  assert_reply (redis, "3", "RPUSH", "list", "x", "y", "z");
  assert_reply (redis, "x\ny\nz", "LRANGE", "list", "0", "-1");
  assert_reply (redis, "hello\n\nhello", "MGET", "greeting", "missing", "greeting");
  assert_reply (redis, "", "LRANGE", "missing", "0", "-1");
}

/* An error reply fails a test that runs confab_test_redis_command(),
 * with the server's text; the _timeout variant returns it instead. */
static void
test_command_error (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char   *reply = NULL;
  g_autofree char   *out = NULL;
  g_autofree char   *err = NULL;
  const char * const push[] = { "LPUSH", "k", "v", NULL };
  const char * const get[] = { "GET", "k", NULL };

  if (!confab_test_redis_check_available ())
    return;

  if (g_getenv (ENV_CHILD_DIR) != NULL)
    {
      const char * const unknown[] = { "NOSUCHCOMMAND", "x", NULL };

      redis = confab_test_redis_start (g_getenv (ENV_CHILD_DIR));
      g_free (confab_test_redis_command (redis, unknown));
      return;
    }

  tmp = confab_test_tmp_dir_new ();
  run_child (tmp->path, &out, &err);
  g_assert_true (g_pattern_match_simple ("*\"NOSUCHCOMMAND\" \"x\": ERR unknown command*", err));
  /* The command's fault, not the server's: no log to read. */
  g_assert_null (strstr (out, "redis.log"));

  redis = confab_test_redis_start (tmp->path);
  reply = confab_test_redis_command (redis, push);
  g_assert_cmpstr (reply, ==, "1");
  g_clear_pointer (&reply, g_free);
  reply = confab_test_redis_command_timeout (redis, get, 1000, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_FAILED);
  g_assert_true (g_str_has_prefix (error->message, "WRONGTYPE "));
  g_assert_null (reply);
}

/* ---- pause and resume --------------------------------------------------- */

static void
test_pause (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char   *reply = NULL;
  const char * const ping[] = { "PING", NULL };
  const char * const set[] = { "SET", "while-paused", "1", NULL };
  gint64             start;

  if (!confab_test_redis_check_available ())
    return;
  tmp = confab_test_tmp_dir_new ();
  redis = confab_test_redis_start (tmp->path);

  confab_test_redis_pause (redis);
  /* Connecting still works (the kernel completes it), but no reply
   * comes, and the bound holds: not much sooner, not much later. */
  start = g_get_monotonic_time ();
  reply = confab_test_redis_command_timeout (redis, ping, SILENT_MS, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_assert_null (reply);
  g_assert_cmpint (g_get_monotonic_time () - start, >=, SILENT_MS * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   confab_test_timeout_ms (SILENT_MS + 2000) * G_TIME_SPAN_MILLISECOND);
  g_clear_error (&error);

  /* A write sent while paused is queued in the socket... */
  reply = confab_test_redis_command_timeout (redis, set, SILENT_MS, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT);
  g_clear_error (&error);

  /* ...and the server is alive, only stopped. */
  g_assert_true (confab_test_redis_is_running (redis));
  g_assert_cmpint (kill (confab_test_redis_get_pid (redis), 0), ==, 0);

  confab_test_redis_resume (redis);
  assert_reply (redis, "PONG", "PING");
  /* It read the abandoned connection's command once it ran again (before
   * noticing that the client had gone), so resume loses nothing that the
   * socket held. Commands run in order on one thread, and the SET was
   * accepted before the PING above was. */
  assert_reply (redis, "1", "GET", "while-paused");
}

/* Stopping a paused server works: it gets SIGCONT with its SIGTERM. */
static void
test_stop_paused (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  gint64 start;
  GPid   pid;

  if (!confab_test_redis_check_available ())
    return;
  tmp = confab_test_tmp_dir_new ();
  redis = confab_test_redis_start (tmp->path);
  pid = confab_test_redis_get_pid (redis);

  confab_test_redis_pause (redis);
  start = g_get_monotonic_time ();
  confab_test_redis_stop (redis);
  g_assert_false (confab_test_redis_is_running (redis));
  /* Promptly, on SIGTERM, not after the wait that ends in SIGKILL. */
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   confab_test_timeout_ms (4000) * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpint (kill (pid, 0), !=, 0);
  /* A clean shutdown removes the socket file. */
  g_assert_false (g_file_test (confab_test_redis_get_socket (redis), G_FILE_TEST_EXISTS));
  {
    g_autofree char *log = confab_test_redis_dup_log (redis);

    g_assert_nonnull (strstr (log, "Received SIGTERM"));
  }
  /* Stopping twice does nothing. */
  confab_test_redis_stop (redis);
}

/* ---- restart and kill ----------------------------------------------------- */

static void
test_restart (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  g_autofree char *address = NULL;
  g_autofree char *address_after = NULL;
  GPid             pid;

  if (!confab_test_redis_check_available ())
    return;
  tmp = confab_test_tmp_dir_new ();
  redis = confab_test_redis_start (tmp->path);
  address = confab_test_redis_dup_address (redis);
  pid = confab_test_redis_get_pid (redis);

  assert_reply (redis, "OK", "SET", "survivor", "no");
  assert_reply (redis, "no", "GET", "survivor");

  /* While running: the old one stops, a new one comes up empty on the
   * same address. */
  confab_test_redis_restart (redis);
  g_assert_cmpint (confab_test_redis_get_pid (redis), !=, pid);
  g_assert_cmpint (kill (pid, 0), !=, 0);
  address_after = confab_test_redis_dup_address (redis);
  g_assert_cmpstr (address_after, ==, address);
  assert_reply (redis, NULL, "GET", "survivor");
  assert_reply (redis, "0", "DBSIZE");

  /* No RDB or AOF file was left behind to bring data back. */
  {
    g_autoptr(GDir) dir = g_dir_open (tmp->path, 0, NULL);
    const char *name;

    g_assert_nonnull (dir);
    while ((name = g_dir_read_name (dir)) != NULL)
      if (!g_str_equal (name, "redis.sock") && !g_str_equal (name, "redis.log"))
        g_error ("unexpected file %s in the server's directory", name);
  }
}

static void
test_kill (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestRedis) redis = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char   *reply = NULL;
  g_autofree char   *log = NULL;
  const char * const ping[] = { "PING", NULL };
  GPid               pid;

  if (!confab_test_redis_check_available ())
    return;
  tmp = confab_test_tmp_dir_new ();
  redis = confab_test_redis_start (tmp->path);
  pid = confab_test_redis_get_pid (redis);
  assert_reply (redis, "OK", "SET", "lost", "1");

  confab_test_redis_kill (redis);
  g_assert_false (confab_test_redis_is_running (redis));
  g_assert_cmpint (kill (pid, 0), !=, 0);
  /* A crash, as clients see one: the socket file stays, and nobody
   * accepts on it. */
  g_assert_true (g_file_test (confab_test_redis_get_socket (redis), G_FILE_TEST_EXISTS));
  reply = confab_test_redis_command_timeout (redis, ping, 1000, &error);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED);
  g_assert_null (reply);

  /* Back on the stale socket, empty, and once more after that. */
  confab_test_redis_restart (redis);
  assert_reply (redis, "PONG", "PING");
  assert_reply (redis, NULL, "GET", "lost");
  assert_reply (redis, "OK", "SET", "second", "1");
  confab_test_redis_kill (redis);
  confab_test_redis_restart (redis);
  assert_reply (redis, "0", "DBSIZE");

  /* All three runs appended to the one log. */
  log = confab_test_redis_dup_log (redis);
  {
    const char *p = log;
    guint       runs = 0;

    while ((p = strstr (p, "ready to accept connections")) != NULL)
      {
        runs++;
        p++;
      }
    g_assert_cmpuint (runs, ==, 3);
  }
}

/* ---- failures -------------------------------------------------------- */

/* A directory whose socket path cannot fit a sockaddr_un fails clearly,
 * before anything is spawned. */
static void
test_socket_path_too_long (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autofree char *name = NULL;
  g_autofree char *deep = NULL;
  g_autofree char *log = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  if (!confab_test_redis_check_available ())
    return;

  if (g_getenv (ENV_CHILD_DIR) != NULL)
    {
      g_autoptr(ConfabTestRedis) redis = NULL;

      redis = confab_test_redis_start (g_getenv (ENV_CHILD_DIR));
      return;
    }

  /* 100 bytes of name under /tmp/confab-test-XXXXXX: far past the 107 a
   * socket path may have, with a name any file system takes. */
  tmp = confab_test_tmp_dir_new ();
  name = g_strnfill (100, 'd');
  deep = g_build_filename (tmp->path, name, NULL);
  g_assert_cmpint (g_mkdir (deep, 0700), ==, 0);
  run_child (deep, &out, &err);
  g_assert_true (g_pattern_match_simple ("*redis.sock is * bytes long; a Unix socket's holds at most 107*", err));
  /* Failed before spawning: no log was even opened. */
  log = g_build_filename (deep, "redis.log", NULL);
  g_assert_false (g_file_test (log, G_FILE_TEST_EXISTS));
}

/* A server that cannot start fails the start at once, its log printed,
 * not after the PING timeout. */
static void
test_start_fails (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autofree char *socket_path = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gint64           start;

  if (!confab_test_redis_check_available ())
    return;

  if (g_getenv (ENV_CHILD_DIR) != NULL)
    {
      g_autoptr(ConfabTestRedis) redis = NULL;

      redis = confab_test_redis_start (g_getenv (ENV_CHILD_DIR));
      return;
    }

  /* A directory where the socket should be: the server cannot remove it
   * to bind, and exits. */
  tmp = confab_test_tmp_dir_new ();
  socket_path = g_build_filename (tmp->path, "redis.sock", NULL);
  g_assert_cmpint (g_mkdir (socket_path, 0700), ==, 0);
  start = g_get_monotonic_time ();
  run_child (tmp->path, &out, &err);
  g_assert_true (g_pattern_match_simple ("*redis-server exited with status 1 before answering PING*", err));
  /* Its own words, from the log. */
  g_assert_true (g_pattern_match_simple ("*# redis-server: *Failed opening Unix socket*", out));
  /* Well within the 5 s that PING is given. */
  g_assert_cmpint (g_get_monotonic_time () - start, <,
                   confab_test_timeout_ms (START_TIMEOUT_MS) * G_TIME_SPAN_MILLISECOND);
}

int
main (int   argc,
      char *argv[])
{
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, NULL);
  self_path = argv[0];

  g_test_add_func ("/redis-fixture/start", test_start);
  g_test_add_func ("/redis-fixture/command", test_command);
  g_test_add_func ("/redis-fixture/command/error", test_command_error);
  g_test_add_func ("/redis-fixture/pause", test_pause);
  g_test_add_func ("/redis-fixture/stop/paused", test_stop_paused);
  g_test_add_func ("/redis-fixture/restart", test_restart);
  g_test_add_func ("/redis-fixture/kill", test_kill);
  g_test_add_func ("/redis-fixture/start/socket-path-too-long", test_socket_path_too_long);
  g_test_add_func ("/redis-fixture/start/fails", test_start_fails);

  return g_test_run ();
}
