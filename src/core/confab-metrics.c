/* confab-metrics.c: GetStatistics in the Prometheus text exposition
 * format (version 0.0.4), for the /metrics page of the ws: doors.
 *
 * Each key of the GetStatistics dictionary (confab-statistics.c) is one
 * metric, named after it: `confab_KEY` for a gauge, `confab_KEY_total`
 * for a counter (Prometheus' naming conventions), each with its # HELP
 * and # TYPE lines. The table below says which is which and what it
 * counts; a key it does not know yet is still shown, as a gauge, so that
 * nothing GetStatistics reports is missing here.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-metrics.h"

typedef struct
{
  const char *key;
  gboolean    counter;
  const char *help;
} MetricInfo;

static const MetricInfo metrics[] = {
  { "uptime_usec", FALSE, "Microseconds since confabd started." },
  { "peers", FALSE, "Peers logged in now." },
  { "peers_peak", FALSE, "Most peers logged in at once since the start." },
  { "peers_max", FALSE, "Connections allowed at once (peers_max)." },
  { "queue_max_bytes", FALSE, "A peer's outgoing queue limit in bytes (queue_max_bytes)." },
  { "rooms_max", FALSE, "Rooms allowed on the server (rooms_max)." },
  { "room_members_max", FALSE, "Members allowed in one room (room_members_max)." },
  { "rooms_per_peer_max", FALSE, "Rooms one peer may join (rooms_per_peer_max)." },
  { "rooms", FALSE, "Rooms that exist now." },
  { "rooms_peak", FALSE, "Most rooms at once since the start." },
  { "rooms_created", TRUE, "Rooms created." },
  { "room_joins", TRUE, "Joins of a room." },
  { "room_joins_refused", TRUE, "Joins refused (a limit, an invalid room)." },
  { "room_messages", TRUE, "Messages sent to rooms." },
  { "logins", TRUE, "Successful logins." },
  { "logins_rejected", TRUE, "Logins refused, for any reason." },
  { "messages_routed", TRUE, "Chat messages routed." },
  { "deliveries", TRUE, "Messages queued to a recipient." },
  { "bytes_routed", TRUE, "Bytes of the messages routed, as text lines." },
  { "errors_sent", TRUE, "Error messages sent to clients." },
  { "kicks", TRUE, "Peers kicked by an administrator." },
  { "slow_consumers_dropped", TRUE, "Peers dropped for not reading (queue_max_bytes)." },
  { "logins_refused_server_full", TRUE, "Connections refused because peers_max was reached." },
  { "login_timeouts", TRUE, "Connections closed for not logging in in time." },
  { "lines_too_long", TRUE, "Connections closed for a line or message past line_max_bytes." },
  { "messages_too_many_recipients", TRUE, "Messages refused for naming more than recipients_max." },
  { "rate_limit_pauses", TRUE, "Times a peer's input waited for the rate limit." },
  { "irc_ping_timeouts", TRUE, "IRC connections closed for not answering a PING." },
  { "tls_handshakes_failed", TRUE, "TLS connections that never finished their handshake." },
  { "auth_failures", TRUE, "Logins with a wrong password." },
  { "http_requests", TRUE, "HTTP requests read on the ws: and wss: listeners." },
  { "websocket_upgrades", TRUE, "HTTP requests upgraded to a WebSocket." },
  { "websocket_upgrades_refused", TRUE, "WebSocket upgrades refused (origin, handshake)." },
  { "websocket_protocol_errors", TRUE, "WebSockets closed for breaking RFC 6455." },
  { "history", FALSE, "1 if history is kept, else 0." },
  { "history_rows_written", TRUE, "Room and offline messages written to the history." },
  { "history_write_errors", TRUE, "History writes the database failed." },
  { "history_writes_refused", TRUE, "History writes refused because the store was busy." },
  { "history_rows_pruned", TRUE, "History rows deleted by retention." },
  { "offline_stored", TRUE, "Messages stored for an account that was away." },
  { "offline_delivered", TRUE, "Stored messages delivered at a login." },
  { "offline_refused", TRUE, "Messages refused because offline_max_messages were waiting." },
  { "history_write_p99_usec", FALSE, "99th percentile of a history write in microseconds." },
  { "cluster", FALSE, "1 if this node is part of a cluster (SPEC 14)." },
  { "cluster_ready", FALSE, "1 while the cluster accepts logins here (Redis reachable)." },
  { "cluster_nodes", FALSE, "Cluster nodes alive, this one included." },
  { "cluster_messages_in", TRUE, "Messages other nodes routed to this one." },
  { "cluster_messages_out", TRUE, "Messages this node routed to other nodes." },
  { "cluster_messages_lost", TRUE, "Messages for other nodes Redis could not be given." },
  { "cluster_node_peers", FALSE, "Peers logged in on each cluster node." },
  { "signals_coalesced", TRUE, "D-Bus signals merged while the bus was not reading." },
  { "line_max_bytes", FALSE, "The longest line in bytes (line_max_bytes)." },
  { "recipients_max", FALSE, "Recipients allowed per message (recipients_max)." },
  { "login_timeout_sec", FALSE, "Seconds allowed to log in (login_timeout_sec)." },
  { "shutdown_timeout_sec", FALSE, "Seconds allowed for a clean shutdown (shutdown_timeout_sec)." },
  { "rate_limit_messages_per_sec", FALSE, "Messages a second per peer, 0 for no limit." },
  { "rate_limit_burst", FALSE, "Messages a peer may send at once (rate_limit_burst)." },
};

static const MetricInfo *
find_metric (const char *key)
{
  for (gsize i = 0; i < G_N_ELEMENTS (metrics); i++)
    {
      if (strcmp (metrics[i].key, key) == 0)
        return &metrics[i];
    }
  return NULL;
}

/* Returns: FALSE for a value that is no number */
static gboolean
append_value (GString  *out,
              GVariant *value)
{
  if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT32))
    g_string_append_printf (out, "%" G_GUINT32_FORMAT, g_variant_get_uint32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_UINT64))
    g_string_append_printf (out, "%" G_GUINT64_FORMAT, g_variant_get_uint64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT32))
    g_string_append_printf (out, "%" G_GINT32_FORMAT, g_variant_get_int32 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_INT64))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (value));
  else if (g_variant_is_of_type (value, G_VARIANT_TYPE_BOOLEAN))
    g_string_append (out, g_variant_get_boolean (value) ? "1" : "0");
  else
    return FALSE;
  return TRUE;
}

/* Only [a-zA-Z0-9_] may be in a metric's name. */
static gboolean
is_metric_name (const char *key)
{
  if (*key == '\0')
    return FALSE;
  for (const char *p = key; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '_')
        return FALSE;
    }
  return TRUE;
}

/**
 * confab_metrics_format:
 * @statistics: the a{sv} of GetStatistics
 *
 * Returns: (transfer full): the page, in the Prometheus text format
 */
char *
confab_metrics_format (GVariant *statistics)
{
  g_autoptr(GString) out = g_string_new (NULL);
  GVariantIter iter;
  const char  *key;
  GVariant    *value;

  g_return_val_if_fail (g_variant_is_of_type (statistics, G_VARIANT_TYPE_VARDICT), NULL);

  g_variant_iter_init (&iter, statistics);
  while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
    {
      const MetricInfo *info = find_metric (key);
      g_autofree char  *name = NULL;
      gsize             start = out->len;

      if (!is_metric_name (key))
        continue;
      name = g_strconcat ("confab_", key, info != NULL && info->counter ? "_total" : "", NULL);
      g_string_append_printf (out, "# HELP %s %s\n# TYPE %s %s\n%s ",
                              name, info != NULL ? info->help : "The GetStatistics key of this name.",
                              name, info != NULL && info->counter ? "counter" : "gauge", name);
      if (g_variant_is_of_type (value, G_VARIANT_TYPE ("a{su}")))
        {
          /* One sample per node, labelled with it (node names need no
           * escaping: confab_cluster_check_node_name()). */
          GVariantIter entries;
          const char  *label;
          guint32      n;

          g_string_truncate (out, out->len - strlen (name) - 1);
          g_variant_iter_init (&entries, value);
          while (g_variant_iter_next (&entries, "{&su}", &label, &n))
            g_string_append_printf (out, "%s{node=\"%s\"} %" G_GUINT32_FORMAT "\n", name, label, n);
          continue;
        }
      if (!append_value (out, value))
        {
          g_string_truncate (out, start);
          continue;
        }
      g_string_append_c (out, '\n');
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}
