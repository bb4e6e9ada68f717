#!/bin/sh
# Installs the runtime packages listed in $1 (from runtime-packages.sh) with
# bookworm-backports enabled (libbpf >= 1.3), then empties apt's caches.
# The one install step of both runtime stages in manifests/Dockerfile.
set -eu
[ -s "$1" ] || { echo "$0: $1 lists no packages" >&2; exit 1; }
echo "deb http://deb.debian.org/debian bookworm-backports main" > /etc/apt/sources.list.d/backports.list
apt-get update
# shellcheck disable=SC2046 # one package per line
apt-get install -y --no-install-recommends -t bookworm-backports ca-certificates $(cat "$1")
rm -rf /var/lib/apt/lists/*
