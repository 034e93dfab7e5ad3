/* confab-statistics.c: the GetStatistics dictionary.
 *
 * Every counter lives with the layer that sees its event (the broker,
 * the connections through a ConfabStatsSource, the bus's signal bridge);
 * this puts them together, so that the D-Bus method and the Prometheus
 * page (src/net/confab-peer-http.c) show the same keys and values.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-statistics.h"

static void
dict_add_u32 (GVariantBuilder *dict,
              const char      *key,
              guint32          value)
{
  g_variant_builder_add (dict, "{sv}", key, g_variant_new_uint32 (value));
}

static void
dict_add_u64 (GVariantBuilder *dict,
              const char      *key,
              guint64          value)
{
  g_variant_builder_add (dict, "{sv}", key, g_variant_new_uint64 (value));
}

/**
 * confab_statistics_build:
 * @source: (nullable): the connections' counters
 * @signals_coalesced: the bus's signal bridge's count (0 without a bus)
 * @peer_limits: (nullable): an a{sv} of configured limits, added as is
 *
 * Returns: (transfer floating): the a{sv} of GetStatistics
 */
GVariant *
confab_statistics_build (ConfabBroker      *broker,
                         ConfabStatsSource *source,
                         guint64            signals_coalesced,
                         GVariant          *peer_limits)
{
  ConfabBrokerStats     stats;
  ConfabBrokerLimits    limits;
  ConfabConnectionStats conn = { .peers_max = G_MAXUINT };
  ConfabClusterStats    cluster = { 0 };
  GVariantBuilder       dict;

  g_return_val_if_fail (CONFAB_IS_BROKER (broker), NULL);

  confab_broker_get_stats (broker, &stats);
  confab_broker_get_limits (broker, &limits);
  if (source != NULL)
    confab_stats_source_get_stats (source, &conn);

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  dict_add_u64 (&dict, "uptime_usec", (guint64) (g_get_monotonic_time () - stats.started_usec));
  dict_add_u32 (&dict, "peers", stats.peers);
  dict_add_u32 (&dict, "peers_peak", stats.peers_peak);
  dict_add_u32 (&dict, "peers_max", conn.peers_max);
  dict_add_u32 (&dict, "queue_max_bytes", limits.queue_max_bytes);
  dict_add_u32 (&dict, "rooms_max", limits.rooms_max);
  dict_add_u32 (&dict, "room_members_max", limits.room_members_max);
  dict_add_u32 (&dict, "rooms_per_peer_max", limits.rooms_per_peer_max);
  dict_add_u32 (&dict, "rooms", stats.rooms);
  dict_add_u32 (&dict, "rooms_peak", stats.rooms_peak);
  dict_add_u64 (&dict, "rooms_created", stats.rooms_created);
  dict_add_u64 (&dict, "room_joins", stats.room_joins);
  dict_add_u64 (&dict, "room_joins_refused", stats.room_joins_refused);
  dict_add_u64 (&dict, "room_messages", stats.room_messages);
  dict_add_u64 (&dict, "logins", stats.logins);
  /* Refused at the broker (name taken, ...) or before it was asked. */
  dict_add_u64 (&dict, "logins_rejected", stats.logins_rejected + conn.logins_rejected);
  dict_add_u64 (&dict, "messages_routed", stats.messages_routed);
  dict_add_u64 (&dict, "deliveries", stats.deliveries);
  dict_add_u64 (&dict, "bytes_routed", stats.bytes_routed);
  dict_add_u64 (&dict, "errors_sent", stats.errors_sent + conn.errors_sent);
  dict_add_u64 (&dict, "kicks", stats.kicks);
  dict_add_u64 (&dict, "slow_consumers_dropped", stats.slow_consumers_dropped);
  dict_add_u64 (&dict, "logins_refused_server_full", conn.logins_refused_server_full);
  dict_add_u64 (&dict, "login_timeouts", conn.login_timeouts);
  dict_add_u64 (&dict, "lines_too_long", conn.lines_too_long);
  dict_add_u64 (&dict, "messages_too_many_recipients", conn.messages_too_many_recipients);
  dict_add_u64 (&dict, "rate_limit_pauses", conn.rate_limit_pauses);
  dict_add_u64 (&dict, "irc_ping_timeouts", conn.irc_ping_timeouts);
  dict_add_u64 (&dict, "tls_handshakes_failed", conn.tls_handshakes_failed);
  dict_add_u64 (&dict, "auth_failures", conn.auth_failures);
  dict_add_u64 (&dict, "http_requests", conn.http_requests);
  dict_add_u64 (&dict, "websocket_upgrades", conn.websocket_upgrades);
  dict_add_u64 (&dict, "websocket_upgrades_refused", conn.websocket_upgrades_refused);
  dict_add_u64 (&dict, "websocket_protocol_errors", conn.websocket_protocol_errors);
  g_variant_builder_add (&dict, "{sv}", "history", g_variant_new_boolean (conn.history));
  dict_add_u64 (&dict, "history_rows_written", conn.history_rows_written);
  dict_add_u64 (&dict, "history_write_errors", conn.history_write_errors);
  dict_add_u64 (&dict, "history_writes_refused", conn.history_writes_refused);
  dict_add_u64 (&dict, "history_rows_pruned", conn.history_rows_pruned);
  dict_add_u64 (&dict, "offline_stored", conn.offline_stored);
  dict_add_u64 (&dict, "offline_delivered", conn.offline_delivered);
  dict_add_u64 (&dict, "offline_refused", conn.offline_refused);
  dict_add_u64 (&dict, "history_write_p99_usec", (guint64) MAX (conn.history_write_p99_usec, 0));
  dict_add_u64 (&dict, "signals_coalesced", signals_coalesced);
  if (confab_broker_get_cluster_stats (broker, &cluster))
    {
      g_variant_builder_add (&dict, "{sv}", "cluster", g_variant_new_boolean (TRUE));
      g_variant_builder_add (&dict, "{sv}", "cluster_ready", g_variant_new_boolean (cluster.ready));
      dict_add_u32 (&dict, "cluster_nodes", cluster.nodes);
      dict_add_u64 (&dict, "cluster_messages_in", cluster.messages_in);
      dict_add_u64 (&dict, "cluster_messages_out", cluster.messages_out);
      dict_add_u64 (&dict, "cluster_messages_lost", cluster.messages_lost);
      g_variant_builder_add (&dict, "{sv}", "cluster_node_peers", cluster.node_peers);
      g_variant_unref (cluster.node_peers);
    }
  if (peer_limits != NULL)
    {
      GVariantIter iter;
      const char  *key;
      GVariant    *value;

      g_variant_iter_init (&iter, peer_limits);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
        g_variant_builder_add (&dict, "{sv}", key, value);
    }
  return g_variant_builder_end (&dict);
}
