/* test-cluster.c: confabd nodes joined through a real Redis (SPEC §14).
 *
 * Every test starts its own redis-server on a Unix socket in its own
 * directory (confab-redis-fixture.h) and two or three real confabd nodes
 * on loopback, then talks to them over real sockets in the text, JSON
 * and IRC protocols: chat across nodes, rooms that span them, names that
 * are unique across them, each sender's order, and what the nodes do
 * when a node is killed, when Redis goes away, stalls, comes back empty,
 * or is not there at the start.
 *
 * presence_ttl_sec is short here (2 s, scaled like every timeout when
 * the nodes run under valgrind), so that a dead node's names are freed
 * within the test's time.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "confab-redis-fixture.h"
#include "confab-test-util.h"

#define MAX_NODES 3

typedef struct
{
  ConfabTestTmpDir *tmp;
  ConfabTestRedis  *redis;
  ConfabTestDaemon *nodes[MAX_NODES];
  guint             ttl_sec;
} Cluster;

static guint
ttl_sec (void)
{
  return MAX (confab_test_timeout_ms (2000) / 1000, 2);
}

static void
cluster_free (Cluster *c)
{
  for (guint i = 0; i < MAX_NODES; i++)
    g_clear_pointer (&c->nodes[i], confab_test_daemon_free);
  g_clear_pointer (&c->redis, confab_test_redis_free);
  g_clear_pointer (&c->tmp, confab_test_tmp_dir_free);
  g_free (c);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Cluster, cluster_free)

/* A redis-server (started unless @with_redis is FALSE) and no nodes yet. */
static Cluster *
cluster_new (gboolean with_redis)
{
  Cluster *c = g_new0 (Cluster, 1);

  c->tmp = confab_test_tmp_dir_new ();
  c->ttl_sec = ttl_sec ();
  if (with_redis)
    c->redis = confab_test_redis_start (c->tmp->path);
  return c;
}

static char *
redis_address (Cluster *c)
{
  return g_strdup_printf ("unix:%s/redis.sock", c->tmp->path);
}

/* Node @i, named n@i, with an IRC and a ws: door beside its text/JSON
 * one (the ws: door serves /metrics). */
static ConfabTestDaemon *
start_node (Cluster *c,
            guint    i)
{
  g_autofree char *address = redis_address (c);
  g_autofree char *node = g_strdup_printf ("n%u", i);
  g_autofree char *ttl = g_strdup_printf ("%u", c->ttl_sec);
  g_autofree char *name = g_strdup_printf ("n%u.conf", i);
  g_autofree char *path = g_build_filename (c->tmp->path, name, NULL);
  const char      *kv[] = { "cluster.redis", address, "cluster.node", node,
                            "cluster.presence_ttl_sec", ttl, "history.database", "none",
                            "recipients_max", "64", NULL };
  const char      *doors[] = { "--listen", "irc:127.0.0.1:0", "--listen", "ws:127.0.0.1:0", NULL };

  g_assert_null (c->nodes[i]);
  confab_test_write_config (path, kv);
  c->nodes[i] = confab_test_daemon_start (path, doors, 0);
  confab_test_daemon_wait_for_log (c->nodes[i], 0, "Listening on ws:", confab_test_timeout_ms (10000));
  return c->nodes[i];
}

static guint16
port_of (Cluster *c,
         guint    i)
{
  return confab_test_daemon_get_port (c->nodes[i]);
}

/* ---- talking to the nodes ------------------------------------------------ */

/* Logs @name in on @port in the text protocol, trying again while the
 * node says it cannot check names (it has not joined the cluster yet,
 * or Redis is away); any other refusal fails the test. */
static ConfabTestClient *
login_when_ready (guint16     port,
                  const char *name,
                  guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr(ConfabTestClient) client = confab_test_client_new (port);
      g_autofree char *error_line = NULL;

      if (confab_test_client_try_login (client, name, &error_line))
        return g_steal_pointer (&client);
      if (g_strcmp0 (error_line, "error: service unavailable, try again") != 0)
        confab_test_fail ("login of %s refused: %s", name, error_line != NULL ? error_line : "(closed)");
      if (g_get_monotonic_time () > deadline)
        confab_test_fail ("login of %s still refused after %u ms: %s", name, timeout_ms, error_line);
      g_usleep (100 * 1000);
    }
}

/* The first line a login of @name on @port is answered with ("" if it
 * was accepted). */
static char *
login_answer (guint16     port,
              const char *name)
{
  g_autoptr(ConfabTestClient) client = confab_test_client_new (port);
  g_autofree char *error_line = NULL;

  if (confab_test_client_try_login (client, name, &error_line))
    return g_strdup ("");
  return g_steal_pointer (&error_line);
}

/* As login_answer(), once the node accepts logins again. */
static char *
login_answer_when_ready (guint16     port,
                         const char *name,
                         guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *answer = login_answer (port, name);

      if (g_strcmp0 (answer, "error: service unavailable, try again") != 0)
        return g_steal_pointer (&answer);
      if (g_get_monotonic_time () > deadline)
        confab_test_fail ("login of %s still refused after %u ms: %s", name, timeout_ms, answer);
      g_usleep (100 * 1000);
    }
}

/* Reads lines until one contains @needle (others, such as join notices
 * and probes, are skipped); at most @max_lines. */
static char *
expect_containing (ConfabTestClient *client,
                   const char       *needle,
                   guint             max_lines)
{
  for (guint i = 0; i < max_lines; i++)
    {
      g_autofree char *line = confab_test_client_read_line (client);

      if (line == NULL)
        confab_test_fail ("connection closed while waiting for “%s”", needle);
      if (strstr (line, needle) != NULL)
        return g_steal_pointer (&line);
    }
  confab_test_fail ("no line with “%s” in %u lines", needle, max_lines);
}

/* GET @path from a node's ws: door; the body. */
static char *
http_get (ConfabTestDaemon *node,
          const char       *path)
{
  guint16 port = confab_test_daemon_get_scheme_port (node, "ws");
  g_autoptr(ConfabTestClient) client = confab_test_client_new (port);
  g_autofree char *request = g_strdup_printf ("GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                              "Connection: close\r\n\r\n",
                                              path);
  g_autoptr(GString) body = g_string_new (NULL);
  gboolean in_body = FALSE;

  confab_test_client_send_raw (client, request, strlen (request));
  for (guint i = 0; i < 10000; i++)
    {
      gboolean         eof = FALSE;
      g_autofree char *line = confab_test_client_try_read_line (client, confab_test_timeout_ms (5000), &eof);

      if (line == NULL)
        break;
      if (in_body)
        g_string_append_printf (body, "%s\n", line);
      else if (strcmp (line, "\r") == 0 || *line == '\0')
        in_body = TRUE;
    }
  return g_string_free (g_steal_pointer (&body), FALSE);
}

/* Waits until @node's /metrics holds @line. */
static void
wait_metric (ConfabTestDaemon *node,
             const char       *line)
{
  gint64           deadline = g_get_monotonic_time () + (gint64) confab_test_timeout_ms (10000) * 1000;
  g_autofree char *needle = g_strconcat ("\n", line, "\n", NULL);

  for (;;)
    {
      g_autofree char *page = http_get (node, "/metrics");
      g_autofree char *whole = g_strconcat ("\n", page, NULL);

      if (strstr (whole, needle) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        confab_test_fail ("no “%s” in /metrics:\n%s", line, page);
      g_usleep (50 * 1000);
    }
}

static guint
login_timeout_ms (Cluster *c)
{
  /* Joining takes a round or two; after Redis lost its data, a whole
   * presence_ttl_sec on top (the others re-register meanwhile). */
  return confab_test_timeout_ms (10000) + 3 * c->ttl_sec * 1000;
}

static ConfabTestClient *
irc_register (guint16     port,
              const char *nick)
{
  ConfabTestClient *client = confab_test_client_new (port);
  g_autofree char  *lines = g_strdup_printf ("NICK %s\r\nUSER %s 0 * :%s\r\n", nick, nick, nick);
  g_autofree char  *welcome = NULL;

  confab_test_client_send_raw (client, lines, strlen (lines));
  welcome = expect_containing (client, " 001 ", 20);
  return client;
}

/* ---- chat across nodes ------------------------------------------------------ */

static void
test_chat (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(ConfabTestClient) irc_dup = NULL;
  g_autofree char *line = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *nodes = NULL;

  if (!confab_test_redis_check_available ())
    return;
  c = cluster_new (TRUE);
  for (guint i = 0; i < 3; i++)
    start_node (c, i);

  /* alice speaks text on n0, bob JSON on n1, carol IRC on n2. */
  alice = login_when_ready (port_of (c, 0), "alice", login_timeout_ms (c));
  wait_metric (c->nodes[1], "confab_cluster_ready 1");
  bob = confab_test_client_new (port_of (c, 1));
  confab_test_client_send_line (bob, "{\"type\":\"login\",\"name\":\"bob\"}");
  g_free (expect_containing (bob, "\"type\":\"welcome\"", 1));
  wait_metric (c->nodes[2], "confab_cluster_ready 1");
  carol = irc_register (confab_test_daemon_get_scheme_port (c->nodes[2], "irc"), "carol");

  /* Every node knows the others' peers. */
  for (guint i = 0; i < 3; i++)
    {
      wait_metric (c->nodes[i], "confab_cluster_nodes 3");
      wait_metric (c->nodes[i], "confab_cluster_node_peers{node=\"n0\"} 1");
      wait_metric (c->nodes[i], "confab_cluster_node_peers{node=\"n1\"} 1");
      wait_metric (c->nodes[i], "confab_cluster_node_peers{node=\"n2\"} 1");
    }

  confab_test_client_send_line (alice, "bob, carol: hello from n0");
  line = expect_containing (bob, "hello from n0", 1);
  g_assert_nonnull (strstr (line, "\"from\":\"alice\""));
  g_assert_nonnull (strstr (line, "\"to\":[\"bob\",\"carol\"]"));
  g_clear_pointer (&line, g_free);
  line = expect_containing (carol, "hello from n0", 50);
  g_assert_true (g_str_has_prefix (line, ":alice!"));
  g_assert_nonnull (strstr (line, " PRIVMSG carol :hello from n0"));
  g_clear_pointer (&line, g_free);

  confab_test_client_send_line (bob, "{\"type\":\"message\",\"to\":[\"carol\"],\"text\":\"json to irc\"}");
  line = expect_containing (carol, "json to irc", 5);
  g_assert_true (g_str_has_prefix (line, ":bob!"));
  g_clear_pointer (&line, g_free);
  confab_test_client_send_raw (carol, "PRIVMSG alice :irc to text\r\n", 28);
  confab_test_client_expect_line (alice, "from carol: irc to text");

  /* Names are unique across the nodes, in any spelling. */
  answer = login_answer (port_of (c, 1), "ALICE");
  g_assert_cmpstr (answer, ==, "error: name taken: ALICE");
  g_clear_pointer (&answer, g_free);
  answer = login_answer (port_of (c, 0), "Carol");
  g_assert_cmpstr (answer, ==, "error: name taken: Carol");
  irc_dup = confab_test_client_new (confab_test_daemon_get_scheme_port (c->nodes[2], "irc"));
  confab_test_client_send_raw (irc_dup, "NICK bob\r\nUSER b 0 * :b\r\n", 26);
  g_free (expect_containing (irc_dup, " 433 ", 20));

  /* Who is connected: everyone, on every node. */
  confab_test_client_send_line (alice, "/peers");
  confab_test_client_expect_line (alice, "peers: alice bob carol");

  /* A name that does not exist anywhere is still refused. */
  confab_test_client_send_line (alice, "nobody: hi");
  confab_test_client_expect_line (alice, "error: no such peer: nobody");

  {
    const char * const hlen[] = { "HLEN", "confab:nodes", NULL };

    nodes = confab_test_redis_command (c->redis, hlen);
  }
  g_assert_cmpstr (nodes, ==, "3");
  wait_metric (c->nodes[0], "confab_cluster_messages_out_total 2");
  wait_metric (c->nodes[0], "confab_cluster_messages_in_total 1");
}

/* A room with members on three nodes: each message reaches every member
 * once, whichever node it was sent on. */
static void
test_rooms (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(ConfabTestClient) dave = NULL;
  g_autofree char *line = NULL;

  if (!confab_test_redis_check_available ())
    return;
  c = cluster_new (TRUE);
  for (guint i = 0; i < 3; i++)
    start_node (c, i);
  alice = login_when_ready (port_of (c, 0), "alice", login_timeout_ms (c));
  dave = login_when_ready (port_of (c, 0), "dave", login_timeout_ms (c));
  bob = login_when_ready (port_of (c, 1), "bob", login_timeout_ms (c));
  carol = login_when_ready (port_of (c, 2), "carol", login_timeout_ms (c));

  confab_test_client_send_line (alice, "/join #tea");
  confab_test_client_send_line (dave, "/join #tea");
  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_send_line (carol, "/join #tea");
  /* Each node's members are known to the others once its join event
   * arrived: probe until bob and carol both hear from n0. */
  for (guint round = 0;; round++)
    {
      g_autofree char *probe = g_strdup_printf ("#tea: probe %u", round);
      g_autofree char *got_bob = NULL;
      g_autofree char *got_carol = NULL;
      gboolean         eof = FALSE;

      if (round > 100)
        confab_test_fail ("the room never spanned the nodes");
      confab_test_client_send_line (alice, probe);
      got_bob = confab_test_client_try_read_line (bob, 100, &eof);
      while (got_bob != NULL && strstr (got_bob, "probe") == NULL)
        {
          g_free (got_bob);
          got_bob = confab_test_client_try_read_line (bob, 100, &eof);
        }
      got_carol = confab_test_client_try_read_line (carol, 100, &eof);
      while (got_carol != NULL && strstr (got_carol, "probe") == NULL)
        {
          g_free (got_carol);
          got_carol = confab_test_client_try_read_line (carol, 100, &eof);
        }
      if (got_bob != NULL && got_carol != NULL)
        break;
    }

  confab_test_client_send_line (bob, "#tea: from n1");
  line = expect_containing (alice, "from n1", 200);
  g_assert_cmpstr (line, ==, "from bob in #tea: from n1");
  g_clear_pointer (&line, g_free);
  line = expect_containing (dave, "from n1", 200);
  g_assert_cmpstr (line, ==, "from bob in #tea: from n1");
  g_clear_pointer (&line, g_free);
  line = expect_containing (carol, "from n1", 200);
  g_assert_cmpstr (line, ==, "from bob in #tea: from n1");
  g_clear_pointer (&line, g_free);

  /* One copy each: the next line each member reads is the next message. */
  confab_test_client_send_line (carol, "#tea: from n2");
  confab_test_client_expect_line (alice, "from carol in #tea: from n2");
  confab_test_client_expect_line (dave, "from carol in #tea: from n2");
  confab_test_client_expect_line (bob, "from carol in #tea: from n2");

  /* Every node lists every member, wherever it is. */
  for (guint i = 0; i < 3; i++)
    {
      ConfabTestClient *client = (ConfabTestClient *[]) { alice, bob, carol }[i];
      g_autofree char  *members = NULL;

      confab_test_client_send_line (client, "/members #tea");
      members = expect_containing (client, "members #tea:", 200);
      g_assert_cmpstr (members, ==, "members #tea: alice bob carol dave");
    }

  /* A topic set on one node is every node's, and told to every member. */
  confab_test_client_send_line (bob, "/topic #tea oolong only");
  for (guint i = 0; i < 4; i++)
    {
      ConfabTestClient *client = (ConfabTestClient *[]) { alice, bob, carol, dave }[i];

      g_free (expect_containing (client, "topic #tea: oolong only", 200));
    }

  /* A part too; and a node whose room emptied makes it anew with the
   * others' members and topic for whoever joins it there. */
  confab_test_client_send_line (dave, "/part #tea");
  line = expect_containing (bob, "dave", 20);
  g_assert_cmpstr (line, ==, "part #tea: dave");
  g_clear_pointer (&line, g_free);
  confab_test_client_send_line (carol, "/part #tea");
  g_free (expect_containing (carol, "part #tea: carol", 20));
  line = expect_containing (alice, "carol", 20);
  g_assert_cmpstr (line, ==, "part #tea: carol");
  g_clear_pointer (&line, g_free);
  confab_test_client_send_line (carol, "/join #tea");
  confab_test_client_expect_line (carol, "join #tea: carol");
  confab_test_client_expect_line (carol, "members #tea: alice bob carol");
  confab_test_client_expect_line (carol, "topic #tea: oolong only");
}

/* Four senders on one node, one receiver on the other: every message
 * arrives once, and each sender's in the order sent, directly and
 * through a room. */
#define ORDER_SENDERS  4
#define ORDER_MESSAGES 500

static void
check_order (ConfabTestClient *receiver,
             const char       *format_prefix,
             guint             total)
{
  guint next[ORDER_SENDERS] = { 0 };

  for (guint i = 0; i < total; i++)
    {
      g_autofree char *line = confab_test_client_read_line (receiver);
      guint            sender = 0, seq = 0;
      char             kind[8] = "";

      if (line == NULL || !g_str_has_prefix (line, format_prefix))
        confab_test_fail ("unexpected line %u: %s", i, line != NULL ? line : "(closed)");
      if (sscanf (strrchr (line, ':') + 1, " %7s %u %u", kind, &sender, &seq) != 3 || sender >= ORDER_SENDERS)
        confab_test_fail ("malformed line: %s", line);
      if (seq != next[sender])
        confab_test_fail ("sender %u: message %u came when %u was due (%s)", sender, seq, next[sender], line);
      next[sender]++;
    }
  for (guint s = 0; s < ORDER_SENDERS; s++)
    g_assert_cmpuint (next[s], ==, total / ORDER_SENDERS);
}

static void
test_order (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) receiver = NULL;
  ConfabTestClient *senders[ORDER_SENDERS] = { NULL };

  if (!confab_test_redis_check_available ())
    return;
  c = cluster_new (TRUE);
  start_node (c, 0);
  start_node (c, 1);
  receiver = login_when_ready (port_of (c, 1), "rx", login_timeout_ms (c));
  confab_test_client_send_line (receiver, "/join #order");
  confab_test_client_send_line (receiver, "rx: joined");
  g_free (expect_containing (receiver, "from rx: joined", 10));
  for (guint s = 0; s < ORDER_SENDERS; s++)
    {
      g_autofree char *name = g_strdup_printf ("tx%u", s);

      senders[s] = login_when_ready (port_of (c, 0), name, login_timeout_ms (c));
    }
  wait_metric (c->nodes[0], "confab_cluster_node_peers{node=\"n1\"} 1");

  /* Direct messages, interleaved across the senders. */
  for (guint m = 0; m < ORDER_MESSAGES; m++)
    for (guint s = 0; s < ORDER_SENDERS; s++)
      {
        g_autofree char *line = g_strdup_printf ("rx: direct %u %u", s, m);

        confab_test_client_send_line (senders[s], line);
      }
  check_order (receiver, "from tx", ORDER_SENDERS * ORDER_MESSAGES);

  /* The same through a room the receiver's node has the only member of. */
  for (guint s = 0; s < ORDER_SENDERS; s++)
    {
      g_autofree char *sync = NULL;

      confab_test_client_send_line (senders[s], "/join #order");
      g_free (expect_containing (senders[s], "#order", 20));
    }
  /* The receiver hears of the four joins on the other node. */
  for (guint s = 0; s < ORDER_SENDERS; s++)
    {
      g_autofree char *join = g_strdup_printf ("join #order: tx%u", s);

      confab_test_client_expect_line (receiver, join);
    }
  for (guint m = 0; m < ORDER_MESSAGES; m++)
    for (guint s = 0; s < ORDER_SENDERS; s++)
      {
        g_autofree char *line = g_strdup_printf ("#order: room %u %u", s, m);

        confab_test_client_send_line (senders[s], line);
      }
  check_order (receiver, "from tx", ORDER_SENDERS * ORDER_MESSAGES);

  for (guint s = 0; s < ORDER_SENDERS; s++)
    confab_test_client_free (senders[s]);
}

/* ---- failures -------------------------------------------------------------- */

/* kill -9 of a node: its names are refused until the others find it
 * dead, then free within presence_ttl_sec, and a restarted node joins
 * again under the same name. */
static void
test_node_killed (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) bob_again = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *log = NULL;
  gint64           killed, freed;

  if (!confab_test_redis_check_available ())
    return;
  c = cluster_new (TRUE);
  start_node (c, 0);
  start_node (c, 1);
  alice = login_when_ready (port_of (c, 0), "alice", login_timeout_ms (c));
  bob = login_when_ready (port_of (c, 1), "bob", login_timeout_ms (c));
  wait_metric (c->nodes[0], "confab_cluster_node_peers{node=\"n1\"} 1");

  confab_test_daemon_send_signal (c->nodes[1], SIGKILL);
  confab_test_daemon_wait_exit (c->nodes[1], confab_test_timeout_ms (5000));
  killed = g_get_monotonic_time ();
  g_clear_pointer (&c->nodes[1], confab_test_daemon_free);

  /* Not yet: the node may only be slow. */
  answer = login_answer (port_of (c, 0), "bob");
  g_assert_cmpstr (answer, ==, "error: name taken: bob");

  for (;;)
    {
      g_clear_pointer (&answer, g_free);
      answer = login_answer (port_of (c, 0), "bob");
      if (*answer == '\0')
        break;
      g_assert_cmpstr (answer, ==, "error: name taken: bob");
      if (g_get_monotonic_time () - killed > (gint64) (c->ttl_sec + 5) * G_USEC_PER_SEC)
        confab_test_fail ("bob still taken %u s after his node died", c->ttl_sec + 5);
      g_usleep (100 * 1000);
    }
  freed = g_get_monotonic_time ();
  g_test_message ("bob free %.2f s after kill -9 (presence_ttl_sec=%u)",
                  (double) (freed - killed) / G_USEC_PER_SEC, c->ttl_sec);
  /* Freed by the detector, not earlier. */
  g_assert_cmpint (freed - killed, >=, (gint64) c->ttl_sec * G_USEC_PER_SEC * 3 / 4);
  log = confab_test_daemon_dup_log (c->nodes[0]);
  g_assert_nonnull (strstr (log, "Cluster node n1 has not been heard from"));
  wait_metric (c->nodes[0], "confab_cluster_nodes 1");

  /* The node comes back; bob is now n0's and stays unique. */
  start_node (c, 1);
  bob_again = login_when_ready (port_of (c, 0), "bob", login_timeout_ms (c));
  wait_metric (c->nodes[1], "confab_cluster_ready 1");
  wait_metric (c->nodes[1], "confab_cluster_node_peers{node=\"n0\"} 2");
  g_clear_pointer (&answer, g_free);
  answer = login_answer (port_of (c, 1), "bob");
  g_assert_cmpstr (answer, ==, "error: name taken: bob");
}

/* Two nodes: alice and amy on n0, bob on n1, known to both. */
static Cluster *
two_nodes (ConfabTestClient **alice,
           ConfabTestClient **amy,
           ConfabTestClient **bob)
{
  Cluster *c = cluster_new (TRUE);

  start_node (c, 0);
  start_node (c, 1);
  *alice = login_when_ready (port_of (c, 0), "alice", login_timeout_ms (c));
  *amy = login_when_ready (port_of (c, 0), "amy", login_timeout_ms (c));
  *bob = login_when_ready (port_of (c, 1), "bob", login_timeout_ms (c));
  wait_metric (c->nodes[0], "confab_cluster_node_peers{node=\"n1\"} 1");
  return c;
}

/* Redis goes away and comes back empty: local chat goes on, logins are
 * refused meanwhile, and the nodes recover by themselves, with the names
 * they held still theirs. */
static void
test_redis_restarted (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) amy = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) zed = NULL;
  g_autofree char *answer = NULL;
  gsize            offset;

  if (!confab_test_redis_check_available ())
    return;
  c = two_nodes (&alice, &amy, &bob);

  offset = confab_test_daemon_get_log_length (c->nodes[0]);
  confab_test_redis_stop (c->redis);
  confab_test_daemon_wait_for_log (c->nodes[0], offset, "Lost the cluster's Redis", confab_test_timeout_ms (5000));

  /* Sessions and local delivery go on; a new login is refused. */
  confab_test_client_send_line (alice, "amy: still here");
  confab_test_client_expect_line (amy, "from alice: still here");
  answer = login_answer (port_of (c, 0), "zed");
  g_assert_cmpstr (answer, ==, "error: service unavailable, try again");
  wait_metric (c->nodes[0], "confab_cluster_ready 0");

  /* Back, with nothing in it. */
  offset = confab_test_daemon_get_log_length (c->nodes[1]);
  confab_test_redis_restart (c->redis);
  confab_test_daemon_wait_for_log (c->nodes[1], offset, "Joined the cluster", login_timeout_ms (c));
  zed = login_when_ready (port_of (c, 0), "zed", login_timeout_ms (c));

  /* Names held before are still unique: both nodes registered theirs. */
  g_clear_pointer (&answer, g_free);
  answer = login_answer (port_of (c, 0), "bob");
  g_assert_cmpstr (answer, ==, "error: name taken: bob");
  g_clear_pointer (&answer, g_free);
  answer = login_answer_when_ready (port_of (c, 1), "alice", login_timeout_ms (c));
  g_assert_cmpstr (answer, ==, "error: name taken: alice");

  /* And the nodes reach each other again. */
  wait_metric (c->nodes[0], "confab_cluster_node_peers{node=\"n1\"} 1");
  wait_metric (c->nodes[1], "confab_cluster_node_peers{node=\"n0\"} 3");
  confab_test_client_send_line (bob, "zed, alice: welcome back");
  confab_test_client_expect_line (zed, "from bob: welcome back");
  confab_test_client_expect_line (alice, "from bob: welcome back");
}

/* Redis stops answering (SIGSTOP) for longer than presence_ttl_sec: no
 * node is taken for dead for it, logins wait or are refused, never
 * doubled, and all is as before once it answers again. */
static void
test_redis_stalled (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) amy = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *answer = NULL;
  g_autofree char *log = NULL;

  if (!confab_test_redis_check_available ())
    return;
  c = two_nodes (&alice, &amy, &bob);

  confab_test_redis_pause (c->redis);
  /* Past the ttl: Redis' own clock runs on meanwhile. */
  g_usleep ((gulong) c->ttl_sec * 2 * G_USEC_PER_SEC);
  confab_test_client_send_line (alice, "amy: local still works");
  confab_test_client_expect_line (amy, "from alice: local still works");
  answer = login_answer (port_of (c, 0), "bob");
  g_assert_cmpstr (answer, ==, "error: service unavailable, try again");
  g_clear_pointer (&answer, g_free);
  answer = login_answer (port_of (c, 1), "zed");
  g_assert_cmpstr (answer, ==, "error: service unavailable, try again");

  confab_test_redis_resume (c->redis);
  /* A few rounds after: bob is still bob's, on n1 only. */
  g_usleep ((gulong) c->ttl_sec * G_USEC_PER_SEC);
  g_clear_pointer (&answer, g_free);
  answer = login_answer_when_ready (port_of (c, 0), "bob", login_timeout_ms (c));
  g_assert_cmpstr (answer, ==, "error: name taken: bob");
  confab_test_client_send_line (alice, "bob: after the stall");
  confab_test_client_expect_line (bob, "from alice: after the stall");
  log = confab_test_daemon_dup_log (c->nodes[0]);
  g_assert_null (strstr (log, "has not been heard from"));
  g_clear_pointer (&log, g_free);
  log = confab_test_daemon_dup_log (c->nodes[1]);
  g_assert_null (strstr (log, "has not been heard from"));
}

/* What Redis has of a node but the node no longer holds (a claim whose
 * answer was lost with its connection) is freed when the node registers
 * again, as it does whenever Redis forgot it. */
static void
test_stale_name_freed (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) amy = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) ghost = NULL;
  g_autofree char   *answer = NULL;
  g_autofree char   *reply = NULL;
  const char * const plant_owner[] = { "SET", "confab:name:ghost", "n0", NULL };
  const char * const plant_entry[] = { "HSET", "confab:node:n0:names", "ghost", "Ghost", NULL };
  const char * const forget_node[] = { "HDEL", "confab:nodes", "n0", NULL };
  gsize              offset;

  if (!confab_test_redis_check_available ())
    return;
  c = two_nodes (&alice, &amy, &bob);
  g_free (confab_test_redis_command (c->redis, plant_owner));
  g_free (confab_test_redis_command (c->redis, plant_entry));
  answer = login_answer (port_of (c, 1), "ghost");
  g_assert_cmpstr (answer, ==, "error: name taken: ghost");

  offset = confab_test_daemon_get_log_length (c->nodes[0]);
  reply = confab_test_redis_command (c->redis, forget_node);
  g_assert_cmpstr (reply, ==, "1");
  confab_test_daemon_wait_for_log (c->nodes[0], offset, "registering its names again", login_timeout_ms (c));
  /* The log line comes before n0's script has run in Redis: until then
   * "ghost" is still n0's, and a login on n1 is rightly refused. */
  {
    const char * const owner[] = { "GET", "confab:name:ghost", NULL };
    gint64             deadline = g_get_monotonic_time () + (gint64) login_timeout_ms (c) * 1000;
    char              *held;

    while ((held = confab_test_redis_command (c->redis, owner)) != NULL)
      {
        g_free (held);
        if (g_get_monotonic_time () > deadline)
          confab_test_fail ("ghost still held in Redis %u ms after n0 registered again", login_timeout_ms (c));
        g_usleep (50 * 1000);
      }
  }
  ghost = login_when_ready (port_of (c, 1), "ghost", login_timeout_ms (c));

  /* What n0 does hold is still its own. */
  g_clear_pointer (&answer, g_free);
  answer = login_answer_when_ready (port_of (c, 1), "amy", login_timeout_ms (c));
  g_assert_cmpstr (answer, ==, "error: name taken: amy");
}

/* No Redis when the node starts: it serves, refuses logins, and joins
 * the cluster as soon as Redis is there. */
static void
test_redis_absent_at_start (void)
{
  g_autoptr(Cluster) c = NULL;
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autofree char *answer = NULL;

  if (!confab_test_redis_check_available ())
    return;
  c = cluster_new (FALSE);
  start_node (c, 0);
  answer = login_answer (port_of (c, 0), "alice");
  g_assert_cmpstr (answer, ==, "error: service unavailable, try again");
  wait_metric (c->nodes[0], "confab_cluster_ready 0");

  c->redis = confab_test_redis_start (c->tmp->path);
  alice = login_when_ready (port_of (c, 0), "alice", login_timeout_ms (c));
  wait_metric (c->nodes[0], "confab_cluster_ready 1");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cluster/chat", test_chat);
  g_test_add_func ("/cluster/rooms", test_rooms);
  g_test_add_func ("/cluster/order", test_order);
  g_test_add_func ("/cluster/node-killed", test_node_killed);
  g_test_add_func ("/cluster/redis-restarted", test_redis_restarted);
  g_test_add_func ("/cluster/redis-stalled", test_redis_stalled);
  g_test_add_func ("/cluster/stale-name-freed", test_stale_name_freed);
  g_test_add_func ("/cluster/redis-absent-at-start", test_redis_absent_at_start);

  return g_test_run ();
}
