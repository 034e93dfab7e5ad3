/* confab-peer-requests.c: a connection's lines, handed to its session.
 *
 * The first bytes pick the connection's codec (confab-codec.h); what each
 * line then does (the login and its identity rules, messages, commands,
 * replies) is the session layer's (src/session/confab-session.c), which
 * needs no socket. Here is what only the connection can do: its state,
 * the user-database lookups that run in a worker thread, closing, and
 * the operator's log line for a login.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-names.h"
#include "confab-peer-private.h"
#include "confab-session.h"

/* The session layer's view of this connection, as it is now. */
static ConfabSession
session_of (ConfabPeer *self)
{
  return (ConfabSession) {
    .broker = self->shared->broker,
    .codec = self->codec,
    .entry = self->entry,
    .stats = &self->shared->stats.session,
    .recipients_max = self->shared->limits.recipients_max,
    .unix_identity = self->shared->limits.unix_identity,
    .unix_uid = self->unix_uid,
  };
}

static void
try_login (ConfabPeer *self,
           const char *requested)
{
  ConfabSession session = session_of (self);
  g_autoptr(GError) error = NULL;
  g_autofree char *user = NULL;
  const char      *name;

  if (confab_session_identity_applies (&session))
    user = confab_peer_dup_unix_user (self);

  switch (confab_session_resolve_login (&session, requested, user, &name, &error))
    {
    case CONFAB_LOGIN_REFUSED:
      confab_peer_close_with_error (self, error->code, error->message);
      break;

    case CONFAB_LOGIN_CHECK_NAME:
      /* Asked of the user database off the main loop, then joined
       * (confab-peer-identity.c). */
      confab_peer_start_name_check (self, name);
      break;

    case CONFAB_LOGIN_JOIN:
    default:
      confab_peer_join (self, name);
      break;
    }
}

/* The name check found @name to be a local user's (confab-peer-identity.c). */
void
confab_peer_refuse_local_name (ConfabPeer *self,
                               const char *name,
                               GError    **error)
{
  ConfabSession session = session_of (self);

  confab_session_refuse_local_name (&session, name, error);
}

/* Takes @name in the broker, or closes the connection if it is taken. */
void
confab_peer_join (ConfabPeer *self,
                  const char *name)
{
  ConfabSession session = session_of (self);
  g_autoptr(GError) error = NULL;

  self->entry = confab_session_join (&session, name, self->address,
                                     &confab_peer_sink, self, &error);
  if (self->entry == NULL)
    {
      confab_peer_close_with_error (self, error->code, error->message);
      return;
    }

  self->state = PEER_ACTIVE;
  confab_peer_cancel_timer (self);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    CONFAB_LOG_FIELD_PEER, name,
                    CONFAB_LOG_FIELD_ADDRESS, self->address,
                    CONFAB_LOG_FIELD_EVENT, "login",
                    "MESSAGE", "%s logged in from %s", name, self->address);
}

static void
handle_login (ConfabPeer *self,
              char       *line,
              gsize       len)
{
  ConfabSession session = session_of (self);
  g_autoptr(GError) error = NULL;
  ConfabRequest request;

  if (!confab_session_decode_login (&session, line, len, &request, &error))
    {
      confab_peer_close_with_error (self, error->code, error->message);
      return;
    }

  /* Named in the log line if the login is refused. */
  self->login_name = request.name;
  try_login (self, request.name);
  self->login_name = NULL;
  confab_request_clear (&request);
}

gboolean
confab_peer_handle_line (char    *line,
                         gsize    len,
                         gpointer user_data)
{
  ConfabPeer   *self = user_data;
  ConfabSession session;

  switch (self->state)
    {
    case PEER_LOGIN:
      handle_login (self, line, len);
      break;

    case PEER_ACTIVE:
      session = session_of (self);
      confab_session_handle_line (&session, line, len);
      break;

    case PEER_CLOSING:
    case PEER_LINGER:
    case PEER_CLOSED:
    default:
      return FALSE;
    }

  return self->state <= PEER_ACTIVE;
}
