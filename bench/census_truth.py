#!/usr/bin/env python3
"""Scores a census output directory against the truth written by
`finisterra simulate --fleet N --truth truth.json`: precision and recall of
encounters, loitering, gaps and spoofing (by sub-kind).

    python3 bench/census_truth.py truth.json out_dir [-v]

A finding matches a planted behaviour of the same kind (and spoofing
sub-kind) with the same MMSI(s) whose time window overlaps it (1 h slack).
Near misses are not planted (they happen by themselves in the traffic) and
are not scored here.
"""
import csv
import json
import sys
from datetime import datetime, timezone

SLACK_MS = 3_600_000


def ms(iso):
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).astimezone(timezone.utc).timestamp() * 1000)


def findings(out_dir):
    rows = []
    for kind in ("encounters", "loitering", "gaps", "spoofing"):
        with open(f"{out_dir}/{kind}.csv", newline="") as f:
            for r in csv.DictReader(f):
                mmsis = sorted(int(r[k]) for k in ("mmsi_a", "mmsi_b", "mmsi") if r.get(k))
                rows.append((kind, r.get("kind") if kind == "spoofing" else None, mmsis, ms(r["start_time"]), ms(r["end_time"])))
    return rows


def match(p, f):
    return (p["kind"] == f[0] and p.get("subkind") == f[1] and sorted(p["mmsi"]) == f[2]
            and f[3] <= p["end_ms"] + SLACK_MS and f[4] >= p["start_ms"] - SLACK_MS)


def score(truth_path, out_dir, verbose=False):
    truth = json.load(open(truth_path))
    planted = truth["planted"]
    found = findings(out_dir)
    tp_f = [f for f in found if any(match(p, f) for p in planted)]
    tp_p = [p for p in planted if any(match(p, f) for f in found)]
    by = {}
    for p in planted:
        k = p["kind"] + (":" + p["subkind"] if p.get("subkind") else "")
        d = by.setdefault(k, [0, 0, 0])
        d[0] += 1
        d[1] += any(match(p, f) for f in found)
    for f in found:
        k = f[0] + (":" + f[1] if f[1] else "")
        by.setdefault(k, [0, 0, 0])[2] += 1
    precision = len(tp_f) / max(1, len(found))
    recall = len(tp_p) / max(1, len(planted))
    if verbose:
        for f in found:
            if f not in tp_f:
                print("  not planted:", f)
        for p in planted:
            if p not in tp_p:
                print("  missed:", p["kind"], p.get("subkind"), p["mmsi"], p["start"], p["end"])
    return precision, recall, by, len(planted), len(found)


if __name__ == "__main__":
    p, r, by, n_planted, n_found = score(sys.argv[1], sys.argv[2], "-v" in sys.argv)
    print(f"planted {n_planted}, found {n_found}: precision {p:.3f}, recall {r:.3f}")
    for k, (planted, hit, found) in sorted(by.items()):
        print(f"  {k:<28} planted {planted:>4}  found {hit:>4}  census rows {found:>4}")
