/* confab-manager-history.c: GetRoomHistory, a room's stored history on
 * the bus (SPEC §12), for administrators (confabctl history #room).
 *
 * The store answers later; the invocation waits for it (the call queue
 * has already let it through), holding its own reference.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-dbus-error.h"
#include "confab-manager-private.h"
#include "confab-name-key.h"
#include "confab-validate.h"

static void
history_cb (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(GDBusMethodInvocation) invocation = user_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) rows = confab_history_store_query_finish (CONFAB_HISTORY_STORE (source), result, &error);
  GVariantBuilder messages;

  if (rows == NULL)
    {
      g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                             CONFAB_DBUS_ERROR_HISTORY_UNAVAILABLE,
                                             "History unavailable: %s", error->message);
      return;
    }
  g_variant_builder_init (&messages, G_VARIANT_TYPE ("a(tss)"));
  for (guint i = 0; i < rows->len; i++)
    {
      const ConfabHistoryRow *row = g_ptr_array_index (rows, i);

      g_variant_builder_add (&messages, "(tss)", (guint64) MAX (row->time_usec, 0), row->sender, row->text);
    }
  g_dbus_method_invocation_return_value (invocation, g_variant_new ("(a(tss))", &messages));
}

void
confab_manager_run_get_room_history (ConfabManager         *self,
                                     GDBusMethodInvocation *invocation,
                                     const char            *room,
                                     guint32                limit)
{
  g_autoptr(GError) error = NULL;
  g_autofree char   *key = NULL;
  ConfabHistoryQuery query = { .direction = CONFAB_HISTORY_LATEST, .limit = limit };

  if (!confab_validate_room_name (room, -1, &error))
    {
      g_dbus_method_invocation_return_error_literal (invocation, CONFAB_DBUS_ERROR,
                                                     CONFAB_DBUS_ERROR_INVALID_ARGUMENT, error->message);
      return;
    }
  if (self->history == NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, CONFAB_DBUS_ERROR,
                                                     CONFAB_DBUS_ERROR_HISTORY_UNAVAILABLE,
                                                     "This server keeps no history");
      return;
    }
  key = confab_room_key_dup (room);
  confab_history_store_query_async (self->history, key, &query, NULL, history_cb, g_object_ref (invocation));
}

/**
 * confab_manager_set_history:
 * @history: (nullable): the store GetRoomHistory reads
 */
void
confab_manager_set_history (ConfabManager      *self,
                            ConfabHistoryStore *history)
{
  g_return_if_fail (CONFAB_IS_MANAGER (self));

  g_set_object (&self->history, history);
}
