/* confabctl-commands.c: peers, peer, broadcast, kick and stats (rooms
 * are confabctl-rooms.c's).
 *
 * Each command is one D-Bus call through the generated proxy and one
 * printout: a table for people, or JSON for scripts with the values as
 * the daemon sent them.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-names.h"
#include "confabctl-commands.h"
#include "confabctl-output.h"

const char *
confabctl_bus_label (ConfabCtl *ctl)
{
  return ctl->bus_type == G_BUS_TYPE_SYSTEM ? _ ("system") : _ ("session");
}

/*
 * confabctl_report_error:
 *
 * Prints a failed call's message for people: without the
 * "GDBus.Error:org.confab.Confab1.Error.NoSuchPeer: " prefix, and in
 * plain words when nobody serves the name or the bus's policy refuses
 * the call.
 *
 * Returns: CONFABCTL_EXIT_FAILED
 */
ConfabCtlExit
confabctl_report_error (ConfabCtl *ctl,
                        GError    *error)
{
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
      g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
    {
      /* TRANSLATORS: the first %s is "session" or "system" */
      g_printerr (_ ("confabctl: confabd is not running on the %s bus (nobody owns %s)\n"),
                  confabctl_bus_label (ctl), CONFAB_DBUS_NAME);
      return CONFABCTL_EXIT_FAILED;
    }

  /* The bus's own refusal (its policy) quotes the whole matched rule;
   * say what it means, and keep the details for debugging. */
  if (g_error_matches (error, G_DBUS_ERROR, G_DBUS_ERROR_ACCESS_DENIED))
    {
      g_dbus_error_strip_remote_error (error);
      g_debug ("the bus refused the call: %s", error->message);
      /* TRANSLATORS: %s is "session" or "system" */
      g_printerr (_ ("confabctl: the %s bus does not let you make this call "
                     "(broadcast and kick need root or the group confab-admin)\n"),
                  confabctl_bus_label (ctl));
      return CONFABCTL_EXIT_FAILED;
    }

  g_dbus_error_strip_remote_error (error);
  g_printerr ("confabctl: %s\n", error->message);
  return CONFABCTL_EXIT_FAILED;
}

/* ---- peers ----------------------------------------------------------- */

ConfabCtlExit
confabctl_peers (ConfabCtl *ctl,
                 char     **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) peers = NULL;
  g_autoptr(ConfabCtlTable) table = NULL;
  g_autoptr(JsonBuilder) builder = NULL;
  gint64       now = g_get_real_time ();
  GVariantIter iter;
  const char  *name, *address;
  guint64      since;

  if (!confab_dbus_manager_call_list_peers_sync (ctl->manager, G_DBUS_CALL_FLAGS_NONE, -1,
                                                 &peers, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      builder = json_builder_new ();
      json_builder_begin_array (builder);
      g_variant_iter_init (&iter, peers);
      while (g_variant_iter_next (&iter, "(&s&st)", &name, &address, &since))
        {
          json_builder_begin_object (builder);
          json_builder_set_member_name (builder, "name");
          json_builder_add_string_value (builder, name);
          json_builder_set_member_name (builder, "address");
          json_builder_add_string_value (builder, address);
          json_builder_set_member_name (builder, "connected_since");
          json_builder_add_int_value (builder, (gint64) since);
          json_builder_end_object (builder);
        }
      json_builder_end_array (builder);
      confabctl_print_json (builder, TRUE);
      return CONFABCTL_EXIT_OK;
    }

  /* --no-legend: only the rows, as systemctl and loginctl print them. */
  if (g_variant_n_children (peers) == 0)
    {
      if (!ctl->no_legend)
        g_print ("%s\n", _ ("No peers are connected."));
      return CONFABCTL_EXIT_OK;
    }

  table = confabctl_table_new (3);
  if (!ctl->no_legend)
    confabctl_table_add_row (table, _ ("NAME"), _ ("ADDRESS"), _ ("CONNECTED SINCE"), NULL);
  g_variant_iter_init (&iter, peers);
  while (g_variant_iter_next (&iter, "(&s&st)", &name, &address, &since))
    {
      g_autofree char *when = confabctl_format_time (since, now);

      confabctl_table_add_row (table, name, address, when, NULL);
    }
  confabctl_table_print (table);
  return CONFABCTL_EXIT_OK;
}

/* ---- peer NAME ------------------------------------------------------- */

/* Adds "LABEL:  VALUE" for a numeric key, if the daemon sent it. */
static void
add_number_row (ConfabCtlTable *table,
                GVariant       *dict,
                const char     *label,
                const char     *key)
{
  gboolean         found;
  guint64          value = confabctl_lookup_number (dict, key, &found);
  g_autofree char *text = NULL;

  if (!found)
    return;
  text = confabctl_format_count (value);
  confabctl_table_add_row (table, label, text, NULL);
}

static void
add_string_row (ConfabCtlTable *table,
                GVariant       *dict,
                const char     *label,
                const char     *key)
{
  g_autofree char *value = confabctl_lookup_string (dict, key);

  if (value != NULL)
    confabctl_table_add_row (table, label, value, NULL);
}

ConfabCtlExit
confabctl_peer (ConfabCtl *ctl,
                char     **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) info = NULL;
  g_autoptr(ConfabCtlTable) table = NULL;
  g_autofree char *when = NULL;
  gboolean         tls;
  gboolean         found;
  guint64          since;

  if (!confab_dbus_manager_call_get_peer_sync (ctl->manager, args[0], G_DBUS_CALL_FLAGS_NONE, -1,
                                               &info, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      confabctl_print_dict_json (info);
      return CONFABCTL_EXIT_OK;
    }

  table = confabctl_table_new (2);
  confabctl_table_add_row (table, _ ("Name:"), args[0], NULL);
  add_string_row (table, info, _ ("Address:"), "address");
  add_string_row (table, info, _ ("Protocol:"), "protocol");
  if (g_variant_lookup (info, "tls", "b", &tls))
    confabctl_table_add_row (table, _ ("TLS:"), tls ? _ ("yes") : _ ("no"), NULL);
  add_string_row (table, info, _ ("Account:"), "account");
  add_string_row (table, info, _ ("Login:"), "login_method");
  since = confabctl_lookup_number (info, "connected_since", &found);
  if (found)
    {
      when = confabctl_format_time (since, g_get_real_time ());
      confabctl_table_add_row (table, _ ("Connected since:"), when, NULL);
    }
  add_number_row (table, info, _ ("Messages in:"), "messages_in");
  add_number_row (table, info, _ ("Messages out:"), "messages_out");
  add_number_row (table, info, _ ("Bytes in:"), "bytes_in");
  add_number_row (table, info, _ ("Bytes out:"), "bytes_out");
  add_number_row (table, info, _ ("Bytes queued:"), "queued");
  confabctl_table_print (table);
  return CONFABCTL_EXIT_OK;
}

/* ---- broadcast TEXT -------------------------------------------------- */

ConfabCtlExit
confabctl_broadcast (ConfabCtl *ctl,
                     char     **args)
{
  g_autoptr(GError) error = NULL;
  guint n;

  if (ctl->room != NULL)
    return confabctl_broadcast_room (ctl, args[0]);
  if (!confab_dbus_manager_call_broadcast_sync (ctl->manager, args[0], G_DBUS_CALL_FLAGS_NONE, -1,
                                                &n, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "peers");
      json_builder_add_int_value (builder, n);
      json_builder_end_object (builder);
      confabctl_print_json (builder, FALSE);
      return CONFABCTL_EXIT_OK;
    }

  g_print (ngettext ("Sent to %u peer.\n", "Sent to %u peers.\n", n), n);
  return CONFABCTL_EXIT_OK;
}

/* ---- kick NAME [REASON] ---------------------------------------------- */

ConfabCtlExit
confabctl_kick (ConfabCtl *ctl,
                char     **args)
{
  g_autoptr(GError) error = NULL;
  const char *reason = args[1] != NULL ? args[1] : "";

  if (!confab_dbus_manager_call_kick_sync (ctl->manager, args[0], reason,
                                           G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "kicked");
      json_builder_add_string_value (builder, args[0]);
      json_builder_end_object (builder);
      confabctl_print_json (builder, FALSE);
      return CONFABCTL_EXIT_OK;
    }

  g_print (_ ("Kicked %s.\n"), args[0]);
  return CONFABCTL_EXIT_OK;
}

/* ---- stats ----------------------------------------------------------- */

/* The keys with a label of their own, in the order printed; any other key
 * is printed after them under its name. */
static const struct
{
  const char *key;
  const char *label;
} stats_labels[] = {
  { "peers", N_ ("Peers:") },
  { "peers_peak", N_ ("Peers at most:") },
  { "peers_max", N_ ("Peer limit:") },
  { "logins", N_ ("Logins:") },
  { "logins_rejected", N_ ("Logins rejected:") },
  { "messages_routed", N_ ("Messages routed:") },
  { "deliveries", N_ ("Deliveries:") },
  { "bytes_routed", N_ ("Bytes routed:") },
  { "errors_sent", N_ ("Errors sent:") },
  { "kicks", N_ ("Kicks:") },
  { "slow_consumers_dropped", N_ ("Slow consumers dropped:") },
  { "logins_refused_server_full", N_ ("Refused (server full):") },
  { "login_timeouts", N_ ("Login timeouts:") },
  { "lines_too_long", N_ ("Lines too long:") },
  { "messages_too_many_recipients", N_ ("Too many recipients:") },
  { "rate_limit_pauses", N_ ("Rate-limit pauses:") },
  { "irc_ping_timeouts", N_ ("IRC ping timeouts:") },
  { "tls_handshakes_failed", N_ ("TLS handshakes failed:") },
  { "auth_failures", N_ ("Failed passwords:") },
  { "http_requests", N_ ("HTTP requests:") },
  { "websocket_upgrades", N_ ("WebSocket upgrades:") },
  { "websocket_upgrades_refused", N_ ("WebSocket upgrades refused:") },
  { "websocket_protocol_errors", N_ ("WebSocket protocol errors:") },
  { "history_rows_written", N_ ("History rows written:") },
  { "history_write_errors", N_ ("History write errors:") },
  { "offline_stored", N_ ("Offline messages stored:") },
  { "offline_delivered", N_ ("Offline messages delivered:") },
  { "offline_refused", N_ ("Offline messages refused:") },
  { "signals_coalesced", N_ ("Bus signals coalesced:") },
  { "cluster_nodes", N_ ("Cluster nodes:") },
  { "cluster_messages_in", N_ ("Cluster messages in:") },
  { "cluster_messages_out", N_ ("Cluster messages out:") },
  { "rooms", N_ ("Rooms:") },
  { "rooms_peak", N_ ("Rooms at most:") },
  { "rooms_created", N_ ("Rooms created:") },
  { "room_joins", N_ ("Room joins:") },
  { "room_joins_refused", N_ ("Room joins refused:") },
  { "room_messages", N_ ("Room messages:") },
  { "queue_max_bytes", N_ ("Queue limit (bytes):") },
  { "line_max_bytes", N_ ("Line limit (bytes):") },
  { "recipients_max", N_ ("Recipient limit:") },
  { "login_timeout_sec", N_ ("Login timeout (s):") },
  { "shutdown_timeout_sec", N_ ("Shutdown timeout (s):") },
  { "rate_limit_messages_per_sec", N_ ("Rate limit (messages/s, 0 off):") },
  { "rate_limit_burst", N_ ("Rate-limit burst:") },
  { "rooms_max", N_ ("Room limit:") },
  { "room_members_max", N_ ("Members per room limit:") },
  { "rooms_per_peer_max", N_ ("Rooms per peer limit:") },
};

static gboolean
is_labelled_stat (const char *key)
{
  if (g_str_equal (key, "uptime_usec"))
    return TRUE;
  for (gsize i = 0; i < G_N_ELEMENTS (stats_labels); i++)
    if (g_str_equal (key, stats_labels[i].key))
      return TRUE;
  return FALSE;
}

static void
add_stats_json (JsonBuilder *builder,
                ConfabCtl   *ctl,
                GVariant    *stats)
{
  const char * const *addresses = confab_dbus_manager_get_listen_addresses (ctl->manager);
  const char         *version = confab_dbus_manager_get_version (ctl->manager);

  /* The statistics as sent, then the properties worth a script's time. */
  json_builder_begin_object (builder);
  confabctl_builder_add_members (builder, stats);
  if (version != NULL)
    {
      json_builder_set_member_name (builder, "version");
      json_builder_add_string_value (builder, version);
    }
  if (addresses != NULL)
    {
      json_builder_set_member_name (builder, "listen_addresses");
      json_builder_begin_array (builder);
      for (guint i = 0; addresses[i] != NULL; i++)
        json_builder_add_string_value (builder, addresses[i]);
      json_builder_end_array (builder);
    }
  json_builder_end_object (builder);
}

ConfabCtlExit
confabctl_stats (ConfabCtl *ctl,
                 char     **args)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GVariant) stats = NULL;
  g_autoptr(ConfabCtlTable) table = NULL;
  const char * const *addresses;
  const char         *version;
  gboolean            found;
  guint64             uptime;
  GVariantIter        iter;
  const char         *key;
  GVariant           *value;

  if (!confab_dbus_manager_call_get_statistics_sync (ctl->manager, G_DBUS_CALL_FLAGS_NONE, -1,
                                                     &stats, NULL, &error))
    return confabctl_report_error (ctl, error);

  if (ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      add_stats_json (builder, ctl, stats);
      confabctl_print_json (builder, TRUE);
      return CONFABCTL_EXIT_OK;
    }

  table = confabctl_table_new (2);
  version = confab_dbus_manager_get_version (ctl->manager);
  if (version != NULL)
    confabctl_table_add_row (table, _ ("Version:"), version, NULL);
  addresses = confab_dbus_manager_get_listen_addresses (ctl->manager);
  if (addresses != NULL)
    {
      g_autofree char *joined = g_strjoinv (", ", (char **) addresses);

      confabctl_table_add_row (table, _ ("Listening on:"), joined, NULL);
    }
  uptime = confabctl_lookup_number (stats, "uptime_usec", &found);
  if (found)
    {
      g_autofree char *text = confabctl_format_duration (uptime);

      confabctl_table_add_row (table, _ ("Uptime:"), text, NULL);
    }
  for (gsize i = 0; i < G_N_ELEMENTS (stats_labels); i++)
    add_number_row (table, stats, _ (stats_labels[i].label), stats_labels[i].key);

  /* Every other key too, under its own name: the daemon adds counters
   * and limits, and an older confabctl must not hide them. */
  g_variant_iter_init (&iter, stats);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      g_autofree char *label = NULL;
      g_autofree char *text = NULL;

      if (is_labelled_stat (key))
        continue;
      label = g_strconcat (key, ":", NULL);
      text = confabctl_format_value (value);
      confabctl_table_add_row (table, label, text, NULL);
    }
  confabctl_table_print (table);
  return CONFABCTL_EXIT_OK;
}
