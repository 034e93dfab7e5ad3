/* confab-bench-room.c: the room scenario of confab-bench.
 *
 * R rooms "#r0".."#rR-1" of M members each: clients cI with I / M == J
 * are in #rJ. Every member joins its room (each waits for its own "join"
 * line, so once all have seen theirs every room is full: the server
 * orders a join before any later message), then each sends its messages
 * to its room, windowed as in throughput. A room message reaches every
 * member but the sender, so no copy comes back to the sender: a message
 * is done when all M-1 other members have it, and its latency is taken
 * at that last copy (as fanout's own copy, queued last, covers the whole
 * fan-out).
 *
 * With --direct there are no rooms: each member names the other M-1 in
 * a direct message instead ("cA,cB,...: text"), the same traffic for a
 * server without rooms (the ceiling) or confabd's direct path.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <string.h>

#include "confab-bench.h"

/* The room prefix "#rJ" or the direct list of @sender's room-mates, in
 * ring order from the one after it. */
void
room_setup_dests (Bench   *b,
                  int      sender,
                  GString *dests)
{
  int room = sender / b->members, first = room * b->members;

  if (!b->direct)
    {
      g_string_append_printf (dests, "#r%d", room);
      return;
    }
  for (int k = 1; k < b->members; k++)
    g_string_append_printf (dests, "%sc%d", k > 1 ? "," : "",
                            first + (sender - first + k) % b->members);
}

/* Returns: the index in last_seq for sender @s at recipient @r: the
 * other members of @r's room; -1 for anyone else */
gssize
room_slot_of (Bench  *b,
              guint32 r,
              guint64 s)
{
  guint32 m = (guint32) b->members;

  if (s >= (guint64) b->n_clients || s == r || s / m != r / m)
    return -1;
  return (gssize) r * m + (gssize) (s % m);
}

/* After "from cS" of a chat line: skips " in #rJ" (J must be @c's room),
 * or nothing with --direct. Returns: where ": " should be, or NULL */
const char *
room_skip_prefix (Bench      *b,
                  Client     *c,
                  const char *p,
                  const char *end)
{
  guint64 room;

  if (b->direct)
    return p;
  if (end - p < 6 || memcmp (p, " in #r", 6) != 0)
    return NULL;
  p = get_uint (p + 6, end, &room);
  if (p == NULL || room != c->id / (guint32) b->members)
    return NULL;
  return p;
}

/* A first copy of sender @s's message @seq reached one of its room-mates.
 * The copy that makes M-1 completes the message; the window moves on over
 * the completed messages at its start. */
void
room_copy_seen (Bench  *b,
                guint64 s,
                guint64 seq,
                guint64 ts,
                gint64  now)
{
  Client  *sender = &b->clients[s];
  guint32 *copies = b->copies + s * (guint64) b->window;
  guint32  need = (guint32) b->members - 1, w = (guint32) b->window;
  guint32  done_before = sender->done;

  if (seq >= sender->sent || seq < sender->done || copies[seq % w] >= need)
    {
      b->unexpected++; /* a copy too many */
      return;
    }
  if (++copies[seq % w] < need)
    return;

  hist_add (b, now > (gint64) ts ? (guint64) (now - (gint64) ts) / 1000 : 0);
  b->msgs_done++;
  if (b->msgs_done * 4 == b->msgs_total)
    b->t_quarter = now;
  if (b->msgs_done * 4 == b->msgs_total * 3)
    b->t_three_quarters = now;

  while (sender->done < sender->sent && copies[sender->done % w] == need)
    copies[sender->done++ % w] = 0;
  if (sender->done != done_before && sender->sent < (guint32) b->messages &&
      sender->state == CLIENT_READY)
    mark_dirty (b, sender);
}

/* "join #rJ: cI" and "members #rJ: ..." lines. Returns: whether @line
 * was one */
gboolean
room_handle_notice (Bench      *b,
                    Client     *c,
                    const char *line,
                    gsize       len)
{
  const char *p = line, *end = line + len;
  guint64     room, who;

  if (len > 9 && memcmp (line, "members #", 9) == 0)
    {
      b->room_notices++;
      return TRUE;
    }
  if (len < 7 || memcmp (line, "join #r", 7) != 0)
    return FALSE;

  p = get_uint (p + 7, end, &room);
  if (p != NULL && end - p > 3 && memcmp (p, ": c", 3) == 0 &&
      get_uint (p + 3, end, &who) == end && who == c->id &&
      room == c->id / (guint32) b->members && !c->joined)
    {
      c->joined = TRUE;
      b->n_joined++;
    }
  else
    {
      b->room_notices++;
    }
  return TRUE;
}

static void
send_join (Bench  *b,
           Client *c)
{
  char  line[NUM_MAX_LEN + 16];
  char *p = line;

  memcpy (p, "/join #r", 8);
  p = put_uint (p + 8, c->id / (guint32) b->members);
  *p++ = '\n';
  if (!client_send_small (b, c, line, (gsize) (p - line), "join"))
    client_close (b, c);
}

/* Every client joins its room; waits until each has seen its own "join"
 * line, giving up on an error line, a disconnect, the deadline, or
 * --stall seconds without a join. Returns: whether all joined */
gboolean
room_join (Bench   *b,
           GString *result)
{
  gint64   t0 = now_ns (), t_progress = t0, stall_ns = (gint64) (b->stall * 1e9);
  int      last = 0;
  gboolean ok;

  for (int i = 0; i < b->n_total; i++)
    if (b->clients[i].state == CLIENT_READY)
      send_join (b, &b->clients[i]);

  while (b->n_joined < b->n_total && b->errors == 0 && b->disconnects == 0 &&
         !past (b->deadline))
    {
      gint64 now = now_ns ();

      if (b->n_joined != last)
        {
          last = b->n_joined;
          t_progress = now;
        }
      else if (now - t_progress > stall_ns)
        {
          break;
        }
      poll_once (b, 100);
    }

  ok = b->n_joined == b->n_total;
  g_print ("  joins         %d of %d confirmed in %.3f s (%d rooms of %d)\n",
           b->n_joined, b->n_total, seconds_between (t0, now_ns ()), b->rooms, b->members);
  g_string_append_printf (result, " joined=%d join_s=%.3f", b->n_joined,
                          seconds_between (t0, now_ns ()));
  if (!ok)
    g_string_append_printf (result, " status=%s",
                            past (b->deadline) ? "timeout" : "join-failed");
  return ok;
}
