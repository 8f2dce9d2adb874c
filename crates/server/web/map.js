// The map: MapLibre GL with an offline style (no tiles, no glyphs, no
// sprites): land polygons from /api/land, and GeoJSON layers for vessels,
// tracks, risks, hazards, aids to navigation and zones. Symbols are drawn
// on a canvas at start-up; labels are HTML markers (no remote glyphs).

import * as maplibregl from './vendor/maplibre-gl/maplibre-gl.mjs';
import { CATEGORIES, LOST_COLOR, LEVEL_COLOR, OWN_COLOR } from './format.js';

const EMPTY = { type: 'FeatureCollection', features: [] };
const WATER = '#0b1a28';
const LAND = '#2b332d';
const COAST = '#6f8170';

const RULE_COLOR = [
  'match', ['get', 'rule'],
  'keep_out', '#ff4d4d',
  'keep_in', '#4cd964',
  'no_crossing', '#ff40ff',
  'speed_limit', '#4ea5ff',
  'notify', '#9aa7b4',
  '#9aa7b4',
];
const LEVEL = ['match', ['get', 'level'], 'alarm', LEVEL_COLOR.alarm, LEVEL_COLOR.warning];
const OWN_RING = ['interpolate', ['linear'], ['zoom'], 3, 10, 8, 14, 12, 18];
const OWN_RING_OUTER = ['interpolate', ['linear'], ['zoom'], 3, 14, 8, 19, 12, 24];

function graticule(step) {
  const features = [];
  for (let lon = -180; lon <= 180; lon += step) {
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[lon, -85], [lon, 85]] } });
  }
  for (let lat = -80; lat <= 80; lat += step) {
    features.push({ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[-180, lat], [180, lat]] } });
  }
  return { type: 'FeatureCollection', features };
}

const SOURCES = [
  'land', 'zones', 'user-hazards', 'track', 'predictors', 'hazards', 'risks', 'atons', 'vessels', 'selected', 'own', 'aircraft',
];

function style() {
  const sources = { 'grat-10': { type: 'geojson', data: graticule(10) }, 'grat-1': { type: 'geojson', data: graticule(1) } };
  for (const s of SOURCES) sources[s] = { type: 'geojson', data: EMPTY };
  const geom = (t) => ['==', ['geometry-type'], t];
  return {
    version: 8,
    name: 'finisterra-offline',
    sources,
    layers: [
      { id: 'water', type: 'background', paint: { 'background-color': WATER } },
      { id: 'grat-10', type: 'line', source: 'grat-10', maxzoom: 6, paint: { 'line-color': '#1c3147', 'line-width': 0.6 } },
      { id: 'grat-1', type: 'line', source: 'grat-1', minzoom: 6, paint: { 'line-color': '#1c3147', 'line-width': 0.6 } },
      { id: 'land', type: 'fill', source: 'land', paint: { 'fill-color': LAND } },
      { id: 'coast', type: 'line', source: 'land', paint: { 'line-color': COAST, 'line-width': ['interpolate', ['linear'], ['zoom'], 3, 0.4, 10, 1.2] } },
      { id: 'zones-fill', type: 'fill', source: 'zones', filter: geom('Polygon'), paint: { 'fill-color': RULE_COLOR, 'fill-opacity': 0.12 } },
      { id: 'zones-line', type: 'line', source: 'zones', filter: ['!=', ['get', 'rule'], 'no_crossing'], paint: { 'line-color': RULE_COLOR, 'line-width': 1.5, 'line-opacity': 0.9 } },
      { id: 'zones-crossing', type: 'line', source: 'zones', filter: ['==', ['get', 'rule'], 'no_crossing'], paint: { 'line-color': RULE_COLOR, 'line-width': 2.5, 'line-dasharray': [4, 2] } },
      { id: 'user-hazards-fill', type: 'fill', source: 'user-hazards', filter: geom('Polygon'), paint: { 'fill-color': '#ff7043', 'fill-opacity': 0.22 } },
      { id: 'user-hazards-line', type: 'line', source: 'user-hazards', filter: ['!=', ['geometry-type'], 'Point'], paint: { 'line-color': '#ff7043', 'line-width': 1.5 } },
      { id: 'user-hazards-point', type: 'circle', source: 'user-hazards', filter: geom('Point'), paint: { 'circle-radius': 5, 'circle-color': '#ff7043', 'circle-stroke-color': '#1b0d08', 'circle-stroke-width': 1.5 } },
      { id: 'track-line', type: 'line', source: 'track', filter: geom('LineString'), layout: { 'line-join': 'round' }, paint: { 'line-color': '#e8eef5', 'line-width': 1.6, 'line-opacity': 0.75 } },
      { id: 'track-points', type: 'circle', source: 'track', filter: geom('Point'), minzoom: 9, paint: { 'circle-radius': 2, 'circle-color': '#e8eef5', 'circle-opacity': 0.7 } },
      { id: 'predictors', type: 'line', source: 'predictors', paint: { 'line-color': ['get', 'color'], 'line-width': 1.2, 'line-opacity': 0.8 } },
      { id: 'hazards-line', type: 'line', source: 'hazards', filter: geom('LineString'), paint: { 'line-color': LEVEL, 'line-width': 2, 'line-dasharray': [2, 2] } },
      { id: 'hazards-point', type: 'circle', source: 'hazards', filter: geom('Point'), paint: { 'circle-radius': 6, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': LEVEL, 'circle-stroke-width': 2.5 } },
      { id: 'risks-leg', type: 'line', source: 'risks', filter: ['==', ['get', 'part'], 'leg'], paint: { 'line-color': LEVEL, 'line-width': 1.2, 'line-dasharray': [3, 3], 'line-opacity': 0.85 } },
      { id: 'risks-pair', type: 'line', source: 'risks', filter: ['==', ['get', 'part'], 'pair'], paint: { 'line-color': LEVEL, 'line-width': 2.5 } },
      { id: 'risks-cpa', type: 'circle', source: 'risks', filter: ['==', ['get', 'part'], 'cpa'], paint: { 'circle-radius': 7, 'circle-color': 'rgba(0,0,0,0.35)', 'circle-stroke-color': LEVEL, 'circle-stroke-width': 3 } },
      { id: 'atons', type: 'symbol', source: 'atons', layout: { 'icon-image': ['get', 'icon'], 'icon-allow-overlap': true, 'icon-ignore-placement': true } },
      // Aircraft: a diamond-like dot with its label (callsign, level,
      // trend), above the ships; airspaces are zones with limits.
      { id: 'aircraft', type: 'circle', source: 'aircraft', paint: { 'circle-radius': 5, 'circle-color': ['case', ['get', 'conflict'], '#ff5252', '#e040fb'], 'circle-stroke-color': '#1a0820', 'circle-stroke-width': 1.5 } },
      { id: 'aircraft-labels', type: 'symbol', source: 'aircraft', layout: { 'icon-image': ['concat', 'lbl:', ['get', 'label']], 'icon-anchor': 'left', 'icon-offset': [10, 0], 'icon-allow-overlap': true } },
      { id: 'airspace-labels', type: 'symbol', source: 'zones', filter: ['has', 'limits'], layout: { 'icon-image': ['concat', 'lbl:', ['get', 'limits']], 'icon-allow-overlap': false } },
      { id: 'selected', type: 'circle', source: 'selected', paint: { 'circle-radius': 15, 'circle-color': 'rgba(255,255,255,0.06)', 'circle-stroke-color': '#ffffff', 'circle-stroke-width': 2 } },
      // The own ship: two rings round its symbol (the chart's own-ship mark).
      { id: 'own-ring', type: 'circle', source: 'own', paint: { 'circle-radius': OWN_RING, 'circle-color': 'rgba(244,248,252,0.08)', 'circle-stroke-color': OWN_COLOR, 'circle-stroke-width': 1.5 } },
      { id: 'own-ring-outer', type: 'circle', source: 'own', paint: { 'circle-radius': OWN_RING_OUTER, 'circle-color': 'rgba(0,0,0,0)', 'circle-stroke-color': OWN_COLOR, 'circle-stroke-width': 1.5, 'circle-stroke-opacity': 0.8 } },
      {
        id: 'vessels', type: 'symbol', source: 'vessels',
        layout: {
          'icon-image': ['get', 'icon'],
          'icon-rotate': ['get', 'rot'],
          'icon-rotation-alignment': 'map',
          'icon-allow-overlap': true,
          'icon-ignore-placement': true,
          'symbol-sort-key': ['get', 'z'],
          'icon-size': ['interpolate', ['linear'], ['zoom'], 3, 0.7, 8, 1.0, 12, 1.3],
        },
      },
    ],
  };
}

const PR = 2; // icon pixel ratio

function canvas(w, h) {
  const c = document.createElement('canvas');
  c.width = w * PR;
  c.height = h * PR;
  const g = c.getContext('2d');
  g.scale(PR, PR);
  return [c, g];
}

function image(c) {
  const g = c.getContext('2d');
  return g.getImageData(0, 0, c.width, c.height);
}

/** Vessel symbols: a pointed hull (course known) or a circle (no course);
 *  the own ship's with a heavier outline. */
function vesselIcon(color, moving, lost, own = false) {
  const [c, g] = canvas(24, 24);
  g.lineJoin = 'round';
  g.fillStyle = color;
  g.strokeStyle = lost ? '#c4ccd4' : own ? '#05080c' : 'rgba(5,10,16,0.9)';
  g.lineWidth = own ? 2.2 : 1.4;
  if (lost) g.setLineDash([2, 2]);
  g.beginPath();
  if (moving) {
    g.moveTo(12, 1.5);
    g.lineTo(18.5, 21);
    g.lineTo(12, 17.5);
    g.lineTo(5.5, 21);
    g.closePath();
  } else {
    g.arc(12, 12, 5.5, 0, Math.PI * 2);
  }
  g.globalAlpha = lost ? 0.6 : 1;
  g.fill();
  g.globalAlpha = 1;
  g.stroke();
  return image(c);
}

function atonIcon(kind, virtual) {
  const [c, g] = canvas(18, 18);
  g.beginPath();
  if (kind === 'base_station') {
    g.rect(5, 5, 8, 8);
    g.fillStyle = '#8b97a5';
    g.fill();
    g.strokeStyle = '#0b1a28';
    g.lineWidth = 1.2;
    g.stroke();
  } else {
    g.moveTo(9, 1.5);
    g.lineTo(16.5, 9);
    g.lineTo(9, 16.5);
    g.lineTo(1.5, 9);
    g.closePath();
    g.lineWidth = 2;
    if (virtual) {
      g.strokeStyle = '#ff4fd8';
      g.stroke();
    } else {
      g.fillStyle = '#ffd54a';
      g.fill();
      g.strokeStyle = '#3a2a00';
      g.lineWidth = 1.2;
      g.stroke();
    }
  }
  return image(c);
}

export function iconName(cat, moving, lost, own = false) {
  if (own) return `v-own-${moving ? 'm' : 's'}`;
  return lost ? `v-lost-${moving ? 'm' : 's'}` : `v-${cat}-${moving ? 'm' : 's'}`;
}

function addIcons(map) {
  for (const cat of CATEGORIES) {
    for (const moving of [true, false]) {
      map.addImage(iconName(cat.id, moving, false), vesselIcon(cat.color, moving, false), { pixelRatio: PR });
    }
  }
  for (const moving of [true, false]) {
    map.addImage(iconName('', moving, true), vesselIcon(LOST_COLOR, moving, true), { pixelRatio: PR });
    map.addImage(iconName('', moving, false, true), vesselIcon(OWN_COLOR, moving, false, true), { pixelRatio: PR });
  }
  map.addImage('aton', atonIcon('aton', false), { pixelRatio: PR });
  map.addImage('aton-virtual', atonIcon('aton', true), { pixelRatio: PR });
  map.addImage('base-station', atonIcon('base_station', false), { pixelRatio: PR });
}

/** A small legend swatch (data URL) for the DOM legend. */
export function legendSwatch(color, moving = true) {
  const c = document.createElement('canvas');
  c.width = 24;
  c.height = 24;
  const g = c.getContext('2d');
  g.fillStyle = color;
  g.strokeStyle = 'rgba(5,10,16,0.9)';
  g.beginPath();
  if (moving) {
    g.moveTo(12, 1.5); g.lineTo(18.5, 21); g.lineTo(12, 17.5); g.lineTo(5.5, 21); g.closePath();
  } else {
    g.arc(12, 12, 5.5, 0, Math.PI * 2);
  }
  g.fill();
  g.stroke();
  return c.toDataURL();
}

/**
 * Creates the map. Resolves once the style is loaded and the icons added.
 * `view` is {center:[lon,lat], zoom} or null.
 */
export function createMap(container, view) {
  const map = new maplibregl.Map({
    container,
    style: style(),
    center: view?.center ?? [-9.4, 42.9],
    zoom: view?.zoom ?? 8,
    hash: 'view',
    attributionControl: false,
    dragRotate: false,
    pitchWithRotate: false,
    maxPitch: 0,
    renderWorldCopies: true,
  });
  map.touchZoomRotate.disableRotation();
  map.keyboard.disableRotation?.();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), 'top-left');
  map.addControl(new maplibregl.ScaleControl({ unit: 'nautical', maxWidth: 140 }), 'bottom-right');
  map.addControl(new maplibregl.AttributionControl({ compact: true, customAttribution: 'Land: Natural Earth (public domain) · MapLibre' }), 'bottom-right');
  return new Promise((resolve, reject) => {
    map.once('load', () => {
      addIcons(map);
      resolve(map);
    });
    map.once('error', (e) => {
      if (!map.loaded()) reject(e.error ?? e);
    });
  });
}

// ------------------------------------------------------------------ land

// The land is the engine's own coastline (/api/land), simplified on the
// server for the zoom (half a pixel): the whole world up to LAND_WORLD_LEVELS,
// above that a box of the view and a view's width more on every side,
// snapped to the level's 512-pixel tiles, fetched again when the view leaves
// it or the zoom needs another level.
const LAND_WORLD_LEVELS = 4;
const LAND_MAX_LEVEL = 16;
const LAND_MAX_BOX_PX = 16000; // the server takes up to 16384 a side
const MERC_MAX = 85.05112878;

const mercY = (lat) => {
  const phi = (Math.max(-MERC_MAX, Math.min(MERC_MAX, lat)) * Math.PI) / 180;
  return (Math.log(Math.tan(Math.PI / 4 + phi / 2)) * 180) / Math.PI;
};
const mercLat = (y) => ((2 * Math.atan(Math.exp((y * Math.PI) / 180)) - Math.PI / 2) * 180) / Math.PI;
const round6 = (x) => Math.round(x * 1e6) / 1e6;

/** What to ask for at this view: {level, bbox: [w,s,e,n] | null, box} (box: the
 *  unwrapped Mercator extent, to tell when the view leaves it). */
export function landRequest(map) {
  const zoom = map.getZoom();
  const want = Math.min(LAND_MAX_LEVEL, Math.max(0, Math.ceil(zoom - 1e-6)));
  if (want <= LAND_WORLD_LEVELS) return { level: want, bbox: null, box: null };
  const b = map.getBounds();
  const [w, e] = [b.getWest(), b.getEast()];
  const [ys, yn] = [mercY(b.getSouth()), mercY(b.getNorth())];
  for (let level = want; level > LAND_WORLD_LEVELS; level -= 1) {
    const pxPerDeg = (512 * 2 ** level) / 360;
    const tile = 360 / 2 ** level;
    const [vw, vh] = [(e - w) * pxPerDeg, (yn - ys) * pxPerDeg];
    // A view more on every side, less if that would make the box too large.
    const padW = Math.max(0, Math.min(vw, (LAND_MAX_BOX_PX - vw) / 2 - 512)) / pxPerDeg;
    const padH = Math.max(0, Math.min(vh, (LAND_MAX_BOX_PX - vh) / 2 - 512)) / pxPerDeg;
    let x0 = Math.floor((w - padW) / tile) * tile;
    let x1 = Math.ceil((e + padW) / tile) * tile;
    const y0 = Math.max(-180, Math.floor((ys - padH) / tile) * tile);
    const y1 = Math.min(180, Math.ceil((yn + padH) / tile) * tile);
    if ((x1 - x0) * pxPerDeg > 16384 || (y1 - y0) * pxPerDeg > 16384) continue;
    const box = [x0, y0, x1, y1];
    if (x1 - x0 >= 360) {
      [x0, x1] = [-180, 180];
    } else {
      // Into [-180, 180); west > east crosses the antimeridian.
      const shift = Math.floor((x0 + 180) / 360) * 360;
      x0 -= shift;
      x1 -= shift;
      if (x1 > 180) x1 -= 360;
    }
    const bbox = [round6(x0), round6(Math.max(-90, mercLat(y0))), round6(x1), round6(Math.min(90, mercLat(y1)))];
    return { level, bbox, box };
  }
  return { level: LAND_WORLD_LEVELS, bbox: null, box: null };
}

function landUrl(r) {
  return r.bbox ? `api/land?zoom=${r.level}&bbox=${r.bbox.join(',')}` : `api/land?zoom=${r.level}`;
}

/** True when the loaded land still serves this view. */
function landCovers(have, want, map) {
  if (!have || have.level !== want.level) return false;
  if (!have.box) return true;
  const b = map.getBounds();
  // Compare in the loaded box's own longitudes (it may be a world away).
  const k = Math.round(((have.box[0] + have.box[2]) / 2 - b.getCenter().lng) / 360) * 360;
  return b.getWest() + k >= have.box[0] && b.getEast() + k <= have.box[2]
    && mercY(b.getSouth()) >= have.box[1] && mercY(b.getNorth()) <= have.box[3];
}

/**
 * Keeps the 'land' source at the level the zoom needs. `fetchJSON(url)` reads
 * the API; `onError(err)` is told of a failed load. Returns
 * {first: Promise (the first land drawn), state(): {level, bbox, pending}}.
 */
export function followLand(map, fetchJSON, onError) {
  let have = null;
  let pending = null;
  let seq = 0;
  const load = () => {
    const want = landRequest(map);
    if (landCovers(have, want, map)) return Promise.resolve();
    if (pending && pending.url === landUrl(want)) return pending.p;
    const n = ++seq;
    const url = landUrl(want);
    const p = fetchJSON(url).then((data) => {
      if (n !== seq) return;
      setData(map, 'land', data);
      have = want;
      pending = null;
    }, (err) => {
      if (n === seq) pending = null;
      onError(err);
    });
    pending = { url, p };
    return p;
  };
  map.on('moveend', load);
  return {
    first: load(),
    state: () => ({ level: have?.level ?? null, bbox: have?.bbox ?? null, pending: pending?.url ?? null }),
  };
}

export function setData(map, source, data) {
  const s = map.getSource(source);
  if (s) s.setData(data);
}

export { maplibregl };
