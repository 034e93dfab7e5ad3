/* confab-session-history.c: history and offline delivery (SPEC §12),
 * for every front door.
 *
 * The store (src/history) does its work off the main loop and answers
 * later; what the session asked for then goes to the connection's own
 * queue if it is still there (the entry is referenced meanwhile, and a
 * peer that left is simply not answered). A client that ends its input
 * right after asking still gets the answer: its connection waits for
 * the answers it is owed before it closes (confab_broker_peer_hold_answer()). A room message is recorded as
 * the broker routes it; a failure to record is counted by the store, and
 * the chat goes on. A message to an account that is away is stored, and
 * its sender told "stored for NAME" only once the store has committed it:
 * a kill -9 after that loses nothing. The account gets it at its next
 * login, and the store forgets it once it is queued for the connection.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-name-key.h"
#include "confab-session-private.h"

/* SPEC §12: /history #room without N. */
#define HISTORY_LINES_DEFAULT 50

/* A request's connection, and what its answer needs. */
typedef struct
{
  ConfabBrokerPeer *entry; /* (owned) */
  char             *name;  /* (owned): the room or the recipient */
} Pending;

static Pending *
pending_new (ConfabBrokerPeer *entry,
             const char       *name)
{
  Pending *pending = g_new0 (Pending, 1);

  pending->entry = confab_broker_peer_ref (entry);
  pending->name = g_strdup (name);
  confab_broker_peer_hold_answer (entry);
  return pending;
}

static void
pending_free (Pending *pending)
{
  confab_broker_peer_release_answer (pending->entry);
  confab_broker_peer_unref (pending->entry);
  g_free (pending->name);
  g_free (pending);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Pending, pending_free)

static void
push (ConfabBrokerPeer *entry,
      ConfabMessage    *message)
{
  g_autoptr(ConfabMessage) owned = message;

  if (confab_broker_peer_is_joined (entry))
    confab_broker_peer_push_reply (entry, owned);
}

static void
push_unavailable (ConfabBrokerPeer *entry,
                  const GError     *error)
{
  push (entry, confab_message_new_errorf (CONFAB_ERROR_HISTORY_UNAVAILABLE, "history unavailable: %s",
                                          error->message));
}

/* ---- rooms --------------------------------------------------------------- */

/**
 * confab_session_history_record:
 * @room: the room the message was routed to
 *
 * Keeps a room message, if history is on. The chat does not wait for it,
 * and the broker's room key is used as it is, not computed again.
 */
void
confab_session_history_record (const ConfabSession *session,
                               ConfabBrokerRoom    *room,
                               const char          *sender,
                               const char          *text,
                               gint64               time_usec)
{
  if (session->history == NULL)
    return;
  confab_history_store_append_async (session->history, confab_broker_room_get_key (room),
                                     confab_broker_room_get_name (room), sender, text, time_usec, NULL, NULL);
}

static void
replayed_cb (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = confab_history_store_query_finish (CONFAB_HISTORY_STORE (source), result, &error);

  if (rows == NULL)
    {
      push_unavailable (pending->entry, error);
      return;
    }
  for (guint i = 0; i < rows->len; i++)
    {
      const ConfabHistoryRow *row = g_ptr_array_index (rows, i);

      push (pending->entry, confab_message_new_history (row->target, row->sender, row->text, row->time_usec));
    }
  push (pending->entry, confab_message_new_history_end (pending->name));
}

/**
 * confab_session_history_replay:
 * @room: a room the caller is in
 * @limit: the lines asked for; 0 for SPEC §12's default of 50
 *
 * Replays the room's last @limit messages (at most history_replay_max),
 * oldest first, then the end of the replay; or answers with the error
 * that says why not (not in the room, no history).
 */
void
confab_session_history_replay (const ConfabSession *session,
                               const char          *room,
                               guint                limit)
{
  g_autoptr(GError) error = NULL;
  g_autofree char   *key = NULL;
  ConfabBrokerRoom  *joined;
  ConfabHistoryQuery query = { .direction = CONFAB_HISTORY_LATEST };

  joined = confab_broker_check_room_member (session->broker, session->entry, room, &error);
  if (joined == NULL)
    {
      confab_broker_send_error (session->broker, session->entry, error->code, error->message);
      return;
    }
  if (session->history == NULL)
    {
      confab_broker_send_error (session->broker, session->entry, CONFAB_ERROR_HISTORY_UNAVAILABLE,
                                "history unavailable: this server keeps none");
      return;
    }
  query.limit = limit != 0 ? limit : HISTORY_LINES_DEFAULT;
  key = confab_room_key_dup (room);
  confab_history_store_query_async (session->history, key, &query, NULL, replayed_cb,
                                    pending_new (session->entry, confab_broker_room_get_name (joined)));
}

/* ---- offline delivery ---------------------------------------------------- */

/**
 * confab_session_history_keeps_for:
 * @name: a recipient that is not connected
 *
 * Returns: whether a message to @name is stored for its next login: the
 *   name has an account and history is on
 */
gboolean
confab_session_history_keeps_for (const ConfabSession *session,
                                  const char          *name)
{
  return session->history != NULL && session->accounts != NULL &&
         confab_accounts_lookup (session->accounts, name) != NULL;
}

static void
stored_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;

  if (confab_history_store_offline_store_finish (CONFAB_HISTORY_STORE (source), result, NULL, &error))
    push (pending->entry, confab_message_new_stored (pending->name));
  else if (g_error_matches (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_OFFLINE_FULL))
    push (pending->entry, confab_message_new_errorf (CONFAB_ERROR_OFFLINE_FULL,
                                                     "offline messages full: %s", pending->name));
  else
    push_unavailable (pending->entry, error);
}

/**
 * confab_session_history_store_offline:
 * @name: a recipient confab_session_history_keeps_for() said yes to
 *
 * Stores the message for @name's next login; its sender hears "stored
 * for NAME" once it is on disk, or the error.
 */
void
confab_session_history_store_offline (const ConfabSession *session,
                                      const char          *name,
                                      const char          *text,
                                      gint64               time_usec)
{
  const ConfabAccount *account = confab_accounts_lookup (session->accounts, name);
  const char          *display = account != NULL ? confab_account_get_name (account) : name;
  g_autofree char     *key = confab_name_key_dup (display);

  confab_history_store_offline_store_async (session->history, key, display,
                                            confab_broker_peer_get_name (session->entry), text, time_usec,
                                            stored_cb, pending_new (session->entry, display));
}

static void
acknowledged_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  /* Not deleted: delivered again at the next login, not lost. */
  if (!confab_history_store_offline_ack_finish (CONFAB_HISTORY_STORE (source), result, NULL, &error))
    g_message ("Offline messages delivered but not forgotten: %s", error->message);
}

static void
fetched_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(Pending) pending = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = confab_history_store_offline_fetch_finish (CONFAB_HISTORY_STORE (source), result,
                                                                          &error);
  gint64 last = 0;

  if (rows == NULL)
    {
      push_unavailable (pending->entry, error);
      return;
    }
  /* Left meanwhile: they stay stored for the next login. */
  if (rows->len == 0 || !confab_broker_peer_is_joined (pending->entry))
    return;
  for (guint i = 0; i < rows->len; i++)
    {
      const ConfabHistoryRow *row = g_ptr_array_index (rows, i);

      push (pending->entry, confab_message_new_offline (row->sender, row->text, row->time_usec));
      last = row->id;
    }
  confab_history_store_offline_ack_async (CONFAB_HISTORY_STORE (source), pending->name, last, acknowledged_cb,
                                          NULL);
}

/**
 * confab_session_history_deliver_offline:
 *
 * Just logged in: the messages stored for this name while it was away
 * are queued for it, oldest first, and then forgotten.
 */
void
confab_session_history_deliver_offline (const ConfabSession *session)
{
  const char      *name = confab_broker_peer_get_name (session->entry);
  g_autofree char *key = NULL;

  if (!confab_session_history_keeps_for (session, name))
    return;
  key = confab_name_key_dup (name);
  confab_history_store_offline_fetch_async (session->history, key, NULL, fetched_cb,
                                            pending_new (session->entry, key));
}
