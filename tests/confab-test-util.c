/* confab-test-util.c: helpers for confab's end-to-end tests.
 *
 * See confab-test-util.h. Everything here is bounded in time: sockets
 * carry a timeout, waits have a deadline, retry loops a budget.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "confab-test-util.h"

#define DEFAULT_TIMEOUT_MS   10000
#define STOP_TIMEOUT_MS      20000
#define KILL_TIMEOUT_MS      5000
#define LOG_DUMP_MAX_BYTES   (1024 * 1024)
#define LOGIN_RETRY_PAUSE_US (50 * G_TIME_SPAN_MILLISECOND)

/* ------------------------------------------------------------------ */
/* Failures and time                                                   */
/* ------------------------------------------------------------------ */

/* Daemons alive right now, so that any failure can print their logs:
 * a failed assertion aborts the test binary before teardown runs, and
 * the daemon's log is where the reason usually is. */
static GMutex     live_lock;
static GPtrArray *live_daemons; /* (element-type ConfabTestDaemon) (unowned) */

static void daemon_print_log (ConfabTestDaemon *self);

void
confab_test_fail_at (const char *strloc,
                     const char *func,
                     const char *format,
                     ...)
{
  g_autofree char *message = NULL;
  g_autofree char *file = g_strdup (strloc);
  char            *colon;
  int              line = 0;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_mutex_lock (&live_lock);
  for (guint i = 0; live_daemons != NULL && i < live_daemons->len; i++)
    daemon_print_log (g_ptr_array_index (live_daemons, i));
  g_mutex_unlock (&live_lock);

  /* G_STRLOC is "file:line" */
  colon = strrchr (file, ':');
  if (colon != NULL)
    {
      *colon = '\0';
      line = atoi (colon + 1);
    }
  g_assertion_message (G_LOG_DOMAIN, file, line, func, message);
  /* Only reached with g_test_set_nonfatal_assertions(), which the helpers
   * do not support: their callers rely on a failure not returning. */
  g_abort ();
}

guint
confab_test_timeout_ms (guint base_ms)
{
  static gsize scale = 0;

  if (g_once_init_enter (&scale))
    {
      const char *env = g_getenv (CONFAB_TEST_ENV_TIMEOUT_SCALE);
      gsize       value = 1;

      if (env != NULL && *env != '\0')
        value = CLAMP (g_ascii_strtoull (env, NULL, 10), 1, 100);
      else if (g_getenv (CONFAB_TEST_ENV_WRAPPER) != NULL &&
               *g_getenv (CONFAB_TEST_ENV_WRAPPER) != '\0')
        value = 5;
      g_once_init_leave (&scale, value);
    }

  return base_ms * scale;
}

/* A line as C would write it, for messages: the server's lines may hold
 * any byte. */
static char *
escape (const char *s,
        gssize      len)
{
  g_autofree char *copy = NULL;

  if (s == NULL)
    return g_strdup ("(null)");
  if (len < 0)
    len = strlen (s);
  copy = g_strndup (s, len);
  return g_strescape (copy, NULL);
}

/* ------------------------------------------------------------------ */
/* Temporary directory and config file                                 */
/* ------------------------------------------------------------------ */

ConfabTestTmpDir *
confab_test_tmp_dir_new (void)
{
  g_autoptr(GError) error = NULL;
  ConfabTestTmpDir *self = g_new0 (ConfabTestTmpDir, 1);

  self->path = g_dir_make_tmp ("confab-test-XXXXXX", &error);
  g_assert_no_error (error);
  return self;
}

static void
remove_recursive (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) &&
              !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_recursive (child);
          else if (g_unlink (child) != 0)
            g_test_message ("Cannot remove %s: %s", child, g_strerror (errno));
        }
    }
  if (g_rmdir (path) != 0)
    g_test_message ("Cannot remove %s: %s", path, g_strerror (errno));
}

void
confab_test_tmp_dir_free (ConfabTestTmpDir *self)
{
  if (self == NULL)
    return;
  remove_recursive (self->path);
  g_free (self->path);
  g_free (self);
}

void
confab_test_write_config (const char         *path,
                          const char * const *kv)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *data = NULL;
  gsize            len;

  /* No history unless the test asks for it (history.database=PATH):
   * the other tests need none, and it would be a thread more in each. */
  g_key_file_set_value (key_file, "history", "database", "none");
  for (gsize i = 0; kv != NULL && kv[i] != NULL; i += 2)
    {
      const char      *dot = strchr (kv[i], '.');
      g_autofree char *group = dot != NULL ? g_strndup (kv[i], dot - kv[i])
                                           : g_strdup ("limits");
      const char      *key = dot != NULL ? dot + 1 : kv[i];

      g_assert_nonnull (kv[i + 1]);
      g_key_file_set_value (key_file, group, key, kv[i + 1]);
    }

  data = g_key_file_to_data (key_file, &len, NULL);
  g_file_set_contents (path, data, len, &error);
  g_assert_no_error (error);
}

/* ------------------------------------------------------------------ */
/* The daemon                                                          */
/* ------------------------------------------------------------------ */

struct _ConfabTestDaemon
{
  GSubprocess *subprocess; /* (owned) */
  GPid         pid;
  guint16      port; /* 0 until "Listening on" was seen */

  /* The log is read by a thread of its own rather than by async reads on
   * the main context: tests spend most of their time blocked in socket
   * calls, and a pipe nobody reads would fill and stall the daemon. */
  GInputStream *output;        /* (owned): stdout and stderr, merged */
  GCancellable *reader_cancel; /* (owned) */
  GThread      *reader;        /* (owned) (nullable) */
  GMutex        lock;
  GCond         cond;
  GString      *log;          /* (owned): protected by lock */
  gboolean      output_ended; /* protected by lock */

  gboolean reaped;
  gboolean if_exited;
  int      exit_status;
  int      term_sig;

  /* Its $STATE_DIRECTORY, where the history database is by default:
   * the test's, never the machine's. */
  ConfabTestTmpDir *state_dir; /* (owned) */
};

static void
daemon_print_log (ConfabTestDaemon *self)
{
  g_auto(GStrv) lines = NULL;
  gsize start = 0;

  g_mutex_lock (&self->lock);
  if (self->log->len > LOG_DUMP_MAX_BYTES)
    start = self->log->len - LOG_DUMP_MAX_BYTES;
  lines = g_strsplit (self->log->str + start, "\n", -1);
  g_mutex_unlock (&self->lock);

  g_test_message ("---- confabd (pid %d) log%s ----", (int) self->pid,
                  start > 0 ? ", last 1 MiB" : "");
  for (gsize i = 0; lines[i] != NULL; i++)
    if (lines[i + 1] != NULL || *lines[i] != '\0')
      g_test_message ("confabd: %s", lines[i]);
  g_test_message ("---- end of confabd log ----");
}

static gpointer
reader_thread (gpointer data)
{
  ConfabTestDaemon *self = data;
  char              buf[4096];

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      gssize n = g_input_stream_read (self->output, buf, sizeof buf,
                                      self->reader_cancel, &error);

      g_mutex_lock (&self->lock);
      if (n > 0)
        g_string_append_len (self->log, buf, n);
      else
        self->output_ended = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);

      if (n <= 0)
        break;
    }

  return NULL;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
child_setup (gpointer user_data)
{
  guint nofile = GPOINTER_TO_UINT (user_data);

  /* Die with the test, even when a failed assertion aborts it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);

  if (nofile > 0)
    {
      /* Both limits, so the daemon cannot raise its soft limit back. */
      struct rlimit rl = { .rlim_cur = nofile, .rlim_max = nofile };

      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

ConfabTestDaemon *
confab_test_daemon_spawn (const char * const *args,
                          guint               nofile)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) wrapper = NULL;
  const char       *confabd = g_getenv (CONFAB_TEST_ENV_CONFABD);
  const char       *wrapper_env = g_getenv (CONFAB_TEST_ENV_WRAPPER);
  const char       *messages_debug = g_getenv ("G_MESSAGES_DEBUG");
  ConfabTestDaemon *self;

  if (confabd == NULL || *confabd == '\0')
    confab_test_fail ("$" CONFAB_TEST_ENV_CONFABD " is not set; run the tests with meson test");

  if (nofile > 0 && wrapper_env != NULL && *wrapper_env != '\0')
    {
      /* Under a wrapper the test itself usually runs under valgrind too
       * (meson test --setup valgrind), and valgrind only pretends to
       * apply a setrlimit() of RLIMIT_NOFILE: the child_setup() below
       * would not reach the daemon. prlimit(1) runs natively between the
       * fork and the wrapper, and execs in place (the PID stays). */
      g_ptr_array_add (argv, g_strdup ("prlimit"));
      g_ptr_array_add (argv, g_strdup_printf ("--nofile=%u:%u", nofile, nofile));
      g_ptr_array_add (argv, g_strdup ("--"));
    }
  if (wrapper_env != NULL && *wrapper_env != '\0')
    {
      if (!g_shell_parse_argv (wrapper_env, NULL, &wrapper, &error))
        confab_test_fail ("Cannot parse $" CONFAB_TEST_ENV_WRAPPER ": %s",
                          error->message);
      for (gsize i = 0; wrapper[i] != NULL; i++)
        g_ptr_array_add (argv, g_strdup (wrapper[i]));
    }
  g_ptr_array_add (argv, g_strdup (confabd));
  for (gsize i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  /* Criticals are bugs; warnings may be about the environment. */
  g_subprocess_launcher_setenv (launcher, "G_DEBUG", "gc-friendly,fatal-criticals", TRUE);
  /* Per-connection detail makes a failure's log worth reading. */
  g_subprocess_launcher_setenv (launcher, "G_MESSAGES_DEBUG",
                                messages_debug != NULL ? messages_debug : "confab",
                                TRUE);
  g_subprocess_launcher_setenv (launcher, "LC_ALL", "C.UTF-8", TRUE);
  /* The tests' full malloc stacks are for LeakSanitizer's suppressions
   * of GLib's test framework, which the daemon does not run; with them a
   * sanitized daemon's TLS handshake takes seconds (GnuTLS allocates a
   * lot), enough to hit its login timeout when tests run side by side. */
  {
    const char *asan = g_getenv ("ASAN_OPTIONS");

    if (asan != NULL && strstr (asan, "fast_unwind_on_malloc=0") != NULL)
      {
        g_autoptr(GString) fast = g_string_new (asan);

        g_string_replace (fast, "fast_unwind_on_malloc=0", "fast_unwind_on_malloc=1", 0);
        g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", fast->str, TRUE);
      }
  }
  /* Not under systemd, whatever the environment running the tests says,
   * unless a test plays the service manager itself. */
  if (g_getenv (CONFAB_TEST_ENV_NOTIFY_SOCKET) != NULL)
    g_subprocess_launcher_setenv (launcher, "NOTIFY_SOCKET",
                                  g_getenv (CONFAB_TEST_ENV_NOTIFY_SOCKET), TRUE);
  else
    g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
  g_subprocess_launcher_unsetenv (launcher, "LISTEN_FDS");
  g_subprocess_launcher_unsetenv (launcher, "LISTEN_PID");
  g_subprocess_launcher_unsetenv (launcher, "LISTEN_FDNAMES");
  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GUINT_TO_POINTER (nofile), NULL);

  self = g_new0 (ConfabTestDaemon, 1);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->log = g_string_new (NULL);
  self->state_dir = confab_test_tmp_dir_new ();
  g_subprocess_launcher_setenv (launcher, "STATE_DIRECTORY", self->state_dir->path, TRUE);
  self->subprocess = g_subprocess_launcher_spawnv (launcher,
                                                   (const char * const *) argv->pdata,
                                                   &error);
  if (self->subprocess == NULL)
    confab_test_fail ("Cannot spawn %s: %s", confabd, error->message);

  self->pid = confab_test_subprocess_get_pid (self->subprocess);
  self->output = g_object_ref (g_subprocess_get_stdout_pipe (self->subprocess));
  self->reader_cancel = g_cancellable_new ();
  self->reader = g_thread_new ("confabd-log", reader_thread, self);

  g_mutex_lock (&live_lock);
  if (live_daemons == NULL)
    live_daemons = g_ptr_array_new ();
  g_ptr_array_add (live_daemons, self);
  g_mutex_unlock (&live_lock);

  return self;
}

ConfabTestDaemon *
confab_test_daemon_start (const char         *config_path,
                          const char * const *extra_args,
                          guint               nofile)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_auto(GStrv) args = NULL;
  g_autofree char  *log = NULL;
  ConfabTestDaemon *self;
  gsize             start, end;
  const char       *address, *line_end;
  guint64           port;
  char             *port_end;

  g_strv_builder_add_many (builder,
                           "--listen", "127.0.0.1:0",
                           "--bus", "none",
                           "--config", config_path,
                           NULL);
  if (extra_args != NULL)
    g_strv_builder_addv (builder, (const char **) extra_args);
  args = g_strv_builder_end (builder);

  self = confab_test_daemon_spawn ((const char * const *) args, nofile);

  /* "... Listening on 127.0.0.1:40123 ...": wait for the whole line. */
  start = confab_test_daemon_wait_for_log (self, 0, CONFAB_TEST_LISTENING_TEXT,
                                           DEFAULT_TIMEOUT_MS);
  end = confab_test_daemon_wait_for_log (self, start, "\n", DEFAULT_TIMEOUT_MS);
  log = confab_test_daemon_dup_log (self);
  log[end - 1] = '\0';
  address = strstr (log + start, "127.0.0.1:");
  line_end = log + end - 1;
  if (address == NULL || address > line_end)
    confab_test_fail ("No 127.0.0.1:PORT in the line “%s”", log + start);

  port = g_ascii_strtoull (address + strlen ("127.0.0.1:"), &port_end, 10);
  if (port == 0 || port > G_MAXUINT16 || port_end == address + strlen ("127.0.0.1:"))
    confab_test_fail ("Cannot parse the port in “%s”", address);
  self->port = port;

  return self;
}

static void
wait_done_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/**
 * confab_test_subprocess_reap:
 * @context: (nullable): the main context to wait on; %NULL for the
 *   global default one
 * @what: the program's name, for the message if it survives SIGKILL
 *
 * Waits for @subprocess to exit; after @timeout_ms kills it (SIGKILL)
 * and waits for that. No GCancellable: GSubprocess completes waits from
 * GLib's worker thread, and a cancellable connected there and dropped
 * here would be one more cross-thread object to race on; SIGKILL ends
 * the wait just as well.
 *
 * Returns: TRUE if it exited on its own, FALSE if it had to be killed
 */
gboolean
confab_test_subprocess_reap (GSubprocess  *subprocess,
                             guint         timeout_ms,
                             GMainContext *context,
                             const char   *what)
{
  g_autoptr(GSource) timeout = NULL;
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  gboolean killed = FALSE;
  GPid     pid = confab_test_subprocess_get_pid (subprocess);

  g_subprocess_wait_async (subprocess, NULL, wait_done_cb, &done);
  timeout = g_timeout_source_new (timeout_ms);
  g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
  g_source_attach (timeout, context);

  while (!done)
    {
      if (timed_out)
        {
          /* Nothing survives SIGKILL for long; if it does, the machine
           * is in trouble and aborting is all that is left (the pending
           * wait points into this frame). */
          if (killed)
            g_error ("%s (pid %d) survived SIGKILL", what, (int) pid);
          g_subprocess_force_exit (subprocess);
          killed = TRUE;
          timed_out = FALSE;
          g_source_destroy (timeout);
          g_source_unref (timeout);
          timeout = g_timeout_source_new (KILL_TIMEOUT_MS);
          g_source_set_callback (timeout, flag_cb, &timed_out, NULL);
          g_source_attach (timeout, context);
        }
      g_main_context_iteration (context, TRUE);
    }
  g_source_destroy (timeout);
  return !killed;
}

/* Waits for the daemon to exit (confab_test_subprocess_reap()).
 * Returns: TRUE if it exited on its own, FALSE if it had to be killed */
static gboolean
daemon_reap (ConfabTestDaemon *self,
             guint             timeout_ms)
{
  gboolean exited;

  if (self->reaped)
    return TRUE;

  exited = confab_test_subprocess_reap (self->subprocess, timeout_ms, NULL, "confabd");
  self->reaped = TRUE;
  self->if_exited = g_subprocess_get_if_exited (self->subprocess);
  if (self->if_exited)
    self->exit_status = g_subprocess_get_exit_status (self->subprocess);
  else if (g_subprocess_get_if_signaled (self->subprocess))
    self->term_sig = g_subprocess_get_term_sig (self->subprocess);
  return exited;
}

void
confab_test_daemon_free (ConfabTestDaemon *self)
{
  if (self == NULL)
    return;

  if (!self->reaped)
    daemon_reap (self, 0);

  g_mutex_lock (&live_lock);
  g_ptr_array_remove (live_daemons, self);
  g_mutex_unlock (&live_lock);

  if (g_getenv (CONFAB_TEST_ENV_SHOW_LOG) != NULL)
    daemon_print_log (self);

  /* The pipe ends when the daemon does; cancel in case something else
   * (a child of a wrapper) still holds its write end. */
  g_cancellable_cancel (self->reader_cancel);
  g_thread_join (self->reader);

  g_clear_object (&self->reader_cancel);
  g_clear_object (&self->output);
  g_clear_object (&self->subprocess);
  g_string_free (self->log, TRUE);
  g_clear_pointer (&self->state_dir, confab_test_tmp_dir_free);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self);
}

guint16
confab_test_daemon_get_port (ConfabTestDaemon *self)
{
  g_assert_cmpuint (self->port, !=, 0);
  return self->port;
}

/* The port of the first "Listening on SCHEME:HOST:PORT" line, for a
 * listener given with a scheme in the extra arguments (an IRC one, say):
 * the daemon logs every address before it serves any, but the log may
 * not have been read that far yet. */
guint16
confab_test_daemon_get_scheme_port (ConfabTestDaemon *self,
                                    const char       *scheme)
{
  g_autofree char *needle = g_strdup_printf ("Listening on %s:", scheme);
  g_autofree char *log = NULL;
  const char      *found;
  const char      *end;
  const char      *colon;
  g_autofree char *digits = NULL;
  guint64          port;

  confab_test_daemon_wait_for_log (self, 0, needle, 20000);
  /* The line's end too. */
  for (guint i = 0; i < 400; i++)
    {
      g_free (log);
      log = confab_test_daemon_dup_log (self);
      found = strstr (log, needle);
      if (found != NULL && strchr (found, '\n') != NULL)
        break;
      g_usleep (5 * G_TIME_SPAN_MILLISECOND);
    }
  found = strstr (log, needle);
  if (found == NULL)
    confab_test_fail ("confabd logged no %s: listener:\n%s", scheme, log);
  end = strchr (found, '\n');
  if (end == NULL)
    end = found + strlen (found);
  colon = g_strrstr_len (found, end - found, ":");
  if (colon != NULL)
    digits = g_strndup (colon + 1, strcspn (colon + 1, " \n"));
  if (digits == NULL || !g_ascii_string_to_unsigned (digits, 10, 1, G_MAXUINT16, &port, NULL))
    confab_test_fail ("cannot read the port of: %.*s", (int) (end - found), found);
  return (guint16) port;
}

GPid
confab_test_daemon_get_pid (ConfabTestDaemon *self)
{
  g_assert_cmpint (self->pid, >, 0);
  return self->pid;
}

char *
confab_test_daemon_dup_log (ConfabTestDaemon *self)
{
  char *copy;

  g_mutex_lock (&self->lock);
  copy = g_strndup (self->log->str, self->log->len);
  g_mutex_unlock (&self->lock);
  return copy;
}

gsize
confab_test_daemon_get_log_length (ConfabTestDaemon *self)
{
  gsize len;

  g_mutex_lock (&self->lock);
  len = self->log->len;
  g_mutex_unlock (&self->lock);
  return len;
}

gsize
confab_test_daemon_wait_for_log (ConfabTestDaemon *self,
                                 gsize             offset,
                                 const char       *needle,
                                 guint             timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  gboolean    ended = FALSE;
  gsize       found = 0;
  const char *p;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      if (offset <= self->log->len &&
          (p = strstr (self->log->str + offset, needle)) != NULL)
        {
          found = p - self->log->str + strlen (needle);
          break;
        }
      if (self->output_ended)
        {
          ended = TRUE;
          break;
        }
      if (!g_cond_wait_until (&self->cond, &self->lock, deadline) &&
          g_get_monotonic_time () >= deadline)
        break;
    }
  g_mutex_unlock (&self->lock);

  if (found == 0)
    confab_test_fail ("confabd %s before logging “%s”",
                      ended ? "ended its output" : "timed out", needle);
  return found;
}

void
confab_test_daemon_send_signal (ConfabTestDaemon *self,
                                int               signum)
{
  g_assert_false (self->reaped);
  g_subprocess_send_signal (self->subprocess, signum);
}

/* After the exit, the log is complete only once the reader has read
 * the pipe to its end. Bounded: a child of a wrapper could keep it open. */
static void
daemon_wait_output_end (ConfabTestDaemon *self)
{
  gint64 deadline = g_get_monotonic_time () + KILL_TIMEOUT_MS * G_TIME_SPAN_MILLISECOND;

  g_mutex_lock (&self->lock);
  while (!self->output_ended)
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  g_mutex_unlock (&self->lock);
}

void
confab_test_daemon_wait_exit (ConfabTestDaemon *self,
                              guint             timeout_ms)
{
  guint    scaled = confab_test_timeout_ms (timeout_ms);
  gboolean exited = daemon_reap (self, scaled);

  daemon_wait_output_end (self);
  if (!exited)
    confab_test_fail ("confabd (pid %d) did not exit within %u ms; killed it",
                      (int) self->pid, scaled);
}

gboolean
confab_test_daemon_has_exited (ConfabTestDaemon *self)
{
  return self->reaped;
}

gboolean
confab_test_daemon_get_exit_status (ConfabTestDaemon *self,
                                    int              *status)
{
  g_assert_true (self->reaped);
  if (status != NULL)
    *status = self->exit_status;
  return self->if_exited;
}

void
confab_test_daemon_assert_exit_status_at (ConfabTestDaemon *self,
                                          int               expected,
                                          const char       *strloc)
{
  g_assert_true (self->reaped);

  if (!self->if_exited)
    confab_test_fail_at (strloc, G_STRFUNC,
                         "confabd was killed by signal %d (%s)",
                         self->term_sig, g_strsignal (self->term_sig));
  if (expected < 0 ? self->exit_status == 0 : self->exit_status != expected)
    confab_test_fail_at (strloc, G_STRFUNC,
                         "confabd exited with status %d, expected %s%d",
                         self->exit_status, expected < 0 ? "non-" : "",
                         expected < 0 ? 0 : expected);
}

void
confab_test_daemon_stop_at (ConfabTestDaemon *self,
                            const char       *strloc)
{
  confab_test_daemon_send_signal (self, SIGTERM);
  confab_test_daemon_wait_exit (self, STOP_TIMEOUT_MS);
  confab_test_daemon_assert_exit_status_at (self, 0, strloc);
}

/* ------------------------------------------------------------------ */
/* /proc                                                               */
/* ------------------------------------------------------------------ */

GPid
confab_test_subprocess_get_pid (GSubprocess *subprocess)
{
  const char *identifier = g_subprocess_get_identifier (subprocess);

  return identifier != NULL ? atoi (identifier) : 0;
}

double
confab_test_get_cpu_time (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) fields = NULL;
  const char *after_comm;
  guint64     utime, stime;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  /* "PID (COMM) STATE PPID ...": COMM may contain anything, so split
   * after its last ')'. Then field 3 (state) is fields[0], field 14
   * (utime) fields[11] and field 15 (stime) fields[12]. */
  after_comm = strrchr (contents, ')');
  g_assert_nonnull (after_comm);
  fields = g_strsplit (g_strstrip ((char *) after_comm + 1), " ", -1);
  g_assert_cmpuint (g_strv_length (fields), >, 12);
  utime = g_ascii_strtoull (fields[11], NULL, 10);
  stime = g_ascii_strtoull (fields[12], NULL, 10);

  return (double) (utime + stime) / sysconf (_SC_CLK_TCK);
}

char *
confab_test_program_path (const char *name)
{
  const char      *confabd = g_getenv (CONFAB_TEST_ENV_CONFABD);
  g_autofree char *dir = NULL;

  g_assert_nonnull (confabd);
  dir = g_path_get_dirname (confabd);
  return g_build_filename (dir, name, NULL);
}

guint
confab_test_count_fds (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (path, 0, &error);
  guint n = 0;

  g_assert_no_error (error);
  while (g_dir_read_name (dir) != NULL)
    n++;
  return n;
}

guint64
confab_test_get_rss_kib (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/status", (int) pid);
  g_autofree char *contents = NULL;
  const char      *line;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  line = strstr (contents, "\nVmRSS:");
  if (line == NULL)
    return 0;
  return g_ascii_strtoull (line + strlen ("\nVmRSS:"), NULL, 10);
}

gboolean
confab_test_rss_is_meaningful (void)
{
  const char *wrapper = g_getenv (CONFAB_TEST_ENV_WRAPPER);

#if defined(__SANITIZE_ADDRESS__)
  return FALSE;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
  return FALSE;
#endif
#endif
  return wrapper == NULL || *wrapper == '\0';
}

/* ------------------------------------------------------------------ */
/* The client                                                          */
/* ------------------------------------------------------------------ */

struct _ConfabTestClient
{
  GSocket    *socket;     /* (owned) */
  guint       timeout_ms; /* scaled */
  GByteArray *buffer;     /* (owned): received bytes from @start on */
  gsize       start;      /* bytes before it were already returned */
  gboolean    eof;
  gboolean    reset; /* the end was a reset, not a FIN */
};

static void
client_set_timeout (ConfabTestClient *self,
                    guint             timeout_ms)
{
  self->timeout_ms = timeout_ms;
  /* GSocket's timeout counts whole seconds: round up. */
  g_socket_set_timeout (self->socket, (timeout_ms + 999) / 1000);
}

ConfabTestClient *
confab_test_client_new_for_socket (GSocket *socket)
{
  ConfabTestClient *self = g_new0 (ConfabTestClient, 1);

  self->socket = g_object_ref (socket);
  self->buffer = g_byte_array_new ();
  g_socket_set_blocking (socket, TRUE);
  client_set_timeout (self, confab_test_timeout_ms (DEFAULT_TIMEOUT_MS));
  return self;
}

ConfabTestClient *
confab_test_client_new_full (guint16  port,
                             guint    timeout_ms,
                             int      rcvbuf,
                             GError **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(ConfabTestClient) self = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, error);
  if (socket == NULL)
    return NULL;

  if (rcvbuf > 0 &&
      !g_socket_set_option (socket, SOL_SOCKET, SO_RCVBUF, rcvbuf, error))
    return NULL;

  self = confab_test_client_new_for_socket (socket);
  client_set_timeout (self, confab_test_timeout_ms (timeout_ms));

  address = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  if (!g_socket_connect (socket, address, NULL, error))
    return NULL;

  return g_steal_pointer (&self);
}

ConfabTestClient *
confab_test_client_new (guint16 port)
{
  g_autoptr(GError) error = NULL;
  ConfabTestClient *self;

  self = confab_test_client_new_full (port, DEFAULT_TIMEOUT_MS, 0, &error);
  if (self == NULL)
    confab_test_fail ("Cannot connect to 127.0.0.1:%u: %s", port, error->message);
  return self;
}

void
confab_test_client_free (ConfabTestClient *self)
{
  if (self == NULL)
    return;
  if (!g_socket_is_closed (self->socket))
    g_socket_close (self->socket, NULL);
  g_object_unref (self->socket);
  g_byte_array_unref (self->buffer);
  g_free (self);
}

GSocket *
confab_test_client_get_socket (ConfabTestClient *self)
{
  return self->socket;
}

gboolean
confab_test_client_try_send_raw (ConfabTestClient *self,
                                 const void       *data,
                                 gsize             len,
                                 GError          **error)
{
  const char *p = data;

  while (len > 0)
    {
      gssize n = g_socket_send (self->socket, p, len, NULL, error);

      if (n < 0)
        return FALSE;
      p += n;
      len -= n;
    }
  return TRUE;
}

void
confab_test_client_send_raw_at (ConfabTestClient *self,
                                const void       *data,
                                gsize             len,
                                const char       *strloc)
{
  g_autoptr(GError) error = NULL;

  if (!confab_test_client_try_send_raw (self, data, len, &error))
    confab_test_fail_at (strloc, G_STRFUNC, "Cannot send %" G_GSIZE_FORMAT " bytes: %s", len, error->message);
}

void
confab_test_client_send_line_at (ConfabTestClient *self,
                                 const char       *line,
                                 const char       *strloc)
{
  g_autofree char *data = g_strconcat (line, "\n", NULL);

  confab_test_client_send_raw_at (self, data, strlen (data), strloc);
}

/* Returns: FALSE on timeout */
static gboolean
client_receive (ConfabTestClient *self,
                gint64            deadline)
{
  g_autoptr(GError) error = NULL;
  gint64 remaining = MAX (deadline - g_get_monotonic_time (), 0);
  char   chunk[16384];
  gssize n;

  if (remaining == 0
        ? !(g_socket_condition_check (self->socket, G_IO_IN | G_IO_HUP | G_IO_ERR))
        : !g_socket_condition_timed_wait (self->socket, G_IO_IN, remaining, NULL, &error))
    {
      if (error != NULL && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        confab_test_fail ("Waiting for data failed: %s", error->message);
      return FALSE;
    }

  n = g_socket_receive (self->socket, chunk, sizeof chunk, NULL, &error);
  if (n > 0)
    {
      /* Drop what was returned before appending, so the buffer stays
       * as small as the unread data. */
      if (self->start > 0)
        {
          g_byte_array_remove_range (self->buffer, 0, self->start);
          self->start = 0;
        }
      g_byte_array_append (self->buffer, (guint8 *) chunk, n);
    }
  else if (n == 0)
    self->eof = TRUE;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED))
    self->eof = self->reset = TRUE;
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT) ||
           g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return FALSE;
  else
    confab_test_fail ("Receiving failed: %s", error->message);
  return TRUE;
}

char *
confab_test_client_try_read_line (ConfabTestClient *self,
                                  guint             timeout_ms,
                                  gboolean         *out_eof)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  if (out_eof != NULL)
    *out_eof = FALSE;

  for (;;)
    {
      const char *data = (const char *) self->buffer->data + self->start;
      gsize       avail = self->buffer->len - self->start;
      const char *nl = avail > 0 ? memchr (data, '\n', avail) : NULL;

      if (nl != NULL)
        {
          char *line = g_strndup (data, nl - data);

          self->start += nl - data + 1;
          return line;
        }
      if (self->eof)
        {
          if (out_eof != NULL)
            *out_eof = TRUE;
          return NULL;
        }
      if (!client_receive (self, deadline))
        return NULL;
    }
}

char *
confab_test_client_read_line_at (ConfabTestClient *self,
                                 const char       *strloc)
{
  gboolean eof;
  char    *line = confab_test_client_try_read_line (self, self->timeout_ms, &eof);

  if (line == NULL && !eof)
    confab_test_fail_at (strloc, G_STRFUNC,
                         "Timed out after %u ms waiting for a line from confabd",
                         self->timeout_ms);
  return line;
}

void
confab_test_client_expect_line_at (ConfabTestClient *self,
                                   const char       *expected,
                                   const char       *strloc)
{
  g_autofree char *line = confab_test_client_read_line_at (self, strloc);
  g_autofree char *expected_esc = escape (expected, -1);

  if (line == NULL)
    confab_test_fail_at (strloc, G_STRFUNC,
                         "Expected “%s” but the connection %s",
                         expected_esc, self->reset ? "was reset" : "ended");
  if (strcmp (line, expected) != 0)
    {
      g_autofree char *line_esc = escape (line, -1);

      confab_test_fail_at (strloc, G_STRFUNC, "Expected “%s”, got “%s”",
                           expected_esc, line_esc);
    }
}

char *
confab_test_client_expect_prefix_at (ConfabTestClient *self,
                                     const char       *prefix,
                                     const char       *strloc)
{
  g_autofree char *line = confab_test_client_read_line_at (self, strloc);
  g_autofree char *prefix_esc = escape (prefix, -1);

  if (line == NULL)
    confab_test_fail_at (strloc, G_STRFUNC,
                         "Expected a line starting “%s” but the connection %s",
                         prefix_esc, self->reset ? "was reset" : "ended");
  if (!g_str_has_prefix (line, prefix))
    {
      g_autofree char *line_esc = escape (line, -1);

      confab_test_fail_at (strloc, G_STRFUNC,
                           "Expected a line starting “%s”, got “%s”",
                           prefix_esc, line_esc);
    }
  return g_steal_pointer (&line);
}

void
confab_test_client_expect_eof_at (ConfabTestClient *self,
                                  const char       *strloc)
{
  g_autofree char *line = confab_test_client_read_line_at (self, strloc);
  gsize            pending_len;
  const char      *pending;

  if (line != NULL)
    {
      g_autofree char *line_esc = escape (line, -1);

      confab_test_fail_at (strloc, G_STRFUNC,
                           "Expected the end of the stream, got “%s”", line_esc);
    }

  pending = confab_test_client_get_pending (self, &pending_len);
  if (pending != NULL)
    {
      g_autofree char *pending_esc = escape (pending, pending_len);

      confab_test_fail_at (strloc, G_STRFUNC,
                           "The stream ended after half a line: “%s”", pending_esc);
    }

  if (self->reset)
    confab_test_fail_at (strloc, G_STRFUNC,
                         "The connection was reset, not closed: a reset can "
                         "destroy the last lines before the client reads them");
}

const char *
confab_test_client_get_pending (ConfabTestClient *self,
                                gsize            *len)
{
  gsize avail = self->buffer->len - self->start;

  if (len != NULL)
    *len = avail;
  return avail > 0 ? (const char *) self->buffer->data + self->start : NULL;
}

gboolean
confab_test_client_is_eof (ConfabTestClient *self,
                           gboolean         *reset)
{
  if (reset != NULL)
    *reset = self->reset;
  return self->eof;
}

static char *
sync_line (const char *name,
           gboolean    received)
{
  static gint counter = 0;
  int         n = g_atomic_int_add (&counter, 1);

  return received ? g_strdup_printf ("from %s: __sync %d", name, n)
                  : g_strdup_printf ("%s: __sync %d", name, n);
}

void
confab_test_client_sync_at (ConfabTestClient *self,
                            const char       *name,
                            const char       *strloc)
{
  g_autofree char *line = sync_line (name, FALSE);
  g_autofree char *expected = g_strconcat ("from ", line, NULL);

  confab_test_client_send_line_at (self, line, strloc);
  confab_test_client_expect_line_at (self, expected, strloc);
}

gboolean
confab_test_client_try_login (ConfabTestClient *self,
                              const char       *name,
                              char            **error_line)
{
  g_autofree char *sync = sync_line (name, FALSE);
  g_autofree char *expected = g_strconcat ("from ", sync, NULL);
  g_autofree char *data = g_strconcat (name, "\n", sync, "\n", NULL);
  g_autofree char *line = NULL;
  gboolean         eof = FALSE;

  if (error_line != NULL)
    *error_line = NULL;

  /* A refused login may close the connection while we still send; what
   * the server said before closing is still there to read. */
  confab_test_client_try_send_raw (self, data, strlen (data), NULL);

  line = confab_test_client_try_read_line (self, self->timeout_ms, &eof);
  if (line != NULL && strcmp (line, expected) == 0)
    return TRUE;

  if (line != NULL && !g_str_has_prefix (line, "error: "))
    {
      g_autofree char *line_esc = escape (line, -1);

      confab_test_fail ("Logging in as “%s”: expected “%s” or an error, got “%s”",
                        name, expected, line_esc);
    }

  if (error_line != NULL)
    *error_line = line != NULL ? g_steal_pointer (&line)
                               : g_strdup (eof ? "(connection closed)" : "(timed out)");
  return FALSE;
}

void
confab_test_client_login_at (ConfabTestClient *self,
                             const char       *name,
                             const char       *strloc)
{
  g_autofree char *error_line = NULL;

  if (!confab_test_client_try_login (self, name, &error_line))
    {
      g_autofree char *name_esc = escape (name, -1);
      g_autofree char *error_esc = escape (error_line, -1);

      confab_test_fail_at (strloc, G_STRFUNC, "Cannot log in as “%s”: %s",
                           name_esc, error_esc);
    }
}

ConfabTestClient *
confab_test_client_new_login_at (guint16     port,
                                 const char *name,
                                 const char *strloc)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabTestClient) self = NULL;

  self = confab_test_client_new_full (port, DEFAULT_TIMEOUT_MS, 0, &error);
  if (self == NULL)
    confab_test_fail_at (strloc, G_STRFUNC, "Cannot connect to 127.0.0.1:%u: %s",
                         port, error->message);
  confab_test_client_login_at (self, name, strloc);
  return g_steal_pointer (&self);
}

ConfabTestClient *
confab_test_login_retry_at (guint16     port,
                            const char *name,
                            guint       timeout_ms,
                            int         rcvbuf,
                            const char *strloc)
{
  gint64 deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  g_autofree char *last_error = NULL;
  guint            attempts = 0;

  do
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabTestClient) self = NULL;

      attempts++;
      /* Short timeouts per attempt: a server out of file descriptors
       * leaves connections in its backlog unanswered. */
      self = confab_test_client_new_full (port, 2000, rcvbuf, &error);
      if (self != NULL)
        {
          g_clear_pointer (&last_error, g_free);
          if (confab_test_client_try_login (self, name, &last_error))
            {
              client_set_timeout (self, confab_test_timeout_ms (DEFAULT_TIMEOUT_MS));
              return g_steal_pointer (&self);
            }
        }
      else
        {
          g_free (last_error);
          last_error = g_strdup (error->message);
        }

      /* The server frees a name when it processes the disconnect, and
       * nothing on the wire announces that: poll, gently. */
      g_usleep (LOGIN_RETRY_PAUSE_US);
    }
  while (g_get_monotonic_time () < deadline);

  confab_test_fail_at (strloc, G_STRFUNC,
                       "Could not log in as “%s” in %u attempts; last: %s",
                       name, attempts, last_error);
}

void
confab_test_client_close (ConfabTestClient *self)
{
  if (!g_socket_is_closed (self->socket))
    g_socket_close (self->socket, NULL);
}

void
confab_test_client_reset (ConfabTestClient *self)
{
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (g_socket_is_closed (self->socket))
    return;
  if (setsockopt (g_socket_get_fd (self->socket), SOL_SOCKET, SO_LINGER,
                  &linger, sizeof linger) != 0)
    confab_test_fail ("SO_LINGER: %s", g_strerror (errno));
  g_socket_close (self->socket, NULL);
}
