/* confab-peer.h: one client connection, served readiness-style.
 *
 * Threads: a connection lives on the main context, with the broker it
 * logs into (confab-broker.h) and the server that owns it; every call
 * here, every socket and timer callback and every flush runs there. The
 * one thing done elsewhere is a user-database lookup (confab-peer-identity.c):
 * it runs in the lookup pool's worker thread, touches only the uid or
 * the name it was given, and its result comes back to the main context
 * as a GTask callback before the connection uses it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-auth-throttle.h"
#include "confab-broker.h"
#include "confab-irc-server.h"
#include "confab-listen-address.h"
#include "confab-log.h"
#include "confab-net-stats.h"
#include "confab-output-scheduler.h"
#include "confab-web-root.h"

G_BEGIN_DECLS

#define CONFAB_TYPE_PEER (confab_peer_get_type ())
G_DECLARE_FINAL_TYPE (ConfabPeer, confab_peer, CONFAB, PEER, GObject)

/* Per-connection limits, owned by the server and changed on SIGHUP. */
typedef struct
{
  guint    line_max_bytes;
  guint    recipients_max;
  guint    login_timeout_sec;
  gboolean unix_identity;      /* Unix-socket logins must use the caller's user name */
  guint    rate_limit_per_sec; /* messages a second per peer; 0: no limit */
  guint    rate_limit_burst;
  guint    irc_ping_interval_sec; /* idle IRC connections are pinged after it */
  guint    irc_ping_timeout_sec;  /* and closed if no line arrives within it */
  guint    history_on_join;       /* [history] history_on_join */
  guint    history_replay_max;    /* [history] history_replay_max */
} ConfabPeerLimits;

typedef void (*ConfabPeerClosedFunc) (ConfabPeer *peer,
                                      gpointer    user_data);
/* Returns: (transfer full): the GetStatistics a{sv}, for /metrics */
typedef GVariant *(*ConfabStatisticsFunc) (gpointer user_data);

/*
 * ConfabPeerHost:
 * What the server lends each of its connections: the broker, the output
 * scheduler they are all served by (buffers, poller, timers, flush list),
 * the limits, the budgets of the operator's log lines, the counters of
 * what the connections see, and whom to tell when a connection has
 * closed. Owned by the server; peers borrow it.
 */
typedef struct
{
  ConfabBroker          *broker;    /* (owned) */
  ConfabOutputScheduler *scheduler; /* (owned) */
  ConfabPeerLimits       limits;
  ConfabLogLimiter       log_limiter;
  ConfabNetStats         stats;           /* for GetStatistics, through the server */
  ConfabIrcServer       *irc_server;      /* (owned): what the IRC door's connections are told */
  GTlsCertificate       *tls_certificate; /* (owned) (nullable): for the TLS doors */
  ConfabAccounts        *accounts;        /* (owned) (nullable): [accounts] file */
  ConfabHistoryStore    *history;         /* (owned) (nullable): SPEC §12's store */
  ConfabAuthThrottle    *auth_throttle;   /* (owned): failed passwords per host */
  ConfabWebRoot         *web_root;        /* (owned) (nullable): the ws: doors' files */
  char                 **allowed_origins; /* (owned) (nullable): [web] allowed_origins */
  ConfabStatisticsFunc   statistics_func; /* what /metrics shows */
  gpointer               statistics_data;
  ConfabPeerClosedFunc   closed_func;
  gpointer               closed_data;
} ConfabPeerHost;

/**
 * ConfabCloseReason:
 * @CONFAB_CLOSE_QUIT: the client hung up: what is queued is still
 *   delivered (it may only have half-closed), then the connection closes
 * @CONFAB_CLOSE_KICKED: the broker removed it (Kick): its queue, which
 *   ends with "error: kicked: REASON", is delivered, then it closes
 * @CONFAB_CLOSE_SHUTDOWN: the server is stopping. A logged-in peer is
 *   the broker's to tell (confab_broker_shutdown() queues the notice after
 *   what it has queued and then closes it with this reason), so for one
 *   the broker still holds this does nothing; any other connection gets
 *   "error: server shutting down"
 * @CONFAB_CLOSE_SLOW_CONSUMER: its queue overflowed: the queue is dropped
 *   and "error: slow consumer" is sent
 * @CONFAB_CLOSE_LINE_TOO_LONG: it sent a line past line_max_bytes
 * @CONFAB_CLOSE_LOGIN_TIMEOUT: it sent no name in time
 * @CONFAB_CLOSE_SERVER_FULL: there is no room for it (peers_max)
 * @CONFAB_CLOSE_LOGIN_REFUSED: its login was refused (invalid or taken
 *   name, not the caller's name, a first line that is no login)
 * @CONFAB_CLOSE_IO_ERROR: the socket failed (or cannot be watched):
 *   closed at once, nothing more is sent
 * @CONFAB_CLOSE_PING_TIMEOUT: an IRC client answered no PING in time:
 *   its queue is dropped and ERROR says why (confab-peer-ping.c)
 * @CONFAB_CLOSE_ABORT: closed at once, dropping whatever is queued (the
 *   shutdown timeout ran out, or the server goes away)
 * @CONFAB_CLOSE_HTTP_DONE: a ws: door's HTTP request was answered: the
 *   answer goes out (within a deadline), then the connection closes
 * @CONFAB_CLOSE_PROTOCOL_ERROR: a WebSocket client broke RFC 6455: its
 *   queue is dropped and the close frame says why
 *
 * Why a connection closes. The reason decides everything about it: the
 * error line sent first (if any), whether what is queued is delivered or
 * dropped, how long the connection may take to deliver its last lines,
 * the reason PeerLeft shows and the operator's log line (see
 * confab-peer-close.c).
 */
typedef enum
{
  CONFAB_CLOSE_QUIT,
  CONFAB_CLOSE_KICKED,
  CONFAB_CLOSE_SHUTDOWN,
  CONFAB_CLOSE_SLOW_CONSUMER,
  CONFAB_CLOSE_LINE_TOO_LONG,
  CONFAB_CLOSE_LOGIN_TIMEOUT,
  CONFAB_CLOSE_SERVER_FULL,
  CONFAB_CLOSE_LOGIN_REFUSED,
  CONFAB_CLOSE_IO_ERROR,
  CONFAB_CLOSE_ABORT,
  CONFAB_CLOSE_PING_TIMEOUT,
  CONFAB_CLOSE_HTTP_DONE,
  CONFAB_CLOSE_PROTOCOL_ERROR,
  CONFAB_CLOSE_N_REASONS,
} ConfabCloseReason;

ConfabPeer *confab_peer_new (ConfabPeerHost    *host,
                             GSocketConnection *connection,
                             ConfabDoor         door);
void        confab_peer_close (ConfabPeer       *self,
                               ConfabCloseReason reason,
                               const GError     *error);

G_END_DECLS
