/* confab-broker-rooms.c: the broker's rooms (SPEC §9).
 *
 * Rooms are part of the broker, not beside it: a join, a part and a
 * message to the room are ordered by the broker's events like everything
 * else, so a member who joined before a message gets it and one who
 * joined after does not.
 *
 * A room holds its members in a hash set (membership and removal in
 * O(1)); a message to it is one ConfabMessage queued by reference to each
 * member, as a direct message is. While a room's members are iterated,
 * a member may be dropped as a slow consumer; its rooms are left only
 * once every fan-out under way is done (confab-broker.c defers it), so
 * no set changes while it is walked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-broker-private.h"
#include "confab-name-key.h"
#include "confab-names.h"
#include "confab-validate.h"

/* ---- a room's entry -------------------------------------------------- */

static ConfabBrokerRoom *
room_new (const char *name,
          const char *key)
{
  ConfabBrokerRoom *room = g_new0 (ConfabBrokerRoom, 1);

  g_atomic_ref_count_init (&room->ref_count);
  room->name = g_strdup (name);
  room->key = g_strdup (key);
  room->members = g_hash_table_new (g_direct_hash, g_direct_equal);
  room->topic = g_strdup ("");
  room->created_usec = g_get_real_time ();
  return room;
}

ConfabBrokerRoom *
confab_broker_room_ref (ConfabBrokerRoom *room)
{
  g_return_val_if_fail (room != NULL, NULL);

  g_atomic_ref_count_inc (&room->ref_count);
  return room;
}

void
confab_broker_room_unref (ConfabBrokerRoom *room)
{
  g_return_if_fail (room != NULL);

  if (!g_atomic_ref_count_dec (&room->ref_count))
    return;

  g_hash_table_unref (room->members);
  g_free (room->name);
  g_free (room->key);
  g_free (room->topic);
  g_free (room->topic_setter);
  g_free (room);
}

/* Returns: the name as its creator spelled it, '#' included */
const char *
confab_broker_room_get_name (ConfabBrokerRoom *room)
{
  return room->name;
}

/* Returns: the key rooms are compared on (confab-name-key.h) */
const char *
confab_broker_room_get_key (ConfabBrokerRoom *room)
{
  return room->key;
}

/* Returns: the topic; "" for none */
const char *
confab_broker_room_get_topic (ConfabBrokerRoom *room)
{
  return room->topic;
}

/* Returns: (nullable): who set the topic; %NULL if nobody has */
const char *
confab_broker_room_get_topic_setter (ConfabBrokerRoom *room)
{
  return room->topic_setter;
}

/* Returns: when the topic was set (real time, µs); 0 if never */
gint64
confab_broker_room_get_topic_time (ConfabBrokerRoom *room)
{
  return room->topic_usec;
}

/* Returns: when the room was made (real time, µs) */
gint64
confab_broker_room_get_created (ConfabBrokerRoom *room)
{
  return room->created_usec;
}

guint
confab_broker_room_get_n_members (ConfabBrokerRoom *room)
{
  return g_hash_table_size (room->members);
}

/* Returns: whether the room still exists (a removed one is empty) */
gboolean
confab_broker_room_is_listed (ConfabBrokerRoom *room)
{
  return room->listed;
}

/* For g_ptr_array_sort() of strings. */
int
confab_broker_compare_strings (gconstpointer a,
                               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

static const char **
dup_member_names (ConfabBrokerRoom *room,
                  gboolean          everywhere,
                  guint            *n_names)
{
  GPtrArray     *names = g_ptr_array_sized_new (g_hash_table_size (room->members) + 1);
  GHashTableIter iter;
  gpointer       peer;

  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, &peer, NULL))
    g_ptr_array_add (names, ((ConfabBrokerPeer *) peer)->name);
  /* In a cluster, the members on the other nodes too. */
  if (everywhere && room->broker != NULL && room->listed && room->broker->link != NULL)
    room->broker->link->add_room_members (room->broker->link_data, room, names);
  g_ptr_array_sort (names, confab_broker_compare_strings);
  *n_names = names->len;
  g_ptr_array_add (names, NULL);
  return (const char **) g_ptr_array_free (names, FALSE);
}

/**
 * confab_broker_room_dup_member_names:
 * @n_names: (out): how many
 *
 * Returns: (transfer container): the members' names, sorted,
 *   NULL-terminated; the names are the entries', valid until the broker
 *   next runs
 */
const char **
confab_broker_room_dup_member_names (ConfabBrokerRoom *room,
                                     guint            *n_names)
{
  return dup_member_names (room, TRUE, n_names);
}

/* As confab_broker_room_dup_member_names(), this node's members only. */
const char **
confab_broker_room_dup_local_member_names (ConfabBrokerRoom *room,
                                           guint            *n_names)
{
  return dup_member_names (room, FALSE, n_names);
}

/* Returns: (transfer container): the names of the rooms @peer is in, in
 *   the order it joined them, NULL-terminated; valid while they exist */
const char **
confab_broker_peer_dup_room_names (ConfabBrokerPeer *peer,
                                   guint            *n_names)
{
  const char **names = g_new (const char *, peer->rooms->len + 1);

  for (guint i = 0; i < peer->rooms->len; i++)
    names[i] = ((ConfabBrokerRoom *) g_ptr_array_index (peer->rooms, i))->name;
  names[peer->rooms->len] = NULL;
  *n_names = peer->rooms->len;
  return names;
}

/* Returns: (transfer full): the room's topic as a message */
ConfabMessage *
confab_broker_room_new_topic_message (ConfabBrokerRoom *room)
{
  return confab_message_new_topic (room->name, room->topic_setter, room->topic,
                                   room->topic_usec != 0 ? room->topic_usec : g_get_real_time ());
}

/* Returns: (transfer full): the room's members as a message */
ConfabMessage *
confab_broker_room_new_members_message (ConfabBrokerRoom *room)
{
  guint                   n;
  g_autofree const char **names = confab_broker_room_dup_member_names (room, &n);

  return confab_message_new_members (room->name, names, n);
}

/* ---- fan-out --------------------------------------------------------- */

static void
leave_deferred (ConfabBroker *self)
{
  while (self->deferred->len > 0)
    {
      g_autoptr(ConfabBrokerPeer) peer =
                   g_ptr_array_steal_index (self->deferred, self->deferred->len - 1);

      confab_broker_rooms_leave_all (self, peer);
    }
}

/* Queues @message to every member but @except. A routed message
 * (@counted) counts as deliveries and gives each recipient one copy per
 * route; a notice (join, part, topic) does not. */
guint
confab_broker_fan_out (ConfabBroker     *self,
                       ConfabBrokerRoom *room,
                       ConfabMessage    *message,
                       ConfabBrokerPeer *except,
                       gboolean          counted)
{
  const ConfabPushFlags flags = CONFAB_PUSH_LIMITED | CONFAB_PUSH_RESERVED;
  guint                 reserved = g_hash_table_size (room->members);
  GHashTableIter        iter;
  gpointer              member;
  guint                 n = 0;

  /* A reference per member, taken at once, and those not used given
   * back: two atomic operations per message, not one per copy. */
  confab_message_ref_many (message, reserved);
  self->fanout_depth++;
  g_hash_table_iter_init (&iter, room->members);
  while (g_hash_table_iter_next (&iter, &member, NULL))
    {
      if (member == except)
        continue;
      if (counted ? confab_broker_deliver (self, member, message, flags)
                  : confab_broker_push (self, member, message, flags))
        n++;
    }
  confab_message_unref_unused (message, reserved - n);
  if (--self->fanout_depth == 0)
    leave_deferred (self);
  return n;
}

/* ---- join and part --------------------------------------------------- */

static gboolean
refuse_join (ConfabBroker *self,
             GError      **error,
             ConfabError   code,
             const char   *format,
             ...) G_GNUC_PRINTF (4, 5);

static gboolean
refuse_join (ConfabBroker *self,
             GError      **error,
             ConfabError   code,
             const char   *format,
             ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (CONFAB_ERROR, code, format, args));
  va_end (args);
  self->stats.room_joins_refused++;
  return FALSE;
}

/* Whether the limits let @peer into @room (%NULL: a new room). */
static gboolean
may_join (ConfabBroker     *self,
          ConfabBrokerPeer *peer,
          ConfabBrokerRoom *room,
          GError          **error)
{
  if (peer->rooms->len >= self->limits.rooms_per_peer_max)
    return refuse_join (self, error, CONFAB_ERROR_TOO_MANY_ROOMS,
                        "too many rooms joined (limit %u)", self->limits.rooms_per_peer_max);
  if (room == NULL && self->stats.rooms >= self->limits.rooms_max)
    return refuse_join (self, error, CONFAB_ERROR_TOO_MANY_ROOMS,
                        "too many rooms on this server (limit %u)", self->limits.rooms_max);
  if (room != NULL && g_hash_table_size (room->members) >= self->limits.room_members_max)
    return refuse_join (self, error, CONFAB_ERROR_ROOM_FULL,
                        "room full: %s (limit %u)", room->name, self->limits.room_members_max);
  return TRUE;
}

static ConfabBrokerRoom *
create_room (ConfabBroker *self,
             const char   *name,
             const char   *key)
{
  ConfabBrokerRoom *room = room_new (name, key);

  room->broker = self;
  room->listed = TRUE;
  g_hash_table_insert (self->rooms, room->key, room);
  self->stats.rooms++;
  self->stats.rooms_peak = MAX (self->stats.rooms_peak, self->stats.rooms);
  self->stats.rooms_created++;
  g_debug ("room %s created", name);
  return room;
}

/**
 * confab_broker_join_room:
 * @peer: a joined entry
 * @room: the room's name, '#' included; validated here
 * @joined: (out) (optional): %FALSE if @peer was a member already
 *
 * Puts @peer in @room, making the room if it does not exist, and queues
 * "join ROOM: NAME" to every member, @peer included. A peer that is a
 * member already is left as it is. The members and topic the joiner is
 * told next are the session's to send (confab_broker_room_new_*()).
 *
 * Returns: (transfer none) (nullable): the room; %NULL with
 *   CONFAB_ERROR_INVALID_ROOM_NAME, _TOO_MANY_ROOMS or _ROOM_FULL
 */
ConfabBrokerRoom *
confab_broker_join_room (ConfabBroker     *self,
                         ConfabBrokerPeer *peer,
                         const char       *room_name,
                         gboolean         *joined,
                         GError          **error)
{
  g_auto(ConfabNameKey) key = { NULL };
  g_autoptr(ConfabMessage) notice = NULL;
  g_autoptr(ConfabBrokerRoom) hold = NULL;
  ConfabBrokerRoom *room;
  const char       *room_key;
  gboolean          created;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (peer != NULL && room_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  assert_owner (self);

  if (joined != NULL)
    *joined = FALSE;
  if (!confab_validate_room_name (room_name, -1, error))
    return NULL;
  if (!peer->joined)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FAILED, "not logged in");
      return NULL;
    }

  room_key = confab_room_key_init (&key, room_name);
  room = g_hash_table_lookup (self->rooms, room_key);
  if (room != NULL && g_hash_table_contains (room->members, peer))
    return room;
  if (!may_join (self, peer, room, error))
    return NULL;

  created = room == NULL;
  if (created)
    {
      room = create_room (self, room_name, room_key);
      room->operator= peer;
    }
  g_hash_table_add (room->members, peer);
  g_ptr_array_add (peer->rooms, confab_broker_room_ref (room));
  self->stats.room_joins++;
  if (joined != NULL)
    *joined = TRUE;

  /* The join notice may drop a member with a full queue, the joiner
   * too, and so remove the room: it is held until the end. */
  hold = confab_broker_room_ref (room);
  confab_broker_emit_room_signal (self, created ? CONFAB_BROKER_ROOM_CREATED : CONFAB_BROKER_ROOM_CHANGED,
                                  room);
  notice = confab_message_new_room_event (CONFAB_MESSAGE_JOIN, room->name, peer->name);
  confab_broker_fan_out (self, room, notice, NULL, FALSE);
  confab_broker_room_notice_out (self, room, notice);

  if (!g_hash_table_contains (room->members, peer))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FAILED, "not logged in");
      return NULL;
    }
  return room;
}

/* Takes @peer out of @room; tells the members (and @peer, if it is still
 * connected) with @notice (NULL: a plain part), and removes the room
 * once it is empty. */
static void
leave_room_with (ConfabBroker     *self,
                 ConfabBrokerPeer *peer,
                 ConfabBrokerRoom *room,
                 ConfabMessage    *notice)
{
  /* @peer->rooms holds a reference that goes below. */
  G_GNUC_UNUSED g_autoptr(ConfabBrokerRoom) ref = confab_broker_room_ref (room);

  if (!g_hash_table_remove (room->members, peer))
    return;
  g_ptr_array_remove (peer->rooms, room);
  if (room->operator== peer)
    room->operator= NULL;

  /* At shutdown every peer is leaving: nobody needs to hear of it. */
  if (!self->shutting_down)
    {
      g_autoptr(ConfabMessage) part = NULL;

      if (notice == NULL)
        notice = part = confab_message_new_room_event (CONFAB_MESSAGE_PART, room->name, peer->name);
      confab_broker_push (self, peer, notice, CONFAB_PUSH_LIMITED);
      confab_broker_fan_out (self, room, notice, NULL, FALSE);
      confab_broker_room_notice_out (self, room, notice);
    }

  if (g_hash_table_size (room->members) > 0 || !room->listed)
    {
      if (room->listed)
        confab_broker_emit_room_signal (self, CONFAB_BROKER_ROOM_CHANGED, room);
      return;
    }

  room->listed = FALSE;
  self->stats.rooms--;
  g_debug ("room %s removed", room->name);
  /* The table's reference goes here; @ref keeps it through the signal. */
  g_hash_table_remove (self->rooms, room->key);
  confab_broker_emit_room_signal (self, CONFAB_BROKER_ROOM_REMOVED, room);
}

static void
leave_room (ConfabBroker     *self,
            ConfabBrokerPeer *peer,
            ConfabBrokerRoom *room)
{
  leave_room_with (self, peer, room, NULL);
}

/* Every room @peer is in, for a peer that has left the table. */
void
confab_broker_rooms_leave_all (ConfabBroker     *self,
                               ConfabBrokerPeer *peer)
{
  while (peer->rooms->len > 0)
    leave_room (self, peer, g_ptr_array_index (peer->rooms, peer->rooms->len - 1));
}

/* On the path of every room message: the key is not zeroed, as init
 * sets what clear reads. */
static ConfabBrokerRoom *
lookup_room (ConfabBroker *self,
             const char   *room_name,
             GError      **error)
{
  ConfabNameKey     key;
  ConfabBrokerRoom *room;

  if (!confab_validate_room_name (room_name, -1, error))
    return NULL;
  room = g_hash_table_lookup (self->rooms, confab_room_key_init (&key, room_name));
  confab_name_key_clear (&key);
  if (room == NULL)
    g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NO_SUCH_ROOM, "no such room: %s", room_name);
  return room;
}

/**
 * confab_broker_check_room_member:
 * @room: a room's name
 *
 * Returns: (transfer none) (nullable): the room, if @peer is in it; else
 *   %NULL with CONFAB_ERROR_INVALID_ROOM_NAME, _NO_SUCH_ROOM or
 *   _NOT_IN_ROOM
 */
ConfabBrokerRoom *
confab_broker_check_room_member (ConfabBroker     *self,
                                 ConfabBrokerPeer *peer,
                                 const char       *room_name,
                                 GError          **error)
{
  ConfabBrokerRoom *room;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (peer != NULL && room_name != NULL, NULL);

  room = lookup_room (self, room_name, error);
  if (room != NULL && !g_hash_table_contains (room->members, peer))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_IN_ROOM, "not in room: %s", room->name);
      return NULL;
    }
  return room;
}

/**
 * confab_broker_part_room:
 *
 * Takes @peer out of @room; every member, @peer included, is sent
 * "part ROOM: NAME". The last member's part removes the room.
 *
 * Returns: %FALSE with CONFAB_ERROR_INVALID_ROOM_NAME, _NO_SUCH_ROOM or
 *   _NOT_IN_ROOM
 */
gboolean
confab_broker_part_room (ConfabBroker     *self,
                         ConfabBrokerPeer *peer,
                         const char       *room_name,
                         GError          **error)
{
  ConfabBrokerRoom *room;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  assert_owner (self);

  room = confab_broker_check_room_member (self, peer, room_name, error);
  if (room == NULL)
    return FALSE;
  leave_room (self, peer, room);
  return TRUE;
}

/**
 * confab_broker_kick_from_room:
 * @by: the member asking: it must be the room's operator (its creator,
 *   while a member)
 * @name: who is to leave, in any spelling
 * @reason: why, "" for no reason
 *
 * Takes @name out of the room; every member, the one removed included,
 * is told with a part that names @by and @reason
 * (confab_message_new_kick()).
 *
 * Returns: %FALSE with CONFAB_ERROR_INVALID_ROOM_NAME, _NO_SUCH_ROOM,
 *   _NOT_IN_ROOM (@by is not a member: "not in room: #r"; @name is not:
 *   "NAME is not in #r"), _NOT_ROOM_OPERATOR or _NO_SUCH_PEER
 */
gboolean
confab_broker_kick_from_room (ConfabBroker     *self,
                              ConfabBrokerPeer *by,
                              const char       *room_name,
                              const char       *name,
                              const char       *reason,
                              GError          **error)
{
  g_autoptr(ConfabMessage) notice = NULL;
  ConfabBrokerRoom *room;
  ConfabBrokerPeer *target;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  g_return_val_if_fail (by != NULL && name != NULL && reason != NULL, FALSE);
  assert_owner (self);

  room = confab_broker_check_room_member (self, by, room_name, error);
  if (room == NULL)
    return FALSE;
  if (room->operator!= by)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_ROOM_OPERATOR,
                   "not the operator of %s", room->name);
      return FALSE;
    }
  target = confab_broker_lookup (self, name);
  if (target == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NO_SUCH_PEER, "no such peer: %s", name);
      return FALSE;
    }
  if (!g_hash_table_contains (room->members, target))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_IN_ROOM, "%s is not in %s",
                   target->name, room->name);
      return FALSE;
    }

  notice = confab_message_new_kick (room->name, target->name, by->name, reason);
  leave_room_with (self, target, room, notice);
  return TRUE;
}

/* Returns: (nullable): the name of @room's operator, if it has one */
const char *
confab_broker_room_get_operator (ConfabBrokerRoom *room)
{
  return room->operator!= NULL ? room->operator->name : NULL;
}

/**
 * confab_broker_lookup_room:
 * @room_name: a room's name, in any spelling of its key
 *
 * Returns: (transfer none) (nullable): the room; %NULL with
 *   CONFAB_ERROR_INVALID_ROOM_NAME or _NO_SUCH_ROOM ("no such room: #r")
 */
ConfabBrokerRoom *
confab_broker_lookup_room (ConfabBroker *self,
                           const char   *room_name,
                           GError      **error)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (room_name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  return lookup_room (self, room_name, error);
}

/* ---- messages and topics --------------------------------------------- */

/**
 * confab_broker_route_to_room:
 * @room: a room @sender is in (confab_broker_check_room_member())
 * @message: a chat message for @room (confab_message_get_room())
 *
 * Within a route (confab_broker_route_begin()), queues @message to every
 * other member not reached yet.
 */
void
confab_broker_route_to_room (ConfabBroker     *self,
                             ConfabBrokerPeer *sender,
                             ConfabBrokerRoom *room,
                             ConfabMessage    *message)
{
  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (room != NULL && message != NULL);

  self->stats.room_messages++;
  confab_broker_fan_out (self, room, message, sender, TRUE);
  if (self->link != NULL)
    self->link->route_to_room (self->link_data, room, message);
}

/**
 * confab_broker_set_topic:
 * @peer: (nullable): a member of @room; %NULL for the administrator
 * @topic: validated single-line text; "" clears the topic
 *
 * Sets the topic and sends "topic ROOM: TEXT" to every member.
 *
 * Returns: %FALSE with CONFAB_ERROR_INVALID_ROOM_NAME, _NO_SUCH_ROOM or
 *   _NOT_IN_ROOM
 */
gboolean
confab_broker_set_topic (ConfabBroker     *self,
                         ConfabBrokerPeer *peer,
                         const char       *room_name,
                         const char       *topic,
                         GError          **error)
{
  g_autoptr(ConfabMessage) notice = NULL;
  ConfabBrokerRoom *room;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  g_return_val_if_fail (room_name != NULL && topic != NULL, FALSE);
  assert_owner (self);

  room = peer != NULL ? confab_broker_check_room_member (self, peer, room_name, error)
                      : lookup_room (self, room_name, error);
  if (room == NULL)
    return FALSE;

  g_free (room->topic);
  room->topic = g_strdup (topic);
  g_free (room->topic_setter);
  room->topic_setter = g_strdup (peer != NULL ? peer->name : CONFAB_SERVER_SENDER);
  room->topic_usec = g_get_real_time ();

  notice = confab_broker_room_new_topic_message (room);
  confab_broker_fan_out (self, room, notice, NULL, FALSE);
  confab_broker_room_notice_out (self, room, notice);
  confab_broker_emit_room_signal (self, CONFAB_BROKER_ROOM_CHANGED, room);
  return TRUE;
}

/**
 * confab_broker_broadcast_room:
 * @text: validated single-line text
 *
 * Queues "from @server in ROOM: TEXT" to every member of @room.
 *
 * Returns: how many members it was queued to; 0 with
 *   CONFAB_ERROR_INVALID_ROOM_NAME or _NO_SUCH_ROOM
 */
guint
confab_broker_broadcast_room (ConfabBroker *self,
                              const char   *room_name,
                              const char   *text,
                              GError      **error)
{
  g_autoptr(ConfabMessage) message = NULL;
  ConfabBrokerRoom *room;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);
  g_return_val_if_fail (room_name != NULL && text != NULL, 0);
  assert_owner (self);

  room = lookup_room (self, room_name, error);
  if (room == NULL)
    return 0;

  message = confab_message_new_room_chat (CONFAB_SERVER_SENDER, room->name,
                                          (const char * const *) &room->name, 1,
                                          text, strlen (text), 0);
  self->stats.messages_routed++;
  self->stats.room_messages++;
  self->route_serial++;
  return confab_broker_fan_out (self, room, message, NULL, TRUE);
}

/* ---- the room table -------------------------------------------------- */

static int
compare_room_names (gconstpointer a,
                    gconstpointer b)
{
  const ConfabBrokerRoom *ra = *(ConfabBrokerRoom * const *) a;
  const ConfabBrokerRoom *rb = *(ConfabBrokerRoom * const *) b;

  return strcmp (ra->name, rb->name);
}

/* Returns: (transfer container) (element-type ConfabBrokerRoom): every
 *   room, sorted by name */
GPtrArray *
confab_broker_list_rooms (ConfabBroker *self)
{
  GPtrArray     *rooms;
  GHashTableIter iter;
  gpointer       room;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);

  rooms = g_ptr_array_new_full (g_hash_table_size (self->rooms),
                                (GDestroyNotify) confab_broker_room_unref);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &room))
    g_ptr_array_add (rooms, confab_broker_room_ref (room));
  g_ptr_array_sort (rooms, compare_room_names);
  return rooms;
}

guint
confab_broker_get_n_rooms (ConfabBroker *self)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);

  return self->stats.rooms;
}
