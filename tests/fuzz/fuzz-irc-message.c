/* fuzz-irc-message.c: IRC message parsing and serialization (SPEC §10)
 * on arbitrary lines.
 *
 * Input: plain text, split at '\n' into lines as the framer would hand
 * them out (a '\r' is left in: it must be refused), so any IRC transcript
 * is a seed. Each line is parsed in a buffer of its exact size, and, with
 * its NULs dropped, used as the last param of a PRIVMSG, as a tag value,
 * and as a nick and a channel name.
 *
 * Checked: the parse agrees with a model that works on copies (GRegex for
 * tag keys and commands), error codes and all; what it returns points
 * into the line, and no command, source or param holds a NUL, CR or LF,
 * nor a space unless it is the trailing or 15th param. A parsed message
 * written out again and parsed again gives the same tags, source, command
 * and params. Whatever is written has at most 512 bytes after the tags,
 * one CR LF at the end, and is valid UTF-8 if its params were; a last
 * param that had to be cut is a prefix of the original, cut as late as a
 * character boundary allows. An escaped tag value unescapes to itself.
 * The nick and channel checks agree with their rules restated.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-irc-message.h"
#include "confab-validate.h"
#include "fuzz-common.h"

static gboolean
inside (const char *p,
        const char *buf,
        gsize       len)
{
  return p >= buf && p + strlen (p) <= buf + len;
}

/* The model */

typedef struct
{
  gboolean   ok;
  gint       code; /* if !ok */
  GPtrArray *tag_keys;
  GPtrArray *tag_values; /* NULL for none */
  char      *source;
  char      *command; /* as written, not uppercased */
  GPtrArray *params;
  gboolean   has_trailing;
} Model;

static void
model_init (Model *m)
{
  memset (m, 0, sizeof *m);
  m->tag_keys = g_ptr_array_new_with_free_func (g_free);
  m->tag_values = g_ptr_array_new_with_free_func (g_free);
  m->params = g_ptr_array_new_with_free_func (g_free);
}

static void
model_clear (Model *m)
{
  g_ptr_array_unref (m->tag_keys);
  g_ptr_array_unref (m->tag_values);
  g_ptr_array_unref (m->params);
  g_free (m->source);
  g_free (m->command);
}

static gboolean
model_fail (Model *m,
            gint   code)
{
  m->ok = FALSE;
  m->code = code;
  return FALSE;
}

static GRegex *
regex_get (const char *pattern)
{
  /* RAW: the input need not be UTF-8; DOLLAR_ENDONLY: no "\n" before $. */
  return g_regex_new (pattern, G_REGEX_RAW | G_REGEX_DOLLAR_ENDONLY, 0, NULL);
}

static gboolean
model_key_ok (const char *key)
{
  static GRegex *re;

  if (re == NULL)
    re = regex_get ("^\\+?([A-Za-z0-9.-]+/)?[A-Za-z0-9-]+$");
  return g_regex_match (re, key, 0, NULL);
}

static gboolean
model_command_ok (const char *command)
{
  static GRegex *re;

  if (re == NULL)
    re = regex_get ("^([A-Za-z]+|[0-9]{3})$");
  return g_regex_match (re, command, 0, NULL);
}

static char *
model_unescape (const char *raw)
{
  GString *s = g_string_new (NULL);

  for (const char *p = raw; *p != '\0'; p++)
    {
      if (*p != '\\')
        g_string_append_c (s, *p);
      else if (p[1] == '\0')
        break;
      else
        {
          p++;
          g_string_append_c (s, *p == ':' ? ';' : *p == 's' ? ' '
                                                : *p == 'r' ? '\r'
                                                : *p == 'n' ? '\n'
                                                            : *p);
        }
    }
  if (s->len == 0)
    {
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

/* The end of the token at @i: the next space, or @n. */
static gsize
token_end (const char *s,
           gsize       n,
           gsize       i)
{
  while (i < n && s[i] != ' ')
    i++;
  return i;
}

static gsize
after_spaces (const char *s,
              gsize       n,
              gsize       i)
{
  while (i < n && s[i] == ' ')
    i++;
  return i;
}

static gboolean
model_parse (const char *s,
             gsize       n,
             Model      *m)
{
  gsize rest = 0;
  gsize i;
  gsize j;

  if (after_spaces (s, n, 0) == n)
    return model_fail (m, CONFAB_ERROR_BAD_MESSAGE);
  for (i = 0; i < n; i++)
    if (s[i] == '\0' || s[i] == '\r' || s[i] == '\n')
      return model_fail (m, CONFAB_ERROR_CONTROL_CHARACTER);

  if (s[0] == '@')
    {
      const char *space = memchr (s, ' ', n);

      if ((space != NULL ? (gsize) (space - s) + 1 : n) > 8191)
        return model_fail (m, CONFAB_ERROR_LINE_TOO_LONG);
      if (space == NULL)
        return model_fail (m, CONFAB_ERROR_BAD_MESSAGE);
      rest = space - s + 1;
    }
  if (n - rest > 510)
    return model_fail (m, CONFAB_ERROR_LINE_TOO_LONG);

  if (rest > 0)
    {
      g_autofree char *tags = g_strndup (s + 1, rest - 2);
      g_auto(GStrv) items = g_strsplit (tags, ";", -1);

      /* g_strsplit() makes no item of "", where there is one, empty. */
      if (tags[0] == '\0')
        return model_fail (m, CONFAB_ERROR_BAD_MESSAGE);
      for (guint k = 0; items[k] != NULL; k++)
        {
          const char *eq = strchr (items[k], '=');
          char       *key = eq != NULL ? g_strndup (items[k], eq - items[k]) : g_strdup (items[k]);

          g_ptr_array_add (m->tag_keys, key);
          if (key[0] == '\0' || !model_key_ok (key) || m->tag_keys->len > 64)
            return model_fail (m, CONFAB_ERROR_BAD_MESSAGE);
          g_ptr_array_add (m->tag_values, eq != NULL ? model_unescape (eq + 1) : NULL);
        }
    }

  i = after_spaces (s, n, rest);
  if (i < n && s[i] == ':')
    {
      j = token_end (s, n, i + 1);
      if (j == i + 1)
        return model_fail (m, CONFAB_ERROR_BAD_MESSAGE);
      m->source = g_strndup (s + i + 1, j - i - 1);
      i = after_spaces (s, n, j);
    }

  j = token_end (s, n, i);
  m->command = g_strndup (s + i, j - i);
  if (j == i || !model_command_ok (m->command))
    return model_fail (m, CONFAB_ERROR_BAD_MESSAGE);

  for (i = after_spaces (s, n, j); i < n; i = after_spaces (s, n, j))
    {
      if (s[i] == ':')
        {
          m->has_trailing = TRUE;
          g_ptr_array_add (m->params, g_strndup (s + i + 1, n - i - 1));
          break;
        }
      if (m->params->len == 14)
        {
          g_ptr_array_add (m->params, g_strndup (s + i, n - i));
          break;
        }
      j = token_end (s, n, i);
      g_ptr_array_add (m->params, g_strndup (s + i, j - i));
    }

  m->ok = TRUE;
  return TRUE;
}

/* Parsing */

static void
check_error (const GError *error)
{
  CONFAB_FUZZ_CHECK (error != NULL, "failure without an error");
  CONFAB_FUZZ_CHECK (error->domain == CONFAB_ERROR, "error in domain %s",
                     g_quark_to_string (error->domain));
  /* It may go to the client as the text of an error numeric. */
  CONFAB_FUZZ_CHECK (confab_validate_text (error->message, -1, NULL),
                     "error message unfit for a line");
}

static gboolean
no_line_break (const char *s)
{
  return strpbrk (s, "\r\n") == NULL;
}

/* The invariants of a parsed message, on its own. */
static void
check_message (const ConfabIrcMessage *msg,
               const char             *buf,
               gsize                   len)
{
  CONFAB_FUZZ_CHECK (msg->n_tags <= CONFAB_IRC_TAGS_COUNT_MAX, "%u tags", msg->n_tags);
  for (guint i = 0; i < msg->n_tags; i++)
    {
      CONFAB_FUZZ_CHECK (inside (msg->tags[i].key, buf, len), "tag key outside the line");
      CONFAB_FUZZ_CHECK (msg->tags[i].value == NULL || (inside (msg->tags[i].value, buf, len) &&
                                                        msg->tags[i].value[0] != '\0'),
                         "tag value outside the line, or empty");
    }

  CONFAB_FUZZ_CHECK (msg->source == NULL || (inside (msg->source, buf, len) && msg->source[0] != '\0' &&
                                             strpbrk (msg->source, " \r\n") == NULL),
                     "bad source");
  CONFAB_FUZZ_CHECK (msg->command != NULL && inside (msg->command, buf, len), "no command");
  CONFAB_FUZZ_CHECK (model_command_ok (msg->command), "bad command %s", msg->command);
  for (const char *p = msg->command; *p != '\0'; p++)
    CONFAB_FUZZ_CHECK (!g_ascii_islower (*p), "command not uppercased");

  CONFAB_FUZZ_CHECK (msg->n_params <= CONFAB_IRC_PARAMS_MAX, "%u params", msg->n_params);
  CONFAB_FUZZ_CHECK (!msg->has_trailing || msg->n_params > 0, "trailing without params");
  for (guint i = 0; i < msg->n_params; i++)
    {
      const char *param = msg->params[i];
      gboolean    last = i + 1 == msg->n_params;

      CONFAB_FUZZ_CHECK (inside (param, buf, len), "param outside the line");
      CONFAB_FUZZ_CHECK (no_line_break (param), "line break in a param");
      if (last && (msg->has_trailing || msg->n_params == CONFAB_IRC_PARAMS_MAX))
        continue;
      CONFAB_FUZZ_CHECK (param[0] != '\0' && param[0] != ':' && strchr (param, ' ') == NULL,
                         "bad middle param %u", i);
    }
}

static void
check_against_model (const ConfabIrcMessage *msg,
                     const Model            *m)
{
  g_autofree char *command = g_ascii_strup (m->command, -1);

  CONFAB_FUZZ_CHECK (msg->n_tags == m->tag_keys->len, "%u tags, the model %u", msg->n_tags,
                     m->tag_keys->len);
  for (guint i = 0; i < msg->n_tags; i++)
    {
      const char *value = g_ptr_array_index (m->tag_values, i);

      CONFAB_FUZZ_CHECK (strcmp (msg->tags[i].key, g_ptr_array_index (m->tag_keys, i)) == 0,
                         "tag key %u differs", i);
      CONFAB_FUZZ_CHECK (g_strcmp0 (msg->tags[i].value, value) == 0, "tag value %u differs", i);
    }
  CONFAB_FUZZ_CHECK (g_strcmp0 (msg->source, m->source) == 0, "source differs");
  CONFAB_FUZZ_CHECK (strcmp (msg->command, command) == 0, "command differs");
  CONFAB_FUZZ_CHECK (msg->n_params == m->params->len, "%u params, the model %u", msg->n_params,
                     m->params->len);
  for (guint i = 0; i < msg->n_params; i++)
    CONFAB_FUZZ_CHECK (strcmp (msg->params[i], g_ptr_array_index (m->params, i)) == 0,
                       "param %u differs", i);
  CONFAB_FUZZ_CHECK (msg->has_trailing == m->has_trailing, "has_trailing differs");
}

/* The part of @out after its @tags_len bytes of tags: it is at most 512
 * bytes, holds no NUL and ends in its only CR LF. Returns its length
 * without the CR LF. */
static gsize
check_written (const GString *out,
               gsize          tags_len)
{
  const char *rest = out->str + tags_len;
  gsize       len;

  CONFAB_FUZZ_CHECK (out->len >= tags_len, "shorter than its tags");
  len = out->len - tags_len;
  CONFAB_FUZZ_CHECK (len <= CONFAB_IRC_LINE_MAX, "%" G_GSIZE_FORMAT " bytes after the tags", len);
  CONFAB_FUZZ_CHECK (strlen (out->str) == out->len, "NUL written");
  CONFAB_FUZZ_CHECK (len >= 2 && rest[len - 2] == '\r' && rest[len - 1] == '\n', "no CR LF at the end");
  CONFAB_FUZZ_CHECK (strcspn (out->str, "\r\n") == out->len - 2, "a line break before the end");
  return len - 2;
}

/* @reparsed, a message whose last param was written from @orig (CR and
 * LF already spaces) after @head bytes (the CR LF counted): that param is
 * @orig if the line had room for it, else the longest prefix that fits
 * with a ':' and ends at a character boundary (valid UTF-8 only). */
static void
check_last_param (const ConfabIrcMessage *reparsed,
                  const char             *orig,
                  gsize                   head)
{
  const char *cut = reparsed->params[reparsed->n_params - 1];
  gsize       cut_len = strlen (cut);
  gsize       orig_len = strlen (orig);
  gboolean    colon = orig[0] == '\0' || orig[0] == ':' || strchr (orig, ' ') != NULL;
  gsize       budget = CONFAB_IRC_LINE_MAX - head - 2; /* " :" */

  CONFAB_FUZZ_CHECK (cut_len <= orig_len && memcmp (cut, orig, cut_len) == 0,
                     "last param is no prefix of the original");
  if (head + 1 + colon + orig_len <= CONFAB_IRC_LINE_MAX)
    {
      CONFAB_FUZZ_CHECK (cut_len == orig_len, "last param cut with room for it");
      CONFAB_FUZZ_CHECK (reparsed->has_trailing == colon,
                         "':' where none was needed, or none where one was");
      return;
    }
  CONFAB_FUZZ_CHECK (reparsed->has_trailing, "cut param without ':'");
  CONFAB_FUZZ_CHECK (cut_len <= budget && cut_len + 3 >= budget,
                     "cut at %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT, cut_len, budget);
  if (g_utf8_validate (orig, orig_len, NULL))
    {
      CONFAB_FUZZ_CHECK (((guchar) orig[cut_len] & 0xc0) != 0x80, "cut inside a character");
      CONFAB_FUZZ_CHECK (g_utf8_next_char (orig + cut_len) > orig + budget,
                         "cut earlier than needed");
    }
}

/* Writes the message out, tags escaped, and parses it again. */
static void
fuzz_reserialize (const ConfabIrcMessage *msg)
{
  g_autoptr(GString) tags = g_string_new (NULL);
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *again = NULL;
  ConfabIrcMessage reparsed;
  gsize            tags_len;
  gsize            head;
  gsize            rest_len;
  gboolean         utf8 = TRUE;

  for (guint i = 0; i < msg->n_tags; i++)
    {
      if (i > 0)
        g_string_append_c (tags, ';');
      g_string_append (tags, msg->tags[i].key);
      if (msg->tags[i].value != NULL)
        {
          g_string_append_c (tags, '=');
          confab_irc_escape_tag_value (tags, msg->tags[i].value);
        }
    }
  tags_len = tags->len > 0 ? tags->len + 2 : 0;
  CONFAB_FUZZ_CHECK (tags_len <= CONFAB_IRC_TAGS_MAX, "escaped tags grew past the limit");

  confab_irc_message_append (out, tags->str, msg->source, msg->command, msg->params, msg->n_params);
  rest_len = check_written (out, tags_len);

  /* What comes before the last param, CR LF included. */
  head = (msg->source != NULL ? strlen (msg->source) + 2 : 0) + strlen (msg->command) + 2;
  for (guint i = 0; i + 1 < msg->n_params; i++)
    head += 1 + strlen (msg->params[i]);

  if (msg->source != NULL)
    utf8 = g_utf8_validate (msg->source, -1, NULL);
  for (guint i = 0; i < msg->n_params; i++)
    utf8 = utf8 && g_utf8_validate (msg->params[i], -1, NULL);
  if (utf8)
    CONFAB_FUZZ_CHECK (g_utf8_validate (out->str + tags_len, rest_len, NULL), "written line not UTF-8");

  again = g_strndup (out->str, out->len - 2);
  CONFAB_FUZZ_CHECK (confab_irc_message_parse (again, out->len - 2, &reparsed, &error),
                     "own line refused: %s", error->message);
  CONFAB_FUZZ_CHECK (reparsed.n_tags == msg->n_tags, "tag count changed");
  for (guint i = 0; i < msg->n_tags; i++)
    CONFAB_FUZZ_CHECK (strcmp (reparsed.tags[i].key, msg->tags[i].key) == 0 &&
                         g_strcmp0 (reparsed.tags[i].value, msg->tags[i].value) == 0,
                       "tag %u changed", i);
  CONFAB_FUZZ_CHECK (g_strcmp0 (reparsed.source, msg->source) == 0, "source changed");
  CONFAB_FUZZ_CHECK (strcmp (reparsed.command, msg->command) == 0, "command changed");
  CONFAB_FUZZ_CHECK (reparsed.n_params == msg->n_params, "param count changed");
  for (guint i = 0; i + 1 < msg->n_params; i++)
    CONFAB_FUZZ_CHECK (strcmp (reparsed.params[i], msg->params[i]) == 0, "param %u changed", i);
  if (msg->n_params > 0)
    check_last_param (&reparsed, msg->params[msg->n_params - 1], head);
}

static void
fuzz_parse (const char *orig,
            gsize       len)
{
  g_autofree char *buf = g_malloc (len + 1);
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage  message;
  ConfabIrcMessage *msg = &message;
  Model             model;
  gboolean          ok;

  memcpy (buf, orig, len);
  buf[len] = '\0';
  model_init (&model);
  model_parse (orig, len, &model);

  ok = confab_irc_message_parse (buf, len, msg, &error);
  CONFAB_FUZZ_CHECK (ok == model.ok, "parse %s, the model %s (%s)", ok ? "succeeded" : "failed",
                     model.ok ? "succeeds" : "fails", error != NULL ? error->message : "");
  if (ok)
    {
      CONFAB_FUZZ_CHECK (error == NULL, "success with an error");
      check_message (msg, buf, len);
      check_against_model (msg, &model);
      fuzz_reserialize (msg);
    }
  else
    {
      check_error (error);
      CONFAB_FUZZ_CHECK (error->code == model.code, "error %d (%s), the model %d", error->code,
                         error->message, model.code);
    }

  model_clear (&model);
}

/* Serialization of any text */

/* @text as the last param of a PRIVMSG from a source whose length the
 * first byte picks, so the 512-byte cut falls everywhere in it. */
static void
fuzz_append (const char *text)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  g_autofree char *sanitized = g_strdup (text);
  g_autofree char *again = NULL;
  const char      *params[2] = { "#c", text };
  ConfabIrcMessage reparsed;
  gsize            head;
  gsize            rest_len;

  source = g_strnfill (4 + (guchar) text[0], 'h');
  memcpy (source, "n!u@", 4);
  for (char *p = sanitized; *p != '\0'; p++)
    if (*p == '\r' || *p == '\n')
      *p = ' ';

  confab_irc_message_append (out, "t=1", source, "PRIVMSG", params, 2);
  rest_len = check_written (out, strlen ("@t=1 "));
  if (g_utf8_validate (text, -1, NULL))
    CONFAB_FUZZ_CHECK (g_utf8_validate (out->str, rest_len + strlen ("@t=1 "), NULL),
                       "written line not UTF-8");

  again = g_strndup (out->str, out->len - 2);
  CONFAB_FUZZ_CHECK (confab_irc_message_parse (again, out->len - 2, &reparsed, &error),
                     "own line refused: %s", error->message);
  CONFAB_FUZZ_CHECK (reparsed.n_params == 2 && strcmp (reparsed.params[0], "#c") == 0,
                     "params changed");
  CONFAB_FUZZ_CHECK (strcmp (reparsed.source, source) == 0, "source changed");

  head = strlen (source) + 2 + strlen ("PRIVMSG") + 2 + strlen (" #c");
  check_last_param (&reparsed, sanitized, head);
}

static void
fuzz_tag_value (const char *value)
{
  g_autoptr(GString) line = g_string_new ("@k=");
  g_autoptr(GError) error = NULL;
  ConfabIrcMessage msg;

  confab_irc_escape_tag_value (line, value);
  CONFAB_FUZZ_CHECK (strpbrk (line->str, " ;\r\n") == NULL, "escaped value holds a separator");
  if (line->len + 1 > CONFAB_IRC_TAGS_MAX)
    return;
  g_string_append (line, " TAGMSG");
  CONFAB_FUZZ_CHECK (confab_irc_message_parse (line->str, line->len, &msg, &error),
                     "escaped value refused: %s", error->message);
  CONFAB_FUZZ_CHECK (msg.n_tags == 1 && g_strcmp0 (msg.tags[0].value, value[0] != '\0' ? value : NULL) == 0,
                     "escaped value does not come back");
}

/* Nicks and channels */

static gboolean
model_name_chars_ok (const char *name,
                     const char *forbidden)
{
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      /* Cc: C0, DEL and C1, TAB and BEL included. */
      if (g_unichar_iscntrl (c) || (c < 0x80 && strchr (forbidden, (int) c) != NULL))
        return FALSE;
    }
  return TRUE;
}

static void
fuzz_names (const char *name)
{
  gsize    len = strlen (name);
  gboolean utf8 = g_utf8_validate (name, -1, NULL);
  gboolean nick = len >= 1 && len <= 32 && utf8 && !g_ascii_isdigit (name[0]) &&
                  strchr ("#&$+~%-", name[0]) == NULL &&
                  model_name_chars_ok (name, " ,*?!@.:");
  gboolean channel = len >= 2 && len <= 50 && utf8 && name[0] == '#' &&
                     model_name_chars_ok (name, " ,");

  CONFAB_FUZZ_CHECK (confab_irc_nick_is_valid (name) == nick, "nick check disagrees");
  CONFAB_FUZZ_CHECK (confab_irc_channel_is_valid (name) == channel, "channel check disagrees");

  /* Either is one middle param. */
  if (nick || channel)
    {
      g_autofree char *line = g_strconcat ("JOIN ", name, " x", NULL);
      ConfabIrcMessage msg;

      CONFAB_FUZZ_CHECK (confab_irc_message_parse (line, strlen (line), &msg, NULL) &&
                           msg.n_params == 2 && strcmp (msg.params[0], name) == 0,
                         "valid name is not one param");
    }
}

int
confab_fuzz_irc_message (const uint8_t *data,
                         size_t         size)
{
  const char *p = (const char *) data;
  const char *end = p + size;

  while (p < end)
    {
      const char      *nl = memchr (p, '\n', end - p);
      gsize            len = (nl != NULL ? nl : end) - p;
      g_autofree char *text = g_malloc (len + 1);
      gsize            n = 0;

      fuzz_parse (p, len);

      /* The rest want C strings: the line without its NULs. */
      for (gsize i = 0; i < len; i++)
        if (p[i] != '\0')
          text[n++] = p[i];
      text[n] = '\0';
      fuzz_append (text);
      fuzz_tag_value (text);
      fuzz_names (text);

      p += len + 1;
    }
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_irc_message)
