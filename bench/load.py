#!/usr/bin/env python3
"""Load benchmark of `finisterra serve` (a script, not a test).

    python3 bench/load.py [--rate 20000] [--seconds 60] [--vessels 20000] [--no-build]

A generator on loopback sends `--rate` AIS position messages per second for
`--seconds`, half over UDP (a few sentences per datagram, as receivers send
them) and half over one TCP connection, from `--vessels` vessels moving on
plausible courses along world shipping lanes (each reports about once a
second). Every 100 ms a probe — a position from an AIS-SART (MMSI
970xxxxxx, a new device each time) — goes out over UDP; the engine raises a
`distress` event for it at once. A client on `/api/stream` records when each
probe's event arrives.

Reported: messages sent and received by the server per transport (lost must
be 0 on loopback), CPU used by the server, its peak memory, and the latency
from a probe's sending to its event on the SSE stream (p50, p99, max). The
server runs with a durable store (`--data-dir` in a temporary directory):
each event is on disk before it is pushed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIN = os.path.join(ROOT, "target", "release", "finisterra")

_ARMOR = [chr(v + 48) if v < 40 else chr(v + 56) for v in range(64)]


def checksum(body: str) -> int:
    c = 0
    for ch in body.encode():
        c ^= ch
    return c


def position(mmsi: int, lat: float, lon: float, sog: float, cog: float, status: int = 0) -> str:
    """A type 1 sentence (168 bits)."""
    bits = 0
    fields = [
        (6, 1), (2, 0), (30, mmsi), (4, status), (8, 0x80), (10, int(round(sog * 10))),
        (1, 1), (28, int(round(lon * 600000)) & ((1 << 28) - 1)),
        (27, int(round(lat * 600000)) & ((1 << 27) - 1)),
        (12, int(round(cog * 10)) % 3600), (9, int(round(cog)) % 360), (6, 60), (2, 0), (3, 0), (1, 0), (19, 0),
    ]
    for w, v in fields:
        bits = (bits << w) | (v & ((1 << w) - 1))
    payload = "".join(_ARMOR[(bits >> (168 - 6 * (i + 1))) & 63] for i in range(28))
    body = f"AIVDM,1,1,,A,{payload},0"
    return f"!{body}*{checksum(body):02X}"


LANES = [
    (51.0, 1.5, 40.0), (36.0, -5.5, 90.0), (1.2, 103.9, 60.0), (31.2, 122.2, 150.0),
    (29.3, -94.5, 120.0), (40.5, -73.9, 120.0), (54.0, 7.5, 330.0), (26.5, 52.5, 130.0),
    (35.4, 139.8, 200.0), (-34.0, 18.5, 250.0), (9.0, -79.6, 170.0), (57.0, 19.0, 45.0),
]


def fleet(n: int, seed: int = 7):
    rng = random.Random(seed)
    vs = []
    for i in range(n):
        lat0, lon0, axis = LANES[i % len(LANES)]
        back = rng.random() < 0.5
        side = -1 if back else 1
        along = rng.uniform(-3.0, 3.0)
        off = side * rng.uniform(0.05, 0.3)
        a = math.radians(axis)
        lat = lat0 + along * math.cos(a) - off * math.sin(a)
        lon = lon0 + (along * math.sin(a) + off * math.cos(a)) / max(0.2, math.cos(math.radians(lat0)))
        cog = (axis + (180 if back else 0) + rng.uniform(-3, 3)) % 360
        vs.append([200_000_000 + i, lat, lon, rng.uniform(8, 18), cog])
    return vs


def step(v, dt):
    mmsi, lat, lon, sog, cog = v
    d = sog * dt / 3600 / 60
    v[1] = lat + d * math.cos(math.radians(cog))
    v[2] = lon + d * math.sin(math.radians(cog)) / max(0.05, math.cos(math.radians(lat)))


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def get(url: str):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def proc_cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(parts[11]) + int(parts[12])) / ticks


def proc_peak_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--vessels", type=int, default=20000)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "finisterra-cli"], cwd=ROOT, check=True)
    udp_p, tcp_p, http_p = free_port(), free_port(), free_port()
    data = tempfile.mkdtemp(prefix="finisterra-load-")
    server = subprocess.Popen(
        [FIN, "serve", "--udp", f"127.0.0.1:{udp_p}", "--tcp-listen", f"127.0.0.1:{tcp_p}",
         "--http", f"127.0.0.1:{http_p}", "--data-dir", data, "--land", "none"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{http_p}"
    try:
        for _ in range(100):
            try:
                get(base + "/api/stats")
                break
            except Exception:
                time.sleep(0.1)
        else:
            print("server did not start:", server.stderr.read().decode()[-2000:])
            return 1
        # The SSE listener: probe MMSI -> arrival time.
        arrivals: dict[int, float] = {}
        stop = threading.Event()

        def listen():
            s = socket.create_connection(("127.0.0.1", http_p))
            s.sendall(b"GET /api/stream?kinds=distress&vessels=false HTTP/1.1\r\nHost: x\r\n\r\n")
            s.settimeout(0.5)
            buf = b""
            while not stop.is_set():
                try:
                    chunk = s.recv(65536)
                except socket.timeout:
                    continue
                if not chunk:
                    break
                t = time.perf_counter()
                buf += chunk
                while b"\n" in buf:
                    line, buf = buf.split(b"\n", 1)
                    if line.startswith(b"data: "):
                        try:
                            m = json.loads(line[6:]).get("mmsi")
                            arrivals.setdefault(m, t)
                        except ValueError:
                            pass
            s.close()

        lt = threading.Thread(target=listen, daemon=True)
        lt.start()
        time.sleep(0.5)
        vs = fleet(args.vessels)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        tcp = socket.create_connection(("127.0.0.1", tcp_p))
        sent_udp = sent_tcp = 0
        probes: dict[int, float] = {}
        cpu0 = proc_cpu_s(server.pid)
        t0 = time.perf_counter()
        tick = 0.005
        per_tick = args.rate * tick
        acc = 0.0
        k = 0
        next_probe = t0 + 0.1
        probe_id = 0
        end = t0 + args.seconds
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            acc += per_tick
            n = int(acc)
            acc -= n
            lines = []
            for _ in range(n):
                v = vs[k % len(vs)]
                k += 1
                step(v, 1.0)
                lines.append(position(v[0], v[1], v[2], v[3], v[4]))
            half = len(lines) // 2
            # UDP: up to 8 sentences per datagram.
            for i in range(0, half, 8):
                chunk = lines[i:min(i + 8, half)]
                udp.sendto(("\r\n".join(chunk) + "\r\n").encode(), ("127.0.0.1", udp_p))
            sent_udp += half
            if len(lines) > half:
                tcp.sendall(("\r\n".join(lines[half:]) + "\r\n").encode())
                sent_tcp += len(lines) - half
            if now >= next_probe:
                probe_id += 1
                mmsi = 970_000_000 + probe_id
                probes[mmsi] = time.perf_counter()
                udp.sendto((position(mmsi, 43.0, -9.5, 0.0, 0.0, 14) + "\r\n").encode(), ("127.0.0.1", udp_p))
                sent_udp += 1
                next_probe += 0.1
            slack = (now + tick) - time.perf_counter()
            if slack > 0:
                time.sleep(slack)
        duration = time.perf_counter() - t0
        tcp.close()
        time.sleep(2.0)
        cpu1 = proc_cpu_s(server.pid)
        stop.set()
        stats = get(base + "/api/stats")
        peak = proc_peak_kib(server.pid)
        srcs = stats["sources"]
        got_udp = srcs.get(f"udp:127.0.0.1:{udp_p}", {}).get("lines", 0)
        got_tcp = srcs.get(f"tcp-listen:127.0.0.1:{tcp_p}", {}).get("lines", 0)
        lat = sorted((arrivals[m] - t) * 1000 for m, t in probes.items() if m in arrivals)
        missing = sum(1 for m in probes if m not in arrivals)

        def pct(p):
            return lat[min(len(lat) - 1, int(p / 100 * len(lat)))] if lat else float("nan")

        print(f"sent {sent_udp + sent_tcp:,} lines in {duration:.1f} s ({(sent_udp + sent_tcp) / duration:,.0f}/s): "
              f"UDP {sent_udp:,}, TCP {sent_tcp:,}")
        print(f"received by the server: UDP {got_udp:,} (lost {sent_udp - got_udp:,}), "
              f"TCP {got_tcp:,} (lost {sent_tcp - got_tcp:,})")
        print(f"messages decoded: {sum(s.get('messages', 0) for s in srcs.values()):,}; "
              f"decode errors: {stats['decode_errors']}")
        print(f"vessels: {stats['vessels']:,}; open risks: {stats['open_risks']:,}; events: {stats['events']}")
        print(f"server CPU: {cpu1 - cpu0:.1f} s over {duration:.1f} s ({100 * (cpu1 - cpu0) / duration:.0f} % of one core)")
        print(f"server peak memory: {peak / 1024:.1f} MB")
        print(f"probe latency, send -> event on the SSE stream ({len(lat)} probes, {missing} missing): "
              f"p50 {pct(50):.2f} ms, p99 {pct(99):.2f} ms, max {lat[-1] if lat else float('nan'):.2f} ms")
        return 0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
