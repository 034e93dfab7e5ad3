/* test-session-rooms.c: rooms (SPEC §9) through the session layer, with
 * a real broker and no socket.
 *
 * Each "connection" is a broker entry with a recording sink; lines go
 * through confab_session_handle_line() and what each would write is read
 * back through its codec, byte for byte, as in test-session.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-names.h"
#include "confab-session.h"

typedef struct
{
  const ConfabCodec *codec;
  guint              closes;
} FakeConnection;

static void
fake_wake (gpointer data)
{
}

static void
fake_close (gpointer    data,
            gboolean    flush,
            const char *reason)
{
  ((FakeConnection *) data)->closes++;
}

static gsize
fake_measure (gpointer       data,
              ConfabMessage *message)
{
  gsize len;

  confab_codec_message_bytes (((FakeConnection *) data)->codec, message, &len);
  return len;
}

static const ConfabBrokerSink fake_sink = {
  .wake = fake_wake,
  .close = fake_close,
  .measure = fake_measure,
};

#define N_PEERS 5

typedef struct
{
  ConfabBroker      *broker;
  ConfabSessionStats stats;
  FakeConnection     conns[N_PEERS];
  ConfabSession      sessions[N_PEERS];
} Fixture;

/* alice, carol, dave and erin speak text; bob speaks JSON. */
enum
{
  ALICE,
  BOB,
  CAROL,
  DAVE,
  ERIN
};

static const char * const names[N_PEERS] = { "alice", "bob", "carol", "dave", "erin" };

static void
login (Fixture *fx,
       guint    who)
{
  g_autoptr(GError) error = NULL;
  ConfabSession *session = &fx->sessions[who];

  fx->conns[who].codec = who == BOB ? &confab_codec_json : &confab_codec_text;
  *session = (ConfabSession) {
    .broker = fx->broker,
    .codec = fx->conns[who].codec,
    .stats = &fx->stats,
    .recipients_max = 16, /* more than send_to_rooms() keeps on its stack */
    .unix_uid = -1,
  };
  session->entry = confab_session_join (session, names[who], "127.0.0.1:1", &fake_sink,
                                        &fx->conns[who], &error);
  g_assert_no_error (error);
  g_assert_nonnull (session->entry);
}

/* What @who's connection would write now: its queue, through its codec. */
static char *
written (Fixture *fx,
         guint    who)
{
  GString       *out = g_string_new (NULL);
  ConfabMessage *message;

  while ((message = confab_broker_peer_pop (fx->sessions[who].entry)) != NULL)
    {
      gsize       len;
      const char *bytes = confab_codec_message_bytes (fx->sessions[who].codec, message, &len);

      g_string_append_len (out, bytes, len);
      confab_message_unref (message);
    }
  return g_string_free (out, FALSE);
}

static void
drain_all (Fixture *fx)
{
  for (guint i = 0; i < N_PEERS; i++)
    if (fx->sessions[i].entry != NULL)
      g_free (written (fx, i));
}

#define assert_written(fx, who, expected) \
  G_STMT_START \
  { \
    g_autofree char *got_ = written ((fx), (who)); \
    g_assert_cmpstr (got_, ==, (expected)); \
  } \
  G_STMT_END

static void
send_line (Fixture    *fx,
           guint       who,
           const char *line)
{
  g_autofree char *copy = g_strdup (line);

  confab_session_handle_line (&fx->sessions[who], copy, strlen (copy));
}

static void
setup_with (Fixture                  *fx,
            const ConfabBrokerLimits *limits)
{
  fx->broker = confab_broker_new (limits);
  for (guint i = 0; i < N_PEERS; i++)
    login (fx, i);
  drain_all (fx);
}

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = {
    .queue_max_bytes = 1024 * 1024,
    .rooms_max = 100,
    .room_members_max = 100,
    .rooms_per_peer_max = 100,
  };

  if (data != NULL)
    limits = *(const ConfabBrokerLimits *) data;
  setup_with (fx, &limits);
}

static void
leave (Fixture *fx,
       guint    who)
{
  if (fx->sessions[who].entry == NULL)
    return;
  confab_broker_leave (fx->broker, fx->sessions[who].entry, CONFAB_REASON_QUIT);
  g_clear_pointer (&fx->sessions[who].entry, confab_broker_peer_unref);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  for (guint i = 0; i < N_PEERS; i++)
    leave (fx, i);
  g_assert_cmpuint (confab_broker_get_n_rooms (fx->broker), ==, 0);
  g_assert_finalize_object (fx->broker);
}

static void
test_join_and_talk (Fixture      *fx,
                    gconstpointer data)
{
  g_autofree char  *bob = NULL;
  ConfabBrokerStats stats;

  g_test_summary ("A join is announced to every member, the joiner then gets the sorted "
                  "members; a room line reaches every other member once, in each protocol");

  send_line (fx, ALICE, "/join #tea");
  assert_written (fx, ALICE, "join #tea: alice\nmembers #tea: alice\n");
  send_line (fx, CAROL, "/join #tea");
  assert_written (fx, ALICE, "join #tea: carol\n");
  assert_written (fx, CAROL, "join #tea: carol\nmembers #tea: alice carol\n");
  send_line (fx, BOB, "{\"type\":\"join\",\"room\":\"#tea\"}");
  bob = written (fx, BOB);
  g_assert_true (g_str_has_prefix (bob, "{\"type\":\"join\",\"room\":\"#tea\",\"name\":\"bob\",\"time\":"));
  g_assert_nonnull (strstr (bob, "}\n{\"type\":\"members\",\"room\":\"#tea\",\"members\":[\"alice\",\"bob\",\"carol\"]}\n"));
  g_clear_pointer (&bob, g_free);
  drain_all (fx);

  send_line (fx, ALICE, "#tea: hello");
  assert_written (fx, ALICE, "");
  assert_written (fx, CAROL, "from alice in #tea: hello\n");
  assert_written (fx, DAVE, "");
  bob = written (fx, BOB);
  g_assert_true (g_str_has_prefix (bob, "{\"type\":\"message\",\"from\":\"alice\",\"to\":[\"#tea\"],"
                                        "\"room\":\"#tea\",\"text\":\"hello\",\"time\":"));
  g_clear_pointer (&bob, g_free);

  send_line (fx, BOB, "{\"type\":\"message\",\"to\":[\"#tea\"],\"text\":\"two\\nlines\"}");
  assert_written (fx, ALICE, "from bob in #tea: two\\nlines\n");
  assert_written (fx, CAROL, "from bob in #tea: two\\nlines\n");
  assert_written (fx, BOB, "");

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.rooms, ==, 1);
  g_assert_cmpuint (stats.rooms_created, ==, 1);
  g_assert_cmpuint (stats.room_joins, ==, 3);
  g_assert_cmpuint (stats.room_messages, ==, 2);
  g_assert_cmpuint (stats.deliveries, ==, 4);
}

static void
test_one_copy (Fixture      *fx,
               gconstpointer data)
{
  g_test_summary ("A recipient named directly and reached through a room (or two rooms, or "
                  "two spellings) gets one copy, the first room's; non-members the direct one");

  send_line (fx, ALICE, "/join #tea");
  send_line (fx, ALICE, "/join #cake");
  send_line (fx, CAROL, "/join #tea");
  send_line (fx, CAROL, "/join #cake");
  drain_all (fx);

  send_line (fx, ALICE, "#tea, carol, dave, DAVE: hi both");
  assert_written (fx, CAROL, "from alice in #tea: hi both\n");
  assert_written (fx, DAVE, "from alice: hi both\n");

  send_line (fx, ALICE, "#cake, #tea, #TEA: sweet");
  assert_written (fx, CAROL, "from alice in #cake: sweet\n");
  assert_written (fx, ALICE, "");

  /* A member may still address itself directly. */
  send_line (fx, ALICE, "#tea, alice: me too");
  assert_written (fx, ALICE, "from alice: me too\n");
  assert_written (fx, CAROL, "from alice in #tea: me too\n");

  /* More recipients than the session keeps on its stack: the same rules
   * (rooms first, each reached once, names after). */
  send_line (fx, ALICE, "#cake, #Tea, #tea, #CAKE, carol, Carol, dave, x1, x2, x3: many");
  assert_written (fx, CAROL, "from alice in #cake: many\n");
  assert_written (fx, DAVE, "from alice: many\n");
  assert_written (fx, ALICE, "error: no such peer: x1\nerror: no such peer: x2\n"
                             "error: no such peer: x3\n");
}

static void
test_refusals (Fixture      *fx,
               gconstpointer data)
{
  g_test_summary ("Not a member, no such room, bad room names and unknown commands get a "
                  "clear error; the other recipients still get the message");

  send_line (fx, ALICE, "/join #tea");
  drain_all (fx);

  send_line (fx, CAROL, "#tea, alice: psst");
  assert_written (fx, CAROL, "error: not in room: #tea\n");
  assert_written (fx, ALICE, "from carol: psst\n");

  send_line (fx, CAROL, "#nope, alice: hello?");
  assert_written (fx, CAROL, "error: no such room: #nope\n");
  assert_written (fx, ALICE, "from carol: hello?\n");

  send_line (fx, CAROL, "/part #tea");
  send_line (fx, CAROL, "/part #nope");
  send_line (fx, CAROL, "/topic #tea mine now");
  send_line (fx, CAROL, "/members #nope");
  send_line (fx, CAROL, "/join tea");
  send_line (fx, CAROL, "/join #t\x01");
  send_line (fx, CAROL, "/join");
  send_line (fx, CAROL, "/dance");
  send_line (fx, CAROL, "##tea: x");
  assert_written (fx, CAROL,
                  "error: not in room: #tea\n"
                  "error: no such room: #nope\n"
                  "error: not in room: #tea\n"
                  "error: no such room: #nope\n"
                  "error: invalid room name: tea\n"
                  "error: line contains control characters\n"
                  "error: usage: /join #room\n"
                  "error: unknown command: /dance\n"
                  "error: invalid room name: ##tea\n");
  assert_written (fx, ALICE, "");

  send_line (fx, BOB, "{\"type\":\"part\",\"room\":\"#tea\"}");
  assert_written (fx, BOB, "{\"type\":\"error\",\"code\":\"not-in-room\",\"message\":\"not in room: #tea\"}\n");
  send_line (fx, BOB, "{\"type\":\"join\",\"room\":\"tea\"}");
  assert_written (fx, BOB, "{\"type\":\"error\",\"code\":\"invalid-room-name\",\"message\":\"invalid room name: tea\"}\n");
}

static void
test_part_and_leave (Fixture      *fx,
                     gconstpointer data)
{
  g_autofree char *bob = NULL;

  g_test_summary ("A part is announced to every member, the leaver included; a disconnect "
                  "parts every room; the last member out removes the room");

  send_line (fx, ALICE, "/join #tea");
  send_line (fx, ALICE, "/join #cake");
  send_line (fx, BOB, "{\"type\":\"join\",\"room\":\"#tea\"}");
  send_line (fx, CAROL, "/join #cake");
  drain_all (fx);

  send_line (fx, BOB, "{\"type\":\"part\",\"room\":\"#tea\"}");
  bob = written (fx, BOB);
  g_assert_true (g_str_has_prefix (bob, "{\"type\":\"part\",\"room\":\"#tea\",\"name\":\"bob\",\"time\":"));
  assert_written (fx, ALICE, "part #tea: bob\n");

  send_line (fx, CAROL, "/rooms");
  assert_written (fx, CAROL, "rooms: #cake #tea\n");

  leave (fx, ALICE);
  assert_written (fx, CAROL, "part #cake: alice\n");
  g_assert_cmpuint (confab_broker_get_n_rooms (fx->broker), ==, 1);
  send_line (fx, CAROL, "/rooms");
  assert_written (fx, CAROL, "rooms: #cake\n");
  send_line (fx, CAROL, "/part #cake");
  assert_written (fx, CAROL, "part #cake: carol\n");
  send_line (fx, CAROL, "/rooms");
  assert_written (fx, CAROL, "rooms:\n");
  g_assert_null (confab_broker_lookup_room (fx->broker, "#cake", NULL));
}

static void
test_topic (Fixture      *fx,
            gconstpointer data)
{
  g_autofree char *bob = NULL;

  g_test_summary ("A topic is set by a member, announced to all, answered on a query and "
                  "sent to a later joiner after the members; JSON may clear it");

  send_line (fx, ALICE, "/join #tea");
  send_line (fx, ALICE, "/topic #tea");
  assert_written (fx, ALICE, "join #tea: alice\nmembers #tea: alice\ntopic #tea:\n");
  send_line (fx, ALICE, "/topic #tea   oolong: only  ");
  assert_written (fx, ALICE, "topic #tea: oolong: only\n");

  send_line (fx, CAROL, "/join #TEA");
  assert_written (fx, CAROL, "join #tea: carol\nmembers #tea: alice carol\ntopic #tea: oolong: only\n");
  assert_written (fx, ALICE, "join #tea: carol\n");

  send_line (fx, DAVE, "/topic #tea");
  assert_written (fx, DAVE, "topic #tea: oolong: only\n");

  send_line (fx, BOB, "{\"type\":\"join\",\"room\":\"#tea\"}");
  drain_all (fx);
  send_line (fx, BOB, "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"\"}");
  assert_written (fx, ALICE, "topic #tea:\n");
  bob = written (fx, BOB);
  g_assert_true (g_str_has_prefix (bob, "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"\",\"name\":\"bob\",\"time\":"));
  g_clear_pointer (&bob, g_free);
  send_line (fx, BOB, "{\"type\":\"topic\",\"room\":\"#tea\",\"topic\":\"two\\nlines\"}");
  bob = written (fx, BOB);
  g_assert_true (g_str_has_prefix (bob, "{\"type\":\"error\",\"code\":\"control-character\""));
}

static void
test_rejoin (Fixture      *fx,
             gconstpointer data)
{
  ConfabBrokerStats stats;

  g_test_summary ("Joining a room one is in again tells the joiner the members again and "
                  "nobody a join");

  send_line (fx, ALICE, "/join #tea");
  send_line (fx, CAROL, "/join #tea");
  drain_all (fx);
  send_line (fx, CAROL, "/join #Tea");
  assert_written (fx, CAROL, "members #tea: alice carol\n");
  assert_written (fx, ALICE, "");
  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.room_joins, ==, 2);
}

static void
test_names_on_key (Fixture      *fx,
                   gconstpointer data)
{
  g_test_summary ("Names and room names are compared on their NFKC case-folded key; "
                  "the room keeps its creator's spelling");

  send_line (fx, ALICE, "/join #Café");
  send_line (fx, CAROL, "/join #CAFE\xcc\x81"); /* E + combining acute */
  send_line (fx, DAVE, "/join #\xef\xbc\xa3"
                       "af\xc3\xa9"); /* fullwidth C */
  drain_all (fx);
  send_line (fx, ERIN, "/rooms");
  assert_written (fx, ERIN, "rooms: #Café\n");
  send_line (fx, ERIN, "/members #café");
  assert_written (fx, ERIN, "members #Café: alice carol dave\n");

  send_line (fx, ALICE, "CAROL, Dave: shouting");
  assert_written (fx, CAROL, "from alice: shouting\n");
  assert_written (fx, DAVE, "from alice: shouting\n");
}

static void
test_join_orders_messages (Fixture      *fx,
                           gconstpointer data)
{
  g_test_summary ("The broker orders a join and messages to the room: a member gets what "
                  "was sent after its join, nothing from before");

  send_line (fx, ALICE, "/join #tea");
  send_line (fx, ALICE, "#tea: before");
  send_line (fx, CAROL, "/join #tea");
  send_line (fx, ALICE, "#tea: after");
  send_line (fx, CAROL, "/part #tea");
  send_line (fx, ALICE, "#tea: gone");
  assert_written (fx, CAROL, "join #tea: carol\nmembers #tea: alice carol\n"
                             "from alice in #tea: after\npart #tea: carol\n");
}

static const ConfabBrokerLimits tight_limits = {
  .queue_max_bytes = 1024 * 1024,
  .rooms_max = 3,
  .room_members_max = 2,
  .rooms_per_peer_max = 2,
};

static void
test_limits (Fixture      *fx,
             gconstpointer data)
{
  ConfabBrokerStats stats;

  g_test_summary ("rooms_per_peer_max, room_members_max and rooms_max refuse a join with a "
                  "clear error, and count it");

  send_line (fx, ALICE, "/join #a");
  send_line (fx, ALICE, "/join #b");
  drain_all (fx);
  send_line (fx, ALICE, "/join #c");
  assert_written (fx, ALICE, "error: too many rooms joined (limit 2)\n");

  send_line (fx, CAROL, "/join #a");
  send_line (fx, DAVE, "/join #a");
  assert_written (fx, DAVE, "error: room full: #a (limit 2)\n");

  send_line (fx, DAVE, "/join #c");
  send_line (fx, ERIN, "/join #d");
  assert_written (fx, ERIN, "error: too many rooms on this server (limit 3)\n");
  send_line (fx, BOB, "{\"type\":\"join\",\"room\":\"#e\"}");
  assert_written (fx, BOB, "{\"type\":\"error\",\"code\":\"too-many-rooms\","
                           "\"message\":\"too many rooms on this server (limit 3)\"}\n");

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.room_joins_refused, ==, 4);
  g_assert_cmpuint (stats.rooms, ==, 3);
  g_assert_cmpuint (stats.rooms_peak, ==, 3);
}

static const ConfabBrokerLimits small_queue_limits = {
  .queue_max_bytes = 4096,
  .rooms_max = 100,
  .room_members_max = 100,
  .rooms_per_peer_max = 100,
};

static void
test_slow_member (Fixture      *fx,
                  gconstpointer data)
{
  g_autofree char  *text = g_strnfill (200, 'x');
  g_autofree char  *line = g_strdup_printf ("#tea: %s", text);
  ConfabBrokerStats stats;

  g_test_summary ("A member dropped as a slow consumer in the middle of a fan-out leaves the "
                  "room after it; the others get every message and its part");

  for (guint i = 0; i < N_PEERS; i++)
    send_line (fx, i, i == BOB ? "{\"type\":\"join\",\"room\":\"#tea\"}" : "/join #tea");
  drain_all (fx);

  /* Everyone but dave reads; his queue fills and he is dropped. */
  for (guint n = 0; n < 40; n++)
    {
      send_line (fx, ALICE, line);
      for (guint i = 0; i < N_PEERS; i++)
        if (i != DAVE)
          g_free (written (fx, i));
    }
  g_assert_false (confab_broker_peer_is_joined (fx->sessions[DAVE].entry));
  g_assert_cmpuint (fx->conns[DAVE].closes, ==, 1);

  send_line (fx, CAROL, "/members #tea");
  assert_written (fx, CAROL, "members #tea: alice bob carol erin\n");
  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.slow_consumers_dropped, ==, 1);
  leave (fx, DAVE);
}

static void
test_drop_in_join_notice (Fixture      *fx,
                          gconstpointer data)
{
  ConfabBrokerLimits limits;

  g_test_summary ("A join whose notice drops a full member (the only other one) leaves the "
                  "table consistent");

  send_line (fx, CAROL, "/join #tea");
  send_line (fx, ALICE, "carol: one");
  /* Carol's queue is full to the byte: the next push drops her. */
  confab_broker_get_limits (fx->broker, &limits);
  limits.queue_max_bytes = confab_broker_peer_get_queued_bytes (fx->sessions[CAROL].entry);
  confab_broker_set_limits (fx->broker, &limits);

  send_line (fx, DAVE, "/join #tea");
  g_assert_false (confab_broker_peer_is_joined (fx->sessions[CAROL].entry));
  assert_written (fx, DAVE, "join #tea: dave\npart #tea: carol\nmembers #tea: dave\n");
  send_line (fx, ERIN, "/members #tea");
  assert_written (fx, ERIN, "members #tea: dave\n");

  /* The joiner itself dropped by its own join notice; the limit stays
   * well above what dave is sent. */
  limits.queue_max_bytes = 4096;
  confab_broker_set_limits (fx->broker, &limits);
  for (guint i = 0; i < 8; i++)
    send_line (fx, ALICE, "erin: a long line, so that the queue limit is well above two notices");
  limits.queue_max_bytes = confab_broker_peer_get_queued_bytes (fx->sessions[ERIN].entry);
  confab_broker_set_limits (fx->broker, &limits);
  send_line (fx, ERIN, "/join #tea");
  g_assert_false (confab_broker_peer_is_joined (fx->sessions[ERIN].entry));
  assert_written (fx, DAVE, "join #tea: erin\npart #tea: erin\n");
  send_line (fx, DAVE, "/members #tea");
  assert_written (fx, DAVE, "members #tea: dave\n");
  leave (fx, CAROL);
  leave (fx, ERIN);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, data, func) \
  g_test_add (path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("/session/rooms/join-and-talk", NULL, test_join_and_talk);
  ADD ("/session/rooms/one-copy", NULL, test_one_copy);
  ADD ("/session/rooms/refusals", NULL, test_refusals);
  ADD ("/session/rooms/part-and-leave", NULL, test_part_and_leave);
  ADD ("/session/rooms/topic", NULL, test_topic);
  ADD ("/session/rooms/rejoin", NULL, test_rejoin);
  ADD ("/session/rooms/names-on-key", NULL, test_names_on_key);
  ADD ("/session/rooms/join-orders-messages", NULL, test_join_orders_messages);
  ADD ("/session/rooms/limits", &tight_limits, test_limits);
  ADD ("/session/rooms/slow-member", &small_queue_limits, test_slow_member);
  ADD ("/session/rooms/drop-in-join-notice", &small_queue_limits, test_drop_in_join_notice);

  return g_test_run ();
}
