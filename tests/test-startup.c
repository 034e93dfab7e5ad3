/* test-startup.c: how confabd starts: which listen addresses it binds.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <signal.h>
#include <string.h>
#include <gio/gio.h>

#include "confab-test-util.h"

/* With 127.0.0.1:8080 held by another program, the built-in defaults must
 * not be served on [::1]:8080 alone: a busy default port is fatal. The real
 * default port is used (no --listen, no listen= in the config), so the
 * test skips when the port is already taken. */
static void
test_default_port_busy (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char *config = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autoptr(GSocket) holder = NULL;
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  g_autofree char *log = NULL;
  const char      *args[] = { "--bus", "none", "--config", config, NULL };

  holder = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                         G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  address = g_inet_socket_address_new_from_string ("127.0.0.1", 8080);
  if (!g_socket_bind (holder, address, FALSE, &error) ||
      !g_socket_listen (holder, &error))
    {
      g_test_skip_printf ("127.0.0.1:8080 is not free: %s", error->message);
      return;
    }

  confab_test_write_config (config, NULL);
  daemon = confab_test_daemon_spawn (args, 0);
  confab_test_daemon_wait_exit (daemon, 10000);
  confab_test_daemon_assert_exit_status (daemon, 1);
  log = confab_test_daemon_dup_log (daemon);
  g_assert_nonnull (strstr (log, "127.0.0.1:8080"));
  g_assert_nonnull (strstr (log, "in use"));
  g_assert_null (strstr (log, "No address to listen on"));
}

/* SIGHUP logs each changed key with its old and new value, or that
 * nothing changed. */
static void
test_reload_logs_changes (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char   *config = g_build_filename (tmp->path, "confab.conf", NULL);
  const char * const changed[] = { "peers_max", "500", "login_timeout_sec", "7", NULL };
  g_autoptr(ConfabTestDaemon) daemon = NULL;
  gsize offset;

  confab_test_write_config (config, NULL);
  daemon = confab_test_daemon_start (config, NULL, 0);

  confab_test_write_config (config, changed);
  offset = confab_test_daemon_get_log_length (daemon);
  confab_test_daemon_send_signal (daemon, SIGHUP);
  offset = confab_test_daemon_wait_for_log (daemon, offset, "Reload: peers_max: 10000 → 500", 10000);
  offset = confab_test_daemon_wait_for_log (daemon, offset, "Reload: login_timeout_sec: 10 → 7", 10000);
  offset = confab_test_daemon_wait_for_log (daemon, offset, "Reloaded configuration", 10000);

  confab_test_daemon_send_signal (daemon, SIGHUP);
  offset = confab_test_daemon_wait_for_log (daemon, offset, "Reload: no change", 10000);
  confab_test_daemon_wait_for_log (daemon, offset, "Reloaded configuration", 10000);
  confab_test_daemon_stop (daemon);
}

/* Runs `confabd --check-config --config PATH`; returns its output. */
static char *
check_config (const char *path,
              int         expected_status)
{
  const char *args[] = { "--check-config", "--config", path, "--bus", "none", NULL };
  g_autoptr(ConfabTestDaemon) daemon = confab_test_daemon_spawn (args, 0);

  confab_test_daemon_wait_exit (daemon, 10000);
  confab_test_daemon_assert_exit_status (daemon, expected_status);
  return confab_test_daemon_dup_log (daemon);
}

/* --check-config: silent success, or the error and status 1, and never
 * a bound socket. */
static void
test_check_config (void)
{
  g_autoptr(ConfabTestTmpDir) tmp = confab_test_tmp_dir_new ();
  g_autofree char   *config = g_build_filename (tmp->path, "confab.conf", NULL);
  g_autofree char   *missing = g_build_filename (tmp->path, "missing.conf", NULL);
  const char * const good[] = { "peers_max", "500", "server.listen", "127.0.0.1:0", NULL };
  const char * const bad_limit[] = { "peers_max", "0", NULL };
  const char * const bad_listen[] = { "server.listen", "nowhere", NULL };
  g_autofree char   *out = NULL;

  confab_test_write_config (config, good);
  out = check_config (config, 0);
  g_assert_cmpstr (out, ==, "");
  g_clear_pointer (&out, g_free);

  confab_test_write_config (config, bad_limit);
  out = check_config (config, 1);
  g_assert_nonnull (strstr (out, "peers_max"));
  g_assert_null (strstr (out, "Listening"));
  g_clear_pointer (&out, g_free);

  confab_test_write_config (config, bad_listen);
  out = check_config (config, 1);
  g_assert_nonnull (strstr (out, "listen"));
  g_assert_null (strstr (out, "Listening"));
  g_clear_pointer (&out, g_free);

  out = check_config (missing, 1);
  g_assert_nonnull (strstr (out, "missing.conf"));
  g_clear_pointer (&out, g_free);

  /* A misspelt key is a warning naming file, line and key; still valid. */
  {
    const char * const misspelt[] = { "peers_maks", "5", NULL };
    g_autofree char   *where = g_strdup_printf ("%s:", config);

    confab_test_write_config (config, misspelt);
    out = check_config (config, 0);
    g_assert_nonnull (strstr (out, where));
    g_assert_nonnull (strstr (out, "ignoring unknown key “peers_maks” in [limits]"));
    g_assert_nonnull (strstr (out, "WARNING"));
  }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/startup/default-port-busy", test_default_port_busy);
  g_test_add_func ("/startup/reload-logs-changes", test_reload_logs_changes);
  g_test_add_func ("/startup/check-config", test_check_config);

  return g_test_run ();
}
