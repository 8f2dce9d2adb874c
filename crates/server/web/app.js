// Finisterra traffic console: the live picture on an offline map, open
// risks and hazards, the alerts to acknowledge, the details of a vessel.
// Plain ES modules served from the binary; no build step, no internet.

import { createMap, setData, iconName, legendSwatch, maplibregl, followLand } from './map.js';
import { Alerts, ALERT_KINDS, CLEAR_KINDS, mmsisOf, setKinds, aircraftId, altitudeText } from './alerts.js';
import { OwnShipPanel } from './ownship.js';
import { renderStations } from './stations.js';
import { Playback } from './playback.js';
import { VesselTable } from './table.js';
import { Layers, extendLegend } from './layers.js';
import { AlarmSound, silenceFromAddress } from './sound.js';
import { bindUnitControls, attachScale } from './units.js';
import {
  CATEGORIES, LOST_COLOR, OWN_COLOR, shipCategory, shipTypeText, navStatusText, classText, deg3, knots, nm,
  duration, clock, dateTime, latLonText, vesselName, adviceLines, destination, circleRing,
  escapeHtml, encounterText,
} from './format.js';

/** Every event kind: the server's list (`GET /api/event-kinds`), read at start. */
const ALL_KINDS = [];
const PREDICTOR_MIN = 6; // course/speed vector, minutes
const HISTORY_ALERTS = 200;
const $ = (sel) => document.querySelector(sel);

// ---------------------------------------------------------------- settings

const settings = {
  get token() { return localStorage.getItem('finisterra.token') ?? ''; },
  set token(v) { v ? localStorage.setItem('finisterra.token', v) : localStorage.removeItem('finisterra.token'); },
  get operator() { return localStorage.getItem('finisterra.operator') ?? ''; },
  set operator(v) { v ? localStorage.setItem('finisterra.operator', v) : localStorage.removeItem('finisterra.operator'); },
};

// --------------------------------------------------------------------- API

/** Headers of a read: the token when one is set (a server started with
 *  --read-token needs it; the change token reads too). */
function readHeaders() {
  const h = { accept: 'application/json' };
  if (settings.token) h.authorization = `Bearer ${settings.token}`;
  return h;
}

async function getJSON(path) {
  const r = await fetch(path, { headers: readHeaders() });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

async function ackEvent(id) {
  const headers = {};
  if (settings.token) headers.authorization = `Bearer ${settings.token}`;
  if (settings.operator) headers['x-operator'] = settings.operator;
  const r = await fetch(`api/events/${id}/ack`, { method: 'POST', headers });
  if (r.ok) return r.json();
  let msg = `HTTP ${r.status}`;
  try { msg = (await r.json()).error ?? msg; } catch { /* not JSON */ }
  if (r.status === 401 || r.status === 403) {
    msg = settings.token ? `Not acknowledged: the token was refused (${msg}).` : 'Not acknowledged: this server needs a token. Enter it under Settings (⚙).';
  }
  throw new Error(msg);
}

/** The id of the newest stored event (0 when none). */
async function newestEventId() {
  const r = await getJSON('api/events?order=desc&limit=1');
  return r.events.length ? r.events[0].id : 0;
}

/**
 * The latest events of the alert kinds up to id `upto`, oldest first: pages
 * backwards (newest first) until enough alerts are found.
 */
async function recentEvents(upto, want) {
  const kinds = [...ALERT_KINDS, ...CLEAR_KINDS].join(',');
  const page = 2000;
  const out = [];
  let alerts = 0;
  let before = upto + 1;
  for (let round = 0; alerts < want && round < 50; round++) {
    const r = await getJSON(`api/events?order=desc&before=${before}&kind=${kinds}&limit=${page}`);
    out.push(...r.events);
    alerts += r.events.filter((e) => ALERT_KINDS.includes(e.kind)).length;
    if (r.events.length < page) break;
    before = r.next;
  }
  return out.reverse();
}

/** Which run of the server this is (changes on every restart). */
async function runId() {
  return (await getJSON('api/stats')).run_id ?? null;
}

// ------------------------------------------------------------------- state

const state = {
  map: null,
  vessels: new Map(), // mmsi → summary
  risks: [], // OpenRisk
  hazards: [], // HazardRisk
  atons: [],
  zones: { type: 'FeatureCollection', features: [] },
  userHazards: { type: 'FeatureCollection', features: [] },
  selected: null,
  detail: null, // /api/vessels/{mmsi}
  lastId: 0,
  runId: null, // the server run the picture was read from
  stream: null,
  streamDown: false, // the stream broke since the picture was read
  ready: false,
  own: null, // /api/own-ship (null: no own ship)
  ownMmsi: null,
  ownCentred: false, // the map was centred on the own ship once
  userMoved: false, // the operator moved the map (no automatic centring then)
  linkedView: false, // the address named a view (#view=...)
};

const alerts = new Alerts($('#alerts'), {
  nameOf: (mmsi, ev) => {
    for (const r of [ev?.a, ev?.b, ev?.vessel]) if (r?.mmsi === mmsi && r.name) return r.name.trim();
    return state.vessels.get(mmsi)?.name?.trim() || `MMSI ${mmsi}`;
  },
  onAck: (id) => ackEvent(id),
  onPan: (s) => panToSituation(s),
  onChange: () => scheduleCounts(),
});

const ownPanel = new OwnShipPanel($('[data-testid="own-ship"]'), {
  onTarget: (mmsi) => flyToTarget(mmsi),
  onCentre: () => centreOnOwnShip(),
});

// History playback and exports (playback.js). While history is shown the
// live stream stays connected and the picture keeps up in memory, but the
// draw functions below leave the map to it.
const playback = new Playback({
  token: () => settings.token,
  map: () => state.map,
  vessels: state.vessels,
  selected: () => state.selected,
  ownMmsi: () => state.ownMmsi,
  dataTime: () => state.dataTime,
  alerts,
  nameOf: (mmsi, ev) => alerts.hooks.nameOf(mmsi, ev),
  onEnter: () => {
    for (const m of cpaMarkers.values()) m.remove();
    cpaMarkers.clear();
    popup?.remove();
  },
  onExit: () => {
    drawVessels();
    drawRisks();
    drawHazards();
    drawSelected();
    drawTrack();
  },
});

// ------------------------------------------------------------- map layers

let drawPending = false;
function scheduleDraw() {
  if (drawPending || !state.map) return;
  drawPending = true;
  requestAnimationFrame(() => {
    drawPending = false;
    drawVessels();
    drawRisks();
    drawHazards();
    drawSelected();
  });
}

function courseOf(v) {
  if (v.heading_deg != null && v.heading_deg >= 0 && v.heading_deg < 360) return v.heading_deg;
  if (v.cog_deg != null && (v.sog_kn ?? 0) >= 0.5) return v.cog_deg;
  return null;
}

function drawVessels() {
  if (playback.active) return;
  const features = [];
  const predictors = [];
  for (const v of state.vessels.values()) {
    if (v.lat_deg == null || v.lon_deg == null) continue;
    const cat = shipCategory(v.ship_type, v.class);
    const rot = courseOf(v);
    const own = v.mmsi === state.ownMmsi;
    features.push({
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [v.lon_deg, v.lat_deg] },
      properties: { mmsi: v.mmsi, icon: iconName(cat, rot != null, v.lost, own && !v.lost), rot: rot ?? 0, z: own ? 2 : v.lost ? 0 : 1, name: v.name ?? '' },
    });
    if (!v.lost && v.cog_deg != null && (v.sog_kn ?? 0) >= 0.5) {
      const end = destination(v.lat_deg, v.lon_deg, v.cog_deg, (v.sog_kn * PREDICTOR_MIN) / 60);
      const color = own ? OWN_COLOR : CATEGORIES.find((c) => c.id === cat)?.color ?? '#a0aab4';
      predictors.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[v.lon_deg, v.lat_deg], end] }, properties: { color } });
    }
  }
  setData(state.map, 'vessels', { type: 'FeatureCollection', features });
  setData(state.map, 'predictors', { type: 'FeatureCollection', features: predictors });
  const op = ownPosition();
  setData(state.map, 'own', {
    type: 'FeatureCollection',
    features: op ? [{ type: 'Feature', geometry: { type: 'Point', coordinates: op }, properties: { mmsi: state.ownMmsi } }] : [],
  });
  $('[data-testid="vessel-count"]').textContent = String(features.length);
}

/** Live position of a vessel, else the one in the event. */
function posOf(ref) {
  const v = state.vessels.get(ref.mmsi);
  if (v && v.lat_deg != null) return [v.lon_deg, v.lat_deg];
  return [ref.lon, ref.lat];
}

const cpaMarkers = new Map(); // pair key → Marker
function drawRisks() {
  if (playback.active) return;
  const features = [];
  const keep = new Set();
  for (const o of state.risks) {
    const r = o.risk;
    const key = `${r.a.mmsi}:${r.b.mmsi}`;
    const pa = posOf(r.a);
    const pb = posOf(r.b);
    const cpa = [r.cpa_lon, r.cpa_lat];
    const props = { level: r.level, key };
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pa, pb] }, properties: { ...props, part: 'pair' } });
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pa, cpa] }, properties: { ...props, part: 'leg' } });
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pb, cpa] }, properties: { ...props, part: 'leg' } });
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: cpa }, properties: { ...props, part: 'cpa' } });
    keep.add(key);
    let m = cpaMarkers.get(key);
    if (!m) {
      const el = document.createElement('div');
      el.className = 'cpa-label';
      el.setAttribute('data-testid', 'cpa-label');
      el.addEventListener('click', (e) => {
        e.stopPropagation();
        const cur = state.risks.find((x) => `${x.risk.a.mmsi}:${x.risk.b.mmsi}` === key);
        if (cur) riskPopup(cur.risk, [cur.risk.cpa_lon, cur.risk.cpa_lat]);
      });
      m = new maplibregl.Marker({ element: el, anchor: 'left', offset: [12, 0] }).setLngLat(cpa).addTo(state.map);
      cpaMarkers.set(key, m);
    }
    m.setLngLat(cpa);
    const el = m.getElement();
    el.dataset.level = r.level;
    // (classList: the marker's own maplibregl-* classes must stay.)
    el.classList.toggle('level-alarm', r.level === 'alarm');
    el.classList.toggle('level-warning', r.level !== 'alarm');
    el.textContent = `CPA ${nm(r.cpa_nm)} · ${duration(r.tcpa_s)}`;
    el.title = `${vesselName(r.a)} ↔ ${vesselName(r.b)}: ${r.ruling}`;
  }
  for (const [key, m] of cpaMarkers) {
    if (!keep.has(key)) {
      m.remove();
      cpaMarkers.delete(key);
    }
  }
  setData(state.map, 'risks', { type: 'FeatureCollection', features });
}

function drawHazards() {
  if (playback.active) return;
  const features = [];
  state.hazards.forEach((h, i) => {
    const pv = posOf(h.vessel);
    const ph = [h.hazard.lon, h.hazard.lat];
    const props = { level: h.level, i };
    features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pv, ph] }, properties: props });
    features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: ph }, properties: props });
  });
  setData(state.map, 'hazards', { type: 'FeatureCollection', features });
}

function drawAtons() {
  const features = state.atons.map((a) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [a.lon_deg, a.lat_deg] },
    properties: {
      mmsi: a.mmsi, name: a.name ?? '', kind: a.kind,
      icon: a.kind === 'base_station' ? 'base-station' : a.virtual_aid ? 'aton-virtual' : 'aton',
      virtual: a.virtual_aid, off: a.off_position,
    },
  }));
  setData(state.map, 'atons', { type: 'FeatureCollection', features });
}

function drawZones() {
  setData(state.map, 'zones', normaliseZones(state.zones));
  setData(state.map, 'user-hazards', normaliseHazards(state.userHazards));
}

/** An airspace's vertical limits in words (`SFC–5000 ft MSL`, `FL100–FL245`). */
function limitText(l, top) {
  if (l == null) return top ? 'UNL' : 'SFC';
  if (typeof l === 'string') return l.toUpperCase();
  const unit = String(l.unit ?? '').toLowerCase();
  if (unit === 'fl' || unit === '6') return `FL${l.value}`;
  const datum = { 0: 'GND', 1: 'MSL', 2: 'STD', gnd: 'GND', msl: 'MSL', std: 'STD' }[String(l.datum ?? l.referenceDatum ?? '').toLowerCase()] ?? '';
  const u = unit === 'm' || unit === '0' ? 'm' : 'ft';
  return `${l.value} ${u} ${datum}`.trim();
}

function normaliseZones(doc) {
  const features = (doc?.features ?? []).map((f, i) => {
    const p = f.properties ?? {};
    const lo = p.floor ?? p.lowerLimit;
    const hi = p.ceiling ?? p.upperLimit;
    const limits = lo != null || hi != null ? `${p.name ?? ''} ${limitText(lo, false)}–${limitText(hi, true)}`.trim() : undefined;
    return {
      type: 'Feature', id: i, geometry: f.geometry,
      properties: { ...p, index: i, rule: p.rule ?? 'notify', ...(limits ? { limits } : {}) },
    };
  }).filter((f) => f.geometry);
  return { type: 'FeatureCollection', features };
}

/** Point hazards with a radius become circles. */
function normaliseHazards(doc) {
  const out = [];
  for (const f of doc?.features ?? []) {
    if (!f.geometry) continue;
    const p = f.properties ?? {};
    const r = p.radius_m ?? (p.radius_nm != null ? p.radius_nm * 1852 : 0);
    const pts = f.geometry.type === 'Point' ? [f.geometry.coordinates] : f.geometry.type === 'MultiPoint' ? f.geometry.coordinates : null;
    if (pts && r > 0) {
      for (const [lon, lat] of pts) {
        out.push({ type: 'Feature', properties: p, geometry: { type: 'Polygon', coordinates: [circleRing(lat, lon, r)] } });
        out.push({ type: 'Feature', properties: p, geometry: { type: 'Point', coordinates: [lon, lat] } });
      }
    } else {
      out.push({ type: 'Feature', properties: p, geometry: f.geometry });
    }
  }
  return { type: 'FeatureCollection', features: out };
}

function drawSelected() {
  if (playback.active) return;
  const v = state.selected != null ? state.vessels.get(state.selected) : null;
  setData(state.map, 'selected', {
    type: 'FeatureCollection',
    features: v && v.lat_deg != null ? [{ type: 'Feature', geometry: { type: 'Point', coordinates: [v.lon_deg, v.lat_deg] }, properties: {} }] : [],
  });
}

function drawTrack() {
  if (playback.active) return;
  const d = state.detail;
  if (!d || d.summary?.mmsi !== state.selected) {
    setData(state.map, 'track', { type: 'FeatureCollection', features: [] });
    return;
  }
  const coords = d.track.map((t) => [t[2], t[1]]);
  const v = state.vessels.get(state.selected);
  if (v && v.lat_deg != null) coords.push([v.lon_deg, v.lat_deg]);
  const features = [];
  if (coords.length > 1) features.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: coords }, properties: {} });
  for (const t of d.track) features.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [t[2], t[1]] }, properties: { time: t[0] } });
  setData(state.map, 'track', { type: 'FeatureCollection', features });
}

// ------------------------------------------------------------------ popups

let popup = null;
function showPopup(lngLat, html) {
  popup?.remove();
  popup = new maplibregl.Popup({ closeButton: true, maxWidth: '340px', className: 'fin-popup' }).setLngLat(lngLat).setHTML(html).addTo(state.map);
}

function riskPopup(r, lngLat) {
  const nameOf = (m) => (m === r.a.mmsi ? vesselName(r.a) : m === r.b.mmsi ? vesselName(r.b) : `MMSI ${m}`);
  const adv = adviceLines(r.advice, nameOf).map((a) => `<li>${escapeHtml(a.text)}</li>`).join('');
  showPopup(lngLat, `
    <div class="pop-title level-${r.level}">${escapeHtml(r.level.toUpperCase())} · ${escapeHtml(vesselName(r.a))} ↔ ${escapeHtml(vesselName(r.b))}</div>
    <div>${escapeHtml(r.ruling)}</div>
    <div class="muted">${escapeHtml(encounterText(r.encounter))} · CPA ${nm(r.cpa_nm)} in ${duration(r.tcpa_s)} · range ${nm(r.range_nm)}</div>
    ${adv ? `<ul class="pop-advice">${adv}</ul>` : ''}`);
}

function hazardPopup(h, lngLat) {
  const nameOf = () => vesselName(h.vessel);
  const what = h.hazard.kind === 'land' ? 'land' : h.hazard.name ?? h.hazard.kind;
  const adv = adviceLines(h.advice, nameOf).map((a) => `<li>${escapeHtml(a.text)}</li>`).join('');
  showPopup(lngLat, `
    <div class="pop-title level-${h.level}">${escapeHtml(h.level.toUpperCase())} · ${escapeHtml(vesselName(h.vessel))} → ${escapeHtml(what)}</div>
    <div class="muted">within the safety distance in ${duration(h.time_to_hazard_s)} · ${nm(h.distance_nm)} away</div>
    ${adv ? `<ul class="pop-advice">${adv}</ul>` : ''}`);
}

// ---------------------------------------------------------- vessel details

async function selectVessel(mmsi, { pan = false } = {}) {
  mmsi = Number(mmsi);
  state.selected = mmsi;
  ownPanel.select(mmsi);
  const v = state.vessels.get(mmsi);
  if (pan && v && v.lat_deg != null) state.map.easeTo({ center: [v.lon_deg, v.lat_deg], zoom: Math.max(state.map.getZoom(), 10), duration: 600 });
  renderDetails();
  drawSelected();
  await refreshDetail();
  return state.detail;
}

function clearSelection() {
  state.selected = null;
  ownPanel.select(null);
  state.detail = null;
  renderDetails();
  drawSelected();
  drawTrack();
}

async function refreshDetail() {
  const mmsi = state.selected;
  if (mmsi == null) return;
  try {
    const d = await getJSON(`api/vessels/${mmsi}`);
    if (state.selected !== mmsi) return;
    state.detail = d;
    if (d.summary) state.vessels.set(mmsi, { ...state.vessels.get(mmsi), ...d.summary });
  } catch (err) {
    if (state.selected === mmsi) state.detail = { error: err.message };
  }
  renderDetails();
  drawTrack();
}

function row(label, value, testid) {
  return `<dt>${escapeHtml(label)}</dt><dd${testid ? ` data-testid="${testid}"` : ''}>${escapeHtml(value ?? '—')}</dd>`;
}

function renderDetails() {
  const panel = $('[data-testid="vessel-details"]');
  const mmsi = state.selected;
  if (mmsi == null) {
    panel.hidden = true;
    panel.innerHTML = '';
    return;
  }
  panel.hidden = false;
  const v = state.vessels.get(mmsi) ?? state.detail?.summary ?? { mmsi };
  const st = state.detail?.vessel?.static ?? {};
  const cat = shipCategory(v.ship_type, v.class);
  const color = v.lost ? LOST_COLOR : CATEGORIES.find((c) => c.id === cat)?.color;
  const age = v.fix_ms != null ? Math.round(((state.dataTime ? Date.parse(state.dataTime) : v.fix_ms) - v.fix_ms) / 1000) : null;
  const risks = state.risks.filter((o) => o.risk.a.mmsi === mmsi || o.risk.b.mmsi === mmsi);
  const hazards = state.hazards.filter((h) => h.vessel.mmsi === mmsi);
  const sit = [
    ...risks.map((o) => {
      const other = o.risk.a.mmsi === mmsi ? o.risk.b : o.risk.a;
      return `<li class="level-${o.risk.level}"><b>${escapeHtml(o.risk.level)}</b> with ${escapeHtml(vesselName(other))}: CPA ${nm(o.risk.cpa_nm)} in ${duration(o.risk.tcpa_s)}<br><span class="muted">${escapeHtml(o.risk.ruling)}</span></li>`;
    }),
    ...hazards.map((h) => `<li class="level-${h.level}"><b>${escapeHtml(h.level)}</b> ${escapeHtml(h.hazard.kind === 'land' ? 'land' : h.hazard.name ?? h.hazard.kind)} in ${duration(h.time_to_hazard_s)}</li>`),
  ].join('');
  const focused = document.activeElement?.closest?.('[data-testid="vessel-details"] button')?.dataset.action;
  panel.innerHTML = `
    <header class="details-head">
      <span class="swatch" style="background:${color}"></span>
      <h2 data-testid="vessel-name">${escapeHtml((v.name ?? st.name ?? '').trim() || 'Unnamed vessel')}</h2>
      <button type="button" class="icon-btn" data-action="zoom" aria-label="Zoom to vessel" title="Zoom to vessel"><svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true"><circle cx="8" cy="8" r="5" fill="none" stroke="currentColor" stroke-width="1.5"/><path d="M8 0v5M8 11v5M0 8h5M11 8h5" stroke="currentColor" stroke-width="1.5"/></svg></button>
      <button type="button" class="icon-btn" data-action="close" aria-label="Close details" title="Close (Esc)">✕</button>
    </header>
    ${v.lost ? '<div class="lost-note">Target lost: last known position shown</div>' : ''}
    ${state.detail?.error ? `<div class="alert-error">${escapeHtml(state.detail.error)}</div>` : ''}
    <dl>
      ${row('MMSI', String(mmsi), 'vessel-mmsi')}
      ${row('Call sign', st.callsign)}
      ${row('IMO', st.imo != null ? String(st.imo) : null)}
      ${row('Flag', v.flag)}
      ${row('Type', shipTypeText(v.ship_type ?? st.ship_type, v.class))}
      ${row('Class', classText(v.class))}
      ${row('Speed', knots(v.sog_kn))}
      ${row('Course', deg3(v.cog_deg))}
      ${row('Heading', deg3(v.heading_deg))}
      ${row('Status', navStatusText(v.nav_status))}
      ${row('Length', v.length_m != null ? `${Math.round(v.length_m)} m` : null)}
      ${row('Draught', st.draught_m != null ? `${st.draught_m.toFixed(1)} m` : null)}
      ${row('Destination', st.destination)}
      ${row('ETA', st.eta ? `${st.eta} UTC` : null)}
      ${row('Position', latLonText(v.lat_deg, v.lon_deg))}
      ${row('Last fix', v.fix_time ? `${dateTime(v.fix_time)}${age != null && age >= 0 ? ` (${duration(age)} ago)` : ''}` : null)}
      ${row('Track', state.detail?.track ? `${state.detail.track.length} points` : '…')}
    </dl>
    ${sit ? `<h3>Open situations</h3><ul class="situations">${sit}</ul>` : ''}`;
  // Re-rendered every second: keep the keyboard focus where it was.
  if (focused) panel.querySelector(`button[data-action="${focused}"]`)?.focus();
}

$('[data-testid="vessel-details"]').addEventListener('click', (e) => {
  const a = e.target.closest('button')?.dataset.action;
  if (a === 'close') clearSelection();
  if (a === 'zoom' && state.selected != null) {
    const v = state.vessels.get(state.selected);
    if (v?.lat_deg != null) state.map.easeTo({ center: [v.lon_deg, v.lat_deg], zoom: Math.max(state.map.getZoom(), 11) });
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && !e.target.closest('input')) {
    if (!$('#settings').hidden) toggleSettings(false);
    else clearSelection();
  }
});

// ----------------------------------------------------------------- panning

function fitPoints(points, maxZoom = 11) {
  const pts = points.filter((p) => p && Number.isFinite(p[0]) && Number.isFinite(p[1]));
  if (!pts.length) return;
  if (pts.length === 1) {
    state.map.easeTo({ center: pts[0], zoom: Math.max(state.map.getZoom(), 11), duration: 700 });
    return;
  }
  const b = new maplibregl.LngLatBounds(pts[0], pts[0]);
  for (const p of pts) b.extend(p);
  state.map.fitBounds(b, { padding: 90, maxZoom, duration: 700 });
}

function panToSituation(s) {
  const ev = s.latest;
  switch (s.group) {
    case 'risk': {
      const cur = state.risks.find((o) => o.risk.a.mmsi === ev.a.mmsi && o.risk.b.mmsi === ev.b.mmsi)?.risk ?? ev;
      fitPoints([posOf(cur.a), posOf(cur.b), [cur.cpa_lon, cur.cpa_lat]]);
      break;
    }
    case 'hazard':
      fitPoints([posOf(ev.vessel), [ev.hazard.lon, ev.hazard.lat]]);
      selectVessel(ev.vessel.mmsi);
      break;
    case 'zone':
      fitPoints([posOf(ev.vessel), [ev.lon, ev.lat]]);
      selectVessel(ev.vessel.mmsi);
      break;
    case 'distress':
      if (ev.lat != null) fitPoints([[ev.lon, ev.lat]]);
      if (state.vessels.has(ev.mmsi)) selectVessel(ev.mmsi);
      break;
    default:
      for (const m of mmsisOf(ev)) {
        fitPoints([posOf(ev.vessel ?? { mmsi: m })]);
        selectVessel(m);
      }
  }
}

// ---------------------------------------------------------------- own ship

/** The own ship's position: live (the stream), else the last own-ship read. */
function ownPosition() {
  if (state.ownMmsi == null) return null;
  const v = state.vessels.get(state.ownMmsi);
  if (v && v.lat_deg != null) return [v.lon_deg, v.lat_deg];
  const o = state.own?.own;
  return o && o.lat_deg != null ? [o.lon_deg, o.lat_deg] : null;
}

function centreOnOwnShip({ animate = true } = {}) {
  const p = ownPosition();
  if (!p || !state.map) return;
  const zoom = Math.max(state.map.getZoom(), 10);
  if (animate) state.map.easeTo({ center: p, zoom, duration: 600 });
  else state.map.jumpTo({ center: p, zoom });
}

/** A target of the list: the map flies to it and its details show. */
function flyToTarget(mmsi) {
  const v = state.vessels.get(mmsi);
  let p = v && v.lat_deg != null ? [v.lon_deg, v.lat_deg] : null;
  if (!p) {
    // Not in the picture yet: from the own ship, by bearing and range.
    const t = state.own?.targets?.find((x) => x.mmsi === mmsi);
    const o = ownPosition();
    if (t && o && Number.isFinite(t.bearing_deg) && Number.isFinite(t.range_nm)) p = destination(o[1], o[0], t.bearing_deg, t.range_nm);
  }
  if (p) state.map.flyTo({ center: p, zoom: Math.max(state.map.getZoom(), 11), duration: 800 });
  selectVessel(mmsi);
}

/** The own ship and its targets; null when there is none (404: none
 *  configured, or no fix yet). */
async function getOwnShip() {
  const r = await fetch('api/own-ship', { headers: readHeaders() });
  if (r.status === 404) return null;
  if (!r.ok) throw new Error(`api/own-ship: HTTP ${r.status}`);
  return r.json();
}

async function loadOwnShip() {
  const data = await getOwnShip();
  const mmsi = data?.own?.mmsi ?? null;
  state.own = data;
  if (mmsi !== state.ownMmsi) {
    state.ownMmsi = mmsi;
    alerts.setOwnShip(mmsi);
    scheduleDraw();
  }
  ownPanel.render(data);
  // Centred once, when the own ship is first known (unless the address
  // named a view, or the operator has moved the map already).
  if (data?.own && !state.ownCentred && state.map) {
    state.ownCentred = true;
    if (!state.linkedView && !state.userMoved) centreOnOwnShip({ animate: false });
  }
}

/** Every 2 s while there is an own ship; every 10 s while there is none
 *  (the first VDO sentence may name one later). */
function pollOwnShip() {
  setTimeout(async () => {
    await safely(loadOwnShip());
    pollOwnShip();
  }, state.own ? 2000 : 10000);
}

async function loadStations() {
  renderStations($('[data-testid="stations"]'), await getJSON('api/stations'), Date.now());
}

// ------------------------------------------------------------ data refresh

function debounce(fn, ms) {
  let t = null;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

async function loadRisks() {
  state.risks = await getJSON('api/risks');
  alerts.liveRisks(state.risks);
  $('[data-testid="risk-count"]').textContent = String(state.risks.length);
  drawRisks();
  if (state.selected != null) renderDetails();
  scheduleCounts();
}
async function loadHazards() {
  state.hazards = await getJSON('api/hazards/open');
  $('[data-testid="hazard-count"]').textContent = String(state.hazards.length);
  drawHazards();
  if (state.selected != null) renderDetails();
}
/** The air picture, polled (aircraft move fast; no per-aircraft push yet). */
async function loadAircraft() {
  const list = await getJSON('api/aircraft');
  const inConflict = new Set();
  for (const s of alerts.items.values()) {
    if (s.group === 'air' && !s.cleared) {
      inConflict.add(aircraftId(s.latest.a));
      inConflict.add(aircraftId(s.latest.b));
    }
  }
  const arrow = { climbing: '↑', descending: '↓', level: '→' };
  const features = list.filter((a) => a.lat != null).map((a) => ({
    type: 'Feature',
    geometry: { type: 'Point', coordinates: [a.lon, a.lat] },
    properties: {
      id: aircraftId(a),
      conflict: inConflict.has(aircraftId(a)),
      label: `${a.flight ?? a.hex ?? a.mmsi} ${a.on_ground ? 'GND' : altitudeText(a.alt_baro_ft ?? a.alt_geom_ft)} ${arrow[a.trend] ?? ''}`.trim(),
    },
  }));
  state.aircraft = list;
  setData(state.map, 'aircraft', { type: 'FeatureCollection', features });
}

async function loadAtons() {
  state.atons = await getJSON('api/atons');
  drawAtons();
}
async function loadDocs() {
  const [z, h] = await Promise.all([getJSON('api/zones'), getJSON('api/hazards')]);
  state.zones = z;
  state.userHazards = h;
  drawZones();
}
async function loadVessels() {
  const list = await getJSON('api/vessels');
  // The same Map instance throughout (window.finisterra.vessels).
  state.vessels.clear();
  for (const v of list) state.vessels.set(v.mmsi, v);
  scheduleDraw();
}
async function loadStats() {
  try {
    const s = await getJSON('api/stats');
    state.dataTime = s.data_time;
    $('[data-testid="data-time"]').textContent = s.data_time ? dateTime(s.data_time) : '—';
  } catch {
    /* the stream state shows the outage */
  }
}

const refreshRisks = debounce(() => loadRisks().catch(console.warn), 250);
const refreshHazards = debounce(() => loadHazards().catch(console.warn), 250);

function safely(p) {
  return p.catch((err) => console.warn(err));
}

// ----------------------------------------------------------------- counts

let countsPending = false;
function scheduleCounts() {
  if (countsPending) return;
  countsPending = true;
  queueMicrotask(() => {
    countsPending = false;
    const c = alerts.counts();
    $('#count-alarm').textContent = c.alarm;
    $('#count-warning').textContent = c.warning;
    $('#count-info').textContent = c.info;
    $('#chip-alarm').classList.toggle('hot', c.alarm > 0);
    sound.update(alerts);
    document.title = c.alarm ? `(${c.alarm}) Finisterra` : 'Finisterra';
  });
}

// ----------------------------------------------------------------- stream

function setStreamState(s, text) {
  const el = $('[data-testid="stream-state"]');
  el.dataset.state = s;
  el.textContent = text;
}

function onEvent(e) {
  let ev;
  try {
    ev = JSON.parse(e.data);
  } catch {
    return;
  }
  if (ev.id > state.lastId) state.lastId = ev.id;
  alerts.ingest(ev);
  if (ev.kind.startsWith('risk.')) refreshRisks();
  if (ev.kind.startsWith('hazard.')) refreshHazards();
  if (ev.kind === 'target.lost') {
    const v = state.vessels.get(ev.vessel.mmsi);
    if (v) {
      v.lost = true;
      scheduleDraw();
    }
  }
}

/** Another console (or this one) acknowledged an event. */
async function onAck(e) {
  let a;
  try {
    a = JSON.parse(e.data);
  } catch {
    return;
  }
  if (!alerts.knows(a.id)) {
    // An event older than the ones this console loaded (another console
    // acknowledged it): which open situation it belongs to.
    try {
      alerts.adopt(await getJSON(`api/events/${a.id}`));
    } catch {
      /* not stored any more: nothing open to mark */
    }
  }
  alerts.acknowledged(a.id, a.acknowledged_by, a.acknowledged_at);
}

function onVessels(e) {
  let list;
  try {
    list = JSON.parse(e.data);
  } catch {
    return;
  }
  for (const v of list) {
    const old = state.vessels.get(v.mmsi);
    if (old?.lost && !v.lost) alerts.targetBack(v.mmsi);
    state.vessels.set(v.mmsi, v);
  }
  scheduleDraw();
  if (state.selected != null && list.some((v) => v.mmsi === state.selected)) {
    renderDetails();
    drawTrack();
  }
}

function connect() {
  state.stream?.close();
  // EventSource cannot send headers: the token goes in the query.
  const token = settings.token ? `&token=${encodeURIComponent(settings.token)}` : '';
  const es = new EventSource(`api/stream?since=${state.lastId}${token}`);
  state.stream = es;
  for (const k of ALL_KINDS) es.addEventListener(k, onEvent);
  es.addEventListener('vessels', onVessels);
  es.addEventListener('ack', onAck);
  // The store refuses writes (disk full): alarms still arrive, not yet stored.
  es.addEventListener('store.degraded', () => setStreamState('down', 'live; store full: alarms not yet stored'));
  es.addEventListener('store.recovered', () => setStreamState('live', 'live'));
  es.addEventListener('truncated', (e) => console.warn('finisterra: backlog cut; older events via /api/events', e.data));
  es.onopen = async () => {
    setStreamState('live', 'live');
    if (!state.streamDown) return;
    state.streamDown = false;
    // Back after an outage: the events resume by Last-Event-ID and the
    // snapshots are read again; unless the server restarted (its picture
    // began again, and without a store its event ids too): then everything
    // is read afresh.
    try {
      const [run, newest] = await Promise.all([runId(), newestEventId()]);
      console.info(`finisterra: stream back; run ${run}, newest event ${newest}, last seen ${state.lastId}`);
      if (run !== state.runId || newest < state.lastId) {
        console.info('finisterra: the server restarted: reading everything again');
        es.close();
        alerts.reset();
        await loadPicture();
        connect();
        return;
      }
    } catch { /* the next error handler retries */ }
    safely(loadVessels());
    safely(loadRisks());
    safely(loadHazards());
  };
  es.onerror = () => {
    if (!state.streamDown) console.info('finisterra: stream interrupted');
    state.streamDown = true;
    if (es.readyState === EventSource.CLOSED) {
      setStreamState('down', 'disconnected, retrying');
      setTimeout(connect, 5000);
    } else {
      setStreamState('down', 'reconnecting…');
    }
  };
}

// --------------------------------------------------------------- settings

function toggleSettings(show) {
  const box = $('#settings');
  const btn = $('[data-testid="settings-button"]');
  box.hidden = !(show ?? box.hidden);
  btn.setAttribute('aria-expanded', String(!box.hidden));
  if (!box.hidden) {
    $('#token').value = settings.token;
    $('#operator').value = settings.operator;
    $('#token').focus();
  }
}
$('[data-testid="settings-button"]').addEventListener('click', () => toggleSettings());
$('#settings').addEventListener('submit', (e) => {
  e.preventDefault();
  settings.token = $('#token').value.trim();
  settings.operator = $('#operator').value.trim();
  $('#settings-saved').textContent = settings.token ? 'Saved. Acknowledgements will send the token.' : 'Saved (no token).';
  setTimeout(() => toggleSettings(false), 600);
});

for (const id of ['info', 'acknowledged']) {
  const box = $(`#show-${id}`);
  const stored = localStorage.getItem(`finisterra.show.${id}`);
  if (stored != null) box.checked = stored === '1';
  alerts.filter[id] = box.checked;
  box.addEventListener('change', () => {
    localStorage.setItem(`finisterra.show.${id}`, box.checked ? '1' : '0');
    alerts.setFilter({ [id]: box.checked });
  });
}

// Collapsible panels (own ship, stations): open or closed as last left.
for (const btn of document.querySelectorAll('.panel-toggle')) {
  const body = document.getElementById(btn.getAttribute('aria-controls'));
  const key = `finisterra.open.${body.id}`;
  const set = (open) => {
    btn.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
    btn.closest('.panel').classList.toggle('collapsed', !open);
  };
  const stored = localStorage.getItem(key);
  set(stored != null ? stored === '1' : btn.getAttribute('aria-expanded') === 'true');
  btn.addEventListener('click', () => {
    const open = btn.getAttribute('aria-expanded') !== 'true';
    set(open);
    localStorage.setItem(key, open ? '1' : '0');
  });
}

// ---------------------------------------------------------------- legend

function buildLegend() {
  const ul = $('#legend ul');
  const items = [
    ...CATEGORIES.map((c) => [legendSwatch(c.color), c.label]),
    [legendSwatch(LOST_COLOR), 'Lost target'],
    [legendSwatch(OWN_COLOR), 'Own ship (ringed)'],
  ];
  ul.innerHTML = items.map(([src, label]) => `<li><img src="${src}" alt="" width="14" height="14"> ${escapeHtml(label)}</li>`).join('')
    + '<li><span class="key line alarm"></span> Alarm</li><li><span class="key line warning"></span> Warning</li>'
    + '<li><span class="key diamond"></span> Aid to navigation</li>';
}

// ------------------------------------------------------------------ start

window.finisterra = {
  vessels: state.vessels,
  selectVessel: (mmsi) => selectVessel(mmsi, { pan: true }),
  clearSelection,
  ownShip: () => state.own,
  alerts,
  state,
  playback,
  map: null,
  ready: false,
};

// ------------------------------------ vessel table, layers, units, sound

const sound = new AlarmSound($('[data-testid="silence-button"]'), { silenceMs: silenceFromAddress() });
const table = new VesselTable($('#vessel-table'), {
  vessels: () => state.vessels,
  risks: () => state.risks,
  selected: () => state.selected,
  getJSON,
  onPick: (mmsi) => state.map && flyToTarget(mmsi),
  onToggle: () => state.map?.resize(),
});
$('[data-testid="table-button"]').addEventListener('click', () => table.toggle());
bindUnitControls();
// Units changed (Settings): everything that shows a distance, speed or time.
window.addEventListener('finisterra:units', () => {
  alerts.renderAll();
  renderDetails();
  if (state.map) drawRisks();
  if (state.own) ownPanel.render(state.own);
  safely(loadStats());
  safely(loadStations());
});
Object.assign(window.finisterra, { table, sound });

async function start() {
  // The event kinds first: the alerts panel and the stream listen by them.
  const kinds = await getJSON('api/event-kinds');
  setKinds(kinds);
  ALL_KINDS.splice(0, ALL_KINDS.length, ...kinds.map((k) => k.kind));
  buildLegend();
  let view = null;
  // (Read before the map writes its own view into the address.)
  const linked = location.hash.includes('view=');
  state.linkedView = linked;
  if (!linked) {
    try {
      view = JSON.parse(localStorage.getItem('finisterra.view') ?? 'null');
    } catch { view = null; }
  }
  const map = await createMap($('[data-testid="map"]'), view);
  state.map = map;
  window.finisterra.map = map;
  window.finisterra.layers = new Layers(map, $('#layers'));
  extendLegend(map, $('#legend ul'));
  attachScale(map, maplibregl.ScaleControl);

  map.on('movestart', (e) => {
    if (e.originalEvent) state.userMoved = true;
  });
  map.on('moveend', () => {
    const c = map.getCenter();
    localStorage.setItem('finisterra.view', JSON.stringify({ center: [c.lng, c.lat], zoom: map.getZoom() }));
  });
  map.on('mousemove', (e) => {
    $('[data-testid="cursor-pos"]').textContent = latLonText(e.lngLat.lat, e.lngLat.lng);
  });
  const hoverable = ['vessels', 'atons', 'risks-pair', 'risks-cpa', 'hazards-line', 'hazards-point'];
  for (const l of hoverable) {
    map.on('mouseenter', l, () => { map.getCanvas().style.cursor = 'pointer'; });
    map.on('mouseleave', l, () => { map.getCanvas().style.cursor = ''; });
  }
  const hover = new maplibregl.Popup({ closeButton: false, closeOnClick: false, className: 'fin-tip', offset: 14 });
  map.on('mousemove', 'vessels', (e) => {
    const f = e.features?.[0];
    if (!f) return;
    const v = state.vessels.get(f.properties.mmsi);
    if (!v) return;
    hover.setLngLat(f.geometry.coordinates).setText(`${(v.name ?? '').trim() || `MMSI ${v.mmsi}`} · ${knots(v.sog_kn)} ${deg3(v.cog_deg)}`).addTo(map);
  });
  map.on('mouseleave', 'vessels', () => hover.remove());

  // One click handler, topmost layer first.
  map.on('click', (e) => {
    const box = [[e.point.x - 8, e.point.y - 8], [e.point.x + 8, e.point.y + 8]];
    const hit = map.queryRenderedFeatures(box, { layers: ['vessels', 'atons', 'risks-cpa', 'hazards-point', 'risks-pair', 'hazards-line'] });
    const f = hit[0];
    if (!f) return;
    switch (f.layer.id) {
      case 'vessels':
        selectVessel(f.properties.mmsi);
        break;
      case 'atons':
        showPopup(f.geometry.coordinates, `<div class="pop-title">${escapeHtml(f.properties.name || (f.properties.kind === 'base_station' ? 'Base station' : 'Aid to navigation'))}</div>
          <div class="muted">${f.properties.kind === 'base_station' ? 'AIS base station' : `aid to navigation${f.properties.virtual ? ' (virtual)' : ''}${f.properties.off ? ' · OFF POSITION' : ''}`} · MMSI ${f.properties.mmsi}</div>`);
        break;
      case 'risks-cpa':
      case 'risks-pair': {
        const o = state.risks.find((x) => `${x.risk.a.mmsi}:${x.risk.b.mmsi}` === f.properties.key);
        if (o) riskPopup(o.risk, e.lngLat);
        break;
      }
      default: {
        const h = state.hazards[f.properties.i];
        if (h) hazardPopup(h, e.lngLat);
      }
    }
  });

  // Land first (the basemap), then the picture.
  // (The engine's own coastline, at the level the zoom needs.)
  const land = followLand(map, getJSON, (err) => {
    console.error(err);
    const el = $('#fatal');
    el.hidden = false;
    el.textContent = `No land basemap: ${err.message ?? err}`;
    setTimeout(() => { el.hidden = true; }, 10000);
  });
  window.finisterra.land = land.state;
  const landP = land.first;
  await loadPicture();
  connect();

  // With an own ship the map centres on it (once); else, on a first visit,
  // it frames the picture.
  await safely(loadOwnShip());
  if (!view && !linked && !state.own) fitPicture();
  pollOwnShip();
  safely(loadStations());
  await landP;
  setInterval(loadStats, 5000);
  setInterval(() => safely(loadStations()), 5000);
  setInterval(() => safely(loadAtons()), 30000);
  setInterval(() => safely(loadAircraft()), 2000);
  setInterval(() => safely(loadDocs()), 60000);
  setInterval(() => safely(loadVessels()), 60000);
  setInterval(() => { if (state.selected != null) safely(refreshDetail()); }, 10000);
  // Open risks and hazards are read again every 2 s (CPA times count down
  // between events, and the lines follow the ships).
  setInterval(() => {
    if (state.risks.length) refreshRisks();
    if (state.hazards.length) refreshHazards();
  }, 2000);
  // Ready (for people and tests) once the first frame with land is drawn.
  await new Promise((res) => {
    const poll = setInterval(() => {
      if (map.loaded() || map.areTilesLoaded()) { clearInterval(poll); res(); }
    }, 200);
    map.once('idle', () => { clearInterval(poll); res(); });
    map.triggerRepaint();
  });
  state.ready = true;
  window.finisterra.ready = true;
  document.body.dataset.ready = 'true';
}

/**
 * Snapshots (vessels, risks, hazards, aids, zones) and the alert history up
 * to the newest event; the stream then continues from there.
 */
async function loadPicture() {
  const [upto, run] = await Promise.all([newestEventId(), safely(runId())]);
  state.lastId = upto;
  state.runId = run ?? null;
  await Promise.all([
    loadVessels(), safely(loadRisks()), safely(loadHazards()), safely(loadAtons()), safely(loadDocs()), loadStats(),
  ]);
  const evs = await recentEvents(upto, HISTORY_ALERTS);
  for (const ev of evs) alerts.ingest(ev, false);
  const open = new Set([
    ...state.risks.map((o) => `risk:${o.risk.a.mmsi}:${o.risk.b.mmsi}`),
    ...state.hazards.map((h) => `hazard:${h.vessel.mmsi}:${h.hazard.kind}:${h.hazard.mmsi ?? h.hazard.name ?? ''}`),
  ]);
  alerts.reconcile(open);
  alerts.renderAll();
}

/** First visit: frame the open risks, else the vessels (outliers aside). */
function fitPicture() {
  const pts = [];
  for (const o of state.risks) pts.push([o.risk.cpa_lon, o.risk.cpa_lat], posOf(o.risk.a), posOf(o.risk.b));
  if (pts.length) {
    fitPoints(pts, 10);
    return;
  }
  const vs = [...state.vessels.values()].filter((v) => v.lat_deg != null && !v.lost);
  if (!vs.length) return;
  const q = (arr, f) => arr[Math.min(arr.length - 1, Math.max(0, Math.round(f * (arr.length - 1))))];
  const lons = vs.map((v) => v.lon_deg).sort((a, b) => a - b);
  const lats = vs.map((v) => v.lat_deg).sort((a, b) => a - b);
  const lo = vs.length >= 20 ? 0.05 : 0;
  fitPoints([[q(lons, lo), q(lats, lo)], [q(lons, 1 - lo), q(lats, 1 - lo)]], 11);
}

start().catch((err) => {
  console.error(err);
  const el = $('#fatal');
  el.hidden = false;
  el.textContent = `The map could not start: ${err.message ?? err}`;
});
