// Stored tracks for playback (`GET /api/tracks`: a point per vessel per
// ~30 s) and where each vessel was at any moment: pure functions, no DOM,
// no map (playback.js draws).

/** Points further apart than this are not joined (the vessel was silent,
 *  or outside the box that was read). */
export const MAX_GAP_MS = 10 * 60_000;
/** After its last point a vessel stays where it was, as the engine holds a
 *  silent target until it calls it lost (six minutes at the least)... */
export const HOLD_MS = 6 * 60_000;
/** ... then it is drawn as lost, up to the engine's longest wait (30 min). */
export const LOST_MS = 30 * 60_000;

/** Index of the first element of the sorted `arr` greater than `x`. */
export function upperBound(arr, x) {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (arr[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const norm360 = (a) => ((a % 360) + 360) % 360;
const normLon = (x) => ((((x + 180) % 360) + 360) % 360) - 180;

/** Angle from a0 towards a1 by the fraction f, the short way round. */
export function lerpAngle(a0, a1, f) {
  const d = ((((a1 - a0) % 360) + 540) % 360) - 180;
  return norm360(a0 + f * d);
}

const known = (x) => x != null && Number.isFinite(x);
const heading = (h) => (known(h) && h >= 0 && h < 360 ? h : null);

/** One vessel's points in time order: parallel typed arrays. */
export class Track {
  constructor(mmsi, rows) {
    this.mmsi = mmsi;
    const n = rows.length;
    this.t = new Float64Array(n);
    this.lat = new Float64Array(n);
    this.lon = new Float64Array(n);
    this.sog = new Float32Array(n);
    this.cog = new Float32Array(n);
    this.hdg = new Float32Array(n);
    rows.forEach((r, i) => {
      this.t[i] = r[0];
      this.lat[i] = r[1];
      this.lon[i] = r[2];
      this.sog[i] = known(r[3]) ? r[3] : NaN;
      this.cog[i] = known(r[4]) ? r[4] : NaN;
      this.hdg[i] = heading(r[5]) ?? NaN;
    });
  }

  get length() {
    return this.t.length;
  }

  /**
   * Where the vessel was at `time` (ms): between two points less than
   * MAX_GAP_MS apart, on the straight line between them at the fraction of
   * the time (course, heading and speed likewise); else at its last point,
   * `lost` once HOLD_MS have passed; null before its first point and after
   * LOST_MS of silence. {lat, lon, sog, cog, hdg, lost, index}
   */
  at(time) {
    const i = upperBound(this.t, time) - 1;
    if (i < 0) return null;
    const n = this.t.length;
    const num = (x) => (Number.isNaN(x) ? null : x);
    if (i + 1 < n && this.t[i + 1] - this.t[i] <= MAX_GAP_MS) {
      const j = i + 1;
      const f = (time - this.t[i]) / (this.t[j] - this.t[i]);
      let dLon = this.lon[j] - this.lon[i];
      if (dLon > 180) dLon -= 360;
      if (dLon < -180) dLon += 360;
      const mix = (a, b, ang) => {
        const x = num(a);
        const y = num(b);
        if (x == null || y == null) return x ?? y;
        return ang ? lerpAngle(x, y, f) : x + f * (y - x);
      };
      return {
        lat: this.lat[i] + f * (this.lat[j] - this.lat[i]),
        lon: normLon(this.lon[i] + f * dLon),
        sog: mix(this.sog[i], this.sog[j], false),
        cog: mix(this.cog[i], this.cog[j], true),
        hdg: mix(this.hdg[i], this.hdg[j], true),
        lost: false,
        index: i,
      };
    }
    const age = time - this.t[i];
    if (age > LOST_MS) return null;
    return {
      lat: this.lat[i], lon: this.lon[i], sog: num(this.sog[i]), cog: num(this.cog[i]), hdg: num(this.hdg[i]),
      lost: age > HOLD_MS, index: i,
    };
  }

  /** Whether the vessel has a point in (after, upto]. */
  heardBetween(after, upto) {
    const i = upperBound(this.t, after);
    return i < this.t.length && this.t[i] <= upto;
  }
}

/**
 * Collects the pages of `GET /api/tracks` (`{columns, points}`) into one
 * Track per vessel.
 */
export class TrackSet {
  constructor() {
    this.rows = new Map(); // mmsi → [[t, lat, lon, sog, cog, hdg], ...]
    this.count = 0;
  }

  add(page) {
    const c = Object.fromEntries(page.columns.map((name, i) => [name, i]));
    for (const p of page.points) {
      const mmsi = p[c.mmsi];
      let rows = this.rows.get(mmsi);
      if (!rows) this.rows.set(mmsi, (rows = []));
      rows.push([p[c.time_ms], p[c.lat_deg], p[c.lon_deg], p[c.sog_kn], p[c.cog_deg], p[c.heading_deg]]);
    }
    this.count += page.points.length;
  }

  /** mmsi → Track (the pages come in time order; sorted again to be sure). */
  finish() {
    const out = new Map();
    for (const [mmsi, rows] of this.rows) {
      rows.sort((a, b) => a[0] - b[0]);
      out.set(mmsi, new Track(mmsi, rows));
    }
    this.rows.clear();
    return out;
  }
}

/** The course a vessel symbol points along: heading, else course over
 *  ground when moving; null (a circle) when neither. */
export function symbolCourse(p) {
  if (p.hdg != null) return p.hdg;
  if (p.cog != null && (p.sog ?? 0) >= 0.5) return p.cog;
  return null;
}

// ------------------------------------------------------------- periods

/** "2026-12-02T08:15:00" (UTC, for a datetime-local input) from ms. */
export function inputTime(ms) {
  return new Date(ms).toISOString().slice(0, 19);
}

/** ms from a datetime-local value read as UTC; NaN when empty or invalid. */
export function parseInputTime(s) {
  if (!s) return NaN;
  const v = /^\d{4}-\d\d-\d\dT\d\d:\d\d$/.test(s) ? `${s}:00` : s;
  return Date.parse(`${v}Z`);
}

/** "08:15:00Z" from ms. */
export function clockOf(ms) {
  return `${new Date(ms).toISOString().slice(11, 19)}Z`;
}

/** "2026-12-02" from ms. */
export function dateOf(ms) {
  return new Date(ms).toISOString().slice(0, 10);
}

/**
 * The box to read tracks in: the view and a quarter of it more on every
 * side, as [west, south, east, north] in ±180° (west > east crosses the
 * 180th meridian), or null for the whole world; `box` keeps the unwrapped
 * extent (to tell when the view leaves it).
 */
export function readBox(west, south, east, north) {
  const dw = (east - west) / 4;
  const dh = (north - south) / 4;
  const box = { w: west - dw, s: Math.max(-90, south - dh), e: east + dw, n: Math.min(90, north + dh) };
  if (box.e - box.w >= 360) return { bbox: null, box: null };
  const r = (x) => Math.round(x * 1e5) / 1e5;
  return { bbox: [r(normLon(box.w)), r(box.s), r(normLon(box.e) === -180 ? 180 : normLon(box.e)), r(box.n)], box };
}

/** Whether a view (west, south, east, north; centre longitude) is inside a box read before. */
export function boxCovers(box, west, south, east, north) {
  if (!box) return true;
  const k = Math.round(((box.w + box.e) / 2 - (west + east) / 2) / 360) * 360;
  return west + k >= box.w && east + k <= box.e && south >= box.s && north <= box.n;
}
