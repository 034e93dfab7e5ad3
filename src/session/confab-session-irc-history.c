/* confab-session-irc-history.c: IRCv3 draft/chathistory (SPEC §12).
 *
 * CHATHISTORY LATEST|BEFORE|AFTER #room REFERENCE LIMIT, where REFERENCE
 * is "*" (LATEST only), timestamp=2026-12-07T02:30:05.000Z or msgid=...:
 * the room's stored messages, oldest first, as PRIVMSGs tagged with their
 * time and msgid, inside a "chathistory" batch for a client that asked
 * for batch. Errors are FAIL lines (standard replies). Offered, with the
 * batch capability, only where history is kept.
 *
 * The store answers later, when the connection may be gone; the lines
 * are made then, from what the request noted of the client (its nick,
 * its capabilities, the server's name), not from the client itself.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-name-key.h"
#include "confab-session-irc-private.h"
#include "confab-session-private.h"

typedef struct
{
  ConfabBrokerPeer *entry;       /* (owned) */
  char             *room;        /* (owned): as the room spells its name */
  char             *server_name; /* (owned) */
  guint             caps;        /* the client's, when it asked */
} Replay;

static void
replay_free (Replay *replay)
{
  confab_broker_peer_release_answer (replay->entry);
  confab_broker_peer_unref (replay->entry);
  g_free (replay->room);
  g_free (replay->server_name);
  g_free (replay);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Replay, replay_free)

/* "FAIL CHATHISTORY CODE [CONTEXT] :description" */
static void
fail (GString               *out,
      const ConfabIrcClient *client,
      const char            *code,
      const char            *context,
      const char            *description)
{
  const char *params[] = { "CHATHISTORY", code, context, description };

  if (context == NULL)
    {
      params[2] = description;
      confab_irc_message_append_text (out, NULL, client->peer.server_name, "FAIL", params, 3);
    }
  else
    confab_irc_message_append_text (out, NULL, client->peer.server_name, "FAIL", params, 4);
}

/* "timestamp=…" or "msgid=…" into @query's anchor; "*" for none. */
static gboolean
parse_reference (const char         *reference,
                 ConfabHistoryQuery *query)
{
  if (g_str_equal (reference, "*"))
    {
      query->has_anchor = FALSE;
      return query->direction == CONFAB_HISTORY_LATEST;
    }
  query->has_anchor = TRUE;
  if (g_str_has_prefix (reference, "msgid="))
    return confab_history_msgid_to_id (reference + strlen ("msgid="), &query->anchor_id);
  if (g_str_has_prefix (reference, "timestamp="))
    {
      g_autoptr(GDateTime) time = g_date_time_new_from_iso8601 (reference + strlen ("timestamp="), NULL);

      if (time == NULL)
        return FALSE;
      query->anchor_id = 0;
      /* g_date_time_to_unix_usec() is GLib 2.80's. */
      query->anchor_usec = g_date_time_to_unix (time) * G_USEC_PER_SEC + g_date_time_get_microsecond (time);
      return TRUE;
    }
  return FALSE;
}

/* @time's "2026-12-07T02:30:05.123Z", as server-time writes it. */
static char *
format_server_time (gint64 time_usec)
{
  g_autoptr(GString) tag = g_string_new (NULL);

  /* "@time=…Z " without its "@time=" and space. */
  confab_irc_append_time_tag (tag, time_usec);
  if (tag->len < strlen ("@time= "))
    return g_strdup ("");
  return g_strndup (tag->str + strlen ("@time="), tag->len - strlen ("@time=") - 1);
}

static void
push_line (ConfabBrokerPeer *entry,
           GString          *line)
{
  g_autoptr(ConfabMessage) message = NULL;

  if (line->len == 0 || !confab_broker_peer_is_joined (entry))
    return;
  message = confab_message_new_protocol_line (line->str, line->len);
  confab_broker_peer_push_reply (entry, message);
}

static void
replayed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Replay) replay = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = confab_history_store_query_finish (CONFAB_HISTORY_STORE (source), result, &error);
  g_autoptr(GString) out = g_string_new (NULL);
  gboolean    batch = (replay->caps & CONFAB_IRC_CAP_BATCH) != 0;
  const char *batch_id = "confab-history";

  if (rows == NULL)
    {
      const char *params[] = { "CHATHISTORY",
                               g_error_matches (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE)
                                 ? "INVALID_MSGREFTYPE"
                                 : "MESSAGE_ERROR",
                               replay->room, error->message };

      confab_irc_message_append_text (out, NULL, replay->server_name, "FAIL", params, 4);
      push_line (replay->entry, out);
      return;
    }

  if (batch)
    {
      const char *params[] = { "+confab-history", "chathistory", replay->room };

      confab_irc_message_append (out, NULL, replay->server_name, "BATCH", params, 3);
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const ConfabHistoryRow *row = g_ptr_array_index (rows, i);
      g_autoptr(GString) tags = g_string_new (NULL);
      g_autoptr(GString) source_nick = g_string_new (NULL);
      g_autofree char *dated = NULL;
      const char      *params[] = { replay->room, row->text };

      if (batch)
        g_string_append_printf (tags, "batch=%s", batch_id);
      if (replay->caps & CONFAB_IRC_CAP_SERVER_TIME)
        {
          g_autofree char *time = format_server_time (row->time_usec);

          g_string_append_printf (tags, "%stime=%s", tags->len > 0 ? ";" : "", time);
        }
      else
        {
          g_autofree char *time = format_server_time (row->time_usec);

          dated = g_strdup_printf ("[%s] %s", time, row->text);
          params[1] = dated;
        }
      if (replay->caps & CONFAB_IRC_CAP_MESSAGE_TAGS)
        {
          g_autofree char *msgid = confab_history_msgid_from_id (row->id);

          g_string_append_printf (tags, "%smsgid=%s", tags->len > 0 ? ";" : "", msgid);
        }
      confab_irc_append_source (source_nick, row->sender);
      confab_irc_message_append_text (out, tags->str, source_nick->str, "PRIVMSG", params, 2);
    }
  if (batch)
    {
      const char *params[] = { "-confab-history" };

      confab_irc_message_append (out, NULL, replay->server_name, "BATCH", params, 1);
    }
  push_line (replay->entry, out);
}

/**
 * confab_session_irc_chathistory:
 * @message: a CHATHISTORY line after registration
 * @out: where an immediate refusal is appended
 *
 * Asks the store; its answer is queued when it comes, and the lines after
 * this one wait for it (the connection's answer hold).
 */
void
confab_session_irc_chathistory (const ConfabSession    *session,
                                const ConfabIrcMessage *message,
                                GString                *out)
{
  ConfabIrcClient   *client = session->irc;
  ConfabHistoryQuery query = { .direction = CONFAB_HISTORY_LATEST };
  g_autoptr(GError) error = NULL;
  g_autofree char  *key = NULL;
  ConfabBrokerRoom *room;
  const char       *sub;
  guint64           limit = 0;
  Replay           *replay;

  if (session->history == NULL)
    {
      fail (out, client, "MESSAGE_ERROR", NULL, "This server keeps no history");
      return;
    }
  if (message->n_params < 4)
    {
      fail (out, client, "NEED_MORE_PARAMS", NULL, "Not enough parameters");
      return;
    }
  sub = message->params[0];
  if (g_ascii_strcasecmp (sub, "LATEST") == 0)
    query.direction = CONFAB_HISTORY_LATEST;
  else if (g_ascii_strcasecmp (sub, "BEFORE") == 0)
    query.direction = CONFAB_HISTORY_BEFORE;
  else if (g_ascii_strcasecmp (sub, "AFTER") == 0)
    query.direction = CONFAB_HISTORY_AFTER;
  else
    {
      fail (out, client, "INVALID_PARAMS", sub, "Only LATEST, BEFORE and AFTER are supported");
      return;
    }
  if (!parse_reference (message->params[2], &query))
    {
      fail (out, client, "INVALID_PARAMS", message->params[2], "Invalid message reference");
      return;
    }
  if (!g_ascii_string_to_unsigned (message->params[3], 10, 1, G_MAXUINT, &limit, NULL))
    {
      fail (out, client, "INVALID_PARAMS", message->params[3], "Invalid limit");
      return;
    }
  query.limit = (guint) limit;

  /* A channel the client is in: what it could have read as it was said. */
  room = confab_broker_check_room_member (session->broker, session->entry, message->params[1], &error);
  if (room == NULL)
    {
      fail (out, client, "INVALID_TARGET", message->params[1], "You are not on that channel");
      return;
    }

  replay = g_new0 (Replay, 1);
  replay->entry = confab_broker_peer_ref (session->entry);
  replay->room = g_strdup (confab_broker_room_get_name (room));
  replay->server_name = g_strdup (client->peer.server_name);
  replay->caps = client->peer.flags;
  confab_broker_peer_hold_answer (session->entry);
  key = confab_room_key_dup (replay->room);
  confab_history_store_query_async (session->history, key, &query, NULL, replayed_cb, replay);
}
