/* confab-client-output.h: where and how confab prints.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-client-term.h"

G_BEGIN_DECLS

typedef struct _ConfabClientOutput ConfabClientOutput;

/*
 * confab_client_output_new:
 * @quiet: drop notices
 *
 * Chat lines go to standard output; server errors ("error: …") and
 * notices ("confab: …") to standard error, errors in red and notices dim
 * when standard error is a terminal (unless $NO_COLOR is set or
 * TERM=dumb). Every line is flushed at once, so a pipe sees it as it
 * comes.
 */
ConfabClientOutput *confab_client_output_new (gboolean quiet);
void                confab_client_output_free (ConfabClientOutput *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabClientOutput, confab_client_output_free)

/* A line editor to print around (or %NULL): output goes above the line
 * being typed. */
void confab_client_output_set_term (ConfabClientOutput *self,
                                    ConfabClientTerm   *term);

/* Own name (or %NULL): shown in bold in chat lines when standard output
 * is a terminal with colours. */
void confab_client_output_set_highlight (ConfabClientOutput *self,
                                         const char         *name);

/* @text may span lines; it is printed as it is (sanitize it first). */
void confab_client_output_line (ConfabClientOutput *self,
                                const char         *text);
void confab_client_output_error (ConfabClientOutput *self,
                                 const char         *text);
void confab_client_output_notice (ConfabClientOutput *self,
                                  const char         *format,
                                  ...) G_GNUC_PRINTF (2, 3);
/* A problem of confab's own ("confab: …"), shown like an error. */
void confab_client_output_problem (ConfabClientOutput *self,
                                   const char         *format,
                                   ...) G_GNUC_PRINTF (2, 3);

G_END_DECLS
