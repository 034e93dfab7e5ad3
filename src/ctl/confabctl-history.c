/* confabctl-history.c: `confabctl history #room [N]`, a room's stored
 * history (GetRoomHistory, SPEC §12), for administrators.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confabctl-commands.h"
#include "confabctl-output.h"

/* "2026-12-07T02:30:05Z", as the text protocol's history lines show it. */
static char *
format_utc (guint64 time_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc ((gint64) (time_usec / G_USEC_PER_SEC));

  return time != NULL ? g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ") : g_strdup ("?");
}

ConfabCtlExit
confabctl_history (ConfabCtl *ctl,
                   char     **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) messages = NULL;
  GVariantIter iter;
  guint64      limit = 50; /* as /history without N */
  guint64      time_usec;
  const char  *sender;
  const char  *text;

  if (args[1] != NULL && !g_ascii_string_to_unsigned (args[1], 10, 1, G_MAXUINT32, &limit, NULL))
    {
      g_printerr (_ ("confabctl: history: “%s” is not a number of messages\n"), args[1]);
      return CONFABCTL_EXIT_USAGE;
    }
  if (!confab_dbus_manager_call_get_room_history_sync (ctl->manager, args[0], (guint32) limit,
                                                       G_DBUS_CALL_FLAGS_NONE, -1, &messages, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_array (builder);
      g_variant_iter_init (&iter, messages);
      while (g_variant_iter_next (&iter, "(t&s&s)", &time_usec, &sender, &text))
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "time");
          json_builder_add_int_value (builder, (gint64) time_usec);
          json_builder_set_member_name (builder, "from");
          json_builder_add_string_value (builder, sender);
          json_builder_set_member_name (builder, "text");
          json_builder_add_string_value (builder, text);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      confabctl_print_json (builder, TRUE);
      return CONFABCTL_EXIT_OK;
    }

  g_variant_iter_init (&iter, messages);
  while (g_variant_iter_next (&iter, "(t&s&s)", &time_usec, &sender, &text))
    {
      g_autofree char *when = format_utc (time_usec);

      /* confab's names and texts hold no control characters (the
       * daemon refuses them), so they are printed as they are. */
      g_print ("%s %s: %s\n", when, sender, text);
    }
  return CONFABCTL_EXIT_OK;
}
