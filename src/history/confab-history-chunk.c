/* confab-history-chunk.c: the messages of one run in one blob.
 *
 * Since schema version 4 a room's messages are not a row each: the
 * messages of one run (one room, consecutive ids, times that do not go
 * back; see confab-history-db-rooms.c) are one row of room_chunk, whose
 * blob holds them one after another. A SQLite row costs the same few
 * thousand instructions to insert whether it holds one message or a
 * thousand, so this makes the insert's cost per message a small one.
 *
 * A message in the blob, all integers little-endian so that the file
 * reads the same on any machine:
 *
 *   time_usec   8 bytes, two's complement
 *   room_len    4 bytes   \
 *   sender_len  4 bytes    } lengths without the NUL
 *   text_len    4 bytes   /
 *   room, sender, text, each followed by a NUL
 *
 * The n-th message of a chunk (from 0) has the id first_id + n. The
 * reader checks every length against what is left and every NUL, so
 * that a damaged blob is an error (CORRUPT), not a read past its end.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "confab-history-chunk.h"
#include "confab-history-error.h"

#define HEADER_SIZE 20

static void
put_u32 (guint8 *p,
         guint32 v)
{
  v = GUINT32_TO_LE (v);
  memcpy (p, &v, sizeof v);
}

static guint32
get_u32 (const guint8 *p)
{
  guint32 v;

  memcpy (&v, p, sizeof v);
  return GUINT32_FROM_LE (v);
}

/* Appends @entry's message to @chunk. */
void
confab_history_chunk_append (GByteArray                    *chunk,
                             const ConfabHistoryChunkEntry *entry)
{
  gsize   at = chunk->len;
  guint64 time = GUINT64_TO_LE ((guint64) entry->time_usec);
  guint8 *p;

  g_byte_array_set_size (chunk, chunk->len + HEADER_SIZE + entry->room_len + entry->sender_len + entry->text_len + 3);
  p = chunk->data + at;
  memcpy (p, &time, sizeof time);
  put_u32 (p + 8, entry->room_len);
  put_u32 (p + 12, entry->sender_len);
  put_u32 (p + 16, entry->text_len);
  p += HEADER_SIZE;
  memcpy (p, entry->room, entry->room_len);
  p[entry->room_len] = '\0';
  p += entry->room_len + 1;
  memcpy (p, entry->sender, entry->sender_len);
  p[entry->sender_len] = '\0';
  p += entry->sender_len + 1;
  memcpy (p, entry->text, entry->text_len);
  p[entry->text_len] = '\0';
}

void
confab_history_chunk_reader_init (ConfabHistoryChunkReader *reader,
                                  gconstpointer             data,
                                  gsize                     size)
{
  reader->start = data;
  reader->next = data;
  reader->end = reader->next + (data != NULL ? size : 0);
}

/* Takes one string of @len bytes and its NUL from @p, within @left. */
static const char *
take_string (const guint8 **p,
             gsize         *left,
             guint32        len)
{
  const char *s = (const char *) *p;

  if (*left < (gsize) len + 1 || (*p)[len] != '\0' || memchr (s, '\0', len) != NULL)
    return NULL;
  *p += (gsize) len + 1;
  *left -= (gsize) len + 1;
  return s;
}

/**
 * confab_history_chunk_reader_next:
 *
 * Returns: %TRUE with the next message in @entry; %FALSE at the end
 *   (without @error) or for a damaged chunk (@error CORRUPT)
 */
gboolean
confab_history_chunk_reader_next (ConfabHistoryChunkReader *reader,
                                  ConfabHistoryChunkEntry  *entry,
                                  GError                  **error)
{
  const guint8 *p = reader->next;
  gsize         left = (gsize) (reader->end - p);
  guint64       time;

  if (left == 0)
    return FALSE;
  if (left < HEADER_SIZE)
    goto damaged;
  entry->offset = (gsize) (p - reader->start);
  memcpy (&time, p, sizeof time);
  entry->time_usec = (gint64) GUINT64_FROM_LE (time);
  entry->room_len = get_u32 (p + 8);
  entry->sender_len = get_u32 (p + 12);
  entry->text_len = get_u32 (p + 16);
  p += HEADER_SIZE;
  left -= HEADER_SIZE;
  if ((entry->room = take_string (&p, &left, entry->room_len)) == NULL ||
      (entry->sender = take_string (&p, &left, entry->sender_len)) == NULL ||
      (entry->text = take_string (&p, &left, entry->text_len)) == NULL)
    goto damaged;
  reader->next = p;
  return TRUE;

damaged:
  g_set_error_literal (error, CONFAB_HISTORY_ERROR, CONFAB_HISTORY_ERROR_CORRUPT,
                       _ ("a chunk of room messages in the history file is damaged"));
  reader->next = reader->end;
  return FALSE;
}
