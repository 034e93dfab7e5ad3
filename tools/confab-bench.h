/* confab-bench.h: what the scenarios of confab-bench share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <sys/types.h>

#include <glib.h>
#include <gnutls/gnutls.h>

#define READ_BUF_SIZE    (256 * 1024)
#define PART_MAX         512 /* longest line kept across reads */
#define MAX_EVENTS       512
#define MAX_ERRORS_SHOWN 5
#define NUM_MAX_LEN      20  /* digits of a guint64 */
#define IRC_LINE_MAX     512 /* an IRC line's bytes, CR LF included (RFC 1459 2.3) */

/* How long a login refused for now waits for its next try, in ns. */
#define LOGIN_RETRY_WAIT (100 * G_GINT64_CONSTANT (1000000))

/* --port2: the barrier before the timed phase (confab-bench.c). */
#define BARRIER_CLIENTS     2  /* one on each node */
#define BARRIER_NAME_MAX    32 /* "zbarrierK-PID" and its NUL */
#define BARRIER_PROBE_EVERY (20 * G_GINT64_CONSTANT (1000000))
#define BARRIER_ANSWER_WAIT (1000 * G_GINT64_CONSTANT (1000000)) /* then the probe goes again */
#define BARRIER_TIMEOUT     (10 * G_GINT64_CONSTANT (1000000000))

/* Latency histogram: exact below 2048 µs, then 1024 buckets per power of
 * two (under 0.1 % error), up to 2^40 µs. */
#define HIST_SUB_BITS 10
#define HIST_SUB      (1u << HIST_SUB_BITS)
#define HIST_BUCKETS  (HIST_SUB * 32)

typedef enum
{
  SCENARIO_THROUGHPUT,
  SCENARIO_FANOUT,
  SCENARIO_IDLE,
  SCENARIO_SLOWREADER,
  SCENARIO_LOGINS,
  SCENARIO_ROOM,
} Scenario;

/* --tls: what waits in GnuTLS after a record_send said GNUTLS_E_AGAIN
 * (the record is made; it is sent by calling again). */
typedef enum
{
  TLS_AGAIN_NONE,
  TLS_AGAIN_OUT,   /* the first bytes of Client.out */
  TLS_AGAIN_SMALL, /* a line sent on its own (login, join, PONG) */
} TlsAgain;

typedef enum
{
  CLIENT_NEW,
  CLIENT_CONNECTING,
  CLIENT_HANDSHAKE, /* --tls: the TCP connection is up, the TLS handshake runs */
  CLIENT_LOGIN,     /* name sent, waiting for the self round-trip */
  CLIENT_READY,
  CLIENT_CLOSED,
} ClientState;

typedef struct
{
  int         fd;
  guint32     id;
  ClientState state;
  guint32     events;    /* epoll interest currently registered */
  gboolean    dirty;     /* on the list of clients to fill and flush */
  gboolean    skip_line; /* discarding the rest of an overlong line */
  gboolean    in_epoll;
  int         close_errno; /* why it closed: 0 for EOF */

  /* logging in (CLOCK_MONOTONIC ns; 0 until it happens) */
  gint64 t_connect;     /* connect() started */
  gint64 t_established; /* the TCP connection was up */
  gint64 t_secured;     /* --tls: the handshake was done */
  gint64 t_logged_in;   /* the self round-trip came back */
  gint64 t_first_try;   /* the first connect(), for --login-retry's bound */
  gint64 retry_at;      /* CLIENT_NEW after a refused login: when to try again; 0: not */

  /* sending */
  guint32 sent;
  guint32 done; /* own copies received back (room: every copy delivered) */
  /* (unowned) into Bench.dests: "cA,cB: "; IRC: n_parts prefixes
   * "PRIVMSG cA,cB :", each but the last ended by a '\n' */
  const char *dests;
  gsize       dests_len;
  guint32     n_parts; /* lines per message */
  char       *out;     /* (owned) (nullable) */
  gsize       out_len;
  gsize       out_off;
  gsize       out_cap;

  /* receiving */
  guint64  received; /* lines "from ..." in the timed phase */
  guint64  expected;
  guint16  part_len;
  gboolean joined; /* room: its own "join" line came back */
  char     part[PART_MAX];

  /* --tls (confab-bench-tls.c) */
  gnutls_session_t tls; /* (owned) (nullable) */
  TlsAgain         tls_again;
  gboolean         tls_pending; /* on the list of clients with decrypted bytes to read */
} Client;

/* --port2: one of the barrier's clients, the Kth after the n_total
 * others, on --port for K = 0 and on --port2 for K = 1. */
typedef struct
{
  char     name[BARRIER_NAME_MAX]; /* "zbarrier1-PID", "zbarrier2-PID" */
  gsize    name_len;
  gboolean seen; /* its probe reached the other barrier client */
  gint64   sent; /* when its probe now in flight went; 0: none in flight */
  gint64   next; /* when its next probe may go */
} BarrierEnd;

typedef struct
{
  /* options */
  Scenario scenario;
  int      port;
  int      n_clients;
  int      messages;
  int      recipients;
  int      window;
  int      payload;
  int      server_pid;
  int      port2;       /* 0, or the second node's port: the odd clients' */
  int      server2_pid; /* the second node's process, for its CPU time */
  int      redis_pid;   /* redis-server, for its CPU time */
  double   login_retry; /* seconds a login refused for now is tried again */
  int      connect_batch;
  int      logins;    /* logins: the timed logins */
  gint64   queue_cap; /* slowreader: server's queue_max_bytes, or -1 */
  double   timeout;
  double   drain;
  double   stall;
  double   hold; /* idle: seconds the connections stay open once logged in */

  /* clients */
  Client  *clients; /* (owned) */
  int      n_total; /* n_clients plus the slow reader, if any */
  int      n_senders;
  char    *dests;   /* (owned): every sender's recipient prefix */
  char    *padding; /* (owned) (nullable): " xxx..." */
  int      epfd;
  int     *dirty; /* (owned) */
  int      n_dirty;
  char    *rbuf;     /* (owned): the shared read buffer */
  guint32 *last_seq; /* (owned): per sender→recipient, seq + 1 */
  gsize    n_slots;
  double   cross_node_pct; /* --port2: the share of the deliveries that cross nodes */

  /* --port2: the barrier before the timed phase */
  int        n_barrier; /* BARRIER_CLIENTS after the n_total others in clients, or 0 */
  BarrierEnd barrier[BARRIER_CLIENTS];
  guint64    barrier_refused; /* probes answered "error: no such peer" */
  guint64    barrier_stray;   /* other lines the barrier clients got */

  /* login phase */
  int     pending;
  int     n_ready;
  int     n_failed;
  int     n_retrying;    /* refused for now, waiting for retry_at */
  guint64 login_retries; /* logins tried again */

  /* timed phase */
  gboolean timed;
  gint64   t_start;
  gint64   t_last_line;
  gint64   deadline;
  guint64  lines;
  guint64  msgs_done;
  guint64  msgs_total;
  gint64   t_quarter; /* when msgs_done reached a quarter */
  gint64   t_three_quarters;
  guint64  reordered;
  guint64  duplicates;
  guint64  unexpected;
  guint64  corrupt;
  guint64  errors;
  guint64  overlong;
  int      disconnects;
  gboolean stalled;
  int      slow_index; /* -1 if none */
  gboolean slow_notice;
  char     slow_gone[48]; /* "error: no such peer: cSLOW" */
  gsize    slow_gone_len;
  gint64   slow_gone_at; /* when a sender first got it; 0: not yet */
  int      timed_first;  /* logins: first client whose login is timed */

  gboolean irc;              /* the IRC dialect (confab-bench-irc.c) */
  int      targets_per_line; /* IRC: recipients named per PRIVMSG line; 0: all */
  guint64  pings;            /* IRC: the server's PINGs answered */
  gsize    irc_line_max;     /* IRC: the longest line a message makes, CR LF included */

  /* room scenario */
  int      rooms;
  int      members;
  gboolean direct;       /* the same traffic as direct messages, no rooms */
  guint32 *copies;       /* (owned): per sender, window slots of copies seen */
  int      n_joined;     /* own "join" lines seen */
  guint64  room_notices; /* other "join" lines and "members" replies */

  /* --tls (confab-bench-tls.c) */
  gboolean                         tls;
  char                            *ca_file;      /* (owned) (nullable): verify against it */
  char                            *tls_priority; /* (owned) (nullable): GnuTLS priority string */
  gnutls_certificate_credentials_t tls_cred;
  gnutls_priority_t                tls_prio;
  char                            *tls_session_desc; /* (owned) (nullable): of the first handshake */
  int                             *tls_pending;      /* (owned): clients with decrypted bytes waiting */
  int                              n_tls_pending;
  int                              tls_errors_shown;

  guint64 *hist; /* (owned): HIST_BUCKETS counts, µs */
  guint64  hist_count;
  guint64  hist_max;
} Bench;

typedef struct
{
  gint64   t;
  double   gen_cpu;
  double   server_cpu;
  double   server2_cpu;
  double   redis_cpu;
  gboolean have_machine;
  double   machine_busy;
  double   machine_softirq;
} Snapshot;

/* Calls @tick (if any) about every 100 ms while sending. */
typedef void (*TickFunc) (Bench *b, gint64 now, gpointer data);

/* confab-bench.c */
gint64      now_ns (void);
double      seconds_between (gint64 from,
                             gint64 to);
char       *put_uint (char   *p,
                      guint64 v);
const char *get_uint (const char *p,
                      const char *end,
                      guint64    *v);
void        hist_add (Bench  *b,
                      guint64 us);
void        mark_dirty (Bench  *b,
                        Client *c);
void        client_set_events (Bench  *b,
                               Client *c,
                               guint32 events);
void        client_send_login (Bench  *b,
                               Client *c);
gboolean    client_send_small (Bench      *b,
                               Client     *c,
                               const char *data,
                               gsize       len,
                               const char *what);
void        client_close (Bench  *b,
                          Client *c);
gsize       text_max (Bench *b);
int         recipient_of (Bench *b,
                          int    s,
                          int    k);
void        handle_chat_text (Bench      *b,
                              Client     *c,
                              guint64     s,
                              const char *p,
                              const char *end,
                              gint64      now);

/* confab-bench-irc.c */
char       *irc_put_login (char   *p,
                           guint32 id);
void        irc_setup_dests (Bench   *b,
                             int      s,
                             GString *dests,
                             guint32 *n_parts);
void        irc_handle_line (Bench      *b,
                             Client     *c,
                             const char *line,
                             gsize       len,
                             gint64      now);
void        show_error (Bench      *b,
                        Client     *c,
                        const char *line,
                        gsize       len,
                        gint64      now);
void        poll_once (Bench *b,
                       int    timeout_ms);
gboolean    past (gint64 deadline);
gboolean    connect_clients (Bench *b,
                             int    first,
                             int    count);
gboolean    run_timed (Bench    *b,
                       Snapshot *start,
                       Snapshot *end,
                       TickFunc  tick,
                       gpointer  tick_data);
void        print_delivery (Bench   *b,
                            GString *result);
void        print_cpu (Bench          *b,
                       const Snapshot *start,
                       const Snapshot *end,
                       GString        *result);
const char *login_status (Bench   *b,
                          gboolean ok);
const char *timed_status (Bench   *b,
                          gboolean finished);

/* confab-bench-tls.c */
gboolean tls_setup (Bench   *b,
                    GError **error);
void     tls_free (Bench *b);
void     tls_client_start (Bench  *b,
                           Client *c);
void     tls_client_handshake (Bench  *b,
                               Client *c);
ssize_t  tls_recv (Bench  *b,
                   Client *c,
                   char   *buf,
                   gsize   size);
ssize_t  tls_send (Bench      *b,
                   Client     *c,
                   const char *data,
                   gsize       len);
gboolean tls_flush_small (Bench  *b,
                          Client *c);
void     tls_client_close (Client *c);
gboolean tls_send_small (Bench      *b,
                         Client     *c,
                         const char *data,
                         gsize       len);
void     tls_print (Bench   *b,
                    GString *result);

/* confab-bench-room.c */
void        room_setup_dests (Bench   *b,
                              int      sender,
                              GString *dests);
gssize      room_slot_of (Bench  *b,
                          guint32 r,
                          guint64 s);
const char *room_skip_prefix (Bench      *b,
                              Client     *c,
                              const char *p,
                              const char *end);
void        room_copy_seen (Bench  *b,
                            guint64 s,
                            guint64 seq,
                            guint64 ts,
                            gint64  now);
gboolean    room_handle_notice (Bench      *b,
                                Client     *c,
                                const char *line,
                                gsize       len);
gboolean    room_join (Bench   *b,
                       GString *result);
