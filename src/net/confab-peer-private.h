/* confab-peer-private.h: what the files of ConfabPeer share.
 *
 * ConfabPeer is one object in several files; confab-peer.c (atop it, with
 * the picture of who calls whom) is the connection itself, the others
 * are its parts and never call back into it or into each other except
 * downwards as drawn there. A part reports to the connection through
 * return values or through ConfabPeerEvents.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "confab-codec.h"
#include "confab-deadlines.h"
#include "confab-framer.h"
#include "confab-peer.h"
#include "confab-poller.h"
#include "confab-rate-limit.h"
#include "confab-session-irc.h"
#include "confab-session.h"
#include "confab-ws-frame.h"

G_BEGIN_DECLS

typedef enum
{
  PEER_LOGIN,
  PEER_ACTIVE,
  PEER_CLOSING,
  PEER_LINGER,
  PEER_CLOSED,
} PeerState;

/* Why a connection's input is held back (confab-peer-input.c). */
typedef enum
{
  INPUT_FLOWING,
  INPUT_PAUSED_RATE,   /* the rate limit's bucket is empty */
  INPUT_YIELDED,       /* it caused enough replies for one turn */
  INPUT_PAUSED_OUTPUT, /* its own queue is past its share */
  INPUT_PAUSED_LOOKUP, /* its login name is being looked up */
  INPUT_PAUSED_ANSWER, /* it is owed an answer that comes later (its history):
                        * the lines after wait, so that replies keep the
                        * order of the requests */
} InputPause;

typedef struct _ConfabNameCheck ConfabNameCheck;

/*
 * ConfabPeerEvents:
 * How the parts tell the connection (confab-peer.c) what happened, so
 * that none of them calls up into it.
 *
 * @line: a framed line (confab-peer-input.c, through the framer);
 *   returns FALSE to stop framing
 * @rate_due: the rate limit has a token again (confab-peer-rate.c)
 * @user_known: the caller's user name was looked up (confab-peer-identity.c)
 * @name_checked: a login name was looked up (confab-peer-identity.c);
 *   @reserved if it is a local account's
 * @tls_ready: the TLS handshake ended (confab-peer-tls.c); @error if it
 *   failed
 * @password_checked: a login's password was checked (confab-peer-auth.c)
 * @ws_frame: a WebSocket control frame, or a broken rule
 *   (confab-peer-input.c, through the decoder)
 */
typedef struct
{
  ConfabFramerLineFunc line;
  void (*rate_due) (ConfabPeer *self);
  void (*user_known) (ConfabPeer *self);
  void (*name_checked) (ConfabPeer *self,
                        const char *name,
                        gboolean    reserved);
  void (*tls_ready) (ConfabPeer   *self,
                     const GError *error);
  void (*password_checked) (ConfabPeer *self,
                            const char *name,
                            gboolean    ok);
  void (*ws_frame) (ConfabPeer          *self,
                    ConfabWsEvent        event,
                    const ConfabWsFrame *frame);
} ConfabPeerEvents;

struct _ConfabPeer
{
  GObject parent_instance;

  ConfabPeerHost         *host;       /* (unowned): outlives every peer */
  const ConfabPeerEvents *events;     /* confab-peer.c's */
  GSocketConnection      *connection; /* (owned) */
  GSocket                *socket;     /* (unowned): the connection's */
  char                   *address;    /* (owned) */
  gint64                  unix_uid;   /* the caller's uid on a Unix socket, else -1 */
  char                   *unix_user;  /* (owned) (nullable): its user name, once looked up */
  gboolean                unix_user_known;
  ConfabNameCheck        *name_check;  /* (owned) (nullable): a TCP login waiting for getpwnam */
  ConfabBrokerPeer       *entry;       /* (owned) (nullable): set at login */
  const char             *login_name;  /* (unowned) (nullable): the name asked for, while refused */
  char                   *kick_notice; /* (owned) (nullable): why it was kicked, logged at the close */
  PeerState               state;
  const ConfabCodec      *codec; /* the protocol; text until the first non-blank byte says */
  gboolean                protocol_known;
  ConfabIrcClient        *irc; /* (owned) (nullable): on the IRC door, its registration and caps */

  ConfabFramer   framer;
  ConfabWatch    watch;   /* in the scheduler's poller */
  gboolean       reading; /* watching for input */
  gboolean       writing; /* watching for room to send: only while blocked */
  ConfabDeadline timer;   /* in the scheduler's deadlines: login timeout, close or linger */

  /* Bytes taken off the queue that the kernel has not accepted yet. */
  char          *unsent; /* (owned) (nullable) */
  gsize          unsent_len;
  gsize          unsent_off;
  ConfabMessage *carry; /* (owned) (nullable): popped, did not fit the buffer */

  ConfabFlushEntry flush; /* in the scheduler's flush list while scheduled */
  gboolean         eof_seen;

  /* Input read but not framed yet, while input is paused mid-read. */
  char      *held; /* (owned) (nullable) */
  gsize      held_len;
  gsize      held_off;
  InputPause pause;

  /* TLS (confab-peer-tls.c); all NULL on a plain connection. */
  GTlsConnection *tls;             /* (owned) (nullable) */
  GCancellable   *tls_cancellable; /* (owned) (nullable): its handshake and close_notify */
  gboolean        tls_ready;       /* the handshake is done */
  char           *tls_certfp;      /* (owned) (nullable): the client certificate's SHA-256 */
  gboolean        tls_closing;     /* close_notify is on its way out */
  gboolean        eof_deferred;    /* EOF came while answers were owed: close after them */

  /* A password check waiting for its host's delay (confab-peer-auth.c). */
  gpointer auth_pending; /* (owned) (nullable) */
  guint    auth_delay_id;
  gboolean auth_checking;    /* from the check's start to its answer */
  char    *cluster_claim;    /* (owned) (nullable): the name being claimed across the cluster */
  gboolean password_checked; /* the login's password was its account's */
  gboolean sasl_checking;    /* the check is IRC's SASL PLAIN's */

  /* The IRC door's keep-alive (confab-peer-ping.c), on the timer. */
  gint64 last_input_usec; /* when the client last sent anything */
  gint64 ping_sent_usec;  /* when the PING now unanswered went out; 0: none */

  /* The ws: door: its HTTP request (confab-peer-http.c), then its
   * WebSocket (confab-peer-ws.c). */
  gboolean         http;         /* reading the request: before the upgrade */
  GByteArray      *http_request; /* (owned) (nullable): a request that came in pieces */
  GBytes          *http_body;    /* (owned) (nullable): the answer's body, sent after its head */
  gsize            http_body_off;
  ConfabWsDecoder *ws;         /* (owned) (nullable): after the upgrade */
  gboolean         ws_waiting; /* ws holds a message input has not handled yet */
  char             ws_pong[CONFAB_WS_CONTROL_MAX];
  gsize            ws_pong_len;
  gboolean         ws_pong_due;
  guint16          ws_close_code;   /* the close frame's; 0 until the close */
  const char      *ws_close_reason; /* (nullable): its words (static) */
  gboolean         ws_close_sent;

  /* The per-peer rate limit (confab-peer-rate.c). */
  ConfabRateLimit rate;
  ConfabDeadline  rate_deadline; /* in the scheduler's deadlines: ends a pause in reading */
};

static inline ConfabDeadlines *
confab_peer_deadlines (ConfabPeer *self)
{
  return confab_output_scheduler_get_deadlines (self->host->scheduler);
}

/* confab-peer-close.c: the one close, and the watch, timer and flush
 * turn that serving and closing both drive */
void              confab_peer_arm_timer (ConfabPeer        *self,
                                         guint              seconds,
                                         ConfabDeadlineFunc func);
void              confab_peer_cancel_timer (ConfabPeer *self);
void              confab_peer_set_watching (ConfabPeer *self,
                                            gboolean    reading,
                                            gboolean    writing);
void              confab_peer_schedule_flush (ConfabPeer *self);
void              confab_peer_start_linger (ConfabPeer *self);
void              confab_peer_finish_close (ConfabPeer *self);
ConfabCloseReason confab_close_reason_for_error (ConfabError code);
void              confab_peer_log (ConfabPeer    *self,
                                   ConfabLogEvent event,
                                   const char    *reason);

/* confab-peer-output.c */
typedef enum
{
  CONFAB_FLUSH_DRAINED, /* everything queued is sent */
  CONFAB_FLUSH_MORE,    /* more is queued: another turn, after the others */
  CONFAB_FLUSH_BLOCKED, /* the kernel's buffer is full: wait for room */
  CONFAB_FLUSH_FAILED,  /* the connection failed */
} ConfabFlushResult;

ConfabFlushResult confab_peer_output_flush (ConfabPeer *self);
void              confab_peer_output_discard (ConfabPeer *self);
void              confab_peer_output_append (ConfabPeer *self,
                                             const char *data,
                                             gsize       len);
void              confab_peer_output_clear (ConfabPeer *self);
gsize             confab_peer_output_measure (gpointer       sink_data,
                                              ConfabMessage *message);

/* confab-peer-input.c */
typedef enum
{
  CONFAB_INPUT_WAITING,  /* nothing changes for the socket */
  CONFAB_INPUT_DRAINED,  /* nothing is held (any more): read the socket */
  CONFAB_INPUT_HELD,     /* input must wait (self->pause says why): stop reading */
  CONFAB_INPUT_TOO_LONG, /* a line passed line_max_bytes: close */
} ConfabInputStatus;

ConfabInputStatus confab_peer_input_feed (ConfabPeer *self,
                                          char       *data,
                                          gsize       len);
ConfabInputStatus confab_peer_input_resume (ConfabPeer *self);
void              confab_peer_input_drop_held (ConfabPeer *self);
gsize             confab_peer_input_share (ConfabPeer *self);

/* confab-peer-rate.c */
gboolean confab_peer_rate_take (ConfabPeer *self,
                                gint64     *now_usec);
void     confab_peer_rate_cancel (ConfabPeer *self);

/* confab-peer-identity.c */
char *confab_peer_identity_describe (GSocketConnection *connection,
                                     gint64            *unix_uid);
void  confab_peer_identity_start_lookup (ConfabPeer *self);
char *confab_peer_identity_dup_user (ConfabPeer *self);
void  confab_peer_identity_check_name (ConfabPeer *self,
                                       const char *name);

/* confab-peer-auth.c */
void confab_peer_auth_check (ConfabPeer *self,
                             const char *name,
                             char       *password);
void confab_peer_auth_failed (ConfabPeer *self);
void confab_peer_auth_cancel (ConfabPeer *self);

/* confab-peer-tls.c */
gboolean confab_peer_tls_start (ConfabPeer      *self,
                                GTlsCertificate *certificate,
                                GError         **error);
gssize   confab_peer_tls_receive (ConfabPeer *self,
                                  char       *buf,
                                  gsize       size,
                                  GError    **error);
gssize   confab_peer_tls_send (ConfabPeer *self,
                               const char *data,
                               gsize       len,
                               GError    **error);
gboolean confab_peer_tls_may_watch (ConfabPeer *self);
void     confab_peer_tls_shutdown_write (ConfabPeer *self);
void     confab_peer_tls_close (ConfabPeer *self);
void     confab_peer_tls_clear (ConfabPeer *self);

/* confab-peer-http.c */
typedef enum
{
  CONFAB_HTTP_MORE,     /* the request is not whole yet */
  CONFAB_HTTP_ANSWERED, /* the answer is queued: close after it */
  CONFAB_HTTP_UPGRADED, /* the 101 is queued: WebSocket from here on */
} ConfabHttpStatus;

ConfabHttpStatus confab_peer_http_feed (ConfabPeer *self,
                                        const char *data,
                                        gsize       len,
                                        gsize      *used);
void             confab_peer_http_clear (ConfabPeer *self);
void             confab_peer_http_refuse (ConfabPeer       *self,
                                          ConfabCloseReason reason);

/* confab-peer-ws.c */
void           confab_peer_ws_start (ConfabPeer *self);
void           confab_peer_ws_clear (ConfabPeer *self);
void           confab_peer_ws_ping (ConfabPeer *self,
                                    const char *payload,
                                    gsize       len);
ConfabEncoded *confab_peer_ws_take_pong (ConfabPeer *self);
void           confab_peer_ws_closing (ConfabPeer       *self,
                                       ConfabCloseReason reason);
void           confab_peer_ws_set_close (ConfabPeer *self,
                                         guint16     code,
                                         const char *reason);
gboolean       confab_peer_ws_queue_close (ConfabPeer *self);

/* confab-peer-ping.c */
void confab_peer_ping_start (ConfabPeer *self);

/* confab-peer-requests.c */
ConfabLoginStep   confab_peer_requests_login (ConfabPeer *self,
                                              char       *line,
                                              gsize       len,
                                              char      **requested,
                                              char      **name,
                                              char      **password,
                                              GError    **error);
void              confab_peer_requests_refuse_password (ConfabPeer *self,
                                                        GError    **error);
ConfabBrokerPeer *confab_peer_requests_join (ConfabPeer             *self,
                                             const char             *name,
                                             const ConfabBrokerSink *sink,
                                             GError                **error);
ConfabLoginStep   confab_peer_requests_irc_sasl_checked (ConfabPeer *self,
                                                         gboolean    ok,
                                                         GError    **error);
gboolean          confab_peer_requests_irc_nick_taken (ConfabPeer   *self,
                                                       const GError *error);
void              confab_peer_requests_refuse_local_name (ConfabPeer *self,
                                                          const char *name,
                                                          GError    **error);
void              confab_peer_requests_irc_ping (ConfabPeer *self);
gboolean          confab_peer_requests_handle (ConfabPeer *self,
                                               char       *line,
                                               gsize       len);

G_END_DECLS
