/* confab-manager-calls.h: the manager's method calls, in each caller's order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-log.h"
#include "confab-manager-auth.h"

G_BEGIN_DECLS

/*
 * ConfabCallRunFunc:
 * @invocation: (transfer none): an allowed call, to be answered
 * @caller: (nullable): who made it, for the members that need to know
 *   (Broadcast and Kick); %NULL for open members
 *
 * Runs one call on the main context; it must answer @invocation.
 */
typedef void (*ConfabCallRunFunc) (GDBusMethodInvocation *invocation,
                                   const ConfabCaller    *caller,
                                   gpointer               user_data);

typedef struct _ConfabCallQueue ConfabCallQueue;

ConfabCallQueue *confab_call_queue_new (ConfabCallRunFunc run,
                                        gpointer          user_data);
void             confab_call_queue_close (ConfabCallQueue *self);
void             confab_call_queue_set_enforce (ConfabCallQueue *self,
                                                gboolean         enforce);
gboolean         confab_call_queue_get_enforce (ConfabCallQueue *self);
void             confab_call_queue_push (ConfabCallQueue       *self,
                                         GDBusMethodInvocation *invocation);

G_END_DECLS
