/* confab-deadlines.c: many deadlines behind one GSource.
 *
 * GLib 2.74 runs every attached source's prepare and check in each
 * main-loop iteration, so a timeout GSource per connection (the login
 * timeout of thousands of connections that never log in, say) makes every
 * iteration, and so every other peer's round trip, cost O(connections).
 * Here all of a server's deadlines share one source: a binary min-heap
 * ordered by due time, whose earliest entry sets the source's ready time.
 * Arming, re-arming and cancelling cost O(log n); an iteration with
 * nothing due costs nothing more than one source.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-deadlines.h"

/* Deadlines run per dispatch; more that are due wait for the next
 * iteration, so that a crowd timing out at once cannot stall the loop. */
#define RUNS_PER_DISPATCH 1024

struct _ConfabDeadlines
{
  GSource          source;
  ConfabDeadline **heap; /* (owned) array of (unowned) entries */
  guint            len;
  guint            alloc;
};

/* Earlier first; equal times in no particular order. */
static inline gboolean
before (const ConfabDeadline *a,
        const ConfabDeadline *b)
{
  return a->when_usec < b->when_usec;
}

static inline void
place (ConfabDeadlines *self,
       guint            i,
       ConfabDeadline  *deadline)
{
  self->heap[i] = deadline;
  deadline->index = i + 1;
}

static void
sift_up (ConfabDeadlines *self,
         guint            i)
{
  ConfabDeadline *deadline = self->heap[i];

  while (i > 0)
    {
      guint parent = (i - 1) / 2;

      if (!before (deadline, self->heap[parent]))
        break;
      place (self, i, self->heap[parent]);
      i = parent;
    }
  place (self, i, deadline);
}

static void
sift_down (ConfabDeadlines *self,
           guint            i)
{
  ConfabDeadline *deadline = self->heap[i];

  for (;;)
    {
      guint child = 2 * i + 1;

      if (child >= self->len)
        break;
      if (child + 1 < self->len && before (self->heap[child + 1], self->heap[child]))
        child++;
      if (!before (self->heap[child], deadline))
        break;
      place (self, i, self->heap[child]);
      i = child;
    }
  place (self, i, deadline);
}

/* The source wakes for the earliest deadline, or not at all. */
static void
update_ready_time (ConfabDeadlines *self)
{
  g_source_set_ready_time (&self->source, self->len > 0 ? self->heap[0]->when_usec : -1);
}

static void
remove_at (ConfabDeadlines *self,
           guint            i)
{
  ConfabDeadline *last;

  self->heap[i]->index = 0;
  self->len--;
  if (i == self->len)
    return;

  last = self->heap[self->len];
  place (self, i, last);
  if (i > 0 && before (last, self->heap[(i - 1) / 2]))
    sift_up (self, i);
  else
    sift_down (self, i);
}

/**
 * confab_deadlines_arm:
 * @deadline: an unarmed or armed deadline; an armed one is moved
 * @when_usec: monotonic time it is due
 * @func: called once when it is due (it is unarmed by then, and may be
 *   armed again from there)
 */
void
confab_deadlines_arm (ConfabDeadlines   *self,
                      ConfabDeadline    *deadline,
                      gint64             when_usec,
                      ConfabDeadlineFunc func,
                      gpointer           user_data)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (deadline != NULL);
  g_return_if_fail (func != NULL);

  deadline->func = func;
  deadline->user_data = user_data;

  if (deadline->index != 0)
    {
      guint  i = deadline->index - 1;
      gint64 old = deadline->when_usec;

      g_assert (self->heap[i] == deadline);
      deadline->when_usec = when_usec;
      if (when_usec < old)
        sift_up (self, i);
      else
        sift_down (self, i);
    }
  else
    {
      if (self->len == self->alloc)
        {
          self->alloc = MAX (self->alloc * 2, 64);
          self->heap = g_renew (ConfabDeadline *, self->heap, self->alloc);
        }
      deadline->when_usec = when_usec;
      self->heap[self->len] = deadline;
      self->len++;
      sift_up (self, self->len - 1);
    }
  update_ready_time (self);
}

/* Unarms @deadline; harmless if it is not armed. */
void
confab_deadlines_cancel (ConfabDeadlines *self,
                         ConfabDeadline  *deadline)
{
  gboolean was_first;

  g_return_if_fail (self != NULL);
  g_return_if_fail (deadline != NULL);

  if (deadline->index == 0)
    return;

  g_assert (self->heap[deadline->index - 1] == deadline);
  was_first = deadline->index == 1;
  remove_at (self, deadline->index - 1);
  if (was_first)
    update_ready_time (self);
}

/**
 * confab_deadlines_run_due:
 * @now_usec: the current monotonic time
 * @max_runs: at most this many are run
 *
 * Runs the deadlines due at @now_usec, earliest first. The source does
 * this by itself; tests call it with a time of their own.
 *
 * Returns: how many ran
 */
guint
confab_deadlines_run_due (ConfabDeadlines *self,
                          gint64           now_usec,
                          guint            max_runs)
{
  guint runs = 0;

  g_return_val_if_fail (self != NULL, 0);

  while (runs < max_runs && self->len > 0 && self->heap[0]->when_usec <= now_usec)
    {
      ConfabDeadline *deadline = self->heap[0];

      remove_at (self, 0);
      runs++;
      /* Unarmed before the call: the callback may arm it again, cancel
       * others or free its owner. */
      deadline->func (deadline->user_data);
    }
  update_ready_time (self);
  return runs;
}

guint
confab_deadlines_get_n_armed (ConfabDeadlines *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->len;
}

static gboolean
deadlines_dispatch (GSource    *source,
                    GSourceFunc callback,
                    gpointer    user_data)
{
  ConfabDeadlines *self = (ConfabDeadlines *) source;

  confab_deadlines_run_due (self, g_source_get_time (source), RUNS_PER_DISPATCH);
  return G_SOURCE_CONTINUE;
}

static void
deadlines_finalize (GSource *source)
{
  ConfabDeadlines *self = (ConfabDeadlines *) source;

  for (guint i = 0; i < self->len; i++)
    self->heap[i]->index = 0;
  g_free (self->heap);
}

static GSourceFuncs deadlines_funcs = {
  .dispatch = deadlines_dispatch,
  .finalize = deadlines_finalize,
};

/**
 * confab_deadlines_new:
 * @context: (nullable): where to dispatch; NULL for the global default
 *
 * Returns: (transfer full): an empty queue, attached to @context
 */
ConfabDeadlines *
confab_deadlines_new (GMainContext *context)
{
  ConfabDeadlines *self;

  self = (ConfabDeadlines *) g_source_new (&deadlines_funcs, sizeof (ConfabDeadlines));
  g_source_set_name (&self->source, "confab deadlines");
  /* Callbacks never run the main loop; see confab-poller.c. */
  g_source_set_can_recurse (&self->source, TRUE);
  g_source_attach (&self->source, context);
  return self;
}

/* Detaches the queue; what is still armed is unarmed, never run. */
void
confab_deadlines_free (ConfabDeadlines *self)
{
  g_return_if_fail (self != NULL);

  g_source_destroy (&self->source);
  g_source_unref (&self->source);
}
