/* test-cluster-parts.c: the cluster's parts that need no Redis: what
 * the nodes publish (confab-cluster-wire.c) and how a node judges the
 * others alive (confab-cluster-detector.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-detector.h"
#include "confab-cluster-wire.h"

/* Decodes a copy of @data (the decoder cuts in place). */
static gboolean
decode (const char               *data,
        gsize                     len,
        char                    **buffer,
        ConfabClusterPublication *p)
{
  *buffer = g_malloc (len + 1);
  memcpy (*buffer, data, len);
  (*buffer)[len] = '\0';
  return confab_cluster_wire_decode (*buffer, len, p);
}

static void
test_wire_direct (void)
{
  const char * const to[] = { "bob", "Zoë", "carol" };
  const char * const keys[] = { "zoe" };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char         *buffer = NULL;
  ConfabClusterPublication p;

  /* The text keeps its TABs: it is the last field, taken whole. */
  confab_cluster_wire_direct (out, "alice", to, 3, keys, 1, "a\tb: c", 6);
  g_assert_true (decode (out->str, out->len, &buffer, &p));
  g_assert_cmpint (p.kind, ==, CONFAB_CLUSTER_DIRECT);
  g_assert_cmpstr (p.sender, ==, "alice");
  g_assert_cmpuint (p.n_to, ==, 3);
  g_assert_cmpstr (p.to[1], ==, "Zoë");
  g_assert_null (p.to[3]);
  g_assert_cmpuint (p.n_keys, ==, 1);
  g_assert_cmpstr (p.keys[0], ==, "zoe");
  g_assert_cmpmem (p.text, p.text_len, "a\tb: c", 6);
  confab_cluster_publication_clear (&p);
}

static void
test_wire_room (void)
{
  const char * const to[] = { "#Tea", "bob" };
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char         *buffer = NULL;
  ConfabClusterPublication p;

  confab_cluster_wire_room (out, "alice", "#Tea", "#tea", to, 2, "hi", 2);
  g_assert_true (decode (out->str, out->len, &buffer, &p));
  g_assert_cmpint (p.kind, ==, CONFAB_CLUSTER_ROOM);
  g_assert_cmpstr (p.name, ==, "#Tea");
  g_assert_cmpstr (p.key, ==, "#tea");
  g_assert_cmpuint (p.n_to, ==, 2);
  g_assert_cmpmem (p.text, p.text_len, "hi", 2);
  confab_cluster_publication_clear (&p);
}

static void
test_wire_events (void)
{
  struct
  {
    ConfabClusterKind kind;
    const char       *key;
    const char       *name;
  } cases[] = {
    { CONFAB_CLUSTER_JOINED, "bob", "Bob" },
    { CONFAB_CLUSTER_LEFT, "bob", NULL },
    { CONFAB_CLUSTER_ROOM_ENTERED, "#tea", NULL },
    { CONFAB_CLUSTER_ROOM_EMPTIED, "#tea", NULL },
    { CONFAB_CLUSTER_HELLO, NULL, NULL },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GString) out = g_string_new (NULL);
      g_autofree char         *buffer = NULL;
      ConfabClusterPublication p;

      confab_cluster_wire_event (out, cases[i].kind, "node-1", cases[i].key, cases[i].name);
      g_assert_true (decode (out->str, out->len, &buffer, &p));
      g_assert_cmpint (p.kind, ==, cases[i].kind);
      g_assert_cmpstr (p.node, ==, "node-1");
      g_assert_cmpstr (p.key, ==, cases[i].key);
      if (cases[i].kind == CONFAB_CLUSTER_JOINED)
        g_assert_cmpstr (p.name, ==, "Bob");
      confab_cluster_publication_clear (&p);
    }
}

/* Whatever another program publishes on the channels is refused whole. */
static void
test_wire_refused (void)
{
  static const char * const bad[] = {
    "",
    "D",
    "D\t",
    "X\tn1",
    "Dx\talice\tbob\tbob\thi",
    "D\talice\tbob\tbob",   /* no text field */
    "D\talice\tbob\tbob\t", /* empty text */
    "D\t\tbob\tbob\thi",    /* no sender */
    "D\talice\t\tbob\thi",  /* no recipients */
    "D\talice\tbob\x1f\x1f"
    "carol\tbob\thi",             /* an empty name in a list */
    "D\talice\tbob\tb\x01ob\thi", /* a control character in a key */
    "R\talice\t#tea\thi",         /* too few fields */
    "R\talice\t\t#tea\t#tea\thi", /* no room name */
    "J\tn1\tbob",                 /* no name */
    "J\tn1\tbob\tBob\textra",     /* a field too many */
    "L\tn1",
    "L\tn1\tbob\tmore",
    "H\t",
    "H\tn1\tmore",
    "r\t\t#tea",
  };

  for (gsize i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char         *buffer = NULL;
      ConfabClusterPublication p;

      if (decode (bad[i], strlen (bad[i]), &buffer, &p))
        g_error ("accepted publication %" G_GSIZE_FORMAT ": %s", i, bad[i]);
      g_assert_null (p.to);
      g_assert_null (p.keys);
    }

  /* A NUL inside, which a C string would hide. */
  {
    g_autofree char         *buffer = NULL;
    ConfabClusterPublication p;

    g_assert_false (decode ("H\tn1\0x", 6, &buffer, &p));
  }
}

/* ---- the detector -------------------------------------------------------- */

static void
observe (ConfabClusterDetector *d,
         const char            *counter_b,
         gint64                 now_ms,
         GPtrArray             *died)
{
  const char * const nodes[] = { "a", "b" };
  const char * const counters[] = { "a:1", counter_b };

  confab_cluster_detector_observe (d, nodes, counters, counter_b != NULL ? 2 : 1, now_ms, died);
}

/* A node whose counter stands still for the ttl, over rounds that were
 * answered, is dead; one that moves again lives. */
static void
test_detector_death (void)
{
  g_autoptr(ConfabClusterDetector) d = confab_cluster_detector_new ("a", 1000, 250);
  g_autoptr(GPtrArray) died = g_ptr_array_new_with_free_func (g_free);
  gint64 t = 10000;

  observe (d, "b:1", t, died);
  g_assert_true (confab_cluster_detector_is_alive (d, "b"));
  g_assert_cmpuint (confab_cluster_detector_get_n_alive (d), ==, 2);
  for (guint i = 1; i <= 3; i++)
    {
      observe (d, "b:1", t + i * 250, died);
      g_assert_cmpuint (died->len, ==, 0);
    }
  observe (d, "b:1", t + 4 * 250, died);
  g_assert_cmpuint (died->len, ==, 1);
  g_assert_cmpstr (g_ptr_array_index (died, 0), ==, "b");
  g_assert_true (confab_cluster_detector_is_dead (d, "b"));
  g_assert_false (confab_cluster_detector_is_alive (d, "b"));
  g_assert_cmpuint (confab_cluster_detector_get_n_alive (d), ==, 1);

  /* Declared once, not every round after. */
  observe (d, "b:1", t + 5 * 250, died);
  g_assert_cmpuint (died->len, ==, 1);

  /* It came back (a restarted node has a new counter). */
  observe (d, "c9:1", t + 6 * 250, died);
  g_assert_true (confab_cluster_detector_is_alive (d, "b"));
  g_assert_false (confab_cluster_detector_is_dead (d, "b"));
}

/* A stall of Redis counts as one round at most, however long: no node
 * dies of it. Redis' own expiry would have counted all of it. */
static void
test_detector_stall (void)
{
  g_autoptr(ConfabClusterDetector) d = confab_cluster_detector_new ("a", 1000, 250);
  g_autoptr(GPtrArray) died = g_ptr_array_new_with_free_func (g_free);

  observe (d, "b:1", 10000, died);
  observe (d, "b:1", 10250, died);
  /* Sixty seconds without an answer, then one. */
  observe (d, "b:1", 70250, died);
  g_assert_cmpuint (died->len, ==, 0);
  g_assert_true (confab_cluster_detector_is_alive (d, "b"));
  /* And b's next round came through. */
  observe (d, "b:2", 70500, died);
  observe (d, "b:2", 70750, died);
  g_assert_cmpuint (died->len, ==, 0);
}

/* A node gone from the table (Redis restarted empty) stands still too;
 * a node only met as a name's owner starts its time then. */
static void
test_detector_missing (void)
{
  g_autoptr(ConfabClusterDetector) d = confab_cluster_detector_new ("a", 1000, 250);
  g_autoptr(GPtrArray) died = g_ptr_array_new_with_free_func (g_free);

  observe (d, "b:1", 10000, died);
  confab_cluster_detector_note (d, "ghost");
  g_assert_false (confab_cluster_detector_is_alive (d, "ghost"));
  g_assert_false (confab_cluster_detector_is_dead (d, "ghost"));
  for (guint i = 1; i <= 4; i++)
    observe (d, NULL, 10000 + i * 250, died);
  g_assert_cmpuint (died->len, ==, 2);
  g_assert_true (confab_cluster_detector_is_dead (d, "b"));
  g_assert_true (confab_cluster_detector_is_dead (d, "ghost"));
  /* This node is never its own ghost. */
  confab_cluster_detector_note (d, "a");
  g_assert_true (confab_cluster_detector_is_alive (d, "a"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cluster-wire/direct", test_wire_direct);
  g_test_add_func ("/cluster-wire/room", test_wire_room);
  g_test_add_func ("/cluster-wire/events", test_wire_events);
  g_test_add_func ("/cluster-wire/refused", test_wire_refused);
  g_test_add_func ("/cluster-detector/death", test_detector_death);
  g_test_add_func ("/cluster-detector/stall", test_detector_stall);
  g_test_add_func ("/cluster-detector/missing", test_detector_missing);

  return g_test_run ();
}
