/* confab-metrics.h: GetStatistics in the Prometheus text format.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The Content-Type of what confab_metrics_format() writes. */
#define CONFAB_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

char *confab_metrics_format (GVariant *statistics);

G_END_DECLS
