/* confab-bus-signals.h: one window over the signals of a bus connection.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* Signals allowed out between two completed flushes of the bus
 * connection; past it, they are held and coalesced. */
#define CONFAB_BUS_SIGNALS_WINDOW 1024

typedef struct _ConfabBusSignals ConfabBusSignals;

/* Sends the net changes a part held, now that the bus reads again.
 * Returns: how many signals that was, never more than the part held */
typedef guint (*ConfabBusSignalsReleaseFunc) (gpointer user_data);

ConfabBusSignals *confab_bus_signals_new (GDBusInterfaceSkeleton *skeleton,
                                          guint                   window);
void              confab_bus_signals_free (ConfabBusSignals *self);

void     confab_bus_signals_add_part (ConfabBusSignals           *self,
                                      ConfabBusSignalsReleaseFunc release,
                                      gpointer                    user_data);
gboolean confab_bus_signals_hold (ConfabBusSignals *self,
                                  guint             n_signals);
guint64  confab_bus_signals_get_coalesced (ConfabBusSignals *self);

G_END_DECLS
