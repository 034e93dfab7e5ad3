/* confab-text-codec.c: the text protocol of SPEC §2 as a codec.
 *
 * Decoding is confab-text-protocol.c's (in place, allocating nothing on
 * success); the server's lines are made here: "from SENDER: text",
 * "error: text" and "peers: NAME NAME". The text protocol has no welcome.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-codec.h"

#define ERROR_PREFIX "error: "
#define PEERS_PREFIX "peers: "

static gboolean
text_decode_login (char                       *line,
                   gsize                       len,
                   const ConfabDecodeOptions  *options,
                   ConfabRequest              *request,
                   GError                    **error)
{
  const char *name;

  /* An empty login line asks for the caller's own user name. */
  if (options->blank_login && confab_text_is_blank (line, len))
    name = "";
  else if (!confab_text_parse_login (line, len, &name, error))
    return FALSE;

  request->kind = CONFAB_REQUEST_LOGIN;
  request->name = name;
  return TRUE;
}

static gboolean
text_decode (char                       *line,
             gsize                       len,
             const ConfabDecodeOptions  *options,
             ConfabRequest              *request,
             GError                    **error)
{
  ConfabTextMessage *parsed = &request->storage.text;

  /* "/peers" has no ':', so it can never be a chat line. */
  if (confab_text_is_peers_command (line, len))
    {
      request->kind = CONFAB_REQUEST_PEERS;
      return TRUE;
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

static GBytes *
take_string (GString *line)
{
  gsize len = line->len;

  return g_bytes_new_take (g_string_free (line, FALSE), len);
}

static GBytes *
text_encode (const ConfabEvent *event)
{
  GString *line;
  const char *bytes;
  gsize len;

  switch (event->kind)
    {
    case CONFAB_EVENT_MESSAGE:
      bytes = confab_message_get_line (event->message, &len);
      return g_bytes_new (bytes, len);

    case CONFAB_EVENT_ERROR:
      line = g_string_new (ERROR_PREFIX);
      g_string_append (line, event->text);
      g_string_append_c (line, '\n');
      return take_string (line);

    case CONFAB_EVENT_PEERS:
      line = g_string_new (PEERS_PREFIX);
      for (guint i = 0; i < event->n_names; i++)
        {
          if (i > 0)
            g_string_append_c (line, ' ');
          g_string_append (line, event->names[i]);
        }
      g_string_append_c (line, '\n');
      return take_string (line);

    case CONFAB_EVENT_WELCOME:
    default:
      return NULL;
    }
}

/* The line is built once, as the message is made, and shared. */
static const char *
text_message_bytes (ConfabMessage *message,
                    gsize         *len)
{
  return confab_message_get_line (message, len);
}

const ConfabCodec confab_codec_text = {
  .name = "text",
  .decode_login = text_decode_login,
  .decode = text_decode,
  .encode = text_encode,
  .message_bytes = text_message_bytes,
};
