/* confab-irc-server.h: what an IRC connection says about the server it is
 * on: its name and its message of the day (SPEC §10, [irc]).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-codec.h"

G_BEGIN_DECLS

/* Longest MOTD file read, and the bytes of one MOTD line kept: a 372
 * numeric with a 32-byte nick and a long server name still fits in 512. */
#define CONFAB_IRC_MOTD_MAX_BYTES (64 * 1024)
#define CONFAB_IRC_MOTD_LINE_MAX  350

/*
 * ConfabIrcServer:
 * An immutable, reference-counted value: each IRC connection holds the
 * one current when it connected, so a reload that swaps in a new name
 * or MOTD never changes it under a connection's feet.
 */
typedef struct _ConfabIrcServer ConfabIrcServer;

ConfabIrcServer *confab_irc_server_new (const char *name,
                                        const char *motd);
ConfabIrcServer *confab_irc_server_ref (ConfabIrcServer *self);
void             confab_irc_server_unref (ConfabIrcServer *self);
const char      *confab_irc_server_get_name (const ConfabIrcServer *self);
guint            confab_irc_server_get_n_motd_lines (const ConfabIrcServer *self);
void             confab_irc_server_append_motd (const ConfabIrcServer *self,
                                                const ConfabCodecPeer *peer,
                                                GString               *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabIrcServer, confab_irc_server_unref)

G_END_DECLS
