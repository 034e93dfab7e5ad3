/* confab-cluster-claims.c: the names this node claims in Redis (SPEC
 * §14), so that a name is never connected on two nodes at once.
 *
 * A login's name is claimed (CONFAB_CLUSTER_SCRIPT_CLAIM) before the
 * broker takes it; the login's input waits for the answer, as it does
 * for a password check. A name whose owner the detector found dead is
 * taken over from it. The names held are claimed again whenever this
 * node registers (after a reconnection, or Redis coming back empty), and
 * released when their peer leaves. The directory of the other nodes'
 * names, routing and what they route here are confab-cluster-names.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-private.h"
#include "confab-cluster-scripts.h"
#include "confab-error.h"
#include "confab-name-key.h"

#define UNAVAILABLE_TEXT "service unavailable, try again"

static ConfabClaim *
claim_ref (ConfabClaim *claim)
{
  return g_rc_box_acquire (claim);
}

static void
claim_clear (gpointer data)
{
  ConfabClaim *claim = data;

  g_clear_handle_id (&claim->timeout_id, g_source_remove);
  g_free (claim->key);
  g_free (claim->name);
}

static void
claim_unref (ConfabClaim *claim)
{
  g_rc_box_release_full (claim, claim_clear);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabClaim, claim_unref)

/* Tells the login waiting for @claim, once. */
static void
claim_answer (ConfabClaim *claim,
              ConfabError  code,
              const char  *message)
{
  ConfabClaimDoneFunc done = g_steal_pointer (&claim->done);
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&claim->timeout_id, g_source_remove);
  if (done == NULL)
    return;
  if (message != NULL)
    error = g_error_new_literal (CONFAB_ERROR, code, message);
  done (error, claim->done_data);
}

static void
claim_forget (ConfabCluster *self,
              ConfabClaim   *claim)
{
  if (g_hash_table_lookup (self->claims, claim->key) == claim)
    g_hash_table_remove (self->claims, claim->key);
}

static void
send_release (ConfabCluster *self,
              const char    *key)
{
  const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_RELEASE, "0", self->node, key };

  confab_cluster_command (self, NULL, NULL, G_N_ELEMENTS (argv), argv, NULL);
}

static void send_claim (ConfabCluster *self,
                        ConfabClaim   *claim,
                        const char    *dead_owner);

static void
refuse_taken (ConfabClaim *claim)
{
  g_autofree char *message = g_strdup_printf ("name taken: %s", claim->name);

  claim_answer (claim, CONFAB_ERROR_NAME_TAKEN, message);
}

static void
claim_reply_cb (redisAsyncContext *ac,
                void              *r,
                void              *privdata)
{
  g_autoptr(ConfabClaim) claim = privdata; /* the command's ref */
  ConfabCluster *self = claim->cluster;
  redisReply    *reply = r;

  (void) ac;
  if (reply == NULL && claim->state == CLAIM_HELD)
    return; /* registered again on the next connection */
  if (reply == NULL || reply->type != REDIS_REPLY_STRING)
    {
      /* The link broke, or Redis refused the script. */
      if (reply != NULL)
        g_warning ("cluster: Redis at %s refused a claim: %s", self->address,
                   reply->type == REDIS_REPLY_ERROR ? reply->str : "unexpected answer");
      claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
      claim_forget (self, claim);
      return;
    }

  if (reply->len == 0)
    {
      if (claim->state == CLAIM_ABANDONED)
        {
          send_release (self, claim->key);
          claim_forget (self, claim);
          return;
        }
      claim->state = CLAIM_HELD;
      claim_answer (claim, 0, NULL);
      return;
    }

  /* Another node's. Free if this node found it dead. */
  if (!claim->took_over && confab_cluster_detector_is_dead (self->detector, reply->str))
    {
      claim->took_over = TRUE;
      send_claim (self, claim, reply->str);
      return;
    }
  confab_cluster_detector_note (self->detector, reply->str);
  if (claim->state == CLAIM_HELD)
    {
      /* A name this node held, taken by another while this one was cut
       * off (re-registration): its peer here goes. */
      g_autofree char *name = g_strdup (claim->name);

      claim_forget (self, claim);
      confab_broker_kick (self->broker, name, "name taken on another node", NULL);
      return;
    }
  refuse_taken (claim);
  claim_forget (self, claim);
}

static void
send_claim (ConfabCluster *self,
            ConfabClaim   *claim,
            const char    *dead_owner)
{
  const char *argv[] = { "EVAL", CONFAB_CLUSTER_SCRIPT_CLAIM, "0", self->node, claim->key, claim->name,
                         dead_owner != NULL ? dead_owner : "" };

  if (!confab_cluster_command (self, claim_reply_cb, claim_ref (claim), G_N_ELEMENTS (argv), argv, NULL))
    {
      claim_unref (claim);
      claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
      claim_forget (self, claim);
    }
}

static gboolean
claim_timeout_cb (gpointer user_data)
{
  ConfabClaim *claim = user_data;

  /* Redis stalls: the login is answered now; the claim, if it comes
   * through later, is given back (claim_reply_cb). */
  claim->timeout_id = 0;
  claim->state = CLAIM_ABANDONED;
  claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
  return G_SOURCE_REMOVE;
}

typedef struct
{
  ConfabClaimDoneFunc done;
  gpointer            done_data;
  ConfabError         code;
  char               *message;
} LaterAnswer;

static gboolean
answer_later_cb (gpointer user_data)
{
  LaterAnswer *later = user_data;
  g_autoptr(GError) error = g_error_new_literal (CONFAB_ERROR, later->code, later->message);

  later->done (error, later->done_data);
  g_free (later->message);
  g_free (later);
  return G_SOURCE_REMOVE;
}

/* A refusal known at once is still answered from the main loop, as the
 * link promises (confab-cluster-link.h). */
static void
answer_later (ConfabClaimDoneFunc done,
              gpointer            done_data,
              ConfabError         code,
              char               *message)
{
  LaterAnswer *later = g_new0 (LaterAnswer, 1);

  later->done = done;
  later->done_data = done_data;
  later->code = code;
  later->message = message;
  g_idle_add (answer_later_cb, later);
}

void
confab_cluster_claims_claim (gpointer            link_data,
                             const char         *name,
                             const char         *key,
                             ConfabClaimDoneFunc done,
                             gpointer            done_data)
{
  ConfabCluster    *self = link_data;
  ConfabRemotePeer *remote = g_hash_table_lookup (self->names, key);
  ConfabClaim      *claim;

  if (!confab_cluster_is_ready (self))
    {
      answer_later (done, done_data, CONFAB_ERROR_SERVICE_UNAVAILABLE, g_strdup (UNAVAILABLE_TEXT));
      return;
    }
  /* Here already, being claimed here, or on a node that lives. */
  if (confab_broker_lookup_key (self->broker, key) != NULL || g_hash_table_contains (self->claims, key) ||
      (remote != NULL && confab_cluster_detector_is_alive (self->detector, remote->node)))
    {
      answer_later (done, done_data, CONFAB_ERROR_NAME_TAKEN, g_strdup_printf ("name taken: %s", name));
      return;
    }

  claim = g_rc_box_new0 (ConfabClaim);
  claim->key = g_strdup (key);
  claim->name = g_strdup (name);
  claim->state = CLAIM_ASKED;
  claim->done = done;
  claim->done_data = done_data;
  claim->cluster = self;
  claim->timeout_id = g_timeout_add (2 * self->round_ms, claim_timeout_cb, claim);
  g_hash_table_insert (self->claims, claim->key, claim);
  send_claim (self, claim, NULL);
}

/* A claim no peer joined under, or the peer that did has left. */
static void
release (ConfabCluster *self,
         const char    *key)
{
  ConfabClaim *claim = g_hash_table_lookup (self->claims, key);

  if (claim == NULL)
    return;
  if (claim->state == CLAIM_ASKED)
    {
      /* Still in flight: given back when it comes (claim_reply_cb). */
      claim->state = CLAIM_ABANDONED;
      claim->done = NULL;
      return;
    }
  if (claim->state == CLAIM_HELD)
    send_release (self, key);
  claim_forget (self, claim);
}

void
confab_cluster_claims_unclaim (gpointer    link_data,
                               const char *key)
{
  release (link_data, key);
}

static void
peer_left_cb (ConfabBroker     *broker,
              ConfabBrokerPeer *peer,
              const char       *reason,
              gpointer          user_data)
{
  g_autofree char *key = confab_name_key_dup (confab_broker_peer_get_name (peer));

  (void) broker;
  (void) reason;
  release (user_data, key);
}

/* Claims again every name held, after a (re)connection. */
void
confab_cluster_claims_register (ConfabCluster *self)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->claims);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabClaim *claim = value;

      if (claim->state == CLAIM_HELD)
        {
          claim->took_over = FALSE;
          send_claim (self, claim, NULL);
        }
    }
}

/* The connections are gone: claims in flight were answered by hiredis
 * (no reply); those held stay, to be registered again. */
void
confab_cluster_claims_link_down (ConfabCluster *self)
{
  GHashTableIter iter;
  gpointer       value;

  g_hash_table_iter_init (&iter, self->claims);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabClaim *claim = value;

      if (claim->state != CLAIM_HELD)
        {
          claim_answer (claim, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
          g_hash_table_iter_remove (&iter);
        }
    }
}

void
confab_cluster_claims_init (ConfabCluster *self)
{
  self->claims = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) claim_unref);
  self->left_id = g_signal_connect (self->broker, "peer-left", G_CALLBACK (peer_left_cb), self);
}

/* Every claim still waiting is answered "service unavailable". */
void
confab_cluster_claims_clear (ConfabCluster *self)
{
  if (self->broker != NULL)
    g_clear_signal_handler (&self->left_id, self->broker);
  if (self->claims != NULL)
    {
      GHashTableIter iter;
      gpointer       value;

      g_hash_table_iter_init (&iter, self->claims);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        claim_answer (value, CONFAB_ERROR_SERVICE_UNAVAILABLE, UNAVAILABLE_TEXT);
    }
  g_clear_pointer (&self->claims, g_hash_table_unref);
}
