/* test-irc-clients.c: real IRC clients (python3-irc, WeeChat, irssi)
 * against the real confabd, beside text and JSON peers on real sockets.
 *
 * Each test starts confabd with an irc: listener on 127.0.0.1:0. The
 * WeeChat and irssi tests play one scenario: a raw-socket IRC peer
 * creates a channel (and so is its operator), a text peer and a JSON peer
 * join it; the client joins, talks to the channel and to each peer, is
 * talked to by each, and is kicked by the operator. What the client sent
 * is checked on the peers' sockets; what it received, in what the client
 * shows: WeeChat's logger files, irssi's screen (a tmux pane).
 *
 * Every program is started by the test, its PID known, and stopped by
 * that PID if it does not end when asked; every wait has a deadline.
 * A test skips only when its program is not installed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "confab-test-util.h"

#define ROOM    "#tearoom"
#define WAIT_MS 20000 /* any one thing a client or peer is waited for */
#define POLL_MS 50    /* how often files and panes are looked at */

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;     /* text and JSON */
  guint16           irc_port; /* IRC */
} Fixture;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  static const char * const irc_door[] = { "--listen", "irc:127.0.0.1:0", NULL };

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, NULL);
  f->daemon = confab_test_daemon_start (f->config_path, irc_door, 0);
  f->port = confab_test_daemon_get_port (f->daemon);
  confab_test_daemon_wait_for_log (f->daemon, 0, "Listening on irc:", 10000);
  f->irc_port = confab_test_daemon_get_scheme_port (f->daemon, "irc");
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  /* Asserts a clean exit: the daemon survived whatever the clients did. */
  if (f->daemon != NULL && !confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);
  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  g_clear_pointer (&f->config_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

static gint64
deadline_in (guint timeout_ms)
{
  return g_get_monotonic_time () + (gint64) confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;
}

/* ---- programs ------------------------------------------------------------ */

/* Between fork and exec: a program the test started dies with it, even
 * when a failed assertion aborts the test. */
static void
child_setup (gpointer user_data)
{
  prctl (PR_SET_PDEATHSIG, SIGKILL);
}

static GSubprocessLauncher *
launcher_new (GSubprocessFlags flags)
{
  GSubprocessLauncher *launcher = g_subprocess_launcher_new (flags);

  g_subprocess_launcher_set_stdin_file_path (launcher, "/dev/null");
  g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
  /* Not inside whatever tmux the tests may have been started from. */
  g_subprocess_launcher_unsetenv (launcher, "TMUX");
  return launcher;
}

/* Starts @argv with its output (stdout and stderr) in the file @log_path. */
static GSubprocess *
spawn_logged (const char * const *argv,
              const char         *log_path)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GError) error = NULL;
  GSubprocess *process;

  g_subprocess_launcher_set_stdout_file_path (launcher, log_path);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_test_message ("started %s (pid %s)", argv[0], g_subprocess_get_identifier (process));
  return process;
}

static void
waited_cb (GObject      *source,
           GAsyncResult *result,
           gpointer      user_data)
{
  gboolean *done = user_data;

  g_subprocess_wait_finish (G_SUBPROCESS (source), result, NULL);
  *done = TRUE;
}

static gboolean
flag_cb (gpointer user_data)
{
  gboolean *flag = user_data;

  *flag = TRUE;
  return G_SOURCE_REMOVE;
}

/* Waits for @process to exit, at most @timeout_ms (scaled); past that
 * kills it (SIGKILL, to its own PID) and reaps it.
 * Returns: TRUE if it exited on its own */
static gboolean
wait_or_kill (GSubprocess *process,
              guint        timeout_ms)
{
  gboolean done = FALSE;
  gboolean timed_out = FALSE;
  guint    timeout_id;

  g_subprocess_wait_async (process, NULL, waited_cb, &done);
  timeout_id = g_timeout_add (confab_test_timeout_ms (timeout_ms), flag_cb, &timed_out);
  while (!done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (done)
    {
      g_source_remove (timeout_id);
      return TRUE;
    }

  g_test_message ("pid %s did not exit within %u ms: killing it",
                  g_subprocess_get_identifier (process), confab_test_timeout_ms (timeout_ms));
  g_subprocess_force_exit (process);
  timed_out = FALSE;
  timeout_id = g_timeout_add (confab_test_timeout_ms (10000), flag_cb, &timed_out);
  while (!done)
    {
      /* The pending wait points into this frame: nothing to do but stop. */
      if (timed_out)
        g_error ("a child survived SIGKILL");
      g_main_context_iteration (NULL, TRUE);
    }
  g_source_remove (timeout_id);
  return FALSE;
}

typedef struct
{
  gboolean done;
  char    *output; /* (owned) */
} Communicated;

static void
communicated_cb (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  Communicated *c = user_data;

  g_subprocess_communicate_utf8_finish (G_SUBPROCESS (source), result, &c->output, NULL, NULL);
  c->done = TRUE;
}

/* Runs @argv to its end, at most @timeout_ms (scaled; then it is killed
 * by its PID and the test fails), with stdout and stderr in @output.
 * Returns: its exit status */
static int
run_program (const char * const *argv,
             guint               timeout_ms,
             char              **output)
{
  g_autoptr(GSubprocessLauncher) launcher = launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                                           G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  Communicated c = { FALSE, NULL };
  gboolean     timed_out = FALSE;
  guint        timeout_id;

  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_subprocess_communicate_utf8_async (process, NULL, NULL, communicated_cb, &c);
  timeout_id = g_timeout_add (confab_test_timeout_ms (timeout_ms), flag_cb, &timed_out);
  while (!c.done && !timed_out)
    g_main_context_iteration (NULL, TRUE);
  if (!c.done)
    {
      g_subprocess_force_exit (process);
      while (!c.done)
        g_main_context_iteration (NULL, TRUE);
      confab_test_fail ("%s did not finish within %u ms; killed it. Its output:\n%s",
                        argv[0], confab_test_timeout_ms (timeout_ms), c.output);
    }
  g_source_remove (timeout_id);
  /* communicate also waits for the exit */
  *output = c.output != NULL ? c.output : g_strdup ("");
  if (!g_subprocess_get_if_exited (process))
    confab_test_fail ("%s was killed by signal %d. Its output:\n%s",
                      argv[0], g_subprocess_get_term_sig (process), *output);
  return g_subprocess_get_exit_status (process);
}

/* Whether @pid is gone (or a zombie: it has exited, its parent has not
 * reaped it yet). */
static gboolean
pid_is_gone (GPid pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", (int) pid);
  g_autofree char *stat = NULL;
  const char      *paren;

  if (!g_file_get_contents (path, &stat, NULL, NULL))
    return TRUE;
  /* "PID (COMM) STATE ...": COMM may hold anything, the last ')' ends it. */
  paren = strrchr (stat, ')');
  return paren != NULL && paren[1] == ' ' && paren[2] == 'Z';
}

static gboolean
wait_pid_gone (GPid  pid,
               guint timeout_ms)
{
  gint64 deadline = deadline_in (timeout_ms);

  while (!pid_is_gone (pid))
    {
      if (g_get_monotonic_time () > deadline)
        return FALSE;
      g_usleep (POLL_MS * 1000);
    }
  return TRUE;
}

/* ---- polling what a client shows ------------------------------------------ */

/* Returns: (transfer full): @path's content, "" while it does not exist */
static char *
read_file (const char *path)
{
  char *text = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Waits until the file @path holds @needle. */
static void
wait_for_file_text (const char *path,
                    const char *needle)
{
  gint64 deadline = deadline_in (WAIT_MS);

  for (;;)
    {
      g_autofree char *text = read_file (path);

      if (strstr (text, needle) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *escaped = g_strescape (needle, NULL);

          confab_test_fail ("%s never held “%s”; it holds:\n%s", path, escaped, text);
        }
      g_usleep (POLL_MS * 1000);
    }
}

/* ---- the peers ------------------------------------------------------------ */

/* Reads lines until one is @expected (IRC lines: after dropping their CR),
 * skipping others: a real client's doings cause lines this test does not
 * care about. */
static void
wait_for_line (ConfabTestClient *client,
               const char       *who,
               const char       *expected)
{
  gint64 deadline = deadline_in (WAIT_MS);
  g_autoptr(GString) seen = g_string_new (NULL);

  for (;;)
    {
      gint64           left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      gboolean         eof = FALSE;
      g_autofree char *line = NULL;

      if (left <= 0)
        confab_test_fail ("%s never got “%s”; it got:\n%s", who, expected, seen->str);
      line = confab_test_client_try_read_line (client, left, &eof);
      if (line == NULL && eof)
        confab_test_fail ("%s's connection ended before “%s”; it got:\n%s", who, expected, seen->str);
      if (line == NULL)
        continue;
      if (g_str_has_suffix (line, "\r"))
        line[strlen (line) - 1] = '\0';
      if (g_str_equal (line, expected))
        return;
      g_string_append_printf (seen, "  %s\n", line);
    }
}

/* Whether @object's string members are as the NULL-terminated name/value
 * pairs in @pairs say ("-" as a value: the member must be absent). */
static gboolean
object_matches (JsonObject         *object,
                const char * const *pairs)
{
  for (guint i = 0; pairs[i] != NULL; i += 2)
    {
      JsonNode *node = json_object_get_member (object, pairs[i]);

      if (g_str_equal (pairs[i + 1], "-"))
        {
          if (node != NULL)
            return FALSE;
          continue;
        }
      if (node == NULL || !JSON_NODE_HOLDS_VALUE (node) ||
          json_node_get_value_type (node) != G_TYPE_STRING ||
          !g_str_equal (json_node_get_string (node), pairs[i + 1]))
        return FALSE;
    }
  return TRUE;
}

/* Reads JSON objects until one matches @pairs (as object_matches()). */
static void
wait_for_object (ConfabTestClient   *client,
                 const char * const *pairs)
{
  gint64 deadline = deadline_in (WAIT_MS);
  g_autoptr(GString) seen = g_string_new (NULL);

  for (;;)
    {
      gint64           left = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      gboolean         eof = FALSE;
      g_autofree char *line = NULL;
      g_autoptr(JsonParser) parser = json_parser_new ();
      g_autoptr(GError) error = NULL;
      JsonNode *root;

      if (left <= 0)
        confab_test_fail ("the JSON peer never got a %s object as expected; it got:\n%s",
                          pairs[1], seen->str);
      line = confab_test_client_try_read_line (client, left, &eof);
      if (line == NULL && eof)
        confab_test_fail ("the JSON peer's connection ended; it got:\n%s", seen->str);
      if (line == NULL)
        continue;
      g_string_append_printf (seen, "  %s\n", line);
      if (!json_parser_load_from_data (parser, line, -1, &error))
        confab_test_fail ("not JSON: %s (%s)", line, error->message);
      root = json_parser_get_root (parser);
      if (JSON_NODE_HOLDS_OBJECT (root) && object_matches (json_node_get_object (root), pairs))
        return;
    }
}

#define wait_for_json(client, ...) \
  G_STMT_START \
  { \
    const char * const pairs_[] = { __VA_ARGS__, NULL }; \
    wait_for_object ((client), pairs_); \
  } \
  G_STMT_END

static void
irc_send (ConfabTestClient *client,
          const char       *line)
{
  g_autofree char *crlf = g_strconcat (line, "\r\n", NULL);

  confab_test_client_send_raw (client, crlf, strlen (crlf));
}

static void
json_send (ConfabTestClient   *client,
           const char         *type,
           const char * const *to,
           const char         *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, type);
  if (g_str_equal (type, "login"))
    {
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, text);
      json_builder_set_member_name (builder, "protocol");
      json_builder_add_int_value (builder, 2);
    }
  else if (g_str_equal (type, "join"))
    {
      json_builder_set_member_name (builder, "room");
      json_builder_add_string_value (builder, text);
    }
  else
    {
      json_builder_set_member_name (builder, "to");
      json_builder_begin_array (builder);
      for (guint i = 0; to[i] != NULL; i++)
        json_builder_add_string_value (builder, to[i]);
      json_builder_end_array (builder);
      json_builder_set_member_name (builder, "text");
      json_builder_add_string_value (builder, text);
    }
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  confab_test_client_send_line (client, line);
}

/* The three peers in the room beside the client under test. */
typedef struct
{
  ConfabTestClient *chanop; /* IRC, raw socket: the room's creator and operator */
  ConfabTestClient *text;   /* "textpeer", text protocol */
  ConfabTestClient *json;   /* "jsonpeer", JSON lines */
} Peers;

static void
peers_setup (Peers         *p,
             const Fixture *f)
{
  static const char * const to_self[] = { "jsonpeer", NULL };

  p->chanop = confab_test_client_new (f->irc_port);
  irc_send (p->chanop, "NICK chanop");
  irc_send (p->chanop, "USER chanop 0 * :Channel operator");
  wait_for_line (p->chanop, "chanop", ":confab.local 422 chanop :MOTD File is missing");
  irc_send (p->chanop, "JOIN " ROOM);
  wait_for_line (p->chanop, "chanop", ":confab.local 353 chanop = " ROOM " :@chanop");

  p->text = confab_test_client_new_login (f->port, "textpeer");
  confab_test_client_send_line (p->text, "/join " ROOM);
  confab_test_client_expect_line (p->text, "join " ROOM ": textpeer");
  confab_test_client_expect_line (p->text, "members " ROOM ": chanop textpeer");

  p->json = confab_test_client_new (f->port);
  json_send (p->json, "login", NULL, "jsonpeer");
  wait_for_json (p->json, "type", "welcome", "name", "jsonpeer");
  json_send (p->json, "join", NULL, ROOM);
  wait_for_json (p->json, "type", "members", "room", ROOM);
  /* Round trip: every earlier event is behind it. */
  json_send (p->json, "message", to_self, "sync");
  wait_for_json (p->json, "type", "message", "from", "jsonpeer", "text", "sync");
  wait_for_line (p->chanop, "chanop", ":jsonpeer!jsonpeer@confab JOIN " ROOM);
}

static void
peers_clear (Peers *p)
{
  g_clear_pointer (&p->chanop, confab_test_client_free);
  g_clear_pointer (&p->text, confab_test_client_free);
  g_clear_pointer (&p->json, confab_test_client_free);
}

/* Asks the text peer for /peers until @nick is no longer online. */
static void
wait_nick_gone (Peers      *p,
                const char *nick)
{
  gint64 deadline = deadline_in (WAIT_MS);

  for (;;)
    {
      g_autofree char *line = NULL;
      g_auto(GStrv) names = NULL;

      confab_test_client_send_line (p->text, "/peers");
      line = confab_test_client_expect_prefix (p->text, "peers: ");
      names = g_strsplit (line + strlen ("peers: "), " ", -1);
      if (!g_strv_contains ((const char * const *) names, nick))
        return;
      if (g_get_monotonic_time () > deadline)
        confab_test_fail ("%s is still online: %s", nick, line);
      g_usleep (POLL_MS * 1000);
    }
}

/* ---- the scenario both terminal clients play ----------------------------- */

typedef enum
{
  SHOWN_WELCOME, /* 001 */
  SHOWN_JOINED,  /* its own join of @where */
  SHOWN_MESSAGE, /* @text from @who, in @where (ROOM, or a nick: a private chat) */
  SHOWN_KICKED,  /* out of @where by @who, reason @text */
} Shown;

/* A real client under test, as the scenario drives it. */
typedef struct
{
  const char *nick;
  /* Does what a user typing @input into the client would: a /command,
   * or a line of text for the channel. */
  void (*type) (gpointer    client,
                const char *input);
  /* Waits (bounded) until the client shows what @shown says. */
  void (*wait_shown) (gpointer    client,
                      Shown       shown,
                      const char *where,
                      const char *who,
                      const char *text);
} ClientOps;

static void
chat_scenario (Peers           *p,
               const ClientOps *ops,
               gpointer         client)
{
  static const char * const to_client_room[] = { ROOM, NULL };
  const char               *nick = ops->nick;
  const char               *to_client[] = { nick, NULL };
  g_autofree char          *line = NULL;
  g_autofree char          *command = NULL;

  ops->wait_shown (client, SHOWN_WELCOME, NULL, NULL, NULL);

  /* It joins: everyone in the room sees it, and so does it. */
  ops->type (client, "/join " ROOM);
  line = g_strdup_printf (":%s!%s@confab JOIN " ROOM, nick, nick);
  wait_for_line (p->chanop, "chanop", line);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("join " ROOM ": %s", nick);
  wait_for_line (p->text, "textpeer", line);
  wait_for_json (p->json, "type", "join", "room", ROOM, "name", nick);
  ops->wait_shown (client, SHOWN_JOINED, ROOM, nick, NULL);

  /* It talks: to the room, then to each peer alone. */
  ops->type (client, "hello, tea room");
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("from %s in " ROOM ": hello, tea room", nick);
  wait_for_line (p->text, "textpeer", line);
  wait_for_json (p->json, "type", "message", "from", nick, "room", ROOM, "text", "hello, tea room");
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf (":%s!%s@confab PRIVMSG " ROOM " :hello, tea room", nick, nick);
  wait_for_line (p->chanop, "chanop", line);

  ops->type (client, "/msg textpeer merci, \303\247a va");
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("from %s: merci, \303\247a va", nick);
  wait_for_line (p->text, "textpeer", line);
  ops->type (client, "/msg jsonpeer a word for JSON");
  wait_for_json (p->json, "type", "message", "from", nick, "room", "-", "text", "a word for JSON");

  /* It is talked to: by each peer alone, then in the room. */
  command = g_strdup_printf ("%s: just between us", nick);
  confab_test_client_send_line (p->text, command);
  ops->wait_shown (client, SHOWN_MESSAGE, "textpeer", "textpeer", "just between us");
  confab_test_client_send_line (p->text, ROOM ": gr\xc3\xbcner Tee f\xc3\xbcr alle");
  ops->wait_shown (client, SHOWN_MESSAGE, ROOM, "textpeer", "gr\xc3\xbcner Tee f\xc3\xbcr alle");
  json_send (p->json, "message", to_client, "from JSON, privately");
  ops->wait_shown (client, SHOWN_MESSAGE, "jsonpeer", "jsonpeer", "from JSON, privately");
  json_send (p->json, "message", to_client_room, "from JSON, to all");
  ops->wait_shown (client, SHOWN_MESSAGE, ROOM, "jsonpeer", "from JSON, to all");

  /* The operator kicks it: everyone sees it go, in their protocol. */
  g_clear_pointer (&command, g_free);
  command = g_strdup_printf ("KICK " ROOM " %s :enough tea for you", nick);
  irc_send (p->chanop, command);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf (":chanop!chanop@confab KICK " ROOM " %s :enough tea for you", nick);
  wait_for_line (p->chanop, "chanop", line);
  g_clear_pointer (&line, g_free);
  line = g_strdup_printf ("part " ROOM ": %s", nick);
  wait_for_line (p->text, "textpeer", line);
  wait_for_json (p->json, "type", "part", "room", ROOM, "name", nick,
                 "by", "chanop", "reason", "enough tea for you");
  ops->wait_shown (client, SHOWN_KICKED, ROOM, "chanop", "enough tea for you");
  confab_test_client_send_line (p->text, "/members " ROOM);
  confab_test_client_expect_line (p->text, "members " ROOM ": chanop jsonpeer textpeer");
}

/* ---- python3-irc ------------------------------------------------------- */

static void
test_python_irc (Fixture      *f,
                 gconstpointer data)
{
  g_autofree char *script = g_test_build_filename (G_TEST_DIST, "irc", "irc-library-client.py", NULL);
  g_autofree char *irc_port = g_strdup_printf ("%u", f->irc_port);
  g_autofree char *text_port = g_strdup_printf ("%u", f->port);
  const char      *argv[] = { "/usr/bin/python3", script, irc_port, text_port, NULL };
  g_autofree char *output = NULL;
  int              status;

  g_test_summary ("The python3-irc library registers, chats with a text peer both ways, "
                  "joins a channel it then operates, gets the error numerics, KICKs and "
                  "QUITs (tests/irc/irc-library-client.py)");

  if (!g_file_test (argv[0], G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("/usr/bin/python3 is not installed");
      return;
    }
  status = run_program (argv, 60000, &output);
  g_test_message ("%s", output);
  if (status == 77)
    {
      g_test_skip ("python3-irc (the irc module of /usr/bin/python3) is not installed");
      return;
    }
  if (status != 0)
    confab_test_fail ("irc-library-client.py exited with %d:\n%s", status, output);
  g_assert_nonnull (strstr (output, "ok QUIT answered with ERROR\n"));
}

/* ---- WeeChat ------------------------------------------------------------- */

typedef struct
{
  char        *dir;    /* its --dir */
  char        *fifo;   /* its fifo plugin's pipe: how the test types */
  char        *logs;   /* its logger's files */
  char        *output; /* its stdout (--stdout: its log) */
  GSubprocess *process;
} WeeChat;

static void
weechat_clear (WeeChat *w)
{
  g_clear_object (&w->process);
  g_clear_pointer (&w->dir, g_free);
  g_clear_pointer (&w->fifo, g_free);
  g_clear_pointer (&w->logs, g_free);
  g_clear_pointer (&w->output, g_free);
}

/* Sends one line to the fifo plugin: "BUFFER *TEXT" runs TEXT (a command
 * or a message) in the buffer named BUFFER, as if typed there. The test
 * types through it rather than a script of /wait commands given with -r:
 * each step goes once the step before was seen on the peers' sockets or
 * in the logs, so nothing depends on how fast anything runs. */
static void
weechat_fifo (WeeChat    *w,
              const char *buffer,
              const char *text)
{
  g_autofree char *line = g_strdup_printf ("%s *%s\n", buffer, text);
  gsize            len = strlen (line);
  int              fd = open (w->fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);

  if (fd < 0)
    confab_test_fail ("cannot open WeeChat's fifo %s: %s", w->fifo, g_strerror (errno));
  /* One write of less than PIPE_BUF: all of it, at once. */
  if (write (fd, line, len) != (gssize) len)
    confab_test_fail ("cannot write to WeeChat's fifo: %s", g_strerror (errno));
  close (fd);
}

static void
weechat_type (gpointer    client,
              const char *input)
{
  WeeChat *w = client;

  if (input[0] == '/')
    weechat_fifo (w, "irc.server.confab", input);
  else
    weechat_fifo (w, "irc.confab." ROOM, input);
}

/* The logger's file for the buffer of @name: the server, a channel or a
 * private chat. */
static char *
weechat_log_path (WeeChat    *w,
                  const char *name)
{
  g_autofree char *file = NULL;

  if (name == NULL)
    file = g_strdup ("irc.server.confab.weechatlog");
  else
    file = g_strdup_printf ("irc.confab.%s.weechatlog", name);
  return g_build_filename (w->logs, file, NULL);
}

/* Each logger line is "DATE TIME\tPREFIX\tMESSAGE\n". */
static void
weechat_wait_shown (gpointer    client,
                    Shown       shown,
                    const char *where,
                    const char *who,
                    const char *text)
{
  WeeChat         *w = client;
  g_autofree char *path = weechat_log_path (w, shown == SHOWN_WELCOME ? NULL : where);
  g_autofree char *needle = NULL;

  switch (shown)
    {
    case SHOWN_WELCOME:
      needle = g_strdup ("\t--\tWelcome to confab, weenick!weenick@confab\n");
      break;
    case SHOWN_JOINED:
      needle = g_strdup_printf ("\t-->\t%s (%s@confab) has joined %s\n", who, who, where);
      break;
    case SHOWN_MESSAGE:
      needle = g_strdup_printf ("\t%s\t%s\n", who, text);
      break;
    case SHOWN_KICKED:
    default:
      needle = g_strdup_printf ("\t<--\t%s has kicked weenick (%s)\n", who, text);
      break;
    }
  wait_for_file_text (path, needle);
}

static const ClientOps weechat_ops = {
  .nick = "weenick",
  .type = weechat_type,
  .wait_shown = weechat_wait_shown,
};

static void
weechat_start (WeeChat       *w,
               const Fixture *f)
{
  g_autoptr(GString) commands = g_string_new (NULL);
  gint64 deadline;

  w->dir = g_build_filename (f->tmp->path, "weechat", NULL);
  w->fifo = g_build_filename (w->dir, "fifo", NULL);
  w->logs = g_build_filename (w->dir, "logs", NULL);
  w->output = g_build_filename (f->tmp->path, "weechat.out", NULL);
  g_assert_cmpint (g_mkdir (w->dir, 0700), ==, 0);

  /* Run in order at start-up (-r). Only the irc, logger and fifo plugins
   * are loaded (-P): no scripts, no spell checking, nothing that goes to
   * the network. Its own flood control (2 s between messages) and the
   * logger's delay (120 s before writing) are turned off, so that the
   * test waits for confab, not for them. Capability negotiation stays
   * on: a real client's CAP LS 302 is part of what is tested. */
  g_string_append_printf (commands, "/set fifo.file.path %s;", w->fifo);
  g_string_append_printf (commands, "/set logger.file.path %s;", w->logs);
  g_string_append (commands,
                   "/set logger.file.flush_delay 0;"
                   "/set irc.server_default.anti_flood_prio_high 0;"
                   "/set irc.server_default.anti_flood_prio_low 0;"
                   "/set irc.server_default.nicks weenick;"
                   "/set irc.server_default.username weenick;"
                   "/set irc.server_default.realname WeeChat;"
                   "/set irc.server_default.tls off;"
                   "/set irc.server_default.sasl_username \"\";"
                   "/set irc.server_default.autoreconnect off;"
                   "/set irc.server_default.autorejoin off;"
                   "/set irc.server_default.autojoin \"\";");
  g_string_append_printf (commands, "/server add confab 127.0.0.1/%u -notls;/connect confab",
                          f->irc_port);
  {
    const char *argv[] = { "weechat-headless", "--dir", w->dir, "--stdout", "--no-connect",
                           "--plugins", "irc,logger,fifo", "--run-command", commands->str, NULL };

    w->process = spawn_logged (argv, w->output);
  }

  /* The fifo exists once the first command has run. */
  deadline = deadline_in (WAIT_MS);
  for (;;)
    {
      GStatBuf st;

      if (g_stat (w->fifo, &st) == 0 && S_ISFIFO (st.st_mode))
        break;
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *out = read_file (w->output);

          confab_test_fail ("WeeChat made no fifo at %s; its output:\n%s", w->fifo, out);
        }
      g_usleep (POLL_MS * 1000);
    }
}

/* Shows in the test's log what WeeChat logged, for the record. */
static void
weechat_print_logs (WeeChat *w)
{
  const char *names[] = { NULL, ROOM, "textpeer", "jsonpeer" };

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = weechat_log_path (w, names[i]);
      g_autofree char *text = read_file (path);

      g_test_message ("---- %s ----\n%s", path, text);
    }
}

static void
test_weechat (Fixture      *f,
              gconstpointer data)
{
  g_autofree char *program = g_find_program_in_path ("weechat-headless");
  WeeChat          w = { NULL };
  Peers            p = { NULL };

  g_test_summary ("WeeChat (headless, scripted through its fifo) joins a channel, talks "
                  "with a text and a JSON peer both ways, and is kicked by the channel's "
                  "operator; checked on the peers' sockets and in WeeChat's logs");

  if (program == NULL)
    {
      g_test_skip ("weechat-headless is not installed");
      return;
    }

  peers_setup (&p, f);
  weechat_start (&w, f);
  chat_scenario (&p, &weechat_ops, &w);
  weechat_print_logs (&w);

  /* /quit: WeeChat says QUIT, confab says ERROR, WeeChat exits 0. */
  weechat_fifo (&w, "core.weechat", "/quit");
  if (!wait_or_kill (w.process, WAIT_MS))
    confab_test_fail ("WeeChat did not exit after /quit; killed it");
  g_assert_true (g_subprocess_get_if_exited (w.process));
  g_assert_cmpint (g_subprocess_get_exit_status (w.process), ==, 0);
  wait_nick_gone (&p, "weenick");

  weechat_clear (&w);
  peers_clear (&p);
}

/* ---- irssi under tmux -------------------------------------------------- */

typedef struct
{
  char        *home;   /* its --home, with its config */
  char        *socket; /* the tmux server's: private to this test */
  char        *output; /* the tmux server's stdout */
  GSubprocess *tmux;   /* the tmux server, in the foreground (-D) */
  GPid         irssi;  /* irssi, the pane's process */
} Irssi;

/* irssi's config: no networks, servers or channels of its own, nothing
 * saved on exit; one window for everything (so the pane shows the
 * channel and the private chats at once), and no flood control of its
 * own (it waits 2.2 s between commands past the fifth). */
static const char irssi_config[] =
  "settings = {\n"
  "  core = {\n"
  "    real_name = \"irssi\";\n"
  "    user_name = \"irssinick\";\n"
  "    nick = \"irssinick\";\n"
  "    settings_autosave = \"no\";\n"
  "  };\n"
  "  \"irc/core\" = {\n"
  "    cmd_queue_speed = \"0msec\";\n"
  "    cmds_max_at_once = \"1000\";\n"
  "  };\n"
  "  \"fe-common/core\" = {\n"
  "    autocreate_windows = \"no\";\n"
  "    autolog = \"no\";\n"
  "  };\n"
  "};\n";

/* Runs one tmux command against the test's server; fails unless it works.
 * Returns: (transfer full): its output */
static char *
irssi_tmux (Irssi              *s,
            const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  char *output = NULL;
  int   status;

  g_ptr_array_add (argv, "tmux");
  g_ptr_array_add (argv, "-u");
  g_ptr_array_add (argv, "-S");
  g_ptr_array_add (argv, s->socket);
  for (guint i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  status = run_program ((const char * const *) argv->pdata, 10000, &output);
  if (status != 0)
    confab_test_fail ("tmux %s exited with %d: %s", args[0], status, output);
  return output;
}

/* Returns: (transfer full): the pane's text, each line without the
 * blanks at its end (-J keeps them) */
static char *
irssi_capture (Irssi *s)
{
  /* -J: wrapped lines joined; -S -: from the start of the history. */
  const char * const args[] = { "capture-pane", "-p", "-J", "-S", "-", "-t", "irssi", NULL };
  g_autofree char   *pane = irssi_tmux (s, args);
  g_auto(GStrv) lines = g_strsplit (pane, "\n", -1);

  for (guint i = 0; lines[i] != NULL; i++)
    g_strchomp (lines[i]);
  return g_strjoinv ("\n", lines);
}

static void
irssi_wait_for_pane (Irssi      *s,
                     const char *needle)
{
  gint64 deadline = deadline_in (WAIT_MS);

  for (;;)
    {
      g_autofree char *pane = irssi_capture (s);

      if (strstr (pane, needle) != NULL)
        return;
      if (g_get_monotonic_time () > deadline)
        confab_test_fail ("irssi's screen never showed “%s”; it shows:\n%s", needle, pane);
      g_usleep (POLL_MS * 1000);
    }
}

static void
irssi_type (gpointer    client,
            const char *input)
{
  Irssi             *s = client;
  const char * const text[] = { "send-keys", "-t", "irssi", "-l", input, NULL };
  const char * const enter[] = { "send-keys", "-t", "irssi", "Enter", NULL };

  g_free (irssi_tmux (s, text));
  g_free (irssi_tmux (s, enter));
}

/* irssi's default theme: "-!- " before server events; a channel line's
 * nick has a mode column ("< textpeer>"), a private chat's does not. */
static void
irssi_wait_shown (gpointer    client,
                  Shown       shown,
                  const char *where,
                  const char *who,
                  const char *text)
{
  Irssi           *s = client;
  g_autofree char *needle = NULL;

  switch (shown)
    {
    case SHOWN_WELCOME:
      needle = g_strdup ("-!- Welcome to confab, irssinick!irssinick@confab\n");
      break;
    case SHOWN_JOINED:
      needle = g_strdup_printf ("-!- %s [%s@confab] has joined %s\n", who, who, where);
      irssi_wait_for_pane (s, needle);
      /* What is typed next goes to the channel once the prompt says so. */
      g_clear_pointer (&needle, g_free);
      needle = g_strdup_printf ("\n[%s]", where);
      break;
    case SHOWN_MESSAGE:
      if (g_str_equal (where, ROOM))
        needle = g_strdup_printf ("< %s> %s\n", who, text);
      else
        needle = g_strdup_printf ("<%s> %s\n", who, text);
      break;
    case SHOWN_KICKED:
    default:
      needle = g_strdup_printf ("-!- irssinick was kicked from %s by %s [%s]\n", where, who, text);
      break;
    }
  irssi_wait_for_pane (s, needle);
}

static const ClientOps irssi_ops = {
  .nick = "irssinick",
  .type = irssi_type,
  .wait_shown = irssi_wait_shown,
};

static void
irssi_start (Irssi         *s,
             const Fixture *f)
{
  g_autofree char *config = NULL;
  g_autofree char *command = NULL;
  g_autofree char *home_arg = NULL;
  g_autofree char *quoted = NULL;
  g_autofree char *pid = NULL;
  g_autoptr(GError) error = NULL;
  gint64  deadline;
  guint64 value;

  s->home = g_build_filename (f->tmp->path, "irssi", NULL);
  s->socket = g_build_filename (f->tmp->path, "tmux.sock", NULL);
  s->output = g_build_filename (f->tmp->path, "tmux.out", NULL);
  g_assert_cmpint (g_mkdir (s->home, 0700), ==, 0);
  config = g_build_filename (s->home, "config", NULL);
  g_file_set_contents (config, irssi_config, -1, &error);
  g_assert_no_error (error);

  /* The server in the foreground is the test's child, so it dies with
   * the test; -f /dev/null: no user's tmux.conf. */
  {
    const char *argv[] = { "tmux", "-u", "-f", "/dev/null", "-S", s->socket, "-D", NULL };

    s->tmux = spawn_logged (argv, s->output);
  }
  deadline = deadline_in (WAIT_MS);
  while (!g_file_test (s->socket, G_FILE_TEST_EXISTS))
    {
      if (g_get_monotonic_time () > deadline)
        {
          g_autofree char *out = read_file (s->output);

          confab_test_fail ("tmux made no socket at %s; its output:\n%s", s->socket, out);
        }
      g_usleep (POLL_MS * 1000);
    }

  /* exec: the pane's process is irssi itself, not a shell. */
  home_arg = g_strdup_printf ("--home=%s", s->home);
  quoted = g_shell_quote (home_arg);
  command = g_strdup_printf ("exec irssi %s -n irssinick -c 127.0.0.1 -p %u", quoted, f->irc_port);
  {
    const char * const new_session[] = { "new-session", "-d", "-s", "irssi", "-x", "200", "-y", "50",
                                         command, NULL };
    const char * const display[] = { "display-message", "-p", "-t", "irssi", "#{pane_pid}", NULL };

    g_free (irssi_tmux (s, new_session));
    pid = irssi_tmux (s, display);
  }
  g_strstrip (pid);
  if (!g_ascii_string_to_unsigned (pid, 10, 1, G_MAXINT, &value, NULL))
    confab_test_fail ("tmux gave no pane PID: “%s”", pid);
  s->irssi = (GPid) value;
  g_test_message ("irssi runs as pid %d in tmux (pid %s)", (int) s->irssi,
                  g_subprocess_get_identifier (s->tmux));
}

/* /quit, then the tmux server goes; each is killed by its PID if it
 * does not go when asked. Nothing is left running. */
static void
irssi_stop (Irssi *s)
{
  const char * const kill_server[] = { "kill-server", NULL };
  gboolean           quit_in_time;

  irssi_type (s, "/quit");
  quit_in_time = wait_pid_gone (s->irssi, WAIT_MS);
  if (!quit_in_time)
    kill (s->irssi, SIGKILL);

  g_free (irssi_tmux (s, kill_server));
  if (!wait_or_kill (s->tmux, WAIT_MS))
    confab_test_fail ("the tmux server did not exit after kill-server; killed it");
  if (!quit_in_time)
    confab_test_fail ("irssi (pid %d) did not exit after /quit; killed it", (int) s->irssi);
  g_assert_true (wait_pid_gone (s->irssi, WAIT_MS));
}

static void
irssi_clear (Irssi *s)
{
  g_clear_object (&s->tmux);
  g_clear_pointer (&s->home, g_free);
  g_clear_pointer (&s->socket, g_free);
  g_clear_pointer (&s->output, g_free);
}

static void
test_irssi (Fixture      *f,
            gconstpointer data)
{
  g_autofree char *irssi = g_find_program_in_path ("irssi");
  g_autofree char *tmux = g_find_program_in_path ("tmux");
  g_autofree char *pane = NULL;
  Irssi            s = { NULL };
  Peers            p = { NULL };

  g_test_summary ("irssi, in a tmux pane driven by send-keys, joins a channel, talks "
                  "with a text and a JSON peer both ways, and is kicked by the channel's "
                  "operator; checked on the peers' sockets and on irssi's screen");

  if (irssi == NULL || tmux == NULL)
    {
      g_test_skip (irssi == NULL ? "irssi is not installed" : "tmux is not installed");
      return;
    }

  peers_setup (&p, f);
  irssi_start (&s, f);
  chat_scenario (&p, &irssi_ops, &s);
  pane = irssi_capture (&s);
  g_test_message ("---- irssi's screen ----\n%s", pane);

  irssi_stop (&s);
  wait_nick_gone (&p, "irssinick");

  irssi_clear (&s);
  peers_clear (&p);
}

int
main (int    argc,
      char **argv)
{
  /* What the clients showed is logged as it is, UTF-8 (the test's
   * environment says C.UTF-8), not with '?' for every non-ASCII byte. */
  setlocale (LC_ALL, "");
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/irc-clients/python-irc", Fixture, NULL,
              fixture_setup, test_python_irc, fixture_teardown);
  g_test_add ("/irc-clients/weechat", Fixture, NULL,
              fixture_setup, test_weechat, fixture_teardown);
  g_test_add ("/irc-clients/irssi", Fixture, NULL,
              fixture_setup, test_irssi, fixture_teardown);

  return g_test_run ();
}
