/* confab-net-stats.h: what the connections count, for GetStatistics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-session.h"
#include "confab-stats.h"

G_BEGIN_DECLS

/*
 * ConfabNetStats:
 * The counters of one server's connections: what only a connection sees
 * (its timer, its framer, its rate limit, the server's connection count)
 * and, beside them, its sessions' own. The server reports them as a
 * ConfabStatsSource.
 */
typedef struct
{
  ConfabSessionStats session; /* counted by the session layer */
  /* Refused before a login (server full, login timeout, line too long),
   * and the error line each of those got. */
  guint64 logins_rejected;
  guint64 errors_sent;
  guint64 logins_refused_server_full;
  guint64 login_timeouts;
  guint64 lines_too_long;
  guint64 rate_limit_pauses;
  guint64 irc_ping_timeouts;
  guint64 tls_handshakes_failed;
  guint64 auth_failures;
  guint64 http_requests;              /* read on a ws: door (confab-peer-http.c) */
  guint64 websocket_upgrades;         /* of those, upgraded */
  guint64 websocket_upgrades_refused; /* asked to upgrade, refused */
  guint64 websocket_protocol_errors;  /* closed for breaking RFC 6455 */
} ConfabNetStats;

/* A connection refused before it logged in: closed with one error line. */
static inline void
confab_net_stats_count_refused_login (ConfabNetStats *stats)
{
  stats->logins_rejected++;
  stats->errors_sent++;
}

void confab_net_stats_report (const ConfabNetStats  *stats,
                              guint                  peers_max,
                              ConfabConnectionStats *report);

G_END_DECLS
