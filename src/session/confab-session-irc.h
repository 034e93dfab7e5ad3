/* confab-session-irc.h: the IRC front door's session (SPEC §10).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-irc-server.h"
#include "confab-session.h"

G_BEGIN_DECLS

typedef enum
{
  CONFAB_IRC_SASL_NONE,
  CONFAB_IRC_SASL_PLAIN,
  CONFAB_IRC_SASL_EXTERNAL,
} ConfabIrcSaslMechanism;

/*
 * ConfabIrcClient:
 * What an IRC connection carries besides what every connection does:
 * its registration so far, the capabilities it asked for, and what the
 * IRC codec needs to write for it (@peer). Owned by the connection.
 */
struct _ConfabIrcClient
{
  ConfabCodecPeer  peer;     /* nick (once registered), server_name, flags: the caps */
  char            *nick;     /* (owned) (nullable): from NICK */
  char            *password; /* (owned) (nullable): from PASS, until registered */
  ConfabIrcServer *server;   /* (owned): its name and MOTD */
  gboolean         user_given;
  gboolean         negotiating; /* CAP LS or REQ came and END has not */
  gboolean         registered;
  guint            cap_version; /* 302 after CAP LS 302: values in CAP LS */
  GString         *replies;     /* (owned): the replies to the line being handled */

  /* SASL (confab-session-irc-sasl.c) */
  ConfabIrcSaslMechanism sasl_mechanism; /* the exchange under way, if any */
  GString               *sasl_data;      /* (owned) (nullable): its base64 so far */
  char                  *sasl_authcid;   /* (owned) (nullable): PLAIN's name, being checked */
  char                  *sasl_password;  /* (owned) (nullable): PLAIN's, until checked */
  char                  *sasl_account;   /* (owned) (nullable): the account SASL logged in to */
  guint                  sasl_failures;
};

ConfabIrcClient *confab_irc_client_new (ConfabIrcServer *server);
void             confab_irc_client_free (ConfabIrcClient *client);
void             confab_irc_client_forget_password (ConfabIrcClient *client);
void             confab_irc_client_forget_sasl (ConfabIrcClient *client);

ConfabLoginStep confab_session_irc_register (const ConfabSession *session,
                                             char                *line,
                                             gsize                len,
                                             const char          *unix_user,
                                             GString             *replies,
                                             const char         **name,
                                             GError             **error);
void            confab_session_irc_nick_taken (const ConfabSession *session,
                                               GString             *replies);
ConfabLoginStep confab_session_irc_sasl_checked (const ConfabSession *session,
                                                 gboolean             ok,
                                                 GString             *out,
                                                 GError             **error);
void            confab_session_irc_welcome (const ConfabSession *session);
void            confab_session_irc_ping (const ConfabSession *session);
gboolean        confab_session_irc_handle_line (const ConfabSession *session,
                                                char                *line,
                                                gsize                len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabIrcClient, confab_irc_client_free)

G_END_DECLS
