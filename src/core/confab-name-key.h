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

const char *confab_name_key_init (ConfabNameKey *key,
                                  const char    *name);
void        confab_name_key_clear (ConfabNameKey *key);
char       *confab_name_key_dup (const char *name);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (ConfabNameKey, confab_name_key_clear)

G_END_DECLS
