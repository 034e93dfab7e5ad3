/* confab-session-irc-sasl.c: IRC's SASL logins, PLAIN and EXTERNAL
 * (IRCv3 sasl-3.1/3.2, SPEC §11).
 *
 * A client that asked for the `sasl` capability may log in to an account
 * during registration: AUTHENTICATE names a mechanism, the server answers
 * "AUTHENTICATE +", and the client sends its credentials in base64, in
 * chunks of 400 bytes (a shorter chunk, or "+", ends them). PLAIN carries
 * "authzid NUL authcid NUL password", checked against the account's hash
 * off the main loop like any other password; EXTERNAL asks that the TLS
 * client certificate be the account's (its SHA-256 fingerprint listed in
 * the accounts file). Success is 900 and 903; failure 904, counted and
 * delayed per address as a wrong password is, and after
 * SASL_FAILURES_MAX of them the connection is closed.
 *
 * SASL is offered only where it can work: with an accounts file, on TLS
 * or a Unix socket (a password never crosses plain TCP), EXTERNAL only
 * on TLS. Once logged in, the client is its account: registration ends
 * under the account's name whatever NICK said, and 001 tells the client
 * so (IRC clients take their nick from it).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-session-irc-private.h"
#include "confab-validate.h"

/* IRCv3: credentials come in chunks of at most 400 bytes of base64. */
#define SASL_CHUNK 400
/* PLAIN's two names and a password of CONFAB_ACCOUNT_PASSWORD_MAX bytes,
 * in base64, fit in this; more is refused with 905. */
#define SASL_DATA_MAX 2048
/* Failed attempts before the connection is closed. */
#define SASL_FAILURES_MAX 3

/* Whether this connection is offered SASL, and with which mechanisms. */
const char *
confab_session_irc_sasl_mechanisms (const ConfabSession *session)
{
  if (session->accounts == NULL || !session->secure)
    return NULL;
  /* EXTERNAL needs a client certificate, which came with the TLS
   * handshake before anything was read, or not at all. */
  return session->certfp != NULL ? "PLAIN,EXTERNAL" : "PLAIN";
}

static void
sasl_reset (ConfabIrcClient *client)
{
  client->sasl_mechanism = CONFAB_IRC_SASL_NONE;
  if (client->sasl_data != NULL)
    {
      explicit_bzero (client->sasl_data->str, client->sasl_data->len);
      g_string_free (client->sasl_data, TRUE);
      client->sasl_data = NULL;
    }
}

/* For confab_irc_client_free() and after a check. */
void
confab_irc_client_forget_sasl (ConfabIrcClient *client)
{
  sasl_reset (client);
  if (client->sasl_password != NULL)
    explicit_bzero (client->sasl_password, strlen (client->sasl_password));
  g_clear_pointer (&client->sasl_password, g_free);
}

/* The CAP END of a registration in the middle of an exchange ends it. */
void
confab_session_irc_sasl_abort (ConfabIrcClient *client,
                               GString         *out)
{
  if (client->sasl_mechanism == CONFAB_IRC_SASL_NONE)
    return;
  confab_irc_client_forget_sasl (client);
  NUMERIC (out, client, "906", "SASL authentication aborted");
}

/* 904, counted; REFUSED once there have been too many. */
static ConfabLoginStep
fail (ConfabIrcClient *client,
      GString         *out,
      const char      *why,
      GError         **error)
{
  confab_irc_client_forget_sasl (client);
  NUMERIC (out, client, "904", why);
  if (++client->sasl_failures >= SASL_FAILURES_MAX)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_AUTHENTICATION_FAILED, "authentication failed");
      return CONFAB_LOGIN_REFUSED;
    }
  return CONFAB_LOGIN_SASL_FAILED;
}

/* 900 and 903: the client is @account's from now on. */
static void
logged_in (ConfabIrcClient     *client,
           const ConfabAccount *account,
           GString             *out)
{
  const char      *name = confab_account_get_name (account);
  g_autofree char *source = NULL;
  g_autofree char *text = g_strdup_printf ("You are now logged in as %s", name);

  confab_irc_client_forget_sasl (client);
  g_free (client->sasl_account);
  client->sasl_account = g_strdup (name);
  source = g_strdup_printf ("%s!%s@" CONFAB_IRC_USER_HOST, name, name);
  NUMERIC (out, client, "900", source, name, text);
  NUMERIC (out, client, "903", "SASL authentication successful");
}

/* Whether @text is base64 as RFC 4648 spells it (GLib's decoder skips
 * what it does not know, and a login must not pass on garbage). */
static gboolean
is_base64 (const char *text,
           gsize       len)
{
  gsize pad = 0;

  if (len % 4 != 0)
    return FALSE;
  while (pad < 2 && pad < len && text[len - 1 - pad] == '=')
    pad++;
  for (gsize i = 0; i < len - pad; i++)
    if (!g_ascii_isalnum (text[i]) && text[i] != '+' && text[i] != '/')
      return FALSE;
  return TRUE;
}

/* PLAIN's "authzid NUL authcid NUL password": the name and password to
 * check. An authorization identity other than the account itself (an
 * administrator acting for someone) is not something confab has. */
static ConfabLoginStep
plain (const ConfabSession *session,
       ConfabIrcClient     *client,
       const guchar        *data,
       gsize                len,
       GString             *out,
       const char         **name,
       GError             **error)
{
  const char *authzid = (const char *) data;
  const char *authcid;
  const char *password;
  gsize       authzid_len = strnlen (authzid, len);

  if (authzid_len == len)
    return fail (client, out, "SASL authentication failed", error);
  authcid = authzid + authzid_len + 1;
  if (memchr (authcid, '\0', len - authzid_len - 1) == NULL)
    return fail (client, out, "SASL authentication failed", error);
  password = authcid + strlen (authcid) + 1;
  if (password + strlen (password) != (const char *) data + len || *password == '\0' ||
      strlen (password) > CONFAB_ACCOUNT_PASSWORD_MAX || !confab_validate_name (authcid, -1, NULL) ||
      (*authzid != '\0' && !g_str_equal (authzid, authcid)))
    return fail (client, out, "SASL authentication failed", error);

  /* Checked by the connection off the main loop, with the delay its
   * address has earned (confab_session_irc_sasl_checked() answers). */
  g_free (client->sasl_account);
  client->sasl_account = NULL;
  client->sasl_password = g_strdup (password);
  client->sasl_authcid = g_strdup (authcid);
  *name = client->sasl_authcid;
  return CONFAB_LOGIN_CHECK_SASL;
}

/* EXTERNAL: the certificate is the credential; the data, if any, names
 * the account the client means. */
static ConfabLoginStep
external (const ConfabSession *session,
          ConfabIrcClient     *client,
          const guchar        *data,
          gsize                len,
          GString             *out,
          GError             **error)
{
  g_autofree char     *authzid = g_strndup ((const char *) data, len);
  const ConfabAccount *account;

  if (session->certfp == NULL)
    return fail (client, out, "SASL authentication failed: no client certificate", error);
  if (strlen (authzid) != len)
    return fail (client, out, "SASL authentication failed", error);
  if (*authzid != '\0')
    {
      account = confab_accounts_lookup (session->accounts, authzid);
      if (account != NULL && !confab_account_has_certfp (account, session->certfp))
        account = NULL;
    }
  else
    account = confab_accounts_lookup_certfp (session->accounts, session->certfp);
  if (account == NULL)
    return fail (client, out, "SASL authentication failed", error);
  logged_in (client, account, out);
  return CONFAB_LOGIN_PENDING;
}

/* The credentials are all in: decode and check them. */
static ConfabLoginStep
finish (const ConfabSession *session,
        ConfabIrcClient     *client,
        GString             *out,
        const char         **name,
        GError             **error)
{
  GString           *text = client->sasl_data;
  g_autofree guchar *data = NULL;
  gsize              len = 0;
  ConfabLoginStep    step;

  if (text->len > 0)
    {
      if (!is_base64 (text->str, text->len))
        return fail (client, out, "SASL authentication failed: invalid base64", error);
      data = g_base64_decode (text->str, &len);
    }
  else
    data = (guchar *) g_strdup ("");

  if (client->sasl_mechanism == CONFAB_IRC_SASL_PLAIN)
    step = plain (session, client, data, len, out, name, error);
  else
    step = external (session, client, data, len, out, error);
  explicit_bzero (data, len);
  return step;
}

/**
 * confab_session_irc_authenticate:
 * @message: an AUTHENTICATE line during registration
 * @out: where the answers are appended
 * @name: (out): with CONFAB_LOGIN_CHECK_SASL, the account whose password
 *   to check (the password is in the client, until
 *   confab_session_irc_sasl_checked())
 *
 * Returns: PENDING as the exchange goes on (and after EXTERNAL, which is
 *   decided here); CHECK_SASL for PLAIN's password; SASL_FAILED after a
 *   904 the connection counts; REFUSED with @error after too many
 */
ConfabLoginStep
confab_session_irc_authenticate (const ConfabSession    *session,
                                 const ConfabIrcMessage *message,
                                 GString                *out,
                                 const char            **name,
                                 GError                **error)
{
  ConfabIrcClient *client = session->irc;
  const char      *mechanisms = confab_session_irc_sasl_mechanisms (session);
  const char      *arg;
  gsize            arg_len;

  if (message->n_params < 1 || message->params[0][0] == '\0')
    {
      confab_session_irc_need_more_params (out, client, "AUTHENTICATE");
      return CONFAB_LOGIN_PENDING;
    }
  arg = message->params[0];
  arg_len = strlen (arg);
  if (mechanisms == NULL || !(client->peer.flags & CONFAB_IRC_CAP_SASL))
    {
      NUMERIC (out, client, "904", "SASL authentication failed: sasl was not negotiated");
      return CONFAB_LOGIN_PENDING;
    }
  if (client->sasl_account != NULL)
    {
      NUMERIC (out, client, "907", "You have already authenticated using SASL");
      return CONFAB_LOGIN_PENDING;
    }
  if (g_str_equal (arg, "*"))
    {
      confab_irc_client_forget_sasl (client);
      NUMERIC (out, client, "906", "SASL authentication aborted");
      return CONFAB_LOGIN_PENDING;
    }

  if (client->sasl_mechanism == CONFAB_IRC_SASL_NONE)
    {
      if (g_ascii_strcasecmp (arg, "PLAIN") == 0)
        client->sasl_mechanism = CONFAB_IRC_SASL_PLAIN;
      else if (g_ascii_strcasecmp (arg, "EXTERNAL") == 0 && strstr (mechanisms, "EXTERNAL") != NULL)
        client->sasl_mechanism = CONFAB_IRC_SASL_EXTERNAL;
      else
        {
          NUMERIC (out, client, "908", mechanisms, "are available SASL mechanisms");
          return fail (client, out, "SASL authentication failed", error);
        }
      client->sasl_data = g_string_new (NULL);
      /* Written as the specification's examples have it (the serializer
       * would make the last param a trailing ":+"), which is what some
       * clients' libraries compare against. */
      g_string_append (out, "AUTHENTICATE +\r\n");
      return CONFAB_LOGIN_PENDING;
    }

  /* A chunk of the credentials; "+" is an empty one. */
  if (arg_len > SASL_CHUNK || client->sasl_data->len + arg_len > SASL_DATA_MAX)
    {
      confab_irc_client_forget_sasl (client);
      NUMERIC (out, client, "905", "SASL message too long");
      return CONFAB_LOGIN_PENDING;
    }
  if (!g_str_equal (arg, "+"))
    g_string_append_len (client->sasl_data, arg, arg_len);
  if (arg_len == SASL_CHUNK)
    return CONFAB_LOGIN_PENDING;
  return finish (session, client, out, name, error);
}

/**
 * confab_session_irc_sasl_checked:
 * @ok: whether the password of PLAIN was the account's
 * @out: where 900/903 or 904 is appended
 *
 * Returns: PENDING (registration goes on), SASL_FAILED after a 904 to
 *   count, or REFUSED with @error after too many failures
 */
ConfabLoginStep
confab_session_irc_sasl_checked (const ConfabSession *session,
                                 gboolean             ok,
                                 GString             *out,
                                 GError             **error)
{
  ConfabIrcClient     *client = session->irc;
  g_autofree char     *name = g_steal_pointer (&client->sasl_authcid);
  const ConfabAccount *account = NULL;

  g_return_val_if_fail (name != NULL, CONFAB_LOGIN_PENDING);

  confab_irc_client_forget_sasl (client);
  if (ok && session->accounts != NULL)
    account = confab_accounts_lookup (session->accounts, name);
  if (account == NULL)
    return fail (client, out, "SASL authentication failed", error);
  logged_in (client, account, out);
  return CONFAB_LOGIN_PENDING;
}
