/* fuzz-common.h: the fuzz entry points, shared by the libFuzzer targets
 * and by tests/test-fuzz-regressions.c, which replays the seed corpora and
 * every input that ever crashed through the very same functions.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

G_BEGIN_DECLS

/* Each runs one input and returns 0; a broken invariant aborts (which
 * libFuzzer reports as a crash and GTest as a failed test). */
int confab_fuzz_framer (const uint8_t *data,
                        size_t         size);
int confab_fuzz_text_protocol (const uint8_t *data,
                               size_t         size);
int confab_fuzz_json_protocol (const uint8_t *data,
                               size_t         size);
int confab_fuzz_config (const uint8_t *data,
                        size_t         size);
int confab_fuzz_irc_message (const uint8_t *data,
                             size_t         size);
int confab_fuzz_ws_frame (const uint8_t *data,
                          size_t         size);
int confab_fuzz_cluster_wire (const uint8_t *data,
                              size_t         size);

/* Once per process: a log writer that drops chatter (the config loader
 * logs every unknown key; the formatting still runs) and aborts on a
 * warning or critical, which means a precondition failed. */
void confab_fuzz_init (void);

/* Reads input bytes from the front of the buffer, 0 once it is used up. */
typedef struct
{
  const uint8_t *data;
  size_t         size;
} ConfabFuzzInput;

guint8  confab_fuzz_take_byte (ConfabFuzzInput *in);
guint16 confab_fuzz_take_u16 (ConfabFuzzInput *in);

#define CONFAB_FUZZ_CHECK(cond, ...) \
  G_STMT_START \
  { \
    if (G_UNLIKELY (!(cond))) \
      { \
        fprintf (stderr, "%s: check failed: %s: ", G_STRLOC, #cond); \
        fprintf (stderr, __VA_ARGS__); \
        fputc ('\n', stderr); \
        abort (); \
      } \
  } \
  G_STMT_END

/* In a libFuzzer build each target file names its entry point here. */
#ifdef CONFAB_FUZZ_LIBFUZZER
#define CONFAB_FUZZ_TARGET(func) \
  int LLVMFuzzerInitialize (int *argc, char ***argv); \
  int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size); \
  int \
  LLVMFuzzerInitialize (int    *argc, \
                        char ***argv) \
  { \
    confab_fuzz_init (); \
    return 0; \
  } \
  int \
  LLVMFuzzerTestOneInput (const uint8_t *data, \
                          size_t         size) \
  { \
    return func (data, size); \
  }
#else
#define CONFAB_FUZZ_TARGET(func)
#endif

G_END_DECLS
