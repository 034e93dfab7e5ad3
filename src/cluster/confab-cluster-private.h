/* confab-cluster-private.h: what the cluster's files share.
 *
 * The cluster is one object in five files: confab-cluster.c (the Redis
 * connections, their rounds, reconnection, the other nodes' liveness),
 * confab-cluster-claims.c (the names this node claims and holds),
 * confab-cluster-names.c (the directory of the other nodes' names and
 * rooms, routing to them and from them) and
 * confab-cluster-rooms.c (the members of rooms on other nodes, and the
 * notices of joins, parts and topics between nodes); what goes to the
 * other nodes' channels waits in confab-cluster-outbox.c for the end of
 * the main loop's turn.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <hiredis/async.h>

#include "confab-cluster-detector.h"
#include "confab-cluster-wire.h"
#include "confab-cluster.h"

G_BEGIN_DECLS

/* What waits to be published to one other node (confab-cluster-outbox.c). */
typedef struct _ConfabOutbox ConfabOutbox;

/* A peer on another node, as the directory knows it. */
typedef struct
{
  char *node; /* (owned) */
  char *name; /* (owned) */
} ConfabRemotePeer;

typedef enum
{
  CLAIM_ASKED,     /* sent to Redis, its login waits */
  CLAIM_ABANDONED, /* its login was answered (timeout) or closed: give it back if it comes */
  CLAIM_HELD,      /* this node's: a peer joined, or is about to */
} ClaimState;

/* A name this node has claimed or holds; refcounted, since a command in
 * flight holds one. */
typedef struct
{
  char               *key;  /* (owned) */
  char               *name; /* (owned) */
  ClaimState          state;
  gboolean            took_over; /* a second try, taking it from a dead node */
  ConfabClaimDoneFunc done;      /* (nullable): until answered */
  gpointer            done_data;
  guint               timeout_id;
  ConfabCluster      *cluster; /* (unowned) */
} ConfabClaim;

struct _ConfabCluster
{
  GObject parent_instance;

  ConfabBroker *broker; /* (owned) */
  char         *address;
  char         *node;
  char         *channel; /* confab:node:NODE */
  char         *boot_id; /* this run's, in the round counter */
  guint         ttl_ms;
  guint         round_ms;
  GMainContext *context;

  redisAsyncContext     *cmd; /* (nullable): commands */
  redisAsyncContext     *sub; /* (nullable): subscriptions */
  gboolean               cmd_up;
  gboolean               sub_up;
  gboolean               registered; /* this node's names and rooms are in Redis again */
  gboolean               was_up;     /* for the log: the link was up before it broke */
  gboolean               stopping;
  gint64                 settled_ms; /* logins wait for this time (a new epoch) */
  guint64                counter;
  gboolean               round_pending;
  gint64                 round_sent_ms;
  guint                  round_id;
  guint                  reconnect_id;
  guint                  backoff_ms;
  ConfabClusterDetector *detector;

  GHashTable *names;           /* (owned): key → ConfabRemotePeer (owned), other nodes only */
  GHashTable *rooms;           /* (owned): room key → GHashTable (owned): node (owned) → node */
  GHashTable *claims;          /* (owned): key (borrowed) → ConfabClaim (a ref) */
  GHashTable *room_members;    /* (owned): room key → GHashTable (owned): name (owned) → node (owned), other nodes only */
  GHashTable *outboxes;        /* (owned): node (owned) → ConfabOutbox (owned) */
  guint       outbox_pending;  /* records added since the last flush */
  guint       outbox_flush_id; /* the end-of-turn flush, when scheduled */
  GHashTable *room_topics;     /* (owned): room key → RoomTopic (owned), confab-cluster-rooms.c */
  guint64     events_seen;     /* events received; a snapshot older than one is merged, not trusted whole */
  GString    *scratch;

  guint64 messages_in;
  guint64 messages_out;
  guint64 messages_lost; /* routed to a node the link could not reach */
  gulong  left_id;
  gulong  room_created_id;
  gulong  room_removed_id;
};

extern const ConfabClusterLink confab_cluster_link;

gboolean confab_cluster_command (ConfabCluster   *self,
                                 redisCallbackFn *callback,
                                 gpointer         data,
                                 guint            argc,
                                 const char     **argv,
                                 const gsize     *argvlen);
gint64   confab_cluster_now_ms (void);
void     confab_cluster_registered (ConfabCluster *self);

/* confab-cluster-claims.c */
void confab_cluster_claims_init (ConfabCluster *self);
void confab_cluster_claims_clear (ConfabCluster *self);
void confab_cluster_claims_register (ConfabCluster *self);
void confab_cluster_claims_link_down (ConfabCluster *self);
void confab_cluster_claims_claim (gpointer            link_data,
                                  const char         *name,
                                  const char         *key,
                                  ConfabClaimDoneFunc done,
                                  gpointer            done_data);
void confab_cluster_claims_unclaim (gpointer    link_data,
                                    const char *key);

/* confab-cluster-names.c */
void        confab_cluster_names_init (ConfabCluster *self);
void        confab_cluster_names_clear (ConfabCluster *self);
void        confab_cluster_names_register (ConfabCluster *self);
void        confab_cluster_names_snapshot (ConfabCluster *self);
void        confab_cluster_names_bury (ConfabCluster *self,
                                       const char    *node);
void        confab_cluster_names_publication (ConfabCluster *self,
                                              char          *data,
                                              gsize          len);
guint       confab_cluster_names_count (ConfabCluster *self,
                                        const char    *node);
GHashTable *confab_cluster_room_nodes (ConfabCluster *self,
                                       const char    *room_key,
                                       gboolean       create);

/* confab-cluster-outbox.c */
void     confab_cluster_outbox_init (ConfabCluster *self);
void     confab_cluster_outbox_free (ConfabCluster *self);
gboolean confab_cluster_outbox_direct (ConfabCluster *self,
                                       const char    *node,
                                       const char    *key,
                                       ConfabMessage *message);
void     confab_cluster_outbox_add (ConfabCluster *self,
                                    const char    *node,
                                    const GString *record);
void     confab_cluster_outbox_flush (ConfabCluster *self);
void     confab_cluster_outbox_drop (ConfabCluster *self);

/* confab-cluster-rooms.c */
void confab_cluster_rooms_init (ConfabCluster *self);
void confab_cluster_rooms_clear (ConfabCluster *self);
void confab_cluster_rooms_free (ConfabCluster *self);
void confab_cluster_rooms_add_member (ConfabCluster *self,
                                      const char    *room_key,
                                      const char    *name,
                                      const char    *node);
void confab_cluster_rooms_set_topic (ConfabCluster *self,
                                     const char    *room_key,
                                     gint64         usec,
                                     const char    *setter,
                                     const char    *topic);
void confab_cluster_rooms_notice (gpointer          link_data,
                                  ConfabBrokerRoom *room,
                                  ConfabMessage    *notice);
void confab_cluster_rooms_add_members (gpointer          link_data,
                                       ConfabBrokerRoom *room,
                                       GPtrArray        *names);
void confab_cluster_rooms_created (ConfabCluster    *self,
                                   ConfabBrokerRoom *room);
void confab_cluster_rooms_drop_node (ConfabCluster *self,
                                     const char    *node);
void confab_cluster_rooms_drop_node_room (ConfabCluster *self,
                                          const char    *room_key,
                                          const char    *node);
void confab_cluster_rooms_drop_name (ConfabCluster *self,
                                     const char    *node,
                                     const char    *name);
void confab_cluster_rooms_publication (ConfabCluster            *self,
                                       ConfabClusterPublication *p);

G_END_DECLS
