/* confab-bench-irc.c: confab-bench's IRC dialect (--irc).
 *
 * The same traffic as the text protocol's, through an IRC server (an
 * irc: listener of confabd, or another server for reference): a client
 * registers with NICK and USER and sends "PRIVMSG cA,cB :TEXT\r\n"; what
 * it receives is ":cS!USER@HOST PRIVMSG cR :TEXT", whose text is checked
 * exactly as a text line's. A message to more recipients than one line
 * should name goes out as several PRIVMSG lines (--targets-per-line),
 * the sender's own copy in the last one. Numerics are the server's
 * replies: the welcome is skipped, an error numeric (4xx, 5xx) is an
 * error, except ERR_NOMOTD (422), which only says there is no MOTD. A
 * PING is answered at once.
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

/* Sender @s's "PRIVMSG cA,cB :" prefixes into @dests: one line per
 * --targets-per-line recipients (all in one if 0), each but the last
 * ended by a '\n'; *n_parts says how many. Keeps the longest line a
 * message can make in irc_line_max. */
void
irc_setup_dests (Bench   *b,
                 int      s,
                 GString *dests,
                 guint32 *n_parts)
{
  int   per_line = b->targets_per_line > 0 ? b->targets_per_line : b->recipients;
  gsize start = dests->len;

  *n_parts = 0;
  for (int k = 0; k < b->recipients; k++)
    {
      if (k % per_line == 0)
        {
          if (k > 0)
            {
              b->irc_line_max = MAX (b->irc_line_max, dests->len - start + text_max (b));
              g_string_append_c (dests, '\n');
              start = dests->len;
            }
          g_string_append (dests, "PRIVMSG ");
          (*n_parts)++;
        }
      else
        g_string_append_c (dests, ',');
      g_string_append_printf (dests, "c%d", recipient_of (b, s, k));
      if (k % per_line == per_line - 1 || k == b->recipients - 1)
        g_string_append (dests, " :");
    }
  b->irc_line_max = MAX (b->irc_line_max, dests->len - start + text_max (b));
  /* What the server delivers: ":cS!USER@HOST PRIVMSG cR :TEXT", whose
   * head servers make up to about 80 bytes for these short nicks. */
  b->irc_line_max = MAX (b->irc_line_max, 80 + text_max (b));
}

/* "PING :token" (or "PING token") gets "PONG :token" at once; a server
 * that sees no answer closes the connection. Rare enough (servers ping
 * an idle client after a minute or more) to be sent on its own. */
static void
answer_ping (Bench      *b,
             Client     *c,
             const char *token,
             const char *end)
{
  char  line[PART_MAX + 16];
  gsize n = (gsize) MIN (end - token, PART_MAX);

  if (n > 0 && token[0] == ':')
    token++, n--;
  memcpy (line, "PONG :", 6);
  memcpy (line + 6, token, n);
  memcpy (line + 6 + n, "\r\n", 2);
  b->pings++;
  client_send_small (b, c, line, n + 8, "PONG");
}

/* A chat line ":cS!USER@HOST PRIVMSG cR :TEXT" from client @s, @p just
 * after the nick. Returns: FALSE if it is not one. */
static gboolean
handle_privmsg (Bench      *b,
                Client     *c,
                guint64     s,
                const char *p,
                const char *end,
                gint64      now)
{
  /* The rest of the source, then the command. */
  p = memchr (p, ' ', (gsize) (end - p));
  if (p == NULL || end - p < 10 || memcmp (p, " PRIVMSG ", 9) != 0)
    return FALSE;
  p += 9;
  /* The target (ourselves), then the text. */
  p = memchr (p, ' ', (gsize) (end - p));
  if (p == NULL || end - p < 2 || p[1] != ':')
    return FALSE;
  handle_chat_text (b, c, s, p + 2, end, now);
  return TRUE;
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

  /* ":cS!..." (the fast path); a server whose name starts with a 'c'
   * sends ":confab.local 001 ...", which is not one. */
  if (G_LIKELY (end - line > 2 && line[0] == ':' && line[1] == 'c'))
    {
      p = get_uint (line + 2, end, &s);
      if (p != NULL && p < end && *p == '!')
        {
          if (!handle_privmsg (b, c, s, p, end, now))
            b->corrupt++;
          return;
        }
    }

  /* ":SERVER NNN ...": a numeric; ":SERVER PING :token" a ping. */
  p = line;
  if (line < end && line[0] == ':')
    {
      p = memchr (line, ' ', (gsize) (end - line));
      if (p != NULL && end - p > 4 && g_ascii_isdigit (p[1]) && g_ascii_isdigit (p[2]) &&
          g_ascii_isdigit (p[3]) && p[4] == ' ')
        {
          if ((p[1] == '4' || p[1] == '5') && memcmp (p + 1, "422", 3) != 0)
            show_error (b, c, line, (gsize) (end - line), now);
          return;
        }
      p = p != NULL ? p + 1 : end;
    }
  if (end - p >= 5 && memcmp (p, "PING ", 5) == 0)
    {
      answer_ping (b, c, p + 5, end);
      return;
    }
  if (end - line >= 6 && memcmp (line, "ERROR ", 6) == 0)
    {
      show_error (b, c, line, (gsize) (end - line), now);
      return;
    }
  b->unexpected++;
}
