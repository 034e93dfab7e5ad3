#!/bin/bash
# test-install.sh: what `meson install` lays out, checked in a DESTDIR.
#
# Usage: test-install.sh BUILDDIR BINDIR SBINDIR SYSCONFDIR DBUSDIR UNITDIR SYSUSERSDIR MANDIR DATADIR
#   (absolute install paths, as data/meson.build computed them)
#
# Installs the build directory into a temporary DESTDIR, then checks that
# every file lands where a distribution expects it, that the unit and
# activation files name the installed daemon, that systemd-analyze accepts
# the units (and reports the service's exposure), that systemd-sysusers
# accepts the sysusers.d entry and that dbus-daemon accepts the policy.
# Prints TAP. Every wait is bounded; the one daemon started is stopped by
# its PID.
#
# SPDX-License-Identifier: LGPL-2.1-or-later
set -u

if [ $# -ne 9 ]; then
  echo "Bail out! usage: $0 BUILDDIR BINDIR SBINDIR SYSCONFDIR DBUSDIR UNITDIR SYSUSERSDIR MANDIR DATADIR"
  exit 1
fi
builddir=$1 bindir=$2 sbindir=$3 sysconfdir=$4 dbusdir=$5 unitdir=$6 sysusersdir=$7 mandir=$8 datadir=$9

tmp=$(mktemp -d "${TMPDIR:-/tmp}/confab-test-install-XXXXXX")
dest=$tmp/root
bus_pid=""

cleanup () {
  if [ -n "$bus_pid" ]; then
    kill "$bus_pid" 2>/dev/null
    wait "$bus_pid" 2>/dev/null
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT

n=0
failed=0

comment () {
  printf '%s\n' "$@" | sed 's/^/# /'
}

ok () {
  n=$((n + 1))
  echo "ok $n $1"
}

not_ok () {
  n=$((n + 1))
  failed=$((failed + 1))
  echo "not ok $n $1"
  shift
  [ $# -gt 0 ] && comment "$@"
}

skip () {
  n=$((n + 1))
  echo "ok $n $1 # SKIP $2"
}

# check DESCRIPTION COMMAND...: ok if COMMAND succeeds; its output is
# shown either way.
check () {
  local description=$1 output
  shift
  if output=$("$@" 2>&1); then
    ok "$description"
    [ -n "$output" ] && comment "$output"
  else
    not_ok "$description" "$ $*" "$output"
  fi
  return 0
}

# ---- meson install ----------------------------------------------------

if meson install -C "$builddir" --destdir "$dest" --no-rebuild >"$tmp/install.log" 2>&1; then
  ok "/install/meson-install"
else
  not_ok "/install/meson-install" "$(cat "$tmp/install.log")"
  echo "Bail out! meson install failed"
  exit 1
fi

# ---- every file in its place ------------------------------------------

expect_file () {
  local mode=$1 path=$2
  if [ "$mode" = x ] && [ -f "$dest$path" ] && [ -x "$dest$path" ]; then
    ok "/install/files$path"
  elif [ "$mode" = f ] && [ -f "$dest$path" ]; then
    ok "/install/files$path"
  else
    not_ok "/install/files$path" "missing (or not executable) in DESTDIR; installed:" \
      "$(cd "$dest" && find . -type f | sort)"
  fi
}

expect_file x "$sbindir/confabd"
expect_file x "$bindir/confab"
expect_file x "$bindir/confabctl"
expect_file f "$datadir/confab/confab.conf.example"
expect_file f "$datadir/doc/confab/protocol.md"
expect_file f "$datadir/confab/web/index.html"
expect_file f "$datadir/confab/web/app.js"
expect_file f "$datadir/confab/web/style.css"
# The administrator's confab.conf is never installed over.
if [ -e "$dest$sysconfdir/confab/confab.conf" ]; then
  not_ok "/install/no-sysconf-config" "installed $sysconfdir/confab/confab.conf"
else
  ok "/install/no-sysconf-config"
fi
expect_file f "$dbusdir/interfaces/org.confab.Confab1.xml"
expect_file f "$dbusdir/system.d/org.confab.Confab1.conf"
expect_file f "$dbusdir/system-services/org.confab.Confab1.service"
expect_file f "$unitdir/confabd.service"
expect_file f "$unitdir/confabd.socket"
expect_file f "$unitdir/confabd-irc.socket"
expect_file f "$unitdir/confabd-ws.socket"
expect_file f "$sysusersdir/confab.conf"

service=$dest$unitdir/confabd.service
socket=$dest$unitdir/confabd.socket
irc_socket=$dest$unitdir/confabd-irc.socket
ws_socket=$dest$unitdir/confabd-ws.socket
activation=$dest$dbusdir/system-services/org.confab.Confab1.service

# ---- the files name the installed daemon --------------------------------

leftover=$(grep -Hn '@[A-Za-z_]*@' "$service" "$socket" "$activation" 2>&1)
if [ -z "$leftover" ]; then
  ok "/install/substituted"
else
  not_ok "/install/substituted" "unsubstituted placeholders:" "$leftover"
fi

check "/install/unit-execstart" grep -Fqx "ExecStart=$sbindir/confabd --bus system" "$service"
check "/install/activation-exec" grep -Fqx "Exec=$sbindir/confabd --bus system" "$activation"
check "/install/activation-systemd-service" grep -Fqx "SystemdService=confabd.service" "$activation"
check "/install/activation-name" grep -Fqx "Name=org.confab.Confab1" "$activation"
# [::1] must not stop the socket unit on a host whose lo has no IPv6.
check "/install/socket-freebind" grep -Fqx "FreeBind=true" "$socket"
# The IRC unit's sockets are told apart by name, and start the one service.
check "/install/irc-socket-name" grep -Fqx "FileDescriptorName=irc" "$irc_socket"
check "/install/irc-socket-service" grep -Fqx "Service=confabd.service" "$irc_socket"
check "/install/ws-socket-name" grep -Fqx "FileDescriptorName=ws" "$ws_socket"
check "/install/ws-socket-service" grep -Fqx "Service=confabd.service" "$ws_socket"
check "/install/example-peers-max" grep -Fq "peers_max: the most connections at once" \
  "$dest$datadir/confab/confab.conf.example"
check "/install/confabd-runs" "$dest$sbindir/confabd" --version

# ---- systemd ------------------------------------------------------------

# systemd-analyze wants ExecStart's binary to exist: a copy of the units
# pointing at the DESTDIR's daemon.
mkdir -p "$tmp/units"
for unit in confabd.service confabd.socket confabd-irc.socket confabd-ws.socket; do
  sed "s|$sbindir/confabd|$dest$sbindir/confabd|g" "$dest$unitdir/$unit" >"$tmp/units/$unit"
done

if command -v systemd-analyze >/dev/null; then
  # The units' Documentation= names man pages: checked against the ones
  # just installed, unless they were not built (-Dman=false) or man is
  # missing.
  if [ -f "$dest$mandir/man8/confabd.8" ] && command -v man >/dev/null; then
    verify=(env MANPATH="$dest$mandir" systemd-analyze verify --man=yes)
  else
    verify=(systemd-analyze verify --man=no)
    comment "man pages not checked: not installed, or no man command"
  fi
  if output=$("${verify[@]}" "$tmp/units/confabd.socket" "$tmp/units/confabd-irc.socket" \
                "$tmp/units/confabd-ws.socket" \
                "$tmp/units/confabd.service" 2>&1) &&
     [ -z "$output" ]; then
    ok "/install/systemd-analyze-verify"
  else
    not_ok "/install/systemd-analyze-verify" "$ ${verify[*]}" "$output"
  fi

  # Offline: no running systemd needed. The threshold (2.0 of 10) guards
  # the hardening against regressions; systemd rates up to 2.0 "OK".
  if output=$(systemd-analyze security --offline=yes --threshold=20 --no-pager \
                "$tmp/units/confabd.service" 2>&1); then
    ok "/install/systemd-analyze-security"
  else
    not_ok "/install/systemd-analyze-security" "$output"
  fi
  comment "$(printf '%s\n' "$output" | grep -F 'Overall exposure level')"
else
  skip "/install/systemd-analyze-verify" "systemd-analyze is not installed"
  skip "/install/systemd-analyze-security" "systemd-analyze is not installed"
fi

if command -v systemd-sysusers >/dev/null; then
  # --dry-run against the empty DESTDIR: parses the file, writes nothing.
  output=$(systemd-sysusers --dry-run --root="$dest" "$dest$sysusersdir/confab.conf" 2>&1)
  status=$?
  if [ $status -eq 0 ] && printf '%s\n' "$output" | grep -q "Creating user 'confab'" &&
     printf '%s\n' "$output" | grep -q "Creating group 'confab-admin'"; then
    ok "/install/sysusers"
  else
    not_ok "/install/sysusers" "exit status $status" "$output"
  fi
else
  skip "/install/sysusers" "systemd-sysusers is not installed"
fi

# ---- dbus-daemon --------------------------------------------------------

# A system-bus configuration that <include>s the policy: unlike
# <includedir>, an <include> that does not parse is fatal.
write_bus_config () {
  cat >"$1" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <auth>EXTERNAL</auth>
  <listen>unix:path=$tmp/bus/socket</listen>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
  </policy>
  <include>$2</include>
</busconfig>
EOF
}

if command -v dbus-daemon >/dev/null; then
  mkdir -p "$tmp/bus"
  write_bus_config "$tmp/bus/good.conf" "$dest$dbusdir/system.d/org.confab.Confab1.conf"
  dbus-daemon --config-file="$tmp/bus/good.conf" --nofork --print-address=3 \
    3>"$tmp/bus/address" 2>"$tmp/bus/stderr" &
  bus_pid=$!
  for _ in $(seq 100); do
    [ -s "$tmp/bus/address" ] && break
    kill -0 "$bus_pid" 2>/dev/null || break
    sleep 0.1
  done
  if [ -s "$tmp/bus/address" ] && ! grep -q -e 'Encountered error' -e 'Failed to start' "$tmp/bus/stderr"; then
    ok "/install/dbus-daemon-accepts-policy"
    comment "listening on $(cat "$tmp/bus/address")"
  else
    not_ok "/install/dbus-daemon-accepts-policy" "$(cat "$tmp/bus/stderr")"
  fi
  kill "$bus_pid" 2>/dev/null
  wait "$bus_pid" 2>/dev/null
  bus_pid=""

  # The check has teeth: a policy that does not parse stops the bus.
  sed 's|</busconfig>|<policy>|' "$dest$dbusdir/system.d/org.confab.Confab1.conf" >"$tmp/bus/broken.conf"
  write_bus_config "$tmp/bus/bad.conf" "$tmp/bus/broken.conf"
  timeout 20 dbus-daemon --config-file="$tmp/bus/bad.conf" --nofork --print-address=1 \
    >/dev/null 2>"$tmp/bus/bad-stderr"
  status=$?
  if [ $status -ne 0 ] && [ $status -ne 124 ]; then
    ok "/install/dbus-daemon-refuses-broken-policy"
  else
    not_ok "/install/dbus-daemon-refuses-broken-policy" "exit status $status" "$(cat "$tmp/bus/bad-stderr")"
  fi
else
  skip "/install/dbus-daemon-accepts-policy" "dbus-daemon is not installed"
  skip "/install/dbus-daemon-refuses-broken-policy" "dbus-daemon is not installed"
fi

echo "1..$n"
[ $failed -eq 0 ]
