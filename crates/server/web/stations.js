// The receiving stations panel (`GET /api/stations`): one row per station
// (tag block `s:`, else the input). Rendering only: app.js fetches.

import { nm, duration, escapeHtml } from './format.js';

/**
 * The receiving stations (`GET /api/stations`): messages heard first,
 * vessels, farthest range (when the server reports it) and the time since
 * each was last heard (`nowMs`: the wall clock).
 */
export function renderStations(section, list, nowMs) {
  const tbody = section.querySelector('tbody');
  section.querySelector('[data-testid="station-count"]').textContent = String(list.length);
  tbody.innerHTML = list.map((s) => {
    const name = s.station ?? s.name ?? '?';
    const heard = s.last_heard ? Date.parse(s.last_heard) : NaN;
    const age = Number.isFinite(heard) ? Math.max(0, (nowMs - heard) / 1000) : null;
    const dup = s.duplicates ? ` (+${s.duplicates} heard by another station first)` : '';
    return `<tr data-testid="station" data-station="${escapeHtml(name)}">
      <td class="t-name" data-testid="station-name" title="${escapeHtml(name)}">${escapeHtml(name)}</td>
      <td data-testid="station-messages" title="${escapeHtml(`${s.messages ?? 0} messages heard first${dup}`)}">${s.messages ?? '—'}</td>
      <td data-testid="station-vessels">${s.vessels ?? '—'}</td>
      <td data-testid="station-farthest">${nm(s.farthest_range_nm)}</td>
      <td data-testid="station-age" title="${escapeHtml(s.last_heard ?? '')}">${age == null ? '—' : `${duration(age)} ago`}</td>
    </tr>`;
  }).join('') || '<tr class="empty"><td colspan="5" class="muted">No station heard yet</td></tr>';
}
