/* confab-accounts.h: the accounts file of SPEC §11 ([accounts] file).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The longest password checked: crypt(3) hashes work on bytes, and a
 * megabyte-long password is only a way to burn CPU. */
#define CONFAB_ACCOUNT_PASSWORD_MAX 1024

typedef struct _ConfabAccount ConfabAccount;

/*
 * ConfabAccounts:
 * The accounts of one reading of the file: an immutable, reference-counted
 * value, swapped whole on SIGHUP, so that a check in a worker thread keeps
 * the table it started with. Looked up by name key (confab-name-key.h):
 * an account "alice" is also "Alice" and every look-alike of it.
 */
typedef struct _ConfabAccounts ConfabAccounts;

ConfabAccounts      *confab_accounts_load_data (const char *data,
                                                gssize      len,
                                                gboolean    required,
                                                GError    **error);
ConfabAccounts      *confab_accounts_load_file (const char *path,
                                                gboolean    required,
                                                GError    **error);
ConfabAccounts      *confab_accounts_ref (ConfabAccounts *self);
void                 confab_accounts_unref (ConfabAccounts *self);
guint                confab_accounts_get_n_accounts (const ConfabAccounts *self);
gboolean             confab_accounts_is_required (const ConfabAccounts *self);
const ConfabAccount *confab_accounts_lookup (const ConfabAccounts *self,
                                             const char           *name);
const ConfabAccount *confab_accounts_lookup_certfp (const ConfabAccounts *self,
                                                    const char           *certfp);

const char *confab_account_get_name (const ConfabAccount *account);
const char *confab_account_get_certfp (const ConfabAccount *account);
gboolean    confab_account_has_certfp (const ConfabAccount *account,
                                       const char          *certfp);
gboolean    confab_account_check_password (const ConfabAccount *account,
                                           const char          *password);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabAccounts, confab_accounts_unref)

G_END_DECLS
