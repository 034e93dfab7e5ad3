/* confab-session-irc-register.c: an IRC client's registration (SPEC §10).
 *
 * Before an IRC client is anyone it registers over several lines: CAP
 * negotiation (IRCv3, 302), PASS, NICK and USER, answered with numerics
 * as it goes. Registration is complete once NICK and USER have come and
 * no CAP negotiation is open; then the login is resolved as any other
 * (confab_session_resolve_login()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-irc-message.h"
#include "confab-session-irc-private.h"
#include "confab-validate.h"

/* ---- capabilities ------------------------------------------------------- */

static void
cap_reply (GString               *out,
           const ConfabIrcClient *client,
           const char            *what,
           const char            *list)
{
  const char *params[] = { client->peer.nick != NULL ? client->peer.nick : "*", what, list };

  confab_irc_message_append_text (out, NULL, client->peer.server_name, "CAP", params, 3);
}

/* What CAP LS lists for this connection: sasl where it can work, with
 * its mechanisms for a client that asked for 302's values. */
static char *
dup_offered (const ConfabSession *session,
             gboolean             values)
{
  const char *mechanisms = confab_session_irc_sasl_mechanisms (session);
  GString    *offered = g_string_new (CONFAB_IRC_CAPS_OFFERED);

  if (mechanisms != NULL)
    g_string_append_printf (offered, " sasl%s%s", values ? "=" : "", values ? mechanisms : "");
  /* draft/chathistory, and batch for its replies, where history is kept. */
  if (session->history != NULL)
    g_string_append (offered, " batch draft/chathistory");
  return g_string_free (offered, FALSE);
}

/* The names of the capabilities in @caps, space-separated. */
static char *
dup_cap_names (const ConfabSession *session,
               guint                caps)
{
  g_autofree char *all = dup_offered (session, FALSE);
  g_auto(GStrv) offered = g_strsplit (all, " ", -1);
  g_autoptr(GString) names = g_string_new (NULL);

  for (guint i = 0; offered[i] != NULL; i++)
    if (caps & confab_irc_cap_from_name (offered[i]))
      {
        if (names->len > 0)
          g_string_append_c (names, ' ');
        g_string_append (names, offered[i]);
      }
  return g_string_free (g_steal_pointer (&names), FALSE);
}

/* CAP LS / LIST / REQ / END (IRCv3 capability negotiation, 302). A
 * request is taken whole or not at all; "-cap" takes one back. */
void
confab_session_irc_cap (const ConfabSession    *session,
                        const ConfabIrcMessage *message,
                        GString                *out)
{
  ConfabIrcClient *client = session->irc;
  const char      *sub = message->n_params > 0 ? message->params[0] : "";

  if (g_ascii_strcasecmp (sub, "LS") == 0)
    {
      g_autofree char *offered = NULL;

      if (!client->registered)
        client->negotiating = TRUE;
      if (message->n_params > 1 && g_ascii_strtoull (message->params[1], NULL, 10) >= 302)
        client->cap_version = 302;
      offered = dup_offered (session, client->cap_version >= 302);
      cap_reply (out, client, "LS", offered);
    }
  else if (g_ascii_strcasecmp (sub, "LIST") == 0)
    {
      g_autofree char *names = dup_cap_names (session, client->peer.flags);

      cap_reply (out, client, "LIST", names);
    }
  else if (g_ascii_strcasecmp (sub, "REQ") == 0 && message->n_params >= 2)
    {
      g_auto(GStrv) wanted = g_strsplit (message->params[1], " ", -1);
      guint    add = 0;
      guint    drop = 0;
      gboolean ok = TRUE;

      for (guint i = 0; wanted[i] != NULL; i++)
        {
          gboolean      minus = wanted[i][0] == '-';
          ConfabIrcCaps one;

          if (wanted[i][0] == '\0')
            continue;
          one = confab_irc_cap_from_name (wanted[i] + minus);
          if (one == CONFAB_IRC_CAP_SASL && confab_session_irc_sasl_mechanisms (session) == NULL)
            one = 0;
          if ((one == CONFAB_IRC_CAP_BATCH || one == CONFAB_IRC_CAP_CHATHISTORY) && session->history == NULL)
            one = 0;
          if (one == 0)
            ok = FALSE;
          else if (minus)
            drop |= one;
          else
            add |= one;
        }
      if (!client->registered)
        client->negotiating = TRUE;
      if (ok)
        client->peer.flags = (client->peer.flags | add) & ~drop;
      cap_reply (out, client, ok ? "ACK" : "NAK", message->params[1]);
    }
  else if (g_ascii_strcasecmp (sub, "END") == 0)
    {
      /* Registration does not wait for an exchange the client left. */
      confab_session_irc_sasl_abort (client, out);
      client->negotiating = FALSE;
    }
  else
    NUMERIC (out, client, "410", sub, "Invalid CAP command");
}

/* ---- registration ------------------------------------------------------- */

/* Whether @nick may be taken: an IRC nick (confab_irc_nick_is_valid())
 * and a confab name; if not, @out has the numeric that says so. */
static gboolean
check_nick (const ConfabSession   *session,
            const ConfabIrcClient *client,
            const char            *nick,
            GString               *out)
{
  if (!confab_irc_nick_is_valid (nick) || !confab_validate_name (nick, -1, NULL))
    {
      NUMERIC (out, client, "432", nick, "Erroneous nickname");
      return FALSE;
    }
  if (confab_broker_lookup (session->broker, nick) != NULL)
    {
      NUMERIC (out, client, "433", nick, "Nickname is already in use");
      return FALSE;
    }
  return TRUE;
}

/**
 * confab_session_irc_register:
 * @line: a line before registration is complete; parsed in place
 * @unix_user: (nullable): as for confab_session_resolve_login()
 * @replies: where what to send back at once is appended (there is no
 *   queue before the login)
 * @name: (out): with CONFAB_LOGIN_JOIN or _CHECK_NAME, the nick to join
 *   under (the connection's login name)
 *
 * Registration: CAP negotiation, AUTHENTICATE (SASL,
 * confab-session-irc-sasl.c), PASS (checked at the end, as a text
 * login's password), NICK and USER, PING; anything else is refused with
 * 451. It is complete once NICK and USER have come and no CAP
 * negotiation is open.
 *
 * Returns: CONFAB_LOGIN_PENDING while it goes on; CHECK_SASL or
 *   SASL_FAILED for AUTHENTICATE (@name: the account to check); at the
 *   end what confab_session_resolve_login() says; REFUSED with @error
 *   after QUIT or too many failed SASL attempts
 */
ConfabLoginStep
confab_session_irc_register (const ConfabSession *session,
                             char                *line,
                             gsize                len,
                             const char          *unix_user,
                             GString             *replies,
                             const char         **name,
                             GError             **error)
{
  ConfabIrcClient *client = session->irc;
  ConfabIrcMessage message;
  g_autoptr(GError) parse_error = NULL;

  g_return_val_if_fail (client != NULL, CONFAB_LOGIN_REFUSED);

  if (!confab_irc_message_parse (line, len, &message, &parse_error))
    {
      /* A blank line between commands is no offence. */
      if (!g_error_matches (parse_error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE) ||
          strspn (line, " ") != len)
        confab_irc_append_error (replies, &client->peer, parse_error->code, parse_error->message);
      return CONFAB_LOGIN_PENDING;
    }

  if (g_str_equal (message.command, "CAP"))
    confab_session_irc_cap (session, &message, replies);
  else if (g_str_equal (message.command, "AUTHENTICATE"))
    {
      ConfabLoginStep step = confab_session_irc_authenticate (session, &message, replies, name, error);

      if (step != CONFAB_LOGIN_PENDING)
        return step;
    }
  else if (g_str_equal (message.command, "PASS"))
    {
      if (message.n_params < 1)
        confab_session_irc_need_more_params (replies, client, "PASS");
      else
        {
          confab_irc_client_forget_password (client);
          client->password = g_strdup (message.params[0]);
        }
    }
  else if (g_str_equal (message.command, "NICK"))
    {
      if (message.n_params < 1 || message.params[0][0] == '\0')
        NUMERIC (replies, client, "431", "No nickname given");
      else if (check_nick (session, client, message.params[0], replies))
        {
          g_free (client->nick);
          client->nick = g_strdup (message.params[0]);
        }
    }
  else if (g_str_equal (message.command, "USER"))
    {
      if (message.n_params < 4)
        confab_session_irc_need_more_params (replies, client, "USER");
      else
        client->user_given = TRUE;
    }
  else if (g_str_equal (message.command, "PING"))
    {
      if (message.n_params < 1)
        NUMERIC (replies, client, "409", "No origin specified");
      else
        confab_session_irc_pong (replies, client, message.params[0]);
    }
  else if (g_str_equal (message.command, "PONG"))
    ; /* an answer to nothing we asked: fine */
  else if (g_str_equal (message.command, "QUIT"))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_FAILED, "Closing link (quit)");
      return CONFAB_LOGIN_REFUSED;
    }
  else
    NUMERIC (replies, client, "451", "You have not registered");

  if (client->nick == NULL || !client->user_given || client->negotiating)
    return CONFAB_LOGIN_PENDING;

  /* Logged in by SASL: the account is who the client is (PASS, if it
   * came too, is not needed). */
  if (client->sasl_account != NULL)
    {
      g_free (client->nick);
      client->nick = g_strdup (client->sasl_account);
      return confab_session_resolve_authenticated (session, client->nick, unix_user, name, error);
    }
  *name = client->nick;
  return confab_session_resolve_login (session, client->nick, client->password, unix_user, name, error);
}

/**
 * confab_session_irc_nick_taken:
 * @replies: where the refusal is appended
 *
 * The nick registration was to end with was taken by someone else after
 * NICK had found it free (the broker refused it): as at NICK time, the
 * client gets 433 and registration waits for another NICK, which IRC
 * clients send on their own.
 */
void
confab_session_irc_nick_taken (const ConfabSession *session,
                               GString             *replies)
{
  ConfabIrcClient *client = session->irc;

  g_return_if_fail (client != NULL && client->nick != NULL);

  NUMERIC (replies, client, "433", client->nick, "Nickname is already in use");
  g_clear_pointer (&client->nick, g_free);
}
