/* confab-daemon-bus.c: confabd on D-Bus.
 *
 * The manager does the work; this picks the bus (--bus), exports the
 * manager, owns the well-known name, and says what it means when the name
 * cannot be had or the bus goes away.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-daemon-private.h"
#include "confab-names.h"

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
  confab_daemon_send_ready (self);
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

  confab_daemon_send_ready (self);

  /* NULL once the connection has closed: bus_closed_cb says it. */
  if (connection == NULL || g_dbus_connection_is_closed (connection))
    return;

  if (self->name_owned)
    g_warning (_ ("Lost the name %s on the %s bus: "
                  "the admin interface is unavailable, chat goes on"),
               name, bus_label (self));
  else if (self->bus == CONFAB_BUS_SYSTEM)
    /* dbus-daemon drops policy rules naming a user or group that does not
     * exist yet, so a policy loaded before systemd-sysusers denies us. */
    g_warning (_ ("Cannot own the name %s on the system bus: chat goes on without the "
                  "admin interface. Either the bus policy does not allow it (install "
                  "org.confab.Confab1.conf, create the user confab with systemd-sysusers, "
                  "then run “systemctl reload dbus”) or another confabd owns the name"),
               name);
  else
    g_warning (_ ("Cannot own the name %s on the session bus: another confabd owns it; "
                  "chat goes on without the admin interface"),
               name);
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
  g_warning (_ ("Lost the connection to the %s bus (%s): chat goes on without the admin interface"),
             bus_label (self), error != NULL ? error->message : _ ("closed"));
}

/* Exports the manager on the chosen bus and asks for the name. No session
 * bus is worth one warning (chat works without it); an explicit system
 * bus that fails is an error, since an administrator asked for it. */
gboolean
confab_daemon_start_dbus (ConfabDaemon *self,
                          GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  g_autoptr(ConfabManager) manager = NULL;
  g_autoptr(GDBusConnection) connection = NULL;
  GBusType bus_type = self->bus == CONFAB_BUS_SYSTEM ? G_BUS_TYPE_SYSTEM : G_BUS_TYPE_SESSION;

  if (self->bus == CONFAB_BUS_NONE)
    return TRUE;

  connection = g_bus_get_sync (bus_type, NULL, &local_error);
  manager = confab_manager_new (self->broker, confab_server_get_listen_addresses (self->server));
  /* The connections' counters: the server reports them, this layer does not
   * reach into it (confab_manager_set_stats_source()). */
  confab_manager_set_stats_source (manager, CONFAB_STATS_SOURCE (self->server));
  confab_manager_set_history (manager, self->history);
  /* On the session bus every caller is the session's own user. */
  confab_manager_set_enforce_authorization (manager, self->bus == CONFAB_BUS_SYSTEM);
  if (connection == NULL ||
      !confab_manager_export (manager, connection, &local_error))
    {
      if (self->bus == CONFAB_BUS_SYSTEM)
        {
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      _ ("Cannot serve the admin interface on the system bus: "));
          return FALSE;
        }
      g_warning (_ ("Cannot serve the admin interface on the session bus (%s): "
                    "serving chat without it"),
                 local_error->message);
      return TRUE;
    }

  /* By default GDBus raises SIGTERM when the bus goes away: chat must not. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect_object (connection, "closed",
                           G_CALLBACK (bus_closed_cb), self, G_CONNECT_DEFAULT);
  confab_manager_set_text_max_bytes (manager, self->config->line_max_bytes);
  confab_manager_set_peer_limits (manager, confab_daemon_peer_limits_variant (self->config));

  self->connection = g_steal_pointer (&connection);
  self->manager = g_steal_pointer (&manager);
  self->name_owner_id = g_bus_own_name_on_connection (self->connection, CONFAB_DBUS_NAME,
                                                      G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
                                                      name_acquired_cb, name_lost_cb,
                                                      self, NULL);
  return TRUE;
}
