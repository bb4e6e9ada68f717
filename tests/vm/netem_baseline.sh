#!/bin/sh
# In the guest: two namespaces joined by a veth pair, netem delaying one side
# by 50 ms; the average ping RTT must land in 49–60 ms. This is the bar
# seismo's EDT delay is compared against on the same kernel.
set -eu
tag=smv$$
ip netns add ${tag}a
ip netns add ${tag}b
cleanup() { ip netns del ${tag}a 2>/dev/null || true; ip netns del ${tag}b 2>/dev/null || true; }
trap cleanup EXIT
ip link add ${tag}x netns ${tag}a type veth peer name ${tag}y netns ${tag}b
ip -n ${tag}a addr add 10.250.0.1/30 dev ${tag}x
ip -n ${tag}b addr add 10.250.0.2/30 dev ${tag}y
ip -n ${tag}a link set ${tag}x up
ip -n ${tag}b link set ${tag}y up
ip netns exec ${tag}a tc qdisc add dev ${tag}x root netem delay 50ms
out=$(ip netns exec ${tag}a ping -c 5 -i 0.2 -q 10.250.0.2)
echo "$out"
avg=$(echo "$out" | sed -n 's|.*= [0-9.]*/\([0-9.]*\)/.*|\1|p')
echo "netem 50ms: avg RTT ${avg} ms"
awk -v a="$avg" 'BEGIN { exit !(a >= 49 && a <= 60) }'
