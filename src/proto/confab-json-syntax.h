/* confab-json-syntax.h: a strict RFC 8259 syntax check.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

gboolean confab_json_syntax_scan (const char *line,
                                  gsize       len,
                                  gboolean   *too_deep,
                                  gboolean   *escaped_nul);

G_END_DECLS
