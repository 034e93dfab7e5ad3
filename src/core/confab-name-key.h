/* confab-name-key.h: the key names and room names are compared on.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Room for the key of any plain-ASCII name or room name ('#', 32
 * characters, NUL), the common case, which needs no allocation. */
#define CONFAB_NAME_KEY_INLINE 40

/*
 * ConfabNameKey:
 * The key a name is compared on (SPEC §11): its NFKC form, case-folded
 * (and normalized again, as case folding may undo NFKC), so that `Alice`
 * and `alice`, or two spellings of `café`, are one name. The confusable
 * skeleton of UTS #39 will join it with the identity work.
 *
 * Meant for the stack of one lookup: confab_name_key_init() returns the
 * key, which is @name itself when it is its own key (plain ASCII without
 * capitals: no copy), else held in the struct or, for non-ASCII names, on
 * the heap until confab_name_key_clear().
 */
typedef struct
{
  char *heap; /* (owned) (nullable) */
  char  inline_key[CONFAB_NAME_KEY_INLINE];
} ConfabNameKey;

const char *confab_name_key_init_slow (ConfabNameKey *key,
                                       const char    *name);
char       *confab_name_key_dup (const char *name);

/**
 * confab_name_key_init:
 * @key: (out caller-allocates): holds the key if it is not @name itself
 * @name: a NUL-terminated name or room name
 *
 * Inline, as every recipient of every message is looked up by its key:
 * a plain-ASCII name without capitals, the common case, costs one scan.
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
    if ((guchar) *p >= 0x80 || (*p >= 'A' && *p <= 'Z'))
      return confab_name_key_init_slow (key, name);
  return name;
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
