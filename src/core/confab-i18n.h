/* confab-i18n.h: locale and translations, set up first in every main().
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void confab_i18n_init (void);

G_END_DECLS
