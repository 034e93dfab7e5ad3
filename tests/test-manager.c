/* test-manager.c: the D-Bus layer alone, on a private bus.
 *
 * A real ConfabBroker with fake connections (as in test-broker.c) is
 * served by a ConfabManager on a private bus (ConfabDBusTestBus), and driven from a second
 * connection through the generated proxy: what a client sees, error
 * names included. No sockets, no daemon.
 *
 * Service and client share this thread's main context, so every call is
 * asynchronous and awaited with a bounded spin.
 *
 * Authorization: the rules are pure functions, tested for any uid and
 * groups; on the bus, the fixture serves with enforcement off (session-bus
 * semantics) unless a test asks for it, and then the caller is this
 * process, whatever user runs the tests (test-dbus-policy.c calls as an
 * unprivileged user through a system-like bus).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <grp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "confab-broker.h"
#include "confab-codec.h"
#include "confab-dbus.h"
#include "confab-dbus-test-util.h"
#include "confab-log.h"
#include "confab-manager.h"
#include "confab-names.h"

#define WAIT_MS 10000

/* A stand-in for a connection: records what the broker asks of it. */
typedef struct
{
  guint    closes;
  gboolean close_flush;
  char    *close_reason;
} FakeSink;

static void
fake_wake (gpointer data)
{
}

static void
fake_close (gpointer    data,
            gboolean    flush,
            const char *reason)
{
  FakeSink *sink = data;

  sink->closes++;
  sink->close_flush = flush;
  g_free (sink->close_reason);
  sink->close_reason = g_strdup (reason);
}

/* The peers here speak the text protocol. */
static gsize
fake_measure (gpointer       data,
              ConfabMessage *message)
{
  gsize len;

  confab_codec_message_bytes (&confab_codec_text, message, &len);
  return len;
}

static const ConfabBrokerSink fake_sink_funcs = {
  .wake = fake_wake,
  .close = fake_close,
  .measure = fake_measure,
};

/* A stand-in for the server: reports the connections' counters a test
 * sets, as the daemon's server does through the same interface. */
#define FAKE_TYPE_SOURCE (fake_source_get_type ())
G_DECLARE_FINAL_TYPE (FakeSource, fake_source, FAKE, SOURCE, GObject)

struct _FakeSource
{
  GObject               parent_instance;
  ConfabConnectionStats stats;
};

static void
fake_source_get_stats (ConfabStatsSource     *source,
                       ConfabConnectionStats *stats)
{
  *stats = FAKE_SOURCE (source)->stats;
}

static void
fake_source_iface_init (ConfabStatsSourceInterface *iface)
{
  iface->get_stats = fake_source_get_stats;
}

G_DEFINE_TYPE_WITH_CODE (FakeSource, fake_source, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (CONFAB_TYPE_STATS_SOURCE, fake_source_iface_init))

static void
fake_source_class_init (FakeSourceClass *klass)
{
}

static void
fake_source_init (FakeSource *self)
{
}

#define N_SINKS 4

typedef struct
{
  ConfabDBusTestBus *bus;
  GDBusConnection   *service; /* the manager's side */
  GDBusConnection   *client;  /* the proxy's side */
  ConfabBroker      *broker;
  ConfabManager     *manager;
  FakeSource        *source; /* the connections' counters */
  ConfabDBusManager *proxy;
  FakeSink           sinks[N_SINKS];
  ConfabBrokerPeer  *peers[N_SINKS];
  GPtrArray         *events; /* "joined NAME ADDRESS", "left NAME REASON", "count N" */
} Fixture;

static const char * const listen_addresses[] = { "127.0.0.1:8080", "unix:/run/confab.sock", NULL };

static GDBusConnection *
connect_to_bus (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection;

  connection = g_dbus_connection_new_for_address_sync (confab_dbus_test_bus_get_address (fx->bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  return connection;
}

static void
peer_joined_cb (ConfabDBusManager *proxy,
                const char        *name,
                const char        *address,
                Fixture           *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("joined %s %s", name, address));
}

static void
peer_left_cb (ConfabDBusManager *proxy,
              const char        *name,
              const char        *reason,
              Fixture           *fx)
{
  g_ptr_array_add (fx->events, g_strdup_printf ("left %s %s", name, reason));
}

static void
properties_changed_cb (GDBusProxy         *proxy,
                       GVariant           *changed,
                       const char * const *invalidated,
                       Fixture            *fx)
{
  guint32 count;

  if (g_variant_lookup (changed, "PeerCount", "u", &count))
    g_ptr_array_add (fx->events, g_strdup_printf ("count %u", count));
  /* Version and ListenAddresses are const: never announced. */
  g_assert_false (g_variant_lookup (changed, "Version", "*", NULL));
  g_assert_false (g_variant_lookup (changed, "ListenAddresses", "*", NULL));
}

/* Fixture data: serve with authorization enforced, as on the system bus. */
static const char enforced[] = "enforced";

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = { .queue_max_bytes = 65536 };
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  fx->bus = confab_dbus_test_bus_up ();
  fx->service = connect_to_bus (fx);
  fx->client = connect_to_bus (fx);
  fx->events = g_ptr_array_new_with_free_func (g_free);

  fx->broker = confab_broker_new (&limits);
  fx->manager = confab_manager_new (fx->broker, listen_addresses);
  fx->source = g_object_new (FAKE_TYPE_SOURCE, NULL);
  fx->source->stats.peers_max = 16;
  confab_manager_set_stats_source (fx->manager, CONFAB_STATS_SOURCE (fx->source));
  confab_manager_set_enforce_authorization (fx->manager, data == enforced);
  confab_manager_export (fx->manager, fx->service, &error);
  g_assert_no_error (error);

  /* The service's unique name stands in for the well-known one, which is
   * the daemon's business (tested end to end). */
  confab_dbus_manager_proxy_new (fx->client, G_DBUS_PROXY_FLAGS_NONE,
                                 g_dbus_connection_get_unique_name (fx->service),
                                 CONFAB_DBUS_PATH, NULL,
                                 confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  fx->proxy = confab_dbus_manager_proxy_new_finish (result, &error);
  g_assert_no_error (error);

  g_signal_connect (fx->proxy, "peer-joined", G_CALLBACK (peer_joined_cb), fx);
  g_signal_connect (fx->proxy, "peer-left", G_CALLBACK (peer_left_cb), fx);
  g_signal_connect (fx->proxy, "g-properties-changed", G_CALLBACK (properties_changed_cb), fx);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  for (guint i = 0; i < N_SINKS; i++)
    {
      if (fx->peers[i] != NULL)
        {
          confab_broker_leave (fx->broker, fx->peers[i], CONFAB_REASON_QUIT);
          confab_broker_peer_unref (fx->peers[i]);
        }
      g_free (fx->sinks[i].close_reason);
    }

  g_clear_object (&fx->proxy);
  g_assert_finalize_object (fx->manager);
  g_assert_finalize_object (fx->source);
  g_assert_finalize_object (fx->broker);

  g_dbus_connection_close_sync (fx->client, NULL, NULL);
  g_dbus_connection_close_sync (fx->service, NULL, NULL);
  g_clear_object (&fx->client);
  g_clear_object (&fx->service);
  g_clear_pointer (&fx->bus, confab_dbus_test_bus_free);
  g_ptr_array_unref (fx->events);
}

static ConfabBrokerPeer *
join (Fixture    *fx,
      guint       slot,
      const char *name,
      const char *address)
{
  g_autoptr(GError) error = NULL;

  g_assert_null (fx->peers[slot]);
  fx->peers[slot] = confab_broker_join (fx->broker, name, address, "text",
                                        &fake_sink_funcs, &fx->sinks[slot], &error);
  g_assert_no_error (error);
  return fx->peers[slot];
}

/* Pops every line queued for @peer into one string. */
static char *
drain (ConfabBrokerPeer *peer)
{
  GString       *out = g_string_new (NULL);
  ConfabMessage *message;

  while ((message = confab_broker_peer_pop (peer)) != NULL)
    {
      gsize       len;
      const char *line = confab_codec_message_bytes (&confab_codec_text, message, &len);

      g_string_append_len (out, line, len);
      confab_message_unref (message);
    }
  return g_string_free (out, FALSE);
}

static gboolean
has_event (Fixture    *fx,
           const char *event)
{
  for (guint i = 0; i < fx->events->len; i++)
    if (g_str_equal (g_ptr_array_index (fx->events, i), event))
      return TRUE;
  return FALSE;
}

static gboolean
tick_cb (gpointer user_data)
{
  return G_SOURCE_CONTINUE;
}

/* Spins (bounded) until the proxy has reported @event. */
static void
wait_event (Fixture    *fx,
            const char *event)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) confab_dbus_test_scale_ms (WAIT_MS) * G_TIME_SPAN_MILLISECOND;
  guint tick = g_timeout_add (50, tick_cb, NULL);

  while (!has_event (fx, event))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for the event “%s”", event);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

/* ---- calls, awaited --------------------------------------------------- */

static GVariant *
call_list_peers (Fixture *fx,
                 GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *peers = NULL;

  confab_dbus_manager_call_list_peers (fx->proxy, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                       confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  confab_dbus_manager_call_list_peers_finish (fx->proxy, &peers, result, error);
  return peers;
}

static GVariant *
call_get_peer (Fixture    *fx,
               const char *name,
               GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *info = NULL;

  confab_dbus_manager_call_get_peer (fx->proxy, name, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                     confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  confab_dbus_manager_call_get_peer_finish (fx->proxy, &info, result, error);
  return info;
}

static gboolean
call_broadcast (Fixture    *fx,
                const char *text,
                guint      *n,
                GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_dbus_manager_call_broadcast (fx->proxy, text, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                      confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  return confab_dbus_manager_call_broadcast_finish (fx->proxy, n, result, error);
}

static gboolean
call_kick (Fixture    *fx,
           const char *name,
           const char *reason,
           GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  confab_dbus_manager_call_kick (fx->proxy, name, reason, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                 confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  return confab_dbus_manager_call_kick_finish (fx->proxy, result, error);
}

static GVariant *
call_get_statistics (Fixture *fx,
                     GError **error)
{
  g_autoptr(GAsyncResult) result = NULL;
  GVariant *stats = NULL;

  confab_dbus_manager_call_get_statistics (fx->proxy, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                           confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  confab_dbus_manager_call_get_statistics_finish (fx->proxy, &stats, result, error);
  return stats;
}

/* Asserts the error a client sees: its D-Bus name, and (since this
 * process registered the domain too) its mapping back to ConfabDBusError. */
static void
assert_dbus_error (GError         *error,
                   ConfabDBusError code,
                   const char     *name)
{
  g_autofree char *remote = NULL;

  g_assert_nonnull (error);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, name);
  g_assert_error (error, CONFAB_DBUS_ERROR, (int) code);
}

#define assert_no_such_peer(e) \
  assert_dbus_error ((e), CONFAB_DBUS_ERROR_NO_SUCH_PEER, "org.confab.Confab1.Error.NoSuchPeer")
#define assert_invalid_argument(e) \
  assert_dbus_error ((e), CONFAB_DBUS_ERROR_INVALID_ARGUMENT, "org.confab.Confab1.Error.InvalidArgument")
#define assert_access_denied(e) \
  assert_dbus_error ((e), CONFAB_DBUS_ERROR_ACCESS_DENIED, "org.confab.Confab1.Error.AccessDenied")

/* ---- tests ------------------------------------------------------------ */

static void
test_properties (Fixture      *fx,
                 gconstpointer data)
{
  const char * const *addresses;

  g_test_summary ("Version, ListenAddresses and PeerCount as the client's proxy reads them");

  g_assert_cmpstr (confab_dbus_manager_get_version (fx->proxy), ==, PACKAGE_VERSION);
  addresses = confab_dbus_manager_get_listen_addresses (fx->proxy);
  g_assert_nonnull (addresses);
  g_assert_cmpstrv (addresses, listen_addresses);
  g_assert_cmpuint (confab_dbus_manager_get_peer_count (fx->proxy), ==, 0);
}

static void
test_introspection (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GDBusNodeInfo) node = NULL;
  GDBusInterfaceInfo *iface;
  const char         *xml;
  const struct
  {
    const char *property;
    const char *emits;
  } annotations[] = {
    { "Version", "const" },
    { "PeerCount", "true" },
    { "ListenAddresses", "const" },
  };
  const char * const methods[] = { "ListPeers", "GetPeer", "Broadcast", "Kick", "GetStatistics" };
  const char * const signals[] = { "PeerJoined", "PeerLeft" };

  g_test_summary ("The object introspects with every member and the "
                  "EmitsChangedSignal annotations busctl shows");

  g_dbus_connection_call (fx->client, g_dbus_connection_get_unique_name (fx->service),
                          CONFAB_DBUS_PATH, "org.freedesktop.DBus.Introspectable", "Introspect",
                          NULL, G_VARIANT_TYPE ("(s)"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  reply = g_dbus_connection_call_finish (fx->client, result, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(&s)", &xml);

  node = g_dbus_node_info_new_for_xml (xml, &error);
  g_assert_no_error (error);
  iface = g_dbus_node_info_lookup_interface (node, CONFAB_DBUS_INTERFACE);
  g_assert_nonnull (iface);

  for (gsize i = 0; i < G_N_ELEMENTS (methods); i++)
    g_assert_nonnull (g_dbus_interface_info_lookup_method (iface, methods[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (signals); i++)
    g_assert_nonnull (g_dbus_interface_info_lookup_signal (iface, signals[i]));
  for (gsize i = 0; i < G_N_ELEMENTS (annotations); i++)
    {
      GDBusPropertyInfo *property = g_dbus_interface_info_lookup_property (iface, annotations[i].property);

      g_assert_nonnull (property);
      g_assert_cmpstr (g_dbus_annotation_info_lookup (property->annotations,
                                                      "org.freedesktop.DBus.Property.EmitsChangedSignal"),
                       ==, annotations[i].emits);
    }
  g_assert_cmpstr (g_dbus_interface_info_lookup_method (iface, "ListPeers")->out_args[0]->signature,
                   ==, "a(sst)");
}

static void
test_list_peers (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) peers = NULL;
  ConfabBrokerPeer *bob, *alice;
  const char       *name, *address;
  guint64           since;

  g_test_summary ("ListPeers: (name, address, µs since the epoch), sorted by name");

  peers = call_list_peers (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (peers), ==, "a(sst)");
  g_assert_cmpuint (g_variant_n_children (peers), ==, 0);
  g_clear_pointer (&peers, g_variant_unref);

  bob = join (fx, 0, "bob", "[::1]:40001");
  alice = join (fx, 1, "alice", "unix:uid=1000");

  peers = call_list_peers (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (peers), ==, 2);

  g_variant_get_child (peers, 0, "(&s&st)", &name, &address, &since);
  g_assert_cmpstr (name, ==, "alice");
  g_assert_cmpstr (address, ==, "unix:uid=1000");
  g_assert_cmpuint (since, ==, (guint64) confab_broker_peer_get_since (alice));
  g_assert_cmpuint (since, <=, (guint64) g_get_real_time ());
  g_assert_cmpuint (since, >, (guint64) g_get_real_time () - 60 * G_USEC_PER_SEC);

  g_variant_get_child (peers, 1, "(&s&st)", &name, &address, &since);
  g_assert_cmpstr (name, ==, "bob");
  g_assert_cmpstr (address, ==, "[::1]:40001");
  g_assert_cmpuint (since, ==, (guint64) confab_broker_peer_get_since (bob));
}

static void
assert_entry (GVariant           *dict,
              const char         *key,
              const GVariantType *type)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);

  if (value == NULL)
    g_error ("no “%s” in %s", key, g_variant_print (dict, TRUE));
  g_assert_cmpstr (g_variant_get_type_string (value), ==, g_variant_type_peek_string (type));
}

static guint64
lookup_u64 (GVariant   *dict,
            const char *key)
{
  guint64 value = 0;

  g_assert_true (g_variant_lookup (dict, key, "t", &value));
  return value;
}

static void
test_get_peer (Fixture      *fx,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  g_autofree char  *bob_lines = NULL;
  ConfabBrokerPeer *alice, *bob;
  const char       *recipients[] = { "bob" };
  const char       *text = "hello";
  const char       *s;
  guint32           queued;

  g_test_summary ("GetPeer: every documented key, with its documented type, "
                  "following the broker's counters");

  alice = join (fx, 0, "alice", "127.0.0.1:5001");
  bob = join (fx, 1, "bob", "127.0.0.1:5002");
  message = confab_message_new_chat ("alice", recipients, 1, text, strlen (text), 0);
  confab_broker_route (fx->broker, alice, recipients, 1, message);
  confab_broker_peer_received (alice, strlen ("bob: hello\n"));

  info = call_get_peer (fx, "alice", &error);
  g_assert_no_error (error);
  assert_entry (info, "name", G_VARIANT_TYPE_STRING);
  assert_entry (info, "address", G_VARIANT_TYPE_STRING);
  assert_entry (info, "protocol", G_VARIANT_TYPE_STRING);
  assert_entry (info, "connected_since", G_VARIANT_TYPE_UINT64);
  assert_entry (info, "messages_in", G_VARIANT_TYPE_UINT64);
  assert_entry (info, "messages_out", G_VARIANT_TYPE_UINT64);
  assert_entry (info, "bytes_in", G_VARIANT_TYPE_UINT64);
  assert_entry (info, "bytes_out", G_VARIANT_TYPE_UINT64);
  assert_entry (info, "queued", G_VARIANT_TYPE_UINT32);

  g_assert_true (g_variant_lookup (info, "name", "&s", &s));
  g_assert_cmpstr (s, ==, "alice");
  g_assert_true (g_variant_lookup (info, "address", "&s", &s));
  g_assert_cmpstr (s, ==, "127.0.0.1:5001");
  g_assert_true (g_variant_lookup (info, "protocol", "&s", &s));
  g_assert_cmpstr (s, ==, "text");
  g_assert_cmpuint (lookup_u64 (info, "connected_since"), ==, confab_broker_peer_get_since (alice));
  g_assert_cmpuint (lookup_u64 (info, "messages_in"), ==, 1);
  g_assert_cmpuint (lookup_u64 (info, "bytes_in"), ==, strlen ("bob: hello\n"));
  g_assert_cmpuint (lookup_u64 (info, "messages_out"), ==, 0);
  g_clear_pointer (&info, g_variant_unref);

  /* Bob's line is queued, then handed to his connection. */
  info = call_get_peer (fx, "bob", &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (info, "queued", "u", &queued));
  /* Memory held for it: the whole message, more than its line. */
  g_assert_cmpuint (queued, >, strlen ("from alice: hello\n"));
  g_assert_cmpuint (lookup_u64 (info, "messages_out"), ==, 0);
  g_clear_pointer (&info, g_variant_unref);

  bob_lines = drain (bob);
  g_assert_cmpstr (bob_lines, ==, "from alice: hello\n");
  info = call_get_peer (fx, "bob", &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (info, "queued", "u", &queued));
  g_assert_cmpuint (queued, ==, 0);
  g_assert_cmpuint (lookup_u64 (info, "messages_out"), ==, 1);
  g_assert_cmpuint (lookup_u64 (info, "bytes_out"), ==, strlen ("from alice: hello\n"));
}

static void
test_get_peer_errors (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;

  g_test_summary ("GetPeer: NoSuchPeer for an unknown name, InvalidArgument for an empty one");

  join (fx, 0, "alice", "127.0.0.1:5001");

  info = call_get_peer (fx, "bob", &error);
  g_assert_null (info);
  assert_no_such_peer (error);
  g_assert_nonnull (strstr (error->message, "No such peer: bob"));
  g_clear_error (&error);

  /* Names are compared on their key (case folded, SPEC §11), but not
   * trimmed. */
  info = call_get_peer (fx, "ALICE", &error);
  g_assert_no_error (error);
  g_assert_nonnull (info);
  g_clear_pointer (&info, g_variant_unref);
  info = call_get_peer (fx, " alice", &error);
  assert_no_such_peer (error);
  g_clear_error (&error);

  info = call_get_peer (fx, "", &error);
  g_assert_null (info);
  assert_invalid_argument (error);
}

static void
test_broadcast (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char  *alice_lines = NULL;
  g_autofree char  *bob_lines = NULL;
  ConfabBrokerPeer *alice, *bob;
  guint             n = 0;

  g_test_summary ("Broadcast: “from @server: TEXT” to every peer, trimmed; returns the count");

  g_assert_true (call_broadcast (fx, "nobody hears this", &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);

  alice = join (fx, 0, "alice", "127.0.0.1:5001");
  bob = join (fx, 1, "bob", "127.0.0.1:5002");

  g_assert_true (call_broadcast (fx, "maintenance at 5 pm", &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 2);
  g_assert_true (call_broadcast (fx, " \t padded\tinside \t ", &n, &error));
  g_assert_no_error (error);
  g_assert_true (call_broadcast (fx, "ünïcödé ✓", &n, &error));
  g_assert_no_error (error);

  alice_lines = drain (alice);
  bob_lines = drain (bob);
  g_assert_cmpstr (alice_lines, ==,
                   "from @server: maintenance at 5 pm\n"
                   "from @server: padded\tinside\n"
                   "from @server: ünïcödé ✓\n");
  g_assert_cmpstr (bob_lines, ==, alice_lines);
}

static void
test_broadcast_errors (Fixture      *fx,
                       gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char   *at_limit = g_strnfill (4096, 'x');
  g_autofree char   *over_limit = g_strnfill (4097, 'x');
  g_autofree char   *lines = NULL;
  const char * const invalid[] = {
    "",
    "   ",
    " \t ",
    "two\nlines",
    "trailing newline\n",
    "carriage\rreturn",
    "bell\a",
    "escape\033[31mred",
    "del\177",
    "c1 \302\205 next line",
    over_limit,
  };
  ConfabBrokerPeer *alice;
  ConfabBrokerStats stats;
  guint             n = 0;

  g_test_summary ("Broadcast: empty, control characters, line breaks and over-long "
                  "text get InvalidArgument and reach nobody");

  alice = join (fx, 0, "alice", "127.0.0.1:5001");

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_test_message ("text %" G_GSIZE_FORMAT ": “%.40s”", i, invalid[i]);
      g_assert_false (call_broadcast (fx, invalid[i], &n, &error));
      assert_invalid_argument (error);
      g_clear_error (&error);
    }
  g_assert_null (confab_broker_peer_pop (alice));
  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.messages_routed, ==, 0);

  /* The limit is inclusive, and the daemon may change it (SIGHUP). */
  g_assert_true (call_broadcast (fx, at_limit, &n, &error));
  g_assert_no_error (error);
  confab_manager_set_text_max_bytes (fx->manager, 8);
  g_assert_true (call_broadcast (fx, "12345678", &n, &error));
  g_assert_no_error (error);
  g_assert_false (call_broadcast (fx, "123456789", &n, &error));
  assert_invalid_argument (error);
  g_assert_nonnull (strstr (error->message, "longer than 8 bytes"));

  lines = drain (alice);
  g_assert_true (g_str_has_suffix (lines, "xxx\nfrom @server: 12345678\n"));
}

static void
test_kick (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char  *bob_lines = NULL;
  g_autofree char  *carol_lines = NULL;
  ConfabBrokerPeer *bob, *carol;
  ConfabBrokerStats stats;
  guint             n;

  g_test_summary ("Kick: the peer gets “error: kicked: REASON” after its queue, "
                  "is closed with a flush and leaves with the reason “kicked”");

  join (fx, 0, "alice", "127.0.0.1:5001");
  bob = join (fx, 1, "bob", "127.0.0.1:5002");
  carol = join (fx, 2, "carol", "127.0.0.1:5003");
  g_assert_true (call_broadcast (fx, "behave", &n, &error));
  g_assert_no_error (error);

  g_assert_true (call_kick (fx, "bob", "  too loud ", &error));
  g_assert_no_error (error);
  g_assert_false (confab_broker_peer_is_joined (bob));
  g_assert_cmpuint (fx->sinks[1].closes, ==, 1);
  g_assert_true (fx->sinks[1].close_flush);
  g_assert_cmpstr (fx->sinks[1].close_reason, ==, CONFAB_REASON_KICKED);
  bob_lines = drain (bob);
  g_assert_cmpstr (bob_lines, ==, "from @server: behave\nerror: kicked: too loud\n");
  wait_event (fx, "left bob kicked");

  /* An empty reason is allowed. */
  g_assert_true (call_kick (fx, "carol", "", &error));
  g_assert_no_error (error);
  carol_lines = drain (carol);
  g_assert_cmpstr (carol_lines, ==, "from @server: behave\nerror: kicked: no reason given\n");

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.kicks, ==, 2);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
}

static void
test_kick_errors (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char  *long_reason = g_strnfill (4097, 'r');
  ConfabBrokerPeer *alice;

  g_test_summary ("Kick: NoSuchPeer, and InvalidArgument for an empty name or a bad "
                  "reason, which leave the peer connected");

  alice = join (fx, 0, "alice", "127.0.0.1:5001");

  g_assert_false (call_kick (fx, "bob", "bye", &error));
  assert_no_such_peer (error);
  g_assert_nonnull (strstr (error->message, "No such peer: bob"));
  g_clear_error (&error);

  g_assert_false (call_kick (fx, "", "bye", &error));
  assert_invalid_argument (error);
  g_clear_error (&error);

  g_assert_false (call_kick (fx, "alice", "line one\nerror: forged", &error));
  assert_invalid_argument (error);
  g_clear_error (&error);

  g_assert_false (call_kick (fx, "alice", long_reason, &error));
  assert_invalid_argument (error);
  g_clear_error (&error);

  g_assert_true (confab_broker_peer_is_joined (alice));
  g_assert_cmpuint (fx->sinks[0].closes, ==, 0);
  g_assert_null (confab_broker_peer_pop (alice));
}

static void
test_statistics (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabBrokerPeer *alice;
  const char       *recipients[] = { "alice", "nobody" };
  const struct
  {
    const char *key;
    const char *type;
  } keys[] = {
    { "uptime_usec", "t" },
    { "peers", "u" },
    { "peers_peak", "u" },
    { "peers_max", "u" },
    { "queue_max_bytes", "u" },
    { "logins", "t" },
    { "logins_rejected", "t" },
    { "messages_routed", "t" },
    { "deliveries", "t" },
    { "bytes_routed", "t" },
    { "errors_sent", "t" },
    { "kicks", "t" },
    { "slow_consumers_dropped", "t" },
    { "logins_refused_server_full", "t" },
    { "login_timeouts", "t" },
    { "lines_too_long", "t" },
    { "messages_too_many_recipients", "t" },
    { "rate_limit_pauses", "t" },
    { "irc_ping_timeouts", "t" },
    { "tls_handshakes_failed", "t" },
    { "auth_failures", "t" },
    { "history", "b" },
    { "history_rows_written", "t" },
    { "history_write_errors", "t" },
    { "history_writes_refused", "t" },
    { "history_rows_pruned", "t" },
    { "offline_stored", "t" },
    { "offline_delivered", "t" },
    { "offline_refused", "t" },
    { "history_write_p99_usec", "t" },
    { "signals_coalesced", "t" },
  };
  guint32 u;

  g_test_summary ("GetStatistics: every documented key with its type, following the broker");

  alice = join (fx, 0, "alice", "127.0.0.1:5001");
  join (fx, 1, "bob", "127.0.0.1:5002");
  g_assert_null (confab_broker_join (fx->broker, "bob", "127.0.0.1:5003", "text",
                                     &fake_sink_funcs, &fx->sinks[2], NULL));
  message = confab_message_new_chat ("alice", recipients, 2, "hi", 2, 0);
  confab_broker_route (fx->broker, alice, recipients, 2, message);
  g_assert_true (call_kick (fx, "bob", "", &error));
  g_assert_no_error (error);
  /* What the connection layers count; distinct numbers, so that a key
   * showing another's counter is caught. */
  fx->source->stats.logins_refused_server_full = 1;
  fx->source->stats.login_timeouts = 2;
  fx->source->stats.lines_too_long = 3;
  fx->source->stats.messages_too_many_recipients = 4;
  fx->source->stats.rate_limit_pauses = 5;

  stats = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    assert_entry (stats, keys[i].key, G_VARIANT_TYPE (keys[i].type));

  g_assert_cmpuint (lookup_u64 (stats, "uptime_usec"), >, 0);
  g_assert_true (g_variant_lookup (stats, "peers", "u", &u));
  g_assert_cmpuint (u, ==, 1);
  g_assert_true (g_variant_lookup (stats, "peers_peak", "u", &u));
  g_assert_cmpuint (u, ==, 2);
  g_assert_true (g_variant_lookup (stats, "peers_max", "u", &u));
  g_assert_cmpuint (u, ==, 16);
  g_assert_true (g_variant_lookup (stats, "queue_max_bytes", "u", &u));
  g_assert_cmpuint (u, ==, 65536);
  g_assert_cmpuint (lookup_u64 (stats, "logins"), ==, 2);
  g_assert_cmpuint (lookup_u64 (stats, "logins_rejected"), ==, 1);
  g_assert_cmpuint (lookup_u64 (stats, "messages_routed"), ==, 1);
  g_assert_cmpuint (lookup_u64 (stats, "deliveries"), ==, 1);
  g_assert_cmpuint (lookup_u64 (stats, "bytes_routed"), ==, strlen ("from alice: hi\n"));
  /* "no such peer: nobody" and bob's "kicked" notice. */
  g_assert_cmpuint (lookup_u64 (stats, "errors_sent"), ==, 2);
  g_assert_cmpuint (lookup_u64 (stats, "kicks"), ==, 1);
  g_assert_cmpuint (lookup_u64 (stats, "slow_consumers_dropped"), ==, 0);
  g_assert_cmpuint (lookup_u64 (stats, "logins_refused_server_full"), ==, 1);
  g_assert_cmpuint (lookup_u64 (stats, "login_timeouts"), ==, 2);
  g_assert_cmpuint (lookup_u64 (stats, "lines_too_long"), ==, 3);
  g_assert_cmpuint (lookup_u64 (stats, "messages_too_many_recipients"), ==, 4);
  g_assert_cmpuint (lookup_u64 (stats, "rate_limit_pauses"), ==, 5);
  g_clear_pointer (&stats, g_variant_unref);

  /* Logins refused before the broker was asked, and their error lines,
   * add to the broker's; the connection limit is the source's. */
  fx->source->stats.logins_rejected = 10;
  fx->source->stats.errors_sent = 20;
  fx->source->stats.peers_max = 3;
  stats = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lookup_u64 (stats, "logins_rejected"), ==, 1 + 10);
  g_assert_cmpuint (lookup_u64 (stats, "errors_sent"), ==, 2 + 20);
  g_assert_true (g_variant_lookup (stats, "peers_max", "u", &u));
  g_assert_cmpuint (u, ==, 3);
  g_assert_cmpuint (lookup_u64 (stats, "logins"), ==, 2);
}

/* A cluster link that only reports (test-broker-cluster.c tests the rest). */
static void
cluster_claim (gpointer            data,
               const char         *name,
               const char         *key,
               ConfabClaimDoneFunc done,
               gpointer            user_data)
{
  g_assert_not_reached ();
}

static void
cluster_unclaim (gpointer    data,
                 const char *key)
{
}

static gboolean
cluster_route_to_name (gpointer          data,
                       ConfabBrokerPeer *sender,
                       const char       *key,
                       ConfabMessage    *message)
{
  return FALSE;
}

static void
cluster_route_to_room (gpointer          data,
                       ConfabBrokerRoom *room,
                       ConfabMessage    *message)
{
}

static gboolean
cluster_has_name (gpointer    data,
                  const char *key)
{
  return FALSE;
}

static void
cluster_get_stats (gpointer            data,
                   ConfabClusterStats *stats)
{
  stats->ready = TRUE;
  stats->nodes = 3;
  stats->messages_in = 7;
  stats->messages_out = 8;
  stats->messages_lost = 9;
  stats->node_peers = g_variant_ref_sink (g_variant_new_parsed ("@a{su} {'n0': 2, 'n1': 0, 'n2': 5}"));
}

static void
cluster_room_notice (gpointer          data,
                     ConfabBrokerRoom *room,
                     ConfabMessage    *notice)
{
}

static void
cluster_add_room_members (gpointer          data,
                          ConfabBrokerRoom *room,
                          GPtrArray        *names)
{
}

static void
cluster_add_peer_names (gpointer   data,
                        GPtrArray *names)
{
}

static const ConfabClusterLink reporting_link = {
  .claim = cluster_claim,
  .unclaim = cluster_unclaim,
  .route_to_name = cluster_route_to_name,
  .route_to_room = cluster_route_to_room,
  .has_name = cluster_has_name,
  .get_stats = cluster_get_stats,
  .room_notice = cluster_room_notice,
  .add_room_members = cluster_add_room_members,
  .add_peer_names = cluster_add_peer_names,
};

static void
test_statistics_cluster (Fixture      *fx,
                         gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) alone = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) node_peers = NULL;
  guint32  u;
  gboolean b;

  g_test_summary ("GetStatistics of a cluster node: its nodes, their peers and the messages between them");

  alone = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_lookup (alone, "cluster_nodes", "u", &u));

  confab_broker_set_cluster_link (fx->broker, &reporting_link, NULL);
  stats = call_get_statistics (fx, &error);
  confab_broker_set_cluster_link (fx->broker, NULL, NULL);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "cluster", "b", &b));
  g_assert_true (b);
  g_assert_true (g_variant_lookup (stats, "cluster_ready", "b", &b));
  g_assert_true (b);
  g_assert_true (g_variant_lookup (stats, "cluster_nodes", "u", &u));
  g_assert_cmpuint (u, ==, 3);
  g_assert_cmpuint (lookup_u64 (stats, "cluster_messages_in"), ==, 7);
  g_assert_cmpuint (lookup_u64 (stats, "cluster_messages_out"), ==, 8);
  g_assert_cmpuint (lookup_u64 (stats, "cluster_messages_lost"), ==, 9);
  node_peers = g_variant_lookup_value (stats, "cluster_node_peers", G_VARIANT_TYPE ("a{su}"));
  g_assert_nonnull (node_peers);
  g_assert_true (g_variant_lookup (node_peers, "n2", "u", &u));
  g_assert_cmpuint (u, ==, 5);
}

/* The connections' limits the daemon hands over, as on start-up and reload. */
static GVariant *
peer_limits_new (guint32 line_max_bytes,
                 guint32 rate_per_sec)
{
  GVariantBuilder dict;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "line_max_bytes", g_variant_new_uint32 (line_max_bytes));
  g_variant_builder_add (&dict, "{sv}", "rate_limit_messages_per_sec",
                         g_variant_new_uint32 (rate_per_sec));
  return g_variant_builder_end (&dict);
}

static void
test_statistics_limits (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) before = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) reloaded = NULL;
  guint32 u;

  g_test_summary ("GetStatistics reports the connections' limits the daemon sets, "
                  "and their new values after a reload");

  before = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_false (g_variant_lookup (before, "line_max_bytes", "u", &u));

  confab_manager_set_peer_limits (fx->manager, peer_limits_new (4096, 0));
  stats = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (stats, "line_max_bytes", "u", &u));
  g_assert_cmpuint (u, ==, 4096);
  g_assert_true (g_variant_lookup (stats, "rate_limit_messages_per_sec", "u", &u));
  g_assert_cmpuint (u, ==, 0);
  g_assert_true (g_variant_lookup (stats, "peers_max", "u", &u));
  g_assert_cmpuint (u, ==, 16);

  confab_manager_set_peer_limits (fx->manager, peer_limits_new (1048576, 5));
  reloaded = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_lookup (reloaded, "line_max_bytes", "u", &u));
  g_assert_cmpuint (u, ==, 1048576);
  g_assert_true (g_variant_lookup (reloaded, "rate_limit_messages_per_sec", "u", &u));
  g_assert_cmpuint (u, ==, 5);
  g_assert_cmpuint (g_variant_n_children (reloaded), ==, g_variant_n_children (stats));
}

static void
test_statistics_no_source (Fixture      *fx,
                           gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) with_source = NULL;
  g_autoptr(GVariant) stats = NULL;
  const char * const counted[] = {
    "logins_refused_server_full",
    "login_timeouts",
    "lines_too_long",
    "messages_too_many_recipients",
    "rate_limit_pauses",
    "irc_ping_timeouts",
    "tls_handshakes_failed",
    "auth_failures",
  };
  guint32 u;

  g_test_summary ("Without a source of the connections' counters GetStatistics keeps "
                  "every key: none counted, no connection limit, the broker's own "
                  "refusals and error lines");

  fx->source->stats.login_timeouts = 7;
  fx->source->stats.logins_rejected = 7;
  with_source = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_null (confab_broker_join (fx->broker, "", "127.0.0.1:5001", "text",
                                     &fake_sink_funcs, &fx->sinks[0], NULL));

  confab_manager_set_stats_source (fx->manager, NULL);
  stats = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (stats), ==, g_variant_n_children (with_source));
  for (gsize i = 0; i < G_N_ELEMENTS (counted); i++)
    g_assert_cmpuint (lookup_u64 (stats, counted[i]), ==, 0);
  g_assert_true (g_variant_lookup (stats, "peers_max", "u", &u));
  g_assert_cmpuint (u, ==, G_MAXUINT);
  g_assert_cmpuint (lookup_u64 (stats, "logins_rejected"), ==, 1);
  g_assert_cmpuint (lookup_u64 (stats, "errors_sent"), ==, 0);
}

static void
test_signals (Fixture      *fx,
              gconstpointer data)
{
  ConfabBrokerPeer *alice;

  g_test_summary ("PeerJoined, PeerLeft and PeerCount's PropertiesChanged follow the broker");

  alice = join (fx, 0, "alice", "127.0.0.1:5001");
  wait_event (fx, "joined alice 127.0.0.1:5001");
  wait_event (fx, "count 1");
  g_assert_cmpuint (confab_dbus_manager_get_peer_count (fx->proxy), ==, 1);

  /* The signal is sent at once; the count from an idle, so it follows. */
  g_assert_cmpstr (g_ptr_array_index (fx->events, 0), ==, "joined alice 127.0.0.1:5001");

  join (fx, 1, "bob", "[::1]:5002");
  wait_event (fx, "joined bob [::1]:5002");
  wait_event (fx, "count 2");

  /* Forget "count 1" from above, so that it is not taken for the new one. */
  g_ptr_array_set_size (fx->events, 0);
  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  wait_event (fx, "left alice quit");
  wait_event (fx, "count 1");
  g_assert_cmpuint (confab_dbus_manager_get_peer_count (fx->proxy), ==, 1);
}

/* Applies the proxy's events from *next on to @present (name → address),
 * asserting that each makes sense: a join of an absent name, a leave of a
 * present one. Returns the last PeerCount seen, or @count if none. */
static guint
replay_events (Fixture    *fx,
               guint      *next,
               GHashTable *present,
               guint       count)
{
  for (; *next < fx->events->len; (*next)++)
    {
      g_auto(GStrv) words = g_strsplit (g_ptr_array_index (fx->events, *next), " ", 3);

      if (g_str_equal (words[0], "joined"))
        {
          g_assert_false (g_hash_table_contains (present, words[1]));
          g_hash_table_insert (present, g_strdup (words[1]), g_strdup (words[2]));
        }
      else if (g_str_equal (words[0], "left"))
        g_assert_true (g_hash_table_remove (present, words[1]));
      else
        count = (guint) g_ascii_strtoull (words[1], NULL, 10);
    }
  return count;
}

/* Whether @present (name → address) is exactly the broker's peer set. */
static gboolean
matches_broker (Fixture    *fx,
                GHashTable *present)
{
  g_autoptr(GPtrArray) peers = confab_broker_list_peers (fx->broker);

  if (peers->len != g_hash_table_size (present))
    return FALSE;
  for (guint i = 0; i < peers->len; i++)
    {
      ConfabBrokerPeer *peer = g_ptr_array_index (peers, i);
      const char       *address = g_hash_table_lookup (present, confab_broker_peer_get_name (peer));

      if (g_strcmp0 (address, confab_broker_peer_get_address (peer)) != 0)
        return FALSE;
    }
  return TRUE;
}

#define CHURN_SLOTS 16 /* peers at once, as many as the fixture's peers_max */
#define CHURN_JOINS 40000

static void
test_signals_stalled_bus (Fixture      *fx,
                          gconstpointer data)
{
  FakeSink          sinks[CHURN_SLOTS] = { { 0 } };
  ConfabBrokerPeer *peers[CHURN_SLOTS] = { NULL };
  g_autoptr(GHashTable) present = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GError) error = NULL;
  guint  joins = 0, next = 0, count = 0;
  gint64 deadline;
  guint  tick;

  g_test_summary ("With the bus not reading, 40 000 joins and leaves do not queue "
                  "80 000 signals: past a window they are coalesced per name, and "
                  "once the bus reads again the signals an observer gets, applied "
                  "in order, end at the broker's peer set and count");

  confab_dbus_test_bus_pause (fx->bus);
  for (guint round = 0; joins < CHURN_JOINS; round++)
    {
      for (guint i = 0; i < CHURN_SLOTS; i++)
        {
          g_autofree char *name = g_strdup_printf ("p%u", i);
          g_autofree char *address = g_strdup_printf ("127.0.0.1:%u", 1024 + round % 60000);

          if (peers[i] != NULL)
            {
              confab_broker_leave (fx->broker, peers[i], CONFAB_REASON_QUIT);
              g_clear_pointer (&peers[i], confab_broker_peer_unref);
            }
          peers[i] = confab_broker_join (fx->broker, name, address, "text",
                                         &fake_sink_funcs, &sinks[i], &error);
          g_assert_no_error (error);
          joins++;
        }
      /* Let flushes complete and the skeleton's idle run, as the
       * daemon's main loop would between clients. */
      for (guint k = 0; k < 100 && g_main_context_iteration (NULL, FALSE); k++)
        ;
    }
  /* Half of them leave for good: the end state has both kinds. */
  for (guint i = 0; i < CHURN_SLOTS; i += 2)
    {
      confab_broker_leave (fx->broker, peers[i], CONFAB_REASON_QUIT);
      g_clear_pointer (&peers[i], confab_broker_peer_unref);
    }

  confab_dbus_test_bus_resume (fx->bus);
  deadline = g_get_monotonic_time () +
             (gint64) confab_dbus_test_scale_ms (30000) * G_TIME_SPAN_MILLISECOND;
  tick = g_timeout_add (50, tick_cb, NULL);
  for (;;)
    {
      count = replay_events (fx, &next, present, count);
      if (count == confab_broker_get_n_peers (fx->broker) && matches_broker (fx, present))
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the signals did not reach the broker's state: %u events, count %u of %u",
                 fx->events->len, count, confab_broker_get_n_peers (fx->broker));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);

  g_test_message ("%u signals reached the observer", fx->events->len);
  /* Without the bound every join and leave is a signal of its own. */
  g_assert_cmpuint (fx->events->len, <, CHURN_JOINS / 4);

  stats = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (lookup_u64 (stats, "signals_coalesced"), >, CHURN_JOINS);
  /* The call went through the bus after the joins: no straggler follows. */
  g_assert_cmpuint (replay_events (fx, &next, present, count), ==, CHURN_SLOTS / 2);
  g_assert_true (matches_broker (fx, present));

  for (guint i = 0; i < CHURN_SLOTS; i++)
    {
      if (peers[i] != NULL)
        confab_broker_leave (fx->broker, peers[i], CONFAB_REASON_QUIT);
      g_clear_pointer (&peers[i], confab_broker_peer_unref);
      g_free (sinks[i].close_reason);
    }
}

static void
test_unexport (Fixture      *fx,
               gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) peers = NULL;

  g_test_summary ("After unexport, calls fail cleanly and the broker is untouched");

  join (fx, 0, "alice", "127.0.0.1:5001");
  confab_manager_unexport (fx->manager);
  confab_manager_unexport (fx->manager);

  peers = call_list_peers (fx, &error);
  g_assert_null (peers);
  g_assert_true (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD) ||
                 g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_OBJECT));
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
}

/* ---- authorization ------------------------------------------------------ */

static void
test_auth_member_access (void)
{
  const struct
  {
    const char         *interface_name;
    const char         *method_name;
    ConfabManagerAccess access;
  } cases[] = {
    { CONFAB_DBUS_INTERFACE, "ListPeers", CONFAB_MANAGER_ACCESS_OPEN },
    { CONFAB_DBUS_INTERFACE, "GetPeer", CONFAB_MANAGER_ACCESS_OPEN },
    { CONFAB_DBUS_INTERFACE, "GetStatistics", CONFAB_MANAGER_ACCESS_OPEN },
    { CONFAB_DBUS_INTERFACE, "Broadcast", CONFAB_MANAGER_ACCESS_ADMIN },
    { CONFAB_DBUS_INTERFACE, "Kick", CONFAB_MANAGER_ACCESS_ADMIN },
    { "org.freedesktop.DBus.Properties", "Get", CONFAB_MANAGER_ACCESS_OPEN },
    { "org.freedesktop.DBus.Properties", "GetAll", CONFAB_MANAGER_ACCESS_OPEN },
    /* Deny by default: whatever is not listed. */
    { "org.freedesktop.DBus.Properties", "Set", CONFAB_MANAGER_ACCESS_DENIED },
    { CONFAB_DBUS_INTERFACE, "Shutdown", CONFAB_MANAGER_ACCESS_DENIED },
    { CONFAB_DBUS_INTERFACE, "broadcast", CONFAB_MANAGER_ACCESS_DENIED },
    { CONFAB_DBUS_INTERFACE, "", CONFAB_MANAGER_ACCESS_DENIED },
    { CONFAB_DBUS_INTERFACE, NULL, CONFAB_MANAGER_ACCESS_DENIED },
    { "org.example.Other", "ListPeers", CONFAB_MANAGER_ACCESS_DENIED },
    { "org.freedesktop.DBus.Introspectable", "Introspect", CONFAB_MANAGER_ACCESS_DENIED },
    { NULL, "Broadcast", CONFAB_MANAGER_ACCESS_DENIED },
    { NULL, NULL, CONFAB_MANAGER_ACCESS_DENIED },
  };

  g_test_summary ("Read-only members are open, Broadcast and Kick need privilege, "
                  "anything else is refused");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_test_message ("%s.%s", cases[i].interface_name, cases[i].method_name);
      g_assert_cmpint (confab_manager_get_member_access (cases[i].interface_name,
                                                         cases[i].method_name),
                       ==, cases[i].access);
    }
}

static void
test_auth_every_method (void)
{
  GDBusInterfaceInfo *info = confab_dbus_manager_interface_info ();

  g_test_summary ("Every method of the XML has a rule, so a method added without one "
                  "is noticed here rather than refused in production");

  for (guint i = 0; info->methods[i] != NULL; i++)
    {
      const char         *name = info->methods[i]->name;
      ConfabManagerAccess access = confab_manager_get_member_access (info->name, name);
      /* And GetRoomHistory: what was said in a room is for admins. */
      gboolean changes_state = g_str_equal (name, "Broadcast") || g_str_equal (name, "Kick") ||
                               g_str_equal (name, "BroadcastRoom") || g_str_equal (name, "GetRoomHistory");

      g_test_message ("%s", name);
      g_assert_cmpint (access, ==, changes_state ? CONFAB_MANAGER_ACCESS_ADMIN : CONFAB_MANAGER_ACCESS_OPEN);
    }
}

static void
test_auth_caller_is_admin (void)
{
  const guint32 groups[] = { 100, 27, 4242, 65534 };
  const guint32 admin_only[] = { 4242 };

  g_test_summary ("Root is always an administrator; anyone else only as a member of "
                  "the admin group, if the system has one");

  /* root, with any groups or none, with or without the group */
  g_assert_true (confab_manager_caller_is_admin (0, NULL, 0, -1));
  g_assert_true (confab_manager_caller_is_admin (0, NULL, 0, 4242));
  g_assert_true (confab_manager_caller_is_admin (0, groups, G_N_ELEMENTS (groups), 999));

  /* a member: the group anywhere in the list */
  g_assert_true (confab_manager_caller_is_admin (1000, groups, G_N_ELEMENTS (groups), 4242));
  g_assert_true (confab_manager_caller_is_admin (1000, groups, G_N_ELEMENTS (groups), 65534));
  g_assert_true (confab_manager_caller_is_admin (1000, admin_only, 1, 4242));

  /* not a member, no groups, no such group on this system */
  g_assert_false (confab_manager_caller_is_admin (1000, groups, G_N_ELEMENTS (groups), 999));
  g_assert_false (confab_manager_caller_is_admin (1000, NULL, 0, 4242));
  g_assert_false (confab_manager_caller_is_admin (1000, groups, G_N_ELEMENTS (groups), -1));
  g_assert_false (confab_manager_caller_is_admin (65534, groups, 1, 65534));

  /* the service's own user is nothing special */
  g_assert_false (confab_manager_caller_is_admin (G_MAXUINT32, NULL, 0, 4242));
}

static void
count_notify_cb (GObject    *object,
                 GParamSpec *pspec,
                 guint      *count)
{
  (*count)++;
}

static void
test_auth_property (void)
{
  ConfabBrokerLimits limits = { .queue_max_bytes = 4096 };
  g_autoptr(ConfabBroker) broker = confab_broker_new (&limits);
  g_autoptr(ConfabManager) manager = confab_manager_new (broker, NULL);
  gboolean enforce = FALSE;
  guint    notified = 0;

  g_test_summary ("enforce-authorization: on by default, notified only on a change");

  g_assert_true (confab_manager_get_enforce_authorization (manager));
  g_signal_connect (manager, "notify::enforce-authorization",
                    G_CALLBACK (count_notify_cb), &notified);

  confab_manager_set_enforce_authorization (manager, TRUE);
  g_assert_cmpuint (notified, ==, 0);
  confab_manager_set_enforce_authorization (manager, FALSE);
  g_assert_cmpuint (notified, ==, 1);
  g_assert_false (confab_manager_get_enforce_authorization (manager));

  g_object_set (manager, "enforce-authorization", TRUE, NULL);
  g_assert_cmpuint (notified, ==, 2);
  g_object_get (manager, "enforce-authorization", &enforce, NULL);
  g_assert_true (enforce);
}

/* What the manager should decide for this process, computed the way it
 * does: the bus reports the groups the kernel gave this process. */
static gboolean
this_process_is_admin (void)
{
  g_autofree gid_t   *gids = NULL;
  g_autofree guint32 *groups = NULL;
  struct group       *admin = getgrnam (CONFAB_MANAGER_ADMIN_GROUP);
  int                 n = getgroups (0, NULL);

  g_assert_cmpint (n, >=, 0);
  gids = g_new0 (gid_t, n + 1);
  groups = g_new0 (guint32, n + 1);
  n = getgroups (n, gids);
  g_assert_cmpint (n, >=, 0);
  for (int i = 0; i < n; i++)
    groups[i] = gids[i];

  return confab_manager_caller_is_admin (getuid (), groups, n,
                                         admin != NULL ? (gint64) admin->gr_gid : -1);
}

static void
test_auth_enforced (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autofree char  *line = NULL;
  ConfabBrokerPeer *alice;
  gboolean          admin = this_process_is_admin ();
  guint             n = 0;

  g_test_summary ("With enforcement on, read-only calls work for anyone and Broadcast "
                  "and Kick follow the caller's uid and groups, asked of the bus");
  g_test_message ("this process (uid %u) is %san administrator", (guint) getuid (),
                  admin ? "" : "not ");

  alice = join (fx, 0, "alice", "127.0.0.1:5001");

  peers = call_list_peers (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_variant_n_children (peers), ==, 1);
  info = call_get_peer (fx, "alice", &error);
  g_assert_no_error (error);
  stats = call_get_statistics (fx, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (confab_dbus_manager_get_peer_count (fx->proxy), ==, 1);

  if (admin)
    {
      g_assert_true (call_broadcast (fx, "hello", &n, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, 1);
      line = drain (alice);
      g_assert_cmpstr (line, ==, "from @server: hello\n");

      g_assert_true (call_kick (fx, "alice", "bye", &error));
      g_assert_no_error (error);
      g_assert_cmpuint (fx->sinks[0].closes, ==, 1);
      return;
    }

  g_assert_false (call_broadcast (fx, "hello", &n, &error));
  assert_access_denied (error);
  g_assert_nonnull (strstr (error->message, CONFAB_MANAGER_ADMIN_GROUP));
  g_clear_error (&error);
  line = drain (alice);
  g_assert_cmpstr (line, ==, "");

  g_assert_false (call_kick (fx, "alice", "bye", &error));
  assert_access_denied (error);
  g_clear_error (&error);
  g_assert_cmpuint (fx->sinks[0].closes, ==, 0);

  /* Refused before the lookup: a caller cannot probe for names. */
  g_assert_false (call_kick (fx, "nobody-here", "", &error));
  assert_access_denied (error);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
}

static void
test_auth_not_enforced (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  guint n = G_MAXUINT;

  g_test_summary ("With enforcement off (the session bus), Broadcast and Kick need "
                  "no privilege; the answer is the method's own");

  g_assert_true (call_broadcast (fx, "hello", &n, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (n, ==, 0);

  g_assert_false (call_kick (fx, "nobody", "", &error));
  assert_no_such_peer (error);
}

#define N_PIPELINED 1000

typedef struct
{
  guint     done;
  guint     failed;
  GVariant *stats; /* (owned): GetStatistics's answer, sent after the Broadcasts */
} Pipeline;

static void
pipelined_broadcast_cb (GObject      *source,
                        GAsyncResult *result,
                        gpointer      user_data)
{
  Pipeline *pipeline = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_dbus_manager_call_broadcast_finish (CONFAB_DBUS_MANAGER (source), NULL, result, &error))
    {
      g_test_message ("Broadcast failed: %s", error->message);
      pipeline->failed++;
    }
  pipeline->done++;
}

static void
pipelined_stats_cb (GObject      *source,
                    GAsyncResult *result,
                    gpointer      user_data)
{
  Pipeline *pipeline = user_data;
  g_autoptr(GError) error = NULL;

  if (!confab_dbus_manager_call_get_statistics_finish (CONFAB_DBUS_MANAGER (source),
                                                       &pipeline->stats, result, &error))
    {
      g_test_message ("GetStatistics failed: %s", error->message);
      pipeline->failed++;
    }
  pipeline->done++;
}

static void
test_pipelined_order (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(GString) expected = g_string_new (NULL);
  g_autoptr(GString) got = g_string_new (NULL);
  g_autofree char  *got_part = NULL;
  g_autofree char  *lines = NULL;
  Pipeline          pipeline = { 0 };
  gint64            deadline = g_get_monotonic_time () + confab_dbus_test_scale_ms (60000) * G_TIME_SPAN_MILLISECOND;
  ConfabBrokerPeer *alice;
  guint64           routed = 0;

  g_test_summary ("Calls one caller sends back to back take effect in the order sent: "
                  "1000 Broadcasts reach a peer in order, and a GetStatistics sent "
                  "after them sees all of them (issue: calls came back in the order "
                  "their authorization threads finished)");
  if (data == enforced && !this_process_is_admin ())
    {
      g_test_skip ("this process is not an administrator");
      return;
    }

  alice = join (fx, 0, "alice", "127.0.0.1:5001");
  for (guint i = 0; i < N_PIPELINED; i++)
    {
      g_autofree char *text = NULL;

      /* dbus-daemon refuses more than 128 pending replies per connection
       * (the system bus's limit): keep a window of 100 in flight. */
      while (i - pipeline.done >= 100 && g_get_monotonic_time () < deadline)
        g_main_context_iteration (NULL, TRUE);
      /* Read as a connection would, so the queue never passes its limit. */
      got_part = drain (alice);
      g_string_append (got, got_part);
      g_clear_pointer (&got_part, g_free);
      text = g_strdup_printf ("message %u", i);

      confab_dbus_manager_call_broadcast (fx->proxy, text, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                          pipelined_broadcast_cb, &pipeline);
      g_string_append_printf (expected, "from @server: %s\n", text);
    }
  confab_dbus_manager_call_get_statistics (fx->proxy, G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                                           pipelined_stats_cb, &pipeline);

  while (pipeline.done < N_PIPELINED + 1 && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_assert_cmpuint (pipeline.done, ==, N_PIPELINED + 1);
  g_assert_cmpuint (pipeline.failed, ==, 0);

  lines = drain (alice);
  g_string_append (got, lines);
  /* Not g_assert_cmpstr: 40 KB of both would drown the log. */
  if (!g_str_equal (got->str, expected->str))
    {
      g_auto(GStrv) got_lines = g_strsplit (got->str, "\n", -1);
      guint inversions = 0;
      guint previous = 0;

      for (guint i = 0; got_lines[i] != NULL && *got_lines[i] != '\0'; i++)
        {
          guint n = (guint) g_ascii_strtoull (got_lines[i] + strlen ("from @server: message "), NULL, 10);

          if (i > 0 && n < previous)
            inversions++;
          previous = n;
        }
      g_error ("Broadcasts arrived out of order: %u inversions in %u lines", inversions,
               g_strv_length (got_lines) - 1);
    }
  g_assert_true (g_variant_lookup (pipeline.stats, "messages_routed", "t", &routed));
  g_assert_cmpuint (routed, ==, N_PIPELINED);
  g_variant_unref (pipeline.stats);
}

/* ---- audit lines ------------------------------------------------------ */

/* While set, the lines with a CONFAB_EVENT field, each a GHashTable of
 * its fields; every line is written by GLib's default writer too. */
static GPtrArray *audit_lines;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  GHashTable *line = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  for (gsize i = 0; i < n_fields; i++)
    if (fields[i].length < 0)
      g_hash_table_insert (line, g_strdup (fields[i].key), g_strdup (fields[i].value));
  if (audit_lines != NULL && g_hash_table_contains (line, "CONFAB_EVENT"))
    g_ptr_array_add (audit_lines, line);
  else
    g_hash_table_unref (line);
  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static GHashTable *
find_audit_line (const char *event)
{
  for (guint i = 0; i < audit_lines->len; i++)
    {
      GHashTable *line = g_ptr_array_index (audit_lines, i);

      if (g_str_equal (g_hash_table_lookup (line, "CONFAB_EVENT"), event))
        return line;
    }
  g_error ("no audit line with CONFAB_EVENT=%s", event);
}

static void
assert_caller_fields (Fixture    *fx,
                      GHashTable *line)
{
  g_autofree char *uid = g_strdup_printf ("%u", (guint) getuid ());
  g_autofree char *pid = g_strdup_printf ("%u", (guint) getpid ());
  g_autofree char *comm = NULL;

  g_assert_true (g_file_get_contents ("/proc/self/comm", &comm, NULL, NULL));
  g_strchomp (comm);
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_CALLER"), ==,
                   g_dbus_connection_get_unique_name (fx->client));
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_CALLER_UID"), ==, uid);
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_CALLER_PID"), ==, pid);
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_CALLER_PROCESS"), ==, comm);
}

#define N_AUDITED 100

static void
test_audit_lines (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  GHashTable *line;
  gint64      start;
  guint       n, lines;

  g_test_summary ("Broadcast and Kick log one line each at the default level with the "
                  "journal fields CONFAB_EVENT, CONFAB_PEER, CONFAB_ADDRESS, CONFAB_REASON "
                  "and the caller's CONFAB_CALLER, _UID, _PID, _PROCESS; a flood of "
                  "them is rate-limited");

  audit_lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_hash_table_unref);
  join (fx, 0, "alice", "127.0.0.1:5001");

  g_assert_true (call_broadcast (fx, "maintenance at noon", &n, &error));
  g_assert_no_error (error);
  line = find_audit_line ("broadcast");
  g_assert_cmpstr (g_hash_table_lookup (line, "PRIORITY"), ==, "5");
  g_assert_nonnull (strstr (g_hash_table_lookup (line, "MESSAGE"), "maintenance at noon"));
  assert_caller_fields (fx, line);

  g_assert_true (call_kick (fx, "alice", "spam", &error));
  g_assert_no_error (error);
  line = find_audit_line ("kick");
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_PEER"), ==, "alice");
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_ADDRESS"), ==, "127.0.0.1:5001");
  g_assert_cmpstr (g_hash_table_lookup (line, "CONFAB_REASON"), ==, "spam");
  assert_caller_fields (fx, line);

  /* A flood: the burst, then one a second (plus one "suppressed" line). */
  g_ptr_array_set_size (audit_lines, 0);
  start = g_get_monotonic_time ();
  for (guint i = 0; i < N_AUDITED; i++)
    {
      g_assert_true (call_broadcast (fx, "again", &n, &error));
      g_assert_no_error (error);
    }
  lines = audit_lines->len;
  g_assert_cmpuint (lines, >=, CONFAB_LOG_BURST - 1);
  g_assert_cmpuint (lines, <=, CONFAB_LOG_BURST + 1 + CONFAB_LOG_PER_SEC * (guint) ((g_get_monotonic_time () - start) / G_USEC_PER_SEC + 1));
  g_assert_cmpuint (lines, <, N_AUDITED);

  g_clear_pointer (&audit_lines, g_ptr_array_unref);
}

static GDBusConnection *
await_connection (GAsyncResult **slot)
{
  g_autoptr(GAsyncResult) result = confab_dbus_test_await (slot);
  g_autoptr(GError) error = NULL;
  GDBusConnection *connection = g_dbus_connection_new_finish (result, &error);

  g_assert_no_error (error);
  return connection;
}

static void
test_peer_to_peer (void)
{
  ConfabBrokerLimits limits = { .queue_max_bytes = 65536 };
  g_autoptr(GAsyncResult) server_result = NULL, client_result = NULL, call_result = NULL;
  g_autoptr(GDBusConnection) server = NULL, client = NULL;
  g_autoptr(ConfabBroker) broker = NULL;
  g_autoptr(ConfabManager) manager = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char   *guid = g_dbus_generate_guid ();
  GSocketConnection *streams[2];
  int                fds[2];

  g_test_summary ("On a connection without a bus (peer to peer) a call that needs its "
                  "caller is refused, as the caller cannot be identified; open calls work");

  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds), ==, 0);
  for (guint i = 0; i < 2; i++)
    {
      g_autoptr(GSocket) socket = g_socket_new_from_fd (fds[i], &error);

      g_assert_no_error (error);
      streams[i] = g_socket_connection_factory_create_connection (socket);
    }
  g_dbus_connection_new (G_IO_STREAM (streams[0]), guid,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_SERVER |
                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_ALLOW_ANONYMOUS,
                         NULL, NULL, confab_dbus_test_store_result_cb, &server_result);
  g_dbus_connection_new (G_IO_STREAM (streams[1]), NULL,
                         G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT,
                         NULL, NULL, confab_dbus_test_store_result_cb, &client_result);
  server = await_connection (&server_result);
  client = await_connection (&client_result);
  g_object_unref (streams[0]);
  g_object_unref (streams[1]);

  broker = confab_broker_new (&limits);
  manager = confab_manager_new (broker, listen_addresses);
  confab_manager_export (manager, server, &error);
  g_assert_no_error (error);

  g_dbus_connection_call (client, NULL, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "Broadcast",
                          g_variant_new ("(s)", "hello"), G_VARIANT_TYPE ("(u)"),
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          confab_dbus_test_store_result_cb, &call_result);
  call_result = confab_dbus_test_await (&call_result);
  reply = g_dbus_connection_call_finish (client, call_result, &error);
  assert_access_denied (error);
  g_assert_nonnull (strstr (error->message, "Cannot identify the caller"));
  g_clear_error (&error);
  g_clear_object (&call_result);

  g_dbus_connection_call (client, NULL, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "ListPeers",
                          NULL, G_VARIANT_TYPE ("(a(sst))"), G_DBUS_CALL_FLAGS_NONE, -1, NULL,
                          confab_dbus_test_store_result_cb, &call_result);
  call_result = confab_dbus_test_await (&call_result);
  reply = g_dbus_connection_call_finish (client, call_result, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_variant_get_type_string (reply), ==, "(a(sst))");

  confab_manager_unexport (manager);
  g_dbus_connection_close_sync (client, NULL, NULL);
  g_dbus_connection_close_sync (server, NULL, NULL);
}

static void
test_error_names (void)
{
  const struct
  {
    ConfabDBusError code;
    const char     *name;
  } names[] = {
    { CONFAB_DBUS_ERROR_NO_SUCH_PEER, "org.confab.Confab1.Error.NoSuchPeer" },
    { CONFAB_DBUS_ERROR_INVALID_ARGUMENT, "org.confab.Confab1.Error.InvalidArgument" },
    { CONFAB_DBUS_ERROR_ACCESS_DENIED, "org.confab.Confab1.Error.AccessDenied" },
  };

  g_test_summary ("Each ConfabDBusError code maps to its D-Bus name and back");

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(GError) error = g_error_new_literal (CONFAB_DBUS_ERROR, names[i].code, "x");
      g_autoptr(GError) back = NULL;
      g_autofree char *encoded = g_dbus_error_encode_gerror (error);

      g_assert_cmpstr (encoded, ==, names[i].name);
      back = g_dbus_error_new_for_dbus_error (names[i].name, "message");
      g_assert_error (back, CONFAB_DBUS_ERROR, (int) names[i].code);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

#define ADD(path, func) \
  g_test_add ("/manager/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("properties", test_properties);
  ADD ("introspection", test_introspection);
  ADD ("list-peers", test_list_peers);
  ADD ("get-peer", test_get_peer);
  ADD ("get-peer/errors", test_get_peer_errors);
  ADD ("broadcast", test_broadcast);
  ADD ("broadcast/errors", test_broadcast_errors);
  ADD ("kick", test_kick);
  ADD ("kick/errors", test_kick_errors);
  ADD ("statistics", test_statistics);
  ADD ("statistics/limits", test_statistics_limits);
  ADD ("statistics/cluster", test_statistics_cluster);
  ADD ("statistics/no-source", test_statistics_no_source);
  ADD ("signals/stalled-bus", test_signals_stalled_bus);
  ADD ("audit-lines", test_audit_lines);
  ADD ("signals", test_signals);
  ADD ("unexport", test_unexport);
  g_test_add_func ("/manager/error-names", test_error_names);
  g_test_add_func ("/manager/peer-to-peer", test_peer_to_peer);

  g_test_add_func ("/manager/authorization/member-access", test_auth_member_access);
  g_test_add_func ("/manager/authorization/every-method", test_auth_every_method);
  g_test_add_func ("/manager/authorization/caller-is-admin", test_auth_caller_is_admin);
  g_test_add_func ("/manager/authorization/property", test_auth_property);
  g_test_add ("/manager/authorization/enforced", Fixture, enforced,
              fixture_setup, test_auth_enforced, fixture_teardown);
  ADD ("authorization/not-enforced", test_auth_not_enforced);
  ADD ("pipelined-order", test_pipelined_order);
  g_test_add ("/manager/pipelined-order/enforced", Fixture, enforced,
              fixture_setup, test_pipelined_order, fixture_teardown);

#undef ADD

  return g_test_run ();
}
