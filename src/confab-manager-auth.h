/* confab-manager-auth.h: the authorization choke point of ConfabManager.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* What the g-authorize-method handler reads. It runs in a worker thread
 * and may outlive the manager by one call, so it never touches the
 * manager: the handler owns a reference on this instead. */
typedef struct _ConfabAuthState ConfabAuthState;

ConfabAuthState *confab_auth_state_new         (gboolean                enforce);
ConfabAuthState *confab_auth_state_ref         (ConfabAuthState        *auth);
void             confab_auth_state_unref       (ConfabAuthState        *auth);
void             confab_auth_state_set_enforce (ConfabAuthState        *auth,
                                                gboolean                enforce);
gboolean         confab_auth_state_get_enforce (ConfabAuthState        *auth);
void             confab_auth_state_attach      (ConfabAuthState        *auth,
                                                GDBusInterfaceSkeleton *skeleton);

G_END_DECLS
