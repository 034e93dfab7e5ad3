/* confab-listen-address.c: schemes in front of listen addresses (SPEC §8).
 *
 * The scheme is only ever a prefix of letters and a colon, and the
 * address after it is parsed as without one, so `irc:unix:/run/x` and
 * `irc:[::1]:6667` work as expected. No scheme is the confab door, as
 * every address was before schemes existed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "confab-address.h"
#include "confab-error.h"
#include "confab-listen-address.h"

typedef struct
{
  const char *scheme; /* as written before the ':'; also the FileDescriptorName */
  gboolean    served;
  ConfabDoor  door; /* when served */
} SchemeInfo;

/* Every scheme of SPEC §8; the unserved ones are refused by name. */
static const SchemeInfo schemes[] = {
  { "irc", TRUE, CONFAB_DOOR_IRC },
  { "tls", TRUE, CONFAB_DOOR_TLS },
  { "ircs", TRUE, CONFAB_DOOR_IRCS },
  { "ws", TRUE, CONFAB_DOOR_WS },
  { "wss", TRUE, CONFAB_DOOR_WSS },
};

static const SchemeInfo *
find_scheme (const char *scheme,
             gsize       len)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      if (strlen (schemes[i].scheme) == len && strncmp (schemes[i].scheme, scheme, len) == 0)
        return &schemes[i];
    }
  return NULL;
}

static gboolean
refuse_unserved (const SchemeInfo *info,
                 const char       *text,
                 GError          **error)
{
  g_autofree char *shown = g_utf8_make_valid (text, -1);

  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS,
               _ ("Invalid address “%s”: the %s: scheme is not supported yet"),
               shown, info->scheme);
  return FALSE;
}

/**
 * confab_listen_address_parse:
 * @text: "127.0.0.1:8080", "irc:[::1]:6667", "irc:unix:/run/confab-irc.sock",
 *   "tls:127.0.0.1:8443", "ircs:[::1]:6697", "ws:127.0.0.1:8081"
 * @door: (out): the front door the scheme names
 * @error: %CONFAB_ERROR_INVALID_ADDRESS
 *
 * The address after the scheme as confab_address_parse() reads it.
 *
 * Returns: (transfer full) (nullable): the address, or %NULL on error
 */
GSocketAddress *
confab_listen_address_parse (const char *text,
                             ConfabDoor *door,
                             GError    **error)
{
  const char       *colon;
  const SchemeInfo *info = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (door != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  colon = strchr (text, ':');
  if (colon != NULL)
    info = find_scheme (text, colon - text);
  if (info == NULL)
    {
      *door = CONFAB_DOOR_CONFAB;
      return confab_address_parse (text, error);
    }
  if (!info->served)
    {
      refuse_unserved (info, text, error);
      return NULL;
    }

  *door = info->door;
  return confab_address_parse (colon + 1, error);
}

/**
 * confab_door_get_scheme:
 *
 * Returns: "irc", "tls", "ircs", "ws" or "wss"; "" for the confab door,
 *   which has none
 */
const char *
confab_door_get_scheme (ConfabDoor door)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schemes); i++)
    {
      if (schemes[i].served && schemes[i].door == door)
        return schemes[i].scheme;
    }
  return "";
}

/**
 * confab_listen_address_to_string:
 *
 * Returns: (transfer full): @address as confab_address_to_string() writes
 *   it, behind the door's scheme: "irc:127.0.0.1:6667"
 */
char *
confab_listen_address_to_string (ConfabDoor      door,
                                 GSocketAddress *address)
{
  g_autofree char *plain = NULL;
  const char      *scheme = confab_door_get_scheme (door);

  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), NULL);

  plain = confab_address_to_string (address);
  if (*scheme == '\0')
    return g_steal_pointer (&plain);
  return g_strconcat (scheme, ":", plain, NULL);
}

/**
 * confab_door_from_fd_name:
 * @name: (nullable): a socket's FileDescriptorName= under socket activation
 * @door: (out): its front door
 * @error: %CONFAB_ERROR_INVALID_ADDRESS for a scheme not served yet
 *
 * "irc", "tls", "ircs", "ws" and "wss" are those doors. "confab", an empty or missing name and every
 * other name (systemd's default is the socket unit's own name, such as
 * "confabd.socket") are the confab door, so a unit that names nothing
 * keeps working as before.
 */
gboolean
confab_door_from_fd_name (const char *name,
                          ConfabDoor *door,
                          GError    **error)
{
  const SchemeInfo *info;

  g_return_val_if_fail (door != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  *door = CONFAB_DOOR_CONFAB;
  if (name == NULL)
    return TRUE;
  info = find_scheme (name, strlen (name));
  if (info == NULL)
    return TRUE;
  if (!info->served)
    {
      g_autofree char *shown = g_utf8_make_valid (name, -1);

      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS,
                   _ ("A socket named “%s” was passed: that front door is not supported yet"),
                   shown);
      return FALSE;
    }
  *door = info->door;
  return TRUE;
}
