// Pure formatting helpers: ship types, navigational status, advice in
// words, times and distances. No DOM, no map.

/**
 * The display units the helpers below apply (nm(), knots(), clock(),
 * dateTime()): distance `nm`|`km`, speed `kn`|`kmh`, time `utc`|`local`.
 * Changed with setUnits() (settings.js keeps the choice in the browser);
 * the values given to the helpers stay in NM, knots and UTC.
 */
export const settings = { distance: 'nm', speed: 'kn', time: 'utc' };
export const UNIT_CHOICES = { distance: ['nm', 'km'], speed: ['kn', 'kmh'], time: ['utc', 'local'] };
export const KM_PER_NM = 1.852;

/** Changes some units (unknown keys and values are ignored); returns the settings. */
export function setUnits(patch) {
  for (const [k, v] of Object.entries(patch ?? {})) {
    if (UNIT_CHOICES[k]?.includes(v)) settings[k] = v;
  }
  return settings;
}

/** Ship categories shown on the map, with their colours (dark theme). */
export const CATEGORIES = [
  { id: 'cargo', label: 'Cargo', color: '#6cc46f' },
  { id: 'tanker', label: 'Tanker', color: '#b08cff' },
  { id: 'passenger', label: 'Passenger', color: '#4ea5ff' },
  { id: 'fishing', label: 'Fishing', color: '#f4a582' },
  { id: 'pleasure', label: 'Pleasure / sailing', color: '#ff7ce0' },
  { id: 'service', label: 'Tug / pilot / SAR', color: '#2ad4d4' },
  { id: 'other', label: 'Other / unknown', color: '#a0aab4' },
];
export const LOST_COLOR = '#5c6670';
/** The own ship (`serve --own-mmsi`, or the first VDO sentence): no category uses it. */
export const OWN_COLOR = '#f4f8fc';
export const LEVEL_COLOR = { alarm: '#ff3b3b', warning: '#ffb300', info: '#8b97a5' };

/** Category id of an AIS ship and cargo type (and station class). */
export function shipCategory(type, cls) {
  if (cls === 'sar_aircraft') return 'service';
  if (type == null) return 'other';
  if (type >= 70 && type <= 79) return 'cargo';
  if (type >= 80 && type <= 89) return 'tanker';
  if ((type >= 60 && type <= 69) || (type >= 40 && type <= 49)) return 'passenger';
  if (type === 30) return 'fishing';
  if (type === 36 || type === 37) return 'pleasure';
  if (type === 31 || type === 32 || (type >= 50 && type <= 59)) return 'service';
  return 'other';
}

const SPECIAL = {
  30: 'Fishing', 31: 'Towing', 32: 'Towing (large)', 33: 'Dredging / underwater ops',
  34: 'Diving ops', 35: 'Military ops', 36: 'Sailing', 37: 'Pleasure craft',
  50: 'Pilot vessel', 51: 'Search and rescue', 52: 'Tug', 53: 'Port tender',
  54: 'Anti-pollution', 55: 'Law enforcement', 58: 'Medical transport',
  59: 'Non-combatant (RR 18)',
};
const DECADE = {
  2: 'Wing in ground', 4: 'High-speed craft', 6: 'Passenger', 7: 'Cargo', 8: 'Tanker', 9: 'Other type',
};

/** AIS ship and cargo type in words, e.g. "Cargo (70)". */
export function shipTypeText(type, cls) {
  if (cls === 'sar_aircraft') return 'SAR aircraft';
  if (type == null) return 'unknown';
  const name = SPECIAL[type] ?? DECADE[Math.floor(type / 10)] ?? 'unknown';
  return `${name} (${type})`;
}

const NAV_STATUS = [
  'under way using engine', 'at anchor', 'not under command', 'restricted manoeuvrability',
  'constrained by draught', 'moored', 'aground', 'engaged in fishing', 'under way sailing',
  'reserved (HSC)', 'reserved (WIG)', 'power-driven towing astern', 'power-driven pushing ahead',
  'reserved', 'AIS-SART / MOB / EPIRB active', 'not defined',
];
export function navStatusText(s) {
  return s == null ? '—' : (NAV_STATUS[s] ?? `status ${s}`);
}

export function classText(c) {
  return { a: 'A', b: 'B', sar_aircraft: 'SAR aircraft', unknown: 'unknown' }[c] ?? (c ?? '—');
}

/** Course or bearing, three digits: "045°". */
export function deg3(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  return `${String(Math.round(((x % 360) + 360) % 360) % 360).padStart(3, '0')}°`;
}

/** A speed given in knots, in the chosen unit: "12.0 kn" or "22.2 km/h". */
export function knots(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  return settings.speed === 'kmh' ? `${(x * KM_PER_NM).toFixed(1)} km/h` : `${x.toFixed(1)} kn`;
}

/** A distance given in nautical miles, in the chosen unit: two decimals
 *  below 1 (NM or km), one above. */
export function nm(x) {
  if (x == null || !Number.isFinite(x)) return '—';
  const [v, unit] = settings.distance === 'km' ? [x * KM_PER_NM, 'km'] : [x, 'NM'];
  return `${v < 1 ? v.toFixed(2) : v.toFixed(1)} ${unit}`;
}

/** A duration in seconds, e.g. "45 s", "2 min 50 s", "12 min", "1 h 05 min". */
export function duration(s) {
  if (s == null || !Number.isFinite(s)) return '—';
  s = Math.max(0, Math.round(s));
  if (s < 60) return `${s} s`;
  if (s < 600) {
    const m = Math.floor(s / 60);
    const r = s % 60;
    return r ? `${m} min ${r} s` : `${m} min`;
  }
  if (s < 3600) return `${Math.round(s / 60)} min`;
  const h = Math.floor(s / 3600);
  return `${h} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

/**
 * A time to CPA as a target list shows it: "07:30", "1:05:00" from an hour
 * on; "—" when unknown or past (an opening target).
 */
export function mmss(s) {
  if (s == null || !Number.isFinite(s) || s < 0) return '—';
  s = Math.round(s);
  const two = (n) => String(n).padStart(2, '0');
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}:${two(m)}:${two(s % 60)}` : `${two(m)}:${two(s % 60)}`;
}

/** "03:16:40Z" from an ISO time; in local time "04:16:40 LT". */
export function clock(iso) {
  if (!iso) return '—';
  if (settings.time === 'local') {
    const d = localParts(iso);
    if (d) return `${d.time} LT`;
  }
  const m = /T(\d\d:\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]}Z` : iso;
}

/** "2026-11-26 03:16:40 UTC"; in local time "2026-11-26 04:16:40 UTC+1". */
export function dateTime(iso) {
  if (!iso) return '—';
  if (settings.time === 'local') {
    const d = localParts(iso);
    if (d) return `${d.date} ${d.time} ${d.zone}`;
  }
  return iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC');
}

/** The date, time and zone offset of an ISO time in this computer's zone. */
function localParts(iso) {
  const t = new Date(iso);
  if (!Number.isFinite(t.getTime())) return null;
  const two = (n) => String(n).padStart(2, '0');
  const off = -t.getTimezoneOffset();
  const zone = off === 0 ? 'UTC' : `UTC${off > 0 ? '+' : '−'}${Math.floor(Math.abs(off) / 60)}${Math.abs(off) % 60 ? `:${two(Math.abs(off) % 60)}` : ''}`;
  return {
    date: `${t.getFullYear()}-${two(t.getMonth() + 1)}-${two(t.getDate())}`,
    time: `${two(t.getHours())}:${two(t.getMinutes())}:${two(t.getSeconds())}`,
    zone,
  };
}

/** Degrees and decimal minutes: 42°52.90′N 009°16.30′W. */
export function latLonText(lat, lon) {
  const f = (v, pos, neg, w) => {
    const a = Math.abs(v);
    const d = Math.floor(a);
    const m = (a - d) * 60;
    return `${String(d).padStart(w, '0')}°${m.toFixed(2).padStart(5, '0')}′${v >= 0 ? pos : neg}`;
  };
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return '—';
  return `${f(lat, 'N', 'S', 2)} ${f(lon, 'E', 'W', 3)}`;
}

/** Name of a vessel reference, else its MMSI. */
export function vesselName(ref) {
  if (!ref) return '?';
  const n = (ref.name ?? '').trim();
  return n || `MMSI ${ref.mmsi}`;
}

/**
 * One advice item in words, e.g. "CAPE FINISTERRE: alter 21° to starboard,
 * new course 111°, passes 1.3 NM". `nameOf(mmsi)` gives the vessel name.
 */
export function adviceText(item, nameOf) {
  const who = nameOf(item.mmsi) || `MMSI ${item.mmsi}`;
  let what;
  switch (item.action) {
    case 'alter_course':
      what = `alter ${Math.round(item.degrees ?? 0)}° to ${item.direction}`;
      if (item.new_cog_deg != null) what += `, new course ${deg3(item.new_cog_deg)}`;
      break;
    case 'reduce_speed':
      what = item.new_sog_kn != null && item.new_sog_kn < 0.5
        ? 'stop'
        : `reduce speed to ${knots(item.new_sog_kn)}`;
      break;
    case 'alter_course_and_reduce_speed':
      what = `alter ${Math.round(item.degrees ?? 0)}° to ${item.direction}`;
      if (item.new_cog_deg != null) what += `, new course ${deg3(item.new_cog_deg)}`;
      what += item.new_sog_kn != null && item.new_sog_kn < 0.5
        ? ', and stop'
        : `, and reduce speed to ${knots(item.new_sog_kn)}`;
      break;
    case 'keep_course_and_speed':
      what = 'keep course and speed';
      break;
    default:
      what = String(item.action).replaceAll('_', ' ');
  }
  let text = `${who}: ${what}`;
  // null means nothing comes near the new track.
  if (Number.isFinite(item.resulting_cpa_nm)) {
    text += item.sufficient === false
      ? `, passes only ${nm(item.resulting_cpa_nm)} (not enough)`
      : `, passes ${nm(item.resulting_cpa_nm)}`;
  }
  // Why it falls short: the vessel that stays too close, or a fixed danger.
  if (item.sufficient === false && item.limited_by != null) {
    text += `: ${nameOf(item.limited_by) || `MMSI ${item.limited_by}`} stays too close`;
  }
  if (item.into_danger) text += ': the new track stands into danger';
  return text;
}

/** All advice items in words, the recommended ones first, alternatives as "or …". */
export function adviceLines(advice, nameOf) {
  if (!Array.isArray(advice)) return [];
  const seen = new Set();
  const sorted = [...advice].sort((x, y) => Number(!!y.recommended) - Number(!!x.recommended));
  return sorted.map((a) => {
    const alt = !a.recommended && seen.has(a.mmsi);
    seen.add(a.mmsi);
    return { text: (alt ? 'or ' : '') + adviceText(a, nameOf), recommended: !!a.recommended, sufficient: a.sufficient !== false };
  });
}

const ENCOUNTER = { head_on: 'head-on', crossing: 'crossing', overtaking: 'overtaking', not_under_way: 'not under way', none: '' };
export function encounterText(e) {
  return ENCOUNTER[e] ?? String(e ?? '');
}

export const RULE_TEXT = {
  keep_out: 'keep-out zone', keep_in: 'keep-in zone', no_crossing: 'no-crossing line',
  speed_limit: 'speed limit zone', notify: 'notify zone',
};

export const DISTRESS_TEXT = {
  sart: 'AIS-SART', mob: 'man overboard device', epirb: 'EPIRB',
  safety_broadcast: 'safety broadcast', sart_status: 'SART status',
};

/** Point at `dist_nm` along true bearing `brg` from (lat, lon) — rhumb line, fine for short vectors. */
export function destination(lat, lon, brg, distNm) {
  const r = (brg * Math.PI) / 180;
  const dLat = (distNm / 60) * Math.cos(r);
  const dLon = ((distNm / 60) * Math.sin(r)) / Math.max(0.01, Math.cos((lat * Math.PI) / 180));
  return [lon + dLon, lat + dLat];
}

/** Polygon ring approximating a circle of `radiusM` metres. */
export function circleRing(lat, lon, radiusM, n = 48) {
  const ring = [];
  for (let i = 0; i <= n; i++) {
    const [x, y] = destination(lat, lon, (360 * i) / n, radiusM / 1852);
    ring.push([x, y]);
  }
  return ring;
}

export function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]);
}
