/* confab-irc-server.c: the server's name and message of the day, as IRC
 * connections show them.
 *
 * The MOTD comes from a file an administrator wrote: it is taken as
 * UTF-8 (invalid bytes become U+FFFD), control characters become
 * spaces, and each line is cut to CONFAB_IRC_MOTD_LINE_MAX bytes at a
 * character boundary, so that no line of it can break the protocol.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-irc-codec.h"
#include "confab-irc-server.h"

struct _ConfabIrcServer
{
  char  *name;
  char **motd; /* (nullable): no MOTD, 422 instead */
};

/* One line of the file made safe to send: see the top of the file. */
static char *
clean_motd_line (const char *line)
{
  g_autofree char *valid = g_utf8_make_valid (line, -1);
  gsize            len = strlen (valid);

  for (char *p = valid; *p != '\0'; p++)
    {
      if ((guchar) *p < 0x20 || *p == 0x7f)
        *p = ' ';
    }
  if (len > CONFAB_IRC_MOTD_LINE_MAX)
    {
      const char *cut = g_utf8_find_prev_char (valid, valid + CONFAB_IRC_MOTD_LINE_MAX + 1);

      valid[cut != NULL ? cut - valid : 0] = '\0';
    }
  g_strchomp (valid);
  return g_steal_pointer (&valid);
}

/**
 * confab_irc_server_new:
 * @name: the server's name in IRC lines ([irc] server_name)
 * @motd: (nullable): the message of the day's text, at most
 *   CONFAB_IRC_MOTD_MAX_BYTES are used; %NULL or empty for none
 *
 * Returns: (transfer full): the value
 */
ConfabIrcServer *
confab_irc_server_new (const char *name,
                       const char *motd)
{
  ConfabIrcServer *self;

  g_return_val_if_fail (name != NULL && *name != '\0', NULL);

  self = g_atomic_rc_box_new0 (ConfabIrcServer);
  self->name = g_strdup (name);
  if (motd != NULL && *motd != '\0')
    {
      g_autofree char *bounded = g_strndup (motd, CONFAB_IRC_MOTD_MAX_BYTES);
      g_auto(GStrv) lines = NULL;
      guint n_lines;

      /* A final newline ends the last line; it does not start another. */
      if (g_str_has_suffix (bounded, "\n"))
        bounded[strlen (bounded) - 1] = '\0';
      lines = g_strsplit (bounded, "\n", -1);
      n_lines = g_strv_length (lines);
      self->motd = g_new0 (char *, n_lines + 1);
      for (guint i = 0; i < n_lines; i++)
        self->motd[i] = clean_motd_line (lines[i]);
    }
  return self;
}

ConfabIrcServer *
confab_irc_server_ref (ConfabIrcServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

static void
clear_server (gpointer data)
{
  ConfabIrcServer *self = data;

  g_free (self->name);
  g_strfreev (self->motd);
}

void
confab_irc_server_unref (ConfabIrcServer *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, clear_server);
}

const char *
confab_irc_server_get_name (const ConfabIrcServer *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return self->name;
}

guint
confab_irc_server_get_n_motd_lines (const ConfabIrcServer *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return self->motd != NULL ? g_strv_length (self->motd) : 0;
}

/**
 * confab_irc_server_append_motd:
 * @peer: the connection the lines are for (its nick is in each)
 *
 * Appends 375, a 372 per line and 376; or 422 when there is no MOTD.
 */
void
confab_irc_server_append_motd (const ConfabIrcServer *self,
                               const ConfabCodecPeer *peer,
                               GString               *out)
{
  g_autofree char *start = NULL;

  g_return_if_fail (self != NULL && peer != NULL && out != NULL);

  if (self->motd == NULL)
    {
      const char *params[] = { "MOTD File is missing" };

      confab_irc_append_numeric (out, peer, "422", params, G_N_ELEMENTS (params));
      return;
    }

  start = g_strdup_printf ("- %s Message of the day - ", self->name);
  confab_irc_append_numeric (out, peer, "375", (const char *[]) { start }, 1);
  for (guint i = 0; self->motd[i] != NULL; i++)
    {
      g_autofree char *line = g_strconcat ("- ", self->motd[i], NULL);

      confab_irc_append_numeric (out, peer, "372", (const char *[]) { line }, 1);
    }
  confab_irc_append_numeric (out, peer, "376", (const char *[]) { "End of /MOTD command." }, 1);
}
