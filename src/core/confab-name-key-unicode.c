/* confab-name-key-unicode.c: the key of SPEC §11, computed in full.
 *
 * NFKC, then case folding, then the confusable skeleton of UTS #39
 * (ICU's uspoof, from the Unicode Consortium's confusables data that
 * Debian's libicu ships, rather than a list typed by hand), then case
 * folding once more: the skeleton keeps case (it maps "0" to "O"), and
 * without the second fold "b0b" and "bob" would be two names. Names that
 * share this key are one name: "alice", "Alice", "alicе" (Cyrillic е),
 * "a1ice", "ａｌｉｃｅ".
 *
 * The key is never shown: display keeps what the user typed. The build
 * runs this same function over every ASCII character to make the table
 * of confab-name-key.h's fast path (gen-name-key-ascii.c), so the two
 * cannot disagree.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <unicode/uspoof.h>

#include "confab-name-key-unicode.h"

/* Opened once, never changed after: ICU's checkers are safe to share
 * between threads for checks once configured. */
static const USpoofChecker *
spoof_checker (void)
{
  static USpoofChecker *checker;
  static gsize          opened;

  if (g_once_init_enter (&opened))
    {
      UErrorCode status = U_ZERO_ERROR;

      checker = uspoof_open (&status);
      if (U_FAILURE (status))
        g_error ("Cannot open ICU's confusable data: %s", u_errorName (status));
      g_once_init_leave (&opened, 1);
    }
  return checker;
}

static char *
skeleton (const char *text)
{
  UErrorCode status = U_ZERO_ERROR;
  char       stack[128];
  int32_t    len;
  char      *heap;

  len = uspoof_getSkeletonUTF8 (spoof_checker (), 0, text, -1, stack, sizeof stack, &status);
  if (U_SUCCESS (status) && status != U_STRING_NOT_TERMINATED_WARNING)
    return g_strndup (stack, len);
  if (status != U_BUFFER_OVERFLOW_ERROR && status != U_STRING_NOT_TERMINATED_WARNING)
    return NULL;

  heap = g_malloc (len + 1);
  status = U_ZERO_ERROR;
  uspoof_getSkeletonUTF8 (spoof_checker (), 0, text, -1, heap, len + 1, &status);
  if (U_FAILURE (status))
    {
      g_free (heap);
      return NULL;
    }
  heap[len] = '\0';
  return heap;
}

/**
 * confab_name_key_fold:
 * @text: NUL-terminated
 *
 * NFKC, then case folding: the first two steps, and the whole of a room's
 * key. Bytes that are not UTF-8 are returned as they are.
 *
 * Returns: (transfer full): the folded text
 */
char *
confab_name_key_fold (const char *text)
{
  g_autofree char *nfkc = NULL;

  g_return_val_if_fail (text != NULL, NULL);

  nfkc = g_utf8_normalize (text, -1, G_NORMALIZE_NFKC);
  if (nfkc == NULL)
    return g_strdup (text);
  return g_utf8_casefold (nfkc, -1);
}

/**
 * confab_name_key_unicode:
 * @name: a NUL-terminated name or room name
 *
 * The key of @name the slow way, for any input: see the top of the file.
 * Bytes that are not UTF-8 are their own key (names are validated before
 * they are looked up, but a key must exist for anything).
 *
 * Returns: (transfer full): the key
 */
char *
confab_name_key_unicode (const char *name)
{
  g_autofree char *folded = NULL;
  g_autofree char *skeletal = NULL;

  g_return_val_if_fail (name != NULL, NULL);

  if (!g_utf8_validate (name, -1, NULL))
    return g_strdup (name);
  folded = confab_name_key_fold (name);
  skeletal = skeleton (folded);
  if (skeletal == NULL)
    return g_steal_pointer (&folded);
  return g_utf8_casefold (skeletal, -1);
}
