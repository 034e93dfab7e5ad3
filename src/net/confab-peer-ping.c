/* confab-peer-ping.c: the IRC door's keep-alive (SPEC §10).
 *
 * A TCP connection whose client has vanished (a laptop closed, a NAT
 * entry expired) can look open for hours. IRC's answer is the server's
 * PING: after ping_interval_sec with nothing from the client it is sent
 * "PING :SERVER", and if nothing at all comes back within
 * ping_timeout_sec (a PONG, or any other line) the connection is closed
 * with "ERROR :Ping timeout: N seconds".
 *
 * It costs no work per line: input only stamps last_input_usec, and the
 * connection's one timer (free while it is logged in) wakes once per
 * interval to compare. Input that waits on the server (its rate limit,
 * its own full queue, a lookup) is not the client's silence, so a
 * connection held back that way is never timed out.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-peer-private.h"

static void ping_due_cb (gpointer user_data);

static void
arm_at (ConfabPeer *self,
        gint64      when_usec)
{
  confab_deadlines_arm (confab_peer_deadlines (self), &self->timer, when_usec, ping_due_cb, self);
}

static void
time_out (ConfabPeer *self)
{
  g_autoptr(GError) error = NULL;

  self->host->stats.irc_ping_timeouts++;
  error = g_error_new (CONFAB_ERROR, CONFAB_ERROR_PING_TIMEOUT, "Ping timeout: %u seconds",
                       self->host->limits.irc_ping_timeout_sec);
  confab_peer_close (self, CONFAB_CLOSE_PING_TIMEOUT, error);
}

static void
ping_due_cb (gpointer user_data)
{
  ConfabPeer             *self = user_data;
  const ConfabPeerLimits *limits = &self->host->limits;
  gint64                  now = g_get_monotonic_time ();
  gint64                  quiet_until;

  if (self->state != PEER_ACTIVE)
    return;
  if (self->pause != INPUT_FLOWING)
    self->last_input_usec = now;

  if (self->ping_sent_usec != 0)
    {
      if (self->last_input_usec < self->ping_sent_usec)
        {
          time_out (self);
          return;
        }
      self->ping_sent_usec = 0;
    }

  quiet_until = self->last_input_usec + (gint64) limits->irc_ping_interval_sec * G_USEC_PER_SEC;
  if (now < quiet_until)
    {
      arm_at (self, quiet_until);
      return;
    }

  confab_peer_requests_irc_ping (self);
  self->ping_sent_usec = now;
  arm_at (self, now + (gint64) limits->irc_ping_timeout_sec * G_USEC_PER_SEC);
}

/**
 * confab_peer_ping_start:
 *
 * Starts the keep-alive of an IRC connection that has just registered;
 * it runs on the connection's timer until the connection closes.
 */
void
confab_peer_ping_start (ConfabPeer *self)
{
  g_return_if_fail (self->irc != NULL && self->state == PEER_ACTIVE);

  self->last_input_usec = g_get_monotonic_time ();
  self->ping_sent_usec = 0;
  arm_at (self, self->last_input_usec +
                  (gint64) self->host->limits.irc_ping_interval_sec * G_USEC_PER_SEC);
}
