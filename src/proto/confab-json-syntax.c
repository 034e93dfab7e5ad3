/* confab-json-syntax.c: a strict RFC 8259 syntax check, run before
 * json-glib sees a line from the network.
 *
 * json-glib 1.6 is lenient (single-quoted strings, among others) and has
 * no nesting limit; this checker has both, without recursion deeper than
 * CONFAB_JSON_MAX_DEPTH. It also notes an escaped NUL, at which json-glib
 * would silently end a string.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-json-protocol.h"
#include "confab-json-syntax.h"

typedef struct
{
  const char *p;
  const char *end;
  guint       depth;
  gboolean    too_deep;
  gboolean    escaped_nul; /* a "\u0000" somewhere */
} Scanner;

static gboolean scan_value (Scanner *s);

static void
skip_space (Scanner *s)
{
  while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
    s->p++;
}

static gboolean
scan_literal (Scanner    *s,
              const char *word)
{
  gsize len = strlen (word);

  if ((gsize) (s->end - s->p) < len || memcmp (s->p, word, len) != 0)
    return FALSE;
  s->p += len;
  return TRUE;
}

static gboolean
scan_digits (Scanner *s)
{
  const char *start = s->p;

  while (s->p < s->end && g_ascii_isdigit (*s->p))
    s->p++;
  return s->p > start;
}

static gboolean
scan_number (Scanner *s)
{
  if (s->p < s->end && *s->p == '-')
    s->p++;
  if (s->p < s->end && *s->p == '0')
    s->p++;
  else if (!scan_digits (s))
    return FALSE;
  if (s->p < s->end && *s->p == '.')
    {
      s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  if (s->p < s->end && (*s->p == 'e' || *s->p == 'E'))
    {
      s->p++;
      if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
        s->p++;
      if (!scan_digits (s))
        return FALSE;
    }
  return TRUE;
}

static gboolean
scan_string (Scanner *s)
{
  s->p++; /* the opening quote */
  while (s->p < s->end)
    {
      guchar c = *s->p++;

      if (c == '"')
        return TRUE;
      if (c < 0x20)
        return FALSE;
      if (c != '\\')
        continue;
      if (s->p >= s->end)
        return FALSE;
      c = *s->p++;
      if (c == 'u')
        {
          for (guint i = 0; i < 4; i++)
            if (s->p >= s->end || !g_ascii_isxdigit (*s->p++))
              return FALSE;
          /* json-glib cuts the string there, silently: see
           * confab_json_parse_request(). */
          if (memcmp (s->p - 4, "0000", 4) == 0)
            s->escaped_nul = TRUE;
        }
      else if (strchr ("\"\\/bfnrt", c) == NULL || c == '\0')
        return FALSE;
    }
  return FALSE;
}

/* Scans "[ value, ... ]" or "{ string: value, ... }". */
static gboolean
scan_container (Scanner *s,
                char     close)
{
  gboolean first = TRUE;

  if (++s->depth > CONFAB_JSON_MAX_DEPTH)
    {
      s->too_deep = TRUE;
      return FALSE;
    }
  s->p++;
  skip_space (s);
  if (s->p < s->end && *s->p == close)
    {
      s->p++;
      s->depth--;
      return TRUE;
    }
  for (;;)
    {
      if (!first)
        {
          skip_space (s);
          if (s->p < s->end && *s->p == close)
            {
              s->p++;
              s->depth--;
              return TRUE;
            }
          if (s->p >= s->end || *s->p != ',')
            return FALSE;
          s->p++;
        }
      first = FALSE;
      skip_space (s);
      if (close == '}')
        {
          if (s->p >= s->end || *s->p != '"' || !scan_string (s))
            return FALSE;
          skip_space (s);
          if (s->p >= s->end || *s->p != ':')
            return FALSE;
          s->p++;
        }
      if (!scan_value (s))
        return FALSE;
    }
}

static gboolean
scan_value (Scanner *s)
{
  skip_space (s);
  if (s->p >= s->end)
    return FALSE;

  switch (*s->p)
    {
    case '{':
      return scan_container (s, '}');
    case '[':
      return scan_container (s, ']');
    case '"':
      return scan_string (s);
    case 't':
      return scan_literal (s, "true");
    case 'f':
      return scan_literal (s, "false");
    case 'n':
      return scan_literal (s, "null");
    default:
      return scan_number (s);
    }
}

/**
 * confab_json_syntax_scan:
 * @too_deep: (out): set when the refusal is for nesting, not syntax
 * @escaped_nul: (out): set when a string holds "\u0000"
 *
 * Returns: TRUE if @line is exactly one JSON value (with white space
 *   around it), nested at most CONFAB_JSON_MAX_DEPTH deep
 */
gboolean
confab_json_syntax_scan (const char *line,
                         gsize       len,
                         gboolean   *too_deep,
                         gboolean   *escaped_nul)
{
  Scanner  s = { line, line + len, 0, FALSE, FALSE };
  gboolean ok = scan_value (&s);

  skip_space (&s);
  *too_deep = s.too_deep;
  *escaped_nul = s.escaped_nul;
  return ok && s.p == s.end;
}
