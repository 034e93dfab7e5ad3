/* test-sasl.c: client certificates and IRC's SASL end to end (SPEC §11).
 *
 * alice's account lists the fingerprint of alice.pem (signed by the
 * test's CA); mallory.pem is self-signed and listed nowhere; carol has a
 * password only. confabd serves tls:, ircs:, plain irc: and a Unix
 * socket (confab-accounts-fixture.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "confab-accounts-fixture.h"

/* Reads lines until one holds @needle; fails after 64 lines. */
static char *
read_until (TlsClient  *client,
            const char *needle)
{
  for (guint i = 0; i < 64; i++)
    {
      char *line = tls_read_line (client);

      if (strstr (line, needle) != NULL)
        return line;
      g_free (line);
    }
  g_assert_not_reached ();
}

#define expect_until(client, needle) g_free (read_until ((client), (needle)))

/* "AUTHENTICATE <base64 of @len bytes of @data>\r\n" */
static void
send_authenticate (TlsClient  *client,
                   const char *data,
                   gsize       len)
{
  g_autofree char *b64 = g_base64_encode ((const guchar *) data, len);
  g_autofree char *line = g_strdup_printf ("AUTHENTICATE %s\r\n", b64);

  tls_send (client, line);
}

static TlsClient *
ircs_client (Fixture    *fx,
             const char *cert)
{
  g_autoptr(GError) error = NULL;
  TlsClient *client = tls_client_try_new_with_cert (fx->tmp->path, fx->irc_port, "ca", cert, &error);

  g_assert_no_error (error);
  return client;
}

static void
test_plain (Fixture      *fx,
            gconstpointer data)
{
  g_autoptr(TlsClient) irc = NULL;
  g_autoptr(TlsClient) wrong = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  const char       carol[] = "\0carol\0battery staple";
  const char       guess[] = "\0carol\0guess";
  g_autofree char *login = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("SASL PLAIN over ircs: 900 and 903, registration under the account, chat with a "
                  "text peer; wrong passwords get 904, are counted, and the third closes");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");

  irc = ircs_client (fx, NULL);
  tls_send (irc, "CAP LS 302\r\n");
  expect_until (irc, "CAP * LS :multi-prefix server-time message-tags echo-message sasl=PLAIN");
  tls_send (irc, "CAP REQ :sasl\r\nNICK someone\r\nUSER c 0 * :Carol\r\nAUTHENTICATE PLAIN\r\n");
  expect_until (irc, "CAP * ACK :sasl");
  tls_expect_line (irc, "AUTHENTICATE +");
  send_authenticate (irc, carol, sizeof carol - 1);
  tls_expect_line (irc, ":confab.local 900 * carol!carol@confab carol :You are now logged in as carol");
  tls_expect_line (irc, ":confab.local 903 * :SASL authentication successful");
  tls_send (irc, "CAP END\r\n");
  expect_until (irc, " 001 carol :Welcome to confab, carol!carol@confab");
  tls_send (irc, "PRIVMSG bob :signed in with SASL\r\n");
  confab_test_client_expect_line (bob, "from carol: signed in with SASL");
  login = peer_login (fx, "carol");
  g_assert_cmpstr (login, ==, "carol/password");

  wrong = ircs_client (fx, NULL);
  tls_send (wrong, "CAP REQ sasl\r\nNICK carol2\r\nUSER c 0 * :C\r\n");
  expect_until (wrong, "ACK");
  for (guint i = 0; i < 3; i++)
    {
      tls_send (wrong, "AUTHENTICATE PLAIN\r\n");
      tls_expect_line (wrong, "AUTHENTICATE +");
      send_authenticate (wrong, guess, sizeof guess - 1);
      tls_expect_line (wrong, ":confab.local 904 * :SASL authentication failed");
    }
  tls_expect_line (wrong, "ERROR :authentication failed");
  g_assert_cmpuint (get_counter (fx, "auth_failures"), ==, 3);
}

static void
test_external (Fixture      *fx,
               gconstpointer data)
{
  g_autoptr(TlsClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *login = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("SASL EXTERNAL with the certificate alice's account lists logs in as alice; "
                  "a certificate no account lists, or none, is refused with 904");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");
  {
    g_autoptr(TlsClient) mallory = ircs_client (fx, "mallory");

    tls_send (mallory, "CAP LS 302\r\n");
    expect_until (mallory, "sasl=PLAIN,EXTERNAL");
    tls_send (mallory, "CAP REQ sasl\r\nAUTHENTICATE EXTERNAL\r\n");
    tls_expect_line (mallory, ":confab.local CAP * ACK :sasl");
    tls_expect_line (mallory, "AUTHENTICATE +");
    tls_send (mallory, "AUTHENTICATE +\r\n");
    tls_expect_line (mallory, ":confab.local 904 * :SASL authentication failed");
    /* Naming alice's account does not help. */
    tls_send (mallory, "AUTHENTICATE EXTERNAL\r\n");
    tls_expect_line (mallory, "AUTHENTICATE +");
    send_authenticate (mallory, "alice", 5);
    tls_expect_line (mallory, ":confab.local 904 * :SASL authentication failed");
  }
  {
    g_autoptr(TlsClient) none = ircs_client (fx, NULL);

    tls_send (none, "CAP REQ sasl\r\nAUTHENTICATE EXTERNAL\r\n");
    tls_expect_line (none, ":confab.local CAP * ACK :sasl");
    tls_expect_line (none, ":confab.local 908 * PLAIN :are available SASL mechanisms");
    tls_expect_line (none, ":confab.local 904 * :SASL authentication failed");
  }

  alice = ircs_client (fx, "alice");
  tls_send (alice, "CAP REQ sasl\r\nAUTHENTICATE EXTERNAL\r\n");
  tls_expect_line (alice, ":confab.local CAP * ACK :sasl");
  tls_expect_line (alice, "AUTHENTICATE +");
  send_authenticate (alice, "alice", 5);
  tls_expect_line (alice, ":confab.local 900 * alice!alice@confab alice :You are now logged in as alice");
  tls_expect_line (alice, ":confab.local 903 * :SASL authentication successful");
  tls_send (alice, "NICK alice\r\nUSER a 0 * :Alice\r\nCAP END\r\n");
  expect_until (alice, " 001 alice ");
  confab_test_client_send_line (bob, "alice: hello, certificate");
  expect_until (alice, ":bob!bob@confab PRIVMSG alice :hello, certificate");
  login = peer_login (fx, "alice");
  g_assert_cmpstr (login, ==, "alice/certificate");
  g_assert_cmpuint (get_counter (fx, "auth_failures"), ==, 3);
}

static void
test_plain_tcp (Fixture      *fx,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) irc = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("On plain TCP no sasl is offered, a request for it is refused and AUTHENTICATE "
                  "gets 904: a password never crosses the network in clear");

  start_daemon (fx);
  irc = confab_test_client_new (fx->irc_tcp_port);
  confab_test_client_send_line (irc, "CAP LS 302");
  confab_test_client_expect_line (irc, ":confab.local CAP * LS :multi-prefix server-time message-tags echo-message\r");
  confab_test_client_send_line (irc, "CAP REQ sasl");
  confab_test_client_expect_line (irc, ":confab.local CAP * NAK :sasl\r");
  confab_test_client_send_line (irc, "AUTHENTICATE PLAIN");
  confab_test_client_expect_line (irc, ":confab.local 904 * :SASL authentication failed: sasl was not negotiated\r");
}

static void
test_certificate_logins (Fixture      *fx,
                         gconstpointer data)
{
  g_autoptr(TlsClient) alice = NULL;
  g_autofree char *login = NULL;
  g_autofree char *ca = g_build_filename (fx->tmp->path, "ca.pem", NULL);
  g_autofree char *cert = g_build_filename (fx->tmp->path, "alice.pem", NULL);
  g_autofree char *key = g_build_filename (fx->tmp->path, "alice.key", NULL);
  g_autofree char *mallory_cert = g_build_filename (fx->tmp->path, "mallory.pem", NULL);
  g_autofree char *mallory_key = g_build_filename (fx->tmp->path, "mallory.key", NULL);
  g_autofree char *address = NULL;
  g_autoptr(GError) error = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("Text and JSON logins with the client certificate alice's account lists need "
                  "no password, from a test client and from confab --cert; another certificate "
                  "is refused");

  start_daemon (fx);
  alice = tls_client_try_new_with_cert (fx->tmp->path, fx->tls_port, "ca", "alice", &error);
  g_assert_no_error (error);
  tls_send (alice, "alice\nalice: by certificate\n");
  tls_expect_line (alice, "from alice: by certificate");
  login = peer_login (fx, "alice");
  g_assert_cmpstr (login, ==, "alice/certificate");
  g_clear_pointer (&alice, tls_client_free);

  {
    g_autoptr(TlsClient) mallory = tls_client_try_new_with_cert (fx->tmp->path, fx->tls_port, "ca", "mallory",
                                                                  &error);

    g_assert_no_error (error);
    tls_send (mallory, "alice\n");
    tls_expect_line (mallory, "error: authentication failed");
  }
  {
    g_autoptr(TlsClient) json = tls_client_try_new_with_cert (fx->tmp->path, fx->tls_port, "ca", "alice", &error);
    g_autofree char *welcome = NULL;

    g_assert_no_error (error);
    tls_send (json, "{\"type\":\"login\",\"name\":\"alice\"}\n");
    welcome = tls_read_line (json);
    g_assert_nonnull (strstr (welcome, "\"type\":\"welcome\""));
  }

  /* The confab client, as a user runs it. alice's JSON login may still
   * be leaving: wait for her name to be free. */
  address = g_strdup_printf ("tls:localhost:%u", fx->tls_port);
  {
    g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (fx->port, "bob");
    const char * const args[] = { "--quiet", "--ca", ca, "--cert", cert, "--key", key, address, "alice", NULL };
    const char * const wrong[] = { "--ca", ca, "--cert", mallory_cert, "--key", mallory_key, address, "alice",
                                   NULL };
    g_autofree char   *err = NULL;

    wait_peer (fx, "alice", FALSE);
    g_assert_cmpint (confab_tls_test_run_client (args, "bob: from confab --cert\n", &err), ==, 0);
    g_assert_cmpstr (err, ==, "");
    confab_test_client_expect_line (bob, "from alice: from confab --cert");
    g_clear_pointer (&err, g_free);
    g_assert_cmpint (confab_tls_test_run_client (wrong, "bob: never\n", &err), ==, 1);
    g_assert_nonnull (strstr (err, "authentication failed"));
    confab_test_client_sync (bob, "bob");
  }
}

/* Between fork and exec: WeeChat dies with the test, even when a failed
 * assertion aborts it. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

/* Runs weechat-headless connecting to confabd's ircs: port with
 * @settings (its irc.server.confab options), until @name is logged in;
 * @login is then how (peer_login()), and WeeChat is stopped by its PID.
 * Its log of the server buffer is returned. */
static char *
run_weechat (Fixture    *fx,
             const char *dir_name,
             const char *settings,
             const char *name,
             char      **login)
{
  g_autofree char *dir = g_build_filename (fx->tmp->path, dir_name, NULL);
  g_autofree char *output = g_strconcat (dir, ".out", NULL);
  g_autofree char *log = g_build_filename (dir, "logs", "irc.server.confab.weechatlog", NULL);
  g_autofree char *commands = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) weechat = NULL;
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_cmpint (g_mkdir (dir, 0700), ==, 0);
  /* Only the irc and logger plugins; the log written at once. The
   * server's certificate is the test CA's, which WeeChat does not know:
   * what is tested is the login, not WeeChat's checking. */
  commands = g_strdup_printf ("/set logger.file.flush_delay 0;"
                              "/set irc.server_default.nicks whoever;"
                              "/set irc.server_default.username whoever;"
                              "/set irc.server_default.autoreconnect off;"
                              "/server add confab 127.0.0.1/%u -ssl;"
                              "/set irc.server.confab.ssl_verify off;%s;/connect confab",
                              fx->irc_port, settings);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_stdout_file_path (launcher, output);
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  g_subprocess_launcher_unsetenv (launcher, "TMUX");
  {
    const char * const argv[] = { "weechat-headless", "--dir", dir, "--stdout", "--no-connect",
                                  "--plugins", "irc,logger", "--run-command", commands, NULL };

    weechat = g_subprocess_launcher_spawnv (launcher, argv, &error);
  }
  g_assert_no_error (error);
  wait_peer (fx, name, TRUE);
  *login = peer_login (fx, name);
  /* confabd has taken the name; WeeChat shows 001 a moment later. */
  for (guint i = 0; i < 200; i++)
    {
      g_clear_pointer (&text, g_free);
      if (g_file_get_contents (log, &text, NULL, NULL) && strstr (text, "Welcome to confab") != NULL)
        break;
      g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
  g_subprocess_send_signal (weechat, SIGKILL);
  g_subprocess_wait (weechat, NULL, NULL);
  g_assert_nonnull (text);
  g_test_message ("---- %s ----\n%s", log, text);
  return text;
}

static void
test_weechat (Fixture      *fx,
              gconstpointer data)
{
  g_autofree char *program = g_find_program_in_path ("weechat-headless");
  g_autofree char *cert = g_build_filename (fx->tmp->path, "alice.pem", NULL);
  g_autofree char *key = g_build_filename (fx->tmp->path, "alice.key", NULL);
  g_autofree char *both = g_build_filename (fx->tmp->path, "alice-with-key.pem", NULL);
  g_autofree char *cert_setting = NULL;
  g_autoptr(GError) error = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("WeeChat logs in with SASL PLAIN (nick whoever, account carol) and with SASL "
                  "EXTERNAL and alice's certificate; GetPeer says how");
  if (program == NULL)
    {
      g_test_skip ("weechat-headless is not installed");
      return;
    }

  start_daemon (fx);
  {
    g_autofree char *login = NULL;
    g_autofree char *log = run_weechat (fx, "weechat-plain",
                                        "/set irc.server.confab.sasl_mechanism plain;"
                                        "/set irc.server.confab.sasl_username carol;"
                                        "/set irc.server.confab.sasl_password \"battery staple\"",
                                        "carol", &login);

    g_assert_nonnull (strstr (log, "SASL authentication successful"));
    g_assert_nonnull (strstr (log, "Welcome to confab, carol!carol@confab"));
    g_assert_cmpstr (login, ==, "carol/password");
  }

  /* WeeChat takes the certificate and its key from one file. */
  {
    g_autofree char *cert_text = NULL;
    g_autofree char *key_text = NULL;
    g_autofree char *joined = NULL;

    g_file_get_contents (cert, &cert_text, NULL, &error);
    g_assert_no_error (error);
    g_file_get_contents (key, &key_text, NULL, &error);
    g_assert_no_error (error);
    joined = g_strconcat (cert_text, key_text, NULL);
    g_file_set_contents (both, joined, -1, &error);
    g_assert_no_error (error);
  }
  cert_setting = g_strdup_printf ("/set irc.server.confab.ssl_cert %s;"
                                  "/set irc.server.confab.sasl_mechanism external",
                                  both);
  {
    g_autofree char *login = NULL;
    g_autofree char *log = run_weechat (fx, "weechat-external", cert_setting, "alice", &login);

    g_assert_nonnull (strstr (log, "sasl=PLAIN,EXTERNAL"));
    g_assert_nonnull (strstr (log, "You are now logged in as alice"));
    g_assert_cmpstr (login, ==, "alice/certificate");
  }
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/sasl/plain", Fixture, NULL, fixture_setup, test_plain, fixture_teardown);
  g_test_add ("/sasl/external", Fixture, NULL, fixture_setup, test_external, fixture_teardown);
  g_test_add ("/sasl/plain-tcp", Fixture, NULL, fixture_setup, test_plain_tcp, fixture_teardown);
  g_test_add ("/sasl/certificate-logins", Fixture, NULL, fixture_setup, test_certificate_logins,
              fixture_teardown);
  g_test_add ("/sasl/weechat", Fixture, NULL, fixture_setup, test_weechat, fixture_teardown);

  status = g_test_run ();
  /* As in test-accounts.c: LeakSanitizer's exit-time tracer crashes on
   * GnuTLS's threads in this process; the daemon is checked as usual. */
  fflush (NULL);
  _exit (status);
}
