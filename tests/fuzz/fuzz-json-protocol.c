/* fuzz-json-protocol.c: the JSON-lines decoder, and the encoders on what
 * it decoded.
 *
 * Input: one frame, the whole input as it is (so every file of
 * tests/data/json is a seed), in a buffer of its exact size with no
 * terminating NUL to lean on; decoded with max_recipients 2 and the
 * default 64.
 *
 * Checked: a decoded request obeys docs/protocol.md (valid names, no
 * duplicate recipients, within the limit, trimmed non-empty text); what
 * the server would send back for it — the welcome for a login, the
 * delivered message for a message — is one line of valid JSON by the
 * decoder's own strict RFC 8259 check and decodes to the same names and
 * text again; the text-protocol line for a JSON text stays one line. A
 * refusal is a ConfabError of a documented code naming a documented
 * member, and its JSON error frame is valid JSON too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "confab-codec.h"
#include "confab-error.h"
#include "confab-json-protocol.h"
#include "confab-message.h"
#include "confab-validate.h"
#include "fuzz-common.h"

/* @line (with its '\n') must be a single line our decoder accepts as
 * JSON: with a "type" it does not serve, BAD_MESSAGE proves that the
 * syntax check and json-glib both passed it. Returns the parsed root's
 * object member @member as a string, or NULL. */
static char *
check_json_line (const char *line,
                 gsize       len,
                 const char *member)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;
  const char       *field = NULL;
  JsonObject       *object;

  CONFAB_FUZZ_CHECK (len > 0 && line[len - 1] == '\n', "frame without its newline");
  CONFAB_FUZZ_CHECK (memchr (line, '\n', len - 1) == NULL, "frame spans lines");
  len--;

  if (confab_json_parse_request (line, len, 1, &request, &field, &error))
    confab_json_request_clear (&request);
  else
    CONFAB_FUZZ_CHECK (error->code != CONFAB_ERROR_BAD_JSON &&
                         error->code != CONFAB_ERROR_INVALID_UTF8 &&
                         error->code != CONFAB_ERROR_CONTROL_CHARACTER,
                       "own frame refused: %s: %.*s", error->message, (int) len, line);

  CONFAB_FUZZ_CHECK (json_parser_load_from_data (parser, line, len, NULL),
                     "json-glib refuses our frame");
  object = json_node_get_object (json_parser_get_root (parser));
  if (member == NULL || !json_object_has_member (object, member))
    return NULL;
  return g_strdup (json_object_get_string_member (object, member));
}

static void
check_login (const ConfabJsonRequest *request)
{
  g_autofree char *frame = NULL;
  g_autofree char *name = NULL;
  gsize            len;

  /* An empty name is the server's to resolve (a Unix-socket login with
   * identity checks); any other must be valid. */
  CONFAB_FUZZ_CHECK (request->name[0] == '\0' || confab_validate_name (request->name, -1, NULL),
                     "invalid name accepted");

  frame = confab_json_encode_welcome (request->name, &len);
  name = check_json_line (frame, len, "name");
  CONFAB_FUZZ_CHECK (g_strcmp0 (name, request->name) == 0, "welcome names someone else");
}

static void
check_message (const ConfabJsonRequest *request,
               guint                    max_recipients)
{
  g_autoptr(ConfabMessage) message = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) frame = NULL;
  ConfabJsonRequest again;
  const char       *line;
  const char       *data;
  gsize             line_len;
  gsize             len;

  CONFAB_FUZZ_CHECK (request->n_to >= 1 && request->n_to <= max_recipients,
                     "%u recipients, limit %u", request->n_to, max_recipients);
  CONFAB_FUZZ_CHECK (g_strv_length (request->to) == request->n_to, "n_to is wrong");
  for (guint i = 0; i < request->n_to; i++)
    {
      CONFAB_FUZZ_CHECK (request->to[i][0] == '#' ? confab_validate_room_name (request->to[i], -1, NULL)
                                                  : confab_validate_name (request->to[i], -1, NULL),
                         "invalid recipient accepted");
      for (guint j = 0; j < i; j++)
        CONFAB_FUZZ_CHECK (strcmp (request->to[i], request->to[j]) != 0,
                           "duplicate recipient");
    }
  CONFAB_FUZZ_CHECK (request->text_len > 0 && strlen (request->text) == request->text_len,
                     "text length is wrong");
  CONFAB_FUZZ_CHECK (!g_ascii_isspace (request->text[0]) &&
                       !g_ascii_isspace (request->text[request->text_len - 1]),
                     "text not trimmed");
  CONFAB_FUZZ_CHECK (g_utf8_validate (request->text, request->text_len, NULL),
                     "text is not UTF-8");

  message = confab_message_new_chat ("fuzz", (const char * const *) request->to,
                                     request->n_to, request->text,
                                     request->text_len, 1);

  /* What a text peer sees: one line, however many lines the text has. */
  line = confab_codec_message_bytes (&confab_codec_text, message, &line_len);
  CONFAB_FUZZ_CHECK (g_str_has_prefix (line, "from fuzz: "), "text line has no sender");
  CONFAB_FUZZ_CHECK (line_len > 0 && line[line_len - 1] == '\n' &&
                       memchr (line, '\n', line_len - 1) == NULL &&
                       memchr (line, '\r', line_len) == NULL,
                     "text line breaks the line");

  /* What a JSON peer sees decodes to the same message. */
  frame = confab_json_encode_message (message);
  data = g_bytes_get_data (frame, &len);
  g_free (check_json_line (data, len, NULL));
  CONFAB_FUZZ_CHECK (confab_json_parse_request (data, len - 1, max_recipients, &again, NULL, &error),
                     "delivered frame does not decode: %s", error->message);
  CONFAB_FUZZ_CHECK (again.type == CONFAB_JSON_REQUEST_MESSAGE, "delivered frame changed type");
  CONFAB_FUZZ_CHECK (again.n_to == request->n_to, "delivered frame changed recipients");
  for (guint i = 0; i < again.n_to; i++)
    CONFAB_FUZZ_CHECK (strcmp (again.to[i], request->to[i]) == 0, "recipient %u changed", i);
  CONFAB_FUZZ_CHECK (again.text_len == request->text_len &&
                       memcmp (again.text, request->text, again.text_len) == 0,
                     "delivered frame changed the text");
  confab_json_request_clear (&again);
}

/* A room request names a valid room; a topic is one line that every
 * protocol can carry. */
static void
check_room_request (const ConfabJsonRequest *request)
{
  g_autoptr(ConfabMessage) message = NULL;
  const char *line;
  gsize       line_len;

  CONFAB_FUZZ_CHECK (confab_validate_room_name (request->room, -1, NULL), "invalid room accepted");
  if (request->topic == NULL)
    return;
  CONFAB_FUZZ_CHECK (request->type == CONFAB_JSON_REQUEST_TOPIC, "a topic on another request");
  CONFAB_FUZZ_CHECK (g_utf8_validate (request->topic, -1, NULL) &&
                       !confab_validate_has_control (request->topic, strlen (request->topic), FALSE),
                     "topic with control characters accepted");

  message = confab_message_new_topic (request->room, "fuzz", request->topic, 1);
  line = confab_codec_message_bytes (&confab_codec_text, message, &line_len);
  CONFAB_FUZZ_CHECK (line_len > 0 && line[line_len - 1] == '\n' &&
                       memchr (line, '\n', line_len - 1) == NULL,
                     "topic line breaks the line");
}

static void
check_refusal (const GError *error,
               const char   *field)
{
  g_autofree char *frame = NULL;
  g_autofree char *text = NULL;
  gsize            len;

  CONFAB_FUZZ_CHECK (error != NULL && error->domain == CONFAB_ERROR, "refusal without a ConfabError");
  switch (error->code)
    {
    case CONFAB_ERROR_INVALID_UTF8:
    case CONFAB_ERROR_CONTROL_CHARACTER:
    case CONFAB_ERROR_BAD_JSON:
    case CONFAB_ERROR_BAD_MESSAGE:
    case CONFAB_ERROR_INVALID_NAME:
    case CONFAB_ERROR_TOO_MANY_RECIPIENTS:
    case CONFAB_ERROR_EMPTY_MESSAGE:
    case CONFAB_ERROR_INVALID_ROOM_NAME:
      break;
    default:
      CONFAB_FUZZ_CHECK (FALSE, "undocumented error code %d", error->code);
    }
  CONFAB_FUZZ_CHECK (field == NULL || g_str_equal (field, "type") || g_str_equal (field, "name") ||
                       g_str_equal (field, "protocol") || g_str_equal (field, "to") ||
                       g_str_equal (field, "text") || g_str_equal (field, "room") ||
                       g_str_equal (field, "topic"),
                     "undocumented field %s", field);
  CONFAB_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "error message is not UTF-8");

  frame = confab_json_encode_error (error->code, error->message, &len);
  text = check_json_line (frame, len, "message");
  CONFAB_FUZZ_CHECK (g_strcmp0 (text, error->message) == 0, "error frame changed the message");
}

/* A copy of @line with every escape \u0000 ("u0000" after an odd run of
 * backslashes; in valid JSON a backslash only occurs inside strings) made
 * \u0078, an 'x'. Returns NULL if @line holds none. */
static char *
escaped_nul_to_x (const char *line,
                  gsize       len)
{
  g_autofree char *copy = g_strndup (line, len);
  gboolean         found = FALSE;

  for (gsize i = 1; i + 5 <= len; i++)
    {
      gsize run = 0;

      if (memcmp (line + i, "u0000", 5) != 0)
        continue;
      while (run < i && line[i - 1 - run] == '\\')
        run++;
      if (run % 2 == 1)
        {
          memcpy (copy + i, "u0078", 5);
          found = TRUE;
        }
    }
  return found ? g_steal_pointer (&copy) : NULL;
}

/* An accepted @line with escaped NULs held them in members the server
 * ignores (json-glib would have cut a used string there without a word):
 * so with them made 'x' it decodes to the very same @request. */
static void
check_escaped_nul_ignored (const char              *line,
                           gsize                    len,
                           guint                    max_recipients,
                           const ConfabJsonRequest *request)
{
  g_autofree char *other_line = escaped_nul_to_x (line, len);
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest other;

  if (other_line == NULL)
    return;
  CONFAB_FUZZ_CHECK (confab_json_parse_request (other_line, len, max_recipients, &other, NULL, &error),
                     "escaped NUL accepted where an 'x' is refused: %s", error->message);
  CONFAB_FUZZ_CHECK (other.type == request->type &&
                       g_strcmp0 (other.name, request->name) == 0 &&
                       other.n_to == request->n_to &&
                       other.text_len == request->text_len &&
                       (request->text == NULL || memcmp (other.text, request->text, other.text_len) == 0),
                     "escaped NUL accepted in a member the server reads");
  for (guint i = 0; i < request->n_to; i++)
    CONFAB_FUZZ_CHECK (g_str_equal (other.to[i], request->to[i]),
                       "escaped NUL accepted in a recipient");
  confab_json_request_clear (&other);
}

static void
fuzz_decode (const char *line,
             gsize       len,
             guint       max_recipients)
{
  g_autoptr(GError) error = NULL;
  ConfabJsonRequest request;
  const char       *field = NULL;

  if (confab_json_parse_request (line, len, max_recipients, &request, &field, &error))
    {
      CONFAB_FUZZ_CHECK (error == NULL, "success with an error");
      check_escaped_nul_ignored (line, len, max_recipients, &request);
      switch (request.type)
        {
        case CONFAB_JSON_REQUEST_LOGIN:
          check_login (&request);
          break;
        case CONFAB_JSON_REQUEST_MESSAGE:
          check_message (&request, max_recipients);
          break;
        case CONFAB_JSON_REQUEST_PEERS:
        case CONFAB_JSON_REQUEST_ROOMS:
          break;
        case CONFAB_JSON_REQUEST_JOIN:
        case CONFAB_JSON_REQUEST_PART:
        case CONFAB_JSON_REQUEST_MEMBERS:
        case CONFAB_JSON_REQUEST_TOPIC:
          check_room_request (&request);
          break;
        default:
          CONFAB_FUZZ_CHECK (FALSE, "unknown request type %d", request.type);
        }
      confab_json_request_clear (&request);
    }
  else
    {
      check_refusal (error, field);
      /* A failed parse leaves nothing to free, but clearing is allowed. */
      confab_json_request_clear (&request);
    }
}

int
confab_fuzz_json_protocol (const uint8_t *data,
                           size_t         size)
{
  g_autofree char *line = g_memdup2 (data, size);
  gboolean         is_json = FALSE;

  for (gsize i = 0; i < size; i++)
    {
      if (line[i] != ' ' && line[i] != '\t')
        {
          is_json = line[i] == '{';
          break;
        }
    }
  CONFAB_FUZZ_CHECK (confab_json_is_json_line (size > 0 ? line : "", size) == is_json,
                     "protocol chosen wrongly");

  fuzz_decode (size > 0 ? line : "", size, 2);
  fuzz_decode (size > 0 ? line : "", size, 64);
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_json_protocol)
