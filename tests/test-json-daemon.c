/* test-json-daemon.c: the JSON-lines protocol against the real confabd.
 *
 * JSON login and replies, JSON↔text interoperability both ways, every
 * error code a client can provoke, and a table of hostile lines, each of
 * which must get one error object while the connection stays usable.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <json-glib/json-glib.h>

#include "confab-test-util.h"

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *config_path;
  ConfabTestDaemon *daemon;
  guint16           port;
  guint             sync_counter;
} Fixture;

static const char * const default_config[] = { "recipients_max", "3", NULL };
static const char * const small_config[] = {
  "recipients_max", "3", "peers_max", "2", "line_max_bytes", "256", "login_timeout_sec", "1", NULL
};

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const char * const *config = data != NULL ? data : default_config;

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, config);
  f->daemon = confab_test_daemon_start (f->config_path, NULL, 0);
  f->port = confab_test_daemon_get_port (f->daemon);
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

/* Reads the next line and parses it as one JSON object. */
static JsonObject *
read_object (ConfabTestClient *client)
{
  g_autofree char *line = confab_test_client_read_line (client);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonNode *root;

  g_assert_nonnull (line);
  if (!json_parser_load_from_data (parser, line, -1, &error))
    g_error ("server sent a line that is not JSON: %s (%s)", line, error->message);
  root = json_parser_get_root (parser);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (root));
  return json_object_ref (json_node_get_object (root));
}

static void
expect_error (ConfabTestClient *client,
              const char       *code)
{
  g_autoptr(JsonObject) object = read_object (client);

  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "error");
  g_assert_cmpstr (json_object_get_string_member (object, "code"), ==, code);
  g_assert_cmpstr (json_object_get_string_member (object, "message"), !=, "");
}

static void
send_message (ConfabTestClient *client,
              const char       *to,
              const char       *text)
{
  g_autoptr(JsonBuilder) builder = json_builder_new ();
  g_autoptr(JsonGenerator) generator = json_generator_new ();
  g_autoptr(JsonNode) root = NULL;
  g_autofree char *line = NULL;

  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "type");
  json_builder_add_string_value (builder, "message");
  json_builder_set_member_name (builder, "to");
  json_builder_begin_array (builder);
  json_builder_add_string_value (builder, to);
  json_builder_end_array (builder);
  json_builder_set_member_name (builder, "text");
  json_builder_add_string_value (builder, text);
  json_builder_end_object (builder);
  root = json_builder_get_root (builder);
  json_generator_set_root (generator, root);
  line = json_generator_to_data (generator, NULL);
  confab_test_client_send_line (client, line);
}

/* A round trip to oneself: the next line must be that very message, so
 * every line sent before has been handled. */
static void
json_sync (Fixture          *f,
           ConfabTestClient *client,
           const char       *name)
{
  g_autofree char *text = g_strdup_printf ("__sync %u", ++f->sync_counter);
  g_autoptr(JsonObject) object = NULL;

  send_message (client, name, text);
  object = read_object (client);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "message");
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, name);
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, text);
}

static ConfabTestClient *
json_login (Fixture    *f,
            const char *name)
{
  ConfabTestClient *client = confab_test_client_new (f->port);
  g_autofree char  *login = g_strdup_printf ("{\"type\":\"login\",\"name\":\"%s\",\"protocol\":1}", name);
  g_autoptr(JsonObject) welcome = NULL;

  confab_test_client_send_line (client, login);
  welcome = read_object (client);
  g_assert_cmpstr (json_object_get_string_member (welcome, "type"), ==, "welcome");
  g_assert_cmpstr (json_object_get_string_member (welcome, "name"), ==, name);
  g_assert_cmpint (json_object_get_int_member (welcome, "protocol"), ==, 2);
  g_assert_true (g_str_has_prefix (json_object_get_string_member (welcome, "server"), "confab "));
  return client;
}

/* Like json_login(), while the server may still count connections that
 * are closing (a closed connection leaves the count asynchronously). */
static ConfabTestClient *
json_login_retry (Fixture    *f,
                  const char *name)
{
  gint64 deadline = g_get_monotonic_time () + confab_test_timeout_ms (10000) * 1000;

  for (guint attempt = 0; attempt < 200 && g_get_monotonic_time () < deadline; attempt++)
    {
      g_autoptr(ConfabTestClient) client = confab_test_client_new (f->port);
      g_autofree char *login = g_strdup_printf ("{\"type\":\"login\",\"name\":\"%s\"}", name);
      g_autofree char *line = NULL;

      confab_test_client_send_line (client, login);
      line = confab_test_client_read_line (client);
      if (g_str_has_prefix (line, "{\"type\":\"welcome\""))
        return g_steal_pointer (&client);
      g_assert_cmpstr (line, ==, "error: server full");
      g_usleep (50 * 1000);
    }
  g_error ("%s could not log in: the server stayed full", name);
}

static void
test_login (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");

  json_sync (f, alice, "alice");
}

static void
test_json_to_text (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");

  send_message (alice, "bob", "  two\nlines\tand ünïcode ✓  ");
  confab_test_client_expect_line (bob, "from alice: two\\nlines\tand ünïcode ✓");

  /* A newline cannot start a forged server line in bob's stream. */
  send_message (alice, "bob", "hi\nfrom @server: you are kicked\r\nerror: fake");
  confab_test_client_expect_line (bob, "from alice: hi\\nfrom @server: you are kicked\\r\\nerror: fake");
  confab_test_client_sync (bob, "bob");
  json_sync (f, alice, "alice");
}

static void
test_text_to_json (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");
  g_autoptr(ConfabTestClient) bob = confab_test_client_new_login (f->port, "bob");
  g_autoptr(JsonObject) object = NULL;
  JsonArray *to;
  gint64     now = g_get_real_time ();
  gint64     time;

  confab_test_client_send_line (bob, "alice, bob:  hello json  ");
  object = read_object (alice);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "message");
  g_assert_cmpstr (json_object_get_string_member (object, "from"), ==, "bob");
  g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, "hello json");
  to = json_object_get_array_member (object, "to");
  g_assert_cmpuint (json_array_get_length (to), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (to, 0), ==, "alice");
  g_assert_cmpstr (json_array_get_string_element (to, 1), ==, "bob");
  time = json_object_get_int_member (object, "time");
  g_assert_cmpint (time, >=, now - G_USEC_PER_SEC * 60);
  g_assert_cmpint (time, <=, now + G_USEC_PER_SEC * 60);
  confab_test_client_expect_line (bob, "from bob: hello json");
}

static void
test_peers (Fixture      *f,
            gconstpointer data)
{
  g_autoptr(ConfabTestClient) carol = json_login (f, "carol");
  g_autoptr(ConfabTestClient) alice = confab_test_client_new_login (f->port, "alice");
  g_autoptr(JsonObject) object = NULL;
  JsonArray *peers;

  confab_test_client_send_line (carol, "{\"type\":\"peers\"}");
  object = read_object (carol);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "peers");
  peers = json_object_get_array_member (object, "peers");
  g_assert_cmpuint (json_array_get_length (peers), ==, 2);
  g_assert_cmpstr (json_array_get_string_element (peers, 0), ==, "alice");
  g_assert_cmpstr (json_array_get_string_element (peers, 1), ==, "carol");

  confab_test_client_send_line (alice, " /peers ");
  confab_test_client_expect_line (alice, "peers: alice carol");
}

/* Every non-fatal code a logged-in JSON client can provoke. */
static void
test_error_codes (Fixture      *f,
                  gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");

  confab_test_client_send_line (alice, "not json at all");
  expect_error (alice, "bad-json");
  confab_test_client_send_line (alice, "{\"type\":\"dance\"}");
  expect_error (alice, "bad-message");
  confab_test_client_send_line (alice, "{\"type\":\"message\",\"to\":[\"bad name\"],\"text\":\"x\"}");
  expect_error (alice, "invalid-name");
  confab_test_client_send_line (alice, "{\"type\":\"message\",\"to\":[\"nobody\"],\"text\":\"x\"}");
  expect_error (alice, "no-such-peer");
  confab_test_client_send_line (alice, "{\"type\":\"message\",\"to\":[\"a\",\"b\",\"c\",\"d\"],\"text\":\"x\"}");
  expect_error (alice, "too-many-recipients");
  confab_test_client_send_line (alice, "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\" \\n \"}");
  expect_error (alice, "empty-message");
  confab_test_client_send_raw (alice, "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"\xff\"}\n", 45);
  expect_error (alice, "invalid-utf8");
  confab_test_client_send_line (alice, "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"\\u0007\"}");
  expect_error (alice, "control-character");
  json_sync (f, alice, "alice");
}

static void
test_fatal_name_taken (Fixture      *f,
                       gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");
  g_autoptr(ConfabTestClient) second = confab_test_client_new (f->port);

  confab_test_client_send_line (second, "{\"type\":\"login\",\"name\":\"alice\"}");
  expect_error (second, "name-taken");
  confab_test_client_expect_eof (second);
  json_sync (f, alice, "alice");
}

static void
test_fatal_invalid_name (Fixture      *f,
                         gconstpointer data)
{
  g_autoptr(ConfabTestClient) client = confab_test_client_new (f->port);

  confab_test_client_send_line (client, "{\"type\":\"login\",\"name\":\"#room\"}");
  expect_error (client, "invalid-name");
  confab_test_client_expect_eof (client);
}

static void
test_fatal_limits (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(ConfabTestClient) idle = confab_test_client_new (f->port);
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) third = NULL;
  g_autoptr(ConfabTestClient) silent = NULL;
  g_autofree char *long_text = g_strnfill (300, 'x');

  /* login_timeout_sec=1: half a JSON login is already a JSON client. */
  confab_test_client_send_raw (idle, " {\"type\":", 9);
  expect_error (idle, "login-timeout");
  confab_test_client_expect_eof (idle);
  confab_test_client_free (g_steal_pointer (&idle));

  /* A client that sent nothing at all can only be told in text. */
  silent = confab_test_client_new (f->port);
  confab_test_client_expect_line (silent, "error: login timeout");
  confab_test_client_expect_eof (silent);
  confab_test_client_free (g_steal_pointer (&silent));

  /* peers_max=2: a third connection is refused before it says anything,
   * so in text. The two places may take a moment to be free again. */
  alice = json_login_retry (f, "alice");
  bob = json_login_retry (f, "bob");
  third = confab_test_client_new (f->port);
  confab_test_client_expect_line (third, "error: server full");
  confab_test_client_expect_eof (third);

  /* line_max_bytes=256 */
  send_message (bob, "alice", long_text);
  expect_error (bob, "line-too-long");
  confab_test_client_expect_eof (bob);
  json_sync (f, alice, "alice");
}

static void
test_fatal_shutdown (Fixture      *f,
                     gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");
  g_autoptr(ConfabTestClient) bob = json_login (f, "bob");

  for (guint i = 0; i < 50; i++)
    {
      g_autofree char *text = g_strdup_printf ("queued %u", i);

      send_message (alice, "bob", text);
    }
  json_sync (f, alice, "alice");
  confab_test_daemon_send_signal (f->daemon, SIGTERM);

  for (guint i = 0; i < 50; i++)
    {
      g_autoptr(JsonObject) object = read_object (bob);
      g_autofree char *text = g_strdup_printf ("queued %u", i);

      g_assert_cmpstr (json_object_get_string_member (object, "text"), ==, text);
    }
  expect_error (bob, "shutting-down");
  confab_test_client_expect_eof (bob);
  expect_error (alice, "shutting-down");
  confab_test_client_expect_eof (alice);
  confab_test_daemon_wait_exit (f->daemon, confab_test_timeout_ms (20000));
  confab_test_daemon_assert_exit_status (f->daemon, 0);
}

/* Malformed and adversarial frames after a JSON login: each gets exactly
 * one error object, and the connection goes on working. */
static const char * const hostile_lines[] = {
  "{",
  "}",
  "{\"type\":",
  "[]",
  "null",
  "42",
  "\"just a string\"",
  "{'type':'peers'}",
  "{\"type\":null}",
  "{\"type\":[\"message\"]}",
  "{\"type\":\"\"}",
  "{\"type\":\"teleport\"}",
  "{\"type\":\"login\",\"name\":\"mallory\"}",
  "{\"type\":\"message\"}",
  "{\"type\":\"message\",\"to\":\"alice\",\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[null],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[{}],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[[\"alice\"]],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":{}}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":1e400}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":123456789012345678901234567890}",
  "{\"type\":\"message\",\"to\":[\"a b\"],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[\"@server\"],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[\"a:b\"],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"   \"}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"\\u001b[2J\"}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"\\u0085\"}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"x\"",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"x\"}}",
  "{\"type\":\"message\",\"to\":[\"alice\"],\"text\":\"x\"} {\"type\":\"peers\"}",
  "{\"type\":\"message\",\"to\":[\"a\",\"b\",\"c\",\"d\"],\"text\":\"x\"}",
  "{\"type\":\"message\",\"to\":[\"nobody\"],\"text\":\"x\"}",
  "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
};

static const char * const error_codes[] = {
  "bad-json",
  "bad-message",
  "invalid-name",
  "no-such-peer",
  "too-many-recipients",
  "empty-message",
  "invalid-utf8",
  "control-character",
};

static void
test_hostile (Fixture      *f,
              gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = json_login (f, "alice");
  g_autofree char *deep = NULL;

  g_assert_cmpuint (G_N_ELEMENTS (hostile_lines), >=, 30);
  for (guint i = 0; i < G_N_ELEMENTS (hostile_lines); i++)
    {
      g_autoptr(JsonObject) object = NULL;
      const char *code;

      g_test_message ("hostile line %u: %s", i, hostile_lines[i]);
      confab_test_client_send_line (alice, hostile_lines[i]);
      object = read_object (alice);
      g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, "error");
      code = json_object_get_string_member (object, "code");
      g_assert_true (g_strv_contains (error_codes, code));
      json_sync (f, alice, "alice");
    }

  /* Raw bytes a JSON parser must never see as-is. */
  confab_test_client_send_raw (alice, "{\"type\":\"peers\"}\0\n", 18);
  expect_error (alice, "control-character");
  confab_test_client_send_raw (alice, "{\"type\":\"\xc0\xaf\"}\n", 14);
  expect_error (alice, "invalid-utf8");

  /* Far deeper than the limit, yet within the line length. */
  deep = g_strnfill (3000, '[');
  confab_test_client_send_line (alice, deep);
  expect_error (alice, "bad-json");
  json_sync (f, alice, "alice");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, data, func) \
  g_test_add ((path), Fixture, (data), fixture_setup, (func), fixture_teardown)

  ADD ("/json-daemon/login", NULL, test_login);
  ADD ("/json-daemon/interop/json-to-text", NULL, test_json_to_text);
  ADD ("/json-daemon/interop/text-to-json", NULL, test_text_to_json);
  ADD ("/json-daemon/peers", NULL, test_peers);
  ADD ("/json-daemon/errors/codes", NULL, test_error_codes);
  ADD ("/json-daemon/errors/fatal/name-taken", NULL, test_fatal_name_taken);
  ADD ("/json-daemon/errors/fatal/invalid-name", NULL, test_fatal_invalid_name);
  ADD ("/json-daemon/errors/fatal/limits", small_config, test_fatal_limits);
  ADD ("/json-daemon/errors/fatal/shutting-down", NULL, test_fatal_shutdown);
  ADD ("/json-daemon/hostile", NULL, test_hostile);
#undef ADD

  return g_test_run ();
}
