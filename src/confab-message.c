/* confab-message.c: refcounted, immutable messages.
 *
 * One allocation per message: the struct is followed by the sender's name
 * and the finished text-protocol line, so routing a message to many peers
 * costs one reference each, never a copy or a format.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-message.h"

#define FROM_PREFIX  "from "
#define ERROR_PREFIX "error: "

struct _ConfabMessage
{
  gatomicrefcount    ref_count;
  ConfabMessageKind  kind;
  ConfabError        code;
  gint64             timestamp_usec;
  gsize              line_len;     /* bytes of line, '\n' included */
  gsize              text_offset;  /* text starts at line + text_offset */
  gsize              text_len;
  char              *line;         /* points into data, after the sender */
  char               data[];       /* sender '\0' line '\0' */
};

/* Lays out "SENDER\0" then the line: chat lines are "from SENDER: TEXT\n",
 * error lines "error: TEXT\n". One allocation, no formatting. */
static ConfabMessage *
message_alloc (ConfabMessageKind  kind,
               const char        *sender,
               gsize              sender_len,
               const char        *text,
               gsize              text_len)
{
  ConfabMessage *self;
  gboolean chat = kind == CONFAB_MESSAGE_CHAT;
  gsize prefix_len = chat ? strlen (FROM_PREFIX) + sender_len + 2 : strlen (ERROR_PREFIX);
  gsize line_len = prefix_len + text_len + 1;
  char *p;

  self = g_malloc (sizeof (ConfabMessage) + sender_len + 1 + line_len + 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->code = CONFAB_ERROR_FAILED;
  self->timestamp_usec = g_get_real_time ();

  p = self->data;
  memcpy (p, sender, sender_len);
  p[sender_len] = '\0';

  self->line = p + sender_len + 1;
  self->line_len = line_len;
  self->text_offset = prefix_len;
  self->text_len = text_len;

  p = self->line;
  if (chat)
    {
      memcpy (p, FROM_PREFIX, strlen (FROM_PREFIX));
      p += strlen (FROM_PREFIX);
      memcpy (p, sender, sender_len);
      p += sender_len;
      *p++ = ':';
      *p++ = ' ';
    }
  else
    {
      memcpy (p, ERROR_PREFIX, strlen (ERROR_PREFIX));
      p += strlen (ERROR_PREFIX);
    }
  memcpy (p, text, text_len);
  p[text_len] = '\n';
  p[text_len + 1] = '\0';

  return self;
}

/**
 * confab_message_new_chat:
 * @sender: the sender's name
 * @text: the (validated, single-line) text; @text_len bytes
 * @timestamp_usec: server receive time, or 0 for now
 *
 * Returns: (transfer full): a message whose line is "from SENDER: TEXT\n"
 */
ConfabMessage *
confab_message_new_chat (const char *sender,
                         const char *text,
                         gsize       text_len,
                         gint64      timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (sender != NULL, NULL);
  g_return_val_if_fail (text != NULL || text_len == 0, NULL);

  self = message_alloc (CONFAB_MESSAGE_CHAT, sender, strlen (sender),
                        text, text_len);
  if (timestamp_usec != 0)
    self->timestamp_usec = timestamp_usec;
  return self;
}

/**
 * confab_message_new_error:
 * @code: the error's code
 * @text: plain words (untranslated: part of the wire protocol)
 *
 * Returns: (transfer full): a message whose line is "error: TEXT\n"
 */
ConfabMessage *
confab_message_new_error (ConfabError  code,
                          const char  *text)
{
  ConfabMessage *self;

  g_return_val_if_fail (text != NULL, NULL);

  self = message_alloc (CONFAB_MESSAGE_ERROR, "", 0, text, strlen (text));
  self->code = code;
  return self;
}

ConfabMessage *
confab_message_new_errorf (ConfabError  code,
                           const char  *format,
                           ...)
{
  g_autofree char *text = NULL;
  va_list args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  return confab_message_new_error (code, text);
}

ConfabMessage *
confab_message_ref (ConfabMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_ref_count_inc (&self->ref_count);
  return self;
}

void
confab_message_unref (ConfabMessage *self)
{
  g_return_if_fail (self != NULL);

  if (g_atomic_ref_count_dec (&self->ref_count))
    g_free (self);
}

ConfabMessageKind
confab_message_get_kind (const ConfabMessage *self)
{
  return self->kind;
}

ConfabError
confab_message_get_code (const ConfabMessage *self)
{
  return self->code;
}

/* Returns: the sender's name; "" for an error message */
const char *
confab_message_get_sender (const ConfabMessage *self)
{
  return self->data;
}

/* Returns: the text, not NUL-terminated (it is followed by '\n') */
const char *
confab_message_get_text (const ConfabMessage *self,
                         gsize               *len)
{
  if (len != NULL)
    *len = self->text_len;
  return self->line + self->text_offset;
}

gint64
confab_message_get_timestamp (const ConfabMessage *self)
{
  return self->timestamp_usec;
}

const char *
confab_message_get_line (const ConfabMessage *self,
                         gsize               *len)
{
  if (len != NULL)
    *len = self->line_len;
  return self->line;
}
