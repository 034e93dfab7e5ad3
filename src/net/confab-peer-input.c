/* confab-peer-input.c: framing what a connection sent, a line at a time.
 *
 * Every line of a read used to be handled before anything was sent, so
 * one read could cause work without bound: a 64 KiB packet of "/peers"
 * lines on a server of 5 000 peers is nine thousand replies of 50 KB
 * each, built while every other connection waits. Here each line is
 * framed and handled in turn, and before each the connection may be told
 * to wait:
 *
 *  - the replies it caused in this turn (its own queue's growth: replies,
 *    errors, messages to itself) are past REPLY_BUDGET: the rest waits for
 *    its next turn, after the next flush, so every other connection is
 *    served in between;
 *  - its own queue is past its share (half of queue_max_bytes): the rest
 *    waits until the flush has sent the queue below that. A client that
 *    pipelines requests faster than it reads the replies is slowed down
 *    (TCP stops it once the kernel's buffers are full) instead of being
 *    dropped as a slow consumer or growing the daemon;
 *  - the rate limit's bucket is empty (confab-peer-rate.c);
 *  - its login name is being looked up (confab-peer-identity.c).
 *
 * The rest of the read is then held, in a buffer of the connection's own
 * (only while paused), and the socket is not watched for input until the
 * held bytes are framed (this part says so, ConfabInputStatus; the
 * connection, confab-peer.c, watches its socket). A connection that starts
 * closing keeps the held bytes, unread, until it is done: a line being
 * handled may point into them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-peer-private.h"

/* How much a connection's own queue may grow in one turn: a few send
 * buffers, so that a peer that reads its replies is served at full speed
 * while one turn's work stays small. */
#define REPLY_BUDGET (256 * 1024)

/* The queue past which a connection's input waits for its output. */
gsize
confab_peer_input_share (ConfabPeer *self)
{
  ConfabBrokerLimits limits;

  confab_broker_get_limits (self->host->broker, &limits);
  return limits.queue_max_bytes / 2;
}

void
confab_peer_input_drop_held (ConfabPeer *self)
{
  g_clear_pointer (&self->held, g_free);
  self->held_len = self->held_off = 0;
  self->pause = INPUT_FLOWING;
}

/* Counted where it is seen; the connection closes (confab-peer.c). */
static void
count_line_too_long (ConfabPeer *self)
{
  if (self->state == PEER_LOGIN)
    confab_net_stats_count_refused_login (&self->host->stats);
  self->host->stats.lines_too_long++;
}

/* Says whether the next line must wait, and why. @queued_before is the
 * connection's queue when this turn began. */
static InputPause
must_wait (ConfabPeer *self,
           gsize       queued_before,
           gsize       share,
           gint64     *now_usec)
{
  gsize queued;

  /* Lines after a login being checked wait for the check. */
  if (self->name_check != NULL || self->auth_checking || self->cluster_claim != NULL)
    return INPUT_PAUSED_LOOKUP;
  if (self->state != PEER_ACTIVE)
    return INPUT_FLOWING;
  if (confab_broker_peer_get_answers_pending (self->entry) > 0)
    return INPUT_PAUSED_ANSWER;
  queued = confab_broker_peer_get_queued_bytes (self->entry);
  if (queued >= share)
    return INPUT_PAUSED_OUTPUT;
  if (queued >= queued_before + REPLY_BUDGET)
    return INPUT_YIELDED;
  if (!confab_peer_rate_take (self, now_usec))
    return INPUT_PAUSED_RATE;
  return INPUT_FLOWING;
}

/* As frame(), for a WebSocket (confab-peer-ws.c): its frames are cut by
 * the decoder, each whole text message is a line. The wait is decided
 * once a message is whole, so a message can be decoded and still wait:
 * the decoder keeps it (self->ws_waiting) while the rest of the read is
 * held, and it is handled first when input resumes. Control frames are
 * the connection's to act on (ConfabPeerEvents.ws_frame). */
static gsize
frame_ws (ConfabPeer *self,
          char       *data,
          gsize       len)
{
  gsize  max_message = self->host->limits.line_max_bytes;
  gsize  queued_before = self->entry != NULL ? confab_broker_peer_get_queued_bytes (self->entry) : 0;
  gsize  share = confab_peer_input_share (self);
  gint64 now = 0;
  gsize  off = 0;

  for (;;)
    {
      ConfabWsFrame frame;
      ConfabWsEvent event;
      gsize         used;

      if (self->ws_waiting)
        {
          self->pause = must_wait (self, queued_before, share, &now);
          if (self->pause != INPUT_FLOWING)
            return off;
          self->ws_waiting = FALSE;
          if (!self->events->line (self->ws->message, self->ws->message_len, self) ||
              self->state > PEER_ACTIVE)
            return len; /* closing: the rest is not read */
        }
      if (off == len)
        return len;

      event = confab_ws_decoder_feed (self->ws, data + off, len - off, max_message, &used, &frame);
      off += used;
      if (event == CONFAB_WS_MORE)
        return len;
      if (event == CONFAB_WS_MESSAGE)
        {
          self->ws_waiting = TRUE;
          continue;
        }
      self->events->ws_frame (self, event, &frame);
      if (self->state > PEER_ACTIVE)
        return len;
    }
}

/* Frames and handles the lines of @data until input must wait.
 * Returns: the number of bytes consumed; the rest is to be held */
static gsize
frame (ConfabPeer *self,
       char       *data,
       gsize       len,
       gboolean   *too_long)
{
  gsize max_line = self->host->limits.line_max_bytes;
  /* Before the login there is no queue yet: it starts empty. */
  gsize  queued_before = self->entry != NULL ? confab_broker_peer_get_queued_bytes (self->entry) : 0;
  gsize  share = confab_peer_input_share (self);
  gint64 now = 0;
  char  *p = data;
  char  *end = data + len;

  if (self->ws != NULL)
    return frame_ws (self, data, len);
  while (p < end)
    {
      char              *nl = memchr (p, '\n', end - p);
      char              *next = nl != NULL ? nl + 1 : end;
      ConfabFramerStatus status;

      if (nl != NULL)
        {
          self->pause = must_wait (self, queued_before, share, &now);
          if (self->pause != INPUT_FLOWING)
            break;
        }

      status = confab_framer_feed (&self->framer, p, next - p, max_line,
                                   self->events->line, self);
      p = next;
      if (status == CONFAB_FRAMER_TOO_LONG && self->state <= PEER_ACTIVE)
        {
          count_line_too_long (self);
          *too_long = TRUE;
        }
      if (status != CONFAB_FRAMER_OK || self->state > PEER_ACTIVE)
        return len; /* closing: the rest is not read */
    }
  return p - data;
}

/* Whether input stopped before the end of what it was given: bytes are
 * left, or a WebSocket message is decoded and waits (with none left). */
static gboolean
stopped (ConfabPeer *self,
         gsize       used,
         gsize       len)
{
  return used < len || (self->ws != NULL && self->ws_waiting);
}

/* Input waits: nothing more is read until the held bytes are framed. */
static ConfabInputStatus
hold (ConfabPeer *self,
      const char *rest,
      gsize       len)
{
  if (self->held == NULL)
    {
      /* Never NULL, even for nothing: a waiting message is held too. */
      self->held = len > 0 ? g_memdup2 (rest, len) : g_malloc (1);
      self->held_len = len;
      self->held_off = 0;
    }
  else
    {
      /* @rest is the tail of the held buffer itself. */
      self->held_off = self->held_len - len;
    }
  return CONFAB_INPUT_HELD;
}

/**
 * confab_peer_input_feed:
 * @data: bytes just read; they are framed in place
 *
 * Handles the lines of @data; what cannot be handled yet is held.
 *
 * Returns: HELD if the socket must not be read until
 *   confab_peer_input_resume() says so
 */
ConfabInputStatus
confab_peer_input_feed (ConfabPeer *self,
                        char       *data,
                        gsize       len)
{
  gboolean too_long = FALSE;
  gsize    used = frame (self, data, len, &too_long);

  if (too_long)
    return CONFAB_INPUT_TOO_LONG;
  if (stopped (self, used, len) && self->state <= PEER_ACTIVE)
    return hold (self, data + used, len - used);
  return CONFAB_INPUT_WAITING;
}

/**
 * confab_peer_input_resume:
 *
 * Called when the reason to wait may have gone (a token is due, the
 * connection's output was flushed, its name was looked up): frames what
 * is held.
 *
 * Returns: DRAINED once nothing is held and the socket may be read again
 */
ConfabInputStatus
confab_peer_input_resume (ConfabPeer *self)
{
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = g_object_ref (self);

  /* Before the login too: IRC's registration goes on after a SASL
   * check, or after a nick taken while a password was checked. */
  if (self->state > PEER_ACTIVE || self->pause == INPUT_FLOWING)
    return CONFAB_INPUT_WAITING;

  self->pause = INPUT_FLOWING;
  if (self->held != NULL)
    {
      char    *data = self->held + self->held_off;
      gsize    len = self->held_len - self->held_off;
      gboolean too_long = FALSE;
      gsize    used = frame (self, data, len, &too_long);

      if (too_long)
        return CONFAB_INPUT_TOO_LONG;
      if (self->state > PEER_ACTIVE)
        return CONFAB_INPUT_WAITING; /* closing dropped what was held */
      if (stopped (self, used, len))
        return hold (self, data + used, len - used);
      confab_peer_input_drop_held (self);
    }
  return CONFAB_INPUT_DRAINED;
}
