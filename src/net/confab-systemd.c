/* confab-systemd.c: sd_notify and LISTEN_FDS without libsystemd.
 *
 * Both protocols are tiny and stable (see sd_notify(3) and
 * sd_listen_fds(3)); speaking them directly keeps libsystemd out of the
 * dependencies and lets the tests play systemd's part with a socket of
 * their own.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <gio/gunixsocketaddress.h>
#include <glib/gi18n.h>

#include "confab-error.h"
#include "confab-systemd.h"

/**
 * confab_systemd_notify:
 * @state: newline-separated assignments, e.g. "READY=1\nSTATUS=Serving"
 *
 * Sends @state to the service manager when NOTIFY_SOCKET is set (an
 * absolute path, or "@name" for an abstract socket); does nothing
 * otherwise.
 *
 * Returns: %FALSE if NOTIFY_SOCKET is set but the datagram could not be sent
 */
gboolean
confab_systemd_notify (const char *state,
                       GError    **error)
{
  const char *path = g_getenv ("NOTIFY_SOCKET");
  g_autoptr(GSocket) socket = NULL;
  g_autoptr(GSocketAddress) address = NULL;

  g_return_val_if_fail (state != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (path == NULL || *path == '\0')
    return TRUE;

  if (path[0] == '@')
    address = g_unix_socket_address_new_with_type (path + 1, -1, G_UNIX_SOCKET_ADDRESS_ABSTRACT);
  else if (path[0] == '/')
    address = g_unix_socket_address_new (path);
  else
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_FAILED,
                   _ ("NOTIFY_SOCKET “%s” is neither a path nor an abstract name"), path);
      return FALSE;
    }

  socket = g_socket_new (G_SOCKET_FAMILY_UNIX, G_SOCKET_TYPE_DATAGRAM,
                         G_SOCKET_PROTOCOL_DEFAULT, error);
  if (socket == NULL)
    return FALSE;

  return g_socket_send_to (socket, address, state, strlen (state), NULL, error) >= 0;
}

static gboolean
parse_number (const char *text,
              const char *what,
              guint64     max,
              guint64    *out,
              GError    **error)
{
  g_autoptr(GError) local_error = NULL;

  if (!g_ascii_string_to_unsigned (text, 10, 1, max, out, &local_error))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_FAILED,
                   _ ("Invalid %s “%s”: %s"), what, text, local_error->message);
      return FALSE;
    }
  return TRUE;
}

/**
 * confab_systemd_parse_listen_env:
 * @listen_pid: (nullable): $LISTEN_PID
 * @listen_fds: (nullable): $LISTEN_FDS
 * @own_pid: this process's PID
 * @n_fds: (out): how many descriptors were passed to this process
 *
 * Descriptors are ours only if LISTEN_PID names this process: a child
 * that inherited the variables must not take its parent's sockets.
 *
 * Returns: %FALSE if the variables are set but malformed
 */
gboolean
confab_systemd_parse_listen_env (const char *listen_pid,
                                 const char *listen_fds,
                                 GPid        own_pid,
                                 guint      *n_fds,
                                 GError    **error)
{
  guint64 pid, fds;

  g_return_val_if_fail (n_fds != NULL, FALSE);

  *n_fds = 0;
  if (listen_pid == NULL || listen_fds == NULL)
    return TRUE;

  if (!parse_number (listen_pid, "LISTEN_PID", G_MAXINT, &pid, error) ||
      !parse_number (listen_fds, "LISTEN_FDS", 4096, &fds, error))
    return FALSE;

  if ((GPid) pid == own_pid)
    *n_fds = fds;
  return TRUE;
}

/* The LISTEN_* values taken from the environment, until adopted. */
static gboolean claimed;
static char    *claimed_pid;
static char    *claimed_fds;
static char    *claimed_names;

/**
 * confab_systemd_claim_listen_env:
 *
 * Reads and clears the LISTEN_* variables; call it first thing in main():
 * unsetenv() is unsafe once threads exist (GLib starts some early, and
 * warns), and no child may see the variables. Later calls do nothing
 * until confab_systemd_take_listen_sockets() has used the values.
 */
void
confab_systemd_claim_listen_env (void)
{
  if (claimed)
    return;
  claimed = TRUE;
  claimed_pid = g_strdup (g_getenv ("LISTEN_PID"));
  claimed_fds = g_strdup (g_getenv ("LISTEN_FDS"));
  claimed_names = g_strdup (g_getenv ("LISTEN_FDNAMES"));
  g_unsetenv ("LISTEN_PID");
  g_unsetenv ("LISTEN_FDS");
  g_unsetenv ("LISTEN_FDNAMES");
}

/**
 * confab_systemd_take_listen_sockets:
 *
 * Adopts the listening sockets passed by socket activation (as claimed
 * by confab_systemd_claim_listen_env(), which it calls if nothing did)
 * and marks them close-on-exec.
 *
 * @names: (out) (transfer full) (optional): each socket's
 *   FileDescriptorName= from LISTEN_FDNAMES, one per socket; "" for all
 *   when the variable is missing or does not name every socket (as
 *   sd_listen_fds_with_names() treats a mismatch, but without failing)
 *
 * Returns: (transfer full) (element-type GSocket): the passed sockets,
 *   empty when not socket-activated; %NULL on error
 */
GPtrArray *
confab_systemd_take_listen_sockets (GStrv   *names,
                                    GError **error)
{
  g_autoptr(GPtrArray) sockets = g_ptr_array_new_with_free_func (g_object_unref);
  g_autofree char *listen_pid = NULL;
  g_autofree char *listen_fds = NULL;
  g_autofree char *listen_names = NULL;
  g_auto(GStrv) split = NULL;
  guint n_fds;

  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  confab_systemd_claim_listen_env ();
  listen_pid = g_steal_pointer (&claimed_pid);
  listen_fds = g_steal_pointer (&claimed_fds);
  listen_names = g_steal_pointer (&claimed_names);
  claimed = FALSE;
  if (!confab_systemd_parse_listen_env (listen_pid, listen_fds, getpid (), &n_fds, error))
    return NULL;

  if (listen_names != NULL)
    split = g_strsplit (listen_names, ":", -1);
  if (split != NULL && g_strv_length (split) != n_fds)
    {
      if (n_fds > 0)
        g_warning (_ ("LISTEN_FDNAMES names %u sockets, LISTEN_FDS passes %u: ignoring the names"),
                   g_strv_length (split), n_fds);
      g_clear_pointer (&split, g_strfreev);
    }
  if (names != NULL)
    {
      if (split == NULL)
        {
          split = g_new0 (char *, n_fds + 1);
          for (guint i = 0; i < n_fds; i++)
            split[i] = g_strdup ("");
        }
      *names = g_steal_pointer (&split);
    }

  for (guint i = 0; i < n_fds; i++)
    {
      int      fd = CONFAB_SYSTEMD_LISTEN_FDS_START + i;
      GSocket *socket;

      if (fcntl (fd, F_SETFD, FD_CLOEXEC) < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _ ("Passed descriptor %d is not usable: %s"), fd, g_strerror (saved_errno));
          return NULL;
        }
      socket = g_socket_new_from_fd (fd, error);
      if (socket == NULL)
        {
          g_prefix_error (error, _ ("Passed descriptor %d: "), fd);
          return NULL;
        }
      g_ptr_array_add (sockets, socket);
    }

  return g_steal_pointer (&sockets);
}
