/* confab-wire.h: what every wire protocol's parser shares.
 *
 * The white space each protocol trims, and the wording of the refusals
 * that more than one protocol sends, live here once, so a third protocol
 * (IRC, WebSocket) says the same words and trims the same way.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The white space a line may hold around its parts: space and TAB. Every
 * other character g_ascii_isspace() knows (CR, FF; VT it does not) is a
 * control character, refused in names and text, never trimmed. */
static inline gboolean
confab_wire_is_blank (char c)
{
  return c == ' ' || c == '\t';
}

/* The white space trimmed around a text that may hold line breaks (JSON
 * texts): blanks, LF and CR. */
static inline gboolean
confab_wire_is_text_space (char c)
{
  return confab_wire_is_blank (c) || c == '\n' || c == '\r';
}

/*
 * confab_wire_trim:
 * @start: (inout): the first byte
 * @end: (inout): one past the last byte
 * @line_breaks: whether LF and CR count as white space too
 *
 * Narrows [*start, *end) to exclude surrounding white space.
 */
static inline void
confab_wire_trim (const char **start,
                  const char **end,
                  gboolean     line_breaks)
{
  if (line_breaks)
    {
      while (*start < *end && confab_wire_is_text_space (**start))
        (*start)++;
      while (*end > *start && confab_wire_is_text_space ((*end)[-1]))
        (*end)--;
    }
  else
    {
      while (*start < *end && confab_wire_is_blank (**start))
        (*start)++;
      while (*end > *start && confab_wire_is_blank ((*end)[-1]))
        (*end)--;
    }
}

/* Returns: the offset of the first byte of @line that is not a blank, or
 *   @len if there is none */
static inline gsize
confab_wire_skip_blanks (const char *line,
                         gsize       len)
{
  gsize i = 0;

  while (i < len && confab_wire_is_blank (line[i]))
    i++;
  return i;
}

char *confab_wire_format_time (gint64 timestamp_usec);
void  confab_wire_set_too_many_recipients (GError **error,
                                           guint    max_recipients);
void  confab_wire_set_invalid_recipient (GError    **error,
                                         const char *name,
                                         gssize      len);

G_END_DECLS
