/* confab-client-app.c: the interactive client's composition root.
 *
 * Wires the pieces together: the connection (ConfabClientSession), the
 * input (a line editor on a terminal, GDataInputStream lines otherwise)
 * and the output (ConfabClientOutput), and decides the exit status. The
 * input side is confab-client-input.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib-unix.h>
#include <gio/gunixsocketaddress.h>

#include "confab-address.h"
#include "confab-client-app-private.h"
#include "confab-client-protocol.h"
#include "confab-names.h"
#include "confab-validate.h"

#define CONNECT_TIMEOUT_SEC 10

/* Signals that end confab (after restoring the terminal). */
static const int stop_signals[] = { SIGINT, SIGTERM, SIGHUP };
G_STATIC_ASSERT (G_N_ELEMENTS (stop_signals) == CONFAB_CLIENT_N_STOP_SIGNALS);

G_DEFINE_FINAL_TYPE (ConfabClientApp, confab_client_app, G_TYPE_OBJECT)

GSocketConnectable *
confab_client_parse_address (const char *text,
                             gboolean   *tls,
                             GError    **error)
{
  g_return_val_if_fail (text != NULL, NULL);
  g_return_val_if_fail (tls != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  *tls = g_str_has_prefix (text, "tls:");
  if (*tls)
    {
      text += strlen ("tls:");
      /* A certificate names a host; a socket file has none to check. */
      if (g_str_has_prefix (text, "unix:"))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _ ("TLS needs HOST:PORT, not a Unix socket"));
          return NULL;
        }
    }
  else if (g_str_has_prefix (text, "unix:"))
    return (GSocketConnectable *) confab_address_parse (text, error);

  if (*text == '\0' || strchr (text, '/') != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                           _ ("expected HOST:PORT, [IPV6]:PORT or unix:PATH"));
      return NULL;
    }
  return g_network_address_parse (text, CONFAB_DEFAULT_PORT, error);
}

void
confab_client_app_finish (ConfabClientApp *self,
                          int              status)
{
  self->status = status;
  g_main_loop_quit (self->loop);
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

        confab_client_output_notice (self->output, _ ("logged in as %s (server %s, JSON protocol %d)"),
                                     name, server, (int) event->protocol);
      }
      return;

    case CONFAB_CLIENT_EVENT_PEERS:
      if (origin == CONFAB_CLIENT_ORIGIN_LOGIN)
        {
          g_autofree char *peers = peers_text (event);

          if (self->json)
            confab_client_output_notice (self->output, _ ("online: %s"), peers);
          else
            confab_client_output_notice (self->output, _ ("logged in as %s; online: %s"),
                                         self->name, peers);
          return;
        }
      break;

    case CONFAB_CLIENT_EVENT_ERROR:
      if (g_strcmp0 (event->code, "name-taken") == 0 ||
          (!event->json && event->text != NULL && g_str_has_prefix (event->text, "name taken")))
        self->name_taken = TRUE; /* the server closes next */
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
        confab_client_term_set_prompt (self->term, _ ("Name: "));
      else
        g_printerr ("%s", _ ("Name: "));
      return;
    }

  confab_client_app_stop_input (self);
  if (clean)
    {
      confab_client_app_finish (self, CONFAB_CLIENT_EXIT_OK);
      return;
    }

  confab_client_output_problem (self->output, "%s", reason);
  confab_client_app_finish (self, CONFAB_CLIENT_EXIT_FAILURE);
}

static void
session_drained_cb (ConfabClientSession *session,
                    gpointer             user_data)
{
  ConfabClientApp *self = user_data;

  if (self->input_paused)
    {
      self->input_paused = FALSE;
      confab_client_app_read_next_line (self);
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
    return; /* stopped by a signal; the app may be gone */

  self = user_data;
  if (connection == NULL && self->tls_errors != 0)
    {
      g_autofree char *why = confab_client_tls_describe_errors (self->tls_errors);

      confab_client_output_problem (self->output, _ ("cannot connect to %s: the server's certificate is refused: %s"),
                                    self->address_text, why);
      confab_client_app_finish (self, CONFAB_CLIENT_EXIT_FAILURE);
      return;
    }
  if (connection == NULL)
    {
      confab_client_output_problem (self->output, _ ("cannot connect to %s: %s"),
                                    self->address_text, error->message);
      confab_client_app_finish (self, CONFAB_CLIENT_EXIT_FAILURE);
      return;
    }

  /* The client's timeout was for connecting; a chat may be quiet. */
  g_socket_set_timeout (g_socket_connection_get_socket (connection), 0);

  confab_client_output_notice (self->output, _ ("connected to %s"), self->address_text);
  self->session = confab_client_session_new (connection, self->json);
  g_signal_connect (self->session, "event", G_CALLBACK (session_event_cb), self);
  g_signal_connect (self->session, "closed", G_CALLBACK (session_closed_cb), self);
  g_signal_connect (self->session, "drained", G_CALLBACK (session_drained_cb), self);

  self->connecting = FALSE;
  if (self->name != NULL)
    confab_client_app_login (self, self->name);
  else
    self->awaiting_name = TRUE;
  confab_client_app_start_input (self);

  /* What was typed while connecting, then the end of input if it came. */
  for (guint i = 0; i < self->early_lines->len && !self->quit_pending; i++)
    confab_client_app_handle_line (self, g_ptr_array_index (self->early_lines, i));
  g_ptr_array_set_size (self->early_lines, 0);
  if (self->eof_pending || self->quit_pending)
    {
      self->eof_pending = FALSE;
      g_debug ("end of input: waiting for the server to answer everything");
      confab_client_session_finish (self->session, QUIET_TIMEOUT_MS);
    }
}

void
confab_client_app_connect (ConfabClientApp *self)
{
  g_autoptr(GSocketClient) client = g_socket_client_new ();

  if (self->connecting)
    return;
  self->connecting = TRUE;
  /* A chat protocol has no business with HTTP proxies. */
  g_socket_client_set_enable_proxy (client, FALSE);
  if (self->tls)
    {
      confab_client_tls_prepare (self, client);
    }
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
      confab_client_app_start_input (self);
    }
  else
    confab_client_app_connect (self);

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
  g_clear_object (&self->tls_database);
  g_clear_object (&self->tls_certificate);
  g_clear_pointer (&self->address_text, g_free);
  g_clear_pointer (&self->name, g_free);
  g_clear_pointer (&self->early_lines, g_ptr_array_unref);
  g_clear_pointer (&self->current_room, g_free);
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
