/* test-dbus-policy.c: who may call what on the system bus.
 *
 * A private dbus-daemon configured like Debian's system bus includes the
 * project's policy file (data/org.confab.Confab1.conf); the real confabd
 * serves on it with "--bus system" as root, and gdbus calls it twice over:
 * as root, and as the unprivileged uid 65534 through setpriv. Then again
 * on a lax bus whose mandatory policy lets everyone send everything, to
 * show that confabd's own check still keeps Broadcast and Kick shut.
 *
 * Needs root (to own the name under the policy and to switch to another
 * uid) and setpriv; skipped without them, which CI counts as a failure.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"

/* The contract (SPEC §1, §4), spelled out rather than taken from the
 * daemon's headers. */
#define BUS_NAME    "org.confab.Confab1"
#define OBJECT_PATH "/org/confab/Confab1"
#define INTERFACE   "org.confab.Confab1.Manager"

#define BUS_ACCESS_DENIED    "GDBus.Error:org.freedesktop.DBus.Error.AccessDenied:"
#define CONFAB_ACCESS_DENIED "GDBus.Error:org.confab.Confab1.Error.AccessDenied:"

#define NOBODY "65534"

#define WAIT_MS 20000
#define RUN_MS  30000

/* A bus on which everyone may send everything: the mandatory context is
 * applied last, so it overrides the policy file's denials. */
static const char lax_policy[] =
  "  <policy context=\"mandatory\">\n"
  "    <allow send_destination=\"*\"/>\n"
  "  </policy>\n";

typedef struct
{
  gboolean lax;
} BusKind;

static const BusKind strict_bus = { FALSE };
static const BusKind lax_bus = { TRUE };

typedef enum
{
  AS_ROOT,
  AS_NOBODY,
} Caller;

typedef struct
{
  gboolean           ready; /* FALSE: skipped */
  ConfabDBusTestBus *bus;
  GDBusConnection   *connection; /* (owned): root's, to watch the name */
  ConfabTestTmpDir  *tmp;
  char              *config_path; /* (owned): an empty confab.conf */
  ConfabTestDaemon  *daemon;
  guint16            port;
  ConfabTestClient  *alice; /* (owned): a chat peer to broadcast to and kick */
} Fixture;

G_NORETURN
static void
fail_hook (const char *strloc,
           const char *message)
{
  confab_test_fail_at (strloc, "wait", "%s", message);
}

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  const BusKind     *kind = data;
  const char * const empty[] = { NULL };
  const char * const args[] = { "--bus", "system", NULL };
  g_autofree char   *setpriv = g_find_program_in_path ("setpriv");
  g_autofree char   *policy_path = NULL;
  g_autofree char   *policy_real = NULL;
  g_autofree char   *extra = NULL;

  if (getuid () != 0)
    {
      g_test_skip ("needs root: to own " BUS_NAME " under the policy and to call as uid " NOBODY);
      return;
    }
  if (setpriv == NULL)
    {
      g_test_skip ("setpriv (util-linux) is not installed");
      return;
    }

  confab_dbus_test_set_fail_func (fail_hook);

  policy_path = g_test_build_filename (G_TEST_DIST, "..", "data", "org.confab.Confab1.conf", NULL);
  policy_real = g_canonicalize_filename (policy_path, NULL);
  g_assert_true (g_file_test (policy_real, G_FILE_TEST_IS_REGULAR));
  extra = g_strdup_printf ("  <include>%s</include>\n%s", policy_real,
                           kind->lax ? lax_policy : "");
  fx->bus = confab_dbus_test_bus_up_system (extra);
  g_test_message ("system-like bus at %s%s", confab_dbus_test_bus_get_address (fx->bus),
                  kind->lax ? ", lax policy" : "");

  fx->connection = confab_dbus_test_bus_connect (fx->bus);

  fx->tmp = confab_test_tmp_dir_new ();
  fx->config_path = g_build_filename (fx->tmp->path, "confab.conf", NULL);
  confab_test_write_config (fx->config_path, empty);

  /* DBUS_SYSTEM_BUS_ADDRESS, set by the bus, is inherited. */
  fx->daemon = confab_test_daemon_start (fx->config_path, args, 0);
  fx->port = confab_test_daemon_get_port (fx->daemon);
  confab_dbus_test_wait_name (fx->connection, BUS_NAME, TRUE, WAIT_MS);

  fx->alice = confab_test_client_new_login (fx->port, "alice");
  fx->ready = TRUE;
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->alice, confab_test_client_free);
  /* A refused call must leave the daemon healthy: it still stops cleanly. */
  if (fx->daemon != NULL)
    confab_test_daemon_stop (fx->daemon);
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  if (fx->connection != NULL)
    g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  g_clear_object (&fx->connection);
  g_clear_pointer (&fx->bus, confab_dbus_test_bus_free);
  g_clear_pointer (&fx->config_path, g_free);
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

/*
 * run_program_as:
 * @who: root, or uid/gid 65534 with no supplementary groups
 * @out: (inout): stdout, replaced
 * @err: (inout): stderr, replaced
 * @args: the program's arguments, NULL-terminated
 *
 * Returns: the program's exit status
 */
static int
run_program_as (Caller      who,
                const char *program,
                char      **out,
                char      **err,
                va_list     args)
{
  /* gdbus is not under test: a warning of its own must not abort it. */
  const char * const env[] = { "G_DEBUG", NULL };
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  const char *arg;

  if (who == AS_NOBODY)
    {
      g_ptr_array_add (argv, (char *) "setpriv");
      g_ptr_array_add (argv, (char *) "--reuid=" NOBODY);
      g_ptr_array_add (argv, (char *) "--regid=" NOBODY);
      g_ptr_array_add (argv, (char *) "--clear-groups");
    }
  g_ptr_array_add (argv, (char *) program);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  g_ptr_array_add (argv, NULL);

  return confab_dbus_test_run ((const char * const *) argv->pdata, env, RUN_MS, out, err);
}

/* Runs gdbus with the NULL-terminated arguments as @who. */
G_GNUC_NULL_TERMINATED
static int
run_as (Caller who,
        char **out,
        char **err,
        ...)
{
  va_list args;
  int     status;

  va_start (args, err);
  status = run_program_as (who, "gdbus", out, err, args);
  va_end (args);
  return status;
}

/* Runs the confabctl under test with the NULL-terminated arguments as @who. */
G_GNUC_NULL_TERMINATED
static int
confabctl_as (Caller who,
              char **out,
              char **err,
              ...)
{
  g_autofree char *confabctl = confab_test_program_path ("confabctl");
  va_list          args;
  int              status;

  va_start (args, err);
  status = run_program_as (who, confabctl, out, err, args);
  va_end (args);
  return status;
}

/* gdbus call --system on the Manager; @method is INTERFACE-relative or,
 * with a dot, absolute. */
#define call_manager(who, out, err, method, ...) \
  run_as ((who), (out), (err), "call", "--system", "--dest", BUS_NAME, \
          "--object-path", OBJECT_PATH, "--method", (method), __VA_ARGS__)

static void
assert_contains (const char *text,
                 const char *needle)
{
  if (strstr (text, needle) == NULL)
    confab_test_fail ("“%s” does not contain “%s”", text, needle);
}

/* ---- what anyone may do ------------------------------------------------- */

static void
check_read_only (Caller who)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (run_as (who, &out, &err, "introspect", "--system", "--dest", BUS_NAME,
                           "--object-path", OBJECT_PATH, NULL),
                   ==, 0);
  assert_contains (out, "interface " INTERFACE " {");
  assert_contains (out, "Broadcast(");

  g_assert_cmpint (call_manager (who, &out, &err, INTERFACE ".ListPeers", NULL), ==, 0);
  assert_contains (out, "('alice', '127.0.0.1:");

  g_assert_cmpint (call_manager (who, &out, &err, INTERFACE ".GetPeer", "alice", NULL), ==, 0);
  assert_contains (out, "'protocol': <'text'>");

  g_assert_cmpint (call_manager (who, &out, &err, INTERFACE ".GetStatistics", NULL), ==, 0);
  assert_contains (out, "'peers': <uint32 1>");

  g_assert_cmpint (call_manager (who, &out, &err, "org.freedesktop.DBus.Properties.Get",
                                 INTERFACE, "PeerCount", NULL),
                   ==, 0);
  g_assert_cmpstr (out, ==, "(<uint32 1>,)\n");

  g_assert_cmpint (call_manager (who, &out, &err, "org.freedesktop.DBus.Properties.GetAll",
                                 INTERFACE, NULL),
                   ==, 0);
  assert_contains (out, "'Version': <'" PACKAGE_VERSION "'>");
}

static void
test_read_only (Fixture      *fx,
                gconstpointer data)
{
  g_test_summary ("Introspection, properties, ListPeers, GetPeer and GetStatistics "
                  "are open to root and to an unprivileged user");

  if (!fx->ready)
    return;

  check_read_only (AS_ROOT);
  check_read_only (AS_NOBODY);
}

/* ---- root --------------------------------------------------------------- */

static void
test_root_broadcast (Fixture      *fx,
                     gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("root may Broadcast: the peers receive it");

  if (!fx->ready)
    return;

  g_assert_cmpint (call_manager (AS_ROOT, &out, &err, INTERFACE ".Broadcast", "hello all", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "(uint32 1,)\n");
  confab_test_client_expect_line (fx->alice, "from @server: hello all");
}

static void
test_root_kick (Fixture      *fx,
                gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("root may Kick: the peer is told why and closed");

  if (!fx->ready)
    return;

  g_assert_cmpint (call_manager (AS_ROOT, &out, &err, INTERFACE ".Kick", "alice", "bye", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "()\n");
  confab_test_client_expect_line (fx->alice, "error: kicked: bye");
  confab_test_client_expect_eof (fx->alice);
}

/* ---- an unprivileged user ----------------------------------------------- */

/* Proves that nothing reached alice since the last check: the next line
 * she reads is root's broadcast. */
static void
assert_alice_untouched (Fixture *fx)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_assert_cmpint (call_manager (AS_ROOT, &out, &err, INTERFACE ".Broadcast", "still here", NULL), ==, 0);
  confab_test_client_expect_line (fx->alice, "from @server: still here");
}

static void
test_nobody_broadcast_denied (Fixture      *fx,
                              gconstpointer data)
{
  const BusKind   *kind = data;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *log = NULL;

  g_test_summary ("An unprivileged Broadcast is refused: by the bus policy, or on a "
                  "lax bus by confabd itself; no peer receives it");

  if (!fx->ready)
    return;

  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".Broadcast", "spam", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  log = confab_test_daemon_dup_log (fx->daemon);
  if (!kind->lax)
    {
      assert_contains (err, BUS_ACCESS_DENIED);
      g_assert_null (strstr (log, "Refused"));
    }
  else
    {
      assert_contains (err, CONFAB_ACCESS_DENIED " Only root and members of the group "
                                                 "confab-admin may call Broadcast (the caller is uid " NOBODY ")");
      assert_contains (log, "Refused Broadcast from");
    }

  assert_alice_untouched (fx);
}

static void
test_nobody_kick_denied (Fixture      *fx,
                         gconstpointer data)
{
  const BusKind   *kind = data;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("An unprivileged Kick is refused (by the bus, or on a lax bus by "
                  "confabd) and the peer stays connected");

  if (!fx->ready)
    return;

  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".Kick", "alice", "out", NULL), ==, 1);
  assert_contains (err, kind->lax ? CONFAB_ACCESS_DENIED : BUS_ACCESS_DENIED);
  if (kind->lax)
    assert_contains (err, "may call Kick");

  /* Refused before the name is looked up: no probing for who is online. */
  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".Kick", "ghost", "", NULL), ==, 1);
  assert_contains (err, kind->lax ? CONFAB_ACCESS_DENIED : BUS_ACCESS_DENIED);

  assert_alice_untouched (fx);
  confab_test_client_sync (fx->alice, "alice");
  g_assert_cmpint (call_manager (AS_ROOT, &out, &err, INTERFACE ".ListPeers", NULL), ==, 0);
  assert_contains (out, "('alice', ");
}

static void
test_rooms (Fixture      *fx,
            gconstpointer data)
{
  const BusKind   *kind = data;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("The room methods and objects are open to anyone to read; BroadcastRoom "
                  "and GetRoomHistory are root's (the bus policy, or on a lax bus confabd refuses "
                  "them)");

  if (!fx->ready)
    return;

  confab_test_client_send_line (fx->alice, "/join #tea");
  confab_test_client_expect_line (fx->alice, "join #tea: alice");
  confab_test_client_expect_line (fx->alice, "members #tea: alice");

  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".ListRooms", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "([('#tea', uint32 1)],)\n");
  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".GetRoom", "#tea", NULL), ==, 0);
  assert_contains (out, "'members': <['alice']>");
  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, "org.freedesktop.DBus.ObjectManager.GetManagedObjects",
                                 NULL),
                   ==, 0);
  assert_contains (out, "/org/confab/Confab1/rooms/tea");

  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".BroadcastRoom", "#tea", "spam", NULL), ==, 1);
  assert_contains (err, kind->lax ? CONFAB_ACCESS_DENIED : BUS_ACCESS_DENIED);
  g_assert_cmpint (call_manager (AS_ROOT, &out, &err, INTERFACE ".BroadcastRoom", "#tea", "tea time", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "(uint32 1,)\n");
  confab_test_client_expect_line (fx->alice, "from @server in #tea: tea time");

  /* What was said in a room is the administrators' too. */
  g_assert_cmpint (call_manager (AS_NOBODY, &out, &err, INTERFACE ".GetRoomHistory", "#tea", "5", NULL), ==, 1);
  assert_contains (err, kind->lax ? CONFAB_ACCESS_DENIED : BUS_ACCESS_DENIED);
  g_assert_cmpint (call_manager (AS_ROOT, &out, &err, INTERFACE ".GetRoomHistory", "#tea", "5", NULL), ==, 1);
  assert_contains (err, "org.confab.Confab1.Error.HistoryUnavailable");
}

static void
test_nobody_confabctl (Fixture      *fx,
                       gconstpointer data)
{
  const BusKind   *kind = data;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("confabctl run by an unprivileged user: the bus's refusal in "
                  "plain words, or confabd's own; the read-only stats work");

  if (!fx->ready)
    return;

  g_assert_cmpint (confabctl_as (AS_NOBODY, &out, &err, "--system", "broadcast", "spam", NULL), ==, 1);
  if (!kind->lax)
    {
      g_assert_cmpstr (err, ==, "confabctl: the system bus does not let you make this call "
                                "(broadcast and kick need root or the group confab-admin)\n");
    }
  else
    {
      g_assert_cmpstr (err, ==, "confabctl: Only root and members of the group confab-admin "
                                "may call Broadcast (the caller is uid " NOBODY ")\n");
    }

  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (confabctl_as (AS_NOBODY, &out, &err, "--system", "peers", NULL), ==, 0);
  assert_contains (out, "alice");

  assert_alice_untouched (fx);
}

static void
test_nobody_own_denied (Fixture      *fx,
                        gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("An unprivileged user may not own " BUS_NAME);

  if (!fx->ready)
    return;

  /* Flag 4: DO_NOT_QUEUE; the policy is checked before the current owner. */
  g_assert_cmpint (run_as (AS_NOBODY, &out, &err, "call", "--system",
                           "--dest", "org.freedesktop.DBus", "--object-path", "/org/freedesktop/DBus",
                           "--method", "org.freedesktop.DBus.RequestName", BUS_NAME, "4", NULL),
                   ==, 1);
  assert_contains (err, BUS_ACCESS_DENIED);
}

/* A system bus without confab's policy (as before systemd-sysusers and a
 * reload: dbus-daemon dropped the rules naming the unknown user): the
 * daemon chats on and says what to do. */
static void
test_policy_missing (void)
{
  g_autoptr(ConfabDBusTestBus) bus = NULL;
  g_autoptr(ConfabTestTmpDir) tmp = NULL;
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autofree char   *config_path = NULL;
  const char * const empty[] = { NULL };
  const char * const args[] = { "--bus", "system", NULL };

  g_test_summary ("Without the policy, the refusal to own the name names the likely cause");

  confab_dbus_test_set_fail_func (fail_hook);
  bus = confab_dbus_test_bus_up_system (NULL);
  tmp = confab_test_tmp_dir_new ();
  config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  confab_test_write_config (config_path, empty);

  daemon = confab_test_daemon_start (config_path, args, 0);
  confab_test_daemon_wait_for_log (daemon, 0, "Cannot own the name " BUS_NAME " on the system bus",
                                   WAIT_MS);
  confab_test_daemon_wait_for_log (daemon, 0, "systemd-sysusers, then run", WAIT_MS);
  confab_test_daemon_wait_for_log (daemon, 0, "systemctl reload dbus", WAIT_MS);
  confab_test_daemon_stop (daemon);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, kind, func) \
  g_test_add ("/dbus-policy/" path, Fixture, &(kind), fixture_setup, func, fixture_teardown)

  ADD ("read-only", strict_bus, test_read_only);
  ADD ("root/broadcast", strict_bus, test_root_broadcast);
  ADD ("root/kick", strict_bus, test_root_kick);
  ADD ("nobody/broadcast-denied", strict_bus, test_nobody_broadcast_denied);
  ADD ("nobody/kick-denied", strict_bus, test_nobody_kick_denied);
  ADD ("nobody/own-denied", strict_bus, test_nobody_own_denied);
  ADD ("nobody/confabctl", strict_bus, test_nobody_confabctl);
  ADD ("rooms", strict_bus, test_rooms);

  ADD ("lax/read-only", lax_bus, test_read_only);
  ADD ("lax/root/broadcast", lax_bus, test_root_broadcast);
  ADD ("lax/root/kick", lax_bus, test_root_kick);
  ADD ("lax/nobody/broadcast-denied", lax_bus, test_nobody_broadcast_denied);
  ADD ("lax/nobody/kick-denied", lax_bus, test_nobody_kick_denied);
  ADD ("lax/nobody/confabctl", lax_bus, test_nobody_confabctl);
  ADD ("lax/rooms", lax_bus, test_rooms);

#undef ADD

  g_test_add_func ("/dbus-policy/policy-missing", test_policy_missing);

  return g_test_run ();
}
