/* confab-name-key.c: the key names and room names are compared on.
 *
 * Every recipient of every message is looked up by its key, so plain
 * ASCII (the common case) never allocates: a name without capitals is
 * its own key, and one with capitals is lowered into the caller's
 * struct. NFKC leaves ASCII unchanged and its case folding is
 * g_ascii_tolower(), so the fast path gives what the slow one would.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-name-key.h"

/* NFKC, case folding, NFKC again: folding may produce characters NFKC
 * would compose or map (Unicode's NFKC_Casefold does the same steps). */
static char *
unicode_key (const char *name)
{
  g_autofree char *nfkc = g_utf8_normalize (name, -1, G_NORMALIZE_NFKC);
  g_autofree char *folded = NULL;

  /* Only invalid UTF-8 fails; names are validated before they are
   * looked up, but a key must exist for anything: the bytes as they are. */
  if (nfkc == NULL)
    return g_strdup (name);
  folded = g_utf8_casefold (nfkc, -1);
  return g_utf8_normalize (folded, -1, G_NORMALIZE_NFKC);
}

/* The key of a name with capitals or non-ASCII characters
 * (confab_name_key_init() tried the common case). */
const char *
confab_name_key_init_slow (ConfabNameKey *key,
                           const char    *name)
{
  gsize len = 0;

  key->heap = NULL;
  for (; name[len] != '\0'; len++)
    if ((guchar) name[len] >= 0x80)
      return key->heap = unicode_key (name);
  if (len >= sizeof key->inline_key)
    return key->heap = g_ascii_strdown (name, len);
  for (gsize i = 0; i <= len; i++)
    key->inline_key[i] = g_ascii_tolower (name[i]);
  return key->inline_key;
}

/* Returns: (transfer full): the key of @name */
char *
confab_name_key_dup (const char *name)
{
  g_auto(ConfabNameKey) key = { NULL };

  return g_strdup (confab_name_key_init (&key, name));
}
