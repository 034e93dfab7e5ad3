/* test-net-stats.c: the connections' counters and how the server reports them.
 *
 * No sockets: the counters are plain fields that the connections and
 * their sessions bump (exercised over loopback in test-server.c); here is
 * how they become the ConfabConnectionStats that GetStatistics adds to
 * the broker's, and that the server is the ConfabStatsSource reporting
 * them with the connection limit in force.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-net-stats.h"
#include "confab-server.h"

static void
test_report (void)
{
  ConfabNetStats        stats = { 0 };
  ConfabConnectionStats report;

  g_test_summary ("Each counter reaches its own key; the refused logins of the "
                  "connections and of their sessions, and their error lines, add up");

  /* Distinct numbers, so that a field reported as another is caught. */
  stats.session.logins_rejected = 1;
  stats.session.errors_sent = 2;
  stats.session.messages_too_many_recipients = 3;
  stats.logins_rejected = 40;
  stats.errors_sent = 50;
  stats.logins_refused_server_full = 6;
  stats.login_timeouts = 7;
  stats.lines_too_long = 8;
  stats.rate_limit_pauses = 9;

  confab_net_stats_report (&stats, 16, &report);
  g_assert_cmpuint (report.peers_max, ==, 16);
  g_assert_cmpuint (report.logins_rejected, ==, 41);
  g_assert_cmpuint (report.errors_sent, ==, 52);
  g_assert_cmpuint (report.messages_too_many_recipients, ==, 3);
  g_assert_cmpuint (report.logins_refused_server_full, ==, 6);
  g_assert_cmpuint (report.login_timeouts, ==, 7);
  g_assert_cmpuint (report.lines_too_long, ==, 8);
  g_assert_cmpuint (report.rate_limit_pauses, ==, 9);

  /* A refusal before a login is one refused login and one error line. */
  confab_net_stats_count_refused_login (&stats);
  g_assert_cmpuint (stats.logins_rejected, ==, 41);
  g_assert_cmpuint (stats.errors_sent, ==, 51);
  g_assert_cmpuint (stats.session.logins_rejected, ==, 1);
}

static void
test_server_source (void)
{
  ConfabPeerLimits limits = { .line_max_bytes = 64, .recipients_max = 3, .login_timeout_sec = 30 };
  g_autoptr(ConfabBroker) broker = confab_broker_new (NULL);
  g_autoptr(ConfabServer) server = NULL;
  g_autoptr(GError) error = NULL;
  ConfabConnectionStats report;

  g_test_summary ("The server is the stats source of its connections: nothing counted "
                  "yet, and peers_max is its connection limit, also after a reload");

  server = confab_server_new (broker, &limits, 5, &error);
  g_assert_no_error (error);
  g_assert_true (CONFAB_IS_STATS_SOURCE (server));

  memset (&report, 0xff, sizeof report);
  confab_stats_source_get_stats (CONFAB_STATS_SOURCE (server), &report);
  g_assert_cmpuint (report.peers_max, ==, 5);
  g_assert_cmpuint (report.logins_rejected, ==, 0);
  g_assert_cmpuint (report.errors_sent, ==, 0);
  g_assert_cmpuint (report.logins_refused_server_full, ==, 0);
  g_assert_cmpuint (report.login_timeouts, ==, 0);
  g_assert_cmpuint (report.lines_too_long, ==, 0);
  g_assert_cmpuint (report.messages_too_many_recipients, ==, 0);
  g_assert_cmpuint (report.rate_limit_pauses, ==, 0);

  confab_server_set_limits (server, &limits, 500);
  confab_stats_source_get_stats (CONFAB_STATS_SOURCE (server), &report);
  g_assert_cmpuint (report.peers_max, ==, 500);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/net-stats/report", test_report);
  g_test_add_func ("/net-stats/server-source", test_server_source);

  return g_test_run ();
}
