/* confab-client-app.c: the interactive client's composition root.
 *
 * Wires the pieces together: the connection (ConfabClientSession), the
 * input (a line editor on a terminal, GDataInputStream lines otherwise)
 * and the output (ConfabClientOutput), and decides the exit status.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixinputstream.h>
#include <gio/gunixsocketaddress.h>

#include "confab-address.h"
#include "confab-client-app.h"
#include "confab-client-output.h"
#include "confab-client-protocol.h"
#include "confab-client-session.h"
#include "confab-client-term.h"
#include "confab-names.h"
#include "confab-validate.h"

#define CONNECT_TIMEOUT_SEC  10
/* After the end of input, how long the server may stay silent. */
#define QUIET_TIMEOUT_MS     (10 * 1000)
/* Stop reading piped input while this much waits to be sent. */
#define SEND_HIGH_WATER      (256 * 1024)

/* Signals that end confab (after restoring the terminal). */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };

struct _ConfabClientApp
{
  GObject              parent_instance;

  GSocketConnectable  *address;       /* (owned) */
  char                *address_text;  /* (owned) */
  char                *name;          /* (owned) (nullable): until known */
  gboolean             json;
  gboolean             quiet;

  GMainLoop           *loop;          /* (owned) */
  int                  status;
  int                  signal_number; /* the signal that stopped us, or 0 */
  guint                signal_ids[G_N_ELEMENTS (stop_signals)];
  GCancellable        *cancellable;   /* (owned): connecting, reading input */

  ConfabClientOutput  *output;        /* (owned) */
  ConfabClientSession *session;       /* (owned) (nullable) */

  /* Input: a line editor on a terminal, else lines of standard input. */
  ConfabClientTerm    *term;          /* (owned) (nullable) */
  GDataInputStream    *lines;         /* (owned) (nullable) */
  gboolean             reading;       /* a read of @lines is in flight */
  gboolean             input_paused;  /* waiting for "drained" */
  gboolean             input_ended;
  gboolean             awaiting_name;
  gboolean             interactive;   /* a person types: re-ask a bad name */
  gboolean             convert_input; /* the locale is not UTF-8 */
  gboolean             unix_socket;   /* an empty login is allowed */
  gboolean             timestamps;    /* text mode: each line with its time */
  gboolean             input_started;
  gboolean             connecting;    /* name given, connection not yet made */
  gboolean             eof_pending;   /* input ended while connecting */
  gboolean             name_taken;    /* the server refused the login's name */
  GPtrArray           *early_lines;   /* (owned): typed while connecting */
  gboolean             quit_pending;  /* /quit among them */
};

static void connect_to_server (ConfabClientApp *self);

G_DEFINE_FINAL_TYPE (ConfabClientApp, confab_client_app, G_TYPE_OBJECT)

GSocketConnectable *
confab_client_parse_address (const char  *text,
                             GError     **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (g_str_has_prefix (text, "unix:"))
    return (GSocketConnectable *) confab_address_parse (text, error);

  if (*text == '\0' || strchr (text, '/') != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _("expected HOST:PORT, [IPV6]:PORT or unix:PATH"));
      return NULL;
    }
  return g_network_address_parse (text, CONFAB_DEFAULT_PORT, error);
}

static void
finish (ConfabClientApp *self,
        int              status)
{
  self->status = status;
  g_main_loop_quit (self->loop);
}

/* ---- input ------------------------------------------------------------ */

static void read_next_line (ConfabClientApp *self);

static void
stop_input (ConfabClientApp *self)
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
  /* An empty login (Unix sockets only) is given the caller's account
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

static void
login (ConfabClientApp *self,
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
      connect_to_server (self);
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
        login (self, "");
      return;  /* ask again (terminal) or take the next line (pipe) */
    }

  if (!confab_validate_name (name, -1, &error))
    {
      confab_client_output_problem (self->output, "%s", confab_client_localize_error (error));
      if (!self->interactive)
        {
          stop_input (self);
          finish (self, CONFAB_CLIENT_EXIT_USAGE);
        }
      else if (self->term == NULL)
        g_printerr ("%s", _("Name: "));
      return;
    }

  login (self, name);
}

static void
handle_eof (ConfabClientApp *self)
{
  if (self->input_ended)
    return;
  stop_input (self);

  if (self->awaiting_name)
    {
      confab_client_output_problem (self->output, "%s",
                                    _("no name given (give it after the address, or as the first line of input)"));
      finish (self, CONFAB_CLIENT_EXIT_USAGE);
      return;
    }

  if (self->session == NULL)
    {
      self->eof_pending = TRUE;  /* finished once connected */
      return;
    }

  g_debug ("end of input: waiting for the server to answer everything");
  confab_client_session_finish (self->session, QUIET_TIMEOUT_MS);
}

static void
show_help (ConfabClientApp *self)
{
  confab_client_output_notice (self->output, "%s",
                               _("type “NAME: text” or “NAME, NAME: text” to send, "
                                 "/peers to see who is online, /quit or Ctrl-D to leave"));
}

static void
handle_line (ConfabClientApp *self,
             const char      *raw)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = NULL;
  g_autofree char *trimmed = NULL;
  gsize len;

  if (self->input_ended && !self->eof_pending)
    return;

  line = self->convert_input ? g_locale_to_utf8 (raw, -1, NULL, NULL, NULL) : NULL;
  if (line == NULL)
    line = g_strdup (raw);
  len = strlen (line);
  if (len > 0 && line[len - 1] == '\r')
    line[len - 1] = '\0';  /* CRLF input */

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
          self->quit_pending = TRUE;  /* replaying: finished by the caller */
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

  /* A '/' word without ':' can be no message (names may start with '/',
   * "/x: hi" goes to /x); only /peers is the server's. */
  if (trimmed[0] == '/' && strchr (trimmed, ':') == NULL && !g_str_equal (trimmed, "/peers"))
    {
      confab_client_output_problem (self->output, _("unknown command “%s” (/help lists the commands)"),
                                    trimmed);
      return;
    }

  if (!confab_client_session_send_line (self->session, line, &error))
    confab_client_output_problem (self->output, _("not sent: %s"),
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
    return;  /* the app is ending; it may be gone */
  self->reading = FALSE;

  if (error != NULL)
    {
      confab_client_output_problem (self->output, _("cannot read the input: %s"),
                                    error->message);
      handle_eof (self);
      return;
    }
  if (line == NULL)
    {
      handle_eof (self);
      return;
    }

  handle_line (self, line);
  read_next_line (self);
}

static void
read_next_line (ConfabClientApp *self)
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
  handle_line (user_data, line);
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
  stop_input (self);
  g_main_loop_quit (self->loop);
}

static void
start_input (ConfabClientApp *self)
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
                                                   : g_strdup (_("Name: "));

      confab_client_output_set_term (self->output, self->term);
      confab_client_term_set_prompt (self->term, prompt);
      confab_client_term_show (self->term);
      return;
    }

  if (self->awaiting_name && self->interactive)
    g_printerr ("%s", _("Name: "));
  in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  self->lines = g_data_input_stream_new (in);
  g_data_input_stream_set_newline_type (self->lines, G_DATA_STREAM_NEWLINE_TYPE_LF);
  read_next_line (self);
}

/* ---- the connection --------------------------------------------------- */

/* "alice bob" from a peers answer, safe to show. */
static char *
peers_text (const ConfabClientEvent *event)
{
  g_autofree char *joined = g_strjoinv (" ", event->peers);

  return confab_client_sanitize (joined, -1);
}

static void
session_event_cb (ConfabClientSession *session,
                  ConfabClientEvent   *event,
                  int                  origin,
                  gpointer             user_data)
{
  ConfabClientApp *self = user_data;
  g_autofree char *text = NULL;

  switch (event->kind)
    {
    case CONFAB_CLIENT_EVENT_WELCOME:
      {
        g_autofree char *name = confab_client_sanitize (event->name != NULL ? event->name : "?", -1);
        g_autofree char *server = confab_client_sanitize (event->server != NULL ? event->server : "?", -1);

        confab_client_output_notice (self->output, _("logged in as %s (server %s, JSON protocol %d)"),
                                     name, server, (int) event->protocol);
      }
      return;

    case CONFAB_CLIENT_EVENT_PEERS:
      if (origin == CONFAB_CLIENT_ORIGIN_LOGIN)
        {
          g_autofree char *peers = peers_text (event);

          if (self->json)
            confab_client_output_notice (self->output, _("online: %s"), peers);
          else
            confab_client_output_notice (self->output, _("logged in as %s; online: %s"),
                                         self->name, peers);
          return;
        }
      break;

    case CONFAB_CLIENT_EVENT_ERROR:
      if (g_strcmp0 (event->code, "name-taken") == 0 ||
          (!event->json && event->text != NULL && g_str_has_prefix (event->text, "name taken")))
        self->name_taken = TRUE;  /* the server closes next */
      text = confab_client_format_event (event);
      confab_client_output_error (self->output, text);
      return;

    case CONFAB_CLIENT_EVENT_MESSAGE:
    case CONFAB_CLIENT_EVENT_OTHER:
    default:
      break;
    }

  text = confab_client_format_event (event);
  if (text != NULL && self->timestamps && !self->json)
    {
      /* JSON lines carry their time; text lines get the time they came. */
      g_autofree char *now = confab_client_format_time (0);
      g_autofree char *stamped = g_strconcat (now, " ", text, NULL);

      confab_client_output_line (self->output, stamped);
      return;
    }
  if (text != NULL)
    confab_client_output_line (self->output, text);
}

static void
session_closed_cb (ConfabClientSession *session,
                   gboolean             clean,
                   const char          *reason,
                   gpointer             user_data)
{
  ConfabClientApp *self = user_data;

  if (self->name_taken && self->interactive && !self->input_ended)
    {
      /* A person may pick another name: ask again, connect anew. */
      g_signal_handlers_disconnect_by_data (session, self);
      /* Dropped once the session's own callback has returned. */
      g_idle_add_once (g_object_unref, g_steal_pointer (&self->session));
      g_clear_pointer (&self->name, g_free);
      g_ptr_array_set_size (self->early_lines, 0);
      self->name_taken = FALSE;
      self->connecting = FALSE;
      self->awaiting_name = TRUE;
      confab_client_output_set_highlight (self->output, NULL);
      if (self->term != NULL)
        confab_client_term_set_prompt (self->term, _("Name: "));
      else
        g_printerr ("%s", _("Name: "));
      return;
    }

  stop_input (self);
  if (clean)
    {
      finish (self, CONFAB_CLIENT_EXIT_OK);
      return;
    }

  confab_client_output_problem (self->output, "%s", reason);
  finish (self, CONFAB_CLIENT_EXIT_FAILURE);
}

static void
session_drained_cb (ConfabClientSession *session,
                    gpointer             user_data)
{
  ConfabClientApp *self = user_data;

  if (self->input_paused)
    {
      self->input_paused = FALSE;
      read_next_line (self);
    }
}

static void
connected_cb (GObject      *source,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GSocketConnection) connection = NULL;
  g_autoptr(GError) error = NULL;
  ConfabClientApp *self;

  connection = g_socket_client_connect_finish (G_SOCKET_CLIENT (source), result, &error);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;  /* stopped by a signal; the app may be gone */

  self = user_data;
  if (connection == NULL)
    {
      confab_client_output_problem (self->output, _("cannot connect to %s: %s"),
                                    self->address_text, error->message);
      finish (self, CONFAB_CLIENT_EXIT_FAILURE);
      return;
    }

  /* The client's timeout was for connecting; a chat may be quiet. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);

  confab_client_output_notice (self->output, _("connected to %s"), self->address_text);
  self->session = confab_client_session_new (connection, self->json);
  g_signal_connect (self->session, "event", G_CALLBACK (session_event_cb), self);
  g_signal_connect (self->session, "closed", G_CALLBACK (session_closed_cb), self);
  g_signal_connect (self->session, "drained", G_CALLBACK (session_drained_cb), self);

  self->connecting = FALSE;
  if (self->name != NULL)
    login (self, self->name);
  else
    self->awaiting_name = TRUE;
  start_input (self);

  /* What was typed while connecting, then the end of input if it came. */
  for (guint i = 0; i < self->early_lines->len && !self->quit_pending; i++)
    handle_line (self, g_ptr_array_index (self->early_lines, i));
  g_ptr_array_set_size (self->early_lines, 0);
  if (self->eof_pending || self->quit_pending)
    {
      self->eof_pending = FALSE;
      g_debug ("end of input: waiting for the server to answer everything");
      confab_client_session_finish (self->session, QUIET_TIMEOUT_MS);
    }
}

static void
connect_to_server (ConfabClientApp *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  if (self->connecting)
    return;
  self->connecting = TRUE;
  /* A chat protocol has no business with HTTP proxies. */
  g_socket_client_set_enable_proxy (client, FALSE);
  g_socket_client_set_timeout (client, CONNECT_TIMEOUT_SEC);
  g_socket_client_connect_async (client, self->address, self->cancellable,
                                 connected_cb, self);
}

/* ---- life cycle ------------------------------------------------------- */

void
confab_client_app_set_timestamps (ConfabClientApp *self,
                                  gboolean         timestamps)
{
  g_return_if_fail (CONFAB_IS_CLIENT_APP (self));

  self->timestamps = timestamps;
}

static gboolean
signal_cb (gpointer user_data)
{
  ConfabClientApp *self = user_data;

  /* Which one, from the source's id (the callback is not told). */
  for (guint i = 0; i < G_N_ELEMENTS (stop_signals); i++)
    if (self->signal_ids[i] == g_source_get_id (g_main_current_source ()))
      self->signal_number = stop_signals[i];

  g_main_loop_quit (self->loop);
  return G_SOURCE_CONTINUE;
}

int
confab_client_app_run (ConfabClientApp *self)
{
  g_return_val_if_fail (CONFAB_IS_CLIENT_APP (self), CONFAB_CLIENT_EXIT_FAILURE);

  for (guint i = 0; i < G_N_ELEMENTS (stop_signals); i++)
    self->signal_ids[i] = g_unix_signal_add (stop_signals[i], signal_cb, self);

  /* A person is asked for the name first, then confab connects; piped
   * input gives it as its first line, read once connected. */
  if (self->name == NULL && isatty (STDIN_FILENO))
    {
      self->awaiting_name = TRUE;
      start_input (self);
    }
  else
    connect_to_server (self);

  g_main_loop_run (self->loop);

  g_cancellable_cancel (self->cancellable);
  if (self->term != NULL)
    confab_client_term_stop (self->term);
  for (guint i = 0; i < G_N_ELEMENTS (self->signal_ids); i++)
    g_clear_handle_id (&self->signal_ids[i], g_source_remove);

  if (self->signal_number != 0)
    {
      /* Die of it, as the shell expects, with the terminal restored. */
      signal (self->signal_number, SIG_DFL);
      raise (self->signal_number);
    }
  return self->status;
}

static void
confab_client_app_dispose (GObject *object)
{
  ConfabClientApp *self = CONFAB_CLIENT_APP (object);

  if (self->session != NULL)
    g_signal_handlers_disconnect_by_data (self->session, self);
  g_clear_object (&self->session);
  g_clear_pointer (&self->term, confab_client_term_free);
  g_clear_object (&self->lines);

  G_OBJECT_CLASS (confab_client_app_parent_class)->dispose (object);
}

static void
confab_client_app_finalize (GObject *object)
{
  ConfabClientApp *self = CONFAB_CLIENT_APP (object);

  g_clear_object (&self->address);
  g_clear_pointer (&self->address_text, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->early_lines, g_ptr_array_unref);
  g_clear_pointer (&self->loop, g_main_loop_unref);
  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->output, confab_client_output_free);

  G_OBJECT_CLASS (confab_client_app_parent_class)->finalize (object);
}

static void
confab_client_app_class_init (ConfabClientAppClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_client_app_dispose;
  object_class->finalize = confab_client_app_finalize;
}

static void
confab_client_app_init (ConfabClientApp *self)
{
  self->loop = g_main_loop_new (NULL, FALSE);
  self->early_lines = g_ptr_array_new_with_free_func (g_free);
  self->cancellable = g_cancellable_new ();
  self->status = CONFAB_CLIENT_EXIT_FAILURE;
}

ConfabClientApp *
confab_client_app_new (GSocketConnectable *address,
                       const char         *address_text,
                       const char         *name,
                       gboolean            json,
                       gboolean            quiet)
{
  ConfabClientApp *self;

  g_return_val_if_fail (G_IS_SOCKET_CONNECTABLE (address), NULL);
  g_return_val_if_fail (address_text != NULL, NULL);

  self = g_object_new (CONFAB_TYPE_CLIENT_APP, NULL);
  self->address = g_object_ref (address);
  self->address_text = g_strdup (address_text);
  self->name = g_strdup (name);
  self->unix_socket = G_IS_UNIX_SOCKET_ADDRESS (address);
  self->json = json;
  self->quiet = quiet;
  self->output = confab_client_output_new (quiet);
  return self;
}
