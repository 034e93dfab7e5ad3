/* confab-json-protocol.c: the JSON-lines protocol (docs/protocol.md).
 *
 * Decoding is strict where json-glib 1.6 is lenient: a strict syntax
 * check with a nesting limit (confab-json-syntax.c) runs before the
 * parser sees the line, the
 * frame must be an object, and every member the server uses is
 * type-checked. Unknown members are
 * ignored so that later protocol versions can add some.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <json-glib/json-glib.h>

#include "confab-json-private.h"
#include "confab-json-syntax.h"
#include "confab-name-set.h"
#include "confab-names.h"
#include "confab-validate.h"
#include "confab-wire.h"

/* Returns: TRUE if the first non-blank byte of @line is '{' */
gboolean
confab_json_is_json_line (const char *line,
                          gsize       len)
{
  gsize i = confab_wire_skip_blanks (line, len);

  return i < len && line[i] == '{';
}

/* The check, and whether the line holds a "\u0000" escape. */
static gboolean
check_syntax (const char *line,
              gsize       len,
              gboolean   *escaped_nul,
              GError    **error)
{
  gboolean too_deep;

  if (confab_json_syntax_scan (line, len, &too_deep, escaped_nul))
    return TRUE;
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_BAD_JSON,
                       too_deep ? "JSON nested too deeply" : "not valid JSON");
  return FALSE;
}

/**
 * confab_json_check_syntax:
 * @line: bytes that should be exactly one JSON value (white space around
 *   it allowed), nested at most CONFAB_JSON_MAX_DEPTH deep
 *
 * The server's strict check, for anyone about to hand a line from the
 * network to json-glib (the client does too).
 *
 * Returns: %FALSE with CONFAB_ERROR_BAD_JSON ("not valid JSON" or "JSON
 *   nested too deeply") otherwise
 */
gboolean
confab_json_check_syntax (const char *line,
                          gsize       len,
                          GError    **error)
{
  gboolean escaped_nul;

  return check_syntax (line, len, &escaped_nul, error);
}

gboolean
confab_json_fail (GError     **error,
                  const char **field,
                  ConfabError  code,
                  const char  *field_name,
                  const char  *message)
{
  if (field != NULL)
    *field = field_name;
  g_set_error_literal (error, CONFAB_ERROR, code, message);
  return FALSE;
}

/* Returns: (nullable): member @name of @object if it is a string */
const char *
confab_json_get_string (JsonObject *object,
                        const char *name)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_STRING)
    return NULL;
  return json_node_get_string (node);
}

/* JSON text may hold newlines and tabs, but no other control character. */
static gboolean
text_ok (const char *text,
         gsize       len,
         GError    **error)
{
  if (!confab_validate_has_control (text, len, TRUE))
    return TRUE;
  g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_CONTROL_CHARACTER,
                       "text contains control characters");
  return FALSE;
}

static gboolean
parse_message (JsonObject        *object,
               guint              max_recipients,
               ConfabJsonRequest *request,
               const char       **field,
               GError           **error)
{
  JsonNode   *to_node = json_object_get_member (object, "to");
  const char *text = confab_json_get_string (object, "text");
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GError) local_error = NULL;
  JsonArray    *to;
  const char   *start;
  const char   *end;
  gsize         len;
  ConfabNameSet seen;

  /* The set of names seen is the real bound, whatever the configuration says. */
  max_recipients = MIN (max_recipients, CONFAB_NAME_SET_MAX);
  confab_name_set_init (&seen);

  if (to_node == NULL || !JSON_NODE_HOLDS_ARRAY (to_node))
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "to",
                             "'to' must be an array of names");
  if (text == NULL)
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "text",
                             "'text' must be a string");

  to = json_node_get_array (to_node);
  for (guint i = 0; i < json_array_get_length (to); i++)
    {
      JsonNode   *item = json_array_get_element (to, i);
      const char *name;

      if (!JSON_NODE_HOLDS_VALUE (item) || json_node_get_value_type (item) != G_TYPE_STRING)
        return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "to",
                                 "'to' must be an array of names");
      name = json_node_get_string (item);
      if (confab_is_room_name (name))
        {
          if (!confab_validate_room_name (name, -1, &local_error))
            return confab_json_fail (error, field, local_error->code, "to", local_error->message);
        }
      else if (!confab_validate_name (name, -1, NULL))
        {
          confab_wire_set_invalid_recipient (&local_error, name, -1);
          return confab_json_fail (error, field, local_error->code, "to", local_error->message);
        }
      /* A repeat is skipped, even past the limit: only distinct names
       * count. The names stay in the parsed object while the set is used. */
      if (names->len >= max_recipients &&
          !confab_name_set_contains (&seen, name, strlen (name)))
        {
          confab_wire_set_too_many_recipients (&local_error, max_recipients);
          return confab_json_fail (error, field, local_error->code, "to", local_error->message);
        }
      if (!confab_name_set_add (&seen, name, strlen (name)))
        continue;
      g_ptr_array_add (names, g_strdup (name));
    }
  if (names->len == 0)
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "to",
                             "'to' must name at least one peer");

  /* Trim surrounding white space, newlines included. */
  start = text;
  end = text + strlen (text);
  confab_wire_trim (&start, &end, TRUE);
  len = end - start;
  if (len == 0)
    return confab_json_fail (error, field, CONFAB_ERROR_EMPTY_MESSAGE, "text", "empty message");
  /* The line was UTF-8, but json-glib turns an unpaired surrogate escape
   * ("\ud800") into bytes that are not. */
  if (!g_utf8_validate_len (start, len, NULL))
    return confab_json_fail (error, field, CONFAB_ERROR_INVALID_UTF8, "text", "invalid UTF-8");
  if (!text_ok (start, len, &local_error))
    return confab_json_fail (error, field, local_error->code, "text", local_error->message);

  request->type = CONFAB_JSON_REQUEST_MESSAGE;
  request->n_to = names->len;
  g_ptr_array_add (names, NULL);
  request->to = (char **) g_ptr_array_steal (names, NULL);
  request->text = g_strndup (start, len);
  request->text_len = len;
  return TRUE;
}

/* A copy of the syntactically valid @line with every "\u0000" escape
 * made "\u0001". Outside strings valid JSON has no '\\', and inside them
 * each escape is skipped whole, so "\\u0000" (an escaped backslash) stays. */
static char *
escaped_nul_to_soh (const char *line,
                    gsize       len)
{
  char *copy = g_strndup (line, len);

  for (gsize i = 0; i + 1 < len; i++)
    {
      if (copy[i] != '\\')
        continue;
      if (copy[i + 1] == 'u' && i + 6 <= len && memcmp (copy + i + 2, "0000", 4) == 0)
        copy[i + 5] = '1';
      i++; /* the escaped character; \uXXXX's digits are never '\\' */
    }
  return copy;
}

/**
 * confab_json_parse_request:
 * @line: one frame, @len bytes, without the newline
 * @request: (out caller-allocates): zeroed; filled on success
 * @field: (out) (optional): on error, the offending member or %NULL
 *
 * Errors: CONFAB_ERROR_INVALID_UTF8, _BAD_JSON (not a JSON object, too
 * deep), _BAD_MESSAGE (unknown type, missing or mistyped members), and for
 * messages _INVALID_NAME, _TOO_MANY_RECIPIENTS, _EMPTY_MESSAGE,
 * _CONTROL_CHARACTER. Messages are plain, untranslated words.
 */
gboolean
confab_json_parse_request (const char        *line,
                           gsize              len,
                           guint              max_recipients,
                           ConfabJsonRequest *request,
                           const char       **field,
                           GError           **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *without_escaped_nul = NULL;
  JsonNode        *root;
  JsonObject      *object;
  const char      *type;
  gboolean         escaped_nul;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (request != NULL, FALSE);

  memset (request, 0, sizeof *request);
  if (field != NULL)
    *field = NULL;

  if (memchr (line, '\0', len) != NULL)
    return confab_json_fail (error, field, CONFAB_ERROR_CONTROL_CHARACTER, NULL,
                             "line contains control characters");
  if (!g_utf8_validate_len (line, len, NULL))
    return confab_json_fail (error, field, CONFAB_ERROR_INVALID_UTF8, NULL, "invalid UTF-8");
  if (!check_syntax (line, len, &escaped_nul, error))
    return FALSE;
  /* json-glib ends a string at an escaped NUL without a word, which would
   * deliver "ab" for "ab\u0000cd". Parsed as U+0001 instead, it is still
   * refused by the checks of the member that holds it (with that member
   * named), while a member the server ignores stays ignored. */
  if (escaped_nul)
    line = without_escaped_nul = escaped_nul_to_soh (line, len);

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, line, len, NULL))
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_JSON, NULL, "not valid JSON");

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_JSON, NULL, "a frame must be a JSON object");
  object = json_node_get_object (root);

  type = confab_json_get_string (object, "type");
  if (type == NULL)
    return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "type", "'type' must be a string");

  if (g_str_equal (type, "login"))
    {
      const char *name = confab_json_get_string (object, "name");
      JsonNode   *protocol = json_object_get_member (object, "protocol");
      JsonNode   *password = json_object_get_member (object, "password");
      g_autoptr(GError) local_error = NULL;

      if (name == NULL)
        return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "name", "'name' must be a string");
      if (protocol != NULL &&
          (!JSON_NODE_HOLDS_VALUE (protocol) ||
           json_node_get_value_type (protocol) != G_TYPE_INT64 ||
           json_node_get_int (protocol) < CONFAB_JSON_PROTOCOL_VERSION_MIN ||
           json_node_get_int (protocol) > CONFAB_JSON_PROTOCOL_VERSION))
        return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "protocol",
                                 "unsupported protocol version (this server speaks 1 and 2)");
      /* An empty name is left to the server: on a Unix socket with
       * identity checks it means "my user name". */
      if (*name != '\0' && !confab_validate_name (name, -1, &local_error))
        return confab_json_fail (error, field, CONFAB_ERROR_INVALID_NAME, "name", local_error->message);

      if (password != NULL && confab_json_get_string (object, "password") == NULL)
        return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "password",
                                 "'password' must be a string");

      request->type = CONFAB_JSON_REQUEST_LOGIN;
      request->name = g_strdup (name);
      request->password = g_strdup (confab_json_get_string (object, "password"));
      return TRUE;
    }

  if (g_str_equal (type, "message"))
    return parse_message (object, max_recipients, request, field, error);

  if (g_str_equal (type, "peers"))
    {
      request->type = CONFAB_JSON_REQUEST_PEERS;
      return TRUE;
    }

  if (confab_json_parse_room_request (object, type, request, field, error))
    return TRUE;
  if (error == NULL || *error != NULL)
    return FALSE;

  return confab_json_fail (error, field, CONFAB_ERROR_BAD_MESSAGE, "type", "unknown request type");
}

void
confab_json_request_clear (ConfabJsonRequest *request)
{
  g_clear_pointer (&request->name, g_free);
  if (request->password != NULL)
    explicit_bzero (request->password, strlen (request->password));
  g_clear_pointer (&request->password, g_free);
  g_clear_pointer (&request->to, g_strfreev);
  g_clear_pointer (&request->text, g_free);
  g_clear_pointer (&request->room, g_free);
  g_clear_pointer (&request->topic, g_free);
  request->n_to = 0;
  request->text_len = 0;
}

/* json-glib 1.6 writes some control characters (U+001F, say) into strings
 * as they are, which RFC 8259 forbids. Outside strings its compact output
 * has none, so any such byte is in a string and becomes \u00XX. */
static void
escape_controls (GString *json)
{
  for (gsize i = 0; i < json->len; i++)
    {
      guchar c = json->str[i];
      char   escaped[7];

      if (c >= 0x20)
        continue;
      g_snprintf (escaped, sizeof escaped, "\\u%04x", c);
      g_string_erase (json, i, 1);
      g_string_insert (json, i, escaped);
      i += strlen (escaped) - 1;
    }
}

/* Serialises @builder's object on one line, '\n' included. */
char *
confab_json_finish_line (JsonBuilder *builder,
                         gsize       *len)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autoptr(GString) out = g_string_new (NULL);

  json_generator_set_root (generator, root);
  json_generator_to_gstring (generator, out);
  escape_controls (out);
  g_string_append_c (out, '\n');
  if (len != NULL)
    *len = out->len;
  return g_string_free (g_steal_pointer (&out), FALSE);
}

/* The member to blame for an error (docs/protocol.md), or NULL when the
 * whole line is at fault. The code alone does not say it for two codes,
 * whose wording does: a bad name in "to" is an "invalid recipient name",
 * and a NUL anywhere in the line "line contains control characters". */
static const char *
field_for_error (ConfabError code,
                 const char *text)
{
  switch (code)
    {
    case CONFAB_ERROR_NO_SUCH_PEER:
    case CONFAB_ERROR_TOO_MANY_RECIPIENTS:
      return "to";
    case CONFAB_ERROR_EMPTY_MESSAGE:
      return "text";
    case CONFAB_ERROR_CONTROL_CHARACTER:
      return g_str_has_prefix (text, "line ") ? NULL : "text";
    case CONFAB_ERROR_INVALID_NAME:
      return g_str_has_prefix (text, "invalid recipient name") ? "to" : "name";
    case CONFAB_ERROR_NAME_TAKEN:
      return "name";
    default:
      return NULL;
    }
}

static void
build_error (JsonBuilder *builder,
             ConfabError  code,
             const char  *text,
             const char  *field)
{
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "error");
  json_builder_set_member_name (builder, "code");
  json_builder_add_string_value (builder, confab_error_code_to_string (code));
  json_builder_set_member_name (builder, "message");
  json_builder_add_string_value (builder, text);
  if (field != NULL)
    {
      json_builder_set_member_name (builder, "field");
      json_builder_add_string_value (builder, field);
    }
  json_builder_end_object (builder);
}

/**
 * confab_json_encode_error:
 *
 * Returns: (transfer full): an error frame, '\n' included
 */
char *
confab_json_encode_error (ConfabError code,
                          const char *text,
                          gsize      *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  build_error (builder, code, text, field_for_error (code, text));
  return confab_json_finish_line (builder, len);
}

/**
 * confab_json_encode_message:
 * @message: a message of any kind
 *
 * Returns: (transfer full): the message as a JSON frame, '\n' included
 */
GBytes *
confab_json_encode_message (ConfabMessage *message)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();
  char *line;
  gsize len;

  g_return_val_if_fail (message != NULL, NULL);

  switch (confab_message_get_kind (message))
    {
    case CONFAB_MESSAGE_CHAT:
      {
        const char * const *to;
        const char         *text;
        g_autofree char    *text_copy = NULL;
        gsize               text_len;
        guint               n_to;

        to = confab_message_get_recipients (message, &n_to);
        text = confab_message_get_text (message, &text_len);
        text_copy = g_strndup (text, text_len);

        json_builder_begin_object (builder);
        json_builder_set_member_name (builder, "type");
        json_builder_add_string_value (builder, "message");
        json_builder_set_member_name (builder, "from");
        json_builder_add_string_value (builder, confab_message_get_sender (message));
        json_builder_set_member_name (builder, "to");
        json_builder_begin_array (builder);
        for (guint i = 0; i < n_to; i++)
          json_builder_add_string_value (builder, to[i]);
        json_builder_end_array (builder);
        if (confab_message_get_room (message) != NULL)
          {
            json_builder_set_member_name (builder, "room");
            json_builder_add_string_value (builder, confab_message_get_room (message));
          }
        json_builder_set_member_name (builder, "text");
        json_builder_add_string_value (builder, text_copy);
        json_builder_set_member_name (builder, "time");
        json_builder_add_int_value (builder, confab_message_get_timestamp (message));
        json_builder_end_object (builder);
      }
      break;

    case CONFAB_MESSAGE_ERROR:
      {
        const char      *text;
        g_autofree char *text_copy = NULL;
        gsize            text_len;

        text = confab_message_get_text (message, &text_len);
        text_copy = g_strndup (text, text_len);
        build_error (builder, confab_message_get_code (message), text_copy,
                     field_for_error (confab_message_get_code (message), text_copy));
      }
      break;

    case CONFAB_MESSAGE_WELCOME:
      line = confab_json_encode_welcome (confab_message_get_names (message, NULL)[0], &len);
      return g_bytes_new_take (line, len);

    case CONFAB_MESSAGE_PEERS:
      {
        guint               n_names;
        const char * const *names = confab_message_get_names (message, &n_names);

        line = confab_json_encode_peers (names, n_names, &len);
        return g_bytes_new_take (line, len);
      }

    case CONFAB_MESSAGE_JOIN:
    case CONFAB_MESSAGE_PART:
    case CONFAB_MESSAGE_TOPIC:
    case CONFAB_MESSAGE_MEMBERS:
    case CONFAB_MESSAGE_ROOMS:
      confab_json_build_room_event (builder, message);
      break;

    case CONFAB_MESSAGE_HISTORY:
    case CONFAB_MESSAGE_HISTORY_END:
    case CONFAB_MESSAGE_OFFLINE:
    case CONFAB_MESSAGE_STORED:
      confab_json_build_history_event (builder, message);
      break;

    case CONFAB_MESSAGE_PROTOCOL_LINE:
      return NULL; /* another protocol's */

    default:
      g_return_val_if_reached (NULL);
    }

  line = confab_json_finish_line (builder, &len);
  return g_bytes_new_take (line, len);
}

/* Returns: (transfer full): the reply to a successful login */
char *
confab_json_encode_welcome (const char *name,
                            gsize      *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "welcome");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "server");
  json_builder_add_string_value (builder, PACKAGE_NAME " " PACKAGE_VERSION);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_int_value (builder, CONFAB_JSON_PROTOCOL_VERSION);
  json_builder_end_object (builder);
  return confab_json_finish_line (builder, len);
}

/* Returns: (transfer full): the answer to a "peers" request */
char *
confab_json_encode_peers (const char * const *names,
                          guint               n_names,
                          gsize              *len)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "peers");
  json_builder_set_member_name (builder, "peers");
  json_builder_begin_array (builder);
  for (guint i = 0; i < n_names; i++)
    json_builder_add_string_value (builder, names[i]);
  json_builder_end_array (builder);
  json_builder_end_object (builder);
  return confab_json_finish_line (builder, len);
}
