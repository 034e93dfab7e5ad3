/* confab-client-term.h: a small line editor for confab on a terminal.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabClientTerm ConfabClientTerm;

typedef struct
{
  /* A line typed and ended with Enter (without the newline). */
  void (*line) (const char *line,
                gpointer    user_data);
  /* Ctrl-D on an empty line, or the terminal went away. */
  void (*eof) (gpointer user_data);
  /* Ctrl-C or Ctrl-\ (the terminal's own signal keys are off). */
  void (*interrupt) (gpointer user_data);
} ConfabClientTermCallbacks;

/*
 * confab_client_term_new:
 * @in_fd: the terminal to read keys from (the caller keeps it open)
 * @out_fd: the same terminal, to draw on (usually standard output)
 *
 * Puts the terminal into character mode (no echo, no line discipline,
 * no signal keys) and reads keys from it on the main context. The
 * editor draws a prompt and the line being typed; confab prints arriving
 * lines above it with confab_client_term_hide() / _show(), so typing is
 * never mixed with output. Keys: Enter, Backspace, Ctrl-U (kill line),
 * Ctrl-W (kill word), Ctrl-L (redraw), Ctrl-D (end on an empty line),
 * Ctrl-C and Ctrl-\ (interrupt), Ctrl-Z (suspend); other control keys and
 * escape sequences (arrows, function keys) are ignored.
 *
 * Returns: (transfer full) (nullable): the editor, or %NULL with @error
 *   if the terminal's mode cannot be set
 */
ConfabClientTerm *confab_client_term_new (int                              in_fd,
                                          int                              out_fd,
                                          const ConfabClientTermCallbacks *callbacks,
                                          gpointer                         user_data,
                                          GError                         **error);

/* Sets the prompt drawn before the line being typed (UTF-8). */
void confab_client_term_set_prompt (ConfabClientTerm *self,
                                    const char       *prompt);

/* Erases the prompt and the line being typed (kept, not lost) so that
 * something else can be printed; confab_client_term_show() draws them
 * again. Both are idempotent. */
void confab_client_term_hide (ConfabClientTerm *self);
void confab_client_term_show (ConfabClientTerm *self);

/* Stops reading, erases the prompt and restores the terminal's mode. */
void confab_client_term_stop (ConfabClientTerm *self);

/* Stops (if not yet) and frees. */
void confab_client_term_free (ConfabClientTerm *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabClientTerm, confab_client_term_free)

G_END_DECLS
