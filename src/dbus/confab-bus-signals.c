/* confab-bus-signals.c: one window over the signals of a bus connection.
 *
 * GDBus queues every emitted signal in memory until the bus reads it, so
 * with a bus that stopped reading (dbus-daemon stopped, or swamped) each
 * join and leave, each room made or removed, would grow confabd for as
 * long as clients come and go. Here the signals sent since the
 * connection's last completed flush are counted, whichever part of the
 * Manager sends them: the peer signals (confab-manager-peer-signals.c)
 * and the rooms' signals and objects (confab-manager-rooms.c) go out on
 * one connection, so they share one count. Past half a window a flush is
 * started; past a whole window every part holds its signals instead of
 * sending them, coalesced as it knows how (per name, per room), and when
 * the flush completes each part sends its net changes, in an order that
 * leaves an observer applying them in order at the broker's state.
 *
 * A part asks confab_bus_signals_hold() before each signal; what it held
 * is counted, what it sent at release is subtracted, and the difference
 * is kept for GetStatistics ("signals_coalesced"). Everything runs on the
 * main context, as the manager does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-bus-signals.h"

/* At most one line a minute about coalescing, so a bus that is slow
 * for long adds one line a minute to the journal, not one per flush. */
#define LOG_INTERVAL_USEC (60 * G_USEC_PER_SEC)

typedef struct
{
  ConfabBusSignalsReleaseFunc release;
  gpointer                    user_data;
} Part;

struct _ConfabBusSignals
{
  grefcount               ref;      /* one for the owner, one per flush in flight */
  GDBusInterfaceSkeleton *skeleton; /* (unowned) (nullable): NULL once freed */
  guint                   window;
  GArray                 *parts; /* of Part */

  guint    unflushed;    /* sent since the last completed flush */
  guint    flush_covers; /* of those, written once the flush completes */
  gboolean flushing;
  gboolean holding;
  guint64  held_events; /* signals held in this hold, by every part */

  guint64 coalesced;
  guint64 coalesced_unlogged;
  gint64  logged_usec;
};

static void
bus_signals_unref (ConfabBusSignals *self)
{
  if (!g_ref_count_dec (&self->ref))
    return;
  g_array_unref (self->parts);
  g_free (self);
}

/**
 * confab_bus_signals_new:
 * @skeleton: (transfer none): the interface whose connection the signals
 *   go out on; must outlive the returned object
 * @window: signals allowed out between two completed flushes
 */
ConfabBusSignals *
confab_bus_signals_new (GDBusInterfaceSkeleton *skeleton,
                        guint                   window)
{
  ConfabBusSignals *self;

  g_return_val_if_fail (G_IS_DBUS_INTERFACE_SKELETON (skeleton), NULL);
  g_return_val_if_fail (window >= 2, NULL);

  self = g_new0 (ConfabBusSignals, 1);
  g_ref_count_init (&self->ref);
  self->skeleton = skeleton;
  self->window = window;
  self->parts = g_array_new (FALSE, FALSE, sizeof (Part));
  return self;
}

/* The parts are not called again: whoever frees this is unexporting,
 * and frees what they hold. A flush in flight keeps the memory until it
 * completes. */
void
confab_bus_signals_free (ConfabBusSignals *self)
{
  if (self == NULL)
    return;
  self->skeleton = NULL;
  g_array_set_size (self->parts, 0);
  bus_signals_unref (self);
}

/**
 * confab_bus_signals_add_part:
 * @release: sends what the part held, when the hold ends
 *
 * Parts are released in the order they were added.
 */
void
confab_bus_signals_add_part (ConfabBusSignals           *self,
                             ConfabBusSignalsReleaseFunc release,
                             gpointer                    user_data)
{
  Part part = { release, user_data };

  g_return_if_fail (self != NULL && release != NULL);
  g_array_append_val (self->parts, part);
}

static GDBusConnection *
get_connection (ConfabBusSignals *self)
{
  return g_dbus_interface_skeleton_get_connection (self->skeleton);
}

static void start_flush (ConfabBusSignals *self);

static void
log_coalesced (ConfabBusSignals *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->coalesced_unlogged == 0)
    return;
  if (self->logged_usec != 0 && now - self->logged_usec < LOG_INTERVAL_USEC)
    return;
  g_message ("The bus was not reading: %" G_GUINT64_FORMAT " peer and room signals "
             "were coalesced into their net changes",
             self->coalesced_unlogged);
  self->coalesced_unlogged = 0;
  self->logged_usec = now;
}

/* Ends the hold: every part sends its net changes. */
static void
release (ConfabBusSignals *self)
{
  guint64 sent = 0;

  self->holding = FALSE;
  for (guint i = 0; i < self->parts->len; i++)
    {
      const Part *part = &g_array_index (self->parts, Part, i);

      sent += part->release (part->user_data);
    }

  g_assert (sent <= self->held_events);
  self->coalesced += self->held_events - sent;
  self->coalesced_unlogged += self->held_events - sent;
  self->held_events = 0;
  self->unflushed += (guint) MIN (sent, G_MAXUINT - self->unflushed);
  log_coalesced (self);
}

static void
flush_done_cb (GObject      *source,
               GAsyncResult *result,
               gpointer      user_data)
{
  ConfabBusSignals *self = user_data;
  g_autoptr(GError) error = NULL;

  /* A closed connection fails the flush; what was queued is gone with it,
   * so the counting starts over either way. */
  if (!g_dbus_connection_flush_finish (G_DBUS_CONNECTION (source), result, &error))
    g_debug ("Flushing the bus connection failed: %s", error->message);

  if (self->skeleton != NULL)
    {
      self->flushing = FALSE;
      self->unflushed -= MIN (self->flush_covers, self->unflushed);
      self->flush_covers = 0;
      if (self->holding)
        release (self);
      if (self->unflushed >= self->window / 2)
        start_flush (self);
    }
  bus_signals_unref (self);
}

static void
start_flush (ConfabBusSignals *self)
{
  GDBusConnection *connection = get_connection (self);

  if (self->flushing || connection == NULL)
    return;
  self->flushing = TRUE;
  self->flush_covers = self->unflushed;
  g_ref_count_inc (&self->ref);
  g_dbus_connection_flush (connection, NULL, flush_done_cb, self);
}

/**
 * confab_bus_signals_hold:
 * @n_signals: how many signals the part is about to send
 *
 * Returns: whether the part must hold them (they are counted as held);
 *   if not, they are counted as sent and the part sends them now
 */
gboolean
confab_bus_signals_hold (ConfabBusSignals *self,
                         guint             n_signals)
{
  g_return_val_if_fail (self != NULL && self->skeleton != NULL, FALSE);

  if (get_connection (self) == NULL)
    {
      /* Not exported: sending costs nothing. What was held goes first,
       * so that the parts' own state (the room objects) stays in order. */
      if (self->holding)
        release (self);
      return FALSE;
    }
  if (!self->holding && self->unflushed >= self->window)
    {
      g_debug ("The bus is not keeping up: holding peer and room signals");
      self->holding = TRUE;
    }
  if (self->holding)
    {
      self->held_events += n_signals;
      start_flush (self);
      return TRUE;
    }
  self->unflushed += MIN (n_signals, G_MAXUINT - self->unflushed);
  if (self->unflushed >= self->window / 2)
    start_flush (self);
  return FALSE;
}

/* Signals absorbed by coalescing since start-up. */
guint64
confab_bus_signals_get_coalesced (ConfabBusSignals *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->coalesced;
}
