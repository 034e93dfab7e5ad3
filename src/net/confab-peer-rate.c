/* confab-peer-rate.c: the per-peer rate limit, as backpressure.
 *
 * A peer that sends faster than [limits] rate_limit_messages_per_sec is
 * not refused anything: confabd stops handling its input until its token
 * bucket has a token again (IRC's "fake lag"). Its lines wait in the
 * kernel's buffers and then in its own, so nothing is lost and the client
 * is slowed by TCP flow control; no other connection waits, and output to
 * the peer goes on.
 *
 * Each line takes its token before it is handled, so a read that brings
 * many lines at once (one packet of a thousand lines) delivers only what
 * the bucket holds; the rest of that read is held back
 * (confab-peer-input.c) and handled as tokens return. Every line after
 * the login counts, chat or not, since every line costs the server work.
 * When a token is due, the connection hears of it (ConfabPeerEvents) and
 * resumes its input.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-peer-private.h"

/* A pause is re-checked at least this often, so that a reload (SIGHUP)
 * that raises or lifts the limit frees a paused peer soon. */
#define MAX_PAUSE_MS 1000

static void schedule_resume (ConfabPeer *self,
                             gint64      delay_usec);

static void
rate_due_cb (gpointer user_data)
{
  ConfabPeer             *self = user_data;
  const ConfabPeerLimits *limits = &self->host->limits;
  gint64                  delay;

  if (self->state != PEER_ACTIVE || self->pause != INPUT_PAUSED_RATE)
    return;

  delay = confab_rate_limit_get_delay (&self->rate, limits->rate_limit_per_sec,
                                       limits->rate_limit_burst, g_get_monotonic_time ());
  if (delay > 0)
    schedule_resume (self, delay);
  else
    self->events->rate_due (self);
}

static void
schedule_resume (ConfabPeer *self,
                 gint64      delay_usec)
{
  /* Rounded up: a timer a little early only finds the bucket empty. */
  gint64 ms = MIN ((delay_usec + 999) / 1000, MAX_PAUSE_MS);

  confab_deadlines_arm (confab_peer_deadlines (self), &self->rate_deadline,
                        g_get_monotonic_time () + MAX (ms, 1) * 1000,
                        rate_due_cb, self);
}

void
confab_peer_rate_cancel (ConfabPeer *self)
{
  if (confab_deadline_is_armed (&self->rate_deadline))
    confab_deadlines_cancel (confab_peer_deadlines (self), &self->rate_deadline);
}

/**
 * confab_peer_rate_take:
 * @now_usec: (inout): the current monotonic time, or 0 if not read yet
 *   (it is read once per batch of lines, not per line)
 *
 * Takes a token for the line about to be handled. If the bucket has none,
 * takes nothing and arranges for input to resume when one is due.
 *
 * Returns: TRUE if the line may be handled now
 */
gboolean
confab_peer_rate_take (ConfabPeer *self,
                       gint64     *now_usec)
{
  const ConfabPeerLimits *limits = &self->host->limits;
  gint64                  delay;

  if (limits->rate_limit_per_sec == 0)
    return TRUE;

  if (*now_usec == 0)
    *now_usec = g_get_monotonic_time ();
  delay = confab_rate_limit_get_delay (&self->rate, limits->rate_limit_per_sec,
                                       limits->rate_limit_burst, *now_usec);
  if (delay == 0)
    {
      confab_rate_limit_take (&self->rate, limits->rate_limit_per_sec,
                              limits->rate_limit_burst, 1, *now_usec);
      return TRUE;
    }

  if (self->pause != INPUT_PAUSED_RATE)
    {
      g_debug ("%s is over the rate limit: input paused for %" G_GINT64_FORMAT " ms",
               self->address, (delay + 999) / 1000);
      self->host->stats.rate_limit_pauses++;
    }
  schedule_resume (self, delay);
  return FALSE;
}
