/* slow-getpwuid.c: a getpwuid_r() that takes its time, for LD_PRELOAD.
 *
 * Stands in for a slow NSS backend (LDAP, say): with
 * CONFAB_TEST_GETPW_DELAY_MS set, every getpwuid_r() sleeps that long
 * before the real one answers. test-unix-identity preloads it into
 * confabd to show that a user-name lookup never stops the main loop.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include <dlfcn.h>
#include <pwd.h>
#include <stdlib.h>
#include <time.h>

typedef int (*GetpwuidR) (uid_t, struct passwd *, char *, size_t, struct passwd **);

int
getpwuid_r (uid_t uid,
            struct passwd * restrict pwd,
            char * restrict buf,
            size_t buflen,
            struct passwd ** restrict result)
{
  GetpwuidR   real = (GetpwuidR) dlsym (RTLD_NEXT, "getpwuid_r");
  const char *delay = getenv ("CONFAB_TEST_GETPW_DELAY_MS");

  if (delay != NULL)
    {
      long            ms = strtol (delay, NULL, 10);
      struct timespec pause = { ms / 1000, (ms % 1000) * 1000000L };

      while (nanosleep (&pause, &pause) != 0)
        ;
    }
  return real (uid, pwd, buf, buflen, result);
}
