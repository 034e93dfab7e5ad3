/* test-irc-daemon.c: the IRC front door (SPEC §10) against the real
 * confabd, over raw sockets: the bad input and the registration paths a
 * client library never takes (overlong lines, NUL and CR inside a line, a
 * flood of JOINs, a registration that never ends), checked line by line
 * against docs/protocol.md.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-test-util.h"

#define SERVER ":confab.local"

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;     /* text and JSON */
  guint16           irc_port; /* IRC */
} Fixture;

static const char * const join_flood_config[] = { "rooms_per_peer_max", "3", NULL };
static const char * const login_timeout_config[] = { "login_timeout_sec", "1", NULL };

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  static const char * const no_keys[] = { NULL };
  static const char * const irc_door[] = { "--listen", "irc:127.0.0.1:0", NULL };

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, data != NULL ? data : no_keys);
  f->daemon = confab_test_daemon_start (f->config_path, irc_door, 0);
  f->port = confab_test_daemon_get_port (f->daemon);
  confab_test_daemon_wait_for_log (f->daemon, 0, "Listening on irc:", 10000);
  f->irc_port = confab_test_daemon_get_scheme_port (f->daemon, "irc");
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  if (!confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);
  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

/* ---- an IRC client on a raw socket --------------------------------------- */

/* Sends @line and the CR LF that ends it. */
static void
irc_send (ConfabTestClient *client,
          const char       *line)
{
  g_autofree char *crlf = g_strconcat (line, "\r\n", NULL);

  confab_test_client_send_raw (client, crlf, strlen (crlf));
}

/* The next line, which must end in CR LF, without it. */
#define irc_read_line(c) irc_read_line_at ((c), G_STRLOC)
static char *
irc_read_line_at (ConfabTestClient *client,
                  const char       *strloc)
{
  g_autofree char *line = confab_test_client_read_line_at (client, strloc);
  gsize            len;

  if (line == NULL)
    confab_test_fail_at (strloc, G_STRFUNC, "the server closed the connection; an IRC line was expected");
  len = strlen (line);
  if (len == 0 || line[len - 1] != '\r')
    confab_test_fail_at (strloc, G_STRFUNC, "not ended by CR LF: “%s”", line);
  line[len - 1] = '\0';
  return g_steal_pointer (&line);
}

/* Reads the next line and asserts it is @expected. */
#define irc_expect(c, expected) irc_expect_at ((c), (expected), G_STRLOC)
static void
irc_expect_at (ConfabTestClient *client,
               const char       *expected,
               const char       *strloc)
{
  g_autofree char *line = irc_read_line_at (client, strloc);

  if (!g_str_equal (line, expected))
    confab_test_fail_at (strloc, G_STRFUNC, "expected “%s”, got “%s”", expected, line);
}

/* Round trip: every line sent before was handled, and nothing but the
 * PONG came back since what was read last. */
#define irc_sync(c, token) irc_sync_at ((c), (token), G_STRLOC)
static void
irc_sync_at (ConfabTestClient *client,
             const char       *token,
             const char       *strloc)
{
  g_autofree char *ping = g_strdup_printf ("PING %s", token);
  g_autofree char *pong = g_strdup_printf (SERVER " PONG confab.local :%s", token);

  irc_send (client, ping);
  irc_expect_at (client, pong, strloc);
}

/* Reads the rest of the welcome after 001: 002 to 005, LUSERS and 422.
 * Returns: (transfer full): the 005 line */
static char *
irc_read_welcome (ConfabTestClient *client,
                  const char       *nick)
{
  static const char * const rest[] = { "002", "003", "004", "005", "251", "254", "255", "422" };
  g_autofree char          *isupport = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (rest); i++)
    {
      g_autofree char *line = irc_read_line (client);
      g_autofree char *head = g_strdup_printf (SERVER " %s %s ", rest[i], nick);

      if (!g_str_has_prefix (line, head))
        confab_test_fail ("welcome: expected “%s…”, got “%s”", head, line);
      if (g_str_equal (rest[i], "005"))
        isupport = g_steal_pointer (&line);
    }
  return g_steal_pointer (&isupport);
}

/* Expects 001 for @nick and the rest of the welcome. */
static void
irc_expect_welcome (ConfabTestClient *client,
                    const char       *nick)
{
  g_autofree char *welcome = g_strdup_printf (SERVER " 001 %s :Welcome to confab, %s!%s@confab",
                                              nick, nick, nick);

  irc_expect (client, welcome);
  g_free (irc_read_welcome (client, nick));
}

/* Connects and registers as @nick with NICK and USER. */
static ConfabTestClient *
irc_register (guint16     port,
              const char *nick)
{
  ConfabTestClient *client = confab_test_client_new (port);
  g_autofree char  *nick_line = g_strdup_printf ("NICK %s", nick);
  g_autofree char  *user_line = g_strdup_printf ("USER %s 0 * :%s", nick, nick);

  irc_send (client, nick_line);
  irc_send (client, user_line);
  irc_expect_welcome (client, nick);
  return client;
}

/* ---- lines over 512 bytes ------------------------------------------------- */

/* "PRIVMSG bob :xxx…" of exactly @len bytes (CR LF not counted). */
static char *
privmsg_of_length (const char *target,
                   gsize       len)
{
  g_autoptr(GString) line = g_string_new (NULL);

  g_string_printf (line, "PRIVMSG %s :", target);
  g_assert_cmpuint (line->len, <, len);
  while (line->len < len)
    g_string_append_c (line, 'x');
  return g_string_free (g_steal_pointer (&line), FALSE);
}

static void
test_line_too_long (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(ConfabTestClient) alice = irc_register (f->irc_port, "alice");
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autofree char *longest = privmsg_of_length ("bob", 510);
  g_autofree char *one_more = privmsg_of_length ("bob", 511);
  g_autofree char *past_line_max = privmsg_of_length ("bob", 5000);
  g_autofree char *tagged = NULL;
  g_autofree char *expected = NULL;

  g_test_summary ("512 bytes with CR LF, tags aside, is the longest IRC line: one byte "
                  "more gets 417 and the connection stays; past line_max_bytes (4096) "
                  "the server sends ERROR and closes, as docs/protocol.md says");

  /* 510 bytes and CR LF: delivered whole. */
  irc_send (alice, longest);
  expected = g_strdup_printf ("from alice: %s", longest + strlen ("PRIVMSG bob :"));
  confab_test_client_expect_line (bob, expected);

  /* 511: refused, nothing delivered, and the connection goes on. */
  irc_send (alice, one_more);
  irc_expect (alice, SERVER " 417 alice :Input line was too long");
  irc_sync (alice, "after-417");
  confab_test_client_sync (bob, "bob");

  /* Tags do not count against the 512 bytes. */
  tagged = g_strdup_printf ("@+example.org/pad=%0*d %s", 1000, 0, longest);
  irc_send (alice, tagged);
  confab_test_client_expect_line (bob, expected);

  /* Past line_max_bytes the line is not even framed: ERROR, then the
   * close, and the nick is free at once. */
  irc_send (alice, past_line_max);
  irc_expect (alice, "ERROR :line too long (limit 4096 bytes)");
  confab_test_client_expect_eof (alice);
  confab_test_client_sync (bob, "bob");
  carol = irc_register (f->irc_port, "alice");
}

/* ---- NUL and CR inside a line --------------------------------------------- */

static void
test_nul_and_cr (Fixture      *f,
                 gconstpointer data)
{
  static const char nul_line[] = "PRIVMSG bob :before\0after\r\n";
  static const char cr_line[] = "PRIVMSG bob :before\rafter\r\n";
  static const char nul_nick[] = "NICK ali\0ce\r\n";
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(ConfabTestClient) alice = confab_test_client_new (f->irc_port);

  g_test_summary ("A NUL or a CR inside an IRC line is refused with a server NOTICE, "
                  "before and after registration; nothing of the line is delivered and "
                  "the connection stays usable");

  /* Before registration: refused, and registration still works. */
  confab_test_client_send_raw (alice, nul_nick, sizeof nul_nick - 1);
  irc_expect (alice, SERVER " NOTICE * :line contains NUL, CR or LF");
  irc_send (alice, "NICK alice");
  irc_send (alice, "USER alice 0 * :Alice");
  irc_expect_welcome (alice, "alice");

  confab_test_client_send_raw (alice, nul_line, sizeof nul_line - 1);
  irc_expect (alice, SERVER " NOTICE alice :line contains NUL, CR or LF");
  confab_test_client_send_raw (alice, cr_line, sizeof cr_line - 1);
  irc_expect (alice, SERVER " NOTICE alice :line contains NUL, CR or LF");
  irc_sync (alice, "after-nul-and-cr");
  confab_test_client_sync (bob, "bob");

  irc_send (alice, "PRIVMSG bob :still here");
  confab_test_client_expect_line (bob, "from alice: still here");
}

/* ---- a flood of JOINs --------------------------------------------------- */

#define JOIN_FLOOD_LINES 200

static void
test_join_flood (Fixture      *f,
                 gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(GString) flood = g_string_new (NULL);
  g_autofree char *isupport = NULL;

  g_test_summary ("JOINs past rooms_per_peer_max (3 here, CHANLIMIT=#:3 in 005) are each "
                  "refused with 405 ERR_TOOMANYCHANNELS, in one write or several; the "
                  "connection stays usable and a part makes room for one more");

  irc_send (alice, "NICK alice");
  irc_send (alice, "USER alice 0 * :Alice");
  irc_expect (alice, SERVER " 001 alice :Welcome to confab, alice!alice@confab");
  isupport = irc_read_welcome (alice, "alice");
  g_assert_nonnull (strstr (isupport, " CHANLIMIT=#:3 "));

  /* One line joining two, then a flood of single JOINs in one write. */
  irc_send (alice, "JOIN #r0,#r1");
  for (guint i = 2; i < JOIN_FLOOD_LINES; i++)
    g_string_append_printf (flood, "JOIN #r%u\r\n", i);
  confab_test_client_send_raw (alice, flood->str, flood->len);

  for (guint i = 0; i < JOIN_FLOOD_LINES; i++)
    {
      g_autofree char *line = NULL;

      if (i < 3)
        {
          g_autofree char *join = g_strdup_printf (":alice!alice@confab JOIN #r%u", i);
          g_autofree char *names = g_strdup_printf (SERVER " 353 alice = #r%u :@alice", i);
          g_autofree char *end = g_strdup_printf (SERVER " 366 alice #r%u :End of /NAMES list", i);

          irc_expect (alice, join);
          irc_expect (alice, names);
          irc_expect (alice, end);
          continue;
        }
      line = g_strdup_printf (SERVER " 405 alice #r%u :too many rooms joined (limit 3)", i);
      irc_expect (alice, line);
    }
  irc_sync (alice, "after-flood");

  confab_test_client_send_line (bob, "/rooms");
  confab_test_client_expect_line (bob, "rooms: #r0 #r1 #r2");

  /* Still usable: a part frees a place. */
  irc_send (alice, "PART #r0");
  irc_expect (alice, ":alice!alice@confab PART #r0");
  irc_send (alice, "JOIN #r3");
  irc_expect (alice, ":alice!alice@confab JOIN #r3");
  irc_expect (alice, SERVER " 353 alice = #r3 :@alice");
  irc_expect (alice, SERVER " 366 alice #r3 :End of /NAMES list");
  irc_send (alice, "JOIN #r4");
  irc_expect (alice, SERVER " 405 alice #r4 :too many rooms joined (limit 3)");
  confab_test_client_send_line (bob, "/rooms");
  confab_test_client_expect_line (bob, "rooms: #r1 #r2 #r3");
}

/* ---- registration ----------------------------------------------------- */

static void
test_login_timeout (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(ConfabTestClient) silent = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) nick_only = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) no_cap_end = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) alice = NULL;

  g_test_summary ("A registration that never ends (nothing sent, NICK without USER, or "
                  "CAP LS 302 without CAP END) is closed at login_timeout_sec with "
                  "ERROR :login timeout; without CAP END there is no 001 before it");

  irc_send (nick_only, "NICK alice");
  irc_send (no_cap_end, "CAP LS 302");
  irc_send (no_cap_end, "NICK carol");
  irc_send (no_cap_end, "USER carol 0 * :Carol");
  irc_expect (no_cap_end, SERVER " CAP * LS :multi-prefix server-time message-tags echo-message");

  /* The three time out together, one second after they connected. */
  irc_expect (silent, "ERROR :login timeout");
  confab_test_client_expect_eof (silent);
  irc_expect (nick_only, "ERROR :login timeout");
  confab_test_client_expect_eof (nick_only);
  irc_expect (no_cap_end, "ERROR :login timeout");
  confab_test_client_expect_eof (no_cap_end);

  /* Neither nick was taken meanwhile. */
  alice = irc_register (f->irc_port, "alice");
  g_clear_pointer (&alice, confab_test_client_free);
  alice = irc_register (f->irc_port, "carol");
}

static void
test_cap_end (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autofree char *line = NULL;

  g_test_summary ("After CAP LS 302, NICK and USER do not end registration: 001 comes "
                  "only with CAP END, and the capability taken (server-time) applies");

  irc_send (alice, "CAP LS 302");
  irc_send (alice, "NICK alice");
  irc_send (alice, "USER alice 0 * :Alice");
  irc_expect (alice, SERVER " CAP * LS :multi-prefix server-time message-tags echo-message");
  irc_sync (alice, "negotiating");
  irc_send (alice, "CAP REQ :server-time");
  irc_expect (alice, SERVER " CAP * ACK :server-time");
  irc_sync (alice, "still-negotiating");

  irc_send (alice, "CAP END");
  irc_expect_welcome (alice, "alice");

  confab_test_client_send_line (bob, "alice: timed");
  line = irc_read_line (alice);
  g_assert_true (g_str_has_prefix (line, "@time="));
  g_assert_true (g_str_has_suffix (line, "Z :bob!bob@confab PRIVMSG alice :timed"));
}

static void
test_nick_in_use (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(ConfabTestClient) irc = confab_test_client_new (f->irc_port);

  g_test_summary ("NICK of a name a text peer holds is answered with 433 at once, in any "
                  "spelling (case, NFKC); another nick then registers");

  irc_send (irc, "NICK bob");
  irc_expect (irc, SERVER " 433 * bob :Nickname is already in use");
  irc_send (irc, "NICK BOB");
  irc_expect (irc, SERVER " 433 * BOB :Nickname is already in use");
  /* FULLWIDTH LATIN SMALL LETTER B, O, B: "bob" after NFKC. */
  irc_send (irc, "NICK \xef\xbd\x82\xef\xbd\x8f\xef\xbd\x82");
  irc_expect (irc, SERVER " 433 * \xef\xbd\x82\xef\xbd\x8f\xef\xbd\x82 :Nickname is already in use");
  irc_send (irc, "USER bob 0 * :Bob");
  irc_sync (irc, "no-nick-yet");

  irc_send (irc, "NICK bobby");
  irc_expect_welcome (irc, "bobby");
  irc_send (irc, "PRIVMSG bob :hello namesake");
  confab_test_client_expect_line (bob, "from bobby: hello namesake");
}

static void
test_nick_taken_meanwhile (Fixture      *f,
                           gconstpointer data)
{
  g_autoptr(ConfabTestClient) irc = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) text = NULL;

  g_test_summary ("A nick free at NICK but taken by a text peer before registration ends "
                  "is answered with 433 when USER would end it, as at NICK time; the "
                  "client then registers under another nick instead of being dropped");

  irc_send (irc, "NICK racer");
  irc_sync (irc, "nick-free");
  text = confab_test_client_new_login (f->port, "racer");

  irc_send (irc, "USER racer 0 * :Racer");
  irc_expect (irc, SERVER " 433 * racer :Nickname is already in use");
  irc_sync (irc, "still-registering");
  irc_send (irc, "NICK racer_");
  irc_expect_welcome (irc, "racer_");
  irc_send (irc, "PRIVMSG racer :you were first");
  confab_test_client_expect_line (text, "from racer_: you were first");
}

static void
test_not_registered (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(ConfabTestClient) alice = confab_test_client_new (f->irc_port);

  g_test_summary ("Before registration PRIVMSG and JOIN get 451 ERR_NOTREGISTERED and go "
                  "nowhere, PING is answered; registration then works as usual");

  irc_send (alice, "PRIVMSG bob :too early");
  irc_expect (alice, SERVER " 451 * :You have not registered");
  irc_send (alice, "JOIN #early");
  irc_expect (alice, SERVER " 451 * :You have not registered");
  irc_sync (alice, "early");
  confab_test_client_sync (bob, "bob");
  confab_test_client_send_line (bob, "/rooms");
  confab_test_client_expect_line (bob, "rooms:");

  irc_send (alice, "NICK alice");
  irc_send (alice, "USER alice 0 * :Alice");
  irc_expect_welcome (alice, "alice");
  irc_send (alice, "PRIVMSG bob :in time");
  confab_test_client_expect_line (bob, "from alice: in time");
}

static void
test_ping (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = confab_test_client_new (f->irc_port);

  g_test_summary ("PING is answered with PONG before and after registration, PING "
                  "without a token with 409, and a PONG with nothing");

  irc_send (alice, "PING :before registration");
  irc_expect (alice, SERVER " PONG confab.local :before registration");
  irc_send (alice, "NICK alice");
  irc_send (alice, "USER alice 0 * :Alice");
  irc_expect_welcome (alice, "alice");

  irc_send (alice, "PING");
  irc_expect (alice, SERVER " 409 alice :No origin specified");
  irc_send (alice, "PONG confab.local :unasked");
  irc_send (alice, "ping lower-case");
  irc_expect (alice, SERVER " PONG confab.local :lower-case");
}

static void
test_quit (Fixture      *f,
           gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(ConfabTestClient) early = confab_test_client_new (f->irc_port);
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) again = NULL;

  g_test_summary ("QUIT, before or after registration, is answered with ERROR :Closing "
                  "link (quit) and a close; a room's members see the part and the nick "
                  "is free again");

  irc_send (early, "NICK early");
  irc_send (early, "QUIT :changed my mind");
  irc_expect (early, "ERROR :Closing link (quit)");
  confab_test_client_expect_eof (early);

  alice = irc_register (f->irc_port, "alice");
  irc_send (alice, "JOIN #tea");
  irc_expect (alice, ":alice!alice@confab JOIN #tea");
  irc_expect (alice, SERVER " 353 alice = #tea :@alice");
  irc_expect (alice, SERVER " 366 alice #tea :End of /NAMES list");
  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: alice bob");
  irc_expect (alice, ":bob!bob@confab JOIN #tea");

  irc_send (alice, "QUIT :going home");
  irc_expect (alice, "ERROR :Closing link (quit)");
  confab_test_client_expect_eof (alice);
  confab_test_client_expect_line (bob, "part #tea: alice");

  again = irc_register (f->irc_port, "alice");
  g_clear_pointer (&early, confab_test_client_free);
  early = irc_register (f->irc_port, "early");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/irc-daemon/input/line-too-long", Fixture, NULL,
              fixture_setup, test_line_too_long, fixture_teardown);
  g_test_add ("/irc-daemon/input/nul-and-cr", Fixture, NULL,
              fixture_setup, test_nul_and_cr, fixture_teardown);
  g_test_add ("/irc-daemon/limits/join-flood", Fixture, join_flood_config,
              fixture_setup, test_join_flood, fixture_teardown);
  g_test_add ("/irc-daemon/registration/login-timeout", Fixture, login_timeout_config,
              fixture_setup, test_login_timeout, fixture_teardown);
  g_test_add ("/irc-daemon/registration/cap-end", Fixture, NULL,
              fixture_setup, test_cap_end, fixture_teardown);
  g_test_add ("/irc-daemon/registration/nick-in-use", Fixture, NULL,
              fixture_setup, test_nick_in_use, fixture_teardown);
  g_test_add ("/irc-daemon/registration/nick-taken-meanwhile", Fixture, NULL,
              fixture_setup, test_nick_taken_meanwhile, fixture_teardown);
  g_test_add ("/irc-daemon/registration/not-registered", Fixture, NULL,
              fixture_setup, test_not_registered, fixture_teardown);
  g_test_add ("/irc-daemon/ping", Fixture, NULL,
              fixture_setup, test_ping, fixture_teardown);
  g_test_add ("/irc-daemon/quit", Fixture, NULL,
              fixture_setup, test_quit, fixture_teardown);

  return g_test_run ();
}
