/* confab-name-key-unicode.h: the key of SPEC §11, computed in full
 * (apart from confab-name-key.h, as the build runs it to make the fast
 * path's table before that header can be used).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

char *confab_name_key_unicode (const char *name);
char *confab_name_key_fold (const char *text);

G_END_DECLS
