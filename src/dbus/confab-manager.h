/* confab-manager.h: the org.confab.Confab1.Manager object on D-Bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-broker.h"
#include "confab-dbus-error.h"
#include "confab-history-store.h"
#include "confab-stats.h"

G_BEGIN_DECLS

/* The longest Broadcast text or Kick reason when nobody says otherwise:
 * the default line limit of the chat protocols. */
#define CONFAB_MANAGER_DEFAULT_TEXT_MAX_BYTES 4096

/* The group whose members may call Broadcast and Kick besides root; the
 * system-bus policy (data/org.confab.Confab1.conf) names the same one. */
#define CONFAB_MANAGER_ADMIN_GROUP "confab-admin"

/**
 * ConfabManagerAccess:
 * @CONFAB_MANAGER_ACCESS_DENIED: not a member the manager serves: refused
 *   to everyone (deny by default)
 * @CONFAB_MANAGER_ACCESS_OPEN: read-only: open to every caller
 * @CONFAB_MANAGER_ACCESS_ADMIN: changes what peers see: root and members
 *   of CONFAB_MANAGER_ADMIN_GROUP, when authorization is enforced
 *
 * Who may call a member of the interface.
 */
typedef enum
{
  CONFAB_MANAGER_ACCESS_DENIED,
  CONFAB_MANAGER_ACCESS_OPEN,
  CONFAB_MANAGER_ACCESS_ADMIN,
} ConfabManagerAccess;

#define CONFAB_TYPE_MANAGER (confab_manager_get_type ())
G_DECLARE_FINAL_TYPE (ConfabManager, confab_manager, CONFAB, MANAGER, GObject)

ConfabManager *confab_manager_new (ConfabBroker       *broker,
                                   const char * const *listen_addresses);
gboolean       confab_manager_export (ConfabManager   *self,
                                      GDBusConnection *connection,
                                      GError         **error);
void           confab_manager_unexport (ConfabManager *self);
void           confab_manager_set_peer_limits (ConfabManager *self,
                                               GVariant      *limits);
void           confab_manager_set_history (ConfabManager      *self,
                                           ConfabHistoryStore *history);
void           confab_manager_set_stats_source (ConfabManager     *self,
                                                ConfabStatsSource *source);
void           confab_manager_set_text_max_bytes (ConfabManager *self,
                                                  guint          max_bytes);
void           confab_manager_set_enforce_authorization (ConfabManager *self,
                                                         gboolean       enforce);
gboolean       confab_manager_get_enforce_authorization (ConfabManager *self);
GVariant      *confab_manager_dup_statistics (ConfabManager *self);

/* The authorization rules, pure so that tests need no bus. */
ConfabManagerAccess confab_manager_get_member_access (const char *interface_name,
                                                      const char *method_name);
gboolean            confab_manager_caller_is_admin (guint32        uid,
                                                    const guint32 *gids,
                                                    gsize          n_gids,
                                                    gint64         admin_gid);

G_END_DECLS
