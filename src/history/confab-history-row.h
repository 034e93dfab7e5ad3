/* confab-history-row.h: one stored message, as queries return it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabHistoryRow:
 * @id: the row's id: unique within its table (room messages or offline
 *   messages) for the life of the file, never reused after pruning, and
 *   increasing in the order the rows were stored
 * @time_usec: the server time the caller gave (Unix time, µs)
 * @target: a room message's room as its display name ("#Lobby"); an
 *   offline message's recipient as the sender addressed it
 * @sender: the sender's display name
 * @text: the message's text
 *
 * What `history #room TIME SENDER: text`, `from SENDER (offline TIME):
 * text` and an IRC line with `msgid` and `time` tags need.
 */
typedef struct
{
  gint64 id;
  gint64 time_usec;
  char  *target;
  char  *sender;
  char  *text;
} ConfabHistoryRow;

ConfabHistoryRow *confab_history_row_new (gint64      id,
                                          gint64      time_usec,
                                          const char *target,
                                          const char *sender,
                                          const char *text);
void              confab_history_row_free (ConfabHistoryRow *row);

char    *confab_history_msgid_from_id (gint64 id);
gboolean confab_history_msgid_to_id (const char *msgid,
                                     gint64     *id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabHistoryRow, confab_history_row_free)

G_END_DECLS
