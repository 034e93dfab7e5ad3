/* confabctl-output.c: how confabctl prints, for people and for scripts.
 *
 * People get aligned columns and times as local time with its UTC offset
 * plus how long ago;
 * scripts get JSON built with json-glib, with the values exactly as the
 * daemon sent them (times in µs since the Unix epoch, byte counts).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <glib/gi18n.h>

#include "confabctl-output.h"

struct _ConfabCtlTable
{
  guint      n_columns;
  GPtrArray *cells; /* (owned) (element-type utf8): row-major */
};

ConfabCtlTable *
confabctl_table_new (guint n_columns)
{
  ConfabCtlTable *table = g_new0 (ConfabCtlTable, 1);

  table->n_columns = n_columns;
  table->cells = g_ptr_array_new_with_free_func (g_free);
  return table;
}

void
confabctl_table_free (ConfabCtlTable *table)
{
  g_ptr_array_unref (table->cells);
  g_free (table);
}

/* Takes n_columns strings; a NULL before that leaves the rest empty. */
void
confabctl_table_add_row (ConfabCtlTable *table,
                         const char     *first_cell,
                         ...)
{
  const char *cell = first_cell;
  va_list     args;

  va_start (args, first_cell);
  for (guint i = 0; i < table->n_columns; i++)
    {
      g_ptr_array_add (table->cells, g_strdup (cell != NULL ? cell : ""));
      if (cell != NULL)
        cell = va_arg (args, const char *);
    }
  va_end (args);
}

/* Widths in characters, not bytes: names and translated labels are
 * UTF-8 (wide CJK characters would still misalign; good enough here). */
void
confabctl_table_print (ConfabCtlTable *table)
{
  g_autofree guint *widths = g_new0 (guint, table->n_columns);
  g_autoptr(GString) line = g_string_new (NULL);

  for (guint i = 0; i < table->cells->len; i++)
    {
      guint width = g_utf8_strlen (g_ptr_array_index (table->cells, i), -1);

      widths[i % table->n_columns] = MAX (widths[i % table->n_columns], width);
    }

  for (guint i = 0; i < table->cells->len; i++)
    {
      const char *cell = g_ptr_array_index (table->cells, i);
      guint       column = i % table->n_columns;

      g_string_append (line, cell);
      if (column + 1 < table->n_columns)
        {
          for (guint pad = g_utf8_strlen (cell, -1); pad < widths[column] + 2; pad++)
            g_string_append_c (line, ' ');
          continue;
        }

      /* No trailing spaces when the last cells are empty. */
      while (line->len > 0 && line->str[line->len - 1] == ' ')
        g_string_truncate (line, line->len - 1);
      g_print ("%s\n", line->str);
      g_string_truncate (line, 0);
    }
}

/* "5 s ago", "3 min ago", "2 h ago", "4 days ago" */
char *
confabctl_format_ago (gint64 delta_usec)
{
  guint64 s = delta_usec > 0 ? (guint64) delta_usec / G_USEC_PER_SEC : 0;

  if (s < 2)
    return g_strdup (_ ("just now"));
  if (s < 60)
    return g_strdup_printf (ngettext ("%u s ago", "%u s ago", (gulong) s), (guint) s);
  if (s < 3600)
    return g_strdup_printf (ngettext ("%u min ago", "%u min ago", (gulong) (s / 60)),
                            (guint) (s / 60));
  if (s < 86400)
    return g_strdup_printf (ngettext ("%u h ago", "%u h ago", (gulong) (s / 3600)),
                            (guint) (s / 3600));
  return g_strdup_printf (ngettext ("%u day ago", "%u days ago", (gulong) (s / 86400)),
                          (guint) (s / 86400));
}

/* "2024-05-01 14:03:07+02:00": RFC 3339 with a space, in the local time
 * zone ($TZ), with its offset so that the time means the same anywhere. */
char *
confabctl_format_clock (guint64 unix_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_local (unix_usec / G_USEC_PER_SEC);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, "%Y-%m-%d %H:%M:%S%:z");
}

/* "2024-05-01 14:03:07+02:00 (3 min ago)" */
char *
confabctl_format_time (guint64 unix_usec,
                       gint64  now_usec)
{
  g_autofree char *local = confabctl_format_clock (unix_usec);
  g_autofree char *ago = NULL;

  if (g_str_equal (local, "?"))
    return g_steal_pointer (&local);

  ago = confabctl_format_ago (now_usec - (gint64) unix_usec);
  return g_strdup_printf ("%s (%s)", local, ago);
}

/* "2 days 3 h", "3 h 12 min", "4 min 5 s", "7 s": the two largest units */
char *
confabctl_format_duration (guint64 usec)
{
  guint64 s = usec / G_USEC_PER_SEC;
  guint   days = s / 86400, hours = (s / 3600) % 24, minutes = (s / 60) % 60, seconds = s % 60;

  if (days > 0)
    return g_strdup_printf (ngettext ("%u day %u h", "%u days %u h", days), days, hours);
  if (hours > 0)
    return g_strdup_printf (_ ("%u h %u min"), hours, minutes);
  if (minutes > 0)
    return g_strdup_printf (_ ("%u min %u s"), minutes, seconds);
  return g_strdup_printf (_ ("%u s"), seconds);
}

char *
confabctl_format_count (guint64 value)
{
  return g_strdup_printf ("%" G_GUINT64_FORMAT, value);
}

/* Any D-Bus value for a table: numbers and strings as they are, booleans
 * as yes/no, anything else in GVariant text format. */
char *
confabctl_format_value (GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_STRING))
    return g_variant_dup_string (value, NULL);
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    return g_strdup (g_variant_get_boolean (value) ? _ ("yes") : _ ("no"));
  if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{su}")))
    {
      /* cluster_node_peers: "n0 2, n1 5" */
      g_autoptr(GString) text = g_string_new (NULL);
      GVariantIter iter;
      const char  *key;
      guint32      n;

      g_variant_iter_init (&iter, value);
      while (g_variant_iter_next (&iter, "{&su}", &key, &n))
        g_string_append_printf (text, "%s%s %" G_GUINT32_FORMAT, text->len > 0 ? ", " : "", key, n);
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr(GVariant) inner = g_variant_get_variant (value);

      return confabctl_format_value (inner);
    }
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_UINT16) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_BYTE) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_INT64) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_INT32) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_INT16) ||
      g_variant_is_of_type (value, G_VARIANT_TYPE_DOUBLE))
    return g_variant_print (value, FALSE);
  return g_variant_print (value, TRUE);
}

/*
 * confabctl_lookup_number:
 * @dict: an a{sv}
 * @found: (out) (optional): whether @key was there as a number
 *
 * Reads an unsigned number whatever its width, so the daemon may widen a
 * 'u' to a 't' without breaking this client.
 */
guint64
confabctl_lookup_number (GVariant   *dict,
                         const char *key,
                         gboolean   *found)
{
  g_autoptr(GVariant) value = g_variant_lookup_value (dict, key, NULL);
  gboolean ok = TRUE;
  guint64  number = 0;

  if (value == NULL)
    ok = FALSE;
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    number = g_variant_get_uint64 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    number = g_variant_get_uint32 (value);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    number = MAX (g_variant_get_int64 (value), 0);
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    number = MAX (g_variant_get_int32 (value), 0);
  else
    ok = FALSE;

  if (found != NULL)
    *found = ok;
  return number;
}

/* Returns: (transfer full) (nullable): the string under @key */
char *
confabctl_lookup_string (GVariant   *dict,
                         const char *key)
{
  char *value = NULL;

  if (!g_variant_lookup (dict, key, "s", &value))
    return NULL;
  return value;
}

/* Adds any D-Bus value as JSON: strings, numbers, booleans, arrays and
 * dictionaries map the way json-glib's GVariant serializer maps them. */
void
confabctl_builder_add_variant (JsonBuilder *builder,
                               GVariant    *value)
{
  json_builder_add_value (builder, json_gvariant_serialize (value));
}

/* Adds the members of an a{sv} to the object being built, in order. */
void
confabctl_builder_add_members (JsonBuilder *builder,
                               GVariant    *dict)
{
  GVariantIter iter;
  const char  *key;
  GVariant    *value;

  g_variant_iter_init (&iter, dict);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      json_builder_set_member_name (builder, key);
      confabctl_builder_add_variant (builder, value);
    }
}

void
confabctl_print_json (JsonBuilder *builder,
                      gboolean     pretty)
{
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = NULL;

  json_generator_set_pretty (generator, pretty);
  json_generator_set_root (generator, root);
  text = json_generator_to_data (generator, NULL);
  g_print ("%s\n", text);
}

/* The first error in writing stdout, 0 if none: g_print() drops it. */
static int write_errno;

static void
print_handler (const char *string)
{
  if (write_errno != 0)
    return;
  errno = 0;
  if (fputs (string, stdout) == EOF || fflush (stdout) != 0)
    write_errno = errno != 0 ? errno : EIO;
}

/* Makes g_print() keep the errors confabctl_flush_output() reports. */
void
confabctl_output_init (void)
{
  g_set_print_handler (print_handler);
}

/*
 * confabctl_flush_output:
 *
 * Flushes stdout and says whether everything printed so far was written.
 * GDBus ignores SIGPIPE, so a reader that went away (`| head -1`) shows
 * up only here, as EPIPE: that is no error, and nothing is printed. Any
 * other write error is reported on stderr, once.
 *
 * Returns: %CONFABCTL_OUTPUT_OK, %CONFABCTL_OUTPUT_CLOSED (EPIPE) or
 *   %CONFABCTL_OUTPUT_FAILED
 */
ConfabCtlOutput
confabctl_flush_output (void)
{
  static gboolean reported = FALSE;

  if (write_errno == 0)
    {
      errno = 0;
      if (fflush (stdout) != 0 || ferror (stdout))
        write_errno = errno != 0 ? errno : EIO;
    }
  if (write_errno == 0)
    return CONFABCTL_OUTPUT_OK;
  if (write_errno == EPIPE)
    return CONFABCTL_OUTPUT_CLOSED;
  if (!reported)
    g_printerr (_ ("confabctl: cannot write the output: %s\n"), g_strerror (write_errno));
  reported = TRUE;
  return CONFABCTL_OUTPUT_FAILED;
}

/* Prints an a{sv} reply (GetPeer, GetRoom) as one JSON object with its
 * keys, for --json. */
void
confabctl_print_dict_json (GVariant *dict)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();

  json_builder_begin_object (builder);
  confabctl_builder_add_members (builder, dict);
  json_builder_end_object (builder);
  confabctl_print_json (builder, TRUE);
}
