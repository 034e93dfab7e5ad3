/* confab-daemon.c: the composition root of confabd.
 *
 * Owns the configuration, the broker and the socket server, wires them
 * together, and runs the life cycle: start-up order, SIGHUP reload, and a
 * shutdown that delivers everything already accepted (bounded by the
 * shutdown timeout) before "finished" is emitted.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <glib/gi18n.h>

#include "confab-address.h"
#include "confab-broker.h"
#include "confab-config.h"
#include "confab-daemon.h"
#include "confab-manager.h"
#include "confab-names.h"
#include "confab-server.h"
#include "confab-systemd.h"
#include "confab-user-db.h"

/* STATUS= updates for the service manager, at most this often. */
#define STATUS_INTERVAL_SEC 1

struct _ConfabDaemon
{
  GObject          parent_instance;

  char            *config_path;     /* (owned) (nullable) */
  gboolean         config_explicit; /* given with --config: must exist */
  char           **listen;          /* (owned) (nullable): from --listen */
  ConfabBusChoice  bus;
  ConfabConfig    *config;          /* (owned) */
  ConfabBroker    *broker;          /* (owned) */
  ConfabServer    *server;          /* (owned) */
  ConfabManager   *manager;         /* (owned) (nullable): only while on a bus */
  GDBusConnection *connection;      /* (owned) (nullable): the chosen bus */
  guint            name_owner_id;
  gboolean         name_owned;
  guint            shutdown_timeout_id;
  guint            status_timeout_id;
  gboolean         ready_sent;      /* READY=1 told to the service manager */
  gboolean         stopping;
  gboolean         finished;
};

enum
{
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ConfabDaemon, confab_daemon, G_TYPE_OBJECT)

/* The limits of @config that GetStatistics reports beside the broker's. */
static GVariant *
peer_limits_variant (const ConfabConfig *config)
{
  GVariantBuilder dict;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "line_max_bytes",
                         g_variant_new_uint32 (config->line_max_bytes));
  g_variant_builder_add (&dict, "{sv}", "recipients_max",
                         g_variant_new_uint32 (config->recipients_max));
  g_variant_builder_add (&dict, "{sv}", "login_timeout_sec",
                         g_variant_new_uint32 (config->login_timeout_sec));
  g_variant_builder_add (&dict, "{sv}", "shutdown_timeout_sec",
                         g_variant_new_uint32 (config->shutdown_timeout_sec));
  g_variant_builder_add (&dict, "{sv}", "rate_limit_messages_per_sec",
                         g_variant_new_uint32 (config->rate_limit_messages_per_sec));
  g_variant_builder_add (&dict, "{sv}", "rate_limit_burst",
                         g_variant_new_uint32 (config->rate_limit_burst));
  return g_variant_builder_end (&dict);
}

static void
limits_from_config (const ConfabConfig *config,
                    ConfabBrokerLimits *broker_limits,
                    ConfabPeerLimits   *peer_limits)
{
  broker_limits->peers_max = config->peers_max;
  broker_limits->queue_max_bytes = config->queue_max_bytes;
  peer_limits->line_max_bytes = config->line_max_bytes;
  peer_limits->recipients_max = config->recipients_max;
  peer_limits->login_timeout_sec = config->login_timeout_sec;
  peer_limits->unix_identity = config->unix_identity;
  peer_limits->rate_limit_per_sec = config->rate_limit_messages_per_sec;
  peer_limits->rate_limit_burst = config->rate_limit_burst;
}

/* Resolves [server] unix_socket_user/unix_socket_group for the server. */
static gboolean
apply_unix_socket_options (ConfabDaemon  *self,
                           GError       **error)
{
  const ConfabConfig *config = self->config;
  gint64 uid = -1;
  gint64 gid = -1;

  if (config->unix_socket_user != NULL)
    {
      guint32 found;

      if (!confab_user_db_get_user_by_name (config->unix_socket_user, &found, NULL, NULL))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _("unix_socket_user: no user called “%s”"), config->unix_socket_user);
          return FALSE;
        }
      uid = found;
    }
  if (config->unix_socket_group != NULL)
    {
      guint32 found;

      if (!confab_user_db_get_group_by_name (config->unix_socket_group, &found, NULL))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _("unix_socket_group: no group called “%s”"), config->unix_socket_group);
          return FALSE;
        }
      gid = found;
    }

  confab_server_set_unix_socket_options (self->server, config->unix_socket_mode, uid, gid);
  return TRUE;
}

/* Loads the file, or the defaults if the default file does not exist. */
static ConfabConfig *
load_config (ConfabDaemon  *self,
             GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  ConfabConfig *config;

  if (self->config_path == NULL)
    return confab_config_new_default ();

  config = confab_config_load_file (self->config_path, &local_error);
  if (config != NULL)
    return config;

  if (!self->config_explicit &&
      g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_debug ("no configuration file at %s, using defaults", self->config_path);
      return confab_config_new_default ();
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* A server wants as many descriptors as it may: raise the soft limit to
 * the hard one, as systemd services commonly do. */
static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_debug ("cannot raise RLIMIT_NOFILE: %s", g_strerror (errno));
    }
}

static gboolean
listen_on (ConfabDaemon  *self,
           const char    *text,
           GError       **error)
{
  g_autoptr(GSocketAddress) address = confab_address_parse (text, error);

  if (address == NULL)
    return FALSE;
  return confab_server_listen (self->server, address, error);
}

/* ---- D-Bus: the manager does the work; this only picks the bus ---- */

/* Tells the service manager (when there is one) how things stand. */
static void
notify (const char *state)
{
  g_autoptr(GError) error = NULL;

  if (!confab_systemd_notify (state, &error))
    g_debug ("sd_notify: %s", error->message);
}

static char *
describe_status (ConfabDaemon *self)
{
  g_autofree char *addresses = g_strjoinv (" ", (char **) confab_server_get_listen_addresses (self->server));

  return g_strdup_printf ("STATUS=Serving %u peers on %s",
                          confab_broker_get_n_peers (self->broker), addresses);
}

/* READY=1 once listening and, on a bus, once the name is settled (owned,
 * or known to be unavailable): only then is the service what it says. */
static void
send_ready (ConfabDaemon *self)
{
  g_autofree char *status = NULL;
  g_autofree char *state = NULL;

  if (self->ready_sent || self->stopping)
    return;

  self->ready_sent = TRUE;
  status = describe_status (self);
  state = g_strconcat ("READY=1\n", status, NULL);
  notify (state);
}

/* After RELOADING=1: the service is itself again. */
static void
notify_ready_again (ConfabDaemon *self)
{
  g_autofree char *status = describe_status (self);
  g_autofree char *state = g_strconcat ("READY=1\n", status, NULL);

  if (self->ready_sent)
    notify (state);
}

static gboolean
status_timeout_cb (gpointer user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);
  g_autofree char *status = describe_status (self);

  self->status_timeout_id = 0;
  notify (status);
  return G_SOURCE_REMOVE;
}

/* Peer counts can change thousands of times a second; the status line is
 * refreshed at most once per STATUS_INTERVAL_SEC. */
static void
n_peers_changed_cb (GObject    *broker,
                    GParamSpec *pspec,
                    gpointer    user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);

  if (self->status_timeout_id != 0 || !self->ready_sent || self->stopping)
    return;
  self->status_timeout_id = g_timeout_add_seconds (STATUS_INTERVAL_SEC, status_timeout_cb, self);
}

static const char *
bus_label (ConfabDaemon *self)
{
  return self->bus == CONFAB_BUS_SYSTEM ? "system" : "session";
}

static void
name_acquired_cb (GDBusConnection *connection,
                  const char      *name,
                  gpointer         user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);

  self->name_owned = TRUE;
  g_message ("Serving the admin interface as %s on the %s bus", name, bus_label (self));
  send_ready (self);
}

/* Called also when another process holds the name at start-up: we do not
 * queue for it, since a daemon silently waiting in a queue would look to
 * an administrator like one that has no D-Bus interface at all. */
static void
name_lost_cb (GDBusConnection *connection,
              const char      *name,
              gpointer         user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);

  send_ready (self);

  /* NULL once the connection has closed: bus_closed_cb says it. */
  if (connection == NULL || g_dbus_connection_is_closed (connection))
    return;

  if (self->name_owned)
    g_warning (_("Lost the name %s on the %s bus: "
                 "the admin interface is unavailable, chat goes on"),
               name, bus_label (self));
  else if (self->bus == CONFAB_BUS_SYSTEM)
    /* dbus-daemon drops policy rules naming a user or group that does not
     * exist yet, so a policy loaded before systemd-sysusers denies us. */
    g_warning (_("Cannot own the name %s on the system bus: chat goes on without the "
                 "admin interface. Either the bus policy does not allow it (install "
                 "org.confab.Confab1.conf, create the user confab with systemd-sysusers, "
                 "then run “systemctl reload dbus”) or another confabd owns the name"),
               name);
  else
    g_warning (_("Cannot own the name %s on the session bus: another confabd owns it; "
                 "chat goes on without the admin interface"), name);
  self->name_owned = FALSE;
}

static void
bus_closed_cb (GDBusConnection *connection,
               gboolean         remote_peer_vanished,
               GError          *error,
               gpointer         user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);

  self->name_owned = FALSE;
  g_warning (_("Lost the connection to the %s bus (%s): chat goes on without the admin interface"),
             bus_label (self), error != NULL ? error->message : _("closed"));
}

/* Exports the manager on the chosen bus and asks for the name. No session
 * bus is worth one warning (chat works without it); an explicit system
 * bus that fails is an error, since an administrator asked for it. */
static gboolean
start_dbus (ConfabDaemon  *self,
            GError       **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ConfabManager) manager = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  GBusType bus_type = self->bus == CONFAB_BUS_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;

  if (self->bus == CONFAB_BUS_NONE)
    return TRUE;

  connection = g_bus_get_sync (bus_type, NULL, &local_error);
  manager = confab_manager_new (self->broker, confab_server_get_listen_addresses (self->server));
  /* On the session bus every caller is the session's own user. */
  confab_manager_set_enforce_authorization (manager, self->bus == CONFAB_BUS_SYSTEM);
  if (connection == NULL ||
      !confab_manager_export (manager, connection, &local_error))
    {
      if (self->bus == CONFAB_BUS_SYSTEM)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      _("Cannot serve the admin interface on the system bus: "));
          return FALSE;
        }
      g_warning (_("Cannot serve the admin interface on the session bus (%s): "
                   "serving chat without it"), local_error->message);
      return TRUE;
    }

  /* By default GDBus raises SIGTERM when the bus goes away: chat must not. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect_object (connection, "closed",
                           G_CALLBACK (bus_closed_cb), self, G_CONNECT_DEFAULT);
  confab_manager_set_text_max_bytes (manager, self->config->line_max_bytes);
  confab_manager_set_peer_limits (manager, peer_limits_variant (self->config));

  self->connection = g_steal_pointer (&connection);
  self->manager = g_steal_pointer (&manager);
  self->name_owner_id = g_bus_own_name_on_connection (self->connection, CONFAB_DBUS_NAME,
                                                      G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                      name_acquired_cb, name_lost_cb,
                                                      self, NULL);
  return TRUE;
}

/* GIO maps EADDRNOTAVAIL to G_IO_ERROR_FAILED and EAFNOSUPPORT to
 * G_IO_ERROR_NOT_SUPPORTED; everything else (in use, permission) is real. */
static gboolean
default_unavailable (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_FAILED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED);
}

/**
 * confab_daemon_start:
 *
 * Binds every listen address and starts accepting. Explicit addresses
 * (--listen or the config file) must all bind; of the built-in defaults,
 * one whose address the machine lacks (such as ::1 without IPv6) is
 * skipped with a warning, as long as one binds; a busy one is fatal.
 */
gboolean
confab_daemon_start (ConfabDaemon  *self,
                     GError       **error)
{
  const char * const defaults[] = { CONFAB_DEFAULT_LISTEN_V4, CONFAB_DEFAULT_LISTEN_V6, NULL };
  const char * const *addresses = defaults;
  g_autoptr(GPtrArray) activated = NULL;
  gboolean explicit = TRUE;
  guint bound = 0;

  g_return_val_if_fail (CONFAB_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  raise_fd_limit ();
  if (!apply_unix_socket_options (self, error))
    return FALSE;

  /* Under socket activation the service manager has bound the addresses;
   * --listen and the config file's addresses are for running without. */
  activated = confab_systemd_take_listen_sockets (error);
  if (activated == NULL)
    return FALSE;
  for (guint i = 0; i < activated->len; i++)
    {
      if (!confab_server_adopt (self->server, g_ptr_array_index (activated, i), error))
        return FALSE;
    }
  if (activated->len > 0)
    {
      /* An administrator who edits listen= must learn why it has no effect. */
      if (self->listen != NULL && self->listen[0] != NULL)
        g_warning (_("--listen is ignored: the service manager passed the listening sockets"));
      else if (self->config->listen != NULL && self->config->listen[0] != NULL)
        g_warning (_("listen= in %s is ignored: the service manager passed the listening sockets "
                     "(change them in the socket unit)"), self->config_path);
      goto listening;
    }

  if (self->listen != NULL && self->listen[0] != NULL)
    addresses = (const char * const *) self->listen;
  else if (self->config->listen != NULL && self->config->listen[0] != NULL)
    addresses = (const char * const *) self->config->listen;
  else
    explicit = FALSE;

  for (guint i = 0; addresses[i] != NULL; i++)
    {
      g_autoptr(GError) local_error = NULL;

      if (listen_on (self, addresses[i], &local_error))
        {
          bound++;
          continue;
        }
      /* Of the defaults only an address the host lacks (EADDRNOTAVAIL, or
       * no IPv6 at all) is skipped: a busy port would leave clients of
       * the other address talking to another program. */
      if (explicit || !default_unavailable (local_error))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_warning ("%s", local_error->message);
    }

  if (bound == 0)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS,
                           _("No address to listen on could be bound"));
      return FALSE;
    }

listening:
  if (!start_dbus (self, error))
    return FALSE;

  confab_server_start (self->server);
  if (self->name_owner_id == 0)
    send_ready (self);
  return TRUE;
}

static void
finish (ConfabDaemon *self)
{
  if (self->finished)
    return;

  self->finished = TRUE;
  g_clear_handle_id (&self->shutdown_timeout_id, g_source_remove);
  g_message ("All connections closed");
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

static void
connection_closed_cb (ConfabServer *server,
                      gpointer      user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);

  if (self->stopping && confab_server_get_n_connections (server) == 0)
    finish (self);
}

static gboolean
shutdown_timeout_cb (gpointer user_data)
{
  ConfabDaemon *self = CONFAB_DAEMON (user_data);

  self->shutdown_timeout_id = 0;
  g_warning ("Shutdown timeout: closing %u connections that have not drained",
             confab_server_get_n_connections (self->server));
  confab_server_abort_all (self->server);
  finish (self);
  return G_SOURCE_REMOVE;
}

/**
 * confab_daemon_shutdown:
 *
 * Stops accepting, tells every peer the server is shutting down after
 * what is already queued for it, and emits "finished" once every
 * connection has drained and closed, or the shutdown timeout has passed.
 * A second call closes everything at once.
 */
void
confab_daemon_shutdown (ConfabDaemon *self)
{
  g_return_if_fail (CONFAB_IS_DAEMON (self));

  if (self->stopping)
    {
      g_message ("Asked again to stop: closing all connections now");
      confab_server_abort_all (self->server);
      finish (self);
      return;
    }

  self->stopping = TRUE;
  g_clear_handle_id (&self->status_timeout_id, g_source_remove);
  notify ("STOPPING=1\nSTATUS=Shutting down: delivering queued messages");
  g_message ("Shutting down: delivering queued messages to %u peers",
             confab_broker_get_n_peers (self->broker));
  confab_server_shutdown (self->server);
  confab_broker_shutdown (self->broker);

  if (confab_server_get_n_connections (self->server) == 0)
    {
      finish (self);
      return;
    }
  self->shutdown_timeout_id = g_timeout_add_seconds (self->config->shutdown_timeout_sec,
                                                     shutdown_timeout_cb, self);
}

/**
 * confab_daemon_reload:
 *
 * Re-reads the configuration file and applies its limits to the running
 * server; nobody is disconnected. A file that cannot be read or is invalid
 * leaves the previous configuration in force.
 */
void
confab_daemon_reload (ConfabDaemon *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_auto(GStrv) changes = NULL;
  ConfabBrokerLimits broker_limits;
  ConfabPeerLimits peer_limits;

  g_return_if_fail (CONFAB_IS_DAEMON (self));

  if (self->stopping)
    return;

  notify ("RELOADING=1\nSTATUS=Reloading the configuration");
  config = load_config (self, &error);
  if (config == NULL)
    {
      g_warning ("Cannot reload the configuration: %s. Keeping the previous configuration",
                 error->message);
      notify_ready_again (self);
      return;
    }

  changes = confab_config_describe_changes (self->config, config);
  if (changes[0] == NULL)
    g_message (_("Reload: no change"));
  for (guint i = 0; changes[i] != NULL; i++)
    g_message (_("Reload: %s"), changes[i]);

  limits_from_config (config, &broker_limits, &peer_limits);
  confab_broker_set_limits (self->broker, &broker_limits);
  confab_server_set_limits (self->server, &peer_limits, config->peers_max);
  if (self->manager != NULL)
    {
      confab_manager_set_text_max_bytes (self->manager, config->line_max_bytes);
      confab_manager_set_peer_limits (self->manager, peer_limits_variant (config));
    }
  g_clear_pointer (&self->config, confab_config_free);
  self->config = g_steal_pointer (&config);

  g_message ("Reloaded configuration from %s",
             self->config_path != NULL ? self->config_path : "built-in defaults");
  notify_ready_again (self);
}

static void
confab_daemon_dispose (GObject *object)
{
  ConfabDaemon *self = CONFAB_DAEMON (object);

  g_clear_handle_id (&self->shutdown_timeout_id, g_source_remove);
  g_clear_handle_id (&self->status_timeout_id, g_source_remove);
  g_clear_handle_id (&self->name_owner_id, g_bus_unown_name);
  if (self->manager != NULL)
    confab_manager_unexport (self->manager);
  g_clear_object (&self->manager);
  g_clear_object (&self->connection);
  g_clear_object (&self->server);
  g_clear_object (&self->broker);

  G_OBJECT_CLASS (confab_daemon_parent_class)->dispose (object);
}

static void
confab_daemon_finalize (GObject *object)
{
  ConfabDaemon *self = CONFAB_DAEMON (object);

  g_clear_pointer (&self->config, confab_config_free);
  g_clear_pointer (&self->listen, g_strfreev);
  g_free (self->config_path);

  G_OBJECT_CLASS (confab_daemon_parent_class)->finalize (object);
}

static void
confab_daemon_class_init (ConfabDaemonClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_daemon_dispose;
  object_class->finalize = confab_daemon_finalize;

  /**
   * ConfabDaemon::finished:
   *
   * The shutdown is complete: every connection is closed.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
confab_daemon_init (ConfabDaemon *self)
{
}

/**
 * confab_daemon_new:
 * @config_path: (nullable): the configuration file
 * @config_explicit: whether @config_path was asked for (then it must
 *   exist); the default path may be missing
 * @listen: (nullable): addresses from the command line, replacing the
 *   configured and default ones
 * @bus: which bus to serve the admin interface on
 *
 * Returns: (transfer full): the daemon, not listening yet; %NULL if the
 *   configuration cannot be loaded
 */
ConfabDaemon *
confab_daemon_new (const char          *config_path,
                   gboolean             config_explicit,
                   const char * const  *listen,
                   ConfabBusChoice      bus,
                   GError             **error)
{
  g_autoptr(ConfabDaemon) self = g_object_new (CONFAB_TYPE_DAEMON, NULL);
  ConfabBrokerLimits broker_limits;
  ConfabPeerLimits peer_limits;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->config_path = g_strdup (config_path);
  self->config_explicit = config_explicit;
  self->listen = g_strdupv ((char **) listen);
  self->bus = bus;

  self->config = load_config (self, error);
  if (self->config == NULL)
    return NULL;

  limits_from_config (self->config, &broker_limits, &peer_limits);
  self->broker = confab_broker_new (&broker_limits);
  self->server = confab_server_new (self->broker, &peer_limits, self->config->peers_max, error);
  if (self->server == NULL)
    return NULL;
  g_signal_connect_object (self->server, "connection-closed",
                           G_CALLBACK (connection_closed_cb), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (self->broker, "notify::n-peers",
                           G_CALLBACK (n_peers_changed_cb), self, G_CONNECT_DEFAULT);

  return g_steal_pointer (&self);
}
