/* test-faults.c: fault injection against the real confabd.
 *
 * Each test spawns confabd on 127.0.0.1:0 (tests/confab-test-util.h) and
 * makes the network or the machine misbehave on purpose: peers that reset
 * while the daemon writes to them, half-close, vanish under a large queued
 * output, run the daemon out of file descriptors, delete its config file
 * before a SIGHUP, stop it while slow consumers hold full queues, or flood
 * it with connections that never log in.
 *
 * What must hold after every fault, checked by the fixture's teardown for
 * every test whose daemon is still running: the daemon's descriptor count
 * returns to what it was before the test (bounded wait: closing a
 * connection takes a main-loop turn), it still accepts and serves a new
 * peer, and SIGTERM stops it with exit status 0 (so a crash, a sanitizer
 * report or valgrind's error exit fails the test that caused it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <glib/gstdio.h>

#include "confab-test-util.h"

/* ------------------------------------------------------------------ */
/* Fixture                                                             */
/* ------------------------------------------------------------------ */

typedef struct
{
  const char * const *config; /* key/value pairs for the config file */
  const char * const *args;   /* more arguments for confabd, or NULL */
  guint               nofile; /* RLIMIT_NOFILE of the daemon, 0: as is */
} FaultOptions;

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  GPid              pid;
  guint16           port;
  guint             fds_baseline; /* descriptors once it listens */
} Fixture;

/* Waits until the descriptor count of @pid is the same @samples times in
 * a row, @interval_ms apart, for at most @timeout_ms (scaled), and
 * returns it; *@settled (optional) says whether it did settle. There is
 * no event that says "the daemon took all it can". */
static guint
wait_fds_settled (GPid      pid,
                  guint     samples,
                  guint     interval_ms,
                  guint     timeout_ms,
                  gboolean *settled)
{
  gint64 deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
  guint fds = confab_test_count_fds (pid);
  guint same = 0;

  while (same < samples && g_get_monotonic_time () < deadline)
    {
      guint now;

      g_usleep (interval_ms * G_TIME_SPAN_MILLISECOND);
      now = confab_test_count_fds (pid);
      same = now == fds ? same + 1 : 0;
      fds = now;
    }
  if (settled != NULL)
    *settled = same >= samples;
  return fds;
}

static void
warm_up (Fixture *f)
{
  g_autoptr(ConfabTestClient) client = confab_test_client_new_login (f->port, "warmup");

  confab_test_client_close (client);
}

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const FaultOptions *options = data;

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path,
                            options != NULL ? options->config : NULL);
  f->daemon = confab_test_daemon_start (f->config_path,
                                        options != NULL ? options->args : NULL,
                                        options != NULL ? options->nofile : 0);
  f->port = confab_test_daemon_get_port (f->daemon);
  f->pid = confab_test_daemon_get_pid (f->daemon);

  /* GLib opens some descriptors lazily (the worker thread's wake-up
   * eventfd, say) once the loop runs: the baseline is taken after one
   * peer has come and gone, once the count has settled. */
  warm_up (f);
  f->fds_baseline = wait_fds_settled (f->pid, 5, 50, 5000, NULL);
}

/* Returns: (transfer full): " FD→TARGET" for each descriptor of @pid */
static char *
describe_fds (GPid pid)
{
  g_autofree char *dir_path = g_strdup_printf ("/proc/%d/fd", (int) pid);
  g_autoptr(GDir) dir = g_dir_open (dir_path, 0, NULL);
  GString    *out = g_string_new (NULL);
  const char *name;

  while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir_path, name, NULL);
      g_autofree char *target = g_file_read_link (path, NULL);

      g_string_append_printf (out, " %s→%s", name, target != NULL ? target : "?");
    }
  return g_string_free (out, FALSE);
}

/* Waits (bounded) until the daemon holds exactly the descriptors it held
 * before the test: every connection the fault touched is closed, and
 * nothing else was opened and forgotten. */
static void
assert_fds_return_to_baseline (Fixture *f)
{
  gint64 deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (10000) * G_TIME_SPAN_MILLISECOND;
  guint fds;

  while ((fds = confab_test_count_fds (f->pid)) != f->fds_baseline &&
         g_get_monotonic_time () < deadline)
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);

  g_test_message ("confabd holds %u descriptors (%u before the test)",
                  fds, f->fds_baseline);
  if (fds != f->fds_baseline)
    {
      g_autofree char *listing = describe_fds (f->pid);

      confab_test_fail ("confabd holds %u descriptors, %u before the test:%s",
                        fds, f->fds_baseline, listing);
    }
}

/* A new peer can connect, log in and get its own message back. */
static void
assert_still_serves (Fixture *f)
{
  g_autoptr(ConfabTestClient) probe = NULL;

  probe = confab_test_login_retry (f->port, "probe", 10000);
  confab_test_client_send_line (probe, "probe: still here");
  confab_test_client_expect_line (probe, "from probe: still here");
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  /* Tests of the life cycle stop the daemon themselves and check how. */
  if (!confab_test_daemon_has_exited (f->daemon))
    {
      assert_fds_return_to_baseline (f);
      assert_still_serves (f);
      assert_fds_return_to_baseline (f);
      confab_test_daemon_stop (f->daemon);
    }

  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

#define add_fault_test(path, options, func) \
  g_test_add ((path), Fixture, (options), fixture_setup, (func), fixture_teardown)

/* Queues large enough that no test peer is dropped as a slow consumer:
 * these tests are about the network failing, not the queue limit. */
static const FaultOptions big_queue_options = {
  .config = (const char * const[]) { "queue_max_bytes", "67108864", NULL },
};
/* The same, logging each connection's end and why (the socket error). */
static const FaultOptions big_queue_verbose_options = {
  .config = (const char * const[]) { "queue_max_bytes", "67108864", NULL },
  .args = (const char * const[]) { "--verbose", NULL },
};
#define LOW_NOFILE 64
static const FaultOptions low_nofile_options = {
  /* Idle connections must not time out while the test runs. */
  .config = (const char * const[]) { "login_timeout_sec", "120", NULL },
  .nofile = LOW_NOFILE,
};
static const FaultOptions reload_options = {
  .config = (const char * const[]) { "line_max_bytes", "200", NULL },
};
#define SHUTDOWN_TIMEOUT_SEC 2
static const FaultOptions shutdown_options = {
  .config = (const char * const[]) {
    "shutdown_timeout_sec", G_STRINGIFY (SHUTDOWN_TIMEOUT_SEC),
    "queue_max_bytes", "67108864",
    NULL },
};
static const FaultOptions login_timeout_options = {
  .config = (const char * const[]) { "login_timeout_sec", "1", NULL },
};

/* ------------------------------------------------------------------ */
/* Helpers                                                             */
/* ------------------------------------------------------------------ */

#define PAYLOAD 200
/* Lines of about 220 bytes: 40000 make 8.8 MB, more than the kernel
 * buffers of a loopback connection hold (up to 4 MiB for sending plus the
 * receive window), so most of such a burst waits in the daemon's own
 * queue and the daemon is in the middle of writing it. */
#define BIG_BURST 40000

/* Returns: (transfer full): @len bytes of @fill */
static char *
make_padding (gsize len,
              char  fill)
{
  char *s = g_malloc (len + 1);

  memset (s, fill, len);
  s[len] = '\0';
  return s;
}

/* A client with a 4 KiB receive window: a few lines fill it, so what the
 * daemon sends it next waits in the daemon's queue. The victims of the
 * faults below log in with it, retrying while the name is still taken
 * (confab_test_login_retry_rcvbuf()). */
#define SMALL_WINDOW 4096

static ConfabTestClient *
new_small_window_client (guint16     port,
                         const char *name)
{
  g_autoptr(GError) error = NULL;
  ConfabTestClient *client;

  client = confab_test_client_new_full (port, 10000, SMALL_WINDOW, &error);
  g_assert_no_error (error);
  confab_test_client_login (client, name);
  return client;
}

/* @sender sends @n lines "RECIPIENT: TAG I PADDING" in one go, then syncs,
 * so the daemon has read (and queued) every one when this returns. */
static void
send_burst (ConfabTestClient *sender,
            const char       *sender_name,
            const char       *recipient,
            const char       *tag,
            guint             n,
            const char       *padding)
{
  g_autoptr(GString) burst = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    {
      g_string_append_printf (burst, "%s: %s %u %s\n", recipient, tag, i, padding);
      /* Send in pieces of about 1 MiB, not one huge buffer. */
      if (burst->len > 1024 * 1024)
        {
          confab_test_client_send_raw (sender, burst->str, burst->len);
          g_string_truncate (burst, 0);
        }
    }
  confab_test_client_send_raw (sender, burst->str, burst->len);
  confab_test_client_sync (sender, sender_name);
}

/* Reads @n lines and checks they are "from SENDER: TAG I PADDING" for
 * I = first .. first + n - 1. */
static void
expect_burst (ConfabTestClient *client,
              const char       *sender,
              const char       *tag,
              guint             first,
              guint             n,
              const char       *padding)
{
  for (guint i = first; i < first + n; i++)
    {
      g_autofree char *expected = g_strdup_printf ("from %s: %s %u %s", sender, tag, i, padding);

      confab_test_client_expect_line (client, expected);
    }
}

/* ------------------------------------------------------------------ */
/* Peers that go away while the daemon writes to them                  */
/* ------------------------------------------------------------------ */

#define RESET_ROUNDS 3

static void
test_reset_during_write (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(ConfabTestClient) sender = NULL;
  g_autofree char *padding = make_padding (PAYLOAD, 'r');
  gsize            offset;

  g_test_summary ("A peer that resets its connection (SO_LINGER 0) while "
                  "the daemon is writing a burst to it is closed and "
                  "forgotten; the sender is not affected and the name is "
                  "free again at once");

  sender = confab_test_client_new_login (f->port, "sender");
  offset = confab_test_daemon_get_log_length (f->daemon);

  for (guint round = 0; round < RESET_ROUNDS; round++)
    {
      g_autoptr(ConfabTestClient) victim = NULL;
      g_autofree char *tag = g_strdup_printf ("round%u", round);

      /* The name of the previous round's victim becomes free as soon as
       * the daemon notices the reset. */
      victim = confab_test_login_retry_rcvbuf (f->port, "victim", 10000, SMALL_WINDOW);

      /* The daemon is in the middle of writing (blocked on the socket,
       * megabytes still queued) when the reset comes. */
      send_burst (sender, "sender", "victim", tag, BIG_BURST, padding);
      expect_burst (victim, "sender", tag, 0, 10, padding);
      confab_test_client_reset (victim);
    }

  /* The sender never noticed anything but, perhaps, the victim missing. */
  confab_test_client_send_line (sender, "sender: __after");
  for (;;)
    {
      g_autofree char *line = confab_test_client_read_line (sender);

      if (line == NULL)
        confab_test_fail ("the sender was disconnected");
      if (strcmp (line, "from sender: __after") == 0)
        break;
      g_assert_cmpstr (line, ==, "error: no such peer: victim");
    }

  /* It was the reset that ended them (ECONNRESET on send or receive). */
  confab_test_daemon_wait_for_log (f->daemon, offset, "Connection reset by peer", 10000);
}

static void
test_half_close_text (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GString) all = g_string_new ("alice\n");
  g_autoptr(GError) error = NULL;
  g_autofree char *padding = make_padding (PAYLOAD, 'h');
  const guint      n = BIG_BURST;

  g_test_summary ("A text peer that sends its login and lines, then shuts "
                  "down its write side, still gets every reply, then a "
                  "clean end of stream; its messages reach the others");

  bob = confab_test_client_new_login (f->port, "bob");

  /* A small window and megabytes of replies (to herself and to bob, who
   * does not read yet either), so most are still queued in the daemon
   * when it reads the end of alice's stream. */
  alice = confab_test_client_new_full (f->port, 10000, 4096, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (all, "alice, bob: half %u %s\n", i, padding);
  g_string_append (all, "/peers\n");
  confab_test_client_send_raw (alice, all->str, all->len);
  g_socket_shutdown (confab_test_client_get_socket (alice), FALSE, TRUE, &error);
  g_assert_no_error (error);

  expect_burst (alice, "alice", "half", 0, n, padding);
  confab_test_client_expect_line (alice, "peers: alice bob");
  confab_test_client_expect_eof (alice);

  expect_burst (bob, "alice", "half", 0, n, padding);
  /* alice has left: the name is free. */
  g_clear_pointer (&alice, confab_test_client_free);
  alice = confab_test_login_retry (f->port, "alice", 10000);
  confab_test_client_send_line (bob, "alice: hello again");
  confab_test_client_expect_line (alice, "from bob: hello again");
}

static void
test_half_close_json (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  const char      *frames =
    "{\"type\":\"login\",\"name\":\"carol\",\"protocol\":1}\n"
    "{\"type\":\"message\",\"to\":[\"carol\"],\"text\":\"one\\ntwo\"}\n"
    "{\"type\":\"message\",\"to\":[\"nobody\"],\"text\":\"x\"}\n"
    "{\"type\":\"peers\"}\n";

  g_test_summary ("A JSON peer that half-closes after its requests gets "
                  "every answer, in order, then a clean end of stream");

  carol = confab_test_client_new (f->port);
  confab_test_client_send_raw (carol, frames, strlen (frames));
  g_socket_shutdown (confab_test_client_get_socket (carol), FALSE, TRUE, &error);
  g_assert_no_error (error);

  g_free (confab_test_client_expect_prefix (carol, "{\"type\":\"welcome\",\"name\":\"carol\""));
  line = confab_test_client_expect_prefix (carol, "{\"type\":\"message\",\"from\":\"carol\"");
  g_assert_nonnull (strstr (line, "\"text\":\"one\\ntwo\""));
  g_free (confab_test_client_expect_prefix (carol, "{\"type\":\"error\",\"code\":\"no-such-peer\""));
  confab_test_client_expect_line (carol, "{\"type\":\"peers\",\"peers\":[\"carol\"]}");
  confab_test_client_expect_eof (carol);
}

/* Sends batches of lines to @recipient until the daemon answers "no such
 * peer" (it has noticed the recipient is gone). Bounded in lines and time. */
static void
send_until_gone (ConfabTestClient *sender,
                 const char       *recipient,
                 const char       *padding)
{
  g_autofree char *gone = g_strdup_printf ("error: no such peer: %s", recipient);
  gint64           deadline = g_get_monotonic_time () +
                    confab_test_timeout_ms (20000) * G_TIME_SPAN_MILLISECOND;

  for (guint batch = 0; g_get_monotonic_time () < deadline; batch++)
    {
      g_autoptr(GString) lines = g_string_new (NULL);
      g_autofree char *reply = NULL;
      gboolean         eof = FALSE;

      for (guint i = 0; i < 50; i++)
        g_string_append_printf (lines, "%s: late %u %u %s\n", recipient, batch, i, padding);
      confab_test_client_send_raw (sender, lines->str, lines->len);

      reply = confab_test_client_try_read_line (sender, 20, &eof);
      g_assert_false (eof);
      if (reply != NULL)
        {
          g_assert_cmpstr (reply, ==, gone);
          g_test_message ("the daemon noticed after %u batches", batch + 1);
          return;
        }
    }
  confab_test_fail ("the daemon still routes to %s after it closed", recipient);
}

/* Drains whatever the sender got (only "no such peer" errors), up to a
 * round trip. */
static void
drain_to_sync (ConfabTestClient *sender,
               const char       *sender_name,
               const char       *allowed)
{
  g_autofree char *probe = g_strdup_printf ("%s: __drain", sender_name);
  g_autofree char *echo = g_strdup_printf ("from %s: __drain", sender_name);

  confab_test_client_send_line (sender, probe);
  for (;;)
    {
      g_autofree char *line = confab_test_client_read_line (sender);

      if (line == NULL)
        confab_test_fail ("%s was disconnected", sender_name);
      if (strcmp (line, echo) == 0)
        return;
      g_assert_cmpstr (line, ==, allowed);
    }
}

static void
test_epipe (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) flooder = NULL;
  g_autoptr(ConfabTestClient) reader = NULL;
  g_autoptr(ConfabTestClient) victim = NULL;
  g_autoptr(ConfabTestClient) sleeper = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *padding = make_padding (PAYLOAD, 'e');
  gsize            offset;

  g_test_summary ("Writes failing with EPIPE or ECONNRESET (the peer "
                  "closed while output for it was queued or still "
                  "coming) close that peer only; the daemon is not killed "
                  "by SIGPIPE and the writer is told the peer is gone");

  flooder = confab_test_client_new_login (f->port, "flooder");

  /* 1. A peer that reads everything, then closes normally (FIN) in the
   * middle of a flood: it has quit, the flood meets "no such peer". */
  reader = confab_test_client_new_login (f->port, "reader");
  send_burst (flooder, "flooder", "reader", "first", 200, padding);
  expect_burst (reader, "flooder", "first", 0, 200, padding);
  confab_test_client_close (reader);
  send_until_gone (flooder, "reader", padding);
  drain_to_sync (flooder, "flooder", "error: no such peer: reader");

  /* 2. EPIPE: a peer half-closes with output still queued for it (the
   * daemon keeps writing, as it must for a half-close), then closes with
   * bytes unread, which is a reset. A reset on a connection whose peer
   * already sent its FIN makes the daemon's next send fail with EPIPE. */
  offset = confab_test_daemon_get_log_length (f->daemon);
  victim = new_small_window_client (f->port, "victim");
  send_burst (flooder, "flooder", "victim", "queued", BIG_BURST, padding);
  expect_burst (victim, "flooder", "queued", 0, 1, padding);
  g_socket_shutdown (confab_test_client_get_socket (victim), FALSE, TRUE, &error);
  g_assert_no_error (error);
  /* The daemon has read the FIN once the name is free. */
  g_clear_pointer (&reader, confab_test_client_free);
  reader = confab_test_login_retry (f->port, "victim", 10000);
  confab_test_client_reset (victim);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Broken pipe", 10000);

  /* 3. ECONNRESET: a peer that closes while the daemon is blocked
   * writing to it, with bytes unread in its own buffer. */
  offset = confab_test_daemon_get_log_length (f->daemon);
  sleeper = new_small_window_client (f->port, "sleeper");
  send_burst (flooder, "flooder", "sleeper", "queued", BIG_BURST, padding);
  expect_burst (sleeper, "flooder", "queued", 0, 1, padding);
  confab_test_client_close (sleeper);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Connection reset by peer", 10000);
  send_until_gone (flooder, "sleeper", padding);
  drain_to_sync (flooder, "flooder", "error: no such peer: sleeper");

  /* The names are free again and the flooder was never disturbed. */
  g_clear_pointer (&sleeper, confab_test_client_free);
  sleeper = confab_test_login_retry (f->port, "sleeper", 10000);
  confab_test_client_send_line (flooder, "victim, sleeper: welcome back");
  confab_test_client_expect_line (reader, "from flooder: welcome back");
  confab_test_client_expect_line (sleeper, "from flooder: welcome back");
}

#define VANISH_LINES  50000
#define VANISH_ROUNDS 3

static void
test_vanish_mid_output (Fixture      *f,
                        gconstpointer data)
{
  g_autoptr(ConfabTestClient) flooder = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autofree char *padding = make_padding (PAYLOAD, 'v');
  guint64          rss[VANISH_ROUNDS];

  g_test_summary ("A peer that vanishes (reset) with about 10 MB queued "
                  "for it, in the middle of a write, is closed and its "
                  "queue freed, again and again without memory growing; "
                  "other peers are served meanwhile without a stall");

  carol = confab_test_client_new_login (f->port, "carol");
  flooder = confab_test_client_new_login (f->port, "flooder");

  for (guint round = 0; round < VANISH_ROUNDS; round++)
    {
      g_autoptr(ConfabTestClient) victim = NULL;
      gint64 start, elapsed_ms;

      victim = confab_test_login_retry_rcvbuf (f->port, "victim", 10000, SMALL_WINDOW);
      send_burst (flooder, "flooder", "victim", "big", VANISH_LINES, padding);
      expect_burst (victim, "flooder", "big", 0, 5, padding);
      confab_test_client_reset (victim);

      /* carol is served at once, whatever the daemon does with the queue. */
      start = g_get_monotonic_time ();
      confab_test_client_sync (carol, "carol");
      elapsed_ms = (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
      g_assert_cmpint (elapsed_ms, <, confab_test_timeout_ms (1000));

      /* The daemon dropped the connection once the name is free. */
      g_clear_pointer (&victim, confab_test_client_free);
      victim = confab_test_login_retry (f->port, "victim", 10000);
      confab_test_client_send_line (flooder, "victim: fresh start");
      confab_test_client_expect_line (victim, "from flooder: fresh start");

      rss[round] = confab_test_get_rss_kib (f->pid);
      g_test_message ("round %u: carol's round trip took %" G_GINT64_FORMAT
                      " ms, confabd VmRSS %" G_GUINT64_FORMAT " KiB",
                      round, elapsed_ms, rss[round]);
    }

  /* A queue that was not freed would add its 10 MB every round. The
   * allocator keeps what it got, so compare from the first round on. Under
   * valgrind or AddressSanitizer (the daemon is built like this test) freed
   * blocks wait in a quarantine and RSS says nothing; their own leak
   * checks run at the daemon's exit instead. */
  if (confab_test_rss_is_meaningful ())
    g_assert_cmpuint (rss[VANISH_ROUNDS - 1], <, rss[0] + 5 * 1024);
  else
    g_test_message ("VmRSS not checked: the daemon runs under a memory checker");
}

/* ------------------------------------------------------------------ */
/* Out of file descriptors                                             */
/* ------------------------------------------------------------------ */

#define EXTRA_CONNECTIONS 150
#define KEPT_CONNECTIONS  20

/* Starts a non-blocking connect; the daemon's backlog completes it. */
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

static void
test_emfile_recovery (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GPtrArray) extra = g_ptr_array_new_with_free_func (g_object_unref);
  g_autoptr(GPtrArray) served = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_test_client_free);
  gboolean settled;
  guint    fds;

  g_test_summary ("Out of file descriptors (RLIMIT_NOFILE 64, 150 "
                  "connections): connections the daemon could not take "
                  "wait in the backlog and are served once others close, "
                  "existing peers chat throughout, and every descriptor "
                  "is given back at the end");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  for (guint i = 0; i < EXTRA_CONNECTIONS; i++)
    g_ptr_array_add (extra, connect_no_wait (f->port));
  fds = wait_fds_settled (f->pid, 10, 100, 15000, &settled);
  g_assert_true (settled);
  g_test_message ("saturated: confabd holds %u descriptors of %u", fds, LOW_NOFILE);
  g_assert_cmpuint (fds, <=, LOW_NOFILE);
  /* It cannot hold all 150: some wait unaccepted. */
  g_assert_cmpuint (fds, <, f->fds_baseline + 2 + EXTRA_CONNECTIONS);

  /* The peers from before chat while the daemon is saturated. */
  confab_test_client_send_line (alice, "bob: saturated?");
  confab_test_client_expect_line (bob, "from alice: saturated?");

  /* Close the oldest connections (those the daemon accepted first); the
   * newest, which waited in the backlog, must now be accepted and served. */
  for (guint i = 0; i < EXTRA_CONNECTIONS - KEPT_CONNECTIONS; i++)
    g_socket_close (g_ptr_array_index (extra, i), NULL);
  g_ptr_array_remove_range (extra, 0, EXTRA_CONNECTIONS - KEPT_CONNECTIONS);

  for (guint i = 0; i < extra->len; i++)
    {
      GSocket         *socket = g_ptr_array_index (extra, i);
      g_autofree char *name = g_strdup_printf ("late%u", i);
      g_autoptr(GError) error = NULL;
      ConfabTestClient *client;

      /* The connect completed long ago in the kernel's backlog. */
      g_socket_set_blocking (socket, TRUE);
      g_socket_set_timeout (socket, confab_test_timeout_ms (10000) / 1000);
      if (!g_socket_condition_timed_wait (socket, G_IO_OUT,
                                          confab_test_timeout_ms (10000) * G_TIME_SPAN_MILLISECOND,
                                          NULL, &error) ||
          !g_socket_check_connect_result (socket, &error))
        confab_test_fail ("connection %u never completed: %s", i, error->message);

      client = confab_test_client_new_for_socket (socket);
      g_ptr_array_add (served, client);
      confab_test_client_login (client, name);
    }
  g_ptr_array_set_size (extra, 0);

  /* The late ones chat with the old ones. */
  confab_test_client_send_line (alice, "late0, bob: all aboard");
  confab_test_client_expect_line (g_ptr_array_index (served, 0), "from alice: all aboard");
  confab_test_client_expect_line (bob, "from alice: all aboard");

  /* Everything closes; the fixture checks every descriptor comes back. */
  g_ptr_array_set_size (served, 0);
}

/* ------------------------------------------------------------------ */
/* Configuration and signals                                           */
/* ------------------------------------------------------------------ */

/* alice sends bob a line of exactly @len bytes, which must arrive. */
static void
check_line_accepted (ConfabTestClient *alice,
                     ConfabTestClient *bob,
                     gsize             len)
{
  g_autofree char *text = make_padding (len - strlen ("bob: "), 'a');
  g_autofree char *line = g_strconcat ("bob: ", text, NULL);
  g_autofree char *expected = g_strconcat ("from alice: ", text, NULL);

  confab_test_client_send_line (alice, line);
  confab_test_client_expect_line (bob, expected);
}

/* A new connection sending a line of @len bytes is refused as too long
 * for @limit and closed. */
static void
check_line_refused (guint16 port,
                    gsize   len,
                    guint   limit)
{
  g_autoptr(ConfabTestClient) carol = confab_test_client_new_login (port, "carol");
  g_autofree char *text = make_padding (len - strlen ("bob: "), 'r');
  g_autofree char *line = g_strconcat ("bob: ", text, "\n", NULL);
  g_autofree char *expected = g_strdup_printf ("error: line too long (limit %u bytes)", limit);

  confab_test_client_try_send_raw (carol, line, strlen (line), NULL);
  confab_test_client_expect_line (carol, expected);
  confab_test_client_expect_eof (carol);
}

static void
test_config_deleted_sighup (Fixture      *f,
                            gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  const char * const bigger[] = { "line_max_bytes", "300", NULL };
  gsize              offset;

  g_test_summary ("SIGHUP after the config file was deleted keeps the "
                  "previous limits and connections and logs why; a file "
                  "put back is read on the next SIGHUP");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  g_assert_cmpint (g_unlink (f->config_path), ==, 0);
  offset = confab_test_daemon_get_log_length (f->daemon);
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  offset = confab_test_daemon_wait_for_log (f->daemon, offset,
                                            "Keeping the previous configuration", 10000);

  /* The limit of the deleted file (200) still holds; nobody was dropped. */
  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
  check_line_accepted (alice, bob, 200);
  check_line_refused (f->port, 201, 200);

  /* A second SIGHUP with the file still missing changes nothing either. */
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  offset = confab_test_daemon_wait_for_log (f->daemon, offset,
                                            "Keeping the previous configuration", 10000);
  check_line_accepted (alice, bob, 200);

  confab_test_write_config (f->config_path, bigger);
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Reloaded configuration", 10000);
  check_line_accepted (alice, bob, 300);
  check_line_refused (f->port, 301, 300);
}

#define SLOW_CONSUMERS 3
#define SLOW_LINES     10000

static void
test_sigterm_full_queues (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(ConfabTestClient) flooder = NULL;
  ConfabTestClient *slow[SLOW_CONSUMERS] = { NULL };
  g_autofree char  *padding = make_padding (PAYLOAD, 's');
  gint64            start, elapsed_ms;

  g_test_summary ("SIGTERM while slow consumers hold megabytes of queued "
                  "output that they never read: the shutdown timeout "
                  "bounds the wait and the daemon exits 0");

  flooder = confab_test_client_new_login (f->port, "flooder");
  for (guint i = 0; i < SLOW_CONSUMERS; i++)
    {
      g_autofree char *name = g_strdup_printf ("slow%u", i);

      slow[i] = new_small_window_client (f->port, name);
      /* About 2 MB each, under queue_max_bytes: none is dropped. */
      send_burst (flooder, "flooder", name, "stuck", SLOW_LINES, padding);
    }

  start = g_get_monotonic_time ();
  confab_test_daemon_send_signal (f->daemon, SIGTERM);

  /* The flooder has nothing queued: it is told, then closed. */
  confab_test_client_expect_line (flooder, "error: server shutting down");
  confab_test_client_expect_eof (flooder);

  /* The timeout plus a margin for the loop to end and the process to go. */
  confab_test_daemon_wait_exit (f->daemon, (SHUTDOWN_TIMEOUT_SEC + 3) * 1000);
  elapsed_ms = (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
  g_test_message ("confabd exited %" G_GINT64_FORMAT " ms after SIGTERM", elapsed_ms);
  confab_test_daemon_assert_exit_status (f->daemon, 0);
  /* It did wait for the consumers, about as long as it was told to
   * (g_timeout_add_seconds() may fire up to a second early). */
  g_assert_cmpint (elapsed_ms, >=, (SHUTDOWN_TIMEOUT_SEC - 1) * 1000);

  for (guint i = 0; i < SLOW_CONSUMERS; i++)
    confab_test_client_free (slow[i]);
}

#define FLOOD_CONNECTIONS 300

static void
test_login_timeout_flood (Fixture      *f,
                          gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GPtrArray) silent = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_test_client_free);
  gint64 flood_start, worst_ms = 0;
  guint  pings = 0;

  g_test_summary ("300 connections that never send a name all get "
                  "“error: login timeout” and a clean close after "
                  "login_timeout_sec, while two logged-in peers keep "
                  "chatting without delay; every descriptor comes back");

  alice = confab_test_client_new_login (f->port, "alice");
  bob = confab_test_client_new_login (f->port, "bob");

  flood_start = g_get_monotonic_time ();
  for (guint i = 0; i < FLOOD_CONNECTIONS; i++)
    g_ptr_array_add (silent, confab_test_client_new (f->port));

  /* Chat through the moment all 300 time out at once (1 s). */
  while (g_get_monotonic_time () - flood_start < 2500 * G_TIME_SPAN_MILLISECOND)
    {
      g_autofree char *line = g_strdup_printf ("bob: ping %u", pings);
      g_autofree char *expected = g_strdup_printf ("from alice: ping %u", pings);
      gint64           start = g_get_monotonic_time ();
      gint64           ms;

      confab_test_client_send_line (alice, line);
      confab_test_client_expect_line (bob, expected);
      ms = (g_get_monotonic_time () - start) / G_TIME_SPAN_MILLISECOND;
      worst_ms = MAX (worst_ms, ms);
      pings++;
      g_usleep (20 * G_TIME_SPAN_MILLISECOND);
    }
  g_test_message ("%u pings during the flood, the slowest took %" G_GINT64_FORMAT " ms",
                  pings, worst_ms);
  g_assert_cmpint (worst_ms, <, confab_test_timeout_ms (1000));

  for (guint i = 0; i < silent->len; i++)
    {
      ConfabTestClient *client = g_ptr_array_index (silent, i);

      confab_test_client_expect_line (client, "error: login timeout");
      confab_test_client_expect_eof (client);
    }
  g_ptr_array_set_size (silent, 0);

  confab_test_client_sync (alice, "alice");
  confab_test_client_sync (bob, "bob");
}

/* ------------------------------------------------------------------ */

int
main (int    argc,
      char **argv)
{
  struct rlimit limit;

  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  /* The flood test holds 300 sockets of its own. */
  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      setrlimit (RLIMIT_NOFILE, &limit);
    }

  add_fault_test ("/faults/reset-during-write", &big_queue_verbose_options, test_reset_during_write);
  add_fault_test ("/faults/half-close/text", &big_queue_options, test_half_close_text);
  add_fault_test ("/faults/half-close/json", NULL, test_half_close_json);
  add_fault_test ("/faults/epipe", &big_queue_verbose_options, test_epipe);
  add_fault_test ("/faults/vanish-mid-output", &big_queue_options, test_vanish_mid_output);
  add_fault_test ("/faults/emfile-recovery", &low_nofile_options, test_emfile_recovery);
  add_fault_test ("/faults/config/deleted-sighup", &reload_options, test_config_deleted_sighup);
  add_fault_test ("/faults/sigterm-full-queues", &shutdown_options, test_sigterm_full_queues);
  add_fault_test ("/faults/login-timeout-flood", &login_timeout_options, test_login_timeout_flood);

  return g_test_run ();
}
