/* confab-cluster.c: this confabd as one node of a cluster (SPEC §14):
 * its two Redis connections, their rounds, reconnection with backoff,
 * and the other nodes' liveness.
 *
 * One connection carries commands (the rounds, claims, publications),
 * the other the subscriptions (this node's channel and the events of
 * all). Both are made again together whenever either breaks. Every
 * round (a quarter of presence_ttl_sec) writes this node's counter and
 * reads all the others' (CONFAB_CLUSTER_SCRIPT_ROUND), which both keeps
 * it alive for the others and tells it who else is.
 *
 * A login is accepted only while the node is ready: both connections
 * up, its names registered again since they came up, the last round
 * answered in time, and Redis' data set older than presence_ttl_sec (a
 * Redis that restarted empty has forgotten every name, and the nodes
 * that hold them need that long to register them again).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-private.h"
#include "confab-cluster-scripts.h"
#include "confab-cluster-wire.h"
#include "confab-log.h"
#include "confab-names.h"
#include "confab-redis.h"

G_DEFINE_TYPE (ConfabCluster, confab_cluster, G_TYPE_OBJECT)

#define BACKOFF_FIRST_MS 100
#define NODE_NAME_MAX    64

static void connect_now (ConfabCluster *self);

gint64
confab_cluster_now_ms (void)
{
  return g_get_monotonic_time () / 1000;
}

/* [cluster] node: letters, digits, '.', '_' and '-' (it is part of Redis
 * keys and channel names, and of the operator's logs). */
gboolean
confab_cluster_check_node_name (const char *node,
                                GError    **error)
{
  gsize len = strlen (node);

  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isalnum (node[i]) && node[i] != '.' && node[i] != '_' && node[i] != '-')
      len = 0;
  if (len == 0 || len > NODE_NAME_MAX)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   "“%s” is no node name (1 to %d letters, digits, “.”, “_” or “-”)",
                   node, NODE_NAME_MAX);
      return FALSE;
    }
  return TRUE;
}

/* Sends one command on the command connection; %FALSE if there is none
 * (the callback is then not called). */
gboolean
confab_cluster_command (ConfabCluster   *self,
                        redisCallbackFn *callback,
                        gpointer         data,
                        guint            argc,
                        const char     **argv,
                        const gsize     *argvlen)
{
  if (self->cmd == NULL || !self->cmd_up)
    return FALSE;
  /* After what the outboxes hold: the order of the broker's routes. */
  confab_cluster_outbox_flush (self);
  return redisAsyncCommandArgv (self->cmd, callback, data, (int) argc, argv, argvlen) == REDIS_OK;
}

/* ---- the link's state ------------------------------------------------- */

gboolean
confab_cluster_is_ready (ConfabCluster *self)
{
  gint64 now = confab_cluster_now_ms ();

  g_return_val_if_fail (CONFAB_IS_CLUSTER (self), FALSE);

  return self->cmd_up && self->sub_up && self->registered && now >= self->settled_ms &&
         !(self->round_pending && now - self->round_sent_ms > 2 * (gint64) self->round_ms);
}

static void
drop_connections (ConfabCluster *self)
{
  redisAsyncContext *cmd = g_steal_pointer (&self->cmd);
  redisAsyncContext *sub = g_steal_pointer (&self->sub);

  confab_cluster_outbox_drop (self);
  self->cmd_up = self->sub_up = FALSE;
  self->registered = FALSE;
  self->round_pending = FALSE;
  /* Their callbacks run now, with no reply: claims in flight are
   * answered "service unavailable". */
  if (cmd != NULL)
    redisAsyncFree (cmd);
  if (sub != NULL)
    redisAsyncFree (sub);
  confab_cluster_claims_link_down (self);
}

static gboolean
reconnect_cb (gpointer user_data)
{
  ConfabCluster *self = user_data;

  self->reconnect_id = 0;
  connect_now (self);
  return G_SOURCE_REMOVE;
}

/* Either connection broke, or could not be made: both go, and a new
 * pair is tried after a wait that doubles up to one round. */
static void
link_lost (ConfabCluster *self,
           const char    *why)
{
  if (self->was_up)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                      CONFAB_LOG_FIELD_EVENT, "cluster-down",
                      "MESSAGE", "Lost the cluster's Redis at %s (%s); logins are refused "
                                 "until it is back",
                      self->address, why);
  else
    g_debug ("cluster: Redis at %s: %s", self->address, why);
  self->was_up = FALSE;
  drop_connections (self);
  if (self->stopping || self->reconnect_id != 0)
    return;
  self->reconnect_id = g_timeout_add (self->backoff_ms, reconnect_cb, self);
  self->backoff_ms = MIN (self->backoff_ms * 2, self->round_ms);
}

static void
cmd_connected_cb (const redisAsyncContext *ac,
                  int                      status)
{
  ConfabCluster *self = ac->data;

  if (ac != self->cmd)
    return;
  if (status != REDIS_OK)
    {
      self->cmd = NULL; /* hiredis frees it */
      link_lost (self, ac->errstr);
    }
}

static void
disconnected_cb (const redisAsyncContext *ac,
                 int                      status)
{
  ConfabCluster   *self = ac->data;
  g_autofree char *why = g_strdup (status == REDIS_OK ? "closed" : ac->errstr);

  /* hiredis frees it after this; a context this node freed itself
   * (drop_connections()) is no longer its. */
  if (ac == self->cmd)
    self->cmd = NULL;
  else if (ac == self->sub)
    self->sub = NULL;
  else
    return;
  link_lost (self, why);
}

static void
sub_connected_cb (const redisAsyncContext *ac,
                  int                      status)
{
  ConfabCluster *self = ac->data;

  if (ac != self->sub)
    return;
  if (status != REDIS_OK)
    {
      self->sub = NULL;
      link_lost (self, ac->errstr);
    }
}

/* Every reply of the subscription: the answers to SUBSCRIBE, then each
 * publication on either channel. */
static void
publication_cb (redisAsyncContext *ac,
                void              *r,
                void              *privdata)
{
  ConfabCluster *self = privdata;
  redisReply    *reply = r;
  char          *data;
  char          *end;

  if (reply == NULL || ac != self->sub || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
    return;
  if (strcmp (reply->element[0]->str, "subscribe") == 0)
    {
      /* Both channels are listened to: register, then say so. */
      if (reply->element[2]->integer == 2)
        {
          self->sub_up = TRUE;
          confab_cluster_names_register (self);
        }
      return;
    }
  if (strcmp (reply->element[0]->str, "message") != 0 || reply->element[2]->type != REDIS_REPLY_STRING)
    return;
  /* One record per line: a batch from an outbox, or one event. */
  data = reply->element[2]->str;
  end = data + reply->element[2]->len;
  while (data < end)
    {
      char *line_end = memchr (data, '\n', (gsize) (end - data));

      if (line_end == NULL)
        line_end = end;
      *line_end = '\0';
      if (line_end > data)
        confab_cluster_names_publication (self, data, (gsize) (line_end - data));
      data = line_end + 1;
    }
}

static void
round_cb (redisAsyncContext *ac,
          void              *r,
          void              *privdata)
{
  ConfabCluster *self = privdata;
  redisReply    *reply = r;
  redisReply    *table;
  g_autoptr(GPtrArray) died = g_ptr_array_new_with_free_func (g_free);
  g_autofree const char **nodes = NULL;
  g_autofree const char **counters = NULL;
  gint64                  now = confab_cluster_now_ms ();
  guint                   n;

  (void) ac;
  self->round_pending = FALSE;
  if (reply == NULL || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3 ||
      reply->element[2]->type != REDIS_REPLY_ARRAY)
    {
      if (reply != NULL)
        g_warning ("cluster: unexpected answer to a round from Redis at %s%s%s", self->address,
                   reply->type == REDIS_REPLY_ERROR ? ": " : "",
                   reply->type == REDIS_REPLY_ERROR ? reply->str : "");
      return;
    }

  /* A data set younger than the ttl: other nodes may not have
   * registered their names in it yet. */
  if (reply->element[0]->integer < (long long) (self->ttl_ms / 1000))
    self->settled_ms = MAX (self->settled_ms,
                            now + ((gint64) self->ttl_ms / 1000 - reply->element[0]->integer) * 1000);

  table = reply->element[2];
  n = (guint) table->elements / 2;
  nodes = g_new0 (const char *, n + 1);
  counters = g_new0 (const char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      nodes[i] = table->element[2 * i]->str;
      counters[i] = table->element[2 * i + 1]->str;
    }
  confab_cluster_detector_observe (self->detector, nodes, counters, n, now, died);
  for (guint i = 0; i < died->len; i++)
    confab_cluster_names_bury (self, g_ptr_array_index (died, i));

  /* Not in the table before this round although this node had
   * registered: Redis lost it (restarted empty) or the others buried
   * this node (it was cut off from Redis for longer than the ttl). */
  if (reply->element[1]->integer == 1 && self->registered)
    {
      g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_WARNING,
                        CONFAB_LOG_FIELD_EVENT, "cluster-reregister",
                        "MESSAGE", "The cluster's Redis had lost this node (%s); registering "
                                   "its names again",
                        self->node);
      self->registered = FALSE;
      confab_cluster_names_register (self);
    }
}

static gboolean
round_timer_cb (gpointer user_data)
{
  ConfabCluster   *self = user_data;
  g_autofree char *counter = NULL;
  const char      *argv[5];
  gint64           now = confab_cluster_now_ms ();

  if (!self->cmd_up)
    return G_SOURCE_CONTINUE;
  if (self->round_pending)
    {
      /* Redis has not answered for a whole ttl: whatever holds it up
       * (a network that drops packets), start over. */
      if (now - self->round_sent_ms > (gint64) self->ttl_ms)
        link_lost (self, "no answer");
      return G_SOURCE_CONTINUE;
    }
  counter = g_strdup_printf ("%s:%" G_GUINT64_FORMAT, self->boot_id, ++self->counter);
  argv[0] = "EVAL";
  argv[1] = CONFAB_CLUSTER_SCRIPT_ROUND;
  argv[2] = "0";
  argv[3] = self->node;
  argv[4] = counter;
  if (confab_cluster_command (self, round_cb, self, 5, argv, NULL))
    {
      self->round_pending = TRUE;
      self->round_sent_ms = now;
    }
  return G_SOURCE_CONTINUE;
}

static void
connect_now (ConfabCluster *self)
{
  g_autoptr(GError) error = NULL;

  self->cmd = confab_redis_connect (self->address, self->context, &error);
  if (self->cmd != NULL)
    self->sub = confab_redis_connect (self->address, self->context, &error);
  if (self->cmd == NULL || self->sub == NULL)
    {
      link_lost (self, error->message);
      return;
    }
  self->cmd->data = self;
  self->sub->data = self;
  redisAsyncSetConnectCallback (self->cmd, cmd_connected_cb);
  redisAsyncSetDisconnectCallback (self->cmd, disconnected_cb);
  redisAsyncSetConnectCallback (self->sub, sub_connected_cb);
  redisAsyncSetDisconnectCallback (self->sub, disconnected_cb);
  /* Queued until connected; hiredis sends them in order. */
  redisAsyncCommand (self->sub, publication_cb, self, "SUBSCRIBE %s %s", self->channel,
                     CONFAB_CLUSTER_EVENTS_CHANNEL);
  self->cmd_up = TRUE; /* commands queue in hiredis until the connect ends */
  round_timer_cb (self);
}

/* Called once both connections answered and this node's names are in
 * Redis again (confab-cluster-names.c). */
void
confab_cluster_registered (ConfabCluster *self)
{
  self->registered = TRUE;
  self->backoff_ms = BACKOFF_FIRST_MS;
  if (!self->was_up)
    g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_MESSAGE,
                      CONFAB_LOG_FIELD_EVENT, "cluster-up",
                      "MESSAGE", "Joined the cluster at %s as node %s", self->address, self->node);
  self->was_up = TRUE;
}

/* ---- life cycle ------------------------------------------------------- */

void
confab_cluster_start (ConfabCluster *self)
{
  g_return_if_fail (CONFAB_IS_CLUSTER (self));
  g_return_if_fail (self->round_id == 0);

  confab_broker_set_cluster_link (self->broker, &confab_cluster_link, self);
  self->round_id = g_timeout_add (self->round_ms, round_timer_cb, self);
  connect_now (self);
}

/* Leaves the cluster: this node's names (its peers have left by now)
 * are freed at once for the others, not after presence_ttl_sec. Asked
 * on a connection of its own, waited for at most a second: the daemon
 * ends right after, and its main loop runs no more. */
void
confab_cluster_stop (ConfabCluster *self)
{
  g_autofree char     *path = NULL;
  g_autofree char     *host = NULL;
  guint                port = 0;
  const struct timeval timeout = { 1, 0 };
  redisContext        *c;
  redisReply          *reply;

  g_return_if_fail (CONFAB_IS_CLUSTER (self));

  if (self->stopping)
    return;
  self->stopping = TRUE;
  g_clear_handle_id (&self->round_id, g_source_remove);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  confab_broker_set_cluster_link (self->broker, NULL, NULL);
  drop_connections (self);

  if (!confab_redis_parse_address (self->address, &path, &host, &port, NULL))
    return;
  c = path != NULL ? redisConnectUnixWithTimeout (path, timeout) : redisConnectWithTimeout (host, (int) port, timeout);
  if (c == NULL || c->err != 0)
    {
      g_debug ("cluster: could not leave Redis at %s: %s", self->address, c != NULL ? c->errstr : "no memory");
      if (c != NULL)
        redisFree (c);
      return;
    }
  redisSetTimeout (c, timeout);
  reply = redisCommand (c, "EVAL %s 0 %s", CONFAB_CLUSTER_SCRIPT_BURY, self->node);
  if (reply != NULL)
    freeReplyObject (reply);
  redisFree (c);
  g_log_structured (G_LOG_DOMAIN, G_LOG_LEVEL_DEBUG,
                    CONFAB_LOG_FIELD_EVENT, "cluster-left",
                    "MESSAGE", "Left the cluster at %s", self->address);
}

const char *
confab_cluster_get_node (ConfabCluster *self)
{
  g_return_val_if_fail (CONFAB_IS_CLUSTER (self), NULL);

  return self->node;
}

static void
confab_cluster_dispose (GObject *object)
{
  ConfabCluster *self = CONFAB_CLUSTER (object);

  self->stopping = TRUE;
  g_clear_handle_id (&self->round_id, g_source_remove);
  g_clear_handle_id (&self->reconnect_id, g_source_remove);
  if (self->broker != NULL)
    confab_broker_set_cluster_link (self->broker, NULL, NULL);
  drop_connections (self);
  confab_cluster_outbox_free (self);
  confab_cluster_names_clear (self);
  g_clear_object (&self->broker);

  G_OBJECT_CLASS (confab_cluster_parent_class)->dispose (object);
}

static void
confab_cluster_finalize (GObject *object)
{
  ConfabCluster *self = CONFAB_CLUSTER (object);

  g_clear_pointer (&self->detector, confab_cluster_detector_free);
  g_free (self->address);
  g_free (self->node);
  g_free (self->channel);
  g_free (self->boot_id);
  g_string_free (self->scratch, TRUE);
  g_main_context_unref (self->context);

  G_OBJECT_CLASS (confab_cluster_parent_class)->finalize (object);
}

static void
confab_cluster_class_init (ConfabClusterClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_cluster_dispose;
  object_class->finalize = confab_cluster_finalize;
}

static void
confab_cluster_init (ConfabCluster *self)
{
  self->backoff_ms = BACKOFF_FIRST_MS;
  self->scratch = g_string_sized_new (256);
  self->context = g_main_context_ref_thread_default ();
}

/**
 * confab_cluster_new:
 * @redis_address: "unix:/PATH" or "HOST:PORT"
 * @node: this node's name, unique in the cluster
 * @presence_ttl_sec: how soon the names of a node that died are free
 *
 * Returns: (transfer full) (nullable): the node, not connected yet
 *   (confab_cluster_start()); %NULL with CONFAB_ERROR_INVALID_CONFIG or
 *   _INVALID_ADDRESS
 */
ConfabCluster *
confab_cluster_new (ConfabBroker *broker,
                    const char   *redis_address,
                    const char   *node,
                    guint         presence_ttl_sec,
                    GError      **error)
{
  ConfabCluster *self;

  g_return_val_if_fail (CONFAB_IS_BROKER (broker), NULL);
  g_return_val_if_fail (redis_address != NULL && node != NULL, NULL);
  g_return_val_if_fail (presence_ttl_sec > 0, NULL);

  if (!confab_redis_check_address (redis_address, error) || !confab_cluster_check_node_name (node, error))
    return NULL;

  self = g_object_new (CONFAB_TYPE_CLUSTER, NULL);
  self->broker = g_object_ref (broker);
  self->address = g_strdup (redis_address);
  self->node = g_strdup (node);
  self->channel = g_strdup_printf ("confab:node:%s", node);
  self->boot_id = g_strdup_printf ("%08x%08x", g_random_int (), (guint) g_get_real_time ());
  self->ttl_ms = presence_ttl_sec * 1000;
  self->round_ms = MAX (self->ttl_ms / 4, 100);
  self->detector = confab_cluster_detector_new (node, self->ttl_ms, self->round_ms);
  confab_cluster_names_init (self);
  confab_cluster_outbox_init (self);
  return self;
}
