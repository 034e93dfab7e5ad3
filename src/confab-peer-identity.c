/* confab-peer-identity.c: who is calling on a Unix socket, by user name.
 *
 * With [server] unix_identity, a Unix-socket login must use the caller's
 * user name, which comes from the uid the kernel reports (SO_PEERCRED)
 * through getpwuid_r(). That may ask a network service (LDAP, say, via
 * NSS) and take long, so it is never done on the main loop: the lookup
 * starts in the lookup pool (confab-lookup-pool.c) as the connection is
 * accepted, and the connection is not read until it is done. Its login
 * then finds the name ready. Nothing else waits for it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <pwd.h>

#include "confab-lookup-pool.h"
#include "confab-peer-private.h"

/* Returns: (transfer full) (nullable): the user name of @uid, or NULL if
 * it has none. May block. */
static char *
lookup_user_name (gint64 uid)
{
  struct passwd entry;
  struct passwd *result = NULL;
  char buf[4096];

  if (getpwuid_r ((uid_t) uid, &entry, buf, sizeof buf, &result) != 0 || result == NULL)
    return NULL;
  return g_strdup (entry.pw_name);
}

static void
lookup_in_thread (GTask        *task,
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
  /* Closed meanwhile (login timeout, server full, shutdown): nothing to do. */
  if (self->state == PEER_LOGIN)
    confab_peer_set_watching (self, TRUE, self->writing);
}

/**
 * confab_peer_start_identity_lookup:
 *
 * For a Unix-socket connection while unix_identity is on: looks its user
 * name up in a worker thread. The connection must not be watched for
 * input yet; it is once the name is known.
 */
void
confab_peer_start_identity_lookup (ConfabPeer *self)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (self->unix_uid >= 0);

  /* The task keeps the connection alive until the lookup is done. */
  task = g_task_new (self, NULL, lookup_done, NULL);
  g_task_set_source_tag (task, confab_peer_start_identity_lookup);
  confab_lookup_pool_run (task, lookup_in_thread);
}

/**
 * confab_peer_dup_unix_user:
 *
 * Returns: (transfer full) (nullable): the caller's user name, or NULL if
 *   its uid has none. Known already unless unix_identity was switched on
 *   (SIGHUP) after the connection was accepted; then it is looked up now.
 */
char *
confab_peer_dup_unix_user (ConfabPeer *self)
{
  g_return_val_if_fail (self->unix_uid >= 0, NULL);

  if (self->unix_user_known)
    return g_strdup (self->unix_user);
  return lookup_user_name (self->unix_uid);
}
