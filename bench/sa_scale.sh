#!/usr/bin/env bash
# bench/sa_scale.sh - does the per-packet cost of the dataplane grow with the
# number of child SAs? Two edgesh (IOS dialect, IKEv1 crypto map) in network
# namespaces, configured with N child SAs to one peer; all N are brought up
# (timed: quick modes per second), then iperf3 TCP and ping run through ONE
# of them, AES-128-CBC/HMAC-SHA1-96 and AES-128-GCM, each RUNS times,
# printing min/median/max and each daemon's CPU per Gbit/s (as
# bench/dataplane.sh does), and the count of SA pairs each side shows while
# the traffic flows.
#
#   sudo bench/sa_scale.sh [COUNTS] [SUITES]
#     COUNTS (default "1 10000"): N, the child SAs of the crypto map entry
#     SUITES (default "cbc gcm")
#   Environment: EDGESH (default target/release/edgesh), RUNS [3], DUR [10]
#   (seconds per iperf3 run), PFS [none] (e.g. group14: a DH exchange per
#   quick mode), UP_TIMEOUT [600] (seconds to wait for the N SAs), STALL
#   [20] and FILL [6] (when the count has not moved for STALL seconds, a
#   packet of a host pair without an SA restarts the negotiation of what is
#   missing, at most FILL times: see docs/speed.md, "SA scale"), HOLD
#   (seconds to keep both daemons after the measurement, to look at them), PERF=1
#   (perf record of the left daemon during each TCP run, the top of `perf
#   report` printed after the run; PERF=all: the whole machine; PERF_KEEP=path
#   keeps each perf.data as path.TIME), LOCK [/tmp/edgesh-interop.lock].
#
# Configuration: N host pairs, `permit ip host 198.51.100.A host 203.0.113.B`,
# A and B from 1 to ceil(sqrt(N)) (10,000 = 100 x 100 host pairs, all within
# the two protected /24s), mirrored on both sides, all over one ISAKMP SA:
#   MODE=entries (default): N / LINES [10] crypto map entries to the one
#     peer, each with an access list of LINES host pairs; a UDP datagram for
#     each entry's first pair (BATCH [25] datagrams every PACE [0.1]
#     seconds) starts the entry's LINES quick modes. (LINES=1 gives 10,000
#     entries, whose configuration takes minutes to load: see README.)
#   MODE=acl: one crypto map entry whose access list has the N lines; edgesh
#     negotiates each line as its own child SA, all N quick modes at once
#     when the first packet arrives. With thousands of lines that burst
#     overflows the peers' IKE socket buffers (see docs/speed.md, "SA scale").
# Traffic (iperf3, ping) runs between 198.51.100.1 and 203.0.113.1, the
# first line; a sample of other host pairs is pinged to show their SAs carry
# traffic too (the addresses sit on lo, 203.0.113.0/24 and 198.51.100.0/24
# are routed into edgesh0).
#
# Topology: namespaces `scale-l` (192.0.2.1 on scale-vl) and `scale-r`
# (192.0.2.2 on scale-vr), a veth pair, no NAT (ESP on IP protocol 50). It
# takes the machine-wide interop lock (/tmp/edgesh-interop.lock) so that it
# never runs beside bench/dataplane.sh or the interop tests.
set -euo pipefail

HERE=$(cd "$(dirname "$0")/.." && pwd)
EDGESH=${EDGESH:-$HERE/target/release/edgesh}
RUNS=${RUNS:-3}
DUR=${DUR:-10}
PFS=${PFS:-}
UP_TIMEOUT=${UP_TIMEOUT:-600}
STALL=${STALL:-20}
MODE=${MODE:-entries}
LINES=${LINES:-10}
BATCH=${BATCH:-25}
PACE=${PACE:-0.1}
FILL=${FILL:-6}
COUNTS=${1:-1 10000}
SUITES=${2:-cbc gcm}
BASE=${TMPDIR:-/tmp}/edgesh-sa-scale
PSK=bench-psk-0123
NL=scale-l NR=scale-r
[ "$(id -u)" = 0 ] || { echo "must run as root" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "iperf3 is missing (apt-get install iperf3)" >&2; exit 1; }
[ -x "$EDGESH" ] || { echo "no edgesh binary at $EDGESH (cargo build --release)" >&2; exit 1; }

PIDS=()
stop_daemons() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null || true; done
  PIDS=()
}
cleanup() {
  stop_daemons
  [ -f "$BASE/iperf3.pid" ] && kill "$(cat "$BASE/iperf3.pid")" 2>/dev/null || true
  rm -f "$BASE/iperf3.pid"
  ip netns del "$NL" 2>/dev/null || true
  ip netns del "$NR" 2>/dev/null || true
}
exec 9>"${LOCK:-/tmp/edgesh-interop.lock}"
flock 9
trap cleanup EXIT

ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# CPU ticks of the threads of a process that are not the dataplane's own
# (dp-tx, dp-rx): the network (IKE) thread and the console, which take the
# per-SA byte counts to the engine.
ctl_ticks() {
  local t sum=0
  for t in /proc/"$1"/task/*; do
    case $(cat "$t/comm" 2>/dev/null) in dp-tx | dp-rx) continue ;; esac
    sum=$((sum + $(awk '{print $14 + $15}' "$t/stat" 2>/dev/null || echo 0)))
  done
  echo "$sum"
}
HZ=$(getconf CLK_TCK)

ns_of() { [ "$1" = left ] && echo "$NL" || echo "$NR"; }

# The namespaces, the veth pair and the protected host addresses (H per side, on lo).
netns() { # hosts
  cleanup
  ip netns add "$NL"
  ip netns add "$NR"
  ip link add scale-vl netns "$NL" type veth peer name scale-vr netns "$NR"
  ip -n "$NL" addr add 192.0.2.1/24 dev scale-vl
  ip -n "$NR" addr add 192.0.2.2/24 dev scale-vr
  for ns in "$NL" "$NR"; do
    ip -n "$ns" link set lo up
  done
  ip -n "$NL" link set scale-vl up
  ip -n "$NR" link set scale-vr up
  local i
  for i in $(seq "$1"); do
    printf 'address add 198.51.100.%d/32 dev lo\n' "$i"
  done | ip -n "$NL" -batch -
  for i in $(seq "$1"); do
    printf 'address add 203.0.113.%d/32 dev lo\n' "$i"
  done | ip -n "$NR" -batch -
  ip netns exec "$NL" ping -c1 -W2 192.0.2.2 >/dev/null
}

# The side of a host pair list: H x H hosts, the first N pairs.
hosts_for() { awk -v n="$1" 'BEGIN { h = 1; while (h * h < n) h++; print h }'; }

# The IOS configuration of edgesh on `side` with N child SAs.
ios_conf() { # side suite n
  local me peer ts h
  if [ "$1" = left ]; then me=192.0.2.1 peer=192.0.2.2; else me=192.0.2.2 peer=192.0.2.1; fi
  if [ "$2" = gcm ]; then ts="esp-gcm 128"; else ts="esp-aes esp-sha-hmac"; fi
  h=$(hosts_for "$3")
  cat <<EOF
hostname $1
crypto isakmp policy 10
 encr aes
 hash sha
 authentication pre-share
 group 14
crypto isakmp key $PSK address $peer
crypto ipsec transform-set TS $ts
 mode tunnel
EOF
  awk -v n="$3" -v h="$h" -v side="$1" -v lines="$LINES" -v mode="$MODE" -v peer="$peer" -v pfs="$PFS" 'BEGIN {
    if (mode == "acl") print "ip access-list extended SCALE"
    for (k = 0; k < n; k++) {
      a = int(k / h) + 1; b = k % h + 1
      if (mode != "acl" && k % lines == 0) printf "ip access-list extended S%d\n", k / lines
      if (side == "left") printf " permit ip host 198.51.100.%d host 203.0.113.%d\n", a, b
      else printf " permit ip host 203.0.113.%d host 198.51.100.%d\n", b, a
    }
    for (k = 0; k < (mode == "acl" ? 1 : int((n + lines - 1) / lines)); k++) {
      printf "crypto map VPN %d ipsec-isakmp\n set peer %s\n set transform-set TS\n", k + 1, peer
      if (pfs != "") printf " set pfs %s\n", pfs
      printf " match address %s\n", mode == "acl" ? "SCALE" : "S" k
    } }'
  cat <<EOF
interface GigabitEthernet0/0
 ip address $me 255.255.255.0
 crypto map VPN
end
EOF
}

# One UDP datagram (to port 9) from the left end of every STRIDEth host
# pair K below N to its right end, BATCH datagrams every PACE seconds: with
# MODE=entries one for the first pair of each entry starts the negotiation
# of the entry's lines; one for every pair restarts what is missing.
kick() { # stride
  ip netns exec "$NL" python3 - "$1" "$n" "$(hosts_for "$n")" "$BATCH" "$PACE" <<'PY'
import socket, sys, time
stride, hi, h, batch, pace = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
socks = {}
lo = 0
for k in range(0, hi, stride):
    a, b = k // h + 1, k % h + 1
    s = socks.get(a)
    if s is None:
        s = socks[a] = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.bind((f"198.51.100.{a}", 0))
    try:
        s.sendto(b"x", (f"203.0.113.{b}", 9))
    except OSError:
        pass
    if (k // stride + 1) % batch == 0:
        time.sleep(pace)
PY
}

# edgesh in the namespace of `side`; its stdin is a FIFO kept open, so that
# commands can be written to it (their output goes to stdout.txt).
start_edgesh() { # side suite n
  local d=$BASE/edgesh-$1
  rm -rf "$d"; mkdir -p "$d"
  ios_conf "$1" "$2" "$3" >"$d/boot.cfg"
  mkfifo "$d/stdin"; : >"$d/stdout.txt"
  sleep 100000 >"$d/stdin" &
  PIDS+=($!)
  ip netns exec "$(ns_of "$1")" "$EDGESH" --dialect ios --config "$d/boot.cfg" --state-dir "$d" <"$d/stdin" >"$d/stdout.txt" 2>"$d/stderr.txt" &
  PIDS+=($!)
  echo $! >"$d/pid"
  printf 'enable\nterminal length 0\n' >"$d/stdin"
}

# Run one exec command on `side` and print its output (the lines after its echo).
cli() { # side command
  local d=$BASE/edgesh-$1 before
  before=$(wc -l <"$d/stdout.txt")
  echo "$2" >"$d/stdin"
  echo "show clock" >"$d/stdin"
  # Done when the prompt of the next command is there.
  local i
  for i in $(seq 6000); do
    tail -n +"$((before + 1))" "$d/stdout.txt" | grep -q '#show clock$' && break
    kill -0 "$(cat "$d/pid")" 2>/dev/null || { echo "edgesh on $1 is gone: $(tail -3 "$d/stderr.txt")" >&2; return 1; }
    sleep 0.05
  done
  tail -n +"$((before + 1))" "$d/stdout.txt" | awk -v c="$2" 'index($0, "#" c) { on = 1; next } /#show clock$/ { exit } on'
}

# The SA pairs `side` shows (flows whose outbound SPI is not 0: an access
# list line without an SA is listed with "current outbound spi: 0x0(0)").
sa_pairs() { # side
  cli "$1" "show crypto ipsec sa | count current outbound spi: 0x[1-9A-F]" | awk '/Number of lines/ { print $NF }'
}

# A host pair (A B: 198.51.100.A, 203.0.113.B) `side` has no SA for, if any.
missing_pair() { # side
  cli "$1" "show crypto ipsec sa | include ident|current outbound spi" | awk '
    /local  ident/ { split($0, x, "[(/]"); l = x[6] }
    /remote ident/ { split($0, x, "[(/]"); r = x[6] }
    /current outbound spi: 0x0\(/ { print l, r; exit }' | awk -v side="$1" '{
      if (side == "right") { t = $1; $1 = $2; $2 = t }
      split($1, a, "."); split($2, b, "."); print a[4], b[4] }'
}

# Route the far /24 into edgesh0 in `side` (once the device exists).
route_edgesh() { # side
  local far ns
  if [ "$1" = left ]; then far=203.0.113.0/24; else far=198.51.100.0/24; fi
  ns=$(ns_of "$1")
  for _ in $(seq 100); do ip -n "$ns" link show edgesh0 >/dev/null 2>&1 && break; sleep 0.1; done
  ip -n "$ns" link set edgesh0 up
  ip -n "$ns" route replace "$far" dev edgesh0
}

stats() { # values... -> "min/median/max"
  printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {printf "%s/%s/%s", a[1], a[int((NR+1)/2)], a[NR]}'
}

# One iperf3 TCP run: prints "Mbit/s retransmits cpuL cpuR ctlL" (cpu in %
# of a core per Gbit/s; ctlL: the left daemon's threads other than dp-tx and
# dp-rx, in % of a core).
iperf_run() {
  local pl pr t0l t0r out mbit extra cl cr c0 c1
  pl=$(cat "$BASE/edgesh-left/pid"); pr=$(cat "$BASE/edgesh-right/pid")
  t0l=$(ticks "$pl"); t0r=$(ticks "$pr"); c0=$(ctl_ticks "$pl")
  local who=(-p "$pl"); [ "${PERF:-}" = all ] && who=(-a)
  [ -n "${PERF:-}" ] && { perf record -q -F 499 -g "${who[@]}" -o "$BASE/perf.data" -- sleep "$DUR" >/dev/null 2>&1 & }
  out=$(ip netns exec "$NL" iperf3 -J -t "$DUR" -B "$TA" -c "$TB" 2>/dev/null)
  [ -n "${PERF:-}" ] && { wait; perf report -i "$BASE/perf.data" --no-children --percent-limit 1.5 --stdio 2>/dev/null | grep -E '^ +[0-9.]+%' | head -25 >&2; if [ -n "${PERF_KEEP:-}" ]; then cp "$BASE/perf.data" "$PERF_KEEP.$(date +%s)"; fi; }
  mbit=$(jq '.end.sum_received.bits_per_second / 1e6' <<<"$out")
  extra=$(jq '.end.sum_sent.retransmits' <<<"$out")
  cl=$(ticks "$pl"); cr=$(ticks "$pr"); c1=$(ctl_ticks "$pl")
  awk -v m="$mbit" -v x="$extra" -v l=$((cl - t0l)) -v r=$((cr - t0r)) -v c=$((c1 - c0)) -v hz="$HZ" -v d="$DUR" 'BEGIN {
    g = m / 1000; if (g <= 0) g = 1e-9
    printf "%.0f %.0f %.0f %.0f %.0f\n", m, x, l / hz / d * 100 / g, r / hz / d * 100 / g, c / hz / d * 100 }'
}

printf '%-6s %-4s %-7s %-6s %-20s %-6s %-14s %-14s %-7s %-8s %s\n' N suite up-s "QM/s" "TCP Mbit/s min/med/max" "retr" "cpu%/Gbit/s L" "cpu%/Gbit/s R" "ctl% L" "ping ms" "SA pairs L/R (sample pings)"
for suite in $SUITES; do
  for n in $COUNTS; do
    h=$(hosts_for "$n")
    netns "$h"
    start_edgesh right "$suite" "$n"
    start_edgesh left "$suite" "$n"
    # Wait until both have loaded their configuration (the console answers).
    cli left "show clock" >/dev/null; cli right "show clock" >/dev/null
    route_edgesh left; route_edgesh right
    t0=$(date +%s.%N)
    if [ "$MODE" = acl ]; then
      # The first packet starts the negotiation of every line of the entry.
      ip netns exec "$NL" ping -c1 -W1 -I 198.51.100.1 203.0.113.1 >/dev/null 2>&1 || true
    else
      # A packet per entry, paced.
      kick "$LINES"
    fi
    # Wait until both sides show N, or until nothing changes for STALL
    # seconds; then a packet of a host pair one side has no SA for starts
    # that side's negotiation of every missing line (at most FILL rounds).
    up="" last="" still=$(date +%s) rounds=0
    while :; do
      l=$(sa_pairs left); r=$(sa_pairs right)
      if [ "${l:-0}" -ge "$n" ] && [ "${r:-0}" -ge "$n" ]; then up=$(date +%s.%N); break; fi
      if awk -v a="$t0" -v b="$(date +%s.%N)" -v t="$UP_TIMEOUT" 'BEGIN { exit !(b - a > t) }'; then break; fi
      if [ "$l/$r" != "$last" ]; then last="$l/$r" still=$(date +%s); fi
      if [ $(($(date +%s) - still)) -ge "$STALL" ]; then
        [ "$rounds" -ge "$FILL" ] && break
        rounds=$((rounds + 1))
        echo "  N=$n $suite: $l/$r SA pairs after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s, stalled: fill round $rounds" >&2
        [ "$MODE" = acl ] || kick 1
        for side in left right; do
          read -r a b <<<"$(missing_pair "$side")"
          [ -z "${a:-}" ] && continue
          if [ "$side" = left ]; then
            ip netns exec "$NL" ping -c1 -W1 -I "198.51.100.$a" "203.0.113.$b" >/dev/null 2>&1 || true
          else
            ip netns exec "$NR" ping -c1 -W1 -I "203.0.113.$b" "198.51.100.$a" >/dev/null 2>&1 || true
          fi
        done
        still=$(date +%s)
      fi
      sleep 0.5
    done
    if [ -z "$up" ]; then
      secs="-" rate="-"
      echo "  N=$n $suite: only $l/$r SA pairs up after $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s ($rounds fill rounds): measuring anyway" >&2
    else
      secs=$(awk -v a="$t0" -v b="$up" 'BEGIN { printf "%.1f", b - a }')
    rate=$(awk -v s="$secs" -v n="$n" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 1e-9) }')
      [ "$rounds" -gt 0 ] && secs="$secs($rounds)"
    fi
    # The measured pair: the first host pair a ping crosses.
    TA="" TB=""
    for k in $(seq 0 $((n < 50 ? n - 1 : 49))); do
      a=$((k / h + 1)) b=$((k % h + 1))
      if ip netns exec "$NL" ping -c1 -W1 -I "198.51.100.$a" "203.0.113.$b" >/dev/null 2>&1; then TA=198.51.100.$a TB=203.0.113.$b; break; fi
    done
    if [ -z "$TA" ]; then
      printf '%-6s %-4s no host pair carries traffic\n' "$n" "$suite"
      stop_daemons; continue
    fi
    [ "$TA/$TB" = 198.51.100.1/203.0.113.1 ] || echo "  N=$n $suite: measured through $TA -> $TB" >&2
    rm -f "$BASE/iperf3.pid"
    ip netns exec "$NR" iperf3 -s -D -B "$TB" -I "$BASE/iperf3.pid"
    sleep 0.5
    m=(); x=(); cl=(); cr=(); ct=()
    for _ in $(seq "$RUNS"); do
      read -r a b c d e <<<"$(iperf_run)"
      m+=("$a"); x+=("$b"); cl+=("$c"); cr+=("$d"); ct+=("$e")
      sleep 1
    done
    # The SA pairs while traffic flows (an iperf3 run in the background).
    ip netns exec "$NL" iperf3 -t 5 -B "$TA" -c "$TB" >/dev/null 2>&1 &
    ipf=$!
    sleep 1
    l=$(sa_pairs left); r=$(sa_pairs right)
    wait "$ipf" || true
    rtt=$(ip netns exec "$NL" ping -q -c 20 -i 0.05 -I "$TA" "$TB" | awk -F/ '/rtt/ {print $5}')
    # Other SAs than the measured one carry traffic too: ping a sample of host pairs.
    ok=0 tried=0
    for k in $(awk -v n="$n" 'BEGIN { srand(1); for (i = 0; i < 10; i++) print int(rand() * n) }'); do
      a=$((k / h + 1)) b=$((k % h + 1))
      tried=$((tried + 1))
      ip netns exec "$NL" ping -c1 -W1 -I "198.51.100.$a" "203.0.113.$b" >/dev/null 2>&1 && ok=$((ok + 1))
    done
    printf '%-6s %-4s %-7s %-6s %-20s %-6s %-14s %-14s %-7s %-8s %s\n' "$n" "$suite" "$secs" "$rate" "$(stats "${m[@]}")" \
      "$(stats "${x[@]}" | cut -d/ -f2)" "$(stats "${cl[@]}" | cut -d/ -f2)" "$(stats "${cr[@]}" | cut -d/ -f2)" \
      "$(stats "${ct[@]}" | cut -d/ -f2)" "$rtt" "$l/$r ($ok/$tried)"
    kill "$(cat "$BASE/iperf3.pid")" 2>/dev/null || true
    [ -n "${HOLD:-}" ] && sleep "$HOLD"
    stop_daemons
  done
done
