/* confab-peer-private.h: what the files of ConfabPeer share.
 *
 * ConfabPeer is one object in several files: confab-peer.c (life cycle
 * and reading), confab-peer-input.c (framing a read, and holding input
 * back), confab-peer-output.c (queue draining and the shared flush),
 * confab-peer-requests.c (handing each line to the session layer),
 * confab-peer-rate.c (the per-peer rate limit) and confab-peer-identity.c.
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
} InputPause;

typedef struct _ConfabNameCheck ConfabNameCheck;

struct _ConfabPeer
{
  GObject parent_instance;

  ConfabPeerShared  *shared;     /* (unowned): outlives every peer */
  GSocketConnection *connection; /* (owned) */
  GSocket           *socket;     /* (unowned): the connection's */
  char              *address;    /* (owned) */
  gint64             unix_uid;   /* the caller's uid on a Unix socket, else -1 */
  char              *unix_user;  /* (owned) (nullable): its user name, once looked up */
  gboolean           unix_user_known;
  ConfabNameCheck   *name_check;  /* (owned) (nullable): a TCP login waiting for getpwnam */
  ConfabBrokerPeer  *entry;       /* (owned) (nullable): set at login */
  const char        *login_name;  /* (unowned) (nullable): the name asked for, while refused */
  char              *kick_notice; /* (owned) (nullable): why it was kicked, logged at the close */
  PeerState          state;
  const ConfabCodec *codec; /* the protocol; text until the first non-blank byte says */
  gboolean           protocol_known;

  ConfabFramer   framer;
  ConfabWatch    watch;   /* in shared->poller */
  gboolean       reading; /* watching for input */
  gboolean       writing; /* watching for room to send: only while blocked */
  ConfabDeadline timer;   /* in shared->deadlines: login timeout, close or linger */

  /* Bytes taken off the queue that the kernel has not accepted yet. */
  char          *unsent; /* (owned) (nullable) */
  gsize          unsent_len;
  gsize          unsent_off;
  ConfabMessage *carry; /* (owned) (nullable): popped, did not fit the buffer */

  GList    flush_link; /* in shared->flush_queue while data == self */
  gboolean eof_seen;

  /* Input read but not framed yet, while input is paused mid-read. */
  char      *held; /* (owned) (nullable) */
  gsize      held_len;
  gsize      held_off;
  InputPause pause;

  /* The per-peer rate limit (confab-peer-rate.c). */
  ConfabRateLimit rate;
  ConfabDeadline  rate_deadline; /* in shared->deadlines: ends a pause in reading */
};

extern const ConfabBrokerSink confab_peer_sink;

/* confab-peer.c */
void confab_source_destroy_and_unref (GSource *source);
void confab_peer_close_now (ConfabPeer *self);
void confab_peer_begin_close (ConfabPeer *self);
void confab_peer_set_watching (ConfabPeer *self,
                               gboolean    reading,
                               gboolean    writing);
void confab_peer_log (ConfabPeer    *self,
                      ConfabLogEvent event,
                      const char    *reason);
void confab_peer_close_with_error (ConfabPeer *self,
                                   ConfabError code,
                                   const char *text);
void confab_peer_arm_timer (ConfabPeer        *self,
                            guint              seconds,
                            ConfabDeadlineFunc func);
void confab_peer_cancel_timer (ConfabPeer *self);

/* confab-peer-output.c */
void  confab_peer_on_writable (ConfabPeer *self);
void  confab_peer_schedule_flush (ConfabPeer *self);
void  confab_peer_unschedule_flush (ConfabPeer *self);
void  confab_peer_discard_queue (ConfabPeer *self);
void  confab_peer_keep_unsent (ConfabPeer *self,
                               const char *data,
                               gsize       len);
gsize confab_peer_measure (gpointer       sink_data,
                           ConfabMessage *message);

/* confab-peer-input.c */
void  confab_peer_feed_input (ConfabPeer *self,
                              char       *data,
                              gsize       len);
void  confab_peer_resume_input (ConfabPeer *self);
void  confab_peer_drop_held_input (ConfabPeer *self);
gsize confab_peer_output_share (ConfabPeer *self);

/* confab-peer-rate.c */
gboolean confab_peer_take_rate_token (ConfabPeer *self,
                                      gint64     *now_usec);
void     confab_peer_cancel_rate (ConfabPeer *self);

/* confab-peer-identity.c */
void  confab_peer_start_identity_lookup (ConfabPeer *self);
char *confab_peer_dup_unix_user (ConfabPeer *self);
void  confab_peer_start_name_check (ConfabPeer *self,
                                    const char *name);

/* confab-peer-requests.c */
gboolean confab_peer_handle_line (char    *line,
                                  gsize    len,
                                  gpointer user_data);
void     confab_peer_join (ConfabPeer *self,
                           const char *name);
void     confab_peer_refuse_local_name (ConfabPeer *self,
                                        const char *name,
                                        GError    **error);

G_END_DECLS
