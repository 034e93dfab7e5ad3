/* confab-broker.h: the actor that owns the peer table and routes messages.
 *
 * Threads: the broker, its entries and every connection that drains them
 * run on one thread, the one whose main context the daemon runs (where
 * the broker was made). Nothing here is called from another: the only
 * worker threads are the lookup pool's (confab-lookup-pool.c, which hands
 * its results back to the main context) and GDBus's own (whose method
 * handlers run on the main context too). So the counters, the queues'
 * byte counts and the wake flag are plain fields, and the public calls
 * that change the table assert the thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "confab-cluster-link.h"
#include "confab-error.h"
#include "confab-message.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_BROKER (confab_broker_get_type ())
G_DECLARE_FINAL_TYPE (ConfabBroker, confab_broker, CONFAB, BROKER, GObject)

/* A logged-in peer's entry: its name, counters and outgoing queue. */
typedef struct _ConfabBrokerPeer ConfabBrokerPeer;

/* A room: its name, members and topic (confab-broker-rooms.c). */
typedef struct _ConfabBrokerRoom ConfabBrokerRoom;

/* SPEC §9's defaults for the room limits. */
#define CONFAB_BROKER_ROOMS_MAX          10000
#define CONFAB_BROKER_ROOM_MEMBERS_MAX   10000
#define CONFAB_BROKER_ROOMS_PER_PEER_MAX 100

/*
 * ConfabBrokerSink:
 * How the broker reaches whoever drains a peer's queue (the connection
 * layer), without knowing what that is.
 *
 * @wake: the first message since the writer last answered a wake
 *   (confab_broker_peer_ack_wake()) was queued; schedule a flush.
 * @close: the broker has removed the peer from its table (kick, slow
 *   consumer, shutdown). With @flush, deliver what is queued (it ends with
 *   the reason's error line), then close; without it, drop the queue and
 *   close at once. With @flush, confab_broker_peer_get_notice() gives the
 *   notice the peer was sent ("kicked: REASON"). The sink must not call back into the broker for this
 *   peer's removal: it is done.
 * @measure: (optional): the bytes @message takes on this peer's wire, for
 *   the bytes_routed and bytes_out counters (the broker knows no wire);
 *   %NULL counts none. A message routed to several peers must measure the
 *   same for each: the broker asks once per message and keeps the answer.
 */
typedef struct
{
  void (*wake) (gpointer sink_data);
  void (*close) (gpointer    sink_data,
                 gboolean    flush,
                 const char *reason);
  gsize (*measure) (gpointer       sink_data,
                    ConfabMessage *message);
} ConfabBrokerSink;

/* Counters for GetStatistics, of what the broker sees itself; all
 * monotonic except peers. What happens on a connection before or instead
 * of a broker call (login timeouts, over-long lines, rate pauses, a full
 * server) is counted there (confab-stats.h). */
typedef struct
{
  gint64  started_usec; /* monotonic time at construction */
  guint   peers;
  guint   peers_peak;
  guint64 logins;
  guint64 logins_rejected; /* joins refused: invalid name, name taken, shutting down */
  guint64 messages_routed; /* chat messages accepted from senders */
  guint64 deliveries;      /* copies queued to recipients */
  guint64 bytes_routed;    /* wire bytes queued to recipients */
  guint64 errors_sent;     /* error lines queued */
  guint64 slow_consumers_dropped;
  guint64 kicks;
  guint   rooms; /* rooms that exist now */
  guint   rooms_peak;
  guint64 rooms_created;
  guint64 room_joins;
  guint64 room_joins_refused; /* a limit said no (rooms_max, room_members_max, rooms_per_peer_max) */
  guint64 room_messages;      /* chat messages routed to a room, one per room named */
} ConfabBrokerStats;

/* Limits the broker enforces; changeable at run time (SIGHUP). The
 * number of connections (peers_max) is the server's to enforce: it sees
 * them arrive, before they log in. */
typedef struct
{
  guint queue_max_bytes;
  guint rooms_max;
  guint room_members_max;
  guint rooms_per_peer_max;
} ConfabBrokerLimits;

ConfabBroker *confab_broker_new (const ConfabBrokerLimits *limits);
void          confab_broker_set_limits (ConfabBroker             *self,
                                        const ConfabBrokerLimits *limits);
void          confab_broker_get_limits (ConfabBroker       *self,
                                        ConfabBrokerLimits *limits);

ConfabBrokerPeer *confab_broker_join (ConfabBroker           *self,
                                      const char             *name,
                                      const char             *address,
                                      const char             *protocol,
                                      const ConfabBrokerSink *sink,
                                      gpointer                sink_data,
                                      GError                **error);
void              confab_broker_leave (ConfabBroker     *self,
                                       ConfabBrokerPeer *peer,
                                       const char       *reason);
void              confab_broker_route (ConfabBroker       *self,
                                       ConfabBrokerPeer   *sender,
                                       const char              *const *recipients,
                                       guint               n_recipients,
                                       ConfabMessage      *message);
gboolean          confab_broker_route_begin (ConfabBroker     *self,
                                             ConfabBrokerPeer *sender);
void              confab_broker_route_to_peers (ConfabBroker       *self,
                                                ConfabBrokerPeer   *sender,
                                                const char              *const *recipients,
                                                guint               n_recipients,
                                                ConfabMessage      *message);
guint             confab_broker_broadcast (ConfabBroker *self,
                                           const char   *text);
gboolean          confab_broker_kick (ConfabBroker *self,
                                      const char   *name,
                                      const char   *reason,
                                      GError      **error);
void              confab_broker_shutdown (ConfabBroker *self);
void              confab_broker_send_error (ConfabBroker     *self,
                                            ConfabBrokerPeer *peer,
                                            ConfabError       code,
                                            const char       *text);

ConfabBrokerPeer *confab_broker_lookup (ConfabBroker *self,
                                        const char   *name);
GPtrArray        *confab_broker_list_peers (ConfabBroker *self);
guint             confab_broker_get_n_peers (ConfabBroker *self);
void              confab_broker_get_stats (ConfabBroker      *self,
                                           ConfabBrokerStats *stats);

/* Rooms (confab-broker-rooms.c). */
ConfabBrokerRoom *confab_broker_join_room (ConfabBroker     *self,
                                           ConfabBrokerPeer *peer,
                                           const char       *room,
                                           gboolean         *joined,
                                           GError          **error);
gboolean          confab_broker_part_room (ConfabBroker     *self,
                                           ConfabBrokerPeer *peer,
                                           const char       *room,
                                           GError          **error);
gboolean          confab_broker_kick_from_room (ConfabBroker     *self,
                                                ConfabBrokerPeer *by,
                                                const char       *room,
                                                const char       *name,
                                                const char       *reason,
                                                GError          **error);
ConfabBrokerRoom *confab_broker_lookup_room (ConfabBroker *self,
                                             const char   *room,
                                             GError      **error);
ConfabBrokerRoom *confab_broker_check_room_member (ConfabBroker     *self,
                                                   ConfabBrokerPeer *peer,
                                                   const char       *room,
                                                   GError          **error);
void              confab_broker_route_to_room (ConfabBroker     *self,
                                               ConfabBrokerPeer *sender,
                                               ConfabBrokerRoom *room,
                                               ConfabMessage    *message);
gboolean          confab_broker_set_topic (ConfabBroker     *self,
                                           ConfabBrokerPeer *peer,
                                           const char       *room,
                                           const char       *topic,
                                           GError          **error);
guint             confab_broker_broadcast_room (ConfabBroker *self,
                                                const char   *room,
                                                const char   *text,
                                                GError      **error);
GPtrArray        *confab_broker_list_rooms (ConfabBroker *self);
guint             confab_broker_get_n_rooms (ConfabBroker *self);

ConfabBrokerRoom *confab_broker_room_ref (ConfabBrokerRoom *room);
void              confab_broker_room_unref (ConfabBrokerRoom *room);
const char       *confab_broker_room_get_name (ConfabBrokerRoom *room);
const char       *confab_broker_room_get_key (ConfabBrokerRoom *room);
const char       *confab_broker_room_get_topic (ConfabBrokerRoom *room);
const char       *confab_broker_room_get_topic_setter (ConfabBrokerRoom *room);
gint64            confab_broker_room_get_topic_time (ConfabBrokerRoom *room);
gint64            confab_broker_room_get_created (ConfabBrokerRoom *room);
guint             confab_broker_room_get_n_members (ConfabBrokerRoom *room);
const char       *confab_broker_room_get_operator (ConfabBrokerRoom *room);
gboolean          confab_broker_room_is_listed (ConfabBrokerRoom *room);
const char      **confab_broker_room_dup_member_names (ConfabBrokerRoom *room,
                                                       guint            *n_names);
const char      **confab_broker_room_dup_local_member_names (ConfabBrokerRoom *room,
                                                             guint            *n_names);
ConfabMessage    *confab_broker_room_new_topic_message (ConfabBrokerRoom *room);
const char      **confab_broker_peer_dup_room_names (ConfabBrokerPeer *peer,
                                                     guint            *n_names);
ConfabMessage    *confab_broker_room_new_members_message (ConfabBrokerRoom *room);

/* A cluster's other nodes (confab-broker-cluster.c, confab-cluster-link.h). */
void              confab_broker_set_cluster_link (ConfabBroker            *self,
                                                  const ConfabClusterLink *link,
                                                  gpointer                 link_data);
gboolean          confab_broker_has_cluster (ConfabBroker *self);
void              confab_broker_claim_name (ConfabBroker       *self,
                                            const char         *name,
                                            ConfabClaimDoneFunc done,
                                            gpointer            user_data);
void              confab_broker_unclaim_name (ConfabBroker *self,
                                              const char   *name);
const char      **confab_broker_dup_peer_names (ConfabBroker *self,
                                                guint        *n_names);
gboolean          confab_broker_get_cluster_stats (ConfabBroker       *self,
                                                   ConfabClusterStats *stats);
gboolean          confab_broker_is_present (ConfabBroker *self,
                                            const char   *name);
ConfabBrokerPeer *confab_broker_lookup_key (ConfabBroker *self,
                                            const char   *key);
guint             confab_broker_deliver_to_keys (ConfabBroker       *self,
                                                 const char             *const *keys,
                                                 guint               n_keys,
                                                 ConfabMessage      *message);
guint             confab_broker_deliver_to_room_key (ConfabBroker  *self,
                                                     const char    *room_key,
                                                     ConfabMessage *message);

ConfabBrokerRoom *confab_broker_lookup_room_key (ConfabBroker *self,
                                                 const char   *room_key);
void              confab_broker_room_take_topic (ConfabBrokerRoom *room,
                                                 const char       *topic,
                                                 const char       *setter,
                                                 gint64            usec);
guint             confab_broker_room_notice_from_cluster (ConfabBroker  *self,
                                                          const char    *room_key,
                                                          ConfabMessage *notice);

/* Peer entries: refcounted, so a connection may keep its handle after the
 * broker has removed the entry from the table. */
ConfabBrokerPeer *confab_broker_peer_ref (ConfabBrokerPeer *peer);
void              confab_broker_peer_unref (ConfabBrokerPeer *peer);
const char       *confab_broker_peer_get_name (ConfabBrokerPeer *peer);
const char       *confab_broker_peer_get_address (ConfabBrokerPeer *peer);
const char       *confab_broker_peer_get_protocol (ConfabBrokerPeer *peer);
void              confab_broker_peer_set_tls (ConfabBrokerPeer *peer,
                                              gboolean          tls);
gboolean          confab_broker_peer_get_tls (ConfabBrokerPeer *peer);
void              confab_broker_peer_set_login (ConfabBrokerPeer *peer,
                                                const char       *account,
                                                const char       *method);
const char       *confab_broker_peer_get_account (ConfabBrokerPeer *peer);
const char       *confab_broker_peer_get_login_method (ConfabBrokerPeer *peer);
gint64            confab_broker_peer_get_since (ConfabBrokerPeer *peer);
gboolean          confab_broker_peer_is_joined (ConfabBrokerPeer *peer);
void              confab_broker_peer_hold_answer (ConfabBrokerPeer *peer);
void              confab_broker_peer_release_answer (ConfabBrokerPeer *peer);
guint             confab_broker_peer_get_answers_pending (const ConfabBrokerPeer *peer);
guint64           confab_broker_peer_get_messages_in (ConfabBrokerPeer *peer);
guint64           confab_broker_peer_get_messages_out (ConfabBrokerPeer *peer);
guint64           confab_broker_peer_get_bytes_in (ConfabBrokerPeer *peer);
guint64           confab_broker_peer_get_bytes_out (ConfabBrokerPeer *peer);
gsize             confab_broker_peer_get_queued_bytes (ConfabBrokerPeer *peer);
const char       *confab_broker_peer_get_notice (ConfabBrokerPeer *peer);

void confab_broker_peer_push_reply (ConfabBrokerPeer *peer,
                                    ConfabMessage    *message);

/* Writer side (the main context, as everything else). */
void           confab_broker_peer_ack_wake (ConfabBrokerPeer *peer);
ConfabMessage *confab_broker_peer_pop (ConfabBrokerPeer *peer);
ConfabMessage *confab_broker_peer_take (ConfabBrokerPeer *peer);
void           confab_broker_peer_received (ConfabBrokerPeer *peer,
                                            gsize             bytes);

#define CONFAB_TYPE_BROKER_PEER (confab_broker_peer_get_type ())
GType confab_broker_peer_get_type (void) G_GNUC_CONST;

#define CONFAB_TYPE_BROKER_ROOM (confab_broker_room_get_type ())
GType confab_broker_room_get_type (void) G_GNUC_CONST;

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabBrokerPeer, confab_broker_peer_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabBrokerRoom, confab_broker_room_unref)

G_END_DECLS
