/* confab-broker-cluster.c: the broker's side of a cluster (SPEC §14).
 *
 * The link (confab-cluster-link.h) is asked only where this node's own
 * table has no answer; what comes from another node is delivered here
 * to this node's peers and rooms, as a route of its own, so each
 * recipient gets one copy and the counters count it as any delivery.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-broker-private.h"
#include "confab-name-key.h"

/**
 * confab_broker_set_cluster_link:
 * @link: (nullable): how to reach the other nodes; %NULL for none. It
 *   and @link_data must outlive the broker or be unset first.
 */
void
confab_broker_set_cluster_link (ConfabBroker            *self,
                                const ConfabClusterLink *link,
                                gpointer                 link_data)
{
  g_return_if_fail (CONFAB_IS_BROKER (self));
  assert_owner (self);

  self->link = link;
  self->link_data = link != NULL ? link_data : NULL;
}

gboolean
confab_broker_has_cluster (ConfabBroker *self)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);

  return self->link != NULL;
}

/**
 * confab_broker_claim_name:
 * @name: a valid name, about to log in on this node
 * @done: called later, from the main loop, with the answer
 *
 * In a cluster, asks the link to reserve @name on every node first
 * (confab_broker_join() then takes it here). Only to be called when
 * confab_broker_has_cluster() says there is one.
 */
void
confab_broker_claim_name (ConfabBroker       *self,
                          const char         *name,
                          ConfabClaimDoneFunc done,
                          gpointer            user_data)
{
  g_auto(ConfabNameKey) key = { NULL };

  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (self->link != NULL);
  g_return_if_fail (name != NULL && done != NULL);
  assert_owner (self);

  self->link->claim (self->link_data, name, confab_name_key_init (&key, name), done, user_data);
}

/* A claim answered without error that no join followed. */
void
confab_broker_unclaim_name (ConfabBroker *self,
                            const char   *name)
{
  g_auto(ConfabNameKey) key = { NULL };

  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (name != NULL);
  assert_owner (self);

  if (self->link != NULL)
    self->link->unclaim (self->link_data, confab_name_key_init (&key, name));
}

/* Returns: %FALSE (and @stats untouched) if this node is in no cluster */
gboolean
confab_broker_get_cluster_stats (ConfabBroker       *self,
                                 ConfabClusterStats *stats)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  g_return_val_if_fail (stats != NULL, FALSE);

  if (self->link == NULL)
    return FALSE;
  self->link->get_stats (self->link_data, stats);
  return TRUE;
}

/* Whether @name is logged in here or, in a cluster, on another node. */
gboolean
confab_broker_is_present (ConfabBroker *self,
                          const char   *name)
{
  g_auto(ConfabNameKey) key = { NULL };
  const char *k;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  k = confab_name_key_init (&key, name);
  return g_hash_table_contains (self->peers, k) ||
         (self->link != NULL && self->link->has_name (self->link_data, k));
}

/* Returns: (transfer none) (nullable): the entry whose name's key is @key */
ConfabBrokerPeer *
confab_broker_lookup_key (ConfabBroker *self,
                          const char   *key)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (key != NULL, NULL);

  return g_hash_table_lookup (self->peers, key);
}

/* In a route: @name is not here; the link sends @message to its node. */
gboolean
confab_broker_route_remote (ConfabBroker     *self,
                            ConfabBrokerPeer *sender,
                            const char       *name,
                            ConfabMessage    *message)
{
  g_auto(ConfabNameKey) key = { NULL };

  return self->link->route_to_name (self->link_data, sender, confab_name_key_init (&key, name), message);
}

/**
 * confab_broker_deliver_to_keys:
 * @keys: name keys of this node's peers (confab-name-key.h)
 * @message: a chat message another node routed here
 *
 * Queues @message once to each of them still connected; a key that is
 * not (it left while the message travelled) is skipped: the sender's
 * node was told it was here, and nobody is left to be told otherwise.
 *
 * Returns: how many it was queued to
 */
guint
confab_broker_deliver_to_keys (ConfabBroker       *self,
                               const char * const *keys,
                               guint               n_keys,
                               ConfabMessage      *message)
{
  guint n = 0;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);
  g_return_val_if_fail (message != NULL, 0);
  assert_owner (self);

  self->route_serial++;
  for (guint i = 0; i < n_keys; i++)
    {
      ConfabBrokerPeer *recipient = g_hash_table_lookup (self->peers, keys[i]);

      if (recipient != NULL && confab_broker_deliver (self, recipient, message, CONFAB_PUSH_LIMITED))
        n++;
    }
  return n;
}

/**
 * confab_broker_deliver_to_room_key:
 * @room_key: a room's key
 * @message: a chat message for that room from a peer on another node
 *
 * Queues @message to every member of the room on this node.
 *
 * Returns: how many it was queued to; 0 if no member is here (any more)
 */
guint
confab_broker_deliver_to_room_key (ConfabBroker  *self,
                                   const char    *room_key,
                                   ConfabMessage *message)
{
  ConfabBrokerRoom *room;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);
  g_return_val_if_fail (room_key != NULL && message != NULL, 0);
  assert_owner (self);

  room = g_hash_table_lookup (self->rooms, room_key);
  if (room == NULL)
    return 0;
  self->route_serial++;
  return confab_broker_fan_out (self, room, message, NULL, TRUE);
}

/* Returns: (transfer none) (nullable): the room whose key is @room_key */
ConfabBrokerRoom *
confab_broker_lookup_room_key (ConfabBroker *self,
                               const char   *room_key)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (room_key != NULL, NULL);

  return g_hash_table_lookup (self->rooms, room_key);
}

/**
 * confab_broker_room_notice_from_cluster:
 * @room_key: a room's key
 * @notice: a join, part (or kick) or topic notice of that room from a
 *   member on another node
 *
 * Queues @notice to the room's members here; a topic notice sets the
 * room's topic here too, as its setter did there.
 *
 * Returns: how many it was queued to; 0 if no member is here
 */
guint
confab_broker_room_notice_from_cluster (ConfabBroker  *self,
                                        const char    *room_key,
                                        ConfabMessage *notice)
{
  ConfabBrokerRoom *room;
  guint             n;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);
  g_return_val_if_fail (room_key != NULL && notice != NULL, 0);
  assert_owner (self);

  room = g_hash_table_lookup (self->rooms, room_key);
  if (room == NULL)
    return 0;
  if (confab_message_get_kind (notice) == CONFAB_MESSAGE_TOPIC)
    {
      g_free (room->topic);
      room->topic = g_strdup (confab_message_get_text (notice, NULL));
      g_free (room->topic_setter);
      room->topic_setter = g_strdup (confab_message_get_sender (notice));
      room->topic_usec = confab_message_get_timestamp (notice);
    }
  n = confab_broker_fan_out (self, room, notice, NULL, FALSE);
  /* Its members or topic changed for whoever watches it (D-Bus). */
  if (room->listed)
    confab_broker_emit_room_signal (self, CONFAB_BROKER_ROOM_CHANGED, room);
  return n;
}

/* After the local fan-out of @notice: the members on other nodes. */
void
confab_broker_room_notice_out (ConfabBroker     *self,
                               ConfabBrokerRoom *room,
                               ConfabMessage    *notice)
{
  if (self->link != NULL)
    self->link->room_notice (self->link_data, room, notice);
}

/* A room made here that exists on other nodes takes their topic, with
 * no notice: its first member is told the topic with the join. */
void
confab_broker_room_take_topic (ConfabBrokerRoom *room,
                               const char       *topic,
                               const char       *setter,
                               gint64            usec)
{
  g_return_if_fail (room != NULL && topic != NULL);

  g_free (room->topic);
  room->topic = g_strdup (topic);
  g_free (room->topic_setter);
  room->topic_setter = g_strdup (setter);
  room->topic_usec = usec;
}

/**
 * confab_broker_dup_peer_names:
 * @n_names: (out): how many
 *
 * Returns: (transfer container): the names of the peers connected here
 *   and, in a cluster, on the other nodes, sorted, NULL-terminated; the
 *   strings are borrowed, valid until the main loop runs again
 */
const char **
confab_broker_dup_peer_names (ConfabBroker *self,
                              guint        *n_names)
{
  GPtrArray     *names;
  GHashTableIter iter;
  gpointer       peer;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (n_names != NULL, NULL);

  names = g_ptr_array_sized_new (g_hash_table_size (self->peers) + 1);
  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &peer))
    g_ptr_array_add (names, ((ConfabBrokerPeer *) peer)->name);
  if (self->link != NULL)
    self->link->add_peer_names (self->link_data, names);
  g_ptr_array_sort (names, confab_broker_compare_strings);
  *n_names = names->len;
  g_ptr_array_add (names, NULL);
  return (const char **) g_ptr_array_free (names, FALSE);
}
