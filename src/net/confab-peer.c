/* confab-peer.c: one client connection, served readiness-style.
 *
 * A connection does not keep a stream, a GTask, a GSource or a buffer of
 * its own while idle: its socket is watched for input in the server's
 * poller, and when it is ready the connection reads into the buffer all
 * connections share (both are the output scheduler's,
 * confab-output-scheduler.c), frames complete lines in place and keeps
 * only an unfinished line. Its timers are entries in the scheduler's one
 * deadline queue, not GSources.
 *
 * Life cycle: LOGIN (waiting for the name, with a timeout) → ACTIVE →
 * CLOSING (deliver what is queued, read nothing more) → LINGER (write side
 * shut down; input discarded until the client closes or a short timeout,
 * so that closing with unread input never resets the connection and
 * destroys data the client has not read yet) → CLOSED.
 *
 * Closing: confab_peer_close() (confab-peer-close.c) is the one way in,
 * with a reason that decides the rest; the connection leaves the broker
 * there and nowhere else.
 *
 * Who calls whom. A file calls only files below it, never one above
 * (the parts report back through return values, ConfabFlushResult,
 * ConfabInputStatus and ConfabLoginStep, or through the ConfabPeerEvents
 * this file gives them: a framed line, a rate token due, a name looked
 * up). The broker reaches a connection through its sink, the scheduler
 * through its flush entry.
 *
 *   confab-server.c            accepts; owns the connections and the scheduler
 *         │
 *   confab-peer.c              the socket's events, logging in, the sink,
 *         │                    the parts' reports, the flush turn's outcome
 *   confab-peer-ping.c         IRC's keep-alive: a PING after silence,
 *         │                    the close when none is answered
 *   confab-peer-close.c        the one close and its reasons; the watch,
 *         │                    the timer and the place in the flush list
 *   confab-peer-requests.c     lines to the session layer (src/session)
 *         │
 *   confab-peer-http.c         a ws: door's HTTP request, before the upgrade
 *   confab-peer-ws.c           a WebSocket's pongs and its close frame
 *         │
 *   confab-peer-identity.c     who calls: address, user name (lookup pool)
 *   confab-peer-input.c        framing, holding input back
 *   confab-peer-output.c       gathering and sending the queue
 *         │
 *   confab-peer-rate.c         the token bucket's pauses
 *         │
 *   confab-output-scheduler.c  buffers, poller, timers, flush list
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include "confab-names.h"
#include "confab-peer-private.h"

G_DEFINE_TYPE (ConfabPeer, confab_peer, G_TYPE_OBJECT)

/* What input said about the socket (confab-peer-input.c). */
static void
apply_input (ConfabPeer       *self,
             ConfabInputStatus status)
{
  switch (status)
    {
    case CONFAB_INPUT_DRAINED:
      if (!self->reading)
        confab_peer_set_watching (self, TRUE, self->writing);
      break;
    case CONFAB_INPUT_HELD:
      if (self->reading)
        confab_peer_set_watching (self, FALSE, self->writing);
      /* The next turn comes after the next flush. */
      if (self->pause == INPUT_YIELDED)
        confab_peer_schedule_flush (self);
      break;
    case CONFAB_INPUT_TOO_LONG:
      confab_peer_close (self, CONFAB_CLOSE_LINE_TOO_LONG, NULL);
      break;
    case CONFAB_INPUT_WAITING:
    default:
      break;
    }
}

/* The scheduler's turn for this connection (confab-output-scheduler.c). */
static void
flush_cb (gpointer object)
{
  ConfabPeer *self = object;

  /* Nothing to send while closed or lingering, nor while blocked: the
   * poller calls back when there is room. */
  if (self->state != PEER_CLOSED && self->state != PEER_LINGER && !self->writing)
    {
      switch (confab_peer_output_flush (self))
        {
        case CONFAB_FLUSH_DRAINED:
          /* A WebSocket ends with its close frame: one more turn. */
          if (self->state == PEER_CLOSING && confab_peer_ws_queue_close (self))
            confab_peer_schedule_flush (self);
          else if (self->state == PEER_CLOSING)
            confab_peer_start_linger (self);
          break;
        case CONFAB_FLUSH_MORE:
          /* Let the other connections have their turn first. */
          confab_peer_schedule_flush (self);
          break;
        case CONFAB_FLUSH_BLOCKED:
          confab_peer_set_watching (self, self->reading, TRUE);
          break;
        case CONFAB_FLUSH_FAILED:
        default:
          confab_peer_close (self, CONFAB_CLOSE_IO_ERROR, NULL);
          break;
        }
    }

  /* Its client ended its input while owed an answer, now queued. */
  if (self->eof_deferred && self->state == PEER_ACTIVE &&
      confab_broker_peer_get_answers_pending (self->entry) == 0)
    {
      self->eof_deferred = FALSE;
      confab_peer_close (self, CONFAB_CLOSE_QUIT, NULL);
      return;
    }

  /* Its next turn of input, if it had to yield (confab-peer-input.c),
   * or once the answer it waited for is queued. */
  if (self->pause == INPUT_YIELDED ||
      (self->pause == INPUT_PAUSED_ANSWER && self->state == PEER_ACTIVE &&
       confab_broker_peer_get_answers_pending (self->entry) == 0) ||
      (self->pause == INPUT_PAUSED_OUTPUT && self->state == PEER_ACTIVE &&
       confab_broker_peer_get_queued_bytes (self->entry) < confab_peer_input_share (self)))
    apply_input (self, confab_peer_input_resume (self));
}

/* ---- the broker's sink ------------------------------------------------ */

static void
sink_wake (gpointer sink_data)
{
  confab_peer_schedule_flush (CONFAB_PEER (sink_data));
}

/* The broker has removed the peer: a slow consumer (no flush), a kick or
 * a shutdown (its queue ends with the notice). */
static void
sink_close (gpointer    sink_data,
            gboolean    flush,
            const char *reason)
{
  ConfabCloseReason why = CONFAB_CLOSE_SHUTDOWN;

  if (!flush)
    why = CONFAB_CLOSE_SLOW_CONSUMER;
  else if (g_strcmp0 (reason, CONFAB_REASON_KICKED) == 0)
    why = CONFAB_CLOSE_KICKED;
  confab_peer_close (CONFAB_PEER (sink_data), why, NULL);
}

static const ConfabBrokerSink peer_sink = {
  .wake = sink_wake,
  .close = sink_close,
  .measure = confab_peer_output_measure,
};

/* ---- logging in --------------------------------------------------------- */

/* A refused login closes with the session's (or the broker's) error. */
static void
refuse (ConfabPeer   *self,
        const GError *error)
{
  confab_peer_close (self, confab_close_reason_for_error (error->code), error);
}

/* The broker, or the cluster first, said no: the connection closes. */
static void
refuse_join (ConfabPeer   *self,
             const GError *error)
{
  /* An IRC nick taken since NICK: 433, and registration goes on. */
  if (!confab_peer_requests_irc_nick_taken (self, error))
    refuse (self, error);
}

/* Takes @name in the broker, or closes the connection if it is taken. */
static void
join_now (ConfabPeer *self,
          const char *name)
{
  g_autoptr(GError) error = NULL;

  self->entry = confab_peer_requests_join (self, name, &peer_sink, &error);
  if (self->entry == NULL)
    {
      refuse_join (self, error);
      return;
    }

  self->state = PEER_ACTIVE;
  confab_peer_cancel_timer (self);
  if (self->irc != NULL)
    confab_peer_ping_start (self);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    CONFAB_LOG_FIELD_PEER, name,
                    CONFAB_LOG_FIELD_ADDRESS, self->address,
                    CONFAB_LOG_FIELD_EVENT, "login",
                    "MESSAGE", "%s logged in from %s", name, self->address);
}

static void
name_claimed_cb (const GError *error,
                 gpointer      user_data)
{
  g_autoptr(ConfabPeer) self = user_data; /* the claim's ref */
  g_autofree char *name = g_steal_pointer (&self->cluster_claim);

  if (self->state != PEER_LOGIN)
    {
      /* Closed meanwhile: nobody joins under the claim. */
      if (error == NULL)
        confab_broker_unclaim_name (self->host->broker, name);
      return;
    }
  if (error != NULL)
    {
      self->login_name = name;
      refuse_join (self, error);
      self->login_name = NULL;
    }
  else
    {
      join_now (self, name);
      if (self->entry == NULL)
        confab_broker_unclaim_name (self->host->broker, name);
    }
  /* Frame what came after the login, then read on. */
  if (self->state <= PEER_ACTIVE)
    apply_input (self, confab_peer_input_resume (self));
}

/* In a cluster the name is first claimed on every node (SPEC §14);
 * nothing is read until that is answered (name_claimed_cb). */
static void
join (ConfabPeer *self,
      const char *name)
{
  if (!confab_broker_has_cluster (self->host->broker))
    {
      join_now (self, name);
      return;
    }
  self->cluster_claim = g_strdup (name);
  self->pause = INPUT_PAUSED_LOOKUP;
  confab_peer_set_watching (self, FALSE, self->writing);
  confab_broker_claim_name (self->host->broker, name, name_claimed_cb, g_object_ref (self));
}

static void
login (ConfabPeer *self,
       char       *line,
       gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *requested = NULL;
  g_autofree char *name = NULL;
  char            *password = NULL;
  ConfabLoginStep  step;

  step = confab_peer_requests_login (self, line, len, &requested, &name, &password, &error);
  /* Named in the log line if the login is refused. */
  self->login_name = requested;
  switch (step)
    {
    case CONFAB_LOGIN_REFUSED:
      refuse (self, error);
      break;

    case CONFAB_LOGIN_CHECK_NAME:
      /* Asked of the user database off the main loop; nothing is read
       * until it answers (name_checked_cb). */
      self->pause = INPUT_PAUSED_LOOKUP;
      confab_peer_set_watching (self, FALSE, self->writing);
      confab_peer_identity_check_name (self, name);
      break;

    case CONFAB_LOGIN_CHECK_PASSWORD:
      /* Checked in a worker thread; nothing is read until it answers
       * (password_checked_cb). */
      self->pause = INPUT_PAUSED_LOOKUP;
      confab_peer_set_watching (self, FALSE, self->writing);
      confab_peer_auth_check (self, name, g_steal_pointer (&password));
      break;

    case CONFAB_LOGIN_CHECK_SASL:
      /* IRC's SASL PLAIN: the same check, and registration goes on
       * after it (password_checked_cb). */
      self->pause = INPUT_PAUSED_LOOKUP;
      confab_peer_set_watching (self, FALSE, self->writing);
      self->sasl_checking = TRUE;
      confab_peer_auth_check (self, name, g_steal_pointer (&password));
      break;

    case CONFAB_LOGIN_SASL_FAILED:
      /* Counted, and the next attempt from this host waits longer. */
      confab_peer_auth_failed (self);
      break;

    case CONFAB_LOGIN_PENDING:
      break; /* IRC's registration goes on */

    case CONFAB_LOGIN_JOIN:
    default:
      join (self, name);
      break;
    }
  self->login_name = NULL;
}

static void
login_timeout_cb (gpointer user_data)
{
  ConfabPeer *self = user_data;

  if (self->state == PEER_LOGIN && self->tls != NULL && !self->tls_ready)
    {
      /* A handshake that never ended failed, and nothing can be said. */
      g_debug ("TLS handshake timeout for %s", self->address);
      self->host->stats.tls_handshakes_failed++;
      confab_peer_close (self, CONFAB_CLOSE_LOGIN_TIMEOUT, NULL);
    }
  else if (self->state == PEER_LOGIN)
    {
      g_debug ("login timeout for %s", self->address);
      confab_net_stats_count_refused_login (&self->host->stats);
      self->host->stats.login_timeouts++;
      confab_peer_close (self, CONFAB_CLOSE_LOGIN_TIMEOUT, NULL);
    }
}

/* ---- what the parts report (ConfabPeerEvents) ---------------------------- */

static gboolean
line_cb (char    *line,
         gsize    len,
         gpointer user_data)
{
  ConfabPeer *self = user_data;

  switch (self->state)
    {
    case PEER_LOGIN:
      login (self, line, len);
      break;

    case PEER_ACTIVE:
      if (!confab_peer_requests_handle (self, line, len))
        confab_peer_close (self, CONFAB_CLOSE_QUIT, NULL);
      break;

    case PEER_CLOSING:
    case PEER_LINGER:
    case PEER_CLOSED:
    default:
      return FALSE;
    }

  return self->state <= PEER_ACTIVE;
}

static void
rate_due_cb (ConfabPeer *self)
{
  apply_input (self, confab_peer_input_resume (self));
}

static void
user_known_cb (ConfabPeer *self)
{
  /* Closed meanwhile (login timeout, server full, shutdown): nothing to do. */
  if (self->state == PEER_LOGIN)
    confab_peer_set_watching (self, TRUE, self->writing);
}

static void
name_checked_cb (ConfabPeer *self,
                 const char *name,
                 gboolean    reserved)
{
  /* Closed meanwhile (login timeout, a line too long, shutdown). */
  if (self->state != PEER_LOGIN)
    return;

  if (reserved)
    {
      g_autoptr(GError) error = NULL;

      confab_peer_requests_refuse_local_name (self, name, &error);
      refuse (self, error);
      return;
    }

  join (self, name);
  /* Frame what came after the login, then read on. */
  apply_input (self, confab_peer_input_resume (self));
}

/* Whether the connection reads as soon as it can: not while the caller's
 * user name is being looked up (user_known_cb starts it then). */
static gboolean
reads_at_once (ConfabPeer *self)
{
  return self->unix_uid < 0 || !self->host->limits.unix_identity || self->unix_user_known;
}

static void
tls_ready_cb (ConfabPeer   *self,
              const GError *error)
{
  if (self->state != PEER_LOGIN)
    return;
  if (error != NULL)
    {
      /* Plain text on a TLS port, a client that refused the
       * certificate, garbage: one counter, a close, no error line. */
      g_debug ("TLS handshake with %s failed: %s", self->address, error->message);
      self->host->stats.tls_handshakes_failed++;
      confab_peer_close (self, CONFAB_CLOSE_IO_ERROR, NULL);
      return;
    }
  if (reads_at_once (self))
    confab_peer_set_watching (self, TRUE, FALSE);
}

/* SASL PLAIN's password was checked: the session answers, and
 * registration goes on. */
static void
sasl_checked (ConfabPeer *self,
              const char *name,
              gboolean    ok)
{
  g_autoptr(GError) error = NULL;
  ConfabLoginStep step;

  self->sasl_checking = FALSE;
  step = confab_peer_requests_irc_sasl_checked (self, ok, &error);
  if (!ok)
    confab_peer_auth_failed (self);
  if (step == CONFAB_LOGIN_REFUSED)
    {
      self->login_name = name;
      refuse (self, error);
      self->login_name = NULL;
      return;
    }
  if (ok)
    self->password_checked = TRUE;
  apply_input (self, confab_peer_input_resume (self));
}

static void
password_checked_cb (ConfabPeer *self,
                     const char *name,
                     gboolean    ok)
{
  if (self->sasl_checking)
    {
      sasl_checked (self, name, ok);
      return;
    }
  if (!ok)
    {
      g_autoptr(GError) error = NULL;

      confab_peer_auth_failed (self);
      confab_peer_requests_refuse_password (self, &error);
      self->login_name = name;
      refuse (self, error);
      self->login_name = NULL;
      return;
    }
  self->password_checked = TRUE;
  join (self, name);
  /* Frame what came after the login, then read on. */
  apply_input (self, confab_peer_input_resume (self));
}

/* A WebSocket's control frame, or a rule it broke (confab-ws-frame.c). */
static void
ws_frame_cb (ConfabPeer          *self,
             ConfabWsEvent        event,
             const ConfabWsFrame *frame)
{
  switch (event)
    {
    case CONFAB_WS_PING:
      confab_peer_ws_ping (self, frame->data, frame->len);
      break;

    case CONFAB_WS_CLOSE:
      /* A clean close: its code echoed (RFC 6455 §5.5.1), what is queued
       * delivered first. */
      confab_peer_ws_set_close (self, frame->code == CONFAB_WS_CLOSE_NO_STATUS ? CONFAB_WS_CLOSE_NORMAL : frame->code,
                                NULL);
      confab_peer_close (self, CONFAB_CLOSE_QUIT, NULL);
      break;

    case CONFAB_WS_FAILED:
      g_debug ("WebSocket from %s: %s", self->address, frame->reason);
      confab_peer_ws_set_close (self, frame->code, frame->reason);
      if (frame->code == CONFAB_WS_CLOSE_TOO_BIG)
        {
          /* A message past line_max_bytes is a line too long, counted
           * and answered as one; the close frame says 1009. */
          if (self->state == PEER_LOGIN)
            confab_net_stats_count_refused_login (&self->host->stats);
          self->host->stats.lines_too_long++;
          confab_peer_close (self, CONFAB_CLOSE_LINE_TOO_LONG, NULL);
          break;
        }
      self->host->stats.websocket_protocol_errors++;
      confab_peer_close (self, CONFAB_CLOSE_PROTOCOL_ERROR, NULL);
      break;

    case CONFAB_WS_PONG:
    case CONFAB_WS_MESSAGE:
    case CONFAB_WS_MORE:
    default:
      break;
    }
}

static const ConfabPeerEvents peer_events = {
  .line = line_cb,
  .rate_due = rate_due_cb,
  .user_known = user_known_cb,
  .name_checked = name_checked_cb,
  .tls_ready = tls_ready_cb,
  .password_checked = password_checked_cb,
  .ws_frame = ws_frame_cb,
};

/* ---- the socket ------------------------------------------------------ */

static void
handle_eof (ConfabPeer *self)
{
  self->eof_seen = TRUE;
  confab_peer_set_watching (self, FALSE, self->writing);

  if (self->state == PEER_LINGER)
    {
      /* Not before close_notify is out: its completion closes. */
      if (!self->tls_closing)
        confab_peer_finish_close (self);
      return;
    }

  /* Asked for something answered later (its history): the answer
   * first, then the close (flush_cb). */
  if (self->state == PEER_ACTIVE && confab_broker_peer_get_answers_pending (self->entry) > 0)
    {
      self->eof_deferred = TRUE;
      return;
    }
  if (confab_framer_has_pending (&self->framer) ||
      (self->ws != NULL && confab_ws_decoder_has_pending (self->ws)))
    g_debug ("%s closed in the middle of a line", self->address);
  /* Its name is free at once, but what was queued for it is still
   * delivered (it may only have half-closed). */
  confab_peer_close (self, CONFAB_CLOSE_QUIT, NULL);
}

/* The codec says which protocol the first non-blank byte means. */
static void
choose_protocol (ConfabPeer *self,
                 const char *data,
                 gsize       len)
{
  const ConfabCodec *codec = confab_codec_sniff (data, len);

  if (codec == NULL)
    return;
  self->codec = codec;
  self->protocol_known = TRUE;
}

/* A ws: door's bytes before the upgrade: its HTTP request. */
static void
receive_http (ConfabPeer *self,
              char       *data,
              gsize       len)
{
  gsize used = 0;

  switch (confab_peer_http_feed (self, data, len, &used))
    {
    case CONFAB_HTTP_ANSWERED:
      confab_peer_http_clear (self);
      confab_peer_close (self, CONFAB_CLOSE_HTTP_DONE, NULL);
      break;

    case CONFAB_HTTP_UPGRADED:
      confab_peer_http_clear (self);
      self->http = FALSE;
      confab_peer_ws_start (self);
      /* Frames a client sent right behind its request. */
      if (used < len)
        apply_input (self, confab_peer_input_feed (self, data + used, len - used));
      break;

    case CONFAB_HTTP_MORE:
    default:
      break;
    }
}

static void
receive_input (ConfabPeer *self)
{
  g_autoptr(GError) error = NULL;
  gsize  size;
  char  *buf = confab_output_scheduler_get_recv_buffer (self->host->scheduler, &size);
  gssize n;

  if (self->tls != NULL)
    n = confab_peer_tls_receive (self, buf, size, &error);
  else
    n = g_socket_receive_with_blocking (self->socket, buf, size, FALSE, NULL, &error);
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      g_debug ("receive from %s failed: %s", self->address, error->message);
      confab_peer_close (self, CONFAB_CLOSE_IO_ERROR, NULL);
      return;
    }

  if (n == 0)
    {
      handle_eof (self);
      return;
    }

  if (self->state >= PEER_CLOSING)
    return; /* lingering: input is discarded */

  if (self->irc != NULL)
    self->last_input_usec = g_get_monotonic_time ();
  if (self->entry != NULL)
    confab_broker_peer_received (self->entry, n);
  if (!self->protocol_known)
    choose_protocol (self, buf, n);

  if (self->http)
    receive_http (self, buf, n);
  else
    apply_input (self, confab_peer_input_feed (self, buf, n));
}

/* The poller's callback: what the socket is ready for, as watched. */
static void
socket_ready_cb (GIOCondition condition,
                 gpointer     user_data)
{
  ConfabPeer *self = user_data;
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = g_object_ref (self);

  /* The blocked socket has room again (or failed: the send will say). */
  if (self->writing && (condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR)))
    {
      confab_peer_set_watching (self, self->reading, FALSE);
      confab_peer_schedule_flush (self);
    }
  if (self->reading && (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    receive_input (self);
}

/* ---- public ---------------------------------------------------------- */

/**
 * confab_peer_new:
 * @host: what the server lends its connections; outlives the peer
 * @connection: a freshly accepted connection; the peer keeps a reference
 * @door: the listener's protocol: the confab door sniffs text or JSON
 *   from the first byte; the IRC door is IRC from the start; the ws:
 *   door reads an HTTP request first, and after an upgrade speaks JSON
 *   lines in WebSocket messages
 *
 * Returns: (transfer full): a connection waiting for its login line
 */
ConfabPeer *
confab_peer_new (ConfabPeerHost    *host,
                 GSocketConnection *connection,
                 ConfabDoor         door)
{
  ConfabPeer *self;

  g_return_val_if_fail (host != NULL, NULL);
  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);

  self = g_object_new (CONFAB_TYPE_PEER, NULL);
  self->host = host;
  self->connection = g_object_ref (connection);
  self->socket = g_socket_connection_get_socket (connection);
  self->address = confab_peer_identity_describe (connection, &self->unix_uid);
  if (confab_door_is_irc (door))
    {
      self->codec = &confab_codec_irc;
      self->protocol_known = TRUE;
      self->irc = confab_irc_client_new (host->irc_server);
    }
  else if (confab_door_is_websocket (door))
    {
      self->codec = &confab_codec_websocket;
      self->protocol_known = TRUE;
      self->http = TRUE;
    }

  g_socket_set_blocking (self->socket, FALSE);
  if (g_socket_get_family (self->socket) != G_SOCKET_FAMILY_UNIX)
    {
      /* Without it, small lines wait for the peer's delayed ACK. */
      g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    }

  confab_watch_init (&self->watch, g_socket_get_fd (self->socket), socket_ready_cb, self);
  confab_peer_arm_timer (self, host->limits.login_timeout_sec, login_timeout_cb);
  if (confab_door_is_tls (door))
    {
      g_autoptr(GError) error = NULL;

      if (!confab_peer_tls_start (self, host->tls_certificate, &error))
        {
          g_warning ("Cannot serve TLS to %s: %s", self->address, error->message);
          confab_peer_close (self, CONFAB_CLOSE_IO_ERROR, NULL);
          return self;
        }
    }
  /* A caller whose user name is its login is read once the name is known. */
  if (!reads_at_once (self))
    confab_peer_identity_start_lookup (self);
  else
    confab_peer_set_watching (self, TRUE, FALSE);
  g_debug ("connection from %s", self->address);
  return self;
}

static void
confab_peer_finalize (GObject *object)
{
  ConfabPeer *self = CONFAB_PEER (object);

  g_assert (!confab_flush_entry_is_scheduled (&self->flush));
  if (self->reading || self->writing)
    confab_peer_set_watching (self, FALSE, FALSE);
  confab_peer_cancel_timer (self);
  confab_peer_rate_cancel (self);
  g_clear_pointer (&self->held, g_free);
  g_clear_pointer (&self->kick_notice, g_free);
  g_clear_pointer (&self->cluster_claim, g_free);
  confab_peer_tls_clear (self);
  confab_peer_auth_cancel (self);
  g_clear_pointer (&self->entry, confab_broker_peer_unref);
  confab_peer_output_clear (self);
  confab_framer_clear (&self->framer);
  g_clear_object (&self->connection);
  g_free (self->address);
  g_free (self->unix_user);
  g_clear_pointer (&self->irc, confab_irc_client_free);
  confab_peer_http_clear (self);
  confab_peer_ws_clear (self);

  G_OBJECT_CLASS (confab_peer_parent_class)->finalize (object);
}

static void
confab_peer_class_init (ConfabPeerClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = confab_peer_finalize;
}

static void
confab_peer_init (ConfabPeer *self)
{
  self->state = PEER_LOGIN;
  self->codec = &confab_codec_text;
  self->events = &peer_events;
  confab_flush_entry_init (&self->flush, flush_cb);
}
