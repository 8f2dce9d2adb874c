// Unit checks of the page's pure formatting helpers (no browser needed).
//   node tests/e2e/format.test.mjs
import assert from 'node:assert/strict';
import {
  adviceText, adviceLines, shipCategory, deg3, nm, knots, duration, mmss, clock, dateTime, latLonText, setUnits, settings,
} from '../../crates/server/web/format.js';

const names = { 224123450: 'CAPE FINISTERRE', 255806123: 'MAERSK FISTERRA' };
const nameOf = (m) => names[m];

assert.equal(
  adviceText({ mmsi: 224123450, action: 'alter_course', direction: 'starboard', degrees: 21, new_cog_deg: 111, resulting_cpa_nm: 1.28, sufficient: true, recommended: true }, nameOf),
  'CAPE FINISTERRE: alter 21° to starboard, new course 111°, passes 1.3 NM',
);
assert.equal(
  adviceText({ mmsi: 255806123, action: 'reduce_speed', direction: 'none', new_sog_kn: 8, resulting_cpa_nm: 0.41, sufficient: false, recommended: false }, nameOf),
  'MAERSK FISTERRA: reduce speed to 8.0 kn, passes only 0.41 NM (not enough)',
);
// A turn with a speed reduction, and why advice falls short.
assert.equal(
  adviceText({ mmsi: 224123450, action: 'alter_course_and_reduce_speed', direction: 'starboard', degrees: 40, new_cog_deg: 130, new_sog_kn: 6, resulting_cpa_nm: 1.3, sufficient: true, recommended: true }, nameOf),
  'CAPE FINISTERRE: alter 40° to starboard, new course 130°, and reduce speed to 6.0 kn, passes 1.3 NM',
);
assert.equal(
  adviceText({ mmsi: 224123450, action: 'alter_course', direction: 'starboard', degrees: 90, new_cog_deg: 180, resulting_cpa_nm: 0.7, sufficient: false, recommended: true, limited_by: 255806123 }, nameOf),
  'CAPE FINISTERRE: alter 90° to starboard, new course 180°, passes only 0.70 NM (not enough): MAERSK FISTERRA stays too close',
);
assert.equal(
  adviceText({ mmsi: 224123450, action: 'alter_course', direction: 'port', degrees: 20, new_cog_deg: 70, resulting_cpa_nm: 1.5, sufficient: false, recommended: true, into_danger: true }, nameOf),
  'CAPE FINISTERRE: alter 20° to port, new course 070°, passes only 1.5 NM (not enough): the new track stands into danger',
);
// null: nothing comes near the new track: no distance shown.
assert.equal(
  adviceText({ mmsi: 1, action: 'alter_course', direction: 'port', degrees: 56, new_cog_deg: 4, resulting_cpa_nm: null, sufficient: true, recommended: true }, () => 'BRISA'),
  'BRISA: alter 56° to port, new course 004°',
);
const lines = adviceLines([
  { mmsi: 255806123, action: 'reduce_speed', direction: 'none', new_sog_kn: 8, resulting_cpa_nm: 2.39, sufficient: true, recommended: false },
  { mmsi: 255806123, action: 'alter_course', direction: 'starboard', degrees: 21, new_cog_deg: 201, resulting_cpa_nm: 1.28, sufficient: true, recommended: true },
], nameOf);
assert.deepEqual(lines.map((l) => l.text), [
  'MAERSK FISTERRA: alter 21° to starboard, new course 201°, passes 1.3 NM',
  'or MAERSK FISTERRA: reduce speed to 8.0 kn, passes 2.4 NM',
]);

assert.equal(shipCategory(70), 'cargo');
assert.equal(shipCategory(84), 'tanker');
assert.equal(shipCategory(60), 'passenger');
assert.equal(shipCategory(30), 'fishing');
assert.equal(shipCategory(37), 'pleasure');
assert.equal(shipCategory(52), 'service');
assert.equal(shipCategory(null, 'sar_aircraft'), 'service');
assert.equal(shipCategory(undefined), 'other');
assert.equal(deg3(359.7), '000°');
assert.equal(deg3(45), '045°');
assert.equal(nm(0.022), '0.02 NM');
assert.equal(duration(170), '2 min 50 s');
assert.equal(duration(1172), '20 min');
assert.equal(mmss(450), '07:30');
assert.equal(mmss(59.6), '01:00');
assert.equal(mmss(3905), '1:05:05');
assert.equal(mmss(-12), '—');
assert.equal(mmss(null), '—');
assert.equal(clock('2026-11-26T03:16:40Z'), '03:16:40Z');
assert.equal(latLonText(42.8817, -9.2717), '42°52.90′N 009°16.30′W');

// Display units: the values stay NM, knots and UTC; the text follows the settings.
assert.deepEqual({ ...settings }, { distance: 'nm', speed: 'kn', time: 'utc' });
assert.equal(knots(12), '12.0 kn');
setUnits({ distance: 'km', speed: 'kmh', time: 'nonsense' });
assert.equal(nm(0.2), '0.37 km');
assert.equal(nm(1), '1.9 km');
assert.equal(knots(20), '37.0 km/h');
assert.equal(settings.time, 'utc'); // unknown values are ignored
assert.equal(
  adviceText({ mmsi: 255806123, action: 'reduce_speed', direction: 'none', new_sog_kn: 8, resulting_cpa_nm: 0.41, sufficient: false, recommended: false }, nameOf),
  'MAERSK FISTERRA: reduce speed to 14.8 km/h, passes only 0.76 km (not enough)',
);
process.env.TZ = 'Europe/Madrid';
setUnits({ time: 'local' });
assert.equal(clock('2026-11-26T03:16:40Z'), '04:16:40 LT');
assert.equal(dateTime('2026-11-26T03:16:40Z'), '2026-11-26 04:16:40 UTC+1');
assert.equal(dateTime('2026-07-26T03:16:40.250Z'), '2026-07-26 05:16:40 UTC+2');
setUnits({ distance: 'nm', speed: 'kn', time: 'utc' });
assert.equal(nm(0.2), '0.20 NM');
assert.equal(dateTime('2026-11-26T03:16:40Z'), '2026-11-26 03:16:40 UTC');
console.log('format: ok');
