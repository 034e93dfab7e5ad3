/* confab-json-history.c: history and offline delivery in the JSON-lines
 * protocol (SPEC §12; docs/protocol.md, "History").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-json-private.h"

static void
add_string (JsonBuilder *builder,
            const char  *name,
            const char  *value)
{
  json_builder_set_member_name (builder, name);
  json_builder_add_string_value (builder, value);
}

static void
add_time (JsonBuilder   *builder,
          ConfabMessage *message)
{
  json_builder_set_member_name (builder, "time");
  json_builder_add_int_value (builder, confab_message_get_timestamp (message));
}

/**
 * confab_json_build_history_event:
 * @message: a HISTORY, HISTORY_END, OFFLINE or STORED message
 *
 * Adds the message's frame to @builder: a replayed line is
 * {"type":"history","room","from","text","time"}, the end of a replay
 * {"type":"history-end","room"}, a message kept while its recipient was
 * away a "message" marked "offline":true, and its sender is told
 * {"type":"stored","name"}.
 */
void
confab_json_build_history_event (JsonBuilder   *builder,
                                 ConfabMessage *message)
{
  const char *room = confab_message_get_room (message);
  const char *sender = confab_message_get_sender (message);

  json_builder_begin_object (builder);
  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_HISTORY:
      add_string (builder, "type", "history");
      add_string (builder, "room", room);
      add_string (builder, "from", sender);
      add_string (builder, "text", confab_message_get_text (message, NULL));
      add_time (builder, message);
      break;

    case CONFAB_MESSAGE_HISTORY_END:
      add_string (builder, "type", "history-end");
      add_string (builder, "room", room);
      break;

    case CONFAB_MESSAGE_OFFLINE:
      add_string (builder, "type", "message");
      add_string (builder, "from", sender);
      add_string (builder, "text", confab_message_get_text (message, NULL));
      add_time (builder, message);
      json_builder_set_member_name (builder, "offline");
      json_builder_add_boolean_value (builder, TRUE);
      break;

    case CONFAB_MESSAGE_STORED:
      add_string (builder, "type", "stored");
      add_string (builder, "name", confab_message_get_names (message, NULL)[0]);
      break;

    default:
      g_assert_not_reached ();
    }
  json_builder_end_object (builder);
}
