/* confab-peer-close.c: how a connection ends.
 *
 * confab_peer_close() is the one way a connection closes, and the only
 * place it leaves the broker; the table below is what it does for each
 * reason. Every row is one line of SPEC §2/§5/§6 behaviour: whether an
 * error line goes out first (ahead of anything still queued, which it
 * then replaces), whether the queue is delivered, how long that may take,
 * what PeerLeft says when the broker still held the peer, and the
 * operator's log line. After it the state machine runs on its own: the
 * flush that drains a CLOSING connection starts its linger, and the
 * linger's end, the client's EOF or the close deadline finish it.
 *
 * Here too are the connection's socket watch, its one timer and its turn
 * in the flush list, which serving (confab-peer.c) and closing both
 * drive.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-names.h"
#include "confab-peer-private.h"

/* How long a connection that is closing may take to receive its last
 * lines (a fatal error, a slow consumer's notice, a kick's queue) before
 * it is closed anyway: a client that never reads cannot keep it open. */
#define ERROR_CLOSE_SECONDS 10
/* How long a closing connection waits for the client to close its side. */
#define LINGER_SECONDS 2

typedef enum
{
  CLOSE_LINE_NONE,
  CLOSE_LINE_ALWAYS,
  CLOSE_LINE_BEFORE_LOGIN, /* only a connection the broker does not hold */
} CloseLine;

typedef struct
{
  const char *name;         /* for the debug log */
  const char *left;         /* PeerLeft's reason, for a peer the broker still holds */
  gboolean    now;          /* closed at once: nothing more is sent */
  gboolean    drop_queue;   /* what is queued is dropped, not delivered */
  CloseLine   line;         /* an error line sent ahead of anything else */
  ConfabError code;         /* its code... */
  const char *text;         /* ...and words, unless the caller gives its own */
  guint       deadline_sec; /* how long the last lines may take; 0: no limit */
  int         log;          /* the operator's log line (ConfabLogEvent), or -1 */
} CloseRule;

static const CloseRule rules[CONFAB_CLOSE_N_REASONS] = {
  /* Delivers what is queued; a client that half-closed still reads. */
  [CONFAB_CLOSE_QUIT] = {
    .name = "quit",
    .left = CONFAB_REASON_QUIT,
    .log = -1,
  },
  /* The broker queued "error: kicked: REASON" last; logged at the end. */
  [CONFAB_CLOSE_KICKED] = {
    .name = "kicked",
    .left = CONFAB_REASON_KICKED,
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = -1,
  },
  [CONFAB_CLOSE_SHUTDOWN] = {
    .name = "shutdown",
    .left = CONFAB_REASON_SHUTDOWN,
    .line = CLOSE_LINE_BEFORE_LOGIN,
    .code = CONFAB_ERROR_SHUTTING_DOWN,
    .text = "server shutting down",
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = -1,
  },
  /* Its queue goes now; the notice waits for room. */
  [CONFAB_CLOSE_SLOW_CONSUMER] = {
    .name = "slow consumer",
    .left = CONFAB_REASON_SLOW_CONSUMER,
    .drop_queue = TRUE,
    .line = CLOSE_LINE_ALWAYS,
    .code = CONFAB_ERROR_SLOW_CONSUMER,
    .text = "slow consumer",
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = CONFAB_LOG_SLOW_CONSUMER,
  },
  /* Its words carry the limit (rule_text()). */
  [CONFAB_CLOSE_LINE_TOO_LONG] = {
    .name = "line too long",
    .left = CONFAB_REASON_LINE_TOO_LONG,
    .drop_queue = TRUE,
    .line = CLOSE_LINE_ALWAYS,
    .code = CONFAB_ERROR_LINE_TOO_LONG,
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = CONFAB_LOG_LINE_TOO_LONG,
  },
  [CONFAB_CLOSE_LOGIN_TIMEOUT] = {
    .name = "login timeout",
    .left = CONFAB_REASON_ERROR,
    .drop_queue = TRUE,
    .line = CLOSE_LINE_ALWAYS,
    .code = CONFAB_ERROR_LOGIN_TIMEOUT,
    .text = "login timeout",
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = CONFAB_LOG_LOGIN_TIMEOUT,
  },
  [CONFAB_CLOSE_SERVER_FULL] = {
    .name = "server full",
    .left = CONFAB_REASON_ERROR,
    .drop_queue = TRUE,
    .line = CLOSE_LINE_ALWAYS,
    .code = CONFAB_ERROR_SERVER_FULL,
    .text = "server full",
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = CONFAB_LOG_SERVER_FULL,
  },
  /* The caller gives the session's error: its code and words. */
  [CONFAB_CLOSE_LOGIN_REFUSED] = {
    .name = "login refused",
    .left = CONFAB_REASON_ERROR,
    .drop_queue = TRUE,
    .line = CLOSE_LINE_ALWAYS,
    .code = CONFAB_ERROR_FAILED,
    .text = "login refused",
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = CONFAB_LOG_LOGIN_REFUSED,
  },
  /* The caller gives the words, which carry the timeout. */
  [CONFAB_CLOSE_PING_TIMEOUT] = {
    .name = "ping timeout",
    .left = CONFAB_REASON_PING_TIMEOUT,
    .drop_queue = TRUE,
    .line = CLOSE_LINE_ALWAYS,
    .code = CONFAB_ERROR_PING_TIMEOUT,
    .text = "ping timeout",
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = -1,
  },
  [CONFAB_CLOSE_IO_ERROR] = {
    .name = "I/O error",
    .left = CONFAB_REASON_ERROR,
    .now = TRUE,
    .drop_queue = TRUE,
    .log = -1,
  },
  /* The answer is all there is to deliver; a client that does not read
   * it is not waited for. */
  [CONFAB_CLOSE_HTTP_DONE] = {
    .name = "HTTP answered",
    .left = CONFAB_REASON_QUIT,
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = -1,
  },
  /* The close frame says why (confab-peer-ws.c); no error line. */
  [CONFAB_CLOSE_PROTOCOL_ERROR] = {
    .name = "WebSocket protocol error",
    .left = CONFAB_REASON_ERROR,
    .drop_queue = TRUE,
    .deadline_sec = ERROR_CLOSE_SECONDS,
    .log = -1,
  },
  /* Reached with the broker still holding the peer only when the server
   * goes away (its dispose); at the shutdown timeout every logged-in peer
   * has left already, as "server shutting down". */
  [CONFAB_CLOSE_ABORT] = {
    .name = "abort",
    .left = CONFAB_REASON_QUIT,
    .now = TRUE,
    .drop_queue = TRUE,
    .log = -1,
  },
};

/* Returns: (transfer full) (nullable): the words of @rule's own error
 *   line */
static char *
rule_text (const CloseRule        *rule,
           const ConfabPeerLimits *limits)
{
  if (rule == &rules[CONFAB_CLOSE_LINE_TOO_LONG])
    return g_strdup_printf ("line too long (limit %u bytes)", limits->line_max_bytes);
  return g_strdup (rule->text);
}

/* ---- timers, watching, flushing ---------------------------------------- */

/* The connection's one timer (login timeout, close deadline or linger),
 * in the queue all connections share: no GSource of its own. */
void
confab_peer_arm_timer (ConfabPeer        *self,
                       guint              seconds,
                       ConfabDeadlineFunc func)
{
  confab_deadlines_arm (confab_peer_deadlines (self), &self->timer,
                        g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC,
                        func, self);
}

void
confab_peer_cancel_timer (ConfabPeer *self)
{
  /* Only an armed timer is looked up: an unarmed one may belong to a
   * connection that outlives its server. */
  if (confab_deadline_is_armed (&self->timer))
    confab_deadlines_cancel (confab_peer_deadlines (self), &self->timer);
}

static gboolean
close_unwatchable_cb (ConfabPeer *self)
{
  confab_peer_close (self, CONFAB_CLOSE_IO_ERROR, NULL);
  return G_SOURCE_REMOVE;
}

/* Says what the socket is watched for. If the kernel refuses to watch it
 * (out of memory, or past fs.epoll.max_user_watches), the connection could
 * never be served: it is closed, from an idle callback, since the caller
 * may be in the middle of using it. */
void
confab_peer_set_watching (ConfabPeer *self,
                          gboolean    reading,
                          gboolean    writing)
{
  g_autoptr(GError) error = NULL;
  GIOCondition events = (reading ? G_IO_IN : 0) | (writing ? G_IO_OUT : 0);

  self->reading = reading;
  self->writing = writing;
  /* Over TLS, not while GIO's TLS works on the connection by itself. */
  if (self->tls != NULL && !confab_peer_tls_may_watch (self))
    events = 0;
  if (confab_poller_set_events (confab_output_scheduler_get_poller (self->host->scheduler),
                                &self->watch, events, &error))
    return;

  g_warning ("Cannot watch the connection from %s: %s", self->address, error->message);
  if (events != 0 && self->state != PEER_CLOSED)
    g_idle_add_full (G_PRIORITY_DEFAULT, (GSourceFunc) close_unwatchable_cb,
                     g_object_ref (self), g_object_unref);
}

void
confab_peer_schedule_flush (ConfabPeer *self)
{
  if (self->state != PEER_CLOSED)
    confab_output_scheduler_add (self->host->scheduler, &self->flush, self);
}

/* ---- closing --------------------------------------------------------- */

/* The end of every close: the socket goes, and the server hears of it. */
void
confab_peer_finish_close (ConfabPeer *self)
{
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = g_object_ref (self);

  if (self->state == PEER_CLOSED)
    return;

  /* Every way here went through confab_peer_close(), which left. */
  g_assert (self->entry == NULL || !confab_broker_peer_is_joined (self->entry));

  self->state = PEER_CLOSED;
  confab_peer_set_watching (self, FALSE, FALSE);
  confab_peer_cancel_timer (self);
  confab_peer_rate_cancel (self);
  confab_peer_input_drop_held (self);
  confab_output_scheduler_remove (self->host->scheduler, &self->flush);
  confab_peer_output_discard (self);
  confab_peer_output_clear (self);
  confab_framer_clear (&self->framer);

  confab_peer_tls_close (self);
  confab_peer_auth_cancel (self);
  g_socket_close (self->socket, NULL);
  g_debug ("connection from %s closed", self->address);
  if (self->kick_notice != NULL)
    {
      confab_peer_log (self, CONFAB_LOG_KICKED_CLOSED, self->kick_notice);
      g_clear_pointer (&self->kick_notice, g_free);
    }

  if (self->host->closed_func != NULL)
    self->host->closed_func (self, self->host->closed_data);
}

static void
close_deadline_cb (gpointer user_data)
{
  ConfabPeer *self = user_data;

  g_debug ("%s did not take its last line in time", self->address);
  confab_peer_finish_close (self);
}

static void
linger_timeout_cb (gpointer user_data)
{
  confab_peer_finish_close (CONFAB_PEER (user_data));
}

/* Everything is delivered: shut the write side so the client sees EOF
 * after the last line, then wait (briefly) for it to close its side. */
void
confab_peer_start_linger (ConfabPeer *self)
{
  /* TLS: close_notify, even to a client that has sent its EOF (a
   * half-close), or it cannot tell the end from a cut connection. */
  if (self->tls != NULL && self->tls_ready)
    confab_peer_tls_shutdown_write (self);
  else if (self->eof_seen || self->tls != NULL || !g_socket_shutdown (self->socket, FALSE, TRUE, NULL))
    {
      confab_peer_finish_close (self);
      return;
    }

  self->state = PEER_LINGER;
  confab_framer_clear (&self->framer);
  confab_peer_input_drop_held (self);
  confab_peer_rate_cancel (self);
  confab_peer_arm_timer (self, LINGER_SECONDS, linger_timeout_cb);
  if (!self->reading && !self->eof_seen)
    confab_peer_set_watching (self, TRUE, self->writing);
}

/**
 * confab_peer_close:
 * @reason: why; decides everything else (confab-peer-close.c)
 * @error: (nullable): for a reason that sends an error line, its code
 *   and words (a refused login's); %NULL for the reason's own
 *
 * Closes the connection: the one way to. A connection already closing
 * keeps its first reason, but for one that closes at once.
 */
void
confab_peer_close (ConfabPeer       *self,
                   ConfabCloseReason reason,
                   const GError     *error)
{
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = NULL;
  const CloseRule *rule;
  g_autofree char *own_text = NULL;
  const char      *text;
  ConfabError      code;

  g_return_if_fail (CONFAB_IS_PEER (self));
  g_return_if_fail (reason < CONFAB_CLOSE_N_REASONS);

  rule = &rules[reason];
  if (self->state == PEER_CLOSED || (!rule->now && self->state >= PEER_CLOSING))
    return;
  /* A logged-in peer hears of a shutdown from the broker, after what it
   * has queued; the broker then closes it with this same reason. */
  if (reason == CONFAB_CLOSE_SHUTDOWN && self->entry != NULL &&
      confab_broker_peer_is_joined (self->entry))
    return;

  ref = g_object_ref (self);
  g_debug ("closing %s: %s", self->address, rule->name);
  if (error != NULL)
    {
      code = error->code;
      text = error->message;
    }
  else
    {
      code = rule->code;
      text = own_text = rule_text (rule, &self->host->limits);
    }
  if (rule->log >= 0)
    confab_peer_log (self, rule->log, text);

  if (self->entry != NULL)
    {
      if (reason == CONFAB_CLOSE_KICKED)
        {
          /* For the log line at the end: it says why. */
          g_free (self->kick_notice);
          self->kick_notice = g_strdup (confab_broker_peer_get_notice (self->entry));
        }
      /* PeerLeft shows the reason's stable name, not an error's wording;
       * leaving a broker that removed the peer itself is harmless. */
      confab_broker_leave (self->host->broker, self->entry, rule->left);
    }

  /* Before its handshake a TLS connection can be told nothing. */
  if (rule->now || (self->tls != NULL && !self->tls_ready))
    {
      confab_peer_finish_close (self);
      return;
    }

  /* What was queued is dropped, so an error line is not cut off by it. */
  if (rule->drop_queue)
    confab_peer_output_discard (self);
  self->state = PEER_CLOSING;
  if (self->reading)
    confab_peer_set_watching (self, FALSE, self->writing);
  confab_peer_ws_closing (self, reason);
  if (self->http)
    {
      /* Still reading an HTTP request: an error line is no answer. */
      confab_peer_http_refuse (self, reason);
    }
  else if (rule->line == CLOSE_LINE_ALWAYS ||
           (rule->line == CLOSE_LINE_BEFORE_LOGIN && self->entry == NULL))
    {
      g_autoptr(GBytes) bytes = confab_codec_encode_error (self->codec, code, text);
      gsize       len;
      const char *line = g_bytes_get_data (bytes, &len);

      confab_peer_output_append (self, line, len);
    }
  if (rule->deadline_sec > 0)
    confab_peer_arm_timer (self, rule->deadline_sec, close_deadline_cb);
  confab_peer_schedule_flush (self);
}

/* ---- the operator's log ---------------------------------------------- */

static const char * const log_titles[CONFAB_LOG_N_EVENTS] = {
  [CONFAB_LOG_LOGIN_REFUSED] = "Refused login",
  [CONFAB_LOG_LINE_TOO_LONG] = "Line too long",
  [CONFAB_LOG_SERVER_FULL] = "Server full, refused",
  [CONFAB_LOG_LOGIN_TIMEOUT] = "Login timeout",
  [CONFAB_LOG_SLOW_CONSUMER] = "Dropped a slow consumer",
  [CONFAB_LOG_KICKED_CLOSED] = "Closed a kicked peer",
};

/* One line for the operator: "TITLE: ADDRESS [NAME] (REASON)". */
void
confab_peer_log (ConfabPeer    *self,
                 ConfabLogEvent event,
                 const char    *reason)
{
  const char *name = self->entry != NULL ? confab_broker_peer_get_name (self->entry) : self->login_name;

  confab_log_event (&self->host->log_limiter, event, g_get_monotonic_time (),
                    name, self->address, reason, "%s: %s%s%s (%s)",
                    log_titles[event], self->address,
                    name != NULL ? " " : "", name != NULL ? name : "", reason);
}

/* The reason a login refused with @code closes for: the codes that have
 * a reason of their own keep its log line (a broker that is full or
 * shutting down refuses the join itself). */
ConfabCloseReason
confab_close_reason_for_error (ConfabError code)
{
  switch (code)
    {
    case CONFAB_ERROR_SERVER_FULL:
      return CONFAB_CLOSE_SERVER_FULL;
    case CONFAB_ERROR_SHUTTING_DOWN:
      return CONFAB_CLOSE_SHUTDOWN;
    case CONFAB_ERROR_LINE_TOO_LONG:
      return CONFAB_CLOSE_LINE_TOO_LONG;
    case CONFAB_ERROR_LOGIN_TIMEOUT:
      return CONFAB_CLOSE_LOGIN_TIMEOUT;
    case CONFAB_ERROR_SLOW_CONSUMER:
      return CONFAB_CLOSE_SLOW_CONSUMER;
    default:
      return CONFAB_CLOSE_LOGIN_REFUSED;
    }
}
