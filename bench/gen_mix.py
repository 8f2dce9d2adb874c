#!/usr/bin/env python3
"""Deterministic, realistic AIS NMEA mix for the `finisterra decode` benchmark.

    python3 bench/gen_mix.py OUT [--lines N] [--seed S] [--validate K]

Writes exactly N lines (default 1,000,000) of `!AIVDM` sentences, CRLF-terminated,
with correct checksums, fill bits, channels A/B and sequence ids on multi-part
messages. Same seed + same N => byte-identical output.

Mix. Percentages are of *messages* (a two-sentence type 5 counts once), drawn
independently per message:

    types 1/2/3   60 %  (1: 45, 2: 3, 3: 12)       Class A position
    type 18       15 %                             Class B position
    type 5         8 %  two sentences each          Class A static/voyage
    type 24        5 %  (part A 2.5, part B 2.5)    Class B static
    type 4         4 %                             base station
    type 21        2 %                             aid to navigation
    other          6 %  19: 1.2, 27: 1.0, 8 (DAC 1 / FI 31 meteo-hydro): 1.0,
                        15: 0.8, 6: 0.5, 20: 0.5, 14: 0.4 (a third of them
                        two sentences), 9: 0.3, 12: 0.3

With ~1.08 lines per message, 1 M lines hold about 925 k messages. So by *lines*,
type 5 is about 15 % of the file. The file is filled to exactly N lines: if a
two-sentence message would not fit on the last line, a single-sentence message
takes its place.

Fleet: 20,000 distinct MMSIs (12,000 Class A, 6,500 Class B, 400 base stations
00MIDxxxx, 1,000 AtoNs 99MIDxxxx, 100 SAR aircraft 111MIDxxx) with real MIDs.
Each vessel lives in one sea area (North Sea, Channel, Baltic, Biscay, Ionian,
Gulf of Mexico, SF approaches, Singapore Strait, East China Sea) and
random-walks inside it. SOG is 0-25 kn (0-0.3 when moored/anchored), COG 0-360,
heading near COG or 511, and so on. Static data (type 5, 24) are fixed per
vessel, as on air.

Multi-part messages are emitted as consecutive lines on one channel, with
sequence ids cycling 0-9 (as a single receiver writes them).

Validation: `--validate K` also decodes K sampled messages (every type) with
pyais 3.3.1 (`pip install pyais==3.3.1`) and compares them with the values the
generator meant to encode; it exits non-zero on any mismatch.
"""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import time

# --------------------------------------------------------------------------
# 6-bit armoring. A payload is a Python int (bit string, MSB first) + length.
# Encode 12 bits at a time via a 4096-entry table: hex digits -> 2 chars.

_ARMOR = [chr(v + 48) if v < 40 else chr(v + 56) for v in range(64)]
_HEX3 = {"%03x" % v: _ARMOR[v >> 6] + _ARMOR[v & 63] for v in range(4096)}


def armor(bits: int, nbits: int) -> tuple[str, int]:
    """Return (payload chars, fill bits) for an nbits-long bit string."""
    nchars = (nbits + 5) // 6
    fill = nchars * 6 - nbits
    pad12 = (-nbits) % 12
    nhex = (nbits + pad12) // 4
    h = "%0*x" % (nhex, bits << pad12)
    s = "".join([_HEX3[h[i:i + 3]] for i in range(0, nhex, 3)])
    return s[:nchars], fill


def nmea_checksum(body: str) -> int:
    """XOR of all bytes of body, folded on a big int."""
    b = body.encode("ascii")
    x = int.from_bytes(b, "little")
    n = len(b)
    while n > 1:
        half = (n + 1) // 2
        x = (x & ((1 << (half * 8)) - 1)) ^ (x >> (half * 8))
        n = half
    return x


def sentences(payload: str, fill: int, channel: str, seq: int, max_chars: int = 60) -> list[str]:
    """Frame a payload as one or more !AIVDM lines (CRLF-terminated)."""
    if len(payload) <= max_chars:
        body = "AIVDM,1,1,,%s,%s,%d" % (channel, payload, fill)
        return ["!%s*%02X\r\n" % (body, nmea_checksum(body))]
    parts = [payload[i:i + max_chars] for i in range(0, len(payload), max_chars)]
    out = []
    total = len(parts)
    for i, p in enumerate(parts, 1):
        body = "AIVDM,%d,%d,%d,%s,%s,%d" % (total, i, seq, channel, p, fill if i == total else 0)
        out.append("!%s*%02X\r\n" % (body, nmea_checksum(body)))
    return out


class Bits:
    """Tiny MSB-first bit accumulator."""

    __slots__ = ("v", "n")

    def __init__(self) -> None:
        self.v = 0
        self.n = 0

    def u(self, width: int, value: int) -> "Bits":
        self.v = (self.v << width) | (value & ((1 << width) - 1))
        self.n += width
        return self

    def text(self, nchars: int, s: str) -> "Bits":
        s = s.upper()[:nchars].ljust(nchars, "@")
        for ch in s:
            o = ord(ch)
            self.u(6, o - 64 if o >= 64 else o)
        return self


def sixbit_clean(s: str) -> str:
    """Keep only characters representable in AIS 6-bit ASCII."""
    ok = set("@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_ !\"#$%&'()*+,-./0123456789:;<=>?")
    return "".join(c for c in s.upper() if c in ok)


# --------------------------------------------------------------------------
# Fleet

MIDS = [211, 219, 230, 232, 235, 244, 245, 257, 265, 273, 304, 305, 309, 311, 338,
        366, 367, 368, 369, 351, 352, 353, 354, 355, 356, 357, 412, 413, 431, 440,
        477, 538, 563, 564, 565, 566, 636, 229, 248, 249, 256, 215, 218, 227, 247]

# (name, lat_min, lat_max, lon_min, lon_max): open water boxes.
AREAS = [
    ("north_sea", 53.6, 56.0, 2.5, 6.5),
    ("channel", 49.9, 50.4, -2.5, 0.5),
    ("baltic", 55.3, 56.8, 16.5, 19.5),
    ("biscay", 44.0, 46.5, -6.0, -2.5),
    ("ionian", 35.5, 38.5, 16.5, 20.0),
    ("gulf_mexico", 25.5, 28.0, -94.0, -86.0),
    ("sf_approach", 37.55, 37.85, -123.2, -122.7),
    ("singapore", 1.15, 1.25, 103.65, 104.1),
    ("east_china", 28.0, 32.0, 123.5, 126.5),
]

NAME_A = ["NORDIC", "MAERSK", "EVER", "OCEAN", "STAR", "BALTIC", "ATLANTIC", "PACIFIC", "GOLDEN",
          "SILVER", "ARCTIC", "CAPE", "SEA", "POLAR", "MSC", "CMA CGM", "COSCO", "STENA", "VIKING",
          "ISLAND", "ROYAL", "BLUE", "GREEN", "EASTERN", "WESTERN"]
NAME_B = ["STAR", "SPIRIT", "PRIDE", "QUEEN", "EXPRESS", "TRADER", "CARRIER", "HARMONY", "GLORY",
          "WAVE", "WIND", "HORIZON", "VOYAGER", "PIONEER", "NAVIGATOR", "EAGLE", "DOLPHIN", "FALCON",
          "RANGER", "SPLENDOR"]
PORTS = ["ROTTERDAM", "NLRTM", "HAMBURG", "DEHAM", "ANTWERP", "BEANR", "FELIXSTOWE", "GDANSK",
         "SGSIN", "SINGAPORE", "SHANGHAI", "CNSHA", "HOUSTON", "USHOU", "NEW ORLEANS", "OAKLAND",
         "SAN FRANCISCO", "PIRAEUS", "GRPIR", "BILBAO", "LE HAVRE", "STOCKHOLM", "KLAIPEDA",
         "BUSAN", "KRPUS", "FOR ORDERS", "LE HAVRE>HAMBURG"]
SHIP_TYPES_A = [70, 70, 70, 71, 79, 80, 80, 81, 84, 60, 69, 30, 52, 31, 90]
SHIP_TYPES_B = [37, 37, 37, 36, 36, 30, 31, 52, 90]
SAFETY_TEXTS = ["GALE WARNING AREA 7", "NAVAREA I 123/26 BUOY OFF STATION",
                "SECURITE SECURITE DERELICT VESSEL REPORTED IN POSITION 54-12N 004-31E DRIFTING SLOWLY",
                "MAN OVERBOARD KEEP SHARP LOOKOUT",
                "PLEASE REDUCE SPEED", "EXERCISE AREA ACTIVE 0800-1600 UTC KEEP CLEAR BY 2 NM",
                "CONTACT VTS ON VHF CH 16", "TEST", "FOG EXPECTED VISIBILITY BELOW 1 NM"]


class Vessel:
    __slots__ = ("mmsi", "area", "lat", "lon", "sog", "cog", "status", "static_cache", "seq")

    def __init__(self, mmsi: int, area: tuple, lat: float, lon: float, sog: float, cog: float, status: int):
        self.mmsi = mmsi
        self.area = area
        self.lat = lat
        self.lon = lon
        self.sog = sog
        self.cog = cog
        self.status = status
        self.static_cache = {}


def make_fleet(rng: random.Random):
    used = set()

    def new_mmsi(kind: str) -> int:
        while True:
            mid = rng.choice(MIDS)
            if kind == "vessel":
                m = mid * 1_000_000 + rng.randrange(1_000_000)
            elif kind == "base":
                m = mid * 10_000 + rng.randrange(10_000)          # 00MIDxxxx
            elif kind == "aton":
                m = 990_000_000 + mid * 10_000 + rng.randrange(10_000)
            else:  # sar
                m = 111_000_000 + mid * 1_000 + rng.randrange(1_000)
            if m not in used:
                used.add(m)
                return m

    def vessel(kind: str, moving_share: float) -> Vessel:
        area = rng.choice(AREAS)
        lat = rng.uniform(area[1], area[2])
        lon = rng.uniform(area[3], area[4])
        if kind == "vessel" and rng.random() < moving_share:
            sog = rng.uniform(2.0, 25.0)
            status = 0 if rng.random() < 0.9 else rng.choice([7, 8, 3])
        else:
            sog = rng.uniform(0.0, 0.3)
            status = rng.choice([1, 5]) if kind == "vessel" else 15
        return Vessel(new_mmsi(kind), area, lat, lon, sog, rng.uniform(0, 360), status)

    return {
        "A": [vessel("vessel", 0.75) for _ in range(12_000)],
        "B": [vessel("vessel", 0.5) for _ in range(6_500)],
        "base": [vessel("base", 0) for _ in range(400)],
        "aton": [vessel("aton", 0) for _ in range(1_000)],
        "sar": [vessel("sar", 0) for _ in range(100)],
    }


# --------------------------------------------------------------------------
# Message builders. Each returns (Bits, truth) with truth a dict of the values
# pyais should decode (built only when want_truth).

def _move(rng: random.Random, v: Vessel) -> None:
    if v.sog > 0.5:
        d = v.sog * 1e-4  # ~ a few seconds of travel, in degrees
        v.lat += d * math.cos(math.radians(v.cog))
        v.lon += d * math.sin(math.radians(v.cog))
        v.cog = (v.cog + rng.uniform(-2, 2)) % 360
    a = v.area
    if not (a[1] <= v.lat <= a[2] and a[3] <= v.lon <= a[4]):
        v.lat = min(max(v.lat, a[1]), a[2])
        v.lon = min(max(v.lon, a[3]), a[4])
        v.cog = (v.cog + 180) % 360


def _latlon_min4(v: Vessel) -> tuple[int, int]:
    return round(v.lon * 600000), round(v.lat * 600000)


def _radio19(rng: random.Random) -> int:
    return (rng.randrange(4) << 17) | (rng.randrange(8) << 14) | rng.randrange(1 << 14)


def msg_position_a(rng, v: Vessel, mtype: int, want: bool):
    _move(rng, v)
    lon, lat = _latlon_min4(v)
    sog = min(1022, round(v.sog * 10))
    cog = round(v.cog * 10) % 3600
    r = rng.random()
    hdg = 511 if r < 0.1 else int(round(v.cog + rng.uniform(-5, 5))) % 360
    rot = -128 if r > 0.85 else (0 if v.sog < 0.5 else rng.randint(-20, 20))
    sec = 60 if rng.random() < 0.02 else rng.randrange(60)
    acc = rng.randrange(2)
    raim = rng.randrange(2)
    b = (Bits().u(6, mtype).u(2, 0).u(30, v.mmsi).u(4, v.status).u(8, rot).u(10, sog).u(1, acc)
         .u(28, lon).u(27, lat).u(12, cog).u(9, hdg).u(6, sec).u(2, 0).u(3, 0).u(1, raim)
         .u(19, _radio19(rng)))
    t = None
    if want:
        t = {"msg_type": mtype, "mmsi": v.mmsi, "status": v.status, "turn_raw": rot, "speed": sog / 10,
             "lon": lon / 600000, "lat": lat / 600000, "course": cog / 10, "heading": hdg, "second": sec,
             "accuracy": bool(acc), "raim": bool(raim)}
    return b, t


def msg_base(rng, v: Vessel, want: bool):
    lon, lat = _latlon_min4(v)
    y, mo, d, h, mi, s = 2026, rng.randint(1, 12), rng.randint(1, 28), rng.randrange(24), rng.randrange(60), rng.randrange(60)
    b = (Bits().u(6, 4).u(2, 0).u(30, v.mmsi).u(14, y).u(4, mo).u(5, d).u(5, h).u(6, mi).u(6, s)
         .u(1, 1).u(28, lon).u(27, lat).u(4, 7).u(10, 0).u(1, 0).u(19, _radio19(rng)))
    t = None
    if want:
        t = {"msg_type": 4, "mmsi": v.mmsi, "year": y, "month": mo, "day": d, "hour": h, "minute": mi,
             "second": s, "lon": lon / 600000, "lat": lat / 600000, "epfd": 7}
    return b, t


def _static_a(rng: random.Random, v: Vessel) -> dict:
    srng = random.Random(v.mmsi)  # fixed per vessel
    name = "%s %s" % (srng.choice(NAME_A), srng.choice(NAME_B))
    if srng.random() < 0.3:
        name += " %d" % srng.randint(1, 9)
    length = srng.randint(20, 380)
    beam = max(5, length // srng.randint(6, 8))
    to_bow = srng.randint(length // 4, length * 3 // 4)
    to_port = srng.randint(1, beam - 1)
    return {
        "imo": srng.randint(9_000_000, 9_999_999),
        "callsign": "".join(srng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(srng.randint(4, 7))),
        "shipname": sixbit_clean(name)[:20],
        "ship_type": srng.choice(SHIP_TYPES_A),
        "to_bow": min(to_bow, 511), "to_stern": min(length - to_bow, 511),
        "to_port": min(to_port, 63), "to_starboard": min(beam - to_port, 63),
        "epfd": srng.choice([1, 1, 1, 3, 7]),
        "month": srng.randint(1, 12), "day": srng.randint(1, 28), "hour": srng.randrange(24), "minute": srng.randrange(60),
        "draught": srng.randint(20, 200),
        "destination": sixbit_clean(srng.choice(PORTS))[:20],
        "dte": 0,
    }


def msg_static_a(rng, v: Vessel, want: bool):
    s = v.static_cache.get(5)
    if s is None:
        s = v.static_cache[5] = _static_a(rng, v)
    b = (Bits().u(6, 5).u(2, 0).u(30, v.mmsi).u(2, 0).u(30, s["imo"]).text(7, s["callsign"])
         .text(20, s["shipname"]).u(8, s["ship_type"]).u(9, s["to_bow"]).u(9, s["to_stern"])
         .u(6, s["to_port"]).u(6, s["to_starboard"]).u(4, s["epfd"]).u(4, s["month"]).u(5, s["day"])
         .u(5, s["hour"]).u(6, s["minute"]).u(8, s["draught"]).text(20, s["destination"]).u(1, s["dte"]).u(1, 0))
    t = None
    if want:
        t = dict(s, msg_type=5, mmsi=v.mmsi, draught=s["draught"] / 10)
    return b, t


def msg_position_b(rng, v: Vessel, want: bool):
    _move(rng, v)
    lon, lat = _latlon_min4(v)
    sog = min(1022, round(v.sog * 10))
    cog = round(v.cog * 10) % 3600
    hdg = 511 if rng.random() < 0.4 else int(round(v.cog)) % 360
    sec = rng.randrange(60)
    cs = 1
    b = (Bits().u(6, 18).u(2, 0).u(30, v.mmsi).u(8, 0).u(10, sog).u(1, 0).u(28, lon).u(27, lat)
         .u(12, cog).u(9, hdg).u(6, sec).u(2, 0).u(1, cs).u(1, 0).u(1, 1).u(1, 1).u(1, 1).u(1, 0)
         .u(1, 0).u(20, (1 << 19) | _radio19(rng)))
    t = None
    if want:
        t = {"msg_type": 18, "mmsi": v.mmsi, "speed": sog / 10, "lon": lon / 600000, "lat": lat / 600000,
             "course": cog / 10, "heading": hdg, "second": sec, "cs": bool(cs)}
    return b, t


def _static_b(v: Vessel) -> dict:
    srng = random.Random(v.mmsi)
    name = "%s %s" % (srng.choice(NAME_B), srng.choice(["I", "II", "III", "ONE", "TOO", "LADY", "JOY", "BAY"]))
    length = srng.randint(6, 30)
    to_bow = srng.randint(2, length - 2)
    return {
        "shipname": sixbit_clean(name)[:20],
        "ship_type": srng.choice(SHIP_TYPES_B),
        "vendorid": srng.choice(["SRT", "TRU", "GRM", "VSP", "EMT"]),
        "model": srng.randint(1, 15), "serial": srng.randint(1, 999_999),
        "callsign": "".join(srng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(srng.randint(4, 7))),
        "to_bow": to_bow, "to_stern": length - to_bow, "to_port": 1, "to_starboard": srng.randint(1, 4),
    }


def msg_static_b(rng, v: Vessel, part: int, want: bool):
    s = v.static_cache.get(24)
    if s is None:
        s = v.static_cache[24] = _static_b(v)
    b = Bits().u(6, 24).u(2, 0).u(30, v.mmsi).u(2, part)
    if part == 0:
        b.text(20, s["shipname"])
    else:
        (b.u(8, s["ship_type"]).text(3, s["vendorid"]).u(4, s["model"]).u(20, s["serial"]).text(7, s["callsign"])
         .u(9, s["to_bow"]).u(9, s["to_stern"]).u(6, s["to_port"]).u(6, s["to_starboard"]).u(6, 0))
    t = None
    if want:
        t = {"msg_type": 24, "mmsi": v.mmsi, "partno": part}
        if part == 0:
            t["shipname"] = s["shipname"]
        else:
            t.update({k: s[k] for k in ("ship_type", "vendorid", "model", "serial", "callsign", "to_bow", "to_stern")})
    return b, t


def msg_aton(rng, v: Vessel, want: bool):
    srng = random.Random(v.mmsi)
    name = sixbit_clean("%s %s BUOY" % (srng.choice(PORTS), srng.choice(["NO 1", "NO 2", "E", "W", "N", "S", "SAFE WATER"])))
    name20 = name[:20]
    aid = srng.choice([1, 5, 6, 9, 13, 14, 15, 19, 20, 22, 24, 25, 28, 30])
    lon, lat = _latlon_min4(v)
    virtual = srng.random() < 0.2
    off = rng.random() < 0.01
    sec = rng.randrange(60)
    b = (Bits().u(6, 21).u(2, 0).u(30, v.mmsi).u(5, aid).text(20, name20).u(1, 1).u(28, lon).u(27, lat)
         .u(9, 2).u(9, 2).u(6, 1).u(6, 1).u(4, 7).u(6, sec).u(1, off).u(8, 0).u(1, 0).u(1, virtual).u(1, 0).u(1, 0))
    t = None
    if want:
        t = {"msg_type": 21, "mmsi": v.mmsi, "aid_type": aid, "name": name20, "lon": lon / 600000,
             "lat": lat / 600000, "second": sec, "off_position": off, "virtual_aid": virtual}
    return b, t


def msg_position_b_ext(rng, v: Vessel, want: bool):
    _move(rng, v)
    s = v.static_cache.get(24)
    if s is None:
        s = v.static_cache[24] = _static_b(v)
    lon, lat = _latlon_min4(v)
    sog = min(1022, round(v.sog * 10))
    cog = round(v.cog * 10) % 3600
    hdg = int(round(v.cog)) % 360
    sec = rng.randrange(60)
    b = (Bits().u(6, 19).u(2, 0).u(30, v.mmsi).u(8, 0).u(10, sog).u(1, 1).u(28, lon).u(27, lat)
         .u(12, cog).u(9, hdg).u(6, sec).u(4, 0).text(20, s["shipname"]).u(8, s["ship_type"])
         .u(9, s["to_bow"]).u(9, s["to_stern"]).u(6, s["to_port"]).u(6, s["to_starboard"]).u(4, 1)
         .u(1, 0).u(1, 1).u(1, 0).u(4, 0))
    t = None
    if want:
        t = {"msg_type": 19, "mmsi": v.mmsi, "speed": sog / 10, "lon": lon / 600000, "lat": lat / 600000,
             "course": cog / 10, "heading": hdg, "shipname": s["shipname"], "ship_type": s["ship_type"]}
    return b, t


def msg_long_range(rng, v: Vessel, want: bool):
    _move(rng, v)
    lon = round(v.lon * 600)
    lat = round(v.lat * 600)
    sog = min(62, round(v.sog))
    cog = int(v.cog) % 360
    b = (Bits().u(6, 27).u(2, 3).u(30, v.mmsi).u(1, 0).u(1, 0).u(4, v.status).u(18, lon).u(17, lat)
         .u(6, sog).u(9, cog).u(1, 0).u(1, 0))
    t = None
    if want:
        t = {"msg_type": 27, "mmsi": v.mmsi, "status": v.status, "lon": lon / 600, "lat": lat / 600,
             "speed": sog, "course": cog}
    return b, t


def msg_sar(rng, v: Vessel, want: bool):
    a = v.area
    lat = rng.uniform(a[1], a[2])
    lon = rng.uniform(a[3], a[4])
    ilon, ilat = round(lon * 600000), round(lat * 600000)
    alt = rng.randint(50, 3000)
    sog = rng.randint(60, 180)
    cog = rng.randrange(3600)
    sec = rng.randrange(60)
    b = (Bits().u(6, 9).u(2, 0).u(30, v.mmsi).u(12, alt).u(10, sog).u(1, 1).u(28, ilon).u(27, ilat)
         .u(12, cog).u(6, sec).u(8, 0).u(1, 1).u(3, 0).u(1, 0).u(1, 0).u(20, _radio19(rng)))
    t = None
    if want:
        t = {"msg_type": 9, "mmsi": v.mmsi, "alt": alt, "speed": sog, "lon": ilon / 600000, "lat": ilat / 600000,
             "course": cog / 10, "second": sec}
    return b, t


def msg_meteo(rng, v: Vessel, want: bool):
    """Type 8, DAC 1, FI 31: meteorological and hydrographic data (IMO SN.1/Circ.289)."""
    lon = round(v.lon * 60000)  # 1/1000 min
    lat = round(v.lat * 60000)
    day, hour, minute = rng.randint(1, 28), rng.randrange(24), rng.randrange(60)
    wspeed = rng.randint(0, 60)
    wgust = min(126, wspeed + rng.randint(0, 15))
    wdir, wgustdir = rng.randrange(360), rng.randrange(360)
    airtemp = rng.randint(-100, 300)  # 0.1 degC
    humidity = rng.randint(40, 100)
    d = (Bits().u(25, lon).u(24, lat).u(1, 1).u(5, day).u(5, hour).u(6, minute)
         .u(7, wspeed).u(7, wgust).u(9, wdir).u(9, wgustdir)
         .u(11, airtemp).u(7, humidity).u(10, rng.randint(-50, 200))
         .u(9, rng.randint(150, 250)).u(2, rng.randrange(3)).u(1, 0).u(7, rng.randint(5, 100))
         .u(12, rng.randint(1000, 1400)).u(2, rng.randrange(3))
         .u(8, rng.randint(0, 50)).u(9, rng.randrange(360))
         .u(8, 255).u(9, 360).u(5, 31).u(8, 255).u(9, 360).u(5, 31)
         .u(8, rng.randint(0, 60)).u(6, rng.randint(2, 15)).u(9, rng.randrange(360))
         .u(8, rng.randint(0, 40)).u(6, rng.randint(5, 20)).u(9, rng.randrange(360))
         .u(4, rng.randrange(9)).u(10, rng.randint(0, 300)).u(3, 7).u(9, rng.randint(300, 380)).u(2, 3).u(10, 0))
    b = Bits().u(6, 8).u(2, 0).u(30, v.mmsi).u(2, 0).u(10, 1).u(6, 31)
    b.v = (b.v << d.n) | d.v
    b.n += d.n
    t = None
    if want:
        t = {"msg_type": 8, "mmsi": v.mmsi, "dac": 1, "fid": 31, "lon": lon / 60000, "lat": lat / 60000,
             "day": day, "hour": hour, "minute": minute, "wspeed": wspeed, "wgust": wgust, "wdir": wdir,
             "wgustdir": wgustdir, "airtemp": airtemp / 10, "humidity": humidity}
    return b, t


def msg_binary_addressed(rng, v: Vessel, dest: int, want: bool):
    data = Bits().u(16, rng.randrange(1 << 16)).u(16, rng.randrange(1 << 16)).u(16, rng.randrange(1 << 16))
    b = (Bits().u(6, 6).u(2, 0).u(30, v.mmsi).u(2, rng.randrange(4)).u(30, dest).u(1, 0).u(1, 0)
         .u(10, 235).u(6, 10))
    b.v = (b.v << data.n) | data.v
    b.n += data.n
    t = None
    if want:
        t = {"msg_type": 6, "mmsi": v.mmsi, "dest_mmsi": dest, "dac": 235, "fid": 10,
             "data_int": data.v, "data_bits": data.n}
    return b, t


def msg_safety_addressed(rng, v: Vessel, dest: int, want: bool):
    text = sixbit_clean(rng.choice(SAFETY_TEXTS[:2] + SAFETY_TEXTS[3:]))[:40]
    b = Bits().u(6, 12).u(2, 0).u(30, v.mmsi).u(2, 0).u(30, dest).u(1, 0).u(1, 0).text(len(text), text)
    t = {"msg_type": 12, "mmsi": v.mmsi, "dest_mmsi": dest, "text": text} if want else None
    return b, t


def msg_safety_broadcast(rng, v: Vessel, long: bool, want: bool):
    if long:
        text = sixbit_clean(SAFETY_TEXTS[2])
    else:
        text = sixbit_clean(rng.choice([s for s in SAFETY_TEXTS if len(s) < 50]))
    b = Bits().u(6, 14).u(2, 0).u(30, v.mmsi).u(2, 0).text(len(text), text)
    t = {"msg_type": 14, "mmsi": v.mmsi, "text": text} if want else None
    return b, t


def msg_datalink(rng, v: Vessel, want: bool):
    b = Bits().u(6, 20).u(2, 0).u(30, v.mmsi).u(2, 0)
    offs = []
    for _ in range(rng.randint(1, 4)):
        off, num, to, inc = rng.randrange(2250), rng.randint(1, 5), rng.randint(1, 7), rng.choice([0, 225, 375, 750, 1125])
        b.u(12, off).u(4, num).u(3, to).u(11, inc)
        offs.append(off)
    if b.n % 6:
        b.u(6 - b.n % 6, 0)  # pad to a whole number of characters, as transmitters do
    t = {"msg_type": 20, "mmsi": v.mmsi, "offset1": offs[0]} if want else None
    return b, t


def msg_interrogation(rng, v: Vessel, dest: int, want: bool):
    req = rng.choice([5, 5, 24, 3])
    b = Bits().u(6, 15).u(2, 0).u(30, v.mmsi).u(2, 0).u(30, dest).u(6, req).u(12, 0).u(2, 0)
    t = {"msg_type": 15, "mmsi": v.mmsi, "mmsi1": dest, "type1_1": req} if want else None
    return b, t


# (cumulative-weight table) kind -> percent of messages
MIX = [
    ("1", 45.0), ("2", 3.0), ("3", 12.0), ("18", 15.0), ("5", 8.0), ("24A", 2.5), ("24B", 2.5),
    ("4", 4.0), ("21", 2.0), ("19", 1.2), ("27", 1.0), ("8", 1.0), ("15", 0.8), ("6", 0.5),
    ("20", 0.5), ("14", 0.4), ("9", 0.3), ("12", 0.3),
]
assert abs(sum(w for _, w in MIX) - 100.0) < 1e-9
MULTI_KINDS = {"5", "14L"}


def build(rng: random.Random, fleet: dict, kind: str, want: bool):
    A, B = fleet["A"], fleet["B"]
    ch = rng.choice
    if kind in ("1", "2", "3"):
        return msg_position_a(rng, ch(A), int(kind), want)
    if kind == "18":
        return msg_position_b(rng, ch(B), want)
    if kind == "5":
        return msg_static_a(rng, ch(A), want)
    if kind == "24A":
        return msg_static_b(rng, ch(B), 0, want)
    if kind == "24B":
        return msg_static_b(rng, ch(B), 1, want)
    if kind == "4":
        return msg_base(rng, ch(fleet["base"]), want)
    if kind == "21":
        return msg_aton(rng, ch(fleet["aton"]), want)
    if kind == "19":
        return msg_position_b_ext(rng, ch(B), want)
    if kind == "27":
        return msg_long_range(rng, ch(A), want)
    if kind == "8":
        return msg_meteo(rng, ch(fleet["base"] + fleet["aton"][:100]), want)
    if kind == "15":
        return msg_interrogation(rng, ch(fleet["base"]), ch(A).mmsi, want)
    if kind == "6":
        return msg_binary_addressed(rng, ch(fleet["base"]), ch(A).mmsi, want)
    if kind == "20":
        return msg_datalink(rng, ch(fleet["base"]), want)
    if kind in ("14", "14L"):
        return msg_safety_broadcast(rng, ch(fleet["base"]), kind == "14L", want)
    if kind == "9":
        return msg_sar(rng, ch(fleet["sar"]), want)
    if kind == "12":
        return msg_safety_addressed(rng, ch(fleet["base"] + A[:50]), ch(A).mmsi, want)
    raise ValueError(kind)


def generate(n_lines: int, seed: int, sample_every: int = 0):
    """Yield (lines, truth_or_None) until exactly n_lines lines were produced."""
    rng = random.Random(seed)
    fleet = make_fleet(rng)
    kinds = [k for k, _ in MIX]
    cum = []
    acc = 0.0
    for _, w in MIX:
        acc += w
        cum.append(acc)
    choices = rng.choices
    seq = 0
    produced = 0
    msg_no = 0
    while produced < n_lines:
        kind = choices(kinds, cum_weights=cum)[0]
        if kind == "14" and rng.random() < 1 / 3:
            kind = "14L"
        if kind in MULTI_KINDS and produced + 2 > n_lines:
            kind = "1"  # last line: a two-sentence message would not fit
        want = sample_every > 0 and msg_no % sample_every == 0
        bits, truth = build(rng, fleet, kind, want)
        payload, fill = armor(bits.v, bits.n)
        channel = "A" if rng.random() < 0.5 else "B"
        lines = sentences(payload, fill, channel, seq)
        if len(lines) > 1:
            seq = (seq + 1) % 10
        produced += len(lines)
        msg_no += 1
        yield lines, truth


# --------------------------------------------------------------------------
# Validation against pyais

def _close(a, b, tol=1e-6):
    return abs(float(a) - float(b)) <= tol


def _bits_of(value, nbits_from_pyais) -> int:
    return int.from_bytes(value, "big") if isinstance(value, (bytes, bytearray)) else int(value)


def validate(n_msgs: int, seed: int) -> int:
    try:
        import pyais  # noqa: F401
        from pyais import decode as pdecode
    except ImportError:
        print("pyais is not installed: pip install pyais==3.3.1", file=sys.stderr)
        return 2
    # Sample roughly n_msgs messages spread over a 1 M-line run, plus make sure
    # every kind is seen: generate a long enough stream with sampling.
    every = max(1, 925_000 // max(1, n_msgs))
    checked = 0
    bad = 0
    seen = {}
    for lines, truth in generate(1_000_000, seed, every):
        if truth is None:
            continue
        stripped = [ln.strip() for ln in lines]
        try:
            m = pdecode(*stripped).asdict()
        except Exception as e:  # pragma: no cover
            print("pyais failed on %r: %s" % (stripped, e))
            bad += 1
            continue
        errs = []
        for k, want in truth.items():
            if k in ("data_int", "data_bits"):
                continue
            got = m.get(k)
            if k == "turn_raw":
                got = m.get("turn")
                # pyais reports the scaled ROT; check the raw sentinel only.
                if want == -128 and got not in (-128, -128.0, None):
                    errs.append((k, want, got))
                continue
            if isinstance(want, float):
                if got is None or not _close(got, want, 1.1e-6 if k in ("lat", "lon") else 1e-6):
                    errs.append((k, want, got))
            elif isinstance(want, bool):
                if bool(got) != want:
                    errs.append((k, want, got))
            elif isinstance(want, str):
                if (got or "").rstrip("@ ") != want.rstrip("@ "):
                    errs.append((k, want, got))
            else:
                if hasattr(got, "value"):
                    got = got.value
                if got != want:
                    errs.append((k, want, got))
        if "data_int" in truth:
            data = m.get("data")
            if data is None or int.from_bytes(data, "big") >> (len(data) * 8 - truth["data_bits"]) != truth["data_int"]:
                errs.append(("data", truth["data_int"], data))
        seen[truth["msg_type"]] = seen.get(truth["msg_type"], 0) + 1
        checked += 1
        if errs:
            bad += 1
            if bad <= 10:
                print("MISMATCH type %s: %s\n  %s" % (truth["msg_type"], errs, stripped))
    print("validated %d messages against pyais %s: %d mismatches; types seen: %s"
          % (checked, pyais.__version__, bad, dict(sorted(seen.items()))))
    return 1 if bad else 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", help="output file (omit with --validate only)")
    ap.add_argument("--lines", type=int, default=1_000_000, help="number of lines (default 1,000,000)")
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--validate", type=int, default=0, metavar="K",
                    help="decode about K sampled messages with pyais and compare (exit 1 on mismatch)")
    a = ap.parse_args()
    rc = 0
    if a.validate:
        rc = validate(a.validate, a.seed)
    if a.out:
        t0 = time.time()
        tmp = a.out + ".tmp"
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        n_msgs = 0
        n_lines = 0
        with open(tmp, "w", newline="", buffering=1 << 20) as f:
            w = f.write
            for lines, _ in generate(a.lines, a.seed):
                for ln in lines:
                    w(ln)
                n_lines += len(lines)
                n_msgs += 1
        os.replace(tmp, a.out)
        print("wrote %s: %d lines, %d messages in %.1f s" % (a.out, n_lines, n_msgs, time.time() - t0),
              file=sys.stderr)
    elif not a.validate:
        ap.error("give an output file and/or --validate K")
    return rc


if __name__ == "__main__":
    sys.exit(main())
