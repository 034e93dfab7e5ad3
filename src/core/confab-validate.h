/* confab-validate.h: the pure rules of SPEC §2 (names and chat text).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CONFAB_NAME_MAX_CHARS 32

/*
 * confab_validate_name:
 * @name: candidate name, @len bytes, not necessarily NUL-terminated
 * @len: its length in bytes, or -1 if @name is NUL-terminated
 * @error: set to CONFAB_ERROR_INVALID_NAME, whatever the fault (bad
 *   UTF-8 and control characters included), with a plain-words,
 *   untranslated message such as "invalid name: names may not contain ':'".
 *   Checked in this order: "empty"; "names may not contain control
 *   characters" for a NUL byte; "not valid UTF-8"; "names may not start
 *   with '@' or '#'"; then the first offending character gives "names may
 *   not contain white space", "names may not contain control characters"
 *   (invisible characters too), "names may not contain ','" or "names may
 *   not contain ':'"; last "longer than 32 characters".
 *
 * A name is 1 to 32 Unicode characters, valid UTF-8, with no white space
 * (any Unicode space, g_unichar_isspace), no control or format characters
 * (C0, C1, DEL; g_unichar_iscntrl), no invisible characters (every
 * Unicode Default_Ignorable_Code_Point: U+00AD, U+034F, U+115F/U+1160,
 * U+180B..U+180F, U+200B..U+200F, U+202A..U+202E, U+2060..U+206F,
 * U+3164, the variation selectors U+FE00..U+FE0F and U+E0100..U+E01EF,
 * U+FEFF, U+FFA0, U+E0000..U+E0FFF and the rest of the list; also
 * U+2028..U+2029: they would let two names look alike), no ',' and no
 * ':', not starting with '@' or '#'. NUL bytes inside @len are invalid.
 *
 * Every other Unicode format character (general category Cf, e.g. the
 * bidi isolates U+2066..U+2069, U+00AD SOFT HYPHEN, the tag characters
 * U+E0020..U+E007F) is refused as a control character too, for the same
 * reason.
 */
gboolean confab_validate_name (const char *name,
                               gssize      len,
                               GError    **error);

/*
 * confab_validate_room_name:
 * @name: candidate room name, @len bytes, or -1 if NUL-terminated
 * @error: CONFAB_ERROR_INVALID_ROOM_NAME, "invalid room name: NAME" (the
 *   name echoed where it is text a peer may see)
 *
 * A room name is '#' followed by what confab_validate_name() allows.
 */
gboolean confab_validate_room_name (const char *name,
                                    gssize      len,
                                    GError    **error);

static inline gboolean
confab_is_room_name (const char *name)
{
  return name[0] == '#';
}

/*
 * confab_validate_text:
 * @text: chat text, @len bytes (already trimmed)
 * @len: length in bytes, or -1 if NUL-terminated
 * @error: CONFAB_ERROR_EMPTY_MESSAGE ("empty message"),
 *   CONFAB_ERROR_INVALID_UTF8 ("invalid UTF-8"), then
 *   CONFAB_ERROR_CONTROL_CHARACTER ("line contains control characters":
 *   the text protocol runs this over whole lines); invalid UTF-8 wins over
 *   a NUL byte wherever each sits
 *
 * Chat text must be non-empty valid UTF-8 without NUL and without C0/C1
 * control characters or DEL, except TAB. It is not trimmed here: " " is
 * valid text.
 */
gboolean confab_validate_text (const char *text,
                               gssize      len,
                               GError    **error);

/* A control character: C0 except TAB, DEL, C1. */
gboolean confab_validate_is_control (gunichar c);

/*
 * confab_validate_has_control:
 * @text: valid UTF-8, @len bytes
 * @line_breaks: whether LF and CR are allowed (JSON texts may hold them)
 *
 * Returns: whether @text holds a control character
 */
gboolean confab_validate_has_control (const char *text,
                                      gsize       len,
                                      gboolean    line_breaks);

G_END_DECLS
