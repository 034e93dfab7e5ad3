/* confab-validate.c: the pure rules of SPEC §2 (names and chat text).
 *
 * Every message set here goes verbatim onto the wire after "error: ", so
 * they are plain, untranslated English.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-validate.h"

/* Unicode's Default_Ignorable_Code_Point (DerivedCoreProperties.txt,
 * Unicode 15.1), whole: code points a renderer shows as nothing, such as
 * variation selectors, Hangul fillers and the Mongolian free variation
 * selectors, so "alice" plus one of them would look like "alice". Kept
 * here rather than taken from GLib, whose tables have no such property. */
/* clang-format off */
static const struct { gunichar first, last; } default_ignorable[] = {
  { 0x00AD, 0x00AD }, { 0x034F, 0x034F }, { 0x061C, 0x061C },
  { 0x115F, 0x1160 }, { 0x17B4, 0x17B5 }, { 0x180B, 0x180F },
  { 0x200B, 0x200F }, { 0x202A, 0x202E }, { 0x2060, 0x206F },
  { 0x3164, 0x3164 }, { 0xFE00, 0xFE0F }, { 0xFEFF, 0xFEFF },
  { 0xFFA0, 0xFFA0 }, { 0xFFF0, 0xFFF8 }, { 0x1BCA0, 0x1BCA3 },
  { 0x1D173, 0x1D17A }, { 0xE0000, 0xE0FFF },
};
/* clang-format on */

static gboolean
unichar_is_default_ignorable (gunichar c)
{
  for (gsize i = 0; i < G_N_ELEMENTS (default_ignorable); i++)
    {
      if (c < default_ignorable[i].first)
        return FALSE;
      if (c <= default_ignorable[i].last)
        return TRUE;
    }
  return FALSE;
}

/* Characters that render as nothing (or reorder what follows), so two
 * names that differ only by them would look the same: the default
 * ignorables, and every other format character (Cf) as before. */
static gboolean
unichar_is_invisible (gunichar c)
{
  return (c >= 0x2028 && c <= 0x202E) ||
         unichar_is_default_ignorable (c) ||
         g_unichar_type (c) == G_UNICODE_FORMAT;
}

static gboolean
name_error (GError    **error,
            const char *reason)
{
  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME,
               "invalid name: %s", reason);
  return FALSE;
}

/* The checks run in a fixed order (empty, NUL, UTF-8, leading '@'/'#',
 * forbidden characters, length), so a bad name always gets the same
 * message whatever else is wrong with it. */
/* The common case, decided without decoding: printable ASCII only (no
 * space, no control), none of ',' ':', no '@'/'#' first, short enough.
 * Anything else takes the full path below, which also words the error. */
static gboolean
is_plain_ascii_name (const char *name,
                     gsize       n_bytes)
{
  if (n_bytes > CONFAB_NAME_MAX_CHARS || name[0] == '@' || name[0] == '#')
    return FALSE;

  for (gsize i = 0; i < n_bytes; i++)
    {
      guchar c = name[i];

      if (c <= ' ' || c >= 0x7f || c == ',' || c == ':')
        return FALSE;
    }
  return TRUE;
}

static gboolean
is_plain_ascii_byte (guchar c)
{
  return (c >= ' ' || c == '\t') && c < 0x7f;
}

#define ONES  G_GUINT64_CONSTANT (0x0101010101010101)
#define HIGHS G_GUINT64_CONSTANT (0x8080808080808080)

/* Whether any of the 8 bytes in @x is below 0x20, 0x7f, or above it. */
static inline gboolean
word_needs_a_look (guint64 x)
{
  guint64 del = x ^ (0x7f * ONES);

  return ((x | ((x - 0x20 * ONES) & ~x) | ((del - ONES) & ~del)) & HIGHS) != 0;
}

/* Printable ASCII and TAB: valid UTF-8 without control characters. Every
 * chat line passes here, so it looks at 8 bytes at a time; a word that
 * may hold anything else (a TAB, say) is checked byte by byte. */
static gboolean
is_plain_ascii_text (const char *text,
                     gsize       n_bytes)
{
  gsize i = 0;

  for (; i + 8 <= n_bytes; i += 8)
    {
      guint64 word;

      memcpy (&word, text + i, sizeof word);
      if (word_needs_a_look (word))
        for (gsize j = i; j < i + 8; j++)
          if (!is_plain_ascii_byte (text[j]))
            return FALSE;
    }
  for (; i < n_bytes; i++)
    if (!is_plain_ascii_byte (text[i]))
      return FALSE;
  return TRUE;
}

gboolean
confab_validate_name (const char *name,
                      gssize      len,
                      GError    **error)
{
  const char *p;
  const char *end;
  gsize       n_bytes;

  g_return_val_if_fail (name != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_bytes = len < 0 ? strlen (name) : (gsize) len;
  if (n_bytes == 0)
    return name_error (error, "empty");
  if (is_plain_ascii_name (name, n_bytes))
    return TRUE;

  /* g_utf8_validate_len() would call a NUL invalid UTF-8; it is valid
   * UTF-8 but a control character, so say that instead. */
  if (memchr (name, '\0', n_bytes) != NULL)
    return name_error (error, "names may not contain control characters");

  if (!g_utf8_validate_len (name, n_bytes, NULL))
    return name_error (error, "not valid UTF-8");

  if (name[0] == '@' || name[0] == '#')
    return name_error (error, "names may not start with '@' or '#'");

  end = name + n_bytes;
  for (p = name; p < end; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* White space first: U+2028/U+2029 are both space and invisible,
       * and "white space" is the clearer word for them. */
      if (g_unichar_isspace (c))
        return name_error (error, "names may not contain white space");
      if (g_unichar_iscntrl (c) || unichar_is_invisible (c))
        return name_error (error, "names may not contain control characters");
      if (c == ',')
        return name_error (error, "names may not contain ','");
      if (c == ':')
        return name_error (error, "names may not contain ':'");
    }

  if (g_utf8_strlen (name, n_bytes) > CONFAB_NAME_MAX_CHARS)
    return name_error (error, "longer than " G_STRINGIFY (CONFAB_NAME_MAX_CHARS) " characters");

  return TRUE;
}

gboolean
confab_validate_room_name (const char *name,
                           gssize      len,
                           GError    **error)
{
  gsize n_bytes;

  g_return_val_if_fail (name != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_bytes = len < 0 ? strlen (name) : (gsize) len;
  if (n_bytes >= 2 && name[0] == '#' && confab_validate_name (name + 1, n_bytes - 1, NULL))
    return TRUE;

  /* Echoed only if it cannot upset a terminal or break the line. */
  if (n_bytes > 0 && confab_validate_text (name, n_bytes, NULL))
    g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ROOM_NAME,
                 "invalid room name: %.*s", (int) n_bytes, name);
  else
    g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ROOM_NAME,
                         "invalid room name");
  return FALSE;
}

/* Like g_utf8_validate_len(), but NUL bytes count as valid characters, so
 * that a caller can tell "not UTF-8" from "holds a NUL" independently of
 * where in the buffer each problem sits. */
static gboolean
utf8_validate_allowing_nul (const char *text,
                            gsize       len)
{
  const char *p = text;
  const char *end = text + len;

  while (p < end)
    {
      const char *stop;

      if (g_utf8_validate_len (p, end - p, &stop))
        return TRUE;
      if (*stop != '\0')
        return FALSE;
      p = stop + 1;
    }

  return TRUE;
}

/* The one definition of a control character, for every check and every
 * sanitizer: C0 except TAB, DEL and C1. */
gboolean
confab_validate_is_control (gunichar c)
{
  return (c < 0x20 && c != '\t') || (c >= 0x7f && c < 0xa0);
}

/* On valid UTF-8, C1 characters are exactly the two-byte sequences
 * 0xC2 0x80..0x9F, so a byte scan suffices and the hot path never decodes
 * characters. */
gboolean
confab_validate_has_control (const char *text,
                             gsize       len,
                             gboolean    line_breaks)
{
  const guchar *p = (const guchar *) text;
  const guchar *end = p + len;

  for (; p < end; p++)
    {
      if (*p < 0x80 && confab_validate_is_control (*p) &&
          !(line_breaks && (*p == '\n' || *p == '\r')))
        return TRUE;
      if (*p == 0xC2 && p + 1 < end && p[1] >= 0x80 && p[1] <= 0x9F)
        return TRUE;
    }

  return FALSE;
}

/* The control-character message says "line" because the text protocol
 * runs this check over whole lines (and says so on the wire). */
gboolean
confab_validate_text (const char *text,
                      gssize      len,
                      GError    **error)
{
  gsize n_bytes;

  g_return_val_if_fail (text != NULL || len == 0, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  n_bytes = len < 0 ? strlen (text) : (gsize) len;
  if (n_bytes == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_EMPTY_MESSAGE,
                           "empty message");
      return FALSE;
    }
  if (is_plain_ascii_text (text, n_bytes))
    return TRUE;

  if (!utf8_validate_allowing_nul (text, n_bytes))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_UTF8,
                           "invalid UTF-8");
      return FALSE;
    }

  if (confab_validate_has_control (text, n_bytes, FALSE))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_CONTROL_CHARACTER,
                           "line contains control characters");
      return FALSE;
    }

  return TRUE;
}
