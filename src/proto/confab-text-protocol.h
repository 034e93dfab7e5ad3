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
 * @password_out: (out) (optional): what follows the name and a space
 *   ("NAME PASSWORD", SPEC §11), pointing into @line; %NULL if nothing
 *   does
 *
 * Surrounding white space is trimmed, then the name (up to the first
 * space or tab) must pass confab_validate_name(). Errors as there. The
 * password is the rest of the line, its trailing white space trimmed.
 * Without @password_out, a line with a space is refused as a name.
 */
gboolean confab_text_parse_login (char        *line,
                                  gsize        len,
                                  const char **name_out,
                                  const char **password_out,
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
 *     be a valid name, INVALID_ROOM_NAME for one starting with '#' that can
 *     never be a room's,
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

typedef enum
{
  CONFAB_TEXT_COMMAND_NONE, /* not a command: a chat line */
  CONFAB_TEXT_COMMAND_PEERS,
  CONFAB_TEXT_COMMAND_ROOMS,
  CONFAB_TEXT_COMMAND_JOIN,
  CONFAB_TEXT_COMMAND_PART,
  CONFAB_TEXT_COMMAND_MEMBERS,
  CONFAB_TEXT_COMMAND_TOPIC,
  CONFAB_TEXT_COMMAND_HISTORY,
} ConfabTextCommandKind;

/*
 * ConfabTextCommand:
 * A parsed "/command ARGS" line; pointers into the line, as a message's.
 */
typedef struct
{
  ConfabTextCommandKind kind;
  const char           *room; /* JOIN, PART, MEMBERS, TOPIC */
  const char           *text; /* TOPIC: the new topic, or NULL to ask for it */
  gsize                 text_len;
} ConfabTextCommand;

/*
 * confab_text_parse_command:
 * @line: a line after the login, @len bytes (line[len] == '\0'); modified
 *   in place when it is a command
 * @command: (out caller-allocates): kind NONE for a chat line
 *
 * A line whose first word is one of the commands (/peers, /rooms, /join,
 * /part, /members, /topic) is that command; any other line starting with
 * '/' and holding no ':' is an unknown command. Anything else is left to
 * confab_text_parse_message() (a name may start with '/': "/bob: hi").
 *
 * Returns: %FALSE with UNKNOWN_COMMAND "unknown command: /WORD",
 *   BAD_MESSAGE "usage: /join #room" (and the like), INVALID_ROOM_NAME,
 *   or the text's own errors (INVALID_UTF8, CONTROL_CHARACTER)
 */
gboolean confab_text_parse_command (char              *line,
                                    gsize              len,
                                    ConfabTextCommand *command,
                                    GError           **error);

gboolean confab_text_is_blank (const char *line,
                               gsize       len);

G_END_DECLS
