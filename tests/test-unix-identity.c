/* test-unix-identity.c: Unix-socket listeners, their file mode and owner,
 * and logins bound to the caller's user name (unix_identity).
 *
 * Two users on one socket: the test runs as root and drops to uid 65534
 * ("nobody") in a subprocess (g_test_trap_subprocess), which then talks
 * to the same daemon. CI runs as root; elsewhere the cross-user cases
 * skip.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"

#define ENV_SOCKET_PATH "CONFAB_TEST_UNIX_SOCKET"
#define NOBODY_UID      65534

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *socket_path;
  ConfabTestDaemon *daemon;
} Fixture;

typedef struct
{
  const char *identity;
  const char *mode;
  const char *group;
} Options;

static void
fixture_setup (Fixture      *f,
               gconstpointer data)
{
  const Options   *options = data;
  g_autofree char *config_path = NULL;
  g_autofree char *listen = NULL;
  g_autofree char *needle = NULL;
  const char      *kv[] = {
         "server.unix_identity", options->identity,
         "server.unix_socket_mode", options->mode,
    options->group != NULL ? "server.unix_socket_group" : NULL, options->group,
         NULL
  };

  f->tmp = confab_test_tmp_dir_new ();
  /* Another user must reach the socket inside. */
  g_assert_cmpint (g_chmod (f->tmp->path, 0755), ==, 0);
  config_path = g_build_filename (f->tmp->path, "confab.conf", NULL);
  confab_test_write_config (config_path, kv);
  f->socket_path = g_build_filename (f->tmp->path, "confab.sock", NULL);
  listen = g_strconcat ("unix:", f->socket_path, NULL);

  f->daemon = confab_test_daemon_spawn ((const char * const[]) {
                                          "--listen", listen, "--bus", "none",
                                          "--config", config_path, NULL },
                                        0);
  needle = g_strconcat ("Listening on ", listen, NULL);
  confab_test_daemon_wait_for_log (f->daemon, 0, needle, 10000);
  g_setenv (ENV_SOCKET_PATH, f->socket_path, TRUE);
}

static void
fixture_teardown (Fixture      *f,
                  gconstpointer data)
{
  g_unsetenv (ENV_SOCKET_PATH);
  if (!confab_test_daemon_has_exited (f->daemon))
    confab_test_daemon_stop (f->daemon);
  g_clear_pointer (&f->daemon, confab_test_daemon_free);
  /* The daemon removes its socket file when it stops. */
  g_assert_false (g_file_test (f->socket_path, G_FILE_TEST_EXISTS));
  g_clear_pointer (&f->socket_path, g_free);
  g_clear_pointer (&f->tmp, confab_test_tmp_dir_free);
}

/* Connects to the Unix socket; NULL with @error if refused. */
static ConfabTestClient *
unix_client (const char *path,
             GError    **error)
{
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return NULL;
  g_socket_set_timeout (socket, confab_test_timeout_ms (10000) / 1000);
  if (!g_socket_connect (socket, address, NULL, error))
    return NULL;
  return confab_test_client_new_for_socket (socket);
}

static ConfabTestClient *
unix_client_or_fail (const char *path)
{
  g_autoptr(GError) error = NULL;
  ConfabTestClient *client = unix_client (path, &error);

  g_assert_no_error (error);
  return client;
}

/* In a subprocess: become uid/gid 65534 for good. */
static void
become_nobody (void)
{
  g_assert_cmpint (setgroups (0, NULL), ==, 0);
  g_assert_cmpint (setresgid (NOBODY_UID, NOBODY_UID, NOBODY_UID), ==, 0);
  g_assert_cmpint (setresuid (NOBODY_UID, NOBODY_UID, NOBODY_UID), ==, 0);
  g_assert_cmpint (geteuid (), ==, NOBODY_UID);
}

static gboolean
can_switch_users (void)
{
  struct passwd *nobody = getpwuid (NOBODY_UID);

  if (geteuid () != 0 || nobody == NULL)
    {
      g_test_skip ("needs root and a user with uid 65534");
      return FALSE;
    }
  return TRUE;
}

static const char *
nobody_name (void)
{
  return getpwuid (NOBODY_UID)->pw_name;
}

/* The nobody side of /unix/identity/two-users. */
static void
nobody_chats (void)
{
  const char *path = g_getenv (ENV_SOCKET_PATH);
  g_autoptr(ConfabTestClient) me = NULL;
  g_autoptr(ConfabTestClient) impostor = NULL;
  g_autofree char *expected = NULL;
  g_autofree char *line = NULL;

  become_nobody ();

  /* An empty login is given the user name. */
  me = unix_client_or_fail (path);
  confab_test_client_send_line (me, "");
  confab_test_client_send_line (me, "/peers");
  expected = g_strdup_printf ("peers: %s root", nobody_name ());
  confab_test_client_expect_line (me, expected);
  confab_test_client_send_line (me, "root: hello from nobody");
  confab_test_client_sync (me, nobody_name ());

  /* Nobody may pose as root. */
  impostor = unix_client_or_fail (path);
  confab_test_client_send_line (impostor, "root");
  line = confab_test_client_read_line (impostor);
  g_clear_pointer (&expected, g_free);
  expected = g_strdup_printf ("error: not your name: on this socket you are %s", nobody_name ());
  g_assert_cmpstr (line, ==, expected);
  confab_test_client_expect_eof (impostor);

  /* The refusal changed nothing for the real root. */
  confab_test_client_send_line (me, "root: still here");
  confab_test_client_sync (me, nobody_name ());
}

static void
test_two_users (Fixture      *f,
                gconstpointer data)
{
  g_autoptr(ConfabTestClient) root = NULL;
  g_autoptr(ConfabTestClient) root_as_alice = NULL;
  g_autofree char *from_nobody = NULL;

  if (!can_switch_users ())
    return;

  root = unix_client_or_fail (f->socket_path);
  confab_test_client_login (root, "root");

  /* Root may not be "alice" either. */
  root_as_alice = unix_client_or_fail (f->socket_path);
  confab_test_client_send_line (root_as_alice, "alice");
  confab_test_client_expect_line (root_as_alice, "error: not your name: on this socket you are root");
  confab_test_client_expect_eof (root_as_alice);

  g_test_trap_subprocess ("/unix/identity/two-users/subprocess/nobody", 0,
                          G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();

  from_nobody = g_strdup_printf ("from %s: hello from nobody", nobody_name ());
  confab_test_client_expect_line (root, from_nobody);
  g_clear_pointer (&from_nobody, g_free);
  from_nobody = g_strdup_printf ("from %s: still here", nobody_name ());
  confab_test_client_expect_line (root, from_nobody);

  /* Addresses name the uid, as ListPeers shows them. */
  confab_test_daemon_wait_for_log (f->daemon, 0, "logged in from unix:uid=65534", 10000);
  confab_test_daemon_wait_for_log (f->daemon, 0, "root logged in from unix:uid=0", 10000);
}

/* The nobody side of /unix/identity/off. */
static void
nobody_as_alice (void)
{
  g_autoptr(ConfabTestClient) alice = NULL;

  become_nobody ();
  alice = unix_client_or_fail (g_getenv (ENV_SOCKET_PATH));
  confab_test_client_login (alice, "alice");
  confab_test_client_send_line (alice, "bob: hi, I am alice today");
  confab_test_client_sync (alice, "alice");
}

/* With the mode off, a Unix socket is like TCP: any valid name goes. */
static void
test_identity_off (Fixture      *f,
                   gconstpointer data)
{
  g_autoptr(ConfabTestClient) bob = NULL;

  if (!can_switch_users ())
    return;

  bob = unix_client_or_fail (f->socket_path);
  confab_test_client_login (bob, "bob");
  g_test_trap_subprocess ("/unix/identity/off/subprocess/nobody", 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
  confab_test_client_expect_line (bob, "from alice: hi, I am alice today");

  /* And an empty login is just an invalid name. */
  {
    g_autoptr(ConfabTestClient) empty = unix_client_or_fail (f->socket_path);

    confab_test_client_send_line (empty, "");
    g_free (confab_test_client_expect_prefix (empty, "error: invalid name"));
    confab_test_client_expect_eof (empty);
  }
}

/* The nobody side of /unix/socket/mode: the socket is root's, 0600. */
static void
nobody_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabTestClient) client = NULL;

  become_nobody ();
  client = unix_client (g_getenv (ENV_SOCKET_PATH), &error);
  g_assert_null (client);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_PERMISSION_DENIED);
}

static void
test_socket_mode (Fixture      *f,
                  gconstpointer data)
{
  struct group *nogroup = getgrnam ("nogroup");
  GStatBuf      st;

  g_assert_cmpint (g_stat (f->socket_path, &st), ==, 0);
  g_assert_true (S_ISSOCK (st.st_mode));
  g_assert_cmpint (st.st_mode & 07777, ==, 0600);
  g_assert_nonnull (nogroup);
  g_assert_cmpint (st.st_gid, ==, nogroup->gr_gid);

  if (!can_switch_users ())
    return;
  g_test_trap_subprocess ("/unix/socket/mode/subprocess/nobody", 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  g_test_trap_assert_passed ();
}

/* A socket file left behind by a dead server is replaced; a live one is
 * not touched, and a regular file is never removed. */
/* A slow user database (an NSS backend asking LDAP, say) must not stop
 * the daemon: the lookup for a Unix-socket caller runs in a thread while
 * everyone else is served. getpwuid_r() sleeps 3 s here (a preloaded
 * stand-in); a TCP client's round trip is served meanwhile, before the
 * Unix client's own line, which waits for its login. */
#define LOOKUP_DELAY_MS  "3000"
#define SERVED_WITHIN_MS 1500

/* Starts confabd (as confab_test_daemon_start()) with getpwuid_r() taking
 * LOOKUP_DELAY_MS. */
static ConfabTestDaemon *
start_slow_daemon (const char         *config_path,
                   const char * const *extra_args)
{
  g_autofree char  *asan_before = g_strdup (g_getenv ("ASAN_OPTIONS"));
  g_autofree char  *asan = NULL;
  const char       *preload = g_getenv ("CONFAB_TEST_SLOW_GETPWUID");
  ConfabTestDaemon *daemon;

  g_assert_nonnull (preload);
  /* Only the daemon gets the slow lookup; an instrumented daemon accepts
   * a library ahead of the sanitizer's runtime. */
  asan = g_strconcat (asan_before != NULL ? asan_before : "", ":verify_asan_link_order=0", NULL);
  g_setenv ("ASAN_OPTIONS", asan, TRUE);
  g_setenv ("LD_PRELOAD", preload, TRUE);
  g_setenv ("CONFAB_TEST_GETPW_DELAY_MS", LOOKUP_DELAY_MS, TRUE);
  daemon = confab_test_daemon_start (config_path, extra_args, 0);
  g_unsetenv ("LD_PRELOAD");
  g_unsetenv ("CONFAB_TEST_GETPW_DELAY_MS");
  if (asan_before != NULL)
    g_setenv ("ASAN_OPTIONS", asan_before, TRUE);
  else
    g_unsetenv ("ASAN_OPTIONS");
  return daemon;
}

static void
test_slow_lookup (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) root = NULL;
  g_autofree char *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char *socket_path = g_build_filename (tmp->path, "confab.sock", NULL);
  g_autofree char *listen = g_strconcat ("unix:", socket_path, NULL);
  g_autofree char *needle = g_strconcat ("Listening on ", listen, NULL);
  g_autofree char *early = NULL;
  gint64           started;
  gint64           elapsed_ms;

  g_test_summary ("With a user database that takes 3 s, a Unix-socket login "
                  "does not hold up a TCP client's round trip");

  confab_test_write_config (config_path, (const char * const[]) {
                                           "server.unix_identity", "true", NULL });

  daemon = start_slow_daemon (config_path, (const char * const[]) {
                                             "--listen", listen, NULL });
  confab_test_daemon_wait_for_log (daemon, 0, needle, 10000);

  bob = confab_test_client_new_login (confab_test_daemon_get_port (daemon), "bob");
  root = unix_client_or_fail (socket_path);
  confab_test_client_send_line (root, "");
  confab_test_client_send_line (root, "root, bob: hello");
  /* Time for the daemon to take root's login: a lookup on the main loop
   * would now hold it for the whole delay. */
  g_usleep (300 * G_TIME_SPAN_MILLISECOND);

  /* Served while root's name is still being looked up: far sooner than
   * the lookup takes (no event tells when it has started, hence time). */
  started = g_get_monotonic_time ();
  confab_test_client_sync (bob, "bob");
  elapsed_ms = (g_get_monotonic_time () - started) / 1000;
  if (elapsed_ms >= SERVED_WITHIN_MS)
    g_error ("bob waited %" G_GINT64_FORMAT " ms for a round trip during the lookup", elapsed_ms);
  early = confab_test_client_try_read_line (root, 0, NULL);
  g_assert_null (early);

  /* ...and root is logged in when it is known. */
  confab_test_client_expect_line (root, "from root: hello");
  confab_test_client_expect_line (bob, "from root: hello");
}

/* With unix_identity on, the names of local accounts are kept for their
 * owners: a TCP client cannot take "root" ahead of root on the socket.
 * Other names work on TCP as before, lines sent with the login included. */
static void
test_local_names_reserved (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestClient) squatter = NULL;
  g_autoptr(ConfabTestClient) json_squatter = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(ConfabTestClient) root = NULL;
  g_autofree char *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char *socket_path = g_build_filename (tmp->path, "confab.sock", NULL);
  g_autofree char *listen = g_strconcat ("unix:", socket_path, NULL);
  g_autofree char *needle = g_strconcat ("Listening on ", listen, NULL);
  g_autofree char *line = NULL;
  guint16          port;

  if (geteuid () != 0)
    {
      g_test_skip ("needs to run as root, a local user that surely exists");
      return;
    }
  confab_test_write_config (config_path, (const char * const[]) {
                                           "server.unix_identity", "true", NULL });
  daemon = confab_test_daemon_start (config_path, (const char * const[]) { "--listen", listen, NULL }, 0);
  confab_test_daemon_wait_for_log (daemon, 0, needle, 10000);
  port = confab_test_daemon_get_port (daemon);

  squatter = confab_test_client_new (port);
  confab_test_client_send_line (squatter, "root");
  confab_test_client_send_line (squatter, "root: I am root");
  confab_test_client_expect_line (squatter, "error: not your name: root is reserved for the "
                                            "local user of that name, on the Unix socket");
  confab_test_client_expect_eof (squatter);

  json_squatter = confab_test_client_new (port);
  confab_test_client_send_line (json_squatter, "{\"type\":\"login\",\"name\":\"root\"}");
  line = confab_test_client_read_line (json_squatter);
  g_assert_nonnull (strstr (line, "\"code\":\"not-your-name\""));
  confab_test_client_expect_eof (json_squatter);

  /* Not a local account: served, with the line sent along the login. */
  bob = confab_test_client_new (port);
  confab_test_client_send_line (bob, "confab-test-bob\nconfab-test-bob: first");
  confab_test_client_expect_line (bob, "from confab-test-bob: first");

  root = unix_client_or_fail (socket_path);
  confab_test_client_send_line (root, "");
  confab_test_client_send_line (root, "/peers");
  confab_test_client_expect_line (root, "peers: confab-test-bob root");
}

/* Lookups run in a pool of their own: with 100 of them waiting on a slow
 * user database, a D-Bus call (which GDBus runs through GLib's task pool)
 * is answered before the first lookup is even done. */
#define N_WAITING 100

static void
list_peers_done (GObject      *source,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  GVariant **reply = user_data;
  g_autoptr(GError) error = NULL;

  *reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &error);
  g_assert_no_error (error);
}

static void
test_lookup_pool (void)
{
  g_autoptr(ConfabDBusTestBus) bus = confab_dbus_test_bus_up ();
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(GPtrArray) waiting = g_ptr_array_new_with_free_func ((GDestroyNotify) confab_test_client_free);
  g_autoptr(GDBusConnection) connection = NULL;
  g_autoptr(ConfabTestClient) bob = NULL;
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char  *config_path = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char  *socket_path = g_build_filename (tmp->path, "confab.sock", NULL);
  g_autofree char  *listen = g_strconcat ("unix:", socket_path, NULL);
  g_autofree char  *needle = g_strconcat ("Listening on ", listen, NULL);
  g_autofree char  *first = NULL;
  ConfabTestClient *root;
  gint64            deadline;

  g_test_summary ("100 slow user-name lookups do not hold up a D-Bus call");

  confab_test_write_config (config_path, (const char * const[]) {
                                           "server.unix_identity", "true", NULL });
  daemon = start_slow_daemon (config_path, (const char * const[]) {
                                             "--listen", listen, "--bus", "session", NULL });
  confab_test_daemon_wait_for_log (daemon, 0, needle, 10000);
  connection = g_dbus_connection_new_for_address_sync (confab_dbus_test_bus_get_address (bus),
                                                       G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT |
                                                         G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                                       NULL, NULL, &error);
  g_assert_no_error (error);
  confab_dbus_test_wait_name (connection, "org.confab.Confab1", TRUE, 10000);

  /* The first caller logs in and asks; its answer marks the end of its
   * lookup, the first one queued. */
  root = unix_client_or_fail (socket_path);
  g_ptr_array_add (waiting, root);
  confab_test_client_send_line (root, "");
  confab_test_client_send_line (root, "/peers");
  for (guint i = 1; i < N_WAITING; i++)
    g_ptr_array_add (waiting, unix_client_or_fail (socket_path));
  /* A round trip on TCP (a refused name needs no lookup): the daemon has
   * taken the connections by now. */
  bob = confab_test_client_new (confab_test_daemon_get_port (daemon));
  confab_test_client_send_line (bob, "@bob");
  confab_test_client_expect_line (bob, "error: invalid name: names may not start with '@' or '#'");

  g_dbus_connection_call (connection, "org.confab.Confab1", "/org/confab/Confab1",
                          "org.confab.Confab1.Manager", "ListPeers", NULL,
                          G_VARIANT_TYPE ("(a(sst))"), G_DBUS_CALL_FLAGS_NONE,
                          confab_test_timeout_ms (120000), NULL, list_peers_done, &reply);
  deadline = g_get_monotonic_time () + confab_test_timeout_ms (120000) * G_TIME_SPAN_MILLISECOND;
  while (reply == NULL && first == NULL && g_get_monotonic_time () < deadline)
    {
      g_main_context_iteration (NULL, FALSE);
      first = confab_test_client_try_read_line (root, 10, NULL);
    }
  if (first != NULL)
    g_error ("the first lookup ended (\"%s\") before ListPeers was answered", first);
  g_assert_nonnull (reply);

  /* ...and the lookups still end. */
  first = confab_test_client_read_line (root);
  g_assert_cmpstr (first, ==, "peers: root");
}

static void
test_stale_socket (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *path = g_build_filename (tmp->path, "confab.sock", NULL);
  g_autofree char *listen = g_strconcat ("unix:", path, NULL);
  g_autofree char *needle = g_strconcat ("Listening on ", listen, NULL);
  g_autoptr(GSocket) dead = NULL;
  g_autoptr(GSocketAddress) address = g_unix_socket_address_new (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autoptr(ConfabTestDaemon) second = NULL;
  g_autoptr(ConfabTestClient) client = NULL;
  const char * const args[] = { "--listen", listen, "--bus", "none", NULL };
  int                status;

  /* Bound, then closed without unlinking: what a crash leaves. */
  dead = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (dead, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_close (dead, NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));

  daemon = confab_test_daemon_spawn (args, 0);
  confab_test_daemon_wait_for_log (daemon, 0, needle, 10000);
  client = unix_client_or_fail (path);
  confab_test_client_login (client, "alice");

  /* A second daemon on the live socket fails, and leaves it alone. */
  second = confab_test_daemon_spawn (args, 0);
  confab_test_daemon_wait_exit (second, confab_test_timeout_ms (10000));
  g_assert_true (confab_test_daemon_get_exit_status (second, &status));
  g_assert_cmpint (status, !=, 0);
  confab_test_client_sync (client, "alice");

  confab_test_client_free (g_steal_pointer (&client));
  confab_test_daemon_stop (daemon);
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));

  /* A regular file in the way is an error, not deleted. */
  g_assert_true (g_file_set_contents (path, "not a socket", -1, NULL));
  confab_test_daemon_free (g_steal_pointer (&second));
  second = confab_test_daemon_spawn (args, 0);
  confab_test_daemon_wait_exit (second, confab_test_timeout_ms (10000));
  g_assert_true (confab_test_daemon_get_exit_status (second, &status));
  g_assert_cmpint (status, !=, 0);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  g_unlink (path);
}

static const Options identity_on = { "true", "0666", NULL };
static const Options identity_off = { "false", "0666", NULL };
static const Options private_socket = { "true", "0600", "nogroup" };

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/unix/identity/two-users", Fixture, &identity_on,
              fixture_setup, test_two_users, fixture_teardown);
  g_test_add_func ("/unix/identity/two-users/subprocess/nobody", nobody_chats);
  g_test_add ("/unix/identity/off", Fixture, &identity_off,
              fixture_setup, test_identity_off, fixture_teardown);
  g_test_add_func ("/unix/identity/off/subprocess/nobody", nobody_as_alice);
  g_test_add ("/unix/socket/mode", Fixture, &private_socket,
              fixture_setup, test_socket_mode, fixture_teardown);
  g_test_add_func ("/unix/socket/mode/subprocess/nobody", nobody_refused);
  g_test_add_func ("/unix/socket/stale", test_stale_socket);
  g_test_add_func ("/unix/identity/slow-lookup", test_slow_lookup);
  g_test_add_func ("/unix/identity/lookup-pool", test_lookup_pool);
  g_test_add_func ("/unix/identity/local-names-reserved", test_local_names_reserved);

  return g_test_run ();
}
