/* confab-names.h: every well-known string of confab in one place.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#define CONFAB_DBUS_NAME         "org.confab.Confab1"
#define CONFAB_DBUS_PATH         "/org/confab/Confab1"
#define CONFAB_DBUS_INTERFACE    "org.confab.Confab1.Manager"
#define CONFAB_DBUS_ERROR_PREFIX "org.confab.Confab1.Error."

#define CONFAB_DEFAULT_PORT      8080
#define CONFAB_DEFAULT_LISTEN_V4 "127.0.0.1:8080"
#define CONFAB_DEFAULT_LISTEN_V6 "[::1]:8080"

/* The ws: doors' paths (SPEC §13): the WebSocket and the metrics page;
 * every other path is a file of the web root. */
#define CONFAB_WEB_CHAT_PATH    "/chat"
#define CONFAB_WEB_METRICS_PATH "/metrics"

/* The name broadcasts and server notices come from; '@' is reserved for it. */
#define CONFAB_SERVER_SENDER "@server"

/* Environment: a build tree's locale directory (development aid). */
#define CONFAB_ENV_LOCALEDIR "CONFAB_LOCALEDIR"

/* Structured log fields (journald indexes them). */
#define CONFAB_LOG_FIELD_PEER    "CONFAB_PEER"
#define CONFAB_LOG_FIELD_ADDRESS "CONFAB_ADDRESS"
#define CONFAB_LOG_FIELD_EVENT   "CONFAB_EVENT"
/* ... and of a D-Bus caller, on the audit lines */
#define CONFAB_LOG_FIELD_CALLER         "CONFAB_CALLER"
#define CONFAB_LOG_FIELD_CALLER_UID     "CONFAB_CALLER_UID"
#define CONFAB_LOG_FIELD_CALLER_PID     "CONFAB_CALLER_PID"
#define CONFAB_LOG_FIELD_CALLER_PROCESS "CONFAB_CALLER_PROCESS"

/* Peer-left reasons, as PeerLeft and the logs show them. */
#define CONFAB_REASON_QUIT          "quit"
#define CONFAB_REASON_ERROR         "connection error"
#define CONFAB_REASON_KICKED        "kicked"
#define CONFAB_REASON_SLOW_CONSUMER "slow consumer"
#define CONFAB_REASON_LINE_TOO_LONG "line too long"
#define CONFAB_REASON_SHUTDOWN      "server shutting down"
#define CONFAB_REASON_PING_TIMEOUT  "ping timeout"
