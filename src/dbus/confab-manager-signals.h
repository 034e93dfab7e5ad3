/* confab-manager-signals.h: PeerJoined / PeerLeft / PeerCount, bounded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-dbus.h"

G_BEGIN_DECLS

/* Signals allowed out between two completed flushes of the bus
 * connection; past it, they are held and coalesced per name. */
#define CONFAB_PEER_SIGNALS_WINDOW 1024

typedef struct _ConfabPeerSignals ConfabPeerSignals;

ConfabPeerSignals *confab_peer_signals_new (ConfabDBusManager *skeleton,
                                            guint              window);
void               confab_peer_signals_free (ConfabPeerSignals *self);

void confab_peer_signals_joined (ConfabPeerSignals *self,
                                 const char        *name,
                                 const char        *address);
void confab_peer_signals_left (ConfabPeerSignals *self,
                               const char        *name,
                               const char        *reason);
void confab_peer_signals_set_count (ConfabPeerSignals *self,
                                    guint              n_peers);

guint64 confab_peer_signals_get_coalesced (ConfabPeerSignals *self);

G_END_DECLS
