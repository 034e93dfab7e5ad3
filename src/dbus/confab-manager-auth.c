/* confab-manager-auth.c: who may call what on org.confab.Confab1, and
 * who a caller is.
 *
 * Deny by default: confab_manager_get_member_access() lists every member
 * the manager serves; Broadcast and Kick need root or the admin group
 * when authorization is enforced (on the system bus). Asking the bus and
 * the user database who a caller is may block, so
 * confab_caller_lookup_async() does it in the lookup pool; the call queue
 * (confab-manager-calls.c) decides with the answer, in calling order.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>
#include <glib/gi18n.h>

#include "confab-dbus.h"
#include "confab-lookup-pool.h"
#include "confab-manager.h"
#include "confab-manager-auth.h"
#include "confab-names.h"
#include "confab-user-db.h"
#include "confab-validate.h"

/* How long the bus may take to say who a caller is. */
#define CREDENTIALS_TIMEOUT_MS 10000

/* Every member the manager serves, and who may call it; anything else is
 * refused. GDBus answers Introspectable and Peer itself, and Properties
 * too since the skeleton's vtable has get_property: those never reach
 * this table. Properties.Get and GetAll are listed for a GLib that would
 * route them here; Set stays refused (every property is read-only). */
static const struct
{
  const char         *interface_name;
  const char         *method_name;
  ConfabManagerAccess access;
} member_access[] = {
  { CONFAB_DBUS_INTERFACE, "ListPeers", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "GetPeer", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "GetStatistics", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "Broadcast", CONFAB_MANAGER_ACCESS_ADMIN },
  { CONFAB_DBUS_INTERFACE, "Kick", CONFAB_MANAGER_ACCESS_ADMIN },
  { CONFAB_DBUS_INTERFACE, "ListRooms", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "GetRoom", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "BroadcastRoom", CONFAB_MANAGER_ACCESS_ADMIN },
  { CONFAB_DBUS_INTERFACE, "GetRoomHistory", CONFAB_MANAGER_ACCESS_ADMIN },
  { "org.freedesktop.DBus.Properties", "Get", CONFAB_MANAGER_ACCESS_OPEN },
  { "org.freedesktop.DBus.Properties", "GetAll", CONFAB_MANAGER_ACCESS_OPEN },
};

/**
 * confab_manager_get_member_access:
 * @interface_name: (nullable): the interface of a method call
 * @method_name: (nullable): its member
 *
 * Returns: who may call it; CONFAB_MANAGER_ACCESS_DENIED for anything
 *   not listed
 */
ConfabManagerAccess
confab_manager_get_member_access (const char *interface_name,
                                  const char *method_name)
{
  for (gsize i = 0; i < G_N_ELEMENTS (member_access); i++)
    if (g_strcmp0 (interface_name, member_access[i].interface_name) == 0 &&
        g_strcmp0 (method_name, member_access[i].method_name) == 0)
      return member_access[i].access;

  return CONFAB_MANAGER_ACCESS_DENIED;
}

/**
 * confab_manager_caller_is_admin:
 * @uid: the caller's Unix user
 * @gids: (array length=n_gids) (nullable): the caller's groups
 * @admin_gid: the admin group's gid, or -1 if the system has none
 *
 * Returns: whether the caller may call CONFAB_MANAGER_ACCESS_ADMIN
 *   members: root, or a member of the admin group
 */
gboolean
confab_manager_caller_is_admin (guint32        uid,
                                const guint32 *gids,
                                gsize          n_gids,
                                gint64         admin_gid)
{
  g_return_val_if_fail (gids != NULL || n_gids == 0, FALSE);

  if (uid == 0)
    return TRUE;
  if (admin_gid < 0)
    return FALSE;

  for (gsize i = 0; i < n_gids; i++)
    if ((gint64) gids[i] == admin_gid)
      return TRUE;
  return FALSE;
}

/* Returns: the gid of the group @name, or -1 if there is none. Looked up
 * at each check, so a group created after start-up counts. */
static gint64
lookup_group_gid (const char *name)
{
  guint32 gid;

  return confab_user_db_get_group_by_name (name, &gid, NULL) ? (gint64) gid : -1;
}

/* The groups of @uid's passwd entry, as dbus-daemon computes them for its
 * own policy when the kernel does not tell. Empty if @uid has no entry. */
static GArray *
lookup_user_groups (guint32 uid)
{
  g_autofree char *name = NULL;
  guint32          gid;

  if (!confab_user_db_get_user_by_uid (uid, &name, &gid, NULL))
    return g_array_new (FALSE, FALSE, sizeof (guint32));
  return confab_user_db_get_group_list (name, gid);
}

/*
 * get_caller:
 * @uid: (out): the caller's Unix user
 * @pid: (out): its process ID, 0 if the bus does not say
 * @gids: (out) (transfer full): its groups
 *
 * Asks the bus who sent @invocation: GetConnectionCredentials gives the
 * uid and, from dbus-daemon 1.12 on Linux, the groups the kernel saw at
 * connect time; a bus without UnixGroupIDs leaves the groups to the
 * user database, and one without GetConnectionCredentials falls back to
 * GetConnectionUnixUser. Blocks: worker threads only.
 */
static gboolean
get_caller (GDBusMethodInvocation *invocation,
            guint32               *uid,
            guint32               *pid,
            GArray               **gids,
            GError               **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char      *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GVariant) group_ids = NULL;
  g_autoptr(GError) local_error = NULL;

  *pid = 0;
  /* A peer-to-peer connection has no bus to ask; confabd never serves one. */
  if (sender == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _ ("the connection has no message bus"));
      return FALSE;
    }

  reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                       "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetConnectionCredentials",
                                       g_variant_new ("(s)", sender),
                                       G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE,
                                       CREDENTIALS_TIMEOUT_MS, NULL, &local_error);
  if (reply != NULL)
    {
      credentials = g_variant_get_child_value (reply, 0);
      if (!g_variant_lookup (credentials, "UnixUserID", "u", uid))
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED,
                               _ ("the bus does not know the caller's Unix user"));
          return FALSE;
        }
      group_ids = g_variant_lookup_value (credentials, "UnixGroupIDs", G_VARIANT_TYPE ("au"));
      if (!g_variant_lookup (credentials, "ProcessID", "u", pid))
        *pid = 0;
    }
  else if (g_error_matches (local_error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_METHOD))
    {
      g_clear_error (&local_error);
      reply = g_dbus_connection_call_sync (connection, "org.freedesktop.DBus",
                                           "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                           "GetConnectionUnixUser",
                                           g_variant_new ("(s)", sender),
                                           G_VARIANT_TYPE ("(u)"), G_DBUS_CALL_FLAGS_NONE,
                                           CREDENTIALS_TIMEOUT_MS, NULL, &local_error);
      if (reply == NULL)
        {
          g_propagate_error (error, g_steal_pointer (&local_error));
          return FALSE;
        }
      g_variant_get (reply, "(u)", uid);
    }
  else
    {
      g_propagate_error (error, g_steal_pointer (&local_error));
      return FALSE;
    }

  if (group_ids != NULL)
    {
      gsize          n;
      const guint32 *array = g_variant_get_fixed_array (group_ids, &n, sizeof (guint32));

      *gids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
      g_array_append_vals (*gids, array, n);
    }
  else
    *gids = lookup_user_groups (*uid);
  return TRUE;
}

/* Returns: (nullable): the name of process @pid, as ps shows it */
static char *
read_process_name (guint32 pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/comm", pid);
  g_autofree char *contents = NULL;

  if (pid == 0 || !g_file_get_contents (path, &contents, NULL, NULL))
    return NULL;
  g_strchomp (contents);
  /* comm is whatever the process set: keep it to one printable line. */
  if (!g_utf8_validate (contents, -1, NULL) || !confab_validate_text (contents, -1, NULL))
    return NULL;
  return g_steal_pointer (&contents);
}

static void
lookup_caller_thread (GTask        *task,
                      gpointer      source_object,
                      gpointer      task_data,
                      GCancellable *cancellable)
{
  GDBusMethodInvocation *invocation = task_data;
  const char            *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(ConfabCaller) caller = g_new0 (ConfabCaller, 1);
  g_autoptr(GArray) gids = NULL;
  g_autoptr(GError) error = NULL;

  caller->sender = g_strdup (sender != NULL ? sender : "a peer");
  caller->uid = G_MAXUINT32;
  if (get_caller (invocation, &caller->uid, &caller->pid, &gids, &error))
    {
      caller->identified = TRUE;
      caller->process = read_process_name (caller->pid);
      caller->is_admin =
        confab_manager_caller_is_admin (caller->uid, (const guint32 *) (void *) gids->data, gids->len,
                                        lookup_group_gid (CONFAB_MANAGER_ADMIN_GROUP));
    }
  else
    caller->error = g_strdup (error->message);

  g_task_return_pointer (task, g_steal_pointer (&caller), (GDestroyNotify) confab_caller_free);
}

/**
 * confab_caller_lookup_async:
 * @invocation: a method call
 *
 * Asks the bus who sent @invocation, and the user database whether that
 * user is an administrator, in the lookup pool (both may block). The
 * answer always comes: a caller the bus cannot identify has
 * identified %FALSE and an error message.
 */
void
confab_caller_lookup_async (GDBusMethodInvocation *invocation,
                            GAsyncReadyCallback    callback,
                            gpointer               user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (G_IS_DBUS_METHOD_INVOCATION (invocation));

  task = g_task_new (NULL, NULL, callback, user_data);
  g_task_set_source_tag (task, confab_caller_lookup_async);
  g_task_set_task_data (task, g_object_ref (invocation), g_object_unref);
  confab_lookup_pool_run (task, lookup_caller_thread);
}

/* Returns: (transfer full): the caller */
ConfabCaller *
confab_caller_lookup_finish (GAsyncResult *result)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), NULL);

  return g_task_propagate_pointer (G_TASK (result), NULL);
}

void
confab_caller_free (ConfabCaller *caller)
{
  if (caller == NULL)
    return;
  g_free (caller->sender);
  g_free (caller->process);
  g_free (caller->error);
  g_free (caller);
}

/* Returns: (transfer full): the caller for a log line, e.g.
 * ":1.7 (uid 1000, pid 4242 confabctl)" */
static void
add_field (ConfabCallerLogFields *out,
           const char            *key,
           const char            *value)
{
  g_assert (out->n_fields < G_N_ELEMENTS (out->fields));
  out->fields[out->n_fields++] = (GLogField) { key, value, -1 };
}

/* Fills @out with @caller's journal fields: what is unknown is left out. */
void
confab_caller_get_log_fields (const ConfabCaller    *caller,
                              ConfabCallerLogFields *out)
{
  g_return_if_fail (caller != NULL && out != NULL);

  out->n_fields = 0;
  add_field (out, CONFAB_LOG_FIELD_CALLER, caller->sender);
  if (!caller->identified)
    return;
  g_snprintf (out->uid, sizeof out->uid, "%u", caller->uid);
  add_field (out, CONFAB_LOG_FIELD_CALLER_UID, out->uid);
  if (caller->pid != 0)
    {
      g_snprintf (out->pid, sizeof out->pid, "%u", caller->pid);
      add_field (out, CONFAB_LOG_FIELD_CALLER_PID, out->pid);
    }
  if (caller->process != NULL)
    add_field (out, CONFAB_LOG_FIELD_CALLER_PROCESS, caller->process);
}

char *
confab_caller_describe (const ConfabCaller *caller)
{
  g_return_val_if_fail (caller != NULL, NULL);

  if (!caller->identified)
    return g_strdup_printf ("%s (unidentified: %s)", caller->sender, caller->error);
  if (caller->pid == 0)
    return g_strdup_printf ("%s (uid %u)", caller->sender, caller->uid);
  return g_strdup_printf ("%s (uid %u, pid %u%s%s)", caller->sender, caller->uid, caller->pid,
                          caller->process != NULL ? " " : "",
                          caller->process != NULL ? caller->process : "");
}
