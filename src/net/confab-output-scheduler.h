/* confab-output-scheduler.h: what the connections of one server share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "confab-deadlines.h"
#include "confab-poller.h"

G_BEGIN_DECLS

typedef struct _ConfabOutputScheduler ConfabOutputScheduler;

typedef void (*ConfabFlushFunc) (gpointer object);

/*
 * ConfabFlushEntry:
 * A place in the flush list, kept in the object that is flushed, so that
 * scheduling a flush allocates nothing. While scheduled, @link.data
 * holds a reference to the object.
 */
typedef struct
{
  GList           link; /* first: the list's node is the entry */
  ConfabFlushFunc func;
} ConfabFlushEntry;

ConfabOutputScheduler *confab_output_scheduler_new (GMainContext *context,
                                                    GError      **error);
void                   confab_output_scheduler_free (ConfabOutputScheduler *self);

ConfabPoller    *confab_output_scheduler_get_poller (ConfabOutputScheduler *self);
ConfabDeadlines *confab_output_scheduler_get_deadlines (ConfabOutputScheduler *self);
char            *confab_output_scheduler_get_recv_buffer (ConfabOutputScheduler *self,
                                                          gsize                 *size);
char            *confab_output_scheduler_get_send_buffer (ConfabOutputScheduler *self,
                                                          gsize                 *size);
GString         *confab_output_scheduler_get_scratch (ConfabOutputScheduler *self);

void     confab_flush_entry_init (ConfabFlushEntry *entry,
                                  ConfabFlushFunc   func);
gboolean confab_flush_entry_is_scheduled (const ConfabFlushEntry *entry);
void     confab_output_scheduler_add (ConfabOutputScheduler *self,
                                      ConfabFlushEntry      *entry,
                                      gpointer               object);
void     confab_output_scheduler_remove (ConfabOutputScheduler *self,
                                         ConfabFlushEntry      *entry);

G_END_DECLS
