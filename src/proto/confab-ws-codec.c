/* confab-ws-codec.c: the JSON-lines protocol over WebSocket, as a codec.
 *
 * The ws: door's connections speak JSON lines with a WebSocket message
 * for each line (SPEC §13): a request is one text message, decoded as
 * the JSON codec decodes a line; what the server sends is the JSON
 * codec's line without its "\n", in one text frame. The frame is the
 * encoding kept in the message's slot, so a message fanned out to many
 * browsers is framed once, and the bytes the output bound counts are
 * the frames' (confab-peer-output.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-codec.h"
#include "confab-ws-frame.h"

static gboolean
ws_decode_login (char                      *line,
                 gsize                      len,
                 const ConfabDecodeOptions *options,
                 ConfabRequest             *request,
                 GError                   **error)
{
  return confab_codec_json.decode_login (line, len, options, request, error);
}

static gboolean
ws_decode (char                      *line,
           gsize                      len,
           const ConfabDecodeOptions *options,
           ConfabRequest             *request,
           GError                   **error)
{
  return confab_codec_json.decode (line, len, options, request, error);
}

static ConfabEncoded *
ws_encode (ConfabMessage *message)
{
  gsize       len;
  const char *line = confab_codec_message_bytes (&confab_codec_json, message, &len);

  if (len == 0)
    return NULL;
  if (line[len - 1] == '\n')
    len--;
  return confab_ws_encode_frame (CONFAB_WS_OPCODE_TEXT, line, len);
}

const ConfabCodec confab_codec_websocket = {
  .name = "websocket",
  .slot = CONFAB_CODEC_SLOT_WEBSOCKET,
  .greets = TRUE,
  .decode_login = ws_decode_login,
  .decode = ws_decode,
  .encode = ws_encode,
};
