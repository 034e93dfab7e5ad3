/* confab-tls-test-util.h: certificates made with certtool in a test's
 * directory, and GIO's TLS client on loopback, for the TLS tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Makes CA.pem/CA.key and CERT.pem/CERT.key (for localhost and
 * 127.0.0.1, signed by that CA) in @dir; @valid FALSE: expired. */
void confab_tls_test_make_pki (const char *dir,
                               const char *ca,
                               const char *cert,
                               gboolean    valid);

/* Makes @name.pem/@name.key in @dir: a client certificate for @name,
 * signed by @ca, or self-signed if @ca is %NULL. */
void confab_tls_test_make_client_cert (const char *dir,
                                       const char *ca,
                                       const char *name);
/* The SHA-256 fingerprint of @dir/@name.pem as openssl prints it
 * ("AB:CD:…"), which an accounts file's certfp= takes. */
char *confab_tls_test_dup_certfp (const char *dir,
                                  const char *name);

typedef struct _TlsClient TlsClient;

/* Connects to 127.0.0.1:@port over TLS for "localhost", trusting only
 * @dir/@ca.pem; %NULL with @error if the handshake fails. */
TlsClient *tls_client_try_new (const char *dir,
                               guint16     port,
                               const char *ca,
                               GError    **error);
/* The same, offering @dir/@cert.pem (with its key) as the client's
 * certificate unless @cert is %NULL. */
TlsClient *tls_client_try_new_with_cert (const char *dir,
                                         guint16     port,
                                         const char *ca,
                                         const char *cert,
                                         GError    **error);
/* The same with the CA "ca"; fails the test if it cannot. */
TlsClient *tls_client_new (const char *dir,
                           guint16     port);
void       tls_client_free (TlsClient *client);
void       tls_send (TlsClient  *client,
                     const char *text);
char      *tls_read_line (TlsClient *client);
/* Shuts the TCP write side, under TLS: a half-close without close_notify. */
void tls_shutdown_tcp_write (TlsClient *client);
/* Reads to the end: fails unless the server ended with close_notify. */
void tls_expect_clean_eof (TlsClient *client);
void tls_expect_line (TlsClient  *client,
                      const char *expected);

/* Runs the confab client with @args and @input on its standard input;
 * its exit status, and its standard error in @err. */
int confab_tls_test_run_client (const char * const *args,
                                const char         *input,
                                char              **err);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsClient, tls_client_free)

G_END_DECLS
