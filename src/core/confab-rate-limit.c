/* confab-rate-limit.c: a token bucket, with the time passed in.
 *
 * The credit is kept in millionths of a token, so that refilling from
 * elapsed microseconds is exact integer arithmetic (rate tokens a second
 * are rate millionths a microsecond): no drift, and tests can state exact
 * delays.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-rate-limit.h"

#define ONE_TOKEN G_GINT64_CONSTANT (1000000)

/* Brings the credit up to @now_usec; @rate > 0. */
static void
refill (ConfabRateLimit *self,
        guint            rate,
        guint            burst,
        gint64           now_usec)
{
  gint64 full = (gint64) MAX (burst, 1) * ONE_TOKEN;
  gint64 elapsed;

  if (!self->started)
    {
      self->started = TRUE;
      self->credit = full;
      self->last_usec = now_usec;
      return;
    }

  /* A clock that did not move forward adds nothing. */
  elapsed = now_usec - self->last_usec;
  self->last_usec = MAX (self->last_usec, now_usec);
  if (elapsed <= 0 || self->credit >= full)
    {
      /* A smaller burst after a reload cuts a fuller bucket down. */
      self->credit = MIN (self->credit, full);
      return;
    }

  /* Only as much time as it takes to fill up counts, so that a long idle
   * time cannot overflow the product. */
  elapsed = MIN (elapsed, (full - self->credit) / rate + 1);
  self->credit = MIN (self->credit + elapsed * rate, full);
}

/**
 * confab_rate_limit_take:
 * @rate: tokens a second; 0 means no limit, and nothing is taken
 * @burst: the most tokens the bucket holds (at least 1 is assumed)
 * @n_tokens: how many to take; more than the bucket holds puts it in debt
 * @now_usec: the current monotonic time
 */
void
confab_rate_limit_take (ConfabRateLimit *self,
                        guint            rate,
                        guint            burst,
                        guint            n_tokens,
                        gint64           now_usec)
{
  g_return_if_fail (self != NULL);

  if (rate == 0)
    return;

  refill (self, rate, burst, now_usec);
  self->credit -= (gint64) n_tokens * ONE_TOKEN;
}

/**
 * confab_rate_limit_get_delay:
 * @rate: tokens a second; 0 means no limit
 * @burst: the most tokens the bucket holds
 * @now_usec: the current monotonic time
 *
 * Returns: 0 if a whole token is there (or there is no limit), else the
 *   microseconds until there is one; a debt is repaid first
 */
gint64
confab_rate_limit_get_delay (ConfabRateLimit *self,
                             guint            rate,
                             guint            burst,
                             gint64           now_usec)
{
  gint64 missing;

  g_return_val_if_fail (self != NULL, 0);

  if (rate == 0)
    return 0;

  refill (self, rate, burst, now_usec);
  if (self->credit >= ONE_TOKEN)
    return 0;

  /* Rounded up: waking a microsecond early would find the bucket empty. */
  missing = ONE_TOKEN - self->credit;
  return (missing + rate - 1) / rate;
}
