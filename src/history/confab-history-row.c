/* confab-history-row.c: one stored message, and its IRCv3 msgid.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-history-row.h"

/* A msgid is the row id in decimal behind a letter that says which table
 * it is from ("r" for a room message), so that an id of one table is
 * never taken for the other's, and a client never sees a bare number
 * it might take for a count. */
#define MSGID_PREFIX "r"

/**
 * confab_history_row_new:
 *
 * Returns: (transfer full): a row holding copies of the strings
 */
ConfabHistoryRow *
confab_history_row_new (gint64      id,
                        gint64      time_usec,
                        const char *target,
                        const char *sender,
                        const char *text)
{
  ConfabHistoryRow *row = g_new (ConfabHistoryRow, 1);

  row->id = id;
  row->time_usec = time_usec;
  row->target = g_strdup (target);
  row->sender = g_strdup (sender);
  row->text = g_strdup (text);
  return row;
}

void
confab_history_row_free (ConfabHistoryRow *row)
{
  if (row == NULL)
    return;
  g_free (row->target);
  g_free (row->sender);
  g_free (row->text);
  g_free (row);
}

/**
 * confab_history_msgid_from_id:
 * @id: a room message's row id
 *
 * Returns: (transfer full): the IRCv3 `msgid` tag of that message
 */
char *
confab_history_msgid_from_id (gint64 id)
{
  return g_strdup_printf (MSGID_PREFIX "%" G_GINT64_FORMAT, id);
}

/**
 * confab_history_msgid_to_id:
 * @msgid: a msgid from confab_history_msgid_from_id(), or a client's
 *   guess at one
 * @id: (out): the row id
 *
 * Returns: whether @msgid is one of ours
 */
gboolean
confab_history_msgid_to_id (const char *msgid,
                            gint64     *id)
{
  const char *digits;
  guint64     value = 0;

  g_return_val_if_fail (msgid != NULL && id != NULL, FALSE);

  if (!g_str_has_prefix (msgid, MSGID_PREFIX))
    return FALSE;
  digits = msgid + strlen (MSGID_PREFIX);
  /* Digits only: no sign, no white space, no leading zero (one spelling
   * per id), and no more than an int64 holds. */
  if (digits[0] < '1' || digits[0] > '9' || strspn (digits, "0123456789") != strlen (digits) ||
      !g_ascii_string_to_unsigned (digits, 10, 1, G_MAXINT64, &value, NULL))
    return FALSE;
  *id = (gint64) value;
  return TRUE;
}
