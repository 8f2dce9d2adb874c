// Browser test of the map's land: starts `finisterra serve` with the bundled
// land (no traffic, so nothing is drawn over the sea), opens the map in
// headless Chromium, flies to each view of lofoten-points.json (Lofoten at
// zoom 8, the Norwegian Sea at zoom 3), takes a screenshot and checks the
// colour of the pixel under each sample point: sea where the engine says
// sea, land where it says land. The points' answers are the engine's
// (`Land::world()`, checked by crates/geofence/tests/map_land.rs, each point
// kilometres from the coast so that a pixel of simplification cannot change
// it).
//
//   node tests/e2e/land.test.mjs          (exit code 0 = pass)
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
const POINTS = JSON.parse(fs.readFileSync(path.join(HERE, 'lofoten-points.json'), 'utf8'));
const TOTAL_TIMEOUT_MS = 180_000;

// The map's colours (crates/server/web/map.js: WATER, LAND).
const WATER = [0x0b, 0x1a, 0x28];
const LAND = [0x2b, 0x33, 0x2d];

const dist = (a, b) => Math.hypot(a[0] - b[0], a[1] - b[1], a[2] - b[2]);

/** Flies the map to a view and waits until the land for it is drawn. */
async function showView(page, view) {
  await page.evaluate(({ center, zoom }) => window.finisterra.map.jumpTo({ center, zoom }), view);
  // The console fetches the land for the new view on moveend; wait for it
  // (a console without that hook: give it time), then for an idle map.
  await page.waitForFunction((zoom) => {
    const s = window.finisterra.land?.();
    return !s || (s.pending == null && s.level === Math.min(16, Math.ceil(zoom - 1e-6)));
  }, view.zoom, { timeout: 30_000 });
  await page.evaluate(() => new Promise((res) => {
    const map = window.finisterra.map;
    const done = () => (map.loaded() && !map.isMoving() ? res() : map.once('idle', res));
    map.once('idle', res);
    map.triggerRepaint();
    setTimeout(done, 3000);
  }));
  await sleep(300);
}

/** RGB at page coordinates, read from a screenshot of the page. */
async function pixels(page, png, pts) {
  return page.evaluate(async ({ b64, pts }) => {
    const blob = await (await fetch(`data:image/png;base64,${b64}`)).blob();
    const bmp = await createImageBitmap(blob);
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    const g = c.getContext('2d');
    g.drawImage(bmp, 0, 0);
    return pts.map(({ x, y }) => Array.from(g.getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3)));
  }, { b64: png.toString('base64'), pts });
}

async function main() {
  if (!fs.existsSync(BIN)) throw new Error(`no binary at ${BIN}: run \`cargo build -p finisterra-cli\` or set FINISTERRA_BIN`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set CHROMIUM`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });

  const port = await freePort();
  const udp = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const serverLog = fs.createWriteStream(path.join(ARTIFACTS, 'land-server.log'));
  const browserLog = [];
  const pageErrors = [];
  const landRequests = [];
  let context = null;
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'finisterra-e2e-chromium-'));
  profileDir = userDataDir;

  try {
    // A quiet UDP input: no vessel is drawn over the points.
    log(`starting ${path.relative(ROOT, BIN)} serve --land world on ${base}`);
    const server = spawn(BIN, ['serve', '--udp', `127.0.0.1:${udp}`, '--land', 'world', '--http', `127.0.0.1:${port}`], {
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
      deviceScaleFactor: 1,
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
    page.on('response', (r) => {
      const u = new URL(r.url());
      if (u.pathname === '/api/land') landRequests.push({ query: u.search, status: r.status() });
    });

    await page.goto(`${base}/`);
    await page.waitForFunction(() => window.finisterra?.ready === true, null, { timeout: 60_000 });
    log('map loaded (style, land, first idle)');

    let failures = [];
    for (const view of POINTS.views) {
      await showView(page, view);
      const at = await page.evaluate((pts) => {
        const map = window.finisterra.map;
        const box = map.getContainer().getBoundingClientRect();
        return pts.map((p) => {
          const q = map.project([p.lon, p.lat]);
          const x = box.left + q.x;
          const y = box.top + q.y;
          const top = document.elementFromPoint(x, y);
          return { x, y, onMap: !!top && top === map.getCanvas() };
        });
      }, view.points);
      const file = `land-${view.name.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.png`;
      const png = await page.screenshot({ path: path.join(ARTIFACTS, file) });
      log(`screenshot: ${path.relative(ROOT, path.join(ARTIFACTS, file))}`);
      const rgb = await pixels(page, png, at);
      view.points.forEach((p, i) => {
        const want = p.land ? LAND : WATER;
        const other = p.land ? WATER : LAND;
        const c = rgb[i];
        const what = `${view.name} z${view.zoom}: ${p.name} (${p.lat}, ${p.lon}) at (${at[i].x.toFixed(0)}, ${at[i].y.toFixed(0)}) is rgb(${c.join(',')})`;
        if (!at[i].onMap) {
          failures.push(`${what}: not visible on the map (covered or off screen)`);
        } else if (!(dist(c, want) < 12 && dist(c, want) < dist(c, other))) {
          failures.push(`${what}: expected ${p.land ? 'land' : 'sea'}`);
        } else {
          log(`ok: ${what}, ${p.land ? 'land' : 'sea'} as the engine says`);
        }
      });
    }
    for (const f of failures) console.error(`  MISMATCH ${f}`);
    check(failures.length === 0, `every sample point drawn as the engine judges it (${failures.length} mismatches)`);

    // The console asked for the level each view needs: the world at zoom 3,
    // a bounded box at zoom 8.
    log(`land requests: ${landRequests.map((r) => `${r.query} ${r.status}`).join(' | ')}`);
    check(landRequests.some((r) => r.query.includes('zoom=8&bbox=') && r.status === 200), 'Lofoten at zoom 8: a box at level 8');
    check(landRequests.some((r) => r.query === '?zoom=3' && r.status === 200), 'the Norwegian Sea at zoom 3: the world at level 3');
    check(landRequests.every((r) => r.status === 200 || r.status === 304), 'every land request answered');
    check(pageErrors.length === 0, `no uncaught errors in the page${pageErrors.length ? `: ${pageErrors.join(' | ')}` : ''}`);
  } catch (err) {
    if (context) {
      const page = context.pages()[0];
      if (page) await page.screenshot({ path: path.join(ARTIFACTS, 'land-failure.png') }).catch(() => {});
    }
    console.error('\nbrowser console (last 30 lines):');
    for (const l of browserLog.slice(-30)) console.error(`  ${l}`);
    if (pageErrors.length) console.error(`page errors: ${pageErrors.join(' | ')}`);
    console.error(`server log: ${path.relative(ROOT, path.join(ARTIFACTS, 'land-server.log'))}`);
    throw err;
  } finally {
    await context?.close().catch(() => {});
    await stopServer(serverProc).catch(() => {});
    serverLog.end();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  }
}

// Whatever happens, the server does not outlive the test (playwright kills
// the browser it launched when this process exits).
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
