// The own-ship panel: the receiver's own vessel (`serve --own-mmsi`, or
// the first VDO sentence) and its targets as a navigator's AIS target list
// shows them, in the server's order (`GET /api/own-ship`: closing targets
// by time to CPA, then the others by range). Rendering only: app.js
// fetches and decides.

import { deg3, knots, nm, mmss, latLonText, escapeHtml } from './format.js';

/** Level of the open risk of each target with the own ship: mmsi → level. */
function riskLevels(data) {
  const out = new Map();
  const own = data.own?.mmsi;
  for (const o of data.risks ?? []) {
    const r = o.risk ?? o;
    const other = r.a?.mmsi === own ? r.b?.mmsi : r.a?.mmsi;
    if (other != null && (out.get(other) !== 'alarm')) out.set(other, r.level);
  }
  return out;
}

export class OwnShipPanel {
  /**
   * @param {HTMLElement} section  the panel (`[data-testid="own-ship"]`)
   * @param {object} hooks  { onTarget(mmsi), onCentre() }
   */
  constructor(section, hooks) {
    this.section = section;
    this.hooks = hooks;
    this.summary = section.querySelector('[data-testid="own-ship-summary"]');
    this.caption = section.querySelector('[data-testid="own-targets-caption"]');
    this.tbody = section.querySelector('[data-testid="own-targets"] tbody');
    this.selected = null;
    this.tbody.addEventListener('click', (e) => this.pick(e));
    this.tbody.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.pick(e);
      }
    });
    section.querySelector('[data-action="centre-own"]').addEventListener('click', () => this.hooks.onCentre());
  }

  pick(e) {
    const tr = e.target.closest('tr[data-mmsi]');
    if (tr) this.hooks.onTarget(Number(tr.dataset.mmsi));
  }

  /** Marks the row of the selected vessel (or none). */
  select(mmsi) {
    this.selected = mmsi;
    for (const tr of this.tbody.children) tr.setAttribute('aria-current', String(Number(tr.dataset.mmsi) === mmsi));
  }

  /** Shows `data` (the answer of /api/own-ship), or hides the panel (null). */
  render(data) {
    if (!data?.own) {
      this.section.hidden = true;
      return;
    }
    this.section.hidden = false;
    const o = data.own;
    const name = (o.name ?? '').trim();
    this.section.dataset.mmsi = o.mmsi;
    this.summary.innerHTML = `
      <div class="own-name"><span data-testid="own-ship-name">${escapeHtml(name || `MMSI ${o.mmsi}`)}</span>
        ${name ? `<span class="muted">MMSI <span data-testid="own-ship-mmsi">${o.mmsi}</span></span>` : `<span data-testid="own-ship-mmsi" hidden>${o.mmsi}</span>`}
        ${o.lost ? '<span class="badge level-info">lost</span>' : ''}</div>
      <dl class="own-kin">
        <div><dt>SOG</dt><dd data-testid="own-ship-sog">${knots(o.sog_kn)}</dd></div>
        <div><dt>COG</dt><dd data-testid="own-ship-cog">${deg3(o.cog_deg)}</dd></div>
        <div><dt>HDG</dt><dd>${deg3(o.heading_deg)}</dd></div>
        <div class="own-pos"><dt>Pos</dt><dd>${latLonText(o.lat_deg, o.lon_deg)}</dd></div>
      </dl>`;
    const targets = data.targets ?? [];
    this.caption.textContent = `${targets.length} target${targets.length === 1 ? '' : 's'} within ${nm(data.range_nm)}: closing by TCPA, then by range`;
    const levels = riskLevels(data);
    // Keep the keyboard focus on the same target across refreshes.
    const focused = document.activeElement?.closest?.('tr[data-mmsi]');
    const focusedMmsi = focused && this.tbody.contains(focused) ? focused.dataset.mmsi : null;
    this.tbody.innerHTML = targets.map((t) => {
      const level = levels.get(t.mmsi);
      const closing = Number.isFinite(t.tcpa_s) && t.tcpa_s >= 0;
      const tname = (t.name ?? '').trim();
      return `<tr data-testid="own-target" data-mmsi="${t.mmsi}" tabindex="0"
          class="${level ? `level-${level}` : ''}${closing ? ' closing' : ' opening'}"
          aria-current="${t.mmsi === this.selected}"
          title="${escapeHtml(`${tname || `MMSI ${t.mmsi}`} · ${knots(t.sog_kn)} ${deg3(t.cog_deg)}${level ? ` · ${level}` : ''}`)}">
        <td class="t-name" data-testid="target-name">${escapeHtml(tname || `MMSI ${t.mmsi}`)}</td>
        <td data-testid="target-range">${nm(t.range_nm)}</td>
        <td data-testid="target-bearing">${deg3(t.bearing_deg)}</td>
        <td data-testid="target-cpa">${nm(t.cpa_nm)}</td>
        <td data-testid="target-tcpa">${mmss(t.tcpa_s)}</td>
      </tr>`;
    }).join('') || '<tr class="empty"><td colspan="5" class="muted">No target in range</td></tr>';
    if (focusedMmsi) this.tbody.querySelector(`tr[data-mmsi="${focusedMmsi}"]`)?.focus();
  }
}
