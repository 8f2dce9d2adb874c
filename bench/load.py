#!/usr/bin/env python3
"""Load benchmark of `finisterra serve` (a script, not a test).

    python3 bench/load.py [--rate 20000] [--seconds 60] [--vessels 20000] [--no-build]

A generator on loopback sends `--rate` AIS position messages per second for
`--seconds`, half over UDP (a few sentences per datagram, as receivers send
them) and half over one TCP connection, from `--vessels` vessels moving on
plausible courses along world shipping lanes (each reports about once a
second). Every 100 ms a probe — a position from an AIS-SART (MMSI
970xxxxxx, a new device each time) — goes out over UDP; the engine raises a
`distress` event for it at once. Every 200 ms a collision probe goes out
too: two new vessels planted head-on 2 NM apart (CPA 0, TCPA 5 min) in an
empty stretch of the South Atlantic, the second position the one that
creates the risk; the engine must raise `risk.raised` for the pair on the
arrival of that position (the alarm on arrival), not at its next screening
pass. A client on `/api/stream` records when each probe's event arrives.

With `--forward`, the server also forwards NMEA to this script over UDP
and TCP (`--output udp://...`, `--output tcp://...`: one copy of each
transmission), and, when `mosquitto` is installed, publishes events and
vessels over MQTT (`--output mqtt://...`) to a broker the script starts; the
lines each output delivered and what each dropped are reported.

With `--stream-clients N` (e.g. 500), N more live-stream clients read
`/api/stream` (events and the vessels that moved, every second) for the
whole run, and a poller times `/api/vessels?limit=100` and `/api/stats`
every 200 ms.

Reported: messages sent and received by the server per transport, with the
loss split into what the kernel dropped (socket buffer full, read from
`/metrics`) and what the server dropped at its full queue (both 0 is the
goal on loopback), CPU used by the server, its peak and final memory, the
latency from a probe's sending to its event on the SSE stream (p50, p99,
max), and the API latency under the stream clients. The server runs with a
durable store (`--data-dir` in a temporary directory): each event is on disk
before it is pushed.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing
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
FIN = os.environ.get("FINISTERRA_BIN") or os.path.join(ROOT, "target", "release", "finisterra")

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
        along = rng.uniform(-6.0, 6.0)
        off = side * rng.uniform(0.1, 0.5)
        a = math.radians(axis)
        lat = lat0 + along * math.cos(a) - off * math.sin(a)
        lon = lon0 + (along * math.sin(a) + off * math.cos(a)) / max(0.2, math.cos(math.radians(lat0)))
        cog = (axis + (180 if back else 0) + rng.uniform(-3, 3)) % 360
        # Ships on one route make similar speeds (overtaking is occasional).
        vs.append([200_000_000 + i, lat, lon, rng.uniform(11.0, 13.0), cog])
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


def listen(http_p, results, stop):
    """Reads the SSE stream; reports (probe MMSI, arrival time)."""
    s = socket.create_connection(("127.0.0.1", http_p))
    s.sendall(b"GET /api/stream?kinds=distress,risk.raised&vessels=false HTTP/1.1\r\nHost: x\r\n\r\n")
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
                    ev = json.loads(line[6:])
                    if ev.get("kind") == "risk.raised":
                        # A collision probe: keyed by its second vessel.
                        results.put((ev["b"]["mmsi"], t))
                    else:
                        results.put((ev.get("mmsi"), t))
                except (ValueError, KeyError, TypeError):
                    pass
    s.close()


def stream_clients(http_p, n, stop, out):
    """N live-stream clients that read (and discard) everything."""
    import selectors
    sel = selectors.DefaultSelector()
    socks = []
    refused = 0
    for _ in range(n):
        try:
            s = socket.create_connection(("127.0.0.1", http_p))
            s.sendall(b"GET /api/stream HTTP/1.1\r\nHost: x\r\n\r\n")
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
            socks.append(s)
        except OSError:
            refused += 1
    total = 0
    closed = 0
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.2):
            try:
                chunk = key.fileobj.recv(1 << 16)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                chunk = b""
            if not chunk:
                sel.unregister(key.fileobj)
                closed += 1
                continue
            total += len(chunk)
    out.put((len(socks), refused, closed, total))
    for s in socks:
        s.close()


def poll_api(http_p, stop, out):
    """Times /api/vessels?limit=100 and /api/stats every 200 ms."""
    lat = []
    base = f"http://127.0.0.1:{http_p}"
    while not stop.is_set():
        for path in ("/api/vessels?limit=100", "/api/stats"):
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(base + path, timeout=30) as r:
                    r.read()
                lat.append((time.perf_counter() - t) * 1000)
            except Exception:
                lat.append(float("inf"))
        time.sleep(0.2)
    out.put(lat)


def metric(text: str, name: str) -> float:
    return sum(float(l.rsplit(" ", 1)[1]) for l in text.splitlines()
               if l.startswith(name) and not l.startswith("#"))


def count_forwarded(udp_port: int, tcp_port: int, stop, out) -> None:
    """Counts the NMEA lines the server forwards over UDP and TCP."""
    import selectors
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8 << 20)
    u.bind(("127.0.0.1", udp_port))
    l = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    l.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    l.bind(("127.0.0.1", tcp_port))
    l.listen(1)
    sel = selectors.DefaultSelector()
    sel.register(u, selectors.EVENT_READ, "udp")
    sel.register(l, selectors.EVENT_READ, "listen")
    n = {"udp": 0, "tcp": 0}
    while not stop.is_set():
        for key, _ in sel.select(timeout=0.2):
            if key.data == "listen":
                c, _ = l.accept()
                sel.register(c, selectors.EVENT_READ, "tcp")
            elif key.data == "udp":
                n["udp"] += u.recv(65536).count(b"\n")
            else:
                b = key.fileobj.recv(1 << 20)
                if not b:
                    sel.unregister(key.fileobj)
                n["tcp"] += b.count(b"\n")
    out.put(n)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=int, default=20000)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--vessels", type=int, default=20000)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--memory", action="store_true", help="no --data-dir: events kept in memory only (isolates the cost of fsync)")
    ap.add_argument("--forward", action="store_true", help="forward NMEA over UDP and TCP to the script (and MQTT to a local mosquitto, when installed)")
    ap.add_argument("--stream-clients", type=int, default=0, help="live-stream clients reading during the run (API latency is timed with them)")
    args = ap.parse_args()
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "finisterra-cli"], cwd=ROOT, check=True)
    udp_p, tcp_p, http_p = free_port(), free_port(), free_port()
    data = tempfile.mkdtemp(prefix="finisterra-load-")
    outputs = []
    broker = None
    fwd_q = multiprocessing.Queue()
    fwd_stop = multiprocessing.Event()
    fwd = None
    if args.forward:
        fu, ft = free_port(), free_port()
        fwd = multiprocessing.Process(target=count_forwarded, args=(fu, ft, fwd_stop, fwd_q), daemon=True)
        fwd.start()
        outputs += ["--output", f"udp://127.0.0.1:{fu}", "--output", f"tcp://127.0.0.1:{ft}"]
        mosq = shutil.which("mosquitto") or ("/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
        if mosq:
            mp = free_port()
            conf = os.path.join(data, "mosquitto.conf")
            with open(conf, "w") as f:
                f.write(f"listener {mp} 127.0.0.1\nallow_anonymous true\npersistence false\n")
            broker = subprocess.Popen([mosq, "-c", conf], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(0.5)
            outputs += ["--output", f"mqtt://127.0.0.1:{mp}/load"]
        else:
            print("(no mosquitto: the MQTT output is not measured)")
    server = subprocess.Popen(
        [FIN, "serve", "--udp", f"127.0.0.1:{udp_p}", "--tcp-listen", f"127.0.0.1:{tcp_p}",
         "--http", f"127.0.0.1:{http_p}", "--land", "none"] + outputs + ([] if args.memory else ["--data-dir", data]),
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
        # The SSE listener runs in its own process (the sender below keeps
        # one core busy; a thread would wait for the interpreter lock and
        # add its wait to the latency). time.perf_counter is the system-wide
        # monotonic clock on Linux, comparable across processes.
        results = multiprocessing.Queue()
        stop = multiprocessing.Event()
        lt = multiprocessing.Process(target=listen, args=(http_p, results, stop), daemon=True)
        lt.start()
        extra = []
        clients_q = multiprocessing.Queue()
        api_q = multiprocessing.Queue()
        if args.stream_clients:
            extra.append(multiprocessing.Process(target=stream_clients, args=(http_p, args.stream_clients, stop, clients_q), daemon=True))
            extra.append(multiprocessing.Process(target=poll_api, args=(http_p, stop, api_q), daemon=True))
            for p in extra:
                p.start()
        # All position lines are made before the clock starts: the sender
        # only sends.
        vs = fleet(args.vessels)
        total = args.rate * args.seconds
        print(f"preparing {total:,} lines from {args.vessels:,} vessels ...")
        prepared = []
        for k in range(total):
            v = vs[k % len(vs)]
            if k % len(vs) == 0 and k:
                for w in vs:
                    step(w, len(vs) / args.rate)
            prepared.append(position(v[0], v[1], v[2], v[3], v[4]))
        time.sleep(0.5)
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
        tcp = socket.create_connection(("127.0.0.1", tcp_p))
        sent_udp = sent_tcp = 0
        probes: dict[int, float] = {}
        collisions: dict[int, float] = {}
        cpu0 = proc_cpu_s(server.pid)
        t0 = time.perf_counter()
        tick = 0.005
        per_tick = args.rate * tick
        acc = 0.0
        k = 0
        next_probe = t0 + 0.1
        probe_id = 0
        next_collision = t0 + 0.15
        collision_id = 0
        end = t0 + args.seconds
        while True:
            now = time.perf_counter()
            if now >= end:
                break
            acc += per_tick
            n = int(acc)
            acc -= n
            lines = prepared[k:k + n]
            k += n
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
            if now >= next_collision:
                # Two new vessels head-on, 2 NM apart on a meridian, each
                # pair half a degree from the next (no pair meets another).
                c = collision_id
                collision_id += 1
                lat = -50.0 + 0.5 * (c % 80)
                lon = -30.0 + 0.5 * ((c // 80) % 40)
                a, b = 236_000_000 + c, 237_000_000 + c
                first = position(a, lat, lon, 12.0, 0.0)
                second = position(b, lat + 2.0 / 60.0, lon, 12.0, 180.0)
                udp.sendto((first + "\r\n").encode(), ("127.0.0.1", udp_p))
                collisions[b] = time.perf_counter()
                udp.sendto((second + "\r\n").encode(), ("127.0.0.1", udp_p))
                sent_udp += 2
                next_collision += 0.2
            slack = (now + tick) - time.perf_counter()
            if slack > 0:
                time.sleep(slack)
        duration = time.perf_counter() - t0
        tcp.close()
        time.sleep(2.0)
        cpu1 = proc_cpu_s(server.pid)
        stop.set()
        arrivals = {}
        lt.join(timeout=5)
        clients = clients_q.get(timeout=30) if args.stream_clients else None
        api_lat = sorted(api_q.get(timeout=30)) if args.stream_clients else []
        for p in extra:
            p.join(timeout=5)
        while not results.empty():
            m, t = results.get()
            arrivals.setdefault(m, t)
        stats = get(base + "/api/stats")
        metrics_text = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
        batch_max = next((l.split()[1] for l in metrics_text.splitlines() if l.startswith("finisterra_engine_batch_max_seconds ")), "?")
        peak = proc_peak_kib(server.pid)
        with open(f"/proc/{server.pid}/status") as f:
            rss_now = next((int(l.split()[1]) for l in f if l.startswith("VmRSS:")), 0)
        kernel_drops = metric(metrics_text, "finisterra_udp_kernel_drops_total")
        queue_drops = metric(metrics_text, "finisterra_dropped_datagrams_total")
        granted = metric(metrics_text, "finisterra_udp_receive_buffer_bytes")
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
        print(f"UDP loss by cause (datagrams of up to 8 lines): kernel drops {kernel_drops:,.0f} "
              f"(receive buffer granted {granted / 1048576:.1f} MiB), server queue full {queue_drops:,.0f}")
        print(f"messages decoded: {sum(s.get('messages', 0) for s in srcs.values()):,}; "
              f"decode errors: {stats['decode_errors']}")
        print(f"vessels: {stats['vessels']:,}; open risks: {stats['open_risks']:,}; events: {stats['events']}")
        print(f"server CPU: {cpu1 - cpu0:.1f} s over {duration:.1f} s ({100 * (cpu1 - cpu0) / duration:.0f} % of one core)")
        print(f"server memory: peak {peak / 1024:.1f} MB, at the end {rss_now / 1024:.1f} MB")
        if clients is not None:
            n_ok, n_refused, n_closed, n_bytes = clients
            print(f"stream clients: {n_ok} connected ({n_refused} refused, {n_closed} closed by the server), "
                  f"{n_bytes / 1048576:.1f} MiB read")
            fin = [x for x in api_lat if x != float("inf")]

            def apct(p):
                return fin[min(len(fin) - 1, int(p / 100 * len(fin)))] if fin else float("nan")
            print(f"API latency with {n_ok} stream clients ({len(api_lat)} requests, {len(api_lat) - len(fin)} failed): "
                  f"p50 {apct(50):.1f} ms, p99 {apct(99):.1f} ms, max {fin[-1] if fin else float('nan'):.1f} ms")
        if fwd is not None:
            fwd_stop.set()
            n = fwd_q.get(timeout=10)
            decoded = sum(s.get('messages', 0) for s in srcs.values())
            print(f"forwarded (one copy per transmission): UDP {n['udp']:,} lines, TCP {n['tcp']:,} lines, of {decoded:,} messages")
            for l in metrics_text.splitlines():
                if l.startswith("finisterra_output_sent_total") or l.startswith("finisterra_output_dropped_total"):
                    print("  " + l)
        print(f"longest engine batch (decoding + picture + any screening pass): {float(batch_max) * 1000:.1f} ms")
        bh = [l for l in metrics_text.splitlines() if l.startswith("finisterra_engine_batch_seconds_bucket")]
        print("engine batches by duration (cumulative):")
        print("  " + ", ".join(f"<={l.split('le=')[1].split('}')[0].strip(chr(34))} s: {l.split()[-1]}" for l in bh))
        hist = [l for l in metrics_text.splitlines() if l.startswith("finisterra_event_latency_seconds_bucket")]
        print("server-side latency, arrival at the socket -> event stored and published (cumulative):")
        print("  " + ", ".join(f"<={l.split('le=')[1].split('}')[0].strip(chr(34))} s: {l.split()[-1]}" for l in hist))
        if lat:
            slow = [x for x in lat if x > 5]
            print(f"probes over 5 ms: {len(slow)} of {len(lat)}: {[round(x, 1) for x in slow[:20]]}")
        print(f"probe latency, send -> event on the SSE stream ({len(lat)} probes, {missing} missing): "
              f"p50 {pct(50):.2f} ms, p99 {pct(99):.2f} ms, max {lat[-1] if lat else float('nan'):.2f} ms")
        clat = sorted((arrivals[m] - t) * 1000 for m, t in collisions.items() if m in arrivals)
        cmissing = sum(1 for m in collisions if m not in arrivals)

        def cpct(p):
            return clat[min(len(clat) - 1, int(p / 100 * len(clat)))] if clat else float("nan")
        print(f"collision probe latency, creating position sent -> risk.raised on the SSE stream "
              f"({len(clat)} pairs, {cmissing} missing): p50 {cpct(50):.2f} ms, p99 {cpct(99):.2f} ms, "
              f"max {clat[-1] if clat else float('nan'):.2f} ms (goal: p99 below 100 ms)")
        return 0
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=5)
        except subprocess.TimeoutExpired:
            server.kill()
        if broker is not None:
            broker.kill()
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
