/* confab-message-queue.c: a peer's outgoing FIFO of messages.
 *
 * Why not a GAsyncQueue: each push there allocates a GList node and
 * takes a lock. In a room of 200 members a message is queued 199 times,
 * and those nodes, scattered through the heap and freed in another order
 * when the writers drain, were most of what a room message cost
 * (docs/performance.md, "Where confabd's time goes in a room").
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-message-queue.h"

/* The first ring's size (small: most idle peers hold one), and the
 * largest one kept once the queue has drained: a burst's ring is given
 * back, an everyday one reused. */
#define MIN_CAPACITY  4
#define KEEP_CAPACITY 256

void
confab_message_queue_init (ConfabMessageQueue *queue)
{
  *queue = (ConfabMessageQueue) { NULL, 0, 0, 0 };
}

/* Drops every queued message and the ring. */
void
confab_message_queue_clear (ConfabMessageQueue *queue)
{
  ConfabMessage *message;

  while ((message = confab_message_queue_pop (queue)) != NULL)
    confab_message_unref (message);
  g_clear_pointer (&queue->slots, g_free);
  queue->capacity = 0;
}

/* Doubles the ring, unrolling it so that head is 0 again. */
static void
grow (ConfabMessageQueue *queue)
{
  guint           capacity = queue->capacity != 0 ? queue->capacity * 2 : MIN_CAPACITY;
  ConfabMessage **slots = g_new (ConfabMessage *, capacity);
  guint           first = MIN (queue->length, queue->capacity - queue->head);

  g_assert (capacity > queue->capacity);

  if (queue->length > 0)
    {
      memcpy (slots, queue->slots + queue->head, first * sizeof (ConfabMessage *));
      memcpy (slots + first, queue->slots, (queue->length - first) * sizeof (ConfabMessage *));
    }
  g_free (queue->slots);
  queue->slots = slots;
  queue->capacity = capacity;
  queue->head = 0;
}

/* Appends @message; the queue takes over the caller's reference. */
void
confab_message_queue_push (ConfabMessageQueue *queue,
                           ConfabMessage      *message)
{
  if (queue->length == queue->capacity)
    grow (queue);
  queue->slots[(queue->head + queue->length) & (queue->capacity - 1)] = message;
  queue->length++;
}

/* Returns: (transfer full) (nullable): the oldest message, or %NULL */
ConfabMessage *
confab_message_queue_pop (ConfabMessageQueue *queue)
{
  ConfabMessage *message;

  if (queue->length == 0)
    return NULL;

  message = queue->slots[queue->head];
  queue->head = (queue->head + 1) & (queue->capacity - 1);
  if (--queue->length == 0)
    {
      queue->head = 0;
      if (queue->capacity > KEEP_CAPACITY)
        {
          g_clear_pointer (&queue->slots, g_free);
          queue->capacity = 0;
        }
    }
  return message;
}
