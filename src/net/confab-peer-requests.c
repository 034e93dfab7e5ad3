/* confab-peer-requests.c: what a connection's lines ask for.
 *
 * The first bytes pick the connection's codec (confab-codec.h); it decodes
 * each line into a typed request, which is turned into broker calls here,
 * whatever the protocol. Replies (welcome, peers) are typed messages the
 * connection queues to itself, in order with everything the broker
 * queued for it; they are encoded by the same codec when written.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-names.h"
#include "confab-peer-private.h"

/* A reply for this connection alone goes to its own queue, in order
 * with what the broker queued for it, not through the broker. */
static void
reply (ConfabPeer    *self,
       ConfabMessage *message)
{
  confab_broker_peer_push_reply (self->entry, message);
}

static void
reply_peers (ConfabPeer *self)
{
  g_autoptr(GPtrArray) peers = confab_broker_list_peers (self->shared->broker);
  g_autofree const char **names = g_new0 (const char *, peers->len + 1);
  g_autoptr(ConfabMessage) message = NULL;

  for (guint i = 0; i < peers->len; i++)
    names[i] = confab_broker_peer_get_name (g_ptr_array_index (peers, i));
  message = confab_message_new_peers (names, peers->len);
  reply (self, message);
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
                                    self->codec->name, &confab_peer_sink, self, &error);
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

  if (self->codec->greets)
    {
      g_autoptr(ConfabMessage) welcome = confab_message_new_welcome (name);

      reply (self, welcome);
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

static ConfabDecodeOptions
decode_options (ConfabPeer *self)
{
  return (ConfabDecodeOptions) {
    .recipients_max = self->shared->limits.recipients_max,
    .blank_login = identity_applies (self),
  };
}

static void
handle_login (ConfabPeer *self,
              char       *line,
              gsize       len)
{
  g_autoptr(GError) error = NULL;
  ConfabDecodeOptions options = decode_options (self);
  ConfabRequest request;

  if (!confab_codec_decode_login (self->codec, line, len, &options, &request, &error))
    {
      confab_broker_count_rejected_login (self->shared->broker);
      confab_peer_close_with_error (self, error->code, error->message);
      return;
    }
  peer_login (self, request.name);
  confab_request_clear (&request);
}

static void
handle_request (ConfabPeer *self,
                char       *line,
                gsize       len)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabMessage) message = NULL;
  ConfabDecodeOptions options = decode_options (self);
  ConfabRequest request;

  if (!confab_codec_decode (self->codec, line, len, &options, &request, &error))
    {
      confab_broker_send_error (self->shared->broker, self->entry,
                                error->code, error->message);
      return;
    }

  switch (request.kind)
    {
    case CONFAB_REQUEST_MESSAGE:
      message = confab_message_new_chat (confab_broker_peer_get_name (self->entry),
                                         request.to, request.n_to,
                                         request.text, request.text_len, 0);
      confab_broker_route (self->shared->broker, self->entry,
                           request.to, request.n_to, message);
      break;

    case CONFAB_REQUEST_PEERS:
      reply_peers (self);
      break;

    case CONFAB_REQUEST_LOGIN:
    default:
      g_assert_not_reached ();
    }
  confab_request_clear (&request);
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
      handle_request (self, line, len);
      break;

    case PEER_CLOSING:
    case PEER_LINGER:
    case PEER_CLOSED:
    default:
      return FALSE;
    }

  return self->state <= PEER_ACTIVE;
}
