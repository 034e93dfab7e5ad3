/* confab-session-irc-private.h: what the IRC session's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-irc-message.h"
#include "confab-session-irc.h"

G_BEGIN_DECLS

/* confab-session-irc.c */
void confab_session_irc_reply_line (const ConfabSession *session,
                                    GString             *line);
void confab_session_irc_numeric (GString               *out,
                                 const ConfabIrcClient *client,
                                 const char            *code,
                                 const char * const    *params,
                                 guint                  n_params);
void confab_session_irc_pong (GString               *out,
                              const ConfabIrcClient *client,
                              const char            *token);
void confab_session_irc_need_more_params (GString               *out,
                                          const ConfabIrcClient *client,
                                          const char            *command);

/* A numeric reply with its params written out: NUMERIC (out, client,
 * "433", nick, "Nickname is already in use"). */
#define NUMERIC(out, client, code, ...) \
  G_STMT_START \
  { \
    const char *params_[] = { __VA_ARGS__ }; \
    confab_session_irc_numeric ((out), (client), (code), params_, G_N_ELEMENTS (params_)); \
  } \
  G_STMT_END

/* confab-session-irc-sasl.c */
const char     *confab_session_irc_sasl_mechanisms (const ConfabSession *session);
void            confab_session_irc_sasl_abort (ConfabIrcClient *client,
                                               GString         *out);
ConfabLoginStep confab_session_irc_authenticate (const ConfabSession    *session,
                                                 const ConfabIrcMessage *message,
                                                 GString                *out,
                                                 const char            **name,
                                                 GError                **error);

/* confab-session-irc-history.c */
void confab_session_irc_chathistory (const ConfabSession    *session,
                                     const ConfabIrcMessage *message,
                                     GString                *out);

/* confab-session-irc-register.c */
void confab_session_irc_cap (const ConfabSession    *session,
                             const ConfabIrcMessage *message,
                             GString                *out);

G_END_DECLS
