/* confab-dbus-test-util.h: helpers for the D-Bus tests.
 *
 *  - bounded waits on the default main context, for in-process tests
 *    whose service and client share one loop (a synchronous call would
 *    deadlock there: nobody would dispatch the service's handler);
 *  - ConfabDBusTestProc: a program (confabctl, gdbus, busctl) run with
 *    its output captured, either to completion or kept running (monitor)
 *    while the test waits for its lines;
 *  - ConfabDBusTestBus: a private dbus-daemon;
 *  - waiting for a name to appear on or leave a bus.
 *
 * Every wait is bounded; timeouts are scaled by CONFAB_TEST_TIMEOUT_SCALE
 * as in confab-test-util.h. A timeout fails the test.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

guint confab_dbus_test_scale_ms (guint base_ms);

/* Called on a failed wait before the test aborts; the end-to-end tests
 * route it to confab_test_fail_at() so the daemon's log is printed. A
 * hook may not return. */
typedef void (*ConfabDBusTestFailFunc) (const char *strloc,
                                        const char *message);
void confab_dbus_test_set_fail_func (ConfabDBusTestFailFunc func);

/* A GAsyncReadyCallback storing a ref on the result in *(GAsyncResult **) user_data. */
void confab_dbus_test_store_result_cb (GObject      *source,
                                       GAsyncResult *result,
                                       gpointer      user_data);

/* Waits (bounded) for confab_dbus_test_store_result_cb to fill @slot and
 * returns the result, transfer full. */
#define confab_dbus_test_await(slot) \
  confab_dbus_test_await_at ((slot), G_STRLOC)
GAsyncResult *confab_dbus_test_await_at (GAsyncResult **slot,
                                         const char    *strloc);

/**
 * confab_dbus_test_wait_name:
 * @connection: a connection to the bus, used synchronously
 * @owned: wait for the name to have an owner (TRUE) or none (FALSE)
 *
 * Polls NameHasOwner until it answers @owned; fails on timeout.
 */
void confab_dbus_test_wait_name (GDBusConnection *connection,
                                 const char      *name,
                                 gboolean         owned,
                                 guint            timeout_ms);

gboolean confab_dbus_test_name_has_owner (GDBusConnection *connection,
                                          const char      *name);

/* ---- a private bus ------------------------------------------------ */

/*
 * ConfabDBusTestBus:
 *
 * A private dbus-daemon with an allow-everything session configuration,
 * as GTestDBus starts, but one that dies with the test: GLib 2.74's
 * GTestDBus leaks the write end of its watcher's pipe into the
 * dbus-daemon it spawns, so after a failed assertion neither exits and
 * the test harness waits on their copies of its stdout until its own
 * timeout. This one is spawned with PR_SET_PDEATHSIG.
 */
typedef struct _ConfabDBusTestBus ConfabDBusTestBus;

/* Starts the bus and points DBUS_SESSION_BUS_ADDRESS at it (unsetting
 * DBUS_STARTER_ADDRESS, DBUS_STARTER_BUS_TYPE and DISPLAY, as
 * g_test_dbus_up() does). */
ConfabDBusTestBus *confab_dbus_test_bus_up (void);
const char        *confab_dbus_test_bus_get_address (ConfabDBusTestBus *self);
GDBusConnection   *confab_dbus_test_bus_connect (ConfabDBusTestBus *bus);
/**
 * confab_dbus_test_bus_up_system:
 * @extra_config: (nullable): more configuration, inserted last in the
 *   <busconfig>: <include> of a policy file, further <policy> blocks
 *
 * Starts a dbus-daemon configured as Debian's system bus: <type>system</type>,
 * EXTERNAL authentication only, a unix:path socket in a directory every
 * user may reach, and the default policy of /usr/share/dbus-1/system.conf
 * (any user may connect; nobody may own a name or call a method unless a
 * policy file opens it). GTestDBus cannot do this: it writes an
 * allow-everything configuration. Points DBUS_SYSTEM_BUS_ADDRESS at it
 * (and unsets DBUS_STARTER_ADDRESS and DBUS_STARTER_BUS_TYPE). Fails
 * the test if dbus-daemon refuses the configuration.
 */
ConfabDBusTestBus *confab_dbus_test_bus_up_system (const char *extra_config);
/* Freezes the dbus-daemon (SIGSTOP): the bus stays connected but reads
 * nothing, as a swamped or hung bus would; resume with SIGCONT. */
void confab_dbus_test_bus_pause (ConfabDBusTestBus *self);
void confab_dbus_test_bus_resume (ConfabDBusTestBus *self);
/* Stops the dbus-daemon (SIGTERM, bounded wait): the bus goes away. */
void confab_dbus_test_bus_stop (ConfabDBusTestBus *self);
/* Stops it if needed, unsets the address variable it set, removes its files. */
void confab_dbus_test_bus_free (ConfabDBusTestBus *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabDBusTestBus, confab_dbus_test_bus_free)

/* ---- processes ---------------------------------------------------- */

typedef struct _ConfabDBusTestProc ConfabDBusTestProc;

/**
 * confab_dbus_test_proc_spawn:
 * @argv: the program and its arguments
 * @env: (nullable): "NAME=VALUE" strings set on top of the test's
 *   environment ("NAME" alone unsets it)
 *
 * Starts @argv with stdin from /dev/null and stdout and stderr captured
 * separately; it dies with the test if the test aborts.
 */
ConfabDBusTestProc *confab_dbus_test_proc_spawn (const char * const *argv,
                                                 const char * const *env);

typedef enum
{
  CONFAB_DBUS_TEST_PROC_NONE = 0,
  /* setsid(): no controlling terminal, so /dev/tty cannot be opened */
  CONFAB_DBUS_TEST_PROC_NEW_SESSION = 1 << 0,
  /* a new session whose controlling terminal is stdin, a terminal: it
   * is /dev/tty, and its Ctrl+C signals the program */
  CONFAB_DBUS_TEST_PROC_CONTROLLING_TERMINAL = 1 << 1,
} ConfabDBusTestProcFlags;

/**
 * confab_dbus_test_proc_spawn_full:
 * @stdin_fd: the program's stdin, taken (closed here once spawned), or
 *   -1 for /dev/null
 *
 * As confab_dbus_test_proc_spawn(), with a chosen stdin: a pipe, or a
 * pseudo-terminal to type into.
 */
ConfabDBusTestProc *confab_dbus_test_proc_spawn_full (const char * const     *argv,
                                                      const char * const     *env,
                                                      int                     stdin_fd,
                                                      ConfabDBusTestProcFlags flags);

/* Kills the process (SIGKILL) if still running, reaps it and frees. */
void confab_dbus_test_proc_free (ConfabDBusTestProc *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabDBusTestProc, confab_dbus_test_proc_free)

void confab_dbus_test_proc_signal (ConfabDBusTestProc *self,
                                   int                 signum);

/**
 * confab_dbus_test_proc_wait_output:
 * @from_stderr: search stderr instead of stdout
 * @offset: search from this byte on
 * @needle: what to wait for
 *
 * Returns: the offset just past the match; fails the test on timeout or
 *   if the stream ends first.
 */
gsize confab_dbus_test_proc_wait_output (ConfabDBusTestProc *self,
                                         gboolean            from_stderr,
                                         gsize               offset,
                                         const char         *needle,
                                         guint               timeout_ms);

/**
 * confab_dbus_test_proc_wait:
 *
 * Waits for the process to exit (SIGKILL and test failure on timeout)
 * and for its output to end.
 *
 * Returns: its exit status; -1 if a signal killed it
 */
int confab_dbus_test_proc_wait (ConfabDBusTestProc *self,
                                guint               timeout_ms);

/* Copies of what it printed so far. */
char *confab_dbus_test_proc_dup_stdout (ConfabDBusTestProc *self);
char *confab_dbus_test_proc_dup_stderr (ConfabDBusTestProc *self);

/**
 * confab_dbus_test_run:
 * @out: (inout) (optional): what it printed on stdout; a string already
 *   there (or %NULL) is freed first, so one variable serves many runs
 * @err: (inout) (optional): the same for stderr
 *
 * Runs @argv to completion (bounded by @timeout_ms) and logs its output
 * with g_test_message.
 *
 * Returns: its exit status, -1 if a signal killed it
 */
int confab_dbus_test_run (const char * const *argv,
                          const char * const *env,
                          guint               timeout_ms,
                          char              **out,
                          char              **err);

/**
 * confab_dbus_test_run_with_input:
 * @input: (nullable): what the program reads on stdin, then the end of
 *   it (at most 64 KiB); %NULL for /dev/null
 * @input_length: its length in bytes, or -1 if NUL-terminated
 *
 * As confab_dbus_test_run(), with @input on stdin.
 */
int confab_dbus_test_run_with_input (const char * const *argv,
                                     const char * const *env,
                                     const char         *input,
                                     gssize              input_length,
                                     guint               timeout_ms,
                                     char              **out,
                                     char              **err);

GVariant *confab_dbus_test_call_manager (GDBusConnection *connection,
                                         const char      *method,
                                         GVariant        *args);
guint64   confab_dbus_test_get_counter (GDBusConnection *connection,
                                        const char      *key);

G_END_DECLS
