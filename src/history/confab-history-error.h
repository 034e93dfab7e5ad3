/* confab-history-error.h: the ConfabHistoryError domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabHistoryError:
 * @CONFAB_HISTORY_ERROR_FAILED: any other failure of SQLite or the file
 *   (an I/O error, out of memory); the message says which
 * @CONFAB_HISTORY_ERROR_BUSY: the store's queue is full, or another
 *   process held the database's write lock for longer than the busy
 *   timeout; nothing was done, and trying again later may work
 * @CONFAB_HISTORY_ERROR_DISK_FULL: the file system is full (or the
 *   process's file size limit is reached): the write was not stored. Later
 *   writes are tried again, and succeed once there is space
 * @CONFAB_HISTORY_ERROR_CORRUPT: the file is not a SQLite database, or
 *   SQLite found it damaged; the store leaves it as it is
 * @CONFAB_HISTORY_ERROR_READ_ONLY: the file (or its directory) cannot be
 *   written: the store was opened for reading only, or could not be opened
 * @CONFAB_HISTORY_ERROR_VERSION: the file's schema is newer than this
 *   program knows; it is left as it is
 * @CONFAB_HISTORY_ERROR_FOREIGN: the file is a SQLite database of some
 *   other program (another application id, or tables but no confab
 *   schema); it is left as it is
 * @CONFAB_HISTORY_ERROR_OFFLINE_FULL: the recipient already has
 *   offline_max_messages messages waiting
 * @CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE: a query's anchor names a message
 *   id that is not in that room's history (never there, or pruned)
 * @CONFAB_HISTORY_ERROR_CLOSED: the store was closed before the request
 *
 * Errors of the history store (src/history). Their nicks ("disk-full",
 * …) are stable, for the protocols and D-Bus to show.
 */
typedef enum
{
  CONFAB_HISTORY_ERROR_FAILED,
  CONFAB_HISTORY_ERROR_BUSY,
  CONFAB_HISTORY_ERROR_DISK_FULL,
  CONFAB_HISTORY_ERROR_CORRUPT,
  CONFAB_HISTORY_ERROR_READ_ONLY,
  CONFAB_HISTORY_ERROR_VERSION,
  CONFAB_HISTORY_ERROR_FOREIGN,
  CONFAB_HISTORY_ERROR_OFFLINE_FULL,
  CONFAB_HISTORY_ERROR_NO_SUCH_MESSAGE,
  CONFAB_HISTORY_ERROR_CLOSED,
} ConfabHistoryError;

#define CONFAB_HISTORY_ERROR (confab_history_error_quark ())
GQuark confab_history_error_quark (void);

const char *confab_history_error_code_to_string (ConfabHistoryError code);

G_END_DECLS
