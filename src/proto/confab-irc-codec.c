/* confab-irc-codec.c: what the broker queues, in IRC's words (SPEC §10).
 *
 * A room's chat, joins, parts and topic changes read the same for every
 * member, so they are encoded once per message and shared (encode());
 * what names its recipient is made per connection (encode_for()): a
 * direct message's target is the recipient's nick, every numeric starts
 * with it, the server's notices carry the server's name, and a client
 * that asked for server-time gets its lines tagged. Chat lines are the
 * hot path, so the common ones skip the general serializer: a chat line
 * is written straight into its encoding (encode_chat_line()), and a
 * direct message's line for each recipient is copied from the one shared
 * line with the recipient's nick put in (append_direct_chat()).
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
#include "confab-wire.h"

static const struct
{
  const char   *name;
  ConfabIrcCaps cap;
} caps[] = {
  { "multi-prefix", CONFAB_IRC_CAP_MULTI_PREFIX },
  { "server-time", CONFAB_IRC_CAP_SERVER_TIME },
  { "message-tags", CONFAB_IRC_CAP_MESSAGE_TAGS },
  { "echo-message", CONFAB_IRC_CAP_ECHO_MESSAGE },
  { "sasl", CONFAB_IRC_CAP_SASL },
  { "batch", CONFAB_IRC_CAP_BATCH },
  { "draft/chathistory", CONFAB_IRC_CAP_CHATHISTORY },
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
  g_string_append (out, nick);
  g_string_append_c (out, '!');
  g_string_append (out, nick);
  g_string_append (out, "@" CONFAB_IRC_USER_HOST);
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
  const char      *params[] = { target, confab_message_get_text (message, NULL) };

  if (peer != NULL && (peer->flags & CONFAB_IRC_CAP_SERVER_TIME))
    confab_irc_append_time_tag (out, confab_message_get_timestamp (message));
  /* The server's broadcasts are notices: a bot must never answer one. */
  confab_irc_message_append_text (out, NULL, source,
                                  g_str_equal (sender, CONFAB_SERVER_SENDER) ? "NOTICE" : "PRIVMSG",
                                  params, 2);
}

/* A stored line (a room's history, a message kept while the recipient
 * was away) to @target: with its time as a server-time tag where the
 * client asked for them, else in front of the text, so that it cannot
 * pass for something said now. */
static void
append_stored_chat (GString               *out,
                    const ConfabCodecPeer *peer,
                    ConfabMessage         *message,
                    const char            *target)
{
  g_autofree char *source = dup_source (peer, confab_message_get_sender (message));
  g_autofree char *dated = NULL;
  const char      *params[] = { target, confab_message_get_text (message, NULL) };

  if (peer->flags & CONFAB_IRC_CAP_SERVER_TIME)
    confab_irc_append_time_tag (out, confab_message_get_timestamp (message));
  else
    {
      g_autofree char *time = confab_wire_format_time (confab_message_get_timestamp (message));

      dated = g_strdup_printf ("[%s] %s", time, params[1]);
      params[1] = dated;
    }
  confab_irc_message_append_text (out, NULL, source, "PRIVMSG", params, 2);
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

/* A direct chat line for @peer, made from the line shared by every IRC
 * recipient (irc_encode(): the target "*") with @peer's nick in the
 * target's place: the bytes append_chat() would write for @peer, for
 * three copies instead of a line formatted per recipient.
 * Returns: FALSE where they could differ: a line for a client that takes
 *   server-time (tagged), a server's notice (its source is the server's
 *   name), and a text cut to fit 512 bytes, since a longer target would
 *   cut it elsewhere. */
static gboolean
append_direct_chat (GString               *out,
                    const ConfabCodecPeer *peer,
                    ConfabMessage         *message)
{
  const char *sender = confab_message_get_sender (message);
  const char *line, *end, *star;
  gsize       len, text_len, nick_len, at;
  char       *p;

  if (peer->nick == NULL || (peer->flags & CONFAB_IRC_CAP_SERVER_TIME) != 0 ||
      g_str_equal (sender, CONFAB_SERVER_SENDER))
    return FALSE;

  /* ":NICK!NICK@confab PRIVMSG * :TEXT\r\n", as long as that exactly: the
   * line was not cut (nor refused: empty), and the '*' is where it
   * should be. */
  line = confab_codec_message_bytes (&confab_codec_irc, message, &len);
  end = line + len;
  star = line + 1 + 2 * strlen (sender) + 1 + sizeof ("@" CONFAB_IRC_USER_HOST " PRIVMSG ") - 1;
  confab_message_get_text (message, &text_len);
  if (len != (gsize) (star - line) + 1 + 2 + text_len + 2 || *star != '*')
    return FALSE;
  /* The nick's line must not need a cut either. */
  nick_len = strlen (peer->nick);
  if (len - 1 + nick_len > CONFAB_IRC_LINE_MAX)
    return FALSE;

  /* One resize and three copies (a GString append is a call each). */
  at = out->len;
  g_string_set_size (out, at + len - 1 + nick_len);
  p = out->str + at;
  memcpy (p, line, star - line);
  p += star - line;
  memcpy (p, peer->nick, nick_len);
  memcpy (p + nick_len, star + 1, end - (star + 1));
  return TRUE;
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
      if (!append_direct_chat (out, peer, message))
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

    case CONFAB_MESSAGE_HISTORY:
      append_stored_chat (out, peer, message, confab_message_get_room (message));
      return TRUE;

    case CONFAB_MESSAGE_OFFLINE:
      append_stored_chat (out, peer, message, peer->nick != NULL ? peer->nick : "*");
      return TRUE;

    case CONFAB_MESSAGE_STORED:
      {
        g_autofree char *text = g_strdup_printf ("stored for %s", confab_message_get_names (message, NULL)[0]);
        const char      *params[] = { peer->nick != NULL ? peer->nick : "*", text };

        confab_irc_message_append_text (out, NULL, peer->server_name, "NOTICE", params, 2);
      }
      return TRUE;

    case CONFAB_MESSAGE_HISTORY_END: /* nothing: IRC's replays are batches of their own */
    case CONFAB_MESSAGE_WELCOME:
    case CONFAB_MESSAGE_PEERS:
    case CONFAB_MESSAGE_ROOMS:
    case CONFAB_MESSAGE_PROTOCOL_LINE:
    default:
      return FALSE;
    }
}

/* ":NICK!NICK@confab PRIVMSG TARGET :TEXT\r\n", written straight into an
 * encoding of its size: what append_chat() writes for the line every
 * IRC recipient shares, without a GString or a source string for each
 * message. Returns: NULL where append_chat() has more to do: a line from
 * the server (a NOTICE, from its name), a line to cut to 512 bytes, and
 * CR, LF or spaces where a name or text should not have them (blanked or
 * refused by the serializer; confab's names and texts never have them). */
static ConfabEncoded *
encode_chat_line (ConfabMessage *message,
                  const char    *target)
{
  static const char host[] = "@" CONFAB_IRC_USER_HOST " PRIVMSG ";
  const char       *sender = confab_message_get_sender (message);
  const char       *text;
  gsize             sender_len = strlen (sender), target_len = strlen (target), text_len, len;
  ConfabEncoded    *encoded;
  char             *p;

  text = confab_message_get_text (message, &text_len);
  len = 1 + 2 * sender_len + 1 + (sizeof host - 1) + target_len + 2 + text_len + 2;
  if (len > CONFAB_IRC_LINE_MAX || sender_len == 0 || target_len == 0 || target[0] == ':' ||
      g_str_equal (sender, CONFAB_SERVER_SENDER) || strpbrk (sender, " \r\n") != NULL ||
      strpbrk (target, " \r\n") != NULL || memchr (text, '\r', text_len) != NULL ||
      memchr (text, '\n', text_len) != NULL)
    return NULL;

  encoded = confab_encoded_new (len);
  p = encoded->data;
  *p++ = ':';
  memcpy (p, sender, sender_len);
  p += sender_len;
  *p++ = '!';
  memcpy (p, sender, sender_len);
  p += sender_len;
  memcpy (p, host, sizeof host - 1);
  p += sizeof host - 1;
  memcpy (p, target, target_len);
  p += target_len;
  *p++ = ' ';
  *p++ = ':';
  memcpy (p, text, text_len);
  p += text_len;
  *p++ = '\r';
  *p++ = '\n';
  g_assert (p == encoded->data + len);
  return encoded;
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
      {
        /* A room's line, or the line of a direct message for the target
         * "*", into which append_direct_chat() puts each nick. */
        const char    *target = confab_message_get_room (message) != NULL ? confab_message_get_room (message) : "*";
        ConfabEncoded *encoded = encode_chat_line (message, target);

        if (encoded != NULL)
          return encoded;
        line = g_string_new (NULL);
        append_chat (line, NULL, message, target);
        return take_string (line);
      }

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
