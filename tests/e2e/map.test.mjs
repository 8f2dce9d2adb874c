// Browser test of the web map: starts `finisterra serve --demo`, opens the
// page in headless Chromium (Debian's, through playwright-core), and checks
// that vessels and a collision alarm appear, that a vessel's details show,
// and that an alarm can be acknowledged with the token.
//
//   node tests/e2e/map.test.mjs          (exit code 0 = pass)
//
// Environment: FINISTERRA_BIN (default target/debug/finisterra),
// CHROMIUM (default /usr/bin/chromium), E2E_HEADED=1 to watch.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { log, check, freePort, sleep, waitForServer, until, stopServer, distNm } from './harness.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.FINISTERRA_BIN ?? 'target/debug/finisterra');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(HERE, 'artifacts');
const TOKEN = 'e2e-token';
const ALARM_TIMEOUT_MS = 120_000;
const TOTAL_TIMEOUT_MS = 300_000;

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no binary at ${BIN}: run \`cargo build -p finisterra-cli\` or set FINISTERRA_BIN`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog = fs.createWriteStream(path.join(ARTIFACTS, 'server.log'));
  const browserLog = [];
  const pageErrors = [];
  let context = null;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finisterra-e2e-chromium-'));
  profileDir = userDataDir;

  try {
    log(`starting ${path.relative(ROOT, BIN)} serve --demo on ${base}`);
    const server = spawn(BIN, ['serve', '--demo', '--speed', '60', '--http', `127.0.0.1:${port}`, '--token', TOKEN], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    serverProc = server;
    server.stdout.pipe(serverLog, { end: false });
    server.stderr.pipe(serverLog, { end: false });
    await waitForServer(base, server, 30_000);
    log('server answers /api/stats');

    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: !process.env.E2E_HEADED,
      viewport: { width: 1440, height: 900 },
      // --headless and --user-data-dir are passed by playwright itself
      // (headless: true, and the userDataDir argument above).
      args: [
        '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync',
        '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
      ],
    });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(30_000);
    page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    // Nothing may leave the machine: the page works offline.
    const external = [];
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) external.push(r.url());
    });

    // 1. The page, the map and the vessels.
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    log('map loaded (style, land, first idle)');
    await page.waitForFunction(() => Number(document.querySelector('[data-testid="vessel-count"]')?.textContent) > 0);
    const count = Number(await page.getByTestId('vessel-count').textContent());
    check(count > 0, `vessel count shown (${count})`);
    const landFeatures = await page.evaluate(() => window.finisterra.map.querySourceFeatures('land').length);
    check(landFeatures > 0, `land polygons loaded into the map (${landFeatures} tiles' features)`);

    // 1b. The aircraft overhead (Mode S frames in the demo): on the map with
    // their level and trend, and their head-on conflict as an alert card.
    // Which aircraft are in view depends on how far the demo has run (they
    // appear at their own start times), so the check is on the label's form:
    // a callsign or address, the flight level and a trend arrow.
    await page.waitForFunction(() => window.finisterra.map.querySourceFeatures('aircraft').length >= 2, null, { timeout: 60_000 });
    const airLabels = await page.evaluate(() => window.finisterra.map.querySourceFeatures('aircraft').map((f) => f.properties.label));
    check(airLabels.some((l) => /^\S+ FL\d{3} [↑↓→]$/.test(l)), `aircraft drawn with level and trend (${[...new Set(airLabels)].join(', ')})`);
    const airAlert = page.locator('[data-testid="alert"][data-kind^="air.conflict"]').first();
    await airAlert.waitFor({ state: 'attached', timeout: 60_000 });
    const airText = await airAlert.textContent();
    check(/↔/.test(airText) && /FL\d{3}/.test(airText), `air conflict in the alerts panel (${airText.replace(/\s+/g, ' ').slice(0, 160)})`);

    // 2. A collision alarm in the alerts panel.
    // An open alarm (a cleared card shows no advice). On a slow machine the
    // demo (60x) can clear it between finding and reading it: then the next.
    const openAlarms = page.locator('[data-testid="alert"][data-kind^="risk."]:not([data-kind="risk.cleared"])[data-level="alarm"]');
    let situation = null;
    let alarm = null;
    let alarmText = '';
    for (let attempt = 0; attempt < 5; attempt++) {
      await openAlarms.first().waitFor({ state: 'attached', timeout: ALARM_TIMEOUT_MS });
      // Pinned to its situation: `.first()` is resolved again at each use,
      // and a later alarm (another pair) may come first by then.
      situation = await openAlarms.first().getAttribute('data-situation');
      alarm = page.locator(`[data-testid="alert"][data-situation="${situation}"]`);
      alarmText = await alarm.innerText();
      if ((await alarm.getAttribute('data-kind')) !== 'risk.cleared') break;
      log(`alarm ${situation} cleared before it was read; the next one`);
    }
    log(`alarm: ${alarmText.replace(/\s+/g, ' ').slice(0, 200)}`);
    check(/Rule/.test(alarmText), 'the alarm shows the ruling');
    check(await alarm.getByTestId('alert-advice').count() === 1, 'the alarm shows advice');
    const [mmsiA, mmsiB] = (await alarm.getAttribute('data-mmsi')).split(' ').map(Number);

    // The screenshot now, while the pair is closing (at 60× the CPA is
    // only seconds away): clicking the alert frames the situation.
    await alarm.click({ position: { x: 80, y: 12 } });
    await waitIdle(page);
    // One step out, for the coast in the picture too.
    await page.evaluate(() => window.finisterra.map.setZoom(Math.min(window.finisterra.map.getZoom(), 10) - 0.5));
    await waitIdle(page);
    const drawn = await page.evaluate(() => ({
      risks: window.finisterra.state.risks.length,
      cpaLabels: document.querySelectorAll('[data-testid="cpa-label"]').length,
    }));
    check(drawn.risks > 0 && drawn.cpaLabels === drawn.risks, `open risks drawn with their CPA marks (${drawn.risks})`);
    const shot = path.join(ARTIFACTS, 'map.png');
    await page.screenshot({ path: shot });
    log(`screenshot: ${path.relative(ROOT, shot)}`);

    // 3a. A vessel's details through the test hook.
    await page.evaluate((m) => window.finisterra.selectVessel(m), mmsiA);
    const details = page.getByTestId('vessel-details');
    await details.waitFor({ state: 'visible' });
    await page.waitForFunction((m) => document.querySelector('[data-testid="vessel-mmsi"]')?.textContent === String(m), mmsiA);
    const expectedName = await page.evaluate((m) => window.finisterra.vessels.get(m)?.name?.trim(), mmsiA);
    const shownName = (await page.getByTestId('vessel-name').textContent()).trim();
    check(shownName === expectedName && shownName.length > 0, `details panel shows ${shownName} / ${mmsiA}`);
    const detailsText = await details.innerText();
    check(/Destination/.test(detailsText) && /Last fix/.test(detailsText), 'details list destination and last fix');
    await page.waitForFunction(() => window.finisterra.state.detail?.track?.length > 0, null, { timeout: 15_000 });
    log('track of the selected vessel loaded');

    // 3b. A real click on the map symbol of a vessel (a slow one: at 60×
    // a ship under way moves tens of pixels a second at harbour zoom).
    await page.evaluate(() => window.finisterra.clearSelection());
    const target = await page.evaluate((fallback) => {
      const slow = [...window.finisterra.vessels.values()]
        .filter((v) => !v.lost && v.lat_deg != null && (v.sog_kn ?? 0) < 1)
        .sort((x, y) => (x.sog_kn ?? 0) - (y.sog_kn ?? 0));
      return slow[0]?.mmsi ?? fallback;
    }, mmsiB);
    const clicked = await clickVesselOnMap(page, target);
    check(clicked, `a click on the map selects vessel ${target}`);

    // 4. Acknowledge: refused without the token, accepted with it.
    const alarmId = Number(await alarm.getAttribute('data-situation'));
    const item = page.locator(`[data-testid="alert"][data-situation="${alarmId}"]`);
    await item.getByTestId('ack-button').click();
    await item.getByTestId('ack-error').waitFor();
    check(await item.getAttribute('data-acknowledged') === 'false', 'without a token the acknowledgement is refused and shown');

    await page.getByTestId('settings-button').click();
    await page.getByTestId('token-input').fill(TOKEN);
    await page.getByTestId('operator-input').fill('e2e');
    await page.getByTestId('settings-save').click();
    await page.getByTestId('settings').waitFor({ state: 'hidden' });
    check(await page.evaluate(() => localStorage.getItem('finisterra.token')) === TOKEN, 'token stored in localStorage');

    // A second console, open on the same alarm: it learns of the
    // acknowledgement from the stream, with who made it.
    const page2 = await context.newPage();
    page2.on('pageerror', (e) => pageErrors.push(`console 2: ${e.message}`));
    await page2.goto(`${base}/`);
    await page2.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    const pairSel = `[data-testid="alert"][data-kind^="risk."][data-mmsi="${mmsiA} ${mmsiB}"]`;
    await page2.locator(pairSel).first().waitFor({ state: 'attached' });

    await item.getByTestId('ack-button').click();
    await page.waitForFunction((id) => document.querySelector(`[data-testid="alert"][data-situation="${id}"]`)?.dataset.acknowledged === 'true', alarmId);
    await page2.waitForFunction((sel) => [...document.querySelectorAll(sel)].some((el) => el.dataset.acknowledged === 'true'), pairSel, { timeout: 45_000 });
    const note2 = await page2.locator(`${pairSel}[data-acknowledged="true"] [data-testid="acked-note"]`).first().innerText();
    check(/by e2e/.test(note2), `the other console shows the acknowledgement pushed by the server ("${note2.trim()}")`);
    await page2.close();
    const ackedId = Number(await item.getAttribute('data-acked-id'));
    check(ackedId > 0, `alert marked acknowledged in the panel (event ${ackedId})`);
    check(await item.evaluate((el) => el.classList.contains('acked')), 'acknowledged alert is dimmed');
    const r = await (await fetch(`${base}/api/events?since=${ackedId - 1}&limit=1`)).json();
    check(r.events[0]?.id === ackedId && r.events[0]?.acknowledged === true && r.events[0]?.acknowledged_by === 'e2e', `GET /api/events reports event ${ackedId} acknowledged by e2e`);

    // 5. A last look, with the acknowledged alarm (for debugging).
    await page.screenshot({ path: path.join(ARTIFACTS, 'map-end.png') });

    check(pageErrors.length === 0, `no uncaught errors in the page${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
    check(external.length === 0, `no request left the machine${external.length ? `: ${external.slice(0, 3).join(', ')}` : ''}`);
  } catch (err) {
    if (context) {
      const page = context.pages()[0];
      if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'failure.png') }).catch(() => {});
    }
    console.error('\nbrowser console (last 30 lines):');
    for (const l of browserLog.slice(-30)) console.error(`  ${l}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
    console.error(`server log: ${path.relative(ROOT, path.join(ARTIFACTS, 'server.log'))}`);
    throw err;
  } finally {
    await context?.close().catch(() => {});
    await stopServer(serverProc).catch(() => {});
    serverLog.end();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

/**
 * Waits until the map has stopped moving and its sources are loaded. (Not
 * the 'idle' event: live updates every second keep the map busy.)
 */
async function waitIdle(page) {
  await page.waitForTimeout(300);
  await page.waitForFunction(() => !window.finisterra.map.isMoving(), null, { timeout: 10_000, polling: 100 });
  // Tiles of the new view: usually well under a second; never wait long.
  await page.waitForFunction(() => window.finisterra.map.areTilesLoaded(), null, { timeout: 3_000, polling: 100 })
    .catch(() => log('note: tiles still loading after 3 s'));
  await page.evaluate(() => new Promise((res) => requestAnimationFrame(() => requestAnimationFrame(res))));
}

/** Centres the map on a vessel, clicks its symbol, checks the details panel. */
async function clickVesselOnMap(page, mmsi) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const found = await page.evaluate((m) => {
      const fin = window.finisterra;
      const v = fin.vessels.get(m);
      if (!v) return false;
      fin.map.jumpTo({ center: [v.lon_deg, v.lat_deg], zoom: 13 });
      return true;
    }, mmsi);
    if (!found) return false;
    await waitIdle(page);
    const pos = await page.evaluate((m) => {
      const fin = window.finisterra;
      const v2 = fin.vessels.get(m);
      const p = fin.map.project([v2.lon_deg, v2.lat_deg]);
      const r = fin.map.getCanvas().getBoundingClientRect();
      return { x: r.left + p.x, y: r.top + p.y };
    }, mmsi);
    if (!pos) return false;
    await page.mouse.click(pos.x, pos.y);
    try {
      await page.waitForFunction((m) => document.querySelector('[data-testid="vessel-mmsi"]')?.textContent === String(m), mmsi, { timeout: 3000 });
      return true;
    } catch {
      log(`click attempt ${attempt + 1} missed, retrying`);
    }
  }
  return false;
}

// Whatever happens, the server does not outlive the test (playwright kills
// the browser it launched when this process exits).
let serverProc = null;
let profileDir = null;
function abort(why) {
  console.error(`FAIL: ${why}`);
  try { serverProc?.kill('SIGKILL'); } catch { /* gone */ }
  // (The browser is killed by playwright's own exit handler.)
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
