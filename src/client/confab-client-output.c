/* confab-client-output.c: where and how confab prints.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "confab-client-output.h"

#define COLOUR_ERROR  "\033[1;31m"
#define COLOUR_NOTICE "\033[2m"
#define COLOUR_RESET  "\033[0m"
#define BOLD          "\033[1m"
#define BOLD_OFF      "\033[22m"

struct _ConfabClientOutput
{
  gboolean          quiet;
  gboolean          colour;     /* on standard error */
  gboolean          colour_out; /* on standard output */
  char             *highlight;  /* (owned) (nullable): own name */
  ConfabClientTerm *term;       /* (unowned) (nullable) */
};

static gboolean
want_colour (int fd)
{
  const char *term = g_getenv ("TERM");

  return isatty (fd) &&
         g_getenv ("NO_COLOR") == NULL &&
         term != NULL && !g_str_equal (term, "dumb");
}

ConfabClientOutput *
confab_client_output_new (gboolean quiet)
{
  ConfabClientOutput *self = g_new0 (ConfabClientOutput, 1);

  self->quiet = quiet;
  self->colour = want_colour (STDERR_FILENO);
  self->colour_out = want_colour (STDOUT_FILENO);
  return self;
}

void
confab_client_output_free (ConfabClientOutput *self)
{
  g_free (self->highlight);
  g_free (self);
}

void
confab_client_output_set_term (ConfabClientOutput *self,
                               ConfabClientTerm   *term)
{
  g_return_if_fail (self != NULL);

  self->term = term;
}

/* g_print()/g_printerr() convert to the locale's character set. */
static void
print (ConfabClientOutput *self,
       gboolean            to_stderr,
       const char         *colour,
       const char         *text)
{
  if (self->term != NULL)
    confab_client_term_hide (self->term);

  if (to_stderr)
    {
      if (colour != NULL && self->colour)
        g_printerr ("%s%s%s\n", colour, text, COLOUR_RESET);
      else
        g_printerr ("%s\n", text);
      fflush (stderr);
    }
  else
    {
      g_print ("%s\n", text);
      fflush (stdout);
    }

  if (self->term != NULL)
    confab_client_term_show (self->term);
}

void
confab_client_output_set_highlight (ConfabClientOutput *self,
                                    const char         *name)
{
  g_return_if_fail (self != NULL);

  g_free (self->highlight);
  self->highlight = name != NULL && *name != '\0' ? g_strdup (name) : NULL;
}

void
confab_client_output_line (ConfabClientOutput *self,
                           const char         *text)
{
  g_auto(GStrv) parts = NULL;
  g_autofree char *bold = NULL;
  g_autofree char *marked = NULL;

  g_return_if_fail (self != NULL);

  if (!self->colour_out || self->highlight == NULL || strstr (text, self->highlight) == NULL)
    {
      print (self, FALSE, NULL, text);
      return;
    }
  /* The text is sanitized, so it holds no escape sequence to split. */
  parts = g_strsplit (text, self->highlight, -1);
  bold = g_strconcat (BOLD, self->highlight, BOLD_OFF, NULL);
  marked = g_strjoinv (bold, parts);
  print (self, FALSE, NULL, marked);
}

void
confab_client_output_error (ConfabClientOutput *self,
                            const char         *text)
{
  g_return_if_fail (self != NULL);

  print (self, TRUE, COLOUR_ERROR, text);
}

/* "confab: TEXT", confab's own line, to standard error in @colour. */
static void
print_own (ConfabClientOutput *self,
           const char         *colour,
           const char         *format,
           va_list             args) G_GNUC_PRINTF (3, 0);

static void
print_own (ConfabClientOutput *self,
           const char         *colour,
           const char         *format,
           va_list             args)
{
  g_autofree char *text = g_strdup_vprintf (format, args);
  g_autofree char *line = g_strconcat ("confab: ", text, NULL);

  print (self, TRUE, colour, line);
}

void
confab_client_output_notice (ConfabClientOutput *self,
                             const char         *format,
                             ...)
{
  va_list args;

  g_return_if_fail (self != NULL);

  if (self->quiet)
    return;

  va_start (args, format);
  print_own (self, COLOUR_NOTICE, format, args);
  va_end (args);
}

void
confab_client_output_problem (ConfabClientOutput *self,
                              const char         *format,
                              ...)
{
  va_list args;

  g_return_if_fail (self != NULL);

  va_start (args, format);
  print_own (self, COLOUR_ERROR, format, args);
  va_end (args);
}
