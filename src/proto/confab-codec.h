/* confab-codec.h: one wire protocol, whole: what a connection needs of it.
 *
 * A codec turns one framed line into a typed request (or a typed error)
 * and one typed event into the bytes of that protocol. The connection
 * layer holds a `const ConfabCodec *` and never looks at a protocol's
 * syntax itself; a new front door (IRC, WebSocket) is one more codec.
 *
 * Why a struct of function pointers and not a GInterface: a codec has no
 * state of its own (the decode options come with each call), there is
 * exactly one instance of each, and the hot path calls it once per line
 * and per recipient, so a static const table is all it needs: no type
 * registration, no instance to ref, no GType check on every call. Nothing
 * in it assumes text or JSON: requests and events are typed values, and
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
  CONFAB_REQUEST_LOGIN,    /* name: the name asked for ("": the caller's user name) */
  CONFAB_REQUEST_MESSAGE,  /* to, n_to, text, text_len */
  CONFAB_REQUEST_PEERS,    /* who is connected */
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
  ConfabRequestKind    kind;
  const char          *name;
  const char * const  *to;        /* de-duplicated, n_to names */
  guint                n_to;
  const char          *text;      /* trimmed, NUL-terminated */
  gsize                text_len;

  /*< private >*/
  void               (*clear) (gpointer request);
  union
  {
    ConfabTextMessage  text;
    ConfabJsonRequest  json;
  } storage;
} ConfabRequest;

/* What a decode may depend on besides the line. */
typedef struct
{
  guint     recipients_max;  /* the configured limit */
  gboolean  blank_login;     /* a blank login asks for the caller's user name */
} ConfabDecodeOptions;

typedef enum
{
  CONFAB_EVENT_MESSAGE,  /* message: a chat or error message from a queue */
  CONFAB_EVENT_ERROR,    /* code, text: an error for this connection alone */
  CONFAB_EVENT_WELCOME,  /* name: a login succeeded */
  CONFAB_EVENT_PEERS,    /* names, n_names: the answer to a peers request */
} ConfabEventKind;

/* Something to tell one connection; which members count depends on @kind. */
typedef struct
{
  ConfabEventKind      kind;
  ConfabMessage       *message;
  ConfabError          code;
  const char          *text;
  const char          *name;
  const char * const  *names;
  guint                n_names;
} ConfabEvent;

typedef struct _ConfabCodec ConfabCodec;

/*
 * ConfabCodec:
 * @name: the protocol's name, as GetPeer shows it ("text", "json")
 * @decode_login: decodes the first line; a request of any kind but
 *   LOGIN is an error here
 * @decode: decodes a line after the login; never gives a LOGIN request
 * @encode: the bytes of @event, the line end included; %NULL if the
 *   protocol has nothing to say for it (the text protocol has no welcome)
 * @message_bytes: the bytes of a queued message, encoded at most once per
 *   message however many connections send it (see confab-codec.c)
 *
 * Decode errors are in the CONFAB_ERROR domain with plain, untranslated
 * words: they go back to the client as an error event.
 */
struct _ConfabCodec
{
  const char  *name;
  gboolean   (*decode_login)  (char                       *line,
                               gsize                       len,
                               const ConfabDecodeOptions  *options,
                               ConfabRequest              *request,
                               GError                    **error);
  gboolean   (*decode)        (char                       *line,
                               gsize                       len,
                               const ConfabDecodeOptions  *options,
                               ConfabRequest              *request,
                               GError                    **error);
  GBytes    *(*encode)        (const ConfabEvent          *event);
  const char *(*message_bytes) (ConfabMessage             *message,
                               gsize                      *len);
};

extern const ConfabCodec confab_codec_text;
extern const ConfabCodec confab_codec_json;

const ConfabCodec *confab_codec_sniff        (const char          *data,
                                              gsize                len);

gboolean           confab_codec_decode_login (const ConfabCodec          *codec,
                                              char                       *line,
                                              gsize                       len,
                                              const ConfabDecodeOptions  *options,
                                              ConfabRequest              *request,
                                              GError                    **error);
gboolean           confab_codec_decode       (const ConfabCodec          *codec,
                                              char                       *line,
                                              gsize                       len,
                                              const ConfabDecodeOptions  *options,
                                              ConfabRequest              *request,
                                              GError                    **error);
void               confab_request_clear      (ConfabRequest              *request);

GBytes            *confab_codec_encode       (const ConfabCodec          *codec,
                                              const ConfabEvent          *event);
GBytes            *confab_codec_encode_error (const ConfabCodec          *codec,
                                              ConfabError                 code,
                                              const char                 *text);
const char        *confab_codec_message_bytes (const ConfabCodec         *codec,
                                              ConfabMessage              *message,
                                              gsize                      *len);

/* For the codecs: a message's encoding in @encoding's cache slot, made
 * with @encode on first use. */
const char        *confab_codec_cached_bytes (ConfabMessage              *message,
                                              ConfabEncoding              encoding,
                                              GBytes                   *(*encode) (ConfabMessage *message),
                                              gsize                      *len);

G_END_DECLS
