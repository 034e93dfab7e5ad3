/* confab-output-scheduler.c: what the connections of one server share.
 *
 * A connection needs a receive buffer and a send buffer only while it is
 * being served, and everything runs on one main context, so one of each
 * serves every connection of a server. Its socket is watched in one
 * poller (confab-poller.c) and its timers are entries in one deadline
 * queue (confab-deadlines.c). Output is sent from one GSource, once per
 * main-loop iteration: a connection with something to send puts itself
 * on the flush list (a wake from the broker, a reply, a closing error
 * line), and the source calls each one's flush function in turn.
 *
 * The scheduler knows nothing of connections: an entry is a list node
 * and a function, and the object it is kept in is only referenced.
 * Owned by the server (confab-server.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-output-scheduler.h"

#define RECV_BUF_SIZE (64 * 1024)
#define SEND_BUF_SIZE (64 * 1024)

typedef struct
{
  GSource                source;
  ConfabOutputScheduler *scheduler; /* (unowned) */
} FlushSource;

struct _ConfabOutputScheduler
{
  char            *recv_buf;     /* (owned) */
  char            *send_buf;     /* (owned) */
  GString         *scratch;      /* (owned): a line made for one recipient, copied out at once */
  GQueue           flush_queue;  /* ConfabFlushEntry, each holding a ref */
  GSource         *flush_source; /* (owned) */
  ConfabPoller    *poller;       /* (owned): every connection's socket */
  ConfabDeadlines *deadlines;    /* (owned): every connection's timers */
};

static gboolean
flush_source_dispatch (GSource    *source,
                       GSourceFunc callback,
                       gpointer    user_data)
{
  ConfabOutputScheduler *self = ((FlushSource *) source)->scheduler;
  guint                  n = self->flush_queue.length;

  g_source_set_ready_time (source, -1);

  /* Only the entries queued so far: one flushed now that needs another
   * turn re-queues itself for the next iteration. */
  for (guint i = 0; i < n; i++)
    {
      GList            *link = g_queue_pop_head_link (&self->flush_queue);
      ConfabFlushEntry *entry = (ConfabFlushEntry *) link;
      gpointer          object;

      if (link == NULL)
        break;
      object = link->data;
      link->data = NULL;
      entry->func (object);
      g_object_unref (object);
    }
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs flush_source_funcs = {
  .dispatch = flush_source_dispatch,
};

/* Returns: (transfer full): a scheduler attached to @context, or NULL if
 *   the kernel would not give it a poller */
ConfabOutputScheduler *
confab_output_scheduler_new (GMainContext *context,
                             GError      **error)
{
  ConfabOutputScheduler *self = g_new0 (ConfabOutputScheduler, 1);

  self->poller = confab_poller_new (context, error);
  if (self->poller == NULL)
    {
      g_free (self);
      return NULL;
    }
  self->deadlines = confab_deadlines_new (context);
  /* Cleared, so they are resident from the start: they are the daemon's
   * fixed cost, not growth under load. */
  self->recv_buf = g_malloc0 (RECV_BUF_SIZE);
  self->send_buf = g_malloc0 (SEND_BUF_SIZE);
  self->scratch = g_string_sized_new (1024);
  g_queue_init (&self->flush_queue);

  /* Same priority as the sockets: a flush runs in every iteration that
   * reads, so output is never starved by a busy input side. */
  self->flush_source = g_source_new (&flush_source_funcs, sizeof (FlushSource));
  ((FlushSource *) self->flush_source)->scheduler = self;
  g_source_set_name (self->flush_source, "confab flush");
  g_source_attach (self->flush_source, context);
  return self;
}

void
confab_output_scheduler_free (ConfabOutputScheduler *self)
{
  GList *link;

  while ((link = g_queue_pop_head_link (&self->flush_queue)) != NULL)
    {
      gpointer object = link->data;

      link->data = NULL;
      g_object_unref (object);
    }
  g_source_destroy (self->flush_source);
  g_source_unref (self->flush_source);
  g_clear_pointer (&self->poller, confab_poller_free);
  g_clear_pointer (&self->deadlines, confab_deadlines_free);
  g_free (self->recv_buf);
  g_free (self->send_buf);
  g_string_free (self->scratch, TRUE);
  g_free (self);
}

/* Where a writer makes the bytes of a line meant for its connection
 * alone (confab_codec_message_bytes_for()); each writer copies them out
 * before the next is made, so all share one. */
GString *
confab_output_scheduler_get_scratch (ConfabOutputScheduler *self)
{
  return self->scratch;
}

ConfabPoller *
confab_output_scheduler_get_poller (ConfabOutputScheduler *self)
{
  return self->poller;
}

ConfabDeadlines *
confab_output_scheduler_get_deadlines (ConfabOutputScheduler *self)
{
  return self->deadlines;
}

/* Returns: (transfer none): the buffer every connection reads into */
char *
confab_output_scheduler_get_recv_buffer (ConfabOutputScheduler *self,
                                         gsize                 *size)
{
  *size = RECV_BUF_SIZE;
  return self->recv_buf;
}

/* Returns: (transfer none): the buffer every connection gathers its
 *   output in before one send */
char *
confab_output_scheduler_get_send_buffer (ConfabOutputScheduler *self,
                                         gsize                 *size)
{
  *size = SEND_BUF_SIZE;
  return self->send_buf;
}

void
confab_flush_entry_init (ConfabFlushEntry *entry,
                         ConfabFlushFunc   func)
{
  entry->link.data = entry->link.next = entry->link.prev = NULL;
  entry->func = func;
}

gboolean
confab_flush_entry_is_scheduled (const ConfabFlushEntry *entry)
{
  return entry->link.data != NULL;
}

/**
 * confab_output_scheduler_add:
 * @entry: kept in @object
 * @object: (type GObject): referenced until its flush has run
 *
 * Flushes @object in the next iteration, once however often it is added.
 */
void
confab_output_scheduler_add (ConfabOutputScheduler *self,
                             ConfabFlushEntry      *entry,
                             gpointer               object)
{
  if (entry->link.data != NULL)
    return;

  entry->link.data = g_object_ref (object);
  g_queue_push_tail_link (&self->flush_queue, &entry->link);
  g_source_set_ready_time (self->flush_source, 0);
}

void
confab_output_scheduler_remove (ConfabOutputScheduler *self,
                                ConfabFlushEntry      *entry)
{
  gpointer object = entry->link.data;

  if (object == NULL)
    return;

  g_queue_unlink (&self->flush_queue, &entry->link);
  entry->link.data = NULL;
  /* The list's reference: the caller still holds its own. */
  g_object_unref (object);
}
