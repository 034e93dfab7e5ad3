/* test-broker.c: the broker alone, with no sockets and no D-Bus.
 *
 * Links confab-core only: a GIO call slipping into the broker would fail
 * to link here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-broker.h"
#include "confab-names.h"

/* A stand-in for a connection: records what the broker asks of it. */
typedef struct
{
  guint    wakes;
  guint    closes;
  gboolean close_flush;
  char    *close_reason;
} FakeSink;

static void
fake_wake (gpointer data)
{
  FakeSink *sink = data;

  sink->wakes++;
}

static void
fake_close (gpointer    data,
            gboolean    flush,
            const char *reason)
{
  FakeSink *sink = data;

  sink->closes++;
  sink->close_flush = flush;
  g_free (sink->close_reason);
  sink->close_reason = g_strdup (reason);
}

/* How a text peer's wire shows a message, for reading what was queued.
 * The real encoders are the protocol layer's (tests/test-codec.c); this
 * test links the core alone. */
static char *
text_line (ConfabMessage *message)
{
  const char *text = confab_message_get_text (message, NULL);

  if (confab_message_get_kind (message) == CONFAB_MESSAGE_ERROR)
    return g_strdup_printf ("error: %s\n", text);
  return g_strdup_printf ("from %s: %s\n", confab_message_get_sender (message), text);
}

static gsize
fake_measure (gpointer       data,
              ConfabMessage *message)
{
  g_autofree char *line = text_line (message);

  return strlen (line);
}

static const ConfabBrokerSink fake_sink_funcs = {
  .wake = fake_wake,
  .close = fake_close,
  .measure = fake_measure,
};

#define N_SINKS 8

typedef struct
{
  ConfabBroker *broker;
  FakeSink      sinks[N_SINKS];
  GPtrArray    *joined_names; /* from peer-joined */
  GPtrArray    *left;         /* "name:reason" from peer-left */
  guint         n_peers_notifies;
} Fixture;

static void
peer_joined_cb (ConfabBroker     *broker,
                ConfabBrokerPeer *peer,
                Fixture          *fx)
{
  g_ptr_array_add (fx->joined_names, g_strdup (confab_broker_peer_get_name (peer)));
}

static void
peer_left_cb (ConfabBroker     *broker,
              ConfabBrokerPeer *peer,
              const char       *reason,
              Fixture          *fx)
{
  g_assert_false (confab_broker_peer_is_joined (peer));
  g_ptr_array_add (fx->left, g_strdup_printf ("%s:%s", confab_broker_peer_get_name (peer), reason));
}

static void
n_peers_cb (GObject    *object,
            GParamSpec *pspec,
            Fixture    *fx)
{
  fx->n_peers_notifies++;
}

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = { .queue_max_bytes = 1024 * 1024 };

  fx->broker = confab_broker_new (&limits);
  fx->joined_names = g_ptr_array_new_with_free_func (g_free);
  fx->left = g_ptr_array_new_with_free_func (g_free);
  g_signal_connect (fx->broker, "peer-joined", G_CALLBACK (peer_joined_cb), fx);
  g_signal_connect (fx->broker, "peer-left", G_CALLBACK (peer_left_cb), fx);
  g_signal_connect (fx->broker, "notify::n-peers", G_CALLBACK (n_peers_cb), fx);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_assert_finalize_object (fx->broker);
  for (guint i = 0; i < N_SINKS; i++)
    g_free (fx->sinks[i].close_reason);
  g_ptr_array_unref (fx->joined_names);
  g_ptr_array_unref (fx->left);
}

static ConfabBrokerPeer *
join (Fixture    *fx,
      const char *name,
      guint       sink)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerPeer *peer;

  peer = confab_broker_join (fx->broker, name, "127.0.0.1:1", "text",
                             &fake_sink_funcs, &fx->sinks[sink], &error);
  g_assert_no_error (error);
  g_assert_nonnull (peer);
  return peer;
}

/* Pops every queued line of @peer into one string, marking them sent. */
static char *
drain (ConfabBrokerPeer *peer)
{
  GString       *out = g_string_new (NULL);
  ConfabMessage *message;

  while ((message = confab_broker_peer_pop (peer)) != NULL)
    {
      g_autofree char *line = text_line (message);

      g_string_append (out, line);
      confab_message_unref (message);
    }
  return g_string_free (out, FALSE);
}

static void
route_text (Fixture          *fx,
            ConfabBrokerPeer *sender,
            const char       *text,
            const char       *first_recipient,
            ...)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(ConfabMessage) message = NULL;
  const char *name;
  va_list     args;

  va_start (args, first_recipient);
  for (name = first_recipient; name != NULL; name = va_arg (args, const char *))
    g_ptr_array_add (names, (gpointer) name);
  va_end (args);

  message = confab_message_new_chat (confab_broker_peer_get_name (sender),
                                     (const char * const *) names->pdata, names->len,
                                     text, strlen (text), 0);
  confab_broker_route (fx->broker, sender, (const char * const *) names->pdata, names->len, message);
}

static void
test_join_basic (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  ConfabBrokerStats stats;
  guint             n_peers;

  g_assert_true (confab_broker_peer_is_joined (alice));
  g_assert_cmpstr (confab_broker_peer_get_name (alice), ==, "alice");
  g_assert_cmpstr (confab_broker_peer_get_address (alice), ==, "127.0.0.1:1");
  g_assert_cmpstr (confab_broker_peer_get_protocol (alice), ==, "text");
  g_assert_cmpint (confab_broker_peer_get_since (alice), >, 0);
  g_assert_true (confab_broker_lookup (fx->broker, "alice") == alice);
  g_assert_null (confab_broker_lookup (fx->broker, "bob"));
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);
  g_object_get (fx->broker, "n-peers", &n_peers, NULL);
  g_assert_cmpuint (n_peers, ==, 1);
  g_assert_cmpuint (fx->n_peers_notifies, ==, 1);
  g_assert_cmpuint (fx->joined_names->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->joined_names, 0), ==, "alice");

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.peers, ==, 1);
  g_assert_cmpuint (stats.peers_peak, ==, 1);
  g_assert_cmpuint (stats.logins, ==, 1);
  g_assert_cmpuint (stats.logins_rejected, ==, 0);

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
}

static void
test_join_name_taken (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autoptr(ConfabBrokerPeer) second = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char  *got = NULL;
  ConfabBrokerStats stats;

  second = confab_broker_join (fx->broker, "alice", "10.0.0.1:2", "text",
                               &fake_sink_funcs, &fx->sinks[2], &error);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NAME_TAKEN);
  g_assert_cmpstr (error->message, ==, "name taken: alice");
  g_assert_null (second);

  /* The connected alice is untouched: same entry, still receives. */
  g_assert_true (confab_broker_lookup (fx->broker, "alice") == alice);
  g_assert_cmpstr (confab_broker_peer_get_address (alice), ==, "127.0.0.1:1");
  route_text (fx, bob, "still you?", "alice", NULL);
  got = drain (alice);
  g_assert_cmpstr (got, ==, "from bob: still you?\n");
  g_assert_cmpuint (fx->sinks[2].wakes, ==, 0);
  g_assert_cmpuint (fx->sinks[0].closes, ==, 0);

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.logins_rejected, ==, 1);
  g_assert_cmpuint (stats.peers, ==, 2);

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

/* SPEC §11: a look-alike of a connected name is that name taken; once
 * the first leaves, the look-alike may have it. */
static void
test_join_look_alike (Fixture      *fx,
                      gconstpointer data)
{
  const char       *look_alikes[] = { "Alice", "ali\xd1\x81"
                                                     "e",
                                      "a1ice", "\xef\xbd\x81lice" };
  ConfabBrokerPeer *alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) cyrillic = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("Look-alike names are refused while the first is online, allowed after it leaves");

  for (gsize i = 0; i < G_N_ELEMENTS (look_alikes); i++)
    {
      g_autoptr(GError) taken = NULL;
      g_autofree char *expected = g_strdup_printf ("name taken: %s", look_alikes[i]);

      g_assert_null (confab_broker_join (fx->broker, look_alikes[i], "10.0.0.1:2", "text",
                                         &fake_sink_funcs, &fx->sinks[1], &taken));
      g_assert_error (taken, CONFAB_ERROR, CONFAB_ERROR_NAME_TAKEN);
      g_assert_cmpstr (taken->message, ==, expected);
      g_assert_true (confab_broker_lookup (fx->broker, look_alikes[i]) == alice);
    }

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_peer_unref (alice);
  cyrillic = confab_broker_join (fx->broker, "ali\xd1\x81"
                                             "e",
                                 "10.0.0.1:2", "text",
                                 &fake_sink_funcs, &fx->sinks[1], &error);
  g_assert_no_error (error);
  /* Its name is shown as typed; "alice" now reaches it. */
  g_assert_cmpstr (confab_broker_peer_get_name (cyrillic), ==, "ali\xd1\x81"
                                                               "e");
  g_assert_true (confab_broker_lookup (fx->broker, "alice") == cyrillic);
  confab_broker_leave (fx->broker, cyrillic, CONFAB_REASON_QUIT);
}

static void
test_join_invalid_name (Fixture      *fx,
                        gconstpointer data)
{
  const char *bad[] = { "", "a b", "a:b", "a,b", "@server", "#room", "tab\there",
                        "0123456789012345678901234567890123" };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GError) error = NULL;
      ConfabBrokerPeer *peer;

      peer = confab_broker_join (fx->broker, bad[i], NULL, NULL,
                                 &fake_sink_funcs, &fx->sinks[0], &error);
      g_assert_null (peer);
      g_assert_nonnull (error);
      g_assert_true (error->domain == CONFAB_ERROR);
    }
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);
  g_assert_cmpuint (fx->joined_names->len, ==, 0);
}

static void
test_route_many (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autoptr(ConfabBrokerPeer) carol = join (fx, "carol", 2);
  const char *to[] = { "bob", "carol", "alice" };
  g_autoptr(ConfabMessage) message = confab_message_new_chat ("alice", to, G_N_ELEMENTS (to), "hi all", 6, 0);
  ConfabMessage    *got_bob, *got_carol, *got_alice;
  ConfabBrokerStats stats;

  confab_broker_route (fx->broker, alice, to, G_N_ELEMENTS (to), message);

  /* One shared message, not a copy per recipient. */
  got_bob = confab_broker_peer_pop (bob);
  got_carol = confab_broker_peer_pop (carol);
  got_alice = confab_broker_peer_pop (alice);
  g_assert_true (got_bob == message);
  g_assert_true (got_carol == message);
  g_assert_true (got_alice == message);
  g_assert_cmpstr (confab_message_get_text (message, NULL), ==, "hi all");
  g_assert_cmpuint (fx->sinks[0].wakes, ==, 1);
  g_assert_cmpuint (fx->sinks[1].wakes, ==, 1);
  g_assert_cmpuint (fx->sinks[2].wakes, ==, 1);

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.messages_routed, ==, 1);
  g_assert_cmpuint (stats.deliveries, ==, 3);
  g_assert_cmpuint (stats.bytes_routed, ==, 3 * strlen ("from alice: hi all\n"));
  g_assert_cmpuint (confab_broker_peer_get_messages_in (alice), ==, 1);
  g_assert_cmpuint (confab_broker_peer_get_messages_out (bob), ==, 1);

  confab_message_unref (got_bob);
  confab_message_unref (got_carol);
  confab_message_unref (got_alice);
  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, carol, CONFAB_REASON_QUIT);
}

static void
test_route_unknown (Fixture      *fx,
                    gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autofree char  *to_alice = NULL;
  g_autofree char  *to_bob = NULL;
  ConfabBrokerStats stats;

  route_text (fx, alice, "hello", "ghost", "bob", NULL);
  to_alice = drain (alice);
  to_bob = drain (bob);
  g_assert_cmpstr (to_alice, ==, "error: no such peer: ghost\n");
  g_assert_cmpstr (to_bob, ==, "from alice: hello\n");

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.errors_sent, ==, 1);

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

static void
test_route_order (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);

  for (guint i = 0; i < 100; i++)
    {
      g_autofree char *text = g_strdup_printf ("%u", i);

      route_text (fx, alice, text, "bob", NULL);
    }

  /* One wake for the whole burst: the writer had not answered yet. */
  g_assert_cmpuint (fx->sinks[1].wakes, ==, 1);
  for (guint i = 0; i < 100; i++)
    {
      g_autoptr(ConfabMessage) message = confab_broker_peer_pop (bob);
      g_autofree char *expected = g_strdup_printf ("from alice: %u\n", i);
      g_autofree char *line = NULL;

      g_assert_nonnull (message);
      line = text_line (message);
      g_assert_cmpstr (line, ==, expected);
    }
  g_assert_null (confab_broker_peer_pop (bob));
  g_assert_cmpuint (confab_broker_peer_get_queued_bytes (bob), ==, 0);

  /* Answered: the next message wakes the writer again. */
  route_text (fx, alice, "again", "bob", NULL);
  g_assert_cmpuint (fx->sinks[1].wakes, ==, 2);
  g_free (drain (bob));

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

/* Taking the queue's lock is only a lock: the writer answers a wake
 * with confab_broker_peer_ack_wake(), and only then is it woken again. */
static void
test_route_ack_wake (Fixture      *fx,
                     gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  ConfabMessage *message;

  route_text (fx, alice, "one", "bob", NULL);
  g_assert_cmpuint (fx->sinks[1].wakes, ==, 1);

  message = confab_broker_peer_take (bob);
  g_assert_nonnull (message);
  confab_message_unref (message);
  route_text (fx, alice, "two", "bob", NULL);
  g_assert_cmpuint (fx->sinks[1].wakes, ==, 1);

  confab_broker_peer_ack_wake (bob);
  route_text (fx, alice, "three", "bob", NULL);
  g_assert_cmpuint (fx->sinks[1].wakes, ==, 2);
  g_free (drain (bob));

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

static gpointer
broadcast_thread (gpointer data)
{
  confab_broker_broadcast (data, "from the wrong thread");
  return NULL;
}

/* The broker runs on one thread (confab-broker.h); a call from another
 * is a programming error that its check catches. */
static void
test_wrong_thread (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(ConfabBroker) broker = confab_broker_new (NULL);

      g_thread_join (g_thread_new ("wrong", broadcast_thread, broker));
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*confab_broker_broadcast: assertion failed*g_thread_self*");
}

/* "bob sends to alice" and "alice joins" are ordered by the broker: what
 * comes first decides. */
static void
test_event_order (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autoptr(ConfabBrokerPeer) alice = NULL;
  g_autofree char *to_bob = NULL;
  g_autofree char *to_alice = NULL;

  route_text (fx, bob, "too early", "alice", NULL);
  alice = join (fx, "alice", 0);
  route_text (fx, bob, "in time", "alice", NULL);

  to_bob = drain (bob);
  to_alice = drain (alice);
  g_assert_cmpstr (to_bob, ==, "error: no such peer: alice\n");
  g_assert_cmpstr (to_alice, ==, "from bob: in time\n");

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

static void
test_leave (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autoptr(ConfabBrokerPeer) alice2 = NULL;
  g_autofree char *queued = NULL;
  g_autofree char *to_bob = NULL;

  route_text (fx, bob, "before you go", "alice", NULL);
  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT); /* harmless twice */

  g_assert_false (confab_broker_peer_is_joined (alice));
  g_assert_null (confab_broker_lookup (fx->broker, "alice"));
  g_assert_cmpuint (fx->left->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->left, 0), ==, "alice:" CONFAB_REASON_QUIT);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 1);

  /* What was queued stays with the handle for a graceful close... */
  queued = drain (alice);
  g_assert_cmpstr (queued, ==, "from bob: before you go\n");

  /* ...but nothing new reaches it, and its name is free again. */
  route_text (fx, bob, "gone?", "alice", NULL);
  to_bob = drain (bob);
  g_assert_cmpstr (to_bob, ==, "error: no such peer: alice\n");
  alice2 = join (fx, "alice", 2);
  g_assert_true (alice2 != alice);

  confab_broker_leave (fx->broker, alice2, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

static void
test_queue_bound (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) fast = join (fx, "fast", 0);
  g_autoptr(ConfabBrokerPeer) slow = join (fx, "slow", 1);
  ConfabBrokerLimits limits;
  char               text[1001];
  ConfabBrokerStats  stats;
  guint              sent = 0;
  gsize              cost;

  memset (text, 'x', sizeof text - 1);
  text[sizeof text - 1] = '\0';
  confab_broker_get_limits (fx->broker, &limits);
  limits.queue_max_bytes = 4096;
  confab_broker_set_limits (fx->broker, &limits);

  /* A queued message costs its memory, more than its line's length. */
  route_text (fx, fast, text, "slow", "fast", NULL);
  g_free (drain (fast));
  sent++;
  cost = confab_broker_peer_get_queued_bytes (slow);
  g_assert_cmpuint (cost, >, strlen ("from fast: ") + sizeof text);

  /* The message that would pass 4096 bytes drops the slow peer, while
   * fast (drained after every message) is never in danger. */
  while (confab_broker_peer_is_joined (slow) && sent < 100)
    {
      route_text (fx, fast, text, "slow", "fast", NULL);
      g_free (drain (fast));
      sent++;
    }

  g_assert_cmpuint (sent, ==, 4096 / cost + 1);
  g_assert_false (confab_broker_peer_is_joined (slow));
  g_assert_true (confab_broker_peer_is_joined (fast));
  g_assert_cmpuint (fx->sinks[1].closes, ==, 1);
  g_assert_false (fx->sinks[1].close_flush);
  g_assert_cmpstr (fx->sinks[1].close_reason, ==, CONFAB_REASON_SLOW_CONSUMER);
  g_assert_cmpuint (fx->sinks[0].closes, ==, 0);
  g_assert_cmpuint (confab_broker_peer_get_queued_bytes (slow), <=, 4096);

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.slow_consumers_dropped, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (fx->left, 0), ==, "slow:" CONFAB_REASON_SLOW_CONSUMER);

  /* The sender goes on; the slow name is free. */
  route_text (fx, fast, "still here", "fast", NULL);
  g_free (drain (slow));
  {
    g_autofree char *got = drain (fast);

    g_assert_cmpstr (got, ==, "from fast: still here\n");
  }
  confab_broker_leave (fx->broker, fast, CONFAB_REASON_QUIT);
}

static void
test_kick (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autoptr(GError) error = NULL;
  g_autofree char  *to_bob = NULL;
  ConfabBrokerStats stats;

  route_text (fx, alice, "one", "bob", NULL);
  g_assert_true (confab_broker_kick (fx->broker, "bob", "spam", &error));
  g_assert_no_error (error);

  to_bob = drain (bob);
  g_assert_cmpstr (to_bob, ==, "from alice: one\nerror: kicked: spam\n");
  g_assert_cmpuint (fx->sinks[1].closes, ==, 1);
  g_assert_true (fx->sinks[1].close_flush);
  g_assert_null (confab_broker_lookup (fx->broker, "bob"));
  g_assert_cmpstr (g_ptr_array_index (fx->left, 0), ==, "bob:" CONFAB_REASON_KICKED);
  /* The connection logs the close with the administrator's words. */
  g_assert_cmpstr (confab_broker_peer_get_notice (bob), ==, "kicked: spam");
  g_assert_null (confab_broker_peer_get_notice (alice));

  g_assert_false (confab_broker_kick (fx->broker, "bob", "again", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NO_SUCH_PEER);

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.kicks, ==, 1);
  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
}

static void
test_broadcast (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autofree char *to_alice = NULL;
  g_autofree char *to_bob = NULL;

  g_assert_cmpuint (confab_broker_broadcast (fx->broker, "maintenance at noon"), ==, 2);
  to_alice = drain (alice);
  to_bob = drain (bob);
  g_assert_cmpstr (to_alice, ==, "from " CONFAB_SERVER_SENDER ": maintenance at noon\n");
  g_assert_cmpstr (to_bob, ==, to_alice);

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, bob, CONFAB_REASON_QUIT);
}

static void
test_shutdown (Fixture      *fx,
               gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) bob = join (fx, "bob", 1);
  g_autoptr(ConfabBrokerPeer) late = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *to_alice = NULL;
  g_autofree char *to_bob = NULL;

  route_text (fx, alice, "last words", "bob", NULL);
  confab_broker_shutdown (fx->broker);

  /* Accepted messages come first, then the notice. */
  to_bob = drain (bob);
  to_alice = drain (alice);
  g_assert_cmpstr (to_bob, ==, "from alice: last words\nerror: server shutting down\n");
  g_assert_cmpstr (to_alice, ==, "error: server shutting down\n");
  g_assert_true (fx->sinks[0].close_flush);
  g_assert_true (fx->sinks[1].close_flush);
  g_assert_cmpuint (confab_broker_get_n_peers (fx->broker), ==, 0);

  late = confab_broker_join (fx->broker, "carol", NULL, NULL, &fake_sink_funcs, &fx->sinks[2], &error);
  g_assert_null (late);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_SHUTTING_DOWN);
}

/* Counting what happens on connections is theirs (test-server.c,
 * test-session.c); the broker counts the error lines it queues. */
static void
test_send_error (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) alice = join (fx, "alice", 0);
  g_autofree char  *got = NULL;
  ConfabBrokerStats before;
  ConfabBrokerStats stats;

  g_test_summary ("send_error queues the line in order and counts it in errors_sent alone");

  confab_broker_get_stats (fx->broker, &before);
  confab_broker_send_error (fx->broker, alice, CONFAB_ERROR_TOO_MANY_RECIPIENTS,
                            "too many recipients (limit 2)");
  confab_broker_send_error (fx->broker, alice, CONFAB_ERROR_BAD_MESSAGE,
                            "expected 'name, name: text'");
  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.errors_sent, ==, before.errors_sent + 2);
  g_assert_cmpuint (stats.logins_rejected, ==, before.logins_rejected);
  g_assert_cmpuint (stats.messages_routed, ==, before.messages_routed);
  g_assert_cmpuint (stats.slow_consumers_dropped, ==, 0);
  got = drain (alice);
  g_assert_cmpstr (got, ==, "error: too many recipients (limit 2)\n"
                            "error: expected 'name, name: text'\n");

  confab_broker_leave (fx->broker, alice, CONFAB_REASON_QUIT);
}

static void
test_list_peers (Fixture      *fx,
                 gconstpointer data)
{
  g_autoptr(ConfabBrokerPeer) c = join (fx, "carol", 2);
  g_autoptr(ConfabBrokerPeer) a = join (fx, "alice", 0);
  g_autoptr(ConfabBrokerPeer) b = join (fx, "bob", 1);
  g_autoptr(GPtrArray) peers = confab_broker_list_peers (fx->broker);

  g_assert_cmpuint (peers->len, ==, 3);
  g_assert_cmpstr (confab_broker_peer_get_name (g_ptr_array_index (peers, 0)), ==, "alice");
  g_assert_cmpstr (confab_broker_peer_get_name (g_ptr_array_index (peers, 1)), ==, "bob");
  g_assert_cmpstr (confab_broker_peer_get_name (g_ptr_array_index (peers, 2)), ==, "carol");

  confab_broker_leave (fx->broker, a, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, b, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, c, CONFAB_REASON_QUIT);
}

/* A message is a value: what it says, not how a wire shows it (its
 * lines are tests/test-codec.c's). */
static void
test_message_values (void)
{
  const char *to[] = { "alice", "carol" };
  const char *names[] = { "alice", "bob" };
  g_autoptr(ConfabMessage) chat = confab_message_new_chat ("bob", to, 2, "hi there", 8, 42);
  g_autoptr(ConfabMessage) multi = confab_message_new_chat ("bob", to, 2, "one\ntwo\r", 8, 0);
  g_autoptr(ConfabMessage) welcome = confab_message_new_welcome ("zoe");
  g_autoptr(ConfabMessage) peers = confab_message_new_peers (names, 2);
  const char * const *recipients;
  guint               n;
  g_autoptr(ConfabMessage) error = confab_message_new_errorf (CONFAB_ERROR_NO_SUCH_PEER, "no such peer: %s", "x");
  const char *text;
  gsize       len;

  g_assert_cmpint (confab_message_get_kind (chat), ==, CONFAB_MESSAGE_CHAT);
  g_assert_cmpstr (confab_message_get_sender (chat), ==, "bob");
  g_assert_cmpint (confab_message_get_timestamp (chat), ==, 42);
  text = confab_message_get_text (chat, &len);
  g_assert_cmpmem (text, len, "hi there", 8);

  recipients = confab_message_get_recipients (chat, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (recipients[0], ==, "alice");
  g_assert_cmpstr (recipients[1], ==, "carol");
  g_assert_null (recipients[2]);

  /* The text is kept exact, newlines and all. */
  text = confab_message_get_text (multi, &len);
  g_assert_cmpmem (text, len, "one\ntwo\r", 8);

  g_assert_cmpint (confab_message_get_kind (welcome), ==, CONFAB_MESSAGE_WELCOME);
  g_assert_cmpstr (confab_message_get_names (welcome, &n)[0], ==, "zoe");
  g_assert_cmpuint (n, ==, 1);
  g_assert_cmpint (confab_message_get_kind (peers), ==, CONFAB_MESSAGE_PEERS);
  recipients = confab_message_get_names (peers, &n);
  g_assert_cmpuint (n, ==, 2);
  g_assert_cmpstr (recipients[1], ==, "bob");
  g_assert_null (recipients[2]);

  /* A slot keeps the first encoding put in it. */
  g_assert_null (confab_message_get_slot (chat, 1));
  g_assert_true (confab_message_set_slot (chat, 1, confab_encoded_new (1)) ==
                 confab_message_get_slot (chat, 1));
  g_assert_cmpuint (confab_message_set_slot (chat, 1, confab_encoded_new (2))->len, ==, 1);
  g_assert_null (confab_message_get_slot (chat, 0));

  g_assert_cmpint (confab_message_get_kind (error), ==, CONFAB_MESSAGE_ERROR);
  g_assert_cmpint (confab_message_get_code (error), ==, CONFAB_ERROR_NO_SUCH_PEER);
  g_assert_cmpstr (confab_message_get_text (error, NULL), ==, "no such peer: x");
  g_assert_cmpstr (confab_error_code_to_string (CONFAB_ERROR_NO_SUCH_PEER), ==, "no-such-peer");
  g_assert_cmpstr (confab_error_code_to_string (CONFAB_ERROR_LINE_TOO_LONG), ==, "line-too-long");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/broker/join/basic", test_join_basic);
  ADD ("/broker/join/name-taken", test_join_name_taken);
  ADD ("/broker/join/look-alike", test_join_look_alike);
  ADD ("/broker/join/invalid-name", test_join_invalid_name);
  ADD ("/broker/route/many", test_route_many);
  ADD ("/broker/route/unknown-recipient", test_route_unknown);
  ADD ("/broker/route/order", test_route_order);
  ADD ("/broker/route/ack-wake", test_route_ack_wake);
  ADD ("/broker/route/event-order", test_event_order);
  ADD ("/broker/leave", test_leave);
  ADD ("/broker/queue/bound", test_queue_bound);
  ADD ("/broker/kick", test_kick);
  ADD ("/broker/broadcast", test_broadcast);
  ADD ("/broker/shutdown", test_shutdown);
  ADD ("/broker/list-peers", test_list_peers);
  ADD ("/broker/send-error", test_send_error);
#undef ADD
  g_test_add_func ("/message/values", test_message_values);
  g_test_add_func ("/broker/wrong-thread", test_wrong_thread);

  return g_test_run ();
}
