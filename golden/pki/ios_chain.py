#!/usr/bin/env python3
"""ios_chain.py TRUSTPOINT [ROUTER-CERT.pem] CA.pem - a `crypto pki certificate
chain` block as IOS carries it in a configuration: `certificate SERIAL` (the
router's) and `certificate ca SERIAL`, each certificate's DER in hex, eight
words of four bytes a line, ended by `quit`. Used to put golden/pki's
certificates in golden/configs/cert_*.cfg."""
import base64, subprocess, sys

def der(path):
    pem = open(path).read()
    b64 = "".join(l for l in pem.splitlines() if l and not l.startswith("-----"))
    return base64.b64decode(b64)

def serial(path):
    out = subprocess.run(["openssl", "x509", "-in", path, "-noout", "-serial"], capture_output=True, text=True, check=True).stdout
    return out.strip().split("=", 1)[1]

def block(role, path):
    d = der(path)
    lines = [f" certificate {role}{serial(path)}"]
    for i in range(0, len(d), 32):
        chunk = d[i:i + 32]
        lines.append("  " + " ".join(chunk[j:j + 4].hex().upper() for j in range(0, len(chunk), 4)))
    lines.append("  quit")
    return "\n".join(lines)

def main(args):
    tp, *certs = args
    print(f"crypto pki certificate chain {tp}")
    for c in certs[:-1]:
        print(block("", c))
    print(block("ca ", certs[-1]))

main(sys.argv[1:])
