/* confab-session.c: what a connection's requests do, without a socket.
 *
 * Between the codec (which turns a line into a typed request) and the
 * broker (which routes): the login and the identity rules that decide
 * it, chat messages, the peers command, and the replies and refusals
 * they cause. Every front door (text and JSON today, IRC and WebSocket
 * later) goes through here, and tests/test-session.c drives it with a
 * broker and no socket at all.
 *
 * What stays with the connection (src/net): reading and framing, its
 * state machine, closing (a refused login is handed back as an error to
 * close with), and the user-database lookups, which may block and so run
 * in a worker thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-session-private.h"

/* A login refused here, before the broker is asked: the connection
 * closes with the error handed back, one error line. */
static void
count_refused_login (const ConfabSession *session)
{
  session->stats->logins_rejected++;
  session->stats->errors_sent++;
}

static ConfabDecodeOptions
decode_options (const ConfabSession *session)
{
  return (ConfabDecodeOptions) {
    .recipients_max = session->recipients_max,
    .blank_login = confab_session_identity_applies (session),
    /* Without accounts "al ice" is an invalid name, as it always was. */
    .passwords = session->accounts != NULL,
  };
}

/* With unix_identity on, a Unix-socket caller is who the kernel says: an
 * empty name becomes the user name, any other name is refused. */
gboolean
confab_session_identity_applies (const ConfabSession *session)
{
  return session->unix_identity && session->unix_uid >= 0;
}

/**
 * confab_session_decode_login:
 * @line: the first line; decoded in place
 * @request: (out caller-allocates): a LOGIN request on success; clear it
 *   with confab_request_clear()
 *
 * Returns: %FALSE with the error to close the connection with (the
 *   refused login is counted)
 */
gboolean
confab_session_decode_login (const ConfabSession *session,
                             char                *line,
                             gsize                len,
                             ConfabRequest       *request,
                             GError             **error)
{
  ConfabDecodeOptions options = decode_options (session);

  if (confab_codec_decode_login (session->codec, line, len, &options, request, error))
    return TRUE;
  count_refused_login (session);
  return FALSE;
}

static ConfabLoginStep
refuse (const ConfabSession *session,
        GError             **error,
        const char          *format,
        ...) G_GNUC_PRINTF (3, 4);

static ConfabLoginStep
refuse (const ConfabSession *session,
        GError             **error,
        const char          *format,
        ...)
{
  va_list args;

  va_start (args, format);
  g_propagate_error (error, g_error_new_valist (CONFAB_ERROR, CONFAB_ERROR_NOT_YOUR_NAME,
                                                format, args));
  va_end (args);
  count_refused_login (session);
  return CONFAB_LOGIN_REFUSED;
}

static ConfabLoginStep
refuse_auth (const ConfabSession *session,
             GError             **error,
             ConfabError          code,
             const char          *text)
{
  g_set_error_literal (error, CONFAB_ERROR, code, text);
  count_refused_login (session);
  return CONFAB_LOGIN_REFUSED;
}

/* The rules of SPEC §11 for a login over TCP, TLS or a Unix socket
 * without identity: a name with an account needs its password, or a
 * client certificate the account lists; with required, every name needs
 * an account; a password needs TLS (or a Unix socket), and is refused on
 * plain TCP before anything else, so that the client learns it was sent
 * in clear. Which names have accounts is not told: every mismatch is
 * "authentication failed". */
static ConfabLoginStep
resolve_account (const ConfabSession *session,
                 const char          *requested,
                 const char          *password,
                 GError             **error)
{
  const ConfabAccount *account = NULL;

  if (password != NULL && !session->secure)
    return refuse_auth (session, error, CONFAB_ERROR_PASSWORD_NEEDS_TLS, "password needs TLS");
  if (session->accounts != NULL)
    account = confab_accounts_lookup (session->accounts, requested);
  if (password != NULL)
    return account != NULL ? CONFAB_LOGIN_CHECK_PASSWORD
                           : refuse_auth (session, error, CONFAB_ERROR_AUTHENTICATION_FAILED,
                                          "authentication failed");
  if (account != NULL && confab_account_has_certfp (account, session->certfp))
    return CONFAB_LOGIN_JOIN;
  if (account != NULL || (session->accounts != NULL && confab_accounts_is_required (session->accounts)))
    return refuse_auth (session, error, CONFAB_ERROR_AUTHENTICATION_FAILED, "authentication failed");
  return CONFAB_LOGIN_JOIN;
}

/**
 * confab_session_refuse_password:
 *
 * The password a CONFAB_LOGIN_CHECK_PASSWORD login gave is not its
 * account's: the login is refused (and counted) as any other.
 */
void
confab_session_refuse_password (const ConfabSession *session,
                                GError             **error)
{
  refuse_auth (session, error, CONFAB_ERROR_AUTHENTICATION_FAILED, "authentication failed");
}

/**
 * confab_session_resolve_login:
 * @requested: the name the login asked for ("" for the caller's own)
 * @password: (nullable): the password it gave
 * @unix_user: (nullable): the caller's user name, where identity applies
 *   (confab_session_identity_applies()); %NULL if its uid has none
 * @name: (out): the name to join or check, @requested or @unix_user
 *
 * Returns: what to do next; with CONFAB_LOGIN_REFUSED, @error says why
 *   (and the refused login is counted)
 */
ConfabLoginStep
confab_session_resolve_login (const ConfabSession *session,
                              const char          *requested,
                              const char          *password,
                              const char          *unix_user,
                              const char         **name,
                              GError             **error)
{
  ConfabLoginStep step;

  g_return_val_if_fail (requested != NULL && name != NULL, CONFAB_LOGIN_REFUSED);

  *name = requested;
  if (confab_session_identity_applies (session))
    {
      if (unix_user == NULL)
        return refuse (session, error, "not your name: uid %" G_GINT64_FORMAT " has no user name",
                       session->unix_uid);
      if (*requested == '\0')
        *name = unix_user;
      else if (!g_str_equal (requested, unix_user))
        return refuse (session, error, "not your name: on this socket you are %s", unix_user);
      return CONFAB_LOGIN_JOIN;
    }

  step = resolve_account (session, requested, password, error);
  if (step != CONFAB_LOGIN_JOIN)
    return step;
  /* Local users' names are theirs alone, on the Unix socket. */
  if (session->unix_identity)
    return CONFAB_LOGIN_CHECK_NAME;
  return CONFAB_LOGIN_JOIN;
}

/**
 * confab_session_resolve_authenticated:
 * @account: the name of the account the client has proved is its own
 *   (IRC's SASL)
 *
 * As confab_session_resolve_login() for a login that needs no password
 * any more: the Unix identity rules still hold.
 */
ConfabLoginStep
confab_session_resolve_authenticated (const ConfabSession *session,
                                      const char          *account,
                                      const char          *unix_user,
                                      const char         **name,
                                      GError             **error)
{
  if (confab_session_identity_applies (session))
    return confab_session_resolve_login (session, account, NULL, unix_user, name, error);
  *name = account;
  return session->unix_identity ? CONFAB_LOGIN_CHECK_NAME : CONFAB_LOGIN_JOIN;
}

/**
 * confab_session_refuse_local_name:
 * @name: a name CONFAB_LOGIN_CHECK_NAME found to be a local user's
 *
 * Refuses the login (and counts it): with unix_identity on, a local
 * user's name is that user's, on the Unix socket, or the real user would
 * find it taken.
 */
void
confab_session_refuse_local_name (const ConfabSession *session,
                                  const char          *name,
                                  GError             **error)
{
  refuse (session, error, "not your name: %s is reserved for the local user "
                          "of that name, on the Unix socket",
          name);
}

/**
 * confab_session_join:
 * @sink: how the broker reaches the connection
 *
 * Takes @name in the broker and, in a protocol that greets, queues the
 * welcome as the connection's first line.
 *
 * Returns: (transfer full) (nullable): the entry; %NULL with the error to
 *   close the connection with (the broker counted the refusal)
 */
ConfabBrokerPeer *
confab_session_join (const ConfabSession    *session,
                     const char             *name,
                     const char             *address,
                     const ConfabBrokerSink *sink,
                     gpointer                sink_data,
                     GError                **error)
{
  ConfabBrokerPeer *entry;

  entry = confab_broker_join (session->broker, name, address, session->codec->name,
                              sink, sink_data, error);
  if (entry != NULL && session->codec->greets)
    {
      g_autoptr(ConfabMessage) welcome = confab_message_new_welcome (name);

      confab_broker_peer_push_reply (entry, welcome);
    }
  if (entry != NULL)
    {
      ConfabSession joined = *session;

      joined.entry = entry;
      confab_session_history_deliver_offline (&joined);
    }
  return entry;
}

/* A reply for this connection alone goes to its own queue, in order with
 * what the broker queued for it, not through the broker. */
static void
reply_peers (const ConfabSession *session)
{
  guint                   n = 0;
  g_autofree const char **names = confab_broker_dup_peer_names (session->broker, &n);
  g_autoptr(ConfabMessage) message = NULL;

  /* In a cluster, everyone on every node. */
  message = confab_message_new_peers (names, n);
  confab_broker_peer_push_reply (session->entry, message);
}

/**
 * confab_session_keep_for_absent:
 * @names: (inout) (array length=n_names): a message's recipient names
 *
 * Stores the message for each recipient that is away and has an account
 * (SPEC §12), and takes those out of @names, keeping the others' order:
 * the broker routes to the rest (and refuses the names nobody has).
 *
 * Returns: how many names are left
 */
guint
confab_session_keep_for_absent (const ConfabSession *session,
                                const char         **names,
                                guint                n_names,
                                const char          *text)
{
  guint  kept = 0;
  gint64 now;

  /* The common case, and every server without history, costs nothing. */
  if (session->history == NULL || session->accounts == NULL)
    return n_names;
  now = g_get_real_time ();
  for (guint i = 0; i < n_names; i++)
    {
      if (!confab_broker_is_present (session->broker, names[i]) &&
          confab_session_history_keeps_for (session, names[i]))
        confab_session_history_store_offline (session, names[i], text, now);
      else
        names[kept++] = names[i];
    }
  return kept;
}

/**
 * confab_session_send_message:
 * @request: a MESSAGE request: names, rooms or both
 *
 * Routes a chat message, whichever front door it came through.
 */
void
confab_session_send_message (const ConfabSession *session,
                             const ConfabRequest *request)
{
  g_autoptr(ConfabMessage) message = NULL;
  const char * const     *to = request->to;
  guint                   n_to = request->n_to;
  g_autofree const char **present = NULL;

  if (confab_session_names_rooms (request->to, request->n_to))
    {
      confab_session_send_to_rooms (session, request);
      return;
    }
  if (session->history != NULL && session->accounts != NULL)
    {
      present = g_memdup2 (request->to, request->n_to * sizeof (char *));
      n_to = confab_session_keep_for_absent (session, present, request->n_to, request->text);
      if (n_to == 0)
        return;
      to = present;
    }
  message = confab_text_codec_new_chat (confab_broker_peer_get_name (session->entry), NULL,
                                        to, n_to, request->text, request->text_len);
  confab_broker_route (session->broker, session->entry, to, n_to, message);
}

/**
 * confab_session_handle_line:
 * @line: a line after the login; decoded in place
 *
 * Does what @line asks: routes a chat message, answers a peers request,
 * or queues the refusal of a line the codec does not take (the
 * connection stays open).
 */
void
confab_session_handle_line (const ConfabSession *session,
                            char                *line,
                            gsize                len)
{
  g_autoptr(GError) error = NULL;
  ConfabDecodeOptions options = decode_options (session);
  ConfabRequest       request;

  g_return_if_fail (session->entry != NULL);

  if (!confab_codec_decode (session->codec, line, len, &options, &request, &error))
    {
      /* Both protocols refuse too many recipients with this code. */
      if (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_TOO_MANY_RECIPIENTS))
        session->stats->messages_too_many_recipients++;
      confab_broker_send_error (session->broker, session->entry, error->code, error->message);
      return;
    }

  switch (request.kind)
    {
    case CONFAB_REQUEST_MESSAGE:
      confab_session_send_message (session, &request);
      break;

    case CONFAB_REQUEST_PEERS:
      reply_peers (session);
      break;

    case CONFAB_REQUEST_ROOMS:
    case CONFAB_REQUEST_JOIN:
    case CONFAB_REQUEST_PART:
    case CONFAB_REQUEST_MEMBERS:
    case CONFAB_REQUEST_TOPIC:
      confab_session_handle_room_request (session, &request);
      break;

    case CONFAB_REQUEST_HISTORY:
      confab_session_history_replay (session, request.room, request.limit);
      break;

    case CONFAB_REQUEST_LOGIN:
    default:
      g_assert_not_reached ();
    }
  confab_request_clear (&request);
}
