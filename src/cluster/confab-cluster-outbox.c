/* confab-cluster-outbox.c: what this node sends the others, batched.
 *
 * A busy node routes many messages to the same other node in one turn
 * of its main loop. Each becomes a record (confab-cluster-wire.h) in that
 * node's outbox, and the outboxes go out once per turn, one PUBLISH per
 * node holding every record since the last: Redis, hiredis and the
 * receiving node then pay per batch what they would otherwise pay per
 * message. A direct message to several peers of one node is one record
 * with all their keys. Order is kept: records leave in the order they
 * were made, and every other command this node sends (claims, notices)
 * first sends what the outboxes hold (confab_cluster_command()).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-private.h"

/* A batch this large goes at once rather than at the end of the turn. */
#define BATCH_MAX_BYTES (64 * 1024)

struct _ConfabOutbox
{
  char          *channel; /* (owned): confab:node:NODE */
  GString       *batch;   /* (owned): records, each ending in '\n' */
  guint          records;
  ConfabMessage *direct; /* (owned) (nullable): a direct message whose record is still open */
  GPtrArray     *keys;   /* (owned): its recipients' keys on that node */
};

static void
outbox_free (gpointer data)
{
  ConfabOutbox *box = data;

  g_clear_pointer (&box->direct, confab_message_unref);
  g_ptr_array_unref (box->keys);
  g_string_free (box->batch, TRUE);
  g_free (box->channel);
  g_free (box);
}

void
confab_cluster_outbox_init (ConfabCluster *self)
{
  self->outboxes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, outbox_free);
}

/* The open direct record, written out. */
static void
close_direct (ConfabOutbox *box)
{
  const char * const *to;
  const char         *text;
  gsize               text_len;
  guint               n_to;

  if (box->direct == NULL)
    return;
  to = confab_message_get_recipients (box->direct, &n_to);
  text = confab_message_get_text (box->direct, &text_len);
  confab_cluster_wire_direct (box->batch, confab_message_get_sender (box->direct), to, n_to,
                              (const char * const *) box->keys->pdata, box->keys->len, text, text_len);
  g_string_append_c (box->batch, '\n');
  box->records++;
  g_clear_pointer (&box->direct, confab_message_unref);
  g_ptr_array_set_size (box->keys, 0);
}

static void
send_box (ConfabCluster *self,
          ConfabOutbox  *box)
{
  const char *argv[3];
  gsize       argvlen[3];

  close_direct (box);
  if (box->records == 0)
    return;
  argv[0] = "PUBLISH";
  argvlen[0] = 7;
  argv[1] = box->channel;
  argvlen[1] = strlen (box->channel);
  argv[2] = box->batch->str;
  argvlen[2] = box->batch->len;
  if (self->cmd != NULL && self->cmd_up &&
      redisAsyncCommandArgv (self->cmd, NULL, NULL, 3, argv, argvlen) == REDIS_OK)
    self->messages_out += box->records;
  else
    self->messages_lost += box->records;
  g_string_truncate (box->batch, 0);
  box->records = 0;
}

/* Everything the outboxes hold, out now, in order. */
void
confab_cluster_outbox_flush (ConfabCluster *self)
{
  GHashTableIter iter;
  gpointer       box;

  if (self->outboxes == NULL || self->outbox_pending == 0)
    return;
  self->outbox_pending = 0;
  g_hash_table_iter_init (&iter, self->outboxes);
  while (g_hash_table_iter_next (&iter, NULL, &box))
    send_box (self, box);
}

static gboolean
flush_cb (gpointer user_data)
{
  ConfabCluster *self = user_data;

  self->outbox_flush_id = 0;
  confab_cluster_outbox_flush (self);
  return G_SOURCE_REMOVE;
}

static ConfabOutbox *
box_for (ConfabCluster *self,
         const char    *node)
{
  ConfabOutbox *box = g_hash_table_lookup (self->outboxes, node);

  if (box == NULL)
    {
      box = g_new0 (ConfabOutbox, 1);
      box->channel = g_strdup_printf ("confab:node:%s", node);
      box->batch = g_string_sized_new (4096);
      box->keys = g_ptr_array_new_with_free_func (g_free);
      g_hash_table_insert (self->outboxes, g_strdup (node), box);
    }
  if (self->outbox_flush_id == 0)
    {
      /* At the end of this turn, with the connections' own work. */
      self->outbox_flush_id = g_idle_add_full (G_PRIORITY_DEFAULT, flush_cb, self, NULL);
    }
  self->outbox_pending++;
  return box;
}

static void
maybe_send (ConfabCluster *self,
            ConfabOutbox  *box)
{
  if (box->batch->len >= BATCH_MAX_BYTES)
    send_box (self, box);
}

/* @message, in a route, for the peer with @key on @node. */
gboolean
confab_cluster_outbox_direct (ConfabCluster *self,
                              const char    *node,
                              const char    *key,
                              ConfabMessage *message)
{
  ConfabOutbox *box;

  if (self->cmd == NULL || !self->cmd_up)
    {
      self->messages_lost++;
      return FALSE;
    }
  box = box_for (self, node);
  if (box->direct != message)
    {
      close_direct (box);
      maybe_send (self, box);
      box->direct = confab_message_ref (message);
    }
  g_ptr_array_add (box->keys, g_strdup (key));
  return TRUE;
}

/* A record made by the caller (a room message), for @node. */
void
confab_cluster_outbox_add (ConfabCluster *self,
                           const char    *node,
                           const GString *record)
{
  ConfabOutbox *box;

  if (self->cmd == NULL || !self->cmd_up)
    {
      self->messages_lost++;
      return;
    }
  box = box_for (self, node);
  close_direct (box);
  g_string_append_len (box->batch, record->str, (gssize) record->len);
  g_string_append_c (box->batch, '\n');
  box->records++;
  maybe_send (self, box);
}

/* The link is down: what waits is lost (counted), as the sessions know. */
void
confab_cluster_outbox_drop (ConfabCluster *self)
{
  GHashTableIter iter;
  gpointer       value;

  if (self->outboxes == NULL)
    return;
  g_hash_table_iter_init (&iter, self->outboxes);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      ConfabOutbox *box = value;

      close_direct (box);
      self->messages_lost += box->records;
      g_string_truncate (box->batch, 0);
      box->records = 0;
    }
  self->outbox_pending = 0;
}

void
confab_cluster_outbox_free (ConfabCluster *self)
{
  g_clear_handle_id (&self->outbox_flush_id, g_source_remove);
  g_clear_pointer (&self->outboxes, g_hash_table_unref);
}
