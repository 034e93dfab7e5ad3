/* confab-message-queue.h: a peer's outgoing FIFO of messages.
 *
 * A ring of message pointers that grows by doubling: queuing a copy is a
 * pointer store and taking one a pointer load, with no allocation per
 * message and the queued copies next to each other in memory. It is
 * touched from the main context only (confab-broker-peer.c says why), so
 * it has no lock.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-message.h"

G_BEGIN_DECLS

typedef struct
{
  ConfabMessage **slots;    /* (owned) (nullable): capacity entries; head..head+length hold refs */
  guint           capacity; /* 0 or a power of two */
  guint           head;
  guint           length;
} ConfabMessageQueue;

/* The memory one queued message takes in the ring at most: its slot, and
 * as much again while the ring is at most half full after growing. */
#define CONFAB_MESSAGE_QUEUE_SLOT_COST (2 * sizeof (gpointer))

void           confab_message_queue_init (ConfabMessageQueue *queue);
void           confab_message_queue_clear (ConfabMessageQueue *queue);
void           confab_message_queue_push (ConfabMessageQueue *queue,
                                          ConfabMessage      *message);
ConfabMessage *confab_message_queue_pop (ConfabMessageQueue *queue);

static inline guint
confab_message_queue_get_length (const ConfabMessageQueue *queue)
{
  return queue->length;
}

G_END_DECLS
