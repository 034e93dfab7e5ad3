/* confab-peer-requests.c: a connection's lines, handed to its session.
 *
 * The first bytes pick the connection's codec (confab-codec.h); what each
 * line then does (the login and its identity rules, messages, commands,
 * replies) is the session layer's (src/session/confab-session.c), which
 * needs no socket. Here the session is built from the connection's state
 * for each call, and its answers are handed back as they are: what they
 * mean for the connection (join, look the name up, close) is
 * confab-peer.c's.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-peer-private.h"

/* The session layer's view of this connection, as it is now. */
static ConfabSession
session_of (ConfabPeer *self)
{
  return (ConfabSession) {
    .broker = self->host->broker,
    .codec = self->codec,
    .entry = self->entry,
    .stats = &self->host->stats.session,
    .recipients_max = self->host->limits.recipients_max,
    .unix_identity = self->host->limits.unix_identity,
    .unix_uid = self->unix_uid,
    .irc = self->irc,
    .accounts = self->host->accounts,
    /* On plain TCP a password would have crossed the network in clear. */
    .secure = self->tls != NULL || g_socket_get_family (self->socket) == G_SOCKET_FAMILY_UNIX,
    .certfp = self->tls_certfp,
    .history = self->host->history,
    .history_on_join = self->host->limits.history_on_join,
    .history_replay_max = self->host->limits.history_replay_max,
  };
}

/* What an IRC client may have waiting for it before it has registered
 * (CAP, PONG, refusals): the lines of a client that sends and never
 * reads must not pile up. */
#define IRC_REGISTRATION_OUTPUT_MAX (16 * 1024)

/* Queues what registration answered, to go out at once (there is no
 * queue yet); FALSE if a client that does not read has too much waiting. */
static gboolean
send_registration_replies (ConfabPeer    *self,
                           const GString *replies)
{
  if (replies->len == 0)
    return TRUE;
  if (self->unsent_len - self->unsent_off + replies->len > IRC_REGISTRATION_OUTPUT_MAX)
    return FALSE;
  confab_peer_output_append (self, replies->str, replies->len);
  confab_peer_schedule_flush (self);
  return TRUE;
}

/* A line of IRC's registration. */
static ConfabLoginStep
register_irc (ConfabPeer *self,
              char       *line,
              gsize       len,
              char      **requested,
              char      **name,
              char      **password,
              GError    **error)
{
  ConfabSession session = session_of (self);
  g_autoptr(GString) replies = g_string_new (NULL);
  g_autofree char *user = NULL;
  const char      *resolved = NULL;
  ConfabLoginStep  step;

  if (confab_session_identity_applies (&session))
    user = confab_peer_identity_dup_user (self);
  step = confab_session_irc_register (&session, line, len, user, replies, &resolved, error);
  if (!send_registration_replies (self, replies))
    {
      g_clear_error (error);
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_SLOW_CONSUMER, "slow consumer");
      return CONFAB_LOGIN_REFUSED;
    }
  if (self->irc->nick != NULL)
    *requested = g_strdup (self->irc->nick);
  switch (step)
    {
    case CONFAB_LOGIN_CHECK_SASL:
      /* SASL PLAIN's password, to check as any other. */
      *name = g_strdup (resolved);
      *password = g_steal_pointer (&self->irc->sasl_password);
      return step;

    case CONFAB_LOGIN_PENDING:
    case CONFAB_LOGIN_SASL_FAILED:
      return step; /* registration goes on */

    case CONFAB_LOGIN_CHECK_PASSWORD:
      *password = g_strdup (self->irc->password);
      G_GNUC_FALLTHROUGH;
    case CONFAB_LOGIN_JOIN:
    case CONFAB_LOGIN_CHECK_NAME:
      *name = g_strdup (resolved);
      break;

    case CONFAB_LOGIN_REFUSED:
    default:
      break;
    }
  confab_irc_client_forget_password (self->irc);
  return step;
}

/**
 * confab_peer_requests_login:
 * @line: the first line
 * @requested: (out) (transfer full) (optional): the name asked for, for
 *   the log line of a refusal; %NULL if the line is no login at all
 * @name: (out) (transfer full): the name to join (or to check first)
 * @password: (out) (transfer full): with CHECK_PASSWORD, the password to
 *   check (for confab_peer_auth_check(), which wipes it)
 *
 * Returns: what to do; REFUSED with @error set
 */
ConfabLoginStep
confab_peer_requests_login (ConfabPeer *self,
                            char       *line,
                            gsize       len,
                            char      **requested,
                            char      **name,
                            char      **password,
                            GError    **error)
{
  ConfabSession    session = session_of (self);
  g_autofree char *user = NULL;
  ConfabRequest    request;
  const char      *resolved = NULL;
  ConfabLoginStep  step;

  *requested = *name = *password = NULL;
  if (self->irc != NULL)
    return register_irc (self, line, len, requested, name, password, error);
  if (!confab_session_decode_login (&session, line, len, &request, error))
    return CONFAB_LOGIN_REFUSED;

  if (confab_session_identity_applies (&session))
    user = confab_peer_identity_dup_user (self);

  step = confab_session_resolve_login (&session, request.name, request.password, user, &resolved, error);
  *requested = g_strdup (request.name);
  if (step != CONFAB_LOGIN_REFUSED)
    *name = g_strdup (resolved);
  if (step == CONFAB_LOGIN_CHECK_PASSWORD)
    *password = g_strdup (request.password);
  confab_request_clear (&request);
  return step;
}

/* The password did not match the account (confab-peer-auth.c). */
void
confab_peer_requests_refuse_password (ConfabPeer *self,
                                      GError    **error)
{
  ConfabSession session = session_of (self);

  confab_session_refuse_password (&session, error);
}

/* The name check found @name to be a local user's (confab-peer-identity.c). */
void
confab_peer_requests_refuse_local_name (ConfabPeer *self,
                                        const char *name,
                                        GError    **error)
{
  ConfabSession session = session_of (self);

  confab_session_refuse_local_name (&session, name, error);
}

/* How @name logged in, as GetPeer tells it: with its account's password
 * (checked), a client certificate its account lists, as the Unix user
 * of that name, or with no proof at all; @account is the account's name
 * for the first two. */
static const char *
login_method (ConfabPeer          *self,
              const ConfabSession *session,
              const char          *name,
              const char         **account_name)
{
  const ConfabAccount *account = NULL;

  *account_name = NULL;
  if (self->host->accounts != NULL)
    account = confab_accounts_lookup (self->host->accounts, name);
  if (account != NULL && (self->password_checked || confab_account_has_certfp (account, self->tls_certfp)))
    {
      *account_name = confab_account_get_name (account);
      return self->password_checked ? "password" : "certificate";
    }
  if (confab_session_identity_applies (session))
    return "unix";
  return "none";
}

/* Returns: (transfer full) (nullable): the entry under @name, reaching
 *   the connection through @sink, or %NULL with @error if the broker
 *   refuses it */
ConfabBrokerPeer *
confab_peer_requests_join (ConfabPeer             *self,
                           const char             *name,
                           const ConfabBrokerSink *sink,
                           GError                **error)
{
  ConfabSession     session = session_of (self);
  ConfabBrokerPeer *entry = confab_session_join (&session, name, self->address, sink, self, error);

  if (entry != NULL)
    {
      const char *account = NULL;
      const char *method = login_method (self, &session, name, &account);

      confab_broker_peer_set_tls (entry, self->tls != NULL);
      confab_broker_peer_set_login (entry, account, method);
    }
  if (entry != NULL && self->irc != NULL)
    {
      session.entry = entry;
      confab_session_irc_welcome (&session);
    }
  return entry;
}

/**
 * confab_peer_requests_irc_sasl_checked:
 * @ok: whether SASL PLAIN's password was the account's
 *
 * Sends the session's answer (900 and 903, or 904).
 *
 * Returns: PENDING, SASL_FAILED (to count), or REFUSED with @error
 */
ConfabLoginStep
confab_peer_requests_irc_sasl_checked (ConfabPeer *self,
                                       gboolean    ok,
                                       GError    **error)
{
  ConfabSession session = session_of (self);
  g_autoptr(GString) replies = g_string_new (NULL);
  ConfabLoginStep step = confab_session_irc_sasl_checked (&session, ok, replies, error);

  if (!send_registration_replies (self, replies) && step != CONFAB_LOGIN_REFUSED)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_SLOW_CONSUMER, "slow consumer");
      return CONFAB_LOGIN_REFUSED;
    }
  return step;
}

/* The IRC door's keep-alive asks the client for a sign of life. */
void
confab_peer_requests_irc_ping (ConfabPeer *self)
{
  ConfabSession session = session_of (self);

  confab_session_irc_ping (&session);
}

/**
 * confab_peer_requests_irc_nick_taken:
 * @error: why confab_peer_requests_join() failed
 *
 * An IRC client whose nick was taken between NICK and the end of its
 * registration is answered with 433 and goes on registering, as IRC
 * clients expect (they then try another nick); it is not closed.
 *
 * Returns: TRUE if that is what happened; FALSE if the connection is to
 *   close with @error
 */
gboolean
confab_peer_requests_irc_nick_taken (ConfabPeer   *self,
                                     const GError *error)
{
  ConfabSession session = session_of (self);
  g_autoptr(GString) replies = NULL;

  /* After SASL the nick is the account's, and another would not do. */
  if (self->irc == NULL || self->irc->nick == NULL || self->irc->sasl_account != NULL ||
      !g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_NAME_TAKEN))
    return FALSE;
  replies = g_string_new (NULL);
  confab_session_irc_nick_taken (&session, replies);
  return send_registration_replies (self, replies);
}

/* A line after the login: the session does all of it.
 * Returns: %FALSE if the client asked to close (IRC's QUIT) */
gboolean
confab_peer_requests_handle (ConfabPeer *self,
                             char       *line,
                             gsize       len)
{
  ConfabSession session = session_of (self);

  if (self->irc != NULL)
    return confab_session_irc_handle_line (&session, line, len);
  confab_session_handle_line (&session, line, len);
  return TRUE;
}
