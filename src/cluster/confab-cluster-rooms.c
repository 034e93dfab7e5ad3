/* confab-cluster-rooms.c: rooms across the nodes of a cluster (SPEC §14):
 * who is in each room on the other nodes, its topic, and the notices of
 * joins, parts and topics between the nodes.
 *
 * A join, part (or kick) or topic change is fanned out on its own node
 * by the broker, then written to Redis and published to every node in
 * one script (CONFAB_CLUSTER_SCRIPT_MEMBER, _TOPIC), so every node knows
 * every room's members and topic: the member list and topic a joiner is
 * sent are whole even on a node where the room has just been made. The
 * nodes that have members of the room fan the notice out to theirs. A
 * node's snapshot (confab-cluster-names.c) reads what it missed; a node
 * that dies or comes back loses its members here until it says anew.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-private.h"
#include "confab-cluster-scripts.h"

typedef struct
{
  gint64 usec;
  char  *setter; /* (owned) */
  char  *topic;  /* (owned) */
} RoomTopic;

static void
room_topic_free (gpointer data)
{
  RoomTopic *topic = data;

  g_free (topic->setter);
  g_free (topic->topic);
  g_free (topic);
}

static GHashTable *
members_of (ConfabCluster *self,
            const char    *room_key,
            gboolean       create)
{
  GHashTable *members = g_hash_table_lookup (self->room_members, room_key);

  if (members == NULL && create)
    {
      members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
      g_hash_table_insert (self->room_members, g_strdup (room_key), members);
    }
  return members;
}

void
confab_cluster_rooms_init (ConfabCluster *self)
{
  self->room_members = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  self->room_topics = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, room_topic_free);
}

void
confab_cluster_rooms_clear (ConfabCluster *self)
{
  if (self->room_members != NULL)
    g_hash_table_remove_all (self->room_members);
  if (self->room_topics != NULL)
    g_hash_table_remove_all (self->room_topics);
}

void
confab_cluster_rooms_free (ConfabCluster *self)
{
  g_clear_pointer (&self->room_members, g_hash_table_unref);
  g_clear_pointer (&self->room_topics, g_hash_table_unref);
}

/* From a snapshot or a notice: @name, on @node, is in the room. */
void
confab_cluster_rooms_add_member (ConfabCluster *self,
                                 const char    *room_key,
                                 const char    *name,
                                 const char    *node)
{
  if (strcmp (node, self->node) != 0)
    g_hash_table_insert (members_of (self, room_key, TRUE), g_strdup (name), g_strdup (node));
}

void
confab_cluster_rooms_set_topic (ConfabCluster *self,
                                const char    *room_key,
                                gint64         usec,
                                const char    *setter,
                                const char    *topic)
{
  RoomTopic *entry = g_new0 (RoomTopic, 1);

  entry->usec = usec;
  entry->setter = g_strdup (setter);
  entry->topic = g_strdup (topic);
  g_hash_table_insert (self->room_topics, g_strdup (room_key), entry);
}

/* @room's notice, fanned out here, for every other node. */
void
confab_cluster_rooms_notice (gpointer          link_data,
                             ConfabBrokerRoom *room,
                             ConfabMessage    *notice)
{
  ConfabCluster      *self = link_data;
  const char         *key = confab_broker_room_get_key (room);
  const char         *name = confab_message_get_sender (notice);
  const char * const *by;
  const char         *text = NULL;
  guint               n_by = 0;
  char                kind;
  gint64              usec = confab_message_get_timestamp (notice);

  switch (confab_message_get_kind (notice))
    {
    case CONFAB_MESSAGE_JOIN:
      kind = CONFAB_CLUSTER_NOTICE_JOIN;
      break;

    case CONFAB_MESSAGE_PART:
      kind = CONFAB_CLUSTER_NOTICE_PART;
      text = confab_message_get_text (notice, NULL);
      break;

    case CONFAB_MESSAGE_TOPIC:
      kind = CONFAB_CLUSTER_NOTICE_TOPIC;
      text = confab_message_get_text (notice, NULL);
      break;

    default:
      return;
    }
  by = confab_message_get_names (notice, &n_by);
  g_string_truncate (self->scratch, 0);
  confab_cluster_wire_notice (self->scratch, key, self->node, kind, confab_broker_room_get_name (room), name,
                              kind == CONFAB_CLUSTER_NOTICE_PART && n_by > 0 ? by[0] : "", usec, text);
  if (kind == CONFAB_CLUSTER_NOTICE_TOPIC)
    {
      g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT, usec);
      const char      *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_TOPIC, "0", key, when, name,
                                  text, self->scratch->str };

      confab_cluster_rooms_set_topic (self, key, usec, name, text);
      confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
    }
  else
    {
      const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_MEMBER, "0", self->node, key, name,
                             kind == CONFAB_CLUSTER_NOTICE_JOIN ? "1" : "0", self->scratch->str };

      confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
    }
}

/* The members of @room on the other nodes that live, for a member list. */
void
confab_cluster_rooms_add_members (gpointer          link_data,
                                  ConfabBrokerRoom *room,
                                  GPtrArray        *names)
{
  ConfabCluster *self = link_data;
  GHashTable    *members = members_of (self, confab_broker_room_get_key (room), FALSE);
  GHashTableIter iter;
  gpointer       name, node;

  if (members == NULL)
    return;
  g_hash_table_iter_init (&iter, members);
  while (g_hash_table_iter_next (&iter, &name, &node))
    if (confab_cluster_detector_is_alive (self->detector, node))
      g_ptr_array_add (names, name);
}

/* The first member here: the room has the topic the others gave it,
 * before the joiner is told (the broker's room-created signal comes
 * before the session answers the join). */
void
confab_cluster_rooms_created (ConfabCluster    *self,
                              ConfabBrokerRoom *room)
{
  RoomTopic *topic = g_hash_table_lookup (self->room_topics, confab_broker_room_get_key (room));

  if (topic != NULL)
    confab_broker_room_take_topic (room, topic->topic, topic->setter, topic->usec);
}

static void
drop_node_from (GHashTable *members,
                const char *node)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, members);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (strcmp (value, node) == 0)
      g_hash_table_iter_remove (&iter);
}

/* @node died, or came back and says anew what it has. */
void
confab_cluster_rooms_drop_node (ConfabCluster *self,
                                const char    *node)
{
  GHashTableIter iter;
  gpointer       members;

  g_hash_table_iter_init (&iter, self->room_members);
  while (g_hash_table_iter_next (&iter, NULL, &members))
    drop_node_from (members, node);
}

/* @node has no member of the room any more; a room nobody has any more
 * forgets its topic, as in Redis (CONFAB_CLUSTER_SCRIPT_ROOM). */
void
confab_cluster_rooms_drop_node_room (ConfabCluster *self,
                                     const char    *room_key,
                                     const char    *node)
{
  GHashTable *members = members_of (self, room_key, FALSE);

  if (members != NULL)
    drop_node_from (members, node);
  if (confab_cluster_room_nodes (self, room_key, FALSE) == NULL &&
      confab_broker_lookup_room_key (self->broker, room_key) == NULL)
    {
      g_hash_table_remove (self->room_members, room_key);
      g_hash_table_remove (self->room_topics, room_key);
    }
}

/* @name left @node (or the cluster, its node stopping): out of every room. */
void
confab_cluster_rooms_drop_name (ConfabCluster *self,
                                const char    *node,
                                const char    *name)
{
  GHashTableIter iter;
  gpointer       members;

  g_hash_table_iter_init (&iter, self->room_members);
  while (g_hash_table_iter_next (&iter, NULL, &members))
    {
      const char *on = g_hash_table_lookup (members, name);

      if (on != NULL && strcmp (on, node) == 0)
        g_hash_table_remove (members, name);
    }
}

static ConfabMessage *
notice_message (const ConfabClusterPublication *p)
{
  switch (p->notice)
    {
    case CONFAB_CLUSTER_NOTICE_JOIN:
      return confab_message_new_room_event (CONFAB_MESSAGE_JOIN, p->name, p->sender);

    case CONFAB_CLUSTER_NOTICE_PART:
      if (*p->by != '\0')
        return confab_message_new_kick (p->name, p->sender, p->by, p->text);
      return confab_message_new_room_event (CONFAB_MESSAGE_PART, p->name, p->sender);

    case CONFAB_CLUSTER_NOTICE_TOPIC:
    default:
      return confab_message_new_topic (p->name, p->sender, p->text, p->usec);
    }
}

/* Another node's notice: noted, and told to the members here. */
void
confab_cluster_rooms_publication (ConfabCluster            *self,
                                  ConfabClusterPublication *p)
{
  g_autoptr(ConfabMessage) notice = NULL;

  if (p->kind != CONFAB_CLUSTER_NOTICE || strcmp (p->node, self->node) == 0)
    return;
  self->events_seen++;
  if (p->notice == CONFAB_CLUSTER_NOTICE_JOIN)
    confab_cluster_rooms_add_member (self, p->key, p->sender, p->node);
  else if (p->notice == CONFAB_CLUSTER_NOTICE_PART)
    confab_cluster_rooms_drop_name (self, p->node, p->sender);
  else
    confab_cluster_rooms_set_topic (self, p->key, p->usec, p->sender, p->text);
  if (confab_broker_lookup_room_key (self->broker, p->key) == NULL)
    return;
  notice = notice_message (p);
  confab_broker_room_notice_from_cluster (self->broker, p->key, notice);
}
