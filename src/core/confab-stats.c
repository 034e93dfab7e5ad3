/* confab-stats.c: what the layers above the broker count, for GetStatistics.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-stats.h"

G_DEFINE_INTERFACE (ConfabStatsSource, confab_stats_source, G_TYPE_OBJECT)

static void
confab_stats_source_default_init (ConfabStatsSourceInterface *iface)
{
}

/**
 * confab_stats_source_get_stats:
 * @stats: (out caller-allocates): filled in whole
 *
 * A snapshot of the source's counters, on the thread that serves it.
 */
void
confab_stats_source_get_stats (ConfabStatsSource     *self,
                               ConfabConnectionStats *stats)
{
  ConfabStatsSourceInterface *iface;

  g_return_if_fail (CONFAB_IS_STATS_SOURCE (self));
  g_return_if_fail (stats != NULL);

  iface = CONFAB_STATS_SOURCE_GET_IFACE (self);
  g_return_if_fail (iface->get_stats != NULL);
  iface->get_stats (self, stats);
}
