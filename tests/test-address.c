/* test-address.c: tests of listen address parsing and formatting.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <sys/un.h>

#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>

#include "confab-address.h"
#include "confab-error.h"
#include "confab-listen-address.h"

/* The longest path sun_path holds with its terminating NUL. */
#define UNIX_PATH_MAX_LEN (G_SIZEOF_MEMBER (struct sockaddr_un, sun_path) - 1)

typedef struct
{
  const char   *text;
  const char   *formatted; /* NULL: the same as text */
  GSocketFamily family;
  const char   *host; /* inet only: g_inet_address_to_string() */
  guint16       port;
  guint32       scope_id;
} InetCase;

#define PROGRAM "test-address"

/* Test inputs hold raw bytes on purpose; TAP output must stay text. */
static void
show_input (const char *what,
            const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  g_test_message ("%s: %s", what, escaped);
}

/* What this program prints is TAP, text only: the raw bytes of the inputs
 * are shown escaped. */
static void
test_tap_output_is_text (void)
{
  const char      *argv[] = { NULL, "--tap", "-s", NULL, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  argv[0] = g_test_get_filename (G_TEST_BUILT, PROGRAM, NULL);
  argv[3] = g_test_get_path ();
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      /* GLib prints a message that is not UTF-8 as "[Invalid UTF-8] ...",
       * a line TAP does not know. */
      if (*line != '\0' && !g_str_has_prefix (line, "ok ") && !g_str_has_prefix (line, "not ok ") &&
          !g_str_has_prefix (line, "#") && !g_str_has_prefix (line, "1.."))
        g_error ("not a TAP line: %s", line);
      for (const char *p = line; *p != '\0'; p++)
        if (*p != '\t' && (*p < ' ' || *p > '~'))
          g_error ("byte 0x%02x in TAP output: %s", (guchar) *p, line);
    }
}

static void
check_inet_cases (const InetCase *cases,
                  gsize           n_cases)
{
  for (gsize i = 0; i < n_cases; i++)
    {
      const InetCase *c = &cases[i];
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GSocketAddress) again = NULL;
      g_autofree char    *host = NULL;
      g_autofree char    *formatted = NULL;
      g_autofree char    *formatted_again = NULL;
      GInetSocketAddress *inet;

      show_input ("input", c->text);
      address = confab_address_parse (c->text, &error);
      g_assert_no_error (error);
      g_assert_true (G_IS_INET_SOCKET_ADDRESS (address));

      inet = G_INET_SOCKET_ADDRESS (address);
      g_assert_cmpint (g_socket_address_get_family (address), ==, c->family);
      host = g_inet_address_to_string (g_inet_socket_address_get_address (inet));
      g_assert_cmpstr (host, ==, c->host);
      g_assert_cmpuint (g_inet_socket_address_get_port (inet), ==, c->port);
      if (c->family == G_SOCKET_FAMILY_IPV6)
        g_assert_cmpuint (g_inet_socket_address_get_scope_id (inet), ==, c->scope_id);

      formatted = confab_address_to_string (address);
      g_assert_cmpstr (formatted, ==, c->formatted != NULL ? c->formatted : c->text);

      /* What comes out parses back to the same address and string. */
      again = confab_address_parse (formatted, &error);
      g_assert_no_error (error);
      g_assert_true (g_inet_address_equal (g_inet_socket_address_get_address (inet),
                                           g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (again))));
      formatted_again = confab_address_to_string (again);
      g_assert_cmpstr (formatted_again, ==, formatted);
    }
}

static void
test_parse_ipv4 (void)
{
  const InetCase cases[] = {
    { "127.0.0.1:8080", NULL, G_SOCKET_FAMILY_IPV4, "127.0.0.1", 8080, 0 },
    { "0.0.0.0:0", NULL, G_SOCKET_FAMILY_IPV4, "0.0.0.0", 0, 0 },
    { "255.255.255.255:65535", NULL, G_SOCKET_FAMILY_IPV4, "255.255.255.255", 65535, 0 },
    { "10.1.2.3:1", NULL, G_SOCKET_FAMILY_IPV4, "10.1.2.3", 1, 0 },
    { "192.168.0.1:008080", "192.168.0.1:8080", G_SOCKET_FAMILY_IPV4, "192.168.0.1", 8080, 0 },
  };

  check_inet_cases (cases, G_N_ELEMENTS (cases));
}

static void
test_parse_ipv6 (void)
{
  const InetCase cases[] = {
    { "[::1]:8080", NULL, G_SOCKET_FAMILY_IPV6, "::1", 8080, 0 },
    { "[::]:0", NULL, G_SOCKET_FAMILY_IPV6, "::", 0, 0 },
    { "[2001:db8::42]:65535", NULL, G_SOCKET_FAMILY_IPV6, "2001:db8::42", 65535, 0 },
    { "[2001:DB8:0:0:0:0:0:1]:80", "[2001:db8::1]:80", G_SOCKET_FAMILY_IPV6, "2001:db8::1", 80, 0 },
    /* GIO turns IPv4-mapped addresses into IPv4, as it does for peers. */
    { "[::ffff:127.0.0.1]:80", "127.0.0.1:80", G_SOCKET_FAMILY_IPV4, "127.0.0.1", 80, 0 },
    /* Scope ids: supported, and formatted as numbers. */
    { "[fe80::1%1]:80", NULL, G_SOCKET_FAMILY_IPV6, "fe80::1", 80, 1 },
    { "[fe80::1%4294967295]:80", NULL, G_SOCKET_FAMILY_IPV6, "fe80::1", 80, G_MAXUINT32 },
  };

  check_inet_cases (cases, G_N_ELEMENTS (cases));
}

/* A scope id may name an interface; it comes back as its index. */
static void
test_parse_ipv6_scope_name (void)
{
  g_autoptr(GSocketAddress) lo = g_inet_socket_address_new_from_string ("fe80::1%lo", 80);
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *formatted = NULL;
  guint32          scope_id;

  if (lo == NULL)
    {
      g_test_skip ("no loopback interface named “lo”");
      return;
    }
  scope_id = g_inet_socket_address_get_scope_id (G_INET_SOCKET_ADDRESS (lo));

  address = confab_address_parse ("[fe80::1%lo]:80", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_inet_socket_address_get_scope_id (G_INET_SOCKET_ADDRESS (address)),
                    ==, scope_id);

  expected = g_strdup_printf ("[fe80::1%%%u]:80", (guint) scope_id);
  formatted = confab_address_to_string (address);
  g_assert_cmpstr (formatted, ==, expected);
}

static void
check_unix (const char            *text,
            GUnixSocketAddressType type,
            const char            *path)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GSocketAddress) again = NULL;
  g_autofree char    *formatted = NULL;
  GUnixSocketAddress *unix_address;

  show_input ("input", text);
  address = confab_address_parse (text, &error);
  g_assert_no_error (error);
  g_assert_true (G_IS_UNIX_SOCKET_ADDRESS (address));

  unix_address = G_UNIX_SOCKET_ADDRESS (address);
  g_assert_cmpint (g_unix_socket_address_get_address_type (unix_address), ==, type);
  g_assert_cmpmem (g_unix_socket_address_get_path (unix_address),
                   g_unix_socket_address_get_path_len (unix_address),
                   path, strlen (path));

  formatted = confab_address_to_string (address);
  g_assert_cmpstr (formatted, ==, text);

  again = confab_address_parse (formatted, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unix_socket_address_get_address_type (G_UNIX_SOCKET_ADDRESS (again)),
                   ==, type);
}

static void
test_parse_unix (void)
{
  const struct
  {
    const char            *text;
    GUnixSocketAddressType type;
    const char            *path;
  } cases[] = {
    { "unix:/run/confab.sock", G_UNIX_SOCKET_ADDRESS_PATH, "/run/confab.sock" },
    { "unix:confab.sock", G_UNIX_SOCKET_ADDRESS_PATH, "confab.sock" },
    { "unix:./@odd", G_UNIX_SOCKET_ADDRESS_PATH, "./@odd" },
    { "unix:/with space:and:colons", G_UNIX_SOCKET_ADDRESS_PATH, "/with space:and:colons" },
    { "unix:@confab", G_UNIX_SOCKET_ADDRESS_ABSTRACT, "confab" },
  };
  g_autofree char *longest_path = g_strnfill (UNIX_PATH_MAX_LEN, 'p');
  g_autofree char *longest_path_text = g_strconcat ("unix:", longest_path, NULL);
  g_autofree char *longest_abstract_text = g_strconcat ("unix:@", longest_path, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    check_unix (cases[i].text, cases[i].type, cases[i].path);

  /* The longest that still fits sun_path, and is not silently cut short. */
  check_unix (longest_path_text, G_UNIX_SOCKET_ADDRESS_PATH, longest_path);
  check_unix (longest_abstract_text, G_UNIX_SOCKET_ADDRESS_ABSTRACT, longest_path);
}

/* Round trip of the spellings the daemon and the docs use. */
static void
test_round_trip (void)
{
  const char *texts[] = {
    "127.0.0.1:8080",
    "[::1]:8080",
    "0.0.0.0:0",
    "[::]:65535",
    "[fe80::1%2]:80",
    "unix:/run/confab/confab.sock",
    "unix:relative/path",
    "unix:@abstract",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (texts); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = confab_address_parse (texts[i], &error);
      g_autofree char *formatted = NULL;

      g_assert_no_error (error);
      formatted = confab_address_to_string (address);
      g_assert_cmpstr (formatted, ==, texts[i]);
    }
}

/* Addresses built by GIO rather than parsed, as the daemon gets them from
 * accepted connections and socket activation. */
static void
test_to_string_native (void)
{
  const struct
  {
    GUnixSocketAddressType type;
    const char            *path;
    gssize                 path_len;
    const char            *expected;
  } cases[] = {
    { G_UNIX_SOCKET_ADDRESS_ANONYMOUS, "", 0, "unix:" },
    { G_UNIX_SOCKET_ADDRESS_PATH, "/tmp/x", -1, "unix:/tmp/x" },
    { G_UNIX_SOCKET_ADDRESS_ABSTRACT, "name", -1, "unix:@name" },
    { G_UNIX_SOCKET_ADDRESS_ABSTRACT_PADDED, "name", -1, "unix:@name" },
    /* Not UTF-8, or with NULs (abstract names may hold anything): the
     * string stays valid UTF-8, safe for D-Bus. */
    { G_UNIX_SOCKET_ADDRESS_PATH, "/tmp/\xff", -1, "unix:/tmp/\xef\xbf\xbd" },
    { G_UNIX_SOCKET_ADDRESS_ABSTRACT, "a\0b", 3, "unix:@a\xef\xbf\xbd"
                                                 "b" },
  };
  g_autoptr(GInetAddress) loopback6 = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV6);
  g_autoptr(GSocketAddress) inet6 = g_inet_socket_address_new (loopback6, 9);
  g_autofree char *inet6_text = confab_address_to_string (inet6);

  g_assert_cmpstr (inet6_text, ==, "[::1]:9");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GSocketAddress) address = NULL;
      g_autoptr(GSocketAddress) native = NULL;
      g_autofree char    *formatted = NULL;
      g_autofree char    *native_formatted = NULL;
      gsize               native_size;
      g_autofree gpointer buffer = NULL;
      g_autoptr(GError) error = NULL;

      address = g_unix_socket_address_new_with_type (cases[i].path, cases[i].path_len,
                                                     cases[i].type);
      formatted = confab_address_to_string (address);
      g_assert_cmpstr (formatted, ==, cases[i].expected);
      g_assert_true (g_utf8_validate (formatted, -1, NULL));

      /* Through struct sockaddr and back, as from accept(). */
      native_size = g_socket_address_get_native_size (address);
      buffer = g_malloc0 (native_size);
      g_assert_true (g_socket_address_to_native (address, buffer, native_size, &error));
      g_assert_no_error (error);
      native = g_socket_address_new_from_native (buffer, native_size);
      g_assert_nonnull (native);
      native_formatted = confab_address_to_string (native);
      g_assert_true (g_utf8_validate (native_formatted, -1, NULL));
      g_assert_true (g_str_has_prefix (native_formatted, "unix:"));
    }
}

typedef struct
{
  const char *text;
  const char *message; /* NULL: any message naming the input */
} RejectCase;

static void
check_rejected (gconstpointer data)
{
  const RejectCase *cases = data;

  for (gsize i = 0; cases[i].text != NULL; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      g_autofree char *shown = g_utf8_make_valid (cases[i].text, -1);
      g_autofree char *prefix = g_strdup_printf ("Invalid address “%s”: ", shown);

      show_input ("input", cases[i].text);
      address = confab_address_parse (cases[i].text, &error);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS);
      g_assert_null (address);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
      g_assert_true (g_str_has_prefix (error->message, prefix));
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message + strlen (prefix), ==, cases[i].message);
    }
}

static const RejectCase reject_empty[] = {
  { "", "the address is empty (expected HOST:PORT, [IPV6]:PORT or unix:PATH)" },
  { NULL, NULL }
};

static const RejectCase reject_missing_port[] = {
  { "127.0.0.1", "the port is missing (expected HOST:PORT, [IPV6]:PORT or unix:PATH)" },
  { "127.0.0.1:", "the port is missing (expected HOST:PORT)" },
  { "8080", NULL },
  { "[::1]", "the port is missing (expected [IPV6]:PORT)" },
  { "[::1]:", "the port is missing (expected [IPV6]:PORT)" },
  { NULL, NULL }
};

static const RejectCase reject_empty_host[] = {
  { ":8080", "the host is empty" },
  { "[]:8080", "the host is empty" },
  { ":", NULL },
  { NULL, NULL }
};

static const RejectCase reject_port_range[] = {
  { "127.0.0.1:65536", "the port “65536” is not a number from 0 to 65535" },
  { "127.0.0.1:99999999999999999999999", NULL },
  { "[::1]:65536", "the port “65536” is not a number from 0 to 65535" },
  { "127.0.0.1:-1", NULL },
  { NULL, NULL }
};

static const RejectCase reject_port_garbage[] = {
  { "127.0.0.1:+80", "the port “+80” is not a number from 0 to 65535" },
  { "127.0.0.1: 80", NULL },
  { "127.0.0.1:80 ", NULL },
  { "127.0.0.1:80\n", NULL },
  { "127.0.0.1:0x50", NULL },
  { "127.0.0.1:80a", NULL },
  { "127.0.0.1:http", NULL },
  { "127.0.0.1:8.0", NULL },
  { "[::1]:80x", NULL },
  { "[::1]:80]", NULL },
  { "[::1]80", "expected “:PORT” after “]”" },
  { "[::1] :80", NULL },
  { NULL, NULL }
};

static const RejectCase reject_hostname[] = {
  { "localhost:8080",
    "“localhost” is not a numeric IPv4 address (host names are not looked up)" },
  { "example.com:80", NULL },
  { "[localhost]:80", "“localhost” is not a numeric IPv6 address" },
  { "127.1:80", NULL }, /* inet_aton() shorthand */
  { "127.0.0.1.:80", NULL },
  { "0x7f.0.0.1:80", NULL },
  { "127.000.000.001:80", NULL },
  { "256.0.0.1:80", NULL },
  { " 127.0.0.1:80", NULL },
  { "*:80", NULL },
  { "\xff:80", NULL }, /* not UTF-8: the message still is */
  { NULL, NULL }
};

static const RejectCase reject_unbracketed_ipv6[] = {
  { "::1:8080", "an IPv6 address needs brackets, as in [::1]:8080" },
  { "::1", NULL },
  { "fe80::1:80", NULL },
  { "2001:db8::1", NULL },
  { NULL, NULL }
};

/* A list where one address belongs (--listen "A;B"). */
static const RejectCase reject_list[] = {
  { "127.0.0.1:0;127.0.0.1:0", "unexpected “;”: give one address per --listen" },
  { "[::1]:0;[::1]:0", "unexpected “;”: give one address per --listen" },
  { "127.0.0.1:8080;", "unexpected “;”: give one address per --listen" },
  { NULL, NULL }
};

static const RejectCase reject_brackets[] = {
  { "[::1", "“]” is missing after the IPv6 address" },
  { "[::1:8080", NULL },
  { "[127.0.0.1]:80", "“127.0.0.1” is not a numeric IPv6 address" },
  { "[[::1]]:80", NULL },
  { "[::1%]:80", NULL },
  { "[::1%no-such-interface]:80", NULL },
  { "[:::1]:80", NULL },
  { "[1::2::3]:80", NULL },
  { NULL, NULL }
};

/* The limits depend on sun_path, so this table is built at run time. */
static void
test_reject_unix (void)
{
  g_autofree char *too_long = g_strnfill (UNIX_PATH_MAX_LEN + 1, 'p');
  g_autofree char *too_long_path = g_strconcat ("unix:", too_long, NULL);
  g_autofree char *too_long_abstract = g_strconcat ("unix:@", too_long, NULL);
  g_autofree char *too_long_path_message =
    g_strdup_printf ("the socket path is longer than %u bytes",
                     (guint) UNIX_PATH_MAX_LEN);
  g_autofree char *too_long_abstract_message =
    g_strdup_printf ("the abstract socket name is longer than %u bytes",
                     (guint) UNIX_PATH_MAX_LEN);
  const RejectCase cases[] = {
    { "unix:", "the socket path is empty" },
    { "unix:@", "the abstract socket name is empty" },
    { too_long_path, too_long_path_message },
    { too_long_abstract, too_long_abstract_message },
    { NULL, NULL }
  };

  check_rejected (cases);
}

/* SPEC §8: a scheme names the front door; the address after it parses
 * as it would alone, and formats back behind the same scheme. */
static void
test_listen_scheme (void)
{
  const struct
  {
    const char *text;
    ConfabDoor  door;
    const char *formatted;
  } cases[] = {
    { "127.0.0.1:8080", CONFAB_DOOR_CONFAB, "127.0.0.1:8080" },
    { "unix:/run/confab.sock", CONFAB_DOOR_CONFAB, "unix:/run/confab.sock" },
    { "irc:127.0.0.1:6667", CONFAB_DOOR_IRC, "irc:127.0.0.1:6667" },
    { "irc:[::1]:0", CONFAB_DOOR_IRC, "irc:[::1]:0" },
    { "irc:unix:/run/confab-irc.sock", CONFAB_DOOR_IRC, "irc:unix:/run/confab-irc.sock" },
    { "irc:unix:@confab-irc", CONFAB_DOOR_IRC, "irc:unix:@confab-irc" },
    { "tls:127.0.0.1:8443", CONFAB_DOOR_TLS, "tls:127.0.0.1:8443" },
    { "tls:unix:/run/confab-tls.sock", CONFAB_DOOR_TLS, "tls:unix:/run/confab-tls.sock" },
    { "ircs:[::1]:6697", CONFAB_DOOR_IRCS, "ircs:[::1]:6697" },
    { "ws:127.0.0.1:8081", CONFAB_DOOR_WS, "ws:127.0.0.1:8081" },
    { "wss:[::1]:443", CONFAB_DOOR_WSS, "wss:[::1]:443" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      g_autofree char *formatted = NULL;
      ConfabDoor       door = CONFAB_DOOR_COUNT;

      address = confab_listen_address_parse (cases[i].text, &door, &error);
      g_assert_no_error (error);
      g_assert_cmpint (door, ==, cases[i].door);
      formatted = confab_listen_address_to_string (door, address);
      g_assert_cmpstr (formatted, ==, cases[i].formatted);
    }
  g_assert_cmpstr (confab_door_get_scheme (CONFAB_DOOR_IRC), ==, "irc");
  g_assert_cmpstr (confab_door_get_scheme (CONFAB_DOOR_CONFAB), ==, "");
  g_assert_cmpstr (confab_door_get_scheme (CONFAB_DOOR_WSS), ==, "wss");
  g_assert_true (confab_door_is_tls (CONFAB_DOOR_WSS));
  g_assert_false (confab_door_is_tls (CONFAB_DOOR_WS));
  g_assert_true (confab_door_is_websocket (CONFAB_DOOR_WS));
  g_assert_false (confab_door_is_websocket (CONFAB_DOOR_TLS));
}

/* A bad address after a scheme is the address's error; an unknown
 * scheme is never read as one. */
static void
test_listen_scheme_rejected (void)
{
  const struct
  {
    const char *text;
    const char *message;
  } cases[] = {
    { "ws:localhost:80", "Invalid address “localhost:80”: “localhost” is not a numeric IPv4 "
                         "address (host names are not looked up)" },
    { "irc:", "Invalid address “”: the address is empty (expected HOST:PORT, [IPV6]:PORT or unix:PATH)" },
    { "irc:localhost:6667", "Invalid address “localhost:6667”: “localhost” is not a numeric IPv4 "
                            "address (host names are not looked up)" },
    { "irc:irc:127.0.0.1:1", "Invalid address “irc:127.0.0.1:1”: an IPv6 address needs brackets, as in [::1]:8080" },
    { "IRC:127.0.0.1:6667", "Invalid address “IRC:127.0.0.1:6667”: an IPv6 address needs brackets, as in [::1]:8080" },
    { "gopher:127.0.0.1:70", "Invalid address “gopher:127.0.0.1:70”: an IPv6 address needs brackets, as in [::1]:8080" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GSocketAddress) address = NULL;
      ConfabDoor door;

      address = confab_listen_address_parse (cases[i].text, &door, &error);
      g_assert_null (address);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

/* Socket activation's FileDescriptorName= (SPEC §8). */
static void
test_door_from_fd_name (void)
{
  const char *confab_names[] = { "confab", "", "confabd.socket", "unknown", NULL };
  g_autoptr(GError) error = NULL;
  ConfabDoor door = CONFAB_DOOR_COUNT;

  for (gsize i = 0; i < G_N_ELEMENTS (confab_names); i++)
    {
      g_assert_true (confab_door_from_fd_name (confab_names[i], &door, &error));
      g_assert_no_error (error);
      g_assert_cmpint (door, ==, CONFAB_DOOR_CONFAB);
    }
  g_assert_true (confab_door_from_fd_name ("irc", &door, &error));
  g_assert_cmpint (door, ==, CONFAB_DOOR_IRC);
  g_assert_true (confab_door_from_fd_name ("ircs", &door, &error));
  g_assert_cmpint (door, ==, CONFAB_DOOR_IRCS);
  g_assert_true (confab_door_from_fd_name ("tls", &door, &error));
  g_assert_cmpint (door, ==, CONFAB_DOOR_TLS);
  g_assert_true (confab_door_from_fd_name ("ws", &door, &error));
  g_assert_cmpint (door, ==, CONFAB_DOOR_WS);
  g_assert_true (confab_door_from_fd_name ("wss", &door, &error));
  g_assert_cmpint (door, ==, CONFAB_DOOR_WSS);
  g_assert_no_error (error);
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/address/parse/ipv4", test_parse_ipv4);
  g_test_add_func ("/address/parse/ipv6", test_parse_ipv6);
  g_test_add_func ("/address/parse/ipv6-scope-name", test_parse_ipv6_scope_name);
  g_test_add_func ("/address/parse/unix", test_parse_unix);
  g_test_add_func ("/address/round-trip", test_round_trip);
  g_test_add_func ("/address/to-string/native", test_to_string_native);
  g_test_add_data_func ("/address/reject/empty", reject_empty, check_rejected);
  g_test_add_data_func ("/address/reject/missing-port", reject_missing_port, check_rejected);
  g_test_add_data_func ("/address/reject/empty-host", reject_empty_host, check_rejected);
  g_test_add_data_func ("/address/reject/port-range", reject_port_range, check_rejected);
  g_test_add_data_func ("/address/reject/port-garbage", reject_port_garbage, check_rejected);
  g_test_add_data_func ("/address/reject/hostname", reject_hostname, check_rejected);
  g_test_add_data_func ("/address/reject/unbracketed-ipv6", reject_unbracketed_ipv6, check_rejected);
  g_test_add_data_func ("/address/reject/brackets", reject_brackets, check_rejected);
  g_test_add_data_func ("/address/reject/list", reject_list, check_rejected);
  g_test_add_func ("/address/reject/unix", test_reject_unix);
  g_test_add_func ("/address/listen/scheme", test_listen_scheme);
  g_test_add_func ("/address/listen/scheme-rejected", test_listen_scheme_rejected);
  g_test_add_func ("/address/listen/fd-name", test_door_from_fd_name);

  g_test_add_func ("/address/tap-output-is-text", test_tap_output_is_text);

  return g_test_run ();
}
