/* fuzz-config.c: the config file loader on arbitrary file contents.
 *
 * The whole input is the file, given with its length (not NUL-terminated:
 * confab_config_load_data() must not read past it). Checked: a config
 * that loads has every limit inside its documented range and a listen
 * list that is absent or non-empty with trimmed, non-empty entries; its
 * copy is equal; a refusal is CONFAB_ERROR_INVALID_CONFIG with a UTF-8
 * message (it goes to the log and to the terminal).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <string.h>

#include "confab-config.h"
#include "confab-error.h"
#include "fuzz-common.h"

#define CHECK_RANGE(config, key, min, max) \
  CONFAB_FUZZ_CHECK ((config)->key >= (min) && (config)->key <= (max), \
                     #key " = %u is out of range", (config)->key)

int
confab_fuzz_config (const uint8_t *data,
                    size_t         size)
{
  g_autofree char *copy = g_memdup2 (data, size);
  g_autoptr(ConfabConfig) config = NULL;
  g_autoptr(ConfabConfig) config2 = NULL;
  g_autoptr(GError) error = NULL;

  config = confab_config_load_data (size > 0 ? copy : NULL, size, &error);
  if (config == NULL)
    {
      CONFAB_FUZZ_CHECK (error != NULL, "failure without an error");
      CONFAB_FUZZ_CHECK (g_error_matches (error, CONFAB_ERROR, CONFAB_ERROR_INVALID_CONFIG),
                         "error %s:%d", g_quark_to_string (error->domain), error->code);
      CONFAB_FUZZ_CHECK (g_utf8_validate (error->message, -1, NULL), "error message is not UTF-8");
      return 0;
    }

  CONFAB_FUZZ_CHECK (error == NULL, "success with an error");
  CHECK_RANGE (config, line_max_bytes, 64, 1024 * 1024);
  CHECK_RANGE (config, recipients_max, 1, 1024);
  CHECK_RANGE (config, peers_max, 1, 1000000);
  CHECK_RANGE (config, queue_max_bytes, 4096, 1024 * 1024 * 1024);
  CHECK_RANGE (config, login_timeout_sec, 1, 3600);
  CHECK_RANGE (config, shutdown_timeout_sec, 1, 3600);
  /* From 0 (off): only the upper bound can be broken. */
  CONFAB_FUZZ_CHECK (config->rate_limit_messages_per_sec <= 1000000,
                     "rate_limit_messages_per_sec = %u is out of range",
                     config->rate_limit_messages_per_sec);
  CHECK_RANGE (config, rate_limit_burst, 1, 1000000);
  if (config->listen != NULL)
    {
      CONFAB_FUZZ_CHECK (config->listen[0] != NULL, "empty listen list");
      for (guint i = 0; config->listen[i] != NULL; i++)
        {
          const char *entry = config->listen[i];
          gsize       len = strlen (entry);

          CONFAB_FUZZ_CHECK (len > 0, "empty listen entry");
          CONFAB_FUZZ_CHECK (!g_ascii_isspace (entry[0]) && !g_ascii_isspace (entry[len - 1]),
                             "listen entry not trimmed");
          CONFAB_FUZZ_CHECK (g_utf8_validate (entry, len, NULL), "listen entry is not UTF-8");
        }
    }

  config2 = confab_config_copy (config);
  CONFAB_FUZZ_CHECK (config2->line_max_bytes == config->line_max_bytes &&
                       config2->recipients_max == config->recipients_max &&
                       config2->peers_max == config->peers_max &&
                       config2->queue_max_bytes == config->queue_max_bytes &&
                       config2->login_timeout_sec == config->login_timeout_sec &&
                       config2->shutdown_timeout_sec == config->shutdown_timeout_sec &&
                       config2->rate_limit_messages_per_sec == config->rate_limit_messages_per_sec &&
                       config2->rate_limit_burst == config->rate_limit_burst &&
                       ((config->listen == NULL && config2->listen == NULL) ||
                        (config->listen != NULL && config2->listen != NULL &&
                         g_strv_equal ((const char * const *) config->listen,
                                       (const char * const *) config2->listen))),
                     "the copy differs");
  return 0;
}

CONFAB_FUZZ_TARGET (confab_fuzz_config)
