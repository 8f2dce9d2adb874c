// Exports of a period: plain links to the API with `format=` (the server
// names the file with Content-Disposition), so a download is the browser's
// own. Pure URL builders and one small renderer.

import { escapeHtml } from './format.js';

/** Most events one export link asks for (the API's page limit; a full page
 *  names the next in its `Link` header). */
export const EVENTS_LIMIT = 10_000;
/** Most points of one vessel's track one link asks for. */
export const TRACK_LIMIT = 100_000;

function query(params, token) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v != null && v !== '') q.set(k, String(v));
  // As the live stream does: a server started with --read-token needs it,
  // and a link cannot carry a header.
  if (token) q.set('token', token);
  return q.toString();
}

/** Every stored event with a data time in [from, to). */
export function eventsUrl(fromMs, toMs, format, token = '') {
  return `api/events?${query({ from: fromMs, to: toMs, limit: EVENTS_LIMIT, format }, token)}`;
}

/** One vessel's stored track in [from, to). */
export function trackUrl(mmsi, fromMs, toMs, format, token = '') {
  return `api/vessels/${encodeURIComponent(mmsi)}/track?${query({ from: fromMs, to: toMs, limit: TRACK_LIMIT, format }, token)}`;
}

/**
 * Fills the export links of `el` for the period [from, to) and the vessel
 * `mmsi` (null: none selected; its links are shown disabled).
 */
export function renderExports(el, { fromMs, toMs, mmsi, name, token }) {
  const ok = Number.isFinite(fromMs) && Number.isFinite(toMs) && fromMs < toMs;
  const link = (testid, href, label, title) => (href
    ? `<a class="hp-link" data-testid="${testid}" href="${escapeHtml(href)}" download title="${escapeHtml(title)}">${label}</a>`
    : `<a class="hp-link" data-testid="${testid}" aria-disabled="true" title="${escapeHtml(title)}">${label}</a>`);
  const ev = (f) => (ok ? eventsUrl(fromMs, toMs, f, token) : null);
  const tr = (f) => (ok && mmsi != null ? trackUrl(mmsi, fromMs, toMs, f, token) : null);
  const who = mmsi != null ? (name || `MMSI ${mmsi}`) : 'selected vessel';
  const html = `
    <span class="hp-label">Export</span>
    <span class="hp-group">Events
      ${link('export-events-csv', ev('csv'), 'CSV', `Events of the period as CSV (at most ${EVENTS_LIMIT})`)}
      ${link('export-events-geojson', ev('geojson'), 'GeoJSON', 'Events of the period as GeoJSON points')}</span>
    <span class="hp-group">Track of <span class="hp-who" data-testid="export-track-name">${escapeHtml(who)}</span>
      ${link('export-track-csv', tr('csv'), 'CSV', mmsi != null ? 'Its track in the period as CSV' : 'Select a vessel on the map first')}
      ${link('export-track-geojson', tr('geojson'), 'GeoJSON', mmsi != null ? 'Its track in the period as a GeoJSON line' : 'Select a vessel on the map first')}</span>`;
  // Rebuilt only when something changed (keeps focus and hover).
  if (el.dataset.html !== html) {
    el.dataset.html = html;
    el.innerHTML = html;
  }
}
