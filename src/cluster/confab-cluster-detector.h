/* confab-cluster-detector.h: which other nodes of a cluster are alive,
 * judged by this node alone.
 *
 * Each node writes a counter of its own into Redis every round and reads
 * everyone's back (confab-cluster.c). A node whose counter has not moved
 * for presence_ttl_sec is dead, and its names are free. The time that
 * counts is this node's, and only the time of rounds that Redis answered:
 * when Redis stalls (SIGSTOP, a network stall) nobody's counter moves and
 * nobody can see it, so a stall, however long, counts as one round at
 * most, and no node is declared dead for a pause of Redis itself. Redis'
 * own key expiry would count the stall: its clock runs on meanwhile.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabClusterDetector ConfabClusterDetector;

ConfabClusterDetector *confab_cluster_detector_new (const char *self_node,
                                                    guint       ttl_ms,
                                                    guint       round_ms);
void                   confab_cluster_detector_free (ConfabClusterDetector *self);
void                   confab_cluster_detector_observe (ConfabClusterDetector *self,
                                                        const char                   *const    *nodes,
                                                        const char                   *const    *counters,
                                                        guint                  n_nodes,
                                                        gint64                 now_ms,
                                                        GPtrArray             *died);
void                   confab_cluster_detector_note (ConfabClusterDetector *self,
                                                     const char            *node);
gboolean               confab_cluster_detector_is_dead (ConfabClusterDetector *self,
                                                        const char            *node);
gboolean               confab_cluster_detector_is_alive (ConfabClusterDetector *self,
                                                         const char            *node);
guint                  confab_cluster_detector_get_n_alive (ConfabClusterDetector *self);
GPtrArray             *confab_cluster_detector_list_alive (ConfabClusterDetector *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabClusterDetector, confab_cluster_detector_free)

G_END_DECLS
