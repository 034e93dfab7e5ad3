/* test-peer-ping.c: the IRC door's keep-alive (confab-peer-ping.c), on
 * an in-process server with keep-alive times of a second or two.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-server-fixture.h"

/* Pinged after 1 s of silence, closed 1 s after an unanswered PING. */
static const Options quick_pings = { 16, 30, 0, TRUE, 1, 1 };
/* For the client that is never silent: a margin against a slow machine. */
static const Options slow_pings = { 16, 30, 0, TRUE, 2, 2 };

/* Registers @nick and reads up to the end of the welcome (422: no MOTD). */
static Client *
register_client (Fixture    *fx,
                 const char *nick)
{
  Client          *client = connect_client (fx);
  g_autofree char *request = g_strdup_printf ("NICK %s\r\nUSER %s 0 * :%s\r\n", nick, nick, nick);
  g_autofree char *end = g_strdup_printf (":confab.local 422 %s :MOTD File is missing\r", nick);

  client_send (client, request);
  for (guint i = 0; i < 32; i++)
    {
      g_autofree char *line = client_read_line (client);

      if (g_str_equal (line, end))
        return client;
    }
  g_error ("no end of the welcome for %s", nick);
}

static gboolean
left_with (Fixture    *fx,
           const char *entry)
{
  for (guint i = 0; i < fx->left->len; i++)
    {
      if (g_str_equal (g_ptr_array_index (fx->left, i), entry))
        return TRUE;
    }
  return FALSE;
}

static void
test_timeout (Fixture      *fx,
              gconstpointer data)
{
  Client *silent;

  g_test_summary ("A silent IRC client is pinged, and closed with ERROR when it does not answer");

  silent = register_client (fx, "silent");
  client_expect_line (silent, "PING :confab.local\r");
  client_expect_line (silent, "ERROR :Ping timeout: 1 seconds\r");
  client_expect_eof (silent);
  spin_until (left_with (fx, "silent:ping timeout"));
  g_assert_cmpuint (get_connection_stats (fx).irc_ping_timeouts, ==, 1);
}

static void
test_answered (Fixture      *fx,
               gconstpointer data)
{
  Client *client;

  g_test_summary ("A client that answers each PING stays, and is pinged again after the next silence");

  client = register_client (fx, "awake");
  for (guint i = 0; i < 2; i++)
    {
      client_expect_line (client, "PING :confab.local\r");
      client_send (client, "PONG :confab.local\r\n");
    }
  client_expect_line (client, "PING :confab.local\r");
  client_send (client, "QUIT\r\n");
  client_expect_line (client, "ERROR :Closing link (quit)\r");
  client_expect_eof (client);
  g_assert_cmpuint (get_connection_stats (fx).irc_ping_timeouts, ==, 0);
  g_assert_true (left_with (fx, "awake:quit"));
}

static gboolean
mark_due (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
test_busy_not_pinged (Fixture      *fx,
                      gconstpointer data)
{
  Client *client;

  g_test_summary ("A client that keeps talking is never pinged: any line is a sign of life");

  client = register_client (fx, "busy");
  /* A line every 200 ms for 3 s, against a 2-second interval. */
  for (guint i = 0; i < 15; i++)
    {
      g_autofree char *token = g_strdup_printf ("PING :t%u\r\n", i);
      g_autofree char *pong = g_strdup_printf (":confab.local PONG confab.local :t%u\r", i);
      gboolean         due = FALSE;

      client_send (client, token);
      client_expect_line (client, pong);
      g_timeout_add (200, mark_due, &due);
      spin_until (due);
    }
  /* A server PING sent meanwhile would come before this answer. */
  client_send (client, "PING :end\r\n");
  client_expect_line (client, ":confab.local PONG confab.local :end\r");
  g_assert_cmpuint (get_connection_stats (fx).irc_ping_timeouts, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add ("/peer-ping/timeout", Fixture, &quick_pings, fixture_setup, test_timeout, fixture_teardown);
  g_test_add ("/peer-ping/answered", Fixture, &quick_pings, fixture_setup, test_answered, fixture_teardown);
  g_test_add ("/peer-ping/busy-not-pinged", Fixture, &slow_pings, fixture_setup, test_busy_not_pinged,
              fixture_teardown);

  return g_test_run ();
}
