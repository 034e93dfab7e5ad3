/* confab-name-set.c: finding repeated names in a recipient list.
 *
 * A short list is scanned, lengths compared before the bytes, and not
 * hashed: for the few names of most messages the hash cost more than the
 * comparisons it would save. At CONFAB_NAME_SET_LINEAR names the set
 * hashes them and switches to an open-addressing
 * table twice the size of the largest set, so a probe meets an empty slot
 * quickly and the table never fills. Names are hashed with SipHash-1-3
 * under a key drawn at random once per process, so nobody can choose
 * names that collide.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-name-set.h"

#define N_SLOTS G_N_ELEMENTS (((ConfabNameSet *) NULL)->slots)

G_STATIC_ASSERT ((N_SLOTS & (N_SLOTS - 1)) == 0);
G_STATIC_ASSERT (N_SLOTS > CONFAB_NAME_SET_MAX);
G_STATIC_ASSERT (CONFAB_NAME_SET_MAX < G_MAXUINT16);

/* The key, drawn once per process: a client that could predict where
 * names land could send a list of names that all probe the same run of
 * slots (hash flooding). */
static guint64 hash_key[2];

static void
ensure_hash_key (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      /* GRand seeds itself from /dev/urandom. */
      g_autoptr(GRand) rand = g_rand_new ();

      for (guint i = 0; i < 2; i++)
        hash_key[i] = ((guint64) g_rand_int (rand) << 32) | g_rand_int (rand);
      g_once_init_leave (&initialised, 1);
    }
}

#define ROTL64(x, b) (((x) << (b)) | ((x) >> (64 - (b))))

/* clang-format off */
#define SIPROUND                                               \
  G_STMT_START {                                               \
    v0 += v1; v1 = ROTL64 (v1, 13); v1 ^= v0; v0 = ROTL64 (v0, 32); \
    v2 += v3; v3 = ROTL64 (v3, 16); v3 ^= v2;                  \
    v0 += v3; v3 = ROTL64 (v3, 21); v3 ^= v0;                  \
    v2 += v1; v1 = ROTL64 (v1, 17); v1 ^= v2; v2 = ROTL64 (v2, 32); \
  } G_STMT_END
/* clang-format on */

/* SipHash-1-3 (one compression round, three finalisation rounds): keyed,
 * and a few nanoseconds for a name of a few dozen bytes. */
guint32
confab_name_hash_keyed (const guint64 key[2],
                        const char   *name,
                        gsize         len)
{
  const guchar *p = (const guchar *) name;
  guint64       v0 = key[0] ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  guint64       v1 = key[1] ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  guint64       v2 = key[0] ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  guint64       v3 = key[1] ^ G_GUINT64_CONSTANT (0x7465646279746573);
  guint64       last = (guint64) (len & 0xff) << 56;
  gsize         i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 m;

      memcpy (&m, p + i, sizeof m);
      m = GUINT64_FROM_LE (m);
      v3 ^= m;
      SIPROUND;
      v0 ^= m;
    }
  for (guint shift = 0; i < len; i++, shift += 8)
    last |= (guint64) p[i] << shift;
  v3 ^= last;
  SIPROUND;
  v0 ^= last;
  v2 ^= 0xff;
  SIPROUND;
  SIPROUND;
  SIPROUND;
  v0 ^= v1 ^ v2 ^ v3;
  return (guint32) (v0 ^ (v0 >> 32));
}

void
confab_name_hash_get_key (guint64 key[2])
{
  ensure_hash_key ();
  key[0] = hash_key[0];
  key[1] = hash_key[1];
}

static guint32
hash_name (const char *name,
           gsize       len)
{
  return confab_name_hash_keyed (hash_key, name, len);
}

static gboolean
same_bytes (const ConfabNameSet *set,
            guint                index,
            const char          *name,
            gsize                len)
{
  return set->lengths[index] == len && memcmp (set->names[index], name, len) == 0;
}

static gboolean
same_name (const ConfabNameSet *set,
           guint                index,
           const char          *name,
           gsize                len,
           guint32              hash)
{
  return set->hashes[index] == hash && set->lengths[index] == len &&
         memcmp (set->names[index], name, len) == 0;
}

/* Returns: the slot holding an equal name, or the empty slot it would go in */
static guint
find_slot (const ConfabNameSet *set,
           const char          *name,
           gsize                len,
           guint32              hash)
{
  guint slot = hash & (N_SLOTS - 1);

  while (set->slots[slot] != 0 &&
         !same_name (set, set->slots[slot] - 1u, name, len, hash))
    slot = (slot + 1) & (N_SLOTS - 1);
  return slot;
}

static void
build_index (ConfabNameSet *set)
{
  memset (set->slots, 0, sizeof set->slots);
  for (guint i = 0; i < set->n_names; i++)
    {
      guint slot;

      set->hashes[i] = hash_name (set->names[i], set->lengths[i]);
      slot = find_slot (set, set->names[i], set->lengths[i], set->hashes[i]);
      set->slots[slot] = (guint16) (i + 1);
    }
  set->indexed = TRUE;
}

void
confab_name_set_init (ConfabNameSet *set)
{
  g_return_if_fail (set != NULL);

  /* The arrays are written before they are read; the table is cleared
   * only if a list grows long enough to need it. */
  ensure_hash_key ();
  set->n_names = 0;
  set->indexed = FALSE;
}

/**
 * confab_name_set_add:
 * @name: (array length=len): the name's bytes, not necessarily
 *   NUL-terminated; they must stay unchanged while @set is used
 *
 * Returns: TRUE if @name was new and is now in @set, FALSE if it was
 *   already there. Adding a new name to a full set is a programming
 *   error: check the caller's own limit first, with
 *   confab_name_set_contains() for names that may be repeats.
 */
gboolean
confab_name_set_add (ConfabNameSet *set,
                     const char    *name,
                     gsize          len)
{
  guint32 hash = 0;
  guint   slot = 0;

  g_return_val_if_fail (set != NULL, FALSE);
  g_return_val_if_fail (name != NULL || len == 0, FALSE);
  g_return_val_if_fail (len <= G_MAXUINT32, FALSE);

  if (set->indexed)
    {
      hash = hash_name (name, len);
      slot = find_slot (set, name, len, hash);
      if (set->slots[slot] != 0)
        return FALSE;
    }
  else
    {
      for (guint i = 0; i < set->n_names; i++)
        if (same_bytes (set, i, name, len))
          return FALSE;
    }

  g_return_val_if_fail (set->n_names < CONFAB_NAME_SET_MAX, FALSE);

  set->names[set->n_names] = name;
  set->lengths[set->n_names] = (guint32) len;
  set->hashes[set->n_names] = hash; /* in a scanned set, filled in when it is indexed */
  set->n_names++;

  if (set->indexed)
    set->slots[slot] = (guint16) set->n_names;
  else if (set->n_names == CONFAB_NAME_SET_LINEAR)
    build_index (set);
  return TRUE;
}

/* Returns: TRUE if @name (@len bytes) is in @set */
gboolean
confab_name_set_contains (const ConfabNameSet *set,
                          const char          *name,
                          gsize                len)
{
  g_return_val_if_fail (set != NULL, FALSE);
  g_return_val_if_fail (name != NULL || len == 0, FALSE);

  if (set->indexed)
    return set->slots[find_slot (set, name, len, hash_name (name, len))] != 0;
  for (guint i = 0; i < set->n_names; i++)
    if (same_bytes (set, i, name, len))
      return TRUE;
  return FALSE;
}

guint
confab_name_set_size (const ConfabNameSet *set)
{
  g_return_val_if_fail (set != NULL, 0);

  return set->n_names;
}
