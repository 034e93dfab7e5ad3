/* confab-dbus-test-util.c: helpers for the D-Bus tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>

#include "confab-dbus-test-util.h"

#define NAME_POLL_MS 20

static ConfabDBusTestFailFunc fail_func;

void
confab_dbus_test_set_fail_func (ConfabDBusTestFailFunc func)
{
  fail_func = func;
}

G_GNUC_PRINTF (2, 3)
G_NORETURN
static void
fail (const char *strloc,
      const char *format,
      ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  if (fail_func != NULL)
    fail_func (strloc, message);
  g_error ("%s: %s", strloc, message);
}

guint
confab_dbus_test_scale_ms (guint base_ms)
{
  const char *env = g_getenv ("CONFAB_TEST_TIMEOUT_SCALE");
  guint       scale = 1;

  if (env != NULL && *env != '\0')
    scale = MAX (1, atoi (env));
  else if (g_getenv ("CONFAB_TEST_WRAPPER") != NULL && *g_getenv ("CONFAB_TEST_WRAPPER") != '\0')
    scale = 5;
  return base_ms * scale;
}

static gboolean
set_flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

void
confab_dbus_test_store_result_cb (GObject      *source,
                                  GAsyncResult *result,
                                  gpointer      user_data)
{
  GAsyncResult **slot = user_data;

  g_assert_null (*slot);
  *slot = g_object_ref (result);
}

GAsyncResult *
confab_dbus_test_await_at (GAsyncResult **slot,
                           const char    *strloc)
{
  gboolean timed_out = FALSE;
  guint    id = g_timeout_add (confab_dbus_test_scale_ms (10000), set_flag_cb, &timed_out);

  while (*slot == NULL && !timed_out)
    g_main_context_iteration (NULL, TRUE);

  if (!timed_out)
    g_source_remove (id);
  if (*slot == NULL)
    fail (strloc, "timed out waiting for a D-Bus reply");
  return g_steal_pointer (slot);
}

gboolean
confab_dbus_test_name_has_owner (GDBusConnection *connection,
                                 const char      *name)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  gboolean owned = FALSE;

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "NameHasOwner", g_variant_new ("(s)", name),
                                       G_VARIANT_TYPE ("(b)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(b)", &owned);
  return owned;
}

void
confab_dbus_test_wait_name (GDBusConnection *connection,
                            const char      *name,
                            gboolean         owned,
                            guint            timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) confab_dbus_test_scale_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;

  while (confab_dbus_test_name_has_owner (connection, name) != owned)
    {
      if (g_get_monotonic_time () > deadline)
        fail (G_STRLOC, "timed out waiting for %s to %s", name,
              owned ? "appear on the bus" : "leave the bus");
      g_usleep (NAME_POLL_MS * G_TIME_SPAN_MILLISECOND);
    }
}

/* ---- processes ------------------------------------------------------ */

typedef struct
{
  GInputStream *stream; /* (owned) */
  GString      *text;   /* (owned): protected by the process's lock */
  gboolean      ended;  /* protected by the lock */
  GThread      *thread; /* (owned) */
} Capture;

struct _ConfabDBusTestProc
{
  char         *name;       /* (owned): argv[0], for messages */
  GSubprocess  *subprocess; /* (owned) */
  GCancellable *cancel;     /* (owned): stops the readers */
  GMutex        lock;
  GCond         cond;
  Capture       out;
  Capture       err;
  gboolean      reaped;
  int           status;
};

typedef struct
{
  ConfabDBusTestProc *proc;
  Capture            *capture;
} ReaderData;

static gpointer
reader_thread (gpointer user_data)
{
  ReaderData         *data = user_data;
  ConfabDBusTestProc *self = data->proc;
  Capture            *capture = data->capture;
  char                buf[4096];

  g_free (data);
  for (;;)
    {
      gssize n = g_input_stream_read (capture->stream, buf, sizeof buf, self->cancel, NULL);

      g_mutex_lock (&self->lock);
      if (n > 0)
        g_string_append_len (capture->text, buf, n);
      else
        capture->ended = TRUE;
      g_cond_broadcast (&self->cond);
      g_mutex_unlock (&self->lock);

      if (n <= 0)
        return NULL;
    }
}

static void
capture_start (ConfabDBusTestProc *self,
               Capture            *capture,
               GInputStream       *stream)
{
  ReaderData *data = g_new0 (ReaderData, 1);

  data->proc = self;
  data->capture = capture;
  capture->stream = g_object_ref (stream);
  capture->text = g_string_new (NULL);
  capture->thread = g_thread_new ("confab-test-capture", reader_thread, data);
}

/* Runs in the child between fork and exec, after GLib has put the file
 * descriptors in place: stdin is already the terminal, if one is given. */
static void
child_setup (gpointer user_data)
{
  ConfabDBusTestProcFlags flags = GPOINTER_TO_UINT (user_data);

  prctl (PR_SET_PDEATHSIG, SIGKILL);
  if ((flags & (CONFAB_DBUS_TEST_PROC_NEW_SESSION | CONFAB_DBUS_TEST_PROC_CONTROLLING_TERMINAL)) != 0)
    setsid ();
  if ((flags & CONFAB_DBUS_TEST_PROC_CONTROLLING_TERMINAL) != 0)
    ioctl (STDIN_FILENO, TIOCSCTTY, 0);
}

ConfabDBusTestProc *
confab_dbus_test_proc_spawn (const char * const *argv,
                             const char * const *env)
{
  return confab_dbus_test_proc_spawn_full (argv, env, -1, CONFAB_DBUS_TEST_PROC_NONE);
}

ConfabDBusTestProc *
confab_dbus_test_proc_spawn_full (const char * const     *argv,
                                  const char * const     *env,
                                  int                     stdin_fd,
                                  ConfabDBusTestProcFlags flags)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  ConfabDBusTestProc *self;

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  if (stdin_fd >= 0)
    g_subprocess_launcher_take_stdin_fd (launcher, stdin_fd);
  else
    g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, GUINT_TO_POINTER (flags), NULL);
  for (gsize i = 0; env != NULL && env[i] != NULL; i++)
    {
      const char *equals = strchr (env[i], '=');

      if (equals == NULL)
        g_subprocess_launcher_unsetenv (launcher, env[i]);
      else
        {
          g_autofree char *name = g_strndup (env[i], equals - env[i]);

          g_subprocess_launcher_setenv (launcher, name, equals + 1, TRUE);
        }
    }

  self = g_new0 (ConfabDBusTestProc, 1);
  self->name = g_strdup (argv[0]);
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->subprocess = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (self->subprocess == NULL)
    fail (G_STRLOC, "cannot run %s: %s", argv[0], error->message);

  self->cancel = g_cancellable_new ();
  capture_start (self, &self->out, g_subprocess_get_stdout_pipe (self->subprocess));
  capture_start (self, &self->err, g_subprocess_get_stderr_pipe (self->subprocess));
  return self;
}

static void
wait_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  int *state = user_data; /* 0 pending, 1 exited, 2 cancelled */

  *state = g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL) ? 1 : 2;
}

static gboolean
try_reap (ConfabDBusTestProc *self,
          guint               timeout_ms)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  gboolean timed_out = FALSE;
  guint    id;
  int      state = 0;

  if (self->reaped)
    return TRUE;

  id = g_timeout_add (timeout_ms, set_flag_cb, &timed_out);
  g_subprocess_wait_async (self->subprocess, cancellable, wait_cb, &state);
  /* The callback always comes: on exit, or soon after the cancel. */
  while (state == 0)
    {
      if (timed_out)
        g_cancellable_cancel (cancellable);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!timed_out)
    g_source_remove (id);
  if (state != 1)
    return FALSE;

  self->reaped = TRUE;
  if (g_subprocess_get_if_exited (self->subprocess))
    self->status = g_subprocess_get_exit_status (self->subprocess);
  else
    self->status = -1;
  return TRUE;
}

static void
capture_finish (Capture *capture)
{
  g_thread_join (capture->thread);
  g_clear_object (&capture->stream);
  g_string_free (capture->text, TRUE);
}

void
confab_dbus_test_proc_free (ConfabDBusTestProc *self)
{
  if (self == NULL)
    return;

  if (!self->reaped)
    {
      g_subprocess_force_exit (self->subprocess);
      if (!try_reap (self, 5000))
        g_test_message ("%s did not die on SIGKILL", self->name);
    }

  /* The pipes end with the process; cancel in case a grandchild still
   * holds them open. */
  g_cancellable_cancel (self->cancel);
  capture_finish (&self->out);
  capture_finish (&self->err);
  g_clear_object (&self->cancel);
  g_clear_object (&self->subprocess);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->name);
  g_free (self);
}

void
confab_dbus_test_proc_signal (ConfabDBusTestProc *self,
                              int                 signum)
{
  g_assert_false (self->reaped);
  g_subprocess_send_signal (self->subprocess, signum);
}

gsize
confab_dbus_test_proc_wait_output (ConfabDBusTestProc *self,
                                   gboolean            from_stderr,
                                   gsize               offset,
                                   const char         *needle,
                                   guint               timeout_ms)
{
  Capture *capture = from_stderr ? &self->err : &self->out;
  gint64   deadline = g_get_monotonic_time () +
                    (gint64) confab_dbus_test_scale_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  g_autofree char *text = NULL;
  gboolean         ended = FALSE;
  gsize            found = 0;

  g_mutex_lock (&self->lock);
  for (;;)
    {
      const char *p;

      if (offset <= capture->text->len &&
          (p = strstr (capture->text->str + offset, needle)) != NULL)
        {
          found = p - capture->text->str + strlen (needle);
          break;
        }
      if (capture->ended)
        {
          ended = TRUE;
          break;
        }
      if (!g_cond_wait_until (&self->cond, &self->lock, deadline) &&
          g_get_monotonic_time () >= deadline)
        break;
    }
  text = g_strdup (capture->text->str);
  g_mutex_unlock (&self->lock);

  if (found == 0)
    fail (G_STRLOC, "%s %s before printing “%s” on %s; it printed:\n%s",
          self->name, ended ? "closed its output" : "timed out", needle,
          from_stderr ? "stderr" : "stdout", text);
  return found;
}

int
confab_dbus_test_proc_wait (ConfabDBusTestProc *self,
                            guint               timeout_ms)
{
  gint64 deadline;

  if (!try_reap (self, confab_dbus_test_scale_ms (timeout_ms)))
    {
      g_subprocess_force_exit (self->subprocess);
      try_reap (self, 5000);
      fail (G_STRLOC, "%s did not exit within %u ms", self->name, timeout_ms);
    }

  /* Exited: its output ends as soon as the readers have drained it. */
  deadline = g_get_monotonic_time () + 5 * G_TIME_SPAN_SECOND;
  g_mutex_lock (&self->lock);
  while (!(self->out.ended && self->err.ended))
    if (!g_cond_wait_until (&self->cond, &self->lock, deadline))
      break;
  g_mutex_unlock (&self->lock);

  return self->status;
}

static char *
dup_capture (ConfabDBusTestProc *self,
             Capture            *capture)
{
  char *copy;

  g_mutex_lock (&self->lock);
  copy = g_strndup (capture->text->str, capture->text->len);
  g_mutex_unlock (&self->lock);
  return copy;
}

char *
confab_dbus_test_proc_dup_stdout (ConfabDBusTestProc *self)
{
  return dup_capture (self, &self->out);
}

char *
confab_dbus_test_proc_dup_stderr (ConfabDBusTestProc *self)
{
  return dup_capture (self, &self->err);
}

int
confab_dbus_test_run (const char * const *argv,
                      const char * const *env,
                      guint               timeout_ms,
                      char              **out,
                      char              **err)
{
  return confab_dbus_test_run_with_input (argv, env, NULL, -1, timeout_ms, out, err);
}

/* A pipe holding @input, its write end closed: the program reads @input
 * and then the end of its input. */
static int
input_pipe (const char *input,
            gssize      length)
{
  g_autoptr(GError) error = NULL;
  int   fds[2];
  gsize left = length >= 0 ? (gsize) length : strlen (input);

  /* The whole input goes in before the program starts: it must fit. */
  g_assert_cmpuint (left, <=, 65536);
  g_unix_open_pipe (fds, FD_CLOEXEC, &error);
  g_assert_no_error (error);
  while (left > 0)
    {
      gssize n = write (fds[1], input, left);

      if (n < 0 && errno == EINTR)
        continue;
      g_assert_cmpint (n, >, 0);
      input += n;
      left -= n;
    }
  close (fds[1]);
  return fds[0];
}

int
confab_dbus_test_run_with_input (const char * const *argv,
                                 const char * const *env,
                                 const char         *input,
                                 gssize              input_length,
                                 guint               timeout_ms,
                                 char              **out,
                                 char              **err)
{
  int stdin_fd = input != NULL ? input_pipe (input, input_length) : -1;
  g_autoptr(ConfabDBusTestProc) proc = confab_dbus_test_proc_spawn_full (argv, env, stdin_fd,
                                                                          CONFAB_DBUS_TEST_PROC_NONE);
  g_autofree char *command = g_strjoinv (" ", (char **) argv);
  g_autofree char *text_out = NULL;
  g_autofree char *text_err = NULL;
  int              status = confab_dbus_test_proc_wait (proc, timeout_ms);

  text_out = confab_dbus_test_proc_dup_stdout (proc);
  text_err = confab_dbus_test_proc_dup_stderr (proc);
  g_test_message ("$ %s  → exit %d\nstdout:\n%s\nstderr:\n%s", command, status, text_out, text_err);

  if (out != NULL)
    {
      g_free (*out);
      *out = g_steal_pointer (&text_out);
    }
  if (err != NULL)
    {
      g_free (*err);
      *err = g_steal_pointer (&text_err);
    }
  return status;
}

/* ---- a private bus -------------------------------------------------- */

struct _ConfabDBusTestBus
{
  char               *dir;      /* (owned): config file and socket */
  char               *address;  /* (owned) */
  const char         *env_name; /* DBUS_SESSION_BUS_ADDRESS or DBUS_SYSTEM_BUS_ADDRESS */
  ConfabDBusTestProc *daemon;   /* (owned) (nullable): NULL once stopped */
};

/* What GTestDBus writes, with the socket in our own directory. */
static const char bus_config[] =
  "<busconfig>\n"
  "  <type>session</type>\n"
  "  <listen>unix:dir=%s</listen>\n"
  "  <policy context=\"default\">\n"
  "    <allow send_destination=\"*\" eavesdrop=\"true\"/>\n"
  "    <allow eavesdrop=\"true\"/>\n"
  "    <allow own=\"*\"/>\n"
  "  </policy>\n"
  "</busconfig>\n";

/* The policy of Debian 12's /usr/share/dbus-1/system.conf (dbus 1.14),
 * without what needs a real system: no <user>, <fork>, pid file, syslog,
 * service helper or the machine's system.d. %s: the socket's directory,
 * then the caller's extra configuration. */
static const char system_bus_config[] =
  "<!DOCTYPE busconfig PUBLIC \"-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN\"\n"
  " \"http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd\">\n"
  "<busconfig>\n"
  "  <type>system</type>\n"
  "  <auth>EXTERNAL</auth>\n"
  "  <listen>unix:path=%s/system_bus_socket</listen>\n"
  "  <policy context=\"default\">\n"
  "    <allow user=\"*\"/>\n"
  "    <deny own=\"*\"/>\n"
  "    <deny send_type=\"method_call\"/>\n"
  "    <allow send_type=\"signal\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"method_return\"/>\n"
  "    <allow send_requested_reply=\"true\" send_type=\"error\"/>\n"
  "    <allow receive_type=\"method_call\"/>\n"
  "    <allow receive_type=\"method_return\"/>\n"
  "    <allow receive_type=\"error\"/>\n"
  "    <allow receive_type=\"signal\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\"\n"
  "           send_interface=\"org.freedesktop.DBus.Introspectable\"/>\n"
  "    <allow send_destination=\"org.freedesktop.DBus\"\n"
  "           send_interface=\"org.freedesktop.DBus.Properties\"/>\n"
  "    <deny send_destination=\"org.freedesktop.DBus\" send_interface=\"org.freedesktop.DBus\"\n"
  "          send_member=\"UpdateActivationEnvironment\"/>\n"
  "    <deny send_destination=\"org.freedesktop.DBus\"\n"
  "          send_interface=\"org.freedesktop.DBus.Debug.Stats\"/>\n"
  "    <deny send_destination=\"org.freedesktop.DBus\"\n"
  "          send_interface=\"org.freedesktop.systemd1.Activator\"/>\n"
  "  </policy>\n"
  "  <policy user=\"root\">\n"
  "    <allow send_destination=\"org.freedesktop.DBus\"\n"
  "           send_interface=\"org.freedesktop.DBus.Monitoring\"/>\n"
  "  </policy>\n"
  "%s\n"
  "</busconfig>\n";

/* A bus object with its directory, not started yet. */
static ConfabDBusTestBus *
bus_new (const char *env_name,
         int         dir_mode)
{
  g_autoptr(GError) error = NULL;
  ConfabDBusTestBus *self = g_new0 (ConfabDBusTestBus, 1);

  self->env_name = env_name;
  self->dir = g_dir_make_tmp ("confab-test-bus-XXXXXX", &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (self->dir, dir_mode), ==, 0);
  return self;
}

/* Writes @config, starts dbus-daemon on it and waits for its address. */
static ConfabDBusTestBus *
bus_start (ConfabDBusTestBus *self,
           const char        *config)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *config_path = g_build_filename (self->dir, "bus.conf", NULL);
  g_autofree char *config_arg = g_strdup_printf ("--config-file=%s", config_path);
  g_autofree char *out = NULL;
  const char      *argv[] = { "dbus-daemon", config_arg, "--nofork", "--print-address=1", NULL };
  gsize            end;

  g_file_set_contents (config_path, config, -1, &error);
  g_assert_no_error (error);

  self->daemon = confab_dbus_test_proc_spawn (argv, NULL);
  end = confab_dbus_test_proc_wait_output (self->daemon, FALSE, 0, "\n", 10000);
  out = confab_dbus_test_proc_dup_stdout (self->daemon);
  self->address = g_strndup (out, end - 1);

  g_unsetenv ("DISPLAY");
  g_unsetenv ("DBUS_STARTER_ADDRESS");
  g_unsetenv ("DBUS_STARTER_BUS_TYPE");
  g_setenv (self->env_name, self->address, TRUE);
  return self;
}

ConfabDBusTestBus *
confab_dbus_test_bus_up (void)
{
  ConfabDBusTestBus *self = bus_new ("DBUS_SESSION_BUS_ADDRESS", 0700);
  g_autofree char   *config = g_strdup_printf (bus_config, self->dir);

  return bus_start (self, config);
}

ConfabDBusTestBus *
confab_dbus_test_bus_up_system (const char *extra_config)
{
  /* 0755: unprivileged callers must reach the socket (dbus-daemon makes
   * the socket itself 0777). */
  ConfabDBusTestBus *self = bus_new ("DBUS_SYSTEM_BUS_ADDRESS", 0755);
  g_autofree char   *config = g_strdup_printf (system_bus_config, self->dir,
                                             extra_config != NULL ? extra_config : "");

  return bus_start (self, config);
}

const char *
confab_dbus_test_bus_get_address (ConfabDBusTestBus *self)
{
  return self->address;
}

void
confab_dbus_test_bus_pause (ConfabDBusTestBus *self)
{
  g_assert_nonnull (self->daemon);
  confab_dbus_test_proc_signal (self->daemon, SIGSTOP);
}

void
confab_dbus_test_bus_resume (ConfabDBusTestBus *self)
{
  g_assert_nonnull (self->daemon);
  confab_dbus_test_proc_signal (self->daemon, SIGCONT);
}

void
confab_dbus_test_bus_stop (ConfabDBusTestBus *self)
{
  if (self->daemon == NULL)
    return;

  /* A paused bus would keep SIGTERM pending. */
  confab_dbus_test_proc_signal (self->daemon, SIGCONT);
  confab_dbus_test_proc_signal (self->daemon, SIGTERM);
  confab_dbus_test_proc_wait (self->daemon, 10000);
  g_clear_pointer (&self->daemon, confab_dbus_test_proc_free);
}

void
confab_dbus_test_bus_free (ConfabDBusTestBus *self)
{
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (self == NULL)
    return;

  confab_dbus_test_bus_stop (self);
  g_unsetenv (self->env_name);

  /* The config file and any socket left behind. */
  dir = g_dir_open (self->dir, 0, NULL);
  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (self->dir, name, NULL);

      g_unlink (path);
    }
  g_rmdir (self->dir);

  g_free (self->address);
  g_free (self->dir);
  g_free (self);
}

/**
 * confab_dbus_test_call_manager:
 * @method: a method of org.confab.Confab1.Manager returning one a{sv}
 * @args: (nullable) (transfer floating): its arguments
 *
 * Returns: (transfer full): the a{sv}; fails the test on an error
 */
GVariant *
confab_dbus_test_call_manager (GDBusConnection *connection,
                               const char      *method,
                               GVariant        *args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;

  reply = g_dbus_connection_call_sync (connection, "org.confab.Confab1", "/org/confab/Confab1",
                                       "org.confab.Confab1.Manager", method, args, G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, confab_dbus_test_scale_ms (20000), NULL, &error);
  g_assert_no_error (error);
  return g_variant_get_child_value (reply, 0);
}

/* One counter of GetStatistics. */
guint64
confab_dbus_test_get_counter (GDBusConnection *connection,
                              const char      *key)
{
  g_autoptr(GVariant) stats = confab_dbus_test_call_manager (connection, "GetStatistics", NULL);
  guint64 value = 0;

  g_assert_true (g_variant_lookup (stats, key, "t", &value));
  return value;
}

/* A connection of the test's own to @bus (to watch names, call the
 * daemon); fails the test if it cannot connect. */
GDBusConnection *
confab_dbus_test_bus_connect (ConfabDBusTestBus *bus)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (confab_dbus_test_bus_get_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}
