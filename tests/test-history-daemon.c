/* test-history-daemon.c: history and offline delivery end to end (SPEC §12).
 *
 * The real confabd with a history database in the test's directory,
 * accounts (alice and carol have passwords) and TLS from
 * confab-accounts-fixture.c; killed with SIGKILL and started again on the
 * same file.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "confab-accounts-fixture.h"

static void
history_setup (Fixture      *fx,
               gconstpointer data)
{
  fixture_setup (fx, NULL);
  if (fx->bus == NULL)
    return;
  fx->history_path = g_build_filename (fx->tmp->path, "history.db", NULL);
  rewrite_config (fx);
}

/* SIGKILL: nothing of the daemon's own shutdown runs. */
static void
kill_and_restart (Fixture *fx)
{
  confab_test_daemon_send_signal (fx->daemon, SIGKILL);
  confab_test_daemon_wait_exit (fx->daemon, WAIT_MS);
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  start_daemon (fx);
}

/* "history #tea TIME SENDER: text" without its time. */
static void
expect_history_line (ConfabTestClient *client,
                     const char       *room,
                     const char       *sender_and_text)
{
  g_autofree char *line = confab_test_client_read_line (client);
  g_autofree char *prefix = g_strdup_printf ("history %s ", room);
  const char      *rest;

  g_assert_true (g_str_has_prefix (line, prefix));
  rest = line + strlen (prefix);
  /* 2026-12-07T02:30:05Z */
  g_assert_cmpuint (strlen (rest), >, 21);
  g_assert_cmpint (rest[4], ==, '-');
  g_assert_cmpint (rest[10], ==, 'T');
  g_assert_cmpint (rest[19], ==, 'Z');
  g_assert_cmpstr (rest + 21, ==, sender_and_text);
}

static void
test_room_replay_after_kill (Fixture      *fx,
                             gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) dave = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A room's messages are replayed by /history, oldest first, after confabd was "
                  "killed with SIGKILL and started again on the same database");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");
  dave = confab_test_client_new_login (fx->port, "dave");
  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: bob");
  confab_test_client_send_line (dave, "/join #tea");
  confab_test_client_expect_line (dave, "join #tea: dave");
  confab_test_client_expect_line (dave, "members #tea: bob dave");
  confab_test_client_expect_line (bob, "join #tea: dave");
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *line = g_strdup_printf ("#tea: tea number %u", i);
      g_autofree char *seen = g_strdup_printf ("from bob in #tea: tea number %u", i);

      confab_test_client_send_line (bob, line);
      confab_test_client_expect_line (dave, seen);
    }
  confab_test_client_send_line (dave, "#tea: and a biscuit");
  confab_test_client_expect_line (bob, "from dave in #tea: and a biscuit");

  /* A query runs after every write queued before it: once it answers,
   * the four lines are committed. */
  confab_test_client_send_line (dave, "/history #tea 2");
  expect_history_line (dave, "#tea", "bob: tea number 3");
  expect_history_line (dave, "#tea", "dave: and a biscuit");
  confab_test_client_expect_line (dave, "history #tea: end");
  /* Answers keep the order of the requests, though history's comes
   * later: the line after waits for it (the confab client ends its
   * input with /peers and stops at its answer). */
  confab_test_client_send_raw (dave, "/history #tea 1\n/peers\n", strlen ("/history #tea 1\n/peers\n"));
  expect_history_line (dave, "#tea", "dave: and a biscuit");
  confab_test_client_expect_line (dave, "history #tea: end");
  confab_test_client_expect_line (dave, "peers: bob dave");

  g_clear_pointer (&bob, confab_test_client_free);
  g_clear_pointer (&dave, confab_test_client_free);
  kill_and_restart (fx);

  dave = confab_test_client_new_login (fx->port, "dave");
  confab_test_client_send_line (dave, "/join #tea");
  confab_test_client_expect_line (dave, "join #tea: dave");
  confab_test_client_expect_line (dave, "members #tea: dave");
  confab_test_client_send_line (dave, "/history #tea");
  expect_history_line (dave, "#tea", "bob: tea number 1");
  expect_history_line (dave, "#tea", "bob: tea number 2");
  expect_history_line (dave, "#tea", "bob: tea number 3");
  expect_history_line (dave, "#tea", "dave: and a biscuit");
  confab_test_client_expect_line (dave, "history #tea: end");

  /* Only members may read it; N must be a number; N is capped by
   * history_replay_max (5 here). */
  confab_test_client_send_line (dave, "/history #coffee");
  confab_test_client_expect_line (dave, "error: no such room: #coffee");
  confab_test_client_send_line (dave, "/history #tea lots");
  confab_test_client_expect_line (dave, "error: usage: /history #room [N]");
  for (guint i = 0; i < 4; i++)
    confab_test_client_send_line (dave, "#tea: more");
  confab_test_client_send_line (dave, "/history #tea 100");
  expect_history_line (dave, "#tea", "dave: and a biscuit");
  for (guint i = 0; i < 4; i++)
    expect_history_line (dave, "#tea", "dave: more");
  confab_test_client_expect_line (dave, "history #tea: end");

  /* The administrator's view: GetRoomHistory through confabctl. */
  {
    g_autofree char   *ctl = confab_test_program_path ("confabctl");
    const char * const text[] = { ctl, "--session", "history", "#tea", "2", NULL };
    const char * const json[] = { ctl, "--session", "--json", "history", "#tea", "1", NULL };
    const char * const bad[] = { ctl, "--session", "history", "tea", NULL };
    g_autofree char   *out = NULL;
    g_autofree char   *err = NULL;
    g_auto(GStrv) lines = NULL;

    g_assert_cmpint (confab_dbus_test_run (text, NULL, WAIT_MS, &out, &err), ==, 0);
    lines = g_strsplit (out, "\n", -1);
    g_assert_cmpuint (g_strv_length (lines), ==, 3);
    g_assert_true (g_str_has_suffix (lines[0], "Z dave: more"));
    g_assert_true (g_str_has_suffix (lines[1], "Z dave: more"));
    g_assert_cmpint (confab_dbus_test_run (json, NULL, WAIT_MS, &out, &err), ==, 0);
    g_assert_nonnull (strstr (out, "\"from\" : \"dave\""));
    g_assert_nonnull (strstr (out, "\"text\" : \"more\""));
    g_assert_cmpint (confab_dbus_test_run (bad, NULL, WAIT_MS, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "invalid room name: tea"));
  }
}

static void
test_offline_after_kill (Fixture      *fx,
                         gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A message to an account that is away is stored (“stored for carol”), survives "
                  "SIGKILL, is delivered at carol's next login and only once; a full box and a "
                  "name without an account are refused");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");
  confab_test_client_send_line (bob, "carol: are you there?");
  confab_test_client_expect_line (bob, "stored for carol");
  /* A look-alike of the account's name is the account. */
  confab_test_client_send_line (bob, "CAR0L, dave: second");
  confab_test_client_expect_line (bob, "error: no such peer: dave");
  confab_test_client_expect_line (bob, "stored for carol");
  confab_test_client_send_line (bob, "carol: third");
  confab_test_client_expect_line (bob, "error: offline messages full: carol");
  g_assert_cmpuint (get_counter (fx, "offline_stored"), ==, 2);
  g_assert_cmpuint (get_counter (fx, "offline_refused"), ==, 1);
  g_clear_pointer (&bob, confab_test_client_free);

  kill_and_restart (fx);
  {
    g_autoptr(TlsClient) carol = tls_login (fx, "carol battery staple\n");
    g_autofree char *first = tls_read_line (carol);
    g_autofree char *second = tls_read_line (carol);

    g_assert_true (g_str_has_prefix (first, "from bob (offline 20"));
    g_assert_true (g_str_has_suffix (first, "Z): are you there?"));
    g_assert_true (g_str_has_suffix (second, "Z): second"));
    tls_send (carol, "carol: sync\n");
    tls_expect_line (carol, "from carol: sync");
  }
  {
    /* Delivered once: the next login finds none. */
    g_autoptr(TlsClient) carol = NULL;

    wait_peer (fx, "carol", FALSE);
    carol = tls_login (fx, "carol battery staple\ncarol: sync again\n");
    tls_expect_line (carol, "from carol: sync again");
  }
  /* Forgotten once delivered: counted by the store that did it. */
  for (guint i = 0; i < 100 && get_counter (fx, "offline_delivered") < 2; i++)
    g_usleep (50 * G_TIME_SPAN_MILLISECOND);
  g_assert_cmpuint (get_counter (fx, "offline_delivered"), ==, 2);
}

static void
test_json (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(ConfabTestClient) json = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autofree char *line = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("JSON: a history request's frames, the end frame, a stored frame, and an "
                  "offline message marked offline");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");
  json = confab_test_client_new (fx->port);
  confab_test_client_send_line (json, "{\"type\":\"login\",\"name\":\"erin\"}");
  g_free (confab_test_client_read_line (json));
  confab_test_client_send_line (json, "{\"type\":\"join\",\"room\":\"#tea\"}");
  g_free (confab_test_client_read_line (json));
  g_free (confab_test_client_read_line (json));
  confab_test_client_send_line (json, "{\"type\":\"message\",\"to\":[\"#tea\"],\"text\":\"hello\"}");
  confab_test_client_send_line (json, "{\"type\":\"history\",\"room\":\"#tea\",\"limit\":1}");
  line = confab_test_client_read_line (json);
  g_assert_nonnull (strstr (line, "\"type\":\"history\""));
  g_assert_nonnull (strstr (line, "\"from\":\"erin\""));
  g_assert_nonnull (strstr (line, "\"text\":\"hello\""));
  g_assert_nonnull (strstr (line, "\"time\":"));
  g_clear_pointer (&line, g_free);
  confab_test_client_expect_line (json, "{\"type\":\"history-end\",\"room\":\"#tea\"}");
  confab_test_client_send_line (json, "{\"type\":\"history\",\"room\":\"#tea\",\"limit\":0}");
  line = confab_test_client_read_line (json);
  g_assert_nonnull (strstr (line, "'limit' must be a positive integer"));
  g_clear_pointer (&line, g_free);

  confab_test_client_send_line (json, "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"later\"}");
  confab_test_client_expect_line (json, "{\"type\":\"stored\",\"name\":\"alice\"}");
  {
    g_autoptr(TlsClient) alice = tls_login (fx, "{\"type\":\"login\",\"name\":\"alice\",\"password\":\"correct "
                                                 "horse\"}\n");
    g_autofree char *welcome = tls_read_line (alice);
    g_autofree char *offline = tls_read_line (alice);

    g_assert_nonnull (strstr (welcome, "\"type\":\"welcome\""));
    g_assert_nonnull (strstr (offline, "\"type\":\"message\""));
    g_assert_nonnull (strstr (offline, "\"from\":\"erin\""));
    g_assert_nonnull (strstr (offline, "\"text\":\"later\""));
    g_assert_nonnull (strstr (offline, "\"offline\":true"));
  }
}

/* Reads IRC lines until one holds @needle (bounded); returns it. */
static char *
irc_read_until (ConfabTestClient *irc,
                const char       *needle)
{
  for (guint i = 0; i < 64; i++)
    {
      char *line = confab_test_client_read_line (irc);

      if (strstr (line, needle) != NULL)
        return line;
      g_free (line);
    }
  g_assert_not_reached ();
}

static void
test_irc_chathistory (Fixture      *fx,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) irc = NULL;
  g_autofree char *line = NULL;
  g_autofree char *second_msgid = NULL;
  const char      *at;

  if (fx->bus == NULL)
    return;
  g_test_summary ("IRCv3 draft/chathistory: offered with batch and CHATHISTORY in ISUPPORT; "
                  "LATEST in a chathistory batch with time and msgid tags; BEFORE a msgid; "
                  "FAIL for a channel one is not in and for a bad reference");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");
  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: bob");
  for (guint i = 1; i <= 3; i++)
    {
      g_autofree char *said = g_strdup_printf ("#tea: pot %u", i);

      confab_test_client_send_line (bob, said);
    }
  /* Answered after the three are committed. */
  confab_test_client_send_line (bob, "/history #tea 1");
  expect_history_line (bob, "#tea", "bob: pot 3");
  confab_test_client_expect_line (bob, "history #tea: end");

  irc = confab_test_client_new (fx->irc_tcp_port);
  confab_test_client_send_line (irc, "CAP LS 302");
  g_free (irc_read_until (irc, "batch draft/chathistory"));
  confab_test_client_send_line (irc, "CAP REQ :batch draft/chathistory server-time message-tags");
  g_free (irc_read_until (irc, "ACK"));
  confab_test_client_send_line (irc, "NICK ircy");
  confab_test_client_send_line (irc, "USER ircy 0 * :I");
  confab_test_client_send_line (irc, "CAP END");
  g_free (irc_read_until (irc, "CHATHISTORY=5 MSGREFTYPES=msgid,timestamp"));
  confab_test_client_send_line (irc, "JOIN #tea");
  g_free (irc_read_until (irc, " 366 "));

  confab_test_client_send_line (irc, "CHATHISTORY LATEST #tea * 2");
  confab_test_client_expect_line (irc, ":confab.local BATCH +confab-history chathistory #tea\r");
  line = confab_test_client_read_line (irc);
  g_assert_true (g_str_has_prefix (line, "@batch=confab-history;time=20"));
  g_assert_true (g_str_has_suffix (line, " :bob!bob@confab PRIVMSG #tea :pot 2\r"));
  g_clear_pointer (&line, g_free);
  line = confab_test_client_read_line (irc);
  g_assert_true (g_str_has_suffix (line, " :bob!bob@confab PRIVMSG #tea :pot 3\r"));
  at = strstr (line, ";msgid=");
  g_assert_nonnull (at);
  second_msgid = g_strndup (at + strlen (";msgid="), strcspn (at + strlen (";msgid="), " "));
  g_clear_pointer (&line, g_free);
  confab_test_client_expect_line (irc, ":confab.local BATCH -confab-history\r");

  {
    g_autofree char *before = g_strdup_printf ("CHATHISTORY BEFORE #tea msgid=%s 1", second_msgid);

    confab_test_client_send_line (irc, before);
  }
  confab_test_client_expect_line (irc, ":confab.local BATCH +confab-history chathistory #tea\r");
  line = confab_test_client_read_line (irc);
  g_assert_true (g_str_has_suffix (line, " :bob!bob@confab PRIVMSG #tea :pot 2\r"));
  g_clear_pointer (&line, g_free);
  confab_test_client_expect_line (irc, ":confab.local BATCH -confab-history\r");

  confab_test_client_send_line (irc, "CHATHISTORY LATEST #coffee * 2");
  confab_test_client_expect_line (irc, ":confab.local FAIL CHATHISTORY INVALID_TARGET #coffee :You are not on that channel\r");
  confab_test_client_send_line (irc, "CHATHISTORY BEFORE #tea * 2");
  confab_test_client_expect_line (irc, ":confab.local FAIL CHATHISTORY INVALID_PARAMS * :Invalid message reference\r");
  confab_test_client_send_line (irc, "CHATHISTORY AROUND #tea * 2");
  confab_test_client_expect_line (irc, ":confab.local FAIL CHATHISTORY INVALID_PARAMS AROUND :Only LATEST, BEFORE and "
                                       "AFTER are supported\r");
}

/* The same from a real IRC library: tests/irc/chathistory-client.py. */
static void
test_irc_chathistory_library (Fixture      *fx,
                              gconstpointer data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "irc", "chathistory-client.py", NULL);
  g_autofree char *irc_port = NULL;
  g_autofree char *text_port = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int              status;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A python3-irc client asks for draft/chathistory after registering and reads "
                  "LATEST, BEFORE and AFTER batches with time and msgid tags, a FAIL, and a live "
                  "message's server-time");

  start_daemon (fx);
  irc_port = g_strdup_printf ("%u", fx->irc_tcp_port);
  text_port = g_strdup_printf ("%u", fx->port);
  {
    const char * const argv[] = { "/usr/bin/python3", script, irc_port, text_port, NULL };

    status = confab_dbus_test_run (argv, NULL, 2 * WAIT_MS, &out, &err);
  }
  if (status == 77)
    confab_test_fail ("python3-irc is not installed (tools/install-deps installs it)");
  if (status != 0)
    confab_test_fail ("chathistory-client.py exited with %d:\n%s%s", status, out, err);
  g_assert_nonnull (strstr (out, "ok AFTER a msgid\n"));
  g_assert_nonnull (strstr (out, "ok done\n"));
}

static void
test_unavailable (Fixture      *fx,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *log = NULL;

  if (fx->bus == NULL)
    return;
  g_test_summary ("A database file that is not one: confabd logs it, leaves the file alone and "
                  "chats on; /history says history is unavailable; a message to an account that "
                  "is away is refused as before");

  g_file_set_contents (fx->history_path, "this is not a database, it is a shopping list\n", -1, &error);
  g_assert_no_error (error);
  start_daemon (fx);
  confab_test_daemon_wait_for_log (fx->daemon, 0, "History is off", WAIT_MS);
  bob = confab_test_client_new_login (fx->port, "bob");
  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: bob");
  confab_test_client_send_line (bob, "#tea: still chatting");
  confab_test_client_sync (bob, "bob");
  confab_test_client_send_line (bob, "/history #tea");
  confab_test_client_expect_line (bob, "error: history unavailable: this server keeps none");
  confab_test_client_send_line (bob, "carol: hello?");
  confab_test_client_expect_line (bob, "error: no such peer: carol");
  {
    g_autoptr(GVariant) stats = confab_dbus_test_call_manager (fx->connection, "GetStatistics", NULL);
    gboolean history = TRUE;

    g_assert_true (g_variant_lookup (stats, "history", "b", &history));
    g_assert_false (history);
  }
  {
    g_autofree char *contents = NULL;

    g_file_get_contents (fx->history_path, &contents, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (contents, ==, "this is not a database, it is a shopping list\n");
  }
}

/* SIGHUP reads the accounts file again; history must outlive that. */
static void
test_after_reload (Fixture      *fx,
                   gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;
  gsize offset;

  if (fx->bus == NULL)
    return;
  g_test_summary ("After SIGHUP (which reloads the accounts) rooms are still recorded and "
                  "/history still answers");

  start_daemon (fx);
  bob = confab_test_client_new_login (fx->port, "bob");
  confab_test_client_send_line (bob, "/join #tea");
  confab_test_client_expect_line (bob, "join #tea: bob");
  confab_test_client_expect_line (bob, "members #tea: bob");
  confab_test_client_send_line (bob, "#tea: before the reload");
  offset = confab_test_daemon_get_log_length (fx->daemon);
  confab_test_daemon_send_signal (fx->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (fx->daemon, offset, "Reloaded configuration", WAIT_MS);
  confab_test_client_send_line (bob, "#tea: after the reload");
  confab_test_client_send_line (bob, "/history #tea");
  expect_history_line (bob, "#tea", "bob: before the reload");
  expect_history_line (bob, "#tea", "bob: after the reload");
  confab_test_client_expect_line (bob, "history #tea: end");
}

int
main (int   argc,
      char *argv[])
{
  int status;

  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/history/room-replay-after-kill", Fixture, NULL, history_setup, test_room_replay_after_kill,
              fixture_teardown);
  g_test_add ("/history/offline-after-kill", Fixture, NULL, history_setup, test_offline_after_kill,
              fixture_teardown);
  g_test_add ("/history/json", Fixture, NULL, history_setup, test_json, fixture_teardown);
  g_test_add ("/history/irc-chathistory", Fixture, NULL, history_setup, test_irc_chathistory, fixture_teardown);
  g_test_add ("/history/irc-chathistory-library", Fixture, NULL, history_setup, test_irc_chathistory_library,
              fixture_teardown);
  g_test_add ("/history/after-reload", Fixture, NULL, history_setup, test_after_reload, fixture_teardown);
  g_test_add ("/history/unavailable", Fixture, NULL, history_setup, test_unavailable, fixture_teardown);

  status = g_test_run ();
  /* As in test-accounts.c: LeakSanitizer's exit-time tracer crashes on
   * GnuTLS's threads in this process; the daemon is checked as usual. */
  fflush (NULL);
  _exit (status);
}
