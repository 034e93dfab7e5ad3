/* confab-json-codec.c: the JSON-lines protocol (docs/protocol.md) as a
 * codec.
 *
 * The parsing and the frames themselves are confab-json-protocol.c's;
 * here they are fitted to the typed requests every protocol shares.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-codec.h"

static void
json_request_clear (gpointer request)
{
  confab_json_request_clear (&((ConfabRequest *) request)->storage.json);
}

/* Decodes any frame into @request's storage. */
static gboolean
json_parse (char                      *line,
            gsize                      len,
            const ConfabDecodeOptions *options,
            ConfabRequest             *request,
            GError                   **error)
{
  if (!confab_json_parse_request (line, len, options->recipients_max,
                                  &request->storage.json, NULL, error))
    return FALSE;
  request->clear = json_request_clear;
  return TRUE;
}

static gboolean
refuse (ConfabRequest *request,
        GError       **error,
        const char    *text)
{
  confab_request_clear (request);
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE, text);
  return FALSE;
}

/* An empty name passes: on a Unix socket with identity checks it means
 * "my user name", and otherwise the join refuses it. */
static gboolean
json_decode_login (char                      *line,
                   gsize                      len,
                   const ConfabDecodeOptions *options,
                   ConfabRequest             *request,
                   GError                   **error)
{
  if (!json_parse (line, len, options, request, error))
    return FALSE;
  if (request->storage.json.type != CONFAB_JSON_REQUEST_LOGIN)
    return refuse (request, error, "the first frame must be a login");

  request->kind = CONFAB_REQUEST_LOGIN;
  request->name = request->storage.json.name;
  request->password = request->storage.json.password;
  return TRUE;
}

static gboolean
json_decode (char                      *line,
             gsize                      len,
             const ConfabDecodeOptions *options,
             ConfabRequest             *request,
             GError                   **error)
{
  ConfabJsonRequest *parsed = &request->storage.json;

  if (!json_parse (line, len, options, request, error))
    return FALSE;

  switch (parsed->type)
    {
    case CONFAB_JSON_REQUEST_MESSAGE:
      request->kind = CONFAB_REQUEST_MESSAGE;
      request->to = (const char * const *) parsed->to;
      request->n_to = parsed->n_to;
      request->text = parsed->text;
      request->text_len = parsed->text_len;
      return TRUE;

    case CONFAB_JSON_REQUEST_PEERS:
      request->kind = CONFAB_REQUEST_PEERS;
      return TRUE;

    case CONFAB_JSON_REQUEST_ROOMS:
      request->kind = CONFAB_REQUEST_ROOMS;
      return TRUE;

    case CONFAB_JSON_REQUEST_JOIN:
      request->kind = CONFAB_REQUEST_JOIN;
      request->room = parsed->room;
      return TRUE;

    case CONFAB_JSON_REQUEST_PART:
      request->kind = CONFAB_REQUEST_PART;
      request->room = parsed->room;
      return TRUE;

    case CONFAB_JSON_REQUEST_MEMBERS:
      request->kind = CONFAB_REQUEST_MEMBERS;
      request->room = parsed->room;
      return TRUE;

    case CONFAB_JSON_REQUEST_TOPIC:
      request->kind = CONFAB_REQUEST_TOPIC;
      request->room = parsed->room;
      request->text = parsed->topic;
      request->text_len = parsed->topic != NULL ? strlen (parsed->topic) : 0;
      return TRUE;

    case CONFAB_JSON_REQUEST_HISTORY:
      request->kind = CONFAB_REQUEST_HISTORY;
      request->room = parsed->room;
      request->limit = parsed->limit;
      return TRUE;

    case CONFAB_JSON_REQUEST_LOGIN:
    default:
      return refuse (request, error, "already logged in");
    }
}

/* JSON frames are built by json-glib; one copy makes them a slot's
 * encoding (once per message, not per recipient). */
static ConfabEncoded *
json_encode (ConfabMessage *message)
{
  g_autoptr(GBytes) bytes = confab_json_encode_message (message);
  gsize       len;
  const char *data;

  if (bytes == NULL)
    return NULL;
  data = g_bytes_get_data (bytes, &len);
  return confab_encoded_new_copy (data, len);
}

const ConfabCodec confab_codec_json = {
  .name = "json",
  .slot = CONFAB_CODEC_SLOT_JSON,
  .greets = TRUE,
  .decode_login = json_decode_login,
  .decode = json_decode,
  .encode = json_encode,
};
