/* confab-manager-calls.c: the manager's method calls, in each caller's order.
 *
 * A caller that sends calls back to back (1000 Broadcasts from a script)
 * must see them take effect in the order sent. GDBus dispatches calls in
 * order on the main context as long as no g-authorize-method handler is
 * connected; with one, each call runs in a thread of its own and comes
 * back in finishing order. So the manager connects none: every call is
 * pushed here, to the queue of its sender, and runs when every earlier
 * call of that sender has. A call that needs to know its caller
 * (Broadcast and Kick, for the admin check and the audit line) waits for
 * the lookup in the lookup pool, and the sender's later calls wait behind
 * it; other senders are not held up. What the lookup found serves the
 * sender's following calls while its queue is busy, and is dropped once
 * it is empty (a unique bus name never comes back).
 *
 * Deny by default: a member confab_manager_get_member_access() does not
 * list is refused here too.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-dbus.h"
#include "confab-manager.h"
#include "confab-manager-calls.h"
#include "confab-names.h"

struct _ConfabCallQueue
{
  grefcount         ref; /* the owner's, and one per lookup */
  gboolean          closed;
  gboolean          enforce;
  ConfabCallRunFunc run;
  gpointer          user_data;
  GHashTable       *senders; /* (owned): sender → SenderQueue */
  ConfabLogLimiter  log;     /* the refusals' budget */
};

typedef struct
{
  GQueue        calls;  /* (element-type GDBusMethodInvocation) (owned) */
  ConfabCaller *caller; /* (owned) (nullable): looked up for this burst */
  gboolean      looking_up;
} SenderQueue;

static void
sender_queue_free (SenderQueue *queue)
{
  g_queue_clear_full (&queue->calls, g_object_unref);
  g_clear_pointer (&queue->caller, confab_caller_free);
  g_free (queue);
}

static void
call_queue_unref (ConfabCallQueue *self)
{
  if (!g_ref_count_dec (&self->ref))
    return;
  g_hash_table_unref (self->senders);
  g_free (self);
}

ConfabCallQueue *
confab_call_queue_new (ConfabCallRunFunc run,
                       gpointer          user_data)
{
  ConfabCallQueue *self = g_new0 (ConfabCallQueue, 1);

  g_return_val_if_fail (run != NULL, NULL);

  g_ref_count_init (&self->ref);
  self->enforce = TRUE;
  self->run = run;
  self->user_data = user_data;
  self->senders = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                         (GDestroyNotify) sender_queue_free);
  return self;
}

static const char *
sender_key (GDBusMethodInvocation *invocation)
{
  const char *sender = g_dbus_method_invocation_get_sender (invocation);

  /* A peer-to-peer connection has no sender; confabd never serves one. */
  return sender != NULL ? sender : "";
}

static void drain (ConfabCallQueue *self,
                   const char      *key,
                   SenderQueue     *queue);

/* A lookup in flight: the queue, and the key of the sender's queue
 * (which is not always the caller's name: see sender_key()). */
typedef struct
{
  ConfabCallQueue *self;
  char            *key;
} Lookup;

static void
lookup_done_cb (GObject      *source,
                GAsyncResult *result,
                gpointer      user_data)
{
  Lookup          *lookup = user_data;
  ConfabCallQueue *self = lookup->self;
  g_autoptr(ConfabCaller) caller = confab_caller_lookup_finish (result);
  g_autofree char *key = g_steal_pointer (&lookup->key);
  SenderQueue     *queue;

  g_free (lookup);
  if (!self->closed)
    {
      queue = g_hash_table_lookup (self->senders, key);
      /* The sender's queue stays while its lookup runs. */
      g_assert (queue != NULL && queue->looking_up);
      queue->looking_up = FALSE;
      queue->caller = g_steal_pointer (&caller);
      drain (self, key, queue);
    }
  call_queue_unref (self);
}

/* Runs or refuses the calls at the head of @queue until one must wait for
 * its caller's lookup; drops @queue once it is empty. */
static void
drain (ConfabCallQueue *self,
       const char      *key,
       SenderQueue     *queue)
{
  GDBusMethodInvocation *invocation;

  while ((invocation = g_queue_peek_head (&queue->calls)) != NULL)
    {
      const char         *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
      const char         *method_name = g_dbus_method_invocation_get_method_name (invocation);
      ConfabManagerAccess access = confab_manager_get_member_access (interface_name, method_name);

      if (access == CONFAB_MANAGER_ACCESS_ADMIN && queue->caller == NULL)
        {
          Lookup *lookup = g_new0 (Lookup, 1);

          queue->looking_up = TRUE;
          g_ref_count_inc (&self->ref);
          lookup->self = self;
          lookup->key = g_strdup (key);
          confab_caller_lookup_async (invocation, lookup_done_cb, lookup);
          return;
        }

      g_queue_pop_head (&queue->calls);
      switch (access)
        {
        case CONFAB_MANAGER_ACCESS_OPEN:
          self->run (invocation, NULL, self->user_data);
          break;

        case CONFAB_MANAGER_ACCESS_ADMIN:
          if (self->enforce && !queue->caller->is_admin)
            {
              g_autofree char      *who = confab_caller_describe (queue->caller);
              ConfabCallerLogFields fields;

              confab_caller_get_log_fields (queue->caller, &fields);
              confab_log_event_with_fields (&self->log, CONFAB_LOG_CALL_REFUSED,
                                            g_get_monotonic_time (), NULL, NULL,
                                            "access denied", fields.fields, fields.n_fields,
                                            "Refused %s from %s: neither root nor in the group %s",
                                            method_name, who, CONFAB_MANAGER_ADMIN_GROUP);
              if (!queue->caller->identified)
                g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                                       CONFAB_DBUS_ERROR_ACCESS_DENIED,
                                                       _ ("Cannot identify the caller: %s"),
                                                       queue->caller->error);
              else
                g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                                       CONFAB_DBUS_ERROR_ACCESS_DENIED,
                                                       _ ("Only root and members of the group %s "
                                                          "may call %s (the caller is uid %u)"),
                                                       CONFAB_MANAGER_ADMIN_GROUP, method_name,
                                                       queue->caller->uid);
            }
          else
            self->run (invocation, queue->caller, self->user_data);
          break;

        case CONFAB_MANAGER_ACCESS_DENIED:
        default:
          {
            const char     *who = *key != '\0' ? key : "a peer";
            const GLogField field = { CONFAB_LOG_FIELD_CALLER, who, -1 };

            confab_log_event_with_fields (&self->log, CONFAB_LOG_CALL_REFUSED,
                                          g_get_monotonic_time (), NULL, NULL, "not served",
                                          &field, 1,
                                          "Refused %s.%s from %s: not a member confabd serves",
                                          interface_name, method_name, who);
          }
          g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                                 CONFAB_DBUS_ERROR_ACCESS_DENIED,
                                                 _ ("Calling %s.%s is not allowed"),
                                                 interface_name, method_name);
          break;
        }
      g_object_unref (invocation);
    }

  g_hash_table_remove (self->senders, key);
}

/**
 * confab_call_queue_push:
 * @invocation: (transfer none): a call to the manager
 *
 * Runs @invocation once every earlier call of its sender has run; at
 * once if there is none and it needs no lookup.
 */
void
confab_call_queue_push (ConfabCallQueue       *self,
                        GDBusMethodInvocation *invocation)
{
  const char  *key = sender_key (invocation);
  SenderQueue *queue;

  g_return_if_fail (self != NULL && !self->closed);
  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));

  queue = g_hash_table_lookup (self->senders, key);
  if (queue == NULL)
    {
      queue = g_new0 (SenderQueue, 1);
      g_queue_init (&queue->calls);
      g_hash_table_insert (self->senders, g_strdup (key), queue);
    }
  g_queue_push_tail (&queue->calls, g_object_ref (invocation));
  if (!queue->looking_up && queue->calls.length == 1)
    drain (self, key, queue);
}

static gboolean
refuse_pending (gpointer key,
                gpointer value,
                gpointer user_data)
{
  SenderQueue           *queue = value;
  GDBusMethodInvocation *invocation;

  while ((invocation = g_queue_pop_head (&queue->calls)) != NULL)
    {
      g_dbus_method_invocation_return_error_literal (invocation, G_DBUS_ERROR,
                                                     G_DBUS_ERROR_NO_REPLY,
                                                     _ ("confabd stopped serving the bus"));
      g_object_unref (invocation);
    }
  return TRUE;
}

/* Refuses every waiting call and drops the owner's reference; a lookup
 * still running finds the queue closed and does nothing. */
void
confab_call_queue_close (ConfabCallQueue *self)
{
  if (self == NULL)
    return;
  self->closed = TRUE;
  g_hash_table_foreach_remove (self->senders, refuse_pending, NULL);
  call_queue_unref (self);
}

void
confab_call_queue_set_enforce (ConfabCallQueue *self,
                               gboolean         enforce)
{
  self->enforce = enforce;
}

gboolean
confab_call_queue_get_enforce (ConfabCallQueue *self)
{
  return self->enforce;
}
