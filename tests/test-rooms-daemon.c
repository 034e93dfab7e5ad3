/* test-rooms-daemon.c: rooms (SPEC §9) against the real confabd, with
 * text and JSON clients on real sockets.
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
} Fixture;

static const char * const one_room_config[] = { "rooms_per_peer_max", "1", NULL };

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  static const char * const no_keys[] = { NULL };

  f->tmp = confab_test_tmp_dir_new ();
  f->config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (f->config_path, data != NULL ? data : no_keys);
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

/* The next line as one JSON object, which must have type @type. */
static JsonObject *
expect_object (ConfabTestClient *client,
               const char       *type)
{
  g_autofree char *line = confab_test_client_read_line (client);
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *object;

  g_assert_nonnull (line);
  g_assert_true (json_parser_load_from_data (parser, line, -1, &error));
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  object = json_object_ref (json_node_get_object (json_parser_get_root (parser)));
  g_test_message ("%s", line);
  g_assert_cmpstr (json_object_get_string_member (object, "type"), ==, type);
  return object;
}

static void
skip_object (ConfabTestClient *client,
             const char       *type)
{
  json_object_unref (expect_object (client, type));
}

static char *
joined_strings (JsonObject *object,
                const char *member)
{
  JsonArray *array = json_object_get_array_member (object, member);
  GString   *out = g_string_new (NULL);

  for (guint i = 0; i < json_array_get_length (array); i++)
    g_string_append_printf (out, "%s%s", i > 0 ? " " : "", json_array_get_string_element (array, i));
  return g_string_free (out, FALSE);
}

static ConfabTestClient *
json_login (guint16     port,
            const char *name)
{
  ConfabTestClient *client = confab_test_client_new (port);
  g_autofree char  *login = g_strdup_printf ("{\"type\":\"login\",\"name\":\"%s\",\"protocol\":2}", name);
  g_autoptr(JsonObject) welcome = NULL;

  confab_test_client_send_line (client, login);
  welcome = expect_object (client, "welcome");
  g_assert_cmpint (json_object_get_int_member (welcome, "protocol"), ==, 2);
  return client;
}

static void
test_three_clients (Fixture      *f,
                    gconstpointer data)
{
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) carol = NULL;
  g_autoptr(JsonObject) event = NULL;
  g_autofree char *members = NULL;

  g_test_summary ("Two text clients and a JSON client chat in one room, with its joins, "
                  "topic, parts and a disconnect, and the room goes when the last leaves");

  alice = confab_test_client_new (f->port);
  confab_test_client_login (alice, "alice");
  carol = confab_test_client_new (f->port);
  confab_test_client_login (carol, "carol");
  bob = json_login (f->port, "bob");

  confab_test_client_send_line (alice, "/join #tea");
  confab_test_client_expect_line (alice, "join #tea: alice");
  confab_test_client_expect_line (alice, "members #tea: alice");
  confab_test_client_send_line (alice, "/topic #tea oolong only");
  confab_test_client_expect_line (alice, "topic #tea: oolong only");

  confab_test_client_send_line (bob, "{\"type\":\"join\",\"room\":\"#TEA\"}");
  event = expect_object (bob, "join");
  g_assert_cmpstr (json_object_get_string_member (event, "room"), ==, "#tea");
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "bob");
  g_clear_pointer (&event, json_object_unref);
  event = expect_object (bob, "members");
  members = joined_strings (event, "members");
  g_assert_cmpstr (members, ==, "alice bob");
  g_clear_pointer (&event, json_object_unref);
  event = expect_object (bob, "topic");
  g_assert_cmpstr (json_object_get_string_member (event, "topic"), ==, "oolong only");
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "alice");
  g_clear_pointer (&event, json_object_unref);
  confab_test_client_expect_line (alice, "join #tea: bob");

  confab_test_client_send_line (carol, "/join #tea");
  confab_test_client_expect_line (carol, "join #tea: carol");
  confab_test_client_expect_line (carol, "members #tea: alice bob carol");
  confab_test_client_expect_line (carol, "topic #tea: oolong only");
  confab_test_client_expect_line (alice, "join #tea: carol");
  skip_object (bob, "join");

  /* Text to the room: the JSON member sees the room and the sender's list. */
  confab_test_client_send_line (alice, "#tea: hello all");
  confab_test_client_expect_line (carol, "from alice in #tea: hello all");
  event = expect_object (bob, "message");
  g_assert_cmpstr (json_object_get_string_member (event, "from"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (event, "room"), ==, "#tea");
  g_assert_cmpstr (json_object_get_string_member (event, "text"), ==, "hello all");
  g_clear_pointer (&event, json_object_unref);

  /* JSON to the room and a member named directly: one copy each. */
  confab_test_client_send_line (bob, "{\"type\":\"message\",\"to\":[\"#tea\",\"carol\"],\"text\":\"two\\nlines\"}");
  confab_test_client_expect_line (alice, "from bob in #tea: two\\nlines");
  confab_test_client_expect_line (carol, "from bob in #tea: two\\nlines");
  confab_test_client_sync (carol, "carol");

  /* A part, then a disconnect. */
  confab_test_client_send_line (carol, "/part #tea");
  confab_test_client_expect_line (carol, "part #tea: carol");
  confab_test_client_expect_line (alice, "part #tea: carol");
  event = expect_object (bob, "part");
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "carol");
  g_clear_pointer (&event, json_object_unref);

  g_clear_pointer (&alice, confab_test_client_free);
  event = expect_object (bob, "part");
  g_assert_cmpstr (json_object_get_string_member (event, "name"), ==, "alice");
  g_clear_pointer (&event, json_object_unref);

  confab_test_client_send_line (carol, "/rooms");
  confab_test_client_expect_line (carol, "rooms: #tea");
  confab_test_client_send_line (bob, "{\"type\":\"part\",\"room\":\"#tea\"}");
  skip_object (bob, "part");
  confab_test_client_send_line (carol, "/rooms");
  confab_test_client_expect_line (carol, "rooms:");
  confab_test_client_send_line (carol, "#tea: anyone?");
  confab_test_client_expect_line (carol, "error: no such room: #tea");
}

static void
test_reload_limits (Fixture      *f,
                    gconstpointer data)
{
  static const char * const two_rooms[] = { "rooms_per_peer_max", "2", NULL };
  g_autoptr(ConfabTestClient) alice = NULL;
  gsize offset;

  g_test_summary ("rooms_per_peer_max is enforced, and SIGHUP changes it for connected "
                  "peers");

  alice = confab_test_client_new (f->port);
  confab_test_client_login (alice, "alice");
  confab_test_client_send_line (alice, "/join #a");
  confab_test_client_expect_line (alice, "join #a: alice");
  confab_test_client_expect_line (alice, "members #a: alice");
  confab_test_client_send_line (alice, "/join #b");
  confab_test_client_expect_line (alice, "error: too many rooms joined (limit 1)");

  confab_test_write_config (f->config_path, two_rooms);
  offset = confab_test_daemon_get_log_length (f->daemon);
  confab_test_daemon_send_signal (f->daemon, SIGHUP);
  confab_test_daemon_wait_for_log (f->daemon, offset, "Reloaded configuration", 10000);

  confab_test_client_send_line (alice, "/join #b");
  confab_test_client_expect_line (alice, "join #b: alice");
  confab_test_client_expect_line (alice, "members #b: alice");
}

static void
test_old_json_client (Fixture      *f,
                      gconstpointer data)
{
  g_autoptr(ConfabTestClient) old = confab_test_client_new (f->port);
  g_autoptr(ConfabTestClient) alice = NULL;
  g_autoptr(JsonObject) welcome = NULL;
  g_autoptr(JsonObject) message = NULL;

  g_test_summary ("A version 1 JSON client still logs in and chats as before");

  confab_test_client_send_line (old, "{\"type\":\"login\",\"name\":\"old\",\"protocol\":1}");
  welcome = expect_object (old, "welcome");
  alice = confab_test_client_new (f->port);
  confab_test_client_login (alice, "alice");
  confab_test_client_send_line (alice, "old: hi");
  message = expect_object (old, "message");
  g_assert_false (json_object_has_member (message, "room"));
  g_assert_cmpstr (json_object_get_string_member (message, "text"), ==, "hi");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/rooms-daemon/three-clients", Fixture, NULL,
              fixture_setup, test_three_clients, fixture_teardown);
  g_test_add ("/rooms-daemon/reload-limits", Fixture, one_room_config,
              fixture_setup, test_reload_limits, fixture_teardown);
  g_test_add ("/rooms-daemon/old-json-client", Fixture, NULL,
              fixture_setup, test_old_json_client, fixture_teardown);

  return g_test_run ();
}
