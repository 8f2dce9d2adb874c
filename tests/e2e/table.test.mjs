// Browser test of the vessel table, the layer switches, the display units,
// the alarm sound and the live alert cards: starts
// `finisterra serve --udp ... --zones <a speed limit>`, feeds it a small
// scenario over UDP and checks in headless Chromium that:
//
//  1. the alarm sound (test hook window.finisterra.sound) plays on a new
//     alarm (a vessel speeding in a speed-limit zone), the silence button
//     stops it, it sounds again once the silence (3 s here: `?silence=3`)
//     is over, and acknowledging the alarm stops it for good;
//  2. the vessel table lists every vessel and filters by ship type, risk
//     level, zone alert, flag and speed range, and searches by name and by
//     MMSI: each time the rows are the vessels of /api/vessels,
//     /api/risks and /api/zones/open that should match;
//  3. a click on the SOG header sorts by speed, ascending then descending;
//  4. a click on a row flies the map to the vessel and opens its details;
//  5. switching a layer off (risks) sets its MapLibre layers' visibility to
//     'none' and hides the CPA labels, and it stays off after a reload;
//     the name labels show from zoom 10 and follow their switch;
//  6. choosing km changes a displayed distance (an alert card's CPA) by
//     1.852 and knots become km/h in the table; local time shows the
//     browser's zone; the choice survives a reload;
//  7. a `risk.updated` (the pair's CPA closes to an alarm) changes the
//     card's CPA to the event's, with the periodic refresh switched off so
//     that only the event can change it; the new alarm sounds again and an
//     acknowledgement stops it; with the refresh on, the card's TCPA counts
//     down between events;
//  8. at phone width the table is a panel under the map, within the screen;
//  9. no uncaught error in the page, no request leaves the machine.
//
//   node tests/e2e/table.test.mjs          (exit code 0 = pass)
//
// Environment: FINISTERRA_BIN (default target/debug/finisterra),
// CHROMIUM (default /usr/bin/chromium), E2E_HEADED=1 to watch.

import { spawn } from 'node:child_process';
import dgram from 'node:dgram';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { log, check, freePort, sleep, waitForServer, until, stopServer, distNm } from './harness.mjs';
import { position, staticData, offset } from './ais.mjs';
import { nm, shipCategory } from '../../crates/server/web/format.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.FINISTERRA_BIN ?? 'target/debug/finisterra');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(HERE, 'artifacts');
const TOTAL_TIMEOUT_MS = 300_000;
const SILENCE_S = 3;

// ---------------------------------------------------------------- scenario

// Offshore west of Finisterre (no land within the look-ahead).
const HOME = { lat: 43.0, lon: -10.0 };
const at = (brg, dist, east = 0) => {
  const p = offset(HOME.lat, HOME.lon, brg, dist);
  return east ? offset(p.lat, p.lon, 90, east) : p;
};
// A speed limit of 6 kn, 20 NM south: a box 8 NM wide, 4 NM high.
const ZC = at(180, 20);
const ZONE = {
  type: 'FeatureCollection',
  features: [{
    type: 'Feature', id: 'slow-box',
    properties: { name: 'Slow box', rule: 'speed_limit', max_sog_kn: 6 },
    geometry: {
      type: 'Polygon',
      coordinates: [[
        [ZC.lon - 0.09, ZC.lat - 0.033], [ZC.lon + 0.09, ZC.lat - 0.033], [ZC.lon + 0.09, ZC.lat + 0.033],
        [ZC.lon - 0.09, ZC.lat + 0.033], [ZC.lon - 0.09, ZC.lat - 0.033],
      ]],
    },
  }],
};
const ALFA = 224900001;
const BRAVO = 257900002;
const CHARLIE = 235900003;
const DELTA = 224900004;
const ECHO = 636900005;
const SPEEDER = 257900006;
const GOLF = 224900007;
const SHIPS = [
  // A head-on pair: 4 NM apart, 0.8 NM to starboard: CPA 0.8 NM in 10 min (warning).
  { mmsi: ALFA, name: 'ALFA TRADER', type: 70, ...HOME, cog: 0, sog: 12 },
  { mmsi: BRAVO, name: 'BRAVO SPIRIT', type: 80, ...at(0, 4, 0.8), cog: 180, sog: 12 },
  // Far from everything.
  { mmsi: CHARLIE, name: 'CHARLIE EXPRESS', type: 60, ...at(180, 10, -5), cog: 270, sog: 20 },
  { mmsi: DELTA, name: 'DELTA PESCA', type: 30, ...at(315, 8), cog: 45, sog: 3, status: 7 },
  { mmsi: ECHO, name: 'ECHO WIND', type: 37, ...at(90, 8, 0), cog: 90, sog: 6, status: 8 },
  // In the speed-limit zone at 10 kn: a zone violation (alarm) at once.
  { mmsi: SPEEDER, name: 'SPEEDER', type: 52, ...offset(ZC.lat, ZC.lon, 270, 3), cog: 90, sog: 10 },
  // No static data: listed by MMSI.
  { mmsi: GOLF, name: null, type: null, ...at(45, 12), cog: 200, sog: 14.5 },
];

/** BRAVO's course after the escalation: the CPA closes to about 0.2 NM. */
let escalation = null; // { t (Unix s), from: {lat, lon}, cog }

function cpaOf(a, b) {
  // Flat plane, NM and knots: relative position and velocity of b from a.
  const k = Math.cos((HOME.lat * Math.PI) / 180);
  const px = (b.lon - a.lon) * 60 * k;
  const py = (b.lat - a.lat) * 60;
  const v = (s) => [s.sog * Math.sin((s.cog * Math.PI) / 180), s.sog * Math.cos((s.cog * Math.PI) / 180)];
  const [ax, ay] = v(a);
  const [bx, by] = v(b);
  const [vx, vy] = [bx - ax, by - ay];
  const t = -(px * vx + py * vy) / (vx * vx + vy * vy);
  return Math.hypot(px + vx * t, py + vy * t);
}

function place(s, t, start) {
  if (s.mmsi === BRAVO && escalation && t >= escalation.t) {
    const p = offset(escalation.from.lat, escalation.from.lon, escalation.cog, (s.sog * (t - escalation.t)) / 3600);
    return { ...p, cog: escalation.cog };
  }
  return { ...offset(s.lat, s.lon, s.cog, (s.sog * (t - start)) / 3600), cog: s.cog };
}

/** From Unix time `t` on, BRAVO turns so that the pair's CPA becomes ~0.2 NM. */
function escalate(t, start) {
  const a = place(SHIPS[0], t, start);
  const b = place(SHIPS[1], t, start);
  let best = null;
  for (let cog = 180; cog <= 230; cog += 0.25) {
    const cpa = cpaOf({ ...a, sog: 12, cog: 0 }, { ...b, sog: 12, cog });
    if (!best || Math.abs(cpa - 0.2) < Math.abs(best.cpa - 0.2)) best = { cog, cpa };
  }
  escalation = { t, from: { lat: b.lat, lon: b.lon }, cog: best.cog };
  return best;
}

function feed(sock, port, start, t, withStatic) {
  const lines = [];
  for (const s of SHIPS) {
    const p = place(s, t, start);
    if (withStatic && s.name) lines.push(...staticData({ mmsi: s.mmsi, name: s.name, shipType: s.type, callsign: `C${String(s.mmsi).slice(-4)}` }, { time: t }));
    lines.push(...position({ mmsi: s.mmsi, lat: p.lat, lon: p.lon, cog: p.cog, sog: s.sog, status: s.status ?? 0 }, { time: t }));
  }
  for (const l of lines) sock.send(`${l}\r\n`, port, '127.0.0.1');
}

// ----------------------------------------------------------------- helpers

async function waitIdle(page) {
  await page.waitForTimeout(300);
  await page.waitForFunction(() => !window.finisterra.map.isMoving(), null, { timeout: 10_000, polling: 100 });
}

const num = (s) => Number.parseFloat(String(s).replace(/[^\d.-]/g, ''));
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const same = (a, b) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

function launch(userDataDir, viewport) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !process.env.E2E_HEADED,
    viewport,
    timezoneId: 'Europe/Madrid',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
      // The alarm sound may start without a click (the test clicks nothing first).
      '--autoplay-policy=no-user-gesture-required',
    ],
  });
}

// -------------------------------------------------------------------- test

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no binary at ${BIN}: run \`cargo build -p finisterra-cli\` or set FINISTERRA_BIN`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const [port, udpPort] = [await freePort(), await freePort('udp')];
  const base = `http://127.0.0.1:${port}`;
  const serverLog = fs.createWriteStream(path.join(ARTIFACTS, 'table-server.log'));
  const browserLog = [];
  const pageErrors = [];
  const external = [];
  let context = null;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finisterra-e2e-table-'));
  profileDir = userDataDir;
  const zonesFile = path.join(userDataDir, 'zones.geojson');
  fs.writeFileSync(zonesFile, JSON.stringify(ZONE));
  const sock = dgram.createSocket('udp4');
  let feeder = null;

  const watch = (page, label) => {
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => browserLog.push(`${label} ${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageErrors.push(`${label}: ${e.message}`));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) external.push(r.url());
    });
  };
  const api = async (p) => (await fetch(`${base}${p}`)).json();

  try {
    log(`starting ${path.relative(ROOT, BIN)} serve --udp 127.0.0.1:${udpPort} --zones (speed limit) on ${base}`);
    const server = spawn(BIN, ['serve', '--udp', `127.0.0.1:${udpPort}`, '--zones', zonesFile, '--http', `127.0.0.1:${port}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serverProc = server;
    server.stdout.pipe(serverLog, { end: false });
    server.stderr.pipe(serverLog, { end: false });
    await waitForServer(base, server, 30_000);

    // The console is open before anything is heard: every alarm is new.
    context = await launch(userDataDir, { width: 1440, height: 900 });
    let page = context.pages()[0] ?? (await context.newPage());
    watch(page, 'console 1');
    await page.goto(`${base}/?silence=${SILENCE_S}`);
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    check(await page.evaluate(() => window.finisterra.sound.playing === false), 'no alarm, no sound');

    const start = Math.floor(Date.now() / 1000);
    let tick = 0;
    const send = () => {
      feed(sock, udpPort, start, Math.floor(Date.now() / 1000), tick % 10 === 0);
      tick += 1;
    };
    send();
    feeder = setInterval(send, 2000);
    const pic = await until('seven named vessels, the pair\'s warning and the zone violation', async () => {
      const [v, r, z] = await Promise.all([api('/api/vessels'), api('/api/risks'), api('/api/zones/open')]);
      const named = v.filter((x) => x.name).length;
      return v.length === 7 && named === 6 && r.length === 1 && r[0].risk.level === 'warning' && z.violations.length === 1 ? { v, r, z } : null;
    }, 30_000);
    log(`API: ${pic.v.map((x) => `${x.name ?? x.mmsi} ${x.flag} ${x.sog_kn} kn`).join(', ')}`);

    // 1. The alarm sound.
    const sound = () => page.evaluate(() => {
      const s = window.finisterra.sound;
      return { playing: s.playing, silenced: s.silenced, beeps: s.beeps, audible: s.audible, button: !document.querySelector('[data-testid="silence-button"]').hidden };
    });
    const zoneCard = page.locator(`[data-testid="alert"][data-kind="zone.violation"][data-mmsi~="${SPEEDER}"]`);
    await zoneCard.waitFor({ state: 'visible' });
    let s = await until('the alarm sound', async () => {
      const x = await sound();
      return x.playing && x.beeps >= 2 ? x : null;
    }, 10_000);
    check(s.playing && s.button && s.audible, `a new alarm (zone violation) sounds: ${s.beeps} bursts, audio running, silence button shown`);
    await page.getByTestId('silence-button').click();
    const silencedAt = Date.now();
    s = await sound();
    const beepsAtSilence = s.beeps;
    check(!s.playing && s.silenced && s.button, 'the silence button stops the sound (the button stays, counting down)');
    await sleep(1000);
    check((await sound()).beeps === beepsAtSilence, 'no burst while silenced');
    await until('the sound again after the silence', async () => (await sound()).playing, 8_000, 100);
    const resumedAfter = (Date.now() - silencedAt) / 1000;
    check(resumedAfter >= SILENCE_S - 0.3 && resumedAfter <= SILENCE_S + 2, `unacknowledged, it sounds again after the silence (${resumedAfter.toFixed(1)} s; silence ${SILENCE_S} s)`);
    await zoneCard.getByTestId('ack-button').click();
    await zoneCard.getByTestId('acked-note').waitFor();
    s = await sound();
    check(!s.playing && !s.silenced && !s.button, 'acknowledging the alarm stops the sound and hides the button');
    await sleep((SILENCE_S + 1) * 1000);
    check(!(await sound()).playing, `... and it stays silent after another ${SILENCE_S + 1} s`);

    // 2. The table: every vessel, then each filter.
    await page.getByTestId('table-button').click();
    const table = page.getByTestId('vessel-table');
    await table.waitFor({ state: 'visible' });
    const rows = () => page.getByTestId('table-row').evaluateAll((trs) => trs.map((tr) => Number(tr.dataset.mmsi)));
    const rowsBecome = async (what, want) => {
      const got = await until(what, async () => {
        const r = await rows();
        return same(r, want) ? r : null;
      }, 5_000).catch(async (e) => {
        throw new Error(`${e.message}; rows ${JSON.stringify(await rows())}, want ${JSON.stringify(want)}`);
      });
      return got;
    };
    const all = pic.v.map((x) => x.mmsi);
    await rowsBecome('every vessel in the table', all);
    check(await page.getByTestId('table-count').textContent() === '7 vessels', 'the table lists the 7 vessels');
    const byApi = (f) => pic.v.filter(f).map((x) => x.mmsi);
    const filter = async (testid, value, f, what) => {
      await page.getByTestId(testid).selectOption(value);
      const want = byApi(f);
      await rowsBecome(what, want);
      const count = await page.getByTestId('table-count').textContent();
      check(want.length > 0 && want.length < 7 && count === `showing ${want.length} of 7`, `${what}: ${want.length} rows (${count})`);
      await page.getByTestId(testid).selectOption('');
      await rowsBecome('every vessel again', all);
    };
    await filter('filter-type', 'tanker', (x) => shipCategory(x.ship_type, x.class) === 'tanker', 'type "Tanker": BRAVO SPIRIT only');
    await filter('filter-type', 'fishing', (x) => shipCategory(x.ship_type, x.class) === 'fishing', 'type "Fishing": DELTA PESCA only');
    const risks = await api('/api/risks');
    const atRisk = (lvl) => new Set(risks.filter((o) => o.risk.level === lvl).flatMap((o) => [o.risk.a.mmsi, o.risk.b.mmsi]));
    await filter('filter-risk', 'warning', (x) => atRisk('warning').has(x.mmsi), 'risk "Warning": the pair ALFA TRADER and BRAVO SPIRIT');
    await filter('filter-risk', 'none', (x) => !atRisk('warning').has(x.mmsi) && !atRisk('alarm').has(x.mmsi), 'risk "No risk": the other five');
    await page.getByTestId('filter-risk').selectOption('alarm');
    await rowsBecome('no alarm row', []);
    check(/^showing 0 of 7$/.test(await page.getByTestId('table-count').textContent()) && await page.locator('#vessel-table tr.empty').isVisible(), 'risk "Alarm": no row yet, and the table says so');
    await page.getByTestId('filter-risk').selectOption('');
    const zones = await api('/api/zones/open');
    const inZone = new Set(zones.violations.map((z) => z.vessel.mmsi));
    await filter('filter-zone', 'in', (x) => inZone.has(x.mmsi), 'zone "In a zone alert": SPEEDER');
    await filter('filter-zone', 'none', (x) => !inZone.has(x.mmsi), 'zone "No zone alert": the other six');
    await filter('filter-flag', 'NO', (x) => x.flag === 'NO', 'flag "NO": BRAVO SPIRIT and SPEEDER');
    await page.getByTestId('filter-speed-min').fill('10');
    await page.getByTestId('filter-speed-max').fill('13');
    await rowsBecome('speeds 10 to 13 kn', byApi((x) => x.sog_kn >= 10 && x.sog_kn <= 13));
    check(true, `speed 10–13 kn: ${byApi((x) => x.sog_kn >= 10 && x.sog_kn <= 13).length} rows (ALFA, BRAVO, SPEEDER)`);
    await page.getByTestId('filter-reset').click();
    await rowsBecome('every vessel after Clear', all);
    // Search: by name (any case, a part), by MMSI (a part).
    const search = page.getByTestId('table-search');
    await search.fill('bravo');
    await rowsBecome('search "bravo"', [BRAVO]);
    check(true, 'search "bravo" finds BRAVO SPIRIT by name');
    await search.fill('spirit bra');
    await rowsBecome('search "spirit bra"', [BRAVO]);
    check(true, 'search "spirit bra": every word must match');
    await search.fill('2249000');
    await rowsBecome('search "2249000"', byApi((x) => String(x.mmsi).includes('2249000')));
    check(true, 'search "2249000" finds ALFA TRADER, DELTA PESCA and the unnamed vessel by MMSI');
    await search.fill(String(GOLF));
    await rowsBecome(`search "${GOLF}"`, [GOLF]);
    check(await page.locator(`[data-testid="table-row"][data-mmsi="${GOLF}"] [data-testid="cell-name"]`).textContent() === '—', 'a full MMSI finds the unnamed vessel');
    await search.fill('');
    await rowsBecome('every vessel after clearing the search', all);

    // 3. Sorting by speed.
    const speeds = () => page.getByTestId('table-row').evaluateAll((trs) => trs.map((tr) => Number(tr.querySelector('[data-testid="cell-sog"]').dataset.kn)));
    await page.getByTestId('sort-sog').click();
    await until('ascending speeds', async () => (await page.getByTestId('sort-sog').getAttribute('aria-sort')) === 'ascending');
    let sp = await speeds();
    check(sp.length === 7 && sp.every((x, i) => i === 0 || sp[i - 1] <= x), `SOG header: ascending speeds (${sp.join(', ')})`);
    await page.getByTestId('sort-sog').click();
    await until('descending speeds', async () => (await page.getByTestId('sort-sog').getAttribute('aria-sort')) === 'descending');
    sp = await speeds();
    check(sp.every((x, i) => i === 0 || sp[i - 1] >= x) && sp[0] === 20 && (await rows())[0] === CHARLIE, `again: descending, CHARLIE EXPRESS (20 kn) first (${sp.join(', ')})`);

    // 4. A click on a row flies the map there and opens the details.
    await page.evaluate(() => window.finisterra.map.jumpTo({ center: [-7.0, 44.5], zoom: 7 }));
    await waitIdle(page);
    await page.locator(`[data-testid="table-row"][data-mmsi="${CHARLIE}"]`).click();
    await page.waitForFunction((m) => document.querySelector('[data-testid="vessel-mmsi"]')?.textContent === String(m), CHARLIE);
    await waitIdle(page);
    const cv = await page.evaluate((m) => {
      const c = window.finisterra.map.getCenter();
      const v = window.finisterra.vessels.get(m);
      return { centre: [c.lng, c.lat], vessel: [v.lon_deg, v.lat_deg], zoom: window.finisterra.map.getZoom() };
    }, CHARLIE);
    check(distNm(cv.centre, cv.vessel) < 0.3 && cv.zoom >= 11, `clicking CHARLIE EXPRESS's row moved the map onto it (${distNm(cv.centre, cv.vessel).toFixed(2)} NM off, zoom ${cv.zoom.toFixed(1)}) and shows its details`);
    check(await page.getByTestId('vessel-name').textContent() === 'CHARLIE EXPRESS', 'the details name CHARLIE EXPRESS');
    await until('the row marked selected', async () => (await page.locator(`[data-testid="table-row"][data-mmsi="${CHARLIE}"]`).getAttribute('aria-current')) === 'true', 3_000);

    // 5. Layers: name labels by zoom; risks switched off, and still off after a reload.
    const labels = () => page.evaluate(() => window.finisterra.map.queryRenderedFeatures({ layers: ['vessel-labels'] }).map((f) => f.properties.mmsi));
    const vis = (id) => page.evaluate((l) => window.finisterra.map.getLayoutProperty(l, 'visibility') ?? 'visible', id);
    await until('CHARLIE\'s name label at zoom 11', async () => (await labels()).includes(CHARLIE), 5_000);
    check(true, 'at zoom 11 the vessel names are drawn (CHARLIE EXPRESS)');
    await page.evaluate(() => window.finisterra.map.jumpTo({ zoom: 8 }));
    await waitIdle(page);
    check((await labels()).length === 0, 'at zoom 8 no name is drawn');
    await page.evaluate(() => window.finisterra.map.jumpTo({ zoom: 11 }));
    await page.locator('[data-testid="layers-panel"] summary').click();
    await page.getByTestId('layer-toggle-labels').uncheck();
    await waitIdle(page);
    check(await vis('vessel-labels') === 'none' && (await labels()).length === 0, 'the "Names" switch hides the labels (visibility none)');
    await page.getByTestId('layer-toggle-labels').check();
    await until('labels back', async () => (await labels()).includes(CHARLIE), 5_000);
    // Back to the pair: its CPA label is shown.
    await page.evaluate(([lon, lat]) => window.finisterra.map.jumpTo({ center: [lon, lat], zoom: 10 }), [HOME.lon, HOME.lat + 0.03]);
    await page.locator('.cpa-label').first().waitFor({ state: 'visible' });
    check(await vis('risks-pair') === 'visible', 'the risks layers are visible at first');
    await page.getByTestId('layer-toggle-risks').uncheck();
    const riskVis = async () => Promise.all(['risks-pair', 'risks-leg', 'risks-cpa'].map(vis));
    check((await riskVis()).every((v) => v === 'none') && await page.locator('.cpa-label').first().isHidden(), 'switched off: risks-pair, risks-leg and risks-cpa have visibility none; the CPA label is hidden');
    await page.reload();
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    await page.locator('.cpa-label').first().waitFor({ state: 'attached' });
    check((await riskVis()).every((v) => v === 'none') && await page.locator('.cpa-label').first().isHidden(), 'after a reload the risks are still off');
    check(!(await page.getByTestId('layer-toggle-risks').isChecked()) && await page.getByTestId('vessel-table').isVisible(), '... the switch shows it, and the table is still open');
    await page.locator('[data-testid="layers-panel"] summary').click();
    await page.getByTestId('layer-toggle-risks').check();
    check((await riskVis()).every((v) => v === 'visible'), 'switched on again');

    // 6. Units: an alert card's CPA in km, speeds in km/h, local time.
    const pairCard = page.locator(`[data-testid="alert"][data-kind^="risk."][data-mmsi~="${ALFA}"]`).first();
    await pairCard.waitFor({ state: 'visible' });
    const cpaNm = await pairCard.getByTestId('alert-cpa').textContent();
    await page.getByTestId('settings-button').click();
    await page.getByTestId('unit-distance').selectOption('km');
    await until('the CPA in km', async () => /km$/.test(await pairCard.getByTestId('alert-cpa').textContent()), 3_000);
    const cpaKm = await pairCard.getByTestId('alert-cpa').textContent();
    check(/^CPA \d+\.\d+ NM$/.test(cpaNm) && /^CPA \d+\.\d+ km$/.test(cpaKm) && Math.abs(num(cpaKm) - num(cpaNm) * 1.852) < 0.06,
      `distance in km: the card's "${cpaNm}" became "${cpaKm}"`);
    await page.getByTestId('unit-speed').selectOption('kmh');
    const sogCell = page.locator(`[data-testid="table-row"][data-mmsi="${CHARLIE}"] [data-testid="cell-sog"]`);
    await until('km/h in the table', async () => (await sogCell.textContent()) === '37.0 km/h', 3_000);
    check(true, 'speed in km/h: CHARLIE EXPRESS 20 kn shows 37.0 km/h');
    await page.getByTestId('unit-time').selectOption('local');
    await until('local data time', async () => /UTC\+1$/.test(await page.getByTestId('data-time').textContent()), 8_000);
    check(true, `local time (Europe/Madrid): the data time reads "${await page.getByTestId('data-time').textContent()}"`);
    await page.reload();
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    const kept = await page.evaluate(() => ['distance', 'speed', 'time'].map((k) => document.getElementById(`unit-${k}`).value));
    await pairCard.waitFor({ state: 'visible' });
    check(JSON.stringify(kept) === '["km","kmh","local"]' && /km$/.test(await pairCard.getByTestId('alert-cpa').textContent()), `the units are kept across a reload (${kept.join(', ')})`);
    await page.getByTestId('settings-button').click();
    await page.getByTestId('unit-distance').selectOption('nm');
    await page.getByTestId('unit-speed').selectOption('kn');
    await page.getByTestId('unit-time').selectOption('utc');
    await page.getByTestId('settings-button').click();
    await until('NM again', async () => /NM$/.test(await pairCard.getByTestId('alert-cpa').textContent()), 3_000);

    // 7. risk.updated: only the event may change the card (the periodic
    //    refresh from /api/risks is switched off for this part).
    await page.evaluate(() => { window.finisterra.alerts.liveRisks = () => {}; });
    const before = await pairCard.getByTestId('alert-cpa').textContent();
    const lastId = (await api('/api/events?order=desc&limit=1')).events[0]?.id ?? 0;
    const turn = escalate(Math.floor(Date.now() / 1000) + 1, start);
    log(`BRAVO SPIRIT turns to ${turn.cog}°: CPA ${turn.cpa.toFixed(2)} NM expected`);
    const upd = await until('a risk.updated at alarm level', async () => {
      const r = await api(`/api/events?since=${lastId}&kind=risk.updated&limit=100`);
      const mine = r.events.filter((e) => e.a.mmsi === ALFA && e.b.mmsi === BRAVO && e.level === 'alarm');
      return mine.length ? mine[mine.length - 1] : null;
    }, 20_000);
    log(`risk.updated #${upd.id}: ${upd.level}, CPA ${upd.cpa_nm} NM, TCPA ${upd.tcpa_s} s, range ${upd.range_nm} NM`);
    await until('the card at the event\'s figures', async () => {
      const id = Number(await pairCard.getAttribute('data-event-id'));
      return id >= upd.id;
    }, 10_000);
    const latestId = Number(await pairCard.getAttribute('data-event-id'));
    const latest = (await api(`/api/events/${latestId}`));
    const after = await pairCard.getByTestId('alert-cpa').textContent();
    const range = await pairCard.getByTestId('alert-range').textContent();
    check(before !== after && after === `CPA ${nm(latest.cpa_nm)}` && range === `range ${nm(latest.range_nm)}` && await pairCard.getAttribute('data-level') === 'alarm',
      `the risk.updated changed the card: "${before}" → "${after}", ${range} (event #${latestId})`);
    // The new alarm sounds; acknowledging it stops the sound.
    s = await until('the sound for the new alarm', async () => {
      const x = await sound();
      return x.playing ? x : null;
    }, 5_000);
    check(s.playing, 'the escalation to alarm is a new alarm: it sounds');
    // Live figures: with the refresh on again, the TCPA counts down between events.
    await page.evaluate(() => { delete window.finisterra.alerts.liveRisks; });
    const tcpa0 = await pairCard.getByTestId('alert-tcpa').textContent();
    const idNow = await pairCard.getAttribute('data-event-id');
    const tcpa1 = await until('the TCPA to count down', async () => {
      const t = await pairCard.getByTestId('alert-tcpa').textContent();
      return t !== tcpa0 ? t : null;
    }, 65_000); // (the engine screens every 10 s of data time; a TCPA of 10 min
    //            or more is shown in whole minutes, so a slow run may wait a minute)
    check((await pairCard.getAttribute('data-event-id')) === idNow, `the card's TCPA counts down between events ("${tcpa0}" → "${tcpa1}", same event #${idNow})`);
    await pairCard.getByTestId('ack-button').click();
    await pairCard.getByTestId('acked-note').waitFor();
    await until('silence after the acknowledgement', async () => !(await sound()).playing, 3_000);
    check(true, 'acknowledging the new alarm stops the sound');
    await page.getByTestId('filter-risk').selectOption('alarm');
    await rowsBecome('the pair under "Alarm"', [ALFA, BRAVO]);
    check(true, 'risk "Alarm" now lists the pair');
    await page.getByTestId('filter-risk').selectOption('');
    await page.screenshot({ path: path.join(ARTIFACTS, 'table.png') });

    // 8. Phone width: the table is a panel under the map, within the screen.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(600);
    const phone = await page.evaluate(() => {
      const r = (sel) => document.querySelector(sel).getBoundingClientRect();
      const map = r('[data-testid="map"]');
      const t = r('[data-testid="vessel-table"]');
      const side = r('.side');
      const scroller = document.querySelector('#vessel-table .vt-scroll');
      return {
        mapBottom: map.bottom, tTop: t.top, tBottom: t.bottom, tLeft: t.left, tRight: t.right, sideTop: side.top,
        rows: document.querySelectorAll('[data-testid="table-row"]').length,
        overflow: scroller.scrollWidth - scroller.clientWidth, docOverflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    log(`phone: ${JSON.stringify(phone)}`);
    check(phone.tTop >= phone.mapBottom - 1 && phone.sideTop >= phone.tBottom - 1 && phone.tLeft >= 0 && phone.tRight <= 390,
      'at 390 px the table is a panel between the map and the alerts');
    check(phone.rows === 7 && phone.overflow <= 1 && phone.docOverflow <= 0, 'its rows fit the width (no sideways scroll)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'table-phone.png') });
    await page.getByTestId('table-button').click();
    check(await page.getByTestId('vessel-table').isHidden(), 'the table button folds it away');

    check(pageErrors.length === 0, `no uncaught errors in the page${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
    check(external.length === 0, `no request left the machine${external.length ? `: ${external.slice(0, 3).join(', ')}` : ''}`);
  } catch (err) {
    if (context) {
      const page = context.pages()[0];
      if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'table-failure.png') }).catch(() => {});
    }
    console.error('\nbrowser console (last 30 lines):');
    for (const l of browserLog.slice(-30)) console.error(`  ${l}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
    console.error(`server log: ${path.relative(ROOT, path.join(ARTIFACTS, 'table-server.log'))}`);
    throw err;
  } finally {
    clearInterval(feeder);
    sock.close();
    await context?.close().catch(() => {});
    await stopServer(serverProc).catch(() => {});
    serverLog.end();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

// Whatever happens, the server does not outlive the test.
let serverProc = null;
let profileDir = null;
function abort(why) {
  console.error(`FAIL: ${why}`);
  try { serverProc?.kill('SIGKILL'); } catch { /* gone */ }
  process.once('exit', () => {
    if (profileDir) fs.rmSync(profileDir, { recursive: true, force: true });
  });
  process.exit(1);
}
setTimeout(() => abort(`the test took longer than ${TOTAL_TIMEOUT_MS / 1000} s`), TOTAL_TIMEOUT_MS).unref();
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => abort(`interrupted (${sig})`));

main().then(
  () => {
    log('PASS');
    process.exit(0);
  },
  (err) => {
    console.error(`FAIL: ${err.stack ?? err}`);
    process.exit(1);
  },
);
