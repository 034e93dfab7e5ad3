/* confab-listen-address.h: a listen address with the scheme naming its
 * front door (SPEC §8): `ADDRESS` for the confab protocols, `irc:ADDRESS`
 * for IRC.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * ConfabDoor:
 * @CONFAB_DOOR_CONFAB: text or JSON lines, told apart by the first byte
 * @CONFAB_DOOR_IRC: the IRC client protocol (SPEC §10)
 * @CONFAB_DOOR_TLS: text or JSON lines over TLS (SPEC §11)
 * @CONFAB_DOOR_IRCS: IRC over TLS
 * @CONFAB_DOOR_WS: HTTP (SPEC §13): the web client's files, /metrics, and
 *   /chat upgraded to a WebSocket carrying JSON lines
 * @CONFAB_DOOR_WSS: the same over TLS
 *
 * Which protocol a listener serves, and whether over TLS.
 */
typedef enum
{
  CONFAB_DOOR_CONFAB,
  CONFAB_DOOR_IRC,
  CONFAB_DOOR_TLS,
  CONFAB_DOOR_IRCS,
  CONFAB_DOOR_WS,
  CONFAB_DOOR_WSS,
  CONFAB_DOOR_COUNT,
} ConfabDoor;

/* Whether connections through @door start with a TLS handshake. */
static inline gboolean
confab_door_is_tls (ConfabDoor door)
{
  return door == CONFAB_DOOR_TLS || door == CONFAB_DOOR_IRCS || door == CONFAB_DOOR_WSS;
}

/* Whether connections through @door speak IRC (with or without TLS). */
static inline gboolean
confab_door_is_irc (ConfabDoor door)
{
  return door == CONFAB_DOOR_IRC || door == CONFAB_DOOR_IRCS;
}

/* Whether connections through @door speak HTTP and WebSocket. */
static inline gboolean
confab_door_is_websocket (ConfabDoor door)
{
  return door == CONFAB_DOOR_WS || door == CONFAB_DOOR_WSS;
}

GSocketAddress *confab_listen_address_parse (const char *text,
                                             ConfabDoor *door,
                                             GError    **error);
char           *confab_listen_address_to_string (ConfabDoor      door,
                                                 GSocketAddress *address);
gboolean        confab_door_from_fd_name (const char *name,
                                          ConfabDoor *door,
                                          GError    **error);
const char     *confab_door_get_scheme (ConfabDoor door);

G_END_DECLS
