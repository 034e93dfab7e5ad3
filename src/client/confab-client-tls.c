/* confab-client-tls.c: the client's side of TLS (confab tls:HOST:PORT).
 *
 * GIO's GSocketClient does the handshake and checks the certificate
 * against the host and the system's authorities, or those of --ca. A
 * certificate it refuses ends the connection (never a fall-back to plain
 * text), and the user is told why in words rather than GIO's
 * "Unacceptable TLS certificate".
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-client-app-private.h"

/* Called only for a certificate GIO found wrong: keeps why, refuses it. */
static gboolean
accept_certificate_cb (GTlsConnection      *connection,
                       GTlsCertificate     *certificate,
                       GTlsCertificateFlags errors,
                       gpointer             user_data)
{
  ConfabClientApp *self = user_data;

  self->tls_errors = errors;
  return FALSE;
}

/* Trusts --ca's authorities (instead of the system's) for the handshake,
 * offers --cert's certificate, and learns why a certificate was
 * refused. */
static void
socket_client_event_cb (GSocketClient      *client,
                        GSocketClientEvent  event,
                        GSocketConnectable *connectable,
                        GIOStream          *connection,
                        gpointer            user_data)
{
  ConfabClientApp *self = user_data;

  if (event != G_SOCKET_CLIENT_TLS_HANDSHAKING)
    return;
  if (self->tls_database != NULL)
    g_tls_connection_set_database (G_TLS_CONNECTION (connection), self->tls_database);
  if (self->tls_certificate != NULL)
    g_tls_connection_set_certificate (G_TLS_CONNECTION (connection), self->tls_certificate);
  g_signal_connect_object (connection, "accept-certificate", G_CALLBACK (accept_certificate_cb), self,
                           G_CONNECT_DEFAULT);
}

/* What was wrong with the server's certificate, in words. */
char *
confab_client_tls_describe_errors (GTlsCertificateFlags errors)
{
  g_autoptr(GPtrArray) reasons = g_ptr_array_new ();

  if (errors & G_TLS_CERTIFICATE_UNKNOWN_CA)
    g_ptr_array_add (reasons, (char *) _ ("it is not signed by a trusted authority"));
  if (errors & G_TLS_CERTIFICATE_BAD_IDENTITY)
    g_ptr_array_add (reasons, (char *) _ ("it is for another host"));
  if (errors & G_TLS_CERTIFICATE_NOT_ACTIVATED)
    g_ptr_array_add (reasons, (char *) _ ("it is not valid yet"));
  if (errors & G_TLS_CERTIFICATE_EXPIRED)
    g_ptr_array_add (reasons, (char *) _ ("it has expired"));
  if (errors & G_TLS_CERTIFICATE_REVOKED)
    g_ptr_array_add (reasons, (char *) _ ("it was revoked"));
  if (errors & (G_TLS_CERTIFICATE_INSECURE | G_TLS_CERTIFICATE_GENERIC_ERROR))
    g_ptr_array_add (reasons, (char *) _ ("it is insecure or unusable"));
  g_ptr_array_add (reasons, NULL);
  return g_strjoinv ("; ", (char **) reasons->pdata);
}

gboolean
confab_client_app_set_tls (ConfabClientApp *self,
                           const char      *ca_file,
                           GError         **error)
{
  g_return_val_if_fail (CONFAB_IS_CLIENT_APP (self), FALSE);

  self->tls = TRUE;
  g_clear_object (&self->tls_database);
  if (ca_file == NULL)
    return TRUE;
  {
    /* GIO takes only an absolute path here. */
    g_autofree char *absolute = g_canonicalize_filename (ca_file, NULL);

    self->tls_database = g_tls_file_database_new (absolute, error);
  }
  return self->tls_database != NULL;
}

gboolean
confab_client_app_set_tls_certificate (ConfabClientApp *self,
                                       const char      *cert_file,
                                       const char      *key_file,
                                       GError         **error)
{
  g_return_val_if_fail (CONFAB_IS_CLIENT_APP (self), FALSE);

  g_clear_object (&self->tls_certificate);
  self->tls_certificate = g_tls_certificate_new_from_files (cert_file, key_file, error);
  return self->tls_certificate != NULL;
}

/* Makes @client connect over TLS for @self. */
void
confab_client_tls_prepare (ConfabClientApp *self,
                           GSocketClient   *client)
{
  g_socket_client_set_tls (client, TRUE);
  self->tls_errors = 0;
  g_signal_connect_object (client, "event", G_CALLBACK (socket_client_event_cb), self, G_CONNECT_DEFAULT);
}
