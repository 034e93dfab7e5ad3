/* confab-address.c: listen addresses `HOST:PORT`, `[IPV6]:PORT`, `unix:PATH`.
 *
 * Hosts must be numeric: a daemon should not block on DNS at start-up, nor
 * listen somewhere else than it was told because a resolver changed its mind.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdarg.h>
#include <string.h>
#include <sys/un.h>

#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "confab-address.h"
#include "confab-error.h"

#define UNIX_PREFIX "unix:"

/* GUnixSocketAddress silently truncates longer paths, so they are refused
 * here: sun_path also holds the path's terminating NUL (or, for an abstract
 * name, its leading one). */
#define UNIX_PATH_MAX_LEN (G_SIZEOF_MEMBER (struct sockaddr_un, sun_path) - 1)

static GSocketAddress *address_error (GError    **error,
                                      const char *text,
                                      const char *format,
                                      ...) G_GNUC_PRINTF (3, 4);

/* Sets "Invalid address “TEXT”: REASON" and returns %NULL. */
static GSocketAddress *
address_error (GError    **error,
               const char *text,
               const char *format,
               ...)
{
  g_autofree char *reason = NULL;
  g_autofree char *message = NULL;
  g_autofree char *valid_message = NULL;
  va_list          args;

  va_start (args, format);
  reason = g_strdup_vprintf (format, args);
  va_end (args);

  /* The text may come from anywhere (a command line, a peer); the message
   * must still be UTF-8. */
  message = g_strdup_printf (_ ("Invalid address “%s”: %s"), text, reason);
  valid_message = g_utf8_make_valid (message, -1);
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS,
                       valid_message);
  return NULL;
}

/* Decimal digits only: no sign, no white space, no "0x". */
static gboolean
parse_port (const char *port,
            guint16    *out_port)
{
  guint64 number;

  if (!g_ascii_string_to_unsigned (port, 10, 0, G_MAXUINT16, &number, NULL))
    return FALSE;

  *out_port = (guint16) number;
  return TRUE;
}

static GSocketAddress *
parse_unix (const char *text,
            GError    **error)
{
  const char *path = text + strlen (UNIX_PREFIX);
  gsize       path_len = strlen (path);

  if (path_len == 0)
    return address_error (error, text, _ ("the socket path is empty"));

  /* "@NAME" is Linux's abstract namespace, as socat and systemd write it;
   * a relative path starting with '@' can still be given as "./@NAME". */
  if (path[0] == '@')
    {
      if (path_len == 1)
        return address_error (error, text, _ ("the abstract socket name is empty"));
      if (path_len - 1 > UNIX_PATH_MAX_LEN)
        return address_error (error, text,
                              _ ("the abstract socket name is longer than %u bytes"),
                              (guint) UNIX_PATH_MAX_LEN);

      return g_unix_socket_address_new_with_type (path + 1, path_len - 1,
                                                  G_UNIX_SOCKET_ADDRESS_ABSTRACT);
    }

  if (path_len > UNIX_PATH_MAX_LEN)
    return address_error (error, text,
                          _ ("the socket path is longer than %u bytes"),
                          (guint) UNIX_PATH_MAX_LEN);

  return g_unix_socket_address_new (path);
}

/* "[IPV6]:PORT", with an optional scope id: "[fe80::1%eth0]:8080". */
static GSocketAddress *
parse_ipv6 (const char *text,
            GError    **error)
{
  const char      *close = strchr (text, ']');
  g_autofree char *host = NULL;
  GSocketAddress  *address;
  guint16          port;

  if (close == NULL)
    return address_error (error, text, _ ("“]” is missing after the IPv6 address"));

  host = g_strndup (text + 1, close - text - 1);
  if (*host == '\0')
    return address_error (error, text, _ ("the host is empty"));

  if (close[1] == '\0' || (close[1] == ':' && close[2] == '\0'))
    return address_error (error, text,
                          _ ("the port is missing (expected [IPV6]:PORT)"));
  if (close[1] != ':')
    return address_error (error, text, _ ("expected “:PORT” after “]”"));
  if (!parse_port (close + 2, &port))
    return address_error (error, text,
                          _ ("the port “%s” is not a number from 0 to 65535"),
                          close + 2);

  /* Brackets are for IPv6 only; an IPv4 address does without them. */
  if (strchr (host, ':') == NULL)
    return address_error (error, text, _ ("“%s” is not a numeric IPv6 address"),
                          host);

  /* Unlike g_inet_address_new_from_string(), this takes a scope id. */
  address = g_inet_socket_address_new_from_string (host, port);
  if (address == NULL)
    return address_error (error, text, _ ("“%s” is not a numeric IPv6 address"),
                          host);

  return address;
}

/* "A.B.C.D:PORT" */
static GSocketAddress *
parse_ipv4 (const char *text,
            GError    **error)
{
  const char      *colon = strrchr (text, ':');
  g_autofree char *host = NULL;
  g_autoptr(GInetAddress) inet_address = NULL;
  guint16 port;

  if (colon == NULL)
    return address_error (error, text,
                          _ ("the port is missing (expected HOST:PORT, [IPV6]:PORT or unix:PATH)"));

  host = g_strndup (text, colon - text);
  if (strchr (host, ':') != NULL)
    return address_error (error, text,
                          _ ("an IPv6 address needs brackets, as in [::1]:8080"));
  if (*host == '\0')
    return address_error (error, text, _ ("the host is empty"));
  if (colon[1] == '\0')
    return address_error (error, text,
                          _ ("the port is missing (expected HOST:PORT)"));
  if (!parse_port (colon + 1, &port))
    return address_error (error, text,
                          _ ("the port “%s” is not a number from 0 to 65535"),
                          colon + 1);

  /* Strict dotted quad: inet_pton() semantics, so neither "127.1" nor a
   * host name gets through. */
  inet_address = g_inet_address_new_from_string (host);
  if (inet_address == NULL ||
      g_inet_address_get_family (inet_address) != G_SOCKET_FAMILY_IPV4)
    return address_error (error, text,
                          _ ("“%s” is not a numeric IPv4 address (host names are not looked up)"),
                          host);

  return g_inet_socket_address_new (inet_address, port);
}

/**
 * confab_address_parse:
 * @text: the address
 * @error: %CONFAB_ERROR_INVALID_ADDRESS with a message saying what is wrong
 *
 * See confab-address.h for the syntax.
 *
 * Returns: (transfer full) (nullable): a #GInetSocketAddress or
 *   #GUnixSocketAddress, or %NULL on error
 */
GSocketAddress *
confab_address_parse (const char *text,
                      GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (*text == '\0')
    return address_error (error, text,
                          _ ("the address is empty (expected HOST:PORT, [IPV6]:PORT or unix:PATH)"));

  if (g_str_has_prefix (text, UNIX_PREFIX))
    return parse_unix (text, error);

  /* "A;B" is a list, which only the config file's listen= takes; said
   * plainly rather than as whatever fault the first address then shows. */
  if (strchr (text, ';') != NULL)
    return address_error (error, text,
                          _ ("unexpected “;”: give one address per --listen"));

  if (text[0] == '[')
    return parse_ipv6 (text, error);

  return parse_ipv4 (text, error);
}

static char *
unix_address_to_string (GUnixSocketAddress *address)
{
  const char      *path = g_unix_socket_address_get_path (address);
  gsize            path_len = g_unix_socket_address_get_path_len (address);
  g_autofree char *shown = NULL;

  switch (g_unix_socket_address_get_address_type (address))
    {
    case G_UNIX_SOCKET_ADDRESS_PATH:
      shown = g_utf8_make_valid (path, path_len);
      return g_strconcat (UNIX_PREFIX, shown, NULL);

    case G_UNIX_SOCKET_ADDRESS_ABSTRACT_PADDED:
      /* The name comes with the NULs that pad it to the full sun_path. */
      while (path_len > 0 && path[path_len - 1] == '\0')
        path_len--;
      G_GNUC_FALLTHROUGH;

    case G_UNIX_SOCKET_ADDRESS_ABSTRACT:
      shown = g_utf8_make_valid (path, path_len);
      return g_strconcat (UNIX_PREFIX, "@", shown, NULL);

    case G_UNIX_SOCKET_ADDRESS_ANONYMOUS:
    case G_UNIX_SOCKET_ADDRESS_INVALID:
    default:
      /* An unnamed socket: how a peer on a Unix socket usually looks. */
      return g_strdup (UNIX_PREFIX);
    }
}

/**
 * confab_address_to_string:
 * @address: a #GSocketAddress
 *
 * See confab-address.h.
 *
 * Returns: (transfer full): the address, in the syntax
 *   confab_address_parse() reads; always valid UTF-8
 */
char *
confab_address_to_string (GSocketAddress *address)
{
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), NULL);

  if (G_IS_INET_SOCKET_ADDRESS (address))
    {
      GInetSocketAddress *inet = G_INET_SOCKET_ADDRESS (address);
      GInetAddress       *inet_address = g_inet_socket_address_get_address (inet);
      g_autofree char    *host = g_inet_address_to_string (inet_address);
      guint               port = g_inet_socket_address_get_port (inet);
      guint32             scope_id;

      if (g_inet_address_get_family (inet_address) != G_SOCKET_FAMILY_IPV6)
        return g_strdup_printf ("%s:%u", host, port);

      /* Numeric, as GLib's own g_socket_connectable_to_string() does:
       * interface names can be renamed, indexes parse back the same. */
      scope_id = g_inet_socket_address_get_scope_id (inet);
      if (scope_id != 0)
        return g_strdup_printf ("[%s%%%u]:%u", host, (guint) scope_id, port);

      return g_strdup_printf ("[%s]:%u", host, port);
    }

  if (G_IS_UNIX_SOCKET_ADDRESS (address))
    return unix_address_to_string (G_UNIX_SOCKET_ADDRESS (address));

  /* Some other family (GNativeSocketAddress): still say something useful. */
  return g_socket_connectable_to_string (G_SOCKET_CONNECTABLE (address));
}
