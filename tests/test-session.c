/* test-session.c: the session layer with a real broker and no socket.
 *
 * Two "connections" (a text one and a JSON one) are a broker entry each
 * with a sink that only records; lines go through
 * confab_session_handle_line() and what each connection would write is
 * read back from its queue through its codec, byte for byte. Links the
 * session layer alone: no GIO socket code is in reach.
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
  guint              wakes;
} FakeConnection;

static void
fake_wake (gpointer data)
{
  ((FakeConnection *) data)->wakes++;
}

static void
fake_close (gpointer    data,
            gboolean    flush,
            const char *reason)
{
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

typedef struct
{
  ConfabBroker      *broker;
  ConfabSessionStats stats; /* both sessions', as a server's connections share it */
  FakeConnection     text_conn;
  FakeConnection     json_conn;
  ConfabSession      alice; /* text */
  ConfabSession      bob;   /* JSON */
} Fixture;

static ConfabSession
session_new (ConfabBroker       *broker,
             const ConfabCodec  *codec,
             ConfabSessionStats *stats)
{
  return (ConfabSession) {
    .broker = broker,
    .codec = codec,
    .stats = stats,
    .recipients_max = 2,
    .unix_identity = FALSE,
    .unix_uid = -1,
  };
}

/* Logs @session in from @line, as a connection would. */
static void
login (ConfabSession  *session,
       FakeConnection *conn,
       const char     *line)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *copy = g_strdup (line);
  ConfabRequest    request;
  const char      *name;

  g_assert_true (confab_session_decode_login (session, copy, strlen (copy), &request, &error));
  g_assert_no_error (error);
  g_assert_cmpint (confab_session_resolve_login (session, request.name, NULL, NULL, &name, &error),
                   ==, CONFAB_LOGIN_JOIN);
  session->entry = confab_session_join (session, name, "127.0.0.1:1", &fake_sink, conn, &error);
  g_assert_no_error (error);
  g_assert_nonnull (session->entry);
  confab_request_clear (&request);
}

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = { .queue_max_bytes = 1024 * 1024 };

  fx->broker = confab_broker_new (&limits);
  fx->text_conn.codec = &confab_codec_text;
  fx->json_conn.codec = &confab_codec_json;
  fx->alice = session_new (fx->broker, &confab_codec_text, &fx->stats);
  fx->bob = session_new (fx->broker, &confab_codec_json, &fx->stats);
  login (&fx->alice, &fx->text_conn, "alice");
  login (&fx->bob, &fx->json_conn, "{\"type\":\"login\",\"name\":\"bob\",\"protocol\":1}");
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  confab_broker_leave (fx->broker, fx->alice.entry, CONFAB_REASON_QUIT);
  confab_broker_leave (fx->broker, fx->bob.entry, CONFAB_REASON_QUIT);
  g_clear_pointer (&fx->alice.entry, confab_broker_peer_unref);
  g_clear_pointer (&fx->bob.entry, confab_broker_peer_unref);
  g_assert_finalize_object (fx->broker);
}

static void
send_line (const ConfabSession *session,
           const char          *line)
{
  g_autofree char *copy = g_strdup (line);

  confab_session_handle_line (session, copy, strlen (copy));
}

/* What the connection would write now: its queue, through its codec. */
static char *
written (const ConfabSession *session)
{
  GString       *out = g_string_new (NULL);
  ConfabMessage *message;

  while ((message = confab_broker_peer_pop (session->entry)) != NULL)
    {
      gsize       len;
      const char *bytes = confab_codec_message_bytes (session->codec, message, &len);

      g_string_append_len (out, bytes, len);
      confab_message_unref (message);
    }
  return g_string_free (out, FALSE);
}

static void
test_login (Fixture      *fx,
            gconstpointer data)
{
  g_autofree char *alice = written (&fx->alice);
  g_autofree char *bob = written (&fx->bob);

  /* The JSON connection is greeted; the text protocol has no welcome. */
  g_assert_cmpstr (alice, ==, "");
  g_assert_cmpstr (bob, ==, "{\"type\":\"welcome\",\"name\":\"bob\",\"server\":\"" PACKAGE_NAME " " PACKAGE_VERSION "\",\"protocol\":2}\n");
  g_assert_cmpstr (confab_broker_peer_get_protocol (fx->alice.entry), ==, "text");
  g_assert_cmpstr (confab_broker_peer_get_protocol (fx->bob.entry), ==, "json");
}

/* Text to JSON and back, and an unknown recipient refused to its sender. */
static void
test_messages (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char  *alice = NULL;
  g_autofree char  *bob = NULL;
  ConfabBrokerStats stats;

  g_free (written (&fx->bob));
  send_line (&fx->alice, "bob, ghost: hi there");
  send_line (&fx->bob, "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"one\\ntwo\"}");

  bob = written (&fx->bob);
  g_assert_true (g_str_has_prefix (bob, "{\"type\":\"message\",\"from\":\"alice\",\"to\":[\"bob\",\"ghost\"],"
                                        "\"text\":\"hi there\",\"time\":"));
  g_assert_true (g_str_has_suffix (bob, "}\n"));
  alice = written (&fx->alice);
  g_assert_cmpstr (alice, ==, "error: no such peer: ghost\nfrom bob: one\\ntwo\n");

  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.messages_routed, ==, 2);
  g_assert_cmpuint (stats.deliveries, ==, 2);
  g_assert_cmpuint (stats.errors_sent, ==, 1);
}

/* A reply does not go through the broker, yet comes in order with what
 * the broker queued before it. */
static void
test_peers_in_order (Fixture      *fx,
                     gconstpointer data)
{
  g_autofree char *alice = NULL;
  g_autofree char *bob = NULL;

  g_free (written (&fx->bob));
  send_line (&fx->alice, "alice: note to self");
  send_line (&fx->alice, " /peers\t");
  send_line (&fx->alice, "alice: after");
  send_line (&fx->bob, "{\"type\":\"peers\"}");

  alice = written (&fx->alice);
  g_assert_cmpstr (alice, ==, "from alice: note to self\npeers: alice bob\nfrom alice: after\n");
  bob = written (&fx->bob);
  g_assert_cmpstr (bob, ==, "{\"type\":\"peers\",\"peers\":[\"alice\",\"bob\"]}\n");
  /* The reply is not a routed message. */
  g_assert_cmpuint (confab_broker_peer_get_messages_in (fx->alice.entry), ==, 2);
}

/* A line the codec refuses is answered in the connection's protocol, and
 * the limit it hit is counted. */
static void
test_refusals (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char  *alice = NULL;
  g_autofree char  *bob = NULL;
  ConfabBrokerStats stats;

  g_free (written (&fx->bob));
  send_line (&fx->alice, "no colon");
  send_line (&fx->alice, "a, b, c: too many");
  send_line (&fx->bob, "{\"type\":\"login\",\"name\":\"bob\"}");

  alice = written (&fx->alice);
  g_assert_cmpstr (alice, ==, "error: expected 'name, name: text'\n"
                              "error: too many recipients (limit 2)\n");
  bob = written (&fx->bob);
  g_assert_cmpstr (bob, ==, "{\"type\":\"error\",\"code\":\"bad-message\",\"message\":\"already logged in\"}\n");

  /* The session counts the limit, the broker the error lines it queued. */
  g_assert_cmpuint (fx->stats.messages_too_many_recipients, ==, 1);
  confab_broker_get_stats (fx->broker, &stats);
  g_assert_cmpuint (stats.errors_sent, ==, 3);
  g_assert_cmpuint (stats.messages_routed, ==, 0);

  /* Counted whichever protocol refused it; a refusal after the login is
   * no refused login. */
  send_line (&fx->bob, "{\"type\":\"message\",\"to\":[\"a\",\"b\",\"c\"],\"text\":\"x\"}");
  g_free (written (&fx->bob));
  g_assert_cmpuint (fx->stats.messages_too_many_recipients, ==, 2);
  g_assert_cmpuint (fx->stats.logins_rejected, ==, 0);
  g_assert_cmpuint (fx->stats.errors_sent, ==, 0);
}

/* A refused login is handed back to close with, and counted. */
static void
test_login_refused (void)
{
  g_autoptr(ConfabBroker) broker = confab_broker_new (NULL);
  ConfabSessionStats session_stats = { 0 };
  ConfabSession      text = session_new (broker, &confab_codec_text, &session_stats);
  ConfabSession      json = session_new (broker, &confab_codec_json, &session_stats);
  g_autoptr(GError) error = NULL;
  char              bad_name[] = "al ice";
  char              not_login[] = "{\"type\":\"peers\"}";
  ConfabRequest     request;
  ConfabBrokerStats stats;

  g_assert_false (confab_session_decode_login (&text, bad_name, strlen (bad_name), &request, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);
  g_clear_error (&error);
  g_assert_false (confab_session_decode_login (&json, not_login, strlen (not_login), &request, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
  g_assert_cmpstr (error->message, ==, "the first frame must be a login");

  /* Counted by the session: the broker was never asked. */
  g_assert_cmpuint (session_stats.logins_rejected, ==, 2);
  g_assert_cmpuint (session_stats.errors_sent, ==, 2);
  confab_broker_get_stats (broker, &stats);
  g_assert_cmpuint (stats.logins_rejected, ==, 0);
  g_assert_cmpuint (stats.errors_sent, ==, 0);
}

/* The identity rules, with the user name a connection looked up. */
static void
test_identity (void)
{
  g_autoptr(ConfabBroker) broker = confab_broker_new (NULL);
  ConfabSessionStats session_stats = { 0 };
  ConfabSession      unix_peer = session_new (broker, &confab_codec_text, &session_stats);
  ConfabSession      tcp_peer = session_new (broker, &confab_codec_text, &session_stats);
  g_autoptr(GError) error = NULL;
  char          blank[] = " \t";
  ConfabRequest request;
  const char   *name;

  /* Off: any name, joined at once. */
  g_assert_false (confab_session_identity_applies (&unix_peer));
  g_assert_cmpint (confab_session_resolve_login (&unix_peer, "alice", NULL, NULL, &name, &error), ==,
                   CONFAB_LOGIN_JOIN);
  g_assert_cmpstr (name, ==, "alice");

  unix_peer.unix_identity = TRUE;
  unix_peer.unix_uid = 1000;
  tcp_peer.unix_identity = TRUE;
  g_assert_true (confab_session_identity_applies (&unix_peer));
  g_assert_false (confab_session_identity_applies (&tcp_peer));

  /* On a Unix socket a blank login is the user's own name... */
  g_assert_true (confab_session_decode_login (&unix_peer, blank, strlen (blank), &request, &error));
  g_assert_cmpstr (request.name, ==, "");
  g_assert_cmpint (confab_session_resolve_login (&unix_peer, request.name, NULL, "alice", &name, &error), ==,
                   CONFAB_LOGIN_JOIN);
  g_assert_cmpstr (name, ==, "alice");
  confab_request_clear (&request);
  g_assert_cmpint (confab_session_resolve_login (&unix_peer, "alice", NULL, "alice", &name, &error), ==,
                   CONFAB_LOGIN_JOIN);

  /* ...and any other name is refused. */
  g_assert_cmpint (confab_session_resolve_login (&unix_peer, "bob", NULL, "alice", &name, &error), ==,
                   CONFAB_LOGIN_REFUSED);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_YOUR_NAME);
  g_assert_cmpstr (error->message, ==, "not your name: on this socket you are alice");
  g_clear_error (&error);
  g_assert_cmpint (confab_session_resolve_login (&unix_peer, "", NULL, NULL, &name, &error), ==,
                   CONFAB_LOGIN_REFUSED);
  g_assert_cmpstr (error->message, ==, "not your name: uid 1000 has no user name");
  g_clear_error (&error);

  /* Elsewhere the name is first checked against the local users'. */
  g_assert_cmpint (confab_session_resolve_login (&tcp_peer, "bob", NULL, NULL, &name, &error), ==,
                   CONFAB_LOGIN_CHECK_NAME);
  g_assert_cmpstr (name, ==, "bob");
  confab_session_refuse_local_name (&tcp_peer, "bob", &error);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_NOT_YOUR_NAME);
  g_assert_cmpstr (error->message, ==, "not your name: bob is reserved for the local user "
                                       "of that name, on the Unix socket");

  g_assert_cmpuint (session_stats.logins_rejected, ==, 3);
  g_assert_cmpuint (session_stats.errors_sent, ==, 3);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/session/login", test_login);
  ADD ("/session/messages", test_messages);
  ADD ("/session/peers-in-order", test_peers_in_order);
  ADD ("/session/refusals", test_refusals);
  g_test_add_func ("/session/login-refused", test_login_refused);
  g_test_add_func ("/session/identity", test_identity);

  return g_test_run ();
}
