/* confab-poller.c: many sockets watched through one GSource.
 *
 * GLib 2.74's main loop polls every descriptor and runs every source's
 * prepare and check in each iteration, so an iteration costs O(number of
 * connections) even when one of them is ready: with thousands of mostly
 * idle clients that cost bounds the login rate and adds to every line.
 * The poller keeps the connections in an epoll set instead; the main
 * loop polls only the epoll descriptor, and a dispatch costs O(ready).
 * It also spares each connection a GSource and its poll record.
 *
 * Level-triggered, like a GSource's poll: a descriptor stays ready until
 * it is read or written, so nothing is lost when one dispatch handles
 * only part of what is ready.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <gio/gio.h>

#include "confab-poller.h"

/* Ready descriptors taken per dispatch; more wait for the next one. */
#define BATCH_SIZE 256

struct _ConfabPoller
{
  GSource source;
  int     epfd;
  guint   n_watched;
  /* The batch being dispatched: a watch removed by a callback is cleared
   * from the rest of it, so no callback runs for a freed owner. */
  struct epoll_event batch[BATCH_SIZE];
  int                batch_len;
  int                batch_pos;
};

static guint32
to_epoll (GIOCondition events)
{
  return ((events & G_IO_IN) ? EPOLLIN : 0) | ((events & G_IO_OUT) ? EPOLLOUT : 0);
}

static GIOCondition
from_epoll (guint32 events)
{
  return ((events & EPOLLIN) ? G_IO_IN : 0) |
         ((events & EPOLLOUT) ? G_IO_OUT : 0) |
         ((events & EPOLLHUP) ? G_IO_HUP : 0) |
         ((events & EPOLLERR) ? G_IO_ERR : 0);
}

static gboolean
poller_dispatch (GSource    *source,
                 GSourceFunc callback,
                 gpointer    user_data)
{
  ConfabPoller *self = (ConfabPoller *) source;
  int           n;

  do
    n = epoll_wait (self->epfd, self->batch, BATCH_SIZE, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0)
    {
      g_critical ("epoll_wait failed: %s", g_strerror (errno));
      return G_SOURCE_CONTINUE;
    }

  self->batch_len = n;
  for (self->batch_pos = 0; self->batch_pos < self->batch_len; self->batch_pos++)
    {
      ConfabWatch *watch = self->batch[self->batch_pos].data.ptr;
      GIOCondition ready;

      if (watch == NULL)
        continue; /* removed by an earlier callback of this batch */
      /* Only what is still asked for: an earlier callback of this batch
       * may have changed it. */
      ready = from_epoll (self->batch[self->batch_pos].events) &
              (watch->events | G_IO_HUP | G_IO_ERR);
      if (ready != 0)
        watch->func (ready, watch->user_data);
    }
  self->batch_len = 0;
  self->batch_pos = 0;
  return G_SOURCE_CONTINUE;
}

static void
poller_finalize (GSource *source)
{
  ConfabPoller *self = (ConfabPoller *) source;

  if (self->epfd >= 0)
    close (self->epfd);
}

static GSourceFuncs poller_funcs = {
  .dispatch = poller_dispatch,
  .finalize = poller_finalize,
};

/**
 * confab_poller_new:
 * @context: (nullable): where to dispatch; NULL for the global default
 *
 * Returns: (transfer full): a poller attached to @context, or NULL if the
 *   kernel gives no epoll descriptor
 */
ConfabPoller *
confab_poller_new (GMainContext *context,
                   GError      **error)
{
  ConfabPoller *self;
  int           epfd;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "epoll_create1: %s", g_strerror (saved_errno));
      return NULL;
    }

  self = (ConfabPoller *) g_source_new (&poller_funcs, sizeof (ConfabPoller));
  self->epfd = epfd;
  g_source_set_name (&self->source, "confab sockets");
  /* Nothing dispatched from here runs the main loop, so there is no
   * recursion, and blocking the source around each dispatch would only
   * cost a walk of the poll list. */
  g_source_set_can_recurse (&self->source, TRUE);
  g_source_add_unix_fd (&self->source, epfd, G_IO_IN);
  g_source_attach (&self->source, context);
  return self;
}

/* Detaches the poller; every watch must have been set to no events. */
void
confab_poller_free (ConfabPoller *poller)
{
  g_return_if_fail (poller != NULL);

  if (poller->n_watched > 0)
    g_warning ("a poller is freed with %u descriptors still watched", poller->n_watched);
  g_source_destroy (&poller->source);
  g_source_unref (&poller->source);
}

guint
confab_poller_get_n_watched (ConfabPoller *poller)
{
  g_return_val_if_fail (poller != NULL, 0);

  return poller->n_watched;
}

void
confab_watch_init (ConfabWatch    *watch,
                   int             fd,
                   ConfabWatchFunc func,
                   gpointer        user_data)
{
  g_return_if_fail (watch != NULL);
  g_return_if_fail (fd >= 0);
  g_return_if_fail (func != NULL);

  watch->fd = fd;
  watch->events = 0;
  watch->func = func;
  watch->user_data = user_data;
}

/* A watch that is removed or changed may still be in the batch being
 * dispatched: clear it there, so a stale readiness is never delivered. */
static void
forget_pending (ConfabPoller *self,
                ConfabWatch  *watch)
{
  for (int i = self->batch_pos + 1; i < self->batch_len; i++)
    if (self->batch[i].data.ptr == watch)
      self->batch[i].data.ptr = NULL;
}

/**
 * confab_poller_set_events:
 * @events: G_IO_IN and/or G_IO_OUT to watch for, or 0 to stop watching
 *
 * Must be set to 0 before the descriptor is closed or the watch freed.
 * Changing only what is asked for keeps the watch's place: a pending
 * readiness in the current batch is still delivered, filtered by @events.
 */
gboolean
confab_poller_set_events (ConfabPoller *poller,
                          ConfabWatch  *watch,
                          GIOCondition  events,
                          GError      **error)
{
  struct epoll_event ev = { 0 };
  int                saved_errno = 0;
  int                op;

  g_return_val_if_fail (poller != NULL, FALSE);
  g_return_val_if_fail (watch != NULL && watch->func != NULL, FALSE);
  g_return_val_if_fail ((events & ~(G_IO_IN | G_IO_OUT)) == 0, FALSE);

  if (events == watch->events)
    return TRUE;

  if (events == 0)
    op = EPOLL_CTL_DEL;
  else if (watch->events == 0)
    op = EPOLL_CTL_ADD;
  else
    op = EPOLL_CTL_MOD;

  ev.events = to_epoll (events);
  ev.data.ptr = watch;
  if (epoll_ctl (poller->epfd, op, watch->fd, &ev) != 0)
    saved_errno = errno;

  if (op == EPOLL_CTL_DEL)
    {
      /* Not watched afterwards even if the kernel said no: the
       * descriptor is then gone already. */
      poller->n_watched--;
      forget_pending (poller, watch);
      watch->events = 0;
    }
  else if (saved_errno == 0)
    {
      poller->n_watched += op == EPOLL_CTL_ADD;
      watch->events = events;
    }

  if (saved_errno != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "epoll_ctl: %s", g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}
