#!/usr/bin/env python3
"""Genie's parse of IOS show outputs, for golden/tests/json_genie.rs.

Reads a JSON list of {"command": ..., "text": ..., "split": PREFIX?} on
standard input and
writes a JSON list of results: {"parsed": {...}} or {"empty": reason} when
Genie finds nothing to report (its schema refuses an empty result) or
{"error": text} for any other failure. Device-less, iosxe, as netmiko's
use_genie does. With "split", the text is cut before each line starting
with PREFIX, each block (after the lines before the first) parsed alone and
the parses merged: Genie's `show crypto session` parser keeps only the first
block of an interface that has several sessions (a later `Interface:` line
of the same name replaces the dictionary and never gets its `peer` back).

Other modes, by the case's "mode":
  "raw": the parser's own reading of the text ({"parsed": ...}), without
         its schema check (for an IOS 15 text that lacks an IOS-XE line the
         schema requires);
  "validate": {"json": DOC, "schema_of": COMMAND}: DOC checked against the
         schema of Genie's parser for COMMAND ({"valid": true} or an error);
  "config": the text as Genie's Config(text).tree() ({"parsed": tree}),
         what device.learn('config') gives.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")

from genie.conf.base import Device  # noqa: E402
from genie.libs.parser.utils import get_parser  # noqa: E402
from genie.metaparser.util.schemaengine import Schema  # noqa: E402
from genie.utils.config import Config  # noqa: E402

dev = Device("dut", os="iosxe")
dev.custom.setdefault("abstraction", {})["order"] = ["os"]
out = []


def merge(a, b):
    for k, v in b.items():
        if isinstance(v, dict) and isinstance(a.get(k), dict):
            merge(a[k], v)
        else:
            a[k] = v
    return a


def parse(command, text, split):
    if not split:
        return json.loads(json.dumps(dict(dev.parse(command, output=text))))
    head, blocks = [], []
    for line in text.splitlines(keepends=True):
        if line.startswith(split):
            blocks.append([])
        (blocks[-1] if blocks else head).append(line)
    if not blocks:
        return parse(command, text, None)
    result = {}
    for b in blocks:
        merge(result, parse(command, "".join(head + b), None))
    return result


def other(case):
    mode = case["mode"]
    if mode == "raw":
        cls, kwargs = get_parser(case["command"], dev)
        return {"parsed": json.loads(json.dumps(cls(device=dev).cli(output=case["text"], **kwargs)))}
    if mode == "validate":
        cls, _ = get_parser(case["schema_of"], dev)
        Schema(cls(device=dev).schema).validate(case["json"])
        return {"valid": True}
    if mode == "config":
        c = Config(case["text"])
        c.tree()
        return {"parsed": json.loads(json.dumps(c.config))}
    raise ValueError(f"unknown mode {mode}")


for case in json.load(sys.stdin):
    if case.get("mode"):
        try:
            out.append(other(case))
        except Exception as e:  # noqa: BLE001
            out.append({"error": f"{type(e).__name__}: {e}"})
        continue
    try:
        out.append({"parsed": parse(case["command"], case["text"], case.get("split"))})
    except Exception as e:  # noqa: BLE001
        name = type(e).__name__
        if name in ("SchemaEmptyParserError", "SchemaMissingKeyError"):
            out.append({"empty": f"{name}: {e}"})
        else:
            out.append({"error": f"{name}: {e}"})
json.dump(out, sys.stdout)
