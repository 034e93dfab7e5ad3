/* confab-irc-message.c: IRC messages (SPEC §10), parsing and serialization.
 *
 * Every line an IRC client sends goes through confab_irc_message_parse(),
 * so it parses in place like the text protocol: NULs are written over the
 * separators, tag values are unescaped where they stand, and only a
 * failure allocates (its GError).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-irc-message.h"

static gboolean
fail (GError    **error,
      ConfabError code,
      const char *message)
{
  g_set_error_literal (error, CONFAB_ERROR, code, message);
  return FALSE;
}

/* IRC separates the parts of a message by spaces only: a TAB is part of
 * a param. */
static char *
skip_spaces (char       *p,
             const char *end)
{
  while (p < end && *p == ' ')
    p++;
  return p;
}

static char *
find_space (char       *p,
            const char *end)
{
  char *space = memchr (p, ' ', end - p);

  return space != NULL ? space : (char *) end;
}

/* IRCv3: key = [ '+' ] [ vendor '/' ] 1*( letter / digit / '-' ), the
 * vendor being a host name. */
static gboolean
tag_key_is_valid (const char *key,
                  gsize       len)
{
  const char *p = key;
  const char *end = key + len;
  const char *slash;

  if (p < end && *p == '+')
    p++;

  /* Over the whole key (a leading '+' is no '/'), which keeps the bound
   * visibly non-negative for GCC's -Wstringop-overread. */
  slash = memchr (key, '/', len);
  if (slash != NULL)
    {
      if (slash == p)
        return FALSE;
      for (; p < slash; p++)
        if (!g_ascii_isalnum (*p) && *p != '-' && *p != '.')
          return FALSE;
      p = slash + 1;
    }

  if (p == end)
    return FALSE;
  for (; p < end; p++)
    if (!g_ascii_isalnum (*p) && *p != '-')
      return FALSE;
  return TRUE;
}

/* Unescapes the tag value [start, end) in place and NUL-terminates it
 * (possibly over the byte at @end, a separator already looked at).
 * Unescaping never lengthens, so the writer stays behind the reader.
 * Returns: the value, or NULL if it is empty, which IRCv3 says means the
 *   same as no value. */
static const char *
unescape_tag_value (char       *start,
                    const char *end)
{
  const char *r = start;
  char       *w = start;

  while (r < end)
    {
      if (*r != '\\')
        {
          *w++ = *r++;
          continue;
        }
      r++;
      if (r == end)
        break; /* a lone '\' at the end is dropped */
      switch (*r)
        {
        case ':': *w++ = ';'; break;
        case 's': *w++ = ' '; break;
        case 'r': *w++ = '\r'; break;
        case 'n': *w++ = '\n'; break;
        default: *w++ = *r; break; /* "\\" and any other "\x" give the character */
        }
      r++;
    }
  *w = '\0';
  return w == start ? NULL : start;
}

/* The tags [p, end): what lies between the '@' and the first space. */
static gboolean
parse_tags (char             *p,
            char             *end,
            ConfabIrcMessage *message,
            GError          **error)
{
  for (;;)
    {
      char    *item_end = memchr (p, ';', end - p);
      char    *eq;
      char    *key_end;
      gboolean last;

      if (item_end == NULL)
        item_end = end;
      last = item_end == end;
      eq = memchr (p, '=', item_end - p);
      key_end = eq != NULL ? eq : item_end;

      if (key_end == p)
        return fail (error, CONFAB_ERROR_BAD_MESSAGE, "empty tag key");
      if (!tag_key_is_valid (p, key_end - p))
        return fail (error, CONFAB_ERROR_BAD_MESSAGE, "invalid tag key");
      if (message->n_tags == CONFAB_IRC_TAGS_COUNT_MAX)
        return fail (error, CONFAB_ERROR_BAD_MESSAGE, "more than 64 tags");

      message->tags[message->n_tags].key = p;
      message->tags[message->n_tags].value = eq != NULL ? unescape_tag_value (eq + 1, item_end) : NULL;
      message->n_tags++;
      *key_end = '\0';

      if (last)
        return TRUE;
      p = item_end + 1;
    }
}

/* Letters (uppercased in place: commands are case-insensitive) or a
 * three-digit numeric. */
static gboolean
normalize_command (char       *command,
                   const char *end)
{
  gsize len = end - command;
  char *p;

  if (len == 3 && g_ascii_isdigit (command[0]) && g_ascii_isdigit (command[1]) &&
      g_ascii_isdigit (command[2]))
    return TRUE;

  for (p = command; p < end; p++)
    if (!g_ascii_isalpha (*p))
      return FALSE;
  for (p = command; p < end; p++)
    *p = g_ascii_toupper (*p);
  return TRUE;
}

gboolean
confab_irc_message_parse (char             *line,
                          gsize             len,
                          ConfabIrcMessage *message,
                          GError          **error)
{
  char *end;
  char *rest;
  char *p;
  char *command_end;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  message->n_tags = 0;
  message->source = NULL;
  message->command = NULL;
  message->n_params = 0;
  message->has_trailing = FALSE;

  end = line + len;
  if (skip_spaces (line, end) == end)
    return fail (error, CONFAB_ERROR_BAD_MESSAGE, "empty line");

  /* Whatever the framer let through: a NUL would cut a param short
   * unseen, a CR or LF would end the line early if echoed. */
  for (p = line; p < end; p++)
    if (*p == '\0' || *p == '\r' || *p == '\n')
      return fail (error, CONFAB_ERROR_CONTROL_CHARACTER, "line contains NUL, CR or LF");
  *end = '\0';

  /* The two length limits first, before any work on the parts. */
  rest = line;
  if (line[0] == '@')
    {
      char *space = memchr (line, ' ', len);
      gsize tags_len = space != NULL ? (gsize) (space - line) + 1 : len;

      if (tags_len > CONFAB_IRC_TAGS_MAX)
        return fail (error, CONFAB_ERROR_LINE_TOO_LONG, "tags longer than 8191 bytes");
      if (space == NULL)
        return fail (error, CONFAB_ERROR_BAD_MESSAGE, "no command");
      rest = space + 1;
    }
  if ((gsize) (end - rest) > CONFAB_IRC_LINE_MAX - 2)
    return fail (error, CONFAB_ERROR_LINE_TOO_LONG, "line longer than 512 bytes");

  if (rest != line && !parse_tags (line + 1, rest - 1, message, error))
    return FALSE;

  p = skip_spaces (rest, end);
  if (*p == ':')
    {
      char *source_end = find_space (p + 1, end);

      if (source_end == p + 1)
        return fail (error, CONFAB_ERROR_BAD_MESSAGE, "empty source");
      message->source = p + 1;
      p = source_end;
      if (p < end)
        *p++ = '\0';
      p = skip_spaces (p, end);
    }

  command_end = find_space (p, end);
  if (command_end == p)
    return fail (error, CONFAB_ERROR_BAD_MESSAGE, "no command");
  if (!normalize_command (p, command_end))
    return fail (error, CONFAB_ERROR_BAD_MESSAGE, "invalid command");
  message->command = p;

  /* Here and at every turn @p is at the space after the last token (or
   * the end), which becomes its NUL. */
  p = command_end;
  for (;;)
    {
      if (p < end)
        *p++ = '\0';
      p = skip_spaces (p, end);
      if (p == end)
        break;

      /* The trailing param, or the 15th, takes the rest of the line. */
      if (*p == ':' || message->n_params == CONFAB_IRC_PARAMS_MAX - 1)
        {
          if (*p == ':')
            {
              message->has_trailing = TRUE;
              p++;
            }
          message->params[message->n_params++] = p;
          break;
        }
      message->params[message->n_params++] = p;
      p = find_space (p, end);
    }

  return TRUE;
}

gboolean
confab_irc_message_get_tag (const ConfabIrcMessage *message,
                            const char             *key,
                            const char            **value)
{
  g_return_val_if_fail (message != NULL, FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  for (guint i = message->n_tags; i > 0; i--)
    {
      if (strcmp (message->tags[i - 1].key, key) == 0)
        {
          if (value != NULL)
            *value = message->tags[i - 1].value;
          return TRUE;
        }
    }
  if (value != NULL)
    *value = NULL;
  return FALSE;
}

static gboolean
has_space_or_line_break (const char *s)
{
  return strpbrk (s, " \r\n") != NULL;
}

static gboolean
middle_param_is_valid (const char *param)
{
  return param != NULL && param[0] != '\0' && param[0] != ':' &&
         !has_space_or_line_break (param);
}

/* Where to cut @s (at least @keep bytes long) to at most @keep bytes
 * without splitting a UTF-8 sequence: back over at most three
 * continuation bytes, the most a valid sequence has. */
static gsize
utf8_cut (const char *s,
          gsize       keep)
{
  for (guint i = 0; i < 3 && keep > 0 && ((guchar) s[keep] & 0xc0) == 0x80; i++)
    keep--;
  return keep;
}

static void
append_line (GString            *out,
             const char         *tags,
             const char         *source,
             const char         *command,
             const char * const *params,
             guint               n_params,
             gboolean            text_last)
{
  gsize       head;
  const char *last = NULL;
  gsize       last_len = 0;
  gboolean    colon = FALSE;
  gsize       start;

  g_return_if_fail (out != NULL);
  g_return_if_fail (tags == NULL || !has_space_or_line_break (tags));
  g_return_if_fail (source == NULL || (source[0] != '\0' && !has_space_or_line_break (source)));
  g_return_if_fail (command != NULL && command[0] != '\0' && !has_space_or_line_break (command));
  g_return_if_fail (n_params <= CONFAB_IRC_PARAMS_MAX);
  g_return_if_fail (n_params == 0 || params != NULL);

  /* Everything but the last param, and the CR LF. */
  head = (source != NULL ? strlen (source) + 2 : 0) + strlen (command) + 2;
  for (guint i = 0; i + 1 < n_params; i++)
    {
      g_return_if_fail (middle_param_is_valid (params[i]));
      head += 1 + strlen (params[i]);
    }
  g_return_if_fail (head <= CONFAB_IRC_LINE_MAX);

  if (n_params > 0)
    {
      last = params[n_params - 1];
      g_return_if_fail (last != NULL);
      last_len = strlen (last);
      colon = text_last || last[0] == '\0' || last[0] == ':' || has_space_or_line_break (last);
      if (head + 1 + colon + last_len > CONFAB_IRC_LINE_MAX)
        {
          /* Cut, with a ':' whatever is left: it may be empty. */
          g_return_if_fail (head + 2 <= CONFAB_IRC_LINE_MAX);
          colon = TRUE;
          last_len = utf8_cut (last, CONFAB_IRC_LINE_MAX - head - 2);
        }
    }

  if (tags != NULL && tags[0] != '\0')
    {
      g_string_append_c (out, '@');
      g_string_append (out, tags);
      g_string_append_c (out, ' ');
    }
  if (source != NULL)
    {
      g_string_append_c (out, ':');
      g_string_append (out, source);
      g_string_append_c (out, ' ');
    }
  g_string_append (out, command);
  for (guint i = 0; i + 1 < n_params; i++)
    {
      g_string_append_c (out, ' ');
      g_string_append (out, params[i]);
    }
  if (last != NULL)
    {
      g_string_append (out, colon ? " :" : " ");
      start = out->len;
      g_string_append_len (out, last, last_len);
      for (gsize i = start; i < out->len; i++)
        if (out->str[i] == '\r' || out->str[i] == '\n')
          out->str[i] = ' ';
    }
  g_string_append (out, "\r\n");
}

void
confab_irc_message_append (GString            *out,
                           const char         *tags,
                           const char         *source,
                           const char         *command,
                           const char * const *params,
                           guint               n_params)
{
  append_line (out, tags, source, command, params, n_params, FALSE);
}

/* As confab_irc_message_append(), with a ':' before the last param
 * whatever it holds: the way servers write a text (a PRIVMSG's, a
 * numeric's), which some clients and bots look for. */
void
confab_irc_message_append_text (GString            *out,
                                const char         *tags,
                                const char         *source,
                                const char         *command,
                                const char * const *params,
                                guint               n_params)
{
  append_line (out, tags, source, command, params, n_params, TRUE);
}

void
confab_irc_escape_tag_value (GString    *out,
                             const char *value)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (value != NULL);

  for (const char *p = value; *p != '\0'; p++)
    {
      switch (*p)
        {
        case ';': g_string_append (out, "\\:"); break;
        case ' ': g_string_append (out, "\\s"); break;
        case '\\': g_string_append (out, "\\\\"); break;
        case '\r': g_string_append (out, "\\r"); break;
        case '\n': g_string_append (out, "\\n"); break;
        default: g_string_append_c (out, *p); break;
        }
    }
}

/* C0 (TAB included: it would look like a space), DEL and C1. */
static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c < 0xa0);
}

gboolean
confab_irc_nick_is_valid (const char *nick)
{
  gsize len;

  g_return_val_if_fail (nick != NULL, FALSE);

  len = strlen (nick);
  if (len == 0 || len > CONFAB_IRC_NICK_MAX || !g_utf8_validate_len (nick, len, NULL))
    return FALSE;

  /* Not first: '#' and '&' are channel prefixes and '$' a server mask's
   * (PRIVMSG $*.example); '+', '~', '%' are membership prefixes in NAMES
   * and WHO replies (as '@' is, refused everywhere below); '-' and the
   * digits RFC 2812 does not allow there, and numerics and TS6 user ids
   * start with digits. */
  if (strchr ("#&$+~%-", nick[0]) != NULL || g_ascii_isdigit (nick[0]))
    return FALSE;

  for (const char *p = nick; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_control (c))
        return FALSE;
      /* Nowhere: ' ' separates params and ':' would start a trailing
       * one; '!' and '@' separate nick!user@host; ',' separates targets;
       * '*' and '?' are mask wildcards; '.' marks a server name. */
      if (c < 0x80 && strchr (" :!@,*?.", (char) c) != NULL)
        return FALSE;
    }
  return TRUE;
}

gboolean
confab_irc_channel_is_valid (const char *name)
{
  gsize len;

  g_return_val_if_fail (name != NULL, FALSE);

  len = strlen (name);
  /* '#' is the only channel type confab has (CHANTYPES=#). */
  if (len < 2 || len > CONFAB_IRC_CHANNEL_MAX || name[0] != '#' ||
      !g_utf8_validate_len (name, len, NULL))
    return FALSE;

  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* ' ' separates params, ',' separates channels in JOIN #a,#b, and
       * BEL (a control character like the rest) RFC 1459 refuses by
       * name, since it would ring terminals. */
      if (c == ' ' || c == ',' || is_control (c))
        return FALSE;
    }
  return TRUE;
}
