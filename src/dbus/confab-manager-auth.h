/* confab-manager-auth.h: who is calling the manager, and may they.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/*
 * ConfabCaller:
 * @sender: the caller's unique bus name
 * @uid: its Unix user, if @identified
 * @pid: its process ID, 0 if the bus did not say
 * @process: (nullable): the process's name (/proc/PID/comm), if known
 * @is_admin: root or in CONFAB_MANAGER_ADMIN_GROUP
 * @identified: the bus told who the caller is; if not, @error says why
 *
 * What the bus says of one caller, as the audit lines and the admin
 * check need it.
 */
typedef struct
{
  char    *sender;
  guint32  uid;
  guint32  pid;
  char    *process;
  gboolean is_admin;
  gboolean identified;
  char    *error;
} ConfabCaller;

/*
 * ConfabCallerLogFields:
 * The journal fields naming one caller (CONFAB_CALLER, and what the bus
 * told of it: CONFAB_CALLER_UID, _PID, _PROCESS), with room for the
 * numbers' text; valid while the ConfabCaller is.
 */
typedef struct
{
  GLogField fields[4];
  gsize     n_fields;
  char      uid[16];
  char      pid[16];
} ConfabCallerLogFields;

void  confab_caller_free (ConfabCaller *caller);
char *confab_caller_describe (const ConfabCaller *caller);
void  confab_caller_get_log_fields (const ConfabCaller    *caller,
                                    ConfabCallerLogFields *out);

void          confab_caller_lookup_async (GDBusMethodInvocation *invocation,
                                          GAsyncReadyCallback    callback,
                                          gpointer               user_data);
ConfabCaller *confab_caller_lookup_finish (GAsyncResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabCaller, confab_caller_free)

G_END_DECLS
