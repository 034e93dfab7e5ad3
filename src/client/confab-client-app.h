/* confab-client-app.h: the interactive client's composition root.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Exit statuses of confab (documented in its --help). */
#define CONFAB_CLIENT_EXIT_OK      0 /* input ended, every line handled */
#define CONFAB_CLIENT_EXIT_FAILURE 1 /* connection problems */
#define CONFAB_CLIENT_EXIT_USAGE   2 /* bad options, address or name */

#define CONFAB_CLIENT_DEFAULT_ADDRESS "127.0.0.1:8080"

/*
 * confab_client_parse_address:
 * @text: "HOST:PORT", "[IPV6]:PORT", "HOST" (port 8080) or "unix:PATH";
 *   unlike the daemon's --listen, HOST may be a host name; "tls:" in
 *   front of a HOST:PORT connects over TLS, checking the server's
 *   certificate against HOST
 * @tls: (out): whether it said "tls:"
 *
 * Returns: (transfer full) (nullable): what to connect to, or %NULL with
 *   @error set
 */
GSocketConnectable *confab_client_parse_address (const char *text,
                                                 gboolean   *tls,
                                                 GError    **error);

#define CONFAB_TYPE_CLIENT_APP (confab_client_app_get_type ())
G_DECLARE_FINAL_TYPE (ConfabClientApp, confab_client_app, CONFAB, CLIENT_APP, GObject)

/*
 * confab_client_app_new:
 * @address: where to connect
 * @address_text: the same, as the user wrote it (for messages)
 * @name: (nullable): the name to log in with (valid); %NULL to ask for it
 *   on a terminal or take the first line of the input
 * @json: speak the JSON-lines protocol
 * @quiet: print no notices
 */
ConfabClientApp *confab_client_app_new (GSocketConnectable *address,
                                        const char         *address_text,
                                        const char         *name,
                                        gboolean            json,
                                        gboolean            quiet);

/*
 * confab_client_app_set_tls:
 * @ca_file: (nullable): a PEM file of the authorities to trust instead of
 *   the system's
 *
 * Connects over TLS. The server's certificate must be valid for the
 * address's host and signed by a trusted authority; if it is not, the
 * connection fails with the reason, never falling back to plain text.
 *
 * Returns: %FALSE with @error if @ca_file cannot be read
 */
gboolean confab_client_app_set_tls (ConfabClientApp *self,
                                    const char      *ca_file,
                                    GError         **error);

/*
 * confab_client_app_set_tls_certificate:
 * @cert_file: a PEM certificate (with its chain, if any)
 * @key_file: its private key (PEM)
 *
 * Offers the certificate to the server in the TLS handshake: an account
 * that lists its SHA-256 fingerprint logs in with it, no password asked.
 *
 * Returns: %FALSE with @error if the files cannot be read or do not
 *   belong together
 */
gboolean confab_client_app_set_tls_certificate (ConfabClientApp *self,
                                                const char      *cert_file,
                                                const char      *key_file,
                                                GError         **error);

/*
 * confab_client_app_run:
 *
 * Connects, logs in and chats until the input ends (and the server has
 * answered all of it) or the connection does. On SIGINT, SIGTERM or
 * SIGHUP it restores the terminal and dies of that signal.
 *
 * Returns: the exit status, CONFAB_CLIENT_EXIT_*
 */
int confab_client_app_run (ConfabClientApp *self);

/* Text mode: show each incoming line with the time (HH:MM) it came. */
void confab_client_app_set_timestamps (ConfabClientApp *self,
                                       gboolean         timestamps);

G_END_DECLS
