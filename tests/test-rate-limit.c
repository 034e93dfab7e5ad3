/* test-rate-limit.c: the per-peer token bucket, with made-up time.
 *
 * ConfabRateLimit takes the time as an argument, so every case here runs
 * instantly and states exact delays (the bucket counts in millionths of a
 * token, so they are exact in microseconds).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-rate-limit.h"

#define SEC G_GINT64_CONSTANT (1000000)
/* Any monotonic time: the bucket must not care where the clock starts. */
#define T0 (G_GINT64_CONSTANT (123) * SEC)

static void
test_off (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("A rate of 0 is no limit: nothing is taken, nothing waits");

  for (guint i = 0; i < 1000; i++)
    {
      confab_rate_limit_take (&bucket, 0, 5, 1000, T0);
      g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 0, 5, T0), ==, 0);
    }
  g_assert_false (bucket.started);
}

static void
test_burst (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("A new bucket is full: the burst goes at once, then one "
                  "token every 1/rate seconds");

  /* 50 a second: a token every 20 ms. */
  for (guint i = 0; i < 5; i++)
    {
      g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0), ==, 0);
      confab_rate_limit_take (&bucket, 50, 5, 1, T0);
    }
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0), ==, 20000);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0 + 19999), ==, 1);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0 + 20000), ==, 0);
  confab_rate_limit_take (&bucket, 50, 5, 1, T0 + 20000);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0 + 20000), ==, 20000);
}

static void
test_debt (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("Taking more than the bucket holds is a debt, repaid "
                  "before the next token is due");

  /* 60 lines in one read, burst 5: 55 owed, and one more to be due. */
  confab_rate_limit_take (&bucket, 50, 5, 60, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0), ==, 56 * 20000);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0 + SEC), ==,
                   56 * 20000 - SEC);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 50, 5, T0 + 56 * 20000), ==, 0);

  /* A burst of 1 still lets a single message through at once. */
  bucket = (ConfabRateLimit) { 0 };
  confab_rate_limit_take (&bucket, 1, 1, 1, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1, 1, T0), ==, SEC);
}

static void
test_steady (void)
{
  ConfabRateLimit bucket = { 0 };
  gint64          now = T0;

  g_test_summary ("A sender that always waits as told gets exactly the "
                  "burst plus the rate");

  /* One line per read, each read as soon as allowed: 60 lines at 50 a
   * second with a burst of 5 take (60 - 5) / 50 s. */
  for (guint i = 0; i < 60; i++)
    {
      now += confab_rate_limit_get_delay (&bucket, 50, 5, now);
      confab_rate_limit_take (&bucket, 50, 5, 1, now);
    }
  g_assert_cmpint (now - T0, ==, 55 * 20000);
}

static void
test_refill_cap (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("Idle time fills the bucket up to the burst, no further");

  confab_rate_limit_take (&bucket, 10, 3, 3, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 3, T0), >, 0);

  /* An hour later: three tokens, not 36000. */
  confab_rate_limit_take (&bucket, 10, 3, 3, T0 + 3600 * SEC);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 3, T0 + 3600 * SEC), ==, SEC / 10);

  /* A partial refill: 150 ms at 10 a second is 1.5 tokens. */
  bucket = (ConfabRateLimit) { 0 };
  confab_rate_limit_take (&bucket, 10, 3, 3, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 3, T0 + 150000), ==, 0);
  confab_rate_limit_take (&bucket, 10, 3, 1, T0 + 150000);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 3, T0 + 150000), ==, 50000);
}

static void
test_rounding (void)
{
  ConfabRateLimit bucket = { 0 };
  gint64          delay;

  g_test_summary ("A delay that is not whole microseconds is rounded up, "
                  "never down");

  /* 3 a second: a token every 333333⅓ µs. */
  confab_rate_limit_take (&bucket, 3, 1, 1, T0);
  delay = confab_rate_limit_get_delay (&bucket, 3, 1, T0);
  g_assert_cmpint (delay, ==, 333334);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 3, 1, T0 + delay - 1), ==, 1);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 3, 1, T0 + delay), ==, 0);
}

static void
test_clock (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("A clock that stands still or goes back adds no tokens");

  confab_rate_limit_take (&bucket, 100, 1, 1, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 100, 1, T0), ==, 10000);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 100, 1, T0 - SEC), ==, 10000);
  /* Going back does not move the reference time back either. */
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 100, 1, T0 + 5000), ==, 5000);
}

static void
test_reload (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("Rate and burst are read at each call, so a reload "
                  "applies to a bucket that exists");

  /* In debt by 10 tokens at 10 a second... */
  confab_rate_limit_take (&bucket, 10, 1, 11, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 1, T0), ==, 11 * SEC / 10);
  /* ...which a rate of 100 repays ten times as fast... */
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 100, 1, T0), ==, 11 * SEC / 100);
  /* ...and turning the limit off frees at once. */
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 0, 1, T0), ==, 0);

  /* A smaller burst cuts a full bucket down. */
  bucket = (ConfabRateLimit) { 0 };
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 100, T0), ==, 0);
  confab_rate_limit_take (&bucket, 10, 2, 2, T0 + SEC);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 10, 2, T0 + SEC), ==, SEC / 10);
}

static void
test_extremes (void)
{
  ConfabRateLimit bucket = { 0 };

  g_test_summary ("The largest configurable rate and burst, long idle times "
                  "and big debts do not overflow (UBSan checks)");

  confab_rate_limit_take (&bucket, 1000000, 1000000, 1000000, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1000000, 1000000, T0), ==, 1);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1000000, 1000000,
                                                G_MAXINT64 / 2),
                   ==, 0);
  confab_rate_limit_take (&bucket, 1000000, 1000000, G_MAXUINT / 2, G_MAXINT64 / 2);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1, 1, G_MAXINT64 / 2), >, 0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1000000, 1000000,
                                                G_MAXINT64 - 1),
                   ==, 0);

  /* A burst of 0 (not configurable) is taken as 1. */
  bucket = (ConfabRateLimit) { 0 };
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1, 0, T0), ==, 0);
  confab_rate_limit_take (&bucket, 1, 0, 1, T0);
  g_assert_cmpint (confab_rate_limit_get_delay (&bucket, 1, 0, T0), ==, SEC);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/rate-limit/off", test_off);
  g_test_add_func ("/rate-limit/burst", test_burst);
  g_test_add_func ("/rate-limit/debt", test_debt);
  g_test_add_func ("/rate-limit/steady", test_steady);
  g_test_add_func ("/rate-limit/refill-cap", test_refill_cap);
  g_test_add_func ("/rate-limit/rounding", test_rounding);
  g_test_add_func ("/rate-limit/clock", test_clock);
  g_test_add_func ("/rate-limit/reload", test_reload);
  g_test_add_func ("/rate-limit/extremes", test_extremes);

  return g_test_run ();
}
