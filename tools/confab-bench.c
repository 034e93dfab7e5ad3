/* confab-bench.c: a load generator for confab's text protocol (SPEC §2),
 * and for IRC servers (--irc, confab-bench-irc.c), either of them also
 * over TLS (--tls, confab-bench-tls.c).
 *
 *   confab-bench SCENARIO --port PORT [OPTIONS]
 *
 * Scenarios: throughput, fanout, idle, slowreader, logins, room (see --help
 * and docs/performance.md; room is in confab-bench-room.c). Only 127.0.0.1 is ever contacted. Each run prints
 * a human summary and ends with one line "RESULT key=value ..." for
 * scripts such as tools/bench-compare.
 *
 * Two nodes of a cluster (tools/bench-compare cluster): with --port2 PORT2
 * client cI connects to --port if I is even, to PORT2 if I is odd. The
 * messages' recipients do not change: throughput's are still the sender
 * and the next K-1 in the ring, so (with N even) recipient k of a
 * message is on the sender's node if k is even and on the other node if
 * k is odd: the sender's own copy stays on its node, and of K = 4
 * recipients 2 are on the other node (of K, K / 2 rounded down). The
 * RESULT's cross_node_pct counts the share exactly (with N odd the wrap
 * of the ring shifts it a little). --server2-pid adds the second node's
 * CPU to the server's: server_cpu_s, server_cpu_pct and
 * server_ns_per_line are both nodes' together, server1_cpu_s and
 * server2_cpu_s each one's. --redis-pid reports redis-server's CPU too
 * (redis_cpu_s, redis_cpu_pct, redis_ns_per_line). A cluster node
 * refuses logins with "error: service unavailable, try again" for a
 * while after a fresh Redis: such a login is made again, on a new
 * connection 100 ms later, for up to --login-retry seconds (30) from
 * the client's first attempt (login_retries in the RESULT counts them).
 * A node hears of the other's logins through Redis, a little after
 * they are done: before the timed phase a barrier (cluster_barrier())
 * waits until each node knows every name logged in on the other
 * (barrier_s and barrier_refused in the RESULT; not with --irc).
 *
 * The generator shares the machine's cores with the server it measures,
 * so it is kept cheap per line: one thread, plain epoll over non-blocking
 * sockets, a window's worth of lines written with one send(), lines split
 * with memchr() in one shared read buffer, numbers formatted and parsed by
 * hand, and no allocation per line. GLib is used for option parsing and
 * for reading /proc only, outside the measured loop.
 *
 * Every message text is "SENDER SEQ TIMESTAMP [PADDING]" (decimal sender
 * index, per-sender sequence number from 0, CLOCK_MONOTONIC in ns), so
 * each recipient can check order per sender and the sender measures the
 * latency when its own copy comes back.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <glib.h>

#include "confab-bench.h"

static const char * const scenario_names[] = {
  "throughput",
  "fanout",
  "idle",
  "slowreader",
  "logins",
  "room",
};

/* ---- small helpers ---------------------------------------------------- */

gint64
now_ns (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (gint64) ts.tv_sec * G_GINT64_CONSTANT (1000000000) + ts.tv_nsec;
}

double
seconds_between (gint64 from,
                 gint64 to)
{
  return (double) (to - from) / 1e9;
}

char *
put_uint (char   *p,
          guint64 v)
{
  char tmp[NUM_MAX_LEN];
  int  n = 0;

  do
    {
      tmp[n++] = (char) ('0' + v % 10);
      v /= 10;
    }
  while (v != 0);
  while (n > 0)
    *p++ = tmp[--n];
  return p;
}

/* Returns: the first byte after the digits, or NULL if there were none */
const char *
get_uint (const char *p,
          const char *end,
          guint64    *v)
{
  const char *start = p;
  guint64     x = 0;

  while (p < end && *p >= '0' && *p <= '9')
    x = x * 10 + (guint64) (*p++ - '0');
  if (p == start || p - start > NUM_MAX_LEN - 1)
    return NULL;
  *v = x;
  return p;
}

static double
cpu_seconds_self (void)
{
  struct rusage ru;

  getrusage (RUSAGE_SELF, &ru);
  return (double) ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 +
         (double) ru.ru_stime.tv_sec + ru.ru_stime.tv_usec / 1e6;
}

/* Returns: utime + stime of @pid in seconds, or -1 */
static double
cpu_seconds_of (int pid)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) fields = NULL;
  const char *p;
  double      ticks;

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/stat", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  /* The command name may contain blanks: fields start after its ')'. */
  p = strrchr (text, ')');
  if (p == NULL)
    return -1;
  fields = g_strsplit (p + 2, " ", 0);
  /* fields[0] is field 3 (state); utime is field 14, stime field 15. */
  if (g_strv_length (fields) < 13)
    return -1;
  ticks = g_ascii_strtod (fields[11], NULL) + g_ascii_strtod (fields[12], NULL);
  return ticks / (double) sysconf (_SC_CLK_TCK);
}

/* Returns: VmRSS of @pid in KiB, or -1 */
static gint64
rss_kib_of (int pid)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char      *p;

  if (pid <= 0)
    return -1;
  path = g_strdup_printf ("/proc/%d/status", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return -1;
  p = strstr (text, "\nVmRSS:");
  if (p == NULL)
    return -1;
  return g_ascii_strtoll (p + 7, NULL, 10);
}

/* Pss and Private_Dirty of @pid in KiB, from /proc/PID/smaps_rollup:
 * unlike VmRSS they leave out the clean pages of shared libraries that
 * the first connections of a kind bring in. Returns: FALSE if unreadable */
static gboolean
smaps_kib_of (int     pid,
              gint64 *pss,
              gint64 *private_dirty)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  const char      *p, *d;

  *pss = *private_dirty = -1;
  if (pid <= 0)
    return FALSE;
  path = g_strdup_printf ("/proc/%d/smaps_rollup", pid);
  if (!g_file_get_contents (path, &text, NULL, NULL))
    return FALSE;
  p = strstr (text, "\nPss:");
  d = strstr (text, "\nPrivate_Dirty:");
  if (p == NULL || d == NULL)
    return FALSE;
  *pss = g_ascii_strtoll (p + 5, NULL, 10);
  *private_dirty = g_ascii_strtoll (d + 15, NULL, 10);
  return TRUE;
}

/* The state (as in include/net/tcp_states.h) of the server's side of the
 * connection from 127.0.0.1:@client_port, from /proc/net/tcp.
 * Returns: the state, or 0 if the server has no such socket any more */
static int
server_side_tcp_state (int port,
                       int client_port)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/net/tcp", &text, NULL, NULL))
    return -1;
  lines = g_strsplit (text, "\n", 0);
  for (guint i = 1; lines[i] != NULL; i++)
    {
      unsigned long laddr, raddr;
      unsigned int  lport, rport, state;

      if (sscanf (lines[i], " %*d: %lx:%x %lx:%x %x",
                  &laddr, &lport, &raddr, &rport, &state) != 5)
        continue;
      if ((int) lport == port && (int) rport == client_port)
        return (int) state;
    }
  return 0;
}

/* Machine-wide CPU time from the first line of /proc/stat, in seconds:
 * everything but idle and iowait, and softirq alone (loopback TCP does
 * most of its work in softirq). */
static gboolean
machine_cpu (double *busy,
             double *softirq)
{
  g_autofree char   *text = NULL;
  unsigned long long v[8] = { 0 };
  double             tck = (double) sysconf (_SC_CLK_TCK);

  if (!g_file_get_contents ("/proc/stat", &text, NULL, NULL) ||
      sscanf (text, "cpu %llu %llu %llu %llu %llu %llu %llu %llu",
              &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) < 7)
    return FALSE;
  /* user nice system idle iowait irq softirq steal */
  *busy = (double) (v[0] + v[1] + v[2] + v[5] + v[6] + v[7]) / tck;
  *softirq = (double) v[6] / tck;
  return TRUE;
}

static void
raise_fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max)
    {
      limit.rlim_cur = limit.rlim_max;
      if (setrlimit (RLIMIT_NOFILE, &limit) != 0)
        g_printerr ("cannot raise RLIMIT_NOFILE: %s\n", g_strerror (errno));
    }
}

static rlim_t
fd_limit (void)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return 1024;
  return limit.rlim_cur;
}

/* The port client @id connects to: the odd ones to --port2, if given;
 * of the barrier's clients after them, the first to --port and the
 * second to --port2. */
static int
client_port (Bench  *b,
             guint32 id)
{
  if (G_UNLIKELY (id >= (guint32) b->n_total))
    return id - (guint32) b->n_total == 0 ? b->port : b->port2;
  return b->port2 > 0 && id % 2 == 1 ? b->port2 : b->port;
}

/* ---- latency histogram ------------------------------------------------ */

void
hist_add (Bench  *b,
          guint64 us)
{
  guint idx;

  if (us < 2 * HIST_SUB)
    {
      idx = (guint) us;
    }
  else
    {
      guint e = (guint) (63 - __builtin_clzll (us)) - HIST_SUB_BITS;

      idx = e * HIST_SUB + (guint) (us >> e);
      if (idx >= HIST_BUCKETS)
        idx = HIST_BUCKETS - 1;
    }
  b->hist[idx]++;
  b->hist_count++;
  if (us > b->hist_max)
    b->hist_max = us;
}

/* Returns: the upper bound (µs) of the bucket holding quantile @q */
static guint64
hist_quantile (Bench *b,
               double q)
{
  guint64 rank, seen = 0;

  if (b->hist_count == 0)
    return 0;
  rank = (guint64) (q * (double) b->hist_count + 0.999999);
  if (rank < 1)
    rank = 1;
  for (guint idx = 0; idx < HIST_BUCKETS; idx++)
    {
      seen += b->hist[idx];
      if (seen >= rank)
        {
          guint64 v;

          if (idx < 2 * HIST_SUB)
            return idx;
          else
            {
              guint   e = idx / HIST_SUB - 1;
              guint64 m = idx - e * HIST_SUB;

              v = ((m + 1) << e) - 1;
            }
          return MIN (v, b->hist_max);
        }
    }
  return b->hist_max;
}

/* ---- epoll and sockets -------------------------------------------------- */

void
client_set_events (Bench  *b,
                   Client *c,
                   guint32 events)
{
  struct epoll_event ev = { 0 };

  if (c->in_epoll && c->events == events)
    return;
  ev.events = events;
  ev.data.u64 = c->id;
  if (epoll_ctl (b->epfd, c->in_epoll ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, c->fd, &ev) != 0)
    g_printerr ("epoll_ctl: %s\n", g_strerror (errno));
  c->in_epoll = TRUE;
  c->events = events;
}

void
client_close (Bench  *b,
              Client *c)
{
  if (c->state == CLIENT_CLOSED)
    return;
  if (c->state == CLIENT_CONNECTING || c->state == CLIENT_HANDSHAKE || c->state == CLIENT_LOGIN)
    {
      b->pending--;
      b->n_failed++;
    }
  else if (c->state == CLIENT_READY)
    {
      b->disconnects++;
    }
  c->state = CLIENT_CLOSED;
  if (c->tls != NULL)
    tls_client_close (c);
  close (c->fd); /* also leaves the epoll set */
  c->fd = -1;
  c->in_epoll = FALSE;
}

void
mark_dirty (Bench  *b,
            Client *c)
{
  if (c->dirty)
    return;
  c->dirty = TRUE;
  b->dirty[b->n_dirty++] = (int) c->id;
}

/* Sends what is buffered; registers for EPOLLOUT if the kernel is full. */
static void
client_flush (Bench  *b,
              Client *c)
{
  if (G_UNLIKELY (c->tls_again == TLS_AGAIN_SMALL) && !tls_flush_small (b, c))
    return;
  while (c->out_off < c->out_len)
    {
      ssize_t n = G_LIKELY (c->tls == NULL)
                    ? send (c->fd, c->out + c->out_off, c->out_len - c->out_off,
                            MSG_NOSIGNAL | MSG_DONTWAIT)
                    : tls_send (b, c, c->out + c->out_off, c->out_len - c->out_off);

      if (n > 0)
        {
          c->out_off += (gsize) n;
          continue;
        }
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        {
          client_set_events (b, c, EPOLLIN | EPOLLOUT);
          return;
        }
      client_close (b, c);
      return;
    }
  c->out_off = c->out_len = 0;
  if (c->events & EPOLLOUT)
    client_set_events (b, c, EPOLLIN);
}

/* The longest a message's text "S SEQ TIME[ PADDING]" and line end
 * ("\r\n" in IRC) can be, for each of its lines. */
gsize
text_max (Bench *b)
{
  return 3 * NUM_MAX_LEN + 2 + (b->payload > 0 ? (gsize) b->payload + 1 : 0) + 2;
}

/* The bytes a message of @c's can take: its prefixes and each line's text. */
static gsize
message_max (Bench        *b,
             const Client *c)
{
  return c->dests_len + c->n_parts * text_max (b);
}

/* One message's text, after a line's prefix, and the line's end. */
static char *
put_text (Bench  *b,
          Client *c,
          char   *p,
          gint64  now)
{
  p = put_uint (p, c->id);
  *p++ = ' ';
  p = put_uint (p, c->sent);
  *p++ = ' ';
  p = put_uint (p, (guint64) now);
  if (b->payload > 0)
    {
      memcpy (p, b->padding, (gsize) b->payload + 1);
      p += b->payload + 1;
    }
  if (b->irc)
    *p++ = '\r';
  *p++ = '\n';
  return p;
}

/* Appends as many messages as the window allows, then flushes. */
static void
client_fill (Bench  *b,
             Client *c,
             gint64  now)
{
  gsize line_max = message_max (b, c);

  if (c->state != CLIENT_READY || c->out == NULL)
    return;

  if (c->out_off > 0 && c->out_off < c->out_len)
    {
      memmove (c->out, c->out + c->out_off, c->out_len - c->out_off);
      c->out_len -= c->out_off;
      c->out_off = 0;
    }
  else if (c->out_off == c->out_len)
    {
      c->out_off = c->out_len = 0;
    }

  while (c->sent < (guint32) b->messages && c->sent - c->done < (guint32) b->window)
    {
      char *p;

      if (c->out_len + line_max > c->out_cap)
        {
          /* Not reached: unsent lines are in flight, so at most a window. */
          c->out_cap = 2 * (c->out_len + line_max);
          c->out = g_realloc (c->out, c->out_cap);
        }
      p = c->out + c->out_len;
      if (G_LIKELY (c->n_parts == 1))
        {
          memcpy (p, c->dests, c->dests_len);
          p = put_text (b, c, p + c->dests_len, now);
        }
      else
        {
          /* IRC, too many recipients for one line: the same text on
           * each of the message's lines, the sender's own copy last. */
          const char *d = c->dests, *d_end = c->dests + c->dests_len;

          for (guint32 part = 0; part < c->n_parts; part++)
            {
              const char *nl = memchr (d, '\n', (gsize) (d_end - d));
              gsize       n = (gsize) ((nl != NULL ? nl : d_end) - d);

              memcpy (p, d, n);
              p = put_text (b, c, p + n, now);
              d += n + 1;
            }
        }
      c->out_len = (gsize) (p - c->out);
      c->sent++;
    }

  if (c->out_off < c->out_len && !(c->events & EPOLLOUT))
    client_flush (b, c);
}

/* ---- receiving ---------------------------------------------------------- */

/* Returns: the index in last_seq for sender @s at recipient @r, or -1 if
 * this recipient should not hear from that sender */
static gssize
slot_of (Bench  *b,
         guint32 r,
         guint64 s)
{
  guint32 n = (guint32) b->n_clients;

  if (s >= (guint64) b->n_total)
    return -1;

  switch (b->scenario)
    {
    case SCENARIO_THROUGHPUT:
      {
        guint32 d = (r + n - (guint32) s) % n;

        if (d >= (guint32) b->recipients)
          return -1;
        return (gssize) r * b->recipients + d;
      }
    case SCENARIO_FANOUT:
      return s == 0 ? (gssize) r : -1;
    case SCENARIO_SLOWREADER:
      if ((int) r == b->slow_index)
        return s < n ? (gssize) (n + s) : -1;
      return s == r ? (gssize) r : -1;
    case SCENARIO_ROOM:
      return room_slot_of (b, r, s);
    case SCENARIO_IDLE:
    default:
      return -1;
    }
}

void
show_error (Bench      *b,
            Client     *c,
            const char *line,
            gsize       len,
            gint64      now)
{
  b->errors++;
  if (len >= 20 && memcmp (line, "error: slow consumer", 20) == 0 &&
      (int) c->id == b->slow_index)
    b->slow_notice = TRUE;
  /* The server forgot the slow reader's name: it has dropped it, even if
   * the connection stays open while its last notice waits. */
  if (b->slow_gone_at == 0 && b->slow_gone_len > 0 && len == b->slow_gone_len &&
      memcmp (line, b->slow_gone, len) == 0)
    b->slow_gone_at = now;
  if (b->errors <= MAX_ERRORS_SHOWN)
    g_printerr ("  c%u got: %.*s\n", c->id, (int) MIN (len, 200), line);
}

/* One chat line "from cS: S SEQ TS..." (the fast path). */
static void
handle_chat (Bench      *b,
             Client     *c,
             const char *p,
             const char *end,
             gint64      now)
{
  guint64 s;

  p = get_uint (p, end, &s);
  if (p != NULL && b->scenario == SCENARIO_ROOM && c->state != CLIENT_LOGIN)
    p = room_skip_prefix (b, c, p, end);
  if (p == NULL || end - p < 2 || p[0] != ':' || p[1] != ' ')
    {
      b->corrupt++;
      return;
    }
  handle_chat_text (b, c, s, p + 2, end, now);
}

/* A delivered line from client @s, whose text is @p to @end: the login's
 * round-trip, or "S SEQ TIME[ PADDING]" of the timed phase. Shared by
 * the text and IRC dialects. */
void
handle_chat_text (Bench      *b,
                  Client     *c,
                  guint64     s,
                  const char *p,
                  const char *end,
                  gint64      now)
{
  guint64  s2, seq, ts;
  gssize   slot;
  gboolean duplicate = FALSE;

  if (c->state == CLIENT_LOGIN)
    {
      /* The self round-trip that proves the login was taken. */
      if (s == c->id)
        {
          c->state = CLIENT_READY;
          c->t_logged_in = now;
          b->pending--;
          b->n_ready++;
        }
      return;
    }

  p = get_uint (p, end, &s2);
  if (p == NULL || p == end || *p++ != ' ')
    goto corrupt;
  p = get_uint (p, end, &seq);
  if (p == NULL || p == end || *p++ != ' ')
    goto corrupt;
  p = get_uint (p, end, &ts);
  if (p == NULL || s2 != s)
    goto corrupt;

  if (!b->timed)
    {
      b->unexpected++;
      return;
    }

  c->received++;
  b->lines++;
  b->t_last_line = now;

  slot = slot_of (b, c->id, s);
  if (slot < 0)
    {
      b->unexpected++;
      return;
    }
  if (seq + 1 < b->last_seq[slot])
    b->reordered++;
  else if (seq + 1 == b->last_seq[slot])
    {
      b->duplicates++;
      duplicate = TRUE;
    }
  else
    b->last_seq[slot] = (guint32) (seq + 1);

  if (b->scenario == SCENARIO_ROOM)
    {
      /* No copy comes back to a room's sender: the others' count. */
      if (!duplicate)
        room_copy_seen (b, s, seq, ts, now);
      return;
    }

  if (s == c->id && c->sent > c->done)
    {
      /* Our own copy: the message is done. */
      c->done++;
      b->msgs_done++;
      hist_add (b, now > (gint64) ts ? (guint64) (now - (gint64) ts) / 1000 : 0);
      if (b->msgs_done * 4 == b->msgs_total)
        b->t_quarter = now;
      if (b->msgs_done * 4 == b->msgs_total * 3)
        b->t_three_quarters = now;
      if (c->sent < (guint32) b->messages)
        mark_dirty (b, c);
    }
  return;

corrupt:
  b->corrupt++;
}

#define UNAVAILABLE_LINE "error: service unavailable, try again"

/* The server refused @c's login for now (a cluster node before it is
 * ready, as after a fresh Redis): the connection is closed and made
 * again LOGIN_RETRY_WAIT later (connect_clients()), unless --login-retry
 * seconds have passed since the first attempt. */
static void
client_retry_login (Bench  *b,
                    Client *c,
                    gint64  now)
{
  if (now - c->t_first_try > (gint64) (b->login_retry * 1e9))
    {
      if (b->n_failed < MAX_ERRORS_SHOWN)
        g_printerr ("c%u: login still refused after %.0f s: %s\n", c->id, b->login_retry,
                    UNAVAILABLE_LINE);
      client_close (b, c);
      return;
    }
  if (c->tls != NULL)
    tls_client_close (c);
  close (c->fd); /* also leaves the epoll set */
  c->fd = -1;
  c->in_epoll = FALSE;
  c->events = 0;
  c->part_len = 0;
  c->skip_line = FALSE;
  c->state = CLIENT_NEW;
  c->retry_at = now + LOGIN_RETRY_WAIT;
  b->pending--;
  b->n_retrying++;
  b->login_retries++;
}

/* Whether @line (@len bytes) is @head, then @e's name, then @tail. */
static gboolean
line_names (const char       *line,
            gsize             len,
            const char       *head,
            const BarrierEnd *e,
            const char       *tail)
{
  gsize head_len = strlen (head), tail_len = strlen (tail);

  return len == head_len + e->name_len + tail_len && memcmp (line, head, head_len) == 0 &&
         memcmp (line + head_len, e->name, e->name_len) == 0 &&
         memcmp (line + head_len + e->name_len, tail, tail_len) == 0;
}

/* A line to one of the barrier's clients (cluster_barrier()): its login's
 * round-trip, the other's probe, or its own probe refused. None of them
 * counts in the figures of the timed phase. */
static void
barrier_line (Bench      *b,
              Client     *c,
              const char *line,
              gsize       len,
              gint64      now)
{
  guint32     k = c->id - (guint32) b->n_total;
  BarrierEnd *self = &b->barrier[k], *other = &b->barrier[1 - k];

  if (c->state == CLIENT_LOGIN && line_names (line, len, "from ", self, ": hi"))
    {
      /* Not one of the n_ready: only the clients measured are. */
      c->state = CLIENT_READY;
      c->t_logged_in = now;
      b->pending--;
    }
  else if (c->state == CLIENT_READY && line_names (line, len, "from ", other, ": probe"))
    {
      other->seen = TRUE;
      other->sent = 0;
    }
  else if (c->state == CLIENT_READY && line_names (line, len, "error: no such peer: ", other, ""))
    {
      self->sent = 0;
      b->barrier_refused++;
    }
  else if (c->state == CLIENT_LOGIN && b->login_retry > 0 &&
           len == sizeof UNAVAILABLE_LINE - 1 && memcmp (line, UNAVAILABLE_LINE, len) == 0)
    {
      client_retry_login (b, c, now);
    }
  else if (b->barrier_stray++ < MAX_ERRORS_SHOWN)
    {
      g_printerr ("  %s got: %.*s\n", self->name, (int) MIN (len, 200), line);
    }
}

static void
handle_line (Bench      *b,
             Client     *c,
             const char *line,
             gsize       len,
             gint64      now)
{
  if (G_UNLIKELY (c->id >= (guint32) b->n_total))
    {
      barrier_line (b, c, line, len, now);
      return;
    }
  if (b->irc)
    {
      irc_handle_line (b, c, line, len, now);
      return;
    }
  if (G_LIKELY (len > 6 && memcmp (line, "from c", 6) == 0))
    handle_chat (b, c, line + 6, line + len, now);
  else if (c->state == CLIENT_LOGIN && b->login_retry > 0 &&
           len == sizeof UNAVAILABLE_LINE - 1 && memcmp (line, UNAVAILABLE_LINE, len) == 0)
    client_retry_login (b, c, now);
  else if (len >= 7 && memcmp (line, "error: ", 7) == 0)
    show_error (b, c, line, len, now);
  else if (b->scenario != SCENARIO_ROOM || !room_handle_notice (b, c, line, len))
    b->unexpected++;
}

/* Reads what is there (a few reads at most, so one busy socket does not
 * starve the others) and handles each complete line. */
static void
client_read_lines (Bench  *b,
                   Client *c)
{
  for (int iter = 0; iter < 4; iter++)
    {
      gsize   pl = c->part_len, total, start = 0, rest;
      ssize_t n;
      gint64  now;

      memcpy (b->rbuf, c->part, pl);
      n = G_LIKELY (c->tls == NULL) ? recv (c->fd, b->rbuf + pl, READ_BUF_SIZE - pl, MSG_DONTWAIT)
                                    : tls_recv (b, c, b->rbuf + pl, READ_BUF_SIZE - pl);
      if (n == 0)
        {
          client_close (b, c);
          return;
        }
      if (n < 0)
        {
          if (errno != EAGAIN && errno != EINTR)
            {
              c->close_errno = errno;
              client_close (b, c);
            }
          return;
        }

      now = now_ns ();
      total = pl + (gsize) n;
      if (c->skip_line)
        {
          const char *nl = memchr (b->rbuf, '\n', total);

          if (nl == NULL)
            {
              c->part_len = 0;
              continue;
            }
          start = (gsize) (nl - b->rbuf) + 1;
          c->skip_line = FALSE;
        }
      for (;;)
        {
          const char *line = b->rbuf + start;
          const char *nl = memchr (line, '\n', total - start);

          if (nl == NULL)
            break;
          handle_line (b, c, line, (gsize) (nl - line), now);
          /* Closed to log in again: the rest was for the old connection. */
          if (G_UNLIKELY (c->fd < 0))
            return;
          start = (gsize) (nl - b->rbuf) + 1;
        }
      rest = total - start;
      if (rest > PART_MAX)
        {
          b->overlong++;
          c->skip_line = TRUE;
          rest = 0;
        }
      memcpy (c->part, b->rbuf + start, rest);
      c->part_len = (guint16) rest;
      if ((gsize) n < READ_BUF_SIZE - pl)
        return;
    }
}

/* Whether GnuTLS holds decrypted bytes of @c's that epoll cannot see. */
static gboolean
tls_has_pending (Client *c)
{
  return c->tls != NULL && c->state != CLIENT_CLOSED && gnutls_record_check_pending (c->tls) > 0;
}

static void
client_read (Bench  *b,
             Client *c)
{
  client_read_lines (b, c);
  /* Left in GnuTLS (a read's limit was reached): read again before the
   * loop waits, as the socket may not be readable any more. */
  if (G_UNLIKELY (c->tls != NULL) && !c->tls_pending && tls_has_pending (c))
    {
      c->tls_pending = TRUE;
      b->tls_pending[b->n_tls_pending++] = (int) c->id;
    }
}

/* Reads the clients whose decrypted bytes wait in GnuTLS. One that is
 * put back on the list goes where one already read was. */
static void
read_tls_pending (Bench *b)
{
  int n = b->n_tls_pending;

  b->n_tls_pending = 0;
  for (int i = 0; i < n; i++)
    {
      Client *c = &b->clients[b->tls_pending[i]];

      c->tls_pending = FALSE;
      if (c->state != CLIENT_CLOSED && c->in_epoll)
        client_read (b, c);
    }
}

/* ---- connecting and logging in ----------------------------------------- */

/* Sends a small line (login, join, PONG) on its own. Returns: TRUE if it
 * was taken whole (over TLS: or made and waiting in GnuTLS for room);
 * otherwise says why, as sending the @what failed. */
gboolean
client_send_small (Bench      *b,
                   Client     *c,
                   const char *data,
                   gsize       len,
                   const char *what)
{
  ssize_t n;

  if (G_UNLIKELY (c->tls != NULL))
    {
      if (tls_send_small (b, c, data, len))
        return TRUE;
      n = -1;
    }
  else
    {
      n = send (c->fd, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n == (ssize_t) len)
        return TRUE;
    }
  g_printerr ("c%u: sending the %s failed: %s\n", c->id, what,
              n < 0 ? g_strerror (errno) : "short write");
  return FALSE;
}

void
client_send_login (Bench  *b,
                   Client *c)
{
  char  line[MAX (3 * NUM_MAX_LEN + 64, 2 * BARRIER_NAME_MAX + 8)];
  char *p = line;

  /* "cI\ncI: hi\n": the login, then a message to ourselves whose return
   * proves that the server has taken the name (IRC: the same in NICK,
   * USER and PRIVMSG; the barrier's clients: their own names). */
  if (G_UNLIKELY (c->id >= (guint32) b->n_total))
    {
      const BarrierEnd *e = &b->barrier[c->id - (guint32) b->n_total];

      memcpy (p, e->name, e->name_len);
      p += e->name_len;
      *p++ = '\n';
      memcpy (p, e->name, e->name_len);
      p += e->name_len;
      memcpy (p, ": hi\n", 5);
      p += 5;
    }
  else if (b->irc)
    p = irc_put_login (p, c->id);
  else
    {
      *p++ = 'c';
      p = put_uint (p, c->id);
      *p++ = '\n';
      *p++ = 'c';
      p = put_uint (p, c->id);
      memcpy (p, ": hi\n", 5);
      p += 5;
    }

  if (!client_send_small (b, c, line, (gsize) (p - line), "login"))
    {
      client_close (b, c);
      return;
    }
  c->state = CLIENT_LOGIN;
  client_set_events (b, c, c->tls_again != TLS_AGAIN_NONE ? EPOLLIN | EPOLLOUT : EPOLLIN);
}

/* The TCP connection is up: the login goes out, or over TLS the
 * handshake starts. */
static void
client_established (Bench  *b,
                    Client *c)
{
  if (b->tls)
    tls_client_start (b, c);
  else
    client_send_login (b, c);
}

static gboolean
client_start_connect (Bench  *b,
                      Client *c)
{
  struct sockaddr_in sa = { 0 };
  int                one = 1;

  c->t_connect = now_ns ();
  if (c->t_first_try == 0)
    c->t_first_try = c->t_connect;
  c->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd < 0)
    {
      g_printerr ("socket: %s\n", g_strerror (errno));
      return FALSE;
    }
  /* Lines are batched per loop already; Nagle would only add delay. */
  setsockopt (c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  sa.sin_family = AF_INET;
  sa.sin_port = htons ((guint16) client_port (b, c->id));
  sa.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  b->pending++;
  if (connect (c->fd, (struct sockaddr *) &sa, sizeof sa) == 0)
    {
      c->state = CLIENT_CONNECTING;
      c->t_established = now_ns ();
      client_established (b, c);
      return TRUE;
    }
  if (errno != EINPROGRESS)
    {
      g_printerr ("connect: %s\n", g_strerror (errno));
      c->state = CLIENT_CONNECTING;
      client_close (b, c);
      return FALSE;
    }
  c->state = CLIENT_CONNECTING;
  client_set_events (b, c, EPOLLOUT);
  return TRUE;
}

static void
client_connected (Bench  *b,
                  Client *c)
{
  int       err = 0;
  socklen_t len = sizeof err;

  if (getsockopt (c->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0)
    {
      if (b->n_failed < MAX_ERRORS_SHOWN)
        g_printerr ("c%u: connect: %s\n", c->id, g_strerror (err ? err : errno));
      client_close (b, c);
      return;
    }
  c->t_established = now_ns ();
  client_established (b, c);
}

/* ---- the loop ------------------------------------------------------------ */

/* Waits up to @timeout_ms for events, handles them, then fills and
 * flushes every client that became ready to send. */
void
poll_once (Bench *b,
           int    timeout_ms)
{
  struct epoll_event events[MAX_EVENTS];
  gint64             now;
  int                n, i;

  /* Clients marked from outside (the start of the timed phase) send now,
   * not after the wait: otherwise every run began with up to
   * @timeout_ms of nothing. */
  n = epoll_wait (b->epfd, events, MAX_EVENTS,
                  b->n_dirty > 0 || b->n_tls_pending > 0 ? 0 : timeout_ms);
  if (n < 0)
    {
      if (errno != EINTR)
        g_printerr ("epoll_wait: %s\n", g_strerror (errno));
      return;
    }

  for (i = 0; i < n; i++)
    {
      Client *c = &b->clients[events[i].data.u64];
      guint32 ev = events[i].events;

      if (c->state == CLIENT_CLOSED || c->state == CLIENT_NEW)
        continue;
      if (c->state == CLIENT_CONNECTING)
        {
          client_connected (b, c);
          continue;
        }
      if (c->state == CLIENT_HANDSHAKE)
        {
          tls_client_handshake (b, c);
          continue;
        }
      if (ev & (EPOLLIN | EPOLLHUP | EPOLLERR))
        client_read (b, c);
      if ((ev & EPOLLOUT) && c->state != CLIENT_CLOSED)
        {
          client_flush (b, c);
          if (c->state == CLIENT_READY && c->out_len == 0)
            mark_dirty (b, c);
        }
    }
  if (G_UNLIKELY (b->n_tls_pending > 0))
    read_tls_pending (b);

  if (b->n_dirty == 0)
    return;
  now = now_ns ();
  for (i = 0; i < b->n_dirty; i++)
    {
      Client *c = &b->clients[b->dirty[i]];

      c->dirty = FALSE;
      client_fill (b, c, now);
    }
  b->n_dirty = 0;
}

gboolean
past (gint64 deadline)
{
  return now_ns () >= deadline;
}

/* Connects again the clients among [first, end) whose refused login is
 * due to be tried again, within connect_batch. Returns: FALSE if a
 * connect() failed */
static gboolean
retry_logins (Bench *b,
              int    first,
              int    end)
{
  gint64   now = now_ns ();
  gboolean ok = TRUE;

  for (int i = first; i < end && b->n_retrying > 0 && b->pending < b->connect_batch; i++)
    {
      Client *c = &b->clients[i];

      if (c->state != CLIENT_NEW || c->retry_at == 0 || c->retry_at > now)
        continue;
      c->retry_at = 0;
      b->n_retrying--;
      if (!client_start_connect (b, c))
        ok = FALSE;
    }
  return ok;
}

/* Connects and logs in clients [first, first + count), at most
 * connect_batch at a time. Returns: FALSE if some failed or time ran out */
gboolean
connect_clients (Bench *b,
                 int    first,
                 int    count)
{
  int      next = first, end = first + count;
  gboolean ok = TRUE;

  while ((next < end || b->pending > 0 || b->n_retrying > 0) && !past (b->deadline))
    {
      if (ok && b->n_retrying > 0 && !retry_logins (b, first, next))
        ok = FALSE;
      while (ok && next < end && b->pending < b->connect_batch)
        {
          Client *c = &b->clients[next++];

          if (!client_start_connect (b, c))
            ok = FALSE;
        }
      if (!ok && b->pending == 0)
        break;
      poll_once (b, b->n_retrying > 0 ? 20 : 100);
    }
  return ok && b->n_failed == 0 && next == end && b->pending == 0 && b->n_retrying == 0;
}

/* ---- set-up -------------------------------------------------------------- */

/* The @k-th recipient of sender @s's messages (throughput, fanout). */
int
recipient_of (Bench *b,
              int    s,
              int    k)
{
  /* throughput: itself, then the next K-1 in the ring. fanout: everyone,
   * the sender last, so that its own copy is queued after all the others
   * and its latency covers the whole fan-out. */
  if (b->scenario == SCENARIO_FANOUT)
    return (k + 1) % b->n_clients;
  return (s + k) % b->n_clients;
}

/* --port2: the percentage of the lines delivered whose recipient is
 * on the other node than the sender (throughput, fanout, room; else 0). */
static double
cross_node_pct (Bench *b)
{
  guint64 all = 0, cross = 0;

  for (int s = 0; s < b->n_senders; s++)
    {
      int n = b->scenario == SCENARIO_ROOM ? b->members : b->recipients;

      for (int k = 0; k < n; k++)
        {
          int r;

          if (b->scenario == SCENARIO_THROUGHPUT || b->scenario == SCENARIO_FANOUT)
            r = recipient_of (b, s, k);
          else if (b->scenario == SCENARIO_ROOM)
            r = s / b->members * b->members + k;
          else
            r = s;
          if (b->scenario == SCENARIO_ROOM && r == s)
            continue; /* no copy comes back to a room's sender */
          all++;
          if (client_port (b, (guint32) r) != client_port (b, (guint32) s))
            cross++;
        }
    }
  return all > 0 ? 100.0 * (double) cross / (double) all : 0;
}

static void
bench_setup (Bench *b)
{
  GString *dests = g_string_new (NULL);
  gsize   *offsets;
  guint32 *parts;

  b->n_total = b->n_clients + (b->scenario == SCENARIO_SLOWREADER ? 1 : 0);
  if (b->scenario == SCENARIO_LOGINS)
    b->n_total += b->logins;
  b->timed_first = b->scenario == SCENARIO_LOGINS ? b->n_clients : b->n_total;
  b->slow_index = b->scenario == SCENARIO_SLOWREADER ? b->n_clients : -1;
  if (b->slow_index >= 0)
    b->slow_gone_len = (gsize) g_snprintf (b->slow_gone, sizeof b->slow_gone,
                                           "error: no such peer: c%d", b->slow_index);
  /* --port2: the barrier's clients after the others (the text dialect's
   * scenarios that send messages; IRC has none). */
  if (b->port2 > 0 && !b->irc && b->scenario != SCENARIO_IDLE && b->scenario != SCENARIO_LOGINS)
    b->n_barrier = BARRIER_CLIENTS;
  b->clients = g_new0 (Client, b->n_total + b->n_barrier);
  b->dirty = g_new (int, b->n_total + b->n_barrier);
  b->rbuf = g_malloc (READ_BUF_SIZE);
  b->hist = g_new0 (guint64, HIST_BUCKETS);
  b->epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (b->payload > 0)
    {
      b->padding = g_malloc ((gsize) b->payload + 1);
      b->padding[0] = ' ';
      memset (b->padding + 1, 'x', (gsize) b->payload);
    }

  switch (b->scenario)
    {
    case SCENARIO_THROUGHPUT:
      b->n_senders = b->n_clients;
      b->n_slots = (gsize) b->n_clients * (gsize) b->recipients;
      break;
    case SCENARIO_FANOUT:
      b->n_senders = 1;
      b->n_slots = (gsize) b->n_clients;
      break;
    case SCENARIO_SLOWREADER:
      b->n_senders = b->n_clients;
      b->n_slots = 2 * (gsize) b->n_clients;
      break;
    case SCENARIO_ROOM:
      b->n_senders = b->n_clients;
      b->n_slots = (gsize) b->n_clients * (gsize) b->members;
      b->copies = g_new0 (guint32, (gsize) b->n_senders * (gsize) b->window);
      break;
    case SCENARIO_IDLE:
    case SCENARIO_LOGINS:
    default:
      b->n_senders = 0;
      b->n_slots = 1;
      break;
    }
  b->last_seq = g_new0 (guint32, b->n_slots);
  b->msgs_total = (guint64) b->n_senders * (guint64) b->messages;

  /* Recipient prefixes, all in one string: "cA,cB: ". */
  offsets = g_new0 (gsize, b->n_senders + 1);
  parts = g_new0 (guint32, b->n_senders);
  for (int s = 0; s < b->n_senders; s++)
    {
      offsets[s] = dests->len;
      if (b->irc)
        {
          irc_setup_dests (b, s, dests, &parts[s]);
          continue;
        }
      parts[s] = 1;
      switch (b->scenario)
        {
        case SCENARIO_THROUGHPUT:
        case SCENARIO_FANOUT:
          for (int k = 0; k < b->recipients; k++)
            g_string_append_printf (dests, "%sc%d", k ? "," : "", recipient_of (b, s, k));
          break;
        case SCENARIO_SLOWREADER:
          g_string_append_printf (dests, "c%d,c%d", s, b->slow_index);
          break;
        case SCENARIO_ROOM:
          room_setup_dests (b, s, dests);
          break;
        case SCENARIO_IDLE:
        default:
          break;
        }
      g_string_append (dests, ": ");
    }
  offsets[b->n_senders] = dests->len;
  b->dests = g_string_free (dests, FALSE);
  if (b->port2 > 0)
    b->cross_node_pct = cross_node_pct (b);

  for (int i = 0; i < b->n_total; i++)
    {
      Client *c = &b->clients[i];

      c->fd = -1;
      c->id = (guint32) i;
      c->state = CLIENT_NEW;
      if (i < b->n_senders)
        {
          c->dests = b->dests + offsets[i];
          c->dests_len = offsets[i + 1] - offsets[i];
          c->n_parts = parts[i];
          c->out_cap = (gsize) b->window * message_max (b, c);
          c->out = g_malloc (c->out_cap);
        }
      switch (b->scenario)
        {
        case SCENARIO_THROUGHPUT:
          c->expected = (guint64) b->recipients * (guint64) b->messages;
          break;
        case SCENARIO_FANOUT:
          c->expected = (guint64) b->messages;
          break;
        case SCENARIO_SLOWREADER:
          c->expected = i == b->slow_index ? 0 : (guint64) b->messages;
          break;
        case SCENARIO_ROOM:
          c->expected = (guint64) (b->members - 1) * (guint64) b->messages;
          break;
        case SCENARIO_IDLE:
        default:
          c->expected = 0;
          break;
        }
    }
  g_free (offsets);
  g_free (parts);

  for (int k = 0; k < b->n_barrier; k++)
    {
      Client *c = &b->clients[b->n_total + k];

      c->fd = -1;
      c->id = (guint32) (b->n_total + k);
      c->state = CLIENT_NEW;
      b->barrier[k].name_len = (gsize) g_snprintf (b->barrier[k].name, sizeof b->barrier[k].name,
                                                   "zbarrier%d-%d", k + 1, (int) getpid ());
    }
}

static void
bench_free (Bench *b)
{
  for (int i = 0; i < b->n_total + b->n_barrier; i++)
    {
      if (b->clients[i].tls != NULL)
        tls_client_close (&b->clients[i]);
      if (b->clients[i].fd >= 0)
        close (b->clients[i].fd);
      g_free (b->clients[i].out);
    }
  tls_free (b);
  g_free (b->ca_file);
  g_free (b->tls_priority);
  if (b->epfd >= 0)
    close (b->epfd);
  g_free (b->clients);
  g_free (b->dirty);
  g_free (b->rbuf);
  g_free (b->hist);
  g_free (b->last_seq);
  g_free (b->copies);
  g_free (b->dests);
  g_free (b->padding);
}

/* ---- the timed phase ------------------------------------------------------ */

static void
snapshot (Bench    *b,
          Snapshot *s)
{
  s->t = now_ns ();
  s->gen_cpu = cpu_seconds_self ();
  s->server_cpu = cpu_seconds_of (b->server_pid);
  s->server2_cpu = cpu_seconds_of (b->server2_pid);
  s->redis_cpu = cpu_seconds_of (b->redis_pid);
  s->have_machine = machine_cpu (&s->machine_busy, &s->machine_softirq);
}

static gboolean
all_sent (Bench *b)
{
  for (int i = 0; i < b->n_senders; i++)
    {
      const Client *c = &b->clients[i];

      if (c->state == CLIENT_READY && c->done < (guint32) b->messages)
        return FALSE;
    }
  return TRUE;
}

static gboolean
all_received (Bench *b)
{
  for (int i = 0; i < b->n_total; i++)
    {
      const Client *c = &b->clients[i];

      if (c->state == CLIENT_READY && c->received < c->expected)
        return FALSE;
    }
  return TRUE;
}

static guint64
count_lost (Bench *b)
{
  guint64 lost = 0;

  for (int i = 0; i < b->n_total; i++)
    {
      const Client *c = &b->clients[i];

      if (c->received < c->expected)
        lost += c->expected - c->received;
    }
  return lost;
}

gboolean
run_timed (Bench    *b,
           Snapshot *start,
           Snapshot *end,
           TickFunc  tick,
           gpointer  tick_data)
{
  gint64   drain_end, next_tick, stall_ns = (gint64) (b->stall * 1e9);
  gboolean finished;

  snapshot (b, start);
  b->timed = TRUE;
  b->t_start = b->t_last_line = start->t;
  for (int i = 0; i < b->n_senders; i++)
    if (b->clients[i].state == CLIENT_READY)
      mark_dirty (b, &b->clients[i]);

  next_tick = start->t + 100 * G_GINT64_CONSTANT (1000000);
  while (!all_sent (b) && !past (b->deadline))
    {
      if (now_ns () - b->t_last_line > stall_ns)
        {
          g_print ("  STALLED: no line for %.0f s, giving up\n", b->stall);
          b->stalled = TRUE;
          break;
        }
      poll_once (b, tick ? 20 : 100);
      if (tick != NULL && now_ns () >= next_tick)
        {
          gint64 now = now_ns ();

          tick (b, now, tick_data);
          next_tick = now + 100 * G_GINT64_CONSTANT (1000000);
        }
    }

  /* Own copies may overtake copies to others: wait a little for those. */
  drain_end = MIN (b->deadline, now_ns () + (gint64) (b->drain * 1e9));
  while (!all_received (b) && now_ns () < drain_end)
    poll_once (b, 20);

  finished = all_sent (b) && !past (b->deadline) && !b->stalled;
  snapshot (b, end);
  return finished;
}

/* Returns: the CPU seconds between @start and @end of a process of
 * which they hold @a and @b, or -1 if either is unknown */
static double
cpu_between (double a,
             double b)
{
  return a >= 0 && b >= 0 ? b - a : -1;
}

/* Returns: the server's CPU seconds between @start and @end, both
 * nodes' with --server2-pid, or -1 if unknown */
static double
server_cpu_between (Bench          *b,
                    const Snapshot *start,
                    const Snapshot *end)
{
  double server = cpu_between (start->server_cpu, end->server_cpu);
  double server2 = cpu_between (start->server2_cpu, end->server2_cpu);

  if (b->server2_pid <= 0)
    return server;
  return server >= 0 && server2 >= 0 ? server + server2 : -1;
}

/* --server2-pid and --redis-pid: each process's CPU seconds. */
static void
print_cluster_cpu (Bench          *b,
                   const Snapshot *start,
                   const Snapshot *end,
                   double          wall,
                   GString        *result)
{
  double server = cpu_between (start->server_cpu, end->server_cpu);
  double server2 = cpu_between (start->server2_cpu, end->server2_cpu);
  double redis = cpu_between (start->redis_cpu, end->redis_cpu);

  if (b->server2_pid > 0)
    {
      g_print ("  CPU           server 1 (:%d) %.2f s (%.0f%%), server 2 (:%d) %.2f s (%.0f%%)\n",
               b->port, server, 100 * server / wall, b->port2, server2, 100 * server2 / wall);
      if (server >= 0)
        g_string_append_printf (result, " server1_cpu_s=%.3f", server);
      else
        g_string_append (result, " server1_cpu_s=NA");
      if (server2 >= 0)
        g_string_append_printf (result, " server2_cpu_s=%.3f", server2);
      else
        g_string_append (result, " server2_cpu_s=NA");
    }
  if (b->redis_pid <= 0)
    return;
  if (redis < 0)
    {
      g_string_append (result, " redis_cpu_s=NA redis_cpu_pct=NA");
      return;
    }
  g_print ("  CPU           redis-server %.2f s (%.0f%%)", redis, 100 * redis / wall);
  g_string_append_printf (result, " redis_cpu_s=%.3f redis_cpu_pct=%.1f", redis,
                          100 * redis / wall);
  if (b->lines > 0)
    {
      g_print (", %.0f ns per delivered line", redis * 1e9 / (double) b->lines);
      g_string_append_printf (result, " redis_ns_per_line=%.0f",
                              redis * 1e9 / (double) b->lines);
    }
  g_print ("\n");
}

void
print_cpu (Bench          *b,
           const Snapshot *start,
           const Snapshot *end,
           GString        *result)
{
  double wall = MAX (seconds_between (start->t, end->t), 1e-3);
  double gen = end->gen_cpu - start->gen_cpu;
  double server = server_cpu_between (b, start, end);
  double redis = cpu_between (start->redis_cpu, end->redis_cpu);

  g_print ("  CPU           generator %.2f s (%.0f%% of one core)", gen, 100 * gen / wall);
  g_string_append_printf (result, " gen_cpu_s=%.3f gen_cpu_pct=%.1f", gen, 100 * gen / wall);
  if (server >= 0)
    {
      g_print (", server%s %.2f s (%.0f%%)", b->server2_pid > 0 ? "s" : "", server,
               100 * server / wall);
      g_string_append_printf (result, " server_cpu_s=%.3f server_cpu_pct=%.1f",
                              server, 100 * server / wall);
      if (b->lines > 0)
        {
          g_print (", %.0f ns of server CPU per delivered line",
                   server * 1e9 / (double) b->lines);
          g_string_append_printf (result, " server_ns_per_line=%.0f",
                                  server * 1e9 / (double) b->lines);
        }
    }
  else
    {
      g_string_append (result, " server_cpu_s=NA server_cpu_pct=NA");
    }
  g_print ("\n");
  print_cluster_cpu (b, start, end, wall, result);

  if (start->have_machine && end->have_machine)
    {
      double busy = end->machine_busy - start->machine_busy;
      double softirq = end->machine_softirq - start->machine_softirq;

      /* Percent of one core, like the figures above (100 per core).
       * With tick-based accounting, softirq work done in a process's
       * context (most of loopback TCP) is charged to that process too, so
       * "other" is what neither process accounts for: other processes and
       * ksoftirqd, i.e. mostly noise in this measurement. */
      double      other = busy - gen - (server >= 0 ? server : 0) - (redis >= 0 ? redis : 0);
      const char *others = b->redis_pid > 0     ? "s or redis-server"
                           : b->server2_pid > 0 ? "s"
                                                : "";

      g_print ("  machine       %.0f%% busy (of %ld00%%): softirq %.0f%%,"
               " not generator or server%s %.0f%%\n",
               100 * busy / wall, sysconf (_SC_NPROCESSORS_ONLN), 100 * softirq / wall,
               others, 100 * other / wall);
      g_string_append_printf (result, " machine_busy_pct=%.1f machine_softirq_pct=%.1f"
                                      " machine_other_pct=%.1f",
                              100 * busy / wall, 100 * softirq / wall, 100 * other / wall);
    }
}

void
print_delivery (Bench   *b,
                GString *result)
{
  double  elapsed = seconds_between (b->t_start, b->t_last_line);
  double  lps = elapsed > 0 ? (double) b->lines / elapsed : 0;
  double  mps = elapsed > 0 ? (double) b->msgs_done / elapsed : 0;
  guint64 lost = count_lost (b);
  guint64 p50 = hist_quantile (b, 0.50), p99 = hist_quantile (b, 0.99);
  guint64 p999 = hist_quantile (b, 0.999);

  g_print ("  elapsed       %.3f s (to the last line received)\n", elapsed);
  g_print ("  delivered     %" G_GUINT64_FORMAT " lines, %.0f lines/s\n", b->lines, lps);
  g_print ("  messages      %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT " done, %.0f msg/s\n",
           b->msgs_done, b->msgs_total, mps);
  g_print ("  latency (us)  p50 %" G_GUINT64_FORMAT "  p99 %" G_GUINT64_FORMAT
           "  p99.9 %" G_GUINT64_FORMAT "  max %" G_GUINT64_FORMAT "\n",
           p50, p99, p999, b->hist_max);
  g_print ("  checks        lost %" G_GUINT64_FORMAT "  reordered %" G_GUINT64_FORMAT
           "  duplicates %" G_GUINT64_FORMAT "  unexpected %" G_GUINT64_FORMAT
           "  corrupt %" G_GUINT64_FORMAT "  errors %" G_GUINT64_FORMAT
           "  disconnects %d\n",
           lost, b->reordered, b->duplicates, b->unexpected, b->corrupt,
           b->errors, b->disconnects);

  g_string_append_printf (result,
                          " elapsed_s=%.3f lines=%" G_GUINT64_FORMAT " lines_per_s=%.0f"
                          " msgs=%" G_GUINT64_FORMAT " msgs_per_s=%.0f"
                          " p50_us=%" G_GUINT64_FORMAT " p99_us=%" G_GUINT64_FORMAT
                          " p999_us=%" G_GUINT64_FORMAT " max_us=%" G_GUINT64_FORMAT
                          " lost=%" G_GUINT64_FORMAT " reordered=%" G_GUINT64_FORMAT
                          " duplicates=%" G_GUINT64_FORMAT " unexpected=%" G_GUINT64_FORMAT
                          " corrupt=%" G_GUINT64_FORMAT " errors=%" G_GUINT64_FORMAT
                          " disconnects=%d",
                          elapsed, b->lines, lps, b->msgs_done, mps, p50, p99, p999,
                          b->hist_max, lost, b->reordered, b->duplicates, b->unexpected,
                          b->corrupt, b->errors, b->disconnects);
  if (b->irc)
    {
      if (b->pings > 0)
        g_print ("  IRC           %" G_GUINT64_FORMAT " PINGs answered\n", b->pings);
      g_string_append_printf (result, " pings=%" G_GUINT64_FORMAT, b->pings);
    }
}

/* ---- the cluster barrier ---------------------------------------------------- */

/* Closes one of the barrier's clients, whatever its state, without
 * counting it as a failed login or a disconnect. */
static void
barrier_close (Bench  *b,
               Client *c)
{
  if (c->state == CLIENT_CONNECTING || c->state == CLIENT_HANDSHAKE || c->state == CLIENT_LOGIN)
    b->pending--;
  else if (c->state == CLIENT_NEW && c->retry_at != 0)
    b->n_retrying--;
  if (c->tls != NULL)
    tls_client_close (c);
  if (c->fd >= 0)
    close (c->fd); /* also leaves the epoll set */
  c->fd = -1;
  c->in_epoll = FALSE;
  c->retry_at = 0;
  c->state = CLIENT_CLOSED;
}

/* --port2: returns once each node has heard of every login (and room
 * join) made on the other, so that no message of the timed phase meets
 * "error: no such peer". A node learns the other's names from the
 * events the other publishes through Redis, in the order they were
 * published, on one subscription: once node A knows a name logged in
 * on node B after all the clients' logins were done, it knows theirs.
 * So zbarrier1-PID logs in on --port and zbarrier2-PID on --port2, and
 * each sends the other "NAME: probe", one probe in flight at a time,
 * again BARRIER_PROBE_EVERY after the last while it is refused with
 * "error: no such peer: NAME", until it is delivered; for at most
 * BARRIER_TIMEOUT. Their lines count in no figure (barrier_line()), and
 * they are closed before the timed phase. Returns: FALSE, with the
 * status in @result, if the barrier did not complete */
static gboolean
cluster_barrier (Bench   *b,
                 GString *result)
{
  gint64   t0 = now_ns (), end;
  gboolean ok;
  int      first = b->n_total;

  if (b->n_barrier == 0)
    return TRUE;
  /* tls_setup() made room for the n_total others only. */
  if (b->tls_pending != NULL)
    b->tls_pending = g_renew (int, b->tls_pending, b->n_total + b->n_barrier);

  ok = connect_clients (b, first, b->n_barrier);
  end = MIN (b->deadline, now_ns () + BARRIER_TIMEOUT);
  while (ok && !(b->barrier[0].seen && b->barrier[1].seen) && !past (end))
    {
      gint64 now = now_ns ();

      for (int k = 0; k < b->n_barrier && ok; k++)
        {
          Client           *c = &b->clients[first + k];
          BarrierEnd       *e = &b->barrier[k];
          const BarrierEnd *other = &b->barrier[1 - k];
          char              line[BARRIER_NAME_MAX + 8];
          gsize             n;

          if (c->state != CLIENT_READY)
            {
              ok = FALSE;
              break;
            }
          if (e->seen)
            continue;
          /* Lost on the way: neither delivered nor refused. */
          if (e->sent != 0 && now - e->sent > BARRIER_ANSWER_WAIT)
            e->sent = 0;
          if (e->sent != 0 || now < e->next)
            continue;
          memcpy (line, other->name, other->name_len);
          memcpy (line + other->name_len, ": probe\n", 8);
          n = other->name_len + 8;
          if (!client_send_small (b, c, line, n, "barrier probe"))
            {
              ok = FALSE;
              break;
            }
          e->sent = now;
          e->next = now + BARRIER_PROBE_EVERY;
        }
      if (ok)
        poll_once (b, 5);
    }
  ok = ok && b->barrier[0].seen && b->barrier[1].seen;
  for (int k = 0; k < b->n_barrier; k++)
    barrier_close (b, &b->clients[first + k]);

  if (!ok)
    {
      g_print ("  barrier       FAILED after %.3f s: %s's probe %s, %s's %s (%" G_GUINT64_FORMAT
               " probes refused with \"no such peer\")\n",
               seconds_between (t0, now_ns ()), b->barrier[0].name,
               b->barrier[0].seen ? "delivered" : "not delivered", b->barrier[1].name,
               b->barrier[1].seen ? "delivered" : "not delivered", b->barrier_refused);
      g_string_append_printf (result, " status=barrier-failed connected=%d", b->n_ready);
      return FALSE;
    }
  g_print ("  barrier       each node knew the other's logins after %.3f s (%" G_GUINT64_FORMAT
           " probes refused with \"no such peer\" first)\n",
           seconds_between (t0, now_ns ()), b->barrier_refused);
  g_string_append_printf (result, " barrier_s=%.3f barrier_refused=%" G_GUINT64_FORMAT,
                          seconds_between (t0, now_ns ()), b->barrier_refused);
  return TRUE;
}

/* ---- scenarios ------------------------------------------------------------ */

const char *
login_status (Bench   *b,
              gboolean ok)
{
  if (ok)
    return "ok";
  return past (b->deadline) ? "timeout" : "failed";
}

const char *
timed_status (Bench   *b,
              gboolean finished)
{
  if (b->stalled)
    return "stalled";
  if (!finished)
    return "timeout";
  if (b->disconnects > 0)
    return "disconnected";
  return "ok";
}

static int
run_messages (Bench   *b,
              GString *result)
{
  Snapshot    start, end;
  gint64      t0 = now_ns ();
  gboolean    ok;
  const char *status;

  ok = connect_clients (b, 0, b->n_total);
  g_print ("  logins        %d of %d settled in %.3f s\n", b->n_ready, b->n_total,
           seconds_between (t0, now_ns ()));
  if (!ok)
    {
      g_string_append_printf (result, " status=%s connected=%d", login_status (b, ok),
                              b->n_ready);
      return 1;
    }
  if (b->scenario == SCENARIO_ROOM && !b->direct && !room_join (b, result))
    return 1;
  if (!cluster_barrier (b, result))
    return 1;

  ok = run_timed (b, &start, &end, NULL, NULL);
  status = timed_status (b, ok);
  g_string_append_printf (result, " status=%s", status);
  print_delivery (b, result);
  print_cpu (b, &start, &end, result);
  if (!ok && !b->stalled)
    g_print ("  TIMEOUT after %.0f s: figures above are partial\n", b->timeout);
  return ok && b->disconnects == 0 ? 0 : 1;
}

/* Samples the server's CPU use over @seconds while the clients stay idle
 * (their sockets are still served, so nothing piles up). Returns: percent
 * of one core, or -1 */
static double
server_idle_cpu (Bench *b,
                 double seconds)
{
  double before = cpu_seconds_of (b->server_pid), after;
  gint64 t0 = now_ns (), t1 = t0 + (gint64) (seconds * 1e9);

  if (before < 0)
    return -1;
  while (now_ns () < t1)
    poll_once (b, 50);
  after = cpu_seconds_of (b->server_pid);
  if (after < 0)
    return -1;
  return 100 * (after - before) / seconds_between (t0, now_ns ());
}

static int
run_idle (Bench   *b,
          GString *result)
{
  gint64   rss_before, rss_after, t0, pss_before, pss_after, dirty_before, dirty_after;
  double   login_s, gen0 = cpu_seconds_self (), idle_cpu, per = 0;
  gboolean ok, have_smaps;

  if (b->server_pid <= 0)
    {
      g_printerr ("idle: --server-pid is required (to read the server's RSS)\n");
      return 2;
    }
  if ((rlim_t) b->n_clients + 64 > fd_limit ())
    g_printerr ("warning: %d clients but RLIMIT_NOFILE is %lu\n",
                b->n_clients, (unsigned long) fd_limit ());

  rss_before = rss_kib_of (b->server_pid);
  have_smaps = smaps_kib_of (b->server_pid, &pss_before, &dirty_before);
  t0 = now_ns ();
  ok = connect_clients (b, 0, b->n_total);
  login_s = seconds_between (t0, now_ns ());
  rss_after = rss_kib_of (b->server_pid);
  have_smaps = smaps_kib_of (b->server_pid, &pss_after, &dirty_after) && have_smaps;
  idle_cpu = server_idle_cpu (b, b->hold);
  if (b->n_ready > 0)
    per = 1.0 / b->n_ready;

  g_print ("  logins        %d of %d settled in %.3f s (%.0f logins/s)\n",
           b->n_ready, b->n_total, login_s, b->n_ready / login_s);
  g_print ("  server RSS    %" G_GINT64_FORMAT " KiB before, %" G_GINT64_FORMAT
           " KiB with %d idle connections: %.2f KiB per connection\n",
           rss_before, rss_after, b->n_ready,
           b->n_ready ? (double) (rss_after - rss_before) / b->n_ready : 0.0);
  if (have_smaps)
    g_print ("  server smaps  Pss %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT " KiB (%.2f KiB per"
             " connection), Private_Dirty %" G_GINT64_FORMAT " -> %" G_GINT64_FORMAT
             " KiB (%.2f KiB per connection)\n",
             pss_before, pss_after, (double) (pss_after - pss_before) * per, dirty_before,
             dirty_after, (double) (dirty_after - dirty_before) * per);
  g_print ("  server CPU    %.1f%% of one core over %.0f s with everyone idle\n", idle_cpu, b->hold);
  g_print ("  generator CPU %.2f s\n", cpu_seconds_self () - gen0);

  g_string_append_printf (result,
                          " status=%s connected=%d login_s=%.3f logins_per_s=%.0f"
                          " rss_before_kib=%" G_GINT64_FORMAT " rss_after_kib=%" G_GINT64_FORMAT
                          " kib_per_conn=%.2f server_idle_cpu_pct=%.1f gen_cpu_s=%.3f",
                          login_status (b, ok), b->n_ready, login_s, b->n_ready / login_s,
                          rss_before, rss_after,
                          b->n_ready ? (double) (rss_after - rss_before) / b->n_ready : 0.0,
                          idle_cpu, cpu_seconds_self () - gen0);
  if (have_smaps)
    g_string_append_printf (result,
                            " pss_before_kib=%" G_GINT64_FORMAT " pss_after_kib=%" G_GINT64_FORMAT
                            " pss_kib_per_conn=%.2f dirty_before_kib=%" G_GINT64_FORMAT
                            " dirty_after_kib=%" G_GINT64_FORMAT " dirty_kib_per_conn=%.2f",
                            pss_before, pss_after, (double) (pss_after - pss_before) * per,
                            dirty_before, dirty_after, (double) (dirty_after - dirty_before) * per);
  return ok ? 0 : 1;
}

static int
compare_gint64 (gconstpointer a,
                gconstpointer b)
{
  gint64 x = *(const gint64 *) a, y = *(const gint64 *) b;

  return x < y ? -1 : x > y;
}

/* Returns: the nearest-rank quantile @q of the @n sorted values, or 0 */
static gint64
sorted_quantile (const gint64 *v,
                 gsize         n,
                 double        q)
{
  gsize rank;

  if (n == 0)
    return 0;
  rank = (gsize) (q * (double) n + 0.999999);
  return v[CLAMP (rank, 1, n) - 1];
}

/* Logs in --clients idle clients, then times --logins more: each is done
 * when its self round-trip returns, with at most --connect-batch in
 * progress. Reports logins/s, first and last completion, per-login
 * latency (connect() started to the self round-trip; the TCP connect
 * alone too) and the server's CPU and RSS. */
static int
run_logins (Bench   *b,
            GString *result)
{
  Snapshot           start, end;
  gint64             rss_before, rss_idle, rss_after, t0, t_first = 0, t_last = 0;
  g_autofree gint64 *lat = g_new (gint64, b->logins);
  g_autofree gint64 *conn = g_new (gint64, b->logins);
  gsize              n_lat = 0, n_conn = 0;
  int                failed_before, disconnects_before;
  double             bg_s, first_s, last_s, rate, server = -1, wall;
  gboolean           ok;

  if (b->server_pid <= 0)
    g_printerr ("warning: without --server-pid there is no server CPU or RSS\n");
  if ((rlim_t) b->n_total + 64 > fd_limit ())
    g_printerr ("warning: %d connections but RLIMIT_NOFILE is %lu\n",
                b->n_total, (unsigned long) fd_limit ());
  if (b->n_total > 10000)
    g_printerr ("warning: %d connections: confabd refuses logins past its peers_max"
                " (default 10000)\n",
                b->n_total);

  rss_before = rss_kib_of (b->server_pid);
  t0 = now_ns ();
  ok = connect_clients (b, 0, b->n_clients);
  bg_s = seconds_between (t0, now_ns ());
  rss_idle = rss_kib_of (b->server_pid);
  g_print ("  background    %d of %d idle clients logged in in %.3f s\n",
           b->n_ready, b->n_clients, bg_s);
  if (!ok)
    {
      g_string_append_printf (result, " status=%s connected=%d", login_status (b, ok),
                              b->n_ready);
      return 1;
    }

  failed_before = b->n_failed;
  disconnects_before = b->disconnects;
  snapshot (b, &start);
  b->t_start = start.t;
  ok = connect_clients (b, b->timed_first, b->logins);
  snapshot (b, &end);
  rss_after = rss_kib_of (b->server_pid);

  for (int i = b->timed_first; i < b->n_total; i++)
    {
      const Client *c = &b->clients[i];

      if (c->t_established != 0)
        conn[n_conn++] = c->t_established - c->t_connect;
      if (c->t_logged_in == 0)
        continue;
      lat[n_lat++] = c->t_logged_in - c->t_connect;
      if (t_first == 0 || c->t_logged_in < t_first)
        t_first = c->t_logged_in;
      if (c->t_logged_in > t_last)
        t_last = c->t_logged_in;
    }
  qsort (lat, n_lat, sizeof *lat, compare_gint64);
  qsort (conn, n_conn, sizeof *conn, compare_gint64);
  first_s = t_first ? seconds_between (start.t, t_first) : -1.0;
  last_s = t_last ? seconds_between (start.t, t_last) : -1.0;
  rate = last_s > 0 ? (double) n_lat / last_s : 0;
  wall = MAX (seconds_between (start.t, end.t), 1e-3);
  server = server_cpu_between (b, &start, &end);

  g_print ("  timed logins  %" G_GSIZE_FORMAT " of %d done, %d failed, %.0f logins/s;"
           " first done at %.3f s, last at %.3f s\n",
           n_lat, b->logins, b->n_failed - failed_before, rate, first_s, last_s);
  g_print ("  login (us)    p50 %" G_GINT64_FORMAT "  p99 %" G_GINT64_FORMAT
           "  max %" G_GINT64_FORMAT " (connect() to the self round-trip)\n",
           sorted_quantile (lat, n_lat, 0.50) / 1000, sorted_quantile (lat, n_lat, 0.99) / 1000,
           n_lat ? lat[n_lat - 1] / 1000 : 0);
  g_print ("  connect (us)  p50 %" G_GINT64_FORMAT "  p99 %" G_GINT64_FORMAT
           "  max %" G_GINT64_FORMAT " (TCP connect alone)\n",
           sorted_quantile (conn, n_conn, 0.50) / 1000,
           sorted_quantile (conn, n_conn, 0.99) / 1000,
           n_conn ? conn[n_conn - 1] / 1000 : 0);
  print_cpu (b, &start, &end, result);
  if (server >= 0 && n_lat > 0)
    g_print ("  server CPU    %.1f us per timed login\n", server * 1e6 / (double) n_lat);
  g_print ("  server RSS    %" G_GINT64_FORMAT " KiB before, %" G_GINT64_FORMAT
           " KiB with the idle clients, %" G_GINT64_FORMAT " KiB after the timed logins\n",
           rss_before, rss_idle, rss_after);
  if (b->disconnects > disconnects_before)
    g_print ("  disconnects   %d logged-in clients were closed during the timed logins\n",
             b->disconnects - disconnects_before);

  g_string_append_printf (result,
                          " status=%s background=%d background_login_s=%.3f"
                          " logged_in=%" G_GSIZE_FORMAT " failed=%d logins_per_s=%.0f"
                          " first_login_s=%.3f last_login_s=%.3f"
                          " login_p50_us=%" G_GINT64_FORMAT " login_p99_us=%" G_GINT64_FORMAT
                          " login_max_us=%" G_GINT64_FORMAT
                          " connect_p50_us=%" G_GINT64_FORMAT " connect_p99_us=%" G_GINT64_FORMAT
                          " server_us_per_login=",
                          login_status (b, ok), b->n_clients, bg_s, n_lat,
                          b->n_failed - failed_before, rate, first_s, last_s,
                          sorted_quantile (lat, n_lat, 0.50) / 1000,
                          sorted_quantile (lat, n_lat, 0.99) / 1000,
                          n_lat ? lat[n_lat - 1] / 1000 : 0,
                          sorted_quantile (conn, n_conn, 0.50) / 1000,
                          sorted_quantile (conn, n_conn, 0.99) / 1000);
  if (server >= 0 && n_lat > 0)
    g_string_append_printf (result, "%.1f", server * 1e6 / (double) n_lat);
  else
    g_string_append (result, "NA");
  g_string_append_printf (result,
                          " rss_before_kib=%" G_GINT64_FORMAT " rss_idle_kib=%" G_GINT64_FORMAT
                          " rss_after_kib=%" G_GINT64_FORMAT " kib_per_login=%.2f"
                          " errors=%" G_GUINT64_FORMAT " disconnects=%d timed_wall_s=%.3f",
                          rss_before, rss_idle, rss_after,
                          n_lat ? (double) (rss_after - rss_idle) / (double) n_lat : 0.0,
                          b->errors, b->disconnects - disconnects_before, wall);
  return ok ? 0 : 1;
}

typedef struct
{
  int    slow_port; /* our local port of the slow connection */
  gint64 rss_peak;
  gint64 tcp_left_at; /* when its server side left ESTABLISHED; 0: not seen */
  int    last_state;
} SlowWatch;

#define TCP_ESTABLISHED_STATE 1

static void
slow_tick (Bench   *b,
           gint64   now,
           gpointer data)
{
  SlowWatch *w = data;
  gint64     rss = rss_kib_of (b->server_pid);

  if (rss > w->rss_peak)
    w->rss_peak = rss;
  if (w->tcp_left_at == 0)
    {
      w->last_state = server_side_tcp_state (client_port (b, (guint32) b->slow_index),
                                             w->slow_port);
      if (w->last_state >= 0 && w->last_state != TCP_ESTABLISHED_STATE)
        w->tcp_left_at = now;
    }
}

/* Reads the slow connection to its end: until EOF or reset, or nothing
 * new for @quiet_s, or @max_s in all. Returns: "eof", "reset" or "open" */
static const char *
drain_slow (Bench  *b,
            Client *c,
            double  quiet_s,
            double  max_s)
{
  gint64      end = now_ns () + (gint64) (max_s * 1e9);
  const char *how = "open";

  while (now_ns () < end)
    {
      struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
      int           r = tls_has_pending (c) ? 1 : poll (&pfd, 1, (int) (quiet_s * 1000));

      if (r == 0)
        break;
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        break;
      client_read (b, c);
      if (c->state == CLIENT_CLOSED)
        {
          how = c->close_errno == 0 ? "eof" : "reset";
          break;
        }
    }
  return how;
}

static int
run_slowreader (Bench   *b,
                GString *result)
{
  Snapshot           start, end;
  SlowWatch          watch = { 0 };
  Client            *slow = &b->clients[b->slow_index];
  struct sockaddr_in sa;
  socklen_t          sa_len = sizeof sa;
  gint64             rss_before, rss_start, rss_after, rss_bound = -1, t0 = now_ns ();
  gint64             dropped_at = 0;
  guint64            slow_lines_before;
  double             q1_rate = 0, q4_rate = 0, idle_cpu;
  const char        *slow_end, *dropped_by = "none";
  gboolean           ok;

  rss_before = rss_kib_of (b->server_pid);
  ok = connect_clients (b, 0, b->n_total);
  g_print ("  logins        %d of %d settled in %.3f s\n", b->n_ready, b->n_total,
           seconds_between (t0, now_ns ()));
  if (!ok)
    {
      g_string_append_printf (result, " status=%s connected=%d", login_status (b, ok),
                              b->n_ready);
      return 1;
    }
  if (!cluster_barrier (b, result))
    return 1;

  /* The slow reader stops reading: out of the epoll set altogether. */
  epoll_ctl (b->epfd, EPOLL_CTL_DEL, slow->fd, NULL);
  slow->in_epoll = FALSE;
  getsockname (slow->fd, (struct sockaddr *) &sa, &sa_len);
  watch.slow_port = ntohs (sa.sin_port);
  /* Everyone is logged in: what grows from here is the messages. */
  rss_start = rss_kib_of (b->server_pid);
  watch.rss_peak = MAX (rss_before, rss_start);

  ok = run_timed (b, &start, &end, slow_tick, &watch);
  slow_tick (b, end.t, &watch);
  rss_after = rss_kib_of (b->server_pid);

  if (b->t_quarter > b->t_start)
    q1_rate = (double) (b->msgs_total / 4) / seconds_between (b->t_start, b->t_quarter);
  if (b->t_three_quarters > 0 && b->t_last_line > b->t_three_quarters)
    q4_rate = (double) (b->msgs_total - b->msgs_total * 3 / 4) /
              seconds_between (b->t_three_quarters, b->t_last_line);

  g_string_append_printf (result, " status=%s", timed_status (b, ok));
  print_delivery (b, result);
  print_cpu (b, &start, &end, result);

  /* Now the slow reader reads what the server kept for it. */
  slow_lines_before = slow->received;
  slow_end = drain_slow (b, slow, 2.0, 20.0);
  idle_cpu = server_idle_cpu (b, 1.0);

  /* The drop shows first as "error: no such peer: cSLOW" to a sender
   * (confabd may keep the connection open a while for its last notice),
   * or as the server's side of the connection leaving ESTABLISHED. */
  if (b->slow_gone_at != 0 &&
      (watch.tcp_left_at == 0 || b->slow_gone_at <= watch.tcp_left_at))
    {
      dropped_at = b->slow_gone_at;
      dropped_by = "no-such-peer";
    }
  else if (watch.tcp_left_at != 0)
    {
      dropped_at = watch.tcp_left_at;
      dropped_by = "tcp-state";
    }
  /* The issue's bound: start + the cap + 10 % of the cap. */
  if (b->queue_cap >= 0 && rss_start >= 0)
    rss_bound = rss_start + (gint64) ((double) (b->queue_cap / 1024) * 1.1);

  g_print ("  senders       %.0f msg/s in the first quarter, %.0f msg/s in the last\n",
           q1_rate, q4_rate);
  g_print ("  server RSS    %" G_GINT64_FORMAT " KiB before connecting, %" G_GINT64_FORMAT
           " KiB at the start (all logged in), peak %" G_GINT64_FORMAT " KiB (+%" G_GINT64_FORMAT
           " from before, +%" G_GINT64_FORMAT " from the start), %" G_GINT64_FORMAT
           " KiB after sending\n",
           rss_before, rss_start, watch.rss_peak, watch.rss_peak - rss_before,
           watch.rss_peak - rss_start, rss_after);
  if (rss_bound >= 0)
    g_print ("  server RSS    peak %" G_GINT64_FORMAT " KiB %s start + queue cap %" G_GINT64_FORMAT
             " KiB + 10%% of it = %" G_GINT64_FORMAT " KiB\n",
             watch.rss_peak, watch.rss_peak <= rss_bound ? "within" : "OVER",
             b->queue_cap / 1024, rss_bound);
  if (dropped_at)
    g_print ("  slow reader   dropped by the server %.3f s into the run (seen by %s)\n",
             seconds_between (b->t_start, dropped_at), dropped_by);
  else
    g_print ("  slow reader   not dropped during the run (server side state %d)\n",
             watch.last_state);
  if (watch.tcp_left_at)
    g_print ("  slow reader   server side left ESTABLISHED %.3f s into the run\n",
             seconds_between (b->t_start, watch.tcp_left_at));
  g_print ("  slow reader   read %" G_GUINT64_FORMAT " lines afterwards, then %s;"
           " \"error: slow consumer\" %s\n",
           slow->received - slow_lines_before,
           g_str_equal (slow_end, "open") ? "nothing more (still open)" : slow_end,
           b->slow_notice ? "received" : "not received");
  g_print ("  server CPU    %.1f%% of one core over 1 s after the run\n", idle_cpu);

  g_string_append_printf (result,
                          " rss_before_kib=%" G_GINT64_FORMAT " rss_start_kib=%" G_GINT64_FORMAT
                          " rss_peak_kib=%" G_GINT64_FORMAT
                          " rss_growth_kib=%" G_GINT64_FORMAT
                          " rss_growth_from_start_kib=%" G_GINT64_FORMAT
                          " rss_after_kib=%" G_GINT64_FORMAT,
                          rss_before, rss_start, watch.rss_peak, watch.rss_peak - rss_before,
                          watch.rss_peak - rss_start, rss_after);
  if (rss_bound >= 0)
    g_string_append_printf (result, " queue_cap_kib=%" G_GINT64_FORMAT " rss_bound_kib=%" G_GINT64_FORMAT " rss_within_bound=%s",
                            b->queue_cap / 1024, rss_bound,
                            watch.rss_peak <= rss_bound ? "yes" : "no");
  g_string_append_printf (result,
                          " slow_dropped=%s slow_dropped_by=%s slow_dropped_at_s=%.3f"
                          " slow_tcp_left_at_s=%.3f slow_end=%s"
                          " slow_notice=%s slow_lines=%" G_GUINT64_FORMAT
                          " rate_first_msgs_per_s=%.0f rate_last_msgs_per_s=%.0f"
                          " server_idle_cpu_pct=%.1f",
                          dropped_at ? "yes" : "no", dropped_by,
                          dropped_at ? seconds_between (b->t_start, dropped_at) : -1.0,
                          watch.tcp_left_at ? seconds_between (b->t_start, watch.tcp_left_at) : -1.0,
                          slow_end, b->slow_notice ? "yes" : "no",
                          slow->received - slow_lines_before, q1_rate, q4_rate, idle_cpu);
  return ok ? 0 : 1;
}

/* ---- main ---------------------------------------------------------------- */

static gboolean
parse_scenario (const char *name,
                Scenario   *scenario)
{
  for (guint i = 0; i < G_N_ELEMENTS (scenario_names); i++)
    if (g_str_equal (name, scenario_names[i]))
      {
        *scenario = (Scenario) i;
        return TRUE;
      }
  return FALSE;
}

static void
apply_defaults (Bench *b)
{
  static const struct
  {
    int clients, messages, recipients;
  } defaults[] = {
    [SCENARIO_THROUGHPUT] = { 100, 5000, 4 },
    [SCENARIO_FANOUT] = { 200, 5000, 0 },
    [SCENARIO_IDLE] = { 1000, 0, 0 },
    [SCENARIO_SLOWREADER] = { 10, 50000, 2 },
    [SCENARIO_LOGINS] = { 5000, 0, 0 },
    [SCENARIO_ROOM] = { 0, 200, 0 },
  };

  if (b->rooms < 0)
    b->rooms = 1;
  if (b->members < 0)
    b->members = 200;

  if (b->n_clients < 0)
    b->n_clients = defaults[b->scenario].clients;
  if (b->messages < 0)
    b->messages = defaults[b->scenario].messages;
  if (b->recipients < 0)
    b->recipients = defaults[b->scenario].recipients;
  if (b->scenario == SCENARIO_FANOUT)
    b->recipients = b->n_clients;
  if (b->scenario == SCENARIO_SLOWREADER)
    b->recipients = 2;
  if (b->scenario == SCENARIO_ROOM)
    {
      b->n_clients = (int) MIN ((gint64) b->rooms * b->members, G_MAXINT);
      b->recipients = b->members - 1;
    }
  if (b->logins < 0)
    b->logins = 2000;
}

int
main (int    argc,
      char **argv)
{
  Bench b = { 0 };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) result = NULL;
  GOptionEntry entries[] = {
    { "port", 'p', 0, G_OPTION_ARG_INT, &b.port, "Server port on 127.0.0.1 (required)", "PORT" },
    { "clients", 'n', 0, G_OPTION_ARG_INT, &b.n_clients,
      "Clients (throughput 100, fanout 200, idle 1000, slowreader 10 senders,"
      " logins 5000 idle ones, may be 0)",
      "N" },
    { "messages", 'm', 0, G_OPTION_ARG_INT, &b.messages,
      "Messages per sender (5000; slowreader 50000, room 200)", "M" },
    { "recipients", 'k', 0, G_OPTION_ARG_INT, &b.recipients,
      "throughput: recipients per message, the sender and the next K-1 (4)", "K" },
    { "window", 'w', 0, G_OPTION_ARG_INT, &b.window,
      "Messages in flight per sender (16)", "W" },
    { "payload", 0, 0, G_OPTION_ARG_INT, &b.payload,
      "Padding bytes added to each message text (0)", "BYTES" },
    { "server-pid", 0, 0, G_OPTION_ARG_INT, &b.server_pid,
      "Server process, for its CPU time and RSS from /proc", "PID" },
    { "port2", 0, 0, G_OPTION_ARG_INT, &b.port2,
      "A second server (another node of a cluster) on 127.0.0.1: the odd clients connect"
      " to it, the even ones to --port",
      "PORT" },
    { "server2-pid", 0, 0, G_OPTION_ARG_INT, &b.server2_pid,
      "The second server's process: its CPU time is added to the server's", "PID" },
    { "redis-pid", 0, 0, G_OPTION_ARG_INT, &b.redis_pid,
      "redis-server's process (of a cluster), for its CPU time", "PID" },
    { "login-retry", 0, 0, G_OPTION_ARG_DOUBLE, &b.login_retry,
      "Log in again, on a new connection, when refused with \"" UNAVAILABLE_LINE "\", for up"
      " to this many seconds from the first attempt (30; 0: never)",
      "SEC" },
    { "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &b.timeout,
      "Give up after this many seconds, report what was measured (120)", "SEC" },
    { "drain", 0, 0, G_OPTION_ARG_DOUBLE, &b.drain,
      "After the last message is done, wait this long for lines still due (3)", "SEC" },
    { "stall", 0, 0, G_OPTION_ARG_DOUBLE, &b.stall,
      "Give up when no line has arrived for this many seconds (10)", "SEC" },
    { "connect-batch", 0, 0, G_OPTION_ARG_INT, &b.connect_batch,
      "Logins in progress at once (256)", "N" },
    { "logins", 'l', 0, G_OPTION_ARG_INT, &b.logins,
      "logins: logins timed after the --clients idle ones are in (2000)", "L" },
    { "queue-cap", 0, 0, G_OPTION_ARG_INT64, &b.queue_cap,
      "slowreader: the server's queue_max_bytes, to compare its RSS peak with", "BYTES" },
    { "rooms", 'r', 0, G_OPTION_ARG_INT, &b.rooms, "room: rooms (1)", "R" },
    { "members", 0, 0, G_OPTION_ARG_INT, &b.members,
      "room: members per room, --clients is R * M (200)", "M" },
    { "irc", 0, 0, G_OPTION_ARG_NONE, &b.irc,
      "Speak IRC (NICK and USER, then PRIVMSG), to confabd's irc: listener or another IRC"
      " server; throughput and fanout",
      NULL },
    { "targets-per-line", 0, 0, G_OPTION_ARG_INT, &b.targets_per_line,
      "--irc: recipients named per PRIVMSG line, a message to more going out as several"
      " lines (0: all in one, the default)",
      "T" },
    { "direct", 0, 0, G_OPTION_ARG_NONE, &b.direct,
      "room: no rooms, each message names the sender's M-1 room-mates (for the ceiling)", NULL },
    { "hold", 0, 0, G_OPTION_ARG_DOUBLE, &b.hold,
      "idle: keep the connections open this long once all are logged in, the server's CPU"
      " measured meanwhile (1; longer for a look at the server with a heap profiler)",
      "SEC" },
    { "tls", 0, 0, G_OPTION_ARG_NONE, &b.tls,
      "Connect over TLS (1.2 or newer, GnuTLS): a handshake per connection before the login,"
      " to a tls: or (with --irc) ircs: listener. The server's certificate is not verified"
      " unless --ca is given (for the benchmark's own self-made certificate)",
      NULL },
    { "ca", 0, 0, G_OPTION_ARG_FILENAME, &b.ca_file,
      "--tls: verify the server's certificate, signed by a CA in FILE (PEM) for the name localhost",
      "FILE" },
    { "tls-priority", 0, 0, G_OPTION_ARG_STRING, &b.tls_priority,
      "--tls: GnuTLS priority string (NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2)", "PRIORITY" },
    { NULL }
  };
  int status, clients_given;

  b.n_clients = b.messages = b.recipients = b.logins = b.rooms = b.members = -1;
  b.queue_cap = -1;
  b.window = 16;
  b.timeout = 120;
  b.drain = 3;
  b.stall = 10;
  b.hold = 1;
  b.connect_batch = 256;
  b.login_retry = 30;
  b.epfd = -1;

  context = g_option_context_new ("SCENARIO - load generator for confabd's text protocol");
  g_option_context_set_summary (context,
                                "Scenarios:\n"
                                "  throughput  N clients each send M messages to itself and the next K-1\n"
                                "  fanout      client c0 sends M messages to all N clients\n"
                                "  idle        N idle logged-in connections: server RSS per connection\n"
                                "  slowreader  N senders to themselves and to one client that never reads\n"
                                "  logins      N idle clients log in, then L more are timed: logins/s, latency\n"
                                "  room        R rooms of M members, each member sends its messages to its room\n"
                                "\n"
                                "With --port2 the odd clients connect to a second node of a cluster; the\n"
                                "recipients stay the same, so throughput's recipient k (0: the sender) is\n"
                                "on the other node when k is odd (N even): K=4, 2 of 4 deliveries cross.\n"
                                "\n"
                                "Only 127.0.0.1 is contacted. The last line printed is \"RESULT key=value ...\".");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("%s\n", error->message);
      return 2;
    }
  if (argc != 2 || !parse_scenario (argv[1], &b.scenario))
    {
      g_printerr ("Usage: %s {throughput|fanout|idle|slowreader|logins|room} --port PORT [OPTION...]\n",
                  g_get_prgname ());
      return 2;
    }
  clients_given = b.n_clients;
  apply_defaults (&b);
  if (b.scenario == SCENARIO_ROOM &&
      (b.rooms < 1 || b.members < 2 || (gint64) b.rooms * b.members > 100000 ||
       (clients_given >= 0 && (gint64) clients_given != (gint64) b.rooms * b.members)))
    {
      g_printerr ("room: --rooms must be at least 1, --members at least 2, their product"
                  " at most 100000 (and --clients, if given, that product)\n");
      return 2;
    }
  if (b.port <= 0 || b.port > 65535 || b.messages < 0 ||
      b.n_clients < (b.scenario == SCENARIO_LOGINS ? 0 : 1) ||
      (b.scenario == SCENARIO_LOGINS && b.logins < 1) || b.queue_cap < -1 ||
      b.window < 1 || b.payload < 0 || b.payload > 65536 || b.timeout <= 0 ||
      b.drain < 0 || b.stall <= 0 || b.hold <= 0 || b.hold > 3600 || b.connect_batch < 1 || b.messages > G_MAXINT32 ||
      b.port2 < 0 || b.port2 > 65535 || b.login_retry < 0 || b.login_retry > 3600)
    {
      g_printerr ("Invalid option value (see --help); --port is required.\n");
      return 2;
    }
  if (b.scenario == SCENARIO_THROUGHPUT &&
      (b.recipients < 1 || b.recipients > b.n_clients))
    {
      g_printerr ("--recipients must be between 1 and --clients\n");
      return 2;
    }
  if (b.irc && b.scenario != SCENARIO_THROUGHPUT && b.scenario != SCENARIO_FANOUT)
    {
      g_printerr ("--irc: throughput and fanout only\n");
      return 2;
    }
  if (b.targets_per_line < 0 || (b.targets_per_line > 0 && !b.irc))
    {
      g_printerr ("--targets-per-line: a number of recipients, with --irc only\n");
      return 2;
    }
  if (b.scenario == SCENARIO_SLOWREADER && b.server_pid <= 0)
    g_printerr ("warning: without --server-pid there is no RSS to sample\n");
  if (b.server2_pid > 0 && b.port2 == 0)
    {
      g_printerr ("--server2-pid goes with --port2\n");
      return 2;
    }
  if (b.port2 > 0 && (b.scenario == SCENARIO_IDLE || b.scenario == SCENARIO_SLOWREADER))
    g_printerr ("warning: --port2: the server's RSS is only --server-pid's, of the even clients\n");
  if (b.port2 > 0 && b.irc)
    g_printerr ("warning: --irc --port2: no barrier before the timed phase, so a node may not"
                " know the other's names yet (\"no such peer\")\n");
  if (!b.tls && (b.ca_file != NULL || b.tls_priority != NULL))
    {
      g_printerr ("--ca and --tls-priority go with --tls\n");
      g_free (b.ca_file);
      g_free (b.tls_priority);
      return 2;
    }

  signal (SIGPIPE, SIG_IGN);
  raise_fd_limit ();
  b.deadline = now_ns () + (gint64) (b.timeout * 1e9);
  bench_setup (&b);
  if (b.tls && !tls_setup (&b, &error))
    {
      g_printerr ("--tls: %s\n", error->message);
      bench_free (&b);
      return 2;
    }
  if (b.irc && b.irc_line_max > IRC_LINE_MAX)
    {
      g_printerr ("--irc: a message's line would be up to %" G_GSIZE_FORMAT " bytes, over IRC's %d;"
                  " name fewer recipients per line (--targets-per-line) or send less --payload\n",
                  b.irc_line_max, IRC_LINE_MAX);
      bench_free (&b);
      return 2;
    }

  result = g_string_new ("RESULT");
  g_string_append_printf (result, " scenario=%s clients=%d", scenario_names[b.scenario],
                          b.n_clients);
  if (b.irc)
    g_string_append_printf (result, " dialect=irc targets_per_line=%d lines_per_message=%u",
                            b.targets_per_line, b.n_senders > 0 ? b.clients[0].n_parts : 0);
  if (b.scenario == SCENARIO_LOGINS)
    g_string_append_printf (result, " logins=%d connect_batch=%d", b.logins, b.connect_batch);
  else if (b.scenario != SCENARIO_IDLE)
    g_string_append_printf (result, " recipients=%d messages=%d window=%d payload=%d",
                            b.recipients, b.messages, b.window, b.payload);
  if (b.scenario == SCENARIO_ROOM)
    g_string_append_printf (result, " rooms=%d members=%d direct=%s", b.rooms, b.members,
                            b.direct ? "yes" : "no");
  g_print ("%s: %d clients", scenario_names[b.scenario], b.n_clients);
  if (b.scenario == SCENARIO_ROOM)
    g_print (" in %d rooms of %d%s", b.rooms, b.members,
             b.direct ? " (as direct messages naming the room-mates)" : "");
  if (b.scenario == SCENARIO_LOGINS)
    g_print (" idle, then %d timed logins, at most %d at once", b.logins, b.connect_batch);
  else if (b.scenario != SCENARIO_IDLE)
    g_print (", %d recipients per message, %d messages per sender, window %d",
             b.recipients, b.messages, b.window);
  g_print (", 127.0.0.1:%d%s\n", b.port, b.tls ? " over TLS" : "");
  if (b.port2 > 0)
    {
      g_print ("  two nodes     even clients on 127.0.0.1:%d, odd ones on 127.0.0.1:%d",
               b.port, b.port2);
      if (b.n_senders > 0)
        g_print ("; %.1f%% of the deliveries cross to the other node", b.cross_node_pct);
      g_print ("\n");
      g_string_append_printf (result, " port2=%d cross_node_pct=%.1f", b.port2, b.cross_node_pct);
    }

  switch (b.scenario)
    {
    case SCENARIO_IDLE:
      status = run_idle (&b, result);
      break;
    case SCENARIO_SLOWREADER:
      status = run_slowreader (&b, result);
      break;
    case SCENARIO_LOGINS:
      status = run_logins (&b, result);
      break;
    case SCENARIO_THROUGHPUT:
    case SCENARIO_FANOUT:
    case SCENARIO_ROOM:
    default:
      status = run_messages (&b, result);
      break;
    }

  if (b.login_retries > 0 || b.port2 > 0 || b.redis_pid > 0)
    {
      g_print ("  login retries %" G_GUINT64_FORMAT " (refused with \"" UNAVAILABLE_LINE "\")\n",
               b.login_retries);
      g_string_append_printf (result, " login_retries=%" G_GUINT64_FORMAT, b.login_retries);
    }
  if (b.tls)
    tls_print (&b, result);
  g_print ("%s\n", result->str);
  bench_free (&b);
  return status;
}
