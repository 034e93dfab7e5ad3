/* confab-irc-codec.c: what the broker queues, in IRC's words (SPEC §10).
 *
 * A room's chat, joins, parts and topic changes read the same for every
 * member, so they are encoded once per message and shared (encode());
 * what names its recipient is made per connection (encode_for()): a
 * direct message's target is the recipient's nick, every numeric starts
 * with it, the server's notices carry the server's name, and a client
 * that asked for server-time gets its lines tagged.
 *
 * Requests are not decoded here: registration and IRC's commands are the
 * IRC session's (src/session/confab-session-irc.c), which parses lines
 * with confab-irc-message.c, so decode_login and decode refuse.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-irc-message.h"
#include "confab-names.h"

static const struct
{
  const char   *name;
  ConfabIrcCaps cap;
} caps[] = {
  { "multi-prefix", CONFAB_IRC_CAP_MULTI_PREFIX },
  { "server-time", CONFAB_IRC_CAP_SERVER_TIME },
  { "message-tags", CONFAB_IRC_CAP_MESSAGE_TAGS },
  { "echo-message", CONFAB_IRC_CAP_ECHO_MESSAGE },
};

/* Returns: the capability called @name, or 0 if none is */
ConfabIrcCaps
confab_irc_cap_from_name (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (caps); i++)
    if (g_str_equal (name, caps[i].name))
      return caps[i].cap;
  return 0;
}

/* "nick!nick@confab": confab has no user names or hosts to show. */
void
confab_irc_append_source (GString    *out,
                          const char *nick)
{
  g_string_append_printf (out, "%s!%s@" CONFAB_IRC_USER_HOST, nick, nick);
}

/* A source for a line from @nick, or from the server for its broadcasts. */
static char *
dup_source (const ConfabCodecPeer *peer,
            const char            *nick)
{
  g_autoptr(GString) source = NULL;

  if (g_str_equal (nick, CONFAB_SERVER_SENDER))
    return g_strdup (peer != NULL ? peer->server_name : "confab.local");
  source = g_string_new (NULL);
  confab_irc_append_source (source, nick);
  return g_string_free (g_steal_pointer (&source), FALSE);
}

/* "@time=2026-12-03T17:01:02.345Z " (IRCv3 server-time). */
void
confab_irc_append_time_tag (GString *out,
                            gint64   timestamp_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (timestamp_usec / G_USEC_PER_SEC);

  if (time == NULL)
    return;
  g_string_append_printf (out, "@time=%04d-%02d-%02dT%02d:%02d:%02d.%03dZ ",
                          g_date_time_get_year (time), g_date_time_get_month (time),
                          g_date_time_get_day_of_month (time), g_date_time_get_hour (time),
                          g_date_time_get_minute (time), g_date_time_get_second (time),
                          (int) ((timestamp_usec % G_USEC_PER_SEC) / 1000));
}

/* ":SERVER NUMERIC NICK PARAMS...": a numeric for @peer; the nick is "*"
 * before it has one (RFC 2812 and what servers do during registration). */
void
confab_irc_append_numeric (GString               *out,
                           const ConfabCodecPeer *peer,
                           const char            *numeric,
                           const char * const    *params,
                           guint                  n_params)
{
  const char *all[CONFAB_IRC_PARAMS_MAX];

  g_return_if_fail (n_params < CONFAB_IRC_PARAMS_MAX);

  all[0] = peer->nick != NULL ? peer->nick : "*";
  for (guint i = 0; i < n_params; i++)
    all[i + 1] = params[i];
  confab_irc_message_append_text (out, NULL, peer->server_name, numeric, all, n_params + 1);
}

/* The part of an error's text after "WHAT: ", the name it is about
 * ("no such peer: bob" → "bob"); the whole text if it has none. */
static const char *
error_subject (const char *text)
{
  const char *colon = strstr (text, ": ");

  return colon != NULL ? colon + 2 : text;
}

/* An error routing or a request caused, as the numeric an IRC client
 * knows for it; a final error (kick, shutdown, slow consumer) as ERROR. */
void
confab_irc_append_error (GString               *out,
                         const ConfabCodecPeer *peer,
                         ConfabError            code,
                         const char            *text)
{
  const char *subject = error_subject (text);
  const char *numeric = NULL;
  const char *words = NULL;

  switch (code)
    {
    case CONFAB_ERROR_NO_SUCH_PEER:
      numeric = "401", words = "No such nick/channel";
      break;
    case CONFAB_ERROR_NO_SUCH_ROOM:
    case CONFAB_ERROR_INVALID_ROOM_NAME:
      numeric = "403", words = "No such channel";
      break;
    case CONFAB_ERROR_NOT_IN_ROOM:
      numeric = "404", words = "Cannot send to channel";
      break;
    case CONFAB_ERROR_TOO_MANY_RECIPIENTS:
      numeric = "407", subject = "*", words = text;
      break;
    case CONFAB_ERROR_UNKNOWN_COMMAND:
      numeric = "421", words = "Unknown command";
      break;
    case CONFAB_ERROR_LINE_TOO_LONG:
      numeric = "417", subject = NULL, words = "Input line was too long";
      break;
    case CONFAB_ERROR_KICKED:
    case CONFAB_ERROR_SHUTTING_DOWN:
    case CONFAB_ERROR_SLOW_CONSUMER:
    case CONFAB_ERROR_LOGIN_TIMEOUT:
    case CONFAB_ERROR_PING_TIMEOUT:
    case CONFAB_ERROR_AUTHENTICATION_FAILED:
    case CONFAB_ERROR_PASSWORD_NEEDS_TLS:
    case CONFAB_ERROR_SERVER_FULL:
      {
        const char *params[] = { text };

        confab_irc_message_append_text (out, NULL, NULL, "ERROR", params, 1);
        return;
      }
    default:
      break;
    }

  if (numeric != NULL)
    {
      const char *params[] = { subject, words };

      if (subject == NULL)
        confab_irc_append_numeric (out, peer, numeric, params + 1, 1);
      else
        confab_irc_append_numeric (out, peer, numeric, params, 2);
      return;
    }

  /* No numeric says it: a notice from the server, in confab's words. */
  {
    const char *params[] = { peer->nick != NULL ? peer->nick : "*", text };

    confab_irc_message_append_text (out, NULL, peer->server_name, "NOTICE", params, 2);
  }
}

/* A chat line from @sender to @target. */
static void
append_chat (GString               *out,
             const ConfabCodecPeer *peer,
             ConfabMessage         *message,
             const char            *target)
{
  const char      *sender = confab_message_get_sender (message);
  g_autofree char *source = dup_source (peer, sender);
  g_autofree char *text = g_strdup (confab_message_get_text (message, NULL));
  const char      *params[] = { target, text };

  if (peer != NULL && (peer->flags & CONFAB_IRC_CAP_SERVER_TIME))
    confab_irc_append_time_tag (out, confab_message_get_timestamp (message));
  /* The server's broadcasts are notices: a bot must never answer one. */
  confab_irc_message_append_text (out, NULL, source,
                                  g_str_equal (sender, CONFAB_SERVER_SENDER) ? "NOTICE" : "PRIVMSG",
                                  params, 2);
}

/* A join, part or topic change, as its member-visible command. */
static void
append_room_event (GString               *out,
                   const ConfabCodecPeer *peer,
                   ConfabMessage         *message)
{
  const char      *room = confab_message_get_room (message);
  const char      *who = confab_message_get_sender (message);
  g_autofree char *source = dup_source (peer, *who != '\0' ? who : CONFAB_SERVER_SENDER);

  if (peer != NULL && (peer->flags & CONFAB_IRC_CAP_SERVER_TIME))
    confab_irc_append_time_tag (out, confab_message_get_timestamp (message));

  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_JOIN:
      confab_irc_message_append (out, NULL, source, "JOIN", &room, 1);
      break;
    case CONFAB_MESSAGE_PART:
      if (confab_message_get_names (message, NULL)[0] != NULL)
        {
          /* A kick: from its operator, naming who had to go. */
          g_autofree char *by = dup_source (peer, confab_message_get_names (message, NULL)[0]);
          const char      *params[] = { room, who, confab_message_get_text (message, NULL) };

          confab_irc_message_append_text (out, NULL, by, "KICK", params, 3);
        }
      else
        confab_irc_message_append (out, NULL, source, "PART", &room, 1);
      break;
    case CONFAB_MESSAGE_TOPIC:
    default:
      {
        const char *params[] = { room, confab_message_get_text (message, NULL) };

        confab_irc_message_append_text (out, NULL, source, "TOPIC", params, 2);
      }
      break;
    }
}

/* "353 NICK = #room :a b c" in lines that fit, then "366 NICK #room";
 * @operator (nullable) is shown as "@name". */
void
confab_irc_codec_append_names (GString               *out,
                               const ConfabCodecPeer *peer,
                               ConfabMessage         *message,
                               const char            *operator)
{
  const char         *room = confab_message_get_room (message);
  guint               n_names;
  const char * const *names = confab_message_get_names (message, &n_names);
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i <= n_names; i++)
    {
      /* Room for the line's head: server, numeric, nick, "= #room :". */
      if (i == n_names || (list->len > 0 && list->len + strlen (names[i]) + 1 > 300))
        {
          const char *params[] = { "=", room, list->str };

          if (list->len > 0)
            confab_irc_append_numeric (out, peer, "353", params, 3);
          g_string_truncate (list, 0);
        }
      if (i == n_names)
        break;
      if (list->len > 0)
        g_string_append_c (list, ' ');
      if (operator!= NULL && g_str_equal (names[i], operator))
        g_string_append_c (list, '@');
      g_string_append (list, names[i]);
    }
  {
    const char *params[] = { room, "End of /NAMES list" };

    confab_irc_append_numeric (out, peer, "366", params, 2);
  }
}

static gboolean
irc_encode_for (const ConfabCodecPeer *peer,
                ConfabMessage         *message,
                GString               *out)
{
  gboolean tagged = (peer->flags & CONFAB_IRC_CAP_SERVER_TIME) != 0;

  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_CHAT:
      if (confab_message_get_room (message) != NULL)
        {
          if (!tagged && !g_str_equal (confab_message_get_sender (message), CONFAB_SERVER_SENDER))
            return FALSE;
          append_chat (out, peer, message, confab_message_get_room (message));
          return TRUE;
        }
      append_chat (out, peer, message, peer->nick != NULL ? peer->nick : "*");
      return TRUE;

    case CONFAB_MESSAGE_ERROR:
      confab_irc_append_error (out, peer, confab_message_get_code (message),
                               confab_message_get_text (message, NULL));
      return TRUE;

    case CONFAB_MESSAGE_JOIN:
    case CONFAB_MESSAGE_PART:
    case CONFAB_MESSAGE_TOPIC:
      if (!tagged && *confab_message_get_sender (message) != '\0' &&
          !g_str_equal (confab_message_get_sender (message), CONFAB_SERVER_SENDER))
        return FALSE;
      append_room_event (out, peer, message);
      return TRUE;

    case CONFAB_MESSAGE_MEMBERS:
      confab_irc_codec_append_names (out, peer, message, NULL);
      return TRUE;

    case CONFAB_MESSAGE_WELCOME:
    case CONFAB_MESSAGE_PEERS:
    case CONFAB_MESSAGE_ROOMS:
    case CONFAB_MESSAGE_PROTOCOL_LINE:
    default:
      return FALSE;
    }
}

static ConfabEncoded *
take_string (GString *line)
{
  ConfabEncoded *encoded = confab_encoded_new_copy (line->str, line->len);

  g_string_free (line, TRUE);
  return encoded;
}

/* The shared bytes: what is the same for every IRC recipient, and the
 * final error line of a connection being closed (an ERROR). */
static ConfabEncoded *
irc_encode (ConfabMessage *message)
{
  GString    *line;
  const char *text;
  gsize       len;

  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_CHAT:
      line = g_string_new (NULL);
      append_chat (line, NULL, message, confab_message_get_room (message) != NULL ? confab_message_get_room (message) : "*");
      return take_string (line);

    case CONFAB_MESSAGE_JOIN:
    case CONFAB_MESSAGE_PART:
    case CONFAB_MESSAGE_TOPIC:
      line = g_string_new (NULL);
      append_room_event (line, NULL, message);
      return take_string (line);

    case CONFAB_MESSAGE_ERROR:
      {
        const char *params[1];

        params[0] = confab_message_get_text (message, NULL);
        line = g_string_new (NULL);
        confab_irc_message_append_text (line, NULL, NULL, "ERROR", params, 1);
        return take_string (line);
      }

    case CONFAB_MESSAGE_PROTOCOL_LINE:
      text = confab_message_get_text (message, &len);
      return confab_encoded_new_copy (text, len);

    case CONFAB_MESSAGE_WELCOME:
    case CONFAB_MESSAGE_PEERS:
    case CONFAB_MESSAGE_MEMBERS:
    case CONFAB_MESSAGE_ROOMS:
    default:
      return NULL;
    }
}

static gboolean
irc_refuse_decode (char                      *line,
                   gsize                      len,
                   const ConfabDecodeOptions *options,
                   ConfabRequest             *request,
                   GError                   **error)
{
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FAILED,
                       "IRC lines are the IRC session's to read");
  return FALSE;
}

const ConfabCodec confab_codec_irc = {
  .name = "irc",
  .slot = CONFAB_CODEC_SLOT_IRC,
  .greets = FALSE, /* the IRC session sends 001 to 005 itself */
  .decode_login = irc_refuse_decode,
  .decode = irc_refuse_decode,
  .encode = irc_encode,
  .encode_for = irc_encode_for,
};
