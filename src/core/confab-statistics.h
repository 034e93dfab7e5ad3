/* confab-statistics.h: the GetStatistics dictionary, built in one place
 * for D-Bus (src/dbus) and for /metrics (src/net).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-broker.h"
#include "confab-stats.h"

G_BEGIN_DECLS

GVariant *confab_statistics_build (ConfabBroker      *broker,
                                   ConfabStatsSource *source,
                                   guint64            signals_coalesced,
                                   GVariant          *peer_limits);

G_END_DECLS
