#!/usr/bin/env python3
"""SSH benchmarks against a running edgesh (paramiko):
  * login to first prompt (TCP connect, key exchange, password, PTY, shell);
  * a 10,000-line SmartEdge configuration pasted into one shell session
    (time to the last prompt after `commit`), or an IOS one (`end`);
  * memory per idle session: the server's resident set before and after
    opening N idle shell sessions.

Usage: bench_ssh.py HOST PORT USER PASSWORD PID DIALECT(smartedge|ios) [N_IDLE]
"""
import re
import sys
import time

import paramiko

host, port, user, pw, pid, dialect = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), sys.argv[6]
n_idle = int(sys.argv[7]) if len(sys.argv) > 7 else 50
PROMPT = re.compile(rb"[\]\w]+[#>] ?$")


def connect():
    c = paramiko.SSHClient()
    c.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    c.connect(host, port=port, username=user, password=pw, look_for_keys=False, allow_agent=False)
    ch = c.invoke_shell(width=200, height=0)
    return c, ch


def read_until(ch, pred, timeout=600):
    buf = b""
    end = time.time() + timeout
    while time.time() < end:
        if ch.recv_ready():
            buf += ch.recv(1 << 20)
            if pred(buf):
                return buf
        else:
            time.sleep(0.001)
    raise TimeoutError(buf[-300:])


def rss_kib():
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


# 1. login to first prompt
times = []
for _ in range(20):
    t0 = time.perf_counter()
    c, ch = connect()
    read_until(ch, lambda b: PROMPT.search(b.rstrip(b"\r\n")) is not None)
    times.append(time.perf_counter() - t0)
    c.close()
times.sort()
print(f"login to first prompt: median {times[len(times)//2]*1000:.1f} ms, min {times[0]*1000:.1f} ms, max {times[-1]*1000:.1f} ms (20 logins)")

# 2. 10,000-line paste
if dialect == "smartedge":
    lines = ["configure"]
    i = 0
    while len(lines) < 10_000:
        lines += [f"ike proposal bench{i}", " dh-group 14", " encryption algorithm aes-256-cbc", " hash sha1"]
        i += 1
    lines += ["commit", "end"]
    final = b"[local]"
else:
    lines = ["terminal length 0", "configure terminal"]
    i = 0
    while len(lines) < 10_000:
        lines += [f"crypto isakmp policy {i + 1}", " encr aes 256", " hash sha", " authentication pre-share", " group 14"]
        i += 1
    lines += ["end"]
    final = None
c, ch = connect()
read_until(ch, lambda b: PROMPT.search(b.rstrip(b"\r\n")) is not None)
text = ("\r".join(lines) + "\r").encode()
t0 = time.perf_counter()
ch.sendall(text)
if dialect == "smartedge":
    done = lambda b: b"Transaction committed" in b and re.search(rb"\[local\]\S*#$", b.rstrip(b"\r\n")) is not None
else:
    done = lambda b: b.count(b"\n") >= len(lines) - 1 and re.search(rb"\n\S+#$", b.rstrip(b"\r\n")) is not None and b"(config" not in b.rstrip(b"\r\n").splitlines()[-1]
out = read_until(ch, done)
took = time.perf_counter() - t0
print(f"{len(lines)}-line {dialect} paste over one SSH session, to the last prompt: {took:.2f} s ({len(out)} bytes echoed back)")
c.close()

# 3. memory per idle session
time.sleep(0.5)
before = rss_kib()
conns = [connect() for _ in range(n_idle)]
for c, ch in conns:
    read_until(ch, lambda b: PROMPT.search(b.rstrip(b"\r\n")) is not None)
time.sleep(0.5)
after = rss_kib()
print(f"memory: {before} KiB resident before, {after} KiB with {n_idle} idle sessions: {(after - before) / n_idle:.0f} KiB per idle session")
for c, ch in conns:
    c.close()
