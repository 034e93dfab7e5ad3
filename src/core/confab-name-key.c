/* confab-name-key.c: the key names and room names are compared on.
 *
 * Every recipient of every message is looked up by its key, so ASCII
 * (the common case) never allocates nor calls ICU: a name whose every
 * character is its own key is the key, and any other ASCII name is put
 * together in the caller's struct from each character's key, which the
 * build computed with confab_name_key_unicode() (confab-name-key-ascii.h).
 * A character's key does not depend on its neighbours for ASCII (the
 * skeleton maps code points one by one, and NFKC and folding do not
 * combine ASCII characters), so the pieces give what the full function
 * would: tests/test-name-key.c checks every pair.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-name-key.h"

/* The key of a name with a character that is not its own key
 * (confab_name_key_init() tried the common case). ASCII is put together
 * from the table, in the struct when it fits; anything else is
 * confab_name_key_unicode()'s. */
const char *
confab_name_key_init_slow (ConfabNameKey *key,
                           const char    *name)
{
  gsize len = 0;
  gsize key_len = 0;
  char *out;

  key->heap = NULL;
  for (; name[len] != '\0'; len++)
    {
      if ((guchar) name[len] >= 0x80)
        return key->heap = confab_name_key_unicode (name);
      key_len += strlen (confab_name_key_ascii[(guchar) name[len]]);
    }

  out = key_len < sizeof key->inline_key ? key->inline_key : (key->heap = g_malloc (key_len + 1));
  for (gsize i = 0; i < len; i++)
    {
      const char *part = confab_name_key_ascii[(guchar) name[i]];

      while (*part != '\0')
        *out++ = *part++;
    }
  *out = '\0';
  return key->heap != NULL ? key->heap : key->inline_key;
}

/* The key of a room name with capitals or non-ASCII characters
 * (confab_room_key_init() tried the common case): NFKC leaves ASCII
 * unchanged and its case folding is g_ascii_tolower(). */
const char *
confab_room_key_init_slow (ConfabNameKey *key,
                           const char    *room)
{
  gsize len = 0;

  key->heap = NULL;
  for (; room[len] != '\0'; len++)
    if ((guchar) room[len] >= 0x80)
      return key->heap = confab_name_key_fold (room);
  if (len >= sizeof key->inline_key)
    return key->heap = g_ascii_strdown (room, len);
  for (gsize i = 0; i <= len; i++)
    key->inline_key[i] = g_ascii_tolower (room[i]);
  return key->inline_key;
}

/* Returns: (transfer full): the key of @room */
char *
confab_room_key_dup (const char *room)
{
  g_auto(ConfabNameKey) key = { NULL };

  return g_strdup (confab_room_key_init (&key, room));
}

/* Returns: (transfer full): the key of @name */
char *
confab_name_key_dup (const char *name)
{
  g_auto(ConfabNameKey) key = { NULL };

  return g_strdup (confab_name_key_init (&key, name));
}
