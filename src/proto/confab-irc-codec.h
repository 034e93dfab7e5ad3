/* confab-irc-codec.h: what the IRC session and the IRC codec share.
 *
 * The codec (confab_codec_irc, confab-codec.h) writes what the broker
 * queues in IRC's words; the session (src/session/confab-session-irc.c)
 * answers IRC's own commands. Both write numerics and sources the same
 * way, from here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-codec.h"
#include "confab-error.h"

G_BEGIN_DECLS

/* The host of every user's source, nick!nick@HOST (SPEC §10). */
#define CONFAB_IRC_USER_HOST "confab"

/* The IRCv3 capabilities a connection asked for: ConfabCodecPeer.flags. */
typedef enum
{
  CONFAB_IRC_CAP_MULTI_PREFIX = 1 << 0,
  CONFAB_IRC_CAP_SERVER_TIME = 1 << 1,
  CONFAB_IRC_CAP_MESSAGE_TAGS = 1 << 2,
  CONFAB_IRC_CAP_ECHO_MESSAGE = 1 << 3,
  CONFAB_IRC_CAP_SASL = 1 << 4,        /* offered where accounts can be logged in to */
  CONFAB_IRC_CAP_BATCH = 1 << 5,       /* offered with history: a replay is a batch */
  CONFAB_IRC_CAP_CHATHISTORY = 1 << 6, /* draft/chathistory, where history is kept */
} ConfabIrcCaps;

/* The capabilities always offered, as CAP LS lists them (sasl is added
 * where it can work: confab-session-irc-sasl.c). */
#define CONFAB_IRC_CAPS_OFFERED "multi-prefix server-time message-tags echo-message"

ConfabIrcCaps confab_irc_cap_from_name (const char *name);

void confab_irc_append_source (GString    *out,
                               const char *nick);
void confab_irc_append_numeric (GString               *out,
                                const ConfabCodecPeer *peer,
                                const char            *numeric,
                                const char * const    *params,
                                guint                  n_params);
void confab_irc_append_error (GString               *out,
                              const ConfabCodecPeer *peer,
                              ConfabError            code,
                              const char            *text);
void confab_irc_codec_append_names (GString               *out,
                                    const ConfabCodecPeer *peer,
                                    ConfabMessage         *members,
                                    const char            *operator);
void confab_irc_append_time_tag (GString *out,
                                 gint64   timestamp_usec);

G_END_DECLS
