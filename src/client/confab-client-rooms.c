/* confab-client-rooms.c: the client's side of rooms (docs/protocol.md).
 *
 * Room commands are typed as the text protocol spells them (/join #tea,
 * /part, /topic #tea TEXT), with the room left out meaning the current
 * room; over JSON they become the version 2 objects. JSON room events
 * are shown as the text protocol's lines, so both look the same.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "confab-client-rooms.h"
#include "confab-json-protocol.h"

static const struct
{
  const char             *word;
  ConfabClientRoomCommand command;
  gboolean                takes_room;
} room_commands[] = {
  { "/join", CONFAB_CLIENT_ROOM_JOIN, TRUE },
  { "/part", CONFAB_CLIENT_ROOM_PART, TRUE },
  { "/rooms", CONFAB_CLIENT_ROOM_ROOMS, FALSE },
  { "/members", CONFAB_CLIENT_ROOM_MEMBERS, TRUE },
  { "/topic", CONFAB_CLIENT_ROOM_TOPIC, TRUE },
  { "/room", CONFAB_CLIENT_ROOM_SWITCH, TRUE },
  { "/history", CONFAB_CLIENT_ROOM_HISTORY, TRUE },
};

void
confab_client_room_request_clear (ConfabClientRoomRequest *request)
{
  g_clear_pointer (&request->room, g_free);
  g_clear_pointer (&request->text, g_free);
  request->command = CONFAB_CLIENT_ROOM_NONE;
}

/**
 * confab_client_parse_room_command:
 * @line: a typed line, trimmed
 * @current_room: (nullable): the room a plain line goes to
 * @request: (out caller-allocates): kind NONE if @line is no room command
 *
 * Returns: %FALSE with CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE when a
 *   room command needs a room and neither @line nor @current_room gives
 *   one (the server judges room names), or /history's N is no number
 */
gboolean
confab_client_parse_room_command (const char              *line,
                                  const char              *current_room,
                                  ConfabClientRoomRequest *request,
                                  GError                 **error)
{
  const char *rest;

  request->command = CONFAB_CLIENT_ROOM_NONE;
  request->room = NULL;
  request->text = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (room_commands); i++)
    {
      gsize n = strlen (room_commands[i].word);

      if (strncmp (line, room_commands[i].word, n) != 0 ||
          (line[n] != '\0' && line[n] != ' ' && line[n] != '\t'))
        continue;

      request->command = room_commands[i].command;
      if (!room_commands[i].takes_room)
        return TRUE;

      rest = line + n;
      while (*rest == ' ' || *rest == '\t')
        rest++;
      if (*rest == '#')
        {
          const char *end = rest;

          while (*end != '\0' && *end != ' ' && *end != '\t')
            end++;
          request->room = g_strndup (rest, end - rest);
          rest = end;
          while (*rest == ' ' || *rest == '\t')
            rest++;
        }
      else if (current_room != NULL)
        request->room = g_strdup (current_room);
      else
        {
          g_set_error (error, CONFAB_CLIENT_PROTOCOL_ERROR, CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE,
                       /* TRANSLATORS: %s is a command such as /part */
                       _ ("%s needs a room (“%s #room”), and you are in none"),
                       room_commands[i].word, room_commands[i].word);
          confab_client_room_request_clear (request);
          return FALSE;
        }
      if ((request->command == CONFAB_CLIENT_ROOM_TOPIC || request->command == CONFAB_CLIENT_ROOM_HISTORY) &&
          *rest != '\0')
        request->text = g_strdup (rest);
      if (request->command == CONFAB_CLIENT_ROOM_HISTORY && request->text != NULL &&
          !g_ascii_string_to_unsigned (request->text, 10, 1, G_MAXINT32, NULL, NULL))
        {
          g_set_error_literal (error, CONFAB_CLIENT_PROTOCOL_ERROR, CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE,
                               _ ("/history takes a room and a number of lines: “/history #room 20”"));
          confab_client_room_request_clear (request);
          return FALSE;
        }
      return TRUE;
    }
  return TRUE;
}

/* Returns: (transfer full): the wire line of @request ("\n" included) */
char *
confab_client_encode_room_request (gboolean                       json,
                                   const ConfabClientRoomRequest *request)
{
  static const char * const words[] = {
    [CONFAB_CLIENT_ROOM_JOIN] = "join",
    [CONFAB_CLIENT_ROOM_PART] = "part",
    [CONFAB_CLIENT_ROOM_ROOMS] = "rooms",
    [CONFAB_CLIENT_ROOM_MEMBERS] = "members",
    [CONFAB_CLIENT_ROOM_TOPIC] = "topic",
    [CONFAB_CLIENT_ROOM_HISTORY] = "history",
  };
  const char *word;
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (request->command != CONFAB_CLIENT_ROOM_NONE &&
                          request->command != CONFAB_CLIENT_ROOM_SWITCH,
                        NULL);
  word = words[request->command];

  if (!json)
    return g_strdup_printf ("/%s%s%s%s%s\n", word, request->room != NULL ? " " : "",
                            request->room != NULL ? request->room : "",
                            request->text != NULL ? " " : "",
                            request->text != NULL ? request->text : "");

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, word);
  if (request->room != NULL)
    {
      json_builder_set_member_name (builder, "room");
      json_builder_add_string_value (builder, request->room);
    }
  if (request->text != NULL && request->command == CONFAB_CLIENT_ROOM_HISTORY)
    {
      json_builder_set_member_name (builder, "limit");
      json_builder_add_int_value (builder, g_ascii_strtoll (request->text, NULL, 10));
    }
  else if (request->text != NULL)
    {
      json_builder_set_member_name (builder, "topic");
      json_builder_add_string_value (builder, request->text);
    }
  json_builder_end_object (builder);
  return confab_client_json_line (builder);
}

static char *
join_names (JsonObject *object,
            const char *member)
{
  JsonNode  *node = json_object_get_member (object, member);
  JsonArray *array;
  GString   *out = g_string_new (NULL);

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return g_string_free (out, FALSE);
  array = json_node_get_array (node);
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (JSON_NODE_HOLDS_VALUE (element) && json_node_get_value_type (element) == G_TYPE_STRING)
        g_string_append_printf (out, " %s", json_node_get_string (element));
    }
  return g_string_free (out, FALSE);
}

/**
 * confab_client_decode_json_room_event:
 * @type: the frame's type
 *
 * Makes a join, part, topic, members or rooms frame a ROOM event whose
 * text is the text protocol's line for it ("join #tea: bob").
 *
 * Returns: whether @type was one of them
 */
gboolean
confab_client_decode_json_room_event (ConfabClientEvent *event,
                                      const char        *type,
                                      JsonObject        *object)
{
  const char      *room = confab_json_get_string (object, "room");
  const char      *name = confab_json_get_string (object, "name");
  const char      *topic = confab_json_get_string (object, "topic");
  const char      *from = confab_json_get_string (object, "from");
  const char      *text = confab_json_get_string (object, "text");
  g_autofree char *names = NULL;
  gint64           time_usec = 0;

  /* SPEC §12: shown as the text protocol's lines, too. */
  if (g_str_equal (type, "stored") && name != NULL)
    {
      event->kind = CONFAB_CLIENT_EVENT_ROOM;
      event->text = g_strdup_printf ("stored for %s", name);
      return TRUE;
    }
  if (room == NULL && !g_str_equal (type, "rooms"))
    return FALSE;

  if ((g_str_equal (type, "join") || g_str_equal (type, "part")) && name != NULL)
    event->text = g_strdup_printf ("%s %s: %s", type, room, name);
  else if (g_str_equal (type, "topic") && topic != NULL)
    event->text = g_strdup_printf ("topic %s:%s%s", room, *topic != '\0' ? " " : "", topic);
  else if (g_str_equal (type, "members"))
    {
      names = join_names (object, "members");
      event->text = g_strdup_printf ("members %s:%s", room, names);
    }
  else if (g_str_equal (type, "rooms"))
    {
      names = join_names (object, "rooms");
      event->text = g_strdup_printf ("rooms:%s", names);
    }
  else if (g_str_equal (type, "history") && from != NULL && text != NULL)
    {
      JsonNode *node = json_object_get_member (object, "time");
      g_autoptr(GDateTime) when = NULL;
      g_autofree char *shown = NULL;

      if (node != NULL && JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_INT64)
        time_usec = json_node_get_int (node);
      when = g_date_time_new_from_unix_utc (time_usec / G_USEC_PER_SEC);
      shown = when != NULL ? g_date_time_format (when, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("?");
      event->text = g_strdup_printf ("history %s %s %s: %s", room, shown, from, text);
    }
  else if (g_str_equal (type, "history-end"))
    event->text = g_strdup_printf ("history %s: end", room);
  else
    return FALSE;

  event->kind = CONFAB_CLIENT_EVENT_ROOM;
  event->room = g_strdup (room);
  return TRUE;
}
