/* confab-poller.h: many sockets watched through one GSource.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabPoller ConfabPoller;

/* Called with what the descriptor is ready for: G_IO_IN and G_IO_OUT as
 * asked, and G_IO_HUP / G_IO_ERR whenever they happen. */
typedef void (*ConfabWatchFunc) (GIOCondition condition,
                                 gpointer     user_data);

/*
 * ConfabWatch:
 * One descriptor's registration, embedded in its owner (no allocation).
 * Only the poller writes its fields after confab_watch_init().
 */
typedef struct
{
  int             fd;
  GIOCondition    events; /* G_IO_IN / G_IO_OUT asked for; 0: not watched */
  ConfabWatchFunc func;
  gpointer        user_data;
} ConfabWatch;

ConfabPoller *confab_poller_new (GMainContext *context,
                                 GError      **error);
void          confab_poller_free (ConfabPoller *poller);
guint         confab_poller_get_n_watched (ConfabPoller *poller);

void     confab_watch_init (ConfabWatch    *watch,
                            int             fd,
                            ConfabWatchFunc func,
                            gpointer        user_data);
gboolean confab_poller_set_events (ConfabPoller *poller,
                                   ConfabWatch  *watch,
                                   GIOCondition  events,
                                   GError      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabPoller, confab_poller_free)

G_END_DECLS
