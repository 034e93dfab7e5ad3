/* test-daemon.c: end-to-end tests of confabd.
 *
 * Each test runs the real daemon (the one meson built, $CONFABD) on
 * 127.0.0.1 with a kernel-chosen port, --bus none and a config file of
 * its own, and talks the text protocol (SPEC §2) to it over TCP. Bad
 * input, limits (SPEC §5) and the life cycle (SPEC §6) are checked from
 * the outside: exact lines, end of stream, exit status.
 *
 * Every daemon test ends with SIGTERM and asserts exit status 0, so a daemon
 * that crashed, or that a sanitizer or $CONFAB_TEST_WRAPPER (valgrind)
 * found at fault, fails the test that caused it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "confab-test-util.h"

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  const char * const *config; /* key/value pairs for the config file */
  guint               nofile; /* RLIMIT_NOFILE of the daemon, 0: as is */
} DaemonOptions;

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const DaemonOptions *options = data;

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path,
                            options != NULL ? options->config : NULL);
  f->daemon = confab_test_daemon_start (f->config_path, NULL,
                                        options != NULL ? options->nofile : 0);
  f->port = confab_test_daemon_get_port (f->daemon);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  /* Tests of the life cycle stop the daemon themselves and check how. */
  if (!confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);

  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

#define add_daemon_test(path, options, func) \
  g_test_add ((path), Fixture, (options), fixture_setup, (func), fixture_teardown)

static const DaemonOptions login_timeout_options = {
  .config = (const char * const[]) { "login_timeout_sec", "1", NULL },
};
static const DaemonOptions server_full_options = {
  .config = (const char * const[]) { "peers_max", "3", NULL },
};
static const DaemonOptions recipients_options = {
  .config = (const char * const[]) { "recipients_max", "3", NULL },
};
static const DaemonOptions slow_consumer_options = {
  .config = (const char * const[]) { "queue_max_bytes", "65536", NULL },
};
#define LOW_NOFILE 64
static const DaemonOptions low_nofile_options = {
  /* Idle connections must not time out while the test measures. */
  .config = (const char * const[]) { "login_timeout_sec", "120", NULL },
  .nofile = LOW_NOFILE,
};
static const DaemonOptions reload_options = {
  .config = (const char * const[]) { "line_max_bytes", "4096", NULL },
};
/* 50 lines a second after a burst of 5: 60 lines and one after them need
 * (1 + 60 + 1 - 5) / 50 s, the first line being the login's sync. */
static const DaemonOptions rate_limit_options = {
  .config = (const char * const[]) {
    "rate_limit_messages_per_sec", "50", "rate_limit_burst", "5", NULL },
};
#define RATE_LIMITED_MIN_MS 800 /* well below the 1.14 s owed */
static const DaemonOptions rate_limit_off_options = {
  .config = (const char * const[]) { "rate_limit_messages_per_sec", "0", NULL },
};
static const DaemonOptions reload_invalid_options = {
  .config = (const char * const[]) { "line_max_bytes", "200", NULL },
};

/* ------------------------------------------------------------------ */
/* Small helpers                                                       */
/* ------------------------------------------------------------------ */

/* Returns: (transfer full): @prefix followed by @fill up to @len bytes */
static char *
make_line (const char *prefix,
           gsize       len,
           char        fill)
{
  gsize prefix_len = strlen (prefix);
  char *line;

  g_assert_cmpuint (len, >=, prefix_len);
  line = g_malloc (len + 1);
  memcpy (line, prefix, prefix_len);
  memset (line + prefix_len, fill, len - prefix_len);
  line[len] = '\0';
  return line;
}

/* Returns: (transfer full): @len bytes of binary junk starting with NUL
 * and 0xff (so no prefix of it is valid text), without any '\n', so that
 * it is exactly one line once a '\n' is appended. Deterministic per seed. */
static GBytes *
make_garbage (guint32 seed,
              gsize   len)
{
  g_autoptr(GRand) rng = g_rand_new_with_seed (seed);
  guint8 *data = g_malloc (len);

  g_assert_cmpuint (len, >=, 2);
  data[0] = 0x00;
  data[1] = 0xff;
  for (gsize i = 2; i < len; i++)
    {
      do
        data[i] = g_rand_int_range (rng, 0, 256);
      while (data[i] == '\n');
    }
  return g_bytes_new_take (data, len);
}

/* Connects, sends @data (which should make the server refuse the
 * connection), and expects one line starting with @prefix then the end. */
static char *
expect_refused (guint16     port,
                const void *data,
                gsize       len,
                const char *prefix)
{
  g_autoptr(ConfabTestClient) client = confab_test_client_new (port);
  char *line;

  /* The server may close while we still send: that is its right. */
  confab_test_client_try_send_raw (client, data, len, NULL);
  line = confab_test_client_expect_prefix (client, prefix);
  confab_test_client_expect_eof (client);
  return line;
}

/* ------------------------------------------------------------------ */
/* The helpers themselves                                              */
/* ------------------------------------------------------------------ */

static GSocket *
listen_on_loopback (guint16 *port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) any = g_inet_socket_address_new_from_string ("127.0.0.1", 0);
  g_autoptr(GSocketAddress) bound = NULL;

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_bind (socket, any, FALSE, &error);
  g_assert_no_error (error);
  g_socket_listen (socket, &error);
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return g_steal_pointer (&socket);
}

static void
send_all (GSocket    *socket,
          const char *data)
{
  g_autoptr(GError) error = NULL;
  gsize len = strlen (data);

  while (len > 0)
    {
      gssize n = g_socket_send (socket, data, len, NULL, &error);

      g_assert_no_error (error);
      data += n;
      len -= n;
    }
}

static void
test_util_client_lines (void)
{
  g_autoptr(GSocket) listener = NULL;
  g_autoptr(GSocket) server = NULL;
  g_autoptr(ConfabTestClient) client = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) many = g_string_new (NULL);
  g_autofree char *line = NULL;
  const char      *pending;
  gsize            pending_len;
  gboolean         eof;
  guint16          port;

  g_test_summary ("The test client splits a byte stream into lines however "
                  "it arrives, and keeps a half line at the end apart");

  listener = listen_on_loopback (&port);
  client = confab_test_client_new (port);
  server = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);

  /* Nothing there yet: a zero timeout returns at once. */
  line = confab_test_client_try_read_line (client, 0, &eof);
  g_assert_null (line);
  g_assert_false (eof);

  send_all (server, "one\ntwo\nthr");
  confab_test_client_expect_line (client, "one");
  confab_test_client_expect_line (client, "two");
  send_all (server, "ee\n\nfour\r\n");
  confab_test_client_expect_line (client, "three");
  confab_test_client_expect_line (client, "");
  confab_test_client_expect_line (client, "four\r");

  for (guint i = 0; i < 5000; i++)
    g_string_append_printf (many, "line %u\n", i);
  send_all (server, many->str);
  for (guint i = 0; i < 5000; i++)
    {
      g_autofree char *expected = g_strdup_printf ("line %u", i);

      confab_test_client_expect_line (client, expected);
    }

  send_all (server, "half");
  g_socket_close (server, &error);
  g_assert_no_error (error);
  line = confab_test_client_try_read_line (client, 5000, &eof);
  g_assert_null (line);
  g_assert_true (eof);
  g_assert_true (confab_test_client_is_eof (client, NULL));
  pending = confab_test_client_get_pending (client, &pending_len);
  g_assert_cmpmem (pending, pending_len, "half", 4);
}

static void
test_util_config (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *path = g_build_filename (tmp->path, "c.conf", NULL);
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char   *listen = NULL;
  const char * const kv[] = {
    "line_max_bytes",
    "100",
    "server.listen",
    "127.0.0.1:1;[::1]:2",
    NULL,
  };

  g_test_summary ("Config files are GKeyFiles, plain keys in [limits]");

  confab_test_write_config (path, kv);
  g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_key_file_get_integer (key_file, "limits", "line_max_bytes", &error), ==, 100);
  g_assert_no_error (error);
  listen = g_key_file_get_value (key_file, "server", "listen", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (listen, ==, "127.0.0.1:1;[::1]:2");
}

static void
test_util_proc (void)
{
  GPid  self = getpid ();
  guint fds = confab_test_count_fds (self);
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("CPU time and descriptor counts come from /proc");

  g_assert_cmpfloat (confab_test_get_cpu_time (self), >=, 0.0);
  g_assert_cmpuint (fds, >, 0);
  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (confab_test_count_fds (self), ==, fds + 1);
}

/* ------------------------------------------------------------------ */
/* Command line                                                        */
/* ------------------------------------------------------------------ */

/* Runs confabd with @args to its end; returns its log. */
static char *
run_confabd (const char * const *args,
             int                 expected_status)
{
  g_autoptr(ConfabTestDaemon) daemon = confab_test_daemon_spawn (args, 0);

  confab_test_daemon_wait_exit (daemon, 10000);
  confab_test_daemon_assert_exit_status (daemon, expected_status);
  return confab_test_daemon_dup_log (daemon);
}

static void
test_cli_version (void)
{
  const char * const args[] = { "--version", NULL };
  g_autofree char   *output = run_confabd (args, 0);

  g_test_summary ("--version prints the program and version, exits 0");
  g_assert_nonnull (strstr (output, "confabd"));
  g_assert_nonnull (strstr (output, PACKAGE_VERSION));
}

static void
test_cli_help (void)
{
  const char * const args[] = { "--help", NULL };
  g_autofree char   *output = run_confabd (args, 0);

  g_test_summary ("--help documents --listen, exits 0");
  g_assert_nonnull (strstr (output, "--listen"));
}

static void
test_cli_listen_invalid (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char   *config = g_build_filename (tmp->path, "confab.conf", NULL);
  const char * const bad[] = {
    "nonsense",
    "127.0.0.1:",
    "127.0.0.1:99999",
    "127.0.0.1:-1",
    "[::1:8080",
    "",
  };

  g_test_summary ("A --listen address that does not parse is fatal, "
                  "with a message");

  confab_test_write_config (config, NULL);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      const char * const args[] = {
        "--listen",
        bad[i],
        "--bus",
        "none",
        "--config",
        config,
        NULL,
      };
      g_autofree char *output = NULL;

      g_test_message ("--listen “%s”", bad[i]);
      output = run_confabd (args, -1);
      g_assert_cmpstr (g_strstrip (output), !=, "");
      g_assert_null (strstr (output, CONFAB_TEST_LISTENING_TEXT));
    }
}

static void
test_cli_listen_in_use (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char *address = NULL;
  g_autofree char *output = NULL;
  g_autoptr(GSocket) holder = NULL;
  guint16 port;

  g_test_summary ("An explicit --listen address that cannot be bound is "
                  "fatal");

  confab_test_write_config (config, NULL);
  holder = listen_on_loopback (&port);
  address = g_strdup_printf ("127.0.0.1:%u", port);
  {
    const char * const args[] = {
      "--listen",
      address,
      "--bus",
      "none",
      "--config",
      config,
      NULL,
    };

    output = run_confabd (args, -1);
  }
  g_assert_cmpstr (g_strstrip (output), !=, "");
  g_assert_null (strstr (output, CONFAB_TEST_LISTENING_TEXT));
}

/* ------------------------------------------------------------------ */
/* Login                                                               */
/* ------------------------------------------------------------------ */

static void
test_login_basic (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("Two peers log in (no reply) and chat both ways");

  /* login() proves there is no reply to a login: the first line back is
   * the echo of the sync message. */
  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  confab_test_client_send_line (alice, "bob: hello");
  confab_test_client_expect_line (bob, "from alice: hello");
  confab_test_client_send_line (bob, "alice: hi there, alice");
  confab_test_client_expect_line (alice, "from bob: hi there, alice");

  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
}

static void
test_login_trim (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("White space around the name and a trailing CR are "
                  "dropped from the login line");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new (f->port);
  confab_test_client_send_raw (bob, " \t bob  \r\n", strlen (" \t bob  \r\n"));
  confab_test_client_sync (bob, "bob");

  confab_test_client_send_line (alice, "bob: trimmed");
  confab_test_client_expect_line (bob, "from alice: trimmed");
}

static void
test_login_name_valid (Fixture      *f,
                       gconstpointer data)
{
  g_autofree char *ascii32 = make_line ("", 32, 'n');
  g_autoptr(GString) e_acute32 = g_string_new (NULL);
  const char *names[] = {
    "x",
    NULL, /* 32 ASCII characters */
    NULL, /* 32 two-byte characters */
    "Zoë",
    "日本語の名前",
    "a.b-c_d+e!",
  };

  g_test_summary ("Names of 1 to 32 Unicode characters without white "
                  "space, ',' or ':' are accepted");

  for (guint i = 0; i < 32; i++)
    g_string_append (e_acute32, "é");
  names[1] = ascii32;
  names[2] = e_acute32->str;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autoptr(ConfabTestClient) client = NULL;

      g_test_message ("name “%s”", names[i]);
      client = confab_test_client_new_login (f->port, names[i]);
    }
}

static void
test_login_name_invalid (Fixture      *f,
                         gconstpointer data)
{
  g_autofree char *ascii33 = make_line ("", 33, 'n');
  g_autoptr(GString) e_acute33 = g_string_new (NULL);
  g_autoptr(ConfabTestClient) alice = NULL;
  const char *names[] = {
    "a b",
    "a,b",
    "a:b",
    "bob:",
    "@server",
    "@x",
    "#room",
    "",
    "   ",
    "a\xc2\xa0"
    "b", /* NO-BREAK SPACE */
    "a\xe3\x80\x80"
    "b",  /* IDEOGRAPHIC SPACE */
    NULL, /* 33 ASCII characters */
    NULL, /* 33 two-byte characters */
  };

  g_test_summary ("Invalid names get “error: invalid name…” and the "
                  "connection is closed");

  for (guint i = 0; i < 33; i++)
    g_string_append (e_acute33, "é");
  names[G_N_ELEMENTS (names) - 2] = ascii33;
  names[G_N_ELEMENTS (names) - 1] = e_acute33->str;

  for (gsize i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *login = g_strconcat (names[i], "\n", NULL);
      g_autofree char *line = NULL;

      g_test_message ("name “%s”", names[i]);
      line = expect_refused (f->port, login, strlen (login), "error: invalid name");
    }

  /* The daemon still serves. */
  alice = confab_test_client_new_login (f->port, "alice");
}

static void
test_login_name_taken (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  const char *attempts[] = { "alice\n", "  alice \r\n" };

  g_test_summary ("A second login with a connected name gets “error: name "
                  "taken: NAME” and is closed; the first is unaffected");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  for (gsize i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      g_autoptr(ConfabTestClient) intruder = confab_test_client_new (f->port);

      confab_test_client_send_raw (intruder, attempts[i], strlen (attempts[i]));
      confab_test_client_expect_line (intruder, "error: name taken: alice");
      confab_test_client_expect_eof (intruder);
    }

  /* The original still receives what is sent to its name, and sends. */
  confab_test_client_send_line (bob, "alice: still yours");
  confab_test_client_expect_line (alice, "from bob: still yours");
  confab_test_client_send_line (alice, "bob: yes");
  confab_test_client_expect_line (bob, "from alice: yes");
  confab_test_client_sync (alice, "alice");
}

/* SPEC §11 over real sockets, text and JSON: look-alikes of a connected
 * name are refused with the name as typed, and allowed once it left. */
static void
test_login_look_alike (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) look_alike = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  const char *attempts[] = { "Alice\n", "ali\xd1\x81"
                                        "e\n",
                             "a1ice\n", "\xef\xbd\x81lice\n" };
  const char *json = "{\"type\":\"login\",\"name\":\"ali\xd1\x81"
                     "e\"}\n";

  g_test_summary ("Look-alike logins (case, Cyrillic е, digit one, fullwidth) get “error: name "
                  "taken: NAME” while alice is online; allowed after she leaves");

  alice = confab_test_client_new_login (f->port, "alice");
  for (gsize i = 0; i < G_N_ELEMENTS (attempts); i++)
    {
      g_autoptr(ConfabTestClient) intruder = confab_test_client_new (f->port);
      g_autofree char *expected = g_strdup_printf ("error: name taken: %.*s", (int) strlen (attempts[i]) - 1,
                                                   attempts[i]);

      confab_test_client_send_raw (intruder, attempts[i], strlen (attempts[i]));
      confab_test_client_expect_line (intruder, expected);
      confab_test_client_expect_eof (intruder);
    }
  {
    g_autoptr(ConfabTestClient) intruder = confab_test_client_new (f->port);
    g_autofree char *line = NULL;

    confab_test_client_send_raw (intruder, json, strlen (json));
    line = confab_test_client_read_line (intruder);
    g_assert_nonnull (strstr (line, "\"code\":\"name-taken\""));
    confab_test_client_expect_eof (intruder);
  }

  g_clear_pointer (&alice, confab_test_client_free);
  look_alike = confab_test_login_retry (f->port, "ali\xd1\x81"
                                                 "e",
                                        20000);
  bob = confab_test_client_new_login (f->port, "bob");
  confab_test_client_send_line (bob, "alice: you?");
  confab_test_client_expect_line (look_alike, "from bob: you?");
}

static void
test_login_name_freed (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("After a peer disconnects (FIN or reset), its name can "
                  "be used again");

  bob = confab_test_client_new_login (f->port, "bob");

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(ConfabTestClient) alice = NULL;
      g_autoptr(ConfabTestClient) again = NULL;
      g_autofree char *text = g_strdup_printf ("alice: round %u", round);
      g_autofree char *expected = g_strdup_printf ("from bob: round %u", round);

      alice = confab_test_client_new_login (f->port, "alice");
      if (round == 0)
        confab_test_client_close (alice);
      else
        confab_test_client_reset (alice);

      again = confab_test_login_retry (f->port, "alice", 10000);
      confab_test_client_send_line (bob, text);
      confab_test_client_expect_line (again, expected);
    }
  confab_test_client_sync (bob, "bob");
}

static void
test_login_timeout (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(ConfabTestClient) silent = NULL;
  g_autoptr(ConfabTestClient) half = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;

  g_test_summary ("A connection that does not complete its login within "
                  "login_timeout_sec gets “error: login timeout” and is "
                  "closed; logged-in peers are not affected");

  silent = confab_test_client_new (f->port);
  half = confab_test_client_new (f->port);
  confab_test_client_send_raw (half, "ali", 3);
  carol = confab_test_client_new_login (f->port, "carol");

  confab_test_client_expect_line (silent, "error: login timeout");
  confab_test_client_expect_eof (silent);
  confab_test_client_expect_line (half, "error: login timeout");
  confab_test_client_expect_eof (half);

  /* More than login_timeout_sec has passed: carol is still there. */
  confab_test_client_sync (carol, "carol");
}

/* Clients that connect while the daemon is stopped (SIGSTOP) all wait in
 * the listen backlog at once: the daemon takes them in batches when it
 * runs again, and serves each. */
#define CROWD 300

/* Connects @n clients named PREFIX0... and sends their logins while the
 * daemon is stopped, so that all of them wait in its backlog at once. */
static void
connect_crowd (Fixture           *f,
               ConfabTestClient **clients,
               guint              n,
               const char        *prefix)
{
  confab_test_daemon_send_signal (f->daemon, SIGSTOP);
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *login = g_strdup_printf ("%s%u\n", prefix, i);

      clients[i] = confab_test_client_new (f->port);
      confab_test_client_send_raw (clients[i], login, strlen (login));
    }
  confab_test_daemon_send_signal (f->daemon, SIGCONT);
}

static void
test_login_crowd (Fixture      *f,
                  gconstpointer data)
{
  ConfabTestClient **clients = g_new0 (ConfabTestClient *, CROWD);

  g_test_summary ("300 clients waiting in the backlog at once all log in "
                  "and are served");

  connect_crowd (f, clients, CROWD, "crowd");

  for (guint i = 0; i < CROWD; i++)
    {
      g_autofree char *name = g_strdup_printf ("crowd%u", i);

      confab_test_client_sync (clients[i], name);
    }
  confab_test_client_send_line (clients[0], "crowd1, crowd299: all here");
  confab_test_client_expect_line (clients[1], "from crowd0: all here");
  confab_test_client_expect_line (clients[CROWD - 1], "from crowd0: all here");

  for (guint i = 0; i < CROWD; i++)
    confab_test_client_free (clients[i]);
  g_free (clients);
}

/* The same crowd against peers_max: taking many connections at once must
 * not let more in than allowed; the rest are told and closed. */
static void
test_login_crowd_server_full (Fixture      *f,
                              gconstpointer data)
{
  enum
  {
    N = 40,
    PEERS_MAX = 3
  };
  ConfabTestClient *clients[N];
  guint             logged_in = 0, refused = 0;

  g_test_summary ("Of 40 clients waiting in the backlog at once, exactly "
                  "peers_max log in; the others get “error: server full”");

  connect_crowd (f, clients, N, "c");

  for (guint i = 0; i < N; i++)
    {
      g_autofree char *self_line = g_strdup_printf ("c%u: here", i);
      g_autofree char *line = NULL;

      /* A refused client may be closed before this arrives. */
      confab_test_client_try_send_raw (clients[i], self_line, strlen (self_line), NULL);
      confab_test_client_try_send_raw (clients[i], "\n", 1, NULL);
      line = confab_test_client_read_line (clients[i]);
      if (g_str_equal (line, "error: server full"))
        {
          confab_test_client_expect_eof (clients[i]);
          refused++;
        }
      else
        {
          g_autofree char *expected = g_strdup_printf ("from c%u: here", i);

          g_assert_cmpstr (line, ==, expected);
          logged_in++;
        }
    }
  g_assert_cmpuint (logged_in, ==, PEERS_MAX);
  g_assert_cmpuint (refused, ==, N - PEERS_MAX);

  for (guint i = 0; i < N; i++)
    confab_test_client_free (clients[i]);
}

static void
test_login_server_full (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(ConfabTestClient) a = NULL;
  g_autoptr(ConfabTestClient) b = NULL;
  g_autoptr(ConfabTestClient) c = NULL;
  g_autoptr(ConfabTestClient) d = NULL;
  g_autofree char *line = NULL;

  g_test_summary ("With peers_max peers connected the next connection gets "
                  "“error: server full” and is closed; a freed slot is "
                  "usable again");

  a = confab_test_client_new_login (f->port, "a");
  b = confab_test_client_new_login (f->port, "b");
  c = confab_test_client_new_login (f->port, "c");

  /* Refused on connecting, before any login line... */
  line = expect_refused (f->port, "", 0, "error: server full");
  g_assert_cmpstr (line, ==, "error: server full");
  /* ...and with one sent at once. */
  g_clear_pointer (&line, g_free);
  line = expect_refused (f->port, "d\n", 2, "error: server full");
  g_assert_cmpstr (line, ==, "error: server full");

  confab_test_client_send_line (a, "b, c: still served");
  confab_test_client_expect_line (b, "from a: still served");
  confab_test_client_expect_line (c, "from a: still served");

  confab_test_client_close (a);
  d = confab_test_login_retry (f->port, "d", 10000);

  g_clear_pointer (&line, g_free);
  line = expect_refused (f->port, "e\n", 2, "error: server full");
  g_assert_cmpstr (line, ==, "error: server full");

  confab_test_client_send_line (d, "b, c, d: full house");
  confab_test_client_expect_line (b, "from d: full house");
  confab_test_client_expect_line (c, "from d: full house");
  confab_test_client_expect_line (d, "from d: full house");
}

/* ------------------------------------------------------------------ */
/* Messages                                                            */
/* ------------------------------------------------------------------ */

static void
test_message_recipients (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;

  g_test_summary ("Several recipients, white space around names and text, "
                  "duplicates delivered once, a peer addressing itself");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  carol = confab_test_client_new_login (f->port, "carol");

  confab_test_client_send_line (alice, " bob ,carol,\tbob , carol:   hello all \t ");
  confab_test_client_expect_line (bob, "from alice: hello all");
  confab_test_client_expect_line (carol, "from alice: hello all");

  confab_test_client_send_line (alice, "alice,bob: me too: with a colon");
  confab_test_client_expect_line (alice, "from alice: me too: with a colon");
  confab_test_client_expect_line (bob, "from alice: me too: with a colon");

  /* Nothing was delivered twice: the next line of each is the next message. */
  confab_test_client_send_line (alice, "bob, carol: second");
  confab_test_client_expect_line (bob, "from alice: second");
  confab_test_client_expect_line (carol, "from alice: second");
  confab_test_client_sync (alice, "alice");
}

static void
test_message_no_such_peer (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("An unknown recipient gets the sender “error: no such "
                  "peer: NAME”; the other recipients still get the message");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  confab_test_client_send_line (alice, "bob, nobody: hi");
  confab_test_client_expect_line (alice, "error: no such peer: nobody");
  confab_test_client_expect_line (bob, "from alice: hi");

  confab_test_client_send_line (alice, "ghost: anyone?");
  confab_test_client_expect_line (alice, "error: no such peer: ghost");

  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
}

/* Logs in alice and bob, sends each of @lines (bytes incl. the '\n')
 * from alice and expects @error for each; bob must receive none of
 * them and alice must stay connected. */
static void
check_refused_lines (Fixture            *f,
                     const char * const *lines,
                     const gsize        *lens,
                     gsize               n_lines,
                     const char         *error,
                     ConfabTestClient  **out_alice,
                     ConfabTestClient  **out_bob)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  for (gsize i = 0; i < n_lines; i++)
    {
      gsize            len = lens != NULL ? lens[i] : strlen (lines[i]);
      g_autofree char *copy = g_strndup (lines[i], len);
      g_autofree char *escaped = g_strescape (copy, NULL);

      g_test_message ("line “%s” (%" G_GSIZE_FORMAT " bytes)", escaped, len);
      confab_test_client_send_raw (alice, lines[i], len);
      confab_test_client_expect_line (alice, error);
    }

  /* The connection stayed open and bob got none of them. */
  confab_test_client_sync (alice, "alice");
  confab_test_client_send_line (alice, "bob: after the refused lines");
  confab_test_client_expect_line (bob, "from alice: after the refused lines");

  if (out_alice != NULL)
    *out_alice = g_steal_pointer (&alice);
  if (out_bob != NULL)
    *out_bob = g_steal_pointer (&bob);
}

static void
test_message_no_colon (Fixture      *f,
                       gconstpointer data)
{
  const char * const lines[] = { "hello there\n", "bob hi\n" };

  g_test_summary ("A line without ':' gets “error: expected 'name, name: "
                  "text'”");
  check_refused_lines (f, lines, NULL, G_N_ELEMENTS (lines),
                       "error: expected 'name, name: text'", NULL, NULL);
}

static void
test_message_empty (Fixture      *f,
                    gconstpointer data)
{
  const char * const lines[] = { "bob:\n", "bob:   \t \n", "bob: \r\n" };

  g_test_summary ("A message with empty text gets “error: empty message”");
  check_refused_lines (f, lines, NULL, G_N_ELEMENTS (lines), "error: empty message",
                       NULL, NULL);
}

static void
test_message_too_many_recipients (Fixture      *f,
                                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(ConfabTestClient) dave = NULL;

  g_test_summary ("More than recipients_max recipients gets “error: too "
                  "many recipients (limit N)” and nobody gets the message");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  carol = confab_test_client_new_login (f->port, "carol");
  dave = confab_test_client_new_login (f->port, "dave");

  confab_test_client_send_line (alice, "bob, carol, dave: three is fine");
  confab_test_client_expect_line (bob, "from alice: three is fine");
  confab_test_client_expect_line (carol, "from alice: three is fine");
  confab_test_client_expect_line (dave, "from alice: three is fine");

  confab_test_client_send_line (alice, "alice, bob, carol, dave: four is not");
  confab_test_client_expect_line (alice, "error: too many recipients (limit 3)");

  confab_test_client_send_line (alice, "alice, bob, carol: next");
  confab_test_client_expect_line (alice, "from alice: next");
  confab_test_client_expect_line (bob, "from alice: next");
  confab_test_client_expect_line (carol, "from alice: next");
  confab_test_client_send_line (bob, "dave: from bob");
  confab_test_client_expect_line (dave, "from bob: from bob");
}

static void
test_message_invalid_utf8 (Fixture      *f,
                           gconstpointer data)
{
  const char * const lines[] = {
    "bob: \xff\n",
    "bob: caf\xc3\n",          /* truncated sequence */
    "bob: \xc0\xaf\n",         /* overlong '/' */
    "bob: \xed\xa0\x80\n",     /* UTF-16 surrogate */
    "bob: \xf4\x90\x80\x80\n", /* beyond U+10FFFF */
    "b\xffob: in the name\n",
  };
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("Invalid UTF-8 gets “error: invalid UTF-8”; valid "
                  "non-ASCII text passes unchanged");
  check_refused_lines (f, lines, NULL, G_N_ELEMENTS (lines), "error: invalid UTF-8",
                       &alice, &bob);
  confab_test_client_send_line (alice, "bob: héllo wörld ✓ 日本 😀");
  confab_test_client_expect_line (bob, "from alice: héllo wörld ✓ 日本 😀");
}

static void
test_message_control_chars (Fixture      *f,
                            gconstpointer data)
{
  const char * const lines[] = {
    "bob: a\001b\n",
    "bob: a\033[31mred\n", /* ESC */
    "bob: a\177b\n",       /* DEL */
    "bob: a\rb\n",         /* CR inside the line */
    "bob: a\xc2\x9b"
    "31mb\n",        /* C1 control U+009B */
    "bob: a\000b\n", /* NUL */
    "\000bob: hi\n",
  };
  const gsize lens[] = {
    sizeof "bob: a\001b\n" - 1,
    sizeof "bob: a\033[31mred\n" - 1,
    sizeof "bob: a\177b\n" - 1,
    sizeof "bob: a\rb\n" - 1,
    sizeof "bob: a\xc2\x9b"
           "31mb\n" -
      1,
    sizeof "bob: a\000b\n" - 1,
    sizeof "\000bob: hi\n" - 1,
  };
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  G_STATIC_ASSERT (G_N_ELEMENTS (lines) == G_N_ELEMENTS (lens));
  g_test_summary ("NUL and control characters get “error: line contains "
                  "control characters”; TAB is allowed");
  check_refused_lines (f, lines, lens, G_N_ELEMENTS (lines),
                       "error: line contains control characters", &alice, &bob);
  confab_test_client_send_line (alice, "bob: a\tb");
  confab_test_client_expect_line (bob, "from alice: a\tb");
}

static void
test_message_crlf (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("A trailing CR is dropped from message lines");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  confab_test_client_send_raw (alice, "bob: crlf\r\nbob: lf\n",
                               strlen ("bob: crlf\r\nbob: lf\n"));
  confab_test_client_expect_line (bob, "from alice: crlf");
  confab_test_client_expect_line (bob, "from alice: lf");
}

static void
test_message_order (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  const guint n = 2000;

  g_test_summary ("Messages from one sender to one recipient arrive in "
                  "order, also when sent in one burst");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (burst, "bob: message %u\n", i);
  confab_test_client_send_raw (alice, burst->str, burst->len);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: message %u", i);

      confab_test_client_expect_line (bob, expected);
    }
  confab_test_client_sync (bob, "bob");
}

/* ------------------------------------------------------------------ */
/* Limits and bad input                                                */
/* ------------------------------------------------------------------ */

#define DEFAULT_LINE_MAX 4096

static void
test_limits_line_too_long (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) again = NULL;
  g_autofree char *exact = make_line ("bob: ", DEFAULT_LINE_MAX, 'x');
  g_autofree char *over = make_line ("bob: ", DEFAULT_LINE_MAX + 1, 'y');
  g_autofree char *expected = g_strconcat ("from alice: ", exact + 5, NULL);

  g_test_summary ("A line of line_max_bytes (default 4096) passes; one byte "
                  "more gets “error: line too long (limit N bytes)” and the "
                  "connection is closed");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  confab_test_client_send_line (alice, exact);
  confab_test_client_expect_line (bob, expected);

  confab_test_client_try_send_raw (alice, over, strlen (over), NULL);
  confab_test_client_try_send_raw (alice, "\n", 1, NULL);
  confab_test_client_expect_line (alice, "error: line too long (limit 4096 bytes)");
  confab_test_client_expect_eof (alice);

  /* Nothing of it reached bob, and alice's name is free again. */
  confab_test_client_sync (bob, "bob");
  again = confab_test_login_retry (f->port, "alice", 10000);
}

static void
test_limits_line_too_long_unterminated (Fixture      *f,
                                        gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *message = make_line ("bob: ", DEFAULT_LINE_MAX + 100, 'z');
  g_autofree char *name = make_line ("", DEFAULT_LINE_MAX + 100, 'n');
  g_autofree char *huge = make_line ("", 1024 * 1024, 'h');
  g_autofree char *line = NULL;

  g_test_summary ("A line that never ends is cut off as soon as it passes "
                  "line_max_bytes, in a message or in the login");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  /* No newline ever follows: the server must not wait for one. */
  confab_test_client_try_send_raw (alice, message, strlen (message), NULL);
  confab_test_client_expect_line (alice, "error: line too long (limit 4096 bytes)");
  confab_test_client_expect_eof (alice);

  line = expect_refused (f->port, name, strlen (name), "error: ");
  g_assert_cmpstr (line, ==, "error: line too long (limit 4096 bytes)");

  /* A megabyte without a newline: same, and no unbounded buffering. */
  g_clear_pointer (&line, g_free);
  line = expect_refused (f->port, huge, strlen (huge), "error: ");
  g_assert_cmpstr (line, ==, "error: line too long (limit 4096 bytes)");

  confab_test_client_sync (bob, "bob");
}

static void
test_limits_half_line (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;

  g_test_summary ("Half a line then a disconnect (FIN or reset, in the "
                  "login or later): the half line is dropped, the name "
                  "freed, others unaffected");

  bob = confab_test_client_new_login (f->port, "bob");

  for (guint round = 0; round < 2; round++)
    {
      g_autoptr(ConfabTestClient) alice = NULL;
      g_autoptr(ConfabTestClient) login_half = NULL;

      alice = confab_test_login_retry (f->port, "alice", 10000);
      confab_test_client_send_raw (alice, "bob: partial", 12);
      login_half = confab_test_client_new (f->port);
      confab_test_client_send_raw (login_half, "car", 3);

      if (round == 0)
        {
          confab_test_client_close (alice);
          confab_test_client_close (login_half);
        }
      else
        {
          confab_test_client_reset (alice);
          confab_test_client_reset (login_half);
        }

      /* Wait until the server processed the disconnect (the name is free
       * again): the half line would have been delivered by then. */
      g_clear_pointer (&alice, confab_test_client_free);
      alice = confab_test_login_retry (f->port, "alice", 10000);
    }

  /* bob never got "from alice: partial": his next line is the sync. */
  confab_test_client_sync (bob, "bob");
}

static void
test_input_garbage_login (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  const gsize sizes[] = { 2, 3, 17, 100, 1000, 4000 };

  g_test_summary ("Binary garbage as the login line gets “error: …” and "
                  "the connection is closed");

  for (gsize i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autoptr(GBytes) garbage = make_garbage (i + 1, sizes[i]);
      g_autoptr(GByteArray) login = g_byte_array_new ();
      g_autofree char *line = NULL;

      g_byte_array_append (login, g_bytes_get_data (garbage, NULL), sizes[i]);
      g_byte_array_append (login, (const guint8 *) "\n", 1);
      line = expect_refused (f->port, login->data, login->len, "error: ");
      g_test_message ("%" G_GSIZE_FORMAT " bytes: %s", sizes[i], line);
    }

  alice = confab_test_client_new_login (f->port, "alice");
}

static void
test_input_garbage_chat (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GByteArray) burst = g_byte_array_new ();
  g_autofree char *sync = g_strdup ("alice: __garbage_done");
  const guint      n_lines = 40;
  guint            n_errors = 0;

  g_test_summary ("Binary garbage after the login gets one “error: …” per "
                  "line; the connection and other peers keep working");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  for (guint i = 0; i < n_lines; i++)
    {
      g_autoptr(GBytes) garbage = make_garbage (100 + i, 2 + i * 37 % 300);
      gsize         len;
      const guint8 *bytes = g_bytes_get_data (garbage, &len);

      g_byte_array_append (burst, bytes, len);
      g_byte_array_append (burst, (const guint8 *) "\n", 1);
    }
  confab_test_client_send_raw (alice, burst->data, burst->len);
  confab_test_client_send_line (alice, sync);

  for (guint i = 0; i <= n_lines; i++)
    {
      g_autofree char *line = confab_test_client_read_line (alice);

      if (line == NULL)
        confab_test_fail ("alice was disconnected after %u garbage lines", n_errors);
      if (strcmp (line, "from alice: __garbage_done") == 0)
        break;
      if (!g_str_has_prefix (line, "error: "))
        {
          g_autofree char *escaped = g_strescape (line, NULL);

          confab_test_fail ("Expected an error for a garbage line, got “%s”", escaped);
        }
      n_errors++;
    }
  g_assert_cmpuint (n_errors, ==, n_lines);

  confab_test_client_send_line (bob, "alice: still talking to you");
  confab_test_client_expect_line (alice, "from bob: still talking to you");
  confab_test_client_send_line (alice, "bob: good");
  confab_test_client_expect_line (bob, "from alice: good");
}

#define SLOW_PAYLOAD   1000
#define SLOW_MAX_LINES 20000 /* 20 MB: far past kernel buffers + queue */

static void
test_limits_slow_consumer (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(ConfabTestClient) slow = NULL;
  g_autoptr(ConfabTestClient) flood = NULL;
  g_autoptr(ConfabTestClient) again = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *padding = make_line ("", SLOW_PAYLOAD, '.');
  g_autofree char *sync_echo = NULL;
  gboolean         dropped = FALSE;
  guint            sent = 0, received = 0, late_errors = 0;
  gboolean         eof = FALSE;
  gboolean         got_notice = FALSE;

  g_test_summary ("A peer that does not read while another floods it is "
                  "disconnected once its queue passes queue_max_bytes; the "
                  "flooder keeps working and the name is freed");

  /* A small receive window, so the kernel holds little for it. */
  slow = confab_test_client_new_full (f->port, 10000, 4096, &error);
  g_assert_no_error (error);
  confab_test_client_login (slow, "slow");
  flood = confab_test_client_new_login (f->port, "flood");

  /* flood never addresses itself and reads its socket now and then, so
   * the only slow consumer is "slow". Once slow is gone, flood's lines
   * to it come back as "error: no such peer: slow". */
  for (sent = 0; sent < SLOW_MAX_LINES && !dropped; sent++)
    {
      g_autofree char *line = g_strdup_printf ("slow: %u %s", sent, padding);

      confab_test_client_send_line (flood, line);
      if (sent % 32 == 31)
        {
          g_autofree char *reply = NULL;

          while ((reply = confab_test_client_try_read_line (flood, 0, &eof)) != NULL)
            {
              if (strcmp (reply, "error: no such peer: slow") != 0)
                confab_test_fail ("flood got “%s”", reply);
              dropped = TRUE;
              late_errors++;
              g_clear_pointer (&reply, g_free);
            }
          g_assert_false (eof);
        }
    }
  g_test_message ("slow was dropped after %u lines of %u bytes", sent, SLOW_PAYLOAD);
  if (!dropped)
    confab_test_fail ("slow was not disconnected after %u MB", SLOW_MAX_LINES / 1000);

  /* The flooder keeps working: drain its errors up to a round trip. */
  sync_echo = g_strdup ("from flood: __after_flood");
  confab_test_client_send_line (flood, "flood: __after_flood");
  for (;;)
    {
      g_autofree char *reply = confab_test_client_read_line (flood);

      if (reply == NULL)
        confab_test_fail ("flood was disconnected");
      if (strcmp (reply, sync_echo) == 0)
        break;
      g_assert_cmpstr (reply, ==, "error: no such peer: slow");
      late_errors++;
      g_assert_cmpuint (late_errors, <=, sent);
    }

  /* The name is free. */
  again = confab_test_login_retry (f->port, "slow", 10000);
  confab_test_client_send_line (flood, "slow: welcome back");
  confab_test_client_expect_line (again, "from flood: welcome back");

  /* The old connection holds a prefix of what was sent, in order, then
   * the notice (it waited for room, now that slow reads), then ends. */
  for (;;)
    {
      g_autofree char *line = confab_test_client_read_line (slow);
      g_autofree char *expected = NULL;

      if (line == NULL)
        break;
      if (g_str_has_prefix (line, "error: "))
        {
          g_assert_cmpstr (line, ==, "error: slow consumer");
          confab_test_client_expect_eof (slow);
          got_notice = TRUE;
          break;
        }
      expected = g_strdup_printf ("from flood: %u %s", received, padding);
      if (strcmp (line, expected) != 0)
        confab_test_fail ("slow's line %u is wrong: “%.40s…”", received, line);
      received++;
      g_assert_cmpuint (received, <=, sent);
    }
  g_test_message ("slow read %u lines before the end", received);
  g_assert_true (got_notice);
  g_assert_true (confab_test_client_is_eof (slow, NULL));
  g_assert_null (confab_test_client_get_pending (slow, NULL));
  if (confab_test_client_get_pending (slow, NULL) != NULL)
    g_test_message ("slow's stream ended in the middle of a line");
}

/* Starts a non-blocking connect: the connection completes, or waits in
 * the daemon's backlog, without the test waiting for it. */
static GSocket *
connect_no_wait (guint16 port)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new_from_string ("127.0.0.1", port);

  socket = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  g_socket_set_blocking (socket, FALSE);
  if (!g_socket_connect (socket, address, NULL, &error))
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PENDING);
  return g_steal_pointer (&socket);
}

#define EXTRA_CONNECTIONS 150

static void
test_limits_low_nofile (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func (g_object_unref);
  GPid   pid = confab_test_daemon_get_pid (f->daemon);
  gint64 deadline;
  guint  fds_before, fds = 0, last_fds = 0, stable = 0;
  double cpu_before, cpu_after;

  g_test_summary ("Out of file descriptors (RLIMIT_NOFILE 64, 150 "
                  "connections) the daemon does not spin or crash, keeps "
                  "serving its peers and recovers when connections close");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  fds_before = confab_test_count_fds (pid);
  for (guint i = 0; i < EXTRA_CONNECTIONS; i++)
    g_ptr_array_add (extra, connect_no_wait (f->port));

  /* Wait for the daemon to take all the descriptors it can: the count
   * stops changing (ten samples, 1 s) — there is no event to wait for. */
  deadline = g_get_monotonic_time () + confab_test_timeout_ms (15000) * G_TIME_SPAN_MILLISECOND;
  while (stable < 10 && g_get_monotonic_time () < deadline)
    {
      g_usleep (100 * G_TIME_SPAN_MILLISECOND);
      fds = confab_test_count_fds (pid);
      stable = fds == last_fds ? stable + 1 : 0;
      last_fds = fds;
    }
  g_test_message ("confabd holds %u descriptors of %u (%u before the storm)",
                  fds, LOW_NOFILE, fds_before);
  g_assert_cmpuint (stable, >=, 10);
  /* It took what it could (how close to the limit it goes is its own
   * choice), and cannot have taken all: the pressure is real. */
  g_assert_cmpuint (fds, >=, fds_before + 10);
  g_assert_cmpuint (fds, <=, LOW_NOFILE);

  /* Saturated: over 2 s the daemon must sleep, not retry accept() in a
   * busy loop. Measuring CPU time needs wall time to pass. */
  cpu_before = confab_test_get_cpu_time (pid);
  g_usleep (2 * G_USEC_PER_SEC);
  cpu_after = confab_test_get_cpu_time (pid);
  g_test_message ("confabd used %.2f s of CPU in 2 s while saturated",
                  cpu_after - cpu_before);
  g_assert_cmpfloat (cpu_after - cpu_before, <, 0.5);

  /* The peers from before still chat. */
  confab_test_client_send_line (alice, "bob: still there?");
  confab_test_client_expect_line (bob, "from alice: still there?");
  confab_test_client_send_line (bob, "alice: yes");
  confab_test_client_expect_line (alice, "from bob: yes");

  /* Free the descriptors; new logins work again. */
  for (guint i = 0; i < extra->len; i++)
    g_socket_close (g_ptr_array_index (extra, i), NULL);
  g_ptr_array_set_size (extra, 0);

  carol = confab_test_login_retry (f->port, "carol", 20000);
  confab_test_client_send_line (carol, "alice, bob: hello after the storm");
  confab_test_client_expect_line (alice, "from carol: hello after the storm");
  confab_test_client_expect_line (bob, "from carol: hello after the storm");
}

/* ------------------------------------------------------------------ */
/* Life cycle                                                          */
/* ------------------------------------------------------------------ */

/* Sends @n messages alice → bob while bob does not read, makes sure the
 * daemon accepted all, sends @signum, then checks that bob gets every
 * message, then the shutdown line and the end, and that the daemon
 * exits 0. */
static void
check_shutdown_drains (Fixture *f,
                       int      signum,
                       guint    n)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  g_autofree char *padding = make_line ("", 200, '-');

  /* A small receive window, so most of the burst waits in the daemon. */
  bob = confab_test_client_new_full (f->port, 10000, 4096, &error);
  g_assert_no_error (error);
  confab_test_client_login (bob, "bob");
  alice = confab_test_client_new_login (f->port, "alice");

  for (guint i = 0; i < n; i++)
    g_string_append_printf (burst, "bob: %u %s\n", i, padding);
  confab_test_client_send_raw (alice, burst->str, burst->len);
  /* The echo comes after the daemon handled every line before it. */
  confab_test_client_sync (alice, "alice");

  confab_test_daemon_send_signal (f->daemon, signum);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: %u %s", i, padding);

      confab_test_client_expect_line (bob, expected);
    }
  confab_test_client_expect_line (bob, "error: server shutting down");
  confab_test_client_expect_eof (bob);

  confab_test_client_expect_line (alice, "error: server shutting down");
  confab_test_client_expect_eof (alice);

  confab_test_daemon_wait_exit (f->daemon, 20000);
  confab_test_daemon_assert_exit_status (f->daemon, 0);
}

static void
test_lifecycle_sigterm (Fixture      *f,
                        gconstpointer data)
{
  g_test_summary ("SIGTERM delivers every accepted message, tells peers "
                  "“error: server shutting down”, closes them and exits 0");
  check_shutdown_drains (f, SIGTERM, 1000);
}

static void
test_lifecycle_sigint (Fixture      *f,
                       gconstpointer data)
{
  g_test_summary ("SIGINT shuts down like SIGTERM");
  check_shutdown_drains (f, SIGINT, 200);
}

/* alice sends bob a line of exactly @len bytes; bob must get it. */
static void
check_line_accepted (ConfabTestClient *alice,
                     ConfabTestClient *bob,
                     gsize             len)
{
  g_autofree char *line = make_line ("bob: ", len, 'a');
  g_autofree char *expected = g_strconcat ("from alice: ", line + 5, NULL);

  confab_test_client_send_line (alice, line);
  confab_test_client_expect_line (bob, expected);
}

/* @client sends a line of @len bytes; it must be refused as too long
 * for @limit, and the connection closed. */
static void
check_line_refused (ConfabTestClient *client,
                    gsize             len,
                    guint             limit)
{
  g_autofree char *line = make_line ("bob: ", len, 'r');
  g_autofree char *expected = g_strdup_printf ("error: line too long (limit %u bytes)", limit);

  confab_test_client_try_send_raw (client, line, len, NULL);
  confab_test_client_try_send_raw (client, "\n", 1, NULL);
  confab_test_client_expect_line (client, expected);
  confab_test_client_expect_eof (client);
}

static void
test_lifecycle_sighup_reload (Fixture      *f,
                              gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  const char * const smaller[] = { "line_max_bytes", "100", NULL };
  gsize              offset;

  g_test_summary ("SIGHUP reloads the limits without dropping connections");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  check_line_accepted (alice, bob, 1000);

  confab_test_write_config (f->config_path, smaller);
  offset = confab_test_daemon_get_log_length (f->daemon);
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Reloaded configuration", 10000);

  /* Both connections from before survived the reload. */
  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
  check_line_accepted (alice, bob, 100);

  /* The new limit holds for a new connection... */
  carol = confab_test_client_new_login (f->port, "carol");
  check_line_refused (carol, 101, 100);
  /* ...and for one made before the reload. */
  check_line_refused (alice, 150, 100);

  confab_test_client_sync (bob, "bob");
}

/* Sends @n lines from @sender ("alice") to @recipient ("bob"), each in
 * a send of its own, and checks that all arrive in order; then, once they
 * have, one more line, and waits for it too. Each line takes a token
 * before it is handled, so past the burst the lines come at the rate.
 *
 * Returns: the seconds from the first send to the last line's arrival */
static double
time_lines (ConfabTestClient *sender,
            ConfabTestClient *recipient,
            guint             n)
{
  gint64 start = g_get_monotonic_time ();

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *line = g_strdup_printf ("bob: line %u", i);

      confab_test_client_send_line (sender, line);
    }
  for (guint i = 0; i < n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: line %u", i);

      confab_test_client_expect_line (recipient, expected);
    }
  confab_test_client_send_line (sender, "bob: after");
  confab_test_client_expect_line (recipient, "from alice: after");

  return (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;
}

static void
test_limits_rate (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  double elapsed;

  g_test_summary ("With a rate limit, a fast sender is slowed down, not "
                  "refused: every line arrives, in order, and the others "
                  "are not slowed down");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  carol = confab_test_client_new_login (f->port, "carol");

  elapsed = time_lines (alice, bob, 60);
  g_test_message ("60 lines and one more took %.3f s", elapsed);
  g_assert_cmpfloat (elapsed * 1000, >=, RATE_LIMITED_MIN_MS);

  /* One send of 50 lines: past the burst they wait for tokens, a line
   * at a time, and while alice's input waits, carol's line goes through
   * ahead of alice's next one. */
  for (guint i = 1; i <= 50; i++)
    g_string_append_printf (burst, "bob: %u\n", i);
  confab_test_client_send_raw (alice, burst->str, burst->len);
  for (guint i = 1; i <= 50; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: %u", i);

      confab_test_client_expect_line (bob, expected);
    }
  confab_test_client_send_line (alice, "bob: late");
  confab_test_client_send_line (carol, "bob: not late");
  confab_test_client_expect_line (bob, "from carol: not late");
  confab_test_client_expect_line (bob, "from alice: late");

  /* Nothing was lost on the way, and alice's connection is fine. */
  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
}

static void
test_limits_rate_off (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  double elapsed;

  g_test_summary ("Without a rate limit (the default), nothing is delayed");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  elapsed = time_lines (alice, bob, 60);
  g_test_message ("60 lines and one more took %.3f s", elapsed);
  /* A loose bound: on loopback this takes milliseconds. */
  g_assert_cmpfloat (elapsed * 1000, <, confab_test_timeout_ms (RATE_LIMITED_MIN_MS));
}

static void
test_lifecycle_sighup_rate_limit (Fixture      *f,
                                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  const char * const limited[] = {
    "rate_limit_messages_per_sec", "50", "rate_limit_burst", "5", NULL
  };
  gsize  offset;
  double elapsed;

  g_test_summary ("SIGHUP turns the rate limit on for connections made "
                  "before it");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  elapsed = time_lines (alice, bob, 60);
  g_test_message ("without a limit: %.3f s", elapsed);

  confab_test_write_config (f->config_path, limited);
  offset = confab_test_daemon_get_log_length (f->daemon);
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Reloaded configuration", 10000);

  /* The bucket starts full at the first line after the reload. */
  elapsed = time_lines (alice, bob, 60);
  g_test_message ("with the limit: %.3f s", elapsed);
  g_assert_cmpfloat (elapsed * 1000, >=, RATE_LIMITED_MIN_MS);
}

static void
test_lifecycle_sighup_invalid (Fixture      *f,
                               gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  const char *invalid[] = {
    /* A partial apply would take the 100. */
    "[limits]\nline_max_bytes=100\npeers_max=banana\n",
    "[limits]\nline_max_bytes=100\nqueue_max_bytes=1\n",
    "this is [not a key file\n",
  };
  const char * const valid[] = { "line_max_bytes", "300", NULL };
  gsize              offset;

  g_test_summary ("SIGHUP with an invalid config file keeps the previous "
                  "configuration and says so; a later valid one applies");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  for (gsize i = 0; i < G_N_ELEMENTS (invalid); i++)
    {
      g_autoptr(GError) error = NULL;

      g_test_message ("config “%s”", invalid[i]);
      g_file_set_contents (f->config_path, invalid[i], -1, &error);
      g_assert_no_error (error);
      offset = confab_test_daemon_get_log_length (f->daemon);
      confab_test_daemon_send_signal (f->daemon, SIGHUP);
      confab_test_daemon_wait_for_log (f->daemon, offset,
                                       "Keeping the previous configuration", 10000);
      check_line_accepted (alice, bob, 200);
    }

  confab_test_write_config (f->config_path, valid);
  offset = confab_test_daemon_get_log_length (f->daemon);
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Reloaded configuration", 10000);
  check_line_accepted (alice, bob, 300);
  check_line_refused (alice, 301, 300);
}

/* ------------------------------------------------------------------ */
/* Many clients                                                        */
/* ------------------------------------------------------------------ */

#define N_CLIENTS  20
#define N_TARGETS  3
#define N_MESSAGES 50

typedef struct
{
  ConfabTestClient *client; /* (unowned) */
  guint             index;
} ChatterData;

static char *
chatter_name (guint index)
{
  return g_strdup_printf ("user%02u", index % N_CLIENTS);
}

static gpointer
chatter_thread (gpointer user_data)
{
  ChatterData     *data = user_data;
  g_autofree char *targets = NULL;
  guint            next[N_CLIENTS] = { 0 };

  /* Send to the next N_TARGETS clients... */
  {
    g_autofree char *t1 = chatter_name (data->index + 1);
    g_autofree char *t2 = chatter_name (data->index + 2);
    g_autofree char *t3 = chatter_name (data->index + 3);

    targets = g_strdup_printf ("%s, %s, %s", t1, t2, t3);
  }
  for (guint k = 0; k < N_MESSAGES; k++)
    {
      g_autofree char *line = g_strdup_printf ("%s: m %u %u", targets, data->index, k);

      confab_test_client_send_line (data->client, line);
    }

  /* ...and get each message of the N_TARGETS clients before, once and in
   * order per sender. */
  for (guint i = 0; i < N_TARGETS * N_MESSAGES; i++)
    {
      g_autofree char *line = confab_test_client_read_line (data->client);
      guint            sender, seq, sender_name;

      if (line == NULL)
        confab_test_fail ("client %u was disconnected", data->index);
      if (sscanf (line, "from user%u: m %u %u", &sender_name, &sender, &seq) != 3 ||
          sender_name != sender || sender >= N_CLIENTS)
        confab_test_fail ("client %u got “%s”", data->index, line);
      if ((data->index + N_CLIENTS - sender) % N_CLIENTS > N_TARGETS ||
          sender == data->index)
        confab_test_fail ("client %u got a message not for it: “%s”", data->index, line);
      if (seq != next[sender])
        confab_test_fail ("client %u: from %u expected #%u, got #%u",
                          data->index, sender, next[sender], seq);
      next[sender]++;
    }

  return NULL;
}

static void
test_interop_many_clients (Fixture      *f,
                           gconstpointer data)
{
  ConfabTestClient *clients[N_CLIENTS];
  ChatterData       chatters[N_CLIENTS];
  GThread          *threads[N_CLIENTS];

  g_test_summary ("20 clients each sending to 3 others at once: every "
                  "message arrives exactly once, in order per sender");

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autofree char *name = chatter_name (i);

      clients[i] = confab_test_client_new_login (f->port, name);
    }

  for (guint i = 0; i < N_CLIENTS; i++)
    {
      chatters[i].client = clients[i];
      chatters[i].index = i;
      threads[i] = g_thread_new ("chatter", chatter_thread, &chatters[i]);
    }
  for (guint i = 0; i < N_CLIENTS; i++)
    g_thread_join (threads[i]);

  /* Nothing extra is left over: the next line of each is its sync. */
  for (guint i = 0; i < N_CLIENTS; i++)
    {
      g_autofree char *name = chatter_name (i);

      confab_test_client_sync (clients[i], name);
      confab_test_client_free (clients[i]);
    }
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  /* Messages quote with “”: print them as UTF-8, not as '?'. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add_func ("/util/client/lines", test_util_client_lines);
  g_test_add_func ("/util/config/write", test_util_config);
  g_test_add_func ("/util/proc", test_util_proc);

  g_test_add_func ("/daemon/cli/version", test_cli_version);
  g_test_add_func ("/daemon/cli/help", test_cli_help);
  g_test_add_func ("/daemon/cli/listen-invalid", test_cli_listen_invalid);
  g_test_add_func ("/daemon/cli/listen-in-use", test_cli_listen_in_use);

  add_daemon_test ("/daemon/login/basic", NULL, test_login_basic);
  add_daemon_test ("/daemon/login/trim", NULL, test_login_trim);
  add_daemon_test ("/daemon/login/name-valid", NULL, test_login_name_valid);
  add_daemon_test ("/daemon/login/name-invalid", NULL, test_login_name_invalid);
  add_daemon_test ("/daemon/login/name-taken", NULL, test_login_name_taken);
  add_daemon_test ("/daemon/login/look-alike", NULL, test_login_look_alike);
  add_daemon_test ("/daemon/login/name-freed", NULL, test_login_name_freed);
  add_daemon_test ("/daemon/login/timeout", &login_timeout_options, test_login_timeout);
  add_daemon_test ("/daemon/login/server-full", &server_full_options, test_login_server_full);
  add_daemon_test ("/daemon/login/crowd", NULL, test_login_crowd);
  add_daemon_test ("/daemon/login/crowd-server-full", &server_full_options,
                   test_login_crowd_server_full);

  add_daemon_test ("/daemon/message/recipients", NULL, test_message_recipients);
  add_daemon_test ("/daemon/message/no-such-peer", NULL, test_message_no_such_peer);
  add_daemon_test ("/daemon/message/no-colon", NULL, test_message_no_colon);
  add_daemon_test ("/daemon/message/empty", NULL, test_message_empty);
  add_daemon_test ("/daemon/message/too-many-recipients", &recipients_options,
                   test_message_too_many_recipients);
  add_daemon_test ("/daemon/message/invalid-utf8", NULL, test_message_invalid_utf8);
  add_daemon_test ("/daemon/message/control-chars", NULL, test_message_control_chars);
  add_daemon_test ("/daemon/message/crlf", NULL, test_message_crlf);
  add_daemon_test ("/daemon/message/order", NULL, test_message_order);

  add_daemon_test ("/daemon/limits/line-too-long", NULL, test_limits_line_too_long);
  add_daemon_test ("/daemon/limits/line-too-long-unterminated", NULL,
                   test_limits_line_too_long_unterminated);
  add_daemon_test ("/daemon/limits/half-line", NULL, test_limits_half_line);
  add_daemon_test ("/daemon/limits/slow-consumer", &slow_consumer_options,
                   test_limits_slow_consumer);
  add_daemon_test ("/daemon/limits/low-nofile", &low_nofile_options, test_limits_low_nofile);
  add_daemon_test ("/daemon/limits/rate", &rate_limit_options, test_limits_rate);
  add_daemon_test ("/daemon/limits/rate-off", NULL, test_limits_rate_off);

  add_daemon_test ("/daemon/input/garbage-login", NULL, test_input_garbage_login);
  add_daemon_test ("/daemon/input/garbage-chat", NULL, test_input_garbage_chat);

  add_daemon_test ("/daemon/lifecycle/sigterm-drains", NULL, test_lifecycle_sigterm);
  add_daemon_test ("/daemon/lifecycle/sigint-drains", NULL, test_lifecycle_sigint);
  add_daemon_test ("/daemon/lifecycle/sighup-reload", &reload_options,
                   test_lifecycle_sighup_reload);
  add_daemon_test ("/daemon/lifecycle/sighup-rate-limit", &rate_limit_off_options,
                   test_lifecycle_sighup_rate_limit);
  add_daemon_test ("/daemon/lifecycle/sighup-invalid-config", &reload_invalid_options,
                   test_lifecycle_sighup_invalid);

  add_daemon_test ("/daemon/interop/many-clients", NULL, test_interop_many_clients);

  return g_test_run ();
}
