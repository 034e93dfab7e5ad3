/* confab-history-query.h: which part of a room's history to read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ConfabHistoryDirection:
 * @CONFAB_HISTORY_LATEST: the newest messages; with an anchor, the newest
 *   of those after it (IRCv3 chathistory LATEST)
 * @CONFAB_HISTORY_BEFORE: the messages just before the anchor
 * @CONFAB_HISTORY_AFTER: the messages just after the anchor
 *
 * Whatever the direction, the rows come back oldest first. Anchors are
 * exclusive, as in IRCv3 chathistory.
 */
typedef enum
{
  CONFAB_HISTORY_LATEST,
  CONFAB_HISTORY_BEFORE,
  CONFAB_HISTORY_AFTER,
} ConfabHistoryDirection;

/**
 * ConfabHistoryQuery:
 * @direction: see #ConfabHistoryDirection
 * @anchor_id: a message id (ConfabHistoryRow.id, or a msgid turned back
 *   with confab_history_msgid_to_id()), or 0 to anchor on @anchor_usec
 * @anchor_usec: a server time (Unix µs) when @anchor_id is 0; ignored for
 *   LATEST unless @has_anchor
 * @has_anchor: for LATEST: whether an anchor is given (BEFORE and AFTER
 *   always have one)
 * @limit: the most rows wanted; 0 or more than the store's replay_max
 *   mean replay_max
 *
 * Zero-initialised is LATEST with no anchor and the default limit: the
 * last messages, as `/history #room` wants them.
 */
typedef struct
{
  ConfabHistoryDirection direction;
  gint64                 anchor_id;
  gint64                 anchor_usec;
  gboolean               has_anchor;
  guint                  limit;
} ConfabHistoryQuery;

G_END_DECLS
