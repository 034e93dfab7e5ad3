/* confab-peer-http.c: a ws: connection before its upgrade, one HTTP
 * request (SPEC §13).
 *
 * The connection is a ConfabPeer from its accept on, like every other:
 * the poller reads it, its login timeout bounds the request too (a client
 * that sends half a request is closed like one that never logs in), TLS
 * comes first on a wss: door, and the answer goes out through the same
 * output as any line. libsoup does the HTTP: the request is parsed by
 * soup_headers_parse_request() into SoupMessageHeaders, the answer's
 * headers are a SoupMessageHeaders too. Why not a SoupServer with
 * soup_server_accept_iostream(): it would read and write the connection
 * with GSources of its own, outside the poller and the limits, and its
 * WebSocket handshake check takes a SoupServerMessage, which only a
 * SoupServer can make; a stolen connection would also have to hand back
 * what its buffered streams read ahead. So the handshake is checked here
 * (RFC 6455 §4.2), in a few lines.
 *
 *   GET /chat     a WebSocket handshake: 101, and the connection speaks
 *                 WebSocket frames (confab-peer-ws.c) carrying JSON lines
 *   GET /metrics  GetStatistics in the Prometheus text format
 *   GET /...      a file of the web root (confab-web-root.c); HEAD too
 *
 * One request per connection ("Connection: close"): a browser opens
 * another for the next file, and nothing stays open without a login.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include <libsoup/soup.h>

#include "confab-metrics.h"
#include "confab-names.h"
#include "confab-peer-private.h"
#include "confab-web-root.h"

/* A browser's request with its cookies fits easily; more is refused. */
#define HTTP_REQUEST_MAX (16 * 1024)
/* Statuses libsoup 3.2 has no names for (RFC 9110, RFC 6585). */
#define HTTP_UPGRADE_REQUIRED        426
#define HTTP_HEADER_FIELDS_TOO_LARGE 431
/* RFC 6455 §1.3: what the key is hashed with. */
#define WS_ACCEPT_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

static const char *
status_phrase (guint status)
{
  if (status == HTTP_UPGRADE_REQUIRED)
    return "Upgrade Required";
  if (status == HTTP_HEADER_FIELDS_TOO_LARGE)
    return "Request Header Fields Too Large";
  return soup_status_get_phrase (status);
}

static void
append_header_cb (const char *name,
                  const char *value,
                  gpointer    user_data)
{
  g_string_append_printf (user_data, "%s: %s\r\n", name, value);
}

/* Queues the whole answer on the connection, ahead of anything else. */
static void
respond (ConfabPeer         *self,
         guint               status,
         SoupMessageHeaders *headers,
         GBytes             *body,
         gboolean            head_only)
{
  g_autoptr(GString) out = g_string_new (NULL);
  g_autoptr(GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *date = soup_date_time_to_string (now, SOUP_DATE_HTTP);
  gsize            size = body != NULL ? g_bytes_get_size (body) : 0;

  g_string_append_printf (out, "HTTP/1.1 %u %s\r\n", status, status_phrase (status));
  soup_message_headers_replace (headers, "Date", date);
  soup_message_headers_replace (headers, "Server", PACKAGE_NAME);
  if (status != SOUP_STATUS_SWITCHING_PROTOCOLS)
    {
      soup_message_headers_set_content_length (headers, size);
      soup_message_headers_replace (headers, "Connection", "close");
      soup_message_headers_replace (headers, "X-Content-Type-Options", "nosniff");
    }
  soup_message_headers_foreach (headers, append_header_cb, out);
  g_string_append (out, "\r\n");
  confab_peer_output_append (self, out->str, out->len);
  /* The body is sent from its own bytes (confab-peer-output.c). */
  if (body != NULL && !head_only && size > 0)
    {
      g_assert (self->http_body == NULL);
      self->http_body = g_bytes_ref (body);
      self->http_body_off = 0;
    }
  confab_peer_schedule_flush (self);
}

/* An error page: its status and phrase, as plain text. */
static void
respond_error (ConfabPeer *self,
               guint       status,
               const char *allow,
               gboolean    head_only)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autofree char *text = g_strdup_printf ("%u %s\n", status, status_phrase (status));
  g_autoptr(GBytes) body = g_bytes_new_take (text, strlen (text));

  g_steal_pointer (&text);
  soup_message_headers_set_content_type (headers, "text/plain; charset=utf-8", NULL);
  if (allow != NULL)
    soup_message_headers_replace (headers, "Allow", allow);
  if (status == HTTP_UPGRADE_REQUIRED)
    {
      soup_message_headers_replace (headers, "Upgrade", "websocket");
      soup_message_headers_replace (headers, "Sec-WebSocket-Version", "13");
    }
  respond (self, status, headers, body, head_only);
}

/* ---- origin ---------------------------------------------------------- */

/* Whether a page from @origin may open a WebSocket here: a client that
 * sends no Origin is no browser and is let in (a browser always sends
 * it on a WebSocket handshake); a page of this server (its origin is the
 * request's Host, in the scheme of the door) is; and so is every origin
 * [web] allowed_origins lists ("*": all). */
static gboolean
origin_allowed (ConfabPeer         *self,
                SoupMessageHeaders *request)
{
  const char *origin = soup_message_headers_get_one (request, "Origin");
  const char *host = soup_message_headers_get_one (request, "Host");
  const char *scheme = self->tls != NULL ? "https://" : "http://";

  if (origin == NULL)
    return TRUE;
  if (host != NULL && g_str_has_prefix (origin, scheme) &&
      g_ascii_strcasecmp (origin + strlen (scheme), host) == 0)
    return TRUE;
  for (char **allowed = self->host->allowed_origins; allowed != NULL && *allowed != NULL; allowed++)
    {
      if (g_str_equal (*allowed, "*") || g_ascii_strcasecmp (*allowed, origin) == 0)
        return TRUE;
    }
  return FALSE;
}

/* ---- the routes ------------------------------------------------------ */

/* RFC 6455 §4.2.1: what a handshake must say. Returns 0 if it is one,
 * else the status to refuse it with. */
static guint
check_handshake (const char         *method,
                 SoupHTTPVersion     version,
                 SoupMessageHeaders *request)
{
  const char        *key = soup_message_headers_get_one (request, "Sec-WebSocket-Key");
  g_autofree guchar *decoded = NULL;
  gsize              decoded_len = 0;

  if (!g_str_equal (method, "GET"))
    return SOUP_STATUS_METHOD_NOT_ALLOWED;
  if (version < SOUP_HTTP_1_1 ||
      !soup_message_headers_header_contains (request, "Upgrade", "websocket") ||
      !soup_message_headers_header_contains (request, "Connection", "upgrade"))
    return HTTP_UPGRADE_REQUIRED;
  if (!soup_message_headers_header_equals (request, "Sec-WebSocket-Version", "13"))
    return HTTP_UPGRADE_REQUIRED;
  if (key == NULL)
    return SOUP_STATUS_BAD_REQUEST;
  decoded = g_base64_decode (key, &decoded_len);
  if (decoded_len != 16)
    return SOUP_STATUS_BAD_REQUEST;
  return 0;
}

static ConfabHttpStatus
serve_chat (ConfabPeer         *self,
            const char         *method,
            SoupHTTPVersion     version,
            SoupMessageHeaders *request)
{
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GChecksum) sha1 = NULL;
  guint8           digest[20];
  gsize            digest_len = sizeof digest;
  g_autofree char *accept = NULL;
  guint            refused = check_handshake (method, version, request);

  if (refused == 0 && !origin_allowed (self, request))
    {
      g_debug ("refused a WebSocket from %s: origin %s", self->address,
               soup_message_headers_get_one (request, "Origin"));
      refused = SOUP_STATUS_FORBIDDEN;
    }
  if (refused != 0)
    {
      self->host->stats.websocket_upgrades_refused++;
      respond_error (self, refused, refused == SOUP_STATUS_METHOD_NOT_ALLOWED ? "GET" : NULL, FALSE);
      return CONFAB_HTTP_ANSWERED;
    }

  sha1 = g_checksum_new (G_CHECKSUM_SHA1);
  g_checksum_update (sha1, (const guchar *) soup_message_headers_get_one (request, "Sec-WebSocket-Key"), -1);
  g_checksum_update (sha1, (const guchar *) WS_ACCEPT_GUID, -1);
  g_checksum_get_digest (sha1, digest, &digest_len);
  accept = g_base64_encode (digest, digest_len);

  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  soup_message_headers_replace (headers, "Upgrade", "websocket");
  soup_message_headers_replace (headers, "Connection", "Upgrade");
  soup_message_headers_replace (headers, "Sec-WebSocket-Accept", accept);
  respond (self, SOUP_STATUS_SWITCHING_PROTOCOLS, headers, NULL, FALSE);
  self->host->stats.websocket_upgrades++;
  return CONFAB_HTTP_UPGRADED;
}

static void
serve_metrics (ConfabPeer *self,
               gboolean    head_only)
{
  g_autoptr(SoupMessageHeaders) headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  g_autoptr(GVariant) statistics = self->host->statistics_func (self->host->statistics_data);
  char *text = confab_metrics_format (statistics);
  g_autoptr(GBytes) body = g_bytes_new_take (text, strlen (text));

  soup_message_headers_set_content_type (headers, CONFAB_METRICS_CONTENT_TYPE, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-store");
  respond (self, SOUP_STATUS_OK, headers, body, head_only);
}

static void
serve_file (ConfabPeer *self,
            const char *path,
            gboolean    head_only)
{
  g_autoptr(SoupMessageHeaders) headers = NULL;
  g_autoptr(GBytes) body = NULL;
  const char *content_type = NULL;

  if (self->host->web_root != NULL)
    body = confab_web_root_lookup (self->host->web_root, path, &content_type);
  if (body == NULL)
    {
      respond_error (self, SOUP_STATUS_NOT_FOUND, NULL, head_only);
      return;
    }
  headers = soup_message_headers_new (SOUP_MESSAGE_HEADERS_RESPONSE);
  soup_message_headers_set_content_type (headers, content_type, NULL);
  soup_message_headers_replace (headers, "Cache-Control", "no-cache");
  respond (self, SOUP_STATUS_OK, headers, body, head_only);
}

/* One whole request, @len bytes up to and with its blank line. */
static ConfabHttpStatus
serve (ConfabPeer *self,
       const char *text,
       gsize       len)
{
  g_autoptr(SoupMessageHeaders) request = soup_message_headers_new (SOUP_MESSAGE_HEADERS_REQUEST);
  g_autofree char *method = NULL;
  g_autofree char *target = NULL;
  SoupHTTPVersion  version;
  guint            status;
  char            *query;
  gboolean         head_only;

  self->host->stats.http_requests++;
  status = soup_headers_parse_request (text, len, request, &method, &target, &version);
  if (status != SOUP_STATUS_OK)
    {
      respond_error (self, status, NULL, FALSE);
      return CONFAB_HTTP_ANSWERED;
    }
  /* The path alone: a query means nothing here. */
  query = strpbrk (target, "?#");
  if (query != NULL)
    *query = '\0';
  g_debug ("%s from %s: %s %s", self->tls != NULL ? "HTTPS" : "HTTP", self->address, method, target);

  if (g_str_equal (target, CONFAB_WEB_CHAT_PATH))
    return serve_chat (self, method, version, request);

  head_only = g_str_equal (method, "HEAD");
  if (!head_only && !g_str_equal (method, "GET"))
    respond_error (self, SOUP_STATUS_METHOD_NOT_ALLOWED, "GET, HEAD", FALSE);
  else if (g_str_equal (target, CONFAB_WEB_METRICS_PATH))
    serve_metrics (self, head_only);
  else if (target[0] != '/')
    respond_error (self, SOUP_STATUS_NOT_FOUND, NULL, head_only);
  else
    serve_file (self, target, head_only);
  return CONFAB_HTTP_ANSWERED;
}

/* Returns: the length of the request up to and with its blank line, or
 *   0 if it is not all there; from @from on (what was searched before) */
static gsize
find_end (const char *data,
          gsize       len,
          gsize       from)
{
  for (gsize i = from >= 3 ? from - 3 : 0; i + 4 <= len; i++)
    {
      if (memcmp (data + i, "\r\n\r\n", 4) == 0)
        return i + 4;
    }
  return 0;
}

/**
 * confab_peer_http_feed:
 * @used: (out): how many bytes of @data were the request; after an
 *   upgrade the rest are WebSocket frames
 *
 * Reads the request; answers it once it is whole.
 *
 * Returns: MORE while it is not whole; ANSWERED when an answer is queued
 *   and the connection is to close after it; UPGRADED when the 101 is
 *   queued and the connection now speaks WebSocket
 */
ConfabHttpStatus
confab_peer_http_feed (ConfabPeer *self,
                       const char *data,
                       gsize       len,
                       gsize      *used)
{
  GByteArray *request = self->http_request;
  gsize       before;
  gsize       end;

  /* Most requests come in one read: served from the read buffer. */
  if (request == NULL)
    {
      end = find_end (data, MIN (len, HTTP_REQUEST_MAX), 0);
      if (end > 0)
        {
          *used = end;
          return serve (self, data, end);
        }
      request = self->http_request = g_byte_array_new ();
    }

  before = request->len;
  g_byte_array_append (request, (const guint8 *) data, MIN (len, HTTP_REQUEST_MAX + 1 - before));
  end = find_end ((const char *) request->data, MIN (request->len, HTTP_REQUEST_MAX), before);
  if (end == 0)
    {
      *used = len;
      if (request->len <= HTTP_REQUEST_MAX)
        return CONFAB_HTTP_MORE;
      self->host->stats.http_requests++;
      respond_error (self, HTTP_HEADER_FIELDS_TOO_LARGE, NULL, FALSE);
      return CONFAB_HTTP_ANSWERED;
    }
  *used = end - before;
  return serve (self, (const char *) request->data, end);
}

/* The request's buffer goes: answered, upgraded or closed. */
void
confab_peer_http_clear (ConfabPeer *self)
{
  g_clear_pointer (&self->http_request, g_byte_array_unref);
}

/* The answer a connection that closes while still reading its request
 * gets instead of an error line (which is no HTTP). */
void
confab_peer_http_refuse (ConfabPeer       *self,
                         ConfabCloseReason reason)
{
  guint status;

  switch (reason)
    {
    case CONFAB_CLOSE_LOGIN_TIMEOUT:
      status = SOUP_STATUS_REQUEST_TIMEOUT;
      break;
    case CONFAB_CLOSE_SERVER_FULL:
    case CONFAB_CLOSE_SHUTDOWN:
      status = SOUP_STATUS_SERVICE_UNAVAILABLE;
      break;
    default:
      return;
    }
  respond_error (self, status, NULL, FALSE);
}
