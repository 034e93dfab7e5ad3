/* confabctl-password.h: reading a new password, from the terminal or stdin.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <crypt.h>
#include <glib.h>

G_BEGIN_DECLS

/* The longest password read, in bytes: what libxcrypt hashes (longer
 * ones fail with ERANGE), 511. */
#define CONFABCTL_PASSWORD_MAX_BYTES (CRYPT_MAX_PASSPHRASE_SIZE - 1)

/* A password in a buffer of its own, wiped when freed. */
typedef char ConfabCtlPassword;

ConfabCtlPassword *confabctl_password_read_new (const char *name,
                                                GError    **error);
void               confabctl_password_free (ConfabCtlPassword *password);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabCtlPassword, confabctl_password_free)

G_END_DECLS
