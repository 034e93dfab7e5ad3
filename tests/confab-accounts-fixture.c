/* confab-accounts-fixture.c: a confabd with accounts, TLS, IRC over TLS
 * and a Unix socket, for the tests of logins with passwords, SASL and
 * client certificates (SPEC §11).
 *
 * The accounts file is written by the test with hashes made here by
 * libxcrypt (yescrypt, as confabctl passwd makes them); the certificates
 * are made with certtool; confabd's counters are read over a private
 * session bus.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <crypt.h>
#include <string.h>

#include "confab-accounts-fixture.h"

/* A yescrypt hash of @password, as confabctl passwd writes one. */
static char *
hash_password (const char *password)
{
  char               salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data *data = g_new0 (struct crypt_data, 1);
  char              *hash;

  g_assert_nonnull (crypt_gensalt_rn ("$y$", 0, NULL, 0, salt, sizeof salt));
  g_assert_nonnull (crypt_rn (password, salt, data, sizeof *data));
  g_assert_cmpint (data->output[0], ==, '$');
  hash = g_strdup (data->output);
  g_free (data);
  return hash;
}

void
write_accounts (Fixture    *fx,
                const char *first,
                ...)
{
  g_autoptr(GString) contents = g_string_new ("# the test's accounts\n");
  g_autoptr(GError) error = NULL;
  va_list     args;
  const char *name;

  va_start (args, first);
  for (name = first; name != NULL; name = va_arg (args, const char *))
    {
      g_autofree char *hash = hash_password (va_arg (args, const char *));

      g_string_append_printf (contents, "%s:%s", name, hash);
      if (g_str_equal (name, "alice") && fx->alice_certfp != NULL)
        g_string_append_printf (contents, ":certfp=%s", fx->alice_certfp);
      g_string_append_c (contents, '\n');
    }
  va_end (args);
  g_file_set_contents (fx->accounts_path, contents->str, -1, &error);
  g_assert_no_error (error);
}

static void
write_config (Fixture    *fx,
              const char *required)
{
  g_autofree char   *cert = g_build_filename (fx->tmp->path, "server.pem", NULL);
  g_autofree char   *key = g_build_filename (fx->tmp->path, "server.key", NULL);
  const char * const kv[] = { "tls.certificate", cert, "tls.key", key,
                              "accounts.file", fx->accounts_path, "accounts.required", required,
                              /* Last: only with a database. */
                              "history.database", fx->history_path,
                              "history.offline_max_messages", "2", "history.history_replay_max", "5", NULL };

  if (fx->history_path == NULL)
    {
      const char *without[G_N_ELEMENTS (kv)];

      memcpy (without, kv, sizeof kv);
      without[8] = NULL;
      confab_test_write_config (fx->config_path, without);
      return;
    }
  confab_test_write_config (fx->config_path, kv);
}

void
rewrite_config (Fixture *fx)
{
  write_config (fx, "false");
}

void
start_daemon (Fixture *fx)
{
  const char * const args[] = { "--bus", "session", "--listen", "tls:127.0.0.1:0", "--listen",
                                "ircs:127.0.0.1:0", "--listen", "irc:127.0.0.1:0", "--listen", NULL, NULL };
  g_autofree char   *unix_listen = g_strdup_printf ("unix:%s", fx->unix_path);
  const char        *with_unix[G_N_ELEMENTS (args)];

  memcpy (with_unix, args, sizeof args);
  with_unix[9] = unix_listen;
  fx->daemon = confab_test_daemon_start (fx->config_path, with_unix, 0);
  fx->port = confab_test_daemon_get_port (fx->daemon);
  fx->tls_port = confab_test_daemon_get_scheme_port (fx->daemon, "tls");
  fx->irc_port = confab_test_daemon_get_scheme_port (fx->daemon, "ircs");
  fx->irc_tcp_port = confab_test_daemon_get_scheme_port (fx->daemon, "irc");
  confab_dbus_test_wait_name (fx->connection, "org.confab.Confab1", TRUE, WAIT_MS);
}

G_NORETURN
static void
fail_hook (const char *strloc,
           const char *message)
{
  confab_test_fail_at (strloc, "wait", "%s", message);
}

void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char *certtool = g_find_program_in_path ("certtool");

  if (certtool == NULL || !g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_test_skip ("certtool (gnutls-bin) or GIO's TLS backend (glib-networking) is missing");
      return;
    }
  confab_dbus_test_set_fail_func (fail_hook);
  fx->bus = confab_dbus_test_bus_up ();
  fx->connection = confab_dbus_test_bus_connect (fx->bus);
  fx->tmp = confab_test_tmp_dir_new ();
  fx->config_path = g_build_filename (fx->tmp->path, "confab.conf", NULL);
  fx->accounts_path = g_build_filename (fx->tmp->path, "accounts", NULL);
  fx->unix_path = g_build_filename (fx->tmp->path, "confab.sock", NULL);
  confab_tls_test_make_pki (fx->tmp->path, "ca", "server", TRUE);
  /* alice's certificate, signed by the CA; mallory's, by nobody: either
   * may be offered, only the fingerprint an account lists counts. */
  confab_tls_test_make_client_cert (fx->tmp->path, "ca", "alice");
  confab_tls_test_make_client_cert (fx->tmp->path, NULL, "mallory");
  fx->alice_certfp = confab_tls_test_dup_certfp (fx->tmp->path, "alice");
  write_accounts (fx, "alice", "correct horse", "carol", "battery staple", NULL);
  write_config (fx, data != NULL ? "true" : "false");
}

void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->daemon, confab_test_daemon_free);
  if (fx->connection != NULL)
    g_dbus_connection_close_sync (fx->connection, NULL, NULL);
  g_clear_object (&fx->connection);
  g_clear_pointer (&fx->bus, confab_dbus_test_bus_free);
  g_clear_pointer (&fx->config_path, g_free);
  g_clear_pointer (&fx->accounts_path, g_free);
  g_clear_pointer (&fx->unix_path, g_free);
  g_clear_pointer (&fx->alice_certfp, g_free);
  g_clear_pointer (&fx->history_path, g_free);
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

guint64
get_counter (Fixture    *fx,
             const char *key)
{
  return confab_dbus_test_get_counter (fx->connection, key);
}

/* GetPeer's account and login_method of @name, "account/method". */
char *
peer_login (Fixture    *fx,
            const char *name)
{
  g_autoptr(GVariant) info = confab_dbus_test_call_manager (fx->connection, "GetPeer", g_variant_new ("(s)", name));
  const char *account = NULL;
  const char *method = NULL;

  g_assert_true (g_variant_lookup (info, "account", "&s", &account));
  g_assert_true (g_variant_lookup (info, "login_method", "&s", &method));
  return g_strdup_printf ("%s/%s", account, method);
}

/* A TLS login with @line; returns the client, logged in or refused. */
TlsClient *
tls_login (Fixture    *fx,
           const char *line)
{
  TlsClient *client = tls_client_new (fx->tmp->path, fx->tls_port);

  tls_send (client, line);
  return client;
}

/* Waits, bounded, until @name is in ListPeers (@present) or is not. */
void
wait_peer (Fixture    *fx,
           const char *name,
           gboolean    wanted)
{
  for (guint i = 0; i < 200; i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GVariant) reply = g_dbus_connection_call_sync (
        fx->connection, "org.confab.Confab1", "/org/confab/Confab1", "org.confab.Confab1.Manager", "ListPeers",
        NULL, G_VARIANT_TYPE ("(a(sst))"), G_DBUS_CALL_FLAGS_NONE, WAIT_MS, NULL, &error);
      g_autoptr(GVariantIter) peers = NULL;
      const char *peer;
      gboolean    present = FALSE;

      g_assert_no_error (error);
      g_variant_get (reply, "(a(sst))", &peers);
      while (g_variant_iter_next (peers, "(&sst)", &peer, NULL, NULL))
        present = present || g_str_equal (peer, name);
      if (present == wanted)
        return;
      g_usleep (50 * G_TIME_SPAN_MILLISECOND);
    }
  g_error (wanted ? "%s never logged in" : "%s is still connected", name);
}
