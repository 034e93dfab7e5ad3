/* confab-session.h: what a connection's requests do, without a socket.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-accounts.h"
#include "confab-broker.h"
#include "confab-codec.h"
#include "confab-history-store.h"

G_BEGIN_DECLS

/*
 * ConfabSessionStats:
 * What the session layer counts, for GetStatistics (reported through the
 * server, confab-stats.h; each field adds to the key of its name). Kept
 * by whoever serves the sessions, which share one.
 */
typedef struct
{
  guint64 logins_rejected; /* logins refused before the broker was asked */
  guint64 errors_sent;     /* the error line each of those is closed with */
  guint64 messages_too_many_recipients;
} ConfabSessionStats;

/*
 * ConfabSession:
 * One connection as the session layer sees it: its broker, its protocol,
 * its entry once logged in, and what decides its login. It holds no
 * socket and owns nothing: the connection builds it from its own state
 * for each call (a few words on the stack), so the two cannot disagree.
 */
/* An IRC connection's own state (confab-session-irc.h). */
typedef struct _ConfabIrcClient ConfabIrcClient;

typedef struct
{
  ConfabBroker       *broker; /* (unowned) */
  const ConfabCodec  *codec;  /* (unowned) */
  ConfabBrokerPeer   *entry;  /* (unowned) (nullable): once logged in */
  ConfabSessionStats *stats;  /* (unowned): where its refusals are counted */
  guint               recipients_max;
  gboolean            unix_identity;      /* [server] unix_identity */
  gint64              unix_uid;           /* the caller's uid on a Unix socket, else -1 */
  ConfabIrcClient    *irc;                /* (unowned) (nullable): on an IRC connection */
  ConfabAccounts     *accounts;           /* (unowned) (nullable): [accounts] file */
  gboolean            secure;             /* TLS or a Unix socket: a password may come */
  const char         *certfp;             /* (nullable): the TLS client certificate's SHA-256 */
  ConfabHistoryStore *history;            /* (unowned) (nullable): SPEC §12; NULL: none kept */
  guint               history_on_join;    /* lines of a room's history for whoever joins it */
  guint               history_replay_max; /* the most lines one request replays */
} ConfabSession;

typedef enum
{
  CONFAB_LOGIN_JOIN,           /* join under the name given back */
  CONFAB_LOGIN_CHECK_NAME,     /* first ask the user database whether the name
                                * is a local user's (that may block), then join */
  CONFAB_LOGIN_REFUSED,        /* close with the error given back */
  CONFAB_LOGIN_PENDING,        /* more lines are needed (IRC's registration): send
                                * the replies given back and read on */
  CONFAB_LOGIN_CHECK_PASSWORD, /* first check the password against the name's
                                * account (that takes a while), then join */
  CONFAB_LOGIN_CHECK_SASL,     /* IRC's SASL PLAIN: check the password of the
                                * name given back, then tell the session
                                * (confab_session_irc_sasl_checked()) */
  CONFAB_LOGIN_SASL_FAILED,    /* a SASL attempt failed: count it as a wrong
                                * password; registration goes on */
} ConfabLoginStep;

gboolean          confab_session_identity_applies (const ConfabSession *session);
gboolean          confab_session_decode_login (const ConfabSession *session,
                                               char                *line,
                                               gsize                len,
                                               ConfabRequest       *request,
                                               GError             **error);
ConfabLoginStep   confab_session_resolve_login (const ConfabSession *session,
                                                const char          *requested,
                                                const char          *password,
                                                const char          *unix_user,
                                                const char         **name,
                                                GError             **error);
ConfabLoginStep   confab_session_resolve_authenticated (const ConfabSession *session,
                                                        const char          *account,
                                                        const char          *unix_user,
                                                        const char         **name,
                                                        GError             **error);
void              confab_session_refuse_password (const ConfabSession *session,
                                                  GError             **error);
void              confab_session_refuse_local_name (const ConfabSession *session,
                                                    const char          *name,
                                                    GError             **error);
ConfabBrokerPeer *confab_session_join (const ConfabSession    *session,
                                       const char             *name,
                                       const char             *address,
                                       const ConfabBrokerSink *sink,
                                       gpointer                sink_data,
                                       GError                **error);
void              confab_session_handle_line (const ConfabSession *session,
                                              char                *line,
                                              gsize                len);

G_END_DECLS
