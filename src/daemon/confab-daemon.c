/* confab-daemon.c: the composition root of confabd.
 *
 * Owns the configuration, the broker and the socket server, wires them
 * together, and runs the life cycle: start-up order, SIGHUP reload, and a
 * shutdown that delivers everything already accepted (bounded by the
 * shutdown timeout) before "finished" is emitted. Reading the
 * configuration is confab-daemon-config.c; the bus, confab-daemon-bus.c.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <sys/resource.h>
#include <glib/gi18n.h>

#include "confab-listen-address.h"
#include "confab-daemon-private.h"
#include "confab-names.h"
#include "confab-systemd.h"

/* STATUS= updates for the service manager, at most this often. */
#define STATUS_INTERVAL_SEC 1

enum
{
  SIGNAL_FINISHED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_TYPE (ConfabDaemon, confab_daemon, G_TYPE_OBJECT)

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
listen_on (ConfabDaemon *self,
           const char   *text,
           GError      **error)
{
  ConfabDoor door;
  g_autoptr(GSocketAddress) address = confab_listen_address_parse (text, &door, error);

  if (address == NULL)
    return FALSE;
  if (confab_door_is_tls (door) && !self->has_tls_certificate)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   _ ("Cannot listen on %s: a TLS listener needs [tls] certificate and key"), text);
      return FALSE;
    }
  return confab_server_listen (self->server, address, door, error);
}

/* ---- the service manager ------------------------------------------- */

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
void
confab_daemon_send_ready (ConfabDaemon *self)
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
  ConfabDaemon    *self = CONFAB_DAEMON (user_data);
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
confab_daemon_start (ConfabDaemon *self,
                     GError      **error)
{
  const char * const  defaults[] = { CONFAB_DEFAULT_LISTEN_V4, CONFAB_DEFAULT_LISTEN_V6, NULL };
  const char * const *addresses = defaults;
  g_autoptr(GPtrArray) activated = NULL;
  g_auto(GStrv) activated_names = NULL;
  gboolean explicit = TRUE;
  guint bound = 0;

  g_return_val_if_fail (CONFAB_IS_DAEMON (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  raise_fd_limit ();
  if (!confab_daemon_apply_unix_socket_options (self, error))
    return FALSE;

  /* Under socket activation the service manager has bound the addresses;
   * --listen and the config file's addresses are for running without. */
  activated = confab_systemd_take_listen_sockets (&activated_names, error);
  if (activated == NULL)
    return FALSE;
  for (guint i = 0; i < activated->len; i++)
    {
      ConfabDoor door;

      if (!confab_door_from_fd_name (activated_names[i], &door, error))
        return FALSE;
      if (confab_door_is_tls (door) && !self->has_tls_certificate)
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("A socket named “%s” was passed: it needs [tls] certificate and key"),
                       activated_names[i]);
          return FALSE;
        }
      if (!confab_server_adopt (self->server, g_ptr_array_index (activated, i), door, error))
        return FALSE;
    }
  if (activated->len > 0)
    {
      /* An administrator who edits listen= must learn why it has no effect. */
      if (self->listen != NULL && self->listen[0] != NULL)
        g_warning (_ ("--listen is ignored: the service manager passed the listening sockets"));
      else if (self->config->listen != NULL && self->config->listen[0] != NULL)
        g_warning (_ ("listen= in %s is ignored: the service manager passed the listening sockets "
                      "(change them in the socket unit)"),
                   self->config_path);
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
                           _ ("No address to listen on could be bound"));
      return FALSE;
    }

listening:
  if (!confab_daemon_start_dbus (self, error))
    return FALSE;

  confab_server_start (self->server);
  if (self->cluster != NULL)
    confab_cluster_start (self->cluster);
  if (self->name_owner_id == 0)
    confab_daemon_send_ready (self);
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
  /* What was accepted is written before the process ends. */
  if (self->history != NULL)
    confab_history_store_close (self->history);
  /* Every peer has left: the other nodes may have its names now. */
  if (self->cluster != NULL)
    confab_cluster_stop (self->cluster);
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
  g_autoptr(ConfabIrcServer) irc_server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(ConfabAccounts) accounts = NULL;
  ConfabBrokerLimits broker_limits;
  ConfabPeerLimits   peer_limits;

  g_return_if_fail (CONFAB_IS_DAEMON (self));

  if (self->stopping)
    return;

  notify ("RELOADING=1\nSTATUS=Reloading the configuration");
  config = confab_daemon_load_config (self, &error);
  if (config == NULL)
    {
      g_warning ("Cannot reload the configuration: %s. Keeping the previous configuration",
                 error->message);
      notify_ready_again (self);
      return;
    }

  changes = confab_config_describe_changes (self->config, config);
  if (changes[0] == NULL)
    g_message (_ ("Reload: no change"));
  for (guint i = 0; changes[i] != NULL; i++)
    g_message (_ ("Reload: %s"), changes[i]);

  confab_daemon_limits_from_config (config, &broker_limits, &peer_limits);
  confab_broker_set_limits (self->broker, &broker_limits);
  confab_server_set_limits (self->server, &peer_limits, config->peers_max);
  irc_server = confab_daemon_irc_server_from_config (config);
  confab_server_set_irc_server (self->server, irc_server);
  if (!confab_daemon_load_tls_certificate (config, &certificate, &error))
    g_warning (_ ("Keeping the previous TLS certificate: %s"), error->message);
  else if (certificate != NULL || !self->has_tls_certificate)
    {
      /* A TLS listener keeps the certificate it had if the new config
       * names none: it cannot serve without one. */
      confab_server_set_tls_certificate (self->server, certificate);
      self->has_tls_certificate = certificate != NULL;
    }
  else
    g_warning (_ ("[tls] is gone from the configuration: keeping the previous TLS certificate"));
  g_clear_error (&error);
  /* A bad accounts file must not open every account: the old one stays. */
  if (!confab_daemon_load_accounts (config, &accounts, &error))
    g_warning (_ ("Keeping the previous accounts: %s"), error->message);
  else
    confab_server_set_accounts (self->server, accounts);
  /* The web client's files are read again too: an edited page is
   * served from the next request on. */
  confab_server_set_web (self->server, confab_daemon_load_web_root (config),
                         (const char * const *) config->allowed_origins);
  if (self->history != NULL)
    {
      ConfabHistoryLimits history_limits;

      confab_daemon_history_limits (config, &history_limits);
      confab_history_store_set_limits (self->history, &history_limits);
    }
  if (g_strcmp0 (self->config->history_database, config->history_database) != 0)
    g_warning (_ ("[history] database changed: it takes effect at the next start"));
  if (g_strcmp0 (self->config->cluster_redis, config->cluster_redis) != 0 ||
      g_strcmp0 (self->config->cluster_node, config->cluster_node) != 0 ||
      self->config->presence_ttl_sec != config->presence_ttl_sec)
    g_warning (_ ("[cluster] changed: it takes effect at the next start"));
  if (self->manager != NULL)
    {
      confab_manager_set_text_max_bytes (self->manager, config->line_max_bytes);
      confab_manager_set_peer_limits (self->manager, confab_daemon_peer_limits_variant (config));
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
  if (self->history != NULL)
    confab_history_store_close (self->history);
  g_clear_object (&self->history);
  g_clear_object (&self->cluster);
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
confab_daemon_new (const char         *config_path,
                   gboolean            config_explicit,
                   const char * const *listen,
                   ConfabBusChoice     bus,
                   GError            **error)
{
  g_autoptr(ConfabDaemon) self = g_object_new (CONFAB_TYPE_DAEMON, NULL);
  g_autoptr(ConfabIrcServer) irc_server = NULL;
  g_autoptr(GTlsCertificate) certificate = NULL;
  g_autoptr(ConfabAccounts) accounts = NULL;
  ConfabBrokerLimits broker_limits;
  ConfabPeerLimits   peer_limits;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self->config_path = g_strdup (config_path);
  self->config_explicit = config_explicit;
  self->listen = g_strdupv ((char **) listen);
  self->bus = bus;

  self->config = confab_daemon_load_config (self, error);
  if (self->config == NULL)
    return NULL;

  confab_daemon_limits_from_config (self->config, &broker_limits, &peer_limits);
  self->broker = confab_broker_new (&broker_limits);
  self->server = confab_server_new (self->broker, &peer_limits, self->config->peers_max, error);
  if (self->server == NULL)
    return NULL;
  irc_server = confab_daemon_irc_server_from_config (self->config);
  confab_server_set_irc_server (self->server, irc_server);
  if (!confab_daemon_load_tls_certificate (self->config, &certificate, error) ||
      !confab_daemon_load_accounts (self->config, &accounts, error))
    return NULL;
  confab_server_set_accounts (self->server, accounts);
  confab_server_set_tls_certificate (self->server, certificate);
  confab_server_set_web (self->server, confab_daemon_load_web_root (self->config),
                         (const char * const *) self->config->allowed_origins);
  confab_server_set_statistics_func (self->server, confab_daemon_statistics_cb, self);
  self->history = confab_daemon_open_history (self->config);
  confab_server_set_history (self->server, self->history);
  if (self->config->cluster_redis != NULL)
    {
      self->cluster = confab_cluster_new (self->broker, self->config->cluster_redis,
                                          self->config->cluster_node != NULL ? self->config->cluster_node
                                                                             : g_get_host_name (),
                                          self->config->presence_ttl_sec, error);
      if (self->cluster == NULL)
        {
          g_prefix_error (error, "[cluster]: ");
          return NULL;
        }
    }
  self->has_tls_certificate = certificate != NULL;
  g_signal_connect_object (self->server, "connection-closed",
                           G_CALLBACK (connection_closed_cb), self, G_CONNECT_DEFAULT);
  g_signal_connect_object (self->broker, "notify::n-peers",
                           G_CALLBACK (n_peers_changed_cb), self, G_CONNECT_DEFAULT);

  return g_steal_pointer (&self);
}
