/* confab-auth-throttle.h: a growing delay per address after failed
 * password logins (SPEC §11).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabAuthThrottle ConfabAuthThrottle;

ConfabAuthThrottle *confab_auth_throttle_new (void);
void                confab_auth_throttle_free (ConfabAuthThrottle *self);
guint               confab_auth_throttle_delay_ms (ConfabAuthThrottle *self,
                                                   const char         *address,
                                                   gint64              now_usec);
void                confab_auth_throttle_failed (ConfabAuthThrottle *self,
                                                 const char         *address,
                                                 gint64              now_usec);
char               *confab_auth_throttle_host_of (const char *address);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabAuthThrottle, confab_auth_throttle_free)

G_END_DECLS
