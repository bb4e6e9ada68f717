#!/bin/sh
# Guest smoke check: the booted kernel is the one the host fetched, it has BTF,
# and fq (the qdisc seismo's EDT delay relies on) can be installed.
fail() { echo "smoke: FAIL: $*"; exit 1; }
running=$(uname -r)
[ "$running" = "$SEISMO_VM_KERNEL" ] || fail "guest runs $running, expected $SEISMO_VM_KERNEL"
[ -e /sys/kernel/btf/vmlinux ] || fail "/sys/kernel/btf/vmlinux is missing"
tc qdisc add dev lo root fq || fail "tc qdisc add dev lo root fq"
tc qdisc del dev lo root
echo "smoke: ok ($running, BTF present, fq installs)"
