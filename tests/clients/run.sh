#!/usr/bin/env bash
# Automation clients against a freshly started edgesh SSH server:
#   * ../shared/clients/netmiko_check.py --device-type cisco_ios (a level-15
#     user, then a level-1 user that needs `enable` and the enable secret);
#   * scrapli's IOS-XE driver (tests/clients/scrapli_iosxe.py);
#   * Netmiko's ericsson_ipos driver on the SmartEdge dialect (tests/clients/netmiko_ipos.py).
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
# left to SKIP here. golden/tests/parsers.rs checks Genie on a lab transcript
# with a tunnel up.
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
start() { # DIALECT CONFIG
    local log=$WORK/edgesh-$1.log
    "$BIN" --dialect "$1" --config "$2" --state-dir "$WORK/state-$1" --ssh 127.0.0.1:0 </dev/null >/dev/null 2>"$log" &
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

start smartedge "$HERE/smartedge.cfg"
run "netmiko ericsson_ipos" "$PY" "$HERE/netmiko_ipos.py" 127.0.0.1 "$PORT" admin adminpw
stop

rm -rf "$WORK"
if [ $FAILED -ne 0 ]; then echo "automation-client tests FAILED"; exit 1; fi
echo "automation-client tests passed"
