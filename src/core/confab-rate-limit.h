/* confab-rate-limit.h: a token bucket, with the time passed in.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/*
 * ConfabRateLimit:
 *
 * One peer's token bucket ([limits] rate_limit_messages_per_sec and
 * rate_limit_burst). It refills at @rate tokens a second up to @burst; each
 * message takes a token. A batch may take more tokens than the bucket
 * holds: the bucket then goes into debt, and the caller waits until
 * confab_rate_limit_get_delay() says a whole token is there again.
 *
 * The rate and the burst are passed to every call rather than stored, so
 * that a reload (SIGHUP) applies to buckets that already exist. Time is
 * passed in too (monotonic µs), so the logic is tested without sleeping.
 * Zero-initialised is a valid state: a bucket first used is full.
 */
typedef struct
{
  gint64   credit;    /* millionths of a token; negative: in debt */
  gint64   last_usec; /* when @credit was last brought up to date */
  gboolean started;   /* FALSE: never used, so full */
} ConfabRateLimit;

void   confab_rate_limit_take (ConfabRateLimit *self,
                               guint            rate,
                               guint            burst,
                               guint            n_tokens,
                               gint64           now_usec);
gint64 confab_rate_limit_get_delay (ConfabRateLimit *self,
                                    guint            rate,
                                    guint            burst,
                                    gint64           now_usec);

G_END_DECLS
