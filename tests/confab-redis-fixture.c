/* confab-redis-fixture.c: a real, private redis-server for the tests.
 *
 * See confab-redis-fixture.h. The server is configured on its command
 * line alone, never by a config file, so that nothing of the machine's
 * /etc/redis applies; it is spawned like confab-test-util.c spawns
 * confabd; and it is spoken to in RESP2 written and parsed here, a few
 * dozen lines that need no client library.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <unistd.h>

#include <gio/gunixsocketaddress.h>

#include "confab-redis-fixture.h"

#define START_TIMEOUT_MS   5000
#define STOP_TIMEOUT_MS    5000
#define KILL_TIMEOUT_MS    5000
#define COMMAND_TIMEOUT_MS 10000
/* Each PING while waiting for the server to come up: a fresh server
 * answers in microseconds, so a slow one is only polled again. */
#define PING_TIMEOUT_MS 1000
#define PING_PAUSE_US   (10 * G_TIME_SPAN_MILLISECOND)
#define STATE_PAUSE_US  (1 * G_TIME_SPAN_MILLISECOND)
#define LOG_DUMP_MAX    (64 * 1024)
#define REPLY_MAX_DEPTH 32
#define REPLY_MAX_BULK  (512 * 1024 * 1024) /* Redis's own proto-max-bulk-len */
#define SOCKET_NAME     "redis.sock"
#define LOG_NAME        "redis.log"
#define PROGRAM_NAME    "redis-server"

struct _ConfabTestRedis
{
  char        *dir;         /* (owned): absolute */
  char        *socket_path; /* (owned) */
  char        *log_path;    /* (owned) */
  char        *program;     /* (owned) */
  GSubprocess *subprocess;  /* (owned) (nullable): NULL once reaped */
  GPid         pid;
};

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

/* The end of the server's log, line by line as the daemon helpers print
 * confabd's: why it did not come up or went away is usually there. */
static void
redis_print_log (ConfabTestRedis *self)
{
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  gsize len = 0;
  gsize start = 0;

  if (!g_file_get_contents (self->log_path, &contents, &len, NULL))
    {
      g_test_message ("---- no %s ----", self->log_path);
      return;
    }
  if (len > LOG_DUMP_MAX)
    start = len - LOG_DUMP_MAX;
  lines = g_strsplit (contents + start, "\n", -1);

  g_test_message ("---- %s%s ----", self->log_path, start > 0 ? ", last 64 KiB" : "");
  for (gsize i = 0; lines[i] != NULL; i++)
    if (lines[i + 1] != NULL || *lines[i] != '\0')
      g_test_message ("redis-server: %s", lines[i]);
  g_test_message ("---- end of %s ----", self->log_path);
}

/* The command as a C string, for messages: arguments may hold any byte. */
static char *
describe_command (const char * const *argv)
{
  g_autoptr(GString) text = g_string_new (NULL);

  for (gsize i = 0; argv[i] != NULL; i++)
    {
      g_autofree char *escaped = g_strescape (argv[i], NULL);

      g_string_append_printf (text, "%s\"%s\"", i > 0 ? " " : "", escaped);
    }
  return g_string_free (g_steal_pointer (&text), FALSE);
}

/* ------------------------------------------------------------------ */
/* RESP2                                                               */
/* ------------------------------------------------------------------ */

typedef enum
{
  REPLY_DONE,
  REPLY_INCOMPLETE,
  REPLY_BAD,
} ReplyStatus;

/* The "\r\n" ending the line that starts at @start, if it arrived. */
static gboolean
find_crlf (const guint8 *data,
           gsize         len,
           gsize         start,
           gsize        *end)
{
  for (gsize i = start; i + 1 < len; i++)
    if (data[i] == '\r' && data[i + 1] == '\n')
      {
        *end = i;
        return TRUE;
      }
  return FALSE;
}

/*
 * parse_reply:
 * @pos: (inout): where the value starts; on REPLY_DONE, just past it
 * @out: the rendering is appended here (nothing for a nil)
 * @nil: (out): set for a nil bulk string or array
 * @redis_error: (inout): the text of the first error reply met, if any:
 *   the value is still parsed to its end
 *
 * Parses one RESP2 value from what was received so far; parsing starts
 * over from the beginning when more arrives, which is cheap at the sizes
 * tests use and keeps this free of state.
 */
static ReplyStatus
parse_reply (const guint8 *data,
             gsize         len,
             gsize        *pos,
             guint         depth,
             GString      *out,
             gboolean     *nil,
             char        **redis_error,
             GError      **error)
{
  g_autofree char *line = NULL;
  gsize            line_end;
  gint64           n;
  char             type;
  gsize            p;

  *nil = FALSE;
  if (*pos >= len || !find_crlf (data, len, *pos + 1, &line_end))
    return REPLY_INCOMPLETE;
  type = data[*pos];
  line = g_strndup ((const char *) data + *pos + 1, line_end - *pos - 1);
  p = line_end + 2;

  switch (type)
    {
    case '+':
      g_string_append (out, line);
      break;

    case '-':
      if (*redis_error == NULL)
        *redis_error = g_steal_pointer (&line);
      break;

    case ':':
      if (!g_ascii_string_to_signed (line, 10, G_MININT64, G_MAXINT64, &n, error))
        return REPLY_BAD;
      g_string_append_printf (out, "%" G_GINT64_FORMAT, n);
      break;

    case '$':
      if (!g_ascii_string_to_signed (line, 10, -1, REPLY_MAX_BULK, &n, error))
        return REPLY_BAD;
      if (n < 0)
        {
          *nil = TRUE;
          break;
        }
      if (len - p < (gsize) n + 2)
        return REPLY_INCOMPLETE;
      if (data[p + n] != '\r' || data[p + n + 1] != '\n')
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "A bulk string of %" G_GINT64_FORMAT " bytes does not end in CRLF", n);
          return REPLY_BAD;
        }
      g_string_append_len (out, (const char *) data + p, n);
      p += n + 2;
      break;

    case '*':
      if (depth >= REPLY_MAX_DEPTH)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       "Arrays nested deeper than %d", REPLY_MAX_DEPTH);
          return REPLY_BAD;
        }
      if (!g_ascii_string_to_signed (line, 10, -1, G_MAXINT32, &n, error))
        return REPLY_BAD;
      if (n < 0)
        *nil = TRUE;
      for (gint64 i = 0; i < n; i++)
        {
          ReplyStatus status;
          gboolean    element_nil;

          if (i > 0)
            g_string_append_c (out, '\n');
          status = parse_reply (data, len, &p, depth + 1, out, &element_nil,
                                redis_error, error);
          if (status != REPLY_DONE)
            return status;
        }
      break;

    default:
      {
        g_autofree char *start = g_strndup ((const char *) data + *pos, MIN (len - *pos, 40));
        g_autofree char *escaped = g_strescape (start, NULL);

        g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                     "Not a RESP2 reply: “%s”", escaped);
        return REPLY_BAD;
      }
    }

  *pos = p;
  return REPLY_DONE;
}

/* A RESP array of bulk strings: how any client sends a command, and the
 * only form in which arguments may hold spaces, quotes or line ends. */
static GString *
encode_command (const char * const *argv)
{
  GString *request = g_string_new (NULL);
  guint    argc = g_strv_length ((char **) argv);

  g_string_append_printf (request, "*%u\r\n", argc);
  for (guint i = 0; i < argc; i++)
    {
      g_string_append_printf (request, "$%" G_GSIZE_FORMAT "\r\n", strlen (argv[i]));
      g_string_append (request, argv[i]);
      g_string_append (request, "\r\n");
    }
  return request;
}

/*
 * wait_socket:
 * @what: for the message: "redis-server did not WHAT within N ms"
 *
 * Waits until @socket is ready for @condition, or @deadline passes (then
 * G_IO_ERROR_TIMED_OUT). poll() counts in milliseconds and GSocket rounds
 * down, so a wait may end a little early: only the deadline decides.
 */
static gboolean
wait_socket (GSocket     *socket,
             GIOCondition condition,
             gint64       deadline,
             guint        timeout_ms,
             const char  *what,
             GError     **error)
{
  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      gint64 remaining = deadline - g_get_monotonic_time ();

      if (remaining <= 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
                       "redis-server did not %s within %u ms", what, timeout_ms);
          return FALSE;
        }
      if (g_socket_condition_timed_wait (socket, condition,
                                         remaining + G_TIME_SPAN_MILLISECOND - 1,
                                         NULL, &local_error))
        return TRUE;
      if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
    }
}

char *
confab_test_redis_command_timeout (ConfabTestRedis    *self,
                                   const char * const *argv,
                                   guint               timeout_ms,
                                   GError            **error)
{
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GString) request = NULL;
  g_autoptr(GByteArray) received = g_byte_array_new ();
  gsize sent = 0;

  g_return_val_if_fail (argv != NULL && argv[0] != NULL, NULL);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  /* A Unix socket's connect() completes at once, or fails at once when
   * the server is gone (ECONNREFUSED) or its backlog is full (EAGAIN):
   * it needs no bound of its own. Sending and receiving are bounded by
   * waiting for the socket against the deadline, to the microsecond
   * (GSocket's own timeout counts whole seconds). */
  address = g_unix_socket_address_new (self->socket_path);
  if (!g_socket_connect (socket, address, NULL, error))
    return NULL;
  g_socket_set_blocking (socket, FALSE);

  request = encode_command (argv);
  while (sent < request->len)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n;

      if (!wait_socket (socket, G_IO_OUT, deadline, timeout_ms, "take the command", error))
        return NULL;
      n = g_socket_send (socket, request->str + sent, request->len - sent, NULL, &local_error);
      if (n >= 0)
        sent += n;
      else if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }

  for (;;)
    {
      g_autoptr(GError) local_error = NULL;
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char *redis_error = NULL;
      guint8           chunk[16384];
      gsize            pos = 0;
      ReplyStatus      status;
      gboolean         nil;
      gssize           n;

      status = parse_reply (received->data, received->len, &pos, 0, out, &nil,
                            &redis_error, error);
      if (status == REPLY_BAD)
        return NULL;
      if (status == REPLY_DONE && redis_error != NULL)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, redis_error);
          return NULL;
        }
      if (status == REPLY_DONE)
        return nil ? NULL : g_string_free (g_steal_pointer (&out), FALSE);

      if (!wait_socket (socket, G_IO_IN, deadline, timeout_ms, "reply", error))
        return NULL;
      n = g_socket_receive (socket, (char *) chunk, sizeof chunk, NULL, &local_error);
      if (n > 0)
        g_byte_array_append (received, chunk, n);
      else if (n == 0)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_CONNECTION_CLOSED,
                       "redis-server closed the connection after %u bytes of a reply",
                       received->len);
          return NULL;
        }
      else if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return NULL;
        }
    }
}

char *
confab_test_redis_command_at (ConfabTestRedis    *self,
                              const char * const *argv,
                              const char         *strloc)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *command = NULL;
  char            *reply;

  reply = confab_test_redis_command_timeout (self, argv,
                                             confab_test_timeout_ms (COMMAND_TIMEOUT_MS),
                                             &error);
  if (error == NULL)
    return reply;

  command = describe_command (argv);
  /* An error reply is the command's fault; anything else the server's,
   * whose log then tells more. */
  if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED))
    redis_print_log (self);
  confab_test_fail_at (strloc, G_STRFUNC, "redis-server: %s: %s", command, error->message);
}

/* ------------------------------------------------------------------ */
/* The process                                                         */
/* ------------------------------------------------------------------ */

/* $CONFAB_TEST_REDIS_SERVER, else redis-server in $PATH, or NULL. */
static char *
find_program (void)
{
  const char *env = g_getenv (CONFAB_TEST_ENV_REDIS_SERVER);

  if (env != NULL && *env != '\0')
    return g_file_test (env, G_FILE_TEST_IS_EXECUTABLE) ? g_strdup (env) : NULL;
  return g_find_program_in_path (PROGRAM_NAME);
}

gboolean
confab_test_redis_check_available (void)
{
  g_autofree char *program = find_program ();

  if (program != NULL)
    return TRUE;
  g_test_skip (PROGRAM_NAME " is not installed (tools/install-deps installs it, "
                            "or set $" CONFAB_TEST_ENV_REDIS_SERVER ")");
  return FALSE;
}

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void
child_setup (gpointer user_data)
{
  pid_t parent = GPOINTER_TO_INT (user_data);

  /* Die with the test, even when a failed assertion aborts it. */
  prctl (PR_SET_PDEATHSIG, SIGKILL);
  /* If the test died before the prctl(), nothing would ever kill this
   * server: it would keep its socket in a removed directory forever. */
  if (getppid () != parent)
    _exit (127);
}

/* "exited with status 0", "was killed by signal 9 (Killed)" */
static char *
describe_exit (GSubprocess *subprocess)
{
  if (g_subprocess_get_if_exited (subprocess))
    return g_strdup_printf ("exited with status %d", g_subprocess_get_exit_status (subprocess));
  if (g_subprocess_get_if_signaled (subprocess))
    return g_strdup_printf ("was killed by signal %d (%s)", g_subprocess_get_term_sig (subprocess),
                            g_strsignal (g_subprocess_get_term_sig (subprocess)));
  return g_strdup ("ended");
}

/*
 * redis_reap:
 * @timeout_ms: how long it may take to exit (unscaled)
 *
 * Waits for the server to exit; after @timeout_ms kills it (SIGKILL) and
 * waits for that. The wait runs on a main context of its own, so that no
 * source of the test's is dispatched from inside a fixture call.
 *
 * Returns: (transfer full): how it ended, for messages; *killed tells
 *   whether it had to be killed
 */
static char *
redis_reap (ConfabTestRedis *self,
            guint            timeout_ms,
            gboolean        *killed)
{
  g_autoptr(GMainContext) context = g_main_context_new ();
  char *how;

  g_main_context_push_thread_default (context);
  *killed = !confab_test_subprocess_reap (self->subprocess, timeout_ms, context, "redis-server");
  g_main_context_pop_thread_default (context);

  how = describe_exit (self->subprocess);
  g_clear_object (&self->subprocess);
  self->pid = 0;
  return how;
}

static void
assert_running (ConfabTestRedis *self,
                const char      *func)
{
  if (self->subprocess == NULL)
    confab_test_fail ("%s: redis-server on %s is not running", func, self->socket_path);
}

static void
redis_spawn (ConfabTestRedis *self)
{
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GError) error = NULL;
  int                log_fd;
  const char * const argv[] = {
    self->program,
    /* No TCP at all: nothing to collide with the machine's Redis or with
     * tests running side by side. Protected mode only refuses TCP
     * clients from other hosts; a Unix socket is always let in. */
    "--port", "0",
    "--unixsocket", self->socket_path,
    "--unixsocketperm", "700",
    /* No RDB snapshots, no AOF: every start is empty, and nothing is
     * written but the log. The working directory is the test's anyway,
     * should a SAVE or a crash report write there. */
    "--save", "",
    "--appendonly", "no",
    "--dir", self->dir,
    "--logfile", self->log_path,
    /* In the foreground, so that its PID is the one spawned here. */
    "--daemonize", "no",
    NULL
  };

  /* Early errors (a refused argument) go to stderr before the log file
   * is opened: both end up in the one file, appending, so a restart
   * keeps the earlier runs' lines too. */
  log_fd = open (self->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0)
    confab_test_fail ("Cannot open %s: %s", self->log_path, g_strerror (errno));

  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_take_stdout_fd (launcher, log_fd);
  g_subprocess_launcher_set_cwd (launcher, self->dir);
  /* Not under systemd, whatever the environment running the tests says. */
  g_subprocess_launcher_unsetenv (launcher, "NOTIFY_SOCKET");
  g_subprocess_launcher_set_child_setup (launcher, child_setup,
                                         GINT_TO_POINTER (getpid ()), NULL);

  self->subprocess = g_subprocess_launcher_spawnv (launcher, argv, &error);
  if (self->subprocess == NULL)
    confab_test_fail ("Cannot spawn %s: %s", self->program, error->message);
  self->pid = confab_test_subprocess_get_pid (self->subprocess);
}

/* Polls PING until PONG, bounded; fails the test if the server exits or
 * does not answer in time. */
static void
redis_wait_ready (ConfabTestRedis *self)
{
  const char * const ping[] = { "PING", NULL };
  guint              timeout_ms = confab_test_timeout_ms (START_TIMEOUT_MS);
  gint64             deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;
  g_autofree char   *last_error = NULL;

  for (;;)
    {
      g_autoptr(GError) error = NULL;
      g_autofree char *reply = NULL;
      gint64           remaining = deadline - g_get_monotonic_time ();

      /* GLib's worker thread reaps a child that exits, so a server that
       * refused its configuration shows as a PID gone. */
      if (confab_test_subprocess_get_pid (self->subprocess) == 0)
        {
          gboolean         killed;
          g_autofree char *how = redis_reap (self, KILL_TIMEOUT_MS, &killed);

          redis_print_log (self);
          confab_test_fail ("redis-server %s before answering PING on %s", how, self->socket_path);
        }
      if (remaining <= 0)
        {
          redis_print_log (self);
          confab_test_fail ("redis-server (pid %d) did not answer PING on %s within %u ms; last: %s",
                            (int) self->pid, self->socket_path, timeout_ms,
                            last_error != NULL ? last_error : "(nothing)");
        }

      reply = confab_test_redis_command_timeout (self, ping,
                                                 MIN (remaining / G_TIME_SPAN_MILLISECOND + 1,
                                                      PING_TIMEOUT_MS),
                                                 &error);
      if (g_strcmp0 (reply, "PONG") == 0)
        return;

      /* Not listening yet (no socket file, or the previous run's: the
       * server unlinks it before binding anew), or still loading. */
      g_free (last_error);
      last_error = error != NULL ? g_strdup (error->message)
                                 : g_strdup_printf ("reply “%s”", reply != NULL ? reply : "(nil)");
      g_usleep (PING_PAUSE_US);
    }
}

ConfabTestRedis *
confab_test_redis_start (const char *dir)
{
  ConfabTestRedis *self;
  g_autofree char *program = find_program ();

  if (program == NULL)
    confab_test_fail (PROGRAM_NAME " not found in $PATH (tools/install-deps installs it; "
                                   "or set $" CONFAB_TEST_ENV_REDIS_SERVER "); call "
                                   "confab_test_redis_check_available() first to skip instead");

  self = g_new0 (ConfabTestRedis, 1);
  self->program = g_steal_pointer (&program);
  /* Absolute: the server changes into --dir before it opens anything. */
  self->dir = g_canonicalize_filename (dir, NULL);
  self->socket_path = g_build_filename (self->dir, SOCKET_NAME, NULL);
  self->log_path = g_build_filename (self->dir, LOG_NAME, NULL);

  /* Redis would cut a longer path short and listen somewhere else. */
  if (strlen (self->socket_path) >= G_SIZEOF_MEMBER (struct sockaddr_un, sun_path))
    confab_test_fail ("The socket path %s is %" G_GSIZE_FORMAT " bytes long; a Unix "
                      "socket's holds at most %" G_GSIZE_FORMAT,
                      self->socket_path, strlen (self->socket_path),
                      G_SIZEOF_MEMBER (struct sockaddr_un, sun_path) - 1);

  redis_spawn (self);
  redis_wait_ready (self);
  return self;
}

void
confab_test_redis_stop (ConfabTestRedis *self)
{
  g_autofree char *how = NULL;
  guint            timeout_ms = confab_test_timeout_ms (STOP_TIMEOUT_MS);
  gboolean         killed;

  if (self->subprocess == NULL)
    return;

  /* To this process only (GSubprocess knows its PID, and sends nothing
   * once it was reaped, so a reused PID is never hit); SIGCONT after
   * SIGTERM, so that a paused server gets to handle it. */
  g_subprocess_send_signal (self->subprocess, SIGTERM);
  g_subprocess_send_signal (self->subprocess, SIGCONT);
  how = redis_reap (self, timeout_ms, &killed);
  /* Reported, not failed: stop() also runs from free() in a test's
   * cleanup, and the next start is empty either way. */
  if (killed)
    g_test_message ("redis-server did not exit within %u ms of SIGTERM; killed it", timeout_ms);
  else if (strcmp (how, "exited with status 0") != 0)
    g_test_message ("redis-server %s on SIGTERM", how);
}

void
confab_test_redis_kill (ConfabTestRedis *self)
{
  gboolean killed;

  assert_running (self, G_STRFUNC);
  g_subprocess_force_exit (self->subprocess);
  g_free (redis_reap (self, KILL_TIMEOUT_MS, &killed));
}

void
confab_test_redis_restart (ConfabTestRedis *self)
{
  confab_test_redis_stop (self);
  redis_spawn (self);
  redis_wait_ready (self);
}

/* The state letter of /proc/PID/stat ('T' when stopped), or 0. */
static char
proc_state (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *contents = NULL;
  const char      *after_comm;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return 0;
  /* "PID (COMM) STATE ...": COMM may hold anything, so after its last ')' */
  after_comm = strrchr (contents, ')');
  return after_comm != NULL && after_comm[1] == ' ' ? after_comm[2] : 0;
}

void
confab_test_redis_pause (ConfabTestRedis *self)
{
  guint  timeout_ms = confab_test_timeout_ms (KILL_TIMEOUT_MS);
  gint64 deadline = g_get_monotonic_time () + timeout_ms * G_TIME_SPAN_MILLISECOND;

  assert_running (self, G_STRFUNC);
  g_subprocess_send_signal (self->subprocess, SIGSTOP);
  /* kill() returns before the server has stopped: a server busy on
   * another CPU could still answer a command sent right after. */
  while (proc_state (self->pid) != 'T')
    {
      if (g_get_monotonic_time () >= deadline)
        confab_test_fail ("redis-server (pid %d) not stopped %u ms after SIGSTOP",
                          (int) self->pid, timeout_ms);
      g_usleep (STATE_PAUSE_US);
    }
}

void
confab_test_redis_resume (ConfabTestRedis *self)
{
  assert_running (self, G_STRFUNC);
  g_subprocess_send_signal (self->subprocess, SIGCONT);
}

void
confab_test_redis_free (ConfabTestRedis *self)
{
  if (self == NULL)
    return;
  confab_test_redis_stop (self);
  if (g_getenv (CONFAB_TEST_ENV_SHOW_LOG) != NULL)
    redis_print_log (self);
  g_free (self->dir);
  g_free (self->socket_path);
  g_free (self->log_path);
  g_free (self->program);
  g_free (self);
}

/* ------------------------------------------------------------------ */
/* Accessors                                                           */
/* ------------------------------------------------------------------ */

const char *
confab_test_redis_get_socket (ConfabTestRedis *self)
{
  return self->socket_path;
}

char *
confab_test_redis_dup_address (ConfabTestRedis *self)
{
  return g_strconcat ("unix:", self->socket_path, NULL);
}

const char *
confab_test_redis_get_log_path (ConfabTestRedis *self)
{
  return self->log_path;
}

char *
confab_test_redis_dup_log (ConfabTestRedis *self)
{
  char *contents = NULL;

  if (!g_file_get_contents (self->log_path, &contents, NULL, NULL))
    return g_strdup ("");
  return contents;
}

GPid
confab_test_redis_get_pid (ConfabTestRedis *self)
{
  assert_running (self, G_STRFUNC);
  return self->pid;
}

gboolean
confab_test_redis_is_running (ConfabTestRedis *self)
{
  return self->subprocess != NULL;
}
