#!/usr/bin/env bash
# bench/dataplane.sh - throughput of one IPsec tunnel between two network
# namespaces, for strongSwan <-> strongSwan (userspace libipsec),
# edgesh <-> strongSwan and edgesh <-> edgesh, AES-128-CBC/HMAC-SHA1-96 and
# AES-128-GCM: iperf3 TCP and UDP and ping through the tunnel, each RUNS
# times, printing min/median/max and each daemon's CPU per Gbit/s.
#
#   sudo bench/dataplane.sh [PAIRS] [SUITES]
#     PAIRS  (default "ss-ss edgesh-ss edgesh-edgesh")
#     SUITES (default "cbc gcm"; also "null": ESP-NULL with HMAC-SHA1-96,
#     edgesh-edgesh only, the dataplane's cost without a cipher)
#   Environment: EDGESH (default target/release/edgesh), BINS (several
#   builds to compare in one run, "label=path ...", e.g.
#   "before=/tmp/old-edgesh after=target/release/edgesh"), RUNS [3], DUR [10]
#   (seconds per iperf3 run), UDP_RATE [800M] (offered UDP rate), INTEROP
#   [/work/shared/interop/strongswan-peer.sh or ../shared/interop/...],
#   PERF=1 (perf record of the left daemon during each TCP run, the top of
#   `perf report` printed after the run; PERF=right: of the right daemon;
#   PERF=all: the whole machine, also split by command and object; PERF_KEEP=path
#   keeps each perf.data as path.TIME),
#   TESTS ["tcp udp ping"] (which measurements to make), DIAG=1 (after each UDP
#   run, where datagrams were dropped: devices, raw and UDP sockets), NAT=1
#   (edgesh-edgesh only: netns `left` rewrites its IKE source ports, 500 to
#   1500 and 4500 to 1501, with nft, so NAT-T finds a NAT and the tunnel
#   carries ESP in UDP 4500, RFC 3948, instead of IP protocol 50; needs nft),
#   FORCE_ENCAP=1 (edgesh-edgesh only: IKEv2 crypto maps with `nat force-encap`
#   in both profiles, so the tunnel carries ESP in UDP 4500 without any NAT).
#
# Topology (the interop tests' own, `strongswan-peer.sh netns`): netns
# `left` 192.0.2.1 on veth-l protecting 198.51.100.1 (on lo), netns `right`
# 192.0.2.2 on veth-r protecting 203.0.113.1; no NAT in between (strongSwan's
# libipsec fakes one and so carries ESP in UDP 4500; two edgesh carry ESP
# on IP protocol 50). iperf3 runs from 198.51.100.1 to 203.0.113.1.
#
# CPU: utime + stime of each daemon process (/proc/PID/stat) over an iperf3
# run, as "cpu%/Gbit/s" (percent of one core per Gbit/s carried). It takes
# the machine-wide interop lock (/tmp/edgesh-interop.lock), as the tests do.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
EDGESH=${EDGESH:-$HERE/target/release/edgesh}
RUNS=${RUNS:-3}
DUR=${DUR:-10}
UDP_RATE=${UDP_RATE:-800M}
if [ -z "${INTEROP:-}" ]; then
  INTEROP=$HERE/../shared/interop/strongswan-peer.sh
  [ -f "$INTEROP" ] || INTEROP=/work/shared/interop/strongswan-peer.sh
fi
PAIRS=${1:-ss-ss edgesh-ss edgesh-edgesh}
SUITES=${2:-cbc gcm}
TESTS=${TESTS:-tcp udp ping}
export BASE=${TMPDIR:-/tmp}/edgesh-bench
export PSK=bench-psk-0123
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "iperf3 is missing (apt-get install iperf3)" >&2; exit 1; }
BINS=${BINS:-edgesh=$EDGESH}
for b in $BINS; do
  [ -x "${b#*=}" ] || { echo "no edgesh binary at ${b#*=} (cargo build --release)" >&2; exit 1; }
done

PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  bash "$INTEROP" stop >/dev/null 2>&1 || true
  ip link del veth-l 2>/dev/null || true
}
# The namespaces are shared with the interop tests: touch them only with the lock held.
exec 9>/tmp/edgesh-interop.lock
flock 9
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
HZ=$(getconf CLK_TCK)

# The IOS crypto map of edgesh on `side` (left or right) for `suite`.
ios_conf() { # side suite
  local me peer mine theirs ts
  if [ "$1" = left ]; then me=192.0.2.1 peer=192.0.2.2 mine=198.51.100.1 theirs=203.0.113.1
  else me=192.0.2.2 peer=192.0.2.1 mine=203.0.113.1 theirs=198.51.100.1; fi
  case $2 in
    gcm) ts="esp-gcm 128" ;;
    null) ts="esp-null esp-sha-hmac" ;;
    *) ts="esp-aes esp-sha-hmac" ;;
  esac
  # IKE: IKEv1 (ESP on protocol 50 without a NAT), or with FORCE_ENCAP IKEv2
  # with `nat force-encap` on both ends (ESP in UDP 4500 without a NAT).
  local ike map_ike
  if [ -n "${FORCE_ENCAP:-}" ]; then
    ike="crypto ikev2 proposal P1
 encryption aes-cbc-128
 integrity sha1
 group 14
crypto ikev2 policy POL
 proposal P1
crypto ikev2 keyring KR
 peer PEER
  address $peer
  pre-shared-key $PSK
crypto ikev2 profile PROF
 match identity remote address $peer 255.255.255.255
 authentication local pre-share
 authentication remote pre-share
 keyring local KR
 nat force-encap"
    map_ike=" set ikev2-profile PROF"
  else
    ike="crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 14
crypto isakmp key $PSK address $peer"
    map_ike=" set pfs group14"
  fi
  cat <<EOF
hostname $1
$ike
crypto ipsec transform-set TS $ts
 mode tunnel
access-list 101 permit ip host $mine host $theirs
crypto map VPN 10 ipsec-isakmp
 set peer $peer
 set transform-set TS
$map_ike
 match address 101
interface GigabitEthernet0/0
 ip address $me 255.255.255.0
 crypto map VPN
end
EOF
}

# edgesh in netns `side`; its stdin stays open (a pipe from sleep).
start_edgesh() { # side suite
  local d=$BASE/edgesh-$1
  rm -rf "$d"; mkdir -p "$d"
  ios_conf "$1" "$2" >"$d/boot.cfg"
  mkfifo "$d/stdin"
  sleep 100000 >"$d/stdin" &
  PIDS+=($!)
  ip netns exec "$1" "$EDGESH" --dialect ios --config "$d/boot.cfg" --state-dir "$d" <"$d/stdin" >"$d/stdout.txt" 2>"$d/stderr.txt" &
  PIDS+=($!)
  echo $! >"$d/pid"
}

# Route the far protected address into edgesh0 in `side` (once it exists).
route_edgesh() { # side
  local far src
  if [ "$1" = left ]; then far=203.0.113.1 src=198.51.100.1; else far=198.51.100.1 src=203.0.113.1; fi
  for _ in $(seq 100); do ip -n "$1" link show edgesh0 >/dev/null 2>&1 && break; sleep 0.1; done
  ip -n "$1" link set edgesh0 up
  ip -n "$1" route replace "$far/32" dev edgesh0 src "$src"
}

# Start the pair; returns when a ping crosses the tunnel.
setup() { # pair suite
  local esp=aes128-sha1-modp2048
  [ "$2" = gcm ] && esp=aes128gcm16-modp2048
  bash "$INTEROP" stop >/dev/null 2>&1 || true
  ip link del veth-l 2>/dev/null || true
  bash "$INTEROP" netns >/dev/null 2>&1
  if [ -n "${NAT:-}" ] && [ "$1" = edgesh-edgesh ]; then
    # A port-rewriting NAT in front of left (gone with the namespace).
    ip netns exec left nft -f - <<'NFT'
table ip edgesh_bench_nat {
  chain post {
    type nat hook postrouting priority srcnat; policy accept;
    udp sport 500 snat to 192.0.2.1:1500
    udp sport 4500 snat to 192.0.2.1:1501
  }
}
NFT
  fi
  case $1 in
    ss-ss)
      IKE_VERSION=1 IKE_PROPOSAL=aes128-sha1-modp2048 ESP_PROPOSAL=$esp bash "$INTEROP" start-right >/dev/null 2>&1
      IKE_VERSION=1 IKE_PROPOSAL=aes128-sha1-modp2048 ESP_PROPOSAL=$esp bash "$INTEROP" start-left >/dev/null 2>&1
      bash "$INTEROP" initiate left >/dev/null 2>&1 ;;
    edgesh-ss)
      IKE_VERSION=1 IKE_PROPOSAL=aes128-sha1-modp2048 ESP_PROPOSAL=$esp bash "$INTEROP" start-right >/dev/null 2>&1
      start_edgesh left "$2"; route_edgesh left ;;
    edgesh-edgesh)
      start_edgesh left "$2"; start_edgesh right "$2"; route_edgesh left; route_edgesh right ;;
  esac
  for _ in $(seq 60); do
    ip netns exec left ping -c1 -W1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1 && return 0
  done
  echo "no traffic crosses the $1 $2 tunnel" >&2
  return 1
}

daemon_pids() { # pair -> "left right"
  local l r
  case $1 in
    ss-ss) l=$(cat "$BASE/left/charon.pid"); r=$(cat "$BASE/right/charon.pid") ;;
    edgesh-ss) l=$(cat "$BASE/edgesh-left/pid"); r=$(cat "$BASE/right/charon.pid") ;;
    edgesh-edgesh) l=$(cat "$BASE/edgesh-left/pid"); r=$(cat "$BASE/edgesh-right/pid") ;;
  esac
  echo "$l $r"
}

stats() { # values... -> "min/median/max"
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s/%s/%s", a[1], a[int((NR+1)/2)], a[NR]}'
}

# One iperf3 run: prints "Mbit/s retransmits|loss% cpuL cpuR" (cpu in % of a core per Gbit/s).
iperf_run() { # pair udp?
  local pl pr t0l t0r out mbit extra cl cr
  read -r pl pr <<<"$(daemon_pids "$1")"
  t0l=$(ticks "$pl"); t0r=$(ticks "$pr")
  if [ "$2" = udp ]; then
    out=$(ip netns exec left iperf3 -J -u -b "$UDP_RATE" -l 1300 -t "$DUR" -B 198.51.100.1 -c 203.0.113.1 2>/dev/null)
    mbit=$(jq '.end.sum.bits_per_second * (100 - .end.sum.lost_percent) / 100 / 1e6' <<<"$out")
    extra=$(jq '.end.sum.lost_percent' <<<"$out")
    if [ -n "${DIAG:-}" ]; then
      # Where the lost datagrams went: each device's drops, the raw and UDP sockets' overflows.
      for ns in left right; do
        echo "== $ns" >&2
        ip -n "$ns" -s link show edgesh0 2>/dev/null | sed -n '3,6p' >&2 || true
        ip -n "$ns" -s link show veth-${ns:0:1} 2>/dev/null | sed -n '3,6p' >&2 || true
        ip netns exec "$ns" awk 'NR > 1 && $NF > 0 {print "raw drops", $NF}' /proc/net/raw >&2
        ip netns exec "$ns" nstat -az 2>/dev/null | grep -E 'UdpRcvbufErrors|UdpInErrors|IpInDiscards|IpOutDiscards' >&2 || true
      done
    fi
  else
    local who=(-p "$pl")
    [ "${PERF:-}" = right ] && who=(-p "$pr")
    [ "${PERF:-}" = all ] && who=(-a)
    [ -n "${PERF:-}" ] && { perf record -q -F 499 -g "${who[@]}" -o "$BASE/perf.data" -- sleep "$DUR" >/dev/null 2>&1 & }
    out=$(ip netns exec left iperf3 -J -t "$DUR" -B 198.51.100.1 -c 203.0.113.1 2>/dev/null)
    [ -n "${PERF:-}" ] && {
      wait
      [ "$PERF" = all ] && perf report -i "$BASE/perf.data" --no-children --sort comm,dso --percent-limit 1 --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25 >&2
      perf report -i "$BASE/perf.data" --no-children --percent-limit 2 --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25 >&2
      [ -n "${PERF_KEEP:-}" ] && cp "$BASE/perf.data" "$PERF_KEEP.$(date +%s)"
    }
    mbit=$(jq '.end.sum_received.bits_per_second / 1e6' <<<"$out")
    extra=$(jq '.end.sum_sent.retransmits' <<<"$out")
  fi
  cl=$(ticks "$pl"); cr=$(ticks "$pr")
  awk -v m="$mbit" -v x="$extra" -v l=$((cl - t0l)) -v r=$((cr - t0r)) -v hz="$HZ" -v d="$DUR" 'BEGIN {
    g = m / 1000; if (g <= 0) g = 1e-9
    printf "%.0f %.2f %.0f %.0f\n", m, x, l / hz / d * 100 / g, r / hz / d * 100 / g }'
}

printf '%-22s %-4s %-5s %-20s %-18s %-16s %-16s\n' pair suite test "Mbit/s min/med/max" "retr|loss% med" "cpu%/Gbit/s L" "cpu%/Gbit/s R"
runs=()
for pair in $PAIRS; do
  case $pair in
    ss-ss) runs+=("ss-ss=") ;;
    edgesh-edgesh) for b in ${EE_BINS:-$BINS}; do runs+=("$pair=$b"); done ;;
    *) for b in $BINS; do runs+=("$pair=$b"); done ;;
  esac
done
for run in "${runs[@]}"; do
  pair=${run%%=*}; bin=${run#*=}
  label=$pair
  if [ -n "$bin" ]; then EDGESH=${bin#*=}; [ "$BINS" = "edgesh=$EDGESH" ] || label="$pair(${bin%%=*})"; fi
  for suite in $SUITES; do
    if ! setup "$pair" "$suite"; then
      printf '%-22s %-4s failed to set up\n' "$label" "$suite"
      cleanup; PIDS=(); continue
    fi
    ip netns exec right iperf3 -s -D -B 203.0.113.1 -I "$BASE/iperf3.pid"
    sleep 0.5
    for test in $TESTS; do
      [ "$test" = ping ] && continue
      m=(); x=(); l=(); r=()
      for _ in $(seq "$RUNS"); do
        read -r a b c d <<<"$(iperf_run "$pair" "$test")"
        m+=("$a"); x+=("$b"); l+=("$c"); r+=("$d")
        sleep 1
      done
      printf '%-22s %-4s %-5s %-20s %-18s %-16s %-16s\n' "$label" "$suite" "$test" "$(stats "${m[@]}")" "$(stats "${x[@]}" | cut -d/ -f2)" "$(stats "${l[@]}" | cut -d/ -f2)" "$(stats "${r[@]}" | cut -d/ -f2)"
    done
    if [[ " $TESTS " == *" ping "* ]]; then
      rtt=$(ip netns exec left ping -q -c 20 -i 0.05 -I 198.51.100.1 203.0.113.1 | awk '/rtt/ {split($4, a, "/"); print a[2] " (min " a[1] ")"}')
      printf '%-22s %-4s ping  avg rtt %s ms\n' "$label" "$suite" "$rtt"
    fi
    kill "$(cat "$BASE/iperf3.pid")" 2>/dev/null || true
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    PIDS=()
    bash "$INTEROP" stop >/dev/null 2>&1 || true
  done
done
