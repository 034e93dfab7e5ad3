/* test-ws-frame.c: the WebSocket frame decoder and encoder (src/proto),
 * without sockets: a table of client streams, each fed whole and a byte
 * at a time, and what the decoder must make of it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-codec.h"
#include "confab-ws-frame.h"

#define MAX_MESSAGE 64

/* Appends one client frame: @flags is FIN and RSV bits with the opcode;
 * masked unless @unmasked. @len_form forces a length encoding (0: the
 * shortest, 126 or 127: that one). */
static void
add_frame_full (GByteArray *out,
                guint8      flags,
                const char *payload,
                gsize       len,
                gboolean    unmasked,
                guint       len_form)
{
  static const guint8 mask[4] = { 0x37, 0xfa, 0x21, 0x3d };
  guint8              b1 = unmasked ? 0 : 0x80;

  g_byte_array_append (out, &flags, 1);
  if (len_form == 127 || (len_form == 0 && len > 0xFFFF))
    {
      guint8 ext[8];

      b1 |= 127;
      for (guint i = 0; i < 8; i++)
        ext[i] = ((guint64) len >> (56 - 8 * i)) & 0xFF;
      g_byte_array_append (out, &b1, 1);
      g_byte_array_append (out, ext, 8);
    }
  else if (len_form == 126 || (len_form == 0 && len >= 126))
    {
      guint8 ext[2] = { len >> 8, len & 0xFF };

      b1 |= 126;
      g_byte_array_append (out, &b1, 1);
      g_byte_array_append (out, ext, 2);
    }
  else
    {
      b1 |= len;
      g_byte_array_append (out, &b1, 1);
    }
  if (!unmasked)
    g_byte_array_append (out, mask, 4);
  for (gsize i = 0; i < len && payload != NULL; i++)
    {
      guint8 c = payload[i] ^ (unmasked ? 0 : mask[i & 3]);

      g_byte_array_append (out, &c, 1);
    }
}

static void
add_frame (GByteArray *out,
           guint8      flags,
           const char *payload)
{
  add_frame_full (out, flags, payload, strlen (payload), FALSE, 0);
}

#define FIN 0x80

/* Feeds @data (in pieces of @step bytes, 0: whole) and writes what came
 * out as one line per event: "message TEXT", "ping TEXT", "pong",
 * "close CODE REASON", "failed CODE". Stops at the first failure. */
static char *
decode_all (const guint8 *data,
            gsize         len,
            gsize         step)
{
  ConfabWsDecoder decoder = { 0 };
  GString        *out = g_string_new (NULL);
  gsize           off = 0;

  while (off < len)
    {
      gsize piece = step == 0 ? len - off : MIN (step, len - off);
      gsize at = 0;

      while (at < piece)
        {
          ConfabWsFrame frame = { 0 };
          gsize         used;
          ConfabWsEvent event = confab_ws_decoder_feed (&decoder, (const char *) data + off + at,
                                                        piece - at, MAX_MESSAGE, &used, &frame);

          g_assert_cmpuint (used, <=, piece - at);
          at += used;
          switch (event)
            {
            case CONFAB_WS_MESSAGE:
              g_assert_cmpint (frame.data[frame.len], ==, '\0');
              g_string_append_printf (out, "message %.*s\n", (int) frame.len, frame.data);
              break;
            case CONFAB_WS_PING:
              g_string_append_printf (out, "ping %.*s\n", (int) frame.len, frame.data);
              break;
            case CONFAB_WS_PONG:
              g_string_append (out, "pong\n");
              break;
            case CONFAB_WS_CLOSE:
              g_string_append_printf (out, "close %u %.*s\n", frame.code, (int) frame.len, frame.data);
              break;
            case CONFAB_WS_FAILED:
              g_string_append_printf (out, "failed %u\n", frame.code);
              confab_ws_decoder_clear (&decoder);
              return g_string_free (out, FALSE);
            case CONFAB_WS_MORE:
            default:
              g_assert_cmpuint (at, ==, piece);
              break;
            }
        }
      off += piece;
    }
  if (confab_ws_decoder_has_pending (&decoder))
    g_string_append (out, "pending\n");
  confab_ws_decoder_clear (&decoder);
  return g_string_free (out, FALSE);
}

typedef struct
{
  const char *name;
  void (*build) (GByteArray *out);
  const char *expected;
} Case;

static void
build_text (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_TEXT, "{\"type\":\"peers\"}");
  add_frame (out, FIN | CONFAB_WS_OPCODE_TEXT, "");
}

static void
build_fragments (GByteArray *out)
{
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "hel");
  /* A ping between fragments is allowed and answered at once. */
  add_frame (out, FIN | CONFAB_WS_OPCODE_PING, "p1");
  add_frame (out, CONFAB_WS_OPCODE_CONTINUATION, "");
  add_frame (out, FIN | CONFAB_WS_OPCODE_CONTINUATION, "lo");
}

static void
build_utf8_split (GByteArray *out)
{
  /* "grün" with the ü (C3 BC) cut between two fragments. */
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "gr\xc3");
  add_frame (out, FIN | CONFAB_WS_OPCODE_CONTINUATION, "\xbcn");
}

static void
build_utf8_bad_split (GByteArray *out)
{
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "gr\xc3");
  add_frame (out, FIN | CONFAB_WS_OPCODE_CONTINUATION, "(n");
}

static void
build_utf8_bad_early (GByteArray *out)
{
  /* Known to be bad in the first fragment: no need to wait for the end. */
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "\xff");
}

static void
build_utf8_unfinished (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_TEXT, "gr\xc3");
}

static void
build_unmasked (GByteArray *out)
{
  add_frame_full (out, FIN | CONFAB_WS_OPCODE_TEXT, "hi", 2, TRUE, 0);
}

static void
build_binary (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_BINARY, "\x01\x02");
}

static void
build_reserved (GByteArray *out)
{
  add_frame (out, FIN | 0x40 | CONFAB_WS_OPCODE_TEXT, "hi");
}

static void
build_unknown_opcode (GByteArray *out)
{
  add_frame (out, FIN | 0x3, "hi");
}

static void
build_unknown_control (GByteArray *out)
{
  add_frame (out, FIN | 0xB, "");
}

static void
build_control_long (GByteArray *out)
{
  char payload[126];

  memset (payload, 'p', sizeof payload);
  add_frame_full (out, FIN | CONFAB_WS_OPCODE_PING, payload, sizeof payload, FALSE, 0);
}

static void
build_control_fragmented (GByteArray *out)
{
  add_frame (out, CONFAB_WS_OPCODE_PING, "p");
}

static void
build_continuation_alone (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_CONTINUATION, "x");
}

static void
build_message_in_message (GByteArray *out)
{
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "a");
  add_frame (out, FIN | CONFAB_WS_OPCODE_TEXT, "b");
}

static void
build_too_big (GByteArray *out)
{
  char payload[MAX_MESSAGE + 1];

  memset (payload, 'x', sizeof payload);
  add_frame_full (out, FIN | CONFAB_WS_OPCODE_TEXT, payload, sizeof payload, FALSE, 0);
}

static void
build_exactly_max (GByteArray *out)
{
  char payload[MAX_MESSAGE];

  memset (payload, 'x', sizeof payload);
  add_frame_full (out, FIN | CONFAB_WS_OPCODE_TEXT, payload, sizeof payload, FALSE, 0);
}

static void
build_fragments_too_big (GByteArray *out)
{
  /* Each fragment is small; together they pass the limit. */
  for (guint i = 0; i < 7; i++)
    add_frame (out, i == 0 ? CONFAB_WS_OPCODE_TEXT : CONFAB_WS_OPCODE_CONTINUATION, "0123456789");
}

static void
build_fragment_flood (GByteArray *out)
{
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "");
  for (guint i = 0; i < CONFAB_WS_FRAGMENTS_MAX + 1; i++)
    add_frame (out, CONFAB_WS_OPCODE_CONTINUATION, "");
}

static void
build_length_64 (GByteArray *out)
{
  /* A 64-bit length with the top bit set, and no payload to follow. */
  static const guint8 head[] = { FIN | CONFAB_WS_OPCODE_TEXT, 0x80 | 127,
                                 0x80, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4 };

  g_byte_array_append (out, head, sizeof head);
}

static void
build_length_huge (GByteArray *out)
{
  /* 2^40 bytes announced: refused from the header, nothing allocated. */
  static const guint8 head[] = { FIN | CONFAB_WS_OPCODE_TEXT, 0x80 | 127,
                                 0, 0, 0x01, 0, 0, 0, 0, 0, 1, 2, 3, 4 };

  g_byte_array_append (out, head, sizeof head);
}

static void
build_length_not_shortest (GByteArray *out)
{
  add_frame_full (out, FIN | CONFAB_WS_OPCODE_TEXT, "hi", 2, FALSE, 126);
}

static void
build_length_not_shortest_64 (GByteArray *out)
{
  add_frame_full (out, FIN | CONFAB_WS_OPCODE_TEXT, "hi", 2, FALSE, 127);
}

static void
build_close_code (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_CLOSE, "\x03\xe8"
                                                "bye");
}

static void
build_close_empty (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_CLOSE, "");
}

static void
build_close_one_byte (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_CLOSE, "\x03");
}

static void
build_close_bad_code (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_CLOSE, "\x03\xed");
}

static void
build_close_bad_reason (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_CLOSE, "\x03\xe8\xff");
}

static void
build_pong (GByteArray *out)
{
  add_frame (out, FIN | CONFAB_WS_OPCODE_PONG, "late");
  add_frame (out, FIN | CONFAB_WS_OPCODE_TEXT, "after");
}

static void
build_cut (GByteArray *out)
{
  add_frame (out, CONFAB_WS_OPCODE_TEXT, "half");
}

static const Case cases[] = {
  { "text", build_text, "message {\"type\":\"peers\"}\nmessage \n" },
  { "fragments", build_fragments, "ping p1\nmessage hello\n" },
  { "utf8-split", build_utf8_split, "message gr\xc3\xbcn\n" },
  { "utf8-bad-split", build_utf8_bad_split, "failed 1007\n" },
  { "utf8-bad-early", build_utf8_bad_early, "failed 1007\n" },
  { "utf8-unfinished", build_utf8_unfinished, "failed 1007\n" },
  { "unmasked", build_unmasked, "failed 1002\n" },
  { "binary", build_binary, "failed 1003\n" },
  { "reserved-bits", build_reserved, "failed 1002\n" },
  { "unknown-opcode", build_unknown_opcode, "failed 1002\n" },
  { "unknown-control", build_unknown_control, "failed 1002\n" },
  { "control-too-long", build_control_long, "failed 1002\n" },
  { "control-fragmented", build_control_fragmented, "failed 1002\n" },
  { "continuation-alone", build_continuation_alone, "failed 1002\n" },
  { "message-in-message", build_message_in_message, "failed 1002\n" },
  { "too-big", build_too_big, "failed 1009\n" },
  { "exactly-max", build_exactly_max,
    "message xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n" },
  { "fragments-too-big", build_fragments_too_big, "failed 1009\n" },
  { "fragment-flood", build_fragment_flood, "failed 1009\n" },
  { "length-64-top-bit", build_length_64, "failed 1002\n" },
  { "length-huge", build_length_huge, "failed 1009\n" },
  { "length-not-shortest", build_length_not_shortest, "failed 1002\n" },
  { "length-not-shortest-64", build_length_not_shortest_64, "failed 1002\n" },
  { "close", build_close_code, "close 1000 bye\n" },
  { "close-empty", build_close_empty, "close 1005 \n" },
  { "close-one-byte", build_close_one_byte, "failed 1002\n" },
  { "close-bad-code", build_close_bad_code, "failed 1002\n" },
  { "close-bad-reason", build_close_bad_reason, "failed 1007\n" },
  { "pong", build_pong, "pong\nmessage after\n" },
  { "cut", build_cut, "pending\n" },
};

static void
test_case (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  g_autofree char *whole = NULL;
  g_autofree char *bytewise = NULL;
  g_autofree char *threes = NULL;

  c->build (stream);
  whole = decode_all (stream->data, stream->len, 0);
  g_assert_cmpstr (whole, ==, c->expected);
  bytewise = decode_all (stream->data, stream->len, 1);
  g_assert_cmpstr (bytewise, ==, c->expected);
  threes = decode_all (stream->data, stream->len, 3);
  g_assert_cmpstr (threes, ==, c->expected);
}

/* After a failure every feed fails: nothing more is read. */
static void
test_failed_stays_failed (void)
{
  g_autoptr(GByteArray) stream = g_byte_array_new ();
  ConfabWsDecoder decoder = { 0 };
  ConfabWsFrame   frame;
  gsize           used;

  build_binary (stream);
  g_assert_cmpint (confab_ws_decoder_feed (&decoder, (const char *) stream->data, stream->len,
                                           MAX_MESSAGE, &used, &frame),
                   ==, CONFAB_WS_FAILED);
  g_assert_cmpint (confab_ws_decoder_feed (&decoder, "", 0, MAX_MESSAGE, &used, &frame),
                   ==, CONFAB_WS_FAILED);
  confab_ws_decoder_clear (&decoder);
}

/* The server's frames: FIN, unmasked, the shortest length. */
static void
test_encode (void)
{
  static const gsize lengths[] = { 0, 125, 126, 65535, 65536 };

  for (gsize i = 0; i < G_N_ELEMENTS (lengths); i++)
    {
      g_autofree char *payload = g_malloc0 (lengths[i] + 1);
      ConfabEncoded   *encoded = confab_ws_encode_frame (CONFAB_WS_OPCODE_TEXT, payload, lengths[i]);
      const guint8    *h = (const guint8 *) encoded->data;
      gsize            head = lengths[i] < 126 ? 2 : lengths[i] <= 0xFFFF ? 4
                                                                          : 10;

      g_assert_cmpuint (encoded->len, ==, head + lengths[i]);
      g_assert_cmphex (h[0], ==, 0x81);
      g_assert_cmphex (h[1] & 0x80, ==, 0);
      if (head == 2)
        g_assert_cmpuint (h[1], ==, lengths[i]);
      else if (head == 4)
        g_assert_cmpuint (((guint) h[2] << 8) | h[3], ==, lengths[i]);
      else
        g_assert_cmpuint (h[1], ==, 127);
      confab_encoded_free (encoded);
    }
}

static void
test_encode_close (void)
{
  /* 200 bytes of "ü": cut to whole characters within 123 bytes. */
  g_autoptr(GString) reason = g_string_new (NULL);
  ConfabEncoded *encoded;

  encoded = confab_ws_encode_close (CONFAB_WS_CLOSE_TOO_BIG, "too big");
  g_assert_cmpmem (encoded->data, encoded->len, "\x88\x09\x03\xf1too big", 11);
  confab_encoded_free (encoded);

  for (guint i = 0; i < 100; i++)
    g_string_append (reason, "\xc3\xbc");
  encoded = confab_ws_encode_close (CONFAB_WS_CLOSE_NORMAL, reason->str);
  g_assert_cmpuint (encoded->len, ==, 2 + 2 + 122);
  g_assert_true (g_utf8_validate_len (encoded->data + 4, encoded->len - 4, NULL));
  confab_encoded_free (encoded);
}

/* The codec: a JSON line becomes one text frame without its "\n". */
static void
test_codec (void)
{
  g_autoptr(ConfabMessage) message = confab_message_new_welcome ("alice");
  gsize       json_len;
  gsize       ws_len;
  const char *json = confab_codec_message_bytes (&confab_codec_json, message, &json_len);
  const char *ws = confab_codec_message_bytes (&confab_codec_websocket, message, &ws_len);

  g_assert_cmpint (json[json_len - 1], ==, '\n');
  g_assert_cmpuint (json_len - 1, <, 126);
  g_assert_cmpuint (ws_len, ==, 2 + json_len - 1);
  g_assert_cmphex ((guint8) ws[0], ==, 0x81);
  g_assert_cmpuint ((guint8) ws[1], ==, json_len - 1);
  g_assert_cmpmem (ws + 2, ws_len - 2, json, json_len - 1);
  g_assert_cmpstr (confab_codec_websocket.name, ==, "websocket");
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/ws-frame/decode/%s", cases[i].name);

      g_test_add_data_func (path, &cases[i], test_case);
    }
  g_test_add_func ("/ws-frame/decode/failed-stays-failed", test_failed_stays_failed);
  g_test_add_func ("/ws-frame/encode/lengths", test_encode);
  g_test_add_func ("/ws-frame/encode/close", test_encode_close);
  g_test_add_func ("/ws-frame/codec/json-in-text-frame", test_codec);

  return g_test_run ();
}
