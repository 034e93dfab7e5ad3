/* confab-test-util.h: helpers for confab's end-to-end tests.
 *
 * Three small tools, each bounded in time so that no test can hang:
 *
 *  - ConfabTestTmpDir: a temporary directory removed by g_autoptr, and
 *    confab_test_write_config() to put a GKeyFile config into it;
 *  - ConfabTestDaemon: the real confabd, spawned on 127.0.0.1:0 with its
 *    log captured, so tests can wait for log lines, signal it and check
 *    its exit status;
 *  - ConfabTestClient: a blocking TCP client with a receive timeout that
 *    speaks the text protocol line by line.
 *
 * Failures inside the helpers abort the test like g_assert() does, report
 * the caller's source location and print the log of every daemon still
 * alive, which is usually where the reason is.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Environment variables the helpers read. */
#define CONFAB_TEST_ENV_CONFABD       "CONFABD"
#define CONFAB_TEST_ENV_WRAPPER       "CONFAB_TEST_WRAPPER"
#define CONFAB_TEST_ENV_TIMEOUT_SCALE "CONFAB_TEST_TIMEOUT_SCALE"
#define CONFAB_TEST_ENV_SHOW_LOG      "CONFAB_TEST_SHOW_LOG"
/* Given to the spawned daemon as NOTIFY_SOCKET (otherwise unset). */
#define CONFAB_TEST_ENV_NOTIFY_SOCKET "CONFAB_TEST_NOTIFY_SOCKET"

/* The log line the daemon prints for each address it accepts on. */
#define CONFAB_TEST_LISTENING_TEXT "Listening on "

/* ------------------------------------------------------------------ */
/* Failures and time                                                   */
/* ------------------------------------------------------------------ */

/**
 * confab_test_fail:
 *
 * Fails the running test with a printf-style message (like a failed
 * g_assert()), after printing the log of every live ConfabTestDaemon.
 * Does not return.
 */
#define confab_test_fail(...) \
  confab_test_fail_at (G_STRLOC, G_STRFUNC, __VA_ARGS__)

G_NORETURN
void confab_test_fail_at (const char *strloc,
                          const char *func,
                          const char *format,
                          ...) G_GNUC_PRINTF (3, 4);

/**
 * confab_test_timeout_ms:
 * @base_ms: a timeout that is generous on a normal build
 *
 * Returns: @base_ms scaled for slow runs: ×CONFAB_TEST_TIMEOUT_SCALE if
 *   set, else ×5 when the daemon runs under CONFAB_TEST_WRAPPER
 *   (valgrind is that much slower).
 */
guint confab_test_timeout_ms (guint base_ms);

/* ------------------------------------------------------------------ */
/* Temporary directory and config file                                 */
/* ------------------------------------------------------------------ */

typedef struct
{
  char *path; /* (owned): the directory, created empty */
} ConfabTestTmpDir;

ConfabTestTmpDir *confab_test_tmp_dir_new (void);
void              confab_test_tmp_dir_free (ConfabTestTmpDir *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabTestTmpDir, confab_test_tmp_dir_free)

/**
 * confab_test_write_config:
 * @path: file to (over)write atomically
 * @kv: (nullable): NULL-terminated list of alternating keys and values;
 *   a key "group.key" goes to [group], a plain key to [limits]
 *
 * Writes a GKeyFile config; an empty list gives an empty file (all
 * defaults). Fails the test if the file cannot be written.
 */
void confab_test_write_config (const char         *path,
                               const char * const *kv);

/* ------------------------------------------------------------------ */
/* The daemon                                                          */
/* ------------------------------------------------------------------ */

typedef struct _ConfabTestDaemon ConfabTestDaemon;

/**
 * confab_test_daemon_spawn:
 * @args: NULL-terminated arguments after the program name
 * @nofile: if non-zero, RLIMIT_NOFILE (soft and hard) of the child
 *
 * Spawns $CONFABD (prefixed by the words of $CONFAB_TEST_WRAPPER) with
 * stdout and stderr merged into one captured log, G_DEBUG=fatal-criticals
 * in its environment, and PR_SET_PDEATHSIG so that it dies with the test
 * even if the test aborts. Does not wait for anything.
 */
ConfabTestDaemon *confab_test_daemon_spawn (const char * const *args,
                                            guint               nofile);

/**
 * confab_test_daemon_start:
 * @config_path: passed as --config
 * @extra_args: (nullable): more arguments
 * @nofile: as for confab_test_daemon_spawn()
 *
 * Runs `confabd --listen 127.0.0.1:0 --bus none --config FILE ...` and
 * waits until it logs "Listening on 127.0.0.1:PORT".
 */
ConfabTestDaemon *confab_test_daemon_start (const char         *config_path,
                                            const char * const *extra_args,
                                            guint               nofile);

/* Kills the daemon (SIGKILL) if it still runs, reaps it, frees. */
void confab_test_daemon_free (ConfabTestDaemon *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabTestDaemon, confab_test_daemon_free)

guint16 confab_test_daemon_get_port (ConfabTestDaemon *self);
guint16 confab_test_daemon_get_scheme_port (ConfabTestDaemon *self,
                                            const char       *scheme);
/* Not for a daemon that may have exited already (its PID is unknown if
 * it exited before confab_test_daemon_spawn() returned). */
GPid confab_test_daemon_get_pid (ConfabTestDaemon *self);

/* Returns: (transfer full): a copy of the log captured so far */
char *confab_test_daemon_dup_log (ConfabTestDaemon *self);
/* Returns: the length of the log so far, an offset for wait_for_log */
gsize confab_test_daemon_get_log_length (ConfabTestDaemon *self);

/**
 * confab_test_daemon_wait_for_log:
 * @offset: search only the log from this byte on
 * @needle: substring to wait for
 * @timeout_ms: bound (scaled by confab_test_timeout_ms() inside)
 *
 * Waits until @needle appears in the log after @offset; fails the test,
 * printing the log, on timeout or if the daemon's output ends first.
 *
 * Returns: the offset just past the match
 */
gsize confab_test_daemon_wait_for_log (ConfabTestDaemon *self,
                                       gsize             offset,
                                       const char       *needle,
                                       guint             timeout_ms);

void confab_test_daemon_send_signal (ConfabTestDaemon *self,
                                     int               signum);

/**
 * confab_test_daemon_wait_exit:
 * @timeout_ms: bound (scaled)
 *
 * Waits for the daemon to exit; on timeout sends SIGKILL, reaps it and
 * fails the test.
 */
void confab_test_daemon_wait_exit (ConfabTestDaemon *self,
                                   guint             timeout_ms);

/* TRUE once the daemon was reaped (by wait_exit or stop). */
gboolean confab_test_daemon_has_exited (ConfabTestDaemon *self);

/* After wait_exit: TRUE and the status if it exited normally; FALSE if a
 * signal killed it. */
gboolean confab_test_daemon_get_exit_status (ConfabTestDaemon *self,
                                             int              *status);

/**
 * confab_test_daemon_assert_exit_status:
 *
 * Asserts that the daemon exited normally with @expected (-1: any
 * non-zero status), printing its log otherwise.
 */
#define confab_test_daemon_assert_exit_status(d, expected) \
  confab_test_daemon_assert_exit_status_at ((d), (expected), G_STRLOC)
void confab_test_daemon_assert_exit_status_at (ConfabTestDaemon *self,
                                               int               expected,
                                               const char       *strloc);

/* SIGTERM, wait (20 s, scaled) and assert exit status 0. */
#define confab_test_daemon_stop(d) confab_test_daemon_stop_at ((d), G_STRLOC)
void confab_test_daemon_stop_at (ConfabTestDaemon *self,
                                 const char       *strloc);

/* ------------------------------------------------------------------ */
/* /proc                                                               */
/* ------------------------------------------------------------------ */

/* Returns: the process ID of @subprocess, or 0 once GLib's worker thread
 * has reaped it (a child refusing its command line can be that quick):
 * for messages only, never for kill(2). */
GPid confab_test_subprocess_get_pid (GSubprocess *subprocess);
/* Waits up to @timeout_ms for @subprocess to exit, then SIGKILLs it and
 * waits for that. Returns: TRUE if it exited on its own */
gboolean confab_test_subprocess_reap (GSubprocess  *subprocess,
                                      guint         timeout_ms,
                                      GMainContext *context,
                                      const char   *what);
/* Returns: user + system CPU time of @pid in seconds (from /proc/PID/stat) */
double confab_test_get_cpu_time (GPid pid);
/* Returns: the number of open file descriptors of @pid (/proc/PID/fd) */
guint confab_test_count_fds (GPid pid);
/* Returns: VmRSS of @pid in KiB, or 0 if unknown (/proc/PID/status) */
guint64 confab_test_get_rss_kib (GPid pid);
/* Returns: FALSE when the daemon's allocator is a memory checker's
 * (valgrind, AddressSanitizer), whose quarantines and shadow memory make
 * its RSS say nothing about what the daemon holds */
gboolean confab_test_rss_is_meaningful (void);

/* Returns: (transfer full): the path of @name, a program built beside
 * $CONFABD (confabctl, confab) */
char *confab_test_program_path (const char *name);

/* ------------------------------------------------------------------ */
/* The client                                                          */
/* ------------------------------------------------------------------ */

typedef struct _ConfabTestClient ConfabTestClient;

/**
 * confab_test_client_new_full:
 * @port: TCP port on 127.0.0.1
 * @timeout_ms: socket timeout for connect, send and receive (scaled)
 * @rcvbuf: if > 0, SO_RCVBUF set before connecting (a small receive
 *   window makes a non-reading client fill the server's queue fast)
 *
 * Returns: (transfer full) (nullable): the connected client, or NULL
 *   with @error set
 */
ConfabTestClient *confab_test_client_new_full (guint16  port,
                                               guint    timeout_ms,
                                               int      rcvbuf,
                                               GError **error);

/* Connects with a 10 s timeout; fails the test on error. */
ConfabTestClient *confab_test_client_new (guint16 port);

/* Wraps an already connected socket (self-tests). */
ConfabTestClient *confab_test_client_new_for_socket (GSocket *socket);

void confab_test_client_free (ConfabTestClient *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabTestClient, confab_test_client_free)

GSocket *confab_test_client_get_socket (ConfabTestClient *self);

/* Sends all of @data; returns FALSE with @error (e.g. the server closed
 * the connection) instead of failing. */
gboolean confab_test_client_try_send_raw (ConfabTestClient *self,
                                          const void       *data,
                                          gsize             len,
                                          GError          **error);

/* Sends all of @data / @line + "\n"; fails the test on error. */
#define confab_test_client_send_raw(c, data, len) \
  confab_test_client_send_raw_at ((c), (data), (len), G_STRLOC)
#define confab_test_client_send_line(c, line) \
  confab_test_client_send_line_at ((c), (line), G_STRLOC)
void confab_test_client_send_raw_at (ConfabTestClient *self,
                                     const void       *data,
                                     gsize             len,
                                     const char       *strloc);
void confab_test_client_send_line_at (ConfabTestClient *self,
                                      const char       *line,
                                      const char       *strloc);

/**
 * confab_test_client_try_read_line:
 * @timeout_ms: how long to wait for a complete line (not scaled; 0
 *   returns only what is already there)
 * @out_eof: (out) (optional): TRUE if the connection ended
 *
 * Returns: (transfer full) (nullable): the next line without its "\n",
 *   or NULL on timeout or end of stream. Bytes after the last "\n" at the
 *   end of the stream are kept, see confab_test_client_get_pending().
 */
char *confab_test_client_try_read_line (ConfabTestClient *self,
                                        guint             timeout_ms,
                                        gboolean         *out_eof);

/* The next line, or NULL at end of stream; fails the test on timeout. */
#define confab_test_client_read_line(c) \
  confab_test_client_read_line_at ((c), G_STRLOC)
char *confab_test_client_read_line_at (ConfabTestClient *self,
                                       const char       *strloc);

/* Reads the next line and asserts it equals @line exactly. */
#define confab_test_client_expect_line(c, line) \
  confab_test_client_expect_line_at ((c), (line), G_STRLOC)
void confab_test_client_expect_line_at (ConfabTestClient *self,
                                        const char       *line,
                                        const char       *strloc);

/* Reads the next line, asserts it starts with @prefix and returns it. */
#define confab_test_client_expect_prefix(c, prefix) \
  confab_test_client_expect_prefix_at ((c), (prefix), G_STRLOC)
char *confab_test_client_expect_prefix_at (ConfabTestClient *self,
                                           const char       *prefix,
                                           const char       *strloc);

/* Asserts that the server closed the connection (FIN) with no further
 * data, not even half a line. A reset fails: the kernel sends one when a
 * server closes with client bytes unread, and it can destroy the error
 * line the server just wrote, so a server refusing a client must drain
 * its input before closing. */
#define confab_test_client_expect_eof(c) \
  confab_test_client_expect_eof_at ((c), G_STRLOC)
void confab_test_client_expect_eof_at (ConfabTestClient *self,
                                       const char       *strloc);

/* Bytes received after the last "\n" (a half line), or NULL. */
const char *confab_test_client_get_pending (ConfabTestClient *self,
                                            gsize            *len);
/* TRUE once the stream ended; *reset tells whether by a reset. */
gboolean confab_test_client_is_eof (ConfabTestClient *self,
                                    gboolean         *reset);

/**
 * confab_test_client_sync:
 *
 * Round trip through the server: sends "NAME: __sync N" to oneself and
 * expects "from NAME: __sync N" as the very next line. Proves that the
 * connection is logged in as @name and that the server has handled every
 * line sent before.
 */
#define confab_test_client_sync(c, name) \
  confab_test_client_sync_at ((c), (name), G_STRLOC)
void confab_test_client_sync_at (ConfabTestClient *self,
                                 const char       *name,
                                 const char       *strloc);

/* Sends @name as the login line, then syncs. Fails the test on error. */
#define confab_test_client_login(c, name) \
  confab_test_client_login_at ((c), (name), G_STRLOC)
void confab_test_client_login_at (ConfabTestClient *self,
                                  const char       *name,
                                  const char       *strloc);

/**
 * confab_test_client_try_login:
 * @error_line: (out) (optional): the server's reply if it refused
 *
 * Like confab_test_client_login() but a refusal ("error: ..." line) is
 * returned as FALSE instead of failing.
 */
gboolean confab_test_client_try_login (ConfabTestClient *self,
                                       const char       *name,
                                       char            **error_line);

/* Connects and logs in; fails the test on any error. */
#define confab_test_client_new_login(port, name) \
  confab_test_client_new_login_at ((port), (name), G_STRLOC)
ConfabTestClient *confab_test_client_new_login_at (guint16     port,
                                                   const char *name,
                                                   const char *strloc);

/**
 * confab_test_login_retry:
 * @timeout_ms: bound for all attempts (scaled)
 *
 * Connects and logs in as @name, retrying (with short pauses) while the
 * server refuses, e.g. while it has not yet processed the disconnect of
 * the previous holder of @name. Fails the test with the last refusal
 * when @timeout_ms passes.
 */
#define confab_test_login_retry(port, name, timeout_ms) \
  confab_test_login_retry_at ((port), (name), (timeout_ms), 0, G_STRLOC)
/* The same with SO_RCVBUF as for confab_test_client_new_full(). */
#define confab_test_login_retry_rcvbuf(port, name, timeout_ms, rcvbuf) \
  confab_test_login_retry_at ((port), (name), (timeout_ms), (rcvbuf), G_STRLOC)
ConfabTestClient *confab_test_login_retry_at (guint16     port,
                                              const char *name,
                                              guint       timeout_ms,
                                              int         rcvbuf,
                                              const char *strloc);

/* Closes the connection normally (FIN). */
void confab_test_client_close (ConfabTestClient *self);
/* Closes with SO_LINGER 0, so the server sees a reset. */
void confab_test_client_reset (ConfabTestClient *self);

G_END_DECLS
