/* confab-bench-irc.c: confab-bench's IRC dialect (--irc).
 *
 * The same traffic as the text protocol's, through an irc: listener: a
 * client registers with NICK and USER and sends "PRIVMSG cA,cB :TEXT";
 * what it receives is ":cS!cS@confab PRIVMSG cR :TEXT", whose text is
 * checked exactly as a text line's. Numerics are the server's replies:
 * the welcome is skipped, an error numeric (4xx, 5xx) is an error.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "confab-bench.h"

/* "NICK cI\r\nUSER cI 0 * :cI\r\nPRIVMSG cI :hi\r\n": registration, and
 * the message to ourselves whose return proves it is complete. */
char *
irc_put_login (char   *p,
               guint32 id)
{
  static const char * const parts[] = { "NICK c", "\r\nUSER c", " 0 * :c", "\r\nPRIVMSG c" };

  for (gsize i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      memcpy (p, parts[i], strlen (parts[i]));
      p += strlen (parts[i]);
      p = put_uint (p, id);
    }
  memcpy (p, " :hi\r\n", 6);
  return p + 6;
}

/* Where @needle first is in @p to @end, or NULL. */
static const char *
find (const char *p,
      const char *end,
      const char *needle)
{
  gsize n = strlen (needle);

  for (; end - p >= (gssize) n; p++)
    if (memcmp (p, needle, n) == 0)
      return p;
  return NULL;
}

void
irc_handle_line (Bench      *b,
                 Client     *c,
                 const char *line,
                 gsize       len,
                 gint64      now)
{
  const char *end = line + len;
  const char *p;
  guint64     s;

  if (len > 0 && end[-1] == '\r')
    end--;

  /* ":cS!cS@confab PRIVMSG cR :TEXT" (the fast path). */
  if (G_LIKELY (len > 2 && line[0] == ':' && line[1] == 'c'))
    {
      p = get_uint (line + 2, end, &s);
      if (p == NULL || p == end || *p != '!')
        goto corrupt;
      p = find (p, end, " PRIVMSG ");
      if (p == NULL)
        goto corrupt;
      p = find (p + 9, end, " :");
      if (p == NULL)
        goto corrupt;
      handle_chat_text (b, c, s, p + 2, end, now);
      return;
    }

  /* ":SERVER NNN ...": a numeric. */
  if (len > 0 && line[0] == ':')
    {
      p = memchr (line, ' ', len);
      if (p != NULL && end - p > 4 && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) &&
          g_ascii_isdigit (p[3]) && p[4] == ' ')
        {
          if (p[1] == '4' || p[1] == '5')
            show_error (b, c, line, (gsize) (end - line), now);
          return;
        }
    }
  if (len >= 6 && memcmp (line, "ERROR ", 6) == 0)
    {
      show_error (b, c, line, (gsize) (end - line), now);
      return;
    }
  b->unexpected++;
  return;

corrupt:
  b->corrupt++;
}
