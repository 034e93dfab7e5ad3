/* confab-config-private.h: what the configuration's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-config.h"

G_BEGIN_DECLS

#define GROUP_SERVER        "server"
#define GROUP_LIMITS        "limits"
#define GROUP_IRC           "irc"
#define KEY_IRC_SERVER_NAME "server_name"
#define KEY_IRC_MOTD_FILE   "motd_file"
#define GROUP_TLS           "tls"
#define GROUP_ACCOUNTS      "accounts"
#define KEY_ACCOUNTS_FILE   "file"
#define KEY_ACCOUNTS_REQ    "required"
#define KEY_TLS_CERTIFICATE "certificate"
#define KEY_TLS_KEY         "key"
#define GROUP_HISTORY       "history"
#define GROUP_CLUSTER       "cluster"
#define KEY_CLUSTER_REDIS   "redis"
#define KEY_CLUSTER_NODE    "node"
#define GROUP_WEB           "web"
#define KEY_WEB_ROOT        "root"
#define KEY_WEB_ORIGINS     "allowed_origins"
#define KEY_HISTORY_DB      "database"
/* A server name is a host name with a dot, so that no client takes it
 * for a nick; at most 63 bytes, one DNS label's worth, as ngircd allows. */
#define IRC_SERVER_NAME_MAX   63
#define KEY_LISTEN            "listen"
#define KEY_UNIX_IDENTITY     "unix_identity"
#define KEY_UNIX_SOCKET_MODE  "unix_socket_mode"
#define KEY_UNIX_SOCKET_USER  "unix_socket_user"
#define KEY_UNIX_SOCKET_GROUP "unix_socket_group"

/* confab-config-groups.c */
gboolean confab_config_parse_listen (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_unix_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_irc_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_tls_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_history_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_cluster_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_accounts_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);
gboolean confab_config_parse_web_keys (GKeyFile *key_file, ConfabConfig *config, GError **error);

G_END_DECLS
