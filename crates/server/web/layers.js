// Layer switches (vessel types, tracks, course vectors, risks, hazards,
// zones, aids to navigation, name labels), remembered in the browser; the
// vessel name labels (shown from LABEL_MIN_ZOOM up, drawn as images on
// demand: the offline style has no glyphs); the zone part of the legend,
// read from the map's own style so that it cannot disagree with it.

import { CATEGORIES, LEVEL_COLOR, RULE_TEXT, escapeHtml } from './format.js';

const KEY = 'finisterra.layers';
export const LABEL_MIN_ZOOM = 10;

/** Switchable groups: their MapLibre layer ids (and HTML overlays). */
export const LAYER_GROUPS = [
  { id: 'tracks', label: 'Track of the selected vessel', layers: ['track-line', 'track-points'] },
  { id: 'vectors', label: 'Course vectors (6 min)', layers: ['predictors'] },
  { id: 'risks', label: 'Collision risks', layers: ['risks-leg', 'risks-pair', 'risks-cpa'], overlay: 'hide-cpa-labels' },
  { id: 'hazards', label: 'Hazards', layers: ['hazards-line', 'hazards-point', 'user-hazards-fill', 'user-hazards-line', 'user-hazards-point'] },
  { id: 'zones', label: 'Zones', layers: ['zones-fill', 'zones-line', 'zones-crossing'] },
  { id: 'atons', label: 'Aids to navigation', layers: ['atons'] },
  { id: 'aircraft', label: 'Aircraft and airspace limits', layers: ['aircraft', 'aircraft-labels', 'airspace-labels'] },
  { id: 'labels', label: `Names (zoom ${LABEL_MIN_ZOOM}+)`, layers: ['vessel-labels'] },
];

/** Vessel types that can be hidden: the categories, and lost targets. */
const TYPES = [...CATEGORIES.map((c) => ({ id: c.id, label: c.label, color: c.color })), { id: 'lost', label: 'Lost targets', color: null }];

function stored() {
  try {
    const s = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return { off: new Set(s.off ?? []), types: new Set(s.types ?? []) };
  } catch {
    return { off: new Set(), types: new Set() };
  }
}

// ------------------------------------------------------------- name labels

/** A name label as an image (halo text), pixel ratio 2. */
function labelImage(text) {
  const pr = 2;
  const font = '600 11px system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
  const probe = document.createElement('canvas').getContext('2d');
  probe.font = font;
  const w = Math.ceil(probe.measureText(text).width) + 6;
  const h = 16;
  const c = document.createElement('canvas');
  c.width = w * pr;
  c.height = h * pr;
  const g = c.getContext('2d');
  g.scale(pr, pr);
  g.font = font;
  g.textBaseline = 'middle';
  g.lineJoin = 'round';
  g.lineWidth = 3;
  g.strokeStyle = 'rgba(11,26,40,0.92)';
  g.strokeText(text, 3, h / 2);
  g.fillStyle = '#e4ebf2';
  g.fillText(text, 3, h / 2);
  return g.getImageData(0, 0, c.width, c.height);
}

function addLabels(map) {
  const resolve = (id) => {
    if (!id.startsWith('lbl:') || map.hasImage(id)) return;
    map.addImage(id, labelImage(id.slice(4).trim()), { pixelRatio: 2 });
  };
  // MapLibre 6 asks a resolver first (and warns for what is still missing
  // after it); older versions only fire the event.
  if (map.setMissingStyleImageResolver) map.setMissingStyleImageResolver(async (id) => resolve(id));
  else map.on('styleimagemissing', (e) => resolve(e.id));
  map.addLayer({
    id: 'vessel-labels', type: 'symbol', source: 'vessels', minzoom: LABEL_MIN_ZOOM,
    layout: {
      'icon-image': ['concat', 'lbl:', ['get', 'name']],
      'icon-anchor': 'left',
      'icon-offset': [12, 0],
      // Names declutter among themselves; the vessel symbols stay.
      'icon-allow-overlap': false,
      'icon-ignore-placement': false,
      'symbol-sort-key': ['-', 0, ['get', 'z']],
    },
  });
}

// ------------------------------------------------------------------ layers

export class Layers {
  constructor(map, panel) {
    this.map = map;
    this.panel = panel;
    const s = stored();
    this.off = s.off; // group ids switched off
    this.types = s.types; // vessel type ids switched off
    addLabels(map);
    this.build();
    this.apply();
  }

  save() {
    localStorage.setItem(KEY, JSON.stringify({ off: [...this.off], types: [...this.types] }));
  }

  /** Shows or hides a group ('risks', 'labels', ...). */
  set(group, on) {
    on ? this.off.delete(group) : this.off.add(group);
    this.save();
    this.apply();
  }

  /** Shows or hides a vessel type ('cargo', ..., 'lost'). */
  setType(type, on) {
    on ? this.types.delete(type) : this.types.add(type);
    this.save();
    this.apply();
  }

  apply() {
    const map = this.map;
    for (const g of LAYER_GROUPS) {
      const vis = this.off.has(g.id) ? 'none' : 'visible';
      for (const l of g.layers) if (map.getLayer(l)) map.setLayoutProperty(l, 'visibility', vis);
      if (g.overlay) map.getContainer().classList.toggle(g.overlay, this.off.has(g.id));
    }
    // Vessel types: by their symbol's name (v-<type>-m|s, v-lost-m|s; the
    // own ship always shows), vectors by their colour.
    const icons = [...this.types].flatMap((t) => [`v-${t}-m`, `v-${t}-s`]);
    const typeFilter = ['!', ['in', ['get', 'icon'], ['literal', icons]]];
    map.setFilter('vessels', icons.length ? typeFilter : null);
    const named = ['!=', ['get', 'name'], ''];
    map.setFilter('vessel-labels', icons.length ? ['all', named, typeFilter] : named);
    const colors = TYPES.filter((t) => this.types.has(t.id) && t.color).map((t) => t.color);
    map.setFilter('predictors', colors.length ? ['!', ['in', ['get', 'color'], ['literal', colors]]] : null);
    for (const box of this.panel.querySelectorAll('input[data-group]')) box.checked = !this.off.has(box.dataset.group);
    for (const box of this.panel.querySelectorAll('input[data-type]')) box.checked = !this.types.has(box.dataset.type);
  }

  build() {
    const sw = (t) => (t.color ? `<span class="ly-swatch" style="background:${t.color}"></span>` : '<span class="ly-swatch lost"></span>');
    this.panel.innerHTML = `
      <details data-testid="layers-panel"><summary>Layers</summary>
        <fieldset><legend>Vessels</legend>
          ${TYPES.map((t) => `<label><input type="checkbox" data-type="${t.id}" data-testid="layer-type-${t.id}" checked> ${sw(t)} ${escapeHtml(t.label)}</label>`).join('')}
        </fieldset>
        <fieldset><legend>Overlays</legend>
          ${LAYER_GROUPS.map((g) => `<label><input type="checkbox" data-group="${g.id}" data-testid="layer-toggle-${g.id}" checked> ${escapeHtml(g.label)}</label>`).join('')}
        </fieldset>
      </details>`;
    this.panel.addEventListener('change', (e) => {
      const box = e.target;
      if (box.dataset.group) this.set(box.dataset.group, box.checked);
      if (box.dataset.type) this.setType(box.dataset.type, box.checked);
    });
  }
}

// ------------------------------------------------------------------ legend

const RULE_MEANING = {
  keep_out: 'alarm on entering',
  keep_in: 'alarm on leaving',
  no_crossing: 'alarm on crossing the line',
  speed_limit: 'alarm above its speed',
  notify: 'entries and exits logged, no alarm',
};

/** [rule, colour] pairs of a MapLibre ['match', ['get', 'rule'], k, c, ..., default] expression. */
export function ruleColors(expr) {
  if (!Array.isArray(expr) || expr[0] !== 'match') return [];
  const out = [];
  for (let i = 2; i + 1 < expr.length; i += 2) out.push([expr[i], expr[i + 1]]);
  return out;
}

/** Appends the zones, hazards and risk keys to the legend, from the style. */
export function extendLegend(map, ul) {
  // On a phone the legend starts folded: it would cover the small map.
  if (window.matchMedia?.('(max-width: 900px)').matches) ul.closest('details')?.removeAttribute('open');
  const rules = ruleColors(map.getPaintProperty('zones-line', 'line-color'));
  const hazard = map.getPaintProperty('user-hazards-fill', 'fill-color') ?? '#ff7043';
  const items = rules.map(([rule, color]) => {
    const name = (RULE_TEXT[rule] ?? rule).replace(/^./, (c) => c.toUpperCase());
    const key = rule === 'no_crossing'
      ? `<span class="key zone-line" style="border-top-color:${color}"></span>`
      : `<span class="key zone" style="border-color:${color};background:${color}33"></span>`;
    return `<li data-testid="legend-zone" data-rule="${escapeHtml(rule)}" title="${escapeHtml(`${name}: ${RULE_MEANING[rule] ?? ''}`)}">${key} ${escapeHtml(name)} <small class="muted">${escapeHtml(RULE_MEANING[rule] ?? '')}</small></li>`;
  });
  // Folded at first: the legend keeps its size over the map.
  ul.insertAdjacentHTML('beforeend', `
    <li class="legend-zones"><details data-testid="legend-zones"><summary>Zones and hazards</summary><ul>
      <li class="legend-sep"><small class="muted">A zone warns when a vessel is predicted to break its rule, and alarms when it does; it may apply to some vessels only (flag, type, class, length).</small></li>
      ${items.join('')}
      <li><span class="key zone" style="border-color:${hazard};background:${hazard}44"></span> User hazard</li>
      <li><span class="key line dashed" style="border-top-color:${LEVEL_COLOR.warning}"></span> Standing into danger</li>
    </ul></details></li>`);
}
