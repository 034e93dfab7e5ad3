/* confab-peer.c: one client connection, served readiness-style.
 *
 * A connection does not keep a stream, a GTask, a GSource or a buffer of
 * its own while idle: its socket is watched for input in the server's
 * poller (confab-poller.c), and when it is ready the connection reads
 * into the buffer all connections share, frames complete lines in place
 * and keeps only an unfinished line. Framing, and holding input back, is
 * in confab-peer-input.c, output in confab-peer-output.c, the meaning of
 * each line in confab-peer-requests.c. Its timers are entries in the
 * server's one deadline queue (confab-deadlines.c), not GSources.
 *
 * Life cycle: LOGIN (waiting for the name, with a timeout) → ACTIVE →
 * CLOSING (deliver what is queued, read nothing more) → LINGER (write side
 * shut down; input discarded until the client closes or a short timeout,
 * so that closing with unread input never resets the connection and
 * destroys data the client has not read yet) → CLOSED.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

#include "confab-address.h"
#include "confab-names.h"
#include "confab-peer-private.h"

/* How long a closing connection waits for the client to close its side. */
#define LINGER_SECONDS 2
/* How long a connection that is closing may take to receive its last
 * lines (a fatal error, a slow consumer's notice, a kick's queue) before
 * it is closed anyway: a client that never reads cannot keep it open. */
#define ERROR_CLOSE_SECONDS 10

G_DEFINE_TYPE (ConfabPeer, confab_peer, G_TYPE_OBJECT)

static void on_close_deadline (gpointer user_data);

/* ---- timers ---------------------------------------------------------- */

/* The connection's one timer (login timeout, close deadline or linger),
 * in the queue all connections share: no GSource of its own. */
void
confab_peer_arm_timer (ConfabPeer        *self,
                       guint              seconds,
                       ConfabDeadlineFunc func)
{
  confab_deadlines_arm (self->shared->deadlines, &self->timer,
                        g_get_monotonic_time () + (gint64) seconds * G_USEC_PER_SEC,
                        func, self);
}

void
confab_peer_cancel_timer (ConfabPeer *self)
{
  /* Only an armed timer is looked up: an unarmed one may belong to a
   * connection that outlives its server. */
  if (confab_deadline_is_armed (&self->timer))
    confab_deadlines_cancel (self->shared->deadlines, &self->timer);
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

  confab_log_event (&self->shared->log_limiter, event, g_get_monotonic_time (),
                    name, self->address, reason, "%s: %s%s%s (%s)",
                    log_titles[event], self->address,
                    name != NULL ? " " : "", name != NULL ? name : "", reason);
}

/* The operator hears of a fatal error that is the client's doing. */
static void
log_fatal_error (ConfabPeer *self,
                 ConfabError code,
                 const char *text)
{
  switch (code)
    {
    case CONFAB_ERROR_LINE_TOO_LONG:
      confab_peer_log (self, CONFAB_LOG_LINE_TOO_LONG, text);
      break;
    case CONFAB_ERROR_SERVER_FULL:
      confab_peer_log (self, CONFAB_LOG_SERVER_FULL, text);
      break;
    case CONFAB_ERROR_LOGIN_TIMEOUT:
      confab_peer_log (self, CONFAB_LOG_LOGIN_TIMEOUT, text);
      break;
    case CONFAB_ERROR_SLOW_CONSUMER:
      confab_peer_log (self, CONFAB_LOG_SLOW_CONSUMER, text);
      break;
    case CONFAB_ERROR_SHUTTING_DOWN:
      break;
    default:
      if (self->state == PEER_LOGIN)
        confab_peer_log (self, CONFAB_LOG_LOGIN_REFUSED, text);
      break;
    }
}

/* ---- the broker's sink ------------------------------------------------ */

static void
sink_wake (gpointer sink_data)
{
  confab_peer_schedule_flush (CONFAB_PEER (sink_data));
}

static void
sink_close (gpointer    sink_data,
            gboolean    flush,
            const char *reason)
{
  ConfabPeer *self = CONFAB_PEER (sink_data);

  if (self->state >= PEER_CLOSING)
    return;

  g_debug ("closing %s: %s", self->address, reason);
  if (flush && g_strcmp0 (reason, CONFAB_REASON_KICKED) == 0 && self->entry != NULL)
    {
      g_free (self->kick_notice);
      self->kick_notice = g_strdup (confab_broker_peer_get_notice (self->entry));
    }
  if (!flush)
    {
      /* A slow consumer: its queue goes now; the notice waits for room. */
      confab_peer_close_with_error (self, CONFAB_ERROR_SLOW_CONSUMER, "slow consumer");
      return;
    }
  self->state = PEER_CLOSING;
  confab_peer_set_watching (self, FALSE, self->writing);
  /* A kick or shutdown delivers what is queued, but not forever. */
  confab_peer_arm_timer (self, ERROR_CLOSE_SECONDS, on_close_deadline);
  confab_peer_schedule_flush (self);
}

const ConfabBrokerSink confab_peer_sink = {
  .wake = sink_wake,
  .close = sink_close,
  .measure = confab_peer_measure,
};

/* ---- closing --------------------------------------------------------- */

void
confab_source_destroy_and_unref (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

void
confab_peer_close_now (ConfabPeer *self)
{
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = g_object_ref (self);

  if (self->state == PEER_CLOSED)
    return;

  self->state = PEER_CLOSED;
  confab_peer_set_watching (self, FALSE, FALSE);
  confab_peer_cancel_timer (self);
  confab_peer_cancel_rate (self);
  confab_peer_drop_held_input (self);
  confab_peer_unschedule_flush (self);

  if (self->entry != NULL)
    {
      confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_QUIT);
      confab_peer_discard_queue (self);
    }
  g_clear_pointer (&self->carry, confab_message_unref);
  g_clear_pointer (&self->unsent, g_free);
  confab_framer_clear (&self->framer);

  g_socket_close (self->socket, NULL);
  g_debug ("connection from %s closed", self->address);
  if (self->kick_notice != NULL)
    {
      confab_peer_log (self, CONFAB_LOG_KICKED_CLOSED, self->kick_notice);
      g_clear_pointer (&self->kick_notice, g_free);
    }

  if (self->shared->closed_func != NULL)
    self->shared->closed_func (self, self->shared->closed_data);
}

static void
on_close_deadline (gpointer user_data)
{
  ConfabPeer *self = user_data;

  g_debug ("%s did not take its last line in time", self->address);
  confab_peer_close_now (self);
}

static void
on_linger_timeout (gpointer user_data)
{
  confab_peer_close_now (CONFAB_PEER (user_data));
}

static gboolean
close_unwatchable (ConfabPeer *self)
{
  if (self->entry != NULL)
    confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_ERROR);
  confab_peer_close_now (self);
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
  if (confab_poller_set_events (self->shared->poller, &self->watch, events, &error))
    return;

  g_warning ("Cannot watch the connection from %s: %s", self->address, error->message);
  if (events != 0 && self->state != PEER_CLOSED)
    g_idle_add_full (G_PRIORITY_DEFAULT, (GSourceFunc) close_unwatchable,
                     g_object_ref (self), g_object_unref);
}

/* Everything is delivered: shut the write side so the client sees EOF
 * after the last line, then wait (briefly) for it to close its side. */
void
confab_peer_begin_close (ConfabPeer *self)
{
  if (self->state == PEER_CLOSED || self->state == PEER_LINGER)
    return;

  if (self->entry != NULL)
    confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_QUIT);

  if (self->eof_seen || !g_socket_shutdown (self->socket, FALSE, TRUE, NULL))
    {
      confab_peer_close_now (self);
      return;
    }

  self->state = PEER_LINGER;
  confab_framer_clear (&self->framer);
  confab_peer_drop_held_input (self);
  confab_peer_cancel_rate (self);
  confab_peer_arm_timer (self, LINGER_SECONDS, on_linger_timeout);
  if (!self->reading)
    confab_peer_set_watching (self, TRUE, self->writing);
}

/* A fatal error line, sent ahead of anything else queued, then close. */
void
confab_peer_close_with_error (ConfabPeer *self,
                              ConfabError code,
                              const char *text)
{
  g_autoptr(GBytes) bytes = confab_codec_encode_error (self->codec, code, text);
  gsize       len;
  const char *line = g_bytes_get_data (bytes, &len);

  log_fatal_error (self, code, text);
  if (self->entry != NULL)
    {
      /* PeerLeft shows stable reasons, not the error's wording. */
      confab_broker_leave (self->shared->broker, self->entry,
                           code == CONFAB_ERROR_LINE_TOO_LONG ? CONFAB_REASON_LINE_TOO_LONG
                                                              : CONFAB_REASON_ERROR);
      /* What was queued is dropped, so the error is not cut off by it. */
      confab_peer_discard_queue (self);
      g_clear_pointer (&self->carry, confab_message_unref);
    }

  self->state = PEER_CLOSING;
  confab_peer_set_watching (self, FALSE, self->writing);
  confab_peer_arm_timer (self, ERROR_CLOSE_SECONDS, on_close_deadline);
  if (self->unsent == NULL)
    {
      confab_peer_keep_unsent (self, line, len);
    }
  else
    {
      /* Append after the partly sent bytes, which must finish first. */
      gsize left = self->unsent_len - self->unsent_off;
      char *joined = g_malloc (left + len);

      memcpy (joined, self->unsent + self->unsent_off, left);
      memcpy (joined + left, line, len);
      g_free (self->unsent);
      self->unsent = joined;
      self->unsent_len = left + len;
      self->unsent_off = 0;
    }
  confab_peer_schedule_flush (self);
}

/* ---- input ----------------------------------------------------------- */

static void
on_login_timeout (gpointer user_data)
{
  ConfabPeer *self = user_data;

  if (self->state == PEER_LOGIN)
    {
      g_debug ("login timeout for %s", self->address);
      confab_net_stats_count_refused_login (&self->shared->stats);
      self->shared->stats.login_timeouts++;
      confab_peer_close_with_error (self, CONFAB_ERROR_LOGIN_TIMEOUT, "login timeout");
    }
}

static void
handle_eof (ConfabPeer *self)
{
  self->eof_seen = TRUE;
  confab_peer_set_watching (self, FALSE, self->writing);

  if (self->state == PEER_LINGER)
    {
      confab_peer_close_now (self);
      return;
    }

  if (confab_framer_has_pending (&self->framer))
    g_debug ("%s closed in the middle of a line", self->address);

  /* The client has finished sending; its name is free at once, but what
   * was queued for it is still delivered (it may only have half-closed). */
  if (self->entry != NULL)
    confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_QUIT);
  if (self->state < PEER_CLOSING)
    self->state = PEER_CLOSING;
  confab_peer_schedule_flush (self);
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

static void
on_readable (ConfabPeer *self)
{
  g_autoptr(GError) error = NULL;
  ConfabPeerShared *shared = self->shared;
  gssize            n;

  n = g_socket_receive_with_blocking (self->socket, shared->recv_buf, shared->recv_buf_size,
                                      FALSE, NULL, &error);
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return;
      g_debug ("receive from %s failed: %s", self->address, error->message);
      if (self->entry != NULL)
        confab_broker_leave (shared->broker, self->entry, CONFAB_REASON_ERROR);
      confab_peer_close_now (self);
      return;
    }

  if (n == 0)
    {
      handle_eof (self);
      return;
    }

  if (self->state >= PEER_CLOSING)
    return; /* lingering: input is discarded */

  if (self->entry != NULL)
    confab_broker_peer_received (self->entry, n);
  if (!self->protocol_known)
    choose_protocol (self, shared->recv_buf, n);

  confab_peer_feed_input (self, shared->recv_buf, n);
}

/* The poller's callback: what the socket is ready for, as watched. */
static void
on_socket_ready (GIOCondition condition,
                 gpointer     user_data)
{
  ConfabPeer *self = user_data;
  G_GNUC_UNUSED g_autoptr(ConfabPeer) ref = g_object_ref (self);

  if (self->writing && (condition & (G_IO_OUT | G_IO_HUP | G_IO_ERR)))
    confab_peer_on_writable (self);
  if (self->reading && (condition & (G_IO_IN | G_IO_HUP | G_IO_ERR)))
    on_readable (self);
}

/* ---- public ---------------------------------------------------------- */

/**
 * confab_peer_reject:
 * @text: plain words, sent as "error: TEXT"
 *
 * Refuses a connection that has not logged in (server full, shutdown).
 */
void
confab_peer_reject (ConfabPeer *self,
                    ConfabError code,
                    const char *text)
{
  g_return_if_fail (CONFAB_IS_PEER (self));

  if (self->state != PEER_LOGIN)
    return;
  confab_net_stats_count_refused_login (&self->shared->stats);
  confab_peer_close_with_error (self, code, text);
}

/**
 * confab_peer_shutdown:
 *
 * For a connection the broker does not know yet (no peer_login): tell it the
 * server is shutting down and close. Logged-in peers are closed through
 * confab_broker_shutdown(), in order with their queues.
 */
void
confab_peer_shutdown (ConfabPeer *self)
{
  g_return_if_fail (CONFAB_IS_PEER (self));

  if (self->state == PEER_LOGIN)
    confab_peer_close_with_error (self, CONFAB_ERROR_SHUTTING_DOWN, "server shutting down");
}

/* Closes at once, dropping whatever is still queued (shutdown timeout). */
void
confab_peer_abort (ConfabPeer *self)
{
  g_return_if_fail (CONFAB_IS_PEER (self));

  confab_peer_close_now (self);
}

/* On a Unix socket the kernel tells who is calling (SO_PEERCRED). */
static char *
describe_remote (GSocketConnection *connection,
                 gint64            *unix_uid)
{
  g_autoptr(GSocketAddress) remote = NULL;

  *unix_uid = -1;
  if (G_IS_UNIX_CONNECTION (connection))
    {
      g_autoptr(GCredentials) credentials = NULL;

      credentials = g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);
      if (credentials == NULL)
        return g_strdup ("unix:");
      *unix_uid = g_credentials_get_unix_user (credentials, NULL);
      return g_strdup_printf ("unix:uid=%" G_GINT64_FORMAT, *unix_uid);
    }

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (remote == NULL)
    return g_strdup ("unknown");
  return confab_address_to_string (remote);
}

/**
 * confab_peer_new:
 * @shared: the server's shared state
 * @connection: a freshly accepted connection; the peer keeps a reference
 *
 * Returns: (transfer full): a connection waiting for its login line
 */
ConfabPeer *
confab_peer_new (ConfabPeerShared  *shared,
                 GSocketConnection *connection)
{
  ConfabPeer *self;

  g_return_val_if_fail (shared != NULL, NULL);
  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);

  self = g_object_new (CONFAB_TYPE_PEER, NULL);
  self->shared = shared;
  self->connection = g_object_ref (connection);
  self->socket = g_socket_connection_get_socket (connection);
  self->address = describe_remote (connection, &self->unix_uid);

  g_socket_set_blocking (self->socket, FALSE);
  if (g_socket_get_family (self->socket) != G_SOCKET_FAMILY_UNIX)
    {
      /* Without it, small lines wait for the peer's delayed ACK. */
      g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    }

  confab_watch_init (&self->watch, g_socket_get_fd (self->socket), on_socket_ready, self);
  /* A caller whose user name is its login is read once the name is known. */
  if (self->unix_uid >= 0 && shared->limits.unix_identity)
    confab_peer_start_identity_lookup (self);
  else
    confab_peer_set_watching (self, TRUE, FALSE);
  confab_peer_arm_timer (self, shared->limits.login_timeout_sec, on_login_timeout);
  g_debug ("connection from %s", self->address);
  return self;
}

static void
confab_peer_finalize (GObject *object)
{
  ConfabPeer *self = CONFAB_PEER (object);

  g_assert (self->flush_link.data == NULL);
  if (self->reading || self->writing)
    confab_peer_set_watching (self, FALSE, FALSE);
  confab_peer_cancel_timer (self);
  confab_peer_cancel_rate (self);
  g_clear_pointer (&self->held, g_free);
  g_clear_pointer (&self->kick_notice, g_free);
  g_clear_pointer (&self->entry, confab_broker_peer_unref);
  g_clear_pointer (&self->carry, confab_message_unref);
  g_clear_pointer (&self->unsent, g_free);
  confab_framer_clear (&self->framer);
  g_clear_object (&self->connection);
  g_free (self->address);
  g_free (self->unix_user);

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
}
