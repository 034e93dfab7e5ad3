/* confab-client-protocol.h: the client's side of both wire protocols.
 *
 * Pure functions, no sockets: what confab sends for a login, a typed
 * line or a /peers request, how it reads a server line (text or JSON,
 * docs/protocol.md) and how it shows one on a terminal. The program's
 * I/O lives in confab-client-session.c; this part is unit-tested.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-json-protocol.h"

G_BEGIN_DECLS

#define CONFAB_CLIENT_PROTOCOL_ERROR (confab_client_protocol_error_quark ())

typedef enum
{
  /* A server line that is not JSON, not an object, too deeply nested,
   * or misses a member its type needs. */
  CONFAB_CLIENT_PROTOCOL_ERROR_INVALID,
  /* A typed line that is not "NAME, NAME: text". */
  CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE,
  /* A typed line that is not valid UTF-8 (JSON cannot carry it). */
  CONFAB_CLIENT_PROTOCOL_ERROR_INVALID_UTF8,
} ConfabClientProtocolError;

GQuark confab_client_protocol_error_quark (void);

/* Deeper server lines are refused unparsed: json-glib 1.6 would recurse
 * without bound. The server's own frames nest two levels. */
#define CONFAB_CLIENT_JSON_MAX_DEPTH CONFAB_JSON_MAX_DEPTH

typedef enum
{
  CONFAB_CLIENT_EVENT_OTHER,   /* a text line of no known form; a JSON type we do not know */
  CONFAB_CLIENT_EVENT_MESSAGE, /* "from NAME: text" / {"type":"message"} */
  CONFAB_CLIENT_EVENT_ERROR,   /* "error: text" / {"type":"error"} */
  CONFAB_CLIENT_EVENT_PEERS,   /* "peers: a b" / {"type":"peers"} */
  CONFAB_CLIENT_EVENT_WELCOME, /* {"type":"welcome"} (JSON only) */
  CONFAB_CLIENT_EVENT_ROOM,    /* {"type":"join"}, part, topic, members, rooms (JSON; text
                                * shows the text protocol's line) */
} ConfabClientEventKind;

/*
 * ConfabClientEvent:
 * One decoded server line. Strings are as received (valid UTF-8 where
 * JSON guarantees it, raw bytes in the text protocol); display them
 * through confab_client_format_event() or confab_client_sanitize().
 */
typedef struct
{
  ConfabClientEventKind kind;
  gboolean              json;     /* decoded from the JSON protocol */
  char                 *line;     /* (owned): the line as received, without "\n" */
  char                 *from;     /* (owned) (nullable): MESSAGE: the sender */
  char                 *text;     /* (owned) (nullable): MESSAGE: the text; ERROR: the message */
  char                 *code;     /* (owned) (nullable): ERROR: the JSON error code */
  GStrv                 to;       /* (owned) (nullable): MESSAGE (JSON): the recipients */
  GStrv                 peers;    /* (owned) (nullable): PEERS: the names, as sent */
  gint64                time;     /* MESSAGE (JSON): µs since the Unix epoch; 0 if not given */
  char                 *name;     /* (owned) (nullable): WELCOME: the name logged in */
  char                 *server;   /* (owned) (nullable): WELCOME: server software and version */
  gint64                protocol; /* WELCOME: protocol version; 0 if not given */
  char                 *room;     /* (owned) (nullable): MESSAGE, ROOM (JSON): the room */
} ConfabClientEvent;

void confab_client_event_free (ConfabClientEvent *event);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabClientEvent, confab_client_event_free)

/*
 * confab_client_decode_text:
 * @line: a server line of the text protocol, @len bytes, without "\n"
 *
 * Never fails: a line of no known form is an OTHER event.
 *
 * Returns: (transfer full): the event
 */
ConfabClientEvent *confab_client_decode_text (const char *line,
                                              gsize       len);

/*
 * confab_client_decode_json:
 * @line: a server line of the JSON protocol, @len bytes, without "\n"
 *
 * Unknown members are ignored and an unknown `type` gives an OTHER event
 * (the protocol lets servers add them). Nesting deeper than
 * CONFAB_CLIENT_JSON_MAX_DEPTH is refused before parsing.
 *
 * Returns: (transfer full) (nullable): the event, or %NULL with
 *   CONFAB_CLIENT_PROTOCOL_ERROR_INVALID
 */
ConfabClientEvent *confab_client_decode_json (const char *line,
                                              gsize       len,
                                              GError    **error);

/*
 * confab_client_parse_input:
 * @line: a typed line, "NAME: text" or "NAME, NAME: text"
 * @to: (out) (transfer full): the names before the first ':', split at
 *   commas and stripped of white space (empty ones kept: the server
 *   judges names)
 * @text: (out) (transfer full): the text after the ':', stripped
 *
 * Returns: FALSE with CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE if there
 *   is no ':' or nothing but white space before it, or with
 *   CONFAB_CLIENT_PROTOCOL_ERROR_INVALID_UTF8
 */
gboolean confab_client_parse_input (const char *line,
                                    GStrv      *to,
                                    char      **text,
                                    GError    **error);

/* Wire lines, each ended by "\n". (transfer full) */
char *confab_client_encode_login (gboolean    json,
                                  const char *name);
char *confab_client_encode_peers (gboolean json);
char *confab_client_json_line (JsonBuilder *builder);
char *confab_client_encode_json_message (const char * const *to,
                                         const char         *text);

/*
 * confab_client_sanitize:
 * @text: bytes to show, @len long (-1: NUL-terminated)
 *
 * Makes text safe for a terminal: invalid UTF-8 and control characters
 * (C0, DEL, C1, except TAB) become U+FFFD, so nothing a peer sends can
 * move the cursor, recolour the screen or start a new line.
 *
 * Returns: (transfer full): valid UTF-8
 */
char *confab_client_sanitize (const char *text,
                              gssize      len);

/*
 * confab_client_format_event:
 * @event: a MESSAGE, ERROR, PEERS or OTHER event
 *
 * How confab shows a server line. Text protocol: the line itself,
 * sanitized ("from bob: hi", "error: …", "peers: alice bob"). JSON:
 * "HH:MM bob: hi" in local time (each further line of a multi-line text
 * on its own line, indented by six spaces), "error: MESSAGE",
 * "peers: alice bob"; a JSON OTHER or WELCOME event gives %NULL (not
 * shown as a line).
 *
 * Returns: (transfer full) (nullable): the text to show, without a final
 *   newline
 */
char *confab_client_format_event (const ConfabClientEvent *event);

/* "HH:MM" in local time for @time_usec (≤ 0: now). (transfer full) */
char *confab_client_format_time (gint64 time_usec);

/* The message of @error in the user's language: confab-validate.c's
 * messages are English (the daemon sends them), the rest already is. */
const char *confab_client_localize_error (const GError *error);

G_END_DECLS
