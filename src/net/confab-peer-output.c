/* confab-peer-output.c: draining a connection's queue.
 *
 * A wake from the broker puts the connection on the shared flush list;
 * one GSource drains that list once per main-loop iteration, gathering
 * everything queued for a connection into one contiguous send from the
 * buffer all connections share. Only a socket that would block is watched
 * for G_IO_OUT, until it is drained; bytes the kernel did not take
 * are the only per-connection output buffer, and only while blocked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-names.h"
#include "confab-peer-private.h"

#define RECV_BUF_SIZE (64 * 1024)
#define SEND_BUF_SIZE (64 * 1024)
/* A flush sends at most this many buffers before yielding to others. */
#define FLUSH_ROUNDS 4

/* The blocked socket has room again (or failed: the send will say). */
void
confab_peer_on_writable (ConfabPeer *self)
{
  confab_peer_set_watching (self, self->reading, FALSE);
  confab_peer_schedule_flush (self);
}

static void
wait_writable (ConfabPeer *self)
{
  if (!self->writing)
    confab_peer_set_watching (self, self->reading, TRUE);
}

/* Sends @len bytes without blocking. Returns the number sent (possibly
 * short), or -1 if the connection failed (it is then closed). */
static gssize
send_some (ConfabPeer *self,
           const char *data,
           gsize       len)
{
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_socket_send_with_blocking (self->socket, data, len, FALSE, NULL, &error);
  if (n >= 0)
    return n;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
    return 0;

  g_debug ("send to %s failed: %s", self->address, error->message);
  if (self->entry != NULL)
    confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_ERROR);
  confab_peer_close_now (self);
  return -1;
}

/* Keeps bytes the kernel did not take; they are sent before anything else. */
void
confab_peer_keep_unsent (ConfabPeer *self,
                         const char *data,
                         gsize       len)
{
  g_assert (self->unsent == NULL);
  self->unsent = g_memdup2 (data, len);
  self->unsent_len = len;
  self->unsent_off = 0;
}

/* Returns: TRUE if everything held back is sent */
static gboolean
send_unsent (ConfabPeer *self)
{
  gsize  left = self->unsent_len - self->unsent_off;
  gssize n;

  if (self->unsent == NULL)
    return TRUE;

  n = send_some (self, self->unsent + self->unsent_off, left);
  if (n < 0)
    return FALSE;
  self->unsent_off += n;
  if ((gsize) n < left)
    return FALSE;

  g_clear_pointer (&self->unsent, g_free);
  self->unsent_len = self->unsent_off = 0;
  return TRUE;
}

/* Drops everything queued: the peer was dropped as a slow consumer. */
void
confab_peer_discard_queue (ConfabPeer *self)
{
  ConfabMessage *message;

  if (self->entry == NULL)
    return;

  confab_broker_peer_ack_wake (self->entry);
  confab_broker_peer_lock (self->entry);
  while ((message = confab_broker_peer_pop_unlocked (self->entry)) != NULL)
    confab_message_unref (message);
  confab_broker_peer_unlock (self->entry);
}

/* The bytes of @message in this connection's protocol, encoded once per
 * message and protocol and shared by its recipients. */
static const char *
encode (ConfabPeer    *self,
        ConfabMessage *message,
        gsize         *len)
{
  return confab_codec_message_bytes (self->codec, message, len);
}

/* The broker sink's measure: what the byte counters (bytes_routed,
 * bytes_out) count, unchanged from when every message carried its text
 * line: a chat or error message counts that line's length whatever the
 * peer's protocol, a reply its bytes in the peer's own. Either encoding
 * is made once per message and is what the writer then sends. */
gsize
confab_peer_measure (gpointer       sink_data,
                     ConfabMessage *message)
{
  ConfabPeer       *self = CONFAB_PEER (sink_data);
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
  char *buf = self->shared->send_buf;
  gsize size = self->shared->send_buf_size;
  gsize used = 0;

  *more = FALSE;
  *big = NULL;

  confab_broker_peer_ack_wake (self->entry);
  confab_broker_peer_lock (self->entry);
  for (;;)
    {
      ConfabMessage *message = self->carry;
      const char    *line;
      gsize          len;

      self->carry = NULL;
      if (message == NULL)
        message = confab_broker_peer_pop_unlocked (self->entry);
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
  confab_broker_peer_unlock (self->entry);

  return used;
}

/* Sends @data; what the kernel does not take is kept for later.
 * Returns: TRUE if all of it went out */
static gboolean
send_or_keep (ConfabPeer *self,
              const char *data,
              gsize       len)
{
  gssize n = send_some (self, data, len);

  if (n < 0)
    return FALSE;
  if ((gsize) n < len)
    {
      confab_peer_keep_unsent (self, data + n, len - n);
      return FALSE;
    }
  return TRUE;
}

static void
peer_flush (ConfabPeer *self)
{
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = g_object_ref (self);

  if (self->state == PEER_CLOSED || self->state == PEER_LINGER)
    return;

  if (self->writing)
    return; /* blocked: the poller calls back when there is room */

  for (guint round = 0; round < FLUSH_ROUNDS; round++)
    {
      g_autoptr(ConfabMessage) big = NULL;
      gboolean more;
      gsize    len;

      if (!send_unsent (self))
        goto blocked;
      if (self->entry == NULL)
        {
          /* Not logged in: only a final error line was to go out. */
          if (self->state == PEER_CLOSING)
            confab_peer_begin_close (self);
          return;
        }

      len = gather (self, &more, &big);
      if (len > 0 && !send_or_keep (self, self->shared->send_buf, len))
        goto blocked;
      if (big != NULL)
        {
          const char *line = encode (self, big, &len);

          if (!send_or_keep (self, line, len))
            goto blocked;
        }
      if (!more)
        {
          if (self->state == PEER_CLOSING)
            confab_peer_begin_close (self);
          return;
        }
    }

  /* Still more queued: let the other connections have their turn first. */
  confab_peer_schedule_flush (self);
  return;

blocked:
  if (self->state != PEER_CLOSED)
    wait_writable (self);
}

typedef struct
{
  GSource           source;
  ConfabPeerShared *shared; /* (unowned) */
} FlushSource;

static gboolean
flush_source_dispatch (GSource    *source,
                       GSourceFunc callback,
                       gpointer    user_data)
{
  ConfabPeerShared *shared = ((FlushSource *) source)->shared;
  guint             n = shared->flush_queue.length;

  g_source_set_ready_time (source, -1);

  /* Only the connections queued so far: one flushed now that needs
   * another turn re-queues itself for the next iteration. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(ConfabPeer) peer = NULL;
      GList *link = g_queue_pop_head_link (&shared->flush_queue);

      if (link == NULL)
        break;
      peer = link->data;
      link->data = NULL;
      peer_flush (peer);
      /* Its next turn of input, if it had to yield (confab-peer-input.c). */
      if (peer->pause == INPUT_YIELDED ||
          (peer->pause == INPUT_PAUSED_OUTPUT && peer->state == PEER_ACTIVE &&
           confab_broker_peer_get_queued_bytes (peer->entry) < confab_peer_output_share (peer)))
        confab_peer_resume_input (peer);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs = {
  .dispatch = flush_source_dispatch,
};

void
confab_peer_schedule_flush (ConfabPeer *self)
{
  ConfabPeerShared *shared = self->shared;

  if (self->flush_link.data != NULL || self->state == PEER_CLOSED)
    return;

  self->flush_link.data = g_object_ref (self);
  g_queue_push_tail_link (&shared->flush_queue, &self->flush_link);
  g_source_set_ready_time (shared->flush_source, 0);
}

void
confab_peer_unschedule_flush (ConfabPeer *self)
{
  if (self->flush_link.data == NULL)
    return;

  g_queue_unlink (&self->shared->flush_queue, &self->flush_link);
  self->flush_link.data = NULL;
  /* The queue's reference: the caller still holds its own. */
  g_object_unref (self);
}

/* ---- shared state ---------------------------------------------------- */

gboolean
confab_peer_shared_init (ConfabPeerShared       *shared,
                         ConfabBroker           *broker,
                         const ConfabPeerLimits *limits,
                         ConfabPeerClosedFunc    closed_func,
                         gpointer                closed_data,
                         GError                **error)
{
  memset (shared, 0, sizeof *shared);
  shared->poller = confab_poller_new (g_main_context_get_thread_default (), error);
  if (shared->poller == NULL)
    return FALSE;
  shared->deadlines = confab_deadlines_new (g_main_context_get_thread_default ());
  shared->broker = g_object_ref (broker);
  shared->limits = *limits;
  /* Cleared, so they are resident from the start: they are the daemon's
   * fixed cost, not growth under load. */
  shared->recv_buf_size = RECV_BUF_SIZE;
  shared->recv_buf = g_malloc0 (RECV_BUF_SIZE);
  shared->send_buf_size = SEND_BUF_SIZE;
  shared->send_buf = g_malloc0 (SEND_BUF_SIZE);
  g_queue_init (&shared->flush_queue);
  shared->closed_func = closed_func;
  shared->closed_data = closed_data;

  /* Same priority as the sockets: a flush runs in every iteration that
   * reads, so output is never starved by a busy input side. */
  shared->flush_source = g_source_new (&flush_source_funcs, sizeof (FlushSource));
  ((FlushSource *) shared->flush_source)->shared = shared;
  g_source_set_name (shared->flush_source, "confab flush");
  g_source_attach (shared->flush_source, g_main_context_get_thread_default ());
  return TRUE;
}

void
confab_peer_shared_clear (ConfabPeerShared *shared)
{
  GList *link;

  while ((link = g_queue_pop_head_link (&shared->flush_queue)) != NULL)
    {
      ConfabPeer *peer = link->data;

      link->data = NULL;
      g_object_unref (peer);
    }
  g_clear_pointer (&shared->flush_source, confab_source_destroy_and_unref);
  g_clear_pointer (&shared->poller, confab_poller_free);
  g_clear_pointer (&shared->deadlines, confab_deadlines_free);
  g_clear_object (&shared->broker);
  g_clear_pointer (&shared->recv_buf, g_free);
  g_clear_pointer (&shared->send_buf, g_free);
}
