/* test-accounts-file.c: reading the accounts file and checking passwords.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <crypt.h>
#include <string.h>

#include "confab-accounts.h"
#include "confab-error.h"

static char *
hash_password (const char *password)
{
  char               salt[CRYPT_GENSALT_OUTPUT_SIZE];
  struct crypt_data *data = g_new0 (struct crypt_data, 1);
  char              *hash;

  g_assert_nonnull (crypt_gensalt_rn ("$y$", 0, NULL, 0, salt, sizeof salt));
  g_assert_nonnull (crypt_rn (password, salt, data, sizeof *data));
  hash = g_strdup (data->output);
  g_free (data);
  return hash;
}

static void
test_load_and_check (void)
{
  g_autofree char *hash = hash_password ("s3cret");
  g_autofree char *data = g_strdup_printf ("# accounts\n\nalice:%s\n"
                                           "Bob:%s:certfp=AB:%s\n"
                                           "locked:!%s\n",
                                           hash, hash,
                                           "cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789",
                                           hash);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabAccounts) accounts = NULL;
  const ConfabAccount *alice, *bob, *locked;

  g_test_summary ("Accounts by name key; passwords checked with crypt(3); certfp normalized");

  accounts = confab_accounts_load_data (data, -1, TRUE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (confab_accounts_get_n_accounts (accounts), ==, 3);
  g_assert_true (confab_accounts_is_required (accounts));

  alice = confab_accounts_lookup (accounts, "ALICE");
  g_assert_nonnull (alice);
  g_assert_true (confab_accounts_lookup (accounts, "al\xd1\x96"
                                                   "ce") == alice); /* Cyrillic і */
  g_assert_cmpstr (confab_account_get_name (alice), ==, "alice");
  g_assert_null (confab_account_get_certfp (alice));
  g_assert_true (confab_account_check_password (alice, "s3cret"));
  g_assert_false (confab_account_check_password (alice, "s3cre"));
  g_assert_false (confab_account_check_password (alice, "s3cret "));
  g_assert_false (confab_account_check_password (alice, ""));

  bob = confab_accounts_lookup (accounts, "bob");
  g_assert_nonnull (bob);
  g_assert_cmpstr (confab_account_get_certfp (bob), ==,
                   "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789");

  /* A locked hash ('!' in front) never matches. */
  locked = confab_accounts_lookup (accounts, "locked");
  g_assert_nonnull (locked);
  g_assert_false (confab_account_check_password (locked, "s3cret"));
  g_assert_null (confab_accounts_lookup (accounts, "carol"));

  /* A client certificate's fingerprint finds its one account. */
  g_assert_true (confab_account_has_certfp (bob, "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"));
  g_assert_false (confab_account_has_certfp (bob, "00cdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789"));
  g_assert_false (confab_account_has_certfp (bob, NULL));
  g_assert_false (confab_account_has_certfp (alice, NULL));
  g_assert_true (confab_accounts_lookup_certfp (accounts,
                                                "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789") ==
                 bob);
  g_assert_null (confab_accounts_lookup_certfp (accounts, "abcdef"));
}

static void
test_certfp_shared (void)
{
  static const char fp[] = "abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789";
  g_autofree char  *data = g_strdup_printf ("dave:*:certfp=%s\nerin:*:certfp=%s\n", fp, fp);
  g_autoptr(ConfabAccounts) accounts = NULL;
  g_autoptr(GError) error = NULL;

  g_test_summary ("A certificate two accounts list names neither on its own (SASL EXTERNAL without "
                  "an authorization identity); named, it logs in to either");

  accounts = confab_accounts_load_data (data, -1, FALSE, &error);
  g_assert_no_error (error);
  g_assert_null (confab_accounts_lookup_certfp (accounts, fp));
  g_assert_true (confab_account_has_certfp (confab_accounts_lookup (accounts, "dave"), fp));
  g_assert_true (confab_account_has_certfp (confab_accounts_lookup (accounts, "erin"), fp));
}

static void
test_too_long_password (void)
{
  g_autofree char *hash = hash_password ("x");
  g_autofree char *data = g_strdup_printf ("alice:%s\n", hash);
  g_autoptr(ConfabAccounts) accounts = confab_accounts_load_data (data, -1, FALSE, NULL);
  g_autofree char *huge = g_strnfill (CONFAB_ACCOUNT_PASSWORD_MAX + 1, 'x');

  g_test_summary ("A password past the limit is refused without hashing it");
  g_assert_false (confab_account_check_password (confab_accounts_lookup (accounts, "alice"), huge));
}

static void
test_bad_lines (void)
{
  const struct
  {
    const char *data;
    const char *message;
  } cases[] = {
    { "alice\n", "line 1: expected NAME:HASH or NAME:HASH:certfp=HEX" },
    { "# x\nalice:\n", "line 2: expected NAME:HASH or NAME:HASH:certfp=HEX" },
    { "alice:plaintext\n", "line 1: the hash is not a crypt(3) hash (made with confabctl passwd)" },
    { "a b:$y$x\n", "line 1: invalid name: names may not contain white space" },
    { "alice:$y$x:certfp=12\n", "line 1: expected certfp= and 64 hex digits (a SHA-256 fingerprint)" },
    { "alice:$y$x:fp=ab\n", "line 1: expected certfp= and 64 hex digits (a SHA-256 fingerprint)" },
    { "alice:$y$x\nALICE:$y$y\n", "line 2: a second account for the same name (or a look-alike of it)" },
    { "alice:$y$x\na1ice:$y$y\n", "line 2: a second account for the same name (or a look-alike of it)" },
    { "alice:$y$\xff\n", "not UTF-8" },
  };

  g_test_summary ("A malformed line makes the whole file unusable, naming the line");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabAccounts) accounts = confab_accounts_load_data (cases[i].data, -1, FALSE, &error);

      g_assert_null (accounts);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
      g_assert_cmpstr (error->message, ==, cases[i].message);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/accounts-file/load-and-check", test_load_and_check);
  g_test_add_func ("/accounts-file/too-long-password", test_too_long_password);
  g_test_add_func ("/accounts-file/certfp-shared", test_certfp_shared);
  g_test_add_func ("/accounts-file/bad-lines", test_bad_lines);

  return g_test_run ();
}
