/* confab-peer-rate.c: the per-peer rate limit, as backpressure.
 *
 * A peer that sends faster than [limits] rate_limit_messages_per_sec is
 * not refused anything: confabd stops reading its socket until its token
 * bucket has a token again (IRC's "fake lag"). Its lines wait in the
 * kernel's buffers and then in its own, so nothing is lost and the client
 * is slowed by TCP flow control; no other connection waits, and output to
 * the peer goes on.
 *
 * Lines come in reads, and every line of a read already taken is handled:
 * a read may leave the bucket in debt, and reading resumes once the debt
 * is repaid and a whole token is there. Every line after the login counts,
 * chat or not, since every line costs the server work.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-peer-private.h"

/* A pause is re-checked at least this often, so that a reload (SIGHUP)
 * that raises or lifts the limit frees a paused peer soon, not after the
 * debt the old limit set. */
#define MAX_PAUSE_MS 1000

static void schedule_resume (ConfabPeer *self,
                             gint64      delay_usec);

static gboolean
on_rate_due (gpointer user_data)
{
  ConfabPeer *self = user_data;
  const ConfabPeerLimits *limits = &self->shared->limits;
  gint64 delay;

  g_clear_pointer (&self->rate_source, g_source_unref);
  if (self->state != PEER_ACTIVE)
    return G_SOURCE_REMOVE;

  delay = confab_rate_limit_get_delay (&self->rate, limits->rate_limit_per_sec,
                                       limits->rate_limit_burst, g_get_monotonic_time ());
  if (delay > 0)
    schedule_resume (self, delay);
  else
    confab_peer_resume_reading (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_resume (ConfabPeer *self,
                 gint64      delay_usec)
{
  /* Rounded up: a timer a little early only finds the bucket empty. */
  guint ms = (guint) MIN ((delay_usec + 999) / 1000, MAX_PAUSE_MS);

  g_clear_pointer (&self->rate_source, confab_source_destroy_and_unref);
  self->rate_source = g_timeout_source_new (MAX (ms, 1));
  g_source_set_name (self->rate_source, "confab rate limit");
  g_source_set_callback (self->rate_source, on_rate_due, self, NULL);
  g_source_attach (self->rate_source, g_main_context_get_thread_default ());
}

/**
 * confab_peer_charge_rate:
 *
 * Takes a token for each line handled since the last charge and, if the
 * bucket is then empty, stops reading until a token is due. Called after
 * each read.
 */
void
confab_peer_charge_rate (ConfabPeer *self)
{
  const ConfabPeerLimits *limits = &self->shared->limits;
  guint n_lines = self->rate_lines;
  gint64 now;
  gint64 delay;

  self->rate_lines = 0;
  if (limits->rate_limit_per_sec == 0 || self->state != PEER_ACTIVE)
    return;

  now = g_get_monotonic_time ();
  confab_rate_limit_take (&self->rate, limits->rate_limit_per_sec,
                          limits->rate_limit_burst, n_lines, now);
  delay = confab_rate_limit_get_delay (&self->rate, limits->rate_limit_per_sec,
                                       limits->rate_limit_burst, now);
  if (delay == 0)
    return;

  g_debug ("%s is over the rate limit: not reading for %" G_GINT64_FORMAT " ms",
           self->address, (delay + 999) / 1000);
  confab_broker_count_limit (self->shared->broker, CONFAB_LIMIT_RATE);
  confab_peer_set_watching (self, FALSE, self->writing);
  schedule_resume (self, delay);
}
