/* confabctl-rooms.c: rooms, room NAME, and broadcast --room.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confabctl-commands.h"
#include "confabctl-output.h"

ConfabCtlExit
confabctl_rooms (ConfabCtl *ctl,
                 char     **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) rooms = NULL;
  g_autoptr(ConfabCtlTable) table = NULL;
  GVariantIter iter;
  const char  *name;
  guint32      n;

  if (!confab_dbus_manager_call_list_rooms_sync (ctl->manager, G_DBUS_CALL_FLAGS_NONE, -1,
                                                 &rooms, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      g_variant_iter_init (&iter, rooms);
      while (g_variant_iter_next (&iter, "(&su)", &name, &n))
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
          json_builder_set_member_name (builder, "members");
          json_builder_add_int_value (builder, n);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      confabctl_print_json (builder, TRUE);
      return CONFABCTL_EXIT_OK;
    }

  if (g_variant_n_children (rooms) == 0)
    {
      if (!ctl->no_legend)
        g_print ("%s\n", _ ("There are no rooms."));
      return CONFABCTL_EXIT_OK;
    }

  table = confabctl_table_new (2);
  if (!ctl->no_legend)
    confabctl_table_add_row (table, _ ("ROOM"), _ ("MEMBERS"), NULL);
  g_variant_iter_init (&iter, rooms);
  while (g_variant_iter_next (&iter, "(&su)", &name, &n))
    {
      g_autofree char *count = g_strdup_printf ("%u", n);

      confabctl_table_add_row (table, name, count, NULL);
    }
  confabctl_table_print (table);
  return CONFABCTL_EXIT_OK;
}

ConfabCtlExit
confabctl_room (ConfabCtl *ctl,
                char     **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(ConfabCtlTable) table = NULL;
  g_autoptr(GVariant) members = NULL;
  g_autofree char *name = NULL;
  g_autofree char *topic = NULL;
  g_autofree char *setter = NULL;
  g_autofree char *list = NULL;
  gboolean         found;
  guint64          when;

  if (!confab_dbus_manager_call_get_room_sync (ctl->manager, args[0], G_DBUS_CALL_FLAGS_NONE, -1,
                                               &info, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      confabctl_print_dict_json (info);
      return CONFABCTL_EXIT_OK;
    }

  table = confabctl_table_new (2);
  name = confabctl_lookup_string (info, "name");
  confabctl_table_add_row (table, _ ("Room:"), name != NULL ? name : args[0], NULL);
  members = g_variant_lookup_value (info, "members", G_VARIANT_TYPE_STRING_ARRAY);
  if (members != NULL)
    {
      g_autofree const char **names = g_variant_get_strv (members, NULL);
      g_autofree char        *count = g_strdup_printf ("%u", g_strv_length ((char **) names));

      list = g_strjoinv (" ", (char **) names);
      confabctl_table_add_row (table, _ ("Members:"), count, NULL);
      confabctl_table_add_row (table, "", list, NULL);
    }
  topic = confabctl_lookup_string (info, "topic");
  setter = confabctl_lookup_string (info, "topic_setter");
  if (topic != NULL && *topic != '\0')
    {
      g_autofree char *line = setter != NULL
                                /* TRANSLATORS: a room's topic, then who set it */
                                ? g_strdup_printf (_ ("%s (set by %s)"), topic, setter)
                                : g_strdup (topic);

      confabctl_table_add_row (table, _ ("Topic:"), line, NULL);
    }
  else
    confabctl_table_add_row (table, _ ("Topic:"), _ ("none"), NULL);
  when = confabctl_lookup_number (info, "created", &found);
  if (found)
    {
      g_autofree char *created = confabctl_format_time (when, g_get_real_time ());

      confabctl_table_add_row (table, _ ("Created:"), created, NULL);
    }
  confabctl_table_print (table);
  return CONFABCTL_EXIT_OK;
}

/* broadcast --room ROOM TEXT */
ConfabCtlExit
confabctl_broadcast_room (ConfabCtl  *ctl,
                          const char *text)
{
  g_autoptr(GError) error = NULL;
  guint n;

  if (!confab_dbus_manager_call_broadcast_room_sync (ctl->manager, ctl->room, text,
                                                     G_DBUS_CALL_FLAGS_NONE, -1, &n, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "members");
      json_builder_add_int_value (builder, n);
      json_builder_end_object (builder);
      confabctl_print_json (builder, FALSE);
      return CONFABCTL_EXIT_OK;
    }

  /* TRANSLATORS: %u is a number of members, %s a room's name */
  g_print (ngettext ("Sent to %u member of %s.\n", "Sent to %u members of %s.\n", n), n, ctl->room);
  return CONFABCTL_EXIT_OK;
}
