/* confab-codec.c: choosing a codec, and what every codec shares.
 *
 * The codecs themselves are confab-text-codec.c and confab-json-codec.c;
 * here are the entry points the connection layer calls, the protocol
 * sniffing of a connection's first bytes, and the per-message encoding
 * cache that keeps fan-out cheap.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-codec.h"
#include "confab-wire.h"

/**
 * confab_codec_sniff:
 * @data: the first bytes a connection sent
 *
 * The first non-blank byte decides the protocol, even before the first
 * line is complete, so that a fatal error on an unfinished first line
 * (too long, login timeout) already comes in the client's protocol.
 *
 * Returns: (nullable): the codec, or %NULL while @data is only blanks
 */
const ConfabCodec *
confab_codec_sniff (const char *data,
                    gsize       len)
{
  gsize i = confab_wire_skip_blanks (data, len);

  if (i == len)
    return NULL;
  /* The JSON module says what starts a JSON line. */
  return confab_json_is_json_line (data + i, len - i) ? &confab_codec_json : &confab_codec_text;
}

/**
 * confab_codec_decode_login:
 * @line: the first line, @len bytes, without its line end; line[len] is
 *   '\0'; it may be modified in place
 * @request: (out caller-allocates): a LOGIN request on success; clear it
 *   with confab_request_clear()
 *
 * Returns: %FALSE with a CONFAB_ERROR for the client
 */
gboolean
confab_codec_decode_login (const ConfabCodec          *codec,
                           char                       *line,
                           gsize                       len,
                           const ConfabDecodeOptions  *options,
                           ConfabRequest              *request,
                           GError                    **error)
{
  g_return_val_if_fail (codec != NULL, FALSE);
  g_return_val_if_fail (line != NULL && options != NULL && request != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  /* Only the head: the text codec's storage is large and used in place. */
  request->clear = NULL;
  request->name = NULL;
  request->to = NULL;
  request->n_to = 0;
  request->text = NULL;
  request->text_len = 0;
  return codec->decode_login (line, len, options, request, error);
}

/**
 * confab_codec_decode:
 *
 * As confab_codec_decode_login(), for the lines after the login: a
 * MESSAGE or PEERS request.
 */
gboolean
confab_codec_decode (const ConfabCodec          *codec,
                     char                       *line,
                     gsize                       len,
                     const ConfabDecodeOptions  *options,
                     ConfabRequest              *request,
                     GError                    **error)
{
  g_return_val_if_fail (codec != NULL, FALSE);
  g_return_val_if_fail (line != NULL && options != NULL && request != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  request->clear = NULL;
  request->name = NULL;
  request->to = NULL;
  request->n_to = 0;
  request->text = NULL;
  request->text_len = 0;
  return codec->decode (line, len, options, request, error);
}

/* Frees what a decoded request owns; harmless twice. */
void
confab_request_clear (ConfabRequest *request)
{
  g_return_if_fail (request != NULL);

  if (request->clear != NULL)
    request->clear (request);
  request->clear = NULL;
}

/* Returns: (transfer full) (nullable): the bytes of @event, or %NULL if
 *   the protocol has nothing to send for it */
GBytes *
confab_codec_encode (const ConfabCodec *codec,
                     const ConfabEvent *event)
{
  g_return_val_if_fail (codec != NULL, NULL);
  g_return_val_if_fail (event != NULL, NULL);

  return codec->encode (event);
}

/* Returns: (transfer full): an error line for this connection alone */
GBytes *
confab_codec_encode_error (const ConfabCodec *codec,
                           ConfabError        code,
                           const char        *text)
{
  ConfabEvent event = { .kind = CONFAB_EVENT_ERROR, .code = code, .text = text };

  return confab_codec_encode (codec, &event);
}

/* Returns: (transfer none): @message in @codec's protocol, valid as long
 *   as @message */
const char *
confab_codec_message_bytes (const ConfabCodec *codec,
                            ConfabMessage     *message,
                            gsize             *len)
{
  g_return_val_if_fail (codec != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  return codec->message_bytes (message, len);
}

/**
 * confab_codec_cached_bytes:
 *
 * A message fanned out to many connections is encoded once per protocol,
 * on first use, and the bytes are kept on the message for the others.
 *
 * Threads: today every writer runs on the main thread (the flush source
 * of confab-peer-output.c), so the cache is only touched there. The
 * compare-and-swap keeps it correct should writers move to threads: two
 * that race both encode, one result is kept and the other dropped.
 *
 * Returns: (transfer none): the encoding
 */
const char *
confab_codec_cached_bytes (ConfabMessage   *message,
                           ConfabEncoding   encoding,
                           GBytes        *(*encode) (ConfabMessage *message),
                           gsize           *len)
{
  GBytes *bytes = confab_message_get_encoding (message, encoding);

  if (bytes == NULL)
    bytes = confab_message_set_encoding (message, encoding, encode (message));
  return g_bytes_get_data (bytes, len);
}
