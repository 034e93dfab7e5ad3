/* confab-irc-message.h: IRC messages (SPEC §10), parsing and serialization.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The bytes of a message after its tags, CR LF included (RFC 1459 2.3). */
#define CONFAB_IRC_LINE_MAX 512
/* The bytes of the tags, the leading '@' and the space after them
 * included (IRCv3 message-tags). */
#define CONFAB_IRC_TAGS_MAX 8191
/* The parameters of one message, the trailing one included. */
#define CONFAB_IRC_PARAMS_MAX 15
/* The tags of one message: 8191 bytes could hold thousands of one-letter
 * tags, and no client sends more than a handful. */
#define CONFAB_IRC_TAGS_COUNT_MAX 64
/* NICKLEN and CHANNELLEN of ISUPPORT, in bytes. */
#define CONFAB_IRC_NICK_MAX    32
#define CONFAB_IRC_CHANNEL_MAX 50

typedef struct
{
  const char *key;   /* client prefix '+' and vendor included, e.g. "+draft/reply" */
  const char *value; /* unescaped; NULL when absent or empty ("k" and "k=" alike) */
} ConfabIrcTag;

/*
 * ConfabIrcMessage:
 * A parsed `[@tags ][:source ]COMMAND[ params]` line. Every string points
 * into the parsed line, which the parser modifies in place (NULs written
 * over separators, tag values unescaped, the command uppercased), so
 * parsing allocates nothing but a failure's GError.
 */
typedef struct
{
  ConfabIrcTag tags[CONFAB_IRC_TAGS_COUNT_MAX]; /* in the line's order, duplicates kept */
  guint        n_tags;
  const char  *source;  /* the prefix without its ':', or NULL */
  const char  *command; /* ASCII letters, uppercased, or exactly three digits */
  const char  *params[CONFAB_IRC_PARAMS_MAX];
  guint        n_params;
  gboolean     has_trailing; /* the last param was written with a ':' */
} ConfabIrcMessage;

/*
 * confab_irc_message_parse:
 * @line: one line as the framer hands it out: @len bytes, no CR LF at the
 *   end, followed by a NUL (so @len + 1 bytes are writable); modified in
 *   place
 * @message: (out caller-allocates): filled on success
 *
 * The grammar is RFC 1459's with IRCv3 tags in front. Params are
 * separated by one or more spaces; spaces before the source or command
 * and after the last param are skipped too. A param starting with ':' is
 * the trailing one and takes the rest of the line, spaces included (and
 * may be empty). The 15th param takes the rest of the line as well, with
 * or without a ':' (RFC 1459's rule, kept by RFC 2812): a 16th cannot
 * exist, so no message is refused for having too many.
 *
 * Errors (CONFAB_ERROR domain; plain English that echoes nothing from the
 * line, so a reply may carry it as it is), checked in this order:
 *   BAD_MESSAGE "empty line" for nothing but spaces,
 *   CONTROL_CHARACTER "line contains NUL, CR or LF",
 *   LINE_TOO_LONG "tags longer than 8191 bytes",
 *   LINE_TOO_LONG "line longer than 512 bytes" for more than 510 bytes
 *     after the tags (the 512 count the CR LF),
 *   BAD_MESSAGE "empty tag key", "invalid tag key" or
 *     "more than 64 tags", for the first faulty tag from the left,
 *   BAD_MESSAGE "empty source" (": NICK a"),
 *   BAD_MESSAGE "no command" (":source", "@a=b " or "@a=b" alone; the
 *     last, with no space to end its tags, is refused before they are
 *     looked at),
 *   BAD_MESSAGE "invalid command" for anything but letters or three
 *     digits.
 * Invalid UTF-8 is left to the caller, who knows which params hold text.
 * On failure @line may have been partly modified and @message holds
 * nothing usable.
 */
gboolean confab_irc_message_parse (char             *line,
                                   gsize             len,
                                   ConfabIrcMessage *message,
                                   GError          **error);

/*
 * confab_irc_message_get_tag:
 * @key: a tag key, e.g. "time" or "+draft/reply"
 * @value: (out) (optional): the tag's value, NULL if it has none
 *
 * Returns: whether @message has the tag; if it appears more than once,
 *   the last one counts
 */
gboolean confab_irc_message_get_tag (const ConfabIrcMessage *message,
                                     const char             *key,
                                     const char            **value);

/*
 * confab_irc_message_append:
 * @out: where the line is appended
 * @tags: (nullable): the tags without '@', already escaped ("k=v;k2");
 *   NULL or "" for none
 * @source: (nullable): the source without ':', e.g. "alice!alice@confab"
 * @command: e.g. "PRIVMSG" or "001"
 * @params: (array length=n_params): the params, at most 15
 *
 * Appends `[@tags ][:source ]COMMAND[ params]\r\n`. The last param is
 * written with a ':' when it has to be (it is empty, holds a space or
 * starts with ':'); the others must need none: non-empty, no space, not
 * starting with ':' (a precondition, like @tags and @source holding no
 * space, CR or LF). CR and LF in the last param become spaces: a text
 * from another protocol that slipped through must not end the line early
 * and inject a second one.
 *
 * What follows the tags is at most CONFAB_IRC_LINE_MAX bytes: the last
 * param is cut to fit, at a UTF-8 character boundary (a cut param is
 * always written with a ':'). What comes before the last param must leave
 * room for it (a precondition: sources, nicks and channel names are
 * short).
 */
void confab_irc_message_append (GString            *out,
                                const char         *tags,
                                const char         *source,
                                const char         *command,
                                const char * const *params,
                                guint               n_params);

void confab_irc_message_append_text (GString            *out,
                                     const char         *tags,
                                     const char         *source,
                                     const char         *command,
                                     const char * const *params,
                                     guint               n_params);

/*
 * confab_irc_escape_tag_value:
 * Appends @value escaped for a tag: ';' as "\:", space as "\s", '\' as
 * "\\", CR as "\r", LF as "\n"; the inverse of what parsing unescapes.
 */
void confab_irc_escape_tag_value (GString    *out,
                                  const char *value);

/*
 * confab_irc_nick_is_valid:
 * Whether @nick (NUL-terminated) can be an IRC nick on confab: 1 to 32
 * bytes of valid UTF-8, no control characters, none of " ,*?!@.:" and
 * not starting with one of "#&$+~%-" or a digit. The IRC side only: a
 * nick must also be a valid confab name (confab_validate_name()).
 */
gboolean confab_irc_nick_is_valid (const char *nick);

/*
 * confab_irc_channel_is_valid:
 * Whether @name (NUL-terminated) can be an IRC channel name on confab:
 * '#' first, 2 to 50 bytes of valid UTF-8, no space, ',' or control
 * character (BEL included). The IRC side only, as for nicks.
 */
gboolean confab_irc_channel_is_valid (const char *name);

G_END_DECLS
