/* confab-session-private.h: what the session layer's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-session.h"

G_BEGIN_DECLS

/* confab-session.c */
void confab_session_send_message (const ConfabSession *session,
                                  const ConfabRequest *request);

/* confab-session-rooms.c */
gboolean confab_session_names_rooms (const char * const *to,
                                     guint               n_to);
void     confab_session_send_to_rooms (const ConfabSession *session,
                                       const ConfabRequest *request);
void     confab_session_handle_room_request (const ConfabSession *session,
                                             const ConfabRequest *request);

G_END_DECLS
