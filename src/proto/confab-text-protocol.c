/* confab-text-protocol.c: the text protocol of SPEC §2, parsing side.
 *
 * Every chat line goes through confab_text_parse_message(), so it parses in
 * place: names and text are cut out of the line by writing NULs into it,
 * and only a failure allocates (its GError).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-name-set.h"
#include "confab-text-protocol.h"
#include "confab-validate.h"
#include "confab-wire.h"

G_STATIC_ASSERT (CONFAB_TEXT_MAX_RECIPIENTS_HARD <= CONFAB_NAME_SET_MAX);

#define BAD_MESSAGE_TEXT "expected 'name, name: text'"

/* Narrows [*start, *end) to exclude surrounding white space (space, TAB). */
static inline void
trim_ascii (const char **start,
            const char **end)
{
  confab_wire_trim (start, end, FALSE);
}

/**
 * confab_text_is_blank:
 *
 * Returns: whether @line holds only white space (space, TAB): an empty
 *   login, which asks for the caller's own user name where Unix identity
 *   applies
 */
gboolean
confab_text_is_blank (const char *line,
                      gsize       len)
{
  const char *start = line;
  const char *end = line + len;

  trim_ascii (&start, &end);
  return start == end;
}

static const struct
{
  const char           *word;
  ConfabTextCommandKind kind;
  guint                 n_args; /* 0, 1 (a room), or 2 (a room and an optional text) */
  const char           *usage;
} commands[] = {
  { "/peers", CONFAB_TEXT_COMMAND_PEERS, 0, "usage: /peers" },
  { "/rooms", CONFAB_TEXT_COMMAND_ROOMS, 0, "usage: /rooms" },
  { "/join", CONFAB_TEXT_COMMAND_JOIN, 1, "usage: /join #room" },
  { "/part", CONFAB_TEXT_COMMAND_PART, 1, "usage: /part #room" },
  { "/members", CONFAB_TEXT_COMMAND_MEMBERS, 1, "usage: /members #room" },
  { "/topic", CONFAB_TEXT_COMMAND_TOPIC, 2, "usage: /topic #room [text]" },
  { "/history", CONFAB_TEXT_COMMAND_HISTORY, 2, "usage: /history #room [N]" },
};

static gboolean
usage_error (GError    **error,
             const char *usage)
{
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE, usage);
  return FALSE;
}

/* The arguments of a known command, [start, end) trimmed. */
static gboolean
parse_arguments (char              *line,
                 const char        *start,
                 const char        *end,
                 guint              n_args,
                 const char        *usage,
                 ConfabTextCommand *command,
                 GError           **error)
{
  const char *room_end = start;

  if (n_args == 0)
    return start == end || usage_error (error, usage);
  if (start == end)
    return usage_error (error, usage);

  while (room_end < end && !confab_wire_is_blank (*room_end))
    room_end++;
  if (!confab_validate_room_name (start, room_end - start, error))
    return FALSE;
  if (room_end < end && n_args == 1)
    return usage_error (error, usage);

  command->room = start;
  if (room_end < end)
    {
      const char *text = room_end;

      trim_ascii (&text, &end);
      command->text = text;
      command->text_len = end - text;
      line[end - line] = '\0';
    }
  line[room_end - line] = '\0';
  return TRUE;
}

gboolean
confab_text_parse_command (char              *line,
                           gsize              len,
                           ConfabTextCommand *command,
                           GError           **error)
{
  const char *start = line;
  const char *end = line + len;
  const char *word_end;

  g_return_val_if_fail (line != NULL && command != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  command->kind = CONFAB_TEXT_COMMAND_NONE;
  command->room = NULL;
  command->text = NULL;
  command->text_len = 0;

  trim_ascii (&start, &end);
  if (start == end || *start != '/')
    return TRUE;

  word_end = start;
  while (word_end < end && !confab_wire_is_blank (*word_end))
    word_end++;

  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *args = word_end;

      if ((gsize) (word_end - start) != strlen (commands[i].word) ||
          memcmp (start, commands[i].word, word_end - start) != 0)
        continue;
      /* Known: from here on the line is this command's. */
      if (!confab_validate_text (line, len, error))
        return FALSE;
      command->kind = commands[i].kind;
      trim_ascii (&args, &end);
      return parse_arguments (line, args, end, commands[i].n_args, commands[i].usage, command, error);
    }

  /* "/bob: hi" is a message to a peer called "/bob". */
  if (memchr (line, ':', len) != NULL)
    return TRUE;

  if (confab_validate_text (start, word_end - start, NULL))
    g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_UNKNOWN_COMMAND,
                 "unknown command: %.*s", (int) (word_end - start), start);
  else
    g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_UNKNOWN_COMMAND, "unknown command");
  return FALSE;
}

gboolean
confab_text_parse_login (char        *line,
                         gsize        len,
                         const char **name_out,
                         const char **password_out,
                         GError     **error)
{
  const char *start = line;
  const char *end = line + len;
  const char *name_end;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (name_out != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  trim_ascii (&start, &end);
  if (password_out != NULL)
    *password_out = NULL;
  name_end = password_out != NULL ? start + strcspn (start, " \t") : end;
  if (name_end > end)
    name_end = end;
  if (!confab_validate_name (start, name_end - start, error))
    return FALSE;

  if (name_end < end)
    {
      const char *password = name_end + 1;

      line[end - line] = '\0';
      *password_out = password;
    }
  line[name_end - line] = '\0';
  *name_out = start;
  return TRUE;
}

/* Records the recipient [start, end), unless it is already listed. The
 * name is NUL-terminated in place, which is safe: its end is a separator
 * or trimmed white space, both already looked at (and @seen only reads
 * the name's own bytes). */
static gboolean
add_recipient (ConfabTextMessage *msg,
               ConfabNameSet     *seen,
               char              *line,
               const char        *start,
               const char        *end,
               guint              max_recipients,
               GError           **error)
{
  gsize len = end - start;

  if (len == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE,
                           BAD_MESSAGE_TEXT);
      return FALSE;
    }

  if (*start == '#')
    {
      if (!confab_validate_room_name (start, len, error))
        return FALSE;
    }
  else if (!confab_validate_name (start, len, NULL))
    {
      /* The whole-line check already makes the name safe to echo; the
       * helper checks again, so the echo is safe on its own. */
      confab_wire_set_invalid_recipient (error, start, len);
      return FALSE;
    }

  /* A repeat is skipped, even past the limit: only distinct names count. */
  if (msg->n_recipients >= max_recipients)
    {
      if (confab_name_set_contains (seen, start, len))
        return TRUE;
      confab_wire_set_too_many_recipients (error, max_recipients);
      return FALSE;
    }
  if (!confab_name_set_add (seen, start, len))
    return TRUE;

  line[end - line] = '\0';
  msg->recipients[msg->n_recipients++] = start;
  return TRUE;
}

gboolean
confab_text_parse_message (char              *line,
                           gsize              len,
                           guint              max_recipients,
                           ConfabTextMessage *msg,
                           GError           **error)
{
  char         *colon;
  const char   *p;
  const char   *start;
  const char   *end;
  ConfabNameSet seen;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (msg != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* The array in @msg is the real bound, whatever the configuration says. */
  max_recipients = MIN (max_recipients, CONFAB_TEXT_MAX_RECIPIENTS_HARD);

  msg->n_recipients = 0;
  confab_name_set_init (&seen);
  msg->text = NULL;
  msg->text_len = 0;

  /* The whole line first, so that nothing below meets a NUL, a control
   * character or broken UTF-8. An empty line is merely malformed. */
  if (len > 0 && !confab_validate_text (line, len, error))
    return FALSE;

  colon = memchr (line, ':', len);
  if (colon == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE,
                           BAD_MESSAGE_TEXT);
      return FALSE;
    }

  /* Recipients: one item per ',' (so "a,,b" and ", a" have an empty one,
   * and an empty list is a single empty item). The names are compared
   * while the list is scanned, before the ':' is overwritten. */
  p = line;
  for (;;)
    {
      const char *comma = memchr (p, ',', colon - p);
      const char *item_end = comma != NULL ? comma : colon;

      start = p;
      end = item_end;
      trim_ascii (&start, &end);
      if (!add_recipient (msg, &seen, line, start, end, max_recipients, error))
        return FALSE;

      if (comma == NULL)
        break;
      p = comma + 1;
    }

  start = colon + 1;
  end = line + len;
  trim_ascii (&start, &end);
  if (start == end)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_EMPTY_MESSAGE,
                           "empty message");
      return FALSE;
    }

  line[end - line] = '\0';
  msg->text = start;
  msg->text_len = end - start;
  return TRUE;
}
