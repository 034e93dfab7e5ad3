/* confabctl-output.h: how confabctl prints, for people and for scripts.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* A table printed with aligned columns, two spaces apart. */
typedef struct _ConfabCtlTable ConfabCtlTable;

ConfabCtlTable *confabctl_table_new (guint n_columns);
void            confabctl_table_free (ConfabCtlTable *table);
void            confabctl_table_add_row (ConfabCtlTable *table,
                                         const char     *first_cell,
                                         ...) G_GNUC_NULL_TERMINATED;
void            confabctl_table_print (ConfabCtlTable *table);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabCtlTable, confabctl_table_free)

char *confabctl_format_clock (guint64 unix_usec);
char *confabctl_format_time (guint64 unix_usec,
                             gint64  now_usec);
char *confabctl_format_ago (gint64 delta_usec);
char *confabctl_format_duration (guint64 usec);
char *confabctl_format_count (guint64 value);
char *confabctl_format_value (GVariant *value);

guint64 confabctl_lookup_number (GVariant   *dict,
                                 const char *key,
                                 gboolean   *found);
char   *confabctl_lookup_string (GVariant   *dict,
                                 const char *key);

void confabctl_builder_add_variant (JsonBuilder *builder,
                                    GVariant    *value);
void confabctl_builder_add_members (JsonBuilder *builder,
                                    GVariant    *dict);
void confabctl_print_json (JsonBuilder *builder,
                           gboolean     pretty);
void confabctl_print_dict_json (GVariant *dict);

typedef enum
{
  CONFABCTL_OUTPUT_OK,
  CONFABCTL_OUTPUT_CLOSED, /* the reader went away (EPIPE) */
  CONFABCTL_OUTPUT_FAILED, /* any other write error; reported */
} ConfabCtlOutput;

void            confabctl_output_init (void);
ConfabCtlOutput confabctl_flush_output (void);

G_END_DECLS
