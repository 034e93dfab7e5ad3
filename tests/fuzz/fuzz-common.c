/* fuzz-common.c: set-up and input helpers shared by the fuzz targets.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include "fuzz-common.h"

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   log_level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (log_level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (log_level, fields, n_fields, user_data);
      abort ();
    }
  return G_LOG_WRITER_HANDLED;
}

void
confab_fuzz_init (void)
{
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
      g_once_init_leave (&initialised, 1);
    }
}

guint8
confab_fuzz_take_byte (ConfabFuzzInput *in)
{
  guint8 b;

  if (in->size == 0)
    return 0;
  b = in->data[0];
  in->data++;
  in->size--;
  return b;
}

guint16
confab_fuzz_take_u16 (ConfabFuzzInput *in)
{
  guint16 lo = confab_fuzz_take_byte (in);

  return lo | (guint16) (confab_fuzz_take_byte (in) << 8);
}
