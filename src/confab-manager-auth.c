/* confab-manager-auth.c: who may call what on org.confab.Confab1.
 *
 * One choke point, deny by default: every method call to the manager's
 * skeleton passes authorize_method_cb() before it is dispatched. Open
 * members pass; Broadcast and Kick need root or the admin group when
 * authorization is enforced (on the system bus); anything not listed is
 * refused with org.confab.Confab1.Error.AccessDenied.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <glib/gi18n.h>

#include "confab-dbus.h"
#include "confab-manager.h"
#include "confab-manager-auth.h"
#include "confab-names.h"
#include "confab-validate.h"

/* What the g-authorize-method handler reads. It runs in a worker thread
 * and may outlive the manager by one call, so it never touches the
 * manager: the closure owns a reference on this instead. */
struct _ConfabAuthState
{
  gatomicrefcount ref;
  gint            enforce;  /* (atomic): a gboolean */
};


/* How long the bus may take to say who a caller is. */
#define CREDENTIALS_TIMEOUT_MS 10000

/* Every member the manager serves, and who may call it; anything else is
 * refused. GDBus answers Introspectable and Peer itself, and Properties
 * too since the skeleton's vtable has get_property: those never reach
 * this table. Properties.Get and GetAll are listed for a GLib that would
 * route them here; Set stays refused (every property is read-only). */
static const struct
{
  const char          *interface_name;
  const char          *method_name;
  ConfabManagerAccess  access;
} member_access[] = {
  { CONFAB_DBUS_INTERFACE, "ListPeers", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "GetPeer", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "GetStatistics", CONFAB_MANAGER_ACCESS_OPEN },
  { CONFAB_DBUS_INTERFACE, "Broadcast", CONFAB_MANAGER_ACCESS_ADMIN },
  { CONFAB_DBUS_INTERFACE, "Kick", CONFAB_MANAGER_ACCESS_ADMIN },
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

/* A buffer for the reentrant NSS calls, grown on ERANGE up to 1 MiB. */
#define NSS_BUFFER_MAX (1024 * 1024)

/* Returns: the gid of the group @name, or -1 if there is none. Looked up
 * at each check, so a group created after start-up counts. */
static gint64
lookup_group_gid (const char *name)
{
  g_autofree char *buffer = NULL;
  struct group entry, *found = NULL;
  gsize size = 1024;
  int err;

  for (;;)
    {
      buffer = g_realloc (buffer, size);
      err = getgrnam_r (name, &entry, buffer, size, &found);
      if (err != ERANGE || size >= NSS_BUFFER_MAX)
        break;
      size *= 2;
    }
  return err == 0 && found != NULL ? (gint64) found->gr_gid : -1;
}

/* The groups of @uid's passwd entry, as dbus-daemon computes them for its
 * own policy when the kernel does not tell. Empty if @uid has no entry. */
static GArray *
lookup_user_groups (guint32 uid)
{
  GArray *gids = g_array_new (FALSE, FALSE, sizeof (guint32));
  g_autofree char *buffer = NULL;
  g_autofree gid_t *groups = NULL;
  struct passwd entry, *found = NULL;
  gsize size = 1024;
  int n_groups = 32;
  int err;

  for (;;)
    {
      buffer = g_realloc (buffer, size);
      err = getpwuid_r (uid, &entry, buffer, size, &found);
      if (err != ERANGE || size >= NSS_BUFFER_MAX)
        break;
      size *= 2;
    }
  if (err != 0 || found == NULL)
    return gids;

  /* getgrouplist() says how many there are when the array is too small;
   * a few rounds cover groups added between two calls. */
  for (guint round = 0; round < 4; round++)
    {
      int n = n_groups;

      groups = g_renew (gid_t, groups, n);
      if (getgrouplist (entry.pw_name, entry.pw_gid, groups, &n) >= 0)
        {
          for (int i = 0; i < n; i++)
            {
              guint32 gid = groups[i];

              g_array_append_val (gids, gid);
            }
          break;
        }
      n_groups = MAX (n, n_groups * 2);
    }
  return gids;
}

/*
 * get_caller:
 * @uid: (out): the caller's Unix user
 * @gids: (out) (transfer full): its groups
 *
 * Asks the bus who sent @invocation: GetConnectionCredentials gives the
 * uid and, from dbus-daemon 1.12 on Linux, the groups the kernel saw at
 * connect time; a bus without UnixGroupIDs leaves the groups to the
 * user database, and one without GetConnectionCredentials falls back to
 * GetConnectionUnixUser. Blocks: worker threads only.
 */
static gboolean
get_caller (GDBusMethodInvocation  *invocation,
            guint32                *uid,
            GArray                **gids,
            GError                **error)
{
  GDBusConnection *connection = g_dbus_method_invocation_get_connection (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GVariant) reply = NULL;
  g_autoptr(GVariant) credentials = NULL;
  g_autoptr(GVariant) group_ids = NULL;
  g_autoptr(GError) local_error = NULL;

  /* A peer-to-peer connection has no bus to ask; confabd never serves one. */
  if (sender == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                           _("the connection has no message bus"));
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
                               _("the bus does not know the caller's Unix user"));
          return FALSE;
        }
      group_ids = g_variant_lookup_value (credentials, "UnixGroupIDs", G_VARIANT_TYPE ("au"));
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
      gsize n;
      const guint32 *array = g_variant_get_fixed_array (group_ids, &n, sizeof (guint32));

      *gids = g_array_sized_new (FALSE, FALSE, sizeof (guint32), n);
      g_array_append_vals (*gids, array, n);
    }
  else
    *gids = lookup_user_groups (*uid);
  return TRUE;
}

/*
 * authorize_method_cb:
 *
 * The one choke point: GLib emits g-authorize-method in a worker thread
 * before dispatching a call to the main context, so asking the bus who
 * the caller is costs the main loop nothing. Open members pass; admin
 * members need root or the admin group when authorization is enforced;
 * everything else is refused. A refusal is answered here.
 */
static gboolean
authorize_method_cb (GDBusInterfaceSkeleton *skeleton,
                     GDBusMethodInvocation  *invocation,
                     ConfabAuthState              *auth)
{
  const char *interface_name = g_dbus_method_invocation_get_interface_name (invocation);
  const char *method_name = g_dbus_method_invocation_get_method_name (invocation);
  const char *sender = g_dbus_method_invocation_get_sender (invocation);
  g_autoptr(GArray) gids = NULL;
  g_autoptr(GError) error = NULL;
  guint32 uid = G_MAXUINT32;

  switch (confab_manager_get_member_access (interface_name, method_name))
    {
    case CONFAB_MANAGER_ACCESS_OPEN:
      return TRUE;

    case CONFAB_MANAGER_ACCESS_ADMIN:
      if (!g_atomic_int_get (&auth->enforce))
        return TRUE;
      if (!get_caller (invocation, &uid, &gids, &error))
        {
          g_message ("Refused %s from %s: cannot identify the caller: %s",
                     method_name, sender != NULL ? sender : "a peer", error->message);
          g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                                 CONFAB_DBUS_ERROR_ACCESS_DENIED,
                                                 _("Cannot identify the caller: %s"),
                                                 error->message);
          return FALSE;
        }
      if (confab_manager_caller_is_admin (uid, (const guint32 *) gids->data, gids->len,
                                          lookup_group_gid (CONFAB_MANAGER_ADMIN_GROUP)))
        return TRUE;

      g_message ("Refused %s from %s (uid %u): neither root nor in the group %s",
                 method_name, sender, uid, CONFAB_MANAGER_ADMIN_GROUP);
      g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                             CONFAB_DBUS_ERROR_ACCESS_DENIED,
                                             _("Only root and members of the group %s may call %s "
                                               "(the caller is uid %u)"),
                                             CONFAB_MANAGER_ADMIN_GROUP, method_name, uid);
      return FALSE;

    case CONFAB_MANAGER_ACCESS_DENIED:
    default:
      g_message ("Refused %s.%s from %s: not a member confabd serves",
                 interface_name, method_name, sender != NULL ? sender : "a peer");
      g_dbus_method_invocation_return_error (invocation, CONFAB_DBUS_ERROR,
                                             CONFAB_DBUS_ERROR_ACCESS_DENIED,
                                             _("Calling %s.%s is not allowed"),
                                             interface_name, method_name);
      return FALSE;
    }
}

ConfabAuthState *
confab_auth_state_new (gboolean enforce)
{
  ConfabAuthState *auth = g_new0 (ConfabAuthState, 1);

  g_atomic_ref_count_init (&auth->ref);
  auth->enforce = enforce;
  return auth;
}

ConfabAuthState *
confab_auth_state_ref (ConfabAuthState *auth)
{
  g_atomic_ref_count_inc (&auth->ref);
  return auth;
}

void
confab_auth_state_unref (ConfabAuthState *auth)
{
  if (g_atomic_ref_count_dec (&auth->ref))
    g_free (auth);
}

void
confab_auth_state_set_enforce (ConfabAuthState *auth,
                               gboolean         enforce)
{
  g_atomic_int_set (&auth->enforce, enforce);
}

gboolean
confab_auth_state_get_enforce (ConfabAuthState *auth)
{
  return g_atomic_int_get (&auth->enforce);
}

static void
auth_state_closure_notify (gpointer  data,
                           GClosure *closure)
{
  confab_auth_state_unref (data);
}

/**
 * confab_auth_state_attach:
 * @skeleton: the exported object to guard
 *
 * Makes every call to @skeleton pass authorize_method_cb() first; the
 * handler keeps its own reference on @auth.
 */
void
confab_auth_state_attach (ConfabAuthState        *auth,
                          GDBusInterfaceSkeleton *skeleton)
{
  g_signal_connect_data (skeleton, "g-authorize-method",
                         G_CALLBACK (authorize_method_cb), confab_auth_state_ref (auth),
                         auth_state_closure_notify, G_CONNECT_DEFAULT);
}

