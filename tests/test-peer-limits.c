/* test-peer-limits.c: what one connection may cost the others.
 *
 * Each test runs the real confabd on 127.0.0.1:0 (tests/confab-test-util.h)
 * and checks a bound on a single connection: a kicked peer that never
 * reads is closed in bounded time, a client pipelining "/peers" cannot
 * keep the others waiting, the rate limit holds within one packet.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <string.h>
#include <sys/resource.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"

#define BUS_NAME "org.confab.Confab1"
#define WAIT_MS  20000
#define RUN_MS   30000

typedef struct
{
  ConfabDBusTestBus *bus; /* (owned) (nullable): only for tests that kick */
  ConfabTestTmpDir  *tmp;
  char              *config_path;
  ConfabTestDaemon  *daemon;
  GPid               pid;
  guint16            port;
} Fixture;

typedef struct
{
  const char * const *config;
  gboolean            bus; /* on a private session bus */
} Options;

G_NORETURN
static void
fail_hook (const char *strloc,
           const char *message)
{
  confab_test_fail_at (strloc, "wait", "%s", message);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const Options     *options = data;
  const char * const session[] = { "--bus", "session", NULL };

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, options->config);
  if (options->bus)
    {
      g_autoptr(GDBusConnection) connection = NULL;
      g_autoptr(GError) error = NULL;

      confab_dbus_test_set_fail_func (fail_hook);
      f->bus = confab_dbus_test_bus_up ();
      connection = g_dbus_connection_new_for_address_sync (confab_dbus_test_bus_get_address (f->bus),
                                                           G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                             G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                           NULL, NULL, &error);
      g_assert_no_error (error);
      f->daemon = confab_test_daemon_start (f->config_path, session, 0);
      confab_dbus_test_wait_name (connection, BUS_NAME, TRUE, WAIT_MS);
      g_dbus_connection_close_sync (connection, NULL, NULL);
    }
  else
    {
      f->daemon = confab_test_daemon_start (f->config_path, NULL, 0);
    }
  f->port = confab_test_daemon_get_port (f->daemon);
  f->pid = confab_test_daemon_get_pid (f->daemon);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  if (!confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);
  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->bus, confab_dbus_test_bus_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

#define ADD(path, options, func) \
  g_test_add ((path), Fixture, (options), fixture_setup, (func), fixture_teardown)

/* Waits (bounded by @timeout_ms, scaled) until confabd holds at most
 * @fds descriptors. Returns: the milliseconds it took */
static gint64
wait_fds_at_most (Fixture *f,
                  guint    fds,
                  guint    timeout_ms)
{
  gint64 start = g_get_monotonic_time ();
  gint64 deadline = start + confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  guint  now;

  while ((now = confab_test_count_fds (f->pid)) > fds && g_get_monotonic_time () < deadline)
    g_usleep (20 * G_TIME_SPAN_MILLISECOND);
  if (now > fds)
    confab_test_fail ("confabd still holds %u descriptors after %u ms, expected at most %u",
                      now, confab_test_timeout_ms (timeout_ms), fds);
  return (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
}

/* ------------------------------------------------------------------ */
/* A kicked peer that never reads                                      */
/* ------------------------------------------------------------------ */

/* The bound confabd gives a closing peer to take its last lines. */
#define CLOSE_BOUND_MS 10000
/* Lines of about 220 bytes: 40000 make 8.8 MB, more than the kernel's
 * buffers of a loopback connection hold, so most stay in bob's queue. */
#define KICK_LINES 40000

static const Options kick_options = {
  .config = (const char * const[]) { "queue_max_bytes", "67108864", NULL },
  .bus = TRUE,
};

static void
test_kick_non_reader (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char   *confabctl = confab_test_program_path ("confabctl");
  g_autofree char   *padding = g_strnfill (200, 'k');
  const char * const kick[] = { confabctl, "kick", "bob", "flooding", NULL };
  guint              fds;
  gint64             ms;

  g_test_summary ("A kicked peer that never reads, with megabytes queued for "
                  "it, is closed within the bound a fatal error gets (10 s)");

  /* bob: a small window, and he never reads. */
  bob = confab_test_client_new_full (f->port, 10000, 4096, &error);
  g_assert_no_error (error);
  confab_test_client_login (bob, "bob");
  alice = confab_test_client_new_login (f->port, "alice");

  for (guint i = 0; i < KICK_LINES; i++)
    g_string_append_printf (burst, "bob: line %u %s\n", i, padding);
  confab_test_client_send_raw (alice, burst->str, burst->len);
  confab_test_client_sync (alice, "alice");

  fds = confab_test_count_fds (f->pid);
  g_assert_cmpint (confab_dbus_test_run (kick, NULL, RUN_MS, NULL, NULL), ==, 0);
  ms = wait_fds_at_most (f, fds - 1, CLOSE_BOUND_MS + 5000);
  g_test_message ("bob's connection was closed %" G_GINT64_FORMAT " ms after the kick", ms);

  /* alice was not held up by any of it. */
  confab_test_client_sync (alice, "alice");
}

/* ------------------------------------------------------------------ */
/* "/peers" pipelined                                                  */
/* ------------------------------------------------------------------ */

#define CROWD       300
#define FLOOD_LINES 8000

static const Options flood_options = {
  /* Half of it (4 MiB) is the flooder's share: 400 replies of 10 KB. */
  .config = (const char * const[]) { "queue_max_bytes", "8388608", NULL },
};

static void
ping_pong (ConfabTestClient *alice,
           ConfabTestClient *bob,
           guint             round)
{
  g_autofree char *ping = g_strdup_printf ("bob: ping %u", round);
  g_autofree char *ping_got = g_strdup_printf ("from alice: ping %u", round);
  g_autofree char *pong = g_strdup_printf ("alice: pong %u", round);
  g_autofree char *pong_got = g_strdup_printf ("from bob: pong %u", round);

  confab_test_client_send_line (alice, ping);
  /* The very next line: had the flood been handled, "flood done" would
   * have come first. */
  confab_test_client_expect_line (bob, ping_got);
  confab_test_client_send_line (bob, pong);
  confab_test_client_expect_line (alice, pong_got);
}

static void
test_peers_flood (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(GPtrArray) crowd = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_test_client_free);
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) flooder = NULL;
  g_autoptr(GString) flood = g_string_new (NULL);
  g_autofree char *first = NULL;

  g_test_summary ("A client pipelining thousands of “/peers” on a crowded "
                  "server is served in turns: two other peers' round trips "
                  "complete while its flood is in progress, and the flooder, "
                  "which reads late, still gets every reply, in order");

  /* Names of 32 characters: each reply is about 10 KB. */
  for (guint i = 0; i < CROWD; i++)
    {
      g_autofree char *name = g_strdup_printf ("crowd%027u", i);

      g_ptr_array_add (crowd, confab_test_client_new_login (f->port, name));
    }
  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");
  flooder = confab_test_client_new_login (f->port, "flooder");

  for (guint i = 0; i < FLOOD_LINES; i++)
    g_string_append (flood, "/peers\n");
  g_string_append (flood, "bob: flood done\n");
  confab_test_client_send_raw (flooder, flood->str, flood->len);

  /* The flood has begun: its first reply is out. */
  first = confab_test_client_expect_prefix (flooder, "peers: ");
  g_assert_true (g_str_has_suffix (first, " flooder"));

  for (guint round = 0; round < 3; round++)
    ping_pong (alice, bob, round);

  /* Now the flooder reads: every reply comes, then its last line. */
  for (guint i = 1; i < FLOOD_LINES; i++)
    {
      g_autofree char *line = confab_test_client_expect_prefix (flooder, "peers: ");
    }
  confab_test_client_expect_line (bob, "from flooder: flood done");
  confab_test_client_sync (flooder, "flooder");
  confab_test_client_sync (alice, "alice");
}

/* ------------------------------------------------------------------ */
/* The rate limit within one packet                                    */
/* ------------------------------------------------------------------ */

#define RATE       5
#define BURST      3
#define RATE_LINES 15
#define FIRST_MS   300

static const Options rate_options = {
  .config = (const char * const[]) {
    "rate_limit_messages_per_sec", G_STRINGIFY (RATE),
    "rate_limit_burst", G_STRINGIFY (BURST),
    NULL },
};

static void
test_rate_one_packet (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) packet = g_string_new (NULL);
  gint64 start, first_ms, all_ms;
  guint  early = 0;
  guint  most;

  g_test_summary ("At 5 lines a second with a burst of 3, one packet of 15 "
                  "lines delivers about the burst at once, and the rest at "
                  "the rate");

  bob = confab_test_client_new_login (f->port, "bob");
  /* alice's bucket starts with her login's sync, after this. */
  start = g_get_monotonic_time ();
  alice = confab_test_client_new_login (f->port, "alice");

  for (guint i = 0; i < RATE_LINES; i++)
    g_string_append_printf (packet, "bob: %u\n", i);
  confab_test_client_send_raw (alice, packet->str, packet->len);

  /* What arrives in the first moments: never more than the bucket can
   * have given by then, however slow this run is. */
  for (;;)
    {
      g_autofree char *line = NULL;
      g_autofree char *expected = NULL;
      gint64           left = FIRST_MS - (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;

      if (left <= 0 || (line = confab_test_client_try_read_line (bob, left, NULL)) == NULL)
        break;
      expected = g_strdup_printf ("from alice: %u", early);
      g_assert_cmpstr (line, ==, expected);
      early++;
    }
  first_ms = (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
  most = BURST + (guint) ((first_ms * RATE + 999) / 1000);
  g_test_message ("%u lines in the first %" G_GINT64_FORMAT " ms (at most %u allowed)",
                  early, first_ms, most);
  g_assert_cmpuint (early, <=, most);
  g_assert_cmpuint (early, <, RATE_LINES);

  /* The rest follows, in order, and takes the time the rate says. */
  for (guint i = early; i < RATE_LINES; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from alice: %u", i);

      confab_test_client_expect_line (bob, expected);
    }
  all_ms = (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
  g_test_message ("all %u lines after %" G_GINT64_FORMAT " ms", RATE_LINES, all_ms);
  /* The login's sync took a token too: RATE_LINES + 1 - BURST are owed. */
  g_assert_cmpint (all_ms, >=, (RATE_LINES + 1 - BURST) * 1000 / RATE);
}

/* ------------------------------------------------------------------ */
/* The operator's log                                                  */
/* ------------------------------------------------------------------ */

#define PEERS_MAX 6

static const Options log_options = {
  .config = (const char * const[]) {
    "peers_max", G_STRINGIFY (PEERS_MAX),
    "login_timeout_sec", "1",
    "queue_max_bytes", "65536",
    "line_max_bytes", "4096",
    NULL },
  .bus = TRUE,
};

/* Returns: (transfer full): the client's own address, as confabd logs it */
static char *
client_address (ConfabTestClient *client)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autoptr(GError) error = NULL;

  local = g_socket_get_local_address (confab_test_client_get_socket (client), &error);
  g_assert_no_error (error);
  return g_strdup_printf ("127.0.0.1:%u",
                          g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)));
}

/* Waits for the log line "TITLE: ADDRESS[ NAME] (REASON)". */
static void
expect_log (Fixture          *f,
            const char       *title,
            ConfabTestClient *client,
            const char       *name_and_reason)
{
  g_autofree char *address = client_address (client);
  g_autofree char *needle = g_strdup_printf ("%s: %s%s", title, address, name_and_reason);

  confab_test_daemon_wait_for_log (f->daemon, 0, needle, 10000);
}

static ConfabTestClient *
new_client (Fixture *f)
{
  return confab_test_client_new (f->port);
}

static void
test_log_events (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(GPtrArray) silent = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_test_client_free);
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char   *confabctl = confab_test_program_path ("confabctl");
  const char * const kick[] = { confabctl, "kick", "bob", "too loud", NULL };
  g_autofree char   *padding = g_strnfill (200, 's');
  g_autofree char   *too_long = g_strnfill (5000, 'x');
  ConfabTestClient  *refused;
  gboolean           dropped = FALSE;

  g_test_summary ("At the default level confabd logs one line, naming the "
                  "address, the name and the reason, for a refused login, a "
                  "line too long, a full server, a login timeout, a slow "
                  "consumer and a kicked peer's close");

  alice = confab_test_client_new_login (f->port, "alice");

  /* Server full and, a second later, login timeouts: alice and five
   * silent connections are all peers_max allows. */
  for (guint i = 0; i < PEERS_MAX; i++)
    g_ptr_array_add (silent, new_client (f));
  refused = g_ptr_array_index (silent, PEERS_MAX - 1);
  confab_test_client_expect_line (refused, "error: server full");
  expect_log (f, "Server full, refused", refused, " (server full)");
  expect_log (f, "Login timeout", g_ptr_array_index (silent, 0), " (login timeout)");
  g_ptr_array_set_size (silent, 0);

  /* Refused logins: an invalid name, a taken one. */
  {
    g_autoptr(ConfabTestClient) c = new_client (f);

    confab_test_client_send_line (c, "@bad");
    g_free (confab_test_client_expect_prefix (c, "error: "));
    /* An invalid name is not logged: it may hold anything. */
    expect_log (f, "Refused login", c, " (invalid name: ");
  }
  {
    g_autoptr(ConfabTestClient) c = new_client (f);

    confab_test_client_send_line (c, "alice");
    confab_test_client_expect_line (c, "error: name taken: alice");
    expect_log (f, "Refused login", c, " alice (name taken: alice)");
  }

  /* A line too long. */
  {
    g_autoptr(ConfabTestClient) c = confab_test_client_new_login (f->port, "longline");

    confab_test_client_send_line (c, too_long);
    g_free (confab_test_client_expect_prefix (c, "error: line too long"));
    expect_log (f, "Line too long", c, " longline (line too long");
  }

  /* A slow consumer: it never reads while alice floods it. */
  {
    g_autoptr(ConfabTestClient) slow = NULL;

    slow = confab_test_client_new_full (f->port, 10000, 4096, &error);
    g_assert_no_error (error);
    confab_test_client_login (slow, "slow");
    for (guint round = 0; round < 200 && !dropped; round++)
      {
        g_autoptr(GString) burst = g_string_new (NULL);
        g_autofree char *log = NULL;

        for (guint i = 0; i < 200; i++)
          g_string_append_printf (burst, "slow: %u %s\n", i, padding);
        confab_test_client_send_raw (alice, burst->str, burst->len);
        log = confab_test_daemon_dup_log (f->daemon);
        dropped = strstr (log, "Dropped a slow consumer") != NULL;
      }
    expect_log (f, "Dropped a slow consumer", slow, " slow (slow consumer)");
  }

  /* A kick, logged with the administrator's reason once closed. */
  {
    g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
    g_autofree char *address = client_address (bob);
    g_autofree char *needle = g_strdup_printf ("Closed a kicked peer: %s bob (kicked: too loud)", address);

    g_assert_cmpint (confab_dbus_test_run (kick, NULL, RUN_MS, NULL, NULL), ==, 0);
    confab_test_client_expect_line (bob, "error: kicked: too loud");
    confab_test_client_expect_eof (bob);
    confab_test_client_close (bob);
    confab_test_daemon_wait_for_log (f->daemon, 0, needle, 10000);
  }
}

static const Options log_flood_options = {
  .config = (const char * const[]) { NULL },
};

/* The budget confab-log.h documents: 10 lines at once, then one a second. */
#define LOG_BURST   10
#define LOG_PER_SEC 1
#define REFUSALS    1000

/* Returns: the number of occurrences of @needle in @haystack */
static guint
count_lines (const char *haystack,
             const char *needle)
{
  guint n = 0;

  for (const char *p = haystack; (p = strstr (p, needle)) != NULL; p += strlen (needle))
    n++;
  return n;
}

static void
refuse_one (Fixture *f)
{
  g_autoptr(ConfabTestClient) c = new_client (f);

  confab_test_client_send_line (c, "@flood");
  g_free (confab_test_client_expect_prefix (c, "error: "));
}

static void
test_log_flood (Fixture      *f,
                gconstpointer data)
{
  g_autofree char *log = NULL;
  gint64           start = g_get_monotonic_time ();
  gint64           deadline;
  double           elapsed;
  guint            logged, bound;

  g_test_summary ("1000 refused logins log a bounded number of lines, then one "
                  "line saying how many were suppressed");

  for (guint i = 0; i < REFUSALS; i++)
    refuse_one (f);
  elapsed = (g_get_monotonic_time () - start) / (double) G_USEC_PER_SEC;

  /* Every refusal is handled (and would be logged) before its reply. */
  log = confab_test_daemon_dup_log (f->daemon);
  logged = count_lines (log, "Refused login: ");
  bound = LOG_BURST + (guint) (elapsed * LOG_PER_SEC) + 1;
  g_test_message ("%u refusals in %.2f s logged %u lines (at most %u allowed)",
                  REFUSALS, elapsed, logged, bound);
  g_assert_cmpuint (logged, >=, 1);
  g_assert_cmpuint (logged, <=, bound);

  /* Once the budget has a line again, the count comes first. */
  deadline = g_get_monotonic_time () + confab_test_timeout_ms (10000) * G_TIME_SPAN_MILLISECOND;
  while (count_lines (log, "similar messages suppressed (login-refused)") == 0 &&
         g_get_monotonic_time () < deadline)
    {
      g_usleep (250 * G_TIME_SPAN_MILLISECOND);
      refuse_one (f);
      g_free (log);
      log = confab_test_daemon_dup_log (f->daemon);
    }
  g_assert_cmpuint (count_lines (log, "similar messages suppressed (login-refused)"), >=, 1);
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  struct rlimit limit;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* The crowd holds 300 sockets of its own. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  ADD ("/peer-limits/kick-non-reader", &kick_options, test_kick_non_reader);
  ADD ("/peer-limits/peers-flood", &flood_options, test_peers_flood);
  ADD ("/peer-limits/rate-one-packet", &rate_options, test_rate_one_packet);
  ADD ("/peer-limits/log/events", &log_options, test_log_events);
  ADD ("/peer-limits/log/flood", &log_flood_options, test_log_flood);

  return g_test_run ();
}
