/* fuzz-ws-frame.c: the WebSocket frame decoder, fed whole and in pieces.
 *
 * Input: one byte chooses the message limit (0 to 1020 bytes), one byte
 * the number of cuts and that many bytes the chunk lengths; the rest is
 * what a client sends, fed to one decoder whole and to another in those
 * chunks, each chunk in a buffer of its exact size.
 *
 * Checked: both decoders see the same events with the same contents (how
 * the bytes arrive changes nothing); a message is within the limit,
 * NUL-terminated and UTF-8 (NUL allowed); a control payload is at most
 * 125 bytes; a close code is one RFC 6455 allows on the wire; nothing is
 * decoded after a failure; the decoder never holds more than the limit.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-ws-frame.h"
#include "fuzz-common.h"

#define MAX_CUTS 32

static gboolean
utf8_with_nul (const char *s,
               gsize       len)
{
  const char *end;

  while (!g_utf8_validate_len (s, len, &end))
    {
      if (*end != '\0')
        return FALSE;
      len -= end - s + 1;
      s = end + 1;
    }
  return TRUE;
}

/* Feeds @data in chunks (@n_cuts of @cuts, then the rest) and writes the
 * events to @out. */
static void
decode (const uint8_t *data,
        gsize          size,
        gsize          max_message,
        const gsize   *cuts,
        guint          n_cuts,
        GString       *out)
{
  ConfabWsDecoder decoder = { 0 };
  gsize           fed = 0;
  gboolean        failed = FALSE;

  for (guint i = 0; i <= n_cuts && !failed; i++)
    {
      gsize            chunk = i < n_cuts ? MIN (cuts[i], size - fed) : size - fed;
      g_autofree char *buf = g_malloc (MAX (chunk, 1));
      gsize            at = 0;

      memcpy (buf, data + fed, chunk);
      fed += chunk;
      while (at < chunk && !failed)
        {
          ConfabWsFrame frame = { 0 };
          gsize         used;
          ConfabWsEvent event = confab_ws_decoder_feed (&decoder, buf + at, chunk - at, max_message,
                                                        &used, &frame);

          CONFAB_FUZZ_CHECK (used <= chunk - at, "used %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                             used, chunk - at);
          at += used;
          CONFAB_FUZZ_CHECK (decoder.message_len <= max_message, "holds %" G_GSIZE_FORMAT " bytes",
                             decoder.message_len);
          switch (event)
            {
            case CONFAB_WS_MESSAGE:
              CONFAB_FUZZ_CHECK (frame.len <= max_message, "message of %" G_GSIZE_FORMAT, frame.len);
              CONFAB_FUZZ_CHECK (frame.data[frame.len] == '\0', "message not NUL-terminated");
              CONFAB_FUZZ_CHECK (utf8_with_nul (frame.data, frame.len), "message not UTF-8");
              g_string_append_printf (out, "M%" G_GSIZE_FORMAT ":", frame.len);
              g_string_append_len (out, frame.data, frame.len);
              break;
            case CONFAB_WS_PING:
            case CONFAB_WS_PONG:
              CONFAB_FUZZ_CHECK (frame.len <= CONFAB_WS_CONTROL_MAX, "control of %" G_GSIZE_FORMAT,
                                 frame.len);
              g_string_append_printf (out, "%c%" G_GSIZE_FORMAT ":", event == CONFAB_WS_PING ? 'P' : 'p',
                                      frame.len);
              g_string_append_len (out, frame.data, frame.len);
              break;
            case CONFAB_WS_CLOSE:
              CONFAB_FUZZ_CHECK (frame.code == CONFAB_WS_CLOSE_NO_STATUS ||
                                   (frame.code >= 1000 && frame.code <= 4999 && frame.code != 1004 &&
                                    frame.code != 1006 && frame.code != 1015),
                                 "close code %u", frame.code);
              g_string_append_printf (out, "C%u", frame.code);
              break;
            case CONFAB_WS_FAILED:
              g_string_append_printf (out, "F%u", frame.code);
              failed = TRUE;
              break;
            case CONFAB_WS_MORE:
            default:
              CONFAB_FUZZ_CHECK (at == chunk, "MORE with input left");
              break;
            }
        }
    }
  confab_ws_decoder_clear (&decoder);
}

int
confab_fuzz_ws_frame (const uint8_t *data,
                      size_t         size)
{
  ConfabFuzzInput in = { data, size };
  g_autoptr(GString) whole = g_string_new (NULL);
  g_autoptr(GString) pieces = g_string_new (NULL);
  gsize max_message;
  guint n_cuts;
  gsize cuts[MAX_CUTS];

  max_message = (gsize) confab_fuzz_take_byte (&in) * 4;
  n_cuts = confab_fuzz_take_byte (&in) % MAX_CUTS;
  for (guint i = 0; i < n_cuts; i++)
    cuts[i] = confab_fuzz_take_byte (&in);

  decode (in.data, in.size, max_message, NULL, 0, whole);
  decode (in.data, in.size, max_message, cuts, n_cuts, pieces);
  CONFAB_FUZZ_CHECK (g_string_equal (whole, pieces), "fed in pieces, the events differ");
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_ws_frame)
