#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-man.sh PAGE...: each man page is ASCII and renders without a
# warning, with groff (every warning on, -ww) and with man -l. (groff
# without preconv would read other bytes as Latin-1; man -l would not.)
set -u

fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# man-db's seccomp sandbox does not work in every container.
export LC_ALL=C.UTF-8 MAN_DISABLE_SECCOMP=1 MANWIDTH=80

for tool in groff man; do
  command -v "$tool" > /dev/null ||
    { echo "FAIL: $tool is not installed (Debian: groff-base, man-db)" >&2; exit 1; }
done

for page; do
  name=$(basename "$page")

  if LC_ALL=C grep -n "$(printf '[^\t -~]')" "$page" > "$tmp/err"; then
    echo "FAIL: $name has characters other than ASCII:" >&2
    cat "$tmp/err" >&2
    fail=1
  fi

  if ! timeout 10 groff -man -Tutf8 -ww -z "$page" 2> "$tmp/err"; then
    echo "FAIL: groff failed on $name" >&2
    fail=1
  fi
  if [ -s "$tmp/err" ]; then
    echo "FAIL: groff warns about $name:" >&2
    cat "$tmp/err" >&2
    fail=1
  else
    echo "ok: groff -man -Tutf8 -ww renders $name without warnings"
  fi

  if ! timeout 10 man -l "$page" > "$tmp/out" 2> "$tmp/err"; then
    echo "FAIL: man -l failed on $name" >&2
    fail=1
  fi
  if [ -s "$tmp/err" ]; then
    echo "FAIL: man -l warns about $name:" >&2
    cat "$tmp/err" >&2
    fail=1
  elif ! grep -q '^NAME' "$tmp/out"; then
    echo "FAIL: man -l $name shows no NAME section" >&2
    fail=1
  else
    echo "ok: man -l shows $name ($(wc -l < "$tmp/out") lines)"
  fi
done
exit $fail
