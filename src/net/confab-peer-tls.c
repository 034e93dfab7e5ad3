/* confab-peer-tls.c: a connection over TLS (tls: and ircs:, SPEC §11).
 *
 * Plain connections are served readiness-style on their socket (the
 * poller, direct receive and send); a TLS connection cannot be: GnuTLS
 * may hold decrypted bytes the socket no longer signals, and a read may
 * need to write (or a write to read) mid-handshake. So a TLS connection
 * takes GIO's pollable-stream path instead: the GTlsServerConnection's
 * streams, read and written without blocking, and watched with the
 * pollable sources GIO makes for them, which know about those bytes.
 * The rest of the connection is the same: the same framer, session,
 * queue, scheduler turns, output bounds and close reasons.
 *
 * The handshake runs asynchronously on the main context and must end
 * within the login timeout (the timer armed for every new connection);
 * nothing is read or written for the connection before it has. A client
 * certificate is asked for, not required, and taken whoever signed it:
 * it names no one by itself. What it can do is log in to an account
 * whose line lists its SHA-256 fingerprint (SPEC §11), so the account
 * file, not a CA, decides whom it stands for. Closing
 * sends close_notify once the last line is out (the linger), and the
 * socket is closed by the connection as for any other.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-peer-private.h"

/* Any client certificate is taken (see above); its fingerprint is what
 * counts. */
static gboolean
accept_certificate_cb (GTlsConnection      *connection,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  return TRUE;
}

/* The SHA-256 fingerprint of the client's certificate, as the accounts
 * file spells it (64 lower-case hex digits); %NULL if it sent none. */
static char *
dup_peer_certfp (GTlsConnection *tls)
{
  GTlsCertificate *certificate = g_tls_connection_get_peer_certificate (tls);
  g_autoptr(GByteArray) der = NULL;

  if (certificate == NULL)
    return NULL;
  g_object_get (certificate, "certificate", &der, NULL);
  if (der == NULL)
    return NULL;
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, der->data, der->len);
}

static void
handshake_done_cb (GObject      *source,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(ConfabPeer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_tls_connection_handshake_finish (G_TLS_CONNECTION (source), result, &error))
    {
      /* Closed meanwhile (its timeout, a shutdown): nothing to report. */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) || self->state == PEER_CLOSED)
        return;
    }
  else
    {
      self->tls_ready = TRUE;
      self->tls_certfp = dup_peer_certfp (self->tls);
    }
  self->events->tls_ready (self, error);
}

/**
 * confab_peer_tls_start:
 * @certificate: the server's certificate, with its private key
 *
 * Wraps the connection in TLS and starts the handshake; the connection's
 * tls_ready event says how it ended.
 *
 * Returns: %FALSE with @error if there is no TLS (glib-networking
 *   missing): the connection cannot be served
 */
gboolean
confab_peer_tls_start (ConfabPeer      *self,
                       GTlsCertificate *certificate,
                       GError         **error)
{
  GTlsBackend *backend = g_tls_backend_get_default ();
  GIOStream   *tls;

  /* What g_tls_server_connection_new() does, with no certificate
   * database: nothing here checks a client's certificate against CAs,
   * and with the default database glib-networking 2.74 gives every
   * connection credentials of its own holding the whole system trust,
   * read and parsed again each time (about 20 ms of CPU and 3.8 MB for
   * each connection, for as long as it lasts; docs/performance.md). */
  tls = g_initable_new (g_tls_backend_get_server_connection_type (backend), NULL, error, "base-io-stream",
                        self->connection, "certificate", certificate, "database", NULL, NULL);
  if (tls == NULL)
    return FALSE;
  self->tls = G_TLS_CONNECTION (tls);
  self->tls_cancellable = g_cancellable_new ();
  /* A client that hangs up without close_notify ends its session as
   * any other does: with EOF. */
  g_tls_connection_set_require_close_notify (self->tls, FALSE);
  g_object_set (tls, "authentication-mode", G_TLS_AUTHENTICATION_REQUESTED, NULL);
  g_signal_connect (tls, "accept-certificate", G_CALLBACK (accept_certificate_cb), NULL);
  g_tls_connection_handshake_async (self->tls, G_PRIORITY_DEFAULT, self->tls_cancellable,
                                    handshake_done_cb, g_object_ref (self));
  return TRUE;
}

/* Returns: bytes read, 0 at EOF, -1 with @error (WOULD_BLOCK: nothing yet) */
gssize
confab_peer_tls_receive (ConfabPeer *self,
                         char       *buf,
                         gsize       size,
                         GError    **error)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (self->tls));

  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buf, size, NULL, error);
}

/* Returns: bytes taken, or -1 with @error (WOULD_BLOCK: no room). After
 * WOULD_BLOCK the same bytes are offered again first, as GnuTLS wants:
 * the output keeps them as its unsent bytes. */
gssize
confab_peer_tls_send (ConfabPeer *self,
                      const char *data,
                      gsize       len,
                      GError    **error)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (self->tls));

  return g_pollable_output_stream_write_nonblocking (G_POLLABLE_OUTPUT_STREAM (output), data, len, NULL,
                                                     error);
}

static gboolean
input_ready_cb (GObject *stream,
                gpointer user_data)
{
  ConfabPeer *self = user_data;

  self->watch.func (G_IO_IN, self->watch.user_data);
  return G_SOURCE_CONTINUE;
}

static gboolean
output_ready_cb (GObject *stream,
                 gpointer user_data)
{
  ConfabPeer *self = user_data;

  self->watch.func (G_IO_OUT, self->watch.user_data);
  return G_SOURCE_CONTINUE;
}

static GSource *
watch_stream (ConfabPeer *self,
              gboolean    input)
{
  GIOStream *stream = G_IO_STREAM (self->tls);
  GSource   *source;

  if (input)
    {
      source = g_pollable_input_stream_create_source (
        G_POLLABLE_INPUT_STREAM (g_io_stream_get_input_stream (stream)), NULL);
      g_source_set_callback (source, G_SOURCE_FUNC (input_ready_cb), self, NULL);
    }
  else
    {
      source = g_pollable_output_stream_create_source (
        G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (stream)), NULL);
      g_source_set_callback (source, G_SOURCE_FUNC (output_ready_cb), self, NULL);
    }
  g_source_set_static_name (source, input ? "confab TLS input" : "confab TLS output");
  g_source_attach (source, g_main_context_get_thread_default ());
  return source;
}

static void
drop_source (GSource **source)
{
  if (*source != NULL)
    {
      g_source_destroy (*source);
      g_clear_pointer (source, g_source_unref);
    }
}

/* confab_peer_set_watching() for a TLS connection: a pollable source for
 * each direction wanted. Nothing is watched until the handshake is done
 * (it does its own waiting). */
void
confab_peer_tls_watch (ConfabPeer *self,
                       gboolean    reading,
                       gboolean    writing)
{
  if (!self->tls_ready)
    reading = writing = FALSE;
  if (reading && self->tls_input == NULL)
    self->tls_input = watch_stream (self, TRUE);
  else if (!reading)
    drop_source (&self->tls_input);
  if (writing && self->tls_output == NULL)
    self->tls_output = watch_stream (self, FALSE);
  else if (!writing)
    drop_source (&self->tls_output);
}

static void
output_closed_cb (GObject      *source,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(ConfabPeer) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!g_output_stream_close_finish (G_OUTPUT_STREAM (source), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        return;
      g_debug ("TLS close_notify not sent: %s", error->message);
    }
  self->tls_closing = FALSE;
  /* The client has closed its side (before or since): nothing more will
   * come, and close_notify is out. */
  if (self->state == PEER_LINGER && self->eof_seen)
    confab_peer_finish_close (self);
}

/* The last line is out: close_notify tells the client so (the TLS form
 * of shutting down the write side). If the client has closed its side
 * already, the connection closes once close_notify is out. */
void
confab_peer_tls_shutdown_write (ConfabPeer *self)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (self->tls));

  self->tls_closing = TRUE;
  g_output_stream_close_async (output, G_PRIORITY_DEFAULT, self->tls_cancellable, output_closed_cb,
                               g_object_ref (self));
}

/* The end: pending TLS work is cancelled and the sources go; the
 * connection closes the socket itself. */
void
confab_peer_tls_close (ConfabPeer *self)
{
  if (self->tls == NULL)
    return;
  g_cancellable_cancel (self->tls_cancellable);
  drop_source (&self->tls_input);
  drop_source (&self->tls_output);
}

/* For finalize. */
void
confab_peer_tls_clear (ConfabPeer *self)
{
  confab_peer_tls_close (self);
  g_clear_pointer (&self->tls_certfp, g_free);
  g_clear_object (&self->tls_cancellable);
  g_clear_object (&self->tls);
}
