/* confab-history-chunk.h: the messages of one run in one blob.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest gap between two messages of one run (and so of a chunk). */
#define CONFAB_HISTORY_RUN_GAP_MAX_USEC G_USEC_PER_SEC
/* A run is cut at this many messages, or once its chunk has this many
 * bytes: a query reads a whole chunk to take a few of its messages, and
 * pruning part of one writes the rest again, so neither may grow with
 * the batch. Past a few hundred messages a row, SQLite's cost per
 * message is already small. */
#define CONFAB_HISTORY_CHUNK_MAX_MESSAGES 256
#define CONFAB_HISTORY_CHUNK_MAX_BYTES    (64 * 1024)

/* One message of a chunk. The strings point into the chunk (or the
 * writer's buffers) and are NUL-terminated; the lengths leave the NUL
 * out. */
typedef struct
{
  gint64      time_usec;
  const char *room;
  const char *sender;
  const char *text;
  guint32     room_len;
  guint32     sender_len;
  guint32     text_len;
  gsize       offset; /* where it starts in its chunk (when read) */
} ConfabHistoryChunkEntry;

void confab_history_chunk_append (GByteArray                    *chunk,
                                  const ConfabHistoryChunkEntry *entry);

/* Reads a chunk's messages in order, checking each before it is given. */
typedef struct
{
  const guint8 *start;
  const guint8 *next;
  const guint8 *end;
} ConfabHistoryChunkReader;

void     confab_history_chunk_reader_init (ConfabHistoryChunkReader *reader,
                                           gconstpointer             data,
                                           gsize                     size);
gboolean confab_history_chunk_reader_next (ConfabHistoryChunkReader *reader,
                                           ConfabHistoryChunkEntry  *entry,
                                           GError                  **error);

G_END_DECLS
