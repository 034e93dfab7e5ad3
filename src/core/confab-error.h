/* confab-error.h: the ConfabError domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabError:
 * @CONFAB_ERROR_FAILED: anything not covered below
 * @CONFAB_ERROR_INVALID_NAME: a peer name breaks the rules of SPEC §2
 * @CONFAB_ERROR_NAME_TAKEN: the name is already logged in
 * @CONFAB_ERROR_SERVER_FULL: the peer limit is reached
 * @CONFAB_ERROR_NO_SUCH_PEER: a recipient is not connected
 * @CONFAB_ERROR_BAD_MESSAGE: a chat line is not `dest, dest: text`
 * @CONFAB_ERROR_TOO_MANY_RECIPIENTS: more recipients than the limit
 * @CONFAB_ERROR_EMPTY_MESSAGE: the text is empty after trimming
 * @CONFAB_ERROR_INVALID_UTF8: a line is not valid UTF-8
 * @CONFAB_ERROR_CONTROL_CHARACTER: a line holds NUL or another control character
 * @CONFAB_ERROR_LINE_TOO_LONG: a line is longer than the limit
 * @CONFAB_ERROR_LOGIN_TIMEOUT: no name arrived in time
 * @CONFAB_ERROR_SLOW_CONSUMER: the peer's outgoing queue overflowed
 * @CONFAB_ERROR_KICKED: an administrator removed the peer
 * @CONFAB_ERROR_SHUTTING_DOWN: the server is stopping
 * @CONFAB_ERROR_INVALID_CONFIG: the configuration cannot be used
 * @CONFAB_ERROR_INVALID_ADDRESS: a listen address cannot be parsed
 * @CONFAB_ERROR_BAD_JSON: a JSON-lines frame is not a JSON object (or too deep)
 * @CONFAB_ERROR_NOT_YOUR_NAME: on a Unix socket with identity checks, a
 *   login under a name other than the caller's user name
 * @CONFAB_ERROR_INVALID_ROOM_NAME: not '#' and 1 to 32 name characters
 * @CONFAB_ERROR_NO_SUCH_ROOM: nobody is in that room
 * @CONFAB_ERROR_NOT_IN_ROOM: a members-only request from a non-member
 * @CONFAB_ERROR_TOO_MANY_ROOMS: rooms_per_peer_max or rooms_max reached
 * @CONFAB_ERROR_ROOM_FULL: room_members_max reached
 * @CONFAB_ERROR_UNKNOWN_COMMAND: a text-protocol /command the server does
 *   not know
 * @CONFAB_ERROR_NOT_ROOM_OPERATOR: an operator's request (IRC's KICK) from
 *   a member who is not the room's operator
 * @CONFAB_ERROR_PING_TIMEOUT: an IRC client did not answer the server's PING
 * @CONFAB_ERROR_AUTHENTICATION_FAILED: a login's password (or its absence)
 *   does not match the name's account, or an account is required
 * @CONFAB_ERROR_PASSWORD_NEEDS_TLS: a password came over plain TCP
 * @CONFAB_ERROR_HISTORY_UNAVAILABLE: no history is kept, or its database
 *   cannot be used now (SPEC §12)
 * @CONFAB_ERROR_OFFLINE_FULL: a message for an account that is away, which
 *   has offline_max_messages waiting already
 * @CONFAB_ERROR_SERVICE_UNAVAILABLE: a cluster node cannot reach its
 *   cluster now, so a login's name cannot be checked (SPEC §14)
 *
 * Error codes of confab. Their nicks ("name-taken", …) are the stable
 * machine-readable codes the protocols and D-Bus show.
 */
typedef enum
{
  CONFAB_ERROR_FAILED,
  CONFAB_ERROR_INVALID_NAME,
  CONFAB_ERROR_NAME_TAKEN,
  CONFAB_ERROR_SERVER_FULL,
  CONFAB_ERROR_NO_SUCH_PEER,
  CONFAB_ERROR_BAD_MESSAGE,
  CONFAB_ERROR_TOO_MANY_RECIPIENTS,
  CONFAB_ERROR_EMPTY_MESSAGE,
  CONFAB_ERROR_INVALID_UTF8,
  CONFAB_ERROR_CONTROL_CHARACTER,
  CONFAB_ERROR_LINE_TOO_LONG,
  CONFAB_ERROR_LOGIN_TIMEOUT,
  CONFAB_ERROR_SLOW_CONSUMER,
  CONFAB_ERROR_KICKED,
  CONFAB_ERROR_SHUTTING_DOWN,
  CONFAB_ERROR_INVALID_CONFIG,
  CONFAB_ERROR_INVALID_ADDRESS,
  CONFAB_ERROR_BAD_JSON,
  CONFAB_ERROR_NOT_YOUR_NAME,
  CONFAB_ERROR_INVALID_ROOM_NAME,
  CONFAB_ERROR_NO_SUCH_ROOM,
  CONFAB_ERROR_NOT_IN_ROOM,
  CONFAB_ERROR_TOO_MANY_ROOMS,
  CONFAB_ERROR_ROOM_FULL,
  CONFAB_ERROR_UNKNOWN_COMMAND,
  CONFAB_ERROR_NOT_ROOM_OPERATOR,
  CONFAB_ERROR_PING_TIMEOUT,
  CONFAB_ERROR_AUTHENTICATION_FAILED,
  CONFAB_ERROR_PASSWORD_NEEDS_TLS,
  CONFAB_ERROR_HISTORY_UNAVAILABLE,
  CONFAB_ERROR_OFFLINE_FULL,
  CONFAB_ERROR_SERVICE_UNAVAILABLE,
} ConfabError;

#define CONFAB_ERROR (confab_error_quark ())
GQuark confab_error_quark (void);

const char *confab_error_code_to_string (ConfabError code);

G_END_DECLS
