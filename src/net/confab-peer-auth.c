/* confab-peer-auth.c: a login's password, checked off the main loop.
 *
 * A crypt(3) hash costs tens of milliseconds by design, so the check runs
 * in the lookup pool's worker threads (confab-lookup-pool.h) with the
 * accounts table it started with, and the connection reads nothing
 * meanwhile. Before it starts, a host with recent failures waits its
 * growing delay (confab-auth-throttle.c). The password is wiped from
 * memory once checked.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-lookup-pool.h"
#include "confab-peer-private.h"

typedef struct
{
  ConfabAccounts *accounts; /* (owned) */
  char           *name;     /* (owned) */
  char           *password; /* (owned): wiped when freed */
} PasswordCheck;

static void
password_check_free (gpointer data)
{
  PasswordCheck *check = data;

  confab_accounts_unref (check->accounts);
  g_free (check->name);
  explicit_bzero (check->password, strlen (check->password));
  g_free (check->password);
  g_free (check);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  PasswordCheck       *check = task_data;
  const ConfabAccount *account = confab_accounts_lookup (check->accounts, check->name);

  g_task_return_boolean (task, account != NULL && confab_account_check_password (account, check->password));
}

static void
check_done (GObject      *source,
            GAsyncResult *result,
            gpointer      user_data)
{
  ConfabPeer    *self = CONFAB_PEER (source);
  PasswordCheck *check = g_task_get_task_data (G_TASK (result));
  gboolean       ok = g_task_propagate_boolean (G_TASK (result), NULL);

  self->auth_checking = FALSE;
  /* Closed meanwhile (login timeout, shutdown): nothing to do. */
  if (self->state != PEER_LOGIN)
    return;
  self->events->password_checked (self, check->name, ok);
}

static void
start_check (ConfabPeer    *self,
             PasswordCheck *check)
{
  g_autoptr(GTask) task = g_task_new (self, NULL, check_done, NULL);

  g_task_set_source_tag (task, start_check);
  g_task_set_task_data (task, check, password_check_free);
  confab_lookup_pool_run (task, check_thread);
}

static gboolean
delay_over_cb (gpointer user_data)
{
  ConfabPeer    *self = user_data;
  PasswordCheck *check = g_steal_pointer (&self->auth_pending);

  self->auth_delay_id = 0;
  start_check (self, check);
  return G_SOURCE_REMOVE;
}

/**
 * confab_peer_auth_check:
 * @name: the name the login asked for, which has an account
 * @password: (transfer full): its password; wiped once checked
 *
 * Checks @password against the account of @name; the connection hears
 * how it went through its password_checked event. It is not to be read
 * meanwhile.
 */
void
confab_peer_auth_check (ConfabPeer *self,
                        const char *name,
                        char       *password)
{
  PasswordCheck *check = g_new0 (PasswordCheck, 1);
  guint          delay_ms;

  g_return_if_fail (self->host->accounts != NULL);

  self->auth_checking = TRUE;
  check->accounts = confab_accounts_ref (self->host->accounts);
  check->name = g_strdup (name);
  check->password = password;
  delay_ms = confab_auth_throttle_delay_ms (self->host->auth_throttle, self->address, g_get_monotonic_time ());
  if (delay_ms == 0)
    {
      start_check (self, check);
      return;
    }
  g_debug ("checking the password of %s from %s in %u ms", name, self->address, delay_ms);
  self->auth_pending = check;
  self->auth_delay_id = g_timeout_add_full (G_PRIORITY_DEFAULT, delay_ms, delay_over_cb, g_object_ref (self),
                                            g_object_unref);
}

/* A failed password from this connection's host: the next waits longer. */
void
confab_peer_auth_failed (ConfabPeer *self)
{
  self->host->stats.auth_failures++;
  confab_auth_throttle_failed (self->host->auth_throttle, self->address, g_get_monotonic_time ());
}

/* For the close and finalize: a check still waiting its delay is dropped. */
void
confab_peer_auth_cancel (ConfabPeer *self)
{
  g_clear_handle_id (&self->auth_delay_id, g_source_remove);
  g_clear_pointer (&self->auth_pending, password_check_free);
}
