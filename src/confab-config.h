/* confab-config.h: the daemon's configuration (a GKeyFile, SPEC §5).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Defaults of SPEC §5. */
#define CONFAB_DEFAULT_LINE_MAX_BYTES        4096
#define CONFAB_DEFAULT_RECIPIENTS_MAX        64
#define CONFAB_DEFAULT_PEERS_MAX             10000
#define CONFAB_DEFAULT_QUEUE_MAX_BYTES       (1024 * 1024)
#define CONFAB_DEFAULT_LOGIN_TIMEOUT_SEC     10
#define CONFAB_DEFAULT_SHUTDOWN_TIMEOUT_SEC  10

/*
 * ConfabConfig:
 *
 * A plain value: load a new one on SIGHUP and swap it in. File layout:
 *
 *   [server]
 *   listen=127.0.0.1:8080;[::1]:8080     (string list; optional)
 *
 *   [limits]
 *   line_max_bytes=4096        (64 .. 1048576)
 *   recipients_max=64          (1 .. 1024)
 *   peers_max=10000            (1 .. 1000000)
 *   queue_max_bytes=1048576    (4096 .. 1073741824)
 *   login_timeout_sec=10       (1 .. 3600)
 *   shutdown_timeout_sec=10    (1 .. 3600)
 *
 * Unknown groups or keys are a warning (logged, not fatal), so a newer
 * config file still loads; a value of the wrong type or out of range is an
 * error (CONFAB_ERROR_INVALID_CONFIG naming the file, group, key and range).
 */
typedef struct
{
  char  **listen;               /* (owned) (nullable): from [server] listen */
  guint   line_max_bytes;
  guint   recipients_max;
  guint   peers_max;
  guint   queue_max_bytes;
  guint   login_timeout_sec;
  guint   shutdown_timeout_sec;
} ConfabConfig;

ConfabConfig *confab_config_new_default (void);
ConfabConfig *confab_config_load_file   (const char    *path,
                                         GError       **error);
ConfabConfig *confab_config_load_data   (const char    *data,
                                         gsize          len,
                                         GError       **error);
ConfabConfig *confab_config_copy        (const ConfabConfig *self);
void          confab_config_free        (ConfabConfig  *self);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabConfig, confab_config_free)

G_END_DECLS
