/* confab-lookup-pool.c: worker threads of their own for blocking lookups.
 *
 * A user-name lookup may ask a network service (LDAP through NSS, say)
 * and take seconds. Run in GLib's task pool, a hundred of them would
 * occupy every thread that GDBus and other GTask users need, so that
 * even ListPeers waited for them. They get this bounded pool instead.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "confab-lookup-pool.h"

typedef struct
{
  GTask          *task; /* (owned) */
  GTaskThreadFunc func;
} LookupJob;

static void
run_job_thread (gpointer data,
                gpointer user_data)
{
  LookupJob *job = data;

  job->func (job->task, g_task_get_source_object (job->task),
             g_task_get_task_data (job->task), g_task_get_cancellable (job->task));
  g_object_unref (job->task);
  g_free (job);
}

static GThreadPool *
get_pool (void)
{
  static GThreadPool *pool = NULL;

  if (g_once_init_enter (&pool))
    {
      g_autoptr(GError) error = NULL;
      /* Not exclusive: threads start as jobs come and end when idle. */
      GThreadPool *created = g_thread_pool_new (run_job_thread, NULL, CONFAB_LOOKUP_POOL_MAX_THREADS,
                                                FALSE, &error);

      /* Only an exclusive pool can fail to start its threads. */
      g_assert_no_error (error);
      g_once_init_leave (&pool, created);
    }
  return pool;
}

void
confab_lookup_pool_run (GTask          *task,
                        GTaskThreadFunc func)
{
  LookupJob *job;

  g_return_if_fail (G_IS_TASK (task));
  g_return_if_fail (func != NULL);

  job = g_new (LookupJob, 1);
  job->task = g_object_ref (task);
  job->func = func;
  /* A non-exclusive pool queues the job even if no thread can start now. */
  g_thread_pool_push (get_pool (), job, NULL);
}
