/* confab-client-session.c: one client connection to a confab server.
 *
 * Reading and writing are asynchronous on the main context: reads go
 * through the project's line framer (so a server line is bounded in
 * memory), writes through a queue of which one write_all is in flight at
 * a time (GIO allows no more on one stream).
 *
 * Ending cleanly. At the end of input the session sends one last peers
 * request and shuts its write side. The server handles lines in order and
 * answers each request after everything sent before it, so once that
 * answer is in, every reply to the user's lines (errors, messages to
 * oneself) has arrived too: the session ends cleanly then, without
 * guessing with a grace period.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "confab-client-session.h"
#include "confab-framer.h"

#define READ_BUFFER_SIZE 16384
/* The longest line a server may send, so that the client takes every
 * legal one and still bounds what a hostile server costs. A peer's line
 * is at most line_max_bytes, whose maximum is 1 MiB (confab.conf(5)).
 * Delivered, its text grows by at most 6 bytes per byte in JSON (\u00XX
 * escapes) and gains a sender, up to recipients_max (at most 1024)
 * recipients of 32 characters (4 bytes each, escaped at most 6 times
 * over) and a few members; in text only "from NAME in #ROOM: ". */
#define PEER_LINE_MAX   (1024 * 1024)
#define RECIPIENTS_MAX  1024
#define NAME_MAX_BYTES  (32 * 4)
#define JSON_ESCAPE_MAX 6
#define SERVER_LINE_MAX (JSON_ESCAPE_MAX * PEER_LINE_MAX + \
                         (RECIPIENTS_MAX + 1) * (JSON_ESCAPE_MAX * NAME_MAX_BYTES + 3) + \
                         4096)
/* After a failed write, how long the read side may take to report how
 * the connection ended (usually at once, with the server's last line). */
#define WRITE_ERROR_GRACE_MS 1000

typedef enum
{
  REQUEST_USER,
  REQUEST_LOGIN,
  REQUEST_SYNC,
} Request;

struct _ConfabClientSession
{
  GObject parent_instance;

  GSocketConnection *connection;  /* (owned) */
  GCancellable      *cancellable; /* (owned): cancelled once closed */
  gboolean           json;
  gboolean           closed;

  /* Reading */
  char        *read_buffer; /* (owned) */
  ConfabFramer framer;
  GQueue       requests; /* (element-type Request): peers requests not yet answered */

  /* Writing */
  GQueue   write_queue;        /* (element-type GBytes) (owned) */
  GBytes  *writing;            /* (owned) (nullable): in flight */
  gsize    queued_bytes;       /* in write_queue and in flight */
  gboolean shutdown_pending;   /* shut the write side once the queue is empty */
  GSource *write_error_source; /* (owned) (nullable) */

  /* Finishing */
  gboolean finishing;
  guint    quiet_timeout_ms;
  GSource *quiet_source; /* (owned) (nullable) */
};

enum
{
  SIGNAL_EVENT,
  SIGNAL_CLOSED,
  SIGNAL_DRAINED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (ConfabClientSession, confab_client_session, G_TYPE_OBJECT)

static void
source_destroy_and_unref (GSource *source)
{
  g_source_destroy (source);
  g_source_unref (source);
}

static void
emit_closed (ConfabClientSession *self,
             gboolean             clean,
             const char          *reason)
{
  if (self->closed)
    return;

  g_debug ("session closed (%s): %s", clean ? "clean" : "not clean",
           reason != NULL ? reason : "finished");
  self->closed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->quiet_source, source_destroy_and_unref);
  g_clear_pointer (&self->write_error_source, source_destroy_and_unref);
  g_signal_emit (self, signals[SIGNAL_CLOSED], 0, clean, reason);
}

/* ---- writing ---------------------------------------------------------- */

static void write_next (ConfabClientSession *self);

static gboolean
write_error_timeout_cb (gpointer user_data)
{
  ConfabClientSession *self = user_data;

  g_clear_pointer (&self->write_error_source, g_source_unref);
  emit_closed (self, FALSE, _ ("the connection was lost"));
  return G_SOURCE_REMOVE;
}

static void
write_cb (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  g_autoptr(ConfabClientSession) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_write_all_finish (G_OUTPUT_STREAM (source), result, NULL, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->closed)
        return;

      /* The server has gone. Its last line (why) is usually still on the
       * way in: let the read side report the end, but not wait long. */
      g_debug ("write failed: %s", error->message);
      g_queue_clear_full (&self->write_queue, (GDestroyNotify) g_bytes_unref);
      g_clear_pointer (&self->writing, g_bytes_unref);
      self->queued_bytes = 0;
      if (self->write_error_source == NULL)
        {
          self->write_error_source = g_timeout_source_new (WRITE_ERROR_GRACE_MS);
          g_source_set_callback (self->write_error_source, write_error_timeout_cb, self, NULL);
          g_source_attach (self->write_error_source, g_main_context_get_thread_default ());
        }
      return;
    }

  self->queued_bytes -= g_bytes_get_size (self->writing);
  g_clear_pointer (&self->writing, g_bytes_unref);
  if (!self->closed)
    write_next (self);
}

static void
output_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error))
    g_debug ("close_notify not sent: %s", error->message);
}

/* Our input has ended: the server sees EOF and still answers what came
 * before it. Over TLS that is close_notify (closing the TLS output
 * stream closes only that direction), since a bare TCP half-close
 * would make the server's side of TLS see a cut connection. */
static void
shut_down_write (ConfabClientSession *self)
{
  g_autoptr(GError) error = NULL;
  GIOStream *stream = G_IO_STREAM (self->connection);

  if (G_IS_TCP_WRAPPER_CONNECTION (stream) &&
      G_IS_TLS_CONNECTION (g_tcp_wrapper_connection_get_base_io_stream (G_TCP_WRAPPER_CONNECTION (stream))))
    {
      g_output_stream_close_async (g_io_stream_get_output_stream (stream), G_PRIORITY_DEFAULT, self->cancellable,
                                   output_closed_cb, NULL);
      return;
    }
  if (!g_socket_shutdown (g_socket_connection_get_socket (self->connection), FALSE, TRUE, &error))
    g_debug ("shutdown failed: %s", error->message);
}

static void
write_next (ConfabClientSession *self)
{
  GOutputStream *out = g_io_stream_get_output_stream (G_IO_STREAM (self->connection));
  gconstpointer  data;
  gsize          size;

  g_assert (self->writing == NULL);

  self->writing = g_queue_pop_head (&self->write_queue);
  if (self->writing == NULL)
    {
      if (self->shutdown_pending)
        {
          self->shutdown_pending = FALSE;
          shut_down_write (self);
        }
      g_signal_emit (self, signals[SIGNAL_DRAINED], 0);
      return;
    }

  data = g_bytes_get_data (self->writing, &size);
  g_output_stream_write_all_async (out, data, size, G_PRIORITY_DEFAULT,
                                   self->cancellable, write_cb, g_object_ref (self));
}

/* Queues @line (a complete wire line, "\n" included), taking it. */
static void
queue_line (ConfabClientSession *self,
            char                *line)
{
  GBytes *bytes;

  if (self->closed || self->write_error_source != NULL)
    {
      g_free (line);
      return;
    }

  bytes = g_bytes_new_take (line, strlen (line));
  self->queued_bytes += g_bytes_get_size (bytes);
  g_queue_push_tail (&self->write_queue, bytes);
  if (self->writing == NULL)
    write_next (self);
}

static void
queue_request (ConfabClientSession *self,
               Request              request)
{
  g_queue_push_tail (&self->requests, GUINT_TO_POINTER (request));
  queue_line (self, confab_client_encode_peers (self->json));
}

/* ---- reading ---------------------------------------------------------- */

static void
dispatch (ConfabClientSession *self,
          ConfabClientEvent   *event)
{
  ConfabClientOrigin origin = CONFAB_CLIENT_ORIGIN_NONE;

  if (event->kind == CONFAB_CLIENT_EVENT_PEERS && !g_queue_is_empty (&self->requests))
    {
      switch (GPOINTER_TO_UINT (g_queue_pop_head (&self->requests)))
        {
        case REQUEST_SYNC:
          emit_closed (self, TRUE, NULL);
          return;
        case REQUEST_LOGIN:
          origin = CONFAB_CLIENT_ORIGIN_LOGIN;
          break;
        case REQUEST_USER:
        default:
          origin = CONFAB_CLIENT_ORIGIN_USER;
          break;
        }
    }

  g_signal_emit (self, signals[SIGNAL_EVENT], 0, event, (int) origin);
}

static gboolean
line_cb (char    *line,
         gsize    len,
         gpointer user_data)
{
  ConfabClientSession *self = user_data;
  g_autoptr(ConfabClientEvent) event = NULL;

  if (self->closed)
    return FALSE;

  if (self->json)
    {
      g_autoptr(GError) error = NULL;

      event = confab_client_decode_json (line, len, &error);
      if (event == NULL)
        {
          /* Shown like a server error: it is one, of another kind. */
          event = g_new0 (ConfabClientEvent, 1);
          event->kind = CONFAB_CLIENT_EVENT_ERROR;
          event->json = TRUE;
          event->line = g_strndup (line, len);
          event->text = g_strdup (error->message);
        }
    }
  else
    {
      event = confab_client_decode_text (line, len);
    }

  dispatch (self, event);
  return !self->closed;
}

static gboolean
quiet_timeout_cb (gpointer user_data)
{
  ConfabClientSession *self = user_data;

  g_clear_pointer (&self->quiet_source, g_source_unref);
  emit_closed (self, FALSE, _ ("the server did not answer after the end of input"));
  return G_SOURCE_REMOVE;
}

static void
restart_quiet_timer (ConfabClientSession *self)
{
  if (!self->finishing || self->closed)
    return;

  g_clear_pointer (&self->quiet_source, source_destroy_and_unref);
  self->quiet_source = g_timeout_source_new (self->quiet_timeout_ms);
  g_source_set_callback (self->quiet_source, quiet_timeout_cb, self, NULL);
  g_source_attach (self->quiet_source, g_main_context_get_thread_default ());
}

static void read_next (ConfabClientSession *self);

static void
read_cb (GObject      *source,
         GAsyncResult *result,
         gpointer      user_data)
{
  g_autoptr(ConfabClientSession) self = user_data;
  g_autoptr(GError) error = NULL;
  gssize n;

  n = g_input_stream_read_finish (G_INPUT_STREAM (source), result, &error);
  if (self->closed)
    return;

  if (n < 0)
    {
      g_autofree char *reason = g_strdup_printf (_ ("the connection was lost: %s"),
                                                 error->message);
      emit_closed (self, FALSE, reason);
      return;
    }

  if (n == 0)
    {
      /* A last line without its "\n" is still shown. */
      if (confab_framer_has_pending (&self->framer))
        {
          char newline[] = "\n";

          confab_framer_feed (&self->framer, newline, 1, SERVER_LINE_MAX, line_cb, self);
        }
      emit_closed (self, FALSE, _ ("the server closed the connection"));
      return;
    }

  restart_quiet_timer (self);
  if (confab_framer_feed (&self->framer, self->read_buffer, n, SERVER_LINE_MAX,
                          line_cb, self) == CONFAB_FRAMER_TOO_LONG)
    {
      emit_closed (self, FALSE, _ ("the server sent a line longer than any server may send"));
      return;
    }

  if (!self->closed)
    read_next (self);
}

static void
read_next (ConfabClientSession *self)
{
  GInputStream *in = g_io_stream_get_input_stream (G_IO_STREAM (self->connection));

  g_input_stream_read_async (in, self->read_buffer, READ_BUFFER_SIZE, G_PRIORITY_DEFAULT,
                             self->cancellable, read_cb, g_object_ref (self));
}

/* ---- object ----------------------------------------------------------- */

static void
confab_client_session_dispose (GObject *object)
{
  ConfabClientSession *self = CONFAB_CLIENT_SESSION (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->quiet_source, source_destroy_and_unref);
  g_clear_pointer (&self->write_error_source, source_destroy_and_unref);
  if (self->connection != NULL)
    {
      g_io_stream_close (G_IO_STREAM (self->connection), NULL, NULL);
      g_clear_object (&self->connection);
    }

  G_OBJECT_CLASS (confab_client_session_parent_class)->dispose (object);
}

static void
confab_client_session_finalize (GObject *object)
{
  ConfabClientSession *self = CONFAB_CLIENT_SESSION (object);

  g_queue_clear_full (&self->write_queue, (GDestroyNotify) g_bytes_unref);
  g_queue_clear (&self->requests);
  g_clear_pointer (&self->writing, g_bytes_unref);
  confab_framer_clear (&self->framer);
  g_free (self->read_buffer);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (confab_client_session_parent_class)->finalize (object);
}

static void
confab_client_session_class_init (ConfabClientSessionClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_client_session_dispose;
  object_class->finalize = confab_client_session_finalize;

  signals[SIGNAL_EVENT] =
    g_signal_new ("event", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_POINTER, G_TYPE_INT);
  signals[SIGNAL_CLOSED] =
    g_signal_new ("closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_BOOLEAN, G_TYPE_STRING);
  signals[SIGNAL_DRAINED] =
    g_signal_new ("drained", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
confab_client_session_init (ConfabClientSession *self)
{
  self->cancellable = g_cancellable_new ();
  self->read_buffer = g_malloc (READ_BUFFER_SIZE);
  confab_framer_init (&self->framer);
  g_queue_init (&self->write_queue);
  g_queue_init (&self->requests);
}

ConfabClientSession *
confab_client_session_new (GSocketConnection *connection,
                           gboolean           json)
{
  ConfabClientSession *self;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTION (connection), NULL);

  self = g_object_new (CONFAB_TYPE_CLIENT_SESSION, NULL);
  self->connection = g_object_ref (connection);
  self->json = json;
  read_next (self);
  return self;
}

void
confab_client_session_login (ConfabClientSession *self,
                             const char          *name,
                             gboolean             confirm)
{
  g_return_if_fail (CONFAB_IS_CLIENT_SESSION (self));
  g_return_if_fail (name != NULL);

  queue_line (self, confab_client_encode_login (self->json, name));
  if (confirm)
    queue_request (self, REQUEST_LOGIN);
}

gboolean
confab_client_session_send_line (ConfabClientSession *self,
                                 const char          *line,
                                 GError             **error)
{
  g_auto(GStrv) to = NULL;
  g_autofree char *text = NULL;
  g_autofree char *trimmed = NULL;

  g_return_val_if_fail (CONFAB_IS_CLIENT_SESSION (self), FALSE);
  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  trimmed = g_strstrip (g_strdup (line));
  if (g_str_equal (trimmed, "/peers"))
    {
      queue_request (self, REQUEST_USER);
      return TRUE;
    }

  if (!self->json)
    {
      queue_line (self, g_strconcat (line, "\n", NULL));
      return TRUE;
    }

  if (!confab_client_parse_input (line, &to, &text, error))
    return FALSE;
  queue_line (self, confab_client_encode_json_message ((const char * const *) to, text));
  return TRUE;
}

/* Sends a room command (not /room, which is the client's own). */
void
confab_client_session_send_room_request (ConfabClientSession           *self,
                                         const ConfabClientRoomRequest *request)
{
  g_return_if_fail (CONFAB_IS_CLIENT_SESSION (self));

  queue_line (self, confab_client_encode_room_request (self->json, request));
}

gsize
confab_client_session_get_queued (ConfabClientSession *self)
{
  g_return_val_if_fail (CONFAB_IS_CLIENT_SESSION (self), 0);

  return self->queued_bytes;
}

void
confab_client_session_finish (ConfabClientSession *self,
                              guint                quiet_timeout_ms)
{
  g_return_if_fail (CONFAB_IS_CLIENT_SESSION (self));

  if (self->closed || self->finishing)
    return;

  self->finishing = TRUE;
  self->quiet_timeout_ms = quiet_timeout_ms;
  queue_request (self, REQUEST_SYNC);
  self->shutdown_pending = TRUE;
  if (self->writing == NULL)
    write_next (self); /* the queue was empty: shut down now */
  restart_quiet_timer (self);
}

void
confab_client_session_close (ConfabClientSession *self,
                             const char          *reason)
{
  g_return_if_fail (CONFAB_IS_CLIENT_SESSION (self));

  emit_closed (self, FALSE, reason);
}
