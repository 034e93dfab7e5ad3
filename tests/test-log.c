/* test-log.c: the operator's log lines about clients, rate-limited.
 *
 * The lines are caught by a log writer of the test's own, with their
 * fields; time is passed in, so the budgets are checked without sleeping.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-log.h"

typedef struct
{
  char *message;
  char *event;
  char *peer;
  char *address;
  char *reason;
  char *caller;
} Line;

static GPtrArray *lines; /* Line, caught by writer() */

static void
line_free (Line *line)
{
  g_free (line->message);
  g_free (line->event);
  g_free (line->peer);
  g_free (line->address);
  g_free (line->reason);
  g_free (line->caller);
  g_free (line);
}

static char *
field (const GLogField *fields,
       gsize            n_fields,
       const char      *key)
{
  for (gsize i = 0; i < n_fields; i++)
    if (g_str_equal (fields[i].key, key))
      return fields[i].length < 0 ? g_strdup (fields[i].value)
                                  : g_strndup (fields[i].value, fields[i].length);
  return NULL;
}

static GLogWriterOutput
writer (GLogLevelFlags   log_level,
        const GLogField *fields,
        gsize            n_fields,
        gpointer         user_data)
{
  Line *line;

  if (log_level & G_LOG_LEVEL_DEBUG)
    return G_LOG_WRITER_HANDLED;
  /* The default level shows it: message, not debug or info. */
  g_assert_cmpint (log_level & G_LOG_LEVEL_MASK, ==, G_LOG_LEVEL_MESSAGE);
  line = g_new0 (Line, 1);
  line->message = field (fields, n_fields, "MESSAGE");
  line->event = field (fields, n_fields, "CONFAB_EVENT");
  line->peer = field (fields, n_fields, "CONFAB_PEER");
  line->address = field (fields, n_fields, "CONFAB_ADDRESS");
  line->reason = field (fields, n_fields, "CONFAB_REASON");
  line->caller = field (fields, n_fields, "CONFAB_CALLER");
  g_ptr_array_add (lines, line);
  return G_LOG_WRITER_HANDLED;
}

static Line *
line_at (guint i)
{
  g_assert_cmpuint (i, <, lines->len);
  return g_ptr_array_index (lines, i);
}

static void
test_fields (void)
{
  ConfabLogLimiter limiter = { 0 };
  Line            *line;

  g_test_summary ("A line carries CONFAB_PEER, CONFAB_ADDRESS, CONFAB_REASON "
                  "and CONFAB_EVENT, at the default level");

  g_ptr_array_set_size (lines, 0);
  confab_log_event (&limiter, CONFAB_LOG_LOGIN_REFUSED, 1, "alice", "127.0.0.1:4000",
                    "name taken: alice", "Refused login: %s", "127.0.0.1:4000 alice");
  g_assert_cmpuint (lines->len, ==, 1);
  line = line_at (0);
  g_assert_cmpstr (line->message, ==, "Refused login: 127.0.0.1:4000 alice");
  g_assert_cmpstr (line->event, ==, "login-refused");
  g_assert_cmpstr (line->peer, ==, "alice");
  g_assert_cmpstr (line->address, ==, "127.0.0.1:4000");
  g_assert_cmpstr (line->reason, ==, "name taken: alice");

  /* Without a name the field is there, empty. */
  confab_log_event (&limiter, CONFAB_LOG_LOGIN_TIMEOUT, 1, NULL, "[::1]:5", "login timeout", "x");
  g_assert_cmpstr (line_at (1)->peer, ==, "");
  g_assert_cmpstr (line_at (1)->event, ==, "login-timeout");
}

static void
test_extra_fields (void)
{
  ConfabLogLimiter limiter = { 0 };
  const GLogField  extra[] = { { "CONFAB_CALLER", ":1.7", -1 } };

  g_test_summary ("An audit line carries its caller's fields beside the usual ones, "
                  "and its kind has a budget of its own");

  g_ptr_array_set_size (lines, 0);
  confab_log_event_with_fields (&limiter, CONFAB_LOG_KICK, 1, "bob", "[::1]:7", "spam",
                                extra, G_N_ELEMENTS (extra), "Kicking %s", "bob");
  g_assert_cmpuint (lines->len, ==, 1);
  g_assert_cmpstr (line_at (0)->event, ==, "kick");
  g_assert_cmpstr (line_at (0)->peer, ==, "bob");
  g_assert_cmpstr (line_at (0)->reason, ==, "spam");
  g_assert_cmpstr (line_at (0)->caller, ==, ":1.7");

  for (guint i = 0; i < 100; i++)
    confab_log_event_with_fields (&limiter, CONFAB_LOG_BROADCAST, 1, NULL, NULL, NULL,
                                  extra, G_N_ELEMENTS (extra), "Broadcast %u", i);
  g_assert_cmpuint (lines->len, ==, 1 + CONFAB_LOG_BURST);
  g_assert_cmpstr (line_at (1)->event, ==, "broadcast");
}

static void
test_budget (void)
{
  ConfabLogLimiter limiter = { 0 };
  gint64           now = 1000;
  g_autofree char *expected = NULL;

  g_test_summary ("A flood of one kind of line logs the burst, then one a "
                  "second, each after one line saying how many were "
                  "suppressed; another kind is not affected");

  g_ptr_array_set_size (lines, 0);
  for (guint i = 0; i < 1000; i++)
    confab_log_event (&limiter, CONFAB_LOG_LOGIN_REFUSED, now, NULL, "a", "r", "refused %u", i);
  g_assert_cmpuint (lines->len, ==, CONFAB_LOG_BURST);
  g_assert_cmpstr (line_at (CONFAB_LOG_BURST - 1)->message, ==, "refused 9");

  /* Another kind has its own budget. */
  confab_log_event (&limiter, CONFAB_LOG_SERVER_FULL, now, NULL, "a", "r", "full");
  g_assert_cmpuint (lines->len, ==, CONFAB_LOG_BURST + 1);

  /* A second later, one more, with the count first. */
  now += G_USEC_PER_SEC / CONFAB_LOG_PER_SEC;
  confab_log_event (&limiter, CONFAB_LOG_LOGIN_REFUSED, now, NULL, "a", "r", "refused late");
  confab_log_event (&limiter, CONFAB_LOG_LOGIN_REFUSED, now, NULL, "a", "r", "refused later");
  g_assert_cmpuint (lines->len, ==, CONFAB_LOG_BURST + 3);
  expected = g_strdup_printf ("%u similar messages suppressed (login-refused)", 1000 - CONFAB_LOG_BURST);
  g_assert_cmpstr (line_at (CONFAB_LOG_BURST + 1)->message, ==, expected);
  g_assert_cmpstr (line_at (CONFAB_LOG_BURST + 1)->event, ==, "login-refused");
  g_assert_cmpstr (line_at (CONFAB_LOG_BURST + 2)->message, ==, "refused late");

  /* Quiet for long: the whole burst again, and the one suppressed line. */
  now += 100 * G_USEC_PER_SEC;
  for (guint i = 0; i < CONFAB_LOG_BURST; i++)
    confab_log_event (&limiter, CONFAB_LOG_LOGIN_REFUSED, now, NULL, "a", "r", "again");
  g_assert_cmpuint (lines->len, ==, 2 * CONFAB_LOG_BURST + 4);
  g_assert_cmpstr (line_at (CONFAB_LOG_BURST + 3)->message, ==,
                   "1 similar message suppressed (login-refused)");
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  lines = g_ptr_array_new_with_free_func ((GDestroyNotify) line_free);
  g_log_set_writer_func (writer, NULL, NULL);

  g_test_add_func ("/log/fields", test_fields);
  g_test_add_func ("/log/budget", test_budget);
  g_test_add_func ("/log/extra-fields", test_extra_fields);

  return g_test_run ();
}
