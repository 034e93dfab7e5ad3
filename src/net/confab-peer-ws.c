/* confab-peer-ws.c: a ws: connection after its upgrade.
 *
 * After the 101 the connection's bytes are WebSocket frames, cut by
 * the decoder of src/proto (confab-ws-frame.c) in place of the line
 * framer (confab-peer-input.c): each whole text message is one JSON
 * line for the session, paced like a line; what is sent is the
 * websocket codec's frames (confab-ws-codec.c), gathered, bounded and
 * sent like lines, so the slow-consumer bound holds as for any peer.
 * Here are the two things frames add to a connection:
 *
 *  - pings are answered with a pong of the same payload. Only the latest
 *    unanswered ping is kept (RFC 6455 §5.5.3 allows it), in the
 *    connection, so a client that pings without reading costs no memory;
 *  - the close frame is the last thing on the wire, after the error line
 *    (a text frame) and whatever the close delivers: its code says why
 *    (RFC 6455 §7.4), the client's own code echoed on a clean close.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-peer-private.h"

/* The connection speaks WebSocket from now on. */
void
confab_peer_ws_start (ConfabPeer *self)
{
  g_assert (self->ws == NULL);
  self->ws = g_new0 (ConfabWsDecoder, 1);
}

void
confab_peer_ws_clear (ConfabPeer *self)
{
  if (self->ws == NULL)
    return;
  confab_ws_decoder_clear (self->ws);
  g_clear_pointer (&self->ws, g_free);
}

/* Keeps @payload for the pong the next flush sends. */
void
confab_peer_ws_ping (ConfabPeer *self,
                     const char *payload,
                     gsize       len)
{
  g_assert (len <= CONFAB_WS_CONTROL_MAX);
  memcpy (self->ws_pong, payload, len);
  self->ws_pong_len = len;
  self->ws_pong_due = TRUE;
  confab_peer_schedule_flush (self);
}

/* Returns: (transfer full) (nullable): the pong owed, once; a ping
 * that came before the client's close is answered, none after ours. */
ConfabEncoded *
confab_peer_ws_take_pong (ConfabPeer *self)
{
  if (!self->ws_pong_due || self->ws_close_sent)
    return NULL;
  self->ws_pong_due = FALSE;
  return confab_ws_encode_frame (CONFAB_WS_OPCODE_PONG, self->ws_pong, self->ws_pong_len);
}

/* The close code each reason a connection closes for is sent with. */
static guint16
close_code (ConfabCloseReason reason)
{
  switch (reason)
    {
    case CONFAB_CLOSE_QUIT:
    case CONFAB_CLOSE_HTTP_DONE:
      return CONFAB_WS_CLOSE_NORMAL;
    case CONFAB_CLOSE_SHUTDOWN:
    case CONFAB_CLOSE_PING_TIMEOUT:
      return CONFAB_WS_CLOSE_GOING_AWAY;
    case CONFAB_CLOSE_LINE_TOO_LONG:
      return CONFAB_WS_CLOSE_TOO_BIG;
    case CONFAB_CLOSE_SERVER_FULL:
      return CONFAB_WS_CLOSE_TRY_AGAIN_LATER;
    case CONFAB_CLOSE_PROTOCOL_ERROR:
      return CONFAB_WS_CLOSE_PROTOCOL_ERROR;
    case CONFAB_CLOSE_KICKED:
    case CONFAB_CLOSE_SLOW_CONSUMER:
    case CONFAB_CLOSE_LOGIN_TIMEOUT:
    case CONFAB_CLOSE_LOGIN_REFUSED:
    default:
      return CONFAB_WS_CLOSE_POLICY_VIOLATION;
    }
}

/**
 * confab_peer_ws_closing:
 * @reason: why the connection closes
 *
 * Says what the close frame will say, unless the client's own close (or
 * its protocol error) already did (confab_peer_ws_set_close()).
 */
void
confab_peer_ws_closing (ConfabPeer       *self,
                        ConfabCloseReason reason)
{
  if (self->ws != NULL && self->ws_close_code == 0)
    self->ws_close_code = close_code (reason);
}

/* The code and words the close frame is to carry. */
void
confab_peer_ws_set_close (ConfabPeer *self,
                          guint16     code,
                          const char *reason)
{
  self->ws_close_code = code;
  self->ws_close_reason = reason;
}

/**
 * confab_peer_ws_queue_close:
 *
 * Called when a closing connection has sent everything: queues the close
 * frame, once.
 *
 * Returns: TRUE if it was queued (flush again before the linger)
 */
gboolean
confab_peer_ws_queue_close (ConfabPeer *self)
{
  ConfabEncoded *frame;

  if (self->ws == NULL || self->ws_close_sent || self->ws_close_code == 0)
    return FALSE;
  self->ws_close_sent = TRUE;
  frame = confab_ws_encode_close (self->ws_close_code, self->ws_close_reason);
  confab_peer_output_append (self, frame->data, frame->len);
  confab_encoded_free (frame);
  return TRUE;
}
