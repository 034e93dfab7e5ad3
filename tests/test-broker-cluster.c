/* test-broker-cluster.c: the broker with a cluster link (SPEC §14), the
 * link a fake: what the broker asks of the other nodes, and what it does
 * with what they send. Links confab-core only.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-broker.h"
#include "confab-name-key.h"

static void
sink_wake (gpointer data)
{
}

static void
sink_close (gpointer    data,
            gboolean    flush,
            const char *reason)
{
}

static const ConfabBrokerSink sink = {
  .wake = sink_wake,
  .close = sink_close,
};

/* The other nodes, as the broker sees them through the link. */
typedef struct
{
  GHashTable *remote; /* keys on other nodes */
  GPtrArray  *routed; /* "KEY:TEXT" handed to route_to_name */
  GPtrArray  *rooms;  /* "ROOMKEY:TEXT" handed to route_to_room */
  GPtrArray  *claims; /* "NAME:KEY" */
  GPtrArray  *unclaims;
  GPtrArray  *notices; /* "ROOMKEY:KIND:NAME" handed to room_notice */
} FakeLink;

static void
fake_claim (gpointer            data,
            const char         *name,
            const char         *key,
            ConfabClaimDoneFunc done,
            gpointer            user_data)
{
  FakeLink *link = data;

  g_ptr_array_add (link->claims, g_strdup_printf ("%s:%s", name, key));
  done (NULL, user_data);
}

static void
fake_unclaim (gpointer    data,
              const char *key)
{
  FakeLink *link = data;

  g_ptr_array_add (link->unclaims, g_strdup (key));
}

static gboolean
fake_route_to_name (gpointer          data,
                    ConfabBrokerPeer *sender,
                    const char       *key,
                    ConfabMessage    *message)
{
  FakeLink *link = data;

  if (!g_hash_table_contains (link->remote, key))
    return FALSE;
  g_ptr_array_add (link->routed, g_strdup_printf ("%s:%s", key, confab_message_get_text (message, NULL)));
  return TRUE;
}

static void
fake_route_to_room (gpointer          data,
                    ConfabBrokerRoom *room,
                    ConfabMessage    *message)
{
  FakeLink *link = data;

  g_ptr_array_add (link->rooms, g_strdup_printf ("%s:%s", confab_broker_room_get_key (room),
                                                 confab_message_get_text (message, NULL)));
}

static gboolean
fake_has_name (gpointer    data,
               const char *key)
{
  FakeLink *link = data;

  return g_hash_table_contains (link->remote, key);
}

static void
fake_get_stats (gpointer            data,
                ConfabClusterStats *stats)
{
  stats->nodes = 2;
  stats->messages_out = ((FakeLink *) data)->routed->len;
  stats->node_peers = g_variant_ref_sink (g_variant_new_parsed ("@a{su} {'a': 1, 'b': 1}"));
}

static void
fake_room_notice (gpointer          data,
                  ConfabBrokerRoom *room,
                  ConfabMessage    *notice)
{
  FakeLink *link = data;

  g_ptr_array_add (link->notices, g_strdup_printf ("%s:%d:%s", confab_broker_room_get_key (room),
                                                   confab_message_get_kind (notice),
                                                   confab_message_get_sender (notice)));
}

/* Bob, on the other node, is in every room. */
static void
fake_add_room_members (gpointer          data,
                       ConfabBrokerRoom *room,
                       GPtrArray        *names)
{
  g_ptr_array_add (names, (gpointer) "Bob");
}

static void
fake_add_peer_names (gpointer   data,
                     GPtrArray *names)
{
  g_ptr_array_add (names, (gpointer) "Bob");
}

static const ConfabClusterLink fake_link_funcs = {
  .claim = fake_claim,
  .unclaim = fake_unclaim,
  .route_to_name = fake_route_to_name,
  .route_to_room = fake_route_to_room,
  .has_name = fake_has_name,
  .get_stats = fake_get_stats,
  .room_notice = fake_room_notice,
  .add_room_members = fake_add_room_members,
  .add_peer_names = fake_add_peer_names,
};

typedef struct
{
  ConfabBroker *broker;
  FakeLink      link;
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = { .queue_max_bytes = 1024 * 1024, .rooms_max = 10, .room_members_max = 10, .rooms_per_peer_max = 10 };

  fx->broker = confab_broker_new (&limits);
  fx->link.remote = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  fx->link.routed = g_ptr_array_new_with_free_func (g_free);
  fx->link.rooms = g_ptr_array_new_with_free_func (g_free);
  fx->link.claims = g_ptr_array_new_with_free_func (g_free);
  fx->link.unclaims = g_ptr_array_new_with_free_func (g_free);
  fx->link.notices = g_ptr_array_new_with_free_func (g_free);
  g_hash_table_add (fx->link.remote, confab_name_key_dup ("Bob"));
  confab_broker_set_cluster_link (fx->broker, &fake_link_funcs, &fx->link);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  confab_broker_set_cluster_link (fx->broker, NULL, NULL);
  g_assert_finalize_object (fx->broker);
  g_hash_table_unref (fx->link.remote);
  g_ptr_array_unref (fx->link.routed);
  g_ptr_array_unref (fx->link.rooms);
  g_ptr_array_unref (fx->link.claims);
  g_ptr_array_unref (fx->link.unclaims);
  g_ptr_array_unref (fx->link.notices);
}

static ConfabBrokerPeer *
join (Fixture    *fx,
      const char *name)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerPeer *peer = confab_broker_join (fx->broker, name, "127.0.0.1:1", "text", &sink, NULL, &error);

  g_assert_no_error (error);
  return peer;
}

static guint
count_queued (ConfabBrokerPeer *peer,
              const char       *text)
{
  ConfabMessage *message;
  guint          n = 0;

  while ((message = confab_broker_peer_pop (peer)) != NULL)
    {
      if (g_strcmp0 (confab_message_get_text (message, NULL), text) == 0)
        n++;
      confab_message_unref (message);
    }
  return n;
}

/* A name not here goes to the link; one nowhere is refused to the
 * sender; one here never reaches the link. */
static void
test_route_remote (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice");
  g_autoptr(ConfabBrokerPeer) carol = join (fx, "carol");
  const char * const to[] = { "BOB", "carol", "nobody" };
  g_autoptr(ConfabMessage) message = confab_message_new_chat ("alice", to, 3, "hi", 2, 0);
  ConfabMessage *error;

  confab_broker_route (fx->broker, alice, to, 3, message);
  g_assert_cmpuint (fx->link.routed->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->link.routed, 0), ==, "bob:hi");
  g_assert_cmpuint (count_queued (carol, "hi"), ==, 1);
  error = confab_broker_peer_pop (alice);
  g_assert_nonnull (error);
  g_assert_cmpstr (confab_message_get_text (error, NULL), ==, "no such peer: nobody");
  confab_message_unref (error);

  g_assert_true (confab_broker_is_present (fx->broker, "bob"));
  g_assert_true (confab_broker_is_present (fx->broker, "Carol"));
  g_assert_false (confab_broker_is_present (fx->broker, "nobody"));

  /* Who is connected: here and on the other nodes, sorted. */
  {
    guint                   n = 0;
    g_autofree const char **names = confab_broker_dup_peer_names (fx->broker, &n);

    g_assert_cmpuint (n, ==, 3);
    g_assert_cmpstrv (names, ((const char *[]) { "Bob", "alice", "carol", NULL }));
  }
}

/* What another node routes here reaches each peer once, by key. */
static void
test_deliver_to_keys (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) carol = join (fx, "Carol");
  g_autoptr(ConfabBrokerPeer) dave = join (fx, "dave");
  const char * const keys[] = { "carol", "carol", "gone", "dave" };
  const char * const to[] = { "Carol", "dave" };
  g_autoptr(ConfabMessage) message = confab_message_new_chat ("bob", to, 2, "from afar", 9, 0);
  ConfabBrokerStats stats;

  g_assert_cmpuint (confab_broker_deliver_to_keys (fx->broker, keys, 4, message), ==, 2);
  g_assert_cmpuint (count_queued (carol, "from afar"), ==, 1);
  g_assert_cmpuint (count_queued (dave, "from afar"), ==, 1);
  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.deliveries, ==, 2);
  /* Routed (and counted) on the sender's node, not here. */
  g_assert_cmpuint (stats.messages_routed, ==, 0);
}

/* A room message fans out here, then goes to the link; one from another
 * node reaches every member here, the sender's node having none. */
static void
test_rooms (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice");
  g_autoptr(ConfabBrokerPeer) carol = join (fx, "carol");
  g_autoptr(GError) error = NULL;
  ConfabBrokerRoom  *room;
  const char * const to[] = { "#Tea" };
  g_autoptr(ConfabMessage) local = confab_message_new_room_chat ("alice", "#Tea", to, 1, "brew", 4, 0);
  g_autoptr(ConfabMessage) remote = confab_message_new_room_chat ("bob", "#Tea", to, 1, "steep", 5, 0);

  room = confab_broker_join_room (fx->broker, alice, "#Tea", NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (confab_broker_join_room (fx->broker, carol, "#tea", NULL, &error));
  g_assert_no_error (error);

  g_assert_true (confab_broker_route_begin (fx->broker, alice));
  confab_broker_route_to_room (fx->broker, alice, room, local);
  g_assert_cmpuint (fx->link.rooms->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->link.rooms, 0), ==, "#tea:brew");
  g_assert_cmpuint (count_queued (carol, "brew"), ==, 1);

  g_assert_cmpuint (confab_broker_deliver_to_room_key (fx->broker, "#tea", remote), ==, 2);
  g_assert_cmpuint (count_queued (alice, "steep"), ==, 1);
  g_assert_cmpuint (count_queued (carol, "steep"), ==, 1);
  g_assert_cmpuint (confab_broker_deliver_to_room_key (fx->broker, "#none", remote), ==, 0);

  /* Joins went to the other nodes after the local fan-out; the member
   * list has the other nodes' members too, this node's alone on asking. */
  g_assert_cmpuint (fx->link.notices->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (fx->link.notices, 1), ==, "#tea:4:carol");
  {
    guint                   n = 0;
    g_autofree const char **all = confab_broker_room_dup_member_names (room, &n);
    g_autofree const char **here = confab_broker_room_dup_local_member_names (room, &n);

    g_assert_cmpstrv (all, ((const char *[]) { "Bob", "alice", "carol", NULL }));
    g_assert_cmpstrv (here, ((const char *[]) { "alice", "carol", NULL }));
  }
}

/* A notice from another node reaches the members here; a topic notice
 * sets the topic here, as its setter did there. */
static void
test_room_notices (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice");
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) topic = confab_message_new_topic ("#Tea", "Bob", "oolong only", 1234);
  g_autoptr(ConfabMessage) joined = confab_message_new_room_event (CONFAB_MESSAGE_JOIN, "#Tea", "Bob");
  ConfabBrokerRoom *room = confab_broker_join_room (fx->broker, alice, "#Tea", NULL, &error);
  ConfabMessage    *message;

  g_assert_no_error (error);
  g_assert_cmpuint (count_queued (alice, "no such text"), ==, 0); /* its own join */

  g_assert_cmpuint (confab_broker_room_notice_from_cluster (fx->broker, "#tea", joined), ==, 1);
  g_assert_cmpuint (confab_broker_room_notice_from_cluster (fx->broker, "#tea", topic), ==, 1);
  message = confab_broker_peer_pop (alice);
  g_assert_cmpint (confab_message_get_kind (message), ==, CONFAB_MESSAGE_JOIN);
  g_assert_cmpstr (confab_message_get_sender (message), ==, "Bob");
  confab_message_unref (message);
  message = confab_broker_peer_pop (alice);
  g_assert_cmpint (confab_message_get_kind (message), ==, CONFAB_MESSAGE_TOPIC);
  confab_message_unref (message);
  g_assert_cmpstr (confab_broker_room_get_topic (room), ==, "oolong only");
  g_assert_cmpstr (confab_broker_room_get_topic_setter (room), ==, "Bob");
  g_assert_cmpint (confab_broker_room_get_topic_time (room), ==, 1234);
  g_assert_cmpuint (confab_broker_room_notice_from_cluster (fx->broker, "#none", topic), ==, 0);

  /* A room made here takes the others' topic with no notice. */
  confab_broker_room_take_topic (room, "green", "carol", 99);
  g_assert_cmpstr (confab_broker_room_get_topic (room), ==, "green");
  g_assert_null (confab_broker_peer_pop (alice));
}

static void
claimed_cb (const GError *error,
            gpointer      user_data)
{
  gboolean *answered = user_data;

  g_assert_no_error ((GError *) error);
  *answered = TRUE;
}

/* A claim goes to the link under the name's key; so does giving it
 * back, and the counters come from the link. */
static void
test_claims_and_stats (Fixture      *fx,
                       gconstpointer data)
{
  gboolean           answered = FALSE;
  ConfabClusterStats stats = { 0 };
  g_autofree char   *key = confab_name_key_dup ("Zoë");
  g_autofree char   *claim = g_strconcat ("Zoë:", key, NULL);

  g_assert_true (confab_broker_has_cluster (fx->broker));
  confab_broker_claim_name (fx->broker, "Zoë", claimed_cb, &answered);
  g_assert_true (answered);
  g_assert_cmpstr (g_ptr_array_index (fx->link.claims, 0), ==, claim);
  confab_broker_unclaim_name (fx->broker, "ZOË");
  g_assert_cmpstr (g_ptr_array_index (fx->link.unclaims, 0), ==, key);

  g_assert_true (confab_broker_get_cluster_stats (fx->broker, &stats));
  g_assert_cmpuint (stats.nodes, ==, 2);
  g_variant_unref (stats.node_peers);

  confab_broker_set_cluster_link (fx->broker, NULL, NULL);
  g_assert_false (confab_broker_has_cluster (fx->broker));
  g_assert_false (confab_broker_get_cluster_stats (fx->broker, &stats));
  g_assert_false (confab_broker_is_present (fx->broker, "bob"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/broker-cluster/route-remote", test_route_remote);
  ADD ("/broker-cluster/deliver-to-keys", test_deliver_to_keys);
  ADD ("/broker-cluster/rooms", test_rooms);
  ADD ("/broker-cluster/room-notices", test_room_notices);
  ADD ("/broker-cluster/claims-and-stats", test_claims_and_stats);
#undef ADD

  return g_test_run ();
}
