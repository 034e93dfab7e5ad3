/* confab-dbus-error.h: the errors the D-Bus interface sends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/**
 * ConfabDBusError:
 * @CONFAB_DBUS_ERROR_NO_SUCH_PEER: no peer of that name is connected
 * @CONFAB_DBUS_ERROR_INVALID_ARGUMENT: an argument is empty, too long or
 *   holds control characters
 * @CONFAB_DBUS_ERROR_ACCESS_DENIED: the caller may not make this call
 * @CONFAB_DBUS_ERROR_NO_SUCH_ROOM: no room of that name exists
 * @CONFAB_DBUS_ERROR_HISTORY_UNAVAILABLE: no history is kept, or its
 *   database cannot be read now
 *
 * Errors of org.confab.Confab1.Manager. Each nick, in CamelCase after
 * the prefix org.confab.Confab1.Error., is the D-Bus error name that
 * clients see ("no-such-peer" → org.confab.Confab1.Error.NoSuchPeer).
 */
typedef enum /*< underscore_name=confab_dbus_error >*/
{
  CONFAB_DBUS_ERROR_NO_SUCH_PEER,        /*< nick=no-such-peer >*/
  CONFAB_DBUS_ERROR_INVALID_ARGUMENT,    /*< nick=invalid-argument >*/
  CONFAB_DBUS_ERROR_ACCESS_DENIED,       /*< nick=access-denied >*/
  CONFAB_DBUS_ERROR_NO_SUCH_ROOM,        /*< nick=no-such-room >*/
  CONFAB_DBUS_ERROR_HISTORY_UNAVAILABLE, /*< nick=history-unavailable >*/
} ConfabDBusError;

#define CONFAB_DBUS_ERROR (confab_dbus_error_quark ())
GQuark confab_dbus_error_quark (void);

G_END_DECLS
