#!/usr/bin/env python3
"""End-to-end `finisterra scan` throughput: decode + picture + every-pair risk
(rulings, advice) + hazards against the bundled world coastline, one core.

    python3 bench/scan.py [--vessels N] [--hours H] [--no-build]

What it does:

1. builds `finisterra` (release) unless --no-build;
2. simulates two fleets on real shipping lanes with `finisterra simulate
   --fleet` (deterministic, seed 2), kept in bench/work:
   - raw rate: every vessel under way reports every 6 s (what a receiver
     network delivers for class A ships at sea);
   - sampled: every 60 s (what downsampled archives such as MarineCadastre
     hold). The same screening work is spread over ten times fewer
     messages, so messages per second are lower: the work is per data
     second, not per message;
3. runs `finisterra scan --summary --land <bundled 1:10m land>` on each and
   prints messages, events, seconds, messages per second and peak memory.

The fleets are dense on purpose (every vessel on a lane, converging on
ports): about a thousand risks open at any time among 5,000 vessels, each
with its ruling and advice, which is the expensive part. Timing is wall
clock; run on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
FIN = os.path.join(ROOT, "target", "release", "finisterra")
LAND = os.path.join(ROOT, "data", "land", "land-10m.fland")


def simulate(path: str, vessels: int, hours: float, interval: int) -> None:
    if os.path.exists(path):
        return
    print(f"simulating {vessels} vessels for {hours} h, a report every {interval} s -> {path}")
    subprocess.run(
        [FIN, "simulate", "--fleet", str(vessels), "--hours", str(hours),
         "--report-interval", str(interval), "--seed", "2", "-o", path],
        check=True,
    )


def scan(path: str, threads: int) -> tuple[float, int, dict[str, int]]:
    cmd = [FIN, "scan", "--summary", "--threads", str(threads), "--land", LAND, path]
    # One thread is pinned to one core (taskset), as the goal is stated.
    if threads == 1 and shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    t0 = time.perf_counter()
    p = subprocess.Popen(
        cmd,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    err = p.stderr.read().decode()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if status != 0:
        raise RuntimeError(f"scan failed: {err[-500:]}")
    counts: dict[str, int] = {}
    for line in err.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    return dt, ru.ru_maxrss, counts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--vessels", type=int, default=5000)
    ap.add_argument("--hours", type=float, default=3.0)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    os.makedirs(WORK, exist_ok=True)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "finisterra-cli"], cwd=ROOT, check=True)
    cores = os.cpu_count() or 1
    print(f"{cores} CPUs; one thread pinned to one core, then `--threads {cores}`")
    print(f"{'input':<34}{'threads':>8}{'messages':>12}{'events':>10}{'open risks':>11}{'seconds':>9}"
          f"{'msg/s':>11}{'peak MB':>9}")
    for interval, label in [(6, "raw rate (6 s)"), (60, "sampled (60 s)")]:
        path = os.path.join(WORK, f"fleet{args.vessels}_{args.hours:g}h_{interval}s.nmea")
        simulate(path, args.vessels, args.hours, interval)
        one = None
        for threads in sorted({1, cores}):
            dt, rss, c = scan(path, threads)
            msgs = c.get("messages", 0)
            events = sum(v for k, v in c.items() if k.startswith("events."))
            print(f"{label:<34}{threads:>8}{msgs:>12,}{events:>10,}{c.get('open_risks', 0):>11,}{dt:>9.2f}"
                  f"{msgs / dt:>11,.0f}{rss / 1024:>9.1f}")
            if one is None:
                one = (dt, c)
                vessels = c.get("vessels", 0)
                if vessels:
                    print(f"{'':<34}{vessels:,} vessels tracked, {c.get('screenings', 0):,} screenings, "
                          f"{c.get('precise_pairs', 0):,} precise pair assessments, "
                          f"{c.get('advice_plans', 0):,} advice plans")
            else:
                same = {k: v for k, v in c.items() if k.startswith("events.")} == \
                    {k: v for k, v in one[1].items() if k.startswith("events.")}
                print(f"{'':<34}{one[0] / dt:.2f}x the one-thread time; events by kind "
                      f"{'the same' if same else 'DIFFER'}")
    print("\ngoal (issue 3): 1,000,000 messages per second end to end on one core")


if __name__ == "__main__":
    sys.exit(main())
