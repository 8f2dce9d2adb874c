#!/usr/bin/env python3
"""Benchmark of `finisterra census` against what an analyst would write
instead, all reading the same Parquet position archive (not a test: it
prints figures).

    python3 bench/census.py [--fleet 5000] [--hours 48] [--seed 1]
                            [--big-hours 240] [--skip-big] [--skip-build]

1. Builds the release binary and simulates a fleet (`finisterra simulate
   --fleet N --hours H`, gzip NMEA with tag-block times, at least 10 million
   position messages; kept in bench/work/census/ and reused).
2. Builds the position archive from the gzip NMEA (`finisterra archive
   build`, timed): Parquet by day (files of up to 1,048,576 rows in reading
   order), each file sorted by vessel and time.
3. The census reads that archive: all detectors, `--only encounters`,
   `--only gaps`, on one thread and on every core (`--threads`), and a rerun
   of the near misses with another threshold; findings scored against the
   planted truth. Then the archive's index (`archive index`, timed) and
   `--only encounters`, `--only gaps`, `--only near_misses`, `--only
   loitering`, `--only spoofing` and all detectors at once answered from
   it, with the default thresholds and with others, compared with the census
   from the positions. The census from the gzip NMEA too, for comparison.
4. DuckDB (PyPI `duckdb`) reads the same archive: the GFW encounter
   definition as SQL — 10-minute bins, grid-binned self-join within 500 m,
   consecutive bins (gaps and islands), at least 2 h, median speeds below
   2 kn. DuckDB has no coastline, so its "10 km from shore" cannot be
   applied: its extra rows are checked against the simulator's anchorages.
5. pandas/numpy (PyPI) read the same archive: a gap detector in the style of
   GFW's pipe-gaps (sort by vessel and time, time difference to the next
   position, gaps of at least 12 h); load timed separately.
6. Peak RSS of the census at about 10 M and 50 M messages (/usr/bin/time),
   archive against archive and gzip NMEA against gzip NMEA.

Ratios are other tool's time / census time: above 1, the census is faster.
Every tool reads the same files; the census also decides which positions
count (the engine's picture) and judges every detector it runs.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
WORK = os.path.join(ROOT, "bench", "work", "census")
BIN = os.environ.get("FINISTERRA_BIN") or os.path.join(
    os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target"), "release", "finisterra")
sys.path.insert(0, os.path.join(ROOT, "bench"))
import census_truth  # noqa: E402


def sh(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def ensure_python_packages():
    try:
        import duckdb  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError:
        print("installing duckdb, pandas, pyarrow from PyPI ...", flush=True)
        sh([sys.executable, "-m", "pip", "install", "-q", "duckdb", "pandas", "pyarrow"])


def timed(cmd):
    """Runs a command under /usr/bin/time: (wall s, user+sys s, peak RSS MiB, stderr)."""
    t0 = time.perf_counter()
    p = subprocess.run(["/usr/bin/time", "-f", "TIME %e %U %S %M"] + cmd, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        sys.exit(f"{cmd} failed:\n{p.stderr}")
    m = re.search(r"TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)", p.stderr)
    cpu = float(m.group(2)) + float(m.group(3))
    return wall, cpu, int(m.group(4)) / 1024.0, p.stderr


def simulate(fleet, hours, seed):
    os.makedirs(WORK, exist_ok=True)
    stem = os.path.join(WORK, f"fleet{fleet}_{hours:g}h_s{seed}")
    nmea, truth = stem + ".nmea.gz", stem + ".truth.json"
    if not (os.path.exists(nmea) and os.path.exists(truth)):
        print(f"simulating {fleet} vessels for {hours:g} h ...", flush=True)
        t0 = time.perf_counter()
        sh([BIN, "simulate", "--fleet", str(fleet), "--hours", str(hours), "--seed", str(seed),
            "--out", nmea, "--truth", truth])
        print(f"  simulated in {time.perf_counter() - t0:.1f} s", flush=True)
    t = json.load(open(truth))
    return nmea, truth, t


def ports():
    src = open(os.path.join(ROOT, "crates", "sim", "src", "fleet", "world.rs")).read()
    found = re.findall(r'Port \{\s*name: "[^"]+",\s*lat: ([-\d.]+),\s*lon: ([-\d.]+),?\s*\}', src)
    if not found:
        sys.exit("bench/census.py: no ports found in crates/sim/src/fleet/world.rs (has the table moved?)")
    return [(float(a), float(b)) for a, b in found]


def km(lat1, lon1, lat2, lon2):
    import math
    p = math.pi / 180
    a = math.sin((lat2 - lat1) * p / 2) ** 2 + math.cos(lat1 * p) * math.cos(lat2 * p) * math.sin((lon2 - lon1) * p / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def census_rows(out_dir, kind):
    import csv
    with open(os.path.join(out_dir, kind + ".csv"), newline="") as f:
        return list(csv.DictReader(f))


def ms(iso):
    return census_truth.ms(iso)


DUCKDB_ENCOUNTERS = """
WITH binned AS (
  SELECT mmsi, time_ms // 600000 AS bin, avg(lat) AS lat, avg(lon) AS lon, avg(sog_kn) AS sog
  FROM positions GROUP BY mmsi, bin
), slow AS (
  SELECT *, floor(lat * 100)::BIGINT AS gy, floor(lon * 100)::BIGINT AS gx FROM binned WHERE sog < 4
), around AS (
  SELECT s.*, s.gy + dy AS ny, s.gx + dx AS nx
  FROM slow s, (SELECT unnest([-1, 0, 1]) AS dy), (SELECT unnest([-1, 0, 1]) AS dx)
), pairs AS (
  SELECT a.mmsi AS a, b.mmsi AS b, a.bin,
         2 * 6371008.8 * asin(sqrt(pow(sin(radians(b.lat - a.lat) / 2), 2)
             + cos(radians(a.lat)) * cos(radians(b.lat)) * pow(sin(radians(b.lon - a.lon) / 2), 2))) AS d,
         a.sog AS sa, b.sog AS sb, (a.lat + b.lat) / 2 AS lat, (a.lon + b.lon) / 2 AS lon
  FROM slow a JOIN around b ON a.bin = b.bin AND a.gy = b.ny AND a.gx = b.nx AND a.mmsi < b.mmsi
), close AS (
  SELECT * FROM pairs WHERE d <= 500
), runs AS (
  SELECT *, bin - row_number() OVER (PARTITION BY a, b ORDER BY bin) AS grp FROM close
)
SELECT a, b, min(bin) * 600000 AS start_ms, max(bin) * 600000 AS end_ms, count(*) AS points,
       median(sa) AS median_sog_a, median(sb) AS median_sog_b, avg(lat) AS lat, avg(lon) AS lon,
       median(d) AS median_distance_m
FROM runs GROUP BY a, b, grp
HAVING max(bin) - min(bin) >= 12 AND median(sa) < 2 AND median(sb) < 2
ORDER BY a, b, start_ms
"""


def pandas_gaps(parquet):
    import numpy as np
    import pandas as pd
    t0 = time.perf_counter()
    df = pd.read_parquet(parquet, columns=["mmsi", "time", "lat_deg", "lon_deg"])
    df = df[df["lat_deg"].notna() & df["lon_deg"].notna()]
    df = pd.DataFrame({"mmsi": df["mmsi"].to_numpy(), "time_ms": df["time"].astype("int64").to_numpy(),
                       "lat": df["lat_deg"].to_numpy(), "lon": df["lon_deg"].to_numpy()})
    t_load = time.perf_counter() - t0
    t0 = time.perf_counter()
    # pipe-gaps style: by vessel and time, gap = time to the next position.
    df = df.sort_values(["mmsi", "time_ms"], kind="stable")
    m = df["mmsi"].to_numpy()
    t = df["time_ms"].to_numpy()
    lat = df["lat"].to_numpy()
    lon = df["lon"].to_numpy()
    same = m[1:] == m[:-1]
    dt = t[1:] - t[:-1]
    idx = np.nonzero(same & (dt >= 12 * 3_600_000))[0]
    gaps = pd.DataFrame({
        "mmsi": m[idx], "start_ms": t[idx], "end_ms": t[idx + 1],
        "lat": lat[idx], "lon": lon[idx], "end_lat": lat[idx + 1], "end_lon": lon[idx + 1],
        "hours": dt[idx] / 3.6e6,
    })
    t_detect = time.perf_counter() - t0
    return gaps, t_load, t_detect, len(df)


def overlap(a, b):
    """Pairs (mmsis, start, end) of a that overlap one of b in time (1 h slack)."""
    slack = 3_600_000
    return sum(1 for x in a if any(x[0] == y[0] and x[1] <= y[2] + slack and x[2] >= y[1] - slack for y in b))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fleet", type=int, default=5000)
    ap.add_argument("--hours", type=float, default=48)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--big-hours", type=float, default=240, help="hours of the ~50 M message archive (memory check)")
    ap.add_argument("--skip-big", action="store_true")
    ap.add_argument("--skip-build", action="store_true")
    args = ap.parse_args()

    ensure_python_packages()
    import duckdb

    if not args.skip_build:
        print("building the release binary ...", flush=True)
        sh(["cargo", "build", "--release", "-q", "-p", "finisterra-cli"], cwd=ROOT)

    nmea, truth_path, truth = simulate(args.fleet, args.hours, args.seed)
    positions = truth["position_messages"]
    messages = positions + truth["static_messages"]
    size_mb = os.path.getsize(nmea) / 1e6
    print(f"archive: {nmea} ({size_mb:.0f} MB gzip): {positions:,} position + {truth['static_messages']:,} static messages, "
          f"{truth['lines']:,} lines{'' if positions >= 10_000_000 else '  (WARNING: below 10 M positions)'}")

    # The archive, built once from the gzip NMEA (timed).
    arch = os.path.join(WORK, f"archive_fleet{args.fleet}_{args.hours:g}h_s{args.seed}")
    if os.path.exists(arch):
        shutil.rmtree(arch)
    bwall, bcpu, brss, _ = timed([BIN, "archive", "build", nmea, "--out", arch, "-q"])
    manifest = json.load(open(os.path.join(arch, "finisterra-archive.json")))
    rows = sum(p["rows"] for p in manifest["positions"])
    arch_mb = sum(os.path.getsize(os.path.join(arch, p["file"])) for p in manifest["positions"] + manifest["statics"]) / 1e6
    print(f"\narchive build from gzip NMEA: {bwall:.2f} s wall, {bcpu:.2f} s CPU, RSS {brss:.0f} MiB; "
          f"{rows:,} position rows in {len(manifest['positions'])} files, {arch_mb:.0f} MB")

    def census(out, *extra, src=arch, best_of=2):
        runs = [timed([BIN, "census", src, "--out", out, "--no-progress", "-q", "--no-report", *extra])
                for _ in range(best_of)]
        return min(runs)

    cores = os.cpu_count() or 1
    out = os.path.join(WORK, "out")
    wall, cpu, rss, _ = census(out)
    p, r, by, n_planted, n_found = census_truth.score(truth_path, out)
    print(f"\ncensus of the archive, all detectors, {cores} threads: {wall:.2f} s wall, {cpu:.2f} s CPU, peak RSS {rss:.0f} MiB; "
          f"{messages / wall / 1e6:.2f} M msg/s")
    print(f"  truth: {n_planted} planted, precision {p:.3f}, recall {r:.3f}")
    counts = {k: len(census_rows(out, k)) for k in ("near_misses", "encounters", "loitering", "gaps", "spoofing")}
    print("  findings: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    t1 = {}
    tn = {"all": wall}
    t1["all"] = census(os.path.join(WORK, "out_1t"), "--threads", "1")[0]
    same1 = all(open(os.path.join(WORK, "out_1t", k + ".csv")).read() == open(os.path.join(out, k + ".csv")).read()
                for k in counts)
    print(f"  all detectors on 1 thread: {t1['all']:.2f} s (same tables as on {cores}: {same1}); "
          f"speed-up {t1['all'] / wall:.2f}x")
    for kind in ("encounters", "gaps", "near_misses"):
        o = os.path.join(WORK, "out_" + kind)
        w, c, m, _ = census(o, "--only", kind, "--no-index")
        w1 = census(o + "_1t", "--only", kind, "--threads", "1", "--no-index")[0]
        same = open(os.path.join(o, kind + ".csv")).read() == open(os.path.join(out, kind + ".csv")).read()
        tn[kind], t1[kind] = w, w1
        print(f"  --only {kind:<12} {w:6.2f} s on {cores} threads, {w1:6.2f} s on 1 ({c:.2f} s CPU, RSS {m:.0f} MiB); "
              f"same {kind} as the full run: {same}")
    rw = census(os.path.join(WORK, "out_rerun"), "--only", "near_misses", "--near-miss-nm", "0.3", "--no-index")[0]
    print(f"  rerun: --only near_misses --near-miss-nm 0.3 from the archive's positions: {rw:.2f} s")

    # The archive's index: the archive read once at the widest thresholds,
    # then encounters and gaps answered from their candidates alone.
    xwall, xcpu, xrss, _ = timed([BIN, "archive", "index", arch, "-q"])
    xdir = os.path.join(arch, "index")
    xmeta = json.load(open(os.path.join(xdir, "index.json")))
    xmb = sum(os.path.getsize(os.path.join(xdir, f)) for f in os.listdir(xdir)) / 1e6
    by_band = {}
    for b in xmeta["bands"]:
        total, far = by_band.get(b["upto_m"], (0, 0))
        by_band[b["upto_m"]] = (total + b["rows"], far + (b["rows"] if b["shore_below_m"] is None else 0))
    bands = ", ".join(f"{t:,} up to {u:g} m ({f:,} of runs that may be 10 km from the coast)"
                      for u, (t, f) in sorted(by_band.items()))
    n_nm = sum(b["rows"] for b in xmeta["near_miss_bands"])
    print(f"  index (`archive index`: pairs within {xmeta['spec']['max_distance_m']:g} m, median speeds up to "
          f"{xmeta['spec']['max_median_sog_kn']:g} kn, silences of {xmeta['spec']['min_gap_s'] / 3600:g} h or more, "
          f"near misses closer than {xmeta['spec']['max_near_miss_nm']:g} NM): "
          f"{xwall:.2f} s wall, {xcpu:.2f} s CPU, RSS {xrss:.0f} MiB; pairs {bands}; {xmeta['gaps']:,} silences; "
          f"{n_nm:,} near-miss candidates; {xmeta['loitering']:,} loitering rows; {xmeta['spoofing']:,} spoofing findings; {xmb:.0f} MB")

    def from_index(out, *extra):
        best = None
        for _ in range(3):
            w, c, m, err = timed([BIN, "census", arch, "--out", out, "--no-progress", "--no-report", *extra])
            if "answered from the index" not in err:
                sys.exit(f"the census did not use the index: {err}")
            best = (w, c, m) if best is None else min(best, (w, c, m))
        return best

    def same_table(a, b, kind):
        return open(os.path.join(a, kind + ".csv")).read() == open(os.path.join(b, kind + ".csv")).read()

    for kind in ("encounters", "gaps", "near_misses", "loitering", "spoofing"):
        o = os.path.join(WORK, f"out_{kind}_index")
        iw, ic, im = from_index(o, "--only", kind)
        tn["index_" + kind] = t1["index_" + kind] = iw
        alone = os.path.join(WORK, "out_" + kind)
        print(f"  --only {kind} from the index: {iw:.3f} s wall, {ic:.3f} s CPU, RSS {im:.0f} MiB; "
              f"same {kind} as from the positions: {same_table(o, alone if os.path.isdir(alone) else out, kind)}")
    o = os.path.join(WORK, "out_all_index")
    aw, ac, am = from_index(o)
    tn["index_all"] = t1["index_all"] = aw
    print(f"  all detectors from the index: {aw:.3f} s wall, {ac:.3f} s CPU, RSS {am:.0f} MiB; "
          f"same five tables as from the positions: {all(same_table(o, out, k) for k in counts)}")
    reruns = (("encounters", ("--encounter-m", "1000", "--encounter-hours", "1")),
              ("loitering", ("--loiter-hours", "1")),
              ("gaps", ("--gap-hours", "2", "--gap-shore-nm", "20")),
              ("near_misses", ("--near-miss-nm", "0.3")),
              ("near_misses", ("--near-miss-criterion", "domain")))
    for n, (kind, extra) in enumerate(reruns):
        o2 = os.path.join(WORK, f"out_{kind}_index_rerun{n}")
        rw2 = from_index(o2, "--only", kind, *extra)[0]
        pw2 = census(o2 + "_positions", "--only", kind, *extra, "--no-index", best_of=1)[0]
        print(f"  rerun --only {kind} {' '.join(extra)}: {rw2:.3f} s from the index, {pw2:.2f} s from the positions "
              f"({len(census_rows(o2, kind))} {kind}; same: {same_table(o2, o2 + '_positions', kind)})")
    nwall, _, nrss, _ = census(os.path.join(WORK, "out_nmea"), src=nmea, best_of=1)
    print(f"  (the census from the gzip NMEA, all detectors, {cores} threads: {nwall:.2f} s)")

    # DuckDB encounters on the archive.
    con = duckdb.connect()
    con.execute(f"CREATE VIEW positions AS SELECT mmsi, epoch_ms(time) AS time_ms, lat_deg AS lat, lon_deg AS lon, sog_kn "
                f"FROM read_parquet('{arch}/positions/*/*.parquet') WHERE lat_deg IS NOT NULL AND lon_deg IS NOT NULL")
    n_rows = con.execute("SELECT count(*) FROM positions").fetchall()[0][0]
    best = None
    for _ in range(2):
        t0 = time.perf_counter()
        enc = con.execute(DUCKDB_ENCOUNTERS).fetchall()
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    threads = con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    con.close()
    c_enc = [(tuple(sorted((int(x["mmsi_a"]), int(x["mmsi_b"])))), ms(x["start_time"]), ms(x["end_time"]))
             for x in census_rows(out, "encounters")]
    d_enc = [(tuple(sorted((int(x[0]), int(x[1])))), int(x[2]), int(x[3])) for x in enc]
    both = overlap(c_enc, d_enc)
    pts = ports()
    matched = {y for y in d_enc if overlap([y], c_enc)}
    extra = [x for x, y in zip(enc, d_enc) if y not in matched]
    near_port = sum(1 for x in extra if min(km(x[7], x[8], a, b) for a, b in pts) < 15)
    print(f"\nDuckDB {duckdb.__version__} ({threads} threads) encounters on {n_rows:,} positions (the archive): {best:.2f} s")
    print(f"  rows {len(enc)}; census {len(c_enc)}; census encounters also found by DuckDB {both}/{len(c_enc)}; "
          f"DuckDB extras {len(extra)}, of which within 15 km of an anchorage (the census's 10 km-from-shore rule) {near_port}")

    # pandas gaps on the archive.
    import pandas
    gaps, t_load, t_detect, n = pandas_gaps(os.path.join(arch, "positions"))
    c_gap = [((int(x["mmsi"]),), ms(x["start_time"]), ms(x["end_time"])) for x in census_rows(out, "gaps")]
    p_gap = [((int(g.mmsi),), int(g.start_ms), int(g.end_ms)) for g in gaps.itertuples()]
    print(f"\npandas {pandas.__version__} gaps (pipe-gaps style) on {n:,} positions (the archive): load {t_load:.2f} s, "
          f"detect {t_detect:.2f} s ({n / t_detect / 1e6:.2f} M positions/s)")
    print(f"  rows {len(p_gap)}; census {len(c_gap)}; census gaps also found by pandas {overlap(c_gap, p_gap)}/{len(c_gap)}; "
          f"pandas gaps also found by census {overlap(p_gap, c_gap)}/{len(p_gap)}")

    print(f"\nratios (other tool's time / census time; above 1 the census is faster; all read the same archive; "
          f"load {os.getloadavg()[0]:.2f} at the end):")
    for label, t in (("1 thread", t1), (f"{cores} threads", tn)):
        print(f"  census on {label}:")
        print(f"    DuckDB encounters / census --only encounters     {best / t['encounters']:6.2f}x   (goal 10x)")
        print(f"      ... answered from the archive's index          {best / t['index_encounters']:6.2f}x   "
              f"(the index built once in {xwall:.1f} s)")
        print(f"    DuckDB encounters / census (all detectors)       {best / t['all']:6.2f}x   (goal > 1x)")
        print(f"      ... answered from the archive's index          {best / t['index_all']:6.2f}x")
        print(f"    pandas gaps detect / census --only gaps          {t_detect / t['gaps']:6.2f}x   (goal 10x)")
        print(f"    pandas gaps load+detect / census --only gaps     {(t_load + t_detect) / t['gaps']:6.2f}x")
        print(f"      ... detect / answered from the archive's index {t_detect / t['index_gaps']:6.2f}x   (goal 10x)")

    # Like against like: an archive's census against a longer archive's,
    # and gzip NMEA's against gzip NMEA's (the two read differently: an
    # archive's file of up to 1,048,576 rows is held whole, NMEA streams).
    print("\nmemory (peak RSS of the census, all detectors):")
    print(f"  archive,   {messages / 1e6:5.1f} M messages: {rss:.0f} MiB")
    if not args.skip_big:
        big, big_truth_path, big_truth = simulate(args.fleet, args.big_hours, args.seed)
        big_msgs = big_truth["position_messages"] + big_truth["static_messages"]
        big_arch = os.path.join(WORK, f"archive_fleet{args.fleet}_{args.big_hours:g}h_s{args.seed}")
        if os.path.exists(big_arch):
            shutil.rmtree(big_arch)
        awall, _, _, _ = timed([BIN, "archive", "build", big, "--out", big_arch, "-q"])
        cwall, _, crss, _ = timed([BIN, "census", big_arch, "--out", os.path.join(WORK, "out_big_archive"),
                                   "--no-progress", "-q", "--no-report"])
        print(f"  archive,   {big_msgs / 1e6:5.1f} M messages: {crss:.0f} MiB ({cwall:.1f} s wall; "
              f"the archive built in {awall:.1f} s)")
        bwall, bcpu, brss, _ = timed([BIN, "census", big, "--out", os.path.join(WORK, "out_big"), "--no-progress", "-q"])
        bp, br, *_ = census_truth.score(big_truth_path, os.path.join(WORK, "out_big"))
    print(f"  gzip NMEA, {messages / 1e6:5.1f} M messages: {nrss:.0f} MiB")
    if not args.skip_big:
        print(f"  gzip NMEA, {big_msgs / 1e6:5.1f} M messages: {brss:.0f} MiB ({bwall:.1f} s wall, "
              f"{big_msgs / bwall / 1e6:.2f} M msg/s; precision {bp:.3f}, recall {br:.3f})")


if __name__ == "__main__":
    main()
