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

#define BUS_NAME   "org.confab.Confab1"
#define WAIT_MS    20000
#define RUN_MS     30000

typedef struct
{
  ConfabDBusTestBus *bus;         /* (owned) (nullable): only for tests that kick */
  ConfabTestTmpDir  *tmp;
  char              *config_path;
  ConfabTestDaemon  *daemon;
  GPid               pid;
  guint16            port;
} Fixture;

typedef struct
{
  const char * const *config;
  gboolean            bus;        /* on a private session bus */
} Options;

G_NORETURN
static void
fail_hook (const char *strloc,
           const char *message)
{
  confab_test_fail_at (strloc, "wait", "%s", message);
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  const Options *options = data;
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
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
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
  guint now;

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
#define KICK_LINES     40000

static const Options kick_options = {
  .config = (const char * const []) { "queue_max_bytes", "67108864", NULL },
  .bus = TRUE,
};

static void
test_kick_non_reader (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) burst = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *confabctl = confab_test_program_path ("confabctl");
  g_autofree char *padding = g_strnfill (200, 'k');
  const char * const kick[] = { confabctl, "kick", "bob", "flooding", NULL };
  guint fds;
  gint64 ms;

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

#define CROWD        300
#define FLOOD_LINES  8000

static const Options flood_options = {
  /* Half of it (4 MiB) is the flooder's share: 400 replies of 10 KB. */
  .config = (const char * const []) { "queue_max_bytes", "8388608", NULL },
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
test_peers_flood (Fixture       *f,
                  gconstpointer  data)
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

#define RATE        5
#define BURST       3
#define RATE_LINES  15
#define FIRST_MS    300

static const Options rate_options = {
  .config = (const char * const []) {
    "rate_limit_messages_per_sec", G_STRINGIFY (RATE),
    "rate_limit_burst", G_STRINGIFY (BURST),
    NULL
  },
};

static void
test_rate_one_packet (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) packet = g_string_new (NULL);
  gint64 start, first_ms, all_ms;
  guint early = 0;
  guint most;

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
      gint64 left = FIRST_MS - (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;

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

  return g_test_run ();
}
