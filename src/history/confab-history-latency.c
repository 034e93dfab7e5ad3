/* confab-history-latency.c: a histogram of write latencies, for p50/p99.
 *
 * Log-linear buckets in the manner of HdrHistogram, with 3 bits of
 * precision: the store records every write's latency (enqueue to
 * completion) in constant time and memory, however long it runs, and
 * GetStatistics can still say p99.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-history-latency.h"

static guint
bucket_of (guint64 usec)
{
  guint log2;

  if (usec < CONFAB_HISTORY_LATENCY_EXACT)
    return (guint) usec;
  /* g_bit_storage() is one instruction where the compiler has it;
   * g_bit_nth_msf() walks the bits, on every write. */
  log2 = g_bit_storage (usec) - 1;
  if (log2 > CONFAB_HISTORY_LATENCY_MAX_LOG)
    return CONFAB_HISTORY_LATENCY_BUCKETS - 1;
  /* The three bits below the highest one pick the sub-bucket. */
  return CONFAB_HISTORY_LATENCY_EXACT + (log2 - 4) * CONFAB_HISTORY_LATENCY_SUB +
         (guint) ((usec >> (log2 - 3)) & (CONFAB_HISTORY_LATENCY_SUB - 1));
}

/* The largest value that falls into @bucket. */
static guint64
bucket_top (guint bucket)
{
  guint log2, sub;

  if (bucket < CONFAB_HISTORY_LATENCY_EXACT)
    return bucket;
  log2 = (bucket - CONFAB_HISTORY_LATENCY_EXACT) / CONFAB_HISTORY_LATENCY_SUB + 4;
  sub = (bucket - CONFAB_HISTORY_LATENCY_EXACT) % CONFAB_HISTORY_LATENCY_SUB;
  return ((guint64) (CONFAB_HISTORY_LATENCY_SUB + sub + 1) << (log2 - 3)) - 1;
}

void
confab_history_latency_add (ConfabHistoryLatency *self,
                            gint64                usec)
{
  g_return_if_fail (self != NULL);

  /* The monotonic clock does not go back, but a caller's might. */
  usec = MAX (usec, 0);
  self->counts[bucket_of ((guint64) usec)]++;
  self->n++;
  self->max_usec = MAX (self->max_usec, usec);
}

/**
 * confab_history_latency_percentile:
 * @percent: 0 to 100
 *
 * Returns: the latency that @percent % of the recorded ones do not
 *   exceed, rounded up to its bucket's top and never above the maximum;
 *   0 when nothing was recorded
 */
/* Adds the samples of @other to @self. */
void
confab_history_latency_merge (ConfabHistoryLatency       *self,
                              const ConfabHistoryLatency *other)
{
  g_return_if_fail (self != NULL && other != NULL);

  for (guint i = 0; i < CONFAB_HISTORY_LATENCY_BUCKETS; i++)
    self->counts[i] += other->counts[i];
  self->n += other->n;
  self->max_usec = MAX (self->max_usec, other->max_usec);
}

gint64
confab_history_latency_percentile (const ConfabHistoryLatency *self,
                                   double                      percent)
{
  guint64 rank, seen = 0;

  g_return_val_if_fail (self != NULL, 0);

  if (self->n == 0)
    return 0;
  /* The smallest rank whose share reaches percent (nearest-rank method). */
  rank = (guint64) (percent / 100.0 * (double) self->n + 0.999999);
  rank = CLAMP (rank, 1, self->n);
  for (guint i = 0; i < CONFAB_HISTORY_LATENCY_BUCKETS; i++)
    {
      seen += self->counts[i];
      if (seen >= rank)
        return MIN ((gint64) bucket_top (i), self->max_usec);
    }
  return self->max_usec;
}
