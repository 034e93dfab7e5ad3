/* confab-ws-frame.h: RFC 6455 frames, the server's side: decoding what a
 * client sends, encoding what the server sends.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-message.h"

G_BEGIN_DECLS

/* The close codes confab sends (RFC 6455 §7.4.1). */
typedef enum
{
  CONFAB_WS_CLOSE_NORMAL = 1000,
  CONFAB_WS_CLOSE_GOING_AWAY = 1001,       /* the server shuts down */
  CONFAB_WS_CLOSE_PROTOCOL_ERROR = 1002,   /* a frame RFC 6455 forbids */
  CONFAB_WS_CLOSE_UNSUPPORTED_DATA = 1003, /* a binary message */
  CONFAB_WS_CLOSE_NO_STATUS = 1005,        /* a close frame without a code: never sent */
  CONFAB_WS_CLOSE_BAD_DATA = 1007,         /* text that is not UTF-8 */
  CONFAB_WS_CLOSE_POLICY_VIOLATION = 1008, /* refused by confab's rules */
  CONFAB_WS_CLOSE_TOO_BIG = 1009,          /* a message past line_max_bytes */
  CONFAB_WS_CLOSE_TRY_AGAIN_LATER = 1013,  /* the server is full */
} ConfabWsCloseCode;

typedef enum
{
  CONFAB_WS_OPCODE_CONTINUATION = 0x0,
  CONFAB_WS_OPCODE_TEXT = 0x1,
  CONFAB_WS_OPCODE_BINARY = 0x2,
  CONFAB_WS_OPCODE_CLOSE = 0x8,
  CONFAB_WS_OPCODE_PING = 0x9,
  CONFAB_WS_OPCODE_PONG = 0xA,
} ConfabWsOpcode;

/* The largest payload of a control frame (RFC 6455 §5.5). */
#define CONFAB_WS_CONTROL_MAX 125
/* Fragments one message may come in: a browser sends one, so this is
 * only there to end a flood of empty fragments, which the size limit
 * alone would never stop. */
#define CONFAB_WS_FRAGMENTS_MAX 256
/* A frame header is at most this long: 2 + 8 of length + 4 of mask. */
#define CONFAB_WS_HEADER_MAX 14

typedef enum
{
  CONFAB_WS_MORE,    /* all input taken, nothing complete yet */
  CONFAB_WS_MESSAGE, /* a whole text message */
  CONFAB_WS_PING,    /* answer with a pong of the same payload */
  CONFAB_WS_PONG,    /* nothing to do */
  CONFAB_WS_CLOSE,   /* the client closes: code (1005 for none) and reason */
  CONFAB_WS_FAILED,  /* the client broke the protocol: close with code */
} ConfabWsEvent;

/*
 * ConfabWsFrame:
 * What confab_ws_decoder_feed() found.
 *
 * @data: MESSAGE: the text, NUL-terminated and writable (the codecs decode
 *   in place), valid until the next feed or clear; PING, PONG: the
 *   payload; CLOSE: the reason
 * @len: its length
 * @code: CLOSE: the client's code; FAILED: the code to close with
 * @reason: FAILED: plain words for the close frame and the log (static)
 */
typedef struct
{
  char       *data;
  gsize       len;
  guint16     code;
  const char *reason;
} ConfabWsFrame;

/*
 * ConfabWsDecoder:
 * Cuts a client's byte stream into messages and control frames. Only a
 * message being reassembled is held, in @message, allocated while one
 * exists; zero-initialised is a valid state, as for ConfabFramer.
 */
typedef struct
{
  guint8   head[CONFAB_WS_HEADER_MAX]; /* the header being read */
  guint8   head_len;
  gboolean in_frame; /* its header is read, its payload is being read */
  guint8   opcode;
  gboolean fin;
  guint8   mask[4];
  guint64  payload_left;
  guint64  payload_off; /* into the frame's payload, for the mask */

  char    *message; /* (owned) (nullable): the text message being put together */
  gsize    message_len;
  gsize    valid_len; /* how much of it is known to be UTF-8 */
  gboolean in_message;
  gboolean ready; /* @message was handed out whole: freed at the next feed */
  guint    fragments;

  char  control[CONFAB_WS_CONTROL_MAX + 1];
  gsize control_len;

  gboolean failed;
} ConfabWsDecoder;

/*
 * confab_ws_decoder_feed:
 * @max_message: the longest text message in bytes (line_max_bytes)
 * @used: (out): how many bytes of @data were taken; feed the rest again
 *   after handling the event
 *
 * Reads frames until one completes a message, is a control frame, or
 * breaks a rule; a data frame past @max_message fails as soon as its
 * header is read, so memory stays bounded by @max_message. After FAILED
 * every further feed fails again.
 */
ConfabWsEvent confab_ws_decoder_feed (ConfabWsDecoder *self,
                                      const char      *data,
                                      gsize            len,
                                      gsize            max_message,
                                      gsize           *used,
                                      ConfabWsFrame   *frame);
void          confab_ws_decoder_clear (ConfabWsDecoder *self);
gboolean      confab_ws_decoder_has_pending (const ConfabWsDecoder *self);

gsize          confab_ws_frame_header (guint8         out[CONFAB_WS_HEADER_MAX],
                                       ConfabWsOpcode opcode,
                                       guint64        payload_len);
ConfabEncoded *confab_ws_encode_frame (ConfabWsOpcode opcode,
                                       const char    *payload,
                                       gsize          len);
ConfabEncoded *confab_ws_encode_close (guint16     code,
                                       const char *reason);

G_END_DECLS
