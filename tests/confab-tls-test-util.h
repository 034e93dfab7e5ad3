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

typedef struct _TlsClient TlsClient;

/* Connects to 127.0.0.1:@port over TLS for "localhost", trusting only
 * @dir/@ca.pem; %NULL with @error if the handshake fails. */
TlsClient *tls_client_try_new (const char *dir,
                               guint16     port,
                               const char *ca,
                               GError    **error);
/* The same with the CA "ca"; fails the test if it cannot. */
TlsClient *tls_client_new (const char *dir,
                           guint16     port);
void       tls_client_free (TlsClient *client);
void       tls_send (TlsClient  *client,
                     const char *text);
char      *tls_read_line (TlsClient *client);
void       tls_expect_line (TlsClient  *client,
                            const char *expected);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TlsClient, tls_client_free)

G_END_DECLS
