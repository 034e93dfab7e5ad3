/* confab-text-codec.c: the text protocol of SPEC §2 as a codec.
 *
 * Decoding is confab-text-protocol.c's (in place, allocating nothing on
 * success); the server's lines are made here, and only here: "from
 * SENDER: text", "from SENDER in #room: text", "error: text", "peers:
 * NAME NAME" and the room lines of docs/protocol.md ("join #room: NAME",
 * …). The text protocol has no welcome.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-codec.h"
#include "confab-wire.h"

#define FROM_PREFIX  "from "
#define ERROR_PREFIX "error: "
#define PEERS_PREFIX "peers: "
#define IN_ROOM      " in "

static gboolean
text_decode_login (char                      *line,
                   gsize                      len,
                   const ConfabDecodeOptions *options,
                   ConfabRequest             *request,
                   GError                   **error)
{
  const char *name;
  const char *password = NULL;

  /* An empty login line asks for the caller's own user name. */
  if (options->blank_login && confab_text_is_blank (line, len))
    name = "";
  else if (!confab_text_parse_login (line, len, &name, options->passwords ? &password : NULL, error))
    return FALSE;

  request->kind = CONFAB_REQUEST_LOGIN;
  request->name = name;
  request->password = password;
  return TRUE;
}

static gboolean
text_decode (char                      *line,
             gsize                      len,
             const ConfabDecodeOptions *options,
             ConfabRequest             *request,
             GError                   **error)
{
  ConfabTextMessage *parsed = &request->storage.text;

  ConfabTextCommand command;

  if (!confab_text_parse_command (line, len, &command, error))
    return FALSE;

  switch (command.kind)
    {
    case CONFAB_TEXT_COMMAND_NONE:
      break;
    case CONFAB_TEXT_COMMAND_PEERS:
      request->kind = CONFAB_REQUEST_PEERS;
      return TRUE;
    case CONFAB_TEXT_COMMAND_ROOMS:
      request->kind = CONFAB_REQUEST_ROOMS;
      return TRUE;
    case CONFAB_TEXT_COMMAND_JOIN:
      request->kind = CONFAB_REQUEST_JOIN;
      request->room = command.room;
      return TRUE;
    case CONFAB_TEXT_COMMAND_PART:
      request->kind = CONFAB_REQUEST_PART;
      request->room = command.room;
      return TRUE;
    case CONFAB_TEXT_COMMAND_MEMBERS:
      request->kind = CONFAB_REQUEST_MEMBERS;
      request->room = command.room;
      return TRUE;
    case CONFAB_TEXT_COMMAND_TOPIC:
      request->kind = CONFAB_REQUEST_TOPIC;
      request->room = command.room;
      request->text = command.text;
      request->text_len = command.text_len;
      return TRUE;
    case CONFAB_TEXT_COMMAND_HISTORY:
      {
        guint64 limit = 0;

        /* N: a positive number; what is too many the session caps. */
        if (command.text != NULL &&
            (!g_ascii_string_to_unsigned (command.text, 10, 1, G_MAXUINT, &limit, NULL)))
          {
            g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE, "usage: /history #room [N]");
            return FALSE;
          }
        request->kind = CONFAB_REQUEST_HISTORY;
        request->room = command.room;
        request->limit = (guint) limit;
        return TRUE;
      }
    default:
      g_assert_not_reached ();
    }

  if (!confab_text_parse_message (line, len, options->recipients_max, parsed, error))
    return FALSE;

  request->kind = CONFAB_REQUEST_MESSAGE;
  request->to = parsed->recipients;
  request->n_to = parsed->n_recipients;
  request->text = parsed->text;
  request->text_len = parsed->text_len;
  return TRUE;
}

static ConfabEncoded *
take_string (GString *line)
{
  ConfabEncoded *encoded = confab_encoded_new_copy (line->str, line->len);

  g_string_free (line, TRUE);
  return encoded;
}

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

/* The length of "PREFIX[SENDER[ in ROOM]: ]TEXT\n". */
static gsize
line_len (const char *prefix,
          const char *sender,
          const char *room,
          const char *text,
          gsize       text_len)
{
  return strlen (prefix) + (sender != NULL ? strlen (sender) + 2 : 0) +
         (room != NULL ? strlen (IN_ROOM) + strlen (room) : 0) + text_len +
         count_escapes (text, text_len) + 1;
}

static char *
copy_string (char       *out,
             const char *s)
{
  gsize len = strlen (s);

  memcpy (out, s, len);
  return out + len;
}

/* Writes "PREFIX[SENDER[ in ROOM]: ]TEXT\n" into @encoded, of line_len()
 * bytes. */
static void
write_line (ConfabEncoded *encoded,
            const char    *prefix,
            const char    *sender,
            const char    *room,
            const char    *text,
            gsize          text_len)
{
  char *p = copy_string (encoded->data, prefix);

  if (sender != NULL)
    {
      p = copy_string (p, sender);
      if (room != NULL)
        {
          p = copy_string (p, IN_ROOM);
          p = copy_string (p, room);
        }
      *p++ = ':';
      *p++ = ' ';
    }
  p = copy_escaped (p, text, text_len);
  *p++ = '\n';
  g_assert ((gsize) (p - encoded->data) == encoded->len);
}

static ConfabEncoded *
build_line (const char *prefix,
            const char *sender,
            const char *room,
            const char *text,
            gsize       text_len)
{
  ConfabEncoded *encoded = confab_encoded_new (line_len (prefix, sender, room, text, text_len));

  write_line (encoded, prefix, sender, room, text, text_len);
  return encoded;
}

/* "PREFIX NAME NAME…\n", or "PREFIX\n" without names; @prefix ends
 * in ':'. */
static ConfabEncoded *
build_list (const char         *prefix,
            const char         *room,
            const char * const *names,
            guint               n_names)
{
  GString *line = g_string_new (prefix);

  if (room != NULL)
    g_string_append_printf (line, " %s:", room);
  for (guint i = 0; i < n_names; i++)
    {
      g_string_append_c (line, ' ');
      g_string_append (line, names[i]);
    }
  g_string_append_c (line, '\n');
  return take_string (line);
}

/* "KIND ROOM: TEXT\n", or "KIND ROOM:\n" for an empty text. */
static ConfabEncoded *
build_room_line (const char *kind,
                 const char *room,
                 const char *text)
{
  g_autofree char *line = g_strdup_printf ("%s %s:%s%s\n", kind, room,
                                           *text != '\0' ? " " : "", text);

  return confab_encoded_new_copy (line, strlen (line));
}

/**
 * confab_text_codec_new_chat:
 *
 * @room: (nullable): the room it goes to, or %NULL for a direct message
 *
 * As confab_message_new_chat(), with the message's text line built at
 * once, in the message's own allocation: every chat message needs it (it
 * is what the byte counters count, and what text peers are sent), and
 * one block per message is one allocation and one free fewer than two.
 *
 * Returns: (transfer full): the message
 */
ConfabMessage *
confab_text_codec_new_chat (const char         *sender,
                            const char         *room,
                            const char * const *recipients,
                            guint               n_recipients,
                            const char         *text,
                            gsize               text_len)
{
  ConfabEncoded *line = NULL;
  ConfabMessage *message =
    confab_message_new_chat_with_line (sender, room, recipients, n_recipients, text, text_len,
                                       line_len (FROM_PREFIX, sender, room, text, text_len), &line);

  write_line (line, FROM_PREFIX, sender, room, text, text_len);
  confab_message_set_slot (message, CONFAB_CODEC_SLOT_TEXT, line);
  return message;
}

static ConfabEncoded *
text_encode (ConfabMessage *message)
{
  const char * const *names;
  const char         *sender = confab_message_get_sender (message);
  const char         *room = confab_message_get_room (message);
  gsize               text_len;
  const char         *text = confab_message_get_text (message, &text_len);
  guint               n_names;
  GString            *line;

  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_CHAT:
      return build_line (FROM_PREFIX, sender, room, text, text_len);

    case CONFAB_MESSAGE_ERROR:
      return build_line (ERROR_PREFIX, NULL, NULL, text, text_len);

    case CONFAB_MESSAGE_PEERS:
      /* "peers: NAME …", as version 1 wrote it: there is always one. */
      names = confab_message_get_names (message, &n_names);
      line = g_string_new (PEERS_PREFIX);
      for (guint i = 0; i < n_names; i++)
        {
          if (i > 0)
            g_string_append_c (line, ' ');
          g_string_append (line, names[i]);
        }
      g_string_append_c (line, '\n');
      return take_string (line);

    case CONFAB_MESSAGE_ROOMS:
      names = confab_message_get_names (message, &n_names);
      return build_list ("rooms:", NULL, names, n_names);

    case CONFAB_MESSAGE_MEMBERS:
      names = confab_message_get_names (message, &n_names);
      return build_list ("members", room, names, n_names);

    case CONFAB_MESSAGE_JOIN:
      return build_room_line ("join", room, sender);

    case CONFAB_MESSAGE_PART:
      return build_room_line ("part", room, sender);

    case CONFAB_MESSAGE_TOPIC:
      return build_room_line ("topic", room, text);

    case CONFAB_MESSAGE_HISTORY:
      {
        /* "history #room TIME SENDER: text" (SPEC §12). */
        g_autofree char *time = confab_wire_format_time (confab_message_get_timestamp (message));
        g_autofree char *head = g_strdup_printf ("history %s %s ", room, time);

        return build_line (head, sender, NULL, text, text_len);
      }

    case CONFAB_MESSAGE_HISTORY_END:
      return build_room_line ("history", room, "end");

    case CONFAB_MESSAGE_OFFLINE:
      {
        /* "from SENDER (offline TIME): text" */
        g_autofree char *time = confab_wire_format_time (confab_message_get_timestamp (message));
        g_autofree char *who = g_strdup_printf ("%s (offline %s)", sender, time);

        return build_line (FROM_PREFIX, who, NULL, text, text_len);
      }

    case CONFAB_MESSAGE_STORED:
      names = confab_message_get_names (message, &n_names);
      line = g_string_new ("stored for ");
      g_string_append (line, names[0]);
      g_string_append_c (line, '\n');
      return take_string (line);

    case CONFAB_MESSAGE_WELCOME:
    case CONFAB_MESSAGE_PROTOCOL_LINE: /* another protocol's */
    default:
      return NULL;
    }
}

const ConfabCodec confab_codec_text = {
  .name = "text",
  .slot = CONFAB_CODEC_SLOT_TEXT,
  .greets = FALSE,
  .decode_login = text_decode_login,
  .decode = text_decode,
  .encode = text_encode,
};
