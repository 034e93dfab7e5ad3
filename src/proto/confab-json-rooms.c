/* confab-json-rooms.c: rooms in the JSON-lines protocol, version 2
 * (docs/protocol.md, "Rooms").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-json-private.h"
#include "confab-validate.h"
#include "confab-wire.h"

static const struct
{
  const char           *type;
  ConfabJsonRequestType request;
  gboolean              needs_room;
} room_requests[] = {
  { "rooms", CONFAB_JSON_REQUEST_ROOMS, FALSE },
  { "join", CONFAB_JSON_REQUEST_JOIN, TRUE },
  { "part", CONFAB_JSON_REQUEST_PART, TRUE },
  { "members", CONFAB_JSON_REQUEST_MEMBERS, TRUE },
  { "topic", CONFAB_JSON_REQUEST_TOPIC, TRUE },
  { "history", CONFAB_JSON_REQUEST_HISTORY, TRUE },
};

/* history's "limit": a positive integer, if present. */
static gboolean
parse_limit (JsonObject        *object,
             ConfabJsonRequest *request,
             const char       **field,
             GError           **error)
{
  JsonNode *node = json_object_get_member (object, "limit");
  gint64    limit;

  if (node == NULL)
    return TRUE;
  if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64 ||
      (limit = json_node_get_int (node)) < 1 || limit > G_MAXUINT)
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "limit",
                             "'limit' must be a positive integer");
  request->limit = (guint) limit;
  return TRUE;
}

/* A topic is one line: trimmed of blanks, no control characters (line
 * breaks included), valid UTF-8 (json-glib may decode an unpaired
 * surrogate escape to bytes that are not). "" clears it. */
static gboolean
parse_topic (JsonObject        *object,
             ConfabJsonRequest *request,
             const char       **field,
             GError           **error)
{
  JsonNode   *node = json_object_get_member (object, "topic");
  const char *topic = confab_json_get_string (object, "topic");
  const char *start;
  const char *end;

  if (node == NULL)
    return TRUE;
  if (topic == NULL)
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "topic",
                             "'topic' must be a string");
  start = topic;
  end = topic + strlen (topic);
  confab_wire_trim (&start, &end, FALSE);
  if (!g_utf8_validate_len (start, end - start, NULL))
    return confab_json_fail (error, field, CONFAB_ERROR_INVALID_UTF8, "topic", "invalid UTF-8");
  if (confab_validate_has_control (start, end - start, FALSE))
    return confab_json_fail (error, field, CONFAB_ERROR_CONTROL_CHARACTER, "topic",
                             "a topic is one line without control characters");
  request->topic = g_strndup (start, end - start);
  return TRUE;
}

/**
 * confab_json_parse_room_request:
 * @type: the frame's type
 *
 * Returns: %TRUE with @request filled for a room request; %FALSE with
 *   @error set for a room request that is refused, or with @error unset
 *   when @type is not a room request
 */
gboolean
confab_json_parse_room_request (JsonObject        *object,
                                const char        *type,
                                ConfabJsonRequest *request,
                                const char       **field,
                                GError           **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (room_requests); i++)
    {
      const char *room = NULL;
      g_autoptr(GError) local_error = NULL;

      if (!g_str_equal (type, room_requests[i].type))
        continue;

      if (room_requests[i].needs_room)
        {
          room = confab_json_get_string (object, "room");
          if (room == NULL)
            return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "room",
                                     "'room' must be a string");
          if (!confab_validate_room_name (room, -1, &local_error))
            return confab_json_fail (error, field, local_error->code, "room", local_error->message);
        }
      /* Last of the checks: a refused request owns nothing. */
      if (room_requests[i].request == CONFAB_JSON_REQUEST_TOPIC &&
          !parse_topic (object, request, field, error))
        return FALSE;
      if (room_requests[i].request == CONFAB_JSON_REQUEST_HISTORY &&
          !parse_limit (object, request, field, error))
        return FALSE;
      if (room_requests[i].needs_room)
        request->room = g_strdup (room);
      request->type = room_requests[i].request;
      return TRUE;
    }
  return FALSE;
}

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_names (JsonBuilder   *builder,
           const char    *name,
           ConfabMessage *message)
{
  guint               n_names;
  const char * const *names = confab_message_get_names (message, &n_names);

  json_builder_set_member_name (builder, name);
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_names; i++)
    json_builder_add_string_value (builder, names[i]);
  json_builder_end_array (builder);
}

/**
 * confab_json_build_room_event:
 * @message: a JOIN, PART, TOPIC, MEMBERS or ROOMS message
 *
 * Adds the message's frame to @builder.
 */
void
confab_json_build_room_event (JsonBuilder   *builder,
                              ConfabMessage *message)
{
  const char *room = confab_message_get_room (message);
  const char *sender = confab_message_get_sender (message);

  json_builder_begin_object (builder);
  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_JOIN:
    case CONFAB_MESSAGE_PART:
      add_string (builder, "type",
                  confab_message_get_kind (message) == CONFAB_MESSAGE_JOIN ? "join" : "part");
      add_string (builder, "room", room);
      add_string (builder, "name", sender);
      if (confab_message_get_kind (message) == CONFAB_MESSAGE_PART &&
          confab_message_get_names (message, NULL)[0] != NULL)
        {
          /* A kick: who did it, and why. */
          add_string (builder, "by", confab_message_get_names (message, NULL)[0]);
          add_string (builder, "reason", confab_message_get_text (message, NULL));
        }
      json_builder_set_member_name (builder, "time");
      json_builder_add_int_value (builder, confab_message_get_timestamp (message));
      break;

    case CONFAB_MESSAGE_TOPIC:
      add_string (builder, "type", "topic");
      add_string (builder, "room", room);
      add_string (builder, "topic", confab_message_get_text (message, NULL));
      if (*sender != '\0')
        add_string (builder, "name", sender);
      json_builder_set_member_name (builder, "time");
      json_builder_add_int_value (builder, confab_message_get_timestamp (message));
      break;

    case CONFAB_MESSAGE_MEMBERS:
      add_string (builder, "type", "members");
      add_string (builder, "room", room);
      add_names (builder, "members", message);
      break;

    case CONFAB_MESSAGE_ROOMS:
      add_string (builder, "type", "rooms");
      add_names (builder, "rooms", message);
      break;

    case CONFAB_MESSAGE_CHAT:
    case CONFAB_MESSAGE_ERROR:
    case CONFAB_MESSAGE_WELCOME:
    case CONFAB_MESSAGE_PEERS:
    default:
      g_assert_not_reached ();
    }
  json_builder_end_object (builder);
}
