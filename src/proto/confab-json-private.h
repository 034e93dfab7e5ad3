/* confab-json-private.h: what the JSON protocol's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-error.h"
#include "confab-json-protocol.h"

G_BEGIN_DECLS

/* confab-json-protocol.c */
gboolean confab_json_fail (GError     **error,
                           const char **field,
                           ConfabError  code,
                           const char  *field_name,
                           const char  *message);
char    *confab_json_finish_line (JsonBuilder *builder,
                                  gsize       *len);

/* confab-json-rooms.c */
gboolean confab_json_parse_room_request (JsonObject        *object,
                                         const char        *type,
                                         ConfabJsonRequest *request,
                                         const char       **field,
                                         GError           **error);
void     confab_json_build_room_event (JsonBuilder   *builder,
                                       ConfabMessage *message);

/* confab-json-history.c */
void confab_json_build_history_event (JsonBuilder   *builder,
                                      ConfabMessage *message);

G_END_DECLS
