/* confab-wire.c: the refusals more than one wire protocol sends.
 *
 * Their words go on the wire ("error: …" in text, "message" in JSON), so
 * they are written once, here, for every protocol.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-error.h"
#include "confab-validate.h"
#include "confab-wire.h"

/* CONFAB_ERROR_TOO_MANY_RECIPIENTS: the limit counts distinct names. */
void
confab_wire_set_too_many_recipients (GError **error,
                                     guint    max_recipients)
{
  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_TOO_MANY_RECIPIENTS,
               "too many recipients (limit %u)", max_recipients);
}

/*
 * confab_wire_set_invalid_recipient:
 * @name: a recipient that can never be a valid name; @len bytes, or -1
 *
 * CONFAB_ERROR_INVALID_NAME. The name is echoed only if it is text a peer
 * may see: a control character would reach a client's terminal or break
 * the error line, and a JSON string may decode to bytes that are not
 * UTF-8 (an unpaired surrogate escape).
 */
void
confab_wire_set_invalid_recipient (GError    **error,
                                   const char *name,
                                   gssize      len)
{
  gsize n = len < 0 ? strlen (name) : (gsize) len;

  if (confab_validate_text (name, n, NULL))
    g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME,
                 "invalid recipient name: %.*s", (int) n, name);
  else
    g_set_error_literal (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME,
                         "invalid recipient name");
}

/**
 * confab_wire_format_time:
 *
 * Returns: (transfer full): @timestamp_usec as RFC 3339 in UTC to the
 *   second, "2026-12-07T02:30:05Z": how the text protocol shows the time
 *   of a stored message
 */
char *
confab_wire_format_time (gint64 timestamp_usec)
{
  g_autoptr(GDateTime) time = g_date_time_new_from_unix_utc (timestamp_usec / G_USEC_PER_SEC);

  if (time == NULL)
    return g_strdup ("?");
  return g_date_time_format (time, "%Y-%m-%dT%H:%M:%SZ");
}
