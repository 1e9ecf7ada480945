#!/bin/sh
# `make demo`: the whole system on one machine as a local simulation (scripts/demo.py says
# what is simulated and what is real). Run as root after `make` (make demo does both).
# While multicni, vdhcp or vdno-scheduler are not in the tree yet, the older demo below lends
# a veth "NIC" to a pod namespace with host-device and the reference static IPAM.
set -eu
cd "$(dirname "$0")/.."
if [ -x bin/multicni ] && [ -x bin/vdhcp ] && [ -x bin/vdno-scheduler ] &&
   [ -f conf-examples/multicni-table3.conflist ] && [ -f conf-examples/scheduler-4regions.json ]; then
	exec /usr/bin/python3 scripts/demo.py "$@"
fi
tag=$$
HOST=vdn-demo-$tag-host WIRE=vdn-demo-$tag-wire POD=vdn-demo-$tag-pod
STATE=$(mktemp -d)
cleanup() {
	for ns in $POD $WIRE $HOST; do ip netns del "$ns" 2>/dev/null || true; done
	rm -rf "$STATE"
}
trap cleanup EXIT INT TERM

say() { printf '\n== %s\n' "$*"; }

say "making a node namespace ($HOST) with a veth NIC nic0, and an empty pod ($POD)"
for ns in $HOST $WIRE $POD; do ip netns add "$ns"; done
ip -n "$HOST" link add nic0 type veth peer name wnic0 netns "$WIRE"
# the far end of the NIC's cable plays the gateway 10.123.0.1
ip -n "$WIRE" addr add 10.123.0.1/24 dev wnic0
ip -n "$WIRE" link set wnic0 up
ip -n "$HOST" -br link show nic0

CONF=$(cat <<JSON
{"cniVersion": "1.0.0", "name": "demo", "type": "host-device", "device": "nic0",
 "stateDir": "$STATE",
 "ipam": {"type": "static", "addresses": [{"address": "10.123.0.5/24", "gateway": "10.123.0.1"}],
          "routes": [{"dst": "0.0.0.0/0"}]}}
JSON
)
run() {
	echo "$CONF" | ip netns exec "$HOST" env CNI_COMMAND="$1" CNI_CONTAINERID=demo \
		CNI_NETNS=/run/netns/$POD CNI_IFNAME=eth0 CNI_PATH="$PWD/bin:/usr/lib/cni" \
		bin/host-device
}

say "CNI ADD: bin/host-device moves nic0 into the pod as eth0"
run ADD
say "the pod now has (ip -n $POD addr; ip -n $POD route):"
ip -n "$POD" addr show eth0
ip -n "$POD" route
say "the pod reaches the gateway at the other end of its NIC (ping -c 2 10.123.0.1):"
ip netns exec "$POD" ping -c 2 -W 2 10.123.0.1
say "the node no longer has nic0:"
ip -n "$HOST" -br link show nic0 2>&1 || true
say "CNI DEL: the NIC goes back to the node under its own name"
run DEL
ip -n "$HOST" -br link show nic0
say "done; removing the namespaces"
