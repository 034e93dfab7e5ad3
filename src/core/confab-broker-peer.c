/* confab-broker-peer.c: one peer's entry in the broker.
 *
 * An entry outlives its place in the table (the connection keeps a
 * reference): it holds the peer's outgoing queue of ConfabMessage
 * (confab-message-queue.c) with the memory it holds, and the peer's
 * counters for GetPeer.
 *
 * Threads: the broker and every connection run on the main context, so
 * the queue's writer (confab-peer-output.c) and whoever pushes (routing,
 * the session's replies) are never on two threads at once; the queue,
 * the counters and the wake flag are plain fields. A writer moved to a
 * thread of its own would need a lock around the queue and atomics for
 * queued_bytes and wake_pending.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-broker-private.h"
#include "confab-name-key.h"

ConfabBrokerPeer *
confab_broker_peer_new (const char             *name,
                        const char             *address,
                        const char             *protocol,
                        const ConfabBrokerSink *sink,
                        gpointer                sink_data)
{
  ConfabBrokerPeer *peer = g_new0 (ConfabBrokerPeer, 1);

  g_atomic_ref_count_init (&peer->ref_count);
  peer->name = g_strdup (name);
  peer->key = confab_name_key_dup (name);
  peer->rooms = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_broker_room_unref);
  peer->address = g_strdup (address != NULL ? address : "");
  peer->protocol = g_strdup (protocol != NULL ? protocol : "text");
  peer->since_usec = g_get_real_time ();
  confab_message_queue_init (&peer->queue);
  peer->sink = sink;
  peer->sink_data = sink_data;
  peer->thread = g_thread_self ();

  return peer;
}

ConfabBrokerPeer *
confab_broker_peer_ref (ConfabBrokerPeer *peer)
{
  g_return_val_if_fail (peer != NULL, NULL);

  g_atomic_ref_count_inc (&peer->ref_count);
  return peer;
}

void
confab_broker_peer_unref (ConfabBrokerPeer *peer)
{
  g_return_if_fail (peer != NULL);

  if (!g_atomic_ref_count_dec (&peer->ref_count))
    return;

  confab_message_queue_clear (&peer->queue);
  g_free (peer->name);
  g_free (peer->key);
  g_ptr_array_unref (peer->rooms);
  g_free (peer->address);
  g_free (peer->protocol);
  g_free (peer->account);
  g_free (peer->notice);
  g_free (peer);
}

const char *
confab_broker_peer_get_name (ConfabBrokerPeer *peer)
{
  return peer->name;
}

const char *
confab_broker_peer_get_address (ConfabBrokerPeer *peer)
{
  return peer->address;
}

const char *
confab_broker_peer_get_protocol (ConfabBrokerPeer *peer)
{
  return peer->protocol;
}

/* Whether the peer's connection is TLS: told by the connection, shown by
 * GetPeer. The broker itself never looks at it. */
void
confab_broker_peer_set_tls (ConfabBrokerPeer *peer,
                            gboolean          tls)
{
  peer->tls = tls;
}

gboolean
confab_broker_peer_get_tls (ConfabBrokerPeer *peer)
{
  return peer->tls;
}

/* How the peer proved its name, for GetPeer: @account, the account it
 * logged in to (%NULL: none), and @method, a static string ("password",
 * "unix", "none"). Told by the connection; the broker never uses it. */
void
confab_broker_peer_set_login (ConfabBrokerPeer *peer,
                              const char       *account,
                              const char       *method)
{
  g_free (peer->account);
  peer->account = g_strdup (account);
  peer->login_method = method;
}

const char *
confab_broker_peer_get_account (ConfabBrokerPeer *peer)
{
  return peer->account;
}

const char *
confab_broker_peer_get_login_method (ConfabBrokerPeer *peer)
{
  return peer->login_method != NULL ? peer->login_method : "none";
}

/* Returns: the login time, real time in µs since the Unix epoch */
gint64
confab_broker_peer_get_since (ConfabBrokerPeer *peer)
{
  return peer->since_usec;
}

gboolean
confab_broker_peer_is_joined (ConfabBrokerPeer *peer)
{
  return peer->joined;
}

guint64
confab_broker_peer_get_messages_in (ConfabBrokerPeer *peer)
{
  return peer->messages_in;
}

guint64
confab_broker_peer_get_messages_out (ConfabBrokerPeer *peer)
{
  return peer->messages_out;
}

guint64
confab_broker_peer_get_bytes_in (ConfabBrokerPeer *peer)
{
  return peer->bytes_in;
}

guint64
confab_broker_peer_get_bytes_out (ConfabBrokerPeer *peer)
{
  return peer->bytes_out;
}

/* Returns: memory held by the messages queued for the peer, in bytes */
gsize
confab_broker_peer_get_queued_bytes (ConfabBrokerPeer *peer)
{
  return peer->queued_bytes;
}

/* Returns: (nullable): the error line a kick or shutdown closed it with,
 *   without "error: " ("kicked: REASON"); only on the broker's context */
const char *
confab_broker_peer_get_notice (ConfabBrokerPeer *peer)
{
  return peer->notice;
}

/* Appends @message (transfer full), whose cost the caller has added to
 * queued_bytes, and wakes the writer if this is the first push since it
 * last looked. */
void
confab_broker_peer_enqueue (ConfabBrokerPeer *peer,
                            ConfabMessage    *message)
{
  confab_message_queue_push (&peer->queue, message);
  if (!peer->wake_pending)
    {
      peer->wake_pending = TRUE;
      peer->sink->wake (peer->sink_data);
    }
}

/**
 * confab_broker_peer_push_reply:
 * @message: a reply to a request of the peer's own (welcome, peers)
 *
 * Queues @message for the peer's connection alone, in order with what the
 * broker has queued for it, without going through the broker: nothing is
 * routed, and the queue limit is not checked, since a connection bounds
 * its own replies by pausing its input (confab-peer-input.c). Nothing is
 * queued once the peer has left.
 */
void
confab_broker_peer_push_reply (ConfabBrokerPeer *peer,
                               ConfabMessage    *message)
{
  g_return_if_fail (peer != NULL);
  g_return_if_fail (message != NULL);

  g_assert (peer->thread == g_thread_self ());

  if (!peer->joined)
    return;
  peer->queued_bytes += confab_broker_peer_queue_cost (message);
  confab_broker_peer_enqueue (peer, confab_message_ref (message));
}

/**
 * confab_broker_peer_hold_answer:
 *
 * The peer asked for something that is answered later (its session
 * queues the answer when it comes: the history store's). Until the
 * matching confab_broker_peer_release_answer(), a connection that reads
 * its client's EOF waits before it closes, so that what was asked before
 * the end of input is still answered.
 */
void
confab_broker_peer_hold_answer (ConfabBrokerPeer *peer)
{
  g_return_if_fail (peer != NULL);

  peer->answers_pending++;
}

/* The answer is queued (or will never be): the last one wakes the writer,
 * which closes a connection whose client had ended its input. */
void
confab_broker_peer_release_answer (ConfabBrokerPeer *peer)
{
  g_return_if_fail (peer != NULL && peer->answers_pending > 0);

  if (--peer->answers_pending == 0 && peer->joined)
    peer->sink->wake (peer->sink_data);
}

guint
confab_broker_peer_get_answers_pending (const ConfabBrokerPeer *peer)
{
  return peer->answers_pending;
}

/* Writer side. A writer answers a wake with confab_broker_peer_ack_wake()
 * and then pops until the queue is empty or the socket is full; a push
 * after the answer wakes it again, so no message is left behind
 * unnoticed. */

/**
 * confab_broker_peer_ack_wake:
 *
 * The writer is about to drain the queue: the next push wakes it again.
 */
void
confab_broker_peer_ack_wake (ConfabBrokerPeer *peer)
{
  g_assert (peer->thread == g_thread_self ());

  peer->wake_pending = FALSE;
}

/* Answers the wake and takes the next message: a writer's whole turn
 * when it takes one message at a time (the tests). */
ConfabMessage *
confab_broker_peer_pop (ConfabBrokerPeer *peer)
{
  confab_broker_peer_ack_wake (peer);
  return confab_broker_peer_take (peer);
}

/*
 * confab_broker_peer_take:
 *
 * Takes the next message off the queue; from then on it is the writer's
 * (whose own buffer is bounded) and no longer counts against the limit.
 *
 * Returns: (transfer full) (nullable): the next message, or %NULL
 */
ConfabMessage *
confab_broker_peer_take (ConfabBrokerPeer *peer)
{
  ConfabMessage *message = confab_message_queue_pop (&peer->queue);

  if (message != NULL)
    {
      peer->queued_bytes -= confab_broker_peer_queue_cost (message);
      peer->messages_out++;
      peer->bytes_out += confab_broker_peer_measure (peer, message);
    }
  return message;
}

void
confab_broker_peer_received (ConfabBrokerPeer *peer,
                             gsize             bytes)
{
  peer->bytes_in += bytes;
}
