/* confab-message.c: refcounted, immutable messages.
 *
 * One allocation per message: the struct is followed by its recipients,
 * the sender's name, the text (only where the line shows it escaped) and
 * the finished text-protocol line, so routing a message to many peers
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
  const char        *sender;
  const char       **recipients;   /* n_recipients + 1, NULL-terminated */
  guint              n_recipients;
  const char        *text;
  gsize              text_len;
  const char        *line;
  gsize              line_len;     /* bytes of line, '\n' included */
  gsize              size;         /* of the whole allocation */
  GBytes            *encodings[CONFAB_N_ENCODINGS];  /* atomic, (owned) (nullable) */
  char               data[];
};

/* Newlines and carriage returns (possible only in JSON texts) would start
 * a new line in a text peer's stream: they are shown as "\n" and "\r". */
static gsize
count_escapes (const char *text,
               gsize       len)
{
  gsize n = 0;

  for (gsize i = 0; i < len; i++)
    n += text[i] == '\n' || text[i] == '\r';
  return n;
}

static char *
copy_escaped (char       *out,
              const char *text,
              gsize       len)
{
  for (gsize i = 0; i < len; i++)
    {
      if (text[i] == '\n' || text[i] == '\r')
        {
          *out++ = '\\';
          *out++ = text[i] == '\n' ? 'n' : 'r';
        }
      else
        *out++ = text[i];
    }
  return out;
}

static char *
append (char       *out,
        const char *bytes,
        gsize       len)
{
  memcpy (out, bytes, len);
  return out + len;
}

/* Lays the message out in one block: recipient pointers, recipient names,
 * sender, text (when escaped), line. */
static ConfabMessage *
message_alloc (ConfabMessageKind   kind,
               const char         *sender,
               const char * const *recipients,
               guint               n_recipients,
               const char         *text,
               gsize               text_len)
{
  ConfabMessage *self;
  gboolean chat = kind == CONFAB_MESSAGE_CHAT;
  gsize sender_len = strlen (sender);
  gsize escapes = kind == CONFAB_MESSAGE_RAW ? 0 : count_escapes (text, text_len);
  gsize prefix_len;
  gsize line_len;
  gsize names_len = 0;
  gsize size;
  char *p;

  if (kind == CONFAB_MESSAGE_RAW)
    prefix_len = 0;
  else if (chat)
    prefix_len = strlen (FROM_PREFIX) + sender_len + 2;
  else
    prefix_len = strlen (ERROR_PREFIX);
  line_len = prefix_len + text_len + escapes + (kind == CONFAB_MESSAGE_RAW ? 0 : 1);

  for (guint i = 0; i < n_recipients; i++)
    names_len += strlen (recipients[i]) + 1;

  size = sizeof (ConfabMessage) +
         (n_recipients + 1) * sizeof (char *) + names_len +
         sender_len + 1 +
         (escapes > 0 ? text_len + 1 : 0) +
         line_len + 1;
  self = g_malloc (size);
  memset (self, 0, sizeof (ConfabMessage));
  self->size = size;
  g_atomic_ref_count_init (&self->ref_count);
  self->kind = kind;
  self->code = CONFAB_ERROR_FAILED;
  self->timestamp_usec = g_get_real_time ();

  /* Pointers first, for their alignment. */
  self->recipients = (const char **) (void *) self->data;
  self->n_recipients = n_recipients;
  p = self->data + (n_recipients + 1) * sizeof (char *);
  for (guint i = 0; i < n_recipients; i++)
    {
      self->recipients[i] = p;
      p = append (p, recipients[i], strlen (recipients[i]) + 1);
    }
  self->recipients[n_recipients] = NULL;

  self->sender = p;
  p = append (p, sender, sender_len);
  *p++ = '\0';

  if (escapes > 0)
    {
      self->text = p;
      p = append (p, text, text_len);
      *p++ = '\0';
    }
  self->text_len = text_len;

  self->line = p;
  self->line_len = line_len;
  if (chat)
    {
      p = append (p, FROM_PREFIX, strlen (FROM_PREFIX));
      p = append (p, sender, sender_len);
      p = append (p, ": ", 2);
    }
  else if (kind == CONFAB_MESSAGE_ERROR)
    {
      p = append (p, ERROR_PREFIX, strlen (ERROR_PREFIX));
    }
  if (escapes == 0)
    self->text = p;  /* the text stands unescaped inside the line */
  if (kind == CONFAB_MESSAGE_RAW)
    p = append (p, text, text_len);
  else
    p = copy_escaped (p, text, text_len);
  if (kind != CONFAB_MESSAGE_RAW)
    *p++ = '\n';
  *p = '\0';

  return self;
}

/**
 * confab_message_new_chat:
 * @sender: the sender's name
 * @recipients: the (de-duplicated) names it was addressed to
 * @text: the validated text; @text_len bytes; may hold '\n' (JSON peers)
 * @timestamp_usec: server receive time, or 0 for now
 *
 * Returns: (transfer full): a message whose line is "from SENDER: TEXT\n"
 */
ConfabMessage *
confab_message_new_chat (const char         *sender,
                         const char * const *recipients,
                         guint               n_recipients,
                         const char         *text,
                         gsize               text_len,
                         gint64              timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (sender != NULL, NULL);
  g_return_val_if_fail (recipients != NULL || n_recipients == 0, NULL);
  g_return_val_if_fail (text != NULL || text_len == 0, NULL);

  self = message_alloc (CONFAB_MESSAGE_CHAT, sender, recipients, n_recipients,
                        text != NULL ? text : "", text_len);
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

  self = message_alloc (CONFAB_MESSAGE_ERROR, "", NULL, 0, text, strlen (text));
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

/**
 * confab_message_new_raw:
 * @line: bytes already encoded for one connection's protocol, '\n' included
 *
 * Returns: (transfer full): a message sent as it is, whatever the protocol
 */
ConfabMessage *
confab_message_new_raw (const char *line,
                        gsize       len)
{
  g_return_val_if_fail (line != NULL, NULL);

  return message_alloc (CONFAB_MESSAGE_RAW, "", NULL, 0, line, len);
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

  if (!g_atomic_ref_count_dec (&self->ref_count))
    return;

  for (guint i = 0; i < CONFAB_N_ENCODINGS; i++)
    g_clear_pointer (&self->encodings[i], g_bytes_unref);
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

/* Returns: the sender's name; "" for error and raw messages */
const char *
confab_message_get_sender (const ConfabMessage *self)
{
  return self->sender;
}

/* Returns: (array length=n_recipients): NULL-terminated names */
const char * const *
confab_message_get_recipients (const ConfabMessage *self,
                               guint               *n_recipients)
{
  if (n_recipients != NULL)
    *n_recipients = self->n_recipients;
  return (const char * const *) self->recipients;
}

/* Returns: the text, unescaped, not necessarily NUL-terminated */
const char *
confab_message_get_text (const ConfabMessage *self,
                         gsize               *len)
{
  if (len != NULL)
    *len = self->text_len;
  return self->text;
}

gint64
confab_message_get_timestamp (const ConfabMessage *self)
{
  return self->timestamp_usec;
}

/* Returns: the bytes the message occupies (not counting a cached
 * encoding for another protocol) */
gsize
confab_message_get_size (const ConfabMessage *self)
{
  return self->size;
}

const char *
confab_message_get_line (const ConfabMessage *self,
                         gsize               *len)
{
  if (len != NULL)
    *len = self->line_len;
  return self->line;
}

/* Returns: (transfer none) (nullable): the cached encoding */
GBytes *
confab_message_get_encoding (ConfabMessage  *self,
                             ConfabEncoding  encoding)
{
  g_return_val_if_fail (encoding < CONFAB_N_ENCODINGS, NULL);

  return g_atomic_pointer_get (&self->encodings[encoding]);
}

/**
 * confab_message_set_encoding:
 * @bytes: (transfer full): the encoded message
 *
 * Caches @bytes unless another writer cached one first.
 *
 * Returns: (transfer none): the cached encoding, @bytes or the earlier one
 */
GBytes *
confab_message_set_encoding (ConfabMessage  *self,
                             ConfabEncoding  encoding,
                             GBytes         *bytes)
{
  g_return_val_if_fail (encoding < CONFAB_N_ENCODINGS, NULL);
  g_return_val_if_fail (bytes != NULL, NULL);

  if (g_atomic_pointer_compare_and_exchange (&self->encodings[encoding], NULL, bytes))
    return bytes;

  g_bytes_unref (bytes);
  return g_atomic_pointer_get (&self->encodings[encoding]);
}
