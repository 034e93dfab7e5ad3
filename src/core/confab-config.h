/* confab-config.h: the daemon's configuration (a GKeyFile, SPEC §5).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Defaults of SPEC §5. */
#define CONFAB_DEFAULT_LINE_MAX_BYTES       4096
#define CONFAB_DEFAULT_RECIPIENTS_MAX       64
#define CONFAB_DEFAULT_PEERS_MAX            10000
#define CONFAB_DEFAULT_QUEUE_MAX_BYTES      (1024 * 1024)
#define CONFAB_DEFAULT_LOGIN_TIMEOUT_SEC    10
#define CONFAB_DEFAULT_SHUTDOWN_TIMEOUT_SEC 10
/* Per-peer rate limit: off (0) unless configured; the burst applies once
 * it is on. */
#define CONFAB_DEFAULT_RATE_LIMIT_MESSAGES_PER_SEC 0
#define CONFAB_DEFAULT_RATE_LIMIT_BURST            10
#define CONFAB_DEFAULT_ROOMS_MAX                   10000
#define CONFAB_DEFAULT_ROOM_MEMBERS_MAX            10000
#define CONFAB_DEFAULT_ROOMS_PER_PEER_MAX          100
#define CONFAB_DEFAULT_IRC_SERVER_NAME             "confab.local"
#define CONFAB_DEFAULT_IRC_PING_INTERVAL_SEC       120
#define CONFAB_DEFAULT_IRC_PING_TIMEOUT_SEC        60
#define CONFAB_DEFAULT_HISTORY_REPLAY_MAX          500
#define CONFAB_DEFAULT_HISTORY_MAX_AGE_DAYS        0
#define CONFAB_DEFAULT_HISTORY_MAX_ROWS            10000
#define CONFAB_DEFAULT_OFFLINE_MAX_MESSAGES        100
#define CONFAB_DEFAULT_HISTORY_ON_JOIN             0
#define CONFAB_DEFAULT_PRESENCE_TTL_SEC            10
/* The file name of the history database in the state directory. */
#define CONFAB_HISTORY_DATABASE_FILE "history.db"

/*
 * ConfabConfig:
 *
 * A plain value: load a new one on SIGHUP and swap it in. File layout:
 *
 *   [server]
 *   listen=127.0.0.1:8080;[::1]:8080     (string list; optional)
 *   unix_identity=false        (true: a login on a Unix socket must use,
 *                               or is given, the caller's user name)
 *   unix_socket_mode=0666      (octal; permissions of unix: sockets)
 *   unix_socket_user=NAME      (owner of unix: sockets; optional)
 *   unix_socket_group=NAME     (group of unix: sockets; optional)
 *
 *   [limits]
 *   line_max_bytes=4096        (64 .. 1048576)
 *   recipients_max=64          (1 .. 1024)
 *   peers_max=10000            (1 .. 1000000)
 *   queue_max_bytes=1048576    (4096 .. 1073741824)
 *   login_timeout_sec=10       (1 .. 3600)
 *   shutdown_timeout_sec=10    (1 .. 3600)
 *   rate_limit_messages_per_sec=0   (0 .. 1000000; 0: no rate limit)
 *   rate_limit_burst=10        (1 .. 1000000)
 *   rooms_max=10000            (1 .. 1000000)
 *   room_members_max=10000     (1 .. 1000000)
 *   rooms_per_peer_max=100     (1 .. 10000)
 *
 *   [irc]
 *   server_name=confab.local   (a host name with a dot, at most 63 bytes)
 *   motd_file=PATH             (the message of the day; optional: 422 without)
 *   ping_interval_sec=120      (10 .. 86400; idle time before the server pings)
 *   ping_timeout_sec=60        (5 .. 3600; then, without a reply, the close)
 *
 *   [tls]
 *   certificate=PATH           (PEM; needed by tls: and ircs: listeners)
 *   key=PATH                   (PEM; its private key)
 *
 *   [accounts]
 *   file=PATH                  (NAME:HASH[:certfp=HEX] lines; optional)
 *   required=false             (true: only names with an account log in)
 *
 *   [history]
 *   database=PATH              (SQLite; "none": no history; default: under
 *                               the state directory, confab_config_history_path())
 *   history_replay_max=500     (1 .. 100000; the most lines one request replays)
 *   history_max_age_days=0     (0 .. 36500; 0: room messages kept for ever)
 *   history_max_rows=10000     (0 .. 100000000 per room; 0: no limit)
 *   offline_max_messages=100   (0 .. 100000 per account; 0: none stored)
 *   history_on_join=0          (0 .. 1000; lines replayed to whoever joins a room)
 *
 *   [cluster]                  (SPEC §14; absent: a node of its own)
 *   redis=ADDRESS              (unix:/PATH or HOST:PORT of the Redis server)
 *   node=NAME                  (this node's name, unique in the cluster;
 *                               default: the host name)
 *   presence_ttl_sec=10        (1 .. 3600; how soon a dead node's names are free)
 *
 *   [web]
 *   root=PATH                  (the web client's files; default $datadir/confab/web)
 *   allowed_origins=ORIGIN;... (string list; the pages that may open /chat
 *                               besides the server's own; "*": any)
 *
 * Keys that are absent keep their default; listen is then NULL and the
 * daemon uses its default addresses (SPEC §1). listen entries are trimmed
 * of white space and must not be empty, nor the list; they are not parsed
 * here (that needs GIO: see confab_address_parse()). Limits are decimal
 * digits only; trailing white space is ignored.
 *
 * Unknown groups or keys are logged with g_message() (not fatal, not a
 * warning), so a newer config file still loads; a value of the wrong type
 * or out of range is an error (CONFAB_ERROR_INVALID_CONFIG naming the file,
 * group, key, value and range, e.g. "confab.conf: [limits] line_max_bytes:
 * 10 is out of range (64 to 1048576)"). confab_config_load_file() returns
 * a G_FILE_ERROR, prefixed with the path, when the file cannot be read.
 * confab_config_load_data() takes len = (gsize) -1 for a nul-terminated
 * string.
 */
/* The mode a Unix listening socket gets unless the config says otherwise:
 * every local user may connect (with unix_identity on, only as itself). */
#define CONFAB_DEFAULT_UNIX_SOCKET_MODE 0666

typedef struct
{
  char   **listen;            /* (owned) (nullable): from [server] listen */
  gboolean unix_identity;     /* [server] unix_identity: logins on Unix sockets use the caller's user name */
  guint    unix_socket_mode;  /* [server] unix_socket_mode, octal, 0 .. 0777 */
  char    *unix_socket_user;  /* (owned) (nullable): [server] unix_socket_user */
  char    *unix_socket_group; /* (owned) (nullable): [server] unix_socket_group */
  guint    line_max_bytes;
  guint    recipients_max;
  guint    peers_max;
  guint    queue_max_bytes;
  guint    login_timeout_sec;
  guint    shutdown_timeout_sec;
  guint    rate_limit_messages_per_sec; /* per peer; 0: off */
  guint    rate_limit_burst;            /* messages a peer may send at once */
  guint    rooms_max;
  guint    room_members_max;
  guint    rooms_per_peer_max;
  char    *irc_server_name;       /* (owned): [irc] server_name */
  char    *irc_motd_file;         /* (owned) (nullable): [irc] motd_file */
  guint    irc_ping_interval_sec; /* [irc] ping_interval_sec */
  guint    irc_ping_timeout_sec;  /* [irc] ping_timeout_sec */
  char    *tls_certificate;       /* (owned) (nullable): [tls] certificate */
  char    *tls_key;               /* (owned) (nullable): [tls] key */
  char    *accounts_file;         /* (owned) (nullable): [accounts] file */
  gboolean accounts_required;     /* [accounts] required */
  char    *history_database;      /* (owned) (nullable): [history] database; NULL: the default */
  guint    history_replay_max;
  guint    history_max_age_days;
  guint    history_max_rows;
  guint    offline_max_messages;
  guint    history_on_join;
  char    *cluster_redis;    /* (owned) (nullable): [cluster] redis; NULL: no cluster */
  char    *cluster_node;     /* (owned) (nullable): [cluster] node; NULL: the host name */
  guint    presence_ttl_sec; /* [cluster] presence_ttl_sec */
  char    *web_root;         /* (owned) (nullable): [web] root; NULL: the installed one */
  char   **allowed_origins;  /* (owned) (nullable): [web] allowed_origins */
} ConfabConfig;

/* [history] database=none turns history off. */
#define CONFAB_HISTORY_DATABASE_NONE "none"

ConfabConfig *confab_config_new_default (void);
ConfabConfig *confab_config_load_file (const char *path,
                                       GError    **error);
ConfabConfig *confab_config_load_data (const char *data,
                                       gsize       len,
                                       GError    **error);
ConfabConfig *confab_config_copy (const ConfabConfig *self);
char         *confab_config_history_path (const ConfabConfig *self);
void          confab_config_free (ConfabConfig *self);
char        **confab_config_describe_changes (const ConfabConfig *before,
                                              const ConfabConfig *after);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabConfig, confab_config_free)

G_END_DECLS
