/* confab-session-rooms.c: what a connection's room requests do (SPEC §9).
 *
 * The broker keeps the rooms and orders their events; here a decoded
 * request becomes its broker call, and the answers meant for this
 * connection alone (members, topic, the room list) go to its own queue,
 * as the peers list does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-session-private.h"
#include "confab-validate.h"

static void
send_error (const ConfabSession *session,
            const GError        *error)
{
  confab_broker_send_error (session->broker, session->entry, error->code, error->message);
}

/* Returns: whether a recipient list names a room: the rare case, checked
 * first so that a direct message takes the direct path alone. */
gboolean
confab_session_names_rooms (const char * const *to,
                            guint               n_to)
{
  for (guint i = 0; i < n_to; i++)
    if (confab_is_room_name (to[i]))
      return TRUE;
  return FALSE;
}

/* Recipients a room message's line may name before routing it needs
 * the heap. */
#define SMALL_RECIPIENTS 8

/**
 * confab_session_send_to_rooms:
 * @request: a MESSAGE request naming at least one room
 *
 * One route: each room named (that the sender is in) gets its own
 * message, "from SENDER in #room", and then the names get the direct one;
 * whoever was reached already (through an earlier room) is skipped, so a
 * recipient gets one copy, the first room's.
 */
void
confab_session_send_to_rooms (const ConfabSession *session,
                              const ConfabRequest *request)
{
  const char *sender = confab_broker_peer_get_name (session->entry);
  /* On the path of every room message: no allocation for a line naming
   * a few recipients (most name one room), the heap beyond that. */
  const char                   *names_here[SMALL_RECIPIENTS];
  ConfabBrokerRoom             *rooms_here[SMALL_RECIPIENTS];
  g_autofree const char       **names_heap = NULL;
  g_autofree ConfabBrokerRoom **rooms_heap = NULL;
  const char                  **names = names_here;
  ConfabBrokerRoom            **rooms = rooms_here;
  guint                         n_names = 0;
  guint                         n_rooms = 0;

  if (request->n_to > SMALL_RECIPIENTS)
    {
      names = names_heap = g_new (const char *, request->n_to);
      rooms = rooms_heap = g_new (ConfabBrokerRoom *, request->n_to);
    }

  /* The refusals come first, so that they are queued in the order the
   * recipients were named whatever the route does. */
  for (guint i = 0; i < request->n_to; i++)
    {
      g_autoptr(GError) error = NULL;
      ConfabBrokerRoom *room;

      if (!confab_is_room_name (request->to[i]))
        {
          names[n_names++] = request->to[i];
          continue;
        }
      room = confab_broker_check_room_member (session->broker, session->entry,
                                              request->to[i], &error);
      if (room == NULL)
        send_error (session, error);
      else
        rooms[n_rooms++] = room;
    }

  if (!confab_broker_route_begin (session->broker, session->entry))
    return;

  for (guint i = 0; i < n_rooms; i++)
    {
      ConfabBrokerRoom *room = rooms[i];
      g_autoptr(ConfabMessage) message = NULL;

      /* A room emptied by an earlier room's fan-out (its members dropped
       * as slow consumers) is gone: nobody is left to tell. */
      if (!confab_broker_room_is_listed (room))
        continue;
      message = confab_text_codec_new_chat (sender, confab_broker_room_get_name (room),
                                            request->to, request->n_to,
                                            request->text, request->text_len);
      confab_broker_route_to_room (session->broker, session->entry, room, message);
      confab_session_history_record (session, room, sender, request->text,
                                     confab_message_get_timestamp (message));
    }

  n_names = confab_session_keep_for_absent (session, names, n_names, request->text);
  if (n_names > 0)
    {
      g_autoptr(ConfabMessage) message =
                   confab_text_codec_new_chat (sender, NULL, request->to, request->n_to,
                                               request->text, request->text_len);

      confab_broker_route_to_peers (session->broker, session->entry, names, n_names, message);
    }
}

static void
reply (const ConfabSession *session,
       ConfabMessage       *message)
{
  confab_broker_peer_push_reply (session->entry, message);
  confab_message_unref (message);
}

static void
reply_rooms (const ConfabSession *session)
{
  g_autoptr(GPtrArray) rooms = confab_broker_list_rooms (session->broker);
  g_autofree const char **names = g_new0 (const char *, rooms->len + 1);

  for (guint i = 0; i < rooms->len; i++)
    names[i] = confab_broker_room_get_name (g_ptr_array_index (rooms, i));
  reply (session, confab_message_new_rooms (names, rooms->len));
}

/* The joiner is told who is in the room and, if one is set, its topic,
 * after the join notice every member got. */
static void
join (const ConfabSession *session,
      const char          *room_name)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerRoom *room;

  room = confab_broker_join_room (session->broker, session->entry, room_name, NULL, &error);
  if (room == NULL)
    {
      send_error (session, error);
      return;
    }
  reply (session, confab_broker_room_new_members_message (room));
  if (*confab_broker_room_get_topic (room) != '\0')
    reply (session, confab_broker_room_new_topic_message (room));
  /* [history] history_on_join: what was said before, for the newcomer. */
  if (session->history != NULL && session->history_on_join > 0)
    confab_session_history_replay (session, confab_broker_room_get_name (room), session->history_on_join);
}

static ConfabBrokerRoom *
lookup (const ConfabSession *session,
        const char          *room_name)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerRoom *room = confab_broker_lookup_room (session->broker, room_name, &error);

  if (room == NULL)
    send_error (session, error);
  return room;
}

/* The codec hands over a topic that is one line of text (the text
 * protocol checks the whole line, the JSON one the member). */
static void
topic (const ConfabSession *session,
       const ConfabRequest *request)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerRoom *room;

  if (request->text == NULL)
    {
      room = lookup (session, request->room);
      if (room != NULL)
        reply (session, confab_broker_room_new_topic_message (room));
      return;
    }

  if (!confab_broker_set_topic (session->broker, session->entry, request->room, request->text, &error))
    send_error (session, error);
}

/**
 * confab_session_handle_room_request:
 * @request: a ROOMS, JOIN, PART, MEMBERS or TOPIC request
 */
void
confab_session_handle_room_request (const ConfabSession *session,
                                    const ConfabRequest *request)
{
  g_autoptr(GError) error = NULL;
  ConfabBrokerRoom *room;

  switch (request->kind)
    {
    case CONFAB_REQUEST_ROOMS:
      reply_rooms (session);
      break;

    case CONFAB_REQUEST_JOIN:
      join (session, request->room);
      break;

    case CONFAB_REQUEST_PART:
      if (!confab_broker_part_room (session->broker, session->entry, request->room, &error))
        send_error (session, error);
      break;

    case CONFAB_REQUEST_MEMBERS:
      room = lookup (session, request->room);
      if (room != NULL)
        reply (session, confab_broker_room_new_members_message (room));
      break;

    case CONFAB_REQUEST_TOPIC:
      topic (session, request);
      break;

    case CONFAB_REQUEST_LOGIN:
    case CONFAB_REQUEST_MESSAGE:
    case CONFAB_REQUEST_PEERS:
    default:
      g_assert_not_reached ();
    }
}
