/* confabctl.c: the admin tool's main(): options, command choice, proxy.
 *
 * confabctl is a thin client of org.confab.Confab1.Manager, through the
 * same generated code the daemon serves it with; passwd alone works on a
 * file, with no bus. Exit status: 0 success, 1 a D-Bus error (the daemon
 * refused, or is not running) or a failed passwd, 2 bad usage.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-i18n.h"
#include "confab-names.h"
#include "confabctl-commands.h"
#include "confabctl-output.h"

typedef struct
{
  const char          *name;
  const char          *args;    /* N_(): shown in --help */
  const char          *summary; /* N_() */
  guint                min_args;
  guint                max_args;
  ConfabCtlCommandFunc func;
  gboolean             no_bus; /* runs without D-Bus (FALSE if left out) */
} Command;

static const Command commands[] = {
  { "peers", "", N_ ("List the connected peers"), 0, 0, confabctl_peers },
  { "peer", N_ ("NAME"), N_ ("Show one peer in detail"), 1, 1, confabctl_peer },
  { "broadcast", N_ ("TEXT"), N_ ("Send “from @server: TEXT” to every peer (with --room, to a room’s members)"), 1, 1, confabctl_broadcast },
  { "kick", N_ ("NAME [REASON]"), N_ ("Disconnect a peer, telling it REASON"), 1, 2, confabctl_kick },
  { "rooms", "", N_ ("List the rooms and their member counts"), 0, 0, confabctl_rooms },
  { "room", N_ ("NAME"), N_ ("Show one room: members, topic, creation"), 1, 1, confabctl_room },
  { "history", N_ ("ROOM [N]"), N_ ("Show a room’s last N stored messages (default 50)"), 1, 2, confabctl_history },
  { "stats", "", N_ ("Show the daemon’s counters and limits"), 0, 0, confabctl_stats },
  { "monitor", "", N_ ("Print peers joining and leaving until interrupted"), 0, 0, confabctl_monitor },
  { "passwd", N_ ("FILE NAME"), N_ ("Add an account to an accounts file, or change its password"), 2, 2, confabctl_passwd, TRUE },
};

static const Command *
find_command (const char *name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (g_str_equal (commands[i].name, name))
      return &commands[i];
  return NULL;
}

/* The command list for --help, aligned whatever the translations. */
static char *
commands_summary (void)
{
  GString *text = g_string_new (_ ("Commands:"));
  guint    width = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *args = *commands[i].args != '\0' ? _ (commands[i].args) : "";

      width = MAX (width, strlen (commands[i].name) + 1 + g_utf8_strlen (args, -1));
    }

  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      const char *args = *commands[i].args != '\0' ? _ (commands[i].args) : "";
      guint       used = strlen (commands[i].name) + 1 + g_utf8_strlen (args, -1);

      g_string_append_printf (text, "\n  %s %s%*s  %s", commands[i].name, args,
                              (int) (width - used), "", _ (commands[i].summary));
    }
  return g_string_free (text, FALSE);
}

static ConfabCtlExit
usage_error (const char *format,
             ...)
{
  g_autofree char *message = NULL;
  va_list          args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);

  g_printerr ("confabctl: %s\n", message);
  g_printerr (_ ("Try “confabctl --help” for more information.\n"));
  return CONFABCTL_EXIT_USAGE;
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *description = NULL;
  gboolean         system_bus = FALSE;
  gboolean         session_bus = FALSE;
  gboolean         version = FALSE;
  g_autofree char *room = NULL;
  g_auto(GStrv) words = NULL;
  const char        *default_words[] = { "peers", NULL };
  char             **cmd_argv;
  ConfabCtl          ctl = { G_BUS_TYPE_SESSION, FALSE, FALSE, NULL };
  const Command     *command;
  guint              n_args;
  ConfabCtlExit      status;
  const GOptionEntry entries[] = {
    { "system", 0, 0, G_OPTION_ARG_NONE, &system_bus,
      N_ ("Talk to confabd on the system bus"), NULL },
    { "session", 0, 0, G_OPTION_ARG_NONE, &session_bus,
      N_ ("Talk to confabd on the session bus (the default)"), NULL },
    { "json", 'j', 0, G_OPTION_ARG_NONE, &ctl.json,
      N_ ("Print JSON for scripts instead of tables"), NULL },
    { "no-legend", 0, 0, G_OPTION_ARG_NONE, &ctl.no_legend,
      N_ ("Print tables without their header line, for scripts"), NULL },
    { "room", 'r', 0, G_OPTION_ARG_STRING, &room,
      N_ ("With broadcast: send to the members of ROOM only"), N_ ("ROOM") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version,
      N_ ("Print the version and exit"), NULL },
    /* The command and its arguments: GOption takes "--" off here, so a
     * TEXT or REASON starting with "-" can follow it. */
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &words, NULL, NULL },
    G_OPTION_ENTRY_NULL
  };

  confab_i18n_init ();
  confabctl_output_init ();

  context = g_option_context_new (_ ("COMMAND [ARGUMENT…]"));
  summary = commands_summary ();
  g_option_context_set_summary (context, summary);
  /* TRANSLATORS: %s is the D-Bus name, org.confab.Confab1 */
  description = g_strdup_printf (_ ("Administers a running confabd through its D-Bus interface %s; "
                                    "passwd edits the accounts file and needs no daemon.\n"
                                    "\n"
                                    "Times are shown in local time. With --json, each command prints one "
                                    "JSON value (monitor: one object per line); times are microseconds "
                                    "since the Unix epoch.\n"
                                    "A TEXT or REASON that starts with “-” goes after “--”.\n"
                                    "passwd asks for the password twice, without echo; when standard input "
                                    "is not a terminal, it reads the password from its first line.\n"
                                    "\n"
                                    "Exit status: 0 on success, 1 if the daemon reports an error or cannot "
                                    "be reached or passwd fails, 2 on a usage error."),
                                 CONFAB_DBUS_NAME);
  g_option_context_set_description (context, description);
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);

  if (!g_option_context_parse (context, &argc, &argv, &error))
    return usage_error ("%s", error->message);

  if (version)
    {
      g_print ("confabctl %s\n", PACKAGE_VERSION);
      return CONFABCTL_EXIT_OK;
    }
  if (system_bus && session_bus)
    return usage_error (_ ("--system and --session exclude each other"));
  if (system_bus)
    ctl.bus_type = G_BUS_TYPE_SYSTEM;
  ctl.room = room;

  /* No command lists the peers, as systemctl and loginctl do. */
  cmd_argv = words != NULL && words[0] != NULL ? words : (char **) default_words;
  command = find_command (cmd_argv[0]);
  if (command == NULL)
    return usage_error (_ ("Unknown command “%s”"), cmd_argv[0]);

  n_args = g_strv_length (cmd_argv) - 1;
  if (n_args < command->min_args)
    return usage_error (_ ("Missing argument for “%s”: usage: confabctl %s %s"),
                        command->name, command->name, _ (command->args));
  if (room != NULL && command->func != confabctl_broadcast)
    return usage_error (_ ("--room goes with broadcast only"));
  if (n_args > command->max_args)
    return usage_error (_ ("Too many arguments for “%s”: usage: confabctl %s %s"),
                        command->name, command->name,
                        *command->args != '\0' ? _ (command->args) : "");

  if (command->no_bus)
    {
      status = command->func (&ctl, cmd_argv + 1);
      if (confabctl_flush_output () == CONFABCTL_OUTPUT_FAILED)
        status = CONFABCTL_EXIT_FAILED;
      return status;
    }

  /* Nothing is activated just to be watched. */
  ctl.manager = confab_dbus_manager_proxy_new_for_bus_sync (ctl.bus_type,
                                                            command->func == confabctl_monitor
                                                              ? G_DBUS_PROXY_FLAGS_DO_NOT_AUTO_START
                                                              : G_DBUS_PROXY_FLAGS_NONE,
                                                            CONFAB_DBUS_NAME, CONFAB_DBUS_PATH,
                                                            NULL, &error);
  if (ctl.manager == NULL)
    {
      /* TRANSLATORS: the first %s is "session" or "system" */
      g_printerr (_ ("confabctl: cannot reach the %s bus: %s\n"),
                  confabctl_bus_label (&ctl), error->message);
      /* Over ssh or on a headless machine there is often no session bus;
       * the packaged daemon runs on the system bus. */
      if (ctl.bus_type == G_BUS_TYPE_SESSION)
        g_printerr (_ ("confabctl: for the confabd on the system bus, use “confabctl --system”; "
                       "a confabd on the session bus needs one (see dbus-run-session(1)) "
                       "and may not be running\n"));
      else
        g_printerr (_ ("confabctl: is dbus-daemon running? confabd may not be running either\n"));
      return CONFABCTL_EXIT_FAILED;
    }

  status = command->func (&ctl, cmd_argv + 1);
  /* Write errors are errors (but not a reader that went away), and
   * g_print() does not report them. */
  if (confabctl_flush_output () == CONFABCTL_OUTPUT_FAILED)
    status = CONFABCTL_EXIT_FAILED;
  g_clear_object (&ctl.manager);
  return status;
}
