// What every browser test of the console shares: a timestamped log, a check
// that says what it checked, free loopback ports, waiting for the server and
// for a condition, stopping the server, and short distances on the map.

import dgram from 'node:dgram';
import net from 'node:net';

const t0 = Date.now();

/** Logs with the seconds since the test started. */
export const log = (...a) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s]`, ...a);

/** Fails the test with `msg` unless `cond`; logs what was checked. */
export function check(cond, msg) {
  if (!cond) throw new Error(`check failed: ${msg}`);
  log(`ok: ${msg}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port, TCP or UDP. */
export function freePort(kind = 'tcp') {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = dgram.createSocket('udp4');
      s.on('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
      return;
    }
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Waits until the server answers `/api/stats` (its JSON), or fails. */
export async function waitForServer(base, server, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (server.exitCode != null) throw new Error(`finisterra exited early with code ${server.exitCode}`);
    try {
      const r = await fetch(`${base}/api/stats`);
      if (r.ok) return r.json();
    } catch { /* not yet */ }
    await sleep(200);
  }
  throw new Error(`server did not answer ${base}/api/stats within ${ms} ms`);
}

/** Waits until `fn` gives a truthy value (returned), or fails naming `what`. */
export async function until(what, fn, ms = 20_000, every = 250) {
  const end = Date.now() + ms;
  let last;
  while (Date.now() < end) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) { last = e; }
    await sleep(every);
  }
  throw new Error(`timed out waiting for ${what} (last: ${last instanceof Error ? last.message : JSON.stringify(last)?.slice(0, 300)})`);
}

/** Stops the server gracefully (`serve` stops on Ctrl-C), killing it after 5 s. */
export async function stopServer(server) {
  if (!server || server.exitCode != null || server.signalCode != null) return;
  const done = new Promise((r) => server.once('exit', r));
  server.kill('SIGINT');
  const timer = setTimeout(() => server.kill('SIGKILL'), 5000);
  await done;
  clearTimeout(timer);
}

/** Distance in NM between two [lon, lat] points (equirectangular: short distances). */
export function distNm(a, b) {
  const dLat = (b[1] - a[1]) * 60;
  const dLon = (b[0] - a[0]) * 60 * Math.cos((((a[1] + b[1]) / 2) * Math.PI) / 180);
  return Math.hypot(dLat, dLon);
}
