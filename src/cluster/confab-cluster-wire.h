/* confab-cluster-wire.h: what the nodes of a cluster say to each other
 * over Redis pub/sub (SPEC §14), as bytes.
 *
 * Two kinds of publication, each one line of fields cut by TAB, lists
 * inside a field cut by US (0x1f): names and room names hold neither
 * (confab-validate.c refuses control characters), and a chat text, which
 * may hold a TAB, is always the last field, taken whole.
 *
 *   on a node's own channel, confab:node:NODE (messages for its peers):
 *     D SENDER TO KEYS TEXT         a direct message: TO as the sender wrote
 *                                   it, KEYS the recipients on that node
 *     R SENDER ROOM ROOMKEY TO TEXT a message to a room with members there
 *   on confab:events too:
 *     N ROOMKEY NODE K ROOM NAME BY USEC TEXT
 *                                   a notice of a room from NODE:
 *                                   K is j (NAME joined), q (NAME left; BY
 *                                   and TEXT: who kicked it and why, or
 *                                   empty) or t (NAME set the topic TEXT)
 *   on confab:events (what every node keeps of the others):
 *     J NODE KEY NAME               NAME logged in on NODE
 *     L NODE KEY                    it left
 *     r NODE ROOMKEY                NODE has a member of the room now
 *     p NODE ROOMKEY                ... no longer
 *     H NODE                        NODE (re)registered: read its names anew
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CONFAB_CLUSTER_EVENTS_CHANNEL "confab:events"
#define CONFAB_CLUSTER_LIST_SEP       '\x1f'

typedef enum
{
  CONFAB_CLUSTER_DIRECT = 'D',
  CONFAB_CLUSTER_ROOM = 'R',
  CONFAB_CLUSTER_JOINED = 'J',
  CONFAB_CLUSTER_LEFT = 'L',
  CONFAB_CLUSTER_ROOM_ENTERED = 'r',
  CONFAB_CLUSTER_ROOM_EMPTIED = 'p',
  CONFAB_CLUSTER_HELLO = 'H',
  CONFAB_CLUSTER_NOTICE = 'N',
} ConfabClusterKind;

/* What a room notice says (N). */
#define CONFAB_CLUSTER_NOTICE_JOIN  'j'
#define CONFAB_CLUSTER_NOTICE_PART  'q'
#define CONFAB_CLUSTER_NOTICE_TOPIC 't'

/*
 * ConfabClusterPublication:
 * One decoded publication. Its strings point into the buffer given to
 * confab_cluster_wire_decode(), which cuts it in place; the lists are
 * owned (g_free()d by confab_cluster_publication_clear()).
 */
typedef struct
{
  ConfabClusterKind kind;
  const char       *node;   /* events */
  const char       *key;    /* J, L; the room's key for R, r, p */
  const char       *name;   /* J: the name as spelled; R: the room's name */
  const char       *sender; /* D, R */
  const char      **to;     /* (owned container): D, R */
  guint             n_to;
  const char      **keys; /* (owned container): D */
  guint             n_keys;
  const char       *text; /* D, R, N (may be "") */
  gsize             text_len;
  char              notice; /* N: CONFAB_CLUSTER_NOTICE_* */
  const char       *by;     /* N: a kick's operator, else "" */
  gint64            usec;   /* N */
} ConfabClusterPublication;

void     confab_cluster_wire_direct (GString            *out,
                                     const char         *sender,
                                     const char     *const *to,
                                     guint               n_to,
                                     const char     *const *keys,
                                     guint               n_keys,
                                     const char         *text,
                                     gsize               text_len);
void     confab_cluster_wire_room (GString            *out,
                                   const char         *sender,
                                   const char         *room,
                                   const char         *room_key,
                                   const char     *const *to,
                                   guint               n_to,
                                   const char         *text,
                                   gsize               text_len);
void     confab_cluster_wire_event (GString          *out,
                                    ConfabClusterKind kind,
                                    const char       *node,
                                    const char       *key,
                                    const char       *name);
void     confab_cluster_wire_notice (GString    *out,
                                     const char *room_key,
                                     const char *node,
                                     char        notice,
                                     const char *room,
                                     const char *name,
                                     const char *by,
                                     gint64      usec,
                                     const char *text);
gboolean confab_cluster_wire_decode (char                     *data,
                                     gsize                     len,
                                     ConfabClusterPublication *publication);
void     confab_cluster_publication_clear (ConfabClusterPublication *publication);

G_END_DECLS
