/* confab-manager-methods.c: the Manager's methods, served.
 *
 * Each allowed call reaches confab_manager_run_call() from the call
 * queue, on the main context, and gets exactly one reply: the arguments
 * are checked (a refused call changes nothing), the broker does the work,
 * Broadcast and Kick leave an audit line naming their caller.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "confab-manager-private.h"
#include "confab-names.h"
#include "confab-statistics.h"
#include "confab-validate.h"

/* ---- argument checks ------------------------------------------------- */

static gboolean
return_invalid_argument (GDBusMethodInvocation *invocation,
                         const char            *message)
{
  g_dbus_method_invocation_return_error_literal (invocation, CONFAB_DBUS_ERROR,
                                                 CONFAB_DBUS_ERROR_INVALID_ARGUMENT,
                                                 message);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* Looks a peer up by name, or replies with the error and returns NULL. */
static ConfabBrokerPeer *
lookup_or_return_error (ConfabManager         *self,
                        GDBusMethodInvocation *invocation,
                        const char            *name)
{
  ConfabBrokerPeer *peer;

  if (*name == '\0')
    {
      return_invalid_argument (invocation, _ ("The peer name is empty"));
      return NULL;
    }

  peer = confab_broker_lookup (self->broker, name);
  if (peer == NULL)
    g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                           CONFAB_DBUS_ERROR_NO_SUCH_PEER,
                                           _ ("No such peer: %s"), name);
  return peer;
}

/*
 * confab_manager_check_text:
 * @text: a Broadcast text or Kick reason
 * @is_reason: whether @text is a Kick reason (for the message)
 * @error: CONFAB_DBUS_ERROR_INVALID_ARGUMENT
 *
 * Both end up inside one chat line, so they follow the chat protocol's
 * rules: spaces and tabs around the text are dropped (as the text
 * protocol trims a message's text), and what remains must be no longer
 * than the line limit and free of control characters, newlines above all:
 * one would split the line that peers receive.
 *
 * Returns: (transfer full) (nullable): the trimmed text, possibly empty
 */
char *
confab_manager_check_text (ConfabManager *self,
                           const char    *text,
                           gboolean       is_reason,
                           GError       **error)
{
  const char *start = text;
  const char *end = text + strlen (text);
  g_autoptr(GError) local_error = NULL;

  while (start < end && (*start == ' ' || *start == '\t'))
    start++;
  while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
    end--;

  if (start == end)
    return g_strdup ("");

  if ((gsize) (end - start) > self->text_max_bytes)
    {
      g_set_error (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_INVALID_ARGUMENT,
                   is_reason ? _ ("The reason is longer than %u bytes")
                             : _ ("The text is longer than %u bytes"),
                   self->text_max_bytes);
      return NULL;
    }

  /* D-Bus strings are valid UTF-8 without NUL already; this catches
   * newlines and the other control characters. */
  if (!confab_validate_text (start, end - start, &local_error))
    {
      g_set_error_literal (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_INVALID_ARGUMENT,
                           is_reason ? _ ("The reason contains control characters or line breaks")
                                     : _ ("The text contains control characters or line breaks"));
      return NULL;
    }

  return g_strndup (start, end - start);
}

/* ---- method handlers ------------------------------------------------- */

/* a{sv} entries, in the order added (the documented order). */
static void
dict_add_string (GVariantBuilder *dict,
                 const char      *key,
                 const char      *value)
{
  g_variant_builder_add (dict, "{sv}", key, g_variant_new_string (value));
}

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

static void
run_list_peers (ConfabManager         *self,
                GDBusMethodInvocation *invocation)
{
  ConfabDBusManager *skeleton = self->skeleton;
  g_autoptr(GPtrArray) peers = confab_broker_list_peers (self->broker);
  GVariantBuilder builder;

  g_variant_builder_init (&builder, G_VARIANT_TYPE ("a(sst)"));
  for (guint i = 0; i < peers->len; i++)
    {
      ConfabBrokerPeer *peer = g_ptr_array_index (peers, i);

      g_variant_builder_add (&builder, "(sst)",
                             confab_broker_peer_get_name (peer),
                             confab_broker_peer_get_address (peer),
                             (guint64) confab_broker_peer_get_since (peer));
    }

  confab_dbus_manager_complete_list_peers (skeleton, invocation,
                                           g_variant_builder_end (&builder));
}

static void
run_get_peer (ConfabManager         *self,
              GDBusMethodInvocation *invocation,
              const char            *name)
{
  ConfabDBusManager *skeleton = self->skeleton;
  ConfabBrokerPeer  *peer = lookup_or_return_error (self, invocation, name);
  GVariantBuilder    dict;

  if (peer == NULL)
    return;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  dict_add_string (&dict, "name", confab_broker_peer_get_name (peer));
  dict_add_string (&dict, "address", confab_broker_peer_get_address (peer));
  dict_add_string (&dict, "protocol", confab_broker_peer_get_protocol (peer));
  g_variant_builder_add (&dict, "{sv}", "tls", g_variant_new_boolean (confab_broker_peer_get_tls (peer)));
  dict_add_string (&dict, "account",
                   confab_broker_peer_get_account (peer) != NULL ? confab_broker_peer_get_account (peer) : "");
  dict_add_string (&dict, "login_method", confab_broker_peer_get_login_method (peer));
  dict_add_u64 (&dict, "connected_since", (guint64) confab_broker_peer_get_since (peer));
  dict_add_u64 (&dict, "messages_in", confab_broker_peer_get_messages_in (peer));
  dict_add_u64 (&dict, "messages_out", confab_broker_peer_get_messages_out (peer));
  dict_add_u64 (&dict, "bytes_in", confab_broker_peer_get_bytes_in (peer));
  dict_add_u64 (&dict, "bytes_out", confab_broker_peer_get_bytes_out (peer));
  /* Bounded by queue_max_bytes (a guint) plus one final notice. */
  dict_add_u32 (&dict, "queued",
                (guint32) MIN (confab_broker_peer_get_queued_bytes (peer), G_MAXUINT32));

  confab_dbus_manager_complete_get_peer (skeleton, invocation, g_variant_builder_end (&dict));
}

static void
run_broadcast (ConfabManager         *self,
               GDBusMethodInvocation *invocation,
               const ConfabCaller    *caller,
               const char            *text)
{
  g_autoptr(GError) error = NULL;
  g_autofree char      *checked = confab_manager_check_text (self, text, FALSE, &error);
  g_autofree char      *who = NULL;
  ConfabCallerLogFields fields;
  guint                 n;

  if (checked == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (*checked == '\0')
    {
      return_invalid_argument (invocation, _ ("The text is empty"));
      return;
    }

  n = confab_broker_broadcast (self->broker, checked);
  who = confab_caller_describe (caller);
  confab_caller_get_log_fields (caller, &fields);
  confab_log_event_with_fields (&self->log, CONFAB_LOG_BROADCAST, g_get_monotonic_time (),
                                NULL, NULL, NULL, fields.fields, fields.n_fields,
                                "Broadcast by %s to %u peers: %s", who, n, checked);

  confab_dbus_manager_complete_broadcast (self->skeleton, invocation, n);
}

static void
run_kick (ConfabManager         *self,
          GDBusMethodInvocation *invocation,
          const ConfabCaller    *caller,
          const char            *name,
          const char            *reason)
{
  g_autoptr(GError) error = NULL;
  g_autofree char      *checked = NULL;
  g_autofree char      *who = NULL;
  ConfabCallerLogFields fields;
  ConfabBrokerPeer     *peer;

  /* Check the reason before the name: a refused call changes nothing. */
  checked = confab_manager_check_text (self, reason, TRUE, &error);
  if (checked == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }

  peer = lookup_or_return_error (self, invocation, name);
  if (peer == NULL)
    return;

  who = confab_caller_describe (caller);
  confab_caller_get_log_fields (caller, &fields);
  confab_log_event_with_fields (&self->log, CONFAB_LOG_KICK, g_get_monotonic_time (),
                                name, confab_broker_peer_get_address (peer), checked,
                                fields.fields, fields.n_fields,
                                "Kicking %s on behalf of %s: %s", name, who,
                                *checked != '\0' ? checked : "no reason given");

  /* The lookup just succeeded on this same thread, so this cannot fail;
   * the broker's message is mapped anyway rather than assumed. */
  if (!confab_broker_kick (self->broker, name, checked, &error))
    {
      g_dbus_method_invocation_return_error_literal (invocation, CONFAB_DBUS_ERROR,
                                                     CONFAB_DBUS_ERROR_NO_SUCH_PEER,
                                                     error->message);
      return;
    }

  confab_dbus_manager_complete_kick (self->skeleton, invocation);
}

/**
 * confab_manager_dup_statistics:
 *
 * Returns: (transfer full): what GetStatistics answers, an a{sv}; the
 *   daemon's /metrics page shows the same
 */
GVariant *
confab_manager_dup_statistics (ConfabManager *self)
{
  g_return_val_if_fail (CONFAB_IS_MANAGER (self), NULL);

  return g_variant_ref_sink (confab_statistics_build (self->broker, self->stats_source,
                                                      confab_bus_signals_get_coalesced (self->bus_signals),
                                                      self->peer_limits));
}

static void
run_get_statistics (ConfabManager         *self,
                    GDBusMethodInvocation *invocation)
{
  g_autoptr(GVariant) statistics = confab_manager_dup_statistics (self);

  confab_dbus_manager_complete_get_statistics (self->skeleton, invocation, statistics);
}

/* The call queue's ConfabCallRunFunc: serves one allowed call. */
void
confab_manager_run_call (GDBusMethodInvocation *invocation,
                         const ConfabCaller    *caller,
                         gpointer               user_data)
{
  ConfabManager *self = user_data;
  const char    *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant      *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char    *a, *b;

  if (g_str_equal (method, "ListPeers"))
    run_list_peers (self, invocation);
  else if (g_str_equal (method, "GetPeer"))
    {
      g_variant_get (parameters, "(&s)", &a);
      run_get_peer (self, invocation, a);
    }
  else if (g_str_equal (method, "Broadcast"))
    {
      g_variant_get (parameters, "(&s)", &a);
      run_broadcast (self, invocation, caller, a);
    }
  else if (confab_manager_run_room_call (self, invocation, caller, method, parameters))
    ;
  else if (g_str_equal (method, "Kick"))
    {
      g_variant_get (parameters, "(&s&s)", &a, &b);
      run_kick (self, invocation, caller, a, b);
    }
  else if (g_str_equal (method, "GetStatistics"))
    run_get_statistics (self, invocation);
  else if (g_str_equal (method, "GetRoomHistory"))
    {
      guint32 limit;

      g_variant_get (parameters, "(&su)", &a, &limit);
      confab_manager_run_get_room_history (self, invocation, a, limit);
    }
  else
    g_assert_not_reached (); /* confab_manager_get_member_access() lists these */
}
