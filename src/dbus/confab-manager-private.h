/* confab-manager-private.h: what the manager's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-dbus.h"
#include "confab-log.h"
#include "confab-manager.h"
#include "confab-manager-auth.h"
#include "confab-manager-calls.h"
#include "confab-manager-signals.h"

G_BEGIN_DECLS

struct _ConfabManager
{
  GObject parent_instance;

  ConfabBroker      *broker;           /* (owned) */
  ConfabDBusManager *skeleton;         /* (owned) */
  ConfabCallQueue   *calls;            /* (owned) */
  ConfabPeerSignals *signals;          /* (owned) */
  ConfabLogLimiter   log;              /* the audit lines' budget */
  char             **listen_addresses; /* (owned) */
  guint              text_max_bytes;
  GVariant          *peer_limits;  /* (owned) (nullable): a{sv} */
  ConfabStatsSource *stats_source; /* (owned) (nullable): the connections' counters */
};

/* The call queue's ConfabCallRunFunc (confab-manager-methods.c). */
void confab_manager_run_call (GDBusMethodInvocation *invocation,
                              const ConfabCaller    *caller,
                              gpointer               user_data);

G_END_DECLS
