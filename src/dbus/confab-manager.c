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
 * sent and checks who may call what; then confab_manager_run_call()
 * (confab-manager-methods.c) serves it on the main context, as the
 * broker requires, with exactly one reply. PeerJoined / PeerLeft /
 * PeerCount go out through ConfabPeerSignals, the rooms' signals and
 * objects through confab-manager-rooms.c, and both through one
 * ConfabBusSignals, which bounds them when the bus stops reading.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-manager-private.h"
#include "confab-names.h"

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

/* Every handle-* signal: the call joins its sender's queue. */
static gboolean
queue_call_cb (ConfabManager         *self,
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
  confab_peer_signals_joined (self->peer_signals, confab_broker_peer_get_name (peer),
                              confab_broker_peer_get_address (peer));
}

static void
peer_left_cb (ConfabManager    *self,
              ConfabBrokerPeer *peer,
              const char       *reason,
              ConfabBroker     *broker)
{
  confab_peer_signals_left (self->peer_signals, confab_broker_peer_get_name (peer), reason);
}

static void
n_peers_cb (ConfabManager *self,
            GParamSpec    *pspec,
            ConfabBroker  *broker)
{
  confab_peer_signals_set_count (self->peer_signals, confab_broker_get_n_peers (broker));
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
confab_manager_export (ConfabManager   *self,
                       GDBusConnection *connection,
                       GError         **error)
{
  g_return_val_if_fail (CONFAB_IS_MANAGER (self), FALSE);
  g_return_val_if_fail (G_IS_DBUS_CONNECTION (connection), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!g_dbus_interface_skeleton_export (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                         connection, CONFAB_DBUS_PATH, error))
    return FALSE;
  /* The ObjectManager of the room objects, at the same path. */
  g_dbus_object_manager_server_set_connection (self->object_manager, connection);
  return TRUE;
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
  if (self->object_manager != NULL)
    g_dbus_object_manager_server_set_connection (self->object_manager, NULL);
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
 * confab_manager_set_stats_source:
 * @source: (nullable): what serves the connections (the daemon's server)
 *
 * GetStatistics reports the counters of what happens on connections
 * (login timeouts, over-long lines, rate pauses, a full server) and the
 * connection limit from @source, beside the broker's. An interface of
 * the core layer, not the server itself, so that this layer does not
 * link the connection layers; without a source they read 0, and
 * peers_max G_MAXUINT (no limit), as for a broker served alone.
 */
void
confab_manager_set_stats_source (ConfabManager     *self,
                                 ConfabStatsSource *source)
{
  g_return_if_fail (CONFAB_IS_MANAGER (self));
  g_return_if_fail (source == NULL || CONFAB_IS_STATS_SOURCE (source));

  g_set_object (&self->stats_source, source);
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
  ConfabManager     *self = CONFAB_MANAGER (object);
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
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-get-peer",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-broadcast",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-kick",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-get-statistics",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-list-rooms",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-get-room",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-broadcast-room",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->skeleton, "handle-get-room-history",
                           G_CALLBACK (queue_call_cb), self, G_CONNECT_SWAPPED);
  confab_manager_rooms_init (self);

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
  /* The window first: it calls its parts, which go next. */
  g_clear_pointer (&self->bus_signals, confab_bus_signals_free);
  g_clear_pointer (&self->peer_signals, confab_peer_signals_free);
  confab_manager_rooms_clear (self);
  g_clear_object (&self->skeleton);
  g_clear_object (&self->broker);
  g_clear_object (&self->stats_source);
  g_clear_object (&self->history);

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
  self->calls = confab_call_queue_new (confab_manager_run_call, self);
  self->bus_signals = confab_bus_signals_new (G_DBUS_INTERFACE_SKELETON (self->skeleton),
                                              CONFAB_BUS_SIGNALS_WINDOW);
  self->peer_signals = confab_peer_signals_new (self->skeleton, self->bus_signals);
  self->text_max_bytes = CONFAB_MANAGER_DEFAULT_TEXT_MAX_BYTES;
}
