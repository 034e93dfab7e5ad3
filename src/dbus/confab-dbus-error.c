/* confab-dbus-error.c: the ConfabDBusError domain and its D-Bus names.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-dbus-enums.h"
#include "confab-dbus-error.h"
#include "confab-names.h"

/* "no-such-peer" → "org.confab.Confab1.Error.NoSuchPeer" */
static char *
error_name_from_nick (const char *nick)
{
  GString *name = g_string_new (CONFAB_DBUS_ERROR_PREFIX);
  gboolean upper = TRUE;

  for (const char *p = nick; *p != '\0'; p++)
    {
      if (*p == '-')
        {
          upper = TRUE;
          continue;
        }
      g_string_append_c (name, upper ? g_ascii_toupper (*p) : *p);
      upper = FALSE;
    }
  return g_string_free (name, FALSE);
}

/**
 * confab_dbus_error_quark:
 *
 * The first call registers every code of the domain with GDBus, so that
 * an error of this domain returned from a method handler reaches the
 * client under its own name instead of org.gtk.GDBus.UnmappedGError.
 * The names derive from the enum nicks: adding a code is one line in the
 * header.
 */
GQuark
confab_dbus_error_quark (void)
{
  static gsize registered = 0;
  static gsize quark = 0;

  if (g_once_init_enter (&registered))
    {
      GEnumClass *klass = g_type_class_ref (CONFAB_TYPE_DBUS_ERROR);
      g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autofree GDBusErrorEntry *entries = g_new0 (GDBusErrorEntry, klass->n_values);

      for (guint i = 0; i < klass->n_values; i++)
        {
          char *name = error_name_from_nick (klass->values[i].value_nick);

          g_ptr_array_add (names, name);
          entries[i].error_code = klass->values[i].value;
          entries[i].dbus_error_name = name;
        }

      /* GDBus copies the names. */
      g_dbus_error_register_error_domain ("confab-dbus-error-quark", &quark,
                                          entries, klass->n_values);
      g_type_class_unref (klass);
      g_once_init_leave (&registered, 1);
    }

  return (GQuark) quark;
}
