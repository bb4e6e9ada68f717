#!/bin/sh
# netem baseline: 50 ms delay on one veth's egress between two private netns;
# the average ping RTT must land in 49-60 ms. This is the bar seismo's EDT
# delay has to meet on the same kernel (issue 5 measured 50.8-51.8 ms).
set -u
id=$$
ns_a=svm-a-$id ns_b=svm-b-$id dev_a=svma$id dev_b=svmb$id
cleanup() {
  ip netns del "$ns_a" 2>/dev/null
  ip netns del "$ns_b" 2>/dev/null
  return 0
}
trap cleanup EXIT
fail() { echo "netem_baseline: FAIL: $*"; exit 1; }
ip netns add "$ns_a" && ip netns add "$ns_b" || fail "ip netns add"
ip link add "$dev_a" netns "$ns_a" type veth peer name "$dev_b" netns "$ns_b" \
  || fail "ip link add veth $dev_a/$dev_b"
ip -n "$ns_a" addr add 10.199.0.1/24 dev "$dev_a" || fail "address on $dev_a"
ip -n "$ns_b" addr add 10.199.0.2/24 dev "$dev_b" || fail "address on $dev_b"
ip -n "$ns_a" link set "$dev_a" up && ip -n "$ns_b" link set "$dev_b" up || fail "link up"
tc -n "$ns_a" qdisc add dev "$dev_a" root netem delay 50ms || fail "tc netem delay 50ms on $dev_a"
# One unmeasured ping first: it carries ARP resolution (delayed by netem too)
# and TCG's cold code paths, ~65 ms extra on the first sample.
ip netns exec "$ns_a" busybox ping -c 1 -W 5 10.199.0.2 >/dev/null 2>&1
out=$(ip netns exec "$ns_a" busybox ping -c 5 -i 0.2 -W 5 10.199.0.2 2>&1)
echo "$out"
avg=$(echo "$out" | sed -n 's|.*min/avg/max = [0-9.]*/\([0-9.]*\)/.*|\1|p')
[ -n "$avg" ] || fail "no RTT summary from ping"
awk -v a="$avg" 'BEGIN { exit !(a >= 49 && a <= 60) }' \
  || fail "avg RTT $avg ms outside 49-60 ms for netem delay 50ms"
echo "netem_baseline: ok (netem 50ms -> avg RTT $avg ms on $(uname -r))"
