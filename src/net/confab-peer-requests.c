/* confab-peer-requests.c: what a connection's lines ask for.
 *
 * The first line picks the protocol (a JSON object or a text login); then
 * each line is a chat message or a request, parsed by the protocol's
 * module and turned into broker calls. Replies go through the broker's
 * queue for this peer, so they stay in order with everything else.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-json-protocol.h"
#include "confab-names.h"
#include "confab-peer-private.h"
#include "confab-text-protocol.h"

/* Queues a reply for this connection alone, in order with its output. */
static void
reply (ConfabPeer *self,
       char       *line,
       gsize       len)
{
  g_autoptr(ConfabMessage) message = confab_message_new_raw (line, len);

  confab_broker_send_message (self->shared->broker, self->entry, message);
}

static void
reply_peers (ConfabPeer *self)
{
  g_autoptr(GPtrArray) peers = confab_broker_list_peers (self->shared->broker);
  g_autofree const char **names = g_new0 (const char *, peers->len + 1);
  g_autofree char *line = NULL;
  gsize len;

  for (guint i = 0; i < peers->len; i++)
    names[i] = confab_broker_peer_get_name (g_ptr_array_index (peers, i));

  if (self->protocol == PROTOCOL_JSON)
    {
      line = confab_json_encode_peers (names, peers->len, &len);
    }
  else
    {
      g_autofree char *joined = g_strjoinv (" ", (char **) names);

      line = g_strconcat ("peers: ", joined, "\n", NULL);
      len = strlen (line);
    }
  reply (self, line, len);
}

/* With unix_identity on, a Unix-socket caller is who the kernel says: an
 * empty name becomes the user name, any other name is refused. */
static gboolean
identity_applies (ConfabPeer *self)
{
  return self->shared->limits.unix_identity && self->unix_uid >= 0;
}

static void
try_login (ConfabPeer *self,
           const char *requested)
{
  g_autofree char *user = NULL;
  const char *name = requested;

  if (identity_applies (self))
    {
      user = confab_peer_dup_unix_user (self);
      if (user == NULL)
        {
          g_autofree char *text = g_strdup_printf ("not your name: uid %" G_GINT64_FORMAT
                                                   " has no user name", self->unix_uid);

          confab_broker_count_rejected_login (self->shared->broker);
          confab_peer_close_with_error (self, CONFAB_ERROR_NOT_YOUR_NAME, text);
          return;
        }
      if (*requested == '\0')
        name = user;
      else if (!g_str_equal (requested, user))
        {
          g_autofree char *text = g_strdup_printf ("not your name: on this socket you are %s", user);

          confab_broker_count_rejected_login (self->shared->broker);
          confab_peer_close_with_error (self, CONFAB_ERROR_NOT_YOUR_NAME, text);
          return;
        }
    }
  else if (self->shared->limits.unix_identity)
    {
      /* Local users' names are theirs alone: asked of the user database
       * off the main loop, then joined (confab-peer-identity.c). */
      confab_peer_start_name_check (self, name);
      return;
    }

  confab_peer_join (self, name);
}

/* Takes @name in the broker, or closes the connection if it is taken. */
void
confab_peer_join (ConfabPeer *self,
                  const char *name)
{
  g_autoptr(GError) error = NULL;

  self->entry = confab_broker_join (self->shared->broker, name, self->address,
                                    self->protocol == PROTOCOL_JSON ? "json" : "text",
                                    &confab_peer_sink, self, &error);
  if (self->entry == NULL)
    {
      confab_peer_close_with_error (self, error->code, error->message);
      return;
    }

  self->state = PEER_ACTIVE;
  confab_peer_cancel_timer (self);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    CONFAB_LOG_FIELD_PEER, name,
                    CONFAB_LOG_FIELD_ADDRESS, self->address,
                    CONFAB_LOG_FIELD_EVENT, "login",
                    "MESSAGE", "%s logged in from %s", name, self->address);

  if (self->protocol == PROTOCOL_JSON)
    {
      gsize len;
      g_autofree char *welcome = confab_json_encode_welcome (name, &len);

      reply (self, welcome, len);
    }
}

static void
peer_login (ConfabPeer *self,
            const char *requested)
{
  /* Named in the log line if the login is refused. */
  self->login_name = requested;
  try_login (self, requested);
  self->login_name = NULL;
}

static void
handle_login (ConfabPeer *self,
              char       *line,
              gsize       len)
{
  g_autoptr(GError) error = NULL;
  const char *name;

  if (self->protocol == PROTOCOL_JSON)
    {
      ConfabJsonRequest request;

      if (!confab_json_parse_request (line, len, self->shared->limits.recipients_max,
                                      &request, NULL, &error))
        {
          confab_broker_count_rejected_login (self->shared->broker);
          confab_peer_close_with_error (self, error->code, error->message);
          return;
        }
      if (request.type != CONFAB_JSON_REQUEST_LOGIN)
        {
          confab_json_request_clear (&request);
          confab_broker_count_rejected_login (self->shared->broker);
          confab_peer_close_with_error (self, CONFAB_ERROR_BAD_MESSAGE, "the first frame must be a login");
          return;
        }
      peer_login (self, request.name);
      confab_json_request_clear (&request);
      return;
    }

  /* An empty login line asks for the caller's own user name. */
  if (identity_applies (self) && confab_text_is_blank (line, len))
    {
      peer_login (self, "");
      return;
    }

  if (!confab_text_parse_login (line, len, &name, &error))
    {
      confab_broker_count_rejected_login (self->shared->broker);
      confab_peer_close_with_error (self, error->code, error->message);
      return;
    }
  peer_login (self, name);
}

static void
handle_text_message (ConfabPeer *self,
                     char       *line,
                     gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabTextMessage parsed;

  if (confab_text_is_peers_command (line, len))
    {
      reply_peers (self);
      return;
    }

  if (!confab_text_parse_message (line, len, self->shared->limits.recipients_max,
                                  &parsed, &error))
    {
      confab_broker_send_error (self->shared->broker, self->entry,
                                error->code, error->message);
      return;
    }

  message = confab_message_new_chat (confab_broker_peer_get_name (self->entry),
                                     parsed.recipients, parsed.n_recipients,
                                     parsed.text, parsed.text_len, 0);
  confab_broker_route (self->shared->broker, self->entry,
                       parsed.recipients, parsed.n_recipients, message);
}

static void
handle_json_message (ConfabPeer *self,
                     char       *line,
                     gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabJsonRequest request;

  if (!confab_json_parse_request (line, len, self->shared->limits.recipients_max,
                                  &request, NULL, &error))
    {
      confab_broker_send_error (self->shared->broker, self->entry,
                                error->code, error->message);
      return;
    }

  switch (request.type)
    {
    case CONFAB_JSON_REQUEST_MESSAGE:
      message = confab_message_new_chat (confab_broker_peer_get_name (self->entry),
                                         (const char * const *) request.to, request.n_to,
                                         request.text, request.text_len, 0);
      confab_broker_route (self->shared->broker, self->entry,
                           (const char * const *) request.to, request.n_to, message);
      break;

    case CONFAB_JSON_REQUEST_PEERS:
      reply_peers (self);
      break;

    case CONFAB_JSON_REQUEST_LOGIN:
    default:
      confab_broker_send_error (self->shared->broker, self->entry,
                                CONFAB_ERROR_BAD_MESSAGE, "already logged in");
      break;
    }
  confab_json_request_clear (&request);
}

gboolean
confab_peer_handle_line (char     *line,
         gsize     len,
         gpointer  user_data)
{
  ConfabPeer *self = user_data;

  switch (self->state)
    {
    case PEER_LOGIN:
      handle_login (self, line, len);
      break;

    case PEER_ACTIVE:
      if (self->protocol == PROTOCOL_JSON)
        handle_json_message (self, line, len);
      else
        handle_text_message (self, line, len);
      break;

    case PEER_CLOSING:
    case PEER_LINGER:
    case PEER_CLOSED:
    default:
      return FALSE;
    }

  return self->state <= PEER_ACTIVE;
}
