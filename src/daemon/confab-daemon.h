/* confab-daemon.h: the composition root of confabd.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef enum
{
  CONFAB_BUS_SESSION,
  CONFAB_BUS_SYSTEM,
  CONFAB_BUS_NONE,
} ConfabBusChoice;

#define CONFAB_TYPE_DAEMON (confab_daemon_get_type ())
G_DECLARE_FINAL_TYPE (ConfabDaemon, confab_daemon, CONFAB, DAEMON, GObject)

ConfabDaemon *confab_daemon_new (const char         *config_path,
                                 gboolean            config_explicit,
                                 const char * const *listen,
                                 ConfabBusChoice     bus,
                                 GError            **error);
gboolean      confab_daemon_start (ConfabDaemon *self,
                                   GError      **error);
void          confab_daemon_shutdown (ConfabDaemon *self);
void          confab_daemon_reload (ConfabDaemon *self);

G_END_DECLS
