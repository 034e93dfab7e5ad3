/* confab-cluster-names.c: names and rooms across the nodes of a cluster
 * (SPEC §14): the directory of the other nodes' names and rooms, routing
 * to them, and what they route here (the names this node claims are
 * confab-cluster-claims.c).
 *
 * Every node keeps a directory of the others' names and rooms, fed
 * by the events each claim, release and room change publishes, and by a
 * snapshot whenever it (re)connects, so that routing never waits for
 * Redis: a message to a peer on another node is one PUBLISH to that
 * node's channel, a room message one per other node with members. One
 * command connection carries them all in the order the broker routed
 * them, and each node reads its channel in order, so each sender's
 * messages reach each recipient in order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-private.h"
#include "confab-cluster-scripts.h"
#include "confab-cluster-wire.h"
#include "confab-codec.h"
#include "confab-log.h"
#include "confab-names.h"
#include "confab-name-key.h"

/* ---- rooms -------------------------------------------------------------- */

static void
send_room (ConfabCluster *self,
           const char    *room_key,
           gboolean       entered)
{
  const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_ROOM, "0", self->node, room_key, entered ? "1" : "0" };

  confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
}

static void
room_created_cb (ConfabBroker     *broker,
                 ConfabBrokerRoom *room,
                 gpointer          user_data)
{
  (void) broker;
  send_room (user_data, confab_broker_room_get_key (room), TRUE);
  confab_cluster_rooms_created (user_data, room);
}

static void
room_removed_cb (ConfabBroker     *broker,
                 ConfabBrokerRoom *room,
                 gpointer          user_data)
{
  (void) broker;
  send_room (user_data, confab_broker_room_get_key (room), FALSE);
}

GHashTable *
confab_cluster_room_nodes (ConfabCluster *self,
                           const char    *room_key,
                           gboolean       create)
{
  GHashTable *nodes = g_hash_table_lookup (self->rooms, room_key);

  if (nodes == NULL && create)
    {
      nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      g_hash_table_insert (self->rooms, g_strdup (room_key), nodes);
    }
  return nodes;
}

static void
room_node_remove (ConfabCluster *self,
                  const char    *room_key,
                  const char    *node)
{
  GHashTable *nodes = confab_cluster_room_nodes (self, room_key, FALSE);

  if (nodes != NULL && g_hash_table_remove (nodes, node) && g_hash_table_size (nodes) == 0)
    g_hash_table_remove (self->rooms, room_key);
}

/* ---- the directory ------------------------------------------------------ */

static void
remote_peer_free (gpointer data)
{
  ConfabRemotePeer *remote = data;

  g_free (remote->node);
  g_free (remote->name);
  g_free (remote);
}

static void
directory_add (ConfabCluster *self,
               const char    *node,
               const char    *key,
               const char    *name)
{
  ConfabRemotePeer *remote;

  if (strcmp (node, self->node) == 0)
    return;
  remote = g_new0 (ConfabRemotePeer, 1);
  remote->node = g_strdup (node);
  remote->name = g_strdup (name);
  g_hash_table_insert (self->names, g_strdup (key), remote);
}

static void
directory_remove (ConfabCluster *self,
                  const char    *node,
                  const char    *key)
{
  ConfabRemotePeer *remote = g_hash_table_lookup (self->names, key);

  if (remote != NULL && strcmp (remote->node, node) == 0)
    g_hash_table_remove (self->names, key);
}

/* Everything the directory holds of @node. */
static void
directory_drop_node (ConfabCluster *self,
                     const char    *node)
{
  GHashTableIter iter;
  gpointer       value;

  confab_cluster_rooms_drop_node (self, node);

  g_hash_table_iter_init (&iter, self->names);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (strcmp (((ConfabRemotePeer *) value)->node, node) == 0)
      g_hash_table_iter_remove (&iter);
  g_hash_table_iter_init (&iter, self->rooms);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      g_hash_table_remove (value, node);
      if (g_hash_table_size (value) == 0)
        g_hash_table_iter_remove (&iter);
    }
}

/* The peers the directory has on @node (this node: the broker's). */
guint
confab_cluster_names_count (ConfabCluster *self,
                            const char    *node)
{
  GHashTableIter iter;
  gpointer       value;
  guint          n = 0;

  if (strcmp (node, self->node) == 0)
    return confab_broker_get_n_peers (self->broker);
  g_hash_table_iter_init (&iter, self->names);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (strcmp (((ConfabRemotePeer *) value)->node, node) == 0)
      n++;
  return n;
}

typedef struct
{
  ConfabCluster *cluster;
  guint64        events_seen; /* when it was asked */
} SnapshotRequest;

static void
snapshot_cb (redisAsyncContext *ac,
             void              *r,
             void              *privdata)
{
  g_autofree SnapshotRequest *request = privdata;
  ConfabCluster              *self = request->cluster;
  redisReply                 *reply = r;
  redisReply                 *nodes;
  redisReply                 *topics;
  gboolean                    whole;

  (void) ac;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      reply->element[0]->type != REDIS_REPLY_ARRAY || reply->element[0]->elements % 4 != 0 ||
      reply->element[1]->type != REDIS_REPLY_ARRAY || reply->element[1]->elements % 4 != 0)
    return;
  nodes = reply->element[0];
  topics = reply->element[1];
  /* An event that came meanwhile may be newer than the snapshot: then
   * what it shows is added, and nothing the events said is undone. */
  whole = request->events_seen == self->events_seen;
  if (whole)
    {
      g_hash_table_remove_all (self->names);
      g_hash_table_remove_all (self->rooms);
      confab_cluster_rooms_clear (self);
    }
  for (gsize i = 0; i + 3 < nodes->elements; i += 4)
    {
      const char *node = nodes->element[i]->str;
      redisReply *names = nodes->element[i + 1];
      redisReply *rooms = nodes->element[i + 2];
      redisReply *members = nodes->element[i + 3];

      if (nodes->element[i]->type != REDIS_REPLY_STRING || strcmp (node, self->node) == 0)
        continue;
      confab_cluster_detector_note (self->detector, node);
      for (gsize j = 0; names->type == REDIS_REPLY_ARRAY && j + 1 < names->elements; j += 2)
        directory_add (self, node, names->element[j]->str, names->element[j + 1]->str);
      for (gsize j = 0; rooms->type == REDIS_REPLY_ARRAY && j < rooms->elements; j++)
        g_hash_table_add (confab_cluster_room_nodes (self, rooms->element[j]->str, TRUE), g_strdup (node));
      for (gsize j = 0; members->type == REDIS_REPLY_ARRAY && j < members->elements; j++)
        {
          g_auto(GStrv) room_name = g_strsplit (members->element[j]->str, "\t", 2);

          if (g_strv_length (room_name) == 2)
            confab_cluster_rooms_add_member (self, room_name[0], room_name[1], node);
        }
    }
  for (gsize i = 0; i + 3 < topics->elements; i += 4)
    {
      guint64 usec = 0;

      if (topics->element[i + 2]->type != REDIS_REPLY_STRING || topics->element[i + 3]->type != REDIS_REPLY_STRING ||
          !g_ascii_string_to_unsigned (topics->element[i + 1]->str, 10, 0, G_MAXINT64, &usec, NULL))
        continue;
      confab_cluster_rooms_set_topic (self, topics->element[i]->str, (gint64) usec,
                                      topics->element[i + 2]->str, topics->element[i + 3]->str);
    }
}

void
confab_cluster_names_snapshot (ConfabCluster *self)
{
  const char      *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_SNAPSHOT, "0" };
  SnapshotRequest *request = g_new0 (SnapshotRequest, 1);

  request->cluster = self;
  request->events_seen = self->events_seen;
  if (!confab_cluster_command (self, snapshot_cb, request, G_N_ELEMENTS (argv), argv, NULL))
    g_free (request);
}

static void
registered_cb (redisAsyncContext *ac,
               void              *r,
               void              *privdata)
{
  ConfabCluster *self = privdata;

  (void) ac;
  if (r != NULL && self->sub_up)
    confab_cluster_registered (self);
}

/* What Redis holds of this node, made what this node holds now
 * (CONFAB_CLUSTER_SCRIPT_RESYNC). */
static void
resync (ConfabCluster *self,
        GPtrArray     *rooms)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GPtrArray) members = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer       value;
  guint          n_held = 0;
  guint          count_at;

  g_ptr_array_add (argv, g_strdup ("EVAL"));
  g_ptr_array_add (argv, g_strdup (CONFAB_CLUSTER_SCRIPT_RESYNC));
  g_ptr_array_add (argv, g_strdup ("0"));
  g_ptr_array_add (argv, g_strdup (self->node));
  count_at = argv->len;
  g_ptr_array_add (argv, NULL);
  g_hash_table_iter_init (&iter, self->claims);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabClaim *claim = value;

      if (claim->state != CLAIM_HELD)
        continue;
      g_ptr_array_add (argv, g_strdup (claim->key));
      g_ptr_array_add (argv, g_strdup (claim->name));
      n_held++;
    }
  argv->pdata[count_at] = g_strdup_printf ("%u", n_held);
  g_ptr_array_add (argv, g_strdup_printf ("%u", rooms->len));
  for (guint i = 0; i < rooms->len; i++)
    g_ptr_array_add (argv, g_strdup (confab_broker_room_get_key (g_ptr_array_index (rooms, i))));
  for (guint i = 0; i < rooms->len; i++)
    {
      ConfabBrokerRoom       *room = g_ptr_array_index (rooms, i);
      guint                   n = 0;
      g_autofree const char **names = confab_broker_room_dup_local_member_names (room, &n);

      for (guint j = 0; j < n; j++)
        g_ptr_array_add (members, g_strdup_printf ("%s\t%s", confab_broker_room_get_key (room), names[j]));
    }
  g_ptr_array_add (argv, g_strdup_printf ("%u", members->len));
  for (guint i = 0; i < members->len; i++)
    g_ptr_array_add (argv, g_ptr_array_index (members, i)); /* argv frees them */
  confab_cluster_command (self, NULL, NULL, argv->len, (const char **) argv->pdata, NULL);
}

/* After (re)connecting, or after Redis forgot this node: its names and
 * rooms go back into Redis, it says hello, and it reads the others'. A
 * name another node took meanwhile is that node's (claim_reply_cb in
 * confab-cluster-claims.c). */
void
confab_cluster_names_register (ConfabCluster *self)
{
  g_autoptr(GPtrArray) rooms = confab_broker_list_rooms (self->broker);
  const char *ping[] = { "PING" };

  resync (self, rooms);
  confab_cluster_claims_register (self);
  for (guint i = 0; i < rooms->len; i++)
    send_room (self, confab_broker_room_get_key (g_ptr_array_index (rooms, i)), TRUE);
  g_string_truncate (self->scratch, 0);
  confab_cluster_wire_event (self->scratch, CONFAB_CLUSTER_HELLO, self->node, NULL, NULL);
  {
    const char *argv[] = { "PUBLISH", CONFAB_CLUSTER_EVENTS_CHANNEL, self->scratch->str };

    confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
  }
  confab_cluster_names_snapshot (self);
  /* Answered after all of the above: registered from then on. */
  confab_cluster_command (self, registered_cb, self, G_N_ELEMENTS (ping), ping, NULL);
}

/* The detector found @node dead: its names are freed in Redis (any node
 * may do it; the script is idempotent) and forgotten here. */
void
confab_cluster_names_bury (ConfabCluster *self,
                           const char    *node)
{
  const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_BURY, "0", node };
  guint       n = confab_cluster_names_count (self, node);

  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                    CONFAB_LOG_FIELD_EVENT, "cluster-node-dead",
                    "MESSAGE", "Cluster node %s has not been heard from for %u s; its %u "
                               "names are free",
                    node, self->ttl_ms / 1000, n);
  directory_drop_node (self, node);
  confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
}

/* ---- routing ------------------------------------------------------------ */

static gboolean
link_route_to_name (gpointer          link_data,
                    ConfabBrokerPeer *sender,
                    const char       *key,
                    ConfabMessage    *message)
{
  ConfabCluster    *self = link_data;
  ConfabRemotePeer *remote = g_hash_table_lookup (self->names, key);

  (void) sender;
  if (remote == NULL || !confab_cluster_detector_is_alive (self->detector, remote->node))
    return FALSE;
  return confab_cluster_outbox_direct (self, remote->node, key, message);
}

static void
link_route_to_room (gpointer          link_data,
                    ConfabBrokerRoom *room,
                    ConfabMessage    *message)
{
  ConfabCluster      *self = link_data;
  GHashTable         *nodes = confab_cluster_room_nodes (self, confab_broker_room_get_key (room), FALSE);
  const char * const *to;
  const char         *text;
  gsize               text_len;
  guint               n_to;
  GHashTableIter      iter;
  gpointer            node;

  if (nodes == NULL)
    return;
  to = confab_message_get_recipients (message, &n_to);
  text = confab_message_get_text (message, &text_len);
  g_string_truncate (self->scratch, 0);
  confab_cluster_wire_room (self->scratch, confab_message_get_sender (message),
                            confab_broker_room_get_name (room), confab_broker_room_get_key (room),
                            to, n_to, text, text_len);
  g_hash_table_iter_init (&iter, nodes);
  while (g_hash_table_iter_next (&iter, &node, NULL))
    if (confab_cluster_detector_is_alive (self->detector, node))
      confab_cluster_outbox_add (self, node, self->scratch);
}

static gboolean
link_has_name (gpointer    link_data,
               const char *key)
{
  ConfabCluster    *self = link_data;
  ConfabRemotePeer *remote = g_hash_table_lookup (self->names, key);

  return remote != NULL && confab_cluster_detector_is_alive (self->detector, remote->node);
}

static void
link_add_peer_names (gpointer   link_data,
                     GPtrArray *names)
{
  ConfabCluster *self = link_data;
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->names);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabRemotePeer *remote = value;

      if (confab_cluster_detector_is_alive (self->detector, remote->node))
        g_ptr_array_add (names, remote->name);
    }
}

static void
link_get_stats (gpointer            link_data,
                ConfabClusterStats *stats)
{
  ConfabCluster *self = link_data;
  g_autoptr(GPtrArray) alive = confab_cluster_detector_list_alive (self->detector);
  GVariantBuilder peers;

  g_variant_builder_init (&peers, G_VARIANT_TYPE ("a{su}"));
  for (guint i = 0; i < alive->len; i++)
    {
      const char *node = g_ptr_array_index (alive, i);

      g_variant_builder_add (&peers, "{su}", node, confab_cluster_names_count (self, node));
    }
  stats->ready = confab_cluster_is_ready (self);
  stats->nodes = alive->len;
  stats->messages_in = self->messages_in;
  stats->messages_out = self->messages_out;
  stats->messages_lost = self->messages_lost;
  stats->node_peers = g_variant_ref_sink (g_variant_builder_end (&peers));
}

const ConfabClusterLink confab_cluster_link = {
  .claim = confab_cluster_claims_claim,
  .unclaim = confab_cluster_claims_unclaim,
  .route_to_name = link_route_to_name,
  .route_to_room = link_route_to_room,
  .has_name = link_has_name,
  .get_stats = link_get_stats,
  .room_notice = confab_cluster_rooms_notice,
  .add_room_members = confab_cluster_rooms_add_members,
  .add_peer_names = link_add_peer_names,
};

/* What another node routed here, or what it says of itself. */
void
confab_cluster_names_publication (ConfabCluster *self,
                                  char          *data,
                                  gsize          len)
{
  ConfabClusterPublication p;

  if (!confab_cluster_wire_decode (data, len, &p))
    {
      g_debug ("cluster: a publication of no known shape, ignored");
      return;
    }
  switch (p.kind)
    {
    case CONFAB_CLUSTER_DIRECT:
      {
        g_autoptr(ConfabMessage) message =
                     confab_text_codec_new_chat (p.sender, NULL, p.to, p.n_to, p.text, p.text_len);

        self->messages_in++;
        confab_broker_deliver_to_keys (self->broker, p.keys, p.n_keys, message);
      }
      break;

    case CONFAB_CLUSTER_ROOM:
      {
        g_autoptr(ConfabMessage) message =
                     confab_text_codec_new_chat (p.sender, p.name, p.to, p.n_to, p.text, p.text_len);

        self->messages_in++;
        confab_broker_deliver_to_room_key (self->broker, p.key, message);
      }
      break;

    case CONFAB_CLUSTER_JOINED:
      self->events_seen++;
      directory_add (self, p.node, p.key, p.name);
      break;

    case CONFAB_CLUSTER_LEFT:
      self->events_seen++;
      {
        ConfabRemotePeer *remote = g_hash_table_lookup (self->names, p.key);

        if (remote != NULL && strcmp (remote->node, p.node) == 0)
          confab_cluster_rooms_drop_name (self, p.node, remote->name);
      }
      directory_remove (self, p.node, p.key);
      break;

    case CONFAB_CLUSTER_ROOM_ENTERED:
      self->events_seen++;
      if (strcmp (p.node, self->node) != 0)
        g_hash_table_add (confab_cluster_room_nodes (self, p.key, TRUE), g_strdup (p.node));
      break;

    case CONFAB_CLUSTER_ROOM_EMPTIED:
      self->events_seen++;
      room_node_remove (self, p.key, p.node);
      confab_cluster_rooms_drop_node_room (self, p.key, p.node);
      break;

    case CONFAB_CLUSTER_HELLO:
      /* A node that came back: its names, read anew. */
      self->events_seen++;
      if (strcmp (p.node, self->node) != 0)
        {
          confab_cluster_rooms_drop_node (self, p.node);
          confab_cluster_names_snapshot (self);
        }
      break;

    case CONFAB_CLUSTER_NOTICE:
      confab_cluster_rooms_publication (self, &p);
      break;

    default:
      break;
    }
  confab_cluster_publication_clear (&p);
}

/* ---- set-up ------------------------------------------------------------- */

void
confab_cluster_names_init (ConfabCluster *self)
{
  self->names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, remote_peer_free);
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_hash_table_unref);
  confab_cluster_claims_init (self);
  confab_cluster_rooms_init (self);
  self->room_created_id = g_signal_connect (self->broker, "room-created", G_CALLBACK (room_created_cb), self);
  self->room_removed_id = g_signal_connect (self->broker, "room-removed", G_CALLBACK (room_removed_cb), self);
}

void
confab_cluster_names_clear (ConfabCluster *self)
{
  if (self->broker != NULL)
    {
      g_clear_signal_handler (&self->room_created_id, self->broker);
      g_clear_signal_handler (&self->room_removed_id, self->broker);
    }
  confab_cluster_claims_clear (self);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  confab_cluster_rooms_free (self);
}
