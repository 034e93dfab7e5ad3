/* test-systemd.c: sd_notify and LISTEN_FDS, with the test as systemd.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gio/gunixsocketaddress.h>

#include "confab-error.h"
#include "confab-systemd.h"

/* A datagram socket standing in for systemd's notification socket. */
typedef struct
{
  char    *dir;
  GSocket *socket;
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  gboolean abstract = GPOINTER_TO_INT (data);
  g_autoptr(GSocketAddress) address = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *env = NULL;

  fx->dir = g_dir_make_tmp ("confab-notify-XXXXXX", &error);
  g_assert_no_error (error);

  if (abstract)
    {
      g_autofree char *name = g_strdup_printf ("confab-test-notify-%d-%u", getpid (), g_random_int ());

      address = g_unix_socket_address_new_with_type (name, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
      env = g_strconcat ("@", name, NULL);
    }
  else
    {
      env = g_build_filename (fx->dir, "notify", NULL);
      address = g_unix_socket_address_new (env);
    }

  fx->socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                             G_SOCKET_PROTOCOL_DEFAULT, &error);
  g_assert_no_error (error);
  g_socket_bind (fx->socket, address, FALSE, &error);
  g_assert_no_error (error);
  g_socket_set_timeout (fx->socket, 10);
  g_setenv ("NOTIFY_SOCKET", env, TRUE);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_autofree char *path = g_build_filename (fx->dir, "notify", NULL);

  g_unsetenv ("NOTIFY_SOCKET");
  g_clear_object (&fx->socket);
  g_unlink (path);
  g_rmdir (fx->dir);
  g_free (fx->dir);
}

static char *
receive (Fixture *fx)
{
  g_autoptr(GError) error = NULL;
  char   buf[4096];
  gssize n;

  n = g_socket_receive (fx->socket, buf, sizeof buf, NULL, &error);
  g_assert_no_error (error);
  return g_strndup (buf, n);
}

static void
test_notify (Fixture      *fx,
             gconstpointer data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_assert_true (confab_systemd_notify ("READY=1\nSTATUS=Serving 0 peers", &error));
  g_assert_no_error (error);
  g_assert_true (confab_systemd_notify ("STOPPING=1", &error));
  g_assert_no_error (error);

  first = receive (fx);
  second = receive (fx);
  g_assert_cmpstr (first, ==, "READY=1\nSTATUS=Serving 0 peers");
  g_assert_cmpstr (second, ==, "STOPPING=1");
}

static void
test_notify_unset (void)
{
  g_autoptr(GError) error = NULL;

  g_unsetenv ("NOTIFY_SOCKET");
  g_assert_true (confab_systemd_notify ("READY=1", &error));
  g_assert_no_error (error);
}

static void
test_notify_bad_socket (void)
{
  g_autoptr(GError) error = NULL;

  g_setenv ("NOTIFY_SOCKET", "relative/path", TRUE);
  g_assert_false (confab_systemd_notify ("READY=1", &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_FAILED);
  g_clear_error (&error);

  /* Nobody listening there: an error, not a crash or a hang. */
  g_setenv ("NOTIFY_SOCKET", "/nonexistent/confab/notify", TRUE);
  g_assert_false (confab_systemd_notify ("READY=1", &error));
  g_assert_nonnull (error);
  g_unsetenv ("NOTIFY_SOCKET");
}

static void
test_parse_listen_env (void)
{
  struct
  {
    const char *pid;
    const char *fds;
    gboolean    ok;
    guint       n;
  } cases[] = {
    { NULL, NULL, TRUE, 0 },
    { "100", NULL, TRUE, 0 },
    { "100", "2", TRUE, 2 },
    { "101", "2", TRUE, 0 }, /* another process's sockets */
    { "100", "0", FALSE, 0 },
    { "100", "-1", FALSE, 0 },
    { "100", "two", FALSE, 0 },
    { "x100", "1", FALSE, 0 },
    { "100", "99999", FALSE, 0 },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      guint    n = 42;
      gboolean ok;

      ok = confab_systemd_parse_listen_env (cases[i].pid, cases[i].fds, 100, &n, &error);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        {
          g_assert_no_error (error);
          g_assert_cmpuint (n, ==, cases[i].n);
        }
      else
        g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_FAILED);
    }
}

/* Runs in a subprocess: it moves listening sockets to descriptors 3 and
 * 4 as systemd would, which must not disturb the test runner. */
static void
test_take_listen_sockets (void)
{
  if (g_test_subprocess ())
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(GPtrArray) sockets = NULL;
      g_auto(GStrv) names = NULL;
      g_autofree char *pid = g_strdup_printf ("%d", getpid ());

      /* Park each listener high first: its own descriptor may be 3 or 4. */
      for (int i = 0; i < 2; i++)
        {
          g_autoptr(GSocket) listener = g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
                                                       G_SOCKET_PROTOCOL_DEFAULT, &error);
          g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
          g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

          g_assert_no_error (error);
          g_socket_bind (listener, address, TRUE, &error);
          g_assert_no_error (error);
          g_socket_listen (listener, &error);
          g_assert_no_error (error);
          g_assert_cmpint (dup2 (g_socket_get_fd (listener), 100 + i), ==, 100 + i);
        }
      for (int i = 0; i < 2; i++)
        {
          g_assert_cmpint (dup2 (100 + i, CONFAB_SYSTEMD_LISTEN_FDS_START + i), ==,
                           CONFAB_SYSTEMD_LISTEN_FDS_START + i);
          close (100 + i);
        }

      g_setenv ("LISTEN_PID", pid, TRUE);
      g_setenv ("LISTEN_FDS", "2", TRUE);
      g_setenv ("LISTEN_FDNAMES", "a:irc", TRUE);

      sockets = confab_systemd_take_listen_sockets (&names, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (sockets->len, ==, 2);
      g_assert_cmpstrv (names, ((const char *[]) { "a", "irc", NULL }));
      for (guint i = 0; i < sockets->len; i++)
        {
          GSocket *socket = g_ptr_array_index (sockets, i);
          g_autoptr(GSocketAddress) local = g_socket_get_local_address (socket, &error);

          g_assert_no_error (error);
          g_assert_cmpint (g_socket_get_fd (socket), ==, CONFAB_SYSTEMD_LISTEN_FDS_START + (int) i);
          g_assert_true (G_IS_INET_SOCKET_ADDRESS (local));
          g_assert_cmpuint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)), >, 0);
        }

      /* No child may inherit them. */
      g_assert_null (g_getenv ("LISTEN_PID"));
      g_assert_null (g_getenv ("LISTEN_FDS"));
      g_assert_null (g_getenv ("LISTEN_FDNAMES"));
      return;
    }

  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
}

static void
test_take_not_activated (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) sockets = NULL;

  g_setenv ("LISTEN_PID", "1", TRUE); /* not us */
  g_setenv ("LISTEN_FDS", "1", TRUE);
  sockets = confab_systemd_take_listen_sockets (NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (sockets->len, ==, 0);
  g_assert_null (g_getenv ("LISTEN_FDS"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

  g_test_add ("/systemd/notify/path", Fixture, GINT_TO_POINTER (FALSE),
              fixture_setup, test_notify, fixture_teardown);
  g_test_add ("/systemd/notify/abstract", Fixture, GINT_TO_POINTER (TRUE),
              fixture_setup, test_notify, fixture_teardown);
  g_test_add_func ("/systemd/notify/unset", test_notify_unset);
  g_test_add_func ("/systemd/notify/bad-socket", test_notify_bad_socket);
  g_test_add_func ("/systemd/listen-fds/parse", test_parse_listen_env);
  g_test_add_func ("/systemd/listen-fds/take", test_take_listen_sockets);
  g_test_add_func ("/systemd/listen-fds/not-activated", test_take_not_activated);

  return g_test_run ();
}
