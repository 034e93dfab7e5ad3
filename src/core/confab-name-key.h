/* confab-name-key.h: the key names and room names are compared on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

#include "confab-name-key-ascii.h"
#include "confab-name-key-unicode.h"

G_BEGIN_DECLS

/* Room for the key of any plain-ASCII name or room name ('#', 32
 * characters, NUL), the common case, which needs no allocation. */
#define CONFAB_NAME_KEY_INLINE 40

/*
 * ConfabNameKey:
 * The key a name is compared on (SPEC §11; confab-name-key-unicode.c):
 * NFKC, case-folded, its UTS #39 confusable skeleton, folded again, so
 * that `Alice`, `alice`, `alicе` (Cyrillic е), `a1ice` and two spellings
 * of `café` are one name.
 *
 * Meant for the stack of one lookup: confab_name_key_init() returns the
 * key, which is @name itself when it is its own key (ASCII whose every
 * character is its own key: no copy), else held in the struct or on the
 * heap until confab_name_key_clear(). ASCII names never reach ICU: their
 * key is made from the generated table of each character's key.
 */
typedef struct
{
  char *heap; /* (owned) (nullable) */
  char  inline_key[CONFAB_NAME_KEY_INLINE];
} ConfabNameKey;

const char *confab_name_key_init_slow (ConfabNameKey *key,
                                       const char    *name);
const char *confab_room_key_init_slow (ConfabNameKey *key,
                                       const char    *room);
char       *confab_name_key_dup (const char *name);
char       *confab_room_key_dup (const char *room);

/* Whether ASCII byte @c is its own key (a lowercase letter but m, a
 * digit but 0 and 1, most punctuation). */
static inline gboolean
confab_name_key_ascii_is_own (guchar c)
{
  return confab_name_key_ascii[c][0] == (char) c && confab_name_key_ascii[c][1] == '\0';
}

/**
 * confab_name_key_init:
 * @key: (out caller-allocates): holds the key if it is not @name itself
 * @name: a NUL-terminated name or room name
 *
 * Inline, as every recipient of every message is looked up by its key:
 * an ASCII name that is its own key, the common case, costs one scan.
 *
 * Returns: (transfer none): the key of @name, valid until
 *   confab_name_key_clear(@key) and as long as @name
 */
static inline const char *
confab_name_key_init (ConfabNameKey *key,
                      const char    *name)
{
  key->heap = NULL;
  for (const char *p = name; *p != '\0'; p++)
    if ((guchar) *p >= 0x80 || !confab_name_key_ascii_is_own ((guchar) *p))
      return confab_name_key_init_slow (key, name);
  return name;
}

/**
 * confab_room_key_init:
 * @key: (out caller-allocates): holds the key if it is not @room itself
 * @room: a NUL-terminated room name
 *
 * The key rooms are compared on (SPEC §9): NFKC and case folding, without
 * the skeleton that names get, so that a room's D-Bus path (made from its
 * key) still reads like its name. Look-alike rooms are two rooms.
 *
 * Returns: (transfer none): the key of @room, valid until
 *   confab_name_key_clear(@key) and as long as @room
 */
static inline const char *
confab_room_key_init (ConfabNameKey *key,
                      const char    *room)
{
  key->heap = NULL;
  for (const char *p = room; *p != '\0'; p++)
    if ((guchar) *p >= 0x80 || (*p >= 'A' && *p <= 'Z'))
      return confab_room_key_init_slow (key, room);
  return room;
}

static inline void
confab_name_key_clear (ConfabNameKey *key)
{
  if (key->heap != NULL)
    {
      g_free (key->heap);
      key->heap = NULL;
    }
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConfabNameKey, confab_name_key_clear)

G_END_DECLS
