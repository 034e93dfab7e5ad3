/* confab-cluster-wire.c: the nodes' publications as bytes
 * (confab-cluster-wire.h says their shape).
 *
 * The decoder takes what another node published, and a node may run an
 * older or newer confabd, or Redis may hand over anything a client
 * published there: whatever does not have the shape is refused whole,
 * never half used.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-cluster-wire.h"

static void
append_list (GString            *out,
             const char * const *items,
             guint               n)
{
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append_c (out, CONFAB_CLUSTER_LIST_SEP);
      g_string_append (out, items[i]);
    }
}

void
confab_cluster_wire_direct (GString            *out,
                            const char         *sender,
                            const char * const *to,
                            guint               n_to,
                            const char * const *keys,
                            guint               n_keys,
                            const char         *text,
                            gsize               text_len)
{
  g_string_append_printf (out, "%c\t%s\t", CONFAB_CLUSTER_DIRECT, sender);
  append_list (out, to, n_to);
  g_string_append_c (out, '\t');
  append_list (out, keys, n_keys);
  g_string_append_c (out, '\t');
  g_string_append_len (out, text, (gssize) text_len);
}

void
confab_cluster_wire_room (GString            *out,
                          const char         *sender,
                          const char         *room,
                          const char         *room_key,
                          const char * const *to,
                          guint               n_to,
                          const char         *text,
                          gsize               text_len)
{
  g_string_append_printf (out, "%c\t%s\t%s\t%s\t", CONFAB_CLUSTER_ROOM, sender, room, room_key);
  append_list (out, to, n_to);
  g_string_append_c (out, '\t');
  g_string_append_len (out, text, (gssize) text_len);
}

/* @by and @text may be "" (or NULL). */
void
confab_cluster_wire_notice (GString    *out,
                            const char *room_key,
                            const char *node,
                            char        notice,
                            const char *room,
                            const char *name,
                            const char *by,
                            gint64      usec,
                            const char *text)
{
  g_string_append_printf (out, "%c\t%s\t%s\t%c\t%s\t%s\t%s\t%" G_GINT64_FORMAT "\t%s", CONFAB_CLUSTER_NOTICE,
                          room_key, node, notice, room, name, by != NULL ? by : "", usec, text != NULL ? text : "");
}

/* @key and @name as the kind has them (confab-cluster-wire.h). */
void
confab_cluster_wire_event (GString          *out,
                           ConfabClusterKind kind,
                           const char       *node,
                           const char       *key,
                           const char       *name)
{
  g_string_append_printf (out, "%c\t%s", kind, node);
  if (key != NULL)
    g_string_append_printf (out, "\t%s", key);
  if (name != NULL)
    g_string_append_printf (out, "\t%s", name);
}

/* Cuts @n fields off the front of @data at TABs, in place; the last one
 * takes the rest when @rest is set. */
static gboolean
cut_fields (char        *data,
            gsize        len,
            const char **fields,
            guint        n,
            gboolean     rest,
            gsize       *last_len)
{
  char *p = data;
  char *end = data + len;

  for (guint i = 0; i < n; i++)
    {
      char *tab;

      if (i == n - 1 && rest)
        {
          fields[i] = p;
          *last_len = (gsize) (end - p);
          return TRUE;
        }
      tab = memchr (p, '\t', (gsize) (end - p));
      if (i == n - 1)
        {
          if (tab != NULL)
            return FALSE;
          tab = end;
        }
      else if (tab == NULL)
        return FALSE;
      *tab = '\0';
      fields[i] = p;
      p = tab + 1;
    }
  return TRUE;
}

/* A non-empty field with no byte below 0x20: a node, a name, a key. */
static gboolean
is_word (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if ((guchar) *s < 0x20)
      return FALSE;
  return TRUE;
}

/* Empty, or a word (a kick's operator, a topic's setter). */
static gboolean
is_word_or_empty (const char *s)
{
  return *s == '\0' || is_word (s);
}

static gboolean
parse_usec (const char *s,
            gint64     *usec)
{
  guint64 value;

  if (!g_ascii_string_to_unsigned (s, 10, 0, G_MAXINT64, &value, NULL))
    return FALSE;
  *usec = (gint64) value;
  return TRUE;
}

static const char **
split_list (char  *field,
            guint *n)
{
  g_autoptr(GPtrArray) items = g_ptr_array_new ();
  char *p = field;

  for (;;)
    {
      char *sep = strchr (p, CONFAB_CLUSTER_LIST_SEP);

      if (sep != NULL)
        *sep = '\0';
      if (!is_word (p))
        return NULL;
      g_ptr_array_add (items, p);
      if (sep == NULL)
        break;
      p = sep + 1;
    }
  *n = items->len;
  g_ptr_array_add (items, NULL);
  return (const char **) g_ptr_array_free (g_steal_pointer (&items), FALSE);
}

/**
 * confab_cluster_wire_decode:
 * @data: a publication's bytes, cut in place; must be followed by a NUL
 *   (hiredis gives it so)
 * @publication: (out caller-allocates): its fields, pointing into @data
 *
 * Returns: %FALSE if @data is no publication this node knows (nothing
 *   to clear then)
 */
gboolean
confab_cluster_wire_decode (char                     *data,
                            gsize                     len,
                            ConfabClusterPublication *publication)
{
  const char *f[6] = { NULL };
  gsize       last = 0;
  gboolean    ok = FALSE;

  memset (publication, 0, sizeof *publication);
  if (len < 3 || data[1] != '\t' || memchr (data, '\0', len) != NULL)
    return FALSE;
  publication->kind = (ConfabClusterKind) data[0];
  data += 2;
  len -= 2;

  switch (publication->kind)
    {
    case CONFAB_CLUSTER_DIRECT:
      if (!cut_fields (data, len, f, 4, TRUE, &last) || !is_word (f[0]))
        break;
      publication->sender = f[0];
      publication->to = split_list ((char *) f[1], &publication->n_to);
      publication->keys = split_list ((char *) f[2], &publication->n_keys);
      publication->text = f[3];
      publication->text_len = last;
      ok = publication->to != NULL && publication->keys != NULL && last > 0;
      break;

    case CONFAB_CLUSTER_ROOM:
      if (!cut_fields (data, len, f, 5, TRUE, &last) || !is_word (f[0]) || !is_word (f[1]) ||
          !is_word (f[2]))
        break;
      publication->sender = f[0];
      publication->name = f[1];
      publication->key = f[2];
      publication->to = split_list ((char *) f[3], &publication->n_to);
      publication->text = f[4];
      publication->text_len = last;
      ok = publication->to != NULL && last > 0;
      break;

    case CONFAB_CLUSTER_JOINED:
      ok = cut_fields (data, len, f, 3, FALSE, NULL) && is_word (f[0]) && is_word (f[1]) &&
           is_word (f[2]);
      publication->node = f[0];
      publication->key = f[1];
      publication->name = f[2];
      break;

    case CONFAB_CLUSTER_LEFT:
    case CONFAB_CLUSTER_ROOM_ENTERED:
    case CONFAB_CLUSTER_ROOM_EMPTIED:
      ok = cut_fields (data, len, f, 2, FALSE, NULL) && is_word (f[0]) && is_word (f[1]);
      publication->node = f[0];
      publication->key = f[1];
      break;

    case CONFAB_CLUSTER_HELLO:
      ok = cut_fields (data, len, f, 1, FALSE, NULL) && is_word (f[0]);
      publication->node = f[0];
      break;

    case CONFAB_CLUSTER_NOTICE:
      {
        const char *n[8] = { NULL };

        if (!cut_fields (data, len, n, 8, TRUE, &last) || !is_word (n[0]) || !is_word (n[1]) ||
            strlen (n[2]) != 1 || strchr ("jqt", n[2][0]) == NULL || !is_word (n[3]) || !is_word (n[4]) ||
            !is_word_or_empty (n[5]) || !parse_usec (n[6], &publication->usec))
          break;
        publication->key = n[0];
        publication->node = n[1];
        publication->notice = n[2][0];
        publication->name = n[3];
        publication->sender = n[4];
        publication->by = n[5];
        publication->text = n[7];
        publication->text_len = last;
        ok = TRUE;
      }
      break;

    default:
      break;
    }

  if (!ok)
    confab_cluster_publication_clear (publication);
  return ok;
}

void
confab_cluster_publication_clear (ConfabClusterPublication *publication)
{
  g_clear_pointer (&publication->to, g_free);
  g_clear_pointer (&publication->keys, g_free);
  publication->n_to = publication->n_keys = 0;
}
