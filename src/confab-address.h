/* confab-address.h: listen addresses `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * confab_address_parse:
 * @text: "127.0.0.1:8080", "[::1]:0", "localhost:8080" is NOT accepted
 *   (numeric addresses only: a daemon should not block on DNS at start-up),
 *   "unix:/run/confab.sock" (absolute or relative path, non-empty).
 *   Port 0..65535, decimal digits only. IPv6 needs brackets.
 * @error: CONFAB_ERROR_INVALID_ADDRESS with a message saying what is wrong
 *
 * Returns: (transfer full): a GInetSocketAddress or GUnixSocketAddress
 */
GSocketAddress *confab_address_parse  (const char      *text,
                                       GError         **error);

/*
 * confab_address_to_string:
 * Formats a GInetSocketAddress as "1.2.3.4:PORT" or "[::1]:PORT" and a
 * GUnixSocketAddress as "unix:PATH" (abstract: "unix:@NAME").
 *
 * Returns: (transfer full)
 */
char           *confab_address_to_string (GSocketAddress *address);

G_END_DECLS
