/* test-config.c: tests of ConfabConfig, the daemon's configuration.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib.h>
#include <glib/gstdio.h>

#include "confab-config.h"
#include "confab-error.h"
#include "confab-names.h"

/* Messages (g_message) logged while capture is on. GLib 2.74's
 * g_test_expect_message() does not see structured logging, so a writer
 * collects them instead. */
#define PROGRAM "test-config"

/* Test inputs hold raw bytes on purpose; TAP output must stay text. */
static void
show_input (const char *what,
            const char *text)
{
  g_autofree char *escaped = g_strescape (text, NULL);

  g_test_message ("%s: %s", what, escaped);
}

/* What this program prints is TAP, text only: the raw bytes of the inputs
 * are shown escaped. */
static void
test_tap_output_is_text (void)
{
  const char      *argv[] = { NULL, "--tap", "-s", NULL, NULL };
  g_autofree char *out = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GError) error = NULL;
  int status = 0;

  argv[0] = g_test_get_filename (G_TEST_BUILT, PROGRAM, NULL);
  argv[3] = g_test_get_path ();
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                               &out, NULL, &status, &error));
  g_assert_no_error (error);
  lines = g_strsplit (out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      /* GLib prints a message that is not UTF-8 as "[Invalid UTF-8] ...",
       * a line TAP does not know. */
      if (*line != '\0' && !g_str_has_prefix (line, "ok ") && !g_str_has_prefix (line, "not ok ") &&
          !g_str_has_prefix (line, "#") && !g_str_has_prefix (line, "1.."))
        g_error ("not a TAP line: %s", line);
      for (const char *p = line; *p != '\0'; p++)
        if (*p != '\t' && (*p < ' ' || *p > '~'))
          g_error ("byte 0x%02x in TAP output: %s", (guchar) *p, line);
    }
}

static GPtrArray     *captured_messages;
static GLogLevelFlags saved_fatal;

static GLogWriterOutput
capture_writer (GLogLevelFlags   log_level,
                const GLogField *fields,
                gsize            n_fields,
                gpointer         user_data)
{
  if (captured_messages != NULL && (log_level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_WARNING)) != 0)
    {
      for (gsize i = 0; i < n_fields; i++)
        {
          if (g_str_equal (fields[i].key, "MESSAGE"))
            {
              const char *value = fields[i].value;

              g_ptr_array_add (captured_messages,
                               fields[i].length < 0
                                 ? g_strdup (value)
                                 : g_strndup (value, fields[i].length));
              return G_LOG_WRITER_HANDLED;
            }
        }
    }

  return g_log_writer_default (log_level, fields, n_fields, user_data);
}

static void
capture_start (void)
{
  g_assert_null (captured_messages);
  captured_messages = g_ptr_array_new_with_free_func (g_free);
  /* Unknown keys in a file are warnings, expected here. */
  saved_fatal = g_log_set_always_fatal (G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL);
}

/* Returns: (transfer full): the messages logged since capture_start() */
static GPtrArray *
capture_stop (void)
{
  g_log_set_always_fatal (saved_fatal);
  return g_steal_pointer (&captured_messages);
}

/* Whether @messages holds exactly the strings of @expected, in any order. */
static gboolean
messages_match (GPtrArray          *messages,
                const char * const *expected)
{
  if (messages->len != g_strv_length ((char **) expected))
    return FALSE;

  for (gsize i = 0; expected[i] != NULL; i++)
    {
      if (!g_ptr_array_find_with_equal_func (messages, expected[i],
                                             g_str_equal, NULL))
        return FALSE;
    }

  return TRUE;
}

static void
assert_defaults (const ConfabConfig *config)
{
  g_assert_nonnull (config);
  g_assert_null (config->listen);
  g_assert_cmpuint (config->line_max_bytes, ==, CONFAB_DEFAULT_LINE_MAX_BYTES);
  g_assert_cmpuint (config->recipients_max, ==, CONFAB_DEFAULT_RECIPIENTS_MAX);
  g_assert_cmpuint (config->peers_max, ==, CONFAB_DEFAULT_PEERS_MAX);
  g_assert_cmpuint (config->queue_max_bytes, ==, CONFAB_DEFAULT_QUEUE_MAX_BYTES);
  g_assert_cmpuint (config->login_timeout_sec, ==, CONFAB_DEFAULT_LOGIN_TIMEOUT_SEC);
  g_assert_cmpuint (config->shutdown_timeout_sec, ==, CONFAB_DEFAULT_SHUTDOWN_TIMEOUT_SEC);
  g_assert_cmpuint (config->rate_limit_messages_per_sec, ==, 0); /* off (SPEC §5) */
  g_assert_cmpuint (config->rate_limit_burst, ==, CONFAB_DEFAULT_RATE_LIMIT_BURST);
}

/* The limits as the contract states them, kept apart from the
 * implementation's own table on purpose. */
typedef struct
{
  const char *key;
  gsize       offset;
  guint       min;
  guint       max;
  guint       default_value;
} LimitCase;

static const LimitCase limits[] = {
  { "line_max_bytes", G_STRUCT_OFFSET (ConfabConfig, line_max_bytes),
    64, 1048576, CONFAB_DEFAULT_LINE_MAX_BYTES },
  { "recipients_max", G_STRUCT_OFFSET (ConfabConfig, recipients_max),
    1, 1024, CONFAB_DEFAULT_RECIPIENTS_MAX },
  { "peers_max", G_STRUCT_OFFSET (ConfabConfig, peers_max),
    1, 1000000, CONFAB_DEFAULT_PEERS_MAX },
  { "queue_max_bytes", G_STRUCT_OFFSET (ConfabConfig, queue_max_bytes),
    4096, 1073741824, CONFAB_DEFAULT_QUEUE_MAX_BYTES },
  { "login_timeout_sec", G_STRUCT_OFFSET (ConfabConfig, login_timeout_sec),
    1, 3600, CONFAB_DEFAULT_LOGIN_TIMEOUT_SEC },
  { "shutdown_timeout_sec", G_STRUCT_OFFSET (ConfabConfig, shutdown_timeout_sec),
    1, 3600, CONFAB_DEFAULT_SHUTDOWN_TIMEOUT_SEC },
  { "rate_limit_messages_per_sec", G_STRUCT_OFFSET (ConfabConfig, rate_limit_messages_per_sec),
    0, 1000000, 0 },
  { "rate_limit_burst", G_STRUCT_OFFSET (ConfabConfig, rate_limit_burst),
    1, 1000000, CONFAB_DEFAULT_RATE_LIMIT_BURST },
  { "rooms_max", G_STRUCT_OFFSET (ConfabConfig, rooms_max),
    1, 1000000, CONFAB_DEFAULT_ROOMS_MAX },
  { "room_members_max", G_STRUCT_OFFSET (ConfabConfig, room_members_max),
    1, 1000000, CONFAB_DEFAULT_ROOM_MEMBERS_MAX },
  { "rooms_per_peer_max", G_STRUCT_OFFSET (ConfabConfig, rooms_per_peer_max),
    1, 10000, CONFAB_DEFAULT_ROOMS_PER_PEER_MAX },
};

static guint
limit_value (const ConfabConfig *config,
             const LimitCase    *limit)
{
  return G_STRUCT_MEMBER (guint, config, limit->offset);
}

static ConfabConfig *
load_string (const char *data,
             GError    **error)
{
  return confab_config_load_data (data, strlen (data), error);
}

static void
test_defaults (void)
{
  g_autoptr(ConfabConfig) config = confab_config_new_default ();

  assert_defaults (config);

  /* The defaults must themselves be within range. */
  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      g_assert_cmpuint (limits[i].default_value, >=, limits[i].min);
      g_assert_cmpuint (limits[i].default_value, <=, limits[i].max);
      g_assert_cmpuint (limit_value (config, &limits[i]), ==, limits[i].default_value);
    }
}

static void
test_load_defaults (void)
{
  const char *inputs[] = {
    "",
    "\n\n",
    "# only a comment\n",
    "[server]\n",
    "[limits]\n",
    "[server]\n# listen=unix:/x\n[limits]\n#peers_max=1\n",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabConfig) config = NULL;

      show_input ("input", inputs[i]);
      config = load_string (inputs[i], &error);
      g_assert_no_error (error);
      assert_defaults (config);
    }

  /* (gsize) -1 means nul-terminated; NULL with length 0 is empty. */
  {
    g_autoptr(GError) error = NULL;
    g_autoptr(ConfabConfig) config = confab_config_load_data ("[limits]\n",
                                                               (gsize) -1,
                                                               &error);
    g_autoptr(ConfabConfig) empty = NULL;

    g_assert_no_error (error);
    assert_defaults (config);

    empty = confab_config_load_data (NULL, 0, &error);
    g_assert_no_error (error);
    assert_defaults (empty);
  }
}

static void
test_load_all_keys (void)
{
  const char *data =
    "[server]\n"
    "listen=0.0.0.0:1;[::]:2;unix:/run/confab.sock\n"
    "\n"
    "[limits]\n"
    "line_max_bytes=100\n"
    "recipients_max=2\n"
    "peers_max=3\n"
    "queue_max_bytes=5000\n"
    "login_timeout_sec=6\n"
    "shutdown_timeout_sec=7\n"
    "rate_limit_messages_per_sec=8\n"
    "rate_limit_burst=9\n";
  const char *expected_listen[] = {
    "0.0.0.0:1", "[::]:2", "unix:/run/confab.sock", NULL
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;

  config = load_string (data, &error);
  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstrv (config->listen, expected_listen);
  g_assert_cmpuint (config->line_max_bytes, ==, 100);
  g_assert_cmpuint (config->recipients_max, ==, 2);
  g_assert_cmpuint (config->peers_max, ==, 3);
  g_assert_cmpuint (config->queue_max_bytes, ==, 5000);
  g_assert_cmpuint (config->login_timeout_sec, ==, 6);
  g_assert_cmpuint (config->shutdown_timeout_sec, ==, 7);
  g_assert_cmpuint (config->rate_limit_messages_per_sec, ==, 8);
  g_assert_cmpuint (config->rate_limit_burst, ==, 9);
}

/* Each key alone, at both ends of its range and with forms that are still
 * plain numbers; the other keys keep their defaults. */
static void
test_load_range_bounds (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      const LimitCase *limit = &limits[i];
      const struct
      {
        const char *before;
        guint       expected;
        const char *after;
      } cases[] = {
        { "", limit->min, "" },
        { "", limit->max, "" },
        { "  ", limit->min, "" },  /* GKeyFile drops leading white space */
        { "", limit->max, " \t" }, /* trailing white space is invisible */
        { "000", limit->min, "" }, /* leading zeros are still decimal */
      };

      for (gsize j = 0; j < G_N_ELEMENTS (cases); j++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(ConfabConfig) config = NULL;
          g_autofree char *data = NULL;

          data = g_strdup_printf ("[limits]\n%s=%s%u%s\n", limit->key,
                                  cases[j].before, cases[j].expected,
                                  cases[j].after);
          show_input ("input", data);

          config = load_string (data, &error);
          g_assert_no_error (error);
          g_assert_nonnull (config);
          g_assert_cmpuint (limit_value (config, limit), ==, cases[j].expected);

          for (gsize k = 0; k < G_N_ELEMENTS (limits); k++)
            {
              if (k != i)
                g_assert_cmpuint (limit_value (config, &limits[k]), ==,
                                  limits[k].default_value);
            }
        }
    }
}

static void
assert_rejected (const char *data,
                 const char *expected_message)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;

  show_input ("input", data);
  config = load_string (data, &error);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
  g_assert_null (config);
  if (expected_message != NULL)
    g_assert_cmpstr (error->message, ==, expected_message);
}

static void
test_reject_out_of_range (void)
{
  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      const LimitCase *limit = &limits[i];
      g_autofree char *below = g_strdup_printf ("%u", limit->min - 1);
      g_autofree char *above = g_strdup_printf ("%u", limit->max + 1);
      g_autofree char *past_guint = g_strdup_printf ("%" G_GUINT64_FORMAT,
                                                     (guint64) G_MAXUINT + 1);
      g_autofree char *past_guint_wrapping =
        g_strdup_printf ("%" G_GUINT64_FORMAT,
                         (guint64) G_MAXUINT + 1 + limit->default_value);
      const char *values[] = {
        below,
        above,
        "0",
        "-1",
        "-0",
        past_guint,
        past_guint_wrapping, /* would be the default again if truncated */
        "18446744073709551615",
        "18446744073709551616",
        "99999999999999999999999999999999999999",
      };

      for (gsize j = 0; j < G_N_ELEMENTS (values); j++)
        {
          g_autofree char *data = NULL;
          g_autofree char *expected = NULL;

          /* A range from 0 (an "off" value) has nothing below it. */
          if (limit->min == 0 && (values[j] == below || g_str_equal (values[j], "0")))
            continue;

          data = g_strdup_printf ("[limits]\n%s=%s\n", limit->key, values[j]);
          expected = g_strdup_printf ("[limits] %s: %s is out of range (%u to %u)",
                                      limit->key, values[j],
                                      limit->min, limit->max);
          assert_rejected (data, expected);
        }
    }
}

static void
test_reject_not_a_number (void)
{
  const char *values[] = {
    "abc",
    "4k",
    "4096abc",
    "4096 # a comment",
    "0x100",
    "+100",
    "--100",
    "-",
    "- 100",
    "100.0",
    "1e3",
    "1 000",
    "１００",   /* fullwidth digits */
    "100\\n",   /* an escape is not a digit */
    "\xff\xfe", /* not UTF-8 */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      for (gsize j = 0; j < G_N_ELEMENTS (values); j++)
        {
          g_autofree char *data = NULL;
          g_autofree char *shown = g_strescape (values[j], NULL);
          g_autofree char *expected = NULL;

          data = g_strdup_printf ("[limits]\n%s=%s\n", limits[i].key, values[j]);
          expected = g_strdup_printf ("[limits] %s: “%s” is not a number (expected %u to %u)",
                                      limits[i].key, shown,
                                      limits[i].min, limits[i].max);
          assert_rejected (data, expected);
          g_assert_true (g_utf8_validate (expected, -1, NULL));
        }
    }
}

static void
test_reject_empty_value (void)
{
  const char *values[] = { "", " ", "\t  " };

  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    {
      for (gsize j = 0; j < G_N_ELEMENTS (values); j++)
        {
          g_autofree char *data = NULL;
          g_autofree char *expected = NULL;

          data = g_strdup_printf ("[limits]\n%s=%s\n", limits[i].key, values[j]);
          expected = g_strdup_printf ("[limits] %s: empty value (expected a number from %u to %u)",
                                      limits[i].key, limits[i].min, limits[i].max);
          assert_rejected (data, expected);
        }
    }
}

static void
test_load_listen (void)
{
  const struct
  {
    const char *value;
    const char *expected[4];
  } cases[] = {
    { "127.0.0.1:8080", { "127.0.0.1:8080" } },
    { "127.0.0.1:8080;", { "127.0.0.1:8080" } },
    { "127.0.0.1:8080;[::1]:8080", { "127.0.0.1:8080", "[::1]:8080" } },
    { "127.0.0.1:8080; [::1]:8080 ;unix:x", { "127.0.0.1:8080", "[::1]:8080", "unix:x" } },
    { "unix:/a\\sb", { "unix:/a b" } }, /* GKeyFile escapes apply */
    { "unix:/a\\;b;unix:c", { "unix:/a;b", "unix:c" } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabConfig) config = NULL;
      g_autofree char *data = g_strdup_printf ("[server]\nlisten=%s\n",
                                               cases[i].value);

      show_input ("input", data);
      config = load_string (data, &error);
      g_assert_no_error (error);
      g_assert_nonnull (config);
      g_assert_cmpstrv (config->listen, cases[i].expected);
    }
}

static void
test_reject_listen (void)
{
  const struct
  {
    const char *data;
    const char *message;
  } cases[] = {
    { "[server]\nlisten=\n",
      "[server] listen: no address given (remove the key to use the default addresses)" },
    { "[server]\nlisten=  \n",
      "[server] listen: no address given (remove the key to use the default addresses)" },
    { "[server]\nlisten=;\n",
      "[server] listen: address 1 of “;” is empty" },
    { "[server]\nlisten=a;;b\n",
      "[server] listen: address 2 of “a;;b” is empty" },
    { "[server]\nlisten=a; ;b\n",
      "[server] listen: address 2 of “a; ;b” is empty" },
    { "[server]\nlisten=unix:/\xff\n",
      "[server] listen: the value is not valid UTF-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    assert_rejected (cases[i].data, cases[i].message);
}

/* Not a key file at all: still CONFAB_ERROR_INVALID_CONFIG. */
static void
test_reject_syntax (void)
{
  const char *inputs[] = {
    "peers_max=10\n",          /* no group */
    "[limits]\npeers_max\n",   /* no '=' */
    "[limits\npeers_max=10\n", /* unclosed group */
  };

  for (gsize i = 0; i < G_N_ELEMENTS (inputs); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabConfig) config = NULL;

      show_input ("input", inputs[i]);
      config = load_string (inputs[i], &error);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
      g_assert_null (config);
      g_assert_true (g_utf8_validate (error->message, -1, NULL));
    }
}

/* The first bad key is the one reported; good keys around it do not help. */
static void
test_reject_first_error (void)
{
  assert_rejected ("[limits]\npeers_max=10\nrecipients_max=0\nline_max_bytes=1\n",
                   "[limits] line_max_bytes: 1 is out of range (64 to 1048576)");
}

static void
test_load_unknown (void)
{
  const char *data =
    "[server]\n"
    "listen=unix:/x\n"
    "hostname=example\n"
    "[limits]\n"
    "peers_max=5\n"
    "peers_max[de]=6\n" /* a translation: GKeyFile hides it */
    "rate_limit=100\n"
    "bad\xff=1\n" /* GKeyFile takes names that are not UTF-8 */
    "[future]\n"
    "a=b\n"
    "c=d\n"
    "[\xfe]\n";
  const char *expected_messages[] = {
    "ignoring unknown key [server] hostname",
    "ignoring unknown key [limits] rate_limit",
    "ignoring unknown group [future]",
    "ignoring unknown key [limits] bad\xef\xbf\xbd",
    "ignoring unknown group [\xef\xbf\xbd]",
    NULL
  };
  const char *expected_listen[] = { "unix:/x", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  capture_start ();
  config = load_string (data, &error);
  messages = capture_stop ();

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstrv (config->listen, expected_listen);
  g_assert_cmpuint (config->peers_max, ==, 5);

  for (guint i = 0; i < messages->len; i++)
    show_input ("logged", (const char *) messages->pdata[i]);
  g_assert_true (messages_match (messages, expected_messages));
}

static void
test_copy (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(ConfabConfig) copy = NULL;
  g_autoptr(ConfabConfig) defaults = confab_config_new_default ();
  g_autoptr(ConfabConfig) defaults_copy = NULL;

  config = load_string ("[server]\nlisten=unix:a;unix:b\n"
                        "[limits]\nline_max_bytes=64\nrecipients_max=2\n"
                        "peers_max=3\nqueue_max_bytes=4096\n"
                        "login_timeout_sec=5\nshutdown_timeout_sec=6\n",
                        &error);
  g_assert_no_error (error);

  copy = confab_config_copy (config);
  g_assert_nonnull (copy);
  g_assert_true (copy != config);
  g_assert_cmpstrv (copy->listen, config->listen);
  g_assert_true (copy->listen != config->listen); /* a deep copy */
  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    g_assert_cmpuint (limit_value (copy, &limits[i]), ==,
                      limit_value (config, &limits[i]));

  /* The copy outlives its original. */
  g_clear_pointer (&config, confab_config_free);
  g_assert_cmpstr (copy->listen[1], ==, "unix:b");

  defaults_copy = confab_config_copy (defaults);
  assert_defaults (defaults_copy);

  confab_config_free (NULL);
}

/* A scratch directory with one file, removed again by tmp_file_free(). */
typedef struct
{
  char *dir;
  char *path;
} TmpFile;

static TmpFile *
tmp_file_new (const char *contents)
{
  g_autoptr(GError) error = NULL;
  TmpFile *tmp = g_new0 (TmpFile, 1);

  tmp->dir = g_dir_make_tmp ("test-config-XXXXXX", &error);
  g_assert_no_error (error);
  tmp->path = g_build_filename (tmp->dir, "confab.conf", NULL);
  if (contents != NULL)
    {
      g_file_set_contents (tmp->path, contents, -1, &error);
      g_assert_no_error (error);
    }

  return tmp;
}

static void
tmp_file_free (TmpFile *tmp)
{
  /* The file may not exist (the missing-file test): ignore that. */
  g_remove (tmp->path);
  g_assert_no_errno (g_rmdir (tmp->dir));
  g_free (tmp->path);
  g_free (tmp->dir);
  g_free (tmp);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (TmpFile, tmp_file_free)

static void
test_file_load (void)
{
  g_autoptr(TmpFile) tmp = tmp_file_new ("[server]\n"
                                          "listen=[::1]:0\n"
                                          "[limits]\n"
                                          "peers_max=2\n"
                                          "peers_maks = 3\n"
                                          "[other]\n");
  const char      *expected_listen[] = { "[::1]:0", NULL };
  const char      *expected_messages[] = { NULL, NULL, NULL };
  g_autofree char *expected_key = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  g_autofree char *expected_message = NULL;

  capture_start ();
  config = confab_config_load_file (tmp->path, &error);
  messages = capture_stop ();

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpstrv (config->listen, expected_listen);
  g_assert_cmpuint (config->peers_max, ==, 2);
  g_assert_cmpuint (config->line_max_bytes, ==, CONFAB_DEFAULT_LINE_MAX_BYTES);

  /* Warnings about a file name the file, the line and the key. */
  expected_message = g_strdup_printf ("%s:6: ignoring unknown group [other]", tmp->path);
  expected_key = g_strdup_printf ("%s:5: ignoring unknown key “peers_maks” in [limits]", tmp->path);
  expected_messages[0] = expected_message;
  expected_messages[1] = expected_key;
  g_assert_true (messages_match (messages, expected_messages));
}

static void
test_file_missing (void)
{
  g_autoptr(TmpFile) tmp = tmp_file_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;

  config = confab_config_load_file (tmp->path, &error);
  g_assert_error (error, G_FILE_ERROR, G_FILE_ERROR_NOENT);
  g_assert_null (config);
  g_assert_true (g_str_has_prefix (error->message, tmp->path));
}

static void
test_file_reject (void)
{
  const struct
  {
    const char *contents;
    const char *message; /* after "PATH: " */
  } cases[] = {
    { "[limits]\nline_max_bytes=10\n",
      "[limits] line_max_bytes: 10 is out of range (64 to 1048576)" },
    { "[limits]\nqueue_max_bytes=1M\n",
      "[limits] queue_max_bytes: “1M” is not a number (expected 4096 to 1073741824)" },
    { "[server]\nlisten=;\n",
      "[server] listen: address 1 of “;” is empty" },
    { "no group\n", NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(TmpFile) tmp = tmp_file_new (cases[i].contents);
      g_autoptr(GError) error = NULL;
      g_autoptr(ConfabConfig) config = NULL;
      g_autofree char *prefix = g_strconcat (tmp->path, ": ", NULL);

      config = confab_config_load_file (tmp->path, &error);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
      g_assert_null (config);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      if (cases[i].message != NULL)
        g_assert_cmpstr (error->message + strlen (prefix), ==, cases[i].message);
    }
}

/* A directory is not a config file, and says so without crashing. */
static void
test_file_directory (void)
{
  g_autoptr(TmpFile) tmp = tmp_file_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;

  config = confab_config_load_file (tmp->dir, &error);
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
  g_assert_null (config);
  g_assert_true (g_str_has_prefix (error->message, tmp->dir));
}

static char *
example_path (void)
{
  return g_test_build_filename (G_TEST_DIST, "..", "data", "confab.conf", NULL);
}

/* The shipped example changes nothing ... */
static void
test_file_example (void)
{
  g_autofree char *path = example_path ();
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(GPtrArray) messages = NULL;

  capture_start ();
  config = confab_config_load_file (path, &error);
  messages = capture_stop ();

  g_assert_no_error (error);
  assert_defaults (config);
  g_assert_cmpuint (messages->len, ==, 0);
}

/* ... and uncommented, it documents every key with its real default. */
static void
test_file_example_uncommented (void)
{
  g_autofree char *path = example_path ();
  g_autofree char *contents = NULL;
  g_auto(GStrv) lines = NULL;
  g_autoptr(GString) uncommented = g_string_new (NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(GPtrArray) messages = NULL;
  const char *expected_listen[] = {
    CONFAB_DEFAULT_LISTEN_V4, CONFAB_DEFAULT_LISTEN_V6, NULL
  };
  guint n_keys = 0;

  g_file_get_contents (path, &contents, NULL, &error);
  g_assert_no_error (error);

  /* A commented-out setting is '#' directly followed by "key=". */
  lines = g_strsplit (contents, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];

      if (line[0] == '#' && g_ascii_islower (line[1]) && strchr (line, '=') != NULL)
        {
          line++;
          n_keys++;
        }
      g_string_append_printf (uncommented, "%s\n", line);
    }

  /* listen, unix_identity, unix_socket_mode, every limit and the four
   * [irc] keys, the two [tls], the two [accounts], the six [history]
   * keys, the two [web] and the three [cluster] keys, each once. */
  g_assert_cmpuint (n_keys, ==, 3 + G_N_ELEMENTS (limits) + 4 + 2 + 2 + 6 + 2 + 3);

  capture_start ();
  config = load_string (uncommented->str, &error);
  messages = capture_stop ();

  g_assert_no_error (error);
  g_assert_nonnull (config);
  g_assert_cmpuint (messages->len, ==, 0); /* no unknown key */
  g_assert_cmpstrv (config->listen, expected_listen);
  for (gsize i = 0; i < G_N_ELEMENTS (limits); i++)
    g_assert_cmpuint (limit_value (config, &limits[i]), ==, limits[i].default_value);
  g_assert_cmpstr (config->irc_server_name, ==, CONFAB_DEFAULT_IRC_SERVER_NAME);
  g_assert_cmpstr (config->irc_motd_file, ==, "/etc/confab/motd");
  g_assert_cmpuint (config->irc_ping_interval_sec, ==, CONFAB_DEFAULT_IRC_PING_INTERVAL_SEC);
  g_assert_cmpuint (config->irc_ping_timeout_sec, ==, CONFAB_DEFAULT_IRC_PING_TIMEOUT_SEC);
  g_assert_cmpstr (config->tls_certificate, ==, "/etc/confab/tls/cert.pem");
  g_assert_cmpstr (config->tls_key, ==, "/etc/confab/tls/key.pem");
  g_assert_cmpstr (config->accounts_file, ==, "/etc/confab/accounts");
  g_assert_false (config->accounts_required);
  g_assert_cmpstr (config->web_root, ==, "/usr/local/share/confab/web");
  g_assert_cmpstr (config->allowed_origins[0], ==, "https://chat.example.org");
  g_assert_null (config->allowed_origins[1]);
  g_assert_cmpstr (config->cluster_redis, ==, "unix:/run/redis/redis-server.sock");
  g_assert_cmpstr (config->cluster_node, ==, "chat1");
  g_assert_cmpuint (config->presence_ttl_sec, ==, CONFAB_DEFAULT_PRESENCE_TTL_SEC);
}

/* [web]: a root, and origins as browsers write them. */
static void
test_web_keys (void)
{
  static const char * const bad[] = {
    "[web]\nallowed_origins=chat.example.org\n",
    "[web]\nallowed_origins=https://chat.example.org/path\n",
    "[web]\nallowed_origins=ftp://x\n",
    "[web]\nroot=  \n",
  };
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) config = NULL;

  config = load_string ("[web]\nroot=/srv/web\nallowed_origins=http://a.example:8081; * ;\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (config->web_root, ==, "/srv/web");
  g_assert_cmpstr (config->allowed_origins[0], ==, "http://a.example:8081");
  g_assert_cmpstr (config->allowed_origins[1], ==, "*");
  g_assert_null (config->allowed_origins[2]);
  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(ConfabConfig) refused = load_string (bad[i], &error);

      g_assert_null (refused);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
      g_clear_error (&error);
    }
}

static void
test_accounts_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) set = NULL;
  g_autoptr(ConfabConfig) copy = NULL;

  set = load_string ("[accounts]\nfile=/a/accounts\nrequired=true\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (set->accounts_file, ==, "/a/accounts");
  g_assert_true (set->accounts_required);
  copy = confab_config_copy (set);
  g_assert_cmpstr (copy->accounts_file, ==, "/a/accounts");
  assert_rejected ("[accounts]\nrequired=yes\nfile=/a\n", "[accounts] required: “yes” is not true or false");
  assert_rejected ("[accounts]\nrequired=true\n", "[accounts] required=true needs file");
  assert_rejected ("[accounts]\nfile=\n", "[accounts] file: expected a file name");
}

/* [history]: the database (a path, "none", or the state directory's)
 * and the numbers of SPEC §12. */
static void
test_history_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) defaults = confab_config_new_default ();
  g_autoptr(ConfabConfig) set = NULL;
  g_autoptr(ConfabConfig) none = NULL;
  g_autoptr(ConfabConfig) copy = NULL;
  g_autofree char *path = NULL;
  g_autofree char *state_path = NULL;
  g_autofree char *default_path = NULL;

  g_assert_null (defaults->history_database);
  g_assert_cmpuint (defaults->history_replay_max, ==, 500);
  g_assert_cmpuint (defaults->history_max_rows, ==, 10000);
  g_assert_cmpuint (defaults->history_max_age_days, ==, 0);
  g_assert_cmpuint (defaults->offline_max_messages, ==, 100);
  g_assert_cmpuint (defaults->history_on_join, ==, 0);

  g_unsetenv ("STATE_DIRECTORY");
  default_path = confab_config_history_path (defaults);
  g_assert_cmpstr (default_path, ==, CONFAB_STATE_DIR "/history.db");
  g_setenv ("STATE_DIRECTORY", "/run/state/confab:/run/state/other", TRUE);
  state_path = confab_config_history_path (defaults);
  g_assert_cmpstr (state_path, ==, "/run/state/confab/history.db");
  g_unsetenv ("STATE_DIRECTORY");

  set = load_string ("[history]\ndatabase = /a/h.db \nhistory_replay_max=20\nhistory_max_age_days=7\n"
                     "history_max_rows=0\noffline_max_messages=3\nhistory_on_join=5\n",
                     &error);
  g_assert_no_error (error);
  path = confab_config_history_path (set);
  g_assert_cmpstr (path, ==, "/a/h.db");
  g_assert_cmpuint (set->history_replay_max, ==, 20);
  g_assert_cmpuint (set->history_max_age_days, ==, 7);
  g_assert_cmpuint (set->history_max_rows, ==, 0);
  g_assert_cmpuint (set->offline_max_messages, ==, 3);
  g_assert_cmpuint (set->history_on_join, ==, 5);
  copy = confab_config_copy (set);
  g_assert_cmpstr (copy->history_database, ==, "/a/h.db");

  none = load_string ("[history]\ndatabase=none\n", &error);
  g_assert_no_error (error);
  g_assert_null (confab_config_history_path (none));

  assert_rejected ("[history]\ndatabase=\n", "[history] database: expected a file name or “none”");
  assert_rejected ("[history]\nhistory_replay_max=0\n", "[history] history_replay_max: 0 is out of range (1 to 100000)");
  assert_rejected ("[history]\nhistory_on_join=1001\n", "[history] history_on_join: 1001 is out of range (0 to 1000)");
}

/* [cluster]: the Redis address and node name as given (the cluster
 * parses them), the ttl in range, a copy that keeps them. */
static void
test_cluster_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) defaults = confab_config_new_default ();
  g_autoptr(ConfabConfig) set = NULL;
  g_autoptr(ConfabConfig) copy = NULL;
  g_auto(GStrv) changes = NULL;

  g_assert_null (defaults->cluster_redis);
  g_assert_null (defaults->cluster_node);
  g_assert_cmpuint (defaults->presence_ttl_sec, ==, 10);

  set = load_string ("[cluster]\nredis = 127.0.0.1:6379 \nnode=chat-2\npresence_ttl_sec=3\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (set->cluster_redis, ==, "127.0.0.1:6379");
  g_assert_cmpstr (set->cluster_node, ==, "chat-2");
  g_assert_cmpuint (set->presence_ttl_sec, ==, 3);
  copy = confab_config_copy (set);
  g_assert_cmpstr (copy->cluster_redis, ==, "127.0.0.1:6379");
  g_assert_cmpstr (copy->cluster_node, ==, "chat-2");
  changes = confab_config_describe_changes (defaults, set);
  g_assert_true (g_strv_contains ((const char * const *) changes, "cluster redis: (unset) → 127.0.0.1:6379"));

  assert_rejected ("[cluster]\nredis=\n", "[cluster] redis: expected a value");
  assert_rejected ("[cluster]\nnode= \n", "[cluster] node: expected a value");
  assert_rejected ("[cluster]\npresence_ttl_sec=0\n", "[cluster] presence_ttl_sec: 0 is out of range (1 to 3600)");
}

/* [tls]: two file names, read by the daemon. */
static void
test_tls_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) defaults = confab_config_new_default ();
  g_autoptr(ConfabConfig) set = NULL;
  g_autoptr(ConfabConfig) copy = NULL;

  g_assert_null (defaults->tls_certificate);
  g_assert_null (defaults->tls_key);
  set = load_string ("[tls]\ncertificate = /a/cert.pem \nkey=/a/key.pem\n", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (set->tls_certificate, ==, "/a/cert.pem");
  g_assert_cmpstr (set->tls_key, ==, "/a/key.pem");
  copy = confab_config_copy (set);
  g_assert_cmpstr (copy->tls_key, ==, "/a/key.pem");
  assert_rejected ("[tls]\ncertificate=\n", "[tls] certificate: expected a file name");
  assert_rejected ("[tls]\nkey= \n", "[tls] key: expected a file name");
}

/* [irc] (SPEC §10): a server name is a host name with a dot; the MOTD
 * file is only named here, read by the daemon; the ping times are
 * numbers with ranges of their own. */
static void
test_irc_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) defaults = confab_config_new_default ();
  g_autoptr(ConfabConfig) set = NULL;
  g_autoptr(ConfabConfig) copy = NULL;
  g_auto(GStrv) changes = NULL;

  g_assert_cmpstr (defaults->irc_server_name, ==, "confab.local");
  g_assert_null (defaults->irc_motd_file);
  g_assert_cmpuint (defaults->irc_ping_interval_sec, ==, 120);
  g_assert_cmpuint (defaults->irc_ping_timeout_sec, ==, 60);

  set = load_string ("[irc]\nserver_name = irc.example.org \nmotd_file=/tmp/motd\n"
                     "ping_interval_sec=10\nping_timeout_sec=3600\n",
                     &error);
  g_assert_no_error (error);
  g_assert_cmpstr (set->irc_server_name, ==, "irc.example.org");
  g_assert_cmpstr (set->irc_motd_file, ==, "/tmp/motd");
  g_assert_cmpuint (set->irc_ping_interval_sec, ==, 10);
  g_assert_cmpuint (set->irc_ping_timeout_sec, ==, 3600);
  copy = confab_config_copy (set);
  g_assert_cmpstr (copy->irc_server_name, ==, "irc.example.org");
  g_assert_cmpstr (copy->irc_motd_file, ==, "/tmp/motd");
  changes = confab_config_describe_changes (defaults, set);
  g_assert_true (g_strv_contains ((const char * const *) changes,
                                  "server_name: confab.local → irc.example.org"));
  g_assert_true (g_strv_contains ((const char * const *) changes, "motd_file: (unset) → /tmp/motd"));
  g_assert_true (g_strv_contains ((const char * const *) changes, "ping_interval_sec: 120 → 10"));

  assert_rejected ("[irc]\nserver_name=confab\n",
                   "[irc] server_name: “confab” is not a host name with a dot (letters, digits, "
                   "“-” and “.”, at most 63 bytes)");
  assert_rejected ("[irc]\nserver_name=irc example.org\n",
                   "[irc] server_name: “irc example.org” is not a host name with a dot (letters, "
                   "digits, “-” and “.”, at most 63 bytes)");
  assert_rejected ("[irc]\nserver_name=irc.example.\n",
                   "[irc] server_name: “irc.example.” is not a host name with a dot (letters, "
                   "digits, “-” and “.”, at most 63 bytes)");
  assert_rejected ("[irc]\nserver_name=\n",
                   "[irc] server_name: “” is not a host name with a dot (letters, digits, "
                   "“-” and “.”, at most 63 bytes)");
  assert_rejected ("[irc]\nmotd_file=\n", "[irc] motd_file: expected a file name");
  assert_rejected ("[irc]\nping_interval_sec=9\n",
                   "[irc] ping_interval_sec: 9 is out of range (10 to 86400)");
  assert_rejected ("[irc]\nping_timeout_sec=3601\n",
                   "[irc] ping_timeout_sec: 3601 is out of range (5 to 3600)");
  /* A limit's name in the wrong group is unknown there, not a limit. */
  assert_rejected ("[limits]\nping_timeout_sec=1\n[irc]\nping_timeout_sec=0\n",
                   "[irc] ping_timeout_sec: 0 is out of range (5 to 3600)");
}

/* The rate limit (SPEC §5: per peer, off by default): 0 is a value of
 * its own, "off", while a burst of 0 would let nothing through. */
static void
test_rate_limit_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) off = NULL;
  g_autoptr(ConfabConfig) on = NULL;
  g_autoptr(ConfabConfig) copy = NULL;

  off = load_string ("[limits]\nrate_limit_messages_per_sec=0\nrate_limit_burst=1\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (off->rate_limit_messages_per_sec, ==, 0);
  g_assert_cmpuint (off->rate_limit_burst, ==, 1);

  /* A burst alone is accepted and changes nothing while the rate is off. */
  on = load_string ("[limits]\nrate_limit_messages_per_sec=50\n", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (on->rate_limit_messages_per_sec, ==, 50);
  g_assert_cmpuint (on->rate_limit_burst, ==, CONFAB_DEFAULT_RATE_LIMIT_BURST);
  copy = confab_config_copy (on);
  g_assert_cmpuint (copy->rate_limit_messages_per_sec, ==, 50);

  assert_rejected ("[limits]\nrate_limit_burst=0\n",
                   "[limits] rate_limit_burst: 0 is out of range (1 to 1000000)");
  assert_rejected ("[limits]\nrate_limit_messages_per_sec=1000001\n",
                   "[limits] rate_limit_messages_per_sec: 1000001 is out of range (0 to 1000000)");
  assert_rejected ("[limits]\nrate_limit_messages_per_sec=-1\n",
                   "[limits] rate_limit_messages_per_sec: -1 is out of range (0 to 1000000)");
  assert_rejected ("[limits]\nrate_limit_messages_per_sec=off\n",
                   "[limits] rate_limit_messages_per_sec: “off” is not a number (expected 0 to 1000000)");
  assert_rejected ("[limits]\nrate_limit_messages_per_sec=50/s\n",
                   "[limits] rate_limit_messages_per_sec: “50/s” is not a number (expected 0 to 1000000)");
  assert_rejected ("[limits]\nrate_limit_burst=\n",
                   "[limits] rate_limit_burst: empty value (expected a number from 1 to 1000000)");
}

static void
test_unix_keys (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(ConfabConfig) defaults = NULL;
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(ConfabConfig) copy = NULL;
  const char *bad[] = {
    "[server]\nunix_identity=yes\n",
    "[server]\nunix_identity=1\n",
    "[server]\nunix_socket_mode=0888\n",
    "[server]\nunix_socket_mode=01777\n",
    "[server]\nunix_socket_mode=-1\n",
    "[server]\nunix_socket_mode=rw\n",
    "[server]\nunix_socket_user=\n",
    "[server]\nunix_socket_group=  \n",
  };

  defaults = load_string ("", &error);
  g_assert_no_error (error);
  g_assert_false (defaults->unix_identity);
  g_assert_cmpuint (defaults->unix_socket_mode, ==, 0666);
  g_assert_null (defaults->unix_socket_user);
  g_assert_null (defaults->unix_socket_group);

  config = load_string ("[server]\nunix_identity = true\nunix_socket_mode=0660\n"
                        "unix_socket_user=nobody\nunix_socket_group=nogroup\n",
                        &error);
  g_assert_no_error (error);
  g_assert_true (config->unix_identity);
  g_assert_cmpuint (config->unix_socket_mode, ==, 0660);
  g_assert_cmpstr (config->unix_socket_user, ==, "nobody");
  g_assert_cmpstr (config->unix_socket_group, ==, "nogroup");

  copy = confab_config_copy (config);
  g_assert_cmpstr (copy->unix_socket_user, ==, "nobody");
  g_assert_true (copy->unix_socket_user != config->unix_socket_user);

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(ConfabConfig) refused = load_string (bad[i], &error);

      show_input ("config", bad[i]);
      g_assert_null (refused);
      g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG);
      g_clear_error (&error);
    }
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, G_TEST_OPTION_ISOLATE_DIRS, NULL);
  g_log_set_writer_func (capture_writer, NULL, NULL);

  g_test_add_func ("/config/defaults", test_defaults);
  g_test_add_func ("/config/load/defaults", test_load_defaults);
  g_test_add_func ("/config/load/all-keys", test_load_all_keys);
  g_test_add_func ("/config/load/range-bounds", test_load_range_bounds);
  g_test_add_func ("/config/load/listen", test_load_listen);
  g_test_add_func ("/config/load/unknown", test_load_unknown);
  g_test_add_func ("/config/load/reject/out-of-range", test_reject_out_of_range);
  g_test_add_func ("/config/load/reject/not-a-number", test_reject_not_a_number);
  g_test_add_func ("/config/load/reject/empty-value", test_reject_empty_value);
  g_test_add_func ("/config/load/reject/listen", test_reject_listen);
  g_test_add_func ("/config/load/reject/syntax", test_reject_syntax);
  g_test_add_func ("/config/load/reject/first-error", test_reject_first_error);
  g_test_add_func ("/config/copy", test_copy);
  g_test_add_func ("/config/file/load", test_file_load);
  g_test_add_func ("/config/file/missing", test_file_missing);
  g_test_add_func ("/config/file/reject", test_file_reject);
  g_test_add_func ("/config/file/directory", test_file_directory);
  g_test_add_func ("/config/load/unix-keys", test_unix_keys);
  g_test_add_func ("/config/load/rate-limit", test_rate_limit_keys);
  g_test_add_func ("/config/load/irc-keys", test_irc_keys);
  g_test_add_func ("/config/load/tls-keys", test_tls_keys);
  g_test_add_func ("/config/load/accounts-keys", test_accounts_keys);
  g_test_add_func ("/config/load/history-keys", test_history_keys);
  g_test_add_func ("/config/load/cluster-keys", test_cluster_keys);
  g_test_add_func ("/config/file/example", test_file_example);
  g_test_add_func ("/config/file/example-uncommented", test_file_example_uncommented);
  g_test_add_func ("/config/web", test_web_keys);

  g_test_add_func ("/config/tap-output-is-text", test_tap_output_is_text);

  return g_test_run ();
}
