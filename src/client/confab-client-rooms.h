/* confab-client-rooms.h: the client's side of rooms (docs/protocol.md).
 *
 * Pure functions, as confab-client-protocol.h: what a room command typed
 * into confab sends, and how a JSON room event is shown.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "confab-client-protocol.h"

G_BEGIN_DECLS

typedef enum
{
  CONFAB_CLIENT_ROOM_NONE, /* not a room command */
  CONFAB_CLIENT_ROOM_JOIN,
  CONFAB_CLIENT_ROOM_PART,
  CONFAB_CLIENT_ROOM_ROOMS,
  CONFAB_CLIENT_ROOM_MEMBERS,
  CONFAB_CLIENT_ROOM_TOPIC,
  CONFAB_CLIENT_ROOM_SWITCH,  /* /room #r: only the client's current room */
  CONFAB_CLIENT_ROOM_HISTORY, /* /history [#r] [N]: the room's last N lines */
} ConfabClientRoomCommand;

/*
 * ConfabClientRoomRequest:
 * A typed room command, its room filled in from the current room when
 * the user left it out.
 */
typedef struct
{
  ConfabClientRoomCommand command;
  char                   *room; /* (owned) (nullable) */
  char                   *text; /* (owned) (nullable): TOPIC: the new topic; NULL asks;
                                 * HISTORY: N, as typed */
} ConfabClientRoomRequest;

void     confab_client_room_request_clear (ConfabClientRoomRequest *request);
gboolean confab_client_parse_room_command (const char              *line,
                                           const char              *current_room,
                                           ConfabClientRoomRequest *request,
                                           GError                 **error);
char    *confab_client_encode_room_request (gboolean                       json,
                                            const ConfabClientRoomRequest *request);
gboolean confab_client_decode_json_room_event (ConfabClientEvent *event,
                                               const char        *type,
                                               JsonObject        *object);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConfabClientRoomRequest, confab_client_room_request_clear)

G_END_DECLS
