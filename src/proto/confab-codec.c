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

/* Only the head: the storage is large (a text line's recipient array)
 * and the codec fills what it uses. */
static void
request_init (ConfabRequest *request)
{
  request->clear = NULL;
  request->name = NULL;
  request->to = NULL;
  request->n_to = 0;
  request->text = NULL;
  request->text_len = 0;
  request->room = NULL;
  request->password = NULL;
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
confab_codec_decode_login (const ConfabCodec         *codec,
                           char                      *line,
                           gsize                      len,
                           const ConfabDecodeOptions *options,
                           ConfabRequest             *request,
                           GError                   **error)
{
  g_return_val_if_fail (codec != NULL, FALSE);
  g_return_val_if_fail (line != NULL && options != NULL && request != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  request_init (request);
  return codec->decode_login (line, len, options, request, error);
}

/**
 * confab_codec_decode:
 *
 * As confab_codec_decode_login(), for the lines after the login: a
 * MESSAGE or PEERS request.
 */
gboolean
confab_codec_decode (const ConfabCodec         *codec,
                     char                      *line,
                     gsize                      len,
                     const ConfabDecodeOptions *options,
                     ConfabRequest             *request,
                     GError                   **error)
{
  g_return_val_if_fail (codec != NULL, FALSE);
  g_return_val_if_fail (line != NULL && options != NULL && request != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  request_init (request);
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

G_STATIC_ASSERT (CONFAB_CODEC_N_SLOTS <= CONFAB_MESSAGE_N_SLOTS);

/* Returns: (transfer full) (nullable): the bytes of @message, freshly
 *   encoded, or %NULL if the protocol has nothing to send for it */
GBytes *
confab_codec_encode (const ConfabCodec *codec,
                     ConfabMessage     *message)
{
  ConfabEncoded *encoded;

  g_return_val_if_fail (codec != NULL, NULL);
  g_return_val_if_fail (message != NULL, NULL);

  encoded = codec->encode (message);
  if (encoded == NULL)
    return NULL;
  return g_bytes_new_with_free_func (encoded->data, encoded->len, confab_encoded_free, encoded);
}

/* Returns: (transfer full): an error line for a connection that is being
 *   closed, sent ahead of its queue */
GBytes *
confab_codec_encode_error (const ConfabCodec *codec,
                           ConfabError        code,
                           const char        *text)
{
  g_autoptr(ConfabMessage) message = confab_message_new_error (code, text);

  return confab_codec_encode (codec, message);
}

/**
 * confab_codec_message_bytes:
 *
 * The bytes of a queued message in @codec's protocol. A message fanned out
 * to many connections is encoded once per protocol, on first use, and the
 * bytes are kept in the message's slot for the others, so routing to N
 * peers of one protocol costs one encoding and no allocation per peer.
 *
 * Threads: every caller runs on the main context (the broker's routing,
 * which measures the message, and the writers of confab-peer-output.c, in
 * the flush source), so the slot is a plain field (confab-broker.h).
 *
 * Returns: (transfer none): the bytes, valid as long as @message; "" with
 *   *len 0 if the protocol has nothing to send for it
 */
const char *
confab_codec_message_bytes (const ConfabCodec *codec,
                            ConfabMessage     *message,
                            gsize             *len)
{
  const ConfabEncoded *encoded = confab_message_get_slot (message, codec->slot);

  if (G_UNLIKELY (encoded == NULL))
    {
      ConfabEncoded *made = codec->encode (message);

      if (made == NULL)
        {
          if (len != NULL)
            *len = 0;
          return "";
        }
      encoded = confab_message_set_slot (message, codec->slot, made);
    }
  if (len != NULL)
    *len = encoded->len;
  return encoded->data;
}

/**
 * confab_codec_message_bytes_for:
 * @peer: the connection the bytes are for
 * @scratch: where bytes made for @peer alone are put (emptied first)
 *
 * As confab_codec_message_bytes(), for a codec whose bytes may depend on
 * the recipient (ConfabCodec.encode_for): those are made into @scratch
 * for each recipient; every other message keeps its one shared encoding.
 *
 * Returns: (transfer none): the bytes, valid as long as @message and
 *   @scratch are left alone
 */
const char *
confab_codec_message_bytes_for (const ConfabCodec     *codec,
                                const ConfabCodecPeer *peer,
                                ConfabMessage         *message,
                                GString               *scratch,
                                gsize                 *len)
{
  if (codec->encode_for != NULL)
    {
      g_string_truncate (scratch, 0);
      if (codec->encode_for (peer, message, scratch))
        {
          *len = scratch->len;
          return scratch->str;
        }
    }
  return confab_codec_message_bytes (codec, message, len);
}
