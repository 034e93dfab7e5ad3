/* confab-codec.h: one wire protocol, whole: what a connection needs of it.
 *
 * A codec turns one framed line into a typed request (or a typed error)
 * and one typed event into the bytes of that protocol. The connection
 * layer holds a `const ConfabCodec *` and never looks at a protocol's
 * syntax itself; a new front door (IRC, WebSocket) is one more codec.
 *
 * Events are ConfabMessage values of every kind (chat, error, welcome,
 * peers, rooms, join, part, topic, members), so what the broker queues and what a
 * connection answers itself are encoded the same way, by the codec, once
 * per message and protocol (confab_codec_message_bytes()).
 *
 * Why a struct of function pointers and not a GInterface: a codec has no
 * state of its own (the decode options come with each call), there is
 * exactly one instance of each, and the hot path calls it once per line
 * and per recipient, so a static const table is all it needs: no type
 * registration, no instance to ref, no GType check on every call. Nothing
 * in it assumes text or JSON: requests and messages are typed values, and
 * bytes are bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-error.h"
#include "confab-json-protocol.h"
#include "confab-message.h"
#include "confab-text-protocol.h"

G_BEGIN_DECLS

typedef enum
{
  CONFAB_REQUEST_LOGIN,   /* name: the name asked for ("": the caller's user name) */
  CONFAB_REQUEST_MESSAGE, /* to, n_to, text, text_len */
  CONFAB_REQUEST_PEERS,   /* who is connected */
  CONFAB_REQUEST_ROOMS,   /* which rooms exist */
  CONFAB_REQUEST_JOIN,    /* room */
  CONFAB_REQUEST_PART,    /* room */
  CONFAB_REQUEST_MEMBERS, /* room */
  CONFAB_REQUEST_TOPIC,   /* room; text, text_len: the new topic (one line, no control
                           * characters: the codec checked), or text NULL to ask */
  CONFAB_REQUEST_HISTORY, /* room; limit: how many lines (0: the default) */
} ConfabRequestKind;

/*
 * ConfabRequest:
 * A decoded client line. Its strings point into the decoded line or into
 * storage the request owns; they live until confab_request_clear(), which
 * must be called after every successful decode. Cheap on the hot path: a
 * text line is decoded in place, allocating nothing.
 */
typedef struct
{
  ConfabRequestKind   kind;
  const char         *name;
  const char * const *to; /* de-duplicated, n_to names and rooms */
  guint               n_to;
  const char         *text; /* trimmed, NUL-terminated */
  gsize               text_len;
  const char         *room;     /* a room's name, '#' included */
  const char         *password; /* (nullable): a login's password (SPEC §11) */
  guint               limit;    /* history: the lines asked for, 0 for the default */

  /*< private >*/
  void (*clear) (gpointer request);
  union
  {
    ConfabTextMessage text;
    ConfabJsonRequest json;
  } storage;
} ConfabRequest;

/* What a decode may depend on besides the line. */
typedef struct
{
  guint    recipients_max; /* the configured limit */
  gboolean blank_login;    /* a blank login asks for the caller's user name */
  gboolean passwords;      /* the server has accounts: a text login may be "NAME PASSWORD" */
} ConfabDecodeOptions;

typedef struct _ConfabCodec ConfabCodec;

/* Which of a message's slots (confab-message.h) each codec keeps its
 * encoding in. */
enum
{
  CONFAB_CODEC_SLOT_TEXT,
  CONFAB_CODEC_SLOT_JSON,
  CONFAB_CODEC_SLOT_IRC,
  CONFAB_CODEC_SLOT_WEBSOCKET,
  CONFAB_CODEC_N_SLOTS
};

/*
 * ConfabCodecPeer:
 * What an encoding that depends on its recipient needs to know of the
 * connection it is for: IRC writes the recipient's nick into every
 * numeric and as a direct message's target, and tags a line only for a
 * client that asked. Kept by the connection.
 */
typedef struct
{
  const char *nick;        /* (nullable): its name, once logged in */
  const char *server_name; /* what the protocol calls this server */
  guint       flags;       /* the protocol's own (IRC: the capabilities) */
} ConfabCodecPeer;

/*
 * ConfabCodec:
 * @name: the protocol's name, as GetPeer shows it ("text", "json")
 * @slot: where a message keeps its encoding in this protocol
 * @greets: whether a login is answered with a welcome message
 * @decode_login: decodes the first line; a request of any kind but
 *   LOGIN is an error here
 * @decode: decodes a line after the login; never gives a LOGIN request
 * @encode: the bytes of @message (of any ConfabMessageKind), the line end
 *   included; %NULL if the protocol has nothing to say for it
 * @encode_for: (nullable): for a protocol whose bytes for some messages
 *   depend on the recipient: appends them to @out and returns %TRUE, or
 *   returns %FALSE when @encode's shared bytes are the same for everyone
 *
 * Decode errors are in the CONFAB_ERROR domain with plain, untranslated
 * words: they go back to the client as an error message.
 */
struct _ConfabCodec
{
  const char *name;
  guint       slot;
  gboolean    greets;
  gboolean (*decode_login) (char                      *line,
                            gsize                      len,
                            const ConfabDecodeOptions *options,
                            ConfabRequest             *request,
                            GError                   **error);
  gboolean (*decode) (char                      *line,
                      gsize                      len,
                      const ConfabDecodeOptions *options,
                      ConfabRequest             *request,
                      GError                   **error);
  ConfabEncoded *(*encode) (ConfabMessage *message);
  gboolean (*encode_for) (const ConfabCodecPeer *peer,
                          ConfabMessage         *message,
                          GString               *out);
};

extern const ConfabCodec confab_codec_text;
ConfabMessage           *confab_text_codec_new_chat (const char         *sender,
                                                     const char         *room,
                                                     const char           *const *recipients,
                                                     guint               n_recipients,
                                                     const char         *text,
                                                     gsize               text_len);
extern const ConfabCodec confab_codec_json;
extern const ConfabCodec confab_codec_irc;
extern const ConfabCodec confab_codec_websocket;

const ConfabCodec *confab_codec_sniff (const char *data,
                                       gsize       len);

gboolean confab_codec_decode_login (const ConfabCodec         *codec,
                                    char                      *line,
                                    gsize                      len,
                                    const ConfabDecodeOptions *options,
                                    ConfabRequest             *request,
                                    GError                   **error);
gboolean confab_codec_decode (const ConfabCodec         *codec,
                              char                      *line,
                              gsize                      len,
                              const ConfabDecodeOptions *options,
                              ConfabRequest             *request,
                              GError                   **error);
void     confab_request_clear (ConfabRequest *request);

GBytes     *confab_codec_encode (const ConfabCodec *codec,
                                 ConfabMessage     *message);
GBytes     *confab_codec_encode_error (const ConfabCodec *codec,
                                       ConfabError        code,
                                       const char        *text);
const char *confab_codec_message_bytes (const ConfabCodec *codec,
                                        ConfabMessage     *message,
                                        gsize             *len);
const char *confab_codec_message_bytes_for (const ConfabCodec     *codec,
                                            const ConfabCodecPeer *peer,
                                            ConfabMessage         *message,
                                            GString               *scratch,
                                            gsize                 *len);

G_END_DECLS
