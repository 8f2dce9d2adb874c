#!/usr/bin/env python3
"""Mode S / ADS-B: `finisterra decode --modes` against rs1090 and pyModeS,
and the cost of screening aircraft and vessels together, in one run.

    python3 bench/modes.py [--frames N] [--repeat R] [--no-build]

1. builds `finisterra` (release) and bench/peers' `peer-rs1090` (the
   `rs1090` crate from crates.io) unless --no-build;
2. writes bench/work/modes_<N>.avr: pyModeS's ADS-B sample frames
   (../shared/corpus/adsb/pyModeS/sample_data_adsb.csv, read in place: GPL,
   not copied into the repository) repeated to N lines of `*hex;`;
3. decode only, single thread, best of R: `finisterra decode --modes
   --count` (with CPR pairing and the aircraft table), `peer-rs1090` (each
   frame alone, no CPR), pyModeS from PyPI (3.x: its streaming
   `PipeDecoder`, with CPR pairing, on the first 200,000 frames);
4. screening cost: `cargo run --release -p finisterra-engine --example
   screen_air` (10,000 aircraft and 100,000 vessels in one engine).

Prints figures and ratios; a peer that is not installed is reported
missing, never guessed. Times are CPU time (user + system) of one thread; still, run on a quiet machine.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
WORK = os.path.join(ROOT, "bench", "work")
FIN = os.path.join(ROOT, "target", "release", "finisterra")
PEER = os.path.join(ROOT, "bench", "peers", "target", "release", "peer-rs1090")
SAMPLE = os.path.join(ROOT, "..", "shared", "corpus", "adsb", "pyModeS", "sample_data_adsb.csv")

PYMODES = r"""
import sys, time
import pyModeS as pms
msgs = [l.strip()[1:-1] for l in open(sys.argv[1]) if l.strip()]
n = 0
t = time.process_time()
if hasattr(pms, "PipeDecoder"):
    # pyModeS 3: the streaming decoder, CPR pairs and local decoding, as
    # finisterra decodes (one frame every 10 ms of data time).
    d = pms.PipeDecoder()
    for i, m in enumerate(msgs):
        d.decode(m, timestamp=i * 0.01)
        n += 1
else:
    # pyModeS 2: per-frame functions, no CPR pairing.
    for m in msgs:
        tc = pms.adsb.typecode(m)
        if tc is not None and 1 <= tc <= 4:
            pms.adsb.callsign(m)
        elif tc is not None and (9 <= tc <= 18 or 20 <= tc <= 22):
            pms.adsb.altitude(m)
        elif tc == 19:
            pms.adsb.velocity(m)
        n += 1
print(n, time.process_time() - t, getattr(pms, "__version__", "?"))
"""


def best(cmd, repeat):
    """Best of `repeat` runs: the child's CPU time (user + system), which a
    busy machine disturbs far less than wall time."""
    import resource
    times = []
    out = ""
    for _ in range(repeat):
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        times.append((r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime))
    return min(times), out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-build", action="store_true")
    a = ap.parse_args()
    if not a.no_build:
        subprocess.run(["cargo", "build", "--release", "-p", "finisterra-cli"], cwd=ROOT, check=True)
        subprocess.run(["cargo", "build", "--release", "--bin", "peer-rs1090"],
                       cwd=os.path.join(ROOT, "bench", "peers"), check=False)
    os.makedirs(WORK, exist_ok=True)
    path = os.path.join(WORK, f"modes_{a.frames}.avr")
    if not os.path.exists(path):
        with open(SAMPLE) as f:
            frames = [row[1] for row in csv.reader(f) if len(row) > 1]
        with open(path, "w") as f:
            for i in range(a.frames):
                f.write(f"*{frames[i % len(frames)]};\n")
    n = a.frames
    results = {}
    t, out = best([FIN, "decode", "--modes", "--count", path], a.repeat)
    results["finisterra"] = t
    print(f"finisterra decode --modes: {n / t / 1e6:.2f} M frames/s ({t:.3f} s)")
    print("  " + " ".join(out.split("\n")[:3]))
    if os.path.exists(PEER):
        t, out = best([PEER, path], a.repeat)
        results["rs1090"] = t
        print(f"rs1090 (crate, per frame, no CPR): {n / t / 1e6:.2f} M frames/s ({t:.3f} s)")
    else:
        print("rs1090: peer not built (bench/peers, cargo build --release --bin peer-rs1090): missing")
    try:
        small = os.path.join(WORK, "modes_pymodes.avr")
        k = min(n, 200_000)
        with open(path) as src, open(small, "w") as dst:
            for i, line in enumerate(src):
                if i >= k:
                    break
                dst.write(line)
        r = subprocess.run([sys.executable, "-c", PYMODES, small], check=True, capture_output=True, text=True)
        cnt, secs, ver = r.stdout.split()
        results["pyModeS"] = float(secs) * n / k
        print(f"pyModeS {ver} (PyPI; PipeDecoder with CPR in 3.x): {k / float(secs) / 1e6:.3f} M frames/s (on {k} frames)")
    except Exception as e:  # noqa: BLE001
        print(f"pyModeS: missing ({e})")
    for peer in ("rs1090", "pyModeS"):
        if peer in results:
            print(f"ratio finisterra / {peer}: {results[peer] / results['finisterra']:.1f}x")
    r = subprocess.run(["cargo", "run", "--release", "-q", "-p", "finisterra-engine", "--example", "screen_air"],
                       cwd=ROOT, capture_output=True, text=True)
    print(r.stdout.strip() or r.stderr.strip()[-2000:])
    return 0


if __name__ == "__main__":
    sys.exit(main())
