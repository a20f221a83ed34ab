#!/usr/bin/env bash
# Automation clients against a freshly started edgesh SSH server:
#   * ../shared/clients/netmiko_check.py --device-type cisco_ios (a level-15
#     user, then a level-1 user that needs `enable` and the enable secret);
#   * scrapli's IOS-XE driver (tests/clients/scrapli_iosxe.py);
#   * Netmiko's ericsson_ipos driver on the SmartEdge dialect (tests/clients/netmiko_ipos.py);
#   * Netmiko's cisco_asa driver on the ASA dialect (tests/clients/netmiko_asa.py).
# The clients live in a Python venv of their own (pinned versions).
#
# Usage: tests/clients/run.sh EDGESH_BINARY
# Without network (pip fails) it says SKIPPED loudly and exits 0, unless
# EDGESH_CLIENTS_REQUIRED=1 (as .ci/run sets it): then it fails.
set -uo pipefail
BIN=$(realpath "$1")
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# Our own venv, without Genie: netmiko_check.py's Genie step parses `show
# crypto isakmp sa`, and on a freshly started router there is no SA; Genie's
# iosxe parser rejects the empty table (SchemaMissingKeyError on
# isakmp_stats), as it would on a real IOS box without SAs, so the step is
# left to SKIP here. A second run below uses the parser venv (with Genie,
# $EDGESH_PYVENV from .ci/run) against an edgesh whose VTI is negotiating, so
# `show crypto isakmp sa` has a row and netmiko_check's Genie step runs.
# golden/tests/parsers.rs also checks Genie on a lab transcript with a tunnel up.
VENV=${EDGESH_CLIENTS_VENV:-$ROOT/target/clients-venv}
REQUIRED=${EDGESH_CLIENTS_REQUIRED:-0}
NETMIKO_CHECK=$ROOT/../shared/clients/netmiko_check.py
[ -f "$NETMIKO_CHECK" ] || NETMIKO_CHECK=/work/shared/clients/netmiko_check.py

skip() {
    echo "!!! SKIPPED automation-client tests: $*"
    if [ "$REQUIRED" = 1 ]; then exit 1; fi
    exit 0
}

[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV" || skip "cannot create a Python venv"
"$VENV/bin/pip" install -q --disable-pip-version-check \
    netmiko==4.8.0 ntc-templates==9.3.0 textfsm==2.1.0 ciscoconfparse==1.9.52 scrapli==2026.10.14 \
    || skip "pip install failed (no network?)"
PY=$VENV/bin/python

WORK=$(mktemp -d)
PID=
PORT=
start() { # DIALECT CONFIG [EXTRA-ARGS...]
    local log=$WORK/edgesh-$1.log d=$1 c=$2
    shift 2
    "$BIN" --dialect "$d" --config "$c" --state-dir "$WORK/state-$d" --ssh 127.0.0.1:0 "$@" </dev/null >/dev/null 2>"$log" &
    PID=$!
    for _ in $(seq 1 100); do
        PORT=$(sed -n 's/^% SSH server listening on .*:\([0-9]*\)$/\1/p' "$log")
        [ -n "$PORT" ] && return 0
        sleep 0.1
    done
    echo "edgesh did not start:"; cat "$log"; exit 1
}
stop() {
    kill -TERM "$PID"
    wait "$PID"
    local rc=$?
    if [ $rc -ne 0 ]; then echo "FAIL edgesh exited $rc on SIGTERM"; FAILED=1; else echo "PASS edgesh stopped on SIGTERM with status 0"; fi
}

FAILED=0
run() { # NAME COMMAND...
    echo "== $1"
    shift
    if ! timeout 300 "$@"; then FAILED=1; fi
}

start ios "$HERE/ios.cfg"
if [ -f "$NETMIKO_CHECK" ]; then
    run "netmiko_check.py cisco_ios, privilege 15" "$PY" "$NETMIKO_CHECK" 127.0.0.1 "$PORT" admin cisco --device-type cisco_ios
    run "netmiko_check.py cisco_ios, privilege 1 + enable secret" "$PY" "$NETMIKO_CHECK" 127.0.0.1 "$PORT" ops opspw --secret en4ble --device-type cisco_ios
else
    echo "!!! SKIPPED netmiko_check.py: $NETMIKO_CHECK is not on this machine"
    [ "$REQUIRED" = 1 ] && FAILED=1
fi
run "scrapli IOS-XE driver" "$PY" "$HERE/scrapli_iosxe.py" 127.0.0.1 "$PORT" ops opspw en4ble
stop

# netmiko_check.py with Genie: a VTI to 192.0.2.2 starts main mode at boot
# (--no-network: no packet leaves, the SA stays in MM_NO_STATE), so the
# ISAKMP table has a row for Genie's IOS-XE parser.
GPY=${EDGESH_PYVENV:-}/bin/python
if [ -f "$NETMIKO_CHECK" ] && [ -n "${EDGESH_PYVENV:-}" ] && "$GPY" -c 'import genie, netmiko' 2>/dev/null; then
    cat "$HERE/ios.cfg" "$HERE/ios_vti.cfg" > "$WORK/ios-vti.cfg"
    start ios "$WORK/ios-vti.cfg" --no-network
    echo "== netmiko_check.py cisco_ios with Genie (an SA negotiating)"
    out=$(timeout 300 "$GPY" "$NETMIKO_CHECK" 127.0.0.1 "$PORT" admin cisco --device-type cisco_ios 2>&1)
    rc=$?
    echo "$out"
    if [ $rc -ne 0 ] || ! grep -q "^PASS isakmp sa genie" <<<"$out"; then echo "FAIL the Genie step did not pass"; FAILED=1; fi
    stop
else
    echo "!!! SKIPPED netmiko_check.py with Genie: no parser venv (EDGESH_PYVENV) with genie and netmiko"
    [ "$REQUIRED" = 1 ] && FAILED=1
fi

start smartedge "$HERE/smartedge.cfg"
run "netmiko ericsson_ipos" "$PY" "$HERE/netmiko_ipos.py" 127.0.0.1 "$PORT" admin adminpw
stop

start asa "$HERE/asa.cfg" --no-network
run "netmiko cisco_asa" "$PY" "$HERE/netmiko_asa.py" 127.0.0.1 "$PORT" admin Cisco-Admin-1
stop

rm -rf "$WORK"
if [ $FAILED -ne 0 ]; then echo "automation-client tests FAILED"; exit 1; fi
echo "automation-client tests passed"
