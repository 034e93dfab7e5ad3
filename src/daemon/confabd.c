/* confabd.c: the chat daemon's main(): options, locale, signals, loop.
 *
 * All behaviour lives in ConfabDaemon; this file only starts things.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <glib/gi18n.h>
#include <glib-unix.h>

#include "confab-listen-address.h"
#include "confab-config.h"
#include "confab-daemon.h"
#include "confab-i18n.h"
#include "confab-systemd.h"

/* GnuTLS's defaults without the protocol versions before TLS 1.2. */
#define CONFAB_TLS_PRIORITY "NORMAL:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1"

static gboolean
terminate_cb (gpointer user_data)
{
  confab_daemon_shutdown (CONFAB_DAEMON (user_data));
  return G_SOURCE_CONTINUE;
}

static gboolean
hangup_cb (gpointer user_data)
{
  confab_daemon_reload (CONFAB_DAEMON (user_data));
  return G_SOURCE_CONTINUE;
}

static void
finished_cb (ConfabDaemon *daemon,
             gpointer      user_data)
{
  g_main_loop_quit (user_data);
}

static gboolean
parse_bus (const char      *text,
           ConfabBusChoice *bus,
           GError         **error)
{
  if (text == NULL || g_str_equal (text, "session"))
    *bus = CONFAB_BUS_SESSION;
  else if (g_str_equal (text, "system"))
    *bus = CONFAB_BUS_SYSTEM;
  else if (g_str_equal (text, "none"))
    *bus = CONFAB_BUS_NONE;
  else
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   _ ("Unknown bus “%s”: expected session, system or none"), text);
      return FALSE;
    }
  return TRUE;
}

/* --check-config: what start-up would refuse in the configuration (and
 * in --listen), without binding or owning anything. */
static gboolean
check_config (const char *path,
              gboolean explicit,
              const char * const *listen,
              GError            **error)
{
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(GError) local_error = NULL;

  config = confab_config_load_file (path, &local_error);
  if (config == NULL)
    {
      if (explicit || !g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      config = confab_config_new_default ();
    }

  for (guint i = 0; config->listen != NULL && config->listen[i] != NULL; i++)
    {
      ConfabDoor door;
      g_autoptr(GSocketAddress) address = confab_listen_address_parse (config->listen[i], &door, error);

      if (address == NULL)
        {
          g_prefix_error (error, "%s: [server] listen: ", path);
          return FALSE;
        }
    }
  for (guint i = 0; listen != NULL && listen[i] != NULL; i++)
    {
      ConfabDoor door;
      g_autoptr(GSocketAddress) address = confab_listen_address_parse (listen[i], &door, error);

      if (address == NULL)
        {
          g_prefix_error (error, "--listen: ");
          return FALSE;
        }
    }
  return TRUE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  g_autoptr(ConfabDaemon) daemon = NULL;
  g_auto(GStrv) listen = NULL;
  g_autofree char *config_path = NULL;
  g_autofree char *bus_name = NULL;
  gboolean         version = FALSE;
  gboolean         verbose = FALSE;
  gboolean         check = FALSE;
  ConfabBusChoice  bus;
  guint            signal_ids[3];
  g_autofree char *config_help = NULL;
  GOptionEntry     entries[] = {
        { "listen", 'l', 0, G_OPTION_ARG_STRING_ARRAY, &listen,
          N_ ("Listen on ADDR (HOST:PORT, [IPV6]:PORT or unix:PATH; irc:ADDR for IRC); may repeat, replaces the defaults"), N_ ("ADDR") },
        { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
          NULL /* config_help */, N_ ("FILE") },
        { "bus", 'b', 0, G_OPTION_ARG_STRING, &bus_name,
          N_ ("Serve the admin interface on BUS: session, system or none (default: session)"), N_ ("BUS") },
        { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose,
          N_ ("Log per-connection detail (as G_MESSAGES_DEBUG=confab does)"), NULL },
        { "check-config", 't', 0, G_OPTION_ARG_NONE, &check,
          N_ ("Check the configuration and exit: status 0 and no output if it is valid"), NULL },
        { "version", 'V', 0, G_OPTION_ARG_NONE, &version,
          N_ ("Print the version and exit"), NULL },
        G_OPTION_ENTRY_NULL
  };

  /* Before anything can start a thread. */
  confab_systemd_claim_listen_env ();
  confab_i18n_init ();
  /* TLS 1.2 at least (SPEC §11). GIO has no API for protocol versions;
   * its GnuTLS backend (glib-networking) takes its priority string from
   * this variable, which an administrator may set to something stricter. */
  g_setenv ("G_TLS_GNUTLS_PRIORITY", CONFAB_TLS_PRIORITY, FALSE);

  /* The default path is only known at build time: no literal for it. */
  config_help = g_strdup_printf (_ ("Read the configuration from FILE (default: %s)"),
                                 CONFAB_CONFIG_FILE);
  entries[1].description = config_help;

  context = g_option_context_new (NULL);
  g_option_context_set_summary (context, _ ("The confab chat daemon."));
  g_option_context_set_description (context,
                                    _ ("Signals: SIGTERM or SIGINT stop the daemon after delivering every accepted "
                                       "message; SIGHUP reloads the limits from the configuration file.\n"
                                       "Set G_MESSAGES_DEBUG=confab to log each connection."));
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error) ||
      !parse_bus (bus_name, &bus, &error))
    {
      g_printerr ("confabd: %s\n", error->message);
      return 2;
    }
  if (argc > 1)
    {
      g_printerr (_ ("confabd: unexpected argument “%s”\n"), argv[1]);
      return 2;
    }

  if (version)
    {
      g_print ("confabd %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }
  if (check)
    {
      if (!check_config (config_path != NULL ? config_path : CONFAB_CONFIG_FILE,
                         config_path != NULL, (const char * const *) listen, &error))
        {
          g_printerr ("confabd: %s\n", error->message);
          return EXIT_FAILURE;
        }
      return EXIT_SUCCESS;
    }

  /* confab's own debug lines only, not every library's: GLib's default
   * writer reads G_MESSAGES_DEBUG at each message. No thread runs yet. */
  if (verbose)
    {
      const char      *domains = g_getenv ("G_MESSAGES_DEBUG");
      g_autofree char *value = (domains != NULL && *domains != '\0')
                                 ? g_strconcat (domains, " " G_LOG_DOMAIN, NULL)
                                 : g_strdup (G_LOG_DOMAIN);

      g_setenv ("G_MESSAGES_DEBUG", value, TRUE);
    }

  daemon = confab_daemon_new (config_path != NULL ? config_path : CONFAB_CONFIG_FILE,
                              config_path != NULL,
                              (const char * const *) listen, bus, &error);
  if (daemon == NULL)
    {
      g_printerr ("confabd: %s\n", error->message);
      return EXIT_FAILURE;
    }

  /* Signals are caught before the daemon says it listens (the log line,
   * READY=1): a SIGTERM that follows at once must drain, not kill. */
  loop = g_main_loop_new (NULL, FALSE);
  g_signal_connect (daemon, "finished", G_CALLBACK (finished_cb), loop);
  signal_ids[0] = g_unix_signal_add (SIGTERM, terminate_cb, daemon);
  signal_ids[1] = g_unix_signal_add (SIGINT, terminate_cb, daemon);
  signal_ids[2] = g_unix_signal_add (SIGHUP, hangup_cb, daemon);

  if (!confab_daemon_start (daemon, &error))
    {
      g_printerr ("confabd: %s\n", error->message);
      for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
        g_source_remove (signal_ids[i]);
      return EXIT_FAILURE;
    }

  g_main_loop_run (loop);

  for (guint i = 0; i < G_N_ELEMENTS (signal_ids); i++)
    g_source_remove (signal_ids[i]);
  g_message ("Stopped");
  return EXIT_SUCCESS;
}
