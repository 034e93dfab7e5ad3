/* confab-daemon-private.h: what confabd's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-broker.h"
#include "confab-cluster.h"
#include "confab-config.h"
#include "confab-daemon.h"
#include "confab-manager.h"
#include "confab-server.h"

G_BEGIN_DECLS

struct _ConfabDaemon
{
  GObject parent_instance;

  char               *config_path;     /* (owned) (nullable) */
  gboolean            config_explicit; /* given with --config: must exist */
  char              **listen;          /* (owned) (nullable): from --listen */
  ConfabBusChoice     bus;
  ConfabConfig       *config;     /* (owned) */
  ConfabBroker       *broker;     /* (owned) */
  ConfabServer       *server;     /* (owned) */
  ConfabManager      *manager;    /* (owned) (nullable): only while on a bus */
  ConfabHistoryStore *history;    /* (owned) (nullable): SPEC §12; NULL: off */
  ConfabCluster      *cluster;    /* (owned) (nullable): SPEC §14; NULL: a node of its own */
  GDBusConnection    *connection; /* (owned) (nullable): the chosen bus */
  guint               name_owner_id;
  gboolean            name_owned;
  guint               shutdown_timeout_id;
  guint               status_timeout_id;
  gboolean            ready_sent;          /* READY=1 told to the service manager */
  gboolean            has_tls_certificate; /* the server has one: TLS listeners may be served */
  gboolean            stopping;
  gboolean            finished;
};

/* confab-daemon-history.c */
void                confab_daemon_history_limits (const ConfabConfig  *config,
                                                  ConfabHistoryLimits *limits);
ConfabHistoryStore *confab_daemon_open_history (const ConfabConfig *config);

/* confab-daemon-config.c: the configuration, read and turned into limits */
ConfabConfig    *confab_daemon_load_config (ConfabDaemon *self,
                                            GError      **error);
void             confab_daemon_limits_from_config (const ConfabConfig *config,
                                                   ConfabBrokerLimits *broker_limits,
                                                   ConfabPeerLimits   *peer_limits);
GVariant        *confab_daemon_peer_limits_variant (const ConfabConfig *config);
ConfabWebRoot   *confab_daemon_load_web_root (const ConfabConfig *config);
GVariant        *confab_daemon_statistics_cb (gpointer user_data);
ConfabIrcServer *confab_daemon_irc_server_from_config (const ConfabConfig *config);
gboolean         confab_daemon_load_accounts (const ConfabConfig *config,
                                              ConfabAccounts    **out_accounts,
                                              GError            **error);
gboolean         confab_daemon_load_tls_certificate (const ConfabConfig *config,
                                                     GTlsCertificate   **out_certificate,
                                                     GError            **error);
gboolean         confab_daemon_apply_unix_socket_options (ConfabDaemon *self,
                                                          GError      **error);

/* confab-daemon-bus.c: the bus and the well-known name */
gboolean confab_daemon_start_dbus (ConfabDaemon *self,
                                   GError      **error);

/* confab-daemon.c */
void confab_daemon_send_ready (ConfabDaemon *self);

G_END_DECLS
