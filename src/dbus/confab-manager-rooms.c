/* confab-manager-rooms.c: rooms on the bus (SPEC §9).
 *
 * The Manager's room methods (ListRooms, GetRoom, BroadcastRoom), its
 * RoomCreated/RoomRemoved signals, and one object per room under the
 * ObjectManager at CONFAB_DBUS_PATH, with the Room interface's Name,
 * Members and Topic.
 *
 * A room's Members is refreshed on a short timer, not at each join: a
 * room of N members that N peers join one by one would otherwise cost
 * N lists of up to N names, O(N²) work and bus traffic. Each changed room
 * is marked and refreshed once per tick.
 *
 * These signals go through the Manager's ConfabBusSignals, in the window
 * the peer signals use (confab-bus-signals.c), so that a bus that stopped
 * reading cannot make a client that joins and parts rooms grow confabd.
 * While the window holds, rooms are coalesced per key: a room made and
 * removed while held is never announced, and one that was there, was
 * removed and made again is announced as one RoomRemoved and one
 * RoomCreated. The objects are exported and unexported only at release,
 * from that net state, so InterfacesAdded/Removed are held too, and so
 * are the refreshes of Members and Topic. What is held is bounded by the
 * rooms announced at the start of the hold plus those there now (each
 * ≤ rooms_max). At release removals go before creations, so an observer
 * applying the signals in order ends at the broker's rooms.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "confab-manager-private.h"
#include "confab-names.h"
#include "confab-validate.h"

#define ROOMS_PATH         CONFAB_DBUS_PATH "/rooms"
#define ROOMS_REFRESH_MSEC 100

/* A room created or removed while the bus was held, by key. */
typedef struct
{
  char             *removed_name; /* (nullable): the first held event was a removal of this room, as announced */
  ConfabBrokerRoom *room;         /* (owned) (nullable): the room made by the last held creation, if it stands */
} HeldRoom;

static void
held_room_free (gpointer data)
{
  HeldRoom *held = data;

  g_free (held->removed_name);
  g_clear_pointer (&held->room, confab_broker_room_unref);
  g_free (held);
}

/* The path of a room's key: without '#', each byte but [A-Za-z0-9] as
 * "_xx" (the introspection XML documents it). */
static char *
room_object_path (const char *key)
{
  GString *path = g_string_new (ROOMS_PATH "/");

  for (const char *p = key + 1; *p != '\0'; p++)
    {
      guchar c = *p;

      if (g_ascii_isalnum (c))
        g_string_append_c (path, c);
      else
        g_string_append_printf (path, "_%02x", c);
    }
  return g_string_free (path, FALSE);
}

static void
refresh_room (ConfabManager    *self,
              ConfabBrokerRoom *room)
{
  ConfabDBusObjectSkeleton *object;
  g_autoptr(ConfabDBusRoom) iface = NULL;
  g_autofree const char **names = NULL;
  guint                   n;

  object = g_hash_table_lookup (self->room_objects, confab_broker_room_get_key (room));
  if (object == NULL)
    return;
  iface = confab_dbus_object_get_room (CONFAB_DBUS_OBJECT (object));
  names = confab_broker_room_dup_member_names (room, &n);
  confab_dbus_room_set_members (iface, names);
  confab_dbus_room_set_topic (iface, confab_broker_room_get_topic (room));
}

/* Each changed room's refresh is one PropertiesChanged: while the bus is
 * held it waits for the release, so a room changing on every tick of a
 * hold costs one signal, not one per tick. */
static gboolean
refresh_cb (gpointer data)
{
  ConfabManager *self = data;
  GHashTableIter iter;
  gpointer       room;

  self->rooms_refresh_id = 0;
  g_hash_table_iter_init (&iter, self->rooms_dirty);
  while (g_hash_table_iter_next (&iter, &room, NULL))
    {
      /* A room held unexported gets its properties when exported. */
      if (confab_broker_room_is_listed (room) &&
          g_hash_table_contains (self->room_objects, confab_broker_room_get_key (room)))
        {
          if (confab_bus_signals_hold (self->bus_signals, 1))
            g_hash_table_add (self->rooms_held_refresh, confab_broker_room_ref (room));
          else
            refresh_room (self, room);
        }
      g_hash_table_iter_remove (&iter);
    }
  return G_SOURCE_REMOVE;
}

static void
room_changed_cb (ConfabManager    *self,
                 ConfabBrokerRoom *room,
                 ConfabBroker     *broker)
{
  if (!g_hash_table_contains (self->rooms_dirty, room))
    g_hash_table_add (self->rooms_dirty, confab_broker_room_ref (room));
  if (self->rooms_refresh_id == 0)
    self->rooms_refresh_id = g_timeout_add (ROOMS_REFRESH_MSEC, refresh_cb, self);
}

/* Exports @room's object, its properties set before the export so
 * that InterfacesAdded carries them. */
static void
export_room (ConfabManager    *self,
             ConfabBrokerRoom *room)
{
  g_autofree char *path = room_object_path (confab_broker_room_get_key (room));
  g_autoptr(ConfabDBusObjectSkeleton) object = confab_dbus_object_skeleton_new (path);
  g_autoptr(ConfabDBusRoom) iface = confab_dbus_room_skeleton_new ();

  confab_dbus_room_set_name (iface, confab_broker_room_get_name (room));
  confab_dbus_object_skeleton_set_room (object, iface);
  g_hash_table_insert (self->room_objects, g_strdup (confab_broker_room_get_key (room)),
                       g_object_ref (object));
  refresh_room (self, room);
  g_dbus_object_manager_server_export (self->object_manager, G_DBUS_OBJECT_SKELETON (object));
}

static void
unexport_room (ConfabManager *self,
               const char    *key)
{
  g_autofree char *path = room_object_path (key);

  g_dbus_object_manager_server_unexport (self->object_manager, path);
  g_hash_table_remove (self->room_objects, key);
}

/* Sends the net changes of a hold: removals, then creations (a room made
 * again keeps its path), then the refreshes. */
static guint
release_rooms (gpointer data)
{
  ConfabManager *self = data;
  GHashTableIter iter;
  const char    *key;
  HeldRoom      *held;
  gpointer       room;
  guint          sent = 0;

  g_hash_table_iter_init (&iter, self->rooms_held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &held))
    if (held->removed_name != NULL)
      {
        unexport_room (self, key);
        confab_dbus_manager_emit_room_removed (self->skeleton, held->removed_name);
        sent += 2;
      }
  g_hash_table_iter_init (&iter, self->rooms_held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &key, (gpointer *) &held))
    if (held->room != NULL)
      {
        /* Exported with its properties: no refresh of its own. */
        export_room (self, held->room);
        g_hash_table_remove (self->rooms_held_refresh, held->room);
        confab_dbus_manager_emit_room_created (self->skeleton, confab_broker_room_get_name (held->room));
        sent += 2;
      }
  g_hash_table_remove_all (self->rooms_held);

  g_hash_table_iter_init (&iter, self->rooms_held_refresh);
  while (g_hash_table_iter_next (&iter, &room, NULL))
    {
      if (confab_broker_room_is_listed (room))
        {
          refresh_room (self, room);
          sent++;
        }
      g_hash_table_iter_remove (&iter);
    }
  return sent;
}

static HeldRoom *
lookup_held_room (ConfabManager    *self,
                  ConfabBrokerRoom *room,
                  gboolean          first_is_removal)
{
  const char *key = confab_broker_room_get_key (room);
  HeldRoom   *held = g_hash_table_lookup (self->rooms_held, key);

  if (held == NULL)
    {
      held = g_new0 (HeldRoom, 1);
      if (first_is_removal)
        held->removed_name = g_strdup (confab_broker_room_get_name (room));
      g_hash_table_insert (self->rooms_held, g_strdup (key), held);
    }
  return held;
}

/* RoomCreated and InterfacesAdded: two signals. */
static void
room_created_cb (ConfabManager    *self,
                 ConfabBrokerRoom *room,
                 ConfabBroker     *broker)
{
  HeldRoom *held;

  if (!confab_bus_signals_hold (self->bus_signals, 2))
    {
      export_room (self, room);
      confab_dbus_manager_emit_room_created (self->skeleton, confab_broker_room_get_name (room));
      return;
    }
  held = lookup_held_room (self, room, FALSE);
  g_clear_pointer (&held->room, confab_broker_room_unref);
  held->room = confab_broker_room_ref (room);
}

/* RoomRemoved and InterfacesRemoved: two signals. */
static void
room_removed_cb (ConfabManager    *self,
                 ConfabBrokerRoom *room,
                 ConfabBroker     *broker)
{
  const char *key = confab_broker_room_get_key (room);
  HeldRoom   *held;

  g_hash_table_remove (self->rooms_dirty, room);
  g_hash_table_remove (self->rooms_held_refresh, room);
  if (!confab_bus_signals_hold (self->bus_signals, 2))
    {
      unexport_room (self, key);
      confab_dbus_manager_emit_room_removed (self->skeleton, confab_broker_room_get_name (room));
      return;
    }
  held = lookup_held_room (self, room, TRUE);
  g_clear_pointer (&held->room, confab_broker_room_unref);
  /* Made and removed within the hold: nothing to announce. */
  if (held->removed_name == NULL)
    g_hash_table_remove (self->rooms_held, key);
}

/* Sets up the ObjectManager and follows the broker's rooms. */
void
confab_manager_rooms_init (ConfabManager *self)
{
  g_autoptr(GPtrArray) rooms = NULL;

  self->object_manager = g_dbus_object_manager_server_new (CONFAB_DBUS_PATH);
  self->room_objects = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
  self->rooms_dirty = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                             (GDestroyNotify) confab_broker_room_unref, NULL);
  self->rooms_held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, held_room_free);
  self->rooms_held_refresh = g_hash_table_new_full (g_direct_hash, g_direct_equal,
                                                    (GDestroyNotify) confab_broker_room_unref, NULL);
  confab_bus_signals_add_part (self->bus_signals, release_rooms, self);

  g_signal_connect_object (self->broker, "room-created",
                           G_CALLBACK (room_created_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->broker, "room-removed",
                           G_CALLBACK (room_removed_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->broker, "room-changed",
                           G_CALLBACK (room_changed_cb), self, G_CONNECT_SWAPPED);

  /* Rooms made before the manager (none in confabd, which makes it
   * first) get their objects too. */
  rooms = confab_broker_list_rooms (self->broker);
  for (guint i = 0; i < rooms->len; i++)
    export_room (self, g_ptr_array_index (rooms, i));
}

void
confab_manager_rooms_clear (ConfabManager *self)
{
  g_clear_handle_id (&self->rooms_refresh_id, g_source_remove);
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
  g_clear_pointer (&self->rooms_dirty, g_hash_table_unref);
  g_clear_pointer (&self->rooms_held, g_hash_table_unref);
  g_clear_pointer (&self->rooms_held_refresh, g_hash_table_unref);
  g_clear_pointer (&self->room_objects, g_hash_table_unref);
  g_clear_object (&self->object_manager);
}

/* ---- methods --------------------------------------------------------- */

static ConfabBrokerRoom *
lookup_room_or_return_error (ConfabManager         *self,
                             GDBusMethodInvocation *invocation,
                             const char            *name)
{
  ConfabBrokerRoom *room;

  if (!confab_validate_room_name (name, -1, NULL))
    {
      g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                             CONFAB_DBUS_ERROR_INVALID_ARGUMENT,
                                             _ ("Not a room name: %s"), name);
      return NULL;
    }
  room = confab_broker_lookup_room (self->broker, name, NULL);
  if (room == NULL)
    g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                           CONFAB_DBUS_ERROR_NO_SUCH_ROOM,
                                           _ ("No such room: %s"), name);
  return room;
}

static void
run_list_rooms (ConfabManager         *self,
                GDBusMethodInvocation *invocation)
{
  g_autoptr(GPtrArray) rooms = confab_broker_list_rooms (self->broker);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(su)"));
  for (guint i = 0; i < rooms->len; i++)
    {
      ConfabBrokerRoom *room = g_ptr_array_index (rooms, i);

      g_variant_builder_add (&builder, "(su)", confab_broker_room_get_name (room),
                             confab_broker_room_get_n_members (room));
    }
  confab_dbus_manager_complete_list_rooms (self->skeleton, invocation,
                                           g_variant_builder_end (&builder));
}

static void
run_get_room (ConfabManager         *self,
              GDBusMethodInvocation *invocation,
              const char            *name)
{
  ConfabBrokerRoom       *room = lookup_room_or_return_error (self, invocation, name);
  g_autofree const char **names = NULL;
  GVariantBuilder         dict;
  guint                   n;

  if (room == NULL)
    return;

  names = confab_broker_room_dup_member_names (room, &n);
  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "name", g_variant_new_string (confab_broker_room_get_name (room)));
  g_variant_builder_add (&dict, "{sv}", "members", g_variant_new_strv (names, n));
  g_variant_builder_add (&dict, "{sv}", "topic", g_variant_new_string (confab_broker_room_get_topic (room)));
  g_variant_builder_add (&dict, "{sv}", "created",
                         g_variant_new_uint64 ((guint64) confab_broker_room_get_created (room)));
  if (confab_broker_room_get_topic_setter (room) != NULL)
    {
      g_variant_builder_add (&dict, "{sv}", "topic_setter",
                             g_variant_new_string (confab_broker_room_get_topic_setter (room)));
      g_variant_builder_add (&dict, "{sv}", "topic_time",
                             g_variant_new_uint64 ((guint64) confab_broker_room_get_topic_time (room)));
    }
  confab_dbus_manager_complete_get_room (self->skeleton, invocation, g_variant_builder_end (&dict));
}

static void
run_broadcast_room (ConfabManager         *self,
                    GDBusMethodInvocation *invocation,
                    const ConfabCaller    *caller,
                    const char            *name,
                    const char            *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char      *checked = confab_manager_check_text (self, text, FALSE, &error);
  g_autofree char      *who = NULL;
  ConfabCallerLogFields fields;
  ConfabBrokerRoom     *room;
  guint                 n;

  if (checked == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (*checked == '\0')
    {
      g_dbus_method_invocation_return_error_literal (invocation, CONFAB_DBUS_ERROR,
                                                     CONFAB_DBUS_ERROR_INVALID_ARGUMENT,
                                                     _ ("The text is empty"));
      return;
    }
  room = lookup_room_or_return_error (self, invocation, name);
  if (room == NULL)
    return;

  n = confab_broker_broadcast_room (self->broker, confab_broker_room_get_name (room), checked, NULL);
  who = confab_caller_describe (caller);
  confab_caller_get_log_fields (caller, &fields);
  confab_log_event_with_fields (&self->log, CONFAB_LOG_BROADCAST, g_get_monotonic_time (),
                                NULL, NULL, NULL, fields.fields, fields.n_fields,
                                "Broadcast by %s to %s (%u members): %s", who,
                                confab_broker_room_get_name (room), n, checked);
  confab_dbus_manager_complete_broadcast_room (self->skeleton, invocation, n);
}

/* Returns: whether @method was one of the room methods (and answered) */
gboolean
confab_manager_run_room_call (ConfabManager         *self,
                              GDBusMethodInvocation *invocation,
                              const ConfabCaller    *caller,
                              const char            *method,
                              GVariant              *parameters)
{
  const char *a, *b;

  if (g_str_equal (method, "ListRooms"))
    run_list_rooms (self, invocation);
  else if (g_str_equal (method, "GetRoom"))
    {
      g_variant_get (parameters, "(&s)", &a);
      run_get_room (self, invocation, a);
    }
  else if (g_str_equal (method, "BroadcastRoom"))
    {
      g_variant_get (parameters, "(&s&s)", &a, &b);
      run_broadcast_room (self, invocation, caller, a, b);
    }
  else
    return FALSE;
  return TRUE;
}
