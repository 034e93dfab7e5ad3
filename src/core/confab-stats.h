/* confab-stats.h: what the layers above the broker count, for GetStatistics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

G_BEGIN_DECLS

/*
 * ConfabConnectionStats:
 * The counters of the events the broker never sees: they happen on a
 * connection (src/net) or in its session (src/session) before, or
 * instead of, a broker call. Each field is reported as the GetStatistics
 * key of its name; logins_rejected and errors_sent are added to the
 * broker's own (refusals of a login the broker was asked for, error
 * lines it queued).
 */
typedef struct
{
  guint   peers_max;       /* connections allowed at once, logged in or not */
  guint64 logins_rejected; /* refused before a login reached the broker */
  guint64 errors_sent;     /* the error line each of those got */
  guint64 logins_refused_server_full;
  guint64 login_timeouts;
  guint64 lines_too_long;
  guint64 messages_too_many_recipients;
  guint64 rate_limit_pauses;
  guint64 irc_ping_timeouts;          /* IRC connections closed for not answering a PING */
  guint64 tls_handshakes_failed;      /* TLS connections that never finished their handshake */
  guint64 auth_failures;              /* logins with a wrong password */
  guint64 http_requests;              /* HTTP requests read on the ws: doors */
  guint64 websocket_upgrades;         /* of those, upgraded to a WebSocket */
  guint64 websocket_upgrades_refused; /* asked to upgrade, refused (origin, bad handshake) */
  guint64 websocket_protocol_errors;  /* WebSockets closed for breaking RFC 6455 */

  /* The history store the sessions use (SPEC §12); all 0 without one. */
  gboolean history;                /* history is kept */
  guint64  history_rows_written;   /* room and offline messages committed */
  guint64  history_write_errors;   /* writes the database failed (disk full, …) */
  guint64  history_writes_refused; /* refused at once: the store's queue was full */
  guint64  history_rows_pruned;    /* deleted by retention */
  guint64  offline_stored;         /* messages kept for an account that was away */
  guint64  offline_delivered;      /* of those, delivered at a login */
  guint64  offline_refused;        /* refused: offline_max_messages waiting */
  gint64   history_write_p99_usec; /* a write's 99th percentile, call to commit */
} ConfabConnectionStats;

/*
 * ConfabStatsSource:
 * Whatever serves connections (the server of src/net) and can report
 * their counters. It lives here, below both, so that the D-Bus layer can
 * read them without linking the connection layers: the daemon, which
 * links both, hands the server to the manager as a source.
 */
#define CONFAB_TYPE_STATS_SOURCE (confab_stats_source_get_type ())
G_DECLARE_INTERFACE (ConfabStatsSource, confab_stats_source, CONFAB, STATS_SOURCE, GObject)

struct _ConfabStatsSourceInterface
{
  GTypeInterface parent_iface;

  void (*get_stats) (ConfabStatsSource     *self,
                     ConfabConnectionStats *stats);
};

void confab_stats_source_get_stats (ConfabStatsSource     *self,
                                    ConfabConnectionStats *stats);

G_END_DECLS
