/* confab-tls-test-util.c: certificates and a TLS client for the tests.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-test-util.h"
#include "confab-tls-test-util.h"

#define WAIT_MS 20000

/* Runs certtool with @args (NULL-terminated) in the test's directory. */
static void
certtool (const char *dir,
          ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *err = NULL;
  const char      *arg;
  va_list          args;
  int              status;

  g_ptr_array_add (argv, (char *) "certtool");
  va_start (args, dir);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, (char *) arg);
  va_end (args);
  g_ptr_array_add (argv, NULL);

  g_spawn_sync (dir, (char **) argv->pdata, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
                NULL, NULL, NULL, &err, &status, &error);
  g_assert_no_error (error);
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("certtool failed: %s", err);
}

static void
write_template (const char *dir,
                const char *name,
                const char *contents)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
}

/* A CA (@ca.pem, @ca.key) and a certificate it signed for localhost and
 * 127.0.0.1 (@cert.pem, @cert.key); @valid: FALSE for one that expired. */
void
confab_tls_test_make_pki (const char *dir,
                          const char *ca,
                          const char *cert,
                          gboolean    valid)
{
  g_autofree char *ca_key = g_strconcat (ca, ".key", NULL);
  g_autofree char *ca_pem = g_strconcat (ca, ".pem", NULL);
  g_autofree char *cert_key = g_strconcat (cert, ".key", NULL);
  g_autofree char *cert_pem = g_strconcat (cert, ".pem", NULL);
  g_autofree char *ca_template = g_strconcat (ca, ".tmpl", NULL);
  g_autofree char *cert_template = g_strconcat (cert, ".tmpl", NULL);
  g_autofree char *ca_text = g_strdup_printf ("cn = \"confab test CA %s\"\nca\ncert_signing_key\n"
                                              "expiration_days = 2\n",
                                              ca);
  const char      *dates = valid ? "expiration_days = 2\n"
                                 : "activation_date = \"2020-01-01 00:00:00\"\n"
                                   "expiration_date = \"2020-01-02 00:00:00\"\n";
  g_autofree char *cert_text = g_strdup_printf ("cn = localhost\ndns_name = localhost\n"
                                                "ip_address = 127.0.0.1\ntls_www_server\n"
                                                "signing_key\nencryption_key\n%s",
                                                dates);

  write_template (dir, ca_template, ca_text);
  write_template (dir, cert_template, cert_text);
  certtool (dir, "--generate-privkey", "--key-type=ecdsa", "--outfile", ca_key, NULL);
  certtool (dir, "--generate-self-signed", "--load-privkey", ca_key, "--template", ca_template,
            "--outfile", ca_pem, NULL);
  certtool (dir, "--generate-privkey", "--key-type=ecdsa", "--outfile", cert_key, NULL);
  certtool (dir, "--generate-certificate", "--load-privkey", cert_key, "--load-ca-certificate", ca_pem,
            "--load-ca-privkey", ca_key, "--template", cert_template, "--outfile", cert_pem, NULL);
}

void
confab_tls_test_make_client_cert (const char *dir,
                                  const char *ca,
                                  const char *name)
{
  g_autofree char *key = g_strconcat (name, ".key", NULL);
  g_autofree char *pem = g_strconcat (name, ".pem", NULL);
  g_autofree char *template = g_strconcat (name, ".tmpl", NULL);
  g_autofree char *text = g_strdup_printf ("cn = \"%s\"\ntls_www_client\nsigning_key\nexpiration_days = 2\n",
                                           name);

  write_template (dir, template, text);
  certtool (dir, "--generate-privkey", "--key-type=ecdsa", "--outfile", key, NULL);
  if (ca == NULL)
    certtool (dir, "--generate-self-signed", "--load-privkey", key, "--template", template, "--outfile", pem,
              NULL);
  else
    {
      g_autofree char *ca_key = g_strconcat (ca, ".key", NULL);
      g_autofree char *ca_pem = g_strconcat (ca, ".pem", NULL);

      certtool (dir, "--generate-certificate", "--load-privkey", key, "--load-ca-certificate", ca_pem,
                "--load-ca-privkey", ca_key, "--template", template, "--outfile", pem, NULL);
    }
}

char *
confab_tls_test_dup_certfp (const char *dir,
                            const char *name)
{
  g_autofree char *pem = g_strconcat (name, ".pem", NULL);
  const char      *argv[] = { "openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", pem, NULL };
  g_autofree char *out = NULL;
  g_autoptr(GError) error = NULL;
  const char *equals;
  int         status;

  g_spawn_sync (dir, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out, NULL, &status, &error);
  g_assert_no_error (error);
  g_assert_true (g_spawn_check_wait_status (status, NULL));
  /* "sha256 Fingerprint=AB:CD:…" */
  equals = strchr (out, '=');
  g_assert_nonnull (equals);
  return g_strstrip (g_strdup (equals + 1));
}

struct _TlsClient
{
  GSocketConnection *tcp; /* (owned) */
  GIOStream         *tls; /* (owned) */
  GDataInputStream  *in;  /* (owned) */
};

void
tls_client_free (TlsClient *client)
{
  if (client->tls != NULL)
    g_io_stream_close (client->tls, NULL, NULL);
  g_clear_object (&client->in);
  g_clear_object (&client->tls);
  g_clear_object (&client->tcp);
  g_free (client);
}

/* Connects to @port over TLS, trusting only @ca_file; %NULL with @error
 * if the handshake fails (a certificate the client refuses). */
TlsClient *
tls_client_try_new (const char *dir,
                    guint16     port,
                    const char *ca,
                    GError    **error)
{
  return tls_client_try_new_with_cert (dir, port, ca, NULL, error);
}

TlsClient *
tls_client_try_new_with_cert (const char *dir,
                              guint16     port,
                              const char *ca,
                              const char *cert,
                              GError    **error)
{
  g_autoptr(TlsClient) client = g_new0 (TlsClient, 1);
  g_autoptr(GSocketClient) socket_client = g_socket_client_new ();
  g_autoptr(GSocketConnectable) identity = g_network_address_new ("localhost", port);
  g_autoptr(GTlsDatabase) database = NULL;
  g_autofree char *ca_pem = g_strconcat (ca, ".pem", NULL);
  g_autofree char *ca_path = g_build_filename (dir, ca_pem, NULL);
  g_autofree char *port_text = g_strdup_printf ("127.0.0.1:%u", port);
  g_autoptr(GError) local_error = NULL;

  /* No proxy: its resolver would read GSettings, absent in isolated dirs. */
  g_socket_client_set_enable_proxy (socket_client, FALSE);
  client->tcp = g_socket_client_connect_to_host (socket_client, port_text, 0, NULL, &local_error);
  g_assert_no_error (local_error);
  g_socket_set_timeout (g_socket_connection_get_socket (client->tcp), confab_test_timeout_ms (WAIT_MS) / 1000);
  database = g_tls_file_database_new (ca_path, &local_error);
  g_assert_no_error (local_error);
  client->tls = g_tls_client_connection_new (G_IO_STREAM (client->tcp), identity, &local_error);
  g_assert_no_error (local_error);
  g_tls_connection_set_database (G_TLS_CONNECTION (client->tls), database);
  if (cert != NULL)
    {
      g_autofree char *pem = g_strconcat (cert, ".pem", NULL);
      g_autofree char *key = g_strconcat (cert, ".key", NULL);
      g_autofree char *pem_path = g_build_filename (dir, pem, NULL);
      g_autofree char *key_path = g_build_filename (dir, key, NULL);
      g_autoptr(GTlsCertificate) certificate = g_tls_certificate_new_from_files (pem_path, key_path, &local_error);

      g_assert_no_error (local_error);
      g_tls_connection_set_certificate (G_TLS_CONNECTION (client->tls), certificate);
    }
  if (!g_tls_connection_handshake (G_TLS_CONNECTION (client->tls), NULL, error))
    return NULL;
  client->in = g_data_input_stream_new (g_io_stream_get_input_stream (client->tls));
  g_data_input_stream_set_newline_type (client->in, G_DATA_STREAM_NEWLINE_TYPE_ANY);
  return g_steal_pointer (&client);
}

TlsClient *
tls_client_new (const char *dir,
                guint16     port)
{
  g_autoptr(GError) error = NULL;
  TlsClient *client = tls_client_try_new (dir, port, "ca", &error);

  g_assert_no_error (error);
  return client;
}

void
tls_send (TlsClient  *client,
          const char *text)
{
  g_autoptr(GError) error = NULL;

  g_output_stream_write_all (g_io_stream_get_output_stream (client->tls), text, strlen (text), NULL, NULL,
                             &error);
  g_assert_no_error (error);
}

char *
tls_read_line (TlsClient *client)
{
  g_autoptr(GError) error = NULL;
  char *line = g_data_input_stream_read_line_utf8 (client->in, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (line);
  return line;
}

void
tls_shutdown_tcp_write (TlsClient *client)
{
  g_autoptr(GError) error = NULL;

  g_socket_shutdown (g_socket_connection_get_socket (client->tcp), FALSE, TRUE, &error);
  g_assert_no_error (error);
}

void
tls_expect_clean_eof (TlsClient *client)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *line = g_data_input_stream_read_line_utf8 (client->in, NULL, NULL, &error);

  /* GIO requires close_notify: without it this is G_TLS_ERROR_EOF. */
  g_assert_no_error (error);
  g_assert_null (line);
}

void
tls_expect_line (TlsClient  *client,
                 const char *expected)
{
  g_autofree char *line = tls_read_line (client);

  g_assert_cmpstr (line, ==, expected);
}

/* Runs the confab client on @args with @input; returns its exit status
 * and what it wrote to standard error. Bounded by the watchdog. */
int
confab_tls_test_run_client (const char * const *args,
                            const char         *input,
                            char              **err)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autoptr(GSubprocess) process = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;

  g_ptr_array_add (argv, confab_test_program_path ("confab"));
  for (gsize i = 0; args[i] != NULL; i++)
    g_ptr_array_add (argv, g_strdup (args[i]));
  g_ptr_array_add (argv, NULL);
  launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE |
                                        G_SUBPROCESS_FLAGS_STDERR_PIPE);
  /* In a sanitizer build LeakSanitizer's exit-time tracer crashes on
   * GnuTLS's threads, which would turn every exit status into 1. */
  g_subprocess_launcher_setenv (launcher, "LSAN_OPTIONS", "detect_leaks=0", TRUE);
  g_subprocess_launcher_setenv (launcher, "ASAN_OPTIONS", "detect_leaks=0", TRUE);
  process = g_subprocess_launcher_spawnv (launcher, (const char * const *) argv->pdata, &error);
  g_assert_no_error (error);
  /* The client exits once its input has ended and been answered. */
  g_subprocess_communicate_utf8 (process, input, NULL, &out, err, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_get_if_exited (process));
  return g_subprocess_get_exit_status (process);
}
