/* confab-client-input.c: the client's input, typed or piped.
 *
 * A line editor on a terminal (ConfabClientTerm), else the lines of
 * standard input read with GDataInputStream, paused while too much waits
 * to be sent. Here the name is asked for (before connecting) and asked
 * again when refused, /help, /quit, the room commands (and the current
 * room a plain line goes to) and unknown /commands are handled,
 * and everything else goes to the session as a chat line. The end of
 * the input asks the server for its peers, so confab exits once every
 * line sent before has been answered.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <gio/gunixinputstream.h>

#include "confab-client-app-private.h"
#include "confab-client-protocol.h"
#include "confab-client-rooms.h"
#include "confab-names.h"
#include "confab-validate.h"

/* Stop reading piped input while this much waits to be sent. */
#define SEND_HIGH_WATER (256 * 1024)

void
confab_client_app_stop_input (ConfabClientApp *self)
{
  self->input_ended = TRUE;
  if (self->term != NULL)
    confab_client_term_stop (self->term);
  /* A read in flight is cancelled when the app ends. */
}

static void
login_now (ConfabClientApp *self,
           const char      *name)
{
  /* An empty confab_client_app_login (Unix sockets only) is given the caller's account
   * name by the server; show that one. */
  g_autofree char *login_name = g_strdup (name);
  g_autofree char *shown = g_strdup (*name != '\0' ? name : g_get_user_name ());
  g_autofree char *prompt = g_strdup_printf ("%s> ", shown);

  g_free (self->name);
  self->name = g_steal_pointer (&shown);
  confab_client_output_set_highlight (self->output, self->name);
  self->awaiting_name = FALSE;
  /* Without notices nothing shows the confirmation, so do not ask. */
  confab_client_session_login (self->session, login_name, !self->quiet);
  if (self->term != NULL)
    confab_client_term_set_prompt (self->term, prompt);
}

void
confab_client_app_login (ConfabClientApp *self,
                         const char      *name)
{
  if (self->session == NULL)
    {
      /* Asked before connecting, so a slow typist meets no login
       * timeout: connect now, log in once connected. */
      if (name != self->name)
        {
          g_free (self->name);
          self->name = g_strdup (name);
        }
      self->awaiting_name = FALSE;
      confab_client_app_connect (self);
      return;
    }
  login_now (self, name);
}

static void
handle_name (ConfabClientApp *self,
             char            *line)
{
  g_autoptr(GError) error = NULL;
  const char *name = g_strstrip (line);

  if (*name == '\0')
    {
      /* On a Unix socket, Enter at the prompt is the empty login. */
      if (self->interactive && self->unix_socket)
        confab_client_app_login (self, "");
      return; /* ask again (terminal) or take the next line (pipe) */
    }

  if (!confab_validate_name (name, -1, &error))
    {
      confab_client_output_problem (self->output, "%s", confab_client_localize_error (error));
      if (!self->interactive)
        {
          confab_client_app_stop_input (self);
          confab_client_app_finish (self, CONFAB_CLIENT_EXIT_USAGE);
        }
      else if (self->term == NULL)
        g_printerr ("%s", _ ("Name: "));
      return;
    }

  confab_client_app_login (self, name);
}

static void
handle_eof (ConfabClientApp *self)
{
  if (self->input_ended)
    return;
  confab_client_app_stop_input (self);

  if (self->awaiting_name)
    {
      confab_client_output_problem (self->output, "%s",
                                    _ ("no name given (give it after the address, or as the first line of input)"));
      confab_client_app_finish (self, CONFAB_CLIENT_EXIT_USAGE);
      return;
    }

  if (self->session == NULL)
    {
      self->eof_pending = TRUE; /* finished once connected */
      return;
    }

  g_debug ("end of input: waiting for the server to answer everything");
  confab_client_session_finish (self->session, QUIET_TIMEOUT_MS);
}

static void
show_help (ConfabClientApp *self)
{
  confab_client_output_notice (self->output, "%s",
                               _ ("type “NAME: text” or “NAME, NAME: text” to send, "
                                  "/peers to see who is online, /quit or Ctrl-D to leave"));
  confab_client_output_notice (self->output, "%s",
                               _ ("rooms: /join #room, /part [#room], /rooms, /members [#room], "
                                  "/topic [#room] [TEXT], /history [#room] [N], /room #room to switch; "
                                  "once in a room, a line without “NAME:” goes to it"));
}

/* Whether @line is "NAME: text" or "NAME, NAME: text". */
static gboolean
names_someone (const char *line)
{
  g_auto(GStrv) to = NULL;
  g_autofree char *text = NULL;

  return confab_client_parse_input (line, &to, &text, NULL);
}

/* The room commands: sent to the server, and the current room kept: a
 * join makes the room current, parting it clears it, /room switches. */
static gboolean
handle_room_command (ConfabClientApp *self,
                     const char      *trimmed)
{
  g_auto(ConfabClientRoomRequest) request = { CONFAB_CLIENT_ROOM_NONE, NULL, NULL };
  g_autoptr(GError) error = NULL;

  if (!confab_client_parse_room_command (trimmed, self->current_room, &request, &error))
    {
      confab_client_output_problem (self->output, "%s", error->message);
      return TRUE;
    }

  switch (request.command)
    {
    case CONFAB_CLIENT_ROOM_NONE:
      return FALSE;

    case CONFAB_CLIENT_ROOM_SWITCH:
      g_free (self->current_room);
      self->current_room = g_steal_pointer (&request.room);
      confab_client_output_notice (self->output, _ ("lines without “NAME:” now go to %s"),
                                   self->current_room);
      return TRUE;

    case CONFAB_CLIENT_ROOM_JOIN:
      g_free (self->current_room);
      self->current_room = g_strdup (request.room);
      break;

    case CONFAB_CLIENT_ROOM_PART:
      if (g_strcmp0 (self->current_room, request.room) == 0)
        g_clear_pointer (&self->current_room, g_free);
      break;

    case CONFAB_CLIENT_ROOM_ROOMS:
    case CONFAB_CLIENT_ROOM_MEMBERS:
    case CONFAB_CLIENT_ROOM_TOPIC:
    default:
      break;
    }
  confab_client_session_send_room_request (self->session, &request);
  return TRUE;
}

void
confab_client_app_handle_line (ConfabClientApp *self,
                               const char      *raw)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *trimmed = NULL;
  gsize            len;

  if (self->input_ended && !self->eof_pending)
    return;

  line = self->convert_input ? g_locale_to_utf8 (raw, -1, NULL, NULL, NULL) : NULL;
  if (line == NULL)
    line = g_strdup (raw);
  len = strlen (line);
  if (len > 0 && line[len - 1] == '\r')
    line[len - 1] = '\0'; /* CRLF input */

  if (self->awaiting_name)
    {
      handle_name (self, line);
      return;
    }

  if (self->session == NULL)
    {
      g_ptr_array_add (self->early_lines, g_strdup (line));
      return;
    }

  trimmed = g_strstrip (g_strdup (line));
  if (*trimmed == '\0')
    return;
  if (g_str_equal (trimmed, "/quit"))
    {
      if (self->eof_pending)
        {
          self->quit_pending = TRUE; /* replaying: finished by the caller */
          return;
        }
      handle_eof (self);
      return;
    }
  if (g_str_equal (trimmed, "/help"))
    {
      show_help (self);
      return;
    }

  if (handle_room_command (self, trimmed))
    return;

  /* In a room, a line that names nobody goes to the room. */
  if (self->current_room != NULL && trimmed[0] != '/' && !names_someone (trimmed))
    {
      g_autofree char *to_room = g_strdup_printf ("%s: %s", self->current_room, line);

      if (!confab_client_session_send_line (self->session, to_room, &error))
        confab_client_output_problem (self->output, _ ("not sent: %s"),
                                      confab_client_localize_error (error));
      return;
    }

  /* A '/' word without ':' can be no message (names may start with '/',
   * "/x: hi" goes to /x); only /peers is the server's. */
  if (trimmed[0] == '/' && strchr (trimmed, ':') == NULL && !g_str_equal (trimmed, "/peers"))
    {
      confab_client_output_problem (self->output, _ ("unknown command “%s” (/help lists the commands)"),
                                    trimmed);
      return;
    }

  if (!confab_client_session_send_line (self->session, line, &error))
    confab_client_output_problem (self->output, _ ("not sent: %s"),
                                  confab_client_localize_error (error));
}

static void
line_read_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  ConfabClientApp *self = user_data;
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;

  line = g_data_input_stream_read_line_finish (G_DATA_INPUT_STREAM (source), result,
                                               NULL, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return; /* the app is ending; it may be gone */
  self->reading = FALSE;

  if (error != NULL)
    {
      confab_client_output_problem (self->output, _ ("cannot read the input: %s"),
                                    error->message);
      handle_eof (self);
      return;
    }
  if (line == NULL)
    {
      handle_eof (self);
      return;
    }

  confab_client_app_handle_line (self, line);
  confab_client_app_read_next_line (self);
}

void
confab_client_app_read_next_line (ConfabClientApp *self)
{
  if (self->lines == NULL || self->reading || self->input_ended)
    return;

  /* Flow control for big pipes: read on once the socket has taken most
   * of what was sent. */
  if (self->session != NULL &&
      confab_client_session_get_queued (self->session) > SEND_HIGH_WATER)
    {
      self->input_paused = TRUE;
      return;
    }

  self->reading = TRUE;
  g_data_input_stream_read_line_async (self->lines, G_PRIORITY_DEFAULT,
                                       self->cancellable, line_read_cb, self);
}

static void
term_line_cb (const char *line,
              gpointer    user_data)
{
  confab_client_app_handle_line (user_data, line);
}

static void
term_eof_cb (gpointer user_data)
{
  handle_eof (user_data);
}

static void
term_interrupt_cb (gpointer user_data)
{
  ConfabClientApp *self = user_data;

  self->signal_number = SIGINT;
  confab_client_app_stop_input (self);
  g_main_loop_quit (self->loop);
}

void
confab_client_app_start_input (ConfabClientApp *self)
{
  static const ConfabClientTermCallbacks callbacks = {
    .line = term_line_cb,
    .eof = term_eof_cb,
    .interrupt = term_interrupt_cb,
  };
  g_autoptr(GInputStream) in = NULL;

  if (self->input_started)
    return;
  self->input_started = TRUE;
  self->convert_input = !g_get_charset (NULL);
  self->interactive = isatty (STDIN_FILENO);

  if (self->interactive && isatty (STDOUT_FILENO))
    {
      g_autoptr(GError) error = NULL;

      self->term = confab_client_term_new (STDIN_FILENO, STDOUT_FILENO, &callbacks, self, &error);
      if (self->term == NULL)
        g_debug ("no line editor (%s): reading lines", error->message);
    }

  if (self->term != NULL)
    {
      g_autofree char *prompt = self->name != NULL ? g_strdup_printf ("%s> ", self->name)
                                                   : g_strdup (_ ("Name: "));

      confab_client_output_set_term (self->output, self->term);
      confab_client_term_set_prompt (self->term, prompt);
      confab_client_term_show (self->term);
      return;
    }

  if (self->awaiting_name && self->interactive)
    g_printerr ("%s", _ ("Name: "));
  in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  self->lines = g_data_input_stream_new (in);
  g_data_input_stream_set_newline_type (self->lines, G_DATA_STREAM_NEWLINE_TYPE_LF);
  confab_client_app_read_next_line (self);
}
