/* confab-history-sqlite.h: SQLite result codes as ConfabHistoryErrors.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

gboolean confab_history_sqlite_set_error (GError **error,
                                          sqlite3 *db,
                                          int      rc);
int      confab_history_sqlite_code_of (sqlite3 *db,
                                        int      rc);
gboolean confab_history_sqlite_cannot_write (const char *path);

G_END_DECLS
