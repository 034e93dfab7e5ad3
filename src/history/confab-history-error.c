/* confab-history-error.c: the ConfabHistoryError domain.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <glib-object.h>

#include "confab-history-enums.h"
#include "confab-history-error.h"

/* Spelt out rather than G_DEFINE_QUARK (confab-history-error-quark, …):
 * clang-format reads the name as a subtraction and spaces it out, and
 * the spaces would end up in the domain's name. */
GQuark
confab_history_error_quark (void)
{
  return g_quark_from_static_string ("confab-history-error-quark");
}

/**
 * confab_history_error_code_to_string:
 * @code: a #ConfabHistoryError
 *
 * Returns: (transfer none): the stable name of @code, its enum nick
 *   (e.g. "disk-full"); "failed" for an unknown value.
 */
const char *
confab_history_error_code_to_string (ConfabHistoryError code)
{
  GEnumClass *klass = g_type_class_ref (CONFAB_TYPE_HISTORY_ERROR);
  GEnumValue *value = g_enum_get_value (klass, code);
  const char *nick = value != NULL ? value->value_nick : "failed";

  /* Enum classes are never unloaded, so the nick outlives the ref. */
  g_type_class_unref (klass);
  return nick;
}
