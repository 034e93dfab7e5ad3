/* confab-session-irc.c: the IRC front door's session (SPEC §10).
 *
 * IRC is more than a line format: a client registers over several lines
 * (CAP negotiation, NICK, USER) before it is anyone, and then speaks
 * commands that confab's other protocols do not have (PING, MODE, WHO).
 * This file reads IRC lines (parsed by confab-irc-message.c) and does
 * what they ask with the same broker calls and routing as the text and
 * JSON sessions, so an IRC nick is a confab name and a channel a room.
 * What the broker sends back (chat, joins, errors) the IRC codec writes;
 * replies to IRC's own commands are made here, as protocol lines queued
 * in order with the rest.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-irc-message.h"
#include "confab-name-key.h"
#include "confab-names.h"
#include "confab-session-irc-private.h"
#include "confab-session-private.h"
#include "confab-validate.h"

ConfabIrcClient *
confab_irc_client_new (ConfabIrcServer *server)
{
  ConfabIrcClient *client = g_new0 (ConfabIrcClient, 1);

  client->server = confab_irc_server_ref (server);
  client->peer.server_name = confab_irc_server_get_name (server);
  client->replies = g_string_new (NULL);
  return client;
}

/* After registration the password has done its job. */
void
confab_irc_client_forget_password (ConfabIrcClient *client)
{
  if (client->password != NULL)
    explicit_bzero (client->password, strlen (client->password));
  g_clear_pointer (&client->password, g_free);
}

void
confab_irc_client_free (ConfabIrcClient *client)
{
  if (client == NULL)
    return;
  confab_irc_client_forget_password (client);
  confab_irc_client_forget_sasl (client);
  g_free (client->sasl_authcid);
  g_free (client->sasl_account);
  g_free (client->nick);
  g_string_free (client->replies, TRUE);
  confab_irc_server_unref (client->server);
  g_free (client);
}

/* ---- replies ------------------------------------------------------------ */

/* Queues what @line holds for this connection, behind what is queued. */
void
confab_session_irc_reply_line (const ConfabSession *session,
                               GString             *line)
{
  g_autoptr(ConfabMessage) message = NULL;

  if (line->len == 0)
    return;
  message = confab_message_new_protocol_line (line->str, line->len);
  confab_broker_peer_push_reply (session->entry, message);
}

void
confab_session_irc_numeric (GString               *out,
                            const ConfabIrcClient *client,
                            const char            *code,
                            const char * const    *params,
                            guint                  n_params)
{
  confab_irc_append_numeric (out, &client->peer, code, params, n_params);
}

/* ":server PONG server :token" */
void
confab_session_irc_pong (GString               *out,
                         const ConfabIrcClient *client,
                         const char            *token)
{
  const char *params[] = { client->peer.server_name, token };

  confab_irc_message_append_text (out, NULL, client->peer.server_name, "PONG", params, 2);
}

void
confab_session_irc_need_more_params (GString               *out,
                                     const ConfabIrcClient *client,
                                     const char            *command)
{
  NUMERIC (out, client, "461", command, "Not enough parameters");
}

/* ---- the welcome ---------------------------------------------------------- */

/* "KEY=VALUE ..." tokens of RPL_ISUPPORT, at most 13 per line. */
static void
isupport (GString               *out,
          const ConfabSession   *session,
          const ConfabIrcClient *client)
{
  ConfabBrokerLimits limits;
  g_autofree char   *chanlimit = NULL;
  g_autofree char   *targmax = NULL;

  /* A room is '#' and a confab name (confab_validate_room_name()). */
  g_autofree char *channellen = g_strdup_printf ("CHANNELLEN=%u", 1 + CONFAB_NAME_MAX_CHARS);

  confab_broker_get_limits (session->broker, &limits);
  chanlimit = g_strdup_printf ("CHANLIMIT=#:%u", limits.rooms_per_peer_max);
  targmax = g_strdup_printf ("TARGMAX=PRIVMSG:%u,NOTICE:%u,JOIN:,PART:,NAMES:1",
                             session->recipients_max, session->recipients_max);
  /* CASEMAPPING: confab compares names after NFKC and full case folding
   * (confab-name-key.c); rfc7613 (PRECIS) is the mapping that says
   * "Unicode, case-insensitive" to clients. */
  NUMERIC (out, client, "005", "CASEMAPPING=rfc7613", "CHANTYPES=#", "NICKLEN=" G_STRINGIFY (CONFAB_IRC_NICK_MAX),
           channellen, chanlimit, targmax, "UTF8ONLY",
           "NETWORK=confab", "PREFIX=(o)@", "are supported by this server");
  if (session->history != NULL)
    {
      g_autofree char *chathistory = g_strdup_printf ("CHATHISTORY=%u", session->history_replay_max);

      NUMERIC (out, client, "005", chathistory, "MSGREFTYPES=msgid,timestamp", "are supported by this server");
    }
}

/**
 * confab_session_irc_welcome:
 *
 * Queues the lines that end registration, once the nick is taken:
 * 001 to 005, the LUSERS numerics and the MOTD (or 422).
 */
void
confab_session_irc_welcome (const ConfabSession *session)
{
  ConfabIrcClient *client = session->irc;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *welcome = NULL;
  g_autofree char *host = NULL;
  g_autofree char *users = NULL;
  g_autofree char *rooms = NULL;
  g_autofree char *mine = NULL;
  guint            n_peers = confab_broker_get_n_peers (session->broker);

  g_return_if_fail (client != NULL && session->entry != NULL);

  client->registered = TRUE;
  client->peer.nick = confab_broker_peer_get_name (session->entry);

  welcome = g_strdup_printf ("Welcome to confab, %s!%s@" CONFAB_IRC_USER_HOST,
                             client->peer.nick, client->peer.nick);
  host = g_strdup_printf ("Your host is %s, running confab " PACKAGE_VERSION, client->peer.server_name);
  NUMERIC (out, client, "001", welcome);
  NUMERIC (out, client, "002", host);
  NUMERIC (out, client, "003", "This server was created for the chat you are in");
  NUMERIC (out, client, "004", client->peer.server_name, "confab-" PACKAGE_VERSION, "i", "nt");
  isupport (out, session, client);

  users = g_strdup_printf ("There are %u users and 0 invisible on 1 servers", n_peers);
  rooms = g_strdup_printf ("%u", confab_broker_get_n_rooms (session->broker));
  mine = g_strdup_printf ("I have %u clients and 0 servers", n_peers);
  NUMERIC (out, client, "251", users);
  NUMERIC (out, client, "254", rooms, "channels formed");
  NUMERIC (out, client, "255", mine);
  confab_irc_server_append_motd (client->server, &client->peer, out);
  confab_session_irc_reply_line (session, out);
}

/* ---- after registration ------------------------------------------------- */

/* IRC's formatting codes (bold, colour, italics, …) in @text, taken out
 * in place: confab's other protocols carry no control characters, and a
 * text peer would see them raw. */
static void
strip_formatting (char *text)
{
  char *out = text;

  for (char *p = text; *p != '\0'; p++)
    {
      switch (*p)
        {
        case 0x02:
        case 0x0f:
        case 0x11:
        case 0x16:
        case 0x1d:
        case 0x1e:
        case 0x1f:
          break;
        case 0x03: /* colour: up to two digits, and ",NN" for the background */
          for (int i = 0; i < 2 && g_ascii_isdigit (p[1]); i++)
            p++;
          if (p[1] == ',' && g_ascii_isdigit (p[2]))
            {
              p++;
              for (int i = 0; i < 2 && g_ascii_isdigit (p[1]); i++)
                p++;
            }
          break;
        default:
          *out++ = *p;
        }
    }
  *out = '\0';
}

/* Whether @target may be named without an error: a NOTICE never causes
 * one (RFC 2812 3.3.2), so its missing targets are left out instead. */
static gboolean
target_exists (const ConfabSession *session,
               const char          *target)
{
  if (confab_is_room_name (target))
    return confab_broker_check_room_member (session->broker, session->entry, target, NULL) != NULL;
  return confab_broker_lookup (session->broker, target) != NULL;
}

/* The most targets a param shorter than a line can name: 511 bytes of
 * "a,b,..." hold 256. */
#define CHAT_TARGETS_MAX (CONFAB_IRC_LINE_MAX / 2)

/* PRIVMSG and NOTICE: names and channels, comma-separated, one text.
 *
 * Once per chat line, so nothing is allocated: a param of a parsed line
 * is shorter than the line's 512 bytes, so the targets and the text are
 * copied to the stack and split and cleaned there. */
static void
chat (const ConfabSession    *session,
      const ConfabIrcMessage *message,
      GString                *out)
{
  ConfabIrcClient *client = session->irc;
  gboolean         notice = g_str_equal (message->command, "NOTICE");
  char             targets[CONFAB_IRC_LINE_MAX];
  char             text[CONFAB_IRC_LINE_MAX];
  const char      *to[CHAT_TARGETS_MAX];
  guint            n_to = 0;
  gsize            targets_len, text_len;
  g_autoptr(GError) error = NULL;
  ConfabRequest request;

  if (message->n_params < 1 || message->params[0][0] == '\0')
    {
      if (!notice)
        NUMERIC (out, client, "411", "No recipient given (PRIVMSG)");
      return;
    }
  if (message->n_params < 2 || message->params[1][0] == '\0')
    {
      if (!notice)
        NUMERIC (out, client, "412", "No text to send");
      return;
    }
  targets_len = strlen (message->params[0]);
  text_len = strlen (message->params[1]);
  /* confab_irc_message_parse() refuses a longer line. */
  g_return_if_fail (targets_len < sizeof targets && text_len < sizeof text);

  memcpy (text, message->params[1], text_len + 1);
  strip_formatting (text);
  if (text[0] == '\0')
    return; /* nothing but formatting */
  if (!confab_validate_text (text, -1, &error))
    {
      if (!notice)
        confab_irc_append_error (out, &client->peer, error->code, error->message);
      return;
    }

  /* Split at the commas, leaving out empty targets (and, for a NOTICE,
   * those that do not exist). */
  memcpy (targets, message->params[0], targets_len + 1);
  for (char *p = targets, *comma; p != NULL; p = comma != NULL ? comma + 1 : NULL)
    {
      comma = strchr (p, ',');
      if (comma != NULL)
        *comma = '\0';
      if (p[0] == '\0' || (notice && !target_exists (session, p)))
        continue;
      g_assert (n_to < G_N_ELEMENTS (to));
      to[n_to++] = p;
    }
  if (n_to > session->recipients_max)
    {
      NUMERIC (out, client, "407", message->params[0], "Too many targets");
      return;
    }
  if (n_to == 0)
    return;

  /* Only the head: the storage is the codecs' (a text line's array of
   * 1024 recipients), and zeroing it cost more than the rest of a
   * message's routing. */
  request.kind = CONFAB_REQUEST_MESSAGE;
  request.name = NULL;
  request.to = to;
  request.n_to = n_to;
  request.text = text;
  request.text_len = strlen (text);
  request.room = NULL;
  request.clear = NULL;
  confab_session_send_message (session, &request);

  /* echo-message: the sender sees its own line as the others do. */
  if (client->peer.flags & CONFAB_IRC_CAP_ECHO_MESSAGE)
    for (guint i = 0; i < n_to; i++)
      {
        g_autofree char *source = NULL;
        g_autoptr(GString) source_str = g_string_new (NULL);
        const char *params[] = { to[i], text };

        confab_irc_append_source (source_str, client->peer.nick);
        source = g_string_free (g_steal_pointer (&source_str), FALSE);
        if (client->peer.flags & CONFAB_IRC_CAP_SERVER_TIME)
          confab_irc_append_time_tag (out, g_get_real_time ());
        confab_irc_message_append_text (out, NULL, source, message->command, params, 2);
      }
}

/* 332 and 333 if the room has a topic, 331 if not. */
static void
topic_reply (GString               *out,
             const ConfabIrcClient *client,
             ConfabBrokerRoom      *room,
             gboolean               say_none)
{
  const char *name = confab_broker_room_get_name (room);
  const char *topic = confab_broker_room_get_topic (room);

  if (*topic == '\0')
    {
      if (say_none)
        NUMERIC (out, client, "331", name, "No topic is set");
      return;
    }
  NUMERIC (out, client, "332", name, topic);
  {
    g_autofree char *when = g_strdup_printf ("%" G_GINT64_FORMAT,
                                             confab_broker_room_get_topic_time (room) / G_USEC_PER_SEC);
    const char      *setter = confab_broker_room_get_topic_setter (room);
    g_autoptr(GString) source = g_string_new (NULL);

    if (setter == NULL || g_str_equal (setter, CONFAB_SERVER_SENDER))
      g_string_append (source, client->peer.server_name);
    else
      confab_irc_append_source (source, setter);
    NUMERIC (out, client, "333", name, source->str, when);
  }
}

/* 353 and 366: the room's members, through the codec's writer. */
static void
names_reply (GString               *out,
             const ConfabIrcClient *client,
             ConfabBrokerRoom      *room)
{
  g_autoptr(ConfabMessage) members = confab_broker_room_new_members_message (room);

  confab_irc_codec_append_names (out, &client->peer, members, confab_broker_room_get_operator (room));
}

/* A refusal from the broker about a channel, as IRC numbers it. */
static void
channel_error (GString               *out,
               const ConfabIrcClient *client,
               const char            *channel,
               const GError          *error,
               gboolean               parting)
{
  switch (error->code)
    {
    case CONFAB_ERROR_TOO_MANY_ROOMS:
      NUMERIC (out, client, "405", channel, error->message);
      break;
    case CONFAB_ERROR_ROOM_FULL:
      NUMERIC (out, client, "471", channel, "Cannot join channel (+l)");
      break;
    case CONFAB_ERROR_NOT_IN_ROOM:
      NUMERIC (out, client, parting ? "442" : "404", channel,
               parting ? "You're not on that channel" : "Cannot send to channel");
      break;
    case CONFAB_ERROR_NO_SUCH_ROOM:
    case CONFAB_ERROR_INVALID_ROOM_NAME:
    default:
      NUMERIC (out, client, "403", channel, "No such channel");
      break;
    }
}

/* KICK #room nick[,nick] [:reason], by the room's operator. */
static void
kick (const ConfabSession    *session,
      const ConfabIrcMessage *message,
      GString                *out)
{
  ConfabIrcClient *client = session->irc;
  const char      *channel;
  g_auto(GStrv) nicks = NULL;

  if (message->n_params < 2)
    {
      confab_session_irc_need_more_params (out, client, "KICK");
      return;
    }
  channel = message->params[0];
  nicks = g_strsplit (message->params[1], ",", -1);
  for (guint i = 0; nicks[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (nicks[i][0] == '\0')
        continue;
      confab_session_irc_reply_line (session, out);
      g_string_truncate (out, 0);
      if (confab_broker_kick_from_room (session->broker, session->entry, channel, nicks[i],
                                        message->n_params >= 3 ? message->params[2] : "", &error))
        continue;
      if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_NOT_ROOM_OPERATOR))
        NUMERIC (out, client, "482", channel, "You're not channel operator");
      else if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_NO_SUCH_PEER))
        NUMERIC (out, client, "401", nicks[i], "No such nick/channel");
      else if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_NOT_IN_ROOM) &&
               confab_broker_check_room_member (session->broker, session->entry, channel, NULL) != NULL)
        NUMERIC (out, client, "441", nicks[i], channel, "They aren't on that channel");
      else
        channel_error (out, client, channel, error, TRUE);
    }
}

/* JOIN #a,#b, or JOIN 0 to leave every channel. The join itself goes out
 * from the broker to every member, the joiner first among them; then the
 * joiner gets the topic and the names. */
static void
join (const ConfabSession    *session,
      const ConfabIrcMessage *message,
      GString                *out)
{
  ConfabIrcClient *client = session->irc;
  g_auto(GStrv) channels = NULL;

  if (message->n_params < 1)
    {
      confab_session_irc_need_more_params (out, client, "JOIN");
      return;
    }
  if (g_str_equal (message->params[0], "0"))
    {
      g_autoptr(GPtrArray) rooms = confab_broker_list_rooms (session->broker);

      for (guint i = 0; i < rooms->len; i++)
        confab_broker_part_room (session->broker, session->entry,
                                 confab_broker_room_get_name (g_ptr_array_index (rooms, i)), NULL);
      return;
    }

  channels = g_strsplit (message->params[0], ",", -1);
  for (guint i = 0; channels[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      ConfabBrokerRoom *room;

      if (channels[i][0] == '\0')
        continue;
      if (!confab_irc_channel_is_valid (channels[i]))
        {
          NUMERIC (out, client, "403", channels[i], "No such channel");
          continue;
        }
      /* What was answered so far goes out before the JOIN the broker
       * queues. */
      confab_session_irc_reply_line (session, out);
      g_string_truncate (out, 0);
      room = confab_broker_join_room (session->broker, session->entry, channels[i], NULL, &error);
      if (room == NULL)
        {
          channel_error (out, client, channels[i], error, FALSE);
          continue;
        }
      topic_reply (out, client, room, FALSE);
      names_reply (out, client, room);
    }
}

static void
part (const ConfabSession    *session,
      const ConfabIrcMessage *message,
      GString                *out)
{
  ConfabIrcClient *client = session->irc;
  g_auto(GStrv) channels = NULL;

  if (message->n_params < 1)
    {
      confab_session_irc_need_more_params (out, client, "PART");
      return;
    }
  channels = g_strsplit (message->params[0], ",", -1);
  for (guint i = 0; channels[i] != NULL; i++)
    {
      g_autoptr(GError) error = NULL;

      if (channels[i][0] == '\0')
        continue;
      confab_session_irc_reply_line (session, out);
      g_string_truncate (out, 0);
      if (!confab_broker_part_room (session->broker, session->entry, channels[i], &error))
        channel_error (out, client, channels[i], error, TRUE);
    }
}

static void
topic (const ConfabSession    *session,
       const ConfabIrcMessage *message,
       GString                *out)
{
  ConfabIrcClient *client = session->irc;
  g_autoptr(GError) error = NULL;
  ConfabBrokerRoom *room;

  if (message->n_params < 1)
    {
      confab_session_irc_need_more_params (out, client, "TOPIC");
      return;
    }
  if (message->n_params < 2)
    {
      room = confab_broker_lookup_room (session->broker, message->params[0], &error);
      if (room == NULL)
        channel_error (out, client, message->params[0], error, FALSE);
      else
        topic_reply (out, client, room, TRUE);
      return;
    }
  if (!g_utf8_validate (message->params[1], -1, NULL) ||
      confab_validate_has_control (message->params[1], strlen (message->params[1]), FALSE))
    {
      confab_irc_append_error (out, &client->peer, CONFAB_ERROR_BAD_MESSAGE,
                               "a topic is UTF-8 without control characters");
      return;
    }
  confab_session_irc_reply_line (session, out);
  g_string_truncate (out, 0);
  if (!confab_broker_set_topic (session->broker, session->entry, message->params[0],
                                message->params[1], &error))
    channel_error (out, client, message->params[0], error, TRUE);
}

static void
names (const ConfabSession    *session,
       const ConfabIrcMessage *message,
       GString                *out)
{
  ConfabIrcClient  *client = session->irc;
  ConfabBrokerRoom *room = NULL;

  if (message->n_params >= 1)
    room = confab_broker_lookup_room (session->broker, message->params[0], NULL);
  if (room != NULL)
    names_reply (out, client, room);
  else
    NUMERIC (out, client, "366", message->n_params >= 1 ? message->params[0] : "*",
             "End of /NAMES list");
}

/* LIST: every room, its member count and topic. */
static void
list (const ConfabSession *session,
      GString             *out)
{
  ConfabIrcClient *client = session->irc;
  g_autoptr(GPtrArray) rooms = confab_broker_list_rooms (session->broker);

  NUMERIC (out, client, "321", "Channel", "Users  Name");
  for (guint i = 0; i < rooms->len; i++)
    {
      ConfabBrokerRoom *room = g_ptr_array_index (rooms, i);
      g_autofree char  *count = g_strdup_printf ("%u", confab_broker_room_get_n_members (room));

      NUMERIC (out, client, "322", confab_broker_room_get_name (room), count,
               confab_broker_room_get_topic (room));
    }
  NUMERIC (out, client, "323", "End of /LIST");
}

static gboolean
same_name (const char *a,
           const char *b)
{
  g_autofree char *key_a = confab_name_key_dup (a);
  g_autofree char *key_b = confab_name_key_dup (b);

  return g_str_equal (key_a, key_b);
}

/* "352 ME CHANNEL NICK confab SERVER NICK H :0 NICK": confab has no
 * user names, hosts or real names, so the nick stands for each. */
static void
who_line (GString               *out,
          const ConfabIrcClient *client,
          const char            *channel,
          const char            *nick)
{
  g_autofree char *real = g_strdup_printf ("0 %s", nick);

  NUMERIC (out, client, "352", channel, nick, CONFAB_IRC_USER_HOST, client->peer.server_name, nick, "H", real);
}

/* WHO #room (its members) or WHO nick. */
static void
who (const ConfabSession    *session,
     const ConfabIrcMessage *message,
     GString                *out)
{
  ConfabIrcClient *client = session->irc;
  const char      *mask = message->n_params >= 1 ? message->params[0] : "*";

  if (confab_is_room_name (mask))
    {
      ConfabBrokerRoom *room = confab_broker_lookup_room (session->broker, mask, NULL);

      if (room != NULL)
        {
          guint                   n_names;
          g_autofree const char **members = confab_broker_room_dup_member_names (room, &n_names);

          for (guint i = 0; i < n_names; i++)
            who_line (out, client, confab_broker_room_get_name (room), members[i]);
        }
    }
  else
    {
      ConfabBrokerPeer *peer = confab_broker_lookup (session->broker, mask);

      if (peer != NULL)
        who_line (out, client, "*", confab_broker_peer_get_name (peer));
    }
  NUMERIC (out, client, "315", mask, "End of WHO list");
}

/* WHOIS nick: who it is, its channels and the server; 401 if nobody. */
static void
whois (const ConfabSession    *session,
       const ConfabIrcMessage *message,
       GString                *out)
{
  ConfabIrcClient  *client = session->irc;
  ConfabBrokerPeer *peer;
  const char       *nick;

  if (message->n_params < 1)
    {
      NUMERIC (out, client, "431", "No nickname given");
      return;
    }
  /* "WHOIS server nick" asks a given server: there is only this one. */
  nick = message->params[message->n_params - 1];
  peer = confab_broker_lookup (session->broker, nick);
  if (peer == NULL)
    NUMERIC (out, client, "401", nick, "No such nick/channel");
  else
    {
      const char             *name = confab_broker_peer_get_name (peer);
      guint                   n_rooms;
      g_autofree const char **rooms = confab_broker_peer_dup_room_names (peer, &n_rooms);
      g_autofree char        *joined = g_strjoinv (" ", (char **) rooms);
      g_autofree char        *signon = g_strdup_printf ("%" G_GINT64_FORMAT, confab_broker_peer_get_since (peer) / G_USEC_PER_SEC);

      NUMERIC (out, client, "311", name, name, CONFAB_IRC_USER_HOST, "*", name);
      if (n_rooms > 0)
        NUMERIC (out, client, "319", name, joined);
      NUMERIC (out, client, "312", name, client->peer.server_name, "confab");
      NUMERIC (out, client, "317", name, "0", signon, "seconds idle, signon time");
      nick = name;
    }
  NUMERIC (out, client, "318", nick, "End of /WHOIS list");
}

/* MODE: confab has no modes to change; a client asking what they are
 * (every client does on joining) gets the empty answer. */
static void
mode (const ConfabSession    *session,
      const ConfabIrcMessage *message,
      GString                *out)
{
  ConfabIrcClient *client = session->irc;
  const char      *target;

  if (message->n_params < 1)
    {
      confab_session_irc_need_more_params (out, client, "MODE");
      return;
    }
  target = message->params[0];
  if (confab_is_room_name (target))
    {
      if (confab_broker_lookup_room (session->broker, target, NULL) == NULL)
        NUMERIC (out, client, "403", target, "No such channel");
      else if (message->n_params >= 2 && g_str_equal (message->params[1], "b"))
        NUMERIC (out, client, "368", target, "End of channel ban list");
      else if (message->n_params == 1)
        NUMERIC (out, client, "324", target, "+");
      else
        NUMERIC (out, client, "482", target, "Channel modes cannot be changed here");
    }
  else if (same_name (target, client->peer.nick))
    {
      if (message->n_params == 1)
        NUMERIC (out, client, "221", "+");
    }
  else
    NUMERIC (out, client, "502", "Can't change mode for other users");
}

/**
 * confab_session_irc_ping:
 *
 * Queues the server's "PING :SERVER", which a client answers with PONG;
 * the connection keeps the time (a ping timeout is its business).
 */
void
confab_session_irc_ping (const ConfabSession *session)
{
  ConfabIrcClient *client = session->irc;
  g_autoptr(GString) out = g_string_new (NULL);
  const char *params[1];

  g_return_if_fail (client != NULL && session->entry != NULL);

  params[0] = client->peer.server_name;
  confab_irc_message_append_text (out, NULL, NULL, "PING", params, 1);
  confab_session_irc_reply_line (session, out);
}

/**
 * confab_session_irc_handle_line:
 * @line: a line after registration; parsed in place
 *
 * Returns: %FALSE if the connection is to close (QUIT): its closing line
 *   is queued
 */
gboolean
confab_session_irc_handle_line (const ConfabSession *session,
                                char                *line,
                                gsize                len)
{
  ConfabIrcClient *client = session->irc;
  GString         *out;
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage message;
  const char      *command;
  gboolean         open = TRUE;

  g_return_val_if_fail (client != NULL && session->entry != NULL, FALSE);

  /* The client's own buffer, not a GString per line: most lines (chat)
   * have no reply at all. */
  out = client->replies;
  g_string_truncate (out, 0);

  if (!confab_irc_message_parse (line, len, &message, &error))
    {
      if (!g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE) || strspn (line, " ") != len)
        confab_irc_append_error (out, &client->peer, error->code, error->message);
      confab_session_irc_reply_line (session, out);
      return TRUE;
    }
  command = message.command;

  if (g_str_equal (command, "PRIVMSG") || g_str_equal (command, "NOTICE"))
    chat (session, &message, out);
  else if (g_str_equal (command, "JOIN"))
    join (session, &message, out);
  else if (g_str_equal (command, "PART"))
    part (session, &message, out);
  else if (g_str_equal (command, "TOPIC"))
    topic (session, &message, out);
  else if (g_str_equal (command, "NAMES"))
    names (session, &message, out);
  else if (g_str_equal (command, "LIST"))
    list (session, out);
  else if (g_str_equal (command, "MODE"))
    mode (session, &message, out);
  else if (g_str_equal (command, "KICK"))
    kick (session, &message, out);
  else if (g_str_equal (command, "WHO"))
    who (session, &message, out);
  else if (g_str_equal (command, "WHOIS"))
    whois (session, &message, out);
  else if (g_str_equal (command, "PING"))
    {
      if (message.n_params < 1)
        NUMERIC (out, client, "409", "No origin specified");
      else
        confab_session_irc_pong (out, client, message.params[0]);
    }
  else if (g_str_equal (command, "PONG"))
    ;
  else if (g_str_equal (command, "CHATHISTORY"))
    confab_session_irc_chathistory (session, &message, out);
  else if (g_str_equal (command, "MOTD"))
    confab_irc_server_append_motd (client->server, &client->peer, out);
  else if (g_str_equal (command, "CAP"))
    confab_session_irc_cap (session, &message, out);
  else if (g_str_equal (command, "NICK"))
    NUMERIC (out, client, "447", "Nick changes are not supported");
  else if (g_str_equal (command, "USER") || g_str_equal (command, "PASS"))
    NUMERIC (out, client, "462", "You may not reregister");
  else if (g_str_equal (command, "QUIT"))
    {
      const char *params[] = { "Closing link (quit)" };

      confab_irc_message_append_text (out, NULL, NULL, "ERROR", params, 1);
      open = FALSE;
    }
  else
    NUMERIC (out, client, "421", command, "Unknown command");

  confab_session_irc_reply_line (session, out);
  /* A long reply (LIST, NAMES of a big room) need not stay allocated. */
  if (out->allocated_len > 4096)
    {
      g_string_free (out, TRUE);
      client->replies = g_string_new (NULL);
    }
  return open;
}
