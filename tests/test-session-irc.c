/* test-session-irc.c: the IRC front door's session (SPEC §10), with a
 * real broker and no socket.
 *
 * alice registers over IRC; bob speaks text and carol JSON, through the
 * same session layer, so every line here is a line a real client would
 * send or get, byte for byte.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-irc-message.h"
#include "confab-names.h"
#include "confab-session-irc.h"

static void
fake_wake (gpointer data)
{
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
  return 1;
}

static const ConfabBrokerSink fake_sink = {
  .wake = fake_wake,
  .close = fake_close,
  .measure = fake_measure,
};

typedef struct
{
  ConfabBroker      *broker;
  ConfabSessionStats stats;
  ConfabIrcClient   *irc;
  ConfabSession      alice; /* IRC */
  ConfabSession      bob;   /* text */
  ConfabSession      carol; /* JSON */
  GString           *scratch;
} Fixture;

static ConfabSession
new_session (Fixture           *fx,
             const ConfabCodec *codec)
{
  return (ConfabSession) {
    .broker = fx->broker,
    .codec = codec,
    .stats = &fx->stats,
    .recipients_max = 4,
    .unix_uid = -1,
  };
}

/* One registration line; returns the step and appends the replies. */
static ConfabLoginStep
register_line (Fixture    *fx,
               const char *line,
               GString    *replies,
               GError    **error)
{
  g_autofree char *copy = g_strdup (line);
  const char      *name = NULL;
  ConfabLoginStep  step;

  step = confab_session_irc_register (&fx->alice, copy, strlen (copy), NULL, replies, &name, error);
  if (step == CONFAB_LOGIN_JOIN)
    g_assert_cmpstr (name, ==, fx->irc->nick);
  return step;
}

/* What @session's connection would write now: its queue, as its codec
 * writes it for this connection. */
static char *
written (Fixture       *fx,
         ConfabSession *session)
{
  GString       *out = g_string_new (NULL);
  ConfabMessage *message;

  while ((message = confab_broker_peer_pop (session->entry)) != NULL)
    {
      gsize       len;
      const char *bytes;

      if (session->irc != NULL)
        bytes = confab_codec_message_bytes_for (session->codec, &session->irc->peer, message,
                                                fx->scratch, &len);
      else
        bytes = confab_codec_message_bytes (session->codec, message, &len);
      g_string_append_len (out, bytes, len);
      confab_message_unref (message);
    }
  return g_string_free (out, FALSE);
}

#define assert_written(fx, session, expected) \
  G_STMT_START \
  { \
    g_autofree char *got_ = written ((fx), (session)); \
    g_assert_cmpstr (got_, ==, (expected)); \
  } \
  G_STMT_END

static void
join_text (Fixture       *fx,
           ConfabSession *session,
           const char    *name)
{
  g_autoptr(GError) error = NULL;

  session->entry = confab_session_join (session, name, "127.0.0.1:1", &fake_sink, NULL, &error);
  g_assert_no_error (error);
  g_free (written (fx, session));
}

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  ConfabBrokerLimits limits = {
    .queue_max_bytes = 1024 * 1024,
    .rooms_max = 100,
    .room_members_max = 100,
    .rooms_per_peer_max = 2,
  };

  g_autoptr(ConfabIrcServer) server = confab_irc_server_new ("irc.test", NULL);

  fx->broker = confab_broker_new (&limits);
  fx->scratch = g_string_new (NULL);
  fx->irc = confab_irc_client_new (server);
  fx->alice = new_session (fx, &confab_codec_irc);
  fx->alice.irc = fx->irc;
  fx->bob = new_session (fx, &confab_codec_text);
  fx->carol = new_session (fx, &confab_codec_json);
  join_text (fx, &fx->bob, "bob");
  join_text (fx, &fx->carol, "carol");
}

/* Registers alice with NICK and USER and takes her name. */
static void
register_alice (Fixture *fx)
{
  g_autoptr(GString) replies = g_string_new (NULL);
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (register_line (fx, "NICK alice", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (register_line (fx, "USER alice 0 * :Alice A", replies, &error), ==, CONFAB_LOGIN_JOIN);
  g_assert_no_error (error);
  g_assert_cmpstr (replies->str, ==, "");

  fx->alice.entry = confab_session_join (&fx->alice, "alice", "127.0.0.1:2", &fake_sink, NULL, &error);
  g_assert_no_error (error);
  confab_session_irc_welcome (&fx->alice);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  ConfabSession *all[] = { &fx->alice, &fx->bob, &fx->carol };

  for (guint i = 0; i < G_N_ELEMENTS (all); i++)
    if (all[i]->entry != NULL)
      {
        confab_broker_leave (fx->broker, all[i]->entry, CONFAB_REASON_QUIT);
        confab_broker_peer_unref (all[i]->entry);
      }
  confab_irc_client_free (fx->irc);
  g_string_free (fx->scratch, TRUE);
  g_object_unref (fx->broker);
}

static gboolean
send_irc (Fixture    *fx,
          const char *line)
{
  g_autofree char *copy = g_strdup (line);

  return confab_session_irc_handle_line (&fx->alice, copy, strlen (copy));
}

static void
send_text (Fixture       *fx,
           ConfabSession *session,
           const char    *line)
{
  g_autofree char *copy = g_strdup (line);

  confab_session_handle_line (session, copy, strlen (copy));
}

static void
test_registration (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr(GString) replies = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *welcome = NULL;

  g_test_summary ("CAP 302 negotiation holds registration until CAP END; the welcome is "
                  "001 to 005 with ISUPPORT, LUSERS and 422");

  g_assert_cmpint (register_line (fx, "CAP LS 302", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==,
                   ":irc.test CAP * LS :multi-prefix server-time message-tags echo-message\r\n");
  g_string_truncate (replies, 0);

  g_assert_cmpint (register_line (fx, "NICK alice", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (register_line (fx, "USER alice 0 * :Alice A", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (register_line (fx, "CAP REQ :server-time bogus", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * NAK :server-time bogus\r\n");
  g_string_truncate (replies, 0);
  g_assert_cmpint (register_line (fx, "CAP REQ :echo-message multi-prefix", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * ACK :echo-message multi-prefix\r\n");
  g_assert_cmpuint (fx->irc->peer.flags, ==, CONFAB_IRC_CAP_ECHO_MESSAGE | CONFAB_IRC_CAP_MULTI_PREFIX);
  g_string_truncate (replies, 0);

  g_assert_cmpint (register_line (fx, "CAP END", replies, &error), ==, CONFAB_LOGIN_JOIN);
  g_assert_no_error (error);
  g_assert_cmpstr (replies->str, ==, "");

  fx->alice.entry = confab_session_join (&fx->alice, "alice", "127.0.0.1:2", &fake_sink, NULL, &error);
  g_assert_no_error (error);
  confab_session_irc_welcome (&fx->alice);
  welcome = written (fx, &fx->alice);
  g_assert_true (g_str_has_prefix (welcome, ":irc.test 001 alice :Welcome to confab, alice!alice@confab\r\n"
                                            ":irc.test 002 alice :Your host is irc.test, running confab "));
  g_assert_nonnull (strstr (welcome, "\r\n:irc.test 004 alice irc.test confab-"));
  g_assert_nonnull (strstr (welcome, "\r\n:irc.test 005 alice CASEMAPPING=rfc7613 CHANTYPES=# NICKLEN=32 "
                                     "CHANNELLEN=33 CHANLIMIT=#:2 TARGMAX=PRIVMSG:4,NOTICE:4,JOIN:,PART:,NAMES:1 "
                                     "UTF8ONLY NETWORK=confab PREFIX=(o)@ :are supported by this server\r\n"));
  g_assert_nonnull (strstr (welcome, "\r\n:irc.test 251 alice :There are 3 users and 0 invisible on 1 servers\r\n"
                                     ":irc.test 254 alice 0 :channels formed\r\n"
                                     ":irc.test 255 alice :I have 3 clients and 0 servers\r\n"
                                     ":irc.test 422 alice :MOTD File is missing\r\n"));
  g_assert_true (g_str_has_suffix (welcome, "422 alice :MOTD File is missing\r\n"));
}

/* Each line before registration and the one reply it gets. */
static const struct
{
  const char *line;
  const char *reply;
} registration_cases[] = {
  { "PRIVMSG bob :hi", ":irc.test 451 * :You have not registered\r\n" },
  { "JOIN #tea", ":irc.test 451 * :You have not registered\r\n" },
  { "NICK", ":irc.test 431 * :No nickname given\r\n" },
  { "NICK #tea", ":irc.test 432 * #tea :Erroneous nickname\r\n" },
  { "NICK 9lives", ":irc.test 432 * 9lives :Erroneous nickname\r\n" },
  { "NICK a!b", ":irc.test 432 * a!b :Erroneous nickname\r\n" },
  { "NICK BOB", ":irc.test 433 * BOB :Nickname is already in use\r\n" },
  { "USER alice 0", ":irc.test 461 * USER :Not enough parameters\r\n" },
  { "PING :tok en", ":irc.test PONG irc.test :tok en\r\n" },
  { "PING", ":irc.test 409 * :No origin specified\r\n" },
  { "PONG :x", "" },
  { "", "" },
  { "CAP FOO", ":irc.test 410 * FOO :Invalid CAP command\r\n" },
  { "@a=b", ":irc.test NOTICE * :no command\r\n" },
  { "12 x", ":irc.test NOTICE * :invalid command\r\n" },
};

static void
test_registration_errors (Fixture      *fx,
                          gconstpointer data)
{
  g_autoptr(GString) replies = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *long_line = g_strdup_printf ("PRIVMSG bob :%0511d", 0);

  g_test_summary ("Before registration: 451 for other commands, 431/432/433 at NICK time, 461, "
                  "PING answered, bad lines refused, QUIT closes");

  for (gsize i = 0; i < G_N_ELEMENTS (registration_cases); i++)
    {
      g_string_truncate (replies, 0);
      g_assert_cmpint (register_line (fx, registration_cases[i].line, replies, &error), ==, CONFAB_LOGIN_PENDING);
      g_assert_no_error (error);
      g_assert_cmpstr (replies->str, ==, registration_cases[i].reply);
    }

  g_string_truncate (replies, 0);
  g_assert_cmpint (register_line (fx, long_line, replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test 417 * :Input line was too long\r\n");

  g_assert_cmpint (register_line (fx, "QUIT :bye", replies, &error), ==, CONFAB_LOGIN_REFUSED);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_FAILED);
}

static void
test_chat_across_protocols (Fixture      *fx,
                            gconstpointer data)
{
  g_test_summary ("An IRC nick and text/JSON peers talk both ways (SPEC §10's lines); 401 for "
                  "a missing nick, nothing for a NOTICE; formatting codes stripped");

  register_alice (fx);
  g_free (written (fx, &fx->alice));

  g_assert_true (send_irc (fx, "PRIVMSG bob :hey"));
  assert_written (fx, &fx->bob, "from alice: hey\n");

  send_text (fx, &fx->bob, "alice: hi");
  assert_written (fx, &fx->alice, ":bob!bob@confab PRIVMSG alice :hi\r\n");

  send_text (fx, &fx->carol, "{\"type\":\"message\",\"to\":[\"ALICE\"],\"text\":\"from json\"}");
  assert_written (fx, &fx->alice, ":carol!carol@confab PRIVMSG alice :from json\r\n");

  g_assert_true (send_irc (fx, "PRIVMSG bob,carol :both of you"));
  assert_written (fx, &fx->bob, "from alice: both of you\n");
  {
    g_autofree char *json = written (fx, &fx->carol);

    g_assert_nonnull (strstr (json, "\"text\":\"both of you\""));
  }

  g_assert_true (send_irc (fx, "PRIVMSG nobody :hello?"));
  assert_written (fx, &fx->alice, ":irc.test 401 alice nobody :No such nick/channel\r\n");
  g_assert_true (send_irc (fx, "NOTICE nobody,bob :psst"));
  assert_written (fx, &fx->alice, "");
  assert_written (fx, &fx->bob, "from alice: psst\n");

  g_assert_true (send_irc (fx, "PRIVMSG bob :\x02"
                               "bold\x02 \x03"
                               "04,12red\x0f"));
  assert_written (fx, &fx->bob, "from alice: bold red\n");

  g_assert_true (send_irc (fx, "PRIVMSG a,b,c,d,e :too many"));
  assert_written (fx, &fx->alice, ":irc.test 407 alice a,b,c,d,e :Too many targets\r\n");
  g_assert_true (send_irc (fx, "PRIVMSG bob"));
  assert_written (fx, &fx->alice, ":irc.test 412 alice :No text to send\r\n");

  /* Broadcasts from the server are notices from it. */
  confab_broker_broadcast (fx->broker, "maintenance soon");
  assert_written (fx, &fx->alice, ":irc.test NOTICE alice :maintenance soon\r\n");
}

static void
test_chat_long_lines (Fixture      *fx,
                      gconstpointer data)
{
  g_test_summary ("A chat line to an IRC nick or channel is byte for byte what the IRC "
                  "serializer writes for it, short of, at and past the 512-byte cut, also when "
                  "the cut falls inside a UTF-8 character or between the cuts for the nick "
                  "and for the shared line's \"*\"");

  register_alice (fx);
  g_assert_true (send_irc (fx, "JOIN #r"));
  send_text (fx, &fx->bob, "/join #r");
  g_free (written (fx, &fx->alice));
  g_free (written (fx, &fx->bob));

  /* ":bob!bob@confab PRIVMSG alice :" and CR LF leave 479 bytes for the
   * text; the shared line (target "*") cuts at 483, the room's ("#r") at
   * 482. The text's last 40 bytes are two-byte characters. */
  for (gsize len = 460; len <= 500; len++)
    {
      const char *targets[] = { "alice", "#r" };

      for (gsize t = 0; t < G_N_ELEMENTS (targets); t++)
        {
          g_autoptr(GString) text = g_string_new (NULL);
          g_autoptr(GString) expected = g_string_new (NULL);
          g_autofree char *line = NULL;
          const char      *params[2] = { targets[t], NULL };

          for (gsize i = 0; i < len - 40; i++)
            g_string_append_c (text, 'a' + i % 26);
          for (gsize i = 0; i < 20; i++)
            g_string_append (text, "\xc3\xa9"); /* é */
          params[1] = text->str;
          confab_irc_message_append_text (expected, NULL, "bob!bob@confab", "PRIVMSG", params, 2);
          g_assert_cmpuint (expected->len, <=, CONFAB_IRC_LINE_MAX);

          line = g_strdup_printf ("%s: %s", targets[t], text->str);
          send_text (fx, &fx->bob, line);
          assert_written (fx, &fx->alice, expected->str);
        }
    }
}

static void
test_channels (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char *list = NULL;

  g_test_summary ("JOIN, PART, TOPIC, NAMES, LIST, MODE on rooms shared with text peers, and "
                  "the numerics of their refusals");

  register_alice (fx);
  g_free (written (fx, &fx->alice));

  g_assert_true (send_irc (fx, "JOIN #tea"));
  assert_written (fx, &fx->alice, ":alice!alice@confab JOIN #tea\r\n"
                                  ":irc.test 353 alice = #tea :@alice\r\n"
                                  ":irc.test 366 alice #tea :End of /NAMES list\r\n");

  send_text (fx, &fx->bob, "/join #Tea");
  assert_written (fx, &fx->alice, ":bob!bob@confab JOIN #tea\r\n");
  g_free (written (fx, &fx->bob));

  send_text (fx, &fx->bob, "#tea: hello");
  assert_written (fx, &fx->alice, ":bob!bob@confab PRIVMSG #tea :hello\r\n");
  g_assert_true (send_irc (fx, "PRIVMSG #TEA :hi room"));
  assert_written (fx, &fx->bob, "from alice in #tea: hi room\n");

  g_assert_true (send_irc (fx, "TOPIC #tea :oolong only"));
  assert_written (fx, &fx->alice, ":alice!alice@confab TOPIC #tea :oolong only\r\n");
  assert_written (fx, &fx->bob, "topic #tea: oolong only\n");
  g_assert_true (send_irc (fx, "TOPIC #tea"));
  {
    g_autofree char *reply = written (fx, &fx->alice);

    g_assert_true (g_str_has_prefix (reply, ":irc.test 332 alice #tea :oolong only\r\n"
                                            ":irc.test 333 alice #tea alice!alice@confab "));
  }

  g_assert_true (send_irc (fx, "NAMES #tea"));
  assert_written (fx, &fx->alice, ":irc.test 353 alice = #tea :@alice bob\r\n"
                                  ":irc.test 366 alice #tea :End of /NAMES list\r\n");
  g_assert_true (send_irc (fx, "MODE #tea"));
  assert_written (fx, &fx->alice, ":irc.test 324 alice #tea :+\r\n");
  g_assert_true (send_irc (fx, "MODE #tea b"));
  assert_written (fx, &fx->alice, ":irc.test 368 alice #tea :End of channel ban list\r\n");

  g_assert_true (send_irc (fx, "WHO #tea"));
  assert_written (fx, &fx->alice, ":irc.test 352 alice #tea alice confab irc.test alice H :0 alice\r\n"
                                  ":irc.test 352 alice #tea bob confab irc.test bob H :0 bob\r\n"
                                  ":irc.test 315 alice #tea :End of WHO list\r\n");
  g_assert_true (send_irc (fx, "WHO Bob"));
  assert_written (fx, &fx->alice, ":irc.test 352 alice * bob confab irc.test bob H :0 bob\r\n"
                                  ":irc.test 315 alice Bob :End of WHO list\r\n");
  g_assert_true (send_irc (fx, "WHOIS nobody"));
  assert_written (fx, &fx->alice, ":irc.test 401 alice nobody :No such nick/channel\r\n"
                                  ":irc.test 318 alice nobody :End of /WHOIS list\r\n");
  g_assert_true (send_irc (fx, "WHOIS BOB"));
  {
    g_autofree char *reply = written (fx, &fx->alice);

    g_assert_true (g_str_has_prefix (reply, ":irc.test 311 alice bob bob confab * :bob\r\n"
                                            ":irc.test 319 alice bob :#tea\r\n"
                                            ":irc.test 312 alice bob irc.test :confab\r\n"
                                            ":irc.test 317 alice bob 0 "));
    g_assert_true (g_str_has_suffix (reply, ":irc.test 318 alice bob :End of /WHOIS list\r\n"));
  }

  g_assert_true (send_irc (fx, "LIST"));
  list = written (fx, &fx->alice);
  g_assert_cmpstr (list, ==, ":irc.test 321 alice Channel :Users  Name\r\n"
                             ":irc.test 322 alice #tea 2 :oolong only\r\n"
                             ":irc.test 323 alice :End of /LIST\r\n");

  /* rooms_per_peer_max is 2 here. */
  g_assert_true (send_irc (fx, "JOIN #a,#b"));
  {
    g_autofree char *reply = written (fx, &fx->alice);

    g_assert_true (g_str_has_prefix (reply, ":alice!alice@confab JOIN #a\r\n"));
    g_assert_true (g_str_has_suffix (reply, ":irc.test 405 alice #b :too many rooms joined (limit 2)\r\n"));
  }
  g_assert_true (send_irc (fx, "PRIVMSG #nowhere :x"));
  assert_written (fx, &fx->alice, ":irc.test 403 alice #nowhere :No such channel\r\n");
  send_text (fx, &fx->bob, "/join #b");
  g_free (written (fx, &fx->bob));
  g_assert_true (send_irc (fx, "PRIVMSG #b :x"));
  assert_written (fx, &fx->alice, ":irc.test 404 alice #b :Cannot send to channel\r\n");
  g_assert_true (send_irc (fx, "PART #b"));
  assert_written (fx, &fx->alice, ":irc.test 442 alice #b :You're not on that channel\r\n");

  g_assert_true (send_irc (fx, "PART #tea"));
  assert_written (fx, &fx->alice, ":alice!alice@confab PART #tea\r\n");
  assert_written (fx, &fx->bob, "part #tea: alice\n");

  g_assert_true (send_irc (fx, "JOIN 0"));
  assert_written (fx, &fx->alice, ":alice!alice@confab PART #a\r\n");
}

static void
test_commands (Fixture      *fx,
               gconstpointer data)
{
  g_test_summary ("PING, CAP after registration, re-registration, unknown commands, "
                  "echo-message and QUIT");

  register_alice (fx);
  g_free (written (fx, &fx->alice));

  g_assert_true (send_irc (fx, "PING :12345"));
  assert_written (fx, &fx->alice, ":irc.test PONG irc.test :12345\r\n");
  g_assert_true (send_irc (fx, "USER a b c d"));
  assert_written (fx, &fx->alice, ":irc.test 462 alice :You may not reregister\r\n");
  g_assert_true (send_irc (fx, "FROB x"));
  assert_written (fx, &fx->alice, ":irc.test 421 alice FROB :Unknown command\r\n");
  g_assert_true (send_irc (fx, "MODE alice"));
  assert_written (fx, &fx->alice, ":irc.test 221 alice :+\r\n");

  g_assert_true (send_irc (fx, "CAP REQ echo-message"));
  assert_written (fx, &fx->alice, ":irc.test CAP alice ACK :echo-message\r\n");
  g_assert_true (send_irc (fx, "PRIVMSG bob :echoed"));
  assert_written (fx, &fx->alice, ":alice!alice@confab PRIVMSG bob :echoed\r\n");
  assert_written (fx, &fx->bob, "from alice: echoed\n");

  g_assert_false (send_irc (fx, "QUIT :bye"));
  assert_written (fx, &fx->alice, "ERROR :Closing link (quit)\r\n");
}

static void
test_kick (Fixture      *fx,
           gconstpointer data)
{
  g_test_summary ("KICK by the room's operator (its creator): IRC sees KICK, text a part, JSON a "
                  "part with by and reason; 482, 441, 401 and 461 for the refusals");

  register_alice (fx);
  g_free (written (fx, &fx->alice));

  g_assert_true (send_irc (fx, "JOIN #tea"));
  send_text (fx, &fx->bob, "/join #tea");
  send_text (fx, &fx->carol, "{\"type\":\"join\",\"room\":\"#tea\"}");
  g_free (written (fx, &fx->alice));
  g_free (written (fx, &fx->bob));
  g_free (written (fx, &fx->carol));

  g_assert_true (send_irc (fx, "KICK #tea Bob :spamming"));
  assert_written (fx, &fx->alice, ":alice!alice@confab KICK #tea bob :spamming\r\n");
  assert_written (fx, &fx->bob, "part #tea: bob\n");
  {
    g_autofree char *json = written (fx, &fx->carol);

    g_assert_true (g_str_has_prefix (json, "{\"type\":\"part\",\"room\":\"#tea\",\"name\":\"bob\","
                                           "\"by\":\"alice\",\"reason\":\"spamming\",\"time\":"));
  }

  g_assert_true (send_irc (fx, "KICK #tea bob"));
  assert_written (fx, &fx->alice, ":irc.test 441 alice bob #tea :They aren't on that channel\r\n");
  g_assert_true (send_irc (fx, "KICK #tea nobody"));
  assert_written (fx, &fx->alice, ":irc.test 401 alice nobody :No such nick/channel\r\n");
  g_assert_true (send_irc (fx, "KICK #tea"));
  assert_written (fx, &fx->alice, ":irc.test 461 alice KICK :Not enough parameters\r\n");
  g_assert_true (send_irc (fx, "KICK #elsewhere bob"));
  assert_written (fx, &fx->alice, ":irc.test 403 alice #elsewhere :No such channel\r\n");

  /* bob's own room: alice is a member there, not its operator. */
  send_text (fx, &fx->bob, "/join #b");
  g_assert_true (send_irc (fx, "JOIN #b"));
  g_free (written (fx, &fx->alice));
  g_assert_true (send_irc (fx, "KICK #b bob"));
  assert_written (fx, &fx->alice, ":irc.test 482 alice #b :You're not channel operator\r\n");

  /* The operator leaves: the room has none, even when it comes back. */
  g_assert_true (send_irc (fx, "PART #tea"));
  g_assert_true (send_irc (fx, "JOIN #tea"));
  g_free (written (fx, &fx->alice));
  g_assert_true (send_irc (fx, "KICK #tea carol"));
  assert_written (fx, &fx->alice, ":irc.test 482 alice #tea :You're not channel operator\r\n");
}

static void
test_final_errors (Fixture      *fx,
                   gconstpointer data)
{
  g_test_summary ("A kick reaches an IRC user as ERROR; a closing error line is ERROR too");

  register_alice (fx);
  g_free (written (fx, &fx->alice));

  g_assert_true (confab_broker_kick (fx->broker, "alice", "spam", NULL));
  assert_written (fx, &fx->alice, "ERROR :kicked: spam\r\n");
  g_clear_pointer (&fx->alice.entry, confab_broker_peer_unref);

  {
    g_autoptr(GBytes) line = confab_codec_encode_error (&confab_codec_irc, CONFAB_ERROR_LOGIN_TIMEOUT,
                                                         "login timeout");

    g_assert_cmpmem (g_bytes_get_data (line, NULL), g_bytes_get_size (line),
                     "ERROR :login timeout\r\n", strlen ("ERROR :login timeout\r\n"));
  }
}

/* The MOTD of [irc] motd_file: 375, a 372 per line, 376, at
 * registration and on MOTD; what the file holds cannot break a line. */
static void
test_motd (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(GString) motd = g_string_new ("Welcome\r\n\tto \001confab\xff\n");
  g_autoptr(ConfabIrcServer) server = NULL;
  g_autofree char *welcome = NULL;
  g_autofree char *expected = NULL;
  g_autoptr(GString) long_line = g_string_new (NULL);

  g_test_summary ("The MOTD file's lines as 372s, cleaned and cut at a character boundary");

  for (guint i = 0; i < 400; i++)
    g_string_append (motd, "é");
  g_string_append (motd, "\n");
  /* 350 bytes hold 175 two-byte characters. */
  for (guint i = 0; i < 175; i++)
    g_string_append (long_line, "é");

  server = confab_irc_server_new ("irc.test", motd->str);
  g_assert_cmpuint (confab_irc_server_get_n_motd_lines (server), ==, 3);
  confab_irc_client_free (fx->irc);
  fx->irc = confab_irc_client_new (server);
  fx->alice.irc = fx->irc;

  register_alice (fx);
  welcome = written (fx, &fx->alice);
  expected = g_strdup_printf (":irc.test 375 alice :- irc.test Message of the day - \r\n"
                              ":irc.test 372 alice :- Welcome\r\n"
                              ":irc.test 372 alice :-  to  confab\xef\xbf\xbd\r\n"
                              ":irc.test 372 alice :- %s\r\n"
                              ":irc.test 376 alice :End of /MOTD command.\r\n",
                              long_line->str);
  g_assert_true (g_str_has_suffix (welcome, expected));
  g_assert_null (strstr (welcome, " 422 "));

  g_assert_true (send_irc (fx, "MOTD"));
  assert_written (fx, &fx->alice, expected);

  /* An empty file is no MOTD. */
  g_clear_pointer (&server, confab_irc_server_unref);
  server = confab_irc_server_new ("irc.test", "");
  g_assert_cmpuint (confab_irc_server_get_n_motd_lines (server), ==, 0);
}

/* One SASL line; the step, with its replies in @replies (emptied first). */
static ConfabLoginStep
sasl_line (Fixture    *fx,
           const char *line,
           GString    *replies,
           GError    **error)
{
  g_string_truncate (replies, 0);
  return register_line (fx, line, replies, error);
}

static void
test_sasl (Fixture      *fx,
           gconstpointer data)
{
  static const char certfp[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  g_autofree char  *accounts_text = g_strdup_printf ("dave:$y$j9T$salt$hash\nerin:$y$j9T$salt$hash:certfp=%s\n",
                                                     certfp);
  g_autoptr(ConfabAccounts) accounts = confab_accounts_load_data (accounts_text, -1, FALSE, NULL);
  g_autoptr(GString) replies = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *plain_line = NULL;
  const char       dave_plain[] = "\0dave\0hunter2";

  g_test_summary ("SASL offered only with accounts on a secure connection; PLAIN hands its password "
                  "to the connection and answers 900/903 or 904; EXTERNAL decided on the certificate's "
                  "fingerprint; bad exchanges numbered; registration ends under the account's name");

  g_assert_nonnull (accounts);

  /* Plain TCP, or no accounts: no sasl at all. */
  g_assert_cmpint (sasl_line (fx, "CAP LS 302", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * LS :" CONFAB_IRC_CAPS_OFFERED "\r\n");
  fx->alice.accounts = accounts;
  g_assert_cmpint (sasl_line (fx, "CAP REQ sasl", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * NAK :sasl\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test 904 * :SASL authentication failed: sasl was not negotiated\r\n");

  /* TLS without a client certificate: PLAIN only; with one, EXTERNAL too. */
  fx->alice.secure = TRUE;
  g_assert_cmpint (sasl_line (fx, "CAP LS 302", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * LS :" CONFAB_IRC_CAPS_OFFERED " sasl=PLAIN\r\n");
  fx->alice.certfp = certfp;
  g_assert_cmpint (sasl_line (fx, "CAP LS 302", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * LS :" CONFAB_IRC_CAPS_OFFERED " sasl=PLAIN,EXTERNAL\r\n");
  g_assert_cmpint (sasl_line (fx, "CAP REQ :sasl server-time", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * ACK :sasl server-time\r\n");
  g_assert_cmpint (sasl_line (fx, "CAP LIST", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test CAP * LIST :server-time sasl\r\n");

  /* Bad exchanges. */
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test 461 * AUTHENTICATE :Not enough parameters\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE SCRAM-SHA-256", replies, &error), ==, CONFAB_LOGIN_SASL_FAILED);
  g_assert_cmpstr (replies->str, ==,
                   ":irc.test 908 * PLAIN,EXTERNAL :are available SASL mechanisms\r\n"
                   ":irc.test 904 * :SASL authentication failed\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, "AUTHENTICATE +\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE *", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test 906 * :SASL authentication aborted\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE plain", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE not-base64!", replies, &error), ==, CONFAB_LOGIN_SASL_FAILED);
  g_assert_cmpstr (replies->str, ==, ":irc.test 904 * :SASL authentication failed: invalid base64\r\n");
  {
    g_autofree char *chunk = g_strnfill (400, 'A');
    g_autofree char *line = g_strconcat ("AUTHENTICATE ", chunk, NULL);
    g_autofree char *longer = g_strconcat ("AUTHENTICATE A", chunk, NULL);

    g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
    g_assert_cmpint (sasl_line (fx, longer, replies, &error), ==, CONFAB_LOGIN_PENDING);
    g_assert_cmpstr (replies->str, ==, ":irc.test 905 * :SASL message too long\r\n");
    g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
    for (guint i = 0; i < 5; i++)
      g_assert_cmpint (sasl_line (fx, line, replies, &error), ==, CONFAB_LOGIN_PENDING);
    g_assert_cmpstr (replies->str, ==, "");
    g_assert_cmpint (sasl_line (fx, line, replies, &error), ==, CONFAB_LOGIN_PENDING);
    g_assert_cmpstr (replies->str, ==, ":irc.test 905 * :SASL message too long\r\n");
  }
  /* PLAIN for someone else, or without its NULs: refused as failures,
   * the third of which closes. */
  {
    const char       other[] = "erin\0dave\0pw";
    g_autofree char *b64 = g_base64_encode ((const guchar *) other, sizeof other - 1);
    g_autofree char *line = g_strconcat ("AUTHENTICATE ", b64, NULL);

    g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
    g_assert_cmpint (sasl_line (fx, line, replies, &error), ==, CONFAB_LOGIN_REFUSED);
    g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_AUTHENTICATION_FAILED);
    g_assert_cmpstr (replies->str, ==, ":irc.test 904 * :SASL authentication failed\r\n");
    g_clear_error (&error);
    fx->irc->sasl_failures = 0;
  }

  /* PLAIN: the password goes to the connection to check. */
  plain = g_base64_encode ((const guchar *) dave_plain, sizeof dave_plain - 1);
  plain_line = g_strconcat ("AUTHENTICATE ", plain, NULL);
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, plain_line, replies, &error), ==, CONFAB_LOGIN_CHECK_SASL);
  g_assert_cmpstr (fx->irc->sasl_password, ==, "hunter2");
  g_string_truncate (replies, 0);
  g_assert_cmpint (confab_session_irc_sasl_checked (&fx->alice, FALSE, replies, &error), ==,
                   CONFAB_LOGIN_SASL_FAILED);
  g_assert_cmpstr (replies->str, ==, ":irc.test 904 * :SASL authentication failed\r\n");
  g_assert_null (fx->irc->sasl_password);
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE PLAIN", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, plain_line, replies, &error), ==, CONFAB_LOGIN_CHECK_SASL);
  g_string_truncate (replies, 0);
  g_assert_cmpint (confab_session_irc_sasl_checked (&fx->alice, TRUE, replies, &error), ==,
                   CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==,
                   ":irc.test 900 * dave!dave@confab dave :You are now logged in as dave\r\n"
                   ":irc.test 903 * :SASL authentication successful\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE EXTERNAL", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test 907 * :You have already authenticated using SASL\r\n");

  /* Registration ends under the account's name, whatever NICK said. */
  g_assert_cmpint (sasl_line (fx, "NICK somebody", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "USER x 0 * :X", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "CAP END", replies, &error), ==, CONFAB_LOGIN_JOIN);
  g_assert_cmpstr (fx->irc->nick, ==, "dave");
  g_assert_no_error (error);
}

static void
test_sasl_external (Fixture      *fx,
                    gconstpointer data)
{
  static const char certfp[] = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
  g_autofree char  *accounts_text = g_strdup_printf ("dave:$y$j9T$salt$hash\nerin:$y$j9T$salt$hash:certfp=%s\n",
                                                     certfp);
  g_autoptr(ConfabAccounts) accounts = confab_accounts_load_data (accounts_text, -1, FALSE, NULL);
  g_autoptr(GString) replies = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *dave = g_base64_encode ((const guchar *) "dave", 4);
  g_autofree char *dave_line = g_strconcat ("AUTHENTICATE ", dave, NULL);

  g_test_summary ("SASL EXTERNAL: the account that lists the client certificate, named or not; "
                  "another account's name is refused; a CAP END mid-exchange aborts it");

  fx->alice.accounts = accounts;
  fx->alice.secure = TRUE;
  fx->alice.certfp = certfp;
  g_assert_cmpint (sasl_line (fx, "CAP REQ sasl", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE EXTERNAL", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, dave_line, replies, &error), ==, CONFAB_LOGIN_SASL_FAILED);
  g_assert_cmpstr (replies->str, ==, ":irc.test 904 * :SASL authentication failed\r\n");
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE EXTERNAL", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "CAP END", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==, ":irc.test 906 * :SASL authentication aborted\r\n");

  g_assert_cmpint (sasl_line (fx, "CAP REQ sasl", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE EXTERNAL", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "AUTHENTICATE +", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpstr (replies->str, ==,
                   ":irc.test 900 * erin!erin@confab erin :You are now logged in as erin\r\n"
                   ":irc.test 903 * :SASL authentication successful\r\n");
  g_assert_cmpint (sasl_line (fx, "NICK erin", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "USER x 0 * :X", replies, &error), ==, CONFAB_LOGIN_PENDING);
  g_assert_cmpint (sasl_line (fx, "CAP END", replies, &error), ==, CONFAB_LOGIN_JOIN);
  g_assert_no_error (error);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("/session/irc/registration", test_registration);
  ADD ("/session/irc/registration-errors", test_registration_errors);
  ADD ("/session/irc/chat-across-protocols", test_chat_across_protocols);
  ADD ("/session/irc/chat-long-lines", test_chat_long_lines);
  ADD ("/session/irc/channels", test_channels);
  ADD ("/session/irc/commands", test_commands);
  ADD ("/session/irc/kick", test_kick);
  ADD ("/session/irc/final-errors", test_final_errors);
  ADD ("/session/irc/motd", test_motd);
  ADD ("/session/irc/sasl", test_sasl);
  ADD ("/session/irc/sasl-external", test_sasl_external);

  return g_test_run ();
}
