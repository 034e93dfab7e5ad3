/* confab-soak.c: a long-running load test of a live confabd.
 *
 * N text-protocol clients chat with each other over 127.0.0.1 for M
 * minutes at a set total rate, while some leave (half-close, then read to
 * the end), some reset (SO_LINGER 0), some stop reading for a while (slow
 * readers, which the server may drop as slow consumers) and new ones join.
 * Each connection logs in under a name of its own ("s<slot>g<gen>"), so a
 * message can only ever reach the session it was meant for.
 *
 * Every message carries its sender's session and, for each recipient, a
 * sequence number of that sender→recipient pair. The tool checks that
 * each pair's messages arrive exactly once and in order, and at the end
 * that every message sent was delivered, or answered to its sender with
 * "error: no such peer", or went down with a connection that died for a
 * reason the tool knows (it reset it, or the server dropped it as a slow
 * consumer). Anything else is a lost, duplicated or reordered message.
 *
 * Every second it samples the daemon's VmRSS and descriptor count
 * (--server-pid) and prints a time series; at the end a summary. Exit
 * status 0 only if nothing was lost, duplicated or reordered, no
 * connection ended unexplained and the daemon survived.
 *
 * Single-threaded, epoll, non-blocking sockets; GLib for data structures
 * only. Run on demand (docs/reliability.md), not in CI.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <glib.h>

#define TICK_MS        10
#define MAX_RECIPIENTS 3
#define READ_CHUNK     (64 * 1024)

/* ------------------------------------------------------------------ */
/* Options                                                             */
/* ------------------------------------------------------------------ */

static guint  opt_clients = 2000;
static double opt_minutes = 10;
static double opt_rate = 2000;  /* messages per second, all clients */
static guint  opt_size = 100;   /* bytes of padding per message */
static double opt_leaves = 2;   /* graceful leaves per second */
static double opt_resets = 2;   /* resets per second */
static double opt_pauses = 0.5; /* slow readers starting per second */
static guint  opt_pause_min = 5;
static guint  opt_pause_max = 40;
static double opt_slow_flood = 100; /* messages per second to each paused reader */
static guint  opt_slow_size = 2000; /* their padding */
static guint  opt_warmup = 60;      /* seconds after all joined */
static guint  opt_port = 0;
static gint   opt_server_pid = 0;
static guint  opt_seed = 0;
static guint  opt_print_every = 1;
static double opt_rss_growth = 50; /* % over the warm-up sample that fails */
static guint  opt_rcvbuf = 16384;

static GOptionEntry entries[] = {
  { "port", 'p', 0, G_OPTION_ARG_INT, &opt_port, "confabd's port on 127.0.0.1 (required)", "PORT" },
  { "server-pid", 0, 0, G_OPTION_ARG_INT, &opt_server_pid, "confabd's PID, to sample its RSS and descriptors", "PID" },
  { "clients", 'n', 0, G_OPTION_ARG_INT, &opt_clients, "Clients connected at once (default 2000)", "N" },
  { "minutes", 'm', 0, G_OPTION_ARG_DOUBLE, &opt_minutes, "Length of the chat phase (default 10)", "M" },
  { "rate", 'r', 0, G_OPTION_ARG_DOUBLE, &opt_rate, "Messages per second, all clients together (default 2000)", "R" },
  { "size", 0, 0, G_OPTION_ARG_INT, &opt_size, "Padding bytes per message (default 100)", "BYTES" },
  { "leaves", 0, 0, G_OPTION_ARG_DOUBLE, &opt_leaves, "Graceful leaves per second (default 2)", "R" },
  { "resets", 0, 0, G_OPTION_ARG_DOUBLE, &opt_resets, "Connection resets per second (default 2)", "R" },
  { "pauses", 0, 0, G_OPTION_ARG_DOUBLE, &opt_pauses, "Slow readers starting per second (default 0.5)", "R" },
  { "pause-min", 0, 0, G_OPTION_ARG_INT, &opt_pause_min, "Shortest reading pause in seconds (default 5)", "S" },
  { "pause-max", 0, 0, G_OPTION_ARG_INT, &opt_pause_max, "Longest reading pause in seconds (default 40)", "S" },
  { "slow-flood", 0, 0, G_OPTION_ARG_DOUBLE, &opt_slow_flood, "Extra messages per second to each paused reader (default 100)", "R" },
  { "slow-size", 0, 0, G_OPTION_ARG_INT, &opt_slow_size, "Padding bytes of those (default 2000)", "BYTES" },
  { "warmup", 0, 0, G_OPTION_ARG_INT, &opt_warmup, "Warm-up seconds after all clients joined (default 60)", "S" },
  { "rcvbuf", 0, 0, G_OPTION_ARG_INT, &opt_rcvbuf, "SO_RCVBUF of each client (default 16384)", "BYTES" },
  { "rss-growth", 0, 0, G_OPTION_ARG_DOUBLE, &opt_rss_growth, "Fail if RSS at the end exceeds the warm-up sample by this % (default 50)", "PCT" },
  { "seed", 0, 0, G_OPTION_ARG_INT, &opt_seed, "Random seed (default: from the clock; printed)", "N" },
  { "print-every", 0, 0, G_OPTION_ARG_INT, &opt_print_every, "Print every Nth one-second sample (default 1)", "N" },
  { NULL }
};

/* ------------------------------------------------------------------ */
/* State                                                               */
/* ------------------------------------------------------------------ */

typedef enum
{
  SESSION_CONNECTING,
  SESSION_LOGIN, /* name sent, waiting for the hello echo */
  SESSION_ACTIVE,
  SESSION_LEAVING, /* half-closed, reading to the end */
  SESSION_ENDED,
} SessionState;

typedef enum
{
  END_NONE,
  END_LEFT,       /* our half-close, then the server's EOF */
  END_RESET,      /* we reset it */
  END_DROPPED,    /* the server dropped it (slow consumer) */
  END_UNEXPECTED, /* the server closed it for no known reason */
  END_FINAL,      /* still there at the end of the run */
} EndReason;

static const char *end_names[] = { "-", "left", "reset", "dropped", "UNEXPECTED", "final" };

typedef struct
{
  guint32      id; /* index in sessions */
  guint        slot;
  char         name[32];
  int          fd;
  SessionState state;
  EndReason    end;
  gint         active_index; /* in active[], or -1 */
  double       flood_carry;  /* messages owed to it while paused */
  gint64       pause_until;  /* reading paused until then (monotonic µs), 0: not */
  gint64       resumed_at;   /* when the last pause ended */
  gboolean     ever_paused;
  gboolean     got_slow_notice;
  gboolean     leave_wanted; /* half-close once the output is written */
  gboolean     end_seen;     /* drain phase: the "__end" echo arrived */
  gboolean     end2_seen;
  guint32      events; /* registered epoll events */
  GString     *in;     /* (owned) (nullable): unfinished input line */
  GString     *out;    /* (owned) (nullable): unwritten output */
  gsize        out_off;
  GHashTable  *pairs; /* (owned) (nullable): recipient id → Pair, as sender */
} Session;

typedef struct
{
  guint32 recipient; /* session id */
  guint32 sent;      /* the last sequence number given out */
  guint32 received;  /* the last one received in order */
  guint32 told;      /* "no such peer" errors the sender got */
} Pair;

typedef struct
{
  guint  current;   /* session id, or G_MAXUINT */
  gint64 rejoin_at; /* when to connect again, 0: not scheduled */
  guint  gen;
} Slot;

typedef struct
{
  guint64 messages;   /* lines sent */
  guint64 deliveries; /* recipient copies expected */
  guint64 delivered;
  guint64 told;
  guint64 duplicates;
  guint64 reorders;
  guint64 misdelivered;
  guint64 bad_lines;
  guint64 joins;
  guint64 leaves;
  guint64 resets;
  guint64 dropped;
  guint64 unexpected;
  guint64 pauses;
  guint64 connect_failures;
} Stats;

static int                   epfd = -1;
static GPtrArray            *sessions; /* Session*, by id */
static Slot                 *slots;
static GArray               *active; /* guint32 ids of ACTIVE sessions */
static GHashTable           *names;  /* name → Session, every session ever */
static guint64               n_pairs;
static GRand                *rng;
static Stats                 stats;
static struct sockaddr_in    server_addr;
static char                 *padding;
static char                 *slow_padding;
static gboolean              draining;
static volatile sig_atomic_t interrupted;

static gint64
now_us (void)
{
  return g_get_monotonic_time ();
}

/* ------------------------------------------------------------------ */
/* Pairs                                                               */
/* ------------------------------------------------------------------ */

/* Pairs live in a table per sender: one table of millions of pairs would
 * stall the loop for seconds whenever GHashTable doubles it, long enough
 * for connections to miss their login timeout. */
static Pair *
pair_lookup (guint32  sender,
             guint32  recipient,
             gboolean create)
{
  Session *s = g_ptr_array_index (sessions, sender);
  Pair    *pair;

  if (s->pairs == NULL)
    {
      if (!create)
        return NULL;
      s->pairs = g_hash_table_new_full (NULL, NULL, NULL, g_free);
    }
  pair = g_hash_table_lookup (s->pairs, GUINT_TO_POINTER (recipient));
  if (pair == NULL && create)
    {
      pair = g_new0 (Pair, 1);
      pair->recipient = recipient;
      g_hash_table_insert (s->pairs, GUINT_TO_POINTER (recipient), pair);
      n_pairs++;
    }
  return pair;
}

/* ------------------------------------------------------------------ */
/* Sessions                                                            */
/* ------------------------------------------------------------------ */

static void
active_add (Session *s)
{
  s->active_index = active->len;
  g_array_append_val (active, s->id);
}

static void
active_remove (Session *s)
{
  guint32 last;

  if (s->active_index < 0)
    return;
  last = g_array_index (active, guint32, active->len - 1);
  g_array_index (active, guint32, s->active_index) = last;
  ((Session *) g_ptr_array_index (sessions, last))->active_index = s->active_index;
  g_array_set_size (active, active->len - 1);
  s->active_index = -1;
}

static void
update_events (Session *s)
{
  struct epoll_event ev = { 0 };
  guint32            want = 0;

  if (s->fd < 0)
    return;
  if (s->state == SESSION_CONNECTING || (s->out != NULL && s->out_off < s->out->len))
    want |= EPOLLOUT;
  if (s->state != SESSION_CONNECTING && s->pause_until == 0)
    want |= EPOLLIN;
  if (want == s->events)
    return;
  ev.events = want;
  ev.data.u32 = s->id;
  if (epoll_ctl (epfd, EPOLL_CTL_MOD, s->fd, &ev) != 0)
    g_error ("epoll_ctl: %s", g_strerror (errno));
  s->events = want;
}

static void
session_end (Session  *s,
             EndReason reason)
{
  Slot *slot = &slots[s->slot];

  if (s->state == SESSION_ENDED)
    return;

  active_remove (s);
  if (s->fd >= 0)
    {
      epoll_ctl (epfd, EPOLL_CTL_DEL, s->fd, NULL);
      close (s->fd);
      s->fd = -1;
    }
  s->state = SESSION_ENDED;
  s->end = reason;
  if (s->in != NULL)
    g_string_free (s->in, TRUE);
  s->in = NULL;
  if (s->out != NULL)
    g_string_free (s->out, TRUE);
  s->out = NULL;

  switch (reason)
    {
    case END_LEFT: stats.leaves++; break;
    case END_RESET: stats.resets++; break;
    case END_DROPPED: stats.dropped++; break;
    case END_UNEXPECTED:
      stats.unexpected++;
      g_printerr ("%s: connection ended unexpectedly\n", s->name);
      break;
    case END_NONE:
    case END_FINAL:
    default:
      break;
    }

  if (slot->current == s->id)
    {
      slot->current = G_MAXUINT;
      if (!draining)
        slot->rejoin_at = now_us () + g_rand_int_range (rng, 500, 3000) * G_TIME_SPAN_MILLISECOND;
    }
}

/* Writes what is pending; returns FALSE if the session ended. */
static gboolean
session_flush (Session *s)
{
  while (s->out != NULL && s->out_off < s->out->len)
    {
      ssize_t n = send (s->fd, s->out->str + s->out_off, s->out->len - s->out_off, MSG_NOSIGNAL);

      if (n < 0)
        {
          if (errno == EAGAIN || errno == EINTR)
            break;
          /* The server closed on us; the read side tells why. */
          session_end (s, s->ever_paused || s->got_slow_notice ? END_DROPPED : END_UNEXPECTED);
          return FALSE;
        }
      s->out_off += n;
    }
  if (s->out != NULL && s->out_off == s->out->len)
    {
      g_string_truncate (s->out, 0);
      s->out_off = 0;
    }
  if (s->leave_wanted && (s->out == NULL || s->out->len == 0) && s->state == SESSION_LEAVING)
    {
      s->leave_wanted = FALSE;
      shutdown (s->fd, SHUT_WR);
    }
  update_events (s);
  return TRUE;
}

static void
session_queue (Session    *s,
               const char *data,
               gsize       len)
{
  if (s->out == NULL)
    s->out = g_string_sized_new (256);
  g_string_append_len (s->out, data, len);
}

static void
session_start (guint slot_index)
{
  Slot              *slot = &slots[slot_index];
  Session           *s = g_new0 (Session, 1);
  struct epoll_event ev = { 0 };
  int                one = 1;
  int                rcvbuf = opt_rcvbuf;

  s->id = sessions->len;
  s->slot = slot_index;
  s->active_index = -1;
  g_snprintf (s->name, sizeof s->name, "s%ug%u", slot_index, slot->gen++);
  g_ptr_array_add (sessions, s);
  g_hash_table_insert (names, s->name, s);
  slot->current = s->id;
  slot->rejoin_at = 0;

  s->fd = socket (AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd < 0)
    g_error ("socket: %s (raise RLIMIT_NOFILE?)", g_strerror (errno));
  setsockopt (s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (rcvbuf > 0)
    setsockopt (s->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);

  s->state = SESSION_CONNECTING;
  if (connect (s->fd, (struct sockaddr *) &server_addr, sizeof server_addr) != 0 &&
      errno != EINPROGRESS)
    {
      g_printerr ("connect: %s\n", g_strerror (errno));
      stats.connect_failures++;
      close (s->fd);
      s->fd = -1;
      s->state = SESSION_ENDED;
      s->end = END_UNEXPECTED;
      slot->current = G_MAXUINT;
      slot->rejoin_at = now_us () + G_USEC_PER_SEC;
      return;
    }
  ev.events = EPOLLOUT;
  ev.data.u32 = s->id;
  s->events = EPOLLOUT;
  if (epoll_ctl (epfd, EPOLL_CTL_ADD, s->fd, &ev) != 0)
    g_error ("epoll_ctl: %s", g_strerror (errno));
  stats.joins++;
}

static void
session_connected (Session *s)
{
  int              err = 0;
  socklen_t        len = sizeof err;
  g_autofree char *hello = NULL;

  getsockopt (s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0)
    {
      g_printerr ("%s: connect: %s\n", s->name, g_strerror (err));
      stats.connect_failures++;
      session_end (s, END_UNEXPECTED);
      return;
    }
  /* The login, then a message to itself: its echo proves the login. */
  hello = g_strdup_printf ("%s\n%s: __hello\n", s->name, s->name);
  s->state = SESSION_LOGIN;
  session_queue (s, hello, strlen (hello));
  session_flush (s);
}

/* ------------------------------------------------------------------ */
/* Lines                                                               */
/* ------------------------------------------------------------------ */

static Session *
session_by_name (const char *name)
{
  return g_hash_table_lookup (names, name);
}

static void
bad_line (Session    *s,
          const char *what,
          const char *line)
{
  stats.bad_lines++;
  if (stats.bad_lines <= 20)
    g_printerr ("%s: %s: %.120s\n", s->name, what, line);
}

/* "from SENDER: soak SID RID:SEQ,RID:SEQ PADDING" */
static void
handle_chat (Session    *s,
             const char *from,
             const char *text)
{
  guint32     sid;
  char       *end;
  const char *list;
  Session    *sender;
  Pair       *pair;
  guint32     seq = 0;
  gboolean    found = FALSE;

  if (!g_str_has_prefix (text, "soak "))
    {
      bad_line (s, "unexpected text", text);
      return;
    }
  sid = strtoul (text + 5, &end, 10);
  if (*end != ' ' || sid >= sessions->len)
    {
      bad_line (s, "malformed message", text);
      return;
    }
  sender = g_ptr_array_index (sessions, sid);
  if (strcmp (sender->name, from) != 0)
    {
      bad_line (s, "sender does not match", text);
      return;
    }
  list = end + 1;
  while (*list != ' ' && *list != '\0')
    {
      guint32 rid = strtoul (list, &end, 10);
      guint32 n;

      if (*end != ':')
        break;
      n = strtoul (end + 1, &end, 10);
      if (rid == s->id)
        {
          seq = n;
          found = TRUE;
        }
      list = *end == ',' ? end + 1 : end;
    }
  if (!found)
    {
      stats.misdelivered++;
      bad_line (s, "not meant for this session", text);
      return;
    }

  pair = pair_lookup (sid, s->id, FALSE);
  if (pair == NULL || seq == 0 || seq > pair->sent)
    {
      stats.misdelivered++;
      bad_line (s, "never sent", text);
      return;
    }
  if (seq == pair->received + 1)
    {
      pair->received = seq;
      stats.delivered++;
    }
  else if (seq <= pair->received)
    {
      stats.duplicates++;
      bad_line (s, "duplicate", text);
    }
  else
    {
      stats.reorders++;
      bad_line (s, "out of order (or a gap)", text);
      stats.delivered++;
      pair->received = seq;
    }
}

static void
handle_line (Session *s,
             char    *line)
{
  if (g_str_has_prefix (line, "from "))
    {
      char       *from = line + 5;
      char       *colon = strstr (from, ": ");
      const char *text;

      if (colon == NULL)
        {
          bad_line (s, "malformed line", line);
          return;
        }
      *colon = '\0';
      text = colon + 2;

      if (strcmp (from, s->name) == 0 && g_str_has_prefix (text, "__"))
        {
          if (strcmp (text, "__hello") == 0 && s->state == SESSION_LOGIN)
            {
              s->state = SESSION_ACTIVE;
              active_add (s);
              if (draining)
                {
                  /* Logged in just as the chat ended: take part in the
                   * drain like the others. */
                  g_autofree char *end_line = g_strdup_printf ("%s: __end\n", s->name);

                  session_queue (s, end_line, strlen (end_line));
                  session_flush (s);
                }
            }
          else if (strcmp (text, "__end") == 0)
            s->end_seen = TRUE;
          else if (strcmp (text, "__end2") == 0)
            s->end2_seen = TRUE;
          else
            bad_line (s, "unexpected echo", text);
          return;
        }
      handle_chat (s, from, text);
      return;
    }

  if (g_str_has_prefix (line, "error: no such peer: "))
    {
      Session *r = session_by_name (line + strlen ("error: no such peer: "));
      Pair    *pair = r != NULL ? pair_lookup (s->id, r->id, FALSE) : NULL;

      if (pair == NULL)
        {
          bad_line (s, "no such peer for a peer never addressed", line);
          return;
        }
      pair->told++;
      stats.told++;
      return;
    }

  if (strcmp (line, "error: slow consumer") == 0)
    {
      s->got_slow_notice = TRUE;
      return;
    }

  bad_line (s, "unexpected line", line);
}

static void
session_read (Session *s)
{
  static char buf[READ_CHUNK];

  for (;;)
    {
      ssize_t n = recv (s->fd, buf, sizeof buf, 0);
      char   *p, *end, *nl;

      if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
      if (n <= 0)
        {
          EndReason reason;

          if (s->got_slow_notice)
            reason = END_DROPPED;
          else if (s->state == SESSION_LEAVING && n == 0)
            reason = END_LEFT;
          else if (s->ever_paused)
            reason = END_DROPPED; /* the notice is skipped mid-line */
          else
            reason = END_UNEXPECTED;
          if (reason == END_UNEXPECTED)
            g_printerr ("%s: %s\n", s->name, n == 0 ? "end of stream" : g_strerror (errno));
          session_end (s, reason);
          return;
        }

      p = buf;
      end = buf + n;
      while (p < end && (nl = memchr (p, '\n', end - p)) != NULL)
        {
          *nl = '\0';
          if (s->in != NULL && s->in->len > 0)
            {
              g_string_append (s->in, p);
              handle_line (s, s->in->str);
              g_string_truncate (s->in, 0);
            }
          else
            handle_line (s, p);
          p = nl + 1;
          if (s->state == SESSION_ENDED)
            return;
        }
      if (p < end)
        {
          if (s->in == NULL)
            s->in = g_string_sized_new (256);
          g_string_append_len (s->in, p, end - p);
        }
    }
}

/* ------------------------------------------------------------------ */
/* Actions                                                             */
/* ------------------------------------------------------------------ */

static Session *
random_active (void)
{
  if (active->len == 0)
    return NULL;
  return g_ptr_array_index (sessions,
                            g_array_index (active, guint32, g_rand_int_range (rng, 0, active->len)));
}

/* One message from a random sender to 1 to 3 random recipients, or, if
 * @target is given, to it alone with the big padding. */
static void
send_message (Session *target)
{
  Session *sender = random_active ();
  Session *to[MAX_RECIPIENTS];
  guint    n_to = target != NULL ? 1 : g_rand_int_range (rng, 1, MAX_RECIPIENTS + 1);
  guint    n = 0;
  g_autoptr(GString) line = g_string_sized_new (256);

  if (sender == NULL)
    return;

  for (guint tries = 0; n < n_to && tries < 10; tries++)
    {
      Session *r = target != NULL ? target : random_active ();
      gboolean dup = FALSE;

      for (guint i = 0; i < n; i++)
        dup = dup || to[i] == r;
      if (r != NULL && !dup)
        to[n++] = r;
    }
  if (n == 0)
    return;

  for (guint i = 0; i < n; i++)
    g_string_append_printf (line, "%s%s", i > 0 ? ", " : "", to[i]->name);
  g_string_append_printf (line, ": soak %u ", sender->id);
  for (guint i = 0; i < n; i++)
    {
      Pair *pair = pair_lookup (sender->id, to[i]->id, TRUE);

      g_string_append_printf (line, "%s%u:%u", i > 0 ? "," : "", to[i]->id, ++pair->sent);
    }
  g_string_append_printf (line, " %s\n", target != NULL ? slow_padding : padding);

  stats.messages++;
  stats.deliveries += n;
  session_queue (sender, line->str, line->len);
  session_flush (sender);
}

/* A reader that paused may have been dropped without a notice (the
 * server skips it rather than cut a line); such a session is only told
 * from one that left once its end of stream has been read, so only
 * sessions that have been reading for a while leave. */
static gboolean
can_leave (Session *s)
{
  return s->pause_until == 0 &&
         (!s->ever_paused || now_us () - s->resumed_at > 5 * G_USEC_PER_SEC);
}

static void
leave_one (void)
{
  Session *s = random_active ();

  for (guint tries = 0; s != NULL && !can_leave (s) && tries < 8; tries++)
    s = random_active ();
  if (s == NULL || !can_leave (s))
    return;
  active_remove (s);
  s->state = SESSION_LEAVING;
  s->leave_wanted = TRUE;
  s->pause_until = 0; /* it must read to the end */
  session_flush (s);
}

static void
reset_one (void)
{
  Session      *s = random_active ();
  struct linger linger = { .l_onoff = 1, .l_linger = 0 };

  if (s == NULL)
    return;
  setsockopt (s->fd, SOL_SOCKET, SO_LINGER, &linger, sizeof linger);
  session_end (s, END_RESET);
}

static void
pause_one (void)
{
  Session *s = random_active ();

  if (s == NULL || s->pause_until != 0)
    return;
  s->pause_until = now_us () +
                   g_rand_int_range (rng, opt_pause_min, opt_pause_max + 1) * G_USEC_PER_SEC;
  s->ever_paused = TRUE;
  stats.pauses++;
  update_events (s);
}

static void
unpause_due (gint64   now,
             gboolean all)
{
  for (guint i = 0; i < active->len; i++)
    {
      Session *s = g_ptr_array_index (sessions, g_array_index (active, guint32, i));

      if (s->pause_until != 0 && (all || s->pause_until <= now))
        {
          s->pause_until = 0;
          s->resumed_at = now;
          update_events (s);
        }
    }
}

/* Runs @count events at a rate of @per_sec, carrying the fraction. */
static guint
due (double *carry,
     double  per_sec,
     double  seconds)
{
  guint n;

  *carry += per_sec * seconds;
  n = (guint) *carry;
  *carry -= n;
  return n;
}

/* ------------------------------------------------------------------ */
/* Sampling                                                            */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint64  rss_kib;
  guint    fds;
  gboolean ok;
} Sample;

static Sample
sample_server (void)
{
  Sample           sample = { 0, 0, FALSE };
  g_autofree char *status_path = NULL;
  g_autofree char *fd_path = NULL;
  g_autofree char *contents = NULL;
  g_autoptr(GDir) dir = NULL;
  const char *line;

  if (opt_server_pid <= 0)
    return sample;
  status_path = g_strdup_printf ("/proc/%d/status", opt_server_pid);
  fd_path = g_strdup_printf ("/proc/%d/fd", opt_server_pid);
  if (!g_file_get_contents (status_path, &contents, NULL, NULL))
    return sample;
  line = strstr (contents, "\nVmRSS:");
  if (line != NULL)
    sample.rss_kib = g_ascii_strtoull (line + 7, NULL, 10);
  dir = g_dir_open (fd_path, 0, NULL);
  while (dir != NULL && g_dir_read_name (dir) != NULL)
    sample.fds++;
  sample.ok = TRUE;
  return sample;
}

static guint
count_paused (void)
{
  guint n = 0;

  for (guint i = 0; i < active->len; i++)
    n += ((Session *) g_ptr_array_index (sessions, g_array_index (active, guint32, i)))->pause_until != 0;
  return n;
}

static guint
count_connected (void)
{
  guint n = 0;

  for (guint i = 0; i < sessions->len; i++)
    n += ((Session *) g_ptr_array_index (sessions, i))->fd >= 0;
  return n;
}

/* ------------------------------------------------------------------ */
/* Accounting                                                          */
/* ------------------------------------------------------------------ */

typedef struct
{
  guint64 lost_unaccounted;
  guint64 lost_with_recipient; /* the recipient reset or was dropped */
  guint64 lost_with_sender;    /* the sender reset before they were read */
  guint64 false_errors;        /* "no such peer" that cannot be right */
  guint   lost_pairs;
} Totals;

/* Every message of @pair was delivered, refused to its sender, or went
 * down with a connection that died for a known reason; or it is lost. */
static void
account_pair (Session *sender,
              Pair    *pair,
              Totals  *totals)
{
  Session *recipient = g_ptr_array_index (sessions, pair->recipient);
  gint64   missing = (gint64) pair->sent - pair->received - pair->told;

  if (pair->told > 0 && recipient->end == END_FINAL)
    totals->false_errors += pair->told; /* the recipient never left */
  if (missing < 0)
    totals->false_errors += -missing;
  if (missing <= 0)
    return;

  if (recipient->end == END_RESET || recipient->end == END_DROPPED)
    totals->lost_with_recipient += missing;
  else if (sender->end == END_RESET || sender->end == END_DROPPED)
    totals->lost_with_sender += missing;
  else
    {
      totals->lost_unaccounted += missing;
      if (++totals->lost_pairs <= 20)
        g_printerr ("lost: %s -> %s: sent %u, received %u, told %u (sender %s, recipient %s%s)\n",
                    sender->name, recipient->name, pair->sent, pair->received, pair->told,
                    end_names[sender->end], end_names[recipient->end],
                    recipient->ever_paused ? ", had paused" : "");
    }
}

/* ------------------------------------------------------------------ */
/* Main loop                                                           */
/* ------------------------------------------------------------------ */

static void
on_signal (int signum)
{
  interrupted = 1;
}

static void
handle_event (struct epoll_event *ev)
{
  Session *s = g_ptr_array_index (sessions, ev->data.u32);

  if (s->state == SESSION_ENDED)
    return;
  if (s->state == SESSION_CONNECTING)
    {
      session_connected (s);
      return;
    }
  if (ev->events & (EPOLLIN | EPOLLHUP | EPOLLERR))
    {
      if (s->pause_until == 0 || (ev->events & (EPOLLHUP | EPOLLERR)))
        session_read (s);
      if (s->state == SESSION_ENDED)
        return;
    }
  if (ev->events & EPOLLOUT)
    session_flush (s);
}

static void
poll_once (int timeout_ms)
{
  struct epoll_event events[256];
  int                n = epoll_wait (epfd, events, G_N_ELEMENTS (events), timeout_ms);

  if (n < 0 && errno != EINTR)
    g_error ("epoll_wait: %s", g_strerror (errno));
  for (int i = 0; i < n; i++)
    handle_event (&events[i]);
}

static gboolean
server_alive (void)
{
  return opt_server_pid <= 0 || kill (opt_server_pid, 0) == 0;
}

static void
raise_nofile (guint needed)
{
  struct rlimit limit;

  if (getrlimit (RLIMIT_NOFILE, &limit) != 0)
    return;
  if (limit.rlim_max < needed)
    limit.rlim_max = needed; /* works as root */
  limit.rlim_cur = limit.rlim_max;
  if (setrlimit (RLIMIT_NOFILE, &limit) != 0 ||
      getrlimit (RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < needed)
    {
      g_printerr ("confab-soak: RLIMIT_NOFILE is %lu, %u needed\n",
                  (unsigned long) limit.rlim_cur, needed);
      exit (2);
    }
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  gint64         start, chat_start = 0, chat_end = 0, next_sample, last_tick, warm_done = 0;
  double         carry_msg = 0, carry_leave = 0, carry_reset = 0, carry_pause = 0;
  Sample         first = { 0 }, warm = { 0 }, last = { 0 }, idle_before = { 0 }, after_close = { 0 };
  guint64        rss_max = 0, last_messages = 0, last_delivered = 0;
  guint          fds_warm_extra = 0, fds_max_extra = 0;
  Totals         totals = { 0 };
  gint64         max_stall_us = 0;
  guint          seconds = 0, hard_timeout;
  gboolean       failed = FALSE;
  GHashTableIter iter;
  gpointer       value;

  context = g_option_context_new ("- soak test a running confabd");
  g_option_context_set_description (context,
                                    "Example (release build, peers_max above N):\n"
                                    "  build-soak/src/confabd --bus none --listen 127.0.0.1:8090 --config soak.conf &\n"
                                    "  build-soak/tools/soak/confab-soak --port 8090 --server-pid $! -n 2000 -m 10\n");
  g_option_context_add_main_entries (context, entries, NULL);
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("confab-soak: %s\n", error->message);
      return 2;
    }
  if (opt_port == 0 || opt_port > 65535 || opt_clients == 0 || opt_minutes <= 0 ||
      opt_pause_min > opt_pause_max || opt_print_every == 0)
    {
      g_printerr ("confab-soak: --port is required; see --help\n");
      return 2;
    }

  raise_nofile (opt_clients + 256);
  signal (SIGPIPE, SIG_IGN);
  signal (SIGINT, on_signal);
  signal (SIGTERM, on_signal);
  /* The hard bound: chat, drain and close can never take longer. */
  hard_timeout = (guint) (opt_minutes * 60) + opt_warmup + 300;
  alarm (hard_timeout);

  if (opt_seed == 0)
    opt_seed = (guint) g_get_real_time ();
  rng = g_rand_new_with_seed (opt_seed);
  padding = g_strnfill (opt_size, 'x');
  slow_padding = g_strnfill (opt_slow_size, 'y');
  names = g_hash_table_new (g_str_hash, g_str_equal);
  sessions = g_ptr_array_new ();
  active = g_array_new (FALSE, FALSE, sizeof (guint32));
  slots = g_new0 (Slot, opt_clients);
  for (guint i = 0; i < opt_clients; i++)
    slots[i].current = G_MAXUINT;

  memset (&server_addr, 0, sizeof server_addr);
  server_addr.sin_family = AF_INET;
  server_addr.sin_port = htons (opt_port);
  server_addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    g_error ("epoll_create1: %s", g_strerror (errno));

  g_print ("confab-soak: %u clients, %.1f min, %.0f msg/s, %u-byte padding, "
           "leaves %.1f/s, resets %.1f/s, pauses %.1f/s (%u-%u s), seed %u\n",
           opt_clients, opt_minutes, opt_rate, opt_size, opt_leaves, opt_resets,
           opt_pauses, opt_pause_min, opt_pause_max, opt_seed);

  first = sample_server ();
  idle_before = first;
  start = now_us ();
  next_sample = start + G_USEC_PER_SEC;
  last_tick = start;

  g_print ("%6s %6s %6s %6s %8s %8s %8s %7s %7s %7s %10s %6s\n",
           "t(s)", "conns", "active", "paused", "sent/s", "deliv/s", "told", "resets",
           "drops", "leaves", "rss(KiB)", "fds");

  for (;;)
    {
      gint64 now;
      double dt;

      poll_once (TICK_MS);
      now = now_us ();
      dt = (now - last_tick) / (double) G_USEC_PER_SEC;
      /* The tool's own stalls (CPU starved, say) would show up as the
       * daemon's login timeouts and bursts: keep the worst for the report. */
      max_stall_us = MAX (max_stall_us, now - last_tick);
      last_tick = now;

      if (interrupted)
        {
          g_printerr ("confab-soak: interrupted\n");
          failed = TRUE;
          break;
        }

      /* Joining: at most 200 new connections per tick, so the start is a
       * ramp and not a SYN flood. */
      {
        guint started = 0;

        for (guint i = 0; i < opt_clients && started < 200; i++)
          {
            if (slots[i].current == G_MAXUINT && !draining &&
                (slots[i].rejoin_at == 0 || slots[i].rejoin_at <= now))
              {
                session_start (i);
                started++;
              }
          }
      }

      if (chat_start == 0 && active->len == opt_clients)
        {
          chat_start = now;
          chat_end = now + (gint64) (opt_minutes * 60 * G_USEC_PER_SEC);
          g_print ("# all %u clients logged in after %.1f s; warm-up %u s, then the run\n",
                   opt_clients, (now - start) / (double) G_USEC_PER_SEC, opt_warmup);
        }

      if (chat_start != 0 && !draining)
        {
          guint n;

          n = due (&carry_msg, opt_rate, dt);
          for (guint i = 0; i < n; i++)
            send_message (NULL);
          /* Paused readers get a flood of big messages, so that some
           * pass the server's queue limit before they read again. */
          for (guint i = 0; i < active->len; i++)
            {
              Session *s = g_ptr_array_index (sessions, g_array_index (active, guint32, i));

              if (s->pause_until == 0)
                continue;
              n = due (&s->flood_carry, opt_slow_flood, dt);
              for (guint j = 0; j < n && s->state == SESSION_ACTIVE; j++)
                send_message (s);
            }
          n = due (&carry_leave, opt_leaves, dt);
          for (guint i = 0; i < n; i++)
            leave_one ();
          n = due (&carry_reset, opt_resets, dt);
          for (guint i = 0; i < n; i++)
            reset_one ();
          n = due (&carry_pause, opt_pauses, dt);
          for (guint i = 0; i < n; i++)
            pause_one ();
          unpause_due (now, FALSE);
        }

      if (now >= next_sample)
        {
          Sample sample = sample_server ();
          guint  conns = count_connected ();

          seconds++;
          next_sample += G_USEC_PER_SEC;
          if (!server_alive ())
            {
              g_printerr ("confab-soak: confabd (PID %d) is gone\n", opt_server_pid);
              failed = TRUE;
              break;
            }
          if (sample.ok)
            {
              last = sample;
              rss_max = MAX (rss_max, sample.rss_kib);
              if (warm_done != 0 && sample.fds > conns)
                fds_max_extra = MAX (fds_max_extra, sample.fds - conns);
            }
          if (chat_start != 0 && warm_done == 0 &&
              now - chat_start >= (gint64) opt_warmup * G_USEC_PER_SEC)
            {
              warm_done = now;
              warm = sample;
              fds_warm_extra = sample.fds > conns ? sample.fds - conns : 0;
              fds_max_extra = fds_warm_extra;
              g_print ("# warm-up done: VmRSS %" G_GUINT64_FORMAT " KiB, %u descriptors for %u connections\n",
                       warm.rss_kib, warm.fds, conns);
            }
          if (seconds % opt_print_every == 0)
            g_print ("%6u %6u %6u %6u %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT " %8" G_GUINT64_FORMAT
                     " %7" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT " %7" G_GUINT64_FORMAT
                     " %10" G_GUINT64_FORMAT " %6u\n",
                     seconds, conns, active->len, count_paused (),
                     (stats.messages - last_messages) / opt_print_every,
                     (stats.delivered - last_delivered) / opt_print_every,
                     stats.told, stats.resets, stats.dropped, stats.leaves,
                     sample.rss_kib, sample.fds);
          if (seconds % opt_print_every == 0)
            {
              last_messages = stats.messages;
              last_delivered = stats.delivered;
            }
        }

      /* The end of the run: stop chatting, then drain. */
      if (chat_start != 0 && !draining && now >= chat_end + (gint64) opt_warmup * G_USEC_PER_SEC)
        {
          draining = TRUE;
          unpause_due (now, TRUE);
          g_print ("# chat over; draining\n");
          for (guint i = 0; i < active->len; i++)
            {
              Session         *s = g_ptr_array_index (sessions, g_array_index (active, guint32, i));
              g_autofree char *line = g_strdup_printf ("%s: __end\n", s->name);

              session_queue (s, line, strlen (line));
              session_flush (s);
            }
          break;
        }
    }

  if (!failed)
    {
      /* Phase 1: every live sender's lines have all been routed once its
       * own "__end" came back. Sessions still logging in or leaving finish
       * too. */
      gint64   deadline = now_us () + 60 * G_USEC_PER_SEC;
      gboolean done = FALSE;

      while (!done && now_us () < deadline && !interrupted)
        {
          poll_once (TICK_MS);
          done = TRUE;
          for (guint i = 0; i < sessions->len && done; i++)
            {
              Session *s = g_ptr_array_index (sessions, i);

              done = s->state == SESSION_ENDED ||
                     (s->state == SESSION_ACTIVE && s->end_seen);
            }
        }
      /* Phase 2: each queue holds nothing older than its own "__end2". */
      for (guint i = 0; i < active->len; i++)
        {
          Session         *s = g_ptr_array_index (sessions, g_array_index (active, guint32, i));
          g_autofree char *line = g_strdup_printf ("%s: __end2\n", s->name);

          session_queue (s, line, strlen (line));
          session_flush (s);
        }
      done = FALSE;
      while (!done && now_us () < deadline && !interrupted)
        {
          poll_once (TICK_MS);
          done = TRUE;
          for (guint i = 0; i < active->len && done; i++)
            done = ((Session *) g_ptr_array_index (sessions, g_array_index (active, guint32, i)))->end2_seen;
        }
      if (!done)
        {
          g_printerr ("confab-soak: the drain did not finish within 60 s\n");
          failed = TRUE;
        }
      last = sample_server ();
    }

  /* Everyone still connected is a final session. */
  for (guint i = 0; i < sessions->len; i++)
    {
      Session *s = g_ptr_array_index (sessions, i);

      if (s->state != SESSION_ENDED)
        session_end (s, END_FINAL);
    }

  /* The accounting, pair by pair. */
  for (guint i = 0; i < sessions->len; i++)
    {
      Session *sender = g_ptr_array_index (sessions, i);

      if (sender->pairs == NULL)
        continue;
      g_hash_table_iter_init (&iter, sender->pairs);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        account_pair (sender, value, &totals);
    }

  /* The daemon gives back every descriptor once all are gone. */
  if (opt_server_pid > 0 && server_alive ())
    {
      gint64 deadline = now_us () + 30 * G_USEC_PER_SEC;

      do
        {
          g_usleep (100 * G_TIME_SPAN_MILLISECOND);
          after_close = sample_server ();
        }
      while (after_close.fds != idle_before.fds && now_us () < deadline);
    }

  g_print ("\n== confab-soak summary (seed %u) ==\n", opt_seed);
  g_print ("clients                 %u at once, %" G_GUINT64_FORMAT " sessions in all\n",
           opt_clients, (guint64) sessions->len);
  g_print ("run                     %.1f min after a %u s warm-up\n", opt_minutes, opt_warmup);
  g_print ("messages sent           %" G_GUINT64_FORMAT " (%" G_GUINT64_FORMAT " recipient copies)\n",
           stats.messages, stats.deliveries);
  g_print ("delivered               %" G_GUINT64_FORMAT "\n", stats.delivered);
  g_print ("refused (no such peer)  %" G_GUINT64_FORMAT "\n", stats.told);
  g_print ("lost with recipient     %" G_GUINT64_FORMAT " (recipient reset or dropped as slow consumer)\n",
           totals.lost_with_recipient);
  g_print ("lost with sender        %" G_GUINT64_FORMAT " (sender reset before the server read them)\n",
           totals.lost_with_sender);
  g_print ("LOST, UNACCOUNTED       %" G_GUINT64_FORMAT "\n", totals.lost_unaccounted);
  g_print ("duplicates              %" G_GUINT64_FORMAT "\n", stats.duplicates);
  g_print ("reorders / gaps         %" G_GUINT64_FORMAT "\n", stats.reorders);
  g_print ("misdelivered            %" G_GUINT64_FORMAT "\n", stats.misdelivered);
  g_print ("false \"no such peer\"    %" G_GUINT64_FORMAT "\n", totals.false_errors);
  g_print ("unexpected lines        %" G_GUINT64_FORMAT "\n", stats.bad_lines);
  g_print ("joins / leaves / resets %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT "\n",
           stats.joins, stats.leaves, stats.resets);
  g_print ("slow readers / dropped  %" G_GUINT64_FORMAT " / %" G_GUINT64_FORMAT "\n",
           stats.pauses, stats.dropped);
  g_print ("unexplained disconnects %" G_GUINT64_FORMAT "\n", stats.unexpected);
  g_print ("sender/recipient pairs  %" G_GUINT64_FORMAT "\n", n_pairs);
  g_print ("tool's longest stall    %" G_GINT64_FORMAT " ms%s\n", max_stall_us / 1000,
           max_stall_us > 2 * G_USEC_PER_SEC ? " (the machine was busy: late logins may be the tool's)" : "");
  if (opt_server_pid > 0)
    {
      g_print ("confabd VmRSS (KiB)     start %" G_GUINT64_FORMAT ", after warm-up %" G_GUINT64_FORMAT
               ", end %" G_GUINT64_FORMAT ", max %" G_GUINT64_FORMAT "\n",
               first.rss_kib, warm.rss_kib, last.rss_kib, rss_max);
      g_print ("confabd descriptors     start %u, after warm-up %u, end %u, after all closed %u\n",
               first.fds, warm.fds, last.fds, after_close.fds);
      g_print ("descriptors beyond the connections: %u after warm-up, at most %u later\n",
               fds_warm_extra, fds_max_extra);
    }

  if (totals.lost_unaccounted > 0 || stats.duplicates > 0 || stats.reorders > 0 ||
      stats.misdelivered > 0 || totals.false_errors > 0 || stats.bad_lines > 0 ||
      stats.unexpected > 0 || stats.connect_failures > 0)
    failed = TRUE;
  if (opt_server_pid > 0)
    {
      if (!server_alive ())
        failed = TRUE;
      else if (after_close.fds != idle_before.fds)
        {
          g_printerr ("confab-soak: confabd holds %u descriptors, %u before the run\n",
                      after_close.fds, idle_before.fds);
          failed = TRUE;
        }
      if (warm.rss_kib > 0 && last.rss_kib > warm.rss_kib * (1 + opt_rss_growth / 100))
        {
          g_printerr ("confab-soak: VmRSS grew from %" G_GUINT64_FORMAT " to %" G_GUINT64_FORMAT " KiB\n",
                      warm.rss_kib, last.rss_kib);
          failed = TRUE;
        }
      /* Connections open and close all the time, and the two sides see
       * it at slightly different moments: allow for that. */
      if (fds_max_extra > fds_warm_extra + 32)
        {
          g_printerr ("confab-soak: descriptors beyond the connections grew from %u to %u\n",
                      fds_warm_extra, fds_max_extra);
          failed = TRUE;
        }
    }
  g_print ("result                  %s\n", failed ? "FAILED" : "ok");
  return failed ? 1 : 0;
}
