/* confab-manager-peer-signals.h: PeerJoined / PeerLeft / PeerCount, bounded.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-bus-signals.h"
#include "confab-dbus.h"

G_BEGIN_DECLS

typedef struct _ConfabPeerSignals ConfabPeerSignals;

ConfabPeerSignals *confab_peer_signals_new (ConfabDBusManager *skeleton,
                                            ConfabBusSignals  *bus);
void               confab_peer_signals_free (ConfabPeerSignals *self);

void confab_peer_signals_joined (ConfabPeerSignals *self,
                                 const char        *name,
                                 const char        *address);
void confab_peer_signals_left (ConfabPeerSignals *self,
                               const char        *name,
                               const char        *reason);
void confab_peer_signals_set_count (ConfabPeerSignals *self,
                                    guint              n_peers);

G_END_DECLS
