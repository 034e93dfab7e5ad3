/* confab-i18n.c: locale and translations, set up first in every main().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <locale.h>
#include <glib/gi18n.h>

#include "confab-i18n.h"
#include "confab-names.h"

/**
 * confab_i18n_init:
 *
 * Sets the locale from the environment and binds the gettext domain, to
 * $CONFAB_LOCALEDIR if set (a build tree's po/ directory, so tests and
 * developers see translations without installing), else LOCALEDIR.
 */
void
confab_i18n_init (void)
{
  const char *localedir = g_getenv (CONFAB_ENV_LOCALEDIR);

  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}
