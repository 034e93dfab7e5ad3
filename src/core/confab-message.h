/* confab-message.h: what the per-peer outgoing queues carry.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-error.h"

G_BEGIN_DECLS

/* What a message says. It is a value: how it looks on a wire is the
 * protocol layer's business (src/proto, confab-codec.h). */
typedef enum
{
  CONFAB_MESSAGE_CHAT,          /* sender, recipients, text, timestamp */
  CONFAB_MESSAGE_ERROR,         /* code, text */
  CONFAB_MESSAGE_WELCOME,       /* names: the one name that just logged in */
  CONFAB_MESSAGE_PEERS,         /* names: who is connected, sorted */
  CONFAB_MESSAGE_JOIN,          /* room, sender: who joined it */
  CONFAB_MESSAGE_PART,          /* room, sender: who left it; for a kick, names: the
                                 * operator who removed it, text: why */
  CONFAB_MESSAGE_TOPIC,         /* room, sender: who set it ("" if none), text, timestamp */
  CONFAB_MESSAGE_MEMBERS,       /* room, names: its members, sorted */
  CONFAB_MESSAGE_ROOMS,         /* names: every room, sorted */
  CONFAB_MESSAGE_PROTOCOL_LINE, /* text: a line of one protocol's own, the line end
                                 * included, that its session answers with and no
                                 * other protocol has (IRC's PONG, CAP and numerics);
                                 * only the connection it is made for gets it */
  CONFAB_MESSAGE_HISTORY,       /* room, sender, text, timestamp: a line of a room's
                                 * history, replayed to the one who asked */
  CONFAB_MESSAGE_HISTORY_END,   /* room: the end of a replay */
  CONFAB_MESSAGE_OFFLINE,       /* sender, text, timestamp: a message sent while the
                                 * recipient was away, delivered at its login */
  CONFAB_MESSAGE_STORED,        /* names: the one recipient a message was stored for,
                                 * told to its sender */
} ConfabMessageKind;

/* Slots for a message's encodings, one per wire protocol. The protocol
 * layer chooses what goes in which; the message only frees them. */
#define CONFAB_MESSAGE_N_SLOTS 4

/*
 * ConfabEncoded:
 * One encoding of a message, made by the protocol layer and kept in one
 * of the message's slots: its length and its bytes in one allocation
 * (confab_encoded_new(), confab_encoded_free()), since one is made for
 * every message sent.
 */
typedef struct
{
  gsize len;
  char  data[];
} ConfabEncoded;

typedef struct _ConfabMessage ConfabMessage;

ConfabMessage *confab_message_new_chat (const char         *sender,
                                        const char * const *recipients,
                                        guint               n_recipients,
                                        const char         *text,
                                        gsize               text_len,
                                        gint64              timestamp_usec);
ConfabMessage *confab_message_new_room_chat (const char         *sender,
                                             const char         *room,
                                             const char * const *recipients,
                                             guint               n_recipients,
                                             const char         *text,
                                             gsize               text_len,
                                             gint64              timestamp_usec);
ConfabMessage *confab_message_new_error (ConfabError code,
                                         const char *text);
ConfabMessage *confab_message_new_errorf (ConfabError code,
                                          const char *format,
                                          ...) G_GNUC_PRINTF (2, 3);
ConfabMessage *confab_message_new_chat_with_line (const char         *sender,
                                                  const char         *room,
                                                  const char * const *recipients,
                                                  guint               n_recipients,
                                                  const char         *text,
                                                  gsize               text_len,
                                                  gsize               line_len,
                                                  ConfabEncoded     **line);
ConfabMessage *confab_message_new_welcome (const char *name);
ConfabMessage *confab_message_new_protocol_line (const char *line,
                                                 gsize       len);
ConfabMessage *confab_message_new_peers (const char * const *names,
                                         guint               n_names);
ConfabMessage *confab_message_new_room_event (ConfabMessageKind kind,
                                              const char       *room,
                                              const char       *name);
ConfabMessage *confab_message_new_kick (const char *room,
                                        const char *name,
                                        const char *by,
                                        const char *reason);
ConfabMessage *confab_message_new_topic (const char *room,
                                         const char *setter,
                                         const char *topic,
                                         gint64      timestamp_usec);
ConfabMessage *confab_message_new_members (const char         *room,
                                           const char * const *names,
                                           guint               n_names);
ConfabMessage *confab_message_new_rooms (const char * const *names,
                                         guint               n_names);
ConfabMessage *confab_message_new_history (const char *room,
                                           const char *sender,
                                           const char *text,
                                           gint64      timestamp_usec);
ConfabMessage *confab_message_new_history_end (const char *room);
ConfabMessage *confab_message_new_offline (const char *sender,
                                           const char *text,
                                           gint64      timestamp_usec);
ConfabMessage *confab_message_new_stored (const char *recipient);
ConfabMessage *confab_message_ref (ConfabMessage *self);
void           confab_message_unref (ConfabMessage *self);
void           confab_message_ref_many (ConfabMessage *self,
                                        guint          n);
void           confab_message_unref_unused (ConfabMessage *self,
                                            guint          n);

ConfabMessageKind   confab_message_get_kind (const ConfabMessage *self);
ConfabError         confab_message_get_code (const ConfabMessage *self);
const char         *confab_message_get_sender (const ConfabMessage *self);
const char         *confab_message_get_room (const ConfabMessage *self);
const char * const *confab_message_get_recipients (const ConfabMessage *self,
                                                   guint               *n_recipients);
const char * const *confab_message_get_names (const ConfabMessage *self,
                                              guint               *n_names);
const char         *confab_message_get_text (const ConfabMessage *self,
                                             gsize               *len);
gint64              confab_message_get_timestamp (const ConfabMessage *self);
gsize               confab_message_get_size (const ConfabMessage *self);
gsize               confab_message_get_counted (const ConfabMessage *self);
void                confab_message_set_counted (ConfabMessage *self,
                                                gsize          counted);

ConfabEncoded *confab_encoded_new (gsize len);
ConfabEncoded *confab_encoded_new_copy (const void *data,
                                        gsize       len);
void           confab_encoded_free (gpointer encoded);

const ConfabEncoded *confab_message_get_slot (ConfabMessage *self,
                                              guint          slot);
const ConfabEncoded *confab_message_set_slot (ConfabMessage *self,
                                              guint          slot,
                                              ConfabEncoded *encoded);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabMessage, confab_message_unref)

G_END_DECLS
