/* confab-history-checkpointer.h: WAL checkpoints in a thread of their own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The WAL's length, in pages, at which a checkpoint is asked for:
 * SQLite's own default for its automatic checkpoints. */
#define CONFAB_HISTORY_CHECKPOINT_PAGES 1000

typedef struct _ConfabHistoryCheckpointer ConfabHistoryCheckpointer;

ConfabHistoryCheckpointer *confab_history_checkpointer_new (const char *path,
                                                            GError    **error);
void                       confab_history_checkpointer_request (ConfabHistoryCheckpointer *self);
void                       confab_history_checkpointer_free (ConfabHistoryCheckpointer *self);

G_END_DECLS
