/* confab-bench-tls.c: confab-bench over TLS (--tls).
 *
 * Every connection does a TLS handshake (TLS 1.2 or newer) once its TCP
 * connection is up, then the login and the same traffic as in plain
 * text. GnuTLS runs directly on the non-blocking sockets of the epoll
 * loop, so the generator stays as cheap per line as it is without TLS:
 * a window's lines are one record (one gnutls_record_send, one send()),
 * and a read decrypts records into the shared read buffer until GnuTLS
 * says GNUTLS_E_AGAIN or the buffer is full.
 *
 * Two things differ from a plain socket. A record GnuTLS has made but
 * could not send (GNUTLS_E_AGAIN) is sent by calling it again; the bytes
 * it holds are the first ones of the client's output (TLS_AGAIN_OUT), or
 * a small line sent on its own (TLS_AGAIN_SMALL). And decrypted bytes
 * GnuTLS still holds after a read are not signalled by epoll: such a
 * client goes on a list that the loop reads before it waits again
 * (confab-bench.c).
 *
 * Without --ca the server's certificate is not checked at all: the
 * benchmark makes its own (tools/bench-compare tls). With --ca FILE it
 * must be signed by a CA of FILE and name "localhost".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "confab-bench.h"

/* TLS 1.2 and 1.3, GnuTLS's usual algorithms in its usual order. */
#define TLS_PRIORITY_DEFAULT "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2"
#define TLS_SERVER_NAME      "localhost"

/* Non-fatal results (a warning alert) a handshake or read steps over. */
#define TLS_RETRIES 8

/* Records decrypted per read at most; the rest waits for the next turn. */
#define TLS_RECORDS_PER_READ 256

static void
tls_error (Bench      *b,
           Client     *c,
           const char *what,
           int         code)
{
  if (b->tls_errors_shown >= MAX_ERRORS_SHOWN)
    return;
  b->tls_errors_shown++;
  g_printerr ("c%u: TLS %s: %s\n", c->id, what, gnutls_strerror (code));
  if (code == GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR)
    {
      gnutls_datum_t text = { NULL, 0 };

      if (gnutls_certificate_verification_status_print (gnutls_session_get_verify_cert_status (c->tls),
                                                        GNUTLS_CRT_X509, &text, 0) == 0)
        {
          g_printerr ("c%u: %s\n", c->id, (const char *) text.data);
          gnutls_free (text.data);
        }
    }
}

/* Returns: FALSE with @error if GnuTLS cannot be set up as asked. */
gboolean
tls_setup (Bench   *b,
           GError **error)
{
  const char *priority = b->tls_priority != NULL ? b->tls_priority : TLS_PRIORITY_DEFAULT;
  const char *where = NULL;
  int         r;

  r = gnutls_certificate_allocate_credentials (&b->tls_cred);
  if (r < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "GnuTLS credentials: %s", gnutls_strerror (r));
      return FALSE;
    }
  if (b->ca_file != NULL)
    {
      r = gnutls_certificate_set_x509_trust_file (b->tls_cred, b->ca_file, GNUTLS_X509_FMT_PEM);
      if (r <= 0)
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--ca %s: %s", b->ca_file,
                       r < 0 ? gnutls_strerror (r) : "no certificate in it");
          return FALSE;
        }
    }
  r = gnutls_priority_init (&b->tls_prio, priority, &where);
  if (r < 0)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED, "--tls-priority %s: %s%s%s", priority,
                   gnutls_strerror (r), where != NULL ? " at " : "", where != NULL ? where : "");
      return FALSE;
    }
  b->tls_pending = g_new (int, b->n_total);
  return TRUE;
}

void
tls_free (Bench *b)
{
  if (b->tls_prio != NULL)
    gnutls_priority_deinit (b->tls_prio);
  if (b->tls_cred != NULL)
    gnutls_certificate_free_credentials (b->tls_cred);
  g_free (b->tls_pending);
  g_free (b->tls_session_desc);
}

/* The TCP connection is up: starts the handshake on it. */
void
tls_client_start (Bench  *b,
                  Client *c)
{
  int r;

  r = gnutls_init (&c->tls, GNUTLS_CLIENT | GNUTLS_NONBLOCK);
  if (r == 0)
    r = gnutls_priority_set (c->tls, b->tls_prio);
  if (r == 0)
    r = gnutls_credentials_set (c->tls, GNUTLS_CRD_CERTIFICATE, b->tls_cred);
  if (r == 0)
    r = gnutls_server_name_set (c->tls, GNUTLS_NAME_DNS, TLS_SERVER_NAME, strlen (TLS_SERVER_NAME));
  if (r != 0)
    {
      tls_error (b, c, "set-up", r);
      client_close (b, c);
      return;
    }
  if (b->ca_file != NULL)
    gnutls_session_set_verify_cert (c->tls, TLS_SERVER_NAME, 0);
  gnutls_transport_set_int (c->tls, c->fd);
  c->state = CLIENT_HANDSHAKE;
  tls_client_handshake (b, c);
}

/* Takes the handshake as far as the socket allows; once it is done,
 * the login goes out. */
void
tls_client_handshake (Bench  *b,
                      Client *c)
{
  for (int i = 0; i < TLS_RETRIES; i++)
    {
      int r = gnutls_handshake (c->tls);

      if (r == GNUTLS_E_SUCCESS)
        {
          c->t_secured = now_ns ();
          if (b->tls_session_desc == NULL)
            {
              char *desc = gnutls_session_get_desc (c->tls);

              b->tls_session_desc = g_strdup (desc != NULL ? desc : "unknown");
              gnutls_free (desc);
            }
          client_send_login (b, c);
          return;
        }
      if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
        {
          client_set_events (b, c, gnutls_record_get_direction (c->tls) ? EPOLLOUT : EPOLLIN);
          return;
        }
      if (gnutls_error_is_fatal (r))
        {
          tls_error (b, c, "handshake", r);
          client_close (b, c);
          return;
        }
    }
  tls_error (b, c, "handshake", GNUTLS_E_INTERNAL_ERROR);
  client_close (b, c);
}

/* recv() over TLS: decrypts into @buf until it is full or GnuTLS needs
 * more from the socket. Returns: the bytes read, 0 at the end, or -1
 * with errno (EAGAIN: nothing yet). An end or an error after some bytes
 * is seen again by the next read, as the socket stays readable. */
ssize_t
tls_recv (Bench  *b,
          Client *c,
          char   *buf,
          gsize   size)
{
  gsize got = 0;
  int   retries = 0;

  for (int i = 0; i < TLS_RECORDS_PER_READ && got < size; i++)
    {
      ssize_t n = gnutls_record_recv (c->tls, buf + got, size - got);

      if (n > 0)
        {
          got += (gsize) n;
          continue;
        }
      if (got > 0)
        break;
      if (n == 0 || n == GNUTLS_E_PREMATURE_TERMINATION)
        return 0; /* close_notify, or a plain EOF */
      if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
        {
          errno = EAGAIN;
          return -1;
        }
      if (!gnutls_error_is_fatal ((int) n) && ++retries < TLS_RETRIES)
        continue;
      tls_error (b, c, "receive", (int) n);
      errno = EPROTO;
      return -1;
    }
  return (ssize_t) got;
}

/* send() over TLS: one record (up to 16 KiB of @data). Returns: the
 * bytes taken, or -1 with errno (EAGAIN: the record waits in GnuTLS, and
 * the next call, with the same first bytes, sends it). */
ssize_t
tls_send (Bench      *b,
          Client     *c,
          const char *data,
          gsize       len)
{
  ssize_t n = gnutls_record_send (c->tls, data, len);

  if (n >= 0)
    {
      c->tls_again = TLS_AGAIN_NONE;
      return n;
    }
  if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
    {
      c->tls_again = TLS_AGAIN_OUT;
      errno = EAGAIN;
      return -1;
    }
  tls_error (b, c, "send", (int) n);
  errno = EPIPE;
  return -1;
}

/* Sends the small line GnuTLS holds. Returns: TRUE once it is out;
 * FALSE if it still waits (EPOLLOUT is watched) or the client closed. */
gboolean
tls_flush_small (Bench  *b,
                 Client *c)
{
  ssize_t n = gnutls_record_send (c->tls, NULL, 0);

  if (n >= 0)
    {
      c->tls_again = TLS_AGAIN_NONE;
      return TRUE;
    }
  if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
    {
      client_set_events (b, c, EPOLLIN | EPOLLOUT);
      return FALSE;
    }
  tls_error (b, c, "send", (int) n);
  client_close (b, c);
  return FALSE;
}

/* A small line (login, join, PONG) as one record of its own. Returns:
 * TRUE if it is sent or made and waiting in GnuTLS for room. */
gboolean
tls_send_small (Bench      *b,
                Client     *c,
                const char *data,
                gsize       len)
{
  ssize_t n;

  if (c->tls_again != TLS_AGAIN_NONE)
    {
      /* Another record is still on its way: like a full socket. */
      errno = EAGAIN;
      return FALSE;
    }
  n = gnutls_record_send (c->tls, data, len);
  if (n == (ssize_t) len)
    return TRUE;
  if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
    {
      c->tls_again = TLS_AGAIN_SMALL;
      client_set_events (b, c, EPOLLIN | EPOLLOUT);
      return TRUE;
    }
  if (n < 0)
    tls_error (b, c, "send", (int) n);
  errno = EPIPE;
  return FALSE;
}

/* The end of a client: its session goes (no close_notify: the server
 * does not ask for one, and the socket is closed next). */
void
tls_client_close (Client *c)
{
  g_clear_pointer (&c->tls, gnutls_deinit);
  c->tls_again = TLS_AGAIN_NONE;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* The session's parameters, and how long the handshakes took (from the
 * TCP connection being up to the handshake done; with many logins in
 * progress at once this includes waiting for the server's turn). */
void
tls_print (Bench   *b,
           GString *result)
{
  g_autofree gint64 *lat = g_new (gint64, MAX (b->n_total, 1));
  gsize              n = 0;
  gint64             p50 = 0, p99 = 0, max = 0;

  for (int i = 0; i < b->n_total; i++)
    {
      const Client *c = &b->clients[i];

      if (c->t_secured != 0 && c->t_established != 0)
        lat[n++] = c->t_secured - c->t_established;
    }
  qsort (lat, n, sizeof *lat, compare_gint64);
  if (n > 0)
    {
      p50 = lat[CLAMP ((gsize) (0.50 * (double) n + 0.999999), 1, n) - 1];
      p99 = lat[CLAMP ((gsize) (0.99 * (double) n + 0.999999), 1, n) - 1];
      max = lat[n - 1];
    }
  g_print ("  TLS           %s; %" G_GSIZE_FORMAT " handshakes, p50 %" G_GINT64_FORMAT
           " us, p99 %" G_GINT64_FORMAT " us, max %" G_GINT64_FORMAT " us%s\n",
           b->tls_session_desc != NULL ? b->tls_session_desc : "no handshake done", n, p50 / 1000,
           p99 / 1000, max / 1000, b->ca_file != NULL ? "; certificate verified" : "; certificate not verified");
  g_string_append_printf (result,
                          " tls=yes tls_session=%s tls_verified=%s handshakes=%" G_GSIZE_FORMAT
                          " handshake_p50_us=%" G_GINT64_FORMAT " handshake_p99_us=%" G_GINT64_FORMAT
                          " handshake_max_us=%" G_GINT64_FORMAT,
                          b->tls_session_desc != NULL ? b->tls_session_desc : "none",
                          b->ca_file != NULL ? "yes" : "no", n, p50 / 1000, p99 / 1000, max / 1000);
}
