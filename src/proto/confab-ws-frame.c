/* confab-ws-frame.c: RFC 6455 frames, the server's side.
 *
 * Why confab frames WebSocket itself rather than through libsoup's
 * SoupWebsocketConnection: that queues outgoing frames without bound and
 * says nothing of how much is queued, so the slow-consumer bound of SPEC
 * §5 could not hold, and it would give every connection a GSource of its
 * own. Here the frames are one more framing of the same connection
 * (src/net), read from the shared buffer and paced like lines.
 *
 * The rules a client breaks end the connection with the code RFC 6455
 * gives: unmasked frames, reserved bits (no extension is offered),
 * unknown opcodes, control frames that are fragmented or longer than 125
 * bytes, lengths not in their shortest form or with the top bit set, a
 * continuation with no message or a message inside another are protocol
 * errors (1002); binary messages are not data this server takes (1003);
 * text that is not UTF-8 is 1007, checked fragment by fragment so that a
 * code point split between fragments passes; a message past the line
 * limit, or in more than CONFAB_WS_FRAGMENTS_MAX fragments, is too big
 * (1009), known from a frame's header before its payload is read.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-ws-frame.h"

typedef enum
{
  UTF8_VALID,
  UTF8_INCOMPLETE, /* valid so far; the last character is unfinished */
  UTF8_INVALID,
} Utf8Check;

/* Checks @len bytes of @s from @*valid on, moving @*valid past what is
 * whole and valid. NUL is a character like any other here (the codec
 * refuses it in its own words, without closing). */
static Utf8Check
check_utf8 (const char *s,
            gsize       len,
            gsize      *valid)
{
  while (*valid < len)
    {
      const char *start = s + *valid;
      const char *end;
      gsize       rest = len - *valid;
      gunichar    c;

      if (g_utf8_validate_len (start, rest, &end))
        {
          *valid = len;
          return UTF8_VALID;
        }
      *valid = end - s;
      if (*end == '\0')
        {
          *valid += 1;
          continue;
        }
      c = g_utf8_get_char_validated (end, len - *valid);
      return c == (gunichar) -2 && len - *valid < 4 ? UTF8_INCOMPLETE : UTF8_INVALID;
    }
  return UTF8_VALID;
}

static ConfabWsEvent
fail (ConfabWsDecoder *self,
      ConfabWsFrame   *frame,
      guint16          code,
      const char      *reason)
{
  self->failed = TRUE;
  g_clear_pointer (&self->message, g_free);
  self->message_len = 0;
  frame->data = NULL;
  frame->len = 0;
  frame->code = code;
  frame->reason = reason;
  return CONFAB_WS_FAILED;
}

/* How long the header in @self->head is, once its second byte is in. */
static gsize
header_length (const ConfabWsDecoder *self)
{
  guint8 len7 = self->head[1] & 0x7F;

  return 2 + (len7 == 126 ? 2 : len7 == 127 ? 8
                                            : 0) +
         4;
}

/* A whole header is in: checks it and starts the frame. */
static ConfabWsEvent
start_frame (ConfabWsDecoder *self,
             gsize            max_message,
             ConfabWsFrame   *frame)
{
  const guint8 *h = self->head;
  guint8        len7 = h[1] & 0x7F;
  guint64       len = len7;
  gsize         mask_at = 2;

  self->fin = (h[0] & 0x80) != 0;
  self->opcode = h[0] & 0x0F;
  if (len7 == 126)
    {
      len = ((guint64) h[2] << 8) | h[3];
      mask_at = 4;
      if (len < 126)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "length not in its shortest form");
    }
  else if (len7 == 127)
    {
      len = 0;
      for (guint i = 0; i < 8; i++)
        len = (len << 8) | h[2 + i];
      mask_at = 10;
      if (len >> 63)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "length has its top bit set");
      if (len <= 0xFFFF)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "length not in its shortest form");
    }
  memcpy (self->mask, h + mask_at, 4);

  switch (self->opcode)
    {
    case CONFAB_WS_OPCODE_CLOSE:
    case CONFAB_WS_OPCODE_PING:
    case CONFAB_WS_OPCODE_PONG:
      if (!self->fin)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "fragmented control frame");
      if (len > CONFAB_WS_CONTROL_MAX)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "control frame too long");
      self->control_len = 0;
      break;

    case CONFAB_WS_OPCODE_BINARY:
      return fail (self, frame, CONFAB_WS_CLOSE_UNSUPPORTED_DATA, "binary messages are not accepted");

    case CONFAB_WS_OPCODE_TEXT:
      if (self->in_message)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "a message inside a fragmented one");
      self->in_message = TRUE;
      self->fragments = 0;
      self->message_len = self->valid_len = 0;
      G_GNUC_FALLTHROUGH;
    case CONFAB_WS_OPCODE_CONTINUATION:
      if (!self->in_message)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "continuation without a message");
      if (++self->fragments > CONFAB_WS_FRAGMENTS_MAX)
        return fail (self, frame, CONFAB_WS_CLOSE_TOO_BIG, "message in too many fragments");
      if (len > max_message - self->message_len)
        return fail (self, frame, CONFAB_WS_CLOSE_TOO_BIG, "message too big");
      /* Grown per fragment: a message costs what it holds, no more. */
      self->message = g_realloc (self->message, self->message_len + len + 1);
      break;

    default:
      return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "unknown opcode");
    }

  self->in_frame = TRUE;
  self->payload_left = len;
  self->payload_off = 0;
  return CONFAB_WS_MORE;
}

/* Reads header bytes; returns FAILED, or MORE with *done once it is whole. */
static ConfabWsEvent
read_header (ConfabWsDecoder *self,
             const guint8   **p,
             const guint8    *end,
             gsize            max_message,
             ConfabWsFrame   *frame)
{
  while (*p < end)
    {
      gsize want = self->head_len < 2 ? 2 : header_length (self);

      if (self->head_len == want)
        break;
      self->head[self->head_len++] = *(*p)++;
      if (self->head_len == 1 && (self->head[0] & 0x70) != 0)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "reserved bits set");
      if (self->head_len == 2 && (self->head[1] & 0x80) == 0)
        return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "client frame not masked");
    }
  if (self->head_len < 2 || self->head_len < header_length (self))
    return CONFAB_WS_MORE;
  self->head_len = 0;
  return start_frame (self, max_message, frame);
}

/* Unmasks payload bytes into their place. */
static void
read_payload (ConfabWsDecoder *self,
              const guint8   **p,
              const guint8    *end)
{
  gsize n = MIN (self->payload_left, (guint64) (end - *p));
  char *to;

  if (self->opcode >= CONFAB_WS_OPCODE_CLOSE)
    {
      to = self->control + self->control_len;
      self->control_len += n;
    }
  else
    {
      to = self->message + self->message_len;
      self->message_len += n;
    }
  for (gsize i = 0; i < n; i++)
    to[i] = (*p)[i] ^ self->mask[(self->payload_off + i) & 3];
  *p += n;
  self->payload_off += n;
  self->payload_left -= n;
}

static ConfabWsEvent
finish_close (ConfabWsDecoder *self,
              ConfabWsFrame   *frame)
{
  gsize valid = 2;
  guint code;

  if (self->control_len == 0)
    {
      frame->code = CONFAB_WS_CLOSE_NO_STATUS;
      frame->data = self->control;
      frame->len = 0;
      return CONFAB_WS_CLOSE;
    }
  if (self->control_len == 1)
    return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "close frame of one byte");
  code = ((guint8) self->control[0] << 8) | (guint8) self->control[1];
  /* RFC 6455 §7.4: 1004-1006 and 1015 are never sent, below 1000 and
   * 1016-2999 are not assigned, 3000-4999 are the applications'. */
  if (code < 1000 || (code >= 1004 && code <= 1006) || (code >= 1015 && code < 3000) || code >= 5000)
    return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "invalid close code");
  if (check_utf8 (self->control, self->control_len, &valid) != UTF8_VALID)
    return fail (self, frame, CONFAB_WS_CLOSE_BAD_DATA, "close reason not UTF-8");
  frame->code = code;
  frame->data = self->control + 2;
  frame->len = self->control_len - 2;
  return CONFAB_WS_CLOSE;
}

/* A frame's payload is all in: what it completes. */
static ConfabWsEvent
finish_frame (ConfabWsDecoder *self,
              ConfabWsFrame   *frame)
{
  Utf8Check check;

  self->in_frame = FALSE;
  switch (self->opcode)
    {
    case CONFAB_WS_OPCODE_CLOSE:
      return finish_close (self, frame);

    case CONFAB_WS_OPCODE_PING:
    case CONFAB_WS_OPCODE_PONG:
      self->control[self->control_len] = '\0';
      frame->data = self->control;
      frame->len = self->control_len;
      return self->opcode == CONFAB_WS_OPCODE_PING ? CONFAB_WS_PING : CONFAB_WS_PONG;

    default:
      check = check_utf8 (self->message, self->message_len, &self->valid_len);
      if (check == UTF8_INVALID || (self->fin && check != UTF8_VALID))
        return fail (self, frame, CONFAB_WS_CLOSE_BAD_DATA, "text not UTF-8");
      if (!self->fin)
        return CONFAB_WS_MORE;
      self->message[self->message_len] = '\0';
      self->in_message = FALSE;
      self->ready = TRUE;
      frame->data = self->message;
      frame->len = self->message_len;
      return CONFAB_WS_MESSAGE;
    }
}

ConfabWsEvent
confab_ws_decoder_feed (ConfabWsDecoder *self,
                        const char      *data,
                        gsize            len,
                        gsize            max_message,
                        gsize           *used,
                        ConfabWsFrame   *frame)
{
  const guint8 *p = (const guint8 *) data;
  const guint8 *end = p + len;

  g_return_val_if_fail (self != NULL && used != NULL && frame != NULL, CONFAB_WS_FAILED);
  g_return_val_if_fail (data != NULL || len == 0, CONFAB_WS_FAILED);

  *used = 0;
  if (self->failed)
    return fail (self, frame, CONFAB_WS_CLOSE_PROTOCOL_ERROR, "already failed");
  if (self->ready)
    {
      g_clear_pointer (&self->message, g_free);
      self->message_len = self->valid_len = 0;
      self->ready = FALSE;
    }

  /* An empty frame completes without a byte of payload, so the loop
   * runs once more after the last byte of a header. */
  while (p < end || (self->in_frame && self->payload_left == 0))
    {
      ConfabWsEvent event = CONFAB_WS_MORE;

      if (!self->in_frame)
        event = read_header (self, &p, end, max_message, frame);
      else
        read_payload (self, &p, end);
      if (event == CONFAB_WS_MORE && self->in_frame && self->payload_left == 0)
        event = finish_frame (self, frame);
      if (event != CONFAB_WS_MORE)
        {
          *used = (const char *) p - data;
          return event;
        }
    }
  *used = len;
  return CONFAB_WS_MORE;
}

/* Frees what the decoder holds; it can be fed again from scratch. */
void
confab_ws_decoder_clear (ConfabWsDecoder *self)
{
  g_return_if_fail (self != NULL);

  g_free (self->message);
  memset (self, 0, sizeof *self);
}

/* TRUE inside a frame or a fragmented message (cut off at EOF). */
gboolean
confab_ws_decoder_has_pending (const ConfabWsDecoder *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->head_len > 0 || self->in_frame || self->in_message;
}

/* ---- encoding ---------------------------------------------------------- */

/**
 * confab_ws_frame_header:
 *
 * Writes the header of one unfragmented, unmasked frame (the server's).
 *
 * Returns: its length
 */
gsize
confab_ws_frame_header (guint8         out[CONFAB_WS_HEADER_MAX],
                        ConfabWsOpcode opcode,
                        guint64        payload_len)
{
  out[0] = 0x80 | opcode;
  if (payload_len < 126)
    {
      out[1] = payload_len;
      return 2;
    }
  if (payload_len <= 0xFFFF)
    {
      out[1] = 126;
      out[2] = payload_len >> 8;
      out[3] = payload_len & 0xFF;
      return 4;
    }
  out[1] = 127;
  for (guint i = 0; i < 8; i++)
    out[2 + i] = (payload_len >> (56 - 8 * i)) & 0xFF;
  return 10;
}

/* Returns: (transfer full): one frame with @payload, header and all */
ConfabEncoded *
confab_ws_encode_frame (ConfabWsOpcode opcode,
                        const char    *payload,
                        gsize          len)
{
  guint8         head[CONFAB_WS_HEADER_MAX];
  gsize          head_len = confab_ws_frame_header (head, opcode, len);
  ConfabEncoded *encoded = confab_encoded_new (head_len + len);

  memcpy (encoded->data, head, head_len);
  if (len > 0)
    memcpy (encoded->data + head_len, payload, len);
  return encoded;
}

/**
 * confab_ws_encode_close:
 * @reason: (nullable): UTF-8; cut at a character to fit the 125 bytes
 *
 * Returns: (transfer full): a close frame with @code
 */
ConfabEncoded *
confab_ws_encode_close (guint16     code,
                        const char *reason)
{
  char  payload[CONFAB_WS_CONTROL_MAX];
  gsize len = 0;

  payload[0] = code >> 8;
  payload[1] = code & 0xFF;
  if (reason != NULL)
    {
      const char *end = reason;

      /* Whole characters only, as many as fit. */
      while (*end != '\0')
        {
          const char *next = g_utf8_next_char (end);

          if (next - reason > CONFAB_WS_CONTROL_MAX - 2)
            break;
          end = next;
        }
      len = end - reason;
      memcpy (payload + 2, reason, len);
    }
  return confab_ws_encode_frame (CONFAB_WS_OPCODE_CLOSE, payload, len + 2);
}
