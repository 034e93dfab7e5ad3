/* confab-client-session.h: one client connection to a confab server.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-client-rooms.h"

#include "confab-client-protocol.h"

G_BEGIN_DECLS

/* Who asked for a peers answer, so that it can be shown accordingly. */
typedef enum
{
  CONFAB_CLIENT_ORIGIN_NONE,  /* not an answer to anything (all other lines) */
  CONFAB_CLIENT_ORIGIN_USER,  /* the user typed /peers */
  CONFAB_CLIENT_ORIGIN_LOGIN, /* sent after the login, to confirm it */
} ConfabClientOrigin;

#define CONFAB_TYPE_CLIENT_SESSION (confab_client_session_get_type ())
G_DECLARE_FINAL_TYPE (ConfabClientSession, confab_client_session,
                      CONFAB, CLIENT_SESSION, GObject)

/*
 * confab_client_session_new:
 * @connection: connected; the session reads from it at once
 * @json: speak the JSON-lines protocol rather than the text one
 *
 * Signals:
 *   "event" (ConfabClientEvent *event, ConfabClientOrigin origin):
 *     a server line, in order. The session owns @event.
 *   "closed" (gboolean clean, const char *reason): emitted once. @clean
 *     is TRUE when confab_client_session_finish() was called and the
 *     server answered everything sent before it; otherwise @reason says
 *     what happened in plain (translated) words.
 *   "drained": the queue of lines to send became empty.
 */
ConfabClientSession *confab_client_session_new (GSocketConnection *connection,
                                                gboolean           json);

/* Sends the login line; with @confirm, also a peers request whose answer
 * comes with origin LOGIN (the text protocol has no other reply to a
 * successful login). */
void confab_client_session_login (ConfabClientSession *self,
                                  const char          *name,
                                  gboolean             confirm);

/*
 * confab_client_session_send_line:
 * @line: a typed line: "/peers" or "NAME, NAME: text" (in the text
 *   protocol anything else is sent as it is, for the server to judge)
 *
 * Returns: FALSE with a CONFAB_CLIENT_PROTOCOL_ERROR if the line cannot
 *   be sent in the JSON protocol
 */
void     confab_client_session_send_room_request (ConfabClientSession           *self,
                                                  const ConfabClientRoomRequest *request);
gboolean confab_client_session_send_line (ConfabClientSession *self,
                                          const char          *line,
                                          GError             **error);

/* Bytes accepted but not yet written to the socket. */
gsize confab_client_session_get_queued (ConfabClientSession *self);

/*
 * confab_client_session_finish:
 * @quiet_timeout_ms: give up if the server stays silent this long
 *
 * End of input: sends a last peers request, shuts the write side after
 * it, and emits "closed" (clean) once it is answered, which proves that
 * the server has handled, and answered, every earlier line.
 */
void confab_client_session_finish (ConfabClientSession *self,
                                   guint                quiet_timeout_ms);

/* Closes the connection at once; emits "closed" if not done yet. */
void confab_client_session_close (ConfabClientSession *self,
                                  const char          *reason);

G_END_DECLS
