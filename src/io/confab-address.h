/* confab-address.h: listen addresses `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH`.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * confab_address_parse:
 * @text: "127.0.0.1:8080", "[::1]:0", "unix:/run/confab.sock".
 *   Hosts are numeric only: "localhost:8080" is NOT accepted (a daemon
 *   should not block on DNS at start-up). IPv4 is a strict dotted quad;
 *   IPv6 needs brackets and may carry a scope id ("[fe80::1%eth0]:8080").
 *   Port 0..65535, decimal digits only (no sign, no white space).
 *   "unix:PATH" takes an absolute or relative path, non-empty and short
 *   enough for sun_path (107 bytes); "unix:@NAME" is a Linux abstract
 *   socket (write "unix:./@NAME" for a file whose name starts with '@').
 * @error: CONFAB_ERROR_INVALID_ADDRESS with a message saying what is wrong
 *
 * Returns: (transfer full) (nullable): a GInetSocketAddress or
 *   GUnixSocketAddress; %NULL on error
 */
GSocketAddress *confab_address_parse (const char *text,
                                      GError    **error);

/*
 * confab_address_to_string:
 * Formats a GInetSocketAddress as "1.2.3.4:PORT" or "[::1]:PORT" (a scope
 * id as a number: "[fe80::1%2]:PORT") and a GUnixSocketAddress as
 * "unix:PATH" (abstract: "unix:@NAME"; unnamed, as a Unix peer usually is:
 * "unix:"). What confab_address_parse() accepts formats back to the same
 * string, except for a port's leading zeros, IPv6 case and zero
 * compression, and scope ids given by interface name, which come back in
 * canonical form.
 *
 * Returns: (transfer full): always valid UTF-8 (bytes of a path that are
 *   not become U+FFFD), so safe for logs and D-Bus strings
 */
char *confab_address_to_string (GSocketAddress *address);

G_END_DECLS
