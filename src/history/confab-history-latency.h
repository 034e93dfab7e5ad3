/* confab-history-latency.h: a histogram of write latencies, for p50/p99.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Values below 16 µs have a bucket each; above, every power of two is
 * cut into 8 buckets, so a percentile read back is at most 12.5 % above
 * the true value, up to 2^40 µs (12 days) and beyond that clamped. */
#define CONFAB_HISTORY_LATENCY_EXACT   16
#define CONFAB_HISTORY_LATENCY_SUB     8
#define CONFAB_HISTORY_LATENCY_MAX_LOG 40
#define CONFAB_HISTORY_LATENCY_BUCKETS \
  (CONFAB_HISTORY_LATENCY_EXACT + (CONFAB_HISTORY_LATENCY_MAX_LOG - 4 + 1) * CONFAB_HISTORY_LATENCY_SUB)

/*
 * ConfabHistoryLatency:
 * Zero-initialised is an empty histogram. A fixed-size value: recording
 * allocates nothing, and a copy is a snapshot.
 */
typedef struct
{
  guint64 counts[CONFAB_HISTORY_LATENCY_BUCKETS];
  guint64 n;
  gint64  max_usec;
} ConfabHistoryLatency;

void   confab_history_latency_add (ConfabHistoryLatency *self,
                                   gint64                usec);
void   confab_history_latency_merge (ConfabHistoryLatency       *self,
                                     const ConfabHistoryLatency *other);
gint64 confab_history_latency_percentile (const ConfabHistoryLatency *self,
                                          double                      percent);

G_END_DECLS
