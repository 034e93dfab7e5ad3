/* confab-history-schema.h: the database's tables, versions and migrations.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

/* PRAGMA application_id of a confab history file: "Cnfb". */
#define CONFAB_HISTORY_APPLICATION_ID 0x436e6662

guint    confab_history_schema_get_version (void);
gboolean confab_history_schema_check (sqlite3    *db,
                                      const char *shown_path,
                                      gboolean   *needs_migration,
                                      GError    **error);
gboolean confab_history_schema_migrate (sqlite3    *db,
                                        const char *shown_path,
                                        GError    **error);

G_END_DECLS
