/* test-manager-rooms.c: rooms on the bus: the Manager's room methods and
 * signals, and the room objects under the ObjectManager, on a private
 * bus with a real broker and fake peers (no sockets).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-codec.h"
#include "confab-dbus-error.h"
#include "confab-dbus-test-util.h"
#include "confab-manager.h"
#include "confab-names.h"

static void
fake_wake (gpointer data)
{
}

static void
fake_close (gpointer    data,
            gboolean    flush,
            const char *reason)
{
}

static const ConfabBrokerSink fake_sink = {
  .wake = fake_wake,
  .close = fake_close,
};

#define N_PEERS 3

typedef struct
{
  ConfabDBusTestBus *bus;
  GDBusConnection   *service;
  GDBusConnection   *client;
  ConfabBroker      *broker;
  ConfabManager     *manager;
  ConfabBrokerPeer  *peers[N_PEERS];
  GPtrArray         *events; /* "created #r", "removed #r", "added PATH", "gone PATH", "members PATH N" */
  guint              subscriptions[3];
} Fixture;

static const char * const peer_names[N_PEERS] = { "alice", "bob", "carol" };

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
signal_cb (GDBusConnection *connection,
           const char      *sender,
           const char      *path,
           const char      *interface,
           const char      *member,
           GVariant        *parameters,
           gpointer         user_data)
{
  Fixture *fx = user_data;

  if (g_str_equal (member, "RoomCreated") || g_str_equal (member, "RoomRemoved"))
    {
      const char *name;

      g_variant_get (parameters, "(&s)", &name);
      g_ptr_array_add (fx->events, g_strdup_printf ("%s %s", g_str_equal (member, "RoomCreated") ? "created" : "removed", name));
    }
  else if (g_str_equal (member, "InterfacesAdded") || g_str_equal (member, "InterfacesRemoved"))
    {
      const char *object;

      g_variant_get_child (parameters, 0, "&o", &object);
      g_ptr_array_add (fx->events, g_strdup_printf ("%s %s", g_str_equal (member, "InterfacesAdded") ? "added" : "gone", object));
    }
  else if (g_str_equal (member, "PropertiesChanged"))
    {
      g_autoptr(GVariant) changed = g_variant_get_child_value (parameters, 1);
      g_autofree const char **members = NULL;

      if (g_variant_lookup (changed, "Members", "^a&s", &members))
        g_ptr_array_add (fx->events, g_strdup_printf ("members %s %u", path, g_strv_length ((char **) members)));
    }
}

static GVariant *call (Fixture    *fx,
                       const char *path,
                       const char *interface,
                       const char *method,
                       GVariant   *parameters,
                       GError    **error);

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = {
    .queue_max_bytes = 1 << 20,
    .rooms_max = 100,
    .room_members_max = 100,
    .rooms_per_peer_max = 100,
  };
  g_autoptr(GError) error = NULL;
  const char *unique;

  fx->bus = confab_dbus_test_bus_up ();
  fx->service = connect_to_bus (fx);
  fx->client = connect_to_bus (fx);
  fx->events = g_ptr_array_new_with_free_func (g_free);
  fx->broker = confab_broker_new (&limits);
  fx->manager = confab_manager_new (fx->broker, NULL);
  confab_manager_export (fx->manager, fx->service, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < N_PEERS; i++)
    {
      fx->peers[i] = confab_broker_join (fx->broker, peer_names[i], "127.0.0.1:1", "text",
                                         &fake_sink, NULL, &error);
      g_assert_no_error (error);
    }

  unique = g_dbus_connection_get_unique_name (fx->service);
  fx->subscriptions[0] = g_dbus_connection_signal_subscribe (fx->client, unique, CONFAB_DBUS_INTERFACE,
                                                             NULL, CONFAB_DBUS_PATH, NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE, signal_cb, fx, NULL);
  fx->subscriptions[1] = g_dbus_connection_signal_subscribe (fx->client, unique, "org.freedesktop.DBus.ObjectManager",
                                                             NULL, CONFAB_DBUS_PATH, NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE, signal_cb, fx, NULL);
  fx->subscriptions[2] = g_dbus_connection_signal_subscribe (fx->client, unique, "org.freedesktop.DBus.Properties",
                                                             "PropertiesChanged", NULL, NULL,
                                                             G_DBUS_SIGNAL_FLAGS_NONE, signal_cb, fx, NULL);
  /* A round trip: the bus has the match rules before any signal. */
  g_variant_unref (call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "ListRooms", NULL, &error));
  g_assert_no_error (error);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  for (guint i = 0; i < G_N_ELEMENTS (fx->subscriptions); i++)
    g_dbus_connection_signal_unsubscribe (fx->client, fx->subscriptions[i]);
  for (guint i = 0; i < N_PEERS; i++)
    {
      confab_broker_leave (fx->broker, fx->peers[i], CONFAB_REASON_QUIT);
      confab_broker_peer_unref (fx->peers[i]);
    }
  g_assert_finalize_object (fx->manager);
  g_assert_finalize_object (fx->broker);
  g_dbus_connection_close_sync (fx->client, NULL, NULL);
  g_dbus_connection_close_sync (fx->service, NULL, NULL);
  g_clear_object (&fx->client);
  g_clear_object (&fx->service);
  g_clear_pointer (&fx->bus, confab_dbus_test_bus_free);
  g_ptr_array_unref (fx->events);
}

static void
join (Fixture    *fx,
      guint       who,
      const char *room)
{
  g_autoptr(GError) error = NULL;

  g_assert_nonnull (confab_broker_join_room (fx->broker, fx->peers[who], room, NULL, &error));
  g_assert_no_error (error);
}

/* Calls @method on the manager from the client side, awaited. */
static GVariant *
call (Fixture    *fx,
      const char *path,
      const char *interface,
      const char *method,
      GVariant   *parameters,
      GError    **error)
{
  g_autoptr(GAsyncResult) result = NULL;

  g_dbus_connection_call (fx->client, g_dbus_connection_get_unique_name (fx->service),
                          path, interface, method, parameters, NULL,
                          G_DBUS_CALL_FLAGS_NONE, -1, NULL, confab_dbus_test_store_result_cb, &result);
  result = confab_dbus_test_await (&result);
  return g_dbus_connection_call_finish (fx->client, result, error);
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

static guint
count_prefix (Fixture    *fx,
              const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i < fx->events->len; i++)
    n += g_str_has_prefix (g_ptr_array_index (fx->events, i), prefix);
  return n;
}

static gboolean
tick_cb (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

static void
wait_event (Fixture    *fx,
            const char *event)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) confab_dbus_test_scale_ms (5000) * 1000;
  guint  tick = g_timeout_add (20, tick_cb, NULL);

  while (!has_event (fx, event))
    {
      if (g_get_monotonic_time () > deadline)
        g_error ("timed out waiting for “%s”", event);
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);
}

static void
test_methods (Fixture      *fx,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rooms = NULL;
  g_autoptr(GVariant) room = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autofree const char **members = NULL;
  g_autofree char        *printed = NULL;
  const char             *topic;
  guint                   n;
  ConfabMessage          *message;

  g_test_summary ("ListRooms, GetRoom and BroadcastRoom, and their errors");

  join (fx, 0, "#tea");
  join (fx, 1, "#Tea");
  join (fx, 2, "#cake");
  g_assert_true (confab_broker_set_topic (fx->broker, fx->peers[0], "#tea", "oolong", NULL));

  rooms = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "ListRooms", NULL, &error);
  g_assert_no_error (error);
  printed = g_variant_print (rooms, TRUE);
  g_assert_cmpstr (printed, ==, "([('#cake', uint32 1), ('#tea', 2)],)");

  room = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "GetRoom",
               g_variant_new ("(s)", "#TEA"), &error);
  g_assert_no_error (error);
  g_variant_get (room, "(@a{sv})", &dict);
  g_assert_true (g_variant_lookup (dict, "members", "^a&s", &members));
  g_assert_cmpuint (g_strv_length ((char **) members), ==, 2);
  g_assert_cmpstr (members[0], ==, "alice");
  g_assert_cmpstr (members[1], ==, "bob");
  g_assert_true (g_variant_lookup (dict, "topic", "&s", &topic));
  g_assert_cmpstr (topic, ==, "oolong");
  g_assert_true (g_variant_lookup (dict, "topic_setter", "&s", &topic));
  g_assert_cmpstr (topic, ==, "alice");
  g_assert_true (g_variant_lookup (dict, "created", "t", NULL));

  /* Each member's queue holds the join notices, the topic, then this. */
  reply = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "BroadcastRoom",
                g_variant_new ("(ss)", "#tea", " tea is ready "), &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(u)", &n);
  g_assert_cmpuint (n, ==, 2);
  for (;;)
    {
      g_autoptr(ConfabMessage) last = confab_broker_peer_pop (fx->peers[1]);

      g_assert_nonnull (last);
      if (confab_message_get_kind (last) == CONFAB_MESSAGE_CHAT)
        {
          gsize       len;
          const char *line = confab_codec_message_bytes (&confab_codec_text, last, &len);

          g_assert_cmpmem (line, len, "from @server in #tea: tea is ready\n", 35);
          break;
        }
    }
  while ((message = confab_broker_peer_pop (fx->peers[2])) != NULL)
    {
      g_assert_cmpint (confab_message_get_kind (message), !=, CONFAB_MESSAGE_CHAT);
      confab_message_unref (message);
    }

  g_clear_pointer (&reply, g_variant_unref);
  reply = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "GetRoom",
                g_variant_new ("(s)", "#nope"), &error);
  g_assert_error (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_NO_SUCH_ROOM);
  g_clear_error (&error);
  reply = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "GetRoom",
                g_variant_new ("(s)", "tea"), &error);
  g_assert_error (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  reply = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "BroadcastRoom",
                g_variant_new ("(ss)", "#nope", "hi"), &error);
  g_assert_error (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_NO_SUCH_ROOM);
  g_clear_error (&error);
  reply = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "BroadcastRoom",
                g_variant_new ("(ss)", "#tea", "two\nlines"), &error);
  g_assert_error (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_INVALID_ARGUMENT);
}

static void
test_objects (Fixture      *fx,
              gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) managed = NULL;
  g_autoptr(GVariant) name = NULL;
  g_autofree char *printed = NULL;

  g_test_summary ("Each room is an object under the ObjectManager, with Name, Members and "
                  "Topic; RoomCreated/RoomRemoved and InterfacesAdded/Removed announce it");

  join (fx, 0, "#Café");
  wait_event (fx, "created #Café");
  wait_event (fx, "added " CONFAB_DBUS_PATH "/rooms/caf_c3_a9");

  managed = call (fx, CONFAB_DBUS_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                  NULL, &error);
  g_assert_no_error (error);
  printed = g_variant_print (managed, FALSE);
  g_test_message ("%s", printed);
  g_assert_nonnull (strstr (printed, "'" CONFAB_DBUS_PATH "/rooms/caf_c3_a9'"));
  g_assert_nonnull (strstr (printed, "'Name': <'#Café'>"));
  g_assert_nonnull (strstr (printed, "'Members': <['alice']>"));

  join (fx, 1, "#CAFÉ");
  wait_event (fx, "members " CONFAB_DBUS_PATH "/rooms/caf_c3_a9 2");
  name = call (fx, CONFAB_DBUS_PATH "/rooms/caf_c3_a9", "org.freedesktop.DBus.Properties", "Get",
               g_variant_new ("(ss)", "org.confab.Confab1.Room", "Name"), &error);
  g_assert_no_error (error);

  g_assert_true (confab_broker_part_room (fx->broker, fx->peers[0], "#café", NULL));
  g_assert_true (confab_broker_part_room (fx->broker, fx->peers[1], "#café", NULL));
  wait_event (fx, "removed #Café");
  wait_event (fx, "gone " CONFAB_DBUS_PATH "/rooms/caf_c3_a9");
}

static void
test_members_coalesced (Fixture      *fx,
                        gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerPeer *extra[40] = { NULL };
  g_autoptr(GVariant) members = NULL;
  g_autoptr(GVariant) value = NULL;

  g_test_summary ("Many quick joins to one room give a few PropertiesChanged, not one each");

  join (fx, 0, "#big");
  wait_event (fx, "added " CONFAB_DBUS_PATH "/rooms/big");
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    {
      g_autofree char *name = g_strdup_printf ("peer%02u", i);

      extra[i] = confab_broker_join (fx->broker, name, "127.0.0.1:2", "text", &fake_sink, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (confab_broker_join_room (fx->broker, extra[i], "#big", NULL, &error));
    }
  wait_event (fx, "members " CONFAB_DBUS_PATH "/rooms/big 41");
  g_test_message ("%u PropertiesChanged for 40 joins", count_prefix (fx, "members "));
  g_assert_cmpuint (count_prefix (fx, "members "), <=, 2);

  members = call (fx, CONFAB_DBUS_PATH "/rooms/big", "org.freedesktop.DBus.Properties", "Get",
                  g_variant_new ("(ss)", "org.confab.Confab1.Room", "Members"), &error);
  g_assert_no_error (error);
  g_variant_get (members, "(v)", &value);
  g_assert_cmpuint (g_variant_n_children (value), ==, 41);
  for (guint i = 0; i < G_N_ELEMENTS (extra); i++)
    {
      confab_broker_leave (fx->broker, extra[i], CONFAB_REASON_QUIT);
      confab_broker_peer_unref (extra[i]);
    }
}

static void
test_busctl_tree (Fixture      *fx,
                  gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *address = g_strdup (confab_dbus_test_bus_get_address (fx->bus));
  const char      *argv[] = { "busctl", "--address", address, "tree",
                              g_dbus_connection_get_unique_name (fx->service), NULL };
  g_autoptr(GSubprocess) proc = NULL;
  g_autofree char *busctl = NULL;

  g_test_summary ("busctl tree shows the room objects");

  busctl = g_find_program_in_path ("busctl");
  if (busctl == NULL)
    {
      g_test_skip ("busctl is not installed");
      return;
    }
  join (fx, 0, "#tea");
  wait_event (fx, "added " CONFAB_DBUS_PATH "/rooms/tea");
  /* busctl blocks; the service must answer it meanwhile. */
  proc = g_subprocess_newv (argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
  g_assert_no_error (error);
  {
    g_autoptr(GAsyncResult) result = NULL;

    g_subprocess_communicate_utf8_async (proc, NULL, NULL, confab_dbus_test_store_result_cb, &result);
    result = confab_dbus_test_await (&result);
    g_subprocess_communicate_utf8_finish (proc, result, &out, &err, &error);
  }
  g_assert_no_error (error);
  g_test_message ("%s%s", out, err);
  g_assert_true (g_subprocess_get_successful (proc));
  g_assert_nonnull (strstr (out, CONFAB_DBUS_PATH "/rooms/tea"));
}

/* The object path of a room whose name is '#' and ASCII letters and
 * digits: its key, lower case, without the '#'. */
static char *
room_path (const char *name)
{
  g_autofree char *lower = g_ascii_strdown (name + 1, -1);

  return g_strconcat (CONFAB_DBUS_PATH "/rooms/", lower, NULL);
}

/* Applies the events from *next on to @rooms (names) and @objects
 * (paths), asserting each makes sense: a room created or an object added
 * that the observer thinks absent, one removed that it thinks present. */
static void
replay_rooms (Fixture    *fx,
              guint      *next,
              GHashTable *rooms,
              GHashTable *objects)
{
  for (; *next < fx->events->len; (*next)++)
    {
      g_auto(GStrv) words = g_strsplit (g_ptr_array_index (fx->events, *next), " ", 2);

      if (g_str_equal (words[0], "created"))
        g_assert_true (g_hash_table_add (rooms, g_strdup (words[1])));
      else if (g_str_equal (words[0], "removed"))
        g_assert_true (g_hash_table_remove (rooms, words[1]));
      else if (g_str_equal (words[0], "added"))
        g_assert_true (g_hash_table_add (objects, g_strdup (words[1])));
      else if (g_str_equal (words[0], "gone"))
        g_assert_true (g_hash_table_remove (objects, words[1]));
    }
}

/* Whether @rooms and @objects are exactly the broker's rooms and theirs. */
static gboolean
rooms_match_broker (Fixture    *fx,
                    GHashTable *rooms,
                    GHashTable *objects)
{
  g_autoptr(GPtrArray) listed = confab_broker_list_rooms (fx->broker);

  if (listed->len != g_hash_table_size (rooms) || listed->len != g_hash_table_size (objects))
    return FALSE;
  for (guint i = 0; i < listed->len; i++)
    {
      const char      *name = confab_broker_room_get_name (g_ptr_array_index (listed, i));
      g_autofree char *path = room_path (name);

      if (!g_hash_table_contains (rooms, name) || !g_hash_table_contains (objects, path))
        return FALSE;
    }
  return TRUE;
}

/* Drops what the broker queued for the fake peers (join and part notices). */
static void
drain_peers (Fixture *fx)
{
  ConfabMessage *message;

  for (guint i = 0; i < N_PEERS; i++)
    while ((message = confab_broker_peer_pop (fx->peers[i])) != NULL)
      confab_message_unref (message);
}

#define CHURN_ROOMS  64 /* names the churn goes round */
#define CHURN_CYCLES 30000

static void
test_stalled_bus (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(GHashTable) rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GHashTable) objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) listed = NULL;
  g_autoptr(GVariant) managed = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(GVariant) dict = NULL;
  g_autoptr(GVariant) stay = NULL;
  g_autoptr(GVariant) value = NULL;
  g_autoptr(GVariantIter) iter = NULL;
  g_autofree const char **members = NULL;
  const char             *name;
  guint64                 coalesced = 0;
  guint                   next = 0, n = 0;
  gint64                  deadline;
  guint                   tick;

  g_test_summary ("With the bus not reading, 30 000 rooms made and removed do not queue "
                  "120 000 signals: past a window RoomCreated/RoomRemoved and the room "
                  "objects are coalesced per room, and once the bus reads again the "
                  "signals an observer gets, applied in order, end at the broker's "
                  "rooms, as GetManagedObjects does");

  /* Announced before the stall: one to remove, one to remove and make
   * again (spelled otherwise), one that stays and changes members. */
  join (fx, 0, "#gone");
  join (fx, 0, "#Again");
  join (fx, 2, "#stay");
  wait_event (fx, "added " CONFAB_DBUS_PATH "/rooms/stay");

  confab_dbus_test_bus_pause (fx->bus);
  for (guint i = 0; i < CHURN_CYCLES; i++)
    {
      g_autofree char *churn = g_strdup_printf ("#churn%u", i % CHURN_ROOMS);

      join (fx, 0, churn);
      g_assert_true (confab_broker_part_room (fx->broker, fx->peers[0], churn, NULL));
      if (i == CHURN_CYCLES / 2)
        {
          g_assert_true (confab_broker_part_room (fx->broker, fx->peers[0], "#gone", NULL));
          g_assert_true (confab_broker_part_room (fx->broker, fx->peers[0], "#again", NULL));
          join (fx, 1, "#AGAIN");
          join (fx, 1, "#stay");
          join (fx, 2, "#new1");
          join (fx, 2, "#new2");
        }
      /* Let flushes complete and the refresh run, as the daemon's main
       * loop would between clients. */
      if (i % CHURN_ROOMS == 0)
        {
          drain_peers (fx);
          for (guint k = 0; k < 100 && g_main_context_iteration (NULL, FALSE); k++)
            ;
        }
    }
  drain_peers (fx);

  confab_dbus_test_bus_resume (fx->bus);
  deadline = g_get_monotonic_time () +
             (gint64) confab_dbus_test_scale_ms (30000) * G_TIME_SPAN_MILLISECOND;
  tick = g_timeout_add (50, tick_cb, NULL);
  for (;;)
    {
      replay_rooms (fx, &next, rooms, objects);
      if (rooms_match_broker (fx, rooms, objects))
        break;
      if (g_get_monotonic_time () > deadline)
        g_error ("the signals did not reach the broker's rooms: %u events, %u rooms of %u",
                 fx->events->len, g_hash_table_size (rooms), confab_broker_get_n_rooms (fx->broker));
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (tick);

  g_test_message ("%u signals reached the observer", fx->events->len);
  /* Without the bound every room made and removed is four signals. */
  g_assert_cmpuint (fx->events->len, <, CHURN_CYCLES / 4);

  stats = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "GetStatistics", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (stats, "(@a{sv})", &dict);
  g_assert_true (g_variant_lookup (dict, "signals_coalesced", "t", &coalesced));
  g_assert_cmpuint (coalesced, >, CHURN_CYCLES);

  /* What the bus says now, after every signal sent before the calls. */
  listed = call (fx, CONFAB_DBUS_PATH, CONFAB_DBUS_INTERFACE, "ListRooms", NULL, &error);
  g_assert_no_error (error);
  g_variant_get (listed, "(a(su))", &iter);
  while (g_variant_iter_next (iter, "(&su)", &name, NULL))
    {
      g_assert_true (g_hash_table_contains (rooms, name));
      n++;
    }
  g_assert_cmpuint (n, ==, 4);
  g_assert_cmpuint (n, ==, g_hash_table_size (rooms));
  g_clear_pointer (&iter, g_variant_iter_free);

  managed = call (fx, CONFAB_DBUS_PATH, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects",
                  NULL, &error);
  g_assert_no_error (error);
  g_variant_get (managed, "(a{oa{sa{sv}}})", &iter);
  n = 0;
  while (g_variant_iter_next (iter, "{&o@a{sa{sv}}}", &name, NULL))
    {
      g_assert_true (g_hash_table_contains (objects, name));
      n++;
    }
  g_assert_cmpuint (n, ==, g_hash_table_size (objects));

  /* bob's join while held reached the room's object, at the next
   * refresh at the latest. */
  wait_event (fx, "members " CONFAB_DBUS_PATH "/rooms/stay 2");
  stay = call (fx, CONFAB_DBUS_PATH "/rooms/stay", "org.freedesktop.DBus.Properties", "Get",
               g_variant_new ("(ss)", "org.confab.Confab1.Room", "Members"), &error);
  g_assert_no_error (error);
  g_variant_get (stay, "(v)", &value);
  members = g_variant_get_strv (value, NULL);
  g_assert_cmpuint (g_strv_length ((char **) members), ==, 2);
  g_assert_cmpstr (members[0], ==, "bob");
  g_assert_cmpstr (members[1], ==, "carol");

  /* The calls went through the bus after the churn: no straggler follows. */
  replay_rooms (fx, &next, rooms, objects);
  g_assert_true (rooms_match_broker (fx, rooms, objects));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add ("/manager-rooms/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("methods", test_methods);
  ADD ("objects", test_objects);
  ADD ("members-coalesced", test_members_coalesced);
  ADD ("busctl-tree", test_busctl_tree);
  ADD ("stalled-bus", test_stalled_bus);

  return g_test_run ();
}
