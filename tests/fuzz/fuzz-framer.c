/* fuzz-framer.c: the line framer against a model of itself.
 *
 * Input: two bytes choose max_line (0 to 512, or "unlimited"), one byte a
 * line whose callback stops framing (or, with the top bit set, clears the
 * framer and goes on), one byte the number of cuts and that many bytes
 * the chunk lengths; the rest is the byte stream, fed in those chunks
 * (the last chunk takes what is left). Each chunk sits in a buffer of its
 * exact size, so ASan sees any access outside what recv() would fill.
 *
 * Checked: every line handed out has no '\n', is NUL-terminated, is at
 * most max_line bytes and is exactly the line a plain split of the whole
 * stream gives; the status (OK, STOPPED, TOO_LONG) is the one the model
 * predicts; the half line kept between feeds stays under max_line + 2
 * bytes of memory.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-framer.h"
#include "fuzz-common.h"

#define MAX_CUTS 32

typedef struct
{
  const char   *stream; /* the whole stream, for the model */
  gsize         stream_len;
  gsize         max_line; /* what the model applies */
  ConfabFramer *framer;
  gsize         model_pos; /* where the model's next line starts */
  guint         n_lines;
  guint         action_at; /* 1-based line that stops or clears; 0: none */
  gboolean      clear;     /* clear and go on instead of stopping */
} Run;

/* The model: the next complete line of the whole stream from model_pos,
 * without its '\n' and one trailing '\r'. Returns FALSE if none is left. */
static gboolean
model_next_line (Run         *run,
                 const char **line,
                 gsize       *len)
{
  const char *start = run->stream + run->model_pos;
  gsize       left = run->stream_len - run->model_pos;
  const char *nl = memchr (start, '\n', left);

  if (nl == NULL)
    return FALSE;
  *line = start;
  *len = nl - start;
  if (*len > 0 && start[*len - 1] == '\r')
    (*len)--;
  run->model_pos = (nl - run->stream) + 1;
  return TRUE;
}

static gboolean
line_cb (char    *line,
         gsize    len,
         gpointer user_data)
{
  Run        *run = user_data;
  const char *expected;
  gsize       expected_len;

  run->n_lines++;
  CONFAB_FUZZ_CHECK (line[len] == '\0', "line %u is not NUL-terminated", run->n_lines);
  CONFAB_FUZZ_CHECK (memchr (line, '\n', len) == NULL, "line %u holds a newline", run->n_lines);
  CONFAB_FUZZ_CHECK (len <= run->max_line, "line %u: %" G_GSIZE_FORMAT " bytes > max %" G_GSIZE_FORMAT,
                     run->n_lines, len, run->max_line);
  CONFAB_FUZZ_CHECK (model_next_line (run, &expected, &expected_len),
                     "line %u was never sent", run->n_lines);
  CONFAB_FUZZ_CHECK (len == expected_len && memcmp (line, expected, len) == 0,
                     "line %u differs from the stream's", run->n_lines);

  if (run->n_lines == run->action_at)
    {
      if (!run->clear)
        return FALSE;
      /* Documented as safe: the framer has let go of the line already. */
      confab_framer_clear (run->framer);
    }
  return TRUE;
}

/* What the model expects once the stream is fed: TOO_LONG if a line (or
 * the unfinished tail) is over the limit before the action line, else
 * STOPPED if the action line is reached, else OK. Starts at model_pos,
 * i.e. after the lines handed out so far. */
static ConfabFramerStatus
model_status (Run      *run,
              gboolean *tail_pending)
{
  gsize pos = run->model_pos;
  guint n = run->n_lines;

  *tail_pending = FALSE;
  while (pos < run->stream_len)
    {
      const char *start = run->stream + pos;
      gsize       left = run->stream_len - pos;
      const char *nl = memchr (start, '\n', left);
      gsize       len;

      if (nl == NULL)
        {
          /* The half line: max_line + 1 bytes may yet end in "\r\n". */
          if (left > run->max_line + 1 ||
              (left == run->max_line + 1 && start[left - 1] != '\r'))
            return CONFAB_FRAMER_TOO_LONG;
          *tail_pending = TRUE;
          return CONFAB_FRAMER_OK;
        }
      len = nl - start;
      if (len > 0 && start[len - 1] == '\r')
        len--;
      if (len > run->max_line)
        return CONFAB_FRAMER_TOO_LONG;
      n++;
      if (n == run->action_at && !run->clear)
        return CONFAB_FRAMER_STOPPED;
      pos = (nl - run->stream) + 1;
    }
  return CONFAB_FRAMER_OK;
}

int
confab_fuzz_framer (const uint8_t *data,
                    size_t         size)
{
  ConfabFuzzInput    in = { data, size };
  ConfabFramer       framer;
  ConfabFramerStatus status = CONFAB_FRAMER_OK;
  ConfabFramerStatus expected_status;
  gboolean           expected_pending;
  guint16            max_choice;
  guint8             action;
  guint              n_cuts;
  gsize              cuts[MAX_CUTS];
  gsize              fed = 0;
  gsize              feed_max;
  Run                run = { 0 };

  max_choice = confab_fuzz_take_u16 (&in);
  action = confab_fuzz_take_byte (&in);
  n_cuts = confab_fuzz_take_byte (&in) % MAX_CUTS;
  for (guint i = 0; i < n_cuts; i++)
    cuts[i] = confab_fuzz_take_byte (&in);

  confab_framer_init (&framer);
  run.stream = (const char *) in.data;
  run.stream_len = in.size;
  /* 0xffff: no limit at all, which the framer must not overflow on; it
   * documents G_MAXSIZE - 2 as the effective bound. */
  feed_max = max_choice == 0xffff ? G_MAXSIZE : max_choice % 513;
  run.max_line = MIN (feed_max, G_MAXSIZE - 2);
  run.framer = &framer;
  run.action_at = action & 0x7f;
  run.clear = (action & 0x80) != 0;

  /* The model's verdict on the whole stream, before anything is fed. */
  expected_status = model_status (&run, &expected_pending);

  for (guint i = 0; i <= n_cuts && status == CONFAB_FRAMER_OK; i++)
    {
      gsize            chunk = i < n_cuts ? MIN (cuts[i], in.size - fed) : in.size - fed;
      g_autofree char *buf = g_malloc (chunk);

      if (chunk > 0)
        memcpy (buf, in.data + fed, chunk);
      status = confab_framer_feed (&framer, buf, chunk, feed_max, line_cb, &run);
      fed += chunk;

      if (status == CONFAB_FRAMER_OK && run.max_line < G_MAXSIZE - 2)
        {
          CONFAB_FUZZ_CHECK (framer.pending_len <= run.max_line + 1,
                             "half line of %" G_GSIZE_FORMAT " bytes", framer.pending_len);
          CONFAB_FUZZ_CHECK (framer.pending_alloc <= run.max_line + 2,
                             "%" G_GSIZE_FORMAT " bytes held for a half line",
                             framer.pending_alloc);
        }
      if (status == CONFAB_FRAMER_TOO_LONG)
        CONFAB_FUZZ_CHECK (framer.pending == NULL && framer.pending_len == 0,
                           "TOO_LONG left a half line behind");
    }

  CONFAB_FUZZ_CHECK (status == expected_status, "status %d, the model says %d",
                     status, expected_status);
  if (status == CONFAB_FRAMER_STOPPED)
    CONFAB_FUZZ_CHECK (run.n_lines == run.action_at, "stopped at line %u, not %u",
                       run.n_lines, run.action_at);
  if (status == CONFAB_FRAMER_OK)
    {
      gboolean more;

      CONFAB_FUZZ_CHECK (confab_framer_has_pending (&framer) == expected_pending,
                         "half line %s", expected_pending ? "lost" : "invented");
      /* Every complete line of the stream was handed out. */
      more = model_status (&run, &expected_pending) != CONFAB_FRAMER_OK ||
             memchr (run.stream + run.model_pos, '\n', run.stream_len - run.model_pos) != NULL;
      CONFAB_FUZZ_CHECK (!more, "lines left unframed");
    }

  confab_framer_clear (&framer);
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_framer)
