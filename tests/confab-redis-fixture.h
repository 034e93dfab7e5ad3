/* confab-redis-fixture.h: a real, private redis-server for confab's
 * end-to-end tests of clustering (SPEC §14).
 *
 * Each ConfabTestRedis is a redis-server of its own, listening only on a
 * Unix socket in the test's temporary directory: no TCP port that other
 * tests or the machine's own Redis could collide with, no persistence,
 * so that every start (and restart) is empty, and PR_SET_PDEATHSIG so
 * that it dies with the test even when a failed assertion aborts it.
 *
 * Tests talk to it with confab_test_redis_command(), which speaks RESP
 * itself over a fresh connection per command; nothing here links
 * hiredis, so the fixture checks the server independently of whatever
 * client code it tests.
 *
 * Everything is bounded in time (confab_test_timeout_ms()), and failures
 * abort the test like g_assert() does, quoting the end of the server's
 * log (DIR/redis.log).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-test-util.h"

G_BEGIN_DECLS

/* The redis-server to run, if not the one in $PATH. */
#define CONFAB_TEST_ENV_REDIS_SERVER "CONFAB_TEST_REDIS_SERVER"

typedef struct _ConfabTestRedis ConfabTestRedis;

/**
 * confab_test_redis_check_available:
 *
 * Returns: TRUE if a redis-server can be run; otherwise skips the test
 *   (g_test_skip()) and returns FALSE. Call it first, like the tests
 *   needing certtool or weechat do: the server is an outside program.
 */
gboolean confab_test_redis_check_available (void);

/**
 * confab_test_redis_start:
 * @dir: an existing directory, usually a confab_test_tmp_dir_new()'s
 *
 * Runs redis-server in the foreground, listening only on DIR/redis.sock
 * (mode 0700, no TCP port), without persistence (save "", appendonly
 * no), with DIR as its working directory and its log (and anything it
 * prints) appended to DIR/redis.log. Waits, at most
 * confab_test_timeout_ms(5000), until it answers PING. Spawn it from
 * the test's main thread: PR_SET_PDEATHSIG fires when the spawning
 * thread ends.
 *
 * Fails the test if the socket path does not fit a sockaddr_un, the
 * server cannot be spawned, exits, or does not answer in time.
 */
ConfabTestRedis *confab_test_redis_start (const char *dir);

/* Stops the server if it runs (confab_test_redis_stop()), frees. */
void confab_test_redis_free (ConfabTestRedis *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabTestRedis, confab_test_redis_free)

/* The path of its Unix socket, the same across restarts. */
const char *confab_test_redis_get_socket (ConfabTestRedis *self);
/* Returns: (transfer full): "unix:PATH", as confabd's [cluster] redis=
 *   takes it */
char *confab_test_redis_dup_address (ConfabTestRedis *self);
/* The path of its log, DIR/redis.log: every run appends to it. */
const char *confab_test_redis_get_log_path (ConfabTestRedis *self);
/* Returns: (transfer full): the log so far */
char *confab_test_redis_dup_log (ConfabTestRedis *self);

/* The PID of the running server; fails the test if it is not running
 * (after stop or kill, before restart). */
GPid confab_test_redis_get_pid (ConfabTestRedis *self);
/* TRUE between a start (or restart) and a stop or kill. */
gboolean confab_test_redis_is_running (ConfabTestRedis *self);

/**
 * confab_test_redis_stop:
 *
 * SIGTERM to the server (SIGCONT too, in case it is paused), then reaps
 * it; if it has not exited within confab_test_timeout_ms(5000), SIGKILL.
 * Does nothing if it does not run.
 */
void confab_test_redis_stop (ConfabTestRedis *self);

/* SIGKILL and reap: a crash, as a client sees it (the socket file stays,
 * and connecting to it is refused). Fails the test if it does not run. */
void confab_test_redis_kill (ConfabTestRedis *self);

/**
 * confab_test_redis_restart:
 *
 * Stops the server if it still runs, then starts a new one on the same
 * socket and log and waits for PING as confab_test_redis_start() does.
 * Without persistence it comes back empty, as after a crash.
 */
void confab_test_redis_restart (ConfabTestRedis *self);

/* SIGSTOP: the server keeps its socket and accepts connections (the
 * kernel does), but answers nothing: a hung server, for timeouts. */
void confab_test_redis_pause (ConfabTestRedis *self);
/* SIGCONT: it answers again, including what was sent while paused. */
void confab_test_redis_resume (ConfabTestRedis *self);

/**
 * confab_test_redis_command_timeout:
 * @argv: NULL-terminated command and arguments, each sent as a RESP bulk
 *   string (so spaces, quotes, "\r\n" and any byte but NUL pass as is)
 * @timeout_ms: bound for connecting, sending and the whole reply (not
 *   scaled: a test asserting that no reply comes wants its own bound)
 * @error: G_IO_ERROR_TIMED_OUT if the reply did not come in time; the
 *   socket's error (G_IO_ERROR_CONNECTION_REFUSED, G_IO_ERROR_NOT_FOUND,
 *   ...) if the server cannot be reached or closed the connection;
 *   G_IO_ERROR_FAILED with the server's text ("ERR ...", "WRONGTYPE ...")
 *   for an error reply; G_IO_ERROR_INVALID_DATA for a reply that is not
 *   RESP2
 *
 * Sends one command over a fresh connection and renders its reply as
 * text: a simple or bulk string as is, an integer in decimal, an array as
 * its elements (rendered the same way, nested arrays flattened) joined by
 * "\n", a nil element of an array as the empty string.
 *
 * Returns: (transfer full) (nullable): the reply; NULL for a nil reply
 *   (with @error unset) or on failure (with @error set)
 */
char *confab_test_redis_command_timeout (ConfabTestRedis    *self,
                                         const char * const *argv,
                                         guint               timeout_ms,
                                         GError            **error);

/**
 * confab_test_redis_command:
 *
 * confab_test_redis_command_timeout() with confab_test_timeout_ms(10000),
 * failing the test on any error, an error reply included.
 *
 * Returns: (transfer full) (nullable): the reply, NULL for nil
 */
#define confab_test_redis_command(r, argv) \
  confab_test_redis_command_at ((r), (argv), G_STRLOC)
char *confab_test_redis_command_at (ConfabTestRedis    *self,
                                    const char * const *argv,
                                    const char         *strloc);

G_END_DECLS
