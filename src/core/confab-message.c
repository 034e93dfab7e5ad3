/* confab-message.c: refcounted, immutable messages.
 *
 * A message is a value: its kind, sender, recipients (or, for a reply,
 * the names it lists), text, error code and time. One allocation holds
 * it all, so routing a message to many peers costs one reference each,
 * never a copy. How it is encoded on each wire is not known here: the
 * protocol layer keeps its encodings in the message's slots, made once
 * and shared by every recipient of that protocol.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-message.h"

struct _ConfabMessage
{
  /* What a writer reads for every copy it sends, in the first cache
   * line: in a room the message is cold by the time each member's writer
   * gets to it, so each further line is a further miss per copy. */
  gint           ref_count;                     /* atomic; see confab_message_ref() */
  gsize          size;                          /* of the whole allocation */
  gsize          counted;                       /* for the byte counters; 0: not yet */
  ConfabEncoded *slots[CONFAB_MESSAGE_N_SLOTS]; /* (owned) (nullable) */
  ConfabEncoded *line;                          /* (nullable): in this block, not owned */

  ConfabMessageKind kind;
  ConfabError       code;
  gint64            timestamp_usec;
  const char       *sender;
  const char       *room;       /* (nullable): the room it was sent to or is about */
  const char      **recipients; /* n_recipients + 1, NULL-terminated */
  guint             n_recipients;
  const char       *text; /* NUL-terminated after text_len bytes */
  gsize             text_len;
  char              data[];
};

static char *
append (char       *out,
        const char *bytes,
        gsize       len)
{
  memcpy (out, bytes, len);
  return out + len;
}

/* Lays the message out in one block: recipient pointers, recipient names,
 * sender, room, text, and space for one encoding of @line_len bytes. */
static ConfabMessage *
message_alloc (ConfabMessageKind   kind,
               const char         *sender,
               const char         *room,
               const char * const *recipients,
               guint               n_recipients,
               const char         *text,
               gsize               text_len,
               gsize               line_len)
{
  ConfabMessage *self;
  gsize          sender_len = strlen (sender);
  gsize          room_len = room != NULL ? strlen (room) + 1 : 0;
  gsize          names_len = 0;
  gsize          size;
  gsize          line_at = 0;
  char          *p;

  for (guint i = 0; i < n_recipients; i++)
    names_len += strlen (recipients[i]) + 1;

  size = sizeof (ConfabMessage) +
         (n_recipients + 1) * sizeof (char *) + names_len +
         sender_len + 1 + room_len +
         text_len + 1;
  if (line_len > 0)
    {
      line_at = (size + G_ALIGNOF (ConfabEncoded) - 1) & ~(G_ALIGNOF (ConfabEncoded) - 1);
      size = line_at + sizeof (ConfabEncoded) + line_len;
    }
  self = g_malloc (size);
  memset (self, 0, sizeof (ConfabMessage));
  self->size = size;
  self->ref_count = 1;
  self->kind = kind;
  self->code = CONFAB_ERROR_FAILED;
  self->timestamp_usec = g_get_real_time ();

  /* Pointers first, for their alignment. */
  self->recipients = (const char **) (void *) self->data;
  self->n_recipients = n_recipients;
  p = self->data + (n_recipients + 1) * sizeof (char *);
  for (guint i = 0; i < n_recipients; i++)
    {
      self->recipients[i] = p;
      p = append (p, recipients[i], strlen (recipients[i]) + 1);
    }
  self->recipients[n_recipients] = NULL;

  self->sender = p;
  p = append (p, sender, sender_len);
  *p++ = '\0';

  if (room != NULL)
    {
      self->room = p;
      p = append (p, room, room_len);
    }

  self->text = p;
  self->text_len = text_len;
  p = append (p, text, text_len);
  *p = '\0';

  if (line_len > 0)
    {
      self->line = (ConfabEncoded *) (void *) ((char *) self + line_at);
      self->line->len = line_len;
    }
  return self;
}

/**
 * confab_message_new_chat:
 * @sender: the sender's name
 * @recipients: the (de-duplicated) names it was addressed to
 * @text: the validated text; @text_len bytes; may hold '\n' (JSON peers)
 * @timestamp_usec: server receive time, or 0 for now
 *
 * Returns: (transfer full): a chat message
 */
ConfabMessage *
confab_message_new_chat (const char         *sender,
                         const char * const *recipients,
                         guint               n_recipients,
                         const char         *text,
                         gsize               text_len,
                         gint64              timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (sender != NULL, NULL);
  g_return_val_if_fail (recipients != NULL || n_recipients == 0, NULL);
  g_return_val_if_fail (text != NULL || text_len == 0, NULL);

  self = message_alloc (CONFAB_MESSAGE_CHAT, sender, NULL, recipients, n_recipients,
                        text != NULL ? text : "", text_len, 0);
  if (timestamp_usec != 0)
    self->timestamp_usec = timestamp_usec;
  return self;
}

/**
 * confab_message_new_room_chat:
 * @room: the room it goes to, as the room spells its name
 *
 * As confab_message_new_chat(), for the members of @room.
 */
ConfabMessage *
confab_message_new_room_chat (const char         *sender,
                              const char         *room,
                              const char * const *recipients,
                              guint               n_recipients,
                              const char         *text,
                              gsize               text_len,
                              gint64              timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (sender != NULL && room != NULL, NULL);
  g_return_val_if_fail (recipients != NULL || n_recipients == 0, NULL);
  g_return_val_if_fail (text != NULL || text_len == 0, NULL);

  self = message_alloc (CONFAB_MESSAGE_CHAT, sender, room, recipients, n_recipients,
                        text != NULL ? text : "", text_len, 0);
  if (timestamp_usec != 0)
    self->timestamp_usec = timestamp_usec;
  return self;
}

/**
 * confab_message_new_chat_with_line:
 * @room: (nullable): the room it goes to, or %NULL for a direct message
 * @line_len: the size of an encoding the caller makes at once
 * @line: (out) (transfer none): that encoding, in the message's own
 *   block; the caller fills its data and keeps it with
 *   confab_message_set_slot()
 *
 * As confab_message_new_chat(), with space for one encoding in the same
 * allocation: the protocol layer builds every chat message's text line
 * (the byte counters count it), and one block is one allocation, one
 * free and one cache line fewer per message than two.
 */
ConfabMessage *
confab_message_new_chat_with_line (const char         *sender,
                                   const char         *room,
                                   const char * const *recipients,
                                   guint               n_recipients,
                                   const char         *text,
                                   gsize               text_len,
                                   gsize               line_len,
                                   ConfabEncoded     **line)
{
  ConfabMessage *self;

  g_return_val_if_fail (sender != NULL, NULL);
  g_return_val_if_fail (recipients != NULL || n_recipients == 0, NULL);
  g_return_val_if_fail (text != NULL || text_len == 0, NULL);
  g_return_val_if_fail (line_len > 0 && line != NULL, NULL);

  self = message_alloc (CONFAB_MESSAGE_CHAT, sender, room, recipients, n_recipients,
                        text != NULL ? text : "", text_len, line_len);
  *line = self->line;
  return self;
}

/**
 * confab_message_new_error:
 * @code: the error's code
 * @text: plain words (untranslated: part of the wire protocol)
 *
 * Returns: (transfer full): an error for one peer
 */
ConfabMessage *
confab_message_new_error (ConfabError code,
                          const char *text)
{
  ConfabMessage *self;

  g_return_val_if_fail (text != NULL, NULL);

  self = message_alloc (CONFAB_MESSAGE_ERROR, "", NULL, NULL, 0, text, strlen (text), 0);
  self->code = code;
  return self;
}

ConfabMessage *
confab_message_new_errorf (ConfabError code,
                           const char *format,
                           ...)
{
  g_autofree char *text = NULL;
  va_list          args;

  va_start (args, format);
  text = g_strdup_vprintf (format, args);
  va_end (args);

  return confab_message_new_error (code, text);
}

/* Returns: (transfer full): the reply to a login, naming who logged in */
/* Returns: (transfer full): @line (line end included) for one
 *   connection, in its own protocol (CONFAB_MESSAGE_PROTOCOL_LINE) */
ConfabMessage *
confab_message_new_protocol_line (const char *line,
                                  gsize       len)
{
  g_return_val_if_fail (line != NULL, NULL);

  return message_alloc (CONFAB_MESSAGE_PROTOCOL_LINE, "", NULL, NULL, 0, line, len, 0);
}

ConfabMessage *
confab_message_new_welcome (const char *name)
{
  g_return_val_if_fail (name != NULL, NULL);

  return message_alloc (CONFAB_MESSAGE_WELCOME, "", NULL, &name, 1, "", 0, 0);
}

/* Returns: (transfer full): the reply to a peers request */
ConfabMessage *
confab_message_new_peers (const char * const *names,
                          guint               n_names)
{
  g_return_val_if_fail (names != NULL || n_names == 0, NULL);

  return message_alloc (CONFAB_MESSAGE_PEERS, "", NULL, names, n_names, "", 0, 0);
}

/**
 * confab_message_new_kick:
 * @name: who was removed from @room
 * @by: the operator who removed it
 * @reason: why, "" for no reason given
 *
 * A part that names who caused it: the text and JSON protocols show it
 * as the part it is (SPEC §9), IRC as a KICK.
 *
 * Returns: (transfer full): the notice every member of @room is sent,
 *   the one removed included
 */
ConfabMessage *
confab_message_new_kick (const char *room,
                         const char *name,
                         const char *by,
                         const char *reason)
{
  g_return_val_if_fail (room != NULL && name != NULL && by != NULL && reason != NULL, NULL);

  return message_alloc (CONFAB_MESSAGE_PART, name, room, &by, 1, reason, strlen (reason), 0);
}

/**
 * confab_message_new_room_event:
 * @kind: CONFAB_MESSAGE_JOIN or CONFAB_MESSAGE_PART
 * @room: the room, as it spells its name
 * @name: who joined or left
 *
 * Returns: (transfer full): the notice every member of @room is sent
 */
ConfabMessage *
confab_message_new_room_event (ConfabMessageKind kind,
                               const char       *room,
                               const char       *name)
{
  g_return_val_if_fail (kind == CONFAB_MESSAGE_JOIN || kind == CONFAB_MESSAGE_PART, NULL);
  g_return_val_if_fail (room != NULL && name != NULL, NULL);

  return message_alloc (kind, name, room, NULL, 0, "", 0, 0);
}

/**
 * confab_message_new_history:
 * @room: the room, as it spells its name
 * @timestamp_usec: when it was said
 *
 * Returns: (transfer full): one stored line of @room's history
 */
ConfabMessage *
confab_message_new_history (const char *room,
                            const char *sender,
                            const char *text,
                            gint64      timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (room != NULL && sender != NULL && text != NULL, NULL);

  self = message_alloc (CONFAB_MESSAGE_HISTORY, sender, room, NULL, 0, text, strlen (text), 0);
  self->timestamp_usec = timestamp_usec;
  return self;
}

/* Returns: (transfer full): the end of a replay of @room's history */
ConfabMessage *
confab_message_new_history_end (const char *room)
{
  g_return_val_if_fail (room != NULL, NULL);

  return message_alloc (CONFAB_MESSAGE_HISTORY_END, "", room, NULL, 0, "", 0, 0);
}

/**
 * confab_message_new_offline:
 * @timestamp_usec: when it was sent
 *
 * Returns: (transfer full): a message stored while its recipient was
 *   away, for its next login
 */
ConfabMessage *
confab_message_new_offline (const char *sender,
                            const char *text,
                            gint64      timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (sender != NULL && text != NULL, NULL);

  self = message_alloc (CONFAB_MESSAGE_OFFLINE, sender, NULL, NULL, 0, text, strlen (text), 0);
  self->timestamp_usec = timestamp_usec;
  return self;
}

/* Returns: (transfer full): "stored for @recipient", for the sender */
ConfabMessage *
confab_message_new_stored (const char *recipient)
{
  const char *names[] = { recipient };

  g_return_val_if_fail (recipient != NULL, NULL);

  return message_alloc (CONFAB_MESSAGE_STORED, "", NULL, names, 1, "", 0, 0);
}

/**
 * confab_message_new_topic:
 * @setter: (nullable): who set the topic; %NULL when none is set
 * @topic: the topic ("" for none)
 * @timestamp_usec: when it was set, or 0 for now
 *
 * Returns: (transfer full): a topic change or the answer to a query
 */
ConfabMessage *
confab_message_new_topic (const char *room,
                          const char *setter,
                          const char *topic,
                          gint64      timestamp_usec)
{
  ConfabMessage *self;

  g_return_val_if_fail (room != NULL && topic != NULL, NULL);

  self = message_alloc (CONFAB_MESSAGE_TOPIC, setter != NULL ? setter : "", room,
                        NULL, 0, topic, strlen (topic), 0);
  if (timestamp_usec != 0)
    self->timestamp_usec = timestamp_usec;
  return self;
}

/* Returns: (transfer full): a room's members, sorted */
ConfabMessage *
confab_message_new_members (const char         *room,
                            const char * const *names,
                            guint               n_names)
{
  g_return_val_if_fail (room != NULL, NULL);
  g_return_val_if_fail (names != NULL || n_names == 0, NULL);

  return message_alloc (CONFAB_MESSAGE_MEMBERS, "", room, names, n_names, "", 0, 0);
}

/* Returns: (transfer full): every room's name, sorted */
ConfabMessage *
confab_message_new_rooms (const char * const *names,
                          guint               n_names)
{
  g_return_val_if_fail (names != NULL || n_names == 0, NULL);

  return message_alloc (CONFAB_MESSAGE_ROOMS, "", NULL, names, n_names, "", 0, 0);
}

/* A message is referenced once per recipient and unreferenced once per
 * copy sent, so these two are on the hottest path of a room: the
 * atomics are GLib's inline ones rather than the g_atomic_ref_count_*()
 * functions, which GLib 2.74 does not inline and which check the count
 * with an extra atomic read on every call (docs/performance.md). */
ConfabMessage *
confab_message_ref (ConfabMessage *self)
{
  g_return_val_if_fail (self != NULL, NULL);

  g_atomic_int_inc (&self->ref_count);
  return self;
}

/* @n references at once: one atomic operation for a room's fan-out
 * instead of one per member. */
void
confab_message_ref_many (ConfabMessage *self,
                         guint          n)
{
  g_return_if_fail (self != NULL);
  g_return_if_fail (n <= G_MAXINT - (guint) g_atomic_int_get (&self->ref_count));

  g_atomic_int_add (&self->ref_count, (gint) n);
}

/* Gives back @n of the references taken with confab_message_ref_many()
 * that were not used. The caller still holds one of its own, so these
 * are never the last. */
void
confab_message_unref_unused (ConfabMessage *self,
                             guint          n)
{
  g_return_if_fail (self != NULL);

  if (n == 0)
    return;
  g_return_if_fail ((guint) g_atomic_int_get (&self->ref_count) > n);
  g_atomic_int_add (&self->ref_count, -(gint) n);
}

void
confab_message_unref (ConfabMessage *self)
{
  g_return_if_fail (self != NULL);

  if (!g_atomic_int_dec_and_test (&self->ref_count))
    return;

  for (guint i = 0; i < CONFAB_MESSAGE_N_SLOTS; i++)
    if (self->slots[i] != self->line)
      confab_encoded_free (self->slots[i]);
  g_free (self);
}

ConfabMessageKind
confab_message_get_kind (const ConfabMessage *self)
{
  return self->kind;
}

ConfabError
confab_message_get_code (const ConfabMessage *self)
{
  return self->code;
}

/* Returns: the sender's name; "" but for chat messages */
const char *
confab_message_get_sender (const ConfabMessage *self)
{
  return self->sender;
}

/* Returns: (nullable): the room a chat message went to, or the room a
 *   join, part, topic or members message is about */
const char *
confab_message_get_room (const ConfabMessage *self)
{
  return self->room;
}

/* Returns: (array length=n_recipients): NULL-terminated names */
const char * const *
confab_message_get_recipients (const ConfabMessage *self,
                               guint               *n_recipients)
{
  if (n_recipients != NULL)
    *n_recipients = self->n_recipients;
  return (const char * const *) self->recipients;
}

/* Returns: (array length=n_names): the names a reply lists (welcome,
 *   peers), NULL-terminated; for a chat message, its recipients */
const char * const *
confab_message_get_names (const ConfabMessage *self,
                          guint               *n_names)
{
  return confab_message_get_recipients (self, n_names);
}

/* Returns: the text, unescaped, NUL-terminated after *len bytes */
const char *
confab_message_get_text (const ConfabMessage *self,
                         gsize               *len)
{
  if (len != NULL)
    *len = self->text_len;
  return self->text;
}

gint64
confab_message_get_timestamp (const ConfabMessage *self)
{
  return self->timestamp_usec;
}

/* Returns: the bytes the message occupies (not counting its encodings,
 *   which it shares with every recipient of their protocol) */
gsize
confab_message_get_size (const ConfabMessage *self)
{
  return self->size;
}

/* The slots are plain pointers: a message is shared between threads only
 * by its (atomic) reference count, and its encodings are made and read on
 * the main context alone, where the broker routes it and the writers send
 * it (confab-broker.h says why). */
/* Returns: what the byte counters count for this message, as the
 *   first measure found it; 0 until then */
gsize
confab_message_get_counted (const ConfabMessage *self)
{
  return self->counted;
}

/* Keeps what the byte counters count for this message, so that the
 * measure runs once per message, not once per recipient. */
void
confab_message_set_counted (ConfabMessage *self,
                            gsize          counted)
{
  self->counted = counted;
}

/* Returns: (transfer full): an encoding of @len bytes, to be filled;
 *   free with confab_encoded_free(). From the slice allocator, as one is
 *   made and freed for every message sent: with malloc, the writers'
 *   bursts of frees sent it down its slow paths. */
ConfabEncoded *
confab_encoded_new (gsize len)
{
  ConfabEncoded *encoded = g_slice_alloc (sizeof (ConfabEncoded) + len);

  encoded->len = len;
  return encoded;
}

/* Returns: (transfer full): an encoding holding a copy of @len bytes */
ConfabEncoded *
confab_encoded_new_copy (const void *data,
                         gsize       len)
{
  ConfabEncoded *encoded = confab_encoded_new (len);

  memcpy (encoded->data, data, len);
  return encoded;
}

void
confab_encoded_free (gpointer encoded)
{
  ConfabEncoded *self = encoded;

  if (self != NULL)
    g_slice_free1 (sizeof (ConfabEncoded) + self->len, self);
}

/* Returns: (transfer none) (nullable): what the protocol layer keeps in
 *   @slot */
const ConfabEncoded *
confab_message_get_slot (ConfabMessage *self,
                         guint          slot)
{
  g_return_val_if_fail (slot < CONFAB_MESSAGE_N_SLOTS, NULL);

  return self->slots[slot];
}

/**
 * confab_message_set_slot:
 * @encoded: (transfer full): an encoding of the message
 *
 * Keeps @encoded in @slot unless the slot is filled already; then
 * @encoded is dropped and the first one stays, so a pointer handed out
 * earlier remains valid.
 *
 * Returns: (transfer none): what @slot holds now
 */
const ConfabEncoded *
confab_message_set_slot (ConfabMessage *self,
                         guint          slot,
                         ConfabEncoded *encoded)
{
  g_return_val_if_fail (slot < CONFAB_MESSAGE_N_SLOTS, NULL);
  g_return_val_if_fail (encoded != NULL, NULL);

  if (self->slots[slot] == NULL)
    self->slots[slot] = encoded;
  else
    confab_encoded_free (encoded);
  return self->slots[slot];
}
