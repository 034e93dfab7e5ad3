/* confab-peer-output.c: draining a connection's queue.
 *
 * A wake from the broker puts the connection on the scheduler's flush
 * list (confab-output-scheduler.c); once per main-loop iteration its
 * flush gathers everything queued for it into one contiguous send from
 * the buffer all connections share. Only a socket that would block is
 * watched for G_IO_OUT, until it is drained; bytes the kernel did not
 * take are the only per-connection output buffer, and only while blocked.
 *
 * This part sends and says how it went (ConfabFlushResult); what that
 * means for the connection (wait for room, linger, close on a failure)
 * is confab-peer.c's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-names.h"
#include "confab-peer-private.h"

/* A flush sends at most this many buffers before yielding to others. */
#define FLUSH_ROUNDS 4

/* Sends @len bytes without blocking. Returns the number sent (possibly
 * short), or -1 if the connection failed. */
static gssize
send_some (ConfabPeer *self,
           const char *data,
           gsize       len)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  if (self->tls != NULL)
    n = confab_peer_tls_send (self, data, len, &error);
  else
    n = g_socket_send_with_blocking (self->socket, data, len, FALSE, NULL, &error);
  if (n >= 0)
    return n;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return 0;

  g_debug ("send to %s failed: %s", self->address, error->message);
  return -1;
}

/* Keeps bytes the kernel did not take; they are sent before anything else. */
static void
keep_unsent (ConfabPeer *self,
             const char *data,
             gsize       len)
{
  g_assert (self->unsent == NULL);
  self->unsent = g_memdup2 (data, len);
  self->unsent_len = len;
  self->unsent_off = 0;
}

/**
 * confab_peer_output_append:
 *
 * Sends @data (a final error line) ahead of anything still queued, after
 * the bytes already partly sent, which must finish first.
 */
void
confab_peer_output_append (ConfabPeer *self,
                           const char *data,
                           gsize       len)
{
  gsize left;
  char *joined;

  if (self->unsent == NULL)
    {
      keep_unsent (self, data, len);
      return;
    }

  left = self->unsent_len - self->unsent_off;
  joined = g_malloc (left + len);
  memcpy (joined, self->unsent + self->unsent_off, left);
  memcpy (joined + left, data, len);
  g_free (self->unsent);
  self->unsent = joined;
  self->unsent_len = left + len;
  self->unsent_off = 0;
}

/* Sends what was held back: DRAINED once it is all gone. */
static ConfabFlushResult
send_unsent (ConfabPeer *self)
{
  gsize  left = self->unsent_len - self->unsent_off;
  gssize n;

  if (self->unsent == NULL)
    return CONFAB_FLUSH_DRAINED;

  n = send_some (self, self->unsent + self->unsent_off, left);
  if (n < 0)
    return CONFAB_FLUSH_FAILED;
  self->unsent_off += n;
  if ((gsize) n < left)
    return CONFAB_FLUSH_BLOCKED;

  g_clear_pointer (&self->unsent, g_free);
  self->unsent_len = self->unsent_off = 0;
  return CONFAB_FLUSH_DRAINED;
}

/* Sends an HTTP answer's body after its head (confab-peer-http.c) from
 * its own bytes, a web root file's shared by every connection that asks
 * for it: no copy per connection, even when the client reads slowly. */
static ConfabFlushResult
send_http_body (ConfabPeer *self)
{
  gsize       size;
  const char *data;
  gssize      n;

  if (self->http_body == NULL)
    return CONFAB_FLUSH_DRAINED;
  data = g_bytes_get_data (self->http_body, &size);
  n = size > self->http_body_off ? send_some (self, data + self->http_body_off, size - self->http_body_off) : 0;
  if (n < 0)
    return CONFAB_FLUSH_FAILED;
  self->http_body_off += n;
  if (self->http_body_off < size)
    return CONFAB_FLUSH_BLOCKED;
  g_clear_pointer (&self->http_body, g_bytes_unref);
  return CONFAB_FLUSH_DRAINED;
}

/* Drops everything queued, and what was popped but not sent: the
 * connection closes without delivering it. */
void
confab_peer_output_discard (ConfabPeer *self)
{
  ConfabMessage *message;

  g_clear_pointer (&self->carry, confab_message_unref);
  if (self->entry == NULL)
    return;

  confab_broker_peer_ack_wake (self->entry);
  while ((message = confab_broker_peer_take (self->entry)) != NULL)
    confab_message_unref (message);
}

/* Frees what output holds: the connection is closed. */
void
confab_peer_output_clear (ConfabPeer *self)
{
  g_clear_pointer (&self->carry, confab_message_unref);
  g_clear_pointer (&self->unsent, g_free);
  self->unsent_len = self->unsent_off = 0;
  g_clear_pointer (&self->http_body, g_bytes_unref);
}

/* The bytes of @message in this connection's protocol, encoded once per
 * message and protocol and shared by its recipients. */
static const char *
encode (ConfabPeer    *self,
        ConfabMessage *message,
        gsize         *len)
{
  /* IRC writes some lines for their recipient alone (its nick in them). */
  if (self->irc != NULL)
    return confab_codec_message_bytes_for (self->codec, &self->irc->peer, message,
                                           confab_output_scheduler_get_scratch (self->host->scheduler),
                                           len);
  return confab_codec_message_bytes (self->codec, message, len);
}

/* The broker sink's measure: what the byte counters (bytes_routed,
 * bytes_out) count, unchanged from when every message carried its text
 * line: a chat or error message counts that line's length whatever the
 * peer's protocol, a reply its bytes in the peer's own. Either encoding
 * is made once per message and is what the writer then sends. */
gsize
confab_peer_output_measure (gpointer       sink_data,
                            ConfabMessage *message)
{
  /* On the routing path (once per message, the broker keeps the answer):
   * a plain cast, not a GType check. */
  ConfabPeer       *self = sink_data;
  ConfabMessageKind kind = confab_message_get_kind (message);
  gsize             len;

  confab_codec_message_bytes (kind == CONFAB_MESSAGE_CHAT || kind == CONFAB_MESSAGE_ERROR ? &confab_codec_text : self->codec,
                              message, &len);
  return len;
}

/* Gathers queued lines into the shared send buffer.
 * Returns: the number of bytes gathered; *more is TRUE if the buffer
 * filled up before the queue emptied. A line larger than the whole buffer
 * is sent from its own memory instead (*big). */
static gsize
gather (ConfabPeer     *self,
        gboolean       *more,
        ConfabMessage **big)
{
  gsize size;
  char *buf = confab_output_scheduler_get_send_buffer (self->host->scheduler, &size);
  gsize used = 0;

  *more = FALSE;
  *big = NULL;

  confab_broker_peer_ack_wake (self->entry);
  for (;;)
    {
      ConfabMessage *message = self->carry;
      const char    *line;
      gsize          len;

      self->carry = NULL;
      if (message == NULL)
        message = confab_broker_peer_take (self->entry);
      if (message == NULL)
        break;

      line = encode (self, message, &len);
      if (len > size - used)
        {
          if (used == 0)
            *big = message;
          else
            self->carry = message;
          *more = TRUE;
          break;
        }
      memcpy (buf + used, line, len);
      used += len;
      confab_message_unref (message);
    }

  return used;
}

/* Sends @data; what the kernel does not take is kept for later. */
static ConfabFlushResult
send_or_keep (ConfabPeer *self,
              const char *data,
              gsize       len)
{
  gssize n = send_some (self, data, len);

  if (n < 0)
    return CONFAB_FLUSH_FAILED;
  if ((gsize) n < len)
    {
      keep_unsent (self, data + n, len - n);
      return CONFAB_FLUSH_BLOCKED;
    }
  return CONFAB_FLUSH_DRAINED;
}

/**
 * confab_peer_output_flush:
 *
 * Sends what is held back and then what is queued, a few buffers at
 * most, so that the other connections have their turn.
 *
 * Returns: how far it got
 */
ConfabFlushResult
confab_peer_output_flush (ConfabPeer *self)
{
  for (guint round = 0; round < FLUSH_ROUNDS; round++)
    {
      g_autoptr(ConfabMessage) big = NULL;
      ConfabFlushResult result;
      gboolean          more;
      gsize             len;
      ConfabEncoded    *pong;

      result = send_unsent (self);
      if (result == CONFAB_FLUSH_DRAINED)
        result = send_http_body (self);
      if (result != CONFAB_FLUSH_DRAINED)
        return result;
      /* A WebSocket's pong goes out between two messages. */
      pong = confab_peer_ws_take_pong (self);
      if (pong != NULL)
        {
          result = send_or_keep (self, pong->data, pong->len);
          confab_encoded_free (pong);
          if (result != CONFAB_FLUSH_DRAINED)
            return result;
        }
      if (self->entry == NULL)
        return CONFAB_FLUSH_DRAINED; /* not logged in: only a final error line was to go out */

      len = gather (self, &more, &big);
      if (len > 0)
        {
          gsize size;
          char *buf = confab_output_scheduler_get_send_buffer (self->host->scheduler, &size);

          result = send_or_keep (self, buf, len);
          if (result != CONFAB_FLUSH_DRAINED)
            return result;
        }
      if (big != NULL)
        {
          const char *line = encode (self, big, &len);

          result = send_or_keep (self, line, len);
          if (result != CONFAB_FLUSH_DRAINED)
            return result;
        }
      if (!more)
        return CONFAB_FLUSH_DRAINED;
    }

  /* Still more queued: let the other connections have their turn first. */
  return CONFAB_FLUSH_MORE;
}
