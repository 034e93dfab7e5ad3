/* confab-manager-peer-signals.c: PeerJoined / PeerLeft / PeerCount, bounded.
 *
 * The peer part of the Manager's bounded signals (confab-bus-signals.c
 * keeps the window they share with the rooms'). While the window holds,
 * the signals are coalesced per name: a name that joined and left while
 * held is never announced, and one that was there, left and came back is
 * announced as one PeerLeft and one PeerJoined. What is held is
 * therefore bounded by the names present at the start of the hold plus
 * those present now (each ≤ peers_max), and PeerCount is held as one
 * number. At release the net changes go out, leaves before joins, so an
 * observer that applies the signals in order always ends at the broker's
 * peer set, and never sees a join of a name it thinks present or a leave
 * of one it thinks absent.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-manager-peer-signals.h"

typedef struct
{
  gboolean was_present; /* the first held event was a leave */
  gboolean present;     /* the last held event was a join */
  char    *address;     /* (nullable) of the last join */
  char    *reason;      /* (nullable) of the last leave */
} HeldPeer;

struct _ConfabPeerSignals
{
  ConfabDBusManager *skeleton; /* (unowned) */
  ConfabBusSignals  *bus;      /* (unowned) */

  GHashTable *held; /* name → HeldPeer */
  gboolean    count_held;
  guint       count;
};

static void
held_peer_free (gpointer data)
{
  HeldPeer *held = data;

  g_free (held->address);
  g_free (held->reason);
  g_free (held);
}

/* Sends the net changes of a hold: leaves, then joins, then the count. */
static guint
release (gpointer data)
{
  ConfabPeerSignals *self = data;
  GHashTableIter     iter;
  const char        *name;
  HeldPeer          *held;
  guint              sent = 0;

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
  return sent;
}

/**
 * confab_peer_signals_new:
 * @skeleton: (transfer none): the exported Manager
 * @bus: (transfer none): the window the signals go through
 *
 * Both must outlive the returned object, and @bus be freed before it
 * (the part is not called again then).
 */
ConfabPeerSignals *
confab_peer_signals_new (ConfabDBusManager *skeleton,
                         ConfabBusSignals  *bus)
{
  ConfabPeerSignals *self;

  g_return_val_if_fail (CONFAB_DBUS_IS_MANAGER (skeleton), NULL);
  g_return_val_if_fail (bus != NULL, NULL);

  self = g_new0 (ConfabPeerSignals, 1);
  self->skeleton = skeleton;
  self->bus = bus;
  self->held = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, held_peer_free);
  confab_bus_signals_add_part (bus, release, self);
  return self;
}

/* Held signals are dropped: whoever frees this is unexporting. */
void
confab_peer_signals_free (ConfabPeerSignals *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->held);
  g_free (self);
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

  g_return_if_fail (self != NULL);

  if (!confab_bus_signals_hold (self->bus, 1))
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

  g_return_if_fail (self != NULL);

  if (!confab_bus_signals_hold (self->bus, 1))
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
  g_return_if_fail (self != NULL);

  if (!confab_bus_signals_hold (self->bus, 1))
    {
      confab_dbus_manager_set_peer_count (self->skeleton, n_peers);
      return;
    }
  self->count_held = TRUE;
  self->count = n_peers;
}
