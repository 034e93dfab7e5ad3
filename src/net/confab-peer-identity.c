/* confab-peer-identity.c: who is calling: its address and, on a Unix socket, its user name.
 *
 * With [server] unix_identity, a Unix-socket login must use the caller's
 * user name, which comes from the uid the kernel reports (SO_PEERCRED)
 * through the user database (confab-user-db.c). That may ask a network
 * service (LDAP, say, via NSS) and take long, so it is never done on the
 * main loop: the lookup
 * starts in the lookup pool (confab-lookup-pool.c) as the connection is
 * accepted, and the connection is not read until it is done. Its login
 * then finds the name ready. Nothing else waits for it. Each result is
 * reported to the connection (ConfabPeerEvents), which decides what it
 * means for its state.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-address.h"
#include "confab-lookup-pool.h"
#include "confab-peer-private.h"
#include "confab-user-db.h"

/* Returns: (transfer full) (nullable): the user name of @uid, or NULL if
 * it has none or the database cannot say. May block. */
static char *
lookup_user_name (gint64 uid)
{
  char *name = NULL;

  if (!confab_user_db_get_user_by_uid ((guint32) uid, &name, NULL, NULL))
    return NULL;
  return name;
}

static void
lookup_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  ConfabPeer *self = source_object;

  /* unix_uid is set before the task starts and never changes. */
  g_task_return_pointer (task, lookup_user_name (self->unix_uid), g_free);
}

static void
lookup_done (GObject      *source_object,
             GAsyncResult *result,
             gpointer      user_data)
{
  ConfabPeer *self = CONFAB_PEER (source_object);

  self->unix_user = g_task_propagate_pointer (G_TASK (result), NULL);
  self->unix_user_known = TRUE;
  self->events->user_known (self);
}

/**
 * confab_peer_identity_start_lookup:
 *
 * For a Unix-socket connection while unix_identity is on: looks its user
 * name up in a worker thread. The connection must not be watched for
 * input yet; it is once the name is known.
 */
void
confab_peer_identity_start_lookup (ConfabPeer *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self->unix_uid >= 0);

  /* The task keeps the connection alive until the lookup is done. */
  task = g_task_new (self, NULL, lookup_done, NULL);
  g_task_set_source_tag (task, confab_peer_identity_start_lookup);
  confab_lookup_pool_run (task, lookup_thread);
}

/**
 * confab_peer_identity_dup_user:
 *
 * Returns: (transfer full) (nullable): the caller's user name, or NULL if
 *   its uid has none. Known already unless unix_identity was switched on
 *   (SIGHUP) after the connection was accepted; then it is looked up now.
 */
char *
confab_peer_identity_dup_user (ConfabPeer *self)
{
  g_return_val_if_fail (self->unix_uid >= 0, NULL);

  if (self->unix_user_known)
    return g_strdup (self->unix_user);
  return lookup_user_name (self->unix_uid);
}

/* ---- local users' names on other sockets ------------------------------ */

/* With unix_identity on, the name of a local account belongs to that user
 * on the Unix socket, so a TCP login under it is refused; otherwise the
 * real user would find the name taken. Looking a name up may block as
 * long as looking up a uid, so it runs in the lookup pool and the
 * connection is not read meanwhile: lines that came in the same read as the login are held
 * as for any other pause (INPUT_PAUSED_LOOKUP, confab-peer-input.c) and
 * framed once the name is joined. */
struct _ConfabNameCheck
{
  char *name; /* (owned) */
};

static void
name_check_free (ConfabNameCheck *check)
{
  g_free (check->name);
  g_free (check);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabNameCheck, name_check_free)

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  const char *name = task_data;

  /* A database that cannot answer leaves the name free, as for a name
   * it does not know: a local user's name it does know is never free. */
  g_task_return_boolean (task, confab_user_db_get_user_by_name (name, NULL, NULL, NULL));
}

static void
check_done (GObject      *source_object,
            GAsyncResult *result,
            gpointer      user_data)
{
  ConfabPeer *self = CONFAB_PEER (source_object);
  gboolean    reserved = g_task_propagate_boolean (G_TASK (result), NULL);
  g_autoptr(ConfabNameCheck) check = g_steal_pointer (&self->name_check);

  self->events->name_checked (self, check->name, reserved);
}

/**
 * confab_peer_identity_check_name:
 * @name: a valid name, asked for by a login on a socket without identity
 *
 * Looks @name up in the user database; the connection hears whether it is
 * a local account's. It is not to be read meanwhile.
 */
void
confab_peer_identity_check_name (ConfabPeer *self,
                                 const char *name)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self->name_check == NULL);

  self->name_check = g_new0 (ConfabNameCheck, 1);
  self->name_check->name = g_strdup (name);

  task = g_task_new (self, NULL, check_done, NULL);
  g_task_set_source_tag (task, confab_peer_identity_check_name);
  g_task_set_task_data (task, g_strdup (name), g_free);
  confab_lookup_pool_run (task, check_thread);
}

/* ---- the address -------------------------------------------------------- */

/**
 * confab_peer_identity_describe:
 * @unix_uid: (out): the caller's uid on a Unix socket (the kernel tells,
 *   SO_PEERCRED), else -1
 *
 * Returns: (transfer full): the remote address, as ListPeers shows it
 */
char *
confab_peer_identity_describe (GSocketConnection *connection,
                               gint64            *unix_uid)
{
  g_autoptr(GSocketAddress) remote = NULL;

  *unix_uid = -1;
  if (G_IS_UNIX_CONNECTION (connection))
    {
      g_autoptr(GCredentials) credentials = NULL;

      credentials = g_socket_get_credentials (g_socket_connection_get_socket (connection), NULL);
      if (credentials == NULL)
        return g_strdup ("unix:");
      *unix_uid = g_credentials_get_unix_user (credentials, NULL);
      return g_strdup_printf ("unix:uid=%" G_GINT64_FORMAT, *unix_uid);
    }

  remote = g_socket_connection_get_remote_address (connection, NULL);
  if (remote == NULL)
    return g_strdup ("unknown");
  return confab_address_to_string (remote);
}
