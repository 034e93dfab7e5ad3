/* confab-client-term.c: a small line editor for confab on a terminal.
 *
 * Why not the terminal's own line editing: with it, a message arriving
 * while the user types is printed in the middle of the half-typed line,
 * and the kernel's copy of that line can no longer be redrawn. Here the
 * editor owns the line, so arriving output goes above it and the line is
 * drawn again below. (GNU readline would do more, but it is GPL and
 * confab is LGPL; the little editing a chat line needs is written here.)
 *
 * The signal keys are read as characters too, so that the terminal's mode
 * is always restored before confab stops or is suspended.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>

#include "confab-client-term.h"

#define KEY_CTRL(c)     ((c) &0x1f)
#define KEY_ESCAPE      0x1b
#define KEY_DELETE      0x7f
#define DEFAULT_COLUMNS 80
#define HISTORY_MAX     500

typedef enum
{
  ESCAPE_NONE,
  ESCAPE_START, /* after ESC */
  ESCAPE_CSI,   /* after ESC [: parameters until a final byte */
  ESCAPE_SS3,   /* after ESC O: one more byte */
} EscapeState;

struct _ConfabClientTerm
{
  int                       in_fd;
  int                       out_fd;
  struct termios            saved; /* the mode to restore */
  gboolean                  raw;   /* our mode is set */
  guint                     watch_id;
  ConfabClientTermCallbacks callbacks;
  gpointer                  user_data;

  char       *prompt;      /* (owned) */
  GString    *line;        /* (owned): what is being typed */
  gboolean    shown;       /* prompt and line are on the screen */
  guint       drawn_width; /* their width in columns, as drawn */
  EscapeState escape;
  char        csi_param; /* a CSI's one parameter byte ("3" of ESC [ 3 ~), '?' if more */
  gboolean    stopped;

  gsize      cursor;       /* byte offset in line, at a character start */
  guint      cursor_width; /* columns from the prompt's start to the cursor, as drawn */
  GPtrArray *history;      /* (owned) (element-type utf8): lines entered, oldest first */
  guint      history_pos;  /* == history->len: the line being typed */
  char      *draft;        /* (owned) (nullable): that line while browsing */
};

/* ---- drawing ---------------------------------------------------------- */

static void
write_all (ConfabClientTerm *self,
           const char       *data,
           gsize             len)
{
  while (len > 0)
    {
      gssize n = write (self->out_fd, data, len);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        return; /* the terminal is gone; reading will notice */
      data += n;
      len -= n;
    }
}

static void
write_str (ConfabClientTerm *self,
           const char       *text)
{
  write_all (self, text, strlen (text));
}

/* Writes typed text; a TAB is kept in the line but drawn as one space,
 * so that every character's width is known. */
static void
write_typed (ConfabClientTerm *self,
             const char       *text,
             gsize             len)
{
  gsize start = 0;

  for (gsize i = 0; i <= len; i++)
    if (i == len || text[i] == '\t')
      {
        write_all (self, text + start, i - start);
        if (i < len)
          write_all (self, " ", 1);
        start = i + 1;
      }
}

/* Columns @text takes on a terminal. */
static guint
text_width (const char *text,
            gsize       len)
{
  const char *p = text, *end = text + len;
  guint       width = 0;

  while (p < end)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          width++; /* shown as one replacement character, or half typed */
          p++;
          continue;
        }
      if (g_unichar_iswide (c))
        width += 2;
      else if (!g_unichar_iszerowidth (c))
        width += 1;
      p = g_utf8_next_char (p);
    }

  return width;
}

static guint
term_columns (ConfabClientTerm *self)
{
  struct winsize size;

  if (ioctl (self->out_fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
    return size.ws_col;
  return DEFAULT_COLUMNS;
}

void
confab_client_term_hide (ConfabClientTerm *self)
{
  g_autofree char *up = NULL;
  guint            rows_up;

  g_return_if_fail (self != NULL);

  if (!self->shown)
    return;

  /* The cursor is on the last row of what was drawn (after a full row it
   * waits in the last column), so go up to the first row and clear. */
  rows_up = self->cursor_width > 0 ? (self->cursor_width - 1) / term_columns (self) : 0;
  if (rows_up > 0)
    {
      up = g_strdup_printf ("\033[%uA", rows_up);
      write_str (self, up);
    }
  write_str (self, "\r\033[J");
  self->shown = FALSE;
}

void
confab_client_term_show (ConfabClientTerm *self)
{
  g_return_if_fail (self != NULL);

  if (self->shown || self->stopped)
    return;

  write_str (self, self->prompt);
  write_typed (self, self->line->str, self->line->len);
  self->drawn_width = text_width (self->prompt, strlen (self->prompt)) +
                      text_width (self->line->str, self->line->len);
  self->cursor_width = self->drawn_width;
  self->shown = TRUE;

  if (self->cursor < self->line->len)
    {
      /* Back to the first row, and draw again up to the cursor: the
       * cursor ends where the terminal's own wrapping puts it. */
      guint rows_up = self->drawn_width > 0 ? (self->drawn_width - 1) / term_columns (self) : 0;

      if (rows_up > 0)
        {
          g_autofree char *up = g_strdup_printf ("\033[%uA", rows_up);

          write_str (self, up);
        }
      write_str (self, "\r");
      write_str (self, self->prompt);
      write_typed (self, self->line->str, self->cursor);
      self->cursor_width = text_width (self->prompt, strlen (self->prompt)) +
                           text_width (self->line->str, self->cursor);
    }
}

static void
redraw (ConfabClientTerm *self)
{
  confab_client_term_hide (self);
  confab_client_term_show (self);
}

void
confab_client_term_set_prompt (ConfabClientTerm *self,
                               const char       *prompt)
{
  gboolean shown;

  g_return_if_fail (self != NULL);
  g_return_if_fail (prompt != NULL);

  shown = self->shown;
  confab_client_term_hide (self);
  g_free (self->prompt);
  self->prompt = g_strdup (prompt);
  if (shown)
    confab_client_term_show (self);
}

/* ---- terminal mode ---------------------------------------------------- */

static gboolean
set_raw (ConfabClientTerm *self)
{
  struct termios mode = self->saved;

  mode.c_lflag &= ~(ICANON | ECHO | ISIG | IEXTEN);
  mode.c_iflag &= ~(IXON); /* Ctrl-S would freeze the chat */
  mode.c_cc[VMIN] = 1;
  mode.c_cc[VTIME] = 0;
  if (tcsetattr (self->in_fd, TCSADRAIN, &mode) != 0)
    return FALSE;
  self->raw = TRUE;
  return TRUE;
}

static void
restore_mode (ConfabClientTerm *self)
{
  if (self->raw)
    tcsetattr (self->in_fd, TCSADRAIN, &self->saved);
  self->raw = FALSE;
}

/* Ctrl-Z: give the terminal back as it was, stop, and take it again
 * when continued (kill() returns only then). */
static void
suspend (ConfabClientTerm *self)
{
  confab_client_term_hide (self);
  restore_mode (self);
  kill (getpid (), SIGTSTP);
  set_raw (self);
  confab_client_term_show (self);
}

/* ---- keys ------------------------------------------------------------- */

static void move_to (ConfabClientTerm *self,
                     gsize             at);

static void
key_enter (ConfabClientTerm *self)
{
  g_autofree char *line = g_strndup (self->line->str, self->line->len);

  /* The typed line stays on the screen, after its prompt. */
  if (self->cursor < self->line->len)
    move_to (self, self->line->len);
  if (self->shown)
    write_str (self, "\n");
  self->shown = FALSE;
  g_string_truncate (self->line, 0);
  self->cursor = 0;
  if (*line != '\0' &&
      (self->history->len == 0 ||
       !g_str_equal (line, g_ptr_array_index (self->history, self->history->len - 1))))
    {
      if (self->history->len >= HISTORY_MAX)
        g_ptr_array_remove_index (self->history, 0);
      g_ptr_array_add (self->history, g_strdup (line));
    }
  self->history_pos = self->history->len;
  g_clear_pointer (&self->draft, g_free);

  self->callbacks.line (line, self->user_data);
  confab_client_term_show (self);
}

static gsize
prev_char (ConfabClientTerm *self,
           gsize             at)
{
  const char *prev = at > 0 ? g_utf8_find_prev_char (self->line->str, self->line->str + at) : NULL;

  return prev != NULL ? (gsize) (prev - self->line->str) : 0;
}

static gsize
next_char (ConfabClientTerm *self,
           gsize             at)
{
  const char *next;

  if (at >= self->line->len)
    return self->line->len;
  next = g_utf8_find_next_char (self->line->str + at, self->line->str + self->line->len);
  return next != NULL ? (gsize) (next - self->line->str) : self->line->len;
}

static void
move_to (ConfabClientTerm *self,
         gsize             at)
{
  self->cursor = at;
  redraw (self);
}

/* Removes [from, to) of the line; the cursor goes to @from. */
static void
erase (ConfabClientTerm *self,
       gsize             from,
       gsize             to)
{
  g_string_erase (self->line, from, to - from);
  self->cursor = from;
  redraw (self);
}

static void
key_backspace (ConfabClientTerm *self)
{
  if (self->cursor > 0)
    erase (self, prev_char (self, self->cursor), self->cursor);
}

static void
key_kill_word (ConfabClientTerm *self)
{
  gsize at = self->cursor;

  while (at > 0 && g_ascii_isspace (self->line->str[at - 1]))
    at--;
  while (at > 0 && !g_ascii_isspace (self->line->str[at - 1]))
    at--;
  erase (self, at, self->cursor);
}

/* Up (@older) or Down through the lines entered before. */
static void
key_history (ConfabClientTerm *self,
             gboolean          older)
{
  if (older ? self->history_pos == 0 : self->history_pos >= self->history->len)
    return;
  if (self->history_pos == self->history->len)
    {
      g_free (self->draft);
      self->draft = g_strndup (self->line->str, self->line->len);
    }
  self->history_pos += older ? -1 : 1;
  g_string_assign (self->line, self->history_pos < self->history->len
                                 ? g_ptr_array_index (self->history, self->history_pos)
                                 : self->draft);
  move_to (self, self->line->len);
}

static void
key_insert (ConfabClientTerm *self,
            char              c)
{
  if (self->cursor < self->line->len)
    {
      g_string_insert_c (self->line, self->cursor, c);
      self->cursor++;
      /* Only complete characters are drawn: wait for a UTF-8 sequence's
       * last byte (the next byte is then no continuation byte). */
      if (((guchar) c & 0xc0) == 0xc0)
        return;
      redraw (self);
      return;
    }
  g_string_append_c (self->line, c);
  self->cursor = self->line->len;
  if (self->shown)
    {
      write_typed (self, &c, 1);
      /* Counted once the character is complete (a UTF-8 lead byte
       * followed by its continuation bytes). */
      self->drawn_width = text_width (self->prompt, strlen (self->prompt)) +
                          text_width (self->line->str, self->line->len);
      self->cursor_width = self->drawn_width;
    }
}

/* The editing keys sent as escape sequences: ESC [ or ESC O and a final
 * byte, with a parameter for ESC [ 1 ~ and the like. */
static void
key_sequence (ConfabClientTerm *self,
              char              param,
              guchar            final)
{
  if (final == '~')
    final = param == '1' || param == '7' ? 'H' : param == '4' || param == '8' ? 'F'
                                               : param == '3'                 ? 'X'
                                                                              : 0;
  switch (final)
    {
    case 'A':
      key_history (self, TRUE);
      break;
    case 'B':
      key_history (self, FALSE);
      break;
    case 'C':
      move_to (self, next_char (self, self->cursor));
      break;
    case 'D':
      move_to (self, prev_char (self, self->cursor));
      break;
    case 'H':
      move_to (self, 0);
      break;
    case 'F':
      move_to (self, self->line->len);
      break;
    case 'X': /* Delete */
      if (self->cursor < self->line->len)
        erase (self, self->cursor, next_char (self, self->cursor));
      break;
    default:
      break; /* other keys (function keys, Alt+key) do nothing */
    }
}

/* Reads escape sequences (arrows, Home/End, Delete; function keys and
 * Alt+key do nothing); returns TRUE while one is being read. */
static gboolean
key_escape (ConfabClientTerm *self,
            guchar            c)
{
  switch (self->escape)
    {
    case ESCAPE_START:
      self->escape = c == '[' ? ESCAPE_CSI : c == 'O' ? ESCAPE_SS3
                                                      : ESCAPE_NONE;
      self->csi_param = 0;
      return TRUE;
    case ESCAPE_CSI:
      if (c >= 0x40 && c <= 0x7e)
        {
          self->escape = ESCAPE_NONE;
          key_sequence (self, self->csi_param, c);
        }
      else
        self->csi_param = self->csi_param == 0 ? (char) c : '?'; /* '?': longer, as F5's 15 */
      return TRUE;
    case ESCAPE_SS3:
      self->escape = ESCAPE_NONE;
      key_sequence (self, 0, c);
      return TRUE;
    case ESCAPE_NONE:
    default:
      return FALSE;
    }
}

static void
handle_key (ConfabClientTerm *self,
            guchar            c)
{
  if (key_escape (self, c))
    return;

  switch (c)
    {
    case '\r':
    case '\n':
      key_enter (self);
      break;
    case KEY_DELETE:
    case KEY_CTRL ('H'):
      key_backspace (self);
      break;
    case KEY_CTRL ('U'):
      erase (self, 0, self->cursor);
      break;
    case KEY_CTRL ('K'):
      erase (self, self->cursor, self->line->len);
      break;
    case KEY_CTRL ('A'):
      move_to (self, 0);
      break;
    case KEY_CTRL ('E'):
      move_to (self, self->line->len);
      break;
    case KEY_CTRL ('B'):
      move_to (self, prev_char (self, self->cursor));
      break;
    case KEY_CTRL ('F'):
      move_to (self, next_char (self, self->cursor));
      break;
    case KEY_CTRL ('P'):
      key_history (self, TRUE);
      break;
    case KEY_CTRL ('N'):
      key_history (self, FALSE);
      break;
    case '\t':
      key_insert (self, c);
      break;
    case KEY_CTRL ('W'):
      key_kill_word (self);
      break;
    case KEY_CTRL ('L'):
      write_str (self, "\033[H\033[2J");
      self->shown = FALSE;
      confab_client_term_show (self);
      break;
    case KEY_CTRL ('D'):
      if (self->line->len == 0)
        self->callbacks.eof (self->user_data);
      break;
    case KEY_CTRL ('C'):
    case KEY_CTRL ('\\'):
      self->callbacks.interrupt (self->user_data);
      break;
    case KEY_CTRL ('Z'):
      suspend (self);
      break;
    case KEY_ESCAPE:
      self->escape = ESCAPE_START;
      break;
    default:
      if (c >= 0x20)
        key_insert (self, c);
      break;
    }
}

static gboolean
input_cb (int          fd,
          GIOCondition condition,
          gpointer     user_data)
{
  ConfabClientTerm *self = user_data;
  guchar            buf[256];
  gssize            n;

  n = read (fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN))
    return G_SOURCE_CONTINUE;
  if (n <= 0)
    {
      /* Hung up: no more input will come. */
      self->watch_id = 0;
      self->callbacks.eof (self->user_data);
      return G_SOURCE_REMOVE;
    }

  for (gssize i = 0; i < n && !self->stopped; i++)
    handle_key (self, buf[i]);

  if (self->stopped)
    {
      self->watch_id = 0;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

/* ---- life cycle ------------------------------------------------------- */

ConfabClientTerm *
confab_client_term_new (int                              in_fd,
                        int                              out_fd,
                        const ConfabClientTermCallbacks *callbacks,
                        gpointer                         user_data,
                        GError                         **error)
{
  g_autoptr(ConfabClientTerm) self = g_new0 (ConfabClientTerm, 1);

  g_return_val_if_fail (callbacks != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->in_fd = in_fd;
  self->out_fd = out_fd;
  self->callbacks = *callbacks;
  self->user_data = user_data;
  self->prompt = g_strdup ("");
  self->line = g_string_new (NULL);
  self->history = g_ptr_array_new_with_free_func (g_free);

  if (tcgetattr (in_fd, &self->saved) != 0 || !set_raw (self))
    {
      int saved_errno = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved_errno),
                   "%s", g_strerror (saved_errno));
      self->stopped = TRUE;
      return NULL;
    }

  self->watch_id = g_unix_fd_add (in_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, input_cb, self);
  return g_steal_pointer (&self);
}

void
confab_client_term_stop (ConfabClientTerm *self)
{
  g_return_if_fail (self != NULL);

  if (self->stopped)
    return;

  confab_client_term_hide (self);
  self->stopped = TRUE;
  g_clear_handle_id (&self->watch_id, g_source_remove);
  restore_mode (self);
}

void
confab_client_term_free (ConfabClientTerm *self)
{
  if (self == NULL)
    return;

  confab_client_term_stop (self);
  g_free (self->prompt);
  g_string_free (self->line, TRUE);
  g_ptr_array_unref (self->history);
  g_free (self->draft);
  g_free (self);
}
