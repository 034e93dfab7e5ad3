/* test-message-queue.c: a peer's outgoing ring of messages.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-message-queue.h"

static ConfabMessage *
numbered (guint n)
{
  g_autofree char *text = g_strdup_printf ("%u", n);

  return confab_message_new_chat ("alice", NULL, 0, text, strlen (text), 0);
}

/* Pops one message and checks that it is number @n. */
static void
assert_pop (ConfabMessageQueue *queue,
            guint               n)
{
  g_autoptr(ConfabMessage) message = confab_message_queue_pop (queue);
  g_autofree char *expected = g_strdup_printf ("%u", n);

  g_assert_nonnull (message);
  g_assert_cmpstr (confab_message_get_text (message, NULL), ==, expected);
}

static void
test_fifo_across_growth (void)
{
  ConfabMessageQueue queue;
  guint              next_in = 0;
  guint              next_out = 0;

  g_test_summary ("Messages come out in the order they went in while the ring wraps "
                  "around and grows with its head in the middle");

  confab_message_queue_init (&queue);
  g_assert_null (confab_message_queue_pop (&queue));

  /* Each round pushes three and pops two, so the head moves on and the
   * ring grows while it is wrapped. */
  for (guint round = 0; round < 200; round++)
    {
      for (guint i = 0; i < 3; i++)
        confab_message_queue_push (&queue, numbered (next_in++));
      for (guint i = 0; i < 2; i++)
        assert_pop (&queue, next_out++);
      g_assert_cmpuint (confab_message_queue_get_length (&queue), ==, next_in - next_out);
    }
  while (next_out < next_in)
    assert_pop (&queue, next_out++);
  g_assert_null (confab_message_queue_pop (&queue));
  g_assert_cmpuint (confab_message_queue_get_length (&queue), ==, 0);

  confab_message_queue_clear (&queue);
}

static void
test_drained_ring_given_back (void)
{
  ConfabMessageQueue queue;

  g_test_summary ("A burst's large ring is freed once it drains; a small one is kept for reuse");

  confab_message_queue_init (&queue);
  for (guint i = 0; i < 1000; i++)
    confab_message_queue_push (&queue, numbered (i));
  g_assert_cmpuint (queue.capacity, >=, 1000);
  for (guint i = 0; i < 1000; i++)
    assert_pop (&queue, i);
  g_assert_null (queue.slots);
  g_assert_cmpuint (queue.capacity, ==, 0);

  confab_message_queue_push (&queue, numbered (0));
  assert_pop (&queue, 0);
  g_assert_nonnull (queue.slots);
  g_assert_cmpuint (queue.head, ==, 0);

  confab_message_queue_clear (&queue);
  g_assert_null (queue.slots);
}

static void
test_clear_drops_queued (void)
{
  ConfabMessageQueue queue;
  ConfabMessage     *kept = numbered (7);

  g_test_summary ("Clearing a queue that still holds messages drops its references and nothing more");

  confab_message_queue_init (&queue);
  for (guint i = 0; i < 5; i++)
    confab_message_queue_push (&queue, confab_message_ref (kept));
  confab_message_queue_clear (&queue);
  g_assert_cmpuint (confab_message_queue_get_length (&queue), ==, 0);
  /* Under ASan/valgrind: one reference is left, ours, and it frees. */
  confab_message_unref (kept);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/message-queue/fifo-across-growth", test_fifo_across_growth);
  g_test_add_func ("/message-queue/drained-ring-given-back", test_drained_ring_given_back);
  g_test_add_func ("/message-queue/clear-drops-queued", test_clear_drops_queued);

  return g_test_run ();
}
