/* confab-manager-private.h: what the manager's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-bus-signals.h"
#include "confab-dbus.h"
#include "confab-log.h"
#include "confab-manager.h"
#include "confab-manager-auth.h"
#include "confab-manager-calls.h"
#include "confab-manager-peer-signals.h"

G_BEGIN_DECLS

struct _ConfabManager
{
  GObject parent_instance;

  ConfabBroker       *broker;           /* (owned) */
  ConfabDBusManager  *skeleton;         /* (owned) */
  ConfabCallQueue    *calls;            /* (owned) */
  ConfabBusSignals   *bus_signals;      /* (owned): the window peer and room signals share */
  ConfabPeerSignals  *peer_signals;     /* (owned) */
  ConfabLogLimiter    log;              /* the audit lines' budget */
  char              **listen_addresses; /* (owned) */
  guint               text_max_bytes;
  GVariant           *peer_limits;  /* (owned) (nullable): a{sv} */
  ConfabStatsSource  *stats_source; /* (owned) (nullable): the connections' counters */
  ConfabHistoryStore *history;      /* (owned) (nullable): SPEC §12's store */

  /* Rooms (confab-manager-rooms.c) */
  GDBusObjectManagerServer *object_manager; /* (owned): at CONFAB_DBUS_PATH */
  GHashTable               *room_objects;   /* (owned): key → ConfabDBusObjectSkeleton */
  GHashTable               *rooms_dirty;    /* (owned): ConfabBrokerRoom (owned ref), to refresh */
  guint                     rooms_refresh_id;
  GHashTable               *rooms_held;         /* (owned): key → HeldRoom, while the bus is held */
  GHashTable               *rooms_held_refresh; /* (owned): ConfabBrokerRoom (owned ref), refreshed at release */
};

/* confab-manager-history.c */
void confab_manager_run_get_room_history (ConfabManager         *self,
                                          GDBusMethodInvocation *invocation,
                                          const char            *room,
                                          guint32                limit);

/* The call queue's ConfabCallRunFunc (confab-manager-methods.c). */
char *confab_manager_check_text (ConfabManager *self,
                                 const char    *text,
                                 gboolean       is_reason,
                                 GError       **error);

/* confab-manager-rooms.c */
void     confab_manager_rooms_init (ConfabManager *self);
void     confab_manager_rooms_clear (ConfabManager *self);
gboolean confab_manager_run_room_call (ConfabManager         *self,
                                       GDBusMethodInvocation *invocation,
                                       const ConfabCaller    *caller,
                                       const char            *method,
                                       GVariant              *parameters);

void confab_manager_run_call (GDBusMethodInvocation *invocation,
                              const ConfabCaller    *caller,
                              gpointer               user_data);

G_END_DECLS
