/* confab-error.c: the ConfabError domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-object.h>

#include "confab-error.h"
#include "confab-enums.h"

G_DEFINE_QUARK (confab - error - quark, confab_error)

/**
 * confab_error_code_to_string:
 * @code: a #ConfabError
 *
 * Returns: (transfer none): the stable wire name of @code, its enum nick
 *   (e.g. "no-such-peer"); "failed" for an unknown value.
 */
const char *
confab_error_code_to_string (ConfabError code)
{
  GEnumClass *klass = g_type_class_ref (CONFAB_TYPE_ERROR);
  GEnumValue *value = g_enum_get_value (klass, code);
  const char *nick = value != NULL ? value->value_nick : "failed";

  /* Enum classes are never unloaded, so the nick outlives the ref. */
  g_type_class_unref (klass);
  return nick;
}
