/* confab-systemd.h: the two small systemd protocols a service speaks —
 * sd_notify datagrams and LISTEN_FDS socket activation — without
 * libsystemd.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The first passed descriptor (SD_LISTEN_FDS_START). */
#define CONFAB_SYSTEMD_LISTEN_FDS_START 3

gboolean   confab_systemd_notify (const char *state,
                                  GError    **error);
gboolean   confab_systemd_parse_listen_env (const char *listen_pid,
                                            const char *listen_fds,
                                            GPid        own_pid,
                                            guint      *n_fds,
                                            GError    **error);
void       confab_systemd_claim_listen_env (void);
GPtrArray *confab_systemd_take_listen_sockets (GStrv   *names,
                                               GError **error);

G_END_DECLS
