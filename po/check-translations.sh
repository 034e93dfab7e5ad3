#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Checks of the translations, run by meson test (suite i18n):
#
#   check-translations.sh msgfmt   PODIR
#       msgfmt --check passes on every PODIR/*.po
#   check-translations.sh linguas  PODIR
#       every .po is listed in LINGUAS and every LINGUAS entry has a .po
#       (the idea of fprintd's po/check-translations.sh)
#   check-translations.sh potfiles PODIR SRCDIR
#       POTFILES.in is sorted, names only files that exist, and names every
#       SRCDIR/*.[ch] that marks a string with _(), N_(), C_(), NC_(),
#       Q_() or ngettext()
#   check-translations.sh german   LOCALEDIR CONFABD CONFABCTL CONFAB
#       the programs, run from the build tree with CONFAB_LOCALEDIR=LOCALEDIR
#       under LANGUAGE=de, print German: --help of each, and an error of
#       confabctl that cannot reach its bus
set -u

fail=0
failed () {
  echo "FAIL: $*" >&2
  fail=1
}

check_msgfmt () {
  podir=$1
  found=0
  for po in "$podir"/*.po; do
    [ -e "$po" ] || continue
    found=1
    if msgfmt --check --statistics -o /dev/null "$po"; then
      echo "ok: msgfmt --check $(basename "$po")"
    else
      failed "msgfmt --check $po"
    fi
  done
  [ "$found" -eq 1 ] || failed "no .po file in $podir"
}

# LINGUAS: language codes separated by white space; '#' starts a comment.
linguas () {
  sed 's/#.*//' "$1/LINGUAS" | tr -s ' \t' '\n\n' | sed '/^$/d'
}

check_linguas () {
  podir=$1
  for po in "$podir"/*.po; do
    [ -e "$po" ] || continue
    lang=$(basename "$po" .po)
    if linguas "$podir" | grep -qx "$lang"; then
      echo "ok: $lang.po is in LINGUAS"
    else
      failed "$lang.po is not listed in LINGUAS"
    fi
  done
  for lang in $(linguas "$podir"); do
    if [ -e "$podir/$lang.po" ]; then
      echo "ok: LINGUAS entry $lang has $lang.po"
    else
      failed "LINGUAS lists $lang, but $lang.po does not exist"
    fi
  done
}

check_potfiles () {
  podir=$1
  srcdir=$2
  topdir=$(dirname "$podir")
  entries=$(sed -e 's/#.*//' -e 's/[ \t]*$//' -e '/^$/d' "$podir/POTFILES.in")

  if printf '%s\n' "$entries" | LC_ALL=C sort -c 2>/dev/null; then
    echo "ok: POTFILES.in is sorted"
  else
    failed "POTFILES.in is not sorted (LC_ALL=C sort)"
  fi

  for entry in $entries; do
    [ -e "$topdir/$entry" ] || failed "POTFILES.in names $entry, which does not exist"
  done

  for file in "$srcdir"/*.c "$srcdir"/*.h "$srcdir"/*/*.c "$srcdir"/*/*.h; do
    [ -e "$file" ] || continue
    grep -qE '(^|[^A-Za-z0-9_])(N|C|NC|Q)?_\(|(^|[^A-Za-z0-9_])ngettext\(' "$file" || continue
    entry=${file#"$topdir"/}
    if printf '%s\n' "$entries" | grep -qxF "$entry"; then
      echo "ok: $entry is in POTFILES.in"
    else
      failed "$entry marks strings for translation but is not in POTFILES.in"
    fi
  done
}

# expect WHAT FILE TEXT: FILE (a program's output) contains TEXT.
expect () {
  if grep -qF "$3" "$2"; then
    echo "ok: $1 says \"$3\""
  else
    failed "$1 does not say \"$3\"; it printed:"
    cat "$2" >&2
  fi
}

check_german () {
  localedir=$1
  confabd=$2
  confabctl=$3
  confab=$4

  [ -e "$localedir/de/LC_MESSAGES/confab.mo" ] ||
    failed "$localedir/de/LC_MESSAGES/confab.mo has not been built"

  # gettext ignores LANGUAGE in the C locale, but not in C.UTF-8, which
  # every Debian system has: no German locale needs to be generated.
  tmp=$(mktemp -d) || exit 1
  trap 'rm -rf "$tmp"' EXIT

  # Never reach a real bus: both addresses lead nowhere.
  export LC_ALL=C.UTF-8 LANGUAGE=de CONFAB_LOCALEDIR="$localedir"
  export DBUS_SESSION_BUS_ADDRESS="unix:path=$tmp/no-such-bus"
  export DBUS_SYSTEM_BUS_ADDRESS="unix:path=$tmp/no-such-bus"
  unset LANG LC_MESSAGES

  timeout 10 "$confabd" --help > "$tmp/out" 2>&1 || failed "confabd --help exited with $?"
  expect "confabd --help" "$tmp/out" "Der Chat-Daemon von confab."
  expect "confabd --help" "$tmp/out" "Auf ADRESSE lauschen"

  timeout 10 "$confabctl" --help > "$tmp/out" 2>&1 || failed "confabctl --help exited with $?"
  expect "confabctl --help" "$tmp/out" "Befehle:"
  expect "confabctl --help" "$tmp/out" "Die verbundenen Teilnehmer auflisten"

  timeout 10 "$confab" --help > "$tmp/out" 2>&1 || failed "confab --help exited with $?"
  expect "confab --help" "$tmp/out" "Auf einem confab-Server chatten."

  timeout 10 "$confabctl" --session peers > "$tmp/out" 2>&1
  status=$?
  [ "$status" -eq 1 ] || failed "confabctl --session peers without a bus exited with $status, not 1"
  expect "confabctl --session peers" "$tmp/out" "confabctl: Keine Verbindung zum Sitzungsbus möglich"

  timeout 10 "$confabctl" frobnicate > "$tmp/out" 2>&1
  status=$?
  [ "$status" -eq 2 ] || failed "confabctl frobnicate exited with $status, not 2"
  expect "confabctl frobnicate" "$tmp/out" "confabctl: Unbekannter Befehl „frobnicate“"

  # The German comes from the translation: without LANGUAGE it is English.
  LANGUAGE= timeout 10 "$confabd" --help > "$tmp/out" 2>&1
  expect "confabd --help in C.UTF-8" "$tmp/out" "The confab chat daemon."
}

usage () {
  echo "usage: $0 msgfmt|linguas PODIR | potfiles PODIR SRCDIR | german LOCALEDIR CONFABD CONFABCTL CONFAB" >&2
  exit 2
}

case "${1:-} $#" in
  "msgfmt 2")   check_msgfmt "$2" ;;
  "linguas 2")  check_linguas "$2" ;;
  "potfiles 3") check_potfiles "$2" "$3" ;;
  "german 5")   check_german "$2" "$3" "$4" "$5" ;;
  *)            usage ;;
esac
exit $fail
