/* confab-peer.c: one client connection, served readiness-style.
 *
 * A connection does not keep a stream, a GTask or a buffer of its own
 * while idle: it has one persistent G_IO_IN source on its GSocket, reads
 * into the buffer all connections share, frames complete lines in place
 * and keeps only an unfinished line. Output goes through the broker's
 * queue for this peer; a wake puts the connection on the shared flush
 * list, drained once per main-loop iteration, where everything queued is
 * gathered into one contiguous send. Only a socket that would block gets
 * a G_IO_OUT source, until it is drained.
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
#include "confab-framer.h"
#include "confab-json-protocol.h"
#include "confab-names.h"
#include "confab-peer.h"
#include "confab-text-protocol.h"

#define RECV_BUF_SIZE   (64 * 1024)
#define SEND_BUF_SIZE   (64 * 1024)
#define LINGER_SECONDS  2
/* A flush sends at most this many buffers before yielding to others. */
#define FLUSH_ROUNDS    4

typedef enum
{
  PEER_LOGIN,
  PEER_ACTIVE,
  PEER_CLOSING,
  PEER_LINGER,
  PEER_CLOSED,
} PeerState;

typedef enum
{
  PROTOCOL_TEXT,
  PROTOCOL_JSON,
} PeerProtocol;

struct _ConfabPeer
{
  GObject            parent_instance;

  ConfabPeerShared  *shared;        /* (unowned): outlives every peer */
  GSocketConnection *connection;    /* (owned) */
  GSocket           *socket;        /* (unowned): the connection's */
  char              *address;       /* (owned) */
  ConfabBrokerPeer  *entry;         /* (owned) (nullable): set at login */
  PeerState          state;
  PeerProtocol       protocol;       /* chosen by the first line */

  ConfabFramer       framer;
  GSource           *read_source;   /* (owned) (nullable) */
  GSource           *write_source;  /* (owned) (nullable): only while blocked */
  GSource           *timer_source;  /* (owned) (nullable): login timeout or linger */

  /* Bytes taken off the queue that the kernel has not accepted yet. */
  char              *unsent;        /* (owned) (nullable) */
  gsize              unsent_len;
  gsize              unsent_off;
  ConfabMessage     *carry;         /* (owned) (nullable): popped, did not fit the buffer */

  GList              flush_link;    /* in shared->flush_queue while data == self */
  gboolean           drop_queue;    /* slow consumer: discard instead of delivering */
  gboolean           eof_seen;
};

G_DEFINE_TYPE (ConfabPeer, confab_peer, G_TYPE_OBJECT)

static void peer_close_now   (ConfabPeer *self);
static void source_destroy_and_unref (GSource *source);
static void peer_begin_close (ConfabPeer *self);
static void schedule_flush   (ConfabPeer *self);

/* ---- output ---------------------------------------------------------- */

static gboolean
on_writable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  ConfabPeer *self = user_data;

  g_source_destroy (self->write_source);
  g_clear_pointer (&self->write_source, g_source_unref);
  schedule_flush (self);
  return G_SOURCE_REMOVE;
}

static void
wait_writable (ConfabPeer *self)
{
  if (self->write_source != NULL)
    return;

  self->write_source = g_socket_create_source (self->socket, G_IO_OUT, NULL);
  g_source_set_callback (self->write_source, (GSourceFunc) G_CALLBACK (on_writable), self, NULL);
  g_source_attach (self->write_source, g_main_context_get_thread_default ());
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
  peer_close_now (self);
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

/* Returns: TRUE if everything held back is sent */
static gboolean
send_unsent (ConfabPeer *self)
{
  gsize left = self->unsent_len - self->unsent_off;
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
static void
discard_queue (ConfabPeer *self)
{
  ConfabMessage *message;

  if (self->entry == NULL)
    return;

  confab_broker_peer_lock (self->entry);
  while ((message = confab_broker_peer_pop_unlocked (self->entry)) != NULL)
    confab_message_unref (message);
  confab_broker_peer_unlock (self->entry);
}

/* The bytes of @message in this connection's protocol: the text line, or
 * the JSON frame, encoded once per message and shared by its recipients. */
static const char *
encode (ConfabPeer    *self,
        ConfabMessage *message,
        gsize         *len)
{
  GBytes *bytes;

  if (self->protocol == PROTOCOL_TEXT || confab_message_get_kind (message) == CONFAB_MESSAGE_RAW)
    return confab_message_get_line (message, len);

  bytes = confab_message_get_encoding (message, CONFAB_ENCODING_JSON);
  if (bytes == NULL)
    bytes = confab_message_set_encoding (message, CONFAB_ENCODING_JSON,
                                         confab_json_encode_message (message));
  return g_bytes_get_data (bytes, len);
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

  confab_broker_peer_lock (self->entry);
  for (;;)
    {
      ConfabMessage *message = self->carry;
      const char *line;
      gsize len;

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
      keep_unsent (self, data + n, len - n);
      return FALSE;
    }
  return TRUE;
}

/* Final line for a slow consumer, only if it does not cut a line in two. */
static char *
format_error (ConfabPeer  *self,
              ConfabError  code,
              const char  *text,
              gsize       *len)
{
  char *line;

  if (self->protocol == PROTOCOL_JSON)
    return confab_json_encode_error (code, text, len);

  line = g_strconcat ("error: ", text, "\n", NULL);
  *len = strlen (line);
  return line;
}

static void
send_slow_consumer_notice (ConfabPeer *self)
{
  g_autofree char *notice = NULL;
  gsize len;

  if (self->unsent != NULL || self->carry != NULL)
    return;
  notice = format_error (self, CONFAB_ERROR_SLOW_CONSUMER, "slow consumer", &len);
  send_some (self, notice, len);
}

static void
peer_flush (ConfabPeer *self)
{
  g_autoptr(ConfabPeer) ref = g_object_ref (self);

  if (self->state == PEER_CLOSED || self->state == PEER_LINGER)
    return;

  if (self->drop_queue)
    {
      /* Even while blocked: a slow consumer must not hold its queue. */
      g_clear_pointer (&self->write_source, source_destroy_and_unref);
      discard_queue (self);
      send_slow_consumer_notice (self);
      g_clear_pointer (&self->carry, confab_message_unref);
      g_clear_pointer (&self->unsent, g_free);
      if (self->state != PEER_CLOSED)
        peer_begin_close (self);
      return;
    }

  if (self->write_source != NULL)
    return;  /* blocked: G_IO_OUT calls back */

  for (guint round = 0; round < FLUSH_ROUNDS; round++)
    {
      g_autoptr(ConfabMessage) big = NULL;
      gboolean more;
      gsize len;

      if (!send_unsent (self))
        goto blocked;
      if (self->entry == NULL)
        {
          /* Not logged in: only a final error line was to go out. */
          if (self->state == PEER_CLOSING)
            peer_begin_close (self);
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
            peer_begin_close (self);
          return;
        }
    }

  /* Still more queued: let the other connections have their turn first. */
  schedule_flush (self);
  return;

blocked:
  if (self->state != PEER_CLOSED)
    wait_writable (self);
}

typedef struct
{
  GSource           source;
  ConfabPeerShared *shared;  /* (unowned) */
} FlushSource;

static gboolean
flush_source_dispatch (GSource     *source,
                       GSourceFunc  callback,
                       gpointer     user_data)
{
  ConfabPeerShared *shared = ((FlushSource *) source)->shared;
  guint n = shared->flush_queue.length;

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
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs = {
  .dispatch = flush_source_dispatch,
};

static void
schedule_flush (ConfabPeer *self)
{
  ConfabPeerShared *shared = self->shared;

  if (self->flush_link.data != NULL || self->state == PEER_CLOSED)
    return;

  self->flush_link.data = g_object_ref (self);
  g_queue_push_tail_link (&shared->flush_queue, &self->flush_link);
  g_source_set_ready_time (shared->flush_source, 0);
}

static void
unschedule_flush (ConfabPeer *self)
{
  if (self->flush_link.data == NULL)
    return;

  g_queue_unlink (&self->shared->flush_queue, &self->flush_link);
  self->flush_link.data = NULL;
  /* The queue's reference: the caller still holds its own. */
  g_object_unref (self);
}

/* ---- the broker's sink ------------------------------------------------ */

static void
sink_wake (gpointer sink_data)
{
  schedule_flush (CONFAB_PEER (sink_data));
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
  self->state = PEER_CLOSING;
  self->drop_queue = !flush;
  g_clear_pointer (&self->read_source, source_destroy_and_unref);
  schedule_flush (self);
}

static const ConfabBrokerSink peer_sink = {
  .wake = sink_wake,
  .close = sink_close,
};

/* ---- closing --------------------------------------------------------- */

static void
source_destroy_and_unref (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
peer_close_now (ConfabPeer *self)
{
  g_autoptr(ConfabPeer) ref = g_object_ref (self);

  if (self->state == PEER_CLOSED)
    return;

  self->state = PEER_CLOSED;
  g_clear_pointer (&self->read_source, source_destroy_and_unref);
  g_clear_pointer (&self->write_source, source_destroy_and_unref);
  g_clear_pointer (&self->timer_source, source_destroy_and_unref);
  unschedule_flush (self);

  if (self->entry != NULL)
    {
      confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_QUIT);
      discard_queue (self);
    }
  g_clear_pointer (&self->carry, confab_message_unref);
  g_clear_pointer (&self->unsent, g_free);
  confab_framer_clear (&self->framer);

  g_socket_close (self->socket, NULL);
  g_debug ("connection from %s closed", self->address);

  if (self->shared->closed_func != NULL)
    self->shared->closed_func (self, self->shared->closed_data);
}

static gboolean
on_linger_timeout (gpointer user_data)
{
  ConfabPeer *self = user_data;

  g_clear_pointer (&self->timer_source, g_source_unref);
  peer_close_now (self);
  return G_SOURCE_REMOVE;
}

static gboolean on_readable (GSocket      *socket,
                             GIOCondition  condition,
                             gpointer      user_data);

static void
watch_readable (ConfabPeer *self)
{
  self->read_source = g_socket_create_source (self->socket, G_IO_IN, NULL);
  g_source_set_callback (self->read_source, (GSourceFunc) G_CALLBACK (on_readable), self, NULL);
  g_source_attach (self->read_source, g_main_context_get_thread_default ());
}

static GSource *
add_seconds_timer (ConfabPeer  *self,
                   guint        seconds,
                   GSourceFunc  func)
{
  GSource *source = g_timeout_source_new_seconds (seconds);

  g_source_set_callback (source, func, self, NULL);
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

/* Everything is delivered: shut the write side so the client sees EOF
 * after the last line, then wait (briefly) for it to close its side. */
static void
peer_begin_close (ConfabPeer *self)
{
  if (self->state == PEER_CLOSED || self->state == PEER_LINGER)
    return;

  if (self->entry != NULL)
    confab_broker_leave (self->shared->broker, self->entry, CONFAB_REASON_QUIT);

  if (self->eof_seen || !g_socket_shutdown (self->socket, FALSE, TRUE, NULL))
    {
      peer_close_now (self);
      return;
    }

  self->state = PEER_LINGER;
  confab_framer_clear (&self->framer);
  g_clear_pointer (&self->timer_source, source_destroy_and_unref);
  self->timer_source = add_seconds_timer (self, LINGER_SECONDS, on_linger_timeout);
  if (self->read_source == NULL)
    watch_readable (self);
}

/* A fatal error line, sent ahead of anything else queued, then close. */
static void
close_with_error (ConfabPeer  *self,
                  ConfabError  code,
                  const char  *text)
{
  gsize len;
  g_autofree char *line = format_error (self, code, text, &len);

  if (self->entry != NULL)
    {
      confab_broker_leave (self->shared->broker, self->entry, text);
      /* What was queued is dropped, so the error is not cut off by it. */
      discard_queue (self);
      g_clear_pointer (&self->carry, confab_message_unref);
    }

  self->state = PEER_CLOSING;
  g_clear_pointer (&self->read_source, source_destroy_and_unref);
  if (self->unsent == NULL)
    {
      keep_unsent (self, line, len);
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
  schedule_flush (self);
}

/* ---- input ----------------------------------------------------------- */

static gboolean
on_login_timeout (gpointer user_data)
{
  ConfabPeer *self = user_data;

  g_clear_pointer (&self->timer_source, g_source_unref);
  if (self->state == PEER_LOGIN)
    {
      g_debug ("login timeout for %s", self->address);
      confab_broker_count_rejected_login (self->shared->broker);
      close_with_error (self, CONFAB_ERROR_LOGIN_TIMEOUT, "login timeout");
    }
  return G_SOURCE_REMOVE;
}

/* Queues a reply for this connection alone, in order with its output. */
static void
reply (ConfabPeer *self,
       char       *line,
       gsize       len)
{
  g_autoptr(ConfabMessage) message = confab_message_new_raw (line, len);

  confab_broker_send_message (self->shared->broker, self->entry, message);
}

static void
reply_peers (ConfabPeer *self)
{
  g_autoptr(GPtrArray) peers = confab_broker_list_peers (self->shared->broker);
  g_autofree const char **names = g_new0 (const char *, peers->len + 1);
  g_autofree char *line = NULL;
  gsize len;

  for (guint i = 0; i < peers->len; i++)
    names[i] = confab_broker_peer_get_name (g_ptr_array_index (peers, i));

  if (self->protocol == PROTOCOL_JSON)
    {
      line = confab_json_encode_peers (names, peers->len, &len);
    }
  else
    {
      g_autofree char *joined = g_strjoinv (" ", (char **) names);

      line = g_strconcat ("peers: ", joined, "\n", NULL);
      len = strlen (line);
    }
  reply (self, line, len);
}

static void
login (ConfabPeer *self,
       const char *name)
{
  g_autoptr(GError) error = NULL;

  self->entry = confab_broker_join (self->shared->broker, name, self->address,
                                    self->protocol == PROTOCOL_JSON ? "json" : "text",
                                    &peer_sink, self, &error);
  if (self->entry == NULL)
    {
      close_with_error (self, error->code, error->message);
      return;
    }

  self->state = PEER_ACTIVE;
  g_clear_pointer (&self->timer_source, source_destroy_and_unref);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    CONFAB_LOG_FIELD_PEER, name,
                    CONFAB_LOG_FIELD_ADDRESS, self->address,
                    CONFAB_LOG_FIELD_EVENT, "login",
                    "MESSAGE", "%s logged in from %s", name, self->address);

  if (self->protocol == PROTOCOL_JSON)
    {
      gsize len;
      g_autofree char *welcome = confab_json_encode_welcome (name, &len);

      reply (self, welcome, len);
    }
}

static void
handle_login (ConfabPeer *self,
              char       *line,
              gsize       len)
{
  g_autoptr(GError) error = NULL;
  const char *name;

  if (confab_json_is_json_line (line, len))
    {
      ConfabJsonRequest request;

      self->protocol = PROTOCOL_JSON;
      if (!confab_json_parse_request (line, len, self->shared->limits.recipients_max,
                                      &request, NULL, &error))
        {
          confab_broker_count_rejected_login (self->shared->broker);
          close_with_error (self, error->code, error->message);
          return;
        }
      if (request.type != CONFAB_JSON_REQUEST_LOGIN)
        {
          confab_json_request_clear (&request);
          confab_broker_count_rejected_login (self->shared->broker);
          close_with_error (self, CONFAB_ERROR_BAD_MESSAGE, "the first frame must be a login");
          return;
        }
      login (self, request.name);
      confab_json_request_clear (&request);
      return;
    }

  if (!confab_text_parse_login (line, len, &name, &error))
    {
      confab_broker_count_rejected_login (self->shared->broker);
      close_with_error (self, error->code, error->message);
      return;
    }
  login (self, name);
}

/* The one command of the text protocol; it has no ':' and so can never
 * be a chat line. */
static gboolean
is_peers_command (const char *line,
                  gsize       len)
{
  while (len > 0 && g_ascii_isspace (line[len - 1]))
    len--;
  while (len > 0 && g_ascii_isspace (*line))
    line++, len--;
  return len == strlen ("/peers") && memcmp (line, "/peers", len) == 0;
}

static void
handle_text_message (ConfabPeer *self,
                     char       *line,
                     gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabTextMessage parsed;

  if (is_peers_command (line, len))
    {
      reply_peers (self);
      return;
    }

  if (!confab_text_parse_message (line, len, self->shared->limits.recipients_max,
                                  &parsed, &error))
    {
      confab_broker_send_error (self->shared->broker, self->entry,
                                error->code, error->message);
      return;
    }

  message = confab_message_new_chat (confab_broker_peer_get_name (self->entry),
                                     parsed.recipients, parsed.n_recipients,
                                     parsed.text, parsed.text_len, 0);
  confab_broker_route (self->shared->broker, self->entry,
                       parsed.recipients, parsed.n_recipients, message);
}

static void
handle_json_message (ConfabPeer *self,
                     char       *line,
                     gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabJsonRequest request;

  if (!confab_json_parse_request (line, len, self->shared->limits.recipients_max,
                                  &request, NULL, &error))
    {
      confab_broker_send_error (self->shared->broker, self->entry,
                                error->code, error->message);
      return;
    }

  switch (request.type)
    {
    case CONFAB_JSON_REQUEST_MESSAGE:
      message = confab_message_new_chat (confab_broker_peer_get_name (self->entry),
                                         (const char * const *) request.to, request.n_to,
                                         request.text, request.text_len, 0);
      confab_broker_route (self->shared->broker, self->entry,
                           (const char * const *) request.to, request.n_to, message);
      break;

    case CONFAB_JSON_REQUEST_PEERS:
      reply_peers (self);
      break;

    case CONFAB_JSON_REQUEST_LOGIN:
    default:
      confab_broker_send_error (self->shared->broker, self->entry,
                                CONFAB_ERROR_BAD_MESSAGE, "already logged in");
      break;
    }
  confab_json_request_clear (&request);
}

static gboolean
on_line (char     *line,
         gsize     len,
         gpointer  user_data)
{
  ConfabPeer *self = user_data;

  switch (self->state)
    {
    case PEER_LOGIN:
      handle_login (self, line, len);
      break;

    case PEER_ACTIVE:
      if (self->protocol == PROTOCOL_JSON)
        handle_json_message (self, line, len);
      else
        handle_text_message (self, line, len);
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
handle_eof (ConfabPeer *self)
{
  self->eof_seen = TRUE;
  g_clear_pointer (&self->read_source, source_destroy_and_unref);

  if (self->state == PEER_LINGER)
    {
      peer_close_now (self);
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
  schedule_flush (self);
}

static gboolean
on_readable (GSocket      *socket,
             GIOCondition  condition,
             gpointer      user_data)
{
  ConfabPeer *self = user_data;
  g_autoptr(ConfabPeer) ref = g_object_ref (self);
  g_autoptr(GError) error = NULL;
  ConfabPeerShared *shared = self->shared;
  ConfabFramerStatus status;
  gssize n;

  n = g_socket_receive_with_blocking (socket, shared->recv_buf, shared->recv_buf_size,
                                      FALSE, NULL, &error);
  if (n < 0)
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
        return G_SOURCE_CONTINUE;
      g_debug ("receive from %s failed: %s", self->address, error->message);
      if (self->entry != NULL)
        confab_broker_leave (shared->broker, self->entry, CONFAB_REASON_ERROR);
      peer_close_now (self);
      return G_SOURCE_CONTINUE;
    }

  if (n == 0)
    {
      handle_eof (self);
      return G_SOURCE_CONTINUE;
    }

  if (self->state >= PEER_CLOSING)
    return G_SOURCE_CONTINUE;  /* lingering: input is discarded */

  if (self->entry != NULL)
    confab_broker_peer_received (self->entry, n);

  status = confab_framer_feed (&self->framer, shared->recv_buf, n,
                               shared->limits.line_max_bytes, on_line, self);
  if (status == CONFAB_FRAMER_TOO_LONG && self->state <= PEER_ACTIVE)
    {
      g_autofree char *text = g_strdup_printf ("line too long (limit %u bytes)",
                                               shared->limits.line_max_bytes);

      if (self->state == PEER_LOGIN)
        confab_broker_count_rejected_login (shared->broker);
      close_with_error (self, CONFAB_ERROR_LINE_TOO_LONG, text);
    }

  return G_SOURCE_CONTINUE;
}

/* ---- public ---------------------------------------------------------- */

/**
 * confab_peer_reject:
 * @text: plain words, sent as "error: TEXT"
 *
 * Refuses a connection that has not logged in (server full, shutdown).
 */
void
confab_peer_reject (ConfabPeer  *self,
                    ConfabError  code,
                    const char  *text)
{
  g_return_if_fail (CONFAB_IS_PEER (self));

  if (self->state != PEER_LOGIN)
    return;
  confab_broker_count_rejected_login (self->shared->broker);
  close_with_error (self, code, text);
}

/**
 * confab_peer_shutdown:
 *
 * For a connection the broker does not know yet (no login): tell it the
 * server is shutting down and close. Logged-in peers are closed through
 * confab_broker_shutdown(), in order with their queues.
 */
void
confab_peer_shutdown (ConfabPeer *self)
{
  g_return_if_fail (CONFAB_IS_PEER (self));

  if (self->state == PEER_LOGIN)
    close_with_error (self, CONFAB_ERROR_SHUTTING_DOWN, "server shutting down");
}

/* Closes at once, dropping whatever is still queued (shutdown timeout). */
void
confab_peer_abort (ConfabPeer *self)
{
  g_return_if_fail (CONFAB_IS_PEER (self));

  peer_close_now (self);
}

const char *
confab_peer_get_address (ConfabPeer *self)
{
  g_return_val_if_fail (CONFAB_IS_PEER (self), NULL);

  return self->address;
}

gboolean
confab_peer_is_closed (ConfabPeer *self)
{
  g_return_val_if_fail (CONFAB_IS_PEER (self), TRUE);

  return self->state == PEER_CLOSED;
}

static char *
describe_remote (GSocketConnection *connection)
{
  g_autoptr(GSocketAddress) remote = NULL;

  if (G_IS_UNIX_CONNECTION (connection))
    {
      g_autoptr(GCredentials) credentials = NULL;

      credentials = g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);
      if (credentials != NULL)
        return g_strdup_printf ("unix:uid=%u", (guint) g_credentials_get_unix_user (credentials, NULL));
      return g_strdup ("unix:");
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
  self->address = describe_remote (connection);

  g_socket_set_blocking (self->socket, FALSE);
  if (g_socket_get_family (self->socket) != G_SOCKET_FAMILY_UNIX)
    {
      /* Without it, small lines wait for the peer's delayed ACK. */
      g_socket_set_option (self->socket, IPPROTO_TCP, TCP_NODELAY, 1, NULL);
    }

  watch_readable (self);
  self->timer_source = add_seconds_timer (self, shared->limits.login_timeout_sec,
                                          on_login_timeout);
  g_debug ("connection from %s", self->address);
  return self;
}

static void
confab_peer_finalize (GObject *object)
{
  ConfabPeer *self = CONFAB_PEER (object);

  g_assert (self->flush_link.data == NULL);
  g_clear_pointer (&self->read_source, source_destroy_and_unref);
  g_clear_pointer (&self->write_source, source_destroy_and_unref);
  g_clear_pointer (&self->timer_source, source_destroy_and_unref);
  g_clear_pointer (&self->entry, confab_broker_peer_unref);
  g_clear_pointer (&self->carry, confab_message_unref);
  g_clear_pointer (&self->unsent, g_free);
  confab_framer_clear (&self->framer);
  g_clear_object (&self->connection);
  g_free (self->address);

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
}

/* ---- shared state ---------------------------------------------------- */

void
confab_peer_shared_init (ConfabPeerShared       *shared,
                         ConfabBroker           *broker,
                         const ConfabPeerLimits *limits,
                         ConfabPeerClosedFunc    closed_func,
                         gpointer                closed_data)
{
  memset (shared, 0, sizeof *shared);
  shared->broker = g_object_ref (broker);
  shared->limits = *limits;
  shared->recv_buf_size = RECV_BUF_SIZE;
  shared->recv_buf = g_malloc (RECV_BUF_SIZE);
  shared->send_buf_size = SEND_BUF_SIZE;
  shared->send_buf = g_malloc (SEND_BUF_SIZE);
  g_queue_init (&shared->flush_queue);
  shared->closed_func = closed_func;
  shared->closed_data = closed_data;

  /* Same priority as the sockets: a flush runs in every iteration that
   * reads, so output is never starved by a busy input side. */
  shared->flush_source = g_source_new (&flush_source_funcs, sizeof (FlushSource));
  ((FlushSource *) shared->flush_source)->shared = shared;
  g_source_set_name (shared->flush_source, "confab flush");
  g_source_attach (shared->flush_source, g_main_context_get_thread_default ());
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
  g_clear_pointer (&shared->flush_source, source_destroy_and_unref);
  g_clear_object (&shared->broker);
  g_clear_pointer (&shared->recv_buf, g_free);
  g_clear_pointer (&shared->send_buf, g_free);
}
