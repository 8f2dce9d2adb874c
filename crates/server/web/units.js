// Display units and time zone: distance NM or km, speed kn or km/h, time
// UTC or local. The choice lives in format.js (`settings`, applied by nm(),
// knots(), clock(), dateTime()); this module keeps it in the browser, binds
// the selects of the Settings box, and tells the page to draw again
// (`finisterra:units` on window) when it changes.

import { settings as units, setUnits, UNIT_CHOICES } from './format.js';

const KEY = 'finisterra.units';

function load() {
  try {
    setUnits(JSON.parse(localStorage.getItem(KEY) ?? '{}'));
  } catch { /* a damaged entry: the defaults */ }
}

// At import, before the first frame is drawn.
load();

let scale = null; // the map's scale bar, when found

function applyScale() {
  scale?.setUnit?.(units.distance === 'km' ? 'metric' : 'nautical');
}

/** Changes units (e.g. {distance: 'km'}), keeps them and redraws. */
export function chooseUnits(patch) {
  const before = JSON.stringify(units);
  setUnits(patch);
  if (JSON.stringify(units) === before) return;
  localStorage.setItem(KEY, JSON.stringify(units));
  applyScale();
  for (const [k, v] of Object.entries(units)) {
    const sel = document.getElementById(`unit-${k}`);
    if (sel && sel.value !== v) sel.value = v;
  }
  window.dispatchEvent(new CustomEvent('finisterra:units', { detail: { ...units } }));
}

/** Binds the unit selects (`#unit-distance`, `#unit-speed`, `#unit-time`). */
export function bindUnitControls(root = document) {
  for (const k of Object.keys(UNIT_CHOICES)) {
    const sel = root.querySelector(`#unit-${k}`);
    if (!sel) continue;
    sel.value = units[k];
    sel.addEventListener('change', () => chooseUnits({ [k]: sel.value }));
  }
}

/** The map's scale bar follows the distance unit. */
export function attachScale(map, ScaleControl) {
  // (The control is added by map.js; found among the map's controls.)
  scale = (map._controls ?? []).find((c) => c instanceof ScaleControl) ?? null;
  applyScale();
}

// Another tab of the same console changed them.
window.addEventListener('storage', (e) => {
  if (e.key !== KEY) return;
  const before = JSON.stringify(units);
  load();
  if (JSON.stringify(units) !== before) {
    applyScale();
    bindValues();
    window.dispatchEvent(new CustomEvent('finisterra:units', { detail: { ...units } }));
  }
});

function bindValues() {
  for (const [k, v] of Object.entries(units)) {
    const sel = document.getElementById(`unit-${k}`);
    if (sel) sel.value = v;
  }
}

export { units };
