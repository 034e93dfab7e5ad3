/* confab-name-set.h: finding repeated names in a recipient list.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The most names one set holds: the hard bound on recipients. */
#define CONFAB_NAME_SET_MAX 1024

/* Below this many names a linear scan is cheaper than hashing them in. */
#define CONFAB_NAME_SET_LINEAR 8

/*
 * ConfabNameSet:
 * The names seen so far in one recipient list, so that repeats are
 * skipped in O(1) each: a message to 200 peers would otherwise cost
 * 20 000 string comparisons. It holds pointers, not copies: each name
 * must stay valid and unchanged while the set is used. It is meant to
 * live on the stack of one parse; confab_name_set_init() is all the
 * setting up it needs, and it owns nothing.
 */
typedef struct
{
  guint       n_names;
  gboolean    indexed; /* slots[] is in use */
  const char *names[CONFAB_NAME_SET_MAX];
  guint32     lengths[CONFAB_NAME_SET_MAX];
  guint32     hashes[CONFAB_NAME_SET_MAX];
  guint16     slots[2 * CONFAB_NAME_SET_MAX]; /* 0: empty, else index + 1 */
} ConfabNameSet;

void     confab_name_set_init (ConfabNameSet *set);
gboolean confab_name_set_add (ConfabNameSet *set,
                              const char    *name,
                              gsize          len);
gboolean confab_name_set_contains (const ConfabNameSet *set,
                                   const char          *name,
                                   gsize                len);
guint    confab_name_set_size (const ConfabNameSet *set);

/* The hash the set uses (SipHash-1-3 folded to 32 bits) under @key, and
 * the process's own key, drawn at random on first use; for tests. */
guint32 confab_name_hash_keyed (const guint64 key[2],
                                const char   *name,
                                gsize         len);
void    confab_name_hash_get_key (guint64 key[2]);

G_END_DECLS
