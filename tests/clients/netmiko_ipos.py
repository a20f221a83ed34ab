#!/usr/bin/env python3
"""Netmiko's `ericsson_ipos` driver against edgesh (SmartEdge dialect):
autodetect, connect, send commands, push a configuration (it stays in the
candidate), commit (and commit confirmed), read it back, save.

Usage: netmiko_ipos.py HOST PORT USER PASSWORD
Prints PASS/FAIL lines; exit status 0 only if nothing failed.
"""
import sys

fails = 0


def check(ok, step, detail=""):
    global fails
    detail = (detail or "").replace("\r", "")
    print(f"{'PASS' if ok else 'FAIL'} {step}{': ' + detail[:300] if detail else ''}", flush=True)
    fails += 0 if ok else 1


def main():
    host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    from netmiko import ConnectHandler
    from netmiko.ssh_autodetect import SSHDetect

    dev = {"device_type": "ericsson_ipos", "host": host, "port": port, "username": user, "password": pw,
           "use_keys": False, "allow_agent": False, "conn_timeout": 15, "auth_timeout": 15}
    guess = SSHDetect(**{**dev, "device_type": "autodetect"}).autodetect()
    check(guess == "ericsson_ipos", "autodetect", repr(guess))
    conn = ConnectHandler(**dev)
    prompt = conn.find_prompt()
    check(prompt.startswith("[local]") and prompt.endswith("#"), "find_prompt", repr(prompt))
    out = conn.send_command("show version")
    check("Ericsson IPOS Version" in out, "show version", out.splitlines()[1] if out else "")
    out = conn.send_config_set(["ike proposal NETMIKO", "dh-group 14", "encryption algorithm aes-256-cbc"])
    check("% " not in out and "(config-ike-proposal)#" in out, "send_config_set (stays in the candidate)", out)
    out = conn.send_command("show configuration changes")
    check("+ ike proposal NETMIKO" in out, "candidate holds the change", out)
    out = conn.commit(comment="pushed by netmiko")
    check("Transaction committed" in out, "commit", out)
    check(not conn.check_config_mode(), "back in exec mode after commit")
    out = conn.send_command("show configuration | begin ike proposal NETMIKO")
    check("dh-group 14" in out, "read back", out)
    conn.send_config_set(["ike proposal NETMIKO", "dh-group 2"])
    out = conn.commit(confirm=True, confirm_delay=5)
    check("Commit confirmed ,it will be rolled back within 5 minutes" in out, "commit confirmed 5", out)
    conn.send_config_set(["ike proposal NETMIKO"])
    out = conn.commit()
    check("Transaction committed" in out, "confirming commit", out)
    out = conn.send_command("show configuration commits")
    check("pushed by netmiko" in out, "commit comment recorded", out)
    out = conn.save_config()
    check("Configuration saved" in out, "save_config", out)
    conn.disconnect()
    check(True, "disconnect")


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        check(False, "exception", f"{type(e).__name__}: {e}")
    print(f"{fails} failed")
    sys.exit(1 if fails else 0)
