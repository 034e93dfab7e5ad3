/* confab-text-protocol.c: the text protocol of SPEC §2, parsing side.
 *
 * Every chat line goes through confab_text_parse_message(), so it parses in
 * place: names and text are cut out of the line by writing NULs into it,
 * and only a failure allocates (its GError).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-name-set.h"
#include "confab-text-protocol.h"
#include "confab-validate.h"
#include "confab-wire.h"

G_STATIC_ASSERT (CONFAB_TEXT_MAX_RECIPIENTS_HARD <= CONFAB_NAME_SET_MAX);

#define BAD_MESSAGE_TEXT "expected 'name, name: text'"

/* Narrows [*start, *end) to exclude surrounding white space (space, TAB). */
static inline void
trim_ascii (const char **start,
            const char **end)
{
  confab_wire_trim (start, end, FALSE);
}

/**
 * confab_text_is_blank:
 *
 * Returns: whether @line holds only white space (space, TAB): an empty
 *   login, which asks for the caller's own user name where Unix identity
 *   applies
 */
gboolean
confab_text_is_blank (const char *line,
                      gsize       len)
{
  const char *start = line;
  const char *end = line + len;

  trim_ascii (&start, &end);
  return start == end;
}

/**
 * confab_text_is_peers_command:
 *
 * Returns: whether @line is "/peers", with white space (space, TAB)
 *   around it: the one command of the text protocol; it has no ':' and
 *   so can never be a chat line
 */
gboolean
confab_text_is_peers_command (const char *line,
                              gsize       len)
{
  const char *start = line;
  const char *end = line + len;

  trim_ascii (&start, &end);
  return (gsize) (end - start) == strlen ("/peers") && memcmp (start, "/peers", end - start) == 0;
}

gboolean
confab_text_parse_login (char        *line,
                         gsize        len,
                         const char **name_out,
                         GError     **error)
{
  const char *start = line;
  const char *end = line + len;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (name_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  trim_ascii (&start, &end);
  if (!confab_validate_name (start, end - start, error))
    return FALSE;

  line[end - line] = '\0';
  *name_out = start;
  return TRUE;
}

/* Records the recipient [start, end), unless it is already listed. The
 * name is NUL-terminated in place, which is safe: its end is a separator
 * or trimmed white space, both already looked at (and @seen only reads
 * the name's own bytes). */
static gboolean
add_recipient (ConfabTextMessage *msg,
               ConfabNameSet     *seen,
               char              *line,
               const char        *start,
               const char        *end,
               guint              max_recipients,
               GError           **error)
{
  gsize len = end - start;

  if (len == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE,
                           BAD_MESSAGE_TEXT);
      return FALSE;
    }

  if (!confab_validate_name (start, len, NULL))
    {
      /* The whole-line check already makes the name safe to echo; the
       * helper checks again, so the echo is safe on its own. */
      confab_wire_set_invalid_recipient (error, start, len);
      return FALSE;
    }

  /* A repeat is skipped, even past the limit: only distinct names count. */
  if (msg->n_recipients >= max_recipients)
    {
      if (confab_name_set_contains (seen, start, len))
        return TRUE;
      confab_wire_set_too_many_recipients (error, max_recipients);
      return FALSE;
    }
  if (!confab_name_set_add (seen, start, len))
    return TRUE;

  line[end - line] = '\0';
  msg->recipients[msg->n_recipients++] = start;
  return TRUE;
}

gboolean
confab_text_parse_message (char              *line,
                           gsize              len,
                           guint              max_recipients,
                           ConfabTextMessage *msg,
                           GError           **error)
{
  char         *colon;
  const char   *p;
  const char   *start;
  const char   *end;
  ConfabNameSet seen;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The array in @msg is the real bound, whatever the configuration says. */
  max_recipients = MIN (max_recipients, CONFAB_TEXT_MAX_RECIPIENTS_HARD);

  msg->n_recipients = 0;
  confab_name_set_init (&seen);
  msg->text = NULL;
  msg->text_len = 0;

  /* The whole line first, so that nothing below meets a NUL, a control
   * character or broken UTF-8. An empty line is merely malformed. */
  if (len > 0 && !confab_validate_text (line, len, error))
    return FALSE;

  colon = memchr (line, ':', len);
  if (colon == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE,
                           BAD_MESSAGE_TEXT);
      return FALSE;
    }

  /* Recipients: one item per ',' (so "a,,b" and ", a" have an empty one,
   * and an empty list is a single empty item). The names are compared
   * while the list is scanned, before the ':' is overwritten. */
  p = line;
  for (;;)
    {
      const char *comma = memchr (p, ',', colon - p);
      const char *item_end = comma != NULL ? comma : colon;

      start = p;
      end = item_end;
      trim_ascii (&start, &end);
      if (!add_recipient (msg, &seen, line, start, end, max_recipients, error))
        return FALSE;

      if (comma == NULL)
        break;
      p = comma + 1;
    }

  start = colon + 1;
  end = line + len;
  trim_ascii (&start, &end);
  if (start == end)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_EMPTY_MESSAGE,
                           "empty message");
      return FALSE;
    }

  line[end - line] = '\0';
  msg->text = start;
  msg->text_len = end - start;
  return TRUE;
}
