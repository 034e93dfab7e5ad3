/* confab-framer.h: incremental byte stream → line splitter.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * ConfabFramer:
 *
 * Splits a byte stream into lines ended by '\n'. Complete lines are handed
 * out straight from the caller's buffer (no copy); only an unfinished line
 * is kept, in @pending, allocated while one exists and freed once it is
 * completed, so an idle connection holds no buffer at all. Meant to be
 * embedded in a connection object; zero-initialised is a valid state.
 */
typedef struct
{
  char *pending; /* (owned) (nullable): bytes of the unfinished line */
  gsize pending_len;
  gsize pending_alloc;
} ConfabFramer;

typedef enum
{
  CONFAB_FRAMER_OK,       /* all input consumed */
  CONFAB_FRAMER_STOPPED,  /* the callback returned FALSE; rest of input ignored */
  CONFAB_FRAMER_TOO_LONG, /* a line exceeded max_line; framer is cleared */
} ConfabFramerStatus;

/*
 * ConfabFramerLineFunc:
 * @line: the line's bytes, without the '\n' and without one trailing '\r';
 *   line[len] is '\0' (the framer writes it), but the line itself may hold
 *   NUL bytes, so use @len.
 * @len: length in bytes
 *
 * Returns: FALSE to stop framing (e.g. the connection is being closed).
 *   The framer does not touch itself after a FALSE, so the callback may
 *   have cleared or freed it; it may also call confab_framer_clear() and
 *   return TRUE (framing then goes on with the rest of the input).
 */
typedef gboolean (*ConfabFramerLineFunc) (char    *line,
                                          gsize    len,
                                          gpointer user_data);

void confab_framer_init (ConfabFramer *self);
void confab_framer_clear (ConfabFramer *self);

/*
 * confab_framer_feed:
 * @data: received bytes; the framer may modify them in place (it writes
 *   the terminating '\0' over the '\n'), so pass a writable buffer.
 * @max_line: the longest allowed line in bytes, not counting "\n" or
 *   "\r\n". A line longer than that returns CONFAB_FRAMER_TOO_LONG as soon
 *   as it is known to be too long (without waiting for its newline), so
 *   memory stays bounded by @max_line + 2. A partial line of @max_line + 1
 *   bytes is kept only if its last byte is '\r'.
 *
 * Lines are handed out in order; lines completed before an overlong one
 * in the same @data have been handed out when TOO_LONG is returned.
 */
ConfabFramerStatus confab_framer_feed (ConfabFramer        *self,
                                       char                *data,
                                       gsize                len,
                                       gsize                max_line,
                                       ConfabFramerLineFunc func,
                                       gpointer             user_data);

/* TRUE if an unfinished line is held (a "half line" at EOF). */
gboolean confab_framer_has_pending (const ConfabFramer *self);

G_END_DECLS
