/* confab-manager.h: the org.confab.Confab1.Manager object on D-Bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-broker.h"
#include "confab-dbus-error.h"

G_BEGIN_DECLS

/* The longest Broadcast text or Kick reason when nobody says otherwise:
 * the default line limit of the chat protocols. */
#define CONFAB_MANAGER_DEFAULT_TEXT_MAX_BYTES 4096

#define CONFAB_TYPE_MANAGER (confab_manager_get_type ())
G_DECLARE_FINAL_TYPE (ConfabManager, confab_manager, CONFAB, MANAGER, GObject)

ConfabManager *confab_manager_new                (ConfabBroker       *broker,
                                                  const char * const *listen_addresses);
gboolean       confab_manager_export             (ConfabManager      *self,
                                                  GDBusConnection    *connection,
                                                  GError            **error);
void           confab_manager_unexport           (ConfabManager      *self);
void           confab_manager_set_text_max_bytes (ConfabManager      *self,
                                                  guint               max_bytes);
guint          confab_manager_get_text_max_bytes (ConfabManager      *self);

G_END_DECLS
