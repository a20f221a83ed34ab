#!/usr/bin/env bash
# bench/raw_ceiling.sh [SENDERS]: the kernel's ceiling for the dataplane's
# outer packets on this machine, with no crypto, no TUN and no TCP: one
# thread in netns `left` sends 1,456-byte packets (an ESP packet of a
# 1,400-byte inner one) to one receiving thread in netns `right`, for DUR
# seconds (default 5), RUNS times (default 3) each, through the benchmark's
# veth pair (`strongswan-peer.sh netns`). SENDERS (default "raw50 packetq
# packet packetring udp udpgso"): raw50 = IP_HDRINCL raw socket + sendmmsg (the
# dataplane's protocol 50 path where the next hop is not known), packetq =
# AF_PACKET + sendmmsg through the qdisc layer (where it is known), packet =
# the same with PACKET_QDISC_BYPASS, packetring = the same through the qdisc
# from a PACKET_TX_RING (one sendto per 64 frames), udp = UDP 4500 + sendmmsg, udpgso =
# UDP_SEGMENT (the dataplane's ESP-in-UDP path).
# Prints each side's line from `examples/raw_rate.rs`. Root; takes the
# interop lock as the other benchmarks do.
set -euo pipefail
HERE=$(cd "$(dirname "$0")/.." && pwd)
BIN=${BIN:-$HERE/target/release/examples/raw_rate}
DUR=${DUR:-5}
RUNS=${RUNS:-3}
SENDERS=${1:-raw50 packetq packet packetring udp udpgso}
if [ -z "${INTEROP:-}" ]; then
  INTEROP=$HERE/../shared/interop/strongswan-peer.sh
  [ -f "$INTEROP" ] || INTEROP=/work/shared/interop/strongswan-peer.sh
fi
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
[ -x "$BIN" ] || { echo "no $BIN (cargo build --release --example raw_rate)" >&2; exit 1; }
exec 9>/tmp/edgesh-interop.lock
flock 9
cleanup() { bash "$INTEROP" stop >/dev/null 2>&1 || true; ip link del veth-l 2>/dev/null || true; }
trap cleanup EXIT
cleanup
bash "$INTEROP" netns >/dev/null 2>&1
for s in $SENDERS; do
  recv=raw50
  case $s in udp|udpgso) recv=udp ;; esac
  for r in $(seq "$RUNS"); do
    ip netns exec right "$BIN" recv "$recv" $((DUR + 2)) > /tmp/raw_rate.recv &
    rp=$!
    sleep 0.5
    snd=$(ip netns exec left "$BIN" send "$s" 192.0.2.2 "$DUR" veth-l)
    wait "$rp"
    echo "$s run $r: $snd"
    echo "$s run $r: $(cat /tmp/raw_rate.recv) (over $((DUR + 2)) s)"
  done
done
