/* confab-user-db.h: the user and group database, looked up one way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * Every call may block as long as NSS takes (LDAP, say): on the main loop
 * only at start-up or reload, otherwise in the lookup pool
 * (confab-lookup-pool.h). Each returns FALSE without @error when there is
 * no such entry, and FALSE with @error (G_IO_ERROR) when the database
 * could not answer; a caller that treats both alike passes NULL.
 */
gboolean confab_user_db_get_user_by_uid (guint32  uid,
                                         char   **name,
                                         guint32 *gid,
                                         GError **error);
gboolean confab_user_db_get_user_by_name (const char *name,
                                          guint32    *uid,
                                          guint32    *gid,
                                          GError    **error);
gboolean confab_user_db_get_group_by_name (const char *name,
                                           guint32    *gid,
                                           GError    **error);
GArray  *confab_user_db_get_group_list (const char *user,
                                        guint32     gid);

G_END_DECLS
