/* test-codec.c: both wire protocols through the codec interface alone.
 *
 * Every request kind decoded and every message kind encoded, in text and
 * in JSON, with the exact bytes a client sees; and the property fan-out
 * depends on: a message is encoded once per protocol however many
 * recipients send it.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-codec.h"

static const ConfabDecodeOptions options = { .recipients_max = 64, .blank_login = FALSE };

/* Decodes a copy of @line, since decoding works in place. */
static gboolean
decode (const ConfabCodec         *codec,
        gboolean                   login,
        const char                *line,
        const ConfabDecodeOptions *opts,
        ConfabRequest             *request,
        char                     **copy,
        GError                   **error)
{
  *copy = g_strdup (line);
  if (login)
    return confab_codec_decode_login (codec, *copy, strlen (line), opts, request, error);
  return confab_codec_decode (codec, *copy, strlen (line), opts, request, error);
}

static void
assert_bytes (GBytes     *bytes,
              const char *expected)
{
  gsize       len;
  const char *data;

  g_assert_nonnull (bytes);
  data = g_bytes_get_data (bytes, &len);
  g_assert_cmpmem (data, len, expected, strlen (expected));
}

/* ---- decoding ------------------------------------------------------- */

static void
test_text_decode (void)
{
  const ConfabDecodeOptions blank = { .recipients_max = 64, .blank_login = TRUE };
  g_autoptr(GError) error = NULL;
  ConfabRequest request;
  char         *copy;

  g_assert_true (decode (&confab_codec_text, TRUE, " alice\t", &options, &request, &copy, &error));
  g_assert_cmpint (request.kind, ==, CONFAB_REQUEST_LOGIN);
  g_assert_cmpstr (request.name, ==, "alice");
  confab_request_clear (&request);
  g_free (copy);

  /* A blank login asks for the user name only where identity applies. */
  g_assert_true (decode (&confab_codec_text, TRUE, "  ", &blank, &request, &copy, &error));
  g_assert_cmpstr (request.name, ==, "");
  confab_request_clear (&request);
  g_free (copy);
  g_assert_false (decode (&confab_codec_text, TRUE, "  ", &options, &request, &copy, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_NAME);
  g_clear_error (&error);
  g_free (copy);

  g_assert_true (decode (&confab_codec_text, FALSE, "bob, carol ,bob: hi there ", &options,
                         &request, &copy, &error));
  g_assert_cmpint (request.kind, ==, CONFAB_REQUEST_MESSAGE);
  g_assert_cmpuint (request.n_to, ==, 2);
  g_assert_cmpstr (request.to[0], ==, "bob");
  g_assert_cmpstr (request.to[1], ==, "carol");
  g_assert_cmpmem (request.text, request.text_len, "hi there", 8);
  confab_request_clear (&request);
  g_free (copy);

  g_assert_true (decode (&confab_codec_text, FALSE, "\t/peers ", &options, &request, &copy, &error));
  g_assert_cmpint (request.kind, ==, CONFAB_REQUEST_PEERS);
  confab_request_clear (&request);
  g_free (copy);

  g_assert_false (decode (&confab_codec_text, FALSE, "no colon", &options, &request, &copy, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
  g_assert_cmpstr (error->message, ==, "expected 'name, name: text'");
  g_clear_error (&error);
  g_free (copy);
}

static void
test_json_decode (void)
{
  g_autoptr(GError) error = NULL;
  ConfabRequest request;
  char         *copy;

  g_assert_true (decode (&confab_codec_json, TRUE, "{\"type\":\"login\",\"name\":\"alice\",\"protocol\":1}",
                         &options, &request, &copy, &error));
  g_assert_cmpint (request.kind, ==, CONFAB_REQUEST_LOGIN);
  g_assert_cmpstr (request.name, ==, "alice");
  confab_request_clear (&request);
  confab_request_clear (&request); /* harmless twice */
  g_free (copy);

  g_assert_false (decode (&confab_codec_json, TRUE, "{\"type\":\"peers\"}",
                          &options, &request, &copy, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
  g_assert_cmpstr (error->message, ==, "the first frame must be a login");
  g_clear_error (&error);
  g_free (copy);

  g_assert_true (decode (&confab_codec_json, FALSE,
                         "{\"type\":\"message\",\"to\":[\"bob\",\"carol\",\"bob\"],\"text\":\"\\n hi\\nthere \"}",
                         &options, &request, &copy, &error));
  g_assert_cmpint (request.kind, ==, CONFAB_REQUEST_MESSAGE);
  g_assert_cmpuint (request.n_to, ==, 2);
  g_assert_cmpstr (request.to[0], ==, "bob");
  g_assert_cmpstr (request.to[1], ==, "carol");
  g_assert_cmpmem (request.text, request.text_len, "hi\nthere", 8);
  confab_request_clear (&request);
  g_free (copy);

  g_assert_true (decode (&confab_codec_json, FALSE, "{\"type\":\"peers\"}", &options,
                         &request, &copy, &error));
  g_assert_cmpint (request.kind, ==, CONFAB_REQUEST_PEERS);
  confab_request_clear (&request);
  g_free (copy);

  g_assert_false (decode (&confab_codec_json, FALSE, "{\"type\":\"login\",\"name\":\"bob\"}",
                          &options, &request, &copy, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_MESSAGE);
  g_assert_cmpstr (error->message, ==, "already logged in");
  g_clear_error (&error);
  g_free (copy);

  g_assert_false (decode (&confab_codec_json, FALSE, "{\"type\":", &options, &request, &copy, &error));
  g_assert_error (error, CONFAB_ERROR, CONFAB_ERROR_BAD_JSON);
  g_assert_cmpstr (error->message, ==, "not valid JSON");
  g_clear_error (&error);
  g_free (copy);
}

/* The two protocols refuse the same things in the same words. */
static void
test_shared_refusals (void)
{
  const ConfabDecodeOptions two = { .recipients_max = 2 };
  const struct
  {
    const char *text;
    const char *json;
    ConfabError code;
    const char *message;
  } cases[] = {
    { "a, b, c: hi", "{\"type\":\"message\",\"to\":[\"a\",\"b\",\"c\"],\"text\":\"hi\"}",
      CONFAB_ERROR_TOO_MANY_RECIPIENTS, "too many recipients (limit 2)" },
    { "a b: hi", "{\"type\":\"message\",\"to\":[\"a b\"],\"text\":\"hi\"}",
      CONFAB_ERROR_INVALID_NAME, "invalid recipient name: a b" },
    { "a:  \t", "{\"type\":\"message\",\"to\":[\"a\"],\"text\":\" \\t\"}",
      CONFAB_ERROR_EMPTY_MESSAGE, "empty message" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      for (guint json = 0; json < 2; json++)
        {
          g_autoptr(GError) error = NULL;
          g_autofree char *copy = NULL;
          ConfabRequest    request;

          g_assert_false (decode (json ? &confab_codec_json : &confab_codec_text, FALSE,
                                  json ? cases[i].json : cases[i].text, &two,
                                  &request, &copy, &error));
          g_assert_error (error, CONFAB_ERROR, (gint) cases[i].code);
          g_assert_cmpstr (error->message, ==, cases[i].message);
        }
    }
}

static void
test_sniff (void)
{
  g_assert_null (confab_codec_sniff ("", 0));
  g_assert_null (confab_codec_sniff (" \t ", 3));
  g_assert_true (confab_codec_sniff (" \t{\"ty", 6) == &confab_codec_json);
  g_assert_true (confab_codec_sniff ("  alice", 7) == &confab_codec_text);
  g_assert_true (confab_codec_sniff ("[1]", 3) == &confab_codec_text);
  g_assert_cmpstr (confab_codec_text.name, ==, "text");
  g_assert_cmpstr (confab_codec_json.name, ==, "json");
}

/* ---- encoding ------------------------------------------------------- */

/* The bytes of @message, fresh and (checked to be the same) cached. */
static void
assert_encodes (const ConfabCodec *codec,
                ConfabMessage     *message,
                const char        *expected)
{
  g_autoptr(GBytes) bytes = confab_codec_encode (codec, message);
  const char *cached;
  gsize       len;

  assert_bytes (bytes, expected);
  cached = confab_codec_message_bytes (codec, message, &len);
  g_assert_cmpmem (cached, len, expected, strlen (expected));
}

static void
test_text_encode (void)
{
  const char *to[] = { "bob", "carol" };
  const char *names[] = { "alice", "bob" };
  g_autoptr(ConfabMessage) chat = confab_message_new_chat ("alice", to, 2, "hi\nthere\r", 9, 1234);
  g_autoptr(ConfabMessage) error = confab_message_new_error (CONFAB_ERROR_NO_SUCH_PEER, "no such peer: zed");
  g_autoptr(ConfabMessage) welcome = confab_message_new_welcome ("alice");
  g_autoptr(ConfabMessage) peers = confab_message_new_peers (names, 2);
  g_autoptr(ConfabMessage) no_peers = confab_message_new_peers (NULL, 0);
  g_autoptr(GBytes) bytes = NULL;
  gsize len;

  /* A multi-line text stays one line for text peers. */
  assert_encodes (&confab_codec_text, chat, "from alice: hi\\nthere\\r\n");
  assert_encodes (&confab_codec_text, error, "error: no such peer: zed\n");
  assert_encodes (&confab_codec_text, peers, "peers: alice bob\n");
  assert_encodes (&confab_codec_text, no_peers, "peers: \n");

  bytes = confab_codec_encode_error (&confab_codec_text, CONFAB_ERROR_LINE_TOO_LONG,
                                     "line too long (limit 4096 bytes)");
  assert_bytes (bytes, "error: line too long (limit 4096 bytes)\n");

  /* The text protocol has no welcome line. */
  g_assert_false (confab_codec_text.greets);
  g_assert_null (confab_codec_encode (&confab_codec_text, welcome));
  confab_codec_message_bytes (&confab_codec_text, welcome, &len);
  g_assert_cmpuint (len, ==, 0);
}

static void
test_json_encode (void)
{
  const char *to[] = { "bob", "carol" };
  const char *names[] = { "alice", "bob" };
  g_autoptr(ConfabMessage) chat = confab_message_new_chat ("alice", to, 2, "hi\nthere", 8, 1234);
  g_autoptr(ConfabMessage) error = confab_message_new_error (CONFAB_ERROR_NO_SUCH_PEER, "no such peer: zed");
  g_autoptr(ConfabMessage) welcome = confab_message_new_welcome ("alice");
  g_autoptr(ConfabMessage) peers = confab_message_new_peers (names, 2);
  g_autoptr(GBytes) bytes = NULL;

  assert_encodes (&confab_codec_json, chat,
                  "{\"type\":\"message\",\"from\":\"alice\",\"to\":[\"bob\",\"carol\"],"
                  "\"text\":\"hi\\nthere\",\"time\":1234}\n");
  assert_encodes (&confab_codec_json, error,
                  "{\"type\":\"error\",\"code\":\"no-such-peer\",\"message\":\"no such peer: zed\",\"field\":\"to\"}\n");
  g_assert_true (confab_codec_json.greets);
  assert_encodes (&confab_codec_json, welcome,
                  "{\"type\":\"welcome\",\"name\":\"alice\",\"server\":\"" PACKAGE_NAME " " PACKAGE_VERSION
                  "\",\"protocol\":2}\n");
  assert_encodes (&confab_codec_json, peers, "{\"type\":\"peers\",\"peers\":[\"alice\",\"bob\"]}\n");

  bytes = confab_codec_encode_error (&confab_codec_json, CONFAB_ERROR_LINE_TOO_LONG,
                                     "line too long (limit 4096 bytes)");
  assert_bytes (bytes, "{\"type\":\"error\",\"code\":\"line-too-long\",\"message\":\"line too long (limit 4096 bytes)\"}\n");
}

/* A message for N recipients of one protocol is encoded once: every
 * recipient's writer gets the very same bytes, kept in the protocol's
 * own slot of the message, and the other protocol's slot stays empty
 * until a peer of it needs the message. */
static void
test_encoded_once (void)
{
  const char *to[] = { "bob" };
  g_autoptr(ConfabMessage) chat = confab_message_new_chat ("alice", to, 1, "hi", 2, 1);
  const char *first;
  gsize       first_len;

  g_assert_null (confab_message_get_slot (chat, confab_codec_json.slot));
  first = confab_codec_message_bytes (&confab_codec_json, chat, &first_len);
  g_assert_nonnull (confab_message_get_slot (chat, confab_codec_json.slot));
  g_assert_null (confab_message_get_slot (chat, confab_codec_text.slot));
  for (guint i = 0; i < 100; i++)
    {
      gsize len;

      g_assert_true (confab_codec_message_bytes (&confab_codec_json, chat, &len) == first);
      g_assert_cmpuint (len, ==, first_len);
    }
  g_assert_true (confab_message_get_slot (chat, confab_codec_json.slot)->data == first);

  first = confab_codec_message_bytes (&confab_codec_text, chat, &first_len);
  for (guint i = 0; i < 100; i++)
    g_assert_true (confab_codec_message_bytes (&confab_codec_text, chat, NULL) == first);
  g_assert_cmpmem (first, first_len, "from alice: hi\n", 15);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/codec/text/decode", test_text_decode);
  g_test_add_func ("/codec/json/decode", test_json_decode);
  g_test_add_func ("/codec/shared-refusals", test_shared_refusals);
  g_test_add_func ("/codec/sniff", test_sniff);
  g_test_add_func ("/codec/text/encode", test_text_encode);
  g_test_add_func ("/codec/json/encode", test_json_encode);
  g_test_add_func ("/codec/encoded-once", test_encoded_once);

  return g_test_run ();
}
