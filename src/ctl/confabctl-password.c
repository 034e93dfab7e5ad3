/* confabctl-password.c: reading a new password, from the terminal or stdin.
 *
 * On a terminal the password is asked for twice with echo off, as
 * passwd(1) does; the prompts and the reading go to /dev/tty (to stdin
 * and stderr if there is no controlling terminal). Echo comes back on
 * however the question ends, a signal included: SIGINT, SIGTERM, SIGHUP
 * and SIGQUIT restore the terminal, then kill confabctl as they would
 * have. When stdin is not a terminal, its first line is the password,
 * read once, so that scripts can pipe it in.
 *
 * A password is kept in a buffer of its own of fixed size, never grown
 * (a realloc would leave a copy behind), and wiped when freed.
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <gio/gio.h>
#include <glib/gi18n.h>

#include "confab-validate.h"
#include "confabctl-password.h"

#define BUFFER_SIZE (CONFABCTL_PASSWORD_MAX_BYTES + 1)

/* What the signal handler needs to put the terminal back: a handler can
 * reach nothing but globals. echo_off_fd is -1 while echo is on. */
static volatile sig_atomic_t echo_off_fd = -1;
static struct termios        echo_on_termios;

static const int restoring_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };

static ConfabCtlPassword *
password_new (void)
{
  return g_malloc0 (BUFFER_SIZE);
}

void
confabctl_password_free (ConfabCtlPassword *password)
{
  if (password == NULL)
    return;
  explicit_bzero (password, BUFFER_SIZE);
  g_free (password);
}

/* Runs with SA_RESETHAND | SA_NODEFER: the default action is back in
 * place, so raise() ends confabctl the way the signal would have, which
 * is what the shell expects to see. Only async-signal-safe calls here. */
static void
restore_terminal_cb (int signum)
{
  int fd = echo_off_fd;

  if (fd >= 0)
    tcsetattr (fd, TCSAFLUSH, &echo_on_termios);
  raise (signum);
}

static gboolean
write_all (int         fd,
           const char *text,
           GError    **error)
{
  gsize left = strlen (text);

  while (left > 0)
    {
      gssize n = write (fd, text, left);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _ ("cannot write to the terminal: %s"), g_strerror (saved_errno));
          return FALSE;
        }
      text += n;
      left -= n;
    }
  return TRUE;
}

/*
 * read_line:
 * @fd: where to read, one byte at a time so that nothing after the
 *   line is consumed
 * @password: a buffer from password_new()
 *
 * Reads up to a newline (not stored) or the end of the input. The end of
 * the input before any byte is an error (nothing was given); a line
 * longer than CONFABCTL_PASSWORD_MAX_BYTES is one too.
 *
 * Returns: the length of the line, or -1 with @error set
 */
static gssize
read_line (int                fd,
           ConfabCtlPassword *password,
           GError           **error)
{
  gsize length = 0;

  for (;;)
    {
      char   c;
      gssize n = read (fd, &c, 1);

      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        {
          int saved_errno = errno;

          g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                       _ ("cannot read the password: %s"), g_strerror (saved_errno));
          return -1;
        }
      if (n == 0 && length == 0)
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               _ ("no password was given (the input ended)"));
          return -1;
        }
      if (n == 0 || c == '\n')
        break;
      if (length == CONFABCTL_PASSWORD_MAX_BYTES)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _ ("the password is longer than %d bytes"), CONFABCTL_PASSWORD_MAX_BYTES);
          return -1;
        }
      password[length++] = c;
    }
  password[length] = '\0';
  return length;
}

/*
 * ask_without_echo:
 * @in_fd: the terminal to read from
 * @out_fd: where the prompt goes (the same terminal, or stderr)
 *
 * Turns echo off, prints @prompt, reads a line, prints the newline the
 * terminal did not echo and turns echo back on. Typed-ahead input is
 * dropped both ways (TCSAFLUSH): nothing typed before the prompt becomes
 * the password, and nothing of the password is left for the shell.
 *
 * Returns: the length of the line, or -1 with @error set
 */
static gssize
ask_without_echo (int                in_fd,
                  int                out_fd,
                  const char        *prompt,
                  ConfabCtlPassword *password,
                  GError           **error)
{
  struct sigaction action = { 0 };
  struct sigaction previous[G_N_ELEMENTS (restoring_signals)];
  struct termios   echo_off;
  gssize           length = -1;

  if (tcgetattr (in_fd, &echo_on_termios) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("cannot read the terminal’s settings: %s"), g_strerror (saved_errno));
      return -1;
    }
  echo_off = echo_on_termios;
  echo_off.c_lflag &= ~(ECHO | ECHONL);

  /* The handler is in place before echo goes off. A signal that is
   * ignored (nohup) stays ignored. */
  action.sa_handler = restore_terminal_cb;
  action.sa_flags = SA_RESETHAND | SA_NODEFER;
  sigemptyset (&action.sa_mask);
  echo_off_fd = in_fd;
  for (gsize i = 0; i < G_N_ELEMENTS (restoring_signals); i++)
    {
      sigaction (restoring_signals[i], NULL, &previous[i]);
      if ((previous[i].sa_flags & SA_SIGINFO) != 0 || previous[i].sa_handler != SIG_IGN)
        sigaction (restoring_signals[i], &action, NULL);
    }

  if (tcsetattr (in_fd, TCSAFLUSH, &echo_off) != 0)
    {
      int saved_errno = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   _ ("cannot turn off echo on the terminal: %s"), g_strerror (saved_errno));
    }
  else
    {
      if (write_all (out_fd, prompt, error))
        length = read_line (in_fd, password, error);
      write_all (out_fd, "\n", NULL);
      tcsetattr (in_fd, TCSAFLUSH, &echo_on_termios);
    }

  echo_off_fd = -1;
  for (gsize i = 0; i < G_N_ELEMENTS (restoring_signals); i++)
    sigaction (restoring_signals[i], &previous[i], NULL);
  return length;
}

/* A password no client could send is refused here, not at every login:
 * the text protocol refuses a line with invalid UTF-8 or control
 * characters, and crypt(3) would stop at a NUL byte. */
static gboolean
check_password (const ConfabCtlPassword *password,
                gsize                    length,
                GError                 **error)
{
  const char *message = NULL;

  if (length == 0)
    message = _ ("the password is empty");
  else if (memchr (password, '\0', length) != NULL)
    message = _ ("the password holds a NUL byte");
  else if (!g_utf8_validate (password, length, NULL))
    message = _ ("the password is not valid UTF-8");
  else if (confab_validate_has_control (password, length, FALSE))
    message = _ ("the password holds control characters");

  if (message != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA, message);
      return FALSE;
    }
  return TRUE;
}

static ConfabCtlPassword *
read_from_stdin (GError **error)
{
  g_autoptr(ConfabCtlPassword) password = password_new ();
  gssize length = read_line (STDIN_FILENO, password, error);

  if (length < 0)
    return NULL;
  /* A file written on Windows. */
  if (length > 0 && password[length - 1] == '\r')
    password[--length] = '\0';
  if (!check_password (password, length, error))
    return NULL;
  return g_steal_pointer (&password);
}

static ConfabCtlPassword *
ask_twice (int         in_fd,
           int         out_fd,
           const char *name,
           GError    **error)
{
  g_autoptr(ConfabCtlPassword) password = password_new ();
  g_autoptr(ConfabCtlPassword) again = password_new ();
  /* TRANSLATORS: %s is the account's name; the password is typed after it */
  g_autofree char *prompt = g_strdup_printf (_ ("New password for %s: "), name);
  gssize           length, again_length;

  length = ask_without_echo (in_fd, out_fd, prompt, password, error);
  if (length < 0 || !check_password (password, length, error))
    return NULL;

  again_length = ask_without_echo (in_fd, out_fd, _ ("Retype the new password: "), again, error);
  if (again_length < 0)
    return NULL;
  if (again_length != length || memcmp (password, again, length) != 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _ ("the two passwords differ"));
      return NULL;
    }
  return g_steal_pointer (&password);
}

/**
 * confabctl_password_read_new:
 * @name: the account's name, for the prompt
 * @error: why there is no password: none given, the two differ, it is
 *   empty, too long, or not text a client could send
 *
 * Asks for a new password twice without echo when stdin is a terminal;
 * otherwise reads the first line of stdin (without its "\n" or "\r\n").
 *
 * Returns: (transfer full) (nullable): the password, NUL-terminated; free
 *   with confabctl_password_free()
 */
ConfabCtlPassword *
confabctl_password_read_new (const char *name,
                             GError    **error)
{
  ConfabCtlPassword *password;
  int                tty;

  g_return_val_if_fail (name != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!isatty (STDIN_FILENO))
    return read_from_stdin (error);

  /* The controlling terminal, as getpass(3) uses: stdin is one, and most
   * likely the same; without one, stdin and stderr do. */
  tty = open ("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (tty >= 0)
    {
      password = ask_twice (tty, tty, name, error);
      close (tty);
    }
  else
    password = ask_twice (STDIN_FILENO, STDERR_FILENO, name, error);
  return password;
}
