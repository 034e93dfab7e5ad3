/* confab-text-protocol.h: the text protocol of SPEC §2, parsing side.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CONFAB_TEXT_MAX_RECIPIENTS_HARD 1024

/*
 * ConfabTextMessage:
 * A parsed `dest1, dest2: text` line. All pointers point into the line
 * buffer that was parsed (which the parser modifies in place); nothing is
 * allocated, so it is cheap on the hot path.
 */
typedef struct
{
  const char *recipients[CONFAB_TEXT_MAX_RECIPIENTS_HARD]; /* NUL-terminated names, deduplicated, in first-seen order */
  guint       n_recipients;
  const char *text; /* trimmed text, NUL-terminated */
  gsize       text_len;
} ConfabTextMessage;

/*
 * confab_text_parse_login:
 * @line: the first line, @len bytes (line[len] == '\0'), may be modified
 * @name_out: (out): the name, pointing into @line
 *
 * Surrounding white space is trimmed, then the name must pass
 * confab_validate_name(). Errors as there.
 */
gboolean confab_text_parse_login (char        *line,
                                  gsize        len,
                                  const char **name_out,
                                  GError     **error);

/*
 * confab_text_parse_message:
 * @line: a chat line, @len bytes (line[len] == '\0'); modified in place
 * @max_recipients: the configured limit (≤ CONFAB_TEXT_MAX_RECIPIENTS_HARD)
 * @msg: (out caller-allocates): filled on success
 *
 * The part before the first ':' is a comma-separated list of names (white
 * space around names ignored, duplicates ignored, empty items between
 * commas are an error); the text after it is trimmed of surrounding white
 * space. Errors (CONFAB_ERROR domain, plain untranslated messages):
 *   INVALID_UTF8 / CONTROL_CHARACTER for the whole line,
 *   BAD_MESSAGE "expected 'name, name: text'" when there is no ':' or the
 *     recipient list is empty,
 *   INVALID_NAME "invalid recipient name: …" for a recipient that can never
 *     be a valid name,
 *   TOO_MANY_RECIPIENTS "too many recipients (limit N)",
 *   EMPTY_MESSAGE "empty message".
 * Items are checked left to right and the first fault is reported; the
 * recipient list is checked before the text. Recipients are counted after
 * de-duplication (byte-wise). A @max_recipients above the hard limit is
 * treated as CONFAB_TEXT_MAX_RECIPIENTS_HARD. On failure @line may have
 * been partly modified and @msg holds nothing usable.
 */
gboolean confab_text_parse_message (char              *line,
                                    gsize              len,
                                    guint              max_recipients,
                                    ConfabTextMessage *msg,
                                    GError           **error);

gboolean confab_text_is_blank (const char *line,
                               gsize       len);
gboolean confab_text_is_peers_command (const char *line,
                                       gsize       len);

G_END_DECLS
