/* confab-message.h: what the per-peer outgoing queues carry.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-error.h"

G_BEGIN_DECLS

typedef enum
{
  CONFAB_MESSAGE_CHAT,   /* "from SENDER: text" */
  CONFAB_MESSAGE_ERROR,  /* "error: text", carries a ConfabError code */
  CONFAB_MESSAGE_RAW,    /* a line already encoded for one connection */
} ConfabMessageKind;

/* Slots for encodings other than the text line, cached on first use so a
 * message is encoded once per protocol, not once per recipient. */
typedef enum
{
  CONFAB_ENCODING_JSON,
  CONFAB_N_ENCODINGS
} ConfabEncoding;

typedef struct _ConfabMessage ConfabMessage;

ConfabMessage     *confab_message_new_chat     (const char         *sender,
                                                const char * const *recipients,
                                                guint               n_recipients,
                                                const char         *text,
                                                gsize               text_len,
                                                gint64              timestamp_usec);
ConfabMessage     *confab_message_new_error    (ConfabError    code,
                                                const char    *text);
ConfabMessage     *confab_message_new_errorf   (ConfabError    code,
                                                const char    *format,
                                                ...) G_GNUC_PRINTF (2, 3);
ConfabMessage     *confab_message_new_raw      (const char    *line,
                                                gsize          len);
ConfabMessage     *confab_message_ref          (ConfabMessage *self);
void               confab_message_unref        (ConfabMessage *self);

ConfabMessageKind  confab_message_get_kind     (const ConfabMessage *self);
ConfabError        confab_message_get_code     (const ConfabMessage *self);
const char        *confab_message_get_sender   (const ConfabMessage *self);
const char * const *confab_message_get_recipients (const ConfabMessage *self,
                                                guint               *n_recipients);
const char        *confab_message_get_text     (const ConfabMessage *self,
                                                gsize               *len);
gint64             confab_message_get_timestamp (const ConfabMessage *self);
gsize              confab_message_get_size     (const ConfabMessage *self);

/* The text-protocol line, '\n' included; built once at creation and
 * shared by every recipient. Newlines in the text appear escaped. */
const char        *confab_message_get_line     (const ConfabMessage *self,
                                                gsize               *len);

GBytes            *confab_message_get_encoding (ConfabMessage  *self,
                                                ConfabEncoding  encoding);
GBytes            *confab_message_set_encoding (ConfabMessage  *self,
                                                ConfabEncoding  encoding,
                                                GBytes         *bytes);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabMessage, confab_message_unref)

G_END_DECLS
