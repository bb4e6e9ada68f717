#!/bin/sh
# Host side, no guest: a kernel that cannot be fetched must fail the tier
# (seismo-vm exit 2 with the reason), never look like a skip (77 is only for
# a host without qemu). Fakes apt-cache/apt-get on PATH in a temp directory:
#   1. apt knows no package of the series        (no apt-get update / no backports)
#   2. apt knows one but the download fails      (mirror down, version withdrawn)
# Usage: fetch_failure_test.sh SEISMO_VM
set -u
vm=$1
tmp=$(mktemp -d /tmp/seismo-vm-fetchfail.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
command -v qemu-system-x86_64 >/dev/null || { echo "SKIP: qemu-system-x86_64 not installed"; exit 77; }
fail() { echo "fetch_failure_test: FAIL: $*"; exit 1; }

expect_error() {  # CASE PATTERN: seismo-vm fetch exits 2 and says PATTERN
  out=$(PATH="$tmp/bin:$PATH" "$vm" fetch --kernel 6.1 --cache "$tmp/cache" 2>&1)
  rc=$?
  echo "$1: exit $rc: $out"
  [ "$rc" -eq 2 ] || fail "$1: expected exit 2 (error), got $rc"
  echo "$out" | grep -q "$2" || fail "$1: the message does not say '$2'"
  [ ! -e "$tmp/cache/6.1.current" ] || fail "$1: a failed fetch left $tmp/cache/6.1.current"
}

printf '#!/bin/sh\nexit 0\n' > "$tmp/bin/apt-cache"
chmod +x "$tmp/bin/apt-cache"
expect_error "no package" "no linux-image-6.1"

printf '#!/bin/sh\necho linux-image-6.1.0-999-amd64\n' > "$tmp/bin/apt-cache"
printf '#!/bin/sh\necho "E: Failed to fetch linux-image-6.1.0-999-amd64 (fake)" >&2\nexit 100\n' > "$tmp/bin/apt-get"
chmod +x "$tmp/bin/apt-get"
expect_error "download fails" "apt-get download linux-image-6.1.0-999-amd64 failed"
echo "fetch_failure_test: ok (both are errors, exit 2, not skips)"
