/* confab-cluster.h: this confabd as one node of several joined through
 * Redis (SPEC §14).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib-object.h>

#include "confab-broker.h"

G_BEGIN_DECLS

#define CONFAB_CLUSTER_PRESENCE_TTL_DEFAULT 10

#define CONFAB_TYPE_CLUSTER (confab_cluster_get_type ())
G_DECLARE_FINAL_TYPE (ConfabCluster, confab_cluster, CONFAB, CLUSTER, GObject)

gboolean       confab_cluster_check_node_name (const char *node,
                                               GError    **error);
ConfabCluster *confab_cluster_new (ConfabBroker *broker,
                                   const char   *redis_address,
                                   const char   *node,
                                   guint         presence_ttl_sec,
                                   GError      **error);
void           confab_cluster_start (ConfabCluster *self);
void           confab_cluster_stop (ConfabCluster *self);
gboolean       confab_cluster_is_ready (ConfabCluster *self);
const char    *confab_cluster_get_node (ConfabCluster *self);

G_END_DECLS
