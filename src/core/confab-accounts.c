/* confab-accounts.c: the accounts file of SPEC §11.
 *
 * One account per line, `NAME:HASH` or `NAME:HASH:certfp=HEX`, where HASH
 * is a crypt(3) hash (yescrypt `$y$…` as `confabctl passwd` writes them;
 * any method libxcrypt knows) and HEX the SHA-256 fingerprint of a client
 * certificate (64 hex digits, colons allowed, any case). Blank lines and
 * lines starting with '#' are ignored. A line that is none of these, an
 * invalid name, or a name whose key another line has already, makes the
 * whole file unusable: a typo must not silently open or close an account.
 *
 * Checking a password costs what the hash was made to cost (yescrypt:
 * tens of milliseconds), so it is never done on the main loop: the
 * connection runs confab_account_check_password() in a worker thread.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <crypt.h>
#include <string.h>

#include <glib/gi18n.h>

#include "confab-accounts.h"
#include "confab-error.h"
#include "confab-name-key.h"
#include "confab-validate.h"

#define CERTFP_PREFIX "certfp="
#define CERTFP_LEN    64

struct _ConfabAccount
{
  char *name;   /* as the file spells it */
  char *hash;   /* crypt(3) */
  char *certfp; /* (nullable): 64 lower-case hex digits */
};

struct _ConfabAccounts
{
  GHashTable *by_key; /* name key → ConfabAccount (owned) */
  gboolean    required;
};

static void
account_free (gpointer data)
{
  ConfabAccount *account = data;

  g_free (account->name);
  g_free (account->hash);
  g_free (account->certfp);
  g_free (account);
}

/* "AB:cd:…" or "abcd…" → 64 lower-case hex digits, or %NULL. */
static char *
normalize_certfp (const char *text)
{
  GString *hex = g_string_new (NULL);

  for (const char *p = text; *p != '\0'; p++)
    {
      if (*p == ':')
        continue;
      if (!g_ascii_isxdigit (*p))
        break;
      g_string_append_c (hex, g_ascii_tolower (*p));
    }
  if (hex->len != CERTFP_LEN || text[strspn (text, "0123456789abcdefABCDEF:")] != '\0')
    {
      g_string_free (hex, TRUE);
      return NULL;
    }
  return g_string_free (hex, FALSE);
}

static gboolean
line_error (GError    **error,
            guint       number,
            const char *reason)
{
  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG, _ ("line %u: %s"), number, reason);
  return FALSE;
}

static gboolean
parse_line (ConfabAccounts *self,
            char           *line,
            guint           number,
            GError        **error)
{
  g_auto(GStrv) fields = NULL;
  g_autoptr(GError) name_error = NULL;
  ConfabAccount *account;
  char          *key;
  guint          n_fields;

  g_strchomp (line);
  if (line[0] == '\0' || line[0] == '#')
    return TRUE;

  fields = g_strsplit (line, ":", 3);
  n_fields = g_strv_length (fields);
  if (n_fields < 2 || fields[1][0] == '\0')
    return line_error (error, number, _ ("expected NAME:HASH or NAME:HASH:certfp=HEX"));
  if (!confab_validate_name (fields[0], -1, &name_error))
    return line_error (error, number, name_error->message);
  /* crypt(3) hashes are printable ASCII; '*' or '!' start a locked one. */
  if (fields[1][0] != '$' && fields[1][0] != '*' && fields[1][0] != '!')
    return line_error (error, number, _ ("the hash is not a crypt(3) hash (made with confabctl passwd)"));

  account = g_new0 (ConfabAccount, 1);
  account->name = g_strdup (fields[0]);
  account->hash = g_strdup (fields[1]);
  if (n_fields == 3)
    {
      if (!g_str_has_prefix (fields[2], CERTFP_PREFIX) ||
          (account->certfp = normalize_certfp (fields[2] + strlen (CERTFP_PREFIX))) == NULL)
        {
          account_free (account);
          return line_error (error, number, _ ("expected certfp= and 64 hex digits (a SHA-256 fingerprint)"));
        }
    }

  key = confab_name_key_dup (account->name);
  if (g_hash_table_contains (self->by_key, key))
    {
      g_free (key);
      account_free (account);
      return line_error (error, number, _ ("a second account for the same name (or a look-alike of it)"));
    }
  g_hash_table_insert (self->by_key, key, account);
  return TRUE;
}

static void
accounts_free (gpointer data)
{
  ConfabAccounts *self = data;

  g_hash_table_unref (self->by_key);
}

/**
 * confab_accounts_load_data:
 * @data: the file's contents
 * @len: their length, or -1 if NUL-terminated
 * @required: [accounts] required: only names with an account may log in
 * @error: %CONFAB_ERROR_INVALID_CONFIG naming the line
 *
 * Returns: (transfer full) (nullable): the accounts
 */
ConfabAccounts *
confab_accounts_load_data (const char *data,
                           gssize      len,
                           gboolean    required,
                           GError    **error)
{
  g_autofree char *copy = NULL;
  g_auto(GStrv) lines = NULL;
  ConfabAccounts *self;

  g_return_val_if_fail (data != NULL, NULL);

  copy = len < 0 ? g_strdup (data) : g_strndup (data, len);
  if (!g_utf8_validate (copy, -1, NULL))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG, _ ("not UTF-8"));
      return NULL;
    }
  self = g_atomic_rc_box_new0 (ConfabAccounts);
  self->by_key = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, account_free);
  self->required = required;
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (!parse_line (self, lines[i], i + 1, error))
        {
          confab_accounts_unref (self);
          return NULL;
        }
    }
  return self;
}

/**
 * confab_accounts_load_file:
 *
 * As confab_accounts_load_data(), for a file; errors start with its name.
 */
ConfabAccounts *
confab_accounts_load_file (const char *path,
                           gboolean    required,
                           GError    **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *shown = NULL;
  gsize            len;
  ConfabAccounts  *self;

  g_return_val_if_fail (path != NULL, NULL);

  shown = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &len, error))
    return NULL;
  self = confab_accounts_load_data (contents, len, required, error);
  if (self == NULL)
    g_prefix_error (error, "%s: ", shown);
  /* The hashes are not secrets of the same order as passwords, but they
   * need not linger in freed memory either. */
  explicit_bzero (contents, len);
  return self;
}

ConfabAccounts *
confab_accounts_ref (ConfabAccounts *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  return g_atomic_rc_box_acquire (self);
}

void
confab_accounts_unref (ConfabAccounts *self)
{
  if (self != NULL)
    g_atomic_rc_box_release_full (self, accounts_free);
}

guint
confab_accounts_get_n_accounts (const ConfabAccounts *self)
{
  g_return_val_if_fail (self != NULL, 0);

  return g_hash_table_size (self->by_key);
}

gboolean
confab_accounts_is_required (const ConfabAccounts *self)
{
  g_return_val_if_fail (self != NULL, FALSE);

  return self->required;
}

/* Returns: (transfer none) (nullable): the account of @name (or of a
 *   look-alike of it), valid as long as @self */
const ConfabAccount *
confab_accounts_lookup (const ConfabAccounts *self,
                        const char           *name)
{
  g_auto(ConfabNameKey) key = { NULL };

  g_return_val_if_fail (self != NULL && name != NULL, NULL);

  return g_hash_table_lookup (self->by_key, confab_name_key_init (&key, name));
}

const char *
confab_account_get_name (const ConfabAccount *account)
{
  return account->name;
}

const char *
confab_account_get_certfp (const ConfabAccount *account)
{
  return account->certfp;
}

/**
 * confab_account_has_certfp:
 * @certfp: (nullable): a client certificate's SHA-256 fingerprint, as
 *   the TLS connection computed it (64 lower-case hex digits)
 *
 * Returns: whether the account's line lists @certfp: that certificate
 *   logs in to it without a password
 */
gboolean
confab_account_has_certfp (const ConfabAccount *account,
                           const char          *certfp)
{
  return certfp != NULL && account->certfp != NULL && g_str_equal (account->certfp, certfp);
}

/**
 * confab_accounts_lookup_certfp:
 *
 * The account a client certificate logs in to when the client names
 * none (IRC's SASL EXTERNAL without an authorization identity).
 *
 * Returns: (nullable): the one account that lists @certfp; %NULL if none
 *   does, or several do (the client must then say which it means)
 */
const ConfabAccount *
confab_accounts_lookup_certfp (const ConfabAccounts *self,
                               const char           *certfp)
{
  const ConfabAccount *found = NULL;
  GHashTableIter       iter;
  gpointer             value;

  g_hash_table_iter_init (&iter, self->by_key);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    if (confab_account_has_certfp (value, certfp))
      {
        if (found != NULL)
          return NULL;
        found = value;
      }
  return found;
}

/**
 * confab_account_check_password:
 *
 * Hashes @password with the account's salt and compares in constant
 * time. Blocks for as long as the hash method takes: call it in a worker
 * thread.
 *
 * Returns: whether @password is the account's
 */
gboolean
confab_account_check_password (const ConfabAccount *account,
                               const char          *password)
{
  struct crypt_data *data;
  gsize              hash_len = strlen (account->hash);
  gboolean           ok = FALSE;

  g_return_val_if_fail (account != NULL && password != NULL, FALSE);

  if (strlen (password) > CONFAB_ACCOUNT_PASSWORD_MAX || account->hash[0] != '$')
    return FALSE;
  data = g_new0 (struct crypt_data, 1);
  if (crypt_rn (password, account->hash, data, sizeof *data) != NULL && data->output[0] != '*' &&
      strlen (data->output) == hash_len)
    {
      guchar diff = 0;

      for (gsize i = 0; i < hash_len; i++)
        diff |= (guchar) data->output[i] ^ (guchar) account->hash[i];
      ok = diff == 0;
    }
  explicit_bzero (data, sizeof *data);
  g_free (data);
  return ok;
}
