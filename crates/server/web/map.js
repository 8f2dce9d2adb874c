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
  'land', 'zones', 'user-hazards', 'track', 'predictors', 'hazards', 'risks', 'atons', 'vessels', 'selected', 'own',
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

export function setData(map, source, data) {
  const s = map.getSource(source);
  if (s) s.setData(data);
}

export { maplibregl };
