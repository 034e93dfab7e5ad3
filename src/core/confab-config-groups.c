/* confab-config-groups.c: the configuration's groups other than the
 * numeric limits: [server]'s listen list and Unix socket keys, [irc],
 * [tls], [accounts] and [history]'s database. Each parser leaves what is absent at its default
 * and refuses what is wrong with a message naming the group and key.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <glib/gi18n.h>

#include "confab-config-private.h"
#include "confab-error.h"

/* Returns: NULL if every '\' of @value starts an escape that GKeyFile
 * takes in a string list (\s \n \t \r \\ \;), else the bad one. */
static const char *
find_bad_escape (const char *value)
{
  for (const char *p = value; *p != '\0'; p++)
    {
      if (*p != '\\')
        continue;
      if (p[1] == '\0' || strchr ("sntr\\;", p[1]) == NULL)
        return p;
      p++;
    }
  return NULL;
}

/* Only checks that each entry is a non-empty string: parsing addresses
 * needs GIO, which the core library does not link; the daemon parses them
 * with confab_address_parse() and reports its own errors. */
gboolean
confab_config_parse_listen (GKeyFile     *key_file,
                            ConfabConfig *config,
                            GError      **error)
{
  g_auto(GStrv) listen = NULL;
  g_autoptr(GError) local_error = NULL;
  g_autofree char *raw = NULL;
  const char      *bad_escape;
  gsize            n_listen = 0;

  raw = g_key_file_get_value (key_file, GROUP_SERVER, KEY_LISTEN, NULL);
  if (raw == NULL)
    return TRUE; /* absent: the daemon uses its default addresses */

  /* GKeyFile's own message would quote the invalid bytes. */
  if (!g_utf8_validate (raw, -1, NULL))
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   _ ("[%s] %s: the value is not valid UTF-8"),
                   GROUP_SERVER, KEY_LISTEN);
      return FALSE;
    }

  /* Escapes are checked here rather than left to GKeyFile: GLib 2.74
   * sets its GError twice (a g_warning, fatal under
   * G_DEBUG=fatal-warnings) for a bad escape followed by a '\' at the
   * end of the value, and its message would not say which escape. */
  bad_escape = find_bad_escape (raw);
  if (bad_escape != NULL)
    {
      gunichar next = g_utf8_get_char (bad_escape + 1);

      /* Quote the escape only if it can be seen. */
      if (next != 0 && g_unichar_isgraph (next))
        g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                     _ ("[%s] %s: invalid escape sequence “\\%.*s” (use \\s \\n \\t \\r \\\\ or \\;)"),
                     GROUP_SERVER, KEY_LISTEN,
                     (int) (g_utf8_next_char (bad_escape + 1) - (bad_escape + 1)),
                     bad_escape + 1);
      else
        g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                     _ ("[%s] %s: a “\\” that starts no escape sequence (use \\s \\n \\t \\r \\\\ or \\;)"),
                     GROUP_SERVER, KEY_LISTEN);
      return FALSE;
    }

  listen = g_key_file_get_string_list (key_file, GROUP_SERVER, KEY_LISTEN,
                                       &n_listen, &local_error);
  if (local_error != NULL)
    {
      /* Not expected after the checks above; keep GKeyFile's words. */
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   "[%s] %s: %s", GROUP_SERVER, KEY_LISTEN, local_error->message);
      return FALSE;
    }

  if (n_listen == 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   _ ("[%s] %s: no address given (remove the key to use the default addresses)"),
                   GROUP_SERVER, KEY_LISTEN);
      return FALSE;
    }

  for (gsize i = 0; i < n_listen; i++)
    {
      /* "a; b" is a natural way to write a list, and no address starts
       * or ends with white space. */
      g_strstrip (listen[i]);

      if (listen[i][0] == '\0')
        {
          g_autofree char *value = g_key_file_get_value (key_file, GROUP_SERVER,
                                                         KEY_LISTEN, NULL);
          g_autofree char *shown = g_strescape (value, NULL);

          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: address %u of “%s” is empty"),
                       GROUP_SERVER, KEY_LISTEN, (guint) (i + 1), shown);
          return FALSE;
        }
    }

  config->listen = g_steal_pointer (&listen);
  return TRUE;
}

/* A [server] string value with surrounding blanks removed, or %NULL. */
static char *
get_server_value (GKeyFile   *key_file,
                  const char *key)
{
  char *value = g_key_file_get_value (key_file, GROUP_SERVER, key, NULL);

  if (value != NULL)
    g_strstrip (value);
  return value;
}

gboolean
confab_config_parse_unix_keys (GKeyFile     *key_file,
                               ConfabConfig *config,
                               GError      **error)
{
  g_autofree char *identity = get_server_value (key_file, KEY_UNIX_IDENTITY);
  g_autofree char *mode = get_server_value (key_file, KEY_UNIX_SOCKET_MODE);
  const char      *owner_keys[] = { KEY_UNIX_SOCKET_USER, KEY_UNIX_SOCKET_GROUP };
  char           **owner_fields[] = { &config->unix_socket_user, &config->unix_socket_group };

  if (identity != NULL)
    {
      /* Only the two words: GKeyFile would also take "1" and "0". */
      if (g_str_equal (identity, "true"))
        config->unix_identity = TRUE;
      else if (g_str_equal (identity, "false"))
        config->unix_identity = FALSE;
      else
        {
          g_autofree char *shown = g_utf8_make_valid (identity, -1);

          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: “%s” is not true or false"),
                       GROUP_SERVER, KEY_UNIX_IDENTITY, shown);
          return FALSE;
        }
    }

  if (mode != NULL)
    {
      guint64 number;

      if (!g_ascii_string_to_unsigned (mode, 8, 0, 0777, &number, NULL))
        {
          g_autofree char *shown = g_utf8_make_valid (mode, -1);

          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: “%s” is not an octal mode from 0 to 0777"),
                       GROUP_SERVER, KEY_UNIX_SOCKET_MODE, shown);
          return FALSE;
        }
      config->unix_socket_mode = number;
    }

  for (gsize i = 0; i < G_N_ELEMENTS (owner_keys); i++)
    {
      g_autofree char *value = get_server_value (key_file, owner_keys[i]);

      if (value == NULL)
        continue;
      if (value[0] == '\0' || !g_utf8_validate (value, -1, NULL))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: expected a user or group name"),
                       GROUP_SERVER, owner_keys[i]);
          return FALSE;
        }
      g_free (*owner_fields[i]);
      *owner_fields[i] = g_steal_pointer (&value);
    }
  return TRUE;
}

/* A file name as written: the raw value, not unescaped (GLib 2.74's
 * unescaping trips over some invalid escapes, and a path needs none). A
 * value that is not UTF-8 becomes "" so that it is refused as no file
 * name. */
static char *
get_path_value (GKeyFile   *key_file,
                const char *group,
                const char *key)
{
  char *value = g_key_file_get_value (key_file, group, key, NULL);

  if (value != NULL && !g_utf8_validate (value, -1, NULL))
    value[0] = '\0';
  return value;
}

static gboolean
irc_server_name_is_valid (const char *name)
{
  gsize len = strlen (name);

  if (len == 0 || len > IRC_SERVER_NAME_MAX || strchr (name, '.') == NULL ||
      name[0] == '.' || name[0] == '-' || name[len - 1] == '.')
    return FALSE;
  for (const char *p = name; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && *p != '.' && *p != '-')
        return FALSE;
    }
  return TRUE;
}

/* [irc] server_name and motd_file; its numbers are limit_keys. */
gboolean
confab_config_parse_irc_keys (GKeyFile     *key_file,
                              ConfabConfig *config,
                              GError      **error)
{
  g_autofree char *name = g_key_file_get_value (key_file, GROUP_IRC, KEY_IRC_SERVER_NAME, NULL);
  g_autofree char *motd = get_path_value (key_file, GROUP_IRC, KEY_IRC_MOTD_FILE);

  if (name != NULL)
    {
      g_strstrip (name);
      if (!irc_server_name_is_valid (name))
        {
          g_autofree char *shown = g_strescape (name, NULL);

          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: “%s” is not a host name with a dot (letters, digits, "
                          "“-” and “.”, at most %u bytes)"),
                       GROUP_IRC, KEY_IRC_SERVER_NAME, shown, IRC_SERVER_NAME_MAX);
          return FALSE;
        }
      g_free (config->irc_server_name);
      config->irc_server_name = g_steal_pointer (&name);
    }

  if (motd != NULL)
    {
      g_strstrip (motd);
      if (*motd == '\0')
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: expected a file name"), GROUP_IRC, KEY_IRC_MOTD_FILE);
          return FALSE;
        }
      config->irc_motd_file = g_steal_pointer (&motd);
    }
  return TRUE;
}

/* [tls] certificate and key: file names, read by the daemon (a tls: or
 * ircs: listener needs both; without one they are not used). */
gboolean
confab_config_parse_tls_keys (GKeyFile     *key_file,
                              ConfabConfig *config,
                              GError      **error)
{
  const char *keys[] = { KEY_TLS_CERTIFICATE, KEY_TLS_KEY };
  char      **fields[] = { &config->tls_certificate, &config->tls_key };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *value = get_path_value (key_file, GROUP_TLS, keys[i]);

      if (value == NULL)
        continue;
      g_strstrip (value);
      if (*value == '\0')
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: expected a file name"), GROUP_TLS, keys[i]);
          return FALSE;
        }
      g_free (*fields[i]);
      *fields[i] = g_steal_pointer (&value);
    }
  return TRUE;
}

/* [accounts] file and required; the file is read by the daemon. */
gboolean
confab_config_parse_accounts_keys (GKeyFile     *key_file,
                                   ConfabConfig *config,
                                   GError      **error)
{
  g_autofree char *file = get_path_value (key_file, GROUP_ACCOUNTS, KEY_ACCOUNTS_FILE);
  g_autofree char *required = g_key_file_get_value (key_file, GROUP_ACCOUNTS, KEY_ACCOUNTS_REQ, NULL);

  if (file != NULL)
    {
      g_strstrip (file);
      if (*file == '\0')
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: expected a file name"), GROUP_ACCOUNTS, KEY_ACCOUNTS_FILE);
          return FALSE;
        }
      config->accounts_file = g_steal_pointer (&file);
    }
  if (required != NULL)
    {
      g_strstrip (required);
      if (g_str_equal (required, "true"))
        config->accounts_required = TRUE;
      else if (g_str_equal (required, "false"))
        config->accounts_required = FALSE;
      else
        {
          g_autofree char *shown = g_utf8_make_valid (required, -1);

          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: “%s” is not true or false"), GROUP_ACCOUNTS, KEY_ACCOUNTS_REQ, shown);
          return FALSE;
        }
    }
  if (config->accounts_required && config->accounts_file == NULL)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   _ ("[%s] %s=true needs %s"), GROUP_ACCOUNTS, KEY_ACCOUNTS_REQ, KEY_ACCOUNTS_FILE);
      return FALSE;
    }
  return TRUE;
}

/* [history] database: a file name, or "none" for no history at all. */
gboolean
confab_config_parse_history_keys (GKeyFile     *key_file,
                                  ConfabConfig *config,
                                  GError      **error)
{
  g_autofree char *database = get_path_value (key_file, GROUP_HISTORY, KEY_HISTORY_DB);

  if (database == NULL)
    return TRUE;
  g_strstrip (database);
  if (*database == '\0')
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                   _ ("[%s] %s: expected a file name or “none”"), GROUP_HISTORY, KEY_HISTORY_DB);
      return FALSE;
    }
  g_free (config->history_database);
  config->history_database = g_steal_pointer (&database);
  return TRUE;
}

/* [cluster] redis and node: strings, not parsed here (the cluster does:
 * confab_cluster_new()); empty ones are refused. */
gboolean
confab_config_parse_cluster_keys (GKeyFile     *key_file,
                                  ConfabConfig *config,
                                  GError      **error)
{
  const char *keys[] = { KEY_CLUSTER_REDIS, KEY_CLUSTER_NODE };
  char      **fields[] = { &config->cluster_redis, &config->cluster_node };

  for (gsize i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      g_autofree char *value = g_key_file_get_value (key_file, GROUP_CLUSTER, keys[i], NULL);

      if (value == NULL)
        continue;
      g_strstrip (value);
      if (*value == '\0')
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: expected a value"), GROUP_CLUSTER, keys[i]);
          return FALSE;
        }
      g_free (*fields[i]);
      *fields[i] = g_steal_pointer (&value);
    }
  return TRUE;
}

/* An origin as browsers send it (RFC 6454): "http://HOST" or
 * "https://HOST:PORT", with no path; or "*" for any. */
static gboolean
origin_is_valid (const char *origin)
{
  const char *host;

  if (g_str_equal (origin, "*"))
    return TRUE;
  if (g_str_has_prefix (origin, "http://"))
    host = origin + strlen ("http://");
  else if (g_str_has_prefix (origin, "https://"))
    host = origin + strlen ("https://");
  else
    return FALSE;
  if (*host == '\0')
    return FALSE;
  for (const char *p = host; *p != '\0'; p++)
    {
      if (!g_ascii_isalnum (*p) && strchr (".-:[]_", *p) == NULL)
        return FALSE;
    }
  return TRUE;
}

/* [web] root and allowed_origins (SPEC §13): where the page's files are,
 * and which other pages may open a WebSocket. */
gboolean
confab_config_parse_web_keys (GKeyFile     *key_file,
                              ConfabConfig *config,
                              GError      **error)
{
  g_autofree char *root = get_path_value (key_file, GROUP_WEB, KEY_WEB_ROOT);
  g_autofree char *origins = get_path_value (key_file, GROUP_WEB, KEY_WEB_ORIGINS);

  if (root != NULL)
    {
      g_strstrip (root);
      if (*root == '\0')
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("[%s] %s: expected a directory name"), GROUP_WEB, KEY_WEB_ROOT);
          return FALSE;
        }
      config->web_root = g_steal_pointer (&root);
    }
  if (origins != NULL)
    {
      g_auto(GStrv) parts = g_strsplit (origins, ";", -1);
      g_autoptr(GPtrArray) list = g_ptr_array_new_with_free_func (g_free);

      for (gsize i = 0; parts[i] != NULL; i++)
        {
          g_strstrip (parts[i]);
          if (*parts[i] == '\0')
            continue;
          if (!origin_is_valid (parts[i]))
            {
              g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                           _ ("[%s] %s: “%s” is not an origin (expected http://HOST[:PORT], "
                              "https://HOST[:PORT] or *)"),
                           GROUP_WEB, KEY_WEB_ORIGINS, parts[i]);
              return FALSE;
            }
          g_ptr_array_add (list, g_strdup (parts[i]));
        }
      g_ptr_array_add (list, NULL);
      g_strfreev (config->allowed_origins);
      config->allowed_origins = (char **) g_ptr_array_free (g_steal_pointer (&list), FALSE);
    }
  return TRUE;
}
