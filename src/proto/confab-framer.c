/* confab-framer.c: incremental byte stream → line splitter.
 *
 * Lines that arrive whole are handed out from the caller's buffer; only a
 * line split across reads is copied, into a buffer that never grows past
 * max_line + 2 bytes (the line, a '\r' that may yet turn out to end it, and
 * the terminating NUL) and is freed as soon as the line completes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-framer.h"

/* Small lines split across reads are common; start big enough that they
 * never need a second allocation. */
#define PENDING_MIN_ALLOC 128

void
confab_framer_init (ConfabFramer *self)
{
  g_return_if_fail (self != NULL);

  self->pending = NULL;
  self->pending_len = 0;
  self->pending_alloc = 0;
}

void
confab_framer_clear (ConfabFramer *self)
{
  g_return_if_fail (self != NULL);

  g_clear_pointer (&self->pending, g_free);
  self->pending_len = 0;
  self->pending_alloc = 0;
}

gboolean
confab_framer_has_pending (const ConfabFramer *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->pending_len > 0;
}

/* Makes room for @needed bytes; @cap (max_line + 2) bounds the geometric
 * growth so that a peer cannot make us hold more than a line's worth. */
static void
pending_reserve (ConfabFramer *self,
                 gsize         needed,
                 gsize         cap)
{
  gsize alloc;

  if (needed <= self->pending_alloc)
    return;

  alloc = MAX (self->pending_alloc * 2, PENDING_MIN_ALLOC);
  alloc = MIN (alloc, cap);
  alloc = MAX (alloc, needed);

  self->pending = g_realloc (self->pending, alloc);
  self->pending_alloc = alloc;
}

ConfabFramerStatus
confab_framer_feed (ConfabFramer        *self,
                    char                *data,
                    gsize                len,
                    gsize                max_line,
                    ConfabFramerLineFunc func,
                    gpointer             user_data)
{
  char *p;
  char *end;
  gsize cap;

  g_return_val_if_fail (self != NULL, CONFAB_FRAMER_STOPPED);
  g_return_val_if_fail (data != NULL || len == 0, CONFAB_FRAMER_STOPPED);
  g_return_val_if_fail (func != NULL, CONFAB_FRAMER_STOPPED);

  /* Nothing to do; and NULL + 0 below would be undefined behaviour. */
  if (len == 0)
    return CONFAB_FRAMER_OK;

  /* Keep max_line + 2 from wrapping for an "unlimited" G_MAXSIZE. */
  max_line = MIN (max_line, G_MAXSIZE - 2);
  cap = max_line + 2;
  p = data;
  end = data + len;

  while (p < end)
    {
      char *nl = memchr (p, '\n', end - p);
      gsize chunk;

      if (nl == NULL)
        {
          /* An unfinished line: keep it, unless it is already too long.
           * max_line + 1 bytes are still fine if the last is a '\r',
           * since a '\n' may follow and make it the line's end. */
          gsize new_len;

          chunk = end - p;
          new_len = self->pending_len + chunk;
          if (new_len > max_line + 1 ||
              (new_len == max_line + 1 && end[-1] != '\r'))
            {
              confab_framer_clear (self);
              return CONFAB_FRAMER_TOO_LONG;
            }

          pending_reserve (self, new_len + 1, cap);
          memcpy (self->pending + self->pending_len, p, chunk);
          self->pending_len = new_len;
          return CONFAB_FRAMER_OK;
        }

      chunk = nl - p;

      if (self->pending_len == 0)
        {
          /* The whole line is in @data: hand it out in place. */
          gsize    line_len = chunk;
          gboolean go_on;

          if (line_len > 0 && p[line_len - 1] == '\r')
            line_len--;
          if (line_len > max_line)
            return CONFAB_FRAMER_TOO_LONG;

          p[line_len] = '\0';
          go_on = func (p, line_len, user_data);
          if (!go_on)
            return CONFAB_FRAMER_STOPPED;
        }
      else
        {
          /* The line started in an earlier feed: finish it in @pending. */
          gsize            total = self->pending_len + chunk;
          char             last = chunk > 0 ? p[chunk - 1] : self->pending[self->pending_len - 1];
          gsize            line_len = last == '\r' ? total - 1 : total;
          g_autofree char *line = NULL;
          gboolean         go_on;

          if (line_len > max_line)
            {
              confab_framer_clear (self);
              return CONFAB_FRAMER_TOO_LONG;
            }

          /* Copy only what belongs to the line; a '\r' being stripped is
           * overwritten by the NUL, or was already in @pending. */
          if (line_len > self->pending_len)
            {
              pending_reserve (self, line_len + 1, cap);
              memcpy (self->pending + self->pending_len, p,
                      line_len - self->pending_len);
            }
          self->pending[line_len] = '\0';

          /* Detach the buffer before the callback runs, so that the
           * callback may clear or reuse the framer (say, while closing
           * the connection) without a double free. */
          line = g_steal_pointer (&self->pending);
          self->pending_len = 0;
          self->pending_alloc = 0;

          go_on = func (line, line_len, user_data);
          if (!go_on)
            return CONFAB_FRAMER_STOPPED;
        }

      p = nl + 1;
    }

  return CONFAB_FRAMER_OK;
}
