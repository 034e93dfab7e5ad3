/* test-confabctl.c: the D-Bus interface end to end, as administrators use it.
 *
 * The real confabd runs on 127.0.0.1:0 with "--bus session" pointed at a
 * private dbus-daemon (never the machine's), real chat clients connect
 * over TCP, and confabctl, gdbus and busctl are run as processes against
 * it. Also: the bus going away under the daemon, no session bus at all,
 * an unreachable system bus, the name already taken, and --bus none.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"

/* The contract (SPEC §1, §4), spelled out rather than taken from the
 * daemon's headers, so that a change there shows up here. */
#define BUS_NAME    "org.confab.Confab1"
#define OBJECT_PATH "/org/confab/Confab1"
#define INTERFACE   "org.confab.Confab1.Manager"

#define WAIT_MS 20000
#define RUN_MS  30000

typedef struct
{
  ConfabDBusTestBus *bus;
  ConfabTestTmpDir  *tmp;
  char              *config_path; /* (owned): an empty file, all defaults */
  GDBusConnection   *connection;  /* (owned): the test's own, to watch names */
  ConfabTestDaemon  *daemon;      /* (owned) (nullable) */
  guint16            port;
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
  const char * const empty[] = { NULL };

  confab_dbus_test_set_fail_func (fail_hook);
  fx->bus = confab_dbus_test_bus_up ();
  fx->connection = confab_dbus_test_bus_connect (fx->bus);

  fx->tmp = confab_test_tmp_dir_new ();
  fx->config_path = g_build_filename (fx->tmp->path, "confab.conf", NULL);
  confab_test_write_config (fx->config_path, empty);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  g_clear_object (&fx->connection);
  g_clear_pointer (&fx->bus, confab_dbus_test_bus_free);
  g_clear_pointer (&fx->config_path, g_free);
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

/* Starts confabd with @bus_choice ("session", "system", "none"). */
static void
start_daemon (Fixture    *fx,
              const char *bus_choice)
{
  const char * const args[] = { "--bus", bus_choice, NULL };

  fx->daemon = confab_test_daemon_start (fx->config_path, args, 0);
  fx->port = confab_test_daemon_get_port (fx->daemon);
}

/* The usual set-up: the daemon on the private session bus, name owned. */
static void
start_daemon_on_session_bus (Fixture *fx)
{
  start_daemon (fx, "session");
  confab_dbus_test_wait_name (fx->connection, BUS_NAME, TRUE, WAIT_MS);
}

static char *
confabctl_path (void)
{
  return confab_test_program_path ("confabctl");
}

/* Runs confabctl with the NULL-terminated arguments; returns its exit status. */
G_GNUC_NULL_TERMINATED
static int
confabctl (const char * const *env,
           char              **out,
           char              **err,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char *arg;
  va_list     args;

  g_ptr_array_add (argv, confabctl_path ());
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  return confab_dbus_test_run ((const char * const *) argv->pdata, env, RUN_MS, out, err);
}

/* Runs an administrator's tool; skips the test if it is not installed. */
static gboolean
find_tool (const char *name)
{
  g_autofree char *path = g_find_program_in_path (name);

  if (path == NULL)
    {
      g_autofree char *message = g_strdup_printf ("%s is not installed", name);

      g_test_skip (message);
      return FALSE;
    }
  return TRUE;
}

static JsonNode *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_node_copy (json_parser_get_root (parser));
}

static void
assert_matches (const char *text,
                const char *pattern)
{
  if (!g_regex_match_simple (pattern, text, G_REGEX_MULTILINE, 0))
    confab_test_fail ("“%s” does not match /%s/", text, pattern);
}

static ConfabTestClient *
login (Fixture    *fx,
       const char *name)
{
  return confab_test_client_new_login (fx->port, name);
}

/* ---- confabctl -------------------------------------------------------- */

static void
test_peers (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  gint64           started = g_get_real_time ();
  JsonArray       *array;

  g_test_summary ("confabctl peers: an aligned table, and JSON with name, address and "
                  "connected_since");

  start_daemon_on_session_bus (fx);
  g_assert_cmpint (confabctl (NULL, &out, &err, "peers", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "No peers are connected.\n");
  g_clear_pointer (&out, g_free);

  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_assert_cmpint (confabctl (NULL, &out, &err, "peers", NULL), ==, 0);
  g_assert_cmpstr (err, ==, "");
  assert_matches (out, "\\ANAME   ADDRESS +CONNECTED SINCE\n");
  assert_matches (out, "^alice  127\\.0\\.0\\.1:[0-9]+ +[0-9]{4}-[0-9]{2}-[0-9]{2} "
                       "[0-9]{2}:[0-9]{2}:[0-9]{2}[+-][0-9]{2}:[0-9]{2} "
                       "\\((just now|[0-9]+ s ago)\\)$");
  assert_matches (out, "^bob    127\\.0\\.0\\.1:[0-9]+ ");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", "peers", NULL), ==, 0);
  root = parse_json (out);
  array = json_node_get_array (root);
  g_assert_cmpuint (json_array_get_length (array), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      JsonObject *peer = json_array_get_object_element (array, i);
      gint64      since = json_object_get_int_member (peer, "connected_since");

      g_assert_cmpstr (json_object_get_string_member (peer, "name"), ==, i == 0 ? "alice" : "bob");
      g_assert_true (g_str_has_prefix (json_object_get_string_member (peer, "address"), "127.0.0.1:"));
      g_assert_cmpint (since, >=, started);
      g_assert_cmpint (since, <=, g_get_real_time ());
    }
}

static void
test_peer (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char   *out = NULL;
  g_autofree char   *err = NULL;
  const char * const keys[] = {
    "name",
    "address",
    "protocol",
    "connected_since",
    "messages_in",
    "messages_out",
    "bytes_in",
    "bytes_out",
    "queued",
  };
  JsonObject *object;

  g_test_summary ("confabctl peer NAME: details for people and scripts; NoSuchPeer exits 1 "
                  "with the plain message");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice"); /* its sync line counts: one message each way */

  g_assert_cmpint (confabctl (NULL, &out, &err, "peer", "alice", NULL), ==, 0);
  assert_matches (out, "^Name: +alice$");
  assert_matches (out, "^Address: +127\\.0\\.0\\.1:[0-9]+$");
  assert_matches (out, "^Protocol: +text$");
  assert_matches (out, "^Connected since: +[0-9-]{10} [0-9:]{8}[+-][0-9]{2}:[0-9]{2} \\(.*\\)$");
  assert_matches (out, "^Messages in: +1$");
  assert_matches (out, "^Messages out: +1$");
  assert_matches (out, "^Bytes queued: +0$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "peer", "--json", "alice", NULL), ==, 0);
  root = parse_json (out);
  object = json_node_get_object (root);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    g_assert_true (json_object_has_member (object, keys[i]));
  g_assert_cmpstr (json_object_get_string_member (object, "protocol"), ==, "text");
  g_assert_cmpint (json_object_get_int_member (object, "messages_in"), ==, 1);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (confabctl (NULL, &out, &err, "peer", "nobody", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  g_assert_cmpstr (err, ==, "confabctl: No such peer: nobody\n");
}

static void
test_broadcast (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("confabctl broadcast: every client reads “from @server: TEXT”; bad text "
                  "exits 1 and reaches nobody");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_assert_cmpint (confabctl (NULL, &out, &err, "broadcast", "maintenance at 17:00", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 2 peers.\n");
  confab_test_client_expect_line (alice, "from @server: maintenance at 17:00");
  confab_test_client_expect_line (bob, "from @server: maintenance at 17:00");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", "broadcast", "ünïcödé", NULL), ==, 0);
  root = parse_json (out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "peers"), ==, 2);
  confab_test_client_expect_line (alice, "from @server: ünïcödé");
  confab_test_client_expect_line (bob, "from @server: ünïcödé");
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (confabctl (NULL, &out, &err, "broadcast", "two\nlines", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "confabctl: The text contains control characters or line breaks\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (confabctl (NULL, NULL, &err, "broadcast", "", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "confabctl: The text is empty\n");

  /* Nothing arrived in between: the next line is each client's own. */
  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
}

static void
test_kick (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("confabctl kick: the client reads “error: kicked: REASON”, then EOF; "
                  "the others chat on; an unknown name exits 1");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");
  carol = login (fx, "carol");

  g_assert_cmpint (confabctl (NULL, &out, &err, "kick", "bob", "too loud", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Kicked bob.\n");
  confab_test_client_expect_line (bob, "error: kicked: too loud");
  confab_test_client_expect_eof (bob);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", "kick", "carol", NULL), ==, 0);
  root = parse_json (out);
  g_assert_cmpstr (json_object_get_string_member (json_node_get_object (root), "kicked"), ==, "carol");
  confab_test_client_expect_line (carol, "error: kicked: no reason given");
  confab_test_client_expect_eof (carol);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, &err, "kick", "bob", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "confabctl: No such peer: bob\n");
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (confabctl (NULL, NULL, &err, "kick", "alice", "a\nb", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "confabctl: The reason contains control characters or line breaks\n");

  /* The name is free again, and alice was never touched. */
  g_clear_pointer (&bob, confab_test_client_free);
  bob = confab_test_login_retry (fx->port, "bob", WAIT_MS);
  confab_test_client_send_line (alice, "bob: still here?");
  confab_test_client_expect_line (bob, "from alice: still here?");
}

/* Registers @nick on the IRC door and reads its welcome to the end. */
static ConfabTestClient *
irc_register (guint16     port,
              const char *nick)
{
  ConfabTestClient *client = confab_test_client_new (port);
  g_autofree char  *request = g_strdup_printf ("NICK %s\r\nUSER %s 0 * :%s\r\n", nick, nick, nick);
  g_autofree char  *end = g_strdup_printf (":confab.local 422 %s :MOTD File is missing\r", nick);

  confab_test_client_send_raw (client, request, strlen (request));
  for (guint i = 0; i < 32; i++)
    {
      g_autofree char *line = confab_test_client_read_line (client);

      if (g_strcmp0 (line, end) == 0)
        return client;
    }
  g_error ("no end of the welcome for %s", nick);
}

static void
test_irc_peer (Fixture      *fx,
               gconstpointer data)
{
  const char * const args[] = { "--bus", "session", "--listen", "irc:127.0.0.1:0", NULL };
  g_autoptr(ConfabTestClient) dave = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;

  g_test_summary ("SPEC §10: an IRC user in confabctl: peer shows protocol irc, broadcast "
                  "arrives as a NOTICE from the server, kick as ERROR then a close");

  fx->daemon = confab_test_daemon_start (fx->config_path, args, 0);
  confab_dbus_test_wait_name (fx->connection, BUS_NAME, TRUE, WAIT_MS);
  dave = irc_register (confab_test_daemon_get_scheme_port (fx->daemon, "irc"), "dave");

  g_assert_cmpint (confabctl (NULL, &out, &err, "peer", "dave", NULL), ==, 0);
  assert_matches (out, "^Protocol: +irc$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, &err, "broadcast", "maintenance at 17:00", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 1 peer.\n");
  confab_test_client_expect_line (dave, ":confab.local NOTICE dave :maintenance at 17:00\r");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, &err, "kick", "dave", "too loud", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Kicked dave.\n");
  confab_test_client_expect_line (dave, "ERROR :kicked: too loud\r");
  confab_test_client_expect_eof (dave);
}

static void
test_dash_dash (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *out = NULL;

  g_test_summary ("confabctl: a TEXT or REASON starting with “-” goes after “--”, as --help "
                  "and the man page show");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_assert_cmpint (confabctl (NULL, &out, NULL, "broadcast", "--", "-text", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 2 peers.\n");
  confab_test_client_expect_line (alice, "from @server: -text");
  confab_test_client_expect_line (bob, "from @server: -text");
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", "broadcast", "--", "--", NULL), ==, 0);
  confab_test_client_expect_line (alice, "from @server: --");
  confab_test_client_expect_line (bob, "from @server: --");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "kick", "bob", "--", "-reason", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Kicked bob.\n");
  confab_test_client_expect_line (bob, "error: kicked: -reason");
  confab_test_client_expect_eof (bob);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--", "peer", "alice", NULL), ==, 0);
  assert_matches (out, "^Name: +alice$");
}

/* No command lists the peers, as systemctl and loginctl do. */
static void
test_default_command (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autofree char *out = NULL;
  g_autofree char *peers = NULL;

  g_test_summary ("confabctl without a command lists the peers");

  start_daemon_on_session_bus (fx);
  g_assert_cmpint (confabctl (NULL, &out, NULL, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "No peers are connected.\n");
  g_clear_pointer (&out, g_free);

  alice = login (fx, "alice");
  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", NULL), ==, 0);
  g_assert_cmpint (confabctl (NULL, &peers, NULL, "--json", "peers", NULL), ==, 0);
  g_assert_cmpstr (out, ==, peers);
  g_clear_pointer (&out, g_free);
  g_assert_cmpint (confabctl (NULL, &out, NULL, NULL), ==, 0);
  assert_matches (out, "^alice  127\\.0\\.0\\.1:");
}

static void
test_no_legend (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("confabctl --no-legend peers prints the rows alone, and nothing without peers");

  start_daemon_on_session_bus (fx);
  g_assert_cmpint (confabctl (NULL, &out, NULL, "--no-legend", "peers", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);

  alice = login (fx, "alice");
  bob = login (fx, "bob");
  g_assert_cmpint (confabctl (NULL, &out, NULL, "peers", "--no-legend", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  assert_matches (lines[0], "\\Aalice  127\\.0\\.0\\.1:[0-9]+ +[0-9]{4}-");
  assert_matches (lines[1], "\\Abob    127\\.0\\.0\\.1:[0-9]+ +[0-9]{4}-");
  g_assert_cmpstr (lines[2], ==, "");
  /* Piped output is plain text: no escapes. */
  g_assert_null (strchr (out, '\033'));
}

/* A stand-in for a newer confabd: its GetStatistics returns keys this
 * confabctl has no label for. It runs in a thread of its own, as
 * confabctl() blocks the test's main context. */
typedef struct
{
  const char   *address;
  GMainContext *context;
  GMainLoop    *loop;
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
} FakeManager;

static void
fake_method_cb (GDBusConnection       *connection,
                const char            *sender,
                const char            *path,
                const char            *interface,
                const char            *method,
                GVariant              *parameters,
                GDBusMethodInvocation *invocation,
                gpointer               user_data)
{
  g_autoptr(GVariantBuilder) dict = g_variant_builder_new (G_VARIANT_TYPE_VARDICT);

  g_variant_builder_add (dict, "{sv}", "peers", g_variant_new_uint32 (3));
  g_variant_builder_add (dict, "{sv}", "future_limit_max", g_variant_new_uint64 (12345));
  g_variant_builder_add (dict, "{sv}", "future_mode", g_variant_new_string ("strict"));
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a{sv})", dict));
}

static gpointer
fake_manager_thread (gpointer data)
{
  static const char xml[] =
    "<node><interface name='" INTERFACE "'>"
    "<method name='GetStatistics'><arg name='stats' type='a{sv}' direction='out'/></method>"
    "</interface></node>";
  static const GDBusInterfaceVTable vtable = { fake_method_cb, NULL, NULL, { 0 } };
  FakeManager                      *fake = data;
  g_autoptr(GDBusNodeInfo) info = g_dbus_node_info_new_for_xml (xml, NULL);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  guint id;

  g_main_context_push_thread_default (fake->context);
  connection = g_dbus_connection_new_for_address_sync (fake->address,
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  id = g_dbus_connection_register_object (connection, OBJECT_PATH, info->interfaces[0],
                                          &vtable, NULL, NULL, &error);
  g_assert_no_error (error);
  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                       "org.freedesktop.DBus", "RequestName",
                                       g_variant_new ("(su)", BUS_NAME, 0), G_VARIANT_TYPE ("(u)"),
                                       G_DBUS_CALL_FLAGS_NONE, 5000, NULL, &error);
  g_assert_no_error (error);

  g_mutex_lock (&fake->lock);
  fake->ready = TRUE;
  g_cond_signal (&fake->cond);
  g_mutex_unlock (&fake->lock);

  g_main_loop_run (fake->loop);
  g_dbus_connection_unregister_object (connection, id);
  g_dbus_connection_close_sync (connection, NULL, NULL);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

static gboolean
quit_cb (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

static void
test_stats_unknown_keys (Fixture      *fx,
                         gconstpointer data)
{
  FakeManager fake = { confab_dbus_test_bus_get_address (fx->bus) };
  g_autoptr(GThread) thread = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *out = NULL;
  gint64           deadline = g_get_monotonic_time () + 10 * G_TIME_SPAN_SECOND;

  g_test_summary ("confabctl stats prints every key GetStatistics returns, also the ones "
                  "it has no label for");

  fake.context = g_main_context_new ();
  fake.loop = g_main_loop_new (fake.context, FALSE);
  g_mutex_init (&fake.lock);
  g_cond_init (&fake.cond);
  thread = g_thread_new ("fake-manager", fake_manager_thread, &fake);
  g_mutex_lock (&fake.lock);
  while (!fake.ready)
    if (!g_cond_wait_until (&fake.cond, &fake.lock, deadline))
      break;
  g_mutex_unlock (&fake.lock);
  g_assert_true (fake.ready);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", NULL), ==, 0);
  assert_matches (out, "^Peers: +3$");
  assert_matches (out, "^future_limit_max: +12345$");
  assert_matches (out, "^future_mode: +strict$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", "stats", NULL), ==, 0);
  root = parse_json (out);
  g_assert_cmpint (json_object_get_int_member (json_node_get_object (root), "future_limit_max"), ==, 12345);

  g_main_context_invoke (fake.context, quit_cb, fake.loop);
  g_thread_join (g_steal_pointer (&thread));
  g_main_loop_unref (fake.loop);
  g_main_context_unref (fake.context);
  g_mutex_clear (&fake.lock);
  g_cond_clear (&fake.cond);
}

/* And against the real daemon: one row per key, none left out. */
static void
test_stats_every_key (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  const char * const limit_keys[] = {
    "peers_max",
    "queue_max_bytes",
    "line_max_bytes",
    "recipients_max",
    "login_timeout_sec",
    "shutdown_timeout_sec",
    "rate_limit_messages_per_sec",
    "rate_limit_burst",
  };

  g_test_summary ("confabctl stats: as many rows as GetStatistics has keys, plus the version "
                  "and the addresses; every limit is among them");

  start_daemon_on_session_bus (fx);
  reply = g_dbus_connection_call_sync (fx->connection, BUS_NAME, OBJECT_PATH, INTERFACE,
                                       "GetStatistics", NULL, G_VARIANT_TYPE ("(a{sv})"),
                                       G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
  g_assert_no_error (error);
  stats = g_variant_get_child_value (reply, 0);
  /* Every limit of confab.conf(5) in force, not only the broker's. */
  for (gsize i = 0; i < G_N_ELEMENTS (limit_keys); i++)
    {
      g_autoptr(GVariant) value = g_variant_lookup_value (stats, limit_keys[i], G_VARIANT_TYPE_UINT32);

      g_test_message ("%s", limit_keys[i]);
      g_assert_nonnull (value);
    }

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", NULL), ==, 0);
  lines = g_strsplit (out, "\n", -1);
  /* Version:, Listening on:, one per key, and the empty string after the last newline. */
  g_assert_cmpuint (g_strv_length (lines), ==, g_variant_n_children (stats) + 3);
}

static void
test_stats (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char   *out = NULL;
  g_autofree char   *listen = NULL;
  const char * const keys[] = {
    "uptime_usec",
    "peers",
    "peers_max",
    "messages_routed",
    "bytes_routed",
    "logins_rejected",
    "errors_sent",
    "slow_consumers_dropped",
    "peers_peak",
    "logins",
    "deliveries",
    "kicks",
    "queue_max_bytes",
    "logins_refused_server_full",
    "login_timeouts",
    "lines_too_long",
    "messages_too_many_recipients",
    "rate_limit_pauses",
    "irc_ping_timeouts",
    "tls_handshakes_failed",
    "auth_failures",
    "signals_coalesced",
  };
  JsonObject *object;
  JsonArray  *addresses;

  g_test_summary ("confabctl stats: counters, version and listen addresses, as a table and JSON");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", NULL), ==, 0);
  assert_matches (out, "^Version: +" PACKAGE_VERSION "$");
  listen = g_strdup_printf ("^Listening on: +127\\.0\\.0\\.1:%u$", fx->port);
  assert_matches (out, listen);
  assert_matches (out, "^Uptime: +[0-9]+ (s|min [0-9]+ s)$");
  assert_matches (out, "^Peers: +2$");
  assert_matches (out, "^Peer limit: +10000$");
  assert_matches (out, "^Slow consumers dropped: +0$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", "--json", NULL), ==, 0);
  root = parse_json (out);
  object = json_node_get_object (root);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_test_message ("key %s", keys[i]);
      g_assert_true (json_object_has_member (object, keys[i]));
      g_assert_cmpint (json_node_get_value_type (json_object_get_member (object, keys[i])), ==, G_TYPE_INT64);
    }
  g_assert_cmpint (json_object_get_int_member (object, "peers"), ==, 2);
  g_assert_cmpint (json_object_get_int_member (object, "logins"), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (object, "version"), ==, PACKAGE_VERSION);
  addresses = json_object_get_array_member (object, "listen_addresses");
  g_assert_cmpuint (json_array_get_length (addresses), ==, 1);
}

/* Returns: (transfer full): `confabctl --json stats`, parsed */
static JsonObject *
get_stats (void)
{
  g_autofree char *out = NULL;
  g_autoptr(JsonNode) root = NULL;

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", "--json", NULL), ==, 0);
  root = parse_json (out);
  return json_object_ref (json_node_get_object (root));
}

static void
test_stats_server_full (Fixture      *fx,
                        gconstpointer data)
{
  const char * const config[] = { "peers_max", "1", NULL };
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *out = NULL;

  g_test_summary ("The peers_max limit has its counter: a connection refused "
                  "with “server full” moves logins_refused_server_full");

  confab_test_write_config (fx->config_path, config);
  start_daemon_on_session_bus (fx);

  stats = get_stats ();
  g_assert_cmpint (json_object_get_int_member (stats, "logins_refused_server_full"), ==, 0);
  g_clear_pointer (&stats, json_object_unref);

  alice = login (fx, "alice");
  bob = confab_test_client_new (fx->port);
  confab_test_client_expect_line (bob, "error: server full");
  confab_test_client_expect_eof (bob);

  stats = get_stats ();
  g_assert_cmpint (json_object_get_int_member (stats, "logins_refused_server_full"), ==, 1);
  /* Still also a rejected login and an error sent, as before. */
  g_assert_cmpint (json_object_get_int_member (stats, "logins_rejected"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "errors_sent"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "login_timeouts"), ==, 0);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", NULL), ==, 0);
  assert_matches (out, "^Refused \\(server full\\): +1$");
  assert_matches (out, "^Login timeouts: +0$");
  assert_matches (out, "^Lines too long: +0$");
  assert_matches (out, "^Too many recipients: +0$");
  assert_matches (out, "^Rate-limit pauses: +0$");
}

static void
test_stats_limits (Fixture      *fx,
                   gconstpointer data)
{
  const char * const config[] = {
    "login_timeout_sec", "1",
    "recipients_max", "2",
    "line_max_bytes", "64",
    "rate_limit_messages_per_sec", "20",
    "rate_limit_burst", "2",
    NULL
  };
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) silent = NULL;
  g_autoptr(JsonObject) stats = NULL;
  g_autofree char *long_line = g_strnfill (100, 'x');
  g_autofree char *out = NULL;

  g_test_summary ("Each limit has its counter in GetStatistics: login "
                  "timeout, line too long, too many recipients, rate limit");

  confab_test_write_config (fx->config_path, config);
  start_daemon_on_session_bus (fx);

  /* recipients_max: refused, the connection stays. */
  alice = login (fx, "alice");
  confab_test_client_send_line (alice, "alice, bob, carol: hi");
  confab_test_client_expect_line (alice, "error: too many recipients (limit 2)");

  /* line_max_bytes, after the login. */
  bob = login (fx, "bob");
  confab_test_client_send_line (bob, long_line);
  confab_test_client_expect_line (bob, "error: line too long (limit 64 bytes)");
  confab_test_client_expect_eof (bob);

  /* login_timeout_sec. */
  silent = confab_test_client_new (fx->port);
  confab_test_client_expect_line (silent, "error: login timeout");
  confab_test_client_expect_eof (silent);

  /* The rate limit: more lines at once than the burst; all arrive. */
  confab_test_client_send_raw (alice, "alice: 1\nalice: 2\nalice: 3\nalice: 4\n", 36);
  for (guint i = 1; i <= 4; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: %u", i);

      confab_test_client_expect_line (alice, expected);
    }

  stats = get_stats ();
  g_assert_cmpint (json_object_get_int_member (stats, "messages_too_many_recipients"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "lines_too_long"), ==, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "login_timeouts"), ==, 1);
  /* How many pauses depends on how the lines were split into reads. */
  g_assert_cmpint (json_object_get_int_member (stats, "rate_limit_pauses"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (stats, "logins_refused_server_full"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (stats, "slow_consumers_dropped"), ==, 0);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "stats", NULL), ==, 0);
  assert_matches (out, "^Login timeouts: +1$");
  assert_matches (out, "^Lines too long: +1$");
  assert_matches (out, "^Too many recipients: +1$");
  assert_matches (out, "^Rate-limit pauses: +[1-9][0-9]*$");
}

static void
test_monitor (Fixture      *fx,
              gconstpointer data)
{
  gboolean         json = GPOINTER_TO_INT (data);
  g_autofree char *ctl = confabctl_path ();
  const char      *argv[] = { ctl, "monitor", json ? "--json" : NULL, NULL };
  g_autoptr(ConfabDBusTestProc) monitor = NULL;
  g_autoptr(ConfabTestClient) dave = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("confabctl monitor prints a join and a leave as they happen, and exits 0 "
                  "on SIGINT");

  start_daemon_on_session_bus (fx);
  monitor = confab_dbus_test_proc_spawn (argv, NULL);
  confab_dbus_test_proc_wait_output (monitor, TRUE, 0, "Watching", WAIT_MS);

  dave = login (fx, "dave");
  confab_dbus_test_proc_wait_output (monitor, FALSE, 0, "dave", WAIT_MS);
  confab_test_client_close (dave);
  confab_dbus_test_proc_wait_output (monitor, FALSE, 0, "quit", WAIT_MS);

  confab_dbus_test_proc_signal (monitor, SIGINT);
  g_assert_cmpint (confab_dbus_test_proc_wait (monitor, WAIT_MS), ==, 0);

  out = confab_dbus_test_proc_dup_stdout (monitor);
  g_test_message ("monitor printed:\n%s", out);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  g_assert_cmpstr (lines[2], ==, "");

  if (!json)
    {
      assert_matches (lines[0], "^[0-9-]{10} [0-9:]{8}[+-][0-9]{2}:[0-9]{2}  joined  dave  127\\.0\\.0\\.1:[0-9]+$");
      assert_matches (lines[1], "^[0-9-]{10} [0-9:]{8}[+-][0-9]{2}:[0-9]{2}  left    dave  quit$");
      return;
    }

  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonNode) root = parse_json (lines[i]);
      JsonObject *event = json_node_get_object (root);

      g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, i == 0 ? "joined" : "left");
      g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "dave");
      g_assert_cmpint (json_object_get_int_member (event, "time"), >, 0);
      if (i == 0)
        g_assert_true (g_str_has_prefix (json_object_get_string_member (event, "address"), "127.0.0.1:"));
      else
        g_assert_cmpstr (json_object_get_string_member (event, "reason"), ==, "quit");
    }
}

static void
test_monitor_rooms (Fixture      *fx,
                    gconstpointer data)
{
  gboolean         json = GPOINTER_TO_INT (data);
  g_autofree char *ctl = confabctl_path ();
  const char      *argv[] = { ctl, "monitor", json ? "--json" : NULL, NULL };
  g_autoptr(ConfabDBusTestProc) monitor = NULL;
  g_autoptr(ConfabTestClient) dave = NULL;
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;

  g_test_summary ("confabctl monitor prints a room's creation and removal on lines of their own");

  start_daemon_on_session_bus (fx);
  dave = login (fx, "dave");
  monitor = confab_dbus_test_proc_spawn (argv, NULL);
  confab_dbus_test_proc_wait_output (monitor, TRUE, 0, "Watching", WAIT_MS);

  confab_test_client_send_line (dave, "/join #tea");
  confab_test_client_expect_line (dave, "join #tea: dave");
  confab_test_client_expect_line (dave, "members #tea: dave");
  confab_dbus_test_proc_wait_output (monitor, FALSE, 0, "#tea", WAIT_MS);
  confab_test_client_send_line (dave, "/part #tea");
  confab_test_client_expect_line (dave, "part #tea: dave");
  confab_dbus_test_proc_wait_output (monitor, FALSE, 0, json ? "room-removed" : "room removed", WAIT_MS);

  confab_dbus_test_proc_signal (monitor, SIGINT);
  g_assert_cmpint (confab_dbus_test_proc_wait (monitor, WAIT_MS), ==, 0);
  out = confab_dbus_test_proc_dup_stdout (monitor);
  g_test_message ("monitor printed:\n%s", out);
  lines = g_strsplit (out, "\n", -1);
  g_assert_cmpuint (g_strv_length (lines), ==, 3);
  if (!json)
    {
      assert_matches (lines[0], "^[0-9-]{10} [0-9:]{8}[+-][0-9]{2}:[0-9]{2}  room created  #tea$");
      assert_matches (lines[1], "^[0-9-]{10} [0-9:]{8}[+-][0-9]{2}:[0-9]{2}  room removed  #tea$");
      return;
    }
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(JsonNode) root = parse_json (lines[i]);
      JsonObject *event = json_node_get_object (root);

      g_assert_cmpstr (json_object_get_string_member (event, "event"), ==, i == 0 ? "room-created" : "room-removed");
      g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "#tea");
    }
}

/* Reads one line from @stream, failing after confab_dbus_test_await()'s bound. */
static char *
read_line_bounded (GDataInputStream *stream)
{
  g_autoptr(GAsyncResult) slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  char *line;

  g_data_input_stream_read_line_async (stream, G_PRIORITY_DEFAULT, NULL,
                                       confab_dbus_test_store_result_cb, &slot);
  result = confab_dbus_test_await (&slot);
  line = g_data_input_stream_read_line_finish_utf8 (stream, result, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

static void
test_monitor_reader_gone (Fixture      *fx,
                          gconstpointer data)
{
  gboolean         json = GPOINTER_TO_INT (data);
  g_autofree char *ctl = confabctl_path ();
  g_autoptr(GSubprocess) monitor = NULL;
  g_autoptr(GDataInputStream) out = NULL;
  g_autoptr(GDataInputStream) err = NULL;
  g_autoptr(ConfabTestClient) dave = NULL;
  g_autoptr(ConfabTestClient) erin = NULL;
  g_autoptr(GAsyncResult) slot = NULL;
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *notice = NULL;
  g_autofree char *line = NULL;

  g_test_summary ("confabctl monitor exits 0 once the reader of its stdout has gone, "
                  "as in “confabctl --json monitor | head -1”");

  start_daemon_on_session_bus (fx);
  monitor = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error,
                              ctl, json ? "--json" : "monitor", json ? "monitor" : NULL, NULL);
  g_assert_no_error (error);
  out = g_data_input_stream_new (g_subprocess_get_stdout_pipe (monitor));
  err = g_data_input_stream_new (g_subprocess_get_stderr_pipe (monitor));
  notice = read_line_bounded (err);
  g_assert_true (g_str_has_prefix (notice, "Watching"));

  dave = login (fx, "dave");
  line = read_line_bounded (out);
  g_assert_nonnull (strstr (line, "dave"));

  /* The reader goes away; the next event meets a closed pipe. */
  g_input_stream_close (G_INPUT_STREAM (out), NULL, &error);
  g_assert_no_error (error);
  g_input_stream_close (g_subprocess_get_stdout_pipe (monitor), NULL, &error);
  g_assert_no_error (error);
  erin = login (fx, "erin");

  g_subprocess_wait_async (monitor, NULL, confab_dbus_test_store_result_cb, &slot);
  result = confab_dbus_test_await (&slot);
  g_assert_true (g_subprocess_wait_finish (monitor, result, &error));
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (monitor));
  g_assert_cmpint (g_subprocess_get_exit_status (monitor), ==, 0);
}

/* The time in a line of output, as an instant; NULL if there is none. */
static GDateTime *
parse_shown_time (const char *text,
                  char      **offset)
{
  g_autoptr(GRegex) regex = g_regex_new ("([0-9]{4}-[0-9]{2}-[0-9]{2}) ([0-9:]{8})([+-][0-9]{2}:[0-9]{2})",
                                          0, 0, NULL);
  g_autoptr(GMatchInfo) match = NULL;
  g_autofree char *date = NULL;
  g_autofree char *clock = NULL;
  g_autofree char *iso = NULL;

  if (!g_regex_match (regex, text, 0, &match))
    confab_test_fail ("no time with an offset in “%s”", text);
  date = g_match_info_fetch (match, 1);
  clock = g_match_info_fetch (match, 2);
  *offset = g_match_info_fetch (match, 3);
  iso = g_strdup_printf ("%sT%s%s", date, clock, *offset);
  return g_date_time_new_from_iso8601 (iso, NULL);
}

static void
test_time_zones (Fixture      *fx,
                 gconstpointer data)
{
  const struct
  {
    const char *tz;
    const char *offset;
  } zones[] = {
    { "TZ=UTC", "+00:00" },
    { "TZ=Asia/Kolkata", "+05:30" },
    { "TZ=XYZ+7", "-07:00" }, /* a POSIX rule: no tzdata needed */
  };
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(GDateTime) first = NULL;
  g_autofree char *ctl = confabctl_path ();

  g_test_summary ("confabctl prints every time with its UTC offset, in the zone $TZ says");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");

  for (gsize i = 0; i < G_N_ELEMENTS (zones); i++)
    {
      const char * const env[] = { zones[i].tz, NULL };
      const char        *argv[] = { ctl, "monitor", NULL };
      g_autoptr(ConfabDBusTestProc) monitor = NULL;
      g_autoptr(ConfabTestClient) bob = NULL;
      g_autoptr(GDateTime) shown = NULL;
      g_autoptr(GDateTime) detail = NULL;
      g_autofree char *out = NULL;
      g_autofree char *offset = NULL;
      g_autofree char *offset2 = NULL;
      g_autofree char *offset3 = NULL;
      g_autofree char *events = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (confabctl (env, &out, NULL, "peers", NULL), ==, 0);
      shown = parse_shown_time (out, &offset);
      g_assert_cmpstr (offset, ==, zones[i].offset);
      /* The same login, the same instant, whatever the zone. */
      if (first == NULL)
        first = g_date_time_ref (shown);
      g_assert_true (g_date_time_equal (first, shown));
      g_clear_pointer (&out, g_free);

      g_assert_cmpint (confabctl (env, &out, NULL, "peer", "alice", NULL), ==, 0);
      detail = parse_shown_time (out, &offset2);
      g_assert_cmpstr (offset2, ==, zones[i].offset);
      g_assert_true (g_date_time_equal (first, detail));

      monitor = confab_dbus_test_proc_spawn (argv, env);
      confab_dbus_test_proc_wait_output (monitor, TRUE, 0, "Watching", WAIT_MS);
      bob = login (fx, "bob");
      confab_dbus_test_proc_wait_output (monitor, FALSE, 0, "bob", WAIT_MS);
      confab_dbus_test_proc_signal (monitor, SIGINT);
      g_assert_cmpint (confab_dbus_test_proc_wait (monitor, WAIT_MS), ==, 0);
      events = confab_dbus_test_proc_dup_stdout (monitor);
      g_clear_pointer (&shown, g_date_time_unref);
      shown = parse_shown_time (events, &offset3);
      g_assert_cmpstr (offset3, ==, zones[i].offset);
    }
}

static void
test_usage (Fixture      *fx,
            gconstpointer data)
{
  const struct
  {
    const char *args[5];
    const char *err;
  } bad[] = {
    { { "frobnicate", NULL }, "Unknown command “frobnicate”" },
    { { "peer", NULL }, "Missing argument for “peer”" },
    { { "broadcast", NULL }, "Missing argument for “broadcast”" },
    { { "peers", "extra", NULL }, "Too many arguments for “peers”" },
    { { "kick", "a", "b", "c", NULL }, "Too many arguments for “kick”" },
    { { "--bogus", "peers", NULL }, "Unknown option --bogus" },
    { { "--system", "--session", "peers", NULL }, "exclude each other" },
  };
  g_autofree char *ctl = confabctl_path ();
  g_autofree char *out = NULL;

  g_test_summary ("confabctl: usage errors exit 2 with a hint; --help and --version exit 0");

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char      *argv[7] = { ctl };
      g_autofree char *err = NULL;

      for (gsize j = 0; bad[i].args[j] != NULL; j++)
        argv[j + 1] = bad[i].args[j];
      g_assert_cmpint (confab_dbus_test_run (argv, NULL, RUN_MS, NULL, &err), ==, 2);
      g_assert_nonnull (strstr (err, bad[i].err));
      g_assert_nonnull (strstr (err, "Try “confabctl --help”"));
    }

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--help", NULL), ==, 0);
  g_assert_nonnull (strstr (out, "Commands:"));
  assert_matches (out, "^  kick NAME \\[REASON\\] +Disconnect a peer");
  assert_matches (out, "^  monitor +Print peers joining and leaving");
  assert_matches (out, "^  -j, --json +Print JSON");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--version", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "confabctl " PACKAGE_VERSION "\n");
}

static void
test_not_running (Fixture      *fx,
                  gconstpointer data)
{
  g_autofree char   *err = NULL;
  g_autofree char   *no_bus = g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=unix:path=%s/no-bus", fx->tmp->path);
  const char * const env[] = { no_bus, NULL };

  g_test_summary ("confabctl exits 1 with a plain message when no confabd is on the bus, "
                  "or no bus at all");

  g_assert_cmpint (confabctl (NULL, NULL, &err, "peers", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "confabctl: confabd is not running on the session bus "
                            "(nobody owns org.confab.Confab1)\n");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (confabctl (env, NULL, &err, "stats", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "confabctl: cannot reach the session bus: "));
  g_assert_nonnull (strstr (err, "“confabctl --system”"));
  g_assert_nonnull (strstr (err, "may not be running"));
}

/* Without DBUS_SESSION_BUS_ADDRESS at all (ssh, a headless machine). */
static void
test_no_session_bus_address (Fixture      *fx,
                             gconstpointer data)
{
  g_autofree char *ctl = confabctl_path ();
  g_autofree char *err = NULL;
  g_autofree char *runtime = g_build_filename (fx->tmp->path, "runtime", NULL);
  g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
                                                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  g_autoptr(GSubprocess) proc = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("confabctl without any session bus says it cannot reach it and suggests --system");

  /* No address, no $XDG_RUNTIME_DIR/bus and no X11 to autolaunch one. */
  g_assert_cmpint (g_mkdir (runtime, 0700), ==, 0);
  g_subprocess_launcher_unsetenv (launcher, "DBUS_SESSION_BUS_ADDRESS");
  g_subprocess_launcher_unsetenv (launcher, "DISPLAY");
  g_subprocess_launcher_setenv (launcher, "XDG_RUNTIME_DIR", runtime, TRUE);
  proc = g_subprocess_launcher_spawn (launcher, &error, ctl, "peers", NULL);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8 (proc, NULL, NULL, NULL, &err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (proc));
  g_assert_cmpint (g_subprocess_get_exit_status (proc), ==, 1);
  g_assert_true (g_str_has_prefix (err, "confabctl: cannot reach the session bus: "));
  g_assert_nonnull (strstr (err, "“confabctl --system”"));
}

/* ---- gdbus and busctl ------------------------------------------------- */

static void
test_gdbus (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  const char      *list_peers[] = {
         "gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", OBJECT_PATH,
         "--method", INTERFACE ".ListPeers", NULL
  };
  const char *broadcast[] = {
    "gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", OBJECT_PATH,
    "--method", INTERFACE ".Broadcast", "from gdbus", NULL
  };
  const char *kick[] = {
    "gdbus", "call", "--session", "--dest", BUS_NAME, "--object-path", OBJECT_PATH,
    "--method", INTERFACE ".Kick", "nobody", "", NULL
  };
  const char *introspect[] = {
    "gdbus", "introspect", "--session", "--dest", BUS_NAME, "--object-path", OBJECT_PATH, NULL
  };

  g_test_summary ("gdbus call and introspect, as an administrator types them");

  if (!find_tool ("gdbus"))
    return;

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_assert_cmpint (confab_dbus_test_run (list_peers, NULL, RUN_MS, &out, NULL), ==, 0);
  assert_matches (out, "^\\(\\[\\('alice', '127\\.0\\.0\\.1:[0-9]+', uint64 [0-9]+\\), "
                       "\\('bob', '127\\.0\\.0\\.1:[0-9]+', [0-9]+\\)\\],\\)$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confab_dbus_test_run (broadcast, NULL, RUN_MS, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "(uint32 2,)\n");
  confab_test_client_expect_line (alice, "from @server: from gdbus");
  confab_test_client_expect_line (bob, "from @server: from gdbus");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confab_dbus_test_run (kick, NULL, RUN_MS, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "GDBus.Error:org.confab.Confab1.Error.NoSuchPeer: No such peer: nobody"));

  g_assert_cmpint (confab_dbus_test_run (introspect, NULL, RUN_MS, &out, NULL), ==, 0);
  g_assert_nonnull (strstr (out, "interface " INTERFACE " {"));
  g_assert_nonnull (strstr (out, "Kick(in  s name,"));
  assert_matches (out, "readonly u PeerCount = 2;");
}

static void
test_busctl (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *address = g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=%s",
                                              confab_dbus_test_bus_get_address (fx->bus));
  /* busctl --user reads DBUS_SESSION_BUS_ADDRESS; set it explicitly anyway,
   * so that nothing here can reach the machine's own bus. */
  const char * const env[] = { address, "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", NULL };
  const char        *list_peers[] = {
           "busctl", "--user", "call", BUS_NAME, OBJECT_PATH, INTERFACE, "ListPeers", NULL
  };
  const char *introspect[] = {
    "busctl", "--user", "--no-pager", "introspect", BUS_NAME, OBJECT_PATH, INTERFACE, NULL
  };
  const char *get_property[] = {
    "busctl", "--user", "get-property", BUS_NAME, OBJECT_PATH, INTERFACE, "PeerCount", NULL
  };
  const char *kick[] = {
    "busctl", "--user", "call", BUS_NAME, OBJECT_PATH, INTERFACE, "Kick", "ss", "bob", "bye", NULL
  };
  const char *get_peer[] = {
    "busctl", "--user", "call", BUS_NAME, OBJECT_PATH, INTERFACE, "GetPeer", "s", "nobody", NULL
  };
  const char *broadcast[] = {
    "busctl", "--user", "call", BUS_NAME, OBJECT_PATH, INTERFACE, "Broadcast", "s", "", NULL
  };

  g_test_summary ("busctl call, introspect and get-property, as an administrator types them");

  if (!find_tool ("busctl"))
    return;

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_assert_cmpint (confab_dbus_test_run (list_peers, env, RUN_MS, &out, NULL), ==, 0);
  assert_matches (out, "^a\\(sst\\) 2 \"alice\" \"127\\.0\\.0\\.1:[0-9]+\" [0-9]+ "
                       "\"bob\" \"127\\.0\\.0\\.1:[0-9]+\" [0-9]+$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confab_dbus_test_run (introspect, env, RUN_MS, &out, NULL), ==, 0);
  assert_matches (out, "^\\.ListPeers +method +- +a\\(sst\\) +-$");
  assert_matches (out, "^\\.PeerCount +property +u +2 +emits-change$");
  assert_matches (out, "^\\.Version +property +s +\"" PACKAGE_VERSION "\" +const$");
  assert_matches (out, "^\\.ListenAddresses +property +as +1 \"127\\.0\\.0\\.1:[0-9]+\" +const$");
  assert_matches (out, "^\\.PeerLeft +signal +ss +- +-$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confab_dbus_test_run (get_property, env, RUN_MS, &out, NULL), ==, 0);
  g_assert_cmpstr (out, ==, "u 2\n");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confab_dbus_test_run (kick, env, RUN_MS, &out, NULL), ==, 0);
  confab_test_client_expect_line (bob, "error: kicked: bye");
  confab_test_client_expect_eof (bob);

  g_assert_cmpint (confab_dbus_test_run (get_peer, env, RUN_MS, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "No such peer: nobody"));
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (confab_dbus_test_run (broadcast, env, RUN_MS, NULL, &err), !=, 0);
  g_assert_nonnull (strstr (err, "The text is empty"));

  confab_test_client_sync (alice, "alice");
}

static void
test_rooms (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(JsonNode) root = NULL;
  g_autofree char   *out = NULL;
  g_autofree char   *err = NULL;
  g_autofree char   *address = g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=%s",
                                                confab_dbus_test_bus_get_address (fx->bus));
  const char * const env[] = { address, "SYSTEMD_PAGER=", "SYSTEMD_COLORS=0", NULL };
  const char        *tree[] = { "busctl", "--user", "--list", "tree", BUS_NAME, NULL };

  g_test_summary ("confabctl rooms, room NAME and broadcast --room against rooms real clients "
                  "made; busctl tree lists the rooms");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");
  carol = login (fx, "carol");

  g_assert_cmpint (confabctl (NULL, &out, NULL, "rooms", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "There are no rooms.\n");
  g_clear_pointer (&out, g_free);

  confab_test_client_send_line (alice, "/join #tea");
  confab_test_client_expect_line (alice, "join #tea: alice");
  confab_test_client_expect_line (alice, "members #tea: alice");
  confab_test_client_send_line (alice, "/topic #tea oolong");
  confab_test_client_expect_line (alice, "topic #tea: oolong");
  confab_test_client_send_line (bob, "/join #Tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: alice bob");
  confab_test_client_expect_line (bob, "topic #tea: oolong");
  confab_test_client_expect_line (alice, "join #tea: bob");
  confab_test_client_send_line (carol, "/join #cake");
  confab_test_client_expect_line (carol, "join #cake: carol");
  confab_test_client_expect_line (carol, "members #cake: carol");

  g_assert_cmpint (confabctl (NULL, &out, NULL, "rooms", NULL), ==, 0);
  g_test_message ("%s", out);
  assert_matches (out, "^ROOM +MEMBERS$");
  assert_matches (out, "^#cake +1$");
  assert_matches (out, "^#tea +2$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "--json", "rooms", NULL), ==, 0);
  root = parse_json (out);
  g_assert_cmpuint (json_array_get_length (json_node_get_array (root)), ==, 2);
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "room", "#TEA", NULL), ==, 0);
  g_test_message ("%s", out);
  assert_matches (out, "^Room: +#tea$");
  assert_matches (out, "^Members: +2$");
  assert_matches (out, "^ +alice bob$");
  assert_matches (out, "^Topic: +oolong \\(set by alice\\)$");
  g_clear_pointer (&out, g_free);

  g_assert_cmpint (confabctl (NULL, NULL, &err, "room", "#nope", NULL), ==, 1);
  g_assert_cmpstr (err, ==, "confabctl: No such room: #nope\n");
  g_clear_pointer (&err, g_free);

  g_assert_cmpint (confabctl (NULL, &out, NULL, "broadcast", "--room", "#tea", "tea is ready", NULL), ==, 0);
  g_assert_cmpstr (out, ==, "Sent to 2 members of #tea.\n");
  g_clear_pointer (&out, g_free);
  confab_test_client_expect_line (alice, "from @server in #tea: tea is ready");
  confab_test_client_expect_line (bob, "from @server in #tea: tea is ready");
  g_assert_cmpint (confabctl (NULL, NULL, &err, "--room", "#tea", "peers", NULL), ==, 2);
  g_clear_pointer (&err, g_free);

  if (find_tool ("busctl"))
    {
      g_assert_cmpint (confab_dbus_test_run (tree, env, RUN_MS, &out, NULL), ==, 0);
      g_test_message ("%s", out);
      assert_matches (out, "^/org/confab/Confab1/rooms/tea$");
      assert_matches (out, "^/org/confab/Confab1/rooms/cake$");
    }

  /* Carol never heard the room broadcast. */
  confab_test_client_sync (carol, "carol");
}

/* ---- the daemon and its bus ------------------------------------------- */

static void
test_bus_gone (Fixture      *fx,
               gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;

  g_test_summary ("The private bus dies under the daemon: logged, and chat goes on");

  start_daemon_on_session_bus (fx);
  alice = login (fx, "alice");
  bob = login (fx, "bob");

  g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  confab_dbus_test_bus_stop (fx->bus);
  confab_test_daemon_wait_for_log (fx->daemon, 0, "Lost the connection to the session bus", WAIT_MS);

  confab_test_client_send_line (alice, "bob: still there?");
  confab_test_client_expect_line (bob, "from alice: still there?");
  carol = login (fx, "carol");
  confab_test_client_send_line (carol, "alice, bob: hello");
  confab_test_client_expect_line (alice, "from carol: hello");
  confab_test_client_expect_line (bob, "from carol: hello");

  confab_test_daemon_stop (fx->daemon);
}

static guint
count_occurrences (const char *text,
                   const char *needle)
{
  guint n = 0;

  for (const char *p = strstr (text, needle); p != NULL; p = strstr (p + 1, needle))
    n++;
  return n;
}

static void
test_no_session_bus (Fixture      *fx,
                     gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autofree char *no_bus = g_strdup_printf ("unix:path=%s/no-bus", fx->tmp->path);
  g_autofree char *log = NULL;

  g_test_summary ("--bus session without a session bus: one warning, and chat works");

  g_setenv ("DBUS_SESSION_BUS_ADDRESS", no_bus, TRUE);
  start_daemon (fx, "session");
  g_setenv ("DBUS_SESSION_BUS_ADDRESS", confab_dbus_test_bus_get_address (fx->bus), TRUE);

  alice = login (fx, "alice");
  confab_test_client_send_line (alice, "alice: alone");
  confab_test_client_expect_line (alice, "from alice: alone");

  log = confab_test_daemon_dup_log (fx->daemon);
  g_assert_cmpuint (count_occurrences (log, "WARNING"), ==, 1);
  g_assert_cmpuint (count_occurrences (log, "Cannot serve the admin interface on the session bus"), ==, 1);
  confab_test_daemon_stop (fx->daemon);
}

static void
test_system_bus_unreachable (Fixture      *fx,
                             gconstpointer data)
{
  g_autofree char   *no_bus = g_strdup_printf ("unix:path=%s/no-system-bus", fx->tmp->path);
  g_autofree char   *previous = g_strdup (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"));
  const char * const args[] = {
    "--listen", "127.0.0.1:0", "--bus", "system", "--config", fx->config_path, NULL
  };

  g_test_summary ("--bus system that cannot be reached is fatal, with a clear message");

  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", no_bus, TRUE);
  fx->daemon = confab_test_daemon_spawn (args, 0);
  if (previous != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", previous, TRUE);
  else
    g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");

  confab_test_daemon_wait_exit (fx->daemon, WAIT_MS);
  confab_test_daemon_assert_exit_status (fx->daemon, 1);
  confab_test_daemon_wait_for_log (fx->daemon, 0,
                                   "confabd: Cannot serve the admin interface on the system bus: ",
                                   WAIT_MS);
}

static void
test_system_bus (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autofree char   *previous = g_strdup (g_getenv ("DBUS_SYSTEM_BUS_ADDRESS"));
  g_autofree char   *system = g_strdup_printf ("DBUS_SYSTEM_BUS_ADDRESS=%s",
                                               confab_dbus_test_bus_get_address (fx->bus));
  g_autofree char   *no_session = g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=unix:path=%s/no-bus",
                                                   fx->tmp->path);
  const char * const env[] = { system, no_session, NULL };
  g_autofree char   *out = NULL;
  g_autofree char   *err = NULL;

  g_test_summary ("--bus system and confabctl --system, on a private bus posing as the "
                  "system bus");

  /* The private bus stands in for the system bus: the machine's is never used. */
  g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", confab_dbus_test_bus_get_address (fx->bus), TRUE);
  start_daemon (fx, "system");
  if (previous != NULL)
    g_setenv ("DBUS_SYSTEM_BUS_ADDRESS", previous, TRUE);
  else
    g_unsetenv ("DBUS_SYSTEM_BUS_ADDRESS");
  confab_dbus_test_wait_name (fx->connection, BUS_NAME, TRUE, WAIT_MS);
  confab_test_daemon_wait_for_log (fx->daemon, 0, "on the system bus", WAIT_MS);

  alice = login (fx, "alice");
  g_assert_cmpint (confabctl (env, &out, NULL, "--system", "peers", NULL), ==, 0);
  assert_matches (out, "^alice  127\\.0\\.0\\.1:");
  g_assert_cmpint (confabctl (env, NULL, &err, "--session", "peers", NULL), ==, 1);
  g_assert_true (g_str_has_prefix (err, "confabctl: cannot reach the session bus"));
}

static void
test_name_taken (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  guint32 result;

  g_test_summary ("Another owner of org.confab.Confab1: a warning, and chat goes on");

  reply = g_dbus_connection_call_sync (fx->connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "RequestName", g_variant_new ("(su)", BUS_NAME, 0),
                                       G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                       5000, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &result);
  g_assert_cmpuint (result, ==, 1); /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */

  start_daemon (fx, "session");
  confab_test_daemon_wait_for_log (fx->daemon, 0, "Cannot own the name " BUS_NAME, WAIT_MS);

  alice = login (fx, "alice");
  bob = login (fx, "bob");
  confab_test_client_send_line (alice, "bob: hi");
  confab_test_client_expect_line (bob, "from alice: hi");
  confab_test_daemon_stop (fx->daemon);
}

static void
test_bus_none (Fixture      *fx,
               gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autofree char *log = NULL;

  g_test_summary ("--bus none: no D-Bus at all, chat as before");

  start_daemon (fx, "none");
  alice = login (fx, "alice");
  g_assert_false (confab_dbus_test_name_has_owner (fx->connection, BUS_NAME));
  log = confab_test_daemon_dup_log (fx->daemon);
  g_assert_null (strstr (log, "admin interface"));
  g_assert_null (strstr (log, "WARNING"));
  confab_test_daemon_stop (fx->daemon);
}

/* PeerLeft carries a stable reason for each way of leaving. */
static void
test_monitor_reasons (Fixture      *fx,
                      gconstpointer data)
{
  g_autofree char *ctl = confabctl_path ();
  const char      *argv[] = { ctl, "monitor", NULL };
  g_autoptr(ConfabDBusTestProc) monitor = NULL;
  g_autoptr(ConfabTestClient) erin = NULL;
  g_autoptr(ConfabTestClient) fred = NULL;
  g_autofree char *long_line = g_strnfill (5000, 'x');

  start_daemon_on_session_bus (fx);
  monitor = confab_dbus_test_proc_spawn (argv, NULL);
  confab_dbus_test_proc_wait_output (monitor, TRUE, 0, "Watching", WAIT_MS);

  erin = login (fx, "erin");
  confab_test_client_send_line (erin, long_line);
  g_free (confab_test_client_expect_prefix (erin, "error: line too long"));
  confab_dbus_test_proc_wait_output (monitor, FALSE, 0, "erin  line too long\n", WAIT_MS);

  fred = login (fx, "fred");
  confab_test_client_reset (fred);
  confab_dbus_test_proc_wait_output (monitor, FALSE, 0, "fred  connection error\n", WAIT_MS);

  confab_dbus_test_proc_signal (monitor, SIGINT);
  g_assert_cmpint (confab_dbus_test_proc_wait (monitor, WAIT_MS), ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, data, func) \
  g_test_add ("/confabctl/" path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("peers", NULL, test_peers);
  ADD ("peer", NULL, test_peer);
  ADD ("broadcast", NULL, test_broadcast);
  ADD ("rooms", NULL, test_rooms);
  ADD ("monitor/rooms", GINT_TO_POINTER (FALSE), test_monitor_rooms);
  ADD ("monitor/rooms/json", GINT_TO_POINTER (TRUE), test_monitor_rooms);
  ADD ("kick", NULL, test_kick);
  ADD ("irc-peer", NULL, test_irc_peer);
  ADD ("dash-dash", NULL, test_dash_dash);
  ADD ("default-command", NULL, test_default_command);
  ADD ("no-legend", NULL, test_no_legend);
  ADD ("stats", NULL, test_stats);
  ADD ("stats/unknown-keys", NULL, test_stats_unknown_keys);
  ADD ("stats/every-key", NULL, test_stats_every_key);
  ADD ("stats/limits/server-full", NULL, test_stats_server_full);
  ADD ("stats/limits/others", NULL, test_stats_limits);
  ADD ("monitor/human", GINT_TO_POINTER (FALSE), test_monitor);
  ADD ("monitor/json", GINT_TO_POINTER (TRUE), test_monitor);
  ADD ("monitor/reasons", NULL, test_monitor_reasons);
  ADD ("monitor/reader-gone/human", GINT_TO_POINTER (FALSE), test_monitor_reader_gone);
  ADD ("monitor/reader-gone/json", GINT_TO_POINTER (TRUE), test_monitor_reader_gone);
  ADD ("time-zones", NULL, test_time_zones);
  ADD ("usage", NULL, test_usage);
  ADD ("not-running", NULL, test_not_running);
  ADD ("no-session-bus-address", NULL, test_no_session_bus_address);
  ADD ("tools/gdbus", NULL, test_gdbus);
  ADD ("tools/busctl", NULL, test_busctl);
  ADD ("daemon/bus-gone", NULL, test_bus_gone);
  ADD ("daemon/no-session-bus", NULL, test_no_session_bus);
  ADD ("daemon/system-bus-unreachable", NULL, test_system_bus_unreachable);
  ADD ("daemon/system-bus", NULL, test_system_bus);
  ADD ("daemon/name-taken", NULL, test_name_taken);
  ADD ("daemon/bus-none", NULL, test_bus_none);

#undef ADD

  return g_test_run ();
}
