/* confab-redis.c: a hiredis asynchronous connection on a GLib main
 * context (confab-redis.h).
 *
 * hiredis' GLib adapter (hiredis/adapters/glib.h) makes the GSource. One
 * thing is added to it: when hiredis frees the connection from within
 * the source's own dispatch (the peer hung up while a write was due
 * too), the adapter would go on to handle the read of the freed
 * connection, since the events it saw are still set. The cleanup hook,
 * which hiredis calls just before it frees the connection, forgets those
 * events and takes the source off its main context.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <hiredis/adapters/glib.h>
#include <string.h>

#include "confab-error.h"
#include "confab-redis.h"

static void
source_cleanup (gpointer data)
{
  RedisSource *source = data;

  redis_source_cleanup (data);
  source->poll_fd.revents = 0;
  source->ac = NULL;
  g_source_destroy ((GSource *) source);
}

/* "unix:PATH" or "HOST:PORT" ([cluster] redis): @path, or @host and
 * @port. */
gboolean
confab_redis_parse_address (const char *address,
                            char      **path,
                            char      **host,
                            guint      *port,
                            GError    **error)
{
  const char *colon;
  guint64     number = 0;

  *path = *host = NULL;
  if (g_str_has_prefix (address, "unix:"))
    {
      if (address[5] != '/')
        goto invalid;
      *path = g_strdup (address + 5);
      return TRUE;
    }
  colon = strrchr (address, ':');
  if (colon == NULL || colon == address ||
      !g_ascii_string_to_unsigned (colon + 1, 10, 1, 65535, &number, NULL))
    goto invalid;
  *host = g_strndup (address, (gsize) (colon - address));
  /* [::1]:6379 */
  if (**host == '[' && (*host)[strlen (*host) - 1] == ']')
    {
      char *inner = g_strndup (*host + 1, strlen (*host) - 2);

      g_free (*host);
      *host = inner;
    }
  *port = (guint) number;
  return TRUE;

invalid:
  g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_ADDRESS,
               "“%s” is not a Redis address (unix:/PATH or HOST:PORT)", address);
  return FALSE;
}

gboolean
confab_redis_check_address (const char *address,
                            GError    **error)
{
  g_autofree char *path = NULL;
  g_autofree char *host = NULL;
  guint            port = 0;

  return confab_redis_parse_address (address, &path, &host, &port, error);
}

/**
 * confab_redis_connect:
 * @address: "unix:/PATH" or "HOST:PORT"
 *
 * Starts connecting to Redis; the connect callback (set by the caller at
 * once, before the main loop runs) says how it went.
 *
 * Returns: (transfer full) (nullable): the connection, watched on
 *   @context, freed by hiredis (redisAsyncFree(), or on failure after
 *   the connect or disconnect callback); %NULL with @error if it could
 *   not even start
 */
redisAsyncContext *
confab_redis_connect (const char   *address,
                      GMainContext *context,
                      GError      **error)
{
  g_autofree char   *path = NULL;
  g_autofree char   *host = NULL;
  guint              port = 0;
  redisAsyncContext *ac;
  GSource           *source;

  if (!confab_redis_parse_address (address, &path, &host, &port, error))
    return NULL;
  ac = path != NULL ? redisAsyncConnectUnix (path) : redisAsyncConnect (host, (int) port);
  if (ac == NULL || ac->err != 0)
    {
      g_set_error (error, CONFAB_ERROR, CONFAB_ERROR_SERVICE_UNAVAILABLE,
                   "cannot connect to Redis at %s: %s", address,
                   ac != NULL ? ac->errstr : "out of memory");
      if (ac != NULL)
        redisAsyncFree (ac);
      return NULL;
    }
  source = redis_source_new (ac);
  ac->ev.cleanup = source_cleanup;
  g_source_set_name (source, "confab-redis");
  g_source_attach (source, context);
  g_source_unref (source);
  return ac;
}
