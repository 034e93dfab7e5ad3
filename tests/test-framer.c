/* test-framer.c: the line splitter must give the same lines for every
 * way the network may cut the input, and never hold more than a line.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-framer.h"

/* A literal with its exact length, so that NUL bytes inside count. */
#define BYTES(s) (s), (sizeof (s) - 1)

/* What a framing run produced: the lines (as GBytes, since they may hold
 * NUL bytes), the last status and whether a half line was left. */
typedef struct
{
  GPtrArray         *lines;
  ConfabFramerStatus status;
  gboolean           pending;
} Result;

static void
result_clear (Result *r)
{
  g_clear_pointer (&r->lines, g_ptr_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Result, result_clear)

typedef struct
{
  GPtrArray *lines;
  guint      stop_at; /* return FALSE for this line (1-based); 0: never */
} Collector;

static gboolean
collect_cb (char    *line,
            gsize    len,
            gpointer user_data)
{
  Collector *c = user_data;

  /* The promise of ConfabFramerLineFunc. */
  g_assert_cmpint (line[len], ==, '\0');

  g_ptr_array_add (c->lines, g_bytes_new (line, len));
  return c->lines->len != c->stop_at;
}

/* Feeds @input cut at @cuts (ascending offsets), each chunk in a buffer of
 * exactly its size so the sanitizer build catches any access outside it,
 * checking the memory bound after each feed. Stops at the first status
 * other than OK, as a connection would. */
static void
frame_chunks (const char  *input,
              gsize        len,
              const gsize *cuts,
              gsize        n_cuts,
              gsize        max_line,
              guint        stop_at,
              Result      *result)
{
  ConfabFramer       framer = { 0 };
  Collector          c = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), stop_at };
  ConfabFramerStatus status = CONFAB_FRAMER_OK;
  gsize              start = 0;
  gsize              i;

  for (i = 0; i <= n_cuts && status == CONFAB_FRAMER_OK; i++)
    {
      gsize            stop = i < n_cuts ? cuts[i] : len;
      g_autofree char *chunk = NULL;

      g_assert_cmpuint (stop, >=, start);
      if (stop > start)
        chunk = g_memdup2 (input + start, stop - start);
      status = confab_framer_feed (&framer, chunk, stop - start, max_line,
                                   collect_cb, &c);

      /* The bound of the header: never more than max_line + 2 bytes. */
      g_assert_cmpuint (framer.pending_alloc, <=, max_line + 2);
      g_assert_cmpuint (framer.pending_len, <, MAX (framer.pending_alloc, 1));
      /* An idle framer holds no buffer at all. */
      if (framer.pending_len == 0)
        g_assert_null (framer.pending);
      start = stop;
    }

  result->lines = c.lines;
  result->status = status;
  result->pending = confab_framer_has_pending (&framer);
  confab_framer_clear (&framer);
}

static void
frame_one_shot (const char *input,
                gsize       len,
                gsize       max_line,
                Result     *result)
{
  frame_chunks (input, len, NULL, 0, max_line, 0, result);
}

static void
assert_results_equal (const Result *a,
                      const Result *b)
{
  guint i;

  g_assert_cmpint (a->status, ==, b->status);
  g_assert_cmpint (a->pending, ==, b->pending);
  g_assert_cmpuint (a->lines->len, ==, b->lines->len);
  for (i = 0; i < a->lines->len; i++)
    g_assert_true (g_bytes_equal (a->lines->pdata[i], b->lines->pdata[i]));
}

static void
assert_line (const Result *r,
             guint         i,
             const char   *expected,
             gsize         expected_len)
{
  gsize       len;
  const char *data;

  g_assert_cmpuint (i, <, r->lines->len);
  data = g_bytes_get_data (r->lines->pdata[i], &len);
  g_assert_cmpmem (data, len, expected, expected_len);
}

/* Basic framing, one feed each. */

typedef struct
{
  const char *path;
  const char *input;
  const char *lines[5]; /* NULL-terminated */
  gboolean    pending;
} BasicCase;

static const BasicCase basic_cases[] = {
  { "lf", "a\nb\n", { "a", "b" }, FALSE },
  { "crlf", "a\r\nb\r\n", { "a", "b" }, FALSE },
  { "mixed-endings", "a\r\nb\nc\r\n", { "a", "b", "c" }, FALSE },
  { "only-one-cr-stripped", "a\r\r\n", { "a\r" }, FALSE },
  { "cr-inside-kept", "a\rb\n", { "a\rb" }, FALSE },
  { "cr-at-start-kept", "\rb\n", { "\rb" }, FALSE },
  { "empty-line", "\n", { "" }, FALSE },
  { "empty-crlf-line", "\r\n", { "" }, FALSE },
  { "empty-lines", "\n\n\n", { "", "", "" }, FALSE },
  { "no-newline", "abc", { NULL }, TRUE },
  { "line-then-half", "a\nbc", { "a" }, TRUE },
  { "lone-cr-waits", "\r", { NULL }, TRUE },
  { "cr-at-end-waits", "abc\r", { NULL }, TRUE },
  { "nothing", "", { NULL }, FALSE },
  { "utf8-untouched", "\xc3\xa9\xe6\x97\xa5\n\xff\xfe\n", { "\xc3\xa9\xe6\x97\xa5", "\xff\xfe" }, FALSE },
};

static void
test_basic (gconstpointer data)
{
  const BasicCase *bc = data;
  g_auto(Result) r = { 0 };
  guint n = 0;

  frame_one_shot (bc->input, strlen (bc->input), 64, &r);

  g_assert_cmpint (r.status, ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (r.pending, ==, bc->pending);
  while (bc->lines[n] != NULL)
    {
      assert_line (&r, n, bc->lines[n], strlen (bc->lines[n]));
      n++;
    }
  g_assert_cmpuint (r.lines->len, ==, n);
}

/* NUL bytes are data: the framer reports them by length, the protocol
 * layer refuses them. */
static void
test_nul_inside (void)
{
  g_auto(Result) r = { 0 };

  frame_one_shot (BYTES ("a\0b\n\0\n\0\r\n"), 64, &r);

  g_assert_cmpint (r.status, ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (r.lines->len, ==, 3);
  assert_line (&r, 0, BYTES ("a\0b"));
  assert_line (&r, 1, BYTES ("\0"));
  assert_line (&r, 2, BYTES ("\0"));
}

/* Whole lines are handed out from the caller's buffer, NUL written over
 * the line end; nothing else in the buffer changes. */

typedef struct
{
  char *buffer;
  gsize size;
  guint n_lines;
} ZeroCopy;

static gboolean
zero_copy_cb (char    *line,
              gsize    len,
              gpointer user_data)
{
  ZeroCopy *z = user_data;

  g_assert_true (line >= z->buffer && line + len < z->buffer + z->size);
  z->n_lines++;
  return TRUE;
}

static void
test_zero_copy (void)
{
  char         buffer[] = "one\r\ntwo\nthree";
  ZeroCopy     z = { buffer, sizeof buffer - 1, 0 };
  ConfabFramer framer = { 0 };

  g_assert_cmpint (confab_framer_feed (&framer, buffer, sizeof buffer - 1, 64,
                                       zero_copy_cb, &z),
                   ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (z.n_lines, ==, 2);
  g_assert_cmpmem (buffer, 9, "one\0\ntwo\0", 9);
  g_assert_cmpstr (buffer + 9, ==, "three");
  g_assert_true (confab_framer_has_pending (&framer));
  confab_framer_clear (&framer);
}

/* Every chunking of a corpus gives the one-shot result. */

static const char corpus[] =
  "hello\n"
  "world\r\n"
  "\r\n"
  "\n"
  "lone\rcr\n"
  "two\r\r\n"
  "\xc3\xa9t\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\n"
  "nul\0inside\n"
  "\xff\xfe not utf-8\r\n"
  "bob, carol: hi there\n"
  "\r\r\r\n"
  "a rather longer line that is still shorter than the limit of sixty\n"
  "half a line at the end\r";

#define CORPUS_MAX_LINE 72

static void
test_split_one_shot (void)
{
  g_auto(Result) r = { 0 };

  /* Pin down the reference itself, so the split tests compare against
   * something known to be right. */
  frame_one_shot (corpus, sizeof corpus - 1, CORPUS_MAX_LINE, &r);
  g_assert_cmpint (r.status, ==, CONFAB_FRAMER_OK);
  g_assert_true (r.pending);
  g_assert_cmpuint (r.lines->len, ==, 12);
  assert_line (&r, 0, BYTES ("hello"));
  assert_line (&r, 1, BYTES ("world"));
  assert_line (&r, 2, BYTES (""));
  assert_line (&r, 3, BYTES (""));
  assert_line (&r, 4, BYTES ("lone\rcr"));
  assert_line (&r, 5, BYTES ("two\r"));
  assert_line (&r, 7, BYTES ("nul\0inside"));
  assert_line (&r, 8, BYTES ("\xff\xfe not utf-8"));
  assert_line (&r, 10, BYTES ("\r\r"));
}

static void
test_split_two_way (void)
{
  g_auto(Result) reference = { 0 };
  gsize cut;

  frame_one_shot (corpus, sizeof corpus - 1, CORPUS_MAX_LINE, &reference);

  for (cut = 0; cut <= sizeof corpus - 1; cut++)
    {
      g_auto(Result) r = { 0 };

      frame_chunks (corpus, sizeof corpus - 1, &cut, 1, CORPUS_MAX_LINE, 0, &r);
      assert_results_equal (&r, &reference);
    }
}

/* All three-way splits too: a line may span three reads. */
static void
test_split_three_way (void)
{
  g_auto(Result) reference = { 0 };
  gsize cuts[2];

  frame_one_shot (corpus, sizeof corpus - 1, CORPUS_MAX_LINE, &reference);

  for (cuts[0] = 0; cuts[0] <= sizeof corpus - 1; cuts[0]++)
    for (cuts[1] = cuts[0]; cuts[1] <= sizeof corpus - 1; cuts[1]++)
      {
        g_auto(Result) r = { 0 };

        frame_chunks (corpus, sizeof corpus - 1, cuts, 2, CORPUS_MAX_LINE, 0, &r);
        assert_results_equal (&r, &reference);
      }
}

static void
test_split_every_byte (void)
{
  g_auto(Result) reference = { 0 };
  g_auto(Result) r = { 0 };
  gsize cuts[sizeof corpus];
  gsize i;

  for (i = 0; i < sizeof corpus - 1; i++)
    cuts[i] = i + 1;

  frame_one_shot (corpus, sizeof corpus - 1, CORPUS_MAX_LINE, &reference);
  frame_chunks (corpus, sizeof corpus - 1, cuts, sizeof corpus - 1, CORPUS_MAX_LINE, 0, &r);
  assert_results_equal (&r, &reference);
}

/* Random tests use a fixed seed: a failure in CI then reproduces as is. */
#define RANDOM_SEED 0x636f6e66

static void
test_split_random (void)
{
  g_autoptr(GRand) rand = g_rand_new_with_seed (RANDOM_SEED);
  g_auto(Result) reference = { 0 };
  guint iteration;

  frame_one_shot (corpus, sizeof corpus - 1, CORPUS_MAX_LINE, &reference);

  for (iteration = 0; iteration < 500; iteration++)
    {
      g_auto(Result) r = { 0 };
      gsize cuts[sizeof corpus];
      gsize n_cuts = 0;
      gsize at = 0;

      for (;;)
        {
          at += g_rand_int_range (rand, 0, 24);
          if (at >= sizeof corpus - 1)
            break;
          cuts[n_cuts++] = at;
        }

      frame_chunks (corpus, sizeof corpus - 1, cuts, n_cuts, CORPUS_MAX_LINE, 0, &r);
      assert_results_equal (&r, &reference);
    }
}

/* Lines of exactly max_line bytes, with every ending, pass in every
 * split; in particular max_line bytes plus a '\r' must be kept while the
 * '\n' is still to come. */
static void
test_split_at_limit (void)
{
  static const char input[] = "abcd\nabcd\r\nabc\r\r\n\r\n1234\n\r\r\r\r\r\n";
  g_auto(Result) reference = { 0 };
  gsize cut;

  frame_one_shot (input, sizeof input - 1, 4, &reference);
  g_assert_cmpint (reference.status, ==, CONFAB_FRAMER_OK);
  g_assert_false (reference.pending);
  g_assert_cmpuint (reference.lines->len, ==, 6);
  assert_line (&reference, 2, BYTES ("abc\r"));
  assert_line (&reference, 5, BYTES ("\r\r\r\r"));

  for (cut = 0; cut <= sizeof input - 1; cut++)
    {
      g_auto(Result) r = { 0 };

      frame_chunks (input, sizeof input - 1, &cut, 1, 4, 0, &r);
      assert_results_equal (&r, &reference);
    }
}

/* An overlong line ends framing at the same point in every split: the
 * lines before it are delivered, then TOO_LONG. */
static void
test_split_too_long (void)
{
  static const char input[] = "ok\r\nfine\nthis one is too long\nnever\n";
  gsize             cut;

  for (cut = 0; cut <= sizeof input - 1; cut++)
    {
      g_auto(Result) r = { 0 };

      frame_chunks (input, sizeof input - 1, &cut, 1, 8, 0, &r);
      g_assert_cmpint (r.status, ==, CONFAB_FRAMER_TOO_LONG);
      g_assert_false (r.pending);
      g_assert_cmpuint (r.lines->len, ==, 2);
      assert_line (&r, 0, BYTES ("ok"));
      assert_line (&r, 1, BYTES ("fine"));
    }
}

/* A straightforward model of the rules, to compare random inputs with:
 * split at '\n', drop one '\r', refuse lines past the limit, and refuse a
 * half line that can no longer end within it. */
static void
model_frame (const char *input,
             gsize       len,
             gsize       max_line,
             Result     *result)
{
  gsize start = 0;
  gsize i;

  result->lines = g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref);
  result->status = CONFAB_FRAMER_OK;
  result->pending = FALSE;

  for (i = 0; i < len; i++)
    {
      gsize line_len;

      if (input[i] != '\n')
        continue;
      line_len = i - start;
      if (line_len > 0 && input[i - 1] == '\r')
        line_len--;
      if (line_len > max_line)
        {
          result->status = CONFAB_FRAMER_TOO_LONG;
          return;
        }
      g_ptr_array_add (result->lines, g_bytes_new (input + start, line_len));
      start = i + 1;
    }

  if (start < len)
    {
      gsize half = len - start;

      if (half > max_line + 1 || (half == max_line + 1 && input[len - 1] != '\r'))
        result->status = CONFAB_FRAMER_TOO_LONG;
      else
        result->pending = TRUE;
    }
}

static void
test_random_model (void)
{
  /* Bytes that matter to a framer, plus a multibyte character. */
  static const char alphabet[] = { 'a', 'b', '\r', '\n', '\0', '\xc3', '\xa9', ' ' };
  g_autoptr(GRand) rand = g_rand_new_with_seed (RANDOM_SEED);
  guint iteration;

  for (iteration = 0; iteration < 2000; iteration++)
    {
      g_auto(Result) expected = { 0 };
      g_auto(Result) r = { 0 };
      char  input[96];
      gsize cuts[96];
      gsize len = g_rand_int_range (rand, 0, sizeof input);
      gsize max_line = g_rand_int_range (rand, 0, 12);
      gsize n_cuts = 0;
      gsize at = 0;
      gsize i;

      for (i = 0; i < len; i++)
        input[i] = alphabet[g_rand_int_range (rand, 0, sizeof alphabet)];
      for (;;)
        {
          at += g_rand_int_range (rand, 0, 8);
          if (at >= len)
            break;
          cuts[n_cuts++] = at;
        }

      model_frame (input, len, max_line, &expected);
      frame_chunks (input, len, cuts, n_cuts, max_line, 0, &r);
      assert_results_equal (&r, &expected);
    }
}

/* Limits, fed by hand to see exactly when TOO_LONG comes. */

static gboolean
never_cb (char    *line,
          gsize    len,
          gpointer user_data)
{
  g_assert_not_reached ();
  return FALSE;
}

static gboolean
count_cb (char    *line,
          gsize    len,
          gpointer user_data)
{
  guint *count = user_data;

  g_assert_cmpint (line[len], ==, '\0');
  (*count)++;
  return TRUE;
}

static ConfabFramerStatus
feed_string (ConfabFramer        *framer,
             const char          *s,
             gsize                max_line,
             ConfabFramerLineFunc func,
             gpointer             user_data)
{
  g_autofree char *copy = g_strdup (s);

  return confab_framer_feed (framer, copy, strlen (s), max_line, func, user_data);
}

static void
test_too_long_whole_line (void)
{
  ConfabFramer framer = { 0 };
  guint        count = 0;

  g_assert_cmpint (feed_string (&framer, "12345\n", 5, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "12345\r\n", 5, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpint (feed_string (&framer, "123456\n", 5, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
  g_assert_cmpint (feed_string (&framer, "12345\r\r\n", 5, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
  g_assert_false (confab_framer_has_pending (&framer));
  g_assert_null (framer.pending);
}

/* No newline needed: max_line + 1 bytes that cannot end the line are
 * refused at once, so a peer cannot make us wait and buffer. */
static void
test_too_long_partial (void)
{
  ConfabFramer framer = { 0 };

  g_assert_cmpint (feed_string (&framer, "12345", 5, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_true (confab_framer_has_pending (&framer));
  g_assert_cmpint (feed_string (&framer, "6", 5, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);

  /* Cleared: no half line, no buffer. */
  g_assert_false (confab_framer_has_pending (&framer));
  g_assert_null (framer.pending);
  g_assert_cmpuint (framer.pending_len, ==, 0);
  g_assert_cmpuint (framer.pending_alloc, ==, 0);

  /* Within one feed, too. */
  g_assert_cmpint (feed_string (&framer, "123456", 5, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
  g_assert_null (framer.pending);
}

/* max_line bytes then '\r' may still end well; anything but '\n' after
 * it cannot. */
static void
test_too_long_cr_at_limit (void)
{
  ConfabFramer framer = { 0 };
  guint        count = 0;

  g_assert_cmpint (feed_string (&framer, "12345\r", 5, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "\n", 5, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 1);

  g_assert_cmpint (feed_string (&framer, "12345", 5, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "\r", 5, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "x", 5, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
  g_assert_null (framer.pending);

  g_assert_cmpint (feed_string (&framer, "12345\r", 5, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "\r", 5, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
}

/* max_line 0 allows only empty lines. */
static void
test_too_long_zero_limit (void)
{
  ConfabFramer framer = { 0 };
  guint        count = 0;

  g_assert_cmpint (feed_string (&framer, "\n\r\n", 0, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 2);
  g_assert_cmpint (feed_string (&framer, "\r", 0, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "\n", 0, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 3);
  g_assert_cmpint (feed_string (&framer, "a", 0, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
  g_assert_cmpint (feed_string (&framer, "a\n", 0, never_cb, NULL), ==, CONFAB_FRAMER_TOO_LONG);
}

/* However the bytes arrive, the buffer stays within max_line + 2, and the
 * longest allowed line still gets through. */
static void
test_memory_bound (void)
{
  gsize max_line;

  for (max_line = 0; max_line < 300; max_line += 7)
    {
      g_autofree char *input = g_malloc (max_line + 2);
      gsize            step;

      memset (input, 'x', max_line);
      input[max_line] = '\r';
      input[max_line + 1] = '\n';

      for (step = 1; step <= max_line + 2; step += 1 + step / 2)
        {
          ConfabFramer framer = { 0 };
          guint        count = 0;
          gsize        at;

          for (at = 0; at < max_line + 2; at += step)
            {
              gsize            n = MIN (step, max_line + 2 - at);
              g_autofree char *chunk = g_memdup2 (input + at, n);

              g_assert_cmpint (confab_framer_feed (&framer, chunk, n, max_line,
                                                   count_cb, &count),
                               ==, CONFAB_FRAMER_OK);
              g_assert_cmpuint (framer.pending_alloc, <=, max_line + 2);
            }
          g_assert_cmpuint (count, ==, 1);
          g_assert_null (framer.pending);
        }
    }
}

/* An effectively unlimited max_line must not overflow max_line + 2. */
static void
test_unlimited (void)
{
  ConfabFramer framer = { 0 };
  guint        count = 0;

  g_assert_cmpint (feed_string (&framer, "abc", G_MAXSIZE, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (feed_string (&framer, "def\n", G_MAXSIZE, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 1);
  g_assert_null (framer.pending);
}

/* Buffer life cycle. */

static void
test_pending_freed (void)
{
  ConfabFramer framer = { 0 };
  g_auto(Result) r = { 0 };
  Collector c = { g_ptr_array_new_with_free_func ((GDestroyNotify) g_bytes_unref), 0 };
  char      part1[] = "hel";
  char      part2[] = "lo\nwor";
  char      part3[] = "ld\r\n";

  g_assert_cmpint (confab_framer_feed (&framer, part1, 3, 64, collect_cb, &c), ==, CONFAB_FRAMER_OK);
  g_assert_nonnull (framer.pending);
  g_assert_cmpuint (framer.pending_len, ==, 3);

  g_assert_cmpint (confab_framer_feed (&framer, part2, 6, 64, collect_cb, &c), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (framer.pending_len, ==, 3);

  g_assert_cmpint (confab_framer_feed (&framer, part3, 4, 64, collect_cb, &c), ==, CONFAB_FRAMER_OK);
  g_assert_null (framer.pending);
  g_assert_cmpuint (framer.pending_len, ==, 0);
  g_assert_cmpuint (framer.pending_alloc, ==, 0);
  g_assert_false (confab_framer_has_pending (&framer));

  r.lines = g_steal_pointer (&c.lines);
  g_assert_cmpuint (r.lines->len, ==, 2);
  assert_line (&r, 0, BYTES ("hello"));
  assert_line (&r, 1, BYTES ("world"));
}

/* Whole lines never touch the heap. */
static void
test_pending_never_allocated (void)
{
  ConfabFramer framer = { 0 };
  guint        count = 0;

  g_assert_cmpint (feed_string (&framer, "a\nb\r\nc\n", 64, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 3);
  g_assert_null (framer.pending);
  g_assert_cmpuint (framer.pending_alloc, ==, 0);
}

static void
test_init_and_clear (void)
{
  ConfabFramer framer;
  guint        count = 0;

  memset (&framer, 0xAA, sizeof framer);
  confab_framer_init (&framer);
  g_assert_null (framer.pending);
  g_assert_false (confab_framer_has_pending (&framer));

  g_assert_cmpint (feed_string (&framer, "half", 64, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_true (confab_framer_has_pending (&framer));

  confab_framer_clear (&framer);
  g_assert_null (framer.pending);
  g_assert_cmpuint (framer.pending_len, ==, 0);
  g_assert_cmpuint (framer.pending_alloc, ==, 0);
  g_assert_false (confab_framer_has_pending (&framer));

  /* Cleared means reusable, and the old half line is gone. */
  g_assert_cmpint (feed_string (&framer, "x\n", 64, count_cb, &count), ==, CONFAB_FRAMER_OK);
  g_assert_cmpuint (count, ==, 1);

  /* Clearing twice is harmless. */
  confab_framer_clear (&framer);
  confab_framer_clear (&framer);
  g_assert_null (framer.pending);
}

static void
test_empty_feed (void)
{
  ConfabFramer framer = { 0 };

  g_assert_cmpint (confab_framer_feed (&framer, NULL, 0, 64, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_false (confab_framer_has_pending (&framer));
  g_assert_null (framer.pending);
}

/* Stopping. */

static void
test_stop_in_place (void)
{
  g_auto(Result) r = { 0 };

  frame_chunks (BYTES ("a\nb\nc\nhalf"), NULL, 0, 64, 2, &r);
  g_assert_cmpint (r.status, ==, CONFAB_FRAMER_STOPPED);
  g_assert_cmpuint (r.lines->len, ==, 2);
  assert_line (&r, 1, BYTES ("b"));
  /* The rest was ignored, the half line included. */
  g_assert_false (r.pending);
}

static void
test_stop_from_pending (void)
{
  g_auto(Result) r = { 0 };
  static const gsize cut = 2;

  frame_chunks (BYTES ("abc\nd\n"), &cut, 1, 64, 1, &r);
  g_assert_cmpint (r.status, ==, CONFAB_FRAMER_STOPPED);
  g_assert_cmpuint (r.lines->len, ==, 1);
  assert_line (&r, 0, BYTES ("abc"));
  g_assert_false (r.pending);
}

/* A connection may be torn down from the line callback; the framer must
 * not touch itself afterwards (the sanitizer build checks). */
static gboolean
free_framer_cb (char    *line,
                gsize    len,
                gpointer user_data)
{
  ConfabFramer **framer = user_data;

  g_assert_cmpstr (line, ==, "bye");
  confab_framer_clear (*framer);
  g_clear_pointer (framer, g_free);
  return FALSE;
}

static void
test_stop_framer_freed (void)
{
  guint split;

  /* split 0: the line is whole in one feed; 2: it completes the pending
   * buffer, which the callback's clear must not free a second time. */
  for (split = 0; split <= 2; split += 2)
    {
      ConfabFramer *framer = g_new0 (ConfabFramer, 1);
      char          data[] = "bye\nmore\n";

      if (split > 0)
        g_assert_cmpint (confab_framer_feed (framer, data, split, 64,
                                             never_cb, NULL),
                         ==, CONFAB_FRAMER_OK);
      g_assert_cmpint (confab_framer_feed (framer, data + split, sizeof data - 1 - split, 64,
                                           free_framer_cb, &framer),
                       ==, CONFAB_FRAMER_STOPPED);
      g_assert_null (framer);
    }
}

/* Clearing from the callback and going on is allowed too. */
static gboolean
clear_and_go_on_cb (char    *line,
                    gsize    len,
                    gpointer user_data)
{
  ConfabFramer *framer = user_data;

  g_assert_cmpint (line[len], ==, '\0');
  confab_framer_clear (framer);
  return TRUE;
}

static void
test_callback_clears (void)
{
  ConfabFramer framer = { 0 };
  char         part1[] = "ab";
  char         part2[] = "c\nde";

  g_assert_cmpint (confab_framer_feed (&framer, part1, 2, 64, never_cb, NULL), ==, CONFAB_FRAMER_OK);
  g_assert_cmpint (confab_framer_feed (&framer, part2, 4, 64, clear_and_go_on_cb, &framer), ==, CONFAB_FRAMER_OK);
  /* The half line after the cleared one is kept. */
  g_assert_cmpuint (framer.pending_len, ==, 2);
  g_assert_cmpmem (framer.pending, 2, "de", 2);
  confab_framer_clear (&framer);
}

int
main (int    argc,
      char **argv)
{
  gsize i;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  for (i = 0; i < G_N_ELEMENTS (basic_cases); i++)
    {
      g_autofree char *path = g_strconcat ("/framer/basic/", basic_cases[i].path, NULL);
      g_test_add_data_func (path, &basic_cases[i], test_basic);
    }
  g_test_add_func ("/framer/basic/nul-inside", test_nul_inside);
  g_test_add_func ("/framer/basic/zero-copy", test_zero_copy);

  g_test_add_func ("/framer/split/one-shot", test_split_one_shot);
  g_test_add_func ("/framer/split/two-way", test_split_two_way);
  g_test_add_func ("/framer/split/three-way", test_split_three_way);
  g_test_add_func ("/framer/split/every-byte", test_split_every_byte);
  g_test_add_func ("/framer/split/random", test_split_random);
  g_test_add_func ("/framer/split/at-limit", test_split_at_limit);
  g_test_add_func ("/framer/split/too-long", test_split_too_long);
  g_test_add_func ("/framer/split/random-model", test_random_model);

  g_test_add_func ("/framer/too-long/whole-line", test_too_long_whole_line);
  g_test_add_func ("/framer/too-long/partial", test_too_long_partial);
  g_test_add_func ("/framer/too-long/cr-at-limit", test_too_long_cr_at_limit);
  g_test_add_func ("/framer/too-long/zero-limit", test_too_long_zero_limit);
  g_test_add_func ("/framer/too-long/memory-bound", test_memory_bound);
  g_test_add_func ("/framer/too-long/unlimited", test_unlimited);

  g_test_add_func ("/framer/pending/freed-on-completion", test_pending_freed);
  g_test_add_func ("/framer/pending/never-allocated", test_pending_never_allocated);
  g_test_add_func ("/framer/pending/init-and-clear", test_init_and_clear);
  g_test_add_func ("/framer/pending/empty-feed", test_empty_feed);

  g_test_add_func ("/framer/stop/in-place", test_stop_in_place);
  g_test_add_func ("/framer/stop/from-pending", test_stop_from_pending);
  g_test_add_func ("/framer/stop/framer-freed", test_stop_framer_freed);
  g_test_add_func ("/framer/stop/callback-clears", test_callback_clears);

  return g_test_run ();
}
