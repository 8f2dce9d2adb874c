// The hour of traffic of playback.test.mjs, as tag-blocked AIS sentences:
// offshore west of Finisterre (no land within the look-ahead), every vessel
// reporting every 10 s of data time.
//
//  - ALFA (east, 12 kn) and BRAVO (north, 12 kn) cross ~0.3 NM apart near
//    the end of the hour: a risk raised about 47 min in; BRAVO alters 25°
//    to starboard at 54 min, which changes the CPA (risk.updated); the hour
//    ends before they pass, so the risk is still open at its end.
//  - CHARLIE (north) and DELTA (south) pass 0.4 NM apart 25 min in: a risk
//    raised in the first minutes and cleared once they have passed.
//  - An AIS-SART (MMSI 970xxxxxx) transmits from 8 min in: a distress.
//  - ECHO steams west far from the others; FOXTROT lies at anchor.

import { position, staticData, offset } from './ais.mjs';

export const ALFA = 224900001;
export const BRAVO = 224900002;
export const CHARLIE = 224900003;
export const DELTA = 224900004;
export const ECHO = 224900005;
export const FOXTROT = 224900006;
export const SART = 970012345;
export const GOLF = 224900007; // heard only after the hour (live, while in history mode)

export const NAMES = {
  [ALFA]: 'ALFA', [BRAVO]: 'BRAVO', [CHARLIE]: 'CHARLIE', [DELTA]: 'DELTA', [ECHO]: 'ECHO', [FOXTROT]: 'FOXTROT', [GOLF]: 'GOLF',
};

/** The crossing point of ALFA and BRAVO. */
export const CROSS = { lat: 43.0, lon: -10.6 };
const MIN = 60;

/**
 * Every vessel's [lat, lon, cog, sog] at `s` seconds after the start of the
 * hour (straight legs; BRAVO's alteration at 54 min).
 */
export function stateAt(s) {
  const out = {};
  const tc = 66 * MIN; // ALFA at CROSS
  // ALFA: east at 12 kn, at CROSS at tc.
  {
    const p = offset(CROSS.lat, CROSS.lon, 270, (12 * (tc - s)) / 3600);
    out[ALFA] = [p.lat, p.lon, 90, 12];
  }
  // BRAVO: north at 12 kn, 0.42 NM short of CROSS at tc; 025° from 54 min.
  {
    const south = offset(CROSS.lat, CROSS.lon, 180, 0.42);
    const alter = 54 * MIN;
    const at = (t) => offset(south.lat, south.lon, 180, (12 * (tc - t)) / 3600);
    if (s <= alter) {
      const p = at(s);
      out[BRAVO] = [p.lat, p.lon, 0, 12];
    } else {
      const a = at(alter);
      const p = offset(a.lat, a.lon, 25, (12 * (s - alter)) / 3600);
      out[BRAVO] = [p.lat, p.lon, 25, 12];
    }
  }
  // CHARLIE (north) and DELTA (south), 10 kn each, 0.4 NM apart abeam at 25 min,
  // 12 NM north of the crossing.
  {
    const mid = offset(CROSS.lat, CROSS.lon, 0, 12);
    const tp = 25 * MIN;
    const c0 = offset(mid.lat, mid.lon, 270, 0.2);
    const d0 = offset(mid.lat, mid.lon, 90, 0.2);
    const c = offset(c0.lat, c0.lon, 0, (10 * (s - tp)) / 3600);
    const d = offset(d0.lat, d0.lon, 180, (10 * (s - tp)) / 3600);
    out[CHARLIE] = [c.lat, c.lon, 0, 10];
    out[DELTA] = [d.lat, d.lon, 180, 10];
  }
  // ECHO: west at 8 kn, 8 NM south of the crossing.
  {
    const e0 = offset(CROSS.lat, CROSS.lon, 180, 8);
    const e = offset(e0.lat, e0.lon, 270, (8 * s) / 3600);
    out[ECHO] = [e.lat, e.lon, 270, 8];
  }
  // FOXTROT at anchor, 5 NM south-west of the crossing (clear of the tracks).
  {
    const f = offset(CROSS.lat, CROSS.lon, 225, 5);
    out[FOXTROT] = [f.lat, f.lon, 0, 0];
  }
  // The SART, adrift 6 NM north-west of the crossing, from 8 min.
  if (s >= 8 * MIN) {
    const p = offset(CROSS.lat, CROSS.lon, 315, 6);
    out[SART] = [p.lat, p.lon, 0, 0];
  }
  return out;
}

const SHIP_TYPE = { [ALFA]: 70, [BRAVO]: 80, [CHARLIE]: 30, [DELTA]: 60, [ECHO]: 70, [FOXTROT]: 70, [GOLF]: 52 };

/**
 * The sentences of one burst at `s` seconds after `startS` (Unix seconds),
 * names every six minutes.
 */
export function burst(startS, s) {
  const t = startS + s;
  const lines = [];
  for (const [m, [lat, lon, cog, sog]] of Object.entries(stateAt(s))) {
    const mmsi = Number(m);
    if (s % (6 * MIN) === 0 && NAMES[mmsi]) {
      lines.push(...staticData({ mmsi, name: NAMES[mmsi], shipType: SHIP_TYPE[mmsi] }, { station: 'FISTERRA', time: t }));
    }
    const heading = sog > 0 ? Math.round(cog) % 360 : 511;
    // (The UTC second: a vessel at anchor sends a new payload each time,
    // not a copy the server would take for a second station's.)
    lines.push(...position({ mmsi, lat, lon, cog, sog, heading, second: t % 60 }, { station: 'FISTERRA', time: t }));
  }
  return lines;
}

/** GOLF, heard live after the hour: 3 NM east of the crossing. */
export function golf(t) {
  const p = offset(CROSS.lat, CROSS.lon, 90, 3);
  return [
    ...staticData({ mmsi: GOLF, name: 'GOLF', shipType: 52 }, { station: 'FISTERRA', time: t }),
    ...position({ mmsi: GOLF, lat: p.lat, lon: p.lon, cog: 180, sog: 6, heading: 180 }, { station: 'FISTERRA', time: t }),
  ];
}

export const STEP_S = 10;
export const HOUR_S = 3600;
