/* confab-peer-tls.c: a connection over TLS (tls: and ircs:, SPEC §11).
 *
 * A TLS connection is served as a plain one is: readiness-style, its
 * socket in the poller (one epoll set for all connections), with the
 * same framer, session, queue, scheduler turns, output bounds and close
 * reasons. Only its reads and writes go through the GTlsServerConnection's
 * streams, without blocking.
 *
 * That the socket's readiness is enough rests on two things. GnuTLS reads
 * from the socket a record at a time, exactly its bytes, and a read that
 * has room for a whole record (at most 16 KiB of plain text, RFC 8446
 * 5.1) takes all of it: so after every read nothing decrypted waits in
 * GnuTLS, and whatever it has not read yet is still in the socket, whose
 * readiness says so. And nothing else reads or writes on the connection
 * while it is watched: GIO's TLS does work of its own, in a thread, only
 * for the handshake and for the closing close_notify, and the socket is
 * not watched during either.
 *
 * It used to be watched with GIO's pollable sources for the TLS streams:
 * a GSource per connection in the main context, which GLib 2.74 polls and
 * prepares on every iteration, O(connections), and whose child sources
 * come and go with each read and write (docs/performance.md, "TLS").
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

#include <errno.h>
#include <sys/socket.h>

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

/* The most plain text a TLS record holds (RFC 8446 5.1, RFC 5246 6.2.1). */
#define TLS_RECORD_MAX (16 * 1024)

/* Returns: bytes read, 0 at EOF, -1 with @error (WOULD_BLOCK: nothing
 * yet). @size has room for a whole record, so GnuTLS keeps no decrypted
 * bytes back (see the top of the file).
 *
 * The socket is looked at first: a client that shuts its TCP side
 * without close_notify (a half-close, or a hang-up) would be, to GnuTLS,
 * a premature end that invalidates the session, and nothing could be
 * written after it: neither the answers still owed nor close_notify. Its
 * FIN is seen here instead and ends the input as any EOF does. */
gssize
confab_peer_tls_receive (ConfabPeer *self,
                         char       *buf,
                         gsize       size,
                         GError    **error)
{
  GInputStream *input = g_io_stream_get_input_stream (G_IO_STREAM (self->tls));
  char          probe;
  gssize        n;

  g_assert (size >= TLS_RECORD_MAX);
  do
    n = recv (g_socket_get_fd (self->socket), &probe, 1, MSG_PEEK | MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n == 0)
    return 0;
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK, "no input yet");
      return -1;
    }
  /* Bytes (or a socket error, which the TLS read reports). */
  return g_pollable_input_stream_read_nonblocking (G_POLLABLE_INPUT_STREAM (input), buf, size, NULL, error);
}

/* Returns: bytes taken, or -1 with @error (WOULD_BLOCK: no room). After
 * WOULD_BLOCK the same bytes are offered again first, as GnuTLS wants:
 * the output keeps them as its unsent bytes. A write takes one record
 * (16 KiB) at most, so this writes record after record while the socket
 * takes them: a short count means the socket is full, as for a plain
 * send(). */
gssize
confab_peer_tls_send (ConfabPeer *self,
                      const char *data,
                      gsize       len,
                      GError    **error)
{
  GPollableOutputStream *output = G_POLLABLE_OUTPUT_STREAM (g_io_stream_get_output_stream (G_IO_STREAM (self->tls)));
  gsize                  sent = 0;

  while (sent < len)
    {
      g_autoptr(GError) local_error = NULL;
      gssize n = g_pollable_output_stream_write_nonblocking (output, data + sent, len - sent, NULL, &local_error);

      if (n > 0)
        {
          sent += n;
          continue;
        }
      if (sent > 0)
        break; /* the socket is full, or failed: the next send says which */
      g_propagate_error (error, g_steal_pointer (&local_error));
      return n;
    }
  return sent;
}

/* Whether the connection's socket may be watched: not before the
 * handshake is done (it does its own waiting), nor while close_notify is
 * being sent (GIO's TLS holds the connection meanwhile, and a read would
 * only say WOULD_BLOCK, again and again while the socket is readable). */
gboolean
confab_peer_tls_may_watch (ConfabPeer *self)
{
  return self->tls_ready && !self->tls_closing;
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
  /* Lingering still: the socket is watched again for the client's end. */
  else if (self->state != PEER_CLOSED)
    confab_peer_set_watching (self, self->reading, self->writing);
}

/* The last line is out: close_notify tells the client so (the TLS form
 * of shutting down the write side). If the client has closed its side
 * already, the connection closes once close_notify is out. */
void
confab_peer_tls_shutdown_write (ConfabPeer *self)
{
  GOutputStream *output = g_io_stream_get_output_stream (G_IO_STREAM (self->tls));

  self->tls_closing = TRUE;
  confab_peer_set_watching (self, self->reading, self->writing);
  g_output_stream_close_async (output, G_PRIORITY_DEFAULT, self->tls_cancellable, output_closed_cb,
                               g_object_ref (self));
}

/* The end: pending TLS work is cancelled; the connection stops watching
 * and closes the socket itself. */
void
confab_peer_tls_close (ConfabPeer *self)
{
  if (self->tls == NULL)
    return;
  g_cancellable_cancel (self->tls_cancellable);
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
