/* confab-daemon-config.c: confabd's configuration, read and applied.
 *
 * Loads confab.conf (the --listen addresses override its listen=), checks
 * the owner and group a Unix socket's options name against the user
 * database, and turns the limits into the broker's and the connections'
 * structs and the a{sv} that GetStatistics shows.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib/gi18n.h>

#include "confab-daemon-private.h"
#include "confab-names.h"
#include "confab-statistics.h"
#include "confab-user-db.h"

/* The limits of @config that GetStatistics reports beside the broker's. */
GVariant *
confab_daemon_peer_limits_variant (const ConfabConfig *config)
{
  GVariantBuilder dict;

  g_variant_builder_init (&dict, G_VARIANT_TYPE_VARDICT);
  g_variant_builder_add (&dict, "{sv}", "line_max_bytes",
                         g_variant_new_uint32 (config->line_max_bytes));
  g_variant_builder_add (&dict, "{sv}", "recipients_max",
                         g_variant_new_uint32 (config->recipients_max));
  g_variant_builder_add (&dict, "{sv}", "login_timeout_sec",
                         g_variant_new_uint32 (config->login_timeout_sec));
  g_variant_builder_add (&dict, "{sv}", "shutdown_timeout_sec",
                         g_variant_new_uint32 (config->shutdown_timeout_sec));
  g_variant_builder_add (&dict, "{sv}", "rate_limit_messages_per_sec",
                         g_variant_new_uint32 (config->rate_limit_messages_per_sec));
  g_variant_builder_add (&dict, "{sv}", "rate_limit_burst",
                         g_variant_new_uint32 (config->rate_limit_burst));
  return g_variant_builder_end (&dict);
}

/* The web client's files, read once per start or reload. One that cannot
 * be read serves no files (GET / is 404) rather than stopping the chat;
 * the installed default is only missing in a build tree. */
ConfabWebRoot *
confab_daemon_load_web_root (const ConfabConfig *config)
{
  g_autoptr(GError) error = NULL;
  const char    *dir = config->web_root != NULL ? config->web_root : CONFAB_WEB_DIR;
  ConfabWebRoot *root = confab_web_root_load (dir, &error);

  if (root != NULL)
    return root;
  if (config->web_root != NULL)
    g_warning (_ ("%s; the web client is not served"), error->message);
  else
    g_debug ("%s", error->message);
  return confab_web_root_new_empty ();
}

/* What /metrics shows: GetStatistics, from the Manager when there is
 * one (its signal bridge has a counter), else built the same way. */
GVariant *
confab_daemon_statistics_cb (gpointer user_data)
{
  ConfabDaemon *self = user_data;
  g_autoptr(GVariant) limits = NULL;

  if (self->manager != NULL)
    return confab_manager_dup_statistics (self->manager);
  limits = g_variant_ref_sink (confab_daemon_peer_limits_variant (self->config));
  return g_variant_ref_sink (confab_statistics_build (self->broker, CONFAB_STATS_SOURCE (self->server),
                                                      0, limits));
}

void
confab_daemon_limits_from_config (const ConfabConfig *config,
                                  ConfabBrokerLimits *broker_limits,
                                  ConfabPeerLimits   *peer_limits)
{
  broker_limits->queue_max_bytes = config->queue_max_bytes;
  broker_limits->rooms_max = config->rooms_max;
  broker_limits->room_members_max = config->room_members_max;
  broker_limits->rooms_per_peer_max = config->rooms_per_peer_max;
  peer_limits->line_max_bytes = config->line_max_bytes;
  peer_limits->recipients_max = config->recipients_max;
  peer_limits->login_timeout_sec = config->login_timeout_sec;
  peer_limits->unix_identity = config->unix_identity;
  peer_limits->rate_limit_per_sec = config->rate_limit_messages_per_sec;
  peer_limits->rate_limit_burst = config->rate_limit_burst;
  peer_limits->irc_ping_interval_sec = config->irc_ping_interval_sec;
  peer_limits->irc_ping_timeout_sec = config->irc_ping_timeout_sec;
  peer_limits->history_on_join = config->history_on_join;
  peer_limits->history_replay_max = config->history_replay_max;
}

/* [irc] server_name and the MOTD file's text. A MOTD file that cannot be
 * read is not fatal (IRC has a numeric for it, 422): it is logged, and
 * read again at the next reload. */
ConfabIrcServer *
confab_daemon_irc_server_from_config (const ConfabConfig *config)
{
  g_autofree char *motd = NULL;
  g_autoptr(GError) error = NULL;
  gsize length;

  if (config->irc_motd_file != NULL &&
      !g_file_get_contents (config->irc_motd_file, &motd, &length, &error))
    g_warning (_ ("Cannot read the MOTD file: %s"), error->message);
  else if (motd != NULL && length > CONFAB_IRC_MOTD_MAX_BYTES)
    g_warning (_ ("The MOTD file %s is longer than %u bytes: only its start is shown"),
               config->irc_motd_file, (guint) CONFAB_IRC_MOTD_MAX_BYTES);
  return confab_irc_server_new (config->irc_server_name, motd);
}

/**
 * confab_daemon_load_tls_certificate:
 * @out_certificate: (out) (transfer full) (nullable): the certificate with
 *   its key, or %NULL when [tls] names none
 *
 * Reads [tls] certificate and key. Both or neither must be set; with both
 * the files must load and GIO must have TLS (glib-networking).
 *
 * Returns: %FALSE with @error if they cannot be used
 */
gboolean
confab_daemon_load_tls_certificate (const ConfabConfig *config,
                                    GTlsCertificate   **out_certificate,
                                    GError            **error)
{
  *out_certificate = NULL;
  if (config->tls_certificate == NULL && config->tls_key == NULL)
    return TRUE;
  if (config->tls_certificate == NULL || config->tls_key == NULL)
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                           _ ("[tls] needs both certificate and key"));
      return FALSE;
    }
  if (!g_tls_backend_supports_tls (g_tls_backend_get_default ()))
    {
      g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                           _ ("TLS is not available: GIO has no TLS backend (install glib-networking)"));
      return FALSE;
    }
  *out_certificate = g_tls_certificate_new_from_files (config->tls_certificate, config->tls_key, error);
  if (*out_certificate == NULL)
    {
      g_prefix_error (error, _ ("[tls] %s and %s: "), config->tls_certificate, config->tls_key);
      return FALSE;
    }
  return TRUE;
}

/**
 * confab_daemon_load_accounts:
 * @out_accounts: (out) (transfer full) (nullable): the accounts, or %NULL
 *   when [accounts] names no file
 *
 * Returns: %FALSE with @error if the file cannot be read or has a bad line
 */
gboolean
confab_daemon_load_accounts (const ConfabConfig *config,
                             ConfabAccounts    **out_accounts,
                             GError            **error)
{
  *out_accounts = NULL;
  if (config->accounts_file == NULL)
    return TRUE;
  *out_accounts = confab_accounts_load_file (config->accounts_file, config->accounts_required, error);
  if (*out_accounts == NULL)
    {
      g_prefix_error (error, "[accounts] file: ");
      return FALSE;
    }
  g_message (_ ("Loaded %u accounts from %s"), confab_accounts_get_n_accounts (*out_accounts),
             config->accounts_file);
  return TRUE;
}

/* Resolves [server] unix_socket_user/unix_socket_group for the server. */
gboolean
confab_daemon_apply_unix_socket_options (ConfabDaemon *self,
                                         GError      **error)
{
  const ConfabConfig *config = self->config;
  gint64              uid = -1;
  gint64              gid = -1;

  if (config->unix_socket_user != NULL)
    {
      guint32 found;

      if (!confab_user_db_get_user_by_name (config->unix_socket_user, &found, NULL, NULL))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("unix_socket_user: no user called “%s”"), config->unix_socket_user);
          return FALSE;
        }
      uid = found;
    }
  if (config->unix_socket_group != NULL)
    {
      guint32 found;

      if (!confab_user_db_get_group_by_name (config->unix_socket_group, &found, NULL))
        {
          g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG,
                       _ ("unix_socket_group: no group called “%s”"), config->unix_socket_group);
          return FALSE;
        }
      gid = found;
    }

  confab_server_set_unix_socket_options (self->server, config->unix_socket_mode, uid, gid);
  return TRUE;
}

/* Loads the file, or the defaults if the default file does not exist. */
ConfabConfig *
confab_daemon_load_config (ConfabDaemon *self,
                           GError      **error)
{
  g_autoptr(GError) local_error = NULL;
  ConfabConfig *config;

  if (self->config_path == NULL)
    return confab_config_new_default ();

  config = confab_config_load_file (self->config_path, &local_error);
  if (config != NULL)
    return config;

  if (!self->config_explicit &&
      g_error_matches (local_error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
    {
      g_debug ("no configuration file at %s, using defaults", self->config_path);
      return confab_config_new_default ();
    }

  g_propagate_error (error, g_steal_pointer (&local_error));
  return NULL;
}

/* A server wants as many descriptors as it may: raise the soft limit to
 * the hard one, as systemd services commonly do. */
