/* confab-client-app-private.h: what the client program's files share.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gio/gio.h>

#include "confab-client-app.h"
#include "confab-client-output.h"
#include "confab-client-session.h"
#include "confab-client-term.h"

G_BEGIN_DECLS

/* After the end of input, how long the server may stay silent. */
#define QUIET_TIMEOUT_MS (10 * 1000)

/* SIGINT, SIGTERM, SIGHUP end confab (after restoring the terminal). */
#define CONFAB_CLIENT_N_STOP_SIGNALS 3

struct _ConfabClientApp
{
  GObject parent_instance;

  GSocketConnectable  *address;      /* (owned) */
  char                *address_text; /* (owned) */
  char                *name;         /* (owned) (nullable): until known */
  gboolean             json;
  gboolean             quiet;
  gboolean             tls;             /* connect over TLS */
  GTlsDatabase        *tls_database;    /* (owned) (nullable): --ca, else the system's */
  GTlsCertificateFlags tls_errors;      /* why the server's certificate was refused */
  GTlsCertificate     *tls_certificate; /* (owned) (nullable): --cert and --key */

  GMainLoop    *loop; /* (owned) */
  int           status;
  int           signal_number; /* the signal that stopped us, or 0 */
  guint         signal_ids[CONFAB_CLIENT_N_STOP_SIGNALS];
  GCancellable *cancellable; /* (owned): connecting, reading input */

  ConfabClientOutput  *output;  /* (owned) */
  ConfabClientSession *session; /* (owned) (nullable) */

  /* Input: a line editor on a terminal, else lines of standard input. */
  ConfabClientTerm *term;         /* (owned) (nullable) */
  GDataInputStream *lines;        /* (owned) (nullable) */
  gboolean          reading;      /* a read of @lines is in flight */
  gboolean          input_paused; /* waiting for "drained" */
  gboolean          input_ended;
  gboolean          awaiting_name;
  gboolean          interactive;   /* a person types: re-ask a bad name */
  gboolean          convert_input; /* the locale is not UTF-8 */
  gboolean          unix_socket;   /* an empty login is allowed */
  gboolean          timestamps;    /* text mode: each line with its time */
  gboolean          input_started;
  gboolean          connecting;   /* name given, connection not yet made */
  gboolean          eof_pending;  /* input ended while connecting */
  gboolean          name_taken;   /* the server refused the login's name */
  GPtrArray        *early_lines;  /* (owned): typed while connecting */
  gboolean          quit_pending; /* /quit among them */
  char             *current_room; /* (owned) (nullable): where a plain line goes */
};

/* confab-client-app.c: the connection and the life cycle */
void confab_client_app_finish (ConfabClientApp *self,
                               int              status);
void confab_client_app_connect (ConfabClientApp *self);

/* confab-client-input.c: what is typed or piped in */
void confab_client_app_start_input (ConfabClientApp *self);
void confab_client_app_stop_input (ConfabClientApp *self);
void confab_client_app_read_next_line (ConfabClientApp *self);
void confab_client_app_login (ConfabClientApp *self,
                              const char      *name);
void confab_client_app_handle_line (ConfabClientApp *self,
                                    const char      *raw);

/* confab-client-tls.c */
void  confab_client_tls_prepare (ConfabClientApp *self,
                                 GSocketClient   *client);
char *confab_client_tls_describe_errors (GTlsCertificateFlags errors);

G_END_DECLS
