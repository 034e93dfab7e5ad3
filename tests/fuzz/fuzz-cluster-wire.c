/* fuzz-cluster-wire.c: the decoder of what the nodes of a cluster
 * publish to each other (confab-cluster-wire.c), which reads whatever any
 * client of the same Redis publishes on the channels.
 *
 * Input: the bytes of one publication record.
 *
 * Checked: a record is refused or taken whole (no list is left behind
 * by a refusal); what is taken has every field its kind needs, free of
 * control characters but the text's TABs; and encoding it again gives a
 * record that decodes to the same fields and encodes to the same bytes.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-wire.h"
#include "fuzz-common.h"

static void
encode (const ConfabClusterPublication *p,
        GString                        *out)
{
  switch (p->kind)
    {
    case CONFAB_CLUSTER_DIRECT:
      confab_cluster_wire_direct (out, p->sender, p->to, p->n_to, p->keys, p->n_keys, p->text, p->text_len);
      break;

    case CONFAB_CLUSTER_ROOM:
      confab_cluster_wire_room (out, p->sender, p->name, p->key, p->to, p->n_to, p->text, p->text_len);
      break;

    case CONFAB_CLUSTER_NOTICE:
      {
        g_autofree char *text = g_strndup (p->text, p->text_len);

        confab_cluster_wire_notice (out, p->key, p->node, p->notice, p->name, p->sender, p->by, p->usec, text);
      }
      break;

    case CONFAB_CLUSTER_JOINED:
      confab_cluster_wire_event (out, p->kind, p->node, p->key, p->name);
      break;

    case CONFAB_CLUSTER_LEFT:
    case CONFAB_CLUSTER_ROOM_ENTERED:
    case CONFAB_CLUSTER_ROOM_EMPTIED:
      confab_cluster_wire_event (out, p->kind, p->node, p->key, NULL);
      break;

    case CONFAB_CLUSTER_HELLO:
    default:
      confab_cluster_wire_event (out, p->kind, p->node, NULL, NULL);
      break;
    }
}

static gboolean
clean (const char *s)
{
  for (; s != NULL && *s != '\0'; s++)
    if ((guchar) *s < 0x20)
      return FALSE;
  return TRUE;
}

int
confab_fuzz_cluster_wire (const uint8_t *data,
                          size_t         size)
{
  g_autofree char *buffer = g_malloc (size + 1);
  g_autofree char *again = NULL;
  g_autoptr(GString) first = g_string_new (NULL);
  g_autoptr(GString) second = g_string_new (NULL);
  ConfabClusterPublication p, q;

  memcpy (buffer, data, size);
  buffer[size] = '\0';
  if (!confab_cluster_wire_decode (buffer, size, &p))
    {
      CONFAB_FUZZ_CHECK (p.to == NULL && p.keys == NULL, "a refused record left a list behind");
      return 0;
    }
  CONFAB_FUZZ_CHECK (clean (p.node) && clean (p.key) && clean (p.name) && clean (p.sender) && clean (p.by),
                     "a field holds a control character");
  for (guint i = 0; i < p.n_to; i++)
    CONFAB_FUZZ_CHECK (*p.to[i] != '\0' && clean (p.to[i]), "an empty or unclean recipient");
  for (guint i = 0; i < p.n_keys; i++)
    CONFAB_FUZZ_CHECK (*p.keys[i] != '\0' && clean (p.keys[i]), "an empty or unclean key");
  if (p.kind == CONFAB_CLUSTER_DIRECT || p.kind == CONFAB_CLUSTER_ROOM)
    CONFAB_FUZZ_CHECK (p.sender != NULL && p.text_len > 0 && p.n_to > 0, "a message without its fields");
  if (p.kind == CONFAB_CLUSTER_DIRECT)
    CONFAB_FUZZ_CHECK (p.n_keys > 0, "a direct message for nobody");

  encode (&p, first);
  again = g_strndup (first->str, first->len);
  CONFAB_FUZZ_CHECK (confab_cluster_wire_decode (again, first->len, &q), "its own encoding is refused");
  encode (&q, second);
  CONFAB_FUZZ_CHECK (g_string_equal (first, second), "encoded twice, the records differ");
  CONFAB_FUZZ_CHECK (q.kind == p.kind && q.n_to == p.n_to && q.n_keys == p.n_keys && q.text_len == p.text_len,
                     "decoded again, the fields differ");
  confab_cluster_publication_clear (&q);
  confab_cluster_publication_clear (&p);
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_cluster_wire)
