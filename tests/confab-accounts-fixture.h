/* confab-accounts-fixture.h: a confabd with accounts for the tests of
 * SPEC §11's logins (test-accounts.c, test-sasl.c).
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-dbus-test-util.h"
#include "confab-test-util.h"
#include "confab-tls-test-util.h"

G_BEGIN_DECLS

#define WAIT_MS 20000

typedef struct
{
  ConfabDBusTestBus *bus;
  ConfabTestTmpDir  *tmp;
  GDBusConnection   *connection;
  ConfabTestDaemon  *daemon;
  char              *config_path;
  char              *accounts_path;
  char              *unix_path;
  char              *alice_certfp; /* the fingerprint of alice.pem, which alice's line lists */
  char              *history_path; /* (nullable): [history] database, if the test keeps history */
  guint16            port;
  guint16            tls_port;
  guint16            irc_port;     /* ircs: */
  guint16            irc_tcp_port; /* irc:, plain TCP */
} Fixture;

/* NAME, PASSWORD pairs, NULL-terminated; alice's line also lists
 * alice.pem's fingerprint. */
void write_accounts (Fixture    *fx,
                     const char *first,
                     ...) G_GNUC_NULL_TERMINATED;
void start_daemon (Fixture *fx);
/* Writes the config again: with fx->history_path (set it first) as the
 * history database, offline_max_messages=2, history_replay_max=5. */
void rewrite_config (Fixture *fx);
/* @data non-NULL: [accounts] required=true. Skips the test (fx->bus
 * stays NULL) without certtool or GIO's TLS backend. */
void       fixture_setup (Fixture      *fx,
                          gconstpointer data);
void       fixture_teardown (Fixture      *fx,
                             gconstpointer data);
guint64    get_counter (Fixture    *fx,
                        const char *key);
char      *peer_login (Fixture    *fx,
                       const char *name);
TlsClient *tls_login (Fixture    *fx,
                      const char *line);
/* Waits, bounded, until @name is connected (@wanted) or is not. */
void wait_peer (Fixture    *fx,
                const char *name,
                gboolean    wanted);

G_END_DECLS
