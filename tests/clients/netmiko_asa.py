#!/usr/bin/env python3
"""Netmiko's `cisco_asa` driver against edgesh (ASA dialect): connect over
SSH, find the prompt, push a configuration (`send_config_set`), save it
(`save_config`), read sections back, and parse shows with TextFSM
(ntc-templates' ASA templates).

Usage: netmiko_asa.py HOST PORT USER PASSWORD
Prints PASS/FAIL lines; exit status 0 only if nothing failed.
"""
import sys

fails = 0


def check(ok, step, detail=""):
    global fails
    detail = (detail if isinstance(detail, str) else repr(detail)).replace("\r", "")
    print(f"{'PASS' if ok else 'FAIL'} {step}{': ' + detail[:300] if detail else ''}", flush=True)
    fails += 0 if ok else 1


def main():
    host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    from netmiko import ConnectHandler

    dev = {"device_type": "cisco_asa", "host": host, "port": port, "username": user, "password": pw,
           "use_keys": False, "allow_agent": False, "conn_timeout": 15, "auth_timeout": 15}
    conn = ConnectHandler(**dev)
    prompt = conn.find_prompt()
    check(prompt == "ciscoasa#", "find_prompt", repr(prompt))
    check(conn.check_enable_mode(), "privileged exec after login (privilege 15)")
    out = conn.send_config_set([
        "crypto ipsec ikev1 transform-set NETMIKO esp-aes-256 esp-sha-hmac",
        "crypto map outside_map 20 match address VPN",
        "crypto map outside_map 20 set peer 198.51.100.7",
        "crypto map outside_map 20 set ikev1 transform-set NETMIKO",
        "crypto map outside_map 20 set pfs group5",
        "tunnel-group 198.51.100.7 type ipsec-l2l",
        "tunnel-group 198.51.100.7 ipsec-attributes",
        "ikev1 pre-shared-key pushed-by-netmiko",
    ])
    check("ERROR" not in out and "(config-tunnel-ipsec)#" in out, "send_config_set", out)
    check(not conn.check_config_mode(), "back in exec mode after send_config_set")
    out = conn.send_config_set(["crypto map outside_map 20 set pfs group99"])
    check("ERROR: % Invalid input detected at '^' marker." in out, "a bad line is refused with the ASA's words", out)
    out = conn.save_config()
    check("[OK]" in out, "save_config (write memory)", out)
    out = conn.send_command("show running-config tunnel-group 198.51.100.7")
    check("ikev1 pre-shared-key *****" in out and "pushed-by-netmiko" not in out, "keys masked in show running-config", out)
    rows = conn.send_command("show running-config crypto map", use_textfsm=True)
    entry = [r for r in rows if isinstance(r, dict) and r.get("seq") == "20"] if isinstance(rows, list) else []
    # (ntc-templates' template takes single-digit PFS groups only: group5.)
    check(len(entry) == 1 and entry[0].get("peer") == "198.51.100.7" and entry[0].get("pfs") == "group5"
          and entry[0].get("transform") == "NETMIKO" and entry[0].get("matched_address") == "VPN", "TextFSM: show running-config crypto map", rows)
    rows = conn.send_command("show running-config ipsec", use_textfsm=True)
    names = [r.get("name") for r in rows] if isinstance(rows, list) else rows
    check(isinstance(rows, list) and "NETMIKO" in names and "TS" in names, "TextFSM: show running-config ipsec", names)
    out = conn.send_command("show crypto isakmp sa")
    check("There are no IKEv1 SAs" in out, "show crypto isakmp sa (no peer reachable)", out)
    conn.disconnect()
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main())
