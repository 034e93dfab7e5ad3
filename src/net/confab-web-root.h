/* confab-web-root.h: the files the ws: doors serve at GET /.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _ConfabWebRoot ConfabWebRoot;

ConfabWebRoot *confab_web_root_load (const char *directory,
                                     GError    **error);
ConfabWebRoot *confab_web_root_new_empty (void);
void           confab_web_root_free (ConfabWebRoot *self);
GBytes        *confab_web_root_lookup (ConfabWebRoot *self,
                                       const char    *path,
                                       const char   **content_type);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (ConfabWebRoot, confab_web_root_free)

G_END_DECLS
