/* confab-log.c: the operator's log lines about clients, rate-limited.
 *
 * At the default level an administrator sees one line per refused login,
 * overlong line, full server, login timeout, slow consumer and kicked
 * peer's close, each with journal fields CONFAB_PEER, CONFAB_ADDRESS,
 * CONFAB_REASON and CONFAB_EVENT; and the audit lines of the D-Bus
 * interface (broadcast, kick, refused call), which add their caller's
 * fields. Clients cause these lines, so a client could flood the journal
 * with them: each kind has a token bucket
 * (CONFAB_LOG_BURST at once, then CONFAB_LOG_PER_SEC), and the lines
 * over it are counted and reported as one "N similar messages
 * suppressed" line before the next line of that kind.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <stdarg.h>

#include "confab-log.h"
#include "confab-names.h"

/* The CONFAB_EVENT value of each kind. */
static const char * const event_names[CONFAB_LOG_N_EVENTS] = {
  [CONFAB_LOG_LOGIN_REFUSED] = "login-refused",
  [CONFAB_LOG_LINE_TOO_LONG] = "line-too-long",
  [CONFAB_LOG_SERVER_FULL] = "server-full",
  [CONFAB_LOG_LOGIN_TIMEOUT] = "login-timeout",
  [CONFAB_LOG_SLOW_CONSUMER] = "slow-consumer",
  [CONFAB_LOG_KICKED_CLOSED] = "kicked-closed",
  [CONFAB_LOG_BROADCAST] = "broadcast",
  [CONFAB_LOG_KICK] = "kick",
  [CONFAB_LOG_CALL_REFUSED] = "call-refused",
};

/* The fixed fields, then the caller's extra ones. */
#define N_FIXED_FIELDS   7
#define MAX_EXTRA_FIELDS 8

static void
write_line (ConfabLogEvent   event,
            const char      *peer,
            const char      *address,
            const char      *reason,
            const GLogField *extra,
            gsize            n_extra,
            const char      *message)
{
  GLogField fields[N_FIXED_FIELDS + MAX_EXTRA_FIELDS] = {
    { "GLIB_DOMAIN", G_LOG_DOMAIN, -1 },
    { "PRIORITY", "5", -1 }, /* G_LOG_LEVEL_MESSAGE: notice */
    { "MESSAGE", message, -1 },
    { CONFAB_LOG_FIELD_EVENT, event_names[event], -1 },
    { CONFAB_LOG_FIELD_PEER, peer != NULL ? peer : "", -1 },
    { CONFAB_LOG_FIELD_ADDRESS, address != NULL ? address : "", -1 },
    { CONFAB_LOG_FIELD_REASON, reason != NULL ? reason : "", -1 },
  };

  for (gsize i = 0; i < n_extra; i++)
    fields[N_FIXED_FIELDS + i] = extra[i];
  g_log_structured_array (G_LOG_LEVEL_MESSAGE, fields, N_FIXED_FIELDS + n_extra);
}

static void
log_event_valist (ConfabLogLimiter *limiter,
                  ConfabLogEvent    event,
                  gint64            now_usec,
                  const char       *peer,
                  const char       *address,
                  const char       *reason,
                  const GLogField  *extra,
                  gsize             n_extra,
                  const char       *format,
                  va_list           args) G_GNUC_PRINTF (9, 0);

static void
log_event_valist (ConfabLogLimiter *limiter,
                  ConfabLogEvent    event,
                  gint64            now_usec,
                  const char       *peer,
                  const char       *address,
                  const char       *reason,
                  const GLogField  *extra,
                  gsize             n_extra,
                  const char       *format,
                  va_list           args)
{
  g_autofree char *message = NULL;

  if (confab_rate_limit_get_delay (&limiter->bucket[event], CONFAB_LOG_PER_SEC,
                                   CONFAB_LOG_BURST, now_usec) > 0)
    {
      limiter->suppressed[event]++;
      return;
    }
  confab_rate_limit_take (&limiter->bucket[event], CONFAB_LOG_PER_SEC,
                          CONFAB_LOG_BURST, 1, now_usec);

  if (limiter->suppressed[event] > 0)
    {
      guint            n = limiter->suppressed[event];
      g_autofree char *note = g_strdup_printf ("%u similar %s suppressed (%s)", n,
                                               n == 1 ? "message" : "messages",
                                               event_names[event]);

      write_line (event, NULL, NULL, NULL, NULL, 0, note);
      limiter->suppressed[event] = 0;
    }

  message = g_strdup_vprintf (format, args);
  write_line (event, peer, address, reason, extra, n_extra, message);
}

/**
 * confab_log_event:
 * @now_usec: the current monotonic time
 * @peer: (nullable): the peer's name, if it has one
 * @address: (nullable): its remote address
 * @reason: (nullable): why, in the words the client was told
 * @format: the message, printf-style
 *
 * Logs one line of kind @event at the default level, unless that kind is
 * over its budget; then it is only counted.
 */
void
confab_log_event (ConfabLogLimiter *limiter,
                  ConfabLogEvent    event,
                  gint64            now_usec,
                  const char       *peer,
                  const char       *address,
                  const char       *reason,
                  const char       *format,
                  ...)
{
  va_list args;

  g_return_if_fail (limiter != NULL);
  g_return_if_fail (event < CONFAB_LOG_N_EVENTS);
  g_return_if_fail (format != NULL);

  va_start (args, format);
  log_event_valist (limiter, event, now_usec, peer, address, reason, NULL, 0, format, args);
  va_end (args);
}

/**
 * confab_log_event_with_fields:
 * @extra: (array length=n_extra): more journal fields, such as the
 *   caller of a D-Bus call
 * @n_extra: at most 8
 *
 * As confab_log_event(), with @extra added to the line's fields.
 */
void
confab_log_event_with_fields (ConfabLogLimiter *limiter,
                              ConfabLogEvent    event,
                              gint64            now_usec,
                              const char       *peer,
                              const char       *address,
                              const char       *reason,
                              const GLogField  *extra,
                              gsize             n_extra,
                              const char       *format,
                              ...)
{
  va_list args;

  g_return_if_fail (limiter != NULL);
  g_return_if_fail (event < CONFAB_LOG_N_EVENTS);
  g_return_if_fail (n_extra <= MAX_EXTRA_FIELDS && (extra != NULL || n_extra == 0));
  g_return_if_fail (format != NULL);

  va_start (args, format);
  log_event_valist (limiter, event, now_usec, peer, address, reason, extra, n_extra,
                    format, args);
  va_end (args);
}
