/* confab-client-protocol.c: the client's side of both wire protocols.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>
#include <json-glib/json-glib.h>

#include "confab-client-protocol.h"
#include "confab-client-rooms.h"
#include "confab-json-protocol.h"
#include "confab-validate.h"

#define TEXT_FROM_PREFIX   "from "
#define TEXT_ERROR_PREFIX  "error:"
#define TEXT_PEERS_PREFIX  "peers:"
#define TEXT_PEERS_REQUEST "/peers"
/* Width of "HH:MM ", so that further lines of a text line up under it. */
#define CONTINUATION_INDENT "      "

G_DEFINE_QUARK (confab - client - protocol - error - quark, confab_client_protocol_error)

void
confab_client_event_free (ConfabClientEvent *event)
{
  if (event == NULL)
    return;

  g_free (event->line);
  g_free (event->from);
  g_free (event->text);
  g_free (event->code);
  g_strfreev (event->to);
  g_strfreev (event->peers);
  g_free (event->name);
  g_free (event->server);
  g_free (event->room);
  g_free (event);
}

static ConfabClientEvent *
event_new (ConfabClientEventKind kind,
           const char           *line,
           gsize                 len,
           gboolean              json)
{
  ConfabClientEvent *event = g_new0 (ConfabClientEvent, 1);

  event->kind = kind;
  event->json = json;
  event->line = g_strndup (line, len);
  return event;
}

/* ---- text protocol ---------------------------------------------------- */

/* The part after "prefix" and one optional space. */
static const char *
skip_prefix (const char *line,
             const char *prefix)
{
  const char *rest = line + strlen (prefix);

  return *rest == ' ' ? rest + 1 : rest;
}

ConfabClientEvent *
confab_client_decode_text (const char *line,
                           gsize       len)
{
  g_autoptr(ConfabClientEvent) event = event_new (CONFAB_CLIENT_EVENT_OTHER, line, len, FALSE);
  const char *copy = event->line; /* NUL-terminated (at a NUL byte, if any) */

  if (g_str_has_prefix (copy, TEXT_FROM_PREFIX))
    {
      const char *sender = copy + strlen (TEXT_FROM_PREFIX);
      const char *colon = strchr (sender, ':');

      /* Names cannot hold ':', so the first one ends the sender. */
      if (colon != NULL && colon > sender)
        {
          event->kind = CONFAB_CLIENT_EVENT_MESSAGE;
          event->from = g_strndup (sender, colon - sender);
          event->text = g_strdup (colon[1] == ' ' ? colon + 2 : colon + 1);
        }
    }
  else if (g_str_has_prefix (copy, TEXT_ERROR_PREFIX))
    {
      event->kind = CONFAB_CLIENT_EVENT_ERROR;
      event->text = g_strdup (skip_prefix (copy, TEXT_ERROR_PREFIX));
    }
  else if (g_str_has_prefix (copy, TEXT_PEERS_PREFIX))
    {
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) words = g_strsplit (skip_prefix (copy, TEXT_PEERS_PREFIX), " ", -1);

      for (gsize i = 0; words[i] != NULL; i++)
        if (*words[i] != '\0')
          g_strv_builder_add (builder, words[i]);
      event->kind = CONFAB_CLIENT_EVENT_PEERS;
      event->peers = g_strv_builder_end (builder);
    }

  return g_steal_pointer (&event);
}

/* ---- JSON protocol ---------------------------------------------------- */

static gboolean
member_int (JsonObject *object,
            const char *name,
            gint64     *value)
{
  JsonNode *node = json_object_get_member (object, name);

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
      json_node_get_value_type (node) != G_TYPE_INT64)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

/* Returns: (transfer full) (nullable): the array of strings @name, or
 * NULL if it is missing, not an array or holds anything but strings. */
static GStrv
member_strv (JsonObject *object,
             const char *name)
{
  g_autoptr(GStrvBuilder) builder = NULL;
  JsonNode  *node = json_object_get_member (object, name);
  JsonArray *array;

  if (node == NULL || !JSON_NODE_HOLDS_ARRAY (node))
    return NULL;

  array = json_node_get_array (node);
  builder = g_strv_builder_new ();
  for (guint i = 0; i < json_array_get_length (array); i++)
    {
      JsonNode *element = json_array_get_element (array, i);

      if (!JSON_NODE_HOLDS_VALUE (element) ||
          json_node_get_value_type (element) != G_TYPE_STRING)
        return NULL;
      g_strv_builder_add (builder, json_node_get_string (element));
    }
  return g_strv_builder_end (builder);
}

static gboolean
invalid (GError    **error,
         const char *what)
{
  g_set_error (error, CONFAB_CLIENT_PROTOCOL_ERROR,
               CONFAB_CLIENT_PROTOCOL_ERROR_INVALID,
               _ ("unreadable line from the server: %s"), what);
  return FALSE;
}

static gboolean
decode_json_object (ConfabClientEvent *event,
                    JsonObject        *object,
                    GError           **error)
{
  const char *type = confab_json_get_string (object, "type");

  if (type == NULL)
    return invalid (error, _ ("no \"type\""));

  if (g_str_equal (type, "message"))
    {
      const char *from = confab_json_get_string (object, "from");
      const char *text = confab_json_get_string (object, "text");

      if (from == NULL || text == NULL)
        return invalid (error, _ ("a message without \"from\" or \"text\""));
      event->kind = CONFAB_CLIENT_EVENT_MESSAGE;
      event->from = g_strdup (from);
      event->text = g_strdup (text);
      event->to = member_strv (object, "to");
      event->room = g_strdup (confab_json_get_string (object, "room"));
      if (!member_int (object, "time", &event->time))
        event->time = 0;
    }
  else if (g_str_equal (type, "error"))
    {
      const char *code = confab_json_get_string (object, "code");
      const char *message = confab_json_get_string (object, "message");

      if (code == NULL && message == NULL)
        return invalid (error, _ ("an error without \"code\" or \"message\""));
      event->kind = CONFAB_CLIENT_EVENT_ERROR;
      event->code = g_strdup (code);
      event->text = g_strdup (message != NULL ? message : code);
    }
  else if (g_str_equal (type, "peers"))
    {
      event->peers = member_strv (object, "peers");
      if (event->peers == NULL)
        return invalid (error, _ ("a peers answer without a \"peers\" list"));
      event->kind = CONFAB_CLIENT_EVENT_PEERS;
    }
  else if (g_str_equal (type, "welcome"))
    {
      event->kind = CONFAB_CLIENT_EVENT_WELCOME;
      event->name = g_strdup (confab_json_get_string (object, "name"));
      event->server = g_strdup (confab_json_get_string (object, "server"));
      if (!member_int (object, "protocol", &event->protocol))
        event->protocol = 0;
    }
  else if (!confab_client_decode_json_room_event (event, type, object))
    {
      /* A type of a later protocol version: OTHER, shown as nothing. */
    }

  return TRUE;
}

ConfabClientEvent *
confab_client_decode_json (const char *line,
                           gsize       len,
                           GError    **error)
{
  g_autoptr(ConfabClientEvent) event = NULL;
  g_autoptr(JsonParser) parser = NULL;
  g_autoptr(GError) parse_error = NULL;
  JsonNode *root;

  g_return_val_if_fail (line != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (memchr (line, '\0', len) != NULL || !g_utf8_validate (line, len, NULL))
    {
      invalid (error, _ ("not UTF-8 text"));
      return NULL;
    }
  /* The same strict check (and nesting limit) as the server's. */
  if (!confab_json_check_syntax (line, len, &parse_error))
    {
      invalid (error, parse_error->message);
      return NULL;
    }

  parser = json_parser_new_immutable ();
  if (!json_parser_load_from_data (parser, line, len, &parse_error))
    {
      invalid (error, parse_error->message);
      return NULL;
    }

  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      invalid (error, _ ("not a JSON object"));
      return NULL;
    }

  event = event_new (CONFAB_CLIENT_EVENT_OTHER, line, len, TRUE);
  if (!decode_json_object (event, json_node_get_object (root), error))
    return NULL;
  return g_steal_pointer (&event);
}

/* ---- what confab sends ------------------------------------------------ */

gboolean
confab_client_parse_input (const char *line,
                           GStrv      *to,
                           char      **text,
                           GError    **error)
{
  g_auto(GStrv) names = NULL;
  g_autofree char *before = NULL;
  const char      *colon;

  g_return_val_if_fail (line != NULL, FALSE);
  g_return_val_if_fail (to != NULL && text != NULL, FALSE);

  if (!g_utf8_validate (line, -1, NULL))
    {
      g_set_error_literal (error, CONFAB_CLIENT_PROTOCOL_ERROR,
                           CONFAB_CLIENT_PROTOCOL_ERROR_INVALID_UTF8,
                           _ ("the line is not valid UTF-8"));
      return FALSE;
    }

  colon = strchr (line, ':');
  if (colon != NULL)
    before = g_strstrip (g_strndup (line, colon - line));
  if (before == NULL || *before == '\0')
    {
      g_set_error_literal (error, CONFAB_CLIENT_PROTOCOL_ERROR,
                           CONFAB_CLIENT_PROTOCOL_ERROR_NOT_A_MESSAGE,
                           _ ("expected 'name, name: text'"));
      return FALSE;
    }

  names = g_strsplit (before, ",", -1);
  for (gsize i = 0; names[i] != NULL; i++)
    g_strstrip (names[i]);

  *to = g_steal_pointer (&names);
  *text = g_strstrip (g_strdup (colon + 1));
  return TRUE;
}

/* Returns: (transfer full): @builder's object as one line, "\n" included */
char *
confab_client_json_line (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *json = json_to_string (root, FALSE);

  return g_strconcat (json, "\n", NULL);
}

char *
confab_client_encode_login (gboolean    json,
                            const char *name)
{
  g_autoptr(JsonBuilder) builder = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (!json)
    return g_strconcat (name, "\n", NULL);

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "login");
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "protocol");
  json_builder_add_int_value (builder, CONFAB_JSON_PROTOCOL_VERSION);
  json_builder_end_object (builder);
  return confab_client_json_line (builder);
}

char *
confab_client_encode_peers (gboolean json)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (!json)
    return g_strdup (TEXT_PEERS_REQUEST "\n");

  builder = json_builder_new_immutable ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "peers");
  json_builder_end_object (builder);
  return confab_client_json_line (builder);
}

char *
confab_client_encode_json_message (const char * const *to,
                                   const char         *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new_immutable ();

  g_return_val_if_fail (to != NULL && text != NULL, NULL);

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "message");
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  for (gsize i = 0; to[i] != NULL; i++)
    json_builder_add_string_value (builder, to[i]);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  return confab_client_json_line (builder);
}

/* ---- what confab shows ------------------------------------------------ */

char *
confab_client_sanitize (const char *text,
                        gssize      len)
{
  GString    *out;
  const char *p, *end;

  g_return_val_if_fail (text != NULL, NULL);

  if (len < 0)
    len = strlen (text);
  out = g_string_sized_new (len);
  for (p = text, end = text + len; p < end;)
    {
      gunichar c = g_utf8_get_char_validated (p, end - p);

      if (c == (gunichar) -1 || c == (gunichar) -2)
        {
          g_string_append_unichar (out, 0xFFFD);
          p++;
          continue;
        }
      if (confab_validate_is_control (c))
        g_string_append_unichar (out, 0xFFFD);
      else
        g_string_append_len (out, p, g_utf8_next_char (p) - p);
      p = g_utf8_next_char (p);
    }

  return g_string_free (out, FALSE);
}

char *
confab_client_format_time (gint64 time_usec)
{
  g_autoptr(GDateTime) when = NULL;

  if (time_usec > 0)
    when = g_date_time_new_from_unix_local (time_usec / G_USEC_PER_SEC);
  if (when == NULL)
    when = g_date_time_new_now_local ();
  return g_date_time_format (when, "%H:%M");
}

/* A JSON text of several lines: each on its own output line, indented,
 * so that no line of it can pass for a message of its own. */
static void
append_multiline (GString    *out,
                  const char *text)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *unified = NULL;
  GString         *tmp = g_string_new (text);

  g_string_replace (tmp, "\r\n", "\n", 0);
  g_string_replace (tmp, "\r", "\n", 0);
  unified = g_string_free (tmp, FALSE);
  lines = g_strsplit (unified, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_autofree char *clean = confab_client_sanitize (lines[i], -1);

      if (i > 0)
        g_string_append (out, "\n" CONTINUATION_INDENT);
      g_string_append (out, clean);
    }
}

char *
confab_client_format_event (const ConfabClientEvent *event)
{
  GString *out;

  g_return_val_if_fail (event != NULL, NULL);

  /* Text protocol: the server's line, only made safe to show. */
  if (!event->json)
    return confab_client_sanitize (event->line, -1);

  switch (event->kind)
    {
    case CONFAB_CLIENT_EVENT_MESSAGE:
      {
        g_autofree char *when = confab_client_format_time (event->time);
        g_autofree char *from = confab_client_sanitize (event->from, -1);

        out = g_string_new (NULL);
        if (event->room != NULL)
          {
            g_autofree char *room = confab_client_sanitize (event->room, -1);

            g_string_append_printf (out, "%s %s in %s: ", when, from, room);
          }
        else
          g_string_append_printf (out, "%s %s: ", when, from);
        append_multiline (out, event->text);
        return g_string_free (out, FALSE);
      }

    case CONFAB_CLIENT_EVENT_ERROR:
      {
        g_autofree char *text = confab_client_sanitize (event->text, -1);

        return g_strconcat ("error: ", text, NULL);
      }

    case CONFAB_CLIENT_EVENT_PEERS:
      out = g_string_new ("peers:");
      for (gsize i = 0; event->peers[i] != NULL; i++)
        {
          g_autofree char *name = confab_client_sanitize (event->peers[i], -1);

          g_string_append_c (out, ' ');
          g_string_append (out, name);
        }
      return g_string_free (out, FALSE);

    case CONFAB_CLIENT_EVENT_ROOM:
      return confab_client_sanitize (event->text, -1);

    case CONFAB_CLIENT_EVENT_WELCOME:
    case CONFAB_CLIENT_EVENT_OTHER:
    default:
      return NULL;
    }
}

/* The messages of confab-validate.c, which the daemon also sends over the
 * wire and so keeps in English; the client shows them in the user's
 * language. */
static const char * const validate_messages[] = {
  N_ ("invalid name: empty"),
  N_ ("invalid name: names may not contain control characters"),
  N_ ("invalid name: not valid UTF-8"),
  N_ ("invalid name: names may not start with '@' or '#'"),
  N_ ("invalid name: names may not contain white space"),
  N_ ("invalid name: names may not contain ','"),
  N_ ("invalid name: names may not contain ':'"),
  N_ ("invalid name: longer than 32 characters"),
  N_ ("empty message"),
  N_ ("invalid UTF-8"),
  N_ ("line contains control characters"),
};
G_STATIC_ASSERT (CONFAB_NAME_MAX_CHARS == 32);

const char *
confab_client_localize_error (const GError *error)
{
  g_return_val_if_fail (error != NULL, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (validate_messages); i++)
    if (g_str_equal (error->message, validate_messages[i]))
      return _ (validate_messages[i]);
  return error->message;
}
