/* confabctl-passwd.c: passwd FILE NAME, adding or changing an account.
 *
 * FILE is what confabd's `[accounts] file` names (SPEC §11): lines
 * `NAME:HASH` or `NAME:HASH:certfp=HEX`, blank lines and `#` comments.
 * The command needs no daemon and no bus. It changes one line and keeps
 * every other byte: the account's line, found by the name key (so that
 * `Alice` replaces `alice`), becomes `NAME:HASH` as NAME was typed now,
 * with its `:certfp=…` kept; a new account is a line added at the end.
 * A file with a line it does not understand is left alone: rewriting
 * it could turn a typo into a lost account.
 *
 * The new file replaces the old one by rename(2), so confabd (on SIGHUP)
 * reads either the old or the new, never half of one; it keeps the old
 * file's mode, owner and group (a root-owned temporary file would lock
 * out a daemon that reads the file by its group), and a new file is
 * 0600. A symbolic link is followed, not replaced.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "confab-name-key.h"
#include "confab-validate.h"
#include "confabctl-commands.h"
#include "confabctl-output.h"
#include "confabctl-password.h"

#define CERTFP_PREFIX     "certfp="
#define CERTFP_HEX_DIGITS 64
#define NEW_FILE_MODE     0600

/* The accounts file as read, and where the account's line is in it. */
typedef struct
{
  char    *path;     /* (owned): the file to replace (a link's target) */
  char    *contents; /* (owned): as read; "" for a file not there yet */
  gsize    length;
  gboolean exists;
  mode_t   mode;
  uid_t    uid;
  gid_t    gid;
  /* The account's line, if it has one: bytes [line_start, line_end),
   * without the line's "\n" or "\r\n", which stay; its ":certfp=…"
   * starts at certfp_start (line_end if it has none). */
  gboolean found;
  gsize    line_start;
  gsize    line_end;
  gsize    certfp_start;
} AccountsFile;

static void
accounts_file_clear (AccountsFile *file)
{
  g_clear_pointer (&file->path, g_free);
  g_clear_pointer (&file->contents, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (AccountsFile, accounts_file_clear)

static gboolean
is_blank (const char *line,
          gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (line[i] != ' ' && line[i] != '\t')
      return FALSE;
  return TRUE;
}

/* What crypt(3) writes, and the '!' or '*' of a locked account:
 * printable ASCII, no white space, no ':'. */
static gboolean
is_hash (const char *hash,
         gsize       length)
{
  for (gsize i = 0; i < length; i++)
    if (hash[i] < '!' || hash[i] > '~' || hash[i] == ':')
      return FALSE;
  return length > 0;
}

static gboolean
is_certfp (const char *field,
           gsize       length)
{
  gsize prefix = strlen (CERTFP_PREFIX);

  if (length != prefix + CERTFP_HEX_DIGITS || strncmp (field, CERTFP_PREFIX, prefix) != 0)
    return FALSE;
  for (gsize i = prefix; i < length; i++)
    if (!g_ascii_isxdigit (field[i]))
      return FALSE;
  return TRUE;
}

/*
 * check_account_line:
 * @line: one line, @length bytes without its end
 * @key: the name key of the account being set
 * @seen: (element-type utf8 guint): name key → line number, of the lines
 *   so far
 * @matches: (out): whether the line is @key's account
 * @certfp: (out): where its ":certfp=…" starts (@length if it has none)
 *
 * Returns: %NULL if the line is a valid account line, else why not
 *   (transfer full)
 */
static char *
check_account_line (const char *line,
                    gsize       length,
                    guint       number,
                    const char *key,
                    GHashTable *seen,
                    gboolean   *matches,
                    gsize      *certfp)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;
  g_autofree char *line_key = NULL;
  const char      *colon = memchr (line, ':', length);
  const char      *hash, *hash_end, *end = line + length;
  gpointer         first;

  if (colon == NULL)
    return g_strdup (_ ("not NAME:HASH or NAME:HASH:certfp=HEX"));
  if (!confab_validate_name (line, colon - line, &error))
    return g_strdup (error->message);

  hash = colon + 1;
  hash_end = memchr (hash, ':', end - hash);
  if (hash_end == NULL)
    hash_end = end;
  if (hash_end == hash)
    return g_strdup (_ ("the hash is empty"));
  if (!is_hash (hash, hash_end - hash))
    return g_strdup (_ ("the hash holds white space or bytes other than printable ASCII"));
  if (hash_end != end && !is_certfp (hash_end + 1, end - hash_end - 1))
    return g_strdup (_ ("after the hash, only “:certfp=” and 64 hex digits may follow"));

  /* Two lines of one name would leave it to the daemon which counts. */
  name = g_strndup (line, colon - line);
  line_key = confab_name_key_dup (name);
  if (g_hash_table_lookup_extended (seen, line_key, NULL, &first))
    /* TRANSLATORS: %s is an account's name, %u a line number */
    return g_strdup_printf (_ ("%s is the same name as the account on line %u (names are "
                               "compared ignoring case and look-alike characters)"),
                            name, GPOINTER_TO_UINT (first));
  *matches = g_str_equal (line_key, key);
  *certfp = hash_end - line;
  g_hash_table_insert (seen, g_steal_pointer (&line_key), GUINT_TO_POINTER (number));
  return NULL;
}

/* Finds @key's line in @file->contents and checks every line. */
static gboolean
accounts_file_parse (AccountsFile *file,
                     const char   *display_path,
                     const char   *key,
                     GError      **error)
{
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  guint number = 0;

  for (gsize start = 0, next; start < file->length; start = next)
    {
      const char      *line = file->contents + start;
      const char      *newline = memchr (line, '\n', file->length - start);
      gsize            length = newline != NULL ? (gsize) (newline - line) : file->length - start;
      g_autofree char *problem = NULL;
      gboolean         matches = FALSE;
      gsize            certfp = 0;

      next = start + length + (newline != NULL ? 1 : 0);
      number++;
      if (length > 0 && line[length - 1] == '\r')
        length--;
      if (is_blank (line, length) || line[0] == '#')
        continue;

      problem = check_account_line (line, length, number, key, seen, &matches, &certfp);
      if (problem != NULL)
        {
          /* TRANSLATORS: the file, a line number, what is wrong with it */
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("%s:%u: %s; nothing was changed"), display_path, number, problem);
          return FALSE;
        }
      if (matches)
        {
          file->found = TRUE;
          file->line_start = start;
          file->line_end = start + length;
          file->certfp_start = start + certfp;
        }
    }
  return TRUE;
}

/* Sets "WHAT: strerror" from a printf-style WHAT. */
G_GNUC_PRINTF (3, 4)
static gboolean
set_error_from_errno (GError    **error,
                      int         saved_errno,
                      const char *format,
                      ...)
{
  g_autofree char *what = NULL;
  va_list          args;

  va_start (args, format);
  what = g_strdup_vprintf (format, args);
  va_end (args);
  g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
               "%s: %s", what, g_strerror (saved_errno));
  return FALSE;
}

/*
 * accounts_file_load:
 * @path: FILE as given
 * @key: the name key of the account to find
 *
 * Reads and checks the file; one that does not exist is empty, to be
 * created.
 */
static gboolean
accounts_file_load (AccountsFile *file,
                    const char   *path,
                    const char   *key,
                    GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  struct stat info;

  memset (file, 0, sizeof *file);
  if (g_file_test (path, G_FILE_TEST_IS_SYMLINK))
    {
      file->path = realpath (path, NULL);
      if (file->path == NULL)
        return set_error_from_errno (error, errno, _ ("cannot follow the link %s"), path);
    }
  else
    file->path = g_strdup (path);

  if (stat (file->path, &info) != 0)
    {
      if (errno != ENOENT)
        return set_error_from_errno (error, errno, _ ("cannot read %s"), path);
      file->contents = g_strdup ("");
      file->mode = NEW_FILE_MODE;
      return TRUE;
    }
  if (!S_ISREG (info.st_mode))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_REGULAR_FILE,
                   _ ("%s is not a regular file"), path);
      return FALSE;
    }
  if (!g_file_get_contents (file->path, &file->contents, &file->length, &local_error))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _ ("cannot read %s: %s"), path,
                   local_error->message);
      return FALSE;
    }
  file->exists = TRUE;
  file->mode = info.st_mode & 07777;
  file->uid = info.st_uid;
  file->gid = info.st_gid;
  return accounts_file_parse (file, path, key, error);
}

/* The file with @name's line set to @name:@hash. */
static GString *
accounts_file_edit (const AccountsFile *file,
                    const char         *name,
                    const char         *hash)
{
  GString *text = g_string_sized_new (file->length + strlen (name) + strlen (hash) + 2);

  if (file->found)
    {
      g_string_append_len (text, file->contents, file->line_start);
      g_string_append_printf (text, "%s:%s", name, hash);
      g_string_append_len (text, file->contents + file->certfp_start,
                           file->length - file->certfp_start);
      return text;
    }

  g_string_append_len (text, file->contents, file->length);
  if (file->length > 0 && file->contents[file->length - 1] != '\n')
    g_string_append_c (text, '\n');
  g_string_append_printf (text, "%s:%s\n", name, hash);
  return text;
}

/*
 * write_atomically:
 *
 * Writes @text to a temporary file beside @file->path with the old file's
 * mode, owner and group (or NEW_FILE_MODE), then renames it over the old
 * one. G_FILE_SET_CONTENTS_CONSISTENT does the same but leaves the new
 * file to whoever runs confabctl, and root editing a file that confabd
 * reads as its group would lock the daemon out.
 */
static gboolean
write_atomically (const AccountsFile *file,
                  const char         *display_path,
                  const GString      *text,
                  GError            **error)
{
  g_autofree char *dir = g_path_get_dirname (file->path);
  g_autofree char *base = g_path_get_basename (file->path);
  g_autofree char *tmp_name = g_strdup_printf (".%s.XXXXXX", base);
  g_autofree char *tmp_path = g_build_filename (dir, tmp_name, NULL);
  const char      *data = text->str;
  gsize            left = text->len;
  int              fd;

  fd = g_mkstemp_full (tmp_path, O_RDWR | O_CLOEXEC, NEW_FILE_MODE);
  if (fd < 0)
    return set_error_from_errno (error, errno, _ ("cannot create a file beside %s"), display_path);

  while (left > 0)
    {
      gssize n = write (fd, data, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        goto failed;
      data += n;
      left -= n;
    }
  /* The owner first: chown may clear set-id bits that fchmod then sets. */
  if (file->exists && (file->uid != geteuid () || file->gid != getegid ()) &&
      fchown (fd, file->uid, file->gid) != 0)
    goto failed;
  if (fchmod (fd, file->mode) != 0 || fsync (fd) != 0)
    goto failed;
  if (close (fd) != 0)
    {
      fd = -1;
      goto failed;
    }
  fd = -1;
  if (rename (tmp_path, file->path) != 0)
    goto failed;
  return TRUE;

failed:
  {
    int saved_errno = errno;

    if (fd >= 0)
      close (fd);
    g_unlink (tmp_path);
    return set_error_from_errno (error, saved_errno, _ ("cannot write %s"), display_path);
  }
}

/* A yescrypt hash of @password with a fresh salt, the default cost. */
static char *
hash_password (const char *password,
               GError    **error)
{
  char                          salt[CRYPT_GENSALT_OUTPUT_SIZE];
  g_autofree struct crypt_data *data = g_new0 (struct crypt_data, 1);
  char                         *hash = NULL;
  int                           saved_errno;

  errno = 0;
  if (crypt_gensalt_rn ("$y$", 0, NULL, 0, salt, sizeof salt) == NULL || salt[0] == '*')
    {
      saved_errno = errno != 0 ? errno : EINVAL;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("cannot make a salt for yescrypt: %s"), g_strerror (saved_errno));
      return NULL;
    }
  errno = 0;
  if (crypt_rn (password, salt, data, sizeof *data) == NULL || data->output[0] == '*')
    {
      saved_errno = errno != 0 ? errno : EINVAL;
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("cannot hash the password with yescrypt: %s"), g_strerror (saved_errno));
    }
  else
    hash = g_strdup (data->output);
  /* crypt_data holds the password's intermediate state too. */
  explicit_bzero (data, sizeof *data);
  return hash;
}

static void
print_result (ConfabCtl  *ctl,
              const char *name,
              const char *path,
              gboolean    added)
{
  g_autoptr(JsonBuilder) builder = NULL;

  if (!ctl->json)
    {
      /* TRANSLATORS: %s is an account's name, then the accounts file */
      g_print (_ ("Password of %s set in %s.\n"), name, path);
      return;
    }

  builder = json_builder_new ();
  json_builder_begin_object (builder);
  json_builder_set_member_name (builder, "name");
  json_builder_add_string_value (builder, name);
  json_builder_set_member_name (builder, "file");
  json_builder_add_string_value (builder, path);
  json_builder_set_member_name (builder, "added");
  json_builder_add_boolean_value (builder, added);
  json_builder_end_object (builder);
  confabctl_print_json (builder, FALSE);
}

static ConfabCtlExit
fail (GError *error)
{
  g_printerr ("confabctl: %s\n", error->message);
  return CONFABCTL_EXIT_FAILED;
}

/* ---- passwd FILE NAME ------------------------------------------------ */

ConfabCtlExit
confabctl_passwd (ConfabCtl *ctl,
                  char     **args)
{
  const char *path = args[0];
  const char *name = args[1];
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabCtlPassword) password = NULL;
  g_autoptr(GString) text = NULL;
  g_auto(AccountsFile) file = { 0 };
  g_autofree char *key = NULL;
  g_autofree char *hash = NULL;

  if (!confab_validate_name (name, -1, &error))
    return fail (error);
  key = confab_name_key_dup (name);

  /* A file that would be refused is refused before the password is
   * typed; it is read again afterwards, as the prompt may have waited. */
  if (!accounts_file_load (&file, path, key, &error))
    return fail (error);
  accounts_file_clear (&file);

  password = confabctl_password_read_new (name, &error);
  if (password == NULL)
    return fail (error);
  hash = hash_password (password, &error);
  if (hash == NULL)
    return fail (error);

  if (!accounts_file_load (&file, path, key, &error))
    return fail (error);
  text = accounts_file_edit (&file, name, hash);
  if (!write_atomically (&file, path, text, &error))
    return fail (error);
  print_result (ctl, name, path, !file.found);
  return CONFABCTL_EXIT_OK;
}
