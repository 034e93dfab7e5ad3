/* confab-deadlines.h: many deadlines behind one GSource.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabDeadlines ConfabDeadlines;

typedef void (*ConfabDeadlineFunc) (gpointer user_data);

/*
 * ConfabDeadline:
 * One deadline, embedded in its owner (no allocation). Zero-initialised
 * is a valid, unarmed deadline. Only the queue writes its fields.
 */
typedef struct
{
  gint64             when_usec; /* monotonic time it is due */
  guint              index;     /* its place in the queue + 1; 0: not armed */
  ConfabDeadlineFunc func;
  gpointer           user_data;
} ConfabDeadline;

ConfabDeadlines *confab_deadlines_new (GMainContext *context);
void             confab_deadlines_free (ConfabDeadlines *self);
guint            confab_deadlines_get_n_armed (ConfabDeadlines *self);

void  confab_deadlines_arm (ConfabDeadlines   *self,
                            ConfabDeadline    *deadline,
                            gint64             when_usec,
                            ConfabDeadlineFunc func,
                            gpointer           user_data);
void  confab_deadlines_cancel (ConfabDeadlines *self,
                               ConfabDeadline  *deadline);
guint confab_deadlines_run_due (ConfabDeadlines *self,
                                gint64           now_usec,
                                guint            max_runs);

static inline gboolean
confab_deadline_is_armed (const ConfabDeadline *deadline)
{
  return deadline->index != 0;
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabDeadlines, confab_deadlines_free)

G_END_DECLS
