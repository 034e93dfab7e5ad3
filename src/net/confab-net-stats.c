/* confab-net-stats.c: what the connections count, for GetStatistics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-net-stats.h"

/**
 * confab_net_stats_report:
 * @peers_max: the connection limit in force
 * @report: (out caller-allocates): the net and session counters together,
 *   as GetStatistics adds them to the broker's
 */
void
confab_net_stats_report (const ConfabNetStats  *stats,
                         guint                  peers_max,
                         ConfabConnectionStats *report)
{
  *report = (ConfabConnectionStats) {
    .peers_max = peers_max,
    .logins_rejected = stats->logins_rejected + stats->session.logins_rejected,
    .errors_sent = stats->errors_sent + stats->session.errors_sent,
    .logins_refused_server_full = stats->logins_refused_server_full,
    .login_timeouts = stats->login_timeouts,
    .lines_too_long = stats->lines_too_long,
    .messages_too_many_recipients = stats->session.messages_too_many_recipients,
    .rate_limit_pauses = stats->rate_limit_pauses,
    .irc_ping_timeouts = stats->irc_ping_timeouts,
    .tls_handshakes_failed = stats->tls_handshakes_failed,
    .auth_failures = stats->auth_failures,
    .http_requests = stats->http_requests,
    .websocket_upgrades = stats->websocket_upgrades,
    .websocket_upgrades_refused = stats->websocket_upgrades_refused,
    .websocket_protocol_errors = stats->websocket_protocol_errors,
  };
}
