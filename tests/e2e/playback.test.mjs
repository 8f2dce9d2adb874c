// Browser test of history playback and exports: starts
// `finisterra serve --udp ... --data-dir <tmp> --time data --token T`, feeds
// it an hour of traffic dated in the past (tag-block `c:` times;
// playback-scenario.mjs: a crossing pair whose risk is raised, then changes
// its CPA and is still open at the end; a head-on pair that is raised and
// cleared; an AIS-SART), waits for the server to store the tracks,
// acknowledges the crossing pair's newest event through the API, and
// checks in headless Chromium that:
//
//  1. history mode for that hour (period typed in the from/to inputs)
//     reads the tracks and events, shows the HISTORY banner and the alerts
//     as they stood in place of the live list;
//  2. at a moment between two stored points a vessel is drawn (the map's
//     rendered feature, projected to pixels) where the straight line
//     between them puts it, pointing along its heading; at a stored point,
//     exactly there;
//  3. the crossing pair's alert is shown at two moments with the CPA of
//     the newest event before each (different figures), unacknowledged
//     before the acknowledgement's time and acknowledged after; the
//     head-on pair's alert is shown while open and gone once cleared; the
//     distress shows from its time on;
//  4. a vessel heard live while in history mode is not drawn (the live
//     stream stays connected), and is once back to live;
//  5. playing at 60× advances the time about a minute per second;
//  6. the export links download CSV with the API's header (events of the
//     period, the selected vessel's track) and GeoJSON;
//  7. at phone width the banner and the panel fit;
//  8. "back to live" returns to the live picture and alerts;
//  9. no uncaught error in the page, no request leaves the machine.
//
//   node tests/e2e/playback.test.mjs          (exit code 0 = pass)
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
import {
  burst, golf, ALFA, BRAVO, CHARLIE, DELTA, SART, GOLF, CROSS, STEP_S, HOUR_S,
} from './playback-scenario.mjs';
import { nm } from '../../crates/server/web/format.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');
const BIN = path.resolve(ROOT, process.env.FINISTERRA_BIN ?? 'target/debug/finisterra');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const ARTIFACTS = path.join(HERE, 'artifacts');
const TOTAL_TIMEOUT_MS = 240_000;
const TOKEN = 'e2e-token';

// ----------------------------------------------------------------- helpers

function sendLines(sock, port, lines) {
  return Promise.all(lines.map((l) => new Promise((res, rej) => sock.send(`${l}\r\n`, port, '127.0.0.1', (e) => (e ? rej(e) : res())))));
}

function launch(userDataDir, viewport) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: !process.env.E2E_HEADED,
    viewport,
    acceptDownloads: true,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--use-gl=swiftshader', '--enable-unsafe-swiftshader',
    ],
  });
}

const isoSeconds = (ms) => new Date(ms).toISOString().slice(0, 19);
const clockOf = (ms) => `${new Date(ms).toISOString().slice(11, 19)}Z`;
const pairKey = (e) => `${e.a.mmsi} ${e.b.mmsi}`;

/** Moves the slider to `ms` as a drag would (an input event), and waits
 *  until the banner shows that time. */
async function seekTo(page, ms) {
  await page.getByTestId('history-slider').evaluate((el, v) => {
    el.value = String(v);
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, ms);
  await page.waitForFunction(([v, text]) => window.finisterra.playback.time === v
    && document.querySelector('[data-testid="history-time"]').textContent === text, [ms, clockOf(ms)], { timeout: 5000 });
}

/** The vessel `mmsi` as the map renders it: its feature's position in
 *  pixels and the expected position in pixels, its rotation and icon. */
function rendered(page, mmsi, expected) {
  return page.evaluate(([m, lonLat]) => {
    const map = window.finisterra.map;
    const f = map.queryRenderedFeatures({ layers: ['vessels'] }).find((x) => x.properties.mmsi === m);
    if (!f) return null;
    const got = map.project(f.geometry.coordinates);
    const want = map.project(lonLat);
    return { px: Math.hypot(got.x - want.x, got.y - want.y), rot: f.properties.rot, icon: f.properties.icon, history: f.properties.history };
  }, [mmsi, expected]);
}

/** The history alert card of a situation: {acknowledged, detail, text} or null. */
function historyCard(page, mmsiAttr) {
  return page.evaluate((attr) => {
    const li = [...document.querySelectorAll('[data-testid="history-alerts"] [data-testid="alert"]')].find((x) => x.dataset.mmsi === attr && !x.hidden);
    if (!li) return null;
    return {
      acknowledged: li.dataset.acknowledged,
      kind: li.dataset.kind,
      detail: li.querySelector('.alert-detail')?.textContent ?? '',
      acked: li.querySelector('[data-testid="acked-note"]')?.textContent ?? null,
      unacked: !!li.querySelector('[data-testid="unacked-note"]'),
      ackButton: !!li.querySelector('button.ack'),
    };
  }, mmsiAttr);
}

// -------------------------------------------------------------------- test

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no binary at ${BIN}: run \`cargo build -p finisterra-cli\` or set FINISTERRA_BIN`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const [port, udpPort] = [await freePort(), await freePort('udp')];
  const base = `http://127.0.0.1:${port}`;
  const serverLog = fs.createWriteStream(path.join(ARTIFACTS, 'playback-server.log'));
  const browserLog = [];
  const pageErrors = [];
  const external = [];
  let context = null;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finisterra-e2e-playback-'));
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finisterra-e2e-playback-data-'));
  cleanup.push(userDataDir, dataDir);
  const sock = dgram.createSocket('udp4');

  const api = async (p) => {
    const r = await fetch(`${base}${p}`);
    return { status: r.status, body: await r.json() };
  };

  try {
    // --time data: the data's own time judges (an hour in the past), and
    // the wall clock does not age the picture out.
    const args = ['serve', '--udp', `127.0.0.1:${udpPort}`, '--http', `127.0.0.1:${port}`, '--data-dir', dataDir, '--time', 'data', '--token', TOKEN];
    log(`starting ${path.relative(ROOT, BIN)} ${args.join(' ')}`);
    const server = spawn(BIN, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    serverProc = server;
    server.stdout.pipe(serverLog, { end: false });
    server.stderr.pipe(serverLog, { end: false });
    await waitForServer(base, server, 30_000);

    // The hour, ending 90 s ago, a burst per 10 s of data time, a few
    // milliseconds apart and never far ahead of the server: it keeps a
    // vessel's newest fix of each batch of input as a track point (at most
    // one per 30 s), so bursts judged together would leave gaps.
    const startS = Math.floor(Date.now() / 1000) - HOUR_S - 90;
    const endS = startS + HOUR_S;
    let sent = 0;
    for (let s = 0; s <= HOUR_S; s += STEP_S) {
      const lines = burst(startS, s);
      await sendLines(sock, udpPort, lines);
      sent += lines.length;
      await sleep(4);
      if (s % (6 * STEP_S) === 0) {
        await until('the server to read what was sent', async () => ((await api('/api/stats')).body.sources[`udp:127.0.0.1:${udpPort}`]?.lines ?? 0) >= sent, 10_000);
      }
    }
    log(`fed the hour ${isoSeconds(startS * 1000)}Z – ${isoSeconds(endS * 1000)}Z`);

    // Stored: the tracks (saved every 5 s) and the events.
    const win = `from=${startS * 1000}&to=${(endS + 1) * 1000}`;
    const alfaTrack = await until('ALFA\'s track stored to the end of the hour', async () => {
      const r = await api(`/api/vessels/${ALFA}/track?${win}&limit=100000`);
      const pts = r.body.points ?? [];
      return r.status === 200 && pts.length >= 60 && pts[pts.length - 1][0] >= (endS - 60) * 1000 ? r.body : null;
    }, 30_000);
    const all = await api(`/api/tracks?${win}&limit=100000`);
    check(all.status === 200 && new Set(all.body.points.map((p) => p[1])).size >= 7, `/api/tracks has ${all.body.points.length} points of ${new Set(all.body.points.map((p) => p[1])).size} vessels`);
    const riskEvents = await until('the crossing pair\'s risk raised and updated', async () => {
      const r = await api(`/api/events?kind=risk.raised,risk.updated,risk.cleared&limit=10000`);
      const ab = r.body.events.filter((e) => e.a.mmsi === ALFA && e.b.mmsi === BRAVO);
      return ab.length >= 2 ? r.body.events : null;
    });
    const ab = riskEvents.filter((e) => e.a.mmsi === ALFA && e.b.mmsi === BRAVO);
    const cd = riskEvents.filter((e) => e.a.mmsi === CHARLIE && e.b.mmsi === DELTA);
    const raised = ab.find((e) => e.kind === 'risk.raised');
    const changed = ab.find((e) => e.kind === 'risk.updated' && nm(e.cpa_nm) !== nm(raised.cpa_nm));
    check(raised && changed && !ab.some((e) => e.kind === 'risk.cleared'),
      `ALFA–BRAVO: raised ${raised?.time} CPA ${nm(raised?.cpa_nm)}, CPA ${nm(changed?.cpa_nm)} from ${changed?.time}, still open at the end`);
    const cdRaised = cd.find((e) => e.kind === 'risk.raised');
    const cdCleared = cd.find((e) => e.kind === 'risk.cleared');
    check(cdRaised && cdCleared, `CHARLIE–DELTA: raised ${cdRaised?.time}, cleared ${cdCleared?.time}`);
    const distress = (await api('/api/events?kind=distress&limit=10')).body.events;
    check(distress.length > 0 && distress[0].mmsi === SART, `AIS-SART distress at ${distress[0]?.time}`);

    // The crossing pair's newest event acknowledged now (wall clock).
    const newest = ab[ab.length - 1];
    const noToken = await fetch(`${base}/api/events/${newest.id}/ack`, { method: 'POST' });
    check(noToken.status === 401 || noToken.status === 403, `acknowledging without the token is refused (${noToken.status})`);
    const ackR = await fetch(`${base}/api/events/${newest.id}/ack`, {
      method: 'POST', headers: { authorization: `Bearer ${TOKEN}`, 'x-operator': 'e2e' },
    });
    const ack = await ackR.json();
    const ackMs = Date.parse(ack.acknowledged_at);
    check(ackR.ok && ack.acknowledged_by === 'e2e' && ackMs > endS * 1000, `event ${newest.id} (${newest.kind}) acknowledged at ${ack.acknowledged_at}, after the hour`);

    // ------------------------------------------------------------ console
    context = await launch(userDataDir, { width: 1440, height: 900 });
    const page = context.pages()[0] ?? (await context.newPage());
    page.setDefaultTimeout(20_000);
    page.on('console', (m) => browserLog.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => pageErrors.push(e.message));
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['127.0.0.1', 'localhost'].includes(u.hostname) && !['data:', 'blob:'].includes(u.protocol)) external.push(r.url());
    });
    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    await page.evaluate(([lon, lat]) => window.finisterra.map.jumpTo({ center: [lon, lat], zoom: 9 }), [CROSS.lon - 0.05, CROSS.lat + 0.08]);
    await page.waitForFunction((m) => window.finisterra.map.querySourceFeatures('vessels').some((f) => f.properties.mmsi === m), ALFA);
    const liveAlfa = await page.evaluate((m) => {
      const v = window.finisterra.vessels.get(m);
      return [v.lon_deg, v.lat_deg];
    }, ALFA);

    // 1. History mode for the hour (and past the acknowledgement).
    const fromMs = startS * 1000;
    const toMs = Math.ceil((ackMs + 120_000) / 1000) * 1000;
    await page.getByTestId('history-button').click();
    await page.getByTestId('history-panel').waitFor({ state: 'visible' });
    check(await page.getByTestId('history-banner').isHidden(), 'the history panel opens; still live (no banner)');
    await page.getByTestId('history-from').fill(isoSeconds(fromMs));
    await page.getByTestId('history-to').fill(isoSeconds(toMs));
    await page.getByTestId('history-load').click();
    await page.getByTestId('history-banner').waitFor({ state: 'visible' });
    await page.waitForFunction(() => !window.finisterra.playback.loading && !document.querySelector('[data-testid="history-slider"]').disabled);
    const status = await page.getByTestId('history-status').textContent();
    log(`status: ${status}`);
    check(/\b7 vessels/.test(status) && /\b[1-9]\d* alert events/.test(status), `the tracks of the area in view (7 vessels) and the events are read`);
    const banner = await page.getByTestId('history-banner').textContent();
    check(/HISTORY/.test(banner) && banner.includes(clockOf(fromMs)) && /back to live/.test(banner), `the banner reads "${banner.replace(/\s+/g, ' ').trim()}"`);
    check(await page.locator('#alerts').isHidden() && await page.getByTestId('history-alerts').isVisible(), 'the live alerts give way to the alerts as they stood');

    // 2. A vessel where its stored track puts it.
    const pts = alfaTrack.points;
    const k = pts.findIndex((p, i) => p[0] >= fromMs + 30 * 60_000 && i + 1 < pts.length && pts[i + 1][0] - p[0] >= 20_000 && pts[i + 1][0] - p[0] <= 120_000);
    check(k >= 0, `ALFA has two stored points 20 to 120 s apart after 30 min (of ${pts.length})`);
    const [p0, p1] = [pts[k], pts[k + 1]];
    log(`ALFA's stored points ${clockOf(p0[0])} and ${clockOf(p1[0])} (${(p1[0] - p0[0]) / 1000} s apart)`);
    const mid = p0[0] + Math.floor((p1[0] - p0[0]) / 2000) * 1000;
    const f = (mid - p0[0]) / (p1[0] - p0[0]);
    const want = [p0[3] + f * (p1[3] - p0[3]), p0[2] + f * (p1[2] - p0[2])];
    await page.evaluate((c) => window.finisterra.map.jumpTo({ center: c, zoom: 14 }), want);
    await seekTo(page, mid);
    let r = await until('ALFA rendered where its track says', async () => {
      const x = await rendered(page, ALFA, want);
      return x && x.px < 2 ? x : null;
    }, 8000).catch(async (e) => {
      log(`rendered: ${JSON.stringify(await rendered(page, ALFA, want))}`);
      throw e;
    });
    check(r.history === true && Math.abs(r.rot - 90) < 1 && r.icon === 'v-cargo-m',
      `at ${clockOf(mid)} ALFA is drawn ${r.px.toFixed(2)} px from the point ${(f * 100).toFixed(0)} % of the way between its stored points, heading ${r.rot}°`);
    const hook = await page.evaluate((m) => window.finisterra.playback.positionOf(m), ALFA);
    const degOff = Math.hypot(hook[0] - want[0], hook[1] - want[1]);
    check(degOff < 1e-7, `the playback's position of ALFA is the interpolated one (${degOff.toExponential(1)}°)`);
    const stepPx = await page.evaluate(([a, b]) => {
      const m = window.finisterra.map;
      const [pa, pb] = [m.project(a), m.project(b)];
      return Math.hypot(pa.x - pb.x, pa.y - pb.y);
    }, [[p0[3], p0[2]], [p1[3], p1[2]]]);
    check(stepPx > 20, `(the two stored points are ${stepPx.toFixed(0)} px apart at this zoom: a point held, not interpolated, would be seen)`);
    await seekTo(page, p1[0]);
    r = await until('ALFA rendered at its stored point', async () => {
      const x = await rendered(page, ALFA, [p1[3], p1[2]]);
      return x && x.px < 2 ? x : null;
    }, 8000);
    check(true, `at ${clockOf(p1[0])} ALFA is drawn on its stored point (${r.px.toFixed(2)} px)`);
    const liveOff = await page.evaluate(([a, b]) => {
      const m = window.finisterra.map;
      const [pa, pb] = [m.project(a), m.project(b)];
      return Math.hypot(pa.x - pb.x, pa.y - pb.y);
    }, [[p1[3], p1[2]], liveAlfa]);
    check(liveOff > 500, `(its live position is ${liveOff.toFixed(0)} px away)`);
    // BRAVO after its alteration: pointing along its new heading.
    const bravoTrack = (await api(`/api/vessels/${BRAVO}/track?${win}&limit=100000`)).body.points;
    const bp = bravoTrack.find((p) => p[0] >= fromMs + 56 * 60_000);
    await page.evaluate((c) => window.finisterra.map.jumpTo({ center: c, zoom: 14 }), [bp[3], bp[2]]);
    await seekTo(page, bp[0]);
    r = await until('BRAVO rendered at its stored point', async () => {
      const x = await rendered(page, BRAVO, [bp[3], bp[2]]);
      return x && x.px < 2 ? x : null;
    }, 8000);
    check(Math.abs(r.rot - bp[6]) < 1 && Math.abs(r.rot - 25) < 1, `BRAVO after her alteration: drawn on her point, heading ${r.rot}° (stored ${bp[6]}°)`);
    await page.evaluate(([lon, lat]) => window.finisterra.map.jumpTo({ center: [lon, lat], zoom: 9 }), [CROSS.lon - 0.05, CROSS.lat + 0.08]);

    // 3. The alerts as they stood.
    const abAttr = `${ALFA} ${BRAVO}`;
    const latestBefore = (t) => ab.filter((e) => Date.parse(e.time) <= t).pop();
    const t1 = Date.parse(raised.time) + 30_000;
    const t2 = Date.parse(changed.time) + 30_000;
    const [e1, e2] = [latestBefore(t1), latestBefore(t2)];
    check(nm(e1.cpa_nm) !== nm(e2.cpa_nm), `(the pair's CPA then: ${nm(e1.cpa_nm)} at ${clockOf(t1)}, ${nm(e2.cpa_nm)} at ${clockOf(t2)})`);
    for (const [t, e] of [[t1, e1], [t2, e2]]) {
      await seekTo(page, t);
      const card = await until(`the ALFA–BRAVO alert at ${clockOf(t)}`, () => historyCard(page, abAttr), 5000);
      check(card.detail.includes(`CPA ${nm(e.cpa_nm)} in`) && card.acknowledged === 'false' && card.unacked && !card.ackButton,
        `at ${clockOf(t)} the ALFA–BRAVO alert shows that moment's figures (${card.detail}), not acknowledged then (acknowledged at ${clockOf(ackMs)})`);
    }
    const t3 = Math.ceil((ackMs + 30_000) / 1000) * 1000;
    await seekTo(page, t3);
    let card = await until(`the ALFA–BRAVO alert at ${clockOf(t3)}`, () => historyCard(page, abAttr), 5000);
    check(card.acknowledged === 'true' && /acknowledged by e2e/.test(card.acked ?? '') && card.detail.includes(`CPA ${nm(newest.cpa_nm)} in`),
      `at ${clockOf(t3)}, after its acknowledgement, the alert shows acknowledged (${card.acked}), ${card.detail}`);
    const drawnAtT3 = await page.evaluate(() => window.finisterra.map.querySourceFeatures('vessels').map((x) => x.properties.mmsi));
    check(drawnAtT3.includes(ALFA) && drawnAtT3.includes(BRAVO), 'ALFA and BRAVO are still drawn (at their last positions) after the hour');
    // A second before the acknowledgement: not yet.
    await seekTo(page, Math.floor(ackMs / 1000) * 1000 - 1000);
    card = await until('the ALFA–BRAVO alert just before the acknowledgement', () => historyCard(page, abAttr), 5000);
    check(card.acknowledged === 'false', 'a second before the acknowledgement it shows unacknowledged');
    const cdAttr = `${CHARLIE} ${DELTA}`;
    const tOpen = Date.parse(cdRaised.time) + 60_000;
    await seekTo(page, tOpen);
    card = await until('the CHARLIE–DELTA alert while open', () => historyCard(page, cdAttr), 5000);
    const cdThen = cd.filter((e) => Date.parse(e.time) <= tOpen).pop();
    check(card.detail.includes(`CPA ${nm(cdThen.cpa_nm)} in`), `at ${clockOf(tOpen)} the CHARLIE–DELTA alert is shown (${card.detail})`);
    const distressAt = Date.parse(distress[0].time);
    check(await historyCard(page, String(SART)) != null === (tOpen >= distressAt), `the distress is shown from ${clockOf(distressAt)} on (${tOpen >= distressAt ? 'shown' : 'not yet'} at ${clockOf(tOpen)})`);
    await seekTo(page, distressAt - 1000);
    check(await historyCard(page, String(SART)) == null, `a second before ${clockOf(distressAt)} there is no distress alert`);
    await seekTo(page, Date.parse(cdCleared.time) + 1000);
    check(await historyCard(page, cdAttr) == null && await historyCard(page, String(SART)) != null, 'once cleared the CHARLIE–DELTA alert is gone; the distress stays');
    const riskLines = await page.evaluate(() => window.finisterra.map.querySourceFeatures('risks').filter((x) => x.properties.part === 'pair').length);
    check(riskLines === 0, 'no risk line drawn when no risk was open');
    await seekTo(page, t2);
    await page.waitForFunction(() => window.finisterra.map.querySourceFeatures('risks').some((x) => x.properties.key === '224900001:224900002'));
    check(true, `at ${clockOf(t2)} the ALFA–BRAVO risk line is drawn`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'playback.png') });

    // 4. Live updates held: GOLF, heard now, is not drawn in history.
    await sendLines(sock, udpPort, golf(endS + 60));
    await page.waitForFunction((m) => window.finisterra.vessels.has(m), GOLF, { timeout: 15_000 });
    await page.waitForTimeout(1500);
    const drawnLive = await page.evaluate((m) => window.finisterra.map.querySourceFeatures('vessels').some((x) => x.properties.mmsi === m), GOLF);
    const stream = await page.getByTestId('stream-state').getAttribute('data-state');
    check(!drawnLive && stream === 'live', `GOLF, heard live (in the console's picture), is not drawn in history; the stream is still ${stream}`);

    // 5. Play at 60×.
    await seekTo(page, fromMs + 10 * 60_000);
    await page.getByTestId('history-speed-60').click();
    check(await page.getByTestId('history-speed-60').getAttribute('aria-pressed') === 'true', '60× chosen');
    const before = await page.evaluate(() => window.finisterra.playback.time);
    const wallBefore = Date.now();
    await page.getByTestId('history-play').click();
    await page.waitForTimeout(2000);
    const [after, shown] = await page.evaluate(() => [window.finisterra.playback.time, document.querySelector('[data-testid="history-time"]').textContent]);
    const wall = (Date.now() - wallBefore) / 1000;
    const advanced = (after - before) / 1000;
    await page.getByTestId('history-play').click();
    check(advanced >= 40 * wall && advanced <= 62 * wall && shown !== clockOf(before),
      `at 60× the time advanced ${advanced.toFixed(0)} s in ${wall.toFixed(1)} s (banner ${shown})`);
    const paused = await page.evaluate(() => window.finisterra.playback.time);
    await page.waitForTimeout(500);
    check(await page.evaluate(() => window.finisterra.playback.time) === paused, 'paused: the time stands still');

    // 6. Exports.
    const evCsvHref = await page.getByTestId('export-events-csv').getAttribute('href');
    check(evCsvHref.includes(`from=${fromMs}`) && evCsvHref.includes(`to=${toMs}`) && evCsvHref.includes('format=csv'), `events CSV link: ${evCsvHref}`);
    let res = await page.request.get(new URL(evCsvHref, `${base}/`).href);
    let body = await res.text();
    let lines = body.trim().split('\n');
    const expectedEvents = (await api(`/api/events?from=${fromMs}&to=${toMs}&limit=10000`)).body.events;
    check(res.status() === 200 && /attachment; filename="events\.csv"/.test(res.headers()['content-disposition'] ?? ''), `it downloads as ${res.headers()['content-disposition']}`);
    check(lines[0] === 'id,time,kind,level,mmsi,other_mmsi,lat_deg,lon_deg,cpa_nm,tcpa_s,zone,text,acknowledged_by,acknowledged_at'
      && lines.length - 1 === expectedEvents.length && lines.length > 10, `events CSV: the API's header and ${lines.length - 1} events (the period holds ${expectedEvents.length})`);
    check(lines.some((l) => l.startsWith(`${newest.id},`) && l.includes(',e2e,')), 'the acknowledged event carries its acknowledgement in the CSV');
    res = await page.request.get(new URL(await page.getByTestId('export-events-geojson').getAttribute('href'), `${base}/`).href);
    const evGeo = await res.json();
    check(res.status() === 200 && evGeo.type === 'FeatureCollection' && evGeo.features.length > 0, `events GeoJSON: ${evGeo.features.length} features`);
    check(await page.getByTestId('export-track-csv').getAttribute('href') == null, 'no vessel selected: the track links are disabled');
    await page.evaluate((m) => window.finisterra.selectVessel(m), ALFA);
    await page.waitForFunction(() => document.querySelector('[data-testid="export-track-name"]')?.textContent === 'ALFA');
    const trHref = await page.getByTestId('export-track-csv').getAttribute('href');
    res = await page.request.get(new URL(trHref, `${base}/`).href);
    body = await res.text();
    lines = body.trim().split('\n');
    const apiTrack = (await api(`/api/vessels/${ALFA}/track?from=${fromMs}&to=${toMs}&limit=100000`)).body.points;
    check(res.status() === 200 && /filename="track-224900001\.csv"/.test(res.headers()['content-disposition'] ?? ''), `ALFA's track link (${trHref}) downloads as ${res.headers()['content-disposition']}`);
    check(lines[0] === 'time_ms,mmsi,lat_deg,lon_deg,sog_kn,cog_deg,heading_deg,time' && lines.length - 1 === apiTrack.length
      && lines.slice(1).every((l) => l.split(',')[1] === String(ALFA)), `track CSV: the API's header and ALFA's ${lines.length - 1} points`);
    res = await page.request.get(new URL(await page.getByTestId('export-track-geojson').getAttribute('href'), `${base}/`).href);
    const trGeo = await res.json();
    check(trGeo.features.length === 1 && trGeo.features[0].geometry.type === 'LineString' && trGeo.features[0].properties.mmsi === ALFA, 'track GeoJSON: one LineString of ALFA');
    // A real click downloads through the browser too.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-events-csv').click()]);
    check(download.suggestedFilename() === 'events.csv', `clicking "CSV" downloads ${download.suggestedFilename()}`);
    // The selection in history: its ring where it was then.
    const ring = await until('the selection ring of ALFA', () => page.evaluate((m) => {
      const s = window.finisterra.map.querySourceFeatures('selected')[0];
      const p = window.finisterra.playback.positionOf(m);
      return s && p ? Math.hypot(s.geometry.coordinates[0] - p[0], s.geometry.coordinates[1] - p[1]) : null;
    }, ALFA), 5000);
    check(ring < 1e-3, 'the selected vessel\'s ring is drawn at its position then');

    // 7. Phone width.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(600);
    const phone = await page.evaluate(() => {
      const r = (sel) => document.querySelector(sel).getBoundingClientRect();
      const [b, p, s, map] = [r('[data-testid="history-banner"]'), r('[data-testid="history-panel"]'), r('[data-testid="history-slider"]'), r('[data-testid="map"]')];
      return {
        banner: [b.left, b.right], panel: [p.left, p.right, p.top, p.bottom], slider: s.width, mapBottom: map.bottom, mapTop: map.top,
        docOverflow: document.documentElement.scrollWidth - window.innerWidth,
      };
    });
    log(`phone: ${JSON.stringify(phone)}`);
    check(phone.banner[0] >= 0 && phone.banner[1] <= 390 && phone.panel[0] >= 0 && phone.panel[1] <= 390 && phone.docOverflow <= 0,
      'at 390 px the banner and the history panel fit the width');
    check(phone.panel[3] <= phone.mapBottom + 1 && phone.panel[2] >= phone.mapTop && phone.slider >= 120, `the panel stays over the map, the slider ${phone.slider.toFixed(0)} px wide`);
    await page.screenshot({ path: path.join(ARTIFACTS, 'playback-phone.png') });
    await page.setViewportSize({ width: 1440, height: 900 });

    // 8. Back to live.
    await page.getByTestId('history-exit').click();
    await page.getByTestId('history-banner').waitFor({ state: 'hidden' });
    await page.waitForFunction((m) => window.finisterra.map.querySourceFeatures('vessels').some((x) => x.properties.mmsi === m), GOLF, { timeout: 10_000 });
    const back = await page.evaluate((m) => {
      const f = window.finisterra.map.querySourceFeatures('vessels').find((x) => x.properties.mmsi === m);
      const v = window.finisterra.vessels.get(m);
      return { f: f?.geometry.coordinates, v: [v.lon_deg, v.lat_deg], history: f?.properties.history ?? false };
    }, ALFA);
    check(back.f && Math.hypot(back.f[0] - back.v[0], back.f[1] - back.v[1]) < 1e-4 && !back.history, 'back to live: GOLF is drawn, ALFA at its live position');
    check(await page.locator('#alerts').isVisible() && await page.getByTestId('history-alerts').isHidden()
      && !(await page.evaluate(() => window.finisterra.playback.active)), 'the live alerts are back');

    check(pageErrors.length === 0, `no uncaught errors in the page${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
    check(external.length === 0, `no request left the machine${external.length ? `: ${external.slice(0, 3).join(', ')}` : ''}`);
  } catch (err) {
    if (context) {
      const page = context.pages()[0];
      if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'playback-failure.png') }).catch(() => {});
    }
    console.error('\nbrowser console (last 30 lines):');
    for (const l of browserLog.slice(-30)) console.error(`  ${l}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
    console.error(`server log: ${path.relative(ROOT, path.join(ARTIFACTS, 'playback-server.log'))}`);
    throw err;
  } finally {
    sock.close();
    await context?.close().catch(() => {});
    await stopServer(serverProc).catch(() => {});
    serverLog.end();
    for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
  }
}

// Whatever happens, the server does not outlive the test.
let serverProc = null;
const cleanup = [];
function abort(why) {
  console.error(`FAIL: ${why}`);
  try { serverProc?.kill('SIGKILL'); } catch { /* gone */ }
  process.once('exit', () => {
    for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
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
