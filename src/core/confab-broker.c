/* confab-broker.c: the actor that owns the peer table and routes messages.
 *
 * The broker is the one place where "alice joins" and "bob sends to alice"
 * are put in order: every change to the table and every routing decision
 * happens here, on the broker's main context, in the order the events are
 * posted. It knows nothing of sockets or D-Bus: connections reach it
 * through confab_broker_join()/route()/leave(), and it reaches them back
 * only through the ConfabBrokerSink callbacks given at join time.
 *
 * Each peer's entry, with its outgoing queue, is in confab-broker-peer.c;
 * the table itself is only touched on the broker's context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-broker-private.h"
#include "confab-name-key.h"
#include "confab-names.h"
#include "confab-validate.h"

enum
{
  PROP_0,
  PROP_N_PEERS,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

enum
{
  SIGNAL_PEER_JOINED,
  SIGNAL_PEER_LEFT,
  SIGNAL_ROOM_CREATED,
  SIGNAL_ROOM_REMOVED,
  SIGNAL_ROOM_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ConfabBroker, confab_broker, G_TYPE_OBJECT)
G_DEFINE_BOXED_TYPE (ConfabBrokerPeer, confab_broker_peer,
                     confab_broker_peer_ref, confab_broker_peer_unref)
G_DEFINE_BOXED_TYPE (ConfabBrokerRoom, confab_broker_room,
                     confab_broker_room_ref, confab_broker_room_unref)

/* ---- the table ------------------------------------------------------- */

static void
emit_n_peers_changed (ConfabBroker *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_N_PEERS]);
}

/* Takes @peer out of the table; the caller still holds its own ref. */
static void
broker_remove (ConfabBroker     *self,
               ConfabBrokerPeer *peer,
               const char       *reason)
{
  /* Keeps @peer alive through signal handlers that may drop it. */
  G_GNUC_UNUSED g_autoptr(ConfabBrokerPeer) ref = confab_broker_peer_ref (peer);

  if (!peer->joined)
    return;

  peer->joined = FALSE;
  g_hash_table_remove (self->peers, peer->key);
  self->stats.peers--;

  /* While a room's members are being iterated, its table must not
   * change: the rooms are left once every fan-out is done. */
  if (self->fanout_depth > 0)
    g_ptr_array_add (self->deferred, confab_broker_peer_ref (peer));
  else
    confab_broker_rooms_leave_all (self, peer);

  g_debug ("peer %s left: %s", peer->name, reason);
  g_signal_emit (self, signals[SIGNAL_PEER_LEFT], 0, peer, reason);
  emit_n_peers_changed (self);
}

static void
drop_slow_consumer (ConfabBroker     *self,
                    ConfabBrokerPeer *peer)
{
  /* Keeps @peer alive through signal handlers that may drop it. */
  G_GNUC_UNUSED g_autoptr(ConfabBrokerPeer) ref = confab_broker_peer_ref (peer);

  self->stats.slow_consumers_dropped++;
  broker_remove (self, peer, CONFAB_REASON_SLOW_CONSUMER);
  peer->sink->close (peer->sink_data, FALSE, CONFAB_REASON_SLOW_CONSUMER);
}

/* Appends @message to @peer's queue. With CONFAB_PUSH_LIMITED, a peer whose
 * queue would pass queue_max_bytes is dropped as a slow consumer instead:
 * nobody else ever waits for it. The final notice of a kick or shutdown
 * is queued without the check, so it is never lost to it. */
gboolean
confab_broker_push (ConfabBroker     *self,
                    ConfabBrokerPeer *peer,
                    ConfabMessage    *message,
                    ConfabPushFlags   flags)
{
  gsize cost;
  gsize before;

  if (!peer->joined)
    return FALSE;

  cost = confab_broker_peer_queue_cost (message);
  before = peer->queued_bytes;
  /* A message always fits an empty queue, so a limit below the line
   * length cannot make every peer a slow consumer. */
  if ((flags & CONFAB_PUSH_LIMITED) && before > 0 && before + cost > self->limits.queue_max_bytes)
    {
      drop_slow_consumer (self, peer);
      return FALSE;
    }

  peer->queued_bytes = before + cost;
  confab_broker_peer_enqueue (peer, (flags & CONFAB_PUSH_RESERVED) ? message : confab_message_ref (message));
  return TRUE;
}

/**
 * confab_broker_join:
 * @name: the requested name (validated here)
 * @address: the remote address, for ListPeers and logs
 * @protocol: "text" or "json"
 * @sink: how to reach the connection; must outlive the entry
 *
 * Returns: (transfer full): the new entry, in the table; %NULL with
 *   CONFAB_ERROR_INVALID_NAME, _NAME_TAKEN or _SHUTTING_DOWN. How many may
 *   be connected (peers_max) is the server's to say, on arrival.
 */
ConfabBrokerPeer *
confab_broker_join (ConfabBroker           *self,
                    const char             *name,
                    const char             *address,
                    const char             *protocol,
                    const ConfabBrokerSink *sink,
                    gpointer                sink_data,
                    GError                **error)
{
  ConfabBrokerPeer *peer;
  g_auto(ConfabNameKey) key = { NULL };

  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (sink != NULL && sink->wake != NULL && sink->close != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  assert_owner (self);

  if (!confab_validate_name (name, -1, error))
    goto rejected;

  if (self->shutting_down)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_SHUTTING_DOWN,
                           "server shutting down");
      goto rejected;
    }

  /* "Alice" is taken while "alice" is connected (confab-name-key.h). */
  if (g_hash_table_contains (self->peers, confab_name_key_init (&key, name)))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NAME_TAKEN,
                   "name taken: %s", name);
      goto rejected;
    }

  peer = confab_broker_peer_new (name, address, protocol, sink, sink_data);
  peer->joined = TRUE;
  g_hash_table_insert (self->peers, peer->key, confab_broker_peer_ref (peer));
  self->stats.peers++;
  self->stats.peers_peak = MAX (self->stats.peers_peak, self->stats.peers);
  self->stats.logins++;

  g_signal_emit (self, signals[SIGNAL_PEER_JOINED], 0, peer);
  emit_n_peers_changed (self);

  return peer;

rejected:
  self->stats.logins_rejected++;
  return NULL;
}

/**
 * confab_broker_leave:
 * @peer: an entry from confab_broker_join()
 * @reason: why, for PeerLeft and the logs
 *
 * Removes @peer from the table (its name is free again at once). What is
 * already queued for it stays queued, so a connection that is closing
 * gracefully may still deliver it. Leaving twice is harmless.
 */
void
confab_broker_leave (ConfabBroker     *self,
                     ConfabBrokerPeer *peer,
                     const char       *reason)
{
  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (peer != NULL);
  assert_owner (self);

  broker_remove (self, peer, reason);
}

/**
 * confab_broker_route_begin:
 * @sender: the sending entry
 *
 * Starts routing one message from @sender, which
 * confab_broker_route_to_room() and confab_broker_route_to_peers() then
 * queue: each recipient gets one copy of it, however often it is reached
 * (named twice in two spellings, or a member of two rooms named).
 *
 * Returns: %FALSE if @sender is no longer in the table: route nothing
 */
gboolean
confab_broker_route_begin (ConfabBroker     *self,
                           ConfabBrokerPeer *sender)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  g_return_val_if_fail (sender != NULL, FALSE);
  /* No assert_owner() here: it costs a thread-local read per message on
   * the hot path; the sender's join and leave were checked. */

  if (!sender->joined)
    return FALSE;

  sender->messages_in++;
  self->stats.messages_routed++;
  self->route_serial++;
  return TRUE;
}

/* Queues @message to @recipient unless this route already did. */
gboolean
confab_broker_deliver (ConfabBroker     *self,
                       ConfabBrokerPeer *recipient,
                       ConfabMessage    *message,
                       ConfabPushFlags   flags)
{
  if (recipient->route_stamp == self->route_serial)
    return FALSE;
  recipient->route_stamp = self->route_serial;
  if (!confab_broker_push (self, recipient, message, flags))
    return FALSE;
  self->stats.deliveries++;
  self->stats.bytes_routed += confab_broker_peer_measure (recipient, message);
  return TRUE;
}

/* The entry whose key is @name's. On the hot path (every recipient of
 * every message): the key is not zeroed, as init sets what clear reads. */
static inline ConfabBrokerPeer *
lookup_peer (ConfabBroker *self,
             const char   *name)
{
  ConfabNameKey     key;
  ConfabBrokerPeer *peer = g_hash_table_lookup (self->peers, confab_name_key_init (&key, name));

  confab_name_key_clear (&key);
  return peer;
}

/**
 * confab_broker_route_to_peers:
 * @recipients: names (not rooms), as the sender wrote them
 * @message: a chat message from @sender
 *
 * Within a route (confab_broker_route_begin()), queues @message to each
 * connected recipient not reached yet, and in a cluster hands those on
 * other nodes to the link; for each name that is connected nowhere,
 * queues "error: no such peer: NAME" to the sender.
 */
void
confab_broker_route_to_peers (ConfabBroker       *self,
                              ConfabBrokerPeer   *sender,
                              const char * const *recipients,
                              guint               n_recipients,
                              ConfabMessage      *message)
{
  for (guint i = 0; i < n_recipients; i++)
    {
      ConfabBrokerPeer *recipient = lookup_peer (self, recipients[i]);

      if (recipient == NULL && self->link != NULL &&
          confab_broker_route_remote (self, sender, recipients[i], message))
        continue;
      if (recipient == NULL)
        {
          g_autoptr(ConfabMessage) error = NULL;

          error = confab_message_new_errorf (CONFAB_ERROR_NO_SUCH_PEER,
                                             "no such peer: %s", recipients[i]);
          self->stats.errors_sent++;
          confab_broker_push (self, sender, error, CONFAB_PUSH_LIMITED);
          continue;
        }
      confab_broker_deliver (self, recipient, message, CONFAB_PUSH_LIMITED);
    }
}

/**
 * confab_broker_route:
 * @sender: the sending entry
 * @recipients: recipient names (not rooms)
 * @message: a chat message from @sender
 *
 * A whole route of a direct message: confab_broker_route_begin(), then
 * confab_broker_route_to_peers().
 */
void
confab_broker_route (ConfabBroker       *self,
                     ConfabBrokerPeer   *sender,
                     const char * const *recipients,
                     guint               n_recipients,
                     ConfabMessage      *message)
{
  g_return_if_fail (message != NULL);

  if (confab_broker_route_begin (self, sender))
    confab_broker_route_to_peers (self, sender, recipients, n_recipients, message);
}

/* A snapshot of the table: pushing may drop a slow consumer, which must
 * not happen while iterating the table itself. */
static GPtrArray *
snapshot_peers (ConfabBroker *self)
{
  GPtrArray     *peers = g_ptr_array_new_full (g_hash_table_size (self->peers),
                                               (GDestroyNotify) confab_broker_peer_unref);
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    g_ptr_array_add (peers, confab_broker_peer_ref (value));
  return peers;
}

/**
 * confab_broker_broadcast:
 * @text: validated single-line text
 *
 * Queues "from @server: TEXT" to every peer.
 *
 * Returns: how many peers it was queued to
 */
guint
confab_broker_broadcast (ConfabBroker *self,
                         const char   *text)
{
  g_autoptr(GPtrArray) peers = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  guint n = 0;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);
  g_return_val_if_fail (text != NULL, 0);
  assert_owner (self);

  message = confab_message_new_chat (CONFAB_SERVER_SENDER, NULL, 0, text, strlen (text), 0);
  peers = snapshot_peers (self);
  self->stats.messages_routed++;

  for (guint i = 0; i < peers->len; i++)
    {
      ConfabBrokerPeer *peer = g_ptr_array_index (peers, i);

      if (confab_broker_push (self, peer, message, CONFAB_PUSH_LIMITED))
        {
          n++;
          self->stats.deliveries++;
          self->stats.bytes_routed += confab_broker_peer_measure (peer, message);
        }
    }
  return n;
}

/* Queues a final error line, removes the peer, and asks its connection to
 * deliver what was queued and close. */
static void
close_with_notice (ConfabBroker     *self,
                   ConfabBrokerPeer *peer,
                   ConfabError       code,
                   const char       *notice,
                   const char       *reason)
{
  /* Keeps @peer alive through signal handlers that may drop it. */
  G_GNUC_UNUSED g_autoptr(ConfabBrokerPeer) ref = confab_broker_peer_ref (peer);
  g_autoptr(ConfabMessage) message = confab_message_new_error (code, notice);

  if (confab_broker_push (self, peer, message, 0))
    self->stats.errors_sent++;
  broker_remove (self, peer, reason);
  /* For the connection's log line: it says why. */
  g_free (peer->notice);
  peer->notice = g_strdup (notice);
  peer->sink->close (peer->sink_data, TRUE, reason);
}

/**
 * confab_broker_kick:
 * @name: the peer to remove
 * @reason: shown to the peer as "error: kicked: REASON"
 *
 * Returns: %FALSE with CONFAB_ERROR_NO_SUCH_PEER if @name is not connected
 */
gboolean
confab_broker_kick (ConfabBroker *self,
                    const char   *name,
                    const char   *reason,
                    GError      **error)
{
  ConfabBrokerPeer *peer;
  g_autofree char  *notice = NULL;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  assert_owner (self);

  peer = confab_broker_lookup (self, name);
  if (peer == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_NO_SUCH_PEER,
                   "no such peer: %s", name);
      return FALSE;
    }

  notice = g_strdup_printf ("kicked: %s", reason != NULL && *reason != '\0' ? reason : "no reason given");
  self->stats.kicks++;
  close_with_notice (self, peer, CONFAB_ERROR_KICKED, notice, CONFAB_REASON_KICKED);
  return TRUE;
}

/**
 * confab_broker_shutdown:
 *
 * Refuses further logins, queues "error: server shutting down" after what
 * every peer already has queued, and asks every connection to deliver its
 * queue and close.
 */
void
confab_broker_shutdown (ConfabBroker *self)
{
  g_autoptr(GPtrArray) peers = NULL;

  g_return_if_fail (CONFAB_IS_BROKER (self));
  assert_owner (self);

  self->shutting_down = TRUE;
  peers = snapshot_peers (self);
  for (guint i = 0; i < peers->len; i++)
    close_with_notice (self, g_ptr_array_index (peers, i),
                       CONFAB_ERROR_SHUTTING_DOWN, "server shutting down",
                       CONFAB_REASON_SHUTDOWN);
}

/**
 * confab_broker_send_error:
 * @peer: the entry to tell
 * @text: plain words, shown as "error: TEXT"
 *
 * Queues a non-fatal error line to @peer, in order with its other output.
 */
void
confab_broker_send_error (ConfabBroker     *self,
                          ConfabBrokerPeer *peer,
                          ConfabError       code,
                          const char       *text)
{
  g_autoptr(ConfabMessage) message = NULL;

  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (peer != NULL);
  g_return_if_fail (text != NULL);

  message = confab_message_new_error (code, text);
  if (confab_broker_push (self, peer, message, CONFAB_PUSH_LIMITED))
    self->stats.errors_sent++;
}

/* Returns: (transfer none) (nullable): the entry called @name, in any
 *   spelling of the same key */
ConfabBrokerPeer *
confab_broker_lookup (ConfabBroker *self,
                      const char   *name)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return lookup_peer (self, name);
}

static int
compare_peer_names (gconstpointer a,
                    gconstpointer b)
{
  const ConfabBrokerPeer *pa = *(ConfabBrokerPeer * const *) a;
  const ConfabBrokerPeer *pb = *(ConfabBrokerPeer * const *) b;

  return strcmp (pa->name, pb->name);
}

/* Returns: (transfer container) (element-type ConfabBrokerPeer): the
 *   entries, sorted by name */
GPtrArray *
confab_broker_list_peers (ConfabBroker *self)
{
  GPtrArray *peers;

  g_return_val_if_fail (CONFAB_IS_BROKER (self), NULL);

  peers = snapshot_peers (self);
  g_ptr_array_sort (peers, compare_peer_names);
  return peers;
}

guint
confab_broker_get_n_peers (ConfabBroker *self)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (self), 0);

  return self->stats.peers;
}

void
confab_broker_get_stats (ConfabBroker      *self,
                         ConfabBrokerStats *stats)
{
  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (stats != NULL);

  *stats = self->stats;
}

void
confab_broker_set_limits (ConfabBroker             *self,
                          const ConfabBrokerLimits *limits)
{
  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (limits != NULL);

  self->limits = *limits;
}

void
confab_broker_get_limits (ConfabBroker       *self,
                          ConfabBrokerLimits *limits)
{
  g_return_if_fail (CONFAB_IS_BROKER (self));
  g_return_if_fail (limits != NULL);

  *limits = self->limits;
}

/* ---- GObject --------------------------------------------------------- */

static void
confab_broker_get_property (GObject    *object,
                            guint       prop_id,
                            GValue     *value,
                            GParamSpec *pspec)
{
  ConfabBroker *self = CONFAB_BROKER (object);

  switch (prop_id)
    {
    case PROP_N_PEERS:
      g_value_set_uint (value, self->stats.peers);
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_broker_finalize (GObject *object)
{
  ConfabBroker *self = CONFAB_BROKER (object);

  g_clear_pointer (&self->peers, g_hash_table_unref);
  g_clear_pointer (&self->rooms, g_hash_table_unref);
  g_clear_pointer (&self->deferred, g_ptr_array_unref);

  G_OBJECT_CLASS (confab_broker_parent_class)->finalize (object);
}

static void
confab_broker_class_init (ConfabBrokerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = confab_broker_get_property;
  object_class->finalize = confab_broker_finalize;

  props[PROP_N_PEERS] =
    g_param_spec_uint ("n-peers", NULL, NULL,
                       0, G_MAXUINT, 0,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /**
   * ConfabBroker::peer-joined:
   * @peer: the new entry
   */
  signals[SIGNAL_PEER_JOINED] =
    g_signal_new ("peer-joined", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONFAB_TYPE_BROKER_PEER);

  /**
   * ConfabBroker::peer-left:
   * @peer: the entry, already out of the table
   * @reason: why it left
   */
  signals[SIGNAL_PEER_LEFT] =
    g_signal_new ("peer-left", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 2, CONFAB_TYPE_BROKER_PEER, G_TYPE_STRING);

  /**
   * ConfabBroker::room-created:
   * @room: the new room (its first member is in it)
   */
  signals[SIGNAL_ROOM_CREATED] =
    g_signal_new ("room-created", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONFAB_TYPE_BROKER_ROOM);

  /**
   * ConfabBroker::room-removed:
   * @room: the room, already out of the table: its last member left
   */
  signals[SIGNAL_ROOM_REMOVED] =
    g_signal_new ("room-removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONFAB_TYPE_BROKER_ROOM);

  /**
   * ConfabBroker::room-changed:
   * @room: a room whose members or topic changed
   */
  signals[SIGNAL_ROOM_CHANGED] =
    g_signal_new ("room-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, CONFAB_TYPE_BROKER_ROOM);
}

void
confab_broker_emit_room_signal (ConfabBroker     *self,
                                guint             which,
                                ConfabBrokerRoom *room)
{
  static const guint ids[] = {
    [CONFAB_BROKER_ROOM_CREATED] = SIGNAL_ROOM_CREATED,
    [CONFAB_BROKER_ROOM_REMOVED] = SIGNAL_ROOM_REMOVED,
    [CONFAB_BROKER_ROOM_CHANGED] = SIGNAL_ROOM_CHANGED,
  };

  g_signal_emit (self, signals[ids[which]], 0, room);
}

static void
confab_broker_init (ConfabBroker *self)
{
  self->peers = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) confab_broker_peer_unref);
  self->rooms = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                       (GDestroyNotify) confab_broker_room_unref);
  self->deferred = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_broker_peer_unref);
  self->limits.queue_max_bytes = G_MAXINT;
  self->limits.rooms_max = CONFAB_BROKER_ROOMS_MAX;
  self->limits.room_members_max = CONFAB_BROKER_ROOM_MEMBERS_MAX;
  self->limits.rooms_per_peer_max = CONFAB_BROKER_ROOMS_PER_PEER_MAX;
  self->stats.started_usec = g_get_monotonic_time ();
  self->thread = g_thread_self ();
}

/**
 * confab_broker_new:
 * @limits: (nullable): initial limits; %NULL for none
 *
 * Returns: (transfer full): a new broker with an empty table
 */
ConfabBroker *
confab_broker_new (const ConfabBrokerLimits *limits)
{
  ConfabBroker *self = g_object_new (CONFAB_TYPE_BROKER, NULL);

  if (limits != NULL)
    self->limits = *limits;
  return self;
}
