/* confabctl-monitor.c: print peers joining and leaving as it happens.
 *
 * Runs until SIGINT or SIGTERM (exit 0), until stdout's reader goes away
 * (EPIPE, exit 0), until writing fails otherwise (exit 1) or until the bus
 * itself goes away (exit 1). The daemon may stop and start meanwhile: the proxy follows
 * the name's owner, and a notice on stderr says so. Events go to stdout,
 * one line each, flushed at once so that a pipe sees them as they come.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "confab-names.h"
#include "confabctl-commands.h"
#include "confabctl-output.h"

typedef struct
{
  ConfabCtl    *ctl;  /* (unowned) */
  GMainLoop    *loop; /* (owned) */
  ConfabCtlExit status;
} Monitor;

static void
print_event (Monitor    *monitor,
             const char *event,
             const char *name,
             const char *detail_key,
             const char *detail)
{
  gint64 now = g_get_real_time ();

  if (monitor->ctl->json)
    {
      g_autoptr(JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "event");
      json_builder_add_string_value (builder, event);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, name);
      if (detail_key != NULL)
        {
          json_builder_set_member_name (builder, detail_key);
          json_builder_add_string_value (builder, detail);
        }
      json_builder_set_member_name (builder, "time");
      json_builder_add_int_value (builder, now);
      json_builder_end_object (builder);
      confabctl_print_json (builder, FALSE);
    }
  else
    {
      g_autofree char *clock = confabctl_format_clock (now);
      const char      *joined = _ ("joined");
      const char      *left = _ ("left");
      const char      *label = g_str_equal (event, "joined") ? joined : left;
      /* Names line up whatever the translations' lengths. */
      int width = MAX (g_utf8_strlen (joined, -1), g_utf8_strlen (left, -1));
      int pad = width - g_utf8_strlen (label, -1);

      if (detail_key == NULL)
        g_print ("%s  %s  %s\n", clock,
                 /* TRANSLATORS: confabctl monitor, before a room's name */
                 g_str_equal (event, "room-created") ? _ ("room created") : _ ("room removed"), name);
      else
        g_print ("%s  %s%*s  %s  %s\n", clock, label, pad, "", name, detail);
    }

  /* A pipe sees each event at once; once nobody reads, stop. */
  switch (confabctl_flush_output ())
    {
    case CONFABCTL_OUTPUT_OK:
      break;
    case CONFABCTL_OUTPUT_CLOSED:
      g_main_loop_quit (monitor->loop);
      break;
    case CONFABCTL_OUTPUT_FAILED:
    default:
      monitor->status = CONFABCTL_EXIT_FAILED;
      g_main_loop_quit (monitor->loop);
      break;
    }
}

static void
peer_joined_cb (ConfabDBusManager *manager,
                const char        *name,
                const char        *address,
                Monitor           *monitor)
{
  print_event (monitor, "joined", name, "address", address);
}

/* Rooms: a line of their own, "room created  #tea", which leaves the
 * columns of the peer lines as they were. */
static void
room_created_cb (ConfabDBusManager *manager,
                 const char        *name,
                 Monitor           *monitor)
{
  print_event (monitor, "room-created", name, NULL, NULL);
}

static void
room_removed_cb (ConfabDBusManager *manager,
                 const char        *name,
                 Monitor           *monitor)
{
  print_event (monitor, "room-removed", name, NULL, NULL);
}

static void
peer_left_cb (ConfabDBusManager *manager,
              const char        *name,
              const char        *reason,
              Monitor           *monitor)
{
  print_event (monitor, "left", name, "reason", reason);
}

static void
name_owner_cb (GObject    *object,
               GParamSpec *pspec,
               Monitor    *monitor)
{
  g_autofree char *owner = g_dbus_proxy_get_name_owner (G_DBUS_PROXY (object));

  if (owner != NULL)
    g_printerr (_ ("confabd appeared on the %s bus.\n"), confabctl_bus_label (monitor->ctl));
  else
    g_printerr (_ ("confabd left the %s bus; waiting for it to come back.\n"),
                confabctl_bus_label (monitor->ctl));
}

static void
bus_closed_cb (GDBusConnection *connection,
               gboolean         remote_peer_vanished,
               GError          *error,
               Monitor         *monitor)
{
  g_printerr (_ ("confabctl: lost the connection to the %s bus\n"),
              confabctl_bus_label (monitor->ctl));
  monitor->status = CONFABCTL_EXIT_FAILED;
  g_main_loop_quit (monitor->loop);
}

static gboolean
signal_cb (gpointer user_data)
{
  Monitor *monitor = user_data;

  g_main_loop_quit (monitor->loop);
  return G_SOURCE_CONTINUE;
}

ConfabCtlExit
confabctl_monitor (ConfabCtl *ctl,
                   char     **args)
{
  GDBusProxy      *proxy = G_DBUS_PROXY (ctl->manager);
  GDBusConnection *connection = g_dbus_proxy_get_connection (proxy);
  g_autofree char *owner = g_dbus_proxy_get_name_owner (proxy);
  Monitor          monitor = { ctl, g_main_loop_new (NULL, FALSE), CONFABCTL_EXIT_OK };
  guint            sigint_id, sigterm_id;

  /* A closed pipe must be EPIPE, seen by print_event, whatever the
   * disposition inherited (GDBus ignores SIGPIPE too, but only once). */
  signal (SIGPIPE, SIG_IGN);

  /* The shared bus connection would raise SIGTERM when it closes, and we
   * would then exit 0 as if interrupted. */
  g_dbus_connection_set_exit_on_close (connection, FALSE);
  g_signal_connect (connection, "closed", G_CALLBACK (bus_closed_cb), &monitor);
  g_signal_connect (proxy, "peer-joined", G_CALLBACK (peer_joined_cb), &monitor);
  g_signal_connect (proxy, "peer-left", G_CALLBACK (peer_left_cb), &monitor);
  g_signal_connect (proxy, "room-created", G_CALLBACK (room_created_cb), &monitor);
  g_signal_connect (proxy, "room-removed", G_CALLBACK (room_removed_cb), &monitor);
  g_signal_connect (proxy, "notify::g-name-owner", G_CALLBACK (name_owner_cb), &monitor);
  sigint_id = g_unix_signal_add (SIGINT, signal_cb, &monitor);
  sigterm_id = g_unix_signal_add (SIGTERM, signal_cb, &monitor);

  /* The proxy's match rules were in place before its construction
   * returned, so nothing that happens after this line is missed. */
  if (owner == NULL)
    g_printerr (_ ("confabd is not running on the %s bus; waiting for it. Press Ctrl+C to stop.\n"),
                confabctl_bus_label (ctl));
  else
    g_printerr (_ ("Watching peers join and leave on the %s bus. Press Ctrl+C to stop.\n"),
                confabctl_bus_label (ctl));

  g_main_loop_run (monitor.loop);

  g_source_remove (sigint_id);
  g_source_remove (sigterm_id);
  g_signal_handlers_disconnect_by_data (proxy, &monitor);
  g_signal_handlers_disconnect_by_data (connection, &monitor);
  g_main_loop_unref (monitor.loop);
  return monitor.status;
}
