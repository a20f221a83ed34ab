#!/usr/bin/env python3
"""The whole structured parse of IOS show outputs, for golden/tests/parsers.rs.

Reads a JSON list of {"family": "ntc"|"genie", "command": ..., "text": ...,
"os": "iosxe"|"ios" (Genie only)} on standard input and writes a JSON list of
{"parsed": ...} (ntc-templates: the list of records; Genie: the dictionary)
or {"error": text}: ntc-templates' parse_output for platform cisco_ios, and
Genie's device-less parse, as netmiko's use_textfsm / use_genie make them.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")


def parse(case):
    if case["family"] == "ntc":
        from ntc_templates.parse import parse_output

        return parse_output(platform="cisco_ios", command=case["command"], data=case["text"])
    from genie.conf.base import Device

    dev = Device("dut", os=case.get("os", "iosxe"))
    dev.custom.setdefault("abstraction", {})["order"] = ["os"]
    return json.loads(json.dumps(dict(dev.parse(case["command"], output=case["text"]))))


out = []
for case in json.load(sys.stdin):
    try:
        out.append({"parsed": parse(case)})
    except Exception as e:  # noqa: BLE001
        out.append({"error": f"{type(e).__name__}: {e}"})
json.dump(out, sys.stdout)
