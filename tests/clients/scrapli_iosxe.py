#!/usr/bin/env python3
"""scrapli's Cisco IOS-XE driver against edgesh (IOS dialect): connect (the
driver escalates to privileged exec, sends `term width 512`, `term len 0`),
send commands, push a configuration in configuration mode, save it with
`write memory`, read it back. Works with scrapli 2.x (the Zig core, what pip
installs today) and with classic scrapli (IOSXEDriver).

Usage: scrapli_iosxe.py HOST PORT USER PASSWORD [ENABLE_SECRET]
Prints PASS/FAIL lines; exit status 0 only if nothing failed.
"""
import sys

CONFIG = ["crypto ipsec transform-set SCRAPLI esp-aes 256 esp-sha-hmac", "mode tunnel"]
fails = 0


def check(ok, step, detail=""):
    global fails
    print(f"{'PASS' if ok else 'FAIL'} {step}{': ' + detail if detail else ''}", flush=True)
    fails += 0 if ok else 1


def main():
    host, port, user, pw = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    secret = sys.argv[5] if len(sys.argv) > 5 else pw
    try:
        from scrapli import AuthOptions, Cli, LookupKeyValue, TransportBinOptions
    except ImportError:
        return classic(host, port, user, pw, secret)
    cli = Cli(
        host,
        port=port,
        definition_file_or_name="cisco_iosxe",
        auth_options=AuthOptions(username=user, password=pw, lookups=[LookupKeyValue(key="enable", value=secret)]),
        transport_options=TransportBinOptions(enable_strict_key=False, known_hosts_path="/dev/null",
                                              extra_open_args=["-o", "PubkeyAuthentication=no", "-o", "UserKnownHostsFile=/dev/null"]),
    )
    cli.open()
    check(True, "open", "scrapli 2 cisco_iosxe")
    r = cli.send_input("show version")
    check(not r.failed and "Cisco IOS Software" in r.result, "show version", r.result.splitlines()[0] if r.result else "")
    r = cli.send_inputs(CONFIG, requested_mode="configuration")
    check(not r.failed, "send_inputs (configuration)", repr(r.result[-200:]))
    r = cli.send_input("crypto isakmp policy 10 bogus", requested_mode="configuration")
    check(r.failed, "a bad line is reported as failed", repr(r.result[-120:]))
    r = cli.send_input("write memory", requested_mode="privileged_exec")
    check("[OK]" in r.result, "write memory", repr(r.result))
    r = cli.send_input("show running-config | section transform-set SCRAPLI")
    check(all(c in r.result for c in CONFIG), "read back", repr(r.result))
    cli.close()
    check(True, "close")
    return fails


def classic(host, port, user, pw, secret):
    from scrapli.driver.core import IOSXEDriver

    dev = {"host": host, "port": port, "auth_username": user, "auth_password": pw, "auth_secondary": secret,
           "auth_strict_key": False, "transport": "system", "ssh_config_file": False}
    with IOSXEDriver(**dev) as conn:
        check(True, "open", "classic scrapli IOSXEDriver")
        r = conn.send_command("show version")
        check(not r.failed and "Cisco IOS Software" in r.result, "show version")
        r = conn.send_configs(CONFIG, stop_on_failed=True)
        check(not r.failed, "send_configs")
        r = conn.send_command("write memory")
        check("[OK]" in r.result, "write memory")
        r = conn.send_command("show running-config | section transform-set SCRAPLI")
        check(all(c in r.result for c in CONFIG), "read back", repr(r.result))
    return fails


if __name__ == "__main__":
    try:
        n = main()
    except Exception as e:  # noqa: BLE001
        import traceback

        traceback.print_exc()
        check(False, "exception", f"{type(e).__name__}: {e}")
        n = fails
    print(f"{fails} failed")
    sys.exit(1 if fails else 0)
