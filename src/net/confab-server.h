/* confab-server.h: the socket service that turns connections into peers.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-broker.h"
#include "confab-peer.h"

G_BEGIN_DECLS

/* Implements ConfabStatsSource (confab-stats.h): the counters of its
 * connections and their sessions, and peers_max, which it enforces. */
#define CONFAB_TYPE_SERVER (confab_server_get_type ())
G_DECLARE_FINAL_TYPE (ConfabServer, confab_server, CONFAB, SERVER, GObject)

ConfabServer       *confab_server_new (ConfabBroker           *broker,
                                       const ConfabPeerLimits *limits,
                                       guint                   connections_max,
                                       GError                **error);
gboolean            confab_server_listen (ConfabServer   *self,
                                          GSocketAddress *address,
                                          ConfabDoor      door,
                                          GError        **error);
gboolean            confab_server_adopt (ConfabServer *self,
                                         GSocket      *socket,
                                         ConfabDoor    door,
                                         GError      **error);
void                confab_server_set_unix_socket_options (ConfabServer *self,
                                                           guint         mode,
                                                           gint64        uid,
                                                           gint64        gid);
void                confab_server_start (ConfabServer *self);
void                confab_server_stop_accepting (ConfabServer *self);
void                confab_server_shutdown (ConfabServer *self);
void                confab_server_abort_all (ConfabServer *self);
void                confab_server_set_limits (ConfabServer           *self,
                                              const ConfabPeerLimits *limits,
                                              guint                   connections_max);
guint               confab_server_get_n_connections (ConfabServer *self);
void                confab_server_set_irc_server (ConfabServer    *self,
                                                  ConfabIrcServer *irc_server);
void                confab_server_set_tls_certificate (ConfabServer    *self,
                                                       GTlsCertificate *certificate);
void                confab_server_set_accounts (ConfabServer   *self,
                                                ConfabAccounts *accounts);
void                confab_server_set_history (ConfabServer       *self,
                                               ConfabHistoryStore *history);
void                confab_server_set_web (ConfabServer       *self,
                                           ConfabWebRoot      *root,
                                           const char                *const *allowed_origins);
void                confab_server_set_statistics_func (ConfabServer        *self,
                                                       ConfabStatisticsFunc func,
                                                       gpointer             user_data);
const char * const *confab_server_get_listen_addresses (ConfabServer *self);

G_END_DECLS
