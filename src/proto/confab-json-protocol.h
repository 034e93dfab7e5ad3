/* confab-json-protocol.h: the JSON-lines protocol (docs/protocol.md).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "confab-message.h"

G_BEGIN_DECLS

/* The version this server speaks, and the oldest a client may ask for. */
#define CONFAB_JSON_PROTOCOL_VERSION     2
#define CONFAB_JSON_PROTOCOL_VERSION_MIN 1
/* json-glib 1.6 has no nesting limit of its own. */
#define CONFAB_JSON_MAX_DEPTH 32

typedef enum
{
  CONFAB_JSON_REQUEST_LOGIN,
  CONFAB_JSON_REQUEST_MESSAGE,
  CONFAB_JSON_REQUEST_PEERS,
  CONFAB_JSON_REQUEST_ROOMS,
  CONFAB_JSON_REQUEST_JOIN,
  CONFAB_JSON_REQUEST_PART,
  CONFAB_JSON_REQUEST_MEMBERS,
  CONFAB_JSON_REQUEST_TOPIC,
  CONFAB_JSON_REQUEST_HISTORY,
} ConfabJsonRequestType;

/*
 * ConfabJsonRequest:
 * A decoded client frame; clear it with confab_json_request_clear().
 */
typedef struct
{
  ConfabJsonRequestType type;
  char                 *name;     /* (owned): login */
  char                 *password; /* (owned) (nullable): login, wiped when cleared */
  char                **to;       /* (owned): message, de-duplicated, NULL-terminated */
  guint                 n_to;
  char                 *text; /* (owned): message, trimmed */
  gsize                 text_len;
  char                 *room;  /* (owned): join, part, members, topic */
  char                 *topic; /* (owned) (nullable): topic: the new one; NULL asks */
  guint                 limit; /* history: "limit", 0 if absent */
} ConfabJsonRequest;

gboolean    confab_json_is_json_line (const char *line,
                                      gsize       len);
gboolean    confab_json_check_syntax (const char *line,
                                      gsize       len,
                                      GError    **error);
const char *confab_json_get_string (JsonObject *object,
                                    const char *name);
gboolean    confab_json_parse_request (const char        *line,
                                       gsize              len,
                                       guint              max_recipients,
                                       ConfabJsonRequest *request,
                                       const char       **field,
                                       GError           **error);
void        confab_json_request_clear (ConfabJsonRequest *request);

GBytes *confab_json_encode_message (ConfabMessage *message);
char   *confab_json_encode_welcome (const char *name,
                                    gsize      *len);
char   *confab_json_encode_peers (const char   *const *names,
                                  guint               n_names,
                                  gsize              *len);
char   *confab_json_encode_error (ConfabError code,
                                  const char *text,
                                  gsize      *len);

G_END_DECLS
