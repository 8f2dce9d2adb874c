// Browser test of the own-ship and stations panels: starts
// `finisterra serve --udp ... --own-mmsi ...`, feeds it a small scenario
// over UDP (the own ship as AIVDO, targets as AIVDM, heard by two
// receiving stations named in tag blocks), and checks in headless Chromium
// that:
//
//  1. with no own ship yet (no fix) the own-ship panel is hidden;
//  2. once the own ship is heard the panel shows it (name, MMSI, SOG, COG)
//     and the map centres on it; the own ship is drawn with its own symbol
//     and rings;
//  3. the target list has the API's targets in the API's order (closing by
//     TCPA, then the others by range) with range, bearing, CPA and TCPA
//     matching the API; the targets at risk are marked;
//  4. clicking a target flies the map to it and shows its details; the
//     "centre on own ship" button brings the map back;
//  5. the stations panel lists both stations with the API's counts;
//  6. the alarm card of the own ship's risk carries `own-ship-alarm` (and
//     looks different), the alarm card of a pair of other ships does not;
//  7. a console opened later, with a stored view far away, centres on the
//     own ship at start;
//  8. at phone width the panels stack under the map and fit the screen;
//  9. no uncaught error in the page, no request leaves the machine.
//
//   node tests/e2e/own_ship.test.mjs          (exit code 0 = pass)
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
import { nm, deg3 } from '../../crates/server/web/format.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.FINISTERRA_BIN ?? 'target/debug/finisterra');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(HERE, 'artifacts');
const TOTAL_TIMEOUT_MS = 240_000;

// ---------------------------------------------------------------- scenario

// Offshore west of Finisterre (no land within the look-ahead).
const OWN = 224800000;
const HOME = { lat: 43.0, lon: -10.0 };
const at = (brg, dist, east = 0) => {
  const p = offset(HOME.lat, HOME.lon, brg, dist);
  return east ? offset(p.lat, p.lon, 90, east) : p;
};
const far = offset(43.0, -10.7, 0, 0); // 30 NM west: beyond the 24 NM list
const SHIPS = [
  // The own ship, north at 12 kn, heard as VDO by its own receiver.
  { mmsi: OWN, name: 'CAPE ORTEGAL', ...HOME, cog: 0, sog: 12, own: true, heard: ['FISTERRA'] },
  // Head-on 2 NM ahead, 0.2 NM to starboard: CPA 0.2 NM in 5 min (alarm).
  { mmsi: 224800001, name: 'BRISA', ...at(0, 2, 0.2), cog: 180, sog: 12, heard: ['FISTERRA'] },
  // Head-on 5 NM ahead, 0.8 NM to starboard: CPA 0.8 NM in 12.5 min
  // (warning). No static data: listed by MMSI.
  { mmsi: 224800002, name: null, ...at(0, 5, 0.8), cog: 180, sog: 12, heard: ['FISTERRA'] },
  // 4 NM abeam to starboard, closing slowly: CPA 2 NM in 30 min (no risk).
  // Nearer than the one above, yet listed after it: by TCPA, not range.
  { mmsi: 224800003, name: 'VIGO TRADER', ...at(90, 4), cog: 324.9, sog: 10.4, heard: ['FISTERRA'] },
  // Astern going away (opening), 2 NM; heard by both stations.
  { mmsi: 224800004, name: 'ASTERN', ...at(180, 2), cog: 180, sog: 8, heard: ['FISTERRA', 'MUXIA'] },
  // To port going away (opening), 3 NM; heard by both stations.
  { mmsi: 224800005, name: 'WESTBOUND', ...at(270, 3), cog: 270, sog: 10, heard: ['FISTERRA', 'MUXIA'] },
  // A head-on pair 30 NM west, heard by MUXIA only: an alarm that does not
  // involve the own ship.
  { mmsi: 224800006, name: 'NORTE', ...far, cog: 90, sog: 12, heard: ['MUXIA'] },
  { mmsi: 224800007, name: 'SUR', ...offset(far.lat, far.lon, 90, 3), cog: 270, sog: 12, heard: ['MUXIA'] },
];
const EXPECTED_ORDER = [224800001, 224800002, 224800003, 224800004, 224800005];
const STATIONS = { FISTERRA: 6, MUXIA: 4 }; // station → vessels heard

/** Sends the scenario's reports at Unix time `t` (dead reckoning from `start`). */
function feed(sock, port, start, t, withStatic) {
  const h = (t - start) / 3600;
  const lines = [];
  for (const s of SHIPS) {
    const p = offset(s.lat, s.lon, s.cog, s.sog * h);
    for (const station of s.heard) {
      if (withStatic && s.name && station === s.heard[0]) {
        lines.push(...staticData({ mmsi: s.mmsi, name: s.name, shipType: 70 }, { ownShip: s.own, station, time: t }));
      }
      lines.push(...position({ mmsi: s.mmsi, lat: p.lat, lon: p.lon, cog: s.cog, sog: s.sog }, { ownShip: s.own, station, time: t }));
    }
  }
  // One datagram per station's burst would do; one per line is closer to a
  // receiver's output.
  for (const l of lines) sock.send(`${l}\r\n`, port, '127.0.0.1');
}

// ----------------------------------------------------------------- helpers

async function waitIdle(page) {
  await page.waitForTimeout(300);
  await page.waitForFunction(() => !window.finisterra.map.isMoving(), null, { timeout: 10_000, polling: 100 });
}

/** The map's centre and the live position of `mmsi`, [lon, lat] each. */
function centreAndVessel(page, mmsi) {
  return page.evaluate((m) => {
    const c = window.finisterra.map.getCenter();
    const v = window.finisterra.vessels.get(m);
    return { centre: [c.lng, c.lat], vessel: v && v.lat_deg != null ? [v.lon_deg, v.lat_deg] : null };
  }, mmsi);
}

const num = (s) => Number.parseFloat(String(s).replace(/[^\d.-]/g, ''));
/** "07:30" or "1:05:00" → seconds; "—" → null. */
function seconds(s) {
  if (!/\d/.test(s)) return null;
  return s.split(':').map(Number).reduce((acc, x) => acc * 60 + x, 0);
}

function launch(userDataDir, viewport) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !process.env.E2E_HEADED,
    viewport,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
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
  const serverLog = fs.createWriteStream(path.join(ARTIFACTS, 'own-ship-server.log'));
  const browserLog = [];
  const pageErrors = [];
  const external = [];
  let context = null;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finisterra-e2e-own-'));
  profileDir = userDataDir;
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
  const api = async (p) => {
    const r = await fetch(`${base}${p}`);
    return { status: r.status, body: await r.json() };
  };

  try {
    log(`starting ${path.relative(ROOT, BIN)} serve --udp 127.0.0.1:${udpPort} --own-mmsi ${OWN} on ${base}`);
    const server = spawn(BIN, ['serve', '--udp', `127.0.0.1:${udpPort}`, '--own-mmsi', String(OWN), '--http', `127.0.0.1:${port}`], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serverProc = server;
    server.stdout.pipe(serverLog, { end: false });
    server.stderr.pipe(serverLog, { end: false });
    await waitForServer(base, server, 30_000);
    check((await api('/api/own-ship')).status === 404, 'before any fix /api/own-ship answers 404');

    // 1. A console open before the own ship is heard: no panel.
    context = await launch(userDataDir, { width: 1440, height: 900 });
    const page = context.pages()[0] ?? (await context.newPage());
    watch(page, 'console 1');
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    check(await page.getByTestId('own-ship').isHidden(), 'no own ship yet: the own-ship panel is hidden');

    // The scenario, every 2 s (names with the first and every 15th burst).
    const start = Math.floor(Date.now() / 1000);
    let tick = 0;
    const send = () => {
      const t = Math.floor(Date.now() / 1000);
      feed(sock, udpPort, start, t, tick % 15 === 0);
      tick += 1;
    };
    send();
    feeder = setInterval(send, 2000);
    const first = await until('the own ship with five targets and three open risks', async () => {
      const [o, r] = await Promise.all([api('/api/own-ship'), api('/api/risks')]);
      return o.status === 200 && o.body.targets.length === 5 && r.body.length === 3 && o.body.targets.every((t) => t.name || t.mmsi === 224800002) ? o.body : null;
    }, 30_000);
    log(`API: own ${first.own.mmsi}, targets ${first.targets.map((t) => t.mmsi).join(' ')}`);

    // 2. The panel appears (polled every 10 s while there is none) and the
    //    map centres on the own ship when it is first known.
    const panel = page.getByTestId('own-ship');
    await panel.waitFor({ state: 'visible', timeout: 15_000 });
    await page.waitForFunction((m) => document.querySelector('[data-testid="own-ship-name"]')?.textContent === 'CAPE ORTEGAL', OWN);
    check(await page.getByTestId('own-ship-mmsi').textContent() === String(OWN), `the panel names the own ship CAPE ORTEGAL / ${OWN}`);
    const sog = await page.getByTestId('own-ship-sog').textContent();
    const cog = await page.getByTestId('own-ship-cog').textContent();
    check(sog === '12.0 kn' && cog === '000°', `own SOG/COG shown (${sog}, ${cog})`);
    await waitIdle(page);
    let cv = await centreAndVessel(page, OWN);
    check(cv.vessel && distNm(cv.centre, cv.vessel) < 0.5, `the map centred on the own ship when it appeared (${cv.vessel ? distNm(cv.centre, cv.vessel).toFixed(2) : '?'} NM off)`);
    const ownDrawn = await page.evaluate((m) => {
      const map = window.finisterra.map;
      const v = window.finisterra.vessels.get(m);
      const p = map.project([v.lon_deg, v.lat_deg]);
      const box = [[p.x - 30, p.y - 30], [p.x + 30, p.y + 30]];
      const rings = map.queryRenderedFeatures(box, { layers: ['own-ring', 'own-ring-outer'] }).length;
      const icon = map.queryRenderedFeatures(box, { layers: ['vessels'] }).find((f) => f.properties.mmsi === m)?.properties.icon;
      const others = map.querySourceFeatures('vessels').filter((f) => f.properties.mmsi !== m).map((f) => f.properties.icon);
      return { rings, icon, others };
    }, OWN);
    check(ownDrawn.rings >= 2 && ownDrawn.icon === 'v-own-m' && ownDrawn.others.length > 0 && !ownDrawn.others.some((i) => i.startsWith('v-own')),
      `the own ship is drawn with its own symbol (${ownDrawn.icon}) and two rings; no other vessel uses it`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'own-ship.png') });

    // 3. The target list: the API's targets, in the API's order, values
    //    as the API gives them.
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="own-target"]').length === 5);
    // The levels come with the risks, a moment after the list: wait for them
    // (the check below still says whether they came).
    await page.waitForFunction(() => {
      const r = document.querySelectorAll('[data-testid="own-target"]');
      return /level-alarm/.test(r[0]?.className) && /level-warning/.test(r[1]?.className);
    }, null, { timeout: 15_000 }).catch(() => {});
    const rows = await page.getByTestId('own-target').evaluateAll((trs) => trs.map((tr) => ({
      mmsi: Number(tr.dataset.mmsi),
      cls: tr.className,
      name: tr.querySelector('[data-testid="target-name"]').textContent,
      range: tr.querySelector('[data-testid="target-range"]').textContent,
      bearing: tr.querySelector('[data-testid="target-bearing"]').textContent,
      cpa: tr.querySelector('[data-testid="target-cpa"]').textContent,
      tcpa: tr.querySelector('[data-testid="target-tcpa"]').textContent,
    })));
    const now = (await api('/api/own-ship')).body;
    log(`panel: ${rows.map((r) => `${r.name} ${r.range} ${r.bearing} CPA ${r.cpa} TCPA ${r.tcpa}`).join(' | ')}`);
    check(JSON.stringify(rows.map((r) => r.mmsi)) === JSON.stringify(now.targets.map((t) => t.mmsi)), `the list is in the API's order (${rows.map((r) => r.mmsi).join(' ')})`);
    check(JSON.stringify(rows.map((r) => r.mmsi)) === JSON.stringify(EXPECTED_ORDER), 'closing targets by TCPA, then opening ones by range');
    for (const [i, r] of rows.entries()) {
      const t = now.targets[i];
      const name = t.name?.trim() || `MMSI ${t.mmsi}`;
      const ok = r.name === name
        && /^\d+(\.\d+)? NM$/.test(r.range) && Math.abs(num(r.range) - t.range_nm) < 0.1
        && /^\d{3}°$/.test(r.bearing) && Math.abs(((num(r.bearing) - t.bearing_deg + 540) % 360) - 180) <= 2
        && /^\d+(\.\d+)? NM$/.test(r.cpa) && Math.abs(num(r.cpa) - t.cpa_nm) < 0.06
        && (t.tcpa_s >= 0 ? /^\d\d:\d\d$/.test(r.tcpa) && Math.abs(seconds(r.tcpa) - t.tcpa_s) <= 10 : r.tcpa === '—');
      check(ok, `row ${i + 1}: ${r.name}, ${r.range}, ${r.bearing}, CPA ${r.cpa}, TCPA ${r.tcpa} (API: ${nm(t.range_nm)}, ${deg3(t.bearing_deg)}, CPA ${nm(t.cpa_nm)}, TCPA ${Math.round(t.tcpa_s)} s)`);
    }
    check(seconds(rows[0].tcpa) > 200 && seconds(rows[0].tcpa) <= 300 && num(rows[0].cpa) < 0.3, `BRISA closes to ${rows[0].cpa} in ${rows[0].tcpa}`);
    check(/level-alarm/.test(rows[0].cls) && /level-warning/.test(rows[1].cls) && !/level-/.test(rows[2].cls), 'the alarm and warning targets are marked in the list');

    // 4. A click on a target flies the map to it; the button brings it back.
    const pick = 224800003;
    await page.locator(`[data-testid="own-target"][data-mmsi="${pick}"]`).click();
    await page.waitForFunction((m) => document.querySelector('[data-testid="vessel-mmsi"]')?.textContent === String(m), pick);
    await waitIdle(page);
    cv = await centreAndVessel(page, pick);
    check(distNm(cv.centre, cv.vessel) < 0.3, `clicking VIGO TRADER moved the map onto it (${distNm(cv.centre, cv.vessel).toFixed(2)} NM off) and shows its details`);
    check(await page.locator(`[data-testid="own-target"][data-mmsi="${pick}"]`).getAttribute('aria-current') === 'true', 'its row is marked selected');
    await page.getByTestId('own-centre').click();
    await waitIdle(page);
    cv = await centreAndVessel(page, OWN);
    check(distNm(cv.centre, cv.vessel) < 0.3, `"centre on own ship" brought the map back (${distNm(cv.centre, cv.vessel).toFixed(2)} NM off)`);

    // 5. The stations panel (collapsed at first).
    const stationsBody = page.locator('#stations-body');
    check(await stationsBody.isHidden(), 'the stations panel starts collapsed');
    await page.getByTestId('stations-toggle').click();
    await stationsBody.waitFor({ state: 'visible' });
    const apiStations = (await api('/api/stations')).body;
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid="station"]').length === n, apiStations.length, { timeout: 12_000 });
    const stationRows = await page.getByTestId('station').evaluateAll((trs) => trs.map((tr) => ({
      name: tr.querySelector('[data-testid="station-name"]').textContent,
      messages: Number(tr.querySelector('[data-testid="station-messages"]').textContent),
      vessels: Number(tr.querySelector('[data-testid="station-vessels"]').textContent),
      farthest: tr.querySelector('[data-testid="station-farthest"]').textContent,
      age: tr.querySelector('[data-testid="station-age"]').textContent,
    })));
    log(`stations: ${JSON.stringify(stationRows)}`);
    check(JSON.stringify(stationRows.map((s) => s.name)) === JSON.stringify(Object.keys(STATIONS)), 'the stations panel lists FISTERRA and MUXIA');
    for (const s of stationRows) {
      const a = apiStations.find((x) => x.station === s.name);
      check(s.vessels === STATIONS[s.name] && s.vessels === a.vessels, `${s.name}: ${s.vessels} vessels`);
      check(s.messages > 0 && Math.abs(s.messages - a.messages) <= 60, `${s.name}: ${s.messages} messages heard first (API ${a.messages})`);
      const far = a.farthest_range_nm == null ? s.farthest === '—' : s.farthest === nm(a.farthest_range_nm);
      check(far && /^\d+ s ago$/.test(s.age), `${s.name}: farthest ${s.farthest}, last heard ${s.age}`);
    }
    check(await page.getByTestId('station-count').textContent() === '2', 'the stations count shows 2');

    // 6. Alarm cards: the own ship's stands out, the others' do not.
    const ownAlarm = page.locator(`[data-testid="alert"][data-kind^="risk."][data-level="alarm"][data-mmsi~="${OWN}"]`).first();
    const otherAlarm = page.locator('[data-testid="alert"][data-kind^="risk."][data-level="alarm"][data-mmsi~="224800006"]').first();
    await ownAlarm.waitFor({ state: 'visible' });
    await otherAlarm.waitFor({ state: 'visible' });
    const style = (loc) => loc.evaluate(async (el) => {
      // (After the new-alarm flash, which animates the background.)
      await Promise.all(el.getAnimations().map((a) => a.finished));
      const cs = getComputedStyle(el);
      return { cls: el.className, bg: cs.backgroundColor, top: cs.borderTopColor, badge: !!el.querySelector('[data-testid="own-ship-badge"]') };
    });
    const [so, sx] = [await style(ownAlarm), await style(otherAlarm)];
    log(`own alarm ${JSON.stringify(so)}; other alarm ${JSON.stringify(sx)}`);
    check(so.cls.split(' ').includes('own-ship-alarm') && so.badge, 'the own ship\'s alarm card has the own-ship-alarm class and badge');
    check(!sx.cls.split(' ').includes('own-ship-alarm') && !sx.badge, 'the alarm card of two other ships has neither');
    check(so.bg !== sx.bg && so.top !== sx.top, 'the own ship\'s alarm card looks different (background and outline)');
    const warn = page.locator(`[data-testid="alert"][data-kind^="risk."][data-level="warning"][data-mmsi~="${OWN}"]`).first();
    await warn.waitFor({ state: 'attached' });
    check(await warn.evaluate((el) => el.classList.contains('own-ship-alarm')), 'the own ship\'s warning card is marked too');

    // 7. A console opened later, with a stored view far away, centres on the
    //    own ship at start.
    await page.evaluate(() => window.finisterra.map.jumpTo({ center: [-7.0, 44.5], zoom: 7 }));
    await waitIdle(page);
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('finisterra.view')));
    check(distNm(stored.center, [-7.0, 44.5]) < 1, 'a view far from the own ship is stored');
    const page2 = await context.newPage();
    watch(page2, 'console 2');
    await page2.goto(`${base}/`);
    await page2.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    await page2.getByTestId('own-ship').waitFor({ state: 'visible' });
    await waitIdle(page2);
    cv = await centreAndVessel(page2, OWN);
    check(distNm(cv.centre, cv.vessel) < 0.5, `a console opened later centres on the own ship at start (${distNm(cv.centre, cv.vessel).toFixed(2)} NM off)`);
    await page2.close();

    // 8. Phone width: the panels stack under the map and fit.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(500);
    const phone = await page.evaluate(() => {
      const r = (sel) => document.querySelector(sel).getBoundingClientRect();
      const map = r('[data-testid="map"]');
      const own = r('[data-testid="own-ship"]');
      const st = r('[data-testid="stations"]');
      const wrap = document.querySelector('[data-testid="own-ship"] .targets-wrap');
      return {
        mapBottom: map.bottom, ownTop: own.top, ownLeft: own.left, ownRight: own.right, stRight: st.right,
        overflow: wrap.scrollWidth - wrap.clientWidth, docOverflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    log(`phone: ${JSON.stringify(phone)}`);
    check(phone.ownTop >= phone.mapBottom - 1 && phone.ownLeft >= 0 && phone.ownRight <= 390 && phone.stRight <= 390, 'at 390 px the own-ship and stations panels stack under the map');
    check(phone.overflow <= 1 && phone.docOverflow <= 0, 'the target list fits the phone\'s width (no sideways scroll)');
    await page.screenshot({ path: path.join(ARTIFACTS, 'own-ship-phone.png') });
    await page.getByTestId('own-ship-toggle').click();
    check(await page.locator('#own-body').isHidden(), 'the own-ship panel collapses');
    await page.getByTestId('own-ship-toggle').click();
    check(await page.locator('#own-body').isVisible(), '... and opens again');

    check(pageErrors.length === 0, `no uncaught errors in the page${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
    check(external.length === 0, `no request left the machine${external.length ? `: ${external.slice(0, 3).join(', ')}` : ''}`);
  } catch (err) {
    if (context) {
      const page = context.pages()[0];
      if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'own-ship-failure.png') }).catch(() => {});
    }
    console.error('\nbrowser console (last 30 lines):');
    for (const l of browserLog.slice(-30)) console.error(`  ${l}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
    console.error(`server log: ${path.relative(ROOT, path.join(ARTIFACTS, 'own-ship-server.log'))}`);
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
