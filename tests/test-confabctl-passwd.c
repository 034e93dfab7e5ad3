/* test-confabctl-passwd.c: `confabctl passwd FILE NAME` (SPEC §11), run as
 * administrators run it.
 *
 * The real confabctl runs as a process, with the password on a pipe (its
 * first line) or typed into a pseudo-terminal; no daemon and no bus are
 * involved (the session bus address leads nowhere). Each hash written is
 * checked with crypt(3) here; every byte of the file that is not the
 * changed hash is compared with what was there. No run may print a
 * password or a hash.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"

#define RUN_MS  30000
#define WAIT_MS 20000

/* A fingerprint as `openssl x509 -fingerprint -sha256` would give,
 * without its colons, in mixed case to see it kept byte for byte. */
#define CERTFP "certfp=0123456789abcdefABCDEF0123456789abcdef0123456789ABCDEF0123456789"

typedef struct
{
  ConfabTestTmpDir *tmp;
  char             *path;   /* (owned): tmp/accounts, not there at first */
  char             *no_bus; /* (owned): DBUS_SESSION_BUS_ADDRESS=… leading nowhere */
} Fixture;

static void
fixture_setup (Fixture      *fx,
               gconstpointer data)
{
  fx->tmp = confab_test_tmp_dir_new ();
  fx->path = g_build_filename (fx->tmp->path, "accounts", NULL);
  fx->no_bus = g_strdup_printf ("DBUS_SESSION_BUS_ADDRESS=unix:path=%s/no-bus", fx->tmp->path);
  /* A umask that would show a file made 0666 & ~umask (0644). */
  umask (022);
}

static void
fixture_teardown (Fixture      *fx,
                  gconstpointer data)
{
  g_clear_pointer (&fx->no_bus, g_free);
  g_clear_pointer (&fx->path, g_free);
  g_clear_pointer (&fx->tmp, confab_test_tmp_dir_free);
}

/* ---- helpers ---------------------------------------------------------- */

/* Fails if @text shows a password of @input (each non-empty line) or a
 * hash. */
static void
assert_no_secret (const char *text,
                  const char *input)
{
  g_auto(GStrv) lines = g_strsplit (input != NULL ? input : "", "\n", -1);

  g_assert_null (strstr (text, "$y$"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_strchomp (lines[i]);
      if (strlen (lines[i]) >= 4 && strstr (text, lines[i]) != NULL)
        confab_test_fail ("the password “%s” was printed: “%s”", lines[i], text);
    }
}

/* Runs confabctl with @input on its stdin and the NULL-terminated
 * arguments; returns its exit status. */
G_GNUC_NULL_TERMINATED
static int
confabctl (Fixture    *fx,
           const char *input,
           char      **out,
           char      **err,
           ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new_with_free_func (g_free);
  const char * const env[] = { fx->no_bus, NULL };
  g_autofree char   *text_out = NULL;
  g_autofree char   *text_err = NULL;
  const char        *arg;
  va_list            args;
  int                status;

  g_ptr_array_add (argv, confab_test_program_path ("confabctl"));
  va_start (args, err);
  while ((arg = va_arg (args, const char *)) != NULL)
    g_ptr_array_add (argv, g_strdup (arg));
  va_end (args);
  g_ptr_array_add (argv, NULL);

  status = confab_dbus_test_run_with_input ((const char * const *) argv->pdata, env, input, -1,
                                            RUN_MS, &text_out, &text_err);
  assert_no_secret (text_out, input);
  assert_no_secret (text_err, input);
  if (out != NULL)
    {
      g_free (*out);
      *out = g_steal_pointer (&text_out);
    }
  if (err != NULL)
    {
      g_free (*err);
      *err = g_steal_pointer (&text_err);
    }
  return status;
}

/* `confabctl passwd FILE NAME` with @input on stdin, which must succeed
 * with the usual line. */
static void
passwd_ok (Fixture    *fx,
           const char *name,
           const char *input)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("Password of %s set in %s.\n", name, fx->path);

  g_assert_cmpint (confabctl (fx, input, &out, &err, "passwd", fx->path, name, NULL), ==, 0);
  g_assert_cmpstr (out, ==, expected);
  g_assert_cmpstr (err, ==, "");
}

static gboolean
hash_verifies (const char *hash,
               const char *password)
{
  g_autofree struct crypt_data *data = g_new0 (struct crypt_data, 1);
  const char                   *result = crypt_rn (password, hash, data, sizeof *data);

  return result != NULL && g_str_equal (result, hash);
}

/* Checks that @hash is a yescrypt hash of @password (and of nothing
 * near it). */
static void
assert_hash_of (const char *hash,
                const char *password)
{
  g_autofree char *shorter = g_strndup (password, strlen (password) - 1);
  g_autofree char *longer = g_strconcat (password, "x", NULL);

  g_assert_true (g_str_has_prefix (hash, "$y$"));
  if (!hash_verifies (hash, password))
    confab_test_fail ("“%s” is not a hash of “%s”", hash, password);
  g_assert_false (hash_verifies (hash, shorter));
  g_assert_false (hash_verifies (hash, longer));
  g_assert_false (hash_verifies (hash, "wrong password"));
}

static char *
read_file (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);
  return contents;
}

static void
write_file (const char *path,
            const char *contents,
            mode_t      mode)
{
  g_autoptr(GError) error = NULL;

  g_file_set_contents_full (path, contents, -1, G_FILE_SET_CONTENTS_CONSISTENT, mode, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, mode), ==, 0);
}

static mode_t
file_mode (const char *path)
{
  struct stat info;

  g_assert_cmpint (g_stat (path, &info), ==, 0);
  return info.st_mode & 07777;
}

/*
 * take_hash:
 * @contents: the file after the run
 * @prefix: what comes before the new hash ("…\nalice:")
 * @suffix: what follows it ("\nbob:…" or ":certfp=…\n…")
 *
 * Checks that @contents is @prefix HASH @suffix with one hash of no ':'
 * and no line end, and returns that hash.
 */
static char *
take_hash (const char *contents,
           const char *prefix,
           const char *suffix)
{
  gsize       length = strlen (contents);
  gsize       prefix_length = strlen (prefix);
  gsize       suffix_length = strlen (suffix);
  const char *hash;
  gsize       hash_length;

  if (length < prefix_length + suffix_length ||
      strncmp (contents, prefix, prefix_length) != 0 ||
      strcmp (contents + length - suffix_length, suffix) != 0)
    confab_test_fail ("“%s” is not “%s” HASH “%s”", contents, prefix, suffix);
  hash = contents + prefix_length;
  hash_length = length - prefix_length - suffix_length;
  g_assert_cmpuint (hash_length, >, 0);
  g_assert_null (memchr (hash, ':', hash_length));
  g_assert_null (memchr (hash, '\n', hash_length));
  g_assert_null (memchr (hash, '\r', hash_length));
  return g_strndup (hash, hash_length);
}

/* The directory holds the accounts file (and @other, if given) only: no
 * temporary file was left behind. */
static void
assert_only_files (Fixture    *fx,
                   const char *other)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GDir) dir = g_dir_open (fx->tmp->path, 0, &error);
  const char *entry;

  g_assert_no_error (error);
  while ((entry = g_dir_read_name (dir)) != NULL)
    if (!g_str_equal (entry, "accounts") && g_strcmp0 (entry, other) != 0)
      confab_test_fail ("%s was left in %s", entry, fx->tmp->path);
}

/* ---- a new file ------------------------------------------------------- */

static void
test_new_file (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;

  g_test_summary ("passwd on a file that is not there makes it, mode 0600, with one line "
                  "NAME:HASH whose yescrypt hash verifies the password (and no other); "
                  "no daemon or bus is needed");

  passwd_ok (fx, "alice", "correct horse battery\n");
  contents = read_file (fx->path);
  hash = take_hash (contents, "alice:", "\n");
  assert_hash_of (hash, "correct horse battery");
  g_assert_cmpint (file_mode (fx->path), ==, 0600);
  assert_only_files (fx, NULL);
}

static void
test_salted (Fixture      *fx,
             gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;

  g_test_summary ("passwd hashes with a new salt each time: the same password twice gives "
                  "two hashes that both verify it");

  passwd_ok (fx, "alice", "same old secret\n");
  contents = read_file (fx->path);
  first = take_hash (contents, "alice:", "\n");
  g_clear_pointer (&contents, g_free);

  passwd_ok (fx, "alice", "same old secret\n");
  contents = read_file (fx->path);
  second = take_hash (contents, "alice:", "\n");
  g_assert_cmpstr (first, !=, second);
  assert_hash_of (first, "same old secret");
  assert_hash_of (second, "same old secret");
}

static void
test_json (Fixture      *fx,
           gconstpointer data)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  JsonObject      *object;

  g_test_summary ("passwd --json prints one object: name, file and whether the account "
                  "was added");

  g_assert_cmpint (confabctl (fx, "json secret one\n", &out, &err,
                              "--json", "passwd", fx->path, "alice", NULL),
                   ==, 0);
  g_assert_cmpstr (err, ==, "");
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpuint (json_object_get_size (object), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "alice");
  g_assert_cmpstr (json_object_get_string_member (object, "file"), ==, fx->path);
  g_assert_true (json_object_get_boolean_member (object, "added"));

  g_assert_cmpint (confabctl (fx, "json secret two\n", &out, &err,
                              "passwd", "--json", fx->path, "ALICE", NULL),
                   ==, 0);
  json_parser_load_from_data (parser, out, -1, &error);
  g_assert_no_error (error);
  object = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpstr (json_object_get_string_member (object, "name"), ==, "ALICE");
  g_assert_false (json_object_get_boolean_member (object, "added"));

  contents = read_file (fx->path);
  hash = take_hash (contents, "ALICE:", "\n");
  assert_hash_of (hash, "json secret two");
}

/* ---- changing a file ---------------------------------------------------- */

/* Comments, blank lines (one of spaces), other accounts with and without
 * certfp, a locked one, a CRLF line, and a last line without "\n". */
static const char before_bob[] =
  "# confab accounts\n"
  "\n"
  "bob:";
static const char old_bob_hash[] = "$y$j9T$bobbobbobbobbob$bobhashbobhashbobhashbobhashbobhashbobhas";
static const char after_bob[] =
  "\n"
  "   \t\n"
  "# alice is next\n"
  "alice:";
static const char old_alice_hash[] = "$6$rounds=5000$saltsalt$sha512hashsha512hashsha512hash";
static const char after_alice[] =
  "\r\n"
  "carol:$y$j9T$carolcarolcaro$carolhashcarolhash:" CERTFP "\n"
  "dave:!\n"
  "#the end, without a newline";

static void
test_keeps_other_lines (Fixture      *fx,
                        gconstpointer data)
{
  g_autofree char *original = g_strconcat (before_bob, old_bob_hash, after_bob, old_alice_hash,
                                           after_alice, NULL);
  g_autofree char *contents = NULL;
  g_autofree char *alice_hash = NULL;
  g_autofree char *bob_hash = NULL;
  g_autofree char *erin_hash = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_test_summary ("passwd changes the hash of the account's line only: comments, blank "
                  "lines, other accounts, a CRLF line end and a last line without a newline "
                  "stay byte for byte; a new account is added at the end");

  write_file (fx->path, original, 0600);

  /* alice, on a CRLF line between other lines. */
  passwd_ok (fx, "alice", "alice new secret\n");
  contents = read_file (fx->path);
  before = g_strconcat (before_bob, old_bob_hash, after_bob, NULL);
  alice_hash = take_hash (contents, before, after_alice);
  assert_hash_of (alice_hash, "alice new secret");
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&before, g_free);

  /* bob, the first account. */
  passwd_ok (fx, "bob", "bob new secret\n");
  contents = read_file (fx->path);
  after = g_strconcat (after_bob, alice_hash, after_alice, NULL);
  bob_hash = take_hash (contents, before_bob, after);
  assert_hash_of (bob_hash, "bob new secret");
  g_clear_pointer (&contents, g_free);

  /* erin, a new account: after the last line, given its newline. */
  passwd_ok (fx, "erin", "erin first secret\n");
  contents = read_file (fx->path);
  before = g_strconcat (before_bob, bob_hash, after_bob, alice_hash, after_alice, "\nerin:", NULL);
  erin_hash = take_hash (contents, before, "\n");
  assert_hash_of (erin_hash, "erin first secret");
  assert_only_files (fx, NULL);
}

static void
test_certfp_kept (Fixture      *fx,
                  gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;

  g_test_summary ("passwd keeps the :certfp=HEX of the account it changes, byte for byte");

  write_file (fx->path, "alice:$y$j9T$oldoldoldold$oldhasholdhash:" CERTFP "\nbob:!\n", 0600);
  passwd_ok (fx, "alice", "certfp is kept\n");
  contents = read_file (fx->path);
  hash = take_hash (contents, "alice:", ":" CERTFP "\nbob:!\n");
  assert_hash_of (hash, "certfp is kept");
}

static void
test_name_key (Fixture      *fx,
               gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;

  g_test_summary ("passwd finds the account by the name key: Alice, then the look-alike "
                  "a1ice, replace alice's line, spelled as given now");

  write_file (fx->path, "bob:!\nalice:$y$j9T$oldoldoldold$oldhasholdhash\ncarol:!\n", 0600);

  passwd_ok (fx, "Alice", "capital secret\n");
  contents = read_file (fx->path);
  hash = take_hash (contents, "bob:!\nAlice:", "\ncarol:!\n");
  assert_hash_of (hash, "capital secret");
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&hash, g_free);

  passwd_ok (fx, "a1ice", "look-alike secret\n");
  contents = read_file (fx->path);
  hash = take_hash (contents, "bob:!\na1ice:", "\ncarol:!\n");
  assert_hash_of (hash, "look-alike secret");
}

static void
test_mode_kept (Fixture      *fx,
                gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  struct stat      before, after;

  g_test_summary ("passwd keeps the mode of an existing file, and replaces it by rename "
                  "(a new inode), leaving no temporary file");

  write_file (fx->path, "bob:!\n", 0640);
  g_assert_cmpint (g_stat (fx->path, &before), ==, 0);
  passwd_ok (fx, "alice", "mode secret\n");
  g_assert_cmpint (g_stat (fx->path, &after), ==, 0);
  g_assert_cmpint (after.st_mode & 07777, ==, 0640);
  g_assert_cmpuint (after.st_uid, ==, before.st_uid);
  g_assert_cmpuint (after.st_gid, ==, before.st_gid);
  g_assert_cmpuint (after.st_ino, !=, before.st_ino);
  contents = read_file (fx->path);
  hash = take_hash (contents, "bob:!\nalice:", "\n");
  assert_hash_of (hash, "mode secret");
  assert_only_files (fx, NULL);

  g_assert_cmpint (g_chmod (fx->path, 0604), ==, 0);
  passwd_ok (fx, "alice", "mode secret two\n");
  g_assert_cmpint (file_mode (fx->path), ==, 0604);
}

/* The uid and gid of nobody and nogroup on Debian. */
#define OTHER_ID 65534

static void
test_owner_kept (Fixture      *fx,
                 gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  GStatBuf         info;

  g_test_summary ("passwd run by root keeps the owner and group of a file that is someone "
                  "else's, so that a daemon reading it by its group still can");

  if (geteuid () != 0)
    {
      g_test_skip ("needs root, to give the file another owner");
      return;
    }
  write_file (fx->path, "bob:!\n", 0640);
  g_assert_cmpint (chown (fx->path, OTHER_ID, OTHER_ID), ==, 0);
  passwd_ok (fx, "alice", "owner secret\n");

  g_assert_cmpint (g_stat (fx->path, &info), ==, 0);
  g_assert_cmpuint (info.st_uid, ==, OTHER_ID);
  g_assert_cmpuint (info.st_gid, ==, OTHER_ID);
  g_assert_cmpint (info.st_mode & 07777, ==, 0640);
  contents = read_file (fx->path);
  hash = take_hash (contents, "bob:!\nalice:", "\n");
  assert_hash_of (hash, "owner secret");
}

static void
test_symlink (Fixture      *fx,
              gconstpointer data)
{
  g_autofree char *target = g_build_filename (fx->tmp->path, "accounts.real", NULL);
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  g_autofree char *link = NULL;
  GStatBuf         info;

  g_test_summary ("passwd on a symbolic link changes the file it points to and keeps "
                  "the link");

  write_file (target, "bob:!\n", 0640);
  g_assert_cmpint (symlink ("accounts.real", fx->path), ==, 0);
  passwd_ok (fx, "alice", "linked secret\n");

  g_assert_cmpint (g_lstat (fx->path, &info), ==, 0);
  g_assert_true (S_ISLNK (info.st_mode));
  link = g_file_read_link (fx->path, NULL);
  g_assert_cmpstr (link, ==, "accounts.real");
  contents = read_file (target);
  hash = take_hash (contents, "bob:!\nalice:", "\n");
  assert_hash_of (hash, "linked secret");
  g_assert_cmpint (file_mode (target), ==, 0640);
  assert_only_files (fx, "accounts.real");
}

/* ---- refusals ----------------------------------------------------------- */

static void
test_malformed (Fixture      *fx,
                gconstpointer data)
{
  const struct
  {
    const char *contents;
    guint       line;
    const char *problem;
  } cases[] = {
    { "alice\n", 1, "not NAME:HASH or NAME:HASH:certfp=HEX" },
    { "# fine\nbob:!\n\ncarol $y$abc\n", 4, "not NAME:HASH" },
    { "bob:!\nal ice:$y$abc\n", 2, "invalid name: names may not contain white space" },
    { " alice:$y$abc\n", 1, "invalid name: names may not contain white space" },
    { ":$y$abc\n", 1, "invalid name: empty" },
    { "\xff\xfe:$y$abc\n", 1, "invalid name: not valid UTF-8" },
    { "@server:$y$abc\n", 1, "invalid name: names may not start with '@' or '#'" },
    { "alice:\n", 1, "the hash is empty" },
    { "alice::" CERTFP "\n", 1, "the hash is empty" },
    { "alice:$y$a b\n", 1, "the hash holds white space" },
    { "alice:$y$ab\xc3\xa9\n", 1, "the hash holds white space or bytes other than printable ASCII" },
    { "alice:$y$abc:certfp=0123\n", 1, "only “:certfp=” and 64 hex digits" },
    { "alice:$y$abc:" CERTFP "0\n", 1, "only “:certfp=” and 64 hex digits" },
    { "alice:$y$abc:" CERTFP ":x\n", 1, "only “:certfp=” and 64 hex digits" },
    { "alice:$y$abc:fp=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", 1,
      "only “:certfp=” and 64 hex digits" },
    { "alice:$y$abc:certfp=0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
      1, "only “:certfp=” and 64 hex digits" },
    { "alice:$y$abc:\n", 1, "only “:certfp=” and 64 hex digits" },
    { "bob:!\nBob:$y$abc\n", 2, "Bob is the same name as the account on line 1" },
    { "b0b:!\n\nbob:$y$abc", 3, "bob is the same name as the account on line 1" },
  };

  g_test_summary ("passwd refuses a file with a line that is not an account, a comment or "
                  "blank, naming the line, and leaves the file as it was");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;
      g_autofree char *contents = NULL;
      g_autofree char *where = g_strdup_printf ("confabctl: %s:%u: ", fx->path, cases[i].line);
      /* Some cases are not UTF-8; the TAP log must stay UTF-8. */
      g_autofree char *shown = g_strescape (cases[i].contents, NULL);

      g_test_message ("case %" G_GSIZE_FORMAT ": “%s”", i, shown);
      write_file (fx->path, cases[i].contents, 0640);
      g_assert_cmpint (confabctl (fx, "never written\n", &out, &err, "passwd", fx->path, "alice", NULL),
                       ==, 1);
      g_assert_cmpstr (out, ==, "");
      if (!g_str_has_prefix (err, where) || strstr (err, cases[i].problem) == NULL ||
          !g_str_has_suffix (err, "; nothing was changed\n"))
        confab_test_fail ("case %" G_GSIZE_FORMAT ": “%s” does not say %s…%s", i, err, where,
                          cases[i].problem);
      contents = read_file (fx->path);
      g_assert_cmpstr (contents, ==, cases[i].contents);
      g_assert_cmpint (file_mode (fx->path), ==, 0640);
      assert_only_files (fx, NULL);
    }
}

static void
test_invalid_name (Fixture      *fx,
                   gconstpointer data)
{
  const struct
  {
    const char *name;
    const char *message;
  } cases[] = {
    { "", "confabctl: invalid name: empty\n" },
    { "a b", "confabctl: invalid name: names may not contain white space\n" },
    { "a:b", "confabctl: invalid name: names may not contain ':'\n" },
    { "a,b", "confabctl: invalid name: names may not contain ','\n" },
    { "#room", "confabctl: invalid name: names may not start with '@' or '#'\n" },
    { "@server", "confabctl: invalid name: names may not start with '@' or '#'\n" },
    /* U+200B ZERO WIDTH SPACE */
    { "a\u200Bb", "confabctl: invalid name: names may not contain control characters\n" },
    { "abcdefghijklmnopqrstuvwxyz0123456", "confabctl: invalid name: longer than 32 characters\n" },
  };

  g_test_summary ("passwd refuses a NAME that is not a valid confab name, and touches no "
                  "file");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (confabctl (fx, "never written\n", &out, &err, "passwd", fx->path,
                                  cases[i].name, NULL),
                       ==, 1);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, ==, cases[i].message);
      g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));
    }

  /* An existing file stays as it was. */
  write_file (fx->path, "bob:!\n", 0640);
  g_assert_cmpint (confabctl (fx, "never written\n", NULL, NULL, "passwd", fx->path, "a b", NULL), ==, 1);
  {
    g_autofree char *contents = read_file (fx->path);

    g_assert_cmpstr (contents, ==, "bob:!\n");
  }
}

static void
test_bad_password (Fixture      *fx,
                   gconstpointer data)
{
  /* libxcrypt hashes passwords of up to 511 bytes. */
  g_autofree char *too_long = g_strnfill (512, 'x');
  g_autofree char *too_long_line = g_strconcat (too_long, "\n", NULL);
  const struct
  {
    const char *input;
    const char *message;
  } cases[] = {
    { "\n", "confabctl: the password is empty\n" },
    { "\r\n", "confabctl: the password is empty\n" },
    { "\nsecond line\n", "confabctl: the password is empty\n" },
    { "", "confabctl: no password was given (the input ended)\n" },
    { "tab\tis fine but\x01 is not\n", "confabctl: the password holds control characters\n" },
    { "bad \xff\xfe utf-8\n", "confabctl: the password is not valid UTF-8\n" },
    { too_long_line, "confabctl: the password is longer than 511 bytes\n" },
  };

  g_test_summary ("passwd refuses an empty password, none at all, one no client could send "
                  "and one too long, and writes nothing");

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL;
      g_autofree char *err = NULL;

      g_assert_cmpint (confabctl (fx, cases[i].input, &out, &err, "passwd", fx->path, "alice", NULL),
                       ==, 1);
      g_assert_cmpstr (out, ==, "");
      g_assert_cmpstr (err, ==, cases[i].message);
      g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));
    }

  /* A password of NUL bytes would be cut short by crypt(3). */
  {
    g_autofree char *err = NULL;
    g_autofree char *ctl = confab_test_program_path ("confabctl");
    const char      *argv[] = { ctl, "passwd", fx->path, "alice", NULL };

    g_assert_cmpint (confab_dbus_test_run_with_input (argv, NULL, "nul\0byte\n", 9, RUN_MS, NULL, &err),
                     ==, 1);
    g_assert_cmpstr (err, ==, "confabctl: the password holds a NUL byte\n");
    g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));
  }

  /* 511 bytes are allowed. */
  too_long[511] = '\0';
  g_free (too_long_line);
  too_long_line = g_strconcat (too_long, "\n", NULL);
  {
    g_autofree char *contents = NULL;
    g_autofree char *hash = NULL;

    passwd_ok (fx, "alice", too_long_line);
    contents = read_file (fx->path);
    hash = take_hash (contents, "alice:", "\n");
    g_assert_true (hash_verifies (hash, too_long));
  }
}

static void
test_first_line (Fixture      *fx,
                 gconstpointer data)
{
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;

  g_test_summary ("passwd reads the password from the first line of stdin only, without "
                  "its \\n or \\r\\n, and a last line without \\n too; spaces are kept");

  passwd_ok (fx, "alice", " first line secret \nsecond line secret\n");
  contents = read_file (fx->path);
  hash = take_hash (contents, "alice:", "\n");
  assert_hash_of (hash, " first line secret ");
  g_assert_false (hash_verifies (hash, "second line secret"));
  g_assert_false (hash_verifies (hash, " first line secret \nsecond line secret"));
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&hash, g_free);

  passwd_ok (fx, "alice", "windows secret\r\n");
  contents = read_file (fx->path);
  hash = take_hash (contents, "alice:", "\n");
  assert_hash_of (hash, "windows secret");
  g_clear_pointer (&contents, g_free);
  g_clear_pointer (&hash, g_free);

  passwd_ok (fx, "alice", "no newline secret");
  contents = read_file (fx->path);
  hash = take_hash (contents, "alice:", "\n");
  assert_hash_of (hash, "no newline secret");
}

static void
test_usage (Fixture      *fx,
            gconstpointer data)
{
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *missing = g_build_filename (fx->tmp->path, "no-such-dir", "accounts", NULL);
  g_autofree char *expected = NULL;

  g_test_summary ("passwd takes exactly FILE and NAME (else exit 2), is listed in --help, "
                  "and exits 1 if FILE cannot be written");

  g_assert_cmpint (confabctl (fx, "usage secret\n", NULL, &err, "passwd", fx->path, NULL), ==, 2);
  g_assert_nonnull (strstr (err, "Missing argument for “passwd”: usage: confabctl passwd FILE NAME"));
  g_assert_cmpint (confabctl (fx, "usage secret\n", NULL, &err, "passwd", fx->path, "alice", "x", NULL),
                   ==, 2);
  g_assert_nonnull (strstr (err, "Too many arguments for “passwd”"));
  g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));

  g_assert_cmpint (confabctl (fx, NULL, &out, NULL, "--help", NULL), ==, 0);
  g_assert_true (g_regex_match_simple ("^  passwd FILE NAME +Add an account", out, G_REGEX_MULTILINE, 0));

  g_assert_cmpint (confabctl (fx, "usage secret\n", &out, &err, "passwd", missing, "alice", NULL), ==, 1);
  g_assert_cmpstr (out, ==, "");
  expected = g_strdup_printf ("confabctl: cannot create a file beside %s: No such file or directory\n",
                              missing);
  g_assert_cmpstr (err, ==, expected);
}

/* ---- on a terminal -------------------------------------------------------- */

/* A pseudo-terminal for confabctl's stdin, typed into through its master
 * side; the test keeps the slave side open to read its settings. */
typedef struct
{
  int      master;
  int      slave;
  GString *shown; /* (owned): what the terminal showed so far */
} Pty;

static void
pty_open (Pty *pty)
{
  g_autoptr(GError) error = NULL;

  pty->master = posix_openpt (O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (pty->master, >=, 0);
  g_assert_cmpint (grantpt (pty->master), ==, 0);
  g_assert_cmpint (unlockpt (pty->master), ==, 0);
  pty->slave = open (ptsname (pty->master), O_RDWR | O_NOCTTY | O_CLOEXEC);
  g_assert_cmpint (pty->slave, >=, 0);
  g_unix_set_fd_nonblocking (pty->master, TRUE, &error);
  g_assert_no_error (error);
  pty->shown = g_string_new (NULL);
}

static void
pty_close (Pty *pty)
{
  close (pty->master);
  close (pty->slave);
  g_string_free (pty->shown, TRUE);
}

static gboolean
pty_echo_is_on (Pty *pty)
{
  struct termios settings;

  g_assert_cmpint (tcgetattr (pty->slave, &settings), ==, 0);
  return (settings.c_lflag & ECHO) != 0;
}

static void
pty_type (Pty        *pty,
          const char *text)
{
  g_assert_cmpint (write (pty->master, text, strlen (text)), ==, strlen (text));
}

/*
 * pty_read:
 * @needle: (nullable): what to wait for; %NULL to read whatever comes
 *   within @timeout_ms
 *
 * Adds what the terminal shows to @pty->shown until @needle is in it;
 * fails on timeout.
 */
static void
pty_read (Pty        *pty,
          const char *needle,
          guint       timeout_ms)
{
  gint64 deadline = g_get_monotonic_time () +
                    (gint64) confab_test_timeout_ms (timeout_ms) * G_TIME_SPAN_MILLISECOND;

  while (needle == NULL || strstr (pty->shown->str, needle) == NULL)
    {
      struct pollfd poll_fd = { pty->master, POLLIN, 0 };
      gint64        left_ms = (deadline - g_get_monotonic_time ()) / G_TIME_SPAN_MILLISECOND;
      char          buf[256];
      gssize        n;

      if (left_ms <= 0 && needle == NULL)
        return;
      if (left_ms <= 0)
        confab_test_fail ("the terminal did not show “%s”; it showed “%s”", needle, pty->shown->str);
      if (poll (&poll_fd, 1, (int) MIN (left_ms, G_MAXINT)) <= 0)
        continue;
      n = read (pty->master, buf, sizeof buf);
      if (n > 0)
        g_string_append_len (pty->shown, buf, n);
      else if (n < 0 && errno != EAGAIN && errno != EINTR)
        confab_test_fail ("reading the terminal: %s", g_strerror (errno));
    }
}

/* With a controlling terminal confabctl prompts on /dev/tty (the pty);
 * in a session without one, on stderr. */
static void
wait_prompt (Pty                *pty,
             ConfabDBusTestProc *proc,
             gboolean            controlling,
             const char         *prompt)
{
  if (controlling)
    pty_read (pty, prompt, WAIT_MS);
  else
    confab_dbus_test_proc_wait_output (proc, TRUE, 0, prompt, WAIT_MS);
}

static ConfabDBusTestProc *
spawn_on_terminal (Fixture *fx,
                   Pty     *pty,
                   gboolean controlling)
{
  g_autofree char   *ctl = confab_test_program_path ("confabctl");
  const char        *argv[] = { ctl, "passwd", fx->path, "alice", NULL };
  const char * const env[] = { fx->no_bus, NULL };
  int                fd = fcntl (pty->slave, F_DUPFD_CLOEXEC, 3);

  g_assert_cmpint (fd, >=, 0);
  return confab_dbus_test_proc_spawn_full (argv, env, fd,
                                           controlling ? CONFAB_DBUS_TEST_PROC_CONTROLLING_TERMINAL
                                                       : CONFAB_DBUS_TEST_PROC_NEW_SESSION);
}

#define PROMPT       "New password for alice: "
#define PROMPT_AGAIN "Retype the new password: "

static void
test_tty (Fixture      *fx,
          gconstpointer data)
{
  gboolean controlling = GPOINTER_TO_INT (data);
  g_autoptr(ConfabDBusTestProc) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autofree char *expected = g_strdup_printf ("Password of alice set in %s.\n", fx->path);
  g_autofree char *contents = NULL;
  g_autofree char *hash = NULL;
  Pty              pty;

  g_test_summary ("passwd on a terminal asks twice with echo off (on /dev/tty, or on "
                  "stdin and stderr without a controlling terminal), and turns echo back on");

  pty_open (&pty);
  g_assert_true (pty_echo_is_on (&pty));
  proc = spawn_on_terminal (fx, &pty, controlling);

  wait_prompt (&pty, proc, controlling, PROMPT);
  g_assert_false (pty_echo_is_on (&pty));
  pty_type (&pty, "typed secret\n");
  wait_prompt (&pty, proc, controlling, PROMPT_AGAIN);
  g_assert_false (pty_echo_is_on (&pty));
  pty_type (&pty, "typed secret\n");

  g_assert_cmpint (confab_dbus_test_proc_wait (proc, RUN_MS), ==, 0);
  pty_read (&pty, NULL, 200);
  out = confab_dbus_test_proc_dup_stdout (proc);
  err = confab_dbus_test_proc_dup_stderr (proc);
  g_assert_cmpstr (out, ==, expected);
  /* Nothing typed was shown: the terminal shows the prompts and the
   * newlines confabctl wrote for the Enter keys, and nothing else. */
  if (controlling)
    {
      g_assert_cmpstr (pty.shown->str, ==, PROMPT "\r\n" PROMPT_AGAIN "\r\n");
      g_assert_cmpstr (err, ==, "");
    }
  else
    {
      g_assert_cmpstr (pty.shown->str, ==, "");
      g_assert_cmpstr (err, ==, PROMPT "\n" PROMPT_AGAIN "\n");
    }
  g_assert_true (pty_echo_is_on (&pty));

  contents = read_file (fx->path);
  hash = take_hash (contents, "alice:", "\n");
  assert_hash_of (hash, "typed secret");
  g_assert_cmpint (file_mode (fx->path), ==, 0600);
  pty_close (&pty);
}

static void
test_tty_refused (Fixture      *fx,
                  gconstpointer data)
{
  const char *second = data;
  g_autoptr(ConfabDBusTestProc) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Pty              pty;

  g_test_summary ("passwd on a terminal refuses two different passwords, and an empty one "
                  "at once; nothing is written and echo is back on");

  pty_open (&pty);
  proc = spawn_on_terminal (fx, &pty, TRUE);
  wait_prompt (&pty, proc, TRUE, PROMPT);
  if (second != NULL)
    {
      pty_type (&pty, "first typed secret\n");
      wait_prompt (&pty, proc, TRUE, PROMPT_AGAIN);
      pty_type (&pty, second);
    }
  else
    pty_type (&pty, "\n");

  g_assert_cmpint (confab_dbus_test_proc_wait (proc, RUN_MS), ==, 1);
  pty_read (&pty, NULL, 200);
  out = confab_dbus_test_proc_dup_stdout (proc);
  err = confab_dbus_test_proc_dup_stderr (proc);
  g_assert_cmpstr (out, ==, "");
  if (second != NULL)
    {
      g_assert_cmpstr (err, ==, "confabctl: the two passwords differ\n");
      g_assert_cmpstr (pty.shown->str, ==, PROMPT "\r\n" PROMPT_AGAIN "\r\n");
    }
  else
    {
      g_assert_cmpstr (err, ==, "confabctl: the password is empty\n");
      g_assert_cmpstr (pty.shown->str, ==, PROMPT "\r\n");
    }
  g_assert_true (pty_echo_is_on (&pty));
  g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));
  pty_close (&pty);
}

static void
test_tty_signal (Fixture      *fx,
                 gconstpointer data)
{
  int signum = GPOINTER_TO_INT (data);
  g_autoptr(ConfabDBusTestProc) proc = NULL;
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  Pty              pty;

  g_test_summary ("passwd interrupted at the prompt (Ctrl+C on its terminal, or SIGTERM) "
                  "dies of the signal with echo back on, and writes nothing");

  pty_open (&pty);
  /* Ctrl+C needs a controlling terminal; SIGTERM is tried without one. */
  proc = spawn_on_terminal (fx, &pty, signum == SIGINT);
  wait_prompt (&pty, proc, signum == SIGINT, PROMPT);
  g_assert_false (pty_echo_is_on (&pty));
  pty_type (&pty, "half typed");
  if (signum == SIGINT)
    pty_type (&pty, "\003");
  else
    confab_dbus_test_proc_signal (proc, signum);

  g_assert_cmpint (confab_dbus_test_proc_wait (proc, RUN_MS), ==, -1);
  pty_read (&pty, NULL, 200);
  g_assert_true (pty_echo_is_on (&pty));
  g_assert_null (strstr (pty.shown->str, "half typed"));
  out = confab_dbus_test_proc_dup_stdout (proc);
  err = confab_dbus_test_proc_dup_stderr (proc);
  g_assert_cmpstr (out, ==, "");
  g_assert_null (strstr (err, "half typed"));
  g_assert_false (g_file_test (fx->path, G_FILE_TEST_EXISTS));
  pty_close (&pty);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);

#define ADD(path, data, func) \
  g_test_add ("/confabctl/passwd/" path, Fixture, data, fixture_setup, func, fixture_teardown)

  ADD ("new-file", NULL, test_new_file);
  ADD ("salted", NULL, test_salted);
  ADD ("json", NULL, test_json);
  ADD ("keeps-other-lines", NULL, test_keeps_other_lines);
  ADD ("certfp-kept", NULL, test_certfp_kept);
  ADD ("name-key", NULL, test_name_key);
  ADD ("mode-kept", NULL, test_mode_kept);
  ADD ("owner-kept", NULL, test_owner_kept);
  ADD ("symlink", NULL, test_symlink);
  ADD ("refused/malformed-file", NULL, test_malformed);
  ADD ("refused/invalid-name", NULL, test_invalid_name);
  ADD ("refused/bad-password", NULL, test_bad_password);
  ADD ("stdin/first-line", NULL, test_first_line);
  ADD ("usage", NULL, test_usage);
  ADD ("tty/controlling-terminal", GINT_TO_POINTER (TRUE), test_tty);
  ADD ("tty/no-controlling-terminal", GINT_TO_POINTER (FALSE), test_tty);
  ADD ("tty/mismatch", "second typed secret\n", test_tty_refused);
  ADD ("tty/empty", NULL, test_tty_refused);
  ADD ("tty/ctrl-c", GINT_TO_POINTER (SIGINT), test_tty_signal);
  ADD ("tty/sigterm", GINT_TO_POINTER (SIGTERM), test_tty_signal);

#undef ADD

  return g_test_run ();
}
