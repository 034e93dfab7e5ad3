/* confab-lookup-pool.h: worker threads of their own for blocking lookups.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* The most lookups that run at once; the rest wait in order. A slow user
 * database then holds at most this many threads, and GLib's own task
 * pool (which GDBus uses for every method call) stays free. */
#define CONFAB_LOOKUP_POOL_MAX_THREADS 4

/*
 * confab_lookup_pool_run:
 * @task: (transfer none): the task to complete; the pool keeps a reference
 *   until @func has run
 * @func: runs in a pool thread and must return a result on @task
 *
 * Like g_task_run_in_thread(), but in the pool for user-name lookups
 * (getpwuid_r(), getpwnam_r(), and any other call that may wait on NSS),
 * never in GLib's shared task pool. The task's callback runs in the
 * context it was created in, as usual.
 */
void confab_lookup_pool_run (GTask          *task,
                             GTaskThreadFunc func);

G_END_DECLS
