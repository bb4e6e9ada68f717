#!/bin/sh
# Prints the Debian packages that own the shared libraries the given binaries
# link, one per line: the runtime image installs exactly these. Run where the
# binaries were built (their libraries are installed there); dpkg records
# /lib or /usr/lib paths under usrmerge, so files are matched by name.
set -eu
[ $# -gt 0 ] || { echo "usage: $0 BINARY..." >&2; exit 2; }
libs=$(ldd "$@" | awk '/=> \// {print $3}' | sort -u)
[ -n "$libs" ] || { echo "$0: no shared libraries found in $*" >&2; exit 1; }
for lib in $libs; do
  name=$(basename "$(realpath "$lib")")
  owner=$(dpkg -S "*/$name" 2>/dev/null | cut -d: -f1 | head -n1) || true
  [ -n "$owner" ] || { echo "$0: no package owns $name" >&2; exit 1; }
  echo "$owner"
done | sort -u
