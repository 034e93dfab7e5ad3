/* confab-daemon-history.c: the history store the daemon opens (SPEC §12).
 *
 * History is a service the chat can do without: a database that cannot
 * be opened (corrupt, read-only, a schema from a newer confab, a state
 * directory that is missing) is logged once and the daemon runs without
 * it; /history then says "history unavailable", and messages to accounts
 * that are away are refused as before ("no such peer"). The file is left
 * as it is for the administrator to look at.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "confab-daemon-private.h"

/* The store's limits from [history]. */
void
confab_daemon_history_limits (const ConfabConfig  *config,
                              ConfabHistoryLimits *limits)
{
  confab_history_limits_init (limits);
  limits->replay_max = config->history_replay_max;
  limits->max_age_days = config->history_max_age_days;
  limits->max_rows = config->history_max_rows;
  limits->offline_max_messages = config->offline_max_messages;
}

/**
 * confab_daemon_open_history:
 *
 * Returns: (transfer full) (nullable): the store; %NULL with history off
 *   (database=none, or it cannot be opened: logged)
 */
ConfabHistoryStore *
confab_daemon_open_history (const ConfabConfig *config)
{
  g_autofree char *path = confab_config_history_path (config);
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;
  ConfabHistoryLimits limits;
  ConfabHistoryStore *store;

  if (path == NULL)
    {
      g_message (_ ("History is off ([history] database=none)"));
      return NULL;
    }
  /* The state directory exists under systemd (StateDirectory=); by hand
   * its last part may not yet. */
  dir = g_path_get_dirname (path);
  if (g_mkdir_with_parents (dir, 0750) != 0)
    {
      int saved_errno = errno;

      g_warning (_ ("History is off: cannot make %s: %s"), dir, g_strerror (saved_errno));
      return NULL;
    }
  confab_daemon_history_limits (config, &limits);
  store = confab_history_store_new (path, &limits, CONFAB_HISTORY_STORE_NONE, &error);
  if (store == NULL)
    {
      g_warning (_ ("History is off: %s"), error->message);
      return NULL;
    }
  g_message (_ ("History in %s"), path);
  return store;
}
