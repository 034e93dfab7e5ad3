/* confab-session-private.h: what the session layer's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-session.h"

G_BEGIN_DECLS

/* confab-session.c */
guint confab_session_keep_for_absent (const ConfabSession *session,
                                      const char         **names,
                                      guint                n_names,
                                      const char          *text);
void  confab_session_send_message (const ConfabSession *session,
                                   const ConfabRequest *request);

/* confab-session-rooms.c */
gboolean confab_session_names_rooms (const char * const *to,
                                     guint               n_to);
void     confab_session_send_to_rooms (const ConfabSession *session,
                                       const ConfabRequest *request);
void     confab_session_handle_room_request (const ConfabSession *session,
                                             const ConfabRequest *request);

/* confab-session-history.c */
void     confab_session_history_record (const ConfabSession *session,
                                        ConfabBrokerRoom    *room,
                                        const char          *sender,
                                        const char          *text,
                                        gint64               time_usec);
void     confab_session_history_replay (const ConfabSession *session,
                                        const char          *room,
                                        guint                limit);
gboolean confab_session_history_keeps_for (const ConfabSession *session,
                                           const char          *name);
void     confab_session_history_store_offline (const ConfabSession *session,
                                               const char          *name,
                                               const char          *text,
                                               gint64               time_usec);
void     confab_session_history_deliver_offline (const ConfabSession *session);

G_END_DECLS
