/* confab-auth-throttle.c: a growing delay per address after failed
 * password logins.
 *
 * Each failed password from a host (its address without the port: a
 * guesser opens new connections) doubles the wait before the next
 * password from it is checked: none before the first failure, then
 * 250 ms, 500 ms, 1 s, … up to 8 s. A host is forgotten 15 minutes after
 * its last failure; a success does not reset it, or a guesser with an
 * account of its own could reset it at will. The table is bounded: past
 * CONFAB_AUTH_THROTTLE_MAX_HOSTS the oldest hosts go, which only makes
 * the delay forget, never block anyone.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-auth-throttle.h"

#define BASE_DELAY_MS                  250
#define MAX_DELAY_MS                   8000
#define FORGET_USEC                    (15 * 60 * G_USEC_PER_SEC)
#define CONFAB_AUTH_THROTTLE_MAX_HOSTS 4096

typedef struct
{
  guint  failures;
  gint64 last_usec;
} HostRecord;

struct _ConfabAuthThrottle
{
  GHashTable *hosts; /* host → HostRecord */
};

ConfabAuthThrottle *
confab_auth_throttle_new (void)
{
  ConfabAuthThrottle *self = g_new0 (ConfabAuthThrottle, 1);

  self->hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return self;
}

void
confab_auth_throttle_free (ConfabAuthThrottle *self)
{
  if (self == NULL)
    return;
  g_hash_table_unref (self->hosts);
  g_free (self);
}

/**
 * confab_auth_throttle_host_of:
 * @address: a connection's address as confab shows it: "1.2.3.4:PORT",
 *   "[::1]:PORT" or "unix:uid=N"
 *
 * Returns: (transfer full): the host part, which failures are kept by
 */
char *
confab_auth_throttle_host_of (const char *address)
{
  const char *colon;

  if (address[0] == '[')
    {
      const char *close = strchr (address, ']');

      return close != NULL ? g_strndup (address + 1, close - address - 1) : g_strdup (address);
    }
  if (g_str_has_prefix (address, "unix:"))
    return g_strdup (address);
  colon = strrchr (address, ':');
  return colon != NULL ? g_strndup (address, colon - address) : g_strdup (address);
}

static HostRecord *
lookup (ConfabAuthThrottle *self,
        const char         *address,
        gint64              now_usec)
{
  g_autofree char *host = confab_auth_throttle_host_of (address);
  HostRecord      *record = g_hash_table_lookup (self->hosts, host);

  if (record != NULL && now_usec - record->last_usec > FORGET_USEC)
    {
      g_hash_table_remove (self->hosts, host);
      return NULL;
    }
  return record;
}

/* Returns: how long to wait before checking a password from @address */
guint
confab_auth_throttle_delay_ms (ConfabAuthThrottle *self,
                               const char         *address,
                               gint64              now_usec)
{
  HostRecord *record = lookup (self, address, now_usec);

  if (record == NULL || record->failures == 0)
    return 0;
  if (record->failures > 6)
    return MAX_DELAY_MS;
  return MIN ((guint) BASE_DELAY_MS << (record->failures - 1), (guint) MAX_DELAY_MS);
}

/* Drops the hosts whose last failure is the oldest, to make room. */
static void
make_room (ConfabAuthThrottle *self,
           gint64              now_usec)
{
  GHashTableIter iter;
  gpointer       value;
  gint64         cutoff = now_usec - FORGET_USEC;

  /* Forgotten ones first; if none, everything older than the median
   * age is as good a choice as any, and cheap: halve the cutoff window. */
  for (guint round = 0; round < 16 && g_hash_table_size (self->hosts) >= CONFAB_AUTH_THROTTLE_MAX_HOSTS;
       round++)
    {
      g_hash_table_iter_init (&iter, self->hosts);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        {
          if (((HostRecord *) value)->last_usec <= cutoff)
            g_hash_table_iter_remove (&iter);
        }
      cutoff += (now_usec - cutoff) / 2 + 1;
    }
}

void
confab_auth_throttle_failed (ConfabAuthThrottle *self,
                             const char         *address,
                             gint64              now_usec)
{
  HostRecord *record = lookup (self, address, now_usec);

  if (record == NULL)
    {
      if (g_hash_table_size (self->hosts) >= CONFAB_AUTH_THROTTLE_MAX_HOSTS)
        make_room (self, now_usec);
      record = g_new0 (HostRecord, 1);
      g_hash_table_insert (self->hosts, confab_auth_throttle_host_of (address), record);
    }
  if (record->failures < G_MAXUINT)
    record->failures++;
  record->last_usec = now_usec;
}
