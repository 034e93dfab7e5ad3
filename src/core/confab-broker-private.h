/* confab-broker-private.h: what the broker's files share.
 *
 * The broker is one object in two files: confab-broker.c (the table,
 * routing, limits and counters) and confab-broker-peer.c (a peer's entry:
 * its queue, the memory it holds, its counters).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-broker.h"
#include "confab-message-queue.h"

G_BEGIN_DECLS

/* What malloc adds to the message's own allocation (glibc: a size word
 * and rounding to 16 bytes, 16 on average). */
#define MALLOC_OVERHEAD (2 * sizeof (gsize))

/* Every field below is read and written on the main context only (see
 * confab-broker.h): plain fields, no atomics. The reference count alone
 * is atomic, as GLib's boxed types are. */
struct _ConfabBrokerPeer
{
  /* What routing reads and writes for every copy queued, in the first
   * cache line: a room's fan-out touches one entry per member. */
  guint64                 route_stamp;  /* the last route that queued to it (one copy per route) */
  ConfabMessageQueue      queue;        /* ConfabMessage, owned refs */
  gsize                   queued_bytes; /* memory held by the queued messages */
  gboolean                wake_pending; /* a wake was sent and not yet answered */
  gboolean                joined;       /* in the broker's table */
  const ConfabBrokerSink *sink;         /* (unowned) */

  gatomicrefcount ref_count;
  char           *name;         /* (owned) */
  char           *key;          /* (owned): the name's key (confab-name-key.h) */
  char           *address;      /* (owned) */
  char           *protocol;     /* (owned) */
  gboolean        tls;          /* its connection is encrypted (GetPeer) */
  char           *account;      /* (owned) (nullable): the account it proved (GetPeer) */
  const char     *login_method; /* (unowned): a static string (GetPeer) */
  gint64          since_usec;   /* real time of the login */
  guint64         messages_in;
  guint64         bytes_in;
  guint64         messages_out;
  guint64         bytes_out;
  char           *notice;          /* (owned) (nullable): the last line of a kick or shutdown */
  GPtrArray      *rooms;           /* (owned): ConfabBrokerRoom, owned refs, in join order */
  gpointer        sink_data;       /* (unowned) */
  GThread        *thread;          /* (unowned): the main context's, checked where cheap */
  guint           answers_pending; /* requests it made that are answered later */
};

/* A room: its members, topic and time of creation. Refcounted so that a
 * signal handler may keep it; in the broker's table while it has members. */
struct _ConfabBrokerRoom
{
  gatomicrefcount   ref_count;
  char             *name;         /* (owned): as its creator spelled it */
  char             *key;          /* (owned) */
  GHashTable       *members;      /* (owned): ConfabBrokerPeer (unowned: it leaves first) → itself */
  char             *topic;        /* (owned): "" for none */
  char             *topic_setter; /* (owned) (nullable) */
  gint64            topic_usec;
  gint64            created_usec; /* real time */
  gboolean          listed;       /* in the broker's room table */
  ConfabBrokerPeer *operator;     /* (unowned) (nullable): its creator, while a member */
  ConfabBroker     *broker;       /* (unowned): its broker, which outlives every listed room */
};

struct _ConfabBroker
{
  GObject parent_instance;

  GHashTable        *peers; /* (owned): key (borrowed from the entry) → ConfabBrokerPeer (owned ref) */
  GHashTable        *rooms; /* (owned): key (borrowed from the room) → ConfabBrokerRoom (owned ref) */
  ConfabBrokerLimits limits;
  ConfabBrokerStats  stats;
  gboolean           shutting_down;
  guint64            route_serial; /* one per routed message (route_stamp) */
  guint              fanout_depth; /* room fan-outs under way */
  GPtrArray         *deferred;     /* (owned): peers that left during a fan-out, to take out of their rooms after it */
  GThread           *thread;       /* (unowned): the one it runs on (confab-broker.h) */

  const ConfabClusterLink *link; /* (nullable): the other nodes (confab-broker-cluster.c) */
  gpointer                 link_data;
};

/* A thread-local read: on in every build, but kept off the per-message
 * path. */
#define assert_owner(self) g_assert ((self)->thread == g_thread_self ())

ConfabBrokerPeer *confab_broker_peer_new (const char             *name,
                                          const char             *address,
                                          const char             *protocol,
                                          const ConfabBrokerSink *sink,
                                          gpointer                sink_data);

/* What a queued message holds in memory: the whole message (it may be
 * shared, but the limit must bound this queue on its own) and its slot in
 * the queue's ring, so that queue_max_bytes bounds memory, not just text. */
static inline gsize
confab_broker_peer_queue_cost (ConfabMessage *message)
{
  return confab_message_get_size (message) + MALLOC_OVERHEAD + CONFAB_MESSAGE_QUEUE_SLOT_COST;
}

/* The bytes @message counts for on @peer's wire, as its connection says.
 * Asked once per message and kept in it: a routed message counts the same
 * for every recipient (ConfabBrokerSink), and a reply has one. */
static inline gsize
confab_broker_peer_measure (ConfabBrokerPeer *peer,
                            ConfabMessage    *message)
{
  gsize counted = confab_message_get_counted (message);

  if (counted == 0 && peer->sink->measure != NULL)
    {
      counted = peer->sink->measure (peer->sink_data, message);
      confab_message_set_counted (message, counted);
    }
  return counted;
}

void confab_broker_peer_enqueue (ConfabBrokerPeer *peer,
                                 ConfabMessage    *message);

/* How confab_broker_push() queues a copy. */
typedef enum
{
  CONFAB_PUSH_LIMITED = 1 << 0,  /* under queue_max_bytes: all but a kick's or
                                  * shutdown's final notice */
  CONFAB_PUSH_RESERVED = 1 << 1, /* with one of the references the caller took
                                  * for a whole fan-out (confab_message_ref_many()),
                                  * not a new one */
} ConfabPushFlags;

/* confab-broker.c, for the room half */
gboolean confab_broker_deliver (ConfabBroker     *self,
                                ConfabBrokerPeer *recipient,
                                ConfabMessage    *message,
                                ConfabPushFlags   flags);
gboolean confab_broker_push (ConfabBroker     *self,
                             ConfabBrokerPeer *peer,
                             ConfabMessage    *message,
                             ConfabPushFlags   flags);
void     confab_broker_emit_room_signal (ConfabBroker     *self,
                                         guint             which,
                                         ConfabBrokerRoom *room);

enum
{
  CONFAB_BROKER_ROOM_CREATED,
  CONFAB_BROKER_ROOM_REMOVED,
  CONFAB_BROKER_ROOM_CHANGED,
};

/* confab-broker-cluster.c, for routing */
gboolean confab_broker_route_remote (ConfabBroker     *self,
                                     ConfabBrokerPeer *sender,
                                     const char       *name,
                                     ConfabMessage    *message);

/* confab-broker-rooms.c, for the table half */
void  confab_broker_room_notice_out (ConfabBroker     *self,
                                     ConfabBrokerRoom *room,
                                     ConfabMessage    *notice);
guint confab_broker_fan_out (ConfabBroker     *self,
                             ConfabBrokerRoom *room,
                             ConfabMessage    *message,
                             ConfabBrokerPeer *except,
                             gboolean          counted);
void  confab_broker_rooms_leave_all (ConfabBroker     *self,
                                     ConfabBrokerPeer *peer);
int   confab_broker_compare_strings (gconstpointer a,
                                     gconstpointer b);

G_END_DECLS
