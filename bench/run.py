#!/usr/bin/env python3
"""`finisterra decode` against the fastest AIS decoders there are, in one run.

    python3 bench/run.py [--lines N] [--repeat R] [--no-build] [--skip-slow]

What it does (single-threaded programs, same input file, best of R runs; finisterra
also on every core, `decode --threads`, the same bytes out):

1. builds `finisterra` (release) and the peer programs in bench/peers
   (the crates nmea-kit, ais, aivdm, and a floor that only reads lines and
   checks the NMEA checksum), unless --no-build;
2. generates bench/work/mix_<N>.nmea with bench/gen_mix.py (deterministic,
   realistic mix; 1,000,000 lines by default) if it is not there;
3. decode only: `finisterra decode --count` vs the peers;
4. with gpsd JSON written to /dev/null: `finisterra decode` vs gpsd's
   `gpsdecode -s -j` (Debian gpsd-clients) and AIS-catcher's decoder from
   PyPI (`aiscat`, JSON output);
5. peak memory of `finisterra decode` on the file and on a file five times
   larger (it must stay flat).

It prints every figure and the ratios. Timing is wall clock on an otherwise
idle machine; numbers move by a few percent between runs. Peers that are not
installed are reported as missing, not guessed.
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
PEERS = os.path.join(ROOT, "bench", "peers", "target", "release")

AISCAT = (
    "import sys, aiscat\n"
    "w = sys.stdout.buffer.write\n"
    "for m in aiscat.from_file(sys.argv[1], format='json'):\n"
    "    w(m); w(b'\\n')\n"
)


def run_once(cmd: list[str], stdin_path: str | None = None) -> tuple[float, int, bytes]:
    """Runs cmd; returns (wall seconds, peak RSS in KiB, stdout bytes unless discarded)."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    if stdin_path:
        stdin.close()
    if status != 0:
        raise RuntimeError(f"{cmd[0]} exited with status {status}")
    return dt, ru.ru_maxrss, out


def run_to_null(cmd: list[str], stdin_path: str | None = None) -> tuple[float, int]:
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(os.devnull, "wb") as null:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdin=stdin, stdout=null, stderr=subprocess.DEVNULL)
        _, status, ru = os.wait4(p.pid, 0)
        dt = time.perf_counter() - t0
    if stdin_path:
        stdin.close()
    if status != 0:
        raise RuntimeError(f"{cmd[0]} exited with status {status}")
    return dt, ru.ru_maxrss


def peak_rss_kib(cmd: list[str], stdin_path: str | None = None) -> int:
    """Peak RSS of one run, from GNU time (fork-inherited memory of this
    Python process would pollute getrusage of the child)."""
    if not os.path.exists("/usr/bin/time"):
        return 0
    tmp = os.path.join(WORK, "rss.txt")
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    with open(os.devnull, "wb") as null:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", tmp] + cmd, stdin=stdin, stdout=null,
                       stderr=subprocess.DEVNULL, check=True)
    if stdin_path:
        stdin.close()
    with open(tmp) as f:
        return int(f.read().strip().splitlines()[-1])


def best(fn, repeat: int):
    runs = [fn() for _ in range(repeat)]
    return min(runs, key=lambda r: r[0]), runs


def parse_counts(out: bytes) -> dict[str, int]:
    d = {}
    for line in out.decode(errors="replace").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            d[parts[0]] = int(parts[1])
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--skip-slow", action="store_true", help="skip gpsdecode and aiscat")
    args = ap.parse_args()

    os.makedirs(WORK, exist_ok=True)
    if not args.no_build:
        subprocess.run(["cargo", "build", "--release", "-q", "-p", "finisterra-cli"], cwd=ROOT, check=True)
        subprocess.run(["cargo", "build", "--release", "-q"], cwd=os.path.join(ROOT, "bench", "peers"), check=True)
    data = os.path.join(WORK, f"mix_{args.lines}.nmea")
    if not os.path.exists(data):
        subprocess.run([sys.executable, os.path.join(ROOT, "bench", "gen_mix.py"), data, "--lines", str(args.lines)], check=True)
    size_mb = os.path.getsize(data) / 1e6
    print(f"input: {data} ({args.lines:,} lines, {size_mb:.1f} MB); best of {args.repeat} runs; "
          f"{os.cpu_count()} CPUs; single-threaded programs")
    # Warm the page cache.
    with open(data, "rb") as f:
        while f.read(1 << 24):
            pass

    # --- decode only -------------------------------------------------------
    one = ["--threads", "1"]
    (t_fin, _, out), _ = best(lambda: run_once([FIN, "decode", "--count", *one, data]), args.repeat)
    rss_fin = peak_rss_kib([FIN, "decode", "--count", *one, data])
    counts = parse_counts(out)
    messages = counts.get("messages", 0)
    print(f"\n== decode only (messages decoded: {messages:,}, rejected: {counts.get('rejected', 0)})")
    print(f"{'program':<28}{'seconds':>9}{'M msg/s':>10}{'peak MB':>9}{'finisterra is':>16}")
    rows = [("finisterra decode --count", t_fin, rss_fin, messages)]
    (t_all, _, out_all), _ = best(lambda: run_once([FIN, "decode", "--count", data]), args.repeat)
    rss_all = peak_rss_kib([FIN, "decode", "--count", data])
    if out_all != out:
        print("  WARNING: the counts on every core differ from one thread's")
    for peer in ["nmea-kit", "ais", "aivdm", "floor"]:
        exe = os.path.join(PEERS, f"peer-{peer}")
        if not os.path.exists(exe):
            print(f"{peer:<28} missing ({exe})")
            continue
        (t, _, out), _ = best(lambda: run_once([exe, data]), args.repeat)
        rss = peak_rss_kib([exe, data])
        c = parse_counts(out)
        rows.append((f"{peer}" + (" (read + checksum only)" if peer == "floor" else ""), t, rss, c.get("messages", c.get("lines", 0))))
    for name, t, rss, n in rows:
        ratio = "" if name.startswith("finisterra") else f"{t / t_fin:6.2f}x faster"
        if name.startswith("floor"):
            ratio = f"{t_fin / t:6.2f}x the floor"
        print(f"{name:<28}{t:9.3f}{messages / t / 1e6:10.2f}{rss / 1024:9.1f}{ratio:>16}")
    print(f"{'finisterra, every core':<28}{t_all:9.3f}{messages / t_all / 1e6:10.2f}{rss_all / 1024:9.1f}"
          f"{t_fin / t_all:10.2f}x one thread")
    for name, t, rss, n in rows[1:]:
        if not name.startswith("floor") and n != messages:
            print(f"  note: {name} decoded {n:,} messages, finisterra {messages:,}")

    # --- JSON written ------------------------------------------------------
    print("\n== gpsd JSON written to /dev/null")
    (t_json, _), _ = best(lambda: run_to_null([FIN, "decode", *one, data]), args.repeat)
    rss_json = peak_rss_kib([FIN, "decode", *one, data])
    (t_json_all, _), _ = best(lambda: run_to_null([FIN, "decode", data]), args.repeat)
    rss_json_all = peak_rss_kib([FIN, "decode", data])
    print(f"{'program':<28}{'seconds':>9}{'M msg/s':>10}{'peak MB':>9}{'finisterra is':>16}")
    print(f"{'finisterra decode':<28}{t_json:9.3f}{messages / t_json / 1e6:10.2f}{rss_json / 1024:9.1f}")
    print(f"{'finisterra, every core':<28}{t_json_all:9.3f}{messages / t_json_all / 1e6:10.2f}"
          f"{rss_json_all / 1024:9.1f}{t_json / t_json_all:10.2f}x one thread")
    if args.skip_slow:
        print("(gpsdecode and aiscat skipped: --skip-slow)")
    else:
        if shutil.which("gpsdecode"):
            (t, _), _ = best(lambda: run_to_null(["gpsdecode", "-s", "-j"], stdin_path=data), max(1, min(args.repeat, 3)))
            rss = peak_rss_kib(["gpsdecode", "-s", "-j"], stdin_path=data)
            print(f"{'gpsdecode -s -j':<28}{t:9.3f}{messages / t / 1e6:10.2f}{rss / 1024:9.1f}{t / t_json:12.2f}x faster")
        else:
            print("gpsdecode: missing (apt-get install gpsd-clients)")
        try:
            import aiscat  # noqa: F401
            (t, _), _ = best(lambda: run_to_null([sys.executable, "-c", AISCAT, data]), max(1, min(args.repeat, 3)))
            rss = peak_rss_kib([sys.executable, "-c", AISCAT, data])
            print(f"{'aiscat (AIS-catcher, JSON)':<28}{t:9.3f}{messages / t / 1e6:10.2f}{rss / 1024:9.1f}{t / t_json:12.2f}x faster")
        except ImportError:
            print("aiscat: missing (pip install aiscat)")

    # --- memory stays flat -------------------------------------------------
    big = os.path.join(WORK, f"mix_{args.lines}_x5.nmea")
    if not os.path.exists(big):
        with open(big, "wb") as o:
            for _ in range(5):
                with open(data, "rb") as i:
                    shutil.copyfileobj(i, o, 1 << 24)
    rss_small = peak_rss_kib([FIN, "decode", *one, data])
    rss_big = peak_rss_kib([FIN, "decode", *one, big])
    rss_big_all = peak_rss_kib([FIN, "decode", big])
    print(f"\n== peak memory of `finisterra decode`: {rss_small / 1024:.1f} MB on {size_mb:.0f} MB, "
          f"{rss_big / 1024:.1f} MB on {5 * size_mb:.0f} MB (one thread); "
          f"{rss_big_all / 1024:.1f} MB on every core")
    return 0


if __name__ == "__main__":
    sys.exit(main())
