#!/usr/bin/env python3
"""The census on many machines (issue 12), measured on this machine (not a
test: it prints figures).

1. Simulates a fleet of several days (`finisterra simulate --fleet`) and
   builds its position archive (`finisterra archive build`), once, kept in
   bench/work/census_nats/.
2. The census of the archive on one machine (`census ARCHIVE`, every core).
3. The same through NATS JetStream: a fresh `nats-server -js` on loopback,
   1 and then 2 `census-worker`s (`--threads 1` each: one core each here),
   `census ARCHIVE --nats URL`; wall time, the CPU of every process, and
   whether every output file equals the one-machine census's, byte for
   byte.
4. All detectors again on 2 workers with `--spoofing-by-day` (spoofing
   judged in the day shards, not in one shard over the whole archive).
5. The same with `--only near_misses,encounters` (precursor 1 day instead
   of 3).

On 2 cores this cannot show machines scaling: it shows the cost of the
shards (each day read again as the next days' precursor: (1 + precursor) x
the reading and judging) and that the result is the same. The model: with
M machines of one core each, a census of D days takes about
(1 + P) x T1 / min(M, D) where T1 is the one-core census time and P the
precursor in days.

    python3 bench/census_nats.py [--fleet 1000 --hours 240] [--skip-build]
"""

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
WORK = os.path.join(ROOT, "bench", "work", "census_nats")
BIN = os.environ.get("FINISTERRA_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release", "finisterra")
sys.path.insert(0, os.path.join(ROOT, "bench"))
from cluster import Server, cpu_s, find_nats_server  # noqa: E402


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def same_files(a, b):
    names = sorted(os.listdir(a))
    if names != sorted(os.listdir(b)):
        return False, "different file lists"
    diff = [n for n in names if not filecmp.cmp(os.path.join(a, n), os.path.join(b, n), shallow=False)]
    return not diff, ", ".join(diff) or "all equal"


def summary_diff(a, b, most=6):
    """The `summary.json` values that differ between two outputs."""
    import json

    def flat(d, p=""):
        if not isinstance(d, dict):
            return {p: d}
        out = {}
        for k, v in d.items():
            out.update(flat(v, f"{p}.{k}" if p else k))
        return out

    x = flat(json.load(open(os.path.join(a, "summary.json"))))
    y = flat(json.load(open(os.path.join(b, "summary.json"))))
    keys = [k for k in sorted(set(x) | set(y)) if x.get(k) != y.get(k)]
    said = ", ".join(f"{k} {x.get(k)} vs {y.get(k)}" for k in keys[:most])
    return f"{len(keys)} values of summary.json differ: {said}{' ...' if len(keys) > most else ''}"


def one_machine(arch, out, extra):
    shutil.rmtree(out, ignore_errors=True)
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "TIME %U %S", BIN, "census", arch, "--out", out, "-q"] + extra,
                       capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(p.stderr)
    u, s = p.stderr.strip().splitlines()[-1].split()[1:]
    return wall, float(u) + float(s)


def many(nats_bin, arch, out, workers, extra):
    server = Server(nats_bin)
    shutil.rmtree(out, ignore_errors=True)
    ws = [subprocess.Popen([BIN, "census-worker", "--nats", server.url, "--threads", "1"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
          for _ in range(workers)]
    time.sleep(0.5)
    t0 = time.perf_counter()
    coord = subprocess.Popen([BIN, "census", arch, "--nats", server.url, "--out", out, "-q"] + extra,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peak = {}
    while coord.poll() is None:
        for i, w in enumerate(ws):
            try:
                peak[i] = cpu_s(w.pid)
            except OSError:
                pass
        time.sleep(0.05)
    wall = time.perf_counter() - t0
    err = coord.stderr.read()
    if coord.returncode != 0:
        sys.exit(err)
    worker_cpu = sum(peak.values())
    server_cpu = server.cpu()
    shards = []
    for w in ws:
        w.kill()
        w.wait()
        shards.append(w.stderr.read().count("findings,"))
    server.stop()
    return wall, worker_cpu, server_cpu, shards


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fleet", type=int, default=1000)
    ap.add_argument("--hours", type=float, default=240)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--skip-build", action="store_true")
    ap.add_argument("--all-only", action="store_true", help="only the census with every detector")
    args = ap.parse_args()
    if not args.skip_build:
        print("building the release binary ...", flush=True)
        sh(["cargo", "build", "--release", "-q", "-p", "finisterra-cli"], cwd=ROOT)
    nats_bin = find_nats_server()
    os.makedirs(WORK, exist_ok=True)
    stem = os.path.join(WORK, f"fleet{args.fleet}_{args.hours:g}h_s{args.seed}")
    arch = stem + ".archive"
    if not os.path.exists(os.path.join(arch, "finisterra-archive.json")):
        nmea = stem + ".nmea.gz"
        if not os.path.exists(nmea):
            print(f"simulating {args.fleet} vessels for {args.hours:g} h ...", flush=True)
            with open(nmea + ".tmp", "wb") as f:
                sim = subprocess.Popen([BIN, "simulate", "--fleet", str(args.fleet), "--hours", str(args.hours),
                                        "--seed", str(args.seed)], stdout=subprocess.PIPE)
                gz = subprocess.Popen(["gzip", "-1"], stdin=sim.stdout, stdout=f)
                sim.stdout.close()
                gz.wait()
                sim.wait()
            os.rename(nmea + ".tmp", nmea)
        print("building the archive ...", flush=True)
        shutil.rmtree(arch, ignore_errors=True)
        sh([BIN, "archive", "build", nmea, "--out", arch, "-q"])
    import json
    manifest = json.load(open(os.path.join(arch, "finisterra-archive.json")))
    days = sorted({p["day"] for p in manifest["positions"]})
    rows = sum(p["rows"] for p in manifest["positions"])
    print(f"archive: {arch}: {rows:,} positions over {len(days)} days; {os.cpu_count()} cores")
    runs_of = [("all detectors (precursor 3 days; spoofing in a shard over the whole archive)", [], "all"),
               ("--only near_misses,encounters (precursor 1 day)", ["--only", "near_misses,encounters"], "nm")]
    for label, extra, tag in runs_of[:1] if args.all_only else runs_of:
        print(f"\n{label}:")
        one = os.path.join(WORK, f"one-{tag}")
        w1, c1 = one_machine(arch, one, extra)
        print(f"  one machine, every core:        {w1:7.2f} s wall, {c1:7.2f} s CPU")
        w1t, c1t = one_machine(arch, one + "1", extra + ["--threads", "1"])
        print(f"  one machine, --threads 1:       {w1t:7.2f} s wall, {c1t:7.2f} s CPU")
        runs = [(n, [], "") for n in (1, 2)]
        if not extra:
            # Spoofing judged in the day shards instead: no whole-archive
            # shard, episodes longer than the precursor cut.
            runs.append((2, ["--spoofing-by-day"], " --spoofing-by-day"))
        for n, more, note in runs:
            out = os.path.join(WORK, f"many{n}-{tag}{'-by-day' if more else ''}")
            wall, wcpu, scpu, shards = many(nats_bin, arch, out, n, extra + more)
            ok, what = same_files(one, out)
            print(f"  {n} census worker(s){note} over NATS:  {wall:7.2f} s wall, workers {wcpu:7.2f} s CPU "
                  f"({wcpu / c1t:.2f}x the one-thread census), nats-server {scpu:.2f} s; "
                  f"shards per worker {shards}; files {'EQUAL' if ok else 'DIFFER: ' + what}")
            if not ok and "summary.json" in what:
                print(f"    {summary_diff(one, out)}")


if __name__ == "__main__":
    main()
