/* confab-log.h: the operator's log lines about clients, rate-limited.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-rate-limit.h"

G_BEGIN_DECLS

#ifndef CONFAB_LOG_FIELD_REASON
#define CONFAB_LOG_FIELD_REASON "CONFAB_REASON"
#endif

/**
 * ConfabLogEvent:
 * @CONFAB_LOG_LOGIN_REFUSED: a login was refused (bad or taken name, ...)
 * @CONFAB_LOG_LINE_TOO_LONG: a connection sent a line past line_max_bytes
 * @CONFAB_LOG_SERVER_FULL: a connection was refused: peers_max
 * @CONFAB_LOG_LOGIN_TIMEOUT: a connection sent no name in time
 * @CONFAB_LOG_SLOW_CONSUMER: a peer was dropped as a slow consumer
 * @CONFAB_LOG_KICKED_CLOSED: a kicked peer's connection was closed
 * @CONFAB_LOG_BROADCAST: an administrator broadcast (audit)
 * @CONFAB_LOG_KICK: an administrator kicked a peer (audit)
 * @CONFAB_LOG_CALL_REFUSED: a D-Bus call was refused (audit)
 *
 * Each kind of line has a budget of its own, so a flood of one kind
 * neither floods the journal nor hides the others.
 */
typedef enum
{
  CONFAB_LOG_LOGIN_REFUSED,
  CONFAB_LOG_LINE_TOO_LONG,
  CONFAB_LOG_SERVER_FULL,
  CONFAB_LOG_LOGIN_TIMEOUT,
  CONFAB_LOG_SLOW_CONSUMER,
  CONFAB_LOG_KICKED_CLOSED,
  CONFAB_LOG_BROADCAST,
  CONFAB_LOG_KICK,
  CONFAB_LOG_CALL_REFUSED,
  CONFAB_LOG_N_EVENTS,
} ConfabLogEvent;

/* Lines of one kind allowed at once, and per second after that. */
#define CONFAB_LOG_BURST   10
#define CONFAB_LOG_PER_SEC 1

/*
 * ConfabLogLimiter:
 * Zero-initialised is a valid state (every budget full).
 */
typedef struct
{
  ConfabRateLimit bucket[CONFAB_LOG_N_EVENTS];
  guint           suppressed[CONFAB_LOG_N_EVENTS];
} ConfabLogLimiter;

void confab_log_event (ConfabLogLimiter *limiter,
                       ConfabLogEvent    event,
                       gint64            now_usec,
                       const char       *peer,
                       const char       *address,
                       const char       *reason,
                       const char       *format,
                       ...) G_GNUC_PRINTF (7, 8);

void confab_log_event_with_fields (ConfabLogLimiter *limiter,
                                   ConfabLogEvent    event,
                                   gint64            now_usec,
                                   const char       *peer,
                                   const char       *address,
                                   const char       *reason,
                                   const GLogField  *extra,
                                   gsize             n_extra,
                                   const char       *format,
                                   ...) G_GNUC_PRINTF (9, 10);

G_END_DECLS
