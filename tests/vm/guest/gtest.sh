#!/bin/sh
# Runs gtest binaries inside the guest, one after the other in the same boot,
# each writing <name>.xml to $SEISMO_VM_OUT (copied to the host by seismo-vm
# --results). Prints a per-binary summary line read from the XML.
#
#   gtest.sh [--no-skips] BINARY... [-- GTEST_ARGS...]
#
# --no-skips: a skipped test fails the run. For binaries whose skips mean
# "this kernel lacks X" where the guest is built to have X (fq, netem): a
# skip there would be the tier silently testing nothing.
# Exit status: 0 when every binary exited 0 (and nothing skipped with
# --no-skips), else 1; every binary runs either way.
set -u
no_skips=0
if [ "${1:-}" = "--no-skips" ]; then no_skips=1; shift; fi
bins=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do bins="$bins $1"; shift; done
[ "${1:-}" = "--" ] && shift
[ -n "$bins" ] || { echo "gtest.sh: no binary given"; exit 2; }
: "${SEISMO_VM_OUT:?gtest.sh runs inside seismo-vm (SEISMO_VM_OUT unset)}"

# count ATTR FILE: the root <testsuites> element's attribute (gtest writes
# tests, failures, disabled, errors; skipped testcases carry <skipped).
attr() { sed -n "s/.*<testsuites [^>]*\b$1=\"\([0-9]*\)\".*/\1/p" "$2" | head -n 1; }

status=0
for bin in $bins; do
  name=$(basename "$bin")
  xml=$SEISMO_VM_OUT/$name.xml
  start=$(date +%s)
  "$bin" --gtest_output="xml:$xml" "$@"
  rc=$?
  secs=$(( $(date +%s) - start ))
  if [ ! -s "$xml" ]; then
    echo "gtest.sh: $name on $(uname -r): exit $rc, no XML written (crashed?) after ${secs} s"
    status=1
    continue
  fi
  tests=$(attr tests "$xml") failures=$(attr failures "$xml") errors=$(attr errors "$xml")
  skipped=$(grep -c '<skipped' "$xml")
  echo "gtest.sh: $name on $(uname -r): ${tests:-?} tests, ${failures:-?} failed," \
       "${errors:-?} errors, $skipped skipped, exit $rc, ${secs} s"
  [ "$rc" -eq 0 ] || status=1
  if [ "$no_skips" -eq 1 ] && [ "$skipped" -gt 0 ]; then
    echo "gtest.sh: FAIL: $name skipped $skipped test(s) on a guest built to run them:"
    grep -o '<skipped message="[^"]*"' "$xml" | sort | uniq -c | sed 's/^/  /'
    status=1
  fi
done
exit $status
