/* fuzz-text-protocol.c: login and chat-line parsing on arbitrary lines.
 *
 * Input: plain text, split at '\n' into lines as the framer would hand
 * them out (a '\r' is left in: it must be refused, not trusted), so any
 * chat transcript is a seed. Every line goes through
 * confab_text_parse_login(), and through confab_text_parse_message()
 * with max_recipients 2, the default 64 and 2000 (past the hard limit),
 * each on its own copy in a buffer of the exact size.
 *
 * Checked: what a successful parse returns points into the line, is
 * valid by the rules of SPEC §2 and equals what a plain split of the
 * original line gives (recipients de-duplicated in first-seen order, text
 * trimmed); a failure is a ConfabError of a documented code whose message
 * can go on an "error: ..." line as it is (valid UTF-8, no control
 * characters).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-text-protocol.h"
#include "confab-validate.h"
#include "fuzz-common.h"

static gboolean
inside (const char *p,
        const char *buf,
        gsize       len)
{
  return p >= buf && p <= buf + len;
}

static void
trim (const char **start,
      const char **end)
{
  while (*start < *end && g_ascii_isspace (**start))
    (*start)++;
  while (*end > *start && g_ascii_isspace ((*end)[-1]))
    (*end)--;
}

static void
check_error_line (const GError *error)
{
  CONFAB_FUZZ_CHECK (error != NULL, "failure without an error");
  CONFAB_FUZZ_CHECK (error->domain == CONFAB_ERROR, "error in domain %s",
                     g_quark_to_string (error->domain));
  /* It goes to the client after "error: " on one line. */
  CONFAB_FUZZ_CHECK (confab_validate_text (error->message, -1, NULL),
                     "error message unfit for a line");
}

static void
fuzz_login (const char *orig,
            gsize       len)
{
  g_autofree char *buf = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;
  const char *name = NULL;
  const char *password = NULL;

  memcpy (buf, orig, len);
  buf[len] = '\0';

  /* With a password allowed: the name is the first word, the password
   * (if any) lies after it, inside the line. */
  if (confab_text_parse_login (buf, len, &name, &password, &error))
    {
      CONFAB_FUZZ_CHECK (inside (name, buf, len), "name outside the line");
      CONFAB_FUZZ_CHECK (confab_validate_name (name, -1, NULL), "invalid name accepted");
      CONFAB_FUZZ_CHECK (password == NULL || (inside (password, buf, len) && password > name),
                         "password outside the line");
    }
  g_clear_error (&error);
  memcpy (buf, orig, len);
  buf[len] = '\0';

  if (confab_text_parse_login (buf, len, &name, NULL, &error))
    {
      const char *start = orig;
      const char *end = orig + len;

      CONFAB_FUZZ_CHECK (error == NULL, "success with an error");
      CONFAB_FUZZ_CHECK (inside (name, buf, len), "name outside the line");
      CONFAB_FUZZ_CHECK (confab_validate_name (name, -1, NULL), "invalid name accepted");
      trim (&start, &end);
      CONFAB_FUZZ_CHECK (strlen (name) == (gsize) (end - start) &&
                           memcmp (name, start, end - start) == 0,
                         "name is not the trimmed line");
    }
  else
    {
      check_error_line (error);
      CONFAB_FUZZ_CHECK (error->code == CONFAB_ERROR_INVALID_NAME,
                         "login error code %d", error->code);
    }
}

/* The recipients a plain split of the original line gives. */
static GPtrArray *
model_recipients (const char *orig,
                  const char *colon)
{
  GPtrArray  *names = g_ptr_array_new_with_free_func (g_free);
  const char *p = orig;

  for (;;)
    {
      const char      *comma = memchr (p, ',', colon - p);
      const char      *item_end = comma != NULL ? comma : colon;
      const char      *start = p;
      const char      *end = item_end;
      g_autofree char *name = NULL;
      gboolean         seen = FALSE;

      trim (&start, &end);
      name = g_strndup (start, end - start);
      for (guint i = 0; i < names->len && !seen; i++)
        seen = strcmp (g_ptr_array_index (names, i), name) == 0;
      if (!seen)
        g_ptr_array_add (names, g_steal_pointer (&name));
      if (comma == NULL)
        break;
      p = comma + 1;
    }
  return names;
}

static void
fuzz_message (const char *orig,
              gsize       len,
              guint       max_recipients)
{
  g_autofree char *buf = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;
  ConfabTextMessage *msg = g_new0 (ConfabTextMessage, 1);

  memcpy (buf, orig, len);
  buf[len] = '\0';

  if (confab_text_parse_message (buf, len, max_recipients, msg, &error))
    {
      const char *colon = memchr (orig, ':', len);
      g_autoptr(GPtrArray) names = NULL;
      const char *start;
      const char *end;

      CONFAB_FUZZ_CHECK (error == NULL, "success with an error");
      CONFAB_FUZZ_CHECK (colon != NULL, "a line without ':' accepted");
      CONFAB_FUZZ_CHECK (msg->n_recipients >= 1, "no recipients");
      CONFAB_FUZZ_CHECK (msg->n_recipients <= MIN (max_recipients, CONFAB_TEXT_MAX_RECIPIENTS_HARD),
                         "%u recipients, limit %u", msg->n_recipients, max_recipients);

      names = model_recipients (orig, colon);
      CONFAB_FUZZ_CHECK (names->len == msg->n_recipients, "%u recipients, the line has %u",
                         msg->n_recipients, names->len);
      for (guint i = 0; i < msg->n_recipients; i++)
        {
          const char *name = msg->recipients[i];

          CONFAB_FUZZ_CHECK (inside (name, buf, len), "recipient outside the line");
          CONFAB_FUZZ_CHECK (name[0] == '#' ? confab_validate_room_name (name, -1, NULL)
                                            : confab_validate_name (name, -1, NULL),
                             "invalid recipient accepted");
          CONFAB_FUZZ_CHECK (strcmp (name, g_ptr_array_index (names, i)) == 0,
                             "recipient %u differs from the line's", i);
        }

      start = colon + 1;
      end = orig + len;
      trim (&start, &end);
      CONFAB_FUZZ_CHECK (inside (msg->text, buf, len), "text outside the line");
      CONFAB_FUZZ_CHECK (msg->text[msg->text_len] == '\0', "text not NUL-terminated");
      CONFAB_FUZZ_CHECK (strlen (msg->text) == msg->text_len, "text holds a NUL");
      CONFAB_FUZZ_CHECK (msg->text_len == (gsize) (end - start) &&
                           memcmp (msg->text, start, msg->text_len) == 0,
                         "text is not the trimmed rest of the line");
      CONFAB_FUZZ_CHECK (confab_validate_text (msg->text, msg->text_len, NULL),
                         "invalid text accepted");
    }
  else
    {
      check_error_line (error);
      switch (error->code)
        {
        case CONFAB_ERROR_INVALID_UTF8:
        case CONFAB_ERROR_CONTROL_CHARACTER:
        case CONFAB_ERROR_BAD_MESSAGE:
        case CONFAB_ERROR_INVALID_NAME:
        case CONFAB_ERROR_TOO_MANY_RECIPIENTS:
        case CONFAB_ERROR_EMPTY_MESSAGE:
        case CONFAB_ERROR_INVALID_ROOM_NAME:
          break;
        default:
          CONFAB_FUZZ_CHECK (FALSE, "undocumented error code %d", error->code);
        }
    }
  g_free (msg);
}

/* A command's room is a valid room name in the line, its text (a topic)
 * one trimmed line of text; a line that is no command is left alone. */
static void
fuzz_command (const char *orig,
              gsize       len)
{
  g_autofree char *buf = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;
  ConfabTextCommand command;

  memcpy (buf, orig, len);
  buf[len] = '\0';

  if (confab_text_parse_command (buf, len, &command, &error))
    {
      CONFAB_FUZZ_CHECK (error == NULL, "success with an error");
      if (command.kind == CONFAB_TEXT_COMMAND_NONE)
        {
          CONFAB_FUZZ_CHECK (memcmp (buf, orig, len) == 0, "a chat line was changed");
          return;
        }
      CONFAB_FUZZ_CHECK (command.room == NULL || (inside (command.room, buf, len) &&
                                                  confab_validate_room_name (command.room, -1, NULL)),
                         "invalid room accepted");
      CONFAB_FUZZ_CHECK (command.text == NULL || command.kind == CONFAB_TEXT_COMMAND_TOPIC,
                         "text on a command without one");
      if (command.text != NULL)
        {
          CONFAB_FUZZ_CHECK (inside (command.text, buf, len) &&
                               strlen (command.text) == command.text_len,
                             "topic outside the line or holding a NUL");
          CONFAB_FUZZ_CHECK (command.text_len == 0 ||
                               confab_validate_text (command.text, command.text_len, NULL),
                             "invalid topic accepted");
        }
    }
  else
    {
      check_error_line (error);
      switch (error->code)
        {
        case CONFAB_ERROR_INVALID_UTF8:
        case CONFAB_ERROR_CONTROL_CHARACTER:
        case CONFAB_ERROR_BAD_MESSAGE:
        case CONFAB_ERROR_INVALID_ROOM_NAME:
        case CONFAB_ERROR_UNKNOWN_COMMAND:
          break;
        default:
          CONFAB_FUZZ_CHECK (FALSE, "undocumented command error code %d", error->code);
        }
    }
}

int
confab_fuzz_text_protocol (const uint8_t *data,
                           size_t         size)
{
  static const guint limits[] = { 2, 64, 2000 };
  const char        *p = (const char *) data;
  const char        *end = p + size;

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      gsize       len = (nl != NULL ? nl : end) - p;

      fuzz_login (p, len);
      fuzz_command (p, len);
      for (guint i = 0; i < G_N_ELEMENTS (limits); i++)
        fuzz_message (p, len, limits[i]);
      p += len + 1;
    }
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_text_protocol)
