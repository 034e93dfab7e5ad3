/* confab-config.c: the daemon's configuration, read from a GKeyFile.
 *
 * Numbers are parsed here rather than with g_key_file_get_integer(), which
 * takes "12abc" as 12 and wraps negative values: a limit the administrator
 * mistyped must stop the daemon with a clear message, not quietly become
 * some other limit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "confab-config-private.h"
#include "confab-error.h"

typedef struct
{
  const char *group;
  const char *key;
  gsize       offset; /* of its guint in ConfabConfig */
  guint       min;
  guint       max;
} LimitKey;

/* The ranges of confab-config.h, in file order. */
static const LimitKey limit_keys[] = {
  { GROUP_LIMITS, "line_max_bytes", G_STRUCT_OFFSET (ConfabConfig, line_max_bytes),
    64, 1024 * 1024 },
  { GROUP_LIMITS, "recipients_max", G_STRUCT_OFFSET (ConfabConfig, recipients_max),
    1, 1024 },
  { GROUP_LIMITS, "peers_max", G_STRUCT_OFFSET (ConfabConfig, peers_max),
    1, 1000000 },
  { GROUP_LIMITS, "queue_max_bytes", G_STRUCT_OFFSET (ConfabConfig, queue_max_bytes),
    4096, 1024 * 1024 * 1024 },
  { GROUP_LIMITS, "login_timeout_sec", G_STRUCT_OFFSET (ConfabConfig, login_timeout_sec),
    1, 3600 },
  { GROUP_LIMITS, "shutdown_timeout_sec", G_STRUCT_OFFSET (ConfabConfig, shutdown_timeout_sec),
    1, 3600 },
  { GROUP_LIMITS, "rate_limit_messages_per_sec", G_STRUCT_OFFSET (ConfabConfig, rate_limit_messages_per_sec),
    0, 1000000 },
  { GROUP_LIMITS, "rate_limit_burst", G_STRUCT_OFFSET (ConfabConfig, rate_limit_burst),
    1, 1000000 },
  { GROUP_LIMITS, "rooms_max", G_STRUCT_OFFSET (ConfabConfig, rooms_max),
    1, 1000000 },
  { GROUP_LIMITS, "room_members_max", G_STRUCT_OFFSET (ConfabConfig, room_members_max),
    1, 1000000 },
  { GROUP_LIMITS, "rooms_per_peer_max", G_STRUCT_OFFSET (ConfabConfig, rooms_per_peer_max),
    1, 10000 },
  { GROUP_IRC, "ping_interval_sec", G_STRUCT_OFFSET (ConfabConfig, irc_ping_interval_sec),
    10, 86400 },
  { GROUP_IRC, "ping_timeout_sec", G_STRUCT_OFFSET (ConfabConfig, irc_ping_timeout_sec),
    5, 3600 },
  { GROUP_HISTORY, "history_replay_max", G_STRUCT_OFFSET (ConfabConfig, history_replay_max),
    1, 100000 },
  { GROUP_HISTORY, "history_max_age_days", G_STRUCT_OFFSET (ConfabConfig, history_max_age_days),
    0, 36500 },
  { GROUP_HISTORY, "history_max_rows", G_STRUCT_OFFSET (ConfabConfig, history_max_rows),
    0, 100000000 },
  { GROUP_HISTORY, "offline_max_messages", G_STRUCT_OFFSET (ConfabConfig, offline_max_messages),
    0, 100000 },
  { GROUP_HISTORY, "history_on_join", G_STRUCT_OFFSET (ConfabConfig, history_on_join),
    0, 1000 },
  { GROUP_CLUSTER, "presence_ttl_sec", G_STRUCT_OFFSET (ConfabConfig, presence_ttl_sec),
    1, 3600 },
};

static gboolean
is_known_key (const char *group,
              const char *key)
{
  if (g_str_equal (group, GROUP_SERVER))
    return g_str_equal (key, KEY_LISTEN) ||
           g_str_equal (key, KEY_UNIX_IDENTITY) ||
           g_str_equal (key, KEY_UNIX_SOCKET_MODE) ||
           g_str_equal (key, KEY_UNIX_SOCKET_USER) ||
           g_str_equal (key, KEY_UNIX_SOCKET_GROUP);

  if (g_str_equal (group, GROUP_IRC) &&
      (g_str_equal (key, KEY_IRC_SERVER_NAME) || g_str_equal (key, KEY_IRC_MOTD_FILE)))
    return TRUE;
  if (g_str_equal (group, GROUP_TLS) &&
      (g_str_equal (key, KEY_TLS_CERTIFICATE) || g_str_equal (key, KEY_TLS_KEY)))
    return TRUE;
  if (g_str_equal (group, GROUP_HISTORY) && g_str_equal (key, KEY_HISTORY_DB))
    return TRUE;
  if (g_str_equal (group, GROUP_CLUSTER) &&
      (g_str_equal (key, KEY_CLUSTER_REDIS) || g_str_equal (key, KEY_CLUSTER_NODE)))
    return TRUE;
  if (g_str_equal (group, GROUP_ACCOUNTS) &&
      (g_str_equal (key, KEY_ACCOUNTS_FILE) || g_str_equal (key, KEY_ACCOUNTS_REQ)))
    return TRUE;
  if (g_str_equal (group, GROUP_WEB) &&
      (g_str_equal (key, KEY_WEB_ROOT) || g_str_equal (key, KEY_WEB_ORIGINS)))
    return TRUE;

  for (gsize i = 0; i < G_N_ELEMENTS (limit_keys); i++)
    {
      if (g_str_equal (group, limit_keys[i].group) && g_str_equal (key, limit_keys[i].key))
        return TRUE;
    }

  return FALSE;
}

/* The 1-based line of @data holding [@group] (@key NULL) or @key in it;
 * 0 if not found. GKeyFile keeps no line numbers. */
static guint
find_line (const char *data,
           const char *group,
           const char *key)
{
  g_auto(GStrv) lines = g_strsplit (data, "\n", -1);
  gboolean in_group = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      const char *line = lines[i];
      gsize       key_len;

      while (g_ascii_isspace (*line))
        line++;
      if (*line == '[')
        {
          const char *end = strchr (line, ']');

          in_group = end != NULL && (gsize) (end - line - 1) == strlen (group) &&
                     strncmp (line + 1, group, end - line - 1) == 0;
          if (in_group && key == NULL)
            return i + 1;
          continue;
        }
      if (!in_group || key == NULL)
        continue;
      key_len = strlen (key);
      if (strncmp (line, key, key_len) == 0)
        {
          const char *rest = line + key_len;

          while (*rest == ' ' || *rest == '\t')
            rest++;
          if (*rest == '=')
            return i + 1;
        }
    }
  return 0;
}

/* Unknown groups and keys do not stop a config file written for a newer
 * confab. From a file they are warnings with the line (most are typos an
 * administrator wants to see); data from memory only gets a message. */
static void
report_one (const char *source,
            const char *data,
            const char *group,
            const char *key)
{
  g_autofree char *shown_group = g_utf8_make_valid (group, -1);
  g_autofree char *shown_key = key != NULL ? g_utf8_make_valid (key, -1) : NULL;
  guint            line = (source != NULL && data != NULL) ? find_line (data, group, key) : 0;

  /* GKeyFile does not check that names are UTF-8; logs must be. */
  if (source == NULL)
    {
      if (key == NULL)
        g_message (_ ("ignoring unknown group [%s]"), shown_group);
      else
        g_message (_ ("ignoring unknown key [%s] %s"), shown_group, shown_key);
    }
  else if (key == NULL)
    g_warning (_ ("%s:%u: ignoring unknown group [%s]"), source, line, shown_group);
  else
    g_warning (_ ("%s:%u: ignoring unknown key “%s” in [%s]"), source, line,
               shown_key, shown_group);
}

static void
report_unknown (GKeyFile   *key_file,
                const char *source,
                const char *data)
{
  g_auto(GStrv) groups = g_key_file_get_groups (key_file, NULL);

  for (gsize i = 0; groups[i] != NULL; i++)
    {
      g_auto(GStrv) keys = NULL;

      if (!g_str_equal (groups[i], GROUP_SERVER) &&
          !g_str_equal (groups[i], GROUP_LIMITS) &&
          !g_str_equal (groups[i], GROUP_IRC) &&
          !g_str_equal (groups[i], GROUP_TLS) &&
          !g_str_equal (groups[i], GROUP_ACCOUNTS) &&
          !g_str_equal (groups[i], GROUP_HISTORY) &&
          !g_str_equal (groups[i], GROUP_CLUSTER) &&
          !g_str_equal (groups[i], GROUP_WEB))
        {
          report_one (source, data, groups[i], NULL);
          continue;
        }

      /* Translations ("key[de]") are not listed: they are harmless. */
      keys = g_key_file_get_keys (key_file, groups[i], NULL, NULL);
      for (gsize j = 0; keys != NULL && keys[j] != NULL; j++)
        {
          if (!is_known_key (groups[i], keys[j]))
            report_one (source, data, groups[i], keys[j]);
        }
    }
}

static gboolean
parse_limit (GKeyFile       *key_file,
             const LimitKey *limit,
             ConfabConfig   *config,
             GError        **error)
{
  g_autofree char *value = NULL;
  g_autofree char *shown = NULL;
  g_autoptr(GError) local_error = NULL;
  guint64 number;

  /* The raw value: escapes make no sense in a number. */
  value = g_key_file_get_value (key_file, limit->group, limit->key, NULL);
  if (value == NULL)
    return TRUE; /* absent: keep the default */

  /* GKeyFile drops leading white space only; trailing white space is
   * invisible in an editor, so it must not make a value invalid. */
  g_strchomp (value);

  if (*value == '\0')
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   _ ("[%s] %s: empty value (expected a number from %u to %u)"),
                   limit->group, limit->key, limit->min, limit->max);
      return FALSE;
    }

  /* The value may hold anything, invalid UTF-8 and control characters
   * included: escape it before it goes into a message. */
  shown = g_strescape (value, NULL);

  if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXUINT64, &number,
                                   &local_error))
    {
      gboolean out_of_range;

      /* Only overflow fails with OUT_OF_BOUNDS here; "-5" is a number too,
       * just one below the range. */
      out_of_range =
        g_error_matches (local_error, G_NUMBER_PARSER_ERROR,
                         G_NUMBER_PARSER_ERROR_OUT_OF_BOUNDS) ||
        (value[0] == '-' &&
         g_ascii_string_to_unsigned (value + 1, 10, 0, G_MAXUINT64, NULL, NULL));

      if (!out_of_range)
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: “%s” is not a number (expected %u to %u)"),
                       limit->group, limit->key, shown, limit->min, limit->max);
          return FALSE;
        }
    }
  else if (number >= limit->min && number <= limit->max)
    {
      G_STRUCT_MEMBER (guint, config, limit->offset) = (guint) number;
      return TRUE;
    }

  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
               _ ("[%s] %s: %s is out of range (%u to %u)"),
               limit->group, limit->key, shown, limit->min, limit->max);
  return FALSE;
}

/* @source: the file's display name, or %NULL for data from memory. Errors
 * do not name the file: the caller prefixes it. */
static ConfabConfig *
config_from_key_file (GKeyFile   *key_file,
                      const char *source,
                      const char *data,
                      GError    **error)
{
  g_autoptr(ConfabConfig) config = confab_config_new_default ();

  report_unknown (key_file, source, data);

  if (!confab_config_parse_listen (key_file, config, error) ||
      !confab_config_parse_unix_keys (key_file, config, error) ||
      !confab_config_parse_irc_keys (key_file, config, error) ||
      !confab_config_parse_tls_keys (key_file, config, error) ||
      !confab_config_parse_accounts_keys (key_file, config, error) ||
      !confab_config_parse_history_keys (key_file, config, error) ||
      !confab_config_parse_cluster_keys (key_file, config, error) ||
      !confab_config_parse_web_keys (key_file, config, error))
    return NULL;

  for (gsize i = 0; i < G_N_ELEMENTS (limit_keys); i++)
    {
      if (!parse_limit (key_file, &limit_keys[i], config, error))
        return NULL;
    }

  return g_steal_pointer (&config);
}

/**
 * confab_config_new_default:
 *
 * Returns: (transfer full): the defaults of SPEC §5, with @listen %NULL
 */
ConfabConfig *
confab_config_new_default (void)
{
  ConfabConfig *self = g_new0 (ConfabConfig, 1);

  self->listen = NULL;
  self->line_max_bytes = CONFAB_DEFAULT_LINE_MAX_BYTES;
  self->recipients_max = CONFAB_DEFAULT_RECIPIENTS_MAX;
  self->peers_max = CONFAB_DEFAULT_PEERS_MAX;
  self->queue_max_bytes = CONFAB_DEFAULT_QUEUE_MAX_BYTES;
  self->login_timeout_sec = CONFAB_DEFAULT_LOGIN_TIMEOUT_SEC;
  self->shutdown_timeout_sec = CONFAB_DEFAULT_SHUTDOWN_TIMEOUT_SEC;
  self->rate_limit_messages_per_sec = CONFAB_DEFAULT_RATE_LIMIT_MESSAGES_PER_SEC;
  self->rate_limit_burst = CONFAB_DEFAULT_RATE_LIMIT_BURST;
  self->rooms_max = CONFAB_DEFAULT_ROOMS_MAX;
  self->room_members_max = CONFAB_DEFAULT_ROOM_MEMBERS_MAX;
  self->rooms_per_peer_max = CONFAB_DEFAULT_ROOMS_PER_PEER_MAX;
  self->unix_identity = FALSE;
  self->unix_socket_mode = CONFAB_DEFAULT_UNIX_SOCKET_MODE;
  self->irc_server_name = g_strdup (CONFAB_DEFAULT_IRC_SERVER_NAME);
  self->irc_ping_interval_sec = CONFAB_DEFAULT_IRC_PING_INTERVAL_SEC;
  self->irc_ping_timeout_sec = CONFAB_DEFAULT_IRC_PING_TIMEOUT_SEC;
  self->history_replay_max = CONFAB_DEFAULT_HISTORY_REPLAY_MAX;
  self->history_max_age_days = CONFAB_DEFAULT_HISTORY_MAX_AGE_DAYS;
  self->history_max_rows = CONFAB_DEFAULT_HISTORY_MAX_ROWS;
  self->offline_max_messages = CONFAB_DEFAULT_OFFLINE_MAX_MESSAGES;
  self->history_on_join = CONFAB_DEFAULT_HISTORY_ON_JOIN;
  self->presence_ttl_sec = CONFAB_DEFAULT_PRESENCE_TTL_SEC;

  return self;
}

/**
 * confab_config_history_path:
 *
 * The history database: [history] database, or history.db in the state
 * directory, the first of systemd's $STATE_DIRECTORY (StateDirectory=)
 * or, without it, CONFAB_STATE_DIR of the build.
 *
 * Returns: (transfer full) (nullable): its path; %NULL for "none"
 */
char *
confab_config_history_path (const ConfabConfig *self)
{
  const char *state = g_getenv ("STATE_DIRECTORY");
  g_auto(GStrv) states = NULL;

  if (self->history_database != NULL)
    return g_str_equal (self->history_database, CONFAB_HISTORY_DATABASE_NONE)
             ? NULL
             : g_strdup (self->history_database);
  if (state == NULL || *state == '\0')
    return g_build_filename (CONFAB_STATE_DIR, CONFAB_HISTORY_DATABASE_FILE, NULL);
  /* systemd lists several directories with ':'; ours is the first. */
  states = g_strsplit (state, ":", 2);
  return g_build_filename (states[0], CONFAB_HISTORY_DATABASE_FILE, NULL);
}

/**
 * confab_config_load_file:
 * @path: the config file
 * @error: a #GFileError (prefixed with @path) when the file cannot be
 *   read, or %CONFAB_ERROR_INVALID_CONFIG naming @path when it cannot be used
 *
 * Returns: (transfer full) (nullable): the configuration; keys the file
 *   does not set keep their defaults
 */
ConfabConfig *
confab_config_load_file (const char *path,
                         GError    **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;
  g_autofree char *display_name = NULL;
  g_autofree char *contents = NULL;
  ConfabConfig    *config;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display_name = g_filename_display_name (path);

  if (!g_key_file_load_from_file (key_file, path, G_KEY_FILE_NONE, &local_error))
    {
      if (local_error->domain == G_KEY_FILE_ERROR)
        {
          /* A syntax error is an unusable config like any other; GKeyFile
           * quotes the offending line, which may not be UTF-8. */
          g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       "%s: %s", display_name, message);
        }
      else
        {
          /* Keep the GFileError: a caller may accept a missing default
           * file (G_FILE_ERROR_NOENT) but not an unreadable one. */
          g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                      "%s: ", display_name);
        }
      return NULL;
    }

  /* Only to give unknown keys their line: GKeyFile keeps no line numbers. */
  if (!g_file_get_contents (path, &contents, NULL, NULL))
    g_clear_pointer (&contents, g_free);
  config = config_from_key_file (key_file, display_name, contents, &local_error);
  if (config == NULL)
    g_propagate_prefixed_error (error, g_steal_pointer (&local_error),
                                "%s: ", display_name);

  return config;
}

/**
 * confab_config_load_data:
 * @data: the contents of a config file
 * @len: the length of @data in bytes, or (gsize) -1 if it is nul-terminated
 * @error: %CONFAB_ERROR_INVALID_CONFIG when it cannot be used
 *
 * Like confab_config_load_file(), for a file already in memory; errors
 * start with the group instead of a file name.
 *
 * Returns: (transfer full) (nullable): the configuration
 */
ConfabConfig *
confab_config_load_data (const char *data,
                         gsize       len,
                         GError    **error)
{
  g_autoptr(GKeyFile) key_file = g_key_file_new ();
  g_autoptr(GError) local_error = NULL;

  g_return_val_if_fail (data != NULL || len == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_key_file_load_from_data (key_file, data != NULL ? data : "", len,
                                  G_KEY_FILE_NONE, &local_error))
    {
      g_autofree char *message = g_utf8_make_valid (local_error->message, -1);

      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                           message);
      return NULL;
    }

  return config_from_key_file (key_file, NULL, NULL, error);
}

/**
 * confab_config_copy:
 * @self: a #ConfabConfig
 *
 * Returns: (transfer full): a deep copy of @self
 */
ConfabConfig *
confab_config_copy (const ConfabConfig *self)
{
  ConfabConfig *copy;

  g_return_val_if_fail (self != NULL, NULL);

  copy = g_memdup2 (self, sizeof (*self));
  copy->listen = g_strdupv (self->listen);
  copy->unix_socket_user = g_strdup (self->unix_socket_user);
  copy->unix_socket_group = g_strdup (self->unix_socket_group);
  copy->irc_server_name = g_strdup (self->irc_server_name);
  copy->irc_motd_file = g_strdup (self->irc_motd_file);
  copy->tls_certificate = g_strdup (self->tls_certificate);
  copy->tls_key = g_strdup (self->tls_key);
  copy->accounts_file = g_strdup (self->accounts_file);
  copy->history_database = g_strdup (self->history_database);
  copy->web_root = g_strdup (self->web_root);
  copy->cluster_redis = g_strdup (self->cluster_redis);
  copy->cluster_node = g_strdup (self->cluster_node);
  copy->allowed_origins = g_strdupv (self->allowed_origins);

  return copy;
}

/**
 * confab_config_free:
 * @self: (nullable): a #ConfabConfig
 */
void
confab_config_free (ConfabConfig *self)
{
  if (self == NULL)
    return;

  g_strfreev (self->listen);
  g_free (self->unix_socket_user);
  g_free (self->unix_socket_group);
  g_free (self->irc_server_name);
  g_free (self->irc_motd_file);
  g_free (self->tls_certificate);
  g_free (self->tls_key);
  g_free (self->accounts_file);
  g_free (self->history_database);
  g_free (self->web_root);
  g_free (self->cluster_redis);
  g_free (self->cluster_node);
  g_strfreev (self->allowed_origins);
  g_free (self);
}

static void
add_change (GPtrArray  *changes,
            const char *key,
            const char *before,
            const char *after)
{
  if (g_strcmp0 (before, after) != 0)
    g_ptr_array_add (changes, g_strdup_printf ("%s: %s → %s", key,
                                               before != NULL ? before : "(unset)",
                                               after != NULL ? after : "(unset)"));
}

/**
 * confab_config_describe_changes:
 *
 * Returns: (transfer full): one "key: OLD → NEW" line for each key whose
 *   value differs between @before and @after, in file order; empty if
 *   none does
 */
char **
confab_config_describe_changes (const ConfabConfig *before,
                                const ConfabConfig *after)
{
  g_autoptr(GPtrArray) changes = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *listen_before = NULL;
  g_autofree char *listen_after = NULL;
  g_autofree char *mode_before = NULL;
  g_autofree char *mode_after = NULL;
  g_autofree char *origins_before = NULL;
  g_autofree char *origins_after = NULL;

  g_return_val_if_fail (before != NULL && after != NULL, NULL);

  listen_before = before->listen != NULL ? g_strjoinv (";", before->listen) : NULL;
  listen_after = after->listen != NULL ? g_strjoinv (";", after->listen) : NULL;
  add_change (changes, KEY_LISTEN, listen_before, listen_after);
  add_change (changes, KEY_UNIX_IDENTITY, before->unix_identity ? "true" : "false",
              after->unix_identity ? "true" : "false");
  mode_before = g_strdup_printf ("%04o", before->unix_socket_mode);
  mode_after = g_strdup_printf ("%04o", after->unix_socket_mode);
  add_change (changes, KEY_UNIX_SOCKET_MODE, mode_before, mode_after);
  add_change (changes, KEY_UNIX_SOCKET_USER, before->unix_socket_user, after->unix_socket_user);
  add_change (changes, KEY_UNIX_SOCKET_GROUP, before->unix_socket_group, after->unix_socket_group);
  add_change (changes, KEY_IRC_SERVER_NAME, before->irc_server_name, after->irc_server_name);
  add_change (changes, KEY_IRC_MOTD_FILE, before->irc_motd_file, after->irc_motd_file);
  add_change (changes, KEY_TLS_CERTIFICATE, before->tls_certificate, after->tls_certificate);
  add_change (changes, KEY_TLS_KEY, before->tls_key, after->tls_key);
  add_change (changes, "accounts file", before->accounts_file, after->accounts_file);
  add_change (changes, "accounts required", before->accounts_required ? "true" : "false",
              after->accounts_required ? "true" : "false");
  add_change (changes, "history database", before->history_database, after->history_database);
  add_change (changes, "web root", before->web_root, after->web_root);
  add_change (changes, "cluster redis", before->cluster_redis, after->cluster_redis);
  add_change (changes, "cluster node", before->cluster_node, after->cluster_node);
  origins_before = before->allowed_origins != NULL ? g_strjoinv (";", before->allowed_origins) : NULL;
  origins_after = after->allowed_origins != NULL ? g_strjoinv (";", after->allowed_origins) : NULL;
  add_change (changes, KEY_WEB_ORIGINS, origins_before, origins_after);

  for (gsize i = 0; i < G_N_ELEMENTS (limit_keys); i++)
    {
      guint            old_value = G_STRUCT_MEMBER (guint, before, limit_keys[i].offset);
      guint            new_value = G_STRUCT_MEMBER (guint, after, limit_keys[i].offset);
      g_autofree char *old_text = g_strdup_printf ("%u", old_value);
      g_autofree char *new_text = g_strdup_printf ("%u", new_value);

      add_change (changes, limit_keys[i].key, old_text, new_text);
    }

  g_ptr_array_add (changes, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&changes), FALSE);
}
