/* confab-manager-signals.c: PeerJoined / PeerLeft / PeerCount, bounded.
 *
 * GDBus queues every emitted signal in memory until the bus reads it, so
 * with a bus that stopped reading (dbus-daemon stopped, or swamped) each
 * join and leave would grow confabd for as long as clients come and go.
 * Here the signals since the connection's last completed flush are
 * counted; past half a window a flush is started, and past a whole window
 * the signals are held instead of emitted, coalesced per name: a name
 * that joined and left while held is never announced, and one that was
 * there, left and came back is announced as one PeerLeft and one
 * PeerJoined. What is held is therefore bounded by the names present at
 * the start of the hold plus those present now (each ≤ peers_max), and
 * PeerCount is held as one number. When the flush completes the net
 * changes go out, leaves before joins, so an observer that applies the
 * signals in order always ends at the broker's peer set, and never sees
 * a join of a name it thinks present or a leave of one it thinks absent.
 *
 * The number of signals that were absorbed this way is kept for
 * GetStatistics ("signals_coalesced"). Everything runs on the main
 * context, as the manager does.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-manager-signals.h"

/* At most one line a minute about coalescing, so a bus that is slow
 * for long adds one line a minute to the journal, not one per flush. */
#define LOG_INTERVAL_USEC (60 * G_USEC_PER_SEC)

typedef struct
{
  gboolean was_present; /* the first held event was a leave */
  gboolean present;     /* the last held event was a join */
  char    *address;     /* (nullable) of the last join */
  char    *reason;      /* (nullable) of the last leave */
} HeldPeer;

struct _ConfabPeerSignals
{
  grefcount          ref;      /* one for the owner, one per flush in flight */
  ConfabDBusManager *skeleton; /* (unowned) (nullable): NULL once freed */
  guint              window;

  guint    unflushed;    /* emitted since the last completed flush */
  guint    flush_covers; /* of those, written once the flush completes */
  gboolean flushing;
  gboolean holding;

  GHashTable *held;        /* name → HeldPeer */
  guint64     held_events; /* events absorbed in this hold */
  gboolean    count_held;
  guint       count;

  guint64 coalesced;
  guint64 coalesced_unlogged;
  gint64  logged_usec;
};

static void
held_peer_free (gpointer data)
{
  HeldPeer *held = data;

  g_free (held->address);
  g_free (held->reason);
  g_free (held);
}

static void
peer_signals_unref (ConfabPeerSignals *self)
{
  if (!g_ref_count_dec (&self->ref))
    return;
  g_hash_table_unref (self->held);
  g_free (self);
}

/**
 * confab_peer_signals_new:
 * @skeleton: (transfer none): the exported Manager; must outlive the
 *   returned object
 * @window: signals allowed out between two completed flushes
 */
ConfabPeerSignals *
confab_peer_signals_new (ConfabDBusManager *skeleton,
                         guint              window)
{
  ConfabPeerSignals *self;

  g_return_val_if_fail (CONFAB_DBUS_IS_MANAGER (skeleton), NULL);
  g_return_val_if_fail (window >= 2, NULL);

  self = g_new0 (ConfabPeerSignals, 1);
  g_ref_count_init (&self->ref);
  self->skeleton = skeleton;
  self->window = window;
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, held_peer_free);
  return self;
}

/* Held signals are dropped: whoever frees this is unexporting. A flush
 * in flight keeps the memory until it completes. */
void
confab_peer_signals_free (ConfabPeerSignals *self)
{
  if (self == NULL)
    return;
  self->skeleton = NULL;
  g_hash_table_remove_all (self->held);
  peer_signals_unref (self);
}

static GDBusConnection *
get_connection (ConfabPeerSignals *self)
{
  return g_dbus_interface_skeleton_get_connection (G_DBUS_INTERFACE_SKELETON (self->skeleton));
}

static void start_flush (ConfabPeerSignals *self);

static void
log_coalesced (ConfabPeerSignals *self)
{
  gint64 now = g_get_monotonic_time ();

  if (self->coalesced_unlogged == 0)
    return;
  if (self->logged_usec != 0 && now - self->logged_usec < LOG_INTERVAL_USEC)
    return;
  g_message ("The bus was not reading: %" G_GUINT64_FORMAT " PeerJoined/PeerLeft/PeerCount "
             "signals were coalesced into their net changes",
             self->coalesced_unlogged);
  self->coalesced_unlogged = 0;
  self->logged_usec = now;
}

/* Sends the net changes of a hold: leaves, then joins, then the count. */
static void
release (ConfabPeerSignals *self)
{
  GHashTableIter iter;
  const char    *name;
  HeldPeer      *held;
  guint64        sent = 0;

  self->holding = FALSE;

  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &held))
    if (held->was_present)
      {
        confab_dbus_manager_emit_peer_left (self->skeleton, name,
                                            held->reason != NULL ? held->reason : "");
        sent++;
      }
  g_hash_table_iter_init (&iter, self->held);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, (gpointer *) &held))
    if (held->present)
      {
        confab_dbus_manager_emit_peer_joined (self->skeleton, name,
                                              held->address != NULL ? held->address : "");
        sent++;
      }
  g_hash_table_remove_all (self->held);

  if (self->count_held)
    {
      self->count_held = FALSE;
      confab_dbus_manager_set_peer_count (self->skeleton, self->count);
      sent++;
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
  ConfabPeerSignals *self = user_data;
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
  peer_signals_unref (self);
}

static void
start_flush (ConfabPeerSignals *self)
{
  GDBusConnection *connection = get_connection (self);

  if (self->flushing || connection == NULL)
    return;
  self->flushing = TRUE;
  self->flush_covers = self->unflushed;
  g_ref_count_inc (&self->ref);
  g_dbus_connection_flush (connection, NULL, flush_done_cb, self);
}

/* Whether the next signal must be held; if not, it is counted as sent. */
static gboolean
must_hold (ConfabPeerSignals *self)
{
  if (get_connection (self) == NULL)
    return FALSE; /* not exported: emitting costs nothing */
  if (!self->holding && self->unflushed >= self->window)
    {
      g_debug ("The bus is not keeping up: holding peer signals");
      self->holding = TRUE;
    }
  if (self->holding)
    {
      self->held_events++;
      start_flush (self);
      return TRUE;
    }
  self->unflushed++;
  if (self->unflushed >= self->window / 2)
    start_flush (self);
  return FALSE;
}

static HeldPeer *
lookup_held (ConfabPeerSignals *self,
             const char        *name,
             gboolean           first_is_leave)
{
  HeldPeer *held = g_hash_table_lookup (self->held, name);

  if (held == NULL)
    {
      held = g_new0 (HeldPeer, 1);
      held->was_present = first_is_leave;
      g_hash_table_insert (self->held, g_strdup (name), held);
    }
  return held;
}

void
confab_peer_signals_joined (ConfabPeerSignals *self,
                            const char        *name,
                            const char        *address)
{
  HeldPeer *held;

  g_return_if_fail (self != NULL && self->skeleton != NULL);

  if (!must_hold (self))
    {
      confab_dbus_manager_emit_peer_joined (self->skeleton, name, address);
      return;
    }
  held = lookup_held (self, name, FALSE);
  held->present = TRUE;
  g_free (held->address);
  held->address = g_strdup (address);
}

void
confab_peer_signals_left (ConfabPeerSignals *self,
                          const char        *name,
                          const char        *reason)
{
  HeldPeer *held;

  g_return_if_fail (self != NULL && self->skeleton != NULL);

  if (!must_hold (self))
    {
      confab_dbus_manager_emit_peer_left (self->skeleton, name, reason);
      return;
    }
  held = lookup_held (self, name, TRUE);
  held->present = FALSE;
  g_free (held->reason);
  held->reason = g_strdup (reason);
  /* Joined and left within the hold: nothing to announce. */
  if (!held->was_present)
    g_hash_table_remove (self->held, name);
}

/* The skeleton sends PropertiesChanged from an idle callback, so a burst
 * of changes within one main-loop iteration costs one signal. */
void
confab_peer_signals_set_count (ConfabPeerSignals *self,
                               guint              n_peers)
{
  g_return_if_fail (self != NULL && self->skeleton != NULL);

  if (!must_hold (self))
    {
      confab_dbus_manager_set_peer_count (self->skeleton, n_peers);
      return;
    }
  self->count_held = TRUE;
  self->count = n_peers;
}

/* Signals absorbed by coalescing since start-up. */
guint64
confab_peer_signals_get_coalesced (ConfabPeerSignals *self)
{
  g_return_val_if_fail (self != NULL, 0);
  return self->coalesced;
}
