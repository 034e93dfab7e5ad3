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

/**
 * confab_name_key_init:
 * @key: (out caller-allocates): holds the key if it is not @name itself
 * @name: a NUL-terminated name or room name
 *
 * Returns: (transfer none): the key of @name, valid until
 *   confab_name_key_clear(@key) and as long as @name
 */
const char *
confab_name_key_init (ConfabNameKey *key,
                      const char    *name)
{
  gboolean upper = FALSE;
  gsize    len;

  key->heap = NULL;
  for (len = 0; name[len] != '\0'; len++)
    {
      guchar c = name[len];

      if (c >= 0x80)
        return key->heap = unicode_key (name);
      upper |= g_ascii_isupper (c);
    }
  if (!upper)
    return name;
  if (len >= sizeof key->inline_key)
    return key->heap = g_ascii_strdown (name, len);
  for (gsize i = 0; i <= len; i++)
    key->inline_key[i] = g_ascii_tolower (name[i]);
  return key->inline_key;
}

void
confab_name_key_clear (ConfabNameKey *key)
{
  g_clear_pointer (&key->heap, g_free);
}

/* Returns: (transfer full): the key of @name */
char *
confab_name_key_dup (const char *name)
{
  g_auto(ConfabNameKey) key = { NULL };

  return g_strdup (confab_name_key_init (&key, name));
}
