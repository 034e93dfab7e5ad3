/* confab-server.c: the socket service that turns connections into peers.
 *
 * The GSocketService "incoming" handler only creates a ConfabPeer (which
 * keeps its own reference on the connection) and returns; everything else
 * happens in the peer. The server owns the peers until they close.
 *
 * Running out of file descriptors: GSocketService logs a warning and
 * re-arms its accept at once when accept() fails, so at EMFILE it would
 * spin on the still-readable listening socket. The server therefore never
 * lets it get there: descriptors are allocated lowest-first, so the number
 * of an accepted socket tells how many are in use; when it comes within
 * FD_HEADROOM of RLIMIT_NOFILE, accepting pauses (pending connections wait
 * in the kernel's backlog) until a connection closes.
 *
 * peers_max is enforced here alone, on connections logged in or not: one
 * past it is refused on arrival, before it says anything, so silent
 * connections cannot crowd out the rest. The broker, which only sees
 * logins, does not check it. The server reports its connections'
 * counters as a ConfabStatsSource.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <glib/gi18n.h>
#include <gio/gunixsocketaddress.h>

#include "confab-address.h"
#include "confab-config.h"
#include "confab-server.h"
#include "confab-statistics.h"

/* Descriptors kept free for everything that is not a client: D-Bus,
 * reloading the config file, logging. */
#define FD_HEADROOM    16
#define LISTEN_BACKLOG 1024
/* Connections taken from the backlog per wake-up of the service. */
#define ACCEPT_BATCH 64

struct _ConfabServer
{
  GObject parent_instance;

  GSocketService *service;          /* (owned) */
  ConfabPeerHost  host;             /* (owned): what every connection borrows */
  GHashTable     *peers;            /* (owned): ConfabPeer set, owned refs */
  GPtrArray      *listen_addresses; /* (owned): strings, NULL-terminated */
  GArray         *listen_sockets;   /* (owned): Listening, non-blocking sockets, for draining the backlog */
  /* Passed as each listener's source object, so that "incoming" says
   * which front door a connection came in by: its identity is the door. */
  GObject   *door_tags[CONFAB_DOOR_COUNT];
  ConfabDoor adding_door; /* of the listener being added, for listener_event_cb() */
  guint      connections_max;
  GPtrArray *unix_paths; /* (owned): socket files we created, removed at the end */
  guint      unix_mode;
  gint64     unix_uid; /* -1: leave as created */
  gint64     unix_gid;
  gboolean   accepting; /* wanted: not stopped for shutdown */
  gboolean   paused_for_fds;
};

static void confab_server_stats_source_init (ConfabStatsSourceInterface *iface);

typedef struct
{
  GSocket   *socket; /* (owned) */
  ConfabDoor door;
} Listening;

static void
clear_listening (gpointer data)
{
  Listening *listening = data;

  g_clear_object (&listening->socket);
}

G_DEFINE_TYPE_WITH_CODE (ConfabServer, confab_server, G_TYPE_OBJECT,
                         G_IMPLEMENT_INTERFACE (CONFAB_TYPE_STATS_SOURCE,
                                                confab_server_stats_source_init))

enum
{
  SIGNAL_CONNECTION_CLOSED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static rlim_t
fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY)
    return G_MAXINT;
  return limit.rlim_cur;
}

/* Returns: (transfer container): the connections, each with a ref of its
 * own, so they can be closed (and leave the table) while iterating */
static GPtrArray *
snapshot_peers (ConfabServer *self)
{
  GPtrArray     *peers = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  gpointer       key;

  g_hash_table_iter_init (&iter, self->peers);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (peers, g_object_ref (key));
  return peers;
}

static void
update_accepting (ConfabServer *self)
{
  gboolean want = self->accepting && !self->paused_for_fds;

  if (want == g_socket_service_is_active (self->service))
    return;
  if (want)
    g_socket_service_start (self->service);
  else
    g_socket_service_stop (self->service);
}

static void
peer_closed_cb (ConfabPeer *peer,
                gpointer    user_data)
{
  ConfabServer *self = CONFAB_SERVER (user_data);

  g_hash_table_remove (self->peers, peer);
  g_signal_emit (self, signals[SIGNAL_CONNECTION_CLOSED], 0);

  if (self->paused_for_fds)
    {
      g_message ("A connection closed: accepting new connections again");
      self->paused_for_fds = FALSE;
      update_accepting (self);
    }
}

static void
serve_connection (ConfabServer      *self,
                  GSocketConnection *connection,
                  ConfabDoor         door)
{
  g_autoptr(ConfabPeer) peer = NULL;
  int fd = g_socket_get_fd (g_socket_connection_get_socket (connection));

  peer = confab_peer_new (&self->host, connection, door);
  g_hash_table_add (self->peers, g_object_ref (peer));

  if ((rlim_t) fd + FD_HEADROOM >= fd_limit ())
    {
      g_warning ("Too many open files (%d in use): not accepting connections until one closes", fd + 1);
      self->paused_for_fds = TRUE;
      update_accepting (self);
    }

  if (g_hash_table_size (self->peers) > self->connections_max)
    {
      self->host.stats.logins_refused_server_full++;
      confab_net_stats_count_refused_login (&self->host.stats);
      confab_peer_close (peer, CONFAB_CLOSE_SERVER_FULL, NULL);
    }
}

/* GSocketService hands over one connection per main-loop iteration and
 * then sets up its next accept, so a crowd connecting at once would wait
 * one iteration each. What else is in the backlogs now is taken here, in
 * a bounded batch (the service is woken again for the rest). */
static void
drain_backlogs (ConfabServer *self)
{
  guint taken = 0;

  for (guint i = 0; i < self->listen_sockets->len; i++)
    {
      const Listening *listening = &g_array_index (self->listen_sockets, Listening, i);

      while (taken < ACCEPT_BATCH && self->accepting && !self->paused_for_fds)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(GSocket) socket = g_socket_accept (listening->socket, NULL, &error);
          g_autoptr(GSocketConnection) connection = NULL;

          if (socket == NULL)
            {
              if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK))
                g_debug ("accept failed: %s", error->message);
              break;
            }
          connection = g_socket_connection_factory_create_connection (socket);
          serve_connection (self, connection, listening->door);
          taken++;
        }
    }
}

static gboolean
incoming_cb (GSocketService    *service,
             GSocketConnection *connection,
             GObject           *source_object,
             gpointer           user_data)
{
  ConfabServer *self = CONFAB_SERVER (user_data);
  ConfabDoor    door = CONFAB_DOOR_CONFAB;

  for (guint i = 0; i < CONFAB_DOOR_COUNT; i++)
    {
      if (source_object == self->door_tags[i])
        door = i;
    }
  serve_connection (self, connection, door);
  drain_backlogs (self);
  return TRUE;
}

/* Keeps a listening socket of the service, so the server can drain it.
 * Non-blocking, so that draining an empty backlog returns at once; the
 * service only accepts when poll() says a connection is waiting. */
static void
keep_listening_socket (ConfabServer *self,
                       GSocket      *socket,
                       ConfabDoor    door)
{
  Listening listening = { g_object_ref (socket), door };

  g_socket_set_blocking (socket, FALSE);
  g_array_append_val (self->listen_sockets, listening);
}

/* Every listening socket the service makes for confab_server_listen(). */
static void
listener_event_cb (GSocketListener     *listener,
                   GSocketListenerEvent event,
                   GSocket             *socket,
                   gpointer             user_data)
{
  if (event == G_SOCKET_LISTENER_LISTENED)
    {
      ConfabServer *self = CONFAB_SERVER (user_data);

      keep_listening_socket (self, socket, self->adding_door);
    }
}

/* A socket file left by a confabd that died is in the way of bind(): it
 * is removed if nothing answers on it. Anything else at the path (a live
 * server, a regular file) is an error, never deleted. */
static gboolean
clear_stale_unix_socket (const char *path,
                         GError    **error)
{
  g_autoptr(GSocket) probe = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) local_error = NULL;
  GStatBuf st;

  if (g_lstat (path, &st) != 0)
    return TRUE;
  if (!S_ISSOCK (st.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                   _ ("%s exists and is not a socket"), path);
      return FALSE;
    }

  probe = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (probe == NULL)
    return FALSE;
  address = g_unix_socket_address_new (path);
  if (g_socket_connect (probe, address, NULL, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_ADDRESS_IN_USE,
                   _ ("%s is in use by another server"), path);
      return FALSE;
    }
  if (!g_error_matches (local_error, G_IO_ERROR, G_IO_ERROR_CONNECTION_REFUSED))
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  g_message ("Removing the stale socket %s", path);
  if (g_unlink (path) != 0 && errno != ENOENT)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot remove the stale socket %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/* Gives a new socket file the configured mode and owner. */
static gboolean
set_unix_socket_access (ConfabServer *self,
                        const char   *path,
                        GError      **error)
{
  if (g_chmod (path, self->unix_mode) != 0 ||
      ((self->unix_uid >= 0 || self->unix_gid >= 0) &&
       chown (path, self->unix_uid, self->unix_gid) != 0))
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("Cannot set the mode or owner of %s: %s"), path, g_strerror (saved_errno));
      return FALSE;
    }
  return TRUE;
}

/**
 * confab_server_set_unix_socket_options:
 * @mode: permissions for socket files created by confab_server_listen()
 * @uid: their owner, or -1
 * @gid: their group, or -1
 */
void
confab_server_set_unix_socket_options (ConfabServer *self,
                                       guint         mode,
                                       gint64        uid,
                                       gint64        gid)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  self->unix_mode = mode;
  self->unix_uid = uid;
  self->unix_gid = gid;
}

/**
 * confab_server_listen:
 * @address: where to listen; port 0 picks a free port
 * @door: the protocol its connections speak
 *
 * Binds and listens on @address; accepting begins with
 * confab_server_start(). The bound address (with the real port, behind
 * the door's scheme) is added to the listen addresses and logged as
 * "Listening on ADDRESS".
 */
gboolean
confab_server_listen (ConfabServer   *self,
                      GSocketAddress *address,
                      ConfabDoor      door,
                      GError        **error)
{
  g_autoptr(GSocketAddress) effective = NULL;
  g_autofree char *text = NULL;
  const char      *unix_path = NULL;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET_ADDRESS (address), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (G_IS_UNIX_SOCKET_ADDRESS (address) &&
      g_unix_socket_address_get_address_type (G_UNIX_SOCKET_ADDRESS (address)) == G_UNIX_SOCKET_ADDRESS_PATH)
    unix_path = g_unix_socket_address_get_path (G_UNIX_SOCKET_ADDRESS (address));

  g_return_val_if_fail (door < CONFAB_DOOR_COUNT, FALSE);

  self->adding_door = door;
  if ((unix_path != NULL && !clear_stale_unix_socket (unix_path, error)) ||
      !g_socket_listener_add_address (G_SOCKET_LISTENER (self->service), address,
                                      G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT,
                                      self->door_tags[door], &effective, error))
    {
      g_autofree char *wanted = confab_listen_address_to_string (door, address);

      g_prefix_error (error, _ ("Cannot listen on %s: "), wanted);
      return FALSE;
    }

  if (unix_path != NULL)
    {
      g_ptr_array_add (self->unix_paths, g_strdup (unix_path));
      if (!set_unix_socket_access (self, unix_path, error))
        return FALSE;
    }

  text = confab_listen_address_to_string (door, effective);
  g_ptr_array_insert (self->listen_addresses, self->listen_addresses->len - 1,
                      g_strdup (text));
  g_message ("Listening on %s", text);
  return TRUE;
}

/**
 * confab_server_adopt:
 * @socket: a bound, listening socket (from socket activation)
 * @door: the protocol its connections speak
 *
 * Serves on @socket as on an address of confab_server_listen(); it is
 * logged and listed the same way.
 */
gboolean
confab_server_adopt (ConfabServer *self,
                     GSocket      *socket,
                     ConfabDoor    door,
                     GError      **error)
{
  g_autoptr(GSocketAddress) local = NULL;
  g_autofree char *text = NULL;

  g_return_val_if_fail (CONFAB_IS_SERVER (self), FALSE);
  g_return_val_if_fail (G_IS_SOCKET (socket), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  g_return_val_if_fail (door < CONFAB_DOOR_COUNT, FALSE);

  local = g_socket_get_local_address (socket, error);
  if (local == NULL ||
      !g_socket_listener_add_socket (G_SOCKET_LISTENER (self->service), socket,
                                     self->door_tags[door], error))
    {
      g_prefix_error (error, _ ("Cannot use a socket passed by the service manager: "));
      return FALSE;
    }
  keep_listening_socket (self, socket, door);

  text = confab_listen_address_to_string (door, local);
  g_ptr_array_insert (self->listen_addresses, self->listen_addresses->len - 1,
                      g_strdup (text));
  g_message ("Listening on %s (socket passed by the service manager)", text);
  return TRUE;
}

/* The socket files we made go with the listeners that served them. */
static void
remove_unix_paths (ConfabServer *self)
{
  for (guint i = 0; i < self->unix_paths->len; i++)
    g_unlink (g_ptr_array_index (self->unix_paths, i));
  g_ptr_array_set_size (self->unix_paths, 0);
}

/* Begins accepting connections on every address listened on. */
void
confab_server_start (ConfabServer *self)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  self->accepting = TRUE;
  update_accepting (self);
}

/* Stops accepting and closes the listening sockets (frees the ports). */
void
confab_server_stop_accepting (ConfabServer *self)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  self->accepting = FALSE;
  update_accepting (self);
  g_socket_listener_close (G_SOCKET_LISTENER (self->service));
  g_array_set_size (self->listen_sockets, 0);
  remove_unix_paths (self);
}

/* Tells connections that have not logged in that the server is going
 * away; logged-in peers hear it from confab_broker_shutdown(), after what
 * is queued for them (CONFAB_CLOSE_SHUTDOWN leaves those to it). */
void
confab_server_shutdown (ConfabServer *self)
{
  g_autoptr(GPtrArray) peers = NULL;

  g_return_if_fail (CONFAB_IS_SERVER (self));

  confab_server_stop_accepting (self);
  peers = snapshot_peers (self);
  for (guint i = 0; i < peers->len; i++)
    confab_peer_close (g_ptr_array_index (peers, i), CONFAB_CLOSE_SHUTDOWN, NULL);
}

/* Closes every connection at once (the shutdown timeout ran out). */
void
confab_server_abort_all (ConfabServer *self)
{
  g_autoptr(GPtrArray) peers = NULL;

  g_return_if_fail (CONFAB_IS_SERVER (self));

  peers = snapshot_peers (self);
  for (guint i = 0; i < peers->len; i++)
    confab_peer_close (g_ptr_array_index (peers, i), CONFAB_CLOSE_ABORT, NULL);
}

void
confab_server_set_limits (ConfabServer           *self,
                          const ConfabPeerLimits *limits,
                          guint                   connections_max)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));
  g_return_if_fail (limits != NULL);

  self->host.limits = *limits;
  /* Lowering it drops nobody; it only refuses new connections. */
  self->connections_max = connections_max;
}

guint
confab_server_get_n_connections (ConfabServer *self)
{
  g_return_val_if_fail (CONFAB_IS_SERVER (self), 0);

  return g_hash_table_size (self->peers);
}

/**
 * confab_server_set_irc_server:
 * @irc_server: the name and MOTD that IRC connections accepted from now
 *   on are told; those already connected keep theirs
 */
void
confab_server_set_irc_server (ConfabServer    *self,
                              ConfabIrcServer *irc_server)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));
  g_return_if_fail (irc_server != NULL);

  confab_irc_server_ref (irc_server);
  g_clear_pointer (&self->host.irc_server, confab_irc_server_unref);
  self->host.irc_server = irc_server;
}

/**
 * confab_server_set_tls_certificate:
 * @certificate: (nullable): the certificate (with its key) that TLS
 *   connections accepted from now on are served with
 */
void
confab_server_set_tls_certificate (ConfabServer    *self,
                                   GTlsCertificate *certificate)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  g_set_object (&self->host.tls_certificate, certificate);
}

/**
 * confab_server_set_accounts:
 * @accounts: (nullable): the accounts logins from now on are checked
 *   against; %NULL for none
 */
void
confab_server_set_accounts (ConfabServer   *self,
                            ConfabAccounts *accounts)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  if (accounts != NULL)
    confab_accounts_ref (accounts);
  g_clear_pointer (&self->host.accounts, confab_accounts_unref);
  self->host.accounts = accounts;
}

/**
 * confab_server_set_history:
 * @history: (nullable): the history store the sessions use; %NULL: none
 */
void
confab_server_set_history (ConfabServer       *self,
                           ConfabHistoryStore *history)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  g_set_object (&self->host.history, history);
}

/**
 * confab_server_set_web:
 * @root: (transfer full) (nullable): the files GET / serves on the ws:
 *   doors; %NULL: none (every file is 404)
 * @allowed_origins: (nullable): [web] allowed_origins
 */
void
confab_server_set_web (ConfabServer       *self,
                       ConfabWebRoot      *root,
                       const char * const *allowed_origins)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  g_clear_pointer (&self->host.web_root, confab_web_root_free);
  self->host.web_root = root;
  g_strfreev (self->host.allowed_origins);
  self->host.allowed_origins = g_strdupv ((char **) allowed_origins);
}

/* Without a bus: the broker's and the connections' counters. */
static GVariant *
own_statistics (gpointer user_data)
{
  ConfabServer *self = user_data;

  return g_variant_ref_sink (confab_statistics_build (self->host.broker, CONFAB_STATS_SOURCE (self), 0, NULL));
}

/**
 * confab_server_set_statistics_func:
 * @func: (nullable): what /metrics shows (the daemon's GetStatistics);
 *   %NULL: the server's own counters and the broker's
 */
void
confab_server_set_statistics_func (ConfabServer        *self,
                                   ConfabStatisticsFunc func,
                                   gpointer             user_data)
{
  g_return_if_fail (CONFAB_IS_SERVER (self));

  self->host.statistics_func = func != NULL ? func : own_statistics;
  self->host.statistics_data = func != NULL ? user_data : self;
}

/* Returns: (transfer none): the bound addresses, NULL-terminated */
const char * const *
confab_server_get_listen_addresses (ConfabServer *self)
{
  g_return_val_if_fail (CONFAB_IS_SERVER (self), NULL);

  return (const char * const *) self->listen_addresses->pdata;
}

static void
confab_server_get_stats (ConfabStatsSource     *source,
                         ConfabConnectionStats *stats)
{
  ConfabServer *self = CONFAB_SERVER (source);

  confab_net_stats_report (&self->host.stats, self->connections_max, stats);
  if (self->host.history != NULL)
    {
      ConfabHistoryStats history;

      confab_history_store_get_stats (self->host.history, &history);
      stats->history = TRUE;
      stats->history_rows_written = history.rows_written;
      stats->history_write_errors = history.write_errors;
      stats->history_writes_refused = history.writes_refused_busy;
      stats->history_rows_pruned = history.rows_pruned;
      stats->offline_stored = history.offline_stored;
      stats->offline_delivered = history.offline_delivered;
      stats->offline_refused = history.offline_refused;
      stats->history_write_p99_usec = history.write_latency_p99_usec;
    }
}

static void
confab_server_stats_source_init (ConfabStatsSourceInterface *iface)
{
  iface->get_stats = confab_server_get_stats;
}

static void
confab_server_dispose (GObject *object)
{
  ConfabServer *self = CONFAB_SERVER (object);

  if (self->service != NULL)
    {
      g_socket_service_stop (self->service);
      g_socket_listener_close (G_SOCKET_LISTENER (self->service));
      remove_unix_paths (self);
      g_signal_handlers_disconnect_by_data (self->service, self);
      g_clear_object (&self->service);
    }
  if (self->peers != NULL)
    {
      confab_server_abort_all (self);
      g_clear_pointer (&self->peers, g_hash_table_unref);
    }

  G_OBJECT_CLASS (confab_server_parent_class)->dispose (object);
}

static void
confab_server_finalize (GObject *object)
{
  ConfabServer *self = CONFAB_SERVER (object);

  g_clear_pointer (&self->host.scheduler, confab_output_scheduler_free);
  g_clear_object (&self->host.broker);
  g_clear_pointer (&self->listen_addresses, g_ptr_array_unref);
  g_clear_pointer (&self->listen_sockets, g_array_unref);
  for (guint i = 0; i < CONFAB_DOOR_COUNT; i++)
    g_clear_object (&self->door_tags[i]);
  g_clear_pointer (&self->host.irc_server, confab_irc_server_unref);
  g_clear_object (&self->host.tls_certificate);
  g_clear_pointer (&self->host.accounts, confab_accounts_unref);
  g_clear_object (&self->host.history);
  g_clear_pointer (&self->host.auth_throttle, confab_auth_throttle_free);
  g_clear_pointer (&self->host.web_root, confab_web_root_free);
  g_clear_pointer (&self->host.allowed_origins, g_strfreev);
  g_clear_pointer (&self->unix_paths, g_ptr_array_unref);

  G_OBJECT_CLASS (confab_server_parent_class)->finalize (object);
}

static void
confab_server_class_init (ConfabServerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = confab_server_dispose;
  object_class->finalize = confab_server_finalize;

  /**
   * ConfabServer::connection-closed:
   *
   * A connection has closed; confab_server_get_n_connections() is already
   * one less. The daemon waits on it for the end of a shutdown.
   */
  signals[SIGNAL_CONNECTION_CLOSED] =
    g_signal_new ("connection-closed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
confab_server_init (ConfabServer *self)
{
  self->peers = g_hash_table_new_full (g_direct_hash, g_direct_equal, g_object_unref, NULL);
  self->listen_addresses = g_ptr_array_new_with_free_func (g_free);
  g_ptr_array_add (self->listen_addresses, NULL);
  self->listen_sockets = g_array_new (FALSE, FALSE, sizeof (Listening));
  g_array_set_clear_func (self->listen_sockets, clear_listening);
  for (guint i = 0; i < CONFAB_DOOR_COUNT; i++)
    self->door_tags[i] = g_object_new (G_TYPE_OBJECT, NULL);
  self->host.irc_server = confab_irc_server_new (CONFAB_DEFAULT_IRC_SERVER_NAME, NULL);
  self->host.auth_throttle = confab_auth_throttle_new ();
  self->unix_paths = g_ptr_array_new_with_free_func (g_free);
  self->unix_mode = 0666;
  self->unix_uid = -1;
  self->unix_gid = -1;
}

/**
 * confab_server_new:
 * @broker: where peers log in
 * @limits: per-connection limits
 * @connections_max: connections allowed at once, logged in or not
 *
 * Returns: (transfer full): a server listening nowhere yet, or NULL if
 *   the kernel would not give it a poller
 */
ConfabServer *
confab_server_new (ConfabBroker           *broker,
                   const ConfabPeerLimits *limits,
                   guint                   connections_max,
                   GError                **error)
{
  g_autoptr(ConfabServer) self = NULL;

  g_return_val_if_fail (CONFAB_IS_BROKER (broker), NULL);
  g_return_val_if_fail (limits != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  self = g_object_new (CONFAB_TYPE_SERVER, NULL);
  self->connections_max = connections_max;
  self->host.scheduler = confab_output_scheduler_new (g_main_context_get_thread_default (), error);
  if (self->host.scheduler == NULL)
    return NULL;
  self->host.broker = g_object_ref (broker);
  self->host.limits = *limits;
  self->host.closed_func = peer_closed_cb;
  self->host.closed_data = self;
  self->host.statistics_func = own_statistics;
  self->host.statistics_data = self;

  self->service = g_socket_service_new ();
  g_socket_listener_set_backlog (G_SOCKET_LISTENER (self->service), LISTEN_BACKLOG);
  /* Created active; stays idle until confab_server_start(). */
  g_socket_service_stop (self->service);
  g_signal_connect (self->service, "incoming", G_CALLBACK (incoming_cb), self);
  g_signal_connect (self->service, "event", G_CALLBACK (listener_event_cb), self);

  return g_steal_pointer (&self);
}
