/* confab-cluster-link.h: how the broker reaches the other nodes of a
 * cluster (SPEC §14), without knowing what joins them.
 *
 * A single confabd has no link and routes as it always did. A node of a
 * cluster is given one (src/cluster sets it): the broker asks it only
 * where its own table has no answer (a name that is not here, a room's
 * other nodes), so the path of a message between two peers of one node
 * is the same with or without it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabBroker     ConfabBroker;
typedef struct _ConfabBrokerPeer ConfabBrokerPeer;
typedef struct _ConfabBrokerRoom ConfabBrokerRoom;
typedef struct _ConfabMessage    ConfabMessage;

/* The answer to a claim: %NULL if the name is now this node's, else
 * CONFAB_ERROR_NAME_TAKEN or CONFAB_ERROR_SERVICE_UNAVAILABLE. */
typedef void (*ConfabClaimDoneFunc) (const GError *error,
                                     gpointer      user_data);

/* What GetStatistics shows of the cluster. */
typedef struct
{
  gboolean  ready;         /* logins are accepted (Redis reachable, names registered) */
  guint     nodes;         /* nodes alive, this one included */
  guint64   messages_in;   /* messages other nodes routed here */
  guint64   messages_out;  /* messages this node routed to others */
  guint64   messages_lost; /* messages for another node that Redis could not be given */
  GVariant *node_peers;    /* (owned): a{su}, each node alive and its peers */
} ConfabClusterStats;

/*
 * ConfabClusterLink:
 * @claim: reserve @name (whose key is @key) cluster-wide for a login on
 *   this node. Always answers later, from the main loop, never from
 *   within the call. A claim answered without error is released when the
 *   peer that joined under it leaves, or by @unclaim if no join follows.
 * @unclaim: give back a claim no peer joined under (the connection
 *   closed while it was asked, or the broker refused the join).
 * @route_to_name: after route_begin, @key is not in this node's table:
 *   send @message to the node that has it. %FALSE if no node has it.
 * @route_to_room: after the local fan-out of @message to @room, send it
 *   to the other nodes with members of @room.
 * @has_name: whether a peer with @key is logged in on another node.
 * @get_stats: fills in the counters.
 * @room_notice: after the local fan-out of a join, part (or kick) or
 *   topic @notice of @room, tell the other nodes with members of it.
 * @add_room_members: add the names of @room's members on other nodes to
 *   @names (borrowed strings, valid until the main loop runs again).
 * @add_peer_names: add the names of the peers on other nodes to @names
 *   (the same).
 */
typedef struct
{
  void (*claim) (gpointer            link_data,
                 const char         *name,
                 const char         *key,
                 ConfabClaimDoneFunc done,
                 gpointer            user_data);
  void (*unclaim) (gpointer    link_data,
                   const char *key);
  gboolean (*route_to_name) (gpointer          link_data,
                             ConfabBrokerPeer *sender,
                             const char       *key,
                             ConfabMessage    *message);
  void (*route_to_room) (gpointer          link_data,
                         ConfabBrokerRoom *room,
                         ConfabMessage    *message);
  gboolean (*has_name) (gpointer    link_data,
                        const char *key);
  void (*get_stats) (gpointer            link_data,
                     ConfabClusterStats *stats);
  void (*room_notice) (gpointer          link_data,
                       ConfabBrokerRoom *room,
                       ConfabMessage    *notice);
  void (*add_room_members) (gpointer          link_data,
                            ConfabBrokerRoom *room,
                            GPtrArray        *names);
  void (*add_peer_names) (gpointer   link_data,
                          GPtrArray *names);
} ConfabClusterLink;

G_END_DECLS
