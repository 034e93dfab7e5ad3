/* test-client.c: tests of the interactive client confab.
 *
 * Two parts. /client/protocol/ checks the client's protocol library
 * (what it sends for a typed line, how it reads and shows server lines)
 * without sockets. The rest runs the real confab binary against the real
 * confabd ($CONFABD, on 127.0.0.1 with a kernel-chosen port and
 * --bus none), driven through pipes or through a pseudo-terminal, with a
 * raw text or JSON peer (ConfabTestClient) on the other side.
 *
 * The client is found at $CONFAB_CLIENT if set, else at ../src/confab
 * from $G_TEST_BUILDDIR. Its standard output and error (or the terminal)
 * are captured by threads, so that the test can block in socket calls
 * meanwhile; every wait has a deadline, and every process started here is
 * stopped by its own PID (and dies with the test, PR_SET_PDEATHSIG).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixoutputstream.h>

#include "confab-client-protocol.h"
#include "confab-client-rooms.h"
#include "confab-test-util.h"

#define CONFAB_TEST_ENV_CLIENT "CONFAB_CLIENT"
#define WAIT_MS                10000
#define EXIT_WAIT_MS           20000

/* ------------------------------------------------------------------ */
/* Capturing a stream                                                  */
/* ------------------------------------------------------------------ */

/* Everything read from one stream, by a thread of its own. */
typedef struct
{
  const char   *what;   /* "stdout", "stderr", "terminal" */
  GInputStream *stream; /* (owned) */
  GThread      *thread; /* (owned) */
  GMutex        lock;
  GCond         cond;
  GString      *data;  /* (owned): protected by lock */
  gboolean      ended; /* protected by lock */
} Capture;

static gpointer
capture_thread (gpointer user_data)
{
  Capture *self = user_data;
  char     buf[4096];

  for (;;)
    {
      /* A pseudo-terminal's master ends with EIO once the child is gone. */
      gssize n = g_input_stream_read (self->stream, buf, sizeof buf, NULL, NULL);

      g_mutex_lock (&self->lock);
      if (n > 0)
        g_string_append_len (self->data, buf, n);
      else
        self->ended = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);

      if (n <= 0)
        return NULL;
    }
}

static void
capture_start (Capture      *self,
               const char   *what,
               GInputStream *stream)
{
  self->what = what;
  self->stream = g_object_ref (stream);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->data = g_string_new (NULL);
  self->thread = g_thread_new (what, capture_thread, self);
}

static void
capture_finish (Capture *self)
{
  if (self->thread == NULL)
    return;

  g_thread_join (self->thread);
  g_clear_object (&self->stream);
  g_string_free (self->data, TRUE);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  self->thread = NULL;
}

static char *
capture_dup (Capture *self)
{
  char *copy;

  if (self->thread == NULL)
    return g_strdup ("");

  g_mutex_lock (&self->lock);
  copy = g_strndup (self->data->str, self->data->len);
  g_mutex_unlock (&self->lock);
  return copy;
}

/* Waits until the stream ends (the child exited and nothing else holds
 * the pipe), so that what was captured is complete. */
static gboolean
capture_wait_end (Capture *self,
                  guint    timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  gboolean ended;

  g_mutex_lock (&self->lock);
  while (!self->ended && g_cond_wait_until (&self->cond, &self->lock, deadline))
    ;
  ended = self->ended;
  g_mutex_unlock (&self->lock);
  return ended;
}

/* ------------------------------------------------------------------ */
/* The client process                                                  */
/* ------------------------------------------------------------------ */

typedef enum
{
  CLIENT_PIPES, /* stdin, stdout and stderr are pipes */
  CLIENT_PTY,   /* all three are one pseudo-terminal */
} ClientMode;

typedef struct
{
  GSubprocess   *subprocess; /* (owned) */
  GPid           pid;
  GOutputStream *input;      /* (owned) (nullable): stdin pipe or pty master */
  int            pty_master; /* -1 with pipes */
  char          *pty_slave;  /* (owned) (nullable): its name */
  Capture        out;        /* stdout, or the terminal */
  Capture        err;        /* stderr (pipes only) */
  gboolean       reaped;
  int            status; /* exit status once reaped; -1 if signalled */
} Client;

static const char *
client_path (void)
{
  static char *path;

  if (path == NULL)
    {
      const char *env = g_getenv (CONFAB_TEST_ENV_CLIENT);

      if (env != NULL && *env != '\0')
        path = g_strdup (env);
      else
        path = g_test_build_filename (G_TEST_BUILT, "..", "src", "confab", NULL);
    }
  if (!g_file_test (path, G_FILE_TEST_IS_EXECUTABLE))
    confab_test_fail ("No client at %s (build it, or set $" CONFAB_TEST_ENV_CLIENT ")", path);
  return path;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
client_child_setup (gpointer user_data)
{
  gboolean pty = GPOINTER_TO_INT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if (pty)
    {
      /* A session of its own, with the terminal as its controlling one,
       * as a login shell would give it. */
      setsid ();
      ioctl (STDIN_FILENO, TIOCSCTTY, 0);
    }
}

/* One g_test_message() per line, escaped: TAP needs "# " before each. */
static void
print_captured (Client  *self,
                Capture *capture)
{
  g_autofree char *data = capture_dup (capture);
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);

  g_test_message ("---- confab (pid %d) %s ----", (int) self->pid, capture->what);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *escaped = g_strescape (lines[i], "\xe2\x80\x9c\xe2\x80\x9d\xef\xbf\xbd");

      if (lines[i + 1] != NULL || *lines[i] != '\0')
        g_test_message ("%s", escaped);
    }
}

static void
client_print (Client *self)
{
  print_captured (self, &self->out);
  if (self->pty_master < 0)
    print_captured (self, &self->err);
}

#define client_fail(c, ...) \
  G_STMT_START \
  { \
    client_print (c); \
    confab_test_fail (__VA_ARGS__); \
  } \
  G_STMT_END

/* Opens a pseudo-terminal of 80×24; returns the master, sets *slave
 * and *slave_name. */
static int
open_pty (int   *slave,
          char **slave_name)
{
  struct winsize size = { .ws_row = 24, .ws_col = 80 };
  int            master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);

  g_assert_cmpint (master, >=, 0);
  g_assert_cmpint (grantpt (master), ==, 0);
  g_assert_cmpint (unlockpt (master), ==, 0);
  *slave_name = g_strdup (ptsname (master));
  *slave = open (*slave_name, O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (*slave, >=, 0);
  g_assert_cmpint (ioctl (master, TIOCSWINSZ, &size), ==, 0);
  return master;
}

/* Spawns confab with @args (after the program name). */
static Client *
client_spawn (ClientMode          mode,
              const char * const *args)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  const char *wrapper = g_getenv (CONFAB_TEST_ENV_WRAPPER);
  Client     *self = g_new0 (Client, 1);

  if (wrapper != NULL && *wrapper != '\0')
    {
      g_auto(GStrv) words = NULL;

      if (!g_shell_parse_argv (wrapper, NULL, &words, &error))
        confab_test_fail ("Cannot parse $" CONFAB_TEST_ENV_WRAPPER ": %s", error->message);
      for (gsize i = 0; words[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (words[i]));
    }
  g_ptr_array_add (argv, g_strdup (client_path ()));
  for (gsize i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  self->pty_master = -1;
  if (mode == CLIENT_PIPES)
    {
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE |
                                            G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                            G_SUBPROCESS_FLAGS_STDERR_PIPE);
    }
  else
    {
      int slave;

      self->pty_master = open_pty (&slave, &self->pty_slave);
      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_NONE);
      g_subprocess_launcher_take_stdin_fd (launcher, slave);
      g_subprocess_launcher_take_stdout_fd (launcher, dup (slave));
      g_subprocess_launcher_take_stderr_fd (launcher, dup (slave));
      /* Colours on, so that errors can be told apart from chat. */
      g_subprocess_launcher_setenv (launcher, "TERM", "xterm", TRUE);
      g_subprocess_launcher_unsetenv (launcher, "NO_COLOR");
    }
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  g_subprocess_launcher_set_child_setup (launcher, client_child_setup,
                                         GINT_TO_POINTER (mode == CLIENT_PTY), NULL);

  self->subprocess = g_subprocess_launcher_spawnv (launcher,
                                                   (const char * const *) argv->pdata,
                                                   &error);
  if (self->subprocess == NULL)
    confab_test_fail ("Cannot spawn %s: %s", client_path (), error->message);
  self->pid = confab_test_subprocess_get_pid (self->subprocess);

  if (mode == CLIENT_PIPES)
    {
      self->input = g_object_ref (g_subprocess_get_stdin_pipe (self->subprocess));
      capture_start (&self->out, "stdout", g_subprocess_get_stdout_pipe (self->subprocess));
      capture_start (&self->err, "stderr", g_subprocess_get_stderr_pipe (self->subprocess));
    }
  else
    {
      g_autoptr(GInputStream) terminal = g_unix_input_stream_new (self->pty_master, FALSE);

      self->input = g_unix_output_stream_new (self->pty_master, FALSE);
      capture_start (&self->out, "terminal", terminal);
    }

  /* The launcher closes the pty's slave side now; the child keeps it. */
  return self;
}

/* Writes @data to the client's input. A client that has exited (or
 * closed its input) before reading it is a broken pipe; with
 * @may_be_gone that is no failure: the test's checks of the exit status
 * and output say whether it should have read. */
static void
client_write_full (Client     *self,
                   const char *data,
                   gboolean    may_be_gone)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (self->input);
  if (!g_output_stream_write_all (self->input, data, strlen (data), NULL, NULL, &error))
    {
      if (may_be_gone && g_error_matches (error, G_IO_ERROR, G_IO_ERROR_BROKEN_PIPE))
        return;
      client_fail (self, "Cannot write to confab: %s", error->message);
    }
  g_output_stream_flush (self->input, NULL, NULL);
}

static void
client_write (Client     *self,
              const char *data)
{
  client_write_full (self, data, FALSE);
}

/* End of input: closes the stdin pipe. */
static void
client_close_input (Client *self)
{
  g_assert_cmpint (self->pty_master, <, 0);
  g_output_stream_close (self->input, NULL, NULL);
  g_clear_object (&self->input);
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  int *state = user_data; /* 0 pending, 1 exited, 2 failed/cancelled */

  *state = g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL) ? 1 : 2;
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

static gboolean
client_try_wait (Client *self,
                 guint   timeout_ms)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GSource) timeout = g_timeout_source_new (timeout_ms);
  gboolean timed_out = FALSE;
  int      state = 0;

  if (self->reaped)
    return TRUE;

  g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
  g_source_attach (timeout, NULL);
  g_subprocess_wait_async (self->subprocess, cancellable, wait_cb, &state);
  while (state == 0)
    {
      if (timed_out)
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_destroy (timeout);
  if (state != 1)
    return FALSE;

  self->reaped = TRUE;
  self->status = g_subprocess_get_if_exited (self->subprocess)
                   ? g_subprocess_get_exit_status (self->subprocess)
                   : -1;
  return TRUE;
}

/* Waits for confab to exit by itself and asserts its exit status (and
 * that it was not killed by a signal). Its output is complete after. */
#define client_assert_exit(c, expected) \
  client_assert_exit_at ((c), (expected), G_STRLOC)
static void
client_assert_exit_at (Client     *self,
                       int         expected,
                       const char *strloc)
{
  if (!client_try_wait (self, confab_test_timeout_ms (EXIT_WAIT_MS)))
    client_fail (self, "%s: confab (pid %d) did not exit", strloc, (int) self->pid);
  if (self->status != expected)
    client_fail (self, "%s: confab exited with %d (-1: a signal), expected %d",
                 strloc, self->status, expected);

  /* Nothing else holds the pipes: they end now. */
  if (!capture_wait_end (&self->out, WAIT_MS) ||
      (self->pty_master < 0 && !capture_wait_end (&self->err, WAIT_MS)))
    client_fail (self, "%s: confab's output did not end", strloc);
}

static void
client_free (Client *self)
{
  if (self == NULL)
    return;

  if (!self->reaped)
    {
      /* A failed test: stop it by its own PID. */
      g_subprocess_force_exit (self->subprocess);
      client_try_wait (self, confab_test_timeout_ms (WAIT_MS));
    }
  if (self->input != NULL)
    g_output_stream_close (self->input, NULL, NULL);
  g_clear_object (&self->input);
  capture_finish (&self->out);
  capture_finish (&self->err);
  if (self->pty_master >= 0)
    close (self->pty_master);
  g_free (self->pty_slave);
  g_clear_object (&self->subprocess);
  g_free (self);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Client, client_free)

/* Waits until @needle shows in the capture, after byte @offset; returns
 * the offset just past it. */
#define client_wait_out(c, offset, needle) \
  capture_wait_for ((c), &(c)->out, (offset), (needle), G_STRLOC)
#define client_wait_err(c, offset, needle) \
  capture_wait_for ((c), &(c)->err, (offset), (needle), G_STRLOC)
static gsize
capture_wait_for (Client     *client,
                  Capture    *self,
                  gsize       offset,
                  const char *needle,
                  const char *strloc)
{
  gint64 deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (WAIT_MS) * G_TIME_SPAN_MILLISECOND;
  const char *found = NULL;
  gsize       end = 0;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      if (self->data->len >= offset)
        found = strstr (self->data->str + offset, needle);
      if (found != NULL || self->ended ||
          !g_cond_wait_until (&self->cond, &self->lock, deadline))
        break;
    }
  if (found != NULL)
    end = found - self->data->str + strlen (needle);
  g_mutex_unlock (&self->lock);

  if (found == NULL)
    {
      g_autofree char *escaped = g_strescape (needle, NULL);

      client_fail (client, "%s: “%s” did not show on confab's %s", strloc, escaped, self->what);
    }
  return end;
}

/* Everything on stdout / stderr so far (complete after client_assert_exit). */
static char *
client_dup_out (Client *self)
{
  return capture_dup (&self->out);
}

/* Without the lines of $CONFAB_TEST_WRAPPER if it is valgrind
 * ("==PID== ..."), which are not confab's. */
static char *
client_dup_err (Client *self)
{
  g_autofree char *err = capture_dup (&self->err);
  g_auto(GStrv) lines = g_strsplit (err, "\n", -1);
  GString *kept = g_string_new (NULL);

  for (gsize i = 0; lines[i] != NULL; i++)
    {
      if (g_regex_match_simple ("^==[0-9]+==", lines[i], 0, 0))
        continue;
      g_string_append (kept, lines[i]);
      if (lines[i + 1] != NULL)
        g_string_append_c (kept, '\n');
    }
  return g_string_free (kept, FALSE);
}

/* ------------------------------------------------------------------ */
/* Fixture: a daemon                                                   */
/* ------------------------------------------------------------------ */

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;
  char             *address; /* "127.0.0.1:PORT" */
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, NULL);
  f->daemon = confab_test_daemon_start (f->config_path, NULL, 0);
  f->port = confab_test_daemon_get_port (f->daemon);
  f->address = g_strdup_printf ("127.0.0.1:%u", f->port);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  /* Tests that stop the daemon themselves check how it ended. */
  if (!confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);

  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->address, g_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

#define add_daemon_test(path, func) \
  g_test_add ((path), Fixture, NULL, fixture_setup, (func), fixture_teardown)

/* Runs confab through pipes with all of @input at once, then end of input. */
static Client *
run_piped (const char * const *args,
           const char         *input)
{
  Client *client = client_spawn (CLIENT_PIPES, args);

  /* A client refusing its arguments, or unable to connect, exits
   * without reading its input. */
  client_write_full (client, input, TRUE);
  client_close_input (client);
  return client;
}

/* A raw JSON-protocol peer, logged in as @name. */
static ConfabTestClient *
json_peer_new (guint16     port,
               const char *name)
{
  ConfabTestClient *peer = confab_test_client_new (port);
  g_autofree char  *login = g_strdup_printf ("{\"type\":\"login\",\"name\":\"%s\"}", name);
  g_autofree char  *welcome = NULL;

  confab_test_client_send_line (peer, login);
  welcome = confab_test_client_expect_prefix (peer, "{");
  g_assert_nonnull (strstr (welcome, "\"welcome\""));
  return peer;
}

/* Asserts that @text matches the regular expression @pattern (whole). */
static void
assert_matches (const char *text,
                const char *pattern)
{
  if (!g_regex_match_simple (pattern, text, G_REGEX_MULTILINE, 0))
    g_error ("“%s” does not match /%s/", text, pattern);
}

/* ------------------------------------------------------------------ */
/* /client/protocol: the library, no sockets                           */
/* ------------------------------------------------------------------ */

static void
test_protocol_decode_text (void)
{
  static const struct
  {
    const char           *line;
    ConfabClientEventKind kind;
    const char           *from;
    const char           *text;
    const char           *peers; /* joined by '|' */
  } cases[] = {
    { "from bob: hi", CONFAB_CLIENT_EVENT_MESSAGE, "bob", "hi", NULL },
    { "from bob: a: b", CONFAB_CLIENT_EVENT_MESSAGE, "bob", "a: b", NULL },
    { "from @server: going down", CONFAB_CLIENT_EVENT_MESSAGE, "@server", "going down", NULL },
    { "from bob: one\\ntwo", CONFAB_CLIENT_EVENT_MESSAGE, "bob", "one\\ntwo", NULL },
    { "from bob:", CONFAB_CLIENT_EVENT_MESSAGE, "bob", "", NULL },
    { "from : x", CONFAB_CLIENT_EVENT_OTHER, NULL, NULL, NULL },
    { "from bob", CONFAB_CLIENT_EVENT_OTHER, NULL, NULL, NULL },
    { "error: no such peer: carol", CONFAB_CLIENT_EVENT_ERROR, NULL, "no such peer: carol", NULL },
    { "error:", CONFAB_CLIENT_EVENT_ERROR, NULL, "", NULL },
    { "peers: alice bob", CONFAB_CLIENT_EVENT_PEERS, NULL, NULL, "alice|bob" },
    { "peers:", CONFAB_CLIENT_EVENT_PEERS, NULL, NULL, "" },
    { "notice: something new", CONFAB_CLIENT_EVENT_OTHER, NULL, NULL, NULL },
    { "", CONFAB_CLIENT_EVENT_OTHER, NULL, NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(ConfabClientEvent) event = confab_client_decode_text (cases[i].line,
                                                                       strlen (cases[i].line));

      g_test_message ("line “%s”", cases[i].line);
      g_assert_cmpint (event->kind, ==, cases[i].kind);
      g_assert_false (event->json);
      g_assert_cmpstr (event->line, ==, cases[i].line);
      g_assert_cmpstr (event->from, ==, cases[i].from);
      g_assert_cmpstr (event->text, ==, cases[i].text);
      if (cases[i].peers != NULL)
        {
          g_autofree char *joined = g_strjoinv ("|", event->peers);

          g_assert_cmpstr (joined, ==, cases[i].peers);
        }
      else
        {
          g_assert_null (event->peers);
        }
    }
}

static void
test_protocol_decode_json (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabClientEvent) message = NULL;
  g_autoptr(ConfabClientEvent) err = NULL;
  g_autoptr(ConfabClientEvent) peers = NULL;
  g_autoptr(ConfabClientEvent) welcome = NULL;
  g_autoptr(ConfabClientEvent) unknown = NULL;
  const char      *line;
  g_autofree char *joined = NULL;

  line = "{\"type\":\"message\",\"from\":\"bob\",\"to\":[\"alice\",\"carol\"],"
         "\"text\":\"two\\nlines\",\"time\":1795648500123456,\"extra\":[1,{}]}";
  message = confab_client_decode_json (line, strlen (line), &error);
  g_assert_no_error (error);
  g_assert_cmpint (message->kind, ==, CONFAB_CLIENT_EVENT_MESSAGE);
  g_assert_true (message->json);
  g_assert_cmpstr (message->from, ==, "bob");
  g_assert_cmpstr (message->text, ==, "two\nlines");
  g_assert_cmpint (message->time, ==, G_GINT64_CONSTANT (1795648500123456));
  joined = g_strjoinv ("|", message->to);
  g_assert_cmpstr (joined, ==, "alice|carol");

  line = "{\"type\":\"error\",\"code\":\"no-such-peer\",\"message\":\"no such peer: carol\",\"field\":\"to\"}";
  err = confab_client_decode_json (line, strlen (line), &error);
  g_assert_no_error (error);
  g_assert_cmpint (err->kind, ==, CONFAB_CLIENT_EVENT_ERROR);
  g_assert_cmpstr (err->code, ==, "no-such-peer");
  g_assert_cmpstr (err->text, ==, "no such peer: carol");

  line = "{\"type\":\"peers\",\"peers\":[\"alice\",\"bob\"]}";
  peers = confab_client_decode_json (line, strlen (line), &error);
  g_assert_no_error (error);
  g_assert_cmpint (peers->kind, ==, CONFAB_CLIENT_EVENT_PEERS);
  g_assert_cmpuint (g_strv_length (peers->peers), ==, 2);

  line = "{\"type\":\"welcome\",\"name\":\"alice\",\"server\":\"confab 0.1.0\",\"protocol\":1}";
  welcome = confab_client_decode_json (line, strlen (line), &error);
  g_assert_no_error (error);
  g_assert_cmpint (welcome->kind, ==, CONFAB_CLIENT_EVENT_WELCOME);
  g_assert_cmpstr (welcome->name, ==, "alice");
  g_assert_cmpstr (welcome->server, ==, "confab 0.1.0");
  g_assert_cmpint (welcome->protocol, ==, 1);

  /* A type from a later version: known to be unknown, not an error. */
  line = "{\"type\":\"typing\",\"from\":\"bob\"}";
  unknown = confab_client_decode_json (line, strlen (line), &error);
  g_assert_no_error (error);
  g_assert_cmpint (unknown->kind, ==, CONFAB_CLIENT_EVENT_OTHER);
  g_assert_null (confab_client_format_event (unknown));
}

static void
test_protocol_decode_json_invalid (void)
{
  g_autofree char *deep_arrays = NULL;
  g_autofree char *deep_objects = NULL;
  g_autofree char *just_deep_enough = NULL;
  GString         *deep;
  const char      *cases[] = {
         "",
         "not json",
         "{",
         "[]",
         "\"type\"",
         "42",
         "null",
         "{}",
         "{\"type\":7}",
         "{\"type\":null}",
         "{\"type\":[\"message\"]}",
         "{\"type\":\"message\"}",
         "{\"type\":\"message\",\"from\":\"bob\"}",
         "{\"type\":\"message\",\"from\":1,\"text\":\"x\"}",
         "{\"type\":\"message\",\"from\":\"bob\",\"text\":{}}",
         "{\"type\":\"error\"}",
         "{\"type\":\"peers\"}",
         "{\"type\":\"peers\",\"peers\":\"alice\"}",
         "{\"type\":\"peers\",\"peers\":[\"alice\",3]}",
         "{\"type\":\"message\",\"from\":\"b\xff\",\"text\":\"x\"}",
         NULL, /* deep arrays */
         NULL, /* deep objects */
  };

  deep = g_string_new ("{\"type\":\"message\",\"from\":\"b\",\"text\":\"x\",\"x\":");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (deep, '[');
  deep_arrays = g_string_free (deep, FALSE);
  cases[G_N_ELEMENTS (cases) - 2] = deep_arrays;

  deep = g_string_new (NULL);
  for (int i = 0; i < 40; i++)
    g_string_append (deep, "{\"a\":");
  deep_objects = g_string_free (deep, FALSE);
  cases[G_N_ELEMENTS (cases) - 1] = deep_objects;

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabClientEvent) event = NULL;

      g_test_message ("line %" G_GSIZE_FORMAT ": “%.60s”", i, cases[i]);
      event = confab_client_decode_json (cases[i], strlen (cases[i]), &error);
      g_assert_null (event);
      g_assert_error (error, CONFAB_CLIENT_PROTOCOL_ERROR, CONFAB_CLIENT_PROTOCOL_ERROR_INVALID);
    }

  /* Brackets inside strings do not count, and the limit itself is fine. */
  deep = g_string_new ("{\"type\":\"message\",\"from\":\"[[[[{{{{\",\"text\":\"\\\"[[[[\",\"x\":");
  for (int i = 1; i < CONFAB_CLIENT_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, '[');
  for (int i = 1; i < CONFAB_CLIENT_JSON_MAX_DEPTH; i++)
    g_string_append_c (deep, ']');
  g_string_append_c (deep, '}');
  just_deep_enough = g_string_free (deep, FALSE);
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConfabClientEvent) event = confab_client_decode_json (just_deep_enough,
                                                                     strlen (just_deep_enough),
                                                                     &error);

    g_assert_no_error (error);
    g_assert_cmpstr (event->from, ==, "[[[[{{{{");
    g_assert_cmpstr (event->text, ==, "\"[[[[");
  }
}

static void
test_protocol_parse_input (void)
{
  static const struct
  {
    const char *line;
    const char *to; /* joined by '|'; NULL: refused */
    const char *text;
  } cases[] = {
    { "bob: hi", "bob", "hi" },
    { "  bob ,carol :  hello there  ", "bob|carol", "hello there" },
    { "bob: a: b", "bob", "a: b" },
    { "bob:", "bob", "" },
    { "bob,,carol: x", "bob||carol", "x" },
    { "bob: ünïcødé ✓", "bob", "ünïcødé ✓" },
    { "no colon", NULL, NULL },
    { ": nobody", NULL, NULL },
    { "   : nobody", NULL, NULL },
    { "", NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_auto(GStrv) to = NULL;
      g_autofree char *text = NULL;
      gboolean         ok = confab_client_parse_input (cases[i].line, &to, &text, &error);

      g_test_message ("line “%s”", cases[i].line);
      if (cases[i].to == NULL)
        {
          g_assert_false (ok);
          g_assert_error (error, CONFAB_CLIENT_PROTOCOL_ERROR,
                          CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE);
        }
      else
        {
          g_autofree char *joined = NULL;

          g_assert_no_error (error);
          g_assert_true (ok);
          joined = g_strjoinv ("|", to);
          g_assert_cmpstr (joined, ==, cases[i].to);
          g_assert_cmpstr (text, ==, cases[i].text);
        }
    }

  {
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) to = NULL;
    g_autofree char *text = NULL;

    g_assert_false (confab_client_parse_input ("bob: \xff", &to, &text, &error));
    g_assert_error (error, CONFAB_CLIENT_PROTOCOL_ERROR,
                    CONFAB_CLIENT_PROTOCOL_ERROR_INVALID_UTF8);
  }
}

static void
test_protocol_encode (void)
{
  const char      *to[] = { "bob", "carol", NULL };
  g_autofree char *text_login = confab_client_encode_login (FALSE, "alice");
  g_autofree char *json_login = confab_client_encode_login (TRUE, "alice");
  g_autofree char *text_peers = confab_client_encode_peers (FALSE);
  g_autofree char *json_peers = confab_client_encode_peers (TRUE);
  g_autofree char *message = confab_client_encode_json_message (to, "say \"hi\"\n\tnow");

  g_assert_cmpstr (text_login, ==, "alice\n");
  g_assert_cmpstr (json_login, ==, "{\"type\":\"login\",\"name\":\"alice\",\"protocol\":2}\n");
  g_assert_cmpstr (text_peers, ==, "/peers\n");
  g_assert_cmpstr (json_peers, ==, "{\"type\":\"peers\"}\n");
  /* One line, whatever the text holds. */
  g_assert_cmpstr (message, ==,
                   "{\"type\":\"message\",\"to\":[\"bob\",\"carol\"],"
                   "\"text\":\"say \\\"hi\\\"\\n\\tnow\"}\n");
}

static void
test_protocol_format (void)
{
  g_autoptr(GDateTime) when = g_date_time_new_from_unix_local (1795648500);
  g_autofree char *hhmm = g_date_time_format (when, "%H:%M");
  g_autofree char *expected = NULL;
  g_autofree char *shown = NULL;
  g_autofree char *sanitized = NULL;
  g_autoptr(ConfabClientEvent) message = NULL;
  g_autoptr(ConfabClientEvent) text_line = NULL;
  g_autoptr(GError) error = NULL;
  const char *json, *line;

  /* JSON: time, sender, text; further lines indented; no control
   * character reaches the terminal. */
  json = "{\"type\":\"message\",\"from\":\"bob\",\"to\":[\"alice\"],"
         "\"text\":\"one\\ntwo\\r\\nthree \\u001b[31mred\\u0007\",\"time\":1795648500123456}";
  message = confab_client_decode_json (json, strlen (json), &error);
  g_assert_no_error (error);
  shown = confab_client_format_event (message);
  expected = g_strdup_printf ("%s bob: one\n      two\n      three \xef\xbf\xbd[31mred\xef\xbf\xbd",
                              hhmm);
  g_assert_cmpstr (shown, ==, expected);
  g_clear_pointer (&shown, g_free);

  /* Text: the line as it came, made safe. */
  line = "from bob: a\x1b]0;title\x07 b\xff";
  text_line = confab_client_decode_text (line, strlen (line));
  shown = confab_client_format_event (text_line);
  g_assert_cmpstr (shown, ==, "from bob: a\xef\xbf\xbd]0;title\xef\xbf\xbd b\xef\xbf\xbd");

  sanitized = confab_client_sanitize ("tab\tok\x7f\xc2\x9b", -1);
  g_assert_cmpstr (sanitized, ==, "tab\tok\xef\xbf\xbd\xef\xbf\xbd");
}

/* ------------------------------------------------------------------ */
/* /client/usage                                                       */
/* ------------------------------------------------------------------ */

static void
test_usage_help (void)
{
  const char *args[] = { "--help", NULL };
  g_autoptr(Client) client = run_piped (args, "");
  g_autofree char *out = NULL;

  client_assert_exit (client, 0);
  out = client_dup_out (client);
  g_assert_nonnull (strstr (out, "[ADDR [NAME]]"));
  g_assert_nonnull (strstr (out, "--json"));
  g_assert_nonnull (strstr (out, "Exit status:"));
  g_assert_nonnull (strstr (out, "printf 'alice\\nbob: hi\\n' | confab"));
  /* Every key the line editor handles (confab-client-term.c), as confab(1). */
  for (const char * const *key = (const char * const[]) {
         "Left/Right", "Home/End", "Delete", "Ctrl-K", "Ctrl-U", "Ctrl-W",
         "Up/Down", "TAB", "Ctrl-L", "Ctrl-D", "Ctrl-C", NULL };
       *key != NULL; key++)
    g_assert_nonnull (strstr (out, *key));
}

static void
test_usage_version (void)
{
  const char *args[] = { "--version", NULL };
  g_autoptr(Client) client = run_piped (args, "");
  g_autofree char *out = NULL;

  client_assert_exit (client, 0);
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "confab " PACKAGE_VERSION "\n");
}

static void
test_usage_bad (void)
{
  static const char * const cases[][4] = {
    { "--bogus", NULL },
    { "127.0.0.1:1", "alice", "extra", NULL },
    { "unix:", NULL },
    { "", NULL },
    { "127.0.0.1:99999", NULL },
    { "127.0.0.1:1", "two words", NULL },
    { "127.0.0.1:1", "@server", NULL },
    { "127.0.0.1:1", "a:b", NULL },
    { "127.0.0.1:1", "", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(Client) client = run_piped (cases[i], "");
      g_autofree char *err = NULL;

      g_test_message ("case %" G_GSIZE_FORMAT ": %s", i, cases[i][0]);
      client_assert_exit (client, 2);
      err = client_dup_err (client);
      g_assert_true (g_str_has_prefix (err, "confab: "));
    }
}

static void
test_usage_no_name (Fixture      *f,
                    gconstpointer data)
{
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = run_piped (args, "\n  \n");

  client_assert_exit (client, 2);
  client_wait_err (client, 0, "no name given");
}

static void
test_usage_bad_name_line (Fixture      *f,
                          gconstpointer data)
{
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = run_piped (args, "two words\nbob: hi\n");

  client_assert_exit (client, 2);
  client_wait_err (client, 0, "white space");
}

/* ------------------------------------------------------------------ */
/* /client/unreachable                                                 */
/* ------------------------------------------------------------------ */

/* Runs confab with @args in German from the build tree's translations
 * (CONFAB_LOCALEDIR); it must exit at once. Returns its stderr. */
static char *
run_german (const char * const *args,
            int                 expected_status,
            char              **out)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *localedir = g_test_build_filename (G_TEST_BUILT, "..", "po", NULL);
  g_auto(GStrv) envp = g_get_environ ();
  g_autoptr(GError) error = NULL;
  char *err = NULL;
  int   status;

  g_ptr_array_add (argv, (gpointer) client_path ());
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  envp = g_environ_setenv (envp, "LC_ALL", "C.UTF-8", TRUE);
  envp = g_environ_setenv (envp, "LANGUAGE", "de", TRUE);
  envp = g_environ_setenv (envp, "CONFAB_LOCALEDIR", localedir, TRUE);
  envp = g_environ_unsetenv (envp, "LANG");
  envp = g_environ_unsetenv (envp, "LC_MESSAGES");
  if (!g_spawn_sync (NULL, (char **) argv->pdata, envp, G_SPAWN_DEFAULT, NULL, NULL,
                     out, &err, &status, &error))
    confab_test_fail ("Cannot run %s: %s", client_path (), error->message);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, expected_status);
  return err;
}

/* German output has no English client errors: the name checks the daemon
 * shares (and keeps English on the wire) are translated too. */
static void
test_usage_german (void)
{
  const char      *bad_name[] = { "127.0.0.1:1", "a:b", NULL };
  const char      *help[] = { "--help", NULL };
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  g_autofree char *help_out = NULL;
  g_autofree char *help_err = NULL;

  err = run_german (bad_name, 2, &out);
  g_assert_cmpstr (err, ==, "confab: ungültiger Name: Namen dürfen kein „:“ enthalten\n");
  help_err = run_german (help, 0, &help_out);
  g_assert_nonnull (strstr (help_out, "[ADRESSE [NAME]]"));
}

static void
test_unreachable (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;
  g_autofree char *address = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *out = NULL;
  g_autoptr(Client) client = NULL;
  const char *args[3] = { NULL, "alice", NULL };

  /* Bound but not listening: connecting is refused, deterministically. */
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  address = g_strdup_printf ("127.0.0.1:%u",
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));

  args[0] = address;
  client = run_piped (args, "bob: hi\n");
  client_assert_exit (client, 1);
  expected = g_strdup_printf ("confab: cannot connect to %s: ", address);
  client_wait_err (client, 0, expected);
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "");
}

static void
test_unreachable_unix (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *address = g_strdup_printf ("unix:%s/none.sock", tmp->path);
  const char      *args[] = { address, "alice", NULL };
  g_autoptr(Client) client = run_piped (args, "");

  client_assert_exit (client, 1);
  client_wait_err (client, 0, "cannot connect to unix:");
}

/* ------------------------------------------------------------------ */
/* /client/rooms: room commands and the current room                   */
/* ------------------------------------------------------------------ */

static void
test_rooms_commands (void)
{
  static const struct
  {
    const char *line;
    const char *current;
    const char *text_wire; /* NULL: not a room command; "" refused */
    const char *json_wire;
  } cases[] = {
    { "/join #tea", NULL, "/join #tea\n", "{\"type\":\"join\",\"room\":\"#tea\"}\n" },
    { "/part", "#tea", "/part #tea\n", "{\"type\":\"part\",\"room\":\"#tea\"}\n" },
    { "/part", NULL, "", "" },
    { "/rooms", "#tea", "/rooms\n", "{\"type\":\"rooms\"}\n" },
    { "/members", "#tea", "/members #tea\n", "{\"type\":\"members\",\"room\":\"#tea\"}\n" },
    { "/topic #cake sweet things", "#tea", "/topic #cake sweet things\n",
      "{\"type\":\"topic\",\"room\":\"#cake\",\"topic\":\"sweet things\"}\n" },
    { "/topic green", "#tea", "/topic #tea green\n",
      "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"green\"}\n" },
    { "/roomy", NULL, NULL, NULL },
    { "bob: /join #tea", NULL, NULL, NULL },
  };

  g_test_summary ("Room commands take the current room when none is typed, and are sent as "
                  "each protocol spells them");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(ConfabClientRoomRequest) request = { CONFAB_CLIENT_ROOM_NONE, NULL, NULL };
      g_autoptr(GError) error = NULL;
      g_autofree char *text = NULL;
      g_autofree char *json = NULL;
      gboolean         ok;

      ok = confab_client_parse_room_command (cases[i].line, cases[i].current, &request, &error);
      if (cases[i].text_wire != NULL && *cases[i].text_wire == '\0')
        {
          g_assert_false (ok);
          g_assert_error (error, CONFAB_CLIENT_PROTOCOL_ERROR, CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE);
          continue;
        }
      g_assert_true (ok);
      if (cases[i].text_wire == NULL)
        {
          g_assert_cmpint (request.command, ==, CONFAB_CLIENT_ROOM_NONE);
          continue;
        }
      text = confab_client_encode_room_request (FALSE, &request);
      json = confab_client_encode_room_request (TRUE, &request);
      g_assert_cmpstr (text, ==, cases[i].text_wire);
      g_assert_cmpstr (json, ==, cases[i].json_wire);
    }
}

static void
test_rooms_json_events (void)
{
  static const struct
  {
    const char *line;
    const char *shown; /* as the text protocol shows it; NULL: nothing */
  } cases[] = {
    { "{\"type\":\"join\",\"room\":\"#tea\",\"name\":\"bob\",\"time\":1}", "join #tea: bob" },
    { "{\"type\":\"part\",\"room\":\"#tea\",\"name\":\"bob\",\"time\":1}", "part #tea: bob" },
    { "{\"type\":\"members\",\"room\":\"#tea\",\"members\":[\"alice\",\"bob\"]}", "members #tea: alice bob" },
    { "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"\",\"time\":1}", "topic #tea:" },
    { "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"green\\u001b[31m\",\"name\":\"bob\",\"time\":1}",
      "topic #tea: green\xef\xbf\xbd[31m" },
    { "{\"type\":\"rooms\",\"rooms\":[\"#a\",\"#b\"]}", "rooms: #a #b" },
    { "{\"type\":\"join\",\"name\":\"bob\"}", NULL },
  };

  g_test_summary ("JSON room events are shown as the text protocol's lines, made safe");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabClientEvent) event = confab_client_decode_json (cases[i].line, strlen (cases[i].line), &error);
      g_autofree char *shown = NULL;

      g_assert_no_error (error);
      shown = confab_client_format_event (event);
      g_assert_cmpstr (shown, ==, cases[i].shown);
    }
}

static void
test_pipe_rooms (Fixture      *f,
                 gconstpointer data)
{
  gboolean json = GPOINTER_TO_INT (data);
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *text_args[] = { f->address, "alice", NULL };
  const char *json_args[] = { "--json", f->address, "alice", NULL };
  g_autoptr(Client) client = NULL;
  g_autofree char *out = NULL;

  g_test_summary ("confab joins a room, a plain line goes to it, a NAME: line still to the "
                  "name, and the room's lines are shown");

  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: bob");

  client = run_piped (json ? json_args : text_args,
                      "/join #tea\nhello room\nbob: just you\n/members\n/part\nafter part\n");
  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, "join #tea: alice");
  confab_test_client_expect_line (bob, "from alice in #tea: hello room");
  confab_test_client_expect_line (bob, "from alice: just you");
  confab_test_client_expect_line (bob, "part #tea: alice");
  out = client_dup_out (client);
  g_test_message ("%s", out);
  g_assert_nonnull (strstr (out, "join #tea: alice\n"));
  g_assert_nonnull (strstr (out, "members #tea: alice bob\n"));
  g_assert_nonnull (strstr (out, "part #tea: alice\n"));
  /* Out of the room, a plain line is no message: bob never sees it. */
  confab_test_client_sync (bob, "bob");
}

/* ------------------------------------------------------------------ */
/* /client/pipe: the text protocol                                     */
/* ------------------------------------------------------------------ */

static void
test_pipe_text_send (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = run_piped (args, "alice\nbob: hi\nbob, bob :  second  \n");
  g_autofree char *out = NULL;

  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, "from alice: hi");
  confab_test_client_expect_line (bob, "from alice: second");
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "");
  client_wait_err (client, 0, "logged in as alice; online: alice bob");
}

static void
test_pipe_text_name_argument (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { "--quiet", f->address, "alice", NULL };
  g_autoptr(Client) client = run_piped (args, "bob: hi\r\n\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, "from alice: hi");
  out = client_dup_out (client);
  err = client_dup_err (client);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, ""); /* --quiet */
}

/* Every answer to the input arrives before confab exits: the messages to
 * oneself, the peers list, in order, and nothing else on stdout. */
static void
test_pipe_text_answers (Fixture      *f,
                        gconstpointer data)
{
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = run_piped (args, "alice\nalice: one\nalice: two\n/peers\nalice: three\n");
  g_autofree char *out = NULL;

  client_assert_exit (client, 0);
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==,
                   "from alice: one\n"
                   "from alice: two\n"
                   "peers: alice\n"
                   "from alice: three\n");
}

/* A big input: confab reads it only as fast as the server takes it, and
 * still gets every answer. */
static void
test_pipe_text_many (Fixture      *f,
                     gconstpointer data)
{
  const guint n = 20000;
  const char *args[] = { "--quiet", f->address, "alice", NULL };
  g_autoptr(GString) input = g_string_new (NULL);
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(Client) client = NULL;
  g_autofree char *out = NULL;

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (input, "alice: message number %u\n", i);
      g_string_append_printf (expected, "from alice: message number %u\n", i);
    }
  client = run_piped (args, input->str);
  client_assert_exit (client, 0);
  out = client_dup_out (client);
  g_assert_cmpuint (strlen (out), ==, expected->len);
  g_assert_true (g_str_equal (out, expected->str));
}

static void
test_pipe_text_receive (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PIPES, args);
  g_autofree char *out = NULL;

  /* Input stays open: confab prints what arrives while it waits. */
  client_write (client, "alice\nbob: ready\n");
  confab_test_client_expect_line (bob, "from alice: ready");
  confab_test_client_send_line (bob, "alice: hello there");
  client_wait_out (client, 0, "from bob: hello there\n");
  confab_test_client_send_line (bob, "alice, bob: to both");
  confab_test_client_expect_line (bob, "from bob: to both");
  client_wait_out (client, 0, "from bob: to both\n");

  client_write (client, "bob: bye\n");
  client_close_input (client);
  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, "from alice: bye");
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "from bob: hello there\nfrom bob: to both\n");
}

static void
test_pipe_text_errors (Fixture      *f,
                       gconstpointer data)
{
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = run_piped (args, "carol: hi\nno colon here\nalice:\nalice: ok\n");
  g_autofree char *out = NULL;
  gsize            offset;

  client_assert_exit (client, 0);
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "from alice: ok\n");
  /* On stderr, in order, as the server sent them. */
  offset = client_wait_err (client, 0, "\nerror: no such peer: carol\n");
  offset = client_wait_err (client, offset, "error: expected 'name, name: text'\n");
  client_wait_err (client, offset, "error: empty message\n");
}

static void
test_pipe_text_name_taken (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = run_piped (args, "bob\ncarol: hi\n");
  g_autofree char *out = NULL;
  gsize            offset;

  client_assert_exit (client, 1);
  offset = client_wait_err (client, 0, "error: name taken");
  client_wait_err (client, offset, "confab: the server closed the connection");
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "");
  /* The connected bob is untouched. */
  confab_test_client_sync (bob, "bob");
}

/* The server goes away while confab waits for input: it says so and
 * exits 1 (input had not ended: the session did not end cleanly). */
static void
test_server_gone (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PIPES, args);
  gsize offset;

  client_write (client, "bob: ready\n");
  confab_test_client_expect_line (bob, "from alice: ready");
  confab_test_daemon_send_signal (f->daemon, SIGTERM);

  client_assert_exit (client, 1);
  offset = client_wait_err (client, 0, "error: server shutting down\n");
  client_wait_err (client, offset, "confab: the server closed the connection\n");
  confab_test_daemon_wait_exit (f->daemon, EXIT_WAIT_MS);
  confab_test_daemon_assert_exit_status (f->daemon, 0);
}

/* The same over a Unix socket. */
static void
test_pipe_text_unix (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char *address = g_strdup_printf ("unix:%s/confab.sock", tmp->path);
  const char      *extra[] = { "--listen", address, NULL };
  const char      *args[] = { address, "alice", NULL };
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(Client) client = NULL;
  g_autofree char *out = NULL;

  confab_test_write_config (config_path, NULL);
  daemon = confab_test_daemon_start (config_path, extra, 0);
  confab_test_daemon_wait_for_log (daemon, 0, "Listening on unix:", WAIT_MS);
  bob = confab_test_client_new_login (confab_test_daemon_get_port (daemon), "bob");

  client = run_piped (args, "bob: over unix\nalice: back\n");
  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, "from alice: over unix");
  out = client_dup_out (client);
  g_assert_cmpstr (out, ==, "from alice: back\n");
  confab_test_daemon_stop (daemon);
}

/* With unix_identity on, an empty name on a Unix socket is the caller's
 * account name (as the README shows); over TCP it stays a usage error. */
static void
test_pipe_text_unix_identity (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char *address = g_strdup_printf ("unix:%s/confab.sock", tmp->path);
  g_autofree char *expected = g_strdup_printf ("from %s: over unix", g_get_user_name ());
  const char      *extra[] = { "--listen", address, NULL };
  const char      *args[] = { address, "", NULL };
  const char      *tcp_args[] = { "127.0.0.1:1", "", NULL };
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(Client) client = NULL;
  g_autoptr(Client) tcp = NULL;
  g_autofree char *err = NULL;

  confab_test_write_config (config_path, (const char * const[]) {
                                           "server.unix_identity", "true", NULL });
  daemon = confab_test_daemon_start (config_path, extra, 0);
  confab_test_daemon_wait_for_log (daemon, 0, "Listening on unix:", WAIT_MS);
  bob = confab_test_client_new_login (confab_test_daemon_get_port (daemon), "bob");

  client = run_piped (args, "bob: over unix\n");
  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, expected);

  tcp = run_piped (tcp_args, "");
  client_assert_exit (tcp, 2);
  err = client_dup_err (tcp);
  g_assert_nonnull (strstr (err, "name"));
  confab_test_daemon_stop (daemon);
}

/* At the largest line_max_bytes (1 MiB) a legal message reaches the
 * client longer than that: with its "from NAME: " prefix in text, with
 * every '"' escaped in JSON. The client must show it, not give up. */
static void
run_longest_message (gboolean json)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  const gsize      line_max = 1024 * 1024;
  const char      *prefix = "alice: ";
  g_autoptr(GString) line = g_string_sized_new (line_max);
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(Client) client = NULL;
  g_autofree char *address = NULL;
  const char      *args[4] = { NULL };
  gsize            i = 0;

  confab_test_write_config (config_path, (const char * const[]) {
                                           "line_max_bytes", "1048576",
                                           "queue_max_bytes", "67108864",
                                           NULL });
  daemon = confab_test_daemon_start (config_path, NULL, 0);
  address = g_strdup_printf ("127.0.0.1:%u", confab_test_daemon_get_port (daemon));
  if (json)
    args[i++] = "--json";
  args[i++] = address;
  args[i++] = "alice";
  bob = confab_test_client_new_login (confab_test_daemon_get_port (daemon), "bob");
  client = client_spawn (CLIENT_PIPES, args);
  client_write (client, "bob: ready\n");
  confab_test_client_expect_line (bob, "from alice: ready");

  g_string_append (line, prefix);
  while (line->len < line_max - strlen ("END"))
    g_string_append_c (line, '"');
  g_string_append (line, "END");
  g_assert_cmpuint (line->len, ==, line_max);
  confab_test_client_send_line (bob, line->str);
  client_wait_out (client, 0, "\"END\n");

  client_write (client, "bob: got it\n");
  confab_test_client_expect_line (bob, "from alice: got it");
  client_close_input (client);
  client_assert_exit (client, 0);
  confab_test_daemon_stop (daemon);
}

static void
test_pipe_text_longest (void)
{
  run_longest_message (FALSE);
}

static void
test_pipe_json_longest (void)
{
  run_longest_message (TRUE);
}

/* ------------------------------------------------------------------ */
/* /client/pipe/json                                                   */
/* ------------------------------------------------------------------ */

#define HHMM "[0-2][0-9]:[0-5][0-9]"

static void
test_pipe_json_chat (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { "--json", f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PIPES, args);
  g_autofree char *out = NULL;
  gsize            offset;

  client_write (client, "bob: ready\n");
  confab_test_client_expect_line (bob, "from alice: ready");
  offset = client_wait_err (client, 0, "confab: logged in as alice (server confab ");
  client_wait_err (client, offset, "confab: online: alice bob\n");

  confab_test_client_send_line (bob, "alice: hi from text");
  offset = client_wait_out (client, 0, "bob: hi from text\n");
  client_write (client, "/peers\n");
  client_wait_out (client, offset, "peers: alice bob\n");

  client_write (client, " bob , alice : two ways \n");
  confab_test_client_expect_line (bob, "from alice: two ways");
  client_close_input (client);
  client_assert_exit (client, 0);

  out = client_dup_out (client);
  assert_matches (out, "\\A" HHMM " bob: hi from text\n"
                       "peers: alice bob\n" HHMM " alice: two ways\n\\z");
}

/* A text peer types one line; a JSON peer sends several: each shows on
 * its own line, indented under the first. */
static void
test_pipe_json_multiline (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(ConfabTestClient) carol = json_peer_new (f->port, "carol");
  const char *args[] = { "--json", "--quiet", f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PIPES, args);
  g_autofree char *ready = NULL;
  g_autofree char *out = NULL;

  client_write (client, "carol: ready\n");
  ready = confab_test_client_expect_prefix (carol, "{");
  g_assert_nonnull (strstr (ready, "\"from\":\"alice\""));
  g_assert_nonnull (strstr (ready, "\"text\":\"ready\""));

  confab_test_client_send_line (carol,
                                "{\"type\":\"message\",\"to\":[\"alice\"],"
                                "\"text\":\"first line\\nsecond line\\n\\tthird\"}");
  client_wait_out (client, 0, "third\n");
  client_close_input (client);
  client_assert_exit (client, 0);

  out = client_dup_out (client);
  assert_matches (out, "\\A" HHMM " carol: first line\n"
                       "      second line\n"
                       "      \tthird\n\\z");
}

static void
test_pipe_json_errors (Fixture      *f,
                       gconstpointer data)
{
  const char *args[] = { "--json", f->address, "alice", NULL };
  g_autoptr(Client) client = run_piped (args, "carol: hi\nno colon here\nalice:   \nalice: ok\n");
  g_autofree char *out = NULL;
  gsize            offset;

  client_assert_exit (client, 0);
  out = client_dup_out (client);
  assert_matches (out, "\\A" HHMM " alice: ok\n\\z");
  /* A line that cannot be a message is not sent; the server's errors
   * come on stderr. */
  client_wait_err (client, 0, "confab: not sent: expected 'name, name: text'\n");
  offset = client_wait_err (client, 0, "\nerror: no such peer: carol\n");
  client_wait_err (client, offset, "error: empty message\n");
}

static void
test_pipe_json_name_taken (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { "--json", f->address, NULL };
  g_autoptr(Client) client = run_piped (args, "bob\nbob: hi\n");
  gsize offset;

  client_assert_exit (client, 1);
  offset = client_wait_err (client, 0, "error: name taken");
  client_wait_err (client, offset, "confab: the server closed the connection");
  confab_test_client_sync (bob, "bob");
}

static void
test_pipe_json_server_gone (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { "--json", f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PIPES, args);
  gsize offset;

  client_write (client, "bob: ready\n");
  confab_test_client_expect_line (bob, "from alice: ready");
  confab_test_daemon_send_signal (f->daemon, SIGTERM);

  client_assert_exit (client, 1);
  offset = client_wait_err (client, 0, "error: server shutting down\n");
  client_wait_err (client, offset, "confab: the server closed the connection\n");
  confab_test_daemon_wait_exit (f->daemon, EXIT_WAIT_MS);
  confab_test_daemon_assert_exit_status (f->daemon, 0);
}

/* A '/' word that is no command of the client's or the server's is
 * refused by the client, not sent; /peers still goes to the server, and
 * "/x: text" stays a message to a peer named /x. */
static void
test_pipe_text_commands (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = run_piped (args, "/nosuch\n/help\n/peers\nbob: after\n/quit\nbob: never\n");
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  client_assert_exit (client, 0);
  confab_test_client_expect_line (bob, "from alice: after");
  out = client_dup_out (client);
  err = client_dup_err (client);
  g_assert_cmpstr (out, ==, "peers: alice bob\n");
  g_assert_nonnull (strstr (err, "confab: unknown command “/nosuch” (/help lists the commands)\n"));
  g_assert_nonnull (strstr (err, "/peers to see who is online"));
  g_assert_null (strstr (err, "expected 'name, name: text'"));
}

/* --timestamps: each text line comes with the time it arrived. */
static void
test_pipe_text_timestamps (Fixture      *f,
                           gconstpointer data)
{
  const char *args[] = { "--timestamps", f->address, "alice", NULL };
  g_autoptr(Client) client = run_piped (args, "alice: to myself\n");
  g_autofree char *out = NULL;

  client_assert_exit (client, 0);
  out = client_dup_out (client);
  assert_matches (out, "\\A" HHMM " from alice: to myself\n\\z");
}

/* On a terminal the name is asked before connecting: typing it more
 * slowly than the server's login timeout (1 s here) is no problem. */
static void
test_pty_slow_name (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) silent = NULL;
  g_autoptr(Client) client = NULL;
  g_autofree char *address = NULL;
  const char      *args[2] = { NULL };
  gsize            offset;

  confab_test_write_config (config_path, (const char * const[]) {
                                           "login_timeout_sec", "1", NULL });
  daemon = confab_test_daemon_start (config_path, NULL, 0);
  address = g_strdup_printf ("127.0.0.1:%u", confab_test_daemon_get_port (daemon));
  args[0] = address;
  bob = confab_test_client_new_login (confab_test_daemon_get_port (daemon), "bob");
  client = client_spawn (CLIENT_PTY, args);

  offset = client_wait_out (client, 0, "Name: ");
  /* A connection opened as the typing starts and sending nothing: once
   * the server drops it, a whole login timeout has passed. */
  silent = confab_test_client_new (confab_test_daemon_get_port (daemon));
  client_write (client, "ali");
  confab_test_client_expect_line (silent, "error: login timeout");
  client_write (client, "ce\r");
  offset = client_wait_out (client, offset, "logged in as alice; online: alice bob");
  client_write (client, "bob: made it\r");
  confab_test_client_expect_line (bob, "from alice: made it");
  client_write (client, "\x04");
  client_assert_exit (client, 0);
  confab_test_daemon_stop (daemon);
}

/* On a terminal a taken name is asked again (and confab connects anew);
 * piped input keeps exiting with 1 (/client/pipe/text/name-taken). */
static void
test_pty_name_taken (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);
  gsize offset;

  offset = client_wait_out (client, 0, "Name: ");
  client_write (client, "bob\r");
  offset = client_wait_out (client, offset, "error: name taken");
  offset = client_wait_out (client, offset, "Name: ");
  client_write (client, "alice\r");
  offset = client_wait_out (client, offset, "logged in as alice; online: alice bob");
  client_write (client, "bob: second try\r");
  confab_test_client_expect_line (bob, "from alice: second try");
  client_write (client, "\x04");
  client_assert_exit (client, 0);
}

/* Line editing as in readline: cursor keys, Home/End, Ctrl-A/E/K/U/W,
 * history with Up/Down, TAB kept in the text. */
static void
test_pty_editing (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);

  client_wait_out (client, 0, "logged in as alice");

  /* Left twice, insert; Home, insert; End, append. */
  client_write (client, "ob: hllo\033[D\033[D\033[D"
                        "e"
                        "\033[H"
                        "b"
                        "\033[F"
                        "!\r");
  confab_test_client_expect_line (bob, "from alice: hello!");
  /* Ctrl-A, Ctrl-E, Ctrl-K (kill to the end), Right. */
  client_write (client, "b: one two\x01"
                        "bo\x05"
                        " three\x01\033[C\033[C\033[C\033[C\033[C\033[C\033[C\x0b"
                        "X\r");
  confab_test_client_expect_line (bob, "from alice: onX");
  /* Ctrl-W erases the word before the cursor, Ctrl-U what is before it. */
  client_write (client, "junk bob: w\x17\x17\x17"
                        "bob: kept\r");
  confab_test_client_expect_line (bob, "from alice: kept");
  client_write (client, "xx\x15"
                        "bob: u\r");
  confab_test_client_expect_line (bob, "from alice: u");
  /* Up twice brings back "bob: kept". */
  client_write (client, "\033[A\033[A\r");
  confab_test_client_expect_line (bob, "from alice: kept");
  /* History is now …, kept, u, kept: Up, Up, Down is "bob: kept";
   * Left, Delete (ESC [ 3 ~) takes the t, then v. */
  client_write (client, "\033[A\033[A\033[B\033[D\033[3~v\r");
  confab_test_client_expect_line (bob, "from alice: kepv");
  /* TAB stays in the text. */
  client_write (client, "bob: a\tb\r");
  confab_test_client_expect_line (bob, "from alice: a\tb");
  client_write (client, "\x04");
  client_assert_exit (client, 0);
}

/* With colours on, one's own name stands out (bold) in chat lines. */
static void
test_pty_highlight (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);
  gsize offset;

  offset = client_wait_out (client, 0, "logged in as alice");
  confab_test_client_send_line (bob, "alice: hi alice");
  offset = client_wait_out (client, offset, "from bob: hi \033[1malice\033[22m\r\n");
  client_write (client, "\x04");
  client_assert_exit (client, 0);
}

/* ------------------------------------------------------------------ */
/* /client/pty: on a terminal                                          */
/* ------------------------------------------------------------------ */

#define ERROR_COLOUR "\033[1;31m"

static void
test_pty_chat (Fixture      *f,
               gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);
  gsize offset;

  /* Asked for a name; a bad one is asked again. */
  offset = client_wait_out (client, 0, "Name: ");
  client_write (client, "bad:name\r");
  offset = client_wait_out (client, offset, "may not contain ':'");
  offset = client_wait_out (client, offset, "Name: ");
  client_write (client, "alice\r");
  offset = client_wait_out (client, offset, "alice> ");
  offset = client_wait_out (client, offset, "logged in as alice; online: alice bob");

  /* Half a line typed when a message arrives: the message goes above,
   * the half line is drawn again below and typing goes on. */
  client_write (client, "bob: hel");
  offset = client_wait_out (client, offset, "bob: hel");
  confab_test_client_send_line (bob, "alice: ping");
  offset = client_wait_out (client, offset, "from bob: ping\r\n");
  offset = client_wait_out (client, offset, "alice> bob: hel");
  client_write (client, "x\x7flo\r"); /* a typo, erased */
  confab_test_client_expect_line (bob, "from alice: hello");

  /* Errors stand out (red on a terminal). */
  client_write (client, "carol: anyone?\r");
  offset = client_wait_out (client, offset, ERROR_COLOUR "error: no such peer: carol");

  /* Ctrl-U erases what was typed; function keys do nothing. */
  client_write (client, "junk\x15"
                        "bob\033[15~\033OP: again\r");
  confab_test_client_expect_line (bob, "from alice: again");

  /* Ctrl-D: leave. */
  client_write (client, "\x04");
  client_assert_exit (client, 0);
}

static void
test_pty_rooms (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);
  gsize offset;

  g_test_summary ("On a terminal: /join, the room's lines shown as they come, a plain line "
                  "to the current room, /part");

  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: bob");

  offset = client_wait_out (client, 0, "alice> ");
  client_write (client, "/join #tea\r");
  /* The own name is shown in bold: match around it. */
  offset = client_wait_out (client, offset, "join #tea: ");
  offset = client_wait_out (client, offset, "members #tea: ");
  offset = client_wait_out (client, offset, " bob\r");
  confab_test_client_expect_line (bob, "join #tea: alice");

  client_write (client, "hello tea drinkers\r");
  confab_test_client_expect_line (bob, "from alice in #tea: hello tea drinkers");
  confab_test_client_send_line (bob, "#tea: hi there");
  offset = client_wait_out (client, offset, "from bob in #tea: hi there");

  client_write (client, "/part\r");
  offset = client_wait_out (client, offset, "part #tea: ");
  confab_test_client_expect_line (bob, "part #tea: alice");

  client_write (client, "\x04");
  client_assert_exit (client, 0);
}

static void
test_pty_server_gone (Fixture      *f,
                      gconstpointer data)
{
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);
  gsize offset;

  offset = client_wait_out (client, 0, "logged in as alice");
  offset = client_wait_out (client, offset, "alice> ");
  client_write (client, "half typ");
  offset = client_wait_out (client, offset, "half typ");
  confab_test_daemon_send_signal (f->daemon, SIGTERM);

  offset = client_wait_out (client, offset, ERROR_COLOUR "error: server shutting down");
  client_wait_out (client, offset, "the server closed the connection");
  client_assert_exit (client, 1);
  confab_test_daemon_wait_exit (f->daemon, EXIT_WAIT_MS);
  confab_test_daemon_assert_exit_status (f->daemon, 0);
}

static void
test_pty_interrupt (Fixture      *f,
                    gconstpointer data)
{
  const char *args[] = { f->address, "alice", NULL };
  g_autoptr(Client) client = client_spawn (CLIENT_PTY, args);
  struct termios mode;
  int            slave;

  client_wait_out (client, 0, "alice> ");
  client_write (client, "\x03"); /* Ctrl-C */
  if (!client_try_wait (client, confab_test_timeout_ms (EXIT_WAIT_MS)))
    client_fail (client, "confab did not stop on Ctrl-C");
  g_assert_true (g_subprocess_get_if_signaled (client->subprocess));
  g_assert_cmpint (g_subprocess_get_term_sig (client->subprocess), ==, SIGINT);

  /* The terminal's own mode is back (line editing, echo). */
  slave = open (client->pty_slave, O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (slave, >=, 0);
  g_assert_cmpint (tcgetattr (slave, &mode), ==, 0);
  close (slave);
  g_assert_true (mode.c_lflag & ICANON);
  g_assert_true (mode.c_lflag & ECHO);
  g_assert_true (mode.c_lflag & ISIG);
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  /* Messages quote with “”: print them as UTF-8, not as '?'. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/client/protocol/decode-text", test_protocol_decode_text);
  g_test_add_func ("/client/protocol/decode-json", test_protocol_decode_json);
  g_test_add_func ("/client/protocol/decode-json-invalid", test_protocol_decode_json_invalid);
  g_test_add_func ("/client/protocol/parse-input", test_protocol_parse_input);
  g_test_add_func ("/client/protocol/encode", test_protocol_encode);
  g_test_add_func ("/client/protocol/format", test_protocol_format);
  g_test_add_func ("/client/rooms/commands", test_rooms_commands);
  g_test_add_func ("/client/rooms/json-events", test_rooms_json_events);

  g_test_add_func ("/client/usage/help", test_usage_help);
  g_test_add_func ("/client/usage/version", test_usage_version);
  g_test_add_func ("/client/usage/bad", test_usage_bad);
  g_test_add_func ("/client/usage/german", test_usage_german);
  add_daemon_test ("/client/usage/no-name", test_usage_no_name);
  add_daemon_test ("/client/usage/bad-name-line", test_usage_bad_name_line);

  g_test_add_func ("/client/unreachable/tcp", test_unreachable);
  g_test_add_func ("/client/unreachable/unix", test_unreachable_unix);

  add_daemon_test ("/client/pipe/text/send", test_pipe_text_send);
  add_daemon_test ("/client/rooms/pty", test_pty_rooms);
  g_test_add ("/client/rooms/pipe/text", Fixture, GINT_TO_POINTER (FALSE), fixture_setup, test_pipe_rooms,
              fixture_teardown);
  g_test_add ("/client/rooms/pipe/json", Fixture, GINT_TO_POINTER (TRUE), fixture_setup, test_pipe_rooms,
              fixture_teardown);
  add_daemon_test ("/client/pipe/text/name-argument", test_pipe_text_name_argument);
  add_daemon_test ("/client/pipe/text/answers", test_pipe_text_answers);
  add_daemon_test ("/client/pipe/text/many", test_pipe_text_many);
  add_daemon_test ("/client/pipe/text/receive", test_pipe_text_receive);
  add_daemon_test ("/client/pipe/text/errors", test_pipe_text_errors);
  add_daemon_test ("/client/pipe/text/name-taken", test_pipe_text_name_taken);
  add_daemon_test ("/client/pipe/text/commands", test_pipe_text_commands);
  add_daemon_test ("/client/pipe/text/timestamps", test_pipe_text_timestamps);
  add_daemon_test ("/client/pipe/text/server-gone", test_server_gone);
  g_test_add_func ("/client/pipe/text/unix", test_pipe_text_unix);
  g_test_add_func ("/client/pipe/text/unix-identity", test_pipe_text_unix_identity);
  g_test_add_func ("/client/pipe/text/longest", test_pipe_text_longest);

  add_daemon_test ("/client/pipe/json/chat", test_pipe_json_chat);
  add_daemon_test ("/client/pipe/json/multiline", test_pipe_json_multiline);
  add_daemon_test ("/client/pipe/json/errors", test_pipe_json_errors);
  add_daemon_test ("/client/pipe/json/name-taken", test_pipe_json_name_taken);
  add_daemon_test ("/client/pipe/json/server-gone", test_pipe_json_server_gone);
  g_test_add_func ("/client/pipe/json/longest", test_pipe_json_longest);

  add_daemon_test ("/client/pty/chat", test_pty_chat);
  add_daemon_test ("/client/pty/highlight", test_pty_highlight);
  add_daemon_test ("/client/pty/editing", test_pty_editing);
  g_test_add_func ("/client/pty/slow-name", test_pty_slow_name);
  add_daemon_test ("/client/pty/name-taken", test_pty_name_taken);
  add_daemon_test ("/client/pty/server-gone", test_pty_server_gone);
  add_daemon_test ("/client/pty/interrupt", test_pty_interrupt);

  return g_test_run ();
}
