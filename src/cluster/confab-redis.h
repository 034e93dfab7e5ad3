/* confab-redis.h: a hiredis asynchronous connection on a GLib main
 * context, through hiredis' own GLib adapter.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

G_BEGIN_DECLS

gboolean           confab_redis_parse_address (const char *address,
                                               char      **path,
                                               char      **host,
                                               guint      *port,
                                               GError    **error);
gboolean           confab_redis_check_address (const char *address,
                                               GError    **error);
redisAsyncContext *confab_redis_connect (const char   *address,
                                         GMainContext *context,
                                         GError      **error);

G_END_DECLS
