/* confab-cluster-detector.c: the other nodes' liveness, as this node
 * sees it over the rounds Redis answered (confab-cluster-detector.h).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-detector.h"

typedef struct
{
  char    *counter;  /* (owned) (nullable): the last value seen; NULL: never seen */
  gint64   stale_ms; /* answered time since it last moved */
  gboolean dead;     /* declared dead, until its counter moves again */
} NodeState;

struct _ConfabClusterDetector
{
  char       *self_node; /* (owned) */
  guint       ttl_ms;
  guint       round_ms;
  GHashTable *nodes;         /* (owned): node name (owned) → NodeState (owned) */
  gint64      last_round_ms; /* 0: no round yet */
};

static void
node_state_free (gpointer data)
{
  NodeState *state = data;

  g_free (state->counter);
  g_free (state);
}

/**
 * confab_cluster_detector_new:
 * @ttl_ms: how long a node's counter may stand still before it is dead
 * @round_ms: how often this node reads the counters; one answered round
 *   counts for at most twice this, however long it took
 */
ConfabClusterDetector *
confab_cluster_detector_new (const char *self_node,
                             guint       ttl_ms,
                             guint       round_ms)
{
  ConfabClusterDetector *self = g_new0 (ConfabClusterDetector, 1);

  self->self_node = g_strdup (self_node);
  self->ttl_ms = ttl_ms;
  self->round_ms = MAX (round_ms, 1);
  self->nodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, node_state_free);
  return self;
}

void
confab_cluster_detector_free (ConfabClusterDetector *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->nodes);
  g_free (self->self_node);
  g_free (self);
}

static NodeState *
ensure_node (ConfabClusterDetector *self,
             const char            *node)
{
  NodeState *state = g_hash_table_lookup (self->nodes, node);

  if (state == NULL)
    {
      state = g_new0 (NodeState, 1);
      g_hash_table_insert (self->nodes, g_strdup (node), state);
    }
  return state;
}

/**
 * confab_cluster_detector_observe:
 * @nodes: (array length=n_nodes): the nodes in Redis' table this round
 * @counters: (array length=n_nodes): their counters
 * @now_ms: this node's monotonic time of the answer
 * @died: (element-type utf8): where the names of nodes declared dead by
 *   this round are added (owned strings)
 *
 * A node that moved is alive; one that did not, or that is no longer in
 * the table (Redis restarted empty, or another node cleaned it up), has
 * stood still for one more answered round.
 */
void
confab_cluster_detector_observe (ConfabClusterDetector *self,
                                 const char * const    *nodes,
                                 const char * const    *counters,
                                 guint                  n_nodes,
                                 gint64                 now_ms,
                                 GPtrArray             *died)
{
  gint64         elapsed = 0;
  GHashTableIter iter;
  gpointer       key, value;
  g_autoptr(GHashTable) moved = g_hash_table_new (g_str_hash, g_str_equal);

  if (self->last_round_ms > 0)
    elapsed = CLAMP (now_ms - self->last_round_ms, 0, 2 * (gint64) self->round_ms);
  self->last_round_ms = now_ms;

  for (guint i = 0; i < n_nodes; i++)
    {
      NodeState *state;

      if (strcmp (nodes[i], self->self_node) == 0)
        continue;
      state = ensure_node (self, nodes[i]);
      if (g_strcmp0 (state->counter, counters[i]) != 0)
        {
          /* A counter that moves is a node that lives, even one this
           * node had declared dead: it came back (and re-registers). */
          g_free (state->counter);
          state->counter = g_strdup (counters[i]);
          state->stale_ms = 0;
          state->dead = FALSE;
          g_hash_table_add (moved, (gpointer) nodes[i]);
        }
    }

  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      NodeState *state = value;

      if (state->dead || g_hash_table_contains (moved, key))
        continue;
      state->stale_ms += elapsed;
      if (state->stale_ms >= self->ttl_ms)
        {
          state->dead = TRUE;
          g_ptr_array_add (died, g_strdup (key));
        }
    }
}

/* @node owns something this node has just come across (a name's key):
 * if it is not known yet, its time starts now, so that a node that left
 * a name behind and never comes back is dead within the ttl. */
void
confab_cluster_detector_note (ConfabClusterDetector *self,
                              const char            *node)
{
  if (strcmp (node, self->self_node) != 0)
    ensure_node (self, node);
}

gboolean
confab_cluster_detector_is_dead (ConfabClusterDetector *self,
                                 const char            *node)
{
  NodeState *state = g_hash_table_lookup (self->nodes, node);

  return state != NULL && state->dead;
}

/* Seen moving and not dead since: this node's own name counts too. */
gboolean
confab_cluster_detector_is_alive (ConfabClusterDetector *self,
                                  const char            *node)
{
  NodeState *state;

  if (strcmp (node, self->self_node) == 0)
    return TRUE;
  state = g_hash_table_lookup (self->nodes, node);
  return state != NULL && !state->dead && state->counter != NULL;
}

/* This node and the others alive. */
guint
confab_cluster_detector_get_n_alive (ConfabClusterDetector *self)
{
  g_autoptr(GPtrArray) alive = confab_cluster_detector_list_alive (self);

  return alive->len;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* Returns: (transfer container) (element-type utf8): the nodes alive,
 *   this one included, sorted; the strings are the detector's */
GPtrArray *
confab_cluster_detector_list_alive (ConfabClusterDetector *self)
{
  GPtrArray     *alive = g_ptr_array_new ();
  GHashTableIter iter;
  gpointer       key, value;

  g_ptr_array_add (alive, self->self_node);
  g_hash_table_iter_init (&iter, self->nodes);
  while (g_hash_table_iter_next (&iter, &key, &value))
    {
      NodeState *state = value;

      if (!state->dead && state->counter != NULL)
        g_ptr_array_add (alive, key);
    }
  g_ptr_array_sort (alive, compare_names);
  return alive;
}
