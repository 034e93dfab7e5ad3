/* confab-manager.c: the org.confab.Confab1.Manager object on D-Bus.
 *
 * Translates between the broker and the bus: method calls become broker
 * calls, and the broker's peer-joined / peer-left signals and n-peers
 * property become PeerJoined / PeerLeft and PeerCount. The generated
 * skeleton is owned, not subclassed (composition, as fprintd's manager):
 * this object is what the daemon holds, the skeleton only what the bus
 * sees. Bus ownership stays with the daemon; the manager only exports.
 *
 * Every call goes through one choke point, the call queue
 * (confab-manager-calls.c), which keeps each caller's calls in the order
 * sent and checks who may call what; then run_call() serves it on the
 * main context, as the broker requires, with exactly one reply.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "confab-dbus.h"
#include "confab-manager.h"
#include "confab-manager-auth.h"
#include "confab-manager-calls.h"
#include "confab-manager-signals.h"
#include "confab-names.h"
#include "confab-validate.h"

struct _ConfabManager
{
  GObject            parent_instance;

  ConfabBroker      *broker;            /* (owned) */
  ConfabDBusManager *skeleton;          /* (owned) */
  ConfabCallQueue   *calls;             /* (owned) */
  ConfabPeerSignals *signals;           /* (owned) */
  ConfabLogLimiter   log;               /* the audit lines' budget */
  char             **listen_addresses;  /* (owned) */
  guint              text_max_bytes;
  GVariant          *peer_limits;       /* (owned) (nullable): a{sv} */
};

enum
{
  PROP_0,
  PROP_BROKER,
  PROP_LISTEN_ADDRESSES,
  PROP_TEXT_MAX_BYTES,
  PROP_ENFORCE_AUTHORIZATION,
  N_PROPS
};

static GParamSpec *props[N_PROPS];

G_DEFINE_TYPE (ConfabManager, confab_manager, G_TYPE_OBJECT)

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
      return_invalid_argument (invocation, _("The peer name is empty"));
      return NULL;
    }

  peer = confab_broker_lookup (self->broker, name);
  if (peer == NULL)
    g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                           CONFAB_DBUS_ERROR_NO_SUCH_PEER,
                                           _("No such peer: %s"), name);
  return peer;
}

/*
 * check_text:
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
static char *
check_text (ConfabManager  *self,
            const char     *text,
            gboolean        is_reason,
            GError        **error)
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
                   is_reason ? _("The reason is longer than %u bytes")
                             : _("The text is longer than %u bytes"),
                   self->text_max_bytes);
      return NULL;
    }

  /* D-Bus strings are valid UTF-8 without NUL already; this catches
   * newlines and the other control characters. */
  if (!confab_validate_text (start, end - start, &local_error))
    {
      g_set_error_literal (error, CONFAB_DBUS_ERROR, CONFAB_DBUS_ERROR_INVALID_ARGUMENT,
                           is_reason ? _("The reason contains control characters or line breaks")
                                     : _("The text contains control characters or line breaks"));
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
  ConfabBrokerPeer *peer = lookup_or_return_error (self, invocation, name);
  GVariantBuilder dict;

  if (peer == NULL)
    return;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  dict_add_string (&dict, "name", confab_broker_peer_get_name (peer));
  dict_add_string (&dict, "address", confab_broker_peer_get_address (peer));
  dict_add_string (&dict, "protocol", confab_broker_peer_get_protocol (peer));
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
  g_autofree char *checked = check_text (self, text, FALSE, &error);
  g_autofree char *who = NULL;
  ConfabCallerLogFields fields;
  guint n;

  if (checked == NULL)
    {
      g_dbus_method_invocation_return_gerror (invocation, error);
      return;
    }
  if (*checked == '\0')
    {
      return_invalid_argument (invocation, _("The text is empty"));
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
  g_autofree char *checked = NULL;
  g_autofree char *who = NULL;
  ConfabCallerLogFields fields;
  ConfabBrokerPeer *peer;

  /* Check the reason before the name: a refused call changes nothing. */
  checked = check_text (self, reason, TRUE, &error);
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

static void
run_get_statistics (ConfabManager         *self,
                    GDBusMethodInvocation *invocation)
{
  ConfabBrokerStats stats;
  ConfabBrokerLimits limits;
  GVariantBuilder dict;

  confab_broker_get_stats (self->broker, &stats);
  confab_broker_get_limits (self->broker, &limits);

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  dict_add_u64 (&dict, "uptime_usec", (guint64) (g_get_monotonic_time () - stats.started_usec));
  dict_add_u32 (&dict, "peers", stats.peers);
  dict_add_u32 (&dict, "peers_peak", stats.peers_peak);
  dict_add_u32 (&dict, "peers_max", limits.peers_max);
  dict_add_u32 (&dict, "queue_max_bytes", limits.queue_max_bytes);
  dict_add_u64 (&dict, "logins", stats.logins);
  dict_add_u64 (&dict, "logins_rejected", stats.logins_rejected);
  dict_add_u64 (&dict, "messages_routed", stats.messages_routed);
  dict_add_u64 (&dict, "deliveries", stats.deliveries);
  dict_add_u64 (&dict, "bytes_routed", stats.bytes_routed);
  dict_add_u64 (&dict, "errors_sent", stats.errors_sent);
  dict_add_u64 (&dict, "kicks", stats.kicks);
  dict_add_u64 (&dict, "slow_consumers_dropped", stats.slow_consumers_dropped);
  dict_add_u64 (&dict, "logins_refused_server_full", stats.logins_refused_server_full);
  dict_add_u64 (&dict, "login_timeouts", stats.login_timeouts);
  dict_add_u64 (&dict, "lines_too_long", stats.lines_too_long);
  dict_add_u64 (&dict, "messages_too_many_recipients", stats.messages_too_many_recipients);
  dict_add_u64 (&dict, "rate_limit_pauses", stats.rate_limit_pauses);
  dict_add_u64 (&dict, "signals_coalesced", confab_peer_signals_get_coalesced (self->signals));
  if (self->peer_limits != NULL)
    {
      GVariantIter iter;
      const char *key;
      GVariant *value;

      g_variant_iter_init (&iter, self->peer_limits);
      while (g_variant_iter_loop (&iter, "{&sv}", &key, &value))
        g_variant_builder_add (&dict, "{sv}", key, value);
    }

  confab_dbus_manager_complete_get_statistics (self->skeleton, invocation,
                                               g_variant_builder_end (&dict));
}

/* The call queue's ConfabCallRunFunc: serves one allowed call. */
static void
run_call (GDBusMethodInvocation *invocation,
          const ConfabCaller    *caller,
          gpointer               user_data)
{
  ConfabManager *self = user_data;
  const char *method = g_dbus_method_invocation_get_method_name (invocation);
  GVariant *parameters = g_dbus_method_invocation_get_parameters (invocation);
  const char *a, *b;

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
  else if (g_str_equal (method, "Kick"))
    {
      g_variant_get (parameters, "(&s&s)", &a, &b);
      run_kick (self, invocation, caller, a, b);
    }
  else if (g_str_equal (method, "GetStatistics"))
    run_get_statistics (self, invocation);
  else
    g_assert_not_reached ();  /* confab_manager_get_member_access() lists these */
}

/* Every handle-* signal: the call joins its sender's queue. */
static gboolean
queue_call (ConfabManager         *self,
            GDBusMethodInvocation *invocation)
{
  confab_call_queue_push (self->calls, invocation);
  return G_DBUS_METHOD_INVOCATION_HANDLED;
}

/* ---- broker → bus ---------------------------------------------------- */

static void
peer_joined_cb (ConfabManager    *self,
                ConfabBrokerPeer *peer,
                ConfabBroker     *broker)
{
  confab_peer_signals_joined (self->signals, confab_broker_peer_get_name (peer),
                              confab_broker_peer_get_address (peer));
}

static void
peer_left_cb (ConfabManager    *self,
              ConfabBrokerPeer *peer,
              const char       *reason,
              ConfabBroker     *broker)
{
  confab_peer_signals_left (self->signals, confab_broker_peer_get_name (peer), reason);
}

static void
n_peers_cb (ConfabManager *self,
            GParamSpec    *pspec,
            ConfabBroker  *broker)
{
  confab_peer_signals_set_count (self->signals, confab_broker_get_n_peers (broker));
}

/* ---- public API ------------------------------------------------------ */

/**
 * confab_manager_export:
 * @connection: the bus connection to serve on
 *
 * Exports the Manager interface at CONFAB_DBUS_PATH on @connection. The
 * caller owns the bus name; method calls are handled on the thread-default
 * main context of this call.
 */
gboolean
confab_manager_export (ConfabManager    *self,
                       GDBusConnection  *connection,
                       GError          **error)
{
  g_return_val_if_fail (CONFAB_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                           connection, CONFAB_DBUS_PATH, error);
}

/* Stops serving on every connection; harmless when not exported. */
void
confab_manager_unexport (ConfabManager *self)
{
  GDBusInterfaceSkeleton *skeleton;

  g_return_if_fail (CONFAB_IS_MANAGER (self));

  skeleton = G_DBUS_INTERFACE_SKELETON (self->skeleton);
  if (g_dbus_interface_skeleton_get_connection (skeleton) != NULL)
    g_dbus_interface_skeleton_unexport (skeleton);
}

/**
 * confab_manager_set_peer_limits:
 * @limits: (transfer floating): a{sv} of the connections' limits of
 *   confab.conf(5) the broker does not hold (line_max_bytes,
 *   login_timeout_sec, ...), each a "u"
 *
 * GetStatistics reports them beside peers_max and queue_max_bytes, so
 * that every limit in force can be seen; the daemon sets them at start-up
 * and on each reload.
 */
void
confab_manager_set_peer_limits (ConfabManager *self,
                                GVariant      *limits)
{
  g_return_if_fail (CONFAB_IS_MANAGER (self));
  g_return_if_fail (limits != NULL && g_variant_is_of_type (limits, G_VARIANT_TYPE_VARDICT));

  g_clear_pointer (&self->peer_limits, g_variant_unref);
  self->peer_limits = g_variant_ref_sink (limits);
}

/**
 * confab_manager_set_text_max_bytes:
 * @max_bytes: the longest Broadcast text or Kick reason accepted, in
 *   bytes; the daemon passes its line limit
 */
void
confab_manager_set_text_max_bytes (ConfabManager *self,
                                   guint          max_bytes)
{
  g_return_if_fail (CONFAB_IS_MANAGER (self));
  g_return_if_fail (max_bytes > 0);

  if (self->text_max_bytes == max_bytes)
    return;
  self->text_max_bytes = max_bytes;
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_TEXT_MAX_BYTES]);
}

guint
confab_manager_get_text_max_bytes (ConfabManager *self)
{
  g_return_val_if_fail (CONFAB_IS_MANAGER (self), 0);

  return self->text_max_bytes;
}

/**
 * confab_manager_set_enforce_authorization:
 * @enforce: whether Broadcast and Kick need root or the admin group
 *
 * On (the default) for the system bus, where callers are any local user.
 * The daemon turns it off on the session bus, whose callers all run as
 * the session's own user: there is nobody to keep out. Takes effect from
 * the next call; anything that is not a member of the interface stays
 * refused either way.
 */
void
confab_manager_set_enforce_authorization (ConfabManager *self,
                                          gboolean       enforce)
{
  g_return_if_fail (CONFAB_IS_MANAGER (self));

  enforce = !!enforce;
  if (confab_call_queue_get_enforce (self->calls) == enforce)
    return;
  confab_call_queue_set_enforce (self->calls, enforce);
  g_object_notify_by_pspec (G_OBJECT (self), props[PROP_ENFORCE_AUTHORIZATION]);
}

gboolean
confab_manager_get_enforce_authorization (ConfabManager *self)
{
  g_return_val_if_fail (CONFAB_IS_MANAGER (self), FALSE);

  return confab_call_queue_get_enforce (self->calls);
}

/**
 * confab_manager_new:
 * @broker: the broker to administer
 * @listen_addresses: (nullable): the bound addresses, for ListenAddresses
 *
 * Returns: (transfer full): a manager, not exported yet
 */
ConfabManager *
confab_manager_new (ConfabBroker       *broker,
                    const char * const *listen_addresses)
{
  g_return_val_if_fail (CONFAB_IS_BROKER (broker), NULL);

  return g_object_new (CONFAB_TYPE_MANAGER,
                       "broker", broker,
                       "listen-addresses", listen_addresses,
                       NULL);
}

/* ---- GObject --------------------------------------------------------- */

static void
confab_manager_constructed (GObject *object)
{
  ConfabManager *self = CONFAB_MANAGER (object);
  const char * const no_addresses[] = { NULL };

  G_OBJECT_CLASS (confab_manager_parent_class)->constructed (object);

  g_assert (self->broker != NULL);

  /* Set before export, so no PropertiesChanged is ever sent for them. */
  confab_dbus_manager_set_version (self->skeleton, PACKAGE_VERSION);
  confab_dbus_manager_set_listen_addresses (self->skeleton,
                                            self->listen_addresses != NULL
                                            ? (const char * const *) self->listen_addresses
                                            : no_addresses);
  confab_dbus_manager_set_peer_count (self->skeleton, confab_broker_get_n_peers (self->broker));

  g_signal_connect_object (self->skeleton, "handle-list-peers",
                           G_CALLBACK (queue_call), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-get-peer",
                           G_CALLBACK (queue_call), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-broadcast",
                           G_CALLBACK (queue_call), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-kick",
                           G_CALLBACK (queue_call), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-get-statistics",
                           G_CALLBACK (queue_call), self, G_CONNECT_SWAPPED);

  g_signal_connect_object (self->broker, "peer-joined",
                           G_CALLBACK (peer_joined_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->broker, "peer-left",
                           G_CALLBACK (peer_left_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->broker, "notify::n-peers",
                           G_CALLBACK (n_peers_cb), self, G_CONNECT_SWAPPED);
}

static void
confab_manager_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  ConfabManager *self = CONFAB_MANAGER (object);

  switch (prop_id)
    {
    case PROP_BROKER:
      g_value_set_object (value, self->broker);
      break;

    case PROP_LISTEN_ADDRESSES:
      g_value_set_boxed (value, self->listen_addresses);
      break;

    case PROP_TEXT_MAX_BYTES:
      g_value_set_uint (value, self->text_max_bytes);
      break;

    case PROP_ENFORCE_AUTHORIZATION:
      g_value_set_boolean (value, confab_manager_get_enforce_authorization (self));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_manager_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  ConfabManager *self = CONFAB_MANAGER (object);

  switch (prop_id)
    {
    case PROP_BROKER:
      self->broker = g_value_dup_object (value);
      break;

    case PROP_LISTEN_ADDRESSES:
      self->listen_addresses = g_value_dup_boxed (value);
      break;

    case PROP_TEXT_MAX_BYTES:
      confab_manager_set_text_max_bytes (self, g_value_get_uint (value));
      break;

    case PROP_ENFORCE_AUTHORIZATION:
      confab_manager_set_enforce_authorization (self, g_value_get_boolean (value));
      break;

    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
confab_manager_dispose (GObject *object)
{
  ConfabManager *self = CONFAB_MANAGER (object);

  if (self->skeleton != NULL)
    confab_manager_unexport (self);
  /* Calls still waiting for their caller's lookup are refused now. */
  g_clear_pointer (&self->calls, confab_call_queue_close);
  g_clear_pointer (&self->signals, confab_peer_signals_free);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->broker);

  G_OBJECT_CLASS (confab_manager_parent_class)->dispose (object);
}

static void
confab_manager_finalize (GObject *object)
{
  ConfabManager *self = CONFAB_MANAGER (object);

  g_clear_pointer (&self->listen_addresses, g_strfreev);
  g_clear_pointer (&self->peer_limits, g_variant_unref);

  G_OBJECT_CLASS (confab_manager_parent_class)->finalize (object);
}

static void
confab_manager_class_init (ConfabManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = confab_manager_constructed;
  object_class->get_property = confab_manager_get_property;
  object_class->set_property = confab_manager_set_property;
  object_class->dispose = confab_manager_dispose;
  object_class->finalize = confab_manager_finalize;

  props[PROP_BROKER] =
    g_param_spec_object ("broker", NULL, NULL,
                         CONFAB_TYPE_BROKER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_LISTEN_ADDRESSES] =
    g_param_spec_boxed ("listen-addresses", NULL, NULL,
                        G_TYPE_STRV,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS);
  props[PROP_TEXT_MAX_BYTES] =
    g_param_spec_uint ("text-max-bytes", NULL, NULL,
                       1, G_MAXUINT, CONFAB_MANAGER_DEFAULT_TEXT_MAX_BYTES,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* Default on: a manager nobody configured keeps Broadcast and Kick shut. */
  props[PROP_ENFORCE_AUTHORIZATION] =
    g_param_spec_boolean ("enforce-authorization", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, props);

  /* Register the error names before any handler can use the domain. */
  confab_dbus_error_quark ();
}

static void
confab_manager_init (ConfabManager *self)
{
  self->skeleton = confab_dbus_manager_skeleton_new ();
  self->calls = confab_call_queue_new (run_call, self);
  self->signals = confab_peer_signals_new (self->skeleton, CONFAB_PEER_SIGNALS_WINDOW);
  self->text_max_bytes = CONFAB_MANAGER_DEFAULT_TEXT_MAX_BYTES;
}
