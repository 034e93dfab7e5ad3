/* confab-server-fixture.h: an in-process server over loopback, for tests.
 *
 * A ConfabBroker and a ConfabServer live in the test process, listening
 * on 127.0.0.1 port 0, and the clients are GSocketConnections on the same
 * main context, read and written asynchronously; every wait is a bounded
 * spin of that context, as in GLib's gio/tests/socket-service.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-broker.h"
#include "confab-server.h"

G_BEGIN_DECLS

#define LINE_MAX_BYTES 64

gint64   fixture_wait_usec (void);
gboolean fixture_tick_cb (gpointer user_data);

/* Iterates the default main context until @cond holds; the tick wakes
 * the iteration, so the deadline is checked even when nothing happens. */
#define spin_until(cond) \
  G_STMT_START \
  { \
    gint64 deadline_ = g_get_monotonic_time () + fixture_wait_usec (); \
    guint  tick_ = g_timeout_add (50, fixture_tick_cb, NULL); \
\
    while (!(cond)) \
      { \
        if (g_get_monotonic_time () > deadline_) \
          g_error ("%s: timed out waiting for %s", G_STRLOC, #cond); \
        g_main_context_iteration (NULL, TRUE); \
      } \
    g_source_remove (tick_); \
  } \
  G_STMT_END

typedef struct
{
  GSocketConnection *connection;  /* (owned) */
  GCancellable      *cancellable; /* (owned): the pending read's */
  GString           *received;    /* (owned): bytes not yet taken */
  gboolean           reading;     /* a read is pending */
  gboolean           eof;         /* the stream ended, by FIN or error */
  GError            *error;       /* (owned) (nullable): how, if by error */
  char               buf[4096];
} Client;

void  client_send (Client     *client,
                   const char *data);
char *client_read_line (Client *client);
void  client_expect_line (Client     *client,
                          const char *expected);
void  client_expect_eof (Client *client);

typedef struct
{
  guint peers_max;
  guint login_timeout_sec;
  guint queue_max_bytes; /* 0: 1 MiB */
  /* The IRC door, with its keep-alive's times, instead of text/JSON. */
  gboolean irc;
  guint    irc_ping_interval_sec;
  guint    irc_ping_timeout_sec;
} Options;

extern const Options defaults;
extern const Options two_peers;
extern const Options one_second;

typedef struct
{
  ConfabBroker    *broker;
  ConfabServer    *server;
  ConfabPeerLimits peer_limits;
  GSocketAddress  *address; /* (owned): where the server listens */
  GPtrArray       *clients; /* (owned): Client, freed at teardown */
  GPtrArray       *left;    /* (owned): "NAME:REASON" of each PeerLeft */
} Fixture;

void              fixture_setup (Fixture      *fx,
                                 gconstpointer data);
void              fixture_teardown (Fixture      *fx,
                                    gconstpointer data);
Client           *connect_client (Fixture *fx);
Client           *text_login (Fixture    *fx,
                              const char *name);
void              disconnect (Fixture *fx,
                              Client  *client);
ConfabBrokerStats get_stats (Fixture *fx);
/* What the connections and their sessions counted, as GetStatistics reads it. */
ConfabConnectionStats get_connection_stats (Fixture *fx);

G_END_DECLS
