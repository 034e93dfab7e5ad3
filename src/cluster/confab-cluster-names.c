/* confab-cluster-names.c: names and rooms across the nodes of a cluster
 * (SPEC §14): claims of names, the directory of the other nodes' names
 * and rooms, routing to them, and what they route here.
 *
 * A login's name is claimed in Redis (CONFAB_CLUSTER_SCRIPT_CLAIM) before
 * the broker takes it, so a name is never connected on two nodes at
 * once; a name whose owner the detector found dead is taken over from
 * it. Every node keeps a directory of the others' names and rooms, fed
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

/* ---- claims ------------------------------------------------------------- */

static ConfabClaim *
claim_ref (ConfabClaim *claim)
{
  return g_rc_box_acquire (claim);
}

static void
claim_clear (gpointer data)
{
  ConfabClaim *claim = data;

  g_clear_handle_id (&claim->timeout_id, g_source_remove);
  g_free (claim->key);
  g_free (claim->name);
}

static void
claim_unref (ConfabClaim *claim)
{
  g_rc_box_release_full (claim, claim_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabClaim, claim_unref)

/* Tells the login waiting for @claim, once. */
static void
claim_answer (ConfabClaim *claim,
              ConfabError  code,
              const char  *message)
{
  ConfabClaimDoneFunc done = g_steal_pointer (&claim->done);
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&claim->timeout_id, g_source_remove);
  if (done == NULL)
    return;
  if (message != NULL)
    error = g_error_new_literal (CONFAB_ERROR, code, message);
  done (error, claim->done_data);
}

static void
claim_forget (ConfabCluster *self,
              ConfabClaim   *claim)
{
  if (g_hash_table_lookup (self->claims, claim->key) == claim)
    g_hash_table_remove (self->claims, claim->key);
}

static void
send_release (ConfabCluster *self,
              const char    *key)
{
  const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_RELEASE, "0", self->node, key };

  confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
}

static void send_claim (ConfabCluster *self,
                        ConfabClaim   *claim,
                        const char    *dead_owner);

static void
refuse_taken (ConfabClaim *claim)
{
  g_autofree char *message = g_strdup_printf ("name taken: %s", claim->name);

  claim_answer (claim, CONFAB_ERROR_NAME_TAKEN, message);
}

#define UNAVAILABLE_TEXT "service unavailable, try again"

static void
claim_reply_cb (redisAsyncContext *ac,
                void              *r,
                void              *privdata)
{
  g_autoptr(ConfabClaim) claim = privdata; /* the command's ref */
  ConfabCluster *self = claim->cluster;
  redisReply    *reply = r;

  (void) ac;
  if (reply == NULL && claim->state == CLAIM_HELD)
    return; /* registered again on the next connection */
  if (reply == NULL || reply->type != REDIS_REPLY_STRING)
    {
      /* The link broke, or Redis refused the script. */
      if (reply != NULL)
        g_warning ("cluster: Redis at %s refused a claim: %s", self->address,
                   reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected answer");
      claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
      claim_forget (self, claim);
      return;
    }

  if (reply->len == 0)
    {
      if (claim->state == CLAIM_ABANDONED)
        {
          send_release (self, claim->key);
          claim_forget (self, claim);
          return;
        }
      claim->state = CLAIM_HELD;
      claim_answer (claim, 0, NULL);
      return;
    }

  /* Another node's. Free if this node found it dead. */
  if (!claim->took_over && confab_cluster_detector_is_dead (self->detector, reply->str))
    {
      claim->took_over = TRUE;
      send_claim (self, claim, reply->str);
      return;
    }
  confab_cluster_detector_note (self->detector, reply->str);
  if (claim->state == CLAIM_HELD)
    {
      /* A name this node held, taken by another while this one was cut
       * off (re-registration): its peer here goes. */
      g_autofree char *name = g_strdup (claim->name);

      claim_forget (self, claim);
      confab_broker_kick (self->broker, name, "name taken on another node", NULL);
      return;
    }
  refuse_taken (claim);
  claim_forget (self, claim);
}

static void
send_claim (ConfabCluster *self,
            ConfabClaim   *claim,
            const char    *dead_owner)
{
  const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_CLAIM, "0", self->node, claim->key, claim->name,
                         dead_owner != NULL ? dead_owner : "" };

  if (!confab_cluster_command (self, claim_reply_cb, claim_ref (claim), G_N_ELEMENTS (argv), argv, NULL))
    {
      claim_unref (claim);
      claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
      claim_forget (self, claim);
    }
}

static gboolean
claim_timeout_cb (gpointer user_data)
{
  ConfabClaim *claim = user_data;

  /* Redis stalls: the login is answered now; the claim, if it comes
   * through later, is given back (claim_reply_cb). */
  claim->timeout_id = 0;
  claim->state = CLAIM_ABANDONED;
  claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  ConfabClaimDoneFunc done;
  gpointer            done_data;
  ConfabError         code;
  char               *message;
} LaterAnswer;

static gboolean
answer_later_cb (gpointer user_data)
{
  LaterAnswer *later = user_data;
  g_autoptr(GError) error = g_error_new_literal (CONFAB_ERROR, later->code, later->message);

  later->done (error, later->done_data);
  g_free (later->message);
  g_free (later);
  return G_SOURCE_REMOVE;
}

/* A refusal known at once is still answered from the main loop, as the
 * link promises (confab-cluster-link.h). */
static void
answer_later (ConfabClaimDoneFunc done,
              gpointer            done_data,
              ConfabError         code,
              char               *message)
{
  LaterAnswer *later = g_new0 (LaterAnswer, 1);

  later->done = done;
  later->done_data = done_data;
  later->code = code;
  later->message = message;
  g_idle_add (answer_later_cb, later);
}

static void
link_claim (gpointer            link_data,
            const char         *name,
            const char         *key,
            ConfabClaimDoneFunc done,
            gpointer            done_data)
{
  ConfabCluster    *self = link_data;
  ConfabRemotePeer *remote = g_hash_table_lookup (self->names, key);
  ConfabClaim      *claim;

  if (!confab_cluster_is_ready (self))
    {
      answer_later (done, done_data, CONFAB_ERROR_SERVICE_UNAVAILABLE, g_strdup (UNAVAILABLE_TEXT));
      return;
    }
  /* Here already, being claimed here, or on a node that lives. */
  if (confab_broker_lookup_key (self->broker, key) != NULL || g_hash_table_contains (self->claims, key) ||
      (remote != NULL && confab_cluster_detector_is_alive (self->detector, remote->node)))
    {
      answer_later (done, done_data, CONFAB_ERROR_NAME_TAKEN, g_strdup_printf ("name taken: %s", name));
      return;
    }

  claim = g_rc_box_new0 (ConfabClaim);
  claim->key = g_strdup (key);
  claim->name = g_strdup (name);
  claim->state = CLAIM_ASKED;
  claim->done = done;
  claim->done_data = done_data;
  claim->cluster = self;
  claim->timeout_id = g_timeout_add (2 * self->round_ms, claim_timeout_cb, claim);
  g_hash_table_insert (self->claims, claim->key, claim);
  send_claim (self, claim, NULL);
}

/* A claim no peer joined under, or the peer that did has left. */
static void
release (ConfabCluster *self,
         const char    *key)
{
  ConfabClaim *claim = g_hash_table_lookup (self->claims, key);

  if (claim == NULL)
    return;
  if (claim->state == CLAIM_ASKED)
    {
      /* Still in flight: given back when it comes (claim_reply_cb). */
      claim->state = CLAIM_ABANDONED;
      claim->done = NULL;
      return;
    }
  if (claim->state == CLAIM_HELD)
    send_release (self, key);
  claim_forget (self, claim);
}

static void
link_unclaim (gpointer    link_data,
              const char *key)
{
  release (link_data, key);
}

static void
peer_left_cb (ConfabBroker     *broker,
              ConfabBrokerPeer *peer,
              const char       *reason,
              gpointer          user_data)
{
  g_autofree char *key = confab_name_key_dup (confab_broker_peer_get_name (peer));

  (void) broker;
  (void) reason;
  release (user_data, key);
}

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
 * name another node took meanwhile is that node's (claim_reply_cb). */
void
confab_cluster_names_register (ConfabCluster *self)
{
  g_autoptr(GPtrArray) rooms = confab_broker_list_rooms (self->broker);
  GHashTableIter iter;
  gpointer       value;
  const char    *ping[] = { "PING" };

  resync (self, rooms);
  g_hash_table_iter_init (&iter, self->claims);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabClaim *claim = value;

      if (claim->state == CLAIM_HELD)
        {
          claim->took_over = FALSE;
          send_claim (self, claim, NULL);
        }
    }
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

/* The connections are gone: claims in flight were answered by hiredis
 * (no reply); those held stay, to be registered again. */
void
confab_cluster_names_link_down (ConfabCluster *self)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->claims);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabClaim *claim = value;

      if (claim->state != CLAIM_HELD)
        {
          claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
          g_hash_table_iter_remove (&iter);
        }
    }
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
  .claim = link_claim,
  .unclaim = link_unclaim,
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
  self->claims = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) claim_unref);
  confab_cluster_rooms_init (self);
  self->left_id = g_signal_connect (self->broker, "peer-left", G_CALLBACK (peer_left_cb), self);
  self->room_created_id = g_signal_connect (self->broker, "room-created", G_CALLBACK (room_created_cb), self);
  self->room_removed_id = g_signal_connect (self->broker, "room-removed", G_CALLBACK (room_removed_cb), self);
}

void
confab_cluster_names_clear (ConfabCluster *self)
{
  if (self->broker != NULL)
    {
      g_clear_signal_handler (&self->left_id, self->broker);
      g_clear_signal_handler (&self->room_created_id, self->broker);
      g_clear_signal_handler (&self->room_removed_id, self->broker);
    }
  if (self->claims != NULL)
    {
      GHashTableIter iter;
      gpointer       value;

      g_hash_table_iter_init (&iter, self->claims);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        claim_answer (value, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
    }
  g_clear_pointer (&self->claims, g_hash_table_unref);
  g_clear_pointer (&self->names, g_hash_table_unref);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  confab_cluster_rooms_free (self);
}
