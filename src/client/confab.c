/* confab.c: the interactive chat client's main(): options, locale, run.
 *
 * All behaviour lives in ConfabClientApp; this file only starts things.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdlib.h>
#include <glib/gi18n.h>

#include "confab-client-app.h"
#include "confab-client-protocol.h"
#include "confab-i18n.h"
#include "confab-validate.h"

static const char *
describe (void)
{
  return _ (
    "Connects to the confab server at ADDR, logs in as NAME, prints every\n"
    "message that arrives and sends each line typed.\n"
    "\n"
    "ADDR is HOST:PORT, [IPV6]:PORT or unix:PATH (default 127.0.0.1:8080);\n"
    "HOST may be a host name, and without :PORT the port is 8080. One argument\n"
    "alone is ADDR. Without NAME, confab asks for it on a terminal, or takes\n"
    "the first line of its input.\n"
    "\n"
    "Lines to type:\n"
    "  bob: hello             send “hello” to bob\n"
    "  bob, carol: hello      send it to bob and to carol\n"
    "  /peers                 list who is online\n"
    "  /help                  show these forms\n"
    "  /quit                  leave (as Ctrl-D, or the end of the input, does)\n"
    "\n"
    "Output: chat goes to standard output. In the text protocol each line is\n"
    "shown as the server sends it (“from bob: hi”, “peers: alice bob”); a\n"
    "multi-line text from a JSON peer shows its newlines as \\n. With --json\n"
    "a message shows as “14:05 bob: hi” (the server's time of it, in local\n"
    "time), further lines of a multi-line text indented below it. Errors from\n"
    "the server (“error: no such peer: carol”) and confab's own notices\n"
    "(“confab: …”) go to standard error, in colour on a terminal (not with\n"
    "NO_COLOR set). Control characters from the network are shown as �.\n"
    "\n"
    "On a terminal, arriving lines are printed above the line being typed.\n"
    "Keys, as in readline: Left/Right (Ctrl-B/F), Home/End (Ctrl-A/E),\n"
    "Backspace, Delete, Ctrl-K (erase to the end), Ctrl-U (erase to the start),\n"
    "Ctrl-W (erase a word), Up/Down (Ctrl-P/N: earlier lines), TAB (kept in\n"
    "the text), Ctrl-L (redraw), Ctrl-D (leave, on an empty line), Ctrl-C\n"
    "(quit at once).\n"
    "\n"
    "At the end of the input confab asks the server for the list of peers and\n"
    "exits once it arrives: by then the server has handled every line sent\n"
    "before and all its answers have been printed. So confab works in a pipe:\n"
    "\n"
    "  printf 'alice\\nbob: hi\\n' | confab 127.0.0.1:8080\n"
    "  printf 'bob: hi\\n/peers\\n' | confab --json chat.example.org:8080 alice\n"
    "  confab unix:/run/confab.sock alice\n"
    "  confab --ca ca.pem tls:chat.example.org:8443 alice   (over TLS)\n"
    "\n"
    "Exit status:\n"
    "  0  the input ended and the server answered all of it (errors about\n"
    "     single messages, such as “no such peer”, do not change this)\n"
    "  1  the server could not be reached, refused the login, closed the\n"
    "     connection (for example when shutting down) or stopped answering\n"
    "  2  wrong usage: unknown option, bad address, invalid or missing name\n"
    "A signal (Ctrl-C, SIGTERM, SIGHUP) ends confab at once, as it ends\n"
    "other programs.");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GSocketConnectable) address = NULL;
  g_autoptr(ConfabClientApp) app = NULL;
  gboolean           json = FALSE;
  gboolean           quiet = FALSE;
  gboolean           version = FALSE;
  gboolean           timestamps = FALSE;
  gboolean           tls = FALSE;
  g_autofree char   *ca_file = NULL;
  g_autofree char   *cert_file = NULL;
  g_autofree char   *key_file = NULL;
  const char        *address_text = CONFAB_CLIENT_DEFAULT_ADDRESS;
  const char        *name = NULL;
  const GOptionEntry entries[] = {
    { "json", 'j', 0, G_OPTION_ARG_NONE, &json,
      N_ ("Speak the JSON-lines protocol (show times; text on several lines)"), NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet,
      N_ ("Print no notices, only what the server sends"), NULL },
    { "timestamps", 't', 0, G_OPTION_ARG_NONE, &timestamps,
      N_ ("Show the time each line came (text protocol; JSON always shows it)"), NULL },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &ca_file,
      N_ ("With tls:ADDR, trust the certificate authorities in FILE (PEM) instead of the system's"),
      N_ ("FILE") },
    { "cert", 0, 0, G_OPTION_ARG_FILENAME, &cert_file,
      N_ ("With tls:ADDR, log in with the client certificate in FILE (PEM), if an account lists it"),
      N_ ("FILE") },
    { "key", 0, 0, G_OPTION_ARG_FILENAME, &key_file,
      N_ ("The private key of --cert (PEM; default: the --cert file)"), N_ ("FILE") },
    { "version", 'V', 0, G_OPTION_ARG_NONE, &version,
      N_ ("Print the version and exit"), NULL },
    G_OPTION_ENTRY_NULL
  };

  confab_i18n_init ();

  context = g_option_context_new (_ ("[ADDR [NAME]]"));
  g_option_context_set_summary (context, _ ("Chat on a confab server."));
  g_option_context_set_description (context, describe ());
  g_option_context_add_main_entries (context, entries, GETTEXT_PACKAGE);
  g_option_context_set_translation_domain (context, GETTEXT_PACKAGE);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("confab: %s\n", error->message);
      return CONFAB_CLIENT_EXIT_USAGE;
    }

  if (version)
    {
      g_print ("confab %s\n", PACKAGE_VERSION);
      return EXIT_SUCCESS;
    }

  if (argc > 3)
    {
      g_printerr (_ ("confab: unexpected argument “%s”\n"), argv[3]);
      return CONFAB_CLIENT_EXIT_USAGE;
    }
  if (argc > 1)
    address_text = argv[1];
  if (argc > 2)
    name = argv[2];

  address = confab_client_parse_address (address_text, &tls, &error);
  if (address == NULL)
    {
      g_printerr (_ ("confab: invalid address “%s”: %s\n"), address_text, error->message);
      return CONFAB_CLIENT_EXIT_USAGE;
    }
  /* On a Unix socket an empty name asks a server with unix_identity for
   * the caller's account name; elsewhere it cannot be valid. */
  if (name != NULL && !(*name == '\0' && g_str_has_prefix (address_text, "unix:")) &&
      !confab_validate_name (name, -1, &error))
    {
      g_printerr ("confab: %s\n", confab_client_localize_error (error));
      return CONFAB_CLIENT_EXIT_USAGE;
    }

  if ((ca_file != NULL || cert_file != NULL) && !tls)
    {
      g_printerr (_ ("confab: --ca and --cert are for tls:ADDR\n"));
      return CONFAB_CLIENT_EXIT_USAGE;
    }
  if (key_file != NULL && cert_file == NULL)
    {
      g_printerr (_ ("confab: --key needs --cert\n"));
      return CONFAB_CLIENT_EXIT_USAGE;
    }

  app = confab_client_app_new (address, address_text, name, json, quiet);
  confab_client_app_set_timestamps (app, timestamps);
  if (tls && !confab_client_app_set_tls (app, ca_file, &error))
    {
      g_printerr (_ ("confab: cannot read %s: %s\n"), ca_file, error->message);
      return CONFAB_CLIENT_EXIT_USAGE;
    }
  if (cert_file != NULL &&
      !confab_client_app_set_tls_certificate (app, cert_file, key_file != NULL ? key_file : cert_file, &error))
    {
      g_printerr (_ ("confab: cannot read %s: %s\n"), cert_file, error->message);
      return CONFAB_CLIENT_EXIT_USAGE;
    }
  return confab_client_app_run (app);
}
