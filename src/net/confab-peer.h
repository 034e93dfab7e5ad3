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

#include "confab-broker.h"
#include "confab-deadlines.h"
#include "confab-log.h"
#include "confab-poller.h"

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
} ConfabPeerLimits;

typedef void (*ConfabPeerClosedFunc) (ConfabPeer *peer,
                                      gpointer    user_data);

/*
 * ConfabPeerShared:
 * What all connections of one server share: the broker, the limits, one
 * receive buffer and one send buffer (a connection only needs them while
 * it is being served, and everything runs on one main context), and the
 * list of connections with output waiting for the once-per-iteration
 * flush, and one GSource each for all sockets and all timers. Owned by the server; peers borrow it.
 */
typedef struct
{
  ConfabBroker        *broker; /* (owned) */
  ConfabPeerLimits     limits;
  char                *recv_buf; /* (owned) */
  gsize                recv_buf_size;
  char                *send_buf; /* (owned) */
  gsize                send_buf_size;
  GQueue               flush_queue;  /* ConfabPeer (owned refs) waiting for a flush */
  GSource             *flush_source; /* (owned) */
  ConfabPoller        *poller;       /* (owned): every connection's socket */
  ConfabDeadlines     *deadlines;    /* (owned): every connection's timers */
  ConfabLogLimiter     log_limiter;  /* budgets of the operator's log lines */
  ConfabPeerClosedFunc closed_func;
  gpointer             closed_data;
} ConfabPeerShared;

gboolean confab_peer_shared_init (ConfabPeerShared       *shared,
                                  ConfabBroker           *broker,
                                  const ConfabPeerLimits *limits,
                                  ConfabPeerClosedFunc    closed_func,
                                  gpointer                closed_data,
                                  GError                **error);
void     confab_peer_shared_clear (ConfabPeerShared *shared);

ConfabPeer *confab_peer_new (ConfabPeerShared  *shared,
                             GSocketConnection *connection);
void        confab_peer_reject (ConfabPeer *self,
                                ConfabError code,
                                const char *text);
void        confab_peer_shutdown (ConfabPeer *self);
void        confab_peer_abort (ConfabPeer *self);

G_END_DECLS
