/* confabctl-commands.h: the sub-commands of confabctl.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-dbus.h"

G_BEGIN_DECLS

/* Exit statuses scripts may rely on. */
typedef enum
{
  CONFABCTL_EXIT_OK = 0,
  CONFABCTL_EXIT_FAILED = 1, /* a D-Bus error (the daemon refused, or is not there), or passwd failed */
  CONFABCTL_EXIT_USAGE = 2,  /* bad options or arguments */
} ConfabCtlExit;

typedef struct
{
  GBusType           bus_type;
  gboolean           json;
  gboolean           no_legend; /* tables without their header and "none" notes */
  ConfabDBusManager *manager;   /* (owned) (nullable): set up by main() */
  const char        *room;      /* (nullable): broadcast --room */
} ConfabCtl;

/* A command gets the arguments after its name, already counted. */
typedef ConfabCtlExit (*ConfabCtlCommandFunc) (ConfabCtl *ctl,
                                               char     **args);

ConfabCtlExit confabctl_peers (ConfabCtl *ctl,
                               char     **args);
ConfabCtlExit confabctl_peer (ConfabCtl *ctl,
                              char     **args);
ConfabCtlExit confabctl_broadcast (ConfabCtl *ctl,
                                   char     **args);
ConfabCtlExit confabctl_kick (ConfabCtl *ctl,
                              char     **args);
ConfabCtlExit confabctl_stats (ConfabCtl *ctl,
                               char     **args);
ConfabCtlExit confabctl_monitor (ConfabCtl *ctl,
                                 char     **args);
ConfabCtlExit confabctl_rooms (ConfabCtl *ctl,
                               char     **args);
ConfabCtlExit confabctl_room (ConfabCtl *ctl,
                              char     **args);
ConfabCtlExit confabctl_broadcast_room (ConfabCtl  *ctl,
                                        const char *text);
ConfabCtlExit confabctl_history (ConfabCtl *ctl,
                                 char     **args);
ConfabCtlExit confabctl_passwd (ConfabCtl *ctl,
                                char     **args);

const char   *confabctl_bus_label (ConfabCtl *ctl);
ConfabCtlExit confabctl_report_error (ConfabCtl *ctl,
                                      GError    *error);

G_END_DECLS
